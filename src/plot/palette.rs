//! Colours: a colour-blind-safe palette and one colour per series label across a figure.
//!
//! The palette is Okabe and Ito's eight colours ("Color Universal Design", 2008), which stay
//! distinct under the common colour-vision deficiencies, ordered so that the first few are the
//! most distinct on white (yellow, the faintest on white, comes last). Reference lines are grey.
//!
//! A label keeps its colour in every panel, so "PPO" is the same blue in the entropy panel and in
//! the reward panel.

use std::collections::BTreeMap;

use super::figure::{Figure, Series};

/// An sRGB colour.
pub type Rgb = (u8, u8, u8);

/// Okabe–Ito colours in the order they are handed out: blue, vermillion, bluish green, reddish
/// purple, orange, sky blue, black, yellow.
pub const PALETTE: [Rgb; 8] = [
    (0, 114, 178),
    (213, 94, 0),
    (0, 158, 115),
    (204, 121, 167),
    (230, 159, 0),
    (86, 180, 233),
    (0, 0, 0),
    (240, 228, 66),
];

/// The colour of reference lines (y = x, constants, theoretical curves).
pub const REFERENCE_GREY: Rgb = (96, 96, 96);

/// The palette colour at `index`, counting around the palette.
pub fn palette_color(index: usize) -> Rgb {
    PALETTE[index % PALETTE.len()]
}

/// The palette index of every line and scatter label in the figure.
///
/// Labels pinned by a series' `color` keep that index (the first pin of a label wins). The other
/// labels, in order of first appearance (panel by panel, series by series), take the lowest index
/// not yet taken; past eight labels, colours repeat.
pub(crate) fn assign(figure: &Figure) -> BTreeMap<String, usize> {
    let data_series = || {
        figure
            .panels
            .iter()
            .flat_map(|panel| panel.series.iter())
            .filter_map(|series| match series {
                Series::Line(line) => Some((&line.label, line.color)),
                Series::Scatter(scatter) => Some((&scatter.label, scatter.color)),
                Series::Reference(_) => None,
            })
    };
    let mut indices = BTreeMap::new();
    for (label, color) in data_series() {
        if let Some(index) = color {
            indices
                .entry(label.clone())
                .or_insert(index % PALETTE.len());
        }
    }
    let mut taken: Vec<bool> = vec![false; PALETTE.len()];
    for &index in indices.values() {
        taken[index] = true;
    }
    let mut handed_out = 0;
    for (label, _) in data_series() {
        if indices.contains_key(label) {
            continue;
        }
        let index = match taken.iter().position(|t| !t) {
            Some(free) => free,
            None => {
                handed_out += 1;
                (handed_out - 1) % PALETTE.len()
            }
        };
        taken[index] = true;
        indices.insert(label.clone(), index);
    }
    indices
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plot::figure::{Axis, Line, Panel, Scatter};

    fn panel(series: Vec<Series>) -> Panel {
        Panel {
            series,
            ..Panel::new("", Axis::linear("x"), Axis::linear("y"))
        }
    }

    #[test]
    fn labels_keep_their_colour_across_panels() {
        let a = Line::new("PPO", vec![(0.0, 1.0)]);
        let b = Line::new("GRPO", vec![(0.0, 1.0)]);
        let figure = Figure::new(
            "t",
            vec![
                panel(vec![a.clone().into(), b.clone().into()]),
                panel(vec![
                    b.into(),
                    a.into(),
                    Scatter::new("runs", vec![]).into(),
                ]),
            ],
        );
        let colours = assign(&figure);
        assert_eq!(colours["PPO"], 0);
        assert_eq!(colours["GRPO"], 1);
        assert_eq!(colours["runs"], 2);
    }

    #[test]
    fn pinned_colours_are_not_handed_out_again() {
        let figure = Figure::new(
            "t",
            vec![panel(vec![
                Line::new("free", vec![]).into(),
                Line::new("pinned", vec![]).color(0).into(),
            ])],
        );
        let colours = assign(&figure);
        assert_eq!(colours["pinned"], 0);
        assert_eq!(colours["free"], 1);
    }

    #[test]
    fn colours_repeat_past_the_palette() {
        let lines = (0..10)
            .map(|i| Line::new(format!("s{i}"), vec![]).into())
            .collect();
        let colours = assign(&Figure::new("t", vec![panel(lines)]));
        assert_eq!(colours["s7"], 7);
        assert_eq!(colours["s8"], 0);
        assert_eq!(colours["s9"], 1);
    }
}
