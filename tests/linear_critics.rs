//! The sampled linear critics (src/estimator/linear_critic.rs) against the exact ones: the pairs
//! they draw follow d^π_ν, their Monte-Carlo targets are unbiased for Q^π, the regression and
//! LSTD-Q converge to the exact fits as the batch grows, and a sampled run is reproducible.

use ndarray::Array2;
use policylab::estimator::linear_critic::{
    StartAction, lstd_q, regress_advantage, regress_q, sample_advantage_targets, sample_q_targets,
    sample_transitions,
};
use policylab::exact::{evaluate, state_action_occupancy, td_fixed_point};
use policylab::policy::LogLinear;
use policylab::policy::log_linear::{Regression, log_linear_gradient_with};
use policylab::world::TabularMdp;
use policylab::world::generate::features::random_features;
use policylab::world::generate::{GarnetParams, LinearMdpParams};
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

fn garnet() -> TabularMdp {
    GarnetParams {
        states: 6,
        actions: 3,
        branching: 3,
        gamma: 0.8,
        seed: 4,
    }
    .build()
    .unwrap()
}

/// π(a|s) ∝ exp(a·(s mod 3)/2): stochastic, different in every state.
fn policy(states: usize, actions: usize) -> Array2<f64> {
    let mut pi = Array2::from_shape_fn((states, actions), |(s, a)| {
        (a as f64 * (s % 3) as f64 / 2.0).exp()
    });
    for mut row in pi.rows_mut() {
        let total = row.sum();
        row /= total;
    }
    pi
}

/// ν = ρ × Unif over the available actions.
fn uniform_start(mdp: &TabularMdp) -> Array2<f64> {
    let actions = mdp.n_actions();
    let allowed = mdp.allowed_mask();
    Array2::from_shape_fn((mdp.n_states(), actions), |(s, a)| {
        let available = (0..actions).filter(|&b| allowed[s * actions + b]).count();
        if allowed[s * actions + a] {
            mdp.initial()[s] / available as f64
        } else {
            0.0
        }
    })
}

/// Frequencies of 200 000 drawn pairs against d^π_ν normalized, within 5 standard errors, on a
/// Garnet and on FrozenLake (point-mass ρ, `done` transitions: a draw that ends `done` before the
/// coin is restarted, which normalizes d^π_ν); and, on the Garnet, the Monte-Carlo targets' mean
/// per pair against Q^π within 5 standard errors.
#[test]
fn pairs_follow_the_occupancy_and_targets_are_unbiased() {
    let frozenlake =
        policylab::world::format::load(std::path::Path::new("mdps/frozenlake4x4.json"))
            .unwrap()
            .with_gamma(0.9)
            .unwrap();
    for mdp in [garnet(), frozenlake] {
        let (states, actions) = (mdp.n_states(), mdp.n_actions());
        let pi = policy(states, actions);
        let exact = state_action_occupancy(&mdp, pi.view(), &uniform_start(&mdp)).unwrap();
        let d = &exact / exact.sum();
        let q = evaluate(&mdp, pi.view()).unwrap().q;
        let n = 200_000;
        let mut rng = ChaCha8Rng::seed_from_u64(11);
        let targets = sample_q_targets(&mdp, pi.view(), n, StartAction::Uniform, &mut rng).unwrap();
        let mut count = Array2::<f64>::zeros((states, actions));
        let mut sum = Array2::<f64>::zeros((states, actions));
        let mut squares = Array2::<f64>::zeros((states, actions));
        for &(s, a, value) in &targets {
            count[[s, a]] += 1.0;
            sum[[s, a]] += value;
            squares[[s, a]] += value * value;
        }
        for s in 0..states {
            for a in 0..actions {
                let p = d[[s, a]];
                let frequency = count[[s, a]] / n as f64;
                let error = (p * (1.0 - p) / n as f64).sqrt();
                assert!(
                    (frequency - p).abs() <= 5.0 * error + 1e-12,
                    "{}: ({s}, {a}) drawn {frequency}, d = {p}",
                    mdp.name()
                );
                let k = count[[s, a]];
                // The returns' standard error is estimated from the sample, which needs a reward
                // that is not rare: FrozenLake's single goal reward is, so Q̂ is checked on the
                // Garnet (Uniform(0, 1) rewards in every pair).
                if k >= 500.0 && !mdp.name().starts_with("frozenlake") {
                    let mean = sum[[s, a]] / k;
                    let variance = (squares[[s, a]] / k - mean * mean).max(0.0);
                    let standard_error = (variance / k).sqrt();
                    assert!(
                        (mean - q[[s, a]]).abs() <= 5.0 * standard_error + 1e-12,
                        "{}: Q̂({s}, {a}) mean {mean} vs Q {} (SE {standard_error})",
                        mdp.name(),
                        q[[s, a]]
                    );
                }
            }
        }
    }
}

