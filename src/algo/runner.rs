//! Drives an algorithm for a number of steps and hands each record to an observer. A NaN or an
//! infinity in a record stops the run with the step and the quantity named.

use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

use super::{Algorithm, Record};
use crate::core::error::{Error, Result};

/// Runs `steps` updates from the algorithm's initial state with an RNG seeded by `seed`; calls
/// `observe(t, &record)` for t = 0..steps and returns the final state.
pub fn run<W: ?Sized, A: Algorithm<W>>(
    algorithm: &A,
    world: &W,
    steps: usize,
    seed: u64,
    mut observe: impl FnMut(usize, &Record),
) -> Result<A::State> {
    run_while(algorithm, world, steps, seed, |t, record| {
        observe(t, record);
        true
    })
}

/// As [`run`], but stops after the first step for which `observe` returns `false` (a target
/// reached).
pub fn run_while<W: ?Sized, A: Algorithm<W>>(
    algorithm: &A,
    world: &W,
    steps: usize,
    seed: u64,
    mut observe: impl FnMut(usize, &Record) -> bool,
) -> Result<A::State> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut state = algorithm.initial_state(world)?;
    for t in 0..steps {
        let (next, record) = algorithm.step(world, state, &mut rng)?;
        if let Some((name, value)) = record.first_non_finite() {
            return Err(Error::Numerical {
                origin: algorithm.name().to_string(),
                detail: format!("step {t}: {name} is {value}; the run was stopped"),
            });
        }
        state = next;
        if !observe(t, &record) {
            break;
        }
    }
    Ok(state)
}
