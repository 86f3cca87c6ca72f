//! The linear layer y = x·W + b (`x` `[rows, d_input]`, `W` `[d_input, d_output]`, burn's row
//! layout) with its three matrix products — forward x·W, backward dx = dy·Wᵀ and dW = xᵀ·dy —
//! on every thread of the current rayon pool through [`super::matmul`], and db = Σ_rows dy.
//!
//! The arithmetic is burn's default linear operation on flex, step by step (flex does not override
//! it): the products are flex's gemm calls (same bits at any thread count), the bias is one f32
//! addition an element, and its gradient is summed by flex's own `float_sum_dim`. So the layer
//! gives the bits of `burn::tensor::module::linear` on flex, values and gradients (tested below),
//! only faster on more than one core: the runs committed before this operation reproduce bit for
//! bit.

use burn::backend::Autodiff;
use burn::backend::autodiff::checkpoint::base::Checkpointer;
use burn::backend::autodiff::grads::Gradients;
use burn::backend::autodiff::ops::{Backward, Ops};
use burn::tensor::backend::Backend;
use burn::tensor::ops::FloatTensorOps;
use burn::tensor::{DType, Shape, Tensor, TensorPrimitive};
use burn_flex::FlexTensor;

use super::matmul::matmul;
use super::{
    FlexF32, PARALLEL_GRAIN, back, cast, chunked, contiguous, f32_elements, float, from_values,
    record, tensor,
};

/// x·W + b, through the flex operation when `B` is flex in f32 (with or without autodiff) and
/// every input holds f32, else through `burn::tensor::module::linear`.
pub fn linear<B: Backend>(
    x: Tensor<B, 2>,
    weight: Tensor<B, 2>,
    bias: Option<Tensor<B, 1>>,
) -> Tensor<B, 2> {
    let f32_inputs = x.dtype() == DType::F32
        && weight.dtype() == DType::F32
        && bias.as_ref().is_none_or(|b| b.dtype() == DType::F32);
    if !f32_inputs {
        return burn::tensor::module::linear(x, weight, bias);
    }
    let x = match cast::<Tensor<B, 2>, Tensor<FlexF32, 2>>(x) {
        Ok(x) => {
            let bias = bias.map(|b| float(back::<B, FlexF32, 1>(b)));
            let y = forward(float(x), float(back::<B, FlexF32, 2>(weight)), bias);
            return back(Tensor::<FlexF32, 2>::from_primitive(
                TensorPrimitive::Float(y),
            ));
        }
        Err(x) => x,
    };
    match cast::<Tensor<B, 2>, Tensor<Autodiff<FlexF32>, 2>>(x) {
        Ok(x) => {
            let weight = back::<B, Autodiff<FlexF32>, 2>(weight);
            let bias = bias.map(back::<B, Autodiff<FlexF32>, 1>);
            back(tracked(x, weight, bias))
        }
        Err(x) => burn::tensor::module::linear(x, weight, bias),
    }
}

/// x·W (+ b added to every row: one f32 addition an element, as flex's broadcast `float_add` in
/// burn's default linear makes it, done in place and by row blocks on the rayon pool).
fn forward(x: FlexTensor, weight: FlexTensor, bias: Option<FlexTensor>) -> FlexTensor {
    let mut output = float(matmul(tensor::<2>(x), tensor(weight)));
    let Some(bias) = bias else { return output };
    let bias = contiguous(bias);
    let bias = f32_elements(&bias);
    match output.try_storage_mut::<f32>() {
        // `matmul` returns a fresh contiguous [rows, bias.len()] buffer held once.
        Some(values) if values.len().is_multiple_of(bias.len()) => {
            chunked(values, bias.len(), PARALLEL_GRAIN, |_, row| {
                for (value, &b) in row.iter_mut().zip(bias) {
                    *value += b;
                }
            });
            output
        }
        _ => {
            let width = bias.len();
            let bias = from_values(bias.to_vec(), Shape::new([1, width]));
            FlexF32::float_add(output, bias)
        }
    }
}

/// The layer on autodiff: one graph node with parents x, W and, if present, b.
fn tracked(
    x: Tensor<Autodiff<FlexF32>, 2>,
    weight: Tensor<Autodiff<FlexF32>, 2>,
    bias: Option<Tensor<Autodiff<FlexF32>, 1>>,
) -> Tensor<Autodiff<FlexF32>, 2> {
    let x = x.into_primitive().tensor();
    let weight = weight.into_primitive().tensor();
    let state = || LinearState {
        x: x.primitive.clone(),
        weight: weight.primitive.clone(),
    };
    let output = match bias {
        Some(bias) => {
            let bias = bias.into_primitive().tensor();
            let output = forward(
                x.primitive.clone(),
                weight.primitive.clone(),
                Some(bias.primitive.clone()),
            );
            record(LinearBackward, [&x, &weight, &bias], output, state)
        }
        None => {
            let output = forward(x.primitive.clone(), weight.primitive.clone(), None);
            record(LinearBackward, [&x, &weight], output, state)
        }
    };
    Tensor::from_primitive(TensorPrimitive::Float(output))
}

