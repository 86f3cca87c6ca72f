//! Trust-region methods on exact surrogates: PPO-clip, SPO and TRPO.

use ndarray::Array2;
use policylab::algo::{Algorithm, Problem, SoftmaxPg, SurrogateAscent, Trpo, run};
use policylab::exact::evaluate;
use policylab::metrics::kl_divergence;
use policylab::objective::{PpoClip, Spo};
use policylab::policy::TabularSoftmax;
use policylab::world::generate::GarnetParams;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

fn garnet(seed: u64) -> Problem {
    let mdp = GarnetParams {
        states: 8,
        actions: 4,
        branching: 3,
        seed,
        ..GarnetParams::default()
    }
    .build()
    .unwrap();
    Problem::new(mdp).unwrap()
}

fn start(problem: &Problem) -> TabularSoftmax {
    let (s, a) = (problem.mdp.n_states(), problem.mdp.n_actions());
    let logits = Array2::from_shape_fn((s, a), |(s, a)| ((2 * s + 7 * a) as f64).cos());
    TabularSoftmax::from_logits(&problem.mdp, logits).unwrap()
}

/// With one epoch, every objective whose slope at r = 1 is A takes exactly the softmax PG step.
#[test]
fn one_epoch_of_any_surrogate_is_a_softmax_pg_step() {
    let problem = garnet(1);
    let mut rng = ChaCha8Rng::seed_from_u64(0);
    let eta = 0.7;
    let (pg, _) = SoftmaxPg::new(eta)
        .unwrap()
        .step(&problem, vec![start(&problem)], &mut rng)
        .unwrap();
    for objective in [
        Box::new(PpoClip::default()) as Box<dyn policylab::objective::Objective>,
        Box::new(PpoClip::clip_higher()),
        Box::new(Spo::default()),
    ] {
        let name = objective.name();
        let algorithm = SurrogateAscent::new(objective, 1, eta).unwrap();
        let (next, record) = algorithm.step(&problem, start(&problem), &mut rng).unwrap();
        let difference = (next.logits() - pg[0].logits())
            .iter()
            .fold(0.0f64, |m, x| m.max(x.abs()));
        assert!(difference < 1e-12, "{name}: {difference}");
        assert_eq!(
            record.get("clipfrac"),
            Some(0.0),
            "one epoch starts at r = 1"
        );
    }
}

/// The surrogate's gain is positive at every step, for PPO-clip and SPO with several epochs.
#[test]
fn surrogate_ascent_improves_its_surrogate() {
    let problem = garnet(2);
    for objective in [
        Box::new(PpoClip::default()) as Box<dyn policylab::objective::Objective>,
        Box::new(Spo::default()),
    ] {
        let algorithm = SurrogateAscent::new(objective, 10, 1.0).unwrap();
        run(&algorithm, &problem, 30, 0, |t, record| {
            let gain = record.get("surrogate_gain").unwrap();
            assert!(
                gain > 0.0 || record.get("gap").unwrap() < 1e-9,
                "step {t}: gain {gain}"
            );
        })
        .unwrap();
    }
}

