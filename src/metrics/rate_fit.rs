//! Convergence rates read off a trajectory by least squares on a window of steps.
//!
//! - Sublinear rates y_t ≈ C·t^slope (for example the Θ(1/t) suboptimality of softmax policy
//!   gradient, Mei et al. 2020, "On the Global Convergence Rates of Softmax Policy Gradient
//!   Methods", ICML, where slope ≈ −1): [`loglog_slope`] fits log y = c + slope·log t.
//! - Linear (geometric) rates y_t ≈ C·ρ^t (for example natural policy gradient with large steps,
//!   Khodadadian et al. 2021, or entropy-regularized NPG, Cen et al. 2021): [`loglinear_slope`]
//!   fits log y = c + slope·t, and ρ = exp(slope) is the per-step contraction factor.
//!
//! Both are ordinary least squares on the transformed points (see `least_squares`); the 95%
//! interval for the slope is slope ± t_{0.975,n−2}·se with the Student-t quantile of
//! `student_t`. That interval assumes independent, equal-variance errors around the line in log
//! space; successive iterates of one run are neither, so read it as a measure of how straight the
//! window is, and compare seeds for run-to-run spread.
//!
//! ## Window rules
//!
//! The window (t_low, t_high) is closed: a point is used iff t_low ≤ t ≤ t_high; infinite ends are
//! allowed, so (0, ∞) uses every positive time. Points are never dropped silently: every t must be
//! finite, and inside the window every y must be finite and positive (and every t positive for the
//! log–log fit) — otherwise the error says how many points fail and where the first few are, so
//! the caller can end the window before them (a suboptimality that reaches 0 or underflows is the
//! usual cause). Outside the window y is not inspected. At least 3 points are needed (the interval
//! has n − 2 degrees of freedom), and at least two distinct times.

use super::least_squares::fit_line;
use super::student_t::student_t_quantile;
use crate::core::checks::require_finite;
use crate::core::error::{Error, Result};

/// A straight-line fit of log y against log t or t on a window of a trajectory.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RateFit {
    /// The fitted exponent (log–log) or log contraction per unit of t (log–linear).
    pub slope: f64,
    /// The fitted log y at log t = 0 (log–log) or at t = 0 (log–linear).
    pub intercept: f64,
    /// slope ± t_{0.975,n−2}·se(slope).
    pub slope_ci95: (f64, f64),
    /// The window as requested, closed at both ends.
    pub window: (f64, f64),
    /// The number of points inside the window.
    pub points: usize,
    /// The coefficient of determination of the fit in log space (1 when log y is constant).
    pub r_squared: f64,
}

impl RateFit {
    /// exp(slope): for a log–linear fit, the factor ρ by which y shrinks per unit of t.
    pub fn contraction_factor(&self) -> f64 {
        self.slope.exp()
    }
}

/// Fits log y = intercept + slope·log t on the points with t in the closed `window`; a sublinear
/// rate Θ(t^−k) gives slope ≈ −k. Errors follow the window rules of the module docs.
pub fn loglog_slope(t: &[f64], y: &[f64], window: (f64, f64)) -> Result<RateFit> {
    fit_rate(t, y, window, Axis::LogTime)
}

/// Fits log y = intercept + slope·t on the points with t in the closed `window`; a linear rate
/// y_t ∝ ρ^t gives slope ≈ log ρ ([`RateFit::contraction_factor`] is ρ). Errors follow the window
/// rules of the module docs.
pub fn loglinear_slope(t: &[f64], y: &[f64], window: (f64, f64)) -> Result<RateFit> {
    fit_rate(t, y, window, Axis::Time)
}

#[derive(Clone, Copy, PartialEq)]
enum Axis {
    LogTime,
    Time,
}

