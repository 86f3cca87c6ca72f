//! `li2022-srpmd`: stochastic robust policy mirror descent (Li, Lan & Zhao 2022, arXiv
//! 2209.10579) on robust Garnets, against exact robust NPG with the same growing steps
//! (experiments/li2022-srpmd.toml says what differs from the paper).
//!
//! The paper's claim (abstract): with samples of the nominal kernel only, SRPMD's gap falls
//! linearly up to a noise level set by the robust critic's accuracy, and Õ(1/ε²) samples give an
//! ε-optimal policy. Checked, with N the draws of every pair per step:
//!
//! - the critic's error τ̄(N) (mean over steps, seeds and worlds of the recorded `critic_error`)
//!   falls as N^(−1/2): the log-log slope over the grid lies in [−0.6, −0.4];
//! - the noise level L(N) — the mean gap of the last ten steps, less exact robust NPG's on the same
//!   worlds (0 at full budget) — is positive at the smallest N (a floor shows) and falls at least
//!   as fast as 1/√N from each N to the next (Õ(1/ε²) samples for gap ε);
//! - L(N) ≤ 2γ·τ̄(N)/(1−γ)², the noise level of inexact policy iteration (Bertsekas & Tsitsiklis
//!   1996, Prop. 6.2), which a mirror descent whose steps grow to greediness inherits;
//! - exact robust NPG's final gap is within γ^T·(gap_0 + log|A|/(η_0(1−γ))) (Xiao 2022, Thm. 10):
//!   the linear phase SRPMD follows.

use serde_json::json;

use super::{
    Comparison, Entry, Report, ReportInput, grid_runs, loglog_fit, mean_at_common_steps,
    mirror_descent_bound_ratio, significant,
};
use crate::core::error::{Error, Result};
use crate::experiment::table::Trajectory;
use crate::experiment::world_spec::WorldKind;
use crate::plot::{Axis, Line, Panel};

pub fn entry() -> Entry {
    Entry {
        name: "li2022-srpmd",
        summary: "SRPMD on a sampled robust critic: linear up to a noise level falling with the samples",
        experiment: include_str!("../../../experiments/li2022-srpmd.toml"),
        report,
    }
}

const EXACT: &str = "exact robust NPG";
const SAMPLED: &str = "SRPMD";
/// η_0 of exact robust NPG in the experiment file.
const NPG_STEP: f64 = 1.0;
/// The last steps whose mean gap is a run's floor.
const LATE_STEPS: f64 = 10.0;

/// The mean of a run's gap over its last [`LATE_STEPS`] recorded steps.
fn late_mean(run: &Trajectory) -> Option<f64> {
    let &(last, _) = run.last()?;
    let late: Vec<f64> = run
        .iter()
        .filter(|(x, _)| *x > last - LATE_STEPS)
        .map(|&(_, g)| g)
        .collect();
    Some(late.iter().sum::<f64>() / late.len() as f64)
}

fn mean(values: &[f64]) -> f64 {
    values.iter().sum::<f64>() / values.len().max(1) as f64
}

/// What one label's runs measured over every world and seed.
struct Measured {
    /// Every run's gap against the step.
    gaps: Vec<Trajectory>,
    /// Every run's late mean gap.
    floors: Vec<f64>,
    /// Every recorded critic error.
    critic_errors: Vec<f64>,
}

fn measure(input: &ReportInput<'_>, worlds: &[String], label: &str) -> Result<Measured> {
    let mut measured = Measured {
        gaps: Vec::new(),
        floors: Vec::new(),
        critic_errors: Vec::new(),
    };
    for world in worlds {
        let filter = [("world", world.as_str()), ("label", label)];
        for run in input.table.trajectories(&filter, "step", "gap")? {
            measured.floors.extend(late_mean(&run));
            measured.gaps.push(run);
        }
        if label != EXACT {
            for run in input.table.trajectories(&filter, "step", "critic_error")? {
                measured.critic_errors.extend(run.iter().map(|&(_, e)| e));
            }
        }
    }
    Ok(measured)
}

