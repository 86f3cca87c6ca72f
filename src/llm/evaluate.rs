//! Validation of a policy on held-out prompts: greedy accuracy (the R of the entropy–performance
//! law, as Cui et al. 2025 validate with greedy decoding outside AIME/AMC) and pass@k from
//! sampled responses (the unbiased estimator of [`crate::llm::pass_at_k`]).

use burn::tensor::backend::Backend;
use rand_chacha::ChaCha8Rng;

use super::model::Transformer;
use super::pass_at_k::mean_pass_at_k;
use super::sampler::{SamplerConfig, sample};
use super::task::{Problem, Task};
use super::vocab::{Token, Vocab};
use crate::core::error::Result;

/// `[BOS] prompt` as tokens.
pub fn encode_prompt(vocab: &Vocab, prompt: &str) -> Result<Vec<Token>> {
    let mut tokens = vec![Vocab::BOS];
    tokens.extend(vocab.encode(prompt)?);
    Ok(tokens)
}

/// The token budget of a response: the task's longest correct response plus its EOS.
pub fn response_budget(task: &dyn Task) -> usize {
    task.max_response_len() + 1
}

/// The share of `problems` answered exactly right with greedy decoding, in batches of
/// `batch_size` prompts.
pub fn greedy_accuracy<B: Backend>(
    model: &Transformer<B>,
    task: &dyn Task,
    vocab: &Vocab,
    problems: &[Problem],
    batch_size: usize,
) -> Result<f64> {
    let config = SamplerConfig::greedy(response_budget(task), Vocab::EOS);
    // Greedy decoding draws nothing; the generator is only there to satisfy the signature.
    let mut rng = <ChaCha8Rng as rand::SeedableRng>::seed_from_u64(0);
    let mut correct = 0.0;
    for chunk in problems.chunks(batch_size.max(1)) {
        let prompts: Vec<Vec<Token>> = chunk
            .iter()
            .map(|p| encode_prompt(vocab, &p.prompt))
            .collect::<Result<_>>()?;
        let samples = sample(model, &prompts, &config, &mut rng)?;
        for (problem, response) in chunk.iter().zip(&samples.responses) {
            correct += task.score(&problem.prompt, &vocab.decode(response));
        }
    }
    Ok(correct / problems.len().max(1) as f64)
}

/// pass@k for each k in `ks` from `samples_per_prompt` responses per problem at the sampler's
/// temperature (1 unless set), with the caller's generator.
pub fn pass_at_ks<B: Backend>(
    model: &Transformer<B>,
    task: &dyn Task,
    vocab: &Vocab,
    problems: &[Problem],
    samples_per_prompt: usize,
    ks: &[usize],
    rng: &mut ChaCha8Rng,
) -> Result<Vec<f64>> {
    let config = SamplerConfig::new(response_budget(task), Vocab::EOS);
    let mut counts = Vec::with_capacity(problems.len());
    for problem in problems {
        let prompt = encode_prompt(vocab, &problem.prompt)?;
        let prompts = vec![prompt; samples_per_prompt];
        let samples = sample(model, &prompts, &config, rng)?;
        let correct = samples
            .responses
            .iter()
            .filter(|r| task.score(&problem.prompt, &vocab.decode(r)) == 1.0)
            .count();
        counts.push((samples_per_prompt, correct));
    }
    ks.iter().map(|&k| mean_pass_at_k(&counts, k)).collect()
}

#[cfg(test)]
mod tests {
    use rand::SeedableRng;

    use super::*;
    use crate::llm::fixtures::{arithmetic, tiny};
    use crate::llm::task::{Holdout, Split};

    type B = burn::backend::NdArray<f32>;

    #[test]
    fn prompts_start_with_bos_and_budgets_leave_room_for_eos() {
        let vocab = Vocab::standard();
        let task = arithmetic(2);
        let tokens = encode_prompt(&vocab, "12+34=").expect("tokens");
        assert_eq!(tokens[0], Vocab::BOS);
        assert_eq!(vocab.decode(&tokens), "12+34=");
        assert_eq!(response_budget(task.as_ref()), task.max_response_len() + 1);
    }

    #[test]
    fn pass_at_k_is_deterministic_bounded_and_grows_with_k() {
        let vocab = Vocab::standard();
        // One-digit additions with few answer characters: an untrained model still hits some.
        let task = arithmetic(1);
        let problems = Holdout::default()
            .fixed_set(task.as_ref(), Split::Validation, 4, 2)
            .expect("problems");
        let model = tiny(16).init::<B>(&Default::default(), 3).expect("a model");
        let run = |seed: u64| {
            let mut rng = ChaCha8Rng::seed_from_u64(seed);
            pass_at_ks(
                &model,
                task.as_ref(),
                &vocab,
                &problems,
                16,
                &[1, 4, 16],
                &mut rng,
            )
            .expect("pass@k")
        };
        let first = run(9);
        assert_eq!(first, run(9));
        assert!(first.iter().all(|p| (0.0..=1.0).contains(p)));
        assert!(first[0] <= first[1] && first[1] <= first[2], "{first:?}");
        let greedy = greedy_accuracy(&model, task.as_ref(), &vocab, &problems, 2).expect("R");
        assert!((0.0..=1.0).contains(&greedy));
    }
}
