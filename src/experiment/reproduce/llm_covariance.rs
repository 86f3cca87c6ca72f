//! `llm-covariance`: Cui et al. (2025), "The Entropy Mechanism of Reinforcement Learning for
//! Reasoning Language Models" (arXiv 2505.22617), §3, step by step on a small transformer.
//!
//! Theorems 1–2 say one policy-gradient step changes the entropy by about −η·Cov(log π, A) (for
//! natural PG; PG weighs A by π), and §3.3 (Fig. 8) shows the covariance positive throughout
//! on-policy GRPO while the entropy falls. Each step of the runs records the measured change ΔH
//! (entropy of the step's own contexts before and after its update, free of sampling noise), the
//! token covariance Cov(log π, A) over the batch (`cov_token`, Eq. 10) and the per-group covariance
//! of the length-normalized log-probability with the advantage (`cov_group`, Eq. 9). With AdamW
//! the step in logit space is not η·A, so the prediction is ΔH ≈ −c·Cov with c fitted.
//!
//! Claims checked: (1) Cov > 0 at most steps (Fig. 8); (2) −ΔH and Cov are positively correlated
//! (Pearson r, 95% Fisher-z interval above 0); (3) the sign of ΔH is the sign of −Cov at most steps
//! (at least 70%); (4) c fitted on the first half of each run predicts the second half's ΔH better
//! than a zero change (out-of-sample R² > 0).

use serde_json::json;

use super::{Comparison, Entry, Report, ReportInput, significant};
use crate::core::error::{Error, Result};
use crate::experiment::table::Trajectory;
use crate::metrics::least_squares::fit_line;
use crate::plot::{Axis, Line, Panel, Reference, Scatter};

pub fn entry() -> Entry {
    Entry {
        name: "llm-covariance",
        summary: "each step's entropy change against Cov(log π, A) on on-policy PG steps",
        experiment: include_str!("../../../experiments/llm-covariance.toml"),
        report,
    }
}

/// One step: (run index, step, covariance, measured ΔH).
#[derive(Debug, Clone, Copy)]
struct StepPoint {
    run: usize,
    step: f64,
    cov: f64,
    dh: f64,
}

/// The steps of every run where the update happened (informative groups), for covariance `name`.
fn points(input: &ReportInput<'_>, name: &str) -> Result<(Vec<StepPoint>, Vec<String>)> {
    let mut all = Vec::new();
    let mut runs = Vec::new();
    for world in input.table.distinct("world")? {
        let filter = [("world", world.as_str())];
        let covs = input.table.trajectories(&filter, "step", name)?;
        let dhs = input.table.trajectories(&filter, "step", "dH")?;
        let informative = input.table.trajectories(&filter, "step", "informative")?;
        for (seed, ((cov, dh), info)) in covs.iter().zip(&dhs).zip(&informative).enumerate() {
            let run = runs.len();
            runs.push(format!("{world}, seed {seed}"));
            for ((&(t, c), &(u, d)), &(v, i)) in cov.iter().zip(dh).zip(info) {
                if t == u && t == v && i > 0.0 {
                    all.push(StepPoint {
                        run,
                        step: t,
                        cov: c,
                        dh: d,
                    });
                }
            }
        }
    }
    if all.len() < 4 {
        return Err(Error::invalid(
            name,
            format!("{} informative step(s)", all.len()),
            "at least 4 steps with an update in the results",
        ));
    }
    Ok((all, runs))
}

/// Pearson's r of (x, y) and its 95% interval from Fisher's z = atanh(r) ± 1.96/√(n − 3).
fn correlation(x: &[f64], y: &[f64]) -> Result<(f64, (f64, f64))> {
    if x.len() != y.len() || x.len() < 3 || x.iter().chain(y).any(|v| !v.is_finite()) {
        return Err(Error::invalid(
            "covariance",
            format!("{} and {} values", x.len(), y.len()),
            "as many finite values of each, at least 3",
        ));
    }
    let line = fit_line(x, y, "covariance")?;
    let r = line.r_squared().max(0.0).sqrt().copysign(line.slope);
    let n = x.len() as f64;
    let half = 1.96 / (n - 3.0).max(1.0).sqrt();
    let z = r.clamp(-0.999_999, 0.999_999).atanh();
    Ok((r, ((z - half).tanh(), (z + half).tanh())))
}

/// The least-squares c of ΔH ≈ −c·Cov through the origin.
fn through_origin(points: &[&StepPoint]) -> f64 {
    let sxy: f64 = points.iter().map(|p| p.cov * -p.dh).sum();
    let sxx: f64 = points.iter().map(|p| p.cov * p.cov).sum();
    if sxx > 0.0 { sxy / sxx } else { 0.0 }
}

