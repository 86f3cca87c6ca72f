//! The `policylab` command as a user sees it: JSON shapes, readable tables, policy files made by
//! `solve`, `generate`, and `--help` that teaches.

use std::path::Path;

use serde_json::Value;

mod command;
use command::{failure, policylab, success};

fn numbers(value: &Value) -> Vec<f64> {
    value
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_f64().unwrap())
        .collect()
}

#[test]
fn solve_json_has_values_q_and_policy() {
    for method in ["pi", "vi"] {
        let out: Value = serde_json::from_str(&success(&[
            "solve",
            "mdps/forest.toml",
            "--json",
            "--method",
            method,
        ]))
        .unwrap();
        let v = numbers(&out["v"]);
        for (got, want) in v.iter().zip([26.244, 29.484, 33.484]) {
            assert!((got - want).abs() < 1e-9, "{method}: {got} vs {want}");
        }
        let q = out["q"].as_array().unwrap();
        assert_eq!(q.len(), 3);
        assert!(q.iter().all(|row| row.as_array().unwrap().len() == 2));
        let policy = out["policy"].as_array().unwrap();
        for row in policy {
            assert_eq!(numbers(row), vec![1.0, 0.0]);
        }
        assert!((out["objective"].as_f64().unwrap() - 26.244).abs() < 1e-9);
    }
}

#[test]
fn a_solve_output_is_a_policy_file() {
    let dir = tempfile::tempdir().unwrap();
    let solution = dir.path().join("solution.json");
    std::fs::write(
        &solution,
        success(&["solve", "mdps/frozenlake4x4.json", "--json"]),
    )
    .unwrap();
    let out: Value = serde_json::from_str(&success(&[
        "evaluate",
        "mdps/frozenlake4x4.json",
        "--policy",
        solution.to_str().unwrap(),
        "--json",
    ]))
    .unwrap();
    assert!((numbers(&out["v"])[0] - 0.542026).abs() < 5e-7);
    let occupancy = numbers(&out["occupancy"]);
    assert_eq!(occupancy.len(), 16);
    let advantage = out["advantage"].as_array().unwrap();
    assert_eq!(advantage.len(), 16);
}

#[test]
fn evaluate_uniform_prints_a_readable_table() {
    let text = success(&[
        "evaluate",
        "mdps/sutton-barto-3.5.toml",
        "--policy",
        "uniform",
    ]);
    let row = text
        .lines()
        .find(|l| l.starts_with("r0c1 "))
        .expect("a row for cell A");
    assert!(row.contains("8.78929"), "{row}");
    assert!(text.contains("Q(up)") && text.contains("Q(left)"));
}

#[test]
fn deterministic_policy_files_and_overrides() {
    let dir = tempfile::tempdir().unwrap();
    let policy = dir.path().join("cut.toml");
    std::fs::write(&policy, "actions = [1, 1, 1]\n").unwrap();
    let out: Value = serde_json::from_str(&success(&[
        "evaluate",
        "mdps/forest.toml",
        "--policy",
        policy.to_str().unwrap(),
        "--json",
        "--gamma",
        "0.5",
    ]))
    .unwrap();
    // Always cutting with γ = 0.5: V(0) = 0 + 0.5 V(0) → 0; V(1) = 1; V(2) = 2.
    let v = numbers(&out["v"]);
    assert!(v[0].abs() < 1e-12 && (v[1] - 1.0).abs() < 1e-12 && (v[2] - 2.0).abs() < 1e-12);
    let out: Value = serde_json::from_str(&success(&[
        "solve",
        "mdps/forest.toml",
        "--json",
        "--start",
        "2",
    ]))
    .unwrap();
    assert!((out["objective"].as_f64().unwrap() - 33.484).abs() < 1e-9);
}

