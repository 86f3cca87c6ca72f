//! Shapley value iteration and exploitability on random two-player zero-sum Markov games with
//! S ∈ {10, 100} states, 5×5 actions, branching 3, γ = 0.9, seed 1
//! (`world::generate::RandomGameParams`):
//!
//! - `shapley_value_iteration`: `exact::game::shapley_value_iteration` from V = 0 to a guaranteed
//!   ‖V − V*‖∞ ≤ 1e-8 (it stops once γ/(1−γ)·‖V_{k+1} − V_k‖∞ ≤ 1e-8), one simplex solve of a 5×5
//!   stage game per state and sweep, then the stage games at the final V for the policies and
//!   their exploitability as the certificate — all of it is timed;
//! - `exploitability`: `exact::game::exploitability` of the policies Shapley value iteration
//!   returned (each player's value by a dense solve, its best response by policy iteration).
//!
//! Before timing, each game is written to `target/bench-worlds/game-S.json` (the native game
//! format, `world::format::save_game`) and policylab's answer to
//! `target/bench-worlds/game-S-policylab.json` (V, ρᵀV, the policies, the exploitability report),
//! so that `benches/reference/numpy_games.py` runs the same computation on the very same game and
//! checks its results against these. `benches/compare.sh games` runs both and prints the ratios
//! (see benches/README.md). `POLICYLAB_BENCH_SIZES=10` restricts the sizes.

use std::hint::black_box;
use std::path::PathBuf;
use std::time::Duration;

use criterion::measurement::WallTime;
use criterion::{BenchmarkGroup, BenchmarkId, Criterion, criterion_group, criterion_main};
use policylab::exact::game::{ShapleySolution, exploitability, shapley_value_iteration};
use policylab::world::MarkovGame;
use policylab::world::format::save_game;
use policylab::world::generate::{RandomGameParams, RewardSharing};
use serde_json::json;

/// The guaranteed ‖V − V*‖∞ at which Shapley value iteration stops.
const TOLERANCE: f64 = 1e-8;
const MAX_ITERATIONS: usize = 100_000;

/// Sizes benchmarked: S ∈ {10, 100}, or those in `POLICYLAB_BENCH_SIZES=10,100`.
fn sizes() -> Vec<usize> {
    std::env::var("POLICYLAB_BENCH_SIZES")
        .ok()
        .map(|s| s.split(',').filter_map(|x| x.trim().parse().ok()).collect())
        .unwrap_or_else(|| vec![10, 100])
}

/// The benchmark game: zero-sum, S states, 5×5 actions, branching 3, γ = 0.9, seed 1.
fn game(states: usize) -> MarkovGame {
    RandomGameParams {
        states,
        players: 2,
        actions: 5,
        branching: 3,
        gamma: 0.9,
        class: RewardSharing::ZeroSum,
        seed: 1,
    }
    .build()
    .expect("valid random-game parameters")
}

fn solve(game: &MarkovGame) -> ShapleySolution {
    shapley_value_iteration(game, TOLERANCE, MAX_ITERATIONS)
        .expect("Shapley value iteration converges on a discounted zero-sum game")
}

fn worlds_dir() -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target/bench-worlds");
    std::fs::create_dir_all(&dir).expect("target/bench-worlds can be created");
    dir
}

/// Writes the game and policylab's solution for the NumPy reference's cross-check.
fn write_reference(states: usize, game: &MarkovGame, solution: &ShapleySolution) {
    let dir = worlds_dir();
    let world = dir.join(format!("game-{states}.json"));
    save_game(game, &world).expect("the game file can be written");
    let report = &solution.certificate;
    let table = |p: &ndarray::Array2<f64>| -> Vec<Vec<f64>> {
        p.rows().into_iter().map(|row| row.to_vec()).collect()
    };
    let document = json!({
        "world": world.display().to_string(),
        "tolerance": TOLERANCE,
        "iterations": solution.iterations,
        "value_error_bound": solution.value_error_bound,
        "stage_gap": solution.stage_gap,
        "game_value": solution.objective(game),
        "v": solution.v.to_vec(),
        "policies": solution.policies.iter().map(table).collect::<Vec<_>>(),
        "values": report.values,
        "best_response_values": report.best_response_values,
        "gains": report.gains,
        "exploitability": report.exploitability(),
    });
    let text = serde_json::to_string_pretty(&document).expect("a JSON document");
    std::fs::write(dir.join(format!("game-{states}-policylab.json")), text)
        .expect("the solution file can be written");
}

/// Short, fixed measurement settings: the machines are shared, ratios come from one run.
fn configure(group: &mut BenchmarkGroup<'_, WallTime>) {
    group
        .sample_size(10)
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(3));
}

fn shapley(c: &mut Criterion) {
    let mut group = c.benchmark_group("shapley_value_iteration");
    configure(&mut group);
    for s in sizes() {
        let game = game(s);
        write_reference(s, &game, &solve(&game));
        group.bench_with_input(BenchmarkId::from_parameter(s), &s, |b, _| {
            b.iter(|| black_box(solve(&game).v[0]))
        });
    }
    group.finish();
}

fn exploitability_of_equilibrium(c: &mut Criterion) {
    let mut group = c.benchmark_group("exploitability");
    configure(&mut group);
    for s in sizes() {
        let game = game(s);
        let solution = solve(&game);
        let views: Vec<_> = solution.policies.iter().map(|p| p.view()).collect();
        group.bench_with_input(BenchmarkId::from_parameter(s), &s, |b, _| {
            b.iter(|| {
                let report = exploitability(&game, &views).expect("valid policies");
                black_box(report.exploitability())
            })
        });
    }
    group.finish();
}

criterion_group!(benches, shapley, exploitability_of_equilibrium);
criterion_main!(benches);
