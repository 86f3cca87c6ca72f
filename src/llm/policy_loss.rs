//! The RL loss of the LLM trainer, built from [`crate::objective`] — the same definitions the
//! tabular algorithms use, not copies of them.
//!
//! For a batch of responses the trainer holds, per response token t, the current log-probability
//! log π_θ(a_t) as a differentiable burn tensor. This module copies its value to the host, asks
//! the objective (in f64) for the value J_t and the slope g_t = ∂J/∂log π_θ(a_t) of every token
//! (= r_t·∂J/∂r for a per-token surrogate, the chain rule through the sequence ratio for GSPO,
//! the batch selection for Clip-Cov and KL-Cov), and builds
//!
//! objective(θ) = Σ_t w_t·[J_t + g_t·(log π_θ(a_t) − sg(log π_θ(a_t)))]
//!              − β·Σ_t w_t·[k_t + κ_t·(log π_θ(a_t) − sg(log π_θ(a_t)))]   (KL to a reference)
//!              + c·Σ_t w_t·H_t                                              (entropy bonus)
//!
//! where sg is the stop-gradient (burn's `detach`), w_t the aggregation weights of
//! [`Aggregation`] (token-mean, sequence-mean-token-mean, Dr. GRPO's constant normalizer), k_t and
//! κ_t an estimator of KL(π_θ‖π_ref) and its slope in log π_θ ([`KlPenalty`]), and H_t the
//! full-vocabulary entropy of the next-token distribution, differentiated by burn. The bracket
//! g_t·(x − sg(x)) is zero in value and has gradient g_t·∇x, so the value is Σ w_t J_t and the
//! gradient is Σ w_t g_t ∇log π_θ(a_t), which is exactly ∇ Σ w_t J(r_t, A_t) since
//! ∇r_t = r_t·∇log π_θ(a_t) (the "surrogate of the surrogate"; the same stop-gradient device as
//! the DiCE estimator of Foerster et al. 2018). The loss handed to the optimizer is −objective.

use burn::tensor::backend::Backend;
use burn::tensor::{Tensor, TensorCreationOptions, TensorData};
use rand::Rng;

use crate::core::error::{Error, Result};
use crate::objective::catalogue::{build, objective, objectives};
use crate::objective::{
    Aggregation, BuiltObjective, ClipCov, Gspo, KlCov, KlPenalty, LlmUse, Objective, TokenSample,
};

/// The per-token objective of the trainer.
#[derive(Debug)]
pub enum PolicyObjective {
    /// A per-token surrogate of [`crate::objective`] (pg, ppo-clip, clip-higher, dual-clip, spo,
    /// sapo, bapo-bounds).
    Token(Box<dyn Objective>),
    /// GSPO: PPO-clip on the length-normalised sequence ratio.
    Sequence(Gspo),
    /// PPO-clip with a few high-covariance tokens removed (Cui et al. 2025).
    ClipCov(ClipCov),
    /// The policy gradient with |log r| penalized on the highest-covariance tokens (Cui et al.
    /// 2025).
    KlCov(KlCov),
}

/// The names [`PolicyObjective::from_name`] accepts: every objective of the catalogue that is a
/// per-token loss.
pub fn policy_objective_names() -> Vec<&'static str> {
    objectives()
        .into_iter()
        .filter(|o| !matches!(o.llm, LlmUse::Unavailable(_)))
        .map(|o| o.name)
        .collect()
}

impl PolicyObjective {
    /// The objective called `name` with `params` (name, value) over its defaults. An objective
    /// that is not a per-token loss (TRPO's constrained step) is refused with the reason.
    pub fn from_name(name: &str, params: &[(String, f64)]) -> Result<Self> {
        let entry = objective(name).map_err(|_| {
            Error::Usage(format!(
                "unknown objective `{name}`; expected one of: {}",
                policy_objective_names().join(", ")
            ))
        })?;
        if let LlmUse::Unavailable(reason) = entry.llm {
            return Err(Error::Usage(format!(
                "objective `{name}` is {reason}, and is not available for LLM policies; expected one of: {}",
                policy_objective_names().join(", ")
            )));
        }
        Ok(match build(&entry, params)? {
            BuiltObjective::PerSample(objective) => PolicyObjective::Token(objective),
            BuiltObjective::Sequence(gspo) => PolicyObjective::Sequence(gspo),
            BuiltObjective::ClipCov(clip_cov) => PolicyObjective::ClipCov(clip_cov),
            BuiltObjective::KlCov(kl_cov) => PolicyObjective::KlCov(kl_cov),
        })
    }

