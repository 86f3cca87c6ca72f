//! LLM policies: a small causal transformer on burn, trained on synthetic verifiable tasks with the
//! same objectives as the tabular side ([`crate::objective`]), to measure entropy collapse and fit
//! the entropy–performance law R = −a·exp(H) + b of Cui et al. 2025, "The Entropy Mechanism of
//! Reinforcement Learning for Reasoning Language Models".
//!
//! The pieces, in the order a run uses them:
//! - [`vocab`], [`task`]: a 24-token character vocabulary; arithmetic (reversed answers) and
//!   Countdown problems with exact scorers and a hash-based held-out validation split.
//! - [`model`], [`attention`], [`activation`], [`normalization`]: a pre-norm decoder-only
//!   transformer (learned or rotary positions, tied embeddings optional, presets tiny 0.1M … large
//!   10.7M parameters) with a KV cache; [`flex`]: its GELU, attention, layer norms, linear layers
//!   and cache writes as custom operations of the default CPU backend.
//! - [`sampler`], [`scoring`]: batched seeded sampling that records each token's log-probability
//!   and full-vocabulary entropy; the same quantities, differentiable, for given sequences.
//! - [`sft`], [`schedule`]: supervised fine-tuning on correct traces (AdamW, warm-up + cosine).
//! - [`grpo`], [`policy_loss`], [`rollout`]: group-relative RL whose loss is built from the
//!   objectives module (value and gradient held equal to the f64 definitions by a test), with the
//!   per-step measurements (reward, Eq. 5 entropy, ΔH on fixed contexts, token and group
//!   covariance, clip fraction, ratios, KL).
//! - [`evaluate`], [`pass_at_k`], [`checkpoint`]: greedy validation accuracy R, pass@k, saving and
//!   loading models.
//! - [`memory`]: an upper-bound estimate of a training step's memory, to refuse a model too large
//!   for the machine before any work; [`heap`]: the C heap told to keep freed memory, so a
//!   training step's buffers are reused rather than faulted in from the kernel again.
//! - [`world`], [`catalogue`], [`run`]: what experiment files use — an `llm = "…"` world (task,
//!   model preset, SFT recipe prepared once per output folder, validation protocol), the RL
//!   algorithms by name with their parameters, and one resumable run with validation accuracy
//!   every k steps and a kept policy on divergence.
//!
//! The backend is chosen at build time ([`backend`]): burn's flex CPU backend by default (the
//! ndarray one with `--features ndarray-backend`), burn-cuda with `--features cuda`. Every random
//! draw (initial weights, prompts, samples) comes from an explicitly seeded generator, and the CPU
//! backends are built without their multi-threaded kernels (ndarray also without its SIMD ones) so
//! that a seed gives the same bits on every run and at any thread count. On flex, [`flex`]'s own
//! operations use the rayon pool's threads where the split cannot change a bit: the matrix products
//! of the linear layers and of attention (gemm divides the output, never a sum), elementwise or
//! row-wise passes (GELU, the attention softmax, the bias, layer norm — whose γ and β gradients
//! sum fixed blocks of rows in block order), and the sampler decodes the batch's rows in shards,
//! one per thread (every row's logits keep their bits whatever the split).
//!
//! The catalogue entries `llm-entropy-law`, `llm-entropy-interventions` and `llm-covariance`
//! ([`crate::experiment::reproduce`]) run these pieces from experiment files.

pub mod activation;
pub mod attention;
pub mod backend;
pub mod catalogue;
pub mod checkpoint;
pub mod evaluate;
#[cfg(test)]
pub(crate) mod fixtures;
pub mod flex;
pub mod grpo;
pub mod heap;
pub mod memory;
pub mod model;
pub mod normalization;
pub mod pass_at_k;
pub mod policy_loss;
pub mod rollout;
pub mod run;
pub mod sampler;
pub mod schedule;
pub mod scoring;
pub mod sft;
pub mod task;
pub mod vocab;
pub mod world;
