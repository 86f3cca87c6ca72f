//! Pixel layout: where the title, each plot frame, the ticks and the axis labels go (the legend
//! and the notes are placed by [`super::placement`]). Text is measured with the bundled font, so
//! the layout is the same for PNG and SVG.
//!
//! Panels are cells of the figure's panel size under a title band. In a cell: the panel title
//! (room is kept for it in every panel when any panel has one, so frames line up), the frame,
//! tick labels and axis labels around it, and a strip below when the legend or notes go there.
//! Tick counts follow the frame size: about one y label per 55 pixels, and as many x labels as
//! fit side by side with a gap.

use super::DrawResult as Result;
use super::font::face;
use super::placement;
use super::prepare::{PreparedFigure, PreparedPanel};
use super::scale::{Ticks, ticks};

/// A rectangle in pixels, by its edges.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Rect {
    /// Left edge.
    pub left: i32,
    /// Top edge.
    pub top: i32,
    /// Right edge.
    pub right: i32,
    /// Bottom edge.
    pub bottom: i32,
}

impl Rect {
    pub(super) fn width(&self) -> i32 {
        self.right - self.left
    }

    pub(super) fn height(&self) -> i32 {
        self.bottom - self.top
    }
}

/// Font sizes (em, in pixels) and spacings in pixels, scaled with the panel size (×1 at
/// 600×420).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Sizes {
    /// Figure title.
    pub title: f64,
    /// Panel title.
    pub panel_title: f64,
    /// Axis labels.
    pub axis_label: f64,
    /// Tick labels.
    pub tick_label: f64,
    /// Legend and note text.
    pub legend: f64,
    /// Outer padding.
    pub pad: f64,
    /// Tick mark length.
    pub tick: f64,
    /// Width of a legend glyph.
    pub glyph: f64,
    /// Gap between a legend glyph and its text.
    pub gap: f64,
    /// Line width of data lines.
    pub line_width: f64,
    /// Marker radius.
    pub marker: f64,
}

impl Sizes {
    fn for_panel((width, height): (u32, u32)) -> Sizes {
        let s = (f64::from(width) / 600.0)
            .min(f64::from(height) / 420.0)
            .clamp(0.6, 3.0);
        Sizes {
            title: 22.0 * s,
            panel_title: 18.0 * s,
            axis_label: 16.0 * s,
            tick_label: 14.0 * s,
            legend: 14.0 * s,
            pad: 10.0 * s,
            tick: 5.0 * s,
            glyph: 30.0 * s,
            gap: 8.0 * s,
            line_width: (2.0 * s).round().max(1.0),
            marker: 4.0 * s,
        }
    }

    /// Height of one line of text at em size `em`.
    pub fn line_height(em: f64) -> f64 {
        em * 1.5
    }
}

/// The mapping from axis space to pixels inside a plot frame.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Frame {
    /// The plot area; the frame line is drawn on its border.
    pub plot: Rect,
    /// x range in axis space.
    pub x: (f64, f64),
    /// y range in axis space.
    pub y: (f64, f64),
}

impl Frame {
    /// Pixel position (not rounded) of an axis-space point; y grows downwards.
    pub fn pixel(&self, (u, v): (f64, f64)) -> (f64, f64) {
        let p = &self.plot;
        let x = f64::from(p.left) + (u - self.x.0) / (self.x.1 - self.x.0) * f64::from(p.width());
        let y =
            f64::from(p.bottom) - (v - self.y.0) / (self.y.1 - self.y.0) * f64::from(p.height());
        (x, y)
    }
}

/// Rows of a legend or of notes: an optional background box and, per row, the left-centre
/// point where the row's glyph (legend) or text (notes) starts.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Block {
    /// A white box behind the rows (corner placement) or none (strip below the plot).
    pub background: Option<Rect>,
    /// One anchor per row.
    pub rows: Vec<(i32, i32)>,
}

/// The layout of one panel.
#[derive(Debug, Clone)]
pub(crate) struct PanelLayout {
    /// Centre of the panel title, if the panel has one.
    pub title_center: Option<(i32, i32)>,
    /// Em size of the panel title (smaller than [`Sizes::panel_title`] if it would not fit).
    pub title_em: f64,
    /// Em sizes of the x- and y-axis labels (smaller than [`Sizes::axis_label`] if needed).
    pub label_em: (f64, f64),
    /// The plot frame and its mapping.
    pub frame: Frame,
    /// Ticks along x.
    pub x_ticks: Ticks,
    /// Ticks along y.
    pub y_ticks: Ticks,
    /// Centre of the x-axis label.
    pub x_label_center: (i32, i32),
    /// Centre of the (rotated) y-axis label.
    pub y_label_center: (i32, i32),
    /// Legend rows, if the panel has a legend.
    pub legend: Option<Block>,
    /// Note rows, if the panel has notes.
    pub notes: Option<Block>,
}

