//! Sampled policy-gradient estimators for tabular softmax policies, each checked for
//! unbiasedness against the exact gradient of [`crate::policy::gradient::softmax_gradient`].
//!
//! - [`rollout`]: episodes from s₀ ~ ρ under a probability table, with geometric termination on
//!   discounted worlds (an episode stops after each step with probability 1 − γ) or H fixed
//!   steps on finite-horizon worlds.
//! - [`batch`]: per-step samples (s, a, Â, log π_old(a|s)) and the score-function gradient
//!   Σ_i w_i·Â_i·∇_θ log π_θ(a_i|s_i) of the tabular softmax.
//! - [`reinforce`]: REINFORCE with returns-to-go and an optional baseline (Williams 1992).
//! - [`gae`]: generalized advantage estimation from a value table (Schulman et al. 2016), in the
//!   form that stays unbiased under geometric termination.
//! - [`finite_horizon`]: REINFORCE for one softmax table per step of a finite horizon, for
//!   simultaneous PG (every table) and dynamic PG (one epoch's table, episodes from step h).
//! - [`group`]: group-relative advantages of GRPO (Shao et al. 2024) and Dr.GRPO (Liu et al.
//!   2025).
//! - [`linear_critic`]: sampled linear critics for log-linear policies — Q-NPG's Monte-Carlo
//!   regression and LSTD-Q from transitions, both from pairs drawn from d^π_ν.
//!
//! Every estimator returns a [`Batch`]; [`Batch::mean_gradient`] gives the estimate of ∇_θ J,
//! the per-episode mean of Σ_t Â_t·∇_θ log π(a_t|s_t).

pub mod batch;
pub mod finite_horizon;
pub mod gae;
pub mod group;
pub mod linear_critic;
pub mod reinforce;
pub mod robust_plugin;
pub mod rollout;
pub mod tabular_critic;

pub use batch::{Batch, Sample, batch_of, sample_episodes, softmax_score_gradient};
pub use gae::{gae_advantages, gae_batch};
pub use group::{GRPO_STD_EPSILON, GroupAdvantage, group_advantages, group_batch};
pub use reinforce::{Baseline, reinforce_advantages, reinforce_batch};
pub use rollout::{Episode, EpisodeEnd, MAX_EPISODE_STEPS, sample_episode, sample_episode_from};
