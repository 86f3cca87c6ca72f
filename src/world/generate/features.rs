//! Feature maps for tabular worlds ([`FeatureMap`]) and linear MDPs built from a factorization:
//!
//! - [`one_hot`]: φ(s, a) = e_{s·A + a} (d = S·A): log-linear policies are then tabular softmax;
//! - [`random_features`]: i.i.d. standard normal entries, seeded;
//! - [`state_aggregation`]: states split into `groups` consecutive blocks, φ(s, a) = e_{g(s)·A + a};
//! - [`LinearMdpParams`]: a linear MDP in the sense of Jin, Yang, Wang & Jordan (2020, Assumption
//!   A): features on the simplex, φ(s, a) ~ Dirichlet(1) in R^d, d distributions μ_k over the
//!   states (Dirichlet(1) each), P(s'|s, a) = Σ_k φ_k(s, a)·μ_k(s') (a convex combination of
//!   distributions, so a distribution) and r(s, a) = φ(s, a)ᵀθ with θ ~ Uniform[0, 1]^d. Then
//!   Q^π = r + γPV^π lies in span Φ for every policy π.

use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, StandardNormal};

use crate::core::checks::{require, require_gamma};
use crate::core::error::Result;
use crate::world::features::FeatureMap;
use crate::world::{ActionNames, Horizon, MdpSpec, Outcome, TabularMdp};

/// The most entries a generated feature table may have (10⁸ numbers, 800 MB).
pub const MAX_TABLE_ENTRIES: usize = 100_000_000;

/// Checks an (S·A) × d table's size before it is allocated.
fn require_table_size(states: usize, actions: usize, dimension: usize) -> Result<()> {
    let entries = states
        .checked_mul(actions)
        .and_then(|rows| rows.checked_mul(dimension));
    require(
        entries.is_some_and(|n| n <= MAX_TABLE_ENTRIES),
        "features",
        format!("{states} states × {actions} actions × dimension {dimension}"),
        &format!("a table of at most {MAX_TABLE_ENTRIES} numbers (S·A·d)"),
    )
}

/// The generated feature maps by name, as experiment files and `--features` give them.
pub const NAMES: &[&str] = &["one-hot", "random", "aggregation"];

/// The feature map `name` (one of [`NAMES`]) with its size: `dimension` and `seed` are read by
/// `random`, `groups` by `aggregation`.
pub fn named(
    name: &str,
    states: usize,
    actions: usize,
    dimension: usize,
    groups: usize,
    seed: u64,
) -> Result<FeatureMap> {
    match name {
        "one-hot" => one_hot(states, actions),
        "random" => random_features(states, actions, dimension, seed),
        "aggregation" => state_aggregation(states, actions, groups),
        other => Err(crate::core::error::Error::invalid(
            "features",
            format!("`{other}`"),
            format!("one of {}", NAMES.join(", ")),
        )),
    }
}

/// φ(s, a) = e_{s·A + a}.
pub fn one_hot(states: usize, actions: usize) -> Result<FeatureMap> {
    require_table_size(states, actions, states.saturating_mul(actions))?;
    let rows = states * actions;
    FeatureMap::new(states, actions, ndarray::Array2::eye(rows))
}

/// Standard normal features of dimension d, drawn row by row from a ChaCha8 stream seeded with
/// `seed`.
pub fn random_features(
    states: usize,
    actions: usize,
    dimension: usize,
    seed: u64,
) -> Result<FeatureMap> {
    require(dimension >= 1, "dimension", dimension, "at least 1")?;
    require_table_size(states, actions, dimension)?;
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let table = ndarray::Array2::from_shape_fn((states * actions, dimension), |_| {
        StandardNormal.sample(&mut rng)
    });
    FeatureMap::new(states, actions, table)
}

/// State aggregation into `groups` consecutive blocks of states: φ(s, a) = e_{g(s)·A + a} with
/// g(s) = ⌊s·groups/S⌋ (d = groups·A).
pub fn state_aggregation(states: usize, actions: usize, groups: usize) -> Result<FeatureMap> {
    require(
        (1..=states).contains(&groups),
        "groups",
        groups,
        "between 1 and the number of states",
    )?;
    require_table_size(states, actions, groups * actions)?;
    let mut table = ndarray::Array2::zeros((states * actions, groups * actions));
    for s in 0..states {
        let group = s * groups / states;
        for a in 0..actions {
            table[[s * actions + a, group * actions + a]] = 1.0;
        }
    }
    FeatureMap::new(states, actions, table)
}

