//! A small document tree shared by the JSON and TOML readers, walked with the field path in hand so
//! that every error can say exactly where it is (`transitions[2][1][0]`), whatever the format.

use crate::core::error::{Error, Result};

/// A JSON document walked only to refuse an object that repeats a key (the error carries
/// serde_json's line and column).
struct NoRepeatedKeys;

impl<'de> serde::Deserialize<'de> for NoRepeatedKeys {
    fn deserialize<D: serde::Deserializer<'de>>(
        deserializer: D,
    ) -> std::result::Result<Self, D::Error> {
        deserializer.deserialize_any(NoRepeatedKeysVisitor)
    }
}

struct NoRepeatedKeysVisitor;

impl<'de> serde::de::Visitor<'de> for NoRepeatedKeysVisitor {
    type Value = NoRepeatedKeys;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("a JSON value")
    }

    fn visit_bool<E>(self, _: bool) -> std::result::Result<NoRepeatedKeys, E> {
        Ok(NoRepeatedKeys)
    }

    fn visit_i64<E>(self, _: i64) -> std::result::Result<NoRepeatedKeys, E> {
        Ok(NoRepeatedKeys)
    }

    fn visit_u64<E>(self, _: u64) -> std::result::Result<NoRepeatedKeys, E> {
        Ok(NoRepeatedKeys)
    }

    fn visit_f64<E>(self, _: f64) -> std::result::Result<NoRepeatedKeys, E> {
        Ok(NoRepeatedKeys)
    }

    fn visit_str<E>(self, _: &str) -> std::result::Result<NoRepeatedKeys, E> {
        Ok(NoRepeatedKeys)
    }

    fn visit_unit<E>(self) -> std::result::Result<NoRepeatedKeys, E> {
        Ok(NoRepeatedKeys)
    }

    fn visit_seq<A: serde::de::SeqAccess<'de>>(
        self,
        mut seq: A,
    ) -> std::result::Result<NoRepeatedKeys, A::Error> {
        while seq.next_element::<NoRepeatedKeys>()?.is_some() {}
        Ok(NoRepeatedKeys)
    }

    fn visit_map<A: serde::de::MapAccess<'de>>(
        self,
        mut map: A,
    ) -> std::result::Result<NoRepeatedKeys, A::Error> {
        let mut seen = std::collections::HashSet::new();
        while let Some(key) = map.next_key::<String>()? {
            if !seen.insert(key.clone()) {
                return Err(serde::de::Error::custom(format!(
                    "the key \"{key}\" appears twice in one object (keys must be distinct)"
                )));
            }
            map.next_value::<NoRepeatedKeys>()?;
        }
        Ok(NoRepeatedKeys)
    }
}

/// One value of a parsed JSON or TOML document.
#[derive(Debug, Clone, PartialEq)]
pub enum Node {
    Null,
    Bool(bool),
    Integer(i64),
    Float(f64),
    Text(String),
    Array(Vec<Node>),
    Table(Vec<(String, Node)>),
}

impl Node {
    /// Parses JSON text; `origin` names the file in error messages.
    pub fn parse_json(text: &str, origin: &str) -> Result<Node> {
        let syntax = |e: serde_json::Error| {
            let truncated = if e.is_eof() {
                " (the file ends too early: is it truncated?)"
            } else {
                ""
            };
            Error::Syntax {
                origin: origin.to_string(),
                detail: format!("not valid JSON: {e}{truncated}"),
            }
        };
        // serde_json keeps the last of repeated keys silently; TOML refuses them, and so do we.
        serde_json::from_str::<NoRepeatedKeys>(text).map_err(syntax)?;
        let value: serde_json::Value = serde_json::from_str(text).map_err(syntax)?;
        Ok(Node::from_json(value))
    }

    /// Parses TOML text; `origin` names the file in error messages.
    pub fn parse_toml(text: &str, origin: &str) -> Result<Node> {
        let table: toml::Table = text.parse().map_err(|e: toml::de::Error| Error::Syntax {
            origin: origin.to_string(),
            detail: format!("not valid TOML: {}", e.to_string().trim_end()),
        })?;
        Ok(Node::from_toml(toml::Value::Table(table)))
    }

