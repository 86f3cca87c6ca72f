//! A discounted Markov game with simultaneous moves (Shapley 1953): n players, S states, player i
//! choosing among A_i actions; in state s under the joint action a = (a_1, …, a_n) player i
//! receives r_i(s, a) and the state moves to s' with probability P(s' | s, a). Player i maximizes
//! J_i(π) = E[Σ_t γ^t r_i(s_t, a_t)] with s_0 ~ ρ under a product policy π = (π_1, …, π_n).
//!
//! A normal-form (matrix) game is the one-state game with γ = 0: J_i = Σ_a π(a)·r_i(a).
//!
//! Joint actions are numbered with the first player's action slowest:
//! joint(a) = ((a_1·A_2 + a_2)·A_3 + a_3)…, so for two players joint = a·B + b and a row of
//! `reward(0)` read as an A×B matrix is R(s, a, b).
//!
//! What a player sees ([`MarkovGame::player_view`]): with the other players' policies fixed,
//! player i faces the MDP P_i(s' | s, a_i) = Σ_{a_{-i}} π_{-i}(a_{-i} | s)·P(s' | s, a) and
//! r_i(s, a_i) = Σ_{a_{-i}} π_{-i}(a_{-i} | s)·r_i(s, a) — a [`TabularMdp`], so every exact
//! method and single-agent algorithm of policylab serves best responses.

use ndarray::{Array1, Array2, ArrayView2};

use crate::core::error::{Error, Result};
use crate::world::mdp::{
    ActionNames, Horizon, MdpSpec, Outcome, PROBABILITY_TOLERANCE, TabularMdp,
};

/// The most transition-table entries (S · joint actions · S) a dense game may hold (2²⁵ f64 =
/// 256 MiB); a larger game is refused before anything is allocated.
pub const MAX_DENSE_ENTRIES: usize = 1 << 25;

/// What the rewards say about the players' interests.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GameClass {
    /// Two players, r_2 = −r_1 exactly.
    ZeroSum,
    /// Every player receives the same reward (a team; includes one-player games).
    Cooperative,
    /// Anything else.
    GeneralSum,
}

impl GameClass {
    pub fn name(self) -> &'static str {
        match self {
            GameClass::ZeroSum => "zero-sum",
            GameClass::Cooperative => "cooperative",
            GameClass::GeneralSum => "general-sum",
        }
    }
}

/// Everything that defines a game, before validation; formats and generators fill it in.
#[derive(Debug, Clone, PartialEq)]
pub struct GameSpec {
    pub name: String,
    pub description: String,
    pub n_states: usize,
    /// A_i, one count per player.
    pub actions: Vec<usize>,
    pub gamma: f64,
    /// ρ.
    pub initial: Vec<f64>,
    /// `rewards[i][s][joint]`.
    pub rewards: Vec<Vec<Vec<f64>>>,
    /// `transitions[s][joint]`: (next state, probability) pairs.
    pub transitions: Vec<Vec<Vec<(usize, f64)>>>,
    pub state_names: Option<Vec<String>>,
    pub player_names: Option<Vec<String>>,
    /// One list of names per player.
    pub action_names: Option<Vec<Vec<String>>>,
}

/// A validated Markov game (see the [module docs](self)).
#[derive(Debug, Clone, PartialEq)]
pub struct MarkovGame {
    spec: GameSpec,
    joint: usize,
    /// One S × joint table per player.
    rewards: Vec<Array2<f64>>,
    /// Row s·joint + j holds P(· | s, j).
    transition: Array2<f64>,
    initial: Array1<f64>,
    class: GameClass,
}

/// Π A_i, or an error when it overflows or exceeds what a dense table may hold.
pub fn joint_count(actions: &[usize]) -> Result<usize> {
    let mut joint: usize = 1;
    for (i, &a) in actions.iter().enumerate() {
        if a == 0 {
            return Err(Error::invalid(
                format!("actions[{i}]"),
                "found 0",
                "every player needs at least one action",
            ));
        }
        joint = joint.checked_mul(a).ok_or_else(|| {
            Error::invalid(
                "actions",
                "the number of joint actions overflows",
                "fewer actions",
            )
        })?;
    }
    Ok(joint)
}

/// Refuses a dense table of `states · joint · states` entries beyond [`MAX_DENSE_ENTRIES`].
pub fn check_dense_size(states: usize, joint: usize) -> Result<()> {
    let entries = states
        .checked_mul(joint)
        .and_then(|n| n.checked_mul(states))
        .unwrap_or(usize::MAX);
    if entries > MAX_DENSE_ENTRIES {
        return Err(Error::invalid(
            "states",
            format!(
                "{states} states × {joint} joint actions × {states} next states = {entries} \
                 transition entries ({:.1} GiB dense)",
                entries as f64 * 8.0 / (1u64 << 30) as f64
            ),
            format!("at most {MAX_DENSE_ENTRIES} entries: games are stored densely"),
        ));
    }
    Ok(())
}