/// One Dirichlet(1) draw of length n (normalized exponentials).
fn dirichlet(rng: &mut ChaCha8Rng, n: usize) -> Vec<f64> {
    let draws: Vec<f64> = (0..n).map(|_| -(1.0 - rng.random::<f64>()).ln()).collect();
    let total: f64 = draws.iter().sum();
    draws.into_iter().map(|x| x / total).collect()
}

/// Parameters of a generated linear MDP (see the [module docs](self); defaults: 20 states,
/// 4 actions, d = 5, γ = 0.9, seed 0).
#[derive(Debug, Clone, PartialEq, serde::Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct LinearMdpParams {
    pub states: usize,
    pub actions: usize,
    pub dimension: usize,
    pub gamma: f64,
    pub seed: u64,
    /// σ ≥ 0: the features handed out are φ(s, a) + σ·N(0, I) (drawn after the world, from the
    /// same stream), so the world is linear in φ but only approximately in what the agent sees —
    /// a misspecified linear MDP whose approximation error grows with σ. Default 0.
    pub feature_noise: f64,
}

impl Default for LinearMdpParams {
    fn default() -> Self {
        LinearMdpParams {
            states: 20,
            actions: 4,
            dimension: 5,
            gamma: 0.9,
            seed: 0,
            feature_noise: 0.0,
        }
    }
}

impl LinearMdpParams {
    /// The MDP and its features.
    pub fn build(&self) -> Result<(TabularMdp, FeatureMap)> {
        require(self.states >= 1, "states", self.states, "at least 1 state")?;
        require(
            self.actions >= 1,
            "actions",
            self.actions,
            "at least 1 action",
        )?;
        require(
            self.dimension >= 1,
            "dimension",
            self.dimension,
            "at least 1",
        )?;
        require_gamma(self.gamma)?;
        require(
            self.feature_noise >= 0.0 && self.feature_noise.is_finite(),
            "feature_noise",
            self.feature_noise,
            "a finite σ >= 0",
        )?;
        crate::world::game::markov_game::check_dense_size(self.states * self.actions, self.states)?;
        let mut rng = ChaCha8Rng::seed_from_u64(self.seed);
        let phi: Vec<Vec<f64>> = (0..self.states * self.actions)
            .map(|_| dirichlet(&mut rng, self.dimension))
            .collect();
        let mu: Vec<Vec<f64>> = (0..self.dimension)
            .map(|_| dirichlet(&mut rng, self.states))
            .collect();
        let theta: Vec<f64> = (0..self.dimension).map(|_| rng.random::<f64>()).collect();
        let transitions = (0..self.states)
            .map(|s| {
                (0..self.actions)
                    .map(|a| {
                        let features = &phi[s * self.actions + a];
                        let reward: f64 = features.iter().zip(&theta).map(|(f, t)| f * t).sum();
                        (0..self.states)
                            .map(|next| {
                                let p: f64 =
                                    features.iter().zip(&mu).map(|(f, m)| f * m[next]).sum();
                                Outcome::new(p, next, reward, false)
                            })
                            .collect()
                    })
                    .collect()
            })
            .collect();
        let mdp = TabularMdp::new(MdpSpec {
            name: format!(
                "linear-mdp-{}-{}-d{}-seed{}",
                self.states, self.actions, self.dimension, self.seed
            ),
            description: format!(
                "linear MDP P = Phi mu, r = Phi theta (S={}, A={}, d={}), seed {}",
                self.states, self.actions, self.dimension, self.seed
            ),
            n_states: self.states,
            n_actions: self.actions,
            horizon: Horizon::Discounted { gamma: self.gamma },
            initial: vec![1.0 / self.states as f64; self.states],
            transitions,
            action_rewards: None,
            state_names: None,
            action_names: ActionNames::Numbered,
        })?;
        let table = ndarray::Array2::from_shape_fn(
            (self.states * self.actions, self.dimension),
            |(row, k)| phi[row][k],
        );
        let table = if self.feature_noise > 0.0 {
            table.mapv(|x| {
                let z: f64 = StandardNormal.sample(&mut rng);
                x + self.feature_noise * z
            })
        } else {
            table
        };
        Ok((mdp, FeatureMap::new(self.states, self.actions, table)?))
    }
}
