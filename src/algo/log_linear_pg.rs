//! Policy gradient and natural policy gradient for log-linear policies π_θ(a|s) ∝ exp(θᵀφ(s, a))
//! on a world with a feature map, exact (Agarwal, Kakade, Lee & Mahajan 2021, §6; the exact
//! quantities in [`crate::policy::log_linear`]):
//!
//! - `log-linear-pg`: θ_{t+1} = θ_t + η_t·∇J(θ_t), ∇J = E_{s~d^π_ρ, a~π}[A^π(s, a)·φ̄(s, a)]/(1 − γ);
//! - `log-linear-npg`: θ_{t+1} = θ_t + η_t·w*_t/(1 − γ), with w*_t the compatible function
//!   approximation (the weighted regression of A^{π_t} on φ̄): on-policy (the default) it is
//!   θ + η·F⁺∇J (Kakade 2002);
//! - `q-npg`: θ_{t+1} = θ_t + η_t·w_Q/(1 − γ), with w_Q the regression of Q^{π_t} on φ (Agarwal et
//!   al. 2021, Algorithm 4, with the exact regression) under d^{π_t}_ν, ν = ρ × Unif_A (their
//!   ν_0; Yuan et al. 2023's ν), the default `uniform_start = 1`;
//! - `lstd-q-npg`: the same step along w_TD, the TD(0) fixed point of Q^{π_t} in the features
//!   under the same distribution (LSTD-Q, Lagoudakis & Parr 2003; [`crate::exact::linear_td`]):
//!   Q-NPG with a TD critic instead of the regression — they agree when span φ is closed under
//!   the Bellman operator (a linear MDP), and the records say by how much they differ otherwise.
//!
//! `log-linear-npg`, `q-npg` and `lstd-q-npg` also run sampled (`samples = N`): each step fits its
//! critic on N pairs drawn from the regression's distribution — Monte-Carlo returns for Q-NPG's
//! regression (Agarwal et al.'s Algorithm 5, least squares on the batch), advantages
//! Q̂(s, a) − V̂(s) on the centred features for NPG, one transition each for LSTD-Q
//! ([`crate::estimator::linear_critic`]) — and records ε_stat (`q_stat_error`, `stat_error`: the
//! sampled fit's excess loss, exactly) or the distance to the exact fixed point (`td_stat_error`).
//!
//! The step is scaled like policylab's tabular NPG, η/(1 − γ), so that with one-hot features the
//! methods are the tabular `softmax-pg` and `npg` (θ the logits; the tests compare the
//! trajectories): the papers' η is policylab's η/(1 − γ). Steps may grow geometrically,
//! η_{t+1} = min(c·η_t, η_max) (`step_growth` c; c = 1/γ is the schedule of Yuan, Du, Gower,
//! Lazaric & Xiao 2023 and Alfano & Rebeschini 2022, which gives a linear rate).
//!
//! A step records J, the gap to V*, the mean entropy over states, the gradient's norm, η_t, and
//! the errors the papers' bounds are written in, for both fits whatever the direction:
//! `approximation_error` = E[(w*ᵀφ̄ − A)²] and `q_approximation_error` = E[(w_Qᵀφ − Q)²] under the
//! regression's distribution (0 when A^π ∈ span φ̄, resp. Q^π ∈ span φ, e.g. in a linear MDP);
//! the transfer errors `transfer_error` (w* under d^{π*}_ρ × π*) and `q_transfer_error` (w_Q
//! under d^{π*}_ρ × Unif), π* the world's optimal policy (Agarwal et al. 2021, §6); `sup_error`,
//! `q_sup_error`, max_s (max_a e − min_a e)/2 for each fit's error e (the τ of the inexact
//! mirror-descent bound); and ‖w*‖, ‖w_Q‖. `lstd-q-npg` adds the TD fixed point's error
//! ‖Φw_TD − Q‖, the best error ‖ΠQ − Q‖, the reward's distance to span φ, the Bellman-completeness
//! violation and the amplification ‖(I − γM_π)⁻¹‖ (all in the regression's norm).

use rand_chacha::ChaCha8Rng;

use super::Algorithm;
use super::catalogue::{AlgorithmEntry, Run};
use crate::core::checks::{require, require_positive};
use crate::core::entropy::state_entropy;
use crate::core::error::{Error, Result};
use crate::core::parameters::{Values, parameter};
use crate::core::record::Record;
use crate::estimator::linear_critic::{
    StartAction, lstd_q, regress_advantage, regress_q, sample_advantage_targets, sample_q_targets,
    sample_transitions,
};
use crate::exact::bellman::deterministic_policy;
use crate::exact::td_fixed_point;
use crate::policy::LogLinear;
use crate::policy::log_linear::{Comparator, shift_reduced_sup};
use crate::policy::log_linear::{Regression, log_linear_gradient_with};
use crate::world::{FeatureMap, TabularMdp, World, WorldKind};

