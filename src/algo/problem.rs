//! A world prepared for policy optimization: the MDP with its optimal solution computed once, so
//! every step can report the suboptimality V*(ρ) − J(π_t) and which actions are optimal.

use crate::error::Result;
use crate::exact::{Solution, policy_iteration};
use crate::world::TabularMdp;

/// Relative tolerance under which an action counts as optimal (Q*(s, a) ≥ V*(s) − tol·max(1, |V*|)).
pub const OPTIMAL_ACTION_TOLERANCE: f64 = 1e-9;

/// A discounted world and its exact optimum.
#[derive(Debug, Clone)]
pub struct Problem {
    pub mdp: TabularMdp,
    pub optimal: Solution,
    /// J* = ρᵀV*.
    pub optimal_objective: f64,
    /// `optimal_actions[s]`: every action within tolerance of the best in s.
    pub optimal_actions: Vec<Vec<usize>>,
}

impl Problem {
    /// Solves the world exactly by policy iteration.
    pub fn new(mdp: TabularMdp) -> Result<Self> {
        let optimal = policy_iteration(&mdp, 100_000)?;
        let optimal_objective = mdp.initial().dot(&optimal.v);
        let optimal_actions = (0..mdp.n_states())
            .map(|s| {
                let best = optimal.v[s];
                let threshold = best - OPTIMAL_ACTION_TOLERANCE * best.abs().max(1.0);
                (0..mdp.n_actions())
                    .filter(|&a| mdp.is_allowed(s, a) && optimal.q[[s, a]] >= threshold)
                    .collect()
            })
            .collect();
        Ok(Problem {
            mdp,
            optimal,
            optimal_objective,
            optimal_actions,
        })
    }
}
