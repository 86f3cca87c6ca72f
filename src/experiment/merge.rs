//! `policylab merge DIR… --out OUT`: joins the output folders of shards (or of any partial runs
//! of one experiment) into one, checking that they ran the same experiment file.

use std::path::{Path, PathBuf};

use super::lock::{LockMode, lock_folder};
use super::store::{RunMeta, scan_runs, write_results};
use crate::core::error::{Error, Result};
use crate::core::files::{read_text, write_atomic};

/// What a merge found.
#[derive(Debug, Clone, PartialEq)]
pub struct MergeReport {
    pub experiment: String,
    pub finished: usize,
    pub total: usize,
    /// Runs of the inputs not taken because their files are damaged: (folder, id, why).
    pub damaged: Vec<(PathBuf, String, String)>,
}

fn read_manifest(folder: &Path) -> Result<serde_json::Value> {
    let path = folder.join("manifest.json");
    let text = read_text(&path)?;
    serde_json::from_str(&text).map_err(|e| Error::Syntax {
        origin: path.display().to_string(),
        detail: format!("not a policylab manifest: {e}"),
    })
}

fn copy_file(from: &Path, to: &Path) -> Result<()> {
    let bytes = std::fs::read(from).map_err(|source| Error::Io {
        path: from.to_path_buf(),
        action: "read the file",
        source,
    })?;
    write_atomic(to, &bytes)
}

/// Copies every finished run of `inputs` into `out` and writes its results and manifest.
pub fn merge(inputs: &[PathBuf], out: &Path) -> Result<MergeReport> {
    let first = inputs
        .first()
        .ok_or_else(|| Error::Usage("merge: name at least one output folder".to_string()))?;
    let mut manifest = read_manifest(first)?;
    for input in &inputs[1..] {
        let other = read_manifest(input)?;
        for field in ["experiment", "spec", "quick"] {
            if other[field] != manifest[field] {
                return Err(Error::Usage(format!(
                    "merge: {} and {} ran different experiments (their manifests differ in `{field}`); only shards of one experiment file can be merged",
                    first.display(),
                    input.display()
                )));
            }
        }
    }
    let experiment = manifest["experiment"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    std::fs::create_dir_all(out).map_err(|source| Error::Io {
        path: out.to_path_buf(),
        action: "create the output folder",
        source,
    })?;
    let _lock = lock_folder(
        out,
        LockMode::Exclusive,
        &format!("`merge` of {experiment}"),
    )?;
    let mut damaged = Vec::new();
    let mut taken: Vec<RunMeta> = scan_runs(out)?
        .runs
        .into_iter()
        .filter(|m| m.experiment == experiment)
        .collect();
    for input in inputs {
        let scan = scan_runs(input)?;
        damaged.extend(
            scan.damaged
                .into_iter()
                .map(|(id, why)| (input.clone(), id, why)),
        );
        for meta in scan.runs {
            if meta.experiment != experiment {
                continue;
            }
            if let Some(existing) = taken.iter().find(|m| m.id == meta.id) {
                if existing.key != meta.key || existing.rng_seed != meta.rng_seed {
                    return Err(Error::Usage(format!(
                        "merge: run {} differs between folders ({} against {})",
                        meta.id, existing.key, meta.key
                    )));
                }
                continue;
            }
            if input.as_path() != out {
                // The JSON last: its presence marks a complete run.
                let policy = meta.policy.is_some().then_some("policy.json");
                for extension in std::iter::once("csv").chain(policy).chain(["json"]) {
                    let name = format!("{}.{extension}", meta.id);
                    copy_file(
                        &input.join("runs").join(&name),
                        &out.join("runs").join(&name),
                    )?;
                }
            }
            taken.push(meta);
        }
    }
    let metas: Vec<RunMeta> = scan_runs(out)?
        .runs
        .into_iter()
        .filter(|m| m.experiment == experiment)
        .collect();
    let total = manifest["runs_total"].as_u64().unwrap_or(0) as usize;
    manifest["runs_finished"] = serde_json::json!(metas.len());
    manifest["complete"] = serde_json::json!(metas.len() == total);
    manifest["shard"] = serde_json::Value::Null;
    manifest["merged_from"] = serde_json::json!(
        inputs
            .iter()
            .map(|p| p.display().to_string())
            .collect::<Vec<_>>()
    );
    manifest["runs"] = serde_json::json!(metas);
    write_results(out, &metas, manifest)?;
    Ok(MergeReport {
        experiment,
        finished: metas.len(),
        total,
        damaged,
    })
}
