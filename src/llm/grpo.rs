//! Group-relative RL on a verifiable task — GRPO (Shao et al. 2024, "DeepSeekMath", §4.1) and its
//! variants — with any objective of [`crate::llm::policy_loss`].
//!
//! One step:
//! 1. draw B training prompts and sample G responses to each at temperature 1 from the current
//!    policy (π_old), recording each token's log-probability and full-vocabulary entropy;
//! 2. score each response with the task (1 or 0) and turn each group's rewards into advantages
//!    (GRPO: (R − mean)/std; Dr.GRPO: R − mean), the response's advantage on each of its tokens;
//! 3. drop the groups whose rewards are all equal (they carry no gradient; Cui et al. 2025 filter
//!    them, as DAPO does);
//! 4. for `epochs` passes, split the kept responses into `minibatches` and take one AdamW step on
//!    each, the loss built from the objective on the ratio π_θ/π_old (the first minibatch of the
//!    first pass is exactly on-policy, ratio 1);
//! 5. measure, on the very token contexts of the kept responses, the entropy before and after the
//!    update — ΔH free of sampling noise — and KL(π_old‖π_new) by the k1 estimator.
//!
//! Defaults follow Cui et al. 2025 (§2.2, §4.3): temperature 1, no KL and no entropy bonus,
//! PPO-clip ε = 0.2, token-mean aggregation, filtered groups, a constant learning rate.

use burn::module::AutodiffModule;
use burn::optim::{GradientsParams, Optimizer};
use burn::record::{FullPrecisionSettings, NamedMpkBytesRecorder, Recorder};
use burn::tensor::backend::AutodiffBackend;
use rand::RngExt;
use rand_chacha::ChaCha8Rng;

use super::evaluate::{encode_prompt, response_budget};
use super::model::Transformer;
use super::policy_loss::{LossConfig, ResponseInputs, ResponseTensors, pack, policy_loss, to_host};
use super::rollout::{Group, Response, advantages, rollout_stats};
use super::sampler::{SamplerConfig, Samples, sample};
use super::scoring::token_scores;
use super::sft::{TransformerOptimizer, adamw};
use super::task::{Holdout, Split, Task};
use super::vocab::{Token, Vocab};
use crate::core::error::{Error, Result};
use crate::core::record::Record;
use crate::estimator::group::GroupAdvantage;

/// The largest importance ratio π_θ/π_old an update may meet: beyond it (or at a non-finite one)
/// the step stops with an error and the model before the update is kept. PPO-style updates keep
/// ratios within a few tenths of 1; since π_θ ≤ 1, r ≤ 1/π_old, so 10⁴ means a token the old
/// policy drew with probability below 10⁻⁴ became near certain. A non-finite loss or measurement
/// stops the step the same way.
pub const MAX_RATIO: f64 = 1e4;

/// The encoding of the optimizer state: burn's named MessagePack at full precision.
fn optimizer_recorder() -> NamedMpkBytesRecorder<FullPrecisionSettings> {
    NamedMpkBytesRecorder::default()
}

/// The RL loop's hyper-parameters (the objective and its extras are in [`LossConfig`]).
#[derive(Debug, Clone, PartialEq)]
pub struct RlConfig {
    /// B, prompts per step.
    pub prompts_per_step: usize,
    /// G ≥ 2, responses per prompt.
    pub group_size: usize,
    /// Passes over each step's responses.
    pub epochs: usize,
    /// Optimizer steps per pass.
    pub minibatches: usize,
    /// The constant learning rate.
    pub learning_rate: f64,
    pub weight_decay: f64,
    /// Per-tensor gradient norm bound (0: none).
    pub gradient_clip: f64,
    /// Sampling temperature of the rollouts.
    pub temperature: f64,
    pub advantage: GroupAdvantage,
    /// Drop groups whose rewards are all equal.
    pub filter_groups: bool,
}

