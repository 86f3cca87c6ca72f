//! `log-linear-npg-linear-rate`: log-linear NPG and Q-NPG with geometrically increasing step sizes
//! converge linearly down to a floor set by the features (Yuan, Du, Gower, Lazaric & Xiao 2023;
//! Alfano & Rebeschini 2022), checked against the inexact policy-mirror-descent bound
//! (Xiao 2022, JMLR, §4, Theorem 13, in the form derived in paper-notes/linear-mdps.md):
//!
//! V*(ρ) − V^{π_k}(ρ) ≤ (1 − 1/ϑ)^k·2/(1 − γ) + 2(ϑ + 1)·τ_k/(1 − γ),
//!
//! ϑ = ‖d^{π*}_ρ/ρ‖_∞/(1 − γ), τ_k the largest per-state error (up to a constant per state) of the
//! fitted Q over steps 0..k (`q_sup_error` for Q-NPG, `sup_error` for NPG), for rewards in [0, 1],
//! η_0 ≥ ((1 − γ)/γ)·E_{d*}KL(π* ‖ π_0) in the papers' units and η_{k+1} = η_k/γ.
//!
//! Claims checked: the bound at every step of every increasing-step run; a linear rate to
//! rounding where τ = 0 (linear MDPs, one-hot features: the gap falls below 1e-9); a positive
//! floor, within the bound's, where the features cannot represent Q (random features); and the
//! contrast with constant steps (sublinear: still above 1e-3 at the end of the budget where the
//! increasing steps reached 1e-9).

use serde_json::json;

use super::{
    Comparison, Entry, Report, ReportInput, present_entries, problem_with_features, significant,
};
use crate::core::error::Result;
use crate::exact::occupancy;
use crate::plot::{Axis, Line, Panel};

pub fn entry() -> Entry {
    Entry {
        name: "log-linear-npg-linear-rate",
        summary: "log-linear NPG and Q-NPG with increasing steps: a linear rate down to the approximation floor (Yuan et al. 2023)",
        experiment: include_str!("../../../experiments/log-linear-npg-linear-rate.toml"),
        report,
    }
}

/// Where a gap counts as converged to rounding.
const CONVERGED: f64 = 1e-9;
/// Where τ counts as zero (the features represent Q exactly).
const EXACT_FIT: f64 = 1e-9;

/// ϑ = ‖d^{π*}_ρ/ρ‖_∞/(1 − γ) and the papers' minimal η_0 = ((1 − γ)/γ)·E_{d*}KL(π*‖uniform)
/// (= ((1 − γ)/γ)·log|A| for a deterministic π*).
fn constants(problem: &crate::exact::Problem) -> Result<(f64, f64)> {
    let mdp = &problem.mdp;
    let gamma = mdp.gamma();
    let d_star = occupancy(mdp, problem.optimal.policy.view())?;
    let mismatch = d_star
        .iter()
        .zip(mdp.initial())
        .map(|(&d, &rho)| if d > 0.0 { d / rho } else { 0.0 })
        .fold(0.0, f64::max)
        / (1.0 - gamma);
    let actions = mdp.n_actions() as f64;
    let kl: f64 = d_star
        .iter()
        .zip(problem.optimal.policy.rows())
        .map(|(&d, row)| {
            d * row
                .iter()
                .filter(|&&p| p > 0.0)
                .map(|&p| p * (p * actions).ln())
                .sum::<f64>()
        })
        .sum();
    Ok((mismatch, (1.0 - gamma) / gamma * kl))
}

/// One increasing- or constant-step run as the report reads it.
struct Run {
    world: String,
    entry: String,
    label: String,
    increasing: bool,
    /// (k, gap).
    gap: Vec<(f64, f64)>,
    /// (k, τ of this method's fit).
    tau: Vec<(f64, f64)>,
    gamma: f64,
    mismatch: f64,
    /// The papers' η_0 (policylab's step_size/(1 − γ)) and the least η_0 the bound allows.
    eta0: f64,
    eta0_needed: f64,
}

