//! Robust value iteration: V_{k+1} = T_𝒫 V_k from V_0 = 0 (Iyengar 2005, §4; Nilim & El Ghaoui
//! 2005, §3). T_𝒫 is a γ-contraction in ‖·‖∞, so the stopping rule and bounds of nominal value
//! iteration carry over unchanged (Puterman 1994, Thm. 6.3.1, whose proof uses only the
//! contraction and monotonicity): ‖V_{k+1} − V*_𝒫‖∞ ≤ γ/(1−γ)·‖V_{k+1} − V_k‖∞, and the policy
//! greedy at V_{k+1} is within twice that of the robust optimum. With a zero radius every sweep
//! computes the nominal numbers, and the result equals [`crate::exact::value_iteration`]'s bit for
//! bit.

use ndarray::{Array1, Array2};

use super::bellman::{Choice, Rule, Sweep, Workspace, sweep_into};
use crate::core::error::{Error, Result};
use crate::world::robust_mdp::RobustMdp;

/// The robust optimum (or an ε-optimum) of a robust MDP, with nature's worst case.
#[derive(Debug, Clone, PartialEq)]
pub struct RobustSolution {
    /// V*_𝒫(s).
    pub v: Array1<f64>,
    /// Q_𝒫(s, a) at V under nature's choice.
    pub q: Array2<f64>,
    /// The robust-optimal policy (deterministic for (s,a)-rectangular and finite sets; possibly
    /// randomized for s-rectangular ones).
    pub policy: Array2<f64>,
    /// Nature's worst case against that policy at V.
    pub choice: Choice,
    /// Sweeps or improvement steps.
    pub iterations: usize,
    /// Bound on ‖v − V*_𝒫‖∞.
    pub value_error_bound: f64,
    /// ‖T_𝒫 v − v‖∞ at the returned v.
    pub residual: f64,
}

impl RobustSolution {
    pub(crate) fn from_sweep(
        v: Vec<f64>,
        sweep: Sweep,
        n_actions: usize,
        iterations: usize,
        value_error_bound: f64,
    ) -> Self {
        let residual = sweep.residual(&v);
        RobustSolution {
            q: sweep.q_table(n_actions),
            policy: sweep.policy_table(n_actions),
            v: Array1::from(v),
            choice: sweep.choice,
            iterations,
            value_error_bound,
            residual,
        }
    }
}

/// Fails unless `tolerance` > 0, naming the method.
pub(crate) fn require_tolerance(method: &str, tolerance: f64) -> Result<()> {
    if tolerance.is_nan() || tolerance <= 0.0 {
        return Err(Error::Usage(format!(
            "the tolerance of {method} must be positive, got {tolerance}"
        )));
    }
    Ok(())
}

/// Robust value iteration until ‖V_{k+1} − V*_𝒫‖∞ ≤ `tolerance` is guaranteed, or an error after
/// `max_iterations` sweeps.
pub fn robust_value_iteration(
    world: &RobustMdp,
    tolerance: f64,
    max_iterations: usize,
) -> Result<RobustSolution> {
    require_tolerance("robust value iteration", tolerance)?;
    let gamma = world.gamma();
    let factor = if gamma == 0.0 {
        0.0
    } else {
        gamma / (1.0 - gamma)
    };
    let mut work = Workspace::default();
    let mut sweep = Sweep::for_world(world);
    let mut v = vec![0.0; world.n_states()];
    let mut last_change = f64::INFINITY;
    for iteration in 1..=max_iterations {
        sweep_into(world, &v, Rule::Optimal, &mut work, &mut sweep);
        last_change = v
            .iter()
            .zip(&sweep.v)
            .fold(0.0f64, |m, (a, b)| m.max((b - a).abs()));
        std::mem::swap(&mut v, &mut sweep.v);
        if factor * last_change <= tolerance {
            sweep_into(world, &v, Rule::Optimal, &mut work, &mut sweep);
            return Ok(RobustSolution::from_sweep(
                v,
                sweep,
                world.n_actions(),
                iteration,
                factor * last_change,
            ));
        }
    }
    Err(Error::Numerical {
        origin: String::new(),
        detail: format!(
            "robust value iteration did not reach tolerance {tolerance:e} within \
             {max_iterations} sweeps (last change {last_change:e}); raise --max-iterations or \
             the tolerance"
        ),
    })
}