impl Default for RlConfig {
    fn default() -> Self {
        RlConfig {
            prompts_per_step: 16,
            group_size: 8,
            epochs: 1,
            minibatches: 1,
            learning_rate: 1e-4,
            weight_decay: 0.0,
            gradient_clip: 1.0,
            temperature: 1.0,
            advantage: GroupAdvantage::Grpo,
            filter_groups: true,
        }
    }
}

impl RlConfig {
    /// Checks every field, naming it in the error.
    pub fn validate(&self) -> Result<()> {
        if self.group_size < 2 {
            return Err(Error::invalid(
                "group_size",
                format!("found {}", self.group_size),
                "expected at least 2 responses per prompt (group-relative advantages compare them)",
            ));
        }
        for (field, value) in [
            ("prompts_per_step", self.prompts_per_step),
            ("epochs", self.epochs),
            ("minibatches", self.minibatches),
        ] {
            if value == 0 {
                return Err(Error::invalid(field, "found 0", "expected at least 1"));
            }
        }
        for (field, value, strictly) in [
            ("learning_rate", self.learning_rate, true),
            ("temperature", self.temperature, true),
            ("weight_decay", self.weight_decay, false),
            ("gradient_clip", self.gradient_clip, false),
        ] {
            let ok = value.is_finite() && if strictly { value > 0.0 } else { value >= 0.0 };
            if !ok {
                return Err(Error::invalid(
                    field,
                    format!("found {value}"),
                    if strictly {
                        "expected a finite value > 0"
                    } else {
                        "expected a finite value ≥ 0"
                    },
                ));
            }
        }
        Ok(())
    }
}

/// A policy under RL: the model, its optimizer, the frozen reference for a KL penalty.
pub struct RlTrainer<B: AutodiffBackend> {
    model: Option<Transformer<B>>,
    reference: Option<Transformer<B::InnerBackend>>,
    optimizer: TransformerOptimizer<B>,
    config: RlConfig,
    loss: LossConfig,
    step: usize,
}

impl<B: AutodiffBackend> RlTrainer<B> {
    /// Starts RL from `model` (usually the SFT checkpoint); with a KL penalty, a frozen copy of
    /// it is the reference policy.
    pub fn new(model: Transformer<B>, config: RlConfig, loss: LossConfig) -> Result<Self> {
        config.validate()?;
        loss.objective.validate()?;
        let reference = loss.kl.is_some().then(|| model.valid());
        Ok(RlTrainer {
            optimizer: adamw(config.weight_decay, config.gradient_clip),
            model: Some(model),
            reference,
            config,
            loss,
            step: 0,
        })
    }

    /// Continues an interrupted run: `model` and the optimizer state `optimizer_state` (from
    /// [`RlTrainer::optimizer_state`]) as they were after `steps_done` steps, and the run's frozen
    /// `reference` policy (the SFT model) when its loss has a KL penalty.
    pub fn resume(
        model: Transformer<B>,
        reference: Option<Transformer<B::InnerBackend>>,
        config: RlConfig,
        loss: LossConfig,
        optimizer_state: &[u8],
        steps_done: usize,
    ) -> Result<Self> {
        config.validate()?;
        loss.objective.validate()?;
        if loss.kl.is_some() != reference.is_some() {
            return Err(Error::Usage(
                "resuming an RL run needs the reference policy exactly when the loss has a KL penalty"
                    .into(),
            ));
        }
        let device = model.device();
        let record = Recorder::<B>::load(&optimizer_recorder(), optimizer_state.to_vec(), &device)
            .map_err(|e| Error::Syntax {
                // Filled in by the caller, who knows the file.
                origin: String::new(),
                detail: format!("cannot decode the optimizer state: {e:?}"),
            })?;
        let optimizer = adamw(config.weight_decay, config.gradient_clip).load_record(record);
        Ok(RlTrainer {
            optimizer,
            model: Some(model),
            reference,
            config,
            loss,
            step: steps_done,
        })
    }

