//! The RL algorithms an experiment file can run on an LLM world, by name, with their parameters
//! and defaults: what `policylab algos` lists under "LLM policies" and what a `[[runs]]` entry on
//! an `llm = "…"` world builds.
//!
//! Every algorithm is the loop of [`super::grpo`] (B prompts × G samples, group-relative
//! advantages, filtered groups, `epochs` × `minibatches` AdamW steps) with one objective of
//! [`super::policy_loss`]; the names match the tabular algorithms of the same objective
//! ([`crate::algo::catalogue`]), so one `[[runs]]` entry can run on both kinds of world. Defaults
//! follow Cui et al. 2025 (§2.2, §4.3): temperature 1, no KL, no entropy bonus, ε = 0.2, token-mean
//! aggregation, all-correct and all-wrong groups dropped.

use super::grpo::RlConfig;
use super::policy_loss::{LossConfig, PolicyObjective};
use crate::core::error::{Error, Result};
use crate::core::parameters::{Parameter, Values, find_named};
use crate::estimator::group::GroupAdvantage;
use crate::objective::catalogue::objectives;
use crate::objective::{Aggregation, KlEstimator, KlPenalty, LlmUse};

/// One LLM RL algorithm: its name, summary, objective and parameters.
#[derive(Debug, Clone, PartialEq)]
pub struct LlmAlgorithm {
    pub name: &'static str,
    pub summary: &'static str,
    /// The [`PolicyObjective`] name its loss uses.
    pub objective: &'static str,
    pub advantage: GroupAdvantage,
    /// Dr.GRPO's constant normalizer instead of the token mean.
    pub constant_normalizer: bool,
    /// The objective's own parameters followed by the loop's.
    pub parameters: Vec<Parameter>,
}

const fn parameter(name: &'static str, default: f64, doc: &'static str) -> Parameter {
    Parameter {
        name,
        default: Some(default),
        doc,
    }
}

/// The parameters of the RL loop, shared by every algorithm.
pub const LOOP_PARAMETERS: [Parameter; 10] = [
    parameter("prompts_per_step", 16.0, "B: training prompts per step"),
    parameter("group_size", 8.0, "G ≥ 2: responses sampled per prompt"),
    parameter("epochs", 1.0, "passes over each step's responses"),
    parameter("minibatches", 1.0, "AdamW steps per pass"),
    parameter("learning_rate", 1e-4, "AdamW's constant learning rate"),
    parameter(
        "gradient_clip",
        1.0,
        "per-tensor gradient-norm bound (0: none)",
    ),
    parameter("temperature", 1.0, "sampling temperature of the rollouts"),
    parameter("entropy_bonus", 0.0, "c: + c·H_t per token (0: none)"),
    parameter(
        "kl_coefficient",
        0.0,
        "β of a KL penalty to the SFT policy (0: none)",
    ),
    parameter("kl_estimator", 3.0, "1, 2 or 3: Schulman's k1, k2, k3"),
];

/// The LLM algorithms of this file's own: GRPO and Dr.GRPO, PPO-clip with group-relative
/// advantages; every objective of [`crate::objective::catalogue`] that offers itself as an LLM
/// algorithm ([`LlmUse::Algorithm`]) follows them under its own name, with GRPO's advantages.
fn grpo_family() -> Vec<LlmAlgorithm> {
    let ppo_clip = objective_parameter_list("ppo-clip");
    [
        (
            "grpo",
            GroupAdvantage::Grpo,
            false,
            "PPO-clip on group-normalized rewards (Shao et al. 2024, DeepSeekMath)",
        ),
        (
            "dr-grpo",
            GroupAdvantage::DrGrpo,
            true,
            "PPO-clip on group-centred rewards, constant normalizer (Liu et al. 2025, Dr.GRPO)",
        ),
    ]
    .into_iter()
    .map(|(name, advantage, constant_normalizer, summary)| {
        let mut parameters = ppo_clip.clone();
        parameters.extend(LOOP_PARAMETERS);
        LlmAlgorithm {
            name,
            summary,
            objective: "ppo-clip",
            advantage,
            constant_normalizer,
            parameters,
        }
    })
    .collect()
}

