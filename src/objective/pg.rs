//! The policy-gradient (conservative policy iteration) surrogate J = r·A (Kakade & Langford 2002;
//! Schulman et al. 2017, "Proximal Policy Optimization Algorithms", Eq. 6 as L^CPI). Its gradient
//! at r = 1 is A·∇log π, the vanilla policy gradient; it is unbounded in r, which is why trust
//! regions exist.

use super::catalogue::{BuiltObjective, LlmUse, ObjectiveEntry};
use super::{Objective, Surrogate};

/// J = r·A, ∂J/∂r = A.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct PolicyGradient;

impl Objective for PolicyGradient {
    fn name(&self) -> &'static str {
        "pg"
    }

    fn surrogate(&self, ratio: f64, advantage: f64) -> Surrogate {
        Surrogate {
            value: ratio * advantage,
            slope: advantage,
            clipped: false,
        }
    }
}

/// The catalogue entry.
pub fn entry() -> ObjectiveEntry {
    ObjectiveEntry {
        name: "pg",
        summary: "the policy-gradient surrogate r·A (no clipping)",
        parameters: vec![],
        tabular: Some(
            "K epochs on the PG surrogate r·A; episodes > 0, epochs = 1: sampled PG (GAE; λ = 1 is REINFORCE with baseline V)",
        ),
        llm: LlmUse::Algorithm("the unclipped policy gradient r·A on group-normalized rewards"),
        build: |_| BuiltObjective::PerSample(Box::new(PolicyGradient)),
    }
}
