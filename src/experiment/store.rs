//! The output folder of an experiment: one CSV and one JSON file per finished run under `runs/`,
//! each written atomically (the JSON last, so its presence means the run is complete), and the
//! joined long-format `results.csv` with `manifest.json` assembled from whatever runs are there.
//!
//! ```text
//! OUT/runs/c5e1f…-s001.csv   step + the run's measurements, the kept steps only
//! OUT/runs/c5e1f…-s001.json  configuration, seed, RNG seed, steps run, stop reason, wall time,
//!                            and the CSV's (and policy's) length and FNV-1a hash
//! OUT/runs/c5e1f…-s001.policy.json  the policy after the last step (MDP worlds; readable by
//!                            `evaluate --policy` and as an `initial_policy`)
//! OUT/results.csv            experiment, world, algorithm, label, world.K…, params…, seed, step, metrics…
//!                            (a metric named like a parameter is written as record.NAME)
//! OUT/manifest.json          the experiment as read, version, git commit, every run's JSON
//! OUT/set-aside/T-PID/       runs moved out of the way: no longer in the edited experiment, or
//!                            damaged (never deleted, never in results.csv)
//! OUT/.lock                  held while a process writes the folder (see `lock`)
//! ```
//!
//! A run's id is a hash of its content — experiment, configuration key (world, algorithm, label,
//! parameters), budget — and its seed, not of its position in the file: an edited experiment
//! (more seeds, a new grid value, another `[[runs]]` entry) reuses every run whose content it
//! still has, and a run is only reused when its CSV matches the digest in its JSON.
//!
//! Because `results.csv` is built from the per-run files alone (in run order), a resumed run, a
//! run on any number of threads and the merge of shards all write the same bytes.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::execute::RunOutput;
use crate::algo::Record;
use crate::core::error::{Error, Result};
use crate::core::files::{Digest, read_text, write_atomic};
use crate::core::seeding::{FNV1A_OFFSET_BASIS, fnv1a};

/// Everything about one finished run except its measurements.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunMeta {
    pub id: String,
    pub experiment: String,
    pub configuration: usize,
    pub key: String,
    /// The budget the run was made with (steps, recorded steps, stop rule); a run is reused on
    /// resume only under the same budget.
    #[serde(default)]
    pub budget: String,
    pub world: String,
    /// The world's grid point, values as text.
    pub world_grid: BTreeMap<String, String>,
    pub algorithm: String,
    pub label: String,
    pub params: BTreeMap<String, f64>,
    pub seed: usize,
    pub rng_seed: u64,
    pub steps_run: usize,
    pub reached_target_at: Option<usize>,
    pub stopped_by: Option<String>,
    pub wall_seconds: f64,
    /// The run's CSV as written; a run without it (or whose CSV no longer matches it) is not
    /// reused.
    #[serde(default)]
    pub csv: Option<Digest>,
    /// The final policy's file (`runs/ID.policy.json`), where the algorithm exposes its policy.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub policy: Option<Digest>,
}

impl RunMeta {
    /// Whether this is the run of `expected` (same id, experiment, configuration, budget and
    /// seed), wherever the configuration now sits in the file.
    pub fn same_run(&self, expected: &RunMeta) -> bool {
        self.id == expected.id
            && self.experiment == expected.experiment
            && self.key == expected.key
            && self.budget == expected.budget
            && self.seed == expected.seed
    }
}

/// The file name stem of run `seed` of the configuration with canonical key `key` under `budget`
/// in `experiment`: `c` + 16 hexadecimal digits of the FNV-1a hash of the three (0-separated) +
/// `-s` + the seed.
pub fn run_id(experiment: &str, key: &str, budget: &str, seed: usize) -> String {
    let mut hash = FNV1A_OFFSET_BASIS;
    for part in [experiment, key, budget] {
        hash = fnv1a(hash, part.as_bytes());
        hash = fnv1a(hash, &[0]);
    }
    format!("c{hash:016x}-s{seed:03}")
}

