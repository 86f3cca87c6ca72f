//! `llm-entropy-interventions`: Cui et al. (2025), "The Entropy Mechanism of Reinforcement Learning
//! for Reasoning Language Models" (arXiv 2505.22617), §4, on a small transformer.
//!
//! Claims checked against GRPO from the same SFT policy, each method over the same seeds: Clip-Cov
//! and KL-Cov end with more entropy than GRPO (Fig. 11–12) and with no lower accuracy (Table 2:
//! +2.0 and +6.4 points on average); an entropy bonus of 0.005 holds entropy up (§4.1, Fig. 9);
//! clip-higher raises entropy above GRPO's (§4.5). "End" is the mean over the last
//! [`TAIL_SHARE`] of the steps (entropy) and the last validation point (accuracy), averaged over
//! seeds.

use serde_json::json;

use super::llm_series::{accuracy_standard_error, llm_world};
use super::{Comparison, Entry, Report, ReportInput, mean_and_band, significant};
use crate::core::error::{Error, Result};
use crate::experiment::table::Trajectory;
use crate::plot::{Axis, Figure, Line, Panel, Scatter};

pub fn entry() -> Entry {
    Entry {
        name: "llm-entropy-interventions",
        summary: "GRPO against Clip-Cov, KL-Cov, an entropy bonus and clip-higher: entropy and accuracy over seeds",
        experiment: include_str!("../../../experiments/llm-entropy-interventions.toml"),
        report,
    }
}

/// The share of the last steps whose entropies make a run's final entropy.
pub const TAIL_SHARE: f64 = 0.1;
/// The baseline's label in the experiment.
const BASELINE: &str = "GRPO";

/// One method's trajectories over seeds and its end values.
struct Method {
    label: String,
    entropy: Vec<Trajectory>,
    accuracy: Vec<Trajectory>,
    /// Per seed: the mean entropy of the last steps, and the last validation accuracy.
    final_entropy: Vec<f64>,
    final_accuracy: Vec<f64>,
}

fn tail_mean(trajectory: &Trajectory) -> f64 {
    let n = trajectory.len();
    let k = ((n as f64 * TAIL_SHARE).ceil() as usize).clamp(1, n.max(1));
    trajectory[n.saturating_sub(k)..]
        .iter()
        .map(|(_, y)| y)
        .sum::<f64>()
        / k as f64
}

fn mean(values: &[f64]) -> f64 {
    values.iter().sum::<f64>() / values.len().max(1) as f64
}

fn method(input: &ReportInput<'_>, label: &str) -> Result<Method> {
    let filter = [("label", label)];
    let entropy = input.table.trajectories(&filter, "step", "entropy")?;
    let accuracy = input.table.trajectories(&filter, "step", "accuracy")?;
    if entropy.is_empty() || accuracy.is_empty() {
        return Err(Error::invalid(
            "label",
            format!("no runs of `{label}`"),
            "the methods of the experiment in the results",
        ));
    }
    Ok(Method {
        label: label.to_string(),
        final_entropy: entropy.iter().map(tail_mean).collect(),
        final_accuracy: accuracy
            .iter()
            .map(|t| t.last().map_or(f64::NAN, |p| p.1))
            .collect(),
        entropy,
        accuracy,
    })
}

