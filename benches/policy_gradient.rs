//! Steps per second of exact softmax policy gradient on Garnet(S, 10, 10), S ∈ {50, 500}, γ = 0.9,
//! in two forms, each matched by a loop of `benches/reference/numpy_pg.py` on the same worlds
//! (`benches/compare.sh` prints the ratios):
//!
//! - `softmax_pg_step`: one `SoftmaxPg::step` — evaluate V and Q, the occupancy, the gradient
//!   d·π·A/(1−γ), the logit update, and the per-step record (J, gap, entropy, the smallest
//!   optimal-action probability, ΔH, its covariance prediction, KL);
//! - `softmax_pg_gradient_step`: the bare update with the library's functions (π, the exact
//!   gradient, the ascent) and no record.

use std::hint::black_box;

use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use policylab::algo::{Algorithm, Problem, SoftmaxPg};
use policylab::policy::{TabularSoftmax, softmax_gradient};
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

mod common;
use common::{configure, sizes, world};

fn softmax_pg_step(c: &mut Criterion) {
    let mut group = c.benchmark_group("softmax_pg_step");
    configure(&mut group);
    for s in sizes(&[50, 500]) {
        let problem = Problem::new(world(s)).expect("a solvable Garnet");
        let algorithm = SoftmaxPg::new(1.0).expect("a positive step size");
        let mut rng = ChaCha8Rng::seed_from_u64(0);
        group.bench_with_input(BenchmarkId::from_parameter(s), &s, |b, _| {
            let mut state = vec![TabularSoftmax::uniform(&problem.mdp)];
            b.iter(|| {
                let (next, record) = algorithm
                    .step(&problem, state.clone(), &mut rng)
                    .expect("a step on a valid world");
                state = next;
                black_box(record)
            })
        });
    }
    group.finish();
}

fn softmax_pg_gradient_step(c: &mut Criterion) {
    let mut group = c.benchmark_group("softmax_pg_gradient_step");
    configure(&mut group);
    for s in sizes(&[50, 500]) {
        let mdp = world(s);
        group.bench_with_input(BenchmarkId::from_parameter(s), &s, |b, _| {
            let mut policy = TabularSoftmax::uniform(&mdp);
            b.iter(|| {
                let probabilities = policy.probabilities();
                let exact = softmax_gradient(&mdp, probabilities.view())
                    .expect("a gradient on a valid world");
                policy.ascend(&exact.gradient, 1.0);
                black_box(exact.values.v[0])
            })
        });
    }
    group.finish();
}

criterion_group!(benches, softmax_pg_step, softmax_pg_gradient_step);
criterion_main!(benches);