    /// Checks the parameters.
    pub fn validate(&self) -> Result<()> {
        match self {
            PolicyObjective::Token(objective) => objective.validate(),
            PolicyObjective::Sequence(gspo) => gspo.validate(),
            PolicyObjective::ClipCov(clip_cov) => clip_cov.validate(),
            PolicyObjective::KlCov(kl_cov) => kl_cov.validate(),
        }
    }

    /// The name used in configurations and results.
    pub fn name(&self) -> &'static str {
        match self {
            PolicyObjective::Token(objective) => objective.name(),
            PolicyObjective::Sequence(_) => "gspo",
            PolicyObjective::ClipCov(_) => "clip-cov",
            PolicyObjective::KlCov(_) => "kl-cov",
        }
    }

    /// J_t, ∂J/∂log π_θ(a_t) and whether token t is clipped, for every token of `batch`.
    pub fn terms(&self, batch: &TokenBatch, rng: &mut impl Rng) -> Result<TokenTerms> {
        batch.check()?;
        let ratios: Vec<f64> = batch
            .log_probs
            .iter()
            .zip(batch.old_log_probs)
            .map(|(new, old)| (new - old).exp())
            .collect();
        let n = ratios.len();
        let token_samples = || -> Vec<TokenSample> {
            (0..n)
                .map(|t| TokenSample {
                    ratio: ratios[t],
                    advantage: batch.advantages[t],
                    log_prob: batch.log_probs[t],
                })
                .collect()
        };
        let mut terms = TokenTerms {
            values: Vec::with_capacity(n),
            slopes: Vec::with_capacity(n),
            clipped: Vec::with_capacity(n),
            ratios: ratios.clone(),
            selected: 0,
        };
        match self {
            PolicyObjective::Token(objective) => {
                for (ratio, advantage) in ratios.iter().zip(batch.advantages) {
                    terms.push(objective.surrogate(*ratio, *advantage), *ratio);
                }
            }
            PolicyObjective::Sequence(gspo) => {
                let mut start = 0;
                for (i, &length) in batch.lengths.iter().enumerate() {
                    let advantage = batch.advantages[start];
                    if let Some(t) =
                        (start..start + length).find(|&t| batch.advantages[t] != advantage)
                    {
                        return Err(Error::invalid(
                            format!("advantages[{t}]"),
                            format!(
                                "found {} in response {i}, whose first token has {advantage}",
                                batch.advantages[t]
                            ),
                            "expected one advantage per response for GSPO's sequence ratio",
                        ));
                    }
                    let log_ratios: Vec<f64> = (start..start + length)
                        .map(|t| batch.log_probs[t] - batch.old_log_probs[t])
                        .collect();
                    let sequence = gspo.sequence(&log_ratios, advantage)?;
                    // Every token carries the sequence's J_i, so Σ_t w_t J_t = Σ_i W_i J_i with
                    // W_i = Σ_{t∈i} w_t (every aggregation weighs a response's tokens equally).
                    // Its gradient is Σ_i W_i·(s_i/|y_i|)·∂J/∂s·Σ_t ∇log π_t, so the slope per
                    // token is |y_i| times GSPO's per-token slope: s_i·∂J/∂s.
                    let slope = sequence.surrogate.log_ratio_slope(sequence.ratio);
                    for _ in 0..length {
                        terms.values.push(sequence.surrogate.value);
                        terms.slopes.push(slope);
                        terms.clipped.push(sequence.surrogate.clipped);
                    }
                    start += length;
                }
            }
            PolicyObjective::ClipCov(clip_cov) => {
                let selection = clip_cov.apply(&token_samples(), rng)?;
                terms.take_selection(selection, &ratios);
            }
            PolicyObjective::KlCov(kl_cov) => {
                let selection = kl_cov.apply(&token_samples())?;
                terms.take_selection(selection, &ratios);
            }
        }
        Ok(terms)
    }
}

