//! `td-fixed-point`: the TD(0) fixed point with linear features against the bounds that tie its
//! error to realizability, Bellman completeness and the data distribution, all measured exactly
//! ([`crate::exact::linear_td`]; derivations in paper-notes/linear-mdps.md, "The TD fixed point").
//!
//! Claims checked:
//!
//! - along every run of Q-NPG with the TD critic (data d^{π_t}_ν, the discounted state-action
//!   occupancy): ‖Φw_TD − Q‖ ≤ ‖ΠQ − Q‖/√(1 − γ) (the Bellman operator is a √γ-contraction in
//!   that norm) and ‖Φw_TD − Q‖ ≤ ‖(I − γM_π)⁻¹‖·(‖(I − Π)r‖ + ε_BC·‖Φw_TD‖) at every recorded
//!   step;
//! - under the stationary distribution of 20 random policies per world: Tsitsiklis & Van Roy's
//!   (1997) ‖Φw_TD − Q‖ ≤ ‖ΠQ − Q‖/(1 − γ), and its Pythagorean form 1/√(1 − γ²);
//! - linear MDPs: ε_BC = 0 and the fixed point is Q^π at every step, so the TD critic and the
//!   regression critic give the same run;
//! - realizable but incomplete features (Q^π of the policy evaluated beside the world's features) under 20
//!   random off-policy distributions per world: the fixed point is Q^π wherever it exists,
//!   although ε_BC > 0 (Zanette 2023's question, "When is realizability sufficient for off-policy
//!   reinforcement learning?", answered exactly for the population fixed point); the conditioning
//!   of the TD system, how much it magnifies estimation error, is reported beside.

use ndarray::{Array1, Array2};
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde_json::json;

use super::{
    Comparison, Entry, Report, ReportInput, present_entries, problem_with_features, significant,
};
use crate::core::error::{Error, Result};
use crate::exact::{Problem, evaluate, stationary_distribution, td_fixed_point};
use crate::plot::{Axis, Line, Panel, Scatter};
use crate::world::FeatureMap;

pub fn entry() -> Entry {
    Entry {
        name: "td-fixed-point",
        summary: "the TD fixed point against realizability and Bellman completeness, measured exactly (Tsitsiklis & Van Roy 1997; Zanette 2023)",
        experiment: include_str!("../../../experiments/td-fixed-point.toml"),
        report,
    }
}

const TD: &str = "Q-NPG, TD critic";
const REGRESSION: &str = "Q-NPG, regression critic";
/// Random policies and distributions per world.
const SAMPLES: usize = 20;
/// The seed of the report's random policies and distributions.
const SEED: u64 = 2023;
/// Rounding for exact identities (relative to max |Q|).
const EXACT: f64 = 1e-9;

/// A random stochastic policy: π(·|s) = softmax of 2·N(0, 1) logits.
fn random_policy(states: usize, actions: usize, rng: &mut ChaCha8Rng) -> Array2<f64> {
    let mut pi = Array2::from_shape_fn((states, actions), |_| {
        let u: f64 = rand_distr::Distribution::sample(&rand_distr::StandardNormal, rng);
        (2.0 * u).exp()
    });
    for mut row in pi.rows_mut() {
        let total = row.sum();
        row /= total;
    }
    pi
}

/// A random distribution over state-action pairs, positive everywhere (Dirichlet(1)).
fn random_distribution(states: usize, actions: usize, rng: &mut ChaCha8Rng) -> Array2<f64> {
    let mut mu = Array2::from_shape_fn((states, actions), |_| {
        -(1.0 - rng.random::<f64>()).ln() + 1e-3
    });
    let total = mu.sum();
    mu /= total;
    mu
}

/// Per world: the stationary checks over random policies and the realizable off-policy checks.
#[derive(Debug, Default)]
struct WorldChecks {
    /// Largest error/(projection error/(1 − γ)) and /(…/√(1 − γ²)) under the stationary μ.
    stationary_theorem: f64,
    stationary_pythagorean: f64,
    /// The largest ‖Φw − Q‖/max|Q| under the stationary μ where Q^π ∈ span φ (the ratios are
    /// then 0/0 and the bound says the error is 0).
    realizable_on_policy: f64,
    /// Realizable features: largest ‖Φw − Q‖/max|Q| where the fixed point exists, how many of the
    /// tries had one, the smallest ε_BC among them and the largest conditioning.
    realizable_error: f64,
    realizable_solved: usize,
    realizable_violation: f64,
    realizable_conditioning: f64,
}