#[test]
fn finite_horizon_solve_reports_every_step() {
    let dir = tempfile::tempdir().unwrap();
    let world = dir.path().join("finite.toml");
    std::fs::write(
        &world,
        "horizon = 3\nstates = 1\nactions = [\"small\", \"big\"]\ntransitions = [[[[1.0, 0, 1.0]], [[1.0, 0, 2.0]]]]\n",
    )
    .unwrap();
    let out: Value =
        serde_json::from_str(&success(&["solve", world.to_str().unwrap(), "--json"])).unwrap();
    assert_eq!(out["horizon"], 3);
    assert_eq!(numbers(&out["v"]), vec![6.0]);
    assert_eq!(out["steps"].as_array().unwrap().len(), 3);
    let text = success(&["evaluate", world.to_str().unwrap(), "--policy", "uniform"]);
    assert!(text.contains("J = ρᵀV_0 = 4.5"), "{text}");
}

#[test]
fn generate_writes_a_world_that_loads() {
    let dir = tempfile::tempdir().unwrap();
    for (args, states) in [
        (
            vec![
                "garnet",
                "--states",
                "12",
                "--actions",
                "3",
                "--branching",
                "2",
                "--seed",
                "4",
            ],
            12,
        ),
        (
            vec![
                "gridworld",
                "--rows",
                "3",
                "--columns",
                "4",
                "--slip",
                "0.1",
                "--exit",
                "0,3:1",
                "--exit",
                "1,3:-1",
            ],
            12,
        ),
        (vec!["chain", "--states", "7"], 7),
        (vec!["bandit", "--means", "0.1,0.5", "--bernoulli"], 1),
        (vec!["forest", "--states", "4"], 4),
        (
            vec![
                "li2021-chain",
                "--gamma",
                "0.95",
                "--length",
                "4",
                "--buffer2",
                "2",
                "--boosters",
                "1",
                "--states",
                "0",
            ],
            1 + 1 + 2 + 2 + 4 + 8,
        ),
    ] {
        let out = dir.path().join(format!("{}.toml", args[0]));
        let mut full = vec!["generate"];
        full.extend(&args);
        full.extend(["--out", out.to_str().unwrap()]);
        success(&full);
        let check = success(&["check", out.to_str().unwrap(), "--json"]);
        let summary: Value = serde_json::from_str(&check).unwrap();
        assert_eq!(summary["states"], states, "{args:?}");
    }
}

#[test]
fn check_summarizes_a_p_table() {
    let text = success(&["check", "mdps/frozenlake4x4.json"]);
    assert!(text.contains("Gymnasium P-table"));
    assert!(
        text.contains("terminal     5 states: 5, 7, 11, 12, 15"),
        "{text}"
    );
    assert!(text.contains("default 0.99"));
}

#[test]
fn help_teaches() {
    let top = success(&["--help"]);
    for needle in [
        "check",
        "solve",
        "evaluate",
        "generate",
        "mdps/README.md",
        "Gymnasium",
    ] {
        assert!(top.contains(needle), "top-level help lacks {needle}");
    }
    let solve = success(&["solve", "--help"]);
    assert!(
        solve.contains("--method")
            && solve.contains("value iteration")
            && solve.contains("--gamma")
    );
    let generate = success(&["generate", "gridworld", "--help"]);
    assert!(generate.contains("ROW,COLUMN:REWARD") && generate.contains("--slip"));
    assert!(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("mdps/README.md")
            .exists()
    );
}

#[test]
fn algos_lists_every_algorithm_with_defaults() {
    let out = success(&["algos"]);
    for name in [
        "softmax-pg",
        "npg",
        "entropy-npg",
        "trpo",
        "ppo-clip",
        "spo",
        "projected-pg",
    ] {
        assert!(out.contains(name), "{name} missing from:\n{out}");
    }
    assert!(out.contains("step_size") && out.contains("0.4"), "{out}");
}

