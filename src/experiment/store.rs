//! The output folder of an experiment: one CSV and one JSON file per finished run under `runs/`,
//! each written atomically (the JSON last, so its presence means the run is complete), and the
//! joined long-format `results.csv` with `manifest.json` assembled from whatever runs are there.
//!
//! ```text
//! OUT/runs/c0003-s001.csv    step + the run's measurements, the kept steps only
//! OUT/runs/c0003-s001.json   configuration, seed, RNG seed, steps run, stop reason, wall time
//! OUT/results.csv            experiment, world, algorithm, label, world.K…, params…, seed, step, metrics…
//!                            (a metric named like a parameter is written as record.NAME)
//! OUT/manifest.json          the experiment as read, version, git commit, every run's JSON
//! ```
//!
//! Because `results.csv` is built from the per-run files alone (in run order), a resumed run, a
//! run on any number of threads and the merge of shards all write the same bytes.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::execute::RunOutput;
use crate::algo::Record;
use crate::core::error::{Error, Result};
use crate::core::files::{read_text, write_atomic};

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
}

/// The file name stem of run `seed` of configuration `configuration`.
pub fn run_id(configuration: usize, seed: usize) -> String {
    format!("c{configuration:04}-s{seed:03}")
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

/// Writes a finished run: its CSV, then its JSON.
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
    let json = serde_json::to_string_pretty(meta).map_err(|e| Error::Numerical {
        origin: meta.id.clone(),
        detail: format!("cannot encode the run's description: {e}"),
    })?;
    write_atomic(&folder.join(format!("{}.json", meta.id)), json.as_bytes())
}

/// The description of a finished run, if `out` holds one under `id`.
pub fn read_meta(out: &Path, id: &str) -> Result<Option<RunMeta>> {
    let path = runs_folder(out).join(format!("{id}.json"));
    if !path.exists() {
        return Ok(None);
    }
    let text = read_text(&path)?;
    serde_json::from_str(&text)
        .map(Some)
        .map_err(|e| Error::Syntax {
            origin: path.display().to_string(),
            detail: format!("not a policylab run description: {e}"),
        })
}

/// Every finished run in `out`, sorted by id (configuration, then seed).
pub fn finished_runs(out: &Path) -> Result<Vec<RunMeta>> {
    let folder = runs_folder(out);
    if !folder.exists() {
        return Ok(Vec::new());
    }
    let entries = std::fs::read_dir(&folder).map_err(|source| Error::Io {
        path: folder.clone(),
        action: "list the folder",
        source,
    })?;
    let mut ids: Vec<String> = Vec::new();
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        // Temporary files of an interrupted write start with a dot and are ignored.
        if let Some(id) = name.strip_suffix(".json")
            && !name.starts_with('.')
        {
            ids.push(id.to_string());
        }
    }
    ids.sort();
    let mut metas = Vec::new();
    for id in ids {
        if let Some(meta) = read_meta(out, &id)? {
            metas.push(meta);
        }
    }
    Ok(metas)
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
