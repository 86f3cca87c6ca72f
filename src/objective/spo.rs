//! Simple Policy Optimization (Xie, Zhang, Yang, Hutter & Xu, ICML 2025, "Simple Policy
//! Optimization", arXiv 2401.16025; the loss of its reference implementation):
//!
//! J = r·A − |A|/(2ε)·(r − 1)²,  ∂J/∂r = A − |A|/ε·(r − 1).
//!
//! A concave quadratic in r with its unique maximum at r* = 1 + sign(A)·ε, where J = A + ε|A|/2.
//! Unlike PPO-clip it never goes flat: past r* the gradient points back towards r*, so the ratio
//! is pulled into the trust region instead of being left wherever it drifted.

use super::catalogue::{BuiltObjective, LlmUse, ObjectiveEntry};
use super::{Objective, Surrogate};
use crate::core::checks::require_clip_range;
use crate::core::error::Result;
use crate::core::parameters::parameter;

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Spo {
    /// ε: the maximizer sits at r = 1 ± ε (0.2).
    pub epsilon: f64,
}

impl Default for Spo {
    fn default() -> Self {
        Spo { epsilon: 0.2 }
    }
}

impl Objective for Spo {
    fn name(&self) -> &'static str {
        "spo"
    }

    fn validate(&self) -> Result<()> {
        require_clip_range("epsilon", self.epsilon)
    }

    fn surrogate(&self, ratio: f64, advantage: f64) -> Surrogate {
        let deviation = ratio - 1.0;
        let weight = advantage.abs() / self.epsilon;
        Surrogate {
            value: ratio * advantage - 0.5 * weight * deviation * deviation,
            slope: advantage - weight * deviation,
            clipped: false,
        }
    }
}

/// The catalogue entry.
pub fn entry() -> ObjectiveEntry {
    ObjectiveEntry {
        name: "spo",
        summary: "SPO's quadratic penalty r·A − |A|/(2ε)·(r−1)² (Xie et al. 2025)",
        parameters: vec![parameter(
            "epsilon",
            0.2,
            "ε: the maximizer sits at r = 1 ± ε",
        )],
        tabular: Some("K epochs on SPO's quadratic-penalty surrogate (Xie et al. 2025)"),
        llm: LlmUse::Algorithm("SPO's quadratic penalty r·A − |A|/(2ε)·(r−1)² (Xie et al. 2025)"),
        build: |values| {
            BuiltObjective::PerSample(Box::new(Spo {
                epsilon: values.real("epsilon"),
            }))
        },
    }
}
