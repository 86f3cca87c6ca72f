//! Sweep throughput of the experiment runner on 1 and 2 threads, over the quick budgets of the
//! `reproduce` catalogue (issue target: 2 threads ≥ 1.8× the throughput of 1 thread).
//!
//! `cargo bench --bench sweep_scaling` runs every catalogue experiment's quick budget into a fresh
//! temporary folder with 1 thread, then with 2, alternating, `POLICYLAB_BENCH_REPEATS` times
//! (default 1), and prints each wall time and the ratio. Not criterion: one sweep takes seconds to
//! minutes, and what is measured is the whole runner (parallel runs, files, results assembly).
//! `POLICYLAB_BENCH_ENTRIES=a,b` restricts the entries.

use std::time::Instant;

use policylab::experiment::reproduce::catalogue;
use policylab::experiment::{Experiment, RunOptions, run_experiment};

fn sweep(experiment: &Experiment, threads: usize) -> f64 {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let started = Instant::now();
    run_experiment(
        experiment,
        &RunOptions {
            out: dir.path().join("out"),
            threads: Some(threads),
            shard: None,
            progress: false,
            quick: true,
        },
    )
    .expect("the sweep runs");
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
    println!("entry, runs, 1 thread (s), 2 threads (s), speed-up");
    let (mut total_one, mut total_two) = (0.0, 0.0);
    for entry in catalogue() {
        if wanted
            .as_ref()
            .is_some_and(|w| !w.iter().any(|n| n == entry.name))
        {
            continue;
        }
        let experiment = entry.load(true).expect("a valid catalogue experiment");
        let (mut one, mut two) = (0.0, 0.0);
        for _ in 0..repeats {
            one += sweep(&experiment, 1);
            two += sweep(&experiment, 2);
        }
        total_one += one;
        total_two += two;
        println!(
            "{}, {}, {:.2}, {:.2}, {:.2}",
            entry.name,
            experiment.run_count(),
            one / repeats as f64,
            two / repeats as f64,
            one / two
        );
    }
    println!(
        "catalogue, -, {:.2}, {:.2}, {:.2}",
        total_one / repeats as f64,
        total_two / repeats as f64,
        total_one / total_two
    );
}
