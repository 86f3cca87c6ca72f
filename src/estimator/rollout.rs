//! Sampled episodes of a tabular policy.
//!
//! An episode starts at s₀ ~ ρ (or at a given state) and repeats: draw a_t ~ π(·|s_t), draw an
//! outcome of (s_t, a_t), collect r_t = r0(s_t, a_t) + reward of the outcome. It ends when:
//!
//! - the outcome is `done` ([`EpisodeEnd::Done`]);
//! - discounted worlds: a coin, flipped after every step that is not `done`, says stop with
//!   probability 1 − γ ([`EpisodeEnd::Stopped`]). This is geometric termination: step t is
//!   reached with probability γ^t (times the probability that nothing was `done` before), so the
//!   undiscounted sum Σ_t r_t has expectation E[Σ_t γ^t r_t] = J(π) — the discount becomes a
//!   stopping probability and no reward is truncated (the same construction as
//!   [`crate::world::sample::sample_return`]);
//! - finite-horizon worlds: H steps were taken ([`EpisodeEnd::HorizonReached`]); there reward t
//!   enters the return with weight γ^t;
//! - a safety cap of [`MAX_EPISODE_STEPS`] steps was hit ([`EpisodeEnd::Capped`]). Under
//!   geometric termination this happens with probability at most γ^cap, below e^{−100} for every
//!   γ ≤ 1 − 10⁻⁴; it only guards against a γ so close to 1 that an episode would not fit in
//!   memory. A capped episode is truncated (its returns are biased), so batches count them and
//!   tests assert the count is zero.

use ndarray::ArrayView2;
use rand::{Rng, RngExt};

use crate::core::error::{Error, Result};
use crate::exact::check_policy;
use crate::world::sample::sample_index;
use crate::world::{Horizon, TabularMdp};

/// The most steps one episode may take: 2²⁰ = 1 048 576.
pub const MAX_EPISODE_STEPS: usize = 1 << 20;

/// Why an episode ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EpisodeEnd {
    /// The last outcome was `done`.
    Done,
    /// The geometric-termination coin stopped it (discounted worlds).
    Stopped,
    /// H steps were taken (finite-horizon worlds).
    HorizonReached,
    /// [`MAX_EPISODE_STEPS`] steps were taken: a truncation that should never happen.
    Capped,
}

/// One sampled episode: step t visited `states[t]`, took `actions[t]`, collected `rewards[t]`
/// (undiscounted, r0 included) and moved to `next_states[t]`.
#[derive(Debug, Clone, PartialEq)]
pub struct Episode {
    pub states: Vec<usize>,
    pub actions: Vec<usize>,
    pub rewards: Vec<f64>,
    pub next_states: Vec<usize>,
    pub end: EpisodeEnd,
    /// The horizon of the world it was sampled in.
    pub horizon: Horizon,
}

impl Episode {
    /// Number of steps T.
    pub fn len(&self) -> usize {
        self.states.len()
    }

    /// Never true for a sampled episode (each takes at least one step).
    pub fn is_empty(&self) -> bool {
        self.states.is_empty()
    }

    /// The weight of reward t in the sampled return: 1 under geometric termination, γ^t on a
    /// finite horizon.
    pub fn reward_weight(&self, t: usize) -> f64 {
        match self.horizon {
            Horizon::Discounted { .. } => 1.0,
            Horizon::Finite { gamma, .. } => gamma.powi(i32::try_from(t).unwrap_or(i32::MAX)),
        }
    }

    /// Σ_t w_t·r_t, an unbiased sample of J(π) from the start state when the episode was not
    /// capped.
    pub fn sampled_return(&self) -> f64 {
        self.returns_to_go().first().copied().unwrap_or(0.0)
    }

    /// G_t = Σ_{k ≥ t} w_k·r_k for every step t (w_k = 1 under geometric termination, γ^k on a
    /// finite horizon).
    pub fn returns_to_go(&self) -> Vec<f64> {
        let mut out = vec![0.0; self.len()];
        let mut total = 0.0;
        for t in (0..self.len()).rev() {
            total += self.reward_weight(t) * self.rewards[t];
            out[t] = total;
        }
        out
    }
}

/// An episode from s₀ ~ ρ under the probability table `policy` (S×A, rows summing to 1).
pub fn sample_episode<R: Rng + ?Sized>(
    mdp: &TabularMdp,
    policy: ArrayView2<'_, f64>,
    rng: &mut R,
) -> Result<Episode> {
    check_policy(mdp, policy)?;
    let start = mdp.sample_initial(rng);
    Ok(run_episode(mdp, policy, start, rng))
}

/// An episode from the given start state.
pub fn sample_episode_from<R: Rng + ?Sized>(
    mdp: &TabularMdp,
    policy: ArrayView2<'_, f64>,
    start: usize,
    rng: &mut R,
) -> Result<Episode> {
    check_policy(mdp, policy)?;
    if start >= mdp.n_states() {
        return Err(Error::invalid(
            "start",
            format!("found state {start}"),
            format!("expected a state index below {}", mdp.n_states()),
        ));
    }
    Ok(run_episode(mdp, policy, start, rng))
}

