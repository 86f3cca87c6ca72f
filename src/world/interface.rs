//! The world interface: what a policy-optimization algorithm may ask of the world it runs in.
//!
//! After argmin's problem traits (an algorithm names the oracles it needs, a problem implements
//! the ones it has), one trait, [`World`], states the exact oracles of policylab's algorithms:
//!
//! - the **shape** of a policy: `stages` tables of `states × actions` probabilities (one stage for
//!   a stationary policy; H for the non-stationary policy of a finite horizon), and which actions
//!   are available;
//! - **evaluation** of a policy ([`World::evaluate`]): per stage V_h, Q_h, A_h = Q_h − V_h, the
//!   state weights d_h, and J(π) = ρᵀV_0;
//! - the **exact policy gradient**, which every world here shares in one form (the policy-gradient
//!   theorem; Agarwal, Kakade, Lee & Mahajan 2021, Lemma C.1; Klein, Weissmann & Döring 2024,
//!   Lemma 2.2 for a finite horizon):
//!
//!   ∂J/∂θ_h(s, a) = c_h·d_h(s)·π_h(a|s)·A_h(s, a) / D,
//!
//!   with the stage weight c_h and divisor D of the [`Evaluation`] (discounted: c = 1 and
//!   D = 1 − γ with d the normalized occupancy; finite horizon: c_h = γ^h, D = 1, d_h the state
//!   distribution at step h; a bandit: one state, d = 1, c = D = 1);
//! - the **reference optimum** for `gap` = J* − J(π) and the optimal actions per stage and state
//!   ([`Reference`]);
//! - the **model to sample from** for sampled mode ([`World::model`]), where the world has one.
//!
//! # How the coming world families implement it
//!
//! - **Robust MDP** (nominal kernel plus an uncertainty set): `evaluate` finds nature's
//!   worst-case kernel for the given policy (robust policy evaluation: sorting for L1/L∞ balls,
//!   a one-dimensional dual for KL, a minimum over a finite set for the static model) and returns
//!   V, Q and the occupancy *under that kernel*; by Danskin's theorem the gradient formula above
//!   on that evaluation is the robust gradient wherever the worst case is unique (Wang & Zou 2022;
//!   Kumar et al. 2023). `reference` holds the robust optimum from robust value iteration; `model`
//!   returns `None` (the worst case moves with the policy) unless a sampled mode fixes one.
//! - **Player i of a two-player (Markov) game**, the other player's policy fixed: the world is the
//!   MDP player i faces, P_i(s'|s, a) = Σ_b σ(b|s)·P(s'|s, a, b) and
//!   r_i(s, a) = Σ_b σ(b|s)·r(s, a, b); evaluation, gradient and best response (the reference) are
//!   those of that MDP, and exploitability is J* − J of each player's view.
//! - **Linear MDP** (features φ(s, a) ∈ R^d): evaluation is the tabular one of the underlying
//!   model; the algorithms that use features (log-linear policies, Q-NPG) project Q or A onto
//!   span φ under the occupancy from this same [`Evaluation`].
//!
//! `tests/world_interface.rs` writes the smallest of these — a worst case over a finite set of
//! kernels and a player facing a fixed opponent in a matrix game — as test doubles, and runs the
//! catalogue's algorithms on them unchanged.

use ndarray::{Array1, Array2, ArrayView1, ArrayView2};

use super::TabularMdp;
use crate::core::error::{Error, Result};

/// The family a world belongs to, which decides the algorithms that run on it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum WorldKind {
    /// An infinite-horizon discounted MDP (bandits written as one-state MDPs included).
    Discounted,
    /// A finite-horizon MDP with a non-stationary policy (one table per step).
    FiniteHorizon,
    /// A stochastic multi-armed bandit: one state, J(π) = Σ_a π(a)·μ_a.
    Bandit,
    /// A robust MDP: the return is the worst case over an uncertainty set (evaluation under
    /// nature's worst-case kernel for the policy).
    Robust,
    /// A game ([`World::game`]): each player learns on the MDP it faces with the others' policies
    /// fixed (independent learners), or a game algorithm updates all players at once.
    Game,
    /// Any other world written against this interface (a robust MDP's worst case, a game player's
    /// view): the algorithms that only need [`World::evaluate`] run on it.
    Other,
}

impl WorldKind {
    /// The name used in catalogue entries and messages.
    pub fn name(self) -> &'static str {
        match self {
            WorldKind::Discounted => "discounted",
            WorldKind::FiniteHorizon => "finite-horizon",
            WorldKind::Bandit => "bandit",
            WorldKind::Robust => "robust",
            WorldKind::Game => "game",
            WorldKind::Other => "custom",
        }
    }
}