/// TRPO (Schulman et al. 2015): every accepted step keeps the exact mean KL within δ and
/// improves the surrogate — recomputed here from the policies, not read from the record.
#[test]
fn trpo_steps_respect_the_trust_region_and_improve_the_surrogate() {
    let problem = garnet(3);
    let trpo = Trpo::default();
    let mut rng = ChaCha8Rng::seed_from_u64(0);
    let mut state = trpo.initial_state(&problem).unwrap();
    let mut accepted = 0;
    let first_gap = problem.optimal_objective
        - evaluate(&problem.mdp, state.probabilities().view())
            .unwrap()
            .objective(&problem.mdp);
    let mut gap = first_gap;
    for t in 0..60 {
        let old = state.probabilities();
        let values = evaluate(&problem.mdp, old.view()).unwrap();
        let d = policylab::exact::occupancy(&problem.mdp, old.view()).unwrap();
        let advantage = values.advantage();
        let (next, record) = trpo.step(&problem, state, &mut rng).unwrap();
        let new = next.probabilities();
        let kl: f64 = (0..old.nrows())
            .map(|s| d[s] * kl_divergence(old.row(s), new.row(s)))
            .sum();
        let gain: f64 = (0..old.nrows())
            .map(|s| d[s] * new.row(s).dot(&advantage.row(s)))
            .sum();
        if record.get("accepted") == Some(1.0) {
            accepted += 1;
            assert!(kl <= trpo.max_kl() * (1.0 + 1e-12), "step {t}: KL {kl}");
            assert!(kl > 0.0, "step {t}: an accepted step moves the policy");
            assert!(gain > 0.0, "step {t}: surrogate gain {gain}");
            assert!((record.get("kl").unwrap() - kl).abs() < 1e-12);
        } else {
            // Only a converged policy (no improving direction left in f64) may be refused.
            let gap = record.get("gap").unwrap();
            assert!(gap < 1e-9, "step {t}: rejected at gap {gap}");
            assert_eq!(new, old, "a rejected step keeps the policy");
        }
        gap = record.get("gap").unwrap();
        state = next;
    }
    eprintln!("TRPO: {accepted}/60 steps accepted; gap {first_gap} -> {gap}");
    assert!(accepted >= 10, "only {accepted} of 60 steps accepted");
    assert!(gap < 1e-9, "gap {first_gap} -> {gap}");
}

/// The claim SPO was designed around (Xie et al. 2025, "Simple Policy Optimization", §1 and
/// their ratio-deviation figures): PPO-clip's objective is flat, not restoring, beyond the clip, so
/// epochs keep pushing the ratios of the pairs not yet clipped, while SPO's quadratic penalty pulls
/// every ratio back towards 1 ± ε. One update from a fixed non-uniform policy on four Garnets: with
/// 10 epochs and with the inner problem solved (2560 epochs), SPO's step spends less KL and leaves
/// a smaller largest |r − 1| than PPO-clip's with the same ε = 0.2 and learning rate.
#[test]
fn spo_takes_a_smaller_step_than_ppo_clip_at_any_number_of_epochs() {
    for seed in 1..=4 {
        let problem = garnet(seed);
        let one_update = |objective: Box<dyn policylab::objective::Objective>, epochs| {
            let algorithm = SurrogateAscent::new(objective, epochs, 0.5).unwrap();
            let mut rng = ChaCha8Rng::seed_from_u64(0);
            let (_, record) = algorithm.step(&problem, start(&problem), &mut rng).unwrap();
            (
                record.get("kl").unwrap(),
                record.get("ratio_dev_max").unwrap(),
            )
        };
        for epochs in [10, 2560] {
            let ppo = one_update(Box::<PpoClip>::default(), epochs);
            let spo = one_update(Box::<Spo>::default(), epochs);
            eprintln!("Garnet {seed}, K = {epochs}: (KL, max |r-1|) PPO-clip {ppo:?}, SPO {spo:?}");
            assert!(spo.0 < ppo.0, "KL: SPO {spo:?}, PPO-clip {ppo:?}");
            assert!(
                spo.1 < ppo.1,
                "ratio deviation: SPO {spo:?}, PPO-clip {ppo:?}"
            );
        }
    }
}

