//! Sampled policy-gradient estimators against the exact softmax gradient: the mean of N seeded
//! estimates (each from [`PER_ESTIMATE`] episodes or groups) must lie within 4 standard errors of the exact
//! value in every coordinate, and a deliberately wrong estimator must not.

use std::path::Path;

use ndarray::{Array1, Array2};
use policylab::estimator::{
    Baseline, Batch, GroupAdvantage, gae_batch, group_advantages, group_batch, reinforce_batch,
};
use policylab::exact::{discounted_visitation, evaluate};
use policylab::policy::gradient::softmax_gradient;
use policylab::policy::softmax::TabularSoftmax;
use policylab::world::generate::{BanditParams, GarnetParams};
use policylab::world::{TabularMdp, format};
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// Estimates per check.
const N: usize = 2_000;
/// Episodes (or groups) behind each estimate.
const PER_ESTIMATE: usize = 10;

/// Running sums of N independent S×A estimates.
struct Moments {
    n: usize,
    sum: Array2<f64>,
    sum_sq: Array2<f64>,
}

impl Moments {
    /// N estimates of an S×A gradient (`dim`), each one batch drawn from one seeded stream;
    /// no episode may hit the safety cap.
    fn collect(
        dim: (usize, usize),
        seed: u64,
        mut draw: impl FnMut(&mut ChaCha8Rng) -> (Batch, Array2<f64>),
    ) -> Self {
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let mut m = Moments {
            n: 0,
            sum: Array2::zeros(dim),
            sum_sq: Array2::zeros(dim),
        };
        for _ in 0..N {
            let (batch, g) = draw(&mut rng);
            assert_eq!(batch.capped, 0, "an episode hit the safety cap");
            m.sum += &g;
            m.sum_sq += &(&g * &g);
            m.n += 1;
        }
        m
    }

    fn mean(&self) -> Array2<f64> {
        &self.sum / self.n as f64
    }

    /// Sample variance of each coordinate.
    fn variance(&self) -> Array2<f64> {
        let n = self.n as f64;
        let mean = self.mean();
        (&self.sum_sq / n - &mean * &mean) * (n / (n - 1.0))
    }

    fn standard_error(&self) -> Array2<f64> {
        self.variance()
            .mapv(|v| (v.max(0.0) / self.n as f64).sqrt())
    }

    /// max over coordinates of |mean − target| / SE (a coordinate with SE = 0 counts as 0 when
    /// it matches to 1e-12, and as infinity otherwise).
    fn max_z(&self, target: &Array2<f64>) -> f64 {
        let (mean, se) = (self.mean(), self.standard_error());
        let mut worst: f64 = 0.0;
        for ((m, s), t) in mean.iter().zip(&se).zip(target) {
            let gap = (m - t).abs();
            worst = worst.max(if *s > 0.0 {
                gap / s
            } else if gap < 1e-12 {
                0.0
            } else {
                f64::INFINITY
            });
        }
        worst
    }
}

fn garnet() -> TabularMdp {
    GarnetParams {
        states: 4,
        actions: 3,
        branching: 2,
        gamma: 0.9,
        seed: 11,
    }
    .build()
    .unwrap()
}

/// FrozenLake 4x4 (slippery; holes and the goal end the episode with `done`), γ = 0.9, started
/// uniformly so that every state is visited.
fn frozenlake() -> TabularMdp {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("mdps/frozenlake4x4.json");
    let mdp = format::load(&path).unwrap().with_gamma(0.9).unwrap();
    let n = mdp.n_states();
    mdp.with_initial(vec![1.0 / n as f64; n]).unwrap()
}

/// A random non-uniform softmax policy.
fn random_policy(mdp: &TabularMdp, seed: u64) -> Array2<f64> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let logits = Array2::from_shape_fn((mdp.n_states(), mdp.n_actions()), |_| {
        3.0 * rng.random::<f64>() - 1.5
    });
    TabularSoftmax::from_logits(mdp, logits)
        .unwrap()
        .probabilities()
}

