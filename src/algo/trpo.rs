//! Trust Region Policy Optimization on exact tabular quantities (Schulman, Levine, Moritz, Jordan
//! & Abbeel 2015, "Trust Region Policy Optimization", §6 and Appendix C):
//!
//! maximize L_t(θ) = 1/(1−γ)·Σ_s d^{π_t}(s)·Σ_a π_θ(a|s)·A^{π_t}(s, a)
//! subject to  KL̄(θ_t, θ) = Σ_s d^{π_t}(s)·KL(π_t(·|s)‖π_θ(·|s)) ≤ δ.
//!
//! The step direction x solves F·x = g by conjugate gradient, with g = ∇L_t(θ_t) (the exact
//! policy gradient) and F the Fisher matrix of the mean KL, which for the tabular softmax is
//! block-diagonal: (F·v)(s, b) = d(s)·π(b|s)·(v(s, b) − Σ_a π(a|s)·v(s, a)). The full step
//! √(2δ/xᵀFx)·x is then halved until the *exact* mean KL is within δ and the surrogate improves
//! (the backtracking line search of their Appendix C). If no halving is accepted the policy is
//! kept and `accepted` is 0.
//!
//! **Sampled mode** (`episodes = N > 0`; their §5, the "single path" procedure): each update
//! draws N episodes of π_t (geometric termination), attaches GAE(λ) advantages from the critic
//! `critic` (0 the exact V^{π_t}; 1, 2 model-free: [`crate::estimator::tabular_critic`]) and
//! replaces every exact quantity by its sample estimate over the n visited steps i:
//! ĝ = (1/N)·Σ_i Â_i·∇log π(a_i|s_i), the mean KL and the Fisher matrix under the empirical
//! state distribution d̂(s) = #{i: s_i = s}/n (the analytic per-state KL at the sampled states,
//! as in the paper), and the surrogate gain L̂(θ) − L̂(θ_t) = (1/N)·Σ_i (r_θ(i) − 1)·Â_i. The line
//! search accepts the first halving with L̂ gain > 0 and sampled mean KL ≤ δ. The recorded `kl`
//! and `dH` are exact (under d^{π_t}); `sample_kl` is the one the step was held to.

use ndarray::Array2;
use rand_chacha::ChaCha8Rng;

use super::Algorithm;
use super::catalogue::{AlgorithmEntry, STATIONARY_WORLDS};
use crate::core::checks::{require_at_least_one, require_positive};
use crate::core::error::{Error, Result};
use crate::core::parameters::parameter;
use crate::core::record::Record;
use crate::estimator::sample_episodes;
use crate::estimator::tabular_critic::{Critic, critic_batch};
use crate::metrics::{PolicyChange, PolicySnapshot, kl_divergence};
use crate::policy::TabularSoftmax;
use crate::world::World;

#[derive(Debug, Clone, PartialEq)]
pub struct Trpo {
    max_kl: f64,
    cg_iterations: usize,
    backtracks: usize,
    damping: f64,
    /// Sampled mode: `episodes` rollouts per update with GAE(`lambda`) on `critic`; exact when
    /// `None`.
    sampled: Option<SampledTrpo>,
}

/// Sampled TRPO's estimator settings.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SampledTrpo {
    pub episodes: usize,
    pub lambda: f64,
    pub critic: Critic,
}

impl Trpo {
    /// TRPO with trust-region radius δ > 0 on the mean KL(π_t‖π_{t+1}), `cg_iterations` ≥ 1
    /// conjugate-gradient iterations, `backtracks` line-search halvings before giving up on the
    /// step, and `damping` ≥ 0 added to F's diagonal so CG stays well defined where F is singular.
    pub fn new(max_kl: f64, cg_iterations: usize, backtracks: usize, damping: f64) -> Result<Self> {
        require_positive("max_kl", max_kl)?;
        require_at_least_one("cg_iterations", cg_iterations)?;
        if !(damping.is_finite() && damping >= 0.0) {
            return Err(Error::invalid(
                "damping",
                format!("found {damping}"),
                "expected a finite damping >= 0",
            ));
        }
        Ok(Trpo {
            max_kl,
            cg_iterations,
            backtracks,
            damping,
            sampled: None,
        })
    }

