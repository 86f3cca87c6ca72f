//! Nature's worst case over an L1 ball: min { pᵀz : p ∈ Δ, ‖p − q‖₁ ≤ κ }.
//!
//! The minimizer moves mass ε = min(κ/2, 1 − q_{i*}) onto the outcome i* of least value and takes
//! the same ε from the outcomes of largest value, largest first (Iyengar 2005, §6; Nilim &
//! El Ghaoui 2005; Ho, Petrik & Wiesemann 2018, Algorithm 1 for the unweighted ball). As a
//! function of the radius the worst value is convex and piecewise linear: taking the outcomes in
//! decreasing order of z_j (j ≠ i*), a radius segment of length 2·q_j lowers pᵀz at the rate
//! (z_j − z_{i*})/2 per unit of radius ([`segments`]); the s-rectangular update
//! ([`super::s_rectangular_l1`]) shares one budget among actions along these segments.
//!
//! Ties are broken by the lower outcome index, so the worst case is a deterministic function of
//! (q, z, κ).

/// The outcome of least value (lowest index among ties).
pub fn least_value(values: &[f64]) -> usize {
    let mut best = 0;
    for (i, &z) in values.iter().enumerate() {
        if z < values[best] {
            best = i;
        }
    }
    best
}

/// Outcome indices other than `skip`, by decreasing value (lower index first among ties), written
/// into `order`.
pub fn decreasing_order(values: &[f64], skip: usize, order: &mut Vec<usize>) {
    order.clear();
    order.extend((0..values.len()).filter(|&i| i != skip));
    order.sort_by(|&i, &j| values[j].total_cmp(&values[i]).then(i.cmp(&j)));
}

/// Writes the worst-case distribution over the ball of radius `radius` around `nominal` into
/// `worst` and returns the shift (p − q)ᵀz ≤ 0 (exactly 0 for radius 0). The outcomes to take
/// mass from are selected one at a time, largest value first (lower index among ties) — the
/// order of [`decreasing_order`] without sorting the row, since the budget usually runs out after
/// a few.
pub fn worst_case(nominal: &[f64], values: &[f64], radius: f64, worst: &mut [f64]) -> f64 {
    worst.copy_from_slice(nominal);
    if radius <= 0.0 || values.is_empty() {
        return 0.0;
    }
    let target = least_value(values);
    let moved = (radius / 2.0).min(1.0 - nominal[target]).max(0.0);
    if moved == 0.0 {
        return 0.0;
    }
    let mut remaining = moved;
    let mut shift = 0.0;
    let n = values.len().min(worst.len());
    while remaining > 0.0 {
        // The largest value with mass left (strict `>` keeps the lowest index among ties).
        // Written with selects rather than branches: on a row's random values a branch per
        // outcome is mispredicted about half the time.
        let (mut j, mut best) = (usize::MAX, f64::NEG_INFINITY);
        for i in 0..n {
            let eligible = (i != target) & (worst[i] > 0.0);
            let candidate = if eligible {
                values[i]
            } else {
                f64::NEG_INFINITY
            };
            let better = candidate > best;
            best = if better { candidate } else { best };
            j = if better { i } else { j };
        }
        if j == usize::MAX {
            break;
        }
        let take = worst[j].min(remaining);
        worst[j] -= take;
        remaining -= take;
        shift -= take * (values[j] - values[target]);
    }
    // Rounding (or a nominal row summing to 1 only within tolerance) can leave a little to move:
    // only what was taken goes to the target.
    worst[target] += moved - remaining;
    shift
}

/// One piece of the piecewise-linear worst value as a function of the radius: `length` units of
/// radius, each lowering the worst value by `rate`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Segment {
    pub length: f64,
    pub rate: f64,
}

/// The segments of κ ↦ min over the ball of radius κ, steepest first (rates decrease, so the
/// function is convex): one per outcome j ≠ i* with q_j > 0 and z_j > z_{i*}.
pub fn segments(nominal: &[f64], values: &[f64], order: &mut Vec<usize>, out: &mut Vec<Segment>) {
    out.clear();
    if values.is_empty() {
        return;
    }
    let target = least_value(values);
    decreasing_order(values, target, order);
    for &j in order.iter() {
        let rate = (values[j] - values[target]) / 2.0;
        if nominal[j] > 0.0 && rate > 0.0 {
            out.push(Segment {
                length: 2.0 * nominal[j],
                rate,
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn moves_half_the_radius_from_the_best_outcomes_to_the_worst() {
        // q = (0.2, 0.3, 0.5), z = (1, 0, 2), κ = 0.6: move 0.3 onto outcome 1 (z = 0), taken from
        // outcome 2 (z = 2): p = (0.2, 0.6, 0.2), pᵀz = 0.6 against qᵀz = 1.2.
        let (q, z) = ([0.2, 0.3, 0.5], [1.0, 0.0, 2.0]);
        let mut p = [0.0; 3];
        let shift = worst_case(&q, &z, 0.6, &mut p);
        assert!((shift - (-0.6)).abs() < 1e-15);
        for (got, want) in p.iter().zip([0.2, 0.6, 0.2]) {
            assert!((got - want).abs() < 1e-15);
        }
        // κ = 1.4: 0.5 from outcome 2, then 0.2 from outcome 0.
        let shift = worst_case(&q, &z, 1.4, &mut p);
        assert!((shift - (-(0.5 * 2.0 + 0.2 * 1.0))).abs() < 1e-15);
        for (got, want) in p.iter().zip([0.0, 1.0, 0.0]) {
            assert!((got - want).abs() < 1e-15, "{p:?}");
        }
        // Any larger radius cannot do better than all mass on the worst outcome.
        assert_eq!(worst_case(&q, &z, 5.0, &mut p), shift);
    }

    #[test]
    fn radius_zero_is_the_nominal_row_exactly() {
        let (q, z) = ([0.25, 0.75], [3.0, -1.0]);
        let mut p = [0.0; 2];
        assert_eq!(worst_case(&q, &z, 0.0, &mut p), 0.0);
        assert_eq!(p, q);
    }

    #[test]
    fn segments_integrate_to_the_worst_case() {
        let (q, z) = ([0.1, 0.4, 0.2, 0.3], [0.5, 2.0, -1.0, 1.0]);
        let mut segs = Vec::new();
        segments(&q, &z, &mut Vec::new(), &mut segs);
        assert!(segs.windows(2).all(|w| w[0].rate >= w[1].rate));
        for radius in [0.1, 0.5, 0.9, 1.3, 1.7, 2.5] {
            let mut left = radius;
            let mut along = 0.0;
            for s in &segs {
                let used = s.length.min(left);
                along -= used * s.rate;
                left -= used;
            }
            let mut p = [0.0; 4];
            let shift = worst_case(&q, &z, radius, &mut p);
            assert!(
                (shift - along).abs() < 1e-14,
                "radius {radius}: {shift} vs {along}"
            );
        }
    }
}
