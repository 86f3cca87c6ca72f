//! Every algorithm by name, with its parameters, defaults and documentation: what
//! `policylab algos` lists and what `policylab train --algo NAME --param k=v` builds.

use super::sampled_surrogate::AdvantageEstimator;
use super::{
    Algorithm, EntropyNpg, EntropyPg, NaturalPg, Problem, ProjectedPg, Record,
    SampledSurrogateAscent, SoftmaxPg, SurrogateAscent, Trpo, runner::run_while,
};
use crate::error::{Error, Result};
use crate::estimator::GroupAdvantage;
use crate::objective::{objective_from_name, objective_parameters};

/// One parameter of an algorithm.
#[derive(Debug, Clone, PartialEq)]
pub struct Parameter {
    pub name: &'static str,
    /// The default, or `None` where the default is derived from the world (see `doc`).
    pub default: Option<f64>,
    pub doc: &'static str,
}

const fn parameter(name: &'static str, default: f64, doc: &'static str) -> Parameter {
    Parameter {
        name,
        default: Some(default),
        doc,
    }
}

/// One algorithm: its name, a one-line summary with the paper, and its parameters.
#[derive(Debug, Clone, PartialEq)]
pub struct Entry {
    pub name: &'static str,
    pub summary: &'static str,
    pub parameters: Vec<Parameter>,
}

const EPOCHS: Parameter = parameter(
    "epochs",
    10.0,
    "gradient-ascent epochs on the surrogate per update, K",
);
const LEARNING_RATE: Parameter = parameter("learning_rate", 1.0, "step size of each epoch");

const EPISODES: Parameter = parameter(
    "episodes",
    0.0,
    "0: exact surrogate; N > 0: N sampled rollouts per update (GAE with the exact critic)",
);
const LAMBDA: Parameter = parameter("lambda", 0.95, "GAE's λ in sampled mode");

/// The K-epoch surrogate-ascent algorithms, one per objective of [`crate::objective`].
const SURROGATE_ALGORITHMS: &[(&str, &str)] = &[
    (
        "pg",
        "K epochs on the PG surrogate r·A; episodes > 0, epochs = 1: sampled PG (GAE; λ = 1 is REINFORCE with baseline V)",
    ),
    (
        "ppo-clip",
        "K epochs on PPO's clipped surrogate (Schulman et al. 2017)",
    ),
    (
        "clip-higher",
        "K epochs on DAPO's clip-higher surrogate (Yu et al. 2025)",
    ),
    ("dual-clip", "K epochs on dual-clip PPO (Ye et al. 2020)"),
    (
        "spo",
        "K epochs on SPO's quadratic-penalty surrogate (Xie et al. 2025)",
    ),
    (
        "sapo",
        "K epochs on SAPO's soft-gated surrogate (Gao et al. 2025)",
    ),
];

/// All algorithms, in the order `policylab algos` prints them.
pub fn catalogue() -> Vec<Entry> {
    let mut entries = vec![
        Entry {
            name: "softmax-pg",
            summary: "exact softmax policy gradient (Mei et al. 2020)",
            parameters: vec![parameter(
                "step_size",
                0.1,
                "step size η (Mei et al.'s bandit: 0.4)",
            )],
        },
        Entry {
            name: "projected-pg",
            summary: "projected PG, direct parameterization (Agarwal et al. 2021, §4.1)",
            parameters: vec![Parameter {
                name: "step_size",
                default: None,
                doc: "step size η (default (1−γ)³/(2γ|A|), Agarwal et al. Theorem 4.2)",
            }],
        },
        Entry {
            name: "npg",
            summary: "natural PG = policy mirror descent with KL (Agarwal et al. 2021; Xiao 2022)",
            parameters: vec![
                parameter("step_size", 1.0, "initial step size η_0"),
                parameter(
                    "step_growth",
                    1.0,
                    "η_{t+1}/η_t (1: constant; 1/γ: Xiao's linear rate)",
                ),
            ],
        },
        Entry {
            name: "entropy-pg",
            summary: "entropy-regularized softmax PG (Mei et al. 2020, §5)",
            parameters: vec![
                parameter("temperature", 0.1, "entropy weight τ"),
                parameter("step_size", 0.1, "step size η"),
            ],
        },
        Entry {
            name: "entropy-npg",
            summary: "entropy-regularized NPG on soft values (Cen et al. 2022)",
            parameters: vec![
                parameter("temperature", 0.1, "entropy weight τ"),
                Parameter {
                    name: "step_size",
                    default: None,
                    doc: "step size η ≤ (1−γ)/τ (default (1−γ)/τ: soft policy iteration)",
                },
            ],
        },
        Entry {
            name: "trpo",
            summary: "TRPO: CG on the Fisher matrix + exact-KL line search (Schulman et al. 2015)",
            parameters: vec![
                parameter("max_kl", 0.01, "trust-region radius δ on the mean KL"),
                parameter("cg_iterations", 10.0, "conjugate-gradient iterations"),
                parameter("backtracks", 10.0, "line-search halvings"),
                parameter("damping", 1e-8, "added to the Fisher diagonal"),
            ],
        },
    ];
    for &(name, summary) in SURROGATE_ALGORITHMS {
        let mut parameters: Vec<Parameter> = objective_parameters(name)
            .into_iter()
            .map(|(name, default, doc)| parameter(name, default, doc))
            .collect();
        parameters.extend([EPOCHS, LEARNING_RATE, EPISODES, LAMBDA]);
        entries.push(Entry {
            name,
            summary,
            parameters,
        });
    }
    for (name, summary) in [
        (
            "grpo",
            "PPO-clip on group-normalized returns, no critic (Shao et al. 2024, DeepSeekMath)",
        ),
        (
            "dr-grpo",
            "PPO-clip on group-centred returns, no std (Liu et al. 2025, Dr.GRPO)",
        ),
    ] {
        let mut parameters: Vec<Parameter> = objective_parameters("ppo-clip")
            .into_iter()
            .map(|(name, default, doc)| parameter(name, default, doc))
            .collect();
        parameters.extend([
            EPOCHS,
            LEARNING_RATE,
            parameter("groups", 8.0, "groups per update, each from one s₀ ~ ρ"),
            parameter("group_size", 8.0, "G: episodes per group"),
        ]);
        entries.push(Entry {
            name,
            summary,
            parameters,
        });
    }
    entries
}

