//! One run: a configuration with one seed, from its first step to its budget or its stop rule.

use std::path::Path;

use super::spec::{Configuration, Experiment};
use super::world_spec::WorldKind;
use crate::algo::Record;
use crate::algo::catalogue::{StartAndEnd, run_named_from};
use crate::bandit::catalogue::run_named_bandit;
use crate::core::error::Result;
use crate::core::seeding::run_seed;
use crate::llm::run::{LlmRun, run_llm};

/// What one run wrote: the kept steps with their records, and why it ended early, if it did.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RunOutput {
    /// (step, record) for the steps the record schedule keeps, plus the last step that ran.
    pub rows: Vec<(usize, Record)>,
    /// Steps that ran.
    pub steps_run: usize,
    /// The step at which the stop rule fired.
    pub reached_target_at: Option<usize>,
    /// A numerical failure that stopped the run (the steps before it are kept).
    pub stopped_by: Option<String>,
    /// The policy after the last step that ran, where the algorithm exposes it (MDP worlds).
    pub final_policy: Option<crate::algo::FinalPolicy>,
}

/// Runs `configuration` with seed index `seed` (its RNG seeded from the experiment name, the
/// configuration's key and the seed index). LLM runs keep their SFT policy and resumable
/// checkpoints under `out` (the experiment's output folder) as run `id`.
pub fn execute(
    experiment: &Experiment,
    configuration: &Configuration,
    seed: usize,
    out: &Path,
    id: &str,
) -> Result<RunOutput> {
    let file = &experiment.file;
    let steps = file.steps;
    let rng_seed = run_seed(experiment.name(), &configuration.key, seed as u64);
    let mut output = RunOutput::default();
    let mut last: Option<(usize, Record)> = None;
    // The names of the first record, when it lacks the stop rule's metric: the rule could never
    // fire, so the run ends there with an error naming the metrics it does record.
    let mut missing_metric: Option<Vec<&'static str>> = None;
    let mut observe = |t: usize, record: &Record| -> bool {
        if let Some(rule) = &file.stop
            && t == 0
            && record.get(&rule.metric).is_none()
        {
            missing_metric = Some(record.0.iter().map(|(name, _)| *name).collect());
            return false;
        }
        output.steps_run = t + 1;
        let reached = file.stop.as_ref().is_some_and(|rule| {
            record
                .get(&rule.metric)
                .is_some_and(|value| value < rule.below)
        });
        if file.record.keeps(t, steps) || reached {
            output.rows.push((t, record.clone()));
            last = None;
        } else {
            last = Some((t, record.clone()));
        }
        if reached {
            output.reached_target_at = Some(t);
        }
        !reached
    };
    let kind = &experiment.worlds[configuration.world].kind;
    let mut final_policy = None;
    let result = match (kind, kind.policy_world()) {
        // MDPs of either horizon, robust MDPs and games: the world interface.
        (_, Some(world)) => run_named_from(
            &configuration.algorithm,
            &configuration.params,
            world,
            steps,
            rng_seed,
            &StartAndEnd {
                start: configuration.start.as_ref().map(|s| s.as_ref().clone()),
                measure_final: false,
            },
            &mut observe,
        )
        .map(|policy| final_policy = policy),
        (WorldKind::Bandit(environment), None) => run_named_bandit(
            &configuration.algorithm,
            &configuration.params,
            environment,
            steps,
            rng_seed,
        )
        .map(|game| {
            // Round t (1-based) is step t − 1; the step column replaces the round counter.
            for (t, mut record) in game.records().into_iter().enumerate() {
                record.0.retain(|(name, _)| *name != "t");
                if !observe(t, &record) {
                    break;
                }
            }
        }),
        (WorldKind::Llm(world), None) => run_llm(
            &LlmRun {
                world,
                algorithm: &configuration.algorithm,
                params: &configuration.params,
                steps,
                rng_seed,
                out,
                id,
                key: &configuration.key,
            },
            &mut observe,
        ),
        (other, None) => Err(crate::core::error::Error::Usage(format!(
            "no runner for {}",
            other.describe()
        ))),
    };
    if let (Some(names), Some(rule)) = (missing_metric, &file.stop) {
        return Err(crate::core::error::Error::invalid(
            "stop.metric",
            format!(
                "`{}` is not recorded by `{}`",
                rule.metric, configuration.algorithm
            ),
            format!("one of the metrics it records: {}", names.join(", ")),
        ));
    }
    if let Some(row) = last {
        output.rows.push(row);
    }
    output.final_policy = final_policy;
    match result {
        Ok(()) => Ok(output),
        Err(error @ crate::core::error::Error::Numerical { .. }) if output.steps_run > 0 => {
            output.stopped_by = Some(error.to_string());
            Ok(output)
        }
        Err(error) => Err(error),
    }
}