    fn from_json(value: serde_json::Value) -> Node {
        use serde_json::Value;
        match value {
            Value::Null => Node::Null,
            Value::Bool(b) => Node::Bool(b),
            Value::Number(n) => match n.as_i64() {
                Some(i) => Node::Integer(i),
                // Not an i64: a float, or an integer too large for i64 (kept as a float so the
                // range checks report it).
                None => Node::Float(n.as_f64().unwrap_or(f64::NAN)),
            },
            Value::String(s) => Node::Text(s),
            Value::Array(items) => Node::Array(items.into_iter().map(Node::from_json).collect()),
            Value::Object(map) => Node::Table(
                map.into_iter()
                    .map(|(k, v)| (k, Node::from_json(v)))
                    .collect(),
            ),
        }
    }

    fn from_toml(value: toml::Value) -> Node {
        use toml::Value;
        match value {
            Value::Boolean(b) => Node::Bool(b),
            Value::Integer(i) => Node::Integer(i),
            Value::Float(f) => Node::Float(f),
            Value::String(s) => Node::Text(s),
            Value::Datetime(d) => Node::Text(d.to_string()),
            Value::Array(items) => Node::Array(items.into_iter().map(Node::from_toml).collect()),
            Value::Table(map) => Node::Table(
                map.into_iter()
                    .map(|(k, v)| (k, Node::from_toml(v)))
                    .collect(),
            ),
        }
    }

    /// What kind of value this is, in words, for error messages.
    pub fn describe(&self) -> String {
        match self {
            Node::Null => "null".to_string(),
            Node::Bool(b) => format!("the boolean {b}"),
            Node::Integer(i) => format!("the integer {i}"),
            Node::Float(f) => format!("the number {f}"),
            Node::Text(s) => format!("the string {s:?}"),
            Node::Array(items) => format!("a list of {} items", items.len()),
            Node::Table(_) => "a table".to_string(),
        }
    }
}

/// A node together with the path that led to it.
#[derive(Debug, Clone, Copy)]
pub struct At<'a> {
    pub node: &'a Node,
    pub path: &'a str,
}

impl<'a> At<'a> {
    pub fn new(node: &'a Node, path: &'a str) -> Self {
        At { node, path }
    }

    fn wrong(&self, expected: &str) -> Error {
        Error::invalid(
            self.path,
            format!("found {}", self.node.describe()),
            expected,
        )
    }

    /// A finite or non-finite number (integers are accepted as numbers); finiteness is checked by
    /// the caller, which knows what range is allowed.
    pub fn number(&self) -> Result<f64> {
        match self.node {
            Node::Integer(i) => Ok(*i as f64),
            Node::Float(f) => Ok(*f),
            _ => Err(self.wrong("expected a number")),
        }
    }

    /// A finite number.
    pub fn finite(&self) -> Result<f64> {
        let x = self.number()?;
        if x.is_finite() {
            Ok(x)
        } else {
            Err(Error::invalid(
                self.path,
                format!("found {x}"),
                "expected a finite number",
            ))
        }
    }

    /// An integer in `0..bound`; `what` says what the index counts (e.g. "state").
    pub fn index(&self, bound: usize, what: &str) -> Result<usize> {
        let expected = || {
            format!(
                "expected a {what} index from 0 to {}",
                bound.saturating_sub(1)
            )
        };
        match self.node {
            Node::Integer(i) if *i >= 0 && (*i as u64) < bound as u64 => Ok(*i as usize),
            Node::Integer(i) => Err(Error::invalid(
                self.path,
                format!("{what} index {i} is out of range"),
                expected(),
            )),
            _ => Err(self.wrong(&expected())),
        }
    }

    /// A positive integer.
    pub fn positive_integer(&self) -> Result<usize> {
        match self.node {
            Node::Integer(i) if *i > 0 => Ok(*i as usize),
            _ => Err(self.wrong("expected a positive integer")),
        }
    }