/// Analysis of one covariance measure.
struct Analysis {
    r: f64,
    interval: (f64, f64),
    positive_share: f64,
    sign_share: f64,
    c: f64,
    out_of_sample_r2: f64,
    points: usize,
}

fn analyse(points: &[StepPoint], runs: usize) -> Result<Analysis> {
    let x: Vec<f64> = points.iter().map(|p| p.cov).collect();
    let y: Vec<f64> = points.iter().map(|p| -p.dh).collect();
    let (r, interval) = correlation(&x, &y)?;
    let n = points.len() as f64;
    let positive_share = points.iter().filter(|p| p.cov > 0.0).count() as f64 / n;
    let sign_share = points
        .iter()
        .filter(|p| p.dh != 0.0 && p.dh.signum() == -p.cov.signum())
        .count() as f64
        / n;
    let c = through_origin(&points.iter().collect::<Vec<_>>());
    // Per run: c from the first half of its steps, predictions on the second half.
    let (mut residual, mut total) = (0.0, 0.0);
    for run in 0..runs {
        let steps: Vec<&StepPoint> = points.iter().filter(|p| p.run == run).collect();
        if steps.len() < 4 {
            continue;
        }
        let half = steps.len() / 2;
        let c_early = through_origin(&steps[..half]);
        for p in &steps[half..] {
            residual += (p.dh + c_early * p.cov).powi(2);
            total += p.dh.powi(2);
        }
    }
    let out_of_sample_r2 = if total > 0.0 {
        1.0 - residual / total
    } else {
        f64::NAN
    };
    Ok(Analysis {
        r,
        interval,
        positive_share,
        sign_share,
        c,
        out_of_sample_r2,
        points: points.len(),
    })
}

