//! Nature's worst case over a KL ball: min { pᵀz : p ∈ Δ, KL(p ‖ q) ≤ κ }.
//!
//! Its dual is one-dimensional (Nilim & El Ghaoui 2005, §6; Iyengar 2005, Lemma 4.1):
//!
//! min pᵀz = max_{λ ≥ 0} −λκ − λ·log Σ_i q_i·exp(−z_i/λ),
//!
//! and for a given λ the inner minimizer is the tilted distribution p_λ(i) ∝ q_i·exp(−z_i/λ).
//! The dual's derivative in λ is KL(p_λ ‖ q) − κ, and KL(p_λ ‖ q) falls continuously from
//! −log q(argmin z) (λ → 0, all mass on the least values) to 0 (λ → ∞). So:
//!
//! - if −log Σ_{i: z_i = min z} q_i ≤ κ the ball contains q restricted to the least values and the
//!   worst value is min z (the limit λ → 0);
//! - otherwise the optimal λ* solves KL(p_λ ‖ q) = κ, found here by Newton's method in log λ
//!   (dKL/d log λ = −Var_{p_λ}(z)/λ²) inside a bracket that falls back to halving; p_{λ*} attains
//!   the dual's value, so the returned p and value are exact up to the root's accuracy
//!   (|KL − κ| ≤ 1e-14·κ, or a bracket of relative width 1e-15).
//!
//! Only outcomes with q_i > 0 can carry mass (KL(p ‖ q) = ∞ otherwise).

/// The most evaluations of KL(p_λ ‖ q) the root search may use (it needs about 5).
const MAX_EVALUATIONS: usize = 200;

/// KL(p_λ ‖ q) and Var_{p_λ}(w) for gaps w_i = z_i − min z ≥ 0, writing p_λ into `tilted`.
fn tilted_divergence(nominal: &[f64], gaps: &[f64], lambda: f64, tilted: &mut [f64]) -> (f64, f64) {
    let mut total = 0.0;
    for ((t, &q), &w) in tilted.iter_mut().zip(nominal).zip(gaps) {
        *t = if q > 0.0 {
            q * (-w / lambda).exp()
        } else {
            0.0
        };
        total += *t;
    }
    let log_total = total.ln();
    let (mut divergence, mut mean, mut second) = (0.0, 0.0, 0.0);
    for (t, &w) in tilted.iter_mut().zip(gaps) {
        *t /= total;
        if *t > 0.0 {
            divergence += *t * (-w / lambda - log_total);
            mean += *t * w;
            second += *t * w * w;
        }
    }
    (divergence.max(0.0), (second - mean * mean).max(0.0))
}

