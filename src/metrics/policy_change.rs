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

use crate::core::record::Record;
use crate::metrics::PolicySnapshot;
use crate::policy::{TabularSoftmax, entropy_of, entropy_with_logs};

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

    /// [`PolicyChange::new`] for two softmax policies given their probabilities and
    /// log-probabilities (as [`TabularSoftmax::probabilities_and_logs`] gives them): no
    /// transcendental function is evaluated, and KL(π_t‖π_{t+1}) = Σ_a π_t(a)·(log π_t(a) −
    /// log π_{t+1}(a)) stays finite where π_{t+1} underflows because its logarithm comes from the
    /// logits.
    pub fn with_logs(
        before: (ArrayView2<'_, f64>, ArrayView2<'_, f64>),
        after: (ArrayView2<'_, f64>, ArrayView2<'_, f64>),
        logit_change: ArrayView2<'_, f64>,
        weights: ArrayView1<'_, f64>,
    ) -> Self {
        let n_actions = logit_change.ncols().max(1);
        let views = [before.0, before.1, after.0, after.1, logit_change];
        let tables = views.each_ref().map(|t| t.as_standard_layout());
        // Standard-layout arrays are contiguous, row after row.
        let [p, log_p, q, log_q, dz] = tables.each_ref().map(|t| {
            t.as_slice()
                .expect("cannot fail: standard layout is contiguous")
                .chunks_exact(n_actions)
        });
        let mut change = PolicyChange::default();
        for (&w, ((((p, log_p), q), log_q), dz)) in
            weights.iter().zip(p.zip(log_p).zip(q).zip(log_q).zip(dz))
        {
            let entropy = |p: &[f64], log_p: &[f64]| entropy_with_logs(p.into(), log_p.into());
            change.entropy_change += w * (entropy(q, log_q) - entropy(p, log_p));
            change.entropy_change_prediction -=
                w * covariance(p.iter().copied().zip(log_p.iter().copied()), dz.into());
            let kl: f64 = p
                .iter()
                .zip(log_p.iter().zip(log_q))
                .filter(|&(&pa, _)| pa > 0.0)
                .map(|(&pa, (&log_pa, &log_qa))| pa * (log_pa - log_qa))
                .sum();
            change.kl += w * kl;
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
    covariance(p.iter().map(|&pa| (pa, pa.ln())), z)
}

/// Cov_{a~p}(log p_a, z_a) from the pairs (p_a, log p_a), over the support of p.
fn covariance(
    probabilities_and_logs: impl Iterator<Item = (f64, f64)>,
    z: ArrayView1<'_, f64>,
) -> f64 {
    let (mut cross, mut mean_log, mut mean_z) = (0.0, 0.0, 0.0);
    for ((pa, log_p), &za) in probabilities_and_logs.zip(z) {
        if pa > 0.0 {
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

/// Applies θ_h ← θ_h + η·direction_h to every stage of the softmax policy of which `before` is
/// the snapshot and records how the policy changed (`dH`, `cov_pred`, `kl`), averaging over
/// states with the snapshot's occupancy (and over the stages of a non-stationary policy).
pub fn ascend_and_record(
    policy: &mut [TabularSoftmax],
    before: &PolicySnapshot,
    direction: &[Array2<f64>],
    step_size: f64,
    record: &mut Record,
) {
    let stages = policy.len();
    let mut total = PolicyChange::default();
    for (h, (table, direction)) in policy.iter_mut().zip(direction).enumerate() {
        table.ascend(direction, step_size);
        let (after, after_logs) = table.probabilities_and_logs();
        let logit_change = direction * step_size;
        let change = PolicyChange::with_logs(
            (
                before.probabilities[h].view(),
                before.log_probabilities[h].view(),
            ),
            (after.view(), after_logs.view()),
            logit_change.view(),
            before.evaluation.stages[h].occupancy.view(),
        );
        if stages == 1 {
            total = change;
        } else {
            let share = 1.0 / stages as f64;
            total.entropy_change += share * change.entropy_change;
            total.entropy_change_prediction += share * change.entropy_change_prediction;
            total.kl += share * change.kl;
        }
    }
    total.record_into(record);
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

    /// The log-table form equals the probability form on random softmax policies, and keeps
    /// KL(π_t‖π_{t+1}) finite and exact where π_{t+1} underflows to 0.
    #[test]
    fn log_tables_match_the_probability_form() {
        use crate::world::generate::GarnetParams;
        let mdp = GarnetParams::default().build().unwrap();
        let shape = (mdp.n_states(), mdp.n_actions());
        let logits = Array2::from_shape_fn(shape, |(s, a)| (1.7 * s as f64 - a as f64).sin());
        let weights = ndarray::Array1::from_shape_fn(shape.0, |s| 1.0 + s as f64);
        for scale in [1e-3, 0.5, 3.0] {
            let mut policy = TabularSoftmax::from_logits(&mdp, logits.clone()).unwrap();
            let (p, log_p) = policy.probabilities_and_logs();
            let dz = Array2::from_shape_fn(shape, |(s, a)| scale * ((s + 2 * a) as f64).cos());
            policy.ascend(&dz, 1.0);
            let (q, log_q) = policy.probabilities_and_logs();
            let reference = PolicyChange::new(p.view(), q.view(), dz.view(), weights.view());
            let fast = PolicyChange::with_logs(
                (p.view(), log_p.view()),
                (q.view(), log_q.view()),
                dz.view(),
                weights.view(),
            );
            for (x, y) in [
                (fast.entropy_change, reference.entropy_change),
                (
                    fast.entropy_change_prediction,
                    reference.entropy_change_prediction,
                ),
                (fast.kl, reference.kl),
            ] {
                assert!(
                    (x - y).abs() <= 1e-12 * (1.0 + y.abs()),
                    "{x} vs {y} at scale {scale}"
                );
            }
        }
        let mut policy = TabularSoftmax::from_logits(&mdp, logits.clone()).unwrap();
        let (p, log_p) = policy.probabilities_and_logs();
        let mut dz = Array2::zeros(shape);
        dz[[0, 0]] = -2000.0;
        policy.ascend(&dz, 1.0);
        let (q, log_q) = policy.probabilities_and_logs();
        assert_eq!(q[[0, 0]], 0.0, "the probability underflows");
        let one = ndarray::Array1::from_shape_fn(shape.0, |s| if s == 0 { 1.0 } else { 0.0 });
        let fast = PolicyChange::with_logs(
            (p.view(), log_p.view()),
            (q.view(), log_q.view()),
            dz.view(),
            one.view(),
        );
        let expected = kl_of_logit_change(p.row(0), dz.row(0));
        assert!(fast.kl.is_finite() && (fast.kl - expected).abs() < 1e-9 * expected);
    }
}
