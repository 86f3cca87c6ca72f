//! Countdown: combine the given numbers with `+ - * /` and parentheses to reach a target, using each
//! number exactly once (the numbers round of the television game Countdown; the task TinyZero —
//! Pan et al. 2025, "TinyZero", github.com/Jiayi-Pan/TinyZero — trains R1-style reinforcement
//! learning on, with 3–4 numbers).
//!
//! Format, for `count` = n numbers:
//! - Prompt: the numbers in ascending order, each zero-padded to the width of `max_number`,
//!   separated by `,`, then `>`, the target zero-padded to the width of `max_target`, then `:`.
//!   `03,07,25>031:` for n = 3, `max_number` = 25, `max_target` = 100. Every prompt of a task has
//!   n·(w_number + 1) + w_target + 1 characters. Sorting makes a prompt a function of the multiset
//!   of numbers and the target, so the validation split ([`super::split`]) holds out problems, not
//!   orderings.
//! - Response: an expression in the grammar of [`super::expression`] (decimal literals, `+ - * /`,
//!   parentheses, optional spaces; no unary minus). It is correct iff its literals are, as a
//!   multiset, exactly the prompt's numbers (a literal's value counts, so `07` is 7) and its exact
//!   rational value equals the target. Intermediate values may be negative or fractional, as in
//!   TinyZero's scorer (which evaluates the expression and compares it with the target).
//!
//! Generation follows the game's stricter rule, so the supervised target is a classic solution:
//! it draws n numbers uniformly from 1 to `max_number`, then repeatedly replaces two random
//! subexpressions by their sum, product, positive difference or exact quotient (one of the
//! operations that keep the value a positive integer, chosen uniformly), until one expression is
//! left; it keeps the draw if that value is at most `max_target` and retries otherwise. The
//! solution is printed with the fewest parentheses that preserve its value.

use super::expression::evaluate;
use super::{Problem, Task, parse_digits, require, zero_padded};
use crate::core::error::{Error, Result};
use rand::RngExt;

/// Parameters of the Countdown task, as written in an experiment file.
#[derive(Debug, Clone, PartialEq, serde::Deserialize, serde::Serialize)]
#[serde(default, deny_unknown_fields)]
pub struct CountdownSpec {
    /// How many numbers, 2 to 5 (default 3).
    pub count: usize,
    /// Numbers are drawn from 1 to this, at most 999 (default 20).
    pub max_number: u32,
    /// Targets are positive integers up to this, at most 9999 (default 100).
    pub max_target: u32,
}

impl Default for CountdownSpec {
    fn default() -> Self {
        CountdownSpec {
            count: 3,
            max_number: 20,
            max_target: 100,
        }
    }
}

impl CountdownSpec {
    /// Draws of the build-time check that generation succeeds often enough.
    const PROBE_DRAWS: usize = 2000;
    /// The fewest successes among [`Self::PROBE_DRAWS`] draws that [`CountdownSpec::build`] accepts
    /// (1%).
    const PROBE_SUCCESSES: usize = 20;

    /// The task, after checking every parameter, and checking with a fixed seed that at least 1%
    /// of random expressions land in 1..=`max_target` (so that [`Task::generate`] needs about a
    /// hundred retries at worst).
    pub fn build(&self) -> Result<Countdown> {
        require((2..=5).contains(&self.count), "count", self.count, "2 to 5")?;
        require(
            (1..=999).contains(&self.max_number),
            "max_number",
            self.max_number,
            "1 to 999",
        )?;
        require(
            (1..=9999).contains(&self.max_target),
            "max_target",
            self.max_target,
            "1 to 9999",
        )?;
        let task = Countdown {
            count: self.count,
            max_number: self.max_number,
            max_target: self.max_target,
            number_width: self.max_number.to_string().len(),
            target_width: self.max_target.to_string().len(),
        };
        let mut rng = <rand_chacha::ChaCha8Rng as rand::SeedableRng>::seed_from_u64(0);
        let successes = (0..Self::PROBE_DRAWS)
            .filter(|_| task.attempt(&mut rng).is_some())
            .count();
        if successes < Self::PROBE_SUCCESSES {
            return Err(Error::invalid(
                "task.max_target",
                self.max_target.to_string(),
                format!(
                    "allowed a target range that random expressions over {} numbers up to {} \
                     reach at least 1% of the time (they reached it {successes} times in {}); \
                     raise max_target or lower max_number",
                    self.count,
                    self.max_number,
                    Self::PROBE_DRAWS
                ),
            ));
        }
        Ok(task)
    }
}

