//! Tsallis-INF with power α = 1/2 (Zimmert & Seldin 2021, "Tsallis-INF: an optimal algorithm for
//! stochastic and adversarial bandits", JMLR 22(28)), an online-mirror-descent learner that is
//! optimal in both worlds without knowing which one it is in or the horizon.
//!
//! It works with losses ℓ = 1 − reward ∈ [0, 1] and their cumulative estimates L̂_{t−1}(i). In
//! round t = 1, 2, … with learning rate η_t it plays the minimiser over the simplex of
//! ⟨w, L̂_{t−1}⟩ − (4/η_t) Σ_i √w_i, whose stationarity condition gives
//!
//! ```text
//!     w_t(i) = 4 (η_t (L̂_{t−1}(i) − x))^{−2},   x < min_i L̂_{t−1}(i) chosen so Σ_i w_t(i) = 1.
//! ```
//!
//! [`tsallis_weights`] finds the normaliser x by Newton's method on f(x) = Σ_i w(i; x) − 1, which
//! is increasing and convex on x < min L̂ with df/dx = η Σ_i w(i)^{3/2}. It starts at
//! x₀ = min L̂ − 2/η, where the leading arm alone has weight 1 so f(x₀) ≥ 0; from the right of the
//! root of a convex increasing function Newton's steps decrease monotonically to the root without
//! overshooting (the root lies in [min L̂ − 2√K/η, min L̂ − 2/η]).
//!
//! Loss estimates after playing I_t:
//! - importance weighting (IW): ℓ̂_t(i) = 1[I_t = i] ℓ_t(i) / w_t(i), with η_t = 2/√t;
//! - reduced variance (RV): ℓ̂_t(i) = 1[I_t = i] (ℓ_t(i) − B_t(i)) / w_t(i) + B_t(i) with the
//!   baseline B_t(i) = ½·1[w_t(i) ≥ η_t²], with η_t = 4/√t. Still unbiased; the baseline cuts the
//!   variance of the estimate for arms played with large probability.
//!
//! These are the pairings of the paper's Theorem 1, which bounds the pseudo-regret by
//! 4√(KT) + 1 against any oblivious adversary and by O(Σ_{Δ(i)>0} ln T / Δ(i)) on stochastic
//! bandits with a unique best arm.

use ndarray::ArrayView2;
use rand_chacha::ChaCha8Rng;

use super::BanditLearner;
use super::catalogue::{LearnerEntry, flag};
use crate::core::checks::{require_arm, require_arms, require_positive, require_unit_reward};
use crate::core::error::{Error, Result};
use crate::core::parameters::parameter;
use crate::world::sample::sample_index;

/// The loss estimator (and with it the learning rate) of Tsallis-INF.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Estimator {
    /// Importance weighting, η_t = 2/√t.
    ImportanceWeighted,
    /// Reduced variance with baseline ½·1[w ≥ η_t²], η_t = 4/√t.
    ReducedVariance,
}

impl Estimator {
    /// η_t for round t ≥ 1.
    pub fn learning_rate(self, t: u64) -> f64 {
        let c = match self {
            Estimator::ImportanceWeighted => 2.0,
            Estimator::ReducedVariance => 4.0,
        };
        c / (t as f64).sqrt()
    }
}

