//! Branch-free f32 `erf` and `exp` that the compiler vectorizes, and the exact GELU and its
//! derivative built from them, for the flex backend's GELU ([`crate::llm::flex::gelu`]).
//!
//! Why: burn 0.21's flex backend evaluates `erf` with libm's scalar `erff` (about 15 ns an
//! element on this project's machine), which made the GELU of the `small` preset's MLP
//! (2M elements a layer for a [64, 64] batch) about a quarter of a training pass.
//!
//! - `erf(x)` for |x| < 1 is x·P(x²) with P of degree 6; for 1 ≤ |x| < 3.92 it is
//!   1 − exp(−x²)·R(u), the tail written as in Numerical Recipes' `erfcc` (Press et al. 2007,
//!   §6.2.2) in t = 1/(1 + |x|/2), with R of degree 6 in u = (t − 0.50225)·6.0822 ∈ [−1, 1];
//!   beyond, |erf(x)| = 1 in f32 (erfc(3.92) ≈ 2.96·10⁻⁸ is just under half the spacing of
//!   floats below 1, 2.98·10⁻⁸). P and R are least-squares fits (40,001 equispaced points, f64,
//!   then rounded to f32) made for policylab; the tests below measure, against an f64 series, at
//!   most 1.75·10⁻⁷ absolute (the peak, 1.73·10⁻⁷ at x = 0.99817, is ≈ 2.9 units in the last
//!   place of erf ≈ 0.84) and 2.1·10⁻⁷ relative for |x| < 1.
//! - `exp(z)` for z ≤ 0: Cody & Waite's reduction z = n·ln 2 + r with |r| ≤ ln 2/2 (ln 2 split
//!   in a 9-bit head and a tail, so n·head is exact), e^r by its Taylor polynomial of degree 7
//!   (truncation ≈ 7·10⁻⁹ relative), and 2ⁿ from the exponent bits; 0 below −87.
//!
//! No fused multiply-add is used and nothing is reordered, so these functions give the same bits
//! on every machine and at any thread count (the runs' reproducibility rule; flex's matrix
//! products choose their kernels by CPU, so whole runs are the same bits on one machine). The
//! GELU passes split their elements among the rayon pool's threads in chunks of
//! [`PARALLEL_GRAIN`]; each element's arithmetic does not depend on the chunk. Each chunk runs
//! compiled for AVX2 where the CPU has it (`wide`): 8 floats per instruction instead of the
//! x86-64 baseline's 4, with the same operations, which took the `small` training pass from
//! ≈ 0.87 s to ≈ 0.80 s on one thread (GELU was 13% of it).

use super::{PARALLEL_GRAIN, chunked};

/// √½.
const FRAC_1_SQRT_2: f32 = std::f32::consts::FRAC_1_SQRT_2;
/// 1/√(2π).
const FRAC_1_SQRT_2PI: f32 = 0.398_942_3;

/// erf(x) = x·P(x²) for |x| < 1: P's coefficients, constant term first.
const ERF_SMALL: [f32; 7] = [
    // The fit's constant term is 2/√π to f32 precision, erf′(0).
    std::f32::consts::FRAC_2_SQRT_PI,
    -0.376_126_3,
    0.112_836_35,
    -0.026_856_07,
    0.005_192_96,
    -0.000_805_377_1,
    0.000_080_069_5,
];
/// erfc(a) = exp(−a²)·R(u) for 1 ≤ a < 3.92, u = (t − T_MID)·T_SCALE, t = 1/(1 + a/2).
const ERFC_TAIL: [f32; 7] = [
    0.257_324_84,
    0.141_188_53,
    0.026_245_536,
    0.002_810_194,
    0.000_041_882_675,
    -0.000_026_345_926,
    -0.000_001_087_74,
];
const T_MID: f32 = 0.502_252_3;
const T_SCALE: f32 = 6.082_192;
/// Beyond this |x|, erf(x) rounds to ±1 in f32.
const ERF_SATURATES: f32 = 3.92;

/// Horner's rule, constant term first.
#[inline(always)]
fn polynomial<const N: usize>(coefficients: &[f32; N], x: f32) -> f32 {
    let mut value = coefficients[N - 1];
    for &c in coefficients[..N - 1].iter().rev() {
        value = value * x + c;
    }
    value
}

/// e^z for z ≤ 0 (z > 0 is outside the reduction's range); NaN stays NaN.
#[inline(always)]
pub fn exp_nonpositive(z: f32) -> f32 {
    const LOG2_E: f32 = std::f32::consts::LOG2_E;
    // ln 2 = LN2_HEAD + LN2_TAIL; LN2_HEAD has 9 significant bits, so n·LN2_HEAD is exact for
    // |n| ≤ 2¹⁵.
    const LN2_HEAD: f32 = 0.693_359_4;
    const LN2_TAIL: f32 = -2.121_944_4e-4;
    // Adding and subtracting 1.5·2²³ rounds to the nearest integer (|y| < 2²²).
    const ROUND: f32 = 12_582_912.0;
    const TAYLOR: [f32; 8] = [
        1.0,
        1.0,
        1.0 / 2.0,
        1.0 / 6.0,
        1.0 / 24.0,
        1.0 / 120.0,
        1.0 / 720.0,
        1.0 / 5040.0,
    ];
    let clamped = if z < -87.0 { -87.0 } else { z };
    let n = (clamped * LOG2_E + ROUND) - ROUND;
    let r = (clamped - n * LN2_HEAD) - n * LN2_TAIL;
    // n ∈ [−126, 0], so 2ⁿ is a normal float with biased exponent n + 127.
    let scale = f32::from_bits(((n as i32 + 127) as u32) << 23);
    let value = polynomial(&TAYLOR, r) * scale;
    if z < -87.0 { 0.0 } else { value }
}