impl MarkovGame {
    /// Validates `spec` and builds the game; errors name the field as the native format does.
    pub fn new(spec: GameSpec) -> Result<Self> {
        let players = spec.actions.len();
        if players == 0 {
            return Err(Error::invalid("players", "found 0", "at least one player"));
        }
        let joint = joint_count(&spec.actions)?;
        let s_count = spec.n_states;
        if s_count == 0 {
            return Err(Error::invalid("states", "found 0", "at least one state"));
        }
        check_dense_size(s_count, joint)?;
        if !(0.0..1.0).contains(&spec.gamma) {
            return Err(Error::invalid(
                "gamma",
                format!("found {}", spec.gamma),
                "a discounted game needs 0 <= gamma < 1",
            ));
        }
        check_names(&spec)?;
        check_initial(&spec.initial, s_count)?;
        if spec.rewards.len() != players {
            return Err(Error::invalid(
                "rewards",
                format!("found rewards for {} players", spec.rewards.len()),
                format!("one reward table per player ({players})"),
            ));
        }
        let mut rewards = Vec::with_capacity(players);
        for (i, table) in spec.rewards.iter().enumerate() {
            if table.len() != s_count {
                return Err(Error::invalid(
                    format!("rewards[{i}]"),
                    format!("found {} rows", table.len()),
                    format!("one row per state ({s_count})"),
                ));
            }
            let mut dense = Array2::zeros((s_count, joint));
            for (s, row) in table.iter().enumerate() {
                if row.len() != joint {
                    return Err(Error::invalid(
                        format!("rewards[{i}][{s}]"),
                        format!("found {} entries", row.len()),
                        format!("one reward per joint action ({joint})"),
                    ));
                }
                for (j, &r) in row.iter().enumerate() {
                    if !r.is_finite() {
                        return Err(Error::invalid(
                            format!("rewards[{i}][{s}][{j}]"),
                            format!("found {r}"),
                            "a finite reward",
                        ));
                    }
                    dense[[s, j]] = r;
                }
            }
            rewards.push(dense);
        }
        if spec.transitions.len() != s_count {
            return Err(Error::invalid(
                "transitions",
                format!("found {} states", spec.transitions.len()),
                format!("one list per state ({s_count})"),
            ));
        }
        let mut transition = Array2::zeros((s_count * joint, s_count));
        for (s, per_joint) in spec.transitions.iter().enumerate() {
            if per_joint.len() != joint {
                return Err(Error::invalid(
                    format!("transitions[{s}]"),
                    format!("found {} joint actions", per_joint.len()),
                    format!("one list of next states per joint action ({joint})"),
                ));
            }
            for (j, outcomes) in per_joint.iter().enumerate() {
                let field = || {
                    format!(
                        "transitions[{s}][{j}] (state {s}, joint action {})",
                        describe_joint(&spec.actions, j)
                    )
                };
                let mut total = 0.0;
                for &(next, p) in outcomes {
                    if next >= s_count {
                        return Err(Error::invalid(
                            field(),
                            format!("next state {next} is out of range"),
                            format!("a state index from 0 to {}", s_count - 1),
                        ));
                    }
                    if !(p.is_finite() && p >= 0.0) {
                        return Err(Error::invalid(
                            field(),
                            format!("found probability {p}"),
                            "probabilities in [0, 1]",
                        ));
                    }
                    transition[[s * joint + j, next]] += p;
                    total += p;
                }
                if (total - 1.0).abs() > PROBABILITY_TOLERANCE {
                    return Err(Error::invalid(
                        field(),
                        format!("probabilities sum to {total}"),
                        format!("probabilities summing to 1 (within {PROBABILITY_TOLERANCE})"),
                    ));
                }
            }
        }
        let class = classify(&rewards);
        let initial = Array1::from(spec.initial.clone());
        Ok(MarkovGame {
            spec,
            joint,
            rewards,
            transition,
            initial,
            class,
        })
    }

    pub fn spec(&self) -> &GameSpec {
        &self.spec
    }

    /// The same game with another discount.
    pub fn with_gamma(&self, gamma: f64) -> Result<Self> {
        let mut spec = self.spec.clone();
        spec.gamma = gamma;
        MarkovGame::new(spec)
    }

