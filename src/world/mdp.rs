//! The tabular Markov decision process every exact method in policylab works on.
//!
//! A world has S states, A actions (the same A in every state), an initial distribution ρ, and a
//! horizon: discounted with γ ∈ [0, 1), or finite with H steps and γ ∈ [0, 1] (policies may then
//! depend on the step). Each (s, a) has a list of outcomes `(probability, next state, reward,
//! done)`; `done` means the episode ends on that transition, so no value follows it. An optional
//! reward table `r0(s, a)` adds a reward for taking `a` in `s` whatever the outcome. The expected
//! reward is
//!
//! r(s, a) = r0(s, a) + Σ_k p_k · reward_k,
//!
//! and the continuation kernel P̃ ([`TransitionKernel`]) keeps the outcomes that are not done.
//!
//! An action whose outcome list is empty is unavailable in that state (policies must give it
//! probability zero; greedy choices skip it); every state needs at least one available action.
//!
//! Every constructor goes through [`TabularMdp::new`], which validates the whole world and names
//! the offending field in the vocabulary of the native file format (`transitions[s][a]`, …).

use ndarray::{Array1, Array2};

use super::kernel::TransitionKernel;
use crate::core::error::{Error, Result};

/// How far a probability row may be from summing to one.
pub const PROBABILITY_TOLERANCE: f64 = 1e-6;

/// One possible result of taking an action.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Outcome {
    pub probability: f64,
    pub next_state: usize,
    pub reward: f64,
    /// The episode ends on this transition: no future value after it.
    pub done: bool,
}

impl Outcome {
    pub fn new(probability: f64, next_state: usize, reward: f64, done: bool) -> Self {
        Outcome {
            probability,
            next_state,
            reward,
            done,
        }
    }
}

/// Discounted (infinite horizon) or finite horizon.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Horizon {
    /// Maximize E[Σ_t γ^t r_t] with γ ∈ [0, 1).
    Discounted { gamma: f64 },
    /// Maximize E[Σ_{t<H} γ^t r_t] with H ≥ 1 steps and γ ∈ [0, 1].
    Finite { steps: usize, gamma: f64 },
}

/// The least 1 − γ a discounted world accepts: 1/(1 − γ) bounds the condition number of I − γP
/// from below, and beyond 10⁷ the exact solves keep fewer than 9 significant digits (γ = 1 − 1e-12
/// on a 500-state Garnet gave a gap of −2.9e10).
pub const MIN_ONE_MINUS_GAMMA: f64 = 1e-7;

impl Horizon {
    pub fn gamma(&self) -> f64 {
        match *self {
            Horizon::Discounted { gamma } | Horizon::Finite { gamma, .. } => gamma,
        }
    }

    /// Number of steps for a finite horizon, `None` when discounted.
    pub fn steps(&self) -> Option<usize> {
        match *self {
            Horizon::Discounted { .. } => None,
            Horizon::Finite { steps, .. } => Some(steps),
        }
    }

    fn validate(&self) -> Result<()> {
        match *self {
            Horizon::Discounted { gamma } => {
                if !(0.0..1.0).contains(&gamma) {
                    return Err(Error::invalid(
                        "gamma",
                        format!("found {gamma}"),
                        "a discounted world needs 0 <= gamma < 1 (set `horizon` for gamma = 1)",
                    ));
                }
                if 1.0 - gamma < MIN_ONE_MINUS_GAMMA {
                    return Err(Error::invalid(
                        "gamma",
                        format!(
                            "found {gamma}: 1/(1 − γ) = {:.3e}, the least condition number of \
                             I − γP, so values would keep {}",
                            1.0 / (1.0 - gamma),
                            match (16.0 + (1.0 - gamma).log10()).floor() {
                                digits if digits >= 1.0 =>
                                    format!("fewer than {digits} of 16 digits"),
                                _ => "no reliable digit".to_string(),
                            }
                        ),
                        "gamma <= 1 − 1e-7 (an effective horizon 1/(1 − γ) of at most 10⁷ steps)",
                    ));
                }
            }
            Horizon::Finite { steps, gamma } => {
                if steps == 0 {
                    return Err(Error::invalid(
                        "horizon",
                        "found 0",
                        "expected a positive number of steps",
                    ));
                }
                if !(0.0..=1.0).contains(&gamma) {
                    return Err(Error::invalid(
                        "gamma",
                        format!("found {gamma}"),
                        "a finite-horizon world needs 0 <= gamma <= 1",
                    ));
                }
            }
        }
        Ok(())
    }
}

