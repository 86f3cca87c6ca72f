//! The entropy–performance law of Cui et al. 2025, "The Entropy Mechanism of Reinforcement
//! Learning for Reasoning Language Models" (arXiv 2505.22617): along a training run, performance R
//! and policy entropy H follow the empirical law
//!
//! R = −a·exp(H) + b,
//!
//! so performance is bought with entropy, and the run's ceiling is R = −a + b, the value the law
//! predicts once the entropy is exhausted (H = 0).
//!
//! Given x = exp(H) the law is a straight line R = b + (−a)·x, so the least-squares (a, b) have a
//! closed form: −a = S_xR/S_xx and b = R̄ + a·x̄ (see `least_squares`). The fit quality is the root
//! mean squared residual √((1/n)·Σ(R − R̂)²).
//!
//! The paper's early-fit protocol fits the law on the first part of training and predicts the
//! rest; [`early_fit`] does that on the first `fraction` of the steps, in order, and reports the
//! prediction RMSE on the remaining steps.

use super::least_squares::fit_line;
use crate::core::checks::require_finite;
use crate::core::error::{Error, Result};

/// The fitted law R = −a·exp(H) + b.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LawFit {
    /// The coefficient a (positive when performance rises as entropy falls).
    pub a: f64,
    /// The offset b.
    pub b: f64,
    /// √((1/n)·Σ(R − R̂)²) over the fitted points.
    pub rmse: f64,
    /// b − a: the predicted performance at H = 0.
    pub ceiling: f64,
    /// The number of fitted points.
    pub points: usize,
}

impl LawFit {
    /// The predicted performance −a·exp(H) + b at entropy `entropy`.
    pub fn predict(&self, entropy: f64) -> f64 {
        -self.a * entropy.exp() + self.b
    }
}

/// The law fitted on the early steps and its error on the later ones.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct EarlyFit {
    /// The law fitted on the first `fit_points` steps.
    pub fit: LawFit,
    /// The number of leading steps fitted.
    pub fit_points: usize,
    /// The number of later steps predicted.
    pub predicted_points: usize,
    /// √((1/m)·Σ(R − R̂)²) over the m predicted steps.
    pub prediction_rmse: f64,
}

/// Fits R = −a·exp(H) + b by least squares to the pairs (`entropy[i]`, `performance[i]`). Errors
/// for lengths that differ, fewer than 3 points, non-finite values (including exp(H) overflowing),
/// or a constant entropy (then a and b are not identified).
pub fn fit_entropy_law(entropy: &[f64], performance: &[f64]) -> Result<LawFit> {
    check_pairs(entropy, performance)?;
    if entropy.len() < 3 {
        return Err(Error::invalid(
            "entropy",
            format!("found {} point(s)", entropy.len()),
            "expected at least 3 (two parameters plus one degree of freedom)",
        ));
    }
    let x: Vec<f64> = entropy.iter().map(|h| h.exp()).collect();
    require_finite("exp(entropy)", &x)?;
    let line = fit_line(&x, performance, "entropy")?;
    let (a, b) = (-line.slope, line.intercept);
    Ok(LawFit {
        a,
        b,
        rmse: (line.residual_sum_of_squares / line.points as f64).sqrt(),
        ceiling: b - a,
        points: line.points,
    })
}

/// Fits the law on the first round(`fraction`·n) steps, in the order given, and predicts the rest.
/// Errors for a fraction outside (0, 1), fewer than 3 fitted or no predicted steps, and everything
/// [`fit_entropy_law`] rejects.
pub fn early_fit(entropy: &[f64], performance: &[f64], fraction: f64) -> Result<EarlyFit> {
    check_pairs(entropy, performance)?;
    if !(fraction > 0.0 && fraction < 1.0) {
        return Err(Error::invalid(
            "fraction",
            format!("found {fraction}"),
            "expected a share of the steps strictly between 0 and 1",
        ));
    }
    let n = entropy.len();
    let fit_points = (fraction * n as f64).round() as usize;
    if fit_points < 3 || fit_points >= n {
        return Err(Error::invalid(
            "fraction",
            format!(
                "{fraction} of {n} steps fits {fit_points} and predicts {}",
                n - fit_points.min(n)
            ),
            "expected at least 3 fitted steps and at least 1 predicted step",
        ));
    }
    let fit = fit_entropy_law(&entropy[..fit_points], &performance[..fit_points])?;
    let squared_error: f64 = entropy[fit_points..]
        .iter()
        .zip(&performance[fit_points..])
        .map(|(&h, &r)| (r - fit.predict(h)).powi(2))
        .sum();
    let predicted_points = n - fit_points;
    Ok(EarlyFit {
        fit,
        fit_points,
        predicted_points,
        prediction_rmse: (squared_error / predicted_points as f64).sqrt(),
    })
}

