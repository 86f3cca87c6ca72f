//! `FIGURES/report.html`: one self-contained page with every reproduced entry found in a figures
//! folder — its title, its paper-vs-ours table (reproduced, a finding, or not reproduced) and its
//! figure, the SVG inlined so the page needs no other file — for reading the whole catalogue at
//! once or attaching it to a review.
//!
//! The page is built from the files `reproduce` wrote (`NAME.json` and `NAME.svg`), in catalogue
//! order, so a single `reproduce NAME` refreshes its section and keeps the others.

use std::path::{Path, PathBuf};

use serde::Deserialize;

use super::Entry;
use crate::core::error::{Error, Result};
use crate::core::files::{read_text, write_atomic};

#[derive(Debug, Deserialize)]
struct Written {
    #[serde(default)]
    title: String,
    #[serde(default)]
    quick: bool,
    #[serde(default)]
    comparisons: Vec<WrittenComparison>,
}

#[derive(Debug, Deserialize)]
struct WrittenComparison {
    quantity: String,
    paper: String,
    ours: String,
    agrees: bool,
    #[serde(default)]
    finding: bool,
}

/// Escapes text for HTML.
fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// The counts of one entry's comparisons: (reproduced, findings, not reproduced).
pub fn counts(agrees_and_findings: impl Iterator<Item = (bool, bool)>) -> (usize, usize, usize) {
    let mut counts = (0, 0, 0);
    for (agrees, finding) in agrees_and_findings {
        match (agrees, finding) {
            (true, _) => counts.0 += 1,
            (false, true) => counts.1 += 1,
            (false, false) => counts.2 += 1,
        }
    }
    counts
}

/// Writes `figures/report.html` over the entries of `catalogue` that have a `NAME.json` there
/// (those named in `failed` marked: the last attempt failed, the results shown are an earlier
/// run's); returns its path and how many entries it shows.
pub fn write_html_report(
    figures: &Path,
    catalogue: &[Entry],
    failed: &[&str],
) -> Result<(PathBuf, usize)> {
    let mut sections = String::new();
    let mut index = String::new();
    let mut shown = 0;
    let mut quick = false;
    for entry in catalogue {
        let json = figures.join(format!("{}.json", entry.name));
        if !json.is_file() {
            continue;
        }
        let text = read_text(&json)?;
        let written: Written = serde_json::from_str(&text).map_err(|e| Error::Syntax {
            origin: json.display().to_string(),
            detail: format!("not a reproduce entry's numbers: {e}"),
        })?;
        quick |= written.quick;
        let svg_path = figures.join(format!("{}.svg", entry.name));
        let svg = read_text(&svg_path)?;
        // The SVG inline, without its XML declaration (not allowed inside HTML).
        let svg = match svg.find("<svg") {
            Some(start) => &svg[start..],
            None => {
                return Err(Error::Syntax {
                    origin: svg_path.display().to_string(),
                    detail: "no <svg> element".to_string(),
                });
            }
        };
        let (reproduced, findings, not) =
            counts(written.comparisons.iter().map(|c| (c.agrees, c.finding)));
        index.push_str(&format!(
            "<tr><td><a href=\"#{name}\">{name}</a></td><td>{reproduced}</td><td>{findings}</td><td>{not}</td><td>{summary}</td></tr>\n",
            name = entry.name,
            summary = escape(entry.summary),
        ));
        let mut rows = String::new();
        for c in &written.comparisons {
            let (class, status) = match (c.agrees, c.finding) {
                (true, _) => ("ok", "reproduced"),
                (false, true) => ("finding", "a finding (see the paper-note)"),
                (false, false) => ("no", "not reproduced"),
            };
            rows.push_str(&format!(
                "<tr class=\"{class}\"><td>{status}</td><td>{}</td><td>{}</td><td>{}</td></tr>\n",
                escape(&c.quantity),
                escape(&c.paper),
                escape(&c.ours)
            ));
        }
        let warning = if failed.contains(&entry.name) {
            "<p class=\"stale\">The last attempt to reproduce this entry failed: what follows is from an earlier run.</p>\n"
        } else {
            ""
        };
        sections.push_str(&format!(
            "<section id=\"{name}\">\n<h2>{name}: {title}</h2>\n{warning}<p>{summary}. Paper-note: <code>paper-notes/{name}.md</code>; numbers: <code>{name}.json</code>.</p>\n<table>\n<tr><th>status</th><th>quantity</th><th>paper</th><th>ours</th></tr>\n{rows}</table>\n<div class=\"figure\">{svg}</div>\n</section>\n",
            name = entry.name,
            title = escape(&written.title),
            summary = escape(entry.summary),
        ));
        shown += 1;
    }
    let budget = if quick {
        "quick budgets (reproduce --quick)"
    } else {
        "full budgets"
    };
    let page = format!(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>policylab: reproduced claims</title>\n<style>\nbody {{ font-family: sans-serif; max-width: 1900px; margin: 2em auto; padding: 0 1em; }}\ntable {{ border-collapse: collapse; margin: 1em 0; }}\ntd, th {{ border: 1px solid #ccc; padding: 0.3em 0.6em; text-align: left; vertical-align: top; }}\ntr.ok td:first-child {{ color: #1a7f37; }}\ntr.finding td:first-child {{ color: #9a6700; }}\ntr.no td:first-child {{ color: #cf222e; font-weight: bold; }}\n.figure svg {{ max-width: 100%; height: auto; }}\nsection {{ border-top: 2px solid #888; margin-top: 2em; }}\n.stale {{ color: #cf222e; font-weight: bold; }}\n</style>\n</head>\n<body>\n<h1>policylab: reproduced claims</h1>\n<p>{shown} entries, {budget}. A finding is a claim that does not reproduce here for a reason the entry's paper-note explains.</p>\n<table>\n<tr><th>entry</th><th>reproduced</th><th>findings</th><th>not reproduced</th><th>claim</th></tr>\n{index}</table>\n{sections}</body>\n</html>\n"
    );
    let path = figures.join("report.html");
    write_atomic(&path, page.as_bytes())?;
    Ok((path, shown))
}
