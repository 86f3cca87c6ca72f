//! The direct parameterization π(a|s) = θ(s, a), θ(s, ·) in the probability simplex (Agarwal,
//! Kakade, Lee & Mahajan 2021, "On the theory of policy gradient methods", §4), kept feasible by
//! Euclidean projection. Its gradient is ∂J/∂π(a|s) = d^π_ρ(s)·Q^π(s, a)/(1−γ) (their Eq. 4.1,
//! from the performance-difference lemma).

use ndarray::{Array1, Array2, ArrayViewMut1};

use crate::core::error::Result;
use crate::exact::evaluate_with_occupancy;
use crate::exact::evaluation::require_discounted;
use crate::world::{TabularMdp, World};

/// Projects `row` onto {p ≥ 0, Σ p = 1} restricted to the allowed entries (the others become 0),
/// in place, by the sort-and-threshold method: p = max(y − τ, 0) with τ chosen so that Σ p = 1
/// (Held, Wolfe & Crowder 1974; Duchi, Shalev-Shwartz, Singer & Chandra 2008, Fig. 1).
pub fn project_to_simplex(mut row: ArrayViewMut1<'_, f64>, allowed: &[bool]) {
    let mut values: Vec<f64> = row
        .iter()
        .zip(allowed)
        .filter(|&(_, &ok)| ok)
        .map(|(&y, _)| y)
        .collect();
    values.sort_by(|a, b| b.total_cmp(a));
    let mut cumulative = 0.0;
    let mut threshold = 0.0;
    for (k, &y) in values.iter().enumerate() {
        cumulative += y;
        let candidate = (cumulative - 1.0) / (k + 1) as f64;
        if y - candidate > 0.0 {
            threshold = candidate;
        }
    }
    for (p, &ok) in row.iter_mut().zip(allowed) {
        *p = if ok { (*p - threshold).max(0.0) } else { 0.0 };
    }
}

/// ∂J/∂π(a|s) = d^π_ρ(s)·Q^π(s, a)/(1−γ) at the policy table `policy` (0 on unavailable actions).
pub fn direct_gradient(mdp: &TabularMdp, policy: &Array2<f64>) -> Result<Array2<f64>> {
    require_discounted(mdp, "the direct policy gradient")?;
    let (values, d) = evaluate_with_occupancy(mdp, policy.view())?;
    Ok(direct_gradient_from(
        mdp.allowed_mask(),
        &values.q,
        &d,
        1.0 - mdp.gamma(),
    ))
}

/// The same gradient d(s)·Q(s, a)/D from a policy's Q^π and occupancy d^π_ρ already at hand,
/// with the world's action mask (row-major) and divisor D = 1 − γ.
pub fn direct_gradient_from(
    allowed: &[bool],
    q: &Array2<f64>,
    d: &Array1<f64>,
    divisor: f64,
) -> Array2<f64> {
    let n_actions = q.ncols();
    Array2::from_shape_fn(q.dim(), |(s, a)| {
        if allowed[s * n_actions + a] {
            d[s] * q[[s, a]] / divisor
        } else {
            0.0
        }
    })
}

/// The world's starting policy table, softmax(θ_0) of [`World::start`] (the uniform table
/// without one).
pub fn start_table<W: World + ?Sized>(world: &W) -> Array2<f64> {
    match world.start(0) {
        Some(_) => super::softmax::TabularSoftmax::start_on(world).probabilities(),
        None => uniform_table(world),
    }
}

/// The uniform policy table over each state's available actions of a stationary world.
pub fn uniform_table<W: World + ?Sized>(world: &W) -> Array2<f64> {
    let n_actions = world.n_actions();
    let allowed = world.allowed_mask();
    let mut table = Array2::zeros((world.n_states(), n_actions));
    for (s, mut row) in table.rows_mut().into_iter().enumerate() {
        let mask = &allowed[s * n_actions..(s + 1) * n_actions];
        let count = mask.iter().filter(|&&ok| ok).count();
        for (p, &ok) in row.iter_mut().zip(mask) {
            if ok {
                *p = 1.0 / count as f64;
            }
        }
    }
    table
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::arr1;

    #[test]
    fn projection_of_known_points() {
        let mut inside = arr1(&[0.2, 0.3, 0.5]);
        project_to_simplex(inside.view_mut(), &[true; 3]);
        assert_eq!(inside, arr1(&[0.2, 0.3, 0.5]));
        // (1, 1, 0) → (½, ½, 0); (2, 0, 0) → (1, 0, 0); a masked entry is zeroed.
        let mut a = arr1(&[1.0, 1.0, 0.0]);
        project_to_simplex(a.view_mut(), &[true; 3]);
        assert!(
            (&a - &arr1(&[0.5, 0.5, 0.0]))
                .iter()
                .all(|x| x.abs() < 1e-15)
        );
        let mut b = arr1(&[2.0, 0.0, 5.0]);
        project_to_simplex(b.view_mut(), &[true, true, false]);
        assert!(
            (&b - &arr1(&[1.0, 0.0, 0.0]))
                .iter()
                .all(|x| x.abs() < 1e-15)
        );
    }

    /// The projection is the closest simplex point: no point of a fine grid on the 3-simplex is
    /// nearer to y than its projection.
    #[test]
    fn projection_is_the_nearest_point() {
        let points = [
            [0.9, -0.4, 0.7],
            [3.0, 2.0, -1.0],
            [-1.0, -2.0, -3.0],
            [0.1, 0.1, 0.1],
        ];
        for y in points {
            let mut p = arr1(&y);
            project_to_simplex(p.view_mut(), &[true; 3]);
            assert!((p.sum() - 1.0).abs() < 1e-12 && p.iter().all(|&x| x >= 0.0));
            let distance = |q: [f64; 3]| (0..3).map(|i| (q[i] - y[i]).powi(2)).sum::<f64>();
            let best = distance([p[0], p[1], p[2]]);
            let n = 200;
            for i in 0..=n {
                for j in 0..=(n - i) {
                    let q = [
                        i as f64 / n as f64,
                        j as f64 / n as f64,
                        (n - i - j) as f64 / n as f64,
                    ];
                    assert!(
                        distance(q) >= best - 1e-12,
                        "{q:?} is nearer to {y:?} than {p}"
                    );
                }
            }
        }
    }
}
