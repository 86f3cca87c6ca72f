//! CRAAM's CSV format for (robust) MDPs (Petrik et al., the CRAAM/craam2 libraries): one
//! transition per line under a header naming the columns,
//!
//! ```text
//! idstatefrom,idaction,idstateto,probability,reward                 (an MDP)
//! idstatefrom,idaction,idoutcome,idstateto,probability,reward       (an MDP with outcomes)
//! ```
//!
//! with 0-based ids and the reward on the transition, r(s, a, s'). Columns may come in any order
//! (they are found by name) and other columns are ignored. As in CRAAM, a repeated
//! (from, action[, outcome], to) row adds its probability, its reward averaged with the
//! probabilities as weights; a state that only appears as a destination is terminal (value 0);
//! an action a state has no row for is unavailable there. Unlike CRAAM's loader, each row's
//! probabilities must sum to one (within [`PROBABILITY_TOLERANCE`]): an error names the line.
//!
//! **Outcomes** are nature's finite choices: outcome k of every pair forms kernel k, and the set
//! is those K kernels ([`crate::world::RobustMdp::finite`]; nominal = their uniform mixture, CRAAM's
//! default outcome weights). A pair with fewer outcomes than K repeats its first one — the
//! rectangular worst case over the pair is unchanged.
//!
//! CRAAM files carry no discount or initial distribution: policylab uses
//! [`DEFAULT_GAMMA`] (override with `--gamma`) and a uniform start.

use std::collections::BTreeMap;

use crate::core::error::{Error, Result};
use crate::world::mdp::{
    ActionNames, Horizon, MdpSpec, Outcome, PROBABILITY_TOLERANCE, TabularMdp,
};

/// The discount given to a CRAAM file, which has none.
pub const DEFAULT_GAMMA: f64 = 0.9;

/// The kernels a CRAAM file defines: one for an MDP, K for a file with outcomes.
#[derive(Debug, Clone)]
pub struct CraamModel {
    pub kernels: Vec<TabularMdp>,
    /// Whether the file had an `idoutcome` column.
    pub has_outcomes: bool,
}

/// (from, action, outcome, to) → (probability, probability-weighted reward sum, first line).
type Rows = BTreeMap<(usize, usize, usize, usize), (f64, f64, usize)>;