/// Writes the worst-case distribution into `worst` and returns the shift (p − q)ᵀz ≤ 0 (exactly 0
/// for radius 0). `gaps` is scratch space.
pub fn worst_case(
    nominal: &[f64],
    values: &[f64],
    radius: f64,
    gaps: &mut Vec<f64>,
    worst: &mut [f64],
) -> f64 {
    worst.copy_from_slice(nominal);
    if radius <= 0.0 || values.is_empty() {
        return 0.0;
    }
    let least = values
        .iter()
        .zip(nominal)
        .filter(|&(_, &q)| q > 0.0)
        .fold(f64::INFINITY, |m, (&z, _)| m.min(z));
    gaps.clear();
    gaps.extend(values.iter().map(|&z| z - least));
    let at_least: f64 = nominal
        .iter()
        .zip(gaps.iter())
        .filter(|&(&q, &w)| q > 0.0 && w == 0.0)
        .map(|(&q, _)| q)
        .sum();
    if -at_least.ln() <= radius {
        for ((p, &q), &w) in worst.iter_mut().zip(nominal).zip(gaps.iter()) {
            *p = if q > 0.0 && w == 0.0 {
                q / at_least
            } else {
                0.0
            };
        }
    } else {
        // KL(p_λ ‖ q) = κ by Newton's method in u = log λ, where dKL/du = −Var_{p_λ}(w)/λ²,
        // safeguarded by the bracket low < λ* ≤ high it narrows (a step that leaves the bracket
        // is replaced by a halving in log λ).
        // The start: KL(p_λ ‖ q) = Var_q(w)/(2λ²) + O(λ⁻³) for large λ, so λ₀ = √(Var_q(w)/(2κ))
        // is close for a small ball (on the benchmark's Garnet(500, 10, 10) at κ = 0.1: 5.2
        // evaluations of KL per row against 7.0 from the largest gap); the bracket keeps any
        // start safe.
        let (mut low, mut high) = (0.0f64, f64::INFINITY);
        let (mean, second) = nominal
            .iter()
            .zip(gaps.iter())
            .fold((0.0, 0.0), |(m, s), (&q, &w)| (m + q * w, s + q * w * w));
        let spread = (second - mean * mean).max(0.0);
        let largest_gap = gaps.iter().fold(0.0f64, |m, &w| m.max(w));
        let second_order = (spread / (2.0 * radius)).sqrt();
        let mut lambda = if second_order.is_finite() && second_order > 0.0 {
            second_order
        } else {
            largest_gap
        };
        for _ in 0..MAX_EVALUATIONS {
            let (divergence, variance) = tilted_divergence(nominal, gaps, lambda, worst);
            let excess = divergence - radius;
            if excess > 0.0 {
                low = lambda;
            } else {
                high = lambda;
            }
            if excess.abs() <= 1e-14 * radius || high <= low * (1.0 + 1e-15) {
                break;
            }
            let newton = lambda * (excess * lambda * lambda / variance).exp();
            lambda = if newton.is_finite() && newton > low && newton < high {
                newton
            } else if high.is_infinite() {
                2.0 * lambda
            } else if low == 0.0 {
                lambda / 2.0
            } else {
                (low * high).sqrt()
            };
        }
    }
    worst
        .iter()
        .zip(nominal)
        .zip(values)
        .map(|((p, q), z)| (p - q) * z)
        .sum()
}

/// KL(p ‖ q) = Σ p_i·log(p_i/q_i) (∞ where p puts mass outside q's support).
pub fn divergence(p: &[f64], q: &[f64]) -> f64 {
    p.iter()
        .zip(q)
        .map(|(&p, &q)| match (p > 0.0, q > 0.0) {
            (false, _) => 0.0,
            (true, true) => p * (p / q).ln(),
            (true, false) => f64::INFINITY,
        })
        .sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn two_outcomes_match_the_closed_form() {
        // Two outcomes, q = (1/2, 1/2), z = (0, 1): p = (t, 1 − t) with
        // KL = t·ln 2t + (1 − t)·ln 2(1 − t) = κ; for κ = ln 2 − H(0.8) (H in nats) the
        // worst case is t = 0.8 and pᵀz = 0.2.
        let entropy = -(0.8f64 * 0.8f64.ln() + 0.2 * 0.2f64.ln());
        let radius = 2f64.ln() - entropy;
        let (q, z) = ([0.5, 0.5], [0.0, 1.0]);
        let mut p = [0.0; 2];
        let shift = worst_case(&q, &z, radius, &mut Vec::new(), &mut p);
        assert!((p[0] - 0.8).abs() < 1e-12, "{p:?}");
        assert!((shift - (0.2 - 0.5)).abs() < 1e-12);
        assert!((divergence(&p, &q) - radius).abs() < 1e-12);
    }

    #[test]
    fn a_large_ball_puts_everything_on_the_least_values() {
        // −ln q(argmin) = −ln 0.25 ≈ 1.386 ≤ 2.
        let (q, z) = ([0.25, 0.5, 0.25], [0.0, 1.0, 2.0]);
        let mut p = [0.0; 3];
        let shift = worst_case(&q, &z, 2.0, &mut Vec::new(), &mut p);
        assert_eq!(p, [1.0, 0.0, 0.0]);
        assert!((shift - (0.0 - 1.0)).abs() < 1e-15);
        assert_eq!(worst_case(&q, &z, 0.0, &mut Vec::new(), &mut p), 0.0);
        assert_eq!(p, q);
    }
}
