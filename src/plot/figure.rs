//! The figure data model: what a figure shows, as plain data.
//!
//! A [`Figure`] is a title and a grid of [`Panel`]s; a panel is two labelled [`Axis`] values, a
//! list of [`Series`] and a few lines of notes. Nothing here knows about pixels or backends, so an
//! experiment can build a figure, save it as JSON next to its results, and render it later. Every
//! type derives serde's `Serialize` and `Deserialize`; series are tagged by `"kind"`:
//!
//! ```json
//! {"kind": "line", "label": "PPO", "points": [[0, 1.0], [1, 0.8]],
//!  "band": [[0, 0.9, 1.1], [1, 0.7, 0.9]], "style": "solid"}
//! ```
//!
//! The rules for what is drawable (finite numbers, log axes, bands) are in [`super`].

use serde::{Deserialize, Serialize};

/// Width and height of one panel in pixels when a figure does not say.
pub const DEFAULT_PANEL_SIZE: (u32, u32) = (600, 420);

/// A figure: a title over a grid of panels, filled row by row.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Figure {
    /// Title drawn across the top; required (a figure is cited by what it shows).
    pub title: String,
    /// The panels, left to right, then top to bottom.
    pub panels: Vec<Panel>,
    /// Panels per row; `None` puts up to three panels in a row.
    #[serde(default)]
    pub columns: Option<usize>,
    /// Size of one panel in pixels, `(width, height)`; default [`DEFAULT_PANEL_SIZE`].
    #[serde(default = "default_panel_size")]
    pub panel_size: (u32, u32),
}

fn default_panel_size() -> (u32, u32) {
    DEFAULT_PANEL_SIZE
}

impl Figure {
    /// A figure with automatic columns and the default panel size.
    pub fn new(title: impl Into<String>, panels: Vec<Panel>) -> Self {
        Figure {
            title: title.into(),
            panels,
            columns: None,
            panel_size: DEFAULT_PANEL_SIZE,
        }
    }

    /// Sets the number of panels per row.
    pub fn columns(mut self, columns: usize) -> Self {
        self.columns = Some(columns);
        self
    }

    /// Sets the size of one panel in pixels.
    pub fn panel_size(mut self, width: u32, height: u32) -> Self {
        self.panel_size = (width, height);
        self
    }

    /// The number of panels per row actually used: the requested number (at most the number of
    /// panels), or up to three.
    pub fn column_count(&self) -> usize {
        match self.columns {
            Some(columns) => columns.min(self.panels.len().max(1)),
            None => self.panels.len().clamp(1, 3),
        }
    }
}

/// One plot: axes, series and notes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Panel {
    /// Title above the plot; may be empty (a one-panel figure has the figure's title).
    #[serde(default)]
    pub title: String,
    /// The horizontal axis.
    pub x: Axis,
    /// The vertical axis.
    pub y: Axis,
    /// What is drawn, back to front within each kind (bands, then references, lines, markers).
    pub series: Vec<Series>,
    /// Lines of text drawn in a free corner, e.g. `"fitted slope −1.01 [−1.03, −0.99]"`.
    #[serde(default)]
    pub notes: Vec<String>,
}

impl Panel {
    /// A panel with the given axes and no series yet.
    pub fn new(title: impl Into<String>, x: Axis, y: Axis) -> Self {
        Panel {
            title: title.into(),
            x,
            y,
            series: Vec::new(),
            notes: Vec::new(),
        }
    }

    /// Adds a series.
    pub fn with(mut self, series: impl Into<Series>) -> Self {
        self.series.push(series.into());
        self
    }

    /// Adds several series, in order.
    pub fn with_all<S: Into<Series>>(mut self, series: impl IntoIterator<Item = S>) -> Self {
        self.series.extend(series.into_iter().map(Into::into));
        self
    }

    /// Adds a line of notes.
    pub fn note(mut self, text: impl Into<String>) -> Self {
        self.notes.push(text.into());
        self
    }
}

/// An axis: its label (with units) and its scale.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Axis {
    /// The label, units included, e.g. `"iteration t"` or `"V* − V^π (nats)"`; required.
    pub label: String,
    /// Linear or logarithmic.
    #[serde(default)]
    pub scale: Scale,
}

impl Axis {
    /// A linear axis.
    pub fn linear(label: impl Into<String>) -> Self {
        Axis {
            label: label.into(),
            scale: Scale::Linear,
        }
    }

    /// A base-10 logarithmic axis.
    pub fn log(label: impl Into<String>) -> Self {
        Axis {
            label: label.into(),
            scale: Scale::Log,
        }
    }
}

/// How values map to positions along an axis.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Scale {
    /// Position proportional to the value.
    #[default]
    Linear,
    /// Position proportional to log10 of the value; only positive values are drawable.
    Log,
}

/// Something drawn in a panel.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Series {
    /// A line through points, optionally over a confidence band.
    Line(Line),
    /// Unconnected markers.
    Scatter(Scatter),
    /// A grey guide: y = x, a constant, or a given curve.
    Reference(Reference),
}

/// A line through `(x, y)` points in the given order, such as a mean over seeds.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Line {
    /// Legend text; an empty label leaves the line out of the legend.
    pub label: String,
    /// The points, joined in order.
    pub points: Vec<(f64, f64)>,
    /// A band `(x, low, high)` per point, at the same x as the point (e.g. a 95% interval).
    #[serde(default)]
    pub band: Option<Vec<(f64, f64, f64)>>,
    /// Solid or dashed.
    #[serde(default)]
    pub style: LineStyle,
    /// A palette index (see [`super::palette`]) pinning this label's colour.
    #[serde(default)]
    pub color: Option<usize>,
}

