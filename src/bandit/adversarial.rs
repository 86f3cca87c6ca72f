//! Oblivious adversarial bandits: the rewards x_t(a) ∈ [0, 1] of every round and arm are a table
//! fixed before the game (Auer, Cesa-Bianchi, Freund & Schapire 2002, "The nonstochastic
//! multiarmed bandit problem"). Pulling arm a in round t returns x_t(a) exactly.
//!
//! The regret compares with the best *fixed* arm in hindsight over the horizon T actually played,
//! a* = argmax_a Σ_{t<T} x_t(a), so the runner's cumulative regret after T rounds is
//! Σ_t x_t(a*) − Σ_t x_t(A_t), computed on the table. (At an intermediate t < T the running sum
//! still uses the a* of the full horizon.)
//!
//! Two generators:
//!
//! - [`AdversarialTable::switching`] draws a table whose best arm of each block of rounds is a
//!   "decoy": arm 0 is steadily good (mean 0.6), while in each block one decoy arm (cycling through
//!   1, …, K−1) has mean 0.85, and otherwise 0.2. For K ≥ 3 arm 0 is the best fixed arm over a
//!   long horizon (a decoy averages (0.85 + 0.2(K−2))/(K−1), 0.525 for K = 3), but the leader of
//!   the recent past changes every block, so a learner that tracks recent rewards pays. (With
//!   K = 2 the only decoy is arm 1, which then is simply the best arm.) Entries are Bernoulli draws from these means with a seeded ChaCha8 generator, so the
//!   table is a function of its seed.
//! - [`AdversarialTable::follow_the_leader_trap`] is the classic deterministic table that defeats
//!   follow-the-leader: round 0 pays (½, 0, …), then arms 0 and 1 alternate paying 1 — (0, 1),
//!   (1, 0), … — and any further arms pay 0. The cumulative leader is always the arm about to pay
//!   0, so following it earns almost nothing while either arm earns about T/2.

use ndarray::Array2;
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;

use super::{BanditEnvironment, argmax};
use crate::core::checks::require_arms;
use crate::core::error::{Error, Result};

/// A fixed T×K table of rewards in [0, 1].
#[derive(Debug, Clone, PartialEq)]
pub struct AdversarialTable {
    /// The table in row-major order: round t's rewards are `rewards[t*K .. (t+1)*K]`.
    rewards: Vec<f64>,
    k: usize,
    /// The current round (its row is what `means` shows).
    round: usize,
    /// The best fixed arm over the horizon of the current game.
    best_arm: usize,
}

impl AdversarialTable {
    /// A given table (T ≥ 1 rows, K ≥ 2 columns, entries in [0, 1]).
    pub fn from_table(table: Array2<f64>) -> Result<Self> {
        let k = table.ncols();
        // Row-major iteration order, whatever the layout of `table`.
        Self::from_rows(table.iter().copied().collect(), k)
    }

    /// A table given row by row as a flat vector of length T·K.
    fn from_rows(rewards: Vec<f64>, k: usize) -> Result<Self> {
        require_arms(k)?;
        if rewards.is_empty() {
            return Err(Error::invalid(
                "table",
                "found 0 rounds",
                "expected at least one round",
            ));
        }
        if let Some((i, x)) = rewards
            .iter()
            .enumerate()
            .find(|(_, x)| !(0.0..=1.0).contains(*x))
        {
            return Err(Error::invalid(
                format!("table[{}][{}]", i / k, i % k),
                format!("found {x}"),
                "rewards of an adversarial table must lie in [0, 1]",
            ));
        }
        Ok(AdversarialTable {
            rewards,
            k,
            round: 0,
            best_arm: 0,
        })
    }

    /// The switching-decoy table described in the module docs: `horizon` rounds, `k` arms, blocks
    /// of `block` rounds, entries drawn with `seed`.
    pub fn switching(k: usize, horizon: usize, block: usize, seed: u64) -> Result<Self> {
        require_arms(k)?;
        for (field, value) in [("horizon", horizon), ("block", block)] {
            if value == 0 {
                return Err(Error::invalid(field, "found 0", "expected at least 1"));
            }
        }
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let mut rewards = Vec::with_capacity(horizon * k);
        for t in 0..horizon {
            let decoy = 1 + (t / block) % (k - 1);
            for a in 0..k {
                let mean = if a == 0 {
                    0.6
                } else if a == decoy {
                    0.85
                } else {
                    0.2
                };
                rewards.push(if rng.random::<f64>() < mean { 1.0 } else { 0.0 });
            }
        }
        Self::from_rows(rewards, k)
    }

