//! Multi-agent PPO for cooperative Markov games (Zhao, Yang, Wang & Lee 2023, "Local
//! optimization achieves global optimality in multi-agent reinforcement learning", ICML), exact:
//! the agents update one after another, each by the KL-regularized (mirror-descent) step that
//! PPO's analysis uses, on its *localized* action value — the team's Q of the current joint
//! policy π_t averaged over the actions of the agents already updated this round (under their new
//! policies) and of the agents still to come (under their old ones):
//!
//!   Q̄_i(s, a_i) = Σ_{a_−i} Π_{k<i} π^k_{t+1}(a_k|s) · Π_{k>i} π^k_t(a_k|s) · Q^{π_t}(s, a),
//!   π^i_{t+1}(a_i|s) ∝ π^i_t(a_i|s) · exp(η·Q̄_i(s, a_i)).
//!
//! By the multi-agent performance-difference lemma (the sum over agents of the localized
//! advantages of each agent's new policy given its predecessors' new ones) every round is an
//! improvement step of the team objective; the paper proves convergence to the globally optimal
//! policy at a sublinear rate under regularity conditions we could not read (see
//! paper-notes/mappo-cooperative.md). Product policies can still stop at a suboptimal Nash
//! equilibrium of a coordination game; the `mappo-cooperative` entry measures how often.
//!
//! Runs on cooperative games (one shared reward); uniform start. A step records the team's
//! `gap` = J* − J(π_t) (J* the team optimum over joint actions, [`crate::exact::game::GameWorld`]),
//! NashConv and each agent's value and entropy.

use ndarray::Array2;
use rand_chacha::ChaCha8Rng;

use super::Algorithm;
use super::catalogue::{AlgorithmEntry, GAME_WORLDS};
use super::game_measure::{measure_joint, require_game};
use crate::core::checks::require_positive;
use crate::core::error::{Error, Result};
use crate::core::parameters::parameter;
use crate::core::record::Record;
use crate::exact::evaluate;
use crate::world::game::markov_game::decode_joint;
use crate::world::{GameClass, MarkovGame, World};

#[derive(Debug, Clone, PartialEq)]
pub struct MultiAgentPpo {
    step_size: f64,
}

impl MultiAgentPpo {
    /// Sequential KL-regularized steps of size η > 0.
    pub fn new(step_size: f64) -> Result<Self> {
        require_positive("step_size", step_size)?;
        Ok(MultiAgentPpo { step_size })
    }
}

/// The catalogue entry.
pub fn entry() -> AlgorithmEntry {
    AlgorithmEntry {
        name: "multi-agent-ppo",
        summary: "sequential multi-agent PPO (KL-regularized steps on localized values) for cooperative games (Zhao et al. 2023)",
        worlds: GAME_WORLDS,
        parameters: vec![parameter(
            "step_size",
            1.0,
            "η of each agent's step π ∝ π·exp(η·Q̄_i) (> 0)",
        )],
        run: |values, world, run| {
            run.go_together(&MultiAgentPpo::new(values.real("step_size"))?, world)
        },
    }
}

/// The cooperative game of a world, or an error.
fn require_cooperative<W: World + ?Sized>(world: &W) -> Result<&MarkovGame> {
    let game = require_game(world, "multi-agent-ppo")?;
    if game.class() != GameClass::Cooperative {
        return Err(Error::Usage(format!(
            "`multi-agent-ppo` runs on cooperative games (one shared reward); {} is {:?}",
            game.name(),
            game.class()
        )));
    }
    Ok(game)
}

impl<W: World + ?Sized> Algorithm<W> for MultiAgentPpo {
    type State = Vec<Array2<f64>>;

    fn name(&self) -> &'static str {
        "multi-agent-ppo"
    }

    fn initial_state(&self, world: &W) -> Result<Vec<Array2<f64>>> {
        let game = require_cooperative(world)?;
        Ok(game.uniform_policies())
    }

    fn policy(&self, state: &Vec<Array2<f64>>) -> Option<Vec<Array2<f64>>> {
        Some(state.clone())
    }

    fn step(
        &self,
        world: &W,
        mut policies: Vec<Array2<f64>>,
        _rng: &mut ChaCha8Rng,
    ) -> Result<(Vec<Array2<f64>>, Record)> {
        let game = require_cooperative(world)?;
        let mut record = measure_joint(game, &policies, None)?;
        record.set(
            "gap",
            world.reference().optimal_objective - record.get("J_p1").unwrap_or(f64::NAN),
        );
        // Q^{π_t} of the team over joint actions.
        let team = game.team_mdp()?;
        let (states, joint) = (game.n_states(), game.n_joint());
        let mut joint_policy = Array2::zeros((states, joint));
        {
            let views: Vec<_> = policies.iter().map(|p| p.view()).collect();
            for s in 0..states {
                for (j, p) in game.joint_probabilities(&views, s).into_iter().enumerate() {
                    joint_policy[[s, j]] = p;
                }
            }
        }
        let q = evaluate(&team, joint_policy.view())?.q;
        let counts = game.action_counts().to_vec();
        // Agents in order; `policies` holds the new policies of the agents already updated.
        for i in 0..game.n_players() {
            let mut updated = policies[i].clone();
            for s in 0..states {
                let views: Vec<_> = policies.iter().map(|p| p.view()).collect();
                let weights = game.others_probabilities(&views, s, i);
                let mut localized = vec![0.0; counts[i]];
                for (j, w) in weights.iter().enumerate() {
                    localized[decode_joint(&counts, j)[i]] += w * q[[s, j]];
                }
                let logits: Vec<f64> = localized
                    .iter()
                    .enumerate()
                    .map(|(a, value)| policies[i][[s, a]].ln() + self.step_size * value)
                    .collect();
                let max = logits.iter().copied().fold(f64::NEG_INFINITY, f64::max);
                let total: f64 = logits.iter().map(|l| (l - max).exp()).sum();
                for (a, l) in logits.iter().enumerate() {
                    updated[[s, a]] = (l - max).exp() / total;
                }
            }
            policies[i] = updated;
        }
        Ok((policies, record))
    }
}
