//! An experiment file (TOML), read and checked before any work starts, and expanded into its
//! configurations. The format is documented in [the module docs](super).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::figure_spec::FigureSpec;
use super::grid::{GridPoint, expand_grid, number, value_text};
use super::schedule::RecordSchedule;
use super::world_spec::{World, WorldEntry, WorldKind};
use crate::algo::catalogue as algorithms;
use crate::bandit::catalogue as bandits;
use crate::core::error::{Error, Result};
use crate::core::files::{Digest, read_text};
use crate::llm::catalogue as llm_algorithms;
use crate::policy::file::load_start;

/// `stop = { metric = "gap", below = 0.07 }`: a run ends at the first step whose record has
/// `metric < below` (that step is written). Steps to a target are then the last step of the run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StopRule {
    pub metric: String,
    pub below: f64,
}

/// One `[[runs]]` table as written.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RunEntry {
    pub algorithm: String,
    /// Legend label; default: the algorithm's name (plus the grid point).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
    /// World entries this run is applied to; default: every world of the matching kind.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub worlds: Option<Vec<String>>,
    #[serde(default)]
    pub params: toml::Table,
    #[serde(default)]
    pub grid: toml::Table,
    /// A starting policy file (`logits` or `policy`, see `policy::file`), relative to the
    /// experiment file; default: the uniform policy.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub initial_policy: Option<String>,
}

/// `[quick]`: the smaller budget of `reproduce --quick`.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct QuickBudget {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub steps: Option<usize>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub seeds: Option<usize>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub record: Option<RecordSchedule>,
    /// Replacement grids for world entries, by entry name.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub world_grid: BTreeMap<String, toml::Table>,
}

/// The experiment file as written.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExperimentFile {
    pub name: String,
    #[serde(default)]
    pub title: String,
    #[serde(default)]
    pub description: String,
    /// Updates per run (bandits: rounds).
    pub steps: usize,
    /// Seeds 0, 1, …, seeds − 1 of every configuration.
    #[serde(default = "one")]
    pub seeds: usize,
    #[serde(default)]
    pub record: RecordSchedule,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stop: Option<StopRule>,
    #[serde(rename = "world")]
    pub worlds: Vec<WorldEntry>,
    pub runs: Vec<RunEntry>,
    /// Figures `policylab plot` draws from the results ([`FigureSpec`]).
    #[serde(default, rename = "figure", skip_serializing_if = "Vec::is_empty")]
    pub figures: Vec<FigureSpec>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub quick: Option<QuickBudget>,
}

fn one() -> usize {
    1
}

/// The most rows one run may keep in memory before they are written (10⁷, about 2 GB at
/// [`ROW_BYTES`] each).
pub const MAX_ROWS_PER_RUN: usize = 10_000_000;

/// A row's size in memory, for the estimate in the error (a dozen named numbers).
const ROW_BYTES: usize = 200;

/// One configuration: an algorithm with its parameters on one world.
#[derive(Debug, Clone)]
pub struct Configuration {
    /// Index into [`Experiment::worlds`].
    pub world: usize,
    pub algorithm: String,
    pub label: String,
    /// Every parameter given (fixed and grid), as numbers, in sorted order.
    pub params: Vec<(String, f64)>,
    /// The canonical key: world, algorithm and parameters (and the starting policy's file and
    /// digest, when one is given); it seeds the runs and identifies finished runs on resume.
    pub key: String,
    /// The logits θ_0 the runs start from; `None`: the uniform policy.
    pub start: Option<std::sync::Arc<Vec<ndarray::Array2<f64>>>>,
}

/// A checked experiment: worlds built, configurations expanded.
#[derive(Debug, Clone)]
pub struct Experiment {
    pub file: ExperimentFile,
    /// Where it was read from.
    pub source: PathBuf,
    pub worlds: Vec<World>,
    pub configurations: Vec<Configuration>,
}

impl Experiment {
    /// Reads, checks and expands an experiment file; with `quick`, its `[quick]` budget replaces
    /// the full one. Every error names the file and the key.
    pub fn load(path: &Path, quick: bool) -> Result<Self> {
        let text = read_text(path)?;
        Self::from_text(&text, path, quick)
    }

