//! The per-step instruments of the policy-optimization theory, on any [`World`]:
//!
//! - `J` = ρᵀV^{π_t}_0, and `gap` = J* − J (suboptimality against the world's reference);
//! - `entropy`: the occupancy-weighted policy entropy Σ_s d^π_ρ(s)·H(π(·|s)) (on a finite
//!   horizon: its average over the H steps, Σ_h Σ_s μ_h(s)·H(π_h(·|s))/H);
//! - `min_optimal_prob`: c_t = min_{h,s} Σ_{a optimal in s at h} π_{t,h}(a|s) — the quantity whose
//!   positive lower bound drives the O(1/t) rate of softmax PG (Mei et al. 2020, Lemma 9 and
//!   Theorem 4, where c = inf_t min_s π_t(a*(s)|s)).

use ndarray::{Array1, Array2, ArrayView2};

use crate::core::entropy::entropy_with_logs;
use crate::core::error::Result;
use crate::core::record::Record;
use crate::policy::TabularSoftmax;
use crate::world::interface::{Evaluation, Reference, StageValues, World};

/// Exact quantities of one policy (one table per stage), computed once per step and shared by
/// the instruments.
#[derive(Debug, Clone)]
pub struct PolicySnapshot {
    /// π_h for every stage h.
    pub probabilities: Vec<Array2<f64>>,
    /// log π_h (−∞ where π = 0); from the logits for a softmax policy.
    pub log_probabilities: Vec<Array2<f64>>,
    pub evaluation: Evaluation,
    /// The world's side measurements of this policy ([`World::side_measurements`]).
    pub side: Vec<(&'static str, f64)>,
}

impl PolicySnapshot {
    /// The snapshot of a policy given by its probabilities (log π taken from them).
    pub fn new<W: World + ?Sized>(world: &W, probabilities: Vec<Array2<f64>>) -> Result<Self> {
        let log_probabilities = probabilities
            .iter()
            .map(|p| p.mapv(|p| if p > 0.0 { p.ln() } else { f64::NEG_INFINITY }))
            .collect();
        Self::with_logs(world, probabilities, log_probabilities)
    }

    /// The snapshot of a softmax policy, one table per stage (π and log π from its logits in one
    /// pass).
    pub fn of_softmax<W: World + ?Sized>(world: &W, policy: &[TabularSoftmax]) -> Result<Self> {
        let (probabilities, log_probabilities) =
            policy.iter().map(|p| p.probabilities_and_logs()).unzip();
        Self::with_logs(world, probabilities, log_probabilities)
    }

    fn with_logs<W: World + ?Sized>(
        world: &W,
        probabilities: Vec<Array2<f64>>,
        log_probabilities: Vec<Array2<f64>>,
    ) -> Result<Self> {
        let views: Vec<ArrayView2<'_, f64>> = probabilities.iter().map(|p| p.view()).collect();
        let evaluation = world.evaluate(&views)?;
        let side = world.side_measurements(&views)?;
        Ok(PolicySnapshot {
            probabilities,
            log_probabilities,
            evaluation,
            side,
        })
    }

    /// The snapshot of a policy and a fresh record holding its instruments (the opening of every
    /// exact algorithm's step).
    pub fn measure<W: World + ?Sized>(
        world: &W,
        probabilities: Vec<Array2<f64>>,
    ) -> Result<(Self, Record)> {
        Ok(PolicySnapshot::new(world, probabilities)?.with_record(world.reference()))
    }

    /// [`PolicySnapshot::measure`] for a softmax policy.
    pub fn measure_softmax<W: World + ?Sized>(
        world: &W,
        policy: &[TabularSoftmax],
    ) -> Result<(Self, Record)> {
        Ok(PolicySnapshot::of_softmax(world, policy)?.with_record(world.reference()))
    }

    fn with_record(self, reference: &Reference) -> (Self, Record) {
        let mut record = Record::new();
        self.record_into(reference, &mut record);
        (self, record)
    }

    /// The evaluation of the only stage of a stationary policy (the first stage otherwise).
    pub fn stationary(&self) -> &StageValues {
        &self.evaluation.stages[0]
    }

    /// J(π) = ρᵀV^π_0.
    pub fn objective(&self) -> f64 {
        self.evaluation.objective
    }

    /// Σ_s d^π_ρ(s)·H(π(·|s)), averaged over the stages of a non-stationary policy.
    pub fn entropy(&self) -> f64 {
        let per_stage = |h: usize| {
            let per_state: Array1<f64> = self.probabilities[h]
                .rows()
                .into_iter()
                .zip(self.log_probabilities[h].rows())
                .map(|(p, log_p)| entropy_with_logs(p, log_p))
                .collect();
            per_state.dot(&self.evaluation.stages[h].occupancy)
        };
        match self.probabilities.len() {
            1 => per_stage(0),
            stages => (0..stages).map(per_stage).sum::<f64>() / stages as f64,
        }
    }

    /// Records `J`, `gap`, `entropy` and `min_optimal_prob`.
    pub fn record_into(&self, reference: &Reference, record: &mut Record) {
        let objective = self.objective();
        record.set("J", objective);
        record.set("gap", reference.optimal_objective - objective);
        record.set("entropy", self.entropy());
        let views: Vec<ArrayView2<'_, f64>> = self.probabilities.iter().map(|p| p.view()).collect();
        record.set(
            "min_optimal_prob",
            min_optimal_probability(reference, &views),
        );
        for &(name, value) in &self.side {
            record.set(name, value);
        }
    }
}

/// min over stages and states of the probability the policy puts on optimal actions.
pub fn min_optimal_probability(reference: &Reference, policy: &[ArrayView2<'_, f64>]) -> f64 {
    reference
        .optimal_actions
        .iter()
        .zip(policy)
        .flat_map(|(stage, table)| {
            stage
                .iter()
                .enumerate()
                .map(move |(s, actions)| actions.iter().map(|&a| table[[s, a]]).sum::<f64>())
        })
        .fold(f64::INFINITY, f64::min)
}