/// The exact quantities of one stage of a policy.
#[derive(Debug, Clone, PartialEq)]
pub struct StageValues {
    /// V_h(s).
    pub v: Array1<f64>,
    /// Q_h(s, a).
    pub q: Array2<f64>,
    /// d_h(s): the normalized discounted occupancy d^π_ρ (stationary) or the distribution of the
    /// state at step h (finite horizon; mass that ended with a `done` transition has left).
    pub occupancy: Array1<f64>,
    /// c_h in the gradient formula: 1 (stationary) or γ^h (finite horizon).
    pub gradient_weight: f64,
}

impl StageValues {
    /// A_h(s, a) = Q_h(s, a) − V_h(s).
    pub fn advantage(&self) -> Array2<f64> {
        &self.q - &self.v.view().insert_axis(ndarray::Axis(1))
    }
}

/// Entropy-regularized values of one stationary policy on a world without one fixed model
/// ([`World::soft_values`]).
#[derive(Debug, Clone, PartialEq)]
pub struct SoftValues {
    /// V_τ(s).
    pub v: Array1<f64>,
    /// Q_τ(s, a) = r(s, a) + γ·E[V_τ(s')].
    pub q: Array2<f64>,
    /// d^π_ρ, normalized, under the kernel these values are computed on (a robust world: nature's
    /// worst case for the regularized reward), so that d(s)·π(a|s)·(Q_τ − τ·log π − V_τ)/(1−γ) is
    /// the gradient of ρᵀV_τ where that worst case is unique (Danskin).
    pub occupancy: Array1<f64>,
}

/// Everything exact about one policy in one world.
#[derive(Debug, Clone, PartialEq)]
pub struct Evaluation {
    /// One entry per stage.
    pub stages: Vec<StageValues>,
    /// J(π) = ρᵀV_0.
    pub objective: f64,
    /// D in the gradient formula: 1 − γ (discounted) or 1.
    pub gradient_divisor: f64,
}

impl Evaluation {
    /// The exact softmax policy gradient ∂J/∂θ_h(s, a) = c_h·d_h(s)·π_h(a|s)·A_h(s, a)/D of every
    /// stage, with the advantages it used; 0 where π_h(a|s) = 0.
    pub fn softmax_gradient(
        &self,
        policy: &[ArrayView2<'_, f64>],
    ) -> (Vec<Array2<f64>>, Vec<Array2<f64>>) {
        let mut gradients = Vec::with_capacity(self.stages.len());
        let mut advantages = Vec::with_capacity(self.stages.len());
        for (stage, probabilities) in self.stages.iter().zip(policy) {
            let advantage = stage.advantage();
            gradients.push(stage_softmax_gradient(
                *probabilities,
                advantage.view(),
                stage.occupancy.view(),
                stage.gradient_weight,
                self.gradient_divisor,
            ));
            advantages.push(advantage);
        }
        (gradients, advantages)
    }
}

/// c·d(s)·π(a|s)·A(s, a)/D for one stage (0 where π(a|s) = 0), computed as ((c·d)·π)·A/D.
pub fn stage_softmax_gradient(
    probabilities: ArrayView2<'_, f64>,
    advantage: ArrayView2<'_, f64>,
    occupancy: ArrayView1<'_, f64>,
    weight: f64,
    divisor: f64,
) -> Array2<f64> {
    let mut gradient = Array2::zeros(probabilities.dim());
    let rows = gradient
        .rows_mut()
        .into_iter()
        .zip(probabilities.rows())
        .zip(advantage.rows())
        .zip(occupancy);
    for (((mut g, p), advantage), &d) in rows {
        let weighted = weight * d;
        for ((g, &p), &advantage) in g.iter_mut().zip(p).zip(advantage) {
            if p > 0.0 {
                *g = weighted * p * advantage / divisor;
            }
        }
    }
    gradient
}

/// The reference optimum a world reports `gap` against.
#[derive(Debug, Clone, PartialEq)]
pub struct Reference {
    /// J* (for a robust world: the robust optimum).
    pub optimal_objective: f64,
    /// `optimal_actions[h][s]`: every action within tolerance of the best in state s at stage h.
    pub optimal_actions: Vec<Vec<Vec<usize>>>,
}

/// What an algorithm may ask of a world (see the [module docs](self)).
pub trait World: Send + Sync {
    /// The family, which decides which catalogue algorithms run here.
    fn kind(&self) -> WorldKind;

    /// Policy tables per policy: 1 (stationary) or the horizon H.
    fn stages(&self) -> usize;

    fn n_states(&self) -> usize;

    fn n_actions(&self) -> usize;

    /// Whether action a is available in state s, row-major (`mask[s·A + a]`).
    fn allowed_mask(&self) -> &[bool];

    /// ρ, the initial state distribution.
    fn initial(&self) -> &Array1<f64>;

    /// The discount γ of the return (a finite horizon may discount too; a bandit has γ = 0).
    fn gamma(&self) -> f64;