fn report(input: &ReportInput<'_>) -> Result<Report> {
    let mut panels = Vec::new();
    let mut comparisons = Vec::new();
    let mut numbers = serde_json::Map::new();
    for (name, title, equation) in [
        (
            "cov_token",
            "token covariance (Eq. 10)",
            "Cov over the batch's tokens",
        ),
        (
            "cov_group",
            "group covariance (§3.3)",
            "Cov per prompt group, averaged",
        ),
    ] {
        let (steps, runs) = points(input, name)?;
        let a = analyse(&steps, runs.len())?;
        let scatter: Vec<(f64, f64)> = steps.iter().map(|p| (p.cov, -p.dh)).collect();
        let (lo, hi) = steps
            .iter()
            .fold((f64::INFINITY, f64::NEG_INFINITY), |(l, h), p| {
                (l.min(p.cov), h.max(p.cov))
            });
        panels.push(
            Panel::new(
                format!("−ΔH against the {title}"),
                Axis::linear(equation),
                Axis::linear("entropy drop −ΔH of the step (nats per token)"),
            )
            .with(Scatter::new(format!("{} steps", steps.len()), scatter).color(0))
            .with(Reference::curve(
                format!("−ΔH = c·Cov, c = {}", significant(a.c, 3)),
                vec![(lo.min(0.0), a.c * lo.min(0.0)), (hi, a.c * hi)],
            ))
            .note(format!(
                "r = {} [{}, {}]; Cov > 0 at {:.0}% of steps; sign(ΔH) = −sign(Cov) at {:.0}%",
                significant(a.r, 3),
                significant(a.interval.0, 3),
                significant(a.interval.1, 3),
                a.positive_share * 100.0,
                a.sign_share * 100.0
            )),
        );
        comparisons.push(Comparison::new(
            format!("{title}: share of steps with Cov > 0"),
            "positive throughout training (§3.3, Fig. 8)",
            format!("{:.0}% of {} steps", a.positive_share * 100.0, a.points),
            a.positive_share >= 0.9,
        ));
        comparisons.push(Comparison::new(
            format!("{title}: Pearson r of −ΔH with Cov (95% interval)"),
            "−ΔH follows Cov (\"highly similar dynamics\", §3.3; Theorems 1–2)",
            format!(
                "{} [{}, {}]",
                significant(a.r, 3),
                significant(a.interval.0, 3),
                significant(a.interval.1, 3)
            ),
            a.interval.0 > 0.0,
        ));
        comparisons.push(Comparison::new(
            format!("{title}: share of steps where ΔH has the sign of −Cov"),
            "entropy falls when Cov > 0 and rises when Cov < 0 (Theorems 1–2)",
            format!("{:.0}%", a.sign_share * 100.0),
            a.sign_share >= 0.7,
        ));
        comparisons.push(Comparison::new(
            format!("{title}: out-of-sample R² of ΔH ≈ −c·Cov (c from each run's first half)"),
            "ΔH ≈ −η·Cov to first order (Theorem 2; c stands in for η under AdamW)",
            significant(a.out_of_sample_r2, 3),
            a.out_of_sample_r2 > 0.0,
        ));
        // Per run: the mean entropy drop and the correlation within the run.
        let per_run: Vec<serde_json::Value> = runs
            .iter()
            .enumerate()
            .map(|(k, run)| {
                let steps: Vec<&StepPoint> = steps.iter().filter(|p| p.run == k).collect();
                let x: Vec<f64> = steps.iter().map(|p| p.cov).collect();
                let y: Vec<f64> = steps.iter().map(|p| -p.dh).collect();
                let r = correlation(&x, &y).map(|(r, _)| r).ok();
                let mean_drop = y.iter().sum::<f64>() / y.len().max(1) as f64;
                json!({"run": run, "steps": steps.len(), "mean_entropy_drop": mean_drop,
                    "pearson_r_within_run": r})
            })
            .collect();
        numbers.insert(
            name.to_string(),
            json!({"pearson_r": a.r, "ci95": [a.interval.0, a.interval.1],
                "positive_share": a.positive_share, "sign_agreement": a.sign_share,
                "c_through_origin": a.c, "out_of_sample_r2": a.out_of_sample_r2,
                "steps": a.points, "runs": per_run}),
        );
        if name == "cov_token" {
            // The first run, step by step: measured −ΔH and the fitted −c·Cov.
            let first: Vec<&StepPoint> = steps.iter().filter(|p| p.run == 0).collect();
            let measured: Trajectory = first.iter().map(|p| (p.step, -p.dh)).collect();
            let predicted: Trajectory = first.iter().map(|p| (p.step, a.c * p.cov)).collect();
            panels.push(
                Panel::new(
                    format!("{}: step by step", runs.first().map_or("", |r| r.as_str())),
                    Axis::linear("RL step"),
                    Axis::linear("entropy drop (nats per token)"),
                )
                .with(Line::new("measured −ΔH", measured).color(0))
                .with(Line::new("c·Cov (token)", predicted).dashed().color(1)),
            );
        }
    }
    // How closely the two covariances move together within each run.
    let mut together = Vec::new();
    for world in input.table.distinct("world")? {
        let filter = [("world", world.as_str())];
        let token = input.table.trajectories(&filter, "step", "cov_token")?;
        let group = input.table.trajectories(&filter, "step", "cov_group")?;
        for (seed, (t, g)) in token.iter().zip(&group).enumerate() {
            let x: Vec<f64> = t.iter().map(|p| p.1).collect();
            let y: Vec<f64> = g.iter().map(|p| p.1).collect();
            let r = correlation(&x, &y).map(|(r, _)| r).ok();
            together.push(json!({"run": format!("{world}, seed {seed}"), "pearson_r": r}));
        }
    }
    numbers.insert("token_group_correlation".into(), json!(together));
    Ok(Report::in_two_columns(input, panels, numbers, comparisons))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::experiment::reproduce::llm_series::{keep_world, reduced};
    use crate::experiment::reproduce::run_and_report;

    #[test]
    fn pearson_r_and_its_interval() {
        let x = [1.0, 2.0, 3.0, 4.0, 5.0];
        let (r, (lo, hi)) = correlation(&x, &[2.0, 4.0, 6.0, 8.0, 10.0]).unwrap();
        assert!((r - 1.0).abs() < 1e-12 && lo > 0.99 && hi <= 1.0);
        let (r, _) = correlation(&x, &[5.0, 4.0, 3.0, 2.0, 1.0]).unwrap();
        assert!((r + 1.0).abs() < 1e-12);
        // r of (1,2,3,4,5) with (2,1,4,3,5): S_xy = 8, S_xx = S_yy = 10, so r = 0.8.
        let (r, (lo, hi)) = correlation(&x, &[2.0, 1.0, 4.0, 3.0, 5.0]).unwrap();
        assert!((r - 0.8).abs() < 1e-12, "{r}");
        // Fisher: atanh(0.8) ± 1.96/√2.
        let z = 0.8f64.atanh();
        assert!((lo - (z - 1.96 / 2f64.sqrt()).tanh()).abs() < 1e-12);
        assert!((hi - (z + 1.96 / 2f64.sqrt()).tanh()).abs() < 1e-12);
    }

    #[test]
    fn a_reduced_budget_analyses_both_covariances() {
        // One-digit arithmetic: the reduced SFT already answers some prompts, so groups mix right
        // and wrong answers and most steps update the policy.
        let mut experiment = reduced(&entry(), 12);
        keep_world(&mut experiment, "arithmetic");
        assert_eq!(experiment.configurations.len(), 1);
        let report = run_and_report(&experiment, report);
        assert_eq!(report.comparisons.len(), 8);
        assert!(report.numbers["cov_group"]["steps"].as_u64().unwrap() >= 4);
    }
}
