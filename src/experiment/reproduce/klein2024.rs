//! `klein2024-dynpg`: Klein, Zhang, Başar, Weissmann & Döring (2025), "Structure Matters: Dynamic
//! Policy Gradient" (arXiv 2411.04913), on Li et al.'s hard chain.
//!
//! Claims checked: DynPG (§3; `src/algo/dynpg.rs`) reaches an ε-optimal policy after
//! O((1−γ)⁻⁴·ε⁻¹·log) exact gradient steps (Theorem 4.8), polynomial in 1/(1−γ), on the very chains
//! where softmax PG's count grows fastest (their §5 argues this for Li et al.'s construction
//! without running it). Measured: the steps each method needs to Li et al.'s target gap < 0.07
//! against 1/(1−γ) on `li2021-exponential`'s γ sweep, with log-log slopes.

use serde_json::json;

use super::{
    Comparison, Entry, Report, ReportInput, loglog_fit, significant, steps_to_target, stop_target,
};
use crate::core::error::Result;
use crate::experiment::world_spec::WorldKind;
use crate::plot::{Axis, Figure, Line, Panel, Reference};

pub fn entry() -> Entry {
    Entry {
        name: "klein2024-dynpg",
        summary: "DynPG against softmax PG and NPG on Li et al.'s hard chain: steps to gap 0.07 against 1/(1−γ)",
        experiment: include_str!("../../../experiments/klein2024-dynpg.toml"),
        report,
    }
}

/// The runs' labels; the checks are on DynPG at the step the other two use.
const DYNPG: &str = "DynPG, η = 1";
/// (label, key of its numbers in the JSON).
const METHODS: [(&str, &str); 4] = [
    ("softmax PG", "softmax_pg"),
    ("NPG", "npg"),
    (DYNPG, "dynpg"),
    ("DynPG, their schedule", "dynpg_their_schedule"),
];

/// (1/(1−γ), steps to the target) of `label` on every chain where it got there, and the chains
/// where it did not.
/// (points where the target was reached, worlds where it was not).
type Counts = (Vec<(f64, f64)>, Vec<String>);

fn counts(input: &ReportInput<'_>, label: &str, target: f64) -> Result<Counts> {
    let present = input.table.distinct("world")?;
    let mut reached = Vec::new();
    let mut missed = Vec::new();
    for world in &input.experiment.worlds {
        let WorldKind::Mdp(problem) = &world.kind else {
            continue;
        };
        if !present.contains(&world.name) {
            continue;
        }
        let x = 1.0 / (1.0 - problem.mdp.gamma());
        match steps_to_target(input.table, &world.name, label, target)? {
            Some(steps) => reached.push((x, steps.max(1.0))),
            None => missed.push(world.name.clone()),
        }
    }
    Ok((reached, missed))
}

fn report(input: &ReportInput<'_>) -> Result<Report> {
    let target = stop_target(input)?;
    let mut panel = Panel::new(
        format!("steps to gap < {target} on the hard chain"),
        Axis::log("1/(1−γ)"),
        Axis::log("exact gradient steps"),
    );
    let mut comparisons = Vec::new();
    let mut numbers = serde_json::Map::new();
    for (label, key) in METHODS {
        let (reached, missed) = counts(input, label, target)?;
        numbers.insert(
            key.to_string(),
            json!({"points": reached, "not_reached": missed}),
        );
        if label == DYNPG {
            comparisons.push(Comparison::new(
                format!("{DYNPG} reaches gap < {target} on every chain of the sweep"),
                "an ε-optimal policy after finitely many steps (Theorem 4.8)",
                if missed.is_empty() {
                    format!("{} of {} chains", reached.len(), reached.len())
                } else {
                    format!("missed {}", missed.join(", "))
                },
                missed.is_empty(),
            ));
        }
        if reached.len() >= 3 {
            let fit = loglog_fit(&reached)?;
            let slope = format!(
                "{} [{}, {}]",
                significant(fit.slope, 3),
                significant(fit.slope_ci95.0, 3),
                significant(fit.slope_ci95.1, 3)
            );
            panel = panel.note(format!("{label}: log-log slope {slope}"));
            numbers.insert(
                format!("{key}_slope"),
                json!({"slope": fit.slope, "ci95": fit.slope_ci95, "points": fit.points}),
            );
            if label == DYNPG {
                comparisons.push(Comparison::new(
                    format!("{DYNPG}: log-log slope of the steps against 1/(1−γ)"),
                    "≤ 4: O((1−γ)⁻⁴·ε⁻¹·log) exact steps (Theorem 4.8)",
                    slope,
                    fit.slope <= 4.0,
                ));
            }
        }
        panel = panel.with(Line::new(label, reached));
    }
    let softmax = numbers["softmax_pg"]["points"].clone();
    if let Some(&(x0, y0)) = serde_json::from_value::<Vec<(f64, f64)>>(softmax)
        .unwrap_or_default()
        .first()
    {
        let xs: Vec<f64> = input
            .experiment
            .worlds
            .iter()
            .filter_map(|w| match &w.kind {
                WorldKind::Mdp(problem) => Some(1.0 / (1.0 - problem.mdp.gamma())),
                _ => None,
            })
            .collect();
        panel = panel.with(Reference::curve(
            "∝ (1−γ)⁻⁴ (DynPG's bound's order)",
            xs.iter().map(|&x| (x, y0 * (x / x0).powi(4))).collect(),
        ));
    }
    numbers.insert("target".into(), json!(target));
    Ok(Report {
        figure: Figure::new(input.experiment.file.title.clone(), vec![panel]),
        numbers: serde_json::Value::Object(numbers),
        comparisons,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::experiment::reproduce::{assert_all_agree, run_and_report};

    /// The quick budget on the two smallest chains: DynPG gets there on both, and the checks
    /// agree.
    #[test]
    fn quick_budget_reaches_the_target() {
        let entry = entry();
        let mut experiment = entry.load(true).unwrap();
        experiment.worlds.truncate(2);
        experiment.configurations.retain(|c| c.world < 2);
        let report = run_and_report(&experiment, entry.report);
        let reached = report.numbers["dynpg"]["points"].as_array().unwrap().len();
        assert_eq!(reached, 2, "{:?}", report.numbers);
        assert_all_agree(&report);
    }
}
