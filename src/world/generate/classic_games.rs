//! Classic games with known answers, as [`MarkovGame`]s:
//!
//! - **The Big Match** (Gillette 1957; Blackwell & Ferguson 1968, "The Big Match", Ann. Math.
//!   Statist. 39): in state `play` player 1 chooses `stop` or `go`, player 2 `left` or `right`;
//!   (stop, left) pays 1 now and for ever after (state `won`), (stop, right) 0 for ever (state
//!   `lost`); (go, left) pays 0 and (go, right) pays 1, and play goes on. Its normalized
//!   discounted value is 1/2 for every γ, so with policylab's unnormalized return
//!   V*(play) = 1/(2(1−γ)); player 1 stops with probability (1−γ)/(2−γ), player 2 mixes ½–½.
//! - **Matrix games**: rock–paper–scissors (value 0, uniform), matching pennies, the perturbed
//!   rock–paper–scissors of Sokota et al. (2023, "A unified approach to reinforcement learning,
//!   quantal response equilibria, and two-player zero-sum games", App. G; the authors' example
//!   normalizes M = [[0,−3,3],[3,0,−1],[−3,1,0]] to (M + 3)/6), the prisoner's dilemma.
//! - **Preference games**: from a preference matrix P(a ≻ b) (P + Pᵀ = 1), the symmetric
//!   zero-sum game with r_1(a, b) = P(a ≻ b) − ½; its equilibrium strategy is the minimax
//!   (von Neumann) winner of Swamy et al. (2024, "A minimaximalist approach to reinforcement
//!   learning from human feedback", §3), the policy that no other beats with probability > ½.

use crate::core::checks::require_gamma;
use crate::core::error::{Error, Result};
use crate::world::game::{GameSpec, MarkovGame};

/// The Big Match at discount γ (see the [module docs](self)).
pub fn big_match(gamma: f64) -> Result<MarkovGame> {
    require_gamma(gamma)?;
    // States: 0 play, 1 won, 2 lost. Joint index a·2 + b with a ∈ {stop, go}, b ∈ {left, right}.
    let play = vec![
        vec![(1, 1.0)],
        vec![(2, 1.0)],
        vec![(0, 1.0)],
        vec![(0, 1.0)],
    ];
    let stay = |s: usize| vec![vec![(s, 1.0)]; 4];
    // The absorbing step pays like the states it enters: (stop, left) 1, (stop, right) 0.
    let reward_play = vec![1.0, 0.0, 0.0, 1.0];
    let r1 = vec![reward_play, vec![1.0; 4], vec![0.0; 4]];
    let r2 = r1
        .iter()
        .map(|row| row.iter().map(|v| -v).collect())
        .collect();
    MarkovGame::new(GameSpec {
        name: "big-match".into(),
        description: format!(
            "the Big Match (Blackwell & Ferguson 1968) at gamma {gamma}: V*(play) = 1/(2(1-gamma))"
        ),
        n_states: 3,
        actions: vec![2, 2],
        gamma,
        initial: vec![1.0, 0.0, 0.0],
        rewards: vec![r1, r2],
        transitions: vec![play, stay(1), stay(2)],
        state_names: Some(vec!["play".into(), "won".into(), "lost".into()]),
        player_names: Some(vec!["player 1".into(), "player 2".into()]),
        action_names: Some(vec![
            vec!["stop".into(), "go".into()],
            vec!["left".into(), "right".into()],
        ]),
    })
}

/// A two-player normal-form game from player 1's and player 2's payoff matrices (A_1 × A_2).
pub fn bimatrix(
    name: &str,
    description: &str,
    first: &[Vec<f64>],
    second: &[Vec<f64>],
    names: Option<(Vec<String>, Vec<String>)>,
) -> Result<MarkovGame> {
    let rows = first.len();
    let cols = first.first().map_or(0, Vec::len);
    let shape_ok = |m: &[Vec<f64>]| m.len() == rows && m.iter().all(|r| r.len() == cols);
    if rows == 0 || cols == 0 || !shape_ok(first) || !shape_ok(second) {
        return Err(Error::invalid(
            "payoffs",
            "matrices of different or ragged shapes",
            "two A×B payoff matrices of the same shape",
        ));
    }
    let flat = |m: &[Vec<f64>]| vec![m.iter().flatten().copied().collect::<Vec<f64>>()];
    MarkovGame::new(GameSpec {
        name: name.into(),
        description: description.into(),
        n_states: 1,
        actions: vec![rows, cols],
        gamma: 0.0,
        initial: vec![1.0],
        rewards: vec![flat(first), flat(second)],
        transitions: vec![vec![vec![(0, 1.0)]; rows * cols]],
        state_names: None,
        player_names: None,
        action_names: names.map(|(a, b)| vec![a, b]),
    })
}

/// A two-player zero-sum normal-form game with payoff `m` to the row player.
pub fn zero_sum_matrix(name: &str, description: &str, m: &[Vec<f64>]) -> Result<MarkovGame> {
    let negative: Vec<Vec<f64>> = m.iter().map(|r| r.iter().map(|v| -v).collect()).collect();
    bimatrix(name, description, m, &negative, None)
}