/// The Countdown task at one difficulty (built by [`CountdownSpec::build`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Countdown {
    count: usize,
    max_number: u32,
    max_target: u32,
    number_width: usize,
    target_width: usize,
}

/// One subexpression during generation: its text, value, and precedence (1 for `+ -`, 2 for
/// `* /`, 3 for a literal or a parenthesized expression).
struct Node {
    text: String,
    value: u64,
    precedence: u8,
}

impl Countdown {
    /// Draws before [`Task::generate`] gives up and returns the all-ones problem (which the
    /// build-time check makes improbable beyond reason: 0.99^100000 < 10^−436).
    const MAX_ATTEMPTS: usize = 100_000;

    /// How many numbers.
    pub fn count(&self) -> usize {
        self.count
    }

    /// The largest number.
    pub fn max_number(&self) -> u32 {
        self.max_number
    }

    /// The largest target.
    pub fn max_target(&self) -> u32 {
        self.max_target
    }

    /// The prompt for `numbers` (sorted here) and `target`.
    pub fn prompt(&self, numbers: &[u64], target: u64) -> String {
        let mut sorted = numbers.to_vec();
        sorted.sort_unstable();
        let numbers: Vec<String> = sorted
            .iter()
            .map(|&n| zero_padded(n, self.number_width))
            .collect();
        format!(
            "{}>{}:",
            numbers.join(","),
            zero_padded(target, self.target_width)
        )
    }

    /// The numbers and the target of a prompt of the Countdown format (any widths and count), or
    /// `None`.
    pub fn parse_prompt(prompt: &str) -> Option<(Vec<u64>, u64)> {
        let (numbers, target) = prompt.strip_suffix(':')?.split_once('>')?;
        let numbers = numbers
            .split(',')
            .map(parse_digits)
            .collect::<Option<Vec<u64>>>()?;
        Some((numbers, parse_digits(target)?))
    }

    /// One draw of numbers and expression; `None` if its value is past `max_target`.
    fn attempt(&self, rng: &mut dyn rand::Rng) -> Option<Problem> {
        let numbers: Vec<u64> = (0..self.count)
            .map(|_| u64::from(rng.random_range(1..=self.max_number)))
            .collect();
        let mut pool: Vec<Node> = numbers
            .iter()
            .map(|&value| Node {
                text: value.to_string(),
                value,
                precedence: 3,
            })
            .collect();
        while pool.len() > 1 {
            let first = pool.swap_remove(rng.random_range(0..pool.len()));
            let second = pool.swap_remove(rng.random_range(0..pool.len()));
            pool.push(combine(first, second, rng)?);
        }
        let expression = pool.pop()?;
        (expression.value <= u64::from(self.max_target)).then(|| Problem {
            prompt: self.prompt(&numbers, expression.value),
            solution: expression.text,
        })
    }
}

/// A random combination of two positive-integer subexpressions that is again a positive integer:
/// a sum or a product (in the drawn order), the larger minus the smaller (if they differ), or the
/// larger divided by the smaller (if it divides exactly). `None` only on u64 overflow, which
/// 999^5 < 2^64 rules out for valid parameters.
fn combine(first: Node, second: Node, rng: &mut dyn rand::Rng) -> Option<Node> {
    let (large, small) = if first.value >= second.value {
        (&first, &second)
    } else {
        (&second, &first)
    };
    let mut choices: Vec<(u8, u64)> = vec![
        (b'+', first.value.checked_add(second.value)?),
        (b'*', first.value.checked_mul(second.value)?),
    ];
    if large.value != small.value {
        choices.push((b'-', large.value - small.value));
    }
    if large.value % small.value == 0 {
        choices.push((b'/', large.value / small.value));
    }
    let (operator, value) = choices[rng.random_range(0..choices.len())];
    let (left, right) = match operator {
        b'+' | b'*' => (&first, &second),
        _ => (large, small),
    };
    let precedence = if matches!(operator, b'+' | b'-') {
        1
    } else {
        2
    };
    // Parentheses only where printing without them would change the value: a looser left
    // operand, a looser right operand, or an equally tight right operand of `-` or `/`.
    let left_text = parenthesized(left, left.precedence < precedence);
    let right_text = parenthesized(
        right,
        right.precedence < precedence
            || (right.precedence == precedence && matches!(operator, b'-' | b'/')),
    );
    Some(Node {
        text: format!("{left_text}{}{right_text}", char::from(operator)),
        value,
        precedence,
    })
}

fn parenthesized(node: &Node, wrap: bool) -> String {
    if wrap {
        format!("({})", node.text)
    } else {
        node.text.clone()
    }
}

