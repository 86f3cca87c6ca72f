//! A robust MDP: a nominal tabular world plus the uncertainty set nature chooses its kernel from
//! ([`super::uncertainty`]), or a finite set of kernels (a CRAAM file's outcomes).
//!
//! For a ball set, each available pair (s, a) has a list of **candidate outcomes** nature may put
//! mass on: the nominal outcomes of positive probability, and — with `support = "all"` — one more
//! per state not among their next states (reward 0, not done). Nature's choice is a distribution
//! over a row's candidates, so a worst case is again a tabular world of the same shape
//! ([`RobustMdp::with_choice`]) that every exact method evaluates as it is. For a finite set the
//! nominal world is the uniform mixture of the K kernels (CRAAM's default nominal weights over
//! outcomes) and nature picks one kernel per pair (dynamic) or one for the whole run (static).

use super::mdp::{MdpSpec, Outcome, TabularMdp};
use super::uncertainty::{SetShape, Support, UncertaintySet};
use crate::core::error::{Error, Result};

/// A nominal world, an uncertainty set, and each pair's candidate outcomes.
#[derive(Debug, Clone)]
pub struct RobustMdp {
    nominal: TabularMdp,
    set: UncertaintySet,
    /// Candidates of row s·A + a: `candidates[offsets[row]..offsets[row + 1]]`.
    offsets: Vec<usize>,
    candidates: Vec<Outcome>,
    /// The candidates' nominal probabilities, aligned with `candidates`.
    probabilities: Vec<f64>,
    /// The K kernels of a finite set (empty for a ball).
    kernels: Vec<TabularMdp>,
}

impl RobustMdp {
    /// A nominal world and a ball-shaped set around it.
    pub fn new(nominal: TabularMdp, set: UncertaintySet) -> Result<Self> {
        if set.shape() == SetShape::Finite {
            return Err(Error::Usage(
                "a finite uncertainty set is built from its kernels (RobustMdp::finite)".into(),
            ));
        }
        if nominal.horizon().steps().is_some() {
            return Err(Error::invalid(
                "horizon",
                "a finite horizon",
                "robust worlds are discounted: set gamma < 1 instead of horizon",
            ));
        }
        set.check_shape(nominal.n_states(), nominal.n_actions())?;
        let (s_count, a_count) = (nominal.n_states(), nominal.n_actions());
        let mut offsets = Vec::with_capacity(s_count * a_count + 1);
        let mut candidates = Vec::new();
        let mut reached = vec![false; s_count];
        offsets.push(0);
        for s in 0..s_count {
            for a in 0..a_count {
                let outcomes = nominal.outcomes(s, a);
                candidates.extend(outcomes.iter().filter(|o| o.probability > 0.0).copied());
                if set.support() == Support::All && !outcomes.is_empty() {
                    reached.iter_mut().for_each(|r| *r = false);
                    for o in outcomes.iter().filter(|o| o.probability > 0.0 && !o.done) {
                        reached[o.next_state] = true;
                    }
                    for (next, _) in reached.iter().enumerate().filter(|(_, r)| !**r) {
                        candidates.push(Outcome::new(0.0, next, 0.0, false));
                    }
                }
                offsets.push(candidates.len());
            }
        }
        let probabilities = candidates.iter().map(|o| o.probability).collect();
        Ok(RobustMdp {
            nominal,
            set,
            offsets,
            candidates,
            probabilities,
            kernels: Vec::new(),
        })
    }

    /// A finite set of kernels of one shape (the first names and shapes the world); the nominal
    /// world is their uniform mixture.
    pub fn finite(kernels: Vec<TabularMdp>) -> Result<Self> {
        let first = kernels
            .first()
            .ok_or_else(|| Error::invalid("kernels", "none", "at least one kernel"))?;
        let (s_count, a_count) = (first.n_states(), first.n_actions());
        for (k, kernel) in kernels.iter().enumerate() {
            if (kernel.n_states(), kernel.n_actions()) != (s_count, a_count) {
                return Err(Error::invalid(
                    format!("outcome {k}"),
                    format!(
                        "{} states x {} actions",
                        kernel.n_states(),
                        kernel.n_actions()
                    ),
                    format!(
                        "every kernel of a finite set has the first one's shape, {s_count} x {a_count}"
                    ),
                ));
            }
            if kernel.allowed_mask() != first.allowed_mask() {
                return Err(Error::invalid(
                    format!("outcome {k}"),
                    "other actions available than outcome 0",
                    "every kernel of a finite set defines the same state-action pairs",
                ));
            }
        }
        let weight = 1.0 / kernels.len() as f64;
        let mut spec: MdpSpec = first.spec().clone();
        spec.action_rewards = None;
        for s in 0..s_count {
            for a in 0..a_count {
                spec.transitions[s][a] = kernels
                    .iter()
                    .flat_map(|k| {
                        let base = k.spec().action_rewards.as_ref().map_or(0.0, |r| r[s][a]);
                        k.outcomes(s, a).iter().map(move |o| {
                            Outcome::new(
                                o.probability * weight,
                                o.next_state,
                                o.reward + base,
                                o.done,
                            )
                        })
                    })
                    .collect();
            }
        }
        let nominal = TabularMdp::new(spec)?;
        Ok(RobustMdp {
            offsets: vec![0; s_count * a_count + 1],
            candidates: Vec::new(),
            probabilities: Vec::new(),
            nominal,
            set: UncertaintySet::finite(),
            kernels,
        })
    }

