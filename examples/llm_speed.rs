//! A quick timing of the LLM policy on the build's backend (not a benchmark): sampling throughput
//! of a preset at a given batch size, and the speed of scoring the sampled batch (one forward
//! pass, and forward + backward on the autodiff backend).
//!
//! ```text
//! cargo run --release --example llm_speed [preset] [batch] [prompt_len] [new_tokens] [repeats]
//! cargo run --release --features cuda --example llm_speed small 64
//! ```
//!
//! Defaults: `small`, batch 64, prompts of 16 tokens, 48 new tokens, 3 repeats, vocabulary 25,
//! max_len 64, randomly initialised weights (speed does not depend on them). Decoding stops when
//! every row has emitted EOS, which a near-uniform policy over 25 ids rarely does for all 64 rows
//! before `new_tokens`; "decoded tokens/s" counts every position decoded (rows × steps, finished
//! rows included), "kept tokens/s" only the response tokens kept.

use std::time::Instant;

use burn::module::AutodiffModule;
use policylab::llm::backend::{self, Inference, Training};
use policylab::llm::model::TransformerConfig;
use policylab::llm::sampler::{SamplerConfig, sample};
use policylab::llm::scoring::token_scores;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

fn main() -> policylab::Result<()> {
    // As `policylab` does for its runs.
    policylab::llm::heap::keep_freed_memory();
    let args: Vec<String> = std::env::args().skip(1).collect();
    let arg = |i: usize, default: usize| -> usize {
        args.get(i).and_then(|a| a.parse().ok()).unwrap_or(default)
    };
    let preset = args.first().map(String::as_str).unwrap_or("small");
    let (batch, prompt_len, new_tokens, repeats) = (arg(1, 64), arg(2, 16), arg(3, 48), arg(4, 3));
    let vocab = 25;
    let config = TransformerConfig::preset(preset, vocab, 64)?;
    let device = backend::default_device();
    println!(
        "backend {}, preset {preset} ({} parameters), batch {batch}, prompt {prompt_len}, {new_tokens} new tokens",
        backend::NAME,
        config.parameter_count()
    );
    let trainable = config.init::<Training>(&device, 0)?;
    let model = trainable.valid();
    let mut rng = ChaCha8Rng::seed_from_u64(0);
    let prompts: Vec<Vec<u32>> = (0..batch)
        .map(|row| {
            (0..prompt_len)
                .map(|t| 3 + ((row * 7 + t * 3) % 20) as u32)
                .collect()
        })
        .collect();
    // EOS = 1 (never in the prompts); a random policy over 25 ids rarely ends all rows early.
    let sampler = SamplerConfig::new(new_tokens, 1);

    // Warm-up (allocations, kernel compilation on GPU backends).
    let warm = sample(&model, &prompts, &SamplerConfig::new(2, 1), &mut rng)?;
    drop(warm);

    for repeat in 0..repeats {
        let started = Instant::now();
        let samples = sample(&model, &prompts, &sampler, &mut rng)?;
        let seconds = started.elapsed().as_secs_f64();
        let steps = samples.max_response_len();
        let kept: usize = samples.responses.iter().map(Vec::len).sum();
        println!(
            "sample #{repeat}: {seconds:.3} s, {steps} steps, {:.0} decoded tokens/s ({:.0} kept tokens/s)",
            (batch * steps) as f64 / seconds,
            kept as f64 / seconds
        );
        let tensors = samples.training_batch::<Inference>(0, &device)?;
        let started = Instant::now();
        let (log_probs, _) = token_scores(&model, tensors.tokens.clone())?;
        let _ = log_probs.into_data();
        let forward = started.elapsed().as_secs_f64();
        let tensors = samples.training_batch::<Training>(0, &device)?;
        let width = tensors.tokens.dims()[1];
        let started = Instant::now();
        let (log_probs, _) = token_scores(&trainable, tensors.tokens)?;
        let grads = (log_probs * tensors.response_mask).sum().backward();
        drop(grads);
        let backward = started.elapsed().as_secs_f64();
        println!(
            "  score [{batch}, {width}]: forward {forward:.3} s, forward+backward (autodiff) {backward:.3} s"
        );
    }
    Ok(())
}
