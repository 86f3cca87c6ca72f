//! Policy evaluation and value iteration on Garnet(S, 10, 10) worlds, S ∈ {50, 500, 2000}, γ = 0.9
//! — the same worlds and computations as `benches/reference/numpy_dp.py`; `benches/compare.sh`
//! runs both and prints the ratios (see benches/README.md).
//!
//! Also times the dense LU of faer (policylab's solver) against nalgebra's on the same matrix, the
//! measurement behind the choice of faer.

use std::hint::black_box;
use std::time::Duration;

use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use policylab::exact::evaluation::bellman_matrix;
use policylab::exact::linear_solve::solve_dense;
use policylab::exact::{evaluate, evaluate_iterative, uniform_policy, value_iteration};
use policylab::world::generate::GarnetParams;

/// Sizes benchmarked; `POLICYLAB_BENCH_SIZES=50,500` restricts them.
fn sizes() -> Vec<usize> {
    std::env::var("POLICYLAB_BENCH_SIZES")
        .ok()
        .map(|s| s.split(',').filter_map(|x| x.trim().parse().ok()).collect())
        .unwrap_or_else(|| vec![50, 500, 2000])
}

/// The benchmark world: Garnet(S, A = 10, b = 10), γ = 0.9, seed 1 (also written to
/// target/bench-worlds/ by compare.sh for the NumPy script).
pub fn world(states: usize) -> policylab::world::TabularMdp {
    GarnetParams {
        states,
        actions: 10,
        branching: 10,
        gamma: 0.9,
        seed: 1,
    }
    .build()
    .expect("valid Garnet parameters")
}

/// Short, fixed measurement settings: the machines are shared, ratios come from one run.
fn configure(group: &mut criterion::BenchmarkGroup<'_, criterion::measurement::WallTime>) {
    group
        .sample_size(10)
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(3));
}

fn dynamic_programming(c: &mut Criterion) {
    let mut group = c.benchmark_group("policy_evaluation_direct");
    configure(&mut group);
    for s in sizes() {
        let mdp = world(s);
        let policy = uniform_policy(&mdp);
        group.bench_with_input(BenchmarkId::from_parameter(s), &s, |b, _| {
            b.iter(|| black_box(evaluate(&mdp, policy.view()).expect("solvable")))
        });
    }
    group.finish();

    let mut group = c.benchmark_group("policy_evaluation_iterative");
    configure(&mut group);
    for s in sizes() {
        let mdp = world(s);
        let policy = uniform_policy(&mdp);
        group.bench_with_input(BenchmarkId::from_parameter(s), &s, |b, _| {
            b.iter(|| {
                black_box(
                    evaluate_iterative(&mdp, policy.view(), 1e-8, 100_000).expect("converges"),
                )
            })
        });
    }
    group.finish();

    let mut group = c.benchmark_group("value_iteration");
    configure(&mut group);
    for s in sizes() {
        let mdp = world(s);
        group.bench_with_input(BenchmarkId::from_parameter(s), &s, |b, _| {
            b.iter(|| black_box(value_iteration(&mdp, 1e-8, 100_000).expect("converges")))
        });
    }
    group.finish();

    let mut group = c.benchmark_group("dense_lu_500");
    configure(&mut group);
    let mdp = world(500);
    let policy = uniform_policy(&mdp);
    let matrix = bellman_matrix(&mdp, policy.view());
    let rhs = policylab::exact::bellman::policy_reward(&mdp, policy.view());
    group.bench_function("faer", |b| {
        b.iter(|| black_box(solve_dense(&matrix, &rhs, false).expect("solvable")))
    });
    let n = matrix.nrows();
    let dense = nalgebra::DMatrix::from_fn(n, n, |i, j| matrix[[i, j]]);
    let vector = nalgebra::DVector::from_iterator(n, rhs.iter().copied());
    group.bench_function("nalgebra", |b| {
        b.iter(|| black_box(dense.clone().lu().solve(&vector).expect("solvable")))
    });
    group.finish();
}

criterion_group!(benches, dynamic_programming);
criterion_main!(benches);
