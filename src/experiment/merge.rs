//! `policylab merge DIR… --out OUT`: joins the output folders of shards (or of any partial runs
//! of one experiment) into one, checking that they ran the same experiment file.

use std::collections::HashMap;
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
    // The runs of the experiment file as it is: those the inputs' manifests list (each `run`
    // lists only the runs its file has), with their places in the file. Runs an edit left behind
    // in a shard's folder are not merged.
    let mut belong: HashMap<String, (usize, usize)> = HashMap::new();
    for input in inputs {
        let listed = read_manifest(input)?["runs"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        for run in listed {
            if let (Some(id), Some(configuration), Some(seed)) = (
                run["id"].as_str(),
                run["configuration"].as_u64(),
                run["seed"].as_u64(),
            ) {
                belong.insert(id.to_string(), (configuration as usize, seed as usize));
            }
        }
    }
    let mut damaged = Vec::new();
    let mut taken: Vec<RunMeta> = scan_runs(out)?
        .runs
        .into_iter()
        .filter(|m| belong.contains_key(&m.id))
        .collect();
    for input in inputs {
        let scan = scan_runs(input)?;
        damaged.extend(
            scan.damaged
                .into_iter()
                .filter(|d| belong.contains_key(&d.id))
                .map(|d| (input.clone(), d.id, d.why)),
        );
        for meta in scan.runs {
            if meta.experiment != experiment || !belong.contains_key(&meta.id) {
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
    let mut metas: Vec<RunMeta> = scan_runs(out)?
        .runs
        .into_iter()
        .filter(|m| m.experiment == experiment && belong.contains_key(&m.id))
        .collect();
    metas.sort_by_key(|m| belong.get(&m.id).copied());
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
