//! Littman's grid soccer (Littman 1994, "Markov games as a framework for multi-agent
//! reinforcement learning", ICML, §5), a two-player zero-sum Markov game with simultaneous moves:
//!
//! - a field of `rows` × `columns` squares; players A (player 1) and B (player 2) occupy distinct
//!   squares and one of them has the ball;
//! - each chooses N, S, E, W or stand; the two moves are executed in random order (each order
//!   with probability ½);
//! - a move into the other player's square does not happen, and the ball goes to the player who
//!   stood there (who keeps it if it had it);
//! - the player with the ball scores by moving off the field through the opponent's goal: the
//!   middle two rows (one row when `rows` is odd; both when `rows` ≤ 2) of the left edge for A,
//!   of the right edge for B; the scorer gets +1, the other −1, and play restarts from the
//!   initial squares with the ball given to either player with probability ½; any other move off
//!   the field leaves the player where it was;
//! - A starts at column `columns` − 2 on the upper goal row and B at column 1 on the lower one
//!   (Littman's 4 × 5 layout: A at (3, 2), B at (1, 1), counting from the bottom-left corner),
//!   the ball to either with probability ½ (the initial distribution ρ).
//!
//! Littman ended each step in a draw with probability 0.1; policylab discounts by γ instead
//! (default 0.9, the same effective horizon). The layout is symmetric under the point reflection
//! of the field that swaps the players, so the value at ρ is 0 and V*(s) = −V*(reflection of s)
//! for every state; a state in which A holds the ball next to its goal with B out of reach is
//! worth exactly 1 (score now; the restart is worth 0). Both are checked in `tests/games.rs`.
//!
//! States: (A's square, B's square, who has the ball), A ≠ B: 2·n·(n − 1) for n = rows·columns
//! squares (760 for 4 × 5), named like `A(3,2) B(1,1) ball A`.

use crate::core::checks::{require, require_gamma};
use crate::core::error::Result;
use crate::world::game::markov_game::check_dense_size;
use crate::world::game::{GameSpec, MarkovGame};

/// Parameters of the soccer field (defaults: Littman's 4 × 5 field, γ = 0.9).
#[derive(Debug, Clone, PartialEq, serde::Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SoccerParams {
    pub rows: usize,
    pub columns: usize,
    pub gamma: f64,
}

impl Default for SoccerParams {
    fn default() -> Self {
        SoccerParams {
            rows: 4,
            columns: 5,
            gamma: 0.9,
        }
    }
}

/// N, S, E, W, stand as (column, row) steps.
const MOVES: [(i64, i64); 5] = [(0, 1), (0, -1), (1, 0), (-1, 0), (0, 0)];
const MOVE_NAMES: [&str; 5] = ["N", "S", "E", "W", "stand"];

/// A position of the game: the two squares (column, row) and the ball's holder (0: A, 1: B).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Position {
    squares: [(i64, i64); 2],
    ball: usize,
}

/// What one move did: nothing to report, or a goal by a player.
enum Outcome {
    Play(Position),
    Goal(usize),
}

impl SoccerParams {
    fn goal_rows(&self) -> (i64, i64) {
        let r = self.rows as i64;
        ((r - 1) / 2, r / 2)
    }

    fn squares(&self) -> usize {
        self.rows * self.columns
    }

    fn square_index(&self, (column, row): (i64, i64)) -> usize {
        row as usize * self.columns + column as usize
    }

    fn state_index(&self, position: &Position) -> usize {
        let n = self.squares();
        let a = self.square_index(position.squares[0]);
        let b = self.square_index(position.squares[1]);
        // B's square among the n − 1 squares other than A's.
        let b = if b > a { b - 1 } else { b };
        (a * (n - 1) + b) * 2 + position.ball
    }

    fn position_of(&self, state: usize) -> Position {
        let n = self.squares();
        let ball = state % 2;
        let pair = state / 2;
        let a = pair / (n - 1);
        let mut b = pair % (n - 1);
        if b >= a {
            b += 1;
        }
        let square = |i: usize| ((i % self.columns) as i64, (i / self.columns) as i64);
        Position {
            squares: [square(a), square(b)],
            ball,
        }
    }

    /// The initial squares: A at (columns − 2, upper goal row), B at (1, lower goal row).
    fn start(&self, ball: usize) -> Position {
        let (low, high) = self.goal_rows();
        Position {
            squares: [(self.columns as i64 - 2, high), (1, low)],
            ball,
        }
    }

    /// Player `mover`'s move `action` from `position` (see the [module docs](self)).
    fn step(&self, position: Position, mover: usize, action: usize) -> Outcome {
        let (dc, dr) = MOVES[action];
        let (column, row) = position.squares[mover];
        let target = (column + dc, row + dr);
        let other = 1 - mover;
        if target == position.squares[other] {
            return Outcome::Play(Position {
                ball: other,
                ..position
            });
        }
        let (low, high) = self.goal_rows();
        let in_goal_rows = (low..=high).contains(&target.1);
        // A (0) attacks the left edge, B (1) the right one.
        let goal_column = if mover == 0 { -1 } else { self.columns as i64 };
        if position.ball == mover && in_goal_rows && target.0 == goal_column {
            return Outcome::Goal(mover);
        }
        let on_field = (0..self.columns as i64).contains(&target.0)
            && (0..self.rows as i64).contains(&target.1);
        if on_field {
            let mut squares = position.squares;
            squares[mover] = target;
            Outcome::Play(Position {
                squares,
                ..position
            })
        } else {
            Outcome::Play(position)
        }
    }

