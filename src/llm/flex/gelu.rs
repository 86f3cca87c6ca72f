//! The exact GELU as a custom operation of the flex backend, forward and backward, on the
//! vectorized `erf` and `exp` of [`super::fast_math`]. On autodiff it is one graph node: the
//! forward pass computes GELU′(x) beside GELU(x) (they share the `erf`) and keeps it, so the
//! backward pass is one multiplication, grad·GELU′(x); differentiating the composed formula took
//! about eight passes over the activations, and recomputing GELU′(x) from the saved input a
//! second `erf`.

use burn::backend::Autodiff;
use burn::backend::autodiff::checkpoint::base::Checkpointer;
use burn::backend::autodiff::grads::Gradients;
use burn::backend::autodiff::ops::{Backward, Ops, unary};
use burn::tensor::backend::Backend;
use burn::tensor::{DType, Tensor, TensorPrimitive};
use burn_flex::FlexTensor;

use super::{
    FlexF32, PARALLEL_GRAIN, back, cast, chunked, contiguous, f32_elements, fast_math, float,
    from_values, record_computed,
};

/// GELU of `x` through the flex kernels when `B` is flex in f32 (with or without autodiff) and
/// `x` holds f32; otherwise `Err(x)`, untouched, for the caller's generic path.
pub fn try_gelu<B: Backend, const D: usize>(x: Tensor<B, D>) -> Result<Tensor<B, D>, Tensor<B, D>> {
    if x.dtype() != DType::F32 {
        return Err(x);
    }
    let x = match cast::<Tensor<B, D>, Tensor<FlexF32, D>>(x) {
        Ok(x) => {
            let output =
                Tensor::<FlexF32, D>::from_primitive(TensorPrimitive::Float(gelu(&float(x))));
            return Ok(back(output));
        }
        Err(x) => x,
    };
    match cast::<Tensor<B, D>, Tensor<Autodiff<FlexF32>, D>>(x) {
        Ok(x) => {
            let input = x.into_primitive().tensor();
            let output = record_computed(
                GeluBackward,
                [&input],
                || gelu_with_derivative(&input.primitive),
                || gelu(&input.primitive),
            );
            Ok(back(Tensor::<Autodiff<FlexF32>, D>::from_primitive(
                TensorPrimitive::Float(output),
            )))
        }
        Err(x) => Err(x),
    }
}

/// The autodiff node: its state is GELU′(x), its backward pass grad·GELU′(x).
#[derive(Debug)]
struct GeluBackward;

impl Backward<FlexF32, 1> for GeluBackward {
    type State = FlexTensor;

    fn backward(
        self,
        ops: Ops<Self::State, 1>,
        grads: &mut Gradients,
        _checkpointer: &mut Checkpointer,
    ) {
        let derivative = ops.state;
        unary::<FlexF32, _>(ops.parents, ops.node, grads, |grad| {
            times_derivative(grad, &derivative)
        });
    }
}

/// GELU(x) elementwise, into a fresh contiguous tensor of x's shape.
fn gelu(x: &FlexTensor) -> FlexTensor {
    let x = contiguous(x.clone());
    from_values(
        fast_math::gelu(f32_elements(&x)),
        x.layout().shape().clone(),
    )
}

/// GELU(x) and GELU′(x), each a fresh contiguous tensor of x's shape.
fn gelu_with_derivative(x: &FlexTensor) -> (FlexTensor, FlexTensor) {
    let x = contiguous(x.clone());
    let (values, derivative) = fast_math::gelu_with_derivative(f32_elements(&x));
    let shape = x.layout().shape();
    (
        from_values(values, shape.clone()),
        from_values(derivative, shape.clone()),
    )
}

/// grad·GELU′(x) elementwise, in `grad`'s buffer when it holds it alone (else in a copy).
fn times_derivative(grad: FlexTensor, derivative: &FlexTensor) -> FlexTensor {
    let mut grad = contiguous(grad);
    let derivative = f32_elements(derivative);
    chunked(
        grad.storage_mut::<f32>(),
        PARALLEL_GRAIN,
        PARALLEL_GRAIN,
        |index, grad| {
            let derivative = &derivative[index * PARALLEL_GRAIN..][..grad.len()];
            for (g, &d) in grad.iter_mut().zip(derivative) {
                *g *= d;
            }
        },
    );
    grad
}

#[cfg(test)]
mod tests {
    use super::*;
    use burn::backend::NdArray;
    use burn::tensor::TensorData;

    #[test]
    fn other_backends_are_handed_back() {
        let x = Tensor::<NdArray<f32>, 1>::from_floats([0.5, -1.0], &Default::default());
        assert!(try_gelu(x).is_err());
        let x = Tensor::<Autodiff<NdArray<f32>>, 1>::from_floats([0.5], &Default::default());
        assert!(try_gelu(x).is_err());
        let x = Tensor::<FlexF32, 1>::from_floats([0.5], &Default::default());
        assert!(try_gelu(x).is_ok());
        let x = Tensor::<Autodiff<FlexF32>, 1>::from_floats([0.5], &Default::default());
        assert!(try_gelu(x).is_ok());
    }

    /// A strided (transposed) input gives the same values and gradients as its contiguous copy.
    #[test]
    fn strided_inputs_are_read_in_logical_order() {
        let device = Default::default();
        let values: Vec<f32> = (0..12).map(|i| i as f32 * 0.37 - 2.0).collect();
        let x = Tensor::<Autodiff<FlexF32>, 2>::from_data(TensorData::new(values, [3, 4]), &device)
            .require_grad();
        let strided = try_gelu(x.clone().transpose()).expect("flex");
        let reference =
            Tensor::<Autodiff<FlexF32>, 2>::from_data(x.clone().transpose().into_data(), &device)
                .require_grad();
        let expected = try_gelu(reference.clone()).expect("flex");
        assert_eq!(strided.clone().into_data(), expected.clone().into_data());
        let weights = Tensor::<Autodiff<FlexF32>, 2>::from_data(
            TensorData::new(
                (0..12).map(|i| 1.0 + i as f32).collect::<Vec<f32>>(),
                [4, 3],
            ),
            &device,
        );
        let grads = (strided * weights.clone()).sum().backward();
        let gradient = x.grad(&grads).expect("gradient").transpose().into_data();
        let grads = (expected * weights).sum().backward();
        let reference_gradient = reference.grad(&grads).expect("gradient").into_data();
        assert_eq!(gradient, reference_gradient);
    }
}
