//! Dynamic policy gradient on a finite horizon (Klein, Weissmann & Döring 2024, "Beyond
//! Stationarity: Convergence Analysis of Stochastic Softmax Policy Gradient Methods", ICLR 2024,
//! §3): train the policy backwards in time, one step's table per epoch.
//!
//! Epoch h = H−1, …, 0 trains θ_h alone, from uniform, with the later tables π̂_{h+1}, …, π̂_{H−1}
//! frozen. It is a contextual bandit with reward Q̂_h(s, a) = r(s, a) + Σ_{s'} P(s'|s, a)·V̂_{h+1}(s')
//! weighted by a fixed distribution μ of full support:
//!
//! J_h(θ_h) = Σ_s μ(s)·Σ_a π_{θ_h}(a|s)·Q̂_h(s, a),  ∂J_h/∂θ_h(s, a) = μ(s)·π_h(a|s)·(Q̂_h(s, a) − V̂_h(s)).
//!
//! Because J_h is separable over states and Q̂_h does not move during the epoch, each state is a
//! bandit; with the uniform start and η_h ≤ 1/β_h the optimal action's probability never falls
//! below 1/|A|, which removes the unknown constant that makes simultaneous PG's bound depend on
//! the run (their Lemma 3.4 / Prop. 3.3). Smoothness β_h = 2·(H−h)·R* (R* = max |r|), hence the
//! default step η_h = 1/(2·(H−h)·R*), and after n steps
//! max_s [max_a Q̂_h(s, a) − V̂_h(s)] ≤ 2·β_h·‖1/μ‖∞·|A|²/n, i.e. an epoch error ε_h after
//! N_h = ⌈4·(H−h)·R*·|A|²·‖1/μ‖∞/ε_h⌉ steps; errors add over epochs (γ = 1), so ε_h = ε/H gives
//! J* − J ≤ ε after Σ_h N_h = 2·H²·(H+1)·R*·|A|²·‖1/μ‖∞/ε steps: O(H³), against simultaneous PG's
//! O(H⁵). (These constants are restated from the discounted follow-up, Klein et al. 2025,
//! "Structure Matters: Dynamic Policy Gradient", arXiv 2411.04913, Thm 4.6, at γ = 1 as its
//! App. F prescribes; `paper-notes/klein2023-dynamic-pg.md` says which were checked.)
//!
//! Each step here is one gradient step on the current epoch's table; the record is taken at the
//! policy the step starts from, like every algorithm's, with the epoch h the step trains
//! (`epoch`, −1 once all are done) and that epoch's error before the step (`epoch_error`). An
//! epoch ends after `iterations_per_step` steps, or earlier once its error is at most ε/H for a
//! `target` ε > 0 (so the final policy is ε-optimal in every state). After epoch 0 the policy is
//! final: further steps record it unchanged. With `episodes` = K > 0 each epoch's gradient is
//! REINFORCE over K episodes that start at step h from s ~ μ (the estimator of their §4).

use ndarray::{Array1, Array2};
use rand_chacha::ChaCha8Rng;

use super::Algorithm;
use super::catalogue::AlgorithmEntry;
use crate::core::checks::{require_at_least_one, require_positive};
use crate::core::error::{Error, Result};
use crate::core::parameters::{derived_parameter, parameter};
use crate::core::record::Record;
use crate::estimator::finite_horizon::epoch_gradient_estimate;
use crate::metrics::{PolicySnapshot, ascend_and_record};
use crate::policy::TabularSoftmax;
use crate::world::{World, WorldKind};

/// How each epoch weights the states.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EpochWeights {
    /// μ = ρ, the world's initial distribution (Klein et al.'s choice; needs full support).
    Initial,
    /// μ(s) = 1/S for every state.
    Uniform,
}

#[derive(Debug, Clone, PartialEq)]
pub struct DynamicPg {
    step_size: Option<f64>,
    /// `None`: the bound's N_h for the target.
    iterations_per_step: Option<usize>,
    target: f64,
    weights: EpochWeights,
    /// 0: exact epoch gradients; K > 0: REINFORCE over K episodes from step h.
    episodes: usize,
}

