//! `qre-extragradient`: entropy-regularized extragradient methods against their linear rate, the
//! QRE against the Nash equilibrium, and gradient descent-ascent beside them
//! (experiments/qre-extragradient.toml; paper-note paper-notes/qre-extragradient.md).
//!
//! Claims checked:
//!
//! - PU and OMWU (Cen, Wei & Chi 2021, Algorithms 1 and 2) on matrix games: every recorded
//!   iterate satisfies KL(ζ*_τ ‖ ζ_t) ≤ (1 − ητ)^t·KL(ζ*_τ ‖ ζ_0) at the step the run used (the
//!   rate as we read the paper; the theorem's text could not be read, see the paper-note);
//! - the QRE is an approximate Nash equilibrium: NashConv(ζ*_τ) ≤ τ(log|A| + log|B|)/(1 − γ)
//!   (NashConv of a two-player zero-sum game is its duality gap; the bound follows from
//!   0 ≤ H ≤ log|A| on every state, derived in the paper-note), for every world and τ of a grid;
//! - on the Markov game, PU and OMWU with the outer value update reach the QRE (QRE gap below
//!   1e-8 at τ ≥ 0.1 within the budget; Cen et al. 2021, §4);
//! - gradient descent-ascent (projected or softmax, as independent learners) does not converge in
//!   the last iterate: on perturbed rock-paper-scissors its NashConv over the second half of the
//!   run stays above PU's final NashConv at τ = 0.01.

use serde_json::json;

use super::{Comparison, Entry, Report, ReportInput, grid_runs, significant};
use crate::core::error::{Error, Result};
use crate::exact::game::{exploitability, markov_qre};
use crate::experiment::table::Trajectory;
use crate::experiment::world_spec::WorldKind;
use crate::plot::{Axis, Line, Panel, Scatter};
use crate::world::{MarkovGame, World};

pub fn entry() -> Entry {
    Entry {
        name: "qre-extragradient",
        summary: "PU and OMWU converge linearly to the QRE (Cen, Wei & Chi 2021); gradient descent-ascent cycles",
        experiment: include_str!("../../../experiments/qre-extragradient.toml"),
        report,
    }
}

const PU: &str = "PU";
const OMWU: &str = "OMWU";
const GDA: [&str; 2] = ["projected GDA", "softmax GDA"];
/// The temperatures of the NashConv-against-τ curve (exact QREs, computed by the report).
const CURVE_TEMPERATURES: [f64; 9] = [0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1.0, 2.0, 5.0];

/// The largest absolute payoff of a matrix game (its stage game at any value).
fn payoff_scale(game: &MarkovGame) -> f64 {
    game.reward(0).iter().fold(0.0f64, |m, v| m.max(v.abs()))
}

/// The step size the run used on a matrix game (what the algorithms choose with
/// `step_size = 0`).
fn step_of(method: &str, scale: f64, tau: f64) -> f64 {
    if method == PU {
        1.0 / (tau + scale)
    } else {
        (1.0 / (2.0 * scale + 2.0 * tau)).min(1.0 / (4.0 * scale))
    }
}

/// The largest KL_t / ((1 − ητ)^t KL_0) over t ≥ 1 of a run (≤ 1 where the linear rate holds), and the
/// observed per-step contraction (KL_T/KL_0)^{1/T} over the steps before KL reaches 1e-13.
fn rate_check(kl: &Trajectory, eta: f64, tau: f64) -> Option<(f64, f64)> {
    let &(_, kl0) = kl.first()?;
    if kl0 <= 0.0 {
        return None;
    }
    let mut worst = 0.0f64;
    for &(t, value) in kl {
        let bound = (1.0 - eta * tau).powf(t) * kl0;
        // Below 1e-13 KL is at the floor of rounding; the bound is checked above it (and from
        // t = 1: at t = 0 the ratio is 1 by definition).
        if value > 1e-13 && t > 0.0 {
            worst = worst.max(value / bound);
        }
    }
    let &(last_t, last) = kl
        .iter()
        .rev()
        .find(|&&(t, v)| v > 1e-13 && t > 0.0)
        .unwrap_or(&(0.0, kl0));
    let observed = if last_t > 0.0 {
        (last / kl0).powf(1.0 / last_t)
    } else {
        f64::NAN
    };
    Some((worst, observed))
}

/// NashConv of a zero-sum game's exact QRE at temperature τ.
fn qre_nash_conv(game: &MarkovGame, tau: f64) -> Result<f64> {
    let qre = markov_qre(game, tau, 1e-12, 1_000_000)?;
    let views: Vec<_> = qre.policies.iter().map(|p| p.view()).collect();
    Ok(exploitability(game, &views)?.nash_conv())
}

