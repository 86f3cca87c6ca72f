//! One RL run on an LLM world, as an experiment file's `[[runs]]` entry starts it: from the
//! world's SFT policy, one [`RlTrainer`] step per budget step, the greedy validation accuracy R
//! every `validate_every` steps, resumable checkpoints, and a kept policy when it diverges.
//!
//! # Files, under the experiment's output folder
//! - `sft/HASH.{mpk,json,recipe.json}`: the world's SFT policy ([`LlmWorld::prepare`]).
//! - `checkpoints/RUN/state.json`: the run's key, the steps done, the generator's position and
//!   every record so far, pointing at `checkpoints/RUN/step-NNNNNN/` with the policy and AdamW's
//!   state after those steps. The step folder is written completely before `state.json` is
//!   replaced (atomically) to point at it, so an interruption at any moment leaves a consistent
//!   pair; an interrupted run continues from it bit for bit (a test holds a resumed run equal to
//!   an uninterrupted one).
//! - `checkpoints/RUN/last-good.{mpk,json}`: the policy before the update that diverged (a
//!   non-finite loss or measurement, or an importance ratio past [`super::grpo::MAX_RATIO`]).
//!
//! # Records
//! Each step's record is [`RlTrainer::step`]'s (reward, entropy, dH, cov_token, cov_group, …) plus
//! `accuracy` (R, measured on the policy before the step's update, so it pairs with the step's
//! rollout entropy) at steps 0, k, 2k, … and at the last step.

use std::path::{Path, PathBuf};

use burn::module::AutodiffModule;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};

use super::backend::{Inference, Training, default_device};
use super::catalogue::{LlmRunConfig, build};
use super::checkpoint;
use super::evaluate::response_budget;
use super::grpo::RlTrainer;
use super::memory::check_training_fits;
use super::model::Transformer;
use super::world::LlmWorld;
use crate::core::error::{Error, Result};
use crate::core::files::{Digest, read_text, write_atomic};
use crate::core::record::Record;

/// The names an LLM run records (a checkpoint's records are read back against this list).
pub const RECORD_NAMES: &[&str] = &[
    "reward",
    "entropy",
    "entropy_token",
    "length",
    "finished",
    "cov_token",
    "cov_group",
    "informative",
    "learning_rate",
    "dH",
    "kl",
    "clipfrac",
    "ratio_mean",
    "ratio_deviation",
    "surrogate",
    "kl_ref",
    "accuracy",
];

/// The checkpoint state format tag.
/// `/2` adds the optimizer state's digest; a `/1` state is started over.
const FORMAT: &str = "policylab-rl-run/2";

/// One run: what it trains, for how long, with which seed, and where its files go.
#[derive(Debug, Clone, Copy)]
pub struct LlmRun<'a> {
    pub world: &'a LlmWorld,
    pub algorithm: &'a str,
    pub params: &'a [(String, f64)],
    pub steps: usize,
    pub rng_seed: u64,
    /// The experiment's output folder.
    pub out: &'a Path,
    /// The run's id (its checkpoint folder's name).
    pub id: &'a str,
    /// The run's key: a checkpoint with another key is not this run's and is started over.
    pub key: &'a str,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct RunState {
    format: String,
    key: String,
    steps: usize,
    /// Steps done (the records' count).
    done: usize,
    /// The generator's word position, in decimal (a u128).
    word_position: String,
    /// The step folder holding the policy and optimizer after `done` steps.
    folder: String,
    /// The length and FNV-1a hash of the step folder's `optimizer.mpk` (the policy's are in its
    /// checkpoint manifest); absent only in `/1` states, which are not resumed.
    #[serde(default)]
    optimizer: Option<Digest>,
    records: Vec<Vec<(String, f64)>>,
}

/// Checks, before any work, that the run's algorithm and parameters build and that a training
/// step of the world's model fits in the available memory.
pub fn check(world: &LlmWorld, algorithm: &str, params: &[(String, f64)]) -> Result<()> {
    let config = build(algorithm, params, response_budget(world.task.as_ref()))?;
    fits(world, &config)
}

/// Whether one training minibatch of `config` on `world`'s model fits in the available memory.
fn fits(world: &LlmWorld, config: &LlmRunConfig) -> Result<()> {
    let rows = (config.rl.prompts_per_step * config.rl.group_size).div_ceil(config.rl.minibatches);
    check_training_fits(&world.model, rows, world.model.max_len)
}

