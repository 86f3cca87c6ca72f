//! LLM policies: a small causal transformer on burn, trained on synthetic verifiable tasks with the
//! same objectives as the tabular side ([`crate::objective`]), to measure entropy collapse and fit
//! the entropy–performance law R = −a·exp(H) + b of Cui et al. 2025, "The Entropy Mechanism of
//! Reinforcement Learning for Reasoning Language Models".
//!
//! The backend is chosen at build time ([`backend`]): burn's CPU ndarray backend by default,
//! burn-cuda with `--features cuda`. Every random draw (initial weights, prompts, samples) comes from
//! an explicitly seeded generator.

pub mod attention;
pub mod backend;
pub mod checkpoint;
pub mod evaluate;
pub mod grpo;
pub mod model;
pub mod pass_at_k;
pub mod policy_loss;
pub mod rollout;
pub mod sampler;
pub mod schedule;
pub mod scoring;
pub mod sft;
pub mod task;
pub mod vocab;
