//! Finite-horizon softmax PG: the per-step exact gradient, and simultaneous against dynamic PG
//! (Klein, Weissmann & Döring 2024, "Beyond Stationarity").

use ndarray::Array2;
use policylab::algo::finite_horizon_pg::{
    NonStationarySoftmax, dynamic_pg, finite_horizon_gradient, simultaneous_pg,
};
use policylab::exact::evaluate_finite;
use policylab::policy::TabularSoftmax;
use policylab::world::generate::GarnetParams;
use policylab::world::{Horizon, TabularMdp};

fn world(steps: usize, seed: u64) -> TabularMdp {
    GarnetParams {
        states: 5,
        actions: 3,
        branching: 2,
        gamma: 0.9,
        seed,
    }
    .build()
    .unwrap()
    .with_horizon(Horizon::Finite { steps, gamma: 1.0 })
    .unwrap()
}

fn objective(mdp: &TabularMdp, policy: &NonStationarySoftmax) -> f64 {
    let p = policy.probabilities();
    let views: Vec<_> = p.iter().map(|x| x.view()).collect();
    evaluate_finite(mdp, &views).unwrap().objective(mdp)
}

#[test]
fn per_step_gradient_matches_finite_differences() {
    let mdp = world(4, 2);
    let tables = (0..4)
        .map(|h| {
            let logits =
                Array2::from_shape_fn((5, 3), |(s, a)| ((h * 11 + s * 3 + a) as f64).sin());
            TabularSoftmax::from_logits(&mdp, logits).unwrap()
        })
        .collect();
    let policy = NonStationarySoftmax { tables };
    let (gradients, _) = finite_horizon_gradient(&mdp, &policy).unwrap();
    let eps = 1e-5;
    for (h, gradient) in gradients.iter().enumerate() {
        for s in 0..5 {
            for a in 0..3 {
                let shifted = |delta: f64| {
                    let mut p = policy.clone();
                    let mut logits = p.tables[h].logits().clone();
                    logits[[s, a]] += delta;
                    p.tables[h] = TabularSoftmax::from_logits(&mdp, logits).unwrap();
                    objective(&mdp, &p)
                };
                let numeric = (shifted(eps) - shifted(-eps)) / (2.0 * eps);
                let exact = gradient[[s, a]];
                assert!(
                    (numeric - exact).abs() < 1e-7,
                    "h={h} s={s} a={a}: {exact} vs {numeric}"
                );
            }
        }
    }
}

/// Both methods ascend to the backward-induction optimum; dynamic PG freezes each step's table
/// once trained, so the tail gaps gap_h' (h' > h) no longer change while step h trains, and the
/// gap of the last step (a contextual bandit) falls first.
#[test]
fn simultaneous_and_dynamic_pg_approach_the_optimum() {
    let steps = 4;
    let iterations = 150;
    let mdp = world(steps, 1);
    let (_, simultaneous) = simultaneous_pg(&mdp, 1.0, steps * iterations).unwrap();
    let (_, dynamic) = dynamic_pg(&mdp, 1.0, iterations).unwrap();
    let uniform = NonStationarySoftmax::uniform(&mdp).unwrap();
    let start_gap = simultaneous.optimal_objective - objective(&mdp, &uniform);
    for (name, trace) in [("simultaneous", &simultaneous), ("dynamic", &dynamic)] {
        let gap = trace.optimal_objective - trace.objective.last().unwrap();
        eprintln!(
            "{name}: gap {start_gap} -> {gap} after {} iterations",
            trace.objective.len()
        );
        assert!(
            gap >= -1e-12 && gap < start_gap / 10.0,
            "{name}: {start_gap} -> {gap}"
        );
    }
    for h in (0..steps).rev() {
        let epoch = steps - 1 - h;
        let (begin, end) = (epoch * iterations, (epoch + 1) * iterations - 1);
        for later in h + 1..steps {
            let (a, b) = (
                dynamic.step_gaps[begin][later],
                dynamic.step_gaps[end][later],
            );
            assert_eq!(
                a, b,
                "gap of frozen step {later} moved while step {h} trained"
            );
        }
        assert!(
            dynamic.step_gaps[end][h] < dynamic.step_gaps[begin][h],
            "step {h} did not improve"
        );
    }
}
