//! A stochastic bandit behind the [`World`] interface, so the exact policy-gradient algorithms of
//! the catalogue run on it unchanged: one state, Q(a) = μ_a, V = J(π) = Σ_a π(a)·μ_a, occupancy 1,
//! gradient weight and divisor 1, hence the exact softmax gradient
//!
//! ∂J/∂θ(a) = π(a)·(μ_a − Σ_b π(b)·μ_b)
//!
//! (Mei, Xiao, Szepesvári & Schuurmans 2020, §2 and Lemma 2). J* = max_a μ_a. The model it samples
//! from is the one-state MDP of [`BanditParams`] (Bernoulli arms when the environment's rewards
//! are 0/1 draws, otherwise the means themselves).

use ndarray::{Array1, Array2, ArrayView2};

use super::BanditEnvironment;
use crate::core::error::Result;
use crate::exact::problem::optimal_actions;
use crate::world::TabularMdp;
use crate::world::generate::BanditParams;
use crate::world::interface::{Evaluation, Reference, StageValues, World, WorldKind, check_shape};

/// The exact view of a stochastic bandit's expected rewards.
#[derive(Debug, Clone)]
pub struct ExactBandit {
    /// Q(a) = μ_a, as the one row of a 1×K table.
    q: Array2<f64>,
    allowed: Vec<bool>,
    initial: Array1<f64>,
    reference: Reference,
    model: TabularMdp,
}

impl ExactBandit {
    /// The bandit with arm means `means`; `bernoulli` says its rewards are 0/1 draws (then the
    /// sampling model draws them so, and each mean must lie in [0, 1]).
    pub fn new(means: &[f64], bernoulli: bool) -> Result<Self> {
        let model = BanditParams {
            means: means.to_vec(),
            bernoulli,
        }
        .build()?;
        let best = means.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        let q = Array2::from_shape_vec((1, means.len()), means.to_vec())
            .expect("cannot fail: one row of K means is a 1×K table");
        let allowed = vec![true; means.len()];
        let optimal = optimal_actions(ndarray::arr1(&[best]).view(), q.view(), &allowed);
        Ok(ExactBandit {
            q,
            allowed,
            initial: Array1::from(vec![1.0]),
            reference: Reference {
                optimal_objective: best,
                optimal_actions: vec![optimal],
            },
            model,
        })
    }

    /// The exact view of a stochastic environment's current means.
    pub fn of(environment: &dyn BanditEnvironment, bernoulli: bool) -> Result<Self> {
        ExactBandit::new(environment.means(), bernoulli)
    }
}

impl World for ExactBandit {
    fn kind(&self) -> WorldKind {
        WorldKind::Bandit
    }

    fn stages(&self) -> usize {
        1
    }

    fn n_states(&self) -> usize {
        1
    }

    fn n_actions(&self) -> usize {
        self.q.ncols()
    }

    fn allowed_mask(&self) -> &[bool] {
        &self.allowed
    }

    fn initial(&self) -> &Array1<f64> {
        &self.initial
    }

    /// Each pull ends the episode: nothing is discounted because nothing follows.
    fn gamma(&self) -> f64 {
        0.0
    }

    fn evaluate(&self, policy: &[ArrayView2<'_, f64>]) -> Result<Evaluation> {
        check_shape(self, policy)?;
        crate::exact::check_policy(&self.model, policy[0])?;
        let value = policy[0].row(0).dot(&self.q.row(0));
        Ok(Evaluation {
            stages: vec![StageValues {
                v: Array1::from(vec![value]),
                q: self.q.clone(),
                occupancy: Array1::from(vec![1.0]),
                gradient_weight: 1.0,
            }],
            objective: value,
            gradient_divisor: 1.0,
        })
    }

    fn reference(&self) -> &Reference {
        &self.reference
    }

    fn model(&self) -> Option<&TabularMdp> {
        Some(&self.model)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bandit::BernoulliBandit;

    /// Mei et al.'s bandit r = (1, 0.9, 0.1): J, the gradient's closed form, and the reference.
    #[test]
    fn closed_forms_on_mei_et_al_s_bandit() {
        let environment = BernoulliBandit::new(vec![1.0, 0.9, 0.1]).unwrap();
        let world = ExactBandit::of(&environment, true).unwrap();
        let policy = ndarray::arr2(&[[0.2, 0.5, 0.3]]);
        let evaluation = world.evaluate(&[policy.view()]).unwrap();
        let j = 0.2 * 1.0 + 0.5 * 0.9 + 0.3 * 0.1;
        assert!((evaluation.objective - j).abs() < 1e-15);
        let (gradient, _) = evaluation.softmax_gradient(&[policy.view()]);
        for (a, mu) in [1.0, 0.9, 0.1].into_iter().enumerate() {
            let expected = policy[[0, a]] * (mu - j);
            assert!((gradient[0][[0, a]] - expected).abs() < 1e-15);
        }
        assert_eq!(world.reference().optimal_objective, 1.0);
        assert_eq!(world.reference().optimal_actions, vec![vec![vec![0]]]);
        let not_a_distribution = ndarray::arr2(&[[0.2, 0.5, 0.2]]);
        assert!(world.evaluate(&[not_a_distribution.view()]).is_err());
    }
}
