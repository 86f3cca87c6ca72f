//! `trust-regions`: TRPO (Schulman, Levine, Moritz, Jordan & Abbeel 2015), PPO-clip (Schulman,
//! Wolski, Dhariwal, Radford & Klimov 2017) and SPO (Xie, Zhang, Yang, Hutter & Xu 2025, "Simple
//! Policy Optimization", ICML) on exact surrogates of four Garnet(8, 4, 3) MDPs.
//!
//! Claims checked: every accepted TRPO step keeps the mean KL within δ (the constraint of the
//! trust-region problem, Schulman et al. 2015, Eq. 12) and improves the surrogate, and the
//! objective J never falls (Theorem 1's monotone improvement); one epoch of PPO-clip or SPO is a
//! softmax PG step (L^CLIP agrees with L^CPI to first order at r = 1, Schulman et al. 2017, Eq. 7);
//! PPO-clip's ratio deviation max|r − 1| and KL per update grow with the number of epochs K far
//! past the clip range ε, while SPO's stay near ε (Xie et al., §1 and §4: SPO constrains the ratio
//! where ratio clipping does not).

use serde_json::json;

use super::{Band, Comparison, Entry, Report, ReportInput, mean_and_band, significant};
use crate::core::error::{Error, Result};
use crate::experiment::table::{ResultsTable, Trajectory};
use crate::plot::{Axis, Figure, Line, Panel, Reference};

pub fn entry() -> Entry {
    Entry {
        name: "trust-regions",
        summary: "PPO-clip, SPO and TRPO on exact surrogates: ratio deviation and KL against epochs, TRPO's trust region",
        experiment: include_str!("../../../experiments/trust-regions.toml"),
        report,
    }
}

/// The clip range ε of PPO-clip and SPO in the experiment (both objectives' default).
const EPSILON: f64 = 0.2;
/// TRPO's trust-region radius δ in the experiment.
const DELTA: f64 = 0.01;
/// The epoch grid K of the experiment.
const EPOCHS: [usize; 4] = [1, 10, 100, 1000];
/// The K of the trajectory panels.
const SHOWN_EPOCHS: usize = 100;

const PPO_COLOR: usize = 0;
const SPO_COLOR: usize = 1;
const TRPO_COLOR: usize = 2;

/// One trajectory per Garnet of `metric` for the runs labelled `label`.
fn per_world(
    table: &ResultsTable,
    worlds: &[String],
    label: &str,
    metric: &str,
) -> Result<Vec<Trajectory>> {
    worlds
        .iter()
        .map(|world| table.trajectory(&[("world", world), ("label", label)], "step", metric))
        .collect()
}

fn label(algorithm: &str, epochs: usize) -> String {
    format!("{algorithm} (epochs={epochs})")
}

fn first(trajectory: &Trajectory) -> f64 {
    trajectory.first().map_or(f64::NAN, |&(_, y)| y)
}

fn largest(trajectory: &Trajectory) -> f64 {
    trajectory.iter().map(|&(_, y)| y).fold(f64::NAN, f64::max)
}

/// The statistic of `metric` per Garnet (inner) at every K (outer), as per-Garnet curves over K
/// ready for `mean_and_band` (the band is over the four Garnets).
struct OverEpochs {
    /// `curves[w]` = [(K, statistic)] for Garnet w.
    curves: Vec<Trajectory>,
}

impl OverEpochs {
    fn measure(
        table: &ResultsTable,
        worlds: &[String],
        algorithm: &str,
        metric: &str,
        statistic: fn(&Trajectory) -> f64,
    ) -> Result<Self> {
        let mut curves = vec![Vec::new(); worlds.len()];
        for &k in &EPOCHS {
            let runs = per_world(table, worlds, &label(algorithm, k), metric)?;
            for (curve, run) in curves.iter_mut().zip(&runs) {
                curve.push((k as f64, statistic(run)));
            }
        }
        Ok(OverEpochs { curves })
    }

    fn at(&self, k: usize) -> Vec<f64> {
        self.curves
            .iter()
            .filter_map(|c| c.iter().find(|(x, _)| *x == k as f64).map(|(_, y)| *y))
            .collect()
    }

    fn line(&self, label: &str, color: usize) -> Result<Line> {
        let (mean, band): (Trajectory, Band) = mean_and_band(&self.curves)?;
        Ok(Line::new(label, mean).band(band).color(color))
    }
}

