//! The policy network: a decoder-only, pre-norm transformer (Vaswani et al. 2017, "Attention Is
//! All You Need", in the GPT-2 arrangement of Radford et al. 2019, "Language Models are
//! Unsupervised Multitask Learners": LayerNorm before each sub-layer, a final LayerNorm, GELU
//! MLPs, no dropout), with learned absolute positions or rotary ones (Su et al. 2021, RoFormer).
//!
//! ```text
//! x = E[token] (+ P[position])
//! for each block:  x = x + Attention(LN₁(x));  x = x + W₂·GELU(W₁·LN₂(x))
//! logits = LN_f(x)·Eᵀ   (tied)   or   LN_f(x)·W_head   (untied, no bias)
//! ```
//!
//! Initialisation follows GPT-2: every linear and embedding weight ~ N(0, 0.02²), biases 0,
//! LayerNorm γ = 1 and β = 0. The draws come from a `ChaCha8Rng` seeded by the caller, in a fixed
//! order (token embedding, position embedding, then per block the qkv, output, MLP-in and MLP-out
//! weights, then the untied head), and the parameters are built from host data, so the weights
//! depend on the seed alone: not on burn's global backend seed, the thread count or the backend.

use super::activation::gelu;
use burn::module::{Module, Param};
use burn::nn::{Embedding, LayerNorm, LayerNormConfig, Linear};
use burn::tensor::backend::Backend;
use burn::tensor::{Int, Tensor, TensorData};
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, StandardNormal};
use serde::{Deserialize, Serialize};

use super::attention::{Attention, KvCache, Rotary, linear_3d};
use super::normalization::layer_norm;
use crate::core::error::{Error, Result};

/// How positions enter the model.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Positions {
    /// A learned absolute position embedding added to the token embedding (GPT-2).
    Learned,
    /// Rotary embeddings applied to queries and keys in every layer (Su et al. 2021); no
    /// parameters.
    Rotary,
}

/// The shape of a [`Transformer`]. See [`TransformerConfig::preset`] for named sizes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TransformerConfig {
    /// Number of token ids (ids are `0..vocab_size`).
    pub vocab_size: usize,
    /// Width of the residual stream.
    pub d_model: usize,
    /// Number of transformer blocks.
    pub n_layers: usize,
    /// Attention heads per block; must divide `d_model`.
    pub n_heads: usize,
    /// Hidden width of the MLPs.
    pub d_ff: usize,
    /// Longest sequence (prompt + response) the model accepts.
    pub max_len: usize,
    /// Learned absolute positions or rotary ones.
    pub positions: Positions,
    /// Whether the output head reuses the token embedding (GPT-2) instead of its own matrix.
    pub tied_embeddings: bool,
}

/// The names [`TransformerConfig::preset`] accepts, smallest first.
pub const PRESETS: [&str; 5] = ["tiny", "mini", "small", "medium", "large"];

/// Standard deviation of the initial weights (GPT-2).
pub const INIT_STD: f64 = 0.02;

impl TransformerConfig {
    /// A named size, with learned positions and tied embeddings (GPT-2's choices). With a
    /// vocabulary of about 25 tokens and `max_len` 64 the parameter counts are roughly: `tiny`
    /// 0.1M (d 64, 2 layers), `mini` 0.34M (d 96, 3 layers), `small` 0.8M (d 128, 4 layers),
    /// `medium` 4.8M (d 256, 6 layers),
    /// `large` 10.7M (d 384, 6 layers); d_ff = 4·d_model throughout.
    pub fn preset(name: &str, vocab_size: usize, max_len: usize) -> Result<Self> {
        let (d_model, n_layers, n_heads) = match name {
            "tiny" => (64, 2, 4),
            "mini" => (96, 3, 4),
            "small" => (128, 4, 4),
            "medium" => (256, 6, 8),
            "large" => (384, 6, 6),
            _ => {
                return Err(Error::invalid(
                    "preset",
                    format!("{name:?}"),
                    format!("one of {}", PRESETS.join(", ")),
                ));
            }
        };
        let config = TransformerConfig {
            vocab_size,
            d_model,
            n_layers,
            n_heads,
            d_ff: 4 * d_model,
            max_len,
            positions: Positions::Learned,
            tied_embeddings: true,
        };
        config.validate()?;
        Ok(config)
    }

