//! Thompson sampling (Thompson 1933; analysed by Agrawal & Goyal 2012, "Analysis of Thompson
//! sampling for the multi-armed bandit problem", COLT, and Agrawal & Goyal 2013, "Further optimal
//! regret bounds for Thompson sampling", AISTATS).
//!
//! Keep a posterior over each arm's mean, draw one sample θ(a) from every posterior, and play
//! argmax_a θ(a): each arm is played with the posterior probability that it is the best.
//!
//! - [`BetaThompson`]: prior Beta(1, 1) per arm; after S(a) successes and F(a) failures the
//!   posterior is Beta(1 + S(a), 1 + F(a)). For a reward r ∈ [0, 1] that is not 0 or 1 the counts
//!   grow by r and 1 − r (a fractional pseudo-count; Agrawal & Goyal instead flip a coin with
//!   bias r, which needs randomness in the update). Bernoulli rewards make the two identical.
//!   Agrawal & Goyal (2013) show this matches the Lai–Robbins lower bound asymptotically:
//!   regret ≤ (1 + ε) Σ_{Δ(a)>0} Δ(a) ln T / KL(μ(a), μ*) + O(K/ε²).
//! - [`GaussianThompson`]: rewards N(μ(a), σ²) with σ known; prior N(0, σ²) per arm, so after
//!   n(a) pulls with reward sum s(a) the posterior is N(s(a)/(n(a)+1), σ²/(n(a)+1)) — the
//!   Gaussian version of Agrawal & Goyal (2013) with the noise scale made explicit.

use ndarray::ArrayView2;
use rand_chacha::ChaCha8Rng;
use rand_distr::{Beta, Distribution, StandardNormal};

use super::catalogue::LearnerEntry;
use super::{BanditLearner, argmax};
use crate::core::checks::{
    require_arm, require_arms, require_finite_reward, require_positive, require_unit_reward,
};
use crate::core::error::{Error, Result};
use crate::core::parameters::parameter;

/// Beta–Bernoulli Thompson sampling for rewards in [0, 1].
#[derive(Debug, Clone, PartialEq)]
pub struct BetaThompson {
    successes: Vec<f64>,
    failures: Vec<f64>,
}

impl BetaThompson {
    pub fn new(k: usize) -> Result<Self> {
        require_arms(k)?;
        Ok(BetaThompson {
            successes: vec![0.0; k],
            failures: vec![0.0; k],
        })
    }

    /// The posterior Beta(α, β) parameters of every arm.
    pub fn posteriors(&self) -> Vec<(f64, f64)> {
        self.successes
            .iter()
            .zip(&self.failures)
            .map(|(s, f)| (1.0 + s, 1.0 + f))
            .collect()
    }
}

impl BanditLearner for BetaThompson {
    fn name(&self) -> &'static str {
        "thompson_beta"
    }

    fn n_arms(&self) -> usize {
        self.successes.len()
    }

    fn select(
        &mut self,
        _context: Option<ArrayView2<'_, f64>>,
        rng: &mut ChaCha8Rng,
    ) -> Result<usize> {
        let mut best = (0, f64::NEG_INFINITY);
        for (arm, (s, f)) in self.successes.iter().zip(&self.failures).enumerate() {
            let (a, b) = (1.0 + s, 1.0 + f);
            let beta = Beta::new(a, b).map_err(|e| Error::Numerical {
                origin: "thompson_beta".into(),
                detail: format!("posterior Beta({a}, {b}): {e}"),
            })?;
            let sample = beta.sample(rng);
            if sample > best.1 {
                best = (arm, sample);
            }
        }
        Ok(best.0)
    }

    fn update(&mut self, arm: usize, reward: f64) -> Result<()> {
        require_arm(arm, self.successes.len())?;
        require_unit_reward(reward)?;
        self.successes[arm] += reward;
        self.failures[arm] += 1.0 - reward;
        Ok(())
    }
}

/// Gaussian Thompson sampling with known noise σ.
#[derive(Debug, Clone, PartialEq)]
pub struct GaussianThompson {
    sigma: f64,
    counts: Vec<f64>,
    sums: Vec<f64>,
}