/// The loop behind both samplers, for batch samplers that check `policy` against `mdp` (with
/// [`check_policy`]) once and `start` is a state index.
pub(crate) fn run_episode<R: Rng + ?Sized>(
    mdp: &TabularMdp,
    policy: ArrayView2<'_, f64>,
    start: usize,
    rng: &mut R,
) -> Episode {
    let horizon = mdp.horizon();
    let action_rewards = mdp.spec().action_rewards.as_ref();
    let mut episode = Episode {
        states: Vec::new(),
        actions: Vec::new(),
        rewards: Vec::new(),
        next_states: Vec::new(),
        end: EpisodeEnd::Capped,
        horizon,
    };
    let mut state = start;
    while episode.len() < MAX_EPISODE_STEPS {
        // check_policy gave every row a total of 1 with mass only on available actions, and
        // sample_index falls back to the last positive entry, so the action has outcomes.
        let action = sample_index(policy.row(state).iter().copied(), rng);
        let outcome = mdp.sample_outcome(state, action, rng);
        let base = action_rewards.map_or(0.0, |r| r[state][action]);
        episode.states.push(state);
        episode.actions.push(action);
        episode.rewards.push(base + outcome.reward);
        episode.next_states.push(outcome.next_state);
        if outcome.done {
            episode.end = EpisodeEnd::Done;
            return episode;
        }
        match horizon {
            Horizon::Discounted { gamma } => {
                if rng.random::<f64>() >= gamma {
                    episode.end = EpisodeEnd::Stopped;
                    return episode;
                }
            }
            Horizon::Finite { steps, .. } => {
                if episode.len() >= steps {
                    episode.end = EpisodeEnd::HorizonReached;
                    return episode;
                }
            }
        }
        state = outcome.next_state;
    }
    episode
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::exact::{evaluate, evaluate_finite};
    use crate::world::{ActionNames, MdpSpec, Outcome};
    use ndarray::arr2;
    use rand::SeedableRng;
    use rand_chacha::ChaCha8Rng;

    /// Two states, two actions, an r0 table and a `done` outcome.
    fn small_world(horizon: Horizon) -> TabularMdp {
        TabularMdp::new(MdpSpec {
            name: "small".into(),
            description: String::new(),
            n_states: 2,
            n_actions: 2,
            horizon,
            initial: vec![0.7, 0.3],
            transitions: vec![
                vec![
                    vec![
                        Outcome::new(0.5, 0, 1.0, false),
                        Outcome::new(0.5, 1, 0.0, false),
                    ],
                    vec![
                        Outcome::new(0.8, 1, 2.0, false),
                        Outcome::new(0.2, 0, 0.0, true),
                    ],
                ],
                vec![
                    vec![Outcome::new(1.0, 0, -1.0, false)],
                    vec![
                        Outcome::new(0.3, 1, 3.0, true),
                        Outcome::new(0.7, 0, 0.5, false),
                    ],
                ],
            ],
            action_rewards: Some(vec![vec![0.25, 0.0], vec![0.0, -0.5]]),
            state_names: None,
            action_names: ActionNames::Numbered,
        })
        .unwrap()
    }

    fn mean_return_z(mdp: &TabularMdp, exact: f64) -> f64 {
        let policy = arr2(&[[0.4, 0.6], [0.7, 0.3]]);
        let mut rng = ChaCha8Rng::seed_from_u64(3);
        let n = 40_000;
        let (mut sum, mut sum_sq) = (0.0, 0.0);
        for _ in 0..n {
            let episode = sample_episode(mdp, policy.view(), &mut rng).unwrap();
            assert_ne!(episode.end, EpisodeEnd::Capped);
            let g = episode.sampled_return();
            sum += g;
            sum_sq += g * g;
        }
        let mean = sum / n as f64;
        let se = ((sum_sq / n as f64 - mean * mean) / (n as f64 - 1.0)).sqrt();
        (mean - exact).abs() / se
    }

    #[test]
    fn geometric_termination_returns_are_unbiased() {
        let mdp = small_world(Horizon::Discounted { gamma: 0.8 });
        let policy = arr2(&[[0.4, 0.6], [0.7, 0.3]]);
        let exact = evaluate(&mdp, policy.view()).unwrap().objective(&mdp);
        assert!(mean_return_z(&mdp, exact) < 4.0);
    }

    #[test]
    fn finite_horizon_returns_are_unbiased() {
        let mdp = small_world(Horizon::Finite {
            steps: 4,
            gamma: 0.9,
        });
        let policy = arr2(&[[0.4, 0.6], [0.7, 0.3]]);
        let exact = evaluate_finite(&mdp, &[policy.view()])
            .unwrap()
            .objective(&mdp);
        assert!(mean_return_z(&mdp, exact) < 4.0);
        let mut rng = ChaCha8Rng::seed_from_u64(4);
        for _ in 0..100 {
            let episode = sample_episode(&mdp, policy.view(), &mut rng).unwrap();
            assert!(episode.len() <= 4);
            if episode.end == EpisodeEnd::HorizonReached {
                assert_eq!(episode.len(), 4);
            }
        }
    }

    #[test]
    fn bad_start_and_bad_policy_are_errors() {
        let mdp = small_world(Horizon::Discounted { gamma: 0.5 });
        let mut rng = ChaCha8Rng::seed_from_u64(5);
        let policy = arr2(&[[0.5, 0.5], [0.5, 0.5]]);
        assert!(sample_episode_from(&mdp, policy.view(), 2, &mut rng).is_err());
        let bad = arr2(&[[0.5, 0.6], [0.5, 0.5]]);
        assert!(sample_episode(&mdp, bad.view(), &mut rng).is_err());
    }
}
