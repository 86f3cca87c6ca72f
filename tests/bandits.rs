//! Bandit learners against known results: logarithmic regret for UCB1 and Thompson sampling
//! (under UCB1's finite-time bound), sublinear regret for EXP3 and Tsallis-INF against an
//! oblivious adversary (under their published bounds), Tsallis-INF's logarithmic regret on a
//! stochastic instance, and the gradient bandit's update as an unbiased estimate of the exact
//! policy gradient.

use std::sync::OnceLock;

use ndarray::Array1;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

use policylab::bandit::{
    AdversarialTable, BanditEnvironment, BanditLearner, Baseline, BernoulliBandit, BetaThompson,
    Estimator, Exp3, GaussianBandit, GaussianThompson, GradientBandit, LinUcb,
    LinearContextualBandit, TsallisInf, Ucb1, Width, run_bandit,
};

const MEANS: [f64; 3] = [0.9, 0.8, 0.5];
const SEEDS: [u64; 4] = [1, 2, 3, 4];
const CHECKPOINTS: [usize; 3] = [1_000, 10_000, 100_000];

/// Mean cumulative regret over `SEEDS` at each checkpoint, from one run of 1e5 rounds per seed
/// (the learners here are anytime: they do not know the horizon).
fn mean_regret_at_checkpoints(make: &dyn Fn() -> Box<dyn BanditLearner>) -> [f64; 3] {
    let mut total = [0.0; 3];
    for &seed in &SEEDS {
        let mut env = BernoulliBandit::new(MEANS.to_vec()).unwrap();
        let mut learner = make();
        let run = run_bandit(&mut env, learner.as_mut(), CHECKPOINTS[2], seed).unwrap();
        for (t, &n) in total.iter_mut().zip(&CHECKPOINTS) {
            *t += run.regret_after(n) / SEEDS.len() as f64;
        }
    }
    total
}

fn gaps() -> Vec<f64> {
    BernoulliBandit::new(MEANS.to_vec()).unwrap().gaps()
}

/// Bernoulli KL divergence kl(p, q).
fn kl(p: f64, q: f64) -> f64 {
    p * (p / q).ln() + (1.0 - p) * ((1.0 - p) / (1.0 - q)).ln()
}

/// UCB1's mean regret at the checkpoints, computed once for the two tests that use it.
fn ucb1_regret() -> [f64; 3] {
    static REGRET: OnceLock<[f64; 3]> = OnceLock::new();
    *REGRET.get_or_init(|| mean_regret_at_checkpoints(&|| Box::new(Ucb1::new(3).unwrap())))
}

#[test]
fn ucb1_regret_is_logarithmic_and_below_theorem_one() {
    let regret = ucb1_regret();
    let ratios: Vec<f64> = regret
        .iter()
        .zip(CHECKPOINTS)
        .map(|(r, n)| r / (n as f64).ln())
        .collect();
    eprintln!("ucb1 regret {regret:?}, regret / ln T {ratios:?}");
    for (r, n) in regret.iter().zip(CHECKPOINTS) {
        let bound = Ucb1::regret_bound(&gaps(), n);
        eprintln!("  T = {n}: regret {r:.1}, Theorem 1 bound {bound:.1}");
        assert!(*r <= bound);
    }
    assert_logarithmic(&regret);
}

/// Logarithmic, not polynomial, growth over the last decade: from T = 1e4 to 1e5 the regret may
/// grow by at most a factor 2, where √T regret grows by √10 ≈ 3.16 and linear regret by 10 (a
/// pure C·ln T curve grows by ln 1e5 / ln 1e4 = 1.25; the learners are still leaving their
/// start-up phase). The regret per round at 1e5 must also be tiny.
fn assert_logarithmic(regret: &[f64; 3]) {
    let growth = regret[2] / regret[1];
    eprintln!(
        "  regret(1e5) / regret(1e4) = {growth:.2}, regret(1e5) / 1e5 = {:.5}",
        regret[2] / 1e5
    );
    assert!(growth <= 2.0, "{regret:?}");
    assert!(regret[2] / 1e5 < 0.005, "{regret:?}");
}

