//! EXP3, exponential weights for exploration and exploitation (Auer, Cesa-Bianchi, Freund &
//! Schapire 2002, "The nonstochastic multiarmed bandit problem", SIAM J. Computing 32), in the
//! form without uniform mixing analysed by Lattimore & Szepesvári (2020, "Bandit Algorithms",
//! ch. 11).
//!
//! Keep an estimate Ŝ(a) of every arm's total reward so far and play
//!
//! ```text
//!     P_t(a) = exp(η Ŝ_{t−1}(a)) / Σ_b exp(η Ŝ_{t−1}(b)).
//! ```
//!
//! After playing A_t and seeing X_t ∈ [0, 1], every arm's estimate moves by the importance-weighted
//! estimator written through the loss 1 − X_t,
//!
//! ```text
//!     X̂_t(a) = 1 − 1[A_t = a] (1 − X_t) / P_t(a),
//! ```
//!
//! which is unbiased for x_t(a) and at most 1 (so exp(η X̂) stays controlled without the mixing
//! parameter γ of the original paper).
//!
//! Learning rate from the horizon T: η = √(2 ln K / (T K)). Lattimore & Szepesvári, Theorem 11.2:
//! against any oblivious table in [0, 1]^{T×K} the expected regret against the best fixed arm is
//! at most √(2 T K ln K) — see [`Exp3::regret_bound`].

use ndarray::{ArrayView1, ArrayView2, ArrayViewMut1};
use rand_chacha::ChaCha8Rng;

use super::BanditLearner;
use super::catalogue::LearnerEntry;
use crate::core::checks::{require_arm, require_arms, require_positive, require_unit_reward};
use crate::core::error::{Error, Result};
use crate::core::parameters::derived_parameter;
use crate::policy::softmax::softmax_row;
use crate::world::sample::sample_index;

/// EXP3 with a fixed learning rate.
#[derive(Debug, Clone, PartialEq)]
pub struct Exp3 {
    eta: f64,
    estimates: Vec<f64>,
    /// η Ŝ, rebuilt every round (kept to avoid an allocation per round).
    logits: Vec<f64>,
    probabilities: Vec<f64>,
    allowed: Vec<bool>,
}

impl Exp3 {
    /// EXP3 with learning rate η > 0.
    pub fn new(k: usize, eta: f64) -> Result<Self> {
        require_arms(k)?;
        require_positive("eta", eta)?;
        Ok(Exp3 {
            eta,
            estimates: vec![0.0; k],
            logits: vec![0.0; k],
            probabilities: vec![1.0 / k as f64; k],
            allowed: vec![true; k],
        })
    }

    /// EXP3 tuned for a known horizon T ≥ 1: η = √(2 ln K / (T K)).
    pub fn for_horizon(k: usize, horizon: usize) -> Result<Self> {
        if horizon == 0 {
            return Err(Error::invalid("horizon", "found 0", "expected at least 1"));
        }
        require_arms(k)?;
        let kf = k as f64;
        Self::new(k, (2.0 * kf.ln() / (horizon as f64 * kf)).sqrt())
    }

    /// √(2 T K ln K), the bound of Lattimore & Szepesvári (2020), Theorem 11.2.
    pub fn regret_bound(k: usize, horizon: usize) -> f64 {
        let kf = k as f64;
        (2.0 * horizon as f64 * kf * kf.ln()).sqrt()
    }

    pub fn eta(&self) -> f64 {
        self.eta
    }

    /// The distribution the last `select` sampled from.
    pub fn probabilities(&self) -> &[f64] {
        &self.probabilities
    }
}

impl BanditLearner for Exp3 {
    fn name(&self) -> &'static str {
        "exp3"
    }

    fn n_arms(&self) -> usize {
        self.estimates.len()
    }

    fn select(
        &mut self,
        _context: Option<ArrayView2<'_, f64>>,
        rng: &mut ChaCha8Rng,
    ) -> Result<usize> {
        for (logit, s) in self.logits.iter_mut().zip(&self.estimates) {
            *logit = self.eta * s;
        }
        softmax_row(
            ArrayView1::from(&self.logits[..]),
            &self.allowed,
            ArrayViewMut1::from(&mut self.probabilities[..]),
        );
        Ok(sample_index(self.probabilities.iter().copied(), rng))
    }

    fn update(&mut self, arm: usize, reward: f64) -> Result<()> {
        require_arm(arm, self.estimates.len())?;
        require_unit_reward(reward)?;
        // Every estimate gains 1; the played arm loses its importance-weighted loss.
        for s in &mut self.estimates {
            *s += 1.0;
        }
        self.estimates[arm] -= (1.0 - reward) / self.probabilities[arm];
        Ok(())
    }
}

/// The catalogue entry.
pub fn entry() -> LearnerEntry {
    LearnerEntry {
        name: "exp3",
        summary: "EXP3: exponential weights on importance-weighted rewards (Auer et al. 2002)",
        parameters: vec![derived_parameter(
            "eta",
            "learning rate; default √(2 ln K / (T K)), tuned for the horizon T",
        )],
        needs_unit_rewards: true,
        build: |values, arms, horizon| {
            Ok(match values.get("eta") {
                Some(eta) => Box::new(Exp3::new(arms, eta)?),
                None => Box::new(Exp3::for_horizon(arms, horizon)?),
            })
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    #[test]
    fn estimator_is_unbiased_given_the_distribution() {
        // E[X̂(a)] = Σ_b P(b) X̂(a | A = b) = x(a), computed exactly for a fixed reward vector.
        let mut learner = Exp3::new(3, 0.3).unwrap();
        learner.estimates = vec![1.0, -2.0, 0.5];
        let mut rng = ChaCha8Rng::seed_from_u64(0);
        learner.select(None, &mut rng).unwrap();
        let p = learner.probabilities().to_vec();
        let x = [0.2, 0.9, 0.6];
        for a in 0..3 {
            let expected: f64 = (0..3)
                .map(|b| {
                    let hit = if a == b { (1.0 - x[b]) / p[b] } else { 0.0 };
                    p[b] * (1.0 - hit)
                })
                .sum();
            assert!((expected - x[a]).abs() < 1e-12);
        }
        assert!(Exp3::for_horizon(3, 0).is_err());
        assert!(Exp3::new(3, 0.0).is_err());
    }
}
