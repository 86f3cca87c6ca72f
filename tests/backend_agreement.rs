//! The two CPU backends compute the same model: burn's flex backend (the default) and its
//! ndarray backend (the backend of `tests/model_gradient.rs`, whose f64 finite-difference check
//! therefore vouches for flex too), both in f32, from the same weights. They order their
//! floating-point work differently (different matrix-product kernels, SIMD or scalar elementwise
//! passes), so they agree to f32 rounding, not bit for bit: a wrong operation would differ by
//! O(1) of the values' scale, f32 rounding through three blocks differs by 0.8–5.9·10⁻⁶ in the
//! logits and 3.6–11.8·10⁻⁶ in the gradients (measured on the four variants below).

use burn::backend::flex::FlexDevice;
use burn::backend::ndarray::NdArrayDevice;
use burn::module::{AutodiffModule, Module, Param};
use burn::tensor::backend::{AutodiffBackend, Backend};
use burn::tensor::{Int, Tensor, TensorData};
use policylab::llm::model::{Positions, Transformer, TransformerConfig};
use policylab::llm::sampler::{SamplerConfig, sample};
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

#[path = "common/perturb.rs"]
mod perturb;
use perturb::Perturb;

type Flex = burn::backend::Autodiff<burn::backend::Flex<f32>>;
type NdArray = burn::backend::Autodiff<burn::backend::NdArray<f32>>;

/// Relative agreement required of the f32 backends (f32's unit roundoff is 6e-8).
const TOLERANCE: f64 = 1e-4;

fn config(positions: Positions, tied_embeddings: bool) -> TransformerConfig {
    TransformerConfig {
        vocab_size: 13,
        max_len: 12,
        d_model: 16,
        n_heads: 4,
        n_layers: 3,
        d_ff: 24,
        positions,
        tied_embeddings,
    }
}

const ROWS: [[u32; 7]; 3] = [
    [1, 4, 2, 9, 3, 7, 12],
    [5, 0, 10, 6, 8, 2, 2],
    [11, 3, 3, 1, 0, 9, 4],
];

/// The model of `config` with seed 11, moved far from its initial weights, on backend `Bk`.
fn model<Bk: AutodiffBackend>(config: &TransformerConfig, device: &Bk::Device) -> Transformer<Bk> {
    config.init::<Bk>(device, 11).unwrap().map(&mut Perturb {
        step: 0.6,
        index: 77,
    })
}

fn tokens<Bk: Backend>(device: &Bk::Device) -> Tensor<Bk, 2, Int> {
    let flat: Vec<i64> = ROWS.iter().flatten().map(|&t| i64::from(t)).collect();
    Tensor::from_data(TensorData::new(flat, [ROWS.len(), ROWS[0].len()]), device)
}

/// The logits, and the gradient of a non-linear loss of them with respect to every parameter
/// (flattened in the visiting order), as f64.
fn logits_and_gradient<Bk: AutodiffBackend>(
    model: &Transformer<Bk>,
    device: &Bk::Device,
) -> (Vec<f64>, Vec<f64>) {
    let logits = model.forward(tokens::<Bk>(device));
    let [b, t, v] = logits.dims();
    let weights: Vec<f32> = (0..b * t * v)
        .map(|i| ((i * 37 % 101) as f32 / 50.0) - 1.0)
        .collect();
    let weights = Tensor::<Bk, 1>::from_data(TensorData::new(weights, [b * t * v]), device)
        .reshape([b, t, v]);
    let probabilities = burn::tensor::activation::softmax(logits.clone(), 2);
    let loss =
        (logits.clone() * weights.clone()).sum() + (probabilities * weights).sum().mul_scalar(3.0);
    let grads = loss.backward();
    let mut collect = Collect::<Bk> {
        grads: &grads,
        values: Vec::new(),
    };
    model.visit(&mut collect);
    (to_f64(logits.into_data()), collect.values)
}

fn to_f64(data: TensorData) -> Vec<f64> {
    data.to_vec::<f32>()
        .expect("f32 values")
        .into_iter()
        .map(f64::from)
        .collect()
}

struct Collect<'a, Bk: AutodiffBackend> {
    grads: &'a <Bk as AutodiffBackend>::Gradients,
    values: Vec<f64>,
}

impl<Bk: AutodiffBackend> burn::module::ModuleVisitor<Bk> for Collect<'_, Bk> {
    fn visit_float<const D: usize>(&mut self, param: &Param<Tensor<Bk, D>>) {
        let n = param.shape().num_elements();
        match param.grad(self.grads) {
            Some(gradient) => self.values.extend(to_f64(gradient.into_data())),
            None => self.values.extend(std::iter::repeat_n(0.0, n)),
        }
    }
}

/// max |x − y| over max |y|.
fn relative_difference(x: &[f64], y: &[f64]) -> f64 {
    assert_eq!(x.len(), y.len());
    let scale = y.iter().fold(0.0f64, |m, v| m.max(v.abs()));
    let worst = x
        .iter()
        .zip(y)
        .fold(0.0f64, |m, (a, b)| m.max((a - b).abs()));
    worst / scale
}

#[test]
fn flex_and_ndarray_give_the_same_logits_and_gradients() {
    for (positions, tied) in [
        (Positions::Learned, true),
        (Positions::Learned, false),
        (Positions::Rotary, true),
        (Positions::Rotary, false),
    ] {
        let config = config(positions, tied);
        let flex_device = FlexDevice;
        let ndarray_device = NdArrayDevice::default();
        let (flex_logits, flex_gradient) =
            logits_and_gradient(&model::<Flex>(&config, &flex_device), &flex_device);
        let (ndarray_logits, ndarray_gradient) =
            logits_and_gradient(&model::<NdArray>(&config, &ndarray_device), &ndarray_device);
        let logits = relative_difference(&flex_logits, &ndarray_logits);
        let gradient = relative_difference(&flex_gradient, &ndarray_gradient);
        eprintln!("{positions:?} tied={tied}: logits {logits:e}, gradients {gradient:e}");
        assert!(
            logits < TOLERANCE && gradient < TOLERANCE,
            "{positions:?} tied={tied}: logits differ by {logits:e}, gradients by {gradient:e}"
        );
    }
}

/// The sampler's per-token log-probabilities and entropies (through the key/value cache) agree
/// too, and both backends draw the same tokens from the same generator: the draws are made on
/// the host from the probabilities, which differ only by rounding.
#[test]
fn flex_and_ndarray_sample_alike() {
    let config = config(Positions::Learned, true);
    let flex = model::<Flex>(&config, &FlexDevice).valid();
    let ndarray = model::<NdArray>(&config, &NdArrayDevice::default()).valid();
    let prompts: Vec<Vec<u32>> = ROWS.iter().map(|row| row[..3].to_vec()).collect();
    let sampler = SamplerConfig::new(6, 2);
    let a = sample(&flex, &prompts, &sampler, &mut ChaCha8Rng::seed_from_u64(5)).unwrap();
    let b = sample(
        &ndarray,
        &prompts,
        &sampler,
        &mut ChaCha8Rng::seed_from_u64(5),
    )
    .unwrap();
    assert_eq!(a.responses, b.responses);
    let rows = a.log_probs.iter().zip(&b.log_probs);
    for (x, y) in rows.chain(a.entropies.iter().zip(&b.entropies)) {
        let x: Vec<f64> = x.iter().map(|&v| f64::from(v)).collect();
        let y: Vec<f64> = y.iter().map(|&v| f64::from(v)).collect();
        assert!(relative_difference(&x, &y) < TOLERANCE, "{x:?} vs {y:?}");
    }
}