/// `train` writes one CSV row per step and a manifest with every parameter value; the CSV's
/// numbers read back to the Mei et al. bandit values the paper checks assert.
#[test]
fn train_writes_a_record_and_a_manifest() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("run");
    let out_text = out.to_str().unwrap();
    success(&[
        "train",
        "mdps/bandit3.toml",
        "--algo",
        "softmax-pg",
        "--param",
        "step_size=0.4",
        "--steps",
        "101",
        "--seed",
        "3",
        "--out",
        out_text,
    ]);
    let csv = std::fs::read_to_string(out.join("record.csv")).unwrap();
    let mut lines = csv.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    assert_eq!(&header[..3], &["step", "J", "gap"]);
    let rows: Vec<Vec<f64>> = lines
        // The final row leaves the update's columns (dH, kl, …) empty: NaN here.
        .map(|l| {
            l.split(',')
                .map(|x| x.parse().unwrap_or(f64::NAN))
                .collect()
        })
        .collect();
    // π_0 … π_101: the last row measures the policy after the last update.
    assert_eq!(rows.len(), 102);
    assert_eq!(
        rows[0][1],
        2.0 / 3.0,
        "J of the uniform policy on r = (1, 0.9, 0.1)"
    );
    let manifest: Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("manifest.json")).unwrap()).unwrap();
    assert_eq!(manifest["algorithm"], "softmax-pg");
    assert_eq!(manifest["parameters"]["step_size"], 0.4);
    assert_eq!(manifest["seed"], 3);
    assert_eq!(manifest["steps_recorded"], 102);
}

/// The J column of a `train` folder's record.csv.
fn record_j(out: &std::path::Path) -> Vec<f64> {
    let csv = std::fs::read_to_string(out.join("record.csv")).unwrap();
    let mut lines = csv.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    let j = header.iter().position(|h| *h == "J").unwrap();
    lines
        .map(|l| l.split(',').nth(j).unwrap().parse().unwrap())
        .collect()
}