    /// The same game with another initial distribution.
    pub fn with_initial(&self, initial: Vec<f64>) -> Result<Self> {
        let mut spec = self.spec.clone();
        spec.initial = initial;
        MarkovGame::new(spec)
    }

    pub fn name(&self) -> &str {
        &self.spec.name
    }

    pub fn n_players(&self) -> usize {
        self.spec.actions.len()
    }

    pub fn n_states(&self) -> usize {
        self.spec.n_states
    }

    /// A_i.
    pub fn n_actions(&self, player: usize) -> usize {
        self.spec.actions[player]
    }

    /// Every A_i.
    pub fn action_counts(&self) -> &[usize] {
        &self.spec.actions
    }

    /// Π A_i.
    pub fn n_joint(&self) -> usize {
        self.joint
    }

    pub fn gamma(&self) -> f64 {
        self.spec.gamma
    }

    pub fn initial(&self) -> &Array1<f64> {
        &self.initial
    }

    pub fn class(&self) -> GameClass {
        self.class
    }

    /// Whether this is a normal-form game (one state, γ = 0).
    pub fn is_normal_form(&self) -> bool {
        self.n_states() == 1 && self.gamma() == 0.0
    }

    /// r_i(s, joint), S × joint.
    pub fn reward(&self, player: usize) -> &Array2<f64> {
        &self.rewards[player]
    }

    /// P(s' | s, joint) in row s·joint + j.
    pub fn transition(&self) -> &Array2<f64> {
        &self.transition
    }

    /// The joint index of one action per player.
    pub fn joint_index(&self, actions: &[usize]) -> usize {
        encode_joint(&self.spec.actions, actions)
    }

    /// The actions of each player in a joint index.
    pub fn joint_actions(&self, joint: usize) -> Vec<usize> {
        decode_joint(&self.spec.actions, joint)
    }

    /// The name of a player: its given name, or "player i+1".
    pub fn player_label(&self, player: usize) -> String {
        match &self.spec.player_names {
            Some(names) => names[player].clone(),
            None => format!("player {}", player + 1),
        }
    }

    /// The name of a state.
    pub fn state_label(&self, state: usize) -> String {
        match &self.spec.state_names {
            Some(names) => names[state].clone(),
            None => state.to_string(),
        }
    }

    /// The name of one of a player's actions.
    pub fn action_label(&self, player: usize, action: usize) -> String {
        match &self.spec.action_names {
            Some(names) => names[player][action].clone(),
            None => action.to_string(),
        }
    }

    /// The zero-sum stage game of state s for player 1 against player 2 with continuation values
    /// `v`: M(a, b) = r_1(s, a, b) + γ·Σ_{s'} P(s' | s, a, b)·v(s'), an A_1 × A_2 matrix.
    pub fn stage_matrix(&self, state: usize, v: &[f64]) -> Array2<f64> {
        let (rows, cols) = (self.spec.actions[0], self.joint / self.spec.actions[0]);
        let gamma = self.gamma();
        Array2::from_shape_fn((rows, cols), |(a, b)| {
            let j = a * cols + b;
            let next: f64 = self
                .transition
                .row(state * self.joint + j)
                .iter()
                .zip(v)
                .map(|(p, x)| p * x)
                .sum();
            self.rewards[0][[state, j]] + gamma * next
        })
    }