    /// Exact evaluation of a policy given as one probability table per stage.
    fn evaluate(&self, policy: &[ArrayView2<'_, f64>]) -> Result<Evaluation>;

    /// Evaluation with the world's inner problem solved only to `tolerance` (a robust world:
    /// nature's worst case stops once ‖T^π_𝒫 V − V‖∞ ≤ tolerance, so J is over-estimated by at
    /// most tolerance/(1−γ)); the exact evaluation where there is no inner problem.
    fn evaluate_within(
        &self,
        policy: &[ArrayView2<'_, f64>],
        _tolerance: f64,
    ) -> Result<Evaluation> {
        self.evaluate(policy)
    }

    /// Entropy-regularized values of a stationary policy at temperature τ: V_τ(s),
    /// Q_τ(s, a) = r(s, a) + γ·E[V_τ(s')] (Cen et al. 2022, Eq. 5) and the occupancy under the same
    /// kernel, for a world whose values are not those of one fixed model (a robust world: under
    /// nature's worst case for the reward r − τ·log π); `None` where the world has none (or has a
    /// model to compute them from).
    fn soft_values(
        &self,
        _policy: ArrayView2<'_, f64>,
        _temperature: f64,
    ) -> Result<Option<SoftValues>> {
        Ok(None)
    }

    /// The entropy-regularized optimum of such a world: Q*_τ and J*_τ = ρᵀV*_τ.
    fn soft_optimum(&self, _temperature: f64) -> Result<Option<(Array2<f64>, f64)>> {
        Ok(None)
    }

    /// Measurements a run records beside J and gap for this policy (a robust world: the return
    /// on the nominal world, `nominal_J`); none by default.
    fn side_measurements(
        &self,
        _policy: &[ArrayView2<'_, f64>],
    ) -> Result<Vec<(&'static str, f64)>> {
        Ok(Vec::new())
    }

    /// J* and the optimal actions.
    fn reference(&self) -> &Reference;

    /// The game, for a world of kind [`WorldKind::Game`] (whose `evaluate` has no meaning: a game
    /// has one policy per player).
    fn game(&self) -> Option<&crate::world::MarkovGame> {
        None
    }

    /// The tabular model sampled mode draws episodes from, where the world has one fixed model.
    fn model(&self) -> Option<&TabularMdp>;

    /// The robust MDP behind a world of kind [`WorldKind::Robust`]: its nominal kernel, which a
    /// sampled robust method draws from, and its uncertainty set.
    fn robust_model(&self) -> Option<&crate::world::RobustMdp> {
        None
    }

    /// The world's feature map φ(s, a), if it has one (a linear MDP or a tabular world given
    /// features; [`crate::world::features`]): what log-linear policies and linear critics read.
    fn features(&self) -> Option<&crate::world::FeatureMap> {
        None
    }

    /// The logits θ_0 a softmax method starts stage `stage` from (a direct method starts from
    /// softmax(θ_0)); `None`: θ_0 = 0, the uniform policy over the available actions. Given by
    /// wrapping a world in [`crate::world::started::Started`] (`train --initial-policy FILE`,
    /// `initial_policy = "FILE"` in an experiment file).
    fn start(&self, _stage: usize) -> Option<&Array2<f64>> {
        None
    }

    /// The model for sampled mode, or an error naming `what` needs it.
    fn require_model(&self, what: &str) -> Result<&TabularMdp> {
        self.model().ok_or_else(|| {
            Error::Usage(format!(
                "{what} samples episodes from a fixed tabular model, which a {} world does not \
                 have",
                self.kind().name()
            ))
        })
    }

    /// Fails unless the world is of one of `kinds`, naming `what` and the kinds it runs on.
    fn require_kind(&self, what: &str, kinds: &[WorldKind]) -> Result<()> {
        if kinds.contains(&self.kind()) {
            Ok(())
        } else {
            let names: Vec<&str> = kinds.iter().map(|k| k.name()).collect();
            Err(Error::Usage(format!(
                "{what} runs on {} worlds; this world is {}",
                names.join(" and "),
                self.kind().name()
            )))
        }
    }
}

/// Checks that `policy` has one table of the world's shape per stage.
pub fn check_shape(world: &(impl World + ?Sized), policy: &[ArrayView2<'_, f64>]) -> Result<()> {
    if policy.len() != world.stages() {
        return Err(Error::invalid(
            "policy",
            format!("found {} tables", policy.len()),
            format!("expected one per stage ({})", world.stages()),
        ));
    }
    let expected = (world.n_states(), world.n_actions());
    for (h, table) in policy.iter().enumerate() {
        if table.dim() != expected {
            return Err(Error::invalid(
                format!("policy[{h}]"),
                format!("found a {}x{} table", table.nrows(), table.ncols()),
                format!("expected {}x{} (states x actions)", expected.0, expected.1),
            ));
        }
    }
    Ok(())
}
