//! Generalized advantage estimation, GAE(λ) (Schulman, Moritz, Levine, Jordan & Abbeel 2016,
//! "High-dimensional continuous control using generalized advantage estimation", Eq. 16), in the
//! form that stays unbiased on episodes with geometric termination.
//!
//! GAE sums exponentially weighted TD errors: Â_t = Σ_l (γ̃λ)^l·δ_{t+l} with
//! δ_t = r_t + γ̃·V(s_{t+1}) − V(s_t). Under geometric termination ([`super::rollout`]) the
//! discount is already paid by the stopping coin: the sampled process is an *undiscounted*
//! episodic MDP whose value function is V^π. So the discount inside GAE is γ̃ = 1 and the
//! survival indicator takes γ's place:
//!
//! c_t = 1 if the episode went on after step t, 0 if step t was `done` or the coin stopped it,
//! δ_t = r_t + c_t·V(s_{t+1}) − V(s_t),
//! Â_t = Σ_{l=0}^{T−1−t} λ^l·δ_{t+l}   (computed backwards: Â_t = δ_t + λ·Â_{t+1}, Â_T = 0).
//!
//! At the safety cap the coin had said "go on", so c = 1 there and the value of s_T bootstraps
//! the cut-off tail.
//!
//! **Unbiasedness with V = V^π, for every λ ∈ [0, 1].** The coin is independent of the outcome
//! and has probability γ, so E[c_t·V(s_{t+1}) | s_t, a_t] = γ·Σ_{s'} P̃(s'|s_t, a_t)·V^π(s')
//! (P̃ drops `done` outcomes) and E[δ_t | s_t, a_t] = Q^π(s_t, a_t) − V^π(s_t) = A^π(s_t, a_t).
//! For l ≥ 1, δ_{t+l} exists only if step t+l happens; given that and s_{t+l}, the action
//! a_{t+l} ~ π is fresh, so E[δ_{t+l} | s_{t+l}] = Σ_a π(a|s_{t+l})·A^π(s_{t+l}, a) = 0. By the
//! Markov property and the tower rule every later term has mean zero given (s_t, a_t) and the
//! history before it, and the sum may be taken term by term since |δ| ≤ max|r| + 2·max|V| and
//! Σ_l λ^l·Pr(step t+l happens | step t) ≤ Σ_l γ^l < ∞. Therefore E[Â_t | history up to a_t] =
//! A^π(s_t, a_t) and, by the argument of [`super::reinforce`] with A in place of Q, the gradient
//! estimate Σ_t Â_t·∇log π(a_t|s_t) has expectation (1/(1−γ))·E_{d^π_ρ, π}[A^π·∇log π] = ∇J.
//! λ = 1 telescopes to G_t − V(s_t) (REINFORCE with the V baseline), λ = 0 is the one-step TD
//! error.
//!
//! **The discount must be counted once.** Textbook GAE on these episodes, δ_t = r_t +
//! γ·c_t·V(s_{t+1}) − V(s_t), has mean r + γ²·P̃V − V ≠ A^π: biased even at λ = 0. (Replacing
//! c_t by its expectation, δ_t = r_t + γ·(1 − done_t)·V(s_{t+1}) − V(s_t), would also be
//! unbiased; the survival form is kept because λ = 1 then gives exactly the Monte-Carlo
//! advantage.) With a wrong V the estimator is biased through the action-dependent part of
//! E[c_t·V(s_{t+1}) | s_t, a_t]; the tests use that as a negative control.
//!
//! Finite horizons are refused: their values depend on the step, so one V table cannot be exact.

use ndarray::{ArrayView1, ArrayView2};
use rand::Rng;

use super::batch::{Batch, require_per_state, sample_batch};
use super::rollout::{Episode, EpisodeEnd};
use crate::core::error::{Error, Result};
use crate::world::{Horizon, TabularMdp};

fn check_lambda(lambda: f64) -> Result<()> {
    if (0.0..=1.0).contains(&lambda) {
        Ok(())
    } else {
        Err(Error::invalid(
            "lambda",
            format!("found {lambda}"),
            "expected 0 <= lambda <= 1",
        ))
    }
}

