//! Will a training configuration fit in memory? An upper-bound estimate from the config alone, so
//! a model too large for the machine is refused before any work (issue 5's robustness rule).
//!
//! With P parameters, L blocks of width d, MLP width f, h heads, vocabulary V, and a minibatch of
//! R sequences of T tokens (N = R·T), in f32 (4 bytes), the estimate counts
//!
//! - 6P: weights, gradients, AdamW's two moments, the inference copy that samples, and a frozen
//!   reference policy;
//! - L·(N·(12d + 2f) + R·2h·T²): what the backward pass keeps per block — the normalized inputs,
//!   queries, keys, values, attention output and residuals (≈ 12 vectors of width d per token), the
//!   MLP's hidden layer before and after GELU, and the attention scores and weights (h·T² per
//!   sequence, twice);
//! - 3N·V: logits, log-probabilities and probabilities for the entropy.
//!
//! It is meant to err high (temporaries are counted as if all alive at once); what a run really
//! peaks at is measured separately.

use super::model::TransformerConfig;
use crate::core::error::{Error, Result};

/// Estimated peak bytes of one training step on `rows` sequences of `tokens` tokens.
pub fn training_bytes(config: &TransformerConfig, rows: usize, tokens: usize) -> u128 {
    let p = config.parameter_count() as u128;
    let (d, f, h, v) = (
        config.d_model as u128,
        config.d_ff as u128,
        config.n_heads as u128,
        config.vocab_size as u128,
    );
    let (r, t) = (rows as u128, tokens as u128);
    let n = r * t;
    let per_block = n * (12 * d + 2 * f) + r * 2 * h * t * t;
    let floats = 6 * p + config.n_layers as u128 * per_block + 3 * n * v;
    4 * floats
}

/// An error when `needed` bytes exceed `available` bytes, naming both in GiB.
pub fn check_fits(needed: u128, available: u128, what: &str) -> Result<()> {
    if needed <= available {
        return Ok(());
    }
    let gib = |b: u128| b as f64 / (1u128 << 30) as f64;
    Err(Error::invalid(
        what,
        format!("needs about {:.1} GiB to train", gib(needed)),
        format!(
            "at most the {:.1} GiB this machine has available: a smaller preset, fewer prompts \
             per step or a smaller group",
            gib(available)
        ),
    ))
}

/// The memory the operating system reports as available (`MemAvailable` of /proc/meminfo), if
/// it can be read.
pub fn available_bytes() -> Option<u128> {
    let text = std::fs::read_to_string("/proc/meminfo").ok()?;
    let line = text.lines().find(|l| l.starts_with("MemAvailable:"))?;
    let kib: u128 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib * 1024)
}

/// Refuses `config` at `rows` × `tokens` when the estimate exceeds the available memory (no check
/// where the available memory cannot be read).
pub fn check_training_fits(config: &TransformerConfig, rows: usize, tokens: usize) -> Result<()> {
    match available_bytes() {
        Some(available) => check_fits(training_bytes(config, rows, tokens), available, "model"),
        None => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn preset(name: &str) -> TransformerConfig {
        TransformerConfig::preset(name, 24, 64).expect("a preset")
    }

    #[test]
    fn the_estimate_by_hand_for_one_small_case() {
        let config = TransformerConfig {
            vocab_size: 10,
            d_model: 8,
            n_layers: 2,
            n_heads: 2,
            d_ff: 16,
            max_len: 4,
            positions: crate::llm::model::Positions::Learned,
            tied_embeddings: true,
        };
        let p = config.parameter_count() as u128;
        // R = 3, T = 4, N = 12: per block 12·(96 + 32) + 3·2·2·16 = 1536 + 192.
        let floats = 6 * p + 2 * (1536 + 192) + 3 * 12 * 10;
        assert_eq!(training_bytes(&config, 3, 4), 4 * floats);
    }

    #[test]
    fn grows_with_every_size_and_the_presets_fit_a_laptop_at_catalogue_batches() {
        let small = training_bytes(&preset("small"), 64, 32);
        assert!(training_bytes(&preset("small"), 128, 32) > small);
        assert!(training_bytes(&preset("small"), 64, 64) > small);
        assert!(training_bytes(&preset("medium"), 64, 32) > small);
        // The largest preset on 256 sequences of 32 tokens stays under 4 GiB.
        assert!(training_bytes(&preset("large"), 256, 32) < 4 << 30);
    }

    #[test]
    fn too_large_is_an_error_naming_both_sizes() {
        assert!(check_fits(1 << 30, 2 << 30, "model").is_ok());
        let error = check_fits(48 << 30, 24 << 30, "model").expect_err("too large");
        let message = error.to_string();
        assert!(
            message.contains("48.0 GiB") && message.contains("24.0 GiB"),
            "{message}"
        );
    }
}
