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

const PPO_PARAMETERS: &[Parameter] = &[
    (
        "clip_low",
        0.2,
        "ε_low: the ratio is clipped below at 1 − ε_low",
    ),
    (
        "clip_high",
        0.2,
        "ε_high: the ratio is clipped above at 1 + ε_high",
    ),
];
const CLIP_HIGHER_PARAMETERS: &[Parameter] = &[
    ("clip_low", 0.2, "ε_low (DAPO: 0.2)"),
    ("clip_high", 0.28, "ε_high (DAPO: 0.28)"),
];
const DUAL_CLIP_PARAMETERS: &[Parameter] = &[
    ("clip_low", 0.2, "ε_low"),
    ("clip_high", 0.2, "ε_high"),
    ("dual_clip", 3.0, "c > 1 + ε_high: floor c·A for A < 0"),
];
const SPO_PARAMETERS: &[Parameter] = &[("epsilon", 0.2, "ε: the maximizer sits at r = 1 ± ε")];
const SAPO_PARAMETERS: &[Parameter] = &[
    ("tau_pos", 1.0, "gate temperature for A > 0"),
    ("tau_neg", 1.05, "gate temperature for A ≤ 0"),
];
const GSPO_PARAMETERS: &[Parameter] = &[
    ("clip_low", 3e-4, "ε_low on the sequence ratio s"),
    ("clip_high", 4e-4, "ε_high on the sequence ratio s"),
];
const TRPO_PARAMETERS: &[Parameter] = &[("max_kl", 0.01, "δ: bound on the mean KL(π_old ‖ π_θ)")];
const BAPO_PARAMETERS: &[Parameter] = &[
    ("clip_low", 0.6, "c_low: absolute lower ratio bound"),
    ("clip_high", 1.2, "c_high: absolute upper ratio bound"),
    ("dual_clip", 3.0, "c > c_high: floor c·A for A < 0"),
];

/// Every per-sample objective [`objective_from_name`] builds, in listing order.
const REGISTRY: &[(&str, &[Parameter])] = &[
    ("pg", &[]),
    ("ppo-clip", PPO_PARAMETERS),
    ("clip-higher", CLIP_HIGHER_PARAMETERS),
    ("dual-clip", DUAL_CLIP_PARAMETERS),
    ("spo", SPO_PARAMETERS),
    ("sapo", SAPO_PARAMETERS),
    ("gspo", GSPO_PARAMETERS),
    ("trpo", TRPO_PARAMETERS),
    ("bapo-bounds", BAPO_PARAMETERS),
];

const NAMES: &[&str] = &[
    "pg",
    "ppo-clip",
    "clip-higher",
    "dual-clip",
    "spo",
    "sapo",
    "gspo",
    "trpo",
    "bapo-bounds",
];

/// The names [`objective_from_name`] accepts.
pub fn objective_names() -> &'static [&'static str] {
    NAMES
}

/// The parameters of a named objective with their defaults and descriptions (empty for an
/// unknown name).
pub fn objective_parameters(name: &str) -> Vec<Parameter> {
    REGISTRY
        .iter()
        .find(|(n, _)| *n == name)
        .map(|(_, p)| p.to_vec())
        .unwrap_or_default()
}

/// Builds and validates a per-sample objective by name, its defaults overridden by `params`.
///
/// An unknown name is an [`Error::Usage`]; an unknown or repeated parameter, or a value the
/// objective rejects, is an [`Error::Invalid`].
pub fn objective_from_name(name: &str, params: &[(String, f64)]) -> Result<Box<dyn Objective>> {
    let Some((name, defaults)) = REGISTRY.iter().find(|(n, _)| *n == name) else {
        return Err(Error::Usage(format!(
            "unknown objective `{name}`; expected one of: {}",
            NAMES.join(", ")
        )));
    };
    let mut values: Vec<f64> = defaults.iter().map(|(_, v, _)| *v).collect();
    // `values` and `seen` have one entry per row of `defaults`; `i` below is a position in it.
    let mut seen = vec![false; defaults.len()];
    for (key, value) in params {
        let Some(i) = defaults.iter().position(|(k, _, _)| k == key) else {
            let valid: Vec<&str> = defaults.iter().map(|(k, _, _)| *k).collect();
            return Err(Error::invalid(
                key.as_str(),
                format!("found an unknown parameter of `{name}`"),
                if valid.is_empty() {
                    format!("`{name}` takes no parameters")
                } else {
                    format!("expected one of: {}", valid.join(", "))
                },
            ));
        };
        if seen[i] {
            return Err(Error::invalid(
                key.as_str(),
                "found it twice",
                "expected each parameter at most once",
            ));
        }
        seen[i] = true;
        values[i] = *value;
    }
    // `values` has exactly one entry per row of this objective's parameter table above, so
    // these indices are in range by construction.
    let v = |i: usize| values[i];
    let objective: Box<dyn Objective> = match *name {
        "pg" => Box::new(PolicyGradient),
        "ppo-clip" | "clip-higher" => Box::new(PpoClip {
            clip_low: v(0),
            clip_high: v(1),
        }),
        "dual-clip" => Box::new(DualClip {
            clip: PpoClip {
                clip_low: v(0),
                clip_high: v(1),
            },
            dual_clip: v(2),
        }),
        "spo" => Box::new(Spo { epsilon: v(0) }),
        "sapo" => Box::new(Sapo {
            tau_pos: v(0),
            tau_neg: v(1),
        }),
        "gspo" => Box::new(Gspo {
            clip_low: v(0),
            clip_high: v(1),
        }),
        "trpo" => Box::new(Trpo { max_kl: v(0) }),
        "bapo-bounds" => Box::new(BapoClip {
            clip_low: v(0),
            clip_high: v(1),
            dual_clip: v(2),
        }),
        other => {
            return Err(Error::Usage(format!(
                "objective `{other}` is listed but has no constructor"
            )));
        }
    };
    objective.validate()?;
    Ok(objective)
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
        assert_eq!(NAMES.len(), REGISTRY.len());
        for (&name, (listed, params)) in NAMES.iter().zip(REGISTRY) {
            assert_eq!(name, *listed);
            assert!(objective_from_name(name, &[]).is_ok(), "{name}");
            assert_eq!(objective_parameters(name), params.to_vec());
        }
        assert!(objective_parameters("nope").is_empty());
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