    /// As [`Experiment::load`], from text already read (`path` names it in errors and anchors
    /// relative world files).
    pub fn from_text(text: &str, path: &Path, quick: bool) -> Result<Self> {
        let origin = path.display().to_string();
        let mut file: ExperimentFile = toml::from_str(text).map_err(|e| Error::Syntax {
            origin: origin.clone(),
            detail: e.to_string().trim().replace('\n', " "),
        })?;
        // `[quick]` names are checked in every budget, so a typo shows before `--quick` is used.
        let budget = file.quick.clone().unwrap_or_default();
        for name in budget.world_grid.keys() {
            if !file.worlds.iter().any(|w| &w.name == name) {
                let known: Vec<&str> = file.worlds.iter().map(|w| w.name.as_str()).collect();
                return Err(Error::invalid(
                    format!("quick.world_grid.{name}"),
                    "no world has this name",
                    format!("the name of a [[world]] entry: {}", known.join(", ")),
                )
                .in_origin(&origin));
            }
        }
        if quick {
            file.steps = budget.steps.unwrap_or(file.steps);
            file.seeds = budget.seeds.unwrap_or(file.seeds);
            file.record = budget.record.unwrap_or(file.record);
            for (name, grid) in &budget.world_grid {
                if let Some(entry) = file.worlds.iter_mut().find(|w| &w.name == name) {
                    entry.grid = grid.clone();
                }
            }
        }
        let folder = path.parent().unwrap_or(Path::new("."));
        Self::check(file, folder)
            .map(|(file, worlds, configurations)| Experiment {
                file,
                source: path.to_path_buf(),
                worlds,
                configurations,
            })
            .map_err(|e| e.in_origin(&origin))
    }

    #[allow(clippy::type_complexity)]
    fn check(
        file: ExperimentFile,
        folder: &Path,
    ) -> Result<(ExperimentFile, Vec<World>, Vec<Configuration>)> {
        if file.name.is_empty()
            || !file
                .name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c))
        {
            return Err(Error::invalid(
                "name",
                format!("found `{}`", file.name),
                "a non-empty name of letters, digits, `-`, `_` and `.`",
            ));
        }
        if file.steps == 0 {
            return Err(Error::invalid("steps", "found 0", "at least 1"));
        }
        if file.seeds == 0 {
            return Err(Error::invalid("seeds", "found 0", "at least 1"));
        }
        file.record.validate()?;
        for (i, figure) in file.figures.iter().enumerate() {
            figure
                .validate()
                .map_err(|e| e.with_field(|field| format!("figure[{i}].{field}")))?;
        }
        let rows = file.record.rows_at_most(file.steps);
        if rows > MAX_ROWS_PER_RUN {
            return Err(Error::invalid(
                "steps",
                format!(
                    "{} steps with this `record` keep up to {rows} rows a run (about {} MB in \
                     memory each)",
                    file.steps,
                    rows.saturating_mul(ROW_BYTES) / 1_000_000
                ),
                format!(
                    "at most {MAX_ROWS_PER_RUN} rows a run: thin the record with \
                     `record = {{ log_points = 1000 }}` or `{{ every = N }}`"
                ),
            ));
        }
        if let Some(stop) = &file.stop
            && !stop.below.is_finite()
        {
            return Err(Error::invalid(
                "stop.below",
                format!("found {}", stop.below),
                "a finite number",
            ));
        }
        if file.worlds.is_empty() {
            return Err(Error::invalid(
                "world",
                "no [[world]] entry",
                "at least one world",
            ));
        }
        let mut worlds = Vec::new();
        for (i, entry) in file.worlds.iter().enumerate() {
            if file.worlds[..i].iter().any(|w| w.name == entry.name) {
                return Err(Error::invalid(
                    format!("world[{i}].name"),
                    format!("`{}` is used twice", entry.name),
                    "distinct world names",
                ));
            }
            let built = entry
                .build(folder)
                .map_err(|e| prefix_field(e, &format!("world[{i}] (`{}`)", entry.name)))?;
            worlds.extend(built);
        }
        let mut configurations: Vec<Configuration> = Vec::new();
        // The keys seen so far: a hash set, so a 10⁶-configuration grid is checked in linear
        // time, not pairwise.
        let mut keys: std::collections::HashSet<String> = std::collections::HashSet::new();
        // (world, label) → the runs entry that has it: results, figures and summaries tell
        // configurations apart by the two.
        let mut labels: std::collections::HashMap<(usize, String), usize> =
            std::collections::HashMap::new();
        for (i, run) in file.runs.iter().enumerate() {
            let field = format!("runs[{i}] (`{}`)", run.algorithm);
            let added = expand_run(run, &worlds, folder).map_err(|e| prefix_field(e, &field))?;
            for configuration in added {
                if !keys.insert(configuration.key.clone()) {
                    return Err(Error::invalid(
                        field,
                        format!("repeats the configuration {}", configuration.key),
                        "each configuration once",
                    ));
                }
                let label = (configuration.world, configuration.label.clone());
                if let Some(first) = labels.insert(label, i) {
                    return Err(Error::invalid(
                        format!("{field}.label"),
                        format!(
                            "`{}` on world `{}` is also the label of runs[{first}]",
                            configuration.label, worlds[configuration.world].name
                        ),
                        "a distinct label for each [[runs]] entry on a world (figures and \
                         summaries tell runs apart by their labels)",
                    ));
                }
                configurations.push(configuration);
            }
        }
        if configurations.is_empty() {
            return Err(Error::invalid(
                "runs",
                "no configuration to run",
                "at least one [[runs]] entry matching a world",
            ));
        }
        Ok((file, worlds, configurations))
    }

    /// The experiment's name.
    pub fn name(&self) -> &str {
        &self.file.name
    }

    /// Number of runs: configurations × seeds.
    pub fn run_count(&self) -> usize {
        self.configurations.len() * self.file.seeds
    }

    /// The distinct parameter names over all configurations, sorted: the parameter columns of the
    /// results table.
    pub fn parameter_names(&self) -> Vec<String> {
        let mut names: Vec<String> = self
            .configurations
            .iter()
            .flat_map(|c| c.params.iter().map(|(k, _)| k.clone()))
            .collect();
        names.sort();
        names.dedup();
        names
    }

    /// The distinct world-grid keys, sorted: written as `world.KEY` columns.
    pub fn world_grid_names(&self) -> Vec<String> {
        let mut names: Vec<String> = self
            .worlds
            .iter()
            .flat_map(|w| w.point.0.iter().map(|(k, _)| k.clone()))
            .collect();
        names.sort();
        names.dedup();
        names
    }
}

