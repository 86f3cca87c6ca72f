//! Causal scaled-dot-product attention (Vaswani et al. 2017) as a custom operation of the flex
//! backend: O = softmax(mask(Q·Kᵀ·s))·V with s = 1/√d_head, where query i (absolute position
//! `offset + i`) sees key j only if j ≤ offset + i. The matrix products are flex's gemm calls
//! spread over the rayon pool's threads ([`super::matmul`]); the scaling, the mask and the softmax
//! are one sweep over the scores' memory (each row is read a few times while it is in cache), and
//! on autodiff the operation
//! is one graph node whose backward pass is written out (P the probabilities, dO the incoming
//! gradient):
//!
//! dV = Pᵀ·dO,  dP = dO·Vᵀ,  dS = s·P ⊙ (dP − rowsum(P ⊙ dP)),  dQ = dS·K,  d(Kᵀ) = Qᵀ·dS.
//!
//! Composed from burn's operations (scale, `mask_fill` with an expanded mask, a five-pass softmax,
//! and autodiff's backward of each) the same attention took about four times as long outside its
//! matrix products on the `small` preset.

use burn::backend::Autodiff;
use burn::backend::autodiff::checkpoint::base::Checkpointer;
use burn::backend::autodiff::grads::Gradients;
use burn::backend::autodiff::ops::{Backward, Ops};
use burn::tensor::backend::Backend;
use burn::tensor::{DType, Shape, Tensor, TensorPrimitive};
use burn_flex::{FlexTensor, Layout};

use super::fast_math::{exp_nonpositive, wide_kernel};
use super::matmul::{matmul, matmul_merging_heads, matmuls_merging_heads};
use super::{FlexF32, PARALLEL_GRAIN, back, cast, chunked, contiguous, record};

/// Queries `[batch, heads, time, head_dim]`, transposed keys `[batch, heads, head_dim, total]`
/// and values `[batch, heads, total, head_dim]`.
pub type Inputs<B> = (Tensor<B, 4>, Tensor<B, 4>, Tensor<B, 4>);

/// The attention output `[batch, heads, time, head_dim]` through the flex operation when `B` is
/// flex in f32 (with or without autodiff), the inputs hold f32, share their batch and head
/// dimensions (no broadcasting: the backward pass does not reduce over broadcast dimensions) and
/// none is empty; otherwise the inputs, untouched, for the caller's generic path. `scale`
/// multiplies the scores (1/√head_dim).
pub fn try_causal_attention<B: Backend>(
    inputs: Inputs<B>,
    offset: usize,
    scale: f32,
) -> Result<Tensor<B, 4>, Inputs<B>> {
    let ([b, h, time, head_dim], keys, values) =
        (inputs.0.dims(), inputs.1.dims(), inputs.2.dims());
    let shapes_match =
        keys == [b, h, head_dim, values[2]] && values[..2] == [b, h] && values[3] == head_dim;
    let empty = [b, h, time, head_dim, values[2]].contains(&0);
    if !shapes_match
        || empty
        || [&inputs.0, &inputs.1, &inputs.2]
            .iter()
            .any(|x| x.dtype() != DType::F32)
    {
        return Err(inputs);
    }
    let inputs = match cast::<Inputs<B>, Inputs<FlexF32>>(inputs) {
        Ok((queries, keys_transposed, values)) => {
            let probabilities = probabilities(queries, keys_transposed, offset, scale);
            return Ok(back(matmul(probabilities, values)));
        }
        Err(inputs) => inputs,
    };
    let (queries, keys_transposed, values) = cast::<Inputs<B>, Inputs<Autodiff<FlexF32>>>(inputs)?;
    let [queries, keys_transposed, values] =
        [queries, keys_transposed, values].map(|x| x.into_primitive().tensor());
    let probabilities = probabilities(
        float(queries.primitive.clone()),
        float(keys_transposed.primitive.clone()),
        offset,
        scale,
    );
    let output = matmul(probabilities.clone(), float(values.primitive.clone()))
        .into_primitive()
        .tensor();
    let parents = [&queries, &keys_transposed, &values];
    let output = record(AttentionBackward, parents, output, || AttentionState {
        queries: queries.primitive.clone(),
        keys_transposed: keys_transposed.primitive.clone(),
        values: values.primitive.clone(),
        probabilities: probabilities.into_primitive().tensor(),
        offset,
        scale,
    });
    Ok(back(Tensor::<Autodiff<FlexF32>, 4>::from_primitive(
        TensorPrimitive::Float(output),
    )))
}

