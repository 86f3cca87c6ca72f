//! KL-Cov (Cui et al. 2025, "The Entropy Mechanism of Reinforcement Learning for Reasoning
//! Language Models", arXiv 2505.22617; the rule as in the authors' code,
//! PRIME-RL/Entropy-Mechanism-of-RL and verl's `kl_cov` loss).
//!
//! With Cov_i the centred covariance of [`super::covariance::centered_covariance`], the
//! k = max(1, ⌊fraction·N⌋) tokens of largest Cov_i (ties: the lower index first) get a penalty
//! on the size of their log-ratio; all tokens use the unclipped policy-gradient surrogate:
//!
//! J_i = r_i·A_i − β·|log r_i|  (selected),   J_i = r_i·A_i  (others),
//! ∂J/∂r = A − β·sign(log r)/r for the selected ones, with sign(0) = 0 at r = 1 (the kink; the
//! subgradient automatic differentiation of |·| gives).
//!
//! Defaults: fraction 2e-3 and β = 1, the setting of the authors' original repository
//! (`k_percent = 0.2` read as a percentage, `ppo_kl_coef = 1`) and of verl's `7b_kl_cov.sh`
//! recipe; verl's config dataclass defaults differ (2e-4, 0.1).

use super::catalogue::{BuiltObjective, LlmUse, ObjectiveEntry};
use super::covariance::{CovSelection, TokenSample, centered_covariance, selection_count};
use super::{Objective, PolicyGradient, Surrogate};
use crate::core::checks::require_coefficient;
use crate::core::checks::require_fraction;
use crate::core::error::Result;
use crate::core::parameters::parameter;