/// The objective's own parameters (with defaults), for the listing.
fn objective_parameter_list(objective: &str) -> Vec<Parameter> {
    crate::objective::catalogue::objective(objective)
        .map(|entry| entry.parameters)
        .unwrap_or_default()
}

/// Every LLM algorithm, in listing order.
pub fn algorithms() -> Vec<LlmAlgorithm> {
    let mut all = grpo_family();
    for objective in objectives() {
        if let LlmUse::Algorithm(summary) = objective.llm {
            let mut parameters = objective.parameters.clone();
            parameters.extend(LOOP_PARAMETERS);
            all.push(LlmAlgorithm {
                name: objective.name,
                summary,
                objective: objective.name,
                advantage: GroupAdvantage::Grpo,
                constant_normalizer: false,
                parameters,
            });
        }
    }
    all
}

/// The algorithm called `name`; an unknown name gets the list.
pub fn algorithm(name: &str) -> Result<LlmAlgorithm> {
    find_named(algorithms(), name, |a| a.name, "LLM algorithm")
}

/// What an LLM run trains with.
#[derive(Debug)]
pub struct LlmRunConfig {
    pub rl: RlConfig,
    pub loss: LossConfig,
}

/// Builds the RL loop and loss of `name` with `params` over the defaults. `max_response_len` is
/// Dr.GRPO's constant normalizer (the sampler's response budget). Unknown parameters, values out
/// of range, and G < 2 are errors naming the parameter.
pub fn build(
    name: &str,
    params: &[(String, f64)],
    max_response_len: usize,
) -> Result<LlmRunConfig> {
    let entry = algorithm(name)?;
    // The parameter check and the defaults are the tabular catalogue's.
    let listed = crate::core::parameters::Entry {
        name: entry.name,
        summary: entry.summary,
        parameters: entry.parameters.clone(),
    };
    let values = Values::checked(&listed, params)?;
    let value = |key: &str| values.real(key);
    let count = |key: &str| values.count(key);
    let rl = RlConfig {
        prompts_per_step: count("prompts_per_step")?,
        group_size: count("group_size")?,
        epochs: count("epochs")?,
        minibatches: count("minibatches")?,
        learning_rate: value("learning_rate"),
        weight_decay: 0.0,
        gradient_clip: value("gradient_clip"),
        temperature: value("temperature"),
        advantage: entry.advantage,
        filter_groups: true,
    };
    rl.validate()?;
    let objective_params: Vec<(String, f64)> = params
        .iter()
        .filter(|(k, _)| !LOOP_PARAMETERS.iter().any(|p| p.name == k))
        .cloned()
        .collect();
    let objective = PolicyObjective::from_name(entry.objective, &objective_params)?;
    let entropy_bonus = value("entropy_bonus");
    if entropy_bonus < 0.0 {
        return Err(Error::invalid(
            "entropy_bonus",
            format!("found {entropy_bonus}"),
            "a coefficient ≥ 0",
        ));
    }
    let kl_coefficient = value("kl_coefficient");
    let kl = if kl_coefficient == 0.0 {
        None
    } else if kl_coefficient > 0.0 {
        let estimator = match count("kl_estimator")? {
            1 => KlEstimator::K1,
            2 => KlEstimator::K2,
            3 => KlEstimator::K3,
            other => {
                return Err(Error::invalid(
                    "kl_estimator",
                    format!("found {other}"),
                    "1, 2 or 3 (k1, k2, k3)",
                ));
            }
        };
        Some(KlPenalty {
            estimator,
            coefficient: kl_coefficient,
        })
    } else {
        return Err(Error::invalid(
            "kl_coefficient",
            format!("found {kl_coefficient}"),
            "a coefficient ≥ 0",
        ));
    };
    let aggregation = if entry.constant_normalizer {
        Aggregation::ConstantNormalizer {
            max_length: max_response_len,
        }
    } else {
        Aggregation::TokenMean
    };
    Ok(LlmRunConfig {
        rl,
        loss: LossConfig {
            objective,
            aggregation,
            entropy_bonus,
            kl,
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn params(pairs: &[(&str, f64)]) -> Vec<(String, f64)> {
        pairs.iter().map(|(k, v)| (k.to_string(), *v)).collect()
    }

    #[test]
    fn every_algorithm_builds_with_its_defaults_and_names_are_unique() {
        let all = algorithms();
        for (i, a) in all.iter().enumerate() {
            assert!(
                all[..i].iter().all(|b| b.name != a.name),
                "{} twice",
                a.name
            );
            let built = build(a.name, &[], 12).unwrap_or_else(|e| panic!("{}: {e}", a.name));
            assert_eq!(built.rl.group_size, 8);
            assert!(built.loss.kl.is_none());
            assert_eq!(built.loss.entropy_bonus, 0.0);
        }
    }

    #[test]
    fn defaults_follow_cui_et_al() {
        let grpo = build("grpo", &[], 12).unwrap();
        assert_eq!(grpo.rl.temperature, 1.0);
        assert_eq!(grpo.rl.advantage, GroupAdvantage::Grpo);
        assert!(grpo.rl.filter_groups);
        assert_eq!(grpo.loss.aggregation, Aggregation::TokenMean);
        let dr = build("dr-grpo", &[], 12).unwrap();
        assert_eq!(dr.rl.advantage, GroupAdvantage::DrGrpo);
        assert_eq!(
            dr.loss.aggregation,
            Aggregation::ConstantNormalizer { max_length: 12 }
        );
    }

    #[test]
    fn parameters_reach_the_loop_the_objective_and_the_penalties() {
        let built = build(
            "clip-cov",
            &params(&[
                ("fraction", 0.01),
                ("group_size", 4.0),
                ("entropy_bonus", 0.005),
                ("kl_coefficient", 0.1),
                ("kl_estimator", 2.0),
            ]),
            12,
        )
        .unwrap();
        assert_eq!(built.rl.group_size, 4);
        assert_eq!(built.loss.entropy_bonus, 0.005);
        assert_eq!(
            built.loss.kl,
            Some(KlPenalty {
                estimator: KlEstimator::K2,
                coefficient: 0.1
            })
        );
        match built.loss.objective {
            PolicyObjective::ClipCov(c) => assert_eq!(c.fraction, 0.01),
            other => panic!("expected Clip-Cov, got {other:?}"),
        }
    }

    #[test]
    fn bad_names_and_values_get_errors_that_list_the_choices() {
        let unknown = build("ppo", &[], 12).unwrap_err().to_string();
        assert!(
            unknown.contains("grpo") && unknown.contains("kl-cov"),
            "{unknown}"
        );
        let param = build("grpo", &params(&[("step_size", 0.1)]), 12)
            .unwrap_err()
            .to_string();
        assert!(
            param.contains("step_size") && param.contains("prompts_per_step"),
            "{param}"
        );
        let group = build("grpo", &params(&[("group_size", 1.0)]), 12)
            .unwrap_err()
            .to_string();
        assert!(
            group.contains("group_size") && group.contains("at least 2"),
            "{group}"
        );
        for (key, bad) in [
            ("kl_estimator", 4.0),
            ("prompts_per_step", 2.5),
            ("entropy_bonus", -1.0),
            ("kl_coefficient", -0.1),
            ("clip_low", 0.0),
        ] {
            let mut given = params(&[(key, bad)]);
            if key == "kl_estimator" {
                given.push(("kl_coefficient".into(), 0.1));
            }
            let error = build("grpo", &given, 12).unwrap_err().to_string();
            assert!(error.contains(key), "{key}: {error}");
        }
    }
}
