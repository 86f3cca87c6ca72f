//! The windy walk of Zouitine, Geist & Rachelson (2024), "Solving robust MDPs as a sequence of
//! static RL problems" (arXiv 2410.06212; §4 and Appendix E): a 6×6 grid of 36 positions, six of
//! them walls, with start S, an absorbing goal G and wind that knocks the agent West in three
//! corridors. The uncertainty set is the wind strength α; the paper takes 25 values of α uniformly
//! spaced on [0, 0.5], γ = 0.95, and the agent always starts in S (a stochastic shortest path).
//!
//! Actions are, in index order, N = 0, E = 1, S = 2, W = 3 ([`NORTH`], [`EAST`], [`SOUTH`],
//! [`WEST`]). Every transition pays −1, including one that leaves the agent in place; entering G
//! pays −1 and ends the episode (`done`), and G itself is absorbing with reward 0 (every action
//! stays in G, `done`, as an exit of [`super::gridworld`]). A move "West", "East", "North" or
//! "South" goes to the neighbouring cell, or leaves the agent in place when that cell is a wall or
//! off the grid. With w the corridor's knock-back probability (Appendix E):
//!
//! | where             | w  | E                  | N, S                            | W      |
//! |-------------------|----|--------------------|---------------------------------|--------|
//! | Northern corridor | α  | East 1 − w, West w | unchanged 1 − w, West w         | West 1 |
//! | middle corridor   | α³ | East 1 − w, West w | unchanged 1 − w, West w         | West 1 |
//! | Southern corridor | α⁶ | East 1 − w, West w | North (South) 1 − w, West w     | West 1 |
//! | elsewhere (and S) | 0  | East               | North (South)                   | West   |
//!
//! (The paper: "for small values of α, the optimal policy is to go straight from S to G, but as α
//! increases, the wind blows harder, and it becomes more interesting to make a detour through the
//! middle then Southern corridors".)
//!
//! **Layout: policylab's reading, not the paper's figure.** The paper draws the grid only in its
//! Figures 1 and 2, whose picture did not survive in the text; the positions of S, G and the six
//! walls are therefore policylab's choice, made to agree with the text: S at the West end and G
//! at the East end of the Northern corridor (the straight route), and a detour that must cross the
//! middle and then the Southern corridor. Row 0 is North, column 0 is West ([`LAYOUT`]; `S`
//! start, `G` goal, `#` wall, `n`/`m`/`s` Northern/middle/Southern corridor, `.` plain):
//!
//! ```text
//!         c0 c1 c2 c3 c4 c5
//!     r0   S  n  n  n  n  G      straight route: E ×5 (5 steps; the last 4 moves windy, w = α)
//!     r1   .  #  #  #  #  .
//!     r2   m  m  m  .  #  .      detour: S S E E E S S E E N N N N (13 steps; 3 moves with
//!     r3   .  .  .  .  #  .      w = α³ from r2c0..r2c2, 2 with w = α⁶ from r4c3 and r4c4)
//!     r4   .  s  s  s  s  .
//!     r5   .  s  s  s  s  .
//! ```
//!
//! The middle corridor starts in the West column (r2c0), so the only way South from r1c0 crosses
//! it, and N/S there do not move; the walls r2c4 and r3c4 keep the middle row from the East
//! column, so every path from the middle corridor to G crosses the Southern one (column c4 of rows
//! 4–5 is Southern corridor). With γ = 0.95, value iteration on this map takes the straight route
//! for α ≤ 0.396 and the detour from α = 0.417 on (the 20th and 21st of the paper's 25 values); at
//! α = 0.5, Q*(S, E) ≈ −10.89 < Q*(S, S) ≈ −10.14 = V*(S).
//!
//! **States.** Walls are not states: the 30 other cells are states `0..30` in row-major order
//! ([`WindyMap::state`], [`WindyMap::cell`]), named `r{row}c{column}`, except S (state 0, r0c0)
//! and G (state 5, r0c5), named `S` and `G`. The initial distribution is a point mass on S.
//!
//! [`WindyWalkParams::kernel`] builds the world for one α; [`WindyWalkParams::build`] the finite
//! uncertainty set of one kernel per α ([`RobustMdp::finite`]).

use crate::core::checks::{require, require_gamma};
use crate::core::error::{Error, Result};
use crate::world::{ActionNames, Horizon, MdpSpec, Outcome, RobustMdp, TabularMdp};

