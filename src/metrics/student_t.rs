//! Student's t distribution: the CDF and the quantile, for confidence intervals of fitted slopes.
//!
//! For ν degrees of freedom and t ≥ 0 the upper tail is
//!
//! P(T > t) = ½·I_x(ν/2, ½),  x = ν/(ν + t²),
//!
//! where I_x(a, b) = B(x; a, b)/B(a, b) is the regularized incomplete beta function (Abramowitz &
//! Stegun 1964, "Handbook of Mathematical Functions", 26.5.27 with 26.7.1). I_x(a, b) is evaluated
//! by its continued fraction
//!
//! I_x(a, b) = x^a·(1−x)^b / (a·B(a, b)) · 1/(1 + d₁/(1 + d₂/(1 + …))),
//! d_{2m+1} = −(a+m)(a+b+m)·x / ((a+2m)(a+2m+1)),  d_{2m} = m(b−m)·x / ((a+2m−1)(a+2m)),
//!
//! (NIST DLMF §8.17(v), eq. 8.17.22), which converges quickly for x < (a+1)/(a+b+2); above that the
//! symmetry I_x(a, b) = 1 − I_{1−x}(b, a) is used, with 1 − x = t²/(ν + t²) formed directly so that
//! no precision is lost near x = 1. The fraction is summed by the modified Lentz method (Thompson &
//! Barnett 1986, "Coulomb and Bessel functions of complex arguments and order", J. Comput. Phys.
//! 64). ln Γ, needed for ln B(a, b) = ln Γ(a) + ln Γ(b) − ln Γ(a+b), comes from Stirling's series
//! (DLMF 5.11.1) after shifting the argument above 15 with Γ(z+1) = z·Γ(z).
//!
//! The quantile solves P(T > t) = min(p, 1 − p) for t ≥ 0 by bisection on the tail (monotone in t)
//! and applies the sign; working on the tail keeps full relative precision for p near 0 or 1.

use crate::core::error::{Error, Result};

/// The CDF P(T ≤ t) of Student's t distribution with `degrees_of_freedom` ν > 0 (not necessarily
/// an integer). Errors for ν ≤ 0 or non-finite, or a NaN `t`.
pub fn student_t_cdf(t: f64, degrees_of_freedom: f64) -> Result<f64> {
    check_degrees_of_freedom(degrees_of_freedom)?;
    if t.is_nan() {
        return Err(Error::invalid("t", "found NaN", "expected a number"));
    }
    let tail = upper_tail(t.abs(), degrees_of_freedom)?;
    Ok(if t >= 0.0 { 1.0 - tail } else { tail })
}

/// The quantile t_{p,ν}: the t with P(T ≤ t) = `probability` for ν = `degrees_of_freedom` > 0.
/// For example t_{0.975,10} = 2.228. Errors for a probability outside (0, 1) or an invalid ν.
pub fn student_t_quantile(probability: f64, degrees_of_freedom: f64) -> Result<f64> {
    check_degrees_of_freedom(degrees_of_freedom)?;
    if !(probability > 0.0 && probability < 1.0) {
        return Err(Error::invalid(
            "probability",
            format!("found {probability}"),
            "expected a probability strictly between 0 and 1",
        ));
    }
    if probability == 0.5 {
        return Ok(0.0);
    }
    // 1 − p is exact for p ≥ 0.5 (Sterbenz), so the tail target carries no rounding.
    let tail = probability.min(1.0 - probability);
    let mut high = 1.0;
    while upper_tail(high, degrees_of_freedom)? > tail {
        high *= 2.0;
        if !high.is_finite() {
            return Err(Error::Numerical {
                origin: "student_t_quantile".into(),
                detail: format!("no finite quantile found for p = {probability}"),
            });
        }
    }
    let mut low = 0.0;
    // Bisection halves the bracket each time; 1100 halvings exhaust any f64 bracket.
    for _ in 0..1100 {
        let middle = 0.5 * (low + high);
        if middle <= low || middle >= high {
            break;
        }
        if upper_tail(middle, degrees_of_freedom)? > tail {
            low = middle;
        } else {
            high = middle;
        }
    }
    let quantile = 0.5 * (low + high);
    Ok(if probability > 0.5 {
        quantile
    } else {
        -quantile
    })
}

fn check_degrees_of_freedom(degrees_of_freedom: f64) -> Result<()> {
    if degrees_of_freedom > 0.0 && degrees_of_freedom.is_finite() {
        Ok(())
    } else {
        Err(Error::invalid(
            "degrees_of_freedom",
            format!("found {degrees_of_freedom}"),
            "expected a positive finite number",
        ))
    }
}

