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

use std::hint::select_unpredictable;

/// The outcome of least value (lowest index among ties).
pub fn least_value(values: &[f64]) -> usize {
    let (mut best, mut least) = (0, f64::INFINITY);
    for (i, &z) in values.iter().enumerate() {
        // A select, not a branch (see `worst_case`); strict `<` keeps the lowest index.
        let better = z < least;
        least = select_unpredictable(better, z, least);
        best = select_unpredictable(better, i, best);
    }
    best
}

/// Outcome indices other than `skip`, by decreasing value (lower index first among ties), written
/// into `order`. A short row is ordered by counting: each outcome's place is the number of
/// outcomes before it, n² comparisons of integer keys without a branch (an insertion sort
/// mispredicts on random values); a longer one is sorted.
pub fn decreasing_order(values: &[f64], skip: usize, order: &mut Vec<usize>) {
    order.clear();
    let n = values.len();
    if n > SHORT_ROW {
        order.extend((0..n).filter(|&i| i != skip));
        // A total order (ties by index), so an unstable sort gives the same order.
        order.sort_unstable_by_key(|&i| (std::cmp::Reverse(total_order_key(values[i])), i));
        return;
    }
    let mut keys = [i64::MIN; SHORT_ROW];
    for (key, &z) in keys.iter_mut().zip(values) {
        *key = total_order_key(z);
    }
    order.resize(n - usize::from(skip < n), 0);
    for k in (0..n).filter(|&k| k != skip) {
        let mut place = 0;
        for (j, &key) in keys[..n].iter().enumerate() {
            let before = (key > keys[k]) | ((key == keys[k]) & (j < k));
            place += usize::from(before & (j != skip));
        }
        order[place] = k;
    }
}

/// An integer with the order of `f64::total_cmp` on x + 0 (the sign bit flips the other bits of
/// a negative number; adding +0 makes -0 tie with +0, as the comparisons of [`worst_case`] do).
fn total_order_key(x: f64) -> i64 {
    let bits = (x + 0.0).to_bits() as i64;
    bits ^ ((((bits >> 63) as u64) >> 1) as i64)
}

/// Rows of at most this many candidates take the fixed-width path of [`worst_case`].
const SHORT_ROW: usize = 16;

/// Writes the worst-case distribution over the ball of radius `radius` around `nominal` into
/// `worst` and returns the shift (p − q)ᵀz ≤ 0 (exactly 0 for radius 0).
///
/// The outcomes give mass in decreasing order of value (lower index first among ties), the order
/// of [`decreasing_order`], until ε is moved; the budget usually runs out after a few, so the row
/// is not sorted. On a short row each take finds the largest remaining value by a pairwise
/// maximum over a fixed-width copy of the row (independent comparisons instead of one chain
/// through the row) and its lowest index from a bit mask of the equal entries; a longer row
/// (`support = "all"` on a large world) is scanned once per take. Both make the same
/// subtractions in the same order, so they give the same bits.
pub fn worst_case(nominal: &[f64], values: &[f64], radius: f64, worst: &mut [f64]) -> f64 {
    let n = values.len().min(nominal.len()).min(worst.len());
    worst.copy_from_slice(nominal);
    if radius <= 0.0 || n == 0 {
        return 0.0;
    }
    let (values, nominal) = (&values[..n], &nominal[..n]);
    let target = least_value(values);
    let moved = (radius / 2.0).min(1.0 - nominal[target]).max(0.0);
    if moved == 0.0 {
        return 0.0;
    }
    if n > SHORT_ROW {
        return take_largest_first(values, target, moved, worst);
    }
    // The values outcomes can still give mass from; -inf for the target, the outcomes of zero
    // mass, the ones already emptied and the padding.
    let mut open = [f64::NEG_INFINITY; SHORT_ROW];
    for (i, ((slot, &z), &q)) in open.iter_mut().zip(values).zip(nominal).enumerate() {
        *slot = select_unpredictable((q > 0.0) & (i != target), z, f64::NEG_INFINITY);
    }
    let least = values[target];
    let mut remaining = moved;
    let mut shift = 0.0;
    while remaining > 0.0 {
        let best = pairwise_max(&open);
        let mut equal = 0u32;
        for (i, &z) in open.iter().enumerate() {
            equal |= u32::from(z == best) << i;
        }
        // No open outcome is left (or the values are NaN): nothing more to take.
        if best == f64::NEG_INFINITY || equal == 0 {
            break;
        }
        let j = equal.trailing_zeros() as usize;
        open[j] = f64::NEG_INFINITY;
        let take = worst[j].min(remaining);
        worst[j] -= take;
        remaining -= take;
        shift -= take * (values[j] - least);
    }
    // Rounding (or a nominal row summing to 1 only within tolerance) can leave a little to move:
    // only what was taken goes to the target.
    worst[target] += moved - remaining;
    shift
}

/// The largest of a short row by a tree of comparisons (depth 4 rather than a chain of 16).
fn pairwise_max(row: &[f64; SHORT_ROW]) -> f64 {
    let larger = |a: f64, b: f64| select_unpredictable(a > b, a, b);
    let mut half = [0.0; SHORT_ROW / 2];
    for (m, slot) in half.iter_mut().enumerate() {
        *slot = larger(row[m], row[m + SHORT_ROW / 2]);
    }
    let quarter: [f64; 4] = std::array::from_fn(|m| larger(half[m], half[m + 4]));
    larger(
        larger(quarter[0], quarter[2]),
        larger(quarter[1], quarter[3]),
    )
}