    /// The follow-the-leader trap of the module docs: `k` ≥ 2 arms, `horizon` ≥ 1 rounds.
    pub fn follow_the_leader_trap(k: usize, horizon: usize) -> Result<Self> {
        require_arms(k)?;
        let mut rewards = vec![0.0; horizon * k];
        for (t, row) in rewards.chunks_exact_mut(k).enumerate() {
            match t {
                0 => row[0] = 0.5,
                t if t % 2 == 1 => row[1] = 1.0,
                _ => row[0] = 1.0,
            }
        }
        Self::from_rows(rewards, k)
    }

    /// Number of rounds T in the table.
    pub fn rounds(&self) -> usize {
        self.rewards.len() / self.k
    }

    /// The table as a T×K array.
    pub fn table(&self) -> Array2<f64> {
        Array2::from_shape_fn((self.rounds(), self.k), |(t, a)| {
            self.rewards[t * self.k + a]
        })
    }

    /// The best fixed arm over the first `horizon` rounds and its total reward.
    pub fn best_fixed_arm(&self, horizon: usize) -> (usize, f64) {
        let mut totals = vec![0.0; self.k];
        for row in self.rewards.chunks_exact(self.k).take(horizon) {
            for (total, x) in totals.iter_mut().zip(row) {
                *total += x;
            }
        }
        let arm = argmax(totals.iter().copied()).unwrap_or(0);
        (arm, totals[arm])
    }

    fn row(&self) -> &[f64] {
        &self.rewards[self.round * self.k..(self.round + 1) * self.k]
    }
}

impl BanditEnvironment for AdversarialTable {
    fn n_arms(&self) -> usize {
        self.k
    }

    fn start(&mut self, horizon: usize) -> Result<()> {
        if horizon > self.rounds() {
            return Err(Error::invalid(
                "horizon",
                format!("found {horizon}"),
                format!("the table has only {} rounds", self.rounds()),
            ));
        }
        self.best_arm = self.best_fixed_arm(horizon).0;
        self.round = 0;
        Ok(())
    }

    fn begin_round(&mut self, t: usize, _rng: &mut ChaCha8Rng) {
        self.round = t.min(self.rounds() - 1);
    }

    fn means(&self) -> &[f64] {
        self.row()
    }

    fn benchmark(&self) -> f64 {
        self.row()[self.best_arm]
    }

    fn pull(&mut self, arm: usize, _rng: &mut ChaCha8Rng) -> f64 {
        self.row()[arm]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn switching_table_is_seeded_and_arm_zero_wins_in_hindsight() {
        let a = AdversarialTable::switching(3, 4000, 100, 5).unwrap();
        let b = AdversarialTable::switching(3, 4000, 100, 5).unwrap();
        let c = AdversarialTable::switching(3, 4000, 100, 6).unwrap();
        assert_eq!(a, b);
        assert_ne!(a, c);
        assert_eq!(a.best_fixed_arm(4000).0, 0);
        // Within the first block the decoy (arm 1) is ahead.
        assert_eq!(a.best_fixed_arm(100).0, 1);
    }

    #[test]
    fn follow_the_leader_earns_nothing_on_the_trap() {
        // Full-information follow-the-leader (ties to the lowest index) on the trap table.
        let horizon = 1001;
        let env = AdversarialTable::follow_the_leader_trap(3, horizon).unwrap();
        let table = env.table();
        let mut totals = [0.0; 3];
        let mut earned = 0.0;
        for row in table.rows() {
            let leader = argmax(totals.iter().copied()).unwrap();
            earned += row[leader];
            for (total, x) in totals.iter_mut().zip(row) {
                *total += x;
            }
        }
        let (_, best) = env.best_fixed_arm(horizon);
        assert_eq!(earned, 0.5, "follow-the-leader collects only round 0");
        assert_eq!(best, 500.5);
    }

    #[test]
    fn bad_tables_are_rejected() {
        let message = AdversarialTable::from_table(ndarray::arr2(&[[0.5, 1.5]]))
            .unwrap_err()
            .to_string();
        assert!(message.contains("table[0][1]"), "{message}");
        let mut env = AdversarialTable::from_table(ndarray::arr2(&[[0.5, 1.0]])).unwrap();
        assert!(env.start(2).is_err());
        assert!(AdversarialTable::switching(3, 0, 10, 1).is_err());
    }
}