/// `train` saves π_T (after the last update) and measures it as row T; `evaluate --policy` reads
/// it back to the same J; `--initial-policy` continues from it (T + T' steps equal a run of T + T' steps
/// from scratch) or from given logits (row 0 is the closed-form J of softmax(θ_0)); bad starts
/// and methods that take none are refused naming what is wrong.
#[test]
fn train_saves_the_final_policy_and_starts_from_a_given_one() {
    let dir = tempfile::tempdir().unwrap();
    let train = |steps: &str, out: &std::path::Path, extra: &[&str]| {
        let mut args = vec![
            "train",
            "mdps/bandit3.toml",
            "--algo",
            "softmax-pg",
            "--param",
            "step_size=0.4",
            "--steps",
            steps,
            "--out",
            out.to_str().unwrap(),
        ];
        args.extend_from_slice(extra);
        success(&args)
    };
    let first = dir.path().join("first");
    let said = train("100", &first, &[]);
    assert!(said.contains("policy.json"), "{said}");
    // --json: one object with the last record and the files.
    let json: Value =
        serde_json::from_str(&train("100", &dir.path().join("json"), &["--json"])).unwrap();
    assert_eq!(json["policies_measured"], 101);
    assert!(
        json["last"]["J"].as_f64().is_some()
            && json["policy"].as_str().unwrap().ends_with("policy.json"),
        "{json}"
    );
    let j_first = record_j(&first);
    assert_eq!(j_first.len(), 101);
    // Row 100 of a 100-step run is row 100 of a 101-step run: the policy after update 100.
    let longer = dir.path().join("longer");
    train("101", &longer, &[]);
    assert_eq!(record_j(&longer)[100], j_first[100]);
    assert!(j_first[100] > j_first[99], "exact PG at η = 0.4 improves");
    // `evaluate` reads the saved policy: the same J.
    let policy = first.join("policy.json");
    let evaluated: Value = serde_json::from_str(&success(&[
        "evaluate",
        "mdps/bandit3.toml",
        "--policy",
        policy.to_str().unwrap(),
        "--json",
    ]))
    .unwrap();
    let objective = evaluated["objective"].as_f64().unwrap();
    assert!((objective - j_first[100]).abs() < 1e-12, "{objective}");
    // Continuing 50 steps from it reaches what 150 steps from scratch reach.
    let continued = dir.path().join("continued");
    train(
        "50",
        &continued,
        &["--initial-policy", policy.to_str().unwrap()],
    );
    // policy.json carries the logits, so the continuation is exact to the bit.
    let j_continued = record_j(&continued);
    assert_eq!(j_continued[0], j_first[100]);
    let whole = dir.path().join("whole");
    train("150", &whole, &[]);
    assert_eq!(j_continued[50], record_j(&whole)[150]);
    // Given logits θ_0 = (0, 0, 4): J_0 = (1 + 0.9 + 0.1·e⁴)/(2 + e⁴).
    let logits = dir.path().join("bad-start.toml");
    std::fs::write(&logits, "logits = [[0.0, 0.0, 4.0]]\n").unwrap();
    let bad = dir.path().join("bad");
    train("5", &bad, &["--initial-policy", logits.to_str().unwrap()]);
    let e4 = 4f64.exp();
    assert!((record_j(&bad)[0] - (1.9 + 0.1 * e4) / (2.0 + e4)).abs() < 1e-15);
    // A probability 0 cannot start a softmax policy; a method that fixes its start refuses one.
    let zero = dir.path().join("zero.json");
    std::fs::write(&zero, r#"{"policy": [[1.0, 0.0, 0.0]]}"#).unwrap();
    let error = failure(&[
        "train",
        "mdps/bandit3.toml",
        "--algo",
        "softmax-pg",
        "--steps",
        "5",
        "--initial-policy",
        zero.to_str().unwrap(),
        "--out",
        dir.path().join("no").to_str().unwrap(),
    ]);
    assert!(
        error.contains("zero.json")
            && error.contains("policy[0][0][1]")
            && error.contains("logits"),
        "{error}"
    );
    let error = failure(&[
        "train",
        "mdps/bandit3.toml",
        "--features",
        "one-hot",
        "--algo",
        "log-linear-npg",
        "--steps",
        "5",
        "--initial-policy",
        logits.to_str().unwrap(),
        "--out",
        dir.path().join("no").to_str().unwrap(),
    ]);
    assert!(
        error.contains("`log-linear-npg` does not take a starting policy"),
        "{error}"
    );
}

#[test]
fn train_rejects_unknown_algorithms_and_parameters_with_the_valid_ones() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("run");
    let cases: [(&[&str], &str); 4] = [
        (&["--algo", "ppo"], "ppo-clip, clip-higher, dual-clip"),
        // A batch of 10⁹ episodes a step would take 800 GB: refused before the first episode.
        (
            &["--algo", "ppo-clip", "--param", "episodes=1000000000"],
            "GB per batch",
        ),
        (
            &["--algo", "npg", "--param", "eta=1"],
            "step_size, step_growth",
        ),
        (&["--algo", "npg", "--param", "step_size"], "NAME=VALUE"),
    ];
    for (extra, expected) in cases {
        let mut args = vec!["train", "mdps/bandit3.toml", "--out", out.to_str().unwrap()];
        args.extend_from_slice(extra);
        let output = policylab(&args);
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{args:?}: {stderr}");
        assert!(stderr.contains(expected), "{args:?}: {stderr}");
        assert!(!out.exists(), "{args:?} wrote output although nothing ran");
    }
}