fn world_checks(problem: &Problem, features: &FeatureMap, seed: u64) -> Result<WorldChecks> {
    let mdp = &problem.mdp;
    let (states, actions) = (mdp.n_states(), mdp.n_actions());
    let gamma = mdp.gamma();
    let mut rng = ChaCha8Rng::seed_from_u64(SEED ^ seed);
    let mut checks = WorldChecks {
        realizable_violation: f64::INFINITY,
        ..WorldChecks::default()
    };
    for _ in 0..SAMPLES {
        let pi = random_policy(states, actions, &mut rng);
        let stationary = stationary_distribution(mdp, pi.view())?;
        let on = td_fixed_point(mdp, features, pi.view(), &stationary)?;
        let scale = on.q.iter().fold(1.0f64, |m, x| m.max(x.abs()));
        if on.projection_error > EXACT * scale {
            checks.stationary_theorem = checks
                .stationary_theorem
                .max(on.error * (1.0 - gamma) / on.projection_error);
            checks.stationary_pythagorean = checks
                .stationary_pythagorean
                .max(on.error * (1.0 - gamma * gamma).sqrt() / on.projection_error);
        } else {
            // Q^π ∈ span φ (to rounding): the bound says the error is 0 too.
            checks.realizable_on_policy = checks.realizable_on_policy.max(on.error / scale);
        }

        // Realizable: Q^π beside the world's features, under a random distribution.
        let q = evaluate(mdp, pi.view())?.q;
        let scale = q.iter().fold(1.0f64, |m, x| m.max(x.abs()));
        let d = features.dimension();
        let mut table = Array2::zeros((states * actions, d + 1));
        table
            .column_mut(0)
            .assign(&Array1::from_iter(q.iter().copied()));
        table
            .slice_mut(ndarray::s![.., 1..])
            .assign(features.table());
        let realizable = FeatureMap::new(states, actions, table)?;
        let mu = random_distribution(states, actions, &mut rng);
        match td_fixed_point(mdp, &realizable, pi.view(), &mu) {
            Ok(off) => {
                checks.realizable_solved += 1;
                checks.realizable_error = checks.realizable_error.max(off.error / scale);
                checks.realizable_violation =
                    checks.realizable_violation.min(off.completeness_violation);
                checks.realizable_conditioning =
                    checks.realizable_conditioning.max(off.conditioning);
            }
            Err(Error::Numerical { .. }) => {}
            Err(other) => return Err(other),
        }
    }
    Ok(checks)
}

/// The ratios along one TD-critic run: (step, error/(projection/√(1 − γ))) and the largest
/// error/completeness bound.
struct RunRatios {
    contraction: Vec<(f64, f64)>,
    completeness: f64,
    largest_violation: f64,
    largest_error: f64,
    /// The largest ‖Φw − Q‖ at the steps where ‖ΠQ − Q‖ is 0 to rounding.
    exact_error: f64,
}

fn run_ratios(input: &ReportInput<'_>, world: &str, gamma: f64) -> Result<Option<RunRatios>> {
    let filter = [("world", world), ("label", TD)];
    let series = |metric: &str| input.table.trajectory(&filter, "step", metric);
    let error = series("td_error")?;
    if error.is_empty() {
        return Ok(None);
    }
    let projection = series("td_projection_error")?;
    let reward = series("td_reward_residual")?;
    let violation = series("completeness_violation")?;
    let norm = series("td_fitted_norm")?;
    let amplification = series("td_amplification")?;
    let mut ratios = RunRatios {
        contraction: Vec::new(),
        completeness: 0.0,
        largest_violation: violation.iter().map(|p| p.1).fold(0.0, f64::max),
        largest_error: error.iter().map(|p| p.1).fold(0.0, f64::max),
        exact_error: 0.0,
    };
    for i in 0..error.len() {
        let (step, e) = error[i];
        if projection[i].1 > EXACT {
            ratios
                .contraction
                .push((step, e * (1.0 - gamma).sqrt() / projection[i].1));
        } else {
            // Q^π ∈ span φ (to rounding): the bound says the error is 0 too.
            ratios.exact_error = ratios.exact_error.max(e);
        }
        // The amplification is recorded only where the distribution is positive everywhere.
        if let Some(&(_, a)) = amplification.iter().find(|p| p.0 == step) {
            let bound = a * (reward[i].1 + violation[i].1 * norm[i].1);
            if bound > 0.0 {
                ratios.completeness = ratios.completeness.max(e / bound);
            }
        }
    }
    Ok(Some(ratios))
}

