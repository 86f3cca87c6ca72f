//! Layer normalization (Ba, Kiros & Hinton 2016) over the last dimension as a custom operation of
//! the flex backend, forward and backward, on the rayon pool's threads by blocks of rows:
//!
//! y = x̂·γ + β,  x̂ = (x − μ)·r,  μ = mean(x),  r = 1/√(mean((x − μ)²) + ε),
//!
//! (μ and the biased variance over each row of `d` elements), and with g = dy·γ
//!
//! dx = r·(g − mean(g) − x̂·mean(g·x̂)),  dγ = Σ_rows dy·x̂,  dβ = Σ_rows dy.
//!
//! On autodiff burn 0.21 composes layer normalization from ten tensor operations (mean, subtract,
//! multiply, mean, add, square root, divide, reshape, multiply, add) and differentiates each,
//! about twenty passes over the activations on one thread: ≈ 90 ms of a 0.65 s training pass of
//! the `small` preset on two threads, all of it on the calling thread (perf). Here it is one sweep
//! over the rows each way (a row is read three times while it is in cache), split by blocks of
//! rows among the threads.
//!
//! Every sum runs in a fixed order — a row's sums in eight interleaved lanes added pairwise at
//! the end, dγ and dβ as per-block partial sums over blocks of [`BLOCK_ROWS`] rows added in
//! block order — so the bits do not depend on the thread count (tested). The same forward serves
//! inference and training: the layer norm gives the sampler and the scorer the same bits.

use burn::backend::Autodiff;
use burn::backend::autodiff::checkpoint::base::Checkpointer;
use burn::backend::autodiff::grads::Gradients;
use burn::backend::autodiff::ops::{Backward, Ops};
use burn::tensor::backend::Backend;
use burn::tensor::{DType, Shape, Tensor, TensorPrimitive};
use burn_flex::FlexTensor;

use super::fast_math::wide_kernel;
use super::{
    FlexF32, back, cast, chunked_pair, contiguous, f32_elements, float, from_values, record, tensor,
};

/// Rows per block: the unit of work handed to a thread (from four blocks up, `chunked_pair`),
/// and of the partial sums of dγ and dβ.
pub const BLOCK_ROWS: usize = 64;

/// The inputs: x, γ and, if the layer has one, β.
pub type Inputs<B, const D: usize> = (Tensor<B, D>, Tensor<B, 1>, Option<Tensor<B, 1>>);

/// Layer normalization of `x` over its last dimension with scale `gamma`, shift `beta` and
/// `epsilon`, through the flex operation when `B` is flex in f32 (with or without autodiff),
/// every input holds f32, the last dimension is not empty and γ and β have its length; otherwise
/// the inputs, untouched, for the caller's generic path.
pub fn try_layer_norm<B: Backend, const D: usize>(
    inputs: Inputs<B, D>,
    epsilon: f32,
) -> Result<Tensor<B, D>, Inputs<B, D>> {
    let (x, gamma, beta) = &inputs;
    let width = x.dims().last().copied().unwrap_or(0);
    let fits = width > 0
        && gamma.dims() == [width]
        && beta.as_ref().is_none_or(|b| b.dims() == [width])
        && x.dtype() == DType::F32
        && gamma.dtype() == DType::F32
        && beta.as_ref().is_none_or(|b| b.dtype() == DType::F32);
    if !fits {
        return Err(inputs);
    }
    let inputs = match cast::<Inputs<B, D>, Inputs<FlexF32, D>>(inputs) {
        Ok((x, gamma, beta)) => {
            let (output, _) = forward(&float(x), &float(gamma), beta.map(float).as_ref(), epsilon);
            return Ok(back(tensor::<D>(output)));
        }
        Err(inputs) => inputs,
    };
    let (x, gamma, beta) = cast::<Inputs<B, D>, Inputs<Autodiff<FlexF32>, D>>(inputs)?;
    let x = x.into_primitive().tensor();
    let gamma = gamma.into_primitive().tensor();
    let (output, statistics) = forward(
        &x.primitive,
        &gamma.primitive,
        beta.as_ref()
            .map(|b| b.clone().into_primitive().tensor().primitive)
            .as_ref(),
        epsilon,
    );
    let state = || LayerNormState {
        x: contiguous(x.primitive.clone()),
        gamma: contiguous(gamma.primitive.clone()),
        statistics,
    };
    let output = match beta {
        Some(beta) => {
            let beta = beta.into_primitive().tensor();
            record(LayerNormBackward, [&x, &gamma, &beta], output, state)
        }
        None => record(LayerNormBackward, [&x, &gamma], output, state),
    };
    Ok(back(Tensor::<Autodiff<FlexF32>, D>::from_primitive(
        TensorPrimitive::Float(output),
    )))
}