/// Multi-head self-attention over a whole sequence from its fused projection: `qkv`
/// `[batch, time, 3·d_model]` (queries, keys and values side by side, each `n_heads` heads of
/// `d_model / n_heads`) to the context `[batch, time, d_model]` with the heads merged, query i
/// seeing keys 0..=i — [`try_causal_attention`] at offset 0 with the head split and merge inside
/// the operation: the heads are read as strided views of `qkv` (flex's matrix products take
/// strides), and on autodiff the gradient of `qkv` is written into one buffer, where splitting
/// with `narrow`, `reshape` and `swap_dims` copies each part forward and backward. `Err(qkv)`,
/// untouched, when `B` is not flex in f32, `qkv` is not f32, is empty, or its width is not
/// 3·n_heads·head_dim.
pub fn try_self_attention<B: Backend>(
    qkv: Tensor<B, 3>,
    n_heads: usize,
    scale: f32,
) -> Result<Tensor<B, 3>, Tensor<B, 3>> {
    let [batch, time, width] = qkv.dims();
    if qkv.dtype() != DType::F32
        || n_heads == 0
        || !width.is_multiple_of(3 * n_heads)
        || [batch, time, width].contains(&0)
    {
        return Err(qkv);
    }
    let qkv = match cast::<Tensor<B, 3>, Tensor<FlexF32, 3>>(qkv) {
        Ok(qkv) => {
            let qkv = contiguous(qkv.into_primitive().tensor());
            let probabilities = self_probabilities(&qkv, n_heads, scale);
            let values = head(&qkv, Part::Values, n_heads);
            return Ok(back(matmul_merging_heads(probabilities, values)));
        }
        Err(qkv) => qkv,
    };
    let qkv = cast::<Tensor<B, 3>, Tensor<Autodiff<FlexF32>, 3>>(qkv)?;
    let qkv = qkv.into_primitive().tensor();
    let input = contiguous(qkv.primitive.clone());
    let probabilities = self_probabilities(&input, n_heads, scale);
    let output = matmul_merging_heads(probabilities.clone(), head(&input, Part::Values, n_heads));
    let output = output.into_primitive().tensor();
    let output = record(SelfAttentionBackward, [&qkv], output, || {
        SelfAttentionState {
            qkv: input,
            probabilities: probabilities.into_primitive().tensor(),
            n_heads,
            scale,
        }
    });
    Ok(back(Tensor::<Autodiff<FlexF32>, 3>::from_primitive(
        TensorPrimitive::Float(output),
    )))
}

/// Which third of the fused projection.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Part {
    Queries = 0,
    Keys = 1,
    Values = 2,
}

/// One part of a contiguous `qkv` `[batch, time, 3·d]` as a strided view `[batch, heads, time,
/// head_dim]` (no copy). flex's matrix products do not bounds-check strided views, so the view is
/// only valid over an exact contiguous buffer, which both callers pass.
fn head(qkv: &FlexTensor, part: Part, n_heads: usize) -> Tensor<FlexF32, 4> {
    let shape = qkv.layout().shape();
    let (batch, time, width) = (shape[0], shape[1], shape[2]);
    debug_assert!(
        qkv.as_slice::<f32>().map(<[f32]>::len) == Some(batch * time * width)
            && qkv.bytes().len() == 4 * batch * time * width,
        "head views need an exact contiguous f32 buffer"
    );
    let head_dim = width / 3 / n_heads;
    let strides = vec![
        (time * width) as isize,
        head_dim as isize,
        width as isize,
        1,
    ];
    let layout = Layout::new(
        Shape::new([batch, n_heads, time, head_dim]),
        strides,
        part as usize * width / 3,
    );
    float(qkv.clone().with_layout(layout))
}

