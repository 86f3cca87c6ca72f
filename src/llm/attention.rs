//! Causal multi-head self-attention (Vaswani et al. 2017, "Attention Is All You Need") with a
//! key/value cache for generation, and rotary position embeddings (Su et al. 2021, "RoFormer:
//! Enhanced Transformer with Rotary Position Embedding").
//!
//! Shapes follow burn's convention: activations are `[batch, time, d_model]`, heads are split into
//! `[batch, heads, time, head_dim]`. Scores are computed explicitly (`q·kᵀ/√d_head`, a causal mask,
//! softmax, `·v`; on the flex backend as one custom operation, [`crate::llm::flex::attention`]),
//! so the cached and the full paths do the same arithmetic on the same positions and agree to
//! rounding.
//!
//! The cache holds, per layer, the keys (after rotation, when rotary) and values of every position
//! seen so far, in buffers of `max_len` positions written in place; a call with `t` new tokens at
//! offset `n` attends from positions `n..n+t` to `0..n+t` (later buffer positions are masked).
//! Rows of a batch share one offset: the sampler requires prompts of equal length.

use burn::module::Module;
use burn::nn::Linear;
use burn::tensor::activation::softmax;
use burn::tensor::backend::Backend;
use burn::tensor::{Bool, Tensor, TensorData};

use super::flex::attention::{Inputs, try_causal_attention, try_self_attention};
use super::flex::slice_write::slice_assign;
use crate::core::error::{Error, Result};

/// Rotary position embedding tables (Su et al. 2021), in the "half-split" layout of GPT-NeoX and
/// LLaMA: the head dimension is split into halves `(x₁, x₂)` and each pair `(x₁ᵢ, x₂ᵢ)` at
/// position `m` is rotated by the angle `m·θᵢ`, `θᵢ = 10000^(−2i/d_head)`. The tables are
/// constants computed from the config, not parameters: they are neither trained nor saved.
#[derive(Module, Debug)]
pub struct Rotary<B: Backend> {
    /// cos(m·θᵢ), `[max_len, head_dim / 2]`.
    cos: Tensor<B, 2>,
    /// sin(m·θᵢ), `[max_len, head_dim / 2]`.
    sin: Tensor<B, 2>,
}

impl<B: Backend> Rotary<B> {
    /// The tables for positions `0..max_len` and an even `head_dim`.
    pub fn new(head_dim: usize, max_len: usize, device: &B::Device) -> Self {
        let half = head_dim / 2;
        let mut cos = Vec::with_capacity(max_len * half);
        let mut sin = Vec::with_capacity(max_len * half);
        for position in 0..max_len {
            for i in 0..half {
                let theta = 10000f64.powf(-2.0 * i as f64 / head_dim as f64);
                let angle = position as f64 * theta;
                cos.push(angle.cos() as f32);
                sin.push(angle.sin() as f32);
            }
        }
        Rotary {
            cos: Tensor::from_data(TensorData::new(cos, [max_len, half]), device),
            sin: Tensor::from_data(TensorData::new(sin, [max_len, half]), device),
        }
    }

    /// Rotates `x` (`[batch, heads, time, head_dim]`) whose first time step is at absolute
    /// position `offset`. The caller guarantees `offset + time ≤ max_len`.
    pub fn apply(&self, x: Tensor<B, 4>, offset: usize) -> Tensor<B, 4> {
        let [_, _, time, head_dim] = x.dims();
        let half = head_dim / 2;
        let cos = self
            .cos
            .clone()
            .slice([offset..offset + time, 0..half])
            .reshape([1, 1, time, half]);
        let sin = self
            .sin
            .clone()
            .slice([offset..offset + time, 0..half])
            .reshape([1, 1, time, half]);
        let x1 = x.clone().narrow(3, 0, half);
        let x2 = x.narrow(3, half, half);
        let rotated1 = x1.clone() * cos.clone() - x2.clone() * sin.clone();
        let rotated2 = x2 * cos + x1 * sin;
        Tensor::cat(vec![rotated1, rotated2], 3)
    }
}

/// Causal multi-head self-attention: a fused query/key/value projection `d → 3d` and an output
/// projection `d → d`, both with biases.
#[derive(Module, Debug)]
pub struct Attention<B: Backend> {
    /// `[d_model, 3·d_model]`: queries, keys and values side by side.
    pub(crate) qkv: Linear<B>,
    /// `[d_model, d_model]`.
    pub(crate) output: Linear<B>,
    #[module(skip)]
    pub(crate) n_heads: usize,
}

