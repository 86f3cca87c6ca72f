//! `policylab reproduce NAME | --list | --all`: run a catalogue entry and put our numbers next to
//! the paper's.

use super::output::say;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use super::output::{print_json, print_table};
use crate::core::error::{Error, Result};
use crate::experiment::reproduce::html_report::{counts, write_html_report};
use crate::experiment::reproduce::{Entry, ReproduceOptions, catalogue, find, reproduce};

/// Reproduce a paper's claim: run a shipped experiment, draw its figure, compare with the paper.
///
/// Writes FIGURES/NAME.png and FIGURES/NAME.svg (with the full budget, the figure the paper-note
/// cites; --quick writes to figures/quick/),
/// FIGURES/NAME.json (the numbers the note quotes and each comparison), keeps the raw runs in
/// RUNS/NAME (an interrupted reproduce resumes there), prints the paper's numbers next to ours and
/// a summary table (per entry: claims reproduced, findings — claims that do not reproduce here for
/// a reason the entry's paper-note explains — and claims not reproduced), and writes
/// FIGURES/report.html, one self-contained page with every entry's table and figure.
///
/// Exit status: 0 when every entry ran and wrote its outputs, whatever the comparisons say (a claim
/// that does not reproduce is a result, shown in the table and the report); 1 when an entry failed
/// to run (the other entries still run); with --strict, also 1 when any claim is not reproduced,
/// findings included.
///
/// --quick uses each experiment's smaller budget (each tabular entry in under about two minutes
/// and each llm-* entry in about three on two cores); the default is the full budget behind the
/// committed figures (the three llm-* entries train transformers on the CPU: about a quarter of
/// an hour together).
///
/// Examples:
///   policylab reproduce --list
///   policylab reproduce mei2020-rates --quick
///   policylab reproduce --all
#[derive(Debug, clap::Args)]
pub struct ReproduceArgs {
    /// Catalogue entry (see --list).
    name: Option<String>,
    /// List the entries.
    #[arg(long, conflicts_with_all = ["name", "all"])]
    list: bool,
    /// Reproduce every entry.
    #[arg(long, conflicts_with = "name")]
    all: bool,
    /// Use the smaller budgets.
    #[arg(long)]
    quick: bool,
    /// Folder for figures and numbers (default: figures, or figures/quick with --quick, so a
    /// quick run never overwrites the committed full-budget figures).
    #[arg(long)]
    figures: Option<PathBuf>,
    /// Folder for the raw runs.
    #[arg(long, default_value = "runs/reproduce")]
    runs: PathBuf,
    /// Worker threads (default: all cores).
    #[arg(long)]
    threads: Option<usize>,
    /// Exit 1 when any claim is not reproduced (findings included), not only when an entry fails.
    #[arg(long)]
    strict: bool,
    /// Print one JSON object (per entry: claims reproduced, findings, not reproduced, or the
    /// error; the report's path) instead of the lines for a person.
    #[arg(long)]
    json: bool,
}

/// What one entry did: its comparisons' counts (reproduced, findings, not reproduced), or the
/// error that stopped it.
type Outcome = std::result::Result<(usize, usize, usize), String>;

fn one(entry: &Entry, options: &ReproduceOptions, quiet: bool) -> Result<(usize, usize, usize)> {
    macro_rules! human {
        ($($arg:tt)*) => {
            if !quiet {
                say!($($arg)*);
            }
        };
    }
    let started = Instant::now();
    human!("== {}: {}", entry.name, entry.summary);
    let report = reproduce(entry, options)?;
    let width = report
        .comparisons
        .iter()
        .map(|c| c.quantity.chars().count())
        .max()
        .unwrap_or(0);
    for c in &report.comparisons {
        human!(
            "  {} {:<width$}  paper: {}  ours: {}",
            match (c.agrees, c.finding) {
                (true, _) => "ok ",
                (false, true) => "NO (a finding: see the paper-note)",
                (false, false) => "NO ",
            },
            c.quantity,
            c.paper,
            c.ours
        );
    }
    human!(
        "  wrote {}/{}.png, .svg, .json in {:.1} s",
        options.figures.display(),
        entry.name,
        started.elapsed().as_secs_f64()
    );
    Ok(counts(
        report.comparisons.iter().map(|c| (c.agrees, c.finding)),
    ))
}

