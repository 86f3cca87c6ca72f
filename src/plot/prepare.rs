//! From a [`Figure`] to geometry in axis space: colours, log transforms, line runs broken at
//! skipped points, band polygons, visible pieces of reference lines, and legend entries. No
//! pixels yet (that is [`super::layout`]).
//!
//! The rules (listed in [`super`]) are checked first, and the axis ranges computed, by
//! [`super::validate`].

use super::figure::{Figure, LineStyle, Panel, ReferenceShape, Scale, Series};
use super::palette::{self, REFERENCE_GREY, Rgb};
use super::scale::{from_axis, to_axis};
use super::validate::{self, axis_point};
use crate::core::error::Result;

/// Number of pieces a y = x reference is cut into when the two axes have different scales.
const DIAGONAL_PIECES: usize = 200;

/// A validated figure with its geometry in axis space.
#[derive(Debug, Clone)]
pub(crate) struct PreparedFigure {
    /// The figure title.
    pub title: String,
    /// Panels per row.
    pub columns: usize,
    /// Number of panel rows.
    pub rows: usize,
    /// Size of one panel in pixels.
    pub panel_size: (u32, u32),
    /// The panels, row by row.
    pub panels: Vec<PreparedPanel>,
}

/// One panel's axes and geometry, in axis space (log10 of the value on a log axis).
#[derive(Debug, Clone)]
pub(crate) struct PreparedPanel {
    /// Panel title (may be empty).
    pub title: String,
    /// Horizontal axis.
    pub x: PreparedAxis,
    /// Vertical axis.
    pub y: PreparedAxis,
    /// Translucent band polygons, drawn first.
    pub bands: Vec<BandPolygon>,
    /// Polylines: references first, then data lines.
    pub strokes: Vec<Stroke>,
    /// Marker sets, drawn last.
    pub markers: Vec<MarkerSet>,
    /// Legend entries, in series order.
    pub legend: Vec<LegendEntry>,
    /// Note lines.
    pub notes: Vec<String>,
}

/// An axis with its range in axis space.
#[derive(Debug, Clone)]
pub(crate) struct PreparedAxis {
    /// The label with units.
    pub label: String,
    /// Linear or log.
    pub scale: Scale,
    /// Lower end, axis space.
    pub low: f64,
    /// Upper end, axis space.
    pub high: f64,
}

/// A closed polygon filled with a translucent colour.
#[derive(Debug, Clone)]
pub(crate) struct BandPolygon {
    /// Fill colour (drawn translucent).
    pub color: Rgb,
    /// Vertices in axis space.
    pub vertices: Vec<(f64, f64)>,
}

/// What a stroke is, which fixes its width and dash pattern.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum StrokeKind {
    /// A data line, solid.
    Solid,
    /// A data line, dashed.
    Dashed,
    /// A grey reference line; the number picks its dash pattern (the panel's first reference
    /// is 0, the next 1, …), so two references stay apart.
    Reference(usize),
}

/// A polyline.
#[derive(Debug, Clone)]
pub(crate) struct Stroke {
    /// Colour.
    pub color: Rgb,
    /// Solid, dashed or reference.
    pub kind: StrokeKind,
    /// Vertices in axis space, at least two.
    pub points: Vec<(f64, f64)>,
}

/// A marker shape; each palette colour has its own, so a label keeps its shape too.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum MarkerShape {
    /// A filled circle.
    Circle,
    /// A filled upward triangle.
    Triangle,
    /// A filled square.
    Square,
    /// A filled diamond.
    Diamond,
    /// A small dot: a line's lone point between gaps.
    Dot,
}

impl MarkerShape {
    fn for_palette_index(index: usize) -> Self {
        [
            MarkerShape::Circle,
            MarkerShape::Triangle,
            MarkerShape::Square,
            MarkerShape::Diamond,
        ][index % 4]
    }
}

/// The markers of one scatter series.
#[derive(Debug, Clone)]
pub(crate) struct MarkerSet {
    /// Colour.
    pub color: Rgb,
    /// Shape.
    pub shape: MarkerShape,
    /// Positions in axis space.
    pub points: Vec<(f64, f64)>,
}

