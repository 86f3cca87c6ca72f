//! The bundled font: DejaVu Sans, compiled into the binary, so figures render the same on a
//! machine with no fonts installed.
//!
//! The PNG's text is rasterized from these bytes by [`super::text`]. The font is also registered
//! with plotters under the family every text names: plotters is built with its `ab_glyph` text
//! backend and without `ttf` (the font-kit backend that searches the system), and the `ab_glyph`
//! backend looks fonts up only in the table that `plotters::style::register_font` fills,
//! failing with `FontUnavailable` for a family never registered; it never opens a font file.
//! The font's license is in `fonts/LICENSE`.

use std::sync::OnceLock;

use ab_glyph::FontRef;
use plotters::style::FontStyle;

/// The family name every text in a figure uses; SVG files name it too, so viewers substitute
/// their own sans-serif font.
pub(crate) const FAMILY: &str = "sans-serif";

/// DejaVu Sans (Bitstream Vera license with public-domain DejaVu changes; see fonts/LICENSE).
static DEJAVU_SANS: &[u8] = include_bytes!("fonts/DejaVuSans.ttf");

/// Registers the bundled font under [`FAMILY`], once per process; later calls return the first
/// call's outcome. Safe to call from several threads.
pub(crate) fn ensure_registered() -> Result<(), &'static str> {
    static REGISTERED: OnceLock<Result<(), &'static str>> = OnceLock::new();
    *REGISTERED.get_or_init(|| {
        plotters::style::register_font(FAMILY, FontStyle::Normal, DEJAVU_SANS)
            .map_err(|_| "the bundled DejaVu Sans font could not be parsed")
    })
}

/// The bundled font, parsed once.
pub(crate) fn face() -> Result<&'static FontRef<'static>, &'static str> {
    static FACE: OnceLock<Result<FontRef<'static>, &'static str>> = OnceLock::new();
    FACE.get_or_init(|| {
        FontRef::try_from_slice(DEJAVU_SANS)
            .map_err(|_| "the bundled DejaVu Sans font could not be parsed")
    })
    .as_ref()
    .map_err(|e| *e)
}

#[cfg(test)]
mod tests {
    use super::*;
    use plotters::style::{FontDesc, FontFamily};

    #[test]
    fn the_bundled_font_measures_text() {
        ensure_registered().unwrap();
        let font = FontDesc::new(FontFamily::Name(FAMILY), 20.0, FontStyle::Normal);
        let (short, _) = font.box_size("i").unwrap();
        let (long, height) = font.box_size("entropy −0.5").unwrap();
        assert!(long > 5 * short, "{short} {long}");
        assert!(height > 10);
    }
}
