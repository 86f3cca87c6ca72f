//! `policylab train`: run one algorithm on one world and write its per-step record.

use super::output::{print_json, say};
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use indicatif::{ProgressBar, ProgressStyle};
use serde_json::json;

use super::{Opened, WorldArgs};
use crate::algo::catalogue::{
    StartAndEnd, check_parameters, entry, resolved_parameters, run_named_from,
};
use crate::algo::{Record, records_to_csv};
use crate::core::error::{Error, Result};
use crate::core::files::write_atomic;
use crate::exact::game::GameWorld;
use crate::exact::robust::RobustWorld;
use crate::exact::{Problem, solved_world};
use crate::policy::file::{load_start, policy_json};
use crate::world::{Horizon, WorldKind};

/// Run one algorithm on one world with exact (or sampled) updates and write what it measured.
///
/// Writes OUT/record.csv (one row per policy π_0 … π_T: J, gap, entropy, dH, cov_pred, kl, … — the
/// names are listed in the README; row T measures the policy after the last update),
/// OUT/policy.json (π_T, readable by `policylab evaluate --policy` and by `--initial-policy`) and
/// OUT/manifest.json (world, algorithm, every parameter value, seed, steps, policylab version,
/// wall time). All are written atomically. On games each player's records are written; the final
/// row and policy.json are not (yet) written there.
///
/// --initial-policy FILE starts from a given policy instead of the uniform one (the bad initializations of
/// Mei et al. 2020 §3 and Li et al. 2021): `logits = [[…], …]` (one row per state, or one table
/// per step), or `policy = [[…], …]` with every available action positive (θ_0 = log π); a
/// policy.json written by `train` is such a file (a softmax method's also holds its logits, which are
/// preferred: the run continues exactly). Methods whose paper fixes the start (log-linear
/// policies, dynamic PG, independent learners in games) refuse it.
///
/// A discounted world runs the algorithm on its stationary policy; a finite-horizon world (a file
/// with `horizon = H`) on one policy table per step, with the algorithms that run there
/// (`policylab algos` says which).
///
/// Example: policylab train mdps/bandit3.toml --algo softmax-pg --param step_size=0.4
///          --steps 10000 --out runs/mei-bandit
#[derive(Debug, clap::Args)]
pub struct TrainArgs {
    #[command(flatten)]
    world: WorldArgs,
    /// Algorithm name (see `policylab algos`).
    #[arg(long)]
    algo: String,
    /// A parameter as NAME=VALUE (repeatable; see `policylab algos` for names and defaults).
    #[arg(
        long = "param",
        value_name = "NAME=VALUE",
        allow_negative_numbers = true
    )]
    params: Vec<String>,
    /// Number of updates.
    #[arg(long, default_value_t = 1000)]
    steps: usize,
    /// Seed of the run's random number generator.
    #[arg(long, default_value_t = 0)]
    seed: u64,
    /// Output folder (created if missing).
    #[arg(long)]
    out: PathBuf,
    /// Start from this policy file (`logits` or `policy`) instead of the uniform policy.
    #[arg(long, value_name = "FILE")]
    initial_policy: Option<PathBuf>,
    /// Print one JSON object (the last record, the files written) instead of the lines for a
    /// person.
    #[arg(long)]
    json: bool,
}

/// The most steps `train` runs (every record is kept: 10⁷ records, about 2 GB).
const MAX_TRAIN_STEPS: usize = 10_000_000;

fn parse_param(text: &str) -> Result<(String, f64)> {
    let (name, value) = text.split_once('=').ok_or_else(|| {
        Error::Usage(format!(
            "--param {text}: expected NAME=VALUE, for example --param step_size=0.4"
        ))
    })?;
    let number: f64 = value
        .trim()
        .parse()
        .map_err(|_| Error::Usage(format!("--param {text}: `{value}` is not a number")))?;
    Ok((name.trim().to_string(), number))
}