/// The small drawing in front of a legend label.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum LegendGlyph {
    /// A line segment, over a band patch when the line has a band.
    Line {
        /// Colour.
        color: Rgb,
        /// Dashed or solid.
        dashed: bool,
        /// Whether a band patch is drawn behind the segment.
        band: bool,
    },
    /// One marker.
    Marker {
        /// Colour.
        color: Rgb,
        /// Shape.
        shape: MarkerShape,
    },
    /// A grey segment with the dash pattern of the numbered reference.
    Reference(usize),
}

/// One legend row.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct LegendEntry {
    /// The glyph.
    pub glyph: LegendGlyph,
    /// The text.
    pub label: String,
}

/// Checks a figure and computes its axis-space geometry.
pub(crate) fn prepare(figure: &Figure) -> Result<PreparedFigure> {
    let origin = format!("figure \"{}\"", figure.title);
    let (columns, rows) = validate::check_figure(figure).map_err(|e| e.in_origin(&origin))?;
    let colours = palette::assign(figure);
    let panels = figure
        .panels
        .iter()
        .enumerate()
        .map(|(index, panel)| {
            let name = if panel.title.is_empty() {
                format!("panel {}", index + 1)
            } else {
                format!("panel {} \"{}\"", index + 1, panel.title)
            };
            prepare_panel(panel, &name, &colours).map_err(|e| e.in_origin(&origin))
        })
        .collect::<Result<Vec<_>>>()?;
    Ok(PreparedFigure {
        title: figure.title.clone(),
        columns,
        rows,
        panel_size: figure.panel_size,
        panels,
    })
}

/// Validates one panel's series and converts them to axis space.
fn prepare_panel(
    panel: &Panel,
    name: &str,
    colours: &std::collections::BTreeMap<String, usize>,
) -> Result<PreparedPanel> {
    let (x, y) = validate::axis_ranges(panel, name)?;
    let mut prepared = PreparedPanel {
        title: panel.title.clone(),
        bands: Vec::new(),
        strokes: Vec::new(),
        markers: Vec::new(),
        legend: Vec::new(),
        notes: panel.notes.clone(),
        x,
        y,
    };
    let colour_of = |label: &str, pinned: Option<usize>| {
        let index = pinned.unwrap_or_else(|| colours.get(label).copied().unwrap_or(0));
        (palette::palette_color(index), index)
    };
    let mut reference_strokes = Vec::new();
    let mut references = 0;
    let mut data_strokes = Vec::new();
    for series in &panel.series {
        match series {
            Series::Line(line) => {
                let (color, _) = colour_of(&line.label, line.color);
                let kind = match line.style {
                    LineStyle::Solid => StrokeKind::Solid,
                    LineStyle::Dashed => StrokeKind::Dashed,
                };
                strokes_and_dots(
                    runs(line.points.iter().map(|&p| axis_point(panel, p))),
                    color,
                    kind,
                    &mut data_strokes,
                    &mut prepared.markers,
                );
                if let Some(band) = &line.band {
                    band_polygons(band, panel, prepared.y.low, color, &mut prepared.bands);
                }
                push_entry(
                    &mut prepared.legend,
                    &line.label,
                    LegendGlyph::Line {
                        color,
                        dashed: kind == StrokeKind::Dashed,
                        band: line.band.is_some(),
                    },
                );
            }
            Series::Scatter(scatter) => {
                let (color, index) = colour_of(&scatter.label, scatter.color);
                let shape = MarkerShape::for_palette_index(index);
                let points = scatter
                    .points
                    .iter()
                    .filter_map(|&p| axis_point(panel, p))
                    .collect();
                prepared.markers.push(MarkerSet {
                    color,
                    shape,
                    points,
                });
                push_entry(
                    &mut prepared.legend,
                    &scatter.label,
                    LegendGlyph::Marker { color, shape },
                );
            }
            Series::Reference(reference) => {
                let pieces = reference_runs(&reference.shape, panel, &prepared.x, &prepared.y);
                if pieces.is_empty() {
                    continue;
                }
                strokes_and_dots(
                    pieces,
                    REFERENCE_GREY,
                    StrokeKind::Reference(references),
                    &mut reference_strokes,
                    &mut prepared.markers,
                );
                push_entry(
                    &mut prepared.legend,
                    &reference.label,
                    LegendGlyph::Reference(references),
                );
                references += 1;
            }
        }
    }
    prepared.strokes = reference_strokes;
    prepared.strokes.extend(data_strokes);
    Ok(prepared)
}

