//! Sampling from a world with an explicitly seeded RNG: initial states, outcomes, and unbiased
//! Monte-Carlo returns.

use ndarray::ArrayView2;
use rand::{Rng, RngExt};

use super::mdp::{Horizon, Outcome, TabularMdp};

/// Draws an index from a probability vector by inversion (one uniform draw). Falls back to the
/// last index with positive weight when rounding leaves the cumulative sum just below the draw.
pub fn sample_index<R: Rng + ?Sized>(
    probabilities: impl IntoIterator<Item = f64>,
    rng: &mut R,
) -> usize {
    let u: f64 = rng.random();
    let mut cumulative = 0.0;
    let mut last_positive = 0;
    for (i, p) in probabilities.into_iter().enumerate() {
        if p > 0.0 {
            last_positive = i;
        }
        cumulative += p;
        if u < cumulative {
            return i;
        }
    }
    last_positive
}

impl TabularMdp {
    /// s_0 ~ ρ.
    pub fn sample_initial<R: Rng + ?Sized>(&self, rng: &mut R) -> usize {
        sample_index(self.initial().iter().copied(), rng)
    }

    /// One outcome of taking `action` in `state`.
    pub fn sample_outcome<R: Rng + ?Sized>(
        &self,
        state: usize,
        action: usize,
        rng: &mut R,
    ) -> Outcome {
        let outcomes = self.outcomes(state, action);
        outcomes[sample_index(outcomes.iter().map(|o| o.probability), rng)]
    }
}

/// One unbiased sample of the return of `policy` from s_0 ~ ρ.
///
/// Discounted worlds: the episode is stopped after each step with probability 1−γ and the
/// undiscounted rewards are summed; since Pr(the episode is still running at step t) = γ^t, the
/// expectation is E[Σ_t γ^t r_t] = J(π) exactly, with no truncation bias. Finite horizons sum
/// γ^t·r_t for t < H. The `r0(s, a)` table and the outcome reward are both collected.
pub fn sample_return<R: Rng + ?Sized>(
    mdp: &TabularMdp,
    policy: ArrayView2<'_, f64>,
    rng: &mut R,
) -> f64 {
    let action_rewards = mdp.spec().action_rewards.as_ref();
    let mut state = mdp.sample_initial(rng);
    let mut total = 0.0;
    let mut weight = 1.0;
    let mut step = 0usize;
    loop {
        let action = sample_index(policy.row(state).iter().copied(), rng);
        let outcome = mdp.sample_outcome(state, action, rng);
        let base = action_rewards.map_or(0.0, |r| r[state][action]);
        total += weight * (base + outcome.reward);
        if outcome.done {
            return total;
        }
        step += 1;
        match mdp.horizon() {
            Horizon::Discounted { gamma } => {
                if rng.random::<f64>() >= gamma {
                    return total;
                }
            }
            Horizon::Finite { steps, gamma } => {
                if step >= steps {
                    return total;
                }
                weight *= gamma;
            }
        }
        state = outcome.next_state;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;
    use rand_chacha::ChaCha8Rng;

    #[test]
    fn sample_index_follows_the_probabilities() {
        let mut rng = ChaCha8Rng::seed_from_u64(1);
        let probabilities = [0.1, 0.0, 0.6, 0.3];
        let n = 100_000;
        let mut counts = [0usize; 4];
        for _ in 0..n {
            counts[sample_index(probabilities.iter().copied(), &mut rng)] += 1;
        }
        assert_eq!(counts[1], 0, "a zero-probability index is never drawn");
        for (count, p) in counts.iter().zip(probabilities) {
            let standard_error = (p * (1.0 - p) / n as f64).sqrt();
            assert!((*count as f64 / n as f64 - p).abs() <= 4.0 * standard_error + 1e-12);
        }
    }

    #[test]
    fn rounding_never_selects_a_zero_probability_tail() {
        // Probabilities summing to just under 1: a draw above the sum falls back to the last
        // index with positive probability, not to a trailing zero.
        let mut rng = ChaCha8Rng::seed_from_u64(2);
        for _ in 0..10_000 {
            let i = sample_index([0.5, 0.499_999_999, 0.0], &mut rng);
            assert!(i < 2);
        }
    }

    #[test]
    fn same_seed_same_draws() {
        let draw = |seed| {
            let mut rng = ChaCha8Rng::seed_from_u64(seed);
            (0..32)
                .map(|_| sample_index([0.25; 4], &mut rng))
                .collect::<Vec<_>>()
        };
        assert_eq!(draw(9), draw(9));
        assert_ne!(draw(9), draw(10));
    }
}
