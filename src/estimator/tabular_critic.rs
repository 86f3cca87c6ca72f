//! Model-free critics for sampled mode: a value table fitted to the sampled episodes alone, for
//! GAE to bootstrap from instead of the exact V^π.
//!
//! Under geometric termination ([`super::rollout`]) the sampled process is an undiscounted
//! episodic chain whose value function is V^π, and every return-to-go G_t = Σ_{l ≥ 0} r_{t+l} has
//! E[G_t | s_t = s] = V^π(s) (the Markov property and the memoryless stopping coin).
//!
//! - **Monte-Carlo** (every visit; Sutton & Barto 2018, §5.1): V̂(s) is the mean of G_t over
//!   the visits s_t = s. Each term is unbiased; the mean over a random number of visits is
//!   consistent.
//! - **Batch TD(0)** (Sutton 1988, §4; Sutton & Barto 2018, §6.3): TD(0) repeated over a fixed
//!   batch until it stops moving converges to the certainty-equivalence estimate, the values of
//!   the empirical chain: for each visited s, n_s·V(s) = Σ_{t: s_t = s} (r_t + c_t·V(s_{t+1})),
//!   with c_t = 1 when the episode went on after step t (as in GAE's survival form). That linear
//!   system is solved directly over the visited states. Every visited state's own episode reaches
//!   an end, so the empirical chain is absorbing and the system has one solution.
//!
//! States no episode visited get V̂ = 0; GAE never reads them (it bootstraps only from states
//! the episodes went on to, which they then visited, or from a capped episode's last state).

use ndarray::{Array1, Array2};

use super::rollout::{Episode, EpisodeEnd};
use crate::core::error::{Error, Result};
use crate::exact::linear_solve::solve_dense;

/// Which value table sampled mode's GAE bootstraps from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Critic {
    /// The exact V^{π_t} (the model's; the default).
    Exact,
    /// Every-visit Monte-Carlo returns of the batch.
    MonteCarlo,
    /// Batch TD(0)'s fixed point on the batch (certainty equivalence).
    TemporalDifference,
}

/// The most visited states batch TD(0) solves for (its dense system: 8·n² bytes).
pub const MAX_TD_STATES: usize = 5000;

impl Critic {
    /// The `critic` parameter: 0 exact, 1 Monte-Carlo, 2 batch TD(0).
    pub fn from_code(code: usize) -> Result<Self> {
        match code {
            0 => Ok(Critic::Exact),
            1 => Ok(Critic::MonteCarlo),
            2 => Ok(Critic::TemporalDifference),
            other => Err(Error::invalid(
                "critic",
                format!("found {other}"),
                "0 (the exact V^pi), 1 (every-visit Monte-Carlo) or 2 (batch TD(0))",
            )),
        }
    }

    /// The fitted values of `episodes` over `n_states` states (`None` for the exact critic).
    pub fn fit(self, episodes: &[Episode], n_states: usize) -> Result<Option<Array1<f64>>> {
        match self {
            Critic::Exact => Ok(None),
            Critic::MonteCarlo => monte_carlo_values(episodes, n_states).map(Some),
            Critic::TemporalDifference => batch_td_values(episodes, n_states).map(Some),
        }
    }
}

/// The batch GAE of sampled mode: `episodes` with GAE(λ) advantages bootstrapped from `critic`
/// (fitted to the episodes, or `exact` = V^{π_t} for the exact critic), and, for a fitted
/// critic, its largest error against `exact` on the visited states — a measurement: the update
/// never reads `exact` then.
pub fn critic_batch(
    critic: Critic,
    episodes: &[Episode],
    policy: ndarray::ArrayView2<'_, f64>,
    exact: &Array1<f64>,
    lambda: f64,
) -> Result<(super::Batch, Option<f64>)> {
    let fitted = critic.fit(episodes, exact.len())?;
    let error = fitted.as_ref().map(|fitted| {
        episodes
            .iter()
            .flat_map(|e| e.states.iter())
            .map(|&s| (fitted[s] - exact[s]).abs())
            .fold(0.0_f64, f64::max)
    });
    let values = fitted.as_ref().unwrap_or(exact);
    let batch = super::batch_of(episodes, policy, |episode| {
        super::gae_advantages(episode, values.view(), lambda)
    })?;
    Ok((batch, error))
}

fn check_state(state: usize, n_states: usize) -> Result<()> {
    if state < n_states {
        Ok(())
    } else {
        Err(Error::invalid(
            "episodes",
            format!("state {state} in a world of {n_states} states"),
            "episodes sampled in this world",
        ))
    }
}

/// Every-visit Monte-Carlo values (see the module documentation).
pub fn monte_carlo_values(episodes: &[Episode], n_states: usize) -> Result<Array1<f64>> {
    let mut sums = Array1::<f64>::zeros(n_states);
    let mut visits = vec![0usize; n_states];
    for episode in episodes {
        for (&state, return_to_go) in episode.states.iter().zip(episode.returns_to_go()) {
            check_state(state, n_states)?;
            sums[state] += return_to_go;
            visits[state] += 1;
        }
    }
    for (sum, &count) in sums.iter_mut().zip(&visits) {
        if count > 0 {
            *sum /= count as f64;
        }
    }
    Ok(sums)
}

