//! Nature's worst case over an R-contamination set: p = (1 − R)·q + R·p′ for any distribution p′
//! over the reachable outcomes (Wang & Zou 2021, "Online robust reinforcement learning with model
//! uncertainty", §3). The worst p′ puts everything on the outcome of least value, so
//!
//! min pᵀz = (1 − R)·qᵀz + R·min_i z_i,
//!
//! and the robust Bellman operator is the nominal one with R of the continuation replaced by the
//! worst reachable state's value.

use super::l1_ball::least_value;

/// Writes the worst-case distribution into `worst` and returns the shift (p − q)ᵀz ≤ 0 (exactly 0
/// for R = 0).
pub fn worst_case(nominal: &[f64], values: &[f64], level: f64, worst: &mut [f64]) -> f64 {
    worst.copy_from_slice(nominal);
    if level <= 0.0 || values.is_empty() {
        return 0.0;
    }
    let target = least_value(values);
    let mut shift = 0.0;
    for (i, (p, &z)) in worst.iter_mut().zip(values).enumerate() {
        let moved = level * *p;
        *p -= moved;
        if i != target {
            shift -= moved * (z - values[target]);
        }
    }
    worst[target] += level;
    shift
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mixes_the_nominal_row_with_the_worst_outcome() {
        let (q, z) = ([0.2, 0.3, 0.5], [1.0, 0.0, 2.0]);
        let mut p = [0.0; 3];
        let shift = worst_case(&q, &z, 0.4, &mut p);
        for (got, want) in p.iter().zip([0.12, 0.58, 0.3]) {
            assert!((got - want).abs() < 1e-15, "{p:?}");
        }
        // (1 − R)·qᵀz + R·min z − qᵀz = −R·qᵀz + R·0.
        assert!((shift - (-0.4 * 1.2)).abs() < 1e-15);
    }
}