/// policylab's reading of the paper's map (row 0 is North, column 0 is West): `S` start, `G`
/// goal, `#` wall, `n` Northern corridor (knock-back α), `m` middle corridor (α³), `s` Southern
/// corridor (α⁶), `.` plain.
#[rustfmt::skip]
pub const LAYOUT: [&str; 6] = [
    "SnnnnG",
    ".####.",
    "mmm.#.",
    "....#.",
    ".ssss.",
    ".ssss.",
];

/// Action N (index 0).
pub const NORTH: usize = 0;
/// Action E (index 1).
pub const EAST: usize = 1;
/// Action S (index 2).
pub const SOUTH: usize = 2;
/// Action W (index 3).
pub const WEST: usize = 3;
/// The actions' names, in index order.
pub const ACTION_NAMES: [&str; 4] = ["N", "E", "S", "W"];

/// (row, column) steps of N, E, S, W.
const MOVES: [(isize, isize); 4] = [(-1, 0), (0, 1), (1, 0), (0, -1)];

/// The most values of α [`WindyWalkParams::build`] accepts (each is a kernel of 30 × 4 rows).
pub const MAX_ALPHAS: usize = 10_000;

/// A cell (row, column).
pub type Cell = (usize, usize);

/// What a cell of the map is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Terrain {
    Start,
    Goal,
    Wall,
    /// Northern corridor: knock-back α; N and S do not move.
    North,
    /// Middle corridor: knock-back α³; N and S do not move.
    Middle,
    /// Southern corridor: knock-back α⁶; N and S move.
    South,
    Plain,
}

impl Terrain {
    fn parse(symbol: char) -> Option<Terrain> {
        Some(match symbol {
            'S' => Terrain::Start,
            'G' => Terrain::Goal,
            '#' => Terrain::Wall,
            'n' => Terrain::North,
            'm' => Terrain::Middle,
            's' => Terrain::South,
            '.' => Terrain::Plain,
            _ => return None,
        })
    }
}

/// A parsed map: the terrain of every cell and the index mapping between non-wall cells and
/// states (row-major, walls skipped).
#[derive(Debug, Clone, PartialEq)]
pub struct WindyMap {
    rows: usize,
    columns: usize,
    /// Terrain of cell (r, c) at r·columns + c.
    terrain: Vec<Terrain>,
    /// State of cell (r, c) at r·columns + c; `None` for a wall.
    states: Vec<Option<usize>>,
    /// Cell of every state.
    cells: Vec<Cell>,
    start: usize,
    goal: usize,
}

impl WindyMap {
    /// policylab's map ([`LAYOUT`]).
    pub fn paper() -> Result<WindyMap> {
        WindyMap::parse(&LAYOUT)
    }

    /// Parses a map: rows of equal length over `S G # n m s .`, exactly one `S` and one `G`.
    pub fn parse(layout: &[&str]) -> Result<WindyMap> {
        let rows = layout.len();
        let columns = layout.first().map_or(0, |row| row.chars().count());
        require(
            rows >= 1 && columns >= 1,
            "layout",
            format!("{rows} rows of {columns} cells"),
            "at least one row and one column",
        )?;
        let mut terrain = Vec::with_capacity(rows * columns);
        for (r, row) in layout.iter().enumerate() {
            require(
                row.chars().count() == columns,
                "layout",
                format!("row {r} has {} cells", row.chars().count()),
                &format!("every row as long as row 0 ({columns} cells)"),
            )?;
            for (c, symbol) in row.chars().enumerate() {
                let cell = Terrain::parse(symbol).ok_or_else(|| {
                    Error::invalid(
                        "layout",
                        format!("'{symbol}' at row {r}, column {c}"),
                        "one of S (start), G (goal), # (wall), n, m, s (Northern, middle, \
                         Southern corridor), . (plain)",
                    )
                })?;
                terrain.push(cell);
            }
        }
        let mut states = vec![None; rows * columns];
        let mut cells = Vec::new();
        for (k, &t) in terrain.iter().enumerate() {
            if t != Terrain::Wall {
                states[k] = Some(cells.len());
                cells.push((k / columns, k % columns));
            }
        }
        let find = |wanted: Terrain, symbol: char, what: &str| -> Result<usize> {
            let found: Vec<usize> = terrain
                .iter()
                .enumerate()
                .filter(|&(_, &t)| t == wanted)
                .map(|(k, _)| k)
                .collect();
            match found.as_slice() {
                [k] => Ok(states[*k].unwrap_or_default()),
                _ => Err(Error::invalid(
                    "layout",
                    format!("{} cells '{symbol}'", found.len()),
                    format!("exactly one {what} cell '{symbol}'"),
                )),
            }
        };
        let start = find(Terrain::Start, 'S', "start")?;
        let goal = find(Terrain::Goal, 'G', "goal")?;
        Ok(WindyMap {
            rows,
            columns,
            terrain,
            states,
            cells,
            start,
            goal,
        })
    }

