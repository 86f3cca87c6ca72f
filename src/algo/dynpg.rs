//! DynPG on a discounted world (Klein, Zhang, Başar, Weissmann & Döring 2025, "Structure
//! Matters: Dynamic Policy Gradient", arXiv 2411.04913, §3, Algorithm 1): policy gradient that
//! grows the horizon one epoch at a time, each epoch one Bellman backup done by gradient ascent.
//!
//! Epoch h = 0, 1, 2, … trains a fresh uniform table θ for the first step of an (h+1)-step
//! problem whose later h steps follow the tables trained before, frozen; the new table is then
//! prepended, so V_{h+1} = T^{π̂_h} V_h with V_0 = 0 (their Eq. 5). With
//! Q_{h+1}(s, a) = r(s, a) + γ·Σ_{s'} P(s'|s, a)·V_h(s') fixed during the epoch, the objective is a
//! contextual bandit Σ_s μ(s)·Σ_a π_θ(a|s)·Q_{h+1}(s, a), with gradient
//!
//! ∂/∂θ(s, a) = μ(s)·π_θ(a|s)·(Q_{h+1}(s, a) − Σ_b π_θ(b|s)·Q_{h+1}(s, b))
//!
//! (no occupancy, no 1/(1−γ)). It is L_h-smooth with L_h = 2R*(1−γ^{h+1})/(1−γ) (their Lemma D.1);
//! with η_h = 1/L_h and the uniform start the optimal action's probability never falls (Lemma
//! D.4), which is what makes the bound polynomial in 1/(1−γ): O((1−γ)⁻⁴ε⁻¹·log) exact steps
//! (Theorem 4.8), where softmax PG can need |S|^{2^{Ω(1/(1−γ))}} (Li et al. 2021).
//!
//! The policy DynPG returns is the newest table, used as a stationary policy; each step here
//! records that table's J on the world (the table being trained, so J moves within an epoch) with
//! `epoch` = h. Defaults follow their experiments' schedule (App. B and their code, "adaptive"):
//! η_h = 2(1−γ)/(1−γ^{h+1}) (R* = 1, 4 × Lemma D.1's step) and N_h = ⌈45·(1−γ^{h+1})/(1−γ)⌉ steps
//! per epoch; `step_size` and `iterations_per_epoch` replace either. Their μ is a distribution;
//! the objective is separable over states, so μ only scales each state's step, and the default
//! here is μ(s) = 1 (each state's bandit takes η itself, whatever |S| is; uniform μ = 1/S with η·S
//! is the same update): their schedule was tuned on a four-state start distribution.

use ndarray::{Array1, Array2};
use rand_chacha::ChaCha8Rng;

use super::Algorithm;
use super::catalogue::AlgorithmEntry;
use super::dynamic_pg::epoch_error;
use crate::core::checks::{require_at_least_one, require_positive};
use crate::core::error::{Error, Result};
use crate::core::parameters::{derived_parameter, parameter};
use crate::core::record::Record;
use crate::exact::bellman::{policy_average, q_values_with_gamma};
use crate::metrics::{PolicySnapshot, ascend_and_record};
use crate::policy::TabularSoftmax;
use crate::world::{World, WorldKind};

/// How each epoch weights the states.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StateWeights {
    /// μ = ρ (their choice; needs full support).
    Initial,
    /// μ(s) = 1/S.
    Uniform,
    /// μ(s) = 1: each state's bandit takes the step η itself (uniform μ with η·S).
    Unit,
}

#[derive(Debug, Clone, PartialEq)]
pub struct DynPg {
    step_size: Option<f64>,
    iterations_per_epoch: Option<usize>,
    weights: StateWeights,
    target: f64,
}

impl DynPg {
    /// DynPG with step size η > 0 (`None`: η_h = 2(1−γ)/(1−γ^{h+1})), at most
    /// `iterations_per_epoch` ≥ 1 steps per epoch (`None`: ⌈45·(1−γ^{h+1})/(1−γ)⌉), epoch
    /// weights μ, and a `target` ε ≥ 0: an epoch ends early once its bandit error
    /// max_s[max_a Q_{h+1}(s, a) − Σ_a π(a|s)·Q_{h+1}(s, a)] is at most (1−γ)·ε/2 (0: never early),
    /// which keeps the accumulated error Σ_h γ^{H−h−1}·ε_h of their Proposition 4.1 below ε/2.
    pub fn new(
        step_size: Option<f64>,
        iterations_per_epoch: Option<usize>,
        weights: StateWeights,
        target: f64,
    ) -> Result<Self> {
        if let Some(eta) = step_size {
            require_positive("step_size", eta)?;
        }
        if let Some(n) = iterations_per_epoch {
            require_at_least_one("iterations_per_epoch", n)?;
        }
        if !(target.is_finite() && target >= 0.0) {
            return Err(Error::invalid(
                "target",
                format!("found {target}"),
                "expected a finite target ε >= 0 (0: every epoch runs all its steps)",
            ));
        }
        Ok(DynPg {
            step_size,
            iterations_per_epoch,
            weights,
            target,
        })
    }

