//! `policylab reproduce`: the catalogue of shipped experiments, each reproducing a paper's claim.
//!
//! An entry is an experiment file (under experiments/, compiled in so `reproduce` works from any
//! folder; catalogue experiments use generated worlds only) and a report: a function from the
//! results table to a figure, the numbers the paper-note quotes, and comparisons of our numbers
//! with the paper's. `reproduce NAME` runs the experiment (resuming into runs/reproduce/NAME),
//! writes figures/NAME.png, figures/NAME.svg and figures/NAME.json, and prints the comparisons.

pub mod agarwal2021;
pub mod agarwal2021_qnpg;
pub mod bandit_regret;
pub mod cen2022;
pub mod cui2025;
pub mod html_report;
pub mod independent_pg_potential;
pub mod klein2023;
pub mod klein2024;
pub mod li2021;
pub mod li2022_srpmd;
pub mod llm_covariance;
pub mod llm_entropy_law;
pub mod llm_interventions;
pub mod llm_series;
pub mod log_linear_npg_rate;
pub mod mappo_cooperative;
pub mod mei2020;
pub mod price_of_robustness;
pub mod qre_extragradient;
pub mod robust_pg_rates;
pub mod robust_static_dynamic;
pub mod self_play_minimax_winner;
pub mod td_fixed_point;
pub mod trust_regions;

use std::path::{Path, PathBuf};

use serde::Serialize;
use serde_json::json;

use super::runner::{RunOptions, run_experiment};
use super::spec::Experiment;
use super::store::{build_commit, git_commit};
use super::table::{ResultsTable, Trajectory};
use crate::core::error::{Error, Result};
use crate::core::files::write_atomic;
use crate::plot::{Figure, render};

/// A world's discounted problem and its feature map, or an error naming the world (the entries
/// on linear MDPs and log-linear policies).
pub fn problem_with_features(
    world: &super::world_spec::World,
) -> Result<(&crate::exact::Problem, &crate::world::FeatureMap)> {
    let missing = |what: &str| {
        Error::invalid(
            "world",
            format!("`{}` {what}", world.name),
            "discounted MDP worlds with features",
        )
    };
    let super::world_spec::WorldKind::Mdp(problem) = &world.kind else {
        return Err(missing("is not a discounted MDP"));
    };
    let features = crate::world::World::features(problem.as_ref())
        .ok_or_else(|| missing("has no features"))?;
    Ok((problem.as_ref(), features))
}

/// The world entries (`[[world]]` names) of the experiment with a world in `present`, in the
/// order of the experiment's worlds.
pub fn present_entries(input: &ReportInput<'_>, present: &[String]) -> Vec<String> {
    let mut entries: Vec<String> = Vec::new();
    for world in &input.experiment.worlds {
        if present.contains(&world.name) && !entries.contains(&world.entry) {
            entries.push(world.entry.clone());
        }
    }
    entries
}

pub use super::seed_bands::{Band, mean_and_band, mean_at_common_steps};

/// Our number next to the paper's.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Comparison {
    /// What is compared, e.g. "t·(V* − V^π_t) at t = 10⁴ (bandit)".
    pub quantity: String,
    /// The paper's number or bound, with where it is stated.
    pub paper: String,
    /// Ours.
    pub ours: String,
    /// Whether ours agrees with the claim (within the stated tolerance or bound).
    pub agrees: bool,
    /// A claim that does not reproduce here, for a reason the paper-note explains (a finding,
    /// not a failure of the run): printed as such, and `reproduce` does not exit 1 for it.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub finding: bool,
}

impl Comparison {
    pub fn new(
        quantity: impl Into<String>,
        paper: impl Into<String>,
        ours: impl Into<String>,
        agrees: bool,
    ) -> Self {
        Comparison {
            quantity: quantity.into(),
            paper: paper.into(),
            ours: ours.into(),
            agrees,
            finding: false,
        }
    }

    /// A comparison that disagrees with the paper for a reason the paper-note explains (see
    /// [`Comparison::finding`]); with `agrees` true it is an ordinary agreeing comparison.
    pub fn or_finding(
        quantity: impl Into<String>,
        paper: impl Into<String>,
        ours: impl Into<String>,
        agrees: bool,
    ) -> Self {
        Comparison {
            finding: !agrees,
            ..Comparison::new(quantity, paper, ours, agrees)
        }
    }
}

/// What a report hands back.
#[derive(Debug, Clone)]
pub struct Report {
    pub figure: Figure,
    /// The numbers the paper-note quotes (written to figures/NAME.json).
    pub numbers: serde_json::Value,
    pub comparisons: Vec<Comparison>,
}

impl Report {
    /// The common shape of a report: the experiment's title over `panels` in two columns, and
    /// the numbers as one JSON object.
    pub fn in_two_columns(
        input: &ReportInput<'_>,
        panels: Vec<crate::plot::Panel>,
        numbers: serde_json::Map<String, serde_json::Value>,
        comparisons: Vec<Comparison>,
    ) -> Report {
        Report {
            figure: Figure::new(input.experiment.file.title.clone(), panels).columns(2),
            numbers: serde_json::Value::Object(numbers),
            comparisons,
        }
    }
}

