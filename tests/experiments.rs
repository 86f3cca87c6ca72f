//! `policylab run` and `policylab merge`: results that do not depend on the thread count, on an
//! interruption (SIGKILL) or on sharding; stop rules and record schedules; experiment files with
//! mistakes refused before any work, with the file, the key and the valid choices named.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

mod command;
use command::{failure, success};

/// Sampled PPO (seeds matter), exact NPG on a grid, and two bandit learners: 2 worlds + 1 bandit.
const SWEEP: &str = r#"
name = "sweep-test"
steps = 40
seeds = 3
record = { every = 7 }

[[world]]
name = "garnet"
generator = "garnet"
params = { states = 6, actions = 3, branching = 2, gamma = 0.8 }
grid = { seed = [1, 2] }

[[world]]
name = "arms"
bandit = "bernoulli"
params = { means = [0.7, 0.5, 0.2] }

[[runs]]
algorithm = "ppo-clip"
params = { episodes = 4, epochs = 2 }

[[runs]]
algorithm = "npg"
grid = { step_size = [0.5, 2.0] }

[[runs]]
algorithm = "ucb1"

[[runs]]
algorithm = "exp3"
"#;

fn write_experiment(folder: &Path, name: &str, text: &str) -> PathBuf {
    let path = folder.join(name);
    std::fs::write(&path, text).unwrap();
    path
}

fn run_into(file: &Path, out: &Path, extra: &[&str]) -> String {
    let mut args = vec![
        "run",
        file.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ];
    args.extend_from_slice(extra);
    success(&args)
}

/// For each case (from, to, expected): `base` with `from` replaced by `to`, written as
/// `{stem}-{i}.toml`, must be refused by `policylab run` with the file named and `expected` in the
/// message, before any output folder is made.
fn assert_refused(folder: &Path, base: &str, stem: &str, cases: &[(&str, &str, &str)]) {
    for (i, (from, to, expected)) in cases.iter().enumerate() {
        assert!(base.contains(from), "case {i}: {from}");
        let name = format!("{stem}-{i}.toml");
        let file = write_experiment(folder, &name, &base.replacen(from, to, 1));
        let out = folder.join(format!("{stem}-out-{i}"));
        let error = failure(&[
            "run",
            file.to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
        ]);
        assert!(
            error.contains(&name) && error.contains(expected),
            "case {i}: {error}"
        );
        assert!(!out.exists(), "case {i}: wrote {out:?} despite the error");
    }
}

fn results(out: &Path) -> String {
    std::fs::read_to_string(out.join("results.csv")).unwrap()
}

#[test]
fn results_are_the_same_bits_on_one_and_two_threads_and_seeds_differ() {
    let dir = tempfile::tempdir().unwrap();
    let file = write_experiment(dir.path(), "sweep.toml", SWEEP);
    run_into(&file, &dir.path().join("one"), &["--threads", "1"]);
    run_into(&file, &dir.path().join("two"), &["--threads", "2"]);
    let one = results(&dir.path().join("one"));
    assert_eq!(one, results(&dir.path().join("two")));
    // (2 garnets × (1 ppo + 2 npg) + 2 bandit learners) × 3 seeds = 24 runs; steps 0, 7, …, 35,
    // 39 kept: 7 rows each.
    assert_eq!(one.lines().count(), 1 + 24 * 7, "{one}");
    let header = one.lines().next().unwrap();
    assert!(
        header.starts_with("experiment,world,algorithm,label,world.seed,")
            && header.contains(",step_size,seed,step,J,gap,"),
        "{header}"
    );
    assert!(header.contains(",regret"), "{header}");
    // NPG records its current step size: that column is renamed so every name is unique.
    let names: Vec<&str> = header.split(',').collect();
    assert!(names.contains(&"record.step_size"), "{header}");
    let mut unique = names.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), names.len(), "{header}");
    // Sampled PPO: the three seeds of one configuration give three different trajectories.
    let last_j: Vec<&str> = one
        .lines()
        .filter(|l| l.contains(",ppo-clip,") && l.contains("garnet[seed=1]") && l.contains(",39,"))
        .collect();
    assert_eq!(last_j.len(), 3);
    assert!(
        last_j[0] != last_j[1] && last_j[1] != last_j[2],
        "{last_j:?}"
    );
    let manifest: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(dir.path().join("one/manifest.json")).unwrap(),
    )
    .unwrap();
    assert_eq!(manifest["runs_total"], 24);
    assert_eq!(manifest["complete"], true);
    assert_eq!(manifest["runs"].as_array().unwrap().len(), 24);
    assert!(manifest["runs"][0]["wall_seconds"].as_f64().unwrap() >= 0.0);
    assert_eq!(manifest["policylab_version"], env!("CARGO_PKG_VERSION"));
}

#[test]
fn a_run_killed_midway_resumes_to_the_uninterrupted_result() {
    let dir = tempfile::tempdir().unwrap();
    // Long enough runs that the sweep is still going when the first runs are written.
    let text = SWEEP
        .replace("steps = 40", "steps = 3000")
        .replace("record = { every = 7 }", "record = { every = 250 }");
    let file = write_experiment(dir.path(), "sweep.toml", &text);
    let whole = dir.path().join("whole");
    run_into(&file, &whole, &["--threads", "2"]);

    let resumed = dir.path().join("resumed");
    let mut child = Command::new(env!("CARGO_BIN_EXE_policylab"))
        .args([
            "run",
            file.to_str().unwrap(),
            "--out",
            resumed.to_str().unwrap(),
            "--threads",
            "1",
        ])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let started = Instant::now();
    let finished = |folder: &Path| {
        std::fs::read_dir(folder.join("runs"))
            .map(|entries| {
                entries
                    .flatten()
                    .filter(|e| {
                        let name = e.file_name().to_string_lossy().into_owned();
                        name.ends_with(".json") && !name.ends_with(".policy.json")
                    })
                    .count()
            })
            .unwrap_or(0)
    };
    while finished(&resumed) < 3 && started.elapsed() < Duration::from_secs(120) {
        std::thread::sleep(Duration::from_millis(5));
    }
    // Child::kill sends SIGKILL on Unix: no chance to clean up.
    child.kill().unwrap();
    child.wait().unwrap();
    let before = finished(&resumed);
    assert!(
        (3..24).contains(&before),
        "killed after {before} of 24 runs: the test needs a partial sweep"
    );
    let output = run_into(&file, &resumed, &["--threads", "2"]);
    assert!(
        output.contains(&format!("({before} already finished)")),
        "{output}"
    );
    assert_eq!(results(&resumed), results(&whole));
}