impl DynamicPg {
    /// Dynamic PG with step size η > 0 in every epoch (`None`: η_h = 1/(2·(H−h)·R*)), at most
    /// `iterations_per_step` ≥ 1 steps per epoch (`None`: the bound's
    /// N_h = ⌈4·(H−h)·R*·|A|²·‖1/μ‖∞·H/ε⌉, which needs ε > 0), ending an epoch early once its
    /// error is at most ε/H for `target` ε ≥ 0 (0: never early), and epoch weights μ.
    pub fn new(
        step_size: Option<f64>,
        iterations_per_step: Option<usize>,
        target: f64,
        weights: EpochWeights,
    ) -> Result<Self> {
        if let Some(eta) = step_size {
            require_positive("step_size", eta)?;
        }
        if let Some(n) = iterations_per_step {
            require_at_least_one("iterations_per_step", n)?;
        }
        if !(target.is_finite() && target >= 0.0) {
            return Err(Error::invalid(
                "target",
                format!("found {target}"),
                "expected a finite target ε >= 0 (0: every epoch runs all its steps)",
            ));
        }
        if iterations_per_step.is_none() && target == 0.0 {
            return Err(Error::invalid(
                "iterations_per_step",
                "no default without a target (the bound's N_h is for a target ε > 0)",
                "give iterations_per_step, or a target ε > 0",
            ));
        }
        Ok(DynamicPg {
            step_size,
            iterations_per_step,
            target,
            weights,
            episodes: 0,
        })
    }

    /// The same method with each epoch's gradient estimated from `episodes` ≥ 1 episodes that
    /// start at step h from s ~ μ ([`epoch_gradient_estimate`], Klein et al. §4); the epochs'
    /// ends stay as configured (a `target` is then measured with the exact error, an oracle the
    /// sampled method does not have: use it to measure, or give `iterations_per_step`).
    pub fn sampled(mut self, episodes: usize) -> Result<Self> {
        require_at_least_one("episodes", episodes)?;
        self.episodes = episodes;
        Ok(self)
    }
}

/// The catalogue entry.
pub fn entry() -> AlgorithmEntry {
    AlgorithmEntry {
        name: "dynamic-pg",
        summary: "dynamic PG: softmax PG trained backwards in time, one step's table per epoch \
                  (Klein, Weissmann & Döring 2024)",
        worlds: &[WorldKind::FiniteHorizon],
        parameters: vec![
            derived_parameter(
                "step_size",
                "step size η (default η_h = 1/(2(H−h)R*), R* = max |r|: Klein et al.'s 1/β_h)",
            ),
            derived_parameter(
                "iterations_per_step",
                "the most gradient steps of one epoch (default: the bound's \
                 N_h = ⌈4(H−h)R*|A|²‖1/μ‖∞·H/ε⌉, Klein et al. §3)",
            ),
            parameter(
                "target",
                0.01,
                "ε: an epoch ends once max_s [max_a Q̂_h − V̂_h] ≤ ε/H, so J* − J ≤ ε (0: never early)",
            ),
            parameter(
                "weights",
                1.0,
                "epoch weights μ: 0 = ρ (Klein et al.; needs full support), 1 = uniform",
            ),
            parameter(
                "episodes",
                0.0,
                "0: exact epoch gradients; K > 0: REINFORCE over K episodes from step h",
            ),
        ],
        run: |values, world, run| {
            let weights = match values.real("weights") {
                0.0 => EpochWeights::Initial,
                1.0 => EpochWeights::Uniform,
                other => {
                    return Err(Error::invalid(
                        "weights",
                        format!("found {other}"),
                        "0 (ρ) or 1 (uniform)",
                    ));
                }
            };
            let algorithm = DynamicPg::new(
                values.get("step_size"),
                values
                    .get("iterations_per_step")
                    .map(|_| values.count("iterations_per_step"))
                    .transpose()?,
                values.real("target"),
                weights,
            )?;
            match values.count("episodes")? {
                0 => run.go(&algorithm, world),
                episodes => run.go(&algorithm.sampled(episodes)?, world),
            }
        },
    }
}

/// The iterate: one table per step, the epoch being trained and how far it got.
#[derive(Debug, Clone, PartialEq)]
pub struct DynamicPgState {
    pub policy: Vec<TabularSoftmax>,
    /// The epoch (step of the horizon) being trained; `None` once epoch 0 is done.
    pub epoch: Option<usize>,
    /// Steps taken in the current epoch.
    pub iterations: usize,
    /// μ.
    weights: Array1<f64>,
    /// R* = max |r(s, a)| (for the default step).
    largest_reward: f64,
}

impl DynamicPg {
    /// η of epoch h of a horizon H.
    fn step_size_at(&self, h: usize, horizon: usize, largest_reward: f64) -> f64 {
        self.step_size
            .unwrap_or_else(|| 1.0 / (2.0 * (horizon - h) as f64 * largest_reward.max(1e-300)))
    }
}

