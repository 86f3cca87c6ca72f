//! The exact policy gradient of J(θ) = ρᵀV^{π_θ} for the tabular softmax parameterization:
//!
//! ∂J/∂θ(s, a) = d^π_ρ(s)·π(a|s)·A^π(s, a) / (1 − γ)
//!
//! (Agarwal, Kakade, Lee & Mahajan 2021, Lemma C.1; Mei et al. 2020, Lemma 1), with d^π_ρ the
//! normalized discounted occupancy ([`crate::exact::occupancy()`]).

use ndarray::{Array1, Array2, ArrayView2};

use crate::core::error::Result;
use crate::exact::evaluation::require_discounted;
use crate::exact::{PolicyValues, evaluate_with_occupancy};
use crate::world::TabularMdp;
use crate::world::interface::stage_softmax_gradient;

/// Everything exact about one softmax policy: its values, occupancy and gradient.
#[derive(Debug, Clone, PartialEq)]
pub struct ExactGradient {
    pub values: PolicyValues,
    /// A^π(s, a).
    pub advantage: Array2<f64>,
    /// d^π_ρ(s), a probability distribution when no transition is `done`.
    pub occupancy: Array1<f64>,
    /// ∂J/∂θ(s, a).
    pub gradient: Array2<f64>,
}

/// The exact softmax policy gradient at the policy with probabilities `policy`.
pub fn softmax_gradient(mdp: &TabularMdp, policy: ArrayView2<'_, f64>) -> Result<ExactGradient> {
    let gamma = require_discounted(mdp, "the softmax policy gradient")?;
    let (values, occupancy) = evaluate_with_occupancy(mdp, policy)?;
    let advantage = values.advantage();
    // c = 1, D = 1 − γ: d·π·A/(1−γ), the interface's formula for a discounted world.
    let gradient =
        stage_softmax_gradient(policy, advantage.view(), occupancy.view(), 1.0, 1.0 - gamma);
    Ok(ExactGradient {
        values,
        advantage,
        occupancy,
        gradient,
    })
}