    /// The same TRPO in sampled mode (see the module documentation): `episodes` ≥ 1, λ ∈ [0, 1].
    pub fn sampled(mut self, settings: SampledTrpo) -> Result<Self> {
        require_at_least_one("episodes", settings.episodes)?;
        if !(0.0..=1.0).contains(&settings.lambda) {
            return Err(Error::invalid(
                "lambda",
                format!("found {}", settings.lambda),
                "expected GAE's λ in [0, 1]",
            ));
        }
        self.sampled = Some(settings);
        Ok(self)
    }
}

impl Trpo {
    /// δ, the trust-region radius on the mean KL.
    pub fn max_kl(&self) -> f64 {
        self.max_kl
    }
}

/// δ = 0.01, 10 CG iterations (the paper's experiments), 10 halvings, damping 1e-8.
impl Default for Trpo {
    fn default() -> Self {
        Trpo {
            max_kl: 0.01,
            cg_iterations: 10,
            backtracks: 10,
            damping: 1e-8,
            sampled: None,
        }
    }
}

/// The catalogue entry.
pub fn entry() -> AlgorithmEntry {
    AlgorithmEntry {
        name: "trpo",
        summary: "TRPO: CG on the Fisher matrix + exact-KL line search (Schulman et al. 2015)",
        worlds: STATIONARY_WORLDS,
        parameters: vec![
            parameter("max_kl", 0.01, "trust-region radius δ on the mean KL"),
            parameter("cg_iterations", 10.0, "conjugate-gradient iterations"),
            parameter("backtracks", 10.0, "line-search halvings"),
            parameter("damping", 1e-8, "added to the Fisher diagonal"),
            parameter(
                "episodes",
                0.0,
                "0: exact TRPO; N > 0: N sampled rollouts per update (Schulman et al.'s single path)",
            ),
            parameter("lambda", 0.95, "GAE's λ in sampled mode"),
            parameter(
                "critic",
                0.0,
                "sampled mode's critic: 0 the exact V^π, 1 Monte-Carlo, 2 batch TD(0) (model-free)",
            ),
        ],
        run: |values, world, run| {
            let trpo = Trpo::new(
                values.real("max_kl"),
                values.count("cg_iterations")?,
                values.count("backtracks")?,
                values.real("damping"),
            )?;
            let critic = Critic::from_code(values.count("critic")?)?;
            let trpo = match values.count("episodes")? {
                0 if critic != Critic::Exact => {
                    return Err(Error::invalid(
                        "critic",
                        "a fitted critic with episodes = 0",
                        "episodes > 0: exact TRPO has no samples to fit a critic to",
                    ));
                }
                0 => trpo,
                episodes => trpo.sampled(SampledTrpo {
                    episodes,
                    lambda: values.real("lambda"),
                    critic,
                })?,
            };
            run.go(&trpo, world)
        },
    }
}

/// (F + λI)·v for the tabular softmax Fisher matrix of the d-weighted mean KL.
pub fn fisher_vector_product(
    policy: &Array2<f64>,
    state_weights: &[f64],
    damping: f64,
    v: &Array2<f64>,
) -> Array2<f64> {
    let mut out = v * damping;
    for (s, &d) in state_weights.iter().enumerate() {
        let mean: f64 = policy.row(s).dot(&v.row(s));
        for a in 0..policy.ncols() {
            out[[s, a]] += d * policy[[s, a]] * (v[[s, a]] - mean);
        }
    }
    out
}

