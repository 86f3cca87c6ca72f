//! The burn loss against the f64 objectives: on random logits, the loss's value is minus the
//! objective computed on the host from [`crate::objective`] alone, and burn's autodiff gradient
//! in the logits equals central finite differences of that host objective.

use burn::tensor::activation::log_softmax;
use burn::tensor::{Int, Tensor, TensorData};
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, StandardNormal};

use super::*;
use crate::objective::entropy_bonus::{entropy, entropy_logit_gradient};
use crate::objective::{KlEstimator, objective_from_name};

type B = burn::backend::Autodiff<burn::backend::NdArray<f64>>;

/// f64 tensors whatever the device's default float type (a setting of the device, which the f32
/// tests running beside these share).
fn f64_options() -> burn::tensor::TensorCreationOptions<B> {
    burn::tensor::TensorCreationOptions::new(Default::default())
        .with_dtype(burn::tensor::DType::F64)
}

const ROWS: usize = 4;
const COLUMNS: usize = 5;
const VOCAB: usize = 6;

/// One random minibatch: logits of the current policy, sampled tokens, response lengths, and the
/// old and reference log-probabilities of those tokens.
struct Fixture {
    logits: Vec<f64>,
    tokens: Vec<usize>,
    lengths: Vec<usize>,
    old_log_probs: Vec<f64>,
    ref_log_probs: Vec<f64>,
    advantages: Vec<f64>,
}

fn normal(rng: &mut ChaCha8Rng) -> f64 {
    StandardNormal.sample(rng)
}

fn log_softmax_row(row: &[f64]) -> Vec<f64> {
    let max = row.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let log_sum = row.iter().map(|z| (z - max).exp()).sum::<f64>().ln() + max;
    row.iter().map(|z| z - log_sum).collect()
}

impl Fixture {
    /// `drift` scales how far the old policy's logits are from the current ones.
    fn new(seed: u64, drift: f64) -> Fixture {
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let logits: Vec<f64> = (0..ROWS * COLUMNS * VOCAB)
            .map(|_| normal(&mut rng))
            .collect();
        let tokens: Vec<usize> = (0..ROWS * COLUMNS)
            .map(|_| rng.random_range(0..VOCAB))
            .collect();
        let lengths: Vec<usize> = (0..ROWS).map(|_| rng.random_range(1..=COLUMNS)).collect();
        let shifted = |rng: &mut ChaCha8Rng, scale: f64| -> Vec<f64> {
            let other: Vec<f64> = logits.iter().map(|z| z + scale * normal(rng)).collect();
            let mut packed = Vec::new();
            for (i, &length) in lengths.iter().enumerate() {
                for t in 0..length {
                    let cell = i * COLUMNS + t;
                    let row = log_softmax_row(&other[cell * VOCAB..(cell + 1) * VOCAB]);
                    packed.push(row[tokens[cell]]);
                }
            }
            packed
        };
        let old_log_probs = shifted(&mut rng, drift);
        let ref_log_probs = shifted(&mut rng, 0.5);
        let mut advantages = Vec::new();
        for &length in &lengths {
            let advantage = normal(&mut rng);
            advantages.extend(std::iter::repeat_n(advantage, length));
        }
        Fixture {
            logits,
            tokens,
            lengths,
            old_log_probs,
            ref_log_probs,
            advantages,
        }
    }

    /// Packed log π(a_t) and H_t of the current policy for `logits`.
    fn host_scores(&self, logits: &[f64]) -> (Vec<f64>, Vec<f64>) {
        let (mut log_probs, mut entropies) = (Vec::new(), Vec::new());
        for (i, &length) in self.lengths.iter().enumerate() {
            for t in 0..length {
                let cell = i * COLUMNS + t;
                let row = log_softmax_row(&logits[cell * VOCAB..(cell + 1) * VOCAB]);
                log_probs.push(row[self.tokens[cell]]);
                let probabilities: Vec<f64> = row.iter().map(|l| l.exp()).collect();
                entropies.push(entropy(&probabilities).expect("a distribution"));
            }
        }
        (log_probs, entropies)
    }
}