/// A finite-horizon world trains end to end: dynamic PG runs its epochs backwards (the record's
/// `epoch` column falls from H−1 = 7 to 0, then −1 once the policy is final) and ends within its
/// target of the backward-induction optimum; simultaneous PG (softmax-pg) runs on the same
/// world; a discounted-only algorithm is refused before anything is written, the kinds named.
#[test]
fn train_runs_dynamic_and_simultaneous_pg_on_a_finite_horizon() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("dynamic");
    success(&[
        "train",
        "mdps/chain5-h8.toml",
        "--algo",
        "dynamic-pg",
        "--param",
        "step_size=1",
        "--param",
        "target=0.05",
        "--steps",
        "5000",
        "--out",
        out.to_str().unwrap(),
    ]);
    let csv = std::fs::read_to_string(out.join("record.csv")).unwrap();
    let mut lines = csv.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    let column = |name: &str| header.iter().position(|h| *h == name).unwrap();
    let (epoch, gap) = (column("epoch"), column("gap"));
    let rows: Vec<Vec<f64>> = lines
        // The final row leaves the update's columns (dH, kl, …) empty: NaN here.
        .map(|l| {
            l.split(',')
                .map(|x| x.parse().unwrap_or(f64::NAN))
                .collect()
        })
        .collect();
    let mut order: Vec<f64> = Vec::new();
    for row in &rows {
        if order.last() != Some(&row[epoch]) {
            order.push(row[epoch]);
        }
    }
    assert_eq!(order, [7.0, 6.0, 5.0, 4.0, 3.0, 2.0, 1.0, 0.0, -1.0]);
    let last = rows.last().unwrap()[gap];
    assert!((0.0..0.05).contains(&last), "final gap {last}");
    let manifest: Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("manifest.json")).unwrap()).unwrap();
    assert_eq!(manifest["horizon"], 8);
    let simultaneous = dir.path().join("simultaneous");
    success(&[
        "train",
        "mdps/chain5-h8.toml",
        "--algo",
        "softmax-pg",
        "--steps",
        "50",
        "--out",
        simultaneous.to_str().unwrap(),
    ]);
    let refused = dir.path().join("trpo");
    let output = policylab(&[
        "train",
        "mdps/chain5-h8.toml",
        "--algo",
        "trpo",
        "--out",
        refused.to_str().unwrap(),
    ]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("finite-horizon") && stderr.contains("discounted"),
        "{stderr}"
    );
    assert!(!refused.exists());
}

/// A robust world's `solve --json`: the nominal shape (`v`, `q`, `policy`) plus nature's
/// worst-case kernel as native transitions; that kernel, written as an ordinary world and
/// evaluated with the robust policy, gives the robust values back.
#[test]
fn robust_solve_prints_values_and_a_worst_case_that_reproduces_them() {
    let out: Value =
        serde_json::from_str(&success(&["solve", "mdps/chain5-robust.toml", "--json"])).unwrap();
    assert_eq!(out["uncertainty"]["set"], "sa-l1");
    assert_eq!(out["method"], "robust-policy-iteration");
    let v = numbers(&out["v"]);
    let nominal: Value =
        serde_json::from_str(&success(&["solve", "mdps/chain5.toml", "--json"])).unwrap();
    for (robust, plain) in v.iter().zip(numbers(&nominal["v"])) {
        assert!(*robust < plain, "robust {robust} against nominal {plain}");
    }
    let dir = tempfile::tempdir().unwrap();
    let world = dir.path().join("worst.json");
    let text = serde_json::json!({
        "gamma": 0.99, "states": 5, "actions": 2, "initial": 0,
        "transitions": out["worst_case"],
    });
    std::fs::write(&world, text.to_string()).unwrap();
    let policy = dir.path().join("robust-policy.json");
    std::fs::write(&policy, out.to_string()).unwrap();
    let evaluated: Value = serde_json::from_str(&success(&[
        "evaluate",
        world.to_str().unwrap(),
        "--policy",
        policy.to_str().unwrap(),
        "--json",
    ]))
    .unwrap();
    for (a, b) in numbers(&evaluated["v"]).iter().zip(&v) {
        assert!((a - b).abs() < 1e-8, "{a} vs {b}");
    }
    // The flag gives the same world as the file's table.
    let flagged: Value = serde_json::from_str(&success(&[
        "solve",
        "mdps/chain5.toml",
        "--uncertainty",
        "sa-l1:0.2",
        "--json",
    ]))
    .unwrap();
    assert_eq!(flagged["v"], out["v"]);
    // IWOCS's bounds meet on this (s,a)-rectangular world.
    let iwocs: Value = serde_json::from_str(&success(&[
        "solve",
        "mdps/chain5-robust.toml",
        "--method",
        "iwocs",
        "--json",
    ]))
    .unwrap();
    let (lower, upper) = (
        iwocs["lower"].as_f64().unwrap(),
        iwocs["upper"].as_f64().unwrap(),
    );
    assert!(
        (upper - lower).abs() < 1e-9 && (lower - out["objective"].as_f64().unwrap()).abs() < 1e-9
    );
    // Partial policy iteration: within its tolerance of robust PI's values, the same policy.
    let ppi: Value = serde_json::from_str(&success(&[
        "solve",
        "mdps/chain5-robust.toml",
        "--method",
        "ppi",
        "--tolerance",
        "1e-9",
        "--json",
    ]))
    .unwrap();
    assert_eq!(ppi["method"], "robust-partial-policy-iteration");
    assert!(ppi["value_error_bound"].as_f64().unwrap() <= 1e-9);
    for (a, b) in numbers(&ppi["v"]).iter().zip(&v) {
        assert!((a - b).abs() <= 1e-9, "{a} vs {b}");
    }
    assert_eq!(ppi["policy"], out["policy"]);
    // On a world without a set, PPI is refused with what to add.
    let refused = policylab(&["solve", "mdps/chain5.toml", "--method", "ppi"]);
    assert_eq!(refused.status.code(), Some(2));
    let message = String::from_utf8(refused.stderr).unwrap();
    assert!(message.contains("--uncertainty"), "{message}");
}

