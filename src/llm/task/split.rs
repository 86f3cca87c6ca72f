//! The train/validation split of a task's prompts: validation prompts are never seen in training,
//! so validation accuracy and pass@k measure generalization rather than memorization.
//!
//! The split is a fixed function of the prompt text, the same on every machine and in every run: a
//! prompt belongs to validation iff the 64-bit FNV-1a hash of its bytes
//! ([`crate::core::seeding::fnv1a`]; Fowler, Noll & Vo) taken mod 100 is below
//! `validation_percent`. Problems of a split are drawn by rejection: draw from the task, keep the
//! draw if its prompt is in the split.

use super::{Problem, Task};
use crate::core::error::{Error, Result};
use crate::core::seeding::{FNV1A_OFFSET_BASIS, fnv1a};
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use std::collections::HashSet;

/// Which side of the split a prompt is on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Split {
    /// Prompts used for supervised fine-tuning and reinforcement learning.
    Train,
    /// Held-out prompts for evaluation only.
    Validation,
}

/// The split rule: which percentage of the prompt space is held out for validation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize, serde::Serialize)]
#[serde(default, deny_unknown_fields)]
pub struct Holdout {
    /// The percentage of prompts (by hash) held out for validation, 1 to 99 (default 10).
    pub validation_percent: u32,
}

impl Default for Holdout {
    fn default() -> Self {
        Holdout {
            validation_percent: 10,
        }
    }
}

impl Holdout {
    /// Draws [`Holdout::generate_in`] makes before it reports that the split holds no prompt the
    /// task generates. A split holding a fraction f of the task's draws fails with probability
    /// (1 − f)^10000, below 10^−43 for f ≥ 1%.
    pub const MAX_TRIES: usize = 10_000;

    /// Consecutive draws without a new prompt after which [`Holdout::fixed_set`] concludes that
    /// the split holds no more distinct prompts the task generates.
    pub const MAX_STALL: usize = 100_000;

    /// The rule holding out `validation_percent` percent, checked.
    pub fn new(validation_percent: u32) -> Result<Self> {
        let holdout = Holdout { validation_percent };
        holdout.check()?;
        Ok(holdout)
    }

    /// Checks that both splits are non-empty: `validation_percent` is 1 to 99.
    pub fn check(&self) -> Result<()> {
        if (1..=99).contains(&self.validation_percent) {
            Ok(())
        } else {
            Err(Error::invalid(
                "split.validation_percent",
                self.validation_percent.to_string(),
                "allowed 1 to 99",
            ))
        }
    }

    /// The split `prompt` belongs to.
    pub fn split_of(&self, prompt: &str) -> Split {
        if fnv1a(FNV1A_OFFSET_BASIS, prompt.as_bytes()) % 100 < u64::from(self.validation_percent) {
            Split::Validation
        } else {
            Split::Train
        }
    }

    /// A random problem of `task` whose prompt is in `split`, by rejection; an error if none
    /// turns up in [`Holdout::MAX_TRIES`] draws (the task's prompt space is too small for the
    /// split).
    pub fn generate_in(
        &self,
        task: &dyn Task,
        split: Split,
        rng: &mut dyn rand::Rng,
    ) -> Result<Problem> {
        self.check()?;
        for _ in 0..Self::MAX_TRIES {
            let problem = task.generate(rng);
            if self.split_of(&problem.prompt) == split {
                return Ok(problem);
            }
        }
        Err(Error::Usage(format!(
            "task {}: no prompt of the {split:?} split ({}% validation) in {} draws; the task's \
             prompt space is too small for this split",
            task.name(),
            self.validation_percent,
            Self::MAX_TRIES
        )))
    }

