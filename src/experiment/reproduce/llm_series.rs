//! What the three LLM entries read from a results table: a run's per-step measurements, its
//! validation points (step, H, R), entropy averaged over a few neighbouring steps, and the
//! binomial standard error of an accuracy measured on a fixed set of prompts.

use crate::core::error::{Error, Result};
use crate::experiment::spec::Experiment;
use crate::experiment::table::{ResultsTable, Trajectory};
use crate::experiment::world_spec::WorldKind;

/// A run's validation points: the step, the Eq. 5 entropy of that step's rollouts (averaged over
/// `window` steps either side) and the greedy validation accuracy R of the same policy.
#[derive(Debug, Clone, PartialEq)]
pub struct ValidationPoints {
    pub steps: Vec<f64>,
    pub entropy: Vec<f64>,
    pub accuracy: Vec<f64>,
}

/// The trajectory of `metric` of the run selected by `filter` (its first seed).
pub fn metric(table: &ResultsTable, filter: &[(&str, &str)], name: &str) -> Result<Trajectory> {
    table.trajectory(filter, "step", name)
}

/// The mean of `trajectory`'s values at steps within `window` of `step`.
pub fn window_mean(trajectory: &Trajectory, step: f64, window: f64) -> f64 {
    let values: Vec<f64> = trajectory
        .iter()
        .filter(|(t, _)| (t - step).abs() <= window)
        .map(|(_, y)| *y)
        .collect();
    if values.is_empty() {
        f64::NAN
    } else {
        values.iter().sum::<f64>() / values.len() as f64
    }
}

/// The validation points of the run selected by `filter`.
pub fn validation_points(
    table: &ResultsTable,
    filter: &[(&str, &str)],
    window: f64,
) -> Result<ValidationPoints> {
    let entropy = metric(table, filter, "entropy")?;
    let accuracy = metric(table, filter, "accuracy")?;
    let mut points = ValidationPoints {
        steps: Vec::new(),
        entropy: Vec::new(),
        accuracy: Vec::new(),
    };
    for &(step, r) in &accuracy {
        let h = window_mean(&entropy, step, window);
        if h.is_finite() {
            points.steps.push(step);
            points.entropy.push(h);
            points.accuracy.push(r);
        }
    }
    if points.steps.len() < 3 {
        return Err(Error::invalid(
            "accuracy",
            format!("{} validation point(s)", points.steps.len()),
            "at least 3 (validate_every smaller than the run's steps)",
        ));
    }
    Ok(points)
}

/// √(R(1 − R)/n): the standard error of an accuracy R measured on n prompts (at least 1/(2n) so
/// that a run at R = 0 or 1 still has a noise floor).
pub fn accuracy_standard_error(accuracy: f64, prompts: usize) -> f64 {
    let n = prompts.max(1) as f64;
    (accuracy * (1.0 - accuracy) / n).sqrt().max(0.5 / n)
}

/// The LLM world called `name` (a world of the experiment at one grid point).
pub fn llm_world<'a>(
    experiment: &'a Experiment,
    name: &str,
) -> Result<&'a crate::llm::world::LlmWorld> {
    experiment
        .worlds
        .iter()
        .find(|w| w.name == name)
        .and_then(|w| match &w.kind {
            WorldKind::Llm(world) => Some(world.as_ref()),
            _ => None,
        })
        .ok_or_else(|| {
            Error::invalid(
                "world",
                format!("`{name}` is not an LLM world of the experiment"),
                "the results of this experiment",
            )
        })
}

/// For the entries' tests: the quick experiment of `entry` with `steps` steps, made cheap and easy
/// — one-digit arithmetic, Countdown with three numbers up to 5, a short SFT at a higher learning
/// rate, 20 validation prompts and R at every step — so that a few RL steps already meet groups
/// with both right and wrong answers.
#[cfg(test)]
pub(crate) fn reduced(entry: &super::Entry, steps: usize) -> Experiment {
    let mut text = entry.experiment.to_string();
    for (key, value) in [
        (
            "sft_steps",
            "150, sft_batch_size = 32, sft_learning_rate = 3e-3, validation_prompts = 20",
        ),
        ("digits", "1"),
        ("operations", "[\"+\", \"-\", \"*\"]"),
        ("validate_every", "1"),
    ] {
        text = set_values(&text, key, value);
    }
    let text = text
        .replace(
            "count = 3, max_number = 20, max_target = 100",
            "count = 3, max_number = 5, max_target = 20",
        )
        // The 20 validation prompts are set with the SFT budget above.
        .replace(", validation_prompts = 500", "");
    let mut experiment = Experiment::from_text(&text, std::path::Path::new("reduced.toml"), true)
        .expect("the reduced experiment");
    experiment.file.steps = steps;
    experiment
}

/// `text` with every inline `key = value` (up to the next `,` or ` }`, arrays whole) replaced by
/// `key = replacement`.
#[cfg(test)]
fn set_values(text: &str, key: &str, replacement: &str) -> String {
    let pattern = format!("{key} = ");
    let mut out = String::new();
    let mut rest = text;
    while let Some(at) = rest.find(&pattern) {
        out.push_str(&rest[..at]);
        out.push_str(&pattern);
        out.push_str(replacement);
        let value = &rest[at + pattern.len()..];
        let end = if value.starts_with('[') {
            value.find(']').map_or(value.len(), |e| e + 1)
        } else {
            value.find([',', '}', '\n']).map_or(value.len(), |e| e)
        };
        let end = if value[..end].ends_with(' ') {
            end - 1
        } else {
            end
        };
        rest = &value[end..];
    }
    out.push_str(rest);
    out
}

/// For the entries' tests: keeps only the configurations on the worlds of entry `name`.
#[cfg(test)]
pub(crate) fn keep_world(experiment: &mut Experiment, name: &str) {
    let keep: Vec<usize> = (0..experiment.worlds.len())
        .filter(|&i| experiment.worlds[i].entry == name)
        .collect();
    experiment
        .configurations
        .retain(|c| keep.contains(&c.world));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn window_means_and_standard_errors() {
        let t: Trajectory = vec![(0.0, 1.0), (1.0, 2.0), (2.0, 3.0), (3.0, 10.0)];
        assert_eq!(window_mean(&t, 1.0, 1.0), 2.0);
        assert_eq!(window_mean(&t, 0.0, 0.0), 1.0);
        assert!(window_mean(&t, 9.0, 1.0).is_nan());
        assert!((accuracy_standard_error(0.5, 100) - 0.05).abs() < 1e-15);
        assert_eq!(accuracy_standard_error(0.0, 100), 0.005);
        assert_eq!(
            set_values(
                "p = { digits = 2, ops = [\"+\"], sft_steps = 9 }\nq = { digits = 3 }",
                "digits",
                "1"
            ),
            "p = { digits = 1, ops = [\"+\"], sft_steps = 9 }\nq = { digits = 1 }"
        );
        assert_eq!(
            set_values("a = { ops = [\"+\", \"-\"] }", "ops", "[]"),
            "a = { ops = [] }"
        );
    }
}
