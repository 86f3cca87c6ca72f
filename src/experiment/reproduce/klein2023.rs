//! `klein2023-dynamic-pg`: Klein, Weissmann & Döring (2024), "Beyond Stationarity: Convergence
//! Analysis of Stochastic Softmax Policy Gradient Methods" (ICLR 2024; arXiv 2310.02671).
//!
//! Claims checked, exact gradients on finite-horizon Garnets of horizon H:
//! - dynamic PG (epochs backwards in time, each to error ε/H) reaches J* − J < ε within its bound
//!   Σ_h N_h, N_h = ⌈4·(H−h)·R*·|A|²·‖1/μ‖∞/(ε/H)⌉, at the bound's step η_h = 1/(2(H−h)R*);
//! - the growth of its iteration count in H stays within the bound's O(H³);
//! - simultaneous PG's stays within the O(H⁵) of its bound (whose constant also depends on the
//!   run through min_n π_n(a*|s), which the paper cannot bound).
//!
//! The bounds are upper bounds, so the measured counts are reported next to them with their
//! fitted log-log slopes; which method is faster on this world is a measurement, not a claim of
//! the paper (see the paper-note).

use serde_json::json;

use super::{
    Comparison, Entry, Report, ReportInput, loglog_fit, significant, steps_to_target, stop_target,
};
use crate::core::error::{Error, Result};
use crate::experiment::world_spec::WorldKind;
use crate::metrics::rate_fit::RateFit;
use crate::plot::{Axis, Figure, Line, Panel, Reference};
use crate::world::World;

pub fn entry() -> Entry {
    Entry {
        name: "klein2023-dynamic-pg",
        summary: "simultaneous against dynamic softmax PG on a finite horizon: iterations to ε against H",
        experiment: include_str!("../../../experiments/klein2023-dynamic-pg.toml"),
        report,
    }
}

/// The labels of the three runs of the experiment file.
const SIMULTANEOUS: &str = "simultaneous PG";
const DYNAMIC: &str = "dynamic PG";
const DYNAMIC_UNIT_STEP: &str = "dynamic PG, η = 1";

/// One horizon's world and what each method took.
struct Horizon {
    world: String,
    steps: usize,
    /// Σ_h N_h of the dynamic-PG bound.
    dynamic_bound: f64,
    simultaneous: Option<f64>,
    dynamic: Option<f64>,
    dynamic_unit_step: Option<f64>,
}

/// Σ_{h=0}^{H−1} ⌈4·(H−h)·R*·|A|²·‖1/μ‖∞·H/ε⌉ with μ uniform (‖1/μ‖∞ = S).
fn dynamic_bound(
    steps: usize,
    largest_reward: f64,
    states: usize,
    actions: usize,
    target: f64,
) -> f64 {
    (0..steps)
        .map(|h| {
            let remaining = (steps - h) as f64;
            (4.0 * remaining
                * largest_reward
                * (actions * actions) as f64
                * states as f64
                * steps as f64
                / target)
                .ceil()
        })
        .sum()
}

fn horizons(input: &ReportInput<'_>, target: f64) -> Result<Vec<Horizon>> {
    let present = input.table.distinct("world")?;
    let mut out = Vec::new();
    for world in &input.experiment.worlds {
        if !present.contains(&world.name) {
            continue;
        }
        let WorldKind::FiniteHorizon(finite) = &world.kind else {
            continue;
        };
        let largest_reward = finite
            .mdp
            .expected_reward()
            .iter()
            .fold(0.0f64, |m, r| m.max(r.abs()));
        let steps = finite.stages();
        out.push(Horizon {
            world: world.name.clone(),
            steps,
            dynamic_bound: dynamic_bound(
                steps,
                largest_reward,
                finite.n_states(),
                finite.n_actions(),
                target,
            ),
            simultaneous: steps_to_target(input.table, &world.name, SIMULTANEOUS, target)?,
            dynamic: steps_to_target(input.table, &world.name, DYNAMIC, target)?,
            dynamic_unit_step: steps_to_target(
                input.table,
                &world.name,
                DYNAMIC_UNIT_STEP,
                target,
            )?,
        });
    }
    Ok(out)
}

fn points(horizons: &[Horizon], count: fn(&Horizon) -> Option<f64>) -> Vec<(f64, f64)> {
    horizons
        .iter()
        .filter_map(|h| count(h).map(|n| (h.steps as f64, n)))
        .collect()
}

fn slope_text(fit: &RateFit) -> String {
    format!(
        "{} [{}, {}]",
        significant(fit.slope, 3),
        significant(fit.slope_ci95.0, 3),
        significant(fit.slope_ci95.1, 3)
    )
}

/// c·H^k through the first point, over the measured horizons (the shape of a bound).
fn guide(points: &[(f64, f64)], exponent: f64) -> Vec<(f64, f64)> {
    match points.first() {
        Some(&(h0, n0)) => points
            .iter()
            .map(|&(h, _)| (h, n0 * (h / h0).powf(exponent)))
            .collect(),
        None => Vec::new(),
    }
}

