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
//!
//! Sampled (their §4): both methods with REINFORCE gradients from K episodes per step (a constant
//! batch and step, where the paper's guarantee grows the batch with n), on the shorter horizons
//! over several seeds; the transitions each run drew before J* − J < ε (`samples_total`) against
//! H, and whether every run got there.

use serde_json::json;

use super::{
    Comparison, Entry, Report, ReportInput, loglog_fit, significant, steps_to_target, stop_target,
};
use crate::core::error::{Error, Result};
use crate::experiment::world_spec::WorldKind;
use crate::metrics::rate_fit::RateFit;
use crate::plot::{Axis, Figure, Line, Panel, Reference, Scatter};
use crate::world::World;

pub fn entry() -> Entry {
    Entry {
        name: "klein2023-dynamic-pg",
        summary: "simultaneous against dynamic softmax PG on a finite horizon: iterations to ε against H",
        experiment: include_str!("../../../experiments/klein2023-dynamic-pg.toml"),
        report,
    }
}

/// The labels of the exact runs of the experiment file, and their world entry.
const SIMULTANEOUS: &str = "simultaneous PG";
const DYNAMIC: &str = "dynamic PG";
const DYNAMIC_UNIT_STEP: &str = "dynamic PG, η = 1";
const EXACT_WORLDS: &str = "garnet";
/// The labels of the sampled runs, and their world entry.
const SIMULTANEOUS_SAMPLED: &str = "simultaneous PG, sampled";
const DYNAMIC_SAMPLED: &str = "dynamic PG, sampled";
const SAMPLED_WORLDS: &str = "garnet-sampled";

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
        if world.entry != EXACT_WORLDS {
            continue;
        }
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

/// One sampled method on one horizon: the transitions drawn before J* − J < ε, per seed (`None`
/// where the budget ran out first).
struct SampledHorizon {
    steps: usize,
    samples: Vec<Option<f64>>,
}

impl SampledHorizon {
    fn reached(&self) -> Vec<f64> {
        self.samples.iter().flatten().copied().collect()
    }

    /// The median over the seeds, counting a seed that did not get there as +∞ (so it is a lower
    /// bound where some did not); `None` when the median is such a seed (or there are no seeds).
    fn median(&self) -> Option<f64> {
        if self.samples.is_empty() {
            return None;
        }
        let mut all: Vec<f64> = self
            .samples
            .iter()
            .map(|s| s.unwrap_or(f64::INFINITY))
            .collect();
        all.sort_by(f64::total_cmp);
        let n = all.len();
        let middle = if n % 2 == 1 {
            all[n / 2]
        } else {
            (all[n / 2 - 1] + all[n / 2]) / 2.0
        };
        middle.is_finite().then_some(middle)
    }
}

