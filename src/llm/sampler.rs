//! Batched autoregressive sampling from the policy, for RL rollouts and evaluation.
//!
//! A batch of equal-length prompts is prefilled through the key/value cache (Vaswani et al. 2017),
//! then decoded one token per step. Each step copies the last position's logits `[batch, vocab]`
//! to the host, where every row's distribution is formed in f64 (temperature, then optional top-k
//! and nucleus/top-p truncation, Holtzman et al. 2020) and one token is drawn from it with the
//! caller's `ChaCha8Rng`, rows in order. The draws therefore depend on the seed alone, not on the
//! thread count; only the logits come from the backend.
//!
//! For each response token the sampler records the log-probability and the full entropy of the
//! distribution it actually drew from. At temperature 1 without truncation that is the policy
//! itself, and the log-probabilities equal [`crate::llm::scoring::token_scores`] of the same
//! sequences (to rounding), so RL's importance ratio π_θ/π_old starts at exactly 1. Greedy decoding
//! (temperature 0) draws nothing: its distribution is a point mass (log-probability 0, entropy 0).
//!
//! A row that emits EOS is finished: it keeps being fed (so the batch stays rectangular) but its
//! later tokens are discarded; decoding stops when every row is finished or after
//! `max_new_tokens` tokens.
//!
//! On the flex backend the batch's rows are split into shards, one per thread, each decoded
//! through its own key/value cache side by side with the others (`Shards`); every row's logits
//! keep their bits whatever the split, so the samples depend on the seed alone.
//!
//! Speed, measured with `cargo run --release --example llm_speed` on the project's 2-core machine
//! (burn's flex backend, f32; side by side with PyTorch in benches/README.md): the `small` preset
//! (0.80M parameters) at batch 64, 16-token prompts and 48 new tokens decodes about 8,000
//! tokens/s (rows × steps) on one thread and about 13,700 on two (PyTorch in the same run: 5,100
//! and 7,100); `tiny` about 36,000 and 66,000. Scoring the resulting `[64, 64]` batch takes
//! ≈ 0.27 s forward and ≈ 0.75 s forward + backward for `small` on one thread, ≈ 0.16 s and
//! ≈ 0.42 s on two ([`crate::llm::flex`] threads its matrix products and elementwise passes).

use burn::tensor::backend::Backend;
use burn::tensor::{Int, Tensor, TensorData};
use rand::RngExt;
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};

use super::model::Transformer;
use crate::core::error::{Error, Result};

/// How to sample. RL uses the defaults (temperature 1, no truncation), so that the samples come
/// from the policy being optimised.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SamplerConfig {
    /// Most tokens generated per prompt (EOS included).
    pub max_new_tokens: usize,
    /// Softmax temperature; 0 means greedy (argmax, lowest id on ties).
    #[serde(default = "default_temperature")]
    pub temperature: f64,
    /// Keep only the k most likely tokens (off by default).
    #[serde(default)]
    pub top_k: Option<usize>,
    /// Keep the smallest set of most likely tokens whose probability reaches p (off by default).
    #[serde(default)]
    pub top_p: Option<f64>,
    /// The end-of-sequence id.
    pub eos: u32,
}

fn default_temperature() -> f64 {
    1.0
}

impl SamplerConfig {
    /// Temperature 1, no truncation.
    pub fn new(max_new_tokens: usize, eos: u32) -> Self {
        SamplerConfig {
            max_new_tokens,
            temperature: 1.0,
            top_k: None,
            top_p: None,
            eos,
        }
    }

    /// Greedy decoding (temperature 0).
    pub fn greedy(max_new_tokens: usize, eos: u32) -> Self {
        SamplerConfig {
            temperature: 0.0,
            ..SamplerConfig::new(max_new_tokens, eos)
        }
    }

    /// Checks the fields: at least one new token, a finite temperature ≥ 0, top-k ≥ 1, top-p in
    /// (0, 1].
    pub fn validate(&self) -> Result<()> {
        if self.max_new_tokens == 0 {
            return Err(Error::invalid("max_new_tokens", "0", "at least 1"));
        }
        if !(self.temperature.is_finite() && self.temperature >= 0.0) {
            return Err(Error::invalid(
                "temperature",
                self.temperature.to_string(),
                "a finite number ≥ 0 (0 = greedy)",
            ));
        }
        if self.top_k == Some(0) {
            return Err(Error::invalid("top_k", "0", "at least 1, or absent"));
        }
        if let Some(p) = self.top_p
            && !(p > 0.0 && p <= 1.0)
        {
            return Err(Error::invalid(
                "top_p",
                p.to_string(),
                "in (0, 1], or absent",
            ));
        }
        Ok(())
    }
}

