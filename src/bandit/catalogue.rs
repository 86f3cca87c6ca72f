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
    AdversarialTable, BanditEnvironment, BanditLearner, BanditRun, Baseline, BernoulliBandit,
    BetaThompson, Estimator, Exp3, GaussianBandit, GaussianThompson, GradientBandit, TsallisInf,
    Ucb1, run_bandit,
};
use crate::core::error::{Error, Result};
use crate::core::parameters::{Entry, Parameter};

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

const fn parameter(name: &'static str, default: Option<f64>, doc: &'static str) -> Parameter {
    Parameter { name, default, doc }
}

/// Every bandit learner with its parameters, in the order `policylab algos` prints them.
pub fn learners() -> Vec<Entry> {
    vec![
        Entry {
            name: "ucb1",
            summary: "UCB1: the arm with the largest mean + √(2 ln t / n) (Auer, Cesa-Bianchi & Fischer 2002)",
            parameters: vec![],
        },
        Entry {
            name: "thompson",
            summary: "Thompson sampling with Beta(1, 1) priors on Bernoulli rewards (Agrawal & Goyal 2012)",
            parameters: vec![],
        },
        Entry {
            name: "gaussian-thompson",
            summary: "Thompson sampling with Gaussian posteriors for Gaussian rewards",
            parameters: vec![parameter(
                "sigma",
                Some(1.0),
                "assumed reward standard deviation",
            )],
        },
        Entry {
            name: "exp3",
            summary: "EXP3: exponential weights on importance-weighted rewards (Auer et al. 2002)",
            parameters: vec![parameter(
                "eta",
                None,
                "learning rate; default √(2 ln K / (T K)), tuned for the horizon T",
            )],
        },
        Entry {
            name: "tsallis-inf",
            summary: "Tsallis-INF with the ½-Tsallis regularizer, best of both worlds (Zimmert & Seldin 2021)",
            parameters: vec![parameter(
                "estimator",
                Some(0.0),
                "0: importance weighted (η_t = 2/√t); 1: reduced variance (η_t = 4/√t)",
            )],
        },
        Entry {
            name: "gradient-bandit",
            summary: "stochastic softmax PG on the arms, the gradient bandit (Sutton & Barto 2018, §2.8)",
            parameters: vec![
                parameter("step_size", Some(0.1), "step size α"),
                parameter(
                    "baseline",
                    Some(1.0),
                    "1: the average of past rewards; 0: no baseline",
                ),
            ],
        },
    ]
}

/// Looks a learner up by name; an unknown name gets the list of valid ones.
pub fn learner_entry(name: &str) -> Result<Entry> {
    let all = learners();
    let names: Vec<&str> = all.iter().map(|e| e.name).collect();
    all.into_iter().find(|e| e.name == name).ok_or_else(|| {
        Error::Usage(format!(
            "unknown bandit algorithm `{name}`; the bandit algorithms are: {}",
            names.join(", ")
        ))
    })
}

fn flag(parameter: &str, value: f64) -> Result<bool> {
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
    let entry = learner_entry(name)?;
    crate::core::parameters::check_parameters(&entry, given)?;
    let get = |key: &str| {
        given
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| *v)
            .or_else(|| {
                entry
                    .parameters
                    .iter()
                    .find(|p| p.name == key)
                    .and_then(|p| p.default)
            })
    };
    let k = environment.arms();
    if matches!(name, "thompson" | "exp3" | "tsallis-inf")
        && !environment.rewards_in_unit_interval()
    {
        return Err(Error::Usage(format!(
            "`{name}` assumes rewards in [0, 1]; a Gaussian bandit's are not (use gaussian-thompson, ucb1 or gradient-bandit)"
        )));
    }
    let mut learner: Box<dyn BanditLearner> = match name {
        "ucb1" => Box::new(Ucb1::new(k)?),
        "thompson" => Box::new(BetaThompson::new(k)?),
        "gaussian-thompson" => Box::new(GaussianThompson::new(k, get("sigma").unwrap_or(1.0))?),
        "exp3" => match get("eta") {
            Some(eta) => Box::new(Exp3::new(k, eta)?),
            None => Box::new(Exp3::for_horizon(k, horizon)?),
        },
        "tsallis-inf" => {
            let estimator = if flag("estimator", get("estimator").unwrap_or(0.0))? {
                Estimator::ReducedVariance
            } else {
                Estimator::ImportanceWeighted
            };
            Box::new(TsallisInf::new(k, estimator)?)
        }
        "gradient-bandit" => {
            let baseline = if flag("baseline", get("baseline").unwrap_or(1.0))? {
                Baseline::Average
            } else {
                Baseline::None
            };
            Box::new(GradientBandit::new(
                k,
                get("step_size").unwrap_or(0.1),
                baseline,
            )?)
        }
        other => {
            return Err(Error::Usage(format!(
                "bandit algorithm `{other}` is listed but has no builder (a bug in policylab)"
            )));
        }
    };
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
