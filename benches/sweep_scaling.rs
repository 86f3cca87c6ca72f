//! Sweep throughput of the experiment runner on 1 and 2 threads, over the quick budgets of the
//! `reproduce` catalogue (issue target: 2 threads ≥ 1.8× the throughput of 1 thread).
//!
//! `cargo bench --bench sweep_scaling` runs every catalogue experiment's quick budget into a fresh
//! temporary folder with 1 thread, then with 2, alternating, `POLICYLAB_BENCH_REPEATS` times
//! (default 1), and prints each wall time and the ratio. Not criterion: one sweep takes seconds to
//! minutes, and what is measured is the whole runner (parallel runs, files, results assembly).
//! `POLICYLAB_BENCH_ENTRIES=a,b` restricts the entries; `POLICYLAB_BENCH_BUDGET=full` runs the
//! full budgets instead of the quick ones (minutes per entry on 1 thread).
//!
//! A control measures what the machine itself allows: eight equal, independent pieces of pure
//! floating-point work (no memory traffic, no files) on a rayon pool of 1 and of 2 threads,
//! interleaved with the sweeps. On a shared virtual machine the second core is not always a whole
//! core; the runner's efficiency is its speed-up divided by the control's.

use std::time::Instant;

use rayon::prelude::*;

use policylab::experiment::reproduce::catalogue;
use policylab::experiment::{Experiment, RunOptions, run_experiment};

/// Runs the sweep into a fresh folder; returns its wall time and the longest single run's wall
/// time (from the manifest), both in seconds.
fn sweep(experiment: &Experiment, threads: usize, quick: bool) -> (f64, f64) {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let started = Instant::now();
    run_experiment(
        experiment,
        &RunOptions {
            out: dir.path().join("out"),
            threads: Some(threads),
            shard: None,
            progress: false,
            quick,
        },
    )
    .expect("the sweep runs");
    let wall = started.elapsed().as_secs_f64();
    let manifest: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(dir.path().join("out/manifest.json")).expect("a manifest"),
    )
    .expect("a JSON manifest");
    let longest = manifest["runs"]
        .as_array()
        .expect("the manifest lists the runs")
        .iter()
        .filter_map(|run| run["wall_seconds"].as_f64())
        .fold(0.0, f64::max);
    (wall, longest)
}

/// The control: eight equal pieces of dependent floating-point arithmetic (a logistic map), shared
/// out one piece per task on a pool of `threads` threads. Returns the wall time in seconds.
fn control(threads: usize) -> f64 {
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .expect("a thread pool");
    let started = Instant::now();
    let total: f64 = pool.install(|| {
        (0..8u32)
            .into_par_iter()
            .with_max_len(1)
            .map(|piece| {
                let mut x = 0.1 + f64::from(piece) * 1e-3;
                for _ in 0..40_000_000 {
                    x = 3.9 * x * (1.0 - x);
                }
                x
            })
            .sum()
    });
    std::hint::black_box(total);
    started.elapsed().as_secs_f64()
}

fn main() {
    let repeats: usize = std::env::var("POLICYLAB_BENCH_REPEATS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1);
    let wanted: Option<Vec<String>> = std::env::var("POLICYLAB_BENCH_ENTRIES")
        .ok()
        .map(|v| v.split(',').map(str::to_string).collect());
    let quick = std::env::var("POLICYLAB_BENCH_BUDGET").map_or(true, |v| v != "full");
    println!(
        "entry, runs, 1 thread (s), 2 threads (s), speed-up, longest run (s), bound, speed-up / bound"
    );
    let (mut total_one, mut total_two, mut total_best) = (0.0, 0.0, 0.0);
    let (mut control_one, mut control_two) = (0.0, 0.0);
    for entry in catalogue() {
        if wanted
            .as_ref()
            .is_some_and(|w| !w.iter().any(|n| n == entry.name))
        {
            continue;
        }
        let experiment = entry.load(quick).expect("a valid catalogue experiment");
        // `best`: the least 2-thread wall time the runs allow, max(T₁/2, longest run), from the
        // 1-thread sweep (no schedule finishes before its longest run).
        let (mut one, mut two, mut best, mut longest) = (0.0, 0.0, 0.0, 0.0f64);
        for _ in 0..repeats {
            let (wall, longest_run) = sweep(&experiment, 1, quick);
            one += wall;
            best += f64::max(wall / 2.0, longest_run);
            longest = longest.max(longest_run);
            two += sweep(&experiment, 2, quick).0;
            control_one += control(1);
            control_two += control(2);
        }
        total_one += one;
        total_two += two;
        total_best += best;
        println!(
            "{}, {}, {:.2}, {:.2}, {:.2}, {:.2}, {:.2}, {:.2}",
            entry.name,
            experiment.run_count(),
            one / repeats as f64,
            two / repeats as f64,
            one / two,
            longest,
            one / best,
            best / two
        );
    }
    println!(
        "catalogue, -, {:.2}, {:.2}, {:.2}, -, {:.2}, {:.2}",
        total_one / repeats as f64,
        total_two / repeats as f64,
        total_one / total_two,
        total_one / total_best,
        total_best / total_two
    );
    println!(
        "control (8 equal pieces of arithmetic), -, {:.2}, {:.2}, {:.2}",
        control_one / repeats as f64,
        control_two / repeats as f64,
        control_one / control_two
    );
    println!(
        "runner efficiency (catalogue speed-up / control speed-up): {:.2}",
        (total_one / total_two) / (control_one / control_two)
    );
}