/// The layout of a whole figure.
#[derive(Debug, Clone)]
pub(crate) struct FigureLayout {
    /// Image width.
    pub width: u32,
    /// Image height.
    pub height: u32,
    /// Font sizes and spacings.
    pub sizes: Sizes,
    /// Centre of the figure title.
    pub title_center: (i32, i32),
    /// Em size of the figure title (smaller than [`Sizes::title`] if it would not fit).
    pub title_em: f64,
    /// One layout per panel.
    pub panels: Vec<PanelLayout>,
}

/// Width in pixels of `text` in the bundled font at em size `em`.
pub(crate) fn measure(text: &str, em: f64) -> Result<f64> {
    let font = face().map_err(str::to_string)?;
    Ok(super::text::width(font, text, em))
}

/// The em size at which `text` fits in `available` pixels: `em`, or smaller, down to 60% of it
/// (a longer text would rather be clipped than unreadable).
fn fitting_em(text: &str, em: f64, available: f64) -> Result<f64> {
    let width = measure(text, em)?;
    Ok(if width <= available {
        em
    } else {
        (em * available / width).max(0.6 * em)
    })
}

/// Lays out a prepared figure.
pub(crate) fn layout(figure: &PreparedFigure) -> Result<FigureLayout> {
    let sizes = Sizes::for_panel(figure.panel_size);
    let (panel_width, panel_height) = figure.panel_size;
    let title_height = (Sizes::line_height(sizes.title) + 2.0 * sizes.pad).round() as i32;
    let reserve_title = figure.panels.iter().any(|panel| !panel.title.is_empty());
    let width = panel_width * figure.columns as u32;
    let height = title_height as u32 + panel_height * figure.rows as u32;
    let panels = figure
        .panels
        .iter()
        .enumerate()
        .map(|(index, panel)| {
            let (row, column) = (index / figure.columns, index % figure.columns);
            let left = column as i32 * panel_width as i32;
            let top = title_height + row as i32 * panel_height as i32;
            let cell = Rect {
                left,
                top,
                right: left + panel_width as i32,
                bottom: top + panel_height as i32,
            };
            placement::panel_layout(panel, cell, &sizes, reserve_title)
        })
        .collect::<Result<Vec<_>>>()?;
    Ok(FigureLayout {
        width,
        height,
        sizes,
        title_center: ((width / 2) as i32, title_height / 2),
        title_em: fitting_em(
            &figure.title,
            sizes.title,
            f64::from(width) - 2.0 * sizes.pad,
        )?,
        panels,
    })
}

