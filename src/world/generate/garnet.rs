//! Garnet random MDPs ("Generic Average Reward Non-stationary Environment Testbed", Archibald,
//! McKinnon & Thomas 1995; the parameterisation Garnet(S, A, b) of Bhatnagar, Sutton,
//! Ghavamzadeh & Lee 2009, §6).
//!
//! For every (s, a): b distinct next states drawn uniformly without replacement, their
//! probabilities the gaps between b−1 sorted Uniform(0, 1) cut points (a uniform draw from the
//! simplex), and a reward r(s, a) ~ Uniform(0, 1). ρ is uniform. Every draw comes from a ChaCha8
//! stream seeded with `seed`, so a (S, A, b, seed) names one world on every machine.

use rand::RngExt;
use rand::SeedableRng;
use rand::seq::index::sample;
use rand_chacha::ChaCha8Rng;

use crate::core::checks::{require, require_gamma};
use crate::core::error::Result;
use crate::world::{ActionNames, Horizon, MdpSpec, Outcome, TabularMdp};

#[derive(Debug, Clone, PartialEq, serde::Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct GarnetParams {
    /// Number of states S (10).
    pub states: usize,
    /// Number of actions A (3).
    pub actions: usize,
    /// Branching factor b: next states per (s, a), 1 ≤ b ≤ S (3).
    pub branching: usize,
    /// Discount (0.9).
    pub gamma: f64,
    /// Seed of the random stream (0).
    pub seed: u64,
}

impl Default for GarnetParams {
    fn default() -> Self {
        GarnetParams {
            states: 10,
            actions: 3,
            branching: 3,
            gamma: 0.9,
            seed: 0,
        }
    }
}

/// One Garnet transition row: `branching` distinct next states out of `states`, with
/// probabilities the gaps between b − 1 sorted Uniform(0, 1) cuts (Dirichlet(1, …, 1)), drawn in
/// that order from `rng`. Returns (next state, probability) pairs.
pub fn garnet_row(rng: &mut ChaCha8Rng, states: usize, branching: usize) -> Vec<(usize, f64)> {
    let next = sample(rng, states, branching);
    let mut cuts = Vec::with_capacity(branching + 1);
    cuts.push(0.0);
    cuts.extend((1..branching).map(|_| rng.random::<f64>()));
    cuts.push(1.0);
    cuts.sort_by(f64::total_cmp);
    next.iter()
        .zip(cuts.windows(2))
        .map(|(n, w)| (n, w[1] - w[0]))
        .collect()
}

impl GarnetParams {
    pub fn build(&self) -> Result<TabularMdp> {
        require(self.states >= 1, "states", self.states, "at least 1 state")?;
        require(
            self.actions >= 1,
            "actions",
            self.actions,
            "at least 1 action",
        )?;
        require(
            (1..=self.states).contains(&self.branching),
            "branching",
            self.branching,
            &format!("between 1 and the number of states ({})", self.states),
        )?;
        require_gamma(self.gamma)?;
        let mut rng = ChaCha8Rng::seed_from_u64(self.seed);
        let transitions = (0..self.states)
            .map(|_| {
                (0..self.actions)
                    .map(|_| {
                        let row = garnet_row(&mut rng, self.states, self.branching);
                        let reward: f64 = rng.random();
                        row.into_iter()
                            .map(|(n, p)| Outcome::new(p, n, reward, false))
                            .collect()
                    })
                    .collect()
            })
            .collect();
        TabularMdp::new(MdpSpec {
            name: format!(
                "garnet-{}-{}-{}-seed{}",
                self.states, self.actions, self.branching, self.seed
            ),
            description: format!(
                "Garnet(S={}, A={}, b={}) with seed {}",
                self.states, self.actions, self.branching, self.seed
            ),
            n_states: self.states,
            n_actions: self.actions,
            horizon: Horizon::Discounted { gamma: self.gamma },
            initial: vec![1.0 / self.states as f64; self.states],
            transitions,
            action_rewards: None,
            state_names: None,
            action_names: ActionNames::Numbered,
        })
    }
}
