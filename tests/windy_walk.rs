//! The windy walk of Zouitine, Geist & Rachelson (2024, Appendix E; `world::generate::windy_walk`,
//! layout policylab's reading): its kernels solved by policy iteration — the shortest path
//! without wind, values that never rise with the wind, and the detour at α = 1/2.

use policylab::exact::policy_iteration;
use policylab::world::generate::windy_walk::{EAST, NORTH, SOUTH, WindyMap, WindyWalkParams};

/// −Σ_{k<d} γ^k = −(1 − γ^d)/(1 − γ): the value of a deterministic path of d steps at −1
/// each.
fn path_value(d: i32, gamma: f64) -> f64 {
    -(1.0 - gamma.powi(d)) / (1.0 - gamma)
}

#[test]
fn without_wind_the_value_is_the_shortest_path() {
    // α = 0: the straight route S → G is d = 5 moves East (r0c0 → r0c5), so
    // V*(S) = −Σ_{k<5} γ^k = −(1 − γ⁵)/(1 − γ) ≈ −4.5244 at γ = 0.95.
    let params = WindyWalkParams::default();
    let solution = policy_iteration(&params.kernel(0.0).unwrap(), 1_000).unwrap();
    let expected = path_value(5, 0.95);
    assert!(
        (solution.v[0] - expected).abs() < 1e-9,
        "{} vs {expected}",
        solution.v[0]
    );
    assert_eq!(solution.actions[0], EAST);
    assert!(solution.v[5].abs() < 1e-12, "V*(G) = {}", solution.v[5]);
}

#[test]
fn stronger_wind_never_helps() {
    let world = WindyWalkParams::default().build().unwrap();
    let values: Vec<f64> = world
        .kernels()
        .iter()
        .map(|k| policy_iteration(k, 1_000).unwrap().v[0])
        .collect();
    for pair in values.windows(2) {
        assert!(pair[1] <= pair[0] + 1e-9, "{values:?}");
    }
    assert!(values[24] < values[0] - 1.0, "{values:?}");
}

#[test]
fn at_alpha_one_half_the_detour_is_optimal() {
    // α = 0.5. Straight route: from S the walk over r0c1..r0c4 moves East or West with ½
    // each (reflected at S), 5² = 25 steps on average; Q*(S, E) ≈ −10.89. Detour (13 moves,
    // 3 of them knocked back w.p. α³ = 0.125, 2 w.p. α⁶ ≈ 0.016): Q*(S, S) ≈ −10.14, against
    // −(1 − 0.95¹³)/0.05 ≈ −9.73 without wind. So the optimal first move is South, by ≈ 0.75.
    // At α = 0 it is East (previous test): straight 5 steps, −4.52, against the detour's
    // −9.73. (A separate model of the same rules switches between α = 0.396 and α = 0.417.)
    let params = WindyWalkParams::default();
    let solution = policy_iteration(&params.kernel(0.5).unwrap(), 1_000).unwrap();
    let q = |a: usize| solution.q[[0, a]];
    assert_ne!(solution.actions[0], EAST);
    assert_eq!(solution.actions[0], SOUTH);
    assert!(
        q(SOUTH) > q(EAST) + 0.5,
        "Q(S, ·) = {:?}",
        solution.q.row(0)
    );
    assert!((q(EAST) + 10.888).abs() < 0.01, "{}", q(EAST));
    assert!((q(SOUTH) + 10.142).abs() < 0.01, "{}", q(SOUTH));
    // Along the detour the policy keeps to it: East through the middle corridor, South to the
    // Southern one, East through it, then North up column 5.
    let map = WindyMap::paper().unwrap();
    let at = |r: usize, c: usize| map.state(r, c).unwrap();
    let route = [
        (at(1, 0), SOUTH),
        (at(2, 0), EAST),
        (at(2, 1), EAST),
        (at(2, 2), EAST),
        (at(2, 3), SOUTH),
        (at(3, 3), SOUTH),
        (at(4, 3), EAST),
        (at(4, 4), EAST),
        (at(4, 5), NORTH),
        (at(3, 5), NORTH),
        (at(2, 5), NORTH),
        (at(1, 5), NORTH),
    ];
    for (state, action) in route {
        assert_eq!(
            solution.actions[state],
            action,
            "at {}",
            map.state_name(state)
        );
    }
}
