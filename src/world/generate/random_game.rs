//! Random Markov games (and, with one state and γ = 0, random matrix games): every joint action
//! of every state leads to `branching` distinct next states with Dirichlet(1) probabilities drawn
//! as a Garnet MDP's rows ([`garnet_row`]); rewards are Uniform(−1, 1). One ChaCha8 stream seeded with `seed`
//! draws everything, so the parameters name one game on every machine.
//!
//! The `class` decides how rewards are shared:
//! - `zero-sum`: two players, r_2 = −r_1;
//! - `general-sum`: an independent reward table per player;
//! - `cooperative`: one shared reward (a team game);
//! - `potential`: r_i(s, a) = Φ(s, a) + u_i(s, a_{−i}) with a random potential Φ and a term u_i
//!   that does not depend on player i's own action, so each state's game is an exact potential
//!   game (Monderer & Shapley 1996); the transitions then depend on the state only
//!   (P(s' | s, a) = P(s' | s)), which makes the whole game a Markov potential game with
//!   potential Φ (Leonardos, Overman, Panageas & Piliouras 2022, "Global convergence of
//!   multi-agent policy gradient in Markov potential games", Proposition 3.2's
//!   agent-independent-transitions case).

use rand::RngExt;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

use crate::core::checks::{require, require_gamma};
use crate::core::error::{Error, Result};
use crate::world::game::markov_game::{check_dense_size, decode_joint, encode_joint, joint_count};
use crate::world::game::{GameSpec, MarkovGame};
use crate::world::generate::garnet::garnet_row;

/// How the players' rewards relate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum RewardSharing {
    ZeroSum,
    GeneralSum,
    Cooperative,
    Potential,
}

impl RewardSharing {
    /// Reads `zero-sum`, `general-sum`, `cooperative` or `potential`.
    pub fn parse(name: &str) -> Result<Self> {
        match name {
            "zero-sum" => Ok(RewardSharing::ZeroSum),
            "general-sum" => Ok(RewardSharing::GeneralSum),
            "cooperative" => Ok(RewardSharing::Cooperative),
            "potential" => Ok(RewardSharing::Potential),
            other => Err(Error::invalid(
                "class",
                format!("found `{other}`"),
                "zero-sum, general-sum, cooperative or potential",
            )),
        }
    }
}

/// Parameters of a random game (defaults: a 2-player zero-sum game, 10 states, 5×5 actions,
/// branching 3, γ = 0.9, seed 0). In an experiment file: `generator = "random-game"` with these
/// names (`class = "potential"`).
#[derive(Debug, Clone, PartialEq, serde::Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RandomGameParams {
    pub states: usize,
    pub players: usize,
    /// Actions per player (the same for every player).
    pub actions: usize,
    /// Next states per (state, joint action); at most `states`.
    pub branching: usize,
    pub gamma: f64,
    pub class: RewardSharing,
    pub seed: u64,
}

impl Default for RandomGameParams {
    fn default() -> Self {
        RandomGameParams {
            states: 10,
            players: 2,
            actions: 5,
            branching: 3,
            gamma: 0.9,
            class: RewardSharing::ZeroSum,
            seed: 0,
        }
    }
}

impl RandomGameParams {
    pub fn build(&self) -> Result<MarkovGame> {
        require(self.states >= 1, "states", self.states, "at least 1 state")?;
        require(
            self.players >= 1,
            "players",
            self.players,
            "at least 1 player",
        )?;
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
            "between 1 and the number of states",
        )?;
        require_gamma(self.gamma)?;
        if self.class == RewardSharing::ZeroSum && self.players != 2 {
            return Err(Error::invalid(
                "players",
                format!("found {} for a zero-sum game", self.players),
                "a zero-sum game has 2 players",
            ));
        }
        let actions = vec![self.actions; self.players];
        let joint = joint_count(&actions)?;
        check_dense_size(self.states, joint)?;
        let mut rng = ChaCha8Rng::seed_from_u64(self.seed);
        let row = |rng: &mut ChaCha8Rng| garnet_row(rng, self.states, self.branching);
        let transitions: Vec<Vec<Vec<(usize, f64)>>> = (0..self.states)
            .map(|_| {
                if self.class == RewardSharing::Potential {
                    let shared = row(&mut rng);
                    vec![shared; joint]
                } else {
                    (0..joint).map(|_| row(&mut rng)).collect()
                }
            })
            .collect();
        let uniform = |rng: &mut ChaCha8Rng| -> Vec<Vec<f64>> {
            (0..self.states)
                .map(|_| {
                    (0..joint)
                        .map(|_| 2.0 * rng.random::<f64>() - 1.0)
                        .collect()
                })
                .collect()
        };
        let rewards = match self.class {
            RewardSharing::ZeroSum => {
                let r = uniform(&mut rng);
                let negative = r
                    .iter()
                    .map(|row| row.iter().map(|v| -v).collect())
                    .collect();
                vec![r, negative]
            }
            RewardSharing::GeneralSum => (0..self.players).map(|_| uniform(&mut rng)).collect(),
            RewardSharing::Cooperative => vec![uniform(&mut rng); self.players],
            RewardSharing::Potential => {
                let potential = uniform(&mut rng);
                let game_shape = actions.clone();
                (0..self.players)
                    .map(|i| {
                        // u_i(s, a_{−i}): one value per state and action of the others.
                        let others = joint / self.actions;
                        let own: Vec<Vec<f64>> = (0..self.states)
                            .map(|_| (0..others).map(|_| rng.random::<f64>() - 0.5).collect())
                            .collect();
                        (0..self.states)
                            .map(|s| {
                                (0..joint)
                                    .map(|j| {
                                        let index = others_index(&game_shape, j, i);
                                        potential[s][j] + own[s][index]
                                    })
                                    .collect()
                            })
                            .collect()
                    })
                    .collect()
            }
        };
        let class = match self.class {
            RewardSharing::ZeroSum => "zero-sum",
            RewardSharing::GeneralSum => "general-sum",
            RewardSharing::Cooperative => "cooperative",
            RewardSharing::Potential => "potential",
        };
        MarkovGame::new(GameSpec {
            name: format!(
                "random-{class}-{}x{}^{}-b{}-seed{}",
                self.states, self.actions, self.players, self.branching, self.seed
            ),
            description: format!(
                "random {class} Markov game: {} states, {} players with {} actions, branching {}, \
                 gamma {}, seed {}",
                self.states, self.players, self.actions, self.branching, self.gamma, self.seed
            ),
            n_states: self.states,
            actions,
            gamma: self.gamma,
            initial: vec![1.0 / self.states as f64; self.states],
            rewards,
            transitions,
            state_names: None,
            player_names: None,
            action_names: None,
        })
    }
}

/// The index of the other players' actions in joint action `joint` (player `skip` removed),
/// first player slowest.
fn others_index(counts: &[usize], joint: usize, skip: usize) -> usize {
    let mut actions = decode_joint(counts, joint);
    actions.remove(skip);
    let mut others = counts.to_vec();
    others.remove(skip);
    encode_joint(&others, &actions)
}
