//! The mean of a metric over seeds at every recorded step, with a 95% percentile-bootstrap band
//! (the band every figure of an experiment's results draws: the reproduce entries' and
//! `policylab plot`'s).

use super::table::Trajectory;
use crate::core::error::{Error, Result};
use crate::metrics::bootstrap::{BootstrapSettings, ResamplePlan};
use crate::metrics::seed_statistics::Statistic;

/// (x, low, high) at each point of a mean line.
pub type Band = Vec<(f64, f64, f64)>;

/// The mean over runs at every x of the first run that every run recorded (looked up by x, so the
/// runs may have recorded different steps), without a band.
pub fn mean_at_common_steps(runs: &[Trajectory]) -> Trajectory {
    let Some(first) = runs.first() else {
        return Vec::new();
    };
    first
        .iter()
        .filter_map(|&(x, _)| {
            let values: Vec<f64> = runs
                .iter()
                .filter_map(|r| r.iter().find(|(xi, _)| *xi == x).map(|(_, y)| *y))
                .collect();
            (values.len() == runs.len())
                .then(|| (x, values.iter().sum::<f64>() / values.len() as f64))
        })
        .collect()
}

/// The mean across seeds at every step all of them recorded, with a 95% percentile-bootstrap
/// band when there are at least two seeds.
pub fn mean_and_band(runs: &[Trajectory]) -> Result<(Trajectory, Band)> {
    let first = runs.first().ok_or_else(|| {
        Error::invalid("runs", "no trajectory", "at least one run in the results")
    })?;
    let settings = BootstrapSettings {
        statistic: Statistic::Mean,
        ..BootstrapSettings::default()
    };
    // One set of resamples for every step (seeded, so the band is the same on every run).
    let plan = ResamplePlan::new(runs.len(), &settings, 0)?;
    let mut mean = Vec::new();
    let mut band = Vec::new();
    for (i, &(x, _)) in first.iter().enumerate() {
        let values: Vec<f64> = runs
            .iter()
            .filter_map(|run| run.get(i).filter(|(xi, _)| *xi == x).map(|(_, y)| *y))
            .collect();
        if values.len() != runs.len() {
            continue;
        }
        let summary = plan.summarize(&values)?;
        mean.push((x, summary.mean));
        if runs.len() >= 2 {
            band.push((x, summary.low, summary.high));
        }
    }
    Ok((mean, band))
}