    fn step_size_at(&self, h: usize, gamma: f64) -> f64 {
        self.step_size
            .unwrap_or_else(|| 2.0 * (1.0 - gamma) / (1.0 - gamma.powi(h as i32 + 1)))
    }

    fn epoch_length(&self, h: usize, gamma: f64) -> usize {
        self.iterations_per_epoch.unwrap_or_else(|| {
            (45.0 * (1.0 - gamma.powi(h as i32 + 1)) / (1.0 - gamma))
                .ceil()
                .max(1.0) as usize
        })
    }
}

/// The catalogue entry.
pub fn entry() -> AlgorithmEntry {
    AlgorithmEntry {
        name: "dynpg",
        summary: "DynPG: softmax PG growing the horizon one epoch (one Bellman backup) at a time \
                  (Klein et al. 2025, Structure Matters)",
        worlds: &[WorldKind::Discounted],
        parameters: vec![
            derived_parameter(
                "step_size",
                "step size η (default η_h = 2(1−γ)/(1−γ^{h+1}), their experiments' schedule)",
            ),
            derived_parameter(
                "iterations_per_epoch",
                "steps per epoch (default ⌈45·(1−γ^{h+1})/(1−γ)⌉, their experiments' schedule)",
            ),
            parameter(
                "weights",
                2.0,
                "epoch weights μ: 2 = 1 per state (each state's bandit takes the step η), \
                 1 = uniform 1/S, 0 = ρ (Klein et al.; needs full support)",
            ),
            parameter(
                "target",
                0.0,
                "ε: an epoch ends once its bandit error ≤ (1−γ)ε/2 (0: never early)",
            ),
        ],
        run: |values, world, run| {
            let weights = match values.real("weights") {
                0.0 => StateWeights::Initial,
                1.0 => StateWeights::Uniform,
                2.0 => StateWeights::Unit,
                other => {
                    return Err(Error::invalid(
                        "weights",
                        format!("found {other}"),
                        "0 (ρ), 1 (uniform 1/S) or 2 (1 per state)",
                    ));
                }
            };
            let iterations = values
                .get("iterations_per_epoch")
                .map(|_| values.count("iterations_per_epoch"))
                .transpose()?;
            run.go(
                &DynPg::new(
                    values.get("step_size"),
                    iterations,
                    weights,
                    values.real("target"),
                )?,
                world,
            )
        },
    }
}

/// The iterate: the table being trained, the epoch and the frozen future it is trained against.
#[derive(Debug, Clone, PartialEq)]
pub struct DynPgState {
    pub policy: TabularSoftmax,
    pub epoch: usize,
    pub iterations: usize,
    /// Q_{h+1} = r + γ·P·V_h of the frozen later tables.
    q: Array2<f64>,
    weights: Array1<f64>,
}

impl<W: World + ?Sized> Algorithm<W> for DynPg {
    type State = DynPgState;

    /// The stationary policy measured at this iterate: the table being trained.
    fn policy(&self, state: &Self::State) -> Option<Vec<ndarray::Array2<f64>>> {
        Some(vec![state.policy.probabilities()])
    }

    fn logits(&self, state: &Self::State) -> Option<Vec<ndarray::Array2<f64>>> {
        Some(vec![state.policy.logits().clone()])
    }