#[test]
fn shards_merge_into_the_unsharded_result() {
    let dir = tempfile::tempdir().unwrap();
    let file = write_experiment(dir.path(), "sweep.toml", SWEEP);
    let whole = dir.path().join("whole");
    run_into(&file, &whole, &[]);
    let mut shards = Vec::new();
    for k in 1..=3 {
        let out = dir.path().join(format!("shard-{k}"));
        let said = run_into(&file, &out, &["--shard", &format!("{k}/3")]);
        assert!(said.contains("8 of 24 runs finished"), "{said}");
        shards.push(out.to_str().unwrap().to_string());
    }
    let merged = dir.path().join("merged");
    let mut args: Vec<&str> = vec!["merge"];
    args.extend(shards.iter().map(String::as_str));
    args.extend(["--out", merged.to_str().unwrap()]);
    let said = success(&args);
    assert!(said.contains("24 of 24 runs"), "{said}");
    // --json on run and merge: one object each.
    args.push("--json");
    let merged_json: serde_json::Value = serde_json::from_str(&success(&args)).unwrap();
    assert_eq!(
        (
            merged_json["finished"].as_u64(),
            merged_json["complete"].as_bool()
        ),
        (Some(24), Some(true))
    );
    let run_json: serde_json::Value =
        serde_json::from_str(&run_into(&file, &whole, &["--json"])).unwrap();
    assert_eq!(
        (
            run_json["ran"].as_u64(),
            run_json["already_finished"].as_u64()
        ),
        (Some(0), Some(24))
    );
    assert_eq!(results(&merged), results(&whole));
    // Merging only two shards says it is incomplete.
    let partial = dir.path().join("partial");
    let said = success(&[
        "merge",
        &shards[0],
        &shards[1],
        "--out",
        partial.to_str().unwrap(),
    ]);
    assert!(
        said.contains("16 of 24 runs") && said.contains("incomplete"),
        "{said}"
    );
    // After an edit (one seed fewer), rerunning the shards into the same folders and merging
    // gives the edited file's unsharded results: runs the edit left in the shards' folders are not
    // merged.
    let fewer_text = SWEEP.replace("seeds = 3", "seeds = 2");
    let fewer = write_experiment(dir.path(), "fewer.toml", &fewer_text);
    let fewer_whole = dir.path().join("fewer-whole");
    run_into(&fewer, &fewer_whole, &[]);
    for (k, shard) in shards.iter().enumerate() {
        run_into(
            &fewer,
            Path::new(shard),
            &["--shard", &format!("{}/3", k + 1)],
        );
    }
    let fewer_merged = dir.path().join("fewer-merged");
    let mut args: Vec<&str> = vec!["merge"];
    args.extend(shards.iter().map(String::as_str));
    args.extend(["--out", fewer_merged.to_str().unwrap()]);
    let said = success(&args);
    assert!(said.contains("16 of 16 runs"), "{said}");
    assert_eq!(results(&fewer_merged), results(&fewer_whole));
    // Shards of another experiment are refused.
    let other = write_experiment(
        dir.path(),
        "other.toml",
        &SWEEP.replace("steps = 40", "steps = 41"),
    );
    let other_out = dir.path().join("other");
    run_into(&other, &other_out, &[]);
    let error = failure(&[
        "merge",
        &shards[0],
        other_out.to_str().unwrap(),
        "--out",
        dir.path().join("bad").to_str().unwrap(),
    ]);
    assert!(error.contains("different experiments"), "{error}");
}

#[test]
fn a_stop_rule_ends_each_run_at_its_target_and_log_points_thin_the_record() {
    let dir = tempfile::tempdir().unwrap();
    let text = r#"
name = "stop-test"
steps = 100000
record = { log_points = 20 }
stop = { metric = "gap", below = 0.01 }

[[world]]
name = "bandit"
file = "bandit3.toml"

[[runs]]
algorithm = "softmax-pg"
params = { step_size = 0.4 }
"#;
    std::fs::copy(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("mdps/bandit3.toml"),
        dir.path().join("bandit3.toml"),
    )
    .unwrap();
    let file = write_experiment(dir.path(), "stop.toml", text);
    let out = dir.path().join("out");
    run_into(&file, &out, &[]);
    let csv = results(&out);
    let last = csv.lines().last().unwrap();
    let header: Vec<&str> = csv.lines().next().unwrap().split(',').collect();
    let cells: Vec<&str> = last.split(',').collect();
    let column = |name: &str| header.iter().position(|h| *h == name).unwrap();
    let gap: f64 = cells[column("gap")].parse().unwrap();
    let step: usize = cells[column("step")].parse().unwrap();
    assert!(gap < 0.01, "{last}");
    // Mei et al.'s t·gap ≈ 1.7 puts the crossing of 0.01 near t ≈ 170.
    assert!((100..300).contains(&step), "{step}");
    let manifest: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("manifest.json")).unwrap()).unwrap();
    assert_eq!(manifest["runs"][0]["reached_target_at"], step);
    // About 20 log-spaced steps up to 10⁵ of which those before the stop, plus the stop.
    assert!(csv.lines().count() < 20, "{csv}");
}

