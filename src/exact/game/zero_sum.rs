//! Two-player zero-sum matrix games solved by linear programming, with a certificate.
//!
//! For a payoff matrix M (the row player maximizes xᵀMy, the column player minimizes it), shift
//! to M' = M − min(M) + 1 > 0; then (von Neumann 1928; Dantzig 1951; Shoham & Leyton-Brown,
//! "Multiagent Systems", 2009, §4.1)
//!
//! max 1ᵀu s.t. M'u ≤ 1, u ≥ 0
//!
//! has optimum 1/v' with v' = val(M'); the column player's strategy is y = v'·u and the LP dual
//! gives the row player's x = v'·w. The value of M is v' + min(M) − 1.
//!
//! **Certificate.** The strategies are checked, not trusted: with
//! lower = min_b (xᵀM)_b (what x guarantees) and upper = max_a (My)_a (what y concedes),
//! lower ≤ val(M) ≤ upper and the duality gap upper − lower is NashConv of (x, y). A solution
//! whose gap exceeds [`GAP_TOLERANCE`]·max(1, max|M|) is an error, not an answer.

use ndarray::{Array1, ArrayView2};

use super::simplex::maximize_from_origin;
use crate::core::error::{Error, Result};

/// The largest duality gap (relative to max(1, max|M|)) a solution may carry.
pub const GAP_TOLERANCE: f64 = 1e-9;

/// Optimal strategies of a zero-sum matrix game and their certificate.
#[derive(Debug, Clone, PartialEq)]
pub struct MatrixSolution {
    /// The row player's (maximizer's) strategy.
    pub row: Array1<f64>,
    /// The column player's (minimizer's) strategy.
    pub column: Array1<f64>,
    /// The value xᵀMy of the game.
    pub value: f64,
    /// min_b (xᵀM)_b: the payoff x guarantees.
    pub lower: f64,
    /// max_a (My)_a: the most y concedes.
    pub upper: f64,
}

impl MatrixSolution {
    /// upper − lower ≥ 0: the duality gap (NashConv of the pair).
    pub fn gap(&self) -> f64 {
        self.upper - self.lower
    }
}

/// The guaranteed payoffs of a strategy pair: (min_b (xᵀM)_b, max_a (My)_a).
pub fn guarantees(m: ArrayView2<'_, f64>, x: &[f64], y: &[f64]) -> (f64, f64) {
    let (rows, cols) = m.dim();
    let lower = (0..cols)
        .map(|b| (0..rows).map(|a| x[a] * m[[a, b]]).sum::<f64>())
        .fold(f64::INFINITY, f64::min);
    let upper = (0..rows)
        .map(|a| (0..cols).map(|b| m[[a, b]] * y[b]).sum::<f64>())
        .fold(f64::NEG_INFINITY, f64::max);
    (lower, upper)
}

/// Solves the zero-sum game with payoff matrix `m` (row player maximizes) by the simplex method
/// and certifies the answer (see the [module docs](self)).
pub fn solve_matrix_game(m: ArrayView2<'_, f64>) -> Result<MatrixSolution> {
    let (rows, cols) = m.dim();
    if rows == 0 || cols == 0 {
        return Err(Error::Usage(format!(
            "a matrix game needs at least one action per player, found {rows}×{cols}"
        )));
    }
    if let Some(bad) = m.iter().find(|v| !v.is_finite()) {
        return Err(Error::Usage(format!(
            "a matrix game needs finite payoffs, found {bad}"
        )));
    }
    let minimum = m.iter().copied().fold(f64::INFINITY, f64::min);
    let scale = m.iter().fold(1.0f64, |s, v| s.max(v.abs()));
    let shifted = m.mapv(|v| v - minimum + 1.0);
    let lp = maximize_from_origin(shifted.view(), &vec![1.0; rows], &vec![1.0; cols])?;
    let total_u: f64 = lp.x.iter().sum();
    let total_w: f64 = lp.y.iter().sum();
    if !(total_u > 0.0 && total_w > 0.0) {
        return Err(Error::Numerical {
            origin: "zero-sum LP".into(),
            detail: format!("degenerate optimum (Σu = {total_u}, Σw = {total_w})"),
        });
    }
    let column = Array1::from_iter(lp.x.iter().map(|u| u / total_u));
    let row = Array1::from_iter(lp.y.iter().map(|w| w / total_w));
    let (lower, upper) = guarantees(
        m,
        row.as_slice().unwrap_or(&[]),
        column.as_slice().unwrap_or(&[]),
    );
    let value = row.dot(&m.dot(&column));
    let solution = MatrixSolution {
        row,
        column,
        value,
        lower,
        upper,
    };
    let gap = solution.gap();
    if gap.is_nan() || gap > GAP_TOLERANCE * scale {
        return Err(Error::Numerical {
            origin: "zero-sum LP".into(),
            detail: format!(
                "the strategies found have duality gap {gap:.3e} > {:.1e}: not an equilibrium",
                GAP_TOLERANCE * scale
            ),
        });
    }
    Ok(solution)
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::arr2;

    #[test]
    fn rock_paper_scissors_is_uniform_with_value_zero() {
        let m = arr2(&[[0.0, -1.0, 1.0], [1.0, 0.0, -1.0], [-1.0, 1.0, 0.0]]);
        let s = solve_matrix_game(m.view()).unwrap();
        for p in s.row.iter().chain(s.column.iter()) {
            assert!((p - 1.0 / 3.0).abs() < 1e-12);
        }
        assert!(s.value.abs() < 1e-12 && s.gap() <= 1e-12);
    }

    #[test]
    fn openspiel_lp_solver_values() {
        // open_spiel/python/algorithms/lp_solver_test.py: biased RPS has the row strategy
        // (1/16, 10/16, 5/16) and value 0.
        let m = arr2(&[[0.0, -0.25, 0.5], [0.25, 0.0, -0.05], [-0.5, 0.05, 0.0]]);
        let s = solve_matrix_game(m.view()).unwrap();
        let expected = [1.0 / 16.0, 10.0 / 16.0, 5.0 / 16.0];
        for (p, e) in s.row.iter().zip(expected) {
            assert!((p - e).abs() < 1e-12, "{p} vs {e}");
        }
        assert!(s.value.abs() < 1e-12);
        // A pure saddle point: [[2, 1, 5], [-3, -4, -2]] has value 1 at (row 0, column 1).
        let m = arr2(&[[2.0, 1.0, 5.0], [-3.0, -4.0, -2.0]]);
        let s = solve_matrix_game(m.view()).unwrap();
        assert!((s.value - 1.0).abs() < 1e-12);
        assert!((s.row[0] - 1.0).abs() < 1e-12 && (s.column[1] - 1.0).abs() < 1e-12);
    }
}