impl Line {
    /// A solid line with no band and an automatic colour.
    pub fn new(label: impl Into<String>, points: Vec<(f64, f64)>) -> Self {
        Line {
            label: label.into(),
            points,
            band: None,
            style: LineStyle::Solid,
            color: None,
        }
    }

    /// Adds a band, one `(x, low, high)` per point.
    pub fn band(mut self, band: Vec<(f64, f64, f64)>) -> Self {
        self.band = Some(band);
        self
    }

    /// Draws the line dashed.
    pub fn dashed(mut self) -> Self {
        self.style = LineStyle::Dashed;
        self
    }

    /// Pins the colour to a palette index.
    pub fn color(mut self, index: usize) -> Self {
        self.color = Some(index);
        self
    }
}

/// How a line is stroked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LineStyle {
    /// A continuous stroke.
    #[default]
    Solid,
    /// Dashes, for a second family of lines (e.g. a prediction next to a measurement).
    Dashed,
}

/// Markers at `(x, y)` points, such as one run per marker.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Scatter {
    /// Legend text; an empty label leaves the markers out of the legend.
    pub label: String,
    /// The points.
    pub points: Vec<(f64, f64)>,
    /// A palette index pinning this label's colour.
    #[serde(default)]
    pub color: Option<usize>,
}

impl Scatter {
    /// Markers with an automatic colour.
    pub fn new(label: impl Into<String>, points: Vec<(f64, f64)>) -> Self {
        Scatter {
            label: label.into(),
            points,
            color: None,
        }
    }

    /// Pins the colour to a palette index.
    pub fn color(mut self, index: usize) -> Self {
        self.color = Some(index);
        self
    }
}

/// A grey dashed guide line.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Reference {
    /// Legend text, e.g. `"y = x"` or `"optimum J*"`; may be empty.
    pub label: String,
    /// Which line.
    pub shape: ReferenceShape,
}

impl Reference {
    /// The line y = x across the panel.
    pub fn diagonal(label: impl Into<String>) -> Self {
        Reference {
            label: label.into(),
            shape: ReferenceShape::Diagonal,
        }
    }

    /// A horizontal line at `y`.
    pub fn horizontal(label: impl Into<String>, y: f64) -> Self {
        Reference {
            label: label.into(),
            shape: ReferenceShape::Horizontal { y },
        }
    }

    /// A vertical line at `x`.
    pub fn vertical(label: impl Into<String>, x: f64) -> Self {
        Reference {
            label: label.into(),
            shape: ReferenceShape::Vertical { x },
        }
    }

    /// A curve through given points, e.g. a theoretical rate C/t.
    pub fn curve(label: impl Into<String>, points: Vec<(f64, f64)>) -> Self {
        Reference {
            label: label.into(),
            shape: ReferenceShape::Curve { points },
        }
    }
}

/// The geometry of a [`Reference`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ReferenceShape {
    /// y = x. When both axes have the same scale, the panel gives both axes one range, so the
    /// line runs corner to corner.
    Diagonal,
    /// y = constant; the constant is inside the y range.
    Horizontal {
        /// The constant.
        y: f64,
    },
    /// x = constant; the constant is inside the x range.
    Vertical {
        /// The constant.
        x: f64,
    },
    /// A polyline; its points count towards the axis ranges.
    Curve {
        /// The points, joined in order.
        points: Vec<(f64, f64)>,
    },
}

impl From<Line> for Series {
    fn from(line: Line) -> Self {
        Series::Line(line)
    }
}

impl From<Scatter> for Series {
    fn from(scatter: Scatter) -> Self {
        Series::Scatter(scatter)
    }
}

impl From<Reference> for Series {
    fn from(reference: Reference) -> Self {
        Series::Reference(reference)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_figure_survives_a_json_round_trip() {
        let figure = Figure::new(
            "Entropy",
            vec![
                Panel::new("a", Axis::linear("step"), Axis::log("gap"))
                    .with(
                        Line::new("PPO", vec![(0.0, 1.0), (1.0, 0.5)])
                            .band(vec![(0.0, 0.9, 1.1), (1.0, 0.4, 0.6)]),
                    )
                    .with(Scatter::new("runs", vec![(0.5, 0.7)]).color(2))
                    .with(Reference::horizontal("optimum", 0.1))
                    .note("slope −1.0"),
            ],
        )
        .columns(1);
        let text = serde_json::to_string(&figure).unwrap();
        let back: Figure = serde_json::from_str(&text).unwrap();
        assert_eq!(back, figure);
    }

    #[test]
    fn optional_fields_have_defaults_in_json() {
        let text = r#"{"title": "t", "panels": [{"x": {"label": "x"}, "y": {"label": "y"},
            "series": [{"kind": "line", "label": "a", "points": [[0, 1], [1, 2]]},
                       {"kind": "reference", "label": "", "shape": {"type": "diagonal"}}]}]}"#;
        let figure: Figure = serde_json::from_str(text).unwrap();
        assert_eq!(figure.panel_size, DEFAULT_PANEL_SIZE);
        assert_eq!(figure.column_count(), 1);
        assert_eq!(figure.panels[0].x.scale, Scale::Linear);
        match &figure.panels[0].series[0] {
            Series::Line(line) => {
                assert_eq!(line.style, LineStyle::Solid);
                assert!(line.band.is_none());
            }
            other => panic!("expected a line, got {other:?}"),
        }
    }
}