fn worlds() -> Vec<(&'static str, TabularMdp)> {
    vec![("garnet(4,3,2)", garnet()), ("frozenlake", frozenlake())]
}

#[test]
fn reinforce_is_unbiased_with_every_baseline_and_v_reduces_variance() {
    for (name, mdp) in worlds() {
        let policy = random_policy(&mdp, 5);
        let exact = softmax_gradient(&mdp, policy.view()).unwrap();
        let v = exact.values.v.clone();
        let baselines = [
            ("none", Baseline::None),
            ("V^pi", Baseline::PerState(v.clone())),
            (
                "constant",
                Baseline::Constant(v.mean().unwrap_or(0.0) + 0.5),
            ),
        ];
        let mut variances = Vec::new();
        for (label, baseline) in &baselines {
            let m = Moments::collect(policy.dim(), 21, |rng| {
                let batch =
                    reinforce_batch(&mdp, policy.view(), baseline, PER_ESTIMATE, rng).unwrap();
                let g = batch.mean_gradient(policy.view()).unwrap();
                (batch, g)
            });
            let z = m.max_z(&exact.gradient);
            let total_variance = m.variance().sum();
            println!(
                "REINFORCE {name} baseline {label}: max z = {z:.2}, Σ var = {total_variance:.4}"
            );
            assert!(z < 4.0, "{name}, baseline {label}: max z = {z}");
            variances.push(total_variance);
        }
        assert!(
            variances[1] < variances[0],
            "{name}: the V^pi baseline should reduce the variance: {variances:?}"
        );
    }
}

#[test]
fn gae_with_exact_values_is_unbiased_for_every_lambda() {
    for (name, mdp) in worlds() {
        let policy = random_policy(&mdp, 6);
        let exact = softmax_gradient(&mdp, policy.view()).unwrap();
        for lambda in [0.0, 0.5, 1.0] {
            let m = Moments::collect(policy.dim(), 22, |rng| {
                let batch = gae_batch(
                    &mdp,
                    policy.view(),
                    exact.values.v.view(),
                    lambda,
                    PER_ESTIMATE,
                    rng,
                )
                .unwrap();
                let g = batch.mean_gradient(policy.view()).unwrap();
                (batch, g)
            });
            let z = m.max_z(&exact.gradient);
            println!(
                "GAE {name} lambda {lambda}: max z = {z:.2}, Σ var = {:.4}",
                m.variance().sum()
            );
            assert!(z < 4.0, "{name}, lambda {lambda}: max z = {z}");
        }
    }
}

/// Negative control: V + 1 on state 0 biases GAE(0) by
/// ν(s)·γ·π(b|s)·(P̃(0|s, b) − Σ_a π(a|s)·P̃(0|s, a)) (the action-dependent part of
/// E[c_t·V(s_{t+1})]); the same N detects it, and the mean agrees with exact + that bias.
#[test]
fn gae_with_a_wrong_value_table_is_detected_as_biased() {
    let mdp = garnet();
    let policy = random_policy(&mdp, 6);
    let exact = softmax_gradient(&mdp, policy.view()).unwrap();
    let mut wrong = exact.values.v.clone();
    wrong[0] += 1.0;
    let m = Moments::collect(policy.dim(), 23, |rng| {
        let batch = gae_batch(&mdp, policy.view(), wrong.view(), 0.0, PER_ESTIMATE, rng).unwrap();
        let g = batch.mean_gradient(policy.view()).unwrap();
        (batch, g)
    });
    let visitation = discounted_visitation(&mdp, policy.view()).unwrap();
    let to_zero = Array2::from_shape_fn(policy.dim(), |(s, a)| {
        mdp.outcomes(s, a)
            .iter()
            .filter(|o| !o.done && o.next_state == 0)
            .map(|o| o.probability)
            .sum::<f64>()
    });
    let predicted = Array2::from_shape_fn(policy.dim(), |(s, b)| {
        let average: f64 = policy.row(s).dot(&to_zero.row(s));
        visitation[s] * mdp.gamma() * policy[[s, b]] * (to_zero[[s, b]] - average)
    });
    let z_exact = m.max_z(&exact.gradient);
    let z_biased = m.max_z(&(&exact.gradient + &predicted));
    println!(
        "GAE(0) with V+1 on state 0: max z vs exact = {z_exact:.2}, vs exact+bias = {z_biased:.2}"
    );
    assert!(
        z_exact > 4.0,
        "the wrong V went undetected: max z = {z_exact}"
    );
    assert!(
        z_biased < 4.0,
        "the bias is not the predicted one: max z = {z_biased}"
    );
}