    pub fn rows(&self) -> usize {
        self.rows
    }

    pub fn columns(&self) -> usize {
        self.columns
    }

    /// Number of states (non-wall cells).
    pub fn n_states(&self) -> usize {
        self.cells.len()
    }

    /// The state of cell (row, column); `None` for a wall or a cell off the map.
    pub fn state(&self, row: usize, column: usize) -> Option<usize> {
        if row < self.rows && column < self.columns {
            self.states[row * self.columns + column]
        } else {
            None
        }
    }

    /// The cell of a state (`state` < [`WindyMap::n_states`]; a larger one is a caller's bug and
    /// panics).
    pub fn cell(&self, state: usize) -> Cell {
        self.cells[state]
    }

    /// The terrain of a state's cell (`state` < [`WindyMap::n_states`], as for [`WindyMap::cell`]).
    pub fn terrain(&self, state: usize) -> Terrain {
        let (r, c) = self.cells[state];
        self.terrain[r * self.columns + c]
    }

    pub fn start(&self) -> usize {
        self.start
    }

    pub fn goal(&self) -> usize {
        self.goal
    }

    /// `S`, `G`, or `r{row}c{column}` (`state` < [`WindyMap::n_states`]).
    pub fn state_name(&self, state: usize) -> String {
        match self.terrain(state) {
            Terrain::Start => "S".to_string(),
            Terrain::Goal => "G".to_string(),
            _ => {
                let (r, c) = self.cells[state];
                format!("r{r}c{c}")
            }
        }
    }

    /// Where a move in `direction` from `state` lands: the neighbouring cell, or `state` itself
    /// when that cell is a wall or off the grid.
    fn step(&self, state: usize, direction: usize) -> usize {
        let (r, c) = self.cells[state];
        let (dr, dc) = MOVES[direction];
        let (r, c) = (r as isize + dr, c as isize + dc);
        if r < 0 || c < 0 {
            return state;
        }
        self.state(r as usize, c as usize).unwrap_or(state)
    }

    /// The outcomes of `action` in `state` with wind parameter `alpha` (the table of the module
    /// documentation); outcomes landing on the same state are merged, zero ones left out.
    fn outcomes(&self, state: usize, action: usize, alpha: f64) -> Vec<Outcome> {
        let terrain = self.terrain(state);
        if terrain == Terrain::Goal {
            return vec![Outcome::new(1.0, state, 0.0, true)];
        }
        // Knock-back probability, and whether N and S move.
        let (wind, vertical) = match terrain {
            Terrain::North => (alpha, false),
            Terrain::Middle => (alpha.powi(3), false),
            Terrain::South => (alpha.powi(6), true),
            _ => (0.0, true),
        };
        let mut landing: Vec<(usize, f64)> = Vec::with_capacity(2);
        let mut add = |next: usize, probability: f64| {
            if probability > 0.0 {
                match landing.iter_mut().find(|(n, _)| *n == next) {
                    Some((_, p)) => *p += probability,
                    None => landing.push((next, probability)),
                }
            }
        };
        let west = self.step(state, WEST);
        if action == WEST {
            add(west, 1.0);
        } else {
            let intended = if action == EAST || vertical {
                self.step(state, action)
            } else {
                state
            };
            add(intended, 1.0 - wind);
            add(west, wind);
        }
        landing
            .into_iter()
            .map(|(next, p)| Outcome::new(p, next, -1.0, next == self.goal))
            .collect()
    }

    /// The world for one α (not checked here: callers check α ∈ [0, 1] and γ).
    fn world(&self, alpha: f64, gamma: f64, description: String) -> Result<TabularMdp> {
        let n = self.n_states();
        let transitions: Vec<Vec<Vec<Outcome>>> = (0..n)
            .map(|s| (0..4).map(|a| self.outcomes(s, a, alpha)).collect())
            .collect();
        let mut initial = vec![0.0; n];
        initial[self.start] = 1.0;
        TabularMdp::new(MdpSpec {
            name: "windy-walk".to_string(),
            description,
            n_states: n,
            n_actions: 4,
            horizon: Horizon::Discounted { gamma },
            initial,
            transitions,
            action_rewards: None,
            state_names: Some((0..n).map(|s| self.state_name(s)).collect()),
            action_names: ActionNames::Shared(ACTION_NAMES.map(String::from).to_vec()),
        })
    }
}