    /// AdamW's state (step counts and both moments of every parameter) as bytes, for
    /// [`RlTrainer::resume`].
    pub fn optimizer_state(&self) -> Result<Vec<u8>> {
        Recorder::<B>::record(&optimizer_recorder(), self.optimizer.to_record(), ()).map_err(|e| {
            Error::Numerical {
                origin: "the optimizer state".into(),
                detail: format!("cannot encode it: {e:?}"),
            }
        })
    }

    /// The model being trained.
    pub fn model(&self) -> Result<&Transformer<B>> {
        self.model.as_ref().ok_or_else(|| {
            Error::Usage("the RL trainer has no model (an optimizer step was interrupted)".into())
        })
    }

    /// Steps taken so far.
    pub fn steps_done(&self) -> usize {
        self.step
    }

    /// One RL step (see the module documentation); returns what it measured.
    pub fn step(
        &mut self,
        task: &dyn Task,
        vocab: &Vocab,
        holdout: &Holdout,
        rng: &mut ChaCha8Rng,
    ) -> Result<Record> {
        let config = self.config.clone();
        let policy = self.model()?.valid();
        // 1. Prompts and rollouts: each prompt repeated G times, in order.
        let mut prompt_texts = Vec::with_capacity(config.prompts_per_step);
        let mut prompts: Vec<Vec<Token>> = Vec::new();
        for _ in 0..config.prompts_per_step {
            let problem = holdout.generate_in(task, Split::Train, rng)?;
            let tokens = encode_prompt(vocab, &problem.prompt)?;
            prompts.extend(std::iter::repeat_n(tokens, config.group_size));
            prompt_texts.push(problem.prompt);
        }
        let sampler = SamplerConfig {
            temperature: config.temperature,
            ..SamplerConfig::new(response_budget(task), Vocab::EOS)
        };
        let samples = sample(&policy, &prompts, &sampler, rng)?;
        // 2. Rewards and advantages.
        let groups: Vec<Group> = (0..config.prompts_per_step)
            .map(|p| Group {
                prompt: p,
                responses: (0..config.group_size)
                    .map(|g| {
                        let row = p * config.group_size + g;
                        let tokens = samples.responses[row].clone();
                        Response {
                            reward: task.score(&prompt_texts[p], &vocab.decode(&tokens)),
                            tokens,
                            log_probs: widen(&samples.log_probs[row]),
                            entropies: widen(&samples.entropies[row]),
                            finished: samples.finished[row],
                        }
                    })
                    .collect(),
            })
            .collect();
        let group_advantages = advantages(&groups, config.advantage)?;
        let rollout = rollout_stats(&groups, &group_advantages)?;
        let mut record = Record::new();
        record.set("reward", rollout.reward);
        record.set("entropy", rollout.entropy);
        record.set("entropy_token", rollout.entropy_token);
        record.set("length", rollout.response_length);
        record.set("finished", rollout.finished);
        record.set("cov_token", rollout.cov_token);
        record.set("cov_group", rollout.cov_group);
        record.set("informative", rollout.groups_informative);
        record.set("learning_rate", config.learning_rate);

        // 3. The responses that carry a gradient.
        let kept: Vec<(usize, f64)> = groups
            .iter()
            .zip(&group_advantages)
            .filter(|(g, _)| !config.filter_groups || g.is_informative())
            .flat_map(|(g, adv)| {
                (0..config.group_size).map(move |k| (g.prompt * config.group_size + k, adv[k]))
            })
            .collect();
        if kept.is_empty() {
            // Nothing to learn from this batch: no update, ΔH and KL are 0.
            for name in [
                "dH",
                "kl",
                "clipfrac",
                "ratio_mean",
                "ratio_deviation",
                "surrogate",
            ] {
                record.set(name, 0.0);
            }
            self.step += 1;
            return Ok(record);
        }
        let rows: Vec<usize> = kept.iter().map(|(row, _)| *row).collect();
        let kept_samples = subset(&samples, &rows);
        let kept_advantages: Vec<f64> = kept.iter().map(|(_, a)| *a).collect();
        let entropy_before = response_entropy(&kept_samples);

        // 4. Updates.
        let mut order: Vec<usize> = (0..rows.len()).collect();
        let (mut clipped, mut ratio_mean, mut ratio_deviation, mut surrogate, mut updates) =
            (0.0, 0.0, 0.0, 0.0, 0.0);
        let mut kl_to_reference = 0.0;
        for epoch in 0..config.epochs {
            if epoch > 0 {
                // A fresh seeded order for later passes; the first pass keeps the sampled order.
                for i in (1..order.len()).rev() {
                    order.swap(i, rng.random_range(0..=i));
                }
            }
            for chunk in chunks(&order, config.minibatches) {
                let mini = subset(&kept_samples, chunk);
                let advantages: Vec<f64> = chunk
                    .iter()
                    .flat_map(|&i| {
                        std::iter::repeat_n(kept_advantages[i], mini_len(&kept_samples, i))
                    })
                    .collect();
                let stats = self.update(&mini, &advantages, rng)?;
                clipped += stats.clip_fraction;
                ratio_mean += stats.ratio_mean;
                ratio_deviation += stats.ratio_deviation;
                surrogate += stats.surrogate;
                kl_to_reference += stats.kl_to_reference;
                updates += 1.0;
            }
        }
        // 5. ΔH and KL(π_old‖π_new) on the same contexts.
        let updated = self.model()?.valid();
        let (after_entropy, after_log_probs) = rescore(&updated, &kept_samples)?;
        let kl: f64 = {
            let old: Vec<f64> = kept_samples
                .log_probs
                .iter()
                .flat_map(|r| widen(r))
                .collect();
            old.iter()
                .zip(&after_log_probs)
                .map(|(o, n)| o - n)
                .sum::<f64>()
                / old.len() as f64
        };
        record.set("dH", after_entropy - entropy_before);
        record.set("kl", kl);
        record.set("clipfrac", clipped / updates);
        record.set("ratio_mean", ratio_mean / updates);
        record.set("ratio_deviation", ratio_deviation / updates);
        record.set("surrogate", surrogate / updates);
        if self.loss.kl.is_some() {
            record.set("kl_ref", kl_to_reference / updates);
        }
        if let Some((name, value)) = record.first_non_finite() {
            return Err(Error::Numerical {
                origin: format!("RL step {}", self.step),
                detail: format!("`{name}` is {value}; the run stops here"),
            });
        }
        self.step += 1;
        Ok(record)
    }