impl Task for Countdown {
    fn name(&self) -> &'static str {
        "countdown"
    }

    fn generate(&self, rng: &mut dyn rand::Rng) -> Problem {
        for _ in 0..Self::MAX_ATTEMPTS {
            if let Some(problem) = self.attempt(rng) {
                return problem;
            }
        }
        // Unreachable in practice (see MAX_ATTEMPTS), and still a correct problem: 1·1·…·1 = 1.
        let ones = vec![1; self.count];
        Problem {
            prompt: self.prompt(&ones, 1),
            solution: vec!["1"; self.count].join("*"),
        }
    }

    fn score(&self, prompt: &str, response: &str) -> f64 {
        let Some((mut numbers, target)) = Self::parse_prompt(prompt) else {
            return 0.0;
        };
        let Some(evaluated) = evaluate(response) else {
            return 0.0;
        };
        let mut literals = evaluated.literals;
        literals.sort_unstable();
        numbers.sort_unstable();
        let correct =
            literals == numbers && evaluated.value.as_integer() == Some(i128::from(target));
        if correct { 1.0 } else { 0.0 }
    }

    fn prompt_len(&self) -> usize {
        self.count * (self.number_width + 1) + self.target_width + 1
    }

    fn max_response_len(&self) -> usize {
        // n literals of at most w digits, n − 1 operators, and at most one pair of parentheses
        // around each of the n − 2 internal nodes below the root of the binary tree.
        self.count * self.number_width + (self.count - 1) + 2 * (self.count - 2)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;
    use rand_chacha::ChaCha8Rng;

    fn task(count: usize, max_number: u32, max_target: u32) -> Countdown {
        CountdownSpec {
            count,
            max_number,
            max_target,
        }
        .build()
        .expect("valid parameters")
    }

    #[test]
    fn prompt_format() {
        let countdown = task(3, 25, 100);
        assert_eq!(countdown.prompt(&[25, 3, 7], 31), "03,07,25>031:");
        assert_eq!(countdown.prompt_len(), 13);
        assert_eq!(
            Countdown::parse_prompt("03,07,25>031:"),
            Some((vec![3, 7, 25], 31))
        );
        for bad in [
            "03,07,25>031",
            "03,07,25:",
            "03,,25>031:",
            "03,07,25>:",
            ">031:",
            "",
        ] {
            assert_eq!(Countdown::parse_prompt(bad), None, "{bad:?}");
        }
        assert_eq!(task(5, 999, 9999).prompt_len(), 5 * 4 + 4 + 1);
        assert_eq!(task(5, 999, 9999).max_response_len(), 15 + 4 + 6);
    }

    #[test]
    fn hand_checked_scores() {
        let countdown = task(3, 25, 100);
        let prompt = "03,07,25>046:";
        for right in ["3*7+25", "25+7*3", " ( 7 * 3 ) + 25 ", "25+03*07"] {
            assert_eq!(countdown.score(prompt, right), 1.0, "{right}");
        }
        // Values other than 46: (25 − 7)·3 = 54, 25 + 7 − 3 = 29, (3 + 7)·25 = 250.
        for wrong in ["(25-7)*3", "25+7-3", "(3+7)*25", "3*(7+25)", "46", ""] {
            assert_eq!(countdown.score(prompt, wrong), 0.0, "{wrong}");
        }
        // The right value with the wrong multiset: a fourth literal, a missing one.
        for wrong in ["3*7+25+0", "3*7+25*1", "21+25", "3*7+25+3-3"] {
            assert_eq!(countdown.score(prompt, wrong), 0.0, "{wrong}");
        }
        // Fractional intermediates are allowed: (3/2)·4 = 6.
        assert_eq!(countdown.score("02,03,04>006:", "(3/2)*4"), 1.0);
        assert_eq!(countdown.score("02,03,04>006:", "3/2*4"), 1.0);
        assert_eq!(
            countdown.score("02,03,04>001:", "3/2/4"),
            0.0,
            "3/8 is not 1"
        );
        // Negative intermediates are allowed: 7 − (3 − 25) = 29.
        assert_eq!(countdown.score("03,07,25>029:", "7-(3-25)"), 1.0);
        // Repeated numbers must be used as often as they are given.
        assert_eq!(countdown.score("05,05,10>020:", "5+5+10"), 1.0);
        assert_eq!(countdown.score("05,05,10>020:", "10+10"), 0.0);
        assert_eq!(countdown.score("05,05,10>020:", "5*5-10+5"), 0.0);
        // Division by zero and a target that is a fraction's numerator.
        assert_eq!(countdown.score("02,02,03>003:", "3/(2-2)"), 0.0);
        assert_eq!(countdown.score("01,02,03>001:", "1/(2*3)"), 0.0);
    }

    #[test]
    fn corrupted_solutions_score_zero() {
        let countdown = task(4, 30, 200);
        let mut rng = ChaCha8Rng::seed_from_u64(8);
        for _ in 0..2000 {
            let Problem { prompt, solution } = countdown.generate(&mut rng);
            let (numbers, target) = Countdown::parse_prompt(&prompt).expect("own format");
            assert_eq!(countdown.score(&prompt, &solution), 1.0);
            // Wrong target.
            let other = countdown.prompt(&numbers, target + 1);
            assert_eq!(
                countdown.score(&other, &solution),
                0.0,
                "{other} {solution}"
            );
            // Drop a number: the same response to the prompt with one more number.
            let mut more = numbers.clone();
            more.push(numbers[0]);
            let dropped = countdown.prompt(&more, target);
            assert_eq!(
                countdown.score(&dropped, &solution),
                0.0,
                "{dropped} {solution}"
            );
            // Reuse a number: the whole solution plus its own first number minus it again
            // keeps the value but uses that number three times.
            let first = numbers[0];
            let reused = format!("{solution}+{first}-{first}");
            assert_eq!(countdown.score(&prompt, &reused), 0.0, "{reused}");
            // Change a digit of a literal: that number's value changes, so the multiset does.
            let mut changed = solution.clone().into_bytes();
            let at = solution
                .find(|c: char| c.is_ascii_digit())
                .expect("a literal");
            changed[at] = b'0' + (changed[at] - b'0' + 1) % 10;
            let changed = String::from_utf8(changed).expect("ASCII");
            assert_eq!(countdown.score(&prompt, &changed), 0.0, "{changed}");
            // A product by 1 adds a literal.
            let times_one = format!("({solution})*1");
            assert_eq!(countdown.score(&prompt, &times_one), 0.0, "{times_one}");
            // Change a digit of the prompt's target: the value no longer matches.
            let mut wrong_target = prompt.clone().into_bytes();
            let at = prompt.len() - 2;
            wrong_target[at] = b'0' + (wrong_target[at] - b'0' + 1) % 10;
            let wrong_target = String::from_utf8(wrong_target).expect("ASCII");
            assert_eq!(countdown.score(&wrong_target, &solution), 0.0);
        }
    }

    #[test]
    fn generated_problems_follow_the_rules() {
        let countdown = task(5, 50, 100);
        let mut rng = ChaCha8Rng::seed_from_u64(1);
        let mut targets = std::collections::BTreeSet::new();
        for _ in 0..2000 {
            let problem = countdown.generate(&mut rng);
            let (numbers, target) = Countdown::parse_prompt(&problem.prompt).expect("own format");
            assert_eq!(numbers.len(), 5);
            assert!(numbers.windows(2).all(|w| w[0] <= w[1]), "sorted");
            assert!(numbers.iter().all(|&n| (1..=50).contains(&n)));
            assert!((1..=100).contains(&target));
            assert!(problem.solution.len() <= countdown.max_response_len());
            targets.insert(target);
        }
        assert!(
            targets.len() > 80,
            "targets spread over 1..=100: {}",
            targets.len()
        );
    }

    #[test]
    fn deep_and_huge_responses_do_not_panic() {
        let countdown = task(3, 25, 100);
        let prompt = "03,07,25>046:";
        let deep = format!("{}3*7+25{}", "(".repeat(200_000), ")".repeat(200_000));
        assert_eq!(countdown.score(prompt, &deep), 0.0);
        let shallow = format!("{}3*7+25{}", "(".repeat(30), ")".repeat(30));
        assert_eq!(countdown.score(prompt, &shallow), 1.0);
        let huge = format!("{}*{}", "9".repeat(40), "9".repeat(40));
        assert_eq!(countdown.score(prompt, &huge), 0.0);
        assert_eq!(countdown.score(&format!("{}>1:", "9".repeat(40)), "1"), 0.0);
    }

    #[test]
    fn unreachable_targets_are_rejected_at_build() {
        let error = CountdownSpec {
            count: 5,
            max_number: 999,
            max_target: 1,
        }
        .build()
        .expect_err("five numbers up to 999 rarely make 1");
        let message = error.to_string();
        assert!(message.contains("task.max_target: 1;"), "{message}");
        // Small cases that always work: two equal numbers make 1 by division.
        assert!(
            CountdownSpec {
                count: 2,
                max_number: 1,
                max_target: 1
            }
            .build()
            .is_ok()
        );
    }
}
