//! policylab's own file format for Markov games, in JSON or TOML (documented in mdps/README.md).
//! A file is a game file when it has a `players` field.
//!
//! ```toml
//! name = "big-match"
//! players = ["maximizer", "minimizer"]   # or a count
//! zero_sum = true            # rows give player 1's `reward`; player 2 receives its negative
//! gamma = 0.9
//! states = ["play", "won", "lost"]        # or a count
//! actions = [["stop", "go"], ["left", "right"]]   # per player: a count or a list of names
//! initial = 0                # optional: a start state or a distribution; default uniform
//!
//! [[transitions]]            # one row per state and joint action (one action per player)
//! state = 0
//! actions = [0, 0]
//! reward = 1.0               # zero-sum; otherwise `rewards = [r_1, r_2, …]`
//! next = [[1.0, 1]]          # [probability, next_state] pairs
//! ```
//!
//! Every (state, joint action) needs exactly one row.

use serde_json::{Value, json};

use super::native::{Syntax, count_or_names, read_initial};
use super::node::{At, Node, field, item_path};
use crate::core::error::{Error, Result};
use crate::world::game::markov_game::{check_dense_size, decode_joint, joint_count};
use crate::world::game::{GameClass, GameSpec, MarkovGame};

/// The top-level fields of a native game file.
pub const FIELDS: &[&str] = &[
    "name",
    "description",
    "players",
    "zero_sum",
    "gamma",
    "states",
    "actions",
    "initial",
    "transitions",
];

/// One row's (next state, probability) pairs.
type Outcomes = Vec<(usize, f64)>;

const ROW_FIELDS: &[&str] = &["state", "actions", "reward", "rewards", "next"];

/// Whether a parsed document is a game file (it has `players`).
pub fn looks_like_game(root: &Node) -> bool {
    matches!(root, Node::Table(entries) if field(entries, "players").is_some())
}

/// Reads a native game document into a validated game.
pub fn from_node(root: &Node, default_name: &str) -> Result<MarkovGame> {
    let entries = At::new(root, "").table(FIELDS)?;
    let get = |key: &str| field(entries, key);
    let required = |key: &'static str, what: &str| -> Result<&Node> {
        get(key).ok_or_else(|| Error::invalid(key, "missing", format!("expected {what}")))
    };
    let text_of = |key: &str| -> Result<Option<String>> {
        get(key)
            .map(|n| At::new(n, key).text().map(str::to_string))
            .transpose()
    };
    let name = text_of("name")?.unwrap_or_else(|| default_name.to_string());
    let description = text_of("description")?.unwrap_or_default();
    let (n_players, player_names) = count_or_names(
        required("players", "a number of players or a list of names")?,
        "players",
    )?;
    let zero_sum = match get("zero_sum") {
        Some(node) => At::new(node, "zero_sum").boolean()?,
        None => false,
    };
    if zero_sum && n_players != 2 {
        return Err(Error::invalid(
            "zero_sum",
            format!("true for a game of {n_players} players"),
            "zero_sum = true needs exactly 2 players",
        ));
    }
    let gamma = At::new(required("gamma", "a discount 0 <= gamma < 1")?, "gamma").number()?;
    let (n_states, state_names) = count_or_names(
        required("states", "a number of states or a list of names")?,
        "states",
    )?;
    let per_player = At::new(
        required("actions", "one action count or list of names per player")?,
        "actions",
    )
    .array_of_len(n_players, "one entry per player")?;
    let mut actions = Vec::with_capacity(n_players);
    let mut names = Vec::with_capacity(n_players);
    for (i, node) in per_player.iter().enumerate() {
        let (count, list) = count_or_names(node, &item_path("actions", i))?;
        actions.push(count);
        names.push(list);
    }
    let action_names = if names.iter().all(Option::is_some) {
        Some(names.into_iter().flatten().collect())
    } else if names.iter().any(Option::is_some) {
        return Err(Error::invalid(
            "actions",
            "names for some players and counts for others",
            "either counts for every player or names for every player",
        ));
    } else {
        None
    };
    let joint = joint_count(&actions)?;
    check_dense_size(n_states, joint)?;
    let initial = read_initial(get("initial"), n_states)?;

    let rows = At::new(
        required(
            "transitions",
            "a list of rows {state, actions, reward(s), next}",
        )?,
        "transitions",
    )
    .array()?;
    let mut rewards = vec![vec![vec![0.0; joint]; n_states]; n_players];
    let mut transitions: Vec<Vec<Option<Outcomes>>> = vec![vec![None; joint]; n_states];
    for (k, row) in rows.iter().enumerate() {
        let path = item_path("transitions", k);
        let cells = At::new(row, &path).table(ROW_FIELDS)?;
        let cell = |key: &'static str| -> Result<(&Node, String)> {
            field(cells, key)
                .map(|n| (n, format!("{path}.{key}")))
                .ok_or_else(|| Error::invalid(format!("{path}.{key}"), "missing", "a value"))
        };
        let (node, at) = cell("state")?;
        let state = At::new(node, &at).index(n_states, "state")?;
        let (node, at) = cell("actions")?;
        let items = At::new(node, &at).array_of_len(n_players, "one action per player")?;
        let mut joint_index = 0;
        for (i, item) in items.iter().enumerate() {
            let a = At::new(item, &item_path(&at, i)).index(actions[i], "action")?;
            joint_index = joint_index * actions[i] + a;
        }
        if transitions[state][joint_index].is_some() {
            return Err(Error::invalid(
                &path,
                format!("a second row for state {state} and these actions"),
                "one row per state and joint action",
            ));
        }
        match (field(cells, "reward"), field(cells, "rewards"), zero_sum) {
            (Some(node), None, true) => {
                let r = At::new(node, &format!("{path}.reward")).finite()?;
                rewards[0][state][joint_index] = r;
                rewards[1][state][joint_index] = -r;
            }
            (None, Some(node), false) => {
                let at = format!("{path}.rewards");
                let items = At::new(node, &at).array_of_len(n_players, "one reward per player")?;
                for (i, item) in items.iter().enumerate() {
                    rewards[i][state][joint_index] = At::new(item, &item_path(&at, i)).finite()?;
                }
            }
            (_, _, true) => {
                return Err(Error::invalid(
                    &path,
                    "no `reward` (or `rewards` in a zero-sum file)",
                    "a zero-sum file gives player 1's `reward = r` in each row",
                ));
            }
            (_, _, false) => {
                return Err(Error::invalid(
                    &path,
                    "no `rewards` (or a single `reward`)",
                    "`rewards = [r_1, …]` with one reward per player (or set zero_sum = true)",
                ));
            }
        }
        let (node, at) = cell("next")?;
        let mut next = Vec::new();
        for (m, pair) in At::new(node, &at).array()?.iter().enumerate() {
            let pair_path = item_path(&at, m);
            let items = At::new(pair, &pair_path).array_of_len(2, "[probability, next_state]")?;
            let p = At::new(&items[0], &format!("{pair_path} (probability)")).number()?;
            let s = At::new(&items[1], &format!("{pair_path} (next state)"))
                .index(n_states, "state")?;
            next.push((s, p));
        }
        transitions[state][joint_index] = Some(next);
    }
    let mut complete = Vec::with_capacity(n_states);
    for (s, per_joint) in transitions.into_iter().enumerate() {
        let mut row = Vec::with_capacity(joint);
        for (j, entry) in per_joint.into_iter().enumerate() {
            row.push(entry.ok_or_else(|| {
                let parts = decode_joint(&actions, j);
                Error::invalid(
                    "transitions",
                    format!("no row for state {s} and actions {parts:?}"),
                    "one row per state and joint action",
                )
            })?);
        }
        complete.push(row);
    }
    MarkovGame::new(GameSpec {
        name,
        description,
        n_states,
        actions,
        gamma,
        initial,
        rewards,
        transitions: complete,
        state_names,
        player_names,
        action_names,
    })
}