/// What a test case trains with, built afresh for the burn side and for the host reference.
#[derive(Clone)]
struct Case {
    objective: &'static str,
    params: Vec<(String, f64)>,
    aggregation: Aggregation,
    entropy_bonus: f64,
    kl: Option<(KlEstimator, f64)>,
    drift: f64,
}

impl Case {
    fn config(&self) -> LossConfig {
        LossConfig {
            objective: PolicyObjective::from_name(self.objective, &self.params)
                .expect("a valid objective"),
            aggregation: self.aggregation,
            entropy_bonus: self.entropy_bonus,
            kl: self.kl.map(|(estimator, coefficient)| KlPenalty {
                estimator,
                coefficient,
            }),
        }
    }

    /// The objective from the f64 definitions alone.
    fn host_objective(&self, fixture: &Fixture, logits: &[f64]) -> f64 {
        let (log_probs, entropies) = fixture.host_scores(logits);
        let weights = self
            .aggregation
            .per_token_weights(&fixture.lengths)
            .expect("valid lengths");
        let ratios: Vec<f64> = log_probs
            .iter()
            .zip(&fixture.old_log_probs)
            .map(|(new, old)| (new - old).exp())
            .collect();
        let mut total = 0.0;
        match self.objective {
            "gspo" => {
                let gspo = Gspo {
                    clip_low: 3e-4,
                    clip_high: 4e-4,
                };
                let mut start = 0;
                for &length in &fixture.lengths {
                    let log_ratios: Vec<f64> = (start..start + length)
                        .map(|t| log_probs[t] - fixture.old_log_probs[t])
                        .collect();
                    let value = gspo
                        .sequence(&log_ratios, fixture.advantages[start])
                        .expect("a sequence")
                        .surrogate
                        .value;
                    let weight: f64 = weights[start..start + length].iter().sum();
                    total += weight * value;
                    start += length;
                }
            }
            "kl-cov" => {
                let samples: Vec<TokenSample> = (0..log_probs.len())
                    .map(|t| TokenSample {
                        ratio: ratios[t],
                        advantage: fixture.advantages[t],
                        log_prob: log_probs[t],
                    })
                    .collect();
                let selection = KlCov {
                    fraction: 0.2,
                    coefficient: 1.0,
                }
                .apply(&samples)
                .expect("a selection");
                for (surrogate, w) in selection.surrogates.iter().zip(&weights) {
                    total += w * surrogate.value;
                }
            }
            name => {
                let objective = objective_from_name(name, &self.params).expect("an objective");
                for t in 0..log_probs.len() {
                    total +=
                        weights[t] * objective.surrogate(ratios[t], fixture.advantages[t]).value;
                }
            }
        }
        if let Some((estimator, coefficient)) = self.kl {
            for t in 0..log_probs.len() {
                total -= weights[t]
                    * coefficient
                    * estimator
                        .estimate(log_probs[t], fixture.ref_log_probs[t])
                        .value;
            }
        }
        for t in 0..log_probs.len() {
            total += self.entropy_bonus * weights[t] * entropies[t];
        }
        total
    }
}

