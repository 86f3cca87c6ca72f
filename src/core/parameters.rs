//! Parameter specifications and the one check every catalogue entry's values go through: a
//! parameter has a name, a default (or one derived from the world), and a documentation line that
//! is its `--help` text; given values are checked against the entry before anything is built, so
//! a misspelt name or a non-finite value fails naming the entry, the key and the valid choices.

use super::error::{Error, Result};

/// One parameter of an algorithm, learner or objective.
#[derive(Debug, Clone, PartialEq)]
pub struct Parameter {
    pub name: &'static str,
    /// The default, or `None` where the default is derived from the world (see `doc`).
    pub default: Option<f64>,
    pub doc: &'static str,
}

/// A parameter with a fixed default.
pub const fn parameter(name: &'static str, default: f64, doc: &'static str) -> Parameter {
    Parameter {
        name,
        default: Some(default),
        doc,
    }
}

/// A parameter whose default is derived from the world (the rule is in `doc`).
pub const fn derived_parameter(name: &'static str, doc: &'static str) -> Parameter {
    Parameter {
        name,
        default: None,
        doc,
    }
}

/// One catalogue entry as `policylab algos` lists it: its name, a one-line summary with the
/// paper, and its parameters.
#[derive(Debug, Clone, PartialEq)]
pub struct Entry {
    pub name: &'static str,
    pub summary: &'static str,
    pub parameters: Vec<Parameter>,
}

/// The item called `name` among a catalogue's `items`; an unknown name is an [`Error::Usage`]
/// that lists the valid ones: "unknown WHAT `NAME`; the WHATs are: a, b, c".
pub fn find_named<T>(
    items: Vec<T>,
    name: &str,
    name_of: impl Fn(&T) -> &'static str,
    what: &str,
) -> Result<T> {
    let names: Vec<&str> = items.iter().map(&name_of).collect();
    let names = names.join(", ");
    items
        .into_iter()
        .find(|item| name_of(item) == name)
        .ok_or_else(|| Error::Usage(format!("unknown {what} `{name}`; the {what}s are: {names}")))
}

/// Checks that every given parameter belongs to the entry and is finite.
pub fn check_parameters(entry: &Entry, given: &[(String, f64)]) -> Result<()> {
    for (key, value) in given {
        if !entry.parameters.iter().any(|p| p.name == key) {
            let valid: Vec<&str> = entry.parameters.iter().map(|p| p.name).collect();
            return Err(Error::Usage(format!(
                "`{}` has no parameter `{key}`; its parameters are: {}",
                entry.name,
                valid.join(", ")
            )));
        }
        if !value.is_finite() {
            return Err(Error::Usage(format!(
                "parameter `{key}` = {value} is not finite"
            )));
        }
    }
    Ok(())
}

/// The full parameter list of a run: every parameter with the value it will use (`None` where
/// the default is derived from the world).
pub fn resolved_parameters(
    entry: &Entry,
    given: &[(String, f64)],
) -> Vec<(&'static str, Option<f64>)> {
    let values = Values { entry, given };
    entry
        .parameters
        .iter()
        .map(|p| (p.name, values.get(p.name)))
        .collect()
}

/// The parameter values given for one entry (the last given value of a name wins), with the
/// entry's defaults elsewhere. Build it with [`Values::checked`], which runs
/// [`check_parameters`] first.
#[derive(Debug, Clone, Copy)]
pub struct Values<'a> {
    entry: &'a Entry,
    given: &'a [(String, f64)],
}

impl<'a> Values<'a> {
    /// The values of `given` for `entry`, after [`check_parameters`].
    pub fn checked(entry: &'a Entry, given: &'a [(String, f64)]) -> Result<Self> {
        check_parameters(entry, given)?;
        Ok(Values { entry, given })
    }

    /// The name of the entry the values are for.
    pub fn entry_name(&self) -> &'static str {
        self.entry.name
    }

    /// The given value, else the default; `None` for a world-derived default not given.
    pub fn get(&self, name: &str) -> Option<f64> {
        self.given
            .iter()
            .rev()
            .find(|(key, _)| key == name)
            .map(|&(_, value)| value)
            .or_else(|| {
                self.entry
                    .parameters
                    .iter()
                    .find(|p| p.name == name)
                    .and_then(|p| p.default)
            })
    }

    /// The value of a parameter with a fixed default (NaN, which every check refuses, if the
    /// entry has none).
    pub fn real(&self, name: &str) -> f64 {
        self.get(name).unwrap_or(f64::NAN)
    }

    /// A count: a whole number in [0, 10⁹].
    pub fn count(&self, name: &str) -> Result<usize> {
        let value = self.real(name);
        if value.is_finite() && value >= 0.0 && value.fract() == 0.0 && value <= 1e9 {
            Ok(value as usize)
        } else {
            Err(Error::invalid(
                name,
                format!("found {value}"),
                "expected a whole number",
            ))
        }
    }

    /// The given values whose names are in `names` (to hand a sub-entry its own).
    pub fn given_among(&self, names: &[&str]) -> Vec<(String, f64)> {
        self.given
            .iter()
            .filter(|(key, _)| names.contains(&key.as_str()))
            .cloned()
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry() -> Entry {
        Entry {
            name: "toy",
            summary: "a toy",
            parameters: vec![
                parameter("step_size", 0.1, "η"),
                parameter("epochs", 2.0, "K"),
                derived_parameter("horizon", "from the world"),
            ],
        }
    }

    #[test]
    fn given_values_override_defaults_and_bad_names_list_the_valid_ones() {
        let entry = entry();
        let given = vec![
            ("step_size".to_string(), 0.5),
            ("step_size".to_string(), 0.7),
        ];
        let values = Values::checked(&entry, &given).unwrap();
        assert_eq!(values.real("step_size"), 0.7);
        assert_eq!(values.count("epochs").unwrap(), 2);
        assert_eq!(values.get("horizon"), None);
        let bad = vec![("stepsize".to_string(), 0.5)];
        let message = Values::checked(&entry, &bad).unwrap_err().to_string();
        assert!(message.contains("`stepsize`") && message.contains("step_size, epochs, horizon"));
        let infinite = vec![("epochs".to_string(), f64::INFINITY)];
        assert!(Values::checked(&entry, &infinite).is_err());
        let fractional = vec![("epochs".to_string(), 2.5)];
        let values = Values::checked(&entry, &fractional).unwrap();
        assert!(
            values
                .count("epochs")
                .unwrap_err()
                .to_string()
                .contains("whole number")
        );
    }
}
