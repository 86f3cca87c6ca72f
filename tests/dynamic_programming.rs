//! Properties of exact dynamic programming that hold on every world, checked on seeded Garnets
//! and on every shipped world: Bellman equations, VI = PI, the performance-difference lemma,
//! Monte-Carlo agreement, occupancy mass, finite-horizon optimality by brute force.

use std::path::Path;

use ndarray::{Array1, Array2};
use policylab::exact::bellman::{policy_average, sup_distance};
use policylab::exact::{
    backward_induction, discounted_visitation, evaluate, evaluate_finite, evaluate_iterative,
    occupancy, optimality_residual, policy_iteration, policy_residual, q_values, uniform_policy,
    value_iteration,
};
use policylab::world::generate::GarnetParams;

mod common;
use common::shipped_worlds;
use policylab::world::sample::sample_return;
use policylab::world::{Horizon, TabularMdp, format};
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;

fn garnet(states: usize, actions: usize, branching: usize, gamma: f64, seed: u64) -> TabularMdp {
    GarnetParams {
        states,
        actions,
        branching,
        gamma,
        seed,
    }
    .build()
    .unwrap()
}

/// A random stochastic policy with probabilities ∝ exp(2·N(0,1)-ish) over available actions.
fn random_policy(mdp: &TabularMdp, rng: &mut ChaCha8Rng) -> Array2<f64> {
    let mut policy = Array2::zeros((mdp.n_states(), mdp.n_actions()));
    for s in 0..mdp.n_states() {
        for a in 0..mdp.n_actions() {
            if mdp.is_allowed(s, a) {
                policy[[s, a]] = (4.0 * rng.random::<f64>() - 2.0).exp();
            }
        }
        let total: f64 = policy.row(s).sum();
        policy.row_mut(s).mapv_inplace(|p| p / total);
    }
    policy
}

/// A finite-horizon shipped world: backward induction's greedy non-stationary policy attains
/// V*_0, and no one of 200 random non-stationary policies beats it in any state.
fn check_finite_horizon_world(name: &str, mdp: &TabularMdp, steps: usize) {
    let optimal = backward_induction(mdp).unwrap();
    let greedy: Vec<_> = optimal.policy.iter().map(|p| p.view()).collect();
    let attained = evaluate_finite(mdp, &greedy).unwrap();
    assert!(
        sup_distance(attained.v[0].view(), optimal.v[0].view()) <= 1e-12,
        "{name}"
    );
    let mut rng = ChaCha8Rng::seed_from_u64(5);
    for _ in 0..200 {
        let tables: Vec<Array2<f64>> = (0..steps).map(|_| random_policy(mdp, &mut rng)).collect();
        let views: Vec<_> = tables.iter().map(|t| t.view()).collect();
        let values = evaluate_finite(mdp, &views).unwrap();
        for (s, (&v, &best)) in values.v[0].iter().zip(&optimal.v[0]).enumerate() {
            assert!(v <= best + 1e-12, "{name}: state {s}: {v} > V*_0 = {best}");
        }
    }
}

#[test]
fn value_and_policy_iteration_agree_on_every_shipped_world() {
    for (name, mdp) in shipped_worlds() {
        if let Horizon::Finite { steps, .. } = mdp.horizon() {
            // VI and PI are for discounted worlds; a finite horizon has its own check.
            check_finite_horizon_world(&name, &mdp, steps);
            continue;
        }
        let pi = policy_iteration(&mdp, 1000).unwrap();
        let vi = value_iteration(&mdp, 1e-10, 1_000_000).unwrap();
        let gap = sup_distance(pi.v.view(), vi.v.view());
        assert!(gap <= 1e-8, "{name}: |V_VI - V_PI| = {gap}");
        assert!(vi.value_error_bound <= 1e-10, "{name}");
        let residual = optimality_residual(&mdp, pi.v.view());
        assert!(
            residual <= 1e-10,
            "{name}: Bellman optimality residual {residual}"
        );
        // The greedy policy of VI is within its stated bound of optimal.
        let greedy_value = evaluate(&mdp, vi.policy.view()).unwrap();
        let loss = sup_distance(greedy_value.v.view(), pi.v.view());
        assert!(
            loss <= vi.policy_error_bound + 1e-10,
            "{name}: greedy loss {loss}"
        );
    }
}

