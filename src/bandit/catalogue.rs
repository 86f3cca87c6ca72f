//! Bandit environments and learners by name, with their parameters: what an experiment file's
//! `[[world]] bandit = "…"` and `[[runs]] algorithm = "…"` on a bandit world build.
//!
//! Environments: `bernoulli` (means), `gaussian` (means, sigma), `switching` (the switching-decoy
//! adversarial table: arms, block, seed) and `ftl-trap` (the follow-the-leader trap: arms). The
//! adversarial tables are drawn for the horizon of the run.
//!
//! Learners: `ucb1`, `thompson` (Beta–Bernoulli), `gaussian-thompson` (sigma), `exp3` (eta; by
//! default tuned for the horizon), `tsallis-inf` (estimator 0 = importance weighted, 1 = reduced
//! variance) and `gradient-bandit` (stochastic softmax PG: step_size, baseline 0 = none, 1 = average).

use serde::Deserialize;

use super::{
    AdversarialTable, BanditEnvironment, BanditLearner, BanditRun, BernoulliBandit, GaussianBandit,
    run_bandit,
};
use crate::core::error::{Error, Result};
use crate::core::parameters::{Entry, Parameter, Values, find_named};

/// A bandit environment as an experiment file describes it.
#[derive(Debug, Clone, PartialEq)]
pub enum EnvironmentSpec {
    Bernoulli {
        means: Vec<f64>,
    },
    Gaussian {
        means: Vec<f64>,
        sigma: f64,
    },
    Switching {
        arms: usize,
        block: usize,
        seed: u64,
    },
    FollowTheLeaderTrap {
        arms: usize,
    },
}

/// The environment names, in the order errors list them.
pub const ENVIRONMENT_NAMES: &[&str] = &["bernoulli", "gaussian", "switching", "ftl-trap"];

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct MeansParams {
    means: Vec<f64>,
    #[serde(default = "unit")]
    sigma: f64,
}