/// Each row's mean μ and reciprocal standard deviation r, interleaved `[μ₀, r₀, μ₁, r₁, …]`.
#[derive(Clone, Debug)]
struct Statistics(Vec<f32>);

/// y and each row's (μ, r).
fn forward(
    x: &FlexTensor,
    gamma: &FlexTensor,
    beta: Option<&FlexTensor>,
    epsilon: f32,
) -> (FlexTensor, Statistics) {
    let x = contiguous(x.clone());
    let shape = x.layout().shape().clone();
    let (gamma, beta) = (
        contiguous(gamma.clone()),
        beta.map(|b| contiguous(b.clone())),
    );
    let (input, gamma) = (f32_elements(&x), f32_elements(&gamma));
    let beta = beta.as_ref().map(f32_elements);
    let width = gamma.len();
    let rows = input.len() / width;
    let mut output = vec![0.0f32; input.len()];
    let mut statistics = vec![0.0f32; 2 * rows];
    let (rows_chunk, statistics_chunk) = (BLOCK_ROWS * width, 2 * BLOCK_ROWS);
    chunked_pair(
        &mut output,
        rows_chunk,
        &mut statistics,
        statistics_chunk,
        |index, output, statistics| {
            let input = &input[index * rows_chunk..][..output.len()];
            normalize_rows(input, output, statistics, gamma, beta, epsilon);
        },
    );
    (from_values(output, shape), Statistics(statistics))
}

wide_kernel! {
    /// The forward pass on a block of rows: y and each row's (μ, r).
    fn normalize_rows(
        input: &[f32],
        output: &mut [f32],
        statistics: &mut [f32],
        gamma: &[f32],
        beta: Option<&[f32]>,
        epsilon: f32,
    ) {
        let width = gamma.len();
        for ((x, y), stats) in input
            .chunks_exact(width)
            .zip(output.chunks_exact_mut(width))
            .zip(statistics.chunks_exact_mut(2))
        {
            let mean = lane_sum(width, |i| x[i]) / width as f32;
            let variance = lane_sum(width, |i| (x[i] - mean) * (x[i] - mean)) / width as f32;
            let r = 1.0 / (variance + epsilon).sqrt();
            for (i, (y, &v)) in y.iter_mut().zip(x).enumerate() {
                let scaled = (v - mean) * r * gamma[i];
                *y = match beta {
                    Some(beta) => scaled + beta[i],
                    None => scaled,
                };
            }
            stats.copy_from_slice(&[mean, r]);
        }
    }
}

/// Σ_{i < n} term(i) in a fixed order: eight interleaved partial sums (term i goes to lane
/// i mod 8, which the compiler can keep in vector registers), added pairwise at the end.
#[inline(always)]
fn lane_sum(n: usize, term: impl Fn(usize) -> f32) -> f32 {
    let mut lanes = [0.0f32; 8];
    for base in (0..n).step_by(8) {
        for (lane, sum) in lanes.iter_mut().enumerate().take(n - base) {
            *sum += term(base + lane);
        }
    }
    ((lanes[0] + lanes[1]) + (lanes[2] + lanes[3]))
        + ((lanes[4] + lanes[5]) + (lanes[6] + lanes[7]))
}

/// What the backward pass needs: the input, γ and each row's (μ, r).
#[derive(Clone, Debug)]
struct LayerNormState {
    x: FlexTensor,
    gamma: FlexTensor,
    statistics: Statistics,
}

