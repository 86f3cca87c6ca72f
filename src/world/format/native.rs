//! policylab's own file format for tabular worlds, in JSON or TOML (documented with a worked
//! example in `mdps/README.md`).
//!
//! ```toml
//! name = "two-state"
//! gamma = 0.9                     # or `horizon = 10` (then gamma defaults to 1)
//! states = ["left", "right"]      # or a count: states = 2
//! actions = ["stay", "move"]      # or a count; per-state names go in `action_names`
//! initial = [1.0, 0.0]            # optional: a distribution, or one start state; default uniform
//! terminal = []                   # optional: entering one of these ends the episode
//! rewards = [[0.0, 0.0], [1.0, 0.0]]   # optional r0(s, a), added to the outcome rewards
//! # transitions[s][a] = list of [probability, next_state] or [probability, next_state, reward]
//! # or [probability, next_state, reward, done]
//! transitions = [
//!   [[[1.0, 0]], [[0.9, 1, 0.0], [0.1, 0, 0.0]]],
//!   [[[1.0, 1]], [[1.0, 0, 0.0, true]]],
//! ]
//! ```

use super::features;
use super::node::{At, Node, field, item_path};
use crate::core::error::{Error, Result};
use crate::world::FeatureMap;
use crate::world::mdp::{ActionNames, Horizon, MdpSpec, Outcome, TabularMdp};

/// The top-level fields of the native format.
pub const FIELDS: &[&str] = &[
    "name",
    "description",
    "gamma",
    "horizon",
    "states",
    "actions",
    "action_names",
    "initial",
    "terminal",
    "rewards",
    "transitions",
    // A robust world's set (read by `format::load_robust`; see world::uncertainty).
    "uncertainty",
    // φ(s, a), and a linear MDP's factorization P = Φμ, r = Φθ (see format::features).
    "features",
    "mu",
    "theta",
];

/// Reads a native document (already parsed from JSON or TOML) into a validated world.
pub fn from_node(root: &Node, default_name: &str) -> Result<TabularMdp> {
    from_node_with_features(root, default_name).map(|(mdp, _)| mdp)
}

