//! Drawing a laid-out figure with plotters, on any backend (the SVG and the bitmap backend).
//!
//! Everything is drawn in pixel coordinates from [`super::layout`]; plotters' chart and mesh
//! helpers are not used, so ticks, labels, grid lines and the legend are exactly where the
//! layout put them. Back to front: grid, bands, reference lines, data lines, markers, frame and
//! ticks, legend and notes. Text goes to the SVG as `<text>` elements; for the PNG it is handed
//! back as [`TextRun`]s and rasterized by [`super::text`] on top of the finished image (nothing
//! is ever drawn over text, so drawing it last changes nothing but its quality).

use std::cell::RefCell;

use plotters::coord::Shift;
use plotters::element::{Drawable, PointCollection};
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::DrawResult as Result;
use super::font::FAMILY;
use super::layout::{Block, FigureLayout, PanelLayout, Rect, Sizes};
use super::palette::{REFERENCE_GREY, Rgb};
use super::prepare::{LegendGlyph, MarkerShape, PreparedFigure, PreparedPanel, StrokeKind};
use super::text::{Align, TextRun};

/// Text colour: near-black.
const INK: Rgb = (25, 25, 25);
/// Text colour for the SVG backend.
static SVG_INK: RGBColor = RGBColor(INK.0, INK.1, INK.2);
/// plotters' text size for an em size: its SVG backend writes `font-size` as size / 1.24.
const PLOTTERS_SIZE_PER_EM: f64 = 1.24;
/// Frame and tick colour.
static AXIS: RGBColor = RGBColor(60, 60, 60);
/// Grid lines at labelled ticks.
static GRID: RGBColor = RGBColor(222, 222, 222);
/// Light grid lines (log axes between powers of ten).
static GRID_LIGHT: RGBColor = RGBColor(240, 240, 240);
/// Border of the legend and notes boxes.
static BOX_EDGE: RGBColor = RGBColor(200, 200, 200);

/// Opacity of band fills.
const BAND_OPACITY: f64 = 0.2;
/// Opacity of marker fills.
const MARKER_OPACITY: f64 = 0.75;

/// Where text goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum TextOutput {
    /// Drawn through the backend (SVG `<text>` elements).
    Backend,
    /// Returned from [`draw`] for [`super::text::rasterize`] (PNG).
    Collected,
}

/// Draws the figure on `area`, which has the layout's size; returns the texts when they are
/// collected rather than drawn.
pub(crate) fn draw<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    figure: &PreparedFigure,
    layout: &FigureLayout,
    text_output: TextOutput,
) -> Result<Vec<TextRun>> {
    let pen = Pen {
        area,
        collected: (text_output == TextOutput::Collected).then(|| RefCell::new(Vec::new())),
    };
    pen.run(|| area.fill(&WHITE))?;
    pen.text(
        &figure.title,
        layout.title_center,
        layout.title_em,
        Align::Center,
        false,
    )?;
    for (panel, panel_layout) in figure.panels.iter().zip(&layout.panels) {
        draw_panel(&pen, panel, panel_layout, &layout.sizes)?;
    }
    pen.run(|| area.present())?;
    Ok(pen.collected.map(RefCell::into_inner).unwrap_or_default())
}

/// A drawing area, and the texts collected instead of drawn; every drawing error becomes a
/// message.
struct Pen<'a, DB: DrawingBackend> {
    area: &'a DrawingArea<DB, Shift>,
    collected: Option<RefCell<Vec<TextRun>>>,
}

