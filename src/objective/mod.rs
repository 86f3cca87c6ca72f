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

pub mod aggregation;
pub mod bapo;
pub mod bapo_clip;
pub mod catalogue;
pub mod clip_cov;
pub mod covariance;
pub mod dual_clip;
pub mod entropy_bonus;
pub mod gspo;
pub mod kl_cov;
pub mod kl_penalty;
pub mod pg;
pub mod ppo_clip;
pub mod sapo;
pub mod spo;
pub mod trpo;

pub use aggregation::Aggregation;
pub use bapo::BapoSchedule;
pub use bapo_clip::BapoClip;
pub use catalogue::{BuiltObjective, LlmUse, ObjectiveEntry};
pub use clip_cov::ClipCov;
pub use covariance::{CovSelection, TokenSample};
pub use dual_clip::DualClip;
pub use entropy_bonus::EntropyBonus;
pub use gspo::{Gspo, sequence_ratio};
pub use kl_cov::KlCov;
pub use kl_penalty::{KlEstimator, KlPenalty};
pub use pg::PolicyGradient;
pub use ppo_clip::PpoClip;
pub use sapo::Sapo;
pub use spo::Spo;
pub use trpo::{Trpo, within_trust_region};

use crate::core::error::{Error, Result};

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

/// A parameter of a named objective: (name, default, description).
pub type Parameter = (&'static str, f64, &'static str);

/// The names of the per-sample objectives f(r, A) [`objective_from_name`] builds, in listing
/// order (the [`catalogue`] also holds the LLM trainer's token-batch objectives).
pub fn objective_names() -> Vec<&'static str> {
    catalogue::objectives()
        .into_iter()
        .filter(|entry| {
            catalogue::build(entry, &[])
                .ok()
                .and_then(BuiltObjective::into_per_sample)
                .is_some()
        })
        .map(|entry| entry.name)
        .collect()
}

/// The parameters of a named objective with their defaults and descriptions (empty for an
/// unknown name).
pub fn objective_parameters(name: &str) -> Vec<Parameter> {
    catalogue::objective(name)
        .map(|entry| {
            entry
                .parameters
                .iter()
                .map(|p| (p.name, p.default.unwrap_or(f64::NAN), p.doc))
                .collect()
        })
        .unwrap_or_default()
}

/// Builds and validates a per-sample objective by name, its defaults overridden by `params`.
///
/// An unknown name, or one whose objective is not per-sample (Clip-Cov and KL-Cov select tokens
/// of a batch), is an [`Error::Usage`]; an unknown or repeated parameter, or a value the
/// objective rejects, is an [`Error::Invalid`].
pub fn objective_from_name(name: &str, params: &[(String, f64)]) -> Result<Box<dyn Objective>> {
    let entry = catalogue::objective(name)?;
    catalogue::build(&entry, params)?
        .into_per_sample()
        .ok_or_else(|| {
            Error::Usage(format!(
                "objective `{name}` selects tokens of a batch and is not a per-sample surrogate f(r, A)"
            ))
        })
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

#[cfg(test)]
mod registry_tests {
    use super::*;

    #[test]
    fn every_name_builds_with_its_defaults_and_lists_its_parameters() {
        let names = objective_names();
        assert_eq!(
            names,
            [
                "pg",
                "ppo-clip",
                "clip-higher",
                "dual-clip",
                "spo",
                "sapo",
                "gspo",
                "trpo",
                "bapo-bounds"
            ]
        );
        for name in names {
            assert!(objective_from_name(name, &[]).is_ok(), "{name}");
            let entry = catalogue::objective(name).unwrap();
            assert_eq!(objective_parameters(name).len(), entry.parameters.len());
        }
        assert!(objective_parameters("nope").is_empty());
        let all: Vec<&str> = catalogue::objectives().iter().map(|o| o.name).collect();
        for (i, name) in all.iter().enumerate() {
            assert!(!all[..i].contains(name), "{name} twice");
        }
        assert!(objective_from_name("clip-cov", &[]).is_err());
    }

    #[test]
    fn registry_defaults_are_the_types_defaults() {
        let defaults: [(&str, Box<dyn Objective>); 9] = [
            ("pg", Box::new(PolicyGradient)),
            ("ppo-clip", Box::new(PpoClip::default())),
            ("clip-higher", Box::new(PpoClip::clip_higher())),
            ("dual-clip", Box::new(DualClip::default())),
            ("spo", Box::new(Spo::default())),
            ("sapo", Box::new(Sapo::default())),
            ("gspo", Box::new(Gspo::default())),
            ("trpo", Box::new(Trpo::default())),
            ("bapo-bounds", Box::new(BapoClip::default())),
        ];
        for (name, expected) in defaults {
            let built = objective_from_name(name, &[]).unwrap();
            assert_eq!(format!("{built:?}"), format!("{expected:?}"), "{name}");
        }
    }

    #[test]
    fn overrides_apply_and_are_validated() {
        let o = objective_from_name("ppo-clip", &[("clip_high".into(), 0.3)]).unwrap();
        assert_eq!(o.surrogate(2.0, 1.0).value, 1.3);
        let o = objective_from_name("clip-higher", &[]).unwrap();
        assert_eq!(o.surrogate(2.0, 1.0).value, 1.28);
        assert!(objective_from_name("spo", &[("epsilon".into(), 0.0)]).is_err());
        assert!(objective_from_name("dual-clip", &[("dual_clip".into(), 1.1)]).is_err());
    }

    #[test]
    fn unknown_names_and_parameters_list_the_choices() {
        match objective_from_name("ppo", &[]) {
            Err(Error::Usage(msg)) => {
                assert!(msg.contains("ppo-clip") && msg.contains("bapo-bounds"))
            }
            other => panic!("expected a usage error, got {other:?}"),
        }
        match objective_from_name("sapo", &[("tau".into(), 1.0)]) {
            Err(Error::Invalid { expected, .. }) => assert!(expected.contains("tau_pos, tau_neg")),
            other => panic!("expected an invalid-parameter error, got {other:?}"),
        }
        let twice = [("max_kl".to_string(), 0.1), ("max_kl".to_string(), 0.2)];
        assert!(objective_from_name("trpo", &twice).is_err());
        assert!(objective_from_name("pg", &[("x".into(), 1.0)]).is_err());
    }
}
