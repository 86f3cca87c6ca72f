//! Dense linear solves for policy evaluation and occupancy: (I − γP̃_π)·x = b and its transpose.
//!
//! The default build uses faer's LU with partial pivoting (pure Rust, blocked and vectorised; it
//! runs sequentially so the same inputs give the same bits on any machine). With the `lapack`
//! feature the solve goes to LAPACK's `dgesv` through ndarray-linalg and the system OpenBLAS, run
//! on one thread; `cargo bench --features lapack --bench dynamic_programming` says when that pays.

use ndarray::{Array1, Array2};

use crate::core::error::{Error, Result};

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

/// Solves `matrix · x = rhs` and `matrixᵀ · y = rhs_transposed` with one factorization (policy
/// evaluation and the occupancy share I − γP̃_π). Returns (x, y).
pub fn solve_dense_and_transposed(
    matrix: &Array2<f64>,
    rhs: &Array1<f64>,
    rhs_transposed: &Array1<f64>,
) -> Result<(Array1<f64>, Array1<f64>)> {
    let (x, y) = backend_solve_both(matrix, rhs, rhs_transposed)?;
    for solution in [&x, &y] {
        if let Some(i) = solution.iter().position(|v| !v.is_finite()) {
            return Err(Error::Numerical {
                origin: String::new(),
                detail: format!(
                    "the linear system (I - gamma P_pi) x = b is singular or ill-conditioned \
                     (component {i} of the solution is {})",
                    solution[i]
                ),
            });
        }
    }
    Ok((x, y))
}

#[cfg(feature = "lapack")]
fn backend_solve_both(
    matrix: &Array2<f64>,
    rhs: &Array1<f64>,
    rhs_transposed: &Array1<f64>,
) -> Result<(Array1<f64>, Array1<f64>)> {
    Ok((
        backend_solve(matrix, rhs, false)?,
        backend_solve(matrix, rhs_transposed, true)?,
    ))
}

#[cfg(not(feature = "lapack"))]
fn backend_solve_both(
    matrix: &Array2<f64>,
    rhs: &Array1<f64>,
    rhs_transposed: &Array1<f64>,
) -> Result<(Array1<f64>, Array1<f64>)> {
    use faer::linalg::solvers::Solve;
    let n = matrix.nrows();
    let standard = matrix.as_standard_layout();
    let lu = match standard.as_slice() {
        Some(entries) => faer::MatRef::from_row_major_slice(entries, n, n).partial_piv_lu(),
        None => faer::Mat::<f64>::from_fn(n, n, |i, j| matrix[[i, j]]).partial_piv_lu(),
    };
    let mut b = faer::Mat::<f64>::from_fn(n, 1, |i, _| rhs[i]);
    let mut c = faer::Mat::<f64>::from_fn(n, 1, |i, _| rhs_transposed[i]);
    lu.solve_in_place(&mut b);
    lu.solve_transpose_in_place(&mut c);
    Ok((
        Array1::from(b.col_as_slice(0).to_vec()),
        Array1::from(c.col_as_slice(0).to_vec()),
    ))
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

/// Pins OpenBLAS to one thread, once. Its threaded solver crashed (SIGSEGV) inside test
/// threads with Rust's default 2 MiB stacks on a 395-state world, and one thread also keeps the
/// result independent of the machine's core count.
#[cfg(feature = "lapack")]
fn single_threaded_blas() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    unsafe extern "C" {
        fn openblas_set_num_threads(threads: std::ffi::c_int);
    }
    // SAFETY: `openblas_set_num_threads` is a plain setter exported by the OpenBLAS that the
    // `lapack` feature links; it takes an int and has no other precondition.
    ONCE.call_once(|| unsafe { openblas_set_num_threads(1) });
}

#[cfg(feature = "lapack")]
fn backend_solve(matrix: &Array2<f64>, rhs: &Array1<f64>, transpose: bool) -> Result<Array1<f64>> {
    use ndarray_linalg::Solve;
    single_threaded_blas();
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn solves_a_system_and_its_transpose() {
        // [[2, 1], [0, 4]] x = [5, 8] → x = (1.5, 2); transposed: [[2, 0], [1, 4]] y = [5, 8]
        // → y = (2.5, 1.375).
        let matrix = ndarray::arr2(&[[2.0, 1.0], [0.0, 4.0]]);
        let rhs = ndarray::arr1(&[5.0, 8.0]);
        let x = solve_dense(&matrix, &rhs, false).unwrap();
        assert!((x[0] - 1.5).abs() < 1e-15 && (x[1] - 2.0).abs() < 1e-15);
        let y = solve_dense(&matrix, &rhs, true).unwrap();
        assert!((y[0] - 2.5).abs() < 1e-15 && (y[1] - 1.375).abs() < 1e-15);
    }

    #[test]
    fn a_singular_system_is_an_error_not_a_nan() {
        let matrix = ndarray::arr2(&[[1.0, 1.0], [1.0, 1.0]]);
        let rhs = ndarray::arr1(&[1.0, 2.0]);
        let message = solve_dense(&matrix, &rhs, false).unwrap_err().to_string();
        assert!(message.contains("singular"), "{message}");
    }
}