/// The autodiff node, with parents [x, γ] or [x, γ, β].
#[derive(Debug)]
struct LayerNormBackward;

impl<const N: usize> Backward<FlexF32, N> for LayerNormBackward {
    type State = LayerNormState;

    fn backward(
        self,
        ops: Ops<Self::State, N>,
        grads: &mut Gradients,
        _checkpointer: &mut Checkpointer,
    ) {
        let grad = contiguous(grads.consume::<FlexF32>(&ops.node));
        let state = ops.state;
        let [x_grad, gamma_grad, beta_grad] = gradients(&state, &grad);
        let shape = state.x.layout().shape().clone();
        let width = gamma_grad.len();
        let mut parts = [
            Some(from_values(x_grad, shape)),
            Some(from_values(gamma_grad, Shape::new([width]))),
            Some(from_values(beta_grad, Shape::new([width]))),
        ];
        for (index, node) in ops.parents.into_iter().enumerate() {
            if let (Some(node), Some(gradient)) = (node, parts[index].take()) {
                grads.register::<FlexF32>(node.id, gradient);
            }
        }
    }
}

/// [dx, dγ, dβ] from the state and the incoming gradient dy (contiguous, x's shape).
fn gradients(state: &LayerNormState, grad: &FlexTensor) -> [Vec<f32>; 3] {
    let (input, gamma, dy) = (
        f32_elements(&state.x),
        f32_elements(&state.gamma),
        f32_elements(grad),
    );
    let statistics = &state.statistics.0;
    let width = gamma.len();
    let rows = input.len() / width;
    let blocks = rows.div_ceil(BLOCK_ROWS);
    let mut x_grad = vec![0.0f32; input.len()];
    // Per block: Σ dy·x̂ (dγ) then Σ dy (dβ), each `width` long.
    let mut partial = vec![0.0f32; blocks * 2 * width];
    chunked_pair(
        &mut x_grad,
        BLOCK_ROWS * width,
        &mut partial,
        2 * width,
        |index, x_grad, partial| {
            let start = index * BLOCK_ROWS;
            backward_rows(start, x_grad, partial, input, dy, gamma, statistics);
        },
    );
    let mut gamma_grad = vec![0.0f32; width];
    let mut beta_grad = vec![0.0f32; width];
    for sums in partial.chunks_exact(2 * width) {
        for i in 0..width {
            gamma_grad[i] += sums[i];
            beta_grad[i] += sums[width + i];
        }
    }
    [x_grad, gamma_grad, beta_grad]
}

