//! The per-step instruments of the policy-optimization theory:
//!
//! - `J` = ρᵀV^{π_t}, and `gap` = V*(ρ) − J (suboptimality);
//! - `entropy`: the occupancy-weighted policy entropy Σ_s d^π_ρ(s)·H(π(·|s));
//! - `min_optimal_prob`: c_t = min_s Σ_{a optimal in s} π_t(a|s) over states with ρ-reachable
//!   mass — the quantity whose positive lower bound drives the O(1/t) rate of softmax PG
//!   (Mei et al. 2020, Lemma 9 and Theorem 4, where c = inf_t min_s π_t(a*(s)|s)).

use ndarray::{Array1, Array2, ArrayView2};

use crate::algo::problem::Problem;
use crate::algo::record::Record;
use crate::error::Result;
use crate::exact::{PolicyValues, evaluate_with_occupancy};
use crate::policy::{TabularSoftmax, entropy_with_logs};

/// Exact quantities of one policy, computed once per step and shared by the instruments.
#[derive(Debug, Clone)]
pub struct PolicySnapshot {
    pub probabilities: Array2<f64>,
    /// log π (−∞ where π = 0); from the logits for a softmax policy.
    pub log_probabilities: Array2<f64>,
    pub values: PolicyValues,
    pub occupancy: Array1<f64>,
}

impl PolicySnapshot {
    /// The snapshot of a policy given by its probabilities (log π taken from them).
    pub fn new(problem: &Problem, probabilities: Array2<f64>) -> Result<Self> {
        let log_probabilities =
            probabilities.mapv(|p| if p > 0.0 { p.ln() } else { f64::NEG_INFINITY });
        Self::with_logs(problem, probabilities, log_probabilities)
    }

    /// The snapshot of a softmax policy (π and log π from its logits in one pass).
    pub fn of_softmax(problem: &Problem, policy: &TabularSoftmax) -> Result<Self> {
        let (probabilities, log_probabilities) = policy.probabilities_and_logs();
        Self::with_logs(problem, probabilities, log_probabilities)
    }

    fn with_logs(
        problem: &Problem,
        probabilities: Array2<f64>,
        log_probabilities: Array2<f64>,
    ) -> Result<Self> {
        let (values, occupancy) = evaluate_with_occupancy(&problem.mdp, probabilities.view())?;
        Ok(PolicySnapshot {
            probabilities,
            log_probabilities,
            values,
            occupancy,
        })
    }

    /// The snapshot of a policy and a fresh record holding its instruments (the opening of every
    /// exact algorithm's step).
    pub fn measure(problem: &Problem, probabilities: Array2<f64>) -> Result<(Self, Record)> {
        Ok(PolicySnapshot::new(problem, probabilities)?.with_record(problem))
    }

    /// [`PolicySnapshot::measure`] for a softmax policy.
    pub fn measure_softmax(problem: &Problem, policy: &TabularSoftmax) -> Result<(Self, Record)> {
        Ok(PolicySnapshot::of_softmax(problem, policy)?.with_record(problem))
    }

    fn with_record(self, problem: &Problem) -> (Self, Record) {
        let mut record = Record::new();
        self.record_into(problem, &mut record);
        (self, record)
    }

    /// J(π) = ρᵀV^π.
    pub fn objective(&self, problem: &Problem) -> f64 {
        self.values.objective(&problem.mdp)
    }

    /// Σ_s d^π_ρ(s)·H(π(·|s)).
    pub fn entropy(&self) -> f64 {
        let per_state: Array1<f64> = self
            .probabilities
            .rows()
            .into_iter()
            .zip(self.log_probabilities.rows())
            .map(|(p, log_p)| entropy_with_logs(p, log_p))
            .collect();
        per_state.dot(&self.occupancy)
    }

    /// Records `J`, `gap`, `entropy` and `min_optimal_prob`.
    pub fn record_into(&self, problem: &Problem, record: &mut Record) {
        let objective = self.objective(problem);
        record.set("J", objective);
        record.set("gap", problem.optimal_objective - objective);
        record.set("entropy", self.entropy());
        record.set(
            "min_optimal_prob",
            min_optimal_probability(problem, self.probabilities.view()),
        );
    }
}

/// min over states of the probability the policy puts on optimal actions.
pub fn min_optimal_probability(problem: &Problem, policy: ArrayView2<'_, f64>) -> f64 {
    problem
        .optimal_actions
        .iter()
        .enumerate()
        .map(|(s, actions)| actions.iter().map(|&a| policy[[s, a]]).sum::<f64>())
        .fold(f64::INFINITY, f64::min)
}