/// Puts `field` in front of an error's field (or message) so it points into the file.
fn prefix_field(error: Error, field: &str) -> Error {
    match error {
        Error::Invalid {
            origin,
            field: inner,
            found,
            expected,
        } => Error::Invalid {
            origin: String::new(),
            // An origin set deeper down (the algorithm's name) becomes part of the field, so the
            // file can be named first.
            field: if origin.is_empty() {
                format!("{field}: {inner}")
            } else {
                format!("{field}: {origin}: {inner}")
            },
            found,
            expected,
        },
        Error::Usage(message) => Error::invalid(field, message, "see `policylab algos`"),
        other => other,
    }
}

/// The configurations of one `[[runs]]` entry: its grid points on each matching world.
fn expand_run(run: &RunEntry, worlds: &[World], folder: &Path) -> Result<Vec<Configuration>> {
    let is_bandit_algorithm = bandits::learner_entry(&run.algorithm).is_ok();
    let is_mdp_algorithm = algorithms::entry(&run.algorithm).is_ok();
    let is_llm_algorithm = llm_algorithms::algorithm(&run.algorithm).is_ok();
    if !is_bandit_algorithm && !is_mdp_algorithm && !is_llm_algorithm {
        let mut names: Vec<&str> = algorithms::catalogue().iter().map(|e| e.name).collect();
        names.extend(bandits::learners().iter().map(|e| e.name));
        for entry in llm_algorithms::algorithms() {
            if !names.contains(&entry.name) {
                names.push(entry.name);
            }
        }
        return Err(Error::invalid(
            "algorithm",
            format!("unknown algorithm `{}`", run.algorithm),
            format!("one of {}", names.join(", ")),
        ));
    }
    if let Some(names) = &run.worlds {
        for name in names {
            if !worlds.iter().any(|w| &w.entry == name) {
                let known: Vec<&str> = worlds.iter().map(|w| w.entry.as_str()).collect();
                return Err(Error::invalid(
                    "worlds",
                    format!("no world `{name}`"),
                    format!("names of [[world]] entries: {}", known.join(", ")),
                ));
            }
        }
    }
    let points = expand_grid(&run.params, &run.grid)?;
    let mut out = Vec::new();
    for (index, world) in worlds.iter().enumerate() {
        let wanted = match &run.worlds {
            Some(names) => names.contains(&world.entry),
            // Every world of a kind the algorithm runs on (softmax-pg: discounted and finite
            // horizons; dynamic-pg: finite horizons only).
            None => match &world.kind {
                WorldKind::Mdp(_)
                | WorldKind::FiniteHorizon(_)
                | WorldKind::Robust(_)
                | WorldKind::Game(_) => {
                    is_mdp_algorithm
                        && world.kind.policy_world().is_some_and(|w| {
                            algorithms::algorithm(&run.algorithm)
                                .is_ok_and(|entry| entry.runs_on(w.kind()))
                        })
                }
                WorldKind::Bandit(_) => is_bandit_algorithm,
                WorldKind::Llm(_) => is_llm_algorithm,
            },
        };
        if !wanted {
            continue;
        }
        let start = match (&run.initial_policy, world.kind.policy_world()) {
            (None, _) => None,
            (Some(path), Some(policy_world)) => {
                let file = folder.join(path);
                let logits = load_start(&file, policy_world)?;
                // The count of tables against the world's stages, before any run.
                crate::world::started::Started::new(policy_world, logits.clone())
                    .map_err(|e| e.in_origin(&file.display().to_string()))?;
                let bytes = std::fs::read(&file).map_err(|source| Error::Io {
                    path: file.clone(),
                    action: "read the starting policy",
                    source,
                })?;
                let digest = Digest::of(&bytes);
                Some((
                    std::sync::Arc::new(logits),
                    format!(";start={path}#{}", digest.fnv1a64),
                ))
            }
            (Some(_), None) => {
                return Err(Error::invalid(
                    "initial_policy",
                    format!("given for {}", world.kind.describe()),
                    "a starting policy on MDP worlds (discounted, finite-horizon, robust)",
                ));
            }
        };
        for point in &points {
            let params = numbers(&point.apply(&run.params))?;
            check_against_world(&run.algorithm, &params, world)?;
            let label = match &run.label {
                Some(label) => label.clone(),
                None => run.algorithm.clone(),
            };
            let label = point_label(&label, point);
            let key = format!(
                "world={};algorithm={};label={};{}{}",
                world.name,
                run.algorithm,
                label,
                params
                    .iter()
                    .map(|(k, v)| format!("{k}={v:?}"))
                    .collect::<Vec<_>>()
                    .join(";"),
                start.as_ref().map_or("", |(_, key)| key.as_str())
            );
            out.push(Configuration {
                world: index,
                algorithm: run.algorithm.clone(),
                label,
                params,
                key,
                start: start.as_ref().map(|(logits, _)| logits.clone()),
            });
        }
    }
    if out.is_empty() && run.worlds.is_none() {
        // Without `worlds`, a run goes to the worlds of the kinds its algorithm runs on; none
        // here would mean a run that silently never happens.
        return Err(Error::invalid(
            "worlds",
            format!("`{}` runs on no world of this file", run.algorithm),
            "a [[world]] of a kind it runs on (see `policylab algos`), or `worlds = [...]`",
        ));
    }
    Ok(out)
}