#[derive(Debug, Clone, PartialEq, serde::Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct WindyWalkParams {
    /// Number of values of α, uniformly spaced on [0, `max_alpha`]; one kernel each (25).
    pub alphas: usize,
    /// Largest α of the set, in [0, 1] (0.5).
    pub max_alpha: f64,
    /// Discount (0.95).
    pub gamma: f64,
}

impl Default for WindyWalkParams {
    /// The paper's set: 25 values of α on [0, 0.5], γ = 0.95.
    fn default() -> Self {
        WindyWalkParams {
            alphas: 25,
            max_alpha: 0.5,
            gamma: 0.95,
        }
    }
}

impl WindyWalkParams {
    /// The values of α: max_alpha·k/(alphas − 1) for k = 0..alphas (a single value is
    /// `max_alpha` itself).
    pub fn alpha_values(&self) -> Vec<f64> {
        match self.alphas {
            0 => Vec::new(),
            1 => vec![self.max_alpha],
            n => (0..n)
                .map(|k| self.max_alpha * k as f64 / (n - 1) as f64)
                .collect(),
        }
    }

    /// The windy walk with wind parameter `alpha` ∈ [0, 1] (the set's other fields are not used
    /// but γ).
    pub fn kernel(&self, alpha: f64) -> Result<TabularMdp> {
        require(
            (0.0..=1.0).contains(&alpha),
            "alpha",
            alpha,
            "a wind parameter alpha in [0, 1]",
        )?;
        require_gamma(self.gamma)?;
        WindyMap::paper()?.world(
            alpha,
            self.gamma,
            format!(
                "windy walk (Zouitine, Geist & Rachelson 2024, App. E; policylab's layout), \
                 alpha {alpha}: knock-back {alpha} / {} / {} in the Northern / middle / Southern \
                 corridor, gamma {}",
                alpha.powi(3),
                alpha.powi(6),
                self.gamma
            ),
        )
    }

