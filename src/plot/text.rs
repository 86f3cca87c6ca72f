//! Text with the bundled font: measuring it for the layout, and rasterizing it into the PNG.
//!
//! Sizes are em sizes in pixels, as in CSS `font-size`; the SVG states the same size, so a label
//! takes the same width in both files. PNG text is drawn here rather than by plotters' bitmap
//! backend, whose `ab_glyph` path drops each glyph's left side bearing and rounds every advance
//! down, which spaces letters unevenly ("objec tives"). Glyphs are placed at fractional
//! positions with kerning and blended by coverage (anti-aliased).
//!
//! Every text is anchored at a point on its vertical centre line, defined as SVG does for
//! `dy="0.5ex"`: the baseline lies half an x-height below the anchor.

use ab_glyph::{Font, FontRef, Glyph, PxScale, ScaleFont, point};

use super::palette::Rgb;

/// Horizontal alignment of a text on its anchor.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Align {
    /// The text starts at the anchor.
    Left,
    /// The text is centred on the anchor.
    Center,
    /// The text ends at the anchor.
    Right,
}

/// One text to draw.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct TextRun {
    /// The text, one line.
    pub text: String,
    /// The anchor in pixels.
    pub anchor: (i32, i32),
    /// Em size in pixels.
    pub em: f64,
    /// Alignment on the anchor, along the reading direction.
    pub align: Align,
    /// Turned a quarter turn anticlockwise, reading bottom to top (a y-axis label).
    pub vertical: bool,
    /// Colour.
    pub color: Rgb,
}

/// The pixel scale ab_glyph wants for an em size (it scales by ascent − descent, not by em).
fn scale_for(font: &FontRef<'static>, em: f64) -> PxScale {
    let units_per_em = font.units_per_em().unwrap_or(2048.0);
    PxScale::from(em as f32 * font.height_unscaled() / units_per_em)
}

/// Advance width in pixels of `text` at `em`, kerning included.
pub(crate) fn width(font: &FontRef<'static>, text: &str, em: f64) -> f64 {
    let scaled = font.as_scaled(scale_for(font, em));
    let mut total = 0.0f32;
    let mut previous = None;
    for c in text.chars() {
        let id = scaled.glyph_id(c);
        if let Some(before) = previous {
            total += scaled.kern(before, id);
        }
        total += scaled.h_advance(id);
        previous = Some(id);
    }
    f64::from(total)
}

/// Height of the lowercase x, in em.
fn x_height_in_em(font: &FontRef<'static>) -> f32 {
    let units_per_em = font.units_per_em().unwrap_or(2048.0);
    match font.outline(font.glyph_id('x')) {
        // The outline's bounds may come with min and max swapped in y.
        Some(outline) => (outline.bounds.max.y - outline.bounds.min.y).abs() / units_per_em,
        None => 0.5,
    }
}

/// Draws `run` into an RGB8 image of `width × height` pixels, blending by glyph coverage;
/// pixels outside the image are skipped.
pub(crate) fn rasterize(
    font: &FontRef<'static>,
    pixels: &mut [u8],
    (width_px, height_px): (u32, u32),
    run: &TextRun,
) {
    let scale = scale_for(font, run.em);
    let scaled = font.as_scaled(scale);
    let length = width(font, &run.text, run.em) as f32;
    let start = match run.align {
        Align::Left => 0.0,
        Align::Center => -length / 2.0,
        Align::Right => -length,
    };
    // Text space: x along the reading direction from the anchor, y down, baseline below it.
    let baseline = 0.5 * x_height_in_em(font) * run.em as f32;
    let mut caret = start;
    let mut previous = None;
    for c in run.text.chars() {
        let id = scaled.glyph_id(c);
        if let Some(before) = previous {
            caret += scaled.kern(before, id);
        }
        previous = Some(id);
        let glyph: Glyph = id.with_scale_and_position(scale, point(caret, baseline));
        caret += scaled.h_advance(id);
        let Some(outlined) = font.outline_glyph(glyph) else {
            continue; // a space, or a character the font lacks
        };
        let bounds = outlined.px_bounds();
        outlined.draw(|gx, gy, coverage| {
            let tx = bounds.min.x as i32 + gx as i32;
            let ty = bounds.min.y as i32 + gy as i32;
            let (x, y) = if run.vertical {
                (run.anchor.0 + ty, run.anchor.1 - tx)
            } else {
                (run.anchor.0 + tx, run.anchor.1 + ty)
            };
            blend(pixels, (width_px, height_px), (x, y), run.color, coverage);
        });
    }
}

