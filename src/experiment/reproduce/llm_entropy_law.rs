//! `llm-entropy-law`: Cui et al. (2025), "The Entropy Mechanism of Reinforcement Learning for
//! Reasoning Language Models" (arXiv 2505.22617), §2, on small transformers trained from scratch.
//!
//! Claims checked, per run of GRPO (no entropy bonus, no KL) from an SFT policy: (1) validation
//! accuracy R and the Eq. 5 entropy H follow R = −a·exp(H) + b with a > 0 (Eq. 6); (2) the fit is
//! as close as the measurement allows — its RMSE within 1.5 binomial standard errors of R on the
//! validation prompts; (3) the ceiling b − a, the law's R at H = 0, is the accuracy the run ends
//! at (within 2 standard errors); (4) the law fitted on the first 15% of the validation points
//! predicts the rest within 2 standard errors (the paper: RMSE 0.9% and 1.2%, §2.4); (5) the first
//! 1/12 of the steps spend most of the entropy and bring most of the gain (the paper: 73% and 76%,
//! §2.3).
//!
//! The entropy paired with a validation point is the mean Eq. 5 entropy of the rollouts of the
//! steps within [`WINDOW`] of it (one step's batch of responses is a noisy estimate); for the
//! shares of (5), R at the start, at 1/12 and at the end is the mean of a validation point and
//! its two neighbours.

use serde_json::json;

use super::llm_series::{accuracy_standard_error, llm_world, metric, validation_points};
use super::{Comparison, Entry, Report, ReportInput, significant};
use crate::core::error::{Error, Result};
use crate::metrics::entropy_law::{early_fit, fit_entropy_law};
use crate::plot::{Axis, Figure, Line, Panel, Scatter};

pub fn entry() -> Entry {
    Entry {
        name: "llm-entropy-law",
        summary: "GRPO on small transformers: entropy collapse and R = −a·exp(H) + b over model sizes and tasks",
        experiment: include_str!("../../../experiments/llm-entropy-law.toml"),
        report,
    }
}

/// The share of the validation points the early fit uses (the paper's 15%, §2.4).
pub const EARLY_FRACTION: f64 = 0.15;
/// Steps either side of a validation point whose entropies are averaged.
pub const WINDOW: f64 = 2.0;

/// One run's fit and shares.
struct RunFit {
    world: String,
    task: String,
    model: String,
    parameters: usize,
    steps: Vec<f64>,
    entropy: Vec<f64>,
    accuracy: Vec<f64>,
    a: f64,
    b: f64,
    rmse: f64,
    ceiling: f64,
    early_rmse: f64,
    early_points: usize,
    standard_error: f64,
    entropy_share: f64,
    gain_share: f64,
}

fn fit_run(input: &ReportInput<'_>, world: &str) -> Result<RunFit> {
    let experiment = input.experiment;
    let llm = llm_world(experiment, world)?;
    let filter = [("world", world)];
    let points = validation_points(input.table, &filter, WINDOW)?;
    let law = fit_entropy_law(&points.entropy, &points.accuracy)?;
    let early = early_fit(&points.entropy, &points.accuracy, EARLY_FRACTION)?;
    let n = points.steps.len();
    let r_final = points.accuracy[n - 1];
    let standard_error = accuracy_standard_error(r_final, llm.validation.len());
    // The first 1/12 of the run: the last validation point at or before it.
    let last_step = points.steps[n - 1];
    let twelfth = points
        .steps
        .iter()
        .rposition(|&t| t <= last_step / 12.0)
        .unwrap_or(0);
    let entropy = metric(input.table, &filter, "entropy")?;
    let h = |step: f64| super::llm_series::window_mean(&entropy, step, WINDOW);
    let (h0, h12, h_final) = (h(points.steps[0]), h(points.steps[twelfth]), h(last_step));
    let share = |early: f64, total: f64| {
        if total.abs() > 0.0 {
            early / total
        } else {
            f64::NAN
        }
    };
    Ok(RunFit {
        world: world.to_string(),
        task: llm.task.name().to_string(),
        model: llm.settings.model.clone(),
        parameters: llm.model.parameter_count(),
        a: law.a,
        b: law.b,
        rmse: law.rmse,
        ceiling: law.ceiling,
        early_rmse: early.prediction_rmse,
        early_points: early.fit_points,
        standard_error,
        entropy_share: share(h0 - h12, h0 - h_final),
        gain_share: {
            // R at a validation point is averaged with its neighbours: one point's noise
            // (a binomial standard error of about 3 points) is as large as the gains.
            let r = |i: usize| {
                let (lo, hi) = (i.saturating_sub(1), (i + 1).min(n - 1));
                points.accuracy[lo..=hi].iter().sum::<f64>() / (hi - lo + 1) as f64
            };
            // A share of a loss (or of nothing) means nothing: only runs that gained have one.
            let gain = r(n - 1) - r(0);
            if gain > 0.0 {
                share(r(twelfth) - r(0), gain)
            } else {
                f64::NAN
            }
        },
        steps: points.steps,
        entropy: points.entropy,
        accuracy: points.accuracy,
    })
}