/// The sampled responses of one batch.
#[derive(Debug, Clone, PartialEq)]
pub struct Samples {
    /// The common prompt length.
    pub prompt_len: usize,
    /// The prompts, as given.
    pub prompts: Vec<Vec<u32>>,
    /// Generated tokens per row, including the EOS when one was emitted.
    pub responses: Vec<Vec<u32>>,
    /// Log-probability of each response token under the distribution it was drawn from.
    pub log_probs: Vec<Vec<f32>>,
    /// Full-vocabulary entropy of that distribution, per response token.
    pub entropies: Vec<Vec<f32>>,
    /// Whether the row emitted EOS (otherwise it was cut at `max_new_tokens`).
    pub finished: Vec<bool>,
}

/// A batch of sampled sequences laid out for training.
#[derive(Debug, Clone)]
pub struct TrainingBatch<B: Backend> {
    /// `[batch, T]`, `T = prompt_len + longest response`: prompt, response, then `pad`.
    pub tokens: Tensor<B, 2, Int>,
    /// `[batch, T − 1]`, aligned with [`crate::llm::scoring::token_scores`]: entry `t` is 1 when
    /// token `t + 1` is a response token (up to and including EOS), else 0.
    pub response_mask: Tensor<B, 2>,
    /// `[batch, T − 1]`, aligned the same way: the sampler's log-probabilities of the response
    /// tokens (π_old for RL's ratios), 0 elsewhere.
    pub sampled_log_probs: Tensor<B, 2>,
}

impl Samples {
    /// Number of rows.
    pub fn len(&self) -> usize {
        self.responses.len()
    }

    /// Whether there are no rows.
    pub fn is_empty(&self) -> bool {
        self.responses.is_empty()
    }

    /// Length of the longest response.
    pub fn max_response_len(&self) -> usize {
        self.responses.iter().map(Vec::len).max().unwrap_or(0)
    }

    /// The padded token tensor, the response mask and the sampled log-probabilities, for scoring
    /// with [`crate::llm::scoring::token_scores`] (see [`TrainingBatch`] for the layout).
    pub fn training_batch<B: Backend>(
        &self,
        pad: u32,
        device: &B::Device,
    ) -> Result<TrainingBatch<B>> {
        let rows = self.len();
        let width = self.prompt_len + self.max_response_len();
        if rows == 0 || width < 2 {
            return Err(Error::invalid(
                "samples",
                format!("{rows} rows of {width} tokens"),
                "at least one row and two tokens (a prompt token and a response token)",
            ));
        }
        let mut tokens = vec![i64::from(pad); rows * width];
        let mut mask = vec![0f32; rows * (width - 1)];
        let mut log_probs = vec![0f32; rows * (width - 1)];
        for (row, (prompt, response)) in self.prompts.iter().zip(&self.responses).enumerate() {
            for (t, &token) in prompt.iter().chain(response).enumerate() {
                tokens[row * width + t] = i64::from(token);
            }
            for (i, &lp) in self.log_probs[row].iter().enumerate() {
                let target = row * (width - 1) + self.prompt_len - 1 + i;
                mask[target] = 1.0;
                log_probs[target] = lp;
            }
        }
        Ok(TrainingBatch {
            tokens: Tensor::from_data(TensorData::new(tokens, [rows, width]), device),
            response_mask: Tensor::from_data(TensorData::new(mask, [rows, width - 1]), device),
            sampled_log_probs: Tensor::from_data(
                TensorData::new(log_probs, [rows, width - 1]),
                device,
            ),
        })
    }
}

