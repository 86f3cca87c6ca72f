//! One property table that every per-sample objective of `policylab::objective` passes, plus
//! BAPO's bound adaptation. The batch-level selections (Clip-Cov, KL-Cov) are tested beside their
//! code, in `src/objective/{clip_cov,kl_cov}.rs`.
//!
//! Each row states, independently of the implementation, what the objective's paper says: its
//! value at r = 1, its flat (clipped) region, its kinks and its maximizer where it has one.
//! Exceptions to the generic properties are written in the row that has them.

use policylab::objective::bapo::{BapoSchedule, ContributionMeasure};
use policylab::objective::{Objective, objective_from_name, objective_names};

struct Row {
    name: &'static str,
    /// J(1, A). PG-like objectives: A. SAPO: (4/τ)·σ(0)·A = 2A/τ with τ = 1 (A > 0) or 1.05.
    value_at_one: fn(f64) -> f64,
    /// Where ∂J/∂r = 0 exactly and `clipped` is set (A ≠ 0).
    flat: fn(f64, f64) -> bool,
    /// The ratios where J has a kink (finite differences skip them).
    kinks: &'static [f64],
    /// The unique maximizer r* and J(r*) for an advantage, where the objective has one.
    maximizer: Option<fn(f64) -> (f64, f64)>,
    /// Whether J may be −∞ at r = 1e300 because the exact value is below −f64::MAX.
    overflows_at_huge_ratio: bool,
}

fn ppo_flat(r: f64, a: f64, low: f64, high: f64) -> bool {
    (a > 0.0 && r > 1.0 + high) || (a < 0.0 && r < 1.0 - low)
}

/// A row with J(1, A) = A, no maximizer and finite values everywhere.
fn row(name: &'static str, flat: fn(f64, f64) -> bool, kinks: &'static [f64]) -> Row {
    Row {
        name,
        value_at_one: |a| a,
        flat,
        kinks,
        maximizer: None,
        overflows_at_huge_ratio: false,
    }
}

fn table() -> Vec<Row> {
    let never = |_, _| false;
    vec![
        // Schulman et al. 2017, Eq. (6): J = r·A, never flat.
        row("pg", never, &[]),
        // Schulman et al. 2017, Eq. (7), ε = 0.2.
        row("ppo-clip", |r, a| ppo_flat(r, a, 0.2, 0.2), &[0.8, 1.2]),
        // Yu et al. 2025 (DAPO), ε_low = 0.2 and ε_high = 0.28: asymmetric.
        row(
            "clip-higher",
            |r, a| ppo_flat(r, a, 0.2, 0.28),
            &[0.8, 1.28],
        ),
        // Ye et al. 2020: PPO-clip plus the floor 3·A for A < 0, flat beyond r = 3.
        row(
            "dual-clip",
            |r, a| ppo_flat(r, a, 0.2, 0.2) || (a < 0.0 && r > 3.0),
            &[0.8, 1.2, 3.0],
        ),
        // Xie et al. 2025 (SPO): concave quadratic, r* = 1 + sign(A)·ε, J(r*) = A + ε|A|/2 with
        // ε = 0.2. Exception: J = r·A − |A|(r−1)²/(2ε) ≈ −2.5·|A|·10⁶⁰⁰ at r = 1e300 is −∞.
        Row {
            maximizer: Some(|a| (1.0 + 0.2 * a.signum(), a + 0.1 * a.abs())),
            overflows_at_huge_ratio: true,
            ..row("spo", never, &[])
        },
        // Gao et al. 2025 (SAPO): exception at r = 1, J = 2A/τ (τ = 1 for A > 0, else 1.05);
        // the slope there, A, matches PG. Never flat; the slope underflows to 0 only far in the
        // tails, outside the grid below.
        Row {
            value_at_one: |a| 2.0 * a / if a > 0.0 { 1.0 } else { 1.05 },
            ..row("sapo", never, &[])
        },
        // Zheng et al. 2025 (GSPO): the clip on the sequence ratio s, ε = 3e-4 / 4e-4.
        row(
            "gspo",
            |r, a| ppo_flat(r, a, 3e-4, 4e-4),
            &[1.0 - 3e-4, 1.0 + 4e-4],
        ),
        // Schulman et al. 2015 (TRPO): the per-sample surrogate is r·A.
        row("trpo", never, &[]),
        // Xi et al. 2025 (BAPO): start bounds [0.6, 1.2] plus the recipe's dual clip 3.
        row(
            "bapo-bounds",
            |r, a| (a > 0.0 && r > 1.2) || (a < 0.0 && !(0.6..=3.0).contains(&r)),
            &[0.6, 1.2, 3.0],
        ),
    ]
}

