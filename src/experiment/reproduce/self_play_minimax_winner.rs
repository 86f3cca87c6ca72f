//! `self-play-minimax-winner`: self-play preference optimization against a Bradley–Terry reward
//! model on intransitive preferences (experiments/self-play-minimax-winner.toml; paper-note
//! paper-notes/self-play-minimax-winner.md).
//!
//! Claims checked, on every preference game of the file:
//!
//! - SPO's average iterate obeys Hedge's regret bound: max_a P(a ≻ π̄_T) − ½ ≤ ln K/(ηT) + η/8 at
//!   every recorded T (the no-regret argument behind Swamy et al. 2024's guarantee);
//! - SPO's average reaches the minimax winner: its final exploitability is below 0.01 and its
//!   distance to the minimax winner (computed by linear programming, with the duality gap as
//!   certificate) is reported;
//! - the reward-model route cannot: on intransitive preferences the policy maximizing the fitted
//!   Bradley–Terry reward stays beaten (exploitability ≥ 10× SPO's final one); on transitive ones
//!   it finds the Condorcet winner like SPO does (exploitability below 1e-6).

use ndarray::{Array1, Array2};
use serde_json::json;

use super::{Comparison, Entry, Report, ReportInput, grid_runs, significant};
use crate::algo::self_play_preference::{preference_exploitability, preference_matrix};
use crate::core::error::{Error, Result};
use crate::exact::game::bradley_terry::fit_bradley_terry;
use crate::exact::game::solve_matrix_game;
use crate::experiment::world_spec::WorldKind;
use crate::plot::{Axis, Line, Panel};
use crate::world::World;

pub fn entry() -> Entry {
    Entry {
        name: "self-play-minimax-winner",
        summary: "self-play preference optimization reaches the minimax winner where a Bradley-Terry reward model cannot (Swamy et al. 2024)",
        experiment: include_str!("../../../experiments/self-play-minimax-winner.toml"),
        report,
    }
}

const SPO: &str = "SPO";
const REWARD_MODEL: &str = "Bradley-Terry reward + NPG";
/// Exploitabilities below this are drawn as reached (the log axis would otherwise span the
/// reward model's e^{−ηΔt} decay on transitive preferences down to 1e-300).
const FLOOR: f64 = 1e-12;

/// The minimax winner of a preference matrix: the equilibrium strategy of the symmetric game
/// P − ½ by linear programming (an error unless its duality gap certifies it).
fn minimax_winner(p: &Array2<f64>) -> Result<(Array1<f64>, f64)> {
    let m = p.mapv(|v| v - 0.5);
    let solution = solve_matrix_game(m.view())?;
    Ok((solution.row.clone(), solution.gap()))
}