fn bernoulli_bandit() -> TabularMdp {
    BanditParams {
        means: vec![0.2, 0.5, 0.9],
        bernoulli: true,
    }
    .build()
    .unwrap()
}

/// E[(1/G)·Σ_i Â_i·∇log π(a_i)] on a one-state bandit, by enumerating every G-tuple of
/// (arm, outcome).
fn enumerated_expectation(
    mdp: &TabularMdp,
    policy: &Array2<f64>,
    kind: GroupAdvantage,
    g: usize,
) -> Array2<f64> {
    let pulls: Vec<(usize, f64, f64)> = (0..mdp.n_actions())
        .flat_map(|a| {
            mdp.outcomes(0, a)
                .iter()
                .map(move |o| (a, policy[[0, a]] * o.probability, o.reward))
        })
        .collect();
    let mut expectation = Array2::zeros(policy.dim());
    for code in 0..pulls.len().pow(g as u32) {
        let tuple: Vec<_> = (0..g)
            .map(|i| pulls[code / pulls.len().pow(i as u32) % pulls.len()])
            .collect();
        let probability: f64 = tuple.iter().map(|p| p.1).product();
        let returns: Vec<f64> = tuple.iter().map(|p| p.2).collect();
        let advantages = group_advantages(&returns, kind).unwrap();
        for (&(arm, _, _), advantage) in tuple.iter().zip(advantages) {
            for b in 0..mdp.n_actions() {
                let score = f64::from(u8::from(b == arm)) - policy[[0, b]];
                expectation[[0, b]] += probability * advantage * score / g as f64;
            }
        }
    }
    expectation
}

fn group_moments(
    mdp: &TabularMdp,
    policy: &Array2<f64>,
    kind: GroupAdvantage,
    g: usize,
) -> Moments {
    Moments::collect(policy.dim(), 24 + g as u64, |rng| {
        let batch = group_batch(mdp, policy.view(), kind, g, PER_ESTIMATE, rng).unwrap();
        let estimate = batch.mean_gradient(policy.view()).unwrap();
        (batch, estimate)
    })
}

#[test]
fn dr_grpo_has_expectation_one_minus_one_over_g_times_the_gradient() {
    let mdp = bernoulli_bandit();
    let policy = random_policy(&mdp, 7);
    let gradient = softmax_gradient(&mdp, policy.view()).unwrap().gradient;
    for g in [2, 3] {
        let shrunk = &gradient * (1.0 - 1.0 / g as f64);
        let enumerated = enumerated_expectation(&mdp, &policy, GroupAdvantage::DrGrpo, g);
        let gap = (&enumerated - &shrunk)
            .mapv(f64::abs)
            .fold(0.0f64, |m, &x| m.max(x));
        assert!(
            gap < 1e-12,
            "G = {g}: enumeration differs from (1 − 1/G)∇J by {gap}"
        );
        let m = group_moments(&mdp, &policy, GroupAdvantage::DrGrpo, g);
        let (z_shrunk, z_full) = (m.max_z(&shrunk), m.max_z(&gradient));
        println!("Dr.GRPO G={g}: max z vs (1−1/G)∇J = {z_shrunk:.2}, vs ∇J = {z_full:.2}");
        assert!(z_shrunk < 4.0, "G = {g}: max z = {z_shrunk}");
        if g == 2 {
            assert!(
                z_full > 4.0,
                "G = 2 should be told apart from ∇J: max z = {z_full}"
            );
        }
    }
}

fn max_gap(a: &Array2<f64>, b: &Array2<f64>) -> f64 {
    (a - b).mapv(f64::abs).fold(0.0f64, |m, &x| m.max(x))
}