/// Mixes `color` into the pixel at `(x, y)` with weight `coverage` (0 to 1).
fn blend(
    pixels: &mut [u8],
    (width, height): (u32, u32),
    (x, y): (i32, i32),
    color: Rgb,
    coverage: f32,
) {
    if x < 0 || y < 0 || x >= width as i32 || y >= height as i32 {
        return;
    }
    let index = (y as usize * width as usize + x as usize) * 3;
    let weight = coverage.clamp(0.0, 1.0);
    if let Some(pixel) = pixels.get_mut(index..index + 3) {
        for (channel, ink) in pixel.iter_mut().zip([color.0, color.1, color.2]) {
            let mixed = f32::from(*channel) * (1.0 - weight) + f32::from(ink) * weight;
            *channel = mixed.round().clamp(0.0, 255.0) as u8;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plot::font::face;

    fn ink_columns(pixels: &[u8], width: u32, height: u32) -> (u32, u32) {
        let mut columns = (u32::MAX, 0);
        for y in 0..height {
            for x in 0..width {
                let i = ((y * width + x) * 3) as usize;
                if pixels[i] < 128 {
                    columns = (columns.0.min(x), columns.1.max(x));
                }
            }
        }
        columns
    }

    #[test]
    fn centred_text_is_centred_and_as_wide_as_measured() {
        let font = face().unwrap();
        let (width_px, height_px) = (200u32, 40u32);
        let mut pixels = vec![255u8; (width_px * height_px * 3) as usize];
        let run = TextRun {
            text: "entropy".into(),
            anchor: (100, 20),
            em: 16.0,
            align: Align::Center,
            vertical: false,
            color: (0, 0, 0),
        };
        rasterize(font, &mut pixels, (width_px, height_px), &run);
        let (first, last) = ink_columns(&pixels, width_px, height_px);
        let measured = width(font, "entropy", 16.0);
        let inked = f64::from(last - first + 1);
        assert!(
            (inked - measured).abs() < 4.0,
            "inked {inked}, measured {measured}"
        );
        assert!(
            ((first + last) as i32 / 2 - 100).abs() <= 2,
            "{first}..{last}"
        );
    }

    #[test]
    fn an_x_is_centred_on_the_anchor_line_also_when_turned() {
        let font = face().unwrap();
        for vertical in [false, true] {
            let mut pixels = vec![255u8; 100 * 100 * 3];
            let run = TextRun {
                text: "x".into(),
                anchor: (50, 50),
                em: 20.0,
                align: Align::Center,
                vertical,
                color: (0, 0, 0),
            };
            rasterize(font, &mut pixels, (100, 100), &run);
            let inked: Vec<(usize, usize)> = (0..100 * 100)
                .filter(|i| pixels[i * 3] < 128)
                .map(|i| (i % 100, i / 100))
                .collect();
            let mean = |f: fn(&(usize, usize)) -> usize| {
                inked.iter().map(f).sum::<usize>() as f64 / inked.len() as f64
            };
            let (x, y) = (mean(|p| p.0), mean(|p| p.1));
            assert!(
                (x - 50.0).abs() < 1.5 && (y - 50.0).abs() < 1.5,
                "{vertical}: ({x}, {y})"
            );
        }
    }

    #[test]
    fn wider_text_measures_wider() {
        let font = face().unwrap();
        assert!(width(font, "iteration t", 14.0) > width(font, "t", 14.0) * 5.0);
        assert!((width(font, "abc", 28.0) - 2.0 * width(font, "abc", 14.0)).abs() < 0.01);
    }
}