/// `check` reports a feature map's dimension, rank and linearity, from the file or from
/// `--features`, and `train` runs the log-linear algorithms on them.
#[test]
fn check_and_train_read_features() {
    let linear: Value =
        serde_json::from_str(&success(&["check", "mdps/linear-mdp-3.toml", "--json"])).unwrap();
    assert_eq!(linear["features"]["dimension"], 2);
    assert_eq!(linear["features"]["rank"], 2);
    assert_eq!(linear["features"]["linear"], true);
    let random: Value = serde_json::from_str(&success(&[
        "check",
        "mdps/garnet-20-4-3.toml",
        "--features",
        "random:5:3",
        "--json",
    ]))
    .unwrap();
    assert_eq!(random["features"]["dimension"], 5);
    assert_eq!(random["features"]["linear"], false);
    assert!(random["features"]["transition_residual"].as_f64().unwrap() > 1e-3);
    let aggregation: Value = serde_json::from_str(&success(&[
        "check",
        "mdps/garnet-20-4-3.toml",
        "--features",
        "aggregation:20",
        "--json",
    ]))
    .unwrap();
    // Twenty groups of one state each: the one-hot features, in which every world is linear.
    assert_eq!(aggregation["features"]["rank"], 80);
    assert_eq!(aggregation["features"]["linear"], true);

    let text = success(&["check", "mdps/forest.toml", "--features", "random:2"]);
    assert!(
        text.contains("d = 2, rank 2 (full); not a linear MDP"),
        "{text}"
    );
    let bad = policylab(&["check", "mdps/forest.toml", "--features", "random:two"]);
    assert_eq!(bad.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("random:D[:SEED]"));
    let game = policylab(&["check", "mdps/big-match.toml", "--features", "one-hot"]);
    assert!(String::from_utf8_lossy(&game.stderr).contains("feature maps apply to MDPs"));

    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("npg");
    success(&[
        "train",
        "mdps/linear-mdp-3.toml",
        "--algo",
        "q-npg",
        "--steps",
        "40",
        "--out",
        out.to_str().unwrap(),
    ]);
    let record = std::fs::read_to_string(out.join("record.csv")).unwrap();
    assert!(
        record
            .lines()
            .next()
            .unwrap()
            .contains("q_approximation_error")
    );
    let missing = policylab(&[
        "train",
        "mdps/forest.toml",
        "--algo",
        "log-linear-pg",
        "--out",
        dir.path().join("x").to_str().unwrap(),
    ]);
    assert!(String::from_utf8_lossy(&missing.stderr).contains("needs a world with a feature map"));
    let horizon = policylab(&[
        "train",
        "mdps/chain5-h8.toml",
        "--algo",
        "dynamic-pg",
        "--features",
        "one-hot",
        "--out",
        dir.path().join("y").to_str().unwrap(),
    ]);
    assert!(String::from_utf8_lossy(&horizon.stderr).contains("finite-horizon"));
}