fn report(input: &ReportInput<'_>) -> Result<Report> {
    let worlds = input.table.distinct("world")?;
    if worlds.is_empty() {
        return Err(Error::invalid(
            "world",
            "no runs",
            "at least one run in the results",
        ));
    }
    let fits: Vec<RunFit> = worlds
        .iter()
        .map(|w| fit_run(input, w))
        .collect::<Result<_>>()?;
    let mut tasks: Vec<String> = fits.iter().map(|f| f.task.clone()).collect();
    tasks.dedup();
    let models: Vec<String> = {
        let mut m: Vec<(usize, String)> = fits
            .iter()
            .map(|f| (f.parameters, f.model.clone()))
            .collect();
        m.sort();
        m.dedup();
        m.into_iter().map(|(_, name)| name).collect()
    };
    let color = |f: &RunFit| models.iter().position(|m| *m == f.model).unwrap_or(0);

    let mut panels = Vec::new();
    for task in &tasks {
        let mut panel = Panel::new(
            format!("{task}: accuracy against entropy"),
            Axis::linear("Eq. 5 entropy H of the rollouts (nats per token)"),
            Axis::linear("greedy validation accuracy R"),
        );
        for f in fits.iter().filter(|f| &f.task == task) {
            let points: Vec<(f64, f64)> = f
                .entropy
                .iter()
                .copied()
                .zip(f.accuracy.iter().copied())
                .collect();
            let (lo, hi) = f
                .entropy
                .iter()
                .fold((f64::INFINITY, f64::NEG_INFINITY), |(l, h), &x| {
                    (l.min(x), h.max(x))
                });
            let curve: Vec<(f64, f64)> = (0..=40)
                .map(|i| {
                    let x = lo + (hi - lo) * i as f64 / 40.0;
                    (x, -f.a * x.exp() + f.b)
                })
                .collect();
            panel = panel
                .with(
                    Scatter::new(
                        format!(
                            "{} ({}k): a = {}, b = {}",
                            f.model,
                            f.parameters / 1000,
                            significant(f.a, 2),
                            significant(f.b, 2)
                        ),
                        points,
                    )
                    .color(color(f)),
                )
                .with(Line::new("", curve).dashed().color(color(f)));
        }
        panels.push(panel.note("dashed: the fitted law −a·exp(H) + b of each run"));
    }
    for (name, label) in [
        ("entropy", "Eq. 5 entropy H (nats per token)"),
        ("accuracy", "greedy validation accuracy R"),
    ] {
        let mut panel = Panel::new(
            format!("{label} against step"),
            Axis::linear("RL step"),
            Axis::linear(label),
        );
        for (k, task) in tasks.iter().enumerate() {
            for f in fits.iter().filter(|f| &f.task == task) {
                let trajectory = if name == "accuracy" {
                    f.steps
                        .iter()
                        .copied()
                        .zip(f.accuracy.iter().copied())
                        .collect()
                } else {
                    metric(input.table, &[("world", f.world.as_str())], "entropy")?
                };
                let mut line =
                    Line::new(format!("{task}, {}", f.model), trajectory).color(color(f));
                if k % 2 == 1 {
                    line = line.dashed();
                }
                panel = panel.with(line);
            }
        }
        panels.push(panel);
    }

    let worst =
        |value: &dyn Fn(&RunFit) -> f64| fits.iter().map(value).fold(f64::NEG_INFINITY, f64::max);
    let positive_a = fits.iter().filter(|f| f.a > 0.0).count();
    let rmse_ratio = worst(&|f| f.rmse / f.standard_error);
    let ceiling_ratio =
        worst(&|f| (f.ceiling - f.accuracy[f.accuracy.len() - 1]).abs() / f.standard_error);
    let early_ratio = worst(&|f| f.early_rmse / f.standard_error);
    let mean =
        |value: &dyn Fn(&RunFit) -> f64| fits.iter().map(value).sum::<f64>() / fits.len() as f64;
    let entropy_share = mean(&|f| f.entropy_share);
    let gained: Vec<f64> = fits
        .iter()
        .map(|f| f.gain_share)
        .filter(|x| x.is_finite())
        .collect();
    let gain_share = if gained.is_empty() {
        f64::NAN
    } else {
        gained.iter().sum::<f64>() / gained.len() as f64
    };
    let runs = fits.len();
    let comparisons = vec![
        Comparison::new(
            "a > 0: accuracy rises as entropy falls (runs)",
            "every run of §2 (Figs. 3–4, 6)",
            format!("{positive_a} of {runs}"),
            positive_a == runs,
        ),
        Comparison::new(
            "RMSE of R = −a·exp(H) + b over the run, in binomial standard errors of R (worst run)",
            "the law fits training closely, 2 coefficients over 200 points (§2.4)",
            format!(
                "{} SE ({} accuracy points, worst run)",
                significant(rmse_ratio, 3),
                significant(worst(&|f| f.rmse) * 100.0, 3)
            ),
            rmse_ratio <= 1.5,
        ),
        Comparison::new(
            "|ceiling b − a − final R| in standard errors of R (worst run)",
            "b − a is where the run ends once entropy is spent (§2.4)",
            format!("{} SE", significant(ceiling_ratio, 3)),
            ceiling_ratio <= 2.0,
        ),
        Comparison::new(
            format!(
                "RMSE of the law fitted on the first {:.0}% of validation points, on the rest, in standard errors (worst run)",
                EARLY_FRACTION * 100.0
            ),
            "RMSE 0.9% (math) and 1.2% (code) of accuracy (§2.4, Fig. 5)",
            format!(
                "{} SE ({} accuracy points, worst run)",
                significant(early_ratio, 3),
                significant(worst(&|f| f.early_rmse) * 100.0, 3)
            ),
            early_ratio <= 2.0,
        ),
        Comparison::new(
            "share of the entropy drop and of the accuracy gain in the first 1/12 of the steps (mean over runs; the gain's over the runs that gained)",
            "73% and 76% (§2.3, Fig. 2)",
            format!(
                "{:.0}% and {:.0}% ({} of {runs} runs gained)",
                entropy_share * 100.0,
                gain_share * 100.0,
                gained.len()
            ),
            entropy_share >= 0.5 && gain_share >= 0.5,
        ),
    ];
    let numbers = json!({
        "early_fraction": EARLY_FRACTION,
        "entropy_window_steps": WINDOW,
        "runs": fits.iter().map(|f| json!({
            "world": f.world, "task": f.task, "model": f.model, "parameters": f.parameters,
            "a": f.a, "b": f.b, "rmse": f.rmse, "ceiling": f.ceiling,
            "initial_accuracy": f.accuracy[0], "final_accuracy": f.accuracy[f.accuracy.len() - 1],
            "initial_entropy": f.entropy[0], "final_entropy": f.entropy[f.entropy.len() - 1],
            "standard_error_final": f.standard_error,
            "early_fit": {"points": f.early_points, "prediction_rmse": f.early_rmse},
            "first_twelfth": {"entropy_drop_share": f.entropy_share, "gain_share": f.gain_share},
            "validation_points": f.steps.len(),
        })).collect::<Vec<_>>(),
    });
    Ok(Report {
        figure: Figure::new(input.experiment.file.title.clone(), panels).columns(2),
        numbers,
        comparisons,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::experiment::reproduce::llm_series::{keep_world, reduced};
    use crate::experiment::reproduce::run_and_report;
    use crate::experiment::spec::Experiment;
    use crate::experiment::world_spec::WorldKind;

    #[test]
    fn a_reduced_budget_fits_the_law_and_reports_every_comparison() {
        let mut experiment = reduced(&entry(), 21);
        keep_world(&mut experiment, "arithmetic-tiny");
        assert_eq!(experiment.configurations.len(), 1);
        let report = run_and_report(&experiment, report);
        assert_eq!(report.comparisons.len(), 5);
        let run = &report.numbers["runs"][0];
        assert_eq!(run["model"], "tiny");
        assert!(run["a"].as_f64().unwrap().is_finite(), "{run}");
    }

    /// Both shipped budgets validate often enough for the early-fit protocol: the first 15% of
    /// every world's validation points (steps 0, k, 2k, … and the last) are at least the 3 points
    /// a two-coefficient fit needs. (The quick budget once gave 13 points, a fit on 2, and
    /// its report failed after all the training.)
    #[test]
    fn both_budgets_give_the_early_fit_three_points() {
        for quick in [false, true] {
            let experiment = Experiment::from_text(
                entry().experiment,
                std::path::Path::new("entry.toml"),
                quick,
            )
            .unwrap();
            let steps = experiment.file.steps;
            for world in &experiment.worlds {
                let WorldKind::Llm(llm) = &world.kind else {
                    panic!("{} is not an LLM world", world.name)
                };
                let every = llm.settings.validate_every;
                let points =
                    (steps - 1) / every + 1 + usize::from(!(steps - 1).is_multiple_of(every));
                let fitted = (EARLY_FRACTION * points as f64).round() as usize;
                assert!(
                    fitted >= 3 && fitted < points,
                    "quick = {quick}, {}: {points} validation points, early fit on {fitted}",
                    world.name
                );
            }
        }
    }
}