/// Batch TD(0)'s fixed point (see the module documentation).
pub fn batch_td_values(episodes: &[Episode], n_states: usize) -> Result<Array1<f64>> {
    // Visited states, numbered in order of first visit.
    let mut index = vec![usize::MAX; n_states];
    let mut visited: Vec<usize> = Vec::new();
    for episode in episodes {
        for &state in &episode.states {
            check_state(state, n_states)?;
            if index[state] == usize::MAX {
                index[state] = visited.len();
                visited.push(state);
            }
        }
    }
    let n = visited.len();
    if n > MAX_TD_STATES {
        return Err(Error::invalid(
            "critic",
            format!("batch TD(0) on {n} visited states (a dense system of {n}×{n})"),
            format!(
                "at most {MAX_TD_STATES} visited states; critic = 1 (Monte-Carlo) has no limit"
            ),
        ));
    }
    // Σ_t (1[s_t]·(1[s_t] − c_t·1[s_{t+1}]))·V = Σ_t 1[s_t]·r_t over the visited states.
    let mut matrix = Array2::<f64>::zeros((n, n));
    let mut rhs = Array1::<f64>::zeros(n);
    for episode in episodes {
        let steps = episode.len();
        for t in 0..steps {
            let i = index[episode.states[t]];
            matrix[[i, i]] += 1.0;
            rhs[i] += episode.rewards[t];
            let continues = t + 1 < steps || episode.end == EpisodeEnd::Capped;
            if continues {
                let next = episode.next_states[t];
                check_state(next, n_states)?;
                // A capped episode's last next state may be unvisited: its value is taken as 0
                // there (the cap is a truncation that batches count and tests keep at zero).
                if index[next] != usize::MAX {
                    matrix[[i, index[next]]] -= 1.0;
                }
            }
        }
    }
    let solution = solve_dense(&matrix, &rhs, false)?;
    let mut values = Array1::<f64>::zeros(n_states);
    for (&state, &value) in visited.iter().zip(&solution) {
        values[state] = value;
    }
    Ok(values)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::world::Horizon;

    fn episode(states: &[usize], rewards: &[f64], end: EpisodeEnd) -> Episode {
        let mut next_states: Vec<usize> = states[1..].to_vec();
        next_states.push(states[0]);
        Episode {
            states: states.to_vec(),
            actions: vec![0; states.len()],
            rewards: rewards.to_vec(),
            next_states,
            end,
            horizon: Horizon::Discounted { gamma: 0.9 },
        }
    }

    /// Hand-computed values of a two-episode batch.
    #[test]
    fn monte_carlo_and_batch_td_on_a_small_batch() {
        // Episode 1: 0 → 1 → end with rewards 1, 2; episode 2: 1 → end with reward 4.
        let batch = [
            episode(&[0, 1], &[1.0, 2.0], EpisodeEnd::Stopped),
            episode(&[1], &[4.0], EpisodeEnd::Done),
        ];
        let mc = monte_carlo_values(&batch, 3).unwrap();
        // G at state 0: 3; at state 1: 2 and 4.
        assert_eq!(mc.to_vec(), vec![3.0, 3.0, 0.0]);
        // Certainty equivalence: V(1) = (2 + 4)/2 = 3, V(0) = 1 + V(1) = 4 (Sutton 1988's
        // example of batch TD differing from Monte-Carlo).
        let td = batch_td_values(&batch, 3).unwrap();
        assert!(
            (td[0] - 4.0).abs() < 1e-12 && (td[1] - 3.0).abs() < 1e-12,
            "{td}"
        );
    }

    /// TD(0) in batch updating (Sutton & Barto 2018, §6.3: the increments of the whole batch
    /// summed, then applied), repeated with a small step, converges to the directly solved
    /// fixed point.
    #[test]
    fn repeated_batch_td_updates_reach_the_fixed_point() {
        let batch = [
            episode(&[0, 1, 2, 1], &[1.0, -1.0, 0.5, 2.0], EpisodeEnd::Stopped),
            episode(&[2, 0, 1], &[0.0, 1.0, 3.0], EpisodeEnd::Done),
            episode(&[1, 1, 0], &[1.0, 1.0, -2.0], EpisodeEnd::Stopped),
        ];
        let solved = batch_td_values(&batch, 3).unwrap();
        let mut v = [0.0f64; 3];
        for _ in 0..100_000 {
            let mut increment = [0.0f64; 3];
            for e in &batch {
                for t in 0..e.len() {
                    let next = if t + 1 < e.len() {
                        v[e.next_states[t]]
                    } else {
                        0.0
                    };
                    increment[e.states[t]] += e.rewards[t] + next - v[e.states[t]];
                }
            }
            for s in 0..3 {
                v[s] += 0.05 * increment[s];
            }
        }
        for s in 0..3 {
            assert!(
                (v[s] - solved[s]).abs() < 1e-9,
                "{s}: {} vs {}",
                v[s],
                solved[s]
            );
        }
    }

    #[test]
    fn bad_codes_are_refused() {
        assert!(
            Critic::from_code(3)
                .unwrap_err()
                .to_string()
                .contains("Monte-Carlo")
        );
        assert_eq!(Critic::from_code(2).unwrap(), Critic::TemporalDifference);
    }
}
