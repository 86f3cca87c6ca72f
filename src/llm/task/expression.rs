//! Exact evaluation of the arithmetic expressions that Countdown responses are
//! ([`super::countdown`]): a small recursive-descent parser over `+ - * /`, parentheses and
//! unsigned decimal literals, evaluated in exact rational arithmetic on i128 with checked
//! operations.
//!
//! Grammar (the usual precedence: `*` and `/` bind tighter than `+` and `-`, all four are
//! left-associative; spaces between tokens are skipped):
//!
//! ```text
//! expression = term { ("+" | "-") term }
//! term       = factor { ("*" | "/") factor }
//! factor     = literal | "(" expression ")"
//! literal    = digit { digit }
//! ```
//!
//! There is no unary minus. Division is exact (3/2 is the rational 3/2, not 1). Anything else —
//! an unknown character, a dangling operator, unbalanced parentheses, parentheses nested deeper
//! than [`MAX_DEPTH`] (so that no input can exhaust the stack), a literal past `u64`, an overflow
//! anywhere, a division by zero — makes [`evaluate`] return `None`.

use super::parse_digits;

/// The deepest nesting of parentheses the parser accepts.
pub const MAX_DEPTH: usize = 32;

/// An exact rational number p/q with q > 0 and gcd(p, q) = 1.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Rational {
    numerator: i128,
    denominator: i128,
}

impl Rational {
    /// The integer `value`.
    pub fn integer(value: i128) -> Self {
        Rational {
            numerator: value,
            denominator: 1,
        }
    }

    /// p/q in lowest terms with q > 0, or `None` if q = 0 or the normalization overflows.
    fn new(numerator: i128, denominator: i128) -> Option<Self> {
        if denominator == 0 {
            return None;
        }
        let divisor = gcd(numerator.unsigned_abs(), denominator.unsigned_abs());
        // divisor ≥ 1 because the denominator is not 0; it fits an i128 because it divides one.
        let divisor = i128::try_from(divisor).ok()?;
        let (mut numerator, mut denominator) = (numerator / divisor, denominator / divisor);
        if denominator < 0 {
            numerator = numerator.checked_neg()?;
            denominator = denominator.checked_neg()?;
        }
        Some(Rational {
            numerator,
            denominator,
        })
    }

    /// The value as an integer, if it is one.
    pub fn as_integer(self) -> Option<i128> {
        (self.denominator == 1).then_some(self.numerator)
    }

    /// The numerator (in lowest terms, carrying the sign).
    pub fn numerator(self) -> i128 {
        self.numerator
    }

    /// The denominator (in lowest terms, positive).
    pub fn denominator(self) -> i128 {
        self.denominator
    }

    /// self + other, or `None` on overflow.
    pub fn checked_add(self, other: Self) -> Option<Self> {
        let numerator = self
            .numerator
            .checked_mul(other.denominator)?
            .checked_add(other.numerator.checked_mul(self.denominator)?)?;
        Self::new(numerator, self.denominator.checked_mul(other.denominator)?)
    }

    /// self − other, or `None` on overflow.
    pub fn checked_sub(self, other: Self) -> Option<Self> {
        self.checked_add(Rational {
            numerator: other.numerator.checked_neg()?,
            denominator: other.denominator,
        })
    }

    /// self · other, or `None` on overflow.
    pub fn checked_mul(self, other: Self) -> Option<Self> {
        Self::new(
            self.numerator.checked_mul(other.numerator)?,
            self.denominator.checked_mul(other.denominator)?,
        )
    }

    /// self / other, or `None` on division by zero or overflow.
    pub fn checked_div(self, other: Self) -> Option<Self> {
        Self::new(
            self.numerator.checked_mul(other.denominator)?,
            self.denominator.checked_mul(other.numerator)?,
        )
    }
}

/// Greatest common divisor (Euclid); gcd(0, 0) = 0.
fn gcd(mut a: u128, mut b: u128) -> u128 {
    while b != 0 {
        (a, b) = (b, a % b);
    }
    a
}

/// The value of an expression and the literals it uses, in order of appearance.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Evaluated {
    /// The exact value.
    pub value: Rational,
    /// The literals, left to right.
    pub literals: Vec<u64>,
}

/// Parses and evaluates `text` (see the module documentation), or `None` if it is not a
/// well-formed expression or cannot be evaluated exactly.
pub fn evaluate(text: &str) -> Option<Evaluated> {
    let mut parser = Parser {
        bytes: text.as_bytes(),
        position: 0,
        depth: 0,
        literals: Vec::new(),
    };
    let value = parser.expression()?;
    parser.skip_spaces();
    if parser.position != parser.bytes.len() {
        return None;
    }
    Some(Evaluated {
        value,
        literals: parser.literals,
    })
}

/// The state of one parse: a cursor into the text's bytes (every accepted character is ASCII, so a
/// byte cursor never splits a character that matters).
struct Parser<'a> {
    bytes: &'a [u8],
    position: usize,
    depth: usize,
    literals: Vec<u64>,
}