#[test]
fn bellman_equations_hold_on_random_garnets() {
    let mut rng = ChaCha8Rng::seed_from_u64(11);
    for seed in 0..6 {
        for &gamma in &[0.0, 0.5, 0.9, 0.99] {
            let mdp = garnet(15, 4, 3, gamma, seed);
            let policy = random_policy(&mdp, &mut rng);
            let values = evaluate(&mdp, policy.view()).unwrap();
            let residual = policy_residual(&mdp, policy.view(), values.v.view());
            assert!(
                residual <= 1e-10,
                "seed {seed} γ {gamma}: residual {residual}"
            );
            // V(s) = Σ_a π(a|s) Q(s, a) and Σ_a π(a|s) A(s, a) = 0.
            let averaged = policy_average(policy.view(), values.q.view());
            assert!(sup_distance(averaged.view(), values.v.view()) <= 1e-10);
            let advantage_mean = policy_average(policy.view(), values.advantage().view());
            assert!(advantage_mean.iter().all(|x| x.abs() <= 1e-10));
            let optimal = policy_iteration(&mdp, 1000).unwrap();
            assert!(optimality_residual(&mdp, optimal.v.view()) <= 1e-10);
            // No policy beats V* anywhere.
            assert!(
                values
                    .v
                    .iter()
                    .zip(optimal.v.iter())
                    .all(|(v, o)| *v <= o + 1e-10)
            );
            let vi = value_iteration(&mdp, 1e-10, 1_000_000).unwrap();
            assert!(sup_distance(vi.v.view(), optimal.v.view()) <= 1e-8);
        }
    }
}

#[test]
fn iterative_evaluation_meets_its_bound() {
    let mut rng = ChaCha8Rng::seed_from_u64(5);
    for &gamma in &[0.5, 0.9, 0.99] {
        let mdp = garnet(30, 3, 4, gamma, 3);
        let policy = random_policy(&mdp, &mut rng);
        let direct = evaluate(&mdp, policy.view()).unwrap();
        for &tolerance in &[1e-3, 1e-8] {
            let iterative = evaluate_iterative(&mdp, policy.view(), tolerance, 1_000_000).unwrap();
            let error = sup_distance(iterative.values.v.view(), direct.v.view());
            assert!(iterative.error_bound <= tolerance);
            assert!(
                error <= iterative.error_bound + 1e-12,
                "γ {gamma}: error {error}"
            );
        }
    }
}

/// Kakade & Langford (2002), Lemma 6.1: J(π') − J(π) = 1/(1−γ)·Σ_s d^{π'}_ρ(s) Σ_a π'(a|s) A^π(s, a).
#[test]
fn performance_difference_lemma() {
    let mut rng = ChaCha8Rng::seed_from_u64(7);
    for seed in 0..5 {
        let mdp = garnet(12, 3, 3, 0.9, 100 + seed);
        for _ in 0..4 {
            let (pi, pi_new) = (random_policy(&mdp, &mut rng), random_policy(&mdp, &mut rng));
            let old = evaluate(&mdp, pi.view()).unwrap();
            let new = evaluate(&mdp, pi_new.view()).unwrap();
            let d_new = occupancy(&mdp, pi_new.view()).unwrap();
            let per_state = policy_average(pi_new.view(), old.advantage().view());
            let predicted = d_new.dot(&per_state) / (1.0 - mdp.gamma());
            let actual = new.objective(&mdp) - old.objective(&mdp);
            assert!(
                (predicted - actual).abs() <= 1e-10,
                "{predicted} vs {actual}"
            );
        }
    }
}

