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
//! compiled for AVX2 where the CPU has it (`wide_kernel!`): 8 floats per instruction instead of
//! the x86-64 baseline's 4, with the same operations. `exp`'s 2ⁿ is built with integer
//! arithmetic on the bits of the rounded exponent, which vectorizes, where a float-to-int
//! conversion (`as i32`, saturating) was left scalar by the compiler.
//!
//! The training pass computes GELU′ beside GELU ([`gelu_with_derivative`]: one `erf` for both)
//! and keeps it for the backward pass. With the AVX2 kernels it took the GELU's share of a
//! one-thread `small` training pass from 13.8% (both passes) to 7.3% (`perf`).

use super::{PARALLEL_GRAIN, chunked, chunked_pair};

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
    let shifted = clamped * LOG2_E + ROUND;
    let n = shifted - ROUND;
    let r = (clamped - n * LN2_HEAD) - n * LN2_TAIL;
    // `shifted` lies in [2²³, 2²⁴), where floats are the integers, so its bits are ROUND's plus
    // n; n ∈ [−126, 0], so 2ⁿ is a normal float with biased exponent n + 127. (Integer arithmetic
    // on the bits, unlike `n as i32`, whose saturating conversion the compiler leaves scalar.)
    let biased = shifted
        .to_bits()
        .wrapping_sub(ROUND.to_bits())
        .wrapping_add(127);
    let scale = f32::from_bits(biased << 23);
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
        |index, output| gelu_elements(&x[index * PARALLEL_GRAIN..][..output.len()], output),
    );
    output
}

/// GELU(x) and GELU′(x) = Φ(x) + x·φ(x) = (1 + erf(x/√2))/2 + x·exp(−x²/2)/√(2π) of every
/// element of `x`, in one pass (one `erf` per element serves both): the training forward pass
/// keeps the derivative for the backward pass, which is then one multiplication.
pub fn gelu_with_derivative(x: &[f32]) -> (Vec<f32>, Vec<f32>) {
    let mut output = vec![0.0; x.len()];
    let mut derivative = vec![0.0; x.len()];
    chunked_pair(
        &mut output,
        PARALLEL_GRAIN,
        &mut derivative,
        PARALLEL_GRAIN,
        |index, output, derivative| {
            let x = &x[index * PARALLEL_GRAIN..][..output.len()];
            gelu_and_derivative_elements(x, output, derivative);
        },
    );
    (output, derivative)
}

wide_kernel! {
    fn gelu_elements(x: &[f32], output: &mut [f32]) {
        for (output, &v) in output.iter_mut().zip(x) {
            *output = 0.5 * v * (1.0 + erf(v * FRAC_1_SQRT_2));
        }
    }
}

wide_kernel! {
    fn gelu_and_derivative_elements(x: &[f32], output: &mut [f32], derivative: &mut [f32]) {
        for ((output, derivative), &v) in output.iter_mut().zip(derivative.iter_mut()).zip(x) {
            // The same expressions as `gelu_elements` and as the derivative used to be computed
            // in the backward pass: the same bits as either.
            let erf = erf(v * FRAC_1_SQRT_2);
            *output = 0.5 * v * (1.0 + erf);
            let cdf = 0.5 * (1.0 + erf);
            let pdf = FRAC_1_SQRT_2PI * exp_nonpositive(-0.5 * v * v);
            *derivative = cdf + v * pdf;
        }
    }
}

