//! REINFORCE with returns-to-go (Williams 1992, "Simple statistical gradient-following
//! algorithms for connectionist reinforcement learning"), on episodes with geometric
//! termination.
//!
//! For one episode of T steps ([`super::rollout`]),
//!
//! ĝ = Σ_{t<T} ∇_θ log π(a_t|s_t)·(G_t − b(s_t)),  G_t = r_t + r_{t+1} + … + r_{T−1},
//!
//! an undiscounted sum: the discount is already in the stopping coin.
//!
//! **Why E\[ĝ\] = ∇J.** Write α_t = 1[step t happens]. The coins are independent of the chain, so
//! Pr(α_t = 1, s_t = s) = γ^t·Pr(s_t = s) for the chain whose `done` transitions lead nowhere
//! (the kernel P̃). Given that step t happens in (s_t, a_t), what follows is again an episode
//! with geometric termination, started at (s_t, a_t); its undiscounted reward sum has
//! expectation Q^π(s_t, a_t), just as a whole episode's has expectation J. Rewards before t are
//! left out because, given the history up to s_t, the score has mean zero. Hence
//!
//! E\[ĝ\] = Σ_t γ^t Σ_s Pr(s_t = s) Σ_a π(a|s)·∇log π(a|s)·Q^π(s, a)
//!      = (1/(1−γ))·E_{s~d^π_ρ, a~π}[Q^π(s, a)·∇log π(a|s)] = ∇J,
//!
//! since Σ_t γ^t Pr(s_t = s) = d^π_ρ(s)/(1−γ) (the policy-gradient theorem, Sutton, McAllester,
//! Singh & Mansour 2000). For the softmax, Σ_a π(a|s)·Q(s, a)·(1[b = a] − π(b|s)) =
//! π(b|s)·A^π(s, b), which is the exact formula of [`crate::policy::gradient`].
//!
//! **Baselines.** Any b(s) leaves the estimate unbiased: E_{a~π}[∇log π(a|s)]·b(s) = b(s)·∇Σ_a
//! π(a|s) = 0. [`Baseline::PerState`] with V^π is the usual variance-reducing choice; then
//! G_t − V^π(s_t) estimates A^π(s_t, a_t).
//!
//! **Finite horizons.** Reward k enters with weight γ^k (G_t = Σ_{k≥t} γ^k r_k, the tail of the
//! discounted return) and the baseline with weight γ^t, so b is on the scale of values from
//! step t; the same argument shows the estimate is unbiased for the stationary policy.
//!
//! A capped episode ([`super::rollout::EpisodeEnd::Capped`]) is truncated and biases G_t;
//! [`Batch::capped`] counts them.

use ndarray::{Array1, ArrayView2};
use rand::Rng;

use super::batch::{Batch, require_per_state, sample_batch};
use super::rollout::Episode;
use crate::core::error::{Error, Result};
use crate::world::TabularMdp;

/// What is subtracted from the return-to-go.
#[derive(Debug, Clone, PartialEq)]
pub enum Baseline {
    /// b = 0.
    None,
    /// The same b for every state.
    Constant(f64),
    /// b(s), one value per state (V^π for the advantage form).
    PerState(Array1<f64>),
}

impl Baseline {
    fn value(&self, state: usize) -> Result<f64> {
        match self {
            Baseline::None => Ok(0.0),
            Baseline::Constant(b) => Ok(*b),
            Baseline::PerState(values) => values.get(state).copied().ok_or_else(|| {
                Error::invalid(
                    "baseline",
                    format!("no value for state {state} ({} values)", values.len()),
                    "expected one value per state",
                )
            }),
        }
    }
}

/// Â_t = G_t − w_t·b(s_t) for every step of `episode` (w_t = 1 under geometric termination, γ^t
/// on a finite horizon).
pub fn reinforce_advantages(episode: &Episode, baseline: &Baseline) -> Result<Vec<f64>> {
    let mut advantages = episode.returns_to_go();
    for (t, (a, &state)) in advantages.iter_mut().zip(&episode.states).enumerate() {
        *a -= episode.reward_weight(t) * baseline.value(state)?;
    }
    Ok(advantages)
}

/// `episodes` episodes from s₀ ~ ρ with REINFORCE advantages; [`Batch::mean_gradient`] is the
/// estimate of ∇J.
pub fn reinforce_batch<R: Rng + ?Sized>(
    mdp: &TabularMdp,
    policy: ArrayView2<'_, f64>,
    baseline: &Baseline,
    episodes: usize,
    rng: &mut R,
) -> Result<Batch> {
    if let Baseline::PerState(values) = baseline {
        require_per_state("baseline", values.len(), mdp)?;
    }
    sample_batch(mdp, policy, episodes, rng, |episode| {
        reinforce_advantages(episode, baseline)
    })
}
