//! The robust sets and the fixed value vector shared by `benches/robust_dp.rs` and
//! `examples/robust_sweep.rs` (which writes the sweeps for `benches/reference/numpy_robust.py`'s
//! cross-check), so that both time and check the same computation.

use policylab::exact::value_iteration;
use policylab::world::{Radius, SetShape, Support, TabularMdp, UncertaintySet};

/// The benchmarked sets, all on the nominal support: sa-L1 of radius 0.5, s-L1 of budget 0.5,
/// sa-KL of radius 0.1 (names as `--uncertainty` spells them).
pub fn sets() -> Vec<(&'static str, UncertaintySet)> {
    [
        ("sa-l1", SetShape::StateActionL1, 0.5),
        ("s-l1", SetShape::StateL1, 0.5),
        ("sa-kl", SetShape::StateActionKl, 0.1),
    ]
    .into_iter()
    .map(|(name, shape, radius)| {
        let set = UncertaintySet::new(shape, Radius::Uniform(radius), Support::Nominal)
            .expect("a valid uncertainty set");
        (name, set)
    })
    .collect()
}

/// The V a sweep is applied to: the world's nominal V*, from `exact::value_iteration` until
/// ‖V − V*‖∞ ≤ 1e-10 is guaranteed (about 240 sweeps at γ = 0.9) — a realistic V with the spread
/// of values a robust value iteration sees near its fixed point.
pub fn fixed_values(mdp: &TabularMdp) -> Vec<f64> {
    value_iteration(mdp, 1e-10, 100_000)
        .expect("value iteration converges on a discounted world")
        .v
        .to_vec()
}
