//! Shared pieces of the LLM tests: a task built from its spec and a tiny model config.

use super::model::{Positions, TransformerConfig};
use super::task::{Task, TaskSpec};
use super::vocab::Vocab;

/// The arithmetic task with `digits` digits per operand and the other parameters at defaults.
pub fn arithmetic(digits: usize) -> Box<dyn Task> {
    toml::from_str::<TaskSpec>(&format!("name = \"arithmetic\"\ndigits = {digits}"))
        .expect("a valid arithmetic spec")
        .build()
        .expect("an arithmetic task")
}

/// One block of width `d_model` (2 heads, MLP width 2·d_model, 12 positions, learned positions,
/// tied embeddings): small enough that debug-build tests train it in about a second.
pub fn tiny(d_model: usize) -> TransformerConfig {
    TransformerConfig {
        vocab_size: Vocab::standard().len(),
        d_model,
        n_layers: 1,
        n_heads: 2,
        d_ff: 2 * d_model,
        max_len: 12,
        positions: Positions::Learned,
        tied_embeddings: true,
    }
}
