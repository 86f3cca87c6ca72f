//! Shapley's value iteration for two-player zero-sum discounted Markov games (Shapley 1953,
//! "Stochastic games", PNAS 39: the operator below is a γ-contraction in ‖·‖∞):
//!
//! V_{k+1}(s) = val M_s(V_k),   M_s(V)(a, b) = r(s, a, b) + γ·Σ_{s'} P(s' | s, a, b)·V(s'),
//!
//! with `val` the value of the matrix game (solved by [`solve_matrix_game`], certified per state).
//!
//! **Stopping bound.** From the contraction, ‖V_{k+1} − V*‖∞ ≤ γ/(1−γ)·‖V_{k+1} − V_k‖∞; the
//! iteration stops once that bound is at most the tolerance. The equilibrium policies are the
//! optimal strategies of the stage games M_s(V) at the final V; their exploitability is then
//! computed exactly (best responses by policy iteration) and returned as the certificate.

use ndarray::{Array1, Array2};

use super::exploitability::{Exploitability, exploitability};
use super::zero_sum::{MatrixSolution, solve_matrix_game};
use crate::core::error::{Error, Result};
use crate::world::{GameClass, MarkovGame};

/// The equilibrium of a zero-sum Markov game with its certificate.
#[derive(Debug, Clone, PartialEq)]
pub struct ShapleySolution {
    /// V*(s) for player 1 (player 2 receives −V*), within `value_error_bound`.
    pub v: Array1<f64>,
    /// Player 1's and player 2's stationary policies (S × A_i).
    pub policies: Vec<Array2<f64>>,
    pub iterations: usize,
    /// The guaranteed ‖v − V*‖∞.
    pub value_error_bound: f64,
    /// The largest duality gap of the final stage games.
    pub stage_gap: f64,
    /// The exact exploitability of `policies`: the certificate.
    pub certificate: Exploitability,
}

impl ShapleySolution {
    /// ρᵀV*.
    pub fn objective(&self, game: &MarkovGame) -> f64 {
        game.initial().dot(&self.v)
    }
}

/// Fails unless `game` is a two-player zero-sum game, naming `what` needs one.
pub fn require_zero_sum(game: &MarkovGame, what: &str) -> Result<()> {
    if game.class() == GameClass::ZeroSum {
        return Ok(());
    }
    Err(Error::Usage(format!(
        "{what} solves two-player zero-sum games (r_2 = −r_1); {} is a {}-player {} game",
        game.name(),
        game.n_players(),
        game.class().name()
    )))
}

/// The stage games' solutions at values `v`: one certified [`MatrixSolution`] per state.
pub fn stage_solutions(game: &MarkovGame, v: &[f64]) -> Result<Vec<MatrixSolution>> {
    (0..game.n_states())
        .map(|s| {
            solve_matrix_game(game.stage_matrix(s, v).view())
                .map_err(|e| e.in_origin(&format!("the stage game of state {s}")))
        })
        .collect()
}

/// Shapley value iteration from V = 0 until ‖V − V*‖∞ ≤ `tolerance` is guaranteed.
pub fn shapley_value_iteration(
    game: &MarkovGame,
    tolerance: f64,
    max_iterations: usize,
) -> Result<ShapleySolution> {
    require_zero_sum(game, "Shapley value iteration")?;
    if !(tolerance.is_finite() && tolerance > 0.0) {
        return Err(Error::Usage(format!(
            "the tolerance of Shapley value iteration must be > 0, found {tolerance}"
        )));
    }
    let gamma = game.gamma();
    let factor = if gamma == 0.0 {
        0.0
    } else {
        gamma / (1.0 - gamma)
    };
    let mut v = vec![0.0; game.n_states()];
    for iteration in 1..=max_iterations {
        let solutions = stage_solutions(game, &v)?;
        let next: Vec<f64> = solutions.iter().map(|s| s.value).collect();
        let change = next
            .iter()
            .zip(&v)
            .fold(0.0f64, |m, (a, b)| m.max((a - b).abs()));
        v = next;
        let bound = factor * change;
        if bound <= tolerance {
            let solutions = stage_solutions(game, &v)?;
            let stage_gap = solutions.iter().fold(0.0f64, |m, s| m.max(s.gap()));
            let rows = |pick: fn(&MatrixSolution) -> &Array1<f64>, width: usize| {
                Array2::from_shape_fn((game.n_states(), width), |(s, a)| pick(&solutions[s])[a])
            };
            let policies = vec![
                rows(|s| &s.row, game.n_actions(0)),
                rows(|s| &s.column, game.n_actions(1)),
            ];
            let views: Vec<_> = policies.iter().map(|p| p.view()).collect();
            let certificate = exploitability(game, &views)?;
            return Ok(ShapleySolution {
                v: Array1::from(v),
                policies,
                iterations: iteration,
                value_error_bound: bound,
                stage_gap,
                certificate,
            });
        }
    }
    Err(Error::Numerical {
        origin: "Shapley value iteration".into(),
        detail: format!("‖V − V*‖∞ ≤ {tolerance} not guaranteed after {max_iterations} sweeps"),
    })
}
