//! The finite-horizon world behind the [`World`] interface: an H-step MDP whose policy is one
//! table per step, π = (π_0, …, π_{H−1}), with its optimum from backward induction (Puterman 1994,
//! §4.5).
//!
//! Evaluation runs the backward recursion for V_h, Q_h ([`evaluate_finite`]) and the forward one
//! for μ_h, the distribution of the state at step h ([`state_distributions`]); with stage weight
//! c_h = γ^h and divisor 1 the interface's gradient is
//!
//! ∂J/∂θ_h(s, a) = γ^h·μ_h(s)·π_h(a|s)·(Q_h(s, a) − V_h(s))
//!
//! (Klein, Weissmann & Döring 2024, "Beyond Stationarity", Lemma 2.2 with γ = 1).

use ndarray::{Array1, Array2, ArrayView2};

use super::finite_horizon::{StepValues, backward_induction, evaluate_finite, state_distributions};
use super::problem::optimal_actions;
use crate::core::error::{Error, Result};
use crate::world::interface::{Evaluation, Reference, StageValues, World, WorldKind, check_shape};
use crate::world::{Horizon, TabularMdp};

/// A finite-horizon world and its exact optimum.
#[derive(Debug, Clone)]
pub struct FiniteHorizonWorld {
    pub mdp: TabularMdp,
    /// V*_h, Q*_h and a greedy optimal policy per step.
    pub optimal: StepValues,
    steps: usize,
    gamma: f64,
    reference: Reference,
}

impl FiniteHorizonWorld {
    /// Solves the world by backward induction.
    pub fn new(mdp: TabularMdp) -> Result<Self> {
        let (steps, gamma) = match mdp.horizon() {
            Horizon::Finite { steps, gamma } => (steps, gamma),
            Horizon::Discounted { .. } => {
                return Err(Error::Usage(
                    "a finite-horizon world needs `horizon = H` in the file (this world is \
                     discounted)"
                        .to_string(),
                ));
            }
        };
        let optimal = backward_induction(&mdp)?;
        let optimal_actions = (0..steps)
            .map(|h| optimal_actions(optimal.v[h].view(), optimal.q[h].view(), mdp.allowed_mask()))
            .collect();
        let reference = Reference {
            optimal_objective: optimal.objective(&mdp),
            optimal_actions,
        };
        Ok(FiniteHorizonWorld {
            mdp,
            optimal,
            steps,
            gamma,
            reference,
        })
    }
}

impl World for FiniteHorizonWorld {
    fn kind(&self) -> WorldKind {
        WorldKind::FiniteHorizon
    }

    fn stages(&self) -> usize {
        self.steps
    }

    fn n_states(&self) -> usize {
        self.mdp.n_states()
    }

    fn n_actions(&self) -> usize {
        self.mdp.n_actions()
    }

    fn allowed_mask(&self) -> &[bool] {
        self.mdp.allowed_mask()
    }

    fn initial(&self) -> &Array1<f64> {
        self.mdp.initial()
    }

    fn gamma(&self) -> f64 {
        self.gamma
    }

    fn evaluate(&self, policy: &[ArrayView2<'_, f64>]) -> Result<Evaluation> {
        check_shape(self, policy)?;
        let values = evaluate_finite(&self.mdp, policy)?;
        let tables: Vec<Array2<f64>> = policy.iter().map(|p| p.to_owned()).collect();
        let distributions = state_distributions(&self.mdp, &tables);
        let objective = values.objective(&self.mdp);
        let StepValues { v, q, .. } = values;
        let stages = q
            .into_iter()
            .zip(v)
            .zip(distributions)
            .enumerate()
            .map(|(h, ((q, v), occupancy))| StageValues {
                v,
                q,
                occupancy,
                gradient_weight: self.gamma.powi(h as i32),
            })
            .collect();
        Ok(Evaluation {
            stages,
            objective,
            gradient_divisor: 1.0,
        })
    }

    fn reference(&self) -> &Reference {
        &self.reference
    }

    /// The MDP itself: the finite-horizon estimators
    /// ([`crate::estimator::finite_horizon`]) draw step h's action from table h (the stationary
    /// samplers refuse this world through their kinds).
    fn model(&self) -> Option<&TabularMdp> {
        Some(&self.mdp)
    }
}

/// A Garnet (branching 2) made into a world of `steps` steps discounted by `gamma`: the
/// finite-horizon fixture of the unit tests.
#[cfg(test)]
pub(crate) fn garnet_world(
    states: usize,
    actions: usize,
    steps: usize,
    gamma: f64,
    seed: u64,
) -> FiniteHorizonWorld {
    let mdp = crate::world::generate::GarnetParams {
        states,
        actions,
        branching: 2,
        gamma: 0.9,
        seed,
    }
    .build()
    .expect("a valid Garnet")
    .with_horizon(Horizon::Finite { steps, gamma })
    .expect("a valid horizon");
    FiniteHorizonWorld::new(mdp).expect("a solvable world")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::world::generate::GarnetParams;

    fn world() -> FiniteHorizonWorld {
        garnet_world(4, 3, 3, 0.95, 3)
    }

    /// The interface's gradient against central finite differences of J = ρᵀV_0 in every logit
    /// of every step, at a non-uniform policy, with γ = 0.95 so that c_h = γ^h matters.
    #[test]
    fn interface_gradient_matches_finite_differences() {
        let world = world();
        let logits: Vec<Array2<f64>> = (0..3)
            .map(|h| Array2::from_shape_fn((4, 3), |(s, a)| ((h * 7 + s * 3 + a) as f64).cos()))
            .collect();
        let softmax = |logits: &[Array2<f64>]| -> Vec<Array2<f64>> {
            logits
                .iter()
                .map(|z| {
                    let mut p = z.mapv(f64::exp);
                    for mut row in p.rows_mut() {
                        let total = row.sum();
                        row /= total;
                    }
                    p
                })
                .collect()
        };
        let objective = |logits: &[Array2<f64>]| {
            let p = softmax(logits);
            let views: Vec<_> = p.iter().map(|t| t.view()).collect();
            world.evaluate(&views).unwrap().objective
        };
        let p = softmax(&logits);
        let views: Vec<_> = p.iter().map(|t| t.view()).collect();
        let (gradients, _) = world.evaluate(&views).unwrap().softmax_gradient(&views);
        let eps = 1e-6;
        for h in 0..3 {
            for s in 0..4 {
                for a in 0..3 {
                    let mut plus = logits.clone();
                    plus[h][[s, a]] += eps;
                    let mut minus = logits.clone();
                    minus[h][[s, a]] -= eps;
                    let numeric = (objective(&plus) - objective(&minus)) / (2.0 * eps);
                    assert!(
                        (numeric - gradients[h][[s, a]]).abs() < 1e-8,
                        "h={h} s={s} a={a}: {} vs {numeric}",
                        gradients[h][[s, a]]
                    );
                }
            }
        }
    }

    #[test]
    fn the_greedy_policy_is_optimal_and_a_discounted_world_is_refused() {
        let world = world();
        let greedy: Vec<_> = world.optimal.policy.iter().map(|p| p.view()).collect();
        let evaluation = world.evaluate(&greedy).unwrap();
        assert!((evaluation.objective - world.reference().optimal_objective).abs() < 1e-12);
        let message = FiniteHorizonWorld::new(GarnetParams::default().build().unwrap())
            .unwrap_err()
            .to_string();
        assert!(message.contains("horizon = H"), "{message}");
        let wrong = [greedy[0]];
        assert!(world.evaluate(&wrong).is_err());
    }
}
