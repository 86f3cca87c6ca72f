//! `policylab summarize OUT`: final values and areas under the curve, over seeds and worlds.

use std::path::PathBuf;
use std::process::ExitCode;

use super::output::{number, print_json, print_table, say};
use crate::core::error::Result;
use crate::experiment::summary::{Estimate, summarize_results};
use crate::experiment::table::ResultsTable;

/// Summarize an experiment's results the way rliable does: per configuration (world, run label)
/// and metric, each seed's final value and normalized area under the curve (the curve's average
/// height over the steps), with the mean, the interquartile mean (IQM) and the IQM's 95%
/// percentile-bootstrap interval over seeds; then per run label over every world, with
/// intervals from the stratified bootstrap (seeds redrawn within each world). Metrics are not
/// normalized across worlds. The method is documented in src/experiment/summary.rs.
///
/// Example: policylab summarize runs/my-sweep --metric gap
#[derive(Debug, clap::Args)]
pub struct SummarizeArgs {
    /// An output folder of `policylab run` (holding results.csv).
    folder: PathBuf,
    /// A metric to summarize (repeatable; default: every recorded metric).
    #[arg(long)]
    metric: Vec<String>,
    /// Print one JSON object with "configurations" and "labels".
    #[arg(long)]
    json: bool,
}

fn interval(estimate: &Estimate) -> String {
    format!(
        "{} [{}, {}]",
        number(estimate.iqm),
        number(estimate.low),
        number(estimate.high)
    )
}

pub fn run(args: &SummarizeArgs) -> Result<ExitCode> {
    let table = ResultsTable::load(&args.folder.join("results.csv"))?;
    let summary = summarize_results(&table, &args.metric)?;
    if args.json {
        // A summary of finite numbers and strings always serializes.
        print_json(&serde_json::to_value(&summary).unwrap_or_default());
        return Ok(ExitCode::SUCCESS);
    }
    let header: Vec<String> = [
        "metric",
        "world",
        "label",
        "seeds",
        "last step",
        "final: IQM [95% CI]",
        "final: mean",
        "AUC: IQM [95% CI]",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    let rows: Vec<Vec<String>> = summary
        .configurations
        .iter()
        .map(|c| {
            vec![
                c.metric.clone(),
                c.world.clone(),
                c.label.clone(),
                c.seeds.to_string(),
                number(c.last_step),
                interval(&c.last),
                number(c.last.mean),
                interval(&c.auc),
            ]
        })
        .collect();
    print_table(&header, &rows);
    say!("");
    say!("per label over worlds (stratified bootstrap):");
    let header: Vec<String> = [
        "metric",
        "label",
        "worlds",
        "runs",
        "final: IQM [95% CI]",
        "AUC: IQM [95% CI]",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    let rows: Vec<Vec<String>> = summary
        .labels
        .iter()
        .map(|l| {
            vec![
                l.metric.clone(),
                l.label.clone(),
                l.worlds.to_string(),
                l.runs.to_string(),
                interval(&l.last),
                interval(&l.auc),
            ]
        })
        .collect();
    print_table(&header, &rows);
    Ok(ExitCode::SUCCESS)
}