/// What the backward pass needs: the layer's input and weight.
#[derive(Clone, Debug)]
struct LinearState {
    x: FlexTensor,
    weight: FlexTensor,
}

/// The autodiff node, with parents [x, W] or [x, W, b].
#[derive(Debug)]
struct LinearBackward;

impl<const N: usize> Backward<FlexF32, N> for LinearBackward {
    type State = LinearState;

    fn backward(
        self,
        ops: Ops<Self::State, N>,
        grads: &mut Gradients,
        _checkpointer: &mut Checkpointer,
    ) {
        let grad = grads.consume::<FlexF32>(&ops.node);
        let LinearState { x, weight } = ops.state;
        for (index, node) in ops.parents.into_iter().enumerate() {
            let Some(node) = node else { continue };
            let gradient = match index {
                // dx = dy·Wᵀ
                0 => float(matmul(
                    tensor::<2>(grad.clone()),
                    tensor::<2>(weight.clone()).swap_dims(0, 1),
                )),
                // dW = xᵀ·dy
                1 => float(matmul(
                    tensor::<2>(x.clone()).swap_dims(0, 1),
                    tensor::<2>(grad.clone()),
                )),
                // db = Σ_rows dy
                _ => {
                    let width = grad.layout().shape()[1];
                    FlexF32::float_reshape(
                        FlexF32::float_sum_dim(grad.clone(), 0),
                        Shape::new([width]),
                    )
                }
            };
            grads.register::<FlexF32>(node.id, gradient);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::{bits, pool};
    use super::*;

    type Ad = Autodiff<FlexF32>;

    fn random<B: Backend, const D: usize>(shape: [usize; D], seed: u64) -> Tensor<B, D> {
        super::super::normal(shape, seed)
    }

    /// The value and the gradients of x, W and b of Σ (y ⊙ u) for a fixed random u, through
    /// `layer`, as bits.
    fn run(
        layer: impl Fn(Tensor<Ad, 2>, Tensor<Ad, 2>, Option<Tensor<Ad, 1>>) -> Tensor<Ad, 2>,
        with_bias: bool,
        transposed_weight: bool,
    ) -> Vec<Vec<u32>> {
        let x = random::<Ad, 2>([300, 48], 1).require_grad();
        let weight = random::<Ad, 2>([48, 20], 2).require_grad();
        let bias = random::<Ad, 1>([20], 3).require_grad();
        let upstream = random::<Ad, 2>([300, 20], 4);
        // The tied-embedding head multiplies by the transposed embedding table.
        let table = random::<Ad, 2>([20, 48], 5).require_grad();
        let w = if transposed_weight {
            table.clone().transpose()
        } else {
            weight.clone()
        };
        let y = layer(x.clone(), w, with_bias.then(|| bias.clone()));
        let grads = (y.clone() * upstream).sum().backward();
        let mut out = vec![bits(y), bits(x.grad(&grads).expect("x is tracked"))];
        out.push(bits(if transposed_weight {
            table.grad(&grads).expect("the table is tracked")
        } else {
            weight.grad(&grads).expect("W is tracked")
        }));
        if with_bias {
            out.push(bits(bias.grad(&grads).expect("b is tracked")));
        }
        out
    }

    #[test]
    fn values_and_gradients_are_burn_s_linear_bit_for_bit_at_any_thread_count() {
        for (with_bias, transposed) in [(true, false), (false, false), (false, true)] {
            let expected = run(burn::tensor::module::linear, with_bias, transposed);
            for threads in [1, 2] {
                let pool = pool(threads);
                let ours = pool.install(|| run(linear, with_bias, transposed));
                assert!(
                    ours == expected,
                    "bias {with_bias}, transposed {transposed}, {threads} threads"
                );
            }
        }
    }

    #[test]
    fn inference_values_are_burn_s_linear_bit_for_bit() {
        let x = random::<FlexF32, 2>([70, 33], 6);
        let weight = random::<FlexF32, 2>([33, 9], 7);
        let bias = random::<FlexF32, 1>([9], 8);
        let expected = burn::tensor::module::linear(x.clone(), weight.clone(), Some(bias.clone()));
        assert_eq!(bits(linear(x, weight, Some(bias))), bits(expected));
    }

    #[test]
    fn other_backends_take_burn_s_path() {
        type Nd = burn::backend::NdArray<f32>;
        let x = random::<Nd, 2>([5, 4], 9);
        let weight = random::<Nd, 2>([4, 3], 10);
        let expected = burn::tensor::module::linear(x.clone(), weight.clone(), None);
        assert_eq!(bits(linear(x, weight, None)), bits(expected));
    }
}