    /// Checks every field: all sizes at least 1, `d_model` a multiple of `n_heads`, an even head
    /// dimension for rotary positions, and token ids that fit the backends' 32-bit integers.
    pub fn validate(&self) -> Result<()> {
        for (field, value) in [
            ("vocab_size", self.vocab_size),
            ("d_model", self.d_model),
            ("n_layers", self.n_layers),
            ("n_heads", self.n_heads),
            ("d_ff", self.d_ff),
            ("max_len", self.max_len),
        ] {
            if value == 0 {
                return Err(Error::invalid(field, "0", "at least 1"));
            }
        }
        if self.vocab_size > i32::MAX as usize {
            return Err(Error::invalid(
                "vocab_size",
                self.vocab_size.to_string(),
                format!("at most {} (ids must fit a 32-bit integer)", i32::MAX),
            ));
        }
        if !self.d_model.is_multiple_of(self.n_heads) {
            return Err(Error::invalid(
                "d_model",
                self.d_model.to_string(),
                format!("a multiple of n_heads = {}", self.n_heads),
            ));
        }
        if self.positions == Positions::Rotary && !self.head_dim().is_multiple_of(2) {
            return Err(Error::invalid(
                "positions",
                format!(
                    "rotary with an odd head dimension d_model / n_heads = {}",
                    self.head_dim()
                ),
                "an even head dimension for rotary positions (or learned positions)",
            ));
        }
        Ok(())
    }

    /// `d_model / n_heads`.
    pub fn head_dim(&self) -> usize {
        self.d_model / self.n_heads.max(1)
    }

    /// The number of trainable scalars, from the config alone (equals burn's `num_params` of the
    /// initialised module); saturates at `usize::MAX` for absurd sizes.
    pub fn parameter_count(&self) -> usize {
        let d = self.d_model as u128;
        let vocab = self.vocab_size as u128;
        let ff = self.d_ff as u128;
        let layer_norm = 2 * d;
        let attention = (d * 3 * d + 3 * d) + (d * d + d);
        let mlp = (d * ff + ff) + (ff * d + d);
        let block = 2 * layer_norm + attention + mlp;
        let positions = match self.positions {
            Positions::Learned => self.max_len as u128 * d,
            Positions::Rotary => 0,
        };
        let head = if self.tied_embeddings { 0 } else { d * vocab };
        let total = vocab * d + positions + self.n_layers as u128 * block + layer_norm + head;
        usize::try_from(total).unwrap_or(usize::MAX)
    }

    /// Builds the module with GPT-2's initialisation drawn from `ChaCha8Rng::seed_from_u64(seed)`
    /// (see the module documentation): the same seed gives bit-identical weights.
    pub fn init<B: Backend>(&self, device: &B::Device, seed: u64) -> Result<Transformer<B>> {
        self.validate()?;
        let mut init = Initializer {
            rng: ChaCha8Rng::seed_from_u64(seed),
            device,
        };
        let d = self.d_model;
        let token_embedding = Embedding {
            weight: init.normal([self.vocab_size, d]),
        };
        let (position_embedding, rotary) = match self.positions {
            Positions::Learned => (
                Some(Embedding {
                    weight: init.normal([self.max_len, d]),
                }),
                None,
            ),
            Positions::Rotary => (
                None,
                Some(Rotary::new(self.head_dim(), self.max_len, device)),
            ),
        };
        let blocks = (0..self.n_layers)
            .map(|_| Block {
                norm1: LayerNormConfig::new(d).init(device),
                attention: Attention {
                    qkv: init.linear(d, 3 * d, true),
                    output: init.linear(d, d, true),
                    n_heads: self.n_heads,
                },
                norm2: LayerNormConfig::new(d).init(device),
                mlp_in: init.linear(d, self.d_ff, true),
                mlp_out: init.linear(self.d_ff, d, true),
            })
            .collect();
        let head = (!self.tied_embeddings).then(|| init.linear(d, self.vocab_size, false));
        Ok(Transformer {
            token_embedding,
            position_embedding,
            rotary,
            blocks,
            final_norm: LayerNormConfig::new(d).init(device),
            head,
            config: self.clone(),
        })
    }
}