    pub fn boolean(&self) -> Result<bool> {
        match self.node {
            Node::Bool(b) => Ok(*b),
            _ => Err(self.wrong("expected true or false")),
        }
    }

    pub fn text(&self) -> Result<&'a str> {
        match self.node {
            Node::Text(s) => Ok(s),
            _ => Err(self.wrong("expected a string")),
        }
    }

    pub fn array(&self) -> Result<&'a [Node]> {
        match self.node {
            Node::Array(items) => Ok(items),
            _ => Err(self.wrong("expected a list")),
        }
    }

    /// A list of exactly `len` items; `of_what` describes one item (e.g. "one list per state").
    pub fn array_of_len(&self, len: usize, of_what: &str) -> Result<&'a [Node]> {
        let items = self.array()?;
        if items.len() == len {
            Ok(items)
        } else {
            Err(Error::invalid(
                self.path,
                format!("found a list of {} items", items.len()),
                format!("expected {len} items ({of_what})"),
            ))
        }
    }

    /// The entries of a table; keys outside `allowed` are an error that lists the allowed keys.
    pub fn table(&self, allowed: &[&str]) -> Result<&'a [(String, Node)]> {
        match self.node {
            Node::Table(entries) => {
                for (key, _) in entries {
                    if !allowed.contains(&key.as_str()) {
                        let field = if self.path.is_empty() {
                            key.clone()
                        } else {
                            format!("{}.{key}", self.path)
                        };
                        return Err(Error::invalid(
                            field,
                            "unknown field",
                            format!("allowed fields are: {}", allowed.join(", ")),
                        ));
                    }
                }
                Ok(entries)
            }
            _ => Err(self.wrong("expected a table")),
        }
    }
}

/// Looks up `key` in a table's entries.
pub fn field<'a>(entries: &'a [(String, Node)], key: &str) -> Option<&'a Node> {
    entries.iter().find(|(k, _)| k == key).map(|(_, v)| v)
}

/// Builds a child path: `parent[index]`.
pub fn item_path(parent: &str, index: usize) -> String {
    format!("{parent}[{index}]")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_and_toml_numbers_become_the_same_nodes() {
        let json = Node::parse_json(r#"{"a": [1, 2.5, true, "x"]}"#, "t.json").unwrap();
        let toml = Node::parse_toml("a = [1, 2.5, true, \"x\"]", "t.toml").unwrap();
        assert_eq!(json, toml);
    }

    #[test]
    fn index_checks_range_and_type() {
        let node = Node::Integer(3);
        assert_eq!(At::new(&node, "n").index(4, "state").unwrap(), 3);
        let message = At::new(&node, "n")
            .index(3, "state")
            .unwrap_err()
            .to_string();
        assert!(message.contains("state index 3 is out of range") && message.contains("0 to 2"));
        let text = Node::Text("3".into());
        assert!(At::new(&text, "n").index(4, "state").is_err());
        let negative = Node::Integer(-1);
        assert!(At::new(&negative, "n").index(4, "state").is_err());
    }

    #[test]
    fn unknown_table_fields_list_the_allowed_ones() {
        let node = Node::parse_toml("gamma = 0.9\ngama = 1", "t.toml").unwrap();
        let message = At::new(&node, "")
            .table(&["gamma"])
            .unwrap_err()
            .to_string();
        assert!(
            message.contains("gama: unknown field")
                && message.contains("allowed fields are: gamma")
        );
    }

    #[test]
    fn non_finite_numbers_are_reported() {
        let node = Node::parse_toml("x = nan", "t.toml").unwrap();
        let Node::Table(entries) = &node else {
            panic!("a table")
        };
        let message = At::new(&entries[0].1, "x")
            .finite()
            .unwrap_err()
            .to_string();
        assert!(message.contains("NaN") && message.contains("finite"));
    }

    #[test]
    fn truncated_json_says_so() {
        let message = Node::parse_json("[1, 2", "t.json").unwrap_err().to_string();
        assert!(message.contains("truncated"));
    }
}
