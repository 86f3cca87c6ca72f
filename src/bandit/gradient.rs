//! The gradient bandit: stochastic softmax policy gradient (REINFORCE) on a one-state problem
//! (Sutton & Barto 2018, "Reinforcement Learning: An Introduction", 2nd ed., §2.8; Williams 1992,
//! "Simple statistical gradient-following algorithms for connectionist reinforcement learning").
//!
//! Preferences H(a) define the policy π(a) = exp H(a) / Σ_b exp H(b). After playing A_t ~ π_t and
//! receiving R_t, every preference moves by
//!
//! ```text
//!     H_{t+1}(a) = H_t(a) + α (R_t − b_t) (1[a = A_t] − π_t(a)).
//! ```
//!
//! Since ∂ log π(A)/∂H(a) = 1[a = A] − π(a), the expected step is α times the exact gradient of the
//! expected reward J(H) = Σ_b π(b) μ(b):
//!
//! ```text
//!     E[(R − b)(1[a = A] − π(a))] = π(a) (μ(a) − J)   for any b not depending on A_t,
//! ```
//!
//! because Σ_A π(A)(1[a = A] − π(a)) = 0 makes a constant baseline drop out of the mean. The
//! baseline changes only the variance. [`Baseline::Average`] uses the average of the rewards
//! *before* round t (Sutton & Barto's R̄_t; R̄_1 = R_1, so the first step is zero), which depends
//! on the past only and keeps the step unbiased; [`Baseline::None`] uses b = 0.

use ndarray::{Array1, ArrayView2};
use rand_chacha::ChaCha8Rng;

use super::BanditLearner;
use super::catalogue::{LearnerEntry, flag};
use crate::core::checks::{require_arm, require_arms, require_finite_reward, require_positive};
use crate::core::error::{Error, Result};
use crate::core::parameters::parameter;
use crate::policy::softmax::softmax_row;
use crate::world::sample::sample_index;

/// Which baseline b_t the update subtracts from the reward.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Baseline {
    /// b_t = 0: plain REINFORCE.
    None,
    /// b_t = average reward of the rounds before t (R̄_1 = R_1).
    Average,
}

/// Softmax policy gradient on the arms' preferences.
#[derive(Debug, Clone, PartialEq)]
pub struct GradientBandit {
    step: f64,
    baseline: Baseline,
    preferences: Array1<f64>,
    probabilities: Array1<f64>,
    allowed: Vec<bool>,
    reward_sum: f64,
    rounds: u64,
}

impl GradientBandit {
    /// `k` ≥ 2 arms, step size α > 0, uniform start H = 0.
    pub fn new(k: usize, step: f64, baseline: Baseline) -> Result<Self> {
        require_arms(k)?;
        Self::with_preferences(Array1::zeros(k), step, baseline)
    }

    /// Starts from given finite preferences.
    pub fn with_preferences(
        preferences: Array1<f64>,
        step: f64,
        baseline: Baseline,
    ) -> Result<Self> {
        require_arms(preferences.len())?;
        require_positive("step", step)?;
        if let Some((a, h)) = preferences.iter().enumerate().find(|(_, h)| !h.is_finite()) {
            return Err(Error::invalid(
                format!("preferences[{a}]"),
                format!("found {h}"),
                "preferences must be finite",
            ));
        }
        let k = preferences.len();
        let allowed = vec![true; k];
        let mut probabilities = Array1::zeros(k);
        softmax_row(preferences.view(), &allowed, probabilities.view_mut());
        Ok(GradientBandit {
            step,
            baseline,
            preferences,
            probabilities,
            allowed,
            reward_sum: 0.0,
            rounds: 0,
        })
    }

    pub fn preferences(&self) -> &Array1<f64> {
        &self.preferences
    }

    /// π(a) at the current preferences.
    pub fn probabilities(&self) -> &Array1<f64> {
        &self.probabilities
    }

    /// The baseline the next update would subtract, given that round's reward (used only for the
    /// first round of [`Baseline::Average`], where R̄_1 = R_1).
    pub fn baseline_for(&self, reward: f64) -> f64 {
        match self.baseline {
            Baseline::None => 0.0,
            Baseline::Average if self.rounds == 0 => reward,
            Baseline::Average => self.reward_sum / self.rounds as f64,
        }
    }

    /// The update direction (R − b)(e_A − π), without the step size and without changing state.
    pub fn direction(&self, arm: usize, reward: f64) -> Array1<f64> {
        let b = self.baseline_for(reward);
        let mut d = self.probabilities.mapv(|p| -(reward - b) * p);
        d[arm] += reward - b;
        d
    }