#[test]
fn thompson_regret_is_logarithmic_near_the_lai_robbins_rate() {
    let regret = mean_regret_at_checkpoints(&|| Box::new(BetaThompson::new(3).unwrap()));
    // Lai & Robbins (1985): any consistent learner has regret ≥ (C + o(1)) ln T with
    // C = Σ_{Δ>0} Δ(a) / kl(μ(a), μ*), and Agrawal & Goyal (2013) show Thompson sampling attains
    // it (regret ≤ (1 + ε) C ln T + O(K/ε²)). The constant is asymptotic, so the finite-time regret
    // may sit below it; we assert it stays under 1.5·C·ln T at every checkpoint (measured: about
    // 0.55–0.76 of C·ln T) and under UCB1's Theorem 1 bound.
    let best = MEANS[0];
    let c: f64 = MEANS
        .iter()
        .map(|&m| {
            if m < best {
                (best - m) / kl(m, best)
            } else {
                0.0
            }
        })
        .sum();
    eprintln!("thompson regret {regret:?}, Lai-Robbins constant {c:.3}");
    for (r, n) in regret.iter().zip(CHECKPOINTS) {
        let reference = c * (n as f64).ln();
        eprintln!(
            "  T = {n}: regret {r:.1}, C ln T = {reference:.1}, ratio {:.2}",
            r / reference
        );
        assert!(*r <= 1.5 * reference);
        assert!(*r <= Ucb1::regret_bound(&gaps(), n));
    }
    assert_logarithmic(&regret);
}

#[test]
fn tsallis_inf_is_logarithmic_on_the_stochastic_instance() {
    let regret = mean_regret_at_checkpoints(&|| {
        Box::new(TsallisInf::new(3, Estimator::ReducedVariance).unwrap())
    });
    eprintln!("tsallis-inf (stochastic) regret {regret:?}");
    for (r, n) in regret.iter().zip(CHECKPOINTS) {
        let bound = Ucb1::regret_bound(&gaps(), n);
        eprintln!("  T = {n}: regret {r:.1}, UCB1 Theorem 1 bound {bound:.1}");
        assert!(*r <= bound);
    }
    assert_logarithmic(&regret);
    // Best of both worlds, measured: on this instance Tsallis-INF also beats UCB1's actual regret.
    let ucb = ucb1_regret();
    eprintln!("  ucb1 on the same seeds: {ucb:?}");
    assert!(regret[2] < ucb[2]);
}

const ADVERSARIAL_SEEDS: [u64; 4] = [11, 12, 13, 14];

/// Mean regret against the best fixed arm over the first T rounds of a switching table, per T.
fn adversarial_regret(make: &dyn Fn(usize) -> Box<dyn BanditLearner>) -> [f64; 3] {
    let mut total = [0.0; 3];
    for &seed in &ADVERSARIAL_SEEDS {
        let mut env = AdversarialTable::switching(3, CHECKPOINTS[2], 100, seed).unwrap();
        for (t, &n) in total.iter_mut().zip(&CHECKPOINTS) {
            let mut learner = make(n);
            let run = run_bandit(&mut env, learner.as_mut(), n, seed).unwrap();
            // The runner's regret is Σ_t x_t(a*) − x_t(A_t) on the table; check it by hand.
            let (best_arm, best_total) = env.best_fixed_arm(n);
            let earned: f64 = run.rewards.iter().sum();
            assert!((run.regret_after(n) - (best_total - earned)).abs() < 1e-6);
            assert_eq!(best_arm, 0);
            *t += run.regret_after(n) / ADVERSARIAL_SEEDS.len() as f64;
        }
    }
    total
}

/// Sublinear regret: the regret per round at T = 1e5 is at most half of that at 1e3 and no more
/// than at 1e4 (linear regret would keep it constant).
fn assert_sublinear(regret: &[f64; 3]) {
    let per_round: Vec<f64> = regret
        .iter()
        .zip(CHECKPOINTS)
        .map(|(r, n)| r / n as f64)
        .collect();
    eprintln!("  regret / T {per_round:?}");
    assert!(per_round[2] <= 0.5 * per_round[0], "{per_round:?}");
    assert!(per_round[2] <= per_round[1], "{per_round:?}");
}

#[test]
fn exp3_regret_is_sublinear_and_below_its_bound() {
    let regret = adversarial_regret(&|n| Box::new(Exp3::for_horizon(3, n).unwrap()));
    eprintln!("exp3 (adversarial) regret {regret:?}");
    for (r, n) in regret.iter().zip(CHECKPOINTS) {
        let bound = Exp3::regret_bound(3, n);
        eprintln!("  T = {n}: regret {r:.1}, bound sqrt(2 T K ln K) = {bound:.1}");
        assert!(*r <= bound);
    }
    assert_sublinear(&regret);
}

#[test]
fn tsallis_inf_regret_is_sublinear_and_below_its_bound_against_an_adversary() {
    let regret =
        adversarial_regret(&|_| Box::new(TsallisInf::new(3, Estimator::ReducedVariance).unwrap()));
    eprintln!("tsallis-inf (adversarial) regret {regret:?}");
    for (r, n) in regret.iter().zip(CHECKPOINTS) {
        let bound = TsallisInf::adversarial_bound(3, n);
        eprintln!("  T = {n}: regret {r:.1}, bound 4 sqrt(KT) + 1 = {bound:.1}");
        assert!(*r <= bound);
    }
    assert_sublinear(&regret);
}