/// Defines a kernel: a function whose body runs compiled for 256-bit vectors (AVX2) when the CPU
/// has them, else as built (the x86-64 baseline has 128-bit SSE2). Twice the elements per
/// instruction for the same IEEE operations — AVX2 alone adds no fused multiply-add, Rust never
/// contracts a·b + c into one and LLVM does not reorder float arithmetic — so the same bits
/// either way (tested). The body is compiled twice, once inside a `#[target_feature]` function;
/// everything it calls must be `#[inline(always)]` to be compiled there too (a closure handed to
/// such a function is not inlined into it, and a kernel body called through one ran on the
/// baseline's vectors).
macro_rules! wide_kernel {
    ($(#[$meta:meta])* fn $name:ident($($arg:ident: $ty:ty),* $(,)?) $body:block) => {
        $(#[$meta])*
        fn $name($($arg: $ty),*) {
            #[cfg(target_arch = "x86_64")]
            if $crate::llm::flex::fast_math::avx2_enabled() {
                #[target_feature(enable = "avx2")]
                unsafe fn avx2($($arg: $ty),*) $body
                // SAFETY: `avx2_enabled` checked that the CPU has AVX2.
                return unsafe { avx2($($arg),*) };
            }
            $body
        }
    };
}
pub(crate) use wide_kernel;

/// Whether kernels take their AVX2 path: the CPU has AVX2 (and, in tests, the calling thread has
/// not asked for the baseline with [`tests::on_the_baseline`]).
#[cfg(target_arch = "x86_64")]
#[inline]
pub(crate) fn avx2_enabled() -> bool {
    #[cfg(test)]
    if tests::BASELINE_ONLY.with(std::cell::Cell::get) {
        return false;
    }
    std::arch::is_x86_feature_detected!("avx2")
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

    thread_local! {
        /// Set by [`on_the_baseline`]: kernels on this thread skip their AVX2 path.
        pub(crate) static BASELINE_ONLY: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
    }

    /// `work` with the calling thread's kernels on the x86-64 baseline's vectors.
    pub(crate) fn on_the_baseline<T>(work: impl FnOnce() -> T) -> T {
        BASELINE_ONLY.with(|flag| flag.set(true));
        let result = work();
        BASELINE_ONLY.with(|flag| flag.set(false));
        result
    }

    /// Asserts equal bits, element by element.
    pub(crate) fn assert_same_bits(a: &[f32], b: &[f32]) {
        assert_eq!(a.len(), b.len());
        for (i, (a, b)) in a.iter().zip(b).enumerate() {
            assert_eq!(a.to_bits(), b.to_bits(), "element {i}: {a} against {b}");
        }
    }

    #[test]
    fn wide_vectors_give_the_same_bits() {
        // Beyond ±87·√2 too, where exp's argument is clamped, and NaN.
        let mut xs: Vec<f32> = grid(-150.0, 150.0, 100_003).collect();
        xs.extend([f32::NAN, f32::INFINITY, f32::NEG_INFINITY, 0.0, -0.0]);
        let zeros = || vec![0.0; xs.len()];
        let (mut narrow, mut wide_values) = (zeros(), zeros());
        on_the_baseline(|| gelu_elements(&xs, &mut narrow));
        gelu_elements(&xs, &mut wide_values);
        assert_same_bits(&narrow, &wide_values);
        let (mut values, mut narrow_derivative, mut derivative) = (zeros(), zeros(), zeros());
        on_the_baseline(|| gelu_and_derivative_elements(&xs, &mut values, &mut narrow_derivative));
        assert_same_bits(&narrow, &values);
        gelu_and_derivative_elements(&xs, &mut values, &mut derivative);
        assert_same_bits(&narrow, &values);
        assert_same_bits(&narrow_derivative, &derivative);
    }

    /// The training forward pass (values with the derivative) gives the inference pass's bits,
    /// so that sampling and scoring see the same policy.
    #[test]
    fn the_training_pass_gives_the_inference_bits() {
        let xs: Vec<f32> = grid(-9.0, 9.0, 70_001).collect();
        for threads in [1, 2, 3] {
            let (values, _) = super::super::pool(threads).install(|| gelu_with_derivative(&xs));
            assert_same_bits(&gelu(&xs), &values);
        }
    }

    #[test]
    fn gelu_and_its_derivative_match_the_closed_forms() {
        let xs: Vec<f32> = grid(-10.0, 10.0, 20_000).collect();
        let (values, derivatives) = gelu_with_derivative(&xs);
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
    }
}
