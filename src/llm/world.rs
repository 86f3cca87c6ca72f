//! An LLM world of an experiment file: a task, a model size, the SFT recipe that makes the policy
//! RL starts from, and the validation protocol.
//!
//! ```toml
//! [[world]]
//! name = "countdown"
//! llm = "countdown"                 # a task family: arithmetic, countdown
//! params = { count = 3, max_target = 100, sft_steps = 600 }
//! grid = { model = ["tiny", "mini", "small"] }
//! ```
//!
//! `params` holds the task's own parameters ([`crate::llm::task::TaskSpec`]) and the world's keys
//! below, with these defaults: `model = "tiny"` (a preset of [`TransformerConfig::preset`]),
//! `init_seed = 0` (initial weights and SFT data), `sft_steps = 600`, `sft_batch_size = 64`,
//! `sft_learning_rate = 1e-3`, `sft_warmup_steps = 50`, `validation_prompts = 200` (held-out
//! prompts for the greedy accuracy R), `validate_every = 10` (R at steps 0, k, 2k, … and the last),
//! `checkpoint_every = 25` (RL steps between resumable checkpoints; 0: none).
//!
//! The SFT policy is made once per world and output folder ([`LlmWorld::prepare`]) and shared by
//! every run on the world; a later invocation finds it and does not train it again.

use std::path::{Path, PathBuf};
use std::sync::Mutex;

use burn::module::AutodiffModule;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};

use super::backend::{Inference, Training, default_device};
use super::checkpoint;
use super::model::{PRESETS, Transformer, TransformerConfig};
use super::schedule::LearningRateSchedule;
use super::sft::{SftConfig, SftTrainer};
use super::task::{Holdout, Problem, Split, Task, TaskSpec};
use super::vocab::Vocab;
use crate::core::error::{Error, Result};
use crate::core::files::{read_text, write_atomic};
use crate::core::seeding::{FNV1A_OFFSET_BASIS, fnv1a};

/// The world's own keys (the rest of `params` belongs to the task).
pub const WORLD_KEYS: &[&str] = &[
    "model",
    "init_seed",
    "sft_steps",
    "sft_batch_size",
    "sft_learning_rate",
    "sft_warmup_steps",
    "validation_prompts",
    "validate_every",
    "checkpoint_every",
];

/// The seed of the validation prompts: one set per task, whatever the model or recipe, so R is
/// comparable across the worlds of a grid.
pub const VALIDATION_SEED: u64 = 99;

/// The world's settings as written (task parameters aside).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct LlmWorldSettings {
    pub model: String,
    pub init_seed: u64,
    pub sft_steps: usize,
    pub sft_batch_size: usize,
    pub sft_learning_rate: f64,
    pub sft_warmup_steps: usize,
    pub validation_prompts: usize,
    pub validate_every: usize,
    pub checkpoint_every: usize,
}

impl Default for LlmWorldSettings {
    fn default() -> Self {
        LlmWorldSettings {
            model: "tiny".into(),
            init_seed: 0,
            sft_steps: 600,
            sft_batch_size: 64,
            sft_learning_rate: 1e-3,
            sft_warmup_steps: 50,
            validation_prompts: 200,
            validate_every: 10,
            checkpoint_every: 25,
        }
    }
}

/// A task, a model and an SFT recipe, ready to prepare and run.
#[derive(Debug)]
pub struct LlmWorld {
    pub task_spec: TaskSpec,
    pub task: Box<dyn Task>,
    pub settings: LlmWorldSettings,
    pub vocab: Vocab,
    pub holdout: Holdout,
    pub model: TransformerConfig,
    /// The held-out prompts R is measured on (fixed for the world).
    pub validation: Vec<Problem>,
    /// Serializes [`LlmWorld::prepare`] among the runs that share the world.
    preparing: Mutex<()>,
}