/// Reads a native document into a validated world and its feature map, if it has `features`.
pub fn from_node_with_features(
    root: &Node,
    default_name: &str,
) -> Result<(TabularMdp, Option<FeatureMap>)> {
    let entries = At::new(root, "").table(FIELDS)?;
    let get = |key: &str| field(entries, key);
    let required = |key: &'static str, what: &str| -> Result<&Node> {
        get(key).ok_or_else(|| Error::invalid(key, "missing", format!("expected {what}")))
    };

    let name = match get("name") {
        Some(node) => At::new(node, "name").text()?.to_string(),
        None => default_name.to_string(),
    };
    let description = match get("description") {
        Some(node) => At::new(node, "description").text()?.to_string(),
        None => String::new(),
    };

    let (n_states, state_names) = count_or_names(
        required("states", "a number of states or a list of state names")?,
        "states",
    )?;
    let (n_actions, shared_action_names) = count_or_names(
        required("actions", "a number of actions or a list of action names")?,
        "actions",
    )?;

    // Every per-state table below is sized by the declared counts: check them against the
    // document first, so `states = 1000000000000` in a few bytes is an error, not an allocation.
    let listed = match (get("transitions"), get("features")) {
        (Some(Node::Array(rows)), _) | (None, Some(Node::Array(rows))) => rows.len(),
        // No table to check the counts against: refused here, before anything is sized by them.
        (Some(_), _) => {
            return Err(Error::invalid(
                "transitions",
                "not a list",
                "one list per state, each with one list of outcomes per action",
            ));
        }
        (None, _) => {
            if let Some(node) = get("mu").or(get("theta")) {
                let key = if get("mu").is_some() { "mu" } else { "theta" };
                return Err(Error::invalid(
                    key,
                    format!("found `{key}` ({}) without `features`", node.describe()),
                    "expected a linear MDP's factorization P = Φμ, r = Φθ given with its \
                     `features`",
                ));
            }
            return Err(Error::invalid(
                "transitions",
                "missing",
                "one list per state (or `features` with `mu` and `theta` for a linear MDP)",
            ));
        }
    };
    if listed != n_states {
        let rows = listed;
        let key = if get("transitions").is_some() {
            "transitions"
        } else {
            "features"
        };
        return Err(Error::invalid(
            key,
            format!("found a list of {rows} items for {n_states} declared states"),
            "one list per state (`states` and the table must agree)",
        ));
    }
    if let Some(Node::Array(rows)) = get("transitions")
        && let Some(Node::Array(first)) = rows
            .iter()
            .find(|r| matches!(r, Node::Array(a) if !a.is_empty()))
        && first.len() != n_actions
    {
        return Err(Error::invalid(
            "transitions",
            format!(
                "found {} actions in a state's list for {n_actions} declared",
                first.len()
            ),
            "one list of outcomes per action (`actions` and the table must agree)",
        ));
    }
    let horizon = read_horizon(get("gamma"), get("horizon"))?;

    let mut action_names = match shared_action_names {
        Some(names) => ActionNames::Shared(names),
        None => ActionNames::Numbered,
    };
    if let Some(node) = get("action_names") {
        let rows = At::new(node, "action_names").array_of_len(n_states, "one list per state")?;
        let mut per_state = Vec::with_capacity(n_states);
        for (s, row) in rows.iter().enumerate() {
            let path = item_path("action_names", s);
            let items = At::new(row, &path).array_of_len(n_actions, "one name per action")?;
            let mut names = Vec::with_capacity(n_actions);
            for (a, item) in items.iter().enumerate() {
                names.push(At::new(item, &item_path(&path, a)).text()?.to_string());
            }
            per_state.push(names);
        }
        action_names = ActionNames::PerState(per_state);
    }

    let mut terminal = vec![false; n_states];
    if let Some(node) = get("terminal") {
        for (i, item) in At::new(node, "terminal").array()?.iter().enumerate() {
            let s = At::new(item, &item_path("terminal", i)).index(n_states, "state")?;
            terminal[s] = true;
        }
    }

    let initial = read_initial(get("initial"), n_states)?;

    let features = get("features")
        .map(|node| features::read_features(node, n_states, n_actions))
        .transpose()?;
    if let (Some(node), None) = (get("mu").or(get("theta")), &features) {
        let key = if get("mu").is_some() { "mu" } else { "theta" };
        return Err(Error::invalid(
            key,
            format!("found `{key}` ({}) without `features`", node.describe()),
            "expected a linear MDP's factorization P = Φμ, r = Φθ given with its `features`",
        ));
    }
    let action_rewards = match (get("rewards"), get("theta"), &features) {
        (Some(_), Some(_), _) => {
            return Err(Error::invalid(
                "theta",
                "found both `rewards` and `theta`",
                "expected one of them: r(s, a) = φ(s, a)ᵀθ, or the table `rewards`",
            ));
        }
        (None, Some(theta), Some(features)) => Some(features::factorized_rewards(features, theta)?),
        (None, _, _) => None,
        (Some(node), _, _) => {
            let rows = At::new(node, "rewards").array_of_len(n_states, "one row per state")?;
            let mut table = Vec::with_capacity(n_states);
            for (s, row) in rows.iter().enumerate() {
                let path = item_path("rewards", s);
                let items = At::new(row, &path).array_of_len(n_actions, "one reward per action")?;
                let mut values = Vec::with_capacity(n_actions);
                for (a, item) in items.iter().enumerate() {
                    values.push(At::new(item, &item_path(&path, a)).number()?);
                }
                table.push(values);
            }
            Some(table)
        }
    };

    let transitions = match (get("mu"), &features) {
        (Some(mu), Some(features)) => {
            if get("transitions").is_some() || get("terminal").is_some() {
                let key = if get("transitions").is_some() {
                    "transitions"
                } else {
                    "terminal"
                };
                return Err(Error::invalid(
                    key,
                    format!("found both `mu` and `{key}`"),
                    "expected either a factorization P = Φμ (no terminal states: make a state absorbing \
                     through μ) or `transitions`",
                ));
            }
            features::factorized_transitions(features, mu)?
        }
        _ => read_transitions(
            required(
                "transitions",
                "transitions[state][action] = list of [probability, next_state, reward, done], \
                 or a linear MDP's `features` and `mu`",
            )?,
            &terminal,
            n_actions,
        )?,
    };

    let mdp = TabularMdp::new(MdpSpec {
        name,
        description,
        n_states,
        n_actions,
        horizon,
        initial,
        transitions,
        action_rewards,
        state_names,
        action_names,
    })?;
    Ok((mdp, features))
}

