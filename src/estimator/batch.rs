//! Per-step samples with advantages attached, and the score-function gradient of the tabular
//! softmax.
//!
//! A [`Sample`] is one visited pair (s, a) with an advantage estimate Â and the log-probability
//! log π_old(a|s) of the policy that sampled it. That is all a sampled surrogate needs: with
//! r_i(θ) = π_θ(a_i|s_i)/π_old(a_i|s_i), a PPO-style objective is the mean over samples of
//! f(r_i(θ), Â_i) (see [`crate::objective`]), and at θ = θ_old its gradient is a weighted sum of
//! scores.
//!
//! For the tabular softmax π_θ(a|s) ∝ exp θ(s, a), the score is
//!
//! ∂ log π_θ(a|s) / ∂θ(s', b) = 1[s' = s]·(1[b = a] − π_θ(b|s)),
//!
//! so [`softmax_score_gradient`] returns Σ_i w_i·Â_i·∇_θ log π_θ(a_i|s_i) with one row update per
//! sample, O(A) each.

use ndarray::{Array2, ArrayView2};
use rand::Rng;

use super::rollout::{Episode, EpisodeEnd, run_episode};
use crate::core::error::{Error, Result};
use crate::exact::check_policy;
use crate::world::TabularMdp;

/// One visited (state, action) with its advantage estimate.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Sample {
    pub state: usize,
    pub action: usize,
    /// Â, the advantage estimate attached to (state, action).
    pub advantage: f64,
    /// log π_old(action|state) under the policy that sampled it.
    pub old_log_prob: f64,
}

/// The samples of a set of episodes.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Batch {
    pub samples: Vec<Sample>,
    /// Episodes the samples came from.
    pub episodes: usize,
    /// How many of them hit the safety cap ([`EpisodeEnd::Capped`]); should be 0.
    pub capped: usize,
}

impl Batch {
    pub fn new() -> Self {
        Batch::default()
    }

    pub fn len(&self) -> usize {
        self.samples.len()
    }

    pub fn is_empty(&self) -> bool {
        self.samples.is_empty()
    }

    /// Appends the steps of `episode` with one advantage per step; `policy` is the probability
    /// table that sampled it (for `old_log_prob`).
    pub fn push_episode(
        &mut self,
        episode: &Episode,
        advantages: &[f64],
        policy: ArrayView2<'_, f64>,
    ) -> Result<()> {
        if advantages.len() != episode.len() {
            return Err(Error::invalid(
                "advantages",
                format!("found {} advantages", advantages.len()),
                format!("expected one per step of the episode ({})", episode.len()),
            ));
        }
        for ((&state, &action), &advantage) in
            episode.states.iter().zip(&episode.actions).zip(advantages)
        {
            let probability = policy.get((state, action)).copied().ok_or_else(|| {
                Error::invalid(
                    "policy",
                    format!("no entry for state {state}, action {action}"),
                    "expected the probability table that sampled the episode",
                )
            })?;
            self.samples.push(Sample {
                state,
                action,
                advantage,
                old_log_prob: probability.ln(),
            });
        }
        self.episodes += 1;
        if episode.end == EpisodeEnd::Capped {
            self.capped += 1;
        }
        Ok(())
    }

    /// Appends another batch.
    pub fn extend(&mut self, other: Batch) {
        self.samples.extend(other.samples);
        self.episodes += other.episodes;
        self.capped += other.capped;
    }

    /// The per-episode mean (1/N)·Σ_i Â_i·∇_θ log π(a_i|s_i) over the N episodes of the batch,
    /// the gradient estimate of every estimator in this module.
    pub fn mean_gradient(&self, policy: ArrayView2<'_, f64>) -> Result<Array2<f64>> {
        if self.episodes == 0 {
            return Err(Error::Usage(
                "a gradient estimate needs at least one episode, but the batch is empty".into(),
            ));
        }
        let weights = vec![1.0 / self.episodes as f64; self.len()];
        softmax_score_gradient(self, policy, &weights)
    }
}

/// `episodes` episodes from s₀ ~ ρ under `policy`, each with the advantages `advantages_of`
/// computes for it: the sampling loop shared by every estimator that starts from ρ.
pub fn sample_batch<R: Rng + ?Sized>(
    mdp: &TabularMdp,
    policy: ArrayView2<'_, f64>,
    episodes: usize,
    rng: &mut R,
    mut advantages_of: impl FnMut(&Episode) -> Result<Vec<f64>>,
) -> Result<Batch> {
    let sampled = sample_episodes(mdp, policy, episodes, rng)?;
    batch_of(&sampled, policy, |episode| advantages_of(episode))
}

/// `episodes` episodes from s₀ ~ ρ under `policy` (the draws of [`sample_batch`], in its order).
pub fn sample_episodes<R: Rng + ?Sized>(
    mdp: &TabularMdp,
    policy: ArrayView2<'_, f64>,
    episodes: usize,
    rng: &mut R,
) -> Result<Vec<Episode>> {
    check_policy(mdp, policy)?;
    Ok((0..episodes)
        .map(|_| {
            let start = mdp.sample_initial(rng);
            run_episode(mdp, policy, start, rng)
        })
        .collect())
}

