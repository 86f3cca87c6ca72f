//! `tensor[ranges] = value` written into `tensor`'s own buffer when nothing else holds it: the
//! key/value cache's per-step write (`crate::llm::attention::KvCache`).
//!
//! burn-flex 0.21's `slice_assign` binds `tensor.to_contiguous()` — for a contiguous tensor a
//! second handle on the same storage — while the original handle lives on to the end of the
//! function, so when it asks for the storage mutably the storage is shared and copy-on-write
//! copies the whole buffer. For the cache that is every layer's whole key and value buffers at
//! every decoded token, about a fifth of the `small` preset's decoding time (perf). Here the
//! buffer is asked for mutably through the one handle, so a uniquely held tensor is written in
//! place; a shared one is copied first, as copy-on-write must. Same values as `slice_assign`:
//! only elements are copied.

use std::ops::Range;

use burn::tensor::backend::Backend;
use burn::tensor::{DType, Tensor};

use super::{FlexF32, back, cast, contiguous, f32_elements, float, tensor};

/// `tensor` with the block `ranges` replaced by `value` (whose shape is the ranges' lengths):
/// in place on the flex backend in f32 (a strided `tensor` is first copied to a contiguous one),
/// else, or for ranges that do not fit, burn's `slice_assign` (which reports them).
pub fn slice_assign<B: Backend, const D: usize>(
    tensor: Tensor<B, D>,
    ranges: [Range<usize>; D],
    value: Tensor<B, D>,
) -> Tensor<B, D> {
    let fits = tensor
        .dims()
        .iter()
        .zip(&ranges)
        .zip(value.dims())
        .all(|((&dim, range), len)| {
            range.start <= range.end && range.end <= dim && range.len() == len
        });
    let f32s = tensor.dtype() == DType::F32 && value.dtype() == DType::F32;
    if D == 0 || !fits || !f32s {
        return tensor.slice_assign(ranges, value);
    }
    match cast::<(Tensor<B, D>, Tensor<B, D>), (Tensor<FlexF32, D>, Tensor<FlexF32, D>)>((
        tensor, value,
    )) {
        Ok((tensor, value)) => back(write(tensor, &ranges, value)),
        Err((tensor, value)) => tensor.slice_assign(ranges, value),
    }
}

/// The in-place write on flex, for ranges checked to fit.
fn write<const D: usize>(
    target: Tensor<FlexF32, D>,
    ranges: &[Range<usize>; D],
    value: Tensor<FlexF32, D>,
) -> Tensor<FlexF32, D> {
    let shape = target.dims();
    let mut target = contiguous(float(target));
    let value = contiguous(float(value));
    let source = f32_elements(&value);
    // Row-major strides of the target.
    let mut strides = [1usize; D];
    for dim in (0..D - 1).rev() {
        strides[dim] = strides[dim + 1] * shape[dim + 1];
    }
    let span = ranges[D - 1].len();
    let destination = target.storage_mut::<f32>();
    if span > 0 {
        // Each run of `span` consecutive source elements is one innermost row of the block.
        for (row, values) in source.chunks_exact(span).enumerate() {
            // The row's index in the block, split into the leading dimensions (row-major).
            let (mut rest, mut start) = (row, ranges[D - 1].start);
            for dim in (0..D - 1).rev() {
                let len = ranges[dim].len();
                start += (ranges[dim].start + rest % len) * strides[dim];
                rest /= len;
            }
            destination[start..start + span].copy_from_slice(values);
        }
    }
    tensor(target)
}

#[cfg(test)]
mod tests {
    use super::super::{bits, normal};
    use super::*;
    use crate::llm::backend::Training;

    #[test]
    fn writes_the_same_values_as_burn_s_slice_assign() {
        let target: Tensor<FlexF32, 4> = normal([3, 2, 5, 7], 1);
        let cases: [([Range<usize>; 4], [usize; 4]); 3] = [
            ([0..3, 0..2, 4..5, 0..7], [3, 2, 1, 7]),
            ([1..3, 0..1, 0..5, 2..3], [2, 1, 5, 1]),
            ([0..3, 0..2, 0..5, 0..7], [3, 2, 5, 7]),
        ];
        for (seed, (ranges, value_shape)) in cases.into_iter().enumerate() {
            let value: Tensor<FlexF32, 4> = normal(value_shape, 10 + seed as u64);
            let expected = target.clone().slice_assign(ranges.clone(), value.clone());
            let ours = slice_assign(target.clone(), ranges.clone(), value.clone());
            assert_eq!(bits(ours), bits(expected), "{ranges:?}");
            // A transposed (strided) value, as the cache's keys arrive.
            let transposed = value.clone().swap_dims(2, 3).into_data();
            let transposed: Tensor<FlexF32, 4> =
                Tensor::from_data(transposed, &Default::default()).swap_dims(2, 3);
            let ours = slice_assign(target.clone(), ranges.clone(), transposed);
            let expected = target.clone().slice_assign(ranges, value);
            assert_eq!(bits(ours), bits(expected));
        }
    }

    #[test]
    fn a_uniquely_held_buffer_is_written_in_place_and_a_shared_one_is_not_changed() {
        let target: Tensor<FlexF32, 2> = normal([4, 6], 2);
        let before = bits(target.clone());
        let value: Tensor<FlexF32, 2> = normal([1, 6], 3);
        // Shared: the other handle keeps its values.
        let kept = target.clone();
        let written = slice_assign(target, [2..3, 0..6], value.clone());
        assert_eq!(bits(kept), before);
        // Unique: the result lives in the buffer the input had.
        let unique: Tensor<FlexF32, 2> = normal([4, 6], 4);
        // The clone is dropped at the end of the statement: one handle left.
        let address = float(unique.clone()).bytes().as_ptr();
        let written_unique = slice_assign(unique, [2..3, 0..6], value);
        assert_eq!(float(written_unique).bytes().as_ptr(), address);
        assert_eq!(
            bits(written.slice([2..3, 0..6])),
            bits(normal::<FlexF32, 2>([1, 6], 3))
        );
    }

    #[test]
    fn other_backends_and_autodiff_take_burn_s_path() {
        let target: Tensor<Training, 2> = normal([3, 4], 5);
        let value: Tensor<Training, 2> = normal([3, 1], 6);
        let expected = target.clone().slice_assign([0..3, 1..2], value.clone());
        assert_eq!(
            bits(slice_assign(target, [0..3, 1..2], value)),
            bits(expected)
        );
    }
}
