//! Plays a learner against an environment for a fixed horizon and records the exact cumulative
//! pseudo-regret Σ_{s≤t} (μ_s(a*_s) − μ_s(A_s)) (see the [module docs](super)).
//!
//! One seed drives the game: ChaCha8 stream 0 feeds the environment (contexts and reward noise),
//! stream 1 feeds the learner (its own randomization), so same seed → same bits.

use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

use super::{BanditEnvironment, BanditLearner};
use crate::core::checks::require_arm;
use crate::core::error::{Error, Result};
use crate::core::record::Record;

/// What happened in one game, one entry per round.
#[derive(Debug, Clone, PartialEq)]
pub struct BanditRun {
    pub arms: Vec<usize>,
    pub rewards: Vec<f64>,
    /// regret_t after round t (index t − 1).
    pub cumulative_regret: Vec<f64>,
}

impl BanditRun {
    /// The cumulative pseudo-regret after `rounds` rounds (0 for 0 rounds; the final value past
    /// the end).
    pub fn regret_after(&self, rounds: usize) -> f64 {
        match rounds {
            0 => 0.0,
            n => self.cumulative_regret[n.min(self.cumulative_regret.len()) - 1],
        }
    }

    /// One [`Record`] per round with `t` (1-based), `arm`, `reward`, `instant_regret` and
    /// `regret` (cumulative).
    pub fn records(&self) -> Vec<Record> {
        let mut previous = 0.0;
        (0..self.arms.len())
            .map(|i| {
                let mut record = Record::new();
                record.set("t", (i + 1) as f64);
                record.set("arm", self.arms[i] as f64);
                record.set("reward", self.rewards[i]);
                record.set("instant_regret", self.cumulative_regret[i] - previous);
                record.set("regret", self.cumulative_regret[i]);
                previous = self.cumulative_regret[i];
                record
            })
            .collect()
    }
}

/// Plays `horizon` ≥ 1 rounds of `learner` against `env` with randomness from `seed`.
pub fn run_bandit(
    env: &mut dyn BanditEnvironment,
    learner: &mut dyn BanditLearner,
    horizon: usize,
    seed: u64,
) -> Result<BanditRun> {
    if horizon == 0 {
        return Err(Error::invalid("horizon", "found 0", "expected at least 1"));
    }
    let k = env.n_arms();
    if learner.n_arms() != k {
        return Err(Error::invalid(
            "learner",
            format!("{} was built for {} arms", learner.name(), learner.n_arms()),
            format!("the environment has {k} arms"),
        ));
    }
    env.start(horizon)?;
    let mut env_rng = ChaCha8Rng::seed_from_u64(seed);
    env_rng.set_stream(0);
    let mut learner_rng = ChaCha8Rng::seed_from_u64(seed);
    learner_rng.set_stream(1);

    let mut run = BanditRun {
        arms: Vec::with_capacity(horizon),
        rewards: Vec::with_capacity(horizon),
        cumulative_regret: Vec::with_capacity(horizon),
    };
    let mut regret = 0.0;
    for t in 0..horizon {
        env.begin_round(t, &mut env_rng);
        let arm = learner.select(env.context(), &mut learner_rng)?;
        require_arm(arm, k)?;
        regret += env.benchmark() - env.means()[arm];
        let reward = env.pull(arm, &mut env_rng);
        learner.update(arm, reward)?;
        run.arms.push(arm);
        run.rewards.push(reward);
        run.cumulative_regret.push(regret);
    }
    Ok(run)
}
