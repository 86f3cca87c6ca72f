//! Ordinary least squares for a straight line z ≈ intercept + slope·x, shared by the rate fits and
//! the entropy–performance law.
//!
//! With x̄, z̄ the means, S_xx = Σ(x−x̄)², S_xz = Σ(x−x̄)(z−z̄) and S_zz = Σ(z−z̄)²:
//! slope = S_xz/S_xx, intercept = z̄ − slope·x̄, and the residual sum of squares is
//! SSE = Σ(z − intercept − slope·x)². Under independent homoscedastic normal errors the slope's
//! standard error is √(SSE/(n−2)/S_xx) and (slope − β)/se follows Student's t with n − 2 degrees
//! of freedom (Montgomery, Peck & Vining 2012, "Introduction to Linear Regression Analysis", 5th
//! ed., §2.2–2.3). Sums are taken about the means (two passes) to avoid the cancellation of the
//! one-pass Σx² − n·x̄² form.

use crate::core::error::{Error, Result};

/// A fitted line and the sums its diagnostics are built from.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct LineFit {
    pub slope: f64,
    pub intercept: f64,
    /// Σ(z − intercept − slope·x)².
    pub residual_sum_of_squares: f64,
    /// Σ(x − x̄)².
    pub spread_x: f64,
    /// Σ(z − z̄)².
    pub spread_z: f64,
    pub points: usize,
}

impl LineFit {
    /// The slope's standard error √(SSE/(n−2)/S_xx); 0 when n = 2.
    pub fn slope_standard_error(&self) -> f64 {
        if self.points <= 2 {
            return 0.0;
        }
        (self.residual_sum_of_squares / (self.points - 2) as f64 / self.spread_x).sqrt()
    }

    /// R² = 1 − SSE/S_zz, taken as 1 when z is constant (the flat line fits exactly).
    pub fn r_squared(&self) -> f64 {
        if self.spread_z == 0.0 {
            1.0
        } else {
            1.0 - self.residual_sum_of_squares / self.spread_z
        }
    }
}

/// The least-squares line through the points (x_i, z_i), which must be finite and of equal length
/// (the callers check both). Errors when all x are equal, naming `x_field`.
pub(crate) fn fit_line(x: &[f64], z: &[f64], x_field: &str) -> Result<LineFit> {
    let n = x.len() as f64;
    let mean_x = x.iter().sum::<f64>() / n;
    let mean_z = z.iter().sum::<f64>() / n;
    let (mut spread_x, mut co_spread, mut spread_z) = (0.0, 0.0, 0.0);
    for (&xi, &zi) in x.iter().zip(z) {
        let (dx, dz) = (xi - mean_x, zi - mean_z);
        spread_x += dx * dx;
        co_spread += dx * dz;
        spread_z += dz * dz;
    }
    if spread_x == 0.0 {
        return Err(Error::invalid(
            x_field,
            format!("all {} points have the same value {mean_x}", x.len()),
            "expected at least two distinct values to fit a slope",
        ));
    }
    let slope = co_spread / spread_x;
    let intercept = mean_z - slope * mean_x;
    let residual_sum_of_squares = x
        .iter()
        .zip(z)
        .map(|(&xi, &zi)| (zi - intercept - slope * xi).powi(2))
        .sum();
    Ok(LineFit {
        slope,
        intercept,
        residual_sum_of_squares,
        spread_x,
        spread_z,
        points: x.len(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn three_point_fit_by_hand() {
        // x = 1, 2, 3; z = 1, 2, 2: x̄ = 2, z̄ = 5/3, S_xx = 2, S_xz = 1, slope 1/2, intercept 2/3;
        // residuals −1/6, 1/3, −1/6, SSE = 1/6; S_zz = 2/3, R² = 3/4; se = √((1/6)/1/2) = √(1/12).
        let fit = fit_line(&[1.0, 2.0, 3.0], &[1.0, 2.0, 2.0], "x").unwrap();
        assert!((fit.slope - 0.5).abs() < 1e-15);
        assert!((fit.intercept - 2.0 / 3.0).abs() < 1e-15);
        assert!((fit.residual_sum_of_squares - 1.0 / 6.0).abs() < 1e-15);
        assert!((fit.r_squared() - 0.75).abs() < 1e-15);
        assert!((fit.slope_standard_error() - (1.0f64 / 12.0).sqrt()).abs() < 1e-15);
    }

    #[test]
    fn equal_x_is_an_error_naming_the_field() {
        let message = fit_line(&[2.0; 3], &[1.0, 2.0, 3.0], "t")
            .unwrap_err()
            .to_string();
        assert!(message.contains("t: all 3 points"), "{message}");
    }
}