#[test]
fn occupancy_is_a_distribution_and_satisfies_the_flow_equation() {
    let mut rng = ChaCha8Rng::seed_from_u64(3);
    for &gamma in &[0.3, 0.9, 0.99] {
        let mdp = garnet(20, 4, 5, gamma, 9);
        let policy = random_policy(&mdp, &mut rng);
        let visits = discounted_visitation(&mdp, policy.view()).unwrap();
        assert!((visits.sum() - 1.0 / (1.0 - gamma)).abs() <= 1e-9 / (1.0 - gamma));
        assert!(visits.iter().all(|&x| x >= 0.0));
        let d = occupancy(&mdp, policy.view()).unwrap();
        assert!((d.sum() - 1.0).abs() <= 1e-10);
        // ν(s') = ρ(s') + γ Σ_{s,a} ν(s) π(a|s) P(s'|s,a).
        let mut flow = mdp.initial().clone();
        for s in 0..mdp.n_states() {
            for a in 0..mdp.n_actions() {
                let (next, probability) = mdp.kernel().row(s, a);
                for (&n, &p) in next.iter().zip(probability) {
                    flow[n] += gamma * visits[s] * policy[[s, a]] * p;
                }
            }
        }
        assert!(sup_distance(flow.view(), visits.view()) <= 1e-10);
        // J = ρᵀV = Σ_s ν(s)·r_π(s).
        let values = evaluate(&mdp, policy.view()).unwrap();
        let reward = policy_average(policy.view(), mdp.expected_reward().view());
        assert!((visits.dot(&reward) - values.objective(&mdp)).abs() <= 1e-10);
    }
}

/// Monte-Carlo returns (geometric termination, unbiased for J) agree with ρᵀV^π within 4
/// standard errors, on a Garnet, on FrozenLake (done transitions) and on a Bernoulli bandit.
#[test]
fn monte_carlo_returns_agree_with_exact_values() {
    let mut worlds = vec![("garnet".to_string(), garnet(10, 3, 3, 0.9, 4))];
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    worlds.push((
        "frozenlake γ=0.9".to_string(),
        format::load(&root.join("mdps/frozenlake4x4.json"))
            .unwrap()
            .with_gamma(0.9)
            .unwrap(),
    ));
    worlds.push((
        "bernoulli bandit".to_string(),
        policylab::world::generate::BanditParams {
            means: vec![0.2, 0.5, 0.9],
            bernoulli: true,
        }
        .build()
        .unwrap(),
    ));
    let mut rng = ChaCha8Rng::seed_from_u64(2024);
    for (name, mdp) in worlds {
        let policy = random_policy(&mdp, &mut rng);
        let exact = evaluate(&mdp, policy.view()).unwrap().objective(&mdp);
        let n = 40_000;
        let samples: Vec<f64> = (0..n)
            .map(|_| sample_return(&mdp, policy.view(), &mut rng))
            .collect();
        let mean = samples.iter().sum::<f64>() / n as f64;
        let variance = samples.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1) as f64;
        let standard_error = (variance / n as f64).sqrt();
        assert!(standard_error > 0.0, "{name}: degenerate returns");
        assert!(
            (mean - exact).abs() <= 4.0 * standard_error,
            "{name}: MC {mean} ± {standard_error} vs exact {exact}"
        );
    }
}

/// Backward induction is optimal among all deterministic non-stationary policies (enumerated on a
/// small world), and evaluating its policy gives back its values.
#[test]
fn backward_induction_beats_every_deterministic_policy() {
    let base = garnet(3, 2, 2, 0.5, 17);
    for &(steps, gamma) in &[(3usize, 1.0), (2, 0.7)] {
        let mdp = base.with_horizon(Horizon::Finite { steps, gamma }).unwrap();
        let solution = backward_induction(&mdp).unwrap();
        let views: Vec<_> = solution.policy.iter().map(|p| p.view()).collect();
        let replay = evaluate_finite(&mdp, &views).unwrap();
        for h in 0..=steps {
            assert!(sup_distance(replay.v[h].view(), solution.v[h].view()) <= 1e-12);
        }
        // Enumerate every deterministic policy: A^(S·H) = 2^(3·steps).
        let (s_count, a_count) = (mdp.n_states(), mdp.n_actions());
        let choices = s_count * steps;
        let mut best = Array1::from_elem(s_count, f64::NEG_INFINITY);
        for code in 0..a_count.pow(choices as u32) {
            let mut remaining = code;
            let tables: Vec<Array2<f64>> = (0..steps)
                .map(|_| {
                    let mut table = Array2::zeros((s_count, a_count));
                    for s in 0..s_count {
                        table[[s, remaining % a_count]] = 1.0;
                        remaining /= a_count;
                    }
                    table
                })
                .collect();
            let views: Vec<_> = tables.iter().map(|t| t.view()).collect();
            let values = evaluate_finite(&mdp, &views).unwrap();
            for s in 0..s_count {
                best[s] = best[s].max(values.v[0][s]);
            }
        }
        assert!(
            sup_distance(best.view(), solution.v[0].view()) <= 1e-12,
            "H {steps}"
        );
        // A finite horizon of H steps equals H sweeps of the Bellman operator from 0.
        let mut v = Array1::zeros(s_count);
        for _ in 0..steps {
            let q = policylab::exact::bellman::q_values_with_gamma(&mdp, v.view(), gamma);
            v = policylab::exact::bellman::state_maxima(&mdp, q.view());
        }
        assert!(sup_distance(v.view(), solution.v[0].view()) <= 1e-12);
    }
}

