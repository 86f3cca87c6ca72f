//! `policylab plot OUT`: figures of an experiment's results.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use super::output::say;
use crate::core::error::{Error, Result};
use crate::core::files::read_text;
use crate::experiment::figure_spec::FigureSpec;
use crate::experiment::results_figure::results_figure;
use crate::experiment::table::ResultsTable;
use crate::plot::render;

/// Draw an experiment's results: one panel per world, one line per run label (mean over seeds,
/// with its 95% percentile-bootstrap band), written as OUT/figures/NAME.png and NAME.svg.
///
/// Which figures: the --metric flags (one figure each); without them, the experiment file's
/// [[figure]] tables (keys in src/experiment/figure_spec.rs: metric, x, log_x, log_y, title,
/// file, labels); without those, `gap` if the runs record it, else `J`. --x, --log-x, --log-y and
/// --label apply to whichever figures are drawn. An unknown metric is refused with the recorded
/// ones listed.
///
/// Example: policylab plot runs/my-sweep --metric gap --log-x --log-y
#[derive(Debug, clap::Args)]
pub struct PlotArgs {
    /// An output folder of `policylab run` (holding results.csv and manifest.json).
    folder: PathBuf,
    /// A metric to draw (repeatable): a column of results.csv such as gap, J or entropy.
    #[arg(long)]
    metric: Vec<String>,
    /// The horizontal axis (a column of results.csv).
    #[arg(long, default_value = "step")]
    x: String,
    /// Logarithmic horizontal axis.
    #[arg(long)]
    log_x: bool,
    /// Logarithmic vertical axis.
    #[arg(long)]
    log_y: bool,
    /// Only the runs with this label (repeatable).
    #[arg(long = "label")]
    labels: Vec<String>,
}

/// The experiment's title and `[[figure]]` tables, from the folder's manifest.
fn manifest_figures(folder: &Path) -> Result<(String, Vec<FigureSpec>)> {
    let path = folder.join("manifest.json");
    let text = read_text(&path)?;
    let manifest: serde_json::Value = serde_json::from_str(&text).map_err(|e| Error::Syntax {
        origin: path.display().to_string(),
        detail: format!("not a policylab manifest: {e}"),
    })?;
    let title = manifest["title"].as_str().unwrap_or_default().to_string();
    let figures = match manifest["spec"].get("figure") {
        None => Vec::new(),
        Some(value) => serde_json::from_value(value.clone()).map_err(|e| Error::Syntax {
            origin: path.display().to_string(),
            detail: format!("spec.figure: {e}"),
        })?,
    };
    Ok((title, figures))
}

pub fn run(args: &PlotArgs) -> Result<ExitCode> {
    let results = args.folder.join("results.csv");
    let table = ResultsTable::load(&results)?;
    let (title, from_file) = manifest_figures(&args.folder)?;
    let specs: Vec<FigureSpec> = if !args.metric.is_empty() {
        args.metric
            .iter()
            .map(|metric| FigureSpec {
                x: args.x.clone(),
                log_x: args.log_x,
                log_y: args.log_y,
                labels: (!args.labels.is_empty()).then(|| args.labels.clone()),
                ..FigureSpec::of(metric)
            })
            .collect()
    } else {
        let base = if from_file.is_empty() {
            let metric = if table.metrics().contains(&"gap") {
                "gap"
            } else {
                "J"
            };
            vec![FigureSpec::of(metric)]
        } else {
            from_file
        };
        // The flags apply to the file's figures (or the default one) too.
        base.into_iter()
            .map(|spec| FigureSpec {
                x: if args.x != "step" {
                    args.x.clone()
                } else {
                    spec.x.clone()
                },
                log_x: spec.log_x || args.log_x,
                log_y: spec.log_y || args.log_y,
                labels: if args.labels.is_empty() {
                    spec.labels.clone()
                } else {
                    Some(args.labels.clone())
                },
                ..spec
            })
            .collect()
    };
    let mut stems: Vec<&str> = specs.iter().map(FigureSpec::stem).collect();
    stems.sort_unstable();
    if let Some(pair) = stems.windows(2).find(|w| w[0] == w[1]) {
        return Err(Error::Usage(format!(
            "two figures would both be written to figures/{}.png: give them distinct `file` names",
            pair[0]
        )));
    }
    for spec in &specs {
        let figure = results_figure(&table, spec, &title)
            .map_err(|e| e.in_origin(&results.display().to_string()))?;
        let files = render(&figure, &args.folder.join("figures").join(spec.stem()))?;
        say!("wrote {} and {}", files.png.display(), files.svg.display());
    }
    Ok(ExitCode::SUCCESS)
}
