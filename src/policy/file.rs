//! Tabular policies read from files, for `policylab evaluate --policy FILE`.
//!
//! Accepted shapes (JSON or TOML):
//! - a table with `policy = [[π(0|s), …, π(A−1|s)], …]`, one row per state — the output of
//!   `policylab solve --json` is such a table and can be evaluated as it is;
//! - for finite horizons, `policy = [[[…]…]…]` with one S×A table per step;
//! - a table with `actions = [a_0, …, a_{S−1}]`: a deterministic policy, one action per state;
//! - a table with `logits = [[θ(s, 0), …], …]` (or one table per step): the softmax policy
//!   π(a|s) ∝ exp θ(s, a) over the available actions.
//!
//! A starting policy (`train --initial-policy FILE`, `initial_policy = "FILE"` in an experiment file's `[[runs]]`) is read by
//! [`load_start`]: `logits` as given, or `policy` as θ = log π (every available action must then
//! have positive probability: a softmax policy cannot reach 0).
//!
//! Fields that `policylab solve --json` writes next to `policy` are accepted and ignored.

use std::path::Path;

use ndarray::Array2;

use crate::core::error::{Error, Result};
use crate::core::files::read_text;
use crate::policy::softmax::TabularSoftmax;
use crate::world::format::node::{At, Node, field, item_path};
use crate::world::{PROBABILITY_TOLERANCE, TabularMdp, World};

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
    "logits",
    // `policylab train`'s policy.json.
    "algorithm",
    "step",
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
        return Ok(PolicyTables(read_tables(node, "policy", s_count, a_count)?));
    }
    if let Some(node) = field(entries, "logits") {
        let tables = read_tables(node, "logits", s_count, a_count)?;
        let mut policies = Vec::with_capacity(tables.len());
        for (h, logits) in tables.into_iter().enumerate() {
            let policy = TabularSoftmax::from_logits(mdp, logits).map_err(|e| {
                e.with_field(|field| field.replacen("logits", &format!("logits[{h}]"), 1))
            })?;
            policies.push(policy.probabilities());
        }
        return Ok(PolicyTables(policies));
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
        "expected `policy` (one row of action probabilities per state), `actions` (one action \
         index per state) or `logits` (one row of softmax logits per state)",
    ))
}

/// One S×A table, or one per step (a list of tables), under `name`.
fn read_tables(
    node: &Node,
    name: &str,
    s_count: usize,
    a_count: usize,
) -> Result<Vec<Array2<f64>>> {
    let rows = At::new(node, name).array()?;
    let is_per_step = matches!(rows.first(), Some(Node::Array(inner)) if matches!(inner.first(), Some(Node::Array(_))));
    if is_per_step {
        return rows
            .iter()
            .enumerate()
            .map(|(h, table)| read_table(At::new(table, &item_path(name, h)), s_count, a_count))
            .collect();
    }
    Ok(vec![read_table(At::new(node, name), s_count, a_count)?])
}

/// Reads the logits θ_0 a run starts from (see the module documentation) for `world`'s shape:
/// `logits` as given (finite on the available actions), or θ = log π of a `policy` whose rows are
/// distributions over the available actions with every available action positive.
pub fn load_start(path: &Path, world: &dyn World) -> Result<Vec<Array2<f64>>> {
    let origin = path.display().to_string();
    let text = read_text(path)?;
    let root = match path.extension().and_then(|e| e.to_str()) {
        Some(e) if e.eq_ignore_ascii_case("toml") => Node::parse_toml(&text, &origin)?,
        _ => Node::parse_json(&text, &origin)?,
    };
    start_from(&root, world).map_err(|e| e.in_origin(&origin))
}

fn start_from(root: &Node, world: &dyn World) -> Result<Vec<Array2<f64>>> {
    let entries = At::new(root, "").table(OUTPUT_FIELDS)?;
    let (s_count, a_count) = (world.n_states(), world.n_actions());
    let allowed = |s: usize, a: usize| world.allowed_mask()[s * a_count + a];
    if let Some(node) = field(entries, "logits") {
        let tables = read_tables(node, "logits", s_count, a_count)?;
        for (h, table) in tables.iter().enumerate() {
            if let Some(((s, a), x)) = table
                .indexed_iter()
                .find(|&((s, a), x)| allowed(s, a) && !x.is_finite())
            {
                return Err(Error::invalid(
                    format!("logits[{h}][{s}][{a}]"),
                    format!("found {x}"),
                    "finite logits on available actions",
                ));
            }
        }
        return Ok(tables);
    }
    let Some(node) = field(entries, "policy") else {
        return Err(Error::invalid(
            "logits",
            "missing",
            "a starting policy as `logits` (one row of softmax logits per state) or `policy` \
             (one row of positive probabilities per state)",
        ));
    };
    let tables = read_tables(node, "policy", s_count, a_count)?;
    let mut logits = Vec::with_capacity(tables.len());
    for (h, table) in tables.into_iter().enumerate() {
        let mut theta = Array2::zeros(table.dim());
        for s in 0..s_count {
            let mut total = 0.0;
            for a in (0..a_count).filter(|&a| allowed(s, a)) {
                let p = table[[s, a]];
                if !(p > 0.0 && p <= 1.0) {
                    return Err(Error::invalid(
                        format!("policy[{h}][{s}][{a}]"),
                        format!("found {p}"),
                        "a probability in (0, 1] for every available action: a softmax start \
                         cannot put 0 on one (give `logits` with a very negative entry instead)",
                    ));
                }
                theta[[s, a]] = p.ln();
                total += p;
            }
            if (total - 1.0).abs() > PROBABILITY_TOLERANCE {
                return Err(Error::invalid(
                    format!("policy[{h}][{s}]"),
                    format!("sums to {total} over the available actions"),
                    "1",
                ));
            }
        }
        logits.push(theta);
    }
    Ok(logits)
}

/// A policy file `policylab evaluate --policy` and `--initial-policy` read: the step it was
/// reached at, one probability table (or one per stage) and, for a softmax method, its logits
/// (which `--initial-policy` prefers: they continue the run exactly, zeros included).
pub fn policy_json(
    step: usize,
    probabilities: &[ndarray::Array2<f64>],
    logits: Option<&[ndarray::Array2<f64>]>,
) -> String {
    let tables = |tables: &[ndarray::Array2<f64>]| {
        let rows: Vec<Vec<Vec<f64>>> = tables
            .iter()
            .map(|t| t.rows().into_iter().map(|r| r.to_vec()).collect())
            .collect();
        if rows.len() == 1 {
            serde_json::json!(rows[0])
        } else {
            serde_json::json!(rows)
        }
    };
    let mut document = serde_json::json!({ "step": step, "policy": tables(probabilities) });
    if let Some(logits) = logits {
        // Logits of unavailable actions may be anything: written as 0 (JSON has no infinities).
        let finite: Vec<ndarray::Array2<f64>> = logits
            .iter()
            .map(|t| t.mapv(|x| if x.is_finite() { x } else { 0.0 }))
            .collect();
        document["logits"] = tables(&finite);
    }
    let mut text = serde_json::to_string_pretty(&document).unwrap_or_default();
    text.push('\n');
    text
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