fn runs(input: &ReportInput<'_>) -> Result<Vec<Run>> {
    let experiment = input.experiment;
    let mut runs = Vec::new();
    for configuration in &experiment.configurations {
        let world = &experiment.worlds[configuration.world];
        let (problem, _) = problem_with_features(world)?;
        let parameter = |name: &str| {
            configuration
                .params
                .iter()
                .find(|(n, _)| n == name)
                .map(|(_, v)| *v)
        };
        let filter = [
            ("world", world.name.as_str()),
            ("label", configuration.label.as_str()),
        ];
        let gap = input.table.trajectory(&filter, "step", "gap")?;
        if gap.is_empty() {
            continue;
        }
        let metric = if configuration.algorithm == "q-npg" {
            "q_sup_error"
        } else {
            "sup_error"
        };
        let gamma = problem.mdp.gamma();
        let (mismatch, eta0_needed) = constants(problem)?;
        runs.push(Run {
            world: world.name.clone(),
            entry: world.entry.clone(),
            label: configuration.label.clone(),
            increasing: parameter("step_growth").is_some_and(|c| c > 1.0),
            tau: input.table.trajectory(&filter, "step", metric)?,
            gap,
            gamma,
            mismatch,
            eta0: parameter("step_size").unwrap_or(1.0) / (1.0 - gamma),
            eta0_needed,
        });
    }
    Ok(runs)
}

/// The bound at each recorded k, with τ_k the running maximum of the recorded τ.
fn bound(run: &Run) -> Vec<(f64, f64)> {
    let mut tau = 0.0f64;
    run.gap
        .iter()
        .zip(&run.tau)
        .map(|(&(k, _), &(_, t))| {
            tau = tau.max(t);
            let rate = (1.0 - 1.0 / run.mismatch).powf(k);
            (
                k,
                rate * 2.0 / (1.0 - run.gamma)
                    + 2.0 * (run.mismatch + 1.0) * tau / (1.0 - run.gamma),
            )
        })
        .collect()
}

