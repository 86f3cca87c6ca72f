//! The sampled counterpart of [`super::surrogate_ascent`]: each update draws `episodes` rollouts of
//! π_t (geometric termination, so nothing is truncated), estimates advantages — by GAE(λ) with the
//! exact critic V^{π_t}, or critic-free by group-relative returns (GRPO: Shao et al. 2024,
//! "DeepSeekMath", §4.1.2; Dr.GRPO: Liu et al. 2025, without the std normalization) — and runs K
//! epochs of gradient ascent on the sample surrogate
//!
//! L̂_t(θ) = (1/N)·Σ_i f(r_θ(s_i, a_i), Â_i),  r_θ = π_θ(a_i|s_i)/π_t(a_i|s_i),
//!
//! with N the number of episodes and f any per-sample objective (PPO-clip, SPO, …; Schulman et al.
//! 2017, Algorithm 1, with the critic replaced by the exact values so that only the actor's
//! sampling noise remains). Its θ-gradient is (1/N)·Σ_i f′(r_i, Â_i)·r_i·∇_θ log π_θ(a_i|s_i), so
//! the first epoch (r = 1, f′ = Â for every objective in the catalogue) is the advantage
//! estimator's policy-gradient estimate: unbiased for ∇J with GAE (see [`crate::estimator::gae`]),
//! (1 − 1/G)·∇J with Dr.GRPO, and a reweighted direction with GRPO ([`crate::estimator::group`]).

use ndarray::Array2;
use rand_chacha::ChaCha8Rng;

use super::Algorithm;
use super::problem::Problem;
use super::record::Record;
use super::surrogate_ascent::RatioStatistics;
use crate::error::{Error, Result};
use crate::estimator::{Batch, GroupAdvantage, Sample, gae_batch, group_batch};
use crate::metrics::{PolicySnapshot, ascend_and_record};
use crate::objective::Objective;
use crate::policy::TabularSoftmax;

#[derive(Debug)]
pub struct SampledSurrogateAscent<O> {
    pub objective: O,
    /// Gradient-ascent epochs per update, K (10).
    pub epochs: usize,
    /// Step size of each epoch (1).
    pub learning_rate: f64,
    /// Rollouts per update, N (16); with group advantages, N groups of `group_size`.
    pub episodes: usize,
    /// How the samples' advantages are estimated.
    pub advantages: AdvantageEstimator,
}

/// The advantage estimate attached to each sampled (state, action).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum AdvantageEstimator {
    /// GAE(λ) with the exact critic V^{π_t}.
    Gae { lambda: f64 },
    /// Group-relative returns from `group_size` episodes per start state.
    Group {
        kind: GroupAdvantage,
        group_size: usize,
    },
}

/// r = π_θ(a|s)/π_old(a|s) of one sample at the policy `current`.
fn sample_ratio(sample: &Sample, current: &Array2<f64>) -> f64 {
    (current[[sample.state, sample.action]].ln() - sample.old_log_prob).exp()
}

/// The sample surrogate's gradient at the policy `current` around the batch's old policy.
pub fn sample_surrogate_gradient(
    objective: &dyn Objective,
    batch: &Batch,
    current: &Array2<f64>,
) -> Array2<f64> {
    let scale = 1.0 / batch.episodes.max(1) as f64;
    let mut gradient = Array2::zeros(current.dim());
    for sample in &batch.samples {
        let ratio = sample_ratio(sample, current);
        let weight = scale * objective.surrogate(ratio, sample.advantage).slope * ratio;
        if weight == 0.0 {
            continue;
        }
        for b in 0..current.ncols() {
            let indicator = if b == sample.action { 1.0 } else { 0.0 };
            gradient[[sample.state, b]] += weight * (indicator - current[[sample.state, b]]);
        }
    }
    gradient
}

impl<O: Objective> Algorithm for SampledSurrogateAscent<O> {
    type State = TabularSoftmax;

    fn name(&self) -> &'static str {
        self.objective.name()
    }

    fn initial_state(&self, problem: &Problem) -> Result<TabularSoftmax> {
        self.objective.validate()?;
        super::require_positive("learning_rate", self.learning_rate)?;
        super::require_at_least_one("epochs", self.epochs)?;
        super::require_at_least_one("episodes", self.episodes)?;
        if let AdvantageEstimator::Gae { lambda } = self.advantages
            && !(0.0..=1.0).contains(&lambda)
        {
            return Err(Error::invalid(
                "lambda",
                format!("found {lambda}"),
                "expected GAE's λ in [0, 1]",
            ));
        }
        Ok(TabularSoftmax::uniform(&problem.mdp))
    }

    fn step(
        &self,
        problem: &Problem,
        mut state: TabularSoftmax,
        rng: &mut ChaCha8Rng,
    ) -> Result<(TabularSoftmax, Record)> {
        let (snapshot, mut record) = PolicySnapshot::measure_softmax(problem, &state)?;
        let old = &snapshot.probabilities;
        let batch = match self.advantages {
            AdvantageEstimator::Gae { lambda } => gae_batch(
                &problem.mdp,
                old.view(),
                snapshot.values.v.view(),
                lambda,
                self.episodes,
                rng,
            )?,
            AdvantageEstimator::Group { kind, group_size } => group_batch(
                &problem.mdp,
                old.view(),
                kind,
                group_size,
                self.episodes,
                rng,
            )?,
        };
        let mut inner = state.clone();
        let mut current = old.clone();
        for _ in 0..self.epochs {
            let gradient = sample_surrogate_gradient(&self.objective, &batch, &current);
            inner.ascend(&gradient, self.learning_rate);
            current = inner.probabilities();
        }
        let mass = 1.0 / batch.len().max(1) as f64;
        let samples = batch
            .samples
            .iter()
            .map(|sample| (mass, sample_ratio(sample, &current), sample.advantage));
        record.set("samples", batch.len() as f64);
        RatioStatistics::from_samples(&self.objective, samples).record_into(&mut record);
        let change = inner.logits() - state.logits();
        ascend_and_record(&mut state, &snapshot, &change, 1.0, &mut record);
        Ok((state, record))
    }
}