/// `transitions[s][a]` = the outcomes of (s, a); a terminal state's entry is empty.
fn read_transitions(
    transitions_node: &Node,
    terminal: &[bool],
    n_actions: usize,
) -> Result<Vec<Vec<Vec<Outcome>>>> {
    let n_states = terminal.len();
    let rows =
        At::new(transitions_node, "transitions").array_of_len(n_states, "one list per state")?;
    let mut transitions = Vec::with_capacity(n_states);
    for (s, row) in rows.iter().enumerate() {
        let path = item_path("transitions", s);
        let per_action = At::new(row, &path).array()?;
        if terminal[s] {
            if !per_action.is_empty() {
                return Err(Error::invalid(
                    path,
                    format!("state {s} is listed in `terminal` but has transitions"),
                    "a terminal state's entry must be [] (it is absorbing and pays nothing)",
                ));
            }
            transitions.push(vec![vec![Outcome::new(1.0, s, 0.0, true)]; n_actions]);
            continue;
        }
        let per_action =
            At::new(row, &path).array_of_len(n_actions, "one list of outcomes per action")?;
        let mut outcomes_per_action = Vec::with_capacity(n_actions);
        for (a, outcomes_node) in per_action.iter().enumerate() {
            let path = item_path(&path, a);
            let items = At::new(outcomes_node, &path).array()?;
            let mut outcomes = Vec::with_capacity(items.len());
            for (k, item) in items.iter().enumerate() {
                let mut outcome = read_outcome(At::new(item, &item_path(&path, k)), n_states)?;
                outcome.done |= terminal[outcome.next_state];
                outcomes.push(outcome);
            }
            outcomes_per_action.push(outcomes);
        }
        transitions.push(outcomes_per_action);
    }
    Ok(transitions)
}

/// `initial`: absent (uniform), one start state, or one probability per state.
pub(crate) fn read_initial(node: Option<&Node>, n_states: usize) -> Result<Vec<f64>> {
    Ok(match node {
        None => vec![1.0 / n_states as f64; n_states],
        Some(node @ Node::Integer(_)) => {
            let start = At::new(node, "initial").index(n_states, "state")?;
            let mut rho = vec![0.0; n_states];
            rho[start] = 1.0;
            rho
        }
        Some(node) => {
            let items = At::new(node, "initial").array_of_len(
                n_states,
                "one probability per state, or a single start-state index",
            )?;
            items
                .iter()
                .enumerate()
                .map(|(s, item)| At::new(item, &item_path("initial", s)).number())
                .collect::<Result<_>>()?
        }
    })
}

pub(crate) fn count_or_names(node: &Node, key: &str) -> Result<(usize, Option<Vec<String>>)> {
    let at = At::new(node, key);
    match node {
        Node::Array(items) => {
            if items.is_empty() {
                return Err(Error::invalid(
                    key,
                    "found an empty list",
                    format!("expected at least one {}", key.trim_end_matches('s')),
                ));
            }
            let mut names = Vec::with_capacity(items.len());
            for (i, item) in items.iter().enumerate() {
                names.push(At::new(item, &item_path(key, i)).text()?.to_string());
            }
            Ok((names.len(), Some(names)))
        }
        Node::Integer(_) => Ok((at.positive_integer()?, None)),
        _ => Err(Error::invalid(
            key,
            format!("found {}", node.describe()),
            "expected a positive count or a list of names",
        )),
    }
}

fn read_horizon(gamma: Option<&Node>, horizon: Option<&Node>) -> Result<Horizon> {
    let gamma = gamma.map(|g| At::new(g, "gamma").number()).transpose()?;
    match horizon {
        Some(node) => Ok(Horizon::Finite {
            steps: At::new(node, "horizon").positive_integer()?,
            gamma: gamma.unwrap_or(1.0),
        }),
        None => match gamma {
            Some(gamma) => Ok(Horizon::Discounted { gamma }),
            None => Err(Error::invalid(
                "gamma",
                "missing",
                "expected a discount 0 <= gamma < 1, or `horizon = H` for a finite horizon",
            )),
        },
    }
}