/// The parameter values given for one algorithm, checked against its entry.
struct Values<'a> {
    entry: &'a Entry,
    given: &'a [(String, f64)],
}

impl Values<'_> {
    fn get(&self, name: &str) -> Option<f64> {
        self.given
            .iter()
            .rev()
            .find(|(key, _)| key == name)
            .map(|&(_, value)| value)
            .or_else(|| {
                self.entry
                    .parameters
                    .iter()
                    .find(|p| p.name == name)
                    .and_then(|p| p.default)
            })
    }

    fn real(&self, name: &str) -> f64 {
        self.get(name).unwrap_or(f64::NAN)
    }

    fn count(&self, name: &str) -> Result<usize> {
        let value = self.real(name);
        if value.is_finite() && value >= 0.0 && value.fract() == 0.0 && value <= 1e9 {
            Ok(value as usize)
        } else {
            Err(Error::invalid(
                name,
                format!("found {value}"),
                "expected a whole number",
            ))
        }
    }
}

/// Looks an algorithm up by name; an unknown name gets the list of valid ones.
pub fn entry(name: &str) -> Result<Entry> {
    let all = catalogue();
    let names: Vec<&str> = all.iter().map(|e| e.name).collect();
    all.into_iter().find(|e| e.name == name).ok_or_else(|| {
        Error::Usage(format!(
            "unknown algorithm `{name}`; the algorithms are: {}",
            names.join(", ")
        ))
    })
}

/// Checks that every given parameter belongs to the algorithm and is finite.
pub fn check_parameters(entry: &Entry, given: &[(String, f64)]) -> Result<()> {
    for (key, value) in given {
        if !entry.parameters.iter().any(|p| p.name == key) {
            let valid: Vec<&str> = entry.parameters.iter().map(|p| p.name).collect();
            return Err(Error::Usage(format!(
                "`{}` has no parameter `{key}`; its parameters are: {}",
                entry.name,
                valid.join(", ")
            )));
        }
        if !value.is_finite() {
            return Err(Error::Usage(format!(
                "parameter `{key}` = {value} is not finite"
            )));
        }
    }
    Ok(())
}

/// The full parameter list of a run: every parameter with the value it will use (`None` where
/// the default is derived from the world).
pub fn resolved_parameters(
    entry: &Entry,
    given: &[(String, f64)],
) -> Vec<(&'static str, Option<f64>)> {
    let values = Values { entry, given };
    entry
        .parameters
        .iter()
        .map(|p| (p.name, values.get(p.name)))
        .collect()
}

/// Builds the named algorithm with `given` parameters (defaults elsewhere) and runs it for
/// `steps` steps from `seed`, handing each record to `observe`.
pub fn run_named(
    name: &str,
    given: &[(String, f64)],
    problem: &Problem,
    steps: usize,
    seed: u64,
    mut observe: impl FnMut(usize, &Record),
) -> Result<()> {
    run_named_while(name, given, problem, steps, seed, |t, record| {
        observe(t, record);
        true
    })
}

