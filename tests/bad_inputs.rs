//! The malformed-input corpus (tests/bad-inputs/): every file must be rejected by the library
//! with a message that names the file, the field and the problem, and by the command line with a
//! non-zero exit, the same message on stderr, and no panic.

use std::path::{Path, PathBuf};
use std::process::Command;

use policylab::world::format;

/// (file, fragments the error message must contain).
const CORPUS: &[(&str, &[&str])] = &[
    (
        "row-sum.json",
        &[
            "transitions[1][0]",
            "state 1, action 0",
            "sum to 0.9",
            "must sum to 1",
        ],
    ),
    (
        "negative-probability.toml",
        &["transitions[0][1][1]", "-0.2", "non-negative"],
    ),
    (
        "nan-reward.toml",
        &["transitions[0][0][0]", "NaN", "finite"],
    ),
    (
        "infinite-probability.toml",
        &["transitions[0][0][0]", "inf", "finite"],
    ),
    (
        "next-state-out-of-range.json",
        &["transitions[1][0][0][1]", "7", "out of range", "0 to 2"],
    ),
    (
        "wrong-number-of-actions.json",
        &["transitions[1]", "3 items", "expected 2"],
    ),
    ("gamma-one.toml", &["gamma", "found 1", "0 <= gamma < 1"]),
    (
        "gamma-ill-conditioned.toml",
        &["gamma", "1.000e12", "condition number", "gamma <= 1 − 1e-7"],
    ),
    (
        "duplicate-key.json",
        &["not valid JSON", "\"gamma\" appears twice", "line 6"],
    ),
    (
        "linear-mu-not-probability.toml",
        &[
            "mu (with features[1][0])",
            "P(2|1, 0)",
            "-0.35",
            "probability distribution",
        ],
    ),
    (
        "features-ragged.toml",
        &[
            "features[0][1]",
            "3 numbers",
            "same positive number",
            "2 in features[0][0]",
        ],
    ),
    ("features-nan.toml", &["features[1][0][1]", "NaN", "finite"]),
    (
        "features-wrong-states.json",
        &["features", "3 items", "expected 2", "one list per state"],
    ),
    ("mu-without-features.toml", &["mu", "without `features`"]),
    ("gamma-negative.json", &["gamma", "-0.5", "0 <= gamma < 1"]),
    ("missing-transitions.toml", &["transitions", "missing"]),
    ("missing-gamma.json", &["gamma", "missing", "horizon"]),
    (
        "unknown-field.toml",
        &["discount", "unknown field", "allowed fields are", "gamma"],
    ),
    ("zero-states.json", &["states", "0", "positive"]),
    (
        "empty-action-list.toml",
        &["actions", "empty list", "at least one action"],
    ),
    ("truncated.json", &["not valid JSON", "line 2", "truncated"]),
    ("binary.json", &["not UTF-8", "binary"]),
    ("bad-syntax.toml", &["not valid TOML", "line 6"]),
    ("initial-sum.json", &["initial", "sum to 1.4"]),
    (
        "probability-as-string.toml",
        &[
            "transitions[0][0][0][0] (probability)",
            "string",
            "expected a number",
        ],
    ),
    (
        "duplicate-state-names.toml",
        &["states[2]", "\"home\"", "distinct"],
    ),
    (
        "terminal-with-transitions.toml",
        &["transitions[1]", "terminal", "must be []"],
    ),
    ("horizon-zero.toml", &["horizon", "0", "positive"]),
    (
        "no-available-action.json",
        &["transitions[1]", "no available action"],
    ),
    (
        "outcome-too-long.json",
        &["transitions[0][0][0]", "5 items"],
    ),
    (
        "gym-ragged-actions.json",
        &["P[\"1\"]", "3 actions", "same number of actions"],
    ),
    (
        "gym-short-outcome.json",
        &[
            "P[\"0\"][\"0\"][0]",
            "3 items",
            "[probability, next_state, reward, done]",
        ],
    ),
    ("gym-row-sum.json", &["P[\"0\"][\"0\"]", "sum to 0.9999"]),
    (
        "gym-missing-state.json",
        &["P[\"1\"]", "missing", "without gaps"],
    ),
    (
        "wrong-extension.yaml",
        &["unknown file type .yaml", ".json or .toml"],
    ),
    (
        "craam-missing-column.csv",
        &["header", "no column \"idstateto\"", "CRAAM's CSV format"],
    ),
    // Found by tests/fuzz_loaders.rs: 5·10⁹ declared states and no table to check them against
    // reached an allocation of 5 GB before the error.
    (
        "transitions-not-a-list.toml",
        &["transitions", "not a list", "one list per state"],
    ),
    // Found by tests/fuzz_loaders.rs: an id of 2⁶⁴ − 1 overflowed the size computation.
    (
        "craam-huge-id.csv",
        &[
            "an action id of 18446744073709551615",
            "in a file of 2 rows",
        ],
    ),
    (
        "craam-row-sum.csv",
        &[
            "rows from line 2 (idstatefrom 0, idaction 0)",
            "summing to 0.9",
            "must sum to 1",
        ],
    ),
    (
        "robust-negative-radius.toml",
        &["uncertainty.radius", "found -0.5", "radius >= 0"],
    ),
    (
        "robust-unknown-set.toml",
        &["uncertainty.set", "\"wasserstein\"", "sa-l1, s-l1"],
    ),
    (
        "robust-kl-all-states.toml",
        &["uncertainty.support", "KL(p || q) is infinite"],
    ),
    (
        "game-nfg-payoff-count.nfg",
        &["line 3", "ends early", "payoff list has 8 numbers"],
    ),
    (
        "game-row-sum.toml",
        &[
            "transitions[0][1]",
            "state 0, joint action (0, 1)",
            "sum to 0.9",
        ],
    ),
    (
        "game-gamma-one.json",
        &["gamma", "found 1", "0 <= gamma < 1"],
    ),
    (
        "game-ragged-actions.toml",
        &["transitions[0].actions", "1 items", "one action per player"],
    ),
    (
        "game-zero-sum-three-players.toml",
        &["zero_sum", "3 players", "exactly 2 players"],
    ),
];