fn report(input: &ReportInput<'_>) -> Result<Report> {
    let target = stop_target(input)?;
    let horizons = horizons(input, target)?;
    if horizons.len() < 3 {
        return Err(Error::invalid(
            "world",
            format!("{} finite-horizon worlds in the results", horizons.len()),
            "at least three horizons to fit a growth exponent",
        ));
    }
    let simultaneous = points(&horizons, |h| h.simultaneous);
    let dynamic = points(&horizons, |h| h.dynamic);
    let unit_step = points(&horizons, |h| h.dynamic_unit_step);
    let bound: Vec<(f64, f64)> = horizons
        .iter()
        .map(|h| (h.steps as f64, h.dynamic_bound))
        .collect();
    let mut comparisons = Vec::new();
    for h in &horizons {
        let agrees = h.dynamic.is_some_and(|n| n <= h.dynamic_bound);
        comparisons.push(Comparison::new(
            format!(
                "H = {}: dynamic PG's iterations to J* − J < {target}",
                h.steps
            ),
            format!(
                "≤ Σ_h N_h = {} (N_h = ⌈4(H−h)R*|A|²‖1/μ‖∞·H/ε⌉, §3; see the paper-note)",
                significant(h.dynamic_bound, 4)
            ),
            h.dynamic
                .map_or("not reached in the budget".to_string(), |n| {
                    significant(n, 4)
                }),
            agrees,
        ));
    }
    let mut numbers = serde_json::Map::new();
    let mut note_lines = Vec::new();
    for (label, series, exponent) in [(DYNAMIC, &dynamic, 3.0), (SIMULTANEOUS, &simultaneous, 5.0)]
    {
        if series.len() < 3 {
            comparisons.push(Comparison::new(
                format!("{label}: growth of the iterations in H"),
                format!("at most H^{exponent} (the bound's order)"),
                format!("only {} horizons reached the target", series.len()),
                false,
            ));
            continue;
        }
        let fit = loglog_fit(series)?;
        comparisons.push(Comparison::new(
            format!("{label}: log-log slope of the iterations against H"),
            format!("≤ {exponent} (an O(H^{exponent}) upper bound)"),
            slope_text(&fit),
            fit.slope <= exponent,
        ));
        note_lines.push(format!("{label}: slope {}", slope_text(&fit)));
        numbers.insert(
            format!("{}_slope", label.replace(' ', "_")),
            json!({"slope": fit.slope, "ci95": fit.slope_ci95, "points": fit.points}),
        );
    }
    if unit_step.len() >= 3 {
        let fit = loglog_fit(&unit_step)?;
        note_lines.push(format!("{DYNAMIC_UNIT_STEP}: slope {}", slope_text(&fit)));
        numbers.insert(
            "dynamic_unit_step_slope".into(),
            json!({"slope": fit.slope, "ci95": fit.slope_ci95, "points": fit.points}),
        );
    }
    numbers.insert(
        "horizons".into(),
        json!(
            horizons
                .iter()
                .map(|h| json!({
                    "world": h.world,
                    "H": h.steps,
                    "simultaneous_pg": h.simultaneous,
                    "simultaneous_pg_table_updates": h.simultaneous.map(|n| n * h.steps as f64),
                    "dynamic_pg": h.dynamic,
                    "dynamic_pg_unit_step": h.dynamic_unit_step,
                    "dynamic_pg_bound": h.dynamic_bound,
                }))
                .collect::<Vec<_>>()
        ),
    );
    numbers.insert("target".into(), json!(target));
    let mut panel = Panel::new(
        format!("iterations to J* − J < {target} against the horizon"),
        Axis::log("horizon H"),
        Axis::log("exact gradient steps"),
    )
    .with(Line::new(SIMULTANEOUS, simultaneous.clone()))
    .with(Line::new("dynamic PG, η_h = 1/(2(H−h)R*)", dynamic.clone()))
    .with(Line::new(DYNAMIC_UNIT_STEP, unit_step))
    .with(Reference::curve("dynamic PG's bound Σ_h N_h", bound))
    .with(Reference::curve(
        "∝ H³ (dynamic bound's order)",
        guide(&dynamic, 3.0),
    ))
    .with(Reference::curve(
        "∝ H⁵ (simultaneous bound's order)",
        guide(&simultaneous, 5.0),
    ));
    for line in note_lines {
        panel = panel.note(line);
    }
    Ok(Report {
        figure: Figure::new(input.experiment.file.title.clone(), vec![panel]),
        numbers: serde_json::Value::Object(numbers),
        comparisons,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::experiment::reproduce::run_and_report;

    /// The quick budget: three horizons, every dynamic-PG count within its bound, both growth
    /// exponents within the bounds' orders.
    #[test]
    fn quick_budget_reproduces_the_bounds() {
        let entry = entry();
        let experiment = entry.load(true).unwrap();
        let report = run_and_report(&experiment, entry.report);
        for comparison in &report.comparisons {
            assert!(comparison.agrees, "{comparison:?}");
        }
        assert_eq!(report.numbers["horizons"].as_array().unwrap().len(), 3);
    }

    #[test]
    fn the_bound_is_the_sum_of_the_epochs_counts() {
        // H = 2, R* = 1, |A| = 2, S = 1, ε = 1: N_1 = 4·1·4·2 = 32, N_0 = 4·2·4·2 = 64.
        assert_eq!(dynamic_bound(2, 1.0, 1, 2, 1.0), 96.0);
    }
}
