//! Supervised fine-tuning (SFT) on generated correct traces: the starting point of RL.
//!
//! Each example is `[BOS] prompt solution [EOS]` from a task's training split
//! ([`crate::llm::task`]); the loss is the cross-entropy of the response tokens (the solution and
//! its EOS) given everything before them, averaged over the response tokens of the batch:
//!
//! L(θ) = −(1/Σ_i |y_i|)·Σ_i Σ_t log π_θ(y_{i,t} | x_i, y_{i,<t}).
//!
//! The prompt tokens are not trained on. Optimizer: AdamW (Loshchilov & Hutter 2019) with the
//! warm-up and cosine schedule of [`crate::llm::schedule`]; gradients are clipped by norm per
//! parameter tensor (burn's `GradientClippingConfig::Norm`, not PyTorch's global
//! `clip_grad_norm_`).

use burn::grad_clipping::GradientClippingConfig;
use burn::module::AutodiffModule;
use burn::optim::adaptor::OptimizerAdaptor;
use burn::optim::{AdamW, AdamWConfig, GradientsParams, Optimizer};
use burn::tensor::backend::{AutodiffBackend, Backend};
use burn::tensor::{Int, Tensor, TensorData};
use serde::{Deserialize, Serialize};

use super::model::Transformer;
use super::policy_loss::to_host;
use super::schedule::LearningRateSchedule;
use super::scoring::token_scores;
use super::task::Problem;
use super::vocab::{Token, Vocab};
use crate::core::error::{Error, Result};

/// SFT's hyper-parameters.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct SftConfig {
    /// Optimizer steps.
    pub steps: usize,
    /// Examples per step.
    pub batch_size: usize,
    pub learning_rate: LearningRateSchedule,
    /// AdamW's decoupled weight decay.
    pub weight_decay: f64,
    /// Per-tensor gradient norm bound (0: none).
    pub gradient_clip: f64,
}

impl Default for SftConfig {
    fn default() -> Self {
        SftConfig {
            steps: 1000,
            batch_size: 64,
            learning_rate: LearningRateSchedule {
                peak: 1e-3,
                warmup_steps: 50,
                floor: 0.1,
            },
            weight_decay: 0.01,
            gradient_clip: 1.0,
        }
    }
}

impl SftConfig {
    /// Checks every field, naming it in the error.
    pub fn validate(&self) -> Result<()> {
        if self.steps == 0 || self.batch_size == 0 {
            return Err(Error::invalid(
                "sft",
                format!("steps = {}, batch_size = {}", self.steps, self.batch_size),
                "expected at least one step of at least one example",
            ));
        }
        self.learning_rate.validate()?;
        for (field, value) in [
            ("sft.weight_decay", self.weight_decay),
            ("sft.gradient_clip", self.gradient_clip),
        ] {
            if !(value.is_finite() && value >= 0.0) {
                return Err(Error::invalid(
                    field,
                    format!("found {value}"),
                    "expected a finite value ≥ 0",
                ));
            }
        }
        Ok(())
    }
}

/// The AdamW optimizer of a transformer, as SFT and RL configure it.
pub type TransformerOptimizer<B> = OptimizerAdaptor<AdamW, Transformer<B>, B>;

/// AdamW with decoupled weight decay `weight_decay`, ε = 1e-8 (PyTorch's default) and per-tensor
/// gradient clipping at `gradient_clip` (0: none).
pub fn adamw<B: AutodiffBackend>(weight_decay: f64, gradient_clip: f64) -> TransformerOptimizer<B> {
    let clipping =
        (gradient_clip > 0.0).then_some(GradientClippingConfig::Norm(gradient_clip as f32));
    AdamWConfig::new()
        .with_weight_decay(weight_decay as f32)
        .with_epsilon(1e-8)
        .with_grad_clipping(clipping)
        .init()
}

/// `[BOS] prompt` and `solution [EOS]` as tokens.
pub fn encode_example(vocab: &Vocab, problem: &Problem) -> Result<(Vec<Token>, Vec<Token>)> {
    let mut prompt = vec![Vocab::BOS];
    prompt.extend(vocab.encode(&problem.prompt)?);
    let mut response = vocab.encode(&problem.solution)?;
    response.push(Vocab::EOS);
    Ok((prompt, response))
}