/// Runs (or continues) `run`, handing each step's record to `observe` (which returns false to
/// stop early).
pub fn run_llm(run: &LlmRun<'_>, observe: &mut dyn FnMut(usize, &Record) -> bool) -> Result<()> {
    let world = run.world;
    let config = build(
        run.algorithm,
        run.params,
        response_budget(world.task.as_ref()),
    )?;
    fits(world, &config)?;
    let sft = world.prepare(run.out)?;
    let folder = run.out.join("checkpoints").join(run.id);
    let device = default_device();
    let has_kl = config.loss.kl.is_some();
    let mut rng = ChaCha8Rng::seed_from_u64(run.rng_seed);
    let mut records: Vec<Record> = Vec::new();
    let mut trainer = match read_state(&folder, run)? {
        Some(state) => {
            let step_folder = folder.join(&state.folder);
            let model = checkpoint::load_expecting::<Training>(
                &step_folder.join("policy"),
                &world.model,
                &device,
            )?;
            let optimizer_path = step_folder.join("optimizer.mpk");
            let optimizer = std::fs::read(&optimizer_path).map_err(|source| Error::Io {
                path: optimizer_path.clone(),
                action: "read",
                source,
            })?;
            let state_path = folder.join("state.json");
            state
                .optimizer
                .as_ref()
                .ok_or_else(|| {
                    Error::invalid("optimizer", "missing", "the optimizer state's digest")
                        .in_origin(&state_path.display().to_string())
                })?
                .check(&optimizer, &optimizer_path, &state_path)
                .map_err(|e| {
                    e.with_expected(|expected| {
                        format!(
                            "{expected}; remove {} to start this run over",
                            folder.display()
                        )
                    })
                })?;
            let reference = if has_kl {
                Some(checkpoint::load_expecting::<Inference>(
                    &sft,
                    &world.model,
                    &device,
                )?)
            } else {
                None
            };
            let position: u128 = state.word_position.parse().map_err(|_| {
                Error::invalid(
                    "word_position",
                    format!("found `{}`", state.word_position),
                    "a whole number",
                )
                .in_origin(&folder.join("state.json").display().to_string())
            })?;
            rng.set_word_pos(position);
            for (t, pairs) in state.records.iter().enumerate() {
                let record = record_from_pairs(pairs, &folder)?;
                if !observe(t, &record) {
                    return Ok(());
                }
                records.push(record);
            }
            RlTrainer::resume(
                model,
                reference,
                config.rl,
                config.loss,
                &optimizer,
                state.done,
            )
            .map_err(|e| e.in_origin(&optimizer_path.display().to_string()))?
        }
        None => {
            let model = checkpoint::load_expecting::<Training>(&sft, &world.model, &device)?;
            RlTrainer::new(model, config.rl, config.loss)?
        }
    };
    let every = world.settings.validate_every;
    // The policy at the start of the previous step: it sampled and updated with finite values,
    // so it is what a divergence keeps (the current one may already be broken when only its
    // sampling reveals it).
    let mut previous_start: Option<(usize, Transformer<Inference>)> = None;
    for t in records.len()..run.steps {
        let start = trainer.model()?.valid();
        let accuracy = if t % every == 0 || t + 1 == run.steps {
            Some(world.accuracy(&start)?)
        } else {
            None
        };
        let stepped = trainer.step(world.task.as_ref(), &world.vocab, &world.holdout, &mut rng);
        let mut record = match stepped {
            Ok(record) => record,
            Err(Error::Numerical { origin, detail }) => {
                let (good_step, good) = match &previous_start {
                    Some((s, model)) => (*s, model),
                    None => (t, &start),
                };
                let kept = folder.join("last-good");
                checkpoint::save(good, &kept)?;
                let origin = if origin.starts_with("RL step") {
                    origin
                } else {
                    format!("RL step {t}: {origin}")
                };
                return Err(Error::Numerical {
                    origin,
                    detail: format!(
                        "{detail}; the policy at the start of step {good_step} is kept in {}",
                        checkpoint::CheckpointPaths::new(&kept).weights.display()
                    ),
                });
            }
            Err(other) => return Err(other),
        };
        previous_start = Some((t, start));
        if let Some(r) = accuracy {
            record.set("accuracy", r);
        }
        let go_on = observe(t, &record);
        records.push(record);
        let done = t + 1;
        let interval = world.settings.checkpoint_every;
        if done == run.steps || !go_on || (interval > 0 && done % interval == 0) {
            save_state(&folder, run, &trainer, &rng, &records)?;
        }
        if !go_on {
            break;
        }
    }
    Ok(())
}