#[test]
fn exp3_and_tsallis_inf_escape_the_follow_the_leader_trap() {
    // On the trap table following the cumulative leader earns ≈ 0 (regret ≈ T/2); the randomized
    // learners stay under their adversarial bounds.
    let n = 10_000;
    let mut env = AdversarialTable::follow_the_leader_trap(3, n).unwrap();
    for seed in [1, 2] {
        let exp3 = run_bandit(&mut env, &mut Exp3::for_horizon(3, n).unwrap(), n, seed).unwrap();
        let mut tsallis = TsallisInf::new(3, Estimator::ReducedVariance).unwrap();
        let tsallis = run_bandit(&mut env, &mut tsallis, n, seed).unwrap();
        let (e, t) = (exp3.regret_after(n), tsallis.regret_after(n));
        eprintln!(
            "trap, seed {seed}: exp3 regret {e:.1}, tsallis-inf {t:.1} (T/2 = {})",
            n / 2
        );
        assert!(e <= Exp3::regret_bound(3, n));
        assert!(t <= TsallisInf::adversarial_bound(3, n));
    }
}

#[test]
fn gradient_bandit_step_is_the_exact_policy_gradient_in_expectation() {
    let env = BernoulliBandit::new(vec![0.2, 0.7, 0.5, 0.9]).unwrap();
    let preferences = ndarray::arr1(&[0.3, -0.5, 1.0, 0.0]);
    let step = 0.25;
    for baseline in [Baseline::None, Baseline::Average] {
        let learner =
            GradientBandit::with_preferences(preferences.clone(), step, baseline).unwrap();
        let gradient = learner.exact_gradient(env.means());
        for b in [0.0, 0.4, 1.3] {
            let expected = learner.expected_step(&env.outcomes(), b).unwrap();
            for (e, g) in expected.iter().zip(&gradient) {
                assert!(
                    (e - step * g).abs() < 1e-15,
                    "b = {b}: {expected} vs {gradient}"
                );
            }
        }
    }
}

#[test]
fn gradient_bandit_monte_carlo_step_matches_the_gradient() {
    let mut env = BernoulliBandit::new(vec![0.2, 0.7, 0.5, 0.9]).unwrap();
    let preferences = ndarray::arr1(&[0.3, -0.5, 1.0, 0.0]);
    let n = 20_000;
    for baseline in [Baseline::None, Baseline::Average] {
        let mut learner =
            GradientBandit::with_preferences(preferences.clone(), 0.1, baseline).unwrap();
        // A fixed baseline of 0.6 for the Average variant: one update with reward 0.6 sets it.
        if baseline == Baseline::Average {
            learner.update(0, 0.6).unwrap();
        }
        let gradient = learner.exact_gradient(env.means());
        let mut rng = ChaCha8Rng::seed_from_u64(21);
        let mut sum = Array1::<f64>::zeros(4);
        let mut sum_sq = Array1::<f64>::zeros(4);
        for _ in 0..n {
            let arm = learner.select(None, &mut rng).unwrap();
            let reward = env.pull(arm, &mut rng);
            let d = learner.direction(arm, reward);
            sum += &d;
            sum_sq += &d.mapv(|x| x * x);
        }
        let mean = &sum / n as f64;
        let variance = &sum_sq / n as f64 - mean.mapv(|m| m * m);
        for a in 0..4 {
            let se = (variance[a] / n as f64).sqrt();
            eprintln!(
                "{baseline:?} arm {a}: MC {:.5} ± {se:.5}, exact {:.5}",
                mean[a], gradient[a]
            );
            assert!((mean[a] - gradient[a]).abs() <= 4.0 * se, "arm {a}");
        }
    }
}

#[test]
fn same_seed_same_regret_sequence() {
    let learners: Vec<Box<dyn Fn() -> Box<dyn BanditLearner>>> = vec![
        Box::new(|| Box::new(Ucb1::new(3).unwrap())),
        Box::new(|| Box::new(BetaThompson::new(3).unwrap())),
        Box::new(|| Box::new(Exp3::for_horizon(3, 2000).unwrap())),
        Box::new(|| Box::new(TsallisInf::new(3, Estimator::ImportanceWeighted).unwrap())),
        Box::new(|| Box::new(GradientBandit::new(3, 0.1, Baseline::Average).unwrap())),
    ];
    for make in &learners {
        let play = |seed| {
            let mut env = BernoulliBandit::new(MEANS.to_vec()).unwrap();
            run_bandit(&mut env, make().as_mut(), 2000, seed).unwrap()
        };
        let (a, b, c) = (play(5), play(5), play(6));
        let bits = |r: &policylab::bandit::BanditRun| {
            r.cumulative_regret
                .iter()
                .map(|x| x.to_bits())
                .collect::<Vec<_>>()
        };
        assert_eq!(bits(&a), bits(&b));
        assert_eq!(a.arms, b.arms);
        assert_ne!(a.arms, c.arms, "a different seed changes the game");
    }
    // Gaussian and contextual environments draw their noise from the same seeded stream.
    let play = |seed| {
        let mut env = GaussianBandit::new(vec![0.0, 0.5, 1.0], 1.0).unwrap();
        let mut learner = GaussianThompson::new(3, 1.0).unwrap();
        run_bandit(&mut env, &mut learner, 500, seed).unwrap()
    };
    assert_eq!(play(3), play(3));
}

