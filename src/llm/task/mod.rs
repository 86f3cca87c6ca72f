//! Synthetic verifiable tasks for the LLM policies: generated in-process from a seeded generator,
//! scored exactly by a program (a "verifiable reward" in the sense of the RL-for-reasoning
//! literature), so that supervised fine-tuning and GRPO-style reinforcement learning can be run and
//! their entropy measured without any downloaded data (the setting of Cui et al. 2025, "The Entropy
//! Mechanism of Reinforcement Learning for Reasoning Language Models", scaled down).
//!
//! Two families, each with difficulty knobs:
//! - [`arithmetic`]: `a op b` with zero-padded operands, the answer written least-significant digit
//!   first or in the usual order (Lee et al. 2023, "Teaching Arithmetic to Small Transformers").
//!   One correct answer per prompt.
//! - [`countdown`]: reach a target with given numbers and `+ - * /` (the Countdown game, as in
//!   TinyZero's countdown task). Usually several correct answers per prompt, which leaves a policy
//!   room for entropy that reward alone does not remove.
//!
//! Every prompt of a configured task has the same length ([`Task::prompt_len`]), because the
//! batched sampler needs equal-length prompts. [`split`] holds validation prompts out of training.
//! Every text is written with the characters of [`crate::llm::vocab::Vocab::standard`].

pub mod arithmetic;
pub mod countdown;
pub mod expression;
pub mod split;

pub use arithmetic::{AnswerOrder, Arithmetic, ArithmeticSpec, Operation};
pub use countdown::{Countdown, CountdownSpec};
pub use split::{Holdout, Split};

use crate::core::error::Result;

/// One generated problem: the prompt and one correct response.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Problem {
    /// The prompt text, [`Task::prompt_len`] characters long.
    pub prompt: String,
    /// One correct response (the supervised fine-tuning target), without the end-of-sequence
    /// token; at most [`Task::max_response_len`] characters.
    pub solution: String,
}

/// A family of verifiable problems with a fixed difficulty.
///
/// Object safe: the trainer holds a `Box<dyn Task>` built by [`TaskSpec::build`].
pub trait Task: Send + Sync + std::fmt::Debug {
    /// The family's name, as written in [`TaskSpec`] (`arithmetic`, `countdown`).
    fn name(&self) -> &'static str;

    /// A random problem, drawing only from `rng`.
    fn generate(&self, rng: &mut dyn rand::Rng) -> Problem;

    /// 1.0 if `response` is exactly a correct answer to `prompt`, else 0.0.
    ///
    /// Everything it needs is re-derived from the prompt text; it never panics, whatever the
    /// prompt and the response (garbage, empty, numbers too large for any integer type): a prompt
    /// that is not of the task's format scores 0.0.
    fn score(&self, prompt: &str, response: &str) -> f64;

    /// The number of characters of every prompt of this task.
    fn prompt_len(&self) -> usize;

    /// An upper bound on the number of characters of a correct response (the sampler's budget is
    /// this plus one for the end-of-sequence token).
    fn max_response_len(&self) -> usize;
}

/// A task family and its parameters, as written in an experiment file, tagged by `name`:
///
/// ```toml
/// [task]
/// name = "arithmetic"
/// digits = 3
/// operations = ["+", "-"]
/// answer_order = "reversed"
/// ```
///
/// Every parameter has a default ([`ArithmeticSpec::default`], [`CountdownSpec::default`]); an
/// unknown field is an error.
#[derive(Debug, Clone, PartialEq, serde::Deserialize, serde::Serialize)]
#[serde(tag = "name", rename_all = "snake_case", deny_unknown_fields)]
pub enum TaskSpec {
    /// `a op b` ([`ArithmeticSpec`]).
    Arithmetic(ArithmeticSpec),
    /// Reach a target with given numbers ([`CountdownSpec`]).
    Countdown(CountdownSpec),
}

impl TaskSpec {
    /// The families' names, as written in the `name` field.
    pub fn names() -> &'static [&'static str] {
        &["arithmetic", "countdown"]
    }

    /// The task, after checking every parameter; an error names the field (`task.digits`), the
    /// value and what is allowed.
    pub fn build(&self) -> Result<Box<dyn Task>> {
        Ok(match self {
            TaskSpec::Arithmetic(spec) => Box::new(spec.build()?),
            TaskSpec::Countdown(spec) => Box::new(spec.build()?),
        })
    }
}

/// Fails with an [`crate::core::error::Error::Invalid`] naming `task.<field>` when `ok` is false.
pub(crate) fn require(
    ok: bool,
    field: &str,
    found: impl std::fmt::Display,
    allowed: &str,
) -> Result<()> {
    if ok {
        Ok(())
    } else {
        Err(invalid(field, found, allowed))
    }
}

