//! Two-timescale independent policy gradient for two-player zero-sum Markov games (Daskalakis,
//! Foster & Golowich 2020, "Independent policy gradient methods for competitive reinforcement
//! learning", NeurIPS): both players run projected policy gradient with direct parameters on the
//! MDP each faces (its view, the other fixed; [`super::independent`]), simultaneously and without
//! seeing the other's policy, but with different step sizes — the min-player (player 2, who
//! minimizes player 1's return) slower than the max-player, so the fast player tracks a best
//! response while the slow one descends on its worst-case value. The paper proves that such a
//! two-timescale rule makes the slow player's iterates approach a min-max optimal policy and that
//! it is necessary (equal steps can cycle); its step-size exponents were not readable here, so
//! the ratio is a parameter.
//!
//! A step records what independent learners record (`nash_conv`, `exploitability`, each player's
//! value and gain `gap_p1`, `gap_p2`, …); the slow player's gain `gap_p2` is its exploitability.

use super::catalogue::{AlgorithmEntry, GAME_WORLDS};
use super::game_measure::require_game;
use super::projected_pg::ProjectedPg;
use crate::core::checks::require_positive;
use crate::core::parameters::parameter;
use crate::exact::game::require_zero_sum;

/// The catalogue entry.
pub fn entry() -> AlgorithmEntry {
    AlgorithmEntry {
        name: "two-timescale-pg",
        summary: "independent projected PG with a slow min-player, zero-sum games (Daskalakis, Foster & Golowich 2020)",
        worlds: GAME_WORLDS,
        parameters: vec![
            parameter(
                "step_size",
                0.1,
                "the max-player's (player 1's) step η₁ (> 0)",
            ),
            parameter(
                "slow_step_size",
                0.001,
                "the min-player's (player 2's) step η₂ (> 0; η₂ ≪ η₁ for two timescales)",
            ),
        ],
        run: |values, world, run| {
            let fast = values.real("step_size");
            let slow = values.real("slow_step_size");
            require_positive("step_size", fast)?;
            require_positive("slow_step_size", slow)?;
            let game = require_game(world, "two-timescale-pg")?;
            require_zero_sum(game, "two-timescale-pg")?;
            let players = [ProjectedPg::new(Some(fast))?, ProjectedPg::new(Some(slow))?];
            super::independent::run_independent(&players, game, run.steps, run.seed, run.observe)
        },
    }
}
