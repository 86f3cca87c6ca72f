//! Custom operations on burn 0.21's flex CPU backend in f32 (the default build's
//! [`crate::llm::backend::Inference`], and [`crate::llm::backend::Training`] on top of it), where
//! composing burn's tensor operations costs most of a training pass in memory traffic and scalar
//! math rather than in matrix products:
//!
//! - [`gelu`]: the exact GELU and its derivative in one pass each, on the vectorized `erf` and
//!   `exp` of [`fast_math`] (flex's own GELU calls libm's scalar `erff`);
//! - [`attention`]: causal scaled-dot-product attention whose scaling, causal mask and softmax
//!   are one pass over the scores, with a hand-written backward pass;
//! - [`layer_norm`]: layer normalization, forward and backward in two passes each by blocks of
//!   rows (burn composes it from ten operations on autodiff);
//! - [`linear`]: the linear layer, whose matrix products ([`matmul`]) run on every thread of the
//!   rayon pool with the bits of flex's single-threaded ones;
//! - [`slice_write`]: the key/value cache's write, in place (flex's `slice_assign` copies the
//!   whole buffer).
//!
//! The model code stays generic over the backend: each operation's `try_*` entry point recognises
//! the two flex backends by their type (`std::any::Any`, no unsafe code) and hands any other
//! backend's tensors back for the generic path. On autodiff each operation is one graph node,
//! written against burn-autodiff's `Backward` trait the way burn writes its own operations.

pub mod attention;
pub mod fast_math;
pub mod gelu;
pub mod layer_norm;
pub mod linear;
pub mod matmul;
pub mod slice_write;

use std::any::Any;

use rayon::prelude::*;

use burn::backend::autodiff::checkpoint::strategy::NoCheckpointing;
use burn::backend::autodiff::ops::{Backward, OpsKind};
use burn::backend::{Autodiff, Flex};
use burn::tensor::backend::Backend;
use burn::tensor::ops::FloatTensor;
use burn::tensor::{Tensor, TensorData, TensorPrimitive};
use burn_flex::FlexTensor;

/// Elements per rayon task in the elementwise passes (GELU, the attention softmax): about 30 µs
/// of work at a few nanoseconds an element, against a task's few microseconds of overhead.
pub const PARALLEL_GRAIN: usize = 1 << 14;

/// `kernel(index, chunk)` on each `chunk`-element piece of `output` in order (the last may be
/// shorter), on the rayon pool's threads when `output` holds at least four tasks of `grain`
/// elements and the pool has more than one thread, else on the calling thread: handing work to
/// the pool from outside it costs a thread wake-up, more than a decoding step's small
/// operations take (a decoding step's GELU, 64 rows × 512, stays on the calling thread). Which
/// thread runs a piece never changes what it computes.
pub(crate) fn chunked<T: Send>(
    output: &mut [T],
    chunk: usize,
    grain: usize,
    kernel: impl Fn(usize, &mut [T]) + Send + Sync,
) {
    let chunk = chunk.max(1);
    if worth_the_pool(output.len(), grain) {
        output
            .par_chunks_mut(chunk)
            .enumerate()
            .with_min_len(grain.div_ceil(chunk))
            .for_each(|(index, piece)| kernel(index, piece));
    } else {
        for (index, piece) in output.chunks_mut(chunk).enumerate() {
            kernel(index, piece);
        }
    }
}

/// [`chunked`] for two outputs cut into the same number of pieces (`first` by `first_chunk`,
/// `second` by `second_chunk` elements), one piece of each per task: `kernel(index, first piece,
/// second piece)`, on the pool from four pieces up.
pub(crate) fn chunked_pair(
    first: &mut [f32],
    first_chunk: usize,
    second: &mut [f32],
    second_chunk: usize,
    kernel: impl Fn(usize, &mut [f32], &mut [f32]) + Send + Sync,
) {
    let (first_chunk, second_chunk) = (first_chunk.max(1), second_chunk.max(1));
    if worth_the_pool(first.len(), first_chunk) {
        first
            .par_chunks_mut(first_chunk)
            .zip(second.par_chunks_mut(second_chunk))
            .enumerate()
            .for_each(|(index, (a, b))| kernel(index, a, b));
    } else {
        let pieces = first
            .chunks_mut(first_chunk)
            .zip(second.chunks_mut(second_chunk));
        for (index, (a, b)) in pieces.enumerate() {
            kernel(index, a, b);
        }
    }
}

/// Whether `len` elements in tasks of `grain` are worth handing to the pool: at least four tasks,
/// and more than one thread.
fn worth_the_pool(len: usize, grain: usize) -> bool {
    len >= 4 * grain && rayon::current_num_threads() > 1
}

/// The flex backend in f32, as [`crate::llm::backend`] builds it.
pub(crate) type FlexF32 = Flex<f32>;

/// Whether `B` is the flex backend in f32 (without autodiff).
pub fn is_flex<B: Backend>() -> bool {
    std::any::TypeId::of::<B>() == std::any::TypeId::of::<FlexF32>()
}

/// `value` as a `T` if `A` is `T`, else `Err(value)`: a type test on `'static` types, safe code.
pub(crate) fn cast<A: 'static, T: 'static>(value: A) -> Result<T, A> {
    let mut slot = Some(value);
    let taken = (&mut slot as &mut dyn Any)
        .downcast_mut::<Option<T>>()
        .and_then(Option::take);
    match (taken, slot) {
        (Some(value), _) => Ok(value),
        (None, Some(value)) => Err(value),
        // A successful downcast takes the value; a failed one leaves it in the slot.
        (None, None) => unreachable!("the value is either cast or left in place"),
    }
}