/// Writes the Tsallis-INF weights w(i) = 4 (η (L(i) − x))^{−2}, normalised to sum to 1, into
/// `out` (same length as `losses`, at least one entry; finite losses; η > 0).
pub fn tsallis_weights(losses: &[f64], eta: f64, out: &mut [f64]) -> Result<()> {
    require_positive("eta", eta)?;
    if losses.is_empty() || out.len() != losses.len() || losses.iter().any(|l| !l.is_finite()) {
        return Err(Error::invalid(
            "losses",
            format!("found {} losses for {} weights", losses.len(), out.len()),
            "expected the same non-zero number of finite losses and weights",
        ));
    }
    let min = losses.iter().copied().fold(f64::INFINITY, f64::min);
    let mut x = min - 2.0 / eta;
    let mut total = 0.0;
    for _ in 0..200 {
        total = 0.0;
        let mut slope = 0.0;
        for (w, &l) in out.iter_mut().zip(losses) {
            let gap = eta * (l - x);
            *w = 4.0 / (gap * gap);
            total += *w;
            slope += eta * *w * w.sqrt();
        }
        let step = (total - 1.0) / slope;
        // From the right of the root the steps are positive and shrink quadratically; a step that
        // no longer moves x (or turns negative from rounding) means x is as exact as it gets.
        if (total - 1.0).abs() <= 1e-15 || step <= 0.0 || x - step == x {
            break;
        }
        x -= step;
    }
    if !(total.is_finite() && (total - 1.0).abs() <= 1e-9) {
        return Err(Error::Numerical {
            origin: "tsallis_inf".into(),
            detail: format!("Newton's method left the weights summing to {total}"),
        });
    }
    for w in out.iter_mut() {
        *w /= total;
    }
    Ok(())
}

/// Tsallis-INF (α = 1/2) for rewards in [0, 1].
#[derive(Debug, Clone, PartialEq)]
pub struct TsallisInf {
    estimator: Estimator,
    cumulative_losses: Vec<f64>,
    weights: Vec<f64>,
    /// Rounds started so far (the current round's t, 1-based, after `select`).
    round: u64,
}

impl TsallisInf {
    pub fn new(k: usize, estimator: Estimator) -> Result<Self> {
        require_arms(k)?;
        Ok(TsallisInf {
            estimator,
            cumulative_losses: vec![0.0; k],
            weights: vec![1.0 / k as f64; k],
            round: 0,
        })
    }

    /// The distribution the last `select` sampled from.
    pub fn weights(&self) -> &[f64] {
        &self.weights
    }

    /// The cumulative loss estimates L̂.
    pub fn cumulative_losses(&self) -> &[f64] {
        &self.cumulative_losses
    }

    /// 4√(KT) + 1, the adversarial bound of Zimmert & Seldin (2021), Theorem 1.
    pub fn adversarial_bound(k: usize, horizon: usize) -> f64 {
        4.0 * ((k * horizon) as f64).sqrt() + 1.0
    }
}

impl BanditLearner for TsallisInf {
    fn name(&self) -> &'static str {
        "tsallis_inf"
    }

    fn n_arms(&self) -> usize {
        self.weights.len()
    }

    fn select(
        &mut self,
        _context: Option<ArrayView2<'_, f64>>,
        rng: &mut ChaCha8Rng,
    ) -> Result<usize> {
        self.round += 1;
        let eta = self.estimator.learning_rate(self.round);
        tsallis_weights(&self.cumulative_losses, eta, &mut self.weights)?;
        Ok(sample_index(self.weights.iter().copied(), rng))
    }

    fn update(&mut self, arm: usize, reward: f64) -> Result<()> {
        require_arm(arm, self.weights.len())?;
        require_unit_reward(reward)?;
        let loss = 1.0 - reward;
        let eta = self.estimator.learning_rate(self.round.max(1));
        for (i, (l, &w)) in self
            .cumulative_losses
            .iter_mut()
            .zip(&self.weights)
            .enumerate()
        {
            let baseline = match self.estimator {
                Estimator::ReducedVariance if w >= eta * eta => 0.5,
                _ => 0.0,
            };
            let played = if i == arm { (loss - baseline) / w } else { 0.0 };
            *l += played + baseline;
        }
        Ok(())
    }
}

