//! Log-linear policies π_θ(a|s) ∝ exp(θᵀφ(s, a)) over a feature map (Agarwal, Kakade, Lee &
//! Mahajan 2021, §6.1), with everything exact about one policy:
//!
//! - the score ∇_θ log π_θ(a|s) = φ̄(s, a) = φ(s, a) − E_{a'~π(·|s)}[φ(s, a')];
//! - the gradient ∇J(θ) = (1/(1 − γ))·E_{s~d^π_ρ, a~π}[A^π(s, a)·φ̄(s, a)] (their Lemma 6.1 with
//!   the occupancy d^π_ρ normalized);
//! - the Fisher information F(θ) = E_{s~d^π_ρ, a~π}[φ̄ φ̄ᵀ];
//! - the compatible function approximation w* = argmin_w E_{s~d, a~π}[(wᵀφ̄(s, a) − A^π(s, a))²]
//!   (Sutton et al. 2000; Kakade 2002), solved here as a weighted least-squares regression, and its
//!   error ε = E[(w*ᵀφ̄ − A)²], the approximation error of NPG's bounds at this policy. The NPG
//!   direction F⁺∇J equals w*/(1 − γ) (Kakade 2002, Theorem 1): the two are computed by
//!   different routes (the normal equations and the regression) and checked against each other
//!   in the tests;
//! - Q-NPG's regression w_Q = argmin_w E_{s~d, a~π}[(wᵀφ(s, a) − Q^π(s, a))²] on the uncentered
//!   features (Agarwal et al. 2021, Algorithm 4) and its error.
//!
//! With one-hot features (φ(s, a) = e_{s·A + a}) θ is the tabular logits and all of this is the
//! tabular softmax's ([`super::gradient`]).

use ndarray::{Array1, Array2};

use crate::core::error::{Error, Result};
use crate::exact::evaluation::require_discounted;
use crate::exact::{PolicyValues, evaluate_with_occupancy, state_action_occupancy};
use crate::world::features::minimum_norm_least_squares;
use crate::world::{FeatureMap, TabularMdp};

/// θ of a log-linear policy (see the [module docs](self)).
#[derive(Debug, Clone, PartialEq)]
pub struct LogLinear {
    pub theta: Array1<f64>,
}

impl LogLinear {
    /// θ = 0: the uniform policy.
    pub fn zeros(features: &FeatureMap) -> Self {
        LogLinear {
            theta: Array1::zeros(features.dimension()),
        }
    }

    /// A policy with the given θ, checked against the features' dimension.
    pub fn new(features: &FeatureMap, theta: Array1<f64>) -> Result<Self> {
        if theta.len() != features.dimension() || theta.iter().any(|t| !t.is_finite()) {
            return Err(Error::invalid(
                "theta",
                format!("{} entries", theta.len()),
                format!(
                    "{} finite numbers (the feature dimension)",
                    features.dimension()
                ),
            ));
        }
        Ok(LogLinear { theta })
    }

    /// π_θ(a|s), S × A.
    pub fn probabilities(&self, features: &FeatureMap) -> Array2<f64> {
        let (states, actions) = (features.n_states(), features.n_actions());
        let logits = features.table().dot(&self.theta);
        let mut pi = Array2::zeros((states, actions));
        for s in 0..states {
            let row = logits.slice(ndarray::s![s * actions..(s + 1) * actions]);
            let max = row.iter().copied().fold(f64::NEG_INFINITY, f64::max);
            let total: f64 = row.iter().map(|l| (l - max).exp()).sum();
            for a in 0..actions {
                pi[[s, a]] = (row[a] - max).exp() / total;
            }
        }
        pi
    }
}

/// Everything exact about one log-linear policy (see the [module docs](self)).
#[derive(Debug, Clone, PartialEq)]
pub struct LogLinearGradient {
    pub values: PolicyValues,
    /// A^π(s, a).
    pub advantage: Array2<f64>,
    /// d^π_ρ(s).
    pub occupancy: Array1<f64>,
    /// π_θ(a|s).
    pub policy: Array2<f64>,
    /// φ̄(s, a), row s·A + a.
    pub centered: Array2<f64>,
    /// ∇J(θ) ∈ R^d.
    pub gradient: Array1<f64>,
    /// F(θ), d × d.
    pub fisher: Array2<f64>,
    /// w*, the compatible function approximation.
    pub compatible: Array1<f64>,
    /// E_{(s,a)~regression}[(w*ᵀφ̄ − A)²].
    pub approximation_error: f64,
    /// Q-NPG's regression w_Q = argmin_w E_{s~d, a~π}[(wᵀφ(s, a) − Q^π(s, a))²] (Agarwal et al.
    /// 2021, Algorithm 4: Q on the uncentered features).
    pub q_fit: Array1<f64>,
    /// E_{(s,a)~regression}[(w_Qᵀφ − Q)²].
    pub q_approximation_error: f64,
    /// The distribution both regressions were fitted (and their errors measured) under, S × A.
    pub regression_weights: Array2<f64>,
}

