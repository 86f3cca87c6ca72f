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
use super::catalogue::{AlgorithmEntry, Run as CatalogueRun, STATIONARY_MODEL_WORLDS};
use super::surrogate_ascent::{EPOCHS, LEARNING_RATE, RatioStatistics, objective_parameter_list};
use crate::core::checks::{require_at_least_one, require_positive};
use crate::core::error::{Error, Result};
use crate::core::parameters::{Values, parameter};
use crate::core::record::Record;
use crate::estimator::tabular_critic::{Critic, critic_batch};
use crate::estimator::{Batch, GroupAdvantage, Sample, group_batch, sample_episodes};
use crate::metrics::{PolicySnapshot, ascend_and_record};
use crate::objective::{Objective, objective_from_name};
use crate::policy::TabularSoftmax;
use crate::world::World;

#[derive(Debug)]
pub struct SampledSurrogateAscent<O> {
    objective: O,
    epochs: usize,
    learning_rate: f64,
    episodes: usize,
    advantages: AdvantageEstimator,
}

impl<O: Objective> SampledSurrogateAscent<O> {
    /// K = `epochs` ≥ 1 epochs of size `learning_rate` > 0 on `objective` (validated here) over
    /// `episodes` ≥ 1 rollouts per update (with group advantages: that many groups of
    /// `group_size`), advantages by `advantages` (GAE's λ in [0, 1]; groups of at least 1).
    pub fn new(
        objective: O,
        epochs: usize,
        learning_rate: f64,
        episodes: usize,
        advantages: AdvantageEstimator,
    ) -> Result<Self> {
        objective.validate()?;
        require_positive("learning_rate", learning_rate)?;
        require_at_least_one("epochs", epochs)?;
        require_at_least_one("episodes", episodes)?;
        if let AdvantageEstimator::Gae { lambda, .. } = advantages
            && !(0.0..=1.0).contains(&lambda)
        {
            return Err(Error::invalid(
                "lambda",
                format!("found {lambda}"),
                "expected GAE's λ in [0, 1]",
            ));
        }
        Ok(SampledSurrogateAscent {
            objective,
            epochs,
            learning_rate,
            episodes,
            advantages,
        })
    }
}

/// The critic-free entries: PPO-clip on group-relative returns.
pub fn entries() -> Vec<AlgorithmEntry> {
    type Run = fn(&Values<'_>, &dyn World, &mut CatalogueRun<'_>) -> Result<()>;
    let grpo: Run = |values, world, run| run_group(GroupAdvantage::Grpo, values, world, run);
    let dr_grpo: Run = |values, world, run| run_group(GroupAdvantage::DrGrpo, values, world, run);
    [
        (
            "grpo",
            "PPO-clip on group-normalized returns, no critic (Shao et al. 2024, DeepSeekMath)",
            grpo,
        ),
        (
            "dr-grpo",
            "PPO-clip on group-centred returns, no std (Liu et al. 2025, Dr.GRPO)",
            dr_grpo,
        ),
    ]
    .into_iter()
    .map(|(name, summary, run)| {
        let mut parameters = objective_parameter_list("ppo-clip");
        parameters.extend([
            EPOCHS,
            LEARNING_RATE,
            parameter("groups", 8.0, "groups per update, each from one s₀ ~ ρ"),
            parameter("group_size", 8.0, "G: episodes per group"),
        ]);
        AlgorithmEntry {
            name,
            summary,
            worlds: STATIONARY_MODEL_WORLDS,
            parameters,
            run,
        }
    })
    .collect()
}

/// PPO-clip with group-relative advantages of `kind`, from checked values.
fn run_group(
    kind: GroupAdvantage,
    values: &Values<'_>,
    world: &dyn World,
    run: &mut CatalogueRun<'_>,
) -> Result<()> {
    let objective =
        objective_from_name("ppo-clip", &values.given_among(&["clip_low", "clip_high"]))?;
    let algorithm = SampledSurrogateAscent::new(
        objective,
        values.count("epochs")?,
        values.real("learning_rate"),
        values.count("groups")?,
        AdvantageEstimator::Group {
            kind,
            group_size: values.count("group_size")?,
        },
    )?;
    run.go(&algorithm, world)
}

