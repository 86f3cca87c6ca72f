//! Runs an experiment's (configuration × seed) runs in parallel with rayon, skipping the runs an
//! earlier invocation finished, optionally only one shard of them, with a progress bar.
//!
//! Every run draws from its own RNG seeded from (experiment, configuration, seed) and writes its
//! own files, and the results table is assembled in run order from those files, so the output is
//! bit-identical at any thread count, after any interruption, and across shards.

use std::collections::{BTreeMap, HashMap};
use std::path::PathBuf;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressStyle};
use rayon::prelude::*;
use serde_json::json;

use super::execute::execute;
use super::grid::value_text;
use super::lock::{LockMode, lock_folder, wait_for_turn};
use super::spec::Experiment;
use super::store::{
    RunMeta, build_commit, git_commit, recover_set_aside, remove_temporaries, renumber, run_id,
    scan_runs, set_aside, write_results, write_run,
};
use super::world_spec::WorldKind;
use crate::core::error::{Error, Result};
use crate::core::seeding::run_seed;

/// `--shard K/N`: the runs whose index i (configuration-major, then seed) has i mod N = K − 1.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shard {
    /// K, from 1.
    pub index: usize,
    /// N ≥ 1.
    pub count: usize,
}

impl Shard {
    /// Parses `K/N` with 1 ≤ K ≤ N.
    pub fn parse(text: &str) -> Result<Self> {
        let bad = || {
            Error::Usage(format!(
                "--shard {text}: expected K/N with 1 <= K <= N, for example --shard 3/8 (Slurm: --shard $((SLURM_ARRAY_TASK_ID+1))/$SLURM_ARRAY_TASK_COUNT)"
            ))
        };
        let (k, n) = text.split_once('/').ok_or_else(bad)?;
        let index: usize = k.trim().parse().map_err(|_| bad())?;
        let count: usize = n.trim().parse().map_err(|_| bad())?;
        if index == 0 || index > count {
            return Err(bad());
        }
        Ok(Shard { index, count })
    }

    /// Whether run number `i` belongs to this shard.
    pub fn selects(&self, i: usize) -> bool {
        i % self.count == self.index - 1
    }
}

/// How to run an experiment.
#[derive(Debug, Clone)]
pub struct RunOptions {
    pub out: PathBuf,
    /// Worker threads (default: the machine's parallelism).
    pub threads: Option<usize>,
    pub shard: Option<Shard>,
    /// Draw a progress bar on a terminal.
    pub progress: bool,
    /// Whether the quick budget was chosen (recorded in the manifest).
    pub quick: bool,
}

/// What an invocation did.
#[derive(Debug, Clone, PartialEq)]
pub struct RunReport {
    /// Runs of this invocation's share (all runs without a shard).
    pub selected: usize,
    /// Of those, already finished by an earlier invocation.
    pub skipped: usize,
    /// Runs this invocation ran.
    pub ran: usize,
    /// Finished runs in the folder (all shards that wrote there).
    pub finished: usize,
    /// Runs of the whole experiment.
    pub total: usize,
    /// Runs stopped by a non-finite value: (run id, message).
    pub stopped: Vec<(String, String)>,
    /// Runs moved out of the folder before this invocation ran: where to, and why.
    pub set_aside: Vec<SetAside>,
    /// Runs an earlier edit had set aside that the file has again, moved back instead of rerun.
    pub recovered: usize,
    /// Finished runs left in a shared (sharded) folder that the experiment no longer has; an
    /// unsharded `run` there sets them aside.
    pub foreign: usize,
    /// Configurations (their keys) whose seeds, two or more, all wrote the same measurements: a
    /// deterministic method, where one seed would do.
    pub identical_seeds: Vec<String>,
    pub wall_seconds: f64,
}

/// Runs moved to `OUT/set-aside/…`.
#[derive(Debug, Clone, PartialEq)]
pub struct SetAside {
    pub folder: PathBuf,
    pub count: usize,
    pub reason: String,
}

/// The budget of a run of `experiment` on world `world` (an index into its worlds), as stored
/// with each run: the steps, record schedule and stop rule, and the world entry's parameters (the
/// world's name alone would let an edited world reuse the runs of the old one).
fn budget(experiment: &Experiment, world: usize) -> String {
    let file = &experiment.file;
    let entry = &experiment.worlds[world].entry;
    let params = file
        .worlds
        .iter()
        .find(|w| &w.name == entry)
        .map(|w| serde_json::to_string(&w.params).unwrap_or_default())
        .unwrap_or_default();
    format!(
        "steps={};record={};stop={};world_params={params}",
        file.steps,
        serde_json::to_string(&file.record).unwrap_or_default(),
        serde_json::to_string(&file.stop).unwrap_or_default()
    )
}