    fn name(&self) -> &'static str {
        "dynpg"
    }

    fn initial_state(&self, world: &W) -> Result<DynPgState> {
        world.require_kind("dynpg", &[WorldKind::Discounted])?;
        let mdp = world.require_model("dynpg's backups")?;
        let n_states = world.n_states();
        let weights = match self.weights {
            StateWeights::Uniform => Array1::from_elem(n_states, 1.0 / n_states as f64),
            StateWeights::Unit => Array1::from_elem(n_states, 1.0),
            StateWeights::Initial => {
                if let Some(s) = world.initial().iter().position(|&p| p <= 0.0) {
                    return Err(Error::invalid(
                        "weights",
                        format!("ρ({s}) = 0, so epochs weighted by ρ never train state {s}"),
                        "weights = 1 or 2, or a world whose ρ has full support",
                    ));
                }
                world.initial().clone()
            }
        };
        Ok(DynPgState {
            policy: TabularSoftmax::uniform_on(world),
            epoch: 0,
            iterations: 0,
            q: q_values_with_gamma(mdp, Array1::zeros(n_states).view(), world.gamma()),
            weights,
        })
    }

    fn step(
        &self,
        world: &W,
        mut state: DynPgState,
        _rng: &mut ChaCha8Rng,
    ) -> Result<(DynPgState, Record)> {
        let gamma = world.gamma();
        let converged = self.target > 0.0 && {
            let mean = policy_average(state.policy.probabilities().view(), state.q.view());
            epoch_error(&state.q, &mean, world.allowed_mask()) <= (1.0 - gamma) * self.target / 2.0
        };
        if state.iterations >= self.epoch_length(state.epoch, gamma) || converged {
            // Freeze the trained table: V_{h+1} = T^{π̂_h} V_h, then a fresh table for epoch h+1.
            let mdp = world.require_model("dynpg's backups")?;
            let next_values = policy_average(state.policy.probabilities().view(), state.q.view());
            state.q = q_values_with_gamma(mdp, next_values.view(), gamma);
            state.policy = TabularSoftmax::uniform_on(world);
            state.epoch += 1;
            state.iterations = 0;
        }
        let (snapshot, mut record) =
            PolicySnapshot::measure_softmax(world, std::slice::from_ref(&state.policy))?;
        record.set("epoch", state.epoch as f64);
        let p = &snapshot.probabilities[0];
        let mean = policy_average(p.view(), state.q.view());
        let gradient = Array2::from_shape_fn(p.dim(), |(s, a)| {
            if p[[s, a]] > 0.0 {
                state.weights[s] * p[[s, a]] * (state.q[[s, a]] - mean[s])
            } else {
                0.0
            }
        });
        let step_size = self.step_size_at(state.epoch, gamma);
        record.set("step_size", step_size);
        ascend_and_record(
            std::slice::from_mut(&mut state.policy),
            &snapshot,
            std::slice::from_ref(&gradient),
            step_size,
            &mut record,
        );
        state.iterations += 1;
        Ok((state, record))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::algo::runner::run;
    use crate::exact::Problem;
    use crate::world::generate::GarnetParams;

    /// Each epoch is one Bellman backup by gradient ascent. The default schedule's epochs have
    /// the lengths ⌈45·(1−γ^{h+1})/(1−γ)⌉; with a target ε each epoch instead runs until its
    /// worst regret is ≤ (1−γ)ε/2, so the policy returned at an epoch's end approaches ε/2 plus
    /// the truncation γ^H·R*/(1−γ) (their Proposition 4.1), which falls geometrically.
    #[test]
    fn epochs_are_backups_and_the_policy_approaches_the_optimum() {
        let problem = Problem::new(
            GarnetParams {
                states: 5,
                actions: 3,
                branching: 2,
                gamma: 0.8,
                seed: 4,
            }
            .build()
            .unwrap(),
        )
        .unwrap();
        let schedule = DynPg::new(None, None, StateWeights::Unit, 0.0).unwrap();
        let lengths: Vec<usize> = (0..4).map(|h| schedule.epoch_length(h, 0.8)).collect();
        // 45·0.2/0.2 = 45, 45·0.36/0.2 = 81, 45·0.488/0.2 = 109.8, 45·0.5904/0.2 = 132.84.
        assert_eq!(lengths, [45, 81, 110, 133], "⌈45·(1−0.8^{{h+1}})/0.2⌉");
        let epochs_and_gaps = |algorithm: &DynPg, steps: usize| {
            let mut out = Vec::new();
            run(algorithm, &problem, steps, 0, |_, record| {
                out.push((record.get("epoch").unwrap(), record.get("gap").unwrap()));
            })
            .unwrap();
            out
        };
        let scheduled = epochs_and_gaps(&schedule, 200);
        assert_eq!(scheduled[44].0, 0.0);
        assert_eq!(scheduled[45].0, 1.0, "epoch 0 has 45 steps");
        let target = 0.01;
        let targeted = DynPg::new(Some(1.0), Some(1_000_000), StateWeights::Unit, target).unwrap();
        let trace = epochs_and_gaps(&targeted, 20_000);
        assert!(
            trace.windows(2).all(|w| w[1].0 >= w[0].0),
            "epochs only advance"
        );
        // The gap of each epoch's final table (the policy DynPG returns after that epoch).
        let ends: Vec<f64> = trace
            .windows(2)
            .filter(|w| w[1].0 != w[0].0)
            .map(|w| w[0].1)
            .collect();
        assert!(ends.len() >= 20, "{} epochs", ends.len());
        let last = *ends.last().unwrap();
        assert!(
            (0.0..target).contains(&last),
            "gap at the last epoch's end: {last}"
        );
        let finite = crate::exact::finite_horizon_world::garnet_world(3, 2, 2, 1.0, 1);
        let message = run(&schedule, &finite, 1, 0, |_, _| {})
            .unwrap_err()
            .to_string();
        assert!(message.contains("discounted"), "{message}");
    }
}