/// The batch of `episodes` (sampled by `policy`) with the advantages `advantages_of` computes.
pub fn batch_of(
    episodes: &[Episode],
    policy: ArrayView2<'_, f64>,
    mut advantages_of: impl FnMut(&Episode) -> Result<Vec<f64>>,
) -> Result<Batch> {
    let mut batch = Batch::new();
    for episode in episodes {
        let advantages = advantages_of(episode)?;
        batch.push_episode(episode, &advantages, policy)?;
    }
    Ok(batch)
}

/// Checks that a per-state table (values, a baseline) has one entry per state of `mdp`.
pub(crate) fn require_per_state(field: &str, length: usize, mdp: &TabularMdp) -> Result<()> {
    if length == mdp.n_states() {
        Ok(())
    } else {
        Err(Error::invalid(
            field,
            format!("found {length} values"),
            format!("expected one per state ({})", mdp.n_states()),
        ))
    }
}

/// Σ_i w_i·Â_i·∇_θ log π(a_i|s_i) for the tabular softmax whose probabilities are `policy`
/// (S×A): entry (s, b) collects w_i·Â_i·(1[b = a_i] − π(b|s)) over the samples with s_i = s.
pub fn softmax_score_gradient(
    batch: &Batch,
    policy: ArrayView2<'_, f64>,
    weights: &[f64],
) -> Result<Array2<f64>> {
    if weights.len() != batch.len() {
        return Err(Error::invalid(
            "weights",
            format!("found {} weights", weights.len()),
            format!("expected one per sample ({})", batch.len()),
        ));
    }
    let (n_states, n_actions) = policy.dim();
    let mut gradient = Array2::zeros((n_states, n_actions));
    for (i, (sample, &weight)) in batch.samples.iter().zip(weights).enumerate() {
        if sample.state >= n_states || sample.action >= n_actions {
            return Err(Error::invalid(
                format!("samples[{i}]"),
                format!("state {}, action {}", sample.state, sample.action),
                format!("expected a pair inside the {n_states}x{n_actions} policy table"),
            ));
        }
        let scale = weight * sample.advantage;
        if scale == 0.0 {
            continue;
        }
        let probabilities = policy.row(sample.state);
        let mut row = gradient.row_mut(sample.state);
        for (g, &p) in row.iter_mut().zip(probabilities) {
            *g -= scale * p;
        }
        row[sample.action] += scale;
    }
    Ok(gradient)
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::arr2;

    #[test]
    fn score_matches_finite_differences_of_log_softmax() {
        let logits = arr2(&[[0.3, -1.2, 0.8], [1.5, 0.0, -0.4]]);
        let probabilities = |logits: &Array2<f64>| {
            let mut p = logits.mapv(f64::exp);
            for mut row in p.rows_mut() {
                let total = row.sum();
                row.mapv_inplace(|x| x / total);
            }
            p
        };
        let policy = probabilities(&logits);
        let batch = Batch {
            samples: vec![
                Sample {
                    state: 1,
                    action: 2,
                    advantage: 1.7,
                    old_log_prob: 0.0,
                },
                Sample {
                    state: 0,
                    action: 0,
                    advantage: -0.6,
                    old_log_prob: 0.0,
                },
            ],
            episodes: 1,
            capped: 0,
        };
        let weights = [0.5, 2.0];
        let gradient = softmax_score_gradient(&batch, policy.view(), &weights).unwrap();
        let objective = |logits: &Array2<f64>| {
            let p = probabilities(logits);
            batch
                .samples
                .iter()
                .zip(weights)
                .map(|(s, w)| w * s.advantage * p[[s.state, s.action]].ln())
                .sum::<f64>()
        };
        let h = 1e-6;
        for ((s, b), &g) in gradient.indexed_iter() {
            let mut plus = logits.clone();
            plus[[s, b]] += h;
            let mut minus = logits.clone();
            minus[[s, b]] -= h;
            let numeric = (objective(&plus) - objective(&minus)) / (2.0 * h);
            assert!((numeric - g).abs() < 1e-7, "({s}, {b}): {numeric} vs {g}");
        }
    }

    #[test]
    fn capped_episodes_are_counted() {
        let policy = arr2(&[[0.25, 0.75]]);
        let mut episode = Episode {
            states: vec![0, 0],
            actions: vec![1, 0],
            rewards: vec![1.0, 0.0],
            next_states: vec![0, 0],
            end: EpisodeEnd::Stopped,
            horizon: crate::world::Horizon::Discounted { gamma: 0.5 },
        };
        let mut batch = Batch::new();
        batch
            .push_episode(&episode, &[1.0, 2.0], policy.view())
            .unwrap();
        episode.end = EpisodeEnd::Capped;
        batch
            .push_episode(&episode, &[1.0, 2.0], policy.view())
            .unwrap();
        assert_eq!((batch.episodes, batch.capped, batch.len()), (2, 1, 4));
        assert_eq!(batch.samples[0].old_log_prob, 0.75f64.ln());
        assert!(batch.push_episode(&episode, &[1.0], policy.view()).is_err());
    }

    #[test]
    fn mismatched_weights_and_empty_batches_are_errors() {
        let policy = arr2(&[[0.5, 0.5]]);
        let batch = Batch::new();
        assert!(softmax_score_gradient(&batch, policy.view(), &[1.0]).is_err());
        assert!(batch.mean_gradient(policy.view()).is_err());
    }
}