/// The burn loss at the fixture's logits: its value, its gradient in the logits and its stats.
fn burn_loss(case: &Case, fixture: &Fixture) -> (f64, Vec<f64>, LossStats) {
    let device = Default::default();
    let logits = Tensor::<B, 3>::from_data(
        TensorData::new(fixture.logits.clone(), [ROWS, COLUMNS, VOCAB]),
        f64_options(),
    )
    .require_grad();
    let log_probs_all = log_softmax(logits.clone(), 2);
    let indices: Vec<i64> = fixture.tokens.iter().map(|&t| t as i64).collect();
    let indices =
        Tensor::<B, 3, Int>::from_data(TensorData::new(indices, [ROWS, COLUMNS, 1]), &device);
    let log_probs = log_probs_all.clone().gather(2, indices).squeeze_dim::<2>(2);
    let entropies = (log_probs_all.clone().exp() * log_probs_all)
        .sum_dim(2)
        .squeeze_dim::<2>(2)
        .neg();
    let mut rng = ChaCha8Rng::seed_from_u64(99);
    let out = policy_loss(
        &case.config(),
        ResponseTensors {
            log_probs,
            entropies: Some(entropies),
        },
        ResponseInputs {
            lengths: &fixture.lengths,
            old_log_probs: &fixture.old_log_probs,
            advantages: &fixture.advantages,
            ref_log_probs: Some(&fixture.ref_log_probs),
        },
        &mut rng,
    )
    .expect("the loss builds");
    let value = to_host(out.loss.clone().detach()).expect("a value")[0];
    let grads = out.loss.backward();
    let gradient =
        to_host(logits.grad(&grads).expect("the logits have a gradient")).expect("a gradient");
    (value, gradient, out.stats)
}

fn case(objective: &'static str, aggregation: Aggregation) -> Case {
    Case {
        objective,
        params: Vec::new(),
        aggregation,
        entropy_bonus: 0.0,
        kl: None,
        drift: 0.3,
    }
}

fn cases() -> Vec<Case> {
    use Aggregation::*;
    let constant = ConstantNormalizer {
        max_length: COLUMNS,
    };
    vec![
        case("pg", TokenMean),
        case("ppo-clip", SequenceMeanTokenMean),
        case("clip-higher", constant),
        case("dual-clip", TokenMean),
        Case {
            entropy_bonus: 0.01,
            kl: Some((KlEstimator::K3, 0.04)),
            ..case("spo", TokenMean)
        },
        Case {
            kl: Some((KlEstimator::K1, 0.1)),
            ..case("sapo", SequenceMeanTokenMean)
        },
        Case {
            entropy_bonus: 0.5,
            kl: Some((KlEstimator::K2, 0.3)),
            ..case("bapo-bounds", constant)
        },
        Case {
            drift: 1e-4,
            ..case("gspo", SequenceMeanTokenMean)
        },
        case("gspo", TokenMean),
        Case {
            params: vec![("fraction".to_string(), 0.2)],
            ..case("kl-cov", TokenMean)
        },
    ]
}

#[test]
fn value_and_autodiff_gradient_match_the_f64_objectives() {
    for (k, case) in cases().iter().enumerate() {
        let fixture = Fixture::new(10 + k as u64, case.drift);
        let (value, gradient, stats) = burn_loss(case, &fixture);
        let objective = case.host_objective(&fixture, &fixture.logits);
        assert!(
            (value + objective).abs() <= 1e-12 * (1.0 + objective.abs()),
            "{}: loss {value} is not −objective {objective}",
            case.objective
        );
        assert!(stats.ratio_mean > 0.0 && stats.ratio_deviation.is_finite());
        let h = 1e-5;
        let mut largest = 0.0f64;
        for (i, autodiff) in gradient.iter().enumerate() {
            let mut plus = fixture.logits.clone();
            plus[i] += h;
            let mut minus = fixture.logits.clone();
            minus[i] -= h;
            // The loss is −objective, so its derivative is minus the objective's.
            let difference = -(case.host_objective(&fixture, &plus)
                - case.host_objective(&fixture, &minus))
                / (2.0 * h);
            largest = largest.max(difference.abs());
            assert!(
                (autodiff - difference).abs() <= 1e-7 * (1.0 + difference.abs()),
                "{} (case {k}): ∂loss/∂logit[{i}] autodiff {autodiff} vs finite difference {difference}",
                case.objective
            );
        }
        assert!(
            largest > 1e-4,
            "{} (case {k}): the gradient vanished everywhere, the check is empty",
            case.objective
        );
    }
}

