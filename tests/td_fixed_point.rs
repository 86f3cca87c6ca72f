//! The exact TD fixed point (src/exact/linear_td.rs) against an independent solve of LSTD-Q's
//! normal equations, and the bounds of paper-notes/linear-mdps.md ("The TD fixed point") on random
//! worlds, policies, features and data distributions: each could fail.

use nalgebra::{DMatrix, DVector};
use ndarray::{Array1, Array2};
use policylab::exact::linear_td::state_action_kernel;
use policylab::exact::{occupancy, stationary_distribution, td_fixed_point};
use policylab::world::generate::features::{one_hot, random_features};
use policylab::world::generate::{GarnetParams, LinearMdpParams};
use policylab::world::{FeatureMap, TabularMdp};
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// A Garnet with every next state reachable (branching = S), so every stochastic policy's chain
/// is irreducible.
fn dense_garnet(states: usize, actions: usize, gamma: f64, seed: u64) -> TabularMdp {
    GarnetParams {
        states,
        actions,
        branching: states,
        gamma,
        seed,
    }
    .build()
    .unwrap()
}

/// A random stochastic policy: π(a|s) ∝ exp(3u), u ~ Uniform(0, 1).
fn random_policy(states: usize, actions: usize, rng: &mut ChaCha8Rng) -> Array2<f64> {
    let mut pi = Array2::from_shape_fn((states, actions), |_| (3.0 * rng.random::<f64>()).exp());
    for mut row in pi.rows_mut() {
        let total = row.sum();
        row /= total;
    }
    pi
}

/// A random distribution over state-action pairs, positive everywhere.
fn random_distribution(states: usize, actions: usize, rng: &mut ChaCha8Rng) -> Array2<f64> {
    let mut mu = Array2::from_shape_fn((states, actions), |_| 0.01 + rng.random::<f64>());
    let total = mu.sum();
    mu /= total;
    mu
}

/// d^π_ρ(s)·π(a|s): the discounted state-action occupancy started from ρ × π.
fn occupancy_distribution(mdp: &TabularMdp, pi: &Array2<f64>) -> Array2<f64> {
    let d = occupancy(mdp, pi.view()).unwrap();
    Array2::from_shape_fn(pi.dim(), |(s, a)| d[s] * pi[[s, a]])
}

/// Φw by LSTD-Q's normal equations Φᵀ D (Φ − γM_πΦ) w = Φᵀ D r, solved with nalgebra's LU
/// (full-rank features).
fn lstd_by_normal_equations(
    mdp: &TabularMdp,
    features: &FeatureMap,
    pi: &Array2<f64>,
    mu: &Array2<f64>,
) -> Vec<f64> {
    let pairs = mdp.n_states() * mdp.n_actions();
    let d = features.dimension();
    let phi = DMatrix::from_fn(pairs, d, |i, j| features.table()[[i, j]]);
    let m_nd = state_action_kernel(mdp, pi.view());
    let m = DMatrix::from_fn(pairs, pairs, |i, j| m_nd[[i, j]]);
    let weights = DMatrix::from_diagonal(&DVector::from_iterator(pairs, mu.iter().copied()));
    let r = DVector::from_iterator(pairs, mdp.expected_reward().iter().copied());
    let a = phi.transpose() * &weights * (&phi - &m * &phi * mdp.gamma());
    let b = phi.transpose() * &weights * &r;
    let w = a.lu().solve(&b).expect("LSTD-Q system solvable");
    (&phi * w).iter().copied().collect()
}

#[test]
fn the_fixed_point_is_lstd_q_and_the_one_hot_fixed_point_is_q() {
    let mut rng = ChaCha8Rng::seed_from_u64(1);
    for seed in 0..5 {
        let mdp = dense_garnet(6, 3, 0.9, seed);
        let pi = random_policy(6, 3, &mut rng);
        let mu = random_distribution(6, 3, &mut rng);
        let features = random_features(6, 3, 4, seed).unwrap();
        let exact = td_fixed_point(&mdp, &features, pi.view(), &mu).unwrap();
        let reference = lstd_by_normal_equations(&mdp, &features, &pi, &mu);
        let scale = exact.q.iter().fold(1.0f64, |m, q| m.max(q.abs()));
        for (got, want) in exact.fitted.iter().zip(&reference) {
            assert!((got - want).abs() < 1e-9 * scale, "{got} vs {want}");
        }
        // Q^π against policy evaluation.
        let values = policylab::exact::evaluate(&mdp, pi.view()).unwrap();
        for (got, want) in exact.q.iter().zip(values.q.iter()) {
            assert!((got - want).abs() < 1e-10 * scale);
        }
        // One-hot features: Π = I, so the fixed point is Q^π under any distribution.
        let tabular = td_fixed_point(&mdp, &one_hot(6, 3).unwrap(), pi.view(), &mu).unwrap();
        assert!(tabular.error < 1e-10 * scale, "{}", tabular.error);
        assert!(tabular.completeness_violation < 1e-10);
    }
}