/// GRPO on a bandit with deterministic, distinct arm rewards: for G = 2 the enumerated
/// expectation is the rank gradient π(a)·(Pr_b[μ_b < μ_a] − Pr_b[μ_b > μ_a])/√2; for G = 2 and
/// 3 the Monte-Carlo mean agrees with the enumerated expectation.
#[test]
fn grpo_matches_its_enumerated_expectation_on_a_deterministic_bandit() {
    let mdp = BanditParams::default().build().unwrap();
    let means: [f64; 3] = [1.0, 0.9, 0.1];
    let policy = random_policy(&mdp, 7);
    let rank = Array2::from_shape_fn(policy.dim(), |(_, a)| {
        let signed: f64 = (0..3)
            .map(|b| policy[[0, b]] * (means[a] - means[b]).signum() * f64::from(u8::from(a != b)))
            .sum();
        policy[[0, a]] * signed / 2f64.sqrt()
    });
    for g in [2, 3] {
        let enumerated = enumerated_expectation(&mdp, &policy, GroupAdvantage::Grpo, g);
        if g == 2 {
            let gap = max_gap(&enumerated, &rank);
            assert!(gap < 1e-7, "G = 2 is not the rank gradient: gap {gap}");
        }
        let m = group_moments(&mdp, &policy, GroupAdvantage::Grpo, g);
        let z = m.max_z(&enumerated);
        println!("GRPO deterministic bandit G={g}: max z vs enumerated = {z:.2}");
        assert!(z < 4.0, "G = {g}: max z = {z}");
    }
}

/// GRPO with 0/1 rewards and G ∈ {2, 3}: every non-unanimous group has the same std, so the
/// expectation is (1 − 1/G)/std·∇J (∇J/√2, resp. (2/√3)·∇J).
#[test]
fn grpo_with_binary_rewards_is_a_rescaled_gradient() {
    let mdp = bernoulli_bandit();
    let policy = random_policy(&mdp, 7);
    let gradient = softmax_gradient(&mdp, policy.view()).unwrap().gradient;
    for (g, factor) in [(2, 0.5f64.sqrt()), (3, 2.0 / 3f64.sqrt())] {
        let expected = &gradient * factor;
        let enumerated = enumerated_expectation(&mdp, &policy, GroupAdvantage::Grpo, g);
        let gap = max_gap(&enumerated, &expected);
        assert!(gap < 1e-7, "G = {g}: enumeration differs by {gap}");
        let m = group_moments(&mdp, &policy, GroupAdvantage::Grpo, g);
        let z = m.max_z(&expected);
        println!("GRPO Bernoulli bandit G={g}: max z vs {factor:.4}·∇J = {z:.2}");
        assert!(z < 4.0, "G = {g}: max z = {z}");
    }
}

#[test]
fn the_same_seed_gives_the_same_estimates() {
    let mdp = garnet();
    let policy = random_policy(&mdp, 8);
    let v: Array1<f64> = evaluate(&mdp, policy.view()).unwrap().v;
    let estimate = |seed: u64| {
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let p = policy.view();
        [
            reinforce_batch(&mdp, p, &Baseline::PerState(v.clone()), 5, &mut rng),
            gae_batch(&mdp, p, v.view(), 0.7, 5, &mut rng),
            group_batch(&mdp, p, GroupAdvantage::Grpo, 4, 2, &mut rng),
        ]
        .map(|batch| batch.unwrap().mean_gradient(p).unwrap())
    };
    assert_eq!(estimate(3), estimate(3));
    assert_ne!(estimate(3), estimate(4));
}