fn describe(experiment: &Experiment, configuration: usize, seed: usize) -> RunMeta {
    let config = &experiment.configurations[configuration];
    let world = &experiment.worlds[config.world];
    let budget = budget(experiment, config.world);
    RunMeta {
        id: run_id(experiment.name(), &config.key, &budget, seed),
        experiment: experiment.name().to_string(),
        configuration,
        key: config.key.clone(),
        budget,
        world: world.name.clone(),
        world_grid: world
            .point
            .0
            .iter()
            .map(|(k, v)| (k.clone(), value_text(v)))
            .collect(),
        algorithm: config.algorithm.clone(),
        label: config.label.clone(),
        params: config.params.iter().cloned().collect(),
        seed,
        rng_seed: run_seed(experiment.name(), &config.key, seed as u64),
        steps_run: 0,
        reached_target_at: None,
        stopped_by: None,
        wall_seconds: 0.0,
        csv: None,
        policy: None,
    }
}

/// The manifest of an output folder: the experiment as read and every finished run.
pub fn manifest(
    experiment: &Experiment,
    options: &RunOptions,
    metas: &[RunMeta],
    wall_seconds: f64,
) -> serde_json::Value {
    json!({
        "experiment": experiment.name(),
        "title": experiment.file.title,
        "source": experiment.source.display().to_string(),
        "quick": options.quick,
        "spec": experiment.file,
        "policylab_version": env!("CARGO_PKG_VERSION"),
        "git_commit": git_commit(),
        "built_from": build_commit(),
        "threads": options.threads,
        "shard": options.shard.map(|s| format!("{}/{}", s.index, s.count)),
        "runs_total": experiment.run_count(),
        "runs_finished": metas.len(),
        "complete": metas.len() == experiment.run_count(),
        "wall_seconds_this_invocation": wall_seconds,
        "runs": metas,
    })
}

/// Runs what is left of the experiment (or of its shard) into `options.out`, then writes
/// `results.csv` and `manifest.json` over every finished run there.
/// Makes `out` (and its parents) and checks that a file can be written in it, before any run
/// starts: an `--out` that is a file, or a folder without write permission, is refused before the
/// sweep, not after it.
fn require_writable_folder(out: &std::path::Path) -> Result<()> {
    let io = |action: &'static str| {
        move |source| Error::Io {
            path: out.to_path_buf(),
            action,
            source,
        }
    };
    if out.exists() && !out.is_dir() {
        return Err(Error::Usage(format!(
            "--out {}: a file is there; give a folder (new or an earlier run's)",
            out.display()
        )));
    }
    std::fs::create_dir_all(out).map_err(io("create the output folder"))?;
    let probe = out.join(format!(".policylab-write-test-{}", std::process::id()));
    std::fs::write(&probe, b"").map_err(io("write in the output folder"))?;
    std::fs::remove_file(&probe).map_err(io("remove a test file from the output folder"))?;
    Ok(())
}

