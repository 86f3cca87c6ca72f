//! LinUCB / OFUL for linear contextual bandits (Li, Chu, Langford & Schapire 2010, "A
//! contextual-bandit approach to personalized news article recommendation"; Abbasi-Yadkori, Pál &
//! Szepesvári 2011, "Improved algorithms for linear stochastic bandits").
//!
//! One ridge-regression estimate of θ* shared by all arms:
//!
//! ```text
//!     A_t = λ I + Σ_{s<t} x_s x_sᵀ,   b_t = Σ_{s<t} r_s x_s,   θ̂_t = A_t⁻¹ b_t,
//!     A_t (arm played) = argmax_a  ⟨θ̂_t, x_{t,a}⟩ + β_t ‖x_{t,a}‖_{A_t⁻¹},
//! ```
//!
//! with ‖x‖_{A⁻¹} = √(xᵀ A⁻¹ x). The width β_t is either a constant (Li et al.'s α) or the
//! confidence radius of Abbasi-Yadkori et al. (Theorem 2) for σ-sub-Gaussian noise,
//! ‖θ*‖ ≤ S, ‖x‖ ≤ L and confidence 1 − δ:
//!
//! ```text
//!     β_t = σ √(2 ln(1/δ) + d ln(1 + (t−1) L² / (λ d))) + √λ S.
//! ```
//!
//! A⁻¹ is kept directly and updated after each round by the Sherman–Morrison formula
//! (A + x xᵀ)⁻¹ = A⁻¹ − (A⁻¹x)(A⁻¹x)ᵀ / (1 + xᵀA⁻¹x), O(d²) per round instead of a fresh inverse.

use ndarray::{Array1, Array2, ArrayView1, ArrayView2};
use rand_chacha::ChaCha8Rng;

use super::{BanditLearner, argmax};
use crate::core::checks::{require_arm, require_arms, require_finite_reward, require_positive};
use crate::core::error::{Error, Result};

/// Replaces the symmetric `inverse` = A⁻¹ by (A + x xᵀ)⁻¹.
pub fn sherman_morrison_update(inverse: &mut Array2<f64>, x: ArrayView1<'_, f64>) {
    let ax = inverse.dot(&x);
    let denominator = 1.0 + x.dot(&ax);
    for ((i, j), v) in inverse.indexed_iter_mut() {
        *v -= ax[i] * ax[j] / denominator;
    }
}

/// How wide the confidence bonus is.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Width {
    /// A constant β (Li et al. 2010's α).
    Constant(f64),
    /// The OFUL radius for noise σ, confidence 1 − δ, ‖θ*‖ ≤ S and ‖x‖ ≤ L.
    Oful {
        sigma: f64,
        delta: f64,
        theta_bound: f64,
        feature_bound: f64,
    },
}

/// LinUCB with ridge parameter λ.
#[derive(Debug, Clone, PartialEq)]
pub struct LinUcb {
    k: usize,
    lambda: f64,
    width: Width,
    inverse: Array2<f64>,
    b: Array1<f64>,
    rounds: u64,
    /// The features of the arm chosen by the last `select`.
    chosen: Option<Array1<f64>>,
}

impl LinUcb {
    pub fn new(k: usize, dim: usize, lambda: f64, width: Width) -> Result<Self> {
        require_arms(k)?;
        require_positive("lambda", lambda)?;
        if dim == 0 {
            return Err(Error::invalid("dim", "found 0", "expected at least 1"));
        }
        match width {
            Width::Constant(beta) => require_positive("beta", beta)?,
            Width::Oful {
                sigma,
                delta,
                theta_bound,
                feature_bound,
            } => {
                require_positive("sigma", sigma)?;
                require_positive("theta_bound", theta_bound)?;
                require_positive("feature_bound", feature_bound)?;
                if !(delta > 0.0 && delta < 1.0) {
                    return Err(Error::invalid(
                        "delta",
                        format!("found {delta}"),
                        "expected a probability in (0, 1)",
                    ));
                }
            }
        }
        Ok(LinUcb {
            k,
            lambda,
            width,
            inverse: Array2::eye(dim) / lambda,
            b: Array1::zeros(dim),
            rounds: 0,
            chosen: None,
        })
    }