/// Names of the actions: numbered, one list shared by all states, or a list per state.
#[derive(Debug, Clone, PartialEq, Default)]
pub enum ActionNames {
    #[default]
    Numbered,
    Shared(Vec<String>),
    PerState(Vec<Vec<String>>),
}

/// Everything that defines a world, before validation. Formats and generators fill this in and
/// hand it to [`TabularMdp::new`].
#[derive(Debug, Clone, PartialEq)]
pub struct MdpSpec {
    pub name: String,
    pub description: String,
    pub n_states: usize,
    pub n_actions: usize,
    pub horizon: Horizon,
    /// ρ, one probability per state.
    pub initial: Vec<f64>,
    /// `transitions[s][a]`: the outcomes of taking `a` in `s`.
    pub transitions: Vec<Vec<Vec<Outcome>>>,
    /// `r0[s][a]`, added to the outcome rewards; `None` means zero.
    pub action_rewards: Option<Vec<Vec<f64>>>,
    pub state_names: Option<Vec<String>>,
    pub action_names: ActionNames,
}

/// A validated tabular MDP with its expected rewards and continuation kernel precomputed.
#[derive(Debug, Clone, PartialEq)]
pub struct TabularMdp {
    spec: MdpSpec,
    expected_reward: Array2<f64>,
    initial: Array1<f64>,
    kernel: TransitionKernel,
    /// `allowed[s·A + a]`: whether the action has outcomes.
    allowed: Vec<bool>,
}

impl TabularMdp {
    /// Validates `spec` and builds the world. Errors name the field as the native format does;
    /// the caller adds the file name with [`Error::in_origin`].
    pub fn new(spec: MdpSpec) -> Result<Self> {
        validate(&spec)?;
        let (s_count, a_count) = (spec.n_states, spec.n_actions);
        let mut expected_reward = Array2::zeros((s_count, a_count));
        for s in 0..s_count {
            for a in 0..a_count {
                let base = spec.action_rewards.as_ref().map_or(0.0, |r| r[s][a]);
                let outcome_part: f64 = spec.transitions[s][a]
                    .iter()
                    .map(|o| o.probability * o.reward)
                    .sum();
                expected_reward[[s, a]] = base + outcome_part;
            }
        }
        let kernel = TransitionKernel::from_outcomes(s_count, &spec.transitions);
        let initial = Array1::from(spec.initial.clone());
        let allowed = spec
            .transitions
            .iter()
            .flatten()
            .map(|outcomes| !outcomes.is_empty())
            .collect();
        Ok(TabularMdp {
            spec,
            expected_reward,
            initial,
            kernel,
            allowed,
        })
    }

    pub fn spec(&self) -> &MdpSpec {
        &self.spec
    }

    pub fn into_spec(self) -> MdpSpec {
        self.spec
    }

    pub fn name(&self) -> &str {
        &self.spec.name
    }

    pub fn n_states(&self) -> usize {
        self.spec.n_states
    }

    pub fn n_actions(&self) -> usize {
        self.spec.n_actions
    }

    pub fn horizon(&self) -> Horizon {
        self.spec.horizon
    }

    pub fn gamma(&self) -> f64 {
        self.spec.horizon.gamma()
    }

    /// ρ.
    pub fn initial(&self) -> &Array1<f64> {
        &self.initial
    }

    /// r(s, a), the expected immediate reward.
    pub fn expected_reward(&self) -> &Array2<f64> {
        &self.expected_reward
    }

    /// P̃, the transitions that carry future value.
    pub fn kernel(&self) -> &TransitionKernel {
        &self.kernel
    }

    /// Whether `action` is available in `state` (its outcome list is not empty).
    pub fn is_allowed(&self, state: usize, action: usize) -> bool {
        self.allowed[state * self.spec.n_actions + action]
    }

    /// `allowed[s·A + a]` for every pair, row-major.
    pub fn allowed_mask(&self) -> &[bool] {
        &self.allowed
    }

    /// Whether some state has unavailable actions.
    pub fn has_unavailable_actions(&self) -> bool {
        self.allowed.iter().any(|&a| !a)
    }