#[test]
fn clipped_ppo_tokens_carry_no_gradient_and_are_counted() {
    let fixture = Fixture::new(3, 0.6);
    let case = case("ppo-clip", Aggregation::TokenMean);
    let (_, gradient, stats) = burn_loss(&case, &fixture);
    let (log_probs, _) = fixture.host_scores(&fixture.logits);
    let mut clipped = 0;
    let mut start = 0;
    for (i, &length) in fixture.lengths.iter().enumerate() {
        for t in 0..length {
            let ratio = (log_probs[start + t] - fixture.old_log_probs[start + t]).exp();
            let advantage = fixture.advantages[start + t];
            let flat = (advantage > 0.0 && ratio > 1.2) || (advantage < 0.0 && ratio < 0.8);
            if flat {
                clipped += 1;
                let cell = i * COLUMNS + t;
                let row = &gradient[cell * VOCAB..(cell + 1) * VOCAB];
                assert!(row.iter().all(|g| *g == 0.0), "token ({i}, {t}) is clipped");
            }
        }
        start += length;
    }
    assert!(
        clipped > 0,
        "the fixture clips no token; the check is empty"
    );
    let tokens: usize = fixture.lengths.iter().sum();
    assert_eq!(stats.clip_fraction, clipped as f64 / tokens as f64);
}

#[test]
fn on_policy_ratios_are_one_and_nothing_is_clipped() {
    let fixture = Fixture::new(5, 0.0);
    let (_, _, stats) = burn_loss(&case("ppo-clip", Aggregation::TokenMean), &fixture);
    assert!((stats.ratio_mean - 1.0).abs() < 1e-12);
    assert!(stats.ratio_deviation < 1e-12);
    assert_eq!(stats.clip_fraction, 0.0);
}

#[test]
fn the_entropy_bonus_gradient_is_the_f64_entropy_gradient() {
    // One token, advantage 0: the loss is −c·H(softmax(z)), so ∂loss/∂z = −c·∂H/∂z.
    let z = vec![0.3, -1.2, 2.0, 0.0, 0.7];
    let logits = Tensor::<B, 3>::from_data(TensorData::new(z.clone(), [1, 1, 5]), f64_options())
        .require_grad();
    let log_probs_all = log_softmax(logits.clone(), 2);
    let log_probs = log_probs_all
        .clone()
        .slice([0..1, 0..1, 0..1])
        .squeeze_dim::<2>(2);
    let entropies = (log_probs_all.clone().exp() * log_probs_all)
        .sum_dim(2)
        .squeeze_dim::<2>(2)
        .neg();
    let coefficient = 0.7;
    let current = to_host(log_probs.clone().detach()).expect("a value");
    let out = policy_loss(
        &LossConfig {
            objective: PolicyObjective::from_name("pg", &[]).expect("pg"),
            aggregation: Aggregation::TokenMean,
            entropy_bonus: coefficient,
            kl: None,
        },
        ResponseTensors {
            log_probs,
            entropies: Some(entropies),
        },
        ResponseInputs {
            lengths: &[1],
            old_log_probs: &current,
            advantages: &[0.0],
            ref_log_probs: None,
        },
        &mut ChaCha8Rng::seed_from_u64(0),
    )
    .expect("the loss builds");
    let grads = out.loss.backward();
    let gradient = to_host(logits.grad(&grads).expect("a gradient")).expect("values");
    let row = log_softmax_row(&z);
    let probabilities: Vec<f64> = row.iter().map(|l| l.exp()).collect();
    let expected = entropy_logit_gradient(&probabilities).expect("a distribution");
    for (g, e) in gradient.iter().zip(&expected) {
        assert!((g + coefficient * e).abs() < 1e-12, "{g} vs −c·{e}");
    }
    let h = entropy(&probabilities).expect("a distribution");
    assert!((out.stats.entropy - h).abs() < 1e-12);
}

