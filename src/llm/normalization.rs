//! The model's layer normalization (Ba, Kiros & Hinton 2016): burn's `LayerNorm` module holds γ
//! and β (and is what checkpoints record); the computation goes through
//! [`crate::llm::flex::layer_norm`] on the flex backend in f32 — one operation forward and
//! backward, where burn's autodiff composes ten — and through the module itself elsewhere.

use burn::nn::LayerNorm;
use burn::tensor::Tensor;
use burn::tensor::backend::Backend;

use super::flex::layer_norm::try_layer_norm;

/// ε of every layer norm of the model: `burn::nn::LayerNormConfig`'s default, which builds them
/// (the module keeps its ε private; a test holds the two equal).
pub const EPSILON: f64 = 1e-5;

/// `norm` applied to `x` over its last dimension.
pub fn layer_norm<B: Backend, const D: usize>(
    norm: &LayerNorm<B>,
    x: Tensor<B, D>,
) -> Tensor<B, D> {
    let inputs = (x, norm.gamma.val(), norm.beta.as_ref().map(|b| b.val()));
    match try_layer_norm(inputs, EPSILON as f32) {
        Ok(y) => y,
        Err((x, _, _)) => norm.forward(x),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::llm::backend::Training;
    use burn::nn::LayerNormConfig;

    #[test]
    fn epsilon_is_the_config_default() {
        assert_eq!(LayerNormConfig::new(8).epsilon, EPSILON);
    }

    #[test]
    fn equals_the_module_up_to_rounding_on_the_build_backend() {
        let device = Default::default();
        let norm: LayerNorm<Training> = LayerNormConfig::new(16).init(&device);
        let x: Tensor<Training, 3> = crate::llm::flex::normal([2, 3, 16], 1);
        let difference = (layer_norm(&norm, x.clone()) - norm.forward(x))
            .abs()
            .max()
            .into_scalar();
        assert!(difference < 1e-5, "{difference}");
    }
}
