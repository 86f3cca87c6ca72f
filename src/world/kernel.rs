//! The continuation kernel P̃(s'|s,a): the transition probabilities that carry future value.
//!
//! Outcomes flagged `done` are left out (no value follows them), so rows may sum to less than one:
//! for a discounted world the Bellman equation is V = r_π + γ·P̃_π·V. The kernel is stored in
//! compressed sparse rows (one row per (s, a), duplicates merged, zero probabilities dropped), so a
//! Garnet with branching b costs S·A·b entries, not S·A·S; a dense world costs 1.5× a dense array.

use super::mdp::Outcome;

/// Compressed sparse rows of P̃, one row per state–action pair `s * n_actions + a`.
#[derive(Debug, Clone, PartialEq)]
pub struct TransitionKernel {
    n_states: usize,
    n_actions: usize,
    offsets: Vec<usize>,
    next_states: Vec<usize>,
    probabilities: Vec<f64>,
}

impl TransitionKernel {
    /// Builds P̃ from the outcome lists `outcomes[s][a]` of a validated world.
    pub(crate) fn from_outcomes(n_states: usize, outcomes: &[Vec<Vec<Outcome>>]) -> Self {
        let n_actions = outcomes.first().map_or(0, Vec::len);
        let mut offsets = Vec::with_capacity(n_states * n_actions + 1);
        let mut next_states = Vec::new();
        let mut probabilities = Vec::new();
        offsets.push(0);
        let mut row: Vec<(usize, f64)> = Vec::new();
        for per_state in outcomes {
            for per_action in per_state {
                row.clear();
                row.extend(
                    per_action
                        .iter()
                        .filter(|o| !o.done && o.probability > 0.0)
                        .map(|o| (o.next_state, o.probability)),
                );
                row.sort_by_key(|&(next, _)| next);
                for &(next, probability) in &row {
                    if next_states.len() > *offsets.last().unwrap_or(&0)
                        && next_states.last() == Some(&next)
                    {
                        // Same next state listed twice (Gymnasium's FrozenLake does this): merge.
                        if let Some(p) = probabilities.last_mut() {
                            *p += probability;
                        }
                    } else {
                        next_states.push(next);
                        probabilities.push(probability);
                    }
                }
                offsets.push(next_states.len());
            }
        }
        TransitionKernel {
            n_states,
            n_actions,
            offsets,
            next_states,
            probabilities,
        }
    }

    pub fn n_states(&self) -> usize {
        self.n_states
    }

    pub fn n_actions(&self) -> usize {
        self.n_actions
    }

    /// The nonzero entries of row (s, a): next states (ascending) and their probabilities.
    pub fn row(&self, state: usize, action: usize) -> (&[usize], &[f64]) {
        let sa = state * self.n_actions + action;
        let range = self.offsets[sa]..self.offsets[sa + 1];
        (&self.next_states[range.clone()], &self.probabilities[range])
    }

    /// Σ_{s'} P̃(s'|s,a)·values[s'].
    #[inline]
    pub fn expected_next(&self, state: usize, action: usize, values: &[f64]) -> f64 {
        let (next, probability) = self.row(state, action);
        next.iter()
            .zip(probability)
            .map(|(&n, &p)| p * values[n])
            .sum()
    }

    /// The compressed rows: `offsets` (S·A + 1 entries; row `s·A + a` spans
    /// `offsets[sa]..offsets[sa + 1]`), next states and probabilities. For tight loops.
    pub fn raw(&self) -> (&[usize], &[usize], &[f64]) {
        (&self.offsets, &self.next_states, &self.probabilities)
    }

    /// Writes Σ_{s'} P̃(s'|s,a)·values[s'] for every row `s·A + a` into `out` (length S·A).
    ///
    /// Each row is summed with four interleaved partial sums (entries k ≡ 0, 1, 2, 3 mod 4, then
    /// added pairwise), which breaks the addition latency chain; the order is fixed, so results
    /// are the same on every run and thread count.
    pub fn expected_next_all(&self, values: &[f64], out: &mut [f64]) {
        debug_assert_eq!(out.len(), self.n_states * self.n_actions);
        debug_assert_eq!(values.len(), self.n_states);
        for (row, slot) in self.offsets.windows(2).zip(out.iter_mut()) {
            let next = &self.next_states[row[0]..row[1]];
            let probability = &self.probabilities[row[0]..row[1]];
            let mut partial = [0.0f64; 4];
            let mut next_chunks = next.chunks_exact(4);
            let mut probability_chunks = probability.chunks_exact(4);
            for (n, p) in (&mut next_chunks).zip(&mut probability_chunks) {
                for lane in 0..4 {
                    partial[lane] += p[lane] * values[n[lane]];
                }
            }
            for (lane, (&n, &p)) in next_chunks
                .remainder()
                .iter()
                .zip(probability_chunks.remainder())
                .enumerate()
            {
                partial[lane] += p * values[n];
            }
            *slot = (partial[0] + partial[1]) + (partial[2] + partial[3]);
        }
    }

    /// Number of stored (nonzero) entries.
    pub fn nonzeros(&self) -> usize {
        self.next_states.len()
    }

    /// Fraction of the S·A·S entries that are nonzero.
    pub fn density(&self) -> f64 {
        let full = (self.n_states * self.n_actions * self.n_states) as f64;
        if full == 0.0 {
            0.0
        } else {
            self.nonzeros() as f64 / full
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn duplicates_merge_and_done_outcomes_drop_out() {
        let outcomes = vec![
            vec![
                vec![
                    Outcome::new(0.25, 1, 0.0, false),
                    Outcome::new(0.25, 0, 0.0, false),
                    Outcome::new(0.25, 1, 0.0, false),
                    Outcome::new(0.25, 0, 1.0, true),
                ],
                vec![],
            ];
            2
        ];
        let kernel = TransitionKernel::from_outcomes(2, &outcomes);
        let (next, probability) = kernel.row(0, 0);
        assert_eq!(next, &[0, 1]);
        assert_eq!(probability, &[0.25, 0.5]);
        assert_eq!(
            kernel.row(1, 1).0.len(),
            0,
            "an unavailable action has an empty row"
        );
        assert_eq!(kernel.nonzeros(), 4);
        assert!((kernel.expected_next(0, 0, &[2.0, 4.0]) - 2.5).abs() < 1e-15);
        let mut all = vec![0.0; 4];
        kernel.expected_next_all(&[2.0, 4.0], &mut all);
        assert_eq!(all, vec![2.5, 0.0, 2.5, 0.0]);
    }

    #[test]
    fn long_rows_sum_every_entry() {
        // Rows longer than the four partial sums, with a remainder.
        let row: Vec<Outcome> = (0..11)
            .map(|i| Outcome::new(1.0 / 11.0, i, 0.0, false))
            .collect();
        let kernel = TransitionKernel::from_outcomes(11, &vec![vec![row]; 11]);
        let values: Vec<f64> = (0..11).map(|i| i as f64).collect();
        let mut out = vec![0.0; 11];
        kernel.expected_next_all(&values, &mut out);
        assert!(out.iter().all(|&x| (x - 5.0).abs() < 1e-12));
    }
}