/// A tensor of backend `C` as one of backend `B`, where the caller knows `B` is `C` (it has just
/// cast another tensor from one to the other), so the cast cannot fail.
pub(crate) fn back<C: Backend, B: Backend, const D: usize>(tensor: Tensor<C, D>) -> Tensor<B, D> {
    match cast::<Tensor<C, D>, Tensor<B, D>>(tensor) {
        Ok(tensor) => tensor,
        Err(_) => unreachable!("B is C: the caller cast a Tensor<B, D> to Tensor<C, D>"),
    }
}

/// `x` with offset 0 and canonical strides over exactly its elements: `x` itself when it is so
/// already (keeping it uniquely held if it was), else a copy.
pub(crate) fn contiguous(x: FlexTensor) -> FlexTensor {
    let exact = x.as_slice::<f32>().map(<[f32]>::len) == Some(x.layout().num_elements())
        && x.layout().start_offset() == 0
        && x.bytes().len() == 4 * x.layout().num_elements();
    if exact { x } else { x.to_contiguous() }
}

/// The elements of a tensor made by [`contiguous`] from an f32 tensor, in order.
pub(crate) fn f32_elements(x: &FlexTensor) -> &[f32] {
    // `contiguous` returned offset 0 and canonical strides over the whole buffer, and the callers
    // admit f32 tensors only (checked by each `try_*` entry point), so `as_slice` returns Some.
    x.as_slice::<f32>()
        .expect("a contiguous f32 tensor (checked by the try_* entry point)")
}

/// `output`, computed from `parents`, as one node of the autodiff graph whose backward pass is
/// `operation` with the state `state()` (built only when some parent is tracked).
pub(crate) fn record<O: Backward<FlexF32, N>, const N: usize>(
    operation: O,
    parents: [&FloatTensor<Autodiff<FlexF32>>; N],
    output: FlexTensor,
    state: impl FnOnce() -> O::State,
) -> FloatTensor<Autodiff<FlexF32>> {
    let nodes = parents.map(|parent| parent.node.clone());
    match operation
        .prepare::<NoCheckpointing>(nodes)
        .compute_bound()
        .stateful()
    {
        OpsKind::Tracked(prep) => prep.finish(state(), output),
        OpsKind::UnTracked(prep) => prep.finish(output),
    }
}

/// [`record`] for an operation whose output and backward state come out of one computation:
/// `tracked()` gives both when some parent is tracked, else `untracked()` gives the output alone.
pub(crate) fn record_computed<O: Backward<FlexF32, N>, const N: usize>(
    operation: O,
    parents: [&FloatTensor<Autodiff<FlexF32>>; N],
    tracked: impl FnOnce() -> (FlexTensor, O::State),
    untracked: impl FnOnce() -> FlexTensor,
) -> FloatTensor<Autodiff<FlexF32>> {
    let nodes = parents.map(|parent| parent.node.clone());
    match operation
        .prepare::<NoCheckpointing>(nodes)
        .compute_bound()
        .stateful()
    {
        OpsKind::Tracked(prep) => {
            let (output, state) = tracked();
            prep.finish(state, output)
        }
        OpsKind::UnTracked(prep) => prep.finish(untracked()),
    }
}

/// The primitive of a flex float tensor.
pub(crate) fn float<const D: usize>(x: Tensor<FlexF32, D>) -> FlexTensor {
    x.into_primitive().tensor()
}

/// A flex primitive as a tensor of rank `D`.
pub(crate) fn tensor<const D: usize>(x: FlexTensor) -> Tensor<FlexF32, D> {
    Tensor::from_primitive(TensorPrimitive::Float(x))
}

/// A contiguous flex tensor of `shape` holding `values`.
pub(crate) fn from_values(values: Vec<f32>, shape: burn::tensor::Shape) -> FlexTensor {
    FlexTensor::from_data(TensorData::new(values, shape))
}

/// A tensor of standard normal draws from its own seeded generator (burn's backend seed is one
/// global, which tests running at once would share).
#[cfg(test)]
pub(crate) fn normal<B: Backend, const D: usize>(shape: [usize; D], seed: u64) -> Tensor<B, D> {
    use rand::SeedableRng;
    use rand_distr::Distribution;
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed);
    let values: Vec<f32> = (0..shape.iter().product::<usize>())
        .map(|_| rand_distr::StandardNormal.sample(&mut rng))
        .collect();
    Tensor::from_data(TensorData::new(values, shape), &Default::default())
}

/// A rayon pool of `threads` threads, for tests that compare thread counts.
#[cfg(test)]
pub(crate) fn pool(threads: usize) -> rayon::ThreadPool {
    rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .expect("a small thread pool")
}

/// A float tensor's elements as bit patterns, for bit-for-bit comparisons.
#[cfg(test)]
pub(crate) fn bits<B: Backend, const D: usize>(x: Tensor<B, D>) -> Vec<u32> {
    x.into_data()
        .to_vec::<f32>()
        .expect("an f32 tensor")
        .iter()
        .map(|v| v.to_bits())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cast_recognises_the_type() {
        assert_eq!(cast::<u32, u32>(7), Ok(7));
        assert_eq!(cast::<u32, i32>(7), Err(7));
    }
}
