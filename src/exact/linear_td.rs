//! The TD fixed point of linear policy evaluation, exactly (LSTD-Q's population solution), and
//! the quantities its error is bounded by.
//!
//! For a policy π, features φ(s, a) ∈ R^d and a data distribution μ over state-action pairs, the
//! TD(0) fixed point is the Q̂ = Φw with Q̂ = Π_μ T^π Q̂, where T^π Q = r + γM_π Q,
//! M_π[(s, a), (s', a')] = P(s'|s, a)·π(a'|s') and Π_μ is the μ-weighted projection onto span Φ
//! (Tsitsiklis & Van Roy 1997; Lagoudakis & Parr 2003, LSTD-Q: Φᵀ D_μ (Φ − γM_πΦ) w = Φᵀ D_μ r).
//! It is computed here in a μ-orthonormal basis Ψ of span Φ (Ψ = ΦVΣ⁻¹ from the thin SVD of
//! D_μ^{1/2}Φ), so rank-deficient features are fine; the system in that basis, ΨᵀD_μ(I − γM_π)Ψ, may
//! still be singular off-policy, and then there is no fixed point (a [`Error::Numerical`]).
//!
//! Beside the error ‖Q̂ − Q^π‖_μ it returns, all in the ‖·‖_μ norm:
//!
//! - the best error, ‖Π_μQ^π − Q^π‖_μ (realizability: 0 when Q^π ∈ span Φ);
//! - the reward's distance to span Φ, ‖(I − Π_μ)r‖_μ;
//! - the Bellman-completeness violation ε_BC = max_{Φw ≠ 0} ‖(I − Π_μ)γM_πΦw‖_μ/‖Φw‖_μ (0 when
//!   span Φ is closed under M_π, e.g. in a linear MDP for every π);
//! - the amplification ‖(I − γM_π)⁻¹‖_μ (operator norm; ≤ 1/(1 − γ) when μ is stationary for
//!   M_π) and the conditioning 1/σ_min(ΨᵀD_μ(I − γM_π)Ψ), how much an estimation error in the
//!   system is magnified (the role the incompleteness factor plays in Zanette 2023, "When is
//!   realizability sufficient for off-policy reinforcement learning?").
//!
//! They bound the error (proofs in paper-notes/linear-mdps.md, "The TD fixed point"):
//! ‖Q̂ − Q^π‖_μ ≤ ‖(I − γM_π)⁻¹‖_μ·(‖(I − Π_μ)r‖_μ + ε_BC·‖Q̂‖_μ) for every μ, and for μ
//! stationary for M_π ‖Q̂ − Q^π‖_μ ≤ ‖Π_μQ^π − Q^π‖_μ/√(1 − γ²) (the Pythagorean form of
//! Tsitsiklis & Van Roy's bound, whose own constant is 1/(1 − γ)).

use ndarray::{Array1, Array2, ArrayView2, Axis};

use crate::core::error::{Error, Result};
use crate::exact::evaluation::require_discounted;
use crate::world::features::thin_svd;
use crate::world::{FeatureMap, TabularMdp};

/// The most state-action pairs the dense (S·A) × (S·A) computation accepts.
pub const MAX_PAIRS: usize = 3000;

/// The TD fixed point and its error terms (see the [module docs](self)).
#[derive(Debug, Clone, PartialEq)]
pub struct TdFixedPoint {
    /// w with Q̂ = Φw (the minimum-norm one when Φ is rank-deficient).
    pub weights: Array1<f64>,
    /// Q̂(s, a), S × A.
    pub fitted: Array2<f64>,
    /// Q^π(s, a), S × A.
    pub q: Array2<f64>,
    /// ‖Q̂ − Q^π‖_μ.
    pub error: f64,
    /// ‖Π_μQ^π − Q^π‖_μ.
    pub projection_error: f64,
    /// ‖(I − Π_μ)r‖_μ.
    pub reward_residual: f64,
    /// ε_BC.
    pub completeness_violation: f64,
    /// ‖(I − γM_π)⁻¹‖_μ (infinite when μ vanishes somewhere: ‖·‖_μ is then no norm).
    pub amplification: f64,
    /// 1/σ_min of the projected system ΨᵀD_μ(I − γM_π)Ψ.
    pub conditioning: f64,
    /// ‖Q̂‖_μ.
    pub fitted_norm: f64,
    /// The rank of Φ.
    pub rank: usize,
}