fn runs_folder(out: &Path) -> PathBuf {
    out.join("runs")
}

/// Quotes a CSV field when it holds a comma, a quote or a line break (RFC 4180).
pub fn csv_field(text: &str) -> String {
    if text.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", text.replace('"', "\"\""))
    } else {
        text.to_string()
    }
}

/// The names of the measurements in `rows`, in the order first seen.
fn metric_names(rows: &[(usize, Record)]) -> Vec<&'static str> {
    let mut names: Vec<&'static str> = Vec::new();
    for (_, record) in rows {
        for (name, _) in &record.0 {
            if !names.contains(name) {
                names.push(name);
            }
        }
    }
    names
}

/// Writes a finished run: its CSV, then its JSON with the CSV's digest.
pub fn write_run(out: &Path, meta: &RunMeta, output: &RunOutput) -> Result<()> {
    let names = metric_names(&output.rows);
    let mut text = String::from("step");
    for name in &names {
        text.push(',');
        text.push_str(name);
    }
    text.push('\n');
    for (step, record) in &output.rows {
        text.push_str(&step.to_string());
        for name in &names {
            text.push(',');
            if let Some(value) = record.get(name) {
                text.push_str(&format!("{value:?}"));
            }
        }
        text.push('\n');
    }
    let folder = runs_folder(out);
    write_atomic(&folder.join(format!("{}.csv", meta.id)), text.as_bytes())?;
    let mut meta = meta.clone();
    meta.csv = Some(Digest::of(text.as_bytes()));
    if let Some(policy) = &output.final_policy {
        let text = crate::policy::file::policy_json(
            meta.steps_run,
            &policy.probabilities,
            policy.logits.as_deref(),
        );
        write_atomic(
            &folder.join(format!("{}.policy.json", meta.id)),
            text.as_bytes(),
        )?;
        meta.policy = Some(Digest::of(text.as_bytes()));
    }
    write_meta(out, &meta)
}

/// Writes a run's JSON.
fn write_meta(out: &Path, meta: &RunMeta) -> Result<()> {
    let json = serde_json::to_string_pretty(meta).map_err(|e| Error::Numerical {
        origin: meta.id.clone(),
        detail: format!("cannot encode the run's description: {e}"),
    })?;
    write_atomic(
        &runs_folder(out).join(format!("{}.json", meta.id)),
        json.as_bytes(),
    )
}

/// Records the finished run `meta` under configuration index `configuration` (its place in an
/// edited experiment; ids are content hashes and do not move).
pub fn renumber(out: &Path, meta: &RunMeta, configuration: usize) -> Result<()> {
    if meta.configuration == configuration {
        return Ok(());
    }
    let mut moved = meta.clone();
    moved.configuration = configuration;
    write_meta(out, &moved)
}

/// The runs found in an output folder.
#[derive(Debug, Clone, Default)]
pub struct Scan {
    /// Runs whose CSV matches its digest, sorted by (configuration, seed).
    pub runs: Vec<RunMeta>,
    /// Runs that cannot be reused. Their files are set aside by a writer holding the folder,
    /// never read into results.
    pub damaged: Vec<Damaged>,
}

/// A run that cannot be reused.
#[derive(Debug, Clone, Default)]
pub struct Damaged {
    pub id: String,
    /// Why: the file and what is wrong with it.
    pub why: String,
    /// The experiment its JSON names, when the JSON still reads.
    pub experiment: Option<String>,
}

