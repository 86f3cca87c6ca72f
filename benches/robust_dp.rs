//! One robust Bellman sweep (the optimal operator T_𝒫 V) on Garnet(S, 10, 10) worlds,
//! S ∈ {50, 500, 2000}, γ = 0.9, for three sets on the nominal support — sa-L1 (radius 0.5),
//! s-L1 (budget 0.5 per state), sa-KL (radius 0.1) — next to one nominal sweep on the same world
//! and the same V (`backup_into` and the max over actions: what `exact::value_iteration` does per
//! sweep). V is the world's nominal V* (`common/robust.rs`). `benches/reference/numpy_robust.py`
//! computes the same sweeps in NumPy on the same files and values (written by
//! `examples/robust_sweep.rs`, which it checks against to 1e-9); `benches/compare.sh` runs both and
//! prints the ratios (see benches/README.md).

use std::hint::black_box;

use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use policylab::exact::bellman::backup_into;
use policylab::exact::robust::{Rule, Sweep, Workspace, sweep_into};
use policylab::world::RobustMdp;

mod common;
use common::{configure, sizes, world};
#[path = "common/robust.rs"]
mod robust;

fn nominal_sweep(c: &mut Criterion) {
    let mut group = c.benchmark_group("robust_sweep_nominal");
    configure(&mut group);
    for s in sizes(&[50, 500, 2000]) {
        let mdp = world(s);
        let values = robust::fixed_values(&mdp);
        let (gamma, a_count) = (mdp.gamma(), mdp.n_actions());
        let allowed = mdp.allowed_mask().to_vec();
        let mut q = vec![0.0; s * a_count];
        let mut next = vec![0.0; s];
        group.bench_with_input(BenchmarkId::from_parameter(s), &s, |b, _| {
            b.iter(|| {
                backup_into(&mdp, &values, gamma, &mut q);
                for (v, (row, mask)) in next
                    .iter_mut()
                    .zip(q.chunks_exact(a_count).zip(allowed.chunks_exact(a_count)))
                {
                    *v = row
                        .iter()
                        .zip(mask)
                        .filter(|&(_, &ok)| ok)
                        .fold(f64::NEG_INFINITY, |m, (&x, _)| m.max(x));
                }
                black_box(next[0])
            })
        });
    }
    group.finish();
}

fn robust_sweeps(c: &mut Criterion) {
    for (name, set) in robust::sets() {
        let mut group = c.benchmark_group(format!("robust_sweep_{}", name.replace('-', "_")));
        configure(&mut group);
        for s in sizes(&[50, 500, 2000]) {
            let mdp = world(s);
            let values = robust::fixed_values(&mdp);
            let robust = RobustMdp::new(mdp, set.clone()).expect("a valid robust world");
            let mut work = Workspace::default();
            let mut out = Sweep::for_world(&robust);
            group.bench_with_input(BenchmarkId::from_parameter(s), &s, |b, _| {
                b.iter(|| {
                    sweep_into(&robust, &values, Rule::Optimal, &mut work, &mut out);
                    black_box(out.v[0])
                })
            });
        }
        group.finish();
    }
}

criterion_group!(benches, nominal_sweep, robust_sweeps);
criterion_main!(benches);