/// The sampled regressions (Q on φ; advantages on φ̄) and LSTD-Q approach the exact fits as the
/// batch grows: the regressions' excess losses ε_stat and LSTD-Q's distance to the fixed point at 32 000 samples are below a
/// fifth of those at 1 000 (least squares: ε_stat ~ 1/N; LSTD-Q's distance ~ 1/√N).
#[test]
fn sampled_fits_converge_to_the_exact_ones() {
    let mdp = garnet();
    let features = random_features(6, 3, 4, 2).unwrap();
    let theta = ndarray::Array1::from(vec![0.3, -0.2, 0.5, 0.1]);
    let policy = LogLinear::new(&features, theta).unwrap();
    let exact =
        log_linear_gradient_with(&mdp, &features, &policy, Regression::UniformStart).unwrap();
    let pi = policy.probabilities(&features);
    let td = td_fixed_point(&mdp, &features, pi.view(), &exact.regression_weights).unwrap();
    let mut excess = Vec::new();
    let mut advantage_excess = Vec::new();
    let mut distance = Vec::new();
    for n in [1_000, 32_000] {
        let mut rng = ChaCha8Rng::seed_from_u64(5);
        let targets = sample_q_targets(&mdp, pi.view(), n, StartAction::Uniform, &mut rng).unwrap();
        let w = regress_q(&features, &targets).unwrap();
        let loss = exact.regression_loss(&exact.q_residual_of(&features, &w));
        excess.push(loss - exact.q_approximation_error);
        let targets =
            sample_advantage_targets(&mdp, pi.view(), n, StartAction::Uniform, &mut rng).unwrap();
        let w = regress_advantage(&features, pi.view(), &targets).unwrap();
        let loss = exact.regression_loss(&exact.compatible_residual_of(&w));
        advantage_excess.push(loss - exact.approximation_error);
        let transitions =
            sample_transitions(&mdp, pi.view(), n, StartAction::Uniform, &mut rng).unwrap();
        let w = lstd_q(&features, &transitions, mdp.gamma()).unwrap();
        let gap = exact.q_residual_of(&features, &w) - exact.q_residual_of(&features, &td.weights);
        distance.push(exact.regression_loss(&gap).sqrt());
    }
    assert!(excess[0] >= 0.0 && excess[1] >= 0.0, "{excess:?}");
    assert!(excess[1] < excess[0] / 5.0, "{excess:?}");
    assert!(advantage_excess[0] >= 0.0, "{advantage_excess:?}");
    assert!(
        advantage_excess[1] < advantage_excess[0] / 5.0,
        "{advantage_excess:?}"
    );
    assert!(distance[1] < distance[0] / 3.0, "{distance:?}");
}

/// A sampled Q-NPG run on a linear MDP: the same seed gives the same bits, another seed another
/// run, and with 2 000 samples a step it still approaches the optimum.
#[test]
fn a_sampled_run_is_reproducible() {
    use policylab::algo::catalogue::run_named;
    use policylab::exact::Problem;
    let (mdp, features) = LinearMdpParams {
        states: 10,
        actions: 3,
        dimension: 4,
        seed: 3,
        ..LinearMdpParams::default()
    }
    .build()
    .unwrap();
    let world = Problem::new(mdp).unwrap().with_features(features).unwrap();
    let run = |seed: u64| {
        let mut gaps = Vec::new();
        run_named(
            "q-npg",
            &[("step_size".into(), 0.05), ("samples".into(), 2000.0)],
            &world,
            60,
            seed,
            |_, record| gaps.push(record.get("gap").unwrap()),
        )
        .unwrap();
        gaps
    };
    let (first, again, other) = (run(1), run(1), run(2));
    assert_eq!(first, again);
    assert_ne!(first, other);
    assert!(first[59] < first[0] / 3.0, "{} → {}", first[0], first[59]);
}

/// With the first action drawn from π the pairs follow the on-policy d^π_ρ × π (the distribution
/// of `uniform_start = 0`), within 5 standard errors over 200 000 draws.
#[test]
fn policy_started_pairs_follow_the_on_policy_distribution() {
    let mdp = garnet();
    let pi = policy(6, 3);
    let d = policylab::exact::occupancy(&mdp, pi.view()).unwrap();
    let n = 200_000;
    let mut rng = ChaCha8Rng::seed_from_u64(12);
    let transitions =
        sample_transitions(&mdp, pi.view(), n, StartAction::Policy, &mut rng).unwrap();
    let mut count = Array2::<f64>::zeros((6, 3));
    for t in &transitions {
        count[[t.state, t.action]] += 1.0;
    }
    for s in 0..6 {
        for a in 0..3 {
            let p = d[s] * pi[[s, a]];
            let frequency = count[[s, a]] / n as f64;
            let error = (p * (1.0 - p) / n as f64).sqrt();
            assert!(
                (frequency - p).abs() <= 5.0 * error,
                "({s}, {a}): {frequency} vs {p}"
            );
        }
    }
}