/// Every finished run in `out`: a `runs/ID.json` whose `runs/ID.csv` matches the digest it
/// records. The rest (an unreadable JSON, a missing, truncated or altered CSV, a run written
/// without a digest) is listed as damaged with the reason.
pub fn scan_runs(out: &Path) -> Result<Scan> {
    let folder = runs_folder(out);
    let mut scan = Scan::default();
    if !folder.exists() {
        return Ok(scan);
    }
    let entries = std::fs::read_dir(&folder).map_err(|source| Error::Io {
        path: folder.clone(),
        action: "list the folder",
        source,
    })?;
    let mut ids: Vec<String> = Vec::new();
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        // Temporary files of an interrupted write start with a dot and are ignored; a run's
        // policy file is read with its run.
        if let Some(id) = name.strip_suffix(".json")
            && !name.starts_with('.')
            && !name.ends_with(".policy.json")
        {
            ids.push(id.to_string());
        }
    }
    ids.sort();
    for id in ids {
        match verified_meta(&runs_folder(out), &id) {
            Ok(meta) => scan.runs.push(meta),
            Err(why) => {
                let experiment = read_text(&runs_folder(out).join(format!("{id}.json")))
                    .ok()
                    .and_then(|text| serde_json::from_str::<serde_json::Value>(&text).ok())
                    .and_then(|v| v["experiment"].as_str().map(str::to_string));
                scan.damaged.push(Damaged {
                    id,
                    why,
                    experiment,
                });
            }
        }
    }
    scan.runs.sort_by_key(|m| (m.configuration, m.seed));
    Ok(scan)
}

/// Moves back into `OUT/runs/` the runs among `ids` that an earlier invocation set aside
/// (`OUT/set-aside/*/ID.json` with its files, verified against its digests) and returns them.
pub fn recover_set_aside(out: &Path, ids: &[String]) -> Result<Vec<RunMeta>> {
    let root = out.join("set-aside");
    let Ok(folders) = std::fs::read_dir(&root) else {
        return Ok(Vec::new());
    };
    let mut folders: Vec<PathBuf> = folders
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.is_dir())
        .collect();
    // The most recently set aside first (folder names start with the Unix time).
    folders.sort();
    folders.reverse();
    let mut recovered = Vec::new();
    for id in ids {
        for folder in &folders {
            if !folder.join(format!("{id}.json")).is_file() {
                continue;
            }
            let Ok(meta) = verified_meta(folder, id) else {
                continue;
            };
            let policy = meta.policy.is_some().then_some("policy.json");
            // The JSON last: its presence in runs/ marks a complete run.
            for extension in std::iter::once("csv").chain(policy).chain(["json"]) {
                let from = folder.join(format!("{id}.{extension}"));
                let to = runs_folder(out).join(format!("{id}.{extension}"));
                std::fs::create_dir_all(runs_folder(out)).map_err(|source| Error::Io {
                    path: runs_folder(out),
                    action: "create the runs folder",
                    source,
                })?;
                std::fs::rename(&from, &to).map_err(|source| Error::Io {
                    path: from.clone(),
                    action: "move a set-aside run back",
                    source,
                })?;
            }
            recovered.push(meta);
            break;
        }
    }
    Ok(recovered)
}

/// The description of run `id` in `folder` if its JSON reads and its CSV (and policy) match the
/// recorded digests, or why not.
fn verified_meta(folder: &Path, id: &str) -> std::result::Result<RunMeta, String> {
    let path = folder.join(format!("{id}.json"));
    let text = read_text(&path).map_err(|e| e.to_string())?;
    let meta: RunMeta = serde_json::from_str(&text)
        .map_err(|e| format!("{}: not a policylab run description: {e}", path.display()))?;
    if meta.id != id {
        return Err(format!(
            "{}: describes run {}, not {id}",
            path.display(),
            meta.id
        ));
    }
    let digest = meta.csv.as_ref().ok_or_else(|| {
        format!(
            "{}: no checksum of its CSV (written by an older policylab)",
            path.display()
        )
    })?;
    let csv = folder.join(format!("{id}.csv"));
    let bytes = std::fs::read(&csv).map_err(|e| format!("{}: cannot read: {e}", csv.display()))?;
    digest
        .check(&bytes, &csv, &path)
        .map_err(|e| e.to_string())?;
    if let Some(digest) = &meta.policy {
        let file = folder.join(format!("{id}.policy.json"));
        let bytes =
            std::fs::read(&file).map_err(|e| format!("{}: cannot read: {e}", file.display()))?;
        digest
            .check(&bytes, &file, &path)
            .map_err(|e| e.to_string())?;
    }
    Ok(meta)
}

