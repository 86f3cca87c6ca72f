//! SFT then GRPO on one task, printing the measurements as it goes: a way to size budgets and see
//! entropy collapse before the catalogue entries exist (not a benchmark, not a reproduction).
//!
//! ```text
//! cargo run --release --example llm_grpo [task] [preset] [sft_steps] [rl_steps] [seed]
//! cargo run --release --example llm_grpo countdown tiny 600 100 1
//! ```
//!
//! `task` is `arithmetic` (3 digits, +, −, ×, reversed answers) or `countdown` (3 numbers up to
//! 20, targets up to 100). Every 10 steps the greedy accuracy R on 200 held-out prompts is printed.
//! Output: CSV lines `phase,step,seconds,loss_or_reward,entropy,dH,cov_group,R` on stdout.

use std::time::Instant;

use burn::module::AutodiffModule;
use policylab::llm::backend::{Inference, Training, default_device};
use policylab::llm::evaluate::greedy_accuracy;
use policylab::llm::grpo::{RlConfig, RlTrainer};
use policylab::llm::model::{Transformer, TransformerConfig};
use policylab::llm::policy_loss::{LossConfig, PolicyObjective};
use policylab::llm::schedule::LearningRateSchedule;
use policylab::llm::sft::{SftConfig, SftTrainer};
use policylab::llm::task::{Holdout, Split, TaskSpec};
use policylab::llm::vocab::Vocab;
use policylab::objective::Aggregation;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

fn main() -> policylab::Result<()> {
    // As `policylab` does for its runs.
    policylab::llm::heap::keep_freed_memory();
    let args: Vec<String> = std::env::args().skip(1).collect();
    let text = |i: usize, default: &str| args.get(i).cloned().unwrap_or(default.to_string());
    let number = |i: usize, default: usize| -> usize {
        args.get(i).and_then(|a| a.parse().ok()).unwrap_or(default)
    };
    let task_name = text(0, "countdown");
    let preset = text(1, "tiny");
    let (sft_steps, rl_steps, seed) = (number(2, 600), number(3, 100), number(4, 1) as u64);
    let spec = match task_name.as_str() {
        "arithmetic" => "name = \"arithmetic\"\ndigits = 3\noperations = [\"+\", \"-\", \"*\"]",
        _ => "name = \"countdown\"",
    };
    let task = toml::from_str::<TaskSpec>(spec)
        .map_err(|e| policylab::Error::Usage(e.to_string()))?
        .build()?;
    let vocab = Vocab::standard();
    let holdout = Holdout::default();
    let validation = holdout.fixed_set(task.as_ref(), Split::Validation, 200, 99)?;
    let max_len = 1 + task.prompt_len() + task.max_response_len() + 1;
    let config = TransformerConfig::preset(&preset, vocab.len(), max_len)?;
    eprintln!(
        "{} on {task_name}: {} parameters, max_len {max_len}",
        preset,
        config.parameter_count()
    );
    let model = config.init::<Training>(&default_device(), seed)?;
    let sft = SftConfig {
        steps: sft_steps,
        batch_size: 64,
        learning_rate: LearningRateSchedule {
            peak: 1e-3,
            warmup_steps: 50,
            floor: 0.1,
        },
        ..SftConfig::default()
    };
    let accuracy = |model: &Transformer<Inference>| {
        greedy_accuracy(model, task.as_ref(), &vocab, &validation, 200)
    };
    let mut trainer = SftTrainer::new(model, sft)?;
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let started = Instant::now();
    println!("phase,step,seconds,loss_or_reward,entropy,dH,cov_group,R");
    for step in 0..sft_steps {
        let problems = (0..64)
            .map(|_| holdout.generate_in(task.as_ref(), Split::Train, &mut rng))
            .collect::<policylab::Result<Vec<_>>>()?;
        let record = trainer.step(&vocab, &problems)?;
        if step % 50 == 0 || step + 1 == sft_steps {
            let r = accuracy(&trainer.model()?.valid())?;
            println!(
                "sft,{step},{:.1},{:.4},,,,{r:.3}",
                started.elapsed().as_secs_f64(),
                record.loss
            );
        }
    }
    let model = trainer.into_model()?;
    let loss = LossConfig {
        objective: PolicyObjective::from_name("ppo-clip", &[])?,
        aggregation: Aggregation::TokenMean,
        entropy_bonus: 0.0,
        kl: None,
    };
    let rl = RlConfig {
        prompts_per_step: 32,
        group_size: 8,
        minibatches: 2,
        learning_rate: 3e-4,
        ..RlConfig::default()
    };
    let mut trainer = RlTrainer::new(model, rl, loss)?;
    for step in 0..rl_steps {
        let record = trainer.step(task.as_ref(), &vocab, &holdout, &mut rng)?;
        let r = if step % 10 == 0 || step + 1 == rl_steps {
            format!("{:.3}", accuracy(&trainer.model()?.valid())?)
        } else {
            String::new()
        };
        let get = |name: &str| record.get(name).unwrap_or(f64::NAN);
        println!(
            "rl,{step},{:.1},{:.4},{:.4},{:.4},{:.4},{r}",
            started.elapsed().as_secs_f64(),
            get("reward"),
            get("entropy"),
            get("dH"),
            get("cov_group")
        );
    }
    Ok(())
}
