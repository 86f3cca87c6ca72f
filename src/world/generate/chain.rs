//! The chain problem of Strens (2000, "A Bayesian framework for reinforcement learning", §5.1).
//!
//! States 0..n−1 in a line, two actions. `forward` moves one state right with reward 0; in the
//! last state it stays and pays `end_reward` (10). `back` returns to state 0 and pays
//! `back_reward` (2). With probability `slip` (0.2) the agent does the other action. The start is
//! state 0. Myopic play collects 2 forever; the optimal policy walks to the end (for γ near 1).

use crate::core::checks::{require, require_gamma, require_probability};
use crate::core::error::Result;
use crate::world::{ActionNames, Horizon, MdpSpec, Outcome, TabularMdp};

/// Parameters of the chain (defaults are Strens's).
#[derive(Debug, Clone, PartialEq, serde::Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ChainParams {
    /// Number of states (5).
    pub states: usize,
    /// Probability that the other action happens (0.2).
    pub slip: f64,
    /// Reward of `back` (2).
    pub back_reward: f64,
    /// Reward of `forward` in the last state (10).
    pub end_reward: f64,
    /// Discount (0.99).
    pub gamma: f64,
}

impl Default for ChainParams {
    fn default() -> Self {
        ChainParams {
            states: 5,
            slip: 0.2,
            back_reward: 2.0,
            end_reward: 10.0,
            gamma: 0.99,
        }
    }
}

impl ChainParams {
    pub fn build(&self) -> Result<TabularMdp> {
        require(self.states >= 2, "states", self.states, "at least 2 states")?;
        require_probability(self.slip, "slip")?;
        require_gamma(self.gamma)?;
        require(
            self.back_reward.is_finite(),
            "back-reward",
            self.back_reward,
            "a finite number",
        )?;
        require(
            self.end_reward.is_finite(),
            "end-reward",
            self.end_reward,
            "a finite number",
        )?;
        let n = self.states;
        let forward = |s: usize| {
            if s + 1 < n {
                (s + 1, 0.0)
            } else {
                (s, self.end_reward)
            }
        };
        let back = (0, self.back_reward);
        let transitions = (0..n)
            .map(|s| {
                let effects = [forward(s), back];
                (0..2)
                    .map(|a| {
                        let (intended, other) = (effects[a], effects[1 - a]);
                        vec![
                            Outcome::new(1.0 - self.slip, intended.0, intended.1, false),
                            Outcome::new(self.slip, other.0, other.1, false),
                        ]
                    })
                    .collect()
            })
            .collect();
        let mut initial = vec![0.0; n];
        initial[0] = 1.0;
        TabularMdp::new(MdpSpec {
            name: format!("chain-{n}"),
            description: format!(
                "Strens (2000) chain: {n} states, slip {}, back reward {}, end reward {}",
                self.slip, self.back_reward, self.end_reward
            ),
            n_states: n,
            n_actions: 2,
            horizon: Horizon::Discounted { gamma: self.gamma },
            initial,
            transitions,
            action_rewards: None,
            state_names: None,
            action_names: ActionNames::Shared(vec!["forward".into(), "back".into()]),
        })
    }
}
