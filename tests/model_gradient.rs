//! The transformer's automatic gradient against finite differences, on burn's ndarray backend in
//! f64. This test has a file (so a process) of its own: burn keeps one default float type per
//! device for the whole process, the f32 and f64 ndarray backends share the CPU device, and a
//! process that made an f32 tensor first would build this test's model in f32.

use burn::backend::ndarray::NdArrayDevice;
use burn::module::{Module, Param};
use burn::tensor::backend::AutodiffBackend;
use burn::tensor::{DType, Int, Tensor, TensorData};
use policylab::llm::model::{Positions, Transformer, TransformerConfig};

#[path = "common/perturb.rs"]
mod perturb;
use perturb::{Perturb, direction};

type F64 = burn::backend::Autodiff<burn::backend::NdArray<f64>>;

/// Three narrow blocks with three heads: every kind of layer, at a size the f64 debug build
/// differentiates in a fraction of a second.
fn config(positions: Positions, tied_embeddings: bool) -> TransformerConfig {
    TransformerConfig {
        vocab_size: 13,
        max_len: 8,
        d_model: 12,
        n_heads: 3,
        n_layers: 3,
        d_ff: 20,
        positions,
        tied_embeddings,
    }
}

fn tokens(rows: &[Vec<u32>], device: &NdArrayDevice) -> Tensor<F64, 2, Int> {
    let flat: Vec<i64> = rows.iter().flatten().map(|&t| i64::from(t)).collect();
    Tensor::from_data(TensorData::new(flat, [rows.len(), rows[0].len()]), device)
}

/// Σ over parameters of ⟨∂L/∂θ, u⟩.
struct DirectionalDerivative<'a, Bk: AutodiffBackend> {
    grads: &'a <Bk as AutodiffBackend>::Gradients,
    index: u64,
    total: f64,
}

impl<Bk: AutodiffBackend> burn::module::ModuleVisitor<Bk> for DirectionalDerivative<'_, Bk> {
    fn visit_float<const D: usize>(&mut self, param: &Param<Tensor<Bk, D>>) {
        let n = param.shape().num_elements();
        let u = direction(self.index, n);
        self.index += 1;
        let gradient = param
            .grad(self.grads)
            .map(|g| g.into_data().to_vec::<f64>().expect("f64 gradients"))
            .unwrap_or_else(|| vec![0.0; n]);
        self.total += gradient.iter().zip(&u).map(|(g, u)| g * u).sum::<f64>();
    }
}

/// The model's automatic gradient equals a finite difference along a random direction through
/// every parameter, on the ndarray backend in f64. The weights are first moved far from their
/// small initial values (std 0.02), so that the GELU, LayerNorm, softmax and attention inputs
/// span their non-linear ranges. A central difference's error falls as h² (measured on this
/// model: 1.4e-2 relative at h = 1e-3, 1.5e-6 at 1e-5, 1.2e-8 at 1e-6), so the test
/// extrapolates two of them (Richardson, h = 2e-5 and 1e-5): the four model variants agree within
/// 3.2e-9. Burn's own GELU, whose backward is the tanh approximation's derivative (see
/// `src/llm/activation.rs`), misses by 5.9e-5.
#[test]
fn gradient_equals_finite_differences_in_f64() {
    let device = NdArrayDevice::default();
    // f32 host data, as the model's initializer gives it, must become f64 tensors here.
    let probe = Tensor::<F64, 1>::from_data(TensorData::new(vec![0.5f32], [1]), &device);
    assert_eq!(
        probe.dtype(),
        DType::F64,
        "this process's CPU device defaults to f32"
    );
    let rows = vec![vec![1u32, 4, 2, 9, 3, 7], vec![5, 0, 10, 6, 8, 2]];
    for (positions, tied) in [
        (Positions::Learned, true),
        (Positions::Learned, false),
        (Positions::Rotary, true),
        (Positions::Rotary, false),
    ] {
        let base = config(positions, tied)
            .init::<F64>(&device, 11)
            .unwrap()
            .map(&mut Perturb {
                step: 0.6,
                index: 77,
            });
        let loss = |model: &Transformer<F64>| {
            let logits = model.forward(tokens(&rows, &device));
            let [b, t, v] = logits.dims();
            let weights: Vec<f64> = (0..b * t * v)
                .map(|i| ((i * 37 % 101) as f64 / 50.0) - 1.0)
                .collect();
            let weights =
                Tensor::<F64, 1>::from_data(TensorData::new(weights, [b * t * v]), &device)
                    .reshape([b, t, v]);
            // A softmax of the logits too, so the loss is not linear in the last layer.
            let probabilities = burn::tensor::activation::softmax(logits.clone(), 2);
            (logits * weights.clone()).sum() + (probabilities * weights).sum().mul_scalar(3.0)
        };
        let grads = loss(&base).backward();
        let mut visitor = DirectionalDerivative::<F64> {
            grads: &grads,
            index: 0,
            total: 0.0,
        };
        base.visit(&mut visitor);
        let h = 2e-5;
        let value = |step: f64| {
            let moved = base.clone().map(&mut Perturb { step, index: 0 });
            loss(&moved).into_scalar()
        };
        // Richardson's extrapolation of two central differences cancels their h² error term.
        let central = |h: f64| (value(h) - value(-h)) / (2.0 * h);
        let numeric = (4.0 * central(h / 2.0) - central(h)) / 3.0;
        let relative = (visitor.total - numeric).abs() / numeric.abs().max(1e-12);
        assert!(
            relative < 2e-8,
            "{positions:?} tied={tied}: autodiff {} vs finite difference {numeric} ({relative:e})",
            visitor.total
        );
    }
}
