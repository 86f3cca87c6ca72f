//! Dense linear solves for policy evaluation and occupancy: (I − γP̃_π)·x = b and its transpose.
//!
//! The default build uses faer's LU with partial pivoting (pure Rust, blocked and vectorised; it
//! runs sequentially so the same inputs give the same bits on any machine). With the `lapack`
//! feature the solve goes to LAPACK's `dgesv` through ndarray-linalg and the system OpenBLAS;
//! `cargo bench --bench dynamic_programming` says when that pays.

use ndarray::{Array1, Array2};

use crate::error::{Error, Result};

/// Solves `matrix · x = rhs` (or `matrixᵀ · x = rhs` when `transpose`) for a square matrix given in
/// row-major order.
pub fn solve_dense(
    matrix: &Array2<f64>,
    rhs: &Array1<f64>,
    transpose: bool,
) -> Result<Array1<f64>> {
    let n = matrix.nrows();
    debug_assert_eq!(matrix.ncols(), n);
    debug_assert_eq!(rhs.len(), n);
    let solution = backend_solve(matrix, rhs, transpose)?;
    if let Some(i) = solution.iter().position(|x| !x.is_finite()) {
        return Err(Error::Numerical {
            origin: String::new(),
            detail: format!(
                "the linear system (I - gamma P_pi) x = b is singular or ill-conditioned \
                 (component {i} of the solution is {})",
                solution[i]
            ),
        });
    }
    Ok(solution)
}

#[cfg(not(feature = "lapack"))]
fn backend_solve(matrix: &Array2<f64>, rhs: &Array1<f64>, transpose: bool) -> Result<Array1<f64>> {
    use faer::linalg::solvers::Solve;
    let n = matrix.nrows();
    let standard = matrix.as_standard_layout();
    let mut b = faer::Mat::<f64>::from_fn(n, 1, |i, _| rhs[i]);
    let lu = match standard.as_slice() {
        // Row-major storage read in place (the factorization copies it once).
        Some(entries) => faer::MatRef::from_row_major_slice(entries, n, n).partial_piv_lu(),
        None => faer::Mat::<f64>::from_fn(n, n, |i, j| matrix[[i, j]]).partial_piv_lu(),
    };
    if transpose {
        lu.solve_transpose_in_place(&mut b);
    } else {
        lu.solve_in_place(&mut b);
    }
    Ok(Array1::from(b.col_as_slice(0).to_vec()))
}

#[cfg(feature = "lapack")]
fn backend_solve(matrix: &Array2<f64>, rhs: &Array1<f64>, transpose: bool) -> Result<Array1<f64>> {
    use ndarray_linalg::Solve;
    let result = if transpose {
        matrix.t().to_owned().solve(rhs)
    } else {
        matrix.solve(rhs)
    };
    result.map_err(|e| Error::Numerical {
        origin: String::new(),
        detail: format!("LAPACK could not solve (I - gamma P_pi) x = b: {e}"),
    })
}
