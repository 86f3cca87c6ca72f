//! Matrix products of flex f32 tensors on every thread of the current rayon pool, with the bits
//! of flex's own single-threaded product at any thread count.
//!
//! flex multiplies through the `gemm` crate and enables gemm's threads only together with its
//! `rayon` feature, which also splits flex's reductions by thread (their bits would then depend
//! on the thread count; policylab builds flex without it). Here the same `gemm::gemm` call flex
//! makes — the same shapes, strides, α = 0 (the output is overwritten), β = 1 — is made with
//! `Parallelism::Rayon(0)`. gemm splits the *output* among threads in tiles and runs the depth
//! loop the same way for every tile, so each output element is the same chain of fused
//! multiply-adds in the same order whatever the thread count (`tests` check the bits against
//! flex's product at 1, 2 and 3 threads). A batched product (rank ≥ 3) gives each batch entry to
//! one thread, as flex's own parallel path does, with the same single-threaded call per entry.
//! The output is written straight into an f32 buffer: flex's product allocates bytes and copies
//! them into an aligned buffer afterwards (`Bytes::try_enforce_runtime_align`).
//!
//! Called from a thread outside any rayon pool (the `llm` commands, the speed example), the
//! product runs on rayon's global pool; inside a sweep's worker it runs on the sweep's pool, where
//! a worker busy with its own run leaves the other half to the caller, and an idle one (the
//! sweep's last run) helps. No result depends on who computes which tile. (On more than two
//! threads a worker waiting for a stolen half may start another queued run meanwhile — rayon's
//! work stealing — which can delay the run it paused, never change it.) Products below
//! `PARALLEL_PRODUCT` multiply-adds stay on the calling thread.

use std::mem::MaybeUninit;

use super::{FlexF32, chunked, from_values};
use burn::tensor::ops::FloatTensorOps;
use burn::tensor::{Shape, Tensor, TensorPrimitive};
use burn_flex::FlexTensor;

/// Multiply-adds below which a product stays on the calling thread (≈ 60 µs of work: handing it
/// to the pool costs a thread wake-up), and the work per task of a batched product. At 2²³ the
/// `tiny` preset's attention products (256 entries of 64 × 64 × 16) and its output head stayed
/// on one thread: 2²¹ took its two-thread training pass from ≈ 0.105 s to ≈ 0.087 s, with
/// `small`'s pass and both presets' decoding unchanged (side by side, 3 rounds).
const PARALLEL_PRODUCT: usize = 1 << 21;

/// `lhs · rhs` for `[…, m, k] · […, k, n]` with equal batch dimensions: the bits of
/// `lhs.matmul(rhs)` on flex, computed on the current rayon pool's threads. Broadcast batch
/// dimensions, negative strides or a view that would reach outside its buffer go to flex's own
/// product.
pub fn matmul<const D: usize>(
    lhs: Tensor<FlexF32, D>,
    rhs: Tensor<FlexF32, D>,
) -> Tensor<FlexF32, D> {
    let (lhs, rhs) = (lhs.into_primitive().tensor(), rhs.into_primitive().tensor());
    let output = match (Operand::of(&lhs), Operand::of(&rhs)) {
        (Some(a), Some(b)) if a.batch == b.batch && a.cols == b.rows => product(&a, &b),
        _ => FlexF32::float_matmul(lhs, rhs),
    };
    Tensor::from_primitive(TensorPrimitive::Float(output))
}

/// `lhs · rhs` for `[batch, heads, m, k] · [batch, heads, k, n]` with the heads merged into the
/// last dimension, `[batch, m, heads·n]`: the bits of `matmul` followed by `swap_dims(1, 2)` and
/// a reshape, with each head's product written straight into its columns (gemm takes the
/// output's row stride) instead of into a head-major buffer that the reshape then copies.
/// Operands `matmul` would hand to flex take that path.
pub fn matmul_merging_heads(
    lhs: Tensor<FlexF32, 4>,
    rhs: Tensor<FlexF32, 4>,
) -> Tensor<FlexF32, 3> {
    matmuls_merging_heads([(lhs, rhs)])
}

