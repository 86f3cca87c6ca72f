//! Integer arithmetic `a op b` on zero-padded operands: the task on which Lee et al. 2023,
//! "Teaching Arithmetic to Small Transformers", show that small transformers trained from scratch
//! learn addition and multiplication far faster when the answer is written least-significant digit
//! first (their "reverse" format), because each output digit then depends only on digits already
//! seen and a carry.
//!
//! Format, for `digits` = d:
//! - Prompt: `a`, the operator, `b`, then `=`, each operand written with exactly d digits
//!   (zero-padded), so every prompt has 2d + 2 characters: `0123+0456=` for d = 4.
//! - Response, [`AnswerOrder::Reversed`]: the decimal digits of |a op b| least-significant first,
//!   without padding (so the last digit is never 0 unless the result is 0, written `0`), preceded
//!   by `-` when the result is negative: `0123+0456=` → `975`, `0999+0001=` → `0001`,
//!   `0005-0123=` → `-811`.
//! - Response, [`AnswerOrder::Plain`]: the usual decimal form without leading zeros, `-` first
//!   when negative: `975`, `1000`, `-118`.
//!
//! Operands are drawn uniformly from 0 to 10^d − 1 and the operation uniformly from the configured
//! ones. Each prompt has exactly one correct response; the score is an exact string match.

use super::{Problem, Task, invalid, parse_digits, require, zero_padded};
use crate::core::error::Result;
use rand::RngExt;

/// An arithmetic operation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Operation {
    /// `+`
    Add,
    /// `-` (the result may be negative)
    Subtract,
    /// `*`
    Multiply,
}

impl Operation {
    /// Every operation, in the order of [`Operation::symbol`]s `+ - *`.
    pub const ALL: [Operation; 3] = [Operation::Add, Operation::Subtract, Operation::Multiply];

    /// The operator's character in prompts.
    pub fn symbol(self) -> char {
        match self {
            Operation::Add => '+',
            Operation::Subtract => '-',
            Operation::Multiply => '*',
        }
    }

    /// The operation written `symbol`, if any.
    pub fn from_symbol(symbol: char) -> Option<Self> {
        Self::ALL.into_iter().find(|op| op.symbol() == symbol)
    }

    /// `a op b`, or `None` on overflow.
    pub fn apply(self, a: i128, b: i128) -> Option<i128> {
        match self {
            Operation::Add => a.checked_add(b),
            Operation::Subtract => a.checked_sub(b),
            Operation::Multiply => a.checked_mul(b),
        }
    }

    /// The most characters of a result of two operands of `digits` digits (sign included).
    fn max_result_len(self, digits: usize) -> usize {
        match self {
            // a + b < 2·10^d: at most d + 1 digits.
            Operation::Add => digits + 1,
            // |a − b| < 10^d: at most d digits, and a sign.
            Operation::Subtract => digits + 1,
            // a·b < 10^(2d): at most 2d digits.
            Operation::Multiply => 2 * digits,
        }
    }
}

/// The order in which the answer's digits are written.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, Default, serde::Deserialize, serde::Serialize,
)]
#[serde(rename_all = "snake_case")]
pub enum AnswerOrder {
    /// Least-significant digit first (Lee et al. 2023's "reverse" format), the default.
    #[default]
    Reversed,
    /// The usual order, most-significant digit first.
    Plain,
}

/// Parameters of the arithmetic task, as written in an experiment file.
#[derive(Debug, Clone, PartialEq, serde::Deserialize, serde::Serialize)]
#[serde(default, deny_unknown_fields)]
pub struct ArithmeticSpec {
    /// Digits per operand, 1 to 6 (default 3).
    pub digits: usize,
    /// The operations, a non-empty subset of `"+"`, `"-"`, `"*"` without repeats (default
    /// `["+"]`).
    pub operations: Vec<String>,
    /// `"reversed"` (default) or `"plain"`.
    pub answer_order: AnswerOrder,
}

impl Default for ArithmeticSpec {
    fn default() -> Self {
        ArithmeticSpec {
            digits: 3,
            operations: vec!["+".to_string()],
            answer_order: AnswerOrder::Reversed,
        }
    }
}

impl ArithmeticSpec {
    /// The most digits per operand (products then stay below 10^12).
    pub const MAX_DIGITS: usize = 6;

