//! The linear system of a policy, (I − γP̃_π)·x = b (values) and its transpose (visitation),
//! solved by a method chosen for the world's size and sparsity.
//!
//! - **Dense LU** ([`super::linear_solve`]): exact up to rounding; builds the S×S matrix, so its
//!   memory is 8·S² bytes and its time grows as S³.
//! - **Sweeps**: the fixed-point iteration x ← b + γP̃_π·x (for the transpose, y ← c + γP̃_πᵀ·y)
//!   on the sparse kernel, from x = 0. T is a γ-contraction in ‖·‖∞ (its transpose in ‖·‖₁:
//!   P̃_π's rows sum to at most 1), so ‖x_{k+1} − x*‖ ≤ γ/(1−γ)·‖x_{k+1} − x_k‖ (Puterman 1994,
//!   Thm. 6.3.1); the sweeps stop when that bound is at most [`SWEEP_RELATIVE_TOLERANCE`] times
//!   ‖x_{k+1}‖. Memory is O(S); each sweep costs one pass over the policy's nonzero transitions.
//!
//! **The rule** ([`method_for`]): dense LU for S ≤ [`ALWAYS_DENSE_STATES`] (every shipped and
//! test world: their numbers stay those of an exact solve), and whenever the sweeps would need
//! more than [`MAX_SWEEPS`]; otherwise sweeps when the dense matrix would take more than
//! [`DENSE_MEMORY_LIMIT`] bytes or when the estimated sweep work k(γ)·nnz is below S³ /
//! [`CROSSOVER_RATIO`], where k(γ) = ⌈ln(tolerance·(1−γ)) / ln γ⌉ bounds the sweeps and nnz
//! counts the kernel's stored transitions. The ratio comes from `cargo bench --bench
//! dynamic_programming -- policy_system` (dense LU against sweeps on Garnets with 1 000 to 4 000
//! states, side by side; the table is in benches/README.md).

use ndarray::{Array1, ArrayView2};

use super::evaluation::bellman_matrix;
use super::linear_solve::{solve_dense, solve_dense_and_transposed};
use crate::core::error::{Error, Result};
use crate::world::TabularMdp;

/// Worlds up to this many states are always solved by dense LU.
pub const ALWAYS_DENSE_STATES: usize = 2000;

/// Dense LU is not used when its matrix would exceed this many bytes (4 GiB: 23 170 states).
pub const DENSE_MEMORY_LIMIT: usize = 4 << 30;

/// Sweeps stop when their error bound is at most this fraction of the solution's norm.
pub const SWEEP_RELATIVE_TOLERANCE: f64 = 1e-13;

/// Sweeps are not attempted when k(γ) exceeds this (γ within about 3·10⁻⁵ of 1).
pub const MAX_SWEEPS: usize = 1_000_000;

/// Sweeps win when k(γ)·nnz·CROSSOVER_RATIO < S³. Measured side by side (benches/README.md,
/// 2026-12-06, group `policy_system`, Garnet(S, 10, 10), S = 1 000–4 000): the dense solve costs
/// 0.016–0.019 ns per unit of S³ and a sweep 1.0 ns per stored transition, so the costs cross at
/// k·nnz ≈ S³/60 — which the measurements bear out on both sides (S = 2 000: sweeps 64 ms against
/// 126 ms at γ = 0.9, dense 123 ms against 672 ms at γ = 0.99).
pub const CROSSOVER_RATIO: f64 = 60.0;

/// How a policy's system is solved.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    DenseLu,
    Sweeps,
}

/// k(γ): the sweeps that bring γ^k/(1−γ) below the relative tolerance.
pub fn sweeps_needed(gamma: f64) -> usize {
    if gamma <= 0.0 {
        return 1;
    }
    let k = (SWEEP_RELATIVE_TOLERANCE * (1.0 - gamma)).ln() / gamma.ln();
    if k.is_finite() {
        (k.ceil() as usize).max(1)
    } else {
        usize::MAX
    }
}

/// The method for `mdp` (see the module documentation for the rule).
pub fn method_for(mdp: &TabularMdp) -> Method {
    let states = mdp.n_states();
    let sweeps = sweeps_needed(mdp.gamma());
    if states <= ALWAYS_DENSE_STATES || sweeps > MAX_SWEEPS {
        return Method::DenseLu;
    }
    let dense_bytes = states.saturating_mul(states).saturating_mul(8);
    let nnz = mdp.kernel().nonzeros() as f64;
    if dense_bytes > DENSE_MEMORY_LIMIT
        || (sweeps as f64) * nnz * CROSSOVER_RATIO < (states as f64).powi(3)
    {
        Method::Sweeps
    } else {
        Method::DenseLu
    }
}

/// Refuses a dense solve whose matrix would not fit, with the estimate (a world that large with
/// γ so close to 1 that sweeps cannot converge either).
fn require_dense_fits(mdp: &TabularMdp) -> Result<()> {
    let states = mdp.n_states();
    let bytes = states.saturating_mul(states).saturating_mul(8);
    if bytes > DENSE_MEMORY_LIMIT {
        return Err(Error::Usage(format!(
            "{states} states with gamma = {}: a dense solve needs {:.1} GB for the matrix and \
             fixed-point sweeps would need more than {MAX_SWEEPS} passes; use a smaller gamma, or \
             `solve --method vi` with a tolerance",
            mdp.gamma(),
            bytes as f64 / 1e9
        )));
    }
    Ok(())
}

