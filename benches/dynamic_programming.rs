//! Policy evaluation and value iteration on Garnet(S, 10, 10) worlds, S ∈ {50, 500, 2000}, γ = 0.9
//! — the same worlds and computations as `benches/reference/numpy_dp.py`; `benches/compare.sh`
//! runs both and prints the ratios (see benches/README.md).
//!
//! Also times the dense LU of faer (policylab's solver) against nalgebra's on the same matrix, the
//! measurement behind the choice of faer.

use std::hint::black_box;

use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use policylab::exact::evaluation::bellman_matrix;
use policylab::exact::linear_solve::solve_dense;
use policylab::exact::policy_system::sweep;
use policylab::exact::{evaluate, evaluate_iterative, uniform_policy, value_iteration};

mod common;
use common::{configure, sizes, world};

fn dynamic_programming(c: &mut Criterion) {
    let mut group = c.benchmark_group("policy_evaluation_direct");
    configure(&mut group);
    for s in sizes(&[50, 500, 2000]) {
        let mdp = world(s);
        let policy = uniform_policy(&mdp);
        group.bench_with_input(BenchmarkId::from_parameter(s), &s, |b, _| {
            b.iter(|| black_box(evaluate(&mdp, policy.view()).expect("solvable")))
        });
    }
    group.finish();

    let mut group = c.benchmark_group("policy_evaluation_iterative");
    configure(&mut group);
    for s in sizes(&[50, 500, 2000]) {
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
    for s in sizes(&[50, 500, 2000]) {
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

    // The crossover behind `exact::policy_system::method_for`: the policy's system solved by
    // dense LU (matrix built included) and by fixed-point sweeps to the relative 1e-13 bound, on
    // Garnet(S, 10, 10) at γ = 0.9 and 0.99.
    let mut group = c.benchmark_group("policy_system");
    configure(&mut group);
    for s in sizes(&[1000, 2000, 4000]) {
        for gamma in [0.9, 0.99] {
            let mdp = policylab::world::generate::GarnetParams {
                states: s,
                actions: 10,
                branching: 10,
                gamma,
                seed: 1,
            }
            .build()
            .expect("valid Garnet parameters");
            let policy = uniform_policy(&mdp);
            let rhs = policylab::exact::bellman::policy_reward(&mdp, policy.view());
            let id = format!("{s}/gamma={gamma}");
            group.bench_function(BenchmarkId::new("dense_lu", &id), |b| {
                b.iter(|| {
                    black_box(
                        solve_dense(&bellman_matrix(&mdp, policy.view()), &rhs, false)
                            .expect("solvable"),
                    )
                })
            });
            group.bench_function(BenchmarkId::new("sweeps", &id), |b| {
                b.iter(|| black_box(sweep(&mdp, policy.view(), &rhs, false).expect("converges")))
            });
        }
    }
    group.finish();
}

criterion_group!(benches, dynamic_programming);
criterion_main!(benches);
