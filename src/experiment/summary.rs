//! `policylab summarize OUT`: per configuration (world, run label) and metric, the final value and
//! the normalized area under the curve of every seed, summarized over seeds; per run label, the
//! same aggregated over worlds. The conventions are rliable's (Agarwal, Schwarzer, Castro,
//! Courville & Bellemare 2021, "Deep Reinforcement Learning at the Edge of the Statistical
//! Precipice", §4): the interquartile mean (IQM) as the point estimate and 95% percentile-bootstrap
//! intervals, stratified by world for the aggregate.
//!
//! - **final**: a seed's last recorded value (at the last step it ran: a stop rule may end seeds at
//!   different steps).
//! - **AUC**: a seed's normalized area under the curve, (1/(x_last − x_0))·∫ y dx by the trapezoid
//!   rule over its recorded points (the curve's average height; a one-point curve gives its
//!   value). Recorded points thinned by `record = { log_points = N }` weigh by the spans they cover.
//! - Per configuration: the mean and the IQM over seeds, with the IQM's 95% interval from 2 000
//!   resamples of the seeds. The IQM weighs the values at the quartiles fractionally
//!   (`metrics::seed_statistics`); for a count not divisible by 4 it differs slightly from
//!   scipy's `trim_mean`, which rliable uses and which drops whole values.
//! - Aggregate per label: the IQM of all (world, seed) values with the stratified bootstrap
//!   interval (each resample redraws seeds within every world). Metrics are aggregated on their
//!   own scale, not normalized: an aggregate over worlds with different scales weighs them
//!   unequally, as rliable's unnormalized scores would.

use serde::Serialize;

use super::table::{ResultsTable, Trajectory};
use crate::core::error::{Error, Result};
use crate::metrics::bootstrap::{BootstrapSettings, Interval, summarize};
use crate::metrics::seed_statistics::{Statistic, mean};
use crate::metrics::stratified_bootstrap::stratified_bootstrap_interval;

/// Bootstrap resamples of every interval.
pub const RESAMPLES: usize = 2000;

/// The IQM's interval over a set of values.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Estimate {
    pub mean: f64,
    pub iqm: f64,
    /// 95% percentile-bootstrap interval of the IQM.
    pub low: f64,
    pub high: f64,
}

/// One configuration's summary of one metric.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ConfigurationSummary {
    pub world: String,
    pub label: String,
    pub metric: String,
    pub seeds: usize,
    /// The last step recorded (the largest over seeds).
    pub last_step: f64,
    #[serde(rename = "final")]
    pub last: Estimate,
    pub auc: Estimate,
}

/// One label's summary of one metric over every world it ran on.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LabelSummary {
    pub label: String,
    pub metric: String,
    pub worlds: usize,
    pub runs: usize,
    #[serde(rename = "final")]
    pub last: Estimate,
    pub auc: Estimate,
}

/// Everything `summarize` prints.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ResultsSummary {
    pub configurations: Vec<ConfigurationSummary>,
    pub labels: Vec<LabelSummary>,
}

/// (1/(x_last − x_0))·∫ y dx by the trapezoid rule; the value itself for one point.
pub fn normalized_area(trajectory: &Trajectory) -> Option<f64> {
    let (&(x0, y0), &(x1, _)) = (trajectory.first()?, trajectory.last()?);
    if trajectory.len() == 1 || x1 == x0 {
        return Some(y0);
    }
    let area: f64 = trajectory
        .windows(2)
        .map(|w| (w[1].0 - w[0].0) * (w[0].1 + w[1].1) / 2.0)
        .sum();
    Some(area / (x1 - x0))
}

fn estimate(values: &[f64]) -> Result<Estimate> {
    let settings = BootstrapSettings {
        statistic: Statistic::Iqm,
        resamples: RESAMPLES,
        confidence: 0.95,
    };
    let summary = summarize(values, &settings, 0)?;
    Ok(Estimate {
        mean: summary.mean,
        iqm: summary.iqm,
        low: summary.low,
        high: summary.high,
    })
}

fn stratified(strata: &[(String, Vec<f64>)]) -> Result<Estimate> {
    let Interval {
        estimate,
        low,
        high,
    } = stratified_bootstrap_interval(strata, Statistic::Iqm, RESAMPLES, 0.95, 0)?;
    let pooled: Vec<f64> = strata.iter().flat_map(|(_, v)| v.iter().copied()).collect();
    Ok(Estimate {
        mean: mean(&pooled),
        iqm: estimate,
        low,
        high,
    })
}