/// erf(x), within 1.75·10⁻⁷; NaN stays NaN, erf(±∞) = ±1.
#[inline(always)]
pub fn erf(x: f32) -> f32 {
    let a = x.abs();
    let small = x * polynomial(&ERF_SMALL, x * x);
    // Written so that NaN passes through (a comparison with NaN is false).
    let a_tail = if a > ERF_SATURATES { ERF_SATURATES } else { a };
    let t = 1.0 / (1.0 + 0.5 * a_tail);
    let tail = exp_nonpositive(-(a_tail * a_tail)) * polynomial(&ERFC_TAIL, (t - T_MID) * T_SCALE);
    let large = (1.0 - tail).copysign(x);
    if a < 1.0 { small } else { large }
}

/// GELU(x) = x·(1 + erf(x/√2))/2 of every element of `x`.
pub fn gelu(x: &[f32]) -> Vec<f32> {
    let mut output = vec![0.0; x.len()];
    chunked(
        &mut output,
        PARALLEL_GRAIN,
        PARALLEL_GRAIN,
        |index, output| {
            let x = &x[index * PARALLEL_GRAIN..][..output.len()];
            wide(|| gelu_elements(x, output));
        },
    );
    output
}

/// `grad`·GELU′(x) elementwise, GELU′(x) = Φ(x) + x·φ(x) = (1 + erf(x/√2))/2 + x·exp(−x²/2)/√(2π).
/// The slices have equal lengths (the caller's shapes match).
pub fn gelu_backward(x: &[f32], grad: &[f32]) -> Vec<f32> {
    let mut output = vec![0.0; x.len()];
    chunked(
        &mut output,
        PARALLEL_GRAIN,
        PARALLEL_GRAIN,
        |index, output| {
            let start = index * PARALLEL_GRAIN;
            let (x, grad) = (&x[start..][..output.len()], &grad[start..][..output.len()]);
            wide(|| gelu_backward_elements(x, grad, output));
        },
    );
    output
}

#[inline(always)]
fn gelu_elements(x: &[f32], output: &mut [f32]) {
    for (output, &v) in output.iter_mut().zip(x) {
        *output = 0.5 * v * (1.0 + erf(v * FRAC_1_SQRT_2));
    }
}

#[inline(always)]
fn gelu_backward_elements(x: &[f32], grad: &[f32], output: &mut [f32]) {
    for ((output, &v), &g) in output.iter_mut().zip(x).zip(grad) {
        let cdf = 0.5 * (1.0 + erf(v * FRAC_1_SQRT_2));
        let pdf = FRAC_1_SQRT_2PI * exp_nonpositive(-0.5 * v * v);
        *output = g * (cdf + v * pdf);
    }
}

/// Runs `kernel` compiled for 256-bit vectors (AVX2) when the CPU has them, else as built (the
/// x86-64 baseline has 128-bit SSE2): twice the elements per instruction for the same IEEE
/// operations — AVX2 alone adds no fused multiply-add, and Rust never contracts a·b + c into one —
/// so the same bits either way (tested).
#[inline(always)]
pub(crate) fn wide(kernel: impl FnOnce()) {
    #[cfg(target_arch = "x86_64")]
    if std::arch::is_x86_feature_detected!("avx2") {
        // SAFETY: the CPU supports AVX2, checked just above.
        unsafe { avx2(kernel) };
        return;
    }
    kernel()
}