pub fn run_experiment(experiment: &Experiment, options: &RunOptions) -> Result<RunReport> {
    let started = Instant::now();
    let out = &options.out;
    require_writable_folder(out)?;
    let (mode, purpose) = match options.shard {
        Some(shard) => (
            LockMode::Shared,
            format!(
                "`run` of {} shard {}/{}",
                experiment.name(),
                shard.index,
                shard.count
            ),
        ),
        None => (
            LockMode::Exclusive,
            format!("`run` of {}", experiment.name()),
        ),
    };
    let _lock = lock_folder(out, mode, &purpose)?;
    let mut recovered = 0;
    if mode == LockMode::Exclusive {
        remove_temporaries(out)?;
    }
    let scan = scan_runs(out)?;
    // Another experiment's runs (damaged ones whose JSON still names it included): refused.
    let others = scan
        .runs
        .iter()
        .map(|m| &m.experiment)
        .chain(scan.damaged.iter().filter_map(|d| d.experiment.as_ref()));
    if let Some(other) = others.clone().find(|name| *name != experiment.name()) {
        let count = others.filter(|name| *name == other).count();
        return Err(Error::Usage(format!(
            "{}: the folder holds {count} run(s) of the experiment `{other}`, this file is `{}`; give another --out (or remove the folder)",
            out.display(),
            experiment.name()
        )));
    }
    let seeds = experiment.file.seeds;
    let expected: Vec<RunMeta> = (0..experiment.configurations.len())
        .flat_map(|configuration| (0..seeds).map(move |seed| (configuration, seed)))
        .map(|(configuration, seed)| describe(experiment, configuration, seed))
        .collect();
    // Ids are content hashes: a finished run is the current file's run with its id, if any.
    let index: HashMap<&str, usize> = expected
        .iter()
        .enumerate()
        .map(|(i, m)| (m.id.as_str(), i))
        .collect();
    let ours = |i: usize| options.shard.is_none_or(|s| s.selects(i));
    let mut found: Vec<Option<RunMeta>> = vec![None; expected.len()];
    let mut unmatched: Vec<String> = Vec::new();
    for meta in scan.runs {
        match index.get(meta.id.as_str()) {
            Some(&i) if meta.same_run(&expected[i]) && found[i].is_none() => found[i] = Some(meta),
            _ => unmatched.push(meta.id),
        }
    }
    let mut set_aside_report = Vec::new();
    let mut foreign = 0;
    // A shard sets aside only damaged runs of its own share (another shard may be rewriting
    // the others at this moment).
    let damaged: Vec<&super::store::Damaged> = scan
        .damaged
        .iter()
        .filter(|d| {
            mode == LockMode::Exclusive || index.get(d.id.as_str()).is_some_and(|&i| ours(i))
        })
        .collect();
    let ids: Vec<String> = damaged.iter().map(|d| d.id.clone()).collect();
    if let Some(folder) = set_aside(out, &ids)? {
        let first = damaged.first().map_or("", |d| d.why.as_str());
        set_aside_report.push(SetAside {
            folder,
            count: ids.len(),
            reason: format!("damaged or unverifiable (first: {first}); they run again"),
        });
    }
    if mode == LockMode::Exclusive {
        if let Some(folder) = set_aside(out, &unmatched)? {
            set_aside_report.push(SetAside {
                folder,
                count: unmatched.len(),
                reason: "no longer in the experiment file (a configuration, seed, step budget or world edited or removed)".to_string(),
            });
        }
        // Runs set aside by an earlier edit that the file has again come back, not rerun.
        let missing: Vec<String> = expected
            .iter()
            .zip(&found)
            .filter(|(_, f)| f.is_none())
            .map(|(m, _)| m.id.clone())
            .collect();
        for meta in recover_set_aside(out, &missing)? {
            if let Some(&i) = index.get(meta.id.as_str())
                && meta.same_run(&expected[i])
            {
                found[i] = Some(meta);
                recovered += 1;
            }
        }
    } else {
        foreign = unmatched.len();
    }
    let mut selected = 0;
    let mut pending: Vec<(usize, usize)> = Vec::new();
    for (i, expected) in expected.iter().enumerate() {
        // Every matched run gets its place in the current file (results are ordered by it),
        // whichever shard it belongs to.
        if let Some(meta) = &found[i] {
            renumber(out, meta, expected.configuration)?;
        }
        if !ours(i) {
            continue;
        }
        selected += 1;
        if found[i].is_none() {
            pending.push((expected.configuration, expected.seed));
        }
    }
    let skipped = selected - pending.len();
    // The most expensive runs first (a world's size as the estimate), so a long run does not
    // start last and leave the other threads idle; the order does not change any result.
    pending.sort_by_key(|&(configuration, seed)| {
        let world = &experiment.worlds[experiment.configurations[configuration].world];
        let size = match &world.kind {
            WorldKind::Mdp(problem) => problem.mdp.n_states() * problem.mdp.n_actions(),
            WorldKind::FiniteHorizon(world) => {
                world.mdp.n_states() * world.mdp.n_actions() * world.optimal.q.len()
            }
            WorldKind::Bandit(environment) => environment.arms(),
            WorldKind::Llm(world) => world.model.parameter_count(),
            WorldKind::Robust(world) => world.robust.n_states() * world.robust.n_actions(),
            WorldKind::Game(world) => {
                let world: &dyn crate::world::World = world.as_ref();
                world
                    .game()
                    .map_or(0, |game| game.n_states() * game.n_joint())
            }
        };
        (std::cmp::Reverse(size), configuration, seed)
    });
    let threads = options
        .threads
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()));
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .map_err(|e| {
            Error::Usage(format!(
                "--threads {threads}: cannot start the workers: {e}"
            ))
        })?;

    let progress = if options.progress {
        ProgressBar::new(pending.len() as u64)
    } else {
        ProgressBar::hidden()
    };
    progress.set_style(
        ProgressStyle::with_template(
            "{prefix} [{bar:30}] {pos}/{len} runs, {elapsed} elapsed, ETA {eta}  {wide_msg}",
        )
        .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    progress.set_prefix(experiment.name().to_string());
    let running: Mutex<BTreeMap<String, (String, Instant)>> = Mutex::new(BTreeMap::new());
    let done = AtomicBool::new(false);
    let stopped: Mutex<Vec<(String, String)>> = Mutex::new(Vec::new());

    let results: Vec<Result<()>> = std::thread::scope(|scope| {
        // The slowest running configuration, refreshed a few times a second.
        scope.spawn(|| {
            let mut ticks = 0u32;
            while !done.load(Ordering::Relaxed) {
                // Wake often so the sweep's end is not delayed, refresh the message every 200 ms.
                std::thread::sleep(Duration::from_millis(10));
                ticks += 1;
                if !ticks.is_multiple_of(20) {
                    continue;
                }
                if let Ok(map) = running.lock()
                    && let Some((label, since)) = map.values().min_by_key(|(_, since)| *since)
                {
                    progress.set_message(format!(
                        "slowest running: {label} ({:.0} s)",
                        since.elapsed().as_secs_f64()
                    ));
                }
            }
        });
        let results = pool.install(|| {
            pending
                .par_iter()
                // One run per task, so idle threads take the next run from the queue.
                .with_max_len(1)
                .map(|&(configuration, seed)| {
                    let mut meta = describe(experiment, configuration, seed);
                    let config = &experiment.configurations[configuration];
                    let label = format!(
                        "{} on {} seed {seed}",
                        config.label, experiment.worlds[config.world].name
                    );
                    if let Ok(mut map) = running.lock() {
                        map.insert(meta.id.clone(), (label, Instant::now()));
                    }
                    let run_started = Instant::now();
                    let output = execute(experiment, config, seed, out, &meta.id)
                        .map_err(|e| e.in_origin(&format!("run {} ({})", meta.id, config.key)))?;
                    meta.wall_seconds = run_started.elapsed().as_secs_f64();
                    meta.steps_run = output.steps_run;
                    meta.reached_target_at = output.reached_target_at;
                    meta.stopped_by = output.stopped_by.clone();
                    write_run(out, &meta, &output)?;
                    if let Some(message) = &output.stopped_by
                        && let Ok(mut list) = stopped.lock()
                    {
                        list.push((meta.id.clone(), message.clone()));
                    }
                    if let Ok(mut map) = running.lock() {
                        map.remove(&meta.id);
                    }
                    progress.inc(1);
                    Ok(())
                })
                .collect()
        });
        done.store(true, Ordering::Relaxed);
        results
    });
    progress.finish_and_clear();
    let wall_seconds = started.elapsed().as_secs_f64();
    // The runs of the current file only (a shard leaves the others where they are), in the
    // file's order. Shards sharing the folder take turns here, so the last results.csv written
    // is built from the last scan.
    let _turn = (mode == LockMode::Shared)
        .then(|| wait_for_turn(out))
        .transpose()?;
    let mut metas: Vec<RunMeta> = scan_runs(out)?
        .runs
        .into_iter()
        .filter(|m| {
            index
                .get(m.id.as_str())
                .is_some_and(|&i| m.same_run(&expected[i]))
        })
        .collect();
    metas.sort_by_key(|m| index.get(m.id.as_str()).copied());
    write_results(
        out,
        &metas,
        manifest(experiment, options, &metas, wall_seconds),
    )?;
    if let Some(error) = results.into_iter().find_map(|r| r.err()) {
        return Err(error);
    }
    let mut identical_seeds = Vec::new();
    for configuration in &experiment.configurations {
        let digests: Vec<_> = metas
            .iter()
            .filter(|m| m.key == configuration.key)
            .map(|m| &m.csv)
            .collect();
        if seeds >= 2 && digests.len() == seeds && digests.windows(2).all(|w| w[0] == w[1]) {
            identical_seeds.push(configuration.key.clone());
        }
    }
    let mut stopped = stopped.into_inner().unwrap_or_default();
    stopped.sort();
    Ok(RunReport {
        selected,
        skipped,
        ran: pending.len(),
        finished: metas.len(),
        total: experiment.run_count(),
        stopped,
        set_aside: set_aside_report,
        recovered,
        foreign,
        identical_seeds,
        wall_seconds,
    })
}
