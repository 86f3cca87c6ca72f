//! Every objective by name — the one list the tabular surrogate algorithms, the LLM trainer,
//! `policylab algos` and experiment checking read. Each objective file declares its own entry
//! (`pub fn entry() -> ObjectiveEntry`: name, formula and paper, parameters with defaults and
//! documentation, where it runs, and a builder that returns the validated objective); the list
//! below names each entry once. No objective name is matched anywhere else.

use super::{ClipCov, Gspo, KlCov, Objective};
use crate::core::error::{Error, Result};
use crate::core::parameters::{Entry, Parameter, Values, find_named};

/// A built objective: a per-sample surrogate f(r, A), or one of the token-batch objectives only
/// the LLM trainer evaluates (sequence ratios, covariance selections).
#[derive(Debug)]
pub enum BuiltObjective {
    PerSample(Box<dyn Objective>),
    /// GSPO: a per-sample surrogate of the length-normalized sequence ratio.
    Sequence(Gspo),
    ClipCov(ClipCov),
    KlCov(KlCov),
}

impl BuiltObjective {
    /// The per-sample surrogate, where the objective is one (GSPO's of the sequence ratio).
    pub fn into_per_sample(self) -> Option<Box<dyn Objective>> {
        match self {
            BuiltObjective::PerSample(objective) => Some(objective),
            BuiltObjective::Sequence(gspo) => Some(Box::new(gspo)),
            BuiltObjective::ClipCov(_) | BuiltObjective::KlCov(_) => None,
        }
    }
}

/// Where an objective serves the LLM trainer.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum LlmUse {
    /// Not a per-token loss (the reason, for the message that refuses it).
    Unavailable(&'static str),
    /// A loss the trainer can use, offered through another algorithm's name (PPO-clip: `grpo`).
    Loss,
    /// A loss offered as an LLM algorithm of the objective's own name (its summary).
    Algorithm(&'static str),
}

/// One objective of the catalogue.
#[derive(Clone)]
pub struct ObjectiveEntry {
    pub name: &'static str,
    /// The formula's name and the paper.
    pub summary: &'static str,
    pub parameters: Vec<Parameter>,
    /// The K-epoch tabular algorithm of this objective (its summary), where there is one.
    pub tabular: Option<&'static str>,
    pub llm: LlmUse,
    /// Builds the objective from checked values; the result is validated by [`build`].
    pub build: fn(&Values<'_>) -> BuiltObjective,
}

impl ObjectiveEntry {
    /// The name, summary and parameters, as the shared [`Entry`].
    pub fn listing(&self) -> Entry {
        Entry {
            name: self.name,
            summary: self.summary,
            parameters: self.parameters.clone(),
        }
    }
}

/// Every objective, in listing order. Adding an objective: its file declares `entry()`, and
/// one line here.
pub fn objectives() -> Vec<ObjectiveEntry> {
    vec![
        super::pg::entry(),
        super::ppo_clip::entry(),
        super::ppo_clip::clip_higher_entry(),
        super::dual_clip::entry(),
        super::spo::entry(),
        super::sapo::entry(),
        super::gspo::entry(),
        super::trpo::entry(),
        super::bapo_clip::entry(),
        super::clip_cov::entry(),
        super::kl_cov::entry(),
    ]
}

/// The objective called `name`; an unknown name gets the list of valid ones.
pub fn objective(name: &str) -> Result<ObjectiveEntry> {
    find_named(objectives(), name, |o| o.name, "objective")
}

/// Builds and validates `entry` with `params` over its defaults. An unknown or repeated
/// parameter, or a value the objective rejects, is an [`Error::Invalid`] naming it.
pub fn build(entry: &ObjectiveEntry, params: &[(String, f64)]) -> Result<BuiltObjective> {
    for (i, (key, _)) in params.iter().enumerate() {
        if !entry.parameters.iter().any(|p| p.name == key) {
            let valid: Vec<&str> = entry.parameters.iter().map(|p| p.name).collect();
            return Err(Error::invalid(
                key.as_str(),
                format!("found an unknown parameter of `{}`", entry.name),
                if valid.is_empty() {
                    format!("`{}` takes no parameters", entry.name)
                } else {
                    format!("expected one of: {}", valid.join(", "))
                },
            ));
        }
        if params[..i].iter().any(|(k, _)| k == key) {
            return Err(Error::invalid(
                key.as_str(),
                "found it twice",
                "expected each parameter at most once",
            ));
        }
    }
    let listing = entry.listing();
    let values = Values::checked(&listing, params)?;
    let built = (entry.build)(&values);
    match &built {
        BuiltObjective::PerSample(objective) => objective.validate()?,
        BuiltObjective::Sequence(gspo) => gspo.validate()?,
        BuiltObjective::ClipCov(clip_cov) => clip_cov.validate()?,
        BuiltObjective::KlCov(kl_cov) => kl_cov.validate()?,
    }
    Ok(built)
}
