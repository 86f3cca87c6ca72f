//! Dual-clip PPO (Ye, Liu, Sun, Shi, Zhao et al. 2020, "Mastering Complex Control in MOBA Games
//! with Deep Reinforcement Learning", AAAI 2020, arXiv 1912.09729; the equation number is
//! unconfirmed):
//!
//! J = max(min(r·A, clip(r, 1 − ε_low, 1 + ε_high)·A), c·A)  for A < 0,
//! J = min(r·A, clip(r, 1 − ε_low, 1 + ε_high)·A)            for A ≥ 0.
//!
//! For a negative advantage, plain PPO-clip keeps J = r·A on the whole right side, so a stale
//! sample whose ratio has grown huge can pull the objective (and the gradient's scale) without
//! limit. The second clip puts a floor c·A under it: once r > c the objective is the constant c·A
//! and the sample gives no gradient. The floor only bites above the upper clip when c > 1 + ε_high,
//! which [`DualClip::validate`] requires; c = 3 is the usual default (verl's `clip_ratio_c`).
//!
//! ∂J/∂r = A except where flat: A > 0 and r > 1 + ε_high; A < 0 and r < 1 − ε_low; A < 0 and r > c.

use super::catalogue::{BuiltObjective, LlmUse, ObjectiveEntry};
use super::{Objective, PpoClip, Surrogate};
use crate::core::error::{Error, Result};
use crate::core::parameters::parameter;

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct DualClip {
    /// The PPO-clip part (ε_low = ε_high = 0.2).
    pub clip: PpoClip,
    /// c: the objective of a negative-advantage sample never falls below c·A (3).
    pub dual_clip: f64,
}

impl Default for DualClip {
    fn default() -> Self {
        DualClip {
            clip: PpoClip::default(),
            dual_clip: 3.0,
        }
    }
}

impl Objective for DualClip {
    fn name(&self) -> &'static str {
        "dual-clip"
    }

    fn validate(&self) -> Result<()> {
        self.clip.validate()?;
        let floor = 1.0 + self.clip.clip_high;
        if self.dual_clip.is_finite() && self.dual_clip > floor {
            Ok(())
        } else {
            Err(Error::invalid(
                "dual_clip",
                format!("found {}", self.dual_clip),
                format!("expected a finite c > 1 + clip_high = {floor}"),
            ))
        }
    }

    fn surrogate(&self, ratio: f64, advantage: f64) -> Surrogate {
        if advantage < 0.0 && ratio > self.dual_clip {
            Surrogate {
                value: self.dual_clip * advantage,
                slope: 0.0,
                clipped: true,
            }
        } else {
            self.clip.surrogate(ratio, advantage)
        }
    }
}

/// The catalogue entry.
pub fn entry() -> ObjectiveEntry {
    ObjectiveEntry {
        name: "dual-clip",
        summary: "dual-clip PPO: PPO-clip floored at c·A for A < 0 (Ye et al. 2020)",
        parameters: vec![
            parameter("clip_low", 0.2, "ε_low"),
            parameter("clip_high", 0.2, "ε_high"),
            parameter("dual_clip", 3.0, "c > 1 + ε_high: floor c·A for A < 0"),
        ],
        tabular: Some("K epochs on dual-clip PPO (Ye et al. 2020)"),
        llm: LlmUse::Algorithm("dual-clip PPO (Ye et al. 2020)"),
        build: |values| {
            BuiltObjective::PerSample(Box::new(DualClip {
                clip: PpoClip {
                    clip_low: values.real("clip_low"),
                    clip_high: values.real("clip_high"),
                },
                dual_clip: values.real("dual_clip"),
            }))
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn floor_applies_only_to_negative_advantages_beyond_c() {
        let d = DualClip::default();
        let s = d.surrogate(5.0, -2.0);
        assert_eq!((s.value, s.slope, s.clipped), (-6.0, 0.0, true));
        // Between 1 + ε and c the sample is still r·A, as in PPO-clip.
        let s = d.surrogate(2.5, -2.0);
        assert_eq!((s.value, s.slope, s.clipped), (-5.0, -2.0, false));
        // A positive advantage is clipped at 1 + ε, never floored.
        let s = d.surrogate(5.0, 2.0);
        assert_eq!((s.value, s.slope, s.clipped), (2.4, 0.0, true));
        // Left of 1 − ε a negative advantage is flat at (1 − ε)·A.
        let s = d.surrogate(0.5, -1.0);
        assert_eq!((s.value, s.slope, s.clipped), (-0.8, 0.0, true));
    }

    #[test]
    fn value_is_continuous_at_c() {
        let d = DualClip::default();
        let below = d.surrogate(3.0 - 1e-12, -1.0).value;
        let above = d.surrogate(3.0 + 1e-12, -1.0).value;
        assert!((below - above).abs() < 1e-11);
    }

    #[test]
    fn validate_requires_c_above_the_upper_clip() {
        assert!(DualClip::default().validate().is_ok());
        for c in [1.0, 1.2, 0.5, f64::NAN, f64::INFINITY] {
            let d = DualClip {
                dual_clip: c,
                ..DualClip::default()
            };
            assert!(d.validate().is_err(), "c = {c} accepted");
        }
        let bad_clip = DualClip {
            clip: PpoClip::symmetric(0.0),
            ..DualClip::default()
        };
        assert!(bad_clip.validate().is_err());
    }
}