#[test]
fn mistakes_in_experiment_files_are_named_before_any_work() {
    let dir = tempfile::tempdir().unwrap();
    let cases = [
        ("steps = 40", "stepz = 40", "unknown field `stepz`"),
        (
            "algorithm = \"npg\"",
            "algorithm = \"ngp\"",
            "unknown algorithm `ngp`",
        ),
        (
            "params = { episodes = 4, epochs = 2 }",
            "params = { episodes = 4, epoch = 2 }",
            "no parameter `epoch`",
        ),
        (
            "algorithm = \"ucb1\"",
            "algorithm = \"ucb1\"\nworlds = [\"armz\"]",
            "no world `armz`",
        ),
        (
            "generator = \"garnet\"",
            "generator = \"garnett\"",
            "unknown generator `garnett`",
        ),
        (
            "params = { states = 6,",
            "params = { statez = 6,",
            "unknown field `statez`",
        ),
        (
            "grid = { step_size = [0.5, 2.0] }",
            "grid = { step_size = [-0.5, 2.0] }",
            "step_size",
        ),
        (
            "algorithm = \"exp3\"",
            "algorithm = \"exp3\"\nworlds = [\"garnet\"]",
            "`exp3` does not run on an MDP",
        ),
        // Two [[runs]] entries with one label on a world would be one curve in figures.
        (
            "[[runs]]\nalgorithm = \"npg\"\ngrid = { step_size = [0.5, 2.0] }",
            "[[runs]]\nalgorithm = \"npg\"\nlabel = \"ppo-clip\"\nparams = { step_size = 0.5 }",
            "is also the label of runs[0]",
        ),
        // A switch is 0 or 1, not true: `step_size = true` used to run as 1.0.
        (
            "grid = { step_size = [0.5, 2.0] }",
            "params = { step_size = true }",
            "found true",
        ),
        // `[quick]` names are checked in the full budget too.
        (
            "algorithm = \"exp3\"",
            "algorithm = \"exp3\"\n\n[quick]\nworld_grid = { garnett = { seed = [1] } }",
            "quick.world_grid.garnett",
        ),
        // γ so close to 1 that the exact solves lose most of their digits.
        ("gamma = 0.8", "gamma = 0.999999999999", "gamma <= 1 − 1e-7"),
    ];
    assert_refused(dir.path(), SWEEP, "bad", &cases);
    // The valid choices are listed.
    let file = write_experiment(
        dir.path(),
        "bad-names.toml",
        &SWEEP.replacen("\"npg\"", "\"ngp\"", 1),
    );
    let error = failure(&["run", file.to_str().unwrap(), "--out", "/nonexistent/never"]);
    assert!(
        error.contains("softmax-pg") && error.contains("tsallis-inf"),
        "{error}"
    );
    let error = failure(&["run", file.to_str().unwrap(), "--shard", "4/3"]);
    assert!(error.contains("1 <= K <= N"), "{error}");
}

/// A tiny LLM world: one-digit sums, a few SFT steps, two RL algorithms.
const LLM: &str = r#"
name = "llm-test"
steps = 3
seeds = 1

[[world]]
name = "sums"
llm = "arithmetic"
params = { digits = 1, sft_steps = 5, sft_batch_size = 8, validation_prompts = 8, validate_every = 2 }

[[runs]]
algorithm = "grpo"
params = { prompts_per_step = 2, group_size = 4 }

[[runs]]
algorithm = "clip-cov"
params = { prompts_per_step = 2, group_size = 4, fraction = 0.1 }
"#;

#[test]
fn llm_worlds_run_from_experiment_files_and_reuse_their_sft_policy() {
    let dir = tempfile::tempdir().unwrap();
    let file = write_experiment(dir.path(), "llm.toml", LLM);
    let out = dir.path().join("out");
    run_into(&file, &out, &["--threads", "2"]);
    let table = results(&out);
    let header = table.lines().next().unwrap();
    for column in [
        "accuracy",
        "entropy",
        "dH",
        "cov_token",
        "cov_group",
        "clipfrac",
    ] {
        assert!(header.split(',').any(|c| c == column), "{column}: {header}");
    }
    // Two configurations × 3 steps.
    assert_eq!(table.lines().count(), 1 + 2 * 3, "{table}");
    let sft: Vec<_> = std::fs::read_dir(out.join("sft"))
        .unwrap()
        .flatten()
        .collect();
    assert_eq!(
        sft.len(),
        3,
        "one SFT policy (weights, manifest, recipe): {sft:?}"
    );
    // A second invocation finds every run finished and the results unchanged.
    run_into(&file, &out, &[]);
    assert_eq!(results(&out), table);
    // Mistakes in LLM worlds and runs are named before any work.
    let cases = [
        (
            "llm = \"arithmetic\"",
            "llm = \"sudoku\"",
            "unknown task family `sudoku`",
        ),
        (
            "digits = 1,",
            "digits = 1, model = \"huge\",",
            "params.model",
        ),
        ("group_size = 4 }", "group_size = 1 }", "group_size"),
        ("fraction = 0.1", "fractoin = 0.1", "fractoin"),
        (
            "algorithm = \"grpo\"",
            "algorithm = \"npg\"\nworlds = [\"sums\"]",
            "`npg` does not run on an LLM world",
        ),
    ];
    assert_refused(dir.path(), LLM, "bad-llm", &cases);
}