/// The distribution the regressions (w*, w_Q) are fitted under.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Regression {
    /// d^π_ρ(s)·π(a|s): w* is then exactly F⁺∇J·(1 − γ) (Kakade 2002).
    OnPolicy,
    /// d^π_ν(s, a) with ν = ρ × Unif_A, the state-action occupancy from a uniformly random first
    /// action (Agarwal et al. 2021, §6, ν_0; Yuan et al. 2023, ν): every action keeps weight
    /// ≥ (1 − γ)ρ(s)/|A|, so the fit stays defined where π has become (numerically) deterministic.
    UniformStart,
}

/// The exact quantities of the module docs at `policy` on `mdp` with `features`, the
/// regressions fitted on-policy.
pub fn log_linear_gradient(
    mdp: &TabularMdp,
    features: &FeatureMap,
    policy: &LogLinear,
) -> Result<LogLinearGradient> {
    log_linear_gradient_with(mdp, features, policy, Regression::OnPolicy)
}

/// The exact quantities of the module docs, the regressions fitted under `regression`.
pub fn log_linear_gradient_with(
    mdp: &TabularMdp,
    features: &FeatureMap,
    policy: &LogLinear,
    regression: Regression,
) -> Result<LogLinearGradient> {
    let gamma = require_discounted(mdp, "the log-linear policy gradient")?;
    features.require_fits(mdp)?;
    let pi = policy.probabilities(features);
    let (values, occupancy) = evaluate_with_occupancy(mdp, pi.view())?;
    let advantage = values.advantage();
    let (states, actions, d) = (mdp.n_states(), mdp.n_actions(), features.dimension());
    let regression_weights = match regression {
        Regression::OnPolicy => {
            Array2::from_shape_fn((states, actions), |(s, a)| occupancy[s] * pi[[s, a]])
        }
        Regression::UniformStart => {
            // ν(·|s) uniform over the actions available in s.
            let allowed = mdp.allowed_mask();
            let start = Array2::from_shape_fn((states, actions), |(s, a)| {
                let available = (0..actions).filter(|&b| allowed[s * actions + b]).count();
                if allowed[s * actions + a] {
                    mdp.initial()[s] / available as f64
                } else {
                    0.0
                }
            });
            state_action_occupancy(mdp, pi.view(), &start)?
        }
    };
    let mut centered = features.table().clone();
    for s in 0..states {
        let mut mean = Array1::<f64>::zeros(d);
        for a in 0..actions {
            mean.scaled_add(pi[[s, a]], &features.phi(s, a));
        }
        for a in 0..actions {
            let mut row = centered.row_mut(s * actions + a);
            row -= &mean;
        }
    }
    let mut gradient = Array1::<f64>::zeros(d);
    let mut fisher = Array2::<f64>::zeros((d, d));
    // The regression's rows, scaled by √(d(s)π(a|s)).
    let rows = states * actions;
    let mut design = Array2::<f64>::zeros((rows, d));
    let mut target = Array2::<f64>::zeros((rows, 1));
    let mut q_design = Array2::<f64>::zeros((rows, d));
    let mut q_target = Array2::<f64>::zeros((rows, 1));
    for s in 0..states {
        for a in 0..actions {
            let weight = occupancy[s] * pi[[s, a]];
            let row = centered.row(s * actions + a);
            gradient.scaled_add(weight * advantage[[s, a]] / (1.0 - gamma), &row);
            for i in 0..d {
                for j in 0..d {
                    fisher[[i, j]] += weight * row[i] * row[j];
                }
            }
            let root = regression_weights[[s, a]].max(0.0).sqrt();
            design.row_mut(s * actions + a).assign(&(&row * root));
            target[[s * actions + a, 0]] = root * advantage[[s, a]];
            q_design
                .row_mut(s * actions + a)
                .assign(&(&features.phi(s, a) * root));
            q_target[[s * actions + a, 0]] = root * values.q[[s, a]];
        }
    }
    let (w, residual) = minimum_norm_least_squares(&design, &target)
        .map_err(|e| e.in_origin("the compatible function approximation"))?;
    let (q_fit, q_residual) = minimum_norm_least_squares(&q_design, &q_target)
        .map_err(|e| e.in_origin("Q-NPG's regression"))?;
    Ok(LogLinearGradient {
        values,
        advantage,
        occupancy,
        policy: pi,
        centered,
        gradient,
        fisher,
        compatible: w.column(0).to_owned(),
        approximation_error: residual.iter().map(|r| r * r).sum(),
        q_fit: q_fit.column(0).to_owned(),
        q_approximation_error: q_residual.iter().map(|r| r * r).sum(),
        regression_weights,
    })
}

