//! A mutation fuzzer for every loader, bounded so it runs in CI: each shipped world, game, policy,
//! experiment file and bad input is mutated many times (bytes flipped, spans cut, duplicated or
//! moved, syntax characters and extreme numbers inserted, the file truncated) with a seeded RNG,
//! and each mutant goes through its loader. The property: a loader returns `Ok` or an `Err` whose
//! message names the file, and never panics, hangs or aborts. A failing case prints its seed,
//! source file and mutant, so it can be added to tests/bad-inputs/ as a regression test.
//!
//! Budget: 400 mutants per world, game and policy file (about 25 000 loads) and 40 per small
//! experiment file (about 560 checks, each building its worlds) — seconds in CI; set
//! the environment variable `POLICYLAB_FUZZ_CASES` (the per-file count) for a longer campaign.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};

use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;

use policylab::experiment::Experiment;
use policylab::policy::file::{load_policy, load_start};
use policylab::world::format;

fn cases() -> usize {
    std::env::var("POLICYLAB_FUZZ_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(400)
}

/// Fragments spliced into mutants: syntax, extreme and non-finite numbers, huge sizes.
const TOKENS: &[&str] = &[
    "[",
    "]",
    "{",
    "}",
    ",",
    ":",
    "=",
    "\"",
    "\n",
    "-",
    "0",
    "1",
    "-1",
    "1e308",
    "-1e308",
    "1e-320",
    "NaN",
    "nan",
    "inf",
    "-inf",
    "1e12",
    "4294967296",
    "18446744073709551615",
    "null",
    "true",
    "[[",
    "]]",
    "0.5",
    "\u{0}",
    "\u{feff}",
    "é",
    "states = 1000000000000",
    "\"states\": 1e12",
];

/// One mutant of `bytes`.
fn mutate(bytes: &[u8], rng: &mut ChaCha8Rng) -> Vec<u8> {
    let mut out = bytes.to_vec();
    let edits = rng.random_range(1..=4);
    for _ in 0..edits {
        let len = out.len();
        let at = if len == 0 {
            0
        } else {
            rng.random_range(0..len)
        };
        match rng.random_range(0..7) {
            0 if len > 0 => out[at] ^= 1 << rng.random_range(0..8),
            1 if len > 0 => {
                let end = (at + rng.random_range(1..=16)).min(len);
                out.drain(at..end);
            }
            2 if len > 0 => {
                let end = (at + rng.random_range(1..=32)).min(len);
                let span: Vec<u8> = out[at..end].to_vec();
                let to = rng.random_range(0..=len);
                out.splice(to..to, span);
            }
            3 => out.truncate(at),
            4 if len > 0 => {
                // Replace a digit by another: sizes and indices move, the syntax stays.
                if let Some(i) = (at..len).find(|&i| out[i].is_ascii_digit()) {
                    out[i] = b'0' + rng.random_range(0..10) as u8;
                }
            }
            _ => {
                let token = TOKENS[rng.random_range(0..TOKENS.len())].as_bytes();
                out.splice(at..at, token.iter().copied());
            }
        }
    }
    out
}

fn files(folder: &str, extensions: &[&str]) -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join(folder);
    let mut files: Vec<PathBuf> = std::fs::read_dir(&root)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .filter(|p| {
            p.is_file()
                && p.extension()
                    .is_some_and(|e| extensions.iter().any(|x| e == *x))
        })
        .collect();
    files.sort();
    files
}

/// Runs `load` on `cases()` mutants of each file, each written to a temporary file with the
/// source's extension; fails on a panic, or on an error that does not name the file.
fn fuzz(name: &str, corpus: &[PathBuf], load: impl Fn(&Path) -> Result<(), String>) {
    let dir = tempfile::tempdir().unwrap();
    fuzz_in(name, dir.path(), corpus, cases(), load);
}

