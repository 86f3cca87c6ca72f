//! Drives an algorithm for a number of steps and hands each record to an observer. A NaN or an
//! infinity in a record stops the run with the step and the quantity named.

use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

use super::{Algorithm, FinalPolicy, Record};
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
    observe: impl FnMut(usize, &Record) -> bool,
) -> Result<A::State> {
    drive(algorithm, world, steps, seed, observe).map(|(state, _, _)| state)
}

/// The measurements of an update rather than of the policy it starts from (the entropy change,
/// its prediction, the KL to the next policy, a line search's outcome, the step taken, the batch
/// it was estimated from): left out of the final record, whose update is discarded.
pub const UPDATE_MEASUREMENTS: &[&str] = &[
    "dH",
    "cov_pred",
    "kl",
    "surrogate_gain",
    "accepted",
    "backtracks",
    "ratio_dev_mean",
    "ratio_dev_max",
    "clipfrac",
    "cg_residual",
    "step_size",
    "sample_kl",
    "samples",
    "critic_error",
];

/// As [`run_while`], then measures the final iterate π_T (T the steps taken) with one more step
/// whose update is discarded: its record, without [`UPDATE_MEASUREMENTS`], goes to `observe` as
/// step T. Returns π_T's probability tables, where the algorithm exposes them. A failure of
/// that extra measurement (a non-finite value, a line search that fails) leaves the run as it
/// was: no final record, and π_T still returned.
pub fn run_to_final<W: ?Sized, A: Algorithm<W>>(
    algorithm: &A,
    world: &W,
    steps: usize,
    seed: u64,
    mut observe: impl FnMut(usize, &Record) -> bool,
) -> Result<Option<FinalPolicy>> {
    let mut taken = 0;
    let (state, mut rng, consumed) = drive(algorithm, world, steps, seed, |t, record| {
        taken = t + 1;
        observe(t, record)
    })?;
    let policy = FinalPolicy::of(algorithm, &state);
    if let Ok((_, mut record)) = algorithm.step(world, state, &mut rng) {
        if record.get("samples").is_some() {
            record.set(SAMPLES_TOTAL, consumed);
        }
        record
            .0
            .retain(|(name, _)| !UPDATE_MEASUREMENTS.contains(name));
        if record.first_non_finite().is_none() {
            observe(taken, &record);
        }
    }
    Ok(policy)
}

/// The record of a sampled method's policy π_t: the samples its updates drew to reach π_t (the sum
/// of the `samples` of steps 0..t; what `samples` counts is the algorithm's: transitions for the
/// sampled surrogate methods, TRPO and the finite-horizon REINFORCE estimators). Set by the
/// runner on every record that has `samples`.
pub const SAMPLES_TOTAL: &str = "samples_total";

/// The loop of [`run_while`], returning the final state, the RNG as it was left and the samples
/// the updates drew ([`SAMPLES_TOTAL`]).
fn drive<W: ?Sized, A: Algorithm<W>>(
    algorithm: &A,
    world: &W,
    steps: usize,
    seed: u64,
    mut observe: impl FnMut(usize, &Record) -> bool,
) -> Result<(A::State, ChaCha8Rng, f64)> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut state = algorithm.initial_state(world)?;
    let mut consumed = 0.0;
    for t in 0..steps {
        let (next, mut record) = algorithm.step(world, state, &mut rng)?;
        if let Some((name, value)) = record.first_non_finite() {
            return Err(Error::Numerical {
                origin: algorithm.name().to_string(),
                detail: format!("step {t}: {name} is {value}; the run was stopped"),
            });
        }
        if let Some(samples) = record.get("samples") {
            record.set(SAMPLES_TOTAL, consumed);
            consumed += samples;
        }
        state = next;
        if !observe(t, &record) {
            break;
        }
    }
    Ok((state, rng, consumed))
}
