//! K-armed stochastic bandits: each arm a has a fixed reward distribution with mean μ(a), and
//! every pull draws a fresh reward independently of the past (Robbins 1952, "Some aspects of the
//! sequential design of experiments"; Lai & Robbins 1985, "Asymptotically efficient adaptive
//! allocation rules").
//!
//! - [`BernoulliBandit`]: reward 1 with probability μ(a), else 0; μ(a) ∈ [0, 1].
//! - [`GaussianBandit`]: reward ~ N(μ(a), σ²) with one known σ > 0 for all arms.
//!
//! The comparator of the pseudo-regret is the best arm, μ* = max_a μ(a), the same every round.
//! Each pull uses exactly one uniform (Bernoulli) or one normal (Gaussian) draw whatever the arm,
//! so two learners run on the same environment stream see the same noise sequence.

use rand::RngExt;
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, StandardNormal};

use super::BanditEnvironment;
use crate::core::checks::{require_arms, require_positive};
use crate::core::error::{Error, Result};

/// Checks the means of a stochastic bandit: at least two, finite, and (for Bernoulli) in [0, 1].
fn check_means(means: &[f64], unit_interval: bool) -> Result<()> {
    require_arms(means.len())?;
    for (a, &m) in means.iter().enumerate() {
        let ok = m.is_finite() && (!unit_interval || (0.0..=1.0).contains(&m));
        if !ok {
            let expected = if unit_interval {
                "Bernoulli means must lie in [0, 1]"
            } else {
                "means must be finite"
            };
            return Err(Error::invalid(
                format!("means[{a}]"),
                format!("found {m}"),
                expected,
            ));
        }
    }
    Ok(())
}

fn best(means: &[f64]) -> f64 {
    means.iter().copied().fold(f64::NEG_INFINITY, f64::max)
}

/// Arms with Bernoulli rewards.
#[derive(Debug, Clone, PartialEq)]
pub struct BernoulliBandit {
    means: Vec<f64>,
    best: f64,
}

impl BernoulliBandit {
    /// Arms with success probabilities `means` (K ≥ 2, each in [0, 1]).
    pub fn new(means: Vec<f64>) -> Result<Self> {
        check_means(&means, true)?;
        let best = best(&means);
        Ok(BernoulliBandit { means, best })
    }

    /// The gaps Δ(a) = μ* − μ(a).
    pub fn gaps(&self) -> Vec<f64> {
        self.means.iter().map(|m| self.best - m).collect()
    }

    /// The exact reward distribution of each arm as (value, probability) pairs.
    pub fn outcomes(&self) -> Vec<Vec<(f64, f64)>> {
        self.means
            .iter()
            .map(|&m| vec![(1.0, m), (0.0, 1.0 - m)])
            .collect()
    }
}

impl BanditEnvironment for BernoulliBandit {
    fn n_arms(&self) -> usize {
        self.means.len()
    }

    fn means(&self) -> &[f64] {
        &self.means
    }

    fn benchmark(&self) -> f64 {
        self.best
    }

    fn pull(&mut self, arm: usize, rng: &mut ChaCha8Rng) -> f64 {
        let u: f64 = rng.random();
        if u < self.means[arm] { 1.0 } else { 0.0 }
    }
}

/// Arms with Gaussian rewards of one known standard deviation σ.
#[derive(Debug, Clone, PartialEq)]
pub struct GaussianBandit {
    means: Vec<f64>,
    sigma: f64,
    best: f64,
}

impl GaussianBandit {
    /// Arms with means `means` (K ≥ 2, finite) and noise standard deviation `sigma` > 0.
    pub fn new(means: Vec<f64>, sigma: f64) -> Result<Self> {
        check_means(&means, false)?;
        require_positive("sigma", sigma)?;
        let best = best(&means);
        Ok(GaussianBandit { means, sigma, best })
    }

    pub fn sigma(&self) -> f64 {
        self.sigma
    }

    /// The gaps Δ(a) = μ* − μ(a).
    pub fn gaps(&self) -> Vec<f64> {
        self.means.iter().map(|m| self.best - m).collect()
    }
}

impl BanditEnvironment for GaussianBandit {
    fn n_arms(&self) -> usize {
        self.means.len()
    }

    fn means(&self) -> &[f64] {
        &self.means
    }

    fn benchmark(&self) -> f64 {
        self.best
    }

    fn pull(&mut self, arm: usize, rng: &mut ChaCha8Rng) -> f64 {
        gaussian_reward(self.means[arm], self.sigma, rng)
    }
}

/// mean + σ·z with z ~ N(0, 1): the reward of a Gaussian arm (also the linear bandit's noise).
pub fn gaussian_reward(mean: f64, sigma: f64, rng: &mut ChaCha8Rng) -> f64 {
    let z: f64 = StandardNormal.sample(rng);
    mean + sigma * z
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    #[test]
    fn bad_parameters_are_named() {
        let message = BernoulliBandit::new(vec![0.5, 1.2])
            .unwrap_err()
            .to_string();
        assert!(
            message.contains("means[1]") && message.contains("[0, 1]"),
            "{message}"
        );
        let message = BernoulliBandit::new(vec![0.5]).unwrap_err().to_string();
        assert!(message.contains("at least 2 arms"), "{message}");
        let message = GaussianBandit::new(vec![0.0, 1.0], 0.0)
            .unwrap_err()
            .to_string();
        assert!(message.contains("sigma"), "{message}");
        assert!(GaussianBandit::new(vec![f64::NAN, 1.0], 1.0).is_err());
    }

    #[test]
    fn rewards_have_the_stated_means() {
        let mut rng = ChaCha8Rng::seed_from_u64(3);
        let mut bernoulli = BernoulliBandit::new(vec![0.2, 0.7]).unwrap();
        let mut gaussian = GaussianBandit::new(vec![-1.0, 2.0], 0.5).unwrap();
        let n = 20_000;
        for arm in 0..2 {
            let b: f64 = (0..n).map(|_| bernoulli.pull(arm, &mut rng)).sum::<f64>() / n as f64;
            let g: f64 = (0..n).map(|_| gaussian.pull(arm, &mut rng)).sum::<f64>() / n as f64;
            let m = bernoulli.means()[arm];
            assert!((b - m).abs() < 4.0 * (m * (1.0 - m) / n as f64).sqrt());
            assert!((g - gaussian.means()[arm]).abs() < 4.0 * 0.5 / (n as f64).sqrt());
        }
        let gaps = bernoulli.gaps();
        assert!((gaps[0] - 0.5).abs() < 1e-15 && gaps[1] == 0.0);
    }
}