fn check_pairs(entropy: &[f64], performance: &[f64]) -> Result<()> {
    if entropy.len() != performance.len() {
        return Err(Error::invalid(
            "performance",
            format!(
                "found {} values for {} entropies",
                performance.len(),
                entropy.len()
            ),
            "expected one performance value per entropy value",
        ));
    }
    require_finite("entropy", entropy)?;
    require_finite("performance", performance)
}

#[cfg(test)]
mod tests {
    use rand::SeedableRng;
    use rand_chacha::ChaCha8Rng;
    use rand_distr::{Distribution, StandardNormal};

    use super::*;

    /// A falling entropy trajectory, H_k = 1.5·exp(−k/150) + 0.05, and R from the law.
    fn law_data(steps: usize, a: f64, b: f64) -> (Vec<f64>, Vec<f64>) {
        let entropy: Vec<f64> = (0..steps)
            .map(|k| 1.5 * (-(k as f64) / 150.0).exp() + 0.05)
            .collect();
        let performance = entropy.iter().map(|h| -a * h.exp() + b).collect();
        (entropy, performance)
    }

    #[test]
    fn exact_data_recovers_the_coefficients() {
        let (h, r) = law_data(300, 0.2, 0.9);
        let fit = fit_entropy_law(&h, &r).unwrap();
        assert!((fit.a - 0.2).abs() < 1e-12, "{fit:?}");
        assert!((fit.b - 0.9).abs() < 1e-12, "{fit:?}");
        assert!((fit.ceiling - 0.7).abs() < 1e-12);
        assert!(fit.rmse < 1e-12);
        assert_eq!(fit.points, 300);
    }

    #[test]
    fn rmse_of_a_hand_example() {
        // exp(H) = 1, 2, 3 and R = 1, 2, 2: R = 2/3 + x/2, so a = −1/2, b = 2/3, residuals
        // −1/6, 1/3, −1/6 and RMSE = √((1/6)/3) = √2/6.
        let h = [0.0, 2f64.ln(), 3f64.ln()];
        let fit = fit_entropy_law(&h, &[1.0, 2.0, 2.0]).unwrap();
        assert!((fit.a + 0.5).abs() < 1e-14);
        assert!((fit.b - 2.0 / 3.0).abs() < 1e-14);
        assert!((fit.rmse - 2f64.sqrt() / 6.0).abs() < 1e-14);
        assert!((fit.ceiling - 7.0 / 6.0).abs() < 1e-14);
    }

    #[test]
    fn early_fit_on_exact_data_predicts_the_rest_exactly() {
        let (h, r) = law_data(200, 0.35, 0.6);
        let early = early_fit(&h, &r, 0.25).unwrap();
        assert_eq!((early.fit_points, early.predicted_points), (50, 150));
        assert!(early.prediction_rmse < 1e-12, "{early:?}");
        assert!((early.fit.a - 0.35).abs() < 1e-12);
    }

    #[test]
    fn early_fit_on_noisy_data_predicts_with_the_noise_level() {
        let (h, mut r) = law_data(2000, 0.3, 0.8);
        let mut rng = ChaCha8Rng::seed_from_u64(8);
        let noise_sd = 0.01;
        for value in &mut r {
            let noise: f64 = StandardNormal.sample(&mut rng);
            *value += noise_sd * noise;
        }
        let early = early_fit(&h, &r, 0.3).unwrap();
        // 600 fitted points pin (a, b) to O(sd/√600); the prediction error is the fresh noise.
        assert!(
            (early.prediction_rmse / noise_sd - 1.0).abs() < 0.1,
            "{early:?}"
        );
        assert!((early.fit.rmse / noise_sd - 1.0).abs() < 0.1, "{early:?}");
    }

    #[test]
    fn invalid_inputs_are_errors() {
        let message = |r: Result<LawFit>| r.unwrap_err().to_string();
        assert!(message(fit_entropy_law(&[0.1, 0.2, 0.3], &[1.0, 2.0])).contains("2 values for 3"));
        assert!(message(fit_entropy_law(&[0.1, 0.2], &[1.0, 2.0])).contains("2 point(s)"));
        assert!(message(fit_entropy_law(&[0.4; 4], &[1.0, 2.0, 3.0, 4.0])).contains("same value"));
        assert!(
            message(fit_entropy_law(&[0.1, f64::NAN, 0.3], &[1.0, 2.0, 3.0]))
                .contains("entropy: found 1 non-finite")
        );
        assert!(
            message(fit_entropy_law(&[0.1, 800.0, 0.3], &[1.0, 2.0, 3.0])).contains("exp(entropy)")
        );
        let (h, r) = law_data(10, 0.2, 0.9);
        let early = |fraction| early_fit(&h, &r, fraction).unwrap_err().to_string();
        assert!(early(1.0).contains("fraction"));
        assert!(early(0.2).contains("fits 2 and predicts 8"));
        assert!(early(0.96).contains("fits 10 and predicts 0"));
    }
}
