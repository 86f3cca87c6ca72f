//! `cen2022-npg-entropy`: Cen, Cheng, Chen, Wei & Chi (2022), "Fast global convergence of natural
//! policy gradient methods with entropy regularization" (Operations Research 70(4), 2563–2578;
//! arXiv 2007.06558).
//!
//! Claim checked (Theorem 1): for 0 < η ≤ (1−γ)/τ, entropy-regularized NPG satisfies
//! ‖Q*_τ − Q_τ^{(t+1)}‖∞ ≤ C₁·γ·(1 − ητ)^t with
//! C₁ = ‖Q*_τ − Q_τ^{(0)}‖∞ + 2τ·(1 − ητ/(1−γ))·‖log π*_τ − log π^{(0)}‖∞, so the soft Q error
//! contracts by at least 1 − ητ per step, and soft policy iteration (η = (1−γ)/τ) by γ. The report
//! computes C₁ of every world from its exact soft optimum, checks the bound at every recorded step,
//! and fits the measured contraction per step (log-linear least squares on the tail of the error
//! above the floating-point floor) against 1 − ητ.

use serde_json::json;

use super::{Comparison, Entry, Report, ReportInput, mean_and_band, significant};
use crate::core::error::{Error, Result};
use crate::exact::{soft_evaluate, soft_value_iteration, uniform_policy};
use crate::experiment::world_spec::WorldKind;
use crate::metrics::rate_fit::loglinear_slope;
use crate::plot::{Axis, Line, Panel, Reference, Scatter};

pub fn entry() -> Entry {
    Entry {
        name: "cen2022-npg-entropy",
        summary: "entropy-regularized NPG contracts the soft Q error by 1 − ητ per step (γ for soft policy iteration)",
        experiment: include_str!("../../../experiments/cen2022-npg-entropy.toml"),
        report,
    }
}

/// The errors below this are rounding, not convergence (‖Q*_τ‖∞ is of order 1/(1−γ)).
const FLOOR: f64 = 1e-10;

/// C₁ of Theorem 1 for NPG started at the uniform policy, and γ.
fn theorem_constant(problem: &crate::algo::Problem, tau: f64, eta: f64) -> Result<(f64, f64)> {
    let mdp = &problem.mdp;
    let gamma = mdp.gamma();
    let optimum = soft_value_iteration(mdp, tau, 1e-13, 1_000_000)?;
    let uniform = uniform_policy(mdp);
    let start = soft_evaluate(mdp, uniform.view(), tau)?;
    let q_error = optimum
        .q
        .iter()
        .zip(start.q.iter())
        .fold(0.0f64, |m, (a, b)| m.max((a - b).abs()));
    let log_error = optimum
        .policy
        .iter()
        .zip(uniform.iter())
        .filter(|(_, u)| **u > 0.0)
        .fold(0.0f64, |m, (a, b)| m.max((a.ln() - b.ln()).abs()));
    let c1 = q_error + 2.0 * tau * (1.0 - eta * tau / (1.0 - gamma)) * log_error;
    Ok((c1, gamma))
}

/// The average contraction per step from t = 1 to the last step before the error first falls
/// below 1e-9: (e_last/e_1)^{1/(last − 1)} (as in tests/paper_checks.rs).
fn average_rate(errors: &[(f64, f64)]) -> Option<f64> {
    let first = errors.iter().find(|(t, _)| *t == 1.0)?.1;
    let (last, e_last) = errors
        .iter()
        .copied()
        .skip_while(|(t, _)| *t < 1.0)
        .take_while(|(_, e)| *e > 1e-9)
        .last()?;
    (last > 1.0).then(|| (e_last / first).powf(1.0 / (last - 1.0)))
}