    /// The exact expected step E[α (R − b)(e_A − π)] for a fixed baseline `b`, enumerating every
    /// arm A ~ π and every outcome of its reward distribution, given as (value, probability) pairs
    /// per arm.
    pub fn expected_step(&self, outcomes: &[Vec<(f64, f64)>], b: f64) -> Result<Array1<f64>> {
        let k = self.preferences.len();
        if outcomes.len() != k {
            return Err(Error::invalid(
                "outcomes",
                format!("found {} arms", outcomes.len()),
                format!("expected {k}"),
            ));
        }
        let mut mean = Array1::zeros(k);
        for (arm, (&p_arm, arm_outcomes)) in self.probabilities.iter().zip(outcomes).enumerate() {
            for &(r, p_r) in arm_outcomes {
                let weight = self.step * p_arm * p_r * (r - b);
                for (a, m) in mean.iter_mut().enumerate() {
                    let indicator = if a == arm { 1.0 } else { 0.0 };
                    *m += weight * (indicator - self.probabilities[a]);
                }
            }
        }
        Ok(mean)
    }

    /// The exact gradient ∂J/∂H(a) = π(a) (μ(a) − Σ_b π(b) μ(b)) of J(H) = Σ_b π(b) μ(b).
    pub fn exact_gradient(&self, means: &[f64]) -> Array1<f64> {
        let j: f64 = self
            .probabilities
            .iter()
            .zip(means)
            .map(|(p, m)| p * m)
            .sum();
        Array1::from_iter(
            self.probabilities
                .iter()
                .zip(means)
                .map(|(p, m)| p * (m - j)),
        )
    }
}

impl BanditLearner for GradientBandit {
    fn name(&self) -> &'static str {
        match self.baseline {
            Baseline::None => "gradient_bandit",
            Baseline::Average => "gradient_bandit_baseline",
        }
    }

    fn n_arms(&self) -> usize {
        self.preferences.len()
    }

    fn select(
        &mut self,
        _context: Option<ArrayView2<'_, f64>>,
        rng: &mut ChaCha8Rng,
    ) -> Result<usize> {
        Ok(sample_index(self.probabilities.iter().copied(), rng))
    }

    fn update(&mut self, arm: usize, reward: f64) -> Result<()> {
        require_arm(arm, self.preferences.len())?;
        require_finite_reward(reward)?;
        let d = self.direction(arm, reward);
        self.preferences.scaled_add(self.step, &d);
        self.reward_sum += reward;
        self.rounds += 1;
        softmax_row(
            self.preferences.view(),
            &self.allowed,
            self.probabilities.view_mut(),
        );
        Ok(())
    }
}

/// The catalogue entry.
pub fn entry() -> LearnerEntry {
    LearnerEntry {
        name: "gradient-bandit",
        summary: "stochastic softmax PG on the arms, the gradient bandit (Sutton & Barto 2018, §2.8)",
        parameters: vec![
            parameter("step_size", 0.1, "step size α"),
            parameter(
                "baseline",
                1.0,
                "1: the average of past rewards; 0: no baseline",
            ),
        ],
        needs_unit_rewards: false,
        build: |values, arms, _| {
            let baseline = if flag("baseline", values.real("baseline"))? {
                Baseline::Average
            } else {
                Baseline::None
            };
            Ok(Box::new(GradientBandit::new(
                arms,
                values.real("step_size"),
                baseline,
            )?))
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn update_follows_the_formula() {
        let mut learner =
            GradientBandit::with_preferences(ndarray::arr1(&[0.0, 1.0, -1.0]), 0.5, Baseline::None)
                .unwrap();
        let pi = learner.probabilities().clone();
        learner.update(1, 0.8).unwrap();
        for a in 0..3 {
            let indicator = if a == 1 { 1.0 } else { 0.0 };
            let h0 = [0.0, 1.0, -1.0][a];
            let expected = h0 + 0.5 * 0.8 * (indicator - pi[a]);
            assert!((learner.preferences()[a] - expected).abs() < 1e-15);
        }
    }

    #[test]
    fn average_baseline_excludes_the_current_reward() {
        let mut learner = GradientBandit::new(2, 0.1, Baseline::Average).unwrap();
        assert_eq!(learner.baseline_for(0.7), 0.7);
        learner.update(0, 0.7).unwrap();
        assert_eq!(learner.preferences(), &ndarray::arr1(&[0.0, 0.0]));
        learner.update(1, 0.1).unwrap();
        assert!((learner.baseline_for(5.0) - 0.4).abs() < 1e-15);
        assert!(GradientBandit::new(2, 0.0, Baseline::None).is_err());
    }
}