fn read_state(folder: &Path, run: &LlmRun<'_>) -> Result<Option<RunState>> {
    let path = folder.join("state.json");
    if !path.exists() {
        return Ok(None);
    }
    let text = read_text(&path)?;
    let state: RunState = serde_json::from_str(&text).map_err(|e| Error::Syntax {
        origin: path.display().to_string(),
        detail: format!("not an RL run state: {e}"),
    })?;
    // Another run's, another budget's, or another format's checkpoint: start over.
    let ours = state.format == FORMAT
        && state.key == run.key
        && state.steps == run.steps
        && state.records.len() == state.done
        && state.done <= run.steps;
    Ok(ours.then_some(state))
}

fn record_from_pairs(pairs: &[(String, f64)], folder: &Path) -> Result<Record> {
    let mut record = Record::new();
    for (name, value) in pairs {
        let known = RECORD_NAMES.iter().find(|n| **n == name).ok_or_else(|| {
            Error::invalid(
                "records",
                format!("unknown measurement `{name}`"),
                format!("one of {}", RECORD_NAMES.join(", ")),
            )
            .in_origin(&folder.join("state.json").display().to_string())
        })?;
        record.set(known, *value);
    }
    Ok(record)
}

fn save_state(
    folder: &Path,
    run: &LlmRun<'_>,
    trainer: &RlTrainer<Training>,
    rng: &ChaCha8Rng,
    records: &[Record],
) -> Result<()> {
    let done = records.len();
    let name = format!("step-{done:06}");
    let step_folder = folder.join(&name);
    checkpoint::save(&trainer.model()?.valid(), &step_folder.join("policy"))?;
    let optimizer = trainer.optimizer_state()?;
    write_atomic(&step_folder.join("optimizer.mpk"), &optimizer)?;
    let state = RunState {
        format: FORMAT.into(),
        key: run.key.into(),
        steps: run.steps,
        done,
        word_position: rng.get_word_pos().to_string(),
        folder: name.clone(),
        optimizer: Some(Digest::of(&optimizer)),
        records: records
            .iter()
            .map(|r| r.0.iter().map(|(n, v)| (n.to_string(), *v)).collect())
            .collect(),
    };
    let text = serde_json::to_string(&state).map_err(|e| Error::Numerical {
        origin: folder.display().to_string(),
        detail: format!("cannot encode the run state: {e}"),
    })?;
    write_atomic(&folder.join("state.json"), text.as_bytes())?;
    // Older step folders are superseded now that the state points at the new one.
    remove_other_steps(folder, &name)
}

