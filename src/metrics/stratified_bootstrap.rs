//! The stratified percentile bootstrap over several configurations (Agarwal et al. 2021, "Deep
//! Reinforcement Learning at the Edge of the Statistical Precipice", NeurIPS, §4): each resample
//! redraws the runs *within* every configuration (stratum), keeping each stratum's number of runs,
//! and the statistic is taken on the pooled resample. The interval is the percentile interval of
//! `bootstrap`.
//!
//! Pooling: the mean weighs every run equally (a stratum with more runs counts more), and the IQM
//! is the IQM of all runs together, as in the aggregate IQM of Agarwal et al.
//!
//! Randomness: stratum i (in the order given) draws from stream i of a [`ChaCha8Rng`] seeded with
//! `seed`, so its draws depend on the seed and its own size only: adding or removing other strata
//! never changes them, and a single stratum draws exactly as the unstratified
//! [`bootstrap_interval`](super::bootstrap::bootstrap_interval) with the same seed.
//!
//! [`ChaCha8Rng`]: rand_chacha::ChaCha8Rng

use std::fmt::Display;

use super::bootstrap::{
    BootstrapSettings, Interval, check_nonempty, draw_multiplicities, finish_statistic,
    percentile_bounds, stream_rng,
};
use super::seed_statistics::{Statistic, middle_half_weights, weighted_sum};
use crate::core::checks::require_finite;
use crate::core::error::{Error, Result};

/// The stratified percentile-bootstrap interval at level `confidence` for `statistic` of the pooled
/// runs of all `strata`, each given as `(label, values)`, from `resamples` resamples. Errors, naming
/// the stratum's label, on an empty or non-finite stratum; also on no strata or invalid settings.
/// When all pooled values are equal the interval is the point.
pub fn stratified_bootstrap_interval<L: Display, V: AsRef<[f64]>>(
    strata: &[(L, V)],
    statistic: Statistic,
    resamples: usize,
    confidence: f64,
    seed: u64,
) -> Result<Interval> {
    BootstrapSettings {
        statistic,
        resamples,
        confidence,
    }
    .check()?;
    if strata.is_empty() {
        return Err(Error::invalid(
            "strata",
            "found none",
            "expected at least one configuration",
        ));
    }
    let mut sorted = Vec::with_capacity(strata.len());
    for (label, values) in strata {
        let field = format!("stratum {label}");
        let values = values.as_ref();
        check_nonempty(&field, values)?;
        require_finite(&field, values)?;
        let mut copy = values.to_vec();
        copy.sort_unstable_by(f64::total_cmp);
        sorted.push(copy);
    }
    let pooled: Vec<f64> = sorted.iter().flatten().copied().collect();
    let estimate = statistic.of(&pooled);
    let low = pooled.iter().copied().fold(f64::INFINITY, f64::min);
    let high = pooled.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    if low == high {
        return Ok(Interval {
            estimate,
            low,
            high,
        });
    }
    let mut streams: Vec<_> = (0..sorted.len())
        .map(|index| stream_rng(seed, index as u64))
        .collect();
    let mut counts: Vec<Vec<usize>> = sorted.iter().map(|s| vec![0; s.len()]).collect();
    let mut replicates = Vec::with_capacity(resamples);
    for _ in 0..resamples {
        for (stratum_counts, rng) in counts.iter_mut().zip(&mut streams) {
            draw_multiplicities(rng, stratum_counts);
        }
        replicates.push(pooled_replicate(statistic, &sorted, &counts, pooled.len()));
    }
    let (low, high) = percentile_bounds(&mut replicates, confidence);
    Ok(Interval {
        estimate,
        low,
        high,
    })
}