/// Discounted worlds (the log-linear algorithms also need a feature map).
const FEATURE_WORLDS: &[WorldKind] = &[WorldKind::Discounted];

/// Which update.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    /// ∇J.
    Gradient,
    /// w*/(1 − γ) = F⁺∇J.
    Natural,
    /// w_Q/(1 − γ).
    QNatural,
    /// w_TD/(1 − γ), the LSTD-Q fixed point under d^π_ρ × π.
    TdQNatural,
}

#[derive(Debug, Clone, PartialEq)]
pub struct LogLinearPg {
    direction: Direction,
    step_size: f64,
    /// η_{t+1} = min(c·η_t, η_max).
    step_growth: f64,
    max_step_size: f64,
    regression: Regression,
    /// 0: exact critics; N > 0: Q-NPG's Monte-Carlo regression or LSTD-Q on N samples.
    samples: usize,
}

impl LogLinearPg {
    /// Constant steps η.
    pub fn new(direction: Direction, step_size: f64) -> Result<Self> {
        Self::increasing(direction, step_size, 1.0, step_size)
    }

    /// Steps η_t = min(η_0·c^t, η_max): c = 1/γ is the geometric schedule of Yuan et al. (2023)
    /// and Alfano & Rebeschini (2022); c = 1 constant steps.
    pub fn increasing(
        direction: Direction,
        step_size: f64,
        step_growth: f64,
        max_step_size: f64,
    ) -> Result<Self> {
        require_positive("step_size", step_size)?;
        require(
            step_growth >= 1.0 && step_growth.is_finite(),
            "step_growth",
            step_growth,
            "a finite number >= 1 (1: constant steps; 1/gamma: the papers' geometric schedule)",
        )?;
        require(
            max_step_size >= step_size && max_step_size.is_finite(),
            "max_step_size",
            max_step_size,
            "a finite number >= step_size",
        )?;
        Ok(LogLinearPg {
            direction,
            step_size,
            step_growth,
            max_step_size,
            regression: Regression::OnPolicy,
            samples: 0,
        })
    }

    /// The same algorithm with sampled critics: N pairs per step from the regression's
    /// distribution ([`crate::estimator::linear_critic`]); 0 keeps the exact ones. `log-linear-pg`
    /// does not sample.
    pub fn sampling(mut self, samples: usize) -> Result<Self> {
        if samples > 0 && self.direction == Direction::Gradient {
            return Err(Error::invalid(
                "samples",
                format!("found {samples} on `{}`", self.label()),
                "0: sampled critics exist for `log-linear-npg`, `q-npg` and `lstd-q-npg`",
            ));
        }
        self.samples = samples;
        Ok(self)
    }

    /// The same algorithm with its regressions fitted under `regression`.
    pub fn regressing_under(mut self, regression: Regression) -> Self {
        self.regression = regression;
        self
    }

    fn label(&self) -> &'static str {
        match self.direction {
            Direction::Gradient => "log-linear-pg",
            Direction::Natural => "log-linear-npg",
            Direction::QNatural => "q-npg",
            Direction::TdQNatural => "lstd-q-npg",
        }
    }
}

/// An entry of the family: `run` builds its direction's algorithm from the checked values.
fn family_entry(
    name: &'static str,
    summary: &'static str,
    uniform_start: f64,
    run: fn(&Values<'_>, &dyn World, &mut Run<'_>) -> Result<()>,
) -> AlgorithmEntry {
    let mut parameters = family_parameters(uniform_start);
    if name != "log-linear-pg" {
        parameters.push(parameter(
            "samples",
            0.0,
            "0: the exact critic; N > 0: fit it on N sampled pairs per step (Monte-Carlo returns \
             for Q-NPG, Agarwal et al. 2021 Alg. 5 with least squares, and for NPG's advantages; \
             LSTD-Q on transitions)",
        ));
    }
    AlgorithmEntry {
        name,
        summary,
        worlds: FEATURE_WORLDS,
        parameters,
        run,
    }
}