/// The plot frame, ticks and axis-label positions of a panel, with `strip` pixels kept free
/// at the bottom of the cell.
pub(super) fn plot_geometry(
    panel: &PreparedPanel,
    cell: Rect,
    sizes: &Sizes,
    strip: f64,
    reserve_title: bool,
) -> Result<PanelLayout> {
    let title_height = if reserve_title {
        Sizes::line_height(sizes.panel_title)
    } else {
        0.0
    };
    let top = f64::from(cell.top) + sizes.pad + title_height + sizes.tick_label * 0.6;
    let tick_row = Sizes::line_height(sizes.tick_label);
    let label_row = Sizes::line_height(sizes.axis_label);
    let below_axis = sizes.tick + 4.0 + tick_row + 4.0 + label_row + strip + sizes.pad;
    let bottom = f64::from(cell.bottom) - below_axis;
    let plot_height = (bottom - top).max(20.0);
    let y_count = (plot_height / 55.0).floor() as usize;
    let y_ticks = ticks(panel.y.scale, panel.y.low, panel.y.high, y_count);
    let y_label_width = y_ticks
        .major
        .iter()
        .map(|t| measure(&t.label, sizes.tick_label))
        .try_fold(0.0, |widest, w| w.map(|w| f64::max(widest, w)))?;
    let left =
        f64::from(cell.left) + sizes.pad + label_row + sizes.gap + y_label_width + 4.0 + sizes.tick;
    let mut right_margin = sizes.pad * 2.0;
    let (frame, x_ticks) = loop {
        let right = f64::from(cell.right) - right_margin;
        let plot = Rect {
            left: left.round() as i32,
            top: top.round() as i32,
            right: right.round().max(left + 20.0) as i32,
            bottom: (top + plot_height).round() as i32,
        };
        let frame = Frame {
            plot,
            x: (panel.x.low, panel.x.high),
            y: (panel.y.low, panel.y.high),
        };
        let x_ticks = x_ticks_that_fit(panel, &frame, sizes)?;
        // The last label may stick out past the frame; keep it inside the cell.
        let overhang = match x_ticks.major.last() {
            Some(last) => {
                let width = measure(&last.label, sizes.tick_label)?;
                let (x, _) = frame.pixel((last.position, frame.y.0));
                x + width / 2.0 + sizes.pad - f64::from(cell.right)
            }
            None => 0.0,
        };
        if overhang > 0.5 && right_margin < sizes.pad * 8.0 {
            right_margin += overhang.ceil();
            continue;
        }
        break (frame, x_ticks);
    };
    let plot = frame.plot;
    let cell_width = f64::from(cell.width()) - 2.0 * sizes.pad;
    let label_em = (
        fitting_em(&panel.x.label, sizes.axis_label, cell_width)?,
        fitting_em(&panel.y.label, sizes.axis_label, f64::from(plot.height()))?,
    );
    let title_em = fitting_em(&panel.title, sizes.panel_title, cell_width)?;
    let x_label_y = f64::from(plot.bottom) + sizes.tick + 4.0 + tick_row + 4.0 + label_row / 2.0;
    Ok(PanelLayout {
        title_center: (!panel.title.is_empty()).then(|| {
            (
                (plot.left + plot.right) / 2,
                (f64::from(cell.top) + sizes.pad + title_height / 2.0).round() as i32,
            )
        }),
        title_em,
        label_em,
        frame,
        x_ticks,
        y_ticks,
        x_label_center: ((plot.left + plot.right) / 2, x_label_y.round() as i32),
        y_label_center: (
            (f64::from(cell.left) + sizes.pad + label_row / 2.0).round() as i32,
            (plot.top + plot.bottom) / 2,
        ),
        legend: None,
        notes: None,
    })
}

/// x ticks whose labels do not collide: fewer ticks until neighbours are a gap apart.
fn x_ticks_that_fit(panel: &PreparedPanel, frame: &Frame, sizes: &Sizes) -> Result<Ticks> {
    let mut count = (f64::from(frame.plot.width()) / 70.0).floor().max(2.0) as usize;
    loop {
        let candidate = ticks(panel.x.scale, panel.x.low, panel.x.high, count);
        let mut previous_right = f64::NEG_INFINITY;
        let mut fits = true;
        for tick in &candidate.major {
            let width = measure(&tick.label, sizes.tick_label)?;
            let (x, _) = frame.pixel((tick.position, frame.y.0));
            if x - width / 2.0 < previous_right + sizes.gap * 1.5 {
                fits = false;
            }
            previous_right = x + width / 2.0;
        }
        if fits || count <= 2 {
            return Ok(candidate);
        }
        count -= 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plot::figure::{Axis, Figure, Line, Panel};
    use crate::plot::prepare::prepare;

    #[test]
    fn long_labels_shrink_to_fit_and_short_ones_keep_their_size() {
        crate::plot::font::ensure_registered().unwrap();
        let long =
            "a very long axis label that names a quantity, its estimator and its units (nats)";
        let panel = Panel::new("", Axis::linear("t"), Axis::linear(long))
            .with(Line::new("a", vec![(0.0, 1.0), (1.0, 2.0)]));
        let figure = prepare(&Figure::new("t", vec![panel])).unwrap();
        let layout = layout(&figure).unwrap();
        let panel = &layout.panels[0];
        assert_eq!(panel.label_em.0, layout.sizes.axis_label);
        assert!(panel.label_em.1 < layout.sizes.axis_label);
        assert!(panel.label_em.1 >= 0.6 * layout.sizes.axis_label);
        assert_eq!(layout.title_em, layout.sizes.title);
    }

    #[test]
    fn frames_map_ranges_to_the_plot_edges() {
        let frame = Frame {
            plot: Rect {
                left: 10,
                top: 20,
                right: 110,
                bottom: 220,
            },
            x: (0.0, 1.0),
            y: (-1.0, 1.0),
        };
        assert_eq!(frame.pixel((0.0, -1.0)), (10.0, 220.0));
        assert_eq!(frame.pixel((1.0, 1.0)), (110.0, 20.0));
    }
}
