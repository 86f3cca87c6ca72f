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
        buffer_copies: 2,
        boosters: 1,
        gamma: 0.9,
        c_p: 0.1,
    }
    .build()
    .unwrap();
    let logits = Array2::from_shape_fn((chain.n_states(), 3), |(s, a)| ((3 * s + a) as f64).sin());
    check_against_finite_differences(&chain, logits);
}