/// P = softmax(mask(Q·Kᵀ·scale)) for the heads of `qkv`, `[batch, heads, time, time]`.
fn self_probabilities(qkv: &FlexTensor, n_heads: usize, scale: f32) -> Tensor<FlexF32, 4> {
    let queries = head(qkv, Part::Queries, n_heads);
    let keys_transposed = head(qkv, Part::Keys, n_heads).swap_dims(2, 3);
    probabilities(queries, keys_transposed, 0, scale)
}

/// What the backward pass of [`try_self_attention`] needs: its contiguous input and P.
#[derive(Clone, Debug)]
struct SelfAttentionState {
    qkv: FlexTensor,
    probabilities: FlexTensor,
    n_heads: usize,
    scale: f32,
}

/// The autodiff node of [`try_self_attention`].
#[derive(Debug)]
struct SelfAttentionBackward;

impl Backward<FlexF32, 1> for SelfAttentionBackward {
    type State = SelfAttentionState;

    fn backward(
        self,
        ops: Ops<Self::State, 1>,
        grads: &mut Gradients,
        _checkpointer: &mut Checkpointer,
    ) {
        let state = ops.state;
        let context_grad: Tensor<FlexF32, 3> =
            Tensor::from_primitive(TensorPrimitive::Float(grads.consume::<FlexF32>(&ops.node)));
        let [node] = ops.parents;
        let Some(node) = node else { return };
        let (qkv, n_heads) = (&state.qkv, state.n_heads);
        let [batch, time, d_model] = context_grad.dims();
        let output_grad = context_grad
            .reshape([batch, time, n_heads, d_model / n_heads])
            .swap_dims(1, 2);
        let [queries, keys, values] =
            [Part::Queries, Part::Keys, Part::Values].map(|part| head(qkv, part, n_heads));
        let probabilities = float(state.probabilities);
        let scores_grad = scores_gradient(
            probabilities.clone(),
            output_grad.clone(),
            values,
            (0, state.scale),
        );
        // dQ = dS·K, dK = dSᵀ·Q and dV = Pᵀ·dO, written straight into one [batch, time, 3·d]
        // buffer laid out like `qkv`.
        let qkv_grad = matmuls_merging_heads([
            (scores_grad.clone(), keys),
            (scores_grad.swap_dims(2, 3), queries),
            (probabilities.swap_dims(2, 3), output_grad),
        ]);
        grads.register::<FlexF32>(node.id, qkv_grad.into_primitive().tensor());
    }
}

/// What the backward pass needs: the inputs and the probabilities P.
#[derive(Clone, Debug)]
struct AttentionState {
    queries: FlexTensor,
    keys_transposed: FlexTensor,
    values: FlexTensor,
    probabilities: FlexTensor,
    offset: usize,
    scale: f32,
}

/// The autodiff node of [`try_causal_attention`].
#[derive(Debug)]
struct AttentionBackward;

impl Backward<FlexF32, 3> for AttentionBackward {
    type State = AttentionState;

    fn backward(
        self,
        ops: Ops<Self::State, 3>,
        grads: &mut Gradients,
        _checkpointer: &mut Checkpointer,
    ) {
        let state = ops.state;
        let output_grad = float(grads.consume::<FlexF32>(&ops.node));
        let inputs = [
            float(state.queries),
            float(state.keys_transposed).swap_dims(2, 3),
            float(state.values),
        ];
        let wanted = ops.parents.each_ref().map(Option::is_some);
        let gradients = attention_gradients(
            inputs,
            float(state.probabilities),
            output_grad,
            (state.offset, state.scale),
            wanted,
        );
        for (index, (node, grad)) in ops.parents.into_iter().zip(gradients).enumerate() {
            if let (Some(node), Some(grad)) = (node, grad) {
                // The keys' parent is Kᵀ: its gradient is dKᵀ.
                let grad = if index == 1 {
                    grad.swap_dims(2, 3)
                } else {
                    grad
                };
                grads.register::<FlexF32>(node.id, grad.into_primitive().tensor());
            }
        }
    }
}

