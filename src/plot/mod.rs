//! Figures: a figure described as data ([`Figure`]), rendered to PNG and SVG with plotters.
//!
//! `policylab reproduce NAME` writes `figures/NAME.png` and `figures/NAME.svg` through
//! [`render`]. A figure is a title over a grid of panels; a panel has labelled axes (linear or
//! log), lines (a mean, optionally over a translucent confidence band, solid or dashed), scatter
//! markers, grey reference lines (y = x, a constant, a theoretical curve), a legend, and notes
//! such as a fitted slope. Text uses DejaVu Sans compiled into the binary (`font.rs`), so a
//! machine with no fonts installed renders the same PNG; the SVG keeps text as `<text>`.
//!
//! plotters draws the shapes on both backends. PNG text is rasterized by `text.rs` with
//! `ab_glyph` (plotters' own bitmap text drops each glyph's side bearing and spaces letters
//! unevenly), and the pixels are encoded with `image`; both crates were already built as
//! plotters' dependencies.
//!
//! # Rules for the data
//! Broken rules are [`Error::Invalid`] naming the panel, the series and the point; nothing
//! panics and no NaN reaches a coordinate.
//! - Every number must be finite: a NaN or infinite point, band entry or constant is an error
//!   (a run that produced one has already failed; see DESIGN.md, "Numbers").
//! - On a log axis, points with a non-positive coordinate there are skipped and a line is broken
//!   at them (a gap that reaches exactly 0 is common); a series left with no point is an error,
//!   and so is a reference constant ≤ 0. A point left alone between gaps (or a one-point line)
//!   is drawn as a dot.
//! - A band has one `(x, low, high)` per point of its line, at the point's x, with
//!   `low ≤ high`. On a log y axis a `low ≤ 0` is drawn at the bottom edge of the plot (the band
//!   extends below what is shown) and an entry with `high ≤ 0` is skipped.
//! - Empty things are errors, not blank panels: a figure with no panels or no title, a panel
//!   with no series or an axis without a label, a series with no points, a panel where only
//!   y = x would fix a range.
//! - Panels are 200 to 4000 pixels a side (default 600×420), and a figure at most 12.5 million
//!   pixels (a 7×7 grid of default panels).
//!
//! # Layout
//! Axis ranges cover all drawable values (bands, curves and reference constants included) plus
//! 5% of the span on each side; a panel with a y = x reference and equal scales gives both axes
//! one range, so the diagonal runs corner to corner. Tick labels are exact decimals; log axes are
//! labelled with powers of ten (`10⁻³`), or with 1, 2, 5 times them in plain numbers when they
//! span less than two decades. Colours come from the Okabe–Ito palette ([`palette`]), one per
//! label across the whole figure. The legend and the notes sit in the plot corners that data
//! leaves free, or below the plot when none is (the rule is in `placement.rs`).
//!
//! # Determinism
//! The same figure gives the same SVG bytes and the same PNG bytes: nothing depends on time,
//! hashing order or system fonts. A figure read back from its JSON renders identically.
//!
//! # Example
//! ```no_run
//! use policylab::plot::{render, Axis, Figure, Line, Panel};
//! let t: Vec<f64> = (1..=100).map(f64::from).collect();
//! let gap = Line::new("softmax PG", t.iter().map(|&t| (t, 1.0 / t)).collect());
//! let panel = Panel::new("", Axis::log("iteration t"), Axis::log("V* − V^π (nats)"))
//!     .with(gap)
//!     .note("fitted slope −1.00");
//! render(&Figure::new("Sublinear rate", vec![panel]), "figures/rate".as_ref())?;
//! # Ok::<(), policylab::Error>(())
//! ```

mod draw;
mod figure;
mod font;
mod layout;
pub mod palette;
mod placement;
mod prepare;
mod scale;
mod text;
mod validate;

use std::ffi::OsString;
use std::path::{Path, PathBuf};

use plotters::backend::{BitMapBackend, SVGBackend};
use plotters::drawing::IntoDrawingArea;

pub use figure::{
    Axis, DEFAULT_PANEL_SIZE, Figure, Line, LineStyle, Panel, Reference, ReferenceShape, Scale,
    Scatter, Series,
};

use crate::core::error::{Error, Result};
use draw::TextOutput;
use layout::FigureLayout;
use prepare::PreparedFigure;

/// Result of the drawing steps, whose only failures are the backend's or the font's (reported as
/// a message, turned into an [`Error::Io`] naming the output file by [`render`]).
type DrawResult<T> = std::result::Result<T, String>;

/// The files [`render`] wrote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RenderedFiles {
    /// `stem.png`.
    pub png: PathBuf,
    /// `stem.svg`.
    pub svg: PathBuf,
}

/// Checks a figure against the rules in the module documentation without drawing it.
pub fn check(figure: &Figure) -> Result<()> {
    prepare::prepare(figure).map(|_| ())
}

/// The size in pixels, `(width, height)`, of the images [`render`] draws: the panel grid plus
/// a band for the title at the top.
pub fn image_size(figure: &Figure) -> Result<(u32, u32)> {
    let (_, layout) = plan(figure).map_err(|e| match e {
        Planned::Invalid(error) => error,
        Planned::Drawing(detail) => Error::Usage(detail),
    })?;
    Ok((layout.width, layout.height))
}