/// Prompt-and-response sequences laid out for [`token_scores`]: tokens `[batch, T]` padded with
/// PAD, and a mask `[batch, T − 1]` that is 1 where the next token is a response token. All
/// prompts must have one length.
pub fn teacher_forcing_batch<B: Backend>(
    examples: &[(Vec<Token>, Vec<Token>)],
    device: &B::Device,
) -> Result<(Tensor<B, 2, Int>, Tensor<B, 2>)> {
    let Some((first, _)) = examples.first() else {
        return Err(Error::invalid("examples", "none", "at least one example"));
    };
    let prompt_len = first.len();
    if let Some(i) = examples
        .iter()
        .position(|(p, r)| p.len() != prompt_len || r.is_empty())
    {
        return Err(Error::invalid(
            format!("examples[{i}]"),
            "a prompt of another length, or an empty response",
            format!("prompts of {prompt_len} tokens and responses of at least one token"),
        ));
    }
    let width = prompt_len + examples.iter().map(|(_, r)| r.len()).max().unwrap_or(0);
    let rows = examples.len();
    let mut tokens = vec![i64::from(Vocab::PAD); rows * width];
    let mut mask = vec![0.0f32; rows * (width - 1)];
    for (row, (prompt, response)) in examples.iter().enumerate() {
        for (t, &token) in prompt.iter().chain(response).enumerate() {
            tokens[row * width + t] = i64::from(token);
        }
        for k in 0..response.len() {
            mask[row * (width - 1) + prompt_len - 1 + k] = 1.0;
        }
    }
    Ok((
        Tensor::from_data(TensorData::new(tokens, [rows, width]), device),
        Tensor::from_data(TensorData::new(mask, [rows, width - 1]), device),
    ))
}

/// The mean response-token cross-entropy of `examples` under `model` (differentiable).
pub fn sft_loss<B: Backend>(
    model: &Transformer<B>,
    examples: &[(Vec<Token>, Vec<Token>)],
) -> Result<Tensor<B, 1>> {
    let (tokens, mask) = teacher_forcing_batch::<B>(examples, &model.device())?;
    let (log_probs, _) = token_scores(model, tokens)?;
    let count: usize = examples.iter().map(|(_, r)| r.len()).sum();
    Ok((log_probs * mask).sum().neg().div_scalar(count as f64))
}

/// One SFT step's measurements.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SftRecord {
    pub step: usize,
    /// The batch's loss before the update (nats per response token).
    pub loss: f64,
    pub learning_rate: f64,
}

/// A model under SFT with its optimizer.
pub struct SftTrainer<B: AutodiffBackend> {
    model: Option<Transformer<B>>,
    optimizer: TransformerOptimizer<B>,
    config: SftConfig,
    step: usize,
}

impl<B: AutodiffBackend> SftTrainer<B> {
    pub fn new(model: Transformer<B>, config: SftConfig) -> Result<Self> {
        config.validate()?;
        let optimizer = adamw(config.weight_decay, config.gradient_clip);
        Ok(SftTrainer {
            model: Some(model),
            optimizer,
            config,
            step: 0,
        })
    }

    /// Steps taken so far.
    pub fn steps_done(&self) -> usize {
        self.step
    }

    /// One optimizer step on `problems` (their solutions as targets).
    pub fn step(&mut self, vocab: &Vocab, problems: &[Problem]) -> Result<SftRecord> {
        let examples: Vec<(Vec<Token>, Vec<Token>)> = problems
            .iter()
            .map(|p| encode_example(vocab, p))
            .collect::<Result<_>>()?;
        let model = self.model()?;
        let loss = sft_loss(model, &examples)?;
        let value = to_host(loss.clone().detach())?
            .first()
            .copied()
            .unwrap_or(f64::NAN);
        if !value.is_finite() {
            return Err(Error::Numerical {
                origin: format!("SFT step {}", self.step),
                detail: format!("the loss is {value}; the model before this step is kept"),
            });
        }
        let learning_rate = self.config.learning_rate.at(self.step, self.config.steps);
        let gradients = GradientsParams::from_grads(loss.backward(), model);
        // `self.model()` above succeeded, so the model is there to take.
        if let Some(model) = self.model.take() {
            self.model = Some(self.optimizer.step(learning_rate, model, gradients));
        }
        let record = SftRecord {
            step: self.step,
            loss: value,
            learning_rate,
        };
        self.step += 1;
        Ok(record)
    }

    /// The model being trained.
    pub fn model(&self) -> Result<&Transformer<B>> {
        self.model.as_ref().ok_or_else(missing_model)
    }

    /// The trained model.
    pub fn into_model(self) -> Result<Transformer<B>> {
        self.model.ok_or_else(missing_model)
    }
}

/// The model is only ever out of its slot inside the optimizer step, which cannot fail.
fn missing_model() -> Error {
    Error::Usage("the SFT trainer has no model (an optimizer step was interrupted)".to_string())
}