    /// The outcomes of taking `action` in `state` (empty when the action is unavailable).
    pub fn outcomes(&self, state: usize, action: usize) -> &[Outcome] {
        &self.spec.transitions[state][action]
    }

    /// The same world with another discount (the horizon kind is kept).
    pub fn with_gamma(&self, gamma: f64) -> Result<Self> {
        let mut spec = self.spec.clone();
        spec.horizon = match spec.horizon {
            Horizon::Discounted { .. } => Horizon::Discounted { gamma },
            Horizon::Finite { steps, .. } => Horizon::Finite { steps, gamma },
        };
        TabularMdp::new(spec)
    }

    /// The same world with another horizon.
    pub fn with_horizon(&self, horizon: Horizon) -> Result<Self> {
        let mut spec = self.spec.clone();
        spec.horizon = horizon;
        TabularMdp::new(spec)
    }

    /// The same world with another initial distribution.
    pub fn with_initial(&self, initial: Vec<f64>) -> Result<Self> {
        let mut spec = self.spec.clone();
        spec.initial = initial;
        TabularMdp::new(spec)
    }

    /// The name of a state: its given name, or its index.
    pub fn state_label(&self, state: usize) -> String {
        match &self.spec.state_names {
            Some(names) => names[state].clone(),
            None => state.to_string(),
        }
    }

    /// The name of an action in a state: its given name, or its index.
    pub fn action_label(&self, state: usize, action: usize) -> String {
        match &self.spec.action_names {
            ActionNames::Numbered => action.to_string(),
            ActionNames::Shared(names) => names[action].clone(),
            ActionNames::PerState(names) => names[state][action].clone(),
        }
    }

    /// States with no future: every outcome of every action is `done` and pays nothing.
    pub fn terminal_states(&self) -> Vec<usize> {
        (0..self.n_states())
            .filter(|&s| {
                (0..self.n_actions())
                    .filter(|&a| self.is_allowed(s, a))
                    .all(|a| {
                        self.spec
                            .action_rewards
                            .as_ref()
                            .is_none_or(|r| r[s][a] == 0.0)
                            && self
                                .outcomes(s, a)
                                .iter()
                                .all(|o| o.done && o.reward == 0.0)
                    })
            })
            .collect()
    }

    /// States that no sequence of actions reaches from the support of ρ (counting every outcome
    /// with positive probability, `done` or not).
    pub fn unreachable_states(&self) -> Vec<usize> {
        let mut reached = vec![false; self.n_states()];
        let mut frontier: Vec<usize> = (0..self.n_states())
            .filter(|&s| self.initial[s] > 0.0)
            .collect();
        for &s in &frontier {
            reached[s] = true;
        }
        while let Some(s) = frontier.pop() {
            for a in 0..self.n_actions() {
                for outcome in self.outcomes(s, a) {
                    if outcome.probability > 0.0 && !reached[outcome.next_state] {
                        reached[outcome.next_state] = true;
                        frontier.push(outcome.next_state);
                    }
                }
            }
        }
        (0..self.n_states()).filter(|&s| !reached[s]).collect()
    }
}

fn check_distribution(field: &str, values: &[f64], what: &str) -> Result<()> {
    for (i, &p) in values.iter().enumerate() {
        if !p.is_finite() || p < 0.0 {
            return Err(Error::invalid(
                format!("{field}[{i}]"),
                format!("found {p}"),
                format!("{what} must be finite and non-negative"),
            ));
        }
    }
    let total: f64 = values.iter().sum();
    if (total - 1.0).abs() > PROBABILITY_TOLERANCE {
        return Err(Error::invalid(
            field,
            format!("probabilities sum to {total}"),
            format!("they must sum to 1 (within {PROBABILITY_TOLERANCE:e})"),
        ));
    }
    Ok(())
}