/// Parses CRAAM CSV text; `name` becomes the world's name.
pub fn parse(text: &str, name: &str) -> Result<CraamModel> {
    let mut lines = text
        .lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty());
    let (_, header) = lines.next().ok_or_else(|| {
        Error::invalid(
            "header",
            "an empty file",
            "a header line idstatefrom,idaction,[idoutcome,]idstateto,probability,reward",
        )
    })?;
    let columns: Vec<String> = header.split(',').map(|c| c.trim().to_lowercase()).collect();
    let position = |column: &str| columns.iter().position(|c| c == column);
    let mut required = Vec::new();
    for column in [
        "idstatefrom",
        "idaction",
        "idstateto",
        "probability",
        "reward",
    ] {
        match position(column) {
            Some(p) => required.push(p),
            None => {
                return Err(Error::invalid(
                    "header",
                    format!("no column {column:?} in {:?}", header.trim()),
                    "the columns idstatefrom, idaction, [idoutcome,] idstateto, probability, \
                     reward (CRAAM's CSV format)",
                ));
            }
        }
    }
    let outcome_column = position("idoutcome");
    let (from_at, action_at, to_at, probability_at, reward_at) = (
        required[0],
        required[1],
        required[2],
        required[3],
        required[4],
    );

    let mut rows: Rows = BTreeMap::new();
    let mut count = 0usize;
    for (index, line) in lines {
        let number = index + 1;
        let cells: Vec<&str> = line.split(',').map(str::trim).collect();
        if cells.len() < columns.len() {
            return Err(Error::invalid(
                format!("line {number}"),
                format!("{} values", cells.len()),
                format!("{} values, one per header column", columns.len()),
            ));
        }
        let id = |at: usize, column: &str| -> Result<usize> {
            cells[at].parse::<usize>().map_err(|_| {
                Error::invalid(
                    format!("line {number}, {column}"),
                    format!("{:?}", cells[at]),
                    "a non-negative whole number (ids count from 0)",
                )
            })
        };
        let real = |at: usize, column: &str| -> Result<f64> {
            match cells[at].parse::<f64>() {
                Ok(x) if x.is_finite() => Ok(x),
                _ => Err(Error::invalid(
                    format!("line {number}, {column}"),
                    format!("{:?}", cells[at]),
                    "a finite number",
                )),
            }
        };
        let from = id(from_at, "idstatefrom")?;
        let action = id(action_at, "idaction")?;
        let outcome = match outcome_column {
            Some(at) => id(at, "idoutcome")?,
            None => 0,
        };
        let to = id(to_at, "idstateto")?;
        let probability = real(probability_at, "probability")?;
        let reward = real(reward_at, "reward")?;
        if !(0.0..=1.0).contains(&probability) {
            return Err(Error::invalid(
                format!("line {number}, probability"),
                format!("{probability}"),
                "a probability between 0 and 1",
            ));
        }
        let entry = rows
            .entry((from, action, outcome, to))
            .or_insert((0.0, 0.0, number));
        entry.0 += probability;
        entry.1 += probability * reward;
        count += 1;
    }
    if count == 0 {
        return Err(Error::invalid(
            "rows",
            "a header and no transitions",
            "at least one transition row",
        ));
    }
    // Ids are checked against the row count before any table is sized by them: N rows name at
    // most 2N states, N actions and N outcomes.
    let largest =
        |pick: fn(&(usize, usize, usize, usize)) -> usize| rows.keys().map(pick).max().unwrap_or(0);
    let (state, action, outcome) = (
        largest(|k| k.0).max(largest(|k| k.3)),
        largest(|k| k.1),
        largest(|k| k.2),
    );
    for (what, id, bound) in [
        ("a state id", state, 2 * count),
        ("an action id", action, count),
        ("an outcome id", outcome, count),
    ] {
        // `id >= bound`, not `id + 1 > bound`: an id of 2⁶⁴ − 1 must not wrap around.
        if id >= bound {
            return Err(Error::invalid(
                "ids",
                format!("{what} of {id} in a file of {count} rows"),
                "ids numbered from 0 without gaps (so the world's size follows from its rows)",
            ));
        }
    }
    let (n_states, n_actions, n_outcomes) = (state + 1, action + 1, outcome + 1);

    // outcomes_of[s][a][k]: the outcome list of kernel k at (s, a).
    let mut outcomes_of: Vec<Vec<Vec<Vec<Outcome>>>> =
        vec![vec![vec![Vec::new(); n_outcomes]; n_actions]; n_states];
    for (&(from, action, outcome, to), &(probability, weighted, _)) in &rows {
        let reward = if probability > 0.0 {
            weighted / probability
        } else {
            0.0
        };
        outcomes_of[from][action][outcome].push(Outcome::new(probability, to, reward, false));
    }
    for (s, per_state) in outcomes_of.iter().enumerate() {
        for (a, per_action) in per_state.iter().enumerate() {
            for (k, outcomes) in per_action.iter().enumerate() {
                if outcomes.is_empty() {
                    continue;
                }
                let total: f64 = outcomes.iter().map(|o| o.probability).sum();
                if (total - 1.0).abs() > PROBABILITY_TOLERANCE {
                    let line = rows
                        .range((s, a, k, 0)..=(s, a, k, usize::MAX))
                        .map(|(_, v)| v.2)
                        .min()
                        .unwrap_or(0);
                    let outcome = if outcome_column.is_some() {
                        format!(", idoutcome {k}")
                    } else {
                        String::new()
                    };
                    return Err(Error::invalid(
                        format!("rows from line {line} (idstatefrom {s}, idaction {a}{outcome})"),
                        format!("probabilities summing to {total}"),
                        format!("they must sum to 1 (within {PROBABILITY_TOLERANCE:e})"),
                    ));
                }
            }
        }
    }
    let kernels = (0..n_outcomes)
        .map(|k| {
            let transitions = outcomes_of
                .iter()
                .enumerate()
                .map(|(s, per_state)| {
                    if per_state
                        .iter()
                        .all(|per_action| per_action.iter().all(Vec::is_empty))
                    {
                        // Only a destination: terminal, as in CRAAM.
                        return vec![vec![Outcome::new(1.0, s, 0.0, true)]; n_actions];
                    }
                    per_state
                        .iter()
                        .map(|per_action| {
                            let own = &per_action[k];
                            if own.is_empty() {
                                // Fewer outcomes here: repeat the pair's first one.
                                per_action
                                    .iter()
                                    .find(|o| !o.is_empty())
                                    .cloned()
                                    .unwrap_or_default()
                            } else {
                                own.clone()
                            }
                        })
                        .collect()
                })
                .collect();
            TabularMdp::new(MdpSpec {
                name: name.to_string(),
                description: String::new(),
                n_states,
                n_actions,
                horizon: Horizon::Discounted {
                    gamma: DEFAULT_GAMMA,
                },
                initial: vec![1.0 / n_states as f64; n_states],
                transitions,
                action_rewards: None,
                state_names: None,
                action_names: ActionNames::Numbered,
            })
        })
        .collect::<Result<Vec<_>>>()?;
    Ok(CraamModel {
        kernels,
        has_outcomes: outcome_column.is_some(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const RIVERSWIM: &str = "idstatefrom,idaction,idstateto,probability,reward
0,0,0,1,5
0,1,0,0.7,0
0,1,1,0.3,0
1,0,0,1,0
1,1,1,0.6,0
1,1,2,0.3,0
1,1,0,0.1,0
";

    #[test]
    fn reads_transitions_merges_repeats_and_marks_destinations_terminal() {
        let model = parse(RIVERSWIM, "river").unwrap();
        assert!(!model.has_outcomes);
        let mdp = &model.kernels[0];
        assert_eq!((mdp.n_states(), mdp.n_actions()), (3, 2));
        assert_eq!(mdp.expected_reward()[[0, 0]], 5.0);
        // State 2 only appears as a destination.
        assert!(mdp.outcomes(2, 0)[0].done);
        let repeated =
            "idstatefrom,idaction,idstateto,probability,reward\n0,0,0,0.5,1\n0,0,0,0.5,3\n";
        let mdp = &parse(repeated, "r").unwrap().kernels[0];
        assert_eq!(mdp.outcomes(0, 0), &[Outcome::new(1.0, 0, 2.0, false)]);
    }

    #[test]
    fn outcomes_become_kernels() {
        let text = "idstatefrom,idaction,idoutcome,idstateto,probability,reward
0,0,0,0,1,1
0,0,1,0,1,2
";
        let model = parse(text, "two").unwrap();
        assert!(model.has_outcomes);
        assert_eq!(model.kernels.len(), 2);
        assert_eq!(model.kernels[1].expected_reward()[[0, 0]], 2.0);
    }

    #[test]
    fn bad_files_name_the_line_and_field() {
        for (text, needle) in [
            ("", "header: an empty file"),
            (
                "idstatefrom,idaction,probability,reward\n0,0,1,1\n",
                "no column \"idstateto\"",
            ),
            (
                "idstatefrom,idaction,idstateto,probability,reward\n",
                "no transitions",
            ),
            (
                "idstatefrom,idaction,idstateto,probability,reward\n0,0,0,0.5,1\n",
                "idstatefrom 0, idaction 0): probabilities summing to 0.5",
            ),
            (
                "idstatefrom,idaction,idstateto,probability,reward\n0,x,0,1,1\n",
                "line 2, idaction: \"x\"",
            ),
            (
                "idstatefrom,idaction,idstateto,probability,reward\n0,0,0,1\n",
                "line 2: 4 values",
            ),
            (
                "idstatefrom,idaction,idstateto,probability,reward\n0,0,0,1,NaN\n",
                "line 2, reward",
            ),
            (
                "idstatefrom,idaction,idstateto,probability,reward\n0,0,99999999999,1,0\n",
                "without gaps",
            ),
        ] {
            let message = parse(text, "bad").unwrap_err().to_string();
            assert!(message.contains(needle), "{text:?}: {message}");
        }
    }
}