/// Conjugate gradient for A·x = b with A symmetric positive semi-definite, from x = 0. Returns x
/// and the final residual norm ‖b − A·x‖.
pub fn conjugate_gradient(
    apply: impl Fn(&Array2<f64>) -> Array2<f64>,
    b: &Array2<f64>,
    iterations: usize,
) -> (Array2<f64>, f64) {
    let mut x = Array2::zeros(b.dim());
    let mut residual = b.clone();
    let mut direction = b.clone();
    let mut residual_norm2: f64 = residual.iter().map(|r| r * r).sum();
    for _ in 0..iterations {
        if residual_norm2 <= 1e-30 {
            break;
        }
        let applied = apply(&direction);
        let curvature: f64 = (&direction * &applied).sum();
        if curvature <= 0.0 {
            break;
        }
        let alpha = residual_norm2 / curvature;
        x.scaled_add(alpha, &direction);
        residual.scaled_add(-alpha, &applied);
        let next_norm2: f64 = residual.iter().map(|r| r * r).sum();
        direction = &residual + &(direction * (next_norm2 / residual_norm2));
        residual_norm2 = next_norm2;
    }
    (x, residual_norm2.sqrt())
}

impl<W: World + ?Sized> Algorithm<W> for Trpo {
    type State = TabularSoftmax;

    fn policy(&self, state: &Self::State) -> Option<Vec<ndarray::Array2<f64>>> {
        Some(vec![state.probabilities()])
    }

    fn logits(&self, state: &Self::State) -> Option<Vec<ndarray::Array2<f64>>> {
        Some(vec![state.logits().clone()])
    }

    fn name(&self) -> &'static str {
        "trpo"
    }

    fn initial_state(&self, world: &W) -> Result<TabularSoftmax> {
        world.require_kind("trpo", STATIONARY_WORLDS)?;
        if let Some(settings) = &self.sampled {
            world.require_model("sampled TRPO")?;
            super::sampled_surrogate::require_batch_fits(settings.episodes, world.gamma())?;
        }
        Ok(TabularSoftmax::start_on(world))
    }

    fn step(
        &self,
        world: &W,
        state: TabularSoftmax,
        rng: &mut ChaCha8Rng,
    ) -> Result<(TabularSoftmax, Record)> {
        let (snapshot, mut record) =
            PolicySnapshot::measure_softmax(world, std::slice::from_ref(&state))?;
        let old = &snapshot.probabilities[0];
        let d = snapshot.stationary().occupancy.to_vec();
        let Some(settings) = &self.sampled else {
            let divisor = snapshot.evaluation.gradient_divisor;
            let weights: Vec<f64> = d.iter().map(|x| x / divisor).collect();
            let advantage = snapshot.stationary().advantage();
            let gradient = Array2::from_shape_fn(old.dim(), |(s, a)| {
                weights[s] * old[[s, a]] * advantage[[s, a]]
            });
            let surrogate = |policy: &Array2<f64>| -> f64 {
                (0..old.nrows())
                    .map(|s| weights[s] * policy.row(s).dot(&advantage.row(s)))
                    .sum()
            };
            let state = self.search(state, &snapshot, &d, &gradient, surrogate, &mut record);
            return Ok((state, record));
        };
        let mdp = world.require_model("sampled TRPO")?;
        let episodes = sample_episodes(mdp, old.view(), settings.episodes, rng)?;
        let (batch, error) = critic_batch(
            settings.critic,
            &episodes,
            old.view(),
            &snapshot.stationary().v,
            settings.lambda,
        )?;
        if let Some(error) = error {
            record.set("critic_error", error);
        }
        record.set("samples", batch.len() as f64);
        if batch.is_empty() {
            // No step was taken by any episode: nothing to estimate from.
            return Ok((state, record));
        }
        let mut empirical = vec![0.0; old.nrows()];
        for sample in &batch.samples {
            empirical[sample.state] += 1.0 / batch.len() as f64;
        }
        let gradient = batch.mean_gradient(old.view())?;
        let per_episode = 1.0 / batch.episodes as f64;
        // L̂(θ) − L̂(θ_t): the importance-weighted advantages of the batch.
        let surrogate = |policy: &Array2<f64>| -> f64 {
            batch
                .samples
                .iter()
                .map(|i| {
                    let ratio = policy[[i.state, i.action]] / old[[i.state, i.action]];
                    per_episode * (ratio - 1.0) * i.advantage
                })
                .sum()
        };
        let state = self.search_with(
            state,
            &snapshot,
            (&d, &empirical),
            &gradient,
            surrogate,
            &mut record,
        );
        Ok((state, record))
    }
}