/// `kernel` inlined into a function compiled with AVX2 enabled.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
unsafe fn avx2(kernel: impl FnOnce()) {
    kernel()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// erf(x) in f64 from the series erf(x) = (2/√π)·e^{−x²}·Σₙ 2ⁿx^{2n+1}/(1·3···(2n+1))
    /// (Abramowitz & Stegun 7.1.6): every term positive, so no cancellation; to 1e-15 relative.
    fn erf_reference(x: f64) -> f64 {
        let mut term = x;
        let mut sum = x;
        let mut n = 0.0;
        while term.abs() > 1e-17 * sum.abs() {
            n += 1.0;
            term *= 2.0 * x * x / (2.0 * n + 1.0);
            sum += term;
        }
        2.0 / std::f64::consts::PI.sqrt() * (-x * x).exp() * sum
    }

    fn grid(from: f32, to: f32, points: usize) -> impl Iterator<Item = f32> {
        (0..=points).map(move |i| from + (to - from) * i as f32 / points as f32)
    }

    #[test]
    fn erf_is_within_its_documented_error() {
        let (mut worst_absolute, mut worst_relative) = (0.0f64, 0.0f64);
        for x in grid(-6.0, 6.0, 240_000) {
            let expected = erf_reference(x as f64);
            let error = (erf(x) as f64 - expected).abs();
            worst_absolute = worst_absolute.max(error);
            if x.abs() < 1.0 && x != 0.0 {
                worst_relative = worst_relative.max(error / expected.abs());
            }
        }
        // The peak of the error curve, where the small-argument polynomial ends: every float of
        // [0.97, 1.03).
        let mut x = 0.97f32;
        while x < 1.03 {
            let error = (erf(x) as f64 - erf_reference(x as f64)).abs();
            worst_absolute = worst_absolute.max(error);
            worst_relative = worst_relative.max(error / erf_reference(x as f64));
            x = f32::from_bits(x.to_bits() + 1);
        }
        assert!(worst_absolute <= 1.75e-7, "absolute {worst_absolute}");
        assert!(worst_relative <= 2.1e-7, "relative {worst_relative}");
        // Tiny arguments: erf(x) ≈ 2x/√π.
        for x in [1e-30f32, -3e-20, 1e-10, 2e-5] {
            let expected = 2.0 / std::f64::consts::PI.sqrt() * x as f64;
            assert!(
                ((erf(x) as f64 - expected) / expected).abs() < 2e-7,
                "erf({x})"
            );
        }
    }

    #[test]
    fn erf_special_values() {
        assert_eq!(erf(0.0), 0.0);
        assert_eq!(erf(f32::INFINITY), 1.0);
        assert_eq!(erf(f32::NEG_INFINITY), -1.0);
        assert_eq!(erf(3.92), 1.0);
        assert_eq!(erf(-100.0), -1.0);
        assert!(erf(f32::NAN).is_nan());
        // Odd.
        for x in grid(0.0, 5.0, 5_000) {
            assert_eq!(erf(-x), -erf(x), "x = {x}");
        }
    }

    #[test]
    fn exp_is_within_two_units_in_the_last_place() {
        let mut worst = 0.0f64;
        for z in grid(-87.0, 0.0, 400_000) {
            let expected = (z as f64).exp();
            worst = worst.max(((exp_nonpositive(z) as f64 - expected) / expected).abs());
        }
        // Two units of f32 roundoff (6·10⁻⁸ each); 1.0·10⁻⁷ measured over every third float.
        assert!(worst <= 1.2e-7, "relative {worst}");
        assert_eq!(exp_nonpositive(0.0), 1.0);
        assert_eq!(exp_nonpositive(-100.0), 0.0);
        assert_eq!(exp_nonpositive(f32::NEG_INFINITY), 0.0);
        assert!(exp_nonpositive(f32::NAN).is_nan());
    }

    #[test]
    fn wide_vectors_give_the_same_bits() {
        let xs: Vec<f32> = grid(-12.0, 12.0, 100_003).collect();
        let grad: Vec<f32> = xs.iter().map(|x| 1.0 - 0.3 * x).collect();
        let (mut narrow, mut wide_values) = (vec![0.0; xs.len()], vec![0.0; xs.len()]);
        gelu_elements(&xs, &mut narrow);
        wide(|| gelu_elements(&xs, &mut wide_values));
        assert!(
            narrow
                .iter()
                .zip(&wide_values)
                .all(|(a, b)| a.to_bits() == b.to_bits())
        );
        gelu_backward_elements(&xs, &grad, &mut narrow);
        wide(|| gelu_backward_elements(&xs, &grad, &mut wide_values));
        assert!(
            narrow
                .iter()
                .zip(&wide_values)
                .all(|(a, b)| a.to_bits() == b.to_bits())
        );
    }

    #[test]
    fn gelu_and_its_derivative_match_the_closed_forms() {
        let xs: Vec<f32> = grid(-10.0, 10.0, 20_000).collect();
        let ones = vec![1.0; xs.len()];
        let values = gelu(&xs);
        let derivatives = gelu_backward(&xs, &ones);
        for ((&x, &value), &derivative) in xs.iter().zip(&values).zip(&derivatives) {
            let x64 = x as f64;
            let cdf = 0.5 * (1.0 + erf_reference(x64 / std::f64::consts::SQRT_2));
            let pdf = (-0.5 * x64 * x64).exp() / (2.0 * std::f64::consts::PI).sqrt();
            // The erf error (1.75e-7) scaled by |x|/2, plus f32 rounding of numbers up to 10.
            let scale = 1.0 + x64.abs();
            assert!(
                (value as f64 - x64 * cdf).abs() <= 2e-7 * scale,
                "GELU({x}) = {value}"
            );
            assert!(
                (derivative as f64 - (cdf + x64 * pdf)).abs() <= 2e-7 * scale,
                "GELU'({x}) = {derivative}"
            );
        }
        let scaled = gelu_backward(&[0.3, -1.7], &[2.0, -0.5]);
        let unit = gelu_backward(&[0.3, -1.7], &[1.0, 1.0]);
        assert_eq!(scaled, vec![2.0 * unit[0], -0.5 * unit[1]]);
    }
}