fn report(input: &ReportInput<'_>) -> Result<Report> {
    let present = input.table.distinct("world")?;
    let entries = present_entries(input, &present);
    let mut comparisons = Vec::new();
    let mut numbers = serde_json::Map::new();
    let mut contraction_panel = Panel::new(
        "TD critic along Q-NPG: ‖Φw − Q‖/(‖ΠQ − Q‖/√(1 − γ)) where ‖ΠQ − Q‖ > 0",
        Axis::linear("iteration t"),
        Axis::linear("ratio (≤ 1)"),
    );
    let mut gap_panel = Panel::new(
        "Q-NPG with the TD critic and with the regression",
        Axis::log("iteration t + 1"),
        Axis::log("V*(ρ) − V^π_t(ρ)"),
    );
    let mut stationary_points = Vec::new();
    for (color, entry_name) in entries.iter().enumerate() {
        let worlds: Vec<_> = input
            .experiment
            .worlds
            .iter()
            .filter(|w| &w.entry == entry_name && present.contains(&w.name))
            .collect();
        let (mut contraction, mut completeness, mut exact_error) = (0.0f64, 0.0f64, 0.0f64);
        let (mut violation, mut td_error) = (0.0f64, 0.0f64);
        let (mut theorem, mut pythagorean) = (0.0f64, 0.0f64);
        let (mut realizable, mut solved, mut tries) = (0.0f64, 0, 0);
        let (mut least_violation, mut conditioning) = (f64::INFINITY, 0.0f64);
        let mut gap_difference = 0.0f64;
        let mut drawn = false;
        let mut final_gaps = Vec::new();
        for (k, world) in worlds.iter().enumerate() {
            let (problem, features) = problem_with_features(world)?;
            let gamma = problem.mdp.gamma();
            if let Some(ratios) = run_ratios(input, &world.name, gamma)? {
                contraction = ratios
                    .contraction
                    .iter()
                    .map(|p| p.1)
                    .fold(contraction, f64::max);
                completeness = completeness.max(ratios.completeness);
                exact_error = exact_error.max(ratios.exact_error);
                violation = violation.max(ratios.largest_violation);
                td_error = td_error.max(ratios.largest_error);
                // Named on the first line drawn; none where every step had Q^π ∈ span φ.
                if !ratios.contraction.is_empty() {
                    let name = if drawn {
                        String::new()
                    } else {
                        entry_name.clone()
                    };
                    drawn = true;
                    contraction_panel =
                        contraction_panel.with(Line::new(name, ratios.contraction).color(color));
                }
            }
            let gap = |label: &str| {
                input.table.trajectory(
                    &[("world", world.name.as_str()), ("label", label)],
                    "step",
                    "gap",
                )
            };
            let (td_gap, regression_gap) = (gap(TD)?, gap(REGRESSION)?);
            for (a, b) in td_gap.iter().zip(&regression_gap) {
                gap_difference = gap_difference.max((a.1 - b.1).abs());
            }
            final_gaps.push(json!({
                "world": world.name,
                "td_critic": td_gap.last().map(|p| p.1),
                "regression_critic": regression_gap.last().map(|p| p.1),
            }));
            if k == 0 {
                for (label, series, dashed) in
                    [(TD, &td_gap, false), (REGRESSION, &regression_gap, true)]
                {
                    let points: Vec<(f64, f64)> = series
                        .iter()
                        .filter(|p| p.1 > 0.0)
                        .map(|&(t, g)| (t + 1.0, g))
                        .collect();
                    let line = Line::new(format!("{entry_name}: {label}"), points).color(color);
                    gap_panel = gap_panel.with(if dashed { line.dashed() } else { line });
                }
            }
            let checks = world_checks(problem, features, k as u64)?;
            theorem = theorem.max(checks.stationary_theorem);
            exact_error = exact_error.max(checks.realizable_on_policy);
            pythagorean = pythagorean.max(checks.stationary_pythagorean);
            if checks.stationary_pythagorean > 0.0 {
                stationary_points.push((color as f64, checks.stationary_pythagorean));
            }
            realizable = realizable.max(checks.realizable_error);
            solved += checks.realizable_solved;
            tries += SAMPLES;
            least_violation = least_violation.min(checks.realizable_violation);
            conditioning = conditioning.max(checks.realizable_conditioning);
        }
        let n = worlds.len();
        comparisons.push(Comparison::new(
            format!(
                "{entry_name}: TD critic along Q-NPG, largest ‖Φw − Q‖/(‖ΠQ − Q‖/√(1 − γ)); where ‖ΠQ − Q‖ = 0, largest ‖Φw − Q‖"
            ),
            "≤ 1; 0: under d^π_ν the Bellman operator is a √γ-contraction (paper-note derivation)",
            format!("{}; {}", significant(contraction, 3), significant(exact_error, 2)),
            contraction <= 1.0 + 1e-9 && exact_error <= EXACT,
        ));
        comparisons.push(Comparison::new(
            format!("{entry_name}: largest ‖Φw − Q‖/(‖(I − γM)⁻¹‖·(‖(I − Π)r‖ + ε_BC‖Φw‖))"),
            "≤ 1 under every distribution (paper-note derivation)",
            significant(completeness, 3),
            completeness <= 1.0 + 1e-9,
        ));
        let linear = violation <= 1e-10;
        if !linear {
            // Where span φ is complete these are the linear comparison's zeros again.
            comparisons.push(Comparison::new(
                format!(
                    "{entry_name}: stationary μ, {} random policies, largest error/(‖ΠQ − Q‖/(1 − γ)) and /(‖ΠQ − Q‖/√(1 − γ²)) (where ‖ΠQ − Q‖ > 0)",
                    SAMPLES * n
                ),
                "≤ 1 and ≤ 1 (Tsitsiklis & Van Roy 1997, Thm 1 with λ = 0; its Pythagorean form)",
                format!("{}, {}", significant(theorem, 3), significant(pythagorean, 3)),
                theorem <= 1.0 + 1e-9 && pythagorean <= 1.0 + 1e-9,
            ));
            comparisons.push(Comparison::new(
                format!(
                    "{entry_name}: realizable features [Q^π, φ], random off-policy μ: largest ‖Φw_TD − Q^π‖/max|Q| where the fixed point exists"
                ),
                "0: realizability alone gives Q^π (LSTD-Q's population fixed point; Zanette 2023's setting)",
                format!(
                    "{} ({solved} of {tries} solvable; smallest ε_BC {}; largest conditioning {})",
                    significant(realizable, 2),
                    significant(least_violation, 3),
                    significant(conditioning, 3)
                ),
                realizable <= EXACT && solved > 0 && least_violation > 1e-6,
            ));
        }
        if linear {
            comparisons.push(Comparison::new(
                format!(
                    "{entry_name}: ε_BC and ‖Φw_TD − Q‖ along the runs; |gap(TD) − gap(regression)|"
                ),
                "0, 0, 0: span φ is closed under every M_π in a linear MDP (Jin et al. 2020)",
                format!(
                    "{}, {}, {}",
                    significant(violation, 2),
                    significant(td_error, 2),
                    significant(gap_difference, 2)
                ),
                td_error <= 1e-9 && gap_difference <= 1e-9,
            ));
        }
        numbers.insert(
            entry_name.clone(),
            json!({
                "largest_error_where_realizable": exact_error,
                "td_contraction_ratio": contraction, "completeness_ratio": completeness,
                "largest_completeness_violation": violation, "largest_td_error": td_error,
                "stationary_theorem_ratio": theorem, "stationary_pythagorean_ratio": pythagorean,
                "realizable_error": realizable, "realizable_solved": solved,
                "realizable_tries": tries, "realizable_smallest_violation": least_violation,
                "realizable_largest_conditioning": conditioning,
                "largest_gap_difference": gap_difference, "final_gaps": final_gaps,
            }),
        );
    }
    let stationary_panel = Panel::new(
        "stationary μ: error/(‖ΠQ − Q‖/√(1 − γ²)) per world",
        Axis::linear("world family (0, 1, 2: the order of the file; linear MDPs have no ratio)"),
        Axis::linear("largest ratio over 20 policies (≤ 1)"),
    )
    .with(Scatter::new(
        "Tsitsiklis & Van Roy, Pythagorean form",
        stationary_points,
    ));
    Ok(Report::in_two_columns(
        input,
        vec![contraction_panel, gap_panel, stationary_panel],
        numbers,
        comparisons,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::experiment::reproduce::{assert_all_agree, quick_report};

    /// The quick budget on the linear MDP and the 6-feature Garnet: every claim holds.
    #[test]
    fn quick_budget_agrees() {
        let report = quick_report(&entry(), |world| !world.entry.contains("18"));
        assert_all_agree(&report);
        assert_eq!(report.comparisons.len(), 7, "{:?}", report.comparisons);
    }
}