const ADVANTAGES: [f64; 5] = [-1e6, -1.0, 0.0, 1.0, 1e6];
const MODERATE: [f64; 7] = [-3.5, -1.0, -0.25, 0.25, 1.0, 2.0, 7.0];
const EXTREME_RATIOS: [f64; 4] = [1e-300, 1e-12, 1e12, 1e300];

/// Ratios from 0.01 to 10, denser near 1 (and through GSPO's narrow band).
fn ratio_grid() -> Vec<f64> {
    let mut grid: Vec<f64> = (0..=120)
        .map(|k| 10f64.powf(-2.0 + k as f64 / 40.0))
        .collect();
    grid.extend((-20..=20).map(|k| 1.0 + 5e-5 * k as f64));
    grid.extend([0.7, 0.85, 0.95, 1.1, 1.25, 1.3, 2.5, 3.5]);
    grid
}

fn build(name: &str) -> Box<dyn Objective> {
    objective_from_name(name, &[]).unwrap_or_else(|e| panic!("{name}: {e}"))
}

fn close(x: f64, y: f64, tol: f64) -> bool {
    (x - y).abs() <= tol * (1.0 + x.abs().max(y.abs()))
}

#[test]
fn the_table_covers_every_registered_objective() {
    let names: Vec<&str> = table().iter().map(|r| r.name).collect();
    assert_eq!(names, objective_names());
}

#[test]
fn value_and_slope_at_ratio_one() {
    for row in table() {
        let o = build(row.name);
        for a in ADVANTAGES.into_iter().chain(MODERATE) {
            let s = o.surrogate(1.0, a);
            assert!(
                close(s.value, (row.value_at_one)(a), 1e-14),
                "{} A = {a}: J(1) = {}",
                row.name,
                s.value
            );
            // Every objective here has ∂J/∂r = A at r = 1 (SAPO: A·sech²(0) = A).
            assert!(
                close(s.slope, a, 1e-14),
                "{} A = {a}: slope {}",
                row.name,
                s.slope
            );
            assert!(!s.clipped);
        }
    }
}

#[test]
fn slope_is_the_central_difference_of_the_value_away_from_kinks() {
    for row in table() {
        let o = build(row.name);
        for a in MODERATE.into_iter().chain([-1e6, 1e6]) {
            for r in ratio_grid() {
                let h = 1e-7 * r.max(1e-2);
                if row.kinks.iter().any(|k| (r - k).abs() < 4.0 * h) {
                    continue;
                }
                let fd = (o.surrogate(r + h, a).value - o.surrogate(r - h, a).value) / (2.0 * h);
                let slope = o.surrogate(r, a).slope;
                let tol = 1e-6 * (1.0 + a.abs()) * (1.0 + r);
                assert!(
                    (fd - slope).abs() <= tol,
                    "{} r = {r} A = {a}: fd {fd} vs slope {slope}",
                    row.name
                );
            }
        }
    }
}

