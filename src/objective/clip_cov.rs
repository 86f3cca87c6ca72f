//! Clip-Cov (Cui et al. 2025, "The Entropy Mechanism of Reinforcement
//! Learning for Reasoning Language Models", arXiv 2505.22617; the selection rule as in the
//! authors' code, PRIME-RL/Entropy-Mechanism-of-RL and verl's `clip_cov` loss).
//!
//! The paper traces the collapse of policy entropy to the covariance between a token's log-
//! probability and its advantage, and damps it by taking a few high-covariance tokens out of the
//! gradient. Per token of the batch (N tokens, means over the whole batch, log π detached):
//!
//! Cov_i = (A_i − mean A)·(log π_θ(a_i) − mean log π_θ)  ([`centered_covariance`]).
//!
//! The candidates are the tokens with lb < Cov_i < ub that PPO-clip has not already clipped; of
//! them, max(1, ⌊fraction·N⌋) (or all, if fewer) are drawn uniformly at random without
//! replacement. Every other token keeps its PPO-clip surrogate. The reference multiplies the loss
//! of a drawn token by zero, so here a drawn token gets value 0 and slope 0 (and `clipped` set):
//! the term leaves the objective, not only its gradient. Defaults: fraction 2e-4, lb = 1, ub = 5
//! (the reference's and verl's defaults); the PPO band defaults to ε = 0.2 here, while the
//! authors' scripts reportedly widen it to ε = 1.

use super::catalogue::{BuiltObjective, LlmUse, ObjectiveEntry};
use super::covariance::{CovSelection, TokenSample, centered_covariance, selection_count};
use super::{Objective, PpoClip, Surrogate};
use crate::core::checks::require_fraction;
use crate::core::error::{Error, Result};
use crate::core::parameters::parameter;
use rand::{Rng, RngExt};

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ClipCov {
    /// The PPO-clip surrogate of the unselected tokens (ε = 0.2).
    pub clip: PpoClip,
    /// Share of the batch to select, `clip_ratio` in the reference (2e-4).
    pub fraction: f64,
    /// lb: candidates have Cov > lb (1).
    pub lower: f64,
    /// ub: candidates have Cov < ub (5).
    pub upper: f64,
}

impl Default for ClipCov {
    fn default() -> Self {
        ClipCov {
            clip: PpoClip::default(),
            fraction: 2e-4,
            lower: 1.0,
            upper: 5.0,
        }
    }
}

impl ClipCov {
    pub fn validate(&self) -> Result<()> {
        self.clip.validate()?;
        require_fraction("fraction", self.fraction)?;
        if self.lower.is_finite() && self.upper.is_finite() && self.lower < self.upper {
            Ok(())
        } else {
            Err(Error::invalid(
                "lower, upper",
                format!("found ({}, {})", self.lower, self.upper),
                "expected finite bounds lb < ub",
            ))
        }
    }

    /// Per-sample surrogates for the batch, with the randomly drawn candidates removed.
    pub fn apply(&self, samples: &[TokenSample], rng: &mut impl Rng) -> Result<CovSelection> {
        self.validate()?;
        let covariance = centered_covariance(samples)?;
        let mut surrogates: Vec<Surrogate> = samples
            .iter()
            .map(|s| self.clip.surrogate(s.ratio, s.advantage))
            .collect();
        // `surrogates` and `covariance` have one entry per sample, so every index below is in range.
        let mut candidates: Vec<usize> = (0..samples.len())
            .filter(|&i| {
                !surrogates[i].clipped && covariance[i] > self.lower && covariance[i] < self.upper
            })
            .collect();
        let count = selection_count(self.fraction, samples.len()).min(candidates.len());
        // Partial Fisher–Yates: the first `count` entries become a uniform draw without replacement.
        for i in 0..count {
            let j = rng.random_range(i..candidates.len());
            candidates.swap(i, j);
        }
        candidates.truncate(count);
        candidates.sort_unstable();
        for &i in &candidates {
            surrogates[i] = Surrogate {
                value: 0.0,
                slope: 0.0,
                clipped: true,
            };
        }
        Ok(CovSelection {
            surrogates,
            selected: candidates,
            covariance,
        })
    }
}