impl<DB: DrawingBackend> Pen<'_, DB> {
    fn run<T, E: std::fmt::Display>(
        &self,
        action: impl FnOnce() -> std::result::Result<T, E>,
    ) -> Result<T> {
        action().map_err(|e| format!("drawing failed: {e}"))
    }

    fn element<E>(&self, element: E) -> Result<()>
    where
        for<'b> &'b E: PointCollection<'b, (i32, i32)>,
        E: Drawable<DB>,
    {
        self.run(|| self.area.draw(&element))
    }

    /// One line of text at em size `em`, centred vertically on `anchor`; `vertical` turns it
    /// to read bottom to top.
    fn text(
        &self,
        text: &str,
        anchor: (i32, i32),
        em: f64,
        align: Align,
        vertical: bool,
    ) -> Result<()> {
        if text.is_empty() {
            return Ok(());
        }
        if let Some(collected) = &self.collected {
            collected.borrow_mut().push(TextRun {
                text: text.to_string(),
                anchor,
                em,
                align,
                vertical,
                color: INK,
            });
            return Ok(());
        }
        let horizontal = match align {
            Align::Left => HPos::Left,
            Align::Center => HPos::Center,
            Align::Right => HPos::Right,
        };
        let font = FontDesc::new(
            FontFamily::Name(FAMILY),
            em * PLOTTERS_SIZE_PER_EM,
            FontStyle::Normal,
        );
        let font = if vertical {
            font.transform(FontTransform::Rotate270)
        } else {
            font
        };
        let style = font.color(&SVG_INK).pos(Pos::new(horizontal, VPos::Center));
        self.run(|| self.area.draw_text(text, &style, anchor))
    }

    fn line(&self, points: Vec<(i32, i32)>, color: RGBAColor, width: u32) -> Result<()> {
        self.element(PathElement::new(points, color.stroke_width(width)))
    }
}

fn rgb((r, g, b): Rgb) -> RGBColor {
    RGBColor(r, g, b)
}

fn round((x, y): (f64, f64)) -> (i32, i32) {
    (x.round() as i32, y.round() as i32)
}

fn draw_panel<DB: DrawingBackend>(
    pen: &Pen<'_, DB>,
    panel: &PreparedPanel,
    layout: &PanelLayout,
    sizes: &Sizes,
) -> Result<()> {
    let frame = &layout.frame;
    let plot = frame.plot;
    if let Some(center) = layout.title_center {
        pen.text(&panel.title, center, layout.title_em, Align::Center, false)?;
    }
    // Grid: light lines first, then the lines at labelled ticks.
    let vertical_at = |u: f64| round(frame.pixel((u, frame.y.0))).0;
    let horizontal_at = |v: f64| round(frame.pixel((frame.x.0, v))).1;
    let x_major: Vec<f64> = layout.x_ticks.major.iter().map(|t| t.position).collect();
    let y_major: Vec<f64> = layout.y_ticks.major.iter().map(|t| t.position).collect();
    for (positions, color) in [(&layout.x_ticks.minor, &GRID_LIGHT), (&x_major, &GRID)] {
        for &u in positions {
            let x = vertical_at(u);
            pen.line(vec![(x, plot.top), (x, plot.bottom)], color.to_rgba(), 1)?;
        }
    }
    for (positions, color) in [(&layout.y_ticks.minor, &GRID_LIGHT), (&y_major, &GRID)] {
        for &v in positions {
            let y = horizontal_at(v);
            pen.line(vec![(plot.left, y), (plot.right, y)], color.to_rgba(), 1)?;
        }
    }
    // Data, back to front.
    for band in &panel.bands {
        let vertices = band
            .vertices
            .iter()
            .map(|&p| round(frame.pixel(p)))
            .collect::<Vec<_>>();
        pen.element(Polygon::new(
            vertices,
            rgb(band.color).mix(BAND_OPACITY).filled(),
        ))?;
    }
    let width = sizes.line_width as u32;
    for stroke in &panel.strokes {
        let pixels: Vec<(f64, f64)> = stroke.points.iter().map(|&p| frame.pixel(p)).collect();
        let color = rgb(stroke.color).to_rgba();
        match stroke.kind {
            StrokeKind::Solid => pen.line(pixels.into_iter().map(round).collect(), color, width)?,
            StrokeKind::Dashed => {
                for dash in dashes(&pixels, 5.0 * sizes.line_width, 3.0 * sizes.line_width) {
                    pen.line(dash, color, width)?;
                }
            }
            StrokeKind::Reference(index) => {
                let (on, off) = reference_dash(index, sizes);
                for dash in dashes(&pixels, on, off) {
                    pen.line(dash, color, reference_width(sizes))?;
                }
            }
        }
    }
    for set in &panel.markers {
        for &point in &set.points {
            marker(
                pen,
                round(frame.pixel(point)),
                set.shape,
                rgb(set.color),
                sizes,
            )?;
        }
    }
    // Frame and ticks.
    pen.element(Rectangle::new(
        [(plot.left, plot.top), (plot.right, plot.bottom)],
        AXIS.stroke_width(1),
    ))?;
    let tick = sizes.tick.round() as i32;
    let label_gap = tick + 4;
    for t in &layout.x_ticks.major {
        let x = vertical_at(t.position);
        pen.line(
            vec![(x, plot.bottom), (x, plot.bottom + tick)],
            AXIS.to_rgba(),
            1,
        )?;
        let y = plot.bottom + label_gap + (Sizes::line_height(sizes.tick_label) / 2.0) as i32;
        pen.text(&t.label, (x, y), sizes.tick_label, Align::Center, false)?;
    }
    for t in &layout.y_ticks.major {
        let y = horizontal_at(t.position);
        pen.line(
            vec![(plot.left - tick, y), (plot.left, y)],
            AXIS.to_rgba(),
            1,
        )?;
        pen.text(
            &t.label,
            (plot.left - label_gap, y),
            sizes.tick_label,
            Align::Right,
            false,
        )?;
    }
    pen.text(
        &panel.x.label,
        layout.x_label_center,
        layout.label_em.0,
        Align::Center,
        false,
    )?;
    pen.text(
        &panel.y.label,
        layout.y_label_center,
        layout.label_em.1,
        Align::Center,
        true,
    )?;
    // Legend and notes.
    if let Some(block) = &layout.legend {
        draw_box(pen, block)?;
        for (entry, &(x, y)) in panel.legend.iter().zip(&block.rows) {
            legend_glyph(pen, &entry.glyph, (x, y), sizes)?;
            let text_x = x + (sizes.glyph + sizes.gap).round() as i32;
            pen.text(&entry.label, (text_x, y), sizes.legend, Align::Left, false)?;
        }
    }
    if let Some(block) = &layout.notes {
        draw_box(pen, block)?;
        for (note, &anchor) in panel.notes.iter().zip(&block.rows) {
            pen.text(note, anchor, sizes.legend, Align::Left, false)?;
        }
    }
    Ok(())
}

