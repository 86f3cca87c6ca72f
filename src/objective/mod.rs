//! Per-sample surrogate objectives as pure functions of the probability ratio
//! r = π_θ(a|s)/π_old(a|s) and the advantage A, each returning its value and its derivative in r.
//!
//! One definition serves the tabular algorithms (f64, here) and the LLM trainer. Objectives are
//! *maximized*; a loss is the negated objective. Since ∂r/∂θ = r·∇_θ log π_θ, the derivative in
//! log r is r·∂J/∂r ([`Surrogate::log_ratio_slope`]), and a region where ∂J/∂r = 0 gives no
//! gradient to θ.
//!
//! Formulas and sources for every objective are in its file; research notes with the defaults and
//! where each was confirmed are in `paper-notes/objectives-sources.md`.

pub mod pg;
pub mod ppo_clip;
pub mod spo;

pub use pg::PolicyGradient;
pub use ppo_clip::PpoClip;
pub use spo::Spo;

use crate::error::{Error, Result};

/// J(r, A) and ∂J/∂r at one sample.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Surrogate {
    pub value: f64,
    /// ∂J/∂r (a one-sided derivative at a kink: the one of the region r is in when the kink's
    /// inequality is strict, as automatic differentiation of the `min`/`clip` form gives).
    pub slope: f64,
    /// Whether the sample sits in a region where the objective is flat because of clipping.
    pub clipped: bool,
}

impl Surrogate {
    /// ∂J/∂log r = r·∂J/∂r.
    pub fn log_ratio_slope(&self, ratio: f64) -> f64 {
        ratio * self.slope
    }
}

/// A per-sample surrogate objective.
pub trait Objective: Send + Sync + std::fmt::Debug {
    /// The name used on the command line and in results.
    fn name(&self) -> &'static str;

    /// Checks the parameters (called once before a run).
    fn validate(&self) -> Result<()> {
        Ok(())
    }

    /// The value and derivative at ratio r > 0 and advantage A.
    fn surrogate(&self, ratio: f64, advantage: f64) -> Surrogate;
}

/// Checks a clipping range ε ∈ (0, 1] (a lower clip of 1 − ε must stay positive or zero).
pub(crate) fn require_clip_range(parameter: &str, epsilon: f64) -> Result<()> {
    if epsilon.is_finite() && epsilon > 0.0 && epsilon <= 1.0 {
        Ok(())
    } else {
        Err(Error::invalid(
            parameter,
            format!("found {epsilon}"),
            "expected a clipping range in (0, 1]",
        ))
    }
}

/// A boxed objective (as built from a name on the command line) is an objective.
impl Objective for Box<dyn Objective> {
    fn name(&self) -> &'static str {
        self.as_ref().name()
    }

    fn validate(&self) -> Result<()> {
        self.as_ref().validate()
    }

    fn surrogate(&self, ratio: f64, advantage: f64) -> Surrogate {
        self.as_ref().surrogate(ratio, advantage)
    }
}
