//! `li2021-exponential`: Li, Wei, Chi, Gu & Chen (2021), "Softmax policy gradient methods can take
//! exponential time to converge" (COLT 2021; Mathematical Programming 201:707–802, 2023; arXiv
//! 2102.11270).
//!
//! Claim checked (Theorem 1): on their hard chain, exact softmax PG from the uniform policy with ρ
//! uniform needs at least (c₁/η)·|S|^{2^{c₂/(1−γ)}} iterations before the average sub-optimality
//! (1/|S|)·Σ_s [V*(s) − V^{(t)}(s)] falls below 0.07, while methods that are not slowed by the
//! small visitation of far states (value iteration, their Lemma 1; NPG) need few. Every run of the
//! experiment stops at that target, so a run's last step is its iteration count. What sizes that
//! run here can show: PG's count grows with γ (and H ∝ 1/(1−γ)) faster than any fixed power on
//! the range, much faster than NPG's; it grows with the chain length at fixed γ; it scales as 1/η.
//! NPG's count stays under Agarwal et al.'s (2021) Theorem 5.3 guarantee
//! T ≤ (log|A|/η + 1/(1−γ)²)/ε. The doubly-exponential growth itself needs |S| ≳ (1−γ)⁻⁶ and is
//! not reached (see paper-notes/li2021-exponential.md).

use serde_json::json;

use super::{Comparison, Entry, Report, ReportInput, loglog_fit, significant, steps_to_target};
use crate::core::error::{Error, Result};
use crate::experiment::world_spec::WorldKind;
use crate::metrics::rate_fit::loglinear_slope;
use crate::plot::{Axis, Figure, Line, Panel, Reference, Scatter};

/// Li et al.'s target for the average sub-optimality (Theorem 1).
const TARGET: f64 = 0.07;
/// The largest action count of the chain (a0, a1, a2).
const ACTIONS: f64 = 3.0;

pub fn entry() -> Entry {
    Entry {
        name: "li2021-exponential",
        summary: "iterations of softmax PG to average sub-optimality 0.07 on Li et al.'s hard chain \
                  as γ and the chain length grow, against NPG",
        experiment: include_str!("../../../experiments/li2021-exponential.toml"),
        report,
    }
}

/// One chain of the experiment with the iteration counts measured on it.
#[derive(Debug, Clone)]
struct Chain {
    world: String,
    entry: String,
    gamma: f64,
    length: usize,
    states: usize,
    /// Iterations of softmax PG (η = 1) to the target; None if the budget ran out first.
    pg: Option<f64>,
    npg: Option<f64>,
}

impl Chain {
    fn horizon(&self) -> f64 {
        1.0 / (1.0 - self.gamma)
    }

    /// Agarwal et al. (2021), Theorem 5.3 with η = 1: the gap of NPG is at most
    /// log|A|/(ηT) + 1/((1−γ)²T), so T = ⌈(log|A|/η + 1/(1−γ)²)/ε⌉ iterations suffice for ε.
    fn npg_guarantee(&self) -> f64 {
        ((ACTIONS.ln() + self.horizon().powi(2)) / TARGET).ceil()
    }
}

/// The step at which a run reached the target.
fn iterations(input: &ReportInput<'_>, world: &str, label: &str) -> Result<Option<f64>> {
    steps_to_target(input.table, world, label, TARGET)
}

/// The chains that appear in the results, in the experiment's order.
fn chains(input: &ReportInput<'_>) -> Result<Vec<Chain>> {
    let present = input.table.distinct("world")?;
    let mut chains = Vec::new();
    for world in &input.experiment.worlds {
        if !present.contains(&world.name) {
            continue;
        }
        let WorldKind::Mdp(problem) = &world.kind else {
            continue;
        };
        let length = problem
            .mdp
            .name()
            .rsplit_once("-H")
            .and_then(|(_, h)| h.parse::<usize>().ok())
            .ok_or_else(|| {
                Error::invalid(
                    "world",
                    format!("`{}` is not a li2021-chain", world.name),
                    "generator = \"li2021-chain\"",
                )
            })?;
        chains.push(Chain {
            world: world.name.clone(),
            entry: world.entry.clone(),
            gamma: problem.mdp.gamma(),
            length,
            states: problem.mdp.n_states(),
            pg: iterations(input, &world.name, "softmax PG")?,
            npg: iterations(input, &world.name, "NPG")?,
        });
    }
    Ok(chains)
}

