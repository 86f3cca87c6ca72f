//! Point statistics of one metric across independent seeds: the mean and the interquartile mean.
//!
//! The interquartile mean (IQM) is the aggregate recommended by Agarwal et al. 2021, "Deep
//! Reinforcement Learning at the Edge of the Statistical Precipice" (NeurIPS, arXiv 2108.13264,
//! §4): the mean of the middle 50% of the runs, robust to a few outlying seeds yet less noisy than
//! the median.
//!
//! ## Which middle half, when n is not a multiple of 4
//!
//! Here the IQM is the population functional IQM(F) = 2·∫_{1/4}^{3/4} Q_F(p) dp applied to the
//! empirical distribution of the n values, whose quantile function Q_F is the step function that
//! equals the k-th smallest value x_(k) on ((k−1)/n, k/n]. Written as a sum,
//!
//! IQM = (2/n)·Σ_k w_k·x_(k),  w_k = |[k−1, k] ∩ [n/4, 3n/4]|,
//!
//! so every value gets the length of its slot that falls inside the middle half: the boundary
//! values enter with fractional weight, and the weights always add to n/2. For n = 4m this is the
//! mean of x_(m+1) … x_(3m), the same as `scipy.stats.trim_mean(x, 0.25)` (which the rliable
//! library of Agarwal et al. calls). For other n the two differ: trim_mean drops ⌊n/4⌋ whole values
//! from each end, so it averages anywhere between half and all of the values (all three when
//! n = 3), while the definition here always averages exactly half the probability mass. Examples:
//! n = 1 gives x_(1); n = 2 gives the mean; n = 3 gives (2/3)·(x_(1)/4 + x_(2) + x_(3)/4); n = 5
//! gives (2/5)·(3x_(2)/4 + x_(3) + 3x_(4)/4).

/// The statistic a bootstrap interval is built for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Statistic {
    /// The arithmetic mean, [`mean`].
    Mean,
    /// The interquartile mean, [`interquartile_mean`].
    Iqm,
}

impl Statistic {
    /// The statistic of `values` (NaN for an empty slice).
    ///
    /// # Example
    /// ```
    /// use policylab::metrics::Statistic;
    /// assert_eq!(Statistic::Iqm.of(&[1.0, 2.0, 3.0, 100.0]), 2.5);
    /// ```
    pub fn of(self, values: &[f64]) -> f64 {
        match self {
            Statistic::Mean => mean(values),
            Statistic::Iqm => interquartile_mean(values),
        }
    }
}

/// The arithmetic mean (1/n)·Σ x_i; NaN for an empty slice.
pub fn mean(values: &[f64]) -> f64 {
    values.iter().sum::<f64>() / values.len() as f64
}

/// The interquartile mean (2/n)·Σ_k w_k·x_(k) with the fractional weights of the module docs
/// (Agarwal et al. 2021); NaN for an empty slice or one with a non-finite value (every value enters
/// the weighted sum, trimmed ones with weight 0, so the callers that return `Result` reject them).
pub fn interquartile_mean(values: &[f64]) -> f64 {
    let n = values.len();
    if n == 0 {
        return f64::NAN;
    }
    let mut sorted = values.to_vec();
    sorted.sort_unstable_by(f64::total_cmp);
    let weights = middle_half_weights(std::iter::repeat_n(1, n), n);
    2.0 * weighted_sum(weights, sorted.iter().copied()) / n as f64
}