/// Tsitsiklis & Van Roy's bound in its Pythagorean form, ‖Φw − Q‖_μ ≤ ‖ΠQ − Q‖_μ/√(1 − γ²), under
/// the stationary distribution; √γ-contraction form, ≤ ‖ΠQ − Q‖/√(1 − γ), under the discounted
/// occupancy; and the completeness bound under every distribution.
#[test]
fn the_fixed_point_obeys_its_bounds() {
    let mut rng = ChaCha8Rng::seed_from_u64(2);
    let (mut worst_stationary, mut worst_occupancy, mut worst_completeness) =
        (0.0f64, 0.0f64, 0.0f64);
    for seed in 0..40 {
        let (states, actions) = (3 + (seed as usize % 5), 2 + (seed as usize % 3));
        let gamma = 0.5 + 0.45 * rng.random::<f64>();
        let mdp = dense_garnet(states, actions, gamma, seed);
        let pi = random_policy(states, actions, &mut rng);
        let d = 1 + rng.random_range(0..states * actions - 1);
        let features = random_features(states, actions, d, 100 + seed).unwrap();
        let stationary = stationary_distribution(&mdp, pi.view()).unwrap();
        let on = td_fixed_point(&mdp, &features, pi.view(), &stationary).unwrap();
        worst_stationary =
            worst_stationary.max(on.error / (on.projection_error / (1.0 - gamma * gamma).sqrt()));
        assert!(on.amplification <= 1.0 / (1.0 - gamma) * (1.0 + 1e-9));
        let occupancy = occupancy_distribution(&mdp, &pi);
        let discounted = td_fixed_point(&mdp, &features, pi.view(), &occupancy).unwrap();
        worst_occupancy = worst_occupancy
            .max(discounted.error / (discounted.projection_error / (1.0 - gamma).sqrt()));
        for result in [on, discounted] {
            worst_completeness = worst_completeness.max(result.error / result.completeness_bound());
        }
        let mu = random_distribution(states, actions, &mut rng);
        if let Ok(off) = td_fixed_point(&mdp, &features, pi.view(), &mu) {
            worst_completeness = worst_completeness.max(off.error / off.completeness_bound());
        }
    }
    assert!(
        worst_stationary <= 1.0 + 1e-9,
        "stationary ratio {worst_stationary}"
    );
    assert!(
        worst_occupancy <= 1.0 + 1e-9,
        "occupancy ratio {worst_occupancy}"
    );
    assert!(
        worst_completeness <= 1.0 + 1e-9,
        "completeness ratio {worst_completeness}"
    );
}

/// Realizable (Q^π ∈ span Φ) but not complete: the fixed point is still Q^π under any
/// distribution where it exists; in a linear MDP the features are complete for every policy.
#[test]
fn realizability_and_completeness() {
    let mut rng = ChaCha8Rng::seed_from_u64(3);
    for seed in 0..5 {
        let mdp = dense_garnet(5, 3, 0.9, seed);
        let pi = random_policy(5, 3, &mut rng);
        let q = policylab::exact::evaluate(&mdp, pi.view()).unwrap().q;
        let noise = random_features(5, 3, 2, seed).unwrap();
        let mut table = Array2::zeros((15, 3));
        table
            .column_mut(0)
            .assign(&Array1::from_iter(q.iter().copied()));
        table.slice_mut(ndarray::s![.., 1..]).assign(noise.table());
        let features = FeatureMap::new(5, 3, table).unwrap();
        let mu = random_distribution(5, 3, &mut rng);
        let result = td_fixed_point(&mdp, &features, pi.view(), &mu).unwrap();
        assert!(result.projection_error < 1e-10);
        assert!(
            result.completeness_violation > 1e-3,
            "{}",
            result.completeness_violation
        );
        assert!(result.error < 1e-9, "{}", result.error);

        let (linear, map) = LinearMdpParams {
            states: 8,
            actions: 3,
            dimension: 4,
            gamma: 0.9,
            seed,
            ..LinearMdpParams::default()
        }
        .build()
        .unwrap();
        let pi = random_policy(8, 3, &mut rng);
        let mu = random_distribution(8, 3, &mut rng);
        let result = td_fixed_point(&linear, &map, pi.view(), &mu).unwrap();
        assert!(result.completeness_violation < 1e-10);
        assert!(result.reward_residual < 1e-12);
        assert!(result.error < 1e-10, "{}", result.error);
    }
}

#[test]
fn bad_distributions_are_clear_errors() {
    let mdp = dense_garnet(4, 2, 0.9, 0);
    let pi = Array2::from_elem((4, 2), 0.5);
    let features = random_features(4, 2, 3, 0).unwrap();
    let mut mu = Array2::from_elem((4, 2), 1.0 / 8.0);
    mu[[1, 1]] = -0.125;
    mu[[1, 0]] = 0.375;
    let error = td_fixed_point(&mdp, &features, pi.view(), &mu).unwrap_err();
    assert!(error.to_string().contains("non-negative"), "{error}");
    mu[[1, 1]] = 0.0;
    mu[[1, 0]] = 0.25;
    let zero = td_fixed_point(&mdp, &features, pi.view(), &mu).unwrap();
    assert!(zero.amplification.is_infinite() && zero.error.is_finite());
    let wrong = one_hot(3, 2).unwrap();
    let error =
        td_fixed_point(&mdp, &wrong, pi.view(), &Array2::from_elem((4, 2), 0.125)).unwrap_err();
    assert!(error.to_string().contains("features"), "{error}");
}