fn fit_rate(t: &[f64], y: &[f64], window: (f64, f64), axis: Axis) -> Result<RateFit> {
    if t.len() != y.len() {
        return Err(Error::invalid(
            "y",
            format!("found {} values for {} times", y.len(), t.len()),
            "expected one value per time",
        ));
    }
    let (low, high) = window;
    if low.is_nan() || high.is_nan() || low > high {
        return Err(Error::invalid(
            "window",
            format!("found ({low}, {high})"),
            "expected (t_low, t_high) with t_low ≤ t_high (infinite ends allowed)",
        ));
    }
    require_finite("t", t)?;
    let inside: Vec<usize> = (0..t.len())
        .filter(|&i| low <= t[i] && t[i] <= high)
        .collect();
    if axis == Axis::LogTime {
        reject_points(
            &inside,
            t,
            y,
            |ti, _| ti <= 0.0,
            "t",
            "t > 0 for a log–log fit",
        )?;
    }
    reject_points(
        &inside,
        t,
        y,
        |_, yi| !(yi > 0.0 && yi.is_finite()),
        "y",
        "finite y > 0 to take log y; end the window before these points",
    )?;
    if inside.len() < 3 {
        return Err(Error::invalid(
            "window",
            format!("found {} point(s) in [{low}, {high}]", inside.len()),
            "expected at least 3 (the slope interval has n − 2 degrees of freedom)",
        ));
    }
    let x: Vec<f64> = inside
        .iter()
        .map(|&i| match axis {
            Axis::LogTime => t[i].ln(),
            Axis::Time => t[i],
        })
        .collect();
    let log_y: Vec<f64> = inside.iter().map(|&i| y[i].ln()).collect();
    let line = fit_line(&x, &log_y, "t")?;
    let half_width =
        student_t_quantile(0.975, (line.points - 2) as f64)? * line.slope_standard_error();
    Ok(RateFit {
        slope: line.slope,
        intercept: line.intercept,
        slope_ci95: (line.slope - half_width, line.slope + half_width),
        window,
        points: line.points,
        r_squared: line.r_squared(),
    })
}

/// Errors, naming `field`, when `fails(t_i, y_i)` holds for some of the window's points `inside`.
fn reject_points(
    inside: &[usize],
    t: &[f64],
    y: &[f64],
    fails: impl Fn(f64, f64) -> bool,
    field: &str,
    expected: &str,
) -> Result<()> {
    let failing: Vec<usize> = inside
        .iter()
        .copied()
        .filter(|&i| fails(t[i], y[i]))
        .collect();
    if failing.is_empty() {
        return Ok(());
    }
    let shown: Vec<String> = failing
        .iter()
        .take(3)
        .map(|&i| format!("index {i} (t = {}, y = {})", t[i], y[i]))
        .collect();
    Err(Error::invalid(
        field,
        format!(
            "{} of the {} points in the window fail, first at {}{}",
            failing.len(),
            inside.len(),
            shown.join(", "),
            if failing.len() > 3 { ", …" } else { "" }
        ),
        format!("expected {expected}"),
    ))
}

#[cfg(test)]
mod tests {
    use rand::SeedableRng;
    use rand_chacha::ChaCha8Rng;
    use rand_distr::{Distribution, StandardNormal};

    use super::*;

    fn steps(n: usize) -> Vec<f64> {
        (1..=n).map(|k| k as f64).collect()
    }

    #[test]
    fn exact_power_law_recovers_the_exponent() {
        let t = steps(200);
        let y: Vec<f64> = t.iter().map(|&s| 3.0 / s).collect();
        let fit = loglog_slope(&t, &y, (10.0, 150.0)).unwrap();
        assert!((fit.slope + 1.0).abs() < 1e-12, "{fit:?}");
        assert!((fit.intercept - 3f64.ln()).abs() < 1e-12);
        assert!(fit.slope_ci95.1 - fit.slope_ci95.0 < 1e-12);
        assert_eq!(fit.points, 141);
        assert!((fit.r_squared - 1.0).abs() < 1e-12);
    }

