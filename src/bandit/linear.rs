//! Linear contextual bandits (Abe & Long 1999; Auer 2002, "Using confidence bounds for
//! exploitation-exploration trade-offs"; Li, Chu, Langford & Schapire 2010, "A contextual-bandit
//! approach to personalized news article recommendation").
//!
//! Every round t each arm a shows a feature vector x_{t,a} ∈ ℝ^d, drawn afresh (uniformly on the
//! unit sphere: d independent standard normals, divided by their norm). Pulling arm a returns
//!
//! ```text
//!     r_t = ⟨θ*, x_{t,a}⟩ + ε_t,   ε_t ~ N(0, σ²),
//! ```
//!
//! with one unknown parameter θ* shared by all arms. The expected reward of every arm is
//! μ_t(a) = ⟨θ*, x_{t,a}⟩, and the comparator of the pseudo-regret is the best arm of the round,
//! max_a μ_t(a), which changes from round to round.

use ndarray::{Array1, Array2, ArrayView2};
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, StandardNormal};

use super::BanditEnvironment;
use crate::core::checks::{require_arms, require_positive};
use crate::core::error::{Error, Result};

/// A linear contextual bandit with K arms, dimension d, parameter θ* and noise σ.
#[derive(Debug, Clone, PartialEq)]
pub struct LinearContextualBandit {
    theta: Array1<f64>,
    sigma: f64,
    /// The current round's features, one row per arm (K×d).
    features: Array2<f64>,
    means: Vec<f64>,
    best: f64,
}

impl LinearContextualBandit {
    /// `k` ≥ 2 arms, parameter `theta` (d ≥ 1 finite entries), noise `sigma` > 0.
    pub fn new(k: usize, theta: Array1<f64>, sigma: f64) -> Result<Self> {
        require_arms(k)?;
        require_positive("sigma", sigma)?;
        if theta.is_empty() {
            return Err(Error::invalid(
                "theta",
                "found an empty vector",
                "expected dimension d >= 1",
            ));
        }
        if let Some((i, x)) = theta.iter().enumerate().find(|(_, x)| !x.is_finite()) {
            return Err(Error::invalid(
                format!("theta[{i}]"),
                format!("found {x}"),
                "the parameter must be finite",
            ));
        }
        let d = theta.len();
        Ok(LinearContextualBandit {
            theta,
            sigma,
            features: Array2::zeros((k, d)),
            means: vec![0.0; k],
            best: 0.0,
        })
    }

    pub fn dim(&self) -> usize {
        self.theta.len()
    }

    pub fn theta(&self) -> &Array1<f64> {
        &self.theta
    }
}

impl BanditEnvironment for LinearContextualBandit {
    fn n_arms(&self) -> usize {
        self.means.len()
    }

    fn start(&mut self, _horizon: usize) -> Result<()> {
        Ok(())
    }

    fn begin_round(&mut self, _t: usize, rng: &mut ChaCha8Rng) {
        for (mut row, mean) in self.features.rows_mut().into_iter().zip(&mut self.means) {
            row.mapv_inplace(|_| StandardNormal.sample(rng));
            let norm = row.dot(&row).sqrt();
            // A zero vector has probability 0; keep it as it is rather than divide by 0.
            if norm > 0.0 {
                row /= norm;
            }
            *mean = row.dot(&self.theta);
        }
        self.best = self.means.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    }

    fn context(&self) -> Option<ArrayView2<'_, f64>> {
        Some(self.features.view())
    }

    fn means(&self) -> &[f64] {
        &self.means
    }

    fn benchmark(&self) -> f64 {
        self.best
    }

    fn pull(&mut self, arm: usize, rng: &mut ChaCha8Rng) -> f64 {
        super::environment::gaussian_reward(self.means[arm], self.sigma, rng)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    #[test]
    fn features_are_unit_vectors_and_means_are_inner_products() {
        let theta = ndarray::arr1(&[0.6, -0.8, 0.0]);
        let mut env = LinearContextualBandit::new(4, theta.clone(), 0.1).unwrap();
        let mut rng = ChaCha8Rng::seed_from_u64(1);
        env.begin_round(0, &mut rng);
        let x = env.context().unwrap().to_owned();
        for (row, &m) in x.rows().into_iter().zip(env.means()) {
            assert!((row.dot(&row) - 1.0).abs() < 1e-12);
            assert!((row.dot(&theta) - m).abs() < 1e-15);
        }
        assert!(LinearContextualBandit::new(4, ndarray::arr1(&[]), 0.1).is_err());
        assert!(LinearContextualBandit::new(1, theta, 0.1).is_err());
    }
}
