//! Policy entropy H(π(·|s)) = −Σ_a π(a|s)·log π(a|s), with 0·log 0 = 0 (the limit), and its
//! occupancy-weighted average Σ_s d^π_ρ(s)·H(π(·|s)).

use ndarray::{Array1, ArrayView1, ArrayView2};

/// −Σ_a p_a log p_a of one distribution, with 0·log 0 = 0.
pub fn entropy_of(probabilities: ArrayView1<'_, f64>) -> f64 {
    -probabilities
        .iter()
        .filter(|&&p| p > 0.0)
        .map(|&p| p * p.ln())
        .sum::<f64>()
}

/// H(π(·|s)) for every state.
pub fn state_entropy(policy: ArrayView2<'_, f64>) -> Array1<f64> {
    policy.rows().into_iter().map(entropy_of).collect()
}

/// −Σ_a p_a·log p_a of one distribution given its logarithms as well (as a log-softmax gives them:
/// no logarithm is taken here), with 0·log 0 = 0.
pub fn entropy_with_logs(
    probabilities: ArrayView1<'_, f64>,
    log_probabilities: ArrayView1<'_, f64>,
) -> f64 {
    -probabilities
        .iter()
        .zip(log_probabilities)
        .filter(|&(&p, _)| p > 0.0)
        .map(|(&p, &log_p)| p * log_p)
        .sum::<f64>()
}

/// Σ_s weights(s)·H(π(·|s)), e.g. with the occupancy d^π_ρ as weights.
pub fn weighted_entropy(policy: ArrayView2<'_, f64>, weights: ArrayView1<'_, f64>) -> f64 {
    state_entropy(policy).dot(&weights)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_entropies() {
        assert_eq!(entropy_of(ndarray::arr1(&[1.0, 0.0, 0.0]).view()), 0.0);
        let uniform = ndarray::arr1(&[0.25; 4]);
        assert!((entropy_of(uniform.view()) - 4f64.ln()).abs() < 1e-15);
        // Bernoulli(0.1): −0.1 ln 0.1 − 0.9 ln 0.9.
        let b = ndarray::arr1(&[0.1, 0.9]);
        let expected = -(0.1f64 * 0.1f64.ln() + 0.9 * 0.9f64.ln());
        assert!((entropy_of(b.view()) - expected).abs() < 1e-15);
        let logs = b.mapv(f64::ln);
        assert_eq!(
            entropy_with_logs(b.view(), logs.view()),
            entropy_of(b.view())
        );
        let certain = ndarray::arr1(&[1.0, 0.0]);
        let certain_logs = ndarray::arr1(&[0.0, f64::NEG_INFINITY]);
        assert_eq!(entropy_with_logs(certain.view(), certain_logs.view()), 0.0);
    }
}
