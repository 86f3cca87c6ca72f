//! Gridworlds with slip, walls, exits and teleports.
//!
//! Cells (row, column) are states `row·columns + column`, actions are up, right, down, left.
//! A move goes in the intended direction with probability 1 − slip and in a uniformly random one
//! of the four with probability slip (so the intended one has 1 − 3·slip/4 in all). A move off the
//! grid leaves the agent in place and pays `wall_reward`; every other move pays `step_reward`.
//! Entering an *exit* cell pays its reward on top and ends the episode; exits are terminal. In a
//! *jump* cell every action moves to the jump's target and pays the jump's reward.
//!
//! Sutton & Barto (2018), Example 3.5 is the 5×5 grid with wall reward −1, jumps A = (0, 1) →
//! (4, 1) paying +10 and B = (0, 3) → (2, 3) paying +5, no slip, γ = 0.9:
//! `policylab generate gridworld --rows 5 --columns 5 --wall-reward -1
//!  --jump 0,1:4,1:10 --jump 0,3:2,3:5 --gamma 0.9 --out mdps/sutton-barto-3.5.toml`.

use crate::core::checks::{require, require_gamma, require_probability};
use crate::core::error::{Error, Result};
use crate::world::{ActionNames, Horizon, MdpSpec, Outcome, TabularMdp};

/// A cell of the grid.
pub type Cell = (usize, usize);

/// A teleport: from a cell, any action moves to `to` paying `reward`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Jump {
    pub from: Cell,
    pub to: Cell,
    pub reward: f64,
}

/// An exit: entering it pays `reward` and ends the episode.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Exit {
    pub cell: Cell,
    pub reward: f64,
}

#[derive(Debug, Clone, PartialEq)]
pub struct GridworldParams {
    /// Rows (4).
    pub rows: usize,
    /// Columns (4).
    pub columns: usize,
    /// Probability that the move goes in a uniformly random direction (0).
    pub slip: f64,
    /// Reward of every move that stays on the grid (0).
    pub step_reward: f64,
    /// Reward of a move off the grid, which leaves the agent in place (0).
    pub wall_reward: f64,
    /// Exit cells (default: the bottom-right corner, paying 1).
    pub exits: Vec<Exit>,
    /// Teleporting cells (none).
    pub jumps: Vec<Jump>,
    /// Start cell; `None` starts uniformly over the non-exit cells (None).
    pub start: Option<Cell>,
    /// Discount (0.9).
    pub gamma: f64,
}

impl Default for GridworldParams {
    fn default() -> Self {
        GridworldParams {
            rows: 4,
            columns: 4,
            slip: 0.0,
            step_reward: 0.0,
            wall_reward: 0.0,
            exits: vec![Exit {
                cell: (3, 3),
                reward: 1.0,
            }],
            jumps: Vec::new(),
            start: None,
            gamma: 0.9,
        }
    }
}

const MOVES: [(isize, isize); 4] = [(-1, 0), (0, 1), (1, 0), (0, -1)];

impl GridworldParams {
    fn check_cell(&self, cell: Cell, what: &str) -> Result<()> {
        require(
            cell.0 < self.rows && cell.1 < self.columns,
            what,
            format!("cell {},{}", cell.0, cell.1),
            &format!(
                "a cell ROW,COLUMN inside the {}x{} grid (rows and columns count from 0)",
                self.rows, self.columns
            ),
        )
    }