impl DynamicPg {
    /// The most steps of epoch h: the given count, or the bound's N_h.
    fn epoch_length<W: World + ?Sized>(
        &self,
        h: usize,
        horizon: usize,
        state: &DynamicPgState,
        world: &W,
    ) -> usize {
        self.iterations_per_step.unwrap_or_else(|| {
            let least_weight = state.weights.iter().copied().fold(f64::INFINITY, f64::min);
            let actions = world.n_actions() as f64;
            let n = 4.0 * (horizon - h) as f64 * state.largest_reward * actions * actions
                / least_weight
                * horizon as f64
                / self.target;
            n.ceil().clamp(1.0, 1e15) as usize
        })
    }
}

/// max_s [max_a Q̂_h(s, a) − V̂_h(s)] over available actions: the epoch's error against the
/// frozen later tables (a contextual bandit's worst per-state regret; DynPG's too).
pub(crate) fn epoch_error(q: &Array2<f64>, v: &Array1<f64>, allowed: &[bool]) -> f64 {
    let n_actions = q.ncols();
    q.rows()
        .into_iter()
        .enumerate()
        .map(|(s, row)| {
            let best = row
                .iter()
                .enumerate()
                .filter(|&(a, _)| allowed[s * n_actions + a])
                .fold(f64::NEG_INFINITY, |m, (_, &x)| m.max(x));
            best - v[s]
        })
        .fold(0.0, f64::max)
}

impl<W: World + ?Sized> Algorithm<W> for DynamicPg {
    type State = DynamicPgState;

    fn policy(&self, state: &Self::State) -> Option<Vec<ndarray::Array2<f64>>> {
        Some(TabularSoftmax::stage_probabilities(&state.policy))
    }

    fn logits(&self, state: &Self::State) -> Option<Vec<ndarray::Array2<f64>>> {
        Some(TabularSoftmax::stage_logits(&state.policy))
    }

