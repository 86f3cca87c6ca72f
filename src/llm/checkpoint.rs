//! Saving and loading a [`Transformer`]: the weights in burn's named-MessagePack record format at
//! full precision (the format of `NamedMpkFileRecorder<FullPrecisionSettings>`, extension `.mpk`),
//! and beside them a JSON manifest with the [`TransformerConfig`] and the weights file's length
//! and FNV-1a 64 checksum.
//!
//! A checkpoint is named by a stem: `run/policy` is `run/policy.mpk` plus `run/policy.json`. Each
//! file is written atomically (a temporary file, then a rename: [`crate::core::files::write_atomic`]),
//! weights first, so an interrupted save leaves either the old checkpoint or a weights file that
//! no longer matches its manifest's checksum, which loading reports instead of mixing the two.
//!
//! Loading validates the config, checks the checksum, decodes the record, and checks every
//! parameter's shape against the config; each failure is an error naming the file.

use std::ffi::OsString;
use std::path::{Path, PathBuf};

use burn::module::{Module, ModuleVisitor, Param};
use burn::record::{FullPrecisionSettings, NamedMpkBytesRecorder, Recorder};
use burn::tensor::Tensor;
use burn::tensor::backend::Backend;
use serde::{Deserialize, Serialize};

use super::model::{Transformer, TransformerConfig};
use crate::core::error::{Error, Result};
use crate::core::files::Digest;

/// The manifest's format tag.
pub const FORMAT: &str = "policylab-transformer/1";

/// The two files of a checkpoint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckpointPaths {
    /// `<stem>.mpk`: the weights.
    pub weights: PathBuf,
    /// `<stem>.json`: the manifest (config and checksum).
    pub manifest: PathBuf,
}