impl TdFixedPoint {
    /// ‖(I − γM_π)⁻¹‖_μ·(‖(I − Π_μ)r‖_μ + ε_BC·‖Q̂‖_μ), a bound on [`TdFixedPoint::error`].
    pub fn completeness_bound(&self) -> f64 {
        self.amplification * (self.reward_residual + self.completeness_violation * self.fitted_norm)
    }
}

/// M_π, (S·A) × (S·A), pairs in row-major order s·A + a.
pub fn state_action_kernel(mdp: &TabularMdp, policy: ArrayView2<'_, f64>) -> Array2<f64> {
    let (states, actions) = (mdp.n_states(), mdp.n_actions());
    let mut m = Array2::zeros((states * actions, states * actions));
    for s in 0..states {
        for a in 0..actions {
            let (next, probability) = mdp.kernel().row(s, a);
            for (&n, &p) in next.iter().zip(probability) {
                for b in 0..actions {
                    m[[s * actions + a, n * actions + b]] += p * policy[[n, b]];
                }
            }
        }
    }
    m
}

/// The inverse of a square matrix by faer's LU with partial pivoting; an error if it is singular.
fn inverse(matrix: &Array2<f64>, what: &str) -> Result<Array2<f64>> {
    use faer::linalg::solvers::DenseSolveCore;
    let n = matrix.nrows();
    let lu = faer::Mat::<f64>::from_fn(n, n, |i, j| matrix[[i, j]]).partial_piv_lu();
    let inverse = lu.inverse();
    let result = Array2::from_shape_fn((n, n), |(i, j)| inverse[(i, j)]);
    if result.iter().any(|x| !x.is_finite()) {
        return Err(Error::Numerical {
            origin: "the TD fixed point".into(),
            detail: format!("{what} is singular"),
        });
    }
    Ok(result)
}

/// The stationary distribution of M_π, S × A: μ(s, a) = μ_S(s)·π(a|s) with μ_S stationary for
/// P_π, the solution of μ_Sᵀ(I − P_π) = 0 with one equation replaced by Σμ_S = 1; an error when
/// P_π has no unique stationary distribution.
pub fn stationary_distribution(
    mdp: &TabularMdp,
    policy: ArrayView2<'_, f64>,
) -> Result<Array2<f64>> {
    let (states, actions) = (mdp.n_states(), mdp.n_actions());
    // Row n of the system is equation n of (I − P_π)ᵀμ_S = 0; the last is Σμ_S = 1.
    let mut system = Array2::<f64>::eye(states);
    for s in 0..states {
        for a in 0..actions {
            let (next, probability) = mdp.kernel().row(s, a);
            for (&n, &p) in next.iter().zip(probability) {
                system[[n, s]] -= policy[[s, a]] * p;
            }
        }
    }
    system.row_mut(states - 1).fill(1.0);
    let mut rhs = Array1::zeros(states);
    rhs[states - 1] = 1.0;
    let unique = |e: Error| match e {
        Error::Numerical { .. } => Error::Numerical {
            origin: "the stationary distribution".into(),
            detail: "P_π has no unique stationary distribution (it is not irreducible)".into(),
        },
        other => other,
    };
    let mu = inverse(&system, "the stationary system")
        .map_err(unique)?
        .dot(&rhs);
    if mu.iter().any(|&x| x < -1e-12) {
        return Err(unique(Error::Numerical {
            origin: String::new(),
            detail: String::new(),
        }));
    }
    Ok(Array2::from_shape_fn((states, actions), |(s, a)| {
        mu[s].max(0.0) * policy[[s, a]]
    }))
}

/// ‖x‖₂.
fn norm(x: &Array1<f64>) -> f64 {
    x.dot(x).sqrt()
}

