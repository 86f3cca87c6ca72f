//! The clipped surrogate of PPO (Schulman, Wolski, Dhariwal, Radford & Klimov 2017, "Proximal
//! Policy Optimization Algorithms", Eq. 7):
//!
//! J = min(r·A, clip(r, 1 − ε_low, 1 + ε_high)·A).
//!
//! With ε_low = ε_high = ε it is PPO-clip (ε = 0.2 is the usual default); with ε_high > ε_low it
//! is DAPO's clip-higher (Yu et al. 2025, "DAPO: an open-source LLM reinforcement learning system
//! at scale", §3.1: ε_low = 0.2, ε_high = 0.28). The objective is flat (zero gradient) for A > 0
//! beyond r > 1 + ε_high and for A < 0 below r < 1 − ε_low; on the other side it stays r·A.

use super::catalogue::{BuiltObjective, LlmUse, ObjectiveEntry};
use super::{Objective, Surrogate};
use crate::core::checks::require_clip_range;
use crate::core::error::Result;
use crate::core::parameters::parameter;

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PpoClip {
    /// ε_low: the ratio is clipped below at 1 − ε_low (0.2).
    pub clip_low: f64,
    /// ε_high: the ratio is clipped above at 1 + ε_high (0.2; DAPO: 0.28).
    pub clip_high: f64,
}

impl Default for PpoClip {
    fn default() -> Self {
        PpoClip::symmetric(0.2)
    }
}

impl PpoClip {
    /// PPO-clip with one ε on both sides.
    pub fn symmetric(epsilon: f64) -> Self {
        PpoClip {
            clip_low: epsilon,
            clip_high: epsilon,
        }
    }

    /// DAPO's clip-higher defaults, ε_low = 0.2 and ε_high = 0.28.
    pub fn clip_higher() -> Self {
        PpoClip {
            clip_low: 0.2,
            clip_high: 0.28,
        }
    }
}

impl Objective for PpoClip {
    fn name(&self) -> &'static str {
        "ppo-clip"
    }

    fn validate(&self) -> Result<()> {
        require_clip_range("clip_low", self.clip_low)?;
        require_clip_range("clip_high", self.clip_high)
    }

    fn surrogate(&self, ratio: f64, advantage: f64) -> Surrogate {
        let flat = (advantage > 0.0 && ratio > 1.0 + self.clip_high)
            || (advantage < 0.0 && ratio < 1.0 - self.clip_low);
        if flat {
            let bound = if advantage > 0.0 {
                1.0 + self.clip_high
            } else {
                1.0 - self.clip_low
            };
            Surrogate {
                value: bound * advantage,
                slope: 0.0,
                clipped: true,
            }
        } else {
            Surrogate {
                value: ratio * advantage,
                slope: advantage,
                clipped: false,
            }
        }
    }
}

/// The catalogue entry of PPO-clip.
pub fn entry() -> ObjectiveEntry {
    ObjectiveEntry {
        name: "ppo-clip",
        summary: "PPO's clipped surrogate min(r·A, clip(r, 1−ε_low, 1+ε_high)·A) (Schulman et al. 2017)",
        parameters: vec![
            parameter(
                "clip_low",
                0.2,
                "ε_low: the ratio is clipped below at 1 − ε_low",
            ),
            parameter(
                "clip_high",
                0.2,
                "ε_high: the ratio is clipped above at 1 + ε_high",
            ),
        ],
        tabular: Some("K epochs on PPO's clipped surrogate (Schulman et al. 2017)"),
        llm: LlmUse::Loss,
        build: |values| {
            BuiltObjective::PerSample(Box::new(PpoClip {
                clip_low: values.real("clip_low"),
                clip_high: values.real("clip_high"),
            }))
        },
    }
}

/// The catalogue entry of DAPO's clip-higher (PPO-clip with ε_high > ε_low).
pub fn clip_higher_entry() -> ObjectiveEntry {
    ObjectiveEntry {
        name: "clip-higher",
        summary: "DAPO's decoupled clip, ε_high > ε_low (Yu et al. 2025)",
        parameters: vec![
            parameter("clip_low", 0.2, "ε_low (DAPO: 0.2)"),
            parameter("clip_high", 0.28, "ε_high (DAPO: 0.28)"),
        ],
        tabular: Some("K epochs on DAPO's clip-higher surrogate (Yu et al. 2025)"),
        llm: LlmUse::Algorithm("DAPO's decoupled clip, ε_high > ε_low (Yu et al. 2025)"),
        build: |values| {
            BuiltObjective::PerSample(Box::new(PpoClip {
                clip_low: values.real("clip_low"),
                clip_high: values.real("clip_high"),
            }))
        },
    }
}