/// The model-free critics of sampled mode (`critic = 1, 2`) estimate V^π from the batch alone:
/// the every-visit Monte-Carlo values lie within 5 cluster-robust standard errors of V^π (visits
/// of one episode are correlated, so each episode is one cluster of the ratio estimator), and
/// batch TD(0)'s certainty-equivalence values converge: averaged over four seeds, 16× the
/// episodes cut the largest error more than twofold (1/√n predicts fourfold).
#[test]
fn model_free_critics_estimate_the_policy_values() {
    use policylab::estimator::sample_episodes;
    use policylab::estimator::tabular_critic::{batch_td_values, monte_carlo_values};
    for (name, mdp) in worlds() {
        let policy = random_policy(&mdp, 5);
        let exact = evaluate(&mdp, policy.view()).unwrap().v;
        let n = mdp.n_states();
        let (mut small_errors, mut large_errors) = (0.0, 0.0);
        for seed in 17..21 {
            let mut rng = ChaCha8Rng::seed_from_u64(seed);
            let episodes = sample_episodes(&mdp, policy.view(), 40_000, &mut rng).unwrap();
            // Cluster sums per episode: S_e(s) = Σ of returns-to-go at visits of s, n_e(s) =
            // visits.
            let mc = monte_carlo_values(&episodes, n).unwrap();
            let mut visits = vec![0.0f64; n];
            let mut squares = vec![0.0f64; n];
            for episode in &episodes {
                let mut per_state = vec![(0.0f64, 0.0f64); n];
                for (&s, g) in episode.states.iter().zip(episode.returns_to_go()) {
                    per_state[s].0 += g;
                    per_state[s].1 += 1.0;
                }
                for s in 0..n {
                    let (sum, count) = per_state[s];
                    visits[s] += count;
                    squares[s] += (sum - mc[s] * count).powi(2);
                }
            }
            let checked: Vec<usize> = (0..n).filter(|&s| visits[s] > 100.0).collect();
            for &s in &checked {
                let standard_error = squares[s].sqrt() / visits[s];
                let error = (mc[s] - exact[s]).abs();
                assert!(
                    error <= 5.0 * standard_error,
                    "{name}, seed {seed}, state {s}: Monte-Carlo {} vs V^pi {} ({error} > 5 × {standard_error})",
                    mc[s],
                    exact[s]
                );
            }
            let largest_error = |values: &Array1<f64>| {
                checked
                    .iter()
                    .map(|&s| (values[s] - exact[s]).abs())
                    .fold(0.0f64, f64::max)
            };
            small_errors += largest_error(&batch_td_values(&episodes[..2_500], n).unwrap());
            large_errors += largest_error(&batch_td_values(&episodes, n).unwrap());
        }
        assert!(
            large_errors * 2.0 < small_errors,
            "{name}: batch TD(0)'s mean largest error {} with 40 000 episodes against {} with 2 500",
            large_errors / 4.0,
            small_errors / 4.0
        );
    }
}

/// PPO-clip in model-free sampled mode (Monte-Carlo or TD critic, no exact values in the update)
/// improves J on a Garnet, records how far its critic is from V^π, and refuses a fitted critic
/// without samples.
#[test]
fn model_free_ppo_improves_the_policy() {
    use policylab::algo::catalogue::run_named;
    use policylab::exact::Problem;
    use policylab::world::World;
    let problem = Problem::new(garnet()).unwrap();
    for critic in ["1", "2"] {
        let given: Vec<(String, f64)> = [
            ("episodes", 20.0),
            ("critic", critic.parse().unwrap()),
            ("learning_rate", 0.5),
        ]
        .iter()
        .map(|(k, v)| (k.to_string(), *v))
        .collect();
        let mut records = Vec::new();
        run_named("ppo-clip", &given, &problem, 60, 3, |_, r| {
            records.push(r.clone())
        })
        .unwrap();
        let j = |t: usize| records[t].get("J").unwrap();
        assert!(
            j(59) > j(0) + 0.1 * (problem.reference().optimal_objective - j(0)),
            "critic {critic}: J {} → {}",
            j(0),
            j(59)
        );
        assert!(
            records
                .iter()
                .all(|r| r.get("critic_error").is_some_and(|e| e.is_finite()))
        );
    }
    let given = vec![("critic".to_string(), 1.0)];
    let error = run_named("ppo-clip", &given, &problem, 5, 3, |_, _| {}).unwrap_err();
    assert!(error.to_string().contains("episodes > 0"), "{error}");
}
