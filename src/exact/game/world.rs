//! A game behind the world interface: [`GameWorld`] is of kind [`WorldKind::Game`] and hands
//! algorithms the game itself ([`World::game`]). Independent learners run any catalogue
//! algorithm on each player's view (`crate::algo::independent`); game algorithms update all
//! players at once. The reference is the equilibrium value of a zero-sum game (Shapley value
//! iteration, computed once) or the team optimum of a cooperative game; a general-sum game has
//! none (reported as NaN), and runs measure NashConv instead.

use ndarray::{Array1, ArrayView2};

use super::shapley::shapley_value_iteration;
use crate::core::error::{Error, Result};
use crate::exact::policy_iteration;
use crate::world::interface::{Evaluation, Reference, World, WorldKind};
use crate::world::{GameClass, MarkovGame, TabularMdp};

/// A game and its reference value.
#[derive(Debug, Clone)]
pub struct GameWorld {
    game: MarkovGame,
    allowed: Vec<bool>,
    reference: Reference,
}

impl GameWorld {
    /// Wraps a game, solving it once for the reference where a solution concept applies.
    pub fn new(game: MarkovGame) -> Result<Self> {
        let optimal_objective = match game.class() {
            GameClass::ZeroSum => {
                shapley_value_iteration(&game, 1e-12, 1_000_000)?.objective(&game)
            }
            GameClass::Cooperative => {
                let team = game.team_mdp()?;
                game.initial().dot(&policy_iteration(&team, 1_000_000)?.v)
            }
            GameClass::GeneralSum => f64::NAN,
        };
        let allowed = vec![true; game.n_states() * game.n_actions(0)];
        Ok(GameWorld {
            reference: Reference {
                optimal_objective,
                optimal_actions: vec![vec![Vec::new(); game.n_states()]],
            },
            allowed,
            game,
        })
    }

    pub fn into_game(self) -> MarkovGame {
        self.game
    }
}

impl World for GameWorld {
    fn kind(&self) -> WorldKind {
        WorldKind::Game
    }

    fn stages(&self) -> usize {
        1
    }

    fn n_states(&self) -> usize {
        self.game.n_states()
    }

    /// Player 1's actions.
    fn n_actions(&self) -> usize {
        self.game.n_actions(0)
    }

    fn allowed_mask(&self) -> &[bool] {
        &self.allowed
    }

    fn initial(&self) -> &Array1<f64> {
        self.game.initial()
    }

    fn gamma(&self) -> f64 {
        self.game.gamma()
    }

    fn evaluate(&self, _policy: &[ArrayView2<'_, f64>]) -> Result<Evaluation> {
        Err(Error::Usage(format!(
            "{} is a game: it has one policy per player, evaluated through each player's view",
            self.game.name()
        )))
    }

    fn reference(&self) -> &Reference {
        &self.reference
    }

    fn model(&self) -> Option<&TabularMdp> {
        None
    }

    fn game(&self) -> Option<&MarkovGame> {
        Some(&self.game)
    }
}
