//! `independent-pg-potential`: independent learners reach Nash policies in Markov potential games
//! (experiments/independent-pg-potential.toml; paper-note
//! paper-notes/independent-pg-potential.md).
//!
//! Claims checked, on every instance of each potential-game family:
//!
//! - independent NPG and independent projected PG reach a Nash policy: NashConv (exact best
//!   responses) below 1e-10 within the budget (Leonardos et al. 2022 for projected PG; Zhang,
//!   Mei, Dai, Schuurmans & Li 2022 for NPG);
//! - independent softmax PG's NashConv falls at least as fast as the O(T^{−1/2}) that an
//!   ε-Nash policy within O(1/ε²) iterations implies (Leonardos et al. 2022): the median over
//!   instances of its log-log slope over the last decade of steps is at most −0.5.
//!
//! The report adds the median number of steps each method needed.

use serde_json::json;

use super::{
    Comparison, Entry, Report, ReportInput, loglog_fit, significant, steps_to_metric_target,
    stop_target,
};
use crate::core::error::Result;
use crate::plot::{Axis, Line, Panel};

pub fn entry() -> Entry {
    Entry {
        name: "independent-pg-potential",
        summary: "independent softmax PG, NPG and projected PG reach Nash policies in Markov potential games (Leonardos et al. 2022)",
        experiment: include_str!("../../../experiments/independent-pg-potential.toml"),
        report,
    }
}

const SOFTMAX: &str = "independent softmax PG";
const NPG: &str = "independent NPG";
const PROJECTED: &str = "independent projected PG";
const LABELS: [&str; 3] = [SOFTMAX, NPG, PROJECTED];

fn median(values: &mut [f64]) -> f64 {
    values.sort_by(f64::total_cmp);
    values.get(values.len() / 2).copied().unwrap_or(f64::NAN)
}

fn report(input: &ReportInput<'_>) -> Result<Report> {
    let target = stop_target(input)?;
    let present = input.table.distinct("world")?;
    let mut entries: Vec<String> = Vec::new();
    for world in &input.experiment.worlds {
        if !entries.contains(&world.entry) && present.contains(&world.name) {
            entries.push(world.entry.clone());
        }
    }
    let mut panels = Vec::new();
    let mut comparisons = Vec::new();
    let mut numbers = serde_json::Map::new();
    for entry_name in &entries {
        let worlds: Vec<&str> = input
            .experiment
            .worlds
            .iter()
            .filter(|w| &w.entry == entry_name && present.contains(&w.name))
            .map(|w| w.name.as_str())
            .collect();
        let mut panel = Panel::new(
            format!("{entry_name}: {} instance(s)", worlds.len()),
            Axis::log("iteration t + 1"),
            Axis::log("NashConv"),
        );
        let mut per_label = serde_json::Map::new();
        for (color, label) in LABELS.iter().enumerate() {
            let mut runs = Vec::new();
            let mut steps = Vec::new();
            let mut unfinished = Vec::new();
            let mut slopes = Vec::new();
            for world in &worlds {
                let nash_conv = input.table.trajectory(
                    &[("world", world), ("label", label)],
                    "step",
                    "nash_conv",
                )?;
                if nash_conv.is_empty() {
                    continue;
                }
                let reached =
                    steps_to_metric_target(input.table, world, label, "nash_conv", target)?;
                if let Some(step) = reached {
                    steps.push(step);
                } else {
                    unfinished.push(format!(
                        "{world} (NashConv {})",
                        significant(nash_conv.last().map_or(f64::NAN, |p| p.1), 2)
                    ));
                    // A run still going at the end of the budget: its rate over the last decade.
                    let positive: Vec<(f64, f64)> = nash_conv
                        .iter()
                        .filter(|(_, v)| *v > 0.0)
                        .map(|&(t, v)| (t + 1.0, v))
                        .collect();
                    if let Some(&(last, _)) = positive.last() {
                        let tail: Vec<(f64, f64)> = positive
                            .into_iter()
                            .filter(|&(t, _)| t >= last / 10.0)
                            .collect();
                        if tail.len() >= 3 {
                            slopes.push(loglog_fit(&tail)?.slope);
                        }
                    }
                }
                runs.push(nash_conv);
            }
            if runs.is_empty() {
                continue;
            }
            // One line per instance (runs stop at different steps), the legend on the first.
            for (k, run) in runs.iter().enumerate() {
                let points: Vec<(f64, f64)> = run
                    .iter()
                    .filter(|(_, v)| *v > 0.0)
                    .map(|&(t, v)| (t + 1.0, v))
                    .collect();
                let name = if k == 0 {
                    label.to_string()
                } else {
                    String::new()
                };
                panel = panel.with(Line::new(name, points).color(color));
            }
            let median_steps = median(&mut steps.clone());
            let median_slope = median(&mut slopes.clone());
            per_label.insert(
                label.to_string(),
                json!({"steps_to_target": steps, "median_steps_to_target": median_steps,
                       "unfinished": unfinished, "tail_slopes": slopes}),
            );
            if *label == SOFTMAX {
                if !slopes.is_empty() && !input.quick {
                    comparisons.push(Comparison::new(
                        format!("{entry_name}: {label}, median log-log slope of NashConv over the last decade"),
                        "≤ −0.5: ε-Nash within O(1/ε²) iterations (Leonardos et al. 2022)",
                        significant(median_slope, 3),
                        median_slope <= -0.5,
                    ));
                }
            } else {
                let reached = format!("{} of {}", steps.len(), runs.len());
                let others = if unfinished.is_empty() {
                    format!(", median {} steps", significant(median_steps, 3))
                } else {
                    format!("; not reached: {}", unfinished.join(", "))
                };
                comparisons.push(Comparison::new(
                    format!("{entry_name}: {label}, instances reaching NashConv < {target:e}"),
                    "all: convergence to a Nash policy (Leonardos et al. 2022; Zhang et al. 2022)",
                    format!("{reached}{others}"),
                    unfinished.is_empty() || input.quick,
                ));
            }
        }
        numbers.insert(entry_name.clone(), serde_json::Value::Object(per_label));
        panels.push(panel);
    }
    Ok(Report::in_two_columns(input, panels, numbers, comparisons))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::experiment::reproduce::quick_report;

    /// The quick budget on the 3-player family: independent NPG reaches a Nash policy on both
    /// instances.
    #[test]
    fn quick_budget_on_three_player_games() {
        let report = quick_report(&entry(), |world| world.entry.contains("3 players"));
        let npg = report
            .comparisons
            .iter()
            .find(|c| c.quantity.contains(NPG))
            .expect("an NPG comparison");
        assert!(npg.ours.starts_with("2 of 2"), "{npg:?}");
    }
}
