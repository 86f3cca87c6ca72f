//! A world's feature map in the native format, and linear MDPs written by their factorization
//! (documented in `mdps/README.md`, "Features and linear MDPs").
//!
//! ```toml
//! # features[s][a] = φ(s, a): the same number d of entries for every state and action
//! features = [
//!   [[1.0, 0.0], [0.0, 1.0]],
//!   [[0.5, 0.5], [0.0, 1.0]],
//! ]
//! # Instead of `transitions`, a linear MDP (Jin, Yang, Wang & Jordan 2020) may give
//! # P(s'|s, a) = φ(s, a)ᵀμ(s') and r(s, a) = φ(s, a)ᵀθ:
//! mu = [[1.0, 0.0], [0.0, 1.0]]   # d rows, one measure μ_k over the S next states each
//! theta = [0.0, 1.0]              # d numbers (optional; or `rewards` as in any world)
//! ```
//!
//! The factorization must give probabilities: every φ(s, a)ᵀμ(s') ≥ 0 (−1e-12 is accepted as
//! rounding and read as 0) and Σ_s' φ(s, a)ᵀμ(s') = 1 within 1e-9; the first (s, a) that breaks
//! this is named in the error.

use ndarray::Array2;

use super::node::{At, Node, item_path};
use crate::core::error::{Error, Result};
use crate::world::FeatureMap;
use crate::world::mdp::Outcome;

/// Rounding accepted below zero in φᵀμ.
const NEGATIVE_ROUNDING: f64 = 1e-12;
/// Rounding accepted in Σ_s' φᵀμ = 1.
const SUM_ROUNDING: f64 = 1e-9;

/// Reads `features[s][a] = [φ_1, …, φ_d]` for S states and A actions.
pub fn read_features(node: &Node, n_states: usize, n_actions: usize) -> Result<FeatureMap> {
    let rows = At::new(node, "features").array_of_len(n_states, "one list per state")?;
    let mut dimension = None;
    let mut values = Vec::new();
    for (s, row) in rows.iter().enumerate() {
        let path = item_path("features", s);
        let per_action = At::new(row, &path).array_of_len(n_actions, "one vector per action")?;
        for (a, vector) in per_action.iter().enumerate() {
            let path = item_path(&path, a);
            let items = At::new(vector, &path).array()?;
            let d = *dimension.get_or_insert(items.len());
            if items.len() != d || d == 0 {
                return Err(Error::invalid(
                    path.clone(),
                    format!("found {} numbers", items.len()),
                    format!(
                        "expected φ(s, a) with the same positive number of entries for every state and \
                         action ({d} in features[0][0])"
                    ),
                ));
            }
            if values.is_empty() {
                values.reserve(n_states.saturating_mul(n_actions).saturating_mul(d));
            }
            for (k, item) in items.iter().enumerate() {
                values.push(At::new(item, &item_path(&path, k)).finite()?);
            }
        }
    }
    let d = dimension.unwrap_or(0);
    let table = Array2::from_shape_vec((n_states * n_actions, d), values).map_err(|e| {
        Error::invalid(
            "features",
            e.to_string(),
            "expected an S·A × d table of numbers",
        )
    })?;
    FeatureMap::new(n_states, n_actions, table)
}

/// `mu`: d rows of S numbers.
fn read_mu(node: &Node, dimension: usize, n_states: usize) -> Result<Array2<f64>> {
    let rows = At::new(node, "mu").array_of_len(dimension, "one row μ_k per feature")?;
    let mut mu = Array2::zeros((dimension, n_states));
    for (k, row) in rows.iter().enumerate() {
        let path = item_path("mu", k);
        let items = At::new(row, &path).array_of_len(n_states, "one number per next state")?;
        for (s, item) in items.iter().enumerate() {
            mu[[k, s]] = At::new(item, &item_path(&path, s)).finite()?;
        }
    }
    Ok(mu)
}

/// The transitions P(s'|s, a) = φ(s, a)ᵀμ(s') of a factorized linear MDP, as outcomes with no
/// reward (the reward comes from `theta` or `rewards`), checked to be probabilities.
pub fn factorized_transitions(
    features: &FeatureMap,
    mu_node: &Node,
) -> Result<Vec<Vec<Vec<Outcome>>>> {
    let (n_states, n_actions) = (features.n_states(), features.n_actions());
    let mu = read_mu(mu_node, features.dimension(), n_states)?;
    let mut transitions = Vec::with_capacity(n_states);
    for s in 0..n_states {
        let mut per_action = Vec::with_capacity(n_actions);
        for a in 0..n_actions {
            let p = features.phi(s, a).dot(&mu);
            let total: f64 = p.sum();
            if let Some((next, &value)) =
                p.iter().enumerate().find(|&(_, &v)| v < -NEGATIVE_ROUNDING)
            {
                return Err(not_a_distribution(
                    s,
                    a,
                    format!("found P({next}|{s}, {a}) = φ(s, a)ᵀμ({next}) = {value}"),
                ));
            }
            if (total - 1.0).abs() > SUM_ROUNDING {
                return Err(not_a_distribution(
                    s,
                    a,
                    format!("found Σ_s' φ({s}, {a})ᵀμ(s') = {total}"),
                ));
            }
            let outcomes = p
                .iter()
                .enumerate()
                .filter(|&(_, &v)| v > 0.0)
                .map(|(next, &v)| Outcome::new(v, next, 0.0, false))
                .collect();
            per_action.push(outcomes);
        }
        transitions.push(per_action);
    }
    Ok(transitions)
}

fn not_a_distribution(state: usize, action: usize, found: String) -> Error {
    Error::invalid(
        format!("mu (with features[{state}][{action}])"),
        found,
        "expected φ(s, a)ᵀμ(·) to be a probability distribution over next states for every (s, a): \
         entries ≥ 0 summing to 1 (a linear MDP's factorization P = Φμ)",
    )
}

/// r(s, a) = φ(s, a)ᵀθ, S × A, from `theta` (d numbers).
pub fn factorized_rewards(features: &FeatureMap, theta_node: &Node) -> Result<Vec<Vec<f64>>> {
    let items = At::new(theta_node, "theta")
        .array_of_len(features.dimension(), "one number per feature")?;
    let theta = items
        .iter()
        .enumerate()
        .map(|(k, item)| At::new(item, &item_path("theta", k)).finite())
        .collect::<Result<ndarray::Array1<f64>>>()?;
    Ok((0..features.n_states())
        .map(|s| {
            (0..features.n_actions())
                .map(|a| features.phi(s, a).dot(&theta))
                .collect()
        })
        .collect())
}

/// `features[s][a] = [...]` in the native syntax (valid JSON and TOML alike), one state per line.
pub fn features_text(features: &FeatureMap) -> String {
    let number = |x: f64| format!("{x:?}");
    let rows: Vec<String> = (0..features.n_states())
        .map(|s| {
            let vectors: Vec<String> = (0..features.n_actions())
                .map(|a| {
                    let entries: Vec<String> =
                        features.phi(s, a).iter().map(|&x| number(x)).collect();
                    format!("[{}]", entries.join(", "))
                })
                .collect();
            format!("[{}]", vectors.join(", "))
        })
        .collect();
    format!("[\n  {}\n]", rows.join(",\n  "))
}