/// The most memory one update's batch may take (samples of 32 bytes, episodes and their copies
/// included): 2 GiB.
pub const MAX_BATCH_BYTES: f64 = (2u64 << 30) as f64;

/// Refuses a batch whose expected size, `episodes`·1/(1−γ) steps (the mean length of an episode
/// under geometric termination) at about 80 bytes a step, exceeds [`MAX_BATCH_BYTES`] — before
/// any episode is drawn.
pub(crate) fn require_batch_fits(episodes: usize, gamma: f64) -> Result<()> {
    let steps = episodes as f64 / (1.0 - gamma).max(1e-12);
    let bytes = steps * 80.0;
    if bytes > MAX_BATCH_BYTES {
        return Err(Error::invalid(
            "episodes",
            format!(
                "{episodes} episodes an update: about {steps:.3e} steps at gamma = {gamma}, \
                 {:.1} GB per batch",
                bytes / 1e9
            ),
            format!(
                "a batch under {:.1} GB (at most about {:.0} episodes here)",
                MAX_BATCH_BYTES / 1e9,
                MAX_BATCH_BYTES / 80.0 * (1.0 - gamma)
            ),
        ));
    }
    Ok(())
}

/// The advantage estimate attached to each sampled (state, action).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum AdvantageEstimator {
    /// GAE(λ) bootstrapping from `critic`: the exact V^{π_t}, or a value table fitted to the
    /// batch alone (model-free: [`crate::estimator::tabular_critic`]).
    Gae { lambda: f64, critic: Critic },
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

impl<O: Objective, W: World + ?Sized> Algorithm<W> for SampledSurrogateAscent<O> {
    type State = TabularSoftmax;

    fn policy(&self, state: &Self::State) -> Option<Vec<ndarray::Array2<f64>>> {
        Some(vec![state.probabilities()])
    }

    fn logits(&self, state: &Self::State) -> Option<Vec<ndarray::Array2<f64>>> {
        Some(vec![state.logits().clone()])
    }

    fn name(&self) -> &'static str {
        self.objective.name()
    }

    fn initial_state(&self, world: &W) -> Result<TabularSoftmax> {
        world.require_kind(self.objective.name(), STATIONARY_MODEL_WORLDS)?;
        world.require_model("sampled mode")?;
        require_batch_fits(self.episodes, world.gamma())?;
        Ok(TabularSoftmax::start_on(world))
    }

    fn step(
        &self,
        world: &W,
        mut state: TabularSoftmax,
        rng: &mut ChaCha8Rng,
    ) -> Result<(TabularSoftmax, Record)> {
        let mdp = world.require_model("sampled mode")?;
        let (snapshot, mut record) =
            PolicySnapshot::measure_softmax(world, std::slice::from_ref(&state))?;
        let old = &snapshot.probabilities[0];
        let batch = match self.advantages {
            // The exact critic draws and estimates as `gae_batch` does (same episodes, same
            // advantages).
            AdvantageEstimator::Gae { lambda, critic } => {
                let episodes = sample_episodes(mdp, old.view(), self.episodes, rng)?;
                let (batch, error) = critic_batch(
                    critic,
                    &episodes,
                    old.view(),
                    &snapshot.stationary().v,
                    lambda,
                )?;
                if let Some(error) = error {
                    record.set("critic_error", error);
                }
                batch
            }
            AdvantageEstimator::Group { kind, group_size } => {
                group_batch(mdp, old.view(), kind, group_size, self.episodes, rng)?
            }
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
        ascend_and_record(
            std::slice::from_mut(&mut state),
            &snapshot,
            std::slice::from_ref(&change),
            1.0,
            &mut record,
        );
        Ok((state, record))
    }
}