fn point_label(base: &str, point: &GridPoint) -> String {
    if point.0.is_empty() {
        base.to_string()
    } else {
        let parts: Vec<String> = point
            .0
            .iter()
            .map(|(k, v)| format!("{k}={}", value_text(v)))
            .collect();
        format!("{base} ({})", parts.join(", "))
    }
}

/// Column names of the results table that a parameter may not take.
const RESERVED_COLUMNS: &[&str] = &["experiment", "world", "algorithm", "label", "seed", "step"];

fn numbers(table: &toml::Table) -> Result<Vec<(String, f64)>> {
    if let Some(key) = table
        .keys()
        .find(|k| RESERVED_COLUMNS.contains(&k.as_str()))
    {
        return Err(Error::invalid(
            format!("params.{key}"),
            "a parameter with the name of a results column",
            format!("names other than {}", RESERVED_COLUMNS.join(", ")),
        ));
    }
    let mut params: Vec<(String, f64)> = table
        .iter()
        .map(|(k, v)| Ok((k.clone(), number(&format!("params.{k}"), v)?)))
        .collect::<Result<_>>()?;
    params.sort_by(|a, b| a.0.cmp(&b.0));
    Ok(params)
}

/// Checks the algorithm fits the world's kind and that its parameter names and values are
/// accepted (building it once, without running a step).
fn check_against_world(algorithm: &str, params: &[(String, f64)], world: &World) -> Result<()> {
    let mismatch = |expected: &str| {
        Error::invalid(
            "worlds",
            format!(
                "`{algorithm}` does not run on {} (`{}`)",
                world.kind.describe(),
                world.name
            ),
            expected.to_string(),
        )
    };
    match &world.kind {
        WorldKind::Mdp(_)
        | WorldKind::FiniteHorizon(_)
        | WorldKind::Robust(_)
        | WorldKind::Game(_) => {
            algorithms::entry(algorithm).map_err(|_| {
                mismatch("an MDP algorithm (see `policylab algos`), or a world of its kind")
            })?;
            let policy_world = world.kind.policy_world().expect(
                "cannot fail: MDPs of either horizon, robust MDPs and games are policy worlds",
            );
            algorithms::check_named(algorithm, params, policy_world.kind())?;
            algorithms::run_named(algorithm, params, policy_world, 0, 0, |_, _| {})
        }
        WorldKind::Bandit(environment) => {
            bandits::learner_entry(algorithm).map_err(|_| {
                mismatch("a bandit algorithm (see `policylab algos`), or a world of its kind")
            })?;
            bandits::run_named_bandit(algorithm, params, environment, 1, 0).map(|_| ())
        }
        WorldKind::Llm(llm) => {
            llm_algorithms::algorithm(algorithm).map_err(|_| {
                mismatch("an LLM algorithm (see `policylab algos`), or a world of its kind")
            })?;
            crate::llm::run::check(llm, algorithm, params)
        }
    }
}