/// Moves the files of runs `ids` (their CSV and JSON, whichever exist) into a new folder
/// `OUT/set-aside/T-PID/` and returns it; `None` when `ids` is empty.
pub fn set_aside(out: &Path, ids: &[String]) -> Result<Option<PathBuf>> {
    if ids.is_empty() {
        return Ok(None);
    }
    let since = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let target = out
        .join("set-aside")
        .join(format!("{since}-{}", std::process::id()));
    std::fs::create_dir_all(&target).map_err(|source| Error::Io {
        path: target.clone(),
        action: "create the folder for set-aside runs",
        source,
    })?;
    for id in ids {
        for extension in ["csv", "json", "policy.json"] {
            let from = runs_folder(out).join(format!("{id}.{extension}"));
            match std::fs::rename(&from, target.join(format!("{id}.{extension}"))) {
                Ok(()) => {}
                // A damaged run may lack its CSV; a shard beside us may have moved it first.
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                Err(source) => {
                    return Err(Error::Io {
                        path: from,
                        action: "move a run aside",
                        source,
                    });
                }
            }
        }
    }
    Ok(Some(target))
}

/// Removes the temporary files an interrupted write left in `out` and `out/runs` (names
/// `.NAME.tmp-PID`); only a process holding the folder exclusively may call it. Returns how many.
pub fn remove_temporaries(out: &Path) -> Result<usize> {
    let mut removed = 0;
    for folder in [out.to_path_buf(), runs_folder(out)] {
        let Ok(entries) = std::fs::read_dir(&folder) else {
            continue;
        };
        for entry in entries.flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            if name.starts_with('.') && name.contains(".tmp-") && entry.path().is_file() {
                std::fs::remove_file(entry.path()).map_err(|source| Error::Io {
                    path: entry.path(),
                    action: "remove a leftover temporary file",
                    source,
                })?;
                removed += 1;
            }
        }
    }
    Ok(removed)
}

/// A run's measurements as written: column names (after `step`) and rows of (step, cells).
struct RunTable {
    names: Vec<String>,
    rows: Vec<(String, Vec<String>)>,
}

fn read_run_table(out: &Path, id: &str) -> Result<RunTable> {
    let path = runs_folder(out).join(format!("{id}.csv"));
    let text = read_text(&path)?;
    let mut lines = text.lines();
    let header = lines.next().unwrap_or_default();
    let mut columns = header.split(',');
    if columns.next() != Some("step") {
        return Err(Error::Syntax {
            origin: path.display().to_string(),
            detail: "the first column is not `step`: not a policylab run file".to_string(),
        });
    }
    let names: Vec<String> = columns.map(str::to_string).collect();
    let mut rows = Vec::new();
    for (i, line) in lines.enumerate() {
        let mut cells = line.split(',');
        let step = cells.next().unwrap_or_default().to_string();
        let cells: Vec<String> = cells.map(str::to_string).collect();
        if cells.len() != names.len() {
            return Err(Error::Syntax {
                origin: path.display().to_string(),
                detail: format!(
                    "line {}: {} cells after `step`, the header names {}",
                    i + 2,
                    cells.len(),
                    names.len()
                ),
            });
        }
        rows.push((step, cells));
    }
    Ok(RunTable { names, rows })
}

