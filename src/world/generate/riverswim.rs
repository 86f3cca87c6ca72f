//! RiverSwim (Strehl & Littman 2008, "An analysis of model-based interval estimation for Markov
//! decision processes", §5, Fig. 2), in the parametrization of CRAAM's example domain
//! (`riverswim_mdp.csv` of the CRAAM libraries, shipped as `mdps/riverswim.csv`).
//!
//! States 0..n−1 along a river; action 0 swims left (downstream) and always succeeds, paying
//! `left_reward` (5) when it stays in state 0; action 1 swims right (upstream): in an interior
//! state it moves right with probability 0.3, stays with 0.6 and drifts left with 0.1; in state 0
//! it moves right with 0.3 and stays with 0.7; in the last state it stays with 0.3, paying
//! `right_reward` (10000), and drifts left with 0.7. Myopic play collects 5 forever; the optimal
//! policy swims upstream. `tests/robust.rs` checks that it is the world of `mdps/riverswim.csv`.

use crate::core::checks::{require, require_gamma};
use crate::core::error::Result;
use crate::world::{ActionNames, Horizon, MdpSpec, Outcome, TabularMdp};

/// Parameters of RiverSwim (defaults: CRAAM's 6-state domain, γ = 0.9).
#[derive(Debug, Clone, PartialEq, serde::Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RiverSwimParams {
    /// Number of states (6).
    pub states: usize,
    /// Reward of swimming left in state 0 (5).
    pub left_reward: f64,
    /// Reward of staying in the last state when swimming right (10000).
    pub right_reward: f64,
    /// Discount (0.9).
    pub gamma: f64,
}

impl Default for RiverSwimParams {
    fn default() -> Self {
        RiverSwimParams {
            states: 6,
            left_reward: 5.0,
            right_reward: 10000.0,
            gamma: 0.9,
        }
    }
}

impl RiverSwimParams {
    pub fn build(&self) -> Result<TabularMdp> {
        require(self.states >= 2, "states", self.states, "at least 2 states")?;
        require_gamma(self.gamma)?;
        let n = self.states;
        let transitions = (0..n)
            .map(|s| {
                let left = if s == 0 {
                    vec![Outcome::new(1.0, 0, self.left_reward, false)]
                } else {
                    vec![Outcome::new(1.0, s - 1, 0.0, false)]
                };
                let right = if s == 0 {
                    vec![
                        Outcome::new(0.7, 0, 0.0, false),
                        Outcome::new(0.3, 1, 0.0, false),
                    ]
                } else if s + 1 == n {
                    vec![
                        Outcome::new(0.3, s, self.right_reward, false),
                        Outcome::new(0.7, s - 1, 0.0, false),
                    ]
                } else {
                    vec![
                        Outcome::new(0.6, s, 0.0, false),
                        Outcome::new(0.3, s + 1, 0.0, false),
                        Outcome::new(0.1, s - 1, 0.0, false),
                    ]
                };
                vec![left, right]
            })
            .collect();
        TabularMdp::new(MdpSpec {
            name: format!("riverswim-{n}"),
            description: format!(
                "RiverSwim (Strehl & Littman 2008) with {n} states, rewards {} and {}",
                self.left_reward, self.right_reward
            ),
            n_states: n,
            n_actions: 2,
            horizon: Horizon::Discounted { gamma: self.gamma },
            initial: vec![1.0 / n as f64; n],
            transitions,
            action_rewards: None,
            state_names: None,
            action_names: ActionNames::Shared(vec!["left".into(), "right".into()]),
        })
    }
}