/// The backward pass of O = P·V, P = softmax(mask(Q·Kᵀ·scale)), from the incoming dO and
/// `[Q, K, V]` (each `[batch, heads, time or total, head_dim]`): `[dQ, dK, dV]` in the same
/// layout, those `wanted` only — dV = Pᵀ·dO, dS = scale·P ⊙ (dP − rowsum(P ⊙ dP)) with
/// dP = dO·Vᵀ, dQ = dS·K, dK = dSᵀ·Q, with the forward pass's causal offset and scale.
fn attention_gradients(
    [queries, keys, values]: [Tensor<FlexF32, 4>; 3],
    probabilities: Tensor<FlexF32, 4>,
    output_grad: Tensor<FlexF32, 4>,
    (offset, scale): (usize, f32),
    wanted: [bool; 3],
) -> [Option<Tensor<FlexF32, 4>>; 3] {
    let values_grad =
        wanted[2].then(|| matmul(probabilities.clone().swap_dims(2, 3), output_grad.clone()));
    if !wanted[0] && !wanted[1] {
        return [None, None, values_grad];
    }
    let scores_grad = scores_gradient(probabilities, output_grad, values, (offset, scale));
    let queries_grad = wanted[0].then(|| matmul(scores_grad.clone(), keys));
    let keys_grad = wanted[1].then(|| matmul(scores_grad.swap_dims(2, 3), queries));
    [queries_grad, keys_grad, values_grad]
}

/// dS = scale·P ⊙ (dP − rowsum(P ⊙ dP)) with dP = dO·Vᵀ, the gradient of the scaled, masked
/// scores.
fn scores_gradient(
    probabilities: Tensor<FlexF32, 4>,
    output_grad: Tensor<FlexF32, 4>,
    values: Tensor<FlexF32, 4>,
    (offset, scale): (usize, f32),
) -> Tensor<FlexF32, 4> {
    let probabilities_grad = matmul(output_grad, values.swap_dims(2, 3));
    softmax_backward(probabilities, probabilities_grad, offset, scale)
}

/// A flex primitive as a tensor.
fn float(x: FlexTensor) -> Tensor<FlexF32, 4> {
    Tensor::from_primitive(TensorPrimitive::Float(x))
}

/// P = softmax(mask(Q·Kᵀ·scale)) over the last dimension, `[batch, heads, time, total]`.
fn probabilities(
    queries: Tensor<FlexF32, 4>,
    keys_transposed: Tensor<FlexF32, 4>,
    offset: usize,
    scale: f32,
) -> Tensor<FlexF32, 4> {
    let [_, _, time, total] = [
        queries.dims()[0],
        queries.dims()[1],
        queries.dims()[2],
        keys_transposed.dims()[3],
    ];
    let mut scores = contiguous(matmul(queries, keys_transposed).into_primitive().tensor());
    // `contiguous` made the buffer exactly the elements, held once (a fresh product), so this
    // writes in place.
    causal_softmax_rows(scores.storage_mut::<f32>(), time, total, offset, scale);
    float(scores)
}

/// dS = scale·P ⊙ (dP − rowsum(P ⊙ dP)), `[batch, heads, time, total]`.
fn softmax_backward(
    probabilities: Tensor<FlexF32, 4>,
    probabilities_grad: Tensor<FlexF32, 4>,
    offset: usize,
    scale: f32,
) -> Tensor<FlexF32, 4> {
    let [_, _, time, total] = probabilities.dims();
    let probabilities = contiguous(probabilities.into_primitive().tensor());
    let mut grad = contiguous(probabilities_grad.into_primitive().tensor());
    causal_softmax_backward_rows(
        super::f32_elements(&probabilities),
        grad.storage_mut::<f32>(),
        time,
        total,
        offset,
        scale,
    );
    float(grad)
}

