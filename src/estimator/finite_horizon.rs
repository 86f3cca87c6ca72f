//! Sampled gradients of a finite-horizon objective whose policy has one softmax table per step
//! (Klein, Weissmann & Döring 2024, "Beyond Stationarity", §4), by REINFORCE (Williams 1992):
//!
//! - simultaneous PG, every step's table: K episodes s_0 ~ ρ, a_h ~ π_h(·|s_h),
//!   ĝ_h(s, ·) = (1/K)·Σ_i 1[s_h^i = s]·(e_{a_h^i} − π_h(·|s))·G_h^i with G_h^i = Σ_{k≥h} γ^k·r_k^i,
//!   unbiased for ∂J/∂θ_h = γ^h·μ_h(s)·π_h(a|s)·A_h(s, a) (the rewards before step h do not depend
//!   on θ_h and are left out);
//! - dynamic PG, epoch h: K episodes that start at step h from s ~ μ with a ~ π_h(·|s) and go on
//!   under the later tables, ĝ(s, ·) = (1/K)·Σ_i 1[s^i = s]·(e_{a^i} − π_h(·|s))·Σ_{k≥h} γ^{k−h}·r_k^i,
//!   unbiased for μ(s)·π_h(a|s)·(Q̂_h(s, a) − V̂_h(s)) (their Lemma D.6's estimator).
//!
//! An episode ends at step H or at a `done` transition (no value after it).

use ndarray::{Array1, Array2, ArrayView2};
use rand::Rng;

use crate::core::checks::require_at_least_one;
use crate::core::error::{Error, Result};
use crate::exact::check_policy;
use crate::world::sample::sample_index;
use crate::world::{Horizon, TabularMdp};

/// (step, state, action, reward) of one finite-horizon episode.
type Transition = (usize, usize, usize, f64);

fn finite(mdp: &TabularMdp) -> Result<(usize, f64)> {
    match mdp.horizon() {
        Horizon::Finite { steps, gamma } => Ok((steps, gamma)),
        Horizon::Discounted { .. } => Err(Error::Usage(
            "a finite-horizon estimator needs a world with `horizon = H`".to_string(),
        )),
    }
}

