//! A world with a given starting policy: every oracle is the inner world's, and
//! [`World::start`] returns the logits θ_0 that the softmax methods start from (their policy is
//! softmax(θ_0); the direct methods start from that policy itself).
//!
//! Bad initializations are where the papers' lower bounds live — Mei, Xiao, Szepesvári &
//! Schuurmans 2020 (§3: softmax PG's plateaus when π_0 puts little mass on the optimal action) and
//! Li, Wei, Chi & Chen 2021 (the hard chain's initialization) — so a run may start anywhere, not
//! only at the uniform policy. The wrapper records whether the algorithm asked for its start, so a
//! method that does not take one (log-linear policies, dynamic PG's backward epochs, independent
//! learners in games) is refused instead of silently starting at uniform.

use std::sync::atomic::{AtomicBool, Ordering};

use ndarray::{Array1, Array2, ArrayView2};

use super::interface::{Evaluation, Reference, SoftValues, World, WorldKind};
use super::{FeatureMap, MarkovGame, TabularMdp};
use crate::core::error::{Error, Result};

/// `inner` with the starting logits `logits` (one S×A table, or one per stage).
pub struct Started<'a> {
    inner: &'a dyn World,
    logits: Vec<Array2<f64>>,
    read: AtomicBool,
}

impl<'a> Started<'a> {
    /// Checks the tables' count (1, or one per stage) and shape, and that the logits of every
    /// available action are finite.
    pub fn new(inner: &'a dyn World, logits: Vec<Array2<f64>>) -> Result<Self> {
        let stages = inner.stages();
        if logits.len() != 1 && logits.len() != stages {
            return Err(Error::invalid(
                "start",
                format!("found {} tables", logits.len()),
                format!("one table, or one per stage ({stages})"),
            ));
        }
        let shape = (inner.n_states(), inner.n_actions());
        let allowed = inner.allowed_mask();
        for (h, table) in logits.iter().enumerate() {
            if table.dim() != shape {
                return Err(Error::invalid(
                    format!("start[{h}]"),
                    format!("found a {}x{} table", table.nrows(), table.ncols()),
                    format!("expected {}x{} (states x actions)", shape.0, shape.1),
                ));
            }
            for ((s, a), &x) in table.indexed_iter() {
                if allowed[s * shape.1 + a] && !x.is_finite() {
                    return Err(Error::invalid(
                        format!("start[{h}][{s}][{a}]"),
                        format!("found {x}"),
                        "finite logits on available actions (a softmax policy puts positive \
                         probability on each)",
                    ));
                }
            }
        }
        Ok(Started {
            inner,
            logits,
            read: AtomicBool::new(false),
        })
    }

    /// Whether an algorithm asked for the start (a method that did not ignored it).
    pub fn was_read(&self) -> bool {
        self.read.load(Ordering::Relaxed)
    }
}

impl World for Started<'_> {
    fn kind(&self) -> WorldKind {
        self.inner.kind()
    }
    fn stages(&self) -> usize {
        self.inner.stages()
    }
    fn n_states(&self) -> usize {
        self.inner.n_states()
    }
    fn n_actions(&self) -> usize {
        self.inner.n_actions()
    }
    fn allowed_mask(&self) -> &[bool] {
        self.inner.allowed_mask()
    }
    fn initial(&self) -> &Array1<f64> {
        self.inner.initial()
    }
    fn gamma(&self) -> f64 {
        self.inner.gamma()
    }
    fn evaluate(&self, policy: &[ArrayView2<'_, f64>]) -> Result<Evaluation> {
        self.inner.evaluate(policy)
    }
    fn evaluate_within(
        &self,
        policy: &[ArrayView2<'_, f64>],
        tolerance: f64,
    ) -> Result<Evaluation> {
        self.inner.evaluate_within(policy, tolerance)
    }
    fn soft_values(
        &self,
        policy: ArrayView2<'_, f64>,
        temperature: f64,
    ) -> Result<Option<SoftValues>> {
        self.inner.soft_values(policy, temperature)
    }
    fn soft_optimum(&self, temperature: f64) -> Result<Option<(Array2<f64>, f64)>> {
        self.inner.soft_optimum(temperature)
    }
    fn side_measurements(
        &self,
        policy: &[ArrayView2<'_, f64>],
    ) -> Result<Vec<(&'static str, f64)>> {
        self.inner.side_measurements(policy)
    }
    fn reference(&self) -> &Reference {
        self.inner.reference()
    }
    fn game(&self) -> Option<&MarkovGame> {
        self.inner.game()
    }
    fn model(&self) -> Option<&TabularMdp> {
        self.inner.model()
    }
    fn robust_model(&self) -> Option<&crate::world::RobustMdp> {
        self.inner.robust_model()
    }
    fn features(&self) -> Option<&FeatureMap> {
        self.inner.features()
    }
    fn start(&self, stage: usize) -> Option<&Array2<f64>> {
        self.read.store(true, Ordering::Relaxed);
        // One table given for a finite horizon starts every stage from it.
        self.logits.get(stage).or_else(|| self.logits.first())
    }
}