    /// Checks that `policies` holds one S × A_i stochastic table per player.
    pub fn check_policies(&self, policies: &[ArrayView2<'_, f64>]) -> Result<()> {
        if policies.len() != self.n_players() {
            return Err(Error::invalid(
                "policies",
                format!("found {} policies", policies.len()),
                format!("one policy per player ({})", self.n_players()),
            ));
        }
        for (i, policy) in policies.iter().enumerate() {
            let expected = (self.n_states(), self.spec.actions[i]);
            if policy.dim() != expected {
                return Err(Error::invalid(
                    format!("policies[{i}]"),
                    format!("found a {}×{} table", policy.nrows(), policy.ncols()),
                    format!(
                        "{}×{} (states × actions of {})",
                        expected.0,
                        expected.1,
                        self.player_label(i)
                    ),
                ));
            }
            for (s, row) in policy.rows().into_iter().enumerate() {
                let total: f64 = row.sum();
                if row.iter().any(|p| !(p.is_finite() && *p >= 0.0))
                    || (total - 1.0).abs() > PROBABILITY_TOLERANCE
                {
                    return Err(Error::invalid(
                        format!("policies[{i}][{s}]"),
                        format!("found a row summing to {total}"),
                        "probabilities >= 0 summing to 1",
                    ));
                }
            }
        }
        Ok(())
    }

    /// Every player's uniform policy (S × A_i each): where the game algorithms start.
    pub fn uniform_policies(&self) -> Vec<Array2<f64>> {
        self.spec
            .actions
            .iter()
            .map(|&a| Array2::from_elem((self.spec.n_states, a), 1.0 / a as f64))
            .collect()
    }

    /// The probability of each joint action in state s under a product policy.
    pub fn joint_probabilities(&self, policies: &[ArrayView2<'_, f64>], state: usize) -> Vec<f64> {
        self.joint_weights(policies, state, None)
    }

    /// Π_{k≠i} π_k(a_k | s) per joint action: the probability of the others' part of each joint
    /// action (player i's own factor left out), e.g. to average a joint Q over the others.
    pub fn others_probabilities(
        &self,
        policies: &[ArrayView2<'_, f64>],
        state: usize,
        player: usize,
    ) -> Vec<f64> {
        self.joint_weights(policies, state, Some(player))
    }

    /// Π_k π_k(a_k | s) per joint action, with player `skip`'s factor left out (set to 1).
    fn joint_weights(
        &self,
        policies: &[ArrayView2<'_, f64>],
        state: usize,
        skip: Option<usize>,
    ) -> Vec<f64> {
        let mut weights = Vec::with_capacity(self.joint);
        weights.push(1.0);
        for (k, (policy, &count)) in policies.iter().zip(&self.spec.actions).enumerate() {
            let mut next = Vec::with_capacity(weights.len() * count);
            for &w in &weights {
                for a in 0..count {
                    next.push(if skip == Some(k) {
                        w
                    } else {
                        w * policy[[state, a]]
                    });
                }
            }
            weights = next;
        }
        weights
    }

    /// Player i's reward and transition rows averaged over the others' actions:
    /// r_i(s, a_i) (S × A_i) and P_i(s' | s, a_i) (row s·A_i + a_i). `policies[i]` is not read.
    pub fn marginal(
        &self,
        player: usize,
        policies: &[ArrayView2<'_, f64>],
    ) -> (Array2<f64>, Array2<f64>) {
        let (s_count, own) = (self.n_states(), self.spec.actions[player]);
        let mut reward = Array2::zeros((s_count, own));
        let mut transition = Array2::zeros((s_count * own, s_count));
        for s in 0..s_count {
            let weights = self.joint_weights(policies, s, Some(player));
            for (j, &w) in weights.iter().enumerate() {
                if w == 0.0 {
                    continue;
                }
                let a = self.joint_actions(j)[player];
                reward[[s, a]] += w * self.rewards[player][[s, j]];
                let row = self.transition.row(s * self.joint + j);
                let mut target = transition.row_mut(s * own + a);
                target.scaled_add(w, &row);
            }
        }
        (reward, transition)
    }

    /// The MDP player i faces when the others play `policies` (their tables; player i's is not
    /// read): see the [module docs](self).
    pub fn player_view(
        &self,
        player: usize,
        policies: &[ArrayView2<'_, f64>],
    ) -> Result<TabularMdp> {
        self.check_policies(policies)?;
        let (reward, transition) = self.marginal(player, policies);
        self.mdp_of(player, reward, &transition)
    }

    /// A [`TabularMdp`] for `player` with reward table `reward` (S × A_i) and transition rows
    /// `transition` (row s·A_i + a).
    pub fn mdp_of(
        &self,
        player: usize,
        reward: Array2<f64>,
        transition: &Array2<f64>,
    ) -> Result<TabularMdp> {
        let action_names = match &self.spec.action_names {
            Some(names) => ActionNames::Shared(names[player].clone()),
            None => ActionNames::Numbered,
        };
        let name = format!("{} ({}'s view)", self.name(), self.player_label(player));
        self.build_mdp(name, reward, transition, action_names)
    }

    /// The team's MDP of a cooperative game: one action per joint action, reward r_1 (shared),
    /// the game's transitions. Its deterministic optimal policy is a product of deterministic
    /// policies, a team-optimal Nash equilibrium.
    pub fn team_mdp(&self) -> Result<TabularMdp> {
        let names: Vec<String> = (0..self.joint)
            .map(|j| {
                let parts: Vec<String> = self
                    .joint_actions(j)
                    .iter()
                    .enumerate()
                    .map(|(i, &a)| self.action_label(i, a))
                    .collect();
                format!("({})", parts.join(", "))
            })
            .collect();
        let name = format!("{} (team)", self.name());
        self.build_mdp(
            name,
            self.rewards[0].clone(),
            &self.transition,
            ActionNames::Shared(names),
        )
    }

    fn build_mdp(
        &self,
        name: String,
        reward: Array2<f64>,
        transition: &Array2<f64>,
        action_names: ActionNames,
    ) -> Result<TabularMdp> {
        let (s_count, actions) = (self.n_states(), reward.ncols());
        let transitions = (0..s_count)
            .map(|s| {
                (0..actions)
                    .map(|a| {
                        let row = transition.row(s * actions + a);
                        let mut outcomes: Vec<Outcome> = row
                            .iter()
                            .enumerate()
                            .filter(|(_, p)| **p > 0.0)
                            .map(|(next, &p)| Outcome::new(p, next, 0.0, false))
                            .collect();
                        if outcomes.is_empty() {
                            // Unreachable: every row of P sums to 1 and the others' weights to 1.
                            outcomes.push(Outcome::new(1.0, s, 0.0, false));
                        }
                        outcomes
                    })
                    .collect()
            })
            .collect();
        TabularMdp::new(MdpSpec {
            name,
            description: String::new(),
            n_states: s_count,
            n_actions: actions,
            horizon: Horizon::Discounted {
                gamma: self.gamma(),
            },
            initial: self.initial.to_vec(),
            transitions,
            action_rewards: Some(reward.outer_iter().map(|r| r.to_vec()).collect()),
            state_names: self.spec.state_names.clone(),
            action_names,
        })
    }
}

/// The joint index of one action per player (`counts[i]` actions for player i), the first
/// player's action slowest.
pub fn encode_joint(counts: &[usize], actions: &[usize]) -> usize {
    actions
        .iter()
        .zip(counts)
        .fold(0, |index, (&a, &count)| index * count + a)
}

/// The action of each player in a joint index: the inverse of [`encode_joint`].
pub fn decode_joint(counts: &[usize], mut joint: usize) -> Vec<usize> {
    let mut actions = vec![0; counts.len()];
    for (slot, &count) in actions.iter_mut().zip(counts).rev() {
        *slot = joint % count;
        joint /= count;
    }
    actions
}

/// "(a_1, a_2, …)" for a joint index.
fn describe_joint(counts: &[usize], joint: usize) -> String {
    let parts: Vec<String> = decode_joint(counts, joint)
        .iter()
        .map(|a| a.to_string())
        .collect();
    format!("({})", parts.join(", "))
}

fn classify(rewards: &[Array2<f64>]) -> GameClass {
    if rewards.iter().all(|r| *r == rewards[0]) {
        GameClass::Cooperative
    } else if rewards.len() == 2
        && rewards[0]
            .iter()
            .zip(rewards[1].iter())
            .all(|(a, b)| *a == -*b)
    {
        GameClass::ZeroSum
    } else {
        GameClass::GeneralSum
    }
}

fn check_initial(initial: &[f64], s_count: usize) -> Result<()> {
    if initial.len() != s_count {
        return Err(Error::invalid(
            "initial",
            format!("found {} probabilities", initial.len()),
            format!("one probability per state ({s_count})"),
        ));
    }
    for (s, &p) in initial.iter().enumerate() {
        if !(p.is_finite() && p >= 0.0) {
            return Err(Error::invalid(
                format!("initial[{s}]"),
                format!("found {p}"),
                "a probability >= 0",
            ));
        }
    }
    let total: f64 = initial.iter().sum();
    if (total - 1.0).abs() > PROBABILITY_TOLERANCE {
        return Err(Error::invalid(
            "initial",
            format!("probabilities sum to {total}"),
            "a distribution summing to 1",
        ));
    }
    Ok(())
}

fn check_names(spec: &GameSpec) -> Result<()> {
    if let Some(names) = &spec.state_names
        && names.len() != spec.n_states
    {
        return Err(Error::invalid(
            "states",
            format!("found {} names", names.len()),
            format!("{} names", spec.n_states),
        ));
    }
    if let Some(names) = &spec.player_names
        && names.len() != spec.actions.len()
    {
        return Err(Error::invalid(
            "players",
            format!("found {} names", names.len()),
            format!("{} names", spec.actions.len()),
        ));
    }
    if let Some(names) = &spec.action_names {
        if names.len() != spec.actions.len() {
            return Err(Error::invalid(
                "actions",
                format!("found names for {} players", names.len()),
                format!("one list per player ({})", spec.actions.len()),
            ));
        }
        for (i, (list, &count)) in names.iter().zip(&spec.actions).enumerate() {
            if list.len() != count {
                return Err(Error::invalid(
                    format!("actions[{i}]"),
                    format!("found {} names", list.len()),
                    format!("{count} names"),
                ));
            }
        }
    }
    Ok(())
}