/// Sampled mode: the first epoch on the sample surrogate is the GAE policy-gradient estimate, so a
/// one-epoch update is (a) exactly η times the batch's gradient estimate and (b) an unbiased
/// estimate of the exact softmax PG step: the mean over 400 seeds lies within 4 standard errors
/// of it in every coordinate.
#[test]
fn sampled_surrogate_first_epoch_is_an_unbiased_pg_step() {
    use policylab::algo::sampled_surrogate::{AdvantageEstimator, SampledSurrogateAscent};
    use policylab::estimator::gae_batch;
    use policylab::policy::softmax_gradient;
    let mdp = GarnetParams {
        states: 4,
        actions: 3,
        branching: 2,
        seed: 11,
        ..GarnetParams::default()
    }
    .build()
    .unwrap();
    let problem = Problem::new(mdp).unwrap();
    let eta = 0.5;
    let algorithm = SampledSurrogateAscent::new(
        PpoClip::default(),
        1,
        eta,
        4,
        AdvantageEstimator::Gae {
            lambda: 0.9,
            critic: policylab::estimator::tabular_critic::Critic::Exact,
        },
    )
    .unwrap();
    let start = start(&problem);
    let old = start.probabilities();
    let exact = softmax_gradient(&problem.mdp, old.view()).unwrap().gradient * eta;
    let values = policylab::exact::evaluate(&problem.mdp, old.view())
        .unwrap()
        .v;
    let runs = 400;
    let mut sum = Array2::<f64>::zeros(exact.dim());
    let mut sum_sq = Array2::<f64>::zeros(exact.dim());
    for seed in 0..runs {
        let (next, _) = algorithm
            .step(
                &problem,
                start.clone(),
                &mut ChaCha8Rng::seed_from_u64(seed),
            )
            .unwrap();
        let change = next.logits() - start.logits();
        if seed == 0 {
            let mut rng = ChaCha8Rng::seed_from_u64(seed);
            let batch =
                gae_batch(&problem.mdp, old.view(), values.view(), 0.9, 4, &mut rng).unwrap();
            let expected = batch.mean_gradient(old.view()).unwrap() * eta;
            let difference = (&change - &expected)
                .iter()
                .fold(0.0f64, |m, x| m.max(x.abs()));
            assert!(difference < 1e-12, "first epoch vs η·ĝ: {difference}");
        }
        sum += &change;
        sum_sq += &(&change * &change);
    }
    let n = runs as f64;
    let mean = &sum / n;
    let mut worst = 0.0f64;
    for ((s, a), &m) in mean.indexed_iter() {
        let variance = (sum_sq[[s, a]] / n - m * m).max(0.0) * n / (n - 1.0);
        let standard_error = (variance / n).sqrt().max(1e-12);
        worst = worst.max((m - exact[[s, a]]).abs() / standard_error);
    }
    eprintln!("sampled one-epoch step: max |mean − exact|/SE = {worst:.2}");
    assert!(worst < 4.0, "max |mean − exact|/SE = {worst}");
}

/// TRPO in sampled mode (Schulman et al. 2015, §5, single path): with many episodes its first
/// update gains what the exact update gains (d̂ → d^π and ĝ → ∇J as the batch grows), its step
/// is held to the sampled mean KL, and model-free (batch TD(0) critic) it improves J.
#[test]
fn sampled_trpo_approaches_the_exact_step_and_improves() {
    use policylab::algo::catalogue::run_named;
    use policylab::exact::Problem;
    use policylab::world::World;
    use policylab::world::generate::GarnetParams;
    let problem = Problem::new(
        GarnetParams {
            states: 5,
            actions: 3,
            branching: 2,
            gamma: 0.8,
            seed: 3,
        }
        .build()
        .unwrap(),
    )
    .unwrap();
    let first_gain = |given: &[(&str, f64)]| {
        let given: Vec<(String, f64)> = given.iter().map(|(k, v)| (k.to_string(), *v)).collect();
        let mut records = Vec::new();
        run_named("trpo", &given, &problem, 2, 7, |_, r| {
            records.push(r.clone())
        })
        .unwrap();
        (
            records[1].get("J").unwrap() - records[0].get("J").unwrap(),
            records[0].clone(),
        )
    };
    let (exact, _) = first_gain(&[]);
    let (sampled, record) = first_gain(&[("episodes", 20_000.0)]);
    assert!(exact > 0.0);
    assert!(
        (sampled - exact).abs() < 0.2 * exact,
        "sampled TRPO's first gain {sampled} against the exact {exact}"
    );
    assert!(record.get("sample_kl").unwrap() <= 0.01 + 1e-15);
    let given: Vec<(String, f64)> = [("episodes", 30.0), ("critic", 2.0)]
        .iter()
        .map(|(k, v)| (k.to_string(), *v))
        .collect();
    let mut records = Vec::new();
    run_named("trpo", &given, &problem, 40, 1, |_, r| {
        records.push(r.clone())
    })
    .unwrap();
    let j = |t: usize| records[t].get("J").unwrap();
    let optimum = problem.reference().optimal_objective;
    assert!(
        j(39) > j(0) + 0.3 * (optimum - j(0)),
        "model-free TRPO: J {} → {} (J* = {optimum})",
        j(0),
        j(39)
    );
}
