//! Gymnasium's toy-text transition tables, read as a user dumps them with
//! `json.dump(env.unwrapped.P, f)`:
//!
//! ```json
//! {"0": {"0": [[0.333, 0, 0.0, false], [0.333, 4, 0.0, false], ...], "1": [...]}, "1": {...}}
//! ```
//!
//! Keys are state and action indices written as strings; each outcome is
//! `[probability, next_state, reward, done]` and `done` ends the episode (no future value).
//! Repeated next states within one action are summed (FrozenLake lists some twice).
//! The table holds no discount and no start distribution: γ defaults to
//! [`DEFAULT_GAMMA`] and ρ to state 0 (FrozenLake's start); override them with `--gamma` or
//! [`TabularMdp::with_initial`].

use super::node::{At, Node, item_path};
use crate::core::error::{Error, Result};
use crate::world::mdp::{ActionNames, Horizon, MdpSpec, Outcome, TabularMdp};

/// Discount used when a Gymnasium table is loaded without one.
pub const DEFAULT_GAMMA: f64 = 0.99;

/// Whether a parsed JSON document looks like a P-table: a non-empty table whose keys are all
/// non-negative integers.
pub fn looks_like_p_table(root: &Node) -> bool {
    match root {
        Node::Table(entries) => {
            !entries.is_empty() && entries.iter().all(|(k, _)| k.parse::<usize>().is_ok())
        }
        _ => false,
    }
}

/// Reads entries keyed "0".."n-1" (in any order) into a vector; every index must be present.
fn indexed<'a>(entries: &'a [(String, Node)], path: &str, what: &str) -> Result<Vec<&'a Node>> {
    let n = entries.len();
    let mut slots: Vec<Option<&Node>> = vec![None; n];
    let mut largest = None;
    for (key, value) in entries {
        match key.parse::<usize>() {
            Ok(index) if index < n => slots[index] = Some(value),
            Ok(index) => largest = largest.max(Some(index)),
            Err(_) => {
                return Err(Error::invalid(
                    format!("{path}[{key:?}]"),
                    format!("key {key:?} is not a {what} index"),
                    format!("expected the keys \"0\" to \"{}\", one per {what}", n - 1),
                ));
            }
        }
    }
    // n distinct keys (JSON objects are maps) fill 0..n exactly unless one is missing.
    slots
        .into_iter()
        .enumerate()
        .map(|(i, slot)| {
            slot.ok_or_else(|| {
                let beyond =
                    largest.map_or(String::new(), |k| format!(" (but key \"{k}\" is present)"));
                Error::invalid(
                    format!("{path}[\"{i}\"]"),
                    format!("{what} {i} is missing{beyond}"),
                    format!(
                        "expected one entry per {what}, keyed \"0\" to \"{}\" without gaps",
                        n - 1
                    ),
                )
            })
        })
        .collect()
}

/// Builds a world from a P-table document; `name` is used as the world's name.
pub fn from_node(root: &Node, name: &str) -> Result<TabularMdp> {
    let Node::Table(state_entries) = root else {
        return Err(Error::invalid(
            "P",
            format!("found {}", root.describe()),
            "expected a table keyed by state",
        ));
    };
    let states = indexed(state_entries, "P", "state")?;
    let n_states = states.len();
    let mut n_actions = None;
    let mut transitions = Vec::with_capacity(n_states);
    for (s, state_node) in states.into_iter().enumerate() {
        let path = format!("P[\"{s}\"]");
        let Node::Table(action_entries) = state_node else {
            return Err(Error::invalid(
                path,
                format!("found {}", state_node.describe()),
                "expected a table keyed by action",
            ));
        };
        let actions = indexed(action_entries, &path, "action")?;
        let expected = *n_actions.get_or_insert(actions.len());
        if actions.len() != expected {
            return Err(Error::invalid(
                path,
                format!("state {s} has {} actions", actions.len()),
                format!("every state must have the same number of actions as state 0 ({expected})"),
            ));
        }
        let mut per_action = Vec::with_capacity(expected);
        for (a, outcomes_node) in actions.into_iter().enumerate() {
            let path = format!("P[\"{s}\"][\"{a}\"]");
            let items = At::new(outcomes_node, &path).array()?;
            let mut outcomes = Vec::with_capacity(items.len());
            for (k, item) in items.iter().enumerate() {
                let item_at = item_path(&path, k);
                let parts = At::new(item, &item_at)
                    .array_of_len(4, "[probability, next_state, reward, done]")?;
                let part = |i: usize, what: &str| format!("{} ({what})", item_path(&item_at, i));
                outcomes.push(Outcome::new(
                    At::new(&parts[0], &part(0, "probability")).number()?,
                    At::new(&parts[1], &part(1, "next state")).index(n_states, "state")?,
                    At::new(&parts[2], &part(2, "reward")).number()?,
                    At::new(&parts[3], &part(3, "done")).boolean()?,
                ));
            }
            per_action.push(outcomes);
        }
        transitions.push(per_action);
    }
    let mut initial = vec![0.0; n_states];
    initial[0] = 1.0;
    TabularMdp::new(MdpSpec {
        name: name.to_string(),
        description: "Gymnasium P-table".to_string(),
        n_states,
        n_actions: n_actions.unwrap_or(0),
        horizon: Horizon::Discounted {
            gamma: DEFAULT_GAMMA,
        },
        initial,
        transitions,
        action_rewards: None,
        state_names: None,
        action_names: ActionNames::Numbered,
    })
    // The shared validator speaks the native format's field names; say it in P-table terms.
    .map_err(|e| e.with_field(p_table_field))
}

/// `transitions[3][1][0]` → `P["3"]["1"][0]`.
fn p_table_field(field: &str) -> String {
    let Some(rest) = field.strip_prefix("transitions") else {
        return field.to_string();
    };
    let indices: Vec<&str> = rest
        .trim_matches(|c| c == '[' || c == ']')
        .split("][")
        .filter(|s| !s.is_empty())
        .collect();
    let mut out = "P".to_string();
    for (i, index) in indices.iter().enumerate() {
        if i < 2 {
            out.push_str(&format!("[\"{index}\"]"));
        } else {
            out.push_str(&format!("[{index}]"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn native_field_names_become_p_table_names() {
        assert_eq!(p_table_field("transitions[3][1]"), "P[\"3\"][\"1\"]");
        assert_eq!(p_table_field("transitions[3][1][0]"), "P[\"3\"][\"1\"][0]");
        assert_eq!(p_table_field("initial"), "initial");
    }

    #[test]
    fn only_integer_keyed_tables_are_p_tables() {
        let p = Node::parse_json(r#"{"0": {"0": [[1.0, 0, 0.0, true]]}}"#, "p.json").unwrap();
        assert!(looks_like_p_table(&p));
        let native = Node::parse_json(r#"{"gamma": 0.9}"#, "n.json").unwrap();
        assert!(!looks_like_p_table(&native));
        assert!(!looks_like_p_table(
            &Node::parse_json("{}", "e.json").unwrap()
        ));
    }
}
