//! Policy-optimization claims checked against the papers' own numbers (bounded runtime).

use std::path::Path;

use policylab::algo::{Problem, SoftmaxPg, run};
use policylab::world::format;

fn shipped(name: &str) -> Problem {
    let mdp = format::load(&Path::new(env!("CARGO_MANIFEST_DIR")).join(name)).unwrap();
    Problem::new(mdp).unwrap()
}

/// Mei, Xiao, Szepesvári & Schuurmans (2020), the 3-armed bandit r = (1, 0.9, 0.1), η = 0.4,
/// uniform start: softmax PG converges at rate Θ(1/t); t·(V* − V^{π_t}) levels off near 1.67
/// (≈ 1.689 at t = 10⁴ and ≈ 1.670 at t = 10⁵), and the log-log slope of the gap is −1.
#[test]
fn mei2020_softmax_pg_is_theta_one_over_t_on_the_bandit() {
    let problem = shipped("mdps/bandit3.toml");
    let mut gaps = Vec::new();
    run(
        &SoftmaxPg::new(0.4).unwrap(),
        &problem,
        100_001,
        0,
        |_, record| {
            gaps.push(record.get("gap").unwrap());
        },
    )
    .unwrap();
    let scaled = |t: usize| t as f64 * gaps[t];
    eprintln!(
        "Mei et al. bandit: t·gap = {} at 1e4, {} at 1e5",
        scaled(10_000),
        scaled(100_000)
    );
    assert!(
        (scaled(10_000) - 1.689).abs() < 0.002,
        "t·gap at 1e4 = {}",
        scaled(10_000)
    );
    assert!(
        (scaled(100_000) - 1.670).abs() < 0.002,
        "t·gap at 1e5 = {}",
        scaled(100_000)
    );
    // Least-squares slope of log gap against log t over t ∈ [10³, 10⁵].
    let points: Vec<(f64, f64)> = (1_000..=100_000)
        .step_by(1_000)
        .map(|t| ((t as f64).ln(), gaps[t].ln()))
        .collect();
    let n = points.len() as f64;
    let (mx, my) = (
        points.iter().map(|p| p.0).sum::<f64>() / n,
        points.iter().map(|p| p.1).sum::<f64>() / n,
    );
    let slope = points.iter().map(|p| (p.0 - mx) * (p.1 - my)).sum::<f64>()
        / points.iter().map(|p| (p.0 - mx).powi(2)).sum::<f64>();
    eprintln!("log-log slope over [1e3, 1e5]: {slope}");
    assert!((-1.05..=-0.95).contains(&slope), "log-log slope {slope}");
    // The gap decreases monotonically (exact PG with η ≤ 1/L ascends J).
    assert!(gaps.windows(2).all(|w| w[1] <= w[0] + 1e-15));
}

/// Agarwal, Kakade, Lee & Mahajan (2021), Theorem 5.3: NPG from the uniform policy with constant
/// step η satisfies V^{(T)}(ρ) ≥ V*(ρ) − log|A|/(ηT) − 1/((1−γ)²T) for every T ≥ 1, here on
/// Garnets and on the shipped discounted worlds with rewards in [0, 1].
#[test]
fn agarwal2021_npg_meets_its_bound() {
    use policylab::algo::NaturalPg;
    use policylab::world::generate::GarnetParams;
    let mut problems: Vec<Problem> = (0..3)
        .map(|seed| {
            Problem::new(
                GarnetParams {
                    states: 20,
                    actions: 4,
                    branching: 3,
                    gamma: 0.9,
                    seed,
                }
                .build()
                .unwrap(),
            )
            .unwrap()
        })
        .collect();
    problems.push(
        shipped("mdps/frozenlake4x4.json")
            .mdp
            .with_gamma(0.9)
            .map(|m| Problem::new(m).unwrap())
            .unwrap(),
    );
    problems.push(shipped("mdps/bandit3.toml"));
    for problem in &problems {
        let gamma = problem.mdp.gamma();
        let log_actions = (problem.mdp.n_actions() as f64).ln();
        for &eta in &[0.1, 1.0, 10.0] {
            let mut gaps = Vec::new();
            run(
                &NaturalPg::new(eta, 1.0).unwrap(),
                problem,
                201,
                0,
                |_, r| gaps.push(r.get("gap").unwrap()),
            )
            .unwrap();
            for (t, &gap) in gaps.iter().enumerate().skip(1) {
                let bound =
                    log_actions / (eta * t as f64) + 1.0 / ((1.0 - gamma).powi(2) * t as f64);
                assert!(
                    gap <= bound + 1e-12,
                    "{}: η {eta}, T {t}: gap {gap} > bound {bound}",
                    problem.mdp.name()
                );
            }
            assert!(gaps[200] < gaps[0], "NPG improves");
        }
    }
}