fn report(input: &ReportInput<'_>) -> Result<Report> {
    let present = input.table.distinct("world")?;
    let worlds: Vec<_> = input
        .experiment
        .worlds
        .iter()
        .filter(|w| present.contains(&w.name))
        .collect();
    let names: Vec<String> = worlds.iter().map(|w| w.name.clone()).collect();
    let gamma = worlds
        .iter()
        .find_map(|w| match &w.kind {
            WorldKind::Robust(robust) => Some(robust.robust.gamma()),
            _ => None,
        })
        .ok_or_else(|| {
            Error::invalid(
                "world",
                "no robust world in the results",
                "the robust Garnets of experiments/li2022-srpmd.toml",
            )
        })?;
    let labels = input.table.distinct("label")?;
    let grid = grid_runs(&labels, SAMPLED, "samples");

    let exact = measure(input, &names, EXACT)?;
    let exact_floor = mean(&exact.floors);
    let mut bound_ratio = 0.0f64;
    for world in &worlds {
        if let WorldKind::Robust(robust) = &world.kind {
            let run = input.table.trajectory(
                &[("world", world.name.as_str()), ("label", EXACT)],
                "step",
                "gap",
            )?;
            if let Some(ratio) = mirror_descent_bound_ratio(
                &run,
                robust.robust.gamma(),
                robust.robust.n_actions(),
                NPG_STEP,
            ) {
                bound_ratio = bound_ratio.max(ratio);
            }
        }
    }

    let mut gap_panel = Panel::new(
        format!(
            "gap V*_P − J_P(π_t), mean over {} world(s) and their seeds",
            names.len()
        ),
        Axis::linear("step t"),
        Axis::log("robust gap"),
    );
    let positive =
        |curve: Trajectory| -> Trajectory { curve.into_iter().filter(|&(_, g)| g > 0.0).collect() };
    gap_panel =
        gap_panel.with(Line::new(EXACT, positive(mean_at_common_steps(&exact.gaps))).color(0));

    // Per N: τ̄, the noise level and inexact policy iteration's level.
    let mut rows = Vec::new();
    let mut per_samples = serde_json::Map::new();
    for (index, (label, samples)) in grid.iter().enumerate() {
        let sampled = measure(input, &names, label)?;
        gap_panel = gap_panel.with(
            Line::new(label.clone(), positive(mean_at_common_steps(&sampled.gaps)))
                .color(index + 1),
        );
        let tau = mean(&sampled.critic_errors);
        let noise = (mean(&sampled.floors) - exact_floor).max(0.0);
        let api = 2.0 * gamma * tau / (1.0 - gamma).powi(2);
        per_samples.insert(
            format!("{samples}"),
            json!({"mean_critic_error": tau, "noise_level": noise,
                   "mean_late_gap": mean(&sampled.floors),
                   "inexact_pi_level": api, "runs": sampled.floors.len()}),
        );
        rows.push((*samples, tau, noise, api));
    }

    let mut comparisons = Vec::new();
    comparisons.push(Comparison::new(
        "exact robust NPG (η_t = 1/γ^t): final gap over γ^T·(gap_0 + log|A|/(η_0(1−γ))), worst world",
        "linear rate (Li, Lan & Zhao 2022; bound of Xiao 2022, Thm. 10)",
        significant(bound_ratio, 3),
        bound_ratio <= 1.0,
    ));
    let mut levels_panel = Panel::new(
        "critic error and noise level against the draws per pair",
        Axis::log("draws N of every (s, a) per step"),
        Axis::log("mean over runs"),
    );
    if rows.len() >= 2 {
        let tau_points: Vec<(f64, f64)> = rows.iter().map(|&(n, t, _, _)| (n, t)).collect();
        let slope = if tau_points.len() >= 3 {
            loglog_fit(&tau_points)?.slope
        } else {
            let ((n0, t0), (n1, t1)) = (tau_points[0], tau_points[1]);
            (t1 / t0).ln() / (n1 / n0).ln()
        };
        comparisons.push(Comparison::new(
            "critic error τ̄ against N: log-log slope",
            "a sample mean's N^(−1/2) (Õ(1/ε²) samples, Li, Lan & Zhao 2022): slope in [−0.6, −0.4]",
            significant(slope, 3),
            (-0.6..=-0.4).contains(&slope),
        ));
        let (first_n, _, first_noise, _) = rows[0];
        comparisons.push(Comparison::new(
            format!("noise level L(N) at the smallest N = {first_n}"),
            "linear only up to a noise level (Li, Lan & Zhao 2022): a floor above exact NPG's",
            significant(first_noise, 3),
            first_noise > 0.0,
        ));
        // At least as fast as 1/√N between neighbouring N (a hair of rounding allowed).
        let worst_step = rows
            .windows(2)
            .map(|pair| {
                let ((n0, _, l0, _), (n1, _, l1, _)) = (pair[0], pair[1]);
                (l1 - l0 * (n0 / n1).sqrt(), format!("{n0}→{n1}"))
            })
            .max_by(|a, b| a.0.total_cmp(&b.0));
        if let Some((excess, between)) = worst_step {
            let falls: Vec<String> = rows
                .iter()
                .map(|&(n, _, l, _)| format!("{n}: {}", significant(l, 2)))
                .collect();
            comparisons.push(Comparison::new(
                "noise level L(N) from each N to the next, against L·√(N/N')",
                "falls at least as fast as 1/√N (Õ(1/ε²) samples for gap ε, Li, Lan & Zhao 2022)",
                format!(
                    "{}; largest excess {} ({between})",
                    falls.join(", "),
                    significant(excess, 2)
                ),
                excess <= 1e-12,
            ));
        }
        let worst_ratio = rows
            .iter()
            .map(|&(_, _, noise, api)| noise / api)
            .fold(0.0f64, f64::max);
        comparisons.push(Comparison::new(
            "noise level L(N) over 2γ·τ̄(N)/(1−γ)², largest over N",
            "≤ 1: inexact policy iteration's level (Bertsekas & Tsitsiklis 1996, Prop. 6.2)",
            significant(worst_ratio, 3),
            worst_ratio <= 1.0,
        ));
        levels_panel = levels_panel
            .with(Line::new("critic error τ̄", tau_points).color(0))
            .with(
                Line::new(
                    "noise level L(N)",
                    rows.iter()
                        .filter(|r| r.2 > 1e-12)
                        .map(|&(n, _, l, _)| (n, l))
                        .collect(),
                )
                .color(1),
            )
            .with(
                Line::new(
                    "2γτ̄/(1−γ)²",
                    rows.iter().map(|&(n, _, _, api)| (n, api)).collect(),
                )
                .color(2)
                .dashed(),
            );
    }
    let mut numbers = serde_json::Map::new();
    numbers.insert("gamma".into(), json!(gamma));
    numbers.insert("exact_npg_late_gap".into(), json!(exact_floor));
    numbers.insert("exact_npg_bound_ratio".into(), json!(bound_ratio));
    numbers.insert("by_samples".into(), serde_json::Value::Object(per_samples));
    Ok(Report::in_two_columns(
        input,
        vec![gap_panel, levels_panel],
        numbers,
        comparisons,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::experiment::reproduce::run_and_report;

    /// The quick budget with the two smallest N (the larger ones draw too long for a debug
    /// build): the critic's error falls by about √10 and every check is computed.
    #[test]
    fn quick_budget_with_the_smallest_samples() {
        let mut experiment = entry().load(true).expect("the entry's quick experiment");
        experiment.configurations.retain(|c| {
            c.params
                .iter()
                .all(|(name, value)| name != "samples" || *value <= 100.0)
        });
        let report = run_and_report(&experiment, entry().report);
        let quantities: Vec<&str> = report
            .comparisons
            .iter()
            .map(|c| c.quantity.as_str())
            .collect();
        assert_eq!(report.comparisons.len(), 5, "{quantities:?}");
        let slope = report
            .comparisons
            .iter()
            .find(|c| c.quantity.starts_with("critic error"))
            .expect("the critic's slope");
        assert!(slope.agrees, "{:?}", report.comparisons);
        let bound = report
            .comparisons
            .iter()
            .find(|c| c.quantity.contains("2γ·τ̄(N)"))
            .expect("the inexact-PI level");
        assert!(bound.agrees, "{:?}", report.comparisons);
    }
}
