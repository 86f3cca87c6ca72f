//! The tabular softmax policy π_θ(a|s) = exp θ(s, a) / Σ_b exp θ(s, b), the parameterization of
//! Mei, Xiao, Szepesvári & Schuurmans (2020) and Agarwal, Kakade, Lee & Mahajan (2021, §4).
//!
//! Probabilities are computed with the log-sum-exp shift (subtract max_b θ(s, b) first), so any
//! finite logits give finite probabilities. Unavailable actions (see [`TabularMdp::is_allowed`])
//! take no part: their probability is 0 and their log-probability −∞, whatever their logit.

use std::sync::OnceLock;

use ndarray::{Array2, ArrayView1, ArrayViewMut1};

use crate::core::error::{Error, Result};
use crate::world::{TabularMdp, World};

/// Logits θ(s, a) of a tabular softmax policy, with the world's action mask.
#[derive(Debug, Clone)]
pub struct TabularSoftmax {
    logits: Array2<f64>,
    allowed: Vec<bool>,
    /// π_θ and log π_θ of the current logits, computed at most once and emptied by every change
    /// of θ: the tables an update's instruments compute for π_{t+1} serve the next step as π_t.
    tables: OnceLock<(Array2<f64>, Array2<f64>)>,
}

/// Two policies are equal when their logits and action masks are (the cached tables follow).
impl PartialEq for TabularSoftmax {
    fn eq(&self, other: &Self) -> bool {
        self.logits == other.logits && self.allowed == other.allowed
    }
}

/// Writes softmax(logits) over the allowed entries of one row into `out` (0 elsewhere).
pub fn softmax_row(logits: ArrayView1<'_, f64>, allowed: &[bool], mut out: ArrayViewMut1<'_, f64>) {
    let max = allowed_max(logits.iter(), allowed);
    let mut total = 0.0;
    for ((o, &x), &ok) in out.iter_mut().zip(logits).zip(allowed) {
        *o = if ok { (x - max).exp() } else { 0.0 };
        total += *o;
    }
    out.mapv_inplace(|p| p / total);
}

/// Writes π = softmax(logits) and log π = logits − max − log Σ_b exp(logits_b − max) of one row
/// (0 and −∞ for unavailable actions) with one exponential per action and one logarithm per
/// row, instead of a logarithm per action: entropies and KL divergences then need no further
/// transcendental calls, and log π keeps its full scale where π underflows to 0.
pub fn log_softmax_row(
    logits: &[f64],
    allowed: &[bool],
    probabilities: &mut [f64],
    log_probabilities: &mut [f64],
) {
    let max = allowed_max(logits.iter(), allowed);
    let mut total = 0.0;
    for ((o, &x), &ok) in probabilities.iter_mut().zip(logits).zip(allowed) {
        *o = if ok { (x - max).exp() } else { 0.0 };
        total += *o;
    }
    let log_total = max + total.ln();
    for (((p, log_p), &x), &ok) in probabilities
        .iter_mut()
        .zip(log_probabilities.iter_mut())
        .zip(logits)
        .zip(allowed)
    {
        *p /= total;
        *log_p = if ok { x - log_total } else { f64::NEG_INFINITY };
    }
}

/// The largest logit among the allowed actions (−∞ if none is).
fn allowed_max<'a>(logits: impl Iterator<Item = &'a f64>, allowed: &[bool]) -> f64 {
    logits
        .zip(allowed)
        .filter(|&(_, &ok)| ok)
        .fold(f64::NEG_INFINITY, |m, (&x, _)| m.max(x))
}

impl TabularSoftmax {
    /// θ = 0: the uniform policy over each state's available actions.
    pub fn uniform(mdp: &TabularMdp) -> Self {
        Self::uniform_masked(mdp.n_states(), mdp.n_actions(), mdp.allowed_mask())
    }

    /// θ = 0 on a world of the interface: the uniform policy of one stage.
    pub fn uniform_on<W: World + ?Sized>(world: &W) -> Self {
        Self::uniform_masked(world.n_states(), world.n_actions(), world.allowed_mask())
    }

    /// θ = 0 at every stage of a world (one table for a stationary policy, H for a finite
    /// horizon).
    pub fn uniform_stages<W: World + ?Sized>(world: &W) -> Vec<Self> {
        vec![Self::uniform_on(world); world.stages()]
    }

    /// The probability tables of a policy's stages (what `Algorithm::policy` returns).
    pub fn stage_probabilities(stages: &[TabularSoftmax]) -> Vec<Array2<f64>> {
        stages.iter().map(TabularSoftmax::probabilities).collect()
    }

    /// The logits of a policy's stages (what `Algorithm::logits` returns).
    pub fn stage_logits(stages: &[TabularSoftmax]) -> Vec<Array2<f64>> {
        stages.iter().map(|stage| stage.logits.clone()).collect()
    }

