//! Policy gradient and natural policy gradient for log-linear policies π_θ(a|s) ∝ exp(θᵀφ(s, a))
//! on a world with a feature map, exact (Agarwal, Kakade, Lee & Mahajan 2021, §6; the exact
//! quantities in [`crate::policy::log_linear`]):
//!
//! - `log-linear-pg`: θ_{t+1} = θ_t + η·∇J(θ_t), ∇J = E_{s~d^π_ρ, a~π}[A^π(s, a)·φ̄(s, a)]/(1 − γ);
//! - `log-linear-npg`: θ_{t+1} = θ_t + η·w*_t/(1 − γ), with w*_t the compatible function
//!   approximation (the weighted regression of A^{π_t} on φ̄), i.e. θ + η·F⁺∇J (Kakade 2002);
//! - `q-npg`: θ_{t+1} = θ_t + η·w_Q/(1 − γ), with w_Q the regression of Q^{π_t} on φ under
//!   d^{π_t}_ρ × π_t (Agarwal et al. 2021, Algorithm 4, with the exact regression and ν = ρ; the
//!   step is scaled like policylab's tabular NPG, η/(1 − γ), so that with one-hot features all
//!   three are the tabular methods: w_Q = Q there, and Q and A differ by a constant per state).
//!
//! With one-hot features both are the tabular `softmax-pg` and `npg` (θ the logits; the tests
//! compare the trajectories). A step records J, the gap to V*, the mean entropy over states, the
//! gradient's norm and the approximation error of that step's regression (Agarwal et al.'s bounds
//! are in terms of it): `approximation_error` = E_{d,π}[(w*ᵀφ̄ − A)²] (0 when A^π ∈ span φ̄) and
//! `q_approximation_error` = E_{d,π}[(w_Qᵀφ − Q)²] (0 when Q^π ∈ span φ, e.g. in a linear MDP).

use rand_chacha::ChaCha8Rng;

use super::Algorithm;
use super::catalogue::{AlgorithmEntry, Run};
use crate::core::checks::require_positive;
use crate::core::entropy::state_entropy;
use crate::core::error::{Error, Result};
use crate::core::parameters::{Values, parameter};
use crate::core::record::Record;
use crate::policy::{LogLinear, log_linear_gradient};
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
}

#[derive(Debug, Clone, PartialEq)]
pub struct LogLinearPg {
    direction: Direction,
    step_size: f64,
}

impl LogLinearPg {
    pub fn new(direction: Direction, step_size: f64) -> Result<Self> {
        require_positive("step_size", step_size)?;
        Ok(LogLinearPg {
            direction,
            step_size,
        })
    }

    fn label(&self) -> &'static str {
        match self.direction {
            Direction::Gradient => "log-linear-pg",
            Direction::Natural => "log-linear-npg",
            Direction::QNatural => "q-npg",
        }
    }
}

/// An entry of the family: `run` builds its direction's algorithm from the checked values.
fn family_entry(
    name: &'static str,
    summary: &'static str,
    run: fn(&Values<'_>, &dyn World, &mut Run<'_>) -> Result<()>,
) -> AlgorithmEntry {
    AlgorithmEntry {
        name,
        summary,
        worlds: FEATURE_WORLDS,
        parameters: vec![parameter("step_size", 1.0, "η (> 0)")],
        run,
    }
}

/// Runs the algorithm of `direction` with the entry's step size.
fn run_direction(
    direction: Direction,
    values: &Values<'_>,
    world: &dyn World,
    run: &mut Run<'_>,
) -> Result<()> {
    run.go(
        &LogLinearPg::new(direction, values.real("step_size"))?,
        world,
    )
}

/// The catalogue entry of PG.
pub fn entry() -> AlgorithmEntry {
    family_entry(
        "log-linear-pg",
        "exact PG for log-linear policies on a world with features (Agarwal et al. 2021, §6)",
        |values, world, run| run_direction(Direction::Gradient, values, world, run),
    )
}

/// The catalogue entry of NPG.
pub fn natural_entry() -> AlgorithmEntry {
    family_entry(
        "log-linear-npg",
        "exact NPG for log-linear policies via compatible function approximation (Agarwal et al. 2021, §6)",
        |values, world, run| run_direction(Direction::Natural, values, world, run),
    )
}

/// The catalogue entry of Q-NPG.
pub fn q_entry() -> AlgorithmEntry {
    family_entry(
        "q-npg",
        "exact Q-NPG: NPG steps along the regression of Q on the features (Agarwal et al. 2021, Alg. 4)",
        |values, world, run| run_direction(Direction::QNatural, values, world, run),
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

impl<W: World + ?Sized> Algorithm<W> for LogLinearPg {
    type State = LogLinear;

    fn name(&self) -> &'static str {
        self.label()
    }

    fn initial_state(&self, world: &W) -> Result<LogLinear> {
        let (_, features) = require_features(world, self.label())?;
        Ok(LogLinear::zeros(features))
    }

    fn step(
        &self,
        world: &W,
        mut state: LogLinear,
        _rng: &mut ChaCha8Rng,
    ) -> Result<(LogLinear, Record)> {
        let (mdp, features) = require_features(world, self.label())?;
        let exact = log_linear_gradient(mdp, features, &state)?;
        let objective = mdp.initial().dot(&exact.values.v);
        let mut record = Record::new();
        record.set("J", objective);
        record.set("gap", world.reference().optimal_objective - objective);
        record.set(
            "entropy",
            state_entropy(exact.policy.view()).mean().unwrap_or(0.0),
        );
        record.set(
            "grad_norm",
            exact.gradient.iter().map(|g| g * g).sum::<f64>().sqrt(),
        );
        record.set("approximation_error", exact.approximation_error);
        record.set("q_approximation_error", exact.q_approximation_error);
        let direction = match self.direction {
            Direction::Gradient => exact.gradient,
            Direction::Natural => exact.compatible / (1.0 - mdp.gamma()),
            Direction::QNatural => exact.q_fit / (1.0 - mdp.gamma()),
        };
        state.theta.scaled_add(self.step_size, &direction);
        Ok((state, record))
    }
}