impl GaussianThompson {
    pub fn new(k: usize, sigma: f64) -> Result<Self> {
        require_arms(k)?;
        require_positive("sigma", sigma)?;
        Ok(GaussianThompson {
            sigma,
            counts: vec![0.0; k],
            sums: vec![0.0; k],
        })
    }

    /// The posterior (mean, standard deviation) of every arm.
    pub fn posteriors(&self) -> Vec<(f64, f64)> {
        self.counts
            .iter()
            .zip(&self.sums)
            .map(|(n, s)| (s / (n + 1.0), self.sigma / (n + 1.0).sqrt()))
            .collect()
    }
}

impl BanditLearner for GaussianThompson {
    fn name(&self) -> &'static str {
        "thompson_gaussian"
    }

    fn n_arms(&self) -> usize {
        self.counts.len()
    }

    fn select(
        &mut self,
        _context: Option<ArrayView2<'_, f64>>,
        rng: &mut ChaCha8Rng,
    ) -> Result<usize> {
        let samples = self.posteriors().into_iter().map(|(m, s)| {
            let z: f64 = StandardNormal.sample(rng);
            m + s * z
        });
        // K ≥ 2 samples, so argmax exists.
        Ok(argmax(samples.collect::<Vec<_>>()).unwrap_or(0))
    }

    fn update(&mut self, arm: usize, reward: f64) -> Result<()> {
        require_arm(arm, self.counts.len())?;
        require_finite_reward(reward)?;
        self.counts[arm] += 1.0;
        self.sums[arm] += reward;
        Ok(())
    }
}

/// The catalogue entry of Beta–Bernoulli Thompson sampling.
pub fn entry() -> LearnerEntry {
    LearnerEntry {
        name: "thompson",
        summary: "Thompson sampling with Beta(1, 1) priors on Bernoulli rewards (Agrawal & Goyal 2012)",
        parameters: vec![],
        needs_unit_rewards: true,
        build: |_, arms, _| Ok(Box::new(BetaThompson::new(arms)?)),
    }
}

/// The catalogue entry of Gaussian Thompson sampling.
pub fn gaussian_entry() -> LearnerEntry {
    LearnerEntry {
        name: "gaussian-thompson",
        summary: "Thompson sampling with Gaussian posteriors for Gaussian rewards",
        parameters: vec![parameter("sigma", 1.0, "assumed reward standard deviation")],
        needs_unit_rewards: false,
        build: |values, arms, _| Ok(Box::new(GaussianThompson::new(arms, values.real("sigma"))?)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bandit::{GaussianBandit, run_bandit};

    #[test]
    fn posteriors_follow_the_conjugate_updates() {
        let mut beta = BetaThompson::new(2).unwrap();
        for r in [1.0, 0.0, 1.0] {
            beta.update(1, r).unwrap();
        }
        assert_eq!(beta.posteriors(), vec![(1.0, 1.0), (3.0, 2.0)]);
        assert!(beta.update(0, -0.1).is_err());

        let mut gauss = GaussianThompson::new(2, 2.0).unwrap();
        gauss.update(0, 3.0).unwrap();
        let (m, s) = gauss.posteriors()[0];
        assert!((m - 1.5).abs() < 1e-15 && (s - 2.0 / 2f64.sqrt()).abs() < 1e-15);
        assert!(GaussianThompson::new(2, -1.0).is_err());
    }

    #[test]
    fn gaussian_thompson_finds_the_best_arm() {
        let mut env = GaussianBandit::new(vec![0.0, 1.0, 0.5], 1.0).unwrap();
        let mut learner = GaussianThompson::new(3, 1.0).unwrap();
        let run = run_bandit(&mut env, &mut learner, 5000, 4).unwrap();
        let best = run.arms[2500..].iter().filter(|&&a| a == 1).count();
        assert!(
            best > 2300,
            "best arm played {best} of the last 2500 rounds"
        );
        // Gaps 1 and 0.5: logarithmic regret stays far below the linear 0.5·T.
        assert!(run.regret_after(5000) < 150.0, "{}", run.regret_after(5000));
    }
}