    /// One optimizer step on the responses of `samples` with per-token `advantages` (packed).
    fn update(
        &mut self,
        samples: &Samples,
        advantages: &[f64],
        rng: &mut ChaCha8Rng,
    ) -> Result<super::policy_loss::LossStats> {
        let model = self.model()?;
        let device = model.device();
        let batch = samples.training_batch::<B>(Vocab::PAD, &device)?;
        let [rows, width] = batch.tokens.dims();
        let start = samples.prompt_len - 1;
        let (log_probs, entropies) = token_scores(model, batch.tokens.clone())?;
        let log_probs = log_probs.slice([0..rows, start..width - 1]);
        let entropies = entropies.slice([0..rows, start..width - 1]);
        let lengths: Vec<usize> = samples.responses.iter().map(Vec::len).collect();
        let old: Vec<f64> = samples.log_probs.iter().flat_map(|r| widen(r)).collect();
        let reference = match &self.reference {
            Some(reference) => {
                let (ref_log_probs, _) = token_scores(reference, batch.tokens.inner())?;
                let grid = to_host(ref_log_probs.slice([0..rows, start..width - 1]))?;
                Some(pack(&grid, width - 1 - start, &lengths))
            }
            None => None,
        };
        let out = policy_loss(
            &self.loss,
            ResponseTensors {
                log_probs,
                entropies: Some(entropies),
            },
            ResponseInputs {
                lengths: &lengths,
                old_log_probs: &old,
                advantages,
                ref_log_probs: reference.as_deref(),
            },
            rng,
        )?;
        let value = to_host(out.loss.clone().detach())?[0];
        if !value.is_finite() {
            return Err(Error::Numerical {
                origin: format!("RL step {}", self.step),
                detail: format!("the loss is {value}; the model before this update is kept"),
            });
        }
        let ratio = out.stats.ratio_max;
        if !(ratio.is_finite() && ratio <= MAX_RATIO) {
            return Err(Error::Numerical {
                origin: format!("RL step {}", self.step),
                detail: format!(
                    "the importance ratio π_θ/π_old reached {ratio:.3e} (bound {MAX_RATIO:.0e}): \
                     the updates diverged; the model before this update is kept"
                ),
            });
        }
        let gradients = GradientsParams::from_grads(out.loss.backward(), model);
        // `self.model()` above succeeded, so the model is there to take.
        if let Some(model) = self.model.take() {
            self.model = Some(
                self.optimizer
                    .step(self.config.learning_rate, model, gradients),
            );
        }
        Ok(out.stats)
    }
}