/// The number of keys row `row` of a `[…, time, total]` score block sees: keys `0..=offset + i`
/// for its query i = row mod time, at most `total`.
#[inline(always)]
fn visible(row: usize, time: usize, total: usize, offset: usize) -> usize {
    (offset + row % time + 1).min(total)
}

/// In place, row by row of `total` scores: scale, softmax over the visible keys, 0 for the hidden.
/// The `[time, total]` blocks (one per batch entry and head) go to the rayon pool's threads; each
/// row is computed the same way whichever thread takes it.
fn causal_softmax_rows(scores: &mut [f32], time: usize, total: usize, offset: usize, scale: f32) {
    chunked(scores, time * total, PARALLEL_GRAIN, |_, scores| {
        softmax_block(scores, time, total, offset, scale);
    });
}

wide_kernel! {
    /// [`causal_softmax_rows`] on one `[time, total]` block.
    fn softmax_block(scores: &mut [f32], time: usize, total: usize, offset: usize, scale: f32) {
        for (row, values) in scores.chunks_exact_mut(total).enumerate() {
            let (seen, hidden) = values.split_at_mut(visible(row, time, total, offset));
            for value in seen.iter_mut() {
                *value *= scale;
            }
            let max = seen.iter().copied().fold(f32::NEG_INFINITY, f32::max);
            for value in seen.iter_mut() {
                *value = exp_nonpositive(*value - max);
            }
            let sum: f32 = seen.iter().sum();
            for value in seen.iter_mut() {
                *value /= sum;
            }
            hidden.fill(0.0);
        }
    }
}

/// In place, row by row: `grad` ← scale·p ⊙ (grad − ⟨p, grad⟩) over the visible keys, 0 elsewhere;
/// the blocks in parallel as in [`causal_softmax_rows`].
fn causal_softmax_backward_rows(
    probabilities: &[f32],
    grad: &mut [f32],
    time: usize,
    total: usize,
    offset: usize,
    scale: f32,
) {
    let block = time * total;
    chunked(grad, block, PARALLEL_GRAIN, |index, grad| {
        let probabilities = &probabilities[index * block..][..grad.len()];
        softmax_backward_block(probabilities, grad, time, total, offset, scale);
    });
}

