//! The rules a figure must follow to be drawn (listed in [`super`]), and the axis ranges its
//! drawable values span. Each broken rule is an [`Error::Invalid`] that names the panel, the
//! series and the point.

use super::figure::{Figure, Line, Panel, Reference, ReferenceShape, Scale, Series};
use super::prepare::PreparedAxis;
use super::scale::{padded, to_axis};
use crate::core::error::{Error, Result};

/// Smallest and largest panel sides accepted, in pixels.
const PANEL_SIDE_LIMITS: (u32, u32) = (200, 4000);

/// Largest image accepted, in pixels (a 7×7 grid of default panels).
const MAX_PIXELS: u64 = 12_500_000;

/// Relative tolerance when matching a band entry's x to its point's x.
const BAND_X_TOLERANCE: f64 = 1e-9;

/// Checks the figure as a whole (title, panels, grid, sizes); returns `(columns, rows)`.
pub(crate) fn check_figure(figure: &Figure) -> Result<(usize, usize)> {
    if figure.title.trim().is_empty() {
        return Err(Error::invalid(
            "title",
            "empty",
            "a title saying what the figure shows",
        ));
    }
    if figure.panels.is_empty() {
        return Err(Error::invalid("panels", "none", "at least one panel"));
    }
    let columns = figure.column_count();
    if columns == 0 {
        return Err(Error::invalid("columns", "0", "at least one column"));
    }
    let (width, height) = figure.panel_size;
    let (smallest, largest) = PANEL_SIDE_LIMITS;
    if !(smallest..=largest).contains(&width) || !(smallest..=largest).contains(&height) {
        return Err(Error::invalid(
            "panel_size",
            format!("{width}×{height}"),
            format!("each side between {smallest} and {largest} pixels"),
        ));
    }
    let rows = figure.panels.len().div_ceil(columns);
    let pixels = u64::from(width) * columns as u64 * u64::from(height) * rows as u64;
    if pixels > MAX_PIXELS {
        return Err(Error::invalid(
            "panels",
            format!("{rows} rows × {columns} columns of {width}×{height} pixels"),
            format!("at most {MAX_PIXELS} pixels in all; split the figure"),
        ));
    }
    Ok((columns, rows))
}

/// Checks every series of a panel and returns its x and y axes with their padded ranges.
/// `name` says which panel it is in messages ("panel 2 \"Entropy\"").
pub(crate) fn axis_ranges(panel: &Panel, name: &str) -> Result<(PreparedAxis, PreparedAxis)> {
    let (x_scale, y_scale) = (panel.x.scale, panel.y.scale);
    for (axis, label) in [("x", &panel.x.label), ("y", &panel.y.label)] {
        if label.trim().is_empty() {
            return Err(Error::invalid(
                format!("{name}, {axis} axis label"),
                "empty",
                "a label naming the quantity and its units",
            ));
        }
    }
    if panel.series.is_empty() {
        return Err(Error::invalid(
            format!("{name}, series"),
            "none",
            "at least one series",
        ));
    }
    let mut x_extent = Extent::default();
    let mut y_extent = Extent::default();
    for series in &panel.series {
        match series {
            Series::Line(line) => {
                let field = format!("{name}, line \"{}\"", line.label);
                check_points(&line.points, &field)?;
                if let Some(band) = &line.band {
                    check_band(line, band, &field)?;
                }
                include_points(&line.points, &field, panel, &mut x_extent, &mut y_extent)?;
                for &(x, low, high) in line.band.iter().flatten() {
                    if let (Some(x), Some(high)) = (to_axis(x_scale, x), to_axis(y_scale, high)) {
                        x_extent.include(x);
                        y_extent.include(high);
                        if let Some(low) = to_axis(y_scale, low) {
                            y_extent.include(low);
                        }
                    }
                }
            }
            Series::Scatter(scatter) => {
                let field = format!("{name}, scatter \"{}\"", scatter.label);
                check_points(&scatter.points, &field)?;
                include_points(&scatter.points, &field, panel, &mut x_extent, &mut y_extent)?;
            }
            Series::Reference(reference) => {
                let field = format!("{name}, reference \"{}\"", reference.label);
                include_reference(reference, &field, panel, &mut x_extent, &mut y_extent)?;
            }
        }
    }
    let has_diagonal = panel.series.iter().any(|s| {
        matches!(
            s,
            Series::Reference(Reference {
                shape: ReferenceShape::Diagonal,
                ..
            })
        )
    });
    if has_diagonal && x_scale == y_scale {
        let both = x_extent.union(y_extent);
        x_extent = both;
        y_extent = both;
    }
    let x = prepared_axis(&panel.x.label, x_scale, x_extent, name, "x")?;
    let y = prepared_axis(&panel.y.label, y_scale, y_extent, name, "y")?;
    Ok((x, y))
}

