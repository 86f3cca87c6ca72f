//! PPO-style updates on the exact tabular surrogate: K epochs of gradient ascent on
//!
//! L_t(θ) = 1/(1−γ)·Σ_s d^{π_t}_ρ(s)·Σ_a π_t(a|s)·f(r_θ(s, a), A^{π_t}(s, a)),  r_θ = π_θ/π_t,
//!
//! where f is a per-sample objective from [`crate::objective`]: PPO-clip (Schulman et al. 2017,
//! "Proximal Policy Optimization Algorithms", Eq. 7 and Algorithm 1), DAPO's clip-higher, or SPO
//! (Xie et al. 2025, "Simple Policy Optimization"). With exact d and A this is the expectation of
//! the sampled surrogate, so what is left to see is the objective's own effect: how far the ratio
//! drifts, how often it clips, and how much KL each step spends.
//!
//! The gradient follows from ∂r(s, a)/∂θ(s, b) = r(s, a)·(1[a = b] − π_θ(b|s)) and
//! π_t(a|s)·r(s, a) = π_θ(a|s):
//!
//! ∂L/∂θ(s, b) = d(s)/(1−γ)·π_θ(b|s)·(f′_b − Σ_a π_θ(a|s)·f′_a),  f′_a = ∂f/∂r at (r(s, a), A(s, a)).
//!
//! At θ = θ_t every f with f′(1, A) = A gives the exact policy gradient, so one epoch is one step
//! of softmax PG with step size `learning_rate`.

use ndarray::Array2;
use rand_chacha::ChaCha8Rng;

use super::Algorithm;
use super::catalogue::{AlgorithmEntry, STATIONARY_WORLDS};
use super::sampled_surrogate::{AdvantageEstimator, SampledSurrogateAscent};
use crate::core::checks::{require_at_least_one, require_positive};
use crate::core::error::Result;
use crate::core::parameters::{Parameter, Values, parameter};
use crate::core::record::Record;
use crate::estimator::tabular_critic::Critic;
use crate::metrics::{PolicySnapshot, ascend_and_record};
use crate::objective::catalogue::objectives;
use crate::objective::{Objective, objective_from_name, objective_parameters};
use crate::policy::TabularSoftmax;
use crate::world::World;

/// K epochs of exact gradient ascent on a surrogate objective around the current policy.
#[derive(Debug)]
pub struct SurrogateAscent<O> {
    objective: O,
    epochs: usize,
    learning_rate: f64,
}

impl<O: Objective> SurrogateAscent<O> {
    /// K = `epochs` ≥ 1 epochs of size `learning_rate` > 0 on `objective` (validated here).
    pub fn new(objective: O, epochs: usize, learning_rate: f64) -> Result<Self> {
        objective.validate()?;
        require_positive("learning_rate", learning_rate)?;
        require_at_least_one("epochs", epochs)?;
        Ok(SurrogateAscent {
            objective,
            epochs,
            learning_rate,
        })
    }
}

/// The parameters every K-epoch method shares.
pub const EPOCHS: Parameter = parameter(
    "epochs",
    10.0,
    "gradient-ascent epochs on the surrogate per update, K",
);
pub const LEARNING_RATE: Parameter = parameter("learning_rate", 1.0, "step size of each epoch");
const EPISODES: Parameter = parameter(
    "episodes",
    0.0,
    "0: exact surrogate; N > 0: N sampled rollouts per update (GAE with the critic `critic`)",
);
const LAMBDA: Parameter = parameter("lambda", 0.95, "GAE's λ in sampled mode");
const CRITIC: Parameter = parameter(
    "critic",
    0.0,
    "sampled mode's critic for GAE: 0 the exact V^π, 1 every-visit Monte-Carlo on the batch, \
     2 batch TD(0) (certainty equivalence); 1 and 2 are model-free",
);

/// The objective's own parameters, as catalogue parameters.
pub fn objective_parameter_list(objective: &str) -> Vec<Parameter> {
    objective_parameters(objective)
        .into_iter()
        .map(|(name, default, doc)| parameter(name, default, doc))
        .collect()
}

/// The catalogue entries: one per objective of [`crate::objective::catalogue`] that offers a
/// tabular algorithm, exact (`episodes = 0`) or sampled.
pub fn entries() -> Vec<AlgorithmEntry> {
    objectives()
        .into_iter()
        .filter_map(|objective| Some((objective.name, objective.tabular?)))
        .map(|(name, summary)| {
            let mut parameters = objective_parameter_list(name);
            parameters.extend([EPOCHS, LEARNING_RATE, EPISODES, LAMBDA, CRITIC]);
            AlgorithmEntry {
                name,
                summary,
                worlds: STATIONARY_WORLDS,
                parameters,
                run: |values, world, run| {
                    let objective = objective_of(values)?;
                    let (epochs, learning_rate) =
                        (values.count("epochs")?, values.real("learning_rate"));
                    let critic = Critic::from_code(values.count("critic")?)?;
                    match values.count("episodes")? {
                        0 if critic != Critic::Exact => Err(crate::core::error::Error::invalid(
                            "critic",
                            "a fitted critic with episodes = 0",
                            "episodes > 0: the exact surrogate has no samples to fit a critic to",
                        )),
                        0 => run.go(
                            &SurrogateAscent::new(objective, epochs, learning_rate)?,
                            world,
                        ),
                        episodes => run.go(
                            &SampledSurrogateAscent::new(
                                objective,
                                epochs,
                                learning_rate,
                                episodes,
                                AdvantageEstimator::Gae {
                                    lambda: values.real("lambda"),
                                    critic,
                                },
                            )?,
                            world,
                        ),
                    }
                },
            }
        })
        .collect()
}