impl LlmWorld {
    /// Builds the world of task family `family` from its `params` table; every error names the
    /// key, the value and what is allowed.
    pub fn from_table(family: &str, params: &toml::Table) -> Result<Self> {
        if !TaskSpec::names().contains(&family) {
            return Err(Error::invalid(
                "llm",
                format!("unknown task family `{family}`"),
                format!("one of {}", TaskSpec::names().join(", ")),
            ));
        }
        let mut own = toml::Table::new();
        let mut task = toml::Table::new();
        for (key, value) in params {
            if WORLD_KEYS.contains(&key.as_str()) {
                own.insert(key.clone(), value.clone());
            } else {
                task.insert(key.clone(), value.clone());
            }
        }
        task.insert("name".into(), toml::Value::String(family.into()));
        let settings: LlmWorldSettings =
            toml::Value::Table(own)
                .try_into()
                .map_err(|e: toml::de::Error| {
                    Error::invalid(
                        "params",
                        e.message().trim().to_string(),
                        format!("the world keys {}", WORLD_KEYS.join(", ")),
                    )
                })?;
        let task_spec: TaskSpec =
            toml::Value::Table(task)
                .try_into()
                .map_err(|e: toml::de::Error| {
                    Error::invalid(
                        "params",
                        e.message().trim().to_string(),
                        format!(
                            "the parameters of task `{family}` or the world keys {}",
                            WORLD_KEYS.join(", ")
                        ),
                    )
                })?;
        let task = task_spec.build()?;
        for (key, value) in [
            ("sft_batch_size", settings.sft_batch_size),
            ("validation_prompts", settings.validation_prompts),
            ("validate_every", settings.validate_every),
        ] {
            if value == 0 {
                return Err(Error::invalid(
                    format!("params.{key}"),
                    "found 0",
                    "at least 1",
                ));
            }
        }
        let vocab = Vocab::standard();
        let max_len = 1 + task.prompt_len() + task.max_response_len() + 1;
        let model =
            TransformerConfig::preset(&settings.model, vocab.len(), max_len).map_err(|_| {
                Error::invalid(
                    "params.model",
                    format!("found `{}`", settings.model),
                    format!("one of {}", PRESETS.join(", ")),
                )
            })?;
        let sft = sft_config(&settings);
        sft.validate().map_err(|e| e.in_origin("params (sft_*)"))?;
        let holdout = Holdout::default();
        let validation = holdout
            .fixed_set(
                task.as_ref(),
                Split::Validation,
                settings.validation_prompts,
                VALIDATION_SEED,
            )
            .map_err(|e| {
                Error::invalid(
                    "params.validation_prompts",
                    e.to_string(),
                    "fewer validation prompts, or a task with more distinct problems",
                )
            })?;
        Ok(LlmWorld {
            task_spec,
            task,
            settings,
            vocab,
            holdout,
            model,
            validation,
            preparing: Mutex::new(()),
        })
    }

    /// What identifies the SFT policy: the task, the model and the SFT recipe.
    pub fn sft_key(&self) -> String {
        let task = serde_json::to_string(&self.task_spec).unwrap_or_default();
        let model = serde_json::to_string(&self.model).unwrap_or_default();
        let s = &self.settings;
        format!(
            "task={task};model={model};init_seed={};sft_steps={};sft_batch_size={};sft_learning_rate={:?};sft_warmup_steps={}",
            s.init_seed, s.sft_steps, s.sft_batch_size, s.sft_learning_rate, s.sft_warmup_steps
        )
    }

    /// The stem of the SFT checkpoint under an output folder.
    pub fn sft_stem(&self, out: &Path) -> PathBuf {
        out.join("sft").join(format!(
            "{:016x}",
            fnv1a(FNV1A_OFFSET_BASIS, self.sft_key().as_bytes())
        ))
    }

    /// The SFT policy of this world under `out`: trained (and saved atomically, with a record of
    /// its recipe and validation accuracy) unless an earlier run already left it there. Runs that
    /// share the world wait for the first to finish it.
    pub fn prepare(&self, out: &Path) -> Result<PathBuf> {
        let _guard = self
            .preparing
            .lock()
            .map_err(|_| Error::Usage("an SFT preparation panicked".into()))?;
        let stem = self.sft_stem(out);
        let recipe_path = stem.with_extension("recipe.json");
        if recipe_path.exists() && checkpoint::CheckpointPaths::new(&stem).manifest.exists() {
            let text = read_text(&recipe_path)?;
            let recipe: SftRecipe = serde_json::from_str(&text).map_err(|e| Error::Syntax {
                origin: recipe_path.display().to_string(),
                detail: format!("not an SFT recipe: {e}"),
            })?;
            if recipe.key == self.sft_key() {
                return Ok(stem);
            }
        }
        let device = default_device();
        let model: Transformer<Training> = self.model.init(&device, self.settings.init_seed)?;
        let mut trainer = SftTrainer::new(model, sft_config(&self.settings))?;
        let mut rng = ChaCha8Rng::seed_from_u64(self.settings.init_seed.wrapping_add(1));
        let mut last_loss = f64::NAN;
        for _ in 0..self.settings.sft_steps {
            let problems = (0..self.settings.sft_batch_size)
                .map(|_| {
                    self.holdout
                        .generate_in(self.task.as_ref(), Split::Train, &mut rng)
                })
                .collect::<Result<Vec<_>>>()?;
            last_loss = trainer.step(&self.vocab, &problems)?.loss;
        }
        let model = trainer.into_model()?.valid();
        let accuracy = self.accuracy(&model)?;
        checkpoint::save(&model, &stem)?;
        let recipe = SftRecipe {
            key: self.sft_key(),
            final_loss: last_loss,
            validation_accuracy: accuracy,
            parameters: self.model.parameter_count(),
        };
        let text = serde_json::to_string_pretty(&recipe).map_err(|e| Error::Numerical {
            origin: recipe_path.display().to_string(),
            detail: format!("cannot encode the SFT recipe: {e}"),
        })?;
        write_atomic(&recipe_path, text.as_bytes())?;
        Ok(stem)
    }