fn widen(values: &[f32]) -> Vec<f64> {
    values.iter().map(|&v| f64::from(v)).collect()
}

fn mini_len(samples: &Samples, row: usize) -> usize {
    samples.responses[row].len()
}

/// The rows `rows` of `samples`, in that order.
fn subset(samples: &Samples, rows: &[usize]) -> Samples {
    Samples {
        prompt_len: samples.prompt_len,
        prompts: rows.iter().map(|&r| samples.prompts[r].clone()).collect(),
        responses: rows.iter().map(|&r| samples.responses[r].clone()).collect(),
        log_probs: rows.iter().map(|&r| samples.log_probs[r].clone()).collect(),
        entropies: rows.iter().map(|&r| samples.entropies[r].clone()).collect(),
        finished: rows.iter().map(|&r| samples.finished[r]).collect(),
    }
}

/// `order` cut into `parts` nearly equal consecutive pieces (none empty).
fn chunks(order: &[usize], parts: usize) -> Vec<&[usize]> {
    let parts = parts.min(order.len()).max(1);
    let base = order.len() / parts;
    let extra = order.len() % parts;
    let mut pieces = Vec::with_capacity(parts);
    let mut start = 0;
    for i in 0..parts {
        let len = base + usize::from(i < extra);
        pieces.push(&order[start..start + len]);
        start += len;
    }
    pieces
}

/// Eq. 5 entropy (mean within each response, then over responses) of the sampler's entropies.
fn response_entropy(samples: &Samples) -> f64 {
    let per_response: Vec<f64> = samples
        .entropies
        .iter()
        .map(|e| e.iter().map(|&v| f64::from(v)).sum::<f64>() / e.len().max(1) as f64)
        .collect();
    per_response.iter().sum::<f64>() / per_response.len().max(1) as f64
}

/// Under `model`, the Eq. 5 entropy of the response contexts of `samples` and the packed
/// log-probabilities of their tokens.
fn rescore<B: burn::tensor::backend::Backend>(
    model: &Transformer<B>,
    samples: &Samples,
) -> Result<(f64, Vec<f64>)> {
    let batch = samples.training_batch::<B>(Vocab::PAD, &model.device())?;
    let [_, width] = batch.tokens.dims();
    let columns = width - 1;
    let (log_probs, entropies) = token_scores(model, batch.tokens)?;
    let log_probs = to_host(log_probs)?;
    let entropies = to_host(entropies)?;
    let start = samples.prompt_len - 1;
    let mut packed = Vec::new();
    let mut total = 0.0;
    for (i, response) in samples.responses.iter().enumerate() {
        let cells = i * columns + start..i * columns + start + response.len();
        packed.extend_from_slice(&log_probs[cells.clone()]);
        total += entropies[cells].iter().sum::<f64>() / response.len() as f64;
    }
    Ok((total / samples.responses.len() as f64, packed))
}

#[cfg(test)]
#[path = "grpo_tests.rs"]
mod tests;
