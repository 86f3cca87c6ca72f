//! The world interface checked on the smallest versions of the coming world families, written
//! here as test doubles exactly as `src/world/interface.rs` sketches them:
//!
//! - a static robust MDP: nature picks, for the current policy, the worst of a finite set of
//!   models (Danskin: the gradient is the worst model's gradient where the worst case is unique);
//! - a player of a matrix game facing a fixed opponent: a one-state world with
//!   Q(a) = Σ_b A(a, b)·σ(b), whose reference is the best response;
//!
//! plus the exact bandit and the finite-horizon world through the catalogue. Every algorithm runs
//! on them through `run_named`, unchanged.

use ndarray::{Array1, Array2, ArrayView2, arr1, arr2};
use policylab::algo::catalogue::{algorithms, run_named};
use policylab::bandit::ExactBandit;
use policylab::core::error::Result;
use policylab::exact::{FiniteHorizonWorld, Problem, evaluate};
use policylab::world::generate::{BanditParams, GarnetParams};
use policylab::world::interface::{Evaluation, Reference, StageValues, World, WorldKind};
use policylab::world::{Horizon, TabularMdp};

/// The static robust MDP of a finite set of models (same states, actions, ρ and γ).
struct WorstOfModels {
    models: Vec<Problem>,
    reference: Reference,
}

impl WorstOfModels {
    fn new(seeds: &[u64]) -> Self {
        let models: Vec<Problem> = seeds
            .iter()
            .map(|&seed| {
                let mdp = GarnetParams {
                    states: 5,
                    actions: 3,
                    branching: 2,
                    gamma: 0.8,
                    seed,
                }
                .build()
                .unwrap();
                Problem::new(mdp).unwrap()
            })
            .collect();
        // min_k J*_k bounds the robust optimum max_π min_k J_k(π) from above; the double reports
        // its gap against that bound (a real robust world computes the robust optimum).
        let bound = models
            .iter()
            .map(|m| m.optimal_objective)
            .fold(f64::INFINITY, f64::min);
        let reference = Reference {
            optimal_objective: bound,
            optimal_actions: vec![vec![Vec::new(); 5]],
        };
        WorstOfModels { models, reference }
    }

    /// min_k J_k(π), computed by plain policy evaluation of each model.
    fn worst_objective(&self, policy: ArrayView2<'_, f64>) -> f64 {
        self.models
            .iter()
            .map(|m| evaluate(&m.mdp, policy).unwrap().objective(&m.mdp))
            .fold(f64::INFINITY, f64::min)
    }
}