fn corpus_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/bad-inputs")
}

#[test]
fn corpus_is_complete() {
    // Every file in the folder has an entry, so no malformed file goes untested.
    let mut on_disk: Vec<String> = std::fs::read_dir(corpus_dir())
        .expect("tests/bad-inputs exists")
        .filter_map(|e| e.ok())
        .filter(|e| e.path().is_file())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    on_disk.sort();
    let mut listed: Vec<String> = CORPUS.iter().map(|(f, _)| f.to_string()).collect();
    listed.sort();
    assert_eq!(on_disk, listed);
    assert!(CORPUS.len() >= 15);
}

#[test]
fn library_rejects_every_bad_file_with_a_precise_message() {
    for (file, fragments) in CORPUS {
        let path = corpus_dir().join(file);
        let error = match format::load(&path) {
            Ok(_) => panic!("{file} was accepted"),
            Err(e) => e.to_string(),
        };
        assert!(
            error.contains(file),
            "{file}: message does not name the file: {error}"
        );
        for fragment in *fragments {
            assert!(
                error.contains(fragment),
                "{file}: message lacks {fragment:?}: {error}"
            );
        }
    }
}

#[test]
fn command_line_rejects_every_bad_file_without_panicking() {
    for (file, fragments) in CORPUS {
        let path = corpus_dir().join(file);
        for subcommand in ["check", "solve"] {
            let output = Command::new(env!("CARGO_BIN_EXE_policylab"))
                .arg(subcommand)
                .arg(&path)
                .output()
                .expect("the policylab binary runs");
            let stderr = String::from_utf8_lossy(&output.stderr);
            let stdout = String::from_utf8_lossy(&output.stdout);
            assert_eq!(
                output.status.code(),
                Some(2),
                "{subcommand} {file}: {stderr}"
            );
            assert!(
                !stderr.contains("panicked") && !stdout.contains("panicked"),
                "{file}: {stderr}"
            );
            assert!(stderr.starts_with("error: "), "{file}: {stderr}");
            for fragment in *fragments {
                assert!(
                    stderr.contains(fragment),
                    "{subcommand} {file}: lacks {fragment:?}: {stderr}"
                );
            }
        }
    }
}

#[test]
fn bad_policy_files_are_rejected_with_the_state_named() {
    let forest = Path::new(env!("CARGO_MANIFEST_DIR")).join("mdps/forest.toml");
    let cases: &[(&str, &[&str])] = &[
        ("row-sum.json", &["policy[1]", "state 1", "sum to 0.9"]),
        ("wrong-shape.json", &["policy", "2 items", "expected 3"]),
    ];
    for (file, fragments) in cases {
        let policy = corpus_dir().join("policies").join(file);
        let output = Command::new(env!("CARGO_BIN_EXE_policylab"))
            .arg("evaluate")
            .arg(&forest)
            .arg("--policy")
            .arg(&policy)
            .output()
            .expect("the policylab binary runs");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{file}: {stderr}");
        assert!(!stderr.contains("panicked"), "{file}: {stderr}");
        assert!(stderr.contains(file), "{file}: {stderr}");
        for fragment in *fragments {
            assert!(
                stderr.contains(fragment),
                "{file}: lacks {fragment:?}: {stderr}"
            );
        }
    }
}

#[test]
fn bad_command_line_values_are_rejected_without_panicking() {
    let forest = Path::new(env!("CARGO_MANIFEST_DIR")).join("mdps/forest.toml");
    let cases: &[(&[&str], &str)] = &[
        (&["solve", "--gamma", "1.5"], "--gamma 1.5"),
        (&["solve", "--start", "9"], "--start 9"),
        (
            &["evaluate", "--policy", "no-such-file.json"],
            "no-such-file.json",
        ),
    ];
    for (args, fragment) in cases {
        let output = Command::new(env!("CARGO_BIN_EXE_policylab"))
            .arg(args[0])
            .arg(&forest)
            .args(&args[1..])
            .output()
            .expect("the policylab binary runs");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{args:?}: {stderr}");
        assert!(!stderr.contains("panicked"), "{args:?}: {stderr}");
        assert!(
            stderr.contains(fragment),
            "{args:?}: lacks {fragment:?}: {stderr}"
        );
    }
    let output = Command::new(env!("CARGO_BIN_EXE_policylab"))
        .args(["generate", "garnet", "--branching", "50", "--out"])
        .arg(std::env::temp_dir().join("policylab-never-written.toml"))
        .output()
        .expect("the policylab binary runs");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("--branching") && stderr.contains("between 1 and"),
        "{stderr}"
    );
}