fn report(input: &ReportInput<'_>) -> Result<Report> {
    let runs = runs(input)?;
    let worlds: Vec<String> = runs.iter().map(|r| r.world.clone()).collect();
    let entries = present_entries(input, &worlds);
    let mut labels: Vec<String> = Vec::new();
    for run in &runs {
        if !labels.contains(&run.label) {
            labels.push(run.label.clone());
        }
    }
    let mut panels = Vec::new();
    let mut comparisons = Vec::new();
    let mut numbers = serde_json::Map::new();
    for entry_name in &entries {
        let mut panel = Panel::new(
            entry_name.clone(),
            Axis::linear("iteration k"),
            Axis::log("V*(ρ) − V^π_k(ρ)"),
        );
        let mut per_run = Vec::new();
        let mut bound_drawn = false;
        for (color, label) in labels.iter().enumerate() {
            let members: Vec<&Run> = runs
                .iter()
                .filter(|r| &r.entry == entry_name && &r.label == label)
                .collect();
            for (i, run) in members.iter().enumerate() {
                let points: Vec<(f64, f64)> =
                    run.gap.iter().copied().filter(|&(_, g)| g > 0.0).collect();
                let name = if i == 0 { label.clone() } else { String::new() };
                // NPG dashed: where Q is in span φ it is Q-NPG step for step (φᵀw_Q and φ̄ᵀw*
                // differ by a constant per state), and the dashes keep both visible.
                let line = Line::new(name, points).color(color);
                panel = panel.with(if label.starts_with("NPG") {
                    line.dashed()
                } else {
                    line
                });
            }
            if !members.first().is_some_and(|r| r.increasing) {
                continue;
            }
            // The bound of every increasing-step run, and the claims per method and world family.
            let mut worst = (0.0f64, String::new());
            let mut converged = Vec::new();
            let mut floors = Vec::new();
            let mut conditions = true;
            for run in &members {
                conditions &= run.eta0 >= run.eta0_needed * (1.0 - 1e-12);
                let bound = bound(run);
                for (&(k, g), &(_, b)) in run.gap.iter().zip(&bound) {
                    if g / b > worst.0 {
                        worst = (g / b, format!("{} at k = {k}", run.world));
                    }
                }
                if !bound_drawn {
                    panel = panel.with(
                        Line::new(format!("bound ({label}, first instance)"), bound.clone())
                            .color(color)
                            .dashed(),
                    );
                    bound_drawn = true;
                }
                let tau = run.tau.iter().map(|&(_, t)| t).fold(0.0, f64::max);
                let last = run.gap.last().map_or(f64::NAN, |p| p.1);
                let reached = run
                    .gap
                    .iter()
                    .find(|&&(_, g)| g < CONVERGED)
                    .map(|&(k, _)| k);
                let floor = 2.0 * (run.mismatch + 1.0) * tau / (1.0 - run.gamma);
                per_run.push(json!({
                    "world": run.world, "label": run.label, "mismatch": run.mismatch,
                    "eta0": run.eta0, "eta0_needed": run.eta0_needed, "tau": tau,
                    "final_gap": last, "steps_to_1e-9": reached, "floor": floor,
                }));
                if tau <= EXACT_FIT {
                    converged.push((run.world.clone(), reached, run.mismatch));
                } else {
                    floors.push((run.world.clone(), last, floor));
                }
            }
            comparisons.push(Comparison::new(
                format!("{entry_name}: {label}, largest gap/bound over every step"),
                "≤ 1: (1 − 1/ϑ)^k·2/(1 − γ) + 2(ϑ + 1)τ/(1 − γ) (Xiao 2022, Thm 13's form; Yuan et al. 2023)",
                format!("{} ({})", significant(worst.0, 3), worst.1),
                worst.0 <= 1.0 && conditions,
            ));
            if !converged.is_empty() {
                let all = converged.iter().all(|(_, k, _)| k.is_some());
                let steps: Vec<String> = converged
                    .iter()
                    .map(|(w, k, m)| {
                        format!(
                            "{w}: {} (ϑ = {})",
                            k.map_or("not reached".to_string(), |k| format!("k = {k}")),
                            significant(*m, 3)
                        )
                    })
                    .collect();
                comparisons.push(Comparison::new(
                    format!("{entry_name}: {label}, τ = 0 (Q in span φ): steps to gap < 1e-9"),
                    "a linear rate to the optimum (Yuan et al. 2023, Thm 1 with ε = 0)",
                    steps.join("; "),
                    all || input.quick,
                ));
            }
            if !floors.is_empty() {
                let all = floors.iter().all(|&(_, g, f)| g > 0.0 && g <= f);
                let text: Vec<String> = floors
                    .iter()
                    .map(|(w, g, f)| {
                        format!("{w}: {} ≤ floor {}", significant(*g, 3), significant(*f, 3))
                    })
                    .collect();
                comparisons.push(Comparison::new(
                    format!("{entry_name}: {label}, τ > 0: final gap against the floor"),
                    "0 < gap ≤ 2(ϑ + 1)τ/(1 − γ): convergence up to the approximation error",
                    text.join("; "),
                    all,
                ));
            }
        }
        // Constant steps against increasing ones on the worlds where τ = 0.
        let constant: Vec<&Run> = runs
            .iter()
            .filter(|r| &r.entry == entry_name && !r.increasing)
            .collect();
        if !constant.is_empty() && !input.quick {
            let fast = runs.iter().filter(|r| {
                &r.entry == entry_name
                    && r.increasing
                    && r.label.starts_with("Q-NPG")
                    && r.gap.iter().any(|&(_, g)| g < CONVERGED)
            });
            let fast_worlds: Vec<&str> = fast.map(|r| r.world.as_str()).collect();
            if !fast_worlds.is_empty() {
                let slow: Vec<(String, f64)> = constant
                    .iter()
                    .filter(|r| fast_worlds.contains(&r.world.as_str()))
                    .map(|r| (r.world.clone(), r.gap.last().map_or(f64::NAN, |p| p.1)))
                    .collect();
                let all = slow.iter().all(|&(_, g)| g > 1e-3);
                let text: Vec<String> = slow
                    .iter()
                    .map(|(w, g)| format!("{w}: {}", significant(*g, 3)))
                    .collect();
                comparisons.push(Comparison::new(
                    format!("{entry_name}: Q-NPG with constant η_0, gap at the end of the budget"),
                    "> 1e-3 where increasing steps reach 1e-9: constant steps are sublinear (Yuan et al. 2023)",
                    text.join("; "),
                    all,
                ));
            }
        }
        numbers.insert(entry_name.clone(), json!(per_run));
        panels.push(panel);
    }
    Ok(Report::in_two_columns(input, panels, numbers, comparisons))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::experiment::reproduce::{assert_all_agree, quick_report};

    /// The quick budget on the linear MDP: both methods within the bound, Q-NPG to 1e-9.
    #[test]
    fn quick_budget_on_a_linear_mdp() {
        let report = quick_report(&entry(), |world| world.entry == "linear MDP");
        assert_all_agree(&report);
        assert!(report.comparisons.len() >= 3, "{:?}", report.comparisons);
    }
}