/// [`worst_case`] on a long row: the outcomes to take mass from are selected one at a time by a
/// scan for the largest value with mass left (strict `>` keeps the lowest index among ties).
fn take_largest_first(values: &[f64], target: usize, moved: f64, worst: &mut [f64]) -> f64 {
    let mut remaining = moved;
    let mut shift = 0.0;
    while remaining > 0.0 {
        let (mut j, mut best) = (usize::MAX, f64::NEG_INFINITY);
        for (i, &z) in values.iter().enumerate() {
            let eligible = (i != target) & (worst[i] > 0.0);
            let candidate = select_unpredictable(eligible, z, f64::NEG_INFINITY);
            let better = candidate > best;
            best = select_unpredictable(better, candidate, best);
            j = select_unpredictable(better, i, j);
        }
        if j == usize::MAX {
            break;
        }
        let take = worst[j].min(remaining);
        worst[j] -= take;
        remaining -= take;
        shift -= take * (values[j] - values[target]);
    }
    worst[target] += moved - remaining;
    shift
}

/// [`worst_case`] for a row whose [`decreasing_order`] is already known (the s-rectangular
/// update sorted it for its [`segments`]): the same takes in the same order, the same bits.
pub fn worst_case_in_order(
    nominal: &[f64],
    values: &[f64],
    order: &[usize],
    radius: f64,
    worst: &mut [f64],
) -> f64 {
    worst.copy_from_slice(nominal);
    if radius <= 0.0 || values.is_empty() {
        return 0.0;
    }
    let target = least_value(values);
    let moved = (radius / 2.0).min(1.0 - nominal[target]).max(0.0);
    let mut remaining = moved;
    let mut shift = 0.0;
    for &j in order {
        if remaining <= 0.0 {
            break;
        }
        if worst[j] > 0.0 {
            let take = worst[j].min(remaining);
            worst[j] -= take;
            remaining -= take;
            shift -= take * (values[j] - values[target]);
        }
    }
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
    fn the_short_row_path_the_scan_and_the_sorted_order_agree_bit_for_bit() {
        // Random rows, short and long, values drawn from a few integers so that ties are common
        // (ties go to the lower index on every path), zero-probability outcomes included, radii
        // up to 2.
        use rand::{RngExt, SeedableRng};
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(11);
        for _ in 0..5000 {
            let n = rng.random_range(1..=2 * SHORT_ROW);
            let mut q: Vec<f64> = (0..n)
                .map(|_| {
                    if rng.random_bool(0.2) {
                        0.0
                    } else {
                        rng.random::<f64>()
                    }
                })
                .collect();
            let total: f64 = q.iter().sum();
            if total == 0.0 {
                q[0] = 1.0;
            } else {
                q.iter_mut().for_each(|x| *x /= total);
            }
            // Signed zeros too: they tie, as in every path.
            let z: Vec<f64> = (0..n)
                .map(|_| rng.random_range(-1..4) as f64)
                .map(|x| if x < 0.0 { -0.0 } else { x })
                .collect();
            let radius = rng.random_range(0.0..2.0);
            let (mut fast, mut slow) = (vec![0.0; n], vec![0.0; n]);
            let shift = worst_case(&q, &z, radius, &mut fast);
            let target = least_value(&z);
            let moved = (radius / 2.0).min(1.0 - q[target]).max(0.0);
            slow.copy_from_slice(&q);
            let reference = if moved > 0.0 {
                take_largest_first(&z, target, moved, &mut slow)
            } else {
                0.0
            };
            // The same subtractions in the same order: the same bits.
            assert_eq!(shift.to_bits(), reference.to_bits(), "{q:?} {z:?} {radius}");
            assert_eq!(fast, slow, "{q:?} {z:?} {radius}");
            let mut order = Vec::new();
            decreasing_order(&z, target, &mut order);
            let mut sorted: Vec<usize> = (0..n).filter(|&i| i != target).collect();
            sorted.sort_by(|&i, &j| z[j].partial_cmp(&z[i]).unwrap().then(i.cmp(&j)));
            assert_eq!(order, sorted, "{z:?}");
            let in_order = worst_case_in_order(&q, &z, &order, radius, &mut slow);
            assert_eq!(shift.to_bits(), in_order.to_bits(), "{q:?} {z:?} {radius}");
            assert_eq!(fast, slow, "{q:?} {z:?} {radius}");
        }
    }

    #[test]
    fn the_integer_keys_order_as_total_cmp_with_signed_zeros_tied() {
        let xs = [
            f64::NEG_INFINITY,
            -3.5,
            -f64::MIN_POSITIVE,
            -0.0,
            0.0,
            f64::MIN_POSITIVE,
            1.0,
            f64::MAX,
            f64::INFINITY,
        ];
        for &a in &xs {
            for &b in &xs {
                assert_eq!(
                    total_order_key(a).cmp(&total_order_key(b)),
                    a.partial_cmp(&b).unwrap(),
                    "{a} {b}"
                );
            }
        }
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