fn report(input: &ReportInput<'_>) -> Result<Report> {
    let labels = input.table.distinct("label")?;
    let present = input.table.distinct("world")?;
    let mut comparisons = Vec::new();
    let mut numbers = serde_json::Map::new();
    let mut rate_panel = Panel::new(
        "random 5×5: KL(ζ*_τ ‖ ζ_t), PU (solid) against (1 − ητ)^t·KL_0 (dashed)",
        Axis::linear("iteration t"),
        Axis::log("KL to the QRE"),
    );
    let mut markov_panel = Panel::new(
        "random Markov game (S = 5, 3×3, γ = 0.8): QRE gap",
        Axis::linear("iteration t"),
        Axis::log("QRE gap"),
    );
    let mut nash_panel = Panel::new(
        "exact QRE: NashConv against τ; dashed: τ(log|A| + log|B|)/(1 − γ)",
        Axis::log("temperature τ"),
        Axis::log("NashConv(ζ*_τ)"),
    );
    let mut cycle_panel = Panel::new(
        "perturbed RPS: NashConv of the last iterate",
        Axis::linear("iteration t"),
        Axis::log("NashConv"),
    );
    for (index, world) in input
        .experiment
        .worlds
        .iter()
        .filter(|w| present.contains(&w.name))
        .enumerate()
    {
        let WorldKind::Game(game_world) = &world.kind else {
            return Err(Error::invalid(
                "world",
                format!("`{}` is {}", world.name, world.kind.describe()),
                "the games of experiments/qre-extragradient.toml",
            ));
        };
        let world_ref: &dyn World = game_world.as_ref();
        let game = world_ref
            .game()
            .ok_or_else(|| Error::invalid("world", world.name.clone(), "a game world"))?;
        let matrix = game.n_states() == 1 && game.gamma() == 0.0;
        let mut world_numbers = serde_json::Map::new();
        // The linear rate on matrix games, at the step each run used.
        if matrix {
            let scale = payoff_scale(game);
            for method in [PU, OMWU] {
                let mut worst = 0.0f64;
                let mut rates = Vec::new();
                for (color, (label, tau)) in grid_runs(&labels, method, "temperature")
                    .into_iter()
                    .enumerate()
                {
                    let kl = input.table.trajectory(
                        &[("world", &world.name), ("label", &label)],
                        "step",
                        "kl_to_qre",
                    )?;
                    let eta = step_of(method, scale, tau);
                    let Some((ratio, observed)) = rate_check(&kl, eta, tau) else {
                        continue;
                    };
                    worst = worst.max(ratio);
                    rates.push(json!({"temperature": tau, "step_size": eta,
                        "bound_rate": 1.0 - eta * tau, "observed_rate": observed,
                        "largest_kl_over_bound": ratio,
                        "final_kl": kl.last().map(|p| p.1)}));
                    if world.name == "random-5x5" && method == PU {
                        let kl0 = kl[0].1;
                        let positive: Vec<(f64, f64)> =
                            kl.iter().copied().filter(|&(_, v)| v > 1e-16).collect();
                        let bound: Vec<(f64, f64)> = kl
                            .iter()
                            .map(|&(t, _)| (t, (1.0 - eta * tau).powf(t) * kl0))
                            .filter(|&(_, b)| b > 1e-16)
                            .collect();
                        rate_panel = rate_panel
                            .with(Line::new(format!("τ = {tau}"), positive).color(color))
                            .with(Line::new("", bound).color(color).dashed());
                    }
                }
                if !rates.is_empty() {
                    comparisons.push(Comparison::new(
                        format!(
                            "{}: {method}, largest KL_t / ((1 − ητ)^t KL_0) over τ and t ≥ 1",
                            world.name
                        ),
                        "≤ 1: linear last-iterate rate (Cen, Wei & Chi 2021, the rate as we read it)",
                        significant(worst, 3),
                        worst <= 1.0 + 1e-9,
                    ));
                    world_numbers.insert(method.to_string(), json!(rates));
                }
            }
        } else {
            // The Markov game: the QRE gap of PU and OMWU with the outer value update.
            let mut slowest = 0.0f64;
            for (offset, method) in [PU, OMWU].into_iter().enumerate() {
                let mut finals = Vec::new();
                for (color, (label, tau)) in grid_runs(&labels, method, "temperature")
                    .into_iter()
                    .enumerate()
                {
                    let gap = input.table.trajectory(
                        &[("world", &world.name), ("label", &label)],
                        "step",
                        "qre_gap",
                    )?;
                    let Some(&(_, last)) = gap.last() else {
                        continue;
                    };
                    finals.push(json!({"temperature": tau, "final_qre_gap": last}));
                    if tau >= 0.1 {
                        slowest = slowest.max(last);
                    }
                    let positive: Vec<(f64, f64)> =
                        gap.iter().copied().filter(|&(_, v)| v > 1e-16).collect();
                    let line = Line::new(format!("{method}, τ = {tau}"), positive).color(color);
                    markov_panel =
                        markov_panel.with(if offset == 1 { line.dashed() } else { line });
                }
                world_numbers.insert(format!("{method} final QRE gaps"), json!(finals));
            }
            if !input.quick {
                comparisons.push(Comparison::new(
                    format!(
                        "{}: largest final QRE gap of PU and OMWU at τ ≥ 0.1",
                        world.name
                    ),
                    "→ 0 linearly (Cen, Wei & Chi 2021, §4: outer value iteration, inner PU/OMWU)",
                    significant(slowest, 3),
                    slowest < 1e-8,
                ));
            }
        }
        // NashConv of the exact QRE against τ, with its bound.
        let (a, b) = (game.n_actions(0) as f64, game.n_actions(1) as f64);
        let horizon = 1.0 / (1.0 - game.gamma());
        let mut points = Vec::new();
        let mut worst = 0.0f64;
        for tau in CURVE_TEMPERATURES {
            let nash_conv = qre_nash_conv(game, tau)?;
            let bound = tau * (a.ln() + b.ln()) * horizon;
            worst = worst.max(nash_conv / bound);
            points.push((tau, nash_conv));
        }
        world_numbers.insert(
            "qre_nash_conv".into(),
            json!(
                points
                    .iter()
                    .map(|&(t, n)| json!({"temperature": t, "nash_conv": n}))
                    .collect::<Vec<_>>()
            ),
        );
        comparisons.push(Comparison::new(
            format!(
                "{}: largest NashConv(ζ*_τ) / (τ(log|A| + log|B|)/(1 − γ)) over τ ∈ [0.01, 5]",
                world.name
            ),
            "≤ 1: the QRE is a τ(log|A| + log|B|)/(1 − γ)-Nash equilibrium",
            significant(worst, 3),
            worst <= 1.0,
        ));
        let bound_curve: Vec<(f64, f64)> = CURVE_TEMPERATURES
            .iter()
            .map(|&tau| (tau, tau * (a.ln() + b.ln()) * horizon))
            .collect();
        nash_panel = nash_panel
            .with(Scatter::new(world.name.clone(), points).color(index))
            .with(Line::new("", bound_curve).color(index).dashed());
        // Gradient descent-ascent beside PU on perturbed RPS.
        if world.name == "perturbed-rps" {
            let pu = grid_runs(&labels, PU, "temperature");
            let pu_final = match pu.first() {
                Some((label, _)) => input
                    .table
                    .trajectory(
                        &[("world", &world.name), ("label", label)],
                        "step",
                        "nash_conv",
                    )?
                    .last()
                    .map_or(f64::NAN, |p| p.1),
                None => f64::NAN,
            };
            for (color, label) in pu
                .iter()
                .take(1)
                .map(|(l, _)| l.as_str())
                .chain(
                    grid_runs(&labels, OMWU, "temperature")
                        .iter()
                        .take(1)
                        .map(|(l, _)| l.as_str()),
                )
                .map(str::to_string)
                .chain(GDA.iter().map(|l| l.to_string()))
                .enumerate()
            {
                let nash_conv = input.table.trajectory(
                    &[("world", &world.name), ("label", &label)],
                    "step",
                    "nash_conv",
                )?;
                if nash_conv.is_empty() {
                    continue;
                }
                let last_t = nash_conv.last().map_or(0.0, |p| p.0);
                let second_half: Vec<f64> = nash_conv
                    .iter()
                    .filter(|&&(t, _)| t >= last_t / 2.0)
                    .map(|p| p.1)
                    .collect();
                let low = second_half.iter().copied().fold(f64::INFINITY, f64::min);
                let high = second_half.iter().copied().fold(0.0f64, f64::max);
                if GDA.contains(&label.as_str()) {
                    world_numbers.insert(
                        format!("{label} NashConv, second half"),
                        json!({"min": low, "max": high}),
                    );
                    comparisons.push(Comparison::new(
                        format!("{}: {label}, smallest NashConv over the second half (PU τ = {} ends at {})",
                            world.name, pu.first().map_or(f64::NAN, |p| p.1), significant(pu_final, 3)),
                        "does not converge in the last iterate (gradient descent-ascent cycles; Cen et al. 2021, §1)",
                        significant(low, 3),
                        low > pu_final,
                    ));
                }
                let positive: Vec<(f64, f64)> =
                    nash_conv.into_iter().filter(|&(_, v)| v > 1e-16).collect();
                cycle_panel = cycle_panel.with(Line::new(label, positive).color(color));
            }
        }
        numbers.insert(world.name.clone(), serde_json::Value::Object(world_numbers));
    }
    // A panel of a world the results do not hold (a reduced run) is left out.
    let panels: Vec<Panel> = [rate_panel, nash_panel, cycle_panel, markov_panel]
        .into_iter()
        .filter(|panel| !panel.series.is_empty())
        .collect();
    Ok(Report::in_two_columns(input, panels, numbers, comparisons))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::experiment::reproduce::{assert_all_agree, quick_report};

    /// The quick budget: every comparison of the matrix games agrees.
    #[test]
    fn quick_budget_on_the_matrix_games() {
        let report = quick_report(&entry(), |world| world.name != "random-markov");
        assert!(report.comparisons.len() >= 6, "{:?}", report.comparisons);
        assert_all_agree(&report);
    }
}
