//! `li2021-exponential`: Li, Wei, Chi & Chen (2023), "Softmax policy gradient methods can take
//! exponential time to converge" (Mathematical Programming 201:707–802; arXiv 2102.11270, revised
//! December 2022; COLT 2021 with Yuantao Gu).
//!
//! Claim checked (Theorem 1): on their chain (with §4.3 Step 7's boosters), exact softmax PG from
//! the uniform policy with ρ uniform needs at least (c₁/η)·|S|^{2^{c₂/(1−γ)}} iterations before the
//! average sub-optimality (1/|S|)·Σ_s [V*(s) − V^{(t)}(s)] falls below 0.07, while NPG's count is
//! bounded independently of |S| (Agarwal et al. 2021, Theorem 5.3:
//! T ≤ (log|A|/η + 1/(1−γ)²)/ε). Every run stops at that target, so a run's last step is its
//! iteration count. Measured on the paper's construction at its proportions: the count against
//! 1/(1−γ) (γ sweep) and against |S| at two discounts (size sweeps), next to NPG's, and the 1/η
//! factor. The size sweeps test the theorem's |S|-exponent at sizes that run here, far below its
//! |S| ≥ c₃(1−γ)⁻⁶ (see paper-notes/li2021-exponential.md for what that shows).

use serde_json::json;

use super::{Comparison, Entry, Report, ReportInput, loglog_fit, significant, steps_to_target};
use crate::core::error::{Error, Result};
use crate::experiment::world_spec::WorldKind;
use crate::plot::{Axis, Figure, Line, Panel, Reference, Scatter};

/// Li et al.'s target for the average sub-optimality (Theorem 1).
const TARGET: f64 = 0.07;
/// The largest action count of the chain (a0, a1, a2).
const ACTIONS: f64 = 3.0;

