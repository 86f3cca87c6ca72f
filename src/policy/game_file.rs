//! Product policies of a game read from files: JSON or TOML with
//! `policies = [table of player 1, table of player 2, …]`, each table one row of A_i
//! probabilities per state (a normal-form game has one row). The output of
//! `policylab solve GAME --json` is such a file; its other fields are ignored.

use std::path::Path;

use ndarray::Array2;

use super::file::read_table;
use crate::core::error::{Error, Result};
use crate::core::files::read_text;
use crate::world::MarkovGame;
use crate::world::format::node::{At, Node, field, item_path};

/// Fields of `policylab solve GAME --json` ignored when reading policies.
const OUTPUT_FIELDS: &[&str] = &[
    "game",
    "players",
    "class",
    "states",
    "actions",
    "gamma",
    "method",
    "temperature",
    "iterations",
    "objective",
    "v",
    "policies",
    "certificate",
    "values",
];

/// Reads one policy per player for `game` (probabilities are checked by the evaluator).
pub fn load_game_policies(path: &Path, game: &MarkovGame) -> Result<Vec<Array2<f64>>> {
    let origin = path.display().to_string();
    let text = read_text(path)?;
    let root = match path.extension().and_then(|e| e.to_str()) {
        Some(e) if e.eq_ignore_ascii_case("toml") => Node::parse_toml(&text, &origin)?,
        _ => Node::parse_json(&text, &origin)?,
    };
    parse_game_policies(&root, game).map_err(|e| e.in_origin(&origin))
}

/// Reads the `policies` of a parsed document.
pub fn parse_game_policies(root: &Node, game: &MarkovGame) -> Result<Vec<Array2<f64>>> {
    let entries = At::new(root, "").table(OUTPUT_FIELDS)?;
    let node = field(entries, "policies").ok_or_else(|| {
        Error::invalid(
            "policies",
            "missing",
            "policies = [one table per player], each one row of action probabilities per state",
        )
    })?;
    let tables =
        At::new(node, "policies").array_of_len(game.n_players(), "one table per player")?;
    tables
        .iter()
        .enumerate()
        .map(|(i, table)| {
            read_table(
                At::new(table, &item_path("policies", i)),
                game.n_states(),
                game.n_actions(i),
            )
        })
        .collect()
}