/// The parameters every log-linear algorithm takes.
fn family_parameters(uniform_start: f64) -> Vec<crate::core::parameters::Parameter> {
    vec![
        parameter("step_size", 1.0, "η_0 (> 0)"),
        parameter(
            "step_growth",
            1.0,
            "c >= 1: η_{t+1} = min(c·η_t, max_step_size); 1 constant steps, 1/γ the \
                 geometric schedule of Yuan et al. 2023 and Alfano & Rebeschini 2022",
        ),
        parameter(
            "max_step_size",
            1e12,
            "η_max >= step_size: where geometric growth stops (keeps θ finite in long runs)",
        ),
        parameter(
            "uniform_start",
            uniform_start,
            "1: fit the regressions under d^π_ν, ν = ρ × Unif_A (the papers' distribution: \
                 every action keeps weight); 0: under d^π_ρ × π (then w* = (1 − γ)F⁺∇J)",
        ),
    ]
}

/// Runs the algorithm of `direction` with the entry's step size.
fn run_direction(
    direction: Direction,
    values: &Values<'_>,
    world: &dyn World,
    run: &mut Run<'_>,
) -> Result<()> {
    let regression = match values.real("uniform_start") {
        0.0 => Regression::OnPolicy,
        1.0 => Regression::UniformStart,
        other => {
            return Err(Error::invalid(
                "uniform_start",
                format!("found {other}"),
                "0 (on-policy regression) or 1 (state-action occupancy from ρ × Unif)",
            ));
        }
    };
    run.go(
        &LogLinearPg::increasing(
            direction,
            values.real("step_size"),
            values.real("step_growth"),
            values.real("max_step_size"),
        )?
        .regressing_under(regression)
        .sampling(match values.get("samples") {
            Some(_) => values.count("samples")?,
            None => 0,
        })?,
        world,
    )
}

/// The catalogue entry of PG.
pub fn entry() -> AlgorithmEntry {
    family_entry(
        "log-linear-pg",
        "exact PG for log-linear policies on a world with features (Agarwal et al. 2021, §6)",
        0.0,
        |values, world, run| run_direction(Direction::Gradient, values, world, run),
    )
}

/// The catalogue entry of NPG.
pub fn natural_entry() -> AlgorithmEntry {
    family_entry(
        "log-linear-npg",
        "exact NPG for log-linear policies via compatible function approximation (Agarwal et al. 2021, §6)",
        0.0,
        |values, world, run| run_direction(Direction::Natural, values, world, run),
    )
}

/// The catalogue entry of Q-NPG.
pub fn q_entry() -> AlgorithmEntry {
    family_entry(
        "q-npg",
        "exact Q-NPG: NPG steps along the regression of Q on the features (Agarwal et al. 2021, Alg. 4)",
        1.0,
        |values, world, run| run_direction(Direction::QNatural, values, world, run),
    )
}

/// The catalogue entry of Q-NPG with the TD critic.
pub fn td_entry() -> AlgorithmEntry {
    family_entry(
        "lstd-q-npg",
        "exact Q-NPG whose critic is the TD(0) fixed point (LSTD-Q, Lagoudakis & Parr 2003), not the regression",
        1.0,
        |values, world, run| run_direction(Direction::TdQNatural, values, world, run),
    )
}

/// The model and features of a world, or an error naming the algorithm.
fn require_features<'a, W: World + ?Sized>(
    world: &'a W,
    what: &str,
) -> Result<(&'a TabularMdp, &'a FeatureMap)> {
    let features = world.features().ok_or_else(|| {
        Error::Usage(format!(
            "`{what}` needs a world with a feature map (a linear MDP, or a tabular world given \
             features)"
        ))
    })?;
    Ok((world.require_model(what)?, features))
}

/// The iterate: θ, this step's η_t, and the comparator the transfer errors are measured under.
#[derive(Debug, Clone, PartialEq)]
pub struct LogLinearState {
    pub policy: LogLinear,
    pub step_size: f64,
    comparator: Comparator,
}

/// π*: the first optimal action of every state (the world's reference), deterministic.
fn optimal_comparator<W: World + ?Sized>(world: &W, mdp: &TabularMdp) -> Result<Comparator> {
    let actions: Vec<usize> = world.reference().optimal_actions[0]
        .iter()
        .map(|optimal| optimal.first().copied().unwrap_or(0))
        .collect();
    Comparator::new(mdp, deterministic_policy(&actions, mdp.n_actions()))
}

/// ‖x‖₂.
fn norm(x: &ndarray::Array1<f64>) -> f64 {
    x.iter().map(|g| g * g).sum::<f64>().sqrt()
}

impl<W: World + ?Sized> Algorithm<W> for LogLinearPg {
    type State = LogLinearState;