/// The asymptotic contraction: a log-linear fit on the later half of the steps above [`FLOOR`].
fn tail_rate(errors: &[(f64, f64)]) -> Result<(f64, f64, usize)> {
    let above: Vec<(f64, f64)> = errors
        .iter()
        .copied()
        .skip_while(|(t, _)| *t < 1.0)
        .take_while(|(_, e)| *e > FLOOR)
        .collect();
    let end = above.last().map_or(0.0, |&(t, _)| t);
    let tail: Vec<(f64, f64)> = above.into_iter().filter(|&(t, _)| t >= end / 2.0).collect();
    let (t, y): (Vec<f64>, Vec<f64>) = tail.iter().copied().unzip();
    let fit = loglinear_slope(&t, &y, (f64::NEG_INFINITY, f64::INFINITY))?;
    Ok((fit.contraction_factor(), fit.r_squared, fit.points))
}

fn report(input: &ReportInput<'_>) -> Result<Report> {
    let table = input.table;
    let mut step_sizes: Vec<(f64, String)> = table
        .distinct("step_size")?
        .into_iter()
        .map(|s| Ok((s.parse::<f64>().map_err(|_| bad("step_size", &s))?, s)))
        .collect::<Result<_>>()?;
    step_sizes.sort_by(|a, b| a.0.total_cmp(&b.0));
    let temperatures = table.distinct("temperature")?;
    let [tau_text] = temperatures.as_slice() else {
        return Err(Error::invalid(
            "temperature",
            format!("found {} values", temperatures.len()),
            "one temperature τ for every run",
        ));
    };
    let tau: f64 = tau_text.parse().map_err(|_| bad("temperature", tau_text))?;
    let worlds = table.distinct("world")?;

    let mut comparisons = Vec::new();
    let mut numbers = serde_json::Map::new();
    let mut panels = Vec::new();
    let mut average_points = Vec::new();
    let mut tail_points = Vec::new();
    let mut per_eta = Vec::new();
    let mut gamma_seen = f64::NAN;
    for (k, (eta, eta_text)) in step_sizes.iter().enumerate() {
        let mut log_errors = Vec::new();
        let mut rates = Vec::new();
        let mut tails = Vec::new();
        let mut worst_ratio = 0.0f64;
        let mut largest_c1 = 0.0f64;
        let mut per_world = Vec::new();
        for world in &worlds {
            let errors = table.trajectory(
                &[("world", world), ("step_size", eta_text)],
                "step",
                "soft_q_error",
            )?;
            let problem = input
                .experiment
                .worlds
                .iter()
                .find(|w| &w.name == world)
                .and_then(|w| match &w.kind {
                    WorldKind::Mdp(problem) => Some(problem.clone()),
                    WorldKind::FiniteHorizon(_)
                    | WorldKind::Bandit(_)
                    | WorldKind::Llm(_)
                    | WorldKind::Robust(_)
                    | WorldKind::Game(_) => None,
                })
                .ok_or_else(|| bad("world", world))?;
            let (c1, gamma) = theorem_constant(&problem, tau, *eta)?;
            gamma_seen = gamma;
            largest_c1 = largest_c1.max(c1);
            let bound_rate = 1.0 - eta * tau;
            // Theorem 1 bounds the error of iterate t ≥ 1 by C₁·γ·(1 − ητ)^{t−1}.
            for &(t, e) in errors.iter().filter(|(t, _)| *t >= 1.0) {
                let bound = c1 * gamma * bound_rate.powf(t - 1.0);
                if e > FLOOR {
                    worst_ratio = worst_ratio.max(e / bound);
                }
            }
            let rate = average_rate(&errors).ok_or_else(|| {
                Error::invalid(
                    "soft_q_error",
                    format!("{world}, η = {eta}: fewer than two steps above 1e-9"),
                    "every step recorded from t = 1",
                )
            })?;
            let alpha = eta * tau / (1.0 - gamma);
            rates.push(rate);
            average_points.push((alpha, rate));
            let mut world_numbers = json!({"world": world, "c1": c1, "average_rate": rate});
            if alpha < 1.0 - 1e-9 {
                let (tail, r_squared, points) = tail_rate(&errors)?;
                tails.push(tail);
                tail_points.push((alpha, tail));
                world_numbers["tail_rate"] = json!(tail);
                world_numbers["tail_r_squared"] = json!(r_squared);
                world_numbers["tail_points"] = json!(points);
            } else {
                // Soft policy iteration: the per-step ratios e_{t+1}/e_t of the first steps.
                let ratios: Vec<f64> = errors
                    .windows(2)
                    .filter(|w| w[0].0 >= 1.0 && w[1].1 > FLOOR)
                    .map(|w| w[1].1 / w[0].1)
                    .collect();
                world_numbers["step_ratios"] = json!(ratios);
            }
            per_world.push(world_numbers);
            log_errors.push(
                errors
                    .iter()
                    .filter(|(_, e)| *e > 0.0)
                    .map(|&(t, e)| (t, e.log10()))
                    .collect::<Vec<_>>(),
            );
        }
        let gamma = gamma_seen;
        let bound_rate = 1.0 - eta * tau;
        let fraction = eta * tau / (1.0 - gamma);
        let (mean, band) = mean_and_band(&log_errors)?;
        let power = |points: Vec<(f64, f64)>| -> Vec<(f64, f64)> {
            points
                .into_iter()
                .map(|(t, y)| (t, 10f64.powf(y)))
                .collect()
        };
        let shown = |t: f64, y: f64| y > FLOOR.log10() - 2.0 && t >= 0.0;
        let mean_points: Vec<(f64, f64)> = mean.into_iter().filter(|&(t, y)| shown(t, y)).collect();
        let horizon = mean_points.last().map_or(1.0, |&(t, _)| t);
        let band_points: Vec<(f64, f64, f64)> = band
            .into_iter()
            .filter(|&(t, _, _)| t <= horizon)
            .map(|(t, lo, hi)| (t, 10f64.powf(lo), 10f64.powf(hi)))
            .collect();
        let bound_curve: Vec<(f64, f64)> = mean_points
            .iter()
            .filter(|(t, _)| *t >= 1.0)
            .map(|&(t, _)| (t, largest_c1 * gamma * bound_rate.powf(t - 1.0)))
            .filter(|&(_, b)| b > FLOOR * 1e-2)
            .collect();
        let (low, high) = range(&rates);
        let local = (1.0 - fraction).powi(2);
        let name = if (fraction - 1.0).abs() < 1e-9 {
            format!(
                "η = (1−γ)/τ = {}: soft policy iteration",
                significant(*eta, 3)
            )
        } else {
            format!(
                "η = {}·(1−γ)/τ = {}",
                significant(fraction, 2),
                significant(*eta, 3)
            )
        };
        let mut line = Line::new(
            format!("entropy NPG, mean of log over {} MDPs", worlds.len()),
            power(mean_points),
        )
        .color(k);
        if !band_points.is_empty() {
            line = line.band(band_points);
        }
        panels.push(
            Panel::new(
                name.clone(),
                Axis::linear("iteration t"),
                Axis::log("soft Q error ‖Q*_τ − Q_τ^(t)‖∞"),
            )
            .with(line)
            .with(Reference::curve(
                "Theorem 1 bound C₁γ(1 − ητ)^(t−1)",
                bound_curve,
            ))
            .note(format!(
                "average ρ over t ≥ 1: {}–{} per step; bound 1 − ητ = {}",
                significant(low, 3),
                significant(high, 3),
                significant(bound_rate, 3)
            )),
        );
        comparisons.push(Comparison::new(
            format!(
                "{name}: soft Q error ≤ C₁γ(1 − ητ)^(t−1) at every recorded t, {} MDPs",
                worlds.len()
            ),
            "holds for every t (Theorem 1)",
            format!("largest error/bound = {}", significant(worst_ratio, 3)),
            worst_ratio <= 1.0 + 1e-9,
        ));
        let spi = (fraction - 1.0).abs() < 1e-9;
        comparisons.push(Comparison::new(
            format!("{name}: average contraction per step (e_T/e_1)^(1/(T−1)), range over MDPs"),
            if spi {
                format!(
                    "≤ γ = {} (Theorem 1, soft policy iteration)",
                    significant(gamma, 3)
                )
            } else {
                format!("≤ 1 − ητ = {} (Theorem 1)", significant(bound_rate, 4))
            },
            format!("{} – {}", significant(low, 4), significant(high, 4)),
            high <= bound_rate + 1e-3,
        ));
        let (tail_low, tail_high) = range(&tails);
        if !tails.is_empty() {
            comparisons.push(Comparison::new(
                format!("{name}: asymptotic contraction (tail fit), range over MDPs"),
                format!(
                    "≤ 1 − ητ = {} (Theorem 1); local analysis (not in the paper): (1 − ητ/(1−γ))² = {}",
                    significant(bound_rate, 4),
                    significant(local, 4)
                ),
                format!("{} – {}", significant(tail_low, 4), significant(tail_high, 4)),
                tail_high <= bound_rate + 1e-3,
            ));
        }
        per_eta.push(json!({
            "step_size": eta, "fraction_of_largest": fraction, "bound_rate": bound_rate,
            "local_rate": local,
            "average_rate_min": low, "average_rate_max": high,
            "tail_rate_min": tail_low, "tail_rate_max": tail_high,
            "largest_error_over_bound": worst_ratio, "worlds": per_world,
        }));
    }
    let gamma = gamma_seen;
    let fractions: Vec<f64> = (0..=40).map(|i| 0.2 + 0.8 * f64::from(i) / 40.0).collect();
    let bound_curve: Vec<(f64, f64)> = fractions
        .iter()
        .map(|&x| (x, 1.0 - x * (1.0 - gamma)))
        .collect();
    let local_curve: Vec<(f64, f64)> = fractions
        .iter()
        .filter(|&&x| x <= 0.96)
        .map(|&x| (x, (1.0 - x).powi(2)))
        .collect();
    let rates_panel = Panel::new(
        "contraction per step against the step size",
        Axis::linear("step size as a fraction of the largest, ητ/(1−γ)"),
        Axis::log("contraction ρ of the soft Q error per step"),
    )
    .with(Reference::curve("Theorem 1: ρ ≤ 1 − ητ", bound_curve))
    .with(Reference::curve(
        "local: (1 − ητ/(1−γ))² (not in the paper)",
        local_curve,
    ))
    .with(Scatter::new("average over t ≥ 1, one per MDP", average_points).color(3))
    .with(Scatter::new("asymptotic (tail fit), one per MDP", tail_points).color(4))
    .note(format!(
        "γ = {}, τ = {}; at 1: soft policy iteration (bound γ)",
        significant(gamma, 3),
        significant(tau, 3)
    ));
    panels.push(rates_panel);
    numbers.insert("gamma".into(), json!(gamma));
    numbers.insert("temperature".into(), json!(tau));
    numbers.insert("worlds".into(), json!(worlds));
    numbers.insert("step_sizes".into(), json!(per_eta));
    Ok(Report::in_two_columns(input, panels, numbers, comparisons))
}

/// The smallest and largest value (infinite ends for none).
fn range(values: &[f64]) -> (f64, f64) {
    values
        .iter()
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(l, h), &r| {
            (l.min(r), h.max(r))
        })
}

fn bad(column: &str, value: &str) -> Error {
    Error::invalid(
        column,
        format!("`{value}` is not usable"),
        "a number in the results, and an MDP world of the experiment",
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::experiment::reproduce::run_and_report;

    #[test]
    fn quick_budget_reproduces_theorem_one() {
        let mut experiment = entry().load(true).unwrap();
        experiment.file.steps = 51;
        // One MDP is enough for the unit test (the quick budget has three).
        experiment.configurations.retain(|c| c.world == 0);
        let report = run_and_report(&experiment, report);
        assert_eq!(report.comparisons.len(), 8);
        for comparison in &report.comparisons {
            assert!(comparison.agrees, "{comparison:?}");
        }
    }
}