/// Solves (I − γP̃_π)·x = `rhs`, or its transpose.
pub fn solve_policy_system(
    mdp: &TabularMdp,
    policy: ArrayView2<'_, f64>,
    rhs: &Array1<f64>,
    transpose: bool,
) -> Result<Array1<f64>> {
    match method_for(mdp) {
        Method::DenseLu => {
            require_dense_fits(mdp)?;
            solve_dense(&bellman_matrix(mdp, policy), rhs, transpose)
        }
        Method::Sweeps => sweep(mdp, policy, rhs, transpose),
    }
}

/// Solves the system for `rhs` and its transpose for `rhs_transposed` (one factorization when
/// dense). Returns (x, y).
pub fn solve_policy_system_both(
    mdp: &TabularMdp,
    policy: ArrayView2<'_, f64>,
    rhs: &Array1<f64>,
    rhs_transposed: &Array1<f64>,
) -> Result<(Array1<f64>, Array1<f64>)> {
    match method_for(mdp) {
        Method::DenseLu => {
            require_dense_fits(mdp)?;
            solve_dense_and_transposed(&bellman_matrix(mdp, policy), rhs, rhs_transposed)
        }
        Method::Sweeps => Ok((
            sweep(mdp, policy, rhs, false)?,
            sweep(mdp, policy, rhs_transposed, true)?,
        )),
    }
}

/// The fixed-point sweeps (see the module documentation), in ‖·‖∞ for the system and ‖·‖₁ for
/// its transpose.
pub fn sweep(
    mdp: &TabularMdp,
    policy: ArrayView2<'_, f64>,
    rhs: &Array1<f64>,
    transpose: bool,
) -> Result<Array1<f64>> {
    let gamma = mdp.gamma();
    let states = mdp.n_states();
    let kernel = mdp.kernel();
    let limit = sweeps_needed(gamma).saturating_mul(2).min(MAX_SWEEPS);
    let mut x = Array1::<f64>::zeros(states);
    let mut next = Array1::<f64>::zeros(states);
    for _ in 0..limit {
        next.assign(rhs);
        for s in 0..states {
            for (a, &pi) in policy.row(s).iter().enumerate() {
                let weight = gamma * pi;
                if weight == 0.0 {
                    continue;
                }
                let (targets, probabilities) = kernel.row(s, a);
                if transpose {
                    let mass = weight * x[s];
                    for (&t, &p) in targets.iter().zip(probabilities) {
                        next[t] += mass * p;
                    }
                } else {
                    let expected: f64 = targets
                        .iter()
                        .zip(probabilities)
                        .map(|(&t, &p)| p * x[t])
                        .sum();
                    next[s] += weight * expected;
                }
            }
        }
        let (change, size) = if transpose {
            (
                next.iter().zip(&x).map(|(a, b)| (a - b).abs()).sum::<f64>(),
                next.iter().map(|v| v.abs()).sum::<f64>(),
            )
        } else {
            (
                next.iter()
                    .zip(&x)
                    .fold(0.0_f64, |m, (a, b)| m.max((a - b).abs())),
                next.iter().fold(0.0_f64, |m, v| m.max(v.abs())),
            )
        };
        std::mem::swap(&mut x, &mut next);
        if !change.is_finite() {
            break;
        }
        if gamma / (1.0 - gamma) * change <= SWEEP_RELATIVE_TOLERANCE * size {
            return Ok(x);
        }
    }
    Err(Error::Numerical {
        origin: String::new(),
        detail: format!(
            "the fixed-point sweeps for (I - gamma P_pi) x = b did not reach a relative error of \
             {SWEEP_RELATIVE_TOLERANCE:e} within {limit} sweeps"
        ),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::exact::uniform_policy;
    use crate::world::generate::GarnetParams;

    /// Sweeps and dense LU agree on both systems to the sweeps' tolerance, on worlds with
    /// `done` transitions too (FrozenLake's substochastic kernel).
    #[test]
    fn sweeps_agree_with_dense_lu() {
        let garnet = GarnetParams {
            states: 60,
            actions: 4,
            branching: 3,
            gamma: 0.95,
            seed: 11,
        }
        .build()
        .unwrap();
        let lake = crate::world::format::load(
            &std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("mdps/frozenlake4x4.json"),
        )
        .unwrap();
        for mdp in [garnet, lake] {
            let policy = uniform_policy(&mdp);
            let rhs = crate::exact::bellman::policy_reward(&mdp, policy.view());
            let matrix = bellman_matrix(&mdp, policy.view());
            for (b, transpose) in [(&rhs, false), (mdp.initial(), true)] {
                let dense = solve_dense(&matrix, b, transpose).unwrap();
                let swept = sweep(&mdp, policy.view(), b, transpose).unwrap();
                let scale = dense.iter().fold(0.0_f64, |m, v| m.max(v.abs()));
                let error = dense
                    .iter()
                    .zip(&swept)
                    .fold(0.0_f64, |m, (a, b)| m.max((a - b).abs()));
                assert!(
                    error <= 1e-11 * scale.max(1.0),
                    "{} {transpose}: {error}",
                    mdp.name()
                );
            }
        }
    }

    #[test]
    fn the_rule_keeps_small_worlds_dense_and_large_sparse_ones_swept() {
        assert_eq!(sweeps_needed(0.0), 1);
        // γ = 0.9: ln(1e-14)/ln(0.9) = 306.0…
        assert_eq!(sweeps_needed(0.9), 306);
        let small = GarnetParams {
            states: 500,
            ..GarnetParams::default()
        }
        .build()
        .unwrap();
        assert_eq!(method_for(&small), Method::DenseLu);
        let large = GarnetParams {
            states: 8000,
            actions: 2,
            branching: 2,
            gamma: 0.9,
            ..GarnetParams::default()
        }
        .build()
        .unwrap();
        assert_eq!(method_for(&large), Method::Sweeps);
    }
}
