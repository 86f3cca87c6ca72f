//! GRPO end to end on a tiny model: on-policy first ratio, determinism, and the phenomenon the
//! LLM entries are about — reward rises while the policy entropy falls.

use rand::{RngExt, SeedableRng};

use super::*;
use crate::llm::fixtures::{arithmetic, tiny};
use crate::llm::policy_loss::PolicyObjective;
use crate::llm::sft::{SftConfig, SftTrainer};
use crate::objective::Aggregation;

type B = burn::backend::Autodiff<burn::backend::NdArray<f32>>;

/// One-digit additions restricted to eight fixed training prompts: small enough that a tiny model
/// learns them in seconds, so RL has something to sharpen.
#[derive(Debug)]
struct EightSums {
    inner: Box<dyn Task>,
    problems: Vec<crate::llm::task::Problem>,
}

impl Task for EightSums {
    fn name(&self) -> &'static str {
        "eight-sums"
    }
    fn generate(&self, rng: &mut dyn rand::Rng) -> crate::llm::task::Problem {
        self.problems[rng.random_range(0..self.problems.len())].clone()
    }
    fn score(&self, prompt: &str, response: &str) -> f64 {
        self.inner.score(prompt, response)
    }
    fn prompt_len(&self) -> usize {
        self.inner.prompt_len()
    }
    fn max_response_len(&self) -> usize {
        self.inner.max_response_len()
    }
}

fn task() -> Box<dyn Task> {
    let inner = arithmetic(1);
    let problems = Holdout::default()
        .fixed_set(inner.as_ref(), Split::Train, 8, 5)
        .expect("eight problems");
    Box::new(EightSums { inner, problems })
}

/// A tiny model after a short SFT on the eight sums: right sometimes, not always.
fn warm_start(vocab: &Vocab, task: &dyn Task) -> Transformer<B> {
    let model = tiny(32)
        .init::<B>(&Default::default(), 11)
        .expect("a model");
    let config = SftConfig {
        steps: 15,
        batch_size: 16,
        learning_rate: crate::llm::schedule::LearningRateSchedule {
            peak: 1e-2,
            warmup_steps: 3,
            floor: 0.1,
        },
        ..SftConfig::default()
    };
    let mut trainer = SftTrainer::new(model, config).expect("a trainer");
    let holdout = Holdout::default();
    let mut rng = ChaCha8Rng::seed_from_u64(4);
    for _ in 0..15 {
        let problems: Vec<_> = (0..16)
            .map(|_| {
                holdout
                    .generate_in(task, Split::Train, &mut rng)
                    .expect("a problem")
            })
            .collect();
        trainer.step(vocab, &problems).expect("an SFT step");
    }
    trainer.into_model().expect("the model")
}

fn loss(objective: &str) -> LossConfig {
    LossConfig {
        objective: PolicyObjective::from_name(objective, &[]).expect("an objective"),
        aggregation: Aggregation::TokenMean,
        entropy_bonus: 0.0,
        kl: None,
    }
}

fn run(steps: usize, seed: u64, config: RlConfig) -> Vec<Record> {
    let vocab = Vocab::standard();
    let task = task();
    let mut trainer =
        RlTrainer::new(warm_start(&vocab, task.as_ref()), config, loss("ppo-clip")).expect("RL");
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    (0..steps)
        .map(|_| {
            trainer
                .step(task.as_ref(), &vocab, &Holdout::default(), &mut rng)
                .expect("an RL step")
        })
        .collect()
}

fn config() -> RlConfig {
    RlConfig {
        prompts_per_step: 8,
        group_size: 8,
        learning_rate: 3e-3,
        ..RlConfig::default()
    }
}