/// The white, slightly translucent box behind a corner legend or notes.
fn draw_box<DB: DrawingBackend>(pen: &Pen<'_, DB>, block: &Block) -> Result<()> {
    if let Some(Rect {
        left,
        top,
        right,
        bottom,
    }) = block.background
    {
        let corners = [(left, top), (right, bottom)];
        pen.element(Rectangle::new(corners, WHITE.mix(0.9).filled()))?;
        pen.element(Rectangle::new(corners, BOX_EDGE.stroke_width(1)))?;
    }
    Ok(())
}

/// The glyph of a legend row, starting at `(x, y)` (its left-centre point).
fn legend_glyph<DB: DrawingBackend>(
    pen: &Pen<'_, DB>,
    glyph: &LegendGlyph,
    (x, y): (i32, i32),
    sizes: &Sizes,
) -> Result<()> {
    let end = x + sizes.glyph.round() as i32;
    let segment = [(f64::from(x), f64::from(y)), (f64::from(end), f64::from(y))];
    let width = sizes.line_width as u32;
    match glyph {
        LegendGlyph::Line {
            color,
            dashed,
            band,
        } => {
            let color = rgb(*color);
            if *band {
                let half = (Sizes::line_height(sizes.legend) * 0.3).round() as i32;
                pen.element(Rectangle::new(
                    [(x, y - half), (end, y + half)],
                    color.mix(BAND_OPACITY).filled(),
                ))?;
            }
            if *dashed {
                for dash in dashes(&segment, 5.0 * sizes.line_width, 3.0 * sizes.line_width) {
                    pen.line(dash, color.to_rgba(), width)?;
                }
            } else {
                pen.line(vec![(x, y), (end, y)], color.to_rgba(), width)?;
            }
        }
        LegendGlyph::Marker { color, shape } => {
            marker(pen, ((x + end) / 2, y), *shape, rgb(*color), sizes)?;
        }
        LegendGlyph::Reference(index) => {
            let (on, off) = reference_dash(*index, sizes);
            for dash in dashes(&segment, on, off) {
                pen.line(dash, rgb(REFERENCE_GREY).to_rgba(), reference_width(sizes))?;
            }
        }
    }
    Ok(())
}

/// Dash and gap lengths in pixels of the numbered reference line: dashes, dots, long dashes.
fn reference_dash(index: usize, sizes: &Sizes) -> (f64, f64) {
    let (on, off) = [(4.0, 3.0), (1.5, 2.5), (10.0, 4.0)][index % 3];
    (on * sizes.line_width, off * sizes.line_width)
}

