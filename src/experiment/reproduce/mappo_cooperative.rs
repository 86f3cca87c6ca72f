//! `mappo-cooperative`: sequential multi-agent PPO on cooperative games against the team optimum
//! (experiments/mappo-cooperative.toml; paper-note paper-notes/mappo-cooperative.md).
//!
//! Claims checked:
//!
//! - every round improves the team: J(π_{t+1}) ≥ J(π_t) at every recorded step (the multi-agent
//!   performance-difference lemma: each agent's localized advantage of its new policy is ≥ 0);
//! - every run with η = 1 ends at a Nash policy (NashConv below 1e-6): no agent can improve alone;
//! - Zhao et al.'s headline, convergence to the globally optimal policy: the instances whose
//!   final team gap J* − J is below 1e-8. Where some stop at a suboptimal Nash policy the
//!   comparison is a finding, explained in the paper-note (a strict Nash equilibrium of a
//!   coordination game is a fixed point of every local update of product policies).

use serde_json::json;

use super::{Comparison, Entry, Report, ReportInput, grid_runs, significant};
use crate::core::error::{Error, Result};
use crate::experiment::table::Trajectory;
use crate::experiment::world_spec::WorldKind;
use crate::plot::{Axis, Line, Panel};
use crate::world::World;

pub fn entry() -> Entry {
    Entry {
        name: "mappo-cooperative",
        summary: "sequential multi-agent PPO on cooperative games: monotone improvement, Nash policies, the team optimum (Zhao et al. 2023)",
        experiment: include_str!("../../../experiments/mappo-cooperative.toml"),
        report,
    }
}

const MAPPO: &str = "MAPPO";
const INDEPENDENT: [&str; 2] = ["independent NPG", "independent PPO-clip"];
/// A final team gap below this counts as the team optimum.
const OPTIMUM: f64 = 1e-8;

/// The team gap J* − J along a run (from the team value J_p1 every agent shares).
fn team_gap(value: &Trajectory, optimum: f64) -> Trajectory {
    value.iter().map(|&(t, j)| (t, optimum - j)).collect()
}

fn report(input: &ReportInput<'_>) -> Result<Report> {
    let labels = input.table.distinct("label")?;
    let present = input.table.distinct("world")?;
    let mut families: Vec<String> = Vec::new();
    for world in &input.experiment.worlds {
        if !families.contains(&world.entry) && present.contains(&world.name) {
            families.push(world.entry.clone());
        }
    }
    let mappo = grid_runs(&labels, MAPPO, "step_size");
    let mut methods: Vec<String> = mappo.iter().map(|(l, _)| l.clone()).collect();
    methods.extend(INDEPENDENT.iter().map(|l| l.to_string()));
    let mut panels = Vec::new();
    let mut comparisons = Vec::new();
    let mut numbers = serde_json::Map::new();
    for family in &families {
        let worlds: Vec<_> = input
            .experiment
            .worlds
            .iter()
            .filter(|w| &w.entry == family && present.contains(&w.name))
            .collect();
        let mut panel = Panel::new(
            format!("{family}: {} instance(s)", worlds.len()),
            Axis::log("iteration t + 1"),
            Axis::log("J* − J(π_t)"),
        );
        let mut family_numbers = serde_json::Map::new();
        let mut largest_decrease = 0.0f64;
        let mut largest_nash_conv = 0.0f64;
        for (color, method) in methods.iter().enumerate() {
            let mut optimal = Vec::new();
            let mut stuck = Vec::new();
            for (k, world) in worlds.iter().enumerate() {
                let WorldKind::Game(game_world) = &world.kind else {
                    return Err(Error::invalid(
                        "world",
                        format!("`{}` is {}", world.name, world.kind.describe()),
                        "the cooperative games of experiments/mappo-cooperative.toml",
                    ));
                };
                let game_world: &dyn World = game_world.as_ref();
                let optimum = game_world.reference().optimal_objective;
                let filter = [("world", world.name.as_str()), ("label", method.as_str())];
                let value = input.table.trajectory(&filter, "step", "J_p1")?;
                let Some(&(_, last)) = value.last() else {
                    continue;
                };
                let gap = optimum - last;
                let nash_conv = input
                    .table
                    .trajectory(&filter, "step", "nash_conv")?
                    .last()
                    .map_or(f64::NAN, |p| p.1);
                if gap < OPTIMUM {
                    optimal.push(world.name.clone());
                } else {
                    stuck.push(
                        json!({"world": world.name, "team_gap": gap, "nash_conv": nash_conv}),
                    );
                }
                if method.starts_with(MAPPO) {
                    for pair in value.windows(2) {
                        largest_decrease = largest_decrease.max(pair[0].1 - pair[1].1);
                    }
                    if mappo.last().is_some_and(|(l, _)| l == method) {
                        largest_nash_conv = largest_nash_conv.max(nash_conv);
                    }
                }
                if method.starts_with(MAPPO) && mappo.last().is_some_and(|(l, _)| l == method)
                    || method == INDEPENDENT[0]
                {
                    let points: Vec<(f64, f64)> = team_gap(&value, optimum)
                        .into_iter()
                        .filter(|(_, g)| *g > 1e-12)
                        .map(|(t, g)| (t + 1.0, g))
                        .collect();
                    let name = if k == 0 {
                        method.clone()
                    } else {
                        String::new()
                    };
                    let line = Line::new(name, points).color(color);
                    panel = panel.with(if method == INDEPENDENT[0] {
                        line.dashed()
                    } else {
                        line
                    });
                }
            }
            family_numbers.insert(
                method.clone(),
                json!({"team_optimum_reached": optimal.len(), "instances": worlds.len(),
                       "stopped_below_the_optimum": stuck}),
            );
            if method.starts_with(MAPPO) && mappo.last().is_some_and(|(l, _)| l == method) {
                let reached = optimal.len();
                comparisons.push(Comparison::or_finding(
                    format!("{family}: {method}, instances ending at the team optimum (J* − J < {OPTIMUM:e})"),
                    "all: convergence to the globally optimal policy (Zhao et al. 2023, abstract; under regularity conditions not read here)",
                    format!("{reached} of {}", worlds.len()),
                    reached == worlds.len(),
                ));
            }
        }
        comparisons.push(Comparison::new(
            format!("{family}: MAPPO, largest decrease of J between recorded steps"),
            "≤ 1e-10 (0 up to rounding): every round improves the team (multi-agent performance-difference lemma)",
            significant(largest_decrease.max(0.0), 3),
            largest_decrease <= 1e-10,
        ));
        if !input.quick {
            comparisons.push(Comparison::new(
                format!("{family}: MAPPO (largest step), largest final NashConv"),
                "→ 0: the local update stops only at a Nash policy",
                significant(largest_nash_conv, 3),
                largest_nash_conv < 1e-6,
            ));
        }
        numbers.insert(family.clone(), serde_json::Value::Object(family_numbers));
        panels.push(panel);
    }
    Ok(Report::in_two_columns(input, panels, numbers, comparisons))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::experiment::reproduce::quick_report;

    /// The quick budget: MAPPO never decreases the team's value.
    #[test]
    fn quick_budget_improves_monotonically() {
        let report = quick_report(&entry(), |_| true);
        let monotone: Vec<_> = report
            .comparisons
            .iter()
            .filter(|c| c.quantity.contains("largest decrease"))
            .collect();
        assert_eq!(monotone.len(), 3, "{:?}", report.comparisons);
        assert!(monotone.iter().all(|c| c.agrees), "{monotone:?}");
    }
}
