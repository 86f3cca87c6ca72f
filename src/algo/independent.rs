//! Independent learners in a game: every player runs a catalogue algorithm (the same one, or one
//! per player with its own parameters, as in [`super::two_timescale_pg`]) on the MDP it
//! faces with the others' current policies fixed (its view; see
//! [`crate::world::game::markov_game`]), all players stepping simultaneously from the same joint
//! policy. Independent softmax PG and NPG in Markov potential games (Leonardos et al. 2022; Zhang,
//! Ren & Li 2022) and gradient descent-ascent in zero-sum games (`projected-pg`, `softmax-pg`)
//! are this driver around the single-agent files.
//!
//! Each player's view is solved for its best response (policy iteration), so the single-agent
//! record's `gap` is that player's gain; a step records
//! - `nash_conv` = Σ_i gain_i and `exploitability` = NashConv / n (the convention of
//!   [`crate::exact::game::exploitability`]);
//! - every field f of player i's record as `f_p{i+1}` (`J_p1`, `gap_p1` = gain, `entropy_p2`, …).

use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

use super::{Algorithm, Record};
use crate::core::error::{Error, Result};
use crate::core::record::player_field;
use crate::exact::Problem;
use crate::world::{MarkovGame, World};

/// Runs independent learners for `steps` steps (see the [module docs](self)): player i runs
/// `algorithms[i]`, or the one algorithm for every player when a single one is given (players
/// may differ only in their parameters, e.g. two timescales of step sizes).
pub fn run_independent<'w, A: Algorithm<dyn World + 'w>>(
    algorithms: &[A],
    game: &MarkovGame,
    steps: usize,
    seed: u64,
    observe: &mut dyn FnMut(usize, &Record) -> bool,
) -> Result<()> {
    let n = game.n_players();
    if algorithms.len() != 1 && algorithms.len() != n {
        return Err(Error::Usage(format!(
            "independent learners: {} algorithms for a {n}-player game (one for all, or one per \
             player)",
            algorithms.len()
        )));
    }
    let algorithm_of = |i: usize| &algorithms[i.min(algorithms.len() - 1)];
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let uniform: Vec<ndarray::Array2<f64>> = game.uniform_policies();
    let mut states = Vec::with_capacity(n);
    for i in 0..n {
        let view = view_world(game, i, &uniform)?;
        let world: &(dyn World + 'w) = &view;
        states.push(algorithm_of(i).initial_state(world)?);
    }
    for t in 0..steps {
        let policies: Vec<ndarray::Array2<f64>> = states
            .iter()
            .enumerate()
            .map(|(i, state)| {
                let algorithm = algorithm_of(i);
                algorithm
                    .policy(state)
                    .and_then(|mut tables| tables.pop())
                    .ok_or_else(|| {
                        Error::Usage(format!(
                            "`{}` does not expose its policy, so it cannot run as independent \
                             learners in a game",
                            algorithm.name()
                        ))
                    })
            })
            .collect::<Result<_>>()?;
        let mut record = Record::new();
        let mut per_player = Vec::with_capacity(n);
        let mut next_states = Vec::with_capacity(n);
        let mut nash_conv = 0.0;
        for (i, state) in states.into_iter().enumerate() {
            let view = view_world(game, i, &policies)?;
            let world: &(dyn World + 'w) = &view;
            let (next, player_record) = algorithm_of(i).step(world, state, &mut rng)?;
            nash_conv += player_record.get("gap").unwrap_or(f64::NAN);
            next_states.push(next);
            per_player.push(player_record);
        }
        record.set("nash_conv", nash_conv);
        record.set("exploitability", nash_conv / n as f64);
        for (i, player_record) in per_player.iter().enumerate() {
            for &(name, value) in &player_record.0 {
                record.set(player_field(name, i), value);
            }
        }
        if let Some((name, value)) = record.first_non_finite() {
            return Err(Error::Numerical {
                origin: algorithms[0].name().to_string(),
                detail: format!("step {t}: {name} is {value}; the run was stopped"),
            });
        }
        states = next_states;
        if !observe(t, &record) {
            break;
        }
    }
    Ok(())
}

/// Player i's view against `policies`, solved for its best response.
fn view_world(
    game: &MarkovGame,
    player: usize,
    policies: &[ndarray::Array2<f64>],
) -> Result<Problem> {
    let views: Vec<_> = policies.iter().map(|p| p.view()).collect();
    Problem::new(game.player_view(player, &views)?)
}
