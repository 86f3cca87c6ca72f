//! The discounted world behind the [`World`] interface: a discounted MDP with its optimal
//! solution computed once, so every step can report the suboptimality V*(ρ) − J(π_t) and which
//! actions are optimal.
//!
//! Evaluation factorizes I − γP̃_π once for V^π and the occupancy d^π_ρ
//! ([`evaluate_with_occupancy`]); the gradient weight is 1 and the divisor 1 − γ, so the exact
//! softmax gradient is d^π_ρ(s)·π(a|s)·A^π(s, a)/(1−γ) (Agarwal et al. 2021, Lemma C.1).

use ndarray::{Array1, ArrayView1, ArrayView2};

use crate::core::error::Result;
use crate::exact::{Solution, evaluate_with_occupancy, policy_iteration};
use crate::world::interface::{Evaluation, Reference, StageValues, World, WorldKind, check_shape};
use crate::world::{FeatureMap, TabularMdp};

/// Relative tolerance under which an action counts as optimal (Q*(s, a) ≥ V*(s) − tol·max(1, |V*|)).
pub const OPTIMAL_ACTION_TOLERANCE: f64 = 1e-9;

/// Per state, every available action within tolerance of the best:
/// Q*(s, a) ≥ V*(s) − tol·max(1, |V*(s)|) (`allowed` row-major, as [`TabularMdp::allowed_mask`]).
pub fn optimal_actions(
    v: ArrayView1<'_, f64>,
    q: ArrayView2<'_, f64>,
    allowed: &[bool],
) -> Vec<Vec<usize>> {
    let n_actions = q.ncols();
    v.iter()
        .zip(q.rows())
        .enumerate()
        .map(|(s, (&best, row))| {
            let threshold = best - OPTIMAL_ACTION_TOLERANCE * best.abs().max(1.0);
            (0..n_actions)
                .filter(|&a| allowed[s * n_actions + a] && row[a] >= threshold)
                .collect()
        })
        .collect()
}

/// A discounted world and its exact optimum.
#[derive(Debug, Clone)]
pub struct Problem {
    pub mdp: TabularMdp,
    pub optimal: Solution,
    /// J* = ρᵀV*.
    pub optimal_objective: f64,
    /// `optimal_actions[s]`: every action within tolerance of the best in s.
    pub optimal_actions: Vec<Vec<usize>>,
    reference: Reference,
    /// φ(s, a), for log-linear policies ([`Problem::with_features`]).
    features: Option<FeatureMap>,
}

impl Problem {
    /// Solves the world exactly by policy iteration.
    pub fn new(mdp: TabularMdp) -> Result<Self> {
        let optimal = policy_iteration(&mdp, 100_000)?;
        let optimal_objective = mdp.initial().dot(&optimal.v);
        let optimal_actions =
            optimal_actions(optimal.v.view(), optimal.q.view(), mdp.allowed_mask());
        let reference = Reference {
            optimal_objective,
            optimal_actions: vec![optimal_actions.clone()],
        };
        Ok(Problem {
            mdp,
            optimal,
            optimal_objective,
            optimal_actions,
            reference,
            features: None,
        })
    }

    /// The same world with a feature map (checked against its S and A).
    pub fn with_features(mut self, features: FeatureMap) -> Result<Self> {
        features.require_fits(&self.mdp)?;
        self.features = Some(features);
        Ok(self)
    }
}

impl World for Problem {
    fn kind(&self) -> WorldKind {
        WorldKind::Discounted
    }

    fn stages(&self) -> usize {
        1
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
        self.mdp.gamma()
    }

    fn evaluate(&self, policy: &[ArrayView2<'_, f64>]) -> Result<Evaluation> {
        check_shape(self, policy)?;
        let (values, occupancy) = evaluate_with_occupancy(&self.mdp, policy[0])?;
        let objective = values.objective(&self.mdp);
        Ok(Evaluation {
            stages: vec![StageValues {
                v: values.v,
                q: values.q,
                occupancy,
                gradient_weight: 1.0,
            }],
            objective,
            gradient_divisor: 1.0 - self.mdp.gamma(),
        })
    }

    fn reference(&self) -> &Reference {
        &self.reference
    }

    fn model(&self) -> Option<&TabularMdp> {
        Some(&self.mdp)
    }

    fn features(&self) -> Option<&FeatureMap> {
        self.features.as_ref()
    }
}