wide_kernel! {
    /// [`causal_softmax_backward_rows`] on one block.
    fn softmax_backward_block(
        probabilities: &[f32],
        grad: &mut [f32],
        time: usize,
        total: usize,
        offset: usize,
        scale: f32,
    ) {
        let rows = probabilities
            .chunks_exact(total)
            .zip(grad.chunks_exact_mut(total));
        for (row, (p, g)) in rows.enumerate() {
            let (seen, hidden) = g.split_at_mut(visible(row, time, total, offset));
            let dot: f32 = p.iter().zip(seen.iter()).map(|(p, g)| p * g).sum();
            for (g, &p) in seen.iter_mut().zip(p) {
                *g = scale * p * (*g - dot);
            }
            hidden.fill(0.0);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::llm::attention::causal_attention_composed;
    use burn::tensor::{Distribution, Tolerance};

    type Ad = Autodiff<FlexF32>;

    fn random(shape: [usize; 4], seed: u64) -> Tensor<Ad, 4> {
        let device = Default::default();
        Ad::seed(&device, seed);
        Tensor::random(shape, Distribution::Normal(0.0, 1.0), &device).require_grad()
    }

    /// The flex operation against burn's composed operations: outputs and the gradients of a
    /// weighted sum with respect to every input, for a prefill (time = total) and for decoding
    /// steps into a partly filled key/value buffer (keys from offset + 1 on hidden).
    #[test]
    fn matches_the_composed_attention_and_its_gradients() {
        let (batch, heads, head_dim) = (2, 3, 4);
        for (time, total, offset) in [(5, 5, 0), (1, 8, 3), (2, 8, 5), (3, 3, 0)] {
            let queries = random([batch, heads, time, head_dim], 1);
            let keys_transposed = random([batch, heads, head_dim, total], 2);
            let values = random([batch, heads, total, head_dim], 3);
            let weights = random([batch, heads, time, head_dim], 4).detach();
            let scale = 0.5;
            let inputs = (queries.clone(), keys_transposed.clone(), values.clone());
            let fused = try_causal_attention(inputs.clone(), offset, scale).expect("flex");
            let composed = causal_attention_composed(inputs, offset, scale);
            let tolerance = Tolerance::<f32>::absolute(2e-6);
            fused
                .clone()
                .into_data()
                .assert_approx_eq(&composed.clone().into_data(), tolerance);
            let fused_grads = (fused * weights.clone()).sum().backward();
            let composed_grads = (composed * weights).sum().backward();
            for input in [&queries, &keys_transposed, &values] {
                let fused = input.grad(&fused_grads).expect("gradient").into_data();
                let composed = input.grad(&composed_grads).expect("gradient").into_data();
                fused.assert_approx_eq(&composed, Tolerance::<f32>::absolute(1e-5));
            }
        }
    }

    /// The whole-sequence operation on the fused projection against splitting it into heads with
    /// burn's operations and the composed attention: output and the gradient of `qkv`.
    #[test]
    fn self_attention_matches_the_split_composed_path() {
        let (batch, time, heads, head_dim) = (2, 5, 3, 4);
        let d_model = heads * head_dim;
        let qkv = random3([batch, time, 3 * d_model], 8);
        let weights = random3([batch, time, d_model], 9).detach();
        let split = |start: usize| {
            qkv.clone()
                .narrow(2, start, d_model)
                .reshape([batch, time, heads, head_dim])
                .swap_dims(1, 2)
        };
        let inputs = (split(0), split(d_model).swap_dims(2, 3), split(2 * d_model));
        let composed = causal_attention_composed(inputs, 0, 0.5)
            .swap_dims(1, 2)
            .reshape([batch, time, d_model]);
        let fused = try_self_attention(qkv.clone(), heads, 0.5).expect("flex");
        fused.clone().into_data().assert_approx_eq(
            &composed.clone().into_data(),
            Tolerance::<f32>::absolute(2e-6),
        );
        let fused_grad = qkv.grad(&(fused * weights.clone()).sum().backward());
        let composed_grad = qkv.grad(&(composed * weights).sum().backward());
        fused_grad.expect("gradient").into_data().assert_approx_eq(
            &composed_grad.expect("gradient").into_data(),
            Tolerance::<f32>::absolute(1e-5),
        );
        let inference = try_self_attention(qkv.clone().inner(), heads, 0.5).expect("flex");
        let training = try_self_attention(qkv, heads, 0.5).expect("flex");
        assert_eq!(inference.into_data(), training.inner().into_data());
    }

    /// The fused projection's gradient, written in one buffer by the self-attention operation,
    /// bit for bit that of the general operation on the split heads (its products one by one,
    /// the split differentiated by burn) — at the model's shapes, on 1, 2 and 3 threads.
    #[test]
    fn self_attention_gradient_has_the_split_operation_s_bits() {
        let (batch, time, heads, head_dim) = (16, 64, 4, 32);
        let d_model = heads * head_dim;
        let qkv = random3([batch, time, 3 * d_model], 10);
        let weights = random3([batch, time, d_model], 11).detach();
        let gradient = |fused: bool| {
            let qkv = qkv.clone().detach().require_grad();
            let split = |start: usize| {
                qkv.clone()
                    .narrow(2, start, d_model)
                    .reshape([batch, time, heads, head_dim])
                    .swap_dims(1, 2)
            };
            let output = if fused {
                try_self_attention(qkv.clone(), heads, 0.25).expect("flex")
            } else {
                let inputs = (split(0), split(d_model).swap_dims(2, 3), split(2 * d_model));
                try_causal_attention(inputs, 0, 0.25)
                    .expect("flex")
                    .swap_dims(1, 2)
                    .reshape([batch, time, d_model])
            };
            let grads = (output * weights.clone()).sum().backward();
            super::super::bits(qkv.grad(&grads).expect("gradient"))
        };
        let expected = gradient(false);
        for threads in [1, 2, 3] {
            let ours = super::super::pool(threads).install(|| gradient(true));
            assert!(ours == expected, "at {threads} threads");
        }
    }

    fn random3(shape: [usize; 3], seed: u64) -> Tensor<Ad, 3> {
        let device = Default::default();
        Ad::seed(&device, seed);
        Tensor::random(shape, Distribution::Normal(0.0, 1.0), &device).require_grad()
    }

    /// With only the values tracked, their gradient alone is registered, equal to the composed
    /// path's.
    #[test]
    fn values_alone_get_their_gradient() {
        let queries = random([1, 2, 3, 4], 14).set_require_grad(false);
        let keys_transposed = random([1, 2, 4, 3], 15).set_require_grad(false);
        let values = random([1, 2, 3, 4], 16);
        let inputs = (queries.clone(), keys_transposed.clone(), values.clone());
        let fused = try_causal_attention(inputs.clone(), 0, 0.5).expect("flex");
        let composed = causal_attention_composed(inputs, 0, 0.5);
        let fused_grads = fused.sum().backward();
        let composed_grads = composed.sum().backward();
        assert!(queries.grad(&fused_grads).is_none());
        let fused = values.grad(&fused_grads).expect("gradient").into_data();
        let composed = values.grad(&composed_grads).expect("gradient").into_data();
        fused.assert_approx_eq(&composed, Tolerance::<f32>::absolute(1e-5));
    }

    /// Broadcast batch dimensions and empty inputs go to the generic path.
    #[test]
    fn broadcast_and_empty_inputs_are_handed_back() {
        let broadcast = (
            random([2, 1, 3, 4], 10),
            random([1, 1, 4, 3], 11),
            random([1, 1, 3, 4], 12),
        );
        assert!(try_causal_attention(broadcast, 0, 0.5).is_err());
        let empty = (
            random([2, 1, 0, 4], 10),
            random([2, 1, 4, 0], 11),
            random([2, 1, 0, 4], 12),
        );
        assert!(try_causal_attention(empty, 0, 0.5).is_err());
        assert!(try_self_attention(random3([2, 0, 12], 13), 2, 0.5).is_err());
        assert!(try_self_attention(random3([2, 3, 12], 13), 5, 0.5).is_err());
    }

    /// Inference (no autodiff) gives the autodiff path's values.
    #[test]
    fn inference_path_gives_the_same_values() {
        let queries = random([1, 2, 4, 4], 5);
        let keys_transposed = random([1, 2, 4, 4], 6);
        let values = random([1, 2, 4, 4], 7);
        let plain = |x: &Tensor<Ad, 4>| x.clone().inner();
        let inference = try_causal_attention(
            (plain(&queries), plain(&keys_transposed), plain(&values)),
            0,
            0.5,
        )
        .expect("flex");
        let training =
            try_causal_attention((queries, keys_transposed, values), 0, 0.5).expect("flex");
        assert_eq!(inference.into_data(), training.inner().into_data());
    }

    #[test]
    fn rows_are_distributions_over_the_visible_keys() {
        let (time, total, offset) = (3, 6, 2);
        let mut scores: Vec<f32> = (0..time * total).map(|i| (i as f32 * 0.7).sin()).collect();
        causal_softmax_rows(&mut scores, time, total, offset, 0.3);
        for (i, row) in scores.chunks(total).enumerate() {
            let seen = offset + i + 1;
            assert!((row[..seen].iter().sum::<f32>() - 1.0).abs() < 1e-6);
            assert!(row[..seen].iter().all(|&p| p > 0.0));
            assert!(row[seen..].iter().all(|&p| p == 0.0));
        }
    }
}
