//! `policylab merge DIR… --out OUT`: join the output folders of shards.

use super::output::{print_json, say};
use std::path::PathBuf;
use std::process::ExitCode;

use crate::core::error::Result;
use crate::experiment::merge;

/// Join the output folders of `policylab run --shard K/N` (or of any partial runs of one
/// experiment file) into one folder with a single results.csv and manifest.json.
///
/// The folders must come from the same experiment file (their manifests are compared). Each run's
/// CSV is checked against the digest in its JSON; damaged runs are named and left out. The merged
/// results.csv is byte-for-byte the one an unsharded run writes. OUT is locked while merging.
///
/// Example: policylab merge runs/x-0 runs/x-1 runs/x-2 --out runs/x
#[derive(Debug, clap::Args)]
pub struct MergeArgs {
    /// Output folders of the shards.
    #[arg(required = true)]
    folders: Vec<PathBuf>,
    /// Where to write the merged folder (may be one of the inputs).
    #[arg(long)]
    out: PathBuf,
    /// Print one JSON object (experiment, finished, total, runs not merged) instead.
    #[arg(long)]
    json: bool,
}

pub fn run(args: &MergeArgs) -> Result<ExitCode> {
    let report = merge(&args.folders, &args.out)?;
    if args.json {
        print_json(&serde_json::json!({
            "experiment": report.experiment,
            "out": args.out.display().to_string(),
            "finished": report.finished,
            "total": report.total,
            "complete": report.finished == report.total,
            "not_merged": report.damaged.iter().map(|(folder, id, why)| serde_json::json!({
                "folder": folder.display().to_string(), "run": id, "why": why,
            })).collect::<Vec<_>>(),
        }));
        return Ok(ExitCode::SUCCESS);
    }
    for (folder, id, why) in &report.damaged {
        say!("not merged: run {id} of {}: {why}", folder.display());
    }
    say!(
        "{}: {} of {} runs in {}{}",
        report.experiment,
        report.finished,
        report.total,
        args.out.display(),
        if report.finished < report.total {
            " (incomplete: some shards are missing or unfinished)"
        } else {
            ""
        }
    );
    Ok(ExitCode::SUCCESS)
}
