//! Sampled linear critics for log-linear policies: the Monte-Carlo regression of Q-NPG's
//! sample-based form (Agarwal, Kakade, Lee & Mahajan 2021, §6, Algorithm 5 — with least squares
//! on the batch in place of their projected stochastic gradient) and LSTD-Q from sampled
//! transitions (Lagoudakis & Parr 2003).
//!
//! All draw state-action pairs from d^π_ν, ν = ρ × Unif_A: s_0 ~ ρ, a_0 uniform over the actions
//! available in s_0, then the
//! policy; after every step that is not `done` a coin stops with probability 1 − γ and the current
//! pair is kept, so a kept pair has probability Σ_t γ^t(1 − γ)·Pr(s_t, a_t, nothing `done` before)
//! = d^π_ν(s, a) up to one normalizing constant (a `done` before the coin restarts the draw). Least
//! squares does not see that constant, so the population solutions are exactly the exact critics
//! of [`crate::policy::log_linear`] (`Regression::UniformStart`) and [`crate::exact::linear_td`].
//! With [`StartAction::Policy`] the first action is drawn from π instead, and the pairs follow the
//! on-policy d^π_ρ × π (`Regression::OnPolicy`).
//!
//! - [`sample_q_targets`]: for each kept pair, Q̂(s, a) = the undiscounted sum of rewards of a
//!   rollout that takes a in s, then follows π, stopped with probability 1 − γ after each step that
//!   is not `done` — an unbiased estimate of Q^π(s, a) (the construction of
//!   [`crate::world::sample::sample_return`]);
//! - [`sample_advantage_targets`]: Â(s, a) = Q̂(s, a) − V̂(s), V̂ from an independent rollout
//!   that starts with a' ~ π(·|s), for NPG's compatible regression on the centred features;
//! - [`sample_transitions`]: for each kept pair, one reward r, next state s' and a' ~ π(·|s'),
//!   for LSTD-Q's Â = (1/N)Σ φ(s, a)(φ(s, a) − γφ(s', a'))ᵀ and b̂ = (1/N)Σ φ(s, a)·r (φ(s', a')
//!   taken as 0 after a `done` outcome).

use ndarray::{Array1, Array2, ArrayView2};
use rand::{Rng, RngExt};

use super::rollout::MAX_EPISODE_STEPS;
use crate::core::error::{Error, Result};
use crate::exact::check_policy;
use crate::world::features::minimum_norm_least_squares;
use crate::world::sample::sample_index;
use crate::world::{FeatureMap, TabularMdp};

/// The most samples one batch may ask for.
pub const MAX_SAMPLES: usize = 10_000_000;

/// How the first action of a draw is chosen: the distribution the pairs follow.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StartAction {
    /// a_0 uniform over the available actions: pairs from d^π_ν, ν = ρ × Unif.
    Uniform,
    /// a_0 ~ π(·|s_0): pairs from d^π_ρ × π (the on-policy distribution).
    Policy,
}

/// One sampled transition of LSTD-Q.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Transition {
    pub state: usize,
    pub action: usize,
    pub reward: f64,
    /// (s', a'), or None after a `done` outcome.
    pub next: Option<(usize, usize)>,
}

fn require_samples(samples: usize, mdp: &TabularMdp) -> Result<f64> {
    if samples == 0 || samples > MAX_SAMPLES {
        return Err(Error::invalid(
            "samples",
            format!("found {samples}"),
            format!("between 1 and {MAX_SAMPLES}"),
        ));
    }
    crate::exact::evaluation::require_discounted(mdp, "the sampled linear critics")
}

/// r0(s, a) plus the reward of one sampled outcome, the next state and whether it was `done`.
fn step<R: Rng + ?Sized>(
    mdp: &TabularMdp,
    state: usize,
    action: usize,
    rng: &mut R,
) -> (f64, usize, bool) {
    let base = mdp
        .spec()
        .action_rewards
        .as_ref()
        .map_or(0.0, |r| r[state][action]);
    let outcome = mdp.sample_outcome(state, action, rng);
    (base + outcome.reward, outcome.next_state, outcome.done)
}