#[test]
fn clip_cov_removes_the_drawn_tokens_from_the_gradient() {
    let fixture = Fixture::new(8, 0.05);
    let params = vec![
        ("fraction".to_string(), 0.25),
        ("lower".to_string(), -100.0),
        ("upper".to_string(), 100.0),
    ];
    let clip_cov = Case {
        params,
        ..case("clip-cov", Aggregation::TokenMean)
    };
    let (_, with_cov, stats) = burn_loss(&clip_cov, &fixture);
    let (_, plain, _) = burn_loss(&case("ppo-clip", Aggregation::TokenMean), &fixture);
    let tokens: usize = fixture.lengths.iter().sum();
    assert_eq!(
        stats.selected,
        (0.25 * tokens as f64).floor().max(1.0) as usize
    );
    // Each token's logits get gradient only from that token's term, so a token's gradient is
    // either PPO-clip's or zero (drawn); exactly `selected` nonzero PPO rows become zero.
    let (mut zeroed, mut kept) = (0, 0);
    for (i, &length) in fixture.lengths.iter().enumerate() {
        for t in 0..length {
            let cell = i * COLUMNS + t;
            let a = &with_cov[cell * VOCAB..(cell + 1) * VOCAB];
            let b = &plain[cell * VOCAB..(cell + 1) * VOCAB];
            if a.iter().all(|g| *g == 0.0) && b.iter().any(|g| *g != 0.0) {
                zeroed += 1;
            } else {
                assert!(a.iter().zip(b).all(|(x, y)| (x - y).abs() < 1e-15));
                kept += 1;
            }
        }
    }
    assert_eq!(zeroed, stats.selected);
    assert_eq!(zeroed + kept, tokens);
}

#[test]
fn bad_configurations_are_errors() {
    let trpo = PolicyObjective::from_name("trpo", &[]).expect_err("trpo is refused");
    assert!(trpo.to_string().contains("not a per-token loss"), "{trpo}");
    let unknown = PolicyObjective::from_name("grpo-ish", &[]).expect_err("unknown");
    assert!(unknown.to_string().contains("clip-cov"), "{unknown}");
    let parameter = PolicyObjective::from_name("kl-cov", &[("clip_low".to_string(), 0.1)])
        .expect_err("kl-cov has no clip");
    assert!(parameter.to_string().contains("fraction"), "{parameter}");
    let range = PolicyObjective::from_name("clip-cov", &[("fraction".to_string(), 2.0)])
        .expect_err("a fraction above 1");
    assert!(range.to_string().contains("fraction"), "{range}");

    let fixture = Fixture::new(1, 0.1);
    let device = Default::default();
    let log_probs = Tensor::<B, 2>::zeros([ROWS, COLUMNS], &device);
    let run = |config: &LossConfig,
               entropies: Option<Tensor<B, 2>>,
               reference: Option<&[f64]>,
               advantages: &[f64]| {
        policy_loss(
            config,
            ResponseTensors {
                log_probs: log_probs.clone(),
                entropies,
            },
            ResponseInputs {
                lengths: &fixture.lengths,
                old_log_probs: &fixture.old_log_probs,
                advantages,
                ref_log_probs: reference,
            },
            &mut ChaCha8Rng::seed_from_u64(0),
        )
        .map(|_| ())
        .expect_err("refused")
        .to_string()
    };
    let bonus = Case {
        entropy_bonus: 0.1,
        ..case("pg", Aggregation::TokenMean)
    };
    assert!(run(&bonus.config(), None, None, &fixture.advantages).contains("entropies"));
    let kl = Case {
        kl: Some((KlEstimator::K3, 0.1)),
        ..case("pg", Aggregation::TokenMean)
    };
    assert!(run(&kl.config(), None, None, &fixture.advantages).contains("reference"));
    let mut mixed = fixture.advantages.clone();
    let first_long = fixture
        .lengths
        .iter()
        .position(|&l| l > 1)
        .expect("a response of two tokens or more");
    let start: usize = fixture.lengths[..first_long].iter().sum();
    mixed[start + 1] += 1.0;
    let gspo = case("gspo", Aggregation::TokenMean);
    assert!(run(&gspo.config(), None, None, &mixed).contains("one advantage per response"));
    let short = run(
        &case("pg", Aggregation::TokenMean).config(),
        None,
        None,
        &fixture.advantages[1..],
    );
    assert!(short.contains("advantages"), "{short}");
}