#[test]
fn the_first_update_is_on_policy_and_runs_repeat_bit_for_bit() {
    let records = run(3, 1, config());
    let first = &records[0];
    assert!(
        first.get("informative").unwrap_or(0.0) > 0.0,
        "no group to learn from"
    );
    let ratio = first.get("ratio_mean").expect("ratio_mean");
    // Sampler (KV cache) and training forward agree to f32 rounding, so π_θ/π_old = 1.
    assert!((ratio - 1.0).abs() < 1e-4, "first ratio mean {ratio}");
    assert_eq!(first.get("clipfrac"), Some(0.0));
    for name in [
        "reward",
        "entropy",
        "dH",
        "kl",
        "cov_token",
        "cov_group",
        "informative",
    ] {
        let value = first.get(name).unwrap_or(f64::NAN);
        assert!(value.is_finite(), "{name} = {value}");
    }
    assert_eq!(records, run(3, 1, config()));
}

#[test]
fn reward_rises_while_entropy_falls() {
    let records = run(30, 2, config());
    let mean = |name: &str, range: std::ops::Range<usize>| {
        let n = range.len() as f64;
        records[range]
            .iter()
            .map(|r| r.get(name).unwrap_or(f64::NAN))
            .sum::<f64>()
            / n
    };
    let (reward_early, reward_late) = (mean("reward", 0..5), mean("reward", 25..30));
    let (entropy_early, entropy_late) = (mean("entropy", 0..5), mean("entropy", 25..30));
    assert!(
        reward_late > reward_early + 0.1,
        "reward {reward_early:.3} → {reward_late:.3}"
    );
    assert!(
        entropy_late < 0.8 * entropy_early,
        "entropy {entropy_early:.3} → {entropy_late:.3}"
    );
}

#[test]
fn bad_configurations_are_refused() {
    let one = RlConfig {
        group_size: 1,
        ..RlConfig::default()
    };
    let error = one.validate().expect_err("a group of one");
    assert!(error.to_string().contains("group_size"), "{error}");
    let rate = RlConfig {
        learning_rate: 0.0,
        ..RlConfig::default()
    };
    assert!(
        rate.validate()
            .expect_err("no rate")
            .to_string()
            .contains("learning_rate")
    );
}

/// An objective that turns non-finite: the stand-in for a diverging loss.
#[derive(Debug)]
struct Poisoned;

impl crate::objective::Objective for Poisoned {
    fn name(&self) -> &'static str {
        "poisoned"
    }
    fn surrogate(&self, _ratio: f64, _advantage: f64) -> crate::objective::Surrogate {
        crate::objective::Surrogate {
            value: f64::NAN,
            slope: f64::NAN,
            clipped: false,
        }
    }
}

#[test]
fn a_non_finite_loss_stops_the_step_and_keeps_the_model() {
    let vocab = Vocab::standard();
    let task = task();
    let start = warm_start(&vocab, task.as_ref());
    let before = {
        let tokens = probe_tokens();
        to_host(start.valid().forward(tokens)).expect("logits")
    };
    let loss = LossConfig {
        objective: PolicyObjective::Token(Box::new(Poisoned)),
        ..loss("pg")
    };
    let mut trainer = RlTrainer::new(start, config(), loss).expect("RL");
    let mut rng = ChaCha8Rng::seed_from_u64(6);
    let error = trainer
        .step(task.as_ref(), &vocab, &Holdout::default(), &mut rng)
        .expect_err("a NaN loss");
    let message = error.to_string();
    assert!(
        matches!(error, Error::Numerical { .. })
            && message.contains("RL step 0")
            && message.contains("NaN"),
        "{message}"
    );
    let after = to_host(
        trainer
            .model()
            .expect("kept")
            .valid()
            .forward(probe_tokens()),
    )
    .expect("logits");
    assert_eq!(before, after, "the model before the failed update is kept");
}

fn probe_tokens() -> burn::tensor::Tensor<burn::backend::NdArray<f32>, 2, burn::tensor::Int> {
    burn::tensor::Tensor::from_data(
        burn::tensor::TensorData::new(vec![1i64, 5, 6, 7], [1, 4]),
        &Default::default(),
    )
}
