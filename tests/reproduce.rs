//! `policylab reproduce`: the catalogue lists its entries, an entry writes its figure (PNG, SVG)
//! and its numbers (JSON) and compares them with the paper's, and a rerun resumes.

mod command;
use command::policylab;

#[test]
fn the_catalogue_lists_every_entry_of_the_issue() {
    let output = policylab(&["reproduce", "--list"]);
    assert!(output.status.success());
    let text = String::from_utf8(output.stdout).unwrap();
    for name in ENTRIES {
        assert!(text.contains(name), "{name} missing from:\n{text}");
    }
    let output = policylab(&["reproduce", "mei2021"]);
    assert_eq!(output.status.code(), Some(2));
    let error = String::from_utf8(output.stderr).unwrap();
    assert!(error.contains("mei2020-rates"), "{error}");
}

const ENTRIES: &[&str] = &[
    "mei2020-rates",
    "li2021-exponential",
    "cen2022-npg-entropy",
    "agarwal2021-npg",
    "cui2025-entropy-covariance",
    "trust-regions",
    "bandit-regret",
    "klein2023-dynamic-pg",
    "klein2024-dynpg",
    "llm-entropy-law",
    "llm-entropy-interventions",
    "llm-covariance",
    "price-of-robustness",
    "robust-pg-rates",
    "robust-static-dynamic",
    "li2022-srpmd",
    "qre-extragradient",
    "independent-pg-potential",
    "self-play-minimax-winner",
    "mappo-cooperative",
    "agarwal2021-qnpg",
    "log-linear-npg-linear-rate",
    "td-fixed-point",
];

#[test]
fn an_entry_writes_its_figure_and_numbers_and_agrees_with_the_paper() {
    let dir = tempfile::tempdir().unwrap();
    let figures = dir.path().join("figures");
    let runs = dir.path().join("runs");
    let args = [
        "reproduce",
        "mei2020-rates",
        "--quick",
        "--figures",
        figures.to_str().unwrap(),
        "--runs",
        runs.to_str().unwrap(),
    ];
    let output = policylab(&args);
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    assert!(
        output.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(stdout.contains("paper: ≈ 1.689 (Figure 1)"), "{stdout}");
    for extension in ["png", "svg", "json"] {
        let path = figures.join(format!("mei2020-rates.{extension}"));
        assert!(path.metadata().unwrap().len() > 1000, "{path:?}");
    }
    let numbers: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(figures.join("mei2020-rates.json")).unwrap())
            .unwrap();
    let comparisons = numbers["comparisons"].as_array().unwrap();
    assert!(comparisons.len() >= 5);
    assert!(comparisons.iter().all(|c| c["agrees"] == true), "{numbers}");
    // Mei et al.'s t·gap at t = 10⁴ (≈ 1.689), from the quick budget's 10⁴ steps.
    let scaled = numbers["numbers"]["bandit_t_times_gap"][0][1]
        .as_f64()
        .unwrap();
    assert!((scaled - 1.689).abs() < 0.002, "{scaled}");
    // A second reproduce finds every run finished and redraws from them.
    let again = policylab(&args);
    assert!(again.status.success());
    let results = std::fs::read_to_string(runs.join("mei2020-rates-quick/results.csv")).unwrap();
    assert!(results.lines().count() > 100);
}

/// A claim that does not reproduce for a reason the paper-note explains is printed as a finding,
/// written to the JSON with `"finding": true`, and does not make `reproduce` exit 1 (unless
/// `--strict`); the comparisons that agree are printed as such; `report.html` shows it.
#[test]
fn a_finding_is_reported_but_is_not_a_failure() {
    let dir = tempfile::tempdir().unwrap();
    let figures = dir.path().join("figures");
    let output = policylab(&[
        "reproduce",
        "mappo-cooperative",
        "--quick",
        "--figures",
        figures.to_str().unwrap(),
        "--runs",
        dir.path().join("runs").to_str().unwrap(),
    ]);
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    assert!(output.status.success(), "{stdout}");
    assert!(
        stdout.contains("NO (a finding: see the paper-note)"),
        "{stdout}"
    );
    assert!(stdout.contains("ok  climbing game"), "{stdout}");
    let numbers: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(figures.join("mappo-cooperative.json")).unwrap(),
    )
    .unwrap();
    let comparisons = numbers["comparisons"].as_array().unwrap();
    assert!(
        comparisons
            .iter()
            .any(|c| c["finding"] == true && c["agrees"] == false),
        "{numbers}"
    );
    assert!(
        comparisons
            .iter()
            .all(|c| c["agrees"] == true || c["finding"] == true),
        "{numbers}"
    );
    // The self-contained report shows the entry's table (the finding marked) and its figure.
    let report = std::fs::read_to_string(figures.join("report.html")).unwrap();
    assert!(
        report.contains("id=\"mappo-cooperative\"")
            && report.contains("a finding (see the paper-note)")
            && report.contains("<svg"),
        "report.html lacks the entry"
    );
    // --strict counts a finding as a claim not reproduced (the finished runs are reused).
    let strict = policylab(&[
        "reproduce",
        "mappo-cooperative",
        "--quick",
        "--strict",
        "--figures",
        figures.to_str().unwrap(),
        "--runs",
        dir.path().join("runs").to_str().unwrap(),
    ]);
    let stdout = String::from_utf8_lossy(&strict.stdout).into_owned();
    assert_eq!(strict.status.code(), Some(1), "{stdout}");
    assert!(stdout.contains("--strict"), "{stdout}");
    // --json: one object with the entry's counts.
    let json = policylab(&[
        "reproduce",
        "mappo-cooperative",
        "--quick",
        "--json",
        "--figures",
        figures.to_str().unwrap(),
        "--runs",
        dir.path().join("runs").to_str().unwrap(),
    ]);
    let value: serde_json::Value =
        serde_json::from_str(&String::from_utf8_lossy(&json.stdout)).unwrap();
    let entry = &value["entries"][0];
    assert_eq!(entry["name"], "mappo-cooperative");
    assert!(
        entry["findings"].as_u64().unwrap() >= 1 && entry["reproduced"].as_u64().unwrap() >= 1,
        "{value}"
    );
}