pub fn entry() -> Entry {
    Entry {
        name: "li2021-exponential",
        summary: "iterations of softmax PG to average sub-optimality 0.07 on Li et al.'s chain \
                  as γ and |S| grow, against NPG",
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

/// The size sweeps (world entries `size-γ`): a panel of iterations against |S| and, per sweep,
/// the comparisons of softmax PG's log-log slope and NPG's flatness; returns (γ, PG slope) per
/// sweep, in the file's order.
fn size_sweeps(
    chains: &[Chain],
    comparisons: &mut Vec<Comparison>,
    numbers: &mut serde_json::Map<String, serde_json::Value>,
) -> Result<(Panel, Vec<(f64, f64)>)> {
    let mut panel = Panel::new(
        "size sweeps (all sets ∝ |S|)",
        Axis::log("states |S|"),
        Axis::log("iterations to gap < 0.07"),
    );
    let mut entries: Vec<&str> = Vec::new();
    for chain in chains.iter().filter(|c| c.entry.starts_with("size-")) {
        if !entries.contains(&chain.entry.as_str()) {
            entries.push(&chain.entry);
        }
    }
    let mut slopes = Vec::new();
    let mut fits = Vec::new();
    for (index, entry) in entries.iter().enumerate() {
        let sweep: Vec<&Chain> = chains.iter().filter(|c| c.entry == *entry).collect();
        let gamma = sweep[0].gamma;
        let pg = points(&sweep, |c| c.states as f64, |c| c.pg);
        let npg = points(&sweep, |c| c.states as f64, |c| c.npg);
        panel = panel
            .with(Line::new(format!("softmax PG, γ = {gamma}"), pg.clone()).color(2 * index))
            .with(Scatter::new("", pg.clone()).color(2 * index))
            .with(Line::new(format!("NPG, γ = {gamma}"), npg.clone()).color(2 * index + 1));
        if pg.len() < sweep.len() || npg.len() < sweep.len() {
            comparisons.push(Comparison::new(
                format!("size sweep at γ = {gamma}: chains that reached the target"),
                "every chain (for the |S|-exponent to be measured)",
                format!(
                    "softmax PG {} of {}, NPG {} of {}",
                    pg.len(),
                    sweep.len(),
                    npg.len(),
                    sweep.len()
                ),
                false,
            ));
            continue;
        }
        if pg.len() < 3 {
            continue;
        }
        let fit = loglog_fit(&pg)?;
        panel = panel.note(format!(
            "γ = {gamma}: softmax PG ∝ |S|^{}",
            significant(fit.slope, 3)
        ));
        comparisons.push(Comparison::new(
            format!(
                "softmax PG iterations against |S| ∈ [{}, {}] at γ = {gamma} (log-log slope)",
                pg[0].0,
                pg[pg.len() - 1].0
            ),
            "at least 1: (c₁/η)·|S|^{2^{c₂/(1−γ)}} (Theorem 1, for |S| ≥ c₃(1−γ)⁻⁶)",
            format!(
                "{}; counts {} → {}",
                slope_text(&fit),
                pg[0].1,
                pg[pg.len() - 1].1
            ),
            fit.slope >= 1.0,
        ));
        let (low, high) = npg
            .iter()
            .fold((f64::INFINITY, 0.0_f64), |(l, h), &(_, n)| {
                (l.min(n), h.max(n))
            });
        comparisons.push(Comparison::new(
            format!("NPG iterations against |S| at γ = {gamma}"),
            "independent of |S| (Agarwal et al. 2021, Theorem 5.3)",
            format!(
                "{low} to {high} over a {}-fold range of |S|",
                pg[pg.len() - 1].0 / pg[0].0
            ),
            high <= 1.5 * low,
        ));
        slopes.push((gamma, fit.slope));
        fits.push(json!({
            "gamma": gamma, "pg_loglog_slope_in_states": fit.slope, "pg_ci95": fit.slope_ci95,
            "npg_min": low, "npg_max": high,
        }));
    }
    numbers.insert("size_sweep_fits".into(), json!(fits));
    slopes.sort_by(|a, b| a.0.total_cmp(&b.0));
    Ok((panel, slopes))
}

fn report(input: &ReportInput<'_>) -> Result<Report> {
    let chains = chains(input)?;
    let gamma_sweep: Vec<&Chain> = chains
        .iter()
        .filter(|c| c.entry.starts_with("gamma-"))
        .collect();
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
        "γ sweep (m = 4 boosters per set, H = ⌊0.185/(1−γ)⌋)",
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

    // Panel 2: iterations against |S| at fixed γ, every set growing with |S|.
    let (size_panel, size_slopes) = size_sweeps(&chains, &mut comparisons, &mut numbers)?;
    if let [(low_gamma, low), .., (high_gamma, high)] = size_slopes.as_slice() {
        comparisons.push(Comparison::new(
            format!("softmax PG's |S|-exponent at γ = {high_gamma} against γ = {low_gamma}"),
            "larger: the exponent 2^{c₂/(1−γ)} grows with γ (Theorem 1)",
            format!("{} against {}", significant(*high, 3), significant(*low, 3)),
            high > low,
        ));
    }

    // The 1/η factor of Theorem 1, on the chain of the small-step run.
    let small_step = "softmax PG, η = 0.1";
    let ran_small = input
        .table
        .distinct("label")?
        .iter()
        .any(|l| l == small_step);
    let small = chains.iter().find_map(|c| {
        let slow = iterations(input, &c.world, small_step).ok().flatten()?;
        Some((c, slow, c.pg?))
    });
    if ran_small && small.is_none() {
        comparisons.push(Comparison::new(
            "iterations(η = 0.1)/iterations(η = 1), softmax PG",
            "10: the count carries a factor 1/η (Theorem 1)",
            "a run did not reach the target within the budget",
            false,
        ));
    }
    if let Some((chain, slow, full)) = small {
        let ratio = slow / full;
        comparisons.push(Comparison::new(
            format!(
                "iterations(η = 0.1)/iterations(η = 1), softmax PG, γ = {}, H = {}",
                chain.gamma, chain.length
            ),
            "10: the count carries a factor 1/η (Theorem 1)",
            format!("{slow}/{full} = {}", significant(ratio, 4)),
            (ratio - 10.0).abs() < 0.5,
        ));
        numbers.insert(
            "step_size_scaling".into(),
            json!({"world": chain.world, "eta_1": full, "eta_0_1": slow, "ratio": ratio}),
        );
    }

    // Panel 3: the gap trajectories on the hardest chain whose PG run reached the target.
    let hardest = gamma_sweep.iter().rev().find(|c| c.pg.is_some()).copied();
    let mut panels = vec![horizon_panel, size_panel];
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
    fn reduced_budget_checks_npg_against_its_guarantee_and_the_size() {
        // A reduced budget (the test build is unoptimized): the γ = 0.96 chain and a size sweep
        // at γ = 0.96 over |S| = 26, 51, 102 (m = 1, 2, 4) instead of the file's at 0.97.
        let text = entry()
            .experiment
            .replace(
                "name = \"size-0.97\"\ngenerator = \"li2021-chain\"\nparams = { gamma = 0.97 }\n\
                 grid = { paper_states = [68, 136, 272, 544] }",
                "name = \"size-0.96\"\ngenerator = \"li2021-chain\"\nparams = { gamma = 0.96 }\n\
                 grid = { paper_states = [26, 51, 102] }",
            )
            .replace(
                "\"size-0.97\" = { paper_states = [68, 136, 272] }",
                "\"size-0.96\" = { paper_states = [26, 51] }",
            );
        let mut experiment = Experiment::from_text(
            &text,
            Path::new("experiments/li2021-exponential.toml"),
            false,
        )
        .unwrap();
        let kept = [
            "gamma-0.96",
            "size-0.96[paper_states=26]",
            "size-0.96[paper_states=51]",
            "size-0.96[paper_states=102]",
        ];
        let keep: Vec<bool> = experiment
            .worlds
            .iter()
            .map(|w| kept.contains(&w.name.as_str()))
            .collect();
        experiment
            .configurations
            .retain(|c| keep[c.world] && !c.label.contains("0.1"));
        assert_eq!(experiment.configurations.len(), 2 * kept.len());
        let report = run_and_report(&experiment, report);
        for prefix in [
            "NPG (η = 1) iterations",
            "NPG iterations against |S| at γ = 0.96",
        ] {
            let comparison = report
                .comparisons
                .iter()
                .find(|c| c.quantity.starts_with(prefix))
                .unwrap_or_else(|| panic!("no comparison {prefix}: {:?}", report.comparisons));
            assert!(comparison.agrees, "{comparison:?}");
        }
        // Softmax PG needs more iterations on every larger chain of the size sweep (how much
        // more is the entry's finding, not asserted here).
        let fits = &report.numbers["size_sweep_fits"][0];
        assert!(
            fits["pg_loglog_slope_in_states"].as_f64().unwrap() > 0.3,
            "{fits}"
        );
    }
}