#[test]
fn runner_checks_its_inputs_and_reports_records() {
    let mut env = BernoulliBandit::new(MEANS.to_vec()).unwrap();
    let message = run_bandit(&mut env, &mut Ucb1::new(3).unwrap(), 0, 1)
        .unwrap_err()
        .to_string();
    assert!(message.contains("horizon"), "{message}");
    let message = run_bandit(&mut env, &mut Ucb1::new(4).unwrap(), 10, 1)
        .unwrap_err()
        .to_string();
    assert!(
        message.contains("4 arms") && message.contains("3 arms"),
        "{message}"
    );
    let mut gaussian = GaussianBandit::new(vec![0.0, 1.0], 1.0).unwrap();
    let message = run_bandit(&mut gaussian, &mut Exp3::new(2, 0.1).unwrap(), 50, 1)
        .unwrap_err()
        .to_string();
    assert!(
        message.contains("[0, 1]"),
        "EXP3 refuses unbounded rewards: {message}"
    );
    let mut table = AdversarialTable::switching(3, 100, 10, 1).unwrap();
    assert!(run_bandit(&mut table, &mut Ucb1::new(3).unwrap(), 101, 1).is_err());

    let run = run_bandit(&mut env, &mut Ucb1::new(3).unwrap(), 50, 1).unwrap();
    let records = run.records();
    assert_eq!(records.len(), 50);
    let mut total = 0.0;
    for (i, record) in records.iter().enumerate() {
        let arm = record.get("arm").unwrap() as usize;
        let instant = record.get("instant_regret").unwrap();
        assert!((instant - (MEANS[0] - MEANS[arm])).abs() < 1e-12);
        total += instant;
        assert!((record.get("regret").unwrap() - total).abs() < 1e-12);
        assert_eq!(record.get("t"), Some((i + 1) as f64));
    }
}

#[test]
fn linucb_regret_is_sublinear_on_a_linear_contextual_bandit() {
    // d = 5, K = 10 fresh unit feature vectors per round, σ = 0.1. A uniformly random arm has
    // expected regret E[max_a μ_t(a)] per round; LinUCB's regret per round must shrink with T and
    // end far below that.
    let theta = ndarray::arr1(&[0.5, -0.4, 0.3, 0.2, -0.6]);
    let horizon = 4_000;
    let mut regret = [0.0; 2];
    let mut random_per_round = 0.0;
    for seed in [1, 2] {
        let mut env = LinearContextualBandit::new(10, theta.clone(), 0.1).unwrap();
        let mut learner = LinUcb::new(
            10,
            5,
            1.0,
            Width::Oful {
                sigma: 0.1,
                delta: 0.05,
                theta_bound: 1.0,
                feature_bound: 1.0,
            },
        )
        .unwrap();
        let run = run_bandit(&mut env, &mut learner, horizon, seed).unwrap();
        regret[0] += run.regret_after(horizon / 10) / 2.0;
        regret[1] += run.regret_after(horizon) / 2.0;
        // The expected regret of a uniformly random arm, estimated on 500 fresh rounds.
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let mut probe = LinearContextualBandit::new(10, theta.clone(), 0.1).unwrap();
        for t in 0..500 {
            probe.begin_round(t, &mut rng);
            let mean: f64 = probe.means().iter().sum::<f64>() / 10.0;
            random_per_round += (probe.benchmark() - mean) / 1000.0;
        }
        let estimate = learner.estimate();
        let error = (&estimate - &theta).mapv(|x| x * x).sum().sqrt();
        eprintln!("seed {seed}: |θ̂ − θ*| = {error:.4}");
        assert!(error < 0.1);
    }
    let early = regret[0] / (horizon / 10) as f64;
    let late = regret[1] / horizon as f64;
    eprintln!(
        "linucb regret per round: {early:.4} over the first {} rounds, {late:.4} over {horizon}; uniform arm {random_per_round:.4}",
        horizon / 10
    );
    assert!(late < 0.5 * early);
    assert!(late < 0.1 * random_per_round);
}
