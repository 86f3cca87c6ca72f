//! Tabular policies read from files, for `policylab evaluate --policy FILE`.
//!
//! Accepted shapes (JSON or TOML):
//! - a table with `policy = [[π(0|s), …, π(A−1|s)], …]`, one row per state — the output of
//!   `policylab solve --json` is such a table and can be evaluated as it is;
//! - for finite horizons, `policy = [[[…]…]…]` with one S×A table per step;
//! - a table with `actions = [a_0, …, a_{S−1}]`: a deterministic policy, one action per state.
//!
//! Fields that `policylab solve --json` writes next to `policy` are accepted and ignored.

use std::path::Path;

use ndarray::Array2;

use crate::core::error::{Error, Result};
use crate::core::files::read_text;
use crate::world::TabularMdp;
use crate::world::format::node::{At, Node, field, item_path};

/// Fields of `policylab solve --json` / `evaluate --json` output, ignored when reading a policy.
const OUTPUT_FIELDS: &[&str] = &[
    "world",
    "states",
    "actions",
    "gamma",
    "horizon",
    "method",
    "iterations",
    "value_error_bound",
    "policy_error_bound",
    "objective",
    "v",
    "q",
    "advantage",
    "occupancy",
    "steps",
    "greedy_actions",
    "policy",
    // A robust world's output (src/cli/robust.rs).
    "uncertainty",
    "residual",
    "worst_case",
    "worst_case_kernel",
    "nominal_objective",
    "nominal_optimal_objective",
    "nominal_optimal_policy_worst_case_objective",
    "nature_steps",
    "model",
    "lower",
    "upper",
    "trace",
    "models_found",
];

/// A policy: one S×A table, or one per step of a finite horizon.
#[derive(Debug, Clone, PartialEq)]
pub struct PolicyTables(pub Vec<Array2<f64>>);

/// Reads a policy for `mdp` from a `.json` or `.toml` file; probabilities are checked against the
/// world by the evaluator.
pub fn load_policy(path: &Path, mdp: &TabularMdp) -> Result<PolicyTables> {
    let origin = path.display().to_string();
    let text = read_text(path)?;
    let root = match path.extension().and_then(|e| e.to_str()) {
        Some(e) if e.eq_ignore_ascii_case("toml") => Node::parse_toml(&text, &origin)?,
        _ => Node::parse_json(&text, &origin)?,
    };
    parse_policy(&root, mdp).map_err(|e| e.in_origin(&origin))
}

/// Reads a policy from a parsed document.
pub fn parse_policy(root: &Node, mdp: &TabularMdp) -> Result<PolicyTables> {
    let entries = At::new(root, "").table(OUTPUT_FIELDS)?;
    let (s_count, a_count) = (mdp.n_states(), mdp.n_actions());
    if let Some(node) = field(entries, "policy") {
        let rows = At::new(node, "policy").array()?;
        let is_per_step = matches!(rows.first(), Some(Node::Array(inner)) if matches!(inner.first(), Some(Node::Array(_))));
        if is_per_step {
            let mut tables = Vec::with_capacity(rows.len());
            for (h, table) in rows.iter().enumerate() {
                tables.push(read_table(
                    At::new(table, &item_path("policy", h)),
                    s_count,
                    a_count,
                )?);
            }
            return Ok(PolicyTables(tables));
        }
        return Ok(PolicyTables(vec![read_table(
            At::new(node, "policy"),
            s_count,
            a_count,
        )?]));
    }
    if let Some(node) = field(entries, "actions").filter(|n| matches!(n, Node::Array(_))) {
        let items = At::new(node, "actions").array_of_len(s_count, "one action per state")?;
        let mut table = Array2::zeros((s_count, a_count));
        for (s, item) in items.iter().enumerate() {
            let a = At::new(item, &item_path("actions", s)).index(a_count, "action")?;
            table[[s, a]] = 1.0;
        }
        return Ok(PolicyTables(vec![table]));
    }
    Err(Error::invalid(
        "policy",
        "missing",
        "expected `policy` (one row of action probabilities per state) or `actions` (one action \
         index per state)",
    ))
}

pub(crate) fn read_table(at: At<'_>, s_count: usize, a_count: usize) -> Result<Array2<f64>> {
    let rows = at.array_of_len(s_count, "one row per state")?;
    let mut table = Array2::zeros((s_count, a_count));
    for (s, row) in rows.iter().enumerate() {
        let path = item_path(at.path, s);
        let items = At::new(row, &path).array_of_len(a_count, "one probability per action")?;
        for (a, item) in items.iter().enumerate() {
            table[[s, a]] = At::new(item, &item_path(&path, a)).number()?;
        }
    }
    Ok(table)
}
