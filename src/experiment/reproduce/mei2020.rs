//! `mei2020-rates`: Mei, Xiao, Szepesvári & Schuurmans (2020), "On the global convergence rates
//! of softmax policy gradient methods" (ICML).
//!
//! Claims checked: exact softmax PG has V* − V^{π_t} = Θ(1/t) (the O(1/t) bound of their §3 and
//! the Ω(1/t) lower bound) — on their
//! 3-armed bandit r = (1, 0.9, 0.1) with η = 0.4 from the uniform policy, t·(V* − V^{π_t}) is
//! ≈ 1.689 at t = 10⁴ and ≈ 1.670 at t = 10⁵ (their Figure 1, read from the plot), so the log-log
//! slope of the gap is −1; entropy-regularized softmax PG converges linearly to the
//! softmax-optimal policy at rate O(e^{−ct}) (§4): log(soft gap) falls on a straight line in t.

use serde_json::json;

use super::{Comparison, Entry, Report, ReportInput, significant, value_at};
use crate::core::error::{Error, Result};
use crate::metrics::rate_fit::{loglinear_slope, loglog_slope};
use crate::plot::{Axis, Line, Panel, Reference};

pub fn entry() -> Entry {
    Entry {
        name: "mei2020-rates",
        summary: "softmax PG Θ(1/t) against entropy-regularized linear convergence (bandit and MDP)",
        experiment: include_str!("../../../experiments/mei2020-rates.toml"),
        report,
    }
}

/// Points of a trajectory with values inside [low, high] (the part of a linear-rate curve above
/// the floating-point floor).
fn inside(points: &[(f64, f64)], low: f64, high: f64) -> Vec<(f64, f64)> {
    points
        .iter()
        .copied()
        .filter(|&(_, y)| y >= low && y <= high)
        .collect()
}

fn report(input: &ReportInput<'_>) -> Result<Report> {
    let table = input.table;
    let last_step = (input.experiment.file.steps - 1) as f64;
    let mut comparisons = Vec::new();
    let mut numbers = serde_json::Map::new();
    let mut panels = Vec::new();
    for world in ["bandit", "garnet"] {
        let gap = table.trajectory(&[("world", world), ("label", "softmax PG")], "step", "gap")?;
        let positive: Vec<(f64, f64)> = gap
            .iter()
            .copied()
            .filter(|&(t, g)| t >= 1.0 && g > 0.0)
            .collect();
        let (t, y): (Vec<f64>, Vec<f64>) = positive.iter().copied().unzip();
        let window = (1000.0, last_step);
        let fit = loglog_slope(&t, &y, window)?;
        let mut panel = Panel::new(
            format!("{world}: softmax PG, V* − V^π_t"),
            Axis::log("iteration t"),
            Axis::log("suboptimality V*(ρ) − V^π_t(ρ)"),
        )
        .with(Line::new("softmax PG", positive.clone()))
        .note(format!(
            "log-log slope on [10³, {}]: {} [{}, {}]",
            significant(last_step, 2),
            significant(fit.slope, 4),
            significant(fit.slope_ci95.0, 4),
            significant(fit.slope_ci95.1, 4)
        ));
        let slope_ok = (-1.05..=-0.95).contains(&fit.slope);
        comparisons.push(Comparison::new(
            format!("{world}: log-log slope of the gap on t ∈ [10³, {last_step}]"),
            "−1 (Θ(1/t): the O(1/t) bound of §3 and the Ω(1/t) lower bound)",
            significant(fit.slope, 4),
            slope_ok,
        ));
        numbers.insert(
            format!("{world}_loglog_slope"),
            json!({"slope": fit.slope, "ci95": fit.slope_ci95, "window": fit.window, "points": fit.points}),
        );
        if world == "bandit" {
            let mut scaled = Vec::new();
            for (t, paper) in [(10_000.0, 1.689), (100_000.0, 1.670)] {
                if t > last_step {
                    continue;
                }
                let g = value_at(&gap, t).ok_or_else(|| {
                    Error::invalid("gap", format!("step {t} was not recorded"), "record.at")
                })?;
                let ours = t * g;
                scaled.push((t, ours));
                comparisons.push(Comparison::new(
                    format!("bandit: t·(V* − V^π_t) at t = {t}"),
                    format!("≈ {paper:.3} (Figure 1)"),
                    significant(ours, 5),
                    (ours - paper).abs() < 0.002,
                ));
            }
            numbers.insert("bandit_t_times_gap".into(), json!(scaled));
            let curve: Vec<(f64, f64)> = positive
                .iter()
                .filter(|(t, _)| *t >= 10.0)
                .map(|&(t, _)| (t, 1.67 / t))
                .collect();
            panel = panel.with(Reference::curve("1.67 / t (Mei et al., Fig. 1)", curve));
        }
        panels.push(panel);

        let soft = table.trajectory(
            &[("world", world), ("label", "entropy-regularized PG")],
            "step",
            "soft_gap",
        )?;
        // The tail: the later half of the steps whose soft gap is above the float floor.
        let above_floor = inside(&soft, 1e-11, f64::INFINITY);
        let linear_part: Vec<(f64, f64)> = match above_floor.last() {
            Some(&(end, _)) => above_floor
                .into_iter()
                .filter(|&(t, _)| t >= end / 2.0)
                .collect(),
            None => Vec::new(),
        };
        let (t, y): (Vec<f64>, Vec<f64>) = linear_part.iter().copied().unzip();
        let first = t.first().copied().unwrap_or(0.0);
        let last = t.last().copied().unwrap_or(0.0);
        let fit = loglinear_slope(&t, &y, (first, last))?;
        let rho = fit.contraction_factor();
        let shown: Vec<(f64, f64)> = soft.iter().copied().filter(|&(_, y)| y > 0.0).collect();
        let horizon = shown
            .iter()
            .find(|&&(_, y)| y < 1e-13)
            .map_or(last_step, |&(t, _)| t * 1.2);
        panels.push(
            Panel::new(
                format!("{world}: entropy-regularized PG, soft gap"),
                Axis::linear("iteration t"),
                Axis::log("soft suboptimality V*_τ(ρ) − V^π_τ(ρ)"),
            )
            .with(Line::new(
                "entropy-regularized PG",
                shown.into_iter().filter(|(t, _)| *t <= horizon).collect(),
            ))
            .note(format!(
                "linear rate: ρ = exp(slope) = {} per step (R² = {})",
                significant(rho, 6),
                significant(fit.r_squared, 4)
            )),
        );
        comparisons.push(Comparison::new(
            format!("{world}: entropy-regularized PG, log soft gap against t"),
            "a straight line: linear convergence O(e^{−ct}) (§4)",
            format!(
                "ρ = {} per step, R² = {} on t ∈ [{}, {}]",
                significant(rho, 6),
                significant(fit.r_squared, 5),
                first,
                last
            ),
            rho < 1.0 && fit.r_squared > 0.99 && fit.points >= 5,
        ));
        numbers.insert(
            format!("{world}_entropy_pg_rate"),
            json!({"contraction": rho, "r_squared": fit.r_squared, "window": fit.window, "points": fit.points}),
        );
    }
    Ok(Report::in_two_columns(input, panels, numbers, comparisons))
}