#[test]
fn flat_exactly_where_documented_and_clipped_means_zero_slope() {
    for row in table() {
        let o = build(row.name);
        for a in MODERATE {
            for r in ratio_grid() {
                let s = o.surrogate(r, a);
                let flat = (row.flat)(r, a);
                assert_eq!(s.clipped, flat, "{} r = {r} A = {a}", row.name);
                if flat {
                    assert_eq!(s.slope, 0.0, "{} r = {r} A = {a}", row.name);
                } else if let Some(max) = row.maximizer {
                    // Zero only at the documented stationary point.
                    assert!(
                        s.slope != 0.0 || r == max(a).0,
                        "{} r = {r} A = {a}",
                        row.name
                    );
                } else {
                    assert_ne!(s.slope, 0.0, "{} r = {r} A = {a}", row.name);
                }
            }
        }
        for a in ADVANTAGES {
            for r in EXTREME_RATIOS {
                let s = o.surrogate(r, a);
                assert!(!s.clipped || s.slope == 0.0, "{} r = {r} A = {a}", row.name);
            }
        }
    }
}

#[test]
fn documented_maximizers() {
    let mut checked = 0;
    for row in table() {
        let Some(max) = row.maximizer else { continue };
        let o = build(row.name);
        for a in MODERATE {
            let (r_star, j_star) = max(a);
            let s = o.surrogate(r_star, a);
            assert!(
                close(s.value, j_star, 1e-14) && s.slope.abs() < 1e-12 * a.abs(),
                "{} A = {a}",
                row.name
            );
            for r in ratio_grid() {
                assert!(
                    o.surrogate(r, a).value <= j_star * (1.0 + 1e-15 * j_star.signum()),
                    "{} r = {r}",
                    row.name
                );
            }
        }
        checked += 1;
    }
    assert_eq!(checked, 1, "only SPO documents a maximizer");
}

#[test]
fn finite_at_extreme_ratios_and_advantages() {
    for row in table() {
        let o = build(row.name);
        for a in ADVANTAGES {
            for r in EXTREME_RATIOS {
                let s = o.surrogate(r, a);
                assert!(
                    s.slope.is_finite(),
                    "{} r = {r} A = {a}: slope {}",
                    row.name,
                    s.slope
                );
                if row.overflows_at_huge_ratio && r == 1e300 && a != 0.0 {
                    assert_eq!(s.value, f64::NEG_INFINITY, "{} r = {r} A = {a}", row.name);
                } else {
                    assert!(
                        s.value.is_finite(),
                        "{} r = {r} A = {a}: value {}",
                        row.name,
                        s.value
                    );
                }
            }
        }
    }
}

#[test]
fn zero_advantage_gives_zero_value_and_slope() {
    for row in table() {
        let o = build(row.name);
        for r in ratio_grid().into_iter().chain(EXTREME_RATIOS) {
            let s = o.surrogate(r, 0.0);
            assert_eq!((s.value, s.slope), (0.0, 0.0), "{} r = {r}", row.name);
        }
    }
}

#[test]
fn bapo_bounds_rise_until_the_target_or_the_caps() {
    let schedule = BapoSchedule::default();
    let mut previous = (0.0, 0.0);
    // More and more negative mass: the bounds never fall, and stop as soon as the target holds.
    for neg in [0.5, 1.0, 1.3, 1.6, 2.0, 2.4, 2.9, 3.5] {
        let batch = [(3.5, 1.0), (1.0, -neg)];
        let b = schedule.adapt(&batch).unwrap();
        assert!(b.clip_low >= previous.0 && b.clip_high >= previous.1);
        previous = (b.clip_low, b.clip_high);
        if b.target_met {
            assert!(b.positive_share() >= 0.5);
            // One step less on c_high would have missed the target (or c_high never moved).
            if b.clip_high > schedule.high_start {
                assert!(b.clip_high.min(3.5) - 0.05 < neg);
            }
        } else {
            assert_eq!((b.clip_low, b.clip_high), (0.9, 3.0));
        }
    }
    assert!(
        !schedule
            .adapt(&[(3.5, 1.0), (1.0, -3.5)])
            .unwrap()
            .target_met
    );
    let gradient = BapoSchedule {
        measure: ContributionMeasure::GradientCarrying,
        ..schedule
    };
    let b = gradient.adapt(&[(1.0, 1.0), (0.62, -2.0)]).unwrap();
    assert!((b.clip_low - 0.65).abs() < 1e-12 && b.clip_high == 1.2 && b.target_met);
}