fn check_tables(mdp: &TabularMdp, policies: &[ArrayView2<'_, f64>], steps: usize) -> Result<()> {
    if policies.len() != steps {
        return Err(Error::invalid(
            "policy",
            format!("found {} tables", policies.len()),
            format!("one per step ({steps})"),
        ));
    }
    policies.iter().try_for_each(|p| check_policy(mdp, *p))
}

/// The episode from `state` at step `first` to the end of the horizon.
fn run_from<R: Rng + ?Sized>(
    mdp: &TabularMdp,
    policies: &[ArrayView2<'_, f64>],
    first: usize,
    mut state: usize,
    rng: &mut R,
) -> Vec<Transition> {
    let action_rewards = mdp.spec().action_rewards.as_ref();
    let mut out = Vec::with_capacity(policies.len() - first);
    for (h, policy) in policies.iter().enumerate().skip(first) {
        // check_policy gave every row a total of 1 with mass only on available actions.
        let action = sample_index(policy.row(state).iter().copied(), rng);
        let outcome = mdp.sample_outcome(state, action, rng);
        let base = action_rewards.map_or(0.0, |r| r[state][action]);
        out.push((h, state, action, base + outcome.reward));
        if outcome.done {
            break;
        }
        state = outcome.next_state;
    }
    out
}

/// Adds (e_a − π(·|s))·weight to row s of `gradient`.
fn add_score(
    gradient: &mut Array2<f64>,
    policy: ArrayView2<'_, f64>,
    s: usize,
    a: usize,
    weight: f64,
) {
    for (b, g) in gradient.row_mut(s).iter_mut().enumerate() {
        let indicator = if b == a { 1.0 } else { 0.0 };
        *g += weight * (indicator - policy[[s, b]]);
    }
}

/// Simultaneous PG's estimate of ∂J/∂θ_h for every step h from `episodes` ≥ 1 episodes, and the
/// number of transitions drawn.
pub fn simultaneous_gradient_estimate<R: Rng + ?Sized>(
    mdp: &TabularMdp,
    policies: &[ArrayView2<'_, f64>],
    episodes: usize,
    rng: &mut R,
) -> Result<(Vec<Array2<f64>>, usize)> {
    let (steps, gamma) = finite(mdp)?;
    check_tables(mdp, policies, steps)?;
    require_at_least_one("episodes", episodes)?;
    let shape = (mdp.n_states(), mdp.n_actions());
    let mut gradients = vec![Array2::zeros(shape); steps];
    let scale = 1.0 / episodes as f64;
    let mut transitions = 0;
    for _ in 0..episodes {
        let start = mdp.sample_initial(rng);
        let episode = run_from(mdp, policies, 0, start, rng);
        transitions += episode.len();
        // G_h = Σ_{k≥h} γ^k·r_k, accumulated backwards.
        let mut to_go = 0.0;
        for &(h, s, a, r) in episode.iter().rev() {
            to_go += gamma.powi(h as i32) * r;
            add_score(&mut gradients[h], policies[h], s, a, scale * to_go);
        }
    }
    Ok((gradients, transitions))
}

/// Dynamic PG's estimate of the gradient of epoch h's objective Σ_s μ(s)·Σ_a π_h(a|s)·Q̂_h(s, a)
/// in θ_h, from `episodes` ≥ 1 episodes started at step h from s ~ μ, and the number of
/// transitions drawn.
pub fn epoch_gradient_estimate<R: Rng + ?Sized>(
    mdp: &TabularMdp,
    policies: &[ArrayView2<'_, f64>],
    epoch: usize,
    weights: &Array1<f64>,
    episodes: usize,
    rng: &mut R,
) -> Result<(Array2<f64>, usize)> {
    let (steps, gamma) = finite(mdp)?;
    check_tables(mdp, policies, steps)?;
    require_at_least_one("episodes", episodes)?;
    if epoch >= steps {
        return Err(Error::invalid(
            "epoch",
            format!("found {epoch}"),
            format!("a step below the horizon {steps}"),
        ));
    }
    let mut gradient = Array2::zeros((mdp.n_states(), mdp.n_actions()));
    let scale = 1.0 / episodes as f64;
    let mut transitions = 0;
    for _ in 0..episodes {
        let start = sample_index(weights.iter().copied(), rng);
        let episode = run_from(mdp, policies, epoch, start, rng);
        transitions += episode.len();
        let value: f64 = episode
            .iter()
            .map(|&(h, _, _, r)| gamma.powi((h - epoch) as i32) * r)
            .sum();
        let (_, s, a, _) = episode[0];
        add_score(&mut gradient, policies[epoch], s, a, scale * value);
    }
    Ok((gradient, transitions))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::exact::FiniteHorizonWorld;
    use crate::exact::finite_horizon_world::garnet_world;
    use crate::world::World;
    use rand::SeedableRng;
    use rand_chacha::ChaCha8Rng;

    fn world() -> FiniteHorizonWorld {
        garnet_world(3, 2, 3, 0.9, 8)
    }

    fn tables() -> Vec<Array2<f64>> {
        (0..3)
            .map(|h| {
                let mut p =
                    Array2::from_shape_fn((3, 2), |(s, a)| 1.0 + ((h + 2 * s + a) % 3) as f64);
                for mut row in p.rows_mut() {
                    let total = row.sum();
                    row /= total;
                }
                p
            })
            .collect()
    }

    /// The mean of M independent estimates against the exact gradient, within 5 standard errors
    /// of that mean (each entry).
    fn within_monte_carlo(estimates: &[Array2<f64>], exact: &Array2<f64>, what: &str) {
        let m = estimates.len() as f64;
        for ((s, a), &truth) in exact.indexed_iter() {
            let values: Vec<f64> = estimates.iter().map(|e| e[[s, a]]).collect();
            let mean = values.iter().sum::<f64>() / m;
            let variance = values.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (m - 1.0);
            let standard_error = (variance / m).sqrt();
            assert!(
                (mean - truth).abs() <= 5.0 * standard_error + 1e-12,
                "{what} ({s}, {a}): mean {mean} ± {standard_error}, exact {truth}"
            );
        }
    }

    #[test]
    fn simultaneous_estimate_is_unbiased_for_every_step() {
        let world = world();
        let tables = tables();
        let views: Vec<_> = tables.iter().map(|t| t.view()).collect();
        let (exact, _) = world.evaluate(&views).unwrap().softmax_gradient(&views);
        let mut rng = ChaCha8Rng::seed_from_u64(1);
        let estimates: Vec<Vec<Array2<f64>>> = (0..400)
            .map(|_| {
                simultaneous_gradient_estimate(&world.mdp, &views, 50, &mut rng)
                    .unwrap()
                    .0
            })
            .collect();
        for h in 0..3 {
            let at_h: Vec<Array2<f64>> = estimates.iter().map(|e| e[h].clone()).collect();
            within_monte_carlo(&at_h, &exact[h], &format!("step {h}"));
        }
    }

    #[test]
    fn epoch_estimate_is_unbiased_for_the_epoch_objective() {
        let world = world();
        let tables = tables();
        let views: Vec<_> = tables.iter().map(|t| t.view()).collect();
        let evaluation = world.evaluate(&views).unwrap();
        let weights = ndarray::arr1(&[0.5, 0.3, 0.2]);
        let mut rng = ChaCha8Rng::seed_from_u64(2);
        for (epoch, table) in tables.iter().enumerate() {
            let stage = &evaluation.stages[epoch];
            let advantage = stage.advantage();
            let exact = Array2::from_shape_fn((3, 2), |(s, a)| {
                weights[s] * table[[s, a]] * advantage[[s, a]]
            });
            let estimates: Vec<Array2<f64>> = (0..400)
                .map(|_| {
                    let (gradient, transitions) =
                        epoch_gradient_estimate(&world.mdp, &views, epoch, &weights, 50, &mut rng)
                            .unwrap();
                    // 50 episodes from step `epoch` to the horizon 3 (no episode ends early).
                    assert_eq!(transitions, 50 * (3 - epoch));
                    gradient
                })
                .collect();
            within_monte_carlo(&estimates, &exact, &format!("epoch {epoch}"));
        }
        assert!(epoch_gradient_estimate(&world.mdp, &views, 3, &weights, 1, &mut rng).is_err());
        assert!(simultaneous_gradient_estimate(&world.mdp, &views[..2], 1, &mut rng).is_err());
    }
}