/// The TD fixed point of `policy` in `features` under the data distribution `distribution`
/// (S × A, non-negative, summing to 1), with the error terms of the [module docs](self).
pub fn td_fixed_point(
    mdp: &TabularMdp,
    features: &FeatureMap,
    policy: ArrayView2<'_, f64>,
    distribution: &Array2<f64>,
) -> Result<TdFixedPoint> {
    let gamma = require_discounted(mdp, "the TD fixed point")?;
    features.require_fits(mdp)?;
    let (states, actions) = (mdp.n_states(), mdp.n_actions());
    let pairs = states * actions;
    if pairs > MAX_PAIRS {
        return Err(Error::invalid(
            "world",
            format!("{pairs} state-action pairs"),
            format!("at most {MAX_PAIRS} for the dense TD fixed point"),
        ));
    }
    if distribution.dim() != (states, actions)
        || distribution.iter().any(|&m| !(m >= 0.0 && m.is_finite()))
        || (distribution.sum() - 1.0).abs() > 1e-9
    {
        return Err(Error::invalid(
            "distribution",
            format!(
                "a {:?} table summing to {}",
                distribution.dim(),
                distribution.sum()
            ),
            format!(
                "a {states} × {actions} distribution over state-action pairs (non-negative, \
                 summing to 1)"
            ),
        ));
    }
    let phi = features.table();
    let root = Array1::from_iter(distribution.iter().map(|m| m.sqrt()));
    // D^{1/2}·X, row by row.
    let weigh = |x: &Array2<f64>| x * &root.view().insert_axis(Axis(1));
    let m = state_action_kernel(mdp, policy);
    let r = Array1::from_iter(mdp.expected_reward().iter().copied());
    let resolvent = inverse(&(Array2::eye(pairs) - &m * gamma), "I − γM_π")?;
    let q = resolvent.dot(&r);

    // A μ-orthonormal basis Ψ of span Φ: D^{1/2}Φ = UΣVᵀ, Ψ = ΦV_rΣ_r⁻¹, so D^{1/2}Ψ = U_r.
    let svd = thin_svd(&weigh(phi))?;
    let kept = svd.kept();
    let rank = kept.len();
    let u_r = Array2::from_shape_fn((pairs, rank), |(i, j)| svd.u[[i, kept[j]]]);
    let basis = Array2::from_shape_fn((phi.ncols(), rank), |(i, j)| {
        svd.v[[i, kept[j]]] / svd.sigma[kept[j]]
    });
    let psi = phi.dot(&basis);
    let m_psi = m.dot(&psi) * gamma;
    // ΨᵀD(I − γM)Ψ c = ΨᵀD r, in coordinates: U_rᵀD^{1/2}(Ψ − γMΨ) c = U_rᵀD^{1/2}r.
    let system = u_r.t().dot(&weigh(&(&psi - &m_psi)));
    let rhs = u_r.t().dot(&(&r * &root));
    let system_svd = thin_svd(&system)?;
    let singular = |detail: &str| Error::Numerical {
        origin: "the TD fixed point".into(),
        detail: detail.to_string(),
    };
    if rank == 0 || system_svd.smallest() <= system_svd.tolerance {
        return Err(singular(
            "ΦᵀD_μ(I − γM_π)Φ is singular on span Φ: TD has no fixed point under this \
             distribution",
        ));
    }
    let coefficients = inverse(&system, "ΦᵀD_μ(I − γM_π)Φ")?.dot(&rhs);
    let fitted = psi.dot(&coefficients);
    let norm_mu = |x: &Array1<f64>| norm(&(x * &root));
    // Π_μx = Ψ U_rᵀ D^{1/2} x.
    let project = |x: &Array1<f64>| psi.dot(&u_r.t().dot(&(x * &root)));
    // D^{1/2}(I − Π_μ)γMΨ = (I − U_rU_rᵀ)D^{1/2}γMΨ.
    let image = weigh(&m_psi);
    let outside = &image - &u_r.dot(&u_r.t().dot(&image));
    // ‖X‖_μ = ‖D^{1/2}XD^{-1/2}‖₂ is a norm only where μ > 0 everywhere.
    let amplification = if root.iter().all(|&r| r > 0.0) {
        let unweigh = Array1::from_iter(root.iter().map(|r| 1.0 / r));
        thin_svd(&(weigh(&resolvent) * unweigh.view().insert_axis(Axis(0))))?.largest()
    } else {
        f64::INFINITY
    };
    Ok(TdFixedPoint {
        weights: basis.dot(&coefficients),
        fitted: Array2::from_shape_fn((states, actions), |(s, a)| fitted[s * actions + a]),
        q: Array2::from_shape_fn((states, actions), |(s, a)| q[s * actions + a]),
        error: norm_mu(&(&fitted - &q)),
        projection_error: norm_mu(&(project(&q) - &q)),
        reward_residual: norm_mu(&(project(&r) - &r)),
        completeness_violation: thin_svd(&outside)?.largest(),
        amplification,
        conditioning: 1.0 / system_svd.smallest(),
        fitted_norm: norm(&coefficients),
        rank,
    })
}
