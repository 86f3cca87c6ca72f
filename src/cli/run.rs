//! `policylab run FILE`: run an experiment file into an output folder.

use super::output::{print_json, say};
use serde_json::json;
use std::path::PathBuf;
use std::process::ExitCode;

use crate::core::error::Result;
use crate::experiment::{Experiment, RunOptions, Shard, run_experiment};

/// Run an experiment file: every (configuration × seed) in parallel, results in one folder.
///
/// The file names worlds, algorithms, parameter grids, seeds and the step budget (format in the
/// README and src/experiment/mod.rs); it is checked completely before any work starts. Each
/// finished run is written at once (OUT/runs/), so an interrupted `run` picks up where it stopped
/// when started again with the same --out. OUT/results.csv (long format: one row per run and
/// recorded step) and OUT/manifest.json are rewritten at the end. Results are bit-identical at
/// any --threads.
///
/// Runs are keyed by their content (world, algorithm, parameters, seed, budget), not their place in
/// the file: after editing the file, a rerun into the same --out reuses every run that still
/// matches, runs the new ones, and moves the runs the file no longer has to OUT/set-aside/ (never
/// into results.csv). Each run's CSV is checksummed; a damaged run is set aside and run again.
/// A second process on the same --out is refused while the first holds it. The exit status is 1
/// when results are incomplete (a run stopped early, or runs missing without --shard).
///
/// Example: policylab run experiments/mei2020-rates.toml --out runs/mei --threads 2
///
/// On a cluster, run one shard per array task and merge:
///   policylab run FILE --out runs/x-$SLURM_ARRAY_TASK_ID --shard $((SLURM_ARRAY_TASK_ID+1))/$N
///   policylab merge runs/x-* --out runs/x
#[derive(Debug, clap::Args)]
pub struct RunArgs {
    /// The experiment file (TOML).
    file: PathBuf,
    /// Output folder (default: runs/NAME, NAME from the file; runs/NAME-quick with --quick).
    #[arg(long)]
    out: Option<PathBuf>,
    /// Worker threads (default: all cores).
    #[arg(long)]
    threads: Option<usize>,
    /// Run only shard K of N (runs i with i mod N = K − 1), for job arrays.
    #[arg(long, value_name = "K/N")]
    shard: Option<String>,
    /// Use the file's [quick] budget.
    #[arg(long)]
    quick: bool,
    /// Print one JSON object (runs ran, finished, set aside, stopped; the files written) instead
    /// of the lines for a person.
    #[arg(long)]
    json: bool,
}

pub fn run(args: &RunArgs) -> Result<ExitCode> {
    let shard = args.shard.as_deref().map(Shard::parse).transpose()?;
    if args.threads == Some(0) {
        return Err(crate::core::error::Error::Usage(
            "--threads 0: expected at least 1 thread".to_string(),
        ));
    }
    let experiment = Experiment::load(&args.file, args.quick)?;
    // The quick budget's runs have their own default folder, as `reproduce` keeps them: in the
    // full budget's folder they would be set aside as edited runs, and the other way round.
    let out = args.out.clone().unwrap_or_else(|| {
        PathBuf::from("runs").join(if args.quick {
            format!("{}-quick", experiment.name())
        } else {
            experiment.name().to_string()
        })
    });
    // The lines for a person; with --json one object at the end instead.
    macro_rules! human {
        ($($arg:tt)*) => {
            if !args.json {
                say!($($arg)*);
            }
        };
    }
    human!(
        "{}: {} configurations × {} seeds = {} runs",
        experiment.name(),
        experiment.configurations.len(),
        experiment.file.seeds,
        experiment.run_count()
    );
    let options = RunOptions {
        out: out.clone(),
        threads: args.threads,
        shard,
        progress: true,
        quick: args.quick,
    };
    let report = run_experiment(&experiment, &options)?;
    if report.recovered > 0 {
        human!(
            "moved {} run(s) back from {} (set aside by an earlier edit, in the file again)",
            report.recovered,
            out.join("set-aside").display()
        );
    }
    for moved in &report.set_aside {
        human!(
            "set aside {} run(s) to {}: {}; they are not in results.csv",
            moved.count,
            moved.folder.display(),
            moved.reason
        );
    }
    if report.foreign > 0 {
        human!(
            "{} finished run(s) in {} are not in this experiment file (left in place while shards share the folder; an unsharded `run` sets them aside)",
            report.foreign,
            out.display()
        );
    }
    human!(
        "ran {} runs ({} already finished) in {:.1} s; {} of {} runs finished in {}",
        report.ran,
        report.skipped,
        report.wall_seconds,
        report.finished,
        report.total,
        out.display()
    );
    if let Some(first) = report.identical_seeds.first() {
        human!(
            "note: {} configuration(s) wrote the same numbers for every seed (deterministic there: \
             one seed would do), e.g. {first}",
            report.identical_seeds.len()
        );
    }
    for (id, message) in &report.stopped {
        human!("run {id} stopped early: {message}");
    }
    human!(
        "wrote {} and {}",
        out.join("results.csv").display(),
        out.join("manifest.json").display()
    );
    if args.json {
        print_json(&json!({
            "experiment": experiment.name(),
            "out": out.display().to_string(),
            "ran": report.ran,
            "already_finished": report.skipped,
            "finished": report.finished,
            "total": report.total,
            "wall_seconds": report.wall_seconds,
            "stopped": report.stopped.iter().map(|(id, m)| json!({"run": id, "message": m})).collect::<Vec<_>>(),
            "set_aside": report.set_aside.iter().map(|m| json!({"folder": m.folder.display().to_string(), "runs": m.count, "reason": m.reason})).collect::<Vec<_>>(),
            "moved_back": report.recovered,
            "not_in_file": report.foreign,
            "identical_seeds": report.identical_seeds,
            "results": out.join("results.csv").display().to_string(),
            "manifest": out.join("manifest.json").display().to_string(),
        }));
    }
    // Incomplete results are not a success: a run stopped by a numerical failure, or (without a
    // shard, whose siblings write the rest) runs of the experiment missing from the folder.
    let missing = if options.shard.is_none() {
        report.total.saturating_sub(report.finished)
    } else {
        0
    };
    if !report.stopped.is_empty() || missing > 0 {
        eprintln!(
            "error: the results in {} are incomplete: {} run(s) stopped early, {missing} missing",
            out.display(),
            report.stopped.len()
        );
        return Ok(ExitCode::from(1));
    }
    Ok(ExitCode::SUCCESS)
}