/// P(T > t) for t ≥ 0: ½·I_x(ν/2, ½) with x = ν/(ν + t²).
fn upper_tail(t: f64, degrees_of_freedom: f64) -> Result<f64> {
    if t.is_infinite() {
        return Ok(0.0);
    }
    let t_squared = t * t;
    let denominator = degrees_of_freedom + t_squared;
    let x = degrees_of_freedom / denominator;
    let one_minus_x = t_squared / denominator;
    Ok(0.5 * regularized_incomplete_beta(x, one_minus_x, 0.5 * degrees_of_freedom, 0.5)?)
}

/// I_x(a, b) for a, b > 0, given x and 1 − x separately (both in [0, 1]).
fn regularized_incomplete_beta(x: f64, one_minus_x: f64, a: f64, b: f64) -> Result<f64> {
    if x <= 0.0 {
        return Ok(0.0);
    }
    if one_minus_x <= 0.0 {
        return Ok(1.0);
    }
    if x < (a + 1.0) / (a + b + 2.0) {
        beta_continued_fraction(x, one_minus_x, a, b)
    } else {
        Ok(1.0 - beta_continued_fraction(one_minus_x, x, b, a)?)
    }
}

/// The continued fraction of I_x(a, b) with its prefactor (DLMF 8.17.22), by modified Lentz.
fn beta_continued_fraction(x: f64, one_minus_x: f64, a: f64, b: f64) -> Result<f64> {
    let log_prefactor =
        a * x.ln() + b * one_minus_x.ln() - (ln_gamma(a) + ln_gamma(b) - ln_gamma(a + b));
    let prefactor = log_prefactor.exp() / a;
    // Modified Lentz for f = 1/(1 + d₁/(1 + d₂/…)), the product of C_j·D_j with C_j = A_j/A_{j−1}
    // and D_j = B_{j−1}/B_j for the convergents A_j/B_j. The first convergent is 1/1 with
    // A₀ = 0, so C₁ = ∞ (TINY guards that and any zero denominator), D₁ = 1, f₁ = 1.
    const TINY: f64 = 1e-300;
    let guard = |v: f64| if v.abs() < TINY { TINY } else { v };
    let mut c = 1.0 / TINY;
    let mut d = 1.0;
    let mut fraction = 1.0;
    // The number of terms needed grows like √max(a, b); the cap leaves ample margin.
    let max_terms = 200 + (20.0 * (a + b).sqrt()) as usize;
    for m in 0..max_terms {
        let m = m as f64;
        // Odd term d_{2m+1}, then even term d_{2m+2}.
        let odd = -(a + m) * (a + b + m) * x / ((a + 2.0 * m) * (a + 2.0 * m + 1.0));
        d = 1.0 / guard(1.0 + odd * d);
        c = guard(1.0 + odd / c);
        let odd_step = c * d;
        fraction *= odd_step;
        let k = m + 1.0;
        let even = k * (b - k) * x / ((a + 2.0 * k - 1.0) * (a + 2.0 * k));
        d = 1.0 / guard(1.0 + even * d);
        c = guard(1.0 + even / c);
        let even_step = c * d;
        fraction *= even_step;
        let converged = 4.0 * f64::EPSILON;
        if (odd_step - 1.0).abs() < converged && (even_step - 1.0).abs() < converged {
            return Ok(prefactor * fraction);
        }
    }
    Err(Error::Numerical {
        origin: "regularized incomplete beta".into(),
        detail: format!("continued fraction did not converge for x = {x}, a = {a}, b = {b}"),
    })
}

/// ln Γ(z) for z > 0: Stirling's series (DLMF 5.11.1) to the z⁻⁹ term at z ≥ 15, where the
/// first omitted term is below 691/(360360·15¹¹) ≈ 2·10⁻¹⁶; smaller z are shifted up first.
fn ln_gamma(z: f64) -> f64 {
    let mut shift_product = 1.0;
    let mut z = z;
    while z < 15.0 {
        shift_product *= z;
        z += 1.0;
    }
    let inverse = 1.0 / z;
    let inverse_squared = inverse * inverse;
    // Coefficients B_{2k}/(2k(2k−1)): 1/12, −1/360, 1/1260, −1/1680, 1/1188.
    let series = inverse
        * (1.0 / 12.0
            + inverse_squared
                * (-1.0 / 360.0
                    + inverse_squared
                        * (1.0 / 1260.0
                            + inverse_squared * (-1.0 / 1680.0 + inverse_squared / 1188.0))));
    let half_ln_two_pi = 0.918_938_533_204_672_8;
    (z - 0.5) * z.ln() - z + half_ln_two_pi + series - shift_product.ln()
}

