//! Self-play preference optimization (SPO) of Swamy, Dann, Kidambi, Wu & Agarwal (2024, "A
//! minimaximalist approach to reinforcement learning from human feedback", ICML), exact on a
//! preference game: one policy plays against itself, each option's reward is its win rate
//! against the current policy, r_t(a) = P(a ≻ π_t) = Σ_b P(a ≻ b)·π_t(b), and a no-regret step
//! follows. Here the step is exponential weights (Hedge; the exact form of softmax NPG on a
//! one-state problem):
//!
//!   π_{t+1}(a) ∝ π_t(a)·exp(η·r_t(a)),  π_0 uniform,
//!
//! and the method's output is the average iterate π̄_T = (1/T)Σ_{t<T} π_t. Because
//! π_tᵀPπ_t = ½ whenever P + Pᵀ = 1, the exploitability of π̄_T — the largest win rate against it
//! minus ½ — equals Hedge's average regret, so with rewards in [0, 1]
//!
//!   max_a P(a ≻ π̄_T) − ½ ≤ ln K/(η·T) + η/8
//!
//! (Freund & Schapire 1999; Cesa-Bianchi & Lugosi 2006, Thm. 2.2): the average converges to the
//! minimax (von Neumann) winner, the symmetric equilibrium of the preference game, even when the
//! preferences are intransitive and no reward explains them.
//!
//! Runs on one-state symmetric zero-sum games (`preference-game` worlds: r_1(a, b) = P(a ≻ b) − ½).
//! A step records, for the average π̄_{t+1} over π_0..π_t, what every game algorithm records
//! (`nash_conv`, `exploitability` = max_a P(a ≻ π̄) − ½, each player's value and entropy), the
//! bound above as `hedge_bound`, and the current iterate's `last_exploitability`.

use ndarray::{Array1, Array2};
use rand_chacha::ChaCha8Rng;

use super::Algorithm;
use super::catalogue::{AlgorithmEntry, GAME_WORLDS};
use super::game_measure::{measure_joint, require_game};
use crate::core::checks::require_positive;
use crate::core::error::{Error, Result};
use crate::core::parameters::parameter;
use crate::core::record::Record;
use crate::world::{MarkovGame, World};

#[derive(Debug, Clone, PartialEq)]
pub struct SelfPlayPreference {
    step_size: f64,
}

impl SelfPlayPreference {
    /// SPO with Hedge step η > 0.
    pub fn new(step_size: f64) -> Result<Self> {
        require_positive("step_size", step_size)?;
        Ok(SelfPlayPreference { step_size })
    }
}

/// The catalogue entry.
pub fn entry() -> AlgorithmEntry {
    AlgorithmEntry {
        name: "self-play-preference",
        summary: "self-play preference optimization to the minimax winner (Swamy et al. 2024), Hedge steps",
        worlds: GAME_WORLDS,
        parameters: vec![parameter(
            "step_size",
            0.1,
            "Hedge step η (> 0); the average's exploitability is at most ln K/(ηT) + η/8",
        )],
        run: |values, world, run| {
            run.go_together(&SelfPlayPreference::new(values.real("step_size"))?, world)
        },
    }
}