fn max_of(values: &[f64]) -> f64 {
    values.iter().copied().fold(f64::NAN, f64::max)
}

fn min_of(values: &[f64]) -> f64 {
    values.iter().copied().fold(f64::NAN, f64::min)
}

fn range(values: &[f64]) -> String {
    format!(
        "{}–{}",
        significant(min_of(values), 3),
        significant(max_of(values), 3)
    )
}

/// Mean over Garnets with a band, of a metric along the run.
fn run_line(
    table: &ResultsTable,
    worlds: &[String],
    run_label: &str,
    metric: &str,
    legend: &str,
    color: usize,
) -> Result<Line> {
    let runs = per_world(table, worlds, run_label, metric)?;
    let runs: Vec<Trajectory> = runs
        .into_iter()
        .map(|r| r.into_iter().filter(|&(_, y)| y > 0.0).collect())
        .collect();
    let (mean, band) = mean_and_band(&runs)?;
    Ok(Line::new(legend, mean).band(band).color(color))
}

/// PPO-clip and SPO at K epochs and TRPO: one line of `metric` each, mean over the Garnets.
fn method_lines(
    table: &ResultsTable,
    worlds: &[String],
    k: usize,
    metric: &str,
) -> Result<Vec<Line>> {
    Ok(vec![
        run_line(
            table,
            worlds,
            &label("PPO-clip", k),
            metric,
            "PPO-clip",
            PPO_COLOR,
        )?,
        run_line(table, worlds, &label("SPO", k), metric, "SPO", SPO_COLOR)?,
        run_line(table, worlds, "TRPO", metric, "TRPO", TRPO_COLOR)?,
    ])
}