#[cfg(test)]
mod tests {
    use std::f64::consts::PI;

    use super::*;

    #[test]
    fn ln_gamma_matches_factorials_and_the_half_integer_value() {
        // Γ(n) = (n − 1)!, Γ(1/2) = √π.
        let mut factorial: f64 = 1.0;
        for n in 1..30 {
            let relative = (ln_gamma(n as f64) - factorial.ln()).abs() / factorial.ln().max(1.0);
            assert!(relative < 1e-14, "n = {n}");
            factorial *= n as f64;
        }
        assert!((ln_gamma(0.5) - 0.5 * PI.ln()).abs() < 1e-14);
    }

    #[test]
    fn cdf_matches_the_closed_forms_for_one_and_two_degrees_of_freedom() {
        // ν = 1 (Cauchy): ½ + atan(t)/π; ν = 2: ½ + t/(2√(2 + t²)).
        for t in [-30.0, -2.0, -0.3, 0.0, 0.7, 1.0, 4.0, 1e3] {
            let cauchy = 0.5 + f64::atan(t) / PI;
            let two = 0.5 + t / (2.0 * (2.0 + t * t).sqrt());
            assert!(
                (student_t_cdf(t, 1.0).unwrap() - cauchy).abs() < 1e-14,
                "t = {t}"
            );
            assert!(
                (student_t_cdf(t, 2.0).unwrap() - two).abs() < 1e-14,
                "t = {t}"
            );
        }
    }

    #[test]
    fn quantile_matches_the_closed_forms_for_one_and_two_degrees_of_freedom() {
        // ν = 1: tan(π(p − ½)), written −cot(πp) or cot(π(1 − p)) to stay accurate near 0 and 1;
        // ν = 2: (2p − 1)/√(2p(1 − p)).
        for p in [1e-6, 0.01, 0.2, 0.5, 0.75, 0.975, 0.999_999] {
            let cauchy = if p < 0.5 {
                -1.0 / f64::tan(PI * p)
            } else {
                1.0 / f64::tan(PI * (1.0 - p))
            };
            let two = (2.0 * p - 1.0) / (2.0 * p * (1.0 - p)).sqrt();
            let q1 = student_t_quantile(p, 1.0).unwrap();
            let q2 = student_t_quantile(p, 2.0).unwrap();
            assert!(
                (q1 - cauchy).abs() <= 1e-12 * (1.0 + cauchy.abs()),
                "p = {p}: {q1}"
            );
            assert!(
                (q2 - two).abs() <= 1e-12 * (1.0 + two.abs()),
                "p = {p}: {q2}"
            );
        }
    }

    /// Upper critical values t_{0.975,ν} from the NIST/SEMATECH e-Handbook of Statistical Methods,
    /// Table 1.3.6.7.2 ("Critical Values of the Student's t Distribution"), printed to three
    /// decimals; ν = ∞ is the normal quantile 1.960.
    #[test]
    fn quantile_matches_published_table_values() {
        let table = [
            (1.0, 12.706),
            (2.0, 4.303),
            (5.0, 2.571),
            (10.0, 2.228),
            (30.0, 2.042),
            (100.0, 1.984),
        ];
        for (dof, value) in table {
            let q = student_t_quantile(0.975, dof).unwrap();
            assert!((q - value).abs() < 5e-4, "ν = {dof}: {q}");
        }
        let large = student_t_quantile(0.975, 1e7).unwrap();
        assert!((large - 1.959_963_984_540_054).abs() < 1e-6, "{large}");
        // Symmetry and a lower-tail value: t_{0.05,10} = −1.812.
        assert!((student_t_quantile(0.05, 10.0).unwrap() + 1.812).abs() < 5e-4);
    }

    #[test]
    fn quantile_inverts_the_cdf() {
        for dof in [0.5, 3.0, 17.0, 250.0] {
            for p in [0.001, 0.1, 0.4, 0.9, 0.9999] {
                let q = student_t_quantile(p, dof).unwrap();
                let back = student_t_cdf(q, dof).unwrap();
                assert!((back - p).abs() < 1e-13, "ν = {dof}, p = {p}: {back}");
            }
        }
    }

    #[test]
    fn invalid_arguments_are_errors() {
        assert!(student_t_quantile(1.0, 3.0).is_err());
        assert!(student_t_quantile(0.0, 3.0).is_err());
        assert!(student_t_quantile(f64::NAN, 3.0).is_err());
        assert!(student_t_quantile(0.9, 0.0).is_err());
        assert!(student_t_cdf(0.3, f64::INFINITY).is_err());
        assert!(student_t_cdf(f64::NAN, 3.0).is_err());
    }
}