/// Samples a response for every prompt (all of one length, ids below the vocabulary size, with
/// `prompt_len + max_new_tokens ≤ max_len`). See the module documentation.
pub fn sample<B: Backend>(
    model: &Transformer<B>,
    prompts: &[Vec<u32>],
    config: &SamplerConfig,
    rng: &mut ChaCha8Rng,
) -> Result<Samples> {
    config.validate()?;
    let model_config = model.config();
    let vocab = model_config.vocab_size;
    let prompt_len = check_prompts(prompts, vocab)?;
    if config.eos as usize >= vocab {
        return Err(Error::invalid(
            "eos",
            config.eos.to_string(),
            format!("an id in 0..{vocab} (the model's vocab_size)"),
        ));
    }
    if prompt_len + config.max_new_tokens > model_config.max_len {
        return Err(Error::invalid(
            "max_new_tokens",
            config.max_new_tokens.to_string(),
            format!(
                "at most max_len − prompt length = {} − {prompt_len} (the whole sequence must fit \
                 the model for training)",
                model_config.max_len
            ),
        ));
    }
    let batch = prompts.len();
    let mut shards = Shards::new(model, batch);
    let prompt_rows: Vec<i64> = prompts.iter().flatten().map(|&t| i64::from(t)).collect();
    let mut host = shards.next_logits(model, &prompt_rows, prompt_len)?;

    let mut samples = Samples {
        prompt_len,
        prompts: prompts.to_vec(),
        responses: vec![Vec::new(); batch],
        log_probs: vec![Vec::new(); batch],
        entropies: vec![Vec::new(); batch],
        finished: vec![false; batch],
    };
    let mut row_distribution = RowDistribution::new(vocab);
    for step in 0..config.max_new_tokens {
        let mut next = vec![i64::from(config.eos); batch];
        for row in 0..batch {
            if samples.finished[row] {
                continue;
            }
            let logits = &host[row * vocab..(row + 1) * vocab];
            if let Some(bad) = logits.iter().find(|z| !z.is_finite()) {
                return Err(Error::Numerical {
                    origin: "sampler".into(),
                    detail: format!("logit {bad} in row {row} at response step {step}"),
                });
            }
            let (token, log_prob, entropy) = if config.temperature == 0.0 {
                (argmax(logits), 0.0, 0.0)
            } else {
                row_distribution.fill(logits, config);
                row_distribution.draw(rng)
            };
            samples.responses[row].push(token as u32);
            samples.log_probs[row].push(log_prob as f32);
            samples.entropies[row].push(entropy as f32);
            next[row] = token as i64;
            if token as u32 == config.eos {
                samples.finished[row] = true;
            }
        }
        if step + 1 == config.max_new_tokens || samples.finished.iter().all(|&f| f) {
            break;
        }
        host = shards.next_logits(model, &next, 1)?;
    }
    Ok(samples)
}

/// Fewest rows a shard of the batch gets: below this a forward pass is mostly per-call overhead.
const MIN_SHARD_ROWS: usize = 8;

/// gemm 0.19 multiplies products of at most 16 × 16 outputs whose left operand is row-major and
/// right operand column-major — the tied-embedding head, `x·Eᵀ`, `[rows, vocab]` — with a
/// dot-product kernel that sums in another order than its tiled kernel; a shard's head product
/// must stay above this size (as the whole batch's then is too) for its rows to keep their bits.
const GEMM_DOT_KERNEL_OUTPUTS: usize = 16 * 16;

/// gemm 0.19 sums a depth beyond 512 in blocks whose size depends on the output's shape when both
/// output dimensions are at most 64 (512 and the rest), and on the depth alone otherwise (equal
/// blocks): a model with a product deeper than 512 — d_model or d_ff above it, as in the
/// `medium` and `large` presets' MLPs — needs shards of more than 64 rows for its rows to keep
/// their bits.
const GEMM_SHALLOW_DEPTH: usize = 512;
const GEMM_SMALL_SIDE: usize = 64;

/// The batch's rows split into contiguous shards, each with its own key/value cache, whose
/// forward passes run side by side on the rayon pool: one shard per thread on the flex backend
/// (at most one per [`MIN_SHARD_ROWS`] rows, more than [`GEMM_DOT_KERNEL_OUTPUTS`] logits each,
/// and more than [`GEMM_SMALL_SIDE`] rows in a model deeper than [`GEMM_SHALLOW_DEPTH`]), one
/// shard elsewhere. A decoding step's operations are too small to split among threads
/// one by one (each hand-over costs a thread wake-up, see [`crate::llm::flex`]); whole forward
/// passes of part of the rows are not. Every row's logits are the same bits whichever shard
/// computes them and however many there are: each operation of the forward pass treats rows
/// independently, and flex's matrix products run the same depth loop for every output element
/// whatever the number of rows, given the size conditions above (`tests` check whole samples at
/// 1, 2 and 3 threads), so the samples do not depend on the thread count.
struct Shards<B: Backend> {
    rows: Vec<std::ops::Range<usize>>,
    caches: Vec<super::attention::KvCache<B>>,
}

impl<B: Backend> Shards<B> {
    fn new(model: &Transformer<B>, batch: usize) -> Self {
        let config = model.config();
        let vocab = config.vocab_size.max(1);
        let deep = config.d_model.max(config.d_ff) > GEMM_SHALLOW_DEPTH;
        let fewest_rows = MIN_SHARD_ROWS
            .max(GEMM_DOT_KERNEL_OUTPUTS / vocab + 1)
            .max(if deep { GEMM_SMALL_SIDE + 1 } else { 0 });
        let count = if crate::llm::flex::is_flex::<B>() {
            rayon::current_num_threads().min(batch / fewest_rows).max(1)
        } else {
            1
        };
        let rows = (0..count)
            .map(|shard| shard * batch / count..(shard + 1) * batch / count)
            .collect();
        let caches = (0..count).map(|_| model.new_cache()).collect();
        Shards { rows, caches }
    }

