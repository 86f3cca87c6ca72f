//! The tabular softmax policy π_θ(a|s) = exp θ(s, a) / Σ_b exp θ(s, b), the parameterization of
//! Mei, Xiao, Szepesvári & Schuurmans (2020) and Agarwal, Kakade, Lee & Mahajan (2021, §4).
//!
//! Probabilities are computed with the log-sum-exp shift (subtract max_b θ(s, b) first), so any
//! finite logits give finite probabilities. Unavailable actions (see [`TabularMdp::is_allowed`])
//! take no part: their probability is 0 and their log-probability −∞, whatever their logit.

use ndarray::{Array2, ArrayView1, ArrayViewMut1};

use crate::error::{Error, Result};
use crate::world::TabularMdp;

/// Logits θ(s, a) of a tabular softmax policy, with the world's action mask.
#[derive(Debug, Clone, PartialEq)]
pub struct TabularSoftmax {
    logits: Array2<f64>,
    allowed: Vec<bool>,
}

/// Writes softmax(logits) over the allowed entries of one row into `out` (0 elsewhere).
pub fn softmax_row(logits: ArrayView1<'_, f64>, allowed: &[bool], mut out: ArrayViewMut1<'_, f64>) {
    let max = logits
        .iter()
        .zip(allowed)
        .filter(|&(_, &ok)| ok)
        .fold(f64::NEG_INFINITY, |m, (&x, _)| m.max(x));
    let mut total = 0.0;
    for ((o, &x), &ok) in out.iter_mut().zip(logits).zip(allowed) {
        *o = if ok { (x - max).exp() } else { 0.0 };
        total += *o;
    }
    out.mapv_inplace(|p| p / total);
}

impl TabularSoftmax {
    /// θ = 0: the uniform policy over each state's available actions.
    pub fn uniform(mdp: &TabularMdp) -> Self {
        TabularSoftmax {
            logits: Array2::zeros((mdp.n_states(), mdp.n_actions())),
            allowed: mdp.allowed_mask().to_vec(),
        }
    }

    /// A policy with the given logits (S×A, finite on available actions).
    pub fn from_logits(mdp: &TabularMdp, logits: Array2<f64>) -> Result<Self> {
        let expected = (mdp.n_states(), mdp.n_actions());
        if logits.dim() != expected {
            return Err(Error::invalid(
                "logits",
                format!("found a {}x{} table", logits.nrows(), logits.ncols()),
                format!("expected {}x{} (states x actions)", expected.0, expected.1),
            ));
        }
        for ((s, a), &x) in logits.indexed_iter() {
            if mdp.is_allowed(s, a) && !x.is_finite() {
                return Err(Error::invalid(
                    format!("logits[{s}][{a}]"),
                    format!("found {x}"),
                    "logits of available actions must be finite",
                ));
            }
        }
        Ok(TabularSoftmax {
            logits,
            allowed: mdp.allowed_mask().to_vec(),
        })
    }

    pub fn logits(&self) -> &Array2<f64> {
        &self.logits
    }

    /// Adds `step`·`direction` to the logits of available actions (a gradient step).
    pub fn ascend(&mut self, direction: &Array2<f64>, step: f64) {
        for ((theta, &d), &ok) in self.logits.iter_mut().zip(direction).zip(&self.allowed) {
            if ok {
                *theta += step * d;
            }
        }
    }

    /// π_θ(a|s) as an S×A matrix.
    pub fn probabilities(&self) -> Array2<f64> {
        let n_actions = self.logits.ncols();
        let mut probabilities = Array2::zeros(self.logits.dim());
        for (s, (logits, out)) in self
            .logits
            .rows()
            .into_iter()
            .zip(probabilities.rows_mut())
            .enumerate()
        {
            softmax_row(
                logits,
                &self.allowed[s * n_actions..(s + 1) * n_actions],
                out,
            );
        }
        probabilities
    }

    /// log π_θ(a|s) = θ(s, a) − log Σ_b exp θ(s, b) (−∞ for unavailable actions).
    pub fn log_probabilities(&self) -> Array2<f64> {
        let n_actions = self.logits.ncols();
        let mut out = self.logits.clone();
        for (s, mut row) in out.rows_mut().into_iter().enumerate() {
            let allowed = &self.allowed[s * n_actions..(s + 1) * n_actions];
            let max = row
                .iter()
                .zip(allowed)
                .filter(|&(_, &ok)| ok)
                .fold(f64::NEG_INFINITY, |m, (&x, _)| m.max(x));
            let log_total = max
                + row
                    .iter()
                    .zip(allowed)
                    .filter(|&(_, &ok)| ok)
                    .map(|(&x, _)| (x - max).exp())
                    .sum::<f64>()
                    .ln();
            for (x, &ok) in row.iter_mut().zip(allowed) {
                *x = if ok {
                    *x - log_total
                } else {
                    f64::NEG_INFINITY
                };
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::world::generate::GarnetParams;

    #[test]
    fn extreme_logits_give_finite_probabilities() {
        let mdp = GarnetParams {
            states: 2,
            actions: 3,
            branching: 2,
            ..GarnetParams::default()
        }
        .build()
        .unwrap();
        let logits = ndarray::arr2(&[[1000.0, 0.0, -1000.0], [-745.0, -745.0, 700.0]]);
        let policy = TabularSoftmax::from_logits(&mdp, logits).unwrap();
        let p = policy.probabilities();
        assert!(p.iter().all(|x| x.is_finite()));
        assert_eq!(p[[0, 0]], 1.0);
        let log_p = policy.log_probabilities();
        assert_eq!(log_p[[0, 0]], 0.0);
        assert!(
            (log_p[[0, 2]] + 2000.0).abs() < 1e-9,
            "log-probabilities keep their scale"
        );
        for s in 0..2 {
            assert!((p.row(s).sum() - 1.0).abs() < 1e-15);
        }
    }

    #[test]
    fn log_probabilities_match_probabilities() {
        let mdp = GarnetParams::default().build().unwrap();
        let logits =
            Array2::from_shape_fn((10, 3), |(s, a)| (s as f64 - 2.0 * a as f64).sin() * 3.0);
        let policy = TabularSoftmax::from_logits(&mdp, logits).unwrap();
        let p = policy.probabilities();
        let log_p = policy.log_probabilities();
        for (x, y) in p.iter().zip(log_p.iter()) {
            assert!((x.ln() - y).abs() < 1e-12);
        }
    }
}
