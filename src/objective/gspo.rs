//! Group Sequence Policy Optimization, GSPO (Zheng, Liu, Li et al. 2025, Qwen team,
//! "Group Sequence Policy Optimization", arXiv 2507.18071, Eq. (5) for the objective).
//!
//! The ratio is taken per *sequence* and length-normalised, the geometric mean of the token
//! ratios:
//!
//! s = (π_θ(y|x)/π_old(y|x))^{1/|y|} = exp((1/|y|)·Σ_t log r_t),
//!
//! and the clipped objective is applied to s with the sequence's advantage:
//! J = min(s·A, clip(s, 1 − ε_low, 1 + ε_high)·A), ε_low = 3e-4 and ε_high = 4e-4 (the paper's
//! §5.1 as cited by TRL). Because s is an average, the band is two to three orders of magnitude
//! narrower than a token-level PPO band.
//!
//! Chain rule back to the tokens: ∂s/∂log r_t = s/|y|, so every token of the sequence gets the
//! same derivative ∂J/∂log r_t = (s/|y|)·∂J/∂s, and clipping removes the gradient of the whole
//! sequence at once. [`Gspo`] implements [`Objective`] on s (the `ratio` argument is s) by
//! reusing [`PpoClip`]; [`Gspo::sequence`] does the whole chain from token log-ratios.

use super::catalogue::{BuiltObjective, LlmUse, ObjectiveEntry};
use super::{Objective, PpoClip, Surrogate};
use crate::core::error::{Error, Result};
use crate::core::parameters::parameter;

/// s = exp(mean of the token log-ratios log r_t = log π_θ − log π_old).
///
/// Errors on an empty sequence, a non-finite log-ratio, or a mean so large that s overflows.
pub fn sequence_ratio(log_ratios: &[f64]) -> Result<f64> {
    if log_ratios.is_empty() {
        return Err(Error::invalid(
            "log_ratios",
            "found an empty sequence",
            "expected at least one token",
        ));
    }
    if let Some(bad) = log_ratios.iter().find(|x| !x.is_finite()) {
        return Err(Error::invalid(
            "log_ratios",
            format!("found {bad}"),
            "expected finite token log-ratios",
        ));
    }
    // Summing x/n rather than dividing the sum keeps the mean finite for finite inputs.
    let n = log_ratios.len() as f64;
    let mean: f64 = log_ratios.iter().map(|x| x / n).sum();
    let s = mean.exp();
    if s.is_finite() {
        Ok(s)
    } else {
        Err(Error::invalid(
            "log_ratios",
            format!("found a mean log-ratio of {mean}"),
            "expected a mean below ln(f64::MAX) ≈ 709.78 so that the sequence ratio is finite",
        ))
    }
}

/// The sequence-level result: s, J and ∂J/∂s at s, and the shared per-token ∂J/∂log r_t.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SequenceSurrogate {
    /// s, the length-normalised sequence ratio.
    pub ratio: f64,
    /// J(s, A) and ∂J/∂s.
    pub surrogate: Surrogate,
    /// ∂J/∂log r_t = (s/|y|)·∂J/∂s, the same for every token t of the sequence.
    pub token_log_ratio_slope: f64,
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Gspo {
    /// ε_low: s is clipped below at 1 − ε_low (3e-4).
    pub clip_low: f64,
    /// ε_high: s is clipped above at 1 + ε_high (4e-4).
    pub clip_high: f64,
}

impl Default for Gspo {
    fn default() -> Self {
        Gspo {
            clip_low: 3e-4,
            clip_high: 4e-4,
        }
    }
}

impl Gspo {
    fn clip(&self) -> PpoClip {
        PpoClip {
            clip_low: self.clip_low,
            clip_high: self.clip_high,
        }
    }

    /// J for one sequence from its token log-ratios and its advantage.
    pub fn sequence(&self, log_ratios: &[f64], advantage: f64) -> Result<SequenceSurrogate> {
        let s = sequence_ratio(log_ratios)?;
        let surrogate = self.surrogate(s, advantage);
        Ok(SequenceSurrogate {
            ratio: s,
            surrogate,
            token_log_ratio_slope: s / log_ratios.len() as f64 * surrogate.slope,
        })
    }
}

