//! A small dense simplex method for linear programs whose origin is feasible:
//!
//! maximize cᵀx subject to M·x ≤ b, x ≥ 0, with b ≥ 0,
//!
//! on the full tableau with slack variables (Dantzig 1963; Chvátal, "Linear Programming", 1983,
//! ch. 2–3). Entering variable by the largest reduced cost, leaving variable by the minimum ratio
//! test; after a run of degenerate pivots it switches to Bland's smallest-index rule, which cannot
//! cycle (Chvátal, Theorem 3.3). The optimal dual y ≥ 0 (Mᵀy ≥ c, bᵀy = cᵀx) is read off the
//! reduced costs of the slack columns. Sizes here are those of matrix games (tens to a few
//! hundred rows), where a dense tableau is simplest and fast.

use ndarray::{Array2, ArrayView2};

use crate::core::error::{Error, Result};

/// Pivot elements and reduced costs below this count as zero.
const PIVOT_TOLERANCE: f64 = 1e-12;

/// An optimal basic solution with its dual.
#[derive(Debug, Clone, PartialEq)]
pub struct LpSolution {
    /// The primal optimum x (n entries).
    pub x: Vec<f64>,
    /// The dual optimum y (m entries, one per constraint).
    pub y: Vec<f64>,
    /// cᵀx.
    pub objective: f64,
    pub pivots: usize,
}

/// Solves max cᵀx s.t. M·x ≤ b, x ≥ 0 for b ≥ 0; an unbounded program is an error.
pub fn maximize_from_origin(m: ArrayView2<'_, f64>, b: &[f64], c: &[f64]) -> Result<LpSolution> {
    let (rows, cols) = m.dim();
    if b.len() != rows || c.len() != cols {
        return Err(Error::Usage(format!(
            "simplex: a {rows}×{cols} constraint matrix needs {rows} bounds and {cols} costs, \
             found {} and {}",
            b.len(),
            c.len()
        )));
    }
    if let Some(bad) = b.iter().find(|v| !(v.is_finite() && **v >= 0.0)) {
        return Err(Error::Usage(format!(
            "simplex: the origin must be feasible (every bound >= 0), found {bad}"
        )));
    }
    // Tableau: rows 0..m are constraints [M | I | b]; row m is the objective [−c | 0 | 0].
    let width = cols + rows + 1;
    let mut t = Array2::<f64>::zeros((rows + 1, width));
    for i in 0..rows {
        for j in 0..cols {
            t[[i, j]] = m[[i, j]];
        }
        t[[i, cols + i]] = 1.0;
        t[[i, width - 1]] = b[i];
    }
    for j in 0..cols {
        t[[rows, j]] = -c[j];
    }
    let mut basis: Vec<usize> = (cols..cols + rows).collect();
    let limit = 50 * (rows + cols) + 1000;
    let mut degenerate_run = 0;
    let mut pivots = 0;
    loop {
        let bland = degenerate_run > rows + cols;
        // Entering column: a negative reduced cost.
        let objective = t.row(rows);
        let entering = if bland {
            (0..width - 1).find(|&j| objective[j] < -PIVOT_TOLERANCE)
        } else {
            (0..width - 1)
                .filter(|&j| objective[j] < -PIVOT_TOLERANCE)
                .min_by(|&a, &b| objective[a].total_cmp(&objective[b]))
        };
        let Some(entering) = entering else { break };
        // Leaving row: minimum ratio (ties by the smallest basic index under Bland's rule).
        let mut leaving: Option<(usize, f64)> = None;
        for i in 0..rows {
            let a = t[[i, entering]];
            if a > PIVOT_TOLERANCE {
                let ratio = t[[i, width - 1]] / a;
                let better = match leaving {
                    None => true,
                    Some((k, best)) => {
                        ratio < best - PIVOT_TOLERANCE
                            || (ratio <= best + PIVOT_TOLERANCE && basis[i] < basis[k])
                    }
                };
                if better {
                    leaving = Some((i, ratio));
                }
            }
        }
        let Some((row, ratio)) = leaving else {
            return Err(Error::Numerical {
                origin: "simplex".into(),
                detail: format!("the program is unbounded along column {entering}"),
            });
        };
        degenerate_run = if ratio.abs() <= PIVOT_TOLERANCE {
            degenerate_run + 1
        } else {
            0
        };
        pivot(&mut t, row, entering);
        basis[row] = entering;
        pivots += 1;
        if pivots > limit {
            return Err(Error::Numerical {
                origin: "simplex".into(),
                detail: format!("no optimum after {limit} pivots"),
            });
        }
    }
    let mut x = vec![0.0; cols];
    for (i, &var) in basis.iter().enumerate() {
        if var < cols {
            x[var] = t[[i, width - 1]].max(0.0);
        }
    }
    let y: Vec<f64> = (0..rows).map(|i| t[[rows, cols + i]].max(0.0)).collect();
    let objective = x.iter().zip(c).map(|(x, c)| x * c).sum();
    Ok(LpSolution {
        x,
        y,
        objective,
        pivots,
    })
}

fn pivot(t: &mut Array2<f64>, row: usize, column: usize) {
    let scale = 1.0 / t[[row, column]];
    t.row_mut(row).mapv_inplace(|v| v * scale);
    t[[row, column]] = 1.0;
    let pivot_row = t.row(row).to_owned();
    for i in 0..t.nrows() {
        if i == row {
            continue;
        }
        let factor = t[[i, column]];
        if factor != 0.0 {
            t.row_mut(i).scaled_add(-factor, &pivot_row);
            t[[i, column]] = 0.0;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::arr2;

    #[test]
    fn a_textbook_program_and_its_dual() {
        // Chvátal (1983), ch. 2: max 5x1 + 4x2 + 3x3 s.t. 2x1+3x2+x3 <= 5, 4x1+x2+2x3 <= 11,
        // 3x1+4x2+2x3 <= 8; optimum 13 at x = (2, 0, 1).
        let m = arr2(&[[2.0, 3.0, 1.0], [4.0, 1.0, 2.0], [3.0, 4.0, 2.0]]);
        let s = maximize_from_origin(m.view(), &[5.0, 11.0, 8.0], &[5.0, 4.0, 3.0]).unwrap();
        assert!((s.objective - 13.0).abs() < 1e-12);
        assert!(
            (s.x[0] - 2.0).abs() < 1e-12 && s.x[1].abs() < 1e-12 && (s.x[2] - 1.0).abs() < 1e-12
        );
        // Strong duality: bᵀy = 13 and Mᵀy >= c.
        let dual: f64 = [5.0, 11.0, 8.0].iter().zip(&s.y).map(|(b, y)| b * y).sum();
        assert!((dual - 13.0).abs() < 1e-12);
        for j in 0..3 {
            let column: f64 = (0..3).map(|i| m[[i, j]] * s.y[i]).sum();
            assert!(column >= [5.0, 4.0, 3.0][j] - 1e-12);
        }
    }

    #[test]
    fn unbounded_and_malformed_programs_are_errors() {
        let m = arr2(&[[1.0, -1.0]]);
        assert!(maximize_from_origin(m.view(), &[1.0], &[0.0, 1.0]).is_err());
        assert!(maximize_from_origin(m.view(), &[-1.0], &[1.0, 0.0]).is_err());
        assert!(maximize_from_origin(m.view(), &[1.0, 2.0], &[1.0, 0.0]).is_err());
    }
}
