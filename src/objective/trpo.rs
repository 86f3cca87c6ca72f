//! The TRPO surrogate (Schulman, Levine, Moritz, Jordan & Abbeel 2015, "Trust Region Policy
//! Optimization", ICML 2015, arXiv 1502.05477, the sample-based problem of §5, Eq. (14) by our
//! unconfirmed numbering):
//!
//! maximize E[r·A]  subject to  E_s[KL(π_old(·|s) ‖ π_θ(·|s))] ≤ δ.
//!
//! Per sample the objective is the policy-gradient surrogate J = r·A, ∂J/∂r = A, never flat; the
//! trust region lives in the constraint, which a conjugate-gradient step and a backtracking line
//! search enforce elsewhere in policylab. This file holds the per-sample part, the bound δ
//! (`max_kl`, 0.01: the step size reported for the paper's experiments by secondary sources) and
//! the acceptance test of the line search.

use super::catalogue::{BuiltObjective, LlmUse, ObjectiveEntry};
use super::{Objective, PolicyGradient, Surrogate};
use crate::core::error::{Error, Result};
use crate::core::parameters::parameter;

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Trpo {
    /// δ: the bound on the mean KL(π_old ‖ π_θ) over states (0.01).
    pub max_kl: f64,
}

impl Default for Trpo {
    fn default() -> Self {
        Trpo { max_kl: 0.01 }
    }
}

impl Trpo {
    /// Whether a candidate with this mean KL is inside the trust region.
    pub fn accepts(&self, mean_kl: f64) -> bool {
        within_trust_region(mean_kl, self.max_kl)
    }
}

/// Whether a mean KL divergence satisfies KL ≤ δ (a NaN divergence never does).
pub fn within_trust_region(kl: f64, delta: f64) -> bool {
    kl <= delta
}

impl Objective for Trpo {
    fn name(&self) -> &'static str {
        "trpo"
    }

    fn validate(&self) -> Result<()> {
        if self.max_kl.is_finite() && self.max_kl > 0.0 {
            Ok(())
        } else {
            Err(Error::invalid(
                "max_kl",
                format!("found {}", self.max_kl),
                "expected a finite KL bound δ > 0",
            ))
        }
    }

    fn surrogate(&self, ratio: f64, advantage: f64) -> Surrogate {
        PolicyGradient.surrogate(ratio, advantage)
    }
}

/// The catalogue entry.
pub fn entry() -> ObjectiveEntry {
    ObjectiveEntry {
        name: "trpo",
        summary: "TRPO's trust region: the surrogate r·A under a bound on the mean KL (Schulman et al. 2015)",
        parameters: vec![parameter(
            "max_kl",
            0.01,
            "δ: bound on the mean KL(π_old ‖ π_θ)",
        )],
        tabular: None,
        llm: LlmUse::Unavailable("a constrained step, not a per-token loss"),
        build: |values| {
            BuiltObjective::PerSample(Box::new(Trpo {
                max_kl: values.real("max_kl"),
            }))
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn surrogate_is_the_policy_gradient_one() {
        let t = Trpo::default();
        for (r, a) in [(0.5, 2.0), (1.0, -3.0), (4.0, 0.5)] {
            assert_eq!(t.surrogate(r, a), PolicyGradient.surrogate(r, a));
        }
    }

    #[test]
    fn trust_region_boundary_is_inclusive() {
        assert!(within_trust_region(0.01, 0.01));
        assert!(within_trust_region(0.0, 0.01));
        assert!(!within_trust_region(0.010_000_1, 0.01));
        assert!(!within_trust_region(f64::NAN, 0.01));
        assert!(Trpo::default().accepts(0.005));
    }

    #[test]
    fn validate_rejects_bad_bounds() {
        assert!(Trpo::default().validate().is_ok());
        for d in [0.0, -0.01, f64::NAN, f64::INFINITY] {
            assert!(Trpo { max_kl: d }.validate().is_err());
        }
    }
}