/// Runs are keyed by content: an edited file reuses every run it still has (results bit for bit
/// those of a fresh folder), the runs it no longer has are moved to `set-aside/` and never
/// merged, another experiment's folder is refused, a damaged run is set aside and rerun, and a
/// second writer is refused while the folder is held.
#[test]
fn edited_experiments_reuse_what_matches_and_set_the_rest_aside() {
    let dir = tempfile::tempdir().unwrap();
    let file = write_experiment(dir.path(), "sweep.toml", SWEEP);
    let out = dir.path().join("out");
    run_into(&file, &out, &[]);
    let whole = results(&out);
    let fresh = |name: &str, text: &str| {
        let file = write_experiment(dir.path(), &format!("{name}.toml"), text);
        let folder = dir.path().join(format!("fresh-{name}"));
        run_into(&file, &folder, &[]);
        (file, results(&folder))
    };
    let set_aside_count = || walk_json_count(&out.join("set-aside"));

    // Fewer seeds: nothing runs, the third seed's 8 runs are set aside, not merged.
    let (fewer, expected) = fresh("fewer", &SWEEP.replace("seeds = 3", "seeds = 2"));
    let said = run_into(&fewer, &out, &[]);
    assert!(said.contains("ran 0 runs (16 already finished)"), "{said}");
    assert!(
        said.contains("set aside 8 run(s)") && said.contains("no longer in the experiment file"),
        "{said}"
    );
    assert_eq!(results(&out), expected);
    assert_eq!(set_aside_count(), 8);

    // Growing the sweep back brings the set-aside seed back (nothing reruns): the original results.
    let said = run_into(&file, &out, &[]);
    assert!(said.contains("ran 0 runs (24 already finished)"), "{said}");
    assert!(said.contains("moved 8 run(s) back"), "{said}");
    assert_eq!(results(&out), whole);
    assert_eq!(set_aside_count(), 0);

    // A new grid value reuses every other configuration (whose place in the file moved).
    let (grown, expected) = fresh(
        "grown",
        &SWEEP.replace("step_size = [0.5, 2.0]", "step_size = [0.25, 0.5, 2.0]"),
    );
    let said = run_into(&grown, &out, &[]);
    assert!(said.contains("ran 6 runs (24 already finished)"), "{said}");
    assert_eq!(results(&out), expected);
    assert_eq!(set_aside_count(), 0);

    // Edited parameters, budget or world: the changed runs are set aside and run again.
    for (name, from, to, ran) in [
        (
            "episodes",
            "params = { episodes = 4, epochs = 2 }",
            "params = { episodes = 5, epochs = 2 }",
            6,
        ),
        ("gamma", "gamma = 0.8", "gamma = 0.85", 24),
        ("steps", "steps = 40", "steps = 41", 30),
    ] {
        let grown_text = SWEEP.replace("step_size = [0.5, 2.0]", "step_size = [0.25, 0.5, 2.0]");
        let (edited, expected) = fresh(name, &grown_text.replace(from, to));
        let said = run_into(&edited, &out, &[]);
        assert!(said.contains(&format!("ran {ran} runs")), "{name}: {said}");
        assert!(said.contains("set aside"), "{name}: {said}");
        assert_eq!(results(&out), expected, "{name}");
        run_into(&grown, &out, &[]);
    }

    // Another experiment's folder is refused, naming both.
    let other = write_experiment(
        dir.path(),
        "other.toml",
        &SWEEP.replace("name = \"sweep-test\"", "name = \"other-test\""),
    );
    let error = failure(&[
        "run",
        other.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(
        error.contains("`sweep-test`")
            && error.contains("`other-test`")
            && error.contains("another --out"),
        "{error}"
    );

    // A per-run CSV that lost its last row (or a bit) is not reused: set aside, run again.
    let (_, expected) = fresh(
        "grown-again",
        &SWEEP.replace("step_size = [0.5, 2.0]", "step_size = [0.25, 0.5, 2.0]"),
    );
    let csv = std::fs::read_dir(out.join("runs"))
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .find(|p| p.extension().is_some_and(|e| e == "csv"))
        .unwrap();
    let text = std::fs::read_to_string(&csv).unwrap();
    let cut = text.trim_end().rfind('\n').unwrap() + 1;
    std::fs::write(&csv, &text[..cut]).unwrap();
    let said = run_into(&grown, &out, &[]);
    assert!(
        said.contains("ran 1 runs") && said.contains("damaged"),
        "{said}"
    );
    assert_eq!(results(&out), expected);

    // A leftover temporary file of an interrupted write is removed.
    let leftover = out.join("runs").join(".c0-s000.csv.tmp-99999");
    std::fs::write(&leftover, "half").unwrap();
    run_into(&grown, &out, &[]);
    assert!(!leftover.exists());

    // While a process holds the folder, a second writer is refused and names it.
    let held = policylab::experiment::lock::lock_folder(
        &out,
        policylab::experiment::lock::LockMode::Exclusive,
        "a test holding the folder",
    )
    .unwrap();
    let error = failure(&[
        "run",
        grown.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(
        error.contains("in use by") && error.contains("a test holding the folder"),
        "{error}"
    );
    let error = failure(&[
        "merge",
        out.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(error.contains("in use by"), "{error}");
    drop(held);
    run_into(&grown, &out, &[]);
}

/// The number of run descriptions (`ID.json`, not `ID.policy.json`) under `folder`, at any depth.
fn walk_json_count(folder: &Path) -> usize {
    let Ok(entries) = std::fs::read_dir(folder) else {
        return 0;
    };
    entries
        .flatten()
        .map(|e| {
            let path = e.path();
            if path.is_dir() {
                walk_json_count(&path)
            } else {
                let name = path.to_string_lossy();
                usize::from(name.ends_with(".json") && !name.ends_with(".policy.json"))
            }
        })
        .sum()
}

/// A finite horizon in an experiment file (`horizon` on any world, a grid axis like any other):
/// a run entry without `worlds` goes to every world of a kind its algorithm runs on —
/// softmax-pg to the discounted Garnet and to both horizons, dynamic-pg to the horizons only — and
/// naming a world of the wrong kind is refused with the kinds said.
#[test]
fn finite_horizon_worlds_in_experiment_files() {
    let dir = tempfile::tempdir().unwrap();
    let text = r#"
name = "horizons"
steps = 5

[[world]]
name = "discounted"
generator = "garnet"
params = { states = 4, actions = 2, branching = 2, gamma = 0.9, seed = 1 }

[[world]]
name = "finite"
generator = "garnet"
params = { states = 4, actions = 2, branching = 2, gamma = 0.9, seed = 1 }
grid = { horizon = [2, 3] }

[[runs]]
algorithm = "softmax-pg"

[[runs]]
algorithm = "dynamic-pg"
params = { iterations_per_step = 2 }
"#;
    let file = write_experiment(dir.path(), "horizons.toml", text);
    let out = dir.path().join("out");
    run_into(&file, &out, &[]);
    let csv = results(&out);
    let pairs: std::collections::BTreeSet<(String, String)> = csv
        .lines()
        .skip(1)
        .map(|line| {
            let cells: Vec<&str> = line.split(',').collect();
            (cells[1].to_string(), cells[2].to_string())
        })
        .collect();
    let expected: std::collections::BTreeSet<(String, String)> = [
        ("discounted", "softmax-pg"),
        ("finite[horizon=2]", "softmax-pg"),
        ("finite[horizon=3]", "softmax-pg"),
        ("finite[horizon=2]", "dynamic-pg"),
        ("finite[horizon=3]", "dynamic-pg"),
    ]
    .iter()
    .map(|(w, a)| (w.to_string(), a.to_string()))
    .collect();
    assert_eq!(pairs, expected);
    assert_refused(
        dir.path(),
        text,
        "wrong-kind",
        &[
            (
                "algorithm = \"dynamic-pg\"",
                "algorithm = \"dynamic-pg\"\nworlds = [\"discounted\"]",
                "finite-horizon",
            ),
            (
                "grid = { horizon = [2, 3] }",
                "grid = { horizon = [0] }",
                "horizon",
            ),
        ],
    );
}

/// Robust worlds from experiment files: a set and a radius grid on a generator, a finite set of
/// generated kernels; the robust columns are written; bad sets are refused before any work.
const ROBUST: &str = r#"
name = "robust-test"
steps = 5
seeds = 1

[[world]]
name = "ball"
generator = "garnet"
params = { states = 5, actions = 2, branching = 2, seed = 3, uncertainty = "sa-l1" }
grid = { radius = [0.0, 0.4] }

[[world]]
name = "kernels"
generator = "garnet"
params = { states = 5, actions = 2, branching = 2, seed = 3, uncertainty = "finite", kernels = 2 }

[[runs]]
algorithm = "npg"

[[runs]]
algorithm = "drpg"
params = { step_size = 0.1 }
"#;

#[test]
fn robust_worlds_in_experiment_files() {
    let dir = tempfile::tempdir().unwrap();
    let file = write_experiment(dir.path(), "robust.toml", ROBUST);
    let out = dir.path().join("out");
    run_into(&file, &out, &[]);
    let table = results(&out);
    let header = table.lines().next().unwrap();
    assert!(
        header.contains("nominal_J") && header.contains("inner_error"),
        "{header}"
    );
    // Three worlds (two radii, one finite set) × two algorithms × 5 steps.
    assert_eq!(table.lines().count(), 1 + 3 * 2 * 5, "{table}");
    // At radius 0 the robust return is the nominal one.
    let zero_radius = table
        .lines()
        .find(|l| l.contains("radius=0.0]") && l.contains(",npg,"))
        .unwrap();
    let header: Vec<&str> = header.split(',').collect();
    let cells: Vec<&str> = split_csv(zero_radius);
    let at = |name: &str| cells[header.iter().position(|h| *h == name).unwrap()];
    assert_eq!(at("J"), at("nominal_J"), "{zero_radius}");
    let cases = [
        (
            "uncertainty = \"sa-l1\" }",
            "uncertainty = \"sa-l2\" }",
            "params.uncertainty: \"sa-l2\"",
        ),
        (
            "radius = [0.0, 0.4]",
            "radius = [0.0, -0.4]",
            "params.radius: found -0.4",
        ),
        (
            "uncertainty = \"sa-l1\" }",
            "uncertainty = \"sa-kl\", support = \"all\" }",
            "KL(p || q) is infinite",
        ),
        ("kernels = 2", "kernels = 0", "params.kernels"),
        (
            "algorithm = \"npg\"",
            "algorithm = \"dynamic-pg\"",
            "`dynamic-pg` runs on no world of this file",
        ),
        (
            "algorithm = \"drpg\"",
            "algorithm = \"dynamic-pg\"\nworlds = [\"ball\"]",
            "runs on finite-horizon worlds, not on a robust world",
        ),
    ];
    assert_refused(dir.path(), ROBUST, "bad-robust", &cases);
}

/// Splits one CSV line, keeping quoted cells (world names with commas) whole.
fn split_csv(line: &str) -> Vec<&str> {
    let mut cells = Vec::new();
    let mut start = 0;
    let mut quoted = false;
    for (i, c) in line.char_indices() {
        match c {
            '"' => quoted = !quoted,
            ',' if !quoted => {
                cells.push(&line[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    cells.push(&line[start..]);
    cells
}

/// Games from experiment files: a Gambit file, the game generators (Big Match, a classic matrix
/// game, a preference game, a random potential game); independent learners and the game
/// algorithms write NashConv and each player's fields; mistakes are refused before any work.
const GAMES: &str = r#"
name = "games-test"
steps = 4
seeds = 1

[[world]]
name = "rps"
file = "RPS_FILE"

[[world]]
name = "big-match"
generator = "big-match"
params = { gamma = 0.8 }

[[world]]
name = "perturbed-rps"
generator = "matrix-game"
params = { name = "perturbed-rps" }

[[world]]
name = "condorcet"
generator = "preference-game"
params = { preference = [[0.5, 0.7, 0.3], [0.3, 0.5, 0.7], [0.7, 0.3, 0.5]] }

[[world]]
name = "potential"
generator = "random-game"
params = { states = 3, players = 3, actions = 2, branching = 2, class = "potential", seed = 2 }

[[runs]]
algorithm = "npg"

[[runs]]
algorithm = "omwu"
worlds = ["rps", "big-match", "perturbed-rps", "condorcet"]
"#;

#[test]
fn game_worlds_in_experiment_files() {
    let dir = tempfile::tempdir().unwrap();
    let rps = Path::new(env!("CARGO_MANIFEST_DIR")).join("mdps/rock-paper-scissors.nfg");
    let base = GAMES.replace("RPS_FILE", rps.to_str().unwrap());
    let file = write_experiment(dir.path(), "games.toml", &base);
    let out = dir.path().join("out");
    run_into(&file, &out, &[]);
    let table = results(&out);
    let header: Vec<&str> = table.lines().next().unwrap().split(',').collect();
    for column in ["nash_conv", "exploitability", "J_p1", "J_p3", "qre_gap"] {
        assert!(header.contains(&column), "{header:?}");
    }
    // Five worlds × independent NPG and four zero-sum worlds × OMWU, 4 steps each.
    assert_eq!(table.lines().count(), 1 + (5 + 4) * 4, "{table}");
    // Uniform play is the equilibrium of rock-paper-scissors and of the symmetric Condorcet
    // cycle: NashConv is 0 at every step of independent NPG.
    let nash_conv = header.iter().position(|h| *h == "nash_conv").unwrap();
    for world in [",rps,", ",condorcet,"] {
        for line in table
            .lines()
            .filter(|l| l.contains(world) && l.contains(",npg,"))
        {
            let value: f64 = split_csv(line)[nash_conv].parse().unwrap();
            assert!(value.abs() < 1e-12, "{line}");
        }
    }
    let cases = [
        (
            "{ name = \"perturbed-rps\" }",
            "{ name = \"chess\" }",
            "params.name: unknown matrix game `chess`",
        ),
        (
            "0.7, 0.3, 0.5]]",
            "0.7, 0.4, 0.5]]",
            "params.preference[1][2]",
        ),
        (
            "class = \"potential\"",
            "class = \"zero-sum\"",
            "params.players: found 3 for a zero-sum game",
        ),
        ("gamma = 0.8", "gamma = 1.0", "gamma"),
        ("{ gamma = 0.8 }", "{ gamma = 0.8, horizon = 3 }", "horizon"),
        (
            "worlds = [\"rps\", \"big-match\", \"perturbed-rps\", \"condorcet\"]",
            "worlds = [\"potential\"]",
            "zero-sum",
        ),
    ];
    assert_refused(dir.path(), &base, "bad-games", &cases);
}

/// Worlds with features from experiment files: a generated linear MDP and a Garnet with random
/// features (a grid over the dimension); the log-linear algorithms write ε_approx, which is 0 on
/// the linear MDP; mistakes are refused before any work.
const LINEAR: &str = r#"
name = "linear-test"
steps = 3
seeds = 1

[[world]]
name = "linear"
generator = "linear-mdp"
params = { states = 6, actions = 3, dimension = 3, seed = 2 }

[[world]]
name = "garnet-random"
generator = "garnet"
params = { states = 6, actions = 3, branching = 2, seed = 1, features = "random" }
grid = { dimension = [2, 4] }

[[runs]]
algorithm = "log-linear-npg"
"#;

#[test]
fn worlds_with_features_in_experiment_files() {
    let dir = tempfile::tempdir().unwrap();
    let file = write_experiment(dir.path(), "linear.toml", LINEAR);
    let out = dir.path().join("out");
    run_into(&file, &out, &[]);
    let table = results(&out);
    let header: Vec<&str> = table.lines().next().unwrap().split(',').collect();
    let error = header
        .iter()
        .position(|h| *h == "approximation_error")
        .unwrap();
    // Three worlds × 3 steps.
    assert_eq!(table.lines().count(), 1 + 3 * 3, "{table}");
    for line in table.lines().skip(1) {
        let value: f64 = split_csv(line)[error].parse().unwrap();
        if line.contains(",linear,") {
            assert!(value <= 1e-20, "{line}");
        } else {
            assert!(value > 0.0, "{line}");
        }
    }
    let cases = [
        (
            "features = \"random\"",
            "features = \"pca\"",
            "params.features: found \"pca\"",
        ),
        (
            "seed = 2 }",
            "seed = 2, features = \"one-hot\" }",
            "a linear MDP brings its own features",
        ),
        (
            "dimension = [2, 4]",
            "dimension = [2, 0]",
            "params.dimension",
        ),
        (
            "seed = 1, features",
            "seed = 1, horizon = 3, features",
            "features on a finite-horizon MDP",
        ),
    ];
    assert_refused(dir.path(), LINEAR, "bad-linear", &cases);
}

/// A stop rule on a metric the algorithm does not record could never fire: the run fails at its
/// first step, naming the metric and the ones the algorithm records, and `run` exits non-zero.
#[test]
fn a_stop_rule_on_an_unrecorded_metric_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let file = write_experiment(
        dir.path(),
        "stop-typo.toml",
        r#"
name = "stop-typo"
steps = 50
stop = { metric = "gapp", below = 0.1 }

[[world]]
name = "garnet"
generator = "garnet"
params = { states = 5, actions = 2, branching = 2, gamma = 0.8, seed = 1 }

[[runs]]
algorithm = "npg"
"#,
    );
    let out = dir.path().join("out");
    let error = failure(&[
        "run",
        file.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(
        error.contains("stop.metric") && error.contains("`gapp`") && error.contains("gap"),
        "{error}"
    );
}

/// Limits checked before any work: a run that would keep too many rows, an `--out` that is a file,
/// `train --steps` beyond what its in-memory record can hold, a world that declares more states
/// than it lists, and a world "file" that is a named pipe (which used to block forever).
#[test]
fn sizes_and_paths_are_checked_before_any_work() {
    let dir = tempfile::tempdir().unwrap();
    let base = r#"
name = "limits"
steps = 50

[[world]]
name = "garnet"
generator = "garnet"
params = { states = 5, actions = 2, branching = 2, gamma = 0.8, seed = 1 }

[[runs]]
algorithm = "npg"
"#;
    let file = write_experiment(
        dir.path(),
        "long.toml",
        &base.replace("steps = 50", "steps = 100000000"),
    );
    let error = failure(&["run", file.to_str().unwrap(), "--out", "/nonexistent/x"]);
    assert!(
        error.contains("rows a run") && error.contains("log_points"),
        "{error}"
    );

    let file = write_experiment(dir.path(), "fine.toml", base);
    let occupied = dir.path().join("a-file");
    std::fs::write(&occupied, "not a folder").unwrap();
    let error = failure(&[
        "run",
        file.to_str().unwrap(),
        "--out",
        occupied.to_str().unwrap(),
    ]);
    assert!(error.contains("a file is there"), "{error}");

    let error = failure(&[
        "train",
        "mdps/forest.toml",
        "--algo",
        "npg",
        "--steps",
        "18446744073709551615",
        "--out",
        dir.path().join("t").to_str().unwrap(),
    ]);
    assert!(error.contains("at most 10000000 steps"), "{error}");

    let huge = write_experiment(
        dir.path(),
        "huge.toml",
        "name = \"x\"\ngamma = 0.9\nstates = 1000000000000\nactions = 1\ntransitions = [[[[1.0, 0]]]]\n",
    );
    let error = failure(&["check", huge.to_str().unwrap()]);
    assert!(error.contains("1000000000000 declared states"), "{error}");

    #[cfg(unix)]
    {
        let pipe = dir.path().join("pipe.toml");
        let made = Command::new("mkfifo").arg(&pipe).status();
        if made.is_ok_and(|status| status.success()) {
            let error = failure(&["check", pipe.to_str().unwrap()]);
            assert!(error.contains("not a regular file"), "{error}");
        }
    }
}

/// A run stopped by a numerical failure (here a step size grown past f64's range) keeps its rows,
/// but `run` says the results are incomplete and exits 1.
#[test]
fn incomplete_results_make_run_exit_non_zero() {
    let dir = tempfile::tempdir().unwrap();
    let file = write_experiment(
        dir.path(),
        "overflow.toml",
        r#"
name = "overflow"
steps = 20

[[world]]
name = "garnet"
generator = "garnet"
params = { states = 5, actions = 2, branching = 2, gamma = 0.8, seed = 1 }

[[runs]]
algorithm = "npg"
params = { step_size = 1e300, step_growth = 1e10 }
"#,
    );
    let out = dir.path().join("out");
    let output = command::policylab(&[
        "run",
        file.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_eq!(output.status.code(), Some(1));
    let error = String::from_utf8_lossy(&output.stderr);
    assert!(
        error.contains("incomplete") && error.contains("1 run(s) stopped early"),
        "{error}"
    );
    assert!(
        results(&out).lines().count() >= 2,
        "the rows before the failure are kept"
    );
}

/// Every run on an MDP world saves its final policy (`runs/ID.policy.json`, checksummed in its
/// JSON); a `[[runs]]` entry's `initial_policy` starts from such a file, so 30 steps, then 20
/// from the saved policy, reach the policy of 50 steps from scratch; a damaged policy file gets
/// its run set aside and rerun; a start on a bandit world is refused.
#[test]
fn runs_save_their_final_policy_and_start_from_a_given_one() {
    let dir = tempfile::tempdir().unwrap();
    let text = |steps: usize, start: &str| {
        format!(
            r#"
name = "start-test"
steps = {steps}

[[world]]
name = "garnet"
generator = "garnet"
params = {{ states = 6, actions = 3, branching = 2, gamma = 0.8, seed = 4 }}

[[runs]]
algorithm = "softmax-pg"
params = {{ step_size = 1.0 }}
{start}
"#
        )
    };
    let last_j = |out: &Path| -> f64 {
        let results = results(out);
        let mut lines = results.lines();
        let header: Vec<&str> = lines.next().unwrap().split(',').collect();
        let j = header.iter().position(|h| *h == "J").unwrap();
        lines
            .last()
            .unwrap()
            .split(',')
            .nth(j)
            .unwrap()
            .parse()
            .unwrap()
    };
    let policy_files = |out: &Path| -> Vec<PathBuf> {
        std::fs::read_dir(out.join("runs"))
            .unwrap()
            .flatten()
            .map(|e| e.path())
            .filter(|p| p.to_string_lossy().ends_with(".policy.json"))
            .collect()
    };
    let first = dir.path().join("first");
    run_into(
        &write_experiment(dir.path(), "first.toml", &text(30, "")),
        &first,
        &[],
    );
    let saved = policy_files(&first);
    assert_eq!(saved.len(), 1);
    let start = dir.path().join("after-30.json");
    std::fs::copy(&saved[0], &start).unwrap();
    let continued = dir.path().join("continued");
    let file = write_experiment(
        dir.path(),
        "continued.toml",
        &text(21, "initial_policy = \"after-30.json\""),
    );
    run_into(&file, &continued, &[]);
    let whole = dir.path().join("whole");
    run_into(
        &write_experiment(dir.path(), "whole.toml", &text(51, "")),
        &whole,
        &[],
    );
    // Row 20 of the continued run is π_50; row 50 of the whole run is π_50.
    assert!((last_j(&continued) - last_j(&whole)).abs() < 1e-9);
    assert!(last_j(&whole) > last_j(&first));

    // A policy file that no longer matches its digest: the run is set aside and run again.
    let saved = policy_files(&whole);
    std::fs::write(&saved[0], "{\"policy\": []}").unwrap();
    let said = run_into(
        &write_experiment(dir.path(), "whole.toml", &text(51, "")),
        &whole,
        &[],
    );
    assert!(
        said.contains("damaged") && said.contains("ran 1 runs"),
        "{said}"
    );

    // A start on a bandit world is refused before any work.
    let bandit = write_experiment(
        dir.path(),
        "bandit.toml",
        "name = \"b\"\nsteps = 5\n[[world]]\nname = \"arms\"\nbandit = \"bernoulli\"\nparams = { means = [0.5, 0.2] }\n[[runs]]\nalgorithm = \"ucb1\"\ninitial_policy = \"after-30.json\"\n",
    );
    let error = failure(&[
        "run",
        bandit.to_str().unwrap(),
        "--out",
        dir.path().join("b").to_str().unwrap(),
    ]);
    assert!(
        error.contains("initial_policy") && error.contains("MDP worlds"),
        "{error}"
    );
}

/// `policylab plot OUT` draws the file's `[[figure]]` tables (or `--metric`), one panel per
/// world; `summarize` reports each configuration's final value over seeds (checked here against
/// results.csv read independently) and refuses unknown metrics naming the recorded ones; bad
/// `[[figure]]` tables are refused when the file is read.
#[test]
fn plot_and_summarize_an_experiments_results() {
    let dir = tempfile::tempdir().unwrap();
    let text = format!(
        "{SWEEP}\n[[figure]]\nmetric = \"gap\"\nlog_y = true\nfile = \"gap-curves\"\nlabels = [\"npg (step_size=0.5)\", \"npg (step_size=2.0)\"]\n"
    );
    let file = write_experiment(dir.path(), "sweep.toml", &text);
    let out = dir.path().join("out");
    let said = run_into(&file, &out, &[]);
    // Exact NPG is deterministic: its 2 × 2 configurations get the one-seed-would-do note.
    assert!(
        said.contains("note: 4 configuration(s) wrote the same numbers for every seed"),
        "{said}"
    );
    let said = success(&["plot", out.to_str().unwrap()]);
    assert!(
        said.contains("gap-curves.png") && said.contains("gap-curves.svg"),
        "{said}"
    );
    let svg = std::fs::read_to_string(out.join("figures/gap-curves.svg")).unwrap();
    // One panel per Garnet of the grid, the two NPG labels with their seed counts.
    assert!(
        svg.contains("garnet[seed=1]") && svg.contains("garnet[seed=2]"),
        "panels"
    );
    assert!(svg.contains("npg (step_size=2.0) (3 seeds)"), "legend");
    assert!(out.join("figures/gap-curves.png").metadata().unwrap().len() > 1000);
    let said = success(&["plot", out.to_str().unwrap(), "--metric", "J", "--log-x"]);
    assert!(said.contains("J.png"), "{said}");
    let error = failure(&["plot", out.to_str().unwrap(), "--metric", "gapp"]);
    assert!(error.contains("`gapp`") && error.contains("gap"), "{error}");

    let summary: serde_json::Value = serde_json::from_str(&success(&[
        "summarize",
        out.to_str().unwrap(),
        "--metric",
        "gap",
        "--json",
    ]))
    .unwrap();
    let configurations = summary["configurations"].as_array().unwrap();
    // 2 Garnets × (ppo-clip, 2 NPG labels); the bandit learners record no gap... or do they:
    // every configuration with a gap column appears once.
    let results = results(&out);
    let mut lines = results.lines();
    let header: Vec<&str> = split_csv(lines.next().unwrap());
    let column = |name: &str| header.iter().position(|h| *h == name).unwrap();
    let (world, label, seed, step, gap) = (
        column("world"),
        column("label"),
        column("seed"),
        column("step"),
        column("gap"),
    );
    let rows: Vec<Vec<&str>> = lines.map(split_csv).collect();
    for configuration in configurations {
        let (w, l) = (
            configuration["world"].as_str().unwrap(),
            configuration["label"].as_str().unwrap(),
        );
        // The final gap of each seed: its row with the largest step.
        let mut finals: Vec<f64> = Vec::new();
        for s in 0..3 {
            let last = rows
                .iter()
                .filter(|r| {
                    r[world] == w && r[label] == l && r[seed] == s.to_string() && !r[gap].is_empty()
                })
                .max_by_key(|r| r[step].parse::<usize>().unwrap())
                .unwrap();
            finals.push(last[gap].parse().unwrap());
        }
        let mean = finals.iter().sum::<f64>() / 3.0;
        let reported = configuration["final"]["mean"].as_f64().unwrap();
        assert!(
            (reported - mean).abs() <= 1e-12 * mean.abs().max(1.0),
            "{w} {l}: {reported} vs {mean}"
        );
        let (low, high) = (
            configuration["final"]["low"].as_f64().unwrap(),
            configuration["final"]["high"].as_f64().unwrap(),
        );
        assert!(
            low <= configuration["final"]["iqm"].as_f64().unwrap()
                && configuration["final"]["iqm"].as_f64().unwrap() <= high
        );
        if l.starts_with("npg") {
            // Exact NPG is deterministic: every seed the same, the interval a point.
            assert_eq!(low, high, "{w} {l}");
        }
    }
    assert!(configurations.len() >= 6, "{summary}");
    assert!(
        summary["labels"]
            .as_array()
            .unwrap()
            .iter()
            .any(|l| l["worlds"] == 2)
    );
    let table = success(&["summarize", out.to_str().unwrap(), "--metric", "gap"]);
    assert!(
        table.contains("final: IQM [95% CI]") && table.contains("per label over worlds"),
        "{table}"
    );
    let error = failure(&["summarize", out.to_str().unwrap(), "--metric", "gapp"]);
    assert!(error.contains("recorded metrics"), "{error}");

    // A [[figure]] table with an unknown key or an unsafe file name is refused at once.
    let cases = [
        ("log_y = true", "log_y = true\ncolour = 1", "colour"),
        (
            "file = \"gap-curves\"",
            "file = \"../escape\"",
            "figure[0].file",
        ),
    ];
    assert_refused(dir.path(), &text, "bad-figure", &cases);
}
