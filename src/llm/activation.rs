//! The exact GELU, GELU(x) = x·Φ(x) = x·(1 + erf(x/√2))/2 (Hendrycks & Gimpel 2016, "Gaussian
//! Error Linear Units"), with its exact gradient
//!
//! GELU′(x) = Φ(x) + x·φ(x),  φ(x) = exp(−x²/2)/√(2π).
//!
//! burn 0.21 makes GELU a backend operation (`ActivationOps::gelu` and `gelu_backward`; its
//! autodiff layer calls the inner backend's `gelu_backward`). The trait's default
//! `gelu_backward`, which the ndarray and CUDA backends keep, is the derivative of the *tanh
//! approximation* 0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³))) with six-digit constants: measured
//! on x ∈ [−8, 8] in steps of 0.1 it is off by up to 8.7·10⁻⁴ (at x = −2, where GELU′ = −0.085:
//! 1% of it), an error that would enter every weight update. So [`gelu`] is built from tensor
//! operations whose derivatives automatic differentiation knows exactly, except on the flex
//! backend in f32 (the default CPU build), where it is one custom operation with an exact
//! backward pass on vectorized `erf` and `exp` ([`crate::llm::flex::gelu`]): flex's own GELU is
//! exact too but calls libm's scalar `erff`. The tests below hold both paths to the closed form.

use super::flex::gelu::try_gelu;
use burn::tensor::Tensor;
use burn::tensor::backend::Backend;

/// GELU(x) = x·(1 + erf(x/√2))/2, elementwise, with the exact derivative on every backend.
pub fn gelu<B: Backend, const D: usize>(x: Tensor<B, D>) -> Tensor<B, D> {
    match try_gelu(x) {
        Ok(value) => value,
        Err(x) => gelu_composed(x),
    }
}

/// GELU from `div_scalar`, `erf`, `add_scalar`, `mul` and `div_scalar`: the operations of burn's
/// default forward pass in the same order (so the same values), differentiated exactly by
/// autodiff (erf′(z) = 2·exp(−z²)/√π).
fn gelu_composed<B: Backend, const D: usize>(x: Tensor<B, D>) -> Tensor<B, D> {
    x.clone()
        .div_scalar(std::f64::consts::SQRT_2)
        .erf()
        .add_scalar(1.0)
        .mul(x)
        .div_scalar(2.0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use burn::backend::{Autodiff, Flex, NdArray};
    use burn::tensor::TensorData;
    use burn::tensor::backend::AutodiffBackend;

    fn points() -> Vec<f32> {
        (0..=160).map(|i| -8.0 + 0.1 * i as f32).collect()
    }

    /// Φ(x) + x·φ(x) in f64, with Φ(x) = 1/2 + ∫₀ˣ φ by Simpson's rule, so that the reference
    /// rests on no erf implementation.
    fn exact_derivative(x: f64) -> f64 {
        let phi = |t: f64| (-0.5 * t * t).exp() / (2.0 * std::f64::consts::PI).sqrt();
        // Φ(x) = 1/2 + ∫_0^x φ, by composite Simpson's rule with 2000 panels (error ≪ 1e-12).
        let n = 2000;
        let h = x / n as f64;
        let mut integral = phi(0.0) + phi(x);
        for k in 1..n {
            integral += if k % 2 == 1 { 4.0 } else { 2.0 } * phi(k as f64 * h);
        }
        0.5 + integral * h / 3.0 + x * phi(x)
    }

    /// The gradient of Σ GELU(xᵢ) on backend `B`, at [`points`].
    fn gradient<B: AutodiffBackend>() -> Vec<f32> {
        let device = B::Device::default();
        let xs = points();
        let input = Tensor::<B, 1>::from_data(TensorData::new(xs.clone(), [xs.len()]), &device)
            .require_grad();
        let grads = gelu(input.clone()).sum().backward();
        let gradient = input.grad(&grads).expect("the input requires a gradient");
        gradient.into_data().to_vec::<f32>().expect("f32 data")
    }

    fn assert_exact(backend: &str, values: &[f32]) {
        for (&x, &g) in points().iter().zip(values) {
            let expected = exact_derivative(x as f64);
            // f32 arithmetic: a few units in the last place of numbers of order 1.
            assert!(
                (g as f64 - expected).abs() < 2e-6,
                "{backend}: GELU'({x}) = {g}, expected {expected}"
            );
        }
    }

    #[test]
    fn gradient_is_the_exact_derivative_on_flex() {
        assert_exact(
            "flex (custom operation)",
            &gradient::<Autodiff<Flex<f32>>>(),
        );
    }

    #[test]
    fn gradient_is_the_exact_derivative_on_ndarray() {
        assert_exact("ndarray (composed)", &gradient::<Autodiff<NdArray<f32>>>());
    }

    /// The reason for the composed path: burn's default `gelu_backward` (kept by ndarray) is the
    /// tanh approximation's derivative, whose error at x = −2 is about 10⁻³ — far outside the
    /// tolerance above. If a later burn makes it exact, this test says the composed path can go.
    #[test]
    fn burns_default_backward_is_not_exact() {
        let device = Default::default();
        let xs = points();
        let input = Tensor::<Autodiff<NdArray<f32>>, 1>::from_data(
            TensorData::new(xs.clone(), [xs.len()]),
            &device,
        )
        .require_grad();
        let grads = burn::tensor::activation::gelu(input.clone())
            .sum()
            .backward();
        let values = input
            .grad(&grads)
            .expect("gradient")
            .into_data()
            .to_vec::<f32>();
        let values = values.expect("f32 data");
        let worst = points()
            .iter()
            .zip(&values)
            .map(|(&x, &g)| (g as f64 - exact_derivative(x as f64)).abs())
            .fold(0.0, f64::max);
        assert!(worst > 5e-4, "largest error {worst}");
    }

    /// The flex operation and the composed formula (libm's erf) agree within the fast erf's
    /// error, 1.75·10⁻⁷ (scaled by |x|/2, plus rounding).
    #[test]
    fn flex_and_composed_values_agree() {
        let device = Default::default();
        let xs = points();
        let input =
            Tensor::<Flex<f32>, 1>::from_data(TensorData::new(xs.clone(), [xs.len()]), &device);
        let fast = gelu(input.clone())
            .into_data()
            .to_vec::<f32>()
            .expect("f32");
        let composed = gelu_composed(input)
            .into_data()
            .to_vec::<f32>()
            .expect("f32");
        for ((&x, &a), &b) in xs.iter().zip(&fast).zip(&composed) {
            assert!(
                (a - b).abs() <= 2e-7 * (1.0 + x.abs()),
                "GELU({x}): {a} against {b}"
            );
        }
    }
}
