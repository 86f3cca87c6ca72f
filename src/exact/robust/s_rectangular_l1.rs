//! The s-rectangular L1 update: nature shares one budget κ_s among the actions of a state,
//! Σ_a ‖p_a − q_a‖₁ ≤ κ_s (Wiesemann, Kuhn & Rustem 2013; Ho, Petrik & Wiesemann 2018, §4).
//!
//! With g_a(ξ) = Q_a + min { (p − q_a)ᵀz_a : ‖p − q_a‖₁ ≤ ξ } — the nominal Q-value lowered by the
//! worst case of a ball of radius ξ, convex, decreasing and piecewise linear in ξ
//! ([`super::l1_ball::segments`]) — both robust updates of a state reduce to sharing the budget:
//!
//! - **a fixed policy π** ([`evaluate`]): nature minimizes Σ_a π_a·g_a(ξ_a) over Σ_a ξ_a ≤ κ_s, a
//!   fractional knapsack over all actions' segments with rates π_a·rate: the steepest are filled
//!   first until the budget is spent;
//! - **the optimal update** ([`optimize`]): max_π min_ξ Σ_a π_a·g_a(ξ_a) = min_ξ max_a g_a(ξ_a)
//!   (a saddle point: linear in π, convex in ξ). The value is the least level u that nature can
//!   bring every action down to within the budget, Σ_a ξ_a(u) ≤ κ_s with ξ_a(u) the radius where
//!   g_a reaches u (Ho, Petrik & Wiesemann 2018, Algorithm 2 searches u by bisection; here the
//!   search runs over the breakpoints of the piecewise-linear Σ_a ξ_a(u) and ends with one exact
//!   linear solve). The optimal policy is in general **randomized**: with the budget binding,
//!   nature's threshold μ > 0 equalizes π_a·rate_a = μ on the segment each active action's ξ_a
//!   ends in, so π_a ∝ 1/rate_a (at a breakpoint the left segment's rate is used, which satisfies
//!   the same saddle-point conditions). With the budget to spare nature drives every action to
//!   its floor and the agent takes the action of highest floor.

use super::l1_ball::{Segment, segments, worst_case_in_order};

/// Scratch space reused across states.
#[derive(Debug, Default)]
pub struct Scratch {
    /// Each action's outcomes by decreasing value (the order its segments were built in).
    orders: Vec<Vec<usize>>,
    segments: Vec<Vec<Segment>>,
    merged: Vec<(f64, usize, f64)>,
    breakpoints: Vec<f64>,
}

/// One action of a state: its nominal Q-value and its candidate outcomes' nominal probabilities
/// and values z (reward + γ·V(next)).
#[derive(Debug, Clone, Copy)]
pub struct ActionRow<'a> {
    pub q_value: f64,
    pub nominal: &'a [f64],
    pub values: &'a [f64],
}