impl LogLinearGradient {
    /// e(s, a) = w*ᵀφ̄(s, a) − A^π(s, a), S × A: the compatible regression's error everywhere.
    pub fn compatible_residual(&self) -> Array2<f64> {
        self.compatible_residual_of(&self.compatible)
    }

    /// e(s, a) = wᵀφ̄(s, a) − A^π(s, a) for any w (a sampled fit's, say).
    pub fn compatible_residual_of(&self, w: &Array1<f64>) -> Array2<f64> {
        let (states, actions) = self.advantage.dim();
        let fitted = self.centered.dot(w);
        Array2::from_shape_fn((states, actions), |(s, a)| {
            fitted[s * actions + a] - self.advantage[[s, a]]
        })
    }

    /// e(s, a) = w_Qᵀφ(s, a) − Q^π(s, a), S × A: Q-NPG's regression error everywhere.
    pub fn q_residual(&self, features: &FeatureMap) -> Array2<f64> {
        self.q_residual_of(features, &self.q_fit)
    }

    /// e(s, a) = wᵀφ(s, a) − Q^π(s, a) for any w (a sampled fit's, say).
    pub fn q_residual_of(&self, features: &FeatureMap, w: &Array1<f64>) -> Array2<f64> {
        let (states, actions) = self.advantage.dim();
        let fitted = features.table().dot(w);
        Array2::from_shape_fn((states, actions), |(s, a)| {
            fitted[s * actions + a] - self.values.q[[s, a]]
        })
    }
}

impl LogLinearGradient {
    /// E_{(s,a)~regression}[e(s, a)²]: a residual's loss under the regression's distribution
    /// (the loss `q_approximation_error` is the least value of, for Q's residuals).
    pub fn regression_loss(&self, residual: &Array2<f64>) -> f64 {
        residual
            .iter()
            .zip(&self.regression_weights)
            .map(|(e, w)| w * e * e)
            .sum()
    }
}

/// The distribution a transfer error is measured under: a comparator policy π* (an optimal one)
/// and its occupancy d^{π*}_ρ (Agarwal, Kakade, Lee & Mahajan 2021, §6: the regression is fitted
/// under the current policy's distribution and the bounds pay its error under the comparator's).
#[derive(Debug, Clone, PartialEq)]
pub struct Comparator {
    /// d^{π*}_ρ(s).
    pub occupancy: Array1<f64>,
    /// π*(a|s).
    pub policy: Array2<f64>,
}

impl Comparator {
    /// The comparator `policy` on `mdp`, with its occupancy computed exactly.
    pub fn new(mdp: &TabularMdp, policy: Array2<f64>) -> Result<Self> {
        let (_, occupancy) = evaluate_with_occupancy(mdp, policy.view())?;
        Ok(Comparator { occupancy, policy })
    }

    /// E_{s~d^{π*}_ρ, a~π*}[e(s, a)²]: NPG's transfer error for e the compatible residual.
    pub fn under_comparator(&self, residual: &Array2<f64>) -> f64 {
        weighted_square(residual, &self.occupancy, |s, a| self.policy[[s, a]])
    }

    /// E_{s~d^{π*}_ρ, a~Unif}[e(s, a)²]: Q-NPG's transfer error for e its regression residual
    /// (Agarwal et al.'s d*(s, a) = d^{π*}_ρ(s)·Unif_A(a)).
    pub fn under_uniform_actions(&self, residual: &Array2<f64>) -> f64 {
        let actions = residual.ncols() as f64;
        weighted_square(residual, &self.occupancy, |_, _| 1.0 / actions)
    }
}

/// Σ_s d(s) Σ_a p(s, a)·e(s, a)².
fn weighted_square(
    residual: &Array2<f64>,
    occupancy: &Array1<f64>,
    probability: impl Fn(usize, usize) -> f64,
) -> f64 {
    residual
        .indexed_iter()
        .map(|((s, a), e)| occupancy[s] * probability(s, a) * e * e)
        .sum()
}

/// max_s min_c max_a |e(s, a) − c| = max_s (max_a e − min_a e)/2: the error of a Q estimate up to
/// a constant per state, which a softmax (mirror-descent) step cannot see — the τ of the
/// linear-rate bound for inexact policy mirror descent (Xiao 2022, §4; paper-notes/linear-mdps.md).
pub fn shift_reduced_sup(residual: &Array2<f64>) -> f64 {
    residual
        .rows()
        .into_iter()
        .map(|row| {
            let high = row.iter().copied().fold(f64::NEG_INFINITY, f64::max);
            let low = row.iter().copied().fold(f64::INFINITY, f64::min);
            (high - low) / 2.0
        })
        .fold(0.0, f64::max)
}