/// [`matmul_merging_heads`] of several products of equal shapes `[batch, heads, m, n]`, side by
/// side in one `[batch, m, parts·heads·n]` buffer (part p's heads in columns p·heads·n onwards):
/// the attention backward pass writes dQ, dK and dV into the layout of the fused projection this
/// way. Each product's bits are those of `matmul`.
pub(crate) fn matmuls_merging_heads<const PARTS: usize>(
    parts: [(Tensor<FlexF32, 4>, Tensor<FlexF32, 4>); PARTS],
) -> Tensor<FlexF32, 3> {
    const { assert!(PARTS > 0, "at least one product") };
    let [batch, heads, m, _] = parts[0].0.dims();
    let n = parts[0].1.dims()[3];
    let primitives: Vec<_> = parts
        .into_iter()
        .map(|(lhs, rhs)| (lhs.into_primitive().tensor(), rhs.into_primitive().tensor()))
        .collect();
    let operands: Option<Vec<_>> = primitives
        .iter()
        .map(|(lhs, rhs)| match (Operand::of(lhs), Operand::of(rhs)) {
            (Some(a), Some(b))
                if a.batch == [batch, heads]
                    && b.batch == a.batch
                    && a.rows == m
                    && b.cols == n
                    && a.cols == b.rows =>
            {
                Some((a, b))
            }
            _ => None,
        })
        .collect();
    let width = primitives.len() * heads * n;
    let output = match operands {
        Some(operands) => {
            let len = batch * m * width;
            let mut output = Vec::with_capacity(len);
            // Output elements per task such that a task holds PARALLEL_PRODUCT multiply-adds (at
            // the parts' mean depth).
            let depth = operands
                .iter()
                .map(|(a, _)| a.cols)
                .sum::<usize>()
                .div_ceil(PARTS);
            let grain = PARALLEL_PRODUCT.div_ceil(depth);
            let unwritten = &mut output.spare_capacity_mut()[..len];
            chunked(unwritten, m * width, grain, |entry, out| {
                for (part, (a, b)) in operands.iter().enumerate() {
                    for head in 0..heads {
                        let index = entry * heads + head;
                        let (a_offset, b_offset) = (a.entry_offset(index), b.entry_offset(index));
                        let out = &mut out[(part * heads + head) * n..];
                        gemm_into(
                            out,
                            width,
                            a,
                            a_offset,
                            b,
                            b_offset,
                            gemm::Parallelism::None,
                        );
                    }
                }
            });
            // SAFETY: the capacity is batch·m·width; each entry's block of m rows of width
            // elements got n columns from each of its parts·heads products, every element once.
            unsafe { output.set_len(len) };
            from_values(output, Shape::new([batch, m, width]))
        }
        None => {
            let merged: Vec<FlexTensor> = primitives
                .into_iter()
                .map(|(lhs, rhs)| {
                    let product = FlexF32::float_matmul(lhs, rhs);
                    let merged = FlexF32::float_swap_dims(product, 1, 2);
                    FlexF32::float_reshape(merged, Shape::new([batch, m, heads * n]))
                })
                .collect();
            FlexF32::float_cat(merged, 2)
        }
    };
    Tensor::from_primitive(TensorPrimitive::Float(output))
}

/// A flex f32 tensor read as a stack of strided matrices, checked to lie inside its buffer.
struct Operand<'a> {
    data: &'a [f32],
    offset: usize,
    /// The leading dimensions' sizes and strides.
    batch: Vec<usize>,
    batch_strides: Vec<usize>,
    rows: usize,
    cols: usize,
    row_stride: usize,
    col_stride: usize,
}

