//! UCB1 (Auer, Cesa-Bianchi & Fischer 2002, "Finite-time analysis of the multiarmed bandit
//! problem", Machine Learning 47).
//!
//! Play every arm once; afterwards, in round t (counting all rounds played so far, t ≥ K), play
//!
//! ```text
//!     A_t = argmax_a  μ̂(a) + √(2 ln t / n(a)),
//! ```
//!
//! where n(a) is how often arm a was played and μ̂(a) the mean of its rewards. Optimism in the
//! face of uncertainty: the bonus is a Hoeffding confidence width, so an arm keeps being tried
//! until its upper confidence bound falls below the best arm's mean.
//!
//! Theorem 1 of the paper: for rewards in [0, 1] the expected pseudo-regret after T rounds is at
//! most 8 Σ_{a: Δ(a)>0} ln T / Δ(a) + (1 + π²/3) Σ_a Δ(a) — see [`Ucb1::regret_bound`].

use ndarray::ArrayView2;
use rand_chacha::ChaCha8Rng;

use super::catalogue::LearnerEntry;
use super::{BanditLearner, argmax};
use crate::core::checks::{require_arm, require_arms, require_unit_reward};
use crate::core::error::Result;

/// UCB1 for rewards in [0, 1].
#[derive(Debug, Clone, PartialEq)]
pub struct Ucb1 {
    counts: Vec<u64>,
    sums: Vec<f64>,
    rounds: u64,
}

impl Ucb1 {
    pub fn new(k: usize) -> Result<Self> {
        require_arms(k)?;
        Ok(Ucb1 {
            counts: vec![0; k],
            sums: vec![0.0; k],
            rounds: 0,
        })
    }

    /// The bound of Theorem 1 for horizon T and gaps Δ(a) (zero gaps are skipped in the first sum).
    pub fn regret_bound(gaps: &[f64], horizon: usize) -> f64 {
        let log_t = (horizon as f64).ln();
        let c = 1.0 + std::f64::consts::PI.powi(2) / 3.0;
        gaps.iter()
            .filter(|&&g| g > 0.0)
            .map(|g| 8.0 * log_t / g + c * g)
            .sum()
    }

    /// How often each arm was played.
    pub fn counts(&self) -> &[u64] {
        &self.counts
    }
}

impl BanditLearner for Ucb1 {
    fn name(&self) -> &'static str {
        "ucb1"
    }

    fn n_arms(&self) -> usize {
        self.counts.len()
    }

    fn select(
        &mut self,
        _context: Option<ArrayView2<'_, f64>>,
        _rng: &mut ChaCha8Rng,
    ) -> Result<usize> {
        if let Some(arm) = self.counts.iter().position(|&n| n == 0) {
            return Ok(arm);
        }
        let log_t = (self.rounds as f64).ln();
        let index = self
            .counts
            .iter()
            .zip(&self.sums)
            .map(|(&n, &s)| s / n as f64 + (2.0 * log_t / n as f64).sqrt());
        // K ≥ 2 and every index is finite (every count is positive here), so argmax exists.
        Ok(argmax(index).unwrap_or(0))
    }

    fn update(&mut self, arm: usize, reward: f64) -> Result<()> {
        require_arm(arm, self.counts.len())?;
        require_unit_reward(reward)?;
        self.counts[arm] += 1;
        self.sums[arm] += reward;
        self.rounds += 1;
        Ok(())
    }
}

/// The catalogue entry.
pub fn entry() -> LearnerEntry {
    LearnerEntry {
        name: "ucb1",
        summary: "UCB1: the arm with the largest mean + √(2 ln t / n) (Auer, Cesa-Bianchi & Fischer 2002)",
        parameters: vec![],
        needs_unit_rewards: false,
        build: |_, arms, _| Ok(Box::new(Ucb1::new(arms)?)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bandit::{BernoulliBandit, run_bandit};

    #[test]
    fn plays_each_arm_once_first_then_mostly_the_best() {
        let mut env = BernoulliBandit::new(vec![0.2, 0.9, 0.5]).unwrap();
        let mut learner = Ucb1::new(3).unwrap();
        let run = run_bandit(&mut env, &mut learner, 3000, 1).unwrap();
        let mut first = run.arms[..3].to_vec();
        first.sort_unstable();
        assert_eq!(first, vec![0, 1, 2]);
        assert!(learner.counts()[1] > 2500, "{:?}", learner.counts());
        assert!(learner.update(0, 1.5).is_err());
        assert!(learner.update(3, 1.0).is_err());
        assert!(Ucb1::new(1).is_err());
    }

    #[test]
    fn bound_of_theorem_one() {
        // 8 ln(100) / 0.5 + (1 + π²/3) · 0.5
        let expected = 16.0 * 100f64.ln() + 0.5 * (1.0 + std::f64::consts::PI.powi(2) / 3.0);
        assert!((Ucb1::regret_bound(&[0.0, 0.5], 100) - expected).abs() < 1e-12);
    }
}