    pub fn nominal(&self) -> &TabularMdp {
        &self.nominal
    }

    pub fn set(&self) -> &UncertaintySet {
        &self.set
    }

    /// The K kernels of a finite set (empty for a ball).
    pub fn kernels(&self) -> &[TabularMdp] {
        &self.kernels
    }

    pub fn n_states(&self) -> usize {
        self.nominal.n_states()
    }

    pub fn n_actions(&self) -> usize {
        self.nominal.n_actions()
    }

    pub fn gamma(&self) -> f64 {
        self.nominal.gamma()
    }

    /// The candidate outcomes of (s, a) with their nominal probabilities.
    pub fn candidates(&self, state: usize, action: usize) -> &[Outcome] {
        let row = state * self.n_actions() + action;
        &self.candidates[self.offsets[row]..self.offsets[row + 1]]
    }

    /// Every row's candidates, flat: row s·A + a is `[offsets[row]..offsets[row + 1]]`.
    pub fn all_candidates(&self) -> &[Outcome] {
        &self.candidates
    }

    /// The nominal probabilities of [`RobustMdp::all_candidates`], aligned with them.
    pub fn candidate_probabilities(&self) -> &[f64] {
        &self.probabilities
    }

    /// Where row s·A + a starts in a flat array aligned with the candidates.
    pub fn offsets(&self) -> &[usize] {
        &self.offsets
    }

    /// Number of candidates over all rows (the length of a flat choice).
    pub fn candidate_count(&self) -> usize {
        self.candidates.len()
    }

    /// The world nature's choice makes: every row's candidates with the probabilities `choice`
    /// (flat, aligned with [`RobustMdp::offsets`]) — for a ball set.
    pub fn with_choice(&self, choice: &[f64]) -> Result<TabularMdp> {
        if choice.len() != self.candidates.len() {
            return Err(Error::Usage(format!(
                "a choice of nature has {} probabilities; this world has {} candidates",
                choice.len(),
                self.candidates.len()
            )));
        }
        let mut spec = self.nominal.spec().clone();
        let a_count = self.n_actions();
        for (s, per_state) in spec.transitions.iter_mut().enumerate() {
            for (a, outcomes) in per_state.iter_mut().enumerate() {
                let row = s * a_count + a;
                let range = self.offsets[row]..self.offsets[row + 1];
                *outcomes = self.candidates[range.clone()]
                    .iter()
                    .zip(&choice[range])
                    .map(|(o, &p)| Outcome {
                        probability: p,
                        ..*o
                    })
                    .collect();
            }
        }
        TabularMdp::new(spec)
    }

    /// The world where nature plays kernel `choice[s·A + a]` at each pair — for a finite set.
    pub fn with_kernel_choice(&self, choice: &[usize]) -> Result<TabularMdp> {
        let mut spec = self.nominal.spec().clone();
        let a_count = self.n_actions();
        for (s, per_state) in spec.transitions.iter_mut().enumerate() {
            for (a, outcomes) in per_state.iter_mut().enumerate() {
                let k = choice.get(s * a_count + a).copied().unwrap_or(0);
                let kernel = self.kernels.get(k).ok_or_else(|| {
                    Error::Usage(format!("kernel {k} of {} chosen", self.kernels.len()))
                })?;
                let base = kernel
                    .spec()
                    .action_rewards
                    .as_ref()
                    .map_or(0.0, |r| r[s][a]);
                *outcomes = kernel
                    .outcomes(s, a)
                    .iter()
                    .map(|o| Outcome {
                        reward: o.reward + base,
                        ..*o
                    })
                    .collect();
            }
        }
        TabularMdp::new(spec)
    }
}