impl Objective for Gspo {
    fn name(&self) -> &'static str {
        "gspo"
    }

    fn validate(&self) -> Result<()> {
        self.clip().validate()
    }

    /// `ratio` is the sequence ratio s.
    fn surrogate(&self, ratio: f64, advantage: f64) -> Surrogate {
        self.clip().surrogate(ratio, advantage)
    }
}

/// The catalogue entry.
pub fn entry() -> ObjectiveEntry {
    ObjectiveEntry {
        name: "gspo",
        summary: "PPO-clip on the length-normalized sequence ratio (Zheng et al. 2025, GSPO)",
        parameters: vec![
            parameter("clip_low", 3e-4, "ε_low on the sequence ratio s"),
            parameter("clip_high", 4e-4, "ε_high on the sequence ratio s"),
        ],
        tabular: None,
        llm: LlmUse::Algorithm(
            "PPO-clip on the length-normalized sequence ratio (Zheng et al. 2025, GSPO)",
        ),
        build: |values| {
            BuiltObjective::Sequence(Gspo {
                clip_low: values.real("clip_low"),
                clip_high: values.real("clip_high"),
            })
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sequence_ratio_is_the_geometric_mean() {
        let s = sequence_ratio(&[2f64.ln(), 8f64.ln()]).unwrap();
        assert!((s - 4.0).abs() < 1e-14);
        assert_eq!(sequence_ratio(&[0.0; 7]).unwrap(), 1.0);
        // Finite for huge but finite inputs whose sum would overflow.
        let s = sequence_ratio(&[f64::MAX, -f64::MAX]).unwrap();
        assert_eq!(s, 1.0);
    }

    #[test]
    fn sequence_ratio_errors() {
        assert!(sequence_ratio(&[]).is_err());
        assert!(sequence_ratio(&[0.1, f64::NAN]).is_err());
        assert!(sequence_ratio(&[f64::INFINITY]).is_err());
        assert!(sequence_ratio(&[800.0]).is_err());
    }

    #[test]
    fn token_slope_matches_a_finite_difference_in_each_token() {
        let g = Gspo::default();
        // Mean log-ratio 1e-4: s inside the band, so ∂J/∂s = A.
        let base = [3e-4, -1e-4, 1e-4, 0.0];
        let a = 1.7;
        let out = g.sequence(&base, a).unwrap();
        assert!(!out.surrogate.clipped);
        let h = 1e-7;
        for t in 0..base.len() {
            let mut up = base;
            let mut down = base;
            up[t] += h;
            down[t] -= h;
            let fd = (g.sequence(&up, a).unwrap().surrogate.value
                - g.sequence(&down, a).unwrap().surrogate.value)
                / (2.0 * h);
            assert!((fd - out.token_log_ratio_slope).abs() < 1e-7, "token {t}");
        }
        assert!((out.token_log_ratio_slope - out.ratio * a / 4.0).abs() < 1e-15);
    }

    #[test]
    fn the_whole_sequence_is_clipped_together() {
        let g = Gspo::default();
        // One token far off-policy moves s outside [1 − 3e-4, 1 + 4e-4].
        let out = g.sequence(&[0.01, 0.0, 0.0, 0.0], 1.0).unwrap();
        assert!(out.surrogate.clipped);
        assert_eq!(out.token_log_ratio_slope, 0.0);
        assert_eq!(out.surrogate.value, 1.0 + 4e-4);
        let out = g.sequence(&[-0.01, 0.0], -1.0).unwrap();
        assert!(out.surrogate.clipped);
        assert_eq!(out.surrogate.value, -(1.0 - 3e-4));
        // The same deviation with the other sign of A is not clipped.
        assert!(!g.sequence(&[-0.01, 0.0], 1.0).unwrap().surrogate.clipped);
    }
}