    /// `n` problems of `task` with distinct prompts in `split`, the same for the same `seed`: the
    /// first `n` distinct in-split prompts drawn from a ChaCha8 generator seeded with `seed`.
    ///
    /// An error if [`Holdout::MAX_STALL`] consecutive draws bring no new prompt before `n` are
    /// found (the split holds fewer than `n` distinct prompts that the task generates).
    pub fn fixed_set(
        &self,
        task: &dyn Task,
        split: Split,
        n: usize,
        seed: u64,
    ) -> Result<Vec<Problem>> {
        self.check()?;
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let mut seen = HashSet::with_capacity(n);
        let mut problems = Vec::with_capacity(n);
        let mut stall = 0;
        while problems.len() < n {
            let problem = task.generate(&mut rng);
            if self.split_of(&problem.prompt) == split && seen.insert(problem.prompt.clone()) {
                problems.push(problem);
                stall = 0;
            } else {
                stall += 1;
                if stall >= Self::MAX_STALL {
                    return Err(Error::Usage(format!(
                        "task {}: asked for {n} distinct prompts of the {split:?} split ({}% \
                         validation), found {} and then none new in {} draws; the split holds \
                         fewer prompts than asked for",
                        task.name(),
                        self.validation_percent,
                        problems.len(),
                        Self::MAX_STALL
                    )));
                }
            }
        }
        Ok(problems)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::llm::task::{ArithmeticSpec, CountdownSpec, TaskSpec};

    fn arithmetic(digits: usize) -> Box<dyn Task> {
        TaskSpec::Arithmetic(ArithmeticSpec {
            digits,
            ..ArithmeticSpec::default()
        })
        .build()
        .expect("valid parameters")
    }

    fn countdown() -> Box<dyn Task> {
        TaskSpec::Countdown(CountdownSpec::default())
            .build()
            .expect("valid parameters")
    }

    /// A task with a single prompt, to exhaust a split.
    #[derive(Debug)]
    struct Constant;

    impl Task for Constant {
        fn name(&self) -> &'static str {
            "constant"
        }
        fn generate(&self, _rng: &mut dyn rand::Rng) -> Problem {
            Problem {
                prompt: "1+1=".to_string(),
                solution: "2".to_string(),
            }
        }
        fn score(&self, _prompt: &str, response: &str) -> f64 {
            f64::from(u8::from(response == "2"))
        }
        fn prompt_len(&self) -> usize {
            4
        }
        fn max_response_len(&self) -> usize {
            1
        }
    }

    #[test]
    fn splits_are_disjoint_and_consistent() {
        let holdout = Holdout::default();
        for task in [arithmetic(3), countdown()] {
            let train = holdout
                .fixed_set(task.as_ref(), Split::Train, 3000, 1)
                .expect("enough prompts");
            let validation = holdout
                .fixed_set(task.as_ref(), Split::Validation, 500, 1)
                .expect("enough prompts");
            let train_prompts: HashSet<&str> = train.iter().map(|p| p.prompt.as_str()).collect();
            assert_eq!(train_prompts.len(), 3000, "distinct");
            assert!(
                train
                    .iter()
                    .all(|p| holdout.split_of(&p.prompt) == Split::Train)
            );
            for problem in &validation {
                assert_eq!(holdout.split_of(&problem.prompt), Split::Validation);
                assert!(!train_prompts.contains(problem.prompt.as_str()));
                assert_eq!(task.score(&problem.prompt, &problem.solution), 1.0);
            }
            let mut rng = ChaCha8Rng::seed_from_u64(4);
            for split in [Split::Train, Split::Validation] {
                for _ in 0..200 {
                    let problem = holdout
                        .generate_in(task.as_ref(), split, &mut rng)
                        .expect("a prompt of the split");
                    assert_eq!(holdout.split_of(&problem.prompt), split);
                }
            }
        }
    }