/// The preference matrix P(a ≻ b) = r_1(a, b) + ½ of a one-state symmetric zero-sum game, or an
/// error naming `what` (an algorithm that needs one).
pub fn preference_matrix(game: &MarkovGame, what: &str) -> Result<Array2<f64>> {
    let refuse = |why: String| {
        Error::Usage(format!(
            "`{what}` runs on preference games (one state, two players with the same actions, \
             r_1(a, b) = P(a > b) - 1/2 with P + P^T = 1); {why}"
        ))
    };
    if game.n_players() != 2 || game.n_states() != 1 || game.n_actions(0) != game.n_actions(1) {
        return Err(refuse(format!(
            "{} has {} players, {} states and actions {:?}",
            game.name(),
            game.n_players(),
            game.n_states(),
            game.action_counts()
        )));
    }
    let k = game.n_actions(0);
    let r = game.reward(0);
    let p = Array2::from_shape_fn((k, k), |(a, b)| r[[0, a * k + b]] + 0.5);
    for a in 0..k {
        for b in 0..k {
            let (forward, backward) = (p[[a, b]], p[[b, a]]);
            if !(-1e-12..=1.0 + 1e-12).contains(&forward) || (forward + backward - 1.0).abs() > 1e-9
            {
                return Err(refuse(format!(
                    "{}: P({a} > {b}) = {forward} and P({b} > {a}) = {backward}",
                    game.name()
                )));
            }
        }
    }
    Ok(p)
}

/// The exploitability of a symmetric policy in a preference game: max_a P(a ≻ π) − ½.
pub fn preference_exploitability(p: &Array2<f64>, policy: &Array1<f64>) -> f64 {
    p.dot(policy)
        .iter()
        .fold(f64::NEG_INFINITY, |m, v| m.max(*v))
        - 0.5
}

/// The record of a symmetric policy π played by both players (see the [module docs](self)).
pub fn measure_symmetric(game: &MarkovGame, policy: &Array1<f64>) -> Result<Record> {
    let table = policy.clone().insert_axis(ndarray::Axis(0));
    measure_joint(game, &[table.clone(), table], None)
}

/// The iterate: the current policy, the cumulative weighted rewards, the sum of the iterates
/// so far and the preference matrix.
#[derive(Debug, Clone, PartialEq)]
pub struct SelfPlayState {
    pub policy: Array1<f64>,
    pub log_weights: Array1<f64>,
    pub sum: Array1<f64>,
    pub iterates: usize,
    pub preference: Array2<f64>,
}

impl SelfPlayState {
    fn average(&self) -> Array1<f64> {
        &self.sum / self.iterates.max(1) as f64
    }
}

impl<W: World + ?Sized> Algorithm<W> for SelfPlayPreference {
    type State = SelfPlayState;

    fn name(&self) -> &'static str {
        "self-play-preference"
    }

    fn initial_state(&self, world: &W) -> Result<SelfPlayState> {
        let game = require_game(world, "self-play-preference")?;
        let preference = preference_matrix(game, "self-play-preference")?;
        let k = preference.nrows();
        Ok(SelfPlayState {
            policy: Array1::from_elem(k, 1.0 / k as f64),
            log_weights: Array1::zeros(k),
            sum: Array1::zeros(k),
            iterates: 0,
            preference,
        })
    }

    fn policy(&self, state: &SelfPlayState) -> Option<Vec<Array2<f64>>> {
        let average = state.average().insert_axis(ndarray::Axis(0));
        Some(vec![average.clone(), average])
    }

    fn step(
        &self,
        world: &W,
        mut state: SelfPlayState,
        _rng: &mut ChaCha8Rng,
    ) -> Result<(SelfPlayState, Record)> {
        let game = require_game(world, "self-play-preference")?;
        state.sum += &state.policy;
        state.iterates += 1;
        let average = state.average();
        let mut record = measure_symmetric(game, &average)?;
        let k = state.preference.nrows() as f64;
        record.set(
            "hedge_bound",
            k.ln() / (self.step_size * state.iterates as f64) + self.step_size / 8.0,
        );
        record.set(
            "last_exploitability",
            preference_exploitability(&state.preference, &state.policy),
        );
        // Hedge on the win rates against the current policy.
        let rewards = state.preference.dot(&state.policy);
        state.log_weights.scaled_add(self.step_size, &rewards);
        let max = state
            .log_weights
            .iter()
            .fold(f64::NEG_INFINITY, |m, v| m.max(*v));
        let weights = state.log_weights.mapv(|w| (w - max).exp());
        state.policy = &weights / weights.sum();
        Ok((state, record))
    }
}