/// What a report reads.
pub struct ReportInput<'a> {
    pub experiment: &'a Experiment,
    pub table: &'a ResultsTable,
    pub quick: bool,
}

/// One catalogue entry.
pub struct Entry {
    pub name: &'static str,
    pub summary: &'static str,
    /// The experiment file's text (experiments/NAME.toml).
    pub experiment: &'static str,
    pub report: fn(&ReportInput<'_>) -> Result<Report>,
}

impl Entry {
    /// The entry's experiment, checked, with the quick or the full budget (named
    /// experiments/NAME.toml in errors).
    pub fn load(&self, quick: bool) -> Result<Experiment> {
        let source = Path::new("experiments").join(format!("{}.toml", self.name));
        Experiment::from_text(self.experiment, &source, quick)
    }
}

/// Every entry, in the order `--list` and `--all` use.
pub fn catalogue() -> Vec<Entry> {
    vec![
        mei2020::entry(),
        li2021::entry(),
        cen2022::entry(),
        agarwal2021::entry(),
        cui2025::entry(),
        trust_regions::entry(),
        bandit_regret::entry(),
        klein2023::entry(),
        klein2024::entry(),
        price_of_robustness::entry(),
        robust_pg_rates::entry(),
        robust_static_dynamic::entry(),
        li2022_srpmd::entry(),
        qre_extragradient::entry(),
        independent_pg_potential::entry(),
        self_play_minimax_winner::entry(),
        mappo_cooperative::entry(),
        agarwal2021_qnpg::entry(),
        log_linear_npg_rate::entry(),
        td_fixed_point::entry(),
        llm_entropy_law::entry(),
        llm_interventions::entry(),
        llm_covariance::entry(),
    ]
}

/// Looks an entry up by name; an unknown name gets the list.
pub fn find(name: &str) -> Result<Entry> {
    let all = catalogue();
    let names: Vec<&str> = all.iter().map(|e| e.name).collect();
    all.into_iter().find(|e| e.name == name).ok_or_else(|| {
        Error::Usage(format!(
            "no catalogue entry `{name}`; the entries are: {}",
            names.join(", ")
        ))
    })
}

/// Where `reproduce` puts things.
#[derive(Debug, Clone)]
pub struct ReproduceOptions {
    pub quick: bool,
    /// Folder of the runs (each entry in a subfolder).
    pub runs: PathBuf,
    /// Folder of the figures and numbers.
    pub figures: PathBuf,
    pub threads: Option<usize>,
    pub progress: bool,
}

/// Runs an entry's experiment (resuming) and writes its figure and numbers.
pub fn reproduce(entry: &Entry, options: &ReproduceOptions) -> Result<Report> {
    let experiment = entry.load(options.quick)?;
    let folder = if options.quick {
        format!("{}-quick", entry.name)
    } else {
        entry.name.to_string()
    };
    let out = options.runs.join(folder);
    run_experiment(
        &experiment,
        &RunOptions {
            out: out.clone(),
            threads: options.threads,
            shard: None,
            progress: options.progress,
            quick: options.quick,
        },
    )?;
    let table = ResultsTable::load(&out.join("results.csv"))?;
    let report = (entry.report)(&ReportInput {
        experiment: &experiment,
        table: &table,
        quick: options.quick,
    })
    .map_err(|e| e.in_origin(&format!("report of `{}`", entry.name)))?;
    let stem = options.figures.join(entry.name);
    render(&report.figure, &stem)?;
    let numbers = json!({
        "name": entry.name,
        "title": experiment.file.title,
        "quick": options.quick,
        "numbers": report.numbers,
        "comparisons": report.comparisons,
        "policylab_version": env!("CARGO_PKG_VERSION"),
        "git_commit": git_commit(),
        "built_from": build_commit(),
        "results": out.join("results.csv").display().to_string(),
    });
    let text = serde_json::to_string_pretty(&numbers).unwrap_or_default();
    write_atomic(
        &options.figures.join(format!("{}.json", entry.name)),
        text.as_bytes(),
    )?;
    Ok(report)
}

/// The target ε of the experiment's stop rule `gap` < ε (entries that count steps to a target).
pub fn stop_target(input: &ReportInput<'_>) -> Result<f64> {
    input
        .experiment
        .file
        .stop
        .as_ref()
        .map(|rule| rule.below)
        .ok_or_else(|| {
            Error::invalid(
                "stop",
                "no stop rule",
                "stop = { metric = \"gap\", below = ε } (the target every run stops at)",
            )
        })
}

/// The log-log slope of y against x over all the points.
pub fn loglog_fit(points: &[(f64, f64)]) -> Result<crate::metrics::rate_fit::RateFit> {
    let (x, y): (Vec<f64>, Vec<f64>) = points.iter().copied().unzip();
    let first = x.first().copied().unwrap_or(0.0);
    let last = x.last().copied().unwrap_or(0.0);
    crate::metrics::rate_fit::loglog_slope(&x, &y, (first, last))
}

/// The iteration at which a run met the experiment's stop rule `gap` < `target`: its last
/// recorded step (a stopped run's stopping step is always recorded), if the gap there is below
/// the target; `None` for a run that used its whole budget.
pub fn steps_to_target(
    table: &ResultsTable,
    world: &str,
    label: &str,
    target: f64,
) -> Result<Option<f64>> {
    steps_to_metric_target(table, world, label, "gap", target)
}

/// [`steps_to_target`] for a stop rule on any metric (`nash_conv` < ε for games).
pub fn steps_to_metric_target(
    table: &ResultsTable,
    world: &str,
    label: &str,
    metric: &str,
    target: f64,
) -> Result<Option<f64>> {
    let values = table.trajectory(&[("world", world), ("label", label)], "step", metric)?;
    Ok(values
        .last()
        .filter(|&&(_, g)| g < target)
        .map(|&(step, _)| step))
}

/// The runs of a grid over one parameter: the labels `"{base} ({parameter}=v)"` that the runner
/// writes for a `[[runs]]` entry with `label = base` and `grid = { parameter = [...] }`, with
/// their values v, smallest first.
pub fn grid_runs(labels: &[String], base: &str, parameter: &str) -> Vec<(String, f64)> {
    let prefix = format!("{base} ({parameter}=");
    let mut runs: Vec<(String, f64)> = labels
        .iter()
        .filter_map(|label| {
            let value = label.strip_prefix(&prefix)?.strip_suffix(')')?;
            Some((label.clone(), value.parse().ok()?))
        })
        .collect();
    runs.sort_by(|a, b| a.1.total_cmp(&b.1));
    runs
}

/// The value of a trajectory at `step`, if that step was recorded.
pub fn value_at(trajectory: &Trajectory, step: f64) -> Option<f64> {
    trajectory.iter().find(|(x, _)| *x == step).map(|(_, y)| *y)
}

/// A final gap over the linear-rate bound of KL mirror descent with steps η_t = η_0/γ^t,
/// γ^T·(gap_0 + log|A|/(η_0(1−γ))) (Xiao 2022, Thm. 10; Li, Lan & Zhao 2022 prove a linear rate
/// of this kind for (s,a)-rectangular robust MDPs): at most 1 where the bound holds. `run` is a
/// trajectory of the gap against the step.
pub fn mirror_descent_bound_ratio(
    run: &Trajectory,
    gamma: f64,
    actions: usize,
    eta0: f64,
) -> Option<f64> {
    let (&(_, first), &(steps, last)) = (run.first()?, run.last()?);
    let bound = gamma.powf(steps) * (first + (actions as f64).ln() / (eta0 * (1.0 - gamma)));
    Some(last.abs() / bound)
}

/// Formats a number with `digits` significant digits.
pub fn significant(x: f64, digits: usize) -> String {
    if x == 0.0 || !x.is_finite() {
        return format!("{x}");
    }
    let magnitude = x.abs().log10().floor() as i32;
    if (-3..6).contains(&magnitude) {
        let decimals = (digits as i32 - 1 - magnitude).max(0) as usize;
        format!("{x:.decimals$}")
    } else {
        format!("{x:.prec$e}", prec = digits.saturating_sub(1))
    }
}

/// For the entries' unit tests: the entry's quick budget restricted to the configurations whose
/// world `keep` accepts, run and reported ([`run_and_report`]).
#[cfg(test)]
pub(crate) fn quick_report(
    entry: &Entry,
    keep: impl Fn(&super::world_spec::World) -> bool,
) -> Report {
    let mut experiment = entry.load(true).expect("the entry's quick experiment");
    let worlds = experiment.worlds.clone();
    experiment.configurations.retain(|c| keep(&worlds[c.world]));
    run_and_report(&experiment, entry.report)
}

/// For the entries' unit tests: every comparison of `report` agrees.
#[cfg(test)]
pub(crate) fn assert_all_agree(report: &Report) {
    assert!(
        report.comparisons.iter().all(|c| c.agrees),
        "{:?}",
        report.comparisons
    );
}

/// For the entries' unit tests: runs `experiment` into a temporary folder, reports on it with
/// `report`, and checks that the figure can be drawn.
#[cfg(test)]
pub(crate) fn run_and_report(
    experiment: &Experiment,
    report: fn(&ReportInput<'_>) -> Result<Report>,
) -> Report {
    let out = tempfile::tempdir().expect("a temporary folder");
    run_experiment(
        experiment,
        &RunOptions {
            out: out.path().to_path_buf(),
            threads: Some(2),
            shard: None,
            progress: false,
            quick: true,
        },
    )
    .expect("the reduced experiment runs");
    let table = ResultsTable::load(&out.path().join("results.csv")).expect("its results");
    let report = report(&ReportInput {
        experiment,
        table: &table,
        quick: true,
    })
    .expect("the report");
    crate::plot::check(&report.figure).expect("a drawable figure");
    report
}
