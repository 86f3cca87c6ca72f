//! The forest-management example of pymdptoolbox (`mdptoolbox.example.forest`, Cordwell et al.).
//!
//! States are the forest's age 0..S−1. `wait` (action 0): with probability p a fire returns the
//! forest to age 0, otherwise it ages by one (the oldest state stays). `cut` (action 1) returns to
//! age 0. Rewards depend on (state, action) only: waiting in the oldest state pays r1, cutting pays
//! 0 at age 0, 1 in between, r2 in the oldest state. With S = 3, r1 = 4, r2 = 2, p = 0.1 and
//! γ = 0.9 the optimal values are (26.244, 29.484, 33.484), always waiting (pymdptoolbox's
//! documentation of `PolicyIteration`).

use crate::core::checks::{require, require_gamma, require_probability};
use crate::core::error::Result;
use crate::world::{ActionNames, Horizon, MdpSpec, Outcome, TabularMdp};

#[derive(Debug, Clone, PartialEq, serde::Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ForestParams {
    /// Number of ages (3).
    pub states: usize,
    /// Reward for waiting in the oldest state (4).
    pub r1: f64,
    /// Reward for cutting in the oldest state (2).
    pub r2: f64,
    /// Probability of fire per step (0.1).
    pub fire: f64,
    /// Discount (0.9).
    pub gamma: f64,
}

impl Default for ForestParams {
    fn default() -> Self {
        ForestParams {
            states: 3,
            r1: 4.0,
            r2: 2.0,
            fire: 0.1,
            gamma: 0.9,
        }
    }
}

impl ForestParams {
    pub fn build(&self) -> Result<TabularMdp> {
        require(self.states >= 2, "states", self.states, "at least 2 states")?;
        require_probability(self.fire, "fire")?;
        require_gamma(self.gamma)?;
        require(self.r1.is_finite(), "r1", self.r1, "a finite number")?;
        require(self.r2.is_finite(), "r2", self.r2, "a finite number")?;
        let n = self.states;
        let transitions = (0..n)
            .map(|s| {
                let older = (s + 1).min(n - 1);
                vec![
                    vec![
                        Outcome::new(self.fire, 0, 0.0, false),
                        Outcome::new(1.0 - self.fire, older, 0.0, false),
                    ],
                    vec![Outcome::new(1.0, 0, 0.0, false)],
                ]
            })
            .collect();
        let rewards = (0..n)
            .map(|s| {
                let wait = if s == n - 1 { self.r1 } else { 0.0 };
                let cut = if s == 0 {
                    0.0
                } else if s == n - 1 {
                    self.r2
                } else {
                    1.0
                };
                vec![wait, cut]
            })
            .collect();
        let mut initial = vec![0.0; n];
        initial[0] = 1.0;
        TabularMdp::new(MdpSpec {
            name: format!("forest-{n}"),
            description: format!(
                "pymdptoolbox forest management: S={n}, r1={}, r2={}, p={}",
                self.r1, self.r2, self.fire
            ),
            n_states: n,
            n_actions: 2,
            horizon: Horizon::Discounted { gamma: self.gamma },
            initial,
            transitions,
            action_rewards: Some(rewards),
            state_names: None,
            action_names: ActionNames::Shared(vec!["wait".into(), "cut".into()]),
        })
    }
}