/// (x, iterations) for the chains where `count` reached the target.
fn points(
    chains: &[&Chain],
    x: impl Fn(&Chain) -> f64,
    count: fn(&Chain) -> Option<f64>,
) -> Vec<(f64, f64)> {
    chains
        .iter()
        .filter_map(|c| count(c).map(|n| (x(c), n)))
        .collect()
}

fn strictly_increasing(points: &[(f64, f64)]) -> bool {
    points.windows(2).all(|w| w[1].1 > w[0].1)
}

fn slope_text(fit: &crate::metrics::rate_fit::RateFit) -> String {
    format!(
        "{} [{}, {}]",
        significant(fit.slope, 3),
        significant(fit.slope_ci95.0, 3),
        significant(fit.slope_ci95.1, 3)
    )
}

fn report(input: &ReportInput<'_>) -> Result<Report> {
    let chains = chains(input)?;
    let gamma_sweep: Vec<&Chain> = chains.iter().filter(|c| c.entry != "length").collect();
    let length_sweep: Vec<&Chain> = chains.iter().filter(|c| c.entry == "length").collect();
    let mut comparisons = Vec::new();
    let mut numbers = serde_json::Map::new();

    // Panel 1: iterations against the effective horizon 1/(1−γ).
    let pg_gamma = points(&gamma_sweep, Chain::horizon, |c| c.pg);
    let npg_gamma = points(&gamma_sweep, Chain::horizon, |c| c.npg);
    let guarantee: Vec<(f64, f64)> = gamma_sweep
        .iter()
        .map(|c| (c.horizon(), c.npg_guarantee()))
        .collect();
    let mut horizon_panel = Panel::new(
        "γ sweep (H = longest valid chain, ∝ 1/(1−γ))",
        Axis::log("effective horizon 1/(1−γ)"),
        Axis::log("iterations to gap < 0.07"),
    )
    .with(Line::new("softmax PG, η = 1", pg_gamma.clone()).color(0))
    .with(Scatter::new("", pg_gamma.clone()).color(0))
    .with(Line::new("NPG, η = 1", npg_gamma.clone()).color(1))
    .with(Scatter::new("", npg_gamma.clone()).color(1))
    .with(Reference::curve(
        "NPG guarantee (log 3 + (1−γ)⁻²)/0.07 (Agarwal et al. Thm 5.3)",
        guarantee.clone(),
    ));
    let censored = gamma_sweep.iter().filter(|c| c.pg.is_none()).count();
    if censored > 0 {
        horizon_panel = horizon_panel.note(format!(
            "{censored} chain(s) not reached within the budget (not drawn)"
        ));
    }
    if pg_gamma.len() >= 4 && npg_gamma.len() >= 4 {
        let pg_fit = loglog_fit(&pg_gamma)?;
        let npg_fit = loglog_fit(&npg_gamma)?;
        // Local slopes on the lower and upper halves of the range (sharing the middle point,
        // at least three points each).
        let half = pg_gamma.len().div_ceil(2).max(3);
        let lower = loglog_fit(&pg_gamma[..half])?;
        let upper = loglog_fit(&pg_gamma[pg_gamma.len() - half..])?;
        horizon_panel = horizon_panel
            .note(format!(
                "log-log slope, softmax PG: {}",
                slope_text(&pg_fit)
            ))
            .note(format!(
                "  lower half {} → upper half {}",
                significant(lower.slope, 3),
                significant(upper.slope, 3)
            ))
            .note(format!("log-log slope, NPG: {}", slope_text(&npg_fit)));
        let pg_fit_text = format!(
            "slope {} overall; {} on the lower half of 1/(1−γ), {} on the upper half",
            significant(pg_fit.slope, 3),
            significant(lower.slope, 3),
            significant(upper.slope, 3)
        );
        comparisons.push(Comparison::new(
            format!(
                "softmax PG iterations against 1/(1−γ) ∈ [{}, {}] (log-log)",
                significant(pg_gamma[0].0, 3),
                significant(pg_gamma[pg_gamma.len() - 1].0, 3)
            ),
            "grows as |S|^{2^{c₂/(1−γ)}}: faster than any power of 1/(1−γ) (Theorem 1)",
            pg_fit_text,
            strictly_increasing(&pg_gamma) && upper.slope > lower.slope,
        ));
        comparisons.push(Comparison::new(
            "growth exponent in 1/(1−γ): softmax PG against NPG",
            "PG exponentially slower; NPG's count is independent of |S| (Agarwal et al. Thm 5.3)",
            format!(
                "PG {} against NPG {}",
                slope_text(&pg_fit),
                slope_text(&npg_fit)
            ),
            pg_fit.slope_ci95.0 > npg_fit.slope_ci95.1,
        ));
        numbers.insert(
            "gamma_sweep_fits".into(),
            json!({
                "pg_loglog_slope": pg_fit.slope, "pg_ci95": pg_fit.slope_ci95,
                "pg_lower_half_slope": lower.slope, "pg_upper_half_slope": upper.slope,
                "npg_loglog_slope": npg_fit.slope, "npg_ci95": npg_fit.slope_ci95,
            }),
        );
    }
    let within: Vec<bool> = chains
        .iter()
        .map(|c| c.npg.is_some_and(|n| n <= c.npg_guarantee()))
        .collect();
    let worst = chains
        .iter()
        .filter_map(|c| c.npg.map(|n| n / c.npg_guarantee()))
        .fold(0.0_f64, f64::max);
    comparisons.push(Comparison::new(
        format!("NPG (η = 1) iterations on all {} chains", chains.len()),
        "≤ ⌈(log|A|/η + 1/(1−γ)²)/0.07⌉ (Agarwal et al. 2021, Theorem 5.3)",
        format!(
            "{} of {} within; largest count/guarantee = {}",
            within.iter().filter(|&&w| w).count(),
            chains.len(),
            significant(worst, 3)
        ),
        !chains.is_empty() && within.iter().all(|&w| w),
    ));

    // Panel 2: iterations against the chain length at fixed γ.
    let pg_length = points(&length_sweep, |c| c.length as f64, |c| c.pg);
    let npg_length = points(&length_sweep, |c| c.length as f64, |c| c.npg);
    let fixed_gamma = length_sweep.first().map_or(f64::NAN, |c| c.gamma);
    let mut length_panel = Panel::new(
        format!("length sweep at γ = {fixed_gamma}"),
        Axis::linear("chain length H (primary states 3..H)"),
        Axis::log("iterations to gap < 0.07"),
    )
    .with(Line::new("softmax PG, η = 1", pg_length.clone()).color(0))
    .with(Scatter::new("", pg_length.clone()).color(0))
    .with(Line::new("NPG, η = 1", npg_length.clone()).color(1))
    .with(Scatter::new("", npg_length.clone()).color(1));
    if pg_length.len() >= 3 && npg_length.len() >= 3 {
        let (h, n): (Vec<f64>, Vec<f64>) = pg_length.iter().copied().unzip();
        let pg_fit = loglog_fit(&pg_length)?;
        let per_state = loglinear_slope(&h, &n, (h[0], h[h.len() - 1]))?;
        let ratio_first = pg_length[0].1 / npg_length[0].1;
        let ratio_last = pg_length[pg_length.len() - 1].1 / npg_length[npg_length.len() - 1].1;
        length_panel = length_panel
            .note(format!(
                "softmax PG: ×{} per unit of H (log-linear fit)",
                significant(per_state.contraction_factor(), 3)
            ))
            .note(format!("log-log slope in H: {}", slope_text(&pg_fit)))
            .note(format!(
                "PG/NPG ratio: {} at H = {} → {} at H = {}",
                significant(ratio_first, 3),
                pg_length[0].0,
                significant(ratio_last, 3),
                pg_length[pg_length.len() - 1].0
            ));
        comparisons.push(Comparison::new(
            format!(
                "softmax PG iterations against H ∈ [{}, {}] at γ = {fixed_gamma}",
                h[0],
                h[h.len() - 1]
            ),
            "grows with |S| (Theorem 1: |S|^{2^{c₂/(1−γ)}}), faster than NPG's",
            format!(
                "{} → {} (×{} [{}, {}] per unit of H); PG/NPG ratio {} → {}",
                n[0],
                n[n.len() - 1],
                significant(per_state.contraction_factor(), 3),
                significant(per_state.slope_ci95.0.exp(), 3),
                significant(per_state.slope_ci95.1.exp(), 3),
                significant(ratio_first, 3),
                significant(ratio_last, 3)
            ),
            per_state.slope_ci95.0 > 0.0 && ratio_last > ratio_first,
        ));
        numbers.insert(
            "length_sweep_fits".into(),
            json!({
                "gamma": fixed_gamma,
                "pg_factor_per_unit_length": per_state.contraction_factor(),
                "pg_loglog_slope_in_length": pg_fit.slope, "pg_ci95": pg_fit.slope_ci95,
                "pg_over_npg_first": ratio_first, "pg_over_npg_last": ratio_last,
            }),
        );
    }

    // The 1/η factor of Theorem 1, on the chain of the half-step run.
    let half = chains.iter().find_map(|c| {
        let halved = iterations(input, &c.world, "softmax PG, η = 0.5")
            .ok()
            .flatten()?;
        Some((c, halved, c.pg?))
    });
    if let Some((chain, halved, full)) = half {
        let ratio = halved / full;
        comparisons.push(Comparison::new(
            format!(
                "iterations(η = 0.5)/iterations(η = 1), softmax PG, γ = {}, H = {}",
                chain.gamma, chain.length
            ),
            "2: the count carries a factor 1/η (Theorem 1)",
            format!("{halved}/{full} = {}", significant(ratio, 4)),
            (ratio - 2.0).abs() < 0.1,
        ));
        numbers.insert(
            "step_size_scaling".into(),
            json!({"world": chain.world, "eta_1": full, "eta_0_5": halved, "ratio": ratio}),
        );
    }

    // Panel 3: the gap trajectories on the hardest chain whose PG run reached the target.
    let hardest = gamma_sweep.iter().rev().find(|c| c.pg.is_some()).copied();
    let mut panels = vec![horizon_panel, length_panel];
    if let Some(chain) = hardest {
        let mut panel = Panel::new(
            format!(
                "gap on the γ = {}, H = {} chain ({} states)",
                chain.gamma, chain.length, chain.states
            ),
            Axis::log("iteration t + 1"),
            Axis::log("gap ρᵀ(V* − V^π_t), ρ uniform"),
        );
        for (index, label) in [(0, "softmax PG"), (1, "NPG")] {
            let gap = input.table.trajectory(
                &[("world", chain.world.as_str()), ("label", label)],
                "step",
                "gap",
            )?;
            let shifted: Vec<(f64, f64)> = gap
                .iter()
                .filter(|&&(_, g)| g > 0.0)
                .map(|&(t, g)| (t + 1.0, g))
                .collect();
            panel = panel.with(Line::new(format!("{label}, η = 1"), shifted).color(index));
        }
        panels.push(panel.with(Reference::horizontal("target 0.07 (Li et al.)", TARGET)));
    }

    numbers.insert(
        "chains".into(),
        json!(
            chains
                .iter()
                .map(|c| json!({
                    "world": c.world, "gamma": c.gamma, "length": c.length, "states": c.states,
                    "softmax_pg_iterations": c.pg, "npg_iterations": c.npg,
                    "npg_guarantee": c.npg_guarantee(),
                }))
                .collect::<Vec<_>>()
        ),
    );
    Ok(Report {
        figure: Figure::new(input.experiment.file.title.clone(), panels).columns(3),
        numbers: serde_json::Value::Object(numbers),
        comparisons,
    })
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;
    use crate::experiment::Experiment;
    use crate::experiment::reproduce::run_and_report;

    #[test]
    fn reduced_budget_shows_pg_slower_than_npg_and_npg_within_its_guarantee() {
        // A reduced budget: smaller buffer and booster sets, the short chains only (four
        // discounts, lengths 3..9 at γ = 0.97) and no half-step run.
        let text = entry().experiment.replace(
            "buffer_copies = 10, boosters = 2",
            "buffer_copies = 2, boosters = 1",
        );
        let mut experiment = Experiment::from_text(
            &text,
            Path::new("experiments/li2021-exponential.toml"),
            true,
        )
        .unwrap();
        let kept = [
            "gamma-0.9",
            "gamma-0.93",
            "gamma-0.95",
            "gamma-0.96",
            "length[length=3]",
            "length[length=5]",
            "length[length=7]",
            "length[length=9]",
        ];
        let keep: Vec<bool> = experiment
            .worlds
            .iter()
            .map(|w| kept.contains(&w.name.as_str()))
            .collect();
        experiment
            .configurations
            .retain(|c| keep[c.world] && !c.label.contains("0.5"));
        assert_eq!(experiment.configurations.len(), 2 * kept.len());
        experiment.file.steps = 3000;
        let report = run_and_report(&experiment, report);
        // At this budget these must agree (the PG-against-NPG exponent does not, at the full
        // budget either).
        let must_hold = [
            "softmax PG iterations against 1/(1−γ)",
            "NPG (η = 1) iterations",
            "softmax PG iterations against H",
        ];
        for prefix in must_hold {
            let comparison = report
                .comparisons
                .iter()
                .find(|c| c.quantity.starts_with(prefix))
                .unwrap_or_else(|| panic!("no comparison {prefix}: {:?}", report.comparisons));
            assert!(comparison.agrees, "{comparison:?}");
        }
    }
}