impl World for WorstOfModels {
    fn kind(&self) -> WorldKind {
        WorldKind::Other
    }
    fn stages(&self) -> usize {
        1
    }
    fn n_states(&self) -> usize {
        5
    }
    fn n_actions(&self) -> usize {
        3
    }
    fn allowed_mask(&self) -> &[bool] {
        self.models[0].mdp.allowed_mask()
    }
    fn initial(&self) -> &Array1<f64> {
        self.models[0].mdp.initial()
    }
    fn gamma(&self) -> f64 {
        0.8
    }
    /// Nature's best reply to π: the model of least J(π), evaluated.
    fn evaluate(&self, policy: &[ArrayView2<'_, f64>]) -> Result<Evaluation> {
        let mut worst: Option<Evaluation> = None;
        for model in &self.models {
            let evaluation = model.evaluate(policy)?;
            if worst
                .as_ref()
                .is_none_or(|w| evaluation.objective < w.objective)
            {
                worst = Some(evaluation);
            }
        }
        Ok(worst.expect("the double holds at least one model"))
    }
    fn reference(&self) -> &Reference {
        &self.reference
    }
    fn model(&self) -> Option<&TabularMdp> {
        None
    }
}

/// Row player of a matrix game against a fixed mixed strategy σ of the column player.
struct PlayerView {
    q: Array2<f64>,
    allowed: Vec<bool>,
    initial: Array1<f64>,
    reference: Reference,
}

impl PlayerView {
    fn new(payoff: Array2<f64>, opponent: Array1<f64>) -> Self {
        let q = payoff.dot(&opponent).insert_axis(ndarray::Axis(0));
        let best = q.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        let best_responses = (0..q.ncols()).filter(|&a| q[[0, a]] == best).collect();
        PlayerView {
            allowed: vec![true; q.ncols()],
            initial: arr1(&[1.0]),
            reference: Reference {
                optimal_objective: best,
                optimal_actions: vec![vec![best_responses]],
            },
            q,
        }
    }
}

impl World for PlayerView {
    fn kind(&self) -> WorldKind {
        WorldKind::Other
    }
    fn stages(&self) -> usize {
        1
    }
    fn n_states(&self) -> usize {
        1
    }
    fn n_actions(&self) -> usize {
        self.q.ncols()
    }
    fn allowed_mask(&self) -> &[bool] {
        &self.allowed
    }
    fn initial(&self) -> &Array1<f64> {
        &self.initial
    }
    fn gamma(&self) -> f64 {
        0.0
    }
    fn evaluate(&self, policy: &[ArrayView2<'_, f64>]) -> Result<Evaluation> {
        let value = policy[0].row(0).dot(&self.q.row(0));
        Ok(Evaluation {
            stages: vec![StageValues {
                v: arr1(&[value]),
                q: self.q.clone(),
                occupancy: arr1(&[1.0]),
                gradient_weight: 1.0,
            }],
            objective: value,
            gradient_divisor: 1.0,
        })
    }
    fn reference(&self) -> &Reference {
        &self.reference
    }
    fn model(&self) -> Option<&TabularMdp> {
        None
    }
}

/// Garnet(4, 3, branching 2, seed 5) over `steps` undiscounted steps.
fn finite_garnet(steps: usize) -> FiniteHorizonWorld {
    let mdp = GarnetParams {
        states: 4,
        actions: 3,
        branching: 2,
        gamma: 0.9,
        seed: 5,
    }
    .build()
    .unwrap()
    .with_horizon(Horizon::Finite { steps, gamma: 1.0 })
    .unwrap();
    FiniteHorizonWorld::new(mdp).unwrap()
}

fn softmax(logits: &Array2<f64>) -> Array2<f64> {
    let mut p = logits.mapv(f64::exp);
    for mut row in p.rows_mut() {
        let total = row.sum();
        row /= total;
    }
    p
}

/// Danskin's theorem on the static robust double: where one model is strictly the worst, the
/// interface's gradient (that model's) equals central finite differences of min_k J_k.
#[test]
fn robust_double_gradient_is_the_worst_models_by_danskin() {
    let world = WorstOfModels::new(&[1, 2, 3]);
    let logits = Array2::from_shape_fn((5, 3), |(s, a)| ((3 * s + 5 * a) as f64).sin());
    let policy = softmax(&logits);
    let objectives: Vec<f64> = world
        .models
        .iter()
        .map(|m| evaluate(&m.mdp, policy.view()).unwrap().objective(&m.mdp))
        .collect();
    let mut sorted = objectives.clone();
    sorted.sort_by(f64::total_cmp);
    assert!(
        sorted[1] - sorted[0] > 1e-3,
        "a unique worst case: {objectives:?}"
    );
    let evaluation = world.evaluate(&[policy.view()]).unwrap();
    assert_eq!(evaluation.objective, sorted[0]);
    let (gradient, _) = evaluation.softmax_gradient(&[policy.view()]);
    let eps = 1e-6;
    for s in 0..5 {
        for a in 0..3 {
            let shifted = |delta: f64| {
                let mut z = logits.clone();
                z[[s, a]] += delta;
                world.worst_objective(softmax(&z).view())
            };
            let numeric = (shifted(eps) - shifted(-eps)) / (2.0 * eps);
            assert!(
                (numeric - gradient[0][[s, a]]).abs() < 1e-8,
                "({s}, {a}): {} vs {numeric}",
                gradient[0][[s, a]]
            );
        }
    }
}

/// The catalogue on the robust double: the algorithms that need only evaluation run and improve
/// the worst-case return, recording it as J; those that need a fixed model are refused by name.
#[test]
fn catalogue_algorithms_run_on_the_robust_double() {
    let world = WorstOfModels::new(&[1, 2, 3]);
    for entry in algorithms() {
        let mut first_and_last = (None, None);
        let result = run_named(entry.name, &[], &world, 40, 0, |t, record| {
            let j = record.get("J").unwrap();
            if t == 0 {
                first_and_last.0 = Some(j);
            }
            first_and_last.1 = Some(j);
        });
        if entry.runs_on(WorldKind::Other) {
            result.unwrap_or_else(|e| panic!("{}: {e}", entry.name));
            let (first, last) = (first_and_last.0.unwrap(), first_and_last.1.unwrap());
            let uniform = Array2::from_elem((5, 3), 1.0 / 3.0);
            assert!(
                (first - world.worst_objective(uniform.view())).abs() < 1e-12,
                "{}: J_0 is the uniform policy's worst case",
                entry.name
            );
            assert!(last > first, "{}: {first} -> {last}", entry.name);
        } else {
            let message = result.unwrap_err().to_string();
            assert!(message.contains("runs on"), "{}: {message}", entry.name);
        }
    }
}

/// A player facing rock-paper-scissors' σ = (0.5, 0.3, 0.2): Q = A·σ = (−0.1, 0.3, −0.2) by
/// hand, the best response is paper with value 0.3, and NPG's gap (the player's exploitability
/// against σ) falls from 0.3 at the uniform strategy towards 0.
#[test]
fn a_game_player_view_finds_the_best_response() {
    let rock_paper_scissors = arr2(&[[0.0, -1.0, 1.0], [1.0, 0.0, -1.0], [-1.0, 1.0, 0.0]]);
    let world = PlayerView::new(rock_paper_scissors, arr1(&[0.5, 0.3, 0.2]));
    for (a, expected) in [-0.1, 0.3, -0.2].into_iter().enumerate() {
        assert!((world.q[[0, a]] - expected).abs() < 1e-15);
    }
    let mut gaps = Vec::new();
    run_named("npg", &[], &world, 200, 0, |_, record| {
        gaps.push(record.get("gap").unwrap());
    })
    .unwrap();
    assert!((gaps[0] - 0.3).abs() < 1e-15, "uniform: J = 0, gap 0.3");
    assert!(
        gaps.windows(2).all(|w| w[1] <= w[0]),
        "NPG's gap never rises"
    );
    assert!(gaps[199] < 1e-6, "gap after 200 steps: {}", gaps[199]);
}

/// The exact bandit and the same bandit as a one-state MDP with `done` pulls give the same
/// trajectory of softmax PG and NPG (two independent evaluation paths).
#[test]
fn exact_bandit_agrees_with_the_one_state_mdp() {
    let means = [1.0, 0.9, 0.1];
    let exact = ExactBandit::new(&means, false).unwrap();
    let as_mdp = Problem::new(
        BanditParams {
            means: means.to_vec(),
            bernoulli: false,
        }
        .build()
        .unwrap(),
    )
    .unwrap();
    assert_eq!(exact.kind(), WorldKind::Bandit);
    for name in ["softmax-pg", "npg", "entropy-pg", "ppo-clip"] {
        let trajectory = |world: &dyn World| {
            let mut out = Vec::new();
            run_named(name, &[], world, 300, 0, |_, record| {
                out.push(record.get("J").unwrap())
            })
            .unwrap();
            out
        };
        let (a, b) = (trajectory(&exact), trajectory(&as_mdp));
        for (t, (x, y)) in a.iter().zip(&b).enumerate() {
            assert!((x - y).abs() < 1e-12, "{name} step {t}: {x} vs {y}");
        }
    }
}

/// A finite-horizon world through the catalogue: softmax PG (simultaneous PG) and NPG approach
/// the backward-induction optimum; the discounted-only methods are refused with the kinds named.
#[test]
fn finite_horizon_worlds_run_through_the_catalogue() {
    let world = finite_garnet(4);
    for name in ["softmax-pg", "npg"] {
        let mut gaps = Vec::new();
        run_named(
            name,
            &[("step_size".into(), 1.0)],
            &world,
            500,
            0,
            |_, r| gaps.push(r.get("gap").unwrap()),
        )
        .unwrap();
        assert!(
            gaps[0] > 0.05,
            "{name}: uniform is suboptimal ({})",
            gaps[0]
        );
        eprintln!("{name}: gap {} -> {} -> {}", gaps[0], gaps[49], gaps[499]);
        // Softmax PG's O(1/t) against NPG's linear rate (Mei et al. 2020; Xiao 2022), per step.
        let factor = if name == "npg" { 1e-9 } else { 0.05 };
        assert!(
            gaps[499] < factor * gaps[0],
            "{name}: {} -> {}",
            gaps[0],
            gaps[499]
        );
        assert!(
            gaps.iter().all(|&g| g > -1e-12),
            "{name}: J never exceeds J*"
        );
    }
    let message = run_named("trpo", &[], &world, 1, 0, |_, _| {})
        .unwrap_err()
        .to_string();
    assert!(
        message.contains("finite-horizon") && message.contains("discounted"),
        "{message}"
    );
}

/// Simultaneous PG, exact, is softmax PG on a finite horizon bit for bit; both sampled methods
/// (REINFORCE per step, Klein et al. §4) make progress on the same world and repeat their bits
/// under one seed.
#[test]
fn simultaneous_and_dynamic_pg_exact_and_sampled() {
    let world = finite_garnet(3);
    let trajectory = |name: &str, given: &[(&str, f64)], steps: usize, seed: u64| {
        let given: Vec<(String, f64)> = given.iter().map(|(k, v)| (k.to_string(), *v)).collect();
        let mut out = Vec::new();
        run_named(name, &given, &world, steps, seed, |_, r| {
            out.push(r.get("gap").unwrap())
        })
        .unwrap();
        out
    };
    let exact = trajectory("simultaneous-pg", &[("step_size", 0.5)], 50, 0);
    let softmax = trajectory("softmax-pg", &[("step_size", 0.5)], 50, 0);
    assert_eq!(exact, softmax);
    let sampled = trajectory(
        "simultaneous-pg",
        &[("step_size", 0.5), ("episodes", 40.0)],
        400,
        1,
    );
    assert!(
        sampled[399] < 0.2 * sampled[0],
        "{} -> {}",
        sampled[0],
        sampled[399]
    );
    assert_eq!(
        sampled,
        trajectory(
            "simultaneous-pg",
            &[("step_size", 0.5), ("episodes", 40.0)],
            400,
            1
        )
    );
    let dynamic = trajectory(
        "dynamic-pg",
        &[
            ("step_size", 1.0),
            ("episodes", 40.0),
            ("iterations_per_step", 150.0),
        ],
        451,
        2,
    );
    assert!(
        dynamic[450] < 0.2 * dynamic[0],
        "{} -> {}",
        dynamic[0],
        dynamic[450]
    );
}