pub fn run(args: &TrainArgs) -> Result<ExitCode> {
    let given = args
        .params
        .iter()
        .map(|p| parse_param(p))
        .collect::<Result<Vec<_>>>()?;
    if args.steps > MAX_TRAIN_STEPS {
        return Err(Error::Usage(format!(
            "--steps {}: `train` keeps every step's record in memory (about 200 bytes each); \
             at most {MAX_TRAIN_STEPS} steps (use an experiment file with `record = {{ \
             log_points = 1000 }}` for longer runs)",
            args.steps
        )));
    }
    let algorithm = entry(&args.algo)?;
    check_parameters(&algorithm, &given)?;
    let origin = args.world.file.display().to_string();
    let world: Box<dyn crate::world::World> = match args.world.open()? {
        Opened::Game(game, _) => {
            if let Some(path) = &args.initial_policy {
                return Err(Error::Usage(format!(
                    "--initial-policy {}: games start every player at the uniform policy (a starting \
                     policy is for MDP worlds)",
                    path.display()
                )));
            }
            Box::new(GameWorld::new(game).map_err(|e| e.in_origin(&origin))?)
        }
        Opened::Mdp(mdp, robust, _, features) => {
            let discounted = matches!(mdp.horizon(), Horizon::Discounted { .. });
            if let (Some(flag), false) = (&args.world.features, discounted && robust.is_none()) {
                return Err(Error::Usage(format!(
                    "--features {flag}: the log-linear algorithms run on discounted, non-robust \
                     worlds; {origin} is {}",
                    if robust.is_some() {
                        "robust"
                    } else {
                        "finite-horizon"
                    }
                )));
            }
            match (robust, features) {
                (Some(robust), _) => {
                    Box::new(RobustWorld::new(robust).map_err(|e| e.in_origin(&origin))?)
                }
                (None, Some(features)) if discounted => Box::new(
                    Problem::new(mdp)
                        .and_then(|p| p.with_features(features))
                        .map_err(|e| e.in_origin(&origin))?,
                ),
                (None, _) => solved_world(mdp).map_err(|e| e.in_origin(&origin))?,
            }
        }
    };
    let (start, initial_policy) = match &args.initial_policy {
        Some(path) => {
            let bytes = std::fs::read(path).map_err(|source| Error::Io {
                path: path.clone(),
                action: "read the initial policy",
                source,
            })?;
            let digest = crate::core::files::Digest::of(&bytes);
            (
                Some(load_start(path, world.as_ref())?),
                json!({ "file": path.display().to_string(), "bytes": digest.bytes, "fnv1a64": digest.fnv1a64 }),
            )
        }
        None => (None, serde_json::Value::Null),
    };
    let progress = ProgressBar::new(args.steps as u64);
    progress.set_style(
        ProgressStyle::with_template(
            "{msg} [{bar:40}] {pos}/{len} steps, {elapsed} elapsed, ETA {eta}",
        )
        .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    progress.set_message(args.algo.clone());
    let started = Instant::now();
    // Reserve for at most 2¹⁶ records up front; the vector grows with the run beyond that.
    let mut records: Vec<Record> = Vec::with_capacity(args.steps.min(1 << 16));
    let ends = StartAndEnd {
        start,
        measure_final: true,
    };
    let result = run_named_from(
        &args.algo,
        &given,
        world.as_ref(),
        args.steps,
        args.seed,
        &ends,
        |_, record| {
            records.push(record.clone());
            progress.inc(1);
            true
        },
    );
    progress.finish_and_clear();
    // Nothing ran (a bad parameter value): write nothing. A run stopped later by a non-finite
    // value keeps the steps before it, and the manifest says why it stopped.
    let (stopped, final_policy) = match result {
        Err(error) if records.is_empty() => return Err(error),
        Err(error) => (Some(error), None),
        Ok(policy) => (None, policy),
    };
    let seconds = started.elapsed().as_secs_f64();
    write_atomic(
        &args.out.join("record.csv"),
        records_to_csv(&records).as_bytes(),
    )?;
    let parameters: serde_json::Map<String, serde_json::Value> =
        resolved_parameters(&algorithm, &given)
            .into_iter()
            .map(|(name, value)| {
                (
                    name.to_string(),
                    value.map_or(json!("derived"), |v| json!(v)),
                )
            })
            .collect();
    let manifest = json!({
        "world": origin,
        "gamma": world.gamma(),
        "horizon": (world.kind() == WorldKind::FiniteHorizon).then(|| world.stages()),
        "algorithm": args.algo,
        "parameters": parameters,
        "steps_requested": args.steps,
        "steps_recorded": records.len(),
        "seed": args.seed,
        "policylab_version": env!("CARGO_PKG_VERSION"),
        "wall_seconds": seconds,
        "stopped_by": stopped.as_ref().map(|e| e.to_string()),
        "optimal_objective": world.reference().optimal_objective,
        "initial_policy": initial_policy,
    });
    let text = serde_json::to_string_pretty(&manifest).unwrap_or_default();
    write_atomic(&args.out.join("manifest.json"), text.as_bytes())?;
    let policy_file = args.out.join("policy.json");
    if let Some(policy) = &final_policy {
        let text = policy_json(
            records.len().saturating_sub(1),
            &policy.probabilities,
            policy.logits.as_deref(),
        );
        write_atomic(&policy_file, text.as_bytes())?;
    } else if policy_file.exists() {
        // A policy.json of an earlier run in this folder would pass for this run's.
        std::fs::remove_file(&policy_file).map_err(|source| Error::Io {
            path: policy_file.clone(),
            action: "remove the earlier run's policy",
            source,
        })?;
    }
    if args.json {
        let last: serde_json::Map<String, serde_json::Value> = records
            .last()
            .map(|r| r.0.iter().map(|(n, v)| (n.to_string(), json!(v))).collect())
            .unwrap_or_default();
        print_json(&json!({
            "algorithm": args.algo,
            "world": origin,
            "policies_measured": records.len(),
            "wall_seconds": seconds,
            "last": last,
            "stopped_by": stopped.as_ref().map(|e| e.to_string()),
            "record": args.out.join("record.csv").display().to_string(),
            "policy": final_policy.is_some().then(|| policy_file.display().to_string()),
            "manifest": args.out.join("manifest.json").display().to_string(),
        }));
    } else if let Some(last) = records.last() {
        let summary: Vec<String> = ["J", "gap", "entropy", "nash_conv", "qre_gap"]
            .iter()
            .filter_map(|name| {
                last.get(name)
                    .map(|v| format!("{name} = {}", super::output::number(v)))
            })
            .collect();
        say!(
            "{} on {}: {} policies measured in {:.2} s; the last: {}",
            args.algo,
            origin,
            records.len(),
            seconds,
            summary.join(", ")
        );
    }
    if !args.json {
        say!(
            "wrote {}{} and {}",
            args.out.join("record.csv").display(),
            if final_policy.is_some() {
                format!(", {}", policy_file.display())
            } else {
                String::new()
            },
            args.out.join("manifest.json").display()
        );
    }
    match stopped {
        Some(error) => Err(error),
        None => Ok(ExitCode::SUCCESS),
    }
}
