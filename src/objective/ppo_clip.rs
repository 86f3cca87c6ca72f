//! The clipped surrogate of PPO (Schulman, Wolski, Dhariwal, Radford & Klimov 2017, "Proximal
//! Policy Optimization Algorithms", Eq. 7):
//!
//! J = min(r·A, clip(r, 1 − ε_low, 1 + ε_high)·A).
//!
//! With ε_low = ε_high = ε it is PPO-clip (ε = 0.2 is the usual default); with ε_high > ε_low it
//! is DAPO's clip-higher (Yu et al. 2025, "DAPO: an open-source LLM reinforcement learning system
//! at scale", §3.1: ε_low = 0.2, ε_high = 0.28). The objective is flat (zero gradient) for A > 0
//! beyond r > 1 + ε_high and for A < 0 below r < 1 − ε_low; on the other side it stays r·A.

use super::{Objective, Surrogate};
use crate::core::checks::require_clip_range;
use crate::core::error::Result;

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