/// The entry's objective built from the values given for its own parameters.
fn objective_of(values: &Values<'_>) -> Result<Box<dyn Objective>> {
    let own: Vec<&str> = objective_parameters(values.entry_name())
        .iter()
        .map(|&(name, _, _)| name)
        .collect();
    objective_from_name(values.entry_name(), &values.given_among(&own))
}

/// Ratio statistics of the new policy against the old one, under d^{π_t}·π_t.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RatioStatistics {
    /// E[|r − 1|].
    pub mean_deviation: f64,
    /// max |r − 1| over the pairs the old policy visits.
    pub max_deviation: f64,
    /// The probability mass of pairs where the objective is flat (clipped).
    pub clip_fraction: f64,
}

impl RatioStatistics {
    /// Statistics of (mass, ratio, advantage) triples whose masses sum to 1.
    pub fn from_samples(
        objective: &dyn Objective,
        samples: impl IntoIterator<Item = (f64, f64, f64)>,
    ) -> Self {
        let (mut mean, mut max, mut clipped) = (0.0, 0.0f64, 0.0);
        for (mass, ratio, advantage) in samples {
            mean += mass * (ratio - 1.0).abs();
            max = max.max((ratio - 1.0).abs());
            if objective.surrogate(ratio, advantage).clipped {
                clipped += mass;
            }
        }
        RatioStatistics {
            mean_deviation: mean,
            max_deviation: max,
            clip_fraction: clipped,
        }
    }

    pub fn record_into(&self, record: &mut Record) {
        record.set("ratio_dev_mean", self.mean_deviation);
        record.set("ratio_dev_max", self.max_deviation);
        record.set("clipfrac", self.clip_fraction);
    }
}

/// The surrogate's value and its gradient in θ at the policy `current`, around `old` with the
/// advantages `advantage` and state weights `weights` (d(s)/(1−γ)).
pub fn surrogate_and_gradient(
    objective: &dyn Objective,
    old: &Array2<f64>,
    current: &Array2<f64>,
    advantage: &Array2<f64>,
    weights: &[f64],
) -> (f64, Array2<f64>) {
    let mut value = 0.0;
    let mut gradient = Array2::zeros(old.dim());
    let mut slopes = vec![0.0; old.ncols()];
    for (s, &w) in weights.iter().enumerate() {
        if w == 0.0 {
            continue;
        }
        let mut mean_slope = 0.0;
        for (a, slope) in slopes.iter_mut().enumerate() {
            let (p_old, p) = (old[[s, a]], current[[s, a]]);
            *slope = 0.0;
            if p_old > 0.0 {
                let sample = objective.surrogate(p / p_old, advantage[[s, a]]);
                value += w * p_old * sample.value;
                *slope = sample.slope;
                mean_slope += p * sample.slope;
            }
        }
        for (a, &slope) in slopes.iter().enumerate() {
            gradient[[s, a]] = w * current[[s, a]] * (slope - mean_slope);
        }
    }
    (value, gradient)
}

/// Ratio statistics of `new` against `old` under d·π_old; `weights` are proportional to d(s)
/// (they are normalized here).
pub fn ratio_statistics(
    objective: &dyn Objective,
    old: &Array2<f64>,
    new: &Array2<f64>,
    advantage: &Array2<f64>,
    weights: &[f64],
) -> RatioStatistics {
    let total: f64 = weights.iter().sum();
    let samples = old
        .indexed_iter()
        .filter(|&((s, _), &p_old)| p_old > 0.0 && weights[s] > 0.0)
        .map(|((s, a), &p_old)| {
            let mass = weights[s] / total * p_old;
            (mass, new[[s, a]] / p_old, advantage[[s, a]])
        });
    RatioStatistics::from_samples(objective, samples)
}

impl<O: Objective, W: World + ?Sized> Algorithm<W> for SurrogateAscent<O> {
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
        world.require_kind(self.objective.name(), STATIONARY_WORLDS)?;
        Ok(TabularSoftmax::start_on(world))
    }

    fn step(
        &self,
        world: &W,
        mut state: TabularSoftmax,
        _rng: &mut ChaCha8Rng,
    ) -> Result<(TabularSoftmax, Record)> {
        let (snapshot, mut record) =
            PolicySnapshot::measure_softmax(world, std::slice::from_ref(&state))?;
        let advantage = snapshot.stationary().advantage();
        let divisor = snapshot.evaluation.gradient_divisor;
        let weights: Vec<f64> = snapshot
            .stationary()
            .occupancy
            .iter()
            .map(|d| d / divisor)
            .collect();
        let old = &snapshot.probabilities[0];
        let mut inner = state.clone();
        let mut current = old.clone();
        // The first epoch starts at θ_t, so its value is L_t(θ_t).
        let mut start_value = None;
        for _ in 0..self.epochs {
            let (value, gradient) =
                surrogate_and_gradient(&self.objective, old, &current, &advantage, &weights);
            start_value.get_or_insert(value);
            inner.ascend(&gradient, self.learning_rate);
            current = inner.probabilities();
        }
        let (end_value, _) =
            surrogate_and_gradient(&self.objective, old, &current, &advantage, &weights);
        ratio_statistics(&self.objective, old, &current, &advantage, &weights)
            .record_into(&mut record);
        record.set(
            "surrogate_gain",
            end_value - start_value.unwrap_or(end_value),
        );
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