/// Adds a legend entry unless the label is empty or the same entry is already there.
fn push_entry(legend: &mut Vec<LegendEntry>, label: &str, glyph: LegendGlyph) {
    let entry = LegendEntry {
        glyph,
        label: label.to_string(),
    };
    if !label.trim().is_empty() && !legend.contains(&entry) {
        legend.push(entry);
    }
}

/// Splits a sequence at its gaps (`None`) into runs of consecutive points (some of one point).
fn runs(points: impl Iterator<Item = Option<(f64, f64)>>) -> Vec<Vec<(f64, f64)>> {
    let mut all = Vec::new();
    let mut current = Vec::new();
    for point in points {
        match point {
            Some(p) => current.push(p),
            None if current.is_empty() => {}
            None => all.push(std::mem::take(&mut current)),
        }
    }
    if !current.is_empty() {
        all.push(current);
    }
    all
}

/// Strokes for the runs of two points or more; a lone point becomes a dot, so a line with one
/// point, or cut down to one between gaps, still shows.
fn strokes_and_dots(
    runs: Vec<Vec<(f64, f64)>>,
    color: Rgb,
    kind: StrokeKind,
    strokes: &mut Vec<Stroke>,
    markers: &mut Vec<MarkerSet>,
) {
    for points in runs {
        if points.len() >= 2 {
            strokes.push(Stroke {
                color,
                kind,
                points,
            });
        } else {
            markers.push(MarkerSet {
                color,
                shape: MarkerShape::Dot,
                points,
            });
        }
    }
}

/// Band polygons: each run of entries with a drawable x and high becomes one polygon (highs left
/// to right, then lows right to left). A low that a log axis cannot show is drawn at the bottom.
fn band_polygons(
    band: &[(f64, f64, f64)],
    panel: &Panel,
    bottom: f64,
    color: Rgb,
    polygons: &mut Vec<BandPolygon>,
) {
    let entries = band.iter().map(|&(x, low, high)| {
        let x = to_axis(panel.x.scale, x)?;
        let high = to_axis(panel.y.scale, high)?;
        let low = to_axis(panel.y.scale, low).unwrap_or(bottom);
        Some((x, low, high))
    });
    let mut run: Vec<(f64, f64, f64)> = Vec::new();
    let mut flush = |run: &mut Vec<(f64, f64, f64)>| {
        if run.len() >= 2 {
            let mut vertices: Vec<(f64, f64)> = run.iter().map(|&(x, _, h)| (x, h)).collect();
            vertices.extend(run.iter().rev().map(|&(x, l, _)| (x, l)));
            polygons.push(BandPolygon { color, vertices });
        }
        run.clear();
    };
    for entry in entries {
        match entry {
            Some(e) => run.push(e),
            None => flush(&mut run),
        }
    }
    flush(&mut run);
}