#[test]
fn finite_horizon_monte_carlo_agrees() {
    let mdp = garnet(6, 3, 2, 0.5, 8)
        .with_horizon(Horizon::Finite {
            steps: 5,
            gamma: 1.0,
        })
        .unwrap();
    let policy = uniform_policy(&mdp);
    let exact = evaluate_finite(&mdp, &[policy.view()])
        .unwrap()
        .objective(&mdp);
    let mut rng = ChaCha8Rng::seed_from_u64(99);
    let n = 20_000;
    let samples: Vec<f64> = (0..n)
        .map(|_| sample_return(&mdp, policy.view(), &mut rng))
        .collect();
    let mean = samples.iter().sum::<f64>() / n as f64;
    let sd = (samples.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1) as f64).sqrt();
    assert!(
        (mean - exact).abs() <= 4.0 * sd / (n as f64).sqrt(),
        "{mean} vs {exact}"
    );
}

#[test]
fn q_values_use_only_transitions_that_are_not_done() {
    // FrozenLake: holes and the goal are absorbing with done = true, so their values are zero,
    // and a done transition into the goal pays 1 without future value.
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mdp = format::load(&root.join("mdps/frozenlake4x4.json")).unwrap();
    assert_eq!(mdp.terminal_states(), vec![5, 7, 11, 12, 15]);
    let v = Array1::from_elem(mdp.n_states(), 1.0);
    let q = q_values(&mdp, v.view());
    for s in [5, 7, 11, 12, 15] {
        assert!(q.row(s).iter().all(|&x| x == 0.0));
    }
    // From 14, action 2 (right): 1/3 to 15 (done, reward 1), 1/3 to 10, 1/3 to 14 (slips).
    let expected = 1.0 / 3.0 + 0.99 * (2.0 / 3.0);
    assert!((q[[14, 2]] - expected).abs() < 1e-12);
}

/// One factorization for values and occupancy gives the same numbers as the two separate solves.
#[test]
fn shared_factorization_matches_separate_solves() {
    use policylab::exact::{evaluate, evaluate_with_occupancy, occupancy};
    use policylab::policy::TabularSoftmax;
    let mdp = policylab::world::generate::GarnetParams {
        states: 30,
        actions: 4,
        branching: 3,
        gamma: 0.95,
        seed: 9,
    }
    .build()
    .unwrap();
    let logits = ndarray::Array2::from_shape_fn((30, 4), |(s, a)| ((s * 4 + a) as f64).sin());
    let policy = TabularSoftmax::from_logits(&mdp, logits)
        .unwrap()
        .probabilities();
    let (values, d) = evaluate_with_occupancy(&mdp, policy.view()).unwrap();
    let separate = evaluate(&mdp, policy.view()).unwrap();
    let d_separate = occupancy(&mdp, policy.view()).unwrap();
    let difference = |a: &ndarray::Array1<f64>, b: &ndarray::Array1<f64>| {
        (a - b).iter().fold(0.0f64, |m, x| m.max(x.abs()))
    };
    assert!(difference(&values.v, &separate.v) < 1e-12);
    assert!(difference(&d, &d_separate) < 1e-14);
    assert!((d.sum() - 1.0).abs() < 1e-12);
}