/// Joins the runs `metas` (already in order) into one long-format CSV.
pub fn results_csv(out: &Path, metas: &[RunMeta]) -> Result<String> {
    let mut grid_names: Vec<&String> = metas.iter().flat_map(|m| m.world_grid.keys()).collect();
    grid_names.sort();
    grid_names.dedup();
    let mut param_names: Vec<&String> = metas.iter().flat_map(|m| m.params.keys()).collect();
    param_names.sort();
    param_names.dedup();
    let tables: Vec<RunTable> = metas
        .iter()
        .map(|m| read_run_table(out, &m.id))
        .collect::<Result<_>>()?;
    let mut metric_names: Vec<&String> = Vec::new();
    for table in &tables {
        for name in &table.names {
            if !metric_names.contains(&name) {
                metric_names.push(name);
            }
        }
    }
    let mut text = String::from("experiment,world,algorithm,label");
    for name in &grid_names {
        text.push_str(&format!(",world.{}", csv_field(name)));
    }
    for name in &param_names {
        text.push_str(&format!(",{}", csv_field(name)));
    }
    text.push_str(",seed,step");
    for name in &metric_names {
        text.push(',');
        // A measurement named like a parameter (NPG records its current `step_size`) is written
        // as `record.NAME`, so every column name is unique.
        let taken = param_names.contains(name)
            || ["experiment", "world", "algorithm", "label", "seed", "step"]
                .contains(&name.as_str());
        if taken {
            text.push_str(&csv_field(&format!("record.{name}")));
        } else {
            text.push_str(&csv_field(name));
        }
    }
    text.push('\n');
    for (meta, table) in metas.iter().zip(&tables) {
        let mut prefix = [&meta.experiment, &meta.world, &meta.algorithm, &meta.label]
            .iter()
            .map(|s| csv_field(s))
            .collect::<Vec<_>>()
            .join(",");
        for name in &grid_names {
            prefix.push(',');
            prefix.push_str(&csv_field(
                meta.world_grid.get(*name).map_or("", String::as_str),
            ));
        }
        for name in &param_names {
            prefix.push(',');
            if let Some(value) = meta.params.get(*name) {
                prefix.push_str(&format!("{value:?}"));
            }
        }
        prefix.push_str(&format!(",{}", meta.seed));
        let positions: Vec<Option<usize>> = metric_names
            .iter()
            .map(|name| table.names.iter().position(|n| n == *name))
            .collect();
        for (step, cells) in &table.rows {
            text.push_str(&prefix);
            text.push(',');
            text.push_str(step);
            for position in &positions {
                text.push(',');
                if let Some(i) = position {
                    text.push_str(&cells[*i]);
                }
            }
            text.push('\n');
        }
    }
    Ok(text)
}

/// The commit this binary was built from (`+modified` when the build's tracked files differed
/// from it), recorded by `build.rs`; None where the build had no git checkout. Manifests state it
/// beside [`git_commit`]: the two differ when a binary older than the checkout wrote the results.
pub fn build_commit() -> Option<String> {
    let commit = env!("POLICYLAB_BUILD_COMMIT");
    (!commit.is_empty()).then(|| commit.to_string())
}

/// The commit of the working directory's git checkout at run time, if git is there to ask.
pub fn git_commit() -> Option<String> {
    let output = std::process::Command::new("git")
        .args(["rev-parse", "HEAD"])
        .output()
        .ok()?;
    if !output.status.success() {
        return None;
    }
    let commit = String::from_utf8(output.stdout).ok()?.trim().to_string();
    (commit.len() == 40).then_some(commit)
}

/// Writes `results.csv` and `manifest.json` for the runs `metas` found in `out`.
pub fn write_results(out: &Path, metas: &[RunMeta], manifest: serde_json::Value) -> Result<()> {
    write_atomic(
        &out.join("results.csv"),
        results_csv(out, metas)?.as_bytes(),
    )?;
    let text = serde_json::to_string_pretty(&manifest).unwrap_or_default();
    write_atomic(&out.join("manifest.json"), text.as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The build commit is absent (no git at build time) or a full hash, possibly marked
    /// `+modified`.
    #[test]
    fn build_commit_is_a_full_hash() {
        let Some(commit) = build_commit() else {
            return;
        };
        let hash = commit.strip_suffix("+modified").unwrap_or(&commit);
        assert_eq!(hash.len(), 40, "{commit}");
        assert!(hash.bytes().all(|b| b.is_ascii_hexdigit()), "{commit}");
    }
}