/// As [`run_named`], stopping after the first step for which `observe` returns `false`.
pub fn run_named_while(
    name: &str,
    given: &[(String, f64)],
    problem: &Problem,
    steps: usize,
    seed: u64,
    observe: impl FnMut(usize, &Record) -> bool,
) -> Result<()> {
    let entry = entry(name)?;
    check_parameters(&entry, given)?;
    let values = Values {
        entry: &entry,
        given,
    };
    fn go<A: Algorithm>(
        algorithm: A,
        problem: &Problem,
        steps: usize,
        seed: u64,
        observe: impl FnMut(usize, &Record) -> bool,
    ) -> Result<()> {
        run_while(&algorithm, problem, steps, seed, observe).map(|_| ())
    }
    let v = &values;
    let result = match name {
        "softmax-pg" => go(
            SoftmaxPg {
                step_size: v.real("step_size"),
            },
            problem,
            steps,
            seed,
            observe,
        ),
        "projected-pg" => go(
            ProjectedPg {
                step_size: v.get("step_size"),
            },
            problem,
            steps,
            seed,
            observe,
        ),
        "npg" => go(
            NaturalPg {
                step_size: v.real("step_size"),
                step_growth: v.real("step_growth"),
            },
            problem,
            steps,
            seed,
            observe,
        ),
        "entropy-pg" => go(
            EntropyPg {
                temperature: v.real("temperature"),
                step_size: v.real("step_size"),
            },
            problem,
            steps,
            seed,
            observe,
        ),
        "entropy-npg" => {
            let temperature = v.real("temperature");
            let step_size = v
                .get("step_size")
                .unwrap_or((1.0 - problem.mdp.gamma()) / temperature);
            go(
                EntropyNpg {
                    temperature,
                    step_size,
                },
                problem,
                steps,
                seed,
                observe,
            )
        }
        "trpo" => go(
            Trpo {
                max_kl: v.real("max_kl"),
                cg_iterations: v.count("cg_iterations")?,
                backtracks: v.count("backtracks")?,
                damping: v.real("damping"),
            },
            problem,
            steps,
            seed,
            observe,
        ),
        surrogate if SURROGATE_ALGORITHMS.iter().any(|(n, _)| *n == surrogate) => {
            let objective_given: Vec<(String, f64)> = given
                .iter()
                .filter(|(key, _)| {
                    !["epochs", "learning_rate", "episodes", "lambda"].contains(&key.as_str())
                })
                .cloned()
                .collect();
            let objective = objective_from_name(surrogate, &objective_given)?;
            let (epochs, learning_rate) = (v.count("epochs")?, v.real("learning_rate"));
            match v.count("episodes")? {
                0 => go(
                    SurrogateAscent {
                        objective,
                        epochs,
                        learning_rate,
                    },
                    problem,
                    steps,
                    seed,
                    observe,
                ),
                episodes => go(
                    SampledSurrogateAscent {
                        objective,
                        epochs,
                        learning_rate,
                        episodes,
                        advantages: AdvantageEstimator::Gae {
                            lambda: v.real("lambda"),
                        },
                    },
                    problem,
                    steps,
                    seed,
                    observe,
                ),
            }
        }
        "grpo" | "dr-grpo" => {
            let objective_given: Vec<(String, f64)> = given
                .iter()
                .filter(|(key, _)| key == "clip_low" || key == "clip_high")
                .cloned()
                .collect();
            let kind = if name == "grpo" {
                GroupAdvantage::Grpo
            } else {
                GroupAdvantage::DrGrpo
            };
            go(
                SampledSurrogateAscent {
                    objective: objective_from_name("ppo-clip", &objective_given)?,
                    epochs: v.count("epochs")?,
                    learning_rate: v.real("learning_rate"),
                    episodes: v.count("groups")?,
                    advantages: AdvantageEstimator::Group {
                        kind,
                        group_size: v.count("group_size")?,
                    },
                },
                problem,
                steps,
                seed,
                observe,
            )
        }
        other => Err(Error::Usage(format!(
            "algorithm `{other}` is listed but has no builder (a bug in policylab)"
        ))),
    };
    result.map_err(|e| e.in_origin(&format!("algorithm `{name}`")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::world::generate::GarnetParams;

    #[test]
    fn every_listed_algorithm_runs_with_its_defaults() {
        let mdp = GarnetParams::default().build().unwrap();
        let problem = Problem::new(mdp).unwrap();
        for entry in catalogue() {
            let mut steps = 0;
            run_named(entry.name, &[], &problem, 3, 0, |_, record| {
                assert!(record.get("J").is_some());
                steps += 1;
            })
            .unwrap_or_else(|e| panic!("{}: {e}", entry.name));
            assert_eq!(steps, 3, "{}", entry.name);
        }
    }

    #[test]
    fn unknown_names_list_the_valid_ones() {
        let problem = Problem::new(GarnetParams::default().build().unwrap()).unwrap();
        let error = run_named("ppo", &[], &problem, 1, 0, |_, _| {})
            .unwrap_err()
            .to_string();
        assert!(
            error.contains("unknown algorithm `ppo`") && error.contains("ppo-clip"),
            "{error}"
        );
        let given = [("stepsize".to_string(), 0.1)];
        let error = run_named("npg", &given, &problem, 1, 0, |_, _| {})
            .unwrap_err()
            .to_string();
        assert!(
            error.contains("`stepsize`") && error.contains("step_size, step_growth"),
            "{error}"
        );
        let given = [("epochs".to_string(), 2.5)];
        let error = run_named("spo", &given, &problem, 1, 0, |_, _| {})
            .unwrap_err()
            .to_string();
        assert!(
            error.contains("epochs") && error.contains("whole number"),
            "{error}"
        );
    }
}