impl Parser<'_> {
    fn skip_spaces(&mut self) {
        while self.bytes.get(self.position) == Some(&b' ') {
            self.position += 1;
        }
    }

    /// The next non-space byte, without consuming it.
    fn peek(&mut self) -> Option<u8> {
        self.skip_spaces();
        self.bytes.get(self.position).copied()
    }

    fn expression(&mut self) -> Option<Rational> {
        let mut value = self.term()?;
        while let Some(operator @ (b'+' | b'-')) = self.peek() {
            self.position += 1;
            let right = self.term()?;
            value = if operator == b'+' {
                value.checked_add(right)?
            } else {
                value.checked_sub(right)?
            };
        }
        Some(value)
    }

    fn term(&mut self) -> Option<Rational> {
        let mut value = self.factor()?;
        while let Some(operator @ (b'*' | b'/')) = self.peek() {
            self.position += 1;
            let right = self.factor()?;
            value = if operator == b'*' {
                value.checked_mul(right)?
            } else {
                value.checked_div(right)?
            };
        }
        Some(value)
    }

    fn factor(&mut self) -> Option<Rational> {
        match self.peek()? {
            b'(' => {
                self.depth += 1;
                if self.depth > MAX_DEPTH {
                    return None;
                }
                self.position += 1;
                let value = self.expression()?;
                if self.peek()? != b')' {
                    return None;
                }
                self.position += 1;
                self.depth -= 1;
                Some(value)
            }
            b'0'..=b'9' => {
                let start = self.position;
                while self
                    .bytes
                    .get(self.position)
                    .is_some_and(u8::is_ascii_digit)
                {
                    self.position += 1;
                }
                // The slice holds ASCII digits only, so it is valid UTF-8.
                let literal =
                    parse_digits(std::str::from_utf8(&self.bytes[start..self.position]).ok()?)?;
                self.literals.push(literal);
                Some(Rational::integer(i128::from(literal)))
            }
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn value(text: &str) -> Option<(i128, i128)> {
        evaluate(text).map(|e| (e.value.numerator(), e.value.denominator()))
    }

    #[test]
    fn precedence_and_parentheses() {
        let cases: [(&str, (i128, i128)); 14] = [
            ("7", (7, 1)),
            ("2+3*4", (14, 1)),
            ("(2+3)*4", (20, 1)),
            ("2*3+4", (10, 1)),
            ("10-4-3", (3, 1)),
            ("10-(4-3)", (9, 1)),
            ("100/10/5", (2, 1)),
            ("100/(10/5)", (50, 1)),
            ("3/2", (3, 2)),
            ("6/4", (3, 2)),
            ("1-5", (-4, 1)),
            ("(1-5)/6", (-2, 3)),
            (" ( 25 - 7 ) * 3 / 2 ", (27, 1)),
            ("((((3))))+(1/3)*3", (4, 1)),
        ];
        for (text, expected) in cases {
            assert_eq!(value(text), Some(expected), "{text}");
        }
        assert_eq!(
            evaluate("(25-7)*3/1").map(|e| e.literals),
            Some(vec![25, 7, 3, 1])
        );
    }

    #[test]
    fn garbage_is_rejected() {
        for text in [
            "",
            " ",
            "+",
            "-3",
            "3+",
            "3++4",
            "(3",
            "3)",
            "()",
            "(3+4))",
            "3 4",
            "3(4)",
            "(3)(4)",
            "3=3",
            "3,4",
            "3:",
            "3>2",
            "x",
            "3+é",
            "1/0",
            "1/(2-2)",
            "5/(1-1)*0",
        ] {
            assert_eq!(evaluate(text), None, "{text:?}");
        }
    }

    #[test]
    fn overflow_and_depth_are_rejected_without_panicking() {
        let big = "9".repeat(19);
        assert_eq!(evaluate(&"9".repeat(20)), None, "a literal past u64");
        assert!(evaluate(&big).is_some(), "19 nines fit a u64");
        assert_eq!(evaluate(&format!("{big}*{big}*{big}")), None, "past i128");
        assert_eq!(evaluate(&format!("{big}*{big}*{big}/{big}/{big}")), None);
        assert_eq!(evaluate(&format!("1/{big}/{big}/{big}")), None);
        assert_eq!(
            evaluate(&format!("{big}*{big}/1-1")).map(|e| e.literals.len()),
            Some(4)
        );
        let nested = |depth: usize| format!("{}1{}", "(".repeat(depth), ")".repeat(depth));
        assert!(evaluate(&nested(MAX_DEPTH)).is_some());
        assert_eq!(evaluate(&nested(MAX_DEPTH + 1)), None);
        assert_eq!(evaluate(&nested(1_000_000)), None);
        // Depth counts nesting, not the number of parenthesized groups.
        let siblings = vec!["(1)"; 1000].join("+");
        assert_eq!(value(&siblings), Some((1000, 1)));
    }

    #[test]
    fn rational_arithmetic_is_exact() {
        let third = Rational::integer(1)
            .checked_div(Rational::integer(3))
            .expect("1/3");
        let one = third
            .checked_add(third)
            .and_then(|x| x.checked_add(third))
            .expect("no overflow");
        assert_eq!(one.as_integer(), Some(1));
        assert_eq!(third.as_integer(), None);
        let minus_half = Rational::integer(1)
            .checked_div(Rational::integer(-2))
            .expect("-1/2");
        assert_eq!((minus_half.numerator(), minus_half.denominator()), (-1, 2));
        assert_eq!(
            Rational::integer(i128::MIN).checked_sub(Rational::integer(1)),
            None
        );
        assert_eq!(
            Rational::integer(i128::MIN).checked_div(Rational::integer(-1)),
            None
        );
        assert_eq!(Rational::integer(5).checked_div(Rational::integer(0)), None);
    }
}
