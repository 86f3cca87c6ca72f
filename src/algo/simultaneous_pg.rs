//! Simultaneous policy gradient on a finite horizon (Klein, Weissmann & Döring 2024, "Beyond
//! Stationarity", §3.1 exact and §4 sampled): every step's softmax table takes a gradient step
//! at every iteration,
//!
//! θ_h ← θ_h + η·ĝ_h,  ĝ_h = ∂J/∂θ_h = γ^h·μ_h(s)·π_h(a|s)·A_h(s, a)  (exact, `episodes` = 0),
//!
//! or its REINFORCE estimate from `episodes` = K episodes
//! ([`crate::estimator::finite_horizon::simultaneous_gradient_estimate`]). The exact mode is
//! `softmax-pg` on a finite-horizon world, step for step and bit for bit; this entry names it as
//! the paper does and adds the sampled mode. Their analysis takes η of order 1/(H²R*) (the
//! smoothness of J is O(H²R*)) and, sampled, growing batches; here η and K are parameters.

use rand_chacha::ChaCha8Rng;

use super::Algorithm;
use super::catalogue::AlgorithmEntry;
use super::softmax_pg::gradient_step;
use crate::core::checks::require_positive;
use crate::core::error::Result;
use crate::core::parameters::parameter;
use crate::core::record::Record;
use crate::estimator::finite_horizon::simultaneous_gradient_estimate;
use crate::policy::TabularSoftmax;
use crate::world::{World, WorldKind};

#[derive(Debug, Clone, PartialEq)]
pub struct SimultaneousPg {
    step_size: f64,
    episodes: usize,
}

impl SimultaneousPg {
    /// Step size η > 0; `episodes` = 0 for the exact gradient, K ≥ 1 for REINFORCE over K
    /// episodes per iteration.
    pub fn new(step_size: f64, episodes: usize) -> Result<Self> {
        require_positive("step_size", step_size)?;
        Ok(SimultaneousPg {
            step_size,
            episodes,
        })
    }
}

/// The catalogue entry.
pub fn entry() -> AlgorithmEntry {
    AlgorithmEntry {
        name: "simultaneous-pg",
        summary: "simultaneous PG: every step's softmax table at once, exact or REINFORCE \
                  (Klein, Weissmann & Döring 2024)",
        worlds: &[WorldKind::FiniteHorizon],
        parameters: vec![
            parameter("step_size", 0.1, "step size η"),
            parameter(
                "episodes",
                0.0,
                "0: exact gradient; K > 0: REINFORCE over K episodes per iteration",
            ),
        ],
        run: |values, world, run| {
            let algorithm =
                SimultaneousPg::new(values.real("step_size"), values.count("episodes")?)?;
            run.go(&algorithm, world)
        },
    }
}

impl<W: World + ?Sized> Algorithm<W> for SimultaneousPg {
    type State = Vec<TabularSoftmax>;

    fn policy(&self, state: &Self::State) -> Option<Vec<ndarray::Array2<f64>>> {
        Some(TabularSoftmax::stage_probabilities(state))
    }

    fn logits(&self, state: &Self::State) -> Option<Vec<ndarray::Array2<f64>>> {
        Some(TabularSoftmax::stage_logits(state))
    }

    fn name(&self) -> &'static str {
        "simultaneous-pg"
    }

    fn initial_state(&self, world: &W) -> Result<Vec<TabularSoftmax>> {
        world.require_kind("simultaneous-pg", &[WorldKind::FiniteHorizon])?;
        if self.episodes > 0 {
            world.require_model("sampled simultaneous PG")?;
        }
        Ok(TabularSoftmax::start_stages(world))
    }

    fn step(
        &self,
        world: &W,
        state: Vec<TabularSoftmax>,
        rng: &mut ChaCha8Rng,
    ) -> Result<(Vec<TabularSoftmax>, Record)> {
        let mut transitions = 0;
        let (state, mut record) =
            gradient_step(world, state, self.step_size, |snapshot, views| {
                match self.episodes {
                    0 => Ok(snapshot.evaluation.softmax_gradient(views).0),
                    episodes => {
                        let mdp = world.require_model("sampled simultaneous PG")?;
                        let (gradient, drawn) =
                            simultaneous_gradient_estimate(mdp, views, episodes, rng)?;
                        transitions = drawn;
                        Ok(gradient)
                    }
                }
            })?;
        if self.episodes > 0 {
            record.set("samples", transitions as f64);
        }
        Ok((state, record))
    }
}