/// An [`crate::core::error::Error::Invalid`] naming `task.<field>`, the value and what is allowed.
pub(crate) fn invalid(
    field: &str,
    found: impl std::fmt::Display,
    allowed: &str,
) -> crate::core::error::Error {
    crate::core::error::Error::invalid(
        format!("task.{field}"),
        found.to_string(),
        format!("allowed {allowed}"),
    )
}

/// `value` in decimal, left-padded with zeros to `width` characters.
pub(crate) fn zero_padded(value: u64, width: usize) -> String {
    format!("{value:0width$}")
}

/// The value of a string of ASCII digits (at least one), or `None` for anything else or a value
/// past `u64`.
pub(crate) fn parse_digits(text: &str) -> Option<u64> {
    if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    text.bytes().try_fold(0u64, |value, b| {
        value.checked_mul(10)?.checked_add(u64::from(b - b'0'))
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::llm::vocab::Vocab;
    use rand::SeedableRng;
    use rand_chacha::ChaCha8Rng;

    fn parse(text: &str) -> std::result::Result<TaskSpec, toml::de::Error> {
        toml::from_str(text)
    }

    /// Specs at several difficulties of both families.
    pub(crate) fn several_tasks() -> Vec<Box<dyn Task>> {
        let texts = [
            "name = \"arithmetic\"",
            "name = \"arithmetic\"\ndigits = 1\noperations = [\"+\", \"-\", \"*\"]",
            "name = \"arithmetic\"\ndigits = 6\noperations = [\"-\", \"*\"]\nanswer_order = \"plain\"",
            "name = \"arithmetic\"\ndigits = 4\noperations = [\"*\"]",
            "name = \"countdown\"",
            "name = \"countdown\"\ncount = 2\nmax_number = 9\nmax_target = 20",
            "name = \"countdown\"\ncount = 4\nmax_number = 99\nmax_target = 999",
            "name = \"countdown\"\ncount = 5\nmax_number = 50\nmax_target = 100",
        ];
        texts
            .iter()
            .map(|text| {
                parse(text)
                    .expect("a valid spec")
                    .build()
                    .expect("valid parameters")
            })
            .collect()
    }

    #[test]
    fn names_list_every_family() {
        for name in TaskSpec::names() {
            let spec = parse(&format!("name = \"{name}\"")).expect("defaults");
            assert_eq!(spec.build().expect("defaults are valid").name(), *name);
        }
    }

    #[test]
    fn specs_parse_with_defaults_and_round_trip() {
        let spec = parse("name = \"arithmetic\"").expect("defaults");
        assert_eq!(spec, TaskSpec::Arithmetic(ArithmeticSpec::default()));
        let spec = parse("name = \"countdown\"\ncount = 4").expect("one field");
        assert_eq!(
            spec,
            TaskSpec::Countdown(CountdownSpec {
                count: 4,
                ..CountdownSpec::default()
            })
        );
        let text = toml::to_string(&spec).expect("serializable");
        assert_eq!(parse(&text).expect("round trip"), spec);
    }

    #[test]
    fn bad_specs_give_the_documented_errors() {
        let message = |text: &str| match parse(text) {
            Err(error) => error.to_string(),
            Ok(spec) => spec.build().expect_err("an invalid parameter").to_string(),
        };
        let cases = [
            (
                "name = \"arithmetic\"\ndigits = 9",
                "task.digits: 9; allowed 1 to 6",
            ),
            (
                "name = \"arithmetic\"\ndigits = 0",
                "task.digits: 0; allowed 1 to 6",
            ),
            (
                "name = \"arithmetic\"\noperations = [\"/\"]",
                "task.operations: \"/\"; allowed",
            ),
            (
                "name = \"arithmetic\"\noperations = []",
                "task.operations: []; allowed",
            ),
            (
                "name = \"arithmetic\"\noperations = [\"+\", \"+\"]",
                "task.operations: \"+\" twice; allowed",
            ),
            (
                "name = \"arithmetic\"\nanswer_order = \"backwards\"",
                "backwards",
            ),
            (
                "name = \"countdown\"\ncount = 1",
                "task.count: 1; allowed 2 to 5",
            ),
            (
                "name = \"countdown\"\ncount = 6",
                "task.count: 6; allowed 2 to 5",
            ),
            (
                "name = \"countdown\"\nmax_number = 0",
                "task.max_number: 0; allowed 1 to 999",
            ),
            (
                "name = \"countdown\"\nmax_target = 100000",
                "task.max_target: 100000; allowed 1 to 9999",
            ),
            ("name = \"arithmetic\"\ncount = 3", "unknown field `count`"),
            ("name = \"countdown\"\ndigits = 3", "unknown field `digits`"),
            ("name = \"sorting\"", "unknown variant `sorting`"),
        ];
        for (text, expected) in cases {
            let found = message(text);
            assert!(
                found.contains(expected),
                "{text:?}: {found:?} lacks {expected:?}"
            );
        }
    }

    #[test]
    fn every_generated_solution_scores_one_and_fits_the_vocabulary() {
        let vocab = Vocab::standard();
        for task in several_tasks() {
            let mut rng = ChaCha8Rng::seed_from_u64(11);
            for _ in 0..2000 {
                let problem = task.generate(&mut rng);
                assert_eq!(
                    problem.prompt.chars().count(),
                    task.prompt_len(),
                    "{task:?}: {problem:?}"
                );
                assert!(problem.solution.chars().count() <= task.max_response_len());
                assert_eq!(
                    task.score(&problem.prompt, &problem.solution),
                    1.0,
                    "{task:?}: {problem:?}"
                );
                vocab
                    .encode(&problem.prompt)
                    .expect("prompt in the vocabulary");
                vocab
                    .encode(&problem.solution)
                    .expect("solution in the vocabulary");
            }
        }
    }

    #[test]
    fn score_never_panics_on_random_strings() {
        // A seeded fuzz loop: random strings over the vocabulary's characters (biased towards
        // digits so that some look like answers), as responses to real prompts and as prompts.
        let characters = Vocab::standard().characters();
        let mut rng = ChaCha8Rng::seed_from_u64(5);
        let mut edits_still_correct = 0;
        for task in several_tasks() {
            for _ in 0..3000 {
                let problem = task.generate(&mut rng);
                let length = rand::RngExt::random_range(&mut rng, 0..40);
                let garbage: String = (0..length)
                    .map(|_| {
                        if rand::RngExt::random_bool(&mut rng, 0.5) {
                            char::from(b'0' + rand::RngExt::random_range(&mut rng, 0..10u8))
                        } else {
                            characters[rand::RngExt::random_range(&mut rng, 0..characters.len())]
                        }
                    })
                    .collect();
                let is_score = |score: f64| score == 0.0 || score == 1.0;
                assert!(is_score(task.score(&problem.prompt, &garbage)));
                assert!(is_score(task.score(&garbage, &problem.solution)));
                let mut mangled = problem.prompt.clone();
                mangled.push_str(&garbage);
                assert!(is_score(task.score(&mangled, &garbage)));
                // One random edit of the solution (insert, delete or replace a character).
                let mut edited: Vec<char> = problem.solution.chars().collect();
                let at = rand::RngExt::random_range(&mut rng, 0..=edited.len());
                let character =
                    characters[rand::RngExt::random_range(&mut rng, 0..characters.len())];
                match rand::RngExt::random_range(&mut rng, 0..3) {
                    0 => edited.insert(at, character),
                    1 if at < edited.len() => {
                        edited.remove(at);
                    }
                    _ if at < edited.len() => edited[at] = character,
                    _ => edited.push(character),
                }
                let edited: String = edited.into_iter().collect();
                let score = task.score(&problem.prompt, &edited);
                assert!(is_score(score));
                if task.name() == "arithmetic" && edited != problem.solution {
                    // One correct answer per arithmetic prompt: any other text is wrong.
                    assert_eq!(score, 0.0, "{problem:?} {edited:?}");
                }
                if score == 1.0 {
                    edits_still_correct += 1;
                }
            }
            // Edge cases: empty, huge numbers, non-vocabulary text, deep nesting.
            let huge = "9".repeat(100);
            let deep = format!("{}1{}", "(".repeat(100_000), ")".repeat(100_000));
            let inputs = [
                "",
                "=",
                ">:",
                "-",
                "(",
                ")",
                "é∑",
                huge.as_str(),
                deep.as_str(),
            ];
            for prompt in inputs {
                for response in inputs {
                    assert_eq!(task.score(prompt, response), 0.0, "{prompt:?} {response:?}");
                }
            }
        }
        // Some countdown edits keep the answer correct (a space between tokens, a swapped
        // operand order): the scorer is not rejecting everything that is not the solution.
        assert!(edits_still_correct > 0);
    }

    #[test]
    fn generation_is_deterministic_for_a_seed() {
        for task in several_tasks() {
            let draw = |seed| {
                let mut rng = ChaCha8Rng::seed_from_u64(seed);
                (0..50).map(|_| task.generate(&mut rng)).collect::<Vec<_>>()
            };
            assert_eq!(draw(3), draw(3));
            assert_ne!(draw(3), draw(4));
        }
    }
}