/// J = r·A − β·|log r| and ∂J/∂r = A − β·sign(log r)/r, never flat (`clipped` is false).
pub fn penalized(ratio: f64, advantage: f64, coefficient: f64) -> Surrogate {
    let log_r = ratio.ln();
    let sign = if log_r > 0.0 {
        1.0
    } else if log_r < 0.0 {
        -1.0
    } else {
        0.0
    };
    Surrogate {
        value: ratio * advantage - coefficient * log_r.abs(),
        slope: advantage - coefficient * sign / ratio,
        clipped: false,
    }
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct KlCov {
    /// Share of the batch penalized, `kl_cov_ratio` (2e-3).
    pub fraction: f64,
    /// β, `ppo_kl_coef` (1).
    pub coefficient: f64,
}

impl Default for KlCov {
    fn default() -> Self {
        KlCov {
            fraction: 2e-3,
            coefficient: 1.0,
        }
    }
}

impl KlCov {
    pub fn validate(&self) -> Result<()> {
        require_fraction("fraction", self.fraction)?;
        require_coefficient("coefficient", "β", self.coefficient)
    }

    /// Per-sample surrogates for the batch, the top-k covariance tokens penalized.
    pub fn apply(&self, samples: &[TokenSample]) -> Result<CovSelection> {
        self.validate()?;
        let covariance = centered_covariance(samples)?;
        // `covariance` and `surrogates` have one entry per sample: every index below is in range.
        let mut order: Vec<usize> = (0..samples.len()).collect();
        order.sort_by(|&i, &j| covariance[j].total_cmp(&covariance[i]).then(i.cmp(&j)));
        order.truncate(selection_count(self.fraction, samples.len()));
        order.sort_unstable();
        let mut surrogates: Vec<Surrogate> = samples
            .iter()
            .map(|s| PolicyGradient.surrogate(s.ratio, s.advantage))
            .collect();
        for &i in &order {
            surrogates[i] = penalized(samples[i].ratio, samples[i].advantage, self.coefficient);
        }
        Ok(CovSelection {
            surrogates,
            selected: order,
            covariance,
        })
    }
}

/// The catalogue entry.
pub fn entry() -> ObjectiveEntry {
    let d = KlCov::default();
    ObjectiveEntry {
        name: "kl-cov",
        summary: "PG with |log r| penalized on the highest-covariance tokens (Cui et al. 2025, KL-Cov)",
        parameters: vec![
            parameter(
                "fraction",
                d.fraction,
                "k: share of tokens penalized, max(1, ⌊k·N⌋)",
            ),
            parameter("coefficient", d.coefficient, "β on |log r|"),
        ],
        tabular: None,
        llm: LlmUse::Algorithm(
            "PG with |log r| penalized on the highest-covariance tokens (Cui et al. 2025, KL-Cov)",
        ),
        build: |values| {
            BuiltObjective::KlCov(KlCov {
                fraction: values.real("fraction"),
                coefficient: values.real("coefficient"),
            })
        },
    }
}

#[cfg(test)]
mod tests {
    use super::super::covariance::fixtures::token_batch;
    use super::*;

    #[test]
    fn penalized_slope_matches_the_formula_and_a_finite_difference() {
        for (r, a) in [(0.5, 2.0), (1.7, -0.3), (3.0, 0.2), (0.9, -4.0)] {
            let s = penalized(r, a, 1.0);
            let sign = if r > 1.0 { 1.0 } else { -1.0 };
            assert!((s.slope - (a - sign / r)).abs() < 1e-15);
            let h = 1e-6;
            let fd = (penalized(r + h, a, 1.0).value - penalized(r - h, a, 1.0).value) / (2.0 * h);
            assert!((fd - s.slope).abs() < 1e-7, "r = {r}, A = {a}");
        }
        assert_eq!(
            penalized(1.0, 2.0, 1.0),
            Surrogate {
                value: 2.0,
                slope: 2.0,
                clipped: false
            }
        );
    }

    #[test]
    fn negative_advantage_maximizer_is_beta_over_abs_a() {
        // A < 0 and β < |A|: J is maximal at r* = β/|A| (the notes' derivation).
        let (a, beta): (f64, f64) = (-4.0, 1.0);
        let r_star = beta / a.abs();
        assert!(penalized(r_star, a, beta).slope.abs() < 1e-12);
        for r in [0.1, 0.2, 0.3, 0.5, 1.0, 2.0] {
            assert!(penalized(r, a, beta).value <= penalized(r_star, a, beta).value);
        }
    }

    #[test]
    fn selects_the_top_covariances() {
        let samples: Vec<TokenSample> = (0..10)
            .map(|i| TokenSample {
                ratio: 1.2,
                advantage: i as f64,
                log_prob: -(i as f64) * 0.1 + if i == 3 { 5.0 } else { 0.0 },
            })
            .collect();
        let kl = KlCov {
            fraction: 0.2,
            coefficient: 0.5,
        };
        let out = kl.apply(&samples).unwrap();
        assert_eq!(out.selected.len(), 2);
        let mut sorted = out.covariance.clone();
        sorted.sort_by(|a, b| b.total_cmp(a));
        for &i in &out.selected {
            assert!(out.covariance[i] >= sorted[1]);
            assert_eq!(out.surrogates[i], penalized(1.2, samples[i].advantage, 0.5));
        }
        for i in (0..10).filter(|i| !out.selected.contains(i)) {
            assert_eq!(out.surrogates[i].slope, samples[i].advantage);
        }
        // The default fraction selects one token of ten.
        assert_eq!(KlCov::default().apply(&samples).unwrap().selected.len(), 1);
        assert!(
            KlCov {
                coefficient: -1.0,
                ..KlCov::default()
            }
            .validate()
            .is_err()
        );
        assert!(KlCov::default().apply(&[]).is_err());
    }

    #[test]
    fn kl_cov_penalizes_the_top_k_with_slope_a_minus_beta_sign_over_r() {
        let batch = token_batch(5);
        let kl_cov = KlCov {
            fraction: 0.005,
            coefficient: 1.0,
        };
        let out = kl_cov.apply(&batch).unwrap();
        assert_eq!(out.selected.len(), 10);
        let threshold = out
            .selected
            .iter()
            .map(|&i| out.covariance[i])
            .fold(f64::INFINITY, f64::min);
        for (i, s) in out.surrogates.iter().enumerate() {
            let (r, a) = (batch[i].ratio, batch[i].advantage);
            if out.selected.contains(&i) {
                let expected = a - r.ln().signum() / r;
                assert!((s.slope - expected).abs() < 1e-14);
                assert!((s.value - (r * a - r.ln().abs())).abs() < 1e-14);
            } else {
                assert!(out.covariance[i] <= threshold);
                assert_eq!((s.value, s.slope), (r * a, a));
            }
        }
        assert_eq!(KlCov::default().apply(&batch).unwrap().selected.len(), 4); // ⌊2e-3·2000⌋
    }
}