/// One pair (s, a) ~ d^π_ν (normalized), ν = ρ × Unif_A, or ~ d^π_ρ × π (see the
/// [module docs](self)).
fn sample_pair<R: Rng + ?Sized>(
    mdp: &TabularMdp,
    policy: ArrayView2<'_, f64>,
    gamma: f64,
    start: StartAction,
    rng: &mut R,
) -> Result<(usize, usize)> {
    let actions = mdp.n_actions();
    for _ in 0..MAX_EPISODE_STEPS {
        let mut state = mdp.sample_initial(rng);
        let mut action = match start {
            StartAction::Uniform => {
                // ν(·|s) is uniform over the actions available in s (every state has one).
                let available: Vec<usize> =
                    (0..actions).filter(|&a| mdp.is_allowed(state, a)).collect();
                available[rng.random_range(0..available.len())]
            }
            StartAction::Policy => sample_index(policy.row(state).iter().copied(), rng),
        };
        for _ in 0..MAX_EPISODE_STEPS {
            if rng.random::<f64>() < 1.0 - gamma {
                return Ok((state, action));
            }
            let outcome = mdp.sample_outcome(state, action, rng);
            if outcome.done {
                break;
            }
            state = outcome.next_state;
            action = sample_index(policy.row(state).iter().copied(), rng);
        }
    }
    Err(Error::Numerical {
        origin: "the sampled linear critic".into(),
        detail: format!(
            "no state-action pair kept in {MAX_EPISODE_STEPS} draws (every draw ended `done` \
             before the stopping coin)"
        ),
    })
}

/// An unbiased estimate of Q^π(s, a): the undiscounted rewards of a rollout that takes a in s and
/// then follows π, stopped with probability 1 − γ after each step that is not `done`.
fn rollout_q<R: Rng + ?Sized>(
    mdp: &TabularMdp,
    policy: ArrayView2<'_, f64>,
    gamma: f64,
    (mut s, mut a): (usize, usize),
    rng: &mut R,
) -> f64 {
    let mut total = 0.0;
    for _ in 0..MAX_EPISODE_STEPS {
        let (reward, next, done) = step(mdp, s, a, rng);
        total += reward;
        if done || rng.random::<f64>() < 1.0 - gamma {
            break;
        }
        s = next;
        a = sample_index(policy.row(s).iter().copied(), rng);
    }
    total
}

/// `samples` pairs (s, a) from the `start` distribution, each with `target(pair)`.
fn sample_targets<R: Rng + ?Sized>(
    mdp: &TabularMdp,
    policy: ArrayView2<'_, f64>,
    samples: usize,
    start: StartAction,
    rng: &mut R,
    mut target: impl FnMut(f64, (usize, usize), &mut R) -> f64,
) -> Result<Vec<(usize, usize, f64)>> {
    let gamma = require_samples(samples, mdp)?;
    check_policy(mdp, policy)?;
    let mut out = Vec::with_capacity(samples);
    for _ in 0..samples {
        let pair = sample_pair(mdp, policy, gamma, start, rng)?;
        out.push((pair.0, pair.1, target(gamma, pair, rng)));
    }
    Ok(out)
}

/// `samples` pairs (s, a) from the `start` distribution with unbiased Monte-Carlo estimates
/// Q̂(s, a) of Q^π(s, a).
pub fn sample_q_targets<R: Rng + ?Sized>(
    mdp: &TabularMdp,
    policy: ArrayView2<'_, f64>,
    samples: usize,
    start: StartAction,
    rng: &mut R,
) -> Result<Vec<(usize, usize, f64)>> {
    sample_targets(mdp, policy, samples, start, rng, |gamma, pair, rng| {
        rollout_q(mdp, policy, gamma, pair, rng)
    })
}