impl<'a> Operand<'a> {
    /// `None` unless `x` is f32 of rank ≥ 2 with non-negative strides whose every element lies in
    /// its buffer (so the raw pointers handed to gemm stay in bounds).
    fn of(x: &'a FlexTensor) -> Option<Self> {
        if x.dtype() != burn::tensor::DType::F32 {
            return None;
        }
        let layout = x.layout();
        let dims = layout.shape().to_vec();
        let rank = dims.len();
        let strides: Vec<usize> = layout
            .strides()
            .iter()
            .map(|&s| usize::try_from(s).ok())
            .collect::<Option<_>>()?;
        if rank < 2 || dims.contains(&0) {
            return None;
        }
        let data: &[f32] = x.storage();
        let offset = layout.start_offset();
        // The largest index the view reaches: offset + Σ (dim − 1)·stride.
        let last = dims
            .iter()
            .zip(&strides)
            .try_fold(offset, |acc, (&dim, &stride)| {
                acc.checked_add((dim - 1).checked_mul(stride)?)
            })?;
        if last >= data.len() {
            return None;
        }
        Some(Self {
            data,
            offset,
            batch: dims[..rank - 2].to_vec(),
            batch_strides: strides[..rank - 2].to_vec(),
            rows: dims[rank - 2],
            cols: dims[rank - 1],
            row_stride: strides[rank - 2],
            col_stride: strides[rank - 1],
        })
    }

    /// The offset of batch entry `index` (row-major over the batch dimensions).
    fn entry_offset(&self, mut index: usize) -> usize {
        let mut offset = self.offset;
        for (&dim, &stride) in self.batch.iter().zip(&self.batch_strides).rev() {
            offset += (index % dim) * stride;
            index /= dim;
        }
        offset
    }
}

/// The product of two checked operands with equal batch dimensions, as a contiguous tensor.
fn product(a: &Operand, b: &Operand) -> FlexTensor {
    let (m, n) = (a.rows, b.cols);
    let entries: usize = a.batch.iter().product();
    let len = entries * m * n;
    // Not zeroed: the products overwrite every element (α = 0), and zeroing the buffers of a
    // training pass's products took ≈ 3% of it.
    let mut output = Vec::with_capacity(len);
    let unwritten = &mut output.spare_capacity_mut()[..len];
    let depth = a.cols;
    if entries == 1 {
        let parallelism = if m * n * depth >= PARALLEL_PRODUCT && rayon::current_num_threads() > 1 {
            gemm::Parallelism::Rayon(0)
        } else {
            gemm::Parallelism::None
        };
        gemm_into(unwritten, n, a, a.offset, b, b.offset, parallelism);
    } else {
        // Output elements per task such that a task holds PARALLEL_PRODUCT multiply-adds.
        let grain = PARALLEL_PRODUCT.div_ceil(depth);
        chunked(unwritten, m * n, grain, |entry, out| {
            let (a_offset, b_offset) = (a.entry_offset(entry), b.entry_offset(entry));
            gemm_into(out, n, a, a_offset, b, b_offset, gemm::Parallelism::None);
        });
    }
    // SAFETY: the capacity is `len`; each of the `entries` products wrote its m·n elements, rows
    // n apart (`gemm_into`), every element once.
    unsafe { output.set_len(len) };
    let mut dims = a.batch.clone();
    dims.extend([m, n]);
    from_values(output, Shape::from(dims))
}