fn remove_other_steps(folder: &Path, keep: &str) -> Result<()> {
    let entries = std::fs::read_dir(folder).map_err(|source| Error::Io {
        path: folder.to_path_buf(),
        action: "list",
        source,
    })?;
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().to_string();
        if name.starts_with("step-") && name != keep {
            let path: PathBuf = entry.path();
            std::fs::remove_dir_all(&path).map_err(|source| Error::Io {
                path: path.clone(),
                action: "remove",
                source,
            })?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn world(extra: &str) -> LlmWorld {
        let text = format!(
            "digits = 1\nsft_steps = 150\nsft_batch_size = 32\nsft_learning_rate = 3e-3\nvalidation_prompts = 8\nvalidate_every = 2\n{extra}"
        );
        LlmWorld::from_table("arithmetic", &toml::from_str(&text).expect("a table"))
            .expect("a world")
    }

    fn params(pairs: &[(&str, f64)]) -> Vec<(String, f64)> {
        pairs.iter().map(|(k, v)| (k.to_string(), *v)).collect()
    }

    fn collect(run: &LlmRun<'_>, stop_after: Option<usize>) -> Result<Vec<(usize, Record)>> {
        let mut seen = Vec::new();
        run_llm(run, &mut |t, record| {
            seen.push((t, record.clone()));
            stop_after.is_none_or(|n| t + 1 < n)
        })?;
        Ok(seen)
    }

    #[test]
    fn an_interrupted_run_resumes_bit_for_bit() {
        let world = world("checkpoint_every = 2");
        let given = params(&[
            ("prompts_per_step", 4.0),
            ("group_size", 8.0),
            ("learning_rate", 1e-3),
            ("kl_coefficient", 0.05),
        ]);
        let out = tempfile::tempdir().unwrap();
        let run = |id: &'static str| LlmRun {
            world: &world,
            algorithm: "grpo",
            params: &given,
            steps: 5,
            rng_seed: 7,
            out: out.path(),
            id,
            key: "test-key",
        };
        let whole = collect(&run("whole"), None).unwrap();
        assert_eq!(whole.len(), 5);
        assert!(whole[0].1.get("accuracy").is_some() && whole[4].1.get("accuracy").is_some());
        assert!(whole[1].1.get("accuracy").is_none());
        // Steps with informative groups update the policy and measure the KL to the reference.
        let updated: Vec<&Record> = whole
            .iter()
            .map(|(_, r)| r)
            .filter(|r| r.get("informative").unwrap() > 0.0)
            .collect();
        assert!(
            whole[3].1.get("informative").unwrap() > 0.0
                && whole[4].1.get("informative").unwrap() > 0.0,
            "the steps after the resume must update the policy: {whole:?}"
        );
        assert!(updated.iter().all(|r| r.get("kl_ref").is_some()));
        // Stopped after 3 steps (a checkpoint at 3 is written on the stop), then continued.
        let first = collect(&run("parts"), Some(3)).unwrap();
        assert_eq!(first.len(), 3);
        let resumed = collect(&run("parts"), None).unwrap();
        assert_eq!(
            resumed, whole,
            "replayed and continued records equal the whole run's"
        );
        // The state names the last step folder, and only that one is kept.
        let folder = out.path().join("checkpoints/parts");
        let steps: Vec<String> = std::fs::read_dir(&folder)
            .unwrap()
            .flatten()
            .map(|e| e.file_name().to_string_lossy().to_string())
            .filter(|n| n.starts_with("step-"))
            .collect();
        assert_eq!(steps, vec!["step-000005".to_string()]);
        // A bit flipped in the optimizer state is caught by its digest, naming the file, instead
        // of a resume from corrupt moments.
        collect(&run("flipped"), Some(3)).unwrap();
        let optimizer = out
            .path()
            .join("checkpoints/flipped/step-000003/optimizer.mpk");
        let mut bytes = std::fs::read(&optimizer).unwrap();
        let middle = bytes.len() / 2;
        bytes[middle] ^= 0x10;
        std::fs::write(&optimizer, &bytes).unwrap();
        let error = collect(&run("flipped"), None).unwrap_err().to_string();
        assert!(
            error.contains("optimizer.mpk") && error.contains("corrupt"),
            "{error}"
        );
        // A checkpoint of another key is not resumed from.
        let other = LlmRun {
            key: "another-key",
            ..run("parts")
        };
        let fresh = collect(&other, Some(1)).unwrap();
        assert_eq!(fresh.len(), 1);
    }

    #[test]
    fn a_diverging_run_stops_naming_the_step_and_keeps_the_last_good_policy() {
        let world = world("checkpoint_every = 0");
        // An absurd learning rate blows the weights up at the first optimizer step, so the second
        // minibatch of the first RL step meets non-finite log-probabilities or ratios.
        let given = params(&[
            ("prompts_per_step", 4.0),
            ("group_size", 4.0),
            ("minibatches", 2.0),
            ("learning_rate", 1e30),
        ]);
        let out = tempfile::tempdir().unwrap();
        let run = LlmRun {
            world: &world,
            algorithm: "pg",
            params: &given,
            steps: 3,
            rng_seed: 1,
            out: out.path(),
            id: "diverges",
            key: "k",
        };
        let error = collect(&run, None).unwrap_err();
        let text = error.to_string();
        assert!(matches!(error, Error::Numerical { .. }), "{text}");
        assert!(
            text.contains("RL step") && text.contains("last-good"),
            "{text}"
        );
        // The kept policy samples and scores with finite values.
        let kept = out.path().join("checkpoints/diverges/last-good");
        let model = checkpoint::load_expecting::<Inference>(&kept, &world.model, &default_device())
            .expect("the kept policy loads");
        assert!(world.accuracy(&model).unwrap().is_finite());
    }
}