/// The extent of values seen along one axis, in axis space.
#[derive(Debug, Clone, Copy, Default)]
struct Extent(Option<(f64, f64)>);

impl Extent {
    fn include(&mut self, value: f64) {
        self.0 = Some(match self.0 {
            None => (value, value),
            Some((low, high)) => (low.min(value), high.max(value)),
        });
    }

    fn union(self, other: Extent) -> Extent {
        let mut joined = self;
        if let Some((low, high)) = other.0 {
            joined.include(low);
            joined.include(high);
        }
        joined
    }
}

/// A data point in axis space, or `None` where a log axis cannot show it.
pub(crate) fn axis_point(panel: &Panel, (x, y): (f64, f64)) -> Option<(f64, f64)> {
    Some((to_axis(panel.x.scale, x)?, to_axis(panel.y.scale, y)?))
}

/// Every point must be finite, and there must be at least one.
fn check_points(points: &[(f64, f64)], field: &str) -> Result<()> {
    if points.is_empty() {
        return Err(Error::invalid(field, "no points", "at least one point"));
    }
    for (index, &(x, y)) in points.iter().enumerate() {
        if !(x.is_finite() && y.is_finite()) {
            return Err(Error::invalid(
                format!("{field}, point {index}"),
                format!("({x}, {y})"),
                "finite x and y (NaN and infinity cannot be plotted)",
            ));
        }
    }
    Ok(())
}

/// A band has one finite `(x, low, high)` per point, at the point's x, with `low ≤ high`.
fn check_band(line: &Line, band: &[(f64, f64, f64)], field: &str) -> Result<()> {
    if band.len() != line.points.len() {
        return Err(Error::invalid(
            format!("{field}, band"),
            format!("{} entries for {} points", band.len(), line.points.len()),
            "one (x, low, high) per point",
        ));
    }
    for (index, (&(x, low, high), &(point_x, _))) in band.iter().zip(&line.points).enumerate() {
        let entry = || format!("({x}, {low}, {high})");
        let at = format!("{field}, band entry {index}");
        if !(x.is_finite() && low.is_finite() && high.is_finite()) {
            return Err(Error::invalid(at, entry(), "finite x, low and high"));
        }
        if (x - point_x).abs() > BAND_X_TOLERANCE * x.abs().max(point_x.abs()).max(1.0) {
            return Err(Error::invalid(
                at,
                format!("x = {x} next to a point at x = {point_x}"),
                "the band's x equal to the line's x at each index",
            ));
        }
        if low > high {
            return Err(Error::invalid(at, entry(), "low ≤ high"));
        }
    }
    Ok(())
}

/// Adds the drawable points to the extents; a series with no drawable point is an error.
fn include_points(
    points: &[(f64, f64)],
    field: &str,
    panel: &Panel,
    x_extent: &mut Extent,
    y_extent: &mut Extent,
) -> Result<()> {
    let mut drawable = 0;
    for &point in points {
        if let Some((x, y)) = axis_point(panel, point) {
            x_extent.include(x);
            y_extent.include(y);
            drawable += 1;
        }
    }
    if drawable == 0 {
        return Err(Error::invalid(
            field,
            format!(
                "none of its {} points is positive on the log axis",
                points.len()
            ),
            "at least one point with positive coordinates on each log axis \
             (non-positive values are skipped there)",
        ));
    }
    Ok(())
}

/// Checks a reference and adds what it pins down (a constant, a curve) to the extents.
fn include_reference(
    reference: &Reference,
    field: &str,
    panel: &Panel,
    x_extent: &mut Extent,
    y_extent: &mut Extent,
) -> Result<()> {
    let constant = |value: f64, scale: Scale, axis: &str| {
        to_axis(scale, value).ok_or_else(|| {
            Error::invalid(
                field,
                format!("{axis} = {value}"),
                match scale {
                    Scale::Log => "a positive, finite constant on a log axis",
                    Scale::Linear => "a finite constant",
                },
            )
        })
    };
    match &reference.shape {
        ReferenceShape::Diagonal => {}
        ReferenceShape::Horizontal { y } => y_extent.include(constant(*y, panel.y.scale, "y")?),
        ReferenceShape::Vertical { x } => x_extent.include(constant(*x, panel.x.scale, "x")?),
        ReferenceShape::Curve { points } => {
            check_points(points, field)?;
            include_points(points, field, panel, x_extent, y_extent)?;
        }
    }
    Ok(())
}