/// Renders `figure` to `stem.png` and `stem.svg` (the extension is appended to the stem, so
/// `figures/rate` gives `figures/rate.png`). Both images are drawn in memory first and each file
/// is written atomically (a temporary file, then a rename), so a failure leaves no partial image.
pub fn render(figure: &Figure, stem: &Path) -> Result<RenderedFiles> {
    let files = RenderedFiles {
        png: with_extension(stem, "png"),
        svg: with_extension(stem, "svg"),
    };
    let (prepared, layout) = plan(figure).map_err(|e| match e {
        Planned::Invalid(error) => error,
        Planned::Drawing(detail) => drawing_error(&files.png, detail),
    })?;
    let svg = draw_svg(&prepared, &layout).map_err(|d| drawing_error(&files.svg, d))?;
    let png = draw_png(&prepared, &layout).map_err(|d| drawing_error(&files.png, d))?;
    crate::core::files::write_atomic(&files.png, &png)?;
    crate::core::files::write_atomic(&files.svg, svg.as_bytes())?;
    Ok(files)
}

/// `stem` with `.extension` appended.
fn with_extension(stem: &Path, extension: &str) -> PathBuf {
    let mut name = OsString::from(stem.as_os_str());
    name.push(".");
    name.push(extension);
    PathBuf::from(name)
}

fn drawing_error(path: &Path, detail: String) -> Error {
    Error::Io {
        path: path.to_path_buf(),
        action: "draw the figure for",
        source: std::io::Error::other(detail),
    }
}

/// Why a figure could not be planned.
enum Planned {
    Invalid(Error),
    Drawing(String),
}

/// Validates and lays out a figure.
fn plan(figure: &Figure) -> std::result::Result<(PreparedFigure, FigureLayout), Planned> {
    font::ensure_registered().map_err(|e| Planned::Drawing(e.to_string()))?;
    let prepared = prepare::prepare(figure).map_err(Planned::Invalid)?;
    let layout = layout::layout(&prepared).map_err(Planned::Drawing)?;
    Ok((prepared, layout))
}

/// The figure as an SVG document.
fn draw_svg(figure: &PreparedFigure, layout: &FigureLayout) -> DrawResult<String> {
    let mut svg = String::new();
    {
        let area =
            SVGBackend::with_string(&mut svg, (layout.width, layout.height)).into_drawing_area();
        draw::draw(&area, figure, layout, TextOutput::Backend)?;
    }
    Ok(svg)
}

/// The figure as PNG bytes (8-bit RGB).
fn draw_png(figure: &PreparedFigure, layout: &FigureLayout) -> DrawResult<Vec<u8>> {
    let (width, height) = (layout.width, layout.height);
    // Exactly width × height RGB pixels: the length that both `BitMapBackend::with_buffer` and
    // `write_image` assert, so neither can panic. (The size is capped when validating.)
    let mut pixels = vec![255u8; width as usize * height as usize * 3];
    let texts = {
        let area = BitMapBackend::with_buffer(&mut pixels, (width, height)).into_drawing_area();
        draw::draw(&area, figure, layout, TextOutput::Collected)?
    };
    let font = font::face().map_err(str::to_string)?;
    for run in &texts {
        text::rasterize(font, &mut pixels, (width, height), run);
    }
    let mut png = Vec::new();
    image::ImageEncoder::write_image(
        image::codecs::png::PngEncoder::new(&mut png),
        &pixels,
        width,
        height,
        image::ColorType::Rgb8,
    )
    .map_err(|e| format!("cannot encode the PNG: {e}"))?;
    Ok(png)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn simple() -> Figure {
        let points = (0..20)
            .map(|i| (f64::from(i), f64::from(i).sqrt()))
            .collect();
        Figure::new(
            "Square root",
            vec![
                Panel::new("", Axis::linear("x (units)"), Axis::linear("√x"))
                    .with(Line::new("√x", points)),
            ],
        )
    }

    fn rendered(figure: &Figure) -> (String, Vec<u8>) {
        let (prepared, layout) = match plan(figure) {
            Ok(planned) => planned,
            Err(_) => panic!("the figure should be drawable"),
        };
        (
            draw_svg(&prepared, &layout).unwrap(),
            draw_png(&prepared, &layout).unwrap(),
        )
    }

    #[test]
    fn the_same_figure_gives_the_same_bytes() {
        let (svg_a, png_a) = rendered(&simple());
        let (svg_b, png_b) = rendered(&simple());
        assert_eq!(svg_a, svg_b);
        assert_eq!(png_a, png_b);
    }

    #[test]
    fn svg_keeps_text_as_text() {
        let (svg, _) = rendered(&simple());
        for text in ["Square root", "x (units)", "√x"] {
            assert!(
                svg.contains(&format!(">\n{text}\n</text>")),
                "{text} in {svg}"
            );
        }
    }

    #[test]
    fn stems_get_both_extensions() {
        let stem = Path::new("figures/rate.v2");
        assert_eq!(
            with_extension(stem, "png"),
            Path::new("figures/rate.v2.png")
        );
    }
}
