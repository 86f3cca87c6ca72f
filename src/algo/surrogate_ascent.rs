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
use super::problem::Problem;
use super::record::Record;
use crate::error::Result;
use crate::metrics::{PolicySnapshot, ascend_and_record};
use crate::objective::Objective;
use crate::policy::TabularSoftmax;

/// K epochs of exact gradient ascent on a surrogate objective around the current policy.
#[derive(Debug)]
pub struct SurrogateAscent<O> {
    pub objective: O,
    /// Gradient-ascent epochs per update, K (10).
    pub epochs: usize,
    /// Step size of each epoch (1).
    pub learning_rate: f64,
}

impl<O: Objective> SurrogateAscent<O> {
    pub fn new(objective: O) -> Self {
        SurrogateAscent {
            objective,
            epochs: 10,
            learning_rate: 1.0,
        }
    }
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

impl<O: Objective> Algorithm for SurrogateAscent<O> {
    type State = TabularSoftmax;

    fn name(&self) -> &'static str {
        self.objective.name()
    }

    fn initial_state(&self, problem: &Problem) -> Result<TabularSoftmax> {
        self.objective.validate()?;
        super::require_positive("learning_rate", self.learning_rate)?;
        super::require_at_least_one("epochs", self.epochs)?;
        Ok(TabularSoftmax::uniform(&problem.mdp))
    }

    fn step(
        &self,
        problem: &Problem,
        mut state: TabularSoftmax,
        _rng: &mut ChaCha8Rng,
    ) -> Result<(TabularSoftmax, Record)> {
        let (snapshot, mut record) = PolicySnapshot::measure_softmax(problem, &state)?;
        let advantage = snapshot.values.advantage();
        let gamma = problem.mdp.gamma();
        let weights: Vec<f64> = snapshot
            .occupancy
            .iter()
            .map(|d| d / (1.0 - gamma))
            .collect();
        let old = &snapshot.probabilities;
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
        ascend_and_record(&mut state, &snapshot, &change, 1.0, &mut record);
        Ok((state, record))
    }
}