/// `out` (row-major `[a.rows, b.cols]`, rows `out_row_stride` apart) ← the matrix of `a` at
/// `a_offset` times that of `b` at `b_offset`: flex's call to gemm (α = 0, β = 1, no
/// conjugation), which writes those elements without reading them (so `out` may be
/// uninitialized). The output's strides do not change the arithmetic of an element.
fn gemm_into(
    out: &mut [MaybeUninit<f32>],
    out_row_stride: usize,
    a: &Operand,
    a_offset: usize,
    b: &Operand,
    b_offset: usize,
    parallelism: gemm::Parallelism,
) {
    let (m, k, n) = (a.rows, a.cols, b.cols);
    // The guard of the unsafe call below; it cannot fire for this file's callers: `product`
    // passes m·n elements with rows n apart, `matmuls_merging_heads` the block from column
    // c = (part·heads + head)·n ≤ width − n of an [m, width] matrix (m·width − c ≥ (m − 1)·width
    // + n elements), and m ≥ 1 (`Operand::of` refuses empty dimensions).
    assert!(
        out_row_stride >= n && out.len() >= (m - 1) * out_row_stride + n,
        "the output holds one [m, n] matrix with rows {out_row_stride} apart"
    );
    // Strides fit in isize: each is at most the buffer's length (checked by `Operand::of`), and a
    // Rust allocation holds at most isize::MAX bytes.
    let signed = |s: usize| s as isize;
    // SAFETY: `Operand::of` checked that every element of each operand's view, for every batch
    // entry (offset + Σ (dim − 1)·stride < len), lies inside its slice, so gemm reads only inside
    // `a.data` and `b.data`; it writes m rows of n elements of `out`, rows `out_row_stride` apart
    // (the last ending at (m − 1)·out_row_stride + n ≤ out.len(), checked above), column stride
    // 1, without reading them (`read_dst` false makes α = 0, and gemm's kernels store without
    // loading then), so uninitialized elements are never read. The operands are shared borrows
    // and `out` an exclusive one, so nothing else writes them meanwhile.
    unsafe {
        gemm::gemm(
            m,
            n,
            k,
            // MaybeUninit<f32> has f32's layout.
            out.as_mut_ptr().cast::<f32>(),
            1,
            signed(out_row_stride),
            false,
            a.data.as_ptr().add(a_offset),
            signed(a.col_stride),
            signed(a.row_stride),
            b.data.as_ptr().add(b_offset),
            signed(b.col_stride),
            signed(b.row_stride),
            0.0f32,
            1.0f32,
            false,
            false,
            false,
            parallelism,
        );
    }
}

#[cfg(test)]
mod tests {
    use super::super::{bits, pool};
    use super::*;

    fn random<const D: usize>(shape: [usize; D], seed: u64) -> Tensor<FlexF32, D> {
        super::super::normal(shape, seed)
    }

    /// `matmul(lhs, rhs)` at 1, 2 and 3 threads, each bit for bit flex's `lhs.matmul(rhs)`.
    fn check<const D: usize>(lhs: Tensor<FlexF32, D>, rhs: Tensor<FlexF32, D>) {
        let expected = lhs.clone().matmul(rhs.clone());
        let shape = expected.dims();
        let expected = bits(expected);
        for threads in [1, 2, 3] {
            let pool = pool(threads);
            let ours = pool.install(|| matmul(lhs.clone(), rhs.clone()));
            assert_eq!(ours.dims(), shape);
            assert!(
                bits(ours) == expected,
                "{shape:?} at {threads} threads differs from flex's product"
            );
        }
    }

    #[test]
    fn two_dimensional_products_match_flex_bit_for_bit_at_any_thread_count() {
        // The model's shapes (rows = batch·time; depth beyond gemm's 512-wide blocks in the
        // weight gradients), odd sizes, and transposed views as the backward passes use them.
        check(random([4096, 128], 1), random([128, 384], 2));
        check(random([1000, 130], 3), random([130, 77], 4));
        check(random([64, 512], 5), random([512, 128], 6));
        check(random([1500, 96], 7).transpose(), random([1500, 40], 8));
        check(random([300, 70], 9), random([50, 70], 10).transpose());
        check(random([3, 5], 11), random([5, 1], 12));
    }

    #[test]
    fn batched_products_match_flex_bit_for_bit_at_any_thread_count() {
        // Large enough for the rayon path (sixteen tasks of 8 entries), and small ones that stay
        // on the calling thread.
        check(random([16, 8, 64, 64], 22), random([16, 8, 64, 64], 23));
        check(random([4, 3, 64, 32], 13), random([4, 3, 32, 64], 14));
        check(
            random([2, 5, 32, 17], 15),
            random([2, 5, 40, 17], 16).swap_dims(2, 3),
        );
        check(random([6, 9, 33], 17), random([6, 33, 1], 18));
    }

