//! Multi-armed bandits as one-state MDPs: each pull ends the episode (`done`), so
//! V^π = J(π) = Σ_a π(a)·μ_a, the objective of Mei, Xiao, Szepesvári & Schuurmans (2020, §2).
//! With `bernoulli` the reward of arm a is 1 with probability μ_a and 0 otherwise (then each μ_a
//! must lie in [0, 1]); otherwise it is μ_a exactly.

use crate::core::checks::require;
use crate::core::error::Result;
use crate::world::{ActionNames, Horizon, MdpSpec, Outcome, TabularMdp};

#[derive(Debug, Clone, PartialEq, serde::Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct BanditParams {
    /// Mean reward of each arm (Mei et al. 2020's example: 1, 0.9, 0.1).
    pub means: Vec<f64>,
    /// Bernoulli rewards instead of deterministic ones (false).
    pub bernoulli: bool,
}

impl Default for BanditParams {
    fn default() -> Self {
        BanditParams {
            means: vec![1.0, 0.9, 0.1],
            bernoulli: false,
        }
    }
}

impl BanditParams {
    pub fn build(&self) -> Result<TabularMdp> {
        require(
            !self.means.is_empty(),
            "means",
            "no arms",
            "at least one arm",
        )?;
        for (a, &mu) in self.means.iter().enumerate() {
            require(
                mu.is_finite(),
                &format!("means[{a}]"),
                mu,
                "a finite number",
            )?;
            if self.bernoulli {
                require(
                    (0.0..=1.0).contains(&mu),
                    &format!("means[{a}]"),
                    mu,
                    "a success probability in [0, 1] for Bernoulli arms",
                )?;
            }
        }
        let arms = self
            .means
            .iter()
            .map(|&mu| {
                if self.bernoulli {
                    vec![
                        Outcome::new(mu, 0, 1.0, true),
                        Outcome::new(1.0 - mu, 0, 0.0, true),
                    ]
                } else {
                    vec![Outcome::new(1.0, 0, mu, true)]
                }
            })
            .collect();
        let k = self.means.len();
        let means: Vec<String> = self.means.iter().map(|m| m.to_string()).collect();
        TabularMdp::new(MdpSpec {
            name: format!("bandit-{k}"),
            description: format!(
                "{k}-armed {} bandit with means ({})",
                if self.bernoulli {
                    "Bernoulli"
                } else {
                    "deterministic"
                },
                means.join(", ")
            ),
            n_states: 1,
            n_actions: k,
            horizon: Horizon::Discounted { gamma: 0.0 },
            initial: vec![1.0],
            transitions: vec![arms],
            action_rewards: None,
            state_names: None,
            action_names: ActionNames::Shared((0..k).map(|a| format!("arm{a}")).collect()),
        })
    }
}