pub fn run(args: &ReproduceArgs) -> Result<ExitCode> {
    if args.list {
        for entry in catalogue() {
            say!("{:<28} {}", entry.name, entry.summary);
        }
        return Ok(ExitCode::SUCCESS);
    }
    let entries = match (&args.name, args.all) {
        (Some(name), _) => vec![find(name)?],
        (None, true) => catalogue(),
        (None, false) => {
            return Err(Error::Usage(
                "reproduce: name an entry, or use --all or --list".to_string(),
            ));
        }
    };
    let options = ReproduceOptions {
        quick: args.quick,
        runs: args.runs.clone(),
        figures: args.figures.clone().unwrap_or_else(|| {
            if args.quick {
                PathBuf::from("figures").join("quick")
            } else {
                PathBuf::from("figures")
            }
        }),
        threads: args.threads,
        progress: true,
    };
    macro_rules! human {
        ($($arg:tt)*) => {
            if !args.json {
                say!($($arg)*);
            }
        };
    }
    let mut outcomes: Vec<(&Entry, Outcome)> = Vec::new();
    for entry in &entries {
        let outcome = one(entry, &options, args.json).map_err(|e| e.to_string());
        if let Err(message) = &outcome {
            eprintln!("error: {}: {message}", entry.name);
        }
        outcomes.push((entry, outcome));
    }
    if entries.len() > 1 && !args.json {
        human!("");
        let header: Vec<String> = [
            "entry",
            "reproduced",
            "findings",
            "not reproduced",
            "read why in",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        let rows: Vec<Vec<String>> = outcomes
            .iter()
            .map(|(entry, outcome)| match outcome {
                Ok((ok, findings, not)) => vec![
                    entry.name.to_string(),
                    ok.to_string(),
                    findings.to_string(),
                    not.to_string(),
                    format!("paper-notes/{}.md", entry.name),
                ],
                Err(_) => vec![
                    entry.name.to_string(),
                    "failed to run".to_string(),
                    String::new(),
                    String::new(),
                    "the error above".to_string(),
                ],
            })
            .collect();
        print_table(&header, &rows);
    }
    let failed_names: Vec<&str> = outcomes
        .iter()
        .filter(|(_, o)| o.is_err())
        .map(|(e, _)| e.name)
        .collect();
    let mut failed = failed_names.len();
    let report = match write_html_report(&options.figures, &catalogue(), &failed_names) {
        Ok((report, shown)) => {
            human!("wrote {} ({shown} entries)", report.display());
            Some(report)
        }
        Err(error) => {
            eprintln!("error: report.html: {error}");
            failed += 1;
            None
        }
    };
    if args.json {
        print_json(&serde_json::json!({
            "entries": outcomes.iter().map(|(entry, outcome)| match outcome {
                Ok((ok, findings, not)) => serde_json::json!({
                    "name": entry.name,
                    "reproduced": ok,
                    "findings": findings,
                    "not_reproduced": not,
                    "numbers": options.figures.join(format!("{}.json", entry.name)).display().to_string(),
                    "paper_note": format!("paper-notes/{}.md", entry.name),
                }),
                Err(message) => serde_json::json!({ "name": entry.name, "error": message }),
            }).collect::<Vec<_>>(),
            "report": report.map(|p| p.display().to_string()),
            "failed": failed,
        }));
    }
    let (findings, not): (usize, usize) = outcomes
        .iter()
        .filter_map(|(_, o)| o.as_ref().ok())
        .fold((0, 0), |(f, n), (_, findings, not)| (f + findings, n + not));
    if not > 0 {
        human!("{not} claim(s) not reproduced: see the lines marked NO and the paper-notes");
    }
    if failed > 0 {
        human!("{failed} entr(y/ies) or the report failed: see the errors above");
        return Ok(ExitCode::from(1));
    }
    if args.strict && findings + not > 0 {
        human!(
            "--strict: {} claim(s) not reproduced (findings included)",
            findings + not
        );
        return Ok(ExitCode::from(1));
    }
    Ok(ExitCode::SUCCESS)
}