impl Trpo {
    /// The exact step: CG on the Fisher matrix under d, then the line search held to the mean KL
    /// under d.
    fn search(
        &self,
        state: TabularSoftmax,
        snapshot: &PolicySnapshot,
        d: &[f64],
        gradient: &Array2<f64>,
        surrogate: impl Fn(&Array2<f64>) -> f64,
        record: &mut Record,
    ) -> TabularSoftmax {
        self.search_with(state, snapshot, (d, d), gradient, surrogate, record)
    }

    /// CG on the Fisher matrix under `region` (the state weights of the constraint: d, or the
    /// empirical d̂ in sampled mode), the full step √(2δ/xᵀFx)·x, then halvings until the
    /// surrogate gains and the mean KL under `region` is within δ. The change is recorded under
    /// the exact d (`measured`).
    fn search_with(
        &self,
        mut state: TabularSoftmax,
        snapshot: &PolicySnapshot,
        (measured, region): (&[f64], &[f64]),
        gradient: &Array2<f64>,
        surrogate: impl Fn(&Array2<f64>) -> f64,
        record: &mut Record,
    ) -> TabularSoftmax {
        let old = &snapshot.probabilities[0];
        let (direction, cg_residual) = conjugate_gradient(
            |v| fisher_vector_product(old, region, self.damping, v),
            gradient,
            self.cg_iterations,
        );
        let curvature: f64 =
            (&direction * &fisher_vector_product(old, region, 0.0, &direction)).sum();
        record.set("cg_residual", cg_residual);
        let mut accepted = None;
        if curvature > 0.0 {
            let full_step = direction * (2.0 * self.max_kl / curvature).sqrt();
            for halvings in 0..=self.backtracks {
                let step = &full_step * 0.5f64.powi(halvings as i32);
                let mut candidate = state.clone();
                candidate.ascend(&step, 1.0);
                let (probabilities, log_probabilities) = candidate.probabilities_and_logs();
                let gain = surrogate(&probabilities);
                // Acceptance uses KL from the probabilities themselves: a step that drives a
                // probability the old policy uses to 0 in f64 counts as leaving the region.
                let kl: f64 = (0..old.nrows())
                    .filter(|&s| region[s] > 0.0)
                    .map(|s| region[s] * kl_divergence(old.row(s), probabilities.row(s)))
                    .sum();
                if kl <= self.max_kl && gain > 0.0 {
                    let after = (probabilities, log_probabilities);
                    accepted = Some((candidate, after, step, gain, halvings, kl));
                    break;
                }
            }
        }
        match accepted {
            Some((candidate, (probabilities, log_probabilities), step, gain, halvings, kl)) => {
                state = candidate;
                PolicyChange::with_logs(
                    (old.view(), snapshot.log_probabilities[0].view()),
                    (probabilities.view(), log_probabilities.view()),
                    step.view(),
                    measured.into(),
                )
                .record_into(record);
                record.set("surrogate_gain", gain);
                record.set("backtracks", halvings as f64);
                record.set("accepted", 1.0);
                if self.sampled.is_some() {
                    record.set("sample_kl", kl);
                }
            }
            None => {
                PolicyChange::default().record_into(record);
                record.set("surrogate_gain", 0.0);
                record.set("backtracks", self.backtracks as f64);
                record.set("accepted", 0.0);
                if self.sampled.is_some() {
                    record.set("sample_kl", 0.0);
                }
            }
        }
        state
    }
}