/// Cen, Cheng, Chen, Wei & Chi (2022), Theorem 1: entropy-regularized NPG with
/// 0 < η ≤ (1−γ)/τ satisfies ‖Q*_τ − Q_τ^{(t+1)}‖∞ ≤ C₁·γ·(1 − ητ)^t, so the error contracts at
/// rate 1 − ητ; soft policy iteration (η = (1−γ)/τ) contracts at rate γ. Checked on random
/// Garnets for η ∈ {0.25, 0.5, 1}·(1−γ)/τ.
#[test]
fn cen2022_entropy_npg_contracts_at_rate_one_minus_eta_tau() {
    use policylab::algo::EntropyNpg;
    use policylab::exact::{soft_evaluate, soft_value_iteration, uniform_policy};
    use policylab::world::generate::GarnetParams;
    for seed in 0..2 {
        let mdp = GarnetParams {
            states: 15,
            actions: 4,
            branching: 3,
            gamma: 0.9,
            seed: 40 + seed,
        }
        .build()
        .unwrap();
        let problem = Problem::new(mdp).unwrap();
        let (gamma, tau) = (0.9, 0.1);
        let soft = soft_value_iteration(&problem.mdp, tau, 1e-13, 1_000_000).unwrap();
        let uniform = uniform_policy(&problem.mdp);
        let q0 = soft_evaluate(&problem.mdp, uniform.view(), tau).unwrap().q;
        let q_error0 = soft
            .q
            .iter()
            .zip(q0.iter())
            .fold(0.0f64, |m, (a, b)| m.max((a - b).abs()));
        let log_error0 = soft
            .policy
            .iter()
            .zip(uniform.iter())
            .fold(0.0f64, |m, (a, b)| m.max((a.ln() - b.ln()).abs()));
        for fraction in [0.25, 0.5, 1.0] {
            let eta = fraction * (1.0 - gamma) / tau;
            let rate = 1.0 - eta * tau;
            let c1 = q_error0 + 2.0 * tau * (1.0 - eta * tau / (1.0 - gamma)) * log_error0;
            let mut errors = Vec::new();
            run(
                &EntropyNpg::new(tau, Some(eta)).unwrap(),
                &problem,
                120,
                0,
                |_, r| errors.push(r.get("soft_q_error").unwrap()),
            )
            .unwrap();
            // errors[t] = ‖Q* − Q^{(t)}‖∞; the theorem bounds t ≥ 1 by C₁·γ·rate^{t−1}.
            for (t, &error) in errors.iter().enumerate().skip(1) {
                let bound = c1 * gamma * rate.powi(t as i32 - 1);
                assert!(
                    error <= bound + 1e-10,
                    "seed {seed}, η = {fraction}(1−γ)/τ, t {t}: {error} > {bound}"
                );
            }
            // The measured rate over the steps before rounding dominates.
            let last = (1..errors.len())
                .take_while(|&t| errors[t] > 1e-9)
                .last()
                .unwrap();
            let measured = (errors[last] / errors[1]).powf(1.0 / (last - 1) as f64);
            eprintln!(
                "Cen et al.: seed {seed}, η = {fraction}·(1−γ)/τ: measured rate {measured:.4}, bound {rate:.4}"
            );
            assert!(measured <= rate + 1e-3, "measured rate {measured} > {rate}");
        }
    }
}