fn sampled(input: &ReportInput<'_>, label: &str, target: f64) -> Result<Vec<SampledHorizon>> {
    let present = input.table.distinct("world")?;
    let mut out = Vec::new();
    for world in &input.experiment.worlds {
        let WorldKind::FiniteHorizon(finite) = &world.kind else {
            continue;
        };
        if world.entry != SAMPLED_WORLDS || !present.contains(&world.name) {
            continue;
        }
        let filter = [("world", world.name.as_str()), ("label", label)];
        let gaps = input.table.trajectories(&filter, "step", "gap")?;
        if gaps.is_empty() {
            continue;
        }
        let totals = input.table.trajectories(&filter, "step", "samples_total")?;
        let samples = gaps
            .iter()
            .zip(&totals)
            .map(|(gap, total)| {
                let reached = gap.last().is_some_and(|&(_, g)| g < target);
                reached.then(|| total.last().map_or(0.0, |&(_, n)| n))
            })
            .collect();
        out.push(SampledHorizon {
            steps: finite.stages(),
            samples,
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
    let mut panels = vec![panel];
    let simultaneous_sampled = sampled(input, SIMULTANEOUS_SAMPLED, target)?;
    let dynamic_sampled = sampled(input, DYNAMIC_SAMPLED, target)?;
    if !simultaneous_sampled.is_empty() || !dynamic_sampled.is_empty() {
        panels.push(sampled_panel(
            target,
            &simultaneous_sampled,
            &dynamic_sampled,
            &mut comparisons,
            &mut numbers,
        )?);
    }
    Ok(Report {
        figure: Figure::new(input.experiment.file.title.clone(), panels).columns(2),
        numbers: serde_json::Value::Object(numbers),
        comparisons,
    })
}

/// Transitions to J* − J < ε against H for the sampled runs: every seed's count (points) and
/// the medians (lines); whether every run got there, and dynamic against simultaneous PG.
fn sampled_panel(
    target: f64,
    simultaneous: &[SampledHorizon],
    dynamic: &[SampledHorizon],
    comparisons: &mut Vec<Comparison>,
    numbers: &mut serde_json::Map<String, serde_json::Value>,
) -> Result<Panel> {
    let mut panel = Panel::new(
        format!("sampled: transitions to J* − J < {target} (K = 50 episodes a step, η = 1)"),
        Axis::log("horizon H"),
        Axis::log("transitions drawn"),
    );
    for (index, (label, series)) in [
        (SIMULTANEOUS_SAMPLED, simultaneous),
        (DYNAMIC_SAMPLED, dynamic),
    ]
    .into_iter()
    .enumerate()
    {
        let every: Vec<(f64, f64)> = series
            .iter()
            .flat_map(|h| h.reached().into_iter().map(move |n| (h.steps as f64, n)))
            .collect();
        let median: Vec<(f64, f64)> = series
            .iter()
            .filter_map(|h| h.median().map(|m| (h.steps as f64, m)))
            .collect();
        panel = panel
            .with(Line::new(format!("{label}, median"), median.clone()).color(index))
            .with(Scatter::new("", every).color(index));
        let runs: usize = series.iter().map(|h| h.samples.len()).sum();
        let reached: usize = series.iter().map(|h| h.reached().len()).sum();
        let missed: Vec<String> = series
            .iter()
            .filter(|h| h.reached().len() < h.samples.len())
            .map(|h| {
                format!(
                    "H = {}: {} of {}",
                    h.steps,
                    h.reached().len(),
                    h.samples.len()
                )
            })
            .collect();
        comparisons.push(Comparison::new(
            format!("{label}: runs that reach J* − J < {target}"),
            "every run, with probability ≥ 1 − δ, when the batch grows with the step (§4)",
            if missed.is_empty() {
                format!("{reached} of {runs}")
            } else {
                format!("{reached} of {runs} ({})", missed.join("; "))
            },
            runs > 0 && reached == runs,
        ));
        numbers.insert(
            label.replace([' ', ','], "_"),
            json!(
                series
                    .iter()
                    .map(|h| json!({"H": h.steps, "samples": h.samples, "median": h.median()}))
                    .collect::<Vec<_>>()
            ),
        );
    }
    // At the largest horizon both ran: a method whose median did not get there counts as +∞.
    let largest = simultaneous
        .iter()
        .map(|h| h.steps)
        .filter(|&h| dynamic.iter().any(|d| d.steps == h))
        .max();
    if let Some(h) = largest {
        let median_at = |series: &[SampledHorizon]| {
            series
                .iter()
                .find(|x| x.steps == h)
                .and_then(SampledHorizon::median)
                .unwrap_or(f64::INFINITY)
        };
        let (s, d) = (median_at(simultaneous), median_at(dynamic));
        comparisons.push(Comparison::new(
            format!("sampled dynamic against simultaneous PG, median transitions at H = {h}"),
            "fewer for dynamic PG (its exact bound is O(H³) against O(H⁵); the sampled bounds' \
             constants are not compared)",
            format!(
                "{} against {} (×{})",
                significant(d, 3),
                significant(s, 3),
                significant(d / s, 3)
            ),
            d < s,
        ));
    }
    Ok(panel)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::experiment::reproduce::run_and_report;

    /// The quick budget: three horizons, every dynamic-PG count within its bound, both growth
    /// exponents within the bounds' orders; the sampled runs reach the target on both of their
    /// horizons, and the sampled comparison of the two methods is made (which one uses fewer
    /// transitions is the entry's finding, not asserted).
    #[test]
    fn quick_budget_reproduces_the_bounds() {
        let entry = entry();
        let experiment = entry.load(true).unwrap();
        let report = run_and_report(&experiment, entry.report);
        let (against, checks): (Vec<&Comparison>, Vec<&Comparison>) =
            report.comparisons.iter().partition(|c| {
                c.quantity
                    .starts_with("sampled dynamic against simultaneous")
            });
        assert_eq!(against.len(), 1, "{:?}", report.comparisons);
        for comparison in checks {
            assert!(comparison.agrees, "{comparison:?}");
        }
        assert_eq!(report.numbers["horizons"].as_array().unwrap().len(), 3);
        let sampled = report.numbers["dynamic_PG__sampled"].as_array().unwrap();
        assert_eq!(sampled.len(), 2);
    }

    #[test]
    fn the_bound_is_the_sum_of_the_epochs_counts() {
        // H = 2, R* = 1, |A| = 2, S = 1, ε = 1: N_1 = 4·1·4·2 = 32, N_0 = 4·2·4·2 = 64.
        assert_eq!(dynamic_bound(2, 1.0, 1, 2, 1.0), 96.0);
    }
}