/// `samples` pairs (s, a) from the `start` distribution with unbiased estimates
/// Â(s, a) = Q̂(s, a) − V̂(s) of A^π(s, a): V̂(s) = Q̂(s, a') of an independent rollout with
/// a' ~ π(·|s) (the targets of NPG's compatible regression, Agarwal et al. 2021, §6).
pub fn sample_advantage_targets<R: Rng + ?Sized>(
    mdp: &TabularMdp,
    policy: ArrayView2<'_, f64>,
    samples: usize,
    start: StartAction,
    rng: &mut R,
) -> Result<Vec<(usize, usize, f64)>> {
    sample_targets(
        mdp,
        policy,
        samples,
        start,
        rng,
        |gamma, (state, action), rng| {
            let q = rollout_q(mdp, policy, gamma, (state, action), rng);
            let other = sample_index(policy.row(state).iter().copied(), rng);
            q - rollout_q(mdp, policy, gamma, (state, other), rng)
        },
    )
}

/// `samples` transitions from pairs (s, a) of the `start` distribution, with a' ~ π(·|s').
pub fn sample_transitions<R: Rng + ?Sized>(
    mdp: &TabularMdp,
    policy: ArrayView2<'_, f64>,
    samples: usize,
    start: StartAction,
    rng: &mut R,
) -> Result<Vec<Transition>> {
    let gamma = require_samples(samples, mdp)?;
    check_policy(mdp, policy)?;
    let mut out = Vec::with_capacity(samples);
    for _ in 0..samples {
        let (state, action) = sample_pair(mdp, policy, gamma, start, rng)?;
        let (reward, next, done) = step(mdp, state, action, rng);
        let next = (!done).then(|| (next, sample_index(policy.row(next).iter().copied(), rng)));
        out.push(Transition {
            state,
            action,
            reward,
            next,
        });
    }
    Ok(out)
}

/// The least-squares fit of the targets on φ: argmin_w Σ (wᵀφ(s, a) − Q̂)² (minimum norm).
pub fn regress_q(features: &FeatureMap, targets: &[(usize, usize, f64)]) -> Result<Array1<f64>> {
    let d = features.dimension();
    let design = Array2::from_shape_fn((targets.len(), d), |(i, k)| {
        features.phi(targets[i].0, targets[i].1)[k]
    });
    least_squares(design, targets)
}

/// The least-squares fit of advantage targets on the centred features
/// φ̄(s, a) = φ(s, a) − Σ_b π(b|s)φ(s, b): NPG's compatible regression on samples.
pub fn regress_advantage(
    features: &FeatureMap,
    policy: ArrayView2<'_, f64>,
    targets: &[(usize, usize, f64)],
) -> Result<Array1<f64>> {
    let d = features.dimension();
    let design = Array2::from_shape_fn((targets.len(), d), |(i, k)| {
        let (s, a) = (targets[i].0, targets[i].1);
        let mean: f64 = (0..features.n_actions())
            .map(|b| policy[[s, b]] * features.phi(s, b)[k])
            .sum();
        features.phi(s, a)[k] - mean
    });
    least_squares(design, targets)
}

/// argmin_w ‖design·w − targets‖ (minimum norm).
fn least_squares(design: Array2<f64>, targets: &[(usize, usize, f64)]) -> Result<Array1<f64>> {
    let values = Array2::from_shape_fn((targets.len(), 1), |(i, _)| targets[i].2);
    let (w, _) = minimum_norm_least_squares(&design, &values)?;
    Ok(w.column(0).to_owned())
}

/// LSTD-Q from sampled transitions: the minimum-norm least-squares solution of Âw = b̂.
pub fn lstd_q(
    features: &FeatureMap,
    transitions: &[Transition],
    gamma: f64,
) -> Result<Array1<f64>> {
    let d = features.dimension();
    let mut a = Array2::<f64>::zeros((d, d));
    let mut b = Array2::<f64>::zeros((d, 1));
    let scale = 1.0 / transitions.len().max(1) as f64;
    for t in transitions {
        let phi = features.phi(t.state, t.action);
        let mut difference = phi.to_owned();
        if let Some((s, a_next)) = t.next {
            difference.scaled_add(-gamma, &features.phi(s, a_next));
        }
        for i in 0..d {
            b[[i, 0]] += scale * phi[i] * t.reward;
            for j in 0..d {
                a[[i, j]] += scale * phi[i] * difference[j];
            }
        }
    }
    let (w, _) = minimum_norm_least_squares(&a, &b)?;
    Ok(w.column(0).to_owned())
}
