//! pass@k: the probability that at least one of k responses to a prompt is correct, estimated
//! without bias from n ≥ k sampled responses of which c are correct (Chen et al. 2021, "Evaluating
//! Large Language Models Trained on Code", Eq. 1):
//!
//! pass@k = 1 − C(n − c, k) / C(n, k),
//!
//! the probability that k responses drawn without replacement from the n include a correct one.
//! Sampling k responses and checking them directly has the same mean but a larger variance. The
//! binomial ratio is computed as the product C(n − c, k)/C(n, k) = ∏_{i = n−c+1}^{n} (1 − k/i), as
//! in the paper's numerically stable implementation (its Figure 3), which neither overflows nor
//! loses precision for large n. In the entropy-collapse experiments, pass@1 tracks the reward
//! while pass@k for large k tracks how many problems the policy can still solve at all.

use crate::core::error::{Error, Result};

/// The unbiased pass@k of one prompt with `samples` responses of which `correct` are correct.
///
/// Errors when `k` is 0 or exceeds `samples`, or when `correct` exceeds `samples`.
pub fn pass_at_k(samples: usize, correct: usize, k: usize) -> Result<f64> {
    if correct > samples {
        return Err(Error::invalid(
            "pass@k correct",
            correct.to_string(),
            format!("at most the number of samples, {samples}"),
        ));
    }
    if k == 0 || k > samples {
        return Err(Error::invalid(
            "pass@k k",
            k.to_string(),
            format!("1 to the number of samples, {samples}"),
        ));
    }
    if samples - correct < k {
        // Every k-subset holds a correct response.
        return Ok(1.0);
    }
    let k = k as f64;
    let all_wrong: f64 = (samples - correct + 1..=samples)
        .map(|i| 1.0 - k / i as f64)
        .product();
    Ok(1.0 - all_wrong)
}

/// The mean pass@k over prompts, each given as (samples, correct); an error for no prompts or any
/// invalid pair (see [`pass_at_k`]).
pub fn mean_pass_at_k(counts: &[(usize, usize)], k: usize) -> Result<f64> {
    if counts.is_empty() {
        return Err(Error::Usage("pass@k of no prompts".to_string()));
    }
    let mut total = 0.0;
    for &(samples, correct) in counts {
        total += pass_at_k(samples, correct, k)?;
    }
    Ok(total / counts.len() as f64)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;
    use rand::seq::SliceRandom;
    use rand_chacha::ChaCha8Rng;

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() <= 1e-12
    }

    #[test]
    fn hand_computed_values() {
        let value = |n, c, k| pass_at_k(n, c, k).expect("valid arguments");
        assert!(close(value(2, 1, 1), 0.5));
        assert!(close(value(10, 0, 5), 0.0));
        assert!(close(value(10, 10, 1), 1.0));
        // n − c < k: every subset holds a correct response.
        assert!(close(value(5, 3, 3), 1.0));
        assert!(close(value(5, 1, 5), 1.0));
        // 1 − C(7,4)/C(10,4) = 1 − 35/210 = 5/6.
        assert!(close(value(10, 3, 4), 5.0 / 6.0));
        // 1 − C(3,2)/C(4,2) = 1 − 3/6 = 1/2.
        assert!(close(value(4, 1, 2), 0.5));
        // pass@1 is the fraction correct.
        for (n, c) in [(7, 3), (100, 37), (1, 1), (1, 0)] {
            assert!(close(value(n, c, 1), c as f64 / n as f64));
        }
        assert!(close(
            mean_pass_at_k(&[(2, 1), (10, 3), (10, 0)], 1).expect("valid"),
            (0.5 + 0.3 + 0.0) / 3.0
        ));
    }

    #[test]
    fn product_matches_exact_binomials() {
        fn binomial(n: u128, k: u128) -> u128 {
            if k > n {
                return 0;
            }
            (0..k).fold(1, |acc, i| acc * (n - i) / (i + 1))
        }
        for n in 1..=60usize {
            for c in 0..=n {
                for k in 1..=n {
                    let exact = 1.0
                        - binomial((n - c) as u128, k as u128) as f64
                            / binomial(n as u128, k as u128) as f64;
                    let found = pass_at_k(n, c, k).expect("valid arguments");
                    assert!((found - exact).abs() < 1e-9, "n={n} c={c} k={k}");
                }
            }
        }
        // Large n stays finite and in [0, 1] (C(10^6, 100) would overflow any float).
        let large = pass_at_k(1_000_000, 10, 100).expect("valid arguments");
        assert!((0.0..=1.0).contains(&large));
        // ≈ 1 − (1 − 10^−4)^10 for k/n small.
        assert!((large - (1.0 - (1.0f64 - 1e-4).powi(10))).abs() < 1e-6);
    }

    #[test]
    fn monte_carlo_agrees() {
        // Draw k of n responses without replacement many times; the fraction of draws holding a
        // correct response is within 4 standard errors of the estimator.
        let mut rng = ChaCha8Rng::seed_from_u64(17);
        for (n, c, k) in [(10, 3, 4), (20, 2, 5), (16, 1, 1), (8, 5, 2)] {
            let mut responses: Vec<bool> = (0..n).map(|i| i < c).collect();
            let trials = 100_000;
            let mut hits = 0;
            for _ in 0..trials {
                let (drawn, _) = responses.partial_shuffle(&mut rng, k);
                hits += usize::from(drawn.iter().any(|&correct| correct));
            }
            let expected = pass_at_k(n, c, k).expect("valid arguments");
            let fraction = hits as f64 / trials as f64;
            let standard_error = (expected * (1.0 - expected) / trials as f64).sqrt();
            assert!(
                (fraction - expected).abs() < 4.0 * standard_error + 1e-12,
                "n={n} c={c} k={k}: {fraction} vs {expected}"
            );
        }
    }

    #[test]
    fn invalid_arguments_are_errors() {
        assert!(
            pass_at_k(5, 6, 1)
                .expect_err("c > n")
                .to_string()
                .contains("correct")
        );
        assert!(
            pass_at_k(5, 2, 6)
                .expect_err("k > n")
                .to_string()
                .contains("k: 6")
        );
        assert!(pass_at_k(5, 2, 0).is_err());
        assert!(pass_at_k(0, 0, 1).is_err());
        assert!(mean_pass_at_k(&[], 1).is_err());
        assert!(mean_pass_at_k(&[(3, 1), (3, 4)], 1).is_err());
    }
}
