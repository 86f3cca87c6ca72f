//! `policylab reproduce NAME | --list | --all`: run a catalogue entry and put our numbers next to
//! the paper's.

use super::output::say;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use crate::core::error::{Error, Result};
use crate::experiment::reproduce::{Entry, ReproduceOptions, catalogue, find, reproduce};

/// Reproduce a paper's claim: run a shipped experiment, draw its figure, compare with the paper.
///
/// Writes FIGURES/NAME.png and FIGURES/NAME.svg (with the full budget, the figure the paper-note
/// cites; --quick writes to figures/quick/),
/// FIGURES/NAME.json (the numbers the note quotes and each comparison), keeps the raw runs in
/// RUNS/NAME (an interrupted reproduce resumes there), and prints a table of the paper's numbers
/// next to ours. Exit status 1 if any comparison disagrees, except those marked as findings (claims
/// that do not reproduce here for a reason the entry's paper-note explains).
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
}

fn one(entry: &Entry, options: &ReproduceOptions) -> Result<bool> {
    let started = Instant::now();
    say!("== {}: {}", entry.name, entry.summary);
    let report = reproduce(entry, options)?;
    let width = report
        .comparisons
        .iter()
        .map(|c| c.quantity.chars().count())
        .max()
        .unwrap_or(0);
    for c in &report.comparisons {
        say!(
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
    say!(
        "  wrote {}/{}.png, .svg, .json in {:.1} s",
        options.figures.display(),
        entry.name,
        started.elapsed().as_secs_f64()
    );
    Ok(report.comparisons.iter().all(|c| c.agrees || c.finding))
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
    let mut all_agree = true;
    for entry in &entries {
        all_agree &= one(entry, &options)?;
    }
    Ok(if all_agree {
        ExitCode::SUCCESS
    } else {
        say!("some comparisons disagree with the paper: see the lines marked NO");
        ExitCode::from(1)
    })
}
