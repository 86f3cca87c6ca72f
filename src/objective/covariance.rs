//! The token covariance behind Clip-Cov and KL-Cov (Cui et al. 2025, "The
//! Entropy Mechanism of Reinforcement Learning for Reasoning Language Models", arXiv 2505.22617).
//!
//! For a softmax policy the paper relates the change of entropy at a state to minus the
//! covariance, under the policy, between log π(a) and the change of the logit of a, which for
//! policy-gradient updates is proportional to A (its lemma and propositions on entropy dynamics;
//! numbering unconfirmed). Its practical methods use a per-token, batch-level proxy, as in the
//! authors' code: over the N tokens of the batch, with log-probabilities treated as constants,
//!
//! Cov_i = (A_i − mean A)·(log π_θ(a_i) − mean log π_θ).
//!
//! It is a raw product, not normalised, so thresholds on it depend on the scale of A. Both
//! methods select max(1, ⌊fraction·N⌋) tokens by it ([`selection_count`]).

use super::Surrogate;
use crate::core::error::{Error, Result};

/// One token of a batch: its ratio r, its advantage A and its current log-probability log π_θ(a).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TokenSample {
    pub ratio: f64,
    pub advantage: f64,
    pub log_prob: f64,
}

/// A batch after a covariance-based selection.
#[derive(Debug, Clone, PartialEq)]
pub struct CovSelection {
    /// One surrogate per sample, in the input order.
    pub surrogates: Vec<Surrogate>,
    /// The selected sample indices, ascending.
    pub selected: Vec<usize>,
    /// Cov_i per sample.
    pub covariance: Vec<f64>,
}

/// max(1, ⌊fraction·n⌋), the number of tokens Clip-Cov and KL-Cov select from n.
pub fn selection_count(fraction: f64, n: usize) -> usize {
    ((fraction * n as f64).floor() as usize).max(1)
}

/// Checks a batch: non-empty, finite ratios > 0, finite advantages and log-probabilities.
pub(crate) fn check_batch(samples: &[TokenSample]) -> Result<()> {
    if samples.is_empty() {
        return Err(Error::invalid(
            "samples",
            "found an empty batch",
            "expected at least one token",
        ));
    }
    for (i, s) in samples.iter().enumerate() {
        let ok = s.ratio.is_finite()
            && s.ratio > 0.0
            && s.advantage.is_finite()
            && s.log_prob.is_finite();
        if !ok {
            return Err(Error::invalid(
                format!("samples[{i}]"),
                format!("found {s:?}"),
                "expected a finite ratio > 0 and a finite advantage and log-probability",
            ));
        }
    }
    Ok(())
}

/// Cov_i = (A_i − mean A)·(log π_i − mean log π) for every sample of a non-empty batch.
pub fn centered_covariance(samples: &[TokenSample]) -> Result<Vec<f64>> {
    check_batch(samples)?;
    let n = samples.len() as f64;
    let mean_a: f64 = samples.iter().map(|s| s.advantage / n).sum();
    let mean_lp: f64 = samples.iter().map(|s| s.log_prob / n).sum();
    Ok(samples
        .iter()
        .map(|s| (s.advantage - mean_a) * (s.log_prob - mean_lp))
        .collect())
}

/// Token batches shared by the tests of the covariance-based objectives.
#[cfg(test)]
pub(crate) mod fixtures {
    use super::TokenSample;
    use rand::{RngExt, SeedableRng};
    use rand_chacha::ChaCha8Rng;

    /// 20 tokens with advantage ±2 and log-probabilities spread so that several Cov lie in (1, 5).
    pub fn small_batch() -> Vec<TokenSample> {
        (0..20)
            .map(|i| TokenSample {
                ratio: 1.0 + 0.01 * i as f64,
                advantage: if i % 2 == 0 { 2.0 } else { -2.0 },
                log_prob: -0.2 * i as f64,
            })
            .collect()
    }

    /// 2000 tokens, A ~ ±2 and log π spread on [−6, 0], ratios near 1 (a few outside the PPO band).
    pub fn token_batch(seed: u64) -> Vec<TokenSample> {
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        (0..2000)
            .map(|_| TokenSample {
                ratio: rng.random_range(0.7..1.3),
                advantage: if rng.random::<bool>() { 2.0 } else { -2.0 },
                log_prob: rng.random_range(-6.0..0.0),
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::fixtures::small_batch as batch;
    use super::*;

    #[test]
    fn covariance_is_centered() {
        let c = centered_covariance(&batch()).unwrap();
        // Shifting every log-probability (or advantage) by a constant changes nothing.
        let shifted: Vec<TokenSample> = batch()
            .iter()
            .map(|s| TokenSample {
                log_prob: s.log_prob - 3.0,
                advantage: s.advantage + 1.5,
                ..*s
            })
            .collect();
        for (x, y) in c.iter().zip(centered_covariance(&shifted).unwrap()) {
            assert!((x - y).abs() < 1e-12);
        }
        // Mean A = 0, mean log π = −1.9: token 0 has (2 − 0)(0 + 1.9) = 3.8.
        assert!((c[0] - 3.8).abs() < 1e-12);
        assert!(centered_covariance(&[]).is_err());
    }

    #[test]
    fn counts_and_input_checks() {
        assert_eq!(selection_count(2e-4, 20), 1);
        assert_eq!(selection_count(0.1, 20), 2);
        assert_eq!(selection_count(0.15, 20), 3);
        assert_eq!(selection_count(1.0, 20), 20);
        let bad = |ratio, advantage, log_prob| {
            [TokenSample {
                ratio,
                advantage,
                log_prob,
            }]
        };
        assert!(centered_covariance(&bad(0.0, 1.0, -1.0)).is_err());
        assert!(centered_covariance(&bad(1.0, f64::NAN, -1.0)).is_err());
        assert!(centered_covariance(&bad(1.0, 1.0, f64::NEG_INFINITY)).is_err());
        assert_eq!(
            centered_covariance(&bad(1.0, 1.0, -1.0)).unwrap(),
            vec![0.0]
        );
    }
}