impl CheckpointPaths {
    /// The files of the checkpoint named `stem` (the extensions are appended, not substituted).
    pub fn new(stem: &Path) -> Self {
        let with = |extension: &str| {
            let mut name = OsString::from(stem.as_os_str());
            name.push(extension);
            PathBuf::from(name)
        };
        CheckpointPaths {
            weights: with(".mpk"),
            manifest: with(".json"),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Manifest {
    format: String,
    config: TransformerConfig,
    weights: Digest,
}

fn recorder() -> NamedMpkBytesRecorder<FullPrecisionSettings> {
    NamedMpkBytesRecorder::default()
}

/// Saves `model` as the checkpoint named `stem` (see the module documentation) and returns the
/// two paths written.
pub fn save<B: Backend>(model: &Transformer<B>, stem: &Path) -> Result<CheckpointPaths> {
    let paths = CheckpointPaths::new(stem);
    let bytes =
        Recorder::<B>::record(&recorder(), model.clone().into_record(), ()).map_err(|e| {
            Error::Numerical {
                origin: paths.weights.display().to_string(),
                detail: format!("cannot encode the weights: {e:?}"),
            }
        })?;
    let manifest = Manifest {
        format: FORMAT.to_string(),
        config: model.config().clone(),
        weights: Digest::of(&bytes),
    };
    crate::core::files::write_atomic(&paths.weights, &bytes)?;
    let mut json = serde_json::to_string_pretty(&manifest).map_err(|e| Error::Numerical {
        origin: paths.manifest.display().to_string(),
        detail: format!("cannot encode the manifest: {e}"),
    })?;
    json.push('\n');
    crate::core::files::write_atomic(&paths.manifest, json.as_bytes())?;
    Ok(paths)
}

/// The config recorded in the checkpoint named `stem`, validated.
pub fn load_config(stem: &Path) -> Result<TransformerConfig> {
    Ok(read_manifest(&CheckpointPaths::new(stem))?.config)
}

/// Loads the checkpoint named `stem` onto `device`, whatever its config.
pub fn load<B: Backend>(stem: &Path, device: &B::Device) -> Result<Transformer<B>> {
    let paths = CheckpointPaths::new(stem);
    let manifest = read_manifest(&paths)?;
    load_weights(&paths, &manifest, device)
}

/// Loads the checkpoint named `stem`, requiring its config to equal `expected`.
pub fn load_expecting<B: Backend>(
    stem: &Path,
    expected: &TransformerConfig,
    device: &B::Device,
) -> Result<Transformer<B>> {
    let paths = CheckpointPaths::new(stem);
    let manifest = read_manifest(&paths)?;
    if &manifest.config != expected {
        return Err(Error::Invalid {
            origin: paths.manifest.display().to_string(),
            field: "config".into(),
            found: config_json(&manifest.config),
            expected: format!("the expected config {}", config_json(expected)),
        });
    }
    load_weights(&paths, &manifest, device)
}

fn config_json(config: &TransformerConfig) -> String {
    serde_json::to_string(config).unwrap_or_else(|_| format!("{config:?}"))
}

fn read_manifest(paths: &CheckpointPaths) -> Result<Manifest> {
    let origin = paths.manifest.display().to_string();
    let text = crate::core::files::read_text(&paths.manifest)?;
    let manifest: Manifest = serde_json::from_str(&text).map_err(|e| Error::Syntax {
        origin: origin.clone(),
        detail: format!("not a checkpoint manifest: {e}"),
    })?;
    if manifest.format != FORMAT {
        return Err(Error::Invalid {
            origin,
            field: "format".into(),
            found: format!("{:?}", manifest.format),
            expected: format!("{FORMAT:?}"),
        });
    }
    manifest
        .config
        .validate()
        .map_err(|e| e.in_origin(&origin))?;
    Ok(manifest)
}

fn load_weights<B: Backend>(
    paths: &CheckpointPaths,
    manifest: &Manifest,
    device: &B::Device,
) -> Result<Transformer<B>> {
    let origin = paths.weights.display().to_string();
    let bytes = std::fs::read(&paths.weights).map_err(|source| Error::Io {
        path: paths.weights.clone(),
        action: "read the weights",
        source,
    })?;
    manifest
        .weights
        .check(&bytes, &paths.weights, &paths.manifest)?;
    let record = Recorder::<B>::load(&recorder(), bytes, device).map_err(|e| Error::Syntax {
        origin: origin.clone(),
        detail: format!("cannot decode the weights: {e:?}"),
    })?;
    let fresh = manifest.config.init::<B>(device, 0)?;
    let expected = parameter_shapes(&fresh);
    let model = fresh.load_record(record);
    let found = parameter_shapes(&model);
    if found != expected {
        return Err(Error::Invalid {
            origin,
            field: "parameter shapes".into(),
            found: format!("{found:?}"),
            expected: format!("{expected:?}, as the config implies"),
        });
    }
    Ok(model)
}

/// The shapes of the module's parameters, in visiting order.
fn parameter_shapes<B: Backend>(model: &Transformer<B>) -> Vec<Vec<usize>> {
    struct Shapes(Vec<Vec<usize>>);
    impl<B: Backend> ModuleVisitor<B> for Shapes {
        fn visit_float<const D: usize>(&mut self, param: &Param<Tensor<B, D>>) {
            self.0.push(param.shape().as_slice().to_vec());
        }
    }
    let mut shapes = Shapes(Vec::new());
    model.visit(&mut shapes);
    shapes.0
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::llm::backend::{Inference, Training};
    use crate::llm::model::Positions;
    use crate::llm::model::tests::{tiny, tokens};
    use burn::record::NamedMpkFileRecorder;

    type B = Inference;

    fn logits_bytes(model: &Transformer<B>) -> Vec<u8> {
        let rows = [vec![1, 4, 2, 7, 7, 3], vec![1, 0, 10, 5, 6, 2]];
        let logits = model.forward(tokens(&rows, &Default::default()));
        logits.into_data().as_bytes().to_vec()
    }

    #[test]
    fn round_trip_gives_bit_identical_logits() {
        let folder = tempfile::tempdir().unwrap();
        let device = Default::default();
        for (positions, tied) in [(Positions::Learned, true), (Positions::Rotary, false)] {
            let config = tiny(positions, tied);
            let model = config.init::<B>(&device, 21).unwrap();
            let stem = folder
                .path()
                .join(format!("nested/policy-{positions:?}-{tied}"));
            let paths = save(&model, &stem).unwrap();
            assert!(
                paths
                    .weights
                    .ends_with(format!("policy-{positions:?}-{tied}.mpk"))
            );
            let loaded = load::<B>(&stem, &device).unwrap();
            assert_eq!(loaded.config(), &config);
            assert_eq!(logits_bytes(&loaded), logits_bytes(&model));
            assert_eq!(load_config(&stem).unwrap(), config);
            load_expecting::<B>(&stem, &config, &device).unwrap();
            // The weights file is burn's NamedMpkFileRecorder format.
            let record = NamedMpkFileRecorder::<FullPrecisionSettings>::default()
                .load(paths.weights.clone(), &device)
                .unwrap();
            let direct = config.init::<B>(&device, 0).unwrap().load_record(record);
            assert_eq!(logits_bytes(&direct), logits_bytes(&model));
        }
        // No temporary files are left behind.
        let names: Vec<_> = std::fs::read_dir(folder.path().join("nested"))
            .unwrap()
            .collect();
        assert_eq!(names.len(), 4);
    }

    #[test]
    fn a_trained_model_saves_from_the_autodiff_backend_and_loads_for_inference() {
        let folder = tempfile::tempdir().unwrap();
        let device = Default::default();
        let config = tiny(Positions::Rotary, true);
        let model = config.init::<Training>(&device, 3).unwrap();
        let stem = folder.path().join("trained");
        save(&model, &stem).unwrap();
        let loaded = load::<B>(&stem, &device).unwrap();
        let reference = config.init::<B>(&device, 3).unwrap();
        assert_eq!(logits_bytes(&loaded), logits_bytes(&reference));
    }

    #[test]
    fn missing_or_corrupt_files_are_errors_naming_the_file() {
        let folder = tempfile::tempdir().unwrap();
        let device = Default::default();
        let config = tiny(Positions::Learned, false);
        let model = config.init::<B>(&device, 4).unwrap();
        let stem = folder.path().join("policy");
        let paths = save(&model, &stem).unwrap();
        let message = |result: Result<Transformer<B>>| result.unwrap_err().to_string();

        // Missing checkpoint: names the manifest.
        let missing = message(load::<B>(&folder.path().join("absent"), &device));
        assert!(missing.contains("absent.json"), "{missing}");

        // A flipped byte in the weights.
        let good = std::fs::read(&paths.weights).unwrap();
        let mut bad = good.clone();
        let middle = bad.len() / 2;
        bad[middle] ^= 0x40;
        std::fs::write(&paths.weights, &bad).unwrap();
        let corrupt = message(load::<B>(&stem, &device));
        assert!(
            corrupt.contains("policy.mpk") && corrupt.contains("corrupt"),
            "{corrupt}"
        );

        // Truncated weights.
        std::fs::write(&paths.weights, &good[..good.len() / 3]).unwrap();
        assert!(message(load::<B>(&stem, &device)).contains("policy.mpk"));

        // Garbage whose checksum the manifest agrees with: the decoder's error, not a panic.
        let garbage: Vec<u8> = (0..500u32).map(|i| (i * 37 % 251) as u8).collect();
        std::fs::write(&paths.weights, &garbage).unwrap();
        let manifest_text = std::fs::read_to_string(&paths.manifest).unwrap();
        let mut manifest: Manifest = serde_json::from_str(&manifest_text).unwrap();
        manifest.weights = Digest::of(&garbage);
        std::fs::write(&paths.manifest, serde_json::to_string(&manifest).unwrap()).unwrap();
        let undecodable = message(load::<B>(&stem, &device));
        assert!(
            undecodable.contains("policy.mpk") && undecodable.contains("decode"),
            "{undecodable}"
        );

        // Weights missing, manifest present.
        std::fs::remove_file(&paths.weights).unwrap();
        let gone = message(load::<B>(&stem, &device));
        assert!(gone.contains("policy.mpk"), "{gone}");

        // A truncated manifest, then one with an invalid config, then the wrong config.
        save(&model, &stem).unwrap();
        let text = std::fs::read_to_string(&paths.manifest).unwrap();
        std::fs::write(&paths.manifest, &text[..text.len() / 2]).unwrap();
        let truncated = message(load::<B>(&stem, &device));
        assert!(truncated.contains("policy.json"), "{truncated}");
        std::fs::write(
            &paths.manifest,
            text.replace("\"n_heads\": 2", "\"n_heads\": 3"),
        )
        .unwrap();
        let invalid = message(load::<B>(&stem, &device));
        assert!(
            invalid.contains("policy.json") && invalid.contains("d_model"),
            "{invalid}"
        );
        std::fs::write(&paths.manifest, &text).unwrap();
        let other = TransformerConfig {
            d_ff: 64,
            ..config.clone()
        };
        let mismatch = message(load_expecting::<B>(&stem, &other, &device));
        assert!(
            mismatch.contains("policy.json") && mismatch.contains("config"),
            "{mismatch}"
        );
        // A manifest whose config disagrees with the weights' shapes.
        std::fs::write(
            &paths.manifest,
            text.replace("\"d_ff\": 32", "\"d_ff\": 64"),
        )
        .unwrap();
        let shapes = message(load::<B>(&stem, &device));
        assert!(
            shapes.contains("policy.mpk") && shapes.contains("shapes"),
            "{shapes}"
        );
        // And the intact checkpoint still loads.
        std::fs::write(&paths.manifest, &text).unwrap();
        assert_eq!(
            logits_bytes(&load::<B>(&stem, &device).unwrap()),
            logits_bytes(&model)
        );
    }
}