    /// Feeds `tokens` (`width` per row, rows in order) to the model through the shards' caches
    /// and returns the logits after each row's last token, `[batch, vocab]` row-major on the host.
    fn next_logits(
        &mut self,
        model: &Transformer<B>,
        tokens: &[i64],
        width: usize,
    ) -> Result<Vec<f32>> {
        let run = |(rows, cache): (&std::ops::Range<usize>, &mut super::attention::KvCache<B>)| {
            let shard = tokens[rows.start * width..rows.end * width].to_vec();
            let input =
                Tensor::from_data(TensorData::new(shard, [rows.len(), width]), &model.device());
            let logits = model.forward_cached(input, cache)?;
            let vocab = model.config().vocab_size;
            logits
                .narrow(1, width - 1, 1)
                .reshape([rows.len(), vocab])
                .into_data()
                .convert::<f32>()
                .into_vec::<f32>()
                .map_err(|e| Error::Numerical {
                    origin: "sampler".into(),
                    detail: format!("cannot read the logits: {e:?}"),
                })
        };
        let shards = self.rows.iter().zip(self.caches.iter_mut());
        let parts: Vec<Vec<f32>> = if self.rows.len() == 1 {
            shards.map(run).collect::<Result<_>>()?
        } else {
            use rayon::prelude::*;
            shards
                .collect::<Vec<_>>()
                .into_par_iter()
                .map(run)
                .collect::<Result<_>>()?
        };
        Ok(parts.concat())
    }
}

/// The common prompt length; errors for no prompts, empty or unequal prompts, or bad ids.
fn check_prompts(prompts: &[Vec<u32>], vocab: usize) -> Result<usize> {
    let Some(first) = prompts.first() else {
        return Err(Error::invalid("prompts", "none", "at least one prompt"));
    };
    let prompt_len = first.len();
    if prompt_len == 0 {
        return Err(Error::invalid(
            "prompts",
            "an empty prompt",
            "at least one token (e.g. BOS)",
        ));
    }
    for (row, prompt) in prompts.iter().enumerate() {
        if prompt.len() != prompt_len {
            return Err(Error::invalid(
                "prompts",
                format!(
                    "prompt {row} has {} tokens, prompt 0 has {prompt_len}",
                    prompt.len()
                ),
                "prompts of one length (pad them to a common length)",
            ));
        }
        if let Some(&bad) = prompt.iter().find(|&&t| t as usize >= vocab) {
            return Err(Error::invalid(
                "prompts",
                format!("id {bad} in prompt {row}"),
                format!("ids in 0..{vocab} (the model's vocab_size)"),
            ));
        }
    }
    Ok(prompt_len)
}

/// The first index of the largest logit.
fn argmax(logits: &[f32]) -> usize {
    let mut best = 0;
    for (i, &z) in logits.iter().enumerate() {
        if z > logits[best] {
            best = i;
        }
    }
    best
}

/// One row's sampling distribution, in f64, reusing its buffers across rows and steps.
struct RowDistribution {
    /// Log-probabilities; −∞ for tokens removed by top-k / top-p.
    log_probs: Vec<f64>,
    /// Token ids sorted by decreasing logit (used by the truncations).
    order: Vec<usize>,
}

impl RowDistribution {
    fn new(vocab: usize) -> Self {
        RowDistribution {
            log_probs: vec![0.0; vocab],
            order: (0..vocab).collect(),
        }
    }

    /// Temperature, top-k, then top-p, as log-probabilities normalised over the kept tokens.
    fn fill(&mut self, logits: &[f32], config: &SamplerConfig) {
        let inverse_temperature = 1.0 / config.temperature;
        for (lp, &z) in self.log_probs.iter_mut().zip(logits) {
            *lp = f64::from(z) * inverse_temperature;
        }
        let vocab = logits.len();
        let truncate_k = config.top_k.is_some_and(|k| k < vocab);
        let truncate_p = config.top_p.is_some_and(|p| p < 1.0);
        if truncate_k || truncate_p {
            // Stable order: decreasing logit, lower id first on ties.
            self.order.clear();
            self.order.extend(0..vocab);
            let scaled = &self.log_probs;
            self.order
                .sort_by(|&a, &b| scaled[b].total_cmp(&scaled[a]).then(a.cmp(&b)));
        }
        if let Some(k) = config.top_k.filter(|_| truncate_k) {
            for &id in &self.order[k..] {
                self.log_probs[id] = f64::NEG_INFINITY;
            }
        }
        normalise(&mut self.log_probs);
        if let Some(p) = config.top_p.filter(|_| truncate_p) {
            let mut cumulative = 0.0;
            let mut kept = 0;
            for &id in &self.order {
                if cumulative >= p || self.log_probs[id] == f64::NEG_INFINITY {
                    break;
                }
                cumulative += self.log_probs[id].exp();
                kept += 1;
            }
            for &id in &self.order[kept.max(1)..] {
                self.log_probs[id] = f64::NEG_INFINITY;
            }
            normalise(&mut self.log_probs);
        }
    }