    /// θ̂ = A⁻¹ b.
    pub fn estimate(&self) -> Array1<f64> {
        self.inverse.dot(&self.b)
    }

    /// A⁻¹.
    pub fn inverse(&self) -> &Array2<f64> {
        &self.inverse
    }

    /// β_t for the coming round.
    pub fn width(&self) -> f64 {
        match self.width {
            Width::Constant(beta) => beta,
            Width::Oful {
                sigma,
                delta,
                theta_bound,
                feature_bound,
            } => {
                let d = self.b.len() as f64;
                let growth = 1.0 + self.rounds as f64 * feature_bound.powi(2) / (self.lambda * d);
                sigma * (2.0 * (1.0 / delta).ln() + d * growth.ln()).sqrt()
                    + self.lambda.sqrt() * theta_bound
            }
        }
    }
}

impl BanditLearner for LinUcb {
    fn name(&self) -> &'static str {
        "linucb"
    }

    fn n_arms(&self) -> usize {
        self.k
    }

    fn select(
        &mut self,
        context: Option<ArrayView2<'_, f64>>,
        _rng: &mut ChaCha8Rng,
    ) -> Result<usize> {
        let features = context
            .filter(|x| x.dim() == (self.k, self.b.len()))
            .ok_or_else(|| {
                Error::Usage(format!(
                    "linucb needs a {}x{} context (arms x features) every round",
                    self.k,
                    self.b.len()
                ))
            })?;
        let theta = self.estimate();
        let beta = self.width();
        let index = features.rows().into_iter().map(|x| {
            let spread = x.dot(&self.inverse.dot(&x)).max(0.0).sqrt();
            x.dot(&theta) + beta * spread
        });
        // K ≥ 2 rows, so argmax exists.
        let arm = argmax(index.collect::<Vec<_>>()).unwrap_or(0);
        self.chosen = Some(features.row(arm).to_owned());
        Ok(arm)
    }

    fn update(&mut self, arm: usize, reward: f64) -> Result<()> {
        require_arm(arm, self.k)?;
        require_finite_reward(reward)?;
        let x = self
            .chosen
            .take()
            .ok_or_else(|| Error::Usage("linucb: update without a preceding select".to_string()))?;
        sherman_morrison_update(&mut self.inverse, x.view());
        self.b.scaled_add(reward, &x);
        self.rounds += 1;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;
    use rand_distr::{Distribution, StandardNormal};

    #[test]
    fn sherman_morrison_matches_a_direct_inverse() {
        let d = 5;
        let lambda = 0.7;
        let mut rng = ChaCha8Rng::seed_from_u64(11);
        let mut inverse = Array2::eye(d) / lambda;
        let mut a = nalgebra::DMatrix::<f64>::identity(d, d) * lambda;
        for _ in 0..40 {
            let x = Array1::from_shape_fn(d, |_| StandardNormal.sample(&mut rng));
            sherman_morrison_update(&mut inverse, x.view());
            let xv = nalgebra::DVector::from_iterator(d, x.iter().copied());
            a += &xv * xv.transpose();
        }
        let direct = a.try_inverse().unwrap();
        for i in 0..d {
            for j in 0..d {
                assert!(
                    (inverse[[i, j]] - direct[(i, j)]).abs() < 1e-12,
                    "({i}, {j})"
                );
            }
        }
    }

    #[test]
    fn needs_a_context_and_valid_parameters() {
        let mut learner = LinUcb::new(3, 2, 1.0, Width::Constant(1.0)).unwrap();
        let mut rng = ChaCha8Rng::seed_from_u64(0);
        assert!(learner.select(None, &mut rng).is_err());
        assert!(learner.update(0, 1.0).is_err());
        assert!(LinUcb::new(3, 2, 0.0, Width::Constant(1.0)).is_err());
        let oful = Width::Oful {
            sigma: 0.1,
            delta: 1.5,
            theta_bound: 1.0,
            feature_bound: 1.0,
        };
        assert!(LinUcb::new(3, 2, 1.0, oful).is_err());
    }
}