    pub fn build(&self) -> Result<TabularMdp> {
        require(self.rows >= 1, "rows", self.rows, "at least 1 row")?;
        require(
            self.columns >= 1,
            "columns",
            self.columns,
            "at least 1 column",
        )?;
        require_probability(self.slip, "slip")?;
        require_gamma(self.gamma)?;
        require(
            self.step_reward.is_finite(),
            "step-reward",
            self.step_reward,
            "a finite number",
        )?;
        require(
            self.wall_reward.is_finite(),
            "wall-reward",
            self.wall_reward,
            "a finite number",
        )?;
        let n = self.rows * self.columns;
        let index = |(r, c): Cell| r * self.columns + c;
        let mut exit_reward: Vec<Option<f64>> = vec![None; n];
        for exit in &self.exits {
            self.check_cell(exit.cell, "exit")?;
            require(
                exit.reward.is_finite(),
                "exit",
                exit.reward,
                "a finite reward",
            )?;
            exit_reward[index(exit.cell)] = Some(exit.reward);
        }
        let mut jump: Vec<Option<Jump>> = vec![None; n];
        for j in &self.jumps {
            self.check_cell(j.from, "jump")?;
            self.check_cell(j.to, "jump")?;
            require(j.reward.is_finite(), "jump", j.reward, "a finite reward")?;
            if exit_reward[index(j.from)].is_some() {
                return Err(Error::invalid(
                    "jump",
                    format!("cell {},{} is both an exit and a jump", j.from.0, j.from.1),
                    "a cell may be an exit or a jump, not both",
                ));
            }
            jump[index(j.from)] = Some(*j);
        }
        // Where a move from `cell` in direction `d` lands, and what it pays.
        let landing = |cell: Cell, d: usize| -> (usize, f64, bool) {
            let (dr, dc) = MOVES[d];
            let (r, c) = (cell.0 as isize + dr, cell.1 as isize + dc);
            if r < 0 || c < 0 || r >= self.rows as isize || c >= self.columns as isize {
                return (index(cell), self.wall_reward, false);
            }
            let target = index((r as usize, c as usize));
            match exit_reward[target] {
                Some(bonus) => (target, self.step_reward + bonus, true),
                None => (target, self.step_reward, false),
            }
        };
        let mut transitions = Vec::with_capacity(n);
        for r in 0..self.rows {
            for c in 0..self.columns {
                let s = index((r, c));
                let per_action: Vec<Vec<Outcome>> = if exit_reward[s].is_some() {
                    vec![vec![Outcome::new(1.0, s, 0.0, true)]; 4]
                } else if let Some(j) = jump[s] {
                    let target = index(j.to);
                    let done = exit_reward[target].is_some();
                    vec![vec![Outcome::new(1.0, target, j.reward, done)]; 4]
                } else {
                    (0..4)
                        .map(|intended| {
                            (0..4)
                                .filter_map(|d| {
                                    let p = self.slip / 4.0
                                        + if d == intended { 1.0 - self.slip } else { 0.0 };
                                    (p > 0.0).then(|| {
                                        let (next, reward, done) = landing((r, c), d);
                                        Outcome::new(p, next, reward, done)
                                    })
                                })
                                .collect()
                        })
                        .collect()
                };
                transitions.push(per_action);
            }
        }
        let initial = match self.start {
            Some(cell) => {
                self.check_cell(cell, "start")?;
                let mut rho = vec![0.0; n];
                rho[index(cell)] = 1.0;
                rho
            }
            None => {
                let open = exit_reward.iter().filter(|e| e.is_none()).count();
                require(
                    open > 0,
                    "exit",
                    "every cell is an exit",
                    "at least one non-exit cell",
                )?;
                exit_reward
                    .iter()
                    .map(|e| if e.is_none() { 1.0 / open as f64 } else { 0.0 })
                    .collect()
            }
        };
        TabularMdp::new(MdpSpec {
            name: format!("gridworld-{}x{}", self.rows, self.columns),
            description: format!(
                "{}x{} gridworld, slip {}, step reward {}, wall reward {}, {} exits, {} jumps",
                self.rows,
                self.columns,
                self.slip,
                self.step_reward,
                self.wall_reward,
                self.exits.len(),
                self.jumps.len()
            ),
            n_states: n,
            n_actions: 4,
            horizon: Horizon::Discounted { gamma: self.gamma },
            initial,
            transitions,
            action_rewards: None,
            state_names: Some(
                (0..n)
                    .map(|s| format!("r{}c{}", s / self.columns, s % self.columns))
                    .collect(),
            ),
            action_names: ActionNames::Shared(
                ["up", "right", "down", "left"].map(String::from).to_vec(),
            ),
        })
    }
}
