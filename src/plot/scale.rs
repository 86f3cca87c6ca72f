//! Axis arithmetic: from data values to axis coordinates, padded ranges, tick positions and
//! tick labels.
//!
//! Everything is computed in *axis space*: the value itself on a linear axis, log10 of the value
//! on a log axis. Tick labels are built from integers (a tick is `k · m · 10^e` with `m` in
//! {1, 2, 5}), never printed from a sum of floats, so a label reads `0.3`, not
//! `0.30000000000000004`. Log axes are labelled with powers of ten (`10⁻³`) when they span two
//! decades or more, and with plain numbers (`0.2`, `0.5`) when they span less.

use super::figure::Scale;

/// Superscript digits for exponents: `10⁻³`.
const SUPERSCRIPT_DIGITS: [char; 10] = ['⁰', '¹', '²', '³', '⁴', '⁵', '⁶', '⁷', '⁸', '⁹'];

/// The minus sign used in labels (U+2212, the typographic minus, not a hyphen).
pub(crate) const MINUS: char = '−';

/// Maps a data value to axis space: itself on a linear axis, log10 on a log axis. `None` for a
/// value that cannot be placed: non-finite, or not positive on a log axis.
pub(crate) fn to_axis(scale: Scale, value: f64) -> Option<f64> {
    if !value.is_finite() {
        return None;
    }
    match scale {
        Scale::Linear => Some(value),
        Scale::Log if value > 0.0 => Some(value.log10()),
        Scale::Log => None,
    }
}

/// Maps an axis-space coordinate back to a data value.
pub(crate) fn from_axis(scale: Scale, coordinate: f64) -> f64 {
    match scale {
        Scale::Linear => coordinate,
        Scale::Log => 10f64.powf(coordinate),
    }
}

/// Widens the data extent `[low, high]` (axis space) by 5% of its span on each side. A single
/// value (a span below 1e-12 of its magnitude) is widened by 10% of its magnitude, or by 1 at 0.
pub(crate) fn padded(low: f64, high: f64) -> (f64, f64) {
    let magnitude = low.abs().max(high.abs());
    let span = high - low;
    if span <= magnitude * 1e-12 {
        let pad = if magnitude > 0.0 {
            magnitude * 0.1
        } else {
            1.0
        };
        let middle = 0.5 * (low + high);
        return (middle - pad, middle + pad);
    }
    (low - 0.05 * span, high + 0.05 * span)
}

/// A labelled tick: its axis-space position and its text.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Tick {
    /// Position in axis space.
    pub position: f64,
    /// The label under (or beside) the tick.
    pub label: String,
}

/// Ticks of one axis: labelled ticks with grid lines, and unlabelled minor grid lines.
#[derive(Debug, Clone, PartialEq, Default)]
pub(crate) struct Ticks {
    /// Labelled ticks, in increasing position.
    pub major: Vec<Tick>,
    /// Positions of light grid lines without labels (log axes: 2·10^k … 9·10^k).
    pub minor: Vec<f64>,
}

/// Ticks for the axis-space range `[low, high]` with at most about `max_count` labels (at least
/// two labels whenever the range is not empty).
pub(crate) fn ticks(scale: Scale, low: f64, high: f64, max_count: usize) -> Ticks {
    let max_count = max_count.max(2);
    match scale {
        Scale::Linear => Ticks {
            major: linear_ticks(low, high, max_count),
            minor: Vec::new(),
        },
        Scale::Log => log_ticks(low, high, max_count),
    }
}

/// A "nice" step `m · 10^e`, `m` in {1, 2, 5}, as the pair `(m, e)`.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Step {
    mantissa: i64,
    exponent: i32,
}

impl Step {
    /// The smallest nice step at least `raw` (a positive, finite number).
    fn at_least(raw: f64) -> Step {
        let exponent = raw.log10().floor() as i32;
        for mantissa in [1, 2, 5] {
            let step = Step { mantissa, exponent };
            if step.value() >= raw * (1.0 - 1e-9) {
                return step;
            }
        }
        Step {
            mantissa: 1,
            exponent: exponent + 1,
        }
    }