fn unit() -> f64 {
    1.0
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SwitchingParams {
    #[serde(default = "three")]
    arms: usize,
    #[serde(default = "thousand")]
    block: usize,
    #[serde(default)]
    seed: u64,
}

fn three() -> usize {
    3
}

fn thousand() -> usize {
    1000
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct TrapParams {
    #[serde(default = "two")]
    arms: usize,
}

fn two() -> usize {
    2
}

impl EnvironmentSpec {
    /// Builds the spec from a name and a TOML table of parameters; unknown names and keys are
    /// errors that list the valid ones.
    pub fn from_table(name: &str, params: toml::Table) -> Result<Self> {
        let value = toml::Value::Table(params);
        let bad = |e: toml::de::Error| {
            Error::invalid(
                "params",
                e.message().to_string(),
                format!("the parameters of bandit `{name}`"),
            )
        };
        let spec = match name {
            "bernoulli" => {
                let p: MeansParams = value.try_into().map_err(bad)?;
                if p.sigma != 1.0 {
                    return Err(Error::invalid(
                        "params.sigma",
                        "a Bernoulli bandit has no sigma",
                        "only `means` (each in [0, 1])",
                    ));
                }
                EnvironmentSpec::Bernoulli { means: p.means }
            }
            "gaussian" => {
                let p: MeansParams = value.try_into().map_err(bad)?;
                EnvironmentSpec::Gaussian {
                    means: p.means,
                    sigma: p.sigma,
                }
            }
            "switching" => {
                let p: SwitchingParams = value.try_into().map_err(bad)?;
                EnvironmentSpec::Switching {
                    arms: p.arms,
                    block: p.block,
                    seed: p.seed,
                }
            }
            "ftl-trap" => {
                let p: TrapParams = value.try_into().map_err(bad)?;
                EnvironmentSpec::FollowTheLeaderTrap { arms: p.arms }
            }
            other => {
                return Err(Error::invalid(
                    "bandit",
                    format!("unknown bandit `{other}`"),
                    format!("one of {}", ENVIRONMENT_NAMES.join(", ")),
                ));
            }
        };
        // Build once with a short horizon so bad means or sizes fail before any work.
        spec.build(1)?;
        Ok(spec)
    }

    /// Number of arms K.
    pub fn arms(&self) -> usize {
        match self {
            EnvironmentSpec::Bernoulli { means } | EnvironmentSpec::Gaussian { means, .. } => {
                means.len()
            }
            EnvironmentSpec::Switching { arms, .. }
            | EnvironmentSpec::FollowTheLeaderTrap { arms } => *arms,
        }
    }

    /// Whether rewards lie in [0, 1] (what Beta–Bernoulli Thompson, EXP3 and Tsallis-INF assume).
    pub fn rewards_in_unit_interval(&self) -> bool {
        !matches!(self, EnvironmentSpec::Gaussian { .. })
    }

    /// A fresh environment for a game of `horizon` rounds.
    pub fn build(&self, horizon: usize) -> Result<Box<dyn BanditEnvironment>> {
        Ok(match self {
            EnvironmentSpec::Bernoulli { means } => Box::new(BernoulliBandit::new(means.clone())?),
            EnvironmentSpec::Gaussian { means, sigma } => {
                Box::new(GaussianBandit::new(means.clone(), *sigma)?)
            }
            EnvironmentSpec::Switching { arms, block, seed } => {
                Box::new(AdversarialTable::switching(*arms, horizon, *block, *seed)?)
            }
            EnvironmentSpec::FollowTheLeaderTrap { arms } => {
                Box::new(AdversarialTable::follow_the_leader_trap(*arms, horizon)?)
            }
        })
    }
}

/// One bandit learner of the catalogue.
#[derive(Clone)]
pub struct LearnerEntry {
    pub name: &'static str,
    /// One line with the paper.
    pub summary: &'static str,
    pub parameters: Vec<Parameter>,
    /// Whether the learner's analysis (and its update) assumes rewards in [0, 1].
    pub needs_unit_rewards: bool,
    /// Builds the validated learner for K arms and a horizon of T rounds from checked values.
    pub build: fn(&Values<'_>, usize, usize) -> Result<Box<dyn BanditLearner>>,
}

impl LearnerEntry {
    /// The name, summary and parameters, as the shared [`Entry`].
    pub fn listing(&self) -> Entry {
        Entry {
            name: self.name,
            summary: self.summary,
            parameters: self.parameters.clone(),
        }
    }
}

/// Every bandit learner, in the order `policylab algos` prints them. Adding a learner: its file
/// declares `entry()`, and one line here.
pub fn learner_entries() -> Vec<LearnerEntry> {
    vec![
        super::ucb1::entry(),
        super::thompson::entry(),
        super::thompson::gaussian_entry(),
        super::exp3::entry(),
        super::tsallis_inf::entry(),
        super::gradient::entry(),
    ]
}

/// The listings of every learner.
pub fn learners() -> Vec<Entry> {
    learner_entries()
        .iter()
        .map(LearnerEntry::listing)
        .collect()
}

/// Looks a learner up by name; an unknown name gets the list of valid ones.
pub fn learner(name: &str) -> Result<LearnerEntry> {
    find_named(learner_entries(), name, |l| l.name, "bandit algorithm")
}

/// [`learner`]'s listing.
pub fn learner_entry(name: &str) -> Result<Entry> {
    learner(name).map(|l| l.listing())
}

/// Reads a 0/1 parameter as a flag.
pub(crate) fn flag(parameter: &str, value: f64) -> Result<bool> {
    match value {
        0.0 => Ok(false),
        1.0 => Ok(true),
        other => Err(Error::invalid(
            parameter,
            format!("found {other}"),
            "expected 0 or 1",
        )),
    }
}

/// Builds the named learner for `environment` (with `given` parameters, defaults elsewhere) and
/// plays `horizon` rounds from `seed`.
pub fn run_named_bandit(
    name: &str,
    given: &[(String, f64)],
    environment: &EnvironmentSpec,
    horizon: usize,
    seed: u64,
) -> Result<BanditRun> {
    let entry = learner(name)?;
    let listing = entry.listing();
    let values = Values::checked(&listing, given)?;
    if entry.needs_unit_rewards && !environment.rewards_in_unit_interval() {
        return Err(Error::Usage(format!(
            "`{name}` assumes rewards in [0, 1]; a Gaussian bandit's are not (use gaussian-thompson, ucb1 or gradient-bandit)"
        )));
    }
    let mut learner = (entry.build)(&values, environment.arms(), horizon)?;
    let mut env = environment.build(horizon)?;
    run_bandit(env.as_mut(), learner.as_mut(), horizon, seed)
        .map_err(|e| e.in_origin(&format!("bandit algorithm `{name}`")))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table(text: &str) -> toml::Table {
        text.parse().unwrap()
    }

    #[test]
    fn every_learner_plays_a_bernoulli_bandit_with_its_defaults() {
        let env = EnvironmentSpec::from_table("bernoulli", table("means = [0.9, 0.5]")).unwrap();
        for entry in learners() {
            let run = run_named_bandit(entry.name, &[], &env, 50, 3)
                .unwrap_or_else(|e| panic!("{}: {e}", entry.name));
            assert_eq!(run.arms.len(), 50, "{}", entry.name);
            assert!(run.regret_after(50) >= 0.0, "{}", entry.name);
        }
    }

    #[test]
    fn bad_names_and_keys_list_the_valid_ones() {
        let error = EnvironmentSpec::from_table("bernouli", table(""))
            .unwrap_err()
            .to_string();
        assert!(error.contains("bernoulli, gaussian"), "{error}");
        let error = EnvironmentSpec::from_table("bernoulli", table("mean = [0.5]"))
            .unwrap_err()
            .to_string();
        assert!(error.contains("unknown field `mean`"), "{error}");
        let env = EnvironmentSpec::from_table("gaussian", table("means = [0.0, 1.0]")).unwrap();
        let error = run_named_bandit("exp3", &[], &env, 10, 0)
            .unwrap_err()
            .to_string();
        assert!(error.contains("[0, 1]"), "{error}");
        let error = run_named_bandit("ucb", &[], &env, 10, 0)
            .unwrap_err()
            .to_string();
        assert!(error.contains("ucb1, thompson"), "{error}");
    }
}