/// The catalogue entry.
pub fn entry() -> ObjectiveEntry {
    let d = ClipCov::default();
    ObjectiveEntry {
        name: "clip-cov",
        summary: "PPO-clip with a few high-covariance tokens' gradients removed (Cui et al. 2025, Clip-Cov)",
        parameters: vec![
            parameter("clip_low", d.clip.clip_low, "PPO's ε_low"),
            parameter("clip_high", d.clip.clip_high, "PPO's ε_high"),
            parameter(
                "fraction",
                d.fraction,
                "r: share of tokens detached, max(1, ⌊r·N⌋)",
            ),
            parameter("lower", d.lower, "ω_low: covariance window's lower end"),
            parameter("upper", d.upper, "ω_high: covariance window's upper end"),
        ],
        tabular: None,
        llm: LlmUse::Algorithm(
            "PPO-clip with a few high-covariance tokens' gradients removed (Cui et al. 2025, Clip-Cov)",
        ),
        build: |values| {
            BuiltObjective::ClipCov(ClipCov {
                clip: PpoClip {
                    clip_low: values.real("clip_low"),
                    clip_high: values.real("clip_high"),
                },
                fraction: values.real("fraction"),
                lower: values.real("lower"),
                upper: values.real("upper"),
            })
        },
    }
}

#[cfg(test)]
mod tests {
    use super::super::covariance::fixtures::{small_batch as batch, token_batch};
    use super::*;
    use rand::SeedableRng;
    use rand_chacha::ChaCha8Rng;

    #[test]
    fn selects_the_count_from_candidates_only_and_zeroes_them() {
        let clip_cov = ClipCov {
            fraction: 0.1,
            ..ClipCov::default()
        };
        let samples = batch();
        let mut rng = ChaCha8Rng::seed_from_u64(7);
        let out = clip_cov.apply(&samples, &mut rng).unwrap();
        assert_eq!(out.selected.len(), 2); // ⌊0.1·20⌋
        for &i in &out.selected {
            assert!(out.covariance[i] > 1.0 && out.covariance[i] < 5.0);
            assert!(
                !clip_cov
                    .clip
                    .surrogate(samples[i].ratio, samples[i].advantage)
                    .clipped
            );
            assert_eq!(
                out.surrogates[i],
                Surrogate {
                    value: 0.0,
                    slope: 0.0,
                    clipped: true
                }
            );
        }
        for i in (0..20).filter(|i| !out.selected.contains(i)) {
            assert_eq!(
                out.surrogates[i],
                clip_cov
                    .clip
                    .surrogate(samples[i].ratio, samples[i].advantage)
            );
        }
    }

    #[test]
    fn at_least_one_and_at_most_all_candidates() {
        let samples = batch();
        let mut rng = ChaCha8Rng::seed_from_u64(1);
        // The default fraction 2e-4 of 20 tokens floors to 0, so one token is taken.
        assert_eq!(
            ClipCov::default()
                .apply(&samples, &mut rng)
                .unwrap()
                .selected
                .len(),
            1
        );
        let all = ClipCov {
            fraction: 1.0,
            ..ClipCov::default()
        }
        .apply(&samples, &mut rng)
        .unwrap();
        let candidates = all
            .covariance
            .iter()
            .filter(|&&c| c > 1.0 && c < 5.0)
            .count();
        assert_eq!(all.selected.len(), candidates);
        assert!(candidates > 2 && candidates < 20);
    }

    #[test]
    fn validation() {
        assert!(ClipCov::default().validate().is_ok());
        assert!(
            ClipCov {
                fraction: 0.0,
                ..ClipCov::default()
            }
            .validate()
            .is_err()
        );
        assert!(
            ClipCov {
                lower: 5.0,
                ..ClipCov::default()
            }
            .validate()
            .is_err()
        );
        let mut rng = ChaCha8Rng::seed_from_u64(0);
        let bad = [TokenSample {
            ratio: 0.0,
            advantage: 1.0,
            log_prob: -1.0,
        }];
        assert!(ClipCov::default().apply(&bad, &mut rng).is_err());
    }

    #[test]
    fn clip_cov_selects_max_one_floor_fraction_n_with_zero_slope_and_is_reproducible() {
        let batch = token_batch(3);
        let clip_cov = ClipCov {
            fraction: 0.01,
            ..ClipCov::default()
        };
        let run = |seed| {
            clip_cov
                .apply(&batch, &mut ChaCha8Rng::seed_from_u64(seed))
                .unwrap()
        };
        let out = run(11);
        assert_eq!(out.selected.len(), 20); // ⌊0.01·2000⌋
        for &i in &out.selected {
            assert_eq!(out.surrogates[i].slope, 0.0);
            assert!(out.covariance[i] > 1.0 && out.covariance[i] < 5.0);
        }
        assert_eq!(run(11), out, "same seed, same selection");
        assert_ne!(
            run(12).selected,
            out.selected,
            "another seed draws other tokens"
        );
        // Defaults (2e-4): ⌊0.4⌋ = 0, so exactly one token.
        let default = ClipCov::default()
            .apply(&batch, &mut ChaCha8Rng::seed_from_u64(0))
            .unwrap();
        assert_eq!(default.selected.len(), 1);
    }
}