    /// The next smaller nice step.
    fn smaller(self) -> Step {
        match self.mantissa {
            5 => Step {
                mantissa: 2,
                exponent: self.exponent,
            },
            2 => Step {
                mantissa: 1,
                exponent: self.exponent,
            },
            _ => Step {
                mantissa: 5,
                exponent: self.exponent - 1,
            },
        }
    }

    /// `m · 10^e`.
    fn value(self) -> f64 {
        scaled(self.mantissa, self.exponent)
    }

    /// The integers `k` with `k · step` in `[low, high]`.
    fn multiples(self, low: f64, high: f64) -> std::ops::RangeInclusive<i64> {
        let step = self.value();
        let first = (low / step - 1e-9).ceil() as i64;
        let last = (high / step + 1e-9).floor() as i64;
        first..=last
    }
}

/// `n · 10^e`, rounded once (division for negative exponents keeps 3 · 10⁻¹ at 0.3).
fn scaled(n: i64, exponent: i32) -> f64 {
    if exponent >= 0 {
        n as f64 * 10f64.powi(exponent)
    } else {
        n as f64 / 10f64.powi(-exponent)
    }
}

/// Labelled ticks at multiples of a nice step, at most `max_count` of them.
fn linear_ticks(low: f64, high: f64, max_count: usize) -> Vec<Tick> {
    let span = high - low;
    if !(span > 0.0 && span.is_finite()) {
        return Vec::new();
    }
    let mut step = Step::at_least(span / max_count as f64);
    // A coarse step can leave fewer than two multiples inside the range; refine it.
    for _ in 0..6 {
        if step.multiples(low, high).count() >= 2 {
            break;
        }
        step = step.smaller();
    }
    let values: Vec<i64> = step
        .multiples(low, high)
        .map(|k| k * step.mantissa)
        .collect();
    let largest = values
        .iter()
        .map(|&n| scaled(n, step.exponent).abs())
        .fold(0.0, f64::max);
    let scientific = largest >= 1e5 || (largest > 0.0 && largest < 1e-3);
    values
        .into_iter()
        .map(|n| Tick {
            position: scaled(n, step.exponent),
            label: if scientific {
                scientific_label(n, step.exponent)
            } else {
                plain_label(n, step.exponent)
            },
        })
        .collect()
}

/// `n · 10^e` with exactly `max(0, −e)` decimals, e.g. (3, −1) → `0.3`, (−25, 0) → `−25`.
fn plain_label(n: i64, exponent: i32) -> String {
    let decimals = (-exponent).max(0) as usize;
    let text = format!("{:.*}", decimals, scaled(n, exponent));
    with_typographic_minus(&text, n < 0)
}

/// `n · 10^e` as a mantissa and a power of ten, trailing zeros dropped: `1.5×10⁵`, `2×10⁻⁴`.
fn scientific_label(n: i64, exponent: i32) -> String {
    if n == 0 {
        return "0".to_string();
    }
    let digits = n.unsigned_abs().to_string();
    // n · 10^e = d.ddd × 10^(e + digits − 1)
    let power = exponent + digits.len() as i32 - 1;
    let (lead, rest) = digits.split_at(1);
    let rest = rest.trim_end_matches('0');
    let mantissa = if rest.is_empty() {
        lead.to_string()
    } else {
        format!("{lead}.{rest}")
    };
    let sign = if n < 0 {
        MINUS.to_string()
    } else {
        String::new()
    };
    if mantissa == "1" {
        format!("{sign}{}", power_of_ten(power))
    } else {
        format!("{sign}{mantissa}×{}", power_of_ten(power))
    }
}

/// `10` with a superscript exponent: `10⁻³`.
pub(crate) fn power_of_ten(exponent: i32) -> String {
    let mut text = String::from("10");
    if exponent < 0 {
        text.push('⁻');
    }
    // The decimal digits of an unsigned integer are b'0'..=b'9', so the index is below 10.
    for digit in exponent.unsigned_abs().to_string().bytes() {
        text.push(SUPERSCRIPT_DIGITS[usize::from(digit - b'0')]);
    }
    text
}