/// One batch of responses on the host, tokens packed response by response (the tokens of
/// response 0, then of response 1, …), with the lengths alongside.
#[derive(Debug, Clone, Copy)]
pub struct TokenBatch<'a> {
    /// Tokens per response (each ≥ 1).
    pub lengths: &'a [usize],
    /// log π_θ(a_t), the current policy, as values.
    pub log_probs: &'a [f64],
    /// log π_old(a_t), the policy that sampled the batch.
    pub old_log_probs: &'a [f64],
    /// A_t; GRPO gives every token of a response its response's advantage.
    pub advantages: &'a [f64],
}

impl TokenBatch<'_> {
    fn check(&self) -> Result<()> {
        let n: usize = self.lengths.iter().sum();
        for (field, len) in [
            ("log_probs", self.log_probs.len()),
            ("old_log_probs", self.old_log_probs.len()),
            ("advantages", self.advantages.len()),
        ] {
            if len != n {
                return Err(Error::invalid(
                    field,
                    format!("found {len} values"),
                    format!("expected one per token, Σ lengths = {n}"),
                ));
            }
        }
        if let Some(i) = self.lengths.iter().position(|&l| l == 0) {
            return Err(Error::invalid(
                format!("lengths[{i}]"),
                "found 0",
                "expected a response of at least one token",
            ));
        }
        Ok(())
    }
}

/// Per-token values and slopes of an objective on one batch, packed like the batch.
#[derive(Debug, Clone, PartialEq)]
pub struct TokenTerms {
    /// J_t.
    pub values: Vec<f64>,
    /// ∂J/∂log π_θ(a_t).
    pub slopes: Vec<f64>,
    /// Whether the token sits where the objective is flat (clipped, or taken out by Clip-Cov).
    pub clipped: Vec<bool>,
    /// r_t = π_θ(a_t)/π_old(a_t).
    pub ratios: Vec<f64>,
    /// Tokens selected by Clip-Cov or KL-Cov (0 otherwise).
    pub selected: usize,
}

impl TokenTerms {
    fn push(&mut self, surrogate: crate::objective::Surrogate, ratio: f64) {
        self.values.push(surrogate.value);
        self.slopes.push(surrogate.log_ratio_slope(ratio));
        self.clipped.push(surrogate.clipped);
    }

    /// The surrogates of a Clip-Cov or KL-Cov selection, one per token in order.
    fn take_selection(&mut self, selection: crate::objective::CovSelection, ratios: &[f64]) {
        self.selected = selection.selected.len();
        for (surrogate, ratio) in selection.surrogates.into_iter().zip(ratios) {
            self.push(surrogate, *ratio);
        }
    }
}

/// Everything the loss needs besides the tensors.
#[derive(Debug)]
pub struct LossConfig {
    pub objective: PolicyObjective,
    pub aggregation: Aggregation,
    /// c ≥ 0: the entropy bonus coefficient (0: none, the default of Cui et al. 2025).
    pub entropy_bonus: f64,
    /// A KL penalty to the reference policy (none by default, as in Cui et al. 2025).
    pub kl: Option<KlPenalty>,
}

/// The loss of one minibatch and what was measured on it.
#[derive(Debug)]
pub struct PolicyLoss<B: Backend> {
    /// −objective, a one-element tensor to call `backward` on.
    pub loss: Tensor<B, 1>,
    pub stats: LossStats,
}