/// Writes a game in the native format; reading it back gives an equal game (zero-sum games are
/// written with `zero_sum = true`).
pub fn to_string(game: &MarkovGame, syntax: Syntax) -> Result<String> {
    let spec = game.spec();
    let zero_sum = game.class() == GameClass::ZeroSum;
    let mut document = serde_json::Map::new();
    document.insert("name".into(), json!(spec.name));
    if !spec.description.is_empty() {
        document.insert("description".into(), json!(spec.description));
    }
    document.insert(
        "players".into(),
        match &spec.player_names {
            Some(names) => json!(names),
            None => json!(game.n_players()),
        },
    );
    if zero_sum {
        document.insert("zero_sum".into(), json!(true));
    }
    document.insert("gamma".into(), json!(spec.gamma));
    document.insert(
        "states".into(),
        match &spec.state_names {
            Some(names) => json!(names),
            None => json!(spec.n_states),
        },
    );
    document.insert(
        "actions".into(),
        match &spec.action_names {
            Some(names) => json!(names),
            None => json!(spec.actions),
        },
    );
    document.insert("initial".into(), json!(spec.initial));
    let mut rows = Vec::with_capacity(spec.n_states * game.n_joint());
    for s in 0..spec.n_states {
        for j in 0..game.n_joint() {
            let next: Vec<Value> = game
                .transition()
                .row(s * game.n_joint() + j)
                .iter()
                .enumerate()
                .filter(|(_, p)| **p > 0.0)
                .map(|(next, &p)| json!([p, next]))
                .collect();
            let mut row = serde_json::Map::new();
            row.insert("state".into(), json!(s));
            row.insert("actions".into(), json!(game.joint_actions(j)));
            if zero_sum {
                row.insert("reward".into(), json!(game.reward(0)[[s, j]]));
            } else {
                let rewards: Vec<f64> = (0..game.n_players())
                    .map(|i| game.reward(i)[[s, j]])
                    .collect();
                row.insert("rewards".into(), json!(rewards));
            }
            row.insert("next".into(), Value::Array(next));
            rows.push(Value::Object(row));
        }
    }
    document.insert("transitions".into(), Value::Array(rows));
    let value = Value::Object(document);
    match syntax {
        Syntax::Json => serde_json::to_string_pretty(&value)
            .map(|mut text| {
                text.push('\n');
                text
            })
            .map_err(|e| Error::Usage(format!("cannot write the game as JSON: {e}"))),
        Syntax::Toml => toml::to_string(&value)
            .map_err(|e| Error::Usage(format!("cannot write the game as TOML: {e}"))),
    }
}
