//! The per-sample objective of BAPO (Xi et al. 2025, arXiv 2510.18927; see [`super::bapo`] for
//! the paper and the rule that picks the bounds): PPO-clip with *absolute* ratio bounds
//! [c_low, c_high] instead of 1 ± ε, and the dual-clip floor c·A for A < 0 that the authors'
//! recipe also applies (Ye et al. 2020; c = 3, the recipe's `clip_ratio_c` default):
//!
//! J = min(r·A, clip(r, c_low, c_high)·A), and max(that, c·A) when A < 0.
//!
//! ∂J/∂r = A except where flat: A > 0 and r > c_high; A < 0 and r < c_low or r > c.

use super::catalogue::{BuiltObjective, LlmUse, ObjectiveEntry};
use super::{Objective, Surrogate};
use crate::core::error::{Error, Result};
use crate::core::parameters::parameter;

/// PPO-clip with absolute bounds [c_low, c_high] and a dual-clip floor c·A for A < 0.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BapoClip {
    /// c_low: absolute lower ratio bound (0.6).
    pub clip_low: f64,
    /// c_high: absolute upper ratio bound (1.2).
    pub clip_high: f64,
    /// c: dual-clip floor for A < 0 (3, the recipe's `clip_ratio_c` default).
    pub dual_clip: f64,
}

impl Default for BapoClip {
    fn default() -> Self {
        BapoClip {
            clip_low: 0.6,
            clip_high: 1.2,
            dual_clip: 3.0,
        }
    }
}

impl Objective for BapoClip {
    fn name(&self) -> &'static str {
        "bapo-bounds"
    }

    fn validate(&self) -> Result<()> {
        let (low, high, c) = (self.clip_low, self.clip_high, self.dual_clip);
        if !(low.is_finite() && (0.0..1.0).contains(&low)) {
            return Err(Error::invalid(
                "clip_low",
                format!("found {low}"),
                "expected 0 ≤ c_low < 1",
            ));
        }
        if !(high.is_finite() && high > 1.0) {
            return Err(Error::invalid(
                "clip_high",
                format!("found {high}"),
                "expected a finite c_high > 1",
            ));
        }
        if !(c.is_finite() && c > high) {
            return Err(Error::invalid(
                "dual_clip",
                format!("found {c}"),
                format!("expected a finite c > c_high = {high}"),
            ));
        }
        Ok(())
    }

    fn surrogate(&self, ratio: f64, advantage: f64) -> Surrogate {
        let bound = if advantage > 0.0 && ratio > self.clip_high {
            Some(self.clip_high)
        } else if advantage < 0.0 && ratio < self.clip_low {
            Some(self.clip_low)
        } else if advantage < 0.0 && ratio > self.dual_clip {
            Some(self.dual_clip)
        } else {
            None
        };
        match bound {
            Some(b) => Surrogate {
                value: b * advantage,
                slope: 0.0,
                clipped: true,
            },
            None => Surrogate {
                value: ratio * advantage,
                slope: advantage,
                clipped: false,
            },
        }
    }
}

/// The catalogue entry.
pub fn entry() -> ObjectiveEntry {
    ObjectiveEntry {
        name: "bapo-bounds",
        summary: "BAPO's absolute clip bounds with a dual-clip floor (Xi et al. 2025)",
        parameters: vec![
            parameter("clip_low", 0.6, "c_low: absolute lower ratio bound"),
            parameter("clip_high", 1.2, "c_high: absolute upper ratio bound"),
            parameter("dual_clip", 3.0, "c > c_high: floor c·A for A < 0"),
        ],
        tabular: None,
        llm: LlmUse::Algorithm("BAPO's clip bounds (Xi et al. 2025)"),
        build: |values| {
            BuiltObjective::PerSample(Box::new(BapoClip {
                clip_low: values.real("clip_low"),
                clip_high: values.real("clip_high"),
                dual_clip: values.real("dual_clip"),
            }))
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clip_uses_absolute_bounds_and_the_dual_floor() {
        let c = BapoClip::default();
        assert_eq!(c.surrogate(2.0, 1.0).value, 1.2);
        assert_eq!(c.surrogate(0.5, -1.0).value, -0.6);
        assert_eq!(c.surrogate(4.0, -1.0).value, -3.0);
        assert!(!c.surrogate(0.65, -1.0).clipped);
        assert!(!c.surrogate(0.5, 1.0).clipped);
    }

    #[test]
    fn validation() {
        assert!(BapoClip::default().validate().is_ok());
        let bad = [
            (1.0, 1.2, 3.0),
            (-0.1, 1.2, 3.0),
            (0.6, 1.0, 3.0),
            (0.6, 1.2, 1.1),
            (0.6, 1.2, f64::NAN),
        ];
        for (clip_low, clip_high, dual_clip) in bad {
            assert!(
                BapoClip {
                    clip_low,
                    clip_high,
                    dual_clip
                }
                .validate()
                .is_err()
            );
        }
    }
}