fn validate(spec: &MdpSpec) -> Result<()> {
    let (s_count, a_count) = (spec.n_states, spec.n_actions);
    if s_count == 0 {
        return Err(Error::invalid(
            "states",
            "the world has no states",
            "expected at least one state",
        ));
    }
    if a_count == 0 {
        return Err(Error::invalid(
            "actions",
            "the world has no actions",
            "expected at least one action",
        ));
    }
    spec.horizon.validate()?;
    if spec.initial.len() != s_count {
        return Err(Error::invalid(
            "initial",
            format!("found {} probabilities", spec.initial.len()),
            format!("expected one per state ({s_count})"),
        ));
    }
    check_distribution("initial", &spec.initial, "initial probabilities")?;
    if spec.transitions.len() != s_count {
        return Err(Error::invalid(
            "transitions",
            format!("found {} entries", spec.transitions.len()),
            format!("expected one list per state ({s_count})"),
        ));
    }
    for (s, per_state) in spec.transitions.iter().enumerate() {
        if per_state.len() != a_count {
            return Err(Error::invalid(
                format!("transitions[{s}]"),
                format!("found {} entries", per_state.len()),
                format!("expected one list of outcomes per action ({a_count})"),
            ));
        }
        if per_state.iter().all(Vec::is_empty) {
            return Err(Error::invalid(
                format!("transitions[{s}]"),
                format!("state {s} has no available action (every outcome list is empty)"),
                "expected at least one action with outcomes [probability, next_state, reward, done]",
            ));
        }
        for (a, outcomes) in per_state.iter().enumerate() {
            let field = format!("transitions[{s}][{a}]");
            if outcomes.is_empty() {
                // An empty list marks the action as unavailable in this state.
                continue;
            }
            for (k, o) in outcomes.iter().enumerate() {
                if o.next_state >= s_count {
                    return Err(Error::invalid(
                        format!("{field}[{k}]"),
                        format!("next state {} is out of range", o.next_state),
                        format!("expected a state index from 0 to {}", s_count - 1),
                    ));
                }
                if !o.reward.is_finite() {
                    return Err(Error::invalid(
                        format!("{field}[{k}]"),
                        format!("reward is {}", o.reward),
                        "rewards must be finite",
                    ));
                }
            }
            let probabilities: Vec<f64> = outcomes.iter().map(|o| o.probability).collect();
            check_distribution(&field, &probabilities, "transition probabilities")
                .map_err(|e| e.with_found(|found| format!("state {s}, action {a}: {found}")))?;
        }
    }
    if let Some(rewards) = &spec.action_rewards {
        if rewards.len() != s_count {
            return Err(Error::invalid(
                "rewards",
                format!("found {} rows", rewards.len()),
                format!("expected one row per state ({s_count})"),
            ));
        }
        for (s, row) in rewards.iter().enumerate() {
            if row.len() != a_count {
                return Err(Error::invalid(
                    format!("rewards[{s}]"),
                    format!("found {} numbers", row.len()),
                    format!("expected one per action ({a_count})"),
                ));
            }
            if let Some((a, r)) = row.iter().enumerate().find(|(_, r)| !r.is_finite()) {
                return Err(Error::invalid(
                    format!("rewards[{s}][{a}]"),
                    format!("found {r}"),
                    "rewards must be finite",
                ));
            }
        }
    }
    if let Some(names) = &spec.state_names {
        check_names("states", names, s_count, "state")?;
    }
    match &spec.action_names {
        ActionNames::Numbered => {}
        ActionNames::Shared(names) => check_names("actions", names, a_count, "action")?,
        ActionNames::PerState(per_state) => {
            if per_state.len() != s_count {
                return Err(Error::invalid(
                    "action_names",
                    format!("found {} lists", per_state.len()),
                    format!("expected one list of action names per state ({s_count})"),
                ));
            }
            for (s, names) in per_state.iter().enumerate() {
                check_names(&format!("action_names[{s}]"), names, a_count, "action")?;
            }
        }
    }
    Ok(())
}

fn check_names(field: &str, names: &[String], count: usize, what: &str) -> Result<()> {
    if names.len() != count {
        return Err(Error::invalid(
            field,
            format!("found {} names", names.len()),
            format!("expected one per {what} ({count})"),
        ));
    }
    // A hash set, not a pairwise scan: a 1000×1000 gridworld names 10⁶ states.
    let mut seen = std::collections::HashSet::with_capacity(names.len());
    for (i, name) in names.iter().enumerate() {
        if !seen.insert(name.as_str()) {
            return Err(Error::invalid(
                format!("{field}[{i}]"),
                format!("the name {name:?} is used twice"),
                format!("{what} names must be distinct"),
            ));
        }
    }
    Ok(())
}