/// The padded range of one axis; an axis with nothing drawable is an error.
fn prepared_axis(
    label: &str,
    scale: Scale,
    extent: Extent,
    name: &str,
    axis: &str,
) -> Result<PreparedAxis> {
    let Some((low, high)) = extent.0 else {
        return Err(Error::invalid(
            format!("{name}, {axis} axis"),
            "no value fixes its range (only y = x or constants on the other axis)",
            "a line, scatter or curve in the panel",
        ));
    };
    let (low, high) = padded(low, high);
    if !(low.is_finite() && high.is_finite() && high > low) {
        return Err(Error::invalid(
            format!("{name}, {axis} axis"),
            format!("values from {low} to {high}"),
            "values whose range is a finite number",
        ));
    }
    Ok(PreparedAxis {
        label: label.to_string(),
        scale,
        low,
        high,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plot::figure::Scatter;
    use crate::plot::prepare::prepare;
    use crate::plot::{Axis, Line, Panel, Reference};

    fn one_panel(panel: Panel) -> Figure {
        Figure::new("test", vec![panel])
    }

    fn message(figure: &Figure) -> String {
        match prepare(figure) {
            Ok(_) => panic!("expected an error"),
            Err(e) => e.to_string(),
        }
    }

    #[test]
    fn bad_inputs_are_errors_that_name_the_place() {
        let log_panel = Panel::new("rates", Axis::log("t"), Axis::log("gap"))
            .with(Line::new("PPO", vec![(1.0, 0.0), (2.0, -1.0)]));
        let text = message(&one_panel(log_panel));
        assert!(text.contains("panel 1 \"rates\", line \"PPO\""), "{text}");
        assert!(text.contains("positive"), "{text}");

        let nan = Panel::new("", Axis::linear("t"), Axis::linear("J"))
            .with(Scatter::new("runs", vec![(0.0, 1.0), (1.0, f64::NAN)]));
        let text = message(&one_panel(nan));
        assert!(text.contains("scatter \"runs\", point 1"), "{text}");

        let short_band = Panel::new("", Axis::linear("t"), Axis::linear("J"))
            .with(Line::new("a", vec![(0.0, 1.0), (1.0, 2.0)]).band(vec![(0.0, 0.0, 2.0)]));
        assert!(message(&one_panel(short_band)).contains("1 entries for 2 points"));

        let shifted_band = Panel::new("", Axis::linear("t"), Axis::linear("J")).with(
            Line::new("a", vec![(0.0, 1.0), (1.0, 2.0)])
                .band(vec![(0.0, 0.0, 2.0), (1.5, 1.0, 3.0)]),
        );
        assert!(message(&one_panel(shifted_band)).contains("band entry 1"));

        let inverted_band = Panel::new("", Axis::linear("t"), Axis::linear("J"))
            .with(Line::new("a", vec![(0.0, 1.0)]).band(vec![(0.0, 2.0, 0.0)]));
        assert!(message(&one_panel(inverted_band)).contains("low ≤ high"));

        let no_label = Panel::new("", Axis::linear(""), Axis::linear("J"))
            .with(Line::new("a", vec![(0.0, 1.0)]));
        assert!(message(&one_panel(no_label)).contains("x axis label"));

        let only_reference =
            Panel::new("", Axis::linear("t"), Axis::linear("J")).with(Reference::diagonal("y = x"));
        assert!(message(&one_panel(only_reference)).contains("x axis"));

        let negative_constant = Panel::new("", Axis::linear("t"), Axis::log("gap"))
            .with(Line::new("a", vec![(0.0, 1.0)]))
            .with(Reference::horizontal("zero", 0.0));
        assert!(message(&one_panel(negative_constant)).contains("reference \"zero\""));

        let empty =
            Panel::new("", Axis::linear("t"), Axis::linear("J")).with(Line::new("a", vec![]));
        assert!(message(&one_panel(empty)).contains("no points"));

        assert!(message(&Figure::new("t", vec![])).contains("at least one panel"));
        let mut tiny = one_panel(
            Panel::new("", Axis::linear("t"), Axis::linear("J"))
                .with(Line::new("a", vec![(0.0, 1.0)])),
        );
        tiny.panel_size = (10, 10);
        assert!(message(&tiny).contains("panel_size"));
    }
}