/// Summarizes `metrics` (every recorded metric when empty) of the results in `table`.
pub fn summarize_results(table: &ResultsTable, metrics: &[String]) -> Result<ResultsSummary> {
    let metrics: Vec<String> = if metrics.is_empty() {
        table.metrics().iter().map(|m| m.to_string()).collect()
    } else {
        metrics
            .iter()
            .map(|m| table.metric_column(m))
            .collect::<Result<_>>()?
    };
    let worlds = table.distinct("world")?;
    let labels = table.distinct("label")?;
    let mut configurations = Vec::new();
    let mut per_label = Vec::new();
    for metric in &metrics {
        for label in &labels {
            let mut finals: Vec<(String, Vec<f64>)> = Vec::new();
            let mut areas: Vec<(String, Vec<f64>)> = Vec::new();
            for world in &worlds {
                let runs = table.trajectories(
                    &[("world", world.as_str()), ("label", label.as_str())],
                    "step",
                    metric,
                )?;
                let runs: Vec<Trajectory> = runs.into_iter().filter(|r| !r.is_empty()).collect();
                if runs.is_empty() {
                    continue;
                }
                let last: Vec<f64> = runs.iter().filter_map(|r| r.last().map(|p| p.1)).collect();
                let auc: Vec<f64> = runs.iter().filter_map(normalized_area).collect();
                let last_step = runs
                    .iter()
                    .filter_map(|r| r.last().map(|p| p.0))
                    .fold(f64::NEG_INFINITY, f64::max);
                let in_origin = |e: Error| e.in_origin(&format!("{metric} of {label} on {world}"));
                configurations.push(ConfigurationSummary {
                    world: world.clone(),
                    label: label.clone(),
                    metric: metric.clone(),
                    seeds: runs.len(),
                    last_step,
                    last: estimate(&last).map_err(in_origin)?,
                    auc: estimate(&auc).map_err(in_origin)?,
                });
                finals.push((world.clone(), last));
                areas.push((world.clone(), auc));
            }
            if finals.is_empty() {
                continue;
            }
            per_label.push(LabelSummary {
                label: label.clone(),
                metric: metric.clone(),
                worlds: finals.len(),
                runs: finals.iter().map(|(_, v)| v.len()).sum(),
                last: stratified(&finals)?,
                auc: stratified(&areas)?,
            });
        }
    }
    Ok(ResultsSummary {
        configurations,
        labels: per_label,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_normalized_area_is_the_curves_average_height() {
        // y = x on [0, 4]: average 2, exact under the trapezoid rule; uneven spacing included.
        let line = vec![(0.0, 0.0), (1.0, 1.0), (4.0, 4.0)];
        assert_eq!(normalized_area(&line), Some(2.0));
        // 1 on [0, 1], a ramp down to 0 on [1, 2], then 0 up to 10: areas 1 + 0.5 + 0, over 10.
        let drop = vec![(0.0, 1.0), (1.0, 1.0), (2.0, 0.0), (10.0, 0.0)];
        assert!((normalized_area(&drop).unwrap() - 0.15).abs() < 1e-15);
        assert_eq!(normalized_area(&vec![(3.0, 7.0)]), Some(7.0));
        assert_eq!(normalized_area(&Vec::new()), None);
    }

    #[test]
    fn summaries_per_configuration_and_per_label() {
        let mut text = String::from("experiment,world,algorithm,label,seed,step,gap,J\n");
        // Two worlds, label A with 4 seeds (final gaps 1, 2, 3, 100), label B on one world.
        for (world, offset) in [("w1", 0.0), ("w2", 10.0)] {
            for (seed, last) in [1.0, 2.0, 3.0, 100.0].iter().enumerate() {
                text.push_str(&format!("e,{world},pg,A,{seed},0,{},0.5\n", offset + 5.0));
                text.push_str(&format!("e,{world},pg,A,{seed},2,{},0.7\n", offset + last));
            }
        }
        text.push_str("e,w1,npg,B,0,0,4,\ne,w1,npg,B,0,2,0,\n");
        let table = ResultsTable::parse(&text, "results.csv").unwrap();
        let summary = summarize_results(&table, &["gap".to_string()]).unwrap();
        let a1 = &summary.configurations[0];
        assert_eq!(
            (a1.world.as_str(), a1.label.as_str(), a1.seeds),
            ("w1", "A", 4)
        );
        assert_eq!(a1.last.mean, 26.5);
        // IQM of 1, 2, 3, 100: the middle half, 2 and 3.
        assert_eq!(a1.last.iqm, 2.5);
        assert!(a1.last.low <= 2.5 && a1.last.high >= 2.5);
        // AUC of seed 0 on w1: (5 + 1)/2 = 3.
        assert!(a1.auc.low <= a1.auc.iqm && a1.auc.iqm <= a1.auc.high);
        let b = summary
            .configurations
            .iter()
            .find(|c| c.label == "B")
            .unwrap();
        assert_eq!((b.seeds, b.last.mean, b.auc.mean), (1, 0.0, 2.0));
        assert_eq!((b.last.low, b.last.high), (0.0, 0.0));
        let label_a = &summary.labels[0];
        assert_eq!((label_a.worlds, label_a.runs), (2, 8));
        // Pooled final gaps 1, 2, 3, 100, 11, 12, 13, 110: the middle half 3, 11, 12, 13.
        assert_eq!(label_a.last.iqm, 9.75);
        // Every metric when none is named; an unknown one is refused with the recorded ones.
        assert_eq!(
            summarize_results(&table, &[])
                .unwrap()
                .configurations
                .iter()
                .filter(|c| c.metric == "J")
                .count(),
            2
        );
        let error = summarize_results(&table, &["gapp".to_string()]).unwrap_err();
        assert!(error.to_string().contains("gap, J"), "{error}");
    }
}
