//! A figure of one's own results ([`FigureSpec`]): one panel per world of `results.csv`, one line
//! per run label — the mean over seeds at every recorded step with its 95% percentile-bootstrap
//! band ([`mean_and_band`]) — what `policylab plot OUT` draws.

use super::figure_spec::FigureSpec;
use super::seed_bands::mean_and_band;
use super::table::ResultsTable;
use crate::core::error::{Error, Result};
use crate::plot::{Axis, Figure, Line, Panel};

/// Draws `spec` from `table`; `title` is the experiment's (used when the spec has none).
pub fn results_figure(table: &ResultsTable, spec: &FigureSpec, title: &str) -> Result<Figure> {
    spec.validate()?;
    let metric = table.metric_column(&spec.metric)?;
    table.column(&spec.x)?;
    let labels = table.distinct("label")?;
    if let Some(wanted) = &spec.labels
        && let Some(missing) = wanted.iter().find(|l| !labels.contains(l))
    {
        return Err(Error::invalid(
            "labels",
            format!("no runs labelled `{missing}`"),
            format!("labels in the results: {}", labels.join(", ")),
        ));
    }
    let axis = |label: &str, log: bool| {
        if log {
            Axis::log(label)
        } else {
            Axis::linear(label)
        }
    };
    let mut panels = Vec::new();
    for world in table.distinct("world")? {
        let mut lines = Vec::new();
        for label in &labels {
            if spec
                .labels
                .as_ref()
                .is_some_and(|wanted| !wanted.contains(label))
            {
                continue;
            }
            let runs = table.trajectories(
                &[("world", world.as_str()), ("label", label.as_str())],
                &spec.x,
                &metric,
            )?;
            if runs.is_empty() {
                continue;
            }
            let (mean, band) = mean_and_band(&runs)?;
            if mean.is_empty() {
                continue;
            }
            let count = runs.len();
            let legend = if count > 1 {
                format!("{label} ({count} seeds)")
            } else {
                label.clone()
            };
            let mut line = Line::new(legend, mean);
            if !band.is_empty() {
                line = line.band(band);
            }
            lines.push(line);
        }
        if lines.is_empty() {
            continue;
        }
        panels.push(
            Panel::new(
                world.clone(),
                axis(&spec.x, spec.log_x),
                axis(&spec.metric, spec.log_y),
            )
            .with_all(lines),
        );
    }
    if panels.is_empty() {
        return Err(Error::invalid(
            "metric",
            format!(
                "`{}` has no recorded values for the chosen labels",
                spec.metric
            ),
            "a metric the runs record",
        ));
    }
    let heading = match &spec.title {
        Some(title) => title.clone(),
        None if title.is_empty() => spec.metric.clone(),
        None => format!("{title}: {}", spec.metric),
    };
    let note = "lines: mean over seeds; bands: 95% percentile bootstrap of the mean";
    if let Some(first) = panels.first_mut() {
        first.notes.push(note.to_string());
    }
    Ok(Figure::new(heading, panels))
}