    fn name(&self) -> &'static str {
        "dynamic-pg"
    }

    fn initial_state(&self, world: &W) -> Result<DynamicPgState> {
        world.require_kind("dynamic-pg", &[WorldKind::FiniteHorizon])?;
        if self.episodes > 0 {
            world.require_model("sampled dynamic PG")?;
        }
        let n_states = world.n_states();
        let weights = match self.weights {
            EpochWeights::Uniform => Array1::from_elem(n_states, 1.0 / n_states as f64),
            EpochWeights::Initial => {
                if let Some(s) = world.initial().iter().position(|&p| p <= 0.0) {
                    return Err(Error::invalid(
                        "weights",
                        format!("ρ({s}) = 0, so epochs weighted by ρ never train state {s}"),
                        "weights = 1 (uniform), or a world whose ρ has full support",
                    ));
                }
                world.initial().clone()
            }
        };
        // R* from the values of the greedy last step: Q_{H−1} = r.
        let uniform = TabularSoftmax::uniform_stages(world);
        let snapshot = PolicySnapshot::of_softmax(world, &uniform)?;
        let last = snapshot.evaluation.stages.len() - 1;
        let largest_reward = snapshot.evaluation.stages[last]
            .q
            .iter()
            .fold(0.0f64, |m, &r| m.max(r.abs()));
        Ok(DynamicPgState {
            epoch: Some(last),
            policy: uniform,
            iterations: 0,
            weights,
            largest_reward,
        })
    }

    fn step(
        &self,
        world: &W,
        mut state: DynamicPgState,
        rng: &mut ChaCha8Rng,
    ) -> Result<(DynamicPgState, Record)> {
        let (snapshot, mut record) = PolicySnapshot::measure_softmax(world, &state.policy)?;
        let horizon = state.policy.len();
        let mut direction: Vec<Array2<f64>> = state
            .policy
            .iter()
            .map(|table| Array2::zeros(table.logits().dim()))
            .collect();
        let allowed = world.allowed_mask();
        let error_at = |h: usize| {
            let stage = &snapshot.evaluation.stages[h];
            epoch_error(&stage.q, &stage.v, allowed)
        };
        // Close the current epoch if it has run its course; the step then trains the next one.
        if let Some(h) = state.epoch {
            let done = state.iterations >= self.epoch_length(h, horizon, &state, world)
                || (self.target > 0.0 && error_at(h) <= self.target / horizon as f64);
            if done {
                state.epoch = h.checked_sub(1);
                state.iterations = 0;
            }
        }
        let mut step_size = 0.0;
        match state.epoch {
            Some(h) => {
                record.set("epoch", h as f64);
                record.set("epoch_error", error_at(h));
                direction[h] = if self.episodes > 0 {
                    let mdp = world.require_model("sampled dynamic PG")?;
                    let views: Vec<_> = snapshot.probabilities.iter().map(|p| p.view()).collect();
                    let (gradient, transitions) = epoch_gradient_estimate(
                        mdp,
                        &views,
                        h,
                        &state.weights,
                        self.episodes,
                        rng,
                    )?;
                    record.set("samples", transitions as f64);
                    gradient
                } else {
                    let advantage = snapshot.evaluation.stages[h].advantage();
                    let p = &snapshot.probabilities[h];
                    Array2::from_shape_fn(p.dim(), |(s, a)| {
                        if p[[s, a]] > 0.0 {
                            state.weights[s] * p[[s, a]] * advantage[[s, a]]
                        } else {
                            0.0
                        }
                    })
                };
                step_size = self.step_size_at(h, horizon, state.largest_reward);
                state.iterations += 1;
            }
            None => {
                record.set("epoch", -1.0);
                record.set("epoch_error", 0.0);
                if self.episodes > 0 {
                    record.set("samples", 0.0);
                }
            }
        }
        record.set("step_size", step_size);
        ascend_and_record(
            &mut state.policy,
            &snapshot,
            &direction,
            step_size,
            &mut record,
        );
        Ok((state, record))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::algo::runner::{run, run_while};
    use crate::exact::FiniteHorizonWorld;
    use crate::exact::finite_horizon_world::garnet_world;

    fn world(steps: usize) -> FiniteHorizonWorld {
        garnet_world(4, 3, steps, 1.0, 11)
    }

    /// Epochs run backwards, each only until its error is within ε/H (the bound's N_h as the
    /// cap); the final policy is ε-optimal (errors add over epochs at γ = 1).
    #[test]
    fn epochs_run_backwards_and_the_errors_add_up() {
        let world = world(4);
        let target = 4e-3;
        let algorithm = DynamicPg::new(None, None, target, EpochWeights::Uniform).unwrap();
        let mut epochs = Vec::new();
        let mut last_gap = f64::NAN;
        let state = run_while(&algorithm, &world, 200_001, 0, |_, record| {
            epochs.push(record.get("epoch").unwrap());
            last_gap = record.get("gap").unwrap();
            record.get("epoch") != Some(-1.0)
        })
        .unwrap();
        eprintln!("{} steps for the four epochs", epochs.len() - 1);
        assert_eq!(state.epoch, None, "all four epochs finished");
        let order: Vec<f64> = epochs.iter().copied().fold(Vec::new(), |mut seen, e| {
            if seen.last() != Some(&e) {
                seen.push(e);
            }
            seen
        });
        assert_eq!(order, [3.0, 2.0, 1.0, 0.0, -1.0]);
        assert!(last_gap >= -1e-12 && last_gap <= target, "gap {last_gap}");
    }

    /// The default step is 1/(2(H−h)R*), and ρ-weights on a ρ without full support are refused.
    #[test]
    fn default_step_and_weights() {
        let world = world(3);
        let algorithm = DynamicPg::new(None, Some(5), 0.0, EpochWeights::Uniform).unwrap();
        let state = Algorithm::<FiniteHorizonWorld>::initial_state(&algorithm, &world).unwrap();
        let r_star = world
            .mdp
            .expected_reward()
            .iter()
            .fold(0.0f64, |m, r| m.max(r.abs()));
        assert_eq!(state.largest_reward, r_star);
        let mut steps = Vec::new();
        run(&algorithm, &world, 16, 0, |_, record| {
            steps.push(record.get("step_size").unwrap())
        })
        .unwrap();
        assert_eq!(steps[0], 1.0 / (2.0 * r_star));
        assert_eq!(
            steps[5],
            1.0 / (2.0 * 2.0 * r_star),
            "the first step of epoch 1"
        );
        assert_eq!(steps[15], 0.0, "after epoch 0 the policy is final");
        let point_mass =
            FiniteHorizonWorld::new(world.mdp.with_initial(vec![1.0, 0.0, 0.0, 0.0]).unwrap())
                .unwrap();
        let by_rho = DynamicPg::new(None, Some(5), 0.0, EpochWeights::Initial).unwrap();
        let message = Algorithm::<FiniteHorizonWorld>::initial_state(&by_rho, &point_mass)
            .unwrap_err()
            .to_string();
        assert!(message.contains("full support"), "{message}");
    }
}