/// Draws the initial weights in a fixed order from one generator.
struct Initializer<'a, B: Backend> {
    rng: ChaCha8Rng,
    device: &'a B::Device,
}

impl<B: Backend> Initializer<'_, B> {
    /// A `[rows, cols]` parameter with N(0, INIT_STD²) entries, drawn row-major.
    fn normal(&mut self, shape: [usize; 2]) -> Param<Tensor<B, 2>> {
        let values: Vec<f32> = (0..shape[0] * shape[1])
            .map(|_| {
                let z: f64 = StandardNormal.sample(&mut self.rng);
                (z * INIT_STD) as f32
            })
            .collect();
        Param::from_data(TensorData::new(values, shape), self.device)
    }

    /// A linear layer `[d_input, d_output]` (burn's row layout: y = x·W + b), zero bias.
    fn linear(&mut self, d_input: usize, d_output: usize, bias: bool) -> Linear<B> {
        Linear {
            weight: self.normal([d_input, d_output]),
            bias: bias
                .then(|| Param::from_data(TensorData::zeros::<f32, _>([d_output]), self.device)),
        }
    }
}

/// One pre-norm block: attention and MLP sub-layers, each behind a LayerNorm and a residual.
#[derive(Module, Debug)]
pub struct Block<B: Backend> {
    pub(crate) norm1: LayerNorm<B>,
    pub(crate) attention: Attention<B>,
    pub(crate) norm2: LayerNorm<B>,
    pub(crate) mlp_in: Linear<B>,
    pub(crate) mlp_out: Linear<B>,
}

impl<B: Backend> Block<B> {
    fn forward(
        &self,
        x: Tensor<B, 3>,
        rotary: Option<&Rotary<B>>,
        offset: usize,
        cache: Option<(&mut KvCache<B>, usize)>,
    ) -> Tensor<B, 3> {
        let attended =
            self.attention
                .forward(layer_norm(&self.norm1, x.clone()), rotary, offset, cache);
        let x = x + attended;
        let hidden = gelu(linear_3d(&self.mlp_in, layer_norm(&self.norm2, x.clone())));
        x + linear_3d(&self.mlp_out, hidden)
    }
}

/// The decoder-only transformer policy; build one with [`TransformerConfig::init`]. Works on any
/// burn backend, with or without autodiff.
#[derive(Module, Debug)]
pub struct Transformer<B: Backend> {
    pub(crate) token_embedding: Embedding<B>,
    pub(crate) position_embedding: Option<Embedding<B>>,
    pub(crate) rotary: Option<Rotary<B>>,
    pub(crate) blocks: Vec<Block<B>>,
    pub(crate) final_norm: LayerNorm<B>,
    pub(crate) head: Option<Linear<B>>,
    #[module(skip)]
    pub(crate) config: TransformerConfig,
}

impl<B: Backend> Transformer<B> {
    /// The config the module was built from.
    pub fn config(&self) -> &TransformerConfig {
        &self.config
    }

    /// The device the parameters live on.
    pub fn device(&self) -> B::Device {
        self.token_embedding.weight.device()
    }

    /// An empty key/value cache for [`Transformer::forward_cached`].
    pub fn new_cache(&self) -> KvCache<B> {
        KvCache::new(self.config.n_layers, self.config.max_len)
    }

    /// Logits `[batch, time, vocab]` of the next token after each prefix of `tokens`
    /// (`[batch, time]`, causal: position `t` sees tokens `0..=t`).
    ///
    /// # Panics
    /// If `time > max_len` or an id is `≥ vocab_size` (burn's lookups fail); [`crate::llm::scoring`]
    /// and [`crate::llm::sampler`] check both and return errors instead.
    pub fn forward(&self, tokens: Tensor<B, 2, Int>) -> Tensor<B, 3> {
        let [_, time] = tokens.dims();
        assert!(
            time <= self.config.max_len,
            "sequence of {time} tokens exceeds max_len = {}",
            self.config.max_len
        );
        self.run(tokens, 0, None)
    }