/// The visible pieces of a reference line, in axis space, inside the axis ranges.
fn reference_runs(
    shape: &ReferenceShape,
    panel: &Panel,
    x: &PreparedAxis,
    y: &PreparedAxis,
) -> Vec<Vec<(f64, f64)>> {
    match shape {
        ReferenceShape::Horizontal { y: value } => match to_axis(y.scale, *value) {
            Some(v) => vec![vec![(x.low, v), (x.high, v)]],
            None => Vec::new(),
        },
        ReferenceShape::Vertical { x: value } => match to_axis(x.scale, *value) {
            Some(v) => vec![vec![(v, y.low), (v, y.high)]],
            None => Vec::new(),
        },
        ReferenceShape::Curve { points } => runs(points.iter().map(|&p| axis_point(panel, p))),
        ReferenceShape::Diagonal if x.scale == y.scale => {
            let low = x.low.max(y.low);
            let high = x.high.min(y.high);
            if high > low {
                vec![vec![(low, low), (high, high)]]
            } else {
                Vec::new()
            }
        }
        ReferenceShape::Diagonal => {
            // Different scales: y = x is a curve in axis space; sample it across the x range.
            let samples = (0..=DIAGONAL_PIECES).map(|i| {
                let u = x.low + (x.high - x.low) * i as f64 / DIAGONAL_PIECES as f64;
                let v = to_axis(y.scale, from_axis(x.scale, u))?;
                (y.low..=y.high).contains(&v).then_some((u, v))
            });
            runs(samples)
                .into_iter()
                .filter(|run| run.len() >= 2)
                .collect()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plot::figure::{Axis, Line, Reference, Scatter};

    fn one_panel(panel: Panel) -> Figure {
        Figure::new("test", vec![panel])
    }

    #[test]
    fn ranges_cover_points_and_bands_with_a_margin() {
        let panel = Panel::new("", Axis::linear("t"), Axis::linear("J")).with(
            Line::new("a", vec![(0.0, 1.0), (10.0, 2.0)])
                .band(vec![(0.0, 0.0, 2.0), (10.0, 1.0, 3.0)]),
        );
        let prepared = prepare(&one_panel(panel)).unwrap();
        let panel = &prepared.panels[0];
        assert_eq!((panel.x.low, panel.x.high), (-0.5, 10.5));
        assert!((panel.y.low + 0.15).abs() < 1e-12 && (panel.y.high - 3.15).abs() < 1e-12);
        assert_eq!(panel.bands.len(), 1);
        assert_eq!(panel.bands[0].vertices.len(), 4);
    }

    #[test]
    fn log_axes_skip_non_positive_points_and_break_the_line() {
        let points = vec![(1.0, 1.0), (2.0, 0.5), (3.0, 0.0), (4.0, 0.1), (5.0, 0.05)];
        let panel = Panel::new("", Axis::log("t"), Axis::log("gap")).with(Line::new("a", points));
        let prepared = prepare(&one_panel(panel)).unwrap();
        let strokes = &prepared.panels[0].strokes;
        assert_eq!(strokes.len(), 2);
        assert!(
            strokes
                .iter()
                .flat_map(|s| &s.points)
                .all(|p| p.0.is_finite() && p.1.is_finite())
        );
    }

    #[test]
    fn a_band_below_zero_on_a_log_axis_reaches_the_bottom() {
        let panel = Panel::new("", Axis::linear("t"), Axis::log("gap")).with(
            Line::new("a", vec![(0.0, 1.0), (1.0, 0.1)])
                .band(vec![(0.0, 0.5, 2.0), (1.0, -0.1, 0.3)]),
        );
        let prepared = prepare(&one_panel(panel)).unwrap();
        let panel = &prepared.panels[0];
        let lowest = panel.bands[0]
            .vertices
            .iter()
            .map(|v| v.1)
            .fold(f64::MAX, f64::min);
        assert_eq!(lowest, panel.y.low);
    }

    #[test]
    fn a_diagonal_gives_both_axes_one_range() {
        let panel = Panel::new("", Axis::linear("predicted"), Axis::linear("actual"))
            .with(Scatter::new("runs", vec![(0.0, 1.0), (2.0, 4.0)]))
            .with(Reference::diagonal("y = x"));
        let prepared = prepare(&one_panel(panel)).unwrap();
        let panel = &prepared.panels[0];
        assert_eq!((panel.x.low, panel.x.high), (panel.y.low, panel.y.high));
        assert_eq!(panel.strokes[0].points, vec![(-0.2, -0.2), (4.2, 4.2)]);
    }
}