    /// The world's starting policy at stage 0 ([`World::start`]; θ = 0 without one).
    pub fn start_on<W: World + ?Sized>(world: &W) -> Self {
        Self::start_at(world, 0)
    }

    /// The world's starting policy at every stage.
    pub fn start_stages<W: World + ?Sized>(world: &W) -> Vec<Self> {
        (0..world.stages())
            .map(|h| Self::start_at(world, h))
            .collect()
    }

    fn start_at<W: World + ?Sized>(world: &W, stage: usize) -> Self {
        let mut policy = Self::uniform_on(world);
        if let Some(logits) = world.start(stage) {
            // The start's shape and finiteness were checked when it was given (`Started::new`);
            // unavailable actions keep probability 0, and their logits are set to 0 whatever the
            // file said (an infinity there would poison the arithmetic of an update).
            let n_actions = policy.logits.ncols();
            for ((s, a), theta) in policy.logits.indexed_iter_mut() {
                *theta = if policy.allowed[s * n_actions + a] {
                    logits[[s, a]]
                } else {
                    0.0
                };
            }
        }
        policy
    }

    fn uniform_masked(n_states: usize, n_actions: usize, allowed: &[bool]) -> Self {
        TabularSoftmax {
            logits: Array2::zeros((n_states, n_actions)),
            allowed: allowed.to_vec(),
            tables: OnceLock::new(),
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
            tables: OnceLock::new(),
        })
    }

    pub fn logits(&self) -> &Array2<f64> {
        &self.logits
    }

    /// Adds `step`·`direction` to the logits of available actions (a gradient step).
    pub fn ascend(&mut self, direction: &Array2<f64>, step: f64) {
        self.tables = OnceLock::new();
        for ((theta, &d), &ok) in self.logits.iter_mut().zip(direction).zip(&self.allowed) {
            if ok {
                *theta += step * d;
            }
        }
    }

    /// π_θ(a|s) as an S×A matrix.
    pub fn probabilities(&self) -> Array2<f64> {
        if let Some((probabilities, _)) = self.tables.get() {
            return probabilities.clone();
        }
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
        self.probabilities_and_logs().1
    }

    /// π_θ and log π_θ as S×A matrices, in one pass ([`log_softmax_row`]); computed once per
    /// value of θ and kept.
    pub fn probabilities_and_logs(&self) -> (Array2<f64>, Array2<f64>) {
        self.tables.get_or_init(|| self.compute_tables()).clone()
    }

    fn compute_tables(&self) -> (Array2<f64>, Array2<f64>) {
        // (`max(1)`: a world has at least one action; it only keeps chunks_exact from panicking.)
        let n_actions = self.logits.ncols().max(1);
        let logits = self.logits.as_standard_layout();
        let mut probabilities = vec![0.0; logits.len()];
        let mut log_probabilities = vec![0.0; logits.len()];
        // A standard-layout array is one contiguous slice.
        let rows = logits
            .as_slice()
            .expect("cannot fail: standard layout is contiguous")
            .chunks_exact(n_actions)
            .zip(self.allowed.chunks_exact(n_actions))
            .zip(probabilities.chunks_exact_mut(n_actions))
            .zip(log_probabilities.chunks_exact_mut(n_actions));
        for (((logits, allowed), p), log_p) in rows {
            log_softmax_row(logits, allowed, p, log_p);
        }
        let shape = self.logits.dim();
        // Both vectors hold exactly S·A entries.
        (
            Array2::from_shape_vec(shape, probabilities).expect("cannot fail: S·A entries"),
            Array2::from_shape_vec(shape, log_probabilities).expect("cannot fail: S·A entries"),
        )
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

    /// The tables kept between calls are those of the current logits: an ascent empties them,
    /// and what comes back equals, bit for bit, the tables of a fresh policy with the same logits.
    #[test]
    fn kept_tables_follow_the_logits() {
        let mdp = GarnetParams::default().build().unwrap();
        let logits = Array2::from_shape_fn((10, 3), |(s, a)| (s as f64 + 3.0 * a as f64).cos());
        let mut policy = TabularSoftmax::from_logits(&mdp, logits).unwrap();
        let (p0, _) = policy.probabilities_and_logs();
        assert_eq!(
            policy.probabilities(),
            p0,
            "probabilities() reads the kept table"
        );
        let direction = Array2::from_shape_fn((10, 3), |(s, a)| (s * a) as f64 - 4.0);
        policy.ascend(&direction, 0.3);
        let fresh = TabularSoftmax::from_logits(&mdp, policy.logits().clone()).unwrap();
        assert_eq!(policy.probabilities(), fresh.probabilities());
        assert_eq!(
            policy.probabilities_and_logs(),
            fresh.probabilities_and_logs()
        );
        assert_ne!(policy.probabilities(), p0);
        // One pass gives the same probabilities as the probability-only path.
        let uncached = TabularSoftmax::from_logits(&mdp, policy.logits().clone()).unwrap();
        assert_eq!(uncached.probabilities(), policy.probabilities_and_logs().0);
    }
}