    fn name(&self) -> &'static str {
        self.label()
    }

    fn initial_state(&self, world: &W) -> Result<LogLinearState> {
        let (mdp, features) = require_features(world, self.label())?;
        Ok(LogLinearState {
            policy: LogLinear::zeros(features),
            step_size: self.step_size,
            comparator: optimal_comparator(world, mdp)?,
        })
    }

    fn step(
        &self,
        world: &W,
        mut state: LogLinearState,
        rng: &mut ChaCha8Rng,
    ) -> Result<(LogLinearState, Record)> {
        let (mdp, features) = require_features(world, self.label())?;
        let exact = log_linear_gradient_with(mdp, features, &state.policy, self.regression)?;
        let objective = mdp.initial().dot(&exact.values.v);
        let start = match self.regression {
            Regression::OnPolicy => StartAction::Policy,
            Regression::UniformStart => StartAction::Uniform,
        };
        // The fits: exact, or least squares on sampled returns (the one the step uses).
        let (compatible, q_fit) = match (self.direction, self.samples) {
            (Direction::Natural, n) if n > 0 => {
                let targets = sample_advantage_targets(mdp, exact.policy.view(), n, start, rng)?;
                let w = regress_advantage(features, exact.policy.view(), &targets)?;
                (w, exact.q_fit.clone())
            }
            (Direction::QNatural, n) if n > 0 => {
                let targets = sample_q_targets(mdp, exact.policy.view(), n, start, rng)?;
                (exact.compatible.clone(), regress_q(features, &targets)?)
            }
            _ => (exact.compatible.clone(), exact.q_fit.clone()),
        };
        let compatible_residual = exact.compatible_residual_of(&compatible);
        let q_residual = exact.q_residual_of(features, &q_fit);
        let mut record = Record::new();
        record.set("J", objective);
        record.set("gap", world.reference().optimal_objective - objective);
        record.set(
            "entropy",
            state_entropy(exact.policy.view()).mean().unwrap_or(0.0),
        );
        record.set("grad_norm", norm(&exact.gradient));
        record.set("approximation_error", exact.approximation_error);
        record.set("q_approximation_error", exact.q_approximation_error);
        record.set(
            "transfer_error",
            state.comparator.under_comparator(&compatible_residual),
        );
        record.set(
            "q_transfer_error",
            state.comparator.under_uniform_actions(&q_residual),
        );
        record.set("sup_error", shift_reduced_sup(&compatible_residual));
        record.set("q_sup_error", shift_reduced_sup(&q_residual));
        record.set("compatible_norm", norm(&compatible));
        record.set("q_fit_norm", norm(&q_fit));
        // ε_stat: the sampled fit's excess loss over the exact one, exactly.
        match (self.direction, self.samples) {
            (Direction::QNatural, n) if n > 0 => record.set(
                "q_stat_error",
                exact.regression_loss(&q_residual) - exact.q_approximation_error,
            ),
            (Direction::Natural, n) if n > 0 => record.set(
                "stat_error",
                exact.regression_loss(&compatible_residual) - exact.approximation_error,
            ),
            _ => {}
        }
        record.set("step_size", state.step_size);
        let direction = match self.direction {
            Direction::Gradient => exact.gradient,
            Direction::Natural => compatible / (1.0 - mdp.gamma()),
            Direction::QNatural => q_fit / (1.0 - mdp.gamma()),
            Direction::TdQNatural => {
                let critic = td_fixed_point(
                    mdp,
                    features,
                    exact.policy.view(),
                    &exact.regression_weights,
                )?;
                record.set("td_error", critic.error);
                record.set("td_projection_error", critic.projection_error);
                record.set("td_reward_residual", critic.reward_residual);
                record.set("completeness_violation", critic.completeness_violation);
                // Infinite where d^π_ρ × π vanishes somewhere (‖·‖_μ is then no norm).
                if critic.amplification.is_finite() {
                    record.set("td_amplification", critic.amplification);
                }
                record.set("td_fitted_norm", critic.fitted_norm);
                let weights = if self.samples > 0 {
                    let transitions =
                        sample_transitions(mdp, exact.policy.view(), self.samples, start, rng)?;
                    let sampled = lstd_q(features, &transitions, mdp.gamma())?;
                    // ‖Φŵ − Φw_TD‖ and ‖Φŵ − Q‖ in the distribution's norm.
                    let to_fixed_point = exact.q_residual_of(features, &sampled)
                        - exact.q_residual_of(features, &critic.weights);
                    record.set(
                        "td_stat_error",
                        exact.regression_loss(&to_fixed_point).sqrt(),
                    );
                    record.set(
                        "td_sampled_error",
                        exact
                            .regression_loss(&exact.q_residual_of(features, &sampled))
                            .sqrt(),
                    );
                    sampled
                } else {
                    critic.weights
                };
                weights / (1.0 - mdp.gamma())
            }
        };
        state.policy.theta.scaled_add(state.step_size, &direction);
        state.step_size = (state.step_size * self.step_growth).min(self.max_step_size);
        Ok((state, record))
    }
}