fn report(input: &ReportInput<'_>) -> Result<Report> {
    let table = input.table;
    let worlds = table.distinct("world")?;
    if worlds.is_empty() {
        return Err(Error::invalid(
            "world",
            "no worlds",
            "Garnet runs in the results",
        ));
    }
    let mut comparisons = Vec::new();
    let mut numbers = serde_json::Map::new();

    // TRPO: the trust region and monotone improvement, step by step.
    let trpo_kl = per_world(table, &worlds, "TRPO", "kl")?;
    let trpo_gain = per_world(table, &worlds, "TRPO", "surrogate_gain")?;
    let trpo_accepted = per_world(table, &worlds, "TRPO", "accepted")?;
    let trpo_j = per_world(table, &worlds, "TRPO", "J")?;
    let trpo_gap = per_world(table, &worlds, "TRPO", "gap")?;
    let (mut accepted, mut steps, mut worst_kl, mut least_gain) = (0, 0, 0.0f64, f64::INFINITY);
    for ((kl, gain), flags) in trpo_kl.iter().zip(&trpo_gain).zip(&trpo_accepted) {
        for ((&(_, kl), &(_, gain)), &(_, flag)) in kl.iter().zip(gain).zip(flags) {
            steps += 1;
            if flag == 1.0 {
                accepted += 1;
                worst_kl = worst_kl.max(kl);
                least_gain = least_gain.min(gain);
            }
        }
    }
    let least_improvement = trpo_j
        .iter()
        .flat_map(|j| j.windows(2).map(|w| w[1].1 - w[0].1))
        .fold(f64::INFINITY, f64::min);
    comparisons.push(Comparison::new(
        "TRPO: largest mean KL(π_t ‖ π_t+1) over accepted steps",
        format!("≤ δ = {DELTA} (the trust region, Schulman et al. 2015, Eq. 12)"),
        format!(
            "{} ({accepted} of {steps} steps accepted)",
            significant(worst_kl, 4)
        ),
        accepted > 0 && worst_kl <= DELTA * (1.0 + 1e-9),
    ));
    comparisons.push(Comparison::new(
        "TRPO: smallest surrogate gain over accepted steps; smallest J_t+1 − J_t",
        "> 0 and ≥ 0 (improvement of the surrogate; monotone improvement, Theorem 1)",
        format!(
            "{}; {}",
            significant(least_gain, 3),
            significant(least_improvement, 3)
        ),
        least_gain > 0.0 && least_improvement >= -1e-12,
    ));
    numbers.insert(
        "trpo".into(),
        json!({
            "max_kl_accepted": worst_kl, "delta": DELTA, "accepted": accepted, "steps": steps,
            "min_surrogate_gain": least_gain, "min_improvement": least_improvement,
            "final_gap": trpo_gap.iter().map(|g| g.last().map_or(f64::NAN, |p| p.1)).collect::<Vec<_>>(),
        }),
    );

    // One epoch: PPO-clip and SPO take the same (softmax PG) step.
    let ppo_one = per_world(table, &worlds, &label("PPO-clip", 1), "J")?;
    let spo_one = per_world(table, &worlds, &label("SPO", 1), "J")?;
    let difference = ppo_one
        .iter()
        .zip(&spo_one)
        .flat_map(|(p, s)| p.iter().zip(s).map(|(a, b)| (a.1 - b.1).abs()))
        .fold(0.0f64, f64::max);
    comparisons.push(Comparison::new(
        "K = 1: largest |J_PPO-clip − J_SPO| along the runs",
        "0: both surrogates have slope A at r = 1, so one epoch is the PG step (Schulman et al. 2017, Eq. 7)",
        significant(difference, 2),
        difference < 1e-9,
    ));

    // Epochs: ratio deviation and KL at the first update (same start) and over the run.
    let mut measured = serde_json::Map::new();
    let mut over = std::collections::BTreeMap::new();
    for algorithm in ["PPO-clip", "SPO"] {
        for (metric, statistic, name) in [
            ("ratio_dev_max", first as fn(&Trajectory) -> f64, "first"),
            ("ratio_dev_max", largest, "largest"),
            ("kl", first, "first"),
            ("kl", largest, "largest"),
        ] {
            let curves = OverEpochs::measure(table, &worlds, algorithm, metric, statistic)?;
            measured.insert(
                format!("{algorithm} {metric} {name}"),
                json!(
                    EPOCHS
                        .iter()
                        .map(|&k| json!({"epochs": k, "per_garnet": curves.at(k)}))
                        .collect::<Vec<_>>()
                ),
            );
            over.insert((algorithm, metric, name), curves);
        }
    }
    numbers.insert("per_epochs".into(), serde_json::Value::Object(measured));
    let k_max = *EPOCHS.last().unwrap_or(&1);
    let ppo_dev = &over[&("PPO-clip", "ratio_dev_max", "first")];
    let spo_dev = &over[&("SPO", "ratio_dev_max", "first")];
    comparisons.push(Comparison::new(
        format!("PPO-clip: max|r − 1| after the first update, K = {k_max} (ε = {EPSILON})"),
        "well past ε: the clip leaves the objective flat, not restoring (Xie et al. 2025, §1, §3)",
        range(&ppo_dev.at(k_max)),
        min_of(&ppo_dev.at(k_max)) > 2.0 * EPSILON,
    ));
    let spo_all: Vec<f64> = EPOCHS.iter().flat_map(|&k| spo_dev.at(k)).collect();
    comparisons.push(Comparison::new(
        format!("SPO: max|r − 1| after the first update, every K ≤ {k_max}"),
        "≈ ε: the quadratic penalty peaks at r = 1 ± ε (Xie et al. 2025, §4)",
        range(&spo_all),
        max_of(&spo_all) <= 1.25 * EPSILON,
    ));
    let ppo_kl = &over[&("PPO-clip", "kl", "first")];
    let spo_kl = &over[&("SPO", "kl", "first")];
    let below = |a: &OverEpochs, b: &OverEpochs| {
        EPOCHS[1..]
            .iter()
            .all(|&k| a.at(k).iter().zip(b.at(k)).all(|(x, y)| *x < y))
    };
    comparisons.push(Comparison::new(
        "SPO's KL and max|r − 1| below PPO-clip's, every K ≥ 10, every Garnet, first update",
        "SPO constrains the step more tightly than ratio clipping (Xie et al. 2025, abstract, §5)",
        format!(
            "KL at K = {k_max}: SPO {} vs PPO-clip {}",
            range(&spo_kl.at(k_max)),
            range(&ppo_kl.at(k_max))
        ),
        below(spo_kl, ppo_kl) && below(spo_dev, ppo_dev),
    ));
    let spo_run = &over[&("SPO", "ratio_dev_max", "largest")];
    let ppo_run = &over[&("PPO-clip", "ratio_dev_max", "largest")];
    comparisons.push(Comparison::new(
        format!("SPO: largest max|r − 1| over the whole run, K = {k_max}"),
        "stays near ε along training (Xie et al. 2025, §5: ratio deviation kept within the trust region)",
        format!(
            "{} (PPO-clip {})",
            range(&spo_run.at(k_max)),
            range(&ppo_run.at(k_max))
        ),
        max_of(&spo_run.at(k_max)) <= 1.25 * EPSILON,
    ));

    // The figure.
    let epochs_axis = || Axis::log("epochs per update K");
    let deviation = Panel::new(
        "ratio deviation against epochs",
        epochs_axis(),
        Axis::linear("max |r − 1| over visited (s, a)"),
    )
    .with(
        over[&("PPO-clip", "ratio_dev_max", "largest")]
            .line("PPO-clip, largest over run", PPO_COLOR)?,
    )
    .with(
        over[&("PPO-clip", "ratio_dev_max", "first")]
            .line("PPO-clip, first update", PPO_COLOR)?
            .dashed(),
    )
    .with(over[&("SPO", "ratio_dev_max", "largest")].line("SPO, largest over run", SPO_COLOR)?)
    .with(
        over[&("SPO", "ratio_dev_max", "first")]
            .line("SPO, first update", SPO_COLOR)?
            .dashed(),
    )
    .with(Reference::horizontal(format!("ε = {EPSILON}"), EPSILON))
    .note("mean over 4 Garnets, band: 95% bootstrap");
    let kl = Panel::new(
        "KL per update against epochs",
        epochs_axis(),
        Axis::log("mean KL(π_t ‖ π_t+1), weighted by d_π_t"),
    )
    .with(over[&("PPO-clip", "kl", "largest")].line("PPO-clip, largest over run", PPO_COLOR)?)
    .with(
        over[&("PPO-clip", "kl", "first")]
            .line("PPO-clip, first update", PPO_COLOR)?
            .dashed(),
    )
    .with(over[&("SPO", "kl", "largest")].line("SPO, largest over run", SPO_COLOR)?)
    .with(
        over[&("SPO", "kl", "first")]
            .line("SPO, first update", SPO_COLOR)?
            .dashed(),
    )
    .with(Reference::horizontal(format!("TRPO's δ = {DELTA}"), DELTA));
    let k = SHOWN_EPOCHS;
    let kl_run = Panel::new(
        format!("KL per update along the run (K = {k})"),
        Axis::linear("update t"),
        Axis::log("mean KL(π_t ‖ π_t+1)"),
    )
    .with_all(method_lines(table, &worlds, k, "kl")?)
    .with(Reference::horizontal(format!("δ = {DELTA}"), DELTA))
    .note(format!(
        "TRPO: largest accepted KL {} ≤ δ",
        significant(worst_kl, 4)
    ));
    let gap = Panel::new(
        format!("suboptimality along the run (K = {k})"),
        Axis::linear("update t"),
        Axis::log("J* − J(π_t)"),
    )
    .with_all(method_lines(table, &worlds, k, "gap")?)
    .with(
        run_line(
            table,
            &worlds,
            &label("PPO-clip", 1),
            "gap",
            "K = 1 (softmax PG)",
            3,
        )?
        .dashed(),
    )
    .note(format!(
        "TRPO: J never falls (smallest J_t+1 − J_t = {})",
        significant(least_improvement, 2)
    ));
    Ok(Report {
        figure: Figure::new(
            input.experiment.file.title.clone(),
            vec![deviation, kl, kl_run, gap],
        )
        .columns(2),
        numbers: serde_json::Value::Object(numbers),
        comparisons,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::experiment::reproduce::run_and_report;

    #[test]
    fn reduced_run_reports_a_valid_figure_and_the_exact_claims_hold() {
        let mut experiment = entry().load(true).unwrap();
        experiment.file.steps = 6;
        let report = run_and_report(&experiment, report);
        // Every comparison but the last (SPO along a whole run, not reproduced) must hold.
        let (last, exact) = report.comparisons.split_last().unwrap();
        for comparison in exact {
            assert!(comparison.agrees, "{comparison:?}");
        }
        assert!(last.quantity.contains("whole run"));
    }
}