fn report(input: &ReportInput<'_>) -> Result<Report> {
    let labels = input.table.distinct("label")?;
    let present = input.table.distinct("world")?;
    let mut panels = Vec::new();
    let mut comparisons = Vec::new();
    let mut numbers = serde_json::Map::new();
    for world in input
        .experiment
        .worlds
        .iter()
        .filter(|w| present.contains(&w.name))
    {
        let WorldKind::Game(game_world) = &world.kind else {
            return Err(Error::invalid(
                "world",
                format!("`{}` is {}", world.name, world.kind.describe()),
                "the preference games of experiments/self-play-minimax-winner.toml",
            ));
        };
        let game_world: &dyn World = game_world.as_ref();
        let game = game_world
            .game()
            .ok_or_else(|| Error::invalid("world", world.name.clone(), "a game world"))?;
        let p = preference_matrix(game, "the self-play-minimax-winner report")?;
        let (winner, certificate) = minimax_winner(&p)?;
        let fit = fit_bradley_terry(p.view(), 1e-12)?;
        let favourite = fit
            .scores
            .iter()
            .enumerate()
            .fold((0, f64::NEG_INFINITY), |best, (a, &s)| {
                if s > best.1 { (a, s) } else { best }
            })
            .0;
        let mut deterministic = Array1::zeros(p.nrows());
        deterministic[favourite] = 1.0;
        let favourite_exploitability = preference_exploitability(&p, &deterministic);
        let transitive = favourite_exploitability <= 1e-12;
        let mut panel = Panel::new(
            world.name.clone(),
            Axis::log("iteration T"),
            Axis::log("max_a P(a ≻ π) − ½"),
        );
        let mut world_numbers = serde_json::Map::new();
        world_numbers.insert(
            "minimax_winner".into(),
            json!({"strategy": winner.to_vec(), "duality_gap": certificate}),
        );
        world_numbers.insert(
            "bradley_terry".into(),
            json!({"scores": fit.scores.to_vec(), "gradient_norm": fit.gradient_norm,
                   "favourite": favourite, "favourite_exploitability": favourite_exploitability}),
        );
        let mut best_spo = f64::INFINITY;
        for (color, (label, eta)) in grid_runs(&labels, SPO, "step_size").into_iter().enumerate() {
            let filter = [("world", world.name.as_str()), ("label", label.as_str())];
            let average = input.table.trajectory(&filter, "step", "exploitability")?;
            let last = input
                .table
                .trajectory(&filter, "step", "last_exploitability")?;
            let bound = input.table.trajectory(&filter, "step", "hedge_bound")?;
            let Some(&(_, final_exploitability)) = average.last() else {
                continue;
            };
            best_spo = best_spo.min(final_exploitability);
            let worst_ratio = average
                .iter()
                .zip(&bound)
                .map(|(&(_, e), &(_, b))| e / b)
                .fold(0.0f64, f64::max);
            comparisons.push(Comparison::new(
                format!(
                    "{}: {label}, largest exploitability(π̄_T) / (ln K/(ηT) + η/8)",
                    world.name
                ),
                "≤ 1: Hedge's regret bound (the no-regret guarantee of SPO, Swamy et al. 2024)",
                significant(worst_ratio, 3),
                worst_ratio <= 1.0,
            ));
            let shift = |points: &[(f64, f64)]| -> Vec<(f64, f64)> {
                points
                    .iter()
                    .filter(|(_, v)| *v > FLOOR)
                    .map(|&(t, v)| (t + 1.0, v))
                    .collect()
            };
            panel = panel
                .with(Line::new(format!("{label}, average"), shift(&average)).color(color))
                .with(
                    Line::new(format!("{label}, last iterate"), shift(&last))
                        .color(color)
                        .dashed(),
                )
                .with(
                    Line::new(
                        if color == 0 { "ln K/(ηT) + η/8" } else { "" },
                        shift(&bound),
                    )
                    .color(4)
                    .dashed(),
                );
            world_numbers.insert(
                format!("SPO eta={eta}"),
                json!({"final_exploitability": final_exploitability,
                       "final_last_exploitability": last.last().map(|p| p.1),
                       "largest_ratio_to_hedge_bound": worst_ratio}),
            );
        }
        if best_spo.is_finite() {
            comparisons.push(Comparison::new(
                format!(
                    "{}: SPO's smallest final exploitability over step sizes",
                    world.name
                ),
                "→ 0: the average iterate reaches the minimax winner (Swamy et al. 2024)",
                significant(best_spo, 3),
                best_spo < 0.01 || input.quick,
            ));
        }
        let reward_model = input.table.trajectory(
            &[("world", &world.name), ("label", REWARD_MODEL)],
            "step",
            "exploitability",
        )?;
        if let Some(&(_, final_rm)) = reward_model.last() {
            let points: Vec<(f64, f64)> = reward_model
                .iter()
                .filter(|(_, v)| *v > FLOOR)
                .map(|&(t, v)| (t + 1.0, v))
                .collect();
            if !points.is_empty() {
                panel = panel.with(Line::new(REWARD_MODEL, points).color(2));
            }
            world_numbers.insert("reward_model_final_exploitability".into(), json!(final_rm));
            if transitive {
                comparisons.push(Comparison::new(
                    format!("{}: {REWARD_MODEL}, final exploitability (transitive preferences)", world.name),
                    "→ 0: with a Condorcet winner the reward model's maximizer is the minimax winner",
                    significant(final_rm, 3),
                    final_rm < 1e-6,
                ));
            } else {
                comparisons.push(Comparison::new(
                    format!("{}: {REWARD_MODEL}, final exploitability (SPO's: {})", world.name, significant(best_spo, 2)),
                    "stays beaten: no single reward explains intransitive preferences (Swamy et al. 2024, §1)",
                    significant(final_rm, 3),
                    final_rm >= 10.0 * best_spo,
                ));
            }
        }
        numbers.insert(world.name.clone(), serde_json::Value::Object(world_numbers));
        panels.push(panel);
    }
    Ok(Report::in_two_columns(input, panels, numbers, comparisons))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::experiment::reproduce::{assert_all_agree, quick_report};

    /// The quick budget: Hedge's bound holds on every world and the reward model stays beaten on
    /// the intransitive ones.
    #[test]
    fn quick_budget_checks_agree() {
        let report = quick_report(&entry(), |_| true);
        assert_eq!(report.comparisons.len(), 3 * 4, "{:?}", report.comparisons);
        assert_all_agree(&report);
    }

    /// The minimax winners of the file's intransitive worlds, checked by hand: every option in
    /// the support wins exactly half the time against the strategy and the others less.
    #[test]
    fn the_minimax_winners_of_the_shipped_worlds() {
        let popular = ndarray::array![
            [0.5, 0.9, 0.1, 0.6],
            [0.1, 0.5, 0.9, 0.1],
            [0.9, 0.1, 0.5, 0.1],
            [0.4, 0.9, 0.9, 0.5]
        ];
        let (winner, gap) = minimax_winner(&popular).unwrap();
        assert!(gap <= 1e-12);
        for (w, expected) in winner.iter().zip([4.0 / 9.0, 0.0, 1.0 / 9.0, 4.0 / 9.0]) {
            assert!((w - expected).abs() < 1e-12, "{winner}");
        }
        let unequal = ndarray::array![[0.5, 0.8, 0.4], [0.2, 0.5, 0.7], [0.6, 0.3, 0.5]];
        let (winner, _) = minimax_winner(&unequal).unwrap();
        for (w, expected) in winner.iter().zip([1.0 / 3.0, 1.0 / 6.0, 0.5]) {
            assert!((w - expected).abs() < 1e-12, "{winner}");
        }
    }

    /// The minimax winner of a Condorcet cycle with equal margins is uniform.
    #[test]
    fn the_minimax_winner_of_a_symmetric_cycle_is_uniform() {
        let p = ndarray::array![[0.5, 0.9, 0.1], [0.1, 0.5, 0.9], [0.9, 0.1, 0.5]];
        let (winner, gap) = minimax_winner(&p).unwrap();
        assert!(gap <= 1e-12);
        assert!(
            winner.iter().all(|w| (w - 1.0 / 3.0).abs() < 1e-12),
            "{winner}"
        );
    }
}