fn read_outcome(at: At<'_>, n_states: usize) -> Result<Outcome> {
    let items = at.array()?;
    if !(2..=4).contains(&items.len()) {
        return Err(Error::invalid(
            at.path,
            format!("found a list of {} items", items.len()),
            "expected [probability, next_state], [probability, next_state, reward] or \
             [probability, next_state, reward, done]",
        ));
    }
    let part = |i: usize, name: &str| format!("{} ({name})", item_path(at.path, i));
    let probability = At::new(&items[0], &part(0, "probability")).number()?;
    let next_state = At::new(&items[1], &part(1, "next state")).index(n_states, "state")?;
    let reward = match items.get(2) {
        Some(node) => At::new(node, &part(2, "reward")).number()?,
        None => 0.0,
    };
    let done = match items.get(3) {
        Some(node) => At::new(node, &part(3, "done")).boolean()?,
        None => false,
    };
    Ok(Outcome::new(probability, next_state, reward, done))
}

/// Which syntax to write.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Syntax {
    Json,
    Toml,
}

/// Writes a world in the native format. Reading the text back gives an equal world.
pub fn to_string(mdp: &TabularMdp, syntax: Syntax) -> String {
    to_string_with_features(mdp, None, syntax)
}

/// Writes a world and, if given, its feature map (`features`) in the native format.
pub fn to_string_with_features(
    mdp: &TabularMdp,
    features: Option<&FeatureMap>,
    syntax: Syntax,
) -> String {
    let spec = mdp.spec();
    let mut fields: Vec<(&str, String)> = Vec::new();
    let text = |s: &str| serde_json::to_string(s).unwrap_or_default();
    let list = |items: Vec<String>| format!("[{}]", items.join(", "));
    let number = |x: f64| format!("{x:?}");
    let names = |names: &[String]| list(names.iter().map(|n| text(n)).collect());

    fields.push(("name", text(&spec.name)));
    if !spec.description.is_empty() {
        fields.push(("description", text(&spec.description)));
    }
    match spec.horizon {
        Horizon::Discounted { gamma } => fields.push(("gamma", number(gamma))),
        Horizon::Finite { steps, gamma } => {
            fields.push(("horizon", steps.to_string()));
            fields.push(("gamma", number(gamma)));
        }
    }
    fields.push((
        "states",
        match &spec.state_names {
            Some(n) => names(n),
            None => spec.n_states.to_string(),
        },
    ));
    match &spec.action_names {
        ActionNames::Shared(n) => fields.push(("actions", names(n))),
        ActionNames::Numbered => fields.push(("actions", spec.n_actions.to_string())),
        ActionNames::PerState(per_state) => {
            fields.push(("actions", spec.n_actions.to_string()));
            let rows: Vec<String> = per_state.iter().map(|n| names(n)).collect();
            fields.push(("action_names", block(&rows)));
        }
    }
    fields.push((
        "initial",
        list(spec.initial.iter().map(|&p| number(p)).collect()),
    ));
    if let Some(rewards) = &spec.action_rewards {
        let rows: Vec<String> = rewards
            .iter()
            .map(|row| list(row.iter().map(|&r| number(r)).collect()))
            .collect();
        fields.push(("rewards", block(&rows)));
    }
    let outcome = |o: &Outcome| {
        let mut parts = vec![
            number(o.probability),
            o.next_state.to_string(),
            number(o.reward),
        ];
        if o.done {
            parts.push("true".to_string());
        }
        list(parts)
    };
    let rows: Vec<String> = spec
        .transitions
        .iter()
        .map(|per_state| {
            list(
                per_state
                    .iter()
                    .map(|outcomes| list(outcomes.iter().map(outcome).collect()))
                    .collect(),
            )
        })
        .collect();
    fields.push(("transitions", block(&rows)));
    if let Some(features) = features {
        fields.push(("features", features::features_text(features)));
    }

    match syntax {
        Syntax::Json => {
            let body: Vec<String> = fields
                .iter()
                .map(|(k, v)| format!("  {}: {}", text(k), v.replace("\n", "\n  ")))
                .collect();
            format!("{{\n{}\n}}\n", body.join(",\n"))
        }
        Syntax::Toml => {
            let body: Vec<String> = fields.iter().map(|(k, v)| format!("{k} = {v}")).collect();
            format!("{}\n", body.join("\n"))
        }
    }
}

/// A list written one item per line (valid JSON and TOML alike).
fn block(rows: &[String]) -> String {
    format!("[\n  {}\n]", rows.join(",\n  "))
}