/// The keys and values of one layer, filled up to the cache's length: keys transposed,
/// `[batch, heads, head_dim, capacity]`, ready for `q·kᵀ`; values `[batch, heads, capacity,
/// head_dim]`. Buffers of the full capacity are written in place (a `slice_assign` on a uniquely
/// held tensor) and attended over whole, with the unwritten tail masked like future positions:
/// growing them by concatenation, or transposing the keys at every step, copies the whole cache
/// per step, which dominated decoding time on burn's ndarray backend. On flex the write goes
/// through [`crate::llm::flex::slice_write`], since flex's own `slice_assign` copies the whole
/// buffer.
#[derive(Clone, Debug)]
struct LayerCache<B: Backend> {
    keys_transposed: Tensor<B, 4>,
    values: Tensor<B, 4>,
}

/// Keys and values of every layer for the positions processed so far (Vaswani et al. 2017's
/// incremental decoding): after a prefill of `n` tokens, each further call processes only the new
/// tokens. Create one with [`crate::llm::model::Transformer::new_cache`]; one cache serves one
/// batch of sequences, up to the model's `max_len` positions.
#[derive(Clone, Debug)]
pub struct KvCache<B: Backend> {
    layers: Vec<Option<LayerCache<B>>>,
    capacity: usize,
    batch: Option<usize>,
    len: usize,
}

impl<B: Backend> KvCache<B> {
    /// An empty cache for `n_layers` layers and at most `capacity` positions.
    pub fn new(n_layers: usize, capacity: usize) -> Self {
        KvCache {
            layers: vec![None; n_layers],
            capacity,
            batch: None,
            len: 0,
        }
    }

    /// The number of positions cached (the absolute position of the next token).
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether nothing has been cached yet.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The most positions the cache holds.
    pub fn capacity(&self) -> usize {
        self.capacity
    }

    /// The batch size the cache holds, once something was cached.
    pub fn batch(&self) -> Option<usize> {
        self.batch
    }

    /// The number of layers the cache was made for.
    pub fn n_layers(&self) -> usize {
        self.layers.len()
    }

    /// Checks that `batch` rows of `time` new tokens fit: same batch as before, `n_layers` as the
    /// model's, and at most `capacity` positions in all.
    pub(crate) fn check_append(&self, n_layers: usize, batch: usize, time: usize) -> Result<()> {
        if self.layers.len() != n_layers {
            return Err(Error::invalid(
                "kv cache",
                format!("{} layers", self.layers.len()),
                format!("a cache made for this model's {n_layers} layers"),
            ));
        }
        if let Some(cached) = self.batch
            && cached != batch
        {
            return Err(Error::invalid(
                "kv cache",
                format!("a batch of {batch} rows"),
                format!("the {cached} rows the cache was filled with"),
            ));
        }
        if self.len + time > self.capacity {
            return Err(Error::invalid(
                "sequence length",
                format!("{} cached + {time} new positions", self.len),
                format!("at most max_len = {} positions", self.capacity),
            ));
        }
        Ok(())
    }

    /// Records that `time` positions of a batch of `batch` rows were appended to every layer.
    pub(crate) fn advance(&mut self, batch: usize, time: usize) {
        self.batch = Some(batch);
        self.len += time;
    }

    /// Writes a layer's new keys (transposed, `[batch, heads, head_dim, time]`) and values
    /// (`[batch, heads, time, head_dim]`) at positions `offset..offset + time`, and returns what to
    /// attend over: the new tensors themselves on a prefill (offset 0), else the whole buffers,
    /// whose positions from `offset + time` on hold zeros or stale values that the causal mask
    /// hides.
    fn write(
        &mut self,
        layer: usize,
        offset: usize,
        keys_transposed: Tensor<B, 4>,
        values: Tensor<B, 4>,
    ) -> (Tensor<B, 4>, Tensor<B, 4>) {
        let [batch, heads, time, head_dim] = values.dims();
        let entry = match self.layers[layer].take() {
            Some(entry) => entry,
            None => {
                let device = values.device();
                LayerCache {
                    keys_transposed: Tensor::zeros(
                        [batch, heads, head_dim, self.capacity],
                        &device,
                    ),
                    values: Tensor::zeros([batch, heads, self.capacity, head_dim], &device),
                }
            }
        };
        let positions = offset..offset + time;
        let entry = LayerCache {
            keys_transposed: slice_assign(
                entry.keys_transposed,
                [0..batch, 0..heads, 0..head_dim, positions.clone()],
                keys_transposed.clone(),
            ),
            values: slice_assign(
                entry.values,
                [0..batch, 0..heads, positions, 0..head_dim],
                values.clone(),
            ),
        };
        let attend = if offset == 0 {
            (keys_transposed, values)
        } else {
            (entry.keys_transposed.clone(), entry.values.clone())
        };
        self.layers[layer] = Some(entry);
        attend
    }
}