/// The statistic of the pooled resample in which `sorted[s][i]` appears `counts[s][i]` times.
fn pooled_replicate(
    statistic: Statistic,
    sorted: &[Vec<f64>],
    counts: &[Vec<usize>],
    total: usize,
) -> f64 {
    let sum = match statistic {
        Statistic::Mean => weighted_sum(
            counts.iter().flatten().map(|&c| c as f64),
            sorted.iter().flatten().copied(),
        ),
        Statistic::Iqm if sorted.len() == 1 => weighted_sum(
            middle_half_weights(counts[0].iter().copied(), total),
            sorted[0].iter().copied(),
        ),
        Statistic::Iqm => {
            let mut runs: Vec<(f64, usize)> = sorted
                .iter()
                .flatten()
                .copied()
                .zip(counts.iter().flatten().copied())
                .filter(|&(_, count)| count > 0)
                .collect();
            runs.sort_unstable_by(|a, b| a.0.total_cmp(&b.0));
            weighted_sum(
                middle_half_weights(runs.iter().map(|run| run.1), total),
                runs.iter().map(|run| run.0),
            )
        }
    };
    finish_statistic(statistic, sum, total)
}

#[cfg(test)]
mod tests {
    use super::super::bootstrap::bootstrap_interval;
    use super::super::seed_statistics::interquartile_mean;
    use super::*;

    #[test]
    fn one_stratum_draws_as_the_unstratified_bootstrap() {
        let samples = vec![0.1, 0.4, 0.35, 0.8, 0.6, 0.2];
        for statistic in [Statistic::Mean, Statistic::Iqm] {
            let plain = bootstrap_interval(&samples, statistic, 300, 0.95, 9).unwrap();
            let stratified =
                stratified_bootstrap_interval(&[("only", &samples)], statistic, 300, 0.95, 9)
                    .unwrap();
            assert_eq!(plain, stratified);
        }
    }

    #[test]
    fn estimate_pools_the_runs_of_all_strata() {
        let strata = [("a", vec![1.0; 4]), ("b", vec![2.0, 4.0, 6.0, 8.0])];
        let mean = stratified_bootstrap_interval(&strata, Statistic::Mean, 10, 0.95, 4).unwrap();
        assert_eq!(mean.estimate, 3.0);
        let iqm = stratified_bootstrap_interval(&strata, Statistic::Iqm, 10, 0.95, 4).unwrap();
        let pooled = [1.0, 1.0, 1.0, 1.0, 2.0, 4.0, 6.0, 8.0];
        assert_eq!(iqm.estimate, interquartile_mean(&pooled));
    }

    /// A constant stratum c adds nothing random: the pooled mean of a resample is
    /// (n_a·ā* + n_c·c)/(n_a + n_c), an increasing affine map of stratum a's resample mean ā*,
    /// and type-7 quantiles commute with such maps. Stratum a draws from stream 0 either way, so
    /// the interval with the constant stratum added is that map applied to a's own interval.
    #[test]
    fn strata_resample_independently_on_their_own_streams() {
        let a = vec![0.3, 1.9, 0.7, 2.2, 1.4];
        let alone = bootstrap_interval(&a, Statistic::Mean, 1000, 0.95, 77).unwrap();
        let strata = [("a", a), ("constant", vec![10.0; 3])];
        let both = stratified_bootstrap_interval(&strata, Statistic::Mean, 1000, 0.95, 77).unwrap();
        let map = |x: f64| (5.0 * x + 30.0) / 8.0;
        assert!(
            (both.low - map(alone.low)).abs() < 1e-12,
            "{both:?} {alone:?}"
        );
        assert!(
            (both.high - map(alone.high)).abs() < 1e-12,
            "{both:?} {alone:?}"
        );
    }

    #[test]
    fn invalid_strata_are_errors_that_name_the_stratum() {
        let message = |r: Result<Interval>| r.unwrap_err().to_string();
        let nan = message(stratified_bootstrap_interval(
            &[("ppo", vec![1.0]), ("npg", vec![f64::INFINITY])],
            Statistic::Iqm,
            100,
            0.95,
            0,
        ));
        assert!(nan.contains("stratum npg: found 1 non-finite"), "{nan}");
        let empty = message(stratified_bootstrap_interval(
            &[(3, vec![1.0]), (4, vec![])],
            Statistic::Mean,
            100,
            0.95,
            0,
        ));
        assert!(empty.contains("stratum 4: found no values"), "{empty}");
        let none: [(&str, Vec<f64>); 0] = [];
        let none = message(stratified_bootstrap_interval(
            &none,
            Statistic::Mean,
            100,
            0.95,
            0,
        ));
        assert!(none.contains("strata"), "{none}");
    }
}