    /// The task, after checking every parameter.
    pub fn build(&self) -> Result<Arithmetic> {
        require(
            (1..=Self::MAX_DIGITS).contains(&self.digits),
            "digits",
            self.digits,
            "1 to 6",
        )?;
        let allowed = "a non-empty list of distinct operations among \"+\", \"-\", \"*\"";
        require(!self.operations.is_empty(), "operations", "[]", allowed)?;
        let mut operations = Vec::with_capacity(self.operations.len());
        for text in &self.operations {
            let mut characters = text.chars();
            let operation = match (characters.next(), characters.next()) {
                (Some(symbol), None) => Operation::from_symbol(symbol),
                _ => None,
            };
            let Some(operation) = operation else {
                return Err(invalid("operations", format!("{text:?}"), allowed));
            };
            require(
                !operations.contains(&operation),
                "operations",
                format!("{text:?} twice"),
                allowed,
            )?;
            operations.push(operation);
        }
        Ok(Arithmetic {
            digits: self.digits,
            operations,
            answer_order: self.answer_order,
        })
    }
}

/// The arithmetic task at one difficulty (built by [`ArithmeticSpec::build`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Arithmetic {
    digits: usize,
    operations: Vec<Operation>,
    answer_order: AnswerOrder,
}

impl Arithmetic {
    /// Digits per operand.
    pub fn digits(&self) -> usize {
        self.digits
    }

    /// The operations prompts are drawn from.
    pub fn operations(&self) -> &[Operation] {
        &self.operations
    }

    /// The answer order.
    pub fn answer_order(&self) -> AnswerOrder {
        self.answer_order
    }

    /// The prompt of `a op b` (operands zero-padded to this task's digits).
    pub fn prompt(&self, a: u64, operation: Operation, b: u64) -> String {
        format!(
            "{}{}{}=",
            zero_padded(a, self.digits),
            operation.symbol(),
            zero_padded(b, self.digits)
        )
    }

    /// The one correct response for the result `value` (see the module documentation).
    pub fn answer(&self, value: i128) -> String {
        let magnitude = value.unsigned_abs().to_string();
        let digits: String = match self.answer_order {
            AnswerOrder::Reversed => magnitude.chars().rev().collect(),
            AnswerOrder::Plain => magnitude,
        };
        if value < 0 {
            format!("-{digits}")
        } else {
            digits
        }
    }

    /// The result of `prompt`, or `None` if it is not `digits op digits =` or overflows.
    fn evaluate(prompt: &str) -> Option<i128> {
        let body = prompt.strip_suffix('=')?;
        let position = body.find(|c: char| !c.is_ascii_digit())?;
        let operation = Operation::from_symbol(body[position..].chars().next()?)?;
        // The operator is one ASCII byte, so position + 1 is a character boundary.
        let a = parse_digits(&body[..position])?;
        let b = parse_digits(&body[position + 1..])?;
        operation.apply(i128::from(a), i128::from(b))
    }
}