    /// The finite uncertainty set: one kernel per value of α ([`WindyWalkParams::alpha_values`]),
    /// in increasing α; the nominal world is their uniform mixture.
    pub fn build(&self) -> Result<RobustMdp> {
        require(
            (1..=MAX_ALPHAS).contains(&self.alphas),
            "alphas",
            self.alphas,
            &format!("between 1 and {MAX_ALPHAS} values of alpha"),
        )?;
        require(
            (0.0..=1.0).contains(&self.max_alpha),
            "max-alpha",
            self.max_alpha,
            "a largest wind parameter in [0, 1]",
        )?;
        require_gamma(self.gamma)?;
        let map = WindyMap::paper()?;
        let description = format!(
            "windy walk (Zouitine, Geist & Rachelson 2024, App. E; policylab's layout): {} \
             kernels, alpha uniformly spaced on [0, {}], knock-back alpha / alpha^3 / alpha^6 in \
             the Northern / middle / Southern corridor, gamma {}",
            self.alphas, self.max_alpha, self.gamma
        );
        let kernels = self
            .alpha_values()
            .into_iter()
            .map(|alpha| map.world(alpha, self.gamma, description.clone()))
            .collect::<Result<Vec<_>>>()?;
        RobustMdp::finite(kernels)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn paper_map() -> WindyMap {
        WindyMap::paper().expect("the layout parses")
    }

    #[test]
    fn the_map_has_thirty_states_and_names_them() {
        let map = paper_map();
        assert_eq!((map.rows(), map.columns()), (6, 6));
        assert_eq!(map.n_states(), 36 - 6);
        assert_eq!((map.start(), map.goal()), (0, 5));
        assert_eq!(map.cell(map.goal()), (0, 5));
        assert_eq!(map.state(1, 1), None, "r1c1 is a wall");
        assert_eq!(map.state(6, 0), None, "off the grid");
        assert_eq!(map.state(1, 5), Some(7));
        assert_eq!(map.state(5, 5), Some(29));
        assert_eq!(map.state_name(0), "S");
        assert_eq!(map.state_name(5), "G");
        assert_eq!(map.state_name(7), "r1c5");
        assert_eq!(map.terrain(map.state(2, 0).unwrap()), Terrain::Middle);
        assert_eq!(map.terrain(map.state(5, 4).unwrap()), Terrain::South);
    }

    #[test]
    fn builds_the_paper_set_of_25_kernels() {
        let params = WindyWalkParams::default();
        let alphas = params.alpha_values();
        assert_eq!(alphas.len(), 25);
        assert_eq!((alphas[0], alphas[24]), (0.0, 0.5));
        let world = params.build().unwrap();
        assert_eq!((world.n_states(), world.n_actions()), (30, 4));
        assert_eq!(world.kernels().len(), 25);
        assert_eq!(world.gamma(), 0.95);
        for kernel in world.kernels() {
            // TabularMdp::new has checked that every row is a distribution.
            assert_eq!((kernel.n_states(), kernel.n_actions()), (30, 4));
            assert_eq!(kernel.initial()[0], 1.0);
            assert_eq!(kernel.terminal_states(), vec![5]);
            assert_eq!(kernel.state_label(0), "S");
            assert_eq!(kernel.action_label(0, EAST), "E");
            for s in 0..30 {
                for a in 0..4 {
                    let total: f64 = kernel.outcomes(s, a).iter().map(|o| o.probability).sum();
                    assert!(
                        (total - 1.0).abs() < 1e-12,
                        "state {s}, action {a}: {total}"
                    );
                }
            }
        }
        assert!(world.nominal().unreachable_states().is_empty());
    }

    #[test]
    fn wind_follows_appendix_e() {
        let map = paper_map();
        let mdp = WindyWalkParams::default().kernel(0.5).unwrap();
        let at = |r: usize, c: usize| map.state(r, c).unwrap();
        let outcomes = |s: usize, a: usize| -> Vec<(usize, f64)> {
            let mut list: Vec<(usize, f64)> = mdp
                .outcomes(s, a)
                .iter()
                .map(|o| (o.next_state, o.probability))
                .collect();
            list.sort_by_key(|&(next, _)| next);
            list
        };
        // Northern corridor, w = α = 1/2.
        assert_eq!(
            outcomes(at(0, 2), EAST),
            vec![(at(0, 1), 0.5), (at(0, 3), 0.5)]
        );
        assert_eq!(
            outcomes(at(0, 2), NORTH),
            vec![(at(0, 1), 0.5), (at(0, 2), 0.5)]
        );
        assert_eq!(
            outcomes(at(0, 2), SOUTH),
            vec![(at(0, 1), 0.5), (at(0, 2), 0.5)]
        );
        assert_eq!(outcomes(at(0, 2), WEST), vec![(at(0, 1), 1.0)]);
        // Into G: −1 and done.
        let into_goal = mdp.outcomes(at(0, 4), EAST);
        let last = into_goal.iter().find(|o| o.next_state == 5).unwrap();
        assert_eq!(
            (last.probability, last.reward, last.done),
            (0.5, -1.0, true)
        );
        assert!(
            mdp.outcomes(5, WEST)
                .iter()
                .all(|o| o.next_state == 5 && o.reward == 0.0 && o.done)
        );
        // Middle corridor, w = α³ = 1/8; pushed West off the grid from r2c0: stays.
        assert_eq!(
            outcomes(at(2, 1), EAST),
            vec![(at(2, 0), 0.125), (at(2, 2), 0.875)]
        );
        assert_eq!(
            outcomes(at(2, 1), SOUTH),
            vec![(at(2, 0), 0.125), (at(2, 1), 0.875)]
        );
        assert_eq!(outcomes(at(2, 0), NORTH), vec![(at(2, 0), 1.0)]);
        assert_eq!(
            outcomes(at(2, 0), EAST),
            vec![(at(2, 0), 0.125), (at(2, 1), 0.875)]
        );
        // Southern corridor, w = α⁶ = 1/64: N, S and E move; N into the wall r3c4 stays.
        let w = 0.5f64.powi(6);
        assert_eq!(
            outcomes(at(4, 3), SOUTH),
            vec![(at(4, 2), w), (at(5, 3), 1.0 - w)]
        );
        assert_eq!(
            outcomes(at(4, 3), NORTH),
            vec![(at(3, 3), 1.0 - w), (at(4, 2), w)]
        );
        assert_eq!(
            outcomes(at(4, 4), NORTH),
            vec![(at(4, 3), w), (at(4, 4), 1.0 - w)]
        );
        assert_eq!(
            outcomes(at(4, 4), EAST),
            vec![(at(4, 3), w), (at(4, 5), 1.0 - w)]
        );
        assert_eq!(outcomes(at(5, 1), WEST), vec![(at(5, 0), 1.0)]);
        // Outside the corridors, deterministic; a wall stops the move.
        assert_eq!(outcomes(at(1, 0), EAST), vec![(at(1, 0), 1.0)]);
        assert_eq!(outcomes(at(1, 0), SOUTH), vec![(at(2, 0), 1.0)]);
        assert!(
            mdp.outcomes(at(3, 3), EAST)
                .iter()
                .all(|o| o.reward == -1.0)
        );
    }

    #[test]
    fn the_detour_is_13_steps_through_both_lower_corridors() {
        // Breadth-first search on the windless kernel without the Northern corridor: the shortest
        // detour S → G has 13 moves, and every path from the middle corridor to G crosses the
        // Southern corridor (removing it too disconnects G).
        let map = paper_map();
        let mdp = WindyWalkParams::default().kernel(0.0).unwrap();
        let distance = |avoid: &[Terrain]| -> Option<usize> {
            let mut seen = vec![false; map.n_states()];
            let mut frontier = vec![map.start()];
            seen[map.start()] = true;
            for d in 1..=map.n_states() {
                let mut next = Vec::new();
                for &s in &frontier {
                    for a in 0..4 {
                        for o in mdp.outcomes(s, a) {
                            let t = o.next_state;
                            if !seen[t] && !avoid.contains(&map.terrain(t)) {
                                if t == map.goal() {
                                    return Some(d);
                                }
                                seen[t] = true;
                                next.push(t);
                            }
                        }
                    }
                }
                frontier = next;
            }
            None
        };
        assert_eq!(distance(&[]), Some(5));
        assert_eq!(distance(&[Terrain::North]), Some(13));
        assert_eq!(distance(&[Terrain::North, Terrain::South]), None);
        assert_eq!(distance(&[Terrain::North, Terrain::Middle]), None);
    }

    #[test]
    fn refuses_bad_parameters_by_name() {
        let no_alphas = WindyWalkParams {
            alphas: 0,
            ..WindyWalkParams::default()
        };
        let message = no_alphas.build().unwrap_err().to_string();
        assert!(message.contains("alphas"), "{message}");
        for max_alpha in [1.5, -0.1, f64::NAN, f64::INFINITY] {
            let params = WindyWalkParams {
                max_alpha,
                ..WindyWalkParams::default()
            };
            let message = params.build().unwrap_err().to_string();
            assert!(message.contains("max-alpha"), "{message}");
        }
        let undiscounted = WindyWalkParams {
            gamma: 1.0,
            ..WindyWalkParams::default()
        };
        assert!(
            undiscounted
                .build()
                .unwrap_err()
                .to_string()
                .contains("gamma")
        );
        let message = WindyWalkParams::default()
            .kernel(1.5)
            .unwrap_err()
            .to_string();
        assert!(message.contains("alpha"), "{message}");
        // One value of α is max_alpha itself, a one-kernel set.
        let single = WindyWalkParams {
            alphas: 1,
            max_alpha: 0.3,
            ..WindyWalkParams::default()
        };
        assert_eq!(single.alpha_values(), vec![0.3]);
        assert_eq!(single.build().unwrap().kernels().len(), 1);
    }

    #[test]
    fn refuses_malformed_maps() {
        let cases: [(&[&str], &str); 4] = [
            (&["S.G", "..", "..."][..], "row 1 has 2 cells"),
            (&["S.x", "..G"][..], "'x' at row 0, column 2"),
            (&["S..", "..."][..], "0 cells 'G'"),
            (&["S.G", "S.."][..], "2 cells 'S'"),
        ];
        for (layout, expected) in cases {
            let message = WindyMap::parse(layout).unwrap_err().to_string();
            assert!(message.contains("layout"), "{message}");
            assert!(message.contains(expected), "{message}");
        }
    }

    #[test]
    fn reads_its_parameters_from_toml() {
        let params: WindyWalkParams = toml::from_str("max_alpha = 0.4").unwrap();
        assert_eq!(
            params,
            WindyWalkParams {
                max_alpha: 0.4,
                ..WindyWalkParams::default()
            }
        );
        assert!(toml::from_str::<WindyWalkParams>("alpha = 0.4").is_err());
    }
}