fn report(input: &ReportInput<'_>) -> Result<Report> {
    let labels = input.table.distinct("label")?;
    let methods: Vec<Method> = labels
        .iter()
        .map(|l| method(input, l))
        .collect::<Result<_>>()?;
    let baseline = methods
        .iter()
        .find(|m| m.label == BASELINE)
        .ok_or_else(|| Error::invalid("label", "no GRPO runs", "a GRPO baseline"))?;
    let worlds = input.table.distinct("world")?;
    let prompts = match worlds.first() {
        Some(w) => llm_world(input.experiment, w)?.validation.len(),
        None => 1,
    };

    let mut entropy_panel = Panel::new(
        "Eq. 5 entropy of the rollouts (mean over seeds, 95% band)",
        Axis::linear("RL step"),
        Axis::linear("entropy H (nats per token)"),
    );
    let mut accuracy_panel = Panel::new(
        "greedy validation accuracy (mean over seeds, 95% band)",
        Axis::linear("RL step"),
        Axis::linear("accuracy R"),
    );
    let mut end_panel = Panel::new(
        "where each seed ends",
        Axis::linear(format!(
            "entropy, mean of the last {:.0}% of steps",
            TAIL_SHARE * 100.0
        )),
        Axis::linear("final validation accuracy"),
    );
    for (k, m) in methods.iter().enumerate() {
        let (entropy, entropy_band) = mean_and_band(&m.entropy)?;
        let (accuracy, accuracy_band) = mean_and_band(&m.accuracy)?;
        entropy_panel = entropy_panel.with(
            Line::new(m.label.clone(), entropy)
                .band(entropy_band)
                .color(k),
        );
        accuracy_panel = accuracy_panel.with(
            Line::new(m.label.clone(), accuracy)
                .band(accuracy_band)
                .color(k),
        );
        let ends: Vec<(f64, f64)> = m
            .final_entropy
            .iter()
            .copied()
            .zip(m.final_accuracy.iter().copied())
            .collect();
        end_panel = end_panel.with(Scatter::new(m.label.clone(), ends).color(k));
    }

    let base_h = mean(&baseline.final_entropy);
    let base_r = mean(&baseline.final_accuracy);
    let se = accuracy_standard_error(base_r, prompts);
    let find = |label: &str| methods.iter().find(|m| m.label == label);
    let mut comparisons = Vec::new();
    let describe = |m: &Method| {
        format!(
            "H {} vs GRPO {}; R {} vs {} (seeds: {})",
            significant(mean(&m.final_entropy), 3),
            significant(base_h, 3),
            significant(mean(&m.final_accuracy), 3),
            significant(base_r, 3),
            m.final_accuracy
                .iter()
                .map(|r| significant(*r, 3))
                .collect::<Vec<_>>()
                .join(", ")
        )
    };
    // (method, the paper's claim, whether the paper also claims higher accuracy)
    let claims = [
        (
            "Clip-Cov",
            "more entropy than GRPO (Figs. 11–12) and higher accuracy (Table 2: +2.0 on 7B, +6.4 on 32B)",
            true,
        ),
        (
            "KL-Cov",
            "more entropy than GRPO (Fig. 11: over 10× its plateau) and higher accuracy (Table 2)",
            true,
        ),
        (
            "entropy bonus",
            "α = 0.005 keeps entropy from collapsing, accuracy no better (§4.1, Fig. 9)",
            false,
        ),
        (
            "clip-higher",
            "ε_high = 0.28 raises entropy somewhat, less stably (§4.5, Fig. 11)",
            false,
        ),
    ];
    for (label, paper, accuracy_claim) in claims {
        let Some(m) = find(label) else { continue };
        comparisons.push(Comparison::new(
            format!("{label}: final entropy above GRPO's"),
            paper,
            describe(m),
            mean(&m.final_entropy) > base_h,
        ));
        if accuracy_claim {
            comparisons.push(Comparison::new(
                format!("{label}: final accuracy not below GRPO's by more than one standard error"),
                paper,
                format!(
                    "{} vs {} (SE {})",
                    significant(mean(&m.final_accuracy), 3),
                    significant(base_r, 3),
                    significant(se, 2)
                ),
                mean(&m.final_accuracy) >= base_r - se,
            ));
        }
    }
    let numbers = json!({
        "tail_share": TAIL_SHARE,
        "validation_prompts": prompts,
        "methods": methods.iter().map(|m| json!({
            "label": m.label,
            "final_entropy_per_seed": m.final_entropy,
            "final_accuracy_per_seed": m.final_accuracy,
            "final_entropy_mean": mean(&m.final_entropy),
            "final_accuracy_mean": mean(&m.final_accuracy),
            "initial_entropy": m.entropy.first().and_then(|t| t.first()).map(|p| p.1),
            "initial_accuracy": m.accuracy.first().and_then(|t| t.first()).map(|p| p.1),
        })).collect::<Vec<_>>(),
    });
    Ok(Report {
        figure: Figure::new(
            input.experiment.file.title.clone(),
            vec![entropy_panel, accuracy_panel, end_panel],
        )
        .columns(2),
        numbers,
        comparisons,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::experiment::reproduce::llm_series::reduced;
    use crate::experiment::reproduce::run_and_report;

    #[test]
    fn a_reduced_budget_compares_every_method_with_grpo() {
        let mut experiment = reduced(&entry(), 6);
        experiment.file.seeds = 2;
        let report = run_and_report(&experiment, report);
        // Two comparisons each for Clip-Cov and KL-Cov, one each for the bonus and clip-higher.
        assert_eq!(report.comparisons.len(), 6);
        let methods = report.numbers["methods"].as_array().unwrap();
        assert_eq!(methods.len(), 5);
        for m in methods {
            assert_eq!(
                m["final_entropy_per_seed"].as_array().unwrap().len(),
                2,
                "{m}"
            );
        }
    }
}