/// Reference lines are a pixel thinner than data lines.
fn reference_width(sizes: &Sizes) -> u32 {
    (sizes.line_width as u32).saturating_sub(1).max(1)
}

/// One marker centred at `(x, y)`: a translucent fill with an opaque outline.
fn marker<DB: DrawingBackend>(
    pen: &Pen<'_, DB>,
    (x, y): (i32, i32),
    shape: MarkerShape,
    color: RGBColor,
    sizes: &Sizes,
) -> Result<()> {
    let r = sizes.marker;
    let ri = r.round() as i32;
    let fill = color.mix(MARKER_OPACITY).filled();
    let edge = color.stroke_width(1);
    let polygon = |points: &[(f64, f64)]| -> Vec<(i32, i32)> {
        points
            .iter()
            .map(|&(dx, dy)| {
                (
                    (f64::from(x) + dx).round() as i32,
                    (f64::from(y) + dy).round() as i32,
                )
            })
            .collect()
    };
    match shape {
        MarkerShape::Circle => {
            pen.element(Circle::new((x, y), ri, fill))?;
            pen.element(Circle::new((x, y), ri, edge))?;
        }
        MarkerShape::Dot => {
            pen.element(Circle::new(
                (x, y),
                (sizes.line_width + 1.0) as i32,
                color.filled(),
            ))?;
        }
        MarkerShape::Square => {
            let s = (r * 0.9).round() as i32;
            pen.element(Rectangle::new([(x - s, y - s), (x + s, y + s)], fill))?;
            pen.element(Rectangle::new([(x - s, y - s), (x + s, y + s)], edge))?;
        }
        MarkerShape::Triangle | MarkerShape::Diamond => {
            let a = r * 1.25;
            let outline = if shape == MarkerShape::Triangle {
                polygon(&[(0.0, -a), (a * 0.87, a * 0.5), (-a * 0.87, a * 0.5)])
            } else {
                polygon(&[(0.0, -a), (a, 0.0), (0.0, a), (-a, 0.0)])
            };
            pen.element(Polygon::new(outline.clone(), fill))?;
            let mut closed = outline;
            if let Some(&first) = closed.first() {
                closed.push(first);
            }
            pen.element(PathElement::new(closed, edge))?;
        }
    }
    Ok(())
}

/// Cuts a pixel polyline into dashes `on` pixels long with `off`-pixel gaps; the pattern runs on
/// across vertices.
fn dashes(points: &[(f64, f64)], on: f64, off: f64) -> Vec<Vec<(i32, i32)>> {
    let mut all = Vec::new();
    let mut current: Vec<(f64, f64)> = Vec::new();
    let mut drawing = true;
    let mut left = on;
    for pair in points.windows(2) {
        let (a, b) = (pair[0], pair[1]);
        let length = (b.0 - a.0).hypot(b.1 - a.1);
        let mut done = 0.0;
        if drawing {
            push_distinct(&mut current, a);
        }
        while length - done > left {
            done += left;
            let t = done / length;
            let p = (a.0 + (b.0 - a.0) * t, a.1 + (b.1 - a.1) * t);
            if drawing {
                push_distinct(&mut current, p);
                all.push(std::mem::take(&mut current));
                left = off;
            } else {
                current.push(p);
                left = on;
            }
            drawing = !drawing;
        }
        left -= length - done;
        if drawing {
            push_distinct(&mut current, b);
        }
    }
    if current.len() >= 2 {
        all.push(current);
    }
    all.into_iter()
        .filter(|dash| dash.len() >= 2)
        .map(|dash| dash.into_iter().map(round).collect())
        .collect()
}

/// Appends `point` unless it repeats the last point.
fn push_distinct(points: &mut Vec<(f64, f64)>, point: (f64, f64)) {
    if points.last() != Some(&point) {
        points.push(point);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dashes_alternate_along_a_polyline() {
        let pieces = dashes(&[(0.0, 0.0), (10.0, 0.0), (10.0, 10.0)], 4.0, 2.0);
        assert_eq!(pieces[0], vec![(0, 0), (4, 0)]);
        assert_eq!(pieces[1], vec![(6, 0), (10, 0)]);
        // The third dash turns the corner.
        assert_eq!(pieces[2], vec![(10, 2), (10, 6)]);
        assert_eq!(pieces.len(), 4);
    }
}