    #[test]
    fn exact_geometric_decay_recovers_the_contraction_factor() {
        let t = steps(100);
        let y: Vec<f64> = t.iter().map(|&s| 2.0 * 0.9f64.powf(s)).collect();
        let fit = loglinear_slope(&t, &y, (0.0, f64::INFINITY)).unwrap();
        assert!((fit.slope - 0.9f64.ln()).abs() < 1e-12, "{fit:?}");
        assert!((fit.contraction_factor() - 0.9).abs() < 1e-12);
        assert!(fit.slope_ci95.1 - fit.slope_ci95.0 < 1e-12);
        assert_eq!(fit.points, 100);
    }

    #[test]
    fn three_point_fit_matches_the_closed_form() {
        // log y = 1, 2, 2 at t = 1, 2, 3: slope 1/2, intercept 2/3, R² = 3/4, se = √(1/12), and
        // with one degree of freedom t_{0.975,1} = tan(0.475π) = 12.706…
        let y = [1f64.exp(), 2f64.exp(), 2f64.exp()];
        let fit = loglinear_slope(&[1.0, 2.0, 3.0], &y, (1.0, 3.0)).unwrap();
        let half_width = (0.475 * std::f64::consts::PI).tan() * (1.0f64 / 12.0).sqrt();
        assert!((fit.slope - 0.5).abs() < 1e-14);
        assert!((fit.intercept - 2.0 / 3.0).abs() < 1e-14);
        assert!((fit.r_squared - 0.75).abs() < 1e-14);
        assert!((fit.slope_ci95.0 - (0.5 - half_width)).abs() < 1e-12);
        assert!((fit.slope_ci95.1 - (0.5 + half_width)).abs() < 1e-12);
    }

    #[test]
    fn noisy_power_law_interval_covers_the_true_exponent() {
        let mut rng = ChaCha8Rng::seed_from_u64(17);
        let t = steps(400);
        let y: Vec<f64> = t
            .iter()
            .map(|&s| {
                let noise: f64 = StandardNormal.sample(&mut rng);
                5.0 * s.powf(-0.5) * (0.05 * noise).exp()
            })
            .collect();
        let fit = loglog_slope(&t, &y, (20.0, 400.0)).unwrap();
        let (low, high) = fit.slope_ci95;
        assert!(low < -0.5 && -0.5 < high, "{fit:?}");
        assert!(high - low < 0.05, "{fit:?}");
    }

    #[test]
    fn non_positive_values_inside_the_window_are_named() {
        let t = steps(10);
        let mut y: Vec<f64> = t.iter().map(|&s| 1.0 / s).collect();
        y[6] = 0.0;
        y[8] = f64::NAN;
        let message = loglog_slope(&t, &y, (2.0, 10.0)).unwrap_err().to_string();
        assert!(message.contains("y: 2 of the 9 points"), "{message}");
        assert!(message.contains("index 6 (t = 7, y = 0)"), "{message}");
        // Ending the window before them works; points outside the window are not inspected.
        assert_eq!(loglog_slope(&t, &y, (2.0, 6.0)).unwrap().points, 5);
    }

    #[test]
    fn invalid_shapes_and_windows_are_errors() {
        let t = [0.0, 1.0, 2.0, 3.0];
        let y = [1.0, 0.5, 0.25, 0.125];
        let message = |r: Result<RateFit>| r.unwrap_err().to_string();
        assert!(message(loglog_slope(&t, &y, (0.0, 3.0))).contains("t: 1 of the 4"));
        assert!(message(loglinear_slope(&t, &y[..3], (0.0, 3.0))).contains("3 values for 4"));
        assert!(message(loglinear_slope(&t, &y, (2.0, 3.0))).contains("2 point(s)"));
        assert!(message(loglinear_slope(&t, &y, (3.0, 1.0))).contains("window"));
        assert!(
            message(loglinear_slope(&[1.0, 1.0, 1.0], &y[..3], (0.0, 5.0))).contains("same value")
        );
        assert!(
            message(loglinear_slope(&[0.0, f64::NAN, 2.0], &y[..3], (0.0, 5.0)))
                .contains("NaN at index 1")
        );
    }
}