wide_kernel! {
    /// The backward pass on the block of rows from `start`: dx, and the block's partial sums of dγ
    /// and dβ (`partial`, 2·width long).
    fn backward_rows(
        start: usize,
        x_grad: &mut [f32],
        partial: &mut [f32],
        input: &[f32],
        dy: &[f32],
        gamma: &[f32],
        statistics: &[f32],
    ) {
        let width = gamma.len();
        let (gamma_partial, beta_partial) = partial.split_at_mut(width);
        for (row, dx) in x_grad.chunks_exact_mut(width).enumerate() {
            let row = start + row;
            let (x, dy) = (&input[row * width..][..width], &dy[row * width..][..width]);
            let (mean, r) = (statistics[2 * row], statistics[2 * row + 1]);
            let normalized = |i: usize| (x[i] - mean) * r;
            let g_mean = lane_sum(width, |i| dy[i] * gamma[i]) / width as f32;
            let gx_mean = lane_sum(width, |i| dy[i] * gamma[i] * normalized(i)) / width as f32;
            for (i, dx) in dx.iter_mut().enumerate() {
                let x_hat = normalized(i);
                *dx = r * (dy[i] * gamma[i] - g_mean - x_hat * gx_mean);
                gamma_partial[i] += dy[i] * x_hat;
                beta_partial[i] += dy[i];
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::{bits, normal, pool};
    use super::*;
    use burn::nn::{LayerNorm, LayerNormConfig};

    type Ad = Autodiff<FlexF32>;

    /// burn's layer norm (composed on autodiff) with the given γ and β.
    fn burn_layer_norm<B: Backend>(gamma: Tensor<B, 1>, beta: Tensor<B, 1>) -> LayerNorm<B> {
        let mut norm: LayerNorm<B> = LayerNormConfig::new(gamma.dims()[0]).init(&gamma.device());
        norm.gamma = burn::module::Param::from_tensor(gamma);
        norm.beta = Some(burn::module::Param::from_tensor(beta));
        norm
    }

    fn max_difference<const D: usize>(a: Tensor<Ad, D>, b: Tensor<Ad, D>) -> f32 {
        (a - b).abs().max().into_scalar()
    }

    #[test]
    fn values_and_gradients_match_burn_s_layer_norm() {
        // Rows of several blocks (300 rows, the last block partial) and a width that is not a
        // multiple of the eight lanes; inputs with a large common offset test the two-pass
        // variance.
        let x = (normal::<Ad, 3>([5, 60, 37], 1) * 3.0 + 40.0).require_grad();
        let gamma = (normal::<Ad, 1>([37], 2) * 0.5 + 1.0).require_grad();
        let beta = normal::<Ad, 1>([37], 3).require_grad();
        let upstream = normal::<Ad, 3>([5, 60, 37], 4);
        let ours = try_layer_norm((x.clone(), gamma.clone(), Some(beta.clone())), 1e-5)
            .expect("flex in f32");
        let norm = burn_layer_norm(gamma.clone(), beta.clone());
        let reference = norm.forward(x.clone());
        assert!(max_difference(ours.clone(), reference.clone()) < 2e-5);
        let grads = (ours * upstream.clone()).sum().backward();
        let (dx, dgamma, dbeta) = (
            x.grad(&grads).unwrap(),
            gamma.grad(&grads).unwrap(),
            beta.grad(&grads).unwrap(),
        );
        let grads = (reference * upstream).sum().backward();
        let scale_x = x.grad(&grads).unwrap().abs().max().into_scalar();
        assert!(
            max_difference(
                Tensor::from_inner(dx),
                Tensor::from_inner(x.grad(&grads).unwrap())
            ) < 1e-4 * scale_x
        );
        let (expected_gamma, expected_beta) =
            (gamma.grad(&grads).unwrap(), beta.grad(&grads).unwrap());
        for (ours, expected) in [(dgamma, expected_gamma), (dbeta, expected_beta)] {
            let scale = expected.clone().abs().max().into_scalar();
            let difference = (ours - expected).abs().max().into_scalar();
            assert!(
                difference < 1e-5 * scale.max(1.0) * 300.0_f32.sqrt(),
                "{difference}"
            );
        }
    }

    /// The backward formula against central differences of the forward pass in f64 arithmetic
    /// on a small input (independent of burn's composition).
    #[test]
    fn gradients_match_finite_differences() {
        let (rows, width) = (3, 5);
        let x: Vec<f64> = (0..rows * width)
            .map(|i| ((i * 7) % 11) as f64 * 0.3 - 1.2)
            .collect();
        let gamma: Vec<f64> = (0..width).map(|i| 0.5 + 0.2 * i as f64).collect();
        let beta: Vec<f64> = (0..width).map(|i| 0.1 * i as f64 - 0.2).collect();
        let upstream: Vec<f64> = (0..rows * width)
            .map(|i| ((i * 5) % 7) as f64 * 0.25 - 0.7)
            .collect();
        // L = Σ upstream ⊙ LayerNorm(x) in f64.
        let loss = |x: &[f64], gamma: &[f64], beta: &[f64]| -> f64 {
            let mut total = 0.0;
            for row in 0..rows {
                let v = &x[row * width..][..width];
                let mean = v.iter().sum::<f64>() / width as f64;
                let var = v.iter().map(|a| (a - mean).powi(2)).sum::<f64>() / width as f64;
                let r = 1.0 / (var + 1e-5).sqrt();
                for i in 0..width {
                    total += upstream[row * width + i] * ((v[i] - mean) * r * gamma[i] + beta[i]);
                }
            }
            total
        };
        let tensor = |values: &[f64], shape: Vec<usize>| {
            let values: Vec<f32> = values.iter().map(|&v| v as f32).collect();
            Tensor::<Ad, 2>::from_data(
                burn::tensor::TensorData::new(values, shape),
                &Default::default(),
            )
        };
        let xt = tensor(&x, vec![rows, width]).require_grad();
        let gt = tensor(&gamma, vec![1, width])
            .reshape([width])
            .require_grad();
        let bt = tensor(&beta, vec![1, width])
            .reshape([width])
            .require_grad();
        let y = try_layer_norm((xt.clone(), gt.clone(), Some(bt.clone())), 1e-5).expect("flex");
        let grads = (y * tensor(&upstream, vec![rows, width])).sum().backward();
        let analytic = [
            xt.grad(&grads)
                .unwrap()
                .into_data()
                .to_vec::<f32>()
                .unwrap(),
            gt.grad(&grads)
                .unwrap()
                .into_data()
                .to_vec::<f32>()
                .unwrap(),
            bt.grad(&grads)
                .unwrap()
                .into_data()
                .to_vec::<f32>()
                .unwrap(),
        ];
        let h = 1e-6;
        for (which, analytic) in analytic.iter().enumerate() {
            for (i, &a) in analytic.iter().enumerate() {
                let mut inputs = [x.clone(), gamma.clone(), beta.clone()];
                inputs[which][i] += h;
                let plus = loss(&inputs[0], &inputs[1], &inputs[2]);
                inputs[which][i] -= 2.0 * h;
                let minus = loss(&inputs[0], &inputs[1], &inputs[2]);
                let numeric = (plus - minus) / (2.0 * h);
                assert!(
                    (a as f64 - numeric).abs() < 2e-5 * (1.0 + numeric.abs()),
                    "input {which}, element {i}: {a} vs {numeric}"
                );
            }
        }
    }

    #[test]
    fn bits_do_not_depend_on_the_thread_count_and_inference_equals_training() {
        // 1,000 rows: enough blocks for the pool.
        let run = || {
            let x = normal::<Ad, 2>([1000, 48], 5).require_grad();
            let gamma = normal::<Ad, 1>([48], 6).require_grad();
            let beta = normal::<Ad, 1>([48], 7).require_grad();
            let y =
                try_layer_norm((x.clone(), gamma.clone(), Some(beta.clone())), 1e-5).expect("flex");
            let grads = (y.clone() * normal::<Ad, 2>([1000, 48], 8))
                .sum()
                .backward();
            [
                bits(y),
                bits(x.grad(&grads).unwrap()),
                bits(gamma.grad(&grads).unwrap()),
                bits(beta.grad(&grads).unwrap()),
            ]
        };
        let pools = [1, 2, 3].map(pool);
        let expected = pools[0].install(run);
        for pool in &pools[1..] {
            assert!(pool.install(run) == expected);
        }
        let inference = try_layer_norm(
            (
                normal::<FlexF32, 2>([1000, 48], 5),
                normal::<FlexF32, 1>([48], 6),
                Some(normal::<FlexF32, 1>([48], 7)),
            ),
            1e-5,
        )
        .expect("flex");
        assert!(bits(inference) == expected[0]);
    }

    #[test]
    fn without_beta_and_on_other_backends() {
        let x = normal::<Ad, 2>([4, 6], 9).require_grad();
        let gamma = normal::<Ad, 1>([6], 10).require_grad();
        let y = try_layer_norm((x.clone(), gamma.clone(), None), 1e-5).expect("flex");
        let grads = y.sum().backward();
        assert!(gamma.grad(&grads).is_some() && x.grad(&grads).is_some());
        type Nd = burn::backend::NdArray<f32>;
        let inputs = (normal::<Nd, 2>([2, 3], 11), normal::<Nd, 1>([3], 12), None);
        assert!(try_layer_norm(inputs, 1e-5).is_err());
        // γ of the wrong length is handed back too.
        let inputs = (
            normal::<FlexF32, 2>([2, 3], 13),
            normal::<FlexF32, 1>([4], 14),
            None,
        );
        assert!(try_layer_norm(inputs, 1e-5).is_err());
    }
}