fn fill_segments(rows: &[ActionRow<'_>], scratch: &mut Scratch) {
    scratch.segments.resize_with(rows.len(), Vec::new);
    scratch.orders.resize_with(rows.len(), Vec::new);
    for ((row, out), order) in rows
        .iter()
        .zip(scratch.segments.iter_mut())
        .zip(scratch.orders.iter_mut())
    {
        segments(row.nominal, row.values, order, out);
    }
}

/// Nature's distribution for action `a` of the state [`evaluate`] or [`optimize`] last solved,
/// at the radius ξ_a it chose: written into `worst`, the shift (p − q)ᵀz returned
/// ([`super::l1_ball::worst_case`], reusing the order the update sorted).
pub fn worst_case(
    rows: &[ActionRow<'_>],
    scratch: &Scratch,
    a: usize,
    radius: f64,
    worst: &mut [f64],
) -> f64 {
    let row = &rows[a];
    worst_case_in_order(row.nominal, row.values, &scratch.orders[a], radius, worst)
}

/// Nature's allocation against a fixed policy: writes ξ_a into `radii` and returns the state's
/// robust value Σ_a π_a·g_a(ξ_a).
pub fn evaluate(
    rows: &[ActionRow<'_>],
    policy: &[f64],
    budget: f64,
    scratch: &mut Scratch,
    radii: &mut [f64],
) -> f64 {
    fill_segments(rows, scratch);
    radii.iter_mut().for_each(|r| *r = 0.0);
    scratch.merged.clear();
    for (a, segs) in scratch.segments.iter().enumerate() {
        if policy[a] > 0.0 {
            scratch
                .merged
                .extend(segs.iter().map(|s| (policy[a] * s.rate, a, s.length)));
        }
    }
    // Steepest first; ties by action, and within an action the segments keep their order.
    scratch
        .merged
        .sort_by(|x, y| y.0.total_cmp(&x.0).then(x.1.cmp(&y.1)));
    let mut left = budget;
    let mut value: f64 = rows.iter().zip(policy).map(|(r, &p)| p * r.q_value).sum();
    for &(rate, a, length) in &scratch.merged {
        if left <= 0.0 {
            break;
        }
        let used = length.min(left);
        radii[a] += used;
        value -= used * rate;
        left -= used;
    }
    value
}

/// ξ_a(u): the least radius at which g_a falls to `level` (∞ below its floor).
fn radius_to_reach(q_value: f64, segs: &[Segment], level: f64) -> f64 {
    let mut drop = q_value - level;
    if drop <= 0.0 {
        return 0.0;
    }
    let mut radius = 0.0;
    for s in segs {
        let fall = s.length * s.rate;
        if fall >= drop {
            return radius + drop / s.rate;
        }
        radius += s.length;
        drop -= fall;
    }
    // At the floor itself the falls may sum to a hair less than the drop: rounding, not a level
    // out of reach.
    if drop <= 1e-12 * level.abs().max(1.0) {
        radius
    } else {
        f64::INFINITY
    }
}

fn total_radius(rows: &[ActionRow<'_>], segs: &[Vec<Segment>], level: f64) -> f64 {
    rows.iter()
        .zip(segs)
        .map(|(r, s)| radius_to_reach(r.q_value, s, level))
        .sum()
}

/// The optimal s-rectangular update of one state: returns the robust value u* and writes the
/// optimal (possibly randomized) policy into `policy` and nature's ξ_a into `radii`.
pub fn optimize(
    rows: &[ActionRow<'_>],
    budget: f64,
    scratch: &mut Scratch,
    policy: &mut [f64],
    radii: &mut [f64],
) -> f64 {
    fill_segments(rows, scratch);
    let segs = &scratch.segments;
    let floor_of = |a: usize| -> f64 {
        rows[a].q_value - segs[a].iter().map(|s| s.length * s.rate).sum::<f64>()
    };
    let floor = (0..rows.len())
        .map(floor_of)
        .fold(f64::NEG_INFINITY, f64::max);
    policy.iter_mut().for_each(|p| *p = 0.0);
    let level = if total_radius(rows, segs, floor) <= budget {
        // Budget to spare: every action is driven to its floor; take the highest floor.
        let best = (0..rows.len()).find(|&a| floor_of(a) >= floor).unwrap_or(0);
        policy[best] = 1.0;
        floor
    } else {
        let points = &mut scratch.breakpoints;
        points.clear();
        points.push(floor);
        for (row, segs) in rows.iter().zip(segs) {
            let mut g = row.q_value;
            points.push(g);
            for s in segs {
                g -= s.length * s.rate;
                points.push(g);
            }
        }
        points.retain(|&u| u >= floor);
        points.sort_by(f64::total_cmp);
        points.dedup();
        // need(points[lo]) > budget >= need(points[hi]); need is linear in between.
        let (mut lo, mut hi) = (0, points.len() - 1);
        while hi - lo > 1 {
            let mid = (lo + hi) / 2;
            if total_radius(rows, segs, points[mid]) > budget {
                lo = mid;
            } else {
                hi = mid;
            }
        }
        let (need_lo, need_hi) = (
            total_radius(rows, segs, points[lo]),
            total_radius(rows, segs, points[hi]),
        );
        let level = if need_lo.is_finite() && need_lo > need_hi {
            points[lo] + (need_lo - budget) / (need_lo - need_hi) * (points[hi] - points[lo])
        } else {
            points[hi]
        };
        // π_a ∝ 1/rate of the segment ξ_a(u*) ends in, over the actions at the level.
        let tolerance = 1e-12 * level.abs().max(1.0);
        for (a, (row, segs)) in rows.iter().zip(segs).enumerate() {
            let mut drop = row.q_value - level;
            if drop <= tolerance {
                continue;
            }
            for s in segs {
                let fall = s.length * s.rate;
                if fall >= drop - tolerance {
                    policy[a] = 1.0 / s.rate;
                    break;
                }
                drop -= fall;
            }
        }
        let total: f64 = policy.iter().sum();
        if total > 0.0 {
            policy.iter_mut().for_each(|p| *p /= total);
        } else {
            // Only reachable through rounding at a breakpoint: the highest Q-value is optimal.
            let best = (0..rows.len()).fold(0, |b, a| {
                if rows[a].q_value > rows[b].q_value {
                    a
                } else {
                    b
                }
            });
            policy[best] = 1.0;
        }
        level
    };
    for (a, (row, segs)) in rows.iter().zip(segs).enumerate() {
        radii[a] = radius_to_reach(row.q_value, segs, level).min(budget);
    }
    level
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Two actions, two outcomes each, z = (0, 1) for both: g_a(ξ) = Q_a − ξ/2 until the mass on
    /// the good outcome is gone.
    fn two_actions<'a>(q: [f64; 2], nominal: &'a [[f64; 2]; 2]) -> [ActionRow<'a>; 2] {
        const VALUES: [f64; 2] = [0.0, 1.0];
        [
            ActionRow {
                q_value: q[0],
                nominal: &nominal[0],
                values: &VALUES,
            },
            ActionRow {
                q_value: q[1],
                nominal: &nominal[1],
                values: &VALUES,
            },
        ]
    }

    #[test]
    fn equal_actions_split_the_budget_and_randomize() {
        // Q = (1, 1), each can fall by ξ/2 up to 0.5·... mass 0.8 on the good outcome: the
        // optimum spends κ = 0.4 as ξ = (0.2, 0.2): u* = 1 − 0.1 = 0.9 with π = (1/2, 1/2),
        // while either deterministic policy gets 1 − 0.2 = 0.8.
        let nominal = [[0.2, 0.8], [0.2, 0.8]];
        let rows = two_actions([1.0, 1.0], &nominal);
        let mut scratch = Scratch::default();
        let (mut policy, mut radii) = ([0.0; 2], [0.0; 2]);
        let value = optimize(&rows, 0.4, &mut scratch, &mut policy, &mut radii);
        assert!((value - 0.9).abs() < 1e-15, "{value}");
        assert_eq!(policy, [0.5, 0.5]);
        for r in radii {
            assert!((r - 0.2).abs() < 1e-15, "{radii:?}");
        }
        let deterministic = evaluate(&rows, &[1.0, 0.0], 0.4, &mut scratch, &mut radii);
        assert!((deterministic - 0.8).abs() < 1e-15);
        let mixed = evaluate(&rows, &policy, 0.4, &mut scratch, &mut radii);
        assert!((mixed - value).abs() < 1e-15);
    }

    #[test]
    fn a_large_budget_leaves_the_highest_floor() {
        // Floors: action 0: 1 − 0.8·1 = 0.2; action 1: 0.5 − 0.1 = 0.4.
        let nominal = [[0.2, 0.8], [0.9, 0.1]];
        let rows = two_actions([1.0, 0.5], &nominal);
        let (mut policy, mut radii) = ([0.0; 2], [0.0; 2]);
        let value = optimize(
            &rows,
            10.0,
            &mut Scratch::default(),
            &mut policy,
            &mut radii,
        );
        assert!((value - 0.4).abs() < 1e-15);
        assert_eq!(policy, [0.0, 1.0]);
    }
}