    #[test]
    fn merged_heads_are_the_product_swapped_and_reshaped_bit_for_bit() {
        // The attention output's shapes, values as a strided view of a fused projection; head
        // widths that fill gemm's tiles (32) and that leave ragged edges (5, 33, 1).
        let cases = [
            ([3, 4, 10, 10], 32, 1),
            ([16, 4, 64, 64], 32, 2),
            ([16, 4, 64, 64], 32, 3),
            ([2, 3, 7, 9], 5, 2),
            ([2, 3, 17, 12], 33, 1),
            ([2, 4, 6, 6], 1, 2),
        ];
        for (shape, width, threads) in cases {
            let [batch, heads, m, depth] = shape;
            let probabilities = random(shape, 24);
            let values = random([batch, depth, heads, width], 25).swap_dims(1, 2);
            let expected = lhs_then_merge(probabilities.clone(), values.clone());
            let pool = pool(threads);
            let ours = pool.install(|| matmul_merging_heads(probabilities, values));
            assert_eq!(ours.dims(), [batch, m, heads * width]);
            assert!(bits(ours) == expected, "{shape:?} at {threads} threads");
        }
    }

    /// Three products side by side (the attention backward pass's dQ, dK, dV), each as `matmul`
    /// would compute it, swapped, reshaped and concatenated along the last dimension.
    #[test]
    fn several_merged_products_sit_side_by_side_bit_for_bit() {
        let (batch, heads, time, width) = (8, 4, 64, 32);
        let scores = random([batch, heads, time, time], 26);
        let keys = random([batch, time, heads, width], 27).swap_dims(1, 2);
        let queries = random([batch, time, heads, width], 28).swap_dims(1, 2);
        let output_grad = random([batch, heads, time, width], 29);
        let parts = [
            (scores.clone(), keys),
            (scores.clone().swap_dims(2, 3), queries),
            (scores.swap_dims(2, 3), output_grad),
        ];
        let merge = |(lhs, rhs): (Tensor<FlexF32, 4>, Tensor<FlexF32, 4>)| {
            lhs.matmul(rhs)
                .swap_dims(1, 2)
                .reshape([batch, time, heads * width])
        };
        let expected = bits(Tensor::cat(parts.clone().map(merge).to_vec(), 2));
        for threads in [1, 2, 3] {
            let ours = pool(threads).install(|| matmuls_merging_heads(parts.clone()));
            assert_eq!(ours.dims(), [batch, time, 3 * heads * width]);
            assert!(bits(ours) == expected, "at {threads} threads");
        }
    }

    fn lhs_then_merge(lhs: Tensor<FlexF32, 4>, rhs: Tensor<FlexF32, 4>) -> Vec<u32> {
        let [batch, heads, m, _] = lhs.dims();
        let n = rhs.dims()[3];
        bits(
            lhs.matmul(rhs)
                .swap_dims(1, 2)
                .reshape([batch, m, heads * n]),
        )
    }

    #[test]
    fn broadcast_or_out_of_buffer_views_use_flex_s_product() {
        // Broadcast batch dimensions: flex's product (and its value).
        let (a, b) = (random([3, 4, 5], 19), random([1, 5, 2], 20));
        assert_eq!(bits(matmul(a.clone(), b.clone())), bits(a.matmul(b)));
        // A view reaching past its buffer is refused before any pointer is formed.
        let x = random([2, 3], 21).into_primitive().tensor();
        let outside =
            x.clone()
                .with_layout(burn_flex::Layout::new(Shape::new([3, 3]), vec![3, 1], 0));
        assert!(Operand::of(&outside).is_none());
        assert!(Operand::of(&x).is_some());
    }
}
