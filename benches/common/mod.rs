//! What the benchmarks share: the sizes, the Garnet worlds (the same files compare.sh writes for
//! the NumPy scripts) and criterion's measurement settings.

use std::time::Duration;

use policylab::world::generate::GarnetParams;

/// Sizes benchmarked: `default`, or those in `POLICYLAB_BENCH_SIZES=50,500`.
pub fn sizes(default: &[usize]) -> Vec<usize> {
    std::env::var("POLICYLAB_BENCH_SIZES")
        .ok()
        .map(|s| s.split(',').filter_map(|x| x.trim().parse().ok()).collect())
        .unwrap_or_else(|| default.to_vec())
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
pub fn configure(group: &mut criterion::BenchmarkGroup<'_, criterion::measurement::WallTime>) {
    group
        .sample_size(10)
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(3));
}
