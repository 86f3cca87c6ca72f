//! How much one update moved the policy: the entropy change ΔH, its first-order prediction from the
//! logit change, and KL(π_t‖π_{t+1}).
//!
//! For a softmax policy whose logits move by Δz(s, ·), the entropy of each state changes by
//!
//! H(π_{t+1}(·|s)) − H(π_t(·|s)) = −Cov_{a~π_t(·|s)}(log π_t(a|s), Δz(s, a)) + O(‖Δz‖²)
//!
//! (Cui et al. 2025, "The Entropy Mechanism of Reinforcement Learning for Reasoning Language
//! Models", arXiv 2505.22617, §3: the entropy-difference lemma; it follows from
//! ∂H/∂z_b = −π_b·(log π_b + H)). Softmax PG moves the logits by η·π·A (per state, up to the
//! occupancy factor d(s)/(1−γ) of the MDP gradient), so ΔH ≈ −η·Cov(log π, π·A); natural PG moves
//! them by η·A/(1−γ), so ΔH ≈ −η·Cov(log π, A)/(1−γ). The prediction here always uses the logit
//! change the algorithm actually applied, so it is exact to first order for every softmax method.
//!
//! All three quantities are averaged over states with the same weights (the occupancy d^{π_t}_ρ
//! of the policy before the update), so `dH` is the change of the occupancy-weighted entropy at
//! fixed weights and `cov_pred` is its prediction.

use ndarray::{Array2, ArrayView1, ArrayView2};

use crate::algo::record::Record;
use crate::policy::{TabularSoftmax, entropy_of};

/// The state-averaged change between two policies.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct PolicyChange {
    /// Σ_s w(s)·[H(π_{t+1}(·|s)) − H(π_t(·|s))].
    pub entropy_change: f64,
    /// Σ_s w(s)·(−Cov_{a~π_t(·|s)}(log π_t(a|s), Δz(s, a))).
    pub entropy_change_prediction: f64,
    /// Σ_s w(s)·KL(π_t(·|s)‖π_{t+1}(·|s)).
    pub kl: f64,
}

impl PolicyChange {
    /// Compares `before` and `after` (S×A probability tables) given the logit change that led
    /// from one to the other, averaging over states with `weights`. The KL comes from `before`
    /// and the logit change alone ([`kl_of_logit_change`]), so it stays finite when a
    /// probability of `after` underflows to 0 in f64, as happens after many large NPG steps.
    pub fn new(
        before: ArrayView2<'_, f64>,
        after: ArrayView2<'_, f64>,
        logit_change: ArrayView2<'_, f64>,
        weights: ArrayView1<'_, f64>,
    ) -> Self {
        let mut change = PolicyChange::default();
        for (s, &w) in weights.iter().enumerate() {
            let (p, q, dz) = (before.row(s), after.row(s), logit_change.row(s));
            change.entropy_change += w * (entropy_of(q) - entropy_of(p));
            change.entropy_change_prediction -= w * log_probability_covariance(p, dz);
            change.kl += w * kl_of_logit_change(p, dz);
        }
        change
    }

    /// Records `dH`, `cov_pred` and `kl`.
    pub fn record_into(&self, record: &mut Record) {
        record.set("dH", self.entropy_change);
        record.set("cov_pred", self.entropy_change_prediction);
        record.set("kl", self.kl);
    }
}

/// Cov_{a~p}(log p_a, z_a) = Σ_a p_a·log p_a·z_a − (Σ_a p_a·log p_a)(Σ_a p_a·z_a), over the
/// support of p.
pub fn log_probability_covariance(p: ArrayView1<'_, f64>, z: ArrayView1<'_, f64>) -> f64 {
    let (mut cross, mut mean_log, mut mean_z) = (0.0, 0.0, 0.0);
    for (&pa, &za) in p.iter().zip(z) {
        if pa > 0.0 {
            let log_p = pa.ln();
            cross += pa * log_p * za;
            mean_log += pa * log_p;
            mean_z += pa * za;
        }
    }
    cross - mean_log * mean_z
}