/// Replaces a leading hyphen by the typographic minus, and drops the sign of a printed `-0`.
fn with_typographic_minus(text: &str, negative: bool) -> String {
    match text.strip_prefix('-') {
        Some(rest) if negative => format!("{MINUS}{rest}"),
        Some(rest) => rest.to_string(),
        None => text.to_string(),
    }
}

/// Ticks for a log axis over the exponent range `[low, high]`: powers of ten when the range
/// spans two decades or more, else 1, 2, 5 (or 1…9) times powers of ten in plain numbers, else
/// (less than a factor of about two) linear ticks on the values.
fn log_ticks(low: f64, high: f64, max_count: usize) -> Ticks {
    if !(high > low && (high - low).is_finite()) {
        return Ticks::default();
    }
    let first = (low - 1e-9).ceil() as i32;
    let last = (high + 1e-9).floor() as i32;
    let decades = last - first + 1;
    if high - low < 2.0 || decades < 2 {
        let every_digit = between_powers(low, high, &[1, 2, 3, 4, 5, 6, 7, 8, 9]);
        for mantissas in [&[1, 2, 5][..], &[1, 2, 3, 4, 5, 6, 7, 8, 9][..]] {
            let candidates = between_powers(low, high, mantissas);
            if candidates.len() >= 2 && candidates.len() <= max_count.max(3) {
                let minor = every_digit
                    .iter()
                    .filter(|(_, (m, _))| !mantissas.contains(m))
                    .map(|&(position, _)| position)
                    .collect();
                let major = candidates
                    .into_iter()
                    .map(|(position, (m, k))| Tick {
                        position,
                        label: if (-3..=4).contains(&k) {
                            plain_label(m, k)
                        } else {
                            scientific_label(m, k)
                        },
                    })
                    .collect();
                return Ticks { major, minor };
            }
        }
    }
    if decades >= 2 {
        let mut stride = (decades as usize).div_ceil(max_count).max(1) as i32;
        while stride > 1 && (first..=last).filter(|k| k.rem_euclid(stride) == 0).count() < 2 {
            stride -= 1;
        }
        let major = (first..=last)
            .filter(|k| k.rem_euclid(stride) == 0)
            .map(|k| Tick {
                position: f64::from(k),
                label: power_of_ten(k),
            })
            .collect();
        let minor = if stride == 1 && high - low <= 6.0 {
            between_powers(low, high, &[2, 3, 4, 5, 6, 7, 8, 9])
                .into_iter()
                .map(|(position, _)| position)
                .collect()
        } else {
            (first..=last)
                .filter(|k| k.rem_euclid(stride) != 0)
                .map(f64::from)
                .collect()
        };
        return Ticks { major, minor };
    }
    // Narrower still (less than a factor of about two): linear ticks on the values.
    let major = linear_ticks(10f64.powf(low), 10f64.powf(high), max_count)
        .into_iter()
        .filter(|tick| tick.position > 0.0)
        .map(|tick| Tick {
            position: tick.position.log10(),
            label: tick.label,
        })
        .collect();
    Ticks {
        major,
        minor: Vec::new(),
    }
}