    pub fn build(&self) -> Result<MarkovGame> {
        require(self.rows >= 1, "rows", self.rows, "at least 1 row")?;
        require(
            self.columns >= 3,
            "columns",
            self.columns,
            "at least 3 columns (the players start on columns 1 and columns - 2)",
        )?;
        require_gamma(self.gamma)?;
        let n = self.squares();
        let states = 2 * n * (n - 1);
        check_dense_size(states, 25)?;
        let restart = [
            (self.state_index(&self.start(0)), 0.5),
            (self.state_index(&self.start(1)), 0.5),
        ];
        let mut rewards = vec![vec![0.0; 25]; states];
        let mut transitions = Vec::with_capacity(states);
        for (state, reward_row) in rewards.iter_mut().enumerate() {
            let position = self.position_of(state);
            let mut rows = Vec::with_capacity(25);
            for (joint, reward) in reward_row.iter_mut().enumerate() {
                let actions = [joint / 5, joint % 5];
                let mut next: Vec<(usize, f64)> = Vec::new();
                let mut add = |state: usize, probability: f64| match next
                    .iter_mut()
                    .find(|(s, _)| *s == state)
                {
                    Some((_, p)) => *p += probability,
                    None => next.push((state, probability)),
                };
                for first in 0..2 {
                    let outcome = match self.step(position, first, actions[first]) {
                        Outcome::Play(after) => self.step(after, 1 - first, actions[1 - first]),
                        goal => goal,
                    };
                    match outcome {
                        Outcome::Play(after) => add(self.state_index(&after), 0.5),
                        Outcome::Goal(scorer) => {
                            *reward += if scorer == 0 { 0.5 } else { -0.5 };
                            for &(s, p) in &restart {
                                add(s, 0.5 * p);
                            }
                        }
                    }
                }
                rows.push(next);
            }
            transitions.push(rows);
        }
        let negative: Vec<Vec<f64>> = rewards
            .iter()
            .map(|row| row.iter().map(|v| -v).collect())
            .collect();
        let mut initial = vec![0.0; states];
        for &(s, p) in &restart {
            initial[s] += p;
        }
        let names = |position: Position| {
            let [(ac, ar), (bc, br)] = position.squares;
            let holder = if position.ball == 0 { "A" } else { "B" };
            format!("A({ac},{ar}) B({bc},{br}) ball {holder}")
        };
        let moves = || MOVE_NAMES.iter().map(|m| m.to_string()).collect::<Vec<_>>();
        MarkovGame::new(GameSpec {
            name: format!("soccer-{}x{}", self.rows, self.columns),
            description: format!(
                "Littman's grid soccer (1994) on {} rows x {} columns, gamma {}: zero-sum, \
                 moves in random order, +1 to the scorer",
                self.rows, self.columns, self.gamma
            ),
            n_states: states,
            actions: vec![5, 5],
            gamma: self.gamma,
            initial,
            rewards: vec![rewards, negative],
            transitions,
            state_names: Some((0..states).map(|s| names(self.position_of(s))).collect()),
            player_names: Some(vec!["A".into(), "B".into()]),
            action_names: Some(vec![moves(), moves()]),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn states_and_indices_round_trip() {
        let params = SoccerParams::default();
        for state in 0..2 * 20 * 19 {
            assert_eq!(params.state_index(&params.position_of(state)), state);
        }
        let start = params.start(0);
        assert_eq!(start.squares, [(3, 2), (1, 1)]);
    }

    /// A with the ball next to its goal scores whatever B does; a move into B's square hands B
    /// the ball.
    #[test]
    fn moves_follow_the_rules() {
        let params = SoccerParams::default();
        let at_goal = Position {
            squares: [(0, 1), (4, 3)],
            ball: 0,
        };
        assert!(matches!(params.step(at_goal, 0, 3), Outcome::Goal(0)));
        // Off the field outside the goal rows: no move.
        let corner = Position {
            squares: [(0, 0), (4, 3)],
            ball: 0,
        };
        assert!(matches!(params.step(corner, 0, 3), Outcome::Play(p) if p == corner));
        // Into the opponent: the ball changes hands, nobody moves.
        let facing = Position {
            squares: [(2, 1), (1, 1)],
            ball: 0,
        };
        match params.step(facing, 0, 3) {
            Outcome::Play(p) => assert_eq!((p.squares, p.ball), (facing.squares, 1)),
            Outcome::Goal(_) => panic!("no goal"),
        }
        // B without the ball cannot score.
        let b_at_edge = Position {
            squares: [(0, 0), (4, 1)],
            ball: 0,
        };
        assert!(matches!(params.step(b_at_edge, 1, 2), Outcome::Play(p) if p == b_at_edge));
    }
}