/// As [`fuzz`], with `count` mutants per file written in `folder`.
fn fuzz_in(
    name: &str,
    folder: &Path,
    corpus: &[PathBuf],
    count: usize,
    load: impl Fn(&Path) -> Result<(), String>,
) {
    let mut loaded = 0;
    let mut refused = 0;
    for (f, source) in corpus.iter().enumerate() {
        let bytes = std::fs::read(source).unwrap();
        let extension = source.extension().unwrap().to_string_lossy().into_owned();
        for case in 0..count {
            let seed = ((f as u64) << 32) | case as u64;
            let mut rng = ChaCha8Rng::seed_from_u64(seed);
            let mutant = mutate(&bytes, &mut rng);
            let path = folder.join(format!("mutant.{extension}"));
            std::fs::write(&path, &mutant).unwrap();
            let outcome = catch_unwind(AssertUnwindSafe(|| load(&path)));
            let show = || {
                String::from_utf8_lossy(&mutant)
                    .chars()
                    .take(2000)
                    .collect::<String>()
            };
            match outcome {
                Ok(Ok(())) => loaded += 1,
                Ok(Err(message)) => {
                    assert!(
                        message.contains("mutant"),
                        "{name}: seed {seed} of {source:?}: the error does not name the file: {message}\n--- mutant ---\n{}",
                        show()
                    );
                    refused += 1;
                }
                Err(_) => panic!(
                    "{name}: seed {seed} of {source:?} panicked\n--- mutant ---\n{}",
                    show()
                ),
            }
        }
    }
    // Mutants must exercise both sides: some still load, most are refused.
    assert!(refused > 0, "{name}: no mutant was refused");
    eprintln!("{name}: {loaded} mutants loaded, {refused} refused, no panic");
}

#[test]
fn world_loaders_never_panic() {
    let mut corpus = files("mdps", &["json", "toml", "csv"]);
    corpus.extend(files("tests/bad-inputs", &["json", "toml", "csv"]));
    fuzz("worlds", &corpus, |path| {
        format::load_file(path)
            .map(|_| ())
            .map_err(|e| e.to_string())
    });
}

#[test]
fn game_loaders_never_panic() {
    let mut corpus = files("mdps", &["nfg"]);
    corpus.extend(
        files("mdps", &["toml"])
            .into_iter()
            .filter(|p| p.to_string_lossy().contains("big-match")),
    );
    corpus.extend(files("tests/bad-inputs", &["nfg"]));
    fuzz("games", &corpus, |path| {
        format::load_game(path)
            .map(|_| ())
            .map_err(|e| e.to_string())
    });
}

#[test]
fn policy_loaders_never_panic() {
    let world =
        format::load(&Path::new(env!("CARGO_MANIFEST_DIR")).join("mdps/forest.toml")).unwrap();
    let problem = policylab::exact::Problem::new(world.clone()).unwrap();
    let dir = tempfile::tempdir().unwrap();
    // Seeds: a solved policy, logits, a deterministic policy, and the bad policy files.
    let seeds = [
        (
            "solved.json",
            "{\"policy\": [[0.5, 0.5], [1.0, 0.0], [0.0, 1.0]]}",
        ),
        (
            "logits.toml",
            "logits = [[0.0, 1.5], [-2.0, 0.0], [0.0, 0.0]]\n",
        ),
        ("actions.json", "{\"actions\": [0, 1, 1]}"),
    ];
    let mut corpus: Vec<PathBuf> = seeds
        .iter()
        .map(|(name, text)| {
            let path = dir.path().join(name);
            std::fs::write(&path, text).unwrap();
            path
        })
        .collect();
    corpus.extend(files("tests/bad-inputs/policies", &["json", "toml"]));
    fuzz("policies", &corpus, |path| {
        load_policy(path, &world).map_err(|e| e.to_string())?;
        load_start(path, &problem)
            .map(|_| ())
            .map_err(|e| e.to_string())
    });
}

#[test]
fn experiment_files_never_panic() {
    // The small shipped experiments (the LLM ones would train transformers when a mutant is
    // valid); each mutant is only checked (worlds built, configurations expanded), not run.
    let corpus: Vec<PathBuf> = files("experiments", &["toml"])
        .into_iter()
        .filter(|p| {
            let name = p.file_name().unwrap().to_string_lossy();
            // The smaller ones: checking a mutant builds and solves its worlds, which for the
            // larger files (robust worlds, long chains) takes seconds in a debug build.
            !name.starts_with("llm") && std::fs::metadata(p).unwrap().len() < 1700
        })
        .collect();
    assert!(corpus.len() >= 3, "{corpus:?}");
    // Mutants sit in DIR/experiments/ beside a link DIR/mdps to the shipped worlds, so the files
    // the experiments name (`../mdps/…`) resolve as they do from experiments/.
    let dir = tempfile::tempdir().unwrap();
    let folder = dir.path().join("experiments");
    std::fs::create_dir(&folder).unwrap();
    std::os::unix::fs::symlink(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("mdps"),
        dir.path().join("mdps"),
    )
    .unwrap();
    // Checking an experiment builds and solves its worlds: a fifth of the budget per file.
    fuzz_in(
        "experiments",
        &folder,
        &corpus,
        cases().div_ceil(5),
        |path| {
            let text =
                std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
            Experiment::from_text(&text, path, true)
                .map(|_| ())
                .map_err(|e| e.to_string())
        },
    );
}