impl<B: Backend> Attention<B> {
    /// Attends from the `time` positions of `x` (`[batch, time, d_model]`, first at absolute
    /// position `offset`) to themselves and, with a cache, to every cached position before them.
    /// Position `i` sees positions `≤ i` only. The caller has checked the lengths.
    pub(crate) fn forward(
        &self,
        x: Tensor<B, 3>,
        rotary: Option<&Rotary<B>>,
        offset: usize,
        cache: Option<(&mut KvCache<B>, usize)>,
    ) -> Tensor<B, 3> {
        let [batch, time, d_model] = x.dims();
        let heads = self.n_heads;
        let head_dim = d_model / heads;
        let scale = 1.0 / (head_dim as f32).sqrt();
        let mut qkv = linear_3d(&self.qkv, x);
        // A whole sequence without rotation or cache: the flex operation splits and merges the
        // heads itself.
        if cache.is_none() && rotary.is_none() && offset == 0 {
            match try_self_attention(qkv, heads, scale) {
                Ok(context) => return linear_3d(&self.output, context),
                Err(unchanged) => qkv = unchanged,
            }
        }
        let split = |start: usize| {
            qkv.clone()
                .narrow(2, start, d_model)
                .reshape([batch, time, heads, head_dim])
                .swap_dims(1, 2)
        };
        let (mut queries, mut keys, values) = (split(0), split(d_model), split(2 * d_model));
        if let Some(rotary) = rotary {
            queries = rotary.apply(queries, offset);
            keys = rotary.apply(keys, offset);
        }
        let keys_transposed = keys.swap_dims(2, 3);
        let (keys_transposed, values) = match cache {
            Some((cache, layer)) => cache.write(layer, offset, keys_transposed, values),
            None => (keys_transposed, values),
        };
        let inputs = (queries, keys_transposed, values);
        let context = match try_causal_attention(inputs, offset, scale) {
            Ok(context) => context,
            Err(inputs) => causal_attention_composed(inputs, offset, scale),
        };
        let context = context.swap_dims(1, 2).reshape([batch, time, d_model]);
        linear_3d(&self.output, context)
    }
}

/// softmax(mask(Q·Kᵀ·scale))·V from burn's tensor operations, for backends without the custom
/// operation of [`crate::llm::flex::attention`] (which computes the same function): queries
/// `[batch, heads, time, head_dim]` at absolute positions `offset..offset + time`, transposed keys
/// `[batch, heads, head_dim, total]`, values `[batch, heads, total, head_dim]`; query i sees key j
/// only if j ≤ offset + i.
pub(crate) fn causal_attention_composed<B: Backend>(
    (queries, keys_transposed, values): Inputs<B>,
    offset: usize,
    scale: f32,
) -> Tensor<B, 4> {
    let [batch, heads, time, _] = queries.dims();
    let total = values.dims()[2];
    let mut scores = queries.matmul(keys_transposed).mul_scalar(scale);
    // Some key is hidden from some query unless every key is at or before the first query.
    if total > offset + 1 {
        let mask = causal_mask::<B>(time, total, offset, &scores.device())
            .reshape([1, 1, time, total])
            .expand([batch, heads, time, total]);
        scores = scores.mask_fill(mask, f32::NEG_INFINITY);
    }
    softmax(scores, 3).matmul(values)
}

/// A linear layer on `[batch, time, d_input]` as one `[batch·time, d_input]` matrix product:
/// burn's ndarray backend multiplies a 3-d input batch entry by batch entry, re-packing the weight each time
/// (about 10× slower for one token per row at batch 64).
pub(crate) fn linear_3d<B: Backend>(layer: &Linear<B>, x: Tensor<B, 3>) -> Tensor<B, 3> {
    let [batch, time, d_input] = x.dims();
    let y = crate::llm::flex::linear::linear(
        x.reshape([batch * time, d_input]),
        layer.weight.val(),
        layer.bias.as_ref().map(|b| b.val()),
    );
    let d_output = y.dims()[1];
    y.reshape([batch, time, d_output])
}

/// `[time, total]`, true where query `i` (absolute position `offset + i`) must not see key `j`
/// (`j > offset + i`). Every row keeps at least key 0, so no softmax row is all −∞.
fn causal_mask<B: Backend>(
    time: usize,
    total: usize,
    offset: usize,
    device: &B::Device,
) -> Tensor<B, 2, Bool> {
    let mut mask = Vec::with_capacity(time * total);
    for i in 0..time {
        for j in 0..total {
            mask.push(j > offset + i);
        }
    }
    Tensor::from_data(TensorData::new(mask, [time, total]), device)
}
