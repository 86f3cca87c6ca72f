//! Softmax policy gradient with exact gradients (Mei, Xiao, Szepesvári & Schuurmans 2020,
//! "On the global convergence rates of softmax policy gradient methods", Algorithm 1):
//!
//! θ_{t+1}(s, a) = θ_t(s, a) + η·∂J/∂θ(s, a) = θ_t(s, a) + η·d^{π_t}_ρ(s)·π_t(a|s)·A^{π_t}(s, a)/(1−γ).
//!
//! With η = (1−γ)³/8 the suboptimality is at most 16·S/(c²·(1−γ)⁶·t) (their Theorem 4), and Θ(1/t)
//! is tight (Theorem 10): on the 3-armed bandit r = (1, 0.9, 0.1) with η = 0.4 = 2/5, t·gap levels
//! off near 1.67.
//!
//! On any world of the interface the step is the interface's exact gradient; on a finite horizon
//! every step's table moves at once, which is the *simultaneous* PG of Klein, Weissmann & Döring
//! (2024, "Beyond Stationarity", §3.1): θ_h += η·γ^h·μ_h(s)·π_h(a|s)·A_h(s, a).

use ndarray::{Array2, ArrayView2};
use rand_chacha::ChaCha8Rng;

use super::Algorithm;
use super::catalogue::{ANY_WORLD, AlgorithmEntry};
use crate::core::checks::require_positive;
use crate::core::error::Result;
use crate::core::parameters::parameter;
use crate::core::record::Record;
use crate::metrics::{PolicySnapshot, ascend_and_record};
use crate::policy::TabularSoftmax;
use crate::world::World;

/// Exact softmax PG with a constant step size η.
#[derive(Debug, Clone, PartialEq)]
pub struct SoftmaxPg {
    step_size: f64,
}

impl SoftmaxPg {
    /// Softmax PG with step size η > 0 (Mei et al.'s bandit experiment: 0.4).
    pub fn new(step_size: f64) -> Result<Self> {
        require_positive("step_size", step_size)?;
        Ok(SoftmaxPg { step_size })
    }

    pub fn step_size(&self) -> f64 {
        self.step_size
    }
}

/// The catalogue entry.
pub fn entry() -> AlgorithmEntry {
    AlgorithmEntry {
        name: "softmax-pg",
        summary: "exact softmax policy gradient (Mei et al. 2020); on a finite horizon every \
                  step's table at once (simultaneous PG, Klein et al. 2024)",
        worlds: ANY_WORLD,
        parameters: vec![parameter(
            "step_size",
            0.1,
            "step size η (Mei et al.'s bandit: 0.4)",
        )],
        run: |values, world, run| run.go(&SoftmaxPg::new(values.real("step_size"))?, world),
    }
}

impl<W: World + ?Sized> Algorithm<W> for SoftmaxPg {
    type State = Vec<TabularSoftmax>;

    fn policy(&self, state: &Self::State) -> Option<Vec<ndarray::Array2<f64>>> {
        Some(TabularSoftmax::stage_probabilities(state))
    }

    fn logits(&self, state: &Self::State) -> Option<Vec<ndarray::Array2<f64>>> {
        Some(TabularSoftmax::stage_logits(state))
    }

    fn name(&self) -> &'static str {
        "softmax-pg"
    }

    fn initial_state(&self, world: &W) -> Result<Vec<TabularSoftmax>> {
        Ok(TabularSoftmax::start_stages(world))
    }

    fn step(
        &self,
        world: &W,
        state: Vec<TabularSoftmax>,
        _rng: &mut ChaCha8Rng,
    ) -> Result<(Vec<TabularSoftmax>, Record)> {
        gradient_step(world, state, self.step_size, |snapshot, views| {
            Ok(snapshot.evaluation.softmax_gradient(views).0)
        })
    }
}

/// One step θ_h ← θ_h + η·g_h of every stage, with g from `gradient` (given the snapshot of the
/// policy and its probability tables), recorded like every softmax method's step.
pub(crate) fn gradient_step<W: World + ?Sized>(
    world: &W,
    mut state: Vec<TabularSoftmax>,
    step_size: f64,
    gradient: impl FnOnce(&PolicySnapshot, &[ArrayView2<'_, f64>]) -> Result<Vec<Array2<f64>>>,
) -> Result<(Vec<TabularSoftmax>, Record)> {
    let (snapshot, mut record) = PolicySnapshot::measure_softmax(world, &state)?;
    let views: Vec<_> = snapshot.probabilities.iter().map(|p| p.view()).collect();
    let direction = gradient(&snapshot, &views)?;
    ascend_and_record(&mut state, &snapshot, &direction, step_size, &mut record);
    Ok((state, record))
}