    #[test]
    fn validation_fraction_is_near_the_percentage_and_unrelated_to_operands() {
        // The whole space of two-digit additions: 10^4 prompts. With a well-spread hash the held
        // out count is Binomial(10^4, p): standard deviation below 30 for p ≤ 20%.
        let task = ArithmeticSpec {
            digits: 2,
            ..ArithmeticSpec::default()
        }
        .build()
        .expect("valid parameters");
        for percent in [5, 10, 20] {
            let holdout = Holdout::new(percent).expect("valid percentage");
            let mut held_out = 0;
            // Held out per last digit of a, per parity of b: the split must not follow operands.
            let mut by_last_digit = [0u32; 10];
            let mut by_parity = [0u32; 2];
            for a in 0..100 {
                for b in 0..100 {
                    let prompt = task.prompt(a, crate::llm::task::Operation::Add, b);
                    if holdout.split_of(&prompt) == Split::Validation {
                        held_out += 1;
                        by_last_digit[(a % 10) as usize] += 1;
                        by_parity[(b % 2) as usize] += 1;
                    }
                }
            }
            let expected = 100.0 * f64::from(percent);
            let deviation = (f64::from(held_out) - expected).abs();
            assert!(
                deviation < 4.0 * (expected * 0.9).sqrt(),
                "{percent}%: {held_out}"
            );
            for count in by_last_digit {
                let expected = expected / 10.0;
                assert!(
                    (f64::from(count) - expected).abs() < 5.0 * expected.sqrt(),
                    "{count}"
                );
            }
            for count in by_parity {
                let expected = expected / 2.0;
                assert!(
                    (f64::from(count) - expected).abs() < 5.0 * expected.sqrt(),
                    "{count}"
                );
            }
        }
        // Drawn countdown prompts: the held-out share of draws is near 10%.
        let task = countdown();
        let holdout = Holdout::default();
        let mut rng = ChaCha8Rng::seed_from_u64(2);
        let draws = 20_000;
        let held_out = (0..draws)
            .filter(|_| holdout.split_of(&task.generate(&mut rng).prompt) == Split::Validation)
            .count();
        let fraction = held_out as f64 / draws as f64;
        assert!((fraction - 0.1).abs() < 0.02, "countdown: {fraction}");
    }

    #[test]
    fn fixed_sets_are_deterministic_for_a_seed() {
        let holdout = Holdout::default();
        let task = countdown();
        let set = |seed| {
            holdout
                .fixed_set(task.as_ref(), Split::Validation, 100, seed)
                .expect("enough prompts")
        };
        assert_eq!(set(7), set(7));
        assert_ne!(set(7), set(8));
        assert_eq!(
            set(7)[..50],
            holdout
                .fixed_set(task.as_ref(), Split::Validation, 50, 7)
                .expect("enough prompts")[..]
        );
    }

    #[test]
    fn small_spaces_are_errors() {
        let holdout = Holdout::default();
        // One-digit additions: 100 prompts, about 10 held out.
        let task = arithmetic(1);
        let error = holdout
            .fixed_set(task.as_ref(), Split::Validation, 50, 0)
            .expect_err("fewer than 50 validation prompts");
        assert!(error.to_string().contains("asked for 50"), "{error}");
        let all = holdout
            .fixed_set(task.as_ref(), Split::Train, 60, 0)
            .expect("about 90 training prompts");
        assert_eq!(all.len(), 60);
        // A task with one prompt: one of the splits is empty.
        let empty = match holdout.split_of("1+1=") {
            Split::Train => Split::Validation,
            Split::Validation => Split::Train,
        };
        let mut rng = ChaCha8Rng::seed_from_u64(0);
        let error = holdout
            .generate_in(&Constant, empty, &mut rng)
            .expect_err("an empty split");
        assert!(error.to_string().contains("too small"), "{error}");
        assert!(
            holdout
                .generate_in(&Constant, holdout.split_of("1+1="), &mut rng)
                .is_ok()
        );
    }

    #[test]
    fn percentages_are_checked() {
        for bad in [0, 100, 250] {
            let error = Holdout::new(bad).expect_err("an empty split");
            assert!(
                error
                    .to_string()
                    .contains(&format!("split.validation_percent: {bad}; allowed 1 to 99")),
                "{error}"
            );
        }
        let holdout: Holdout = toml::from_str("validation_percent = 25").expect("valid");
        assert_eq!(holdout, Holdout::new(25).expect("valid"));
        assert_eq!(
            toml::from_str::<Holdout>("").expect("default"),
            Holdout::default()
        );
        assert!(toml::from_str::<Holdout>("percent = 5").is_err());
    }
}