/// The inference copy of a model being trained (no autodiff graph).
pub fn inference_copy<B: AutodiffBackend>(model: &Transformer<B>) -> Transformer<B::InnerBackend> {
    model.valid()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::llm::evaluate::greedy_accuracy;
    use crate::llm::fixtures::{arithmetic, tiny};
    use crate::llm::task::{Holdout, Split};

    type B = burn::backend::Autodiff<burn::backend::NdArray<f32>>;

    #[test]
    fn the_batch_masks_exactly_the_response_tokens() {
        let examples = vec![
            (vec![1, 5, 6], vec![7, 2]),
            (vec![1, 8, 9], vec![10, 11, 2]),
        ];
        let (tokens, mask) =
            teacher_forcing_batch::<burn::backend::NdArray<f32>>(&examples, &Default::default())
                .expect("a batch");
        assert_eq!(tokens.dims(), [2, 6]);
        let tokens = to_host(tokens.float()).expect("tokens");
        assert_eq!(
            tokens,
            vec![1., 5., 6., 7., 2., 0., 1., 8., 9., 10., 11., 2.]
        );
        // Position t predicts token t + 1: the responses start at token 3, so at position 2.
        let mask = to_host(mask).expect("mask");
        assert_eq!(mask, vec![0., 0., 1., 1., 0., 0., 0., 1., 1., 1.]);
        let uneven = vec![(vec![1, 5], vec![7, 2]), (vec![1], vec![8, 2])];
        let error =
            teacher_forcing_batch::<burn::backend::NdArray<f32>>(&uneven, &Default::default())
                .expect_err("prompts of two lengths");
        assert!(error.to_string().contains("examples[1]"), "{error}");
    }

    #[test]
    fn sft_memorizes_a_small_set_and_greedy_decoding_then_answers_it() {
        // Eight fixed 1-digit additions, 60 steps on all of them: the response cross-entropy
        // must fall well below its start (ln 24 ≈ 3.2 nats for a uniform model) and greedy
        // decoding must then answer most of the eight.
        let vocab = Vocab::standard();
        let task = arithmetic(1);
        let problems = Holdout::default()
            .fixed_set(task.as_ref(), Split::Train, 8, 5)
            .expect("eight problems");
        let model = tiny(32).init::<B>(&Default::default(), 1).expect("a model");
        let config = SftConfig {
            steps: 60,
            batch_size: 8,
            learning_rate: LearningRateSchedule {
                peak: 1e-2,
                warmup_steps: 5,
                floor: 0.1,
            },
            ..SftConfig::default()
        };
        let mut trainer = SftTrainer::new(model, config).expect("a trainer");
        let first = trainer.step(&vocab, &problems).expect("a step").loss;
        let mut last = first;
        for _ in 1..60 {
            last = trainer.step(&vocab, &problems).expect("a step").loss;
        }
        assert!(
            first > 2.5,
            "the untrained loss {first} should be near ln 24"
        );
        assert!(
            last < 0.3,
            "loss {first} → {last}: SFT did not fit eight examples"
        );
        assert_eq!(trainer.steps_done(), 60);
        let model = trainer.into_model().expect("the model").valid();
        let accuracy =
            greedy_accuracy(&model, task.as_ref(), &vocab, &problems, 8).expect("an accuracy");
        assert!(
            accuracy >= 0.75,
            "greedy accuracy {accuracy} on the training set"
        );
    }

    #[test]
    fn sft_repeats_bit_for_bit() {
        let vocab = Vocab::standard();
        let task = arithmetic(1);
        let problems = Holdout::default()
            .fixed_set(task.as_ref(), Split::Train, 16, 5)
            .expect("problems");
        let losses = || {
            let model = tiny(32).init::<B>(&Default::default(), 2).expect("a model");
            let mut trainer = SftTrainer::new(model, SftConfig::default()).expect("a trainer");
            (0..5)
                .map(|_| trainer.step(&vocab, &problems).expect("a step").loss)
                .collect::<Vec<f64>>()
        };
        assert_eq!(losses(), losses());
    }

    #[test]
    fn bad_configurations_name_the_field() {
        let zero = SftConfig {
            steps: 0,
            ..SftConfig::default()
        };
        assert!(
            zero.validate()
                .expect_err("no steps")
                .to_string()
                .contains("steps")
        );
        let decay = SftConfig {
            weight_decay: -1.0,
            ..SftConfig::default()
        };
        let error = decay.validate().expect_err("negative decay").to_string();
        assert!(error.contains("sft.weight_decay"), "{error}");
    }
}