    /// Draws a token by inverting the cumulative distribution (ids in increasing order) at one
    /// uniform number; returns it with its log-probability and the distribution's entropy.
    fn draw(&self, rng: &mut ChaCha8Rng) -> (usize, f64, f64) {
        let u: f64 = rng.random();
        let mut cumulative = 0.0;
        let mut chosen = None;
        let mut last_kept = 0;
        let mut entropy = 0.0;
        for (id, &lp) in self.log_probs.iter().enumerate() {
            if lp == f64::NEG_INFINITY {
                continue;
            }
            let p = lp.exp();
            entropy -= p * lp;
            cumulative += p;
            last_kept = id;
            if chosen.is_none() && u < cumulative {
                chosen = Some(id);
            }
        }
        // Rounding can leave the total a hair below 1; the remainder goes to the last kept token.
        let token = chosen.unwrap_or(last_kept);
        (token, self.log_probs[token], entropy)
    }
}

/// Turns scores into log-probabilities over the finite entries (log-sum-exp with the maximum
/// subtracted). At least one entry is finite: the largest logit is never truncated.
fn normalise(scores: &mut [f64]) {
    let max = scores.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let sum: f64 = scores.iter().map(|&s| (s - max).exp()).sum();
    let log_normaliser = max + sum.ln();
    for s in scores.iter_mut() {
        *s -= log_normaliser;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::llm::backend::Inference;
    use crate::llm::flex::pool;
    use crate::llm::model::tests::{tiny, tokens};
    use crate::llm::model::{Positions, TransformerConfig};
    use crate::llm::scoring::{token_scores, token_scores_at};
    use burn::module::Param;
    use rand::SeedableRng;

    type B = Inference;

    /// A tiny model whose logits are spread over several units (the final LayerNorm's γ scaled),
    /// so that temperature and truncation visibly change the distribution.
    fn sharp_model(positions: Positions, seed: u64) -> Transformer<B> {
        let mut model = tiny(positions, false)
            .init::<B>(&Default::default(), seed)
            .unwrap();
        model.final_norm.gamma = Param::from_tensor(model.final_norm.gamma.val().mul_scalar(15.0));
        model
    }

    fn prompts() -> Vec<Vec<u32>> {
        vec![vec![1, 3, 4], vec![1, 5, 0], vec![1, 9, 9], vec![1, 2, 7]]
    }

    #[test]
    fn config_validation_and_defaults() {
        let config = SamplerConfig::new(5, 2);
        config.validate().unwrap();
        let parsed: SamplerConfig =
            serde_json::from_str(r#"{"max_new_tokens":5,"eos":2}"#).unwrap();
        assert_eq!(parsed, config);
        assert!(
            serde_json::from_str::<SamplerConfig>(r#"{"max_new_tokens":5,"eos":2,"k":1}"#).is_err()
        );
        for (bad, field) in [
            (
                SamplerConfig {
                    max_new_tokens: 0,
                    ..config.clone()
                },
                "max_new_tokens",
            ),
            (
                SamplerConfig {
                    temperature: -1.0,
                    ..config.clone()
                },
                "temperature",
            ),
            (
                SamplerConfig {
                    temperature: f64::NAN,
                    ..config.clone()
                },
                "temperature",
            ),
            (
                SamplerConfig {
                    top_k: Some(0),
                    ..config.clone()
                },
                "top_k",
            ),
            (
                SamplerConfig {
                    top_p: Some(0.0),
                    ..config.clone()
                },
                "top_p",
            ),
            (
                SamplerConfig {
                    top_p: Some(1.5),
                    ..config.clone()
                },
                "top_p",
            ),
        ] {
            assert!(bad.validate().unwrap_err().to_string().contains(field));
        }
    }

    #[test]
    fn bad_prompts_are_errors_not_panics() {
        let model = sharp_model(Positions::Learned, 1);
        let config = SamplerConfig::new(4, 2);
        let mut rng = ChaCha8Rng::seed_from_u64(0);
        let unequal = vec![vec![1, 2, 3], vec![1, 2]];
        let error = sample(&model, &unequal, &config, &mut rng)
            .unwrap_err()
            .to_string();
        assert!(error.contains("one length"), "{error}");
        assert!(sample(&model, &[], &config, &mut rng).is_err());
        assert!(sample(&model, &[vec![]], &config, &mut rng).is_err());
        assert!(sample(&model, &[vec![1, 11]], &config, &mut rng).is_err());
        let too_long = SamplerConfig::new(10, 2);
        assert!(sample(&model, &prompts(), &too_long, &mut rng).is_err());
        let bad_eos = SamplerConfig::new(2, 11);
        assert!(sample(&model, &prompts(), &bad_eos, &mut rng).is_err());
    }

    #[test]
    fn same_seed_same_samples_at_any_thread_count() {
        let model = sharp_model(Positions::Rotary, 2);
        let config = SamplerConfig::new(8, 2);
        let run = |threads| sample_on(threads, &model, &prompts(), &config, 42).1;
        let one = run(1);
        assert_eq!(one, run(3));
        let mut rng = ChaCha8Rng::seed_from_u64(43);
        let other = sample(&model, &prompts(), &config, &mut rng).unwrap();
        assert_ne!(one.responses, other.responses);
        // Bookkeeping: one log-prob and entropy per token, EOS only at the end.
        for row in 0..one.len() {
            let response = &one.responses[row];
            assert_eq!(one.log_probs[row].len(), response.len());
            assert_eq!(one.entropies[row].len(), response.len());
            assert_eq!(one.finished[row], response.last() == Some(&2));
            assert!(!response[..response.len() - 1].contains(&2));
            assert!(response.len() == 8 || one.finished[row]);
        }
    }

    /// On a pool of `threads` threads: the number of shards `model` splits `prompts` into, and
    /// the samples drawn with `seed`.
    fn sample_on(
        threads: usize,
        model: &Transformer<B>,
        prompts: &[Vec<u32>],
        config: &SamplerConfig,
        seed: u64,
    ) -> (usize, Samples) {
        pool(threads).install(|| {
            let shards = Shards::new(model, prompts.len()).rows.len();
            let mut rng = ChaCha8Rng::seed_from_u64(seed);
            (shards, sample(model, prompts, config, &mut rng).unwrap())
        })
    }

    /// `rows` prompts of `len` ids in 1..=10: id (row·row_step + t·position_step) mod 10 + 1.
    fn varied_prompts(
        rows: usize,
        len: usize,
        row_step: usize,
        position_step: usize,
    ) -> Vec<Vec<u32>> {
        (0..rows)
            .map(|row| {
                (0..len)
                    .map(|t| ((row * row_step + t * position_step) % 10) as u32 + 1)
                    .collect()
            })
            .collect()
    }

    /// The log-probabilities and entropies of `samples` as bit patterns.
    fn sample_bits(samples: &Samples) -> Vec<u32> {
        samples
            .log_probs
            .iter()
            .chain(&samples.entropies)
            .flatten()
            .map(|v| v.to_bits())
            .collect()
    }

    #[test]
    fn shards_give_the_same_bits_as_the_whole_batch() {
        // The `small` preset's widths (products of depth 128 and 512) and a batch that splits
        // into shards of uneven size (80 rows: 40 + 40 on two threads, 26 + 27 + 27 on three),
        // so gemm's row tiles fall differently in every split; with 11 ids a shard needs 24
        // rows for its head product to keep gemm's tiled kernel.
        let config = TransformerConfig::preset("small", 11, 24).unwrap();
        let model = config.init::<B>(&Default::default(), 5).unwrap();
        let prompts = varied_prompts(80, 6, 5, 3);
        let sampler = SamplerConfig::new(12, 0);
        let (_, one) = sample_on(1, &model, &prompts, &sampler, 3);
        for threads in [2, 3] {
            let (shards, sharded) = sample_on(threads, &model, &prompts, &sampler, 3);
            assert_eq!(shards, threads);
            assert_eq!(sharded.responses, one.responses, "{threads} threads");
            assert!(
                sample_bits(&sharded) == sample_bits(&one),
                "{threads} threads"
            );
        }
        assert!(one.responses.iter().map(Vec::len).sum::<usize>() > 80 * 4);
        // A product deeper than 512 (d_ff 520, output width 16): shards of more than 64 rows.
        let deep = TransformerConfig {
            vocab_size: 11,
            d_model: 16,
            n_layers: 1,
            n_heads: 2,
            d_ff: 520,
            max_len: 16,
            positions: Positions::Learned,
            tied_embeddings: true,
        };
        let deep_model = deep.init::<B>(&Default::default(), 6).unwrap();
        let deep_prompts = varied_prompts(130, 4, 3, 7);
        let sampler = SamplerConfig::new(8, 0);
        let (one_shard, whole) = sample_on(1, &deep_model, &deep_prompts, &sampler, 4);
        let (two_shards, sharded) = sample_on(3, &deep_model, &deep_prompts, &sampler, 4);
        assert_eq!((one_shard, two_shards), (1, 2));
        assert_eq!(sharded.responses, whole.responses);
        assert!(sample_bits(&sharded) == sample_bits(&whole));
        // Fewer rows than three shards of 24: two shards on three threads.
        assert_eq!(pool(3).install(|| Shards::new(&model, 71).rows.len()), 2);
    }

    #[test]
    fn greedy_equals_the_argmax_of_the_full_forward_step_by_step() {
        let device = Default::default();
        for positions in [Positions::Learned, Positions::Rotary] {
            let model = sharp_model(positions, 3);
            // An EOS id the model may or may not pick; rows stop independently.
            let config = SamplerConfig::greedy(8, 10);
            let mut rng = ChaCha8Rng::seed_from_u64(0);
            let samples = sample(&model, &prompts(), &config, &mut rng).unwrap();
            for (row, prompt) in prompts().iter().enumerate() {
                let mut sequence = prompt.clone();
                let mut expected = Vec::new();
                for _ in 0..8 {
                    let logits = model.forward(tokens(&[sequence.clone()], &device));
                    let t = sequence.len();
                    let last = logits.slice([0..1, t - 1..t, 0..11]).into_data();
                    let token = argmax(&last.to_vec::<f32>().unwrap()) as u32;
                    expected.push(token);
                    sequence.push(token);
                    if token == 10 {
                        break;
                    }
                }
                assert_eq!(samples.responses[row], expected, "{positions:?} row {row}");
                assert!(samples.log_probs[row].iter().all(|&lp| lp == 0.0));
            }
        }
    }

    /// Pearson's χ² of `counts` against probabilities `p`.
    fn chi_square(counts: &[usize], p: &[f64]) -> f64 {
        let n: usize = counts.iter().sum();
        counts
            .iter()
            .zip(p)
            .map(|(&c, &q)| {
                let expected = n as f64 * q;
                (c as f64 - expected).powi(2) / expected
            })
            .sum()
    }

    /// The logits of the token after `prompt` (vocabulary 11, as the sharp model has).
    fn next_token_logits(model: &Transformer<B>, prompt: &[u32]) -> Vec<f32> {
        let last = prompt.len() - 1;
        model
            .forward(tokens(&[prompt.to_vec()], &Default::default()))
            .slice([0..1, last..last + 1, 0..11])
            .into_data()
            .to_vec::<f32>()
            .unwrap()
    }

    fn softmax(logits: &[f32], temperature: f64) -> Vec<f64> {
        let z: Vec<f64> = logits.iter().map(|&v| f64::from(v) / temperature).collect();
        let max = z.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        let total: f64 = z.iter().map(|v| (v - max).exp()).sum();
        z.iter().map(|v| (v - max).exp() / total).collect()
    }

    #[test]
    fn first_token_frequencies_match_the_tempered_softmax() {
        let model = sharp_model(Positions::Learned, 4);
        let prompt = vec![1u32, 6, 3];
        let logits = next_token_logits(&model, &prompt);
        let n = 3000;
        let batch = vec![prompt; n];
        for temperature in [1.0, 0.6] {
            let config = SamplerConfig {
                temperature,
                ..SamplerConfig::new(1, 2)
            };
            let mut rng = ChaCha8Rng::seed_from_u64(11);
            let samples = sample(&model, &batch, &config, &mut rng).unwrap();
            let mut counts = vec![0usize; 11];
            for response in &samples.responses {
                counts[response[0] as usize] += 1;
            }
            let p = softmax(&logits, temperature);
            // The distribution is far from uniform, so a wrong temperature is detectable.
            assert!(p.iter().copied().fold(0.0, f64::max) > 0.3, "{p:?}");
            // χ² with 10 degrees of freedom: 35 is beyond its 0.9999 quantile (33.7).
            let fit = chi_square(&counts, &p);
            assert!(
                fit < 35.0,
                "T={temperature}: χ² = {fit}, counts {counts:?}, p {p:?}"
            );
            let other = if temperature == 1.0 { 0.6 } else { 1.0 };
            let wrong = chi_square(&counts, &softmax(&logits, other));
            assert!(wrong > 200.0, "T={temperature} vs {other}: χ² = {wrong}");
        }
    }

    #[test]
    fn truncation_keeps_only_the_top_tokens() {
        let model = sharp_model(Positions::Learned, 4);
        let prompt = vec![1u32, 6, 3];
        let logits = next_token_logits(&model, &prompt);
        let mut order: Vec<usize> = (0..11).collect();
        order.sort_by(|&a, &b| logits[b].total_cmp(&logits[a]));
        let batch = vec![prompt; 400];
        let config = SamplerConfig {
            top_k: Some(2),
            ..SamplerConfig::new(1, 2)
        };
        let samples = sample(&model, &batch, &config, &mut ChaCha8Rng::seed_from_u64(1)).unwrap();
        assert!(
            samples
                .responses
                .iter()
                .all(|r| order[..2].contains(&(r[0] as usize)))
        );
        assert!(samples.entropies.iter().all(|h| h[0] <= 2f32.ln() + 1e-6));
        let p = softmax(&logits, 1.0);
        let top_p = (p[order[0]] + p[order[1]] * 0.5).min(0.999);
        let config = SamplerConfig {
            top_p: Some(top_p),
            ..SamplerConfig::new(1, 2)
        };
        let samples = sample(&model, &batch, &config, &mut ChaCha8Rng::seed_from_u64(1)).unwrap();
        assert!(
            samples
                .responses
                .iter()
                .all(|r| order[..2].contains(&(r[0] as usize)))
        );
        assert!(samples.responses.iter().any(|r| r[0] as usize == order[1]));
    }

    #[test]
    fn sampled_log_probs_equal_token_scores_of_the_same_sequences() {
        let device = Default::default();
        for positions in [Positions::Learned, Positions::Rotary] {
            let model = sharp_model(positions, 5);
            for temperature in [1.0, 0.8] {
                let config = SamplerConfig {
                    temperature,
                    ..SamplerConfig::new(8, 2)
                };
                let mut rng = ChaCha8Rng::seed_from_u64(7);
                let samples = sample(&model, &prompts(), &config, &mut rng).unwrap();
                let batch = samples.training_batch::<B>(0, &device).unwrap();
                let width = batch.tokens.dims()[1];
                assert_eq!(width, 3 + samples.max_response_len());
                let (log_probs, entropies) =
                    token_scores_at(&model, batch.tokens.clone(), temperature).unwrap();
                let mask = batch.response_mask.into_data().to_vec::<f32>().unwrap();
                let scored = log_probs.into_data().to_vec::<f32>().unwrap();
                let scored_h = entropies.into_data().to_vec::<f32>().unwrap();
                let old = batch.sampled_log_probs.into_data().to_vec::<f32>().unwrap();
                let mut checked = 0;
                for row in 0..samples.len() {
                    for (i, (&lp, &h)) in samples.log_probs[row]
                        .iter()
                        .zip(&samples.entropies[row])
                        .enumerate()
                    {
                        let at = row * (width - 1) + 2 + i;
                        assert_eq!(mask[at], 1.0);
                        assert_eq!(old[at], lp);
                        assert!((scored[at] - lp).abs() < 1e-5, "{} vs {lp}", scored[at]);
                        assert!((scored_h[at] - h).abs() < 1e-5, "{} vs {h}", scored_h[at]);
                        checked += 1;
                    }
                }
                assert_eq!(mask.iter().sum::<f32>() as usize, checked);
                if temperature == 1.0 {
                    let (plain, _) = token_scores(&model, batch.tokens).unwrap();
                    let plain = plain.into_data().to_vec::<f32>().unwrap();
                    let ratio_error = (0..plain.len())
                        .filter(|&i| mask[i] == 1.0)
                        .map(|i| (plain[i] - old[i]).abs())
                        .fold(0f32, f32::max);
                    assert!(ratio_error < 1e-5, "{ratio_error}");
                }
            }
        }
    }

    #[test]
    fn training_batch_pads_after_the_response() {
        let samples = Samples {
            prompt_len: 2,
            prompts: vec![vec![1, 5], vec![1, 6]],
            responses: vec![vec![7, 2], vec![8, 9, 9]],
            log_probs: vec![vec![-0.5, -0.25], vec![-1.0, -2.0, -3.0]],
            entropies: vec![vec![0.1, 0.2], vec![0.3, 0.4, 0.5]],
            finished: vec![true, false],
        };
        let batch = samples.training_batch::<B>(0, &Default::default()).unwrap();
        let tokens = batch
            .tokens
            .into_data()
            .convert::<i64>()
            .to_vec::<i64>()
            .unwrap();
        assert_eq!(tokens, vec![1, 5, 7, 2, 0, 1, 6, 8, 9, 9]);
        let mask = batch.response_mask.into_data().to_vec::<f32>().unwrap();
        assert_eq!(mask, vec![0., 1., 1., 0., 0., 1., 1., 1.]);
        let old = batch.sampled_log_probs.into_data().to_vec::<f32>().unwrap();
        assert_eq!(old, vec![0., -0.5, -0.25, 0., 0., -1.0, -2.0, -3.0]);
    }
}