/// The weights w_k = |[start_k, start_k + c_k] ∩ [n/4, 3n/4]| of runs of multiplicities c_k laid
/// end to end from 0 (multiplicities adding to n; a multiplicity 0 gets weight 0). With all
/// multiplicities 1 these are the IQM weights of the module docs; a bootstrap resample is the
/// sorted original with multiplicities, so its IQM needs these weights and no sort.
pub(crate) fn middle_half_weights(
    multiplicities: impl Iterator<Item = usize>,
    n: usize,
) -> impl Iterator<Item = f64> {
    // Positions are counted in quarters so that n/4 and 3n/4 are the integers n and 3n; the
    // overlap in quarters is an exact integer and w = quarters/4 is exact in f64. Integer min/max
    // keep this inner loop of the IQM bootstrap free of branches.
    let (lower, upper) = (n, 3 * n);
    multiplicities.scan(0, move |start: &mut usize, count| {
        let end = *start + 4 * count;
        let quarters = end.min(upper).saturating_sub((*start).max(lower));
        *start = end;
        Some(quarters as f64 / 4.0)
    })
}

/// Σ w_i·x_i, summed left to right from 0. Every weighted statistic goes through this one sum, so
/// the same weights and values give the same bits whichever path computed them.
pub(crate) fn weighted_sum(
    weights: impl Iterator<Item = f64>,
    values: impl Iterator<Item = f64>,
) -> f64 {
    weights
        .zip(values)
        .fold(0.0, |sum, (weight, value)| sum + weight * value)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() <= 1e-12 * (1.0 + b.abs())
    }

    #[test]
    fn mean_of_hand_example() {
        assert!(close(mean(&[1.0, 2.0, 6.0]), 3.0));
        assert!(mean(&[]).is_nan());
        assert!(interquartile_mean(&[]).is_nan());
    }

    #[test]
    fn iqm_when_n_is_a_multiple_of_four_is_the_mean_of_the_middle_half() {
        // Sorted: 1, 2, 3, 4, 5, 6, 7, 100; the middle half is 3, 4, 5, 6.
        let values = [7.0, 1.0, 100.0, 3.0, 2.0, 6.0, 5.0, 4.0];
        assert!(close(interquartile_mean(&values), 4.5));
        assert!(close(interquartile_mean(&[4.0, 1.0, 3.0, 2.0]), 2.5));
    }

    #[test]
    fn iqm_of_small_n_by_hand() {
        // n = 1: the value itself; n = 2: the mean (each value has half of its slot inside).
        assert!(close(interquartile_mean(&[3.5]), 3.5));
        assert!(close(interquartile_mean(&[1.0, 4.0]), 2.5));
        // n = 3: middle half [0.75, 2.25]; weights 1/4, 1, 1/4; (2/3)·(1/4 + 2 + 10/4) = 19/6.
        assert!(close(interquartile_mean(&[10.0, 1.0, 2.0]), 19.0 / 6.0));
        // n = 5: middle half [1.25, 3.75]; weights 0, 3/4, 1, 3/4, 0 on 1, 2, 4, 8, 16:
        // (2/5)·(3/2 + 4 + 6) = 4.6, where trim_mean(x, 0.25) would give (2 + 4 + 8)/3.
        assert!(close(interquartile_mean(&[16.0, 8.0, 4.0, 2.0, 1.0]), 4.6));
        // n = 6: middle half [1.5, 4.5]; weights 0, 1/2, 1, 1, 1/2, 0: (1/3)·(1 + 3 + 4 + 2.5).
        assert!(close(
            interquartile_mean(&[1.0, 2.0, 3.0, 4.0, 5.0, 60.0]),
            3.5
        ));
    }

    #[test]
    fn middle_half_weights_of_runs_match_the_expanded_sample() {
        // Runs 1 (×2), 3 (×0), 5 (×1), 7 (×3) expand to 1, 1, 5, 7, 7, 7: middle half [1.5, 4.5].
        let weights: Vec<f64> = middle_half_weights([2, 0, 1, 3].into_iter(), 6).collect();
        assert_eq!(weights, vec![0.5, 0.0, 1.0, 1.5]);
        let runs = 2.0 * weighted_sum(weights.into_iter(), [1.0, 3.0, 5.0, 7.0].into_iter()) / 6.0;
        assert!(close(
            runs,
            interquartile_mean(&[1.0, 1.0, 5.0, 7.0, 7.0, 7.0])
        ));
    }
}