    /// Like [`Transformer::forward`] for `tokens` that continue the sequences in `cache`
    /// (positions `cache.len()..cache.len() + time`); appends their keys and values to it. A
    /// prefill is a call on an empty cache; decoding is then one token per call. The logits equal
    /// those of the full forward at the same positions, up to rounding.
    pub fn forward_cached(
        &self,
        tokens: Tensor<B, 2, Int>,
        cache: &mut KvCache<B>,
    ) -> Result<Tensor<B, 3>> {
        let [batch, time] = tokens.dims();
        cache.check_append(self.config.n_layers, batch, time)?;
        let offset = cache.len();
        let logits = self.run(tokens, offset, Some(cache));
        cache.advance(batch, time);
        Ok(logits)
    }

    fn run(
        &self,
        tokens: Tensor<B, 2, Int>,
        offset: usize,
        mut cache: Option<&mut KvCache<B>>,
    ) -> Tensor<B, 3> {
        let [_, time] = tokens.dims();
        let mut x = self.token_embedding.forward(tokens);
        if let Some(positions) = &self.position_embedding {
            let [batch, _, d] = x.dims();
            // The positions' time·d values as one row shared by the batch: flex adds a row
            // shared along the leading dimension with its vectorized broadcast path, but walks a
            // [1, time, d] table broadcast over [batch, time, d] element by element (≈ 3% of the
            // `tiny` training pass, forward and backward).
            let table = positions
                .weight
                .val()
                .slice([offset..offset + time, 0..d])
                .reshape([1, time * d]);
            x = (x.reshape([batch, time * d]) + table).reshape([batch, time, d]);
        }
        for (layer, block) in self.blocks.iter().enumerate() {
            let layer_cache = cache.as_deref_mut().map(|cache| (cache, layer));
            x = block.forward(x, self.rotary.as_ref(), offset, layer_cache);
        }
        let x = layer_norm(&self.final_norm, x);
        match &self.head {
            Some(head) => linear_3d(head, x),
            None => {
                let [batch, time, d] = x.dims();
                let flat = x.reshape([batch * time, d]);
                let table = self.token_embedding.weight.val().transpose();
                let logits = crate::llm::flex::linear::linear(flat, table, None);
                logits.reshape([batch, time, self.config.vocab_size])
            }
        }
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::llm::backend::{Inference, Training};
    use burn::tensor::Tolerance;

    type B = Inference;

    /// A small config for fast tests.
    pub(crate) fn tiny(positions: Positions, tied_embeddings: bool) -> TransformerConfig {
        TransformerConfig {
            vocab_size: 11,
            d_model: 16,
            n_layers: 2,
            n_heads: 2,
            d_ff: 32,
            max_len: 12,
            positions,
            tied_embeddings,
        }
    }

    pub(crate) fn tokens<Bk: Backend>(
        rows: &[Vec<u32>],
        device: &Bk::Device,
    ) -> Tensor<Bk, 2, Int> {
        let width = rows[0].len();
        let flat: Vec<i64> = rows.iter().flatten().map(|&t| i64::from(t)).collect();
        Tensor::from_data(TensorData::new(flat, [rows.len(), width]), device)
    }

    fn all_variants() -> Vec<(Positions, bool)> {
        vec![
            (Positions::Learned, true),
            (Positions::Learned, false),
            (Positions::Rotary, true),
            (Positions::Rotary, false),
        ]
    }

    #[test]
    fn parameter_count_matches_burn_for_every_preset_and_variant() {
        let device = Default::default();
        for name in PRESETS {
            for (positions, tied) in all_variants() {
                let mut config = TransformerConfig::preset(name, 25, 64).unwrap();
                config.positions = positions;
                config.tied_embeddings = tied;
                let model = config.init::<B>(&device, 0).unwrap();
                assert_eq!(
                    model.num_params(),
                    config.parameter_count(),
                    "{name} {positions:?} tied={tied}"
                );
            }
        }
    }

    #[test]
    fn presets_span_a_tenth_to_ten_million_parameters() {
        let counts: Vec<usize> = PRESETS
            .iter()
            .map(|name| {
                TransformerConfig::preset(name, 25, 64)
                    .unwrap()
                    .parameter_count()
            })
            .collect();
        assert!(counts.windows(2).all(|w| w[0] < w[1]), "{counts:?}");
        assert!((90_000..150_000).contains(&counts[0]), "{counts:?}");
        assert!((8_000_000..12_000_000).contains(&counts[4]), "{counts:?}");
        let error = TransformerConfig::preset("huge", 25, 64)
            .unwrap_err()
            .to_string();
        assert!(
            error.contains("huge") && error.contains("tiny, mini, small, medium, large"),
            "{error}"
        );
    }

    #[test]
    fn validation_names_the_field_and_what_is_allowed() {
        let good = tiny(Positions::Rotary, true);
        good.validate().unwrap();
        let cases: Vec<(TransformerConfig, &str, &str)> = vec![
            (
                TransformerConfig {
                    vocab_size: 0,
                    ..good.clone()
                },
                "vocab_size",
                "at least 1",
            ),
            (
                TransformerConfig {
                    n_layers: 0,
                    ..good.clone()
                },
                "n_layers",
                "at least 1",
            ),
            (
                TransformerConfig {
                    max_len: 0,
                    ..good.clone()
                },
                "max_len",
                "at least 1",
            ),
            (
                TransformerConfig {
                    d_model: 15,
                    n_heads: 2,
                    ..good.clone()
                },
                "d_model",
                "multiple of n_heads = 2",
            ),
            (
                TransformerConfig {
                    d_model: 18,
                    n_heads: 6,
                    ..good.clone()
                },
                "positions",
                "even head dimension",
            ),
        ];
        for (config, field, expected) in cases {
            let message = config.validate().unwrap_err().to_string();
            assert!(
                message.contains(field) && message.contains(expected),
                "{message}"
            );
            assert!(config.init::<B>(&Default::default(), 0).is_err());
        }
        // An odd head dimension is fine with learned positions.
        TransformerConfig {
            d_model: 18,
            n_heads: 6,
            positions: Positions::Learned,
            ..good
        }
        .validate()
        .unwrap();
    }

    #[test]
    fn config_json_round_trips_and_rejects_unknown_fields() {
        let config = tiny(Positions::Rotary, false);
        let json = serde_json::to_string(&config).unwrap();
        assert!(json.contains("\"positions\":\"rotary\""), "{json}");
        let back: TransformerConfig = serde_json::from_str(&json).unwrap();
        assert_eq!(back, config);
        let extra = json.replace('}', ",\"dropout\":0.1}");
        assert!(serde_json::from_str::<TransformerConfig>(&extra).is_err());
    }

    #[test]
    fn same_seed_gives_bit_identical_weights_and_other_seeds_differ() {
        let device = Default::default();
        let config = tiny(Positions::Learned, false);
        let weights = |seed| {
            let model = config.init::<B>(&device, seed).unwrap();
            let embedding = model.token_embedding.weight.val().into_data();
            let head = model.head.unwrap().weight.val().into_data();
            let mlp = model.blocks[1].mlp_out.weight.val().into_data();
            (embedding, head, mlp)
        };
        let (a, b) = (weights(7), weights(7));
        assert_eq!(a.0.as_bytes(), b.0.as_bytes());
        assert_eq!(a.1.as_bytes(), b.1.as_bytes());
        assert_eq!(a.2.as_bytes(), b.2.as_bytes());
        // Initialising on another thread, in parallel, changes nothing.
        let c = std::thread::spawn(move || {
            let model = tiny(Positions::Learned, false)
                .init::<B>(&Default::default(), 7)
                .unwrap();
            model.head.unwrap().weight.val().into_data()
        })
        .join()
        .unwrap();
        assert_eq!(a.1.as_bytes(), c.as_bytes());
        let other = weights(8);
        assert_ne!(a.0.as_bytes(), other.0.as_bytes());
        // The spread is GPT-2's 0.02, biases start at 0 and LayerNorm at (1, 0).
        let values = a.0.to_vec::<f32>().unwrap();
        let std = (values.iter().map(|v| v * v).sum::<f32>() / values.len() as f32).sqrt();
        assert!((0.015..0.025).contains(&std), "{std}");
        let model = config.init::<B>(&device, 7).unwrap();
        let bias = model.blocks[0].attention.qkv.bias.as_ref().unwrap().val();
        assert_eq!(bias.into_data().to_vec::<f32>().unwrap(), vec![0.0; 48]);
        let gamma = model
            .final_norm
            .gamma
            .val()
            .into_data()
            .to_vec::<f32>()
            .unwrap();
        assert_eq!(gamma, vec![1.0; 16]);
    }

    #[test]
    fn forward_is_causal() {
        let device = Default::default();
        for (positions, tied) in all_variants() {
            let model = tiny(positions, tied).init::<B>(&device, 1).unwrap();
            let a = model.forward(tokens(&[vec![3, 4, 5, 6, 7, 8]], &device));
            let b = model.forward(tokens(&[vec![3, 4, 5, 9, 1, 2]], &device));
            assert_eq!(a.dims(), [1, 6, 11]);
            // Positions 0..=2 see the same prefix; position 3 does not.
            let head =
                |x: Tensor<B, 3>, range: std::ops::Range<usize>| x.slice([0..1, range, 0..11]);
            head(a.clone(), 0..3).into_data().assert_approx_eq::<f32>(
                &head(b.clone(), 0..3).into_data(),
                Tolerance::absolute(1e-6),
            );
            let diff = (head(a, 3..4) - head(b, 3..4)).abs().max().into_scalar();
            assert!(diff > 1e-4, "{positions:?}: {diff}");
        }
    }

    #[test]
    fn cached_decoding_equals_the_full_forward_at_every_position() {
        let device = Default::default();
        let rows = vec![
            vec![1, 3, 4, 5, 9, 2, 7, 7, 10, 0],
            vec![1, 6, 6, 0, 2, 8, 3, 1, 4, 5],
        ];
        let chunk = |range: std::ops::Range<usize>| -> Vec<Vec<u32>> {
            rows.iter().map(|r| r[range.clone()].to_vec()).collect()
        };
        for (positions, tied) in all_variants() {
            let model = tiny(positions, tied).init::<B>(&device, 2).unwrap();
            let full = model.forward(tokens(&rows, &device));
            // A prefill of 4, a chunk of 3 at offset 4, then one token per call.
            let mut cache = model.new_cache();
            let mut pieces = Vec::new();
            for range in [0..4, 4..7, 7..8, 8..9, 9..10] {
                let piece = model.forward_cached(tokens(&chunk(range), &device), &mut cache);
                pieces.push(piece.unwrap());
            }
            assert_eq!(cache.len(), 10);
            let cached = Tensor::cat(pieces, 1);
            cached
                .into_data()
                .assert_approx_eq::<f32>(&full.clone().into_data(), Tolerance::absolute(1e-5));

            // A copy of the cache is independent: decoding another continuation from it leaves
            // the original untouched.
            let mut cache = model.new_cache();
            model
                .forward_cached(tokens(&chunk(0..8), &device), &mut cache)
                .unwrap();
            let mut other = cache.clone();
            let other_tokens = vec![vec![2], vec![3]];
            model
                .forward_cached(tokens(&other_tokens, &device), &mut other)
                .unwrap();
            let last = model
                .forward_cached(tokens(&chunk(8..9), &device), &mut cache)
                .unwrap();
            last.into_data().assert_approx_eq::<f32>(
                &full.slice([0..2, 8..9, 0..11]).into_data(),
                Tolerance::absolute(1e-5),
            );
        }
    }

    #[test]
    fn cache_rejects_overflow_and_a_changed_batch() {
        let device = Default::default();
        let model = tiny(Positions::Rotary, true).init::<B>(&device, 3).unwrap();
        let mut cache = model.new_cache();
        model
            .forward_cached(tokens(&[vec![1; 10], vec![2; 10]], &device), &mut cache)
            .unwrap();
        let error = model.forward_cached(tokens(&[vec![1; 3], vec![2; 3]], &device), &mut cache);
        assert!(error.unwrap_err().to_string().contains("max_len = 12"));
        let error = model.forward_cached(tokens(&[vec![1]], &device), &mut cache);
        assert!(error.unwrap_err().to_string().contains("2 rows"));
        assert_eq!(cache.len(), 10);
    }

    #[test]
    fn runs_on_the_autodiff_backend() {
        let device = Default::default();
        let model = tiny(Positions::Rotary, false)
            .init::<Training>(&device, 4)
            .unwrap();
        let inference = tiny(Positions::Rotary, false)
            .init::<B>(&device, 4)
            .unwrap();
        let rows = [vec![1, 2, 3, 4]];
        let a = model.forward(tokens(&rows, &device)).into_data();
        let b = inference.forward(tokens(&rows, &device)).into_data();
        a.assert_approx_eq::<f32>(&b, Tolerance::absolute(1e-6));
    }
}