/// The values `m · 10^k` (for the given mantissas) whose log10 lies in `[low, high]`, as
/// `(log10 value, (m, k))`, in increasing order.
fn between_powers(low: f64, high: f64, mantissas: &[i64]) -> Vec<(f64, (i64, i32))> {
    let mut found = Vec::new();
    let from = low.floor() as i32 - 1;
    let to = high.ceil() as i32;
    for k in from..=to {
        for &m in mantissas {
            let position = (m as f64).log10() + f64::from(k);
            if position >= low - 1e-9 && position <= high + 1e-9 {
                found.push((position, (m, k)));
            }
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    fn labels(ticks: &[Tick]) -> Vec<&str> {
        ticks.iter().map(|t| t.label.as_str()).collect()
    }

    #[test]
    fn linear_labels_are_exact_decimals() {
        let t = ticks(Scale::Linear, -0.05, 1.05, 6);
        assert_eq!(labels(&t.major), ["0.0", "0.2", "0.4", "0.6", "0.8", "1.0"]);
        let t = ticks(Scale::Linear, 0.0, 0.35, 4);
        assert_eq!(labels(&t.major), ["0.0", "0.1", "0.2", "0.3"]);
        let t = ticks(Scale::Linear, -3.2, 2.2, 6);
        assert_eq!(labels(&t.major), ["−3", "−2", "−1", "0", "1", "2"]);
        assert!(t.major.iter().all(|tick| tick.position.fract() == 0.0));
    }

    #[test]
    fn large_and_tiny_linear_values_use_powers_of_ten() {
        let t = ticks(Scale::Linear, 0.0, 3.1e5, 4);
        assert_eq!(labels(&t.major), ["0", "10⁵", "2×10⁵", "3×10⁵"]);
        let t = ticks(Scale::Linear, 1e-4, 5.1e-4, 5);
        assert_eq!(
            labels(&t.major),
            ["10⁻⁴", "2×10⁻⁴", "3×10⁻⁴", "4×10⁻⁴", "5×10⁻⁴"]
        );
        assert_eq!(scientific_label(-15, 4), "−1.5×10⁵");
    }

    #[test]
    fn a_narrow_range_still_gets_two_ticks() {
        let t = ticks(Scale::Linear, 0.99, 1.01, 2);
        assert!(t.major.len() >= 2, "{:?}", t.major);
    }

    #[test]
    fn log_axes_are_labelled_with_powers_of_ten() {
        let t = ticks(Scale::Log, -3.2, 0.1, 8);
        assert_eq!(labels(&t.major), ["10⁻³", "10⁻²", "10⁻¹", "10⁰"]);
        // 2..9 times each power in range (7·10⁻⁴ is the first), as light lines.
        assert_eq!(t.minor.len(), 3 + 3 * 8);
        let t = ticks(Scale::Log, -12.0, 0.0, 4);
        assert_eq!(labels(&t.major), ["10⁻¹²", "10⁻⁸", "10⁻⁴", "10⁰"]);
        assert!(t.minor.contains(&-11.0));
    }

    #[test]
    fn a_log_axis_under_one_decade_gets_plain_labels() {
        let t = ticks(Scale::Log, 0.05f64.log10(), 0.6f64.log10(), 6);
        assert_eq!(labels(&t.major), ["0.05", "0.1", "0.2", "0.5"]);
        let t = ticks(Scale::Log, 1.1f64.log10(), 1.3f64.log10(), 6);
        assert!(t.major.len() >= 2, "{:?}", t.major);
        // Two powers of ten inside but less than two decades across: still plain numbers.
        let t = ticks(Scale::Log, 0.075f64.log10(), 1.1f64.log10(), 6);
        assert_eq!(labels(&t.major), ["0.1", "0.2", "0.5", "1"]);
        // 0.08, 0.09 and 0.3 … 0.9 as light lines.
        assert_eq!(t.minor.len(), 8);
    }

    #[test]
    fn padding_handles_single_values() {
        assert_eq!(padded(0.0, 10.0), (-0.5, 10.5));
        assert_eq!(padded(5.0, 5.0), (4.5, 5.5));
        assert_eq!(padded(0.0, 0.0), (-1.0, 1.0));
    }

    #[test]
    fn log_transform_rejects_non_positive_values() {
        assert_eq!(to_axis(Scale::Log, 100.0), Some(2.0));
        assert_eq!(to_axis(Scale::Log, 0.0), None);
        assert_eq!(to_axis(Scale::Log, -1.0), None);
        assert_eq!(to_axis(Scale::Linear, f64::NAN), None);
        assert_eq!(from_axis(Scale::Log, 2.0), 100.0);
    }
}