fn finite_horizon_error(steps: usize) -> Error {
    Error::Usage(format!(
        "GAE needs a discounted world, but this one has a finite horizon of {steps} steps, \
         where values depend on the step"
    ))
}

/// GAE(λ) advantages Â_t of every step of `episode` from the value table `values`.
pub fn gae_advantages(
    episode: &Episode,
    values: ArrayView1<'_, f64>,
    lambda: f64,
) -> Result<Vec<f64>> {
    check_lambda(lambda)?;
    if let Horizon::Finite { steps, .. } = episode.horizon {
        return Err(finite_horizon_error(steps));
    }
    let value = |state: usize| {
        values.get(state).copied().ok_or_else(|| {
            Error::invalid(
                "values",
                format!("no value for state {state} ({} values)", values.len()),
                "expected one value per state",
            )
        })
    };
    let n = episode.len();
    let mut advantages = vec![0.0; n];
    let mut next_advantage = 0.0;
    for t in (0..n).rev() {
        let continues = t + 1 < n || episode.end == EpisodeEnd::Capped;
        let bootstrap = if continues {
            value(episode.next_states[t])?
        } else {
            0.0
        };
        let delta = episode.rewards[t] + bootstrap - value(episode.states[t])?;
        next_advantage = delta + lambda * next_advantage;
        advantages[t] = next_advantage;
    }
    Ok(advantages)
}

/// `episodes` episodes from s₀ ~ ρ with GAE(λ) advantages from `values` (one per state);
/// [`Batch::mean_gradient`] is the estimate of ∇J.
pub fn gae_batch<R: Rng + ?Sized>(
    mdp: &TabularMdp,
    policy: ArrayView2<'_, f64>,
    values: ArrayView1<'_, f64>,
    lambda: f64,
    episodes: usize,
    rng: &mut R,
) -> Result<Batch> {
    check_lambda(lambda)?;
    if let Horizon::Finite { steps, .. } = mdp.horizon() {
        return Err(finite_horizon_error(steps));
    }
    require_per_state("values", values.len(), mdp)?;
    sample_batch(mdp, policy, episodes, rng, |episode| {
        gae_advantages(episode, values, lambda)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::arr1;

    fn episode(end: EpisodeEnd) -> Episode {
        Episode {
            states: vec![0, 1, 0],
            actions: vec![0, 1, 1],
            rewards: vec![1.0, -2.0, 0.5],
            next_states: vec![1, 0, 1],
            end,
            horizon: Horizon::Discounted { gamma: 0.9 },
        }
    }

    #[test]
    fn lambda_one_is_return_to_go_minus_value() {
        let values = arr1(&[0.3, -0.7]);
        let ep = episode(EpisodeEnd::Stopped);
        let advantages = gae_advantages(&ep, values.view(), 1.0).unwrap();
        for (t, (a, g)) in advantages.iter().zip(ep.returns_to_go()).enumerate() {
            assert!((a - (g - values[ep.states[t]])).abs() < 1e-12);
        }
    }

    #[test]
    fn lambda_zero_is_the_td_error_and_the_cap_bootstraps() {
        let values = arr1(&[0.3, -0.7]);
        let stopped = gae_advantages(&episode(EpisodeEnd::Stopped), values.view(), 0.0).unwrap();
        assert_eq!(stopped, vec![1.0 - 0.7 - 0.3, -2.0 + 0.3 + 0.7, 0.5 - 0.3]);
        let capped = gae_advantages(&episode(EpisodeEnd::Capped), values.view(), 0.0).unwrap();
        assert_eq!(capped[2], 0.5 - 0.7 - 0.3);
    }

    #[test]
    fn bad_lambda_short_values_and_finite_horizons_are_errors() {
        let values = arr1(&[0.3, -0.7]);
        let ep = episode(EpisodeEnd::Done);
        assert!(gae_advantages(&ep, values.view(), 1.5).is_err());
        assert!(gae_advantages(&ep, values.view(), f64::NAN).is_err());
        assert!(gae_advantages(&ep, arr1(&[0.0]).view(), 0.5).is_err());
        let finite = Episode {
            horizon: Horizon::Finite {
                steps: 3,
                gamma: 1.0,
            },
            ..ep
        };
        assert!(gae_advantages(&finite, values.view(), 0.5).is_err());
    }
}