/// Mei et al. (2020), §4 (Theorem 6): entropy-regularized softmax PG converges linearly to
/// π*_τ = softmax(r/τ) on the bandit r = (1, 0.9, 0.1).
#[test]
fn mei2020_entropy_regularized_pg_converges_linearly() {
    use policylab::algo::EntropyPg;
    let problem = shipped("mdps/bandit3.toml");
    let tau = 0.2;
    let mut soft_gaps = Vec::new();
    let final_state = run(
        &EntropyPg::new(tau, 0.4).unwrap(),
        &problem,
        6_001,
        0,
        |_, r| soft_gaps.push(r.get("soft_gap").unwrap()),
    )
    .unwrap();
    // Linear: the log soft gap falls by a constant factor per step (the rate over
    // steps 4000–6000 agrees with that over 2000–4000 to 10%), unlike the Θ(1/t) of plain PG.
    let rate = |from: usize, to: usize| (soft_gaps[to] / soft_gaps[from]).ln() / (to - from) as f64;
    let (early, late) = (rate(2_000, 4_000), rate(4_000, 6_000));
    eprintln!(
        "Mei et al. entropy PG: log-rate {early:.5} then {late:.5}, soft gap at 6000: {:e}",
        soft_gaps[6_000]
    );
    assert!(early < 0.0 && (late / early - 1.0).abs() < 0.1);
    assert!(soft_gaps[6_000] < 1e-7);
    let r = [1.0f64, 0.9, 0.1];
    let z: f64 = r.iter().map(|x| (x / tau).exp()).sum();
    let p = final_state.policy.probabilities();
    for a in 0..3 {
        // The soft gap is ≈ τ·KL(π*‖π), so the policy error is of order its square root.
        assert!(
            (p[[0, a]] - (r[a] / tau).exp() / z).abs() < 1e-3,
            "π(a{a}) = {}",
            p[[0, a]]
        );
    }
}

/// Cui et al. (2025), "The Entropy Mechanism of Reinforcement Learning for Reasoning Language
/// Models", §3: one softmax step changes each state's entropy by −Cov_{a~π}(log π, Δz) to first
/// order in the logit change Δz — for PG Δz ∝ η·π·A, for NPG Δz ∝ η·A. The neglected term is
/// O(η²), so the relative error of the prediction shrinks linearly as η → 0: dividing η by 10
/// divides it by about 10.
#[test]
fn cui2025_entropy_change_prediction_is_first_order() {
    use policylab::algo::npg::NpgState;
    use policylab::algo::{Algorithm, NaturalPg};
    use policylab::policy::TabularSoftmax;
    use policylab::world::generate::GarnetParams;
    use rand::SeedableRng;

    let mdp = GarnetParams {
        states: 6,
        actions: 4,
        branching: 2,
        seed: 3,
        ..GarnetParams::default()
    }
    .build()
    .unwrap();
    let problem = Problem::new(mdp).unwrap();
    // A non-uniform start: at the uniform policy log π is constant and the covariance vanishes.
    let logits = ndarray::Array2::from_shape_fn((6, 4), |(s, a)| ((3 * s + 5 * a) as f64).sin());
    let start = TabularSoftmax::from_logits(&problem.mdp, logits).unwrap();
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(0);
    let relative_error = |record: &policylab::algo::Record| {
        let (actual, predicted) = (record.get("dH").unwrap(), record.get("cov_pred").unwrap());
        (actual - predicted).abs() / predicted.abs()
    };
    for method in ["softmax-pg", "npg"] {
        let errors: Vec<f64> = [1e-1, 1e-2, 1e-3, 1e-4]
            .iter()
            .map(|&eta| {
                let record = if method == "npg" {
                    let state = NpgState {
                        policy: vec![start.clone()],
                        step_size: eta,
                    };
                    let npg = NaturalPg::new(eta, 1.0).unwrap();
                    npg.step(&problem, state, &mut rng).unwrap().1
                } else {
                    let pg = SoftmaxPg::new(eta).unwrap();
                    pg.step(&problem, vec![start.clone()], &mut rng).unwrap().1
                };
                relative_error(&record)
            })
            .collect();
        eprintln!(
            "{method}: relative error of the entropy-change prediction at η = 1e-1..1e-4: {errors:?}"
        );
        for pair in errors.windows(2) {
            let ratio = pair[0] / pair[1];
            assert!(
                (7.0..=13.0).contains(&ratio),
                "{method}: error ratio {ratio} per decade of η (expected about 10)"
            );
        }
        assert!(errors[3] < 2e-3, "{method}: relative error {}", errors[3]);
    }
}