/// KL(p‖q) for q ∝ p·exp(Δz) on the support of p:
/// KL = Σ_a p_a·(log p_a − log q_a) = log Σ_a p_a·e^{Δz_a} − Σ_a p_a·Δz_a,
/// computed with the largest Δz factored out of the sum.
pub fn kl_of_logit_change(p: ArrayView1<'_, f64>, dz: ArrayView1<'_, f64>) -> f64 {
    let support = || p.iter().zip(dz).filter(|&(&pa, _)| pa > 0.0);
    let shift = support().fold(f64::NEG_INFINITY, |m, (_, &z)| m.max(z));
    if shift == f64::NEG_INFINITY {
        return 0.0;
    }
    let log_mean_exp = shift
        + support()
            .map(|(&pa, &z)| pa * (z - shift).exp())
            .sum::<f64>()
            .ln();
    let mean: f64 = support().map(|(&pa, &z)| pa * z).sum();
    log_mean_exp - mean
}

/// KL(p‖q) = Σ_a p_a·log(p_a/q_a) over the support of p (+∞ if q misses some of it).
pub fn kl_divergence(p: ArrayView1<'_, f64>, q: ArrayView1<'_, f64>) -> f64 {
    p.iter()
        .zip(q)
        .filter(|&(&pa, _)| pa > 0.0)
        .map(|(&pa, &qa)| pa * (pa / qa).ln())
        .sum()
}

/// Applies θ ← θ + η·direction to a softmax policy and records how the policy changed
/// (`dH`, `cov_pred`, `kl`), averaging over states with `weights`.
pub fn ascend_and_record(
    policy: &mut TabularSoftmax,
    before: &Array2<f64>,
    direction: &Array2<f64>,
    step_size: f64,
    weights: ArrayView1<'_, f64>,
    record: &mut Record,
) {
    policy.ascend(direction, step_size);
    let after = policy.probabilities();
    let logit_change = direction * step_size;
    PolicyChange::new(before.view(), after.view(), logit_change.view(), weights)
        .record_into(record);
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::arr1;

    #[test]
    fn covariance_of_a_constant_shift_is_zero() {
        let p = arr1(&[0.2, 0.5, 0.3, 0.0]);
        let z = arr1(&[1.5, 1.5, 1.5, -7.0]);
        assert!(log_probability_covariance(p.view(), z.view()).abs() < 1e-15);
    }

    /// The logit-change form equals Σ p·log(p/q) with q formed explicitly, and stays finite
    /// where q underflows.
    #[test]
    fn kl_from_the_logit_change() {
        let p = arr1(&[0.2, 0.5, 0.3, 0.0]);
        let dz = arr1(&[0.7, -1.1, 0.4, 9.0]);
        let mut q = arr1(&[
            0.2 * 0.7f64.exp(),
            0.5 * (-1.1f64).exp(),
            0.3 * 0.4f64.exp(),
            0.0,
        ]);
        q /= q.sum();
        let explicit = kl_divergence(p.view(), q.view());
        assert!((kl_of_logit_change(p.view(), dz.view()) - explicit).abs() < 1e-15);
        let far = arr1(&[-2000.0, 0.0, 0.0, 0.0]);
        let kl = kl_of_logit_change(p.view(), far.view());
        assert!(kl.is_finite() && (kl - (0.8f64.ln() - 0.2 * -2000.0 - 0.0)).abs() < 1e-9);
    }

    #[test]
    fn kl_of_known_pair() {
        // KL(Bernoulli(1/2) ‖ Bernoulli(1/4)) = ½ln 2 + ½ln(2/3).
        let p = arr1(&[0.5, 0.5]);
        let q = arr1(&[0.25, 0.75]);
        let expected = 0.5 * 2f64.ln() + 0.5 * (2.0f64 / 3.0).ln();
        assert!((kl_divergence(p.view(), q.view()) - expected).abs() < 1e-15);
        assert_eq!(kl_divergence(p.view(), p.view()), 0.0);
    }
}