impl Task for Arithmetic {
    fn name(&self) -> &'static str {
        "arithmetic"
    }

    fn generate(&self, rng: &mut dyn rand::Rng) -> Problem {
        // digits ≤ 6 (checked by build), so 10^digits fits a u64.
        let limit = 10u64.pow(self.digits as u32);
        let a = rng.random_range(0..limit);
        let b = rng.random_range(0..limit);
        let operation = self.operations[rng.random_range(0..self.operations.len())];
        // Operands below 10^6 cannot overflow i128.
        let value = operation
            .apply(i128::from(a), i128::from(b))
            .unwrap_or_default();
        Problem {
            prompt: self.prompt(a, operation, b),
            solution: self.answer(value),
        }
    }

    fn score(&self, prompt: &str, response: &str) -> f64 {
        match Self::evaluate(prompt) {
            Some(value) if response == self.answer(value) => 1.0,
            _ => 0.0,
        }
    }

    fn prompt_len(&self) -> usize {
        2 * self.digits + 2
    }

    fn max_response_len(&self) -> usize {
        self.operations
            .iter()
            .map(|op| op.max_result_len(self.digits))
            .max()
            .unwrap_or(0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;
    use rand_chacha::ChaCha8Rng;

    fn task(digits: usize, operations: &[&str], answer_order: AnswerOrder) -> Arithmetic {
        ArithmeticSpec {
            digits,
            operations: operations.iter().map(|s| s.to_string()).collect(),
            answer_order,
        }
        .build()
        .expect("valid parameters")
    }

    #[test]
    fn hand_checked_answers() {
        let reversed = task(4, &["+", "-", "*"], AnswerOrder::Reversed);
        let plain = task(4, &["+", "-", "*"], AnswerOrder::Plain);
        let cases = [
            ("0123+0456=", "975", "579"),
            ("0999+0001=", "0001", "1000"),
            ("9999+9999=", "89991", "19998"),
            ("0005-0123=", "-811", "-118"),
            ("0123-0005=", "811", "118"),
            ("0000-0000=", "0", "0"),
            ("0042-0042=", "0", "0"),
            ("0123*0045=", "5355", "5535"),
            ("9999*9999=", "10008999", "99980001"),
            ("0000*9999=", "0", "0"),
        ];
        for (prompt, reversed_answer, plain_answer) in cases {
            assert_eq!(reversed.score(prompt, reversed_answer), 1.0, "{prompt}");
            assert_eq!(plain.score(prompt, plain_answer), 1.0, "{prompt}");
            if reversed_answer != plain_answer {
                assert_eq!(reversed.score(prompt, plain_answer), 0.0, "{prompt}");
                assert_eq!(plain.score(prompt, reversed_answer), 0.0, "{prompt}");
            }
        }
        assert_eq!(reversed.prompt(123, Operation::Add, 456), "0123+0456=");
    }

    #[test]
    fn corrupted_answers_score_zero() {
        let mut rng = ChaCha8Rng::seed_from_u64(2);
        for arithmetic in [
            task(3, &["+", "-", "*"], AnswerOrder::Reversed),
            task(5, &["+", "-", "*"], AnswerOrder::Plain),
        ] {
            for _ in 0..1000 {
                let Problem { prompt, solution } = arithmetic.generate(&mut rng);
                // Change one digit.
                let bytes = solution.as_bytes();
                let at = rng.random_range(0..bytes.len());
                if bytes[at].is_ascii_digit() {
                    let mut changed = bytes.to_vec();
                    changed[at] = b'0' + (changed[at] - b'0' + rng.random_range(1..10u8)) % 10;
                    let changed = String::from_utf8(changed).expect("ASCII");
                    assert_eq!(
                        arithmetic.score(&prompt, &changed),
                        0.0,
                        "{prompt} {changed}"
                    );
                }
                // Padding, a dropped digit, a flipped sign, a trailing space: all wrong.
                for wrong in [
                    format!("0{solution}"),
                    format!("{solution}0"),
                    solution[..solution.len() - 1].to_string(),
                    format!("{solution} "),
                    match solution.strip_prefix('-') {
                        Some(positive) => positive.to_string(),
                        None => format!("-{solution}"),
                    },
                ] {
                    if wrong != solution {
                        assert_eq!(arithmetic.score(&prompt, &wrong), 0.0, "{prompt} {wrong}");
                    }
                }
            }
        }
    }

    #[test]
    fn lengths_and_operations() {
        let arithmetic = task(6, &["*", "-"], AnswerOrder::Reversed);
        assert_eq!(arithmetic.prompt_len(), 14);
        assert_eq!(arithmetic.max_response_len(), 12);
        assert_eq!(task(3, &["+"], AnswerOrder::Plain).max_response_len(), 4);
        assert_eq!(task(3, &["-"], AnswerOrder::Plain).max_response_len(), 4);
        // The bound is reached: 999999 · 999999 has 12 digits.
        assert_eq!(arithmetic.answer(999_999 * 999_999).len(), 12);
        assert_eq!(arithmetic.answer(-999_999).len(), 7);
        let mut rng = ChaCha8Rng::seed_from_u64(9);
        let mut seen = [false; 2];
        let mut negative = false;
        for _ in 0..500 {
            let problem = arithmetic.generate(&mut rng);
            assert_eq!(problem.prompt.len(), 14);
            seen[usize::from(problem.prompt.contains('-'))] = true;
            negative |= problem.solution.starts_with('-');
            assert!(!problem.prompt.contains('+'));
        }
        assert_eq!(seen, [true, true], "both configured operations drawn");
        assert!(negative, "some differences are negative");
    }

    #[test]
    fn score_rejects_malformed_prompts_and_overflow() {
        let arithmetic = task(3, &["+", "*"], AnswerOrder::Plain);
        for prompt in [
            "123+456",
            "123+456==",
            "+456=",
            "123+=",
            "12a+456=",
            "123/456=",
            "=",
            "",
        ] {
            assert_eq!(arithmetic.score(prompt, "579"), 0.0, "{prompt}");
        }
        // Operands past u64, and a product past i128: no panic, score 0.
        let huge = "9".repeat(30);
        assert_eq!(arithmetic.score(&format!("{huge}+1="), "0"), 0.0);
        let big = "9".repeat(19);
        assert_eq!(arithmetic.score(&format!("{big}*{big}*{big}="), "0"), 0.0);
        assert_eq!(arithmetic.score(&format!("{big}*{big}="), "0"), 0.0);
        // A prompt of another width is still a well-formed problem.
        assert_eq!(arithmetic.score("7+8=", "15"), 1.0);
    }
}
