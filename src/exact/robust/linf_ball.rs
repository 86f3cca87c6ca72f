//! Nature's worst case over an L∞ ball: min { pᵀz : p ∈ Δ, |p_i − q_i| ≤ κ for every i }.
//!
//! The set is the simplex cut by the box l_i = max(0, q_i − κ) ≤ p_i ≤ u_i = min(1, q_i + κ), so the
//! problem is a fractional knapsack: start from p = l and spend the remaining 1 − Σ l on the
//! outcomes of least value first, each up to its upper bound (the greedy is exact for a linear
//! objective over a box intersected with one equality; Nilim & El Ghaoui 2005, §5 treat the
//! interval sets this way). q itself is in the set, so Σ u ≥ 1 and the budget is always spent.

/// Outcome indices by increasing value (lower index first among ties), written into `order`.
pub fn increasing_order(values: &[f64], order: &mut Vec<usize>) {
    order.clear();
    order.extend(0..values.len());
    order.sort_by(|&i, &j| values[i].total_cmp(&values[j]).then(i.cmp(&j)));
}

/// Writes the worst-case distribution into `worst` and returns the shift (p − q)ᵀz ≤ 0 (exactly 0
/// for radius 0). `order` is scratch space.
pub fn worst_case(
    nominal: &[f64],
    values: &[f64],
    radius: f64,
    order: &mut Vec<usize>,
    worst: &mut [f64],
) -> f64 {
    worst.copy_from_slice(nominal);
    if radius <= 0.0 || values.is_empty() {
        return 0.0;
    }
    let mut budget = 1.0;
    for (p, &q) in worst.iter_mut().zip(nominal) {
        *p = (q - radius).max(0.0);
        budget -= *p;
    }
    increasing_order(values, order);
    for &i in order.iter() {
        if budget <= 0.0 {
            break;
        }
        let upper = (nominal[i] + radius).min(1.0);
        let add = (upper - worst[i]).min(budget);
        worst[i] += add;
        budget -= add;
    }
    worst
        .iter()
        .zip(nominal)
        .zip(values)
        .map(|((p, q), z)| (p - q) * z)
        .sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fills_the_cheapest_outcomes_up_to_their_bounds() {
        // q = (0.2, 0.3, 0.5), z = (1, 0, 2), κ = 0.25: l = (0, 0.05, 0.25), budget 0.7:
        // outcome 1 up to 0.55 (+0.5), outcome 0 up to 0.2 (+0.2): p = (0.2, 0.55, 0.25).
        let (q, z) = ([0.2, 0.3, 0.5], [1.0, 0.0, 2.0]);
        let mut p = [0.0; 3];
        let shift = worst_case(&q, &z, 0.25, &mut Vec::new(), &mut p);
        for (got, want) in p.iter().zip([0.2, 0.55, 0.25]) {
            assert!((got - want).abs() < 1e-15, "{p:?}");
        }
        let want = (0.2 * 1.0 + 0.25 * 2.0) - (0.2 * 1.0 + 0.5 * 2.0);
        assert!((shift - want).abs() < 1e-15);
        assert_eq!(worst_case(&q, &z, 0.0, &mut Vec::new(), &mut p), 0.0);
        assert_eq!(p, q);
    }
}
