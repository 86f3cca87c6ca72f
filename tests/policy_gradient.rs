//! The exact softmax policy gradient against central finite differences of J(θ) = ρᵀV^{π_θ}.

use std::path::Path;

use ndarray::Array2;
use policylab::exact::evaluate;
use policylab::policy::{TabularSoftmax, softmax_gradient};
use policylab::world::generate::{GarnetParams, HardChainParams};
use policylab::world::{TabularMdp, format};

fn objective(mdp: &TabularMdp, logits: &Array2<f64>) -> f64 {
    let policy = TabularSoftmax::from_logits(mdp, logits.clone()).unwrap();
    evaluate(mdp, policy.probabilities().view())
        .unwrap()
        .objective(mdp)
}

fn check_against_finite_differences(mdp: &TabularMdp, logits: Array2<f64>) {
    let policy = TabularSoftmax::from_logits(mdp, logits.clone()).unwrap();
    let exact = softmax_gradient(mdp, policy.probabilities().view()).unwrap();
    let h = 1e-5;
    for s in 0..mdp.n_states() {
        for a in 0..mdp.n_actions() {
            if !mdp.is_allowed(s, a) {
                assert_eq!(exact.gradient[[s, a]], 0.0);
                continue;
            }
            let (mut plus, mut minus) = (logits.clone(), logits.clone());
            plus[[s, a]] += h;
            minus[[s, a]] -= h;
            let numeric = (objective(mdp, &plus) - objective(mdp, &minus)) / (2.0 * h);
            let error = (numeric - exact.gradient[[s, a]]).abs();
            assert!(
                error <= 1e-6,
                "{}: ∂J/∂θ({s},{a}) exact {} vs numeric {numeric}",
                mdp.name(),
                exact.gradient[[s, a]]
            );
        }
    }
}

#[test]
fn softmax_gradient_matches_finite_differences() {
    for seed in 0..3 {
        let mdp = GarnetParams {
            states: 8,
            actions: 3,
            branching: 3,
            gamma: 0.9,
            seed,
        }
        .build()
        .unwrap();
        let logits = Array2::from_shape_fn((8, 3), |(s, a)| {
            ((s * 7 + a * 3 + seed as usize) as f64).sin() * 2.0
        });
        check_against_finite_differences(&mdp, logits);
    }
    // Done transitions (FrozenLake, γ = 0.9) and unavailable actions (a small Li et al. chain).
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let lake = format::load(&root.join("mdps/frozenlake4x4.json"))
        .unwrap()
        .with_gamma(0.9)
        .unwrap();
    let logits = Array2::from_shape_fn((16, 4), |(s, a)| ((s + 2 * a) as f64).cos());
    check_against_finite_differences(&lake, logits);
    let chain = HardChainParams {
        length: 4,
        buffer1: 2,
        buffer2: 3,
        boosters: 1,
        gamma: 0.9,
        c_p: 0.1,
        modified_boosters: true,
        states: 40,
    }
    .build()
    .unwrap();
    let logits = Array2::from_shape_fn((chain.n_states(), 3), |(s, a)| ((3 * s + a) as f64).sin());
    check_against_finite_differences(&chain, logits);
}

/// Direct parameterization (Agarwal et al. 2021, Eq. 4.1): ∂J/∂π(a|s) = d(s)·Q(s, a)/(1−γ).
/// J is checked along the feasible directions e_(s,a) − e_(s,b) that keep each row summing to 1.
#[test]
fn direct_gradient_matches_finite_differences_along_the_simplex() {
    use policylab::policy::direct::direct_gradient;
    let mdp = GarnetParams {
        states: 6,
        actions: 3,
        branching: 2,
        gamma: 0.8,
        seed: 5,
    }
    .build()
    .unwrap();
    let logits = Array2::from_shape_fn((6, 3), |(s, a)| ((s * 5 + a * 2) as f64).cos());
    let policy = TabularSoftmax::from_logits(&mdp, logits)
        .unwrap()
        .probabilities();
    let gradient = direct_gradient(&mdp, &policy).unwrap();
    let value = |p: &Array2<f64>| evaluate(&mdp, p.view()).unwrap().objective(&mdp);
    let h = 1e-6;
    for s in 0..6 {
        for (a, b) in [(0, 1), (1, 2), (0, 2)] {
            let (mut plus, mut minus) = (policy.clone(), policy.clone());
            plus[[s, a]] += h;
            plus[[s, b]] -= h;
            minus[[s, a]] -= h;
            minus[[s, b]] += h;
            let numeric = (value(&plus) - value(&minus)) / (2.0 * h);
            let exact = gradient[[s, a]] - gradient[[s, b]];
            assert!(
                (numeric - exact).abs() < 1e-6,
                "s={s} ({a},{b}): {exact} vs {numeric}"
            );
        }
    }
}

/// Projected PG with Agarwal et al.'s step (1−γ)³/(2γ|A|) ascends J monotonically and, with a
/// larger step, reaches the optimum (Theorem 4.2 holds for any start distribution of full support).
#[test]
fn projected_pg_ascends_and_converges() {
    use policylab::algo::{Problem, ProjectedPg, run};
    let mdp = GarnetParams {
        states: 6,
        actions: 3,
        branching: 2,
        gamma: 0.8,
        seed: 5,
    }
    .build()
    .unwrap();
    let problem = Problem::new(mdp).unwrap();
    let mut gaps = Vec::new();
    run(
        &ProjectedPg::new(None).unwrap(),
        &problem,
        300,
        0,
        |_, r| gaps.push(r.get("gap").unwrap()),
    )
    .unwrap();
    assert!(
        gaps.windows(2).all(|w| w[1] <= w[0] + 1e-12),
        "monotone ascent"
    );
    assert!(gaps[299] < gaps[0], "{} -> {}", gaps[0], gaps[299]);
    let mut last = f64::NAN;
    run(
        &ProjectedPg::new(Some(0.5)).unwrap(),
        &problem,
        200,
        0,
        |_, r| last = r.get("gap").unwrap(),
    )
    .unwrap();
    assert!(
        last < 1e-9,
        "gap after 200 projected steps with η = 0.5: {last}"
    );
}
