//! The soft optimum an entropy-regularized method is measured against: Q*_τ and
//! J*_τ = ρᵀV*_τ, computed once by soft value iteration, and the per-step instruments
//! `soft_gap` = J*_τ − ρᵀV_τ^{π_t} and `soft_q_error` = ‖Q*_τ − Q_τ^{π_t}‖∞ (available actions).

use ndarray::{Array1, Array2, ArrayView2};

use crate::core::error::{Error, Result};
use crate::core::record::Record;
use crate::exact::{PolicyValues, soft_evaluate, soft_value_iteration};
use crate::world::{TabularMdp, World};

#[derive(Debug, Clone, PartialEq)]
pub struct SoftReference {
    /// Q*_τ.
    pub q: Array2<f64>,
    /// J*_τ = ρᵀV*_τ.
    pub objective: f64,
}

impl SoftReference {
    /// Solves the soft optimum at temperature τ to 1e-13.
    pub fn new(mdp: &TabularMdp, temperature: f64) -> Result<Self> {
        let soft = soft_value_iteration(mdp, temperature, 1e-13, 10_000_000)?;
        Ok(SoftReference {
            objective: mdp.initial().dot(&soft.v),
            q: soft.q,
        })
    }

    /// The soft optimum of any world with soft values: solved on its model, or the world's own
    /// ([`World::soft_optimum`], a robust world's); `algorithm` names who asks, in the error.
    pub fn for_world<W: World + ?Sized>(
        world: &W,
        temperature: f64,
        algorithm: &str,
    ) -> Result<Self> {
        match world.model() {
            Some(mdp) => SoftReference::new(mdp, temperature),
            None => {
                let (q, objective) = world.soft_optimum(temperature)?.ok_or_else(|| {
                    Error::Usage(format!(
                        "{algorithm} needs soft values, which a {} world does not have",
                        world.kind().name()
                    ))
                })?;
                Ok(SoftReference { q, objective })
            }
        }
    }

    /// Records `soft_gap` and `soft_q_error` of a policy with soft values `soft`.
    pub fn record_into(&self, mdp: &TabularMdp, soft: &PolicyValues, record: &mut Record) {
        self.record_values(mdp.initial(), mdp.allowed_mask(), &soft.v, &soft.q, record);
    }

    /// [`SoftReference::record_into`] from the values themselves: `soft_gap` = J*_τ − ρᵀv and
    /// `soft_q_error` = ‖Q*_τ − q‖∞ over the `allowed` pairs.
    pub fn record_values(
        &self,
        initial: &Array1<f64>,
        allowed: &[bool],
        v: &Array1<f64>,
        q: &Array2<f64>,
        record: &mut Record,
    ) {
        record.set("soft_gap", self.objective - initial.dot(v));
        let q_error = allowed
            .iter()
            .zip(self.q.iter().zip(q.iter()))
            .filter(|(ok, _)| **ok)
            .fold(0.0f64, |m, (_, (a, b))| m.max((a - b).abs()));
        record.set("soft_q_error", q_error);
    }
}

/// The soft values of a stationary policy on any world with them: soft evaluation on its model,
/// or the world's own ([`World::soft_values`], under nature's worst case on a robust world, with
/// the occupancy under that kernel); `algorithm` names who asks, in the error.
pub fn soft_values_on<W: World + ?Sized>(
    world: &W,
    probabilities: ArrayView2<'_, f64>,
    temperature: f64,
    algorithm: &str,
) -> Result<(PolicyValues, Option<Array1<f64>>)> {
    match world.model() {
        Some(mdp) => Ok((soft_evaluate(mdp, probabilities, temperature)?, None)),
        None => {
            let soft = world
                .soft_values(probabilities, temperature)?
                .ok_or_else(|| Error::Usage(format!("{algorithm} needs soft values")))?;
            let values = PolicyValues {
                v: soft.v,
                q: soft.q,
            };
            Ok((values, Some(soft.occupancy)))
        }
    }
}