/// Scalar measurements of one loss evaluation, weighted like the loss.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LossStats {
    /// Σ w_t J_t, the surrogate objective.
    pub surrogate: f64,
    /// Σ w_t k_t, the KL estimate to the reference (0 without a penalty).
    pub kl_to_reference: f64,
    /// Σ w_t H_t (0 when no entropies were given).
    pub entropy: f64,
    /// The share of tokens that are clipped (unweighted).
    pub clip_fraction: f64,
    /// Mean of r_t and of |r_t − 1| over tokens.
    pub ratio_mean: f64,
    pub ratio_deviation: f64,
    /// The largest r_t (a diverging update shows here first).
    pub ratio_max: f64,
    /// Tokens selected by Clip-Cov or KL-Cov.
    pub selected: usize,
}

/// The tensors of one minibatch, response-aligned: row i holds response i's tokens in its first
/// `lengths[i]` columns; later columns are padding and get weight 0.
#[derive(Debug, Clone)]
pub struct ResponseTensors<B: Backend> {
    /// log π_θ(a_t), differentiable, [responses, columns].
    pub log_probs: Tensor<B, 2>,
    /// H_t, differentiable, [responses, columns]; needed only with an entropy bonus.
    pub entropies: Option<Tensor<B, 2>>,
}

/// Host-side inputs of one minibatch, packed like [`TokenBatch`].
#[derive(Debug, Clone, Copy)]
pub struct ResponseInputs<'a> {
    pub lengths: &'a [usize],
    pub old_log_probs: &'a [f64],
    pub advantages: &'a [f64],
    /// log π_ref(a_t), needed only with a KL penalty.
    pub ref_log_probs: Option<&'a [f64]>,
}

/// Builds the loss −objective(θ) described in the module documentation.
pub fn policy_loss<B: Backend>(
    config: &LossConfig,
    tensors: ResponseTensors<B>,
    inputs: ResponseInputs,
    rng: &mut impl Rng,
) -> Result<PolicyLoss<B>> {
    let [rows, columns] = tensors.log_probs.dims();
    if rows != inputs.lengths.len() {
        return Err(Error::invalid(
            "log_probs",
            format!("found {rows} rows"),
            format!("expected one per response ({})", inputs.lengths.len()),
        ));
    }
    if let Some(i) = inputs.lengths.iter().position(|&l| l > columns) {
        return Err(Error::invalid(
            format!("lengths[{i}]"),
            format!("found {}", inputs.lengths[i]),
            format!("expected at most the {columns} columns of log_probs"),
        ));
    }
    let device = tensors.log_probs.device();
    // Built in the log-probabilities' own float type: burn's default float type is a setting
    // of the device, shared by every backend on it.
    let dtype = tensors.log_probs.dtype();
    let options = || TensorCreationOptions::new(device.clone()).with_dtype(dtype);
    let grid = to_host(tensors.log_probs.clone().detach())?;
    let log_probs = pack(&grid, columns, inputs.lengths);
    let batch = TokenBatch {
        lengths: inputs.lengths,
        log_probs: &log_probs,
        old_log_probs: inputs.old_log_probs,
        advantages: inputs.advantages,
    };
    let terms = config.objective.terms(&batch, rng)?;
    let weights = config.aggregation.per_token_weights(inputs.lengths)?;

    // Per token: the constant part of the objective and the coefficient of log π_θ(a_t).
    let mut surrogate = 0.0;
    let mut coefficients: Vec<f64> = terms
        .slopes
        .iter()
        .zip(&weights)
        .map(|(g, w)| g * w)
        .collect();
    for (j, w) in terms.values.iter().zip(&weights) {
        surrogate += w * j;
    }
    let mut kl_to_reference = 0.0;
    let mut kl_value = 0.0;
    if let Some(kl) = &config.kl {
        kl.validate()?;
        let Some(reference) = inputs.ref_log_probs else {
            return Err(Error::Usage(
                "a KL penalty needs the reference policy's log-probabilities".to_string(),
            ));
        };
        if reference.len() != log_probs.len() {
            return Err(Error::invalid(
                "ref_log_probs",
                format!("found {} values", reference.len()),
                format!("expected one per token ({})", log_probs.len()),
            ));
        }
        for t in 0..log_probs.len() {
            let estimate = kl.estimator.estimate(log_probs[t], reference[t]);
            kl_to_reference += weights[t] * estimate.value;
            kl_value += weights[t] * kl.coefficient * estimate.value;
            coefficients[t] -= weights[t] * kl.coefficient * estimate.slope;
        }
    }
    let constant = surrogate - kl_value;

    let coefficient_grid = unpack(&coefficients, columns, inputs.lengths);
    let coefficient_tensor = Tensor::<B, 2>::from_data(
        TensorData::new(coefficient_grid, [rows, columns]),
        options(),
    );
    let moving = tensors.log_probs.clone() - tensors.log_probs.detach();
    let mut objective = (coefficient_tensor * moving).sum()
        + Tensor::<B, 1>::from_data(TensorData::new(vec![constant], [1]), options());

    let mut entropy = 0.0;
    if let Some(entropies) = tensors.entropies {
        if entropies.dims() != [rows, columns] {
            return Err(Error::invalid(
                "entropies",
                format!("found shape {:?}", entropies.dims()),
                format!("expected the shape of log_probs, [{rows}, {columns}]"),
            ));
        }
        let weight_grid = unpack(&weights, columns, inputs.lengths);
        let weight_tensor =
            Tensor::<B, 2>::from_data(TensorData::new(weight_grid, [rows, columns]), options());
        let weighted = (weight_tensor * entropies).sum();
        entropy = to_host(weighted.clone().detach())?
            .first()
            .copied()
            .unwrap_or(0.0);
        if config.entropy_bonus > 0.0 {
            objective = objective + weighted.mul_scalar(config.entropy_bonus);
        }
    } else if config.entropy_bonus > 0.0 {
        return Err(Error::Usage(
            "an entropy bonus needs the per-token entropies".to_string(),
        ));
    }

    let n = terms.ratios.len() as f64;
    let stats = LossStats {
        surrogate,
        kl_to_reference,
        entropy,
        clip_fraction: terms.clipped.iter().filter(|c| **c).count() as f64 / n,
        ratio_mean: terms.ratios.iter().sum::<f64>() / n,
        ratio_deviation: terms.ratios.iter().map(|r| (r - 1.0).abs()).sum::<f64>() / n,
        ratio_max: terms
            .ratios
            .iter()
            .copied()
            .fold(f64::NEG_INFINITY, f64::max),
        selected: terms.selected,
    };
    Ok(PolicyLoss {
        loss: objective.neg(),
        stats,
    })
}