/// The catalogue entry.
pub fn entry() -> LearnerEntry {
    LearnerEntry {
        name: "tsallis-inf",
        summary: "Tsallis-INF with the ½-Tsallis regularizer, best of both worlds (Zimmert & Seldin 2021)",
        parameters: vec![parameter(
            "estimator",
            0.0,
            "0: importance weighted (η_t = 2/√t); 1: reduced variance (η_t = 4/√t)",
        )],
        needs_unit_rewards: true,
        build: |values, arms, _| {
            let estimator = if flag("estimator", values.real("estimator"))? {
                Estimator::ReducedVariance
            } else {
                Estimator::ImportanceWeighted
            };
            Ok(Box::new(TsallisInf::new(arms, estimator)?))
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn weights_sum_to_one_and_favour_small_losses() {
        for (losses, eta) in [
            (vec![0.0, 0.0, 0.0, 0.0], 1.0),
            (vec![3.0, 10.0, 50.0, 3.5, 200.0], 0.05),
            (vec![1e4, 1e4 + 30.0, 2e4], 4.0 / 1e3),
            (vec![0.0, 1e6], 4.0),
        ] {
            let mut w = vec![0.0; losses.len()];
            tsallis_weights(&losses, eta, &mut w).unwrap();
            assert!((w.iter().sum::<f64>() - 1.0).abs() <= 1e-12, "{w:?}");
            for i in 0..losses.len() {
                for j in 0..losses.len() {
                    if losses[i] < losses[j] {
                        assert!(w[i] > w[j]);
                    }
                }
            }
        }
    }

    #[test]
    fn two_arm_weights_match_the_closed_form() {
        // For two arms with weights (p, 1 − p), the normaliser solves 2/(η(L₁ − x)) = √p and
        // 2/(η(L₂ − x)) = √(1 − p), so L₂ − L₁ = (2/η)(1/√(1 − p) − 1/√p). Pick p, build the
        // losses, and recover p.
        for (p, eta) in [(0.5, 1.0), (0.8, 0.3), (0.99, 2.0), (0.999_9, 0.01)] {
            let gap = 2.0 / eta * (1.0 / f64::sqrt(1.0 - p) - 1.0 / f64::sqrt(p));
            let losses = [7.0, 7.0 + gap];
            let mut w = [0.0; 2];
            tsallis_weights(&losses, eta, &mut w).unwrap();
            assert!((w[0] - p).abs() < 1e-12, "p = {p}: {w:?}");
            assert!((w[1] - (1.0 - p)).abs() < 1e-12, "p = {p}: {w:?}");
        }
    }

    #[test]
    fn reduced_variance_estimate_is_unbiased() {
        // E[ℓ̂(i)] over I ~ w equals ℓ(i) for a fixed loss vector, for both estimators.
        let losses = [0.3, 0.9, 0.1];
        for estimator in [Estimator::ImportanceWeighted, Estimator::ReducedVariance] {
            let mut base = TsallisInf::new(3, estimator).unwrap();
            base.cumulative_losses = vec![2.0, 40.0, 6.0];
            base.round = 400;
            let eta = estimator.learning_rate(400);
            tsallis_weights(&base.cumulative_losses.clone(), eta, &mut base.weights).unwrap();
            if estimator == Estimator::ReducedVariance {
                // Both branches of the baseline B(i) = ½·1[w(i) ≥ η²] are exercised.
                let on = base.weights.iter().filter(|&&w| w >= eta * eta).count();
                assert!(on > 0 && on < 3, "{:?} vs η² = {}", base.weights, eta * eta);
            }
            let mut mean = [0.0; 3];
            for (arm, &p) in base.weights.clone().iter().enumerate() {
                let mut next = base.clone();
                next.update(arm, 1.0 - losses[arm]).unwrap();
                for (m, (after, before)) in mean
                    .iter_mut()
                    .zip(next.cumulative_losses.iter().zip(&base.cumulative_losses))
                {
                    *m += p * (after - before);
                }
            }
            for (m, l) in mean.iter().zip(losses) {
                assert!((m - l).abs() < 1e-12, "{estimator:?}: {mean:?}");
            }
        }
    }
}