    /// Greedy accuracy on the world's validation prompts: R.
    pub fn accuracy(&self, model: &Transformer<Inference>) -> Result<f64> {
        super::evaluate::greedy_accuracy(
            model,
            self.task.as_ref(),
            &self.vocab,
            &self.validation,
            256,
        )
    }
}

/// What `prepare` leaves beside the SFT checkpoint.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct SftRecipe {
    key: String,
    final_loss: f64,
    validation_accuracy: f64,
    parameters: usize,
}

fn sft_config(settings: &LlmWorldSettings) -> SftConfig {
    SftConfig {
        steps: settings.sft_steps,
        batch_size: settings.sft_batch_size,
        learning_rate: LearningRateSchedule {
            peak: settings.sft_learning_rate,
            warmup_steps: settings.sft_warmup_steps,
            floor: 0.1,
        },
        ..SftConfig::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table(text: &str) -> toml::Table {
        toml::from_str(text).expect("a table")
    }

    #[test]
    fn task_and_world_keys_are_split_and_defaults_filled() {
        let world = LlmWorld::from_table(
            "arithmetic",
            &table("digits = 2\nmodel = \"tiny\"\nsft_steps = 3"),
        )
        .unwrap();
        assert_eq!(world.task.name(), "arithmetic");
        assert_eq!(world.settings.sft_steps, 3);
        assert_eq!(world.settings.validate_every, 10);
        assert_eq!(world.validation.len(), 200);
        assert_eq!(world.model.d_model, 64);
    }

    #[test]
    fn bad_worlds_are_named() {
        let cases = [
            ("sudoku", "", "sudoku"),
            ("arithmetic", "digits = 9", "digits"),
            ("arithmetic", "colour = 1", "colour"),
            ("countdown", "model = \"huge\"", "params.model"),
            ("countdown", "validate_every = 0", "validate_every"),
            ("countdown", "sft_learning_rate = -1.0", "learning_rate"),
        ];
        for (family, text, needle) in cases {
            let error = LlmWorld::from_table(family, &table(text))
                .unwrap_err()
                .to_string();
            assert!(error.contains(needle), "{family} {text}: {error}");
        }
    }

    #[test]
    fn prepare_trains_once_and_reuses_the_checkpoint() {
        let world = LlmWorld::from_table(
            "arithmetic",
            &table("digits = 1\nsft_steps = 2\nsft_batch_size = 4\nvalidation_prompts = 8"),
        )
        .unwrap();
        let out = tempfile::tempdir().unwrap();
        let stem = world.prepare(out.path()).unwrap();
        let manifest = checkpoint::CheckpointPaths::new(&stem).manifest;
        let written = std::fs::metadata(&manifest).unwrap().modified().unwrap();
        assert_eq!(world.prepare(out.path()).unwrap(), stem);
        assert_eq!(
            std::fs::metadata(&manifest).unwrap().modified().unwrap(),
            written,
            "the second prepare must not train again"
        );
        let other = LlmWorld::from_table(
            "arithmetic",
            &table("digits = 1\nsft_steps = 3\nsft_batch_size = 4\nvalidation_prompts = 8"),
        )
        .unwrap();
        assert_ne!(
            other.sft_stem(out.path()),
            stem,
            "another recipe, another checkpoint"
        );
    }
}