/// A tensor's values on the host, in f64.
pub(crate) fn to_host<B: Backend, const D: usize>(tensor: Tensor<B, D>) -> Result<Vec<f64>> {
    let data = tensor.try_into_data().map_err(|e| Error::Numerical {
        origin: "llm".to_string(),
        detail: format!("cannot read a tensor back from the device: {e:?}"),
    })?;
    let values = data
        .convert::<f64>()
        .into_vec::<f64>()
        .map_err(|e| Error::Numerical {
            origin: "llm".to_string(),
            detail: format!("cannot read a tensor's values: {e:?}"),
        })?;
    Ok(values)
}

/// The first `lengths[i]` entries of each row of a row-major [rows, columns] grid, packed.
pub(crate) fn pack(grid: &[f64], columns: usize, lengths: &[usize]) -> Vec<f64> {
    lengths
        .iter()
        .enumerate()
        .flat_map(|(i, &length)| grid[i * columns..i * columns + length].iter().copied())
        .collect()
}

/// The inverse of [`pack`], with zeros in the padding (burn converts it to the backend's float
/// type when it builds the tensor).
fn unpack(packed: &[f64], columns: usize, lengths: &[usize]) -> Vec<f64> {
    let mut grid = vec![0.0; lengths.len() * columns];
    let mut start = 0;
    for (i, &length) in lengths.iter().enumerate() {
        for t in 0..length {
            grid[i * columns + t] = packed[start + t];
        }
        start += length;
    }
    grid
}

#[cfg(test)]
#[path = "policy_loss_tests.rs"]
mod tests;