/// Rock–paper–scissors: value 0, both players uniform.
pub fn rock_paper_scissors() -> Result<MarkovGame> {
    let names = || {
        vec![
            "rock".to_string(),
            "paper".to_string(),
            "scissors".to_string(),
        ]
    };
    let m = vec![
        vec![0.0, -1.0, 1.0],
        vec![1.0, 0.0, -1.0],
        vec![-1.0, 1.0, 0.0],
    ];
    let negative: Vec<Vec<f64>> = m.iter().map(|r| r.iter().map(|v| -v).collect()).collect();
    bimatrix(
        "rock-paper-scissors",
        "rock-paper-scissors: value 0, the uniform strategies are the unique equilibrium",
        &m,
        &negative,
        Some((names(), names())),
    )
}

/// Matching pennies: value 0, both players ½–½.
pub fn matching_pennies() -> Result<MarkovGame> {
    zero_sum_matrix(
        "matching-pennies",
        "matching pennies: value 0, both players mix 1/2-1/2",
        &[vec![1.0, -1.0], vec![-1.0, 1.0]],
    )
}

/// Sokota et al.'s perturbed rock–paper–scissors, (M + 3)/6 with
/// M = [[0, −3, 3], [3, 0, −1], [−3, 1, 0]] (payoffs in [0, 1]; constant-sum, written zero-sum as
/// r_1 = (M + 3)/6, r_2 = −r_1).
pub fn perturbed_rock_paper_scissors() -> Result<MarkovGame> {
    let m = [[0.0, -3.0, 3.0], [3.0, 0.0, -1.0], [-3.0, 1.0, 0.0]];
    let scaled: Vec<Vec<f64>> = m
        .iter()
        .map(|r| r.iter().map(|v| (v + 3.0) / 6.0).collect())
        .collect();
    zero_sum_matrix(
        "perturbed-rps",
        "perturbed rock-paper-scissors of Sokota et al. (2023), payoffs (M+3)/6",
        &scaled,
    )
}

/// The symmetric zero-sum game of a preference matrix: r_1(a, b) = P(a ≻ b) − ½. P must have
/// entries in [0, 1] with P(a ≻ b) + P(b ≻ a) = 1.
pub fn preference_game(name: &str, preference: &[Vec<f64>]) -> Result<MarkovGame> {
    let k = preference.len();
    for (a, row) in preference.iter().enumerate() {
        if row.len() != k {
            return Err(Error::invalid(
                format!("preference[{a}]"),
                format!("found {} entries", row.len()),
                format!("a square matrix ({k} entries per row)"),
            ));
        }
        for (b, &p) in row.iter().enumerate() {
            if !(0.0..=1.0).contains(&p) || (p + preference[b][a] - 1.0).abs() > 1e-12 {
                return Err(Error::invalid(
                    format!("preference[{a}][{b}]"),
                    format!("found {p} (and {} for the reverse pair)", preference[b][a]),
                    "probabilities in [0, 1] with P(a>b) + P(b>a) = 1",
                ));
            }
        }
    }
    let m: Vec<Vec<f64>> = preference
        .iter()
        .map(|r| r.iter().map(|p| p - 0.5).collect())
        .collect();
    zero_sum_matrix(
        name,
        "preference game: r_1(a, b) = P(a beats b) - 1/2; the equilibrium is the minimax winner",
        &m,
    )
}

/// The names [`matrix_game`] knows (`rps` is accepted for rock-paper-scissors).
pub const MATRIX_GAME_NAMES: &[&str] = &[
    "rock-paper-scissors",
    "matching-pennies",
    "perturbed-rps",
    "prisoners-dilemma",
    "climbing-game",
];

/// A classic matrix game by name: one of [`MATRIX_GAME_NAMES`].
pub fn matrix_game(name: &str) -> Result<MarkovGame> {
    match name {
        "rock-paper-scissors" | "rps" => rock_paper_scissors(),
        "matching-pennies" => matching_pennies(),
        "perturbed-rps" => perturbed_rock_paper_scissors(),
        "prisoners-dilemma" => prisoners_dilemma(),
        "climbing-game" => climbing_game(),
        other => Err(Error::invalid(
            "name",
            format!("unknown matrix game `{other}`"),
            format!("one of {}", MATRIX_GAME_NAMES.join(", ")),
        )),
    }
}

/// The prisoner's dilemma (cooperate, defect) with payoffs 3/0/5/1: the unique equilibrium is
/// (defect, defect).
pub fn prisoners_dilemma() -> Result<MarkovGame> {
    let names = || vec!["cooperate".to_string(), "defect".to_string()];
    bimatrix(
        "prisoners-dilemma",
        "prisoner's dilemma: (defect, defect) is the unique Nash equilibrium",
        &[vec![3.0, 0.0], vec![5.0, 1.0]],
        &[vec![3.0, 5.0], vec![0.0, 1.0]],
        Some((names(), names())),
    )
}

/// The climbing game of Claus & Boutilier (1998, "The dynamics of reinforcement learning in
/// cooperative multiagent systems", AAAI), a cooperative (shared-payoff) game:
/// [[11, −30, 0], [−30, 7, 6], [0, 0, 5]]. The optimum (a, a) pays 11 but is surrounded by −30
/// penalties; independent learners from uniform play tend to settle on (c, c) = 5 or (b, b) = 7.
pub fn climbing_game() -> Result<MarkovGame> {
    let names = || vec!["a".to_string(), "b".to_string(), "c".to_string()];
    let m = vec![
        vec![11.0, -30.0, 0.0],
        vec![-30.0, 7.0, 6.0],
        vec![0.0, 0.0, 5.0],
    ];
    bimatrix(
        "climbing-game",
        "climbing game (Claus & Boutilier 1998): shared payoff, optimum 11 at (a, a)",
        &m,
        &m,
        Some((names(), names())),
    )
}
