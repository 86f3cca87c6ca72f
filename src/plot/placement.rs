//! Where the legend and the notes of a panel go.
//!
//! Each goes in the corner of the plot where it covers the least data: the plot is cut into
//! 8-pixel cells, lines and markers mark their cells with weight 1 and bands with weight 1/4, and
//! a corner is taken only if its box covers less than weight 1 (no line or marker, at most three
//! cells of band). Corners are tried in the order upper right, upper left, lower right, lower
//! left; the cheapest wins, and the notes take a different corner from the legend. When no
//! corner is free, the box moves below the plot, into a strip under the x-axis label (legend
//! entries side by side, wrapping; then the notes), and the plot shrinks to make room.

use super::DrawResult as Result;
use super::layout::{Block, Frame, PanelLayout, Rect, Sizes, measure, plot_geometry};
use super::prepare::{LegendEntry, PreparedPanel};

/// Where the legend and the notes of a panel go.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Place {
    Corner(Corner),
    Below,
}

/// A corner of the plot frame.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Corner {
    UpperRight,
    UpperLeft,
    LowerRight,
    LowerLeft,
}

/// The corners in order of preference when they cover equally little.
const CORNERS: [Corner; 4] = [
    Corner::UpperRight,
    Corner::UpperLeft,
    Corner::LowerRight,
    Corner::LowerLeft,
];

/// Lays out one panel in its cell; `reserve_title` keeps room for a panel title even when this
/// panel has none, so the frames of a row line up.
pub(super) fn panel_layout(
    panel: &PreparedPanel,
    cell: Rect,
    sizes: &Sizes,
    reserve_title: bool,
) -> Result<PanelLayout> {
    let legend_widths = panel
        .legend
        .iter()
        .map(|entry| measure(&entry.label, sizes.legend))
        .collect::<Result<Vec<_>>>()?;
    let note_widths = panel
        .notes
        .iter()
        .map(|note| measure(note, sizes.legend))
        .collect::<Result<Vec<_>>>()?;
    let row = Sizes::line_height(sizes.legend);
    let legend_box = (!panel.legend.is_empty()).then(|| {
        let text = legend_widths.iter().copied().fold(0.0, f64::max);
        (
            text + sizes.glyph + sizes.gap + 2.0 * sizes.gap,
            row * panel.legend.len() as f64 + sizes.gap,
        )
    });
    let notes_box = (!panel.notes.is_empty()).then(|| {
        let text = note_widths.iter().copied().fold(0.0, f64::max);
        (
            text + 2.0 * sizes.gap,
            row * panel.notes.len() as f64 + sizes.gap,
        )
    });
    let mut legend_below = false;
    let mut notes_below = false;
    loop {
        let note_rows = if notes_below { panel.notes.len() } else { 0 };
        let strip_right = f64::from(cell.right) - sizes.pad * 2.0;
        let strip_rows_from = |left: f64| {
            strip_rows(
                &panel.legend,
                &legend_widths,
                legend_below,
                note_rows,
                (left, strip_right),
                sizes,
            )
        };
        let mut strip_left = f64::from(cell.left) + sizes.pad * 2.0;
        let mut strip = strip_rows_from(strip_left);
        let mut layout = plot_geometry(panel, cell, sizes, strip.height, reserve_title)?;
        let cost = Occupancy::of(panel, &layout.frame, sizes);
        let legend_place = match legend_box {
            Some(size) if !legend_below => match cost.best_corner(size, None, sizes) {
                Some(corner) => Some(Place::Corner(corner)),
                None => {
                    legend_below = true;
                    continue;
                }
            },
            Some(_) => Some(Place::Below),
            None => None,
        };
        let taken = match legend_place {
            Some(Place::Corner(corner)) => Some(corner),
            _ => None,
        };
        let notes_place = match notes_box {
            Some(size) if !notes_below => match cost.best_corner(size, taken, sizes) {
                Some(corner) => Some(Place::Corner(corner)),
                None => {
                    notes_below = true;
                    continue;
                }
            },
            Some(_) => Some(Place::Below),
            None => None,
        };
        // Start the strip under the frame's left edge when it still takes as many rows there.
        let aligned = strip_rows_from(f64::from(layout.frame.plot.left));
        if aligned.height == strip.height {
            strip = aligned;
            strip_left = f64::from(layout.frame.plot.left);
        }
        let strip_top = layout.x_label_center.1 as f64 + sizes.axis_label * 0.5 + sizes.pad;
        layout.legend = match (legend_place, legend_box) {
            (Some(Place::Corner(corner)), Some(size)) => Some(corner_block(
                corner,
                size,
                panel.legend.len(),
                &layout.frame,
                sizes,
            )),
            (Some(Place::Below), _) => Some(Block {
                background: None,
                rows: strip
                    .legend
                    .iter()
                    .map(|&(x, y)| (x.round() as i32, (strip_top + y).round() as i32))
                    .collect(),
            }),
            _ => None,
        };
        layout.notes = match (notes_place, notes_box) {
            (Some(Place::Corner(corner)), Some(size)) => Some(corner_block(
                corner,
                size,
                panel.notes.len(),
                &layout.frame,
                sizes,
            )),
            (Some(Place::Below), _) => Some(Block {
                background: None,
                rows: (0..panel.notes.len())
                    .map(|i| {
                        let y = strip_top + strip.notes_top + row * (i as f64 + 0.5);
                        (strip_left, y)
                    })
                    .map(|(x, y)| (x.round() as i32, y.round() as i32))
                    .collect(),
            }),
            _ => None,
        };
        return Ok(layout);
    }
}

/// The rows of the strip below the plot: legend entries flowing left to right, then notes.
struct Strip {
    /// Total height in pixels (0 when nothing is below).
    height: f64,
    /// Left-centre anchor of each legend entry, relative to the strip's top.
    legend: Vec<(f64, f64)>,
    /// Top of the first note row, relative to the strip's top.
    notes_top: f64,
}

fn strip_rows(
    legend: &[LegendEntry],
    widths: &[f64],
    legend_below: bool,
    note_rows: usize,
    (left, right): (f64, f64),
    sizes: &Sizes,
) -> Strip {
    let row = Sizes::line_height(sizes.legend);
    let mut anchors = Vec::new();
    let mut rows = 0usize;
    if legend_below && !legend.is_empty() {
        let mut x = left;
        rows = 1;
        for &width in widths {
            let item = sizes.glyph + sizes.gap + width;
            if x > left && x + item > right {
                x = left;
                rows += 1;
            }
            anchors.push((x, row * (rows as f64 - 0.5)));
            x += item + 2.0 * sizes.gap;
        }
    }
    let notes_top = row * rows as f64;
    let total_rows = rows + note_rows;
    Strip {
        height: if total_rows == 0 {
            0.0
        } else {
            row * total_rows as f64 + sizes.pad
        },
        legend: anchors,
        notes_top,
    }
}

/// The rows of a box of `size` pixels placed in `corner` of the frame.
fn corner_block(
    corner: Corner,
    size: (f64, f64),
    rows: usize,
    frame: &Frame,
    sizes: &Sizes,
) -> Block {
    let rect = corner_rect(corner, size, frame, sizes);
    let row = Sizes::line_height(sizes.legend);
    let left = f64::from(rect.left) + sizes.gap;
    let top = f64::from(rect.top) + sizes.gap / 2.0;
    Block {
        background: Some(rect),
        rows: (0..rows)
            .map(|i| {
                (
                    left.round() as i32,
                    (top + row * (i as f64 + 0.5)).round() as i32,
                )
            })
            .collect(),
    }
}

/// A box of `size` pixels inset from `corner` of the frame.
fn corner_rect(corner: Corner, (width, height): (f64, f64), frame: &Frame, sizes: &Sizes) -> Rect {
    let p = frame.plot;
    let inset = sizes.gap.round() as i32;
    let (width, height) = (width.ceil() as i32, height.ceil() as i32);
    let left = match corner {
        Corner::UpperLeft | Corner::LowerLeft => p.left + inset,
        Corner::UpperRight | Corner::LowerRight => p.right - inset - width,
    };
    let top = match corner {
        Corner::UpperLeft | Corner::UpperRight => p.top + inset,
        Corner::LowerLeft | Corner::LowerRight => p.bottom - inset - height,
    };
    Rect {
        left,
        top,
        right: left + width,
        bottom: top + height,
    }
}

/// Side of an occupancy cell in pixels.
const CELL: f64 = 8.0;

/// How much of each cell of the plot area is covered by data.
struct Occupancy {
    frame: Frame,
    columns: usize,
    rows: usize,
    weights: Vec<f64>,
}

impl Occupancy {
    /// Marks the cells under the panel's strokes, markers (weight 1) and bands (weight 1/4).
    fn of(panel: &PreparedPanel, frame: &Frame, sizes: &Sizes) -> Occupancy {
        let columns = (f64::from(frame.plot.width()) / CELL).ceil().max(1.0) as usize;
        let rows = (f64::from(frame.plot.height()) / CELL).ceil().max(1.0) as usize;
        let mut grid = Occupancy {
            frame: *frame,
            columns,
            rows,
            weights: vec![0.0; columns * rows],
        };
        for band in &panel.bands {
            let half = band.vertices.len() / 2;
            let highs = &band.vertices[..half];
            let lows: Vec<_> = band.vertices[half..].iter().rev().copied().collect();
            for i in 1..half {
                let (a, b) = (frame.pixel(highs[i - 1]), frame.pixel(highs[i]));
                let (c, d) = (frame.pixel(lows[i - 1]), frame.pixel(lows[i]));
                let steps = ((b.0 - a.0).abs() / (CELL / 2.0)).ceil().max(1.0) as usize;
                for s in 0..=steps {
                    let t = s as f64 / steps as f64;
                    let x = a.0 + (b.0 - a.0) * t;
                    let high = a.1 + (b.1 - a.1) * t;
                    let low = c.1 + (d.1 - c.1) * t;
                    let mut y = high.min(low);
                    while y <= high.max(low) {
                        grid.mark((x, y), 0.25);
                        y += CELL / 2.0;
                    }
                }
            }
        }
        for stroke in &panel.strokes {
            for pair in stroke.points.windows(2) {
                let (a, b) = (frame.pixel(pair[0]), frame.pixel(pair[1]));
                let length = (b.0 - a.0).hypot(b.1 - a.1);
                let steps = (length / (CELL / 4.0)).ceil().max(1.0) as usize;
                for s in 0..=steps {
                    let t = s as f64 / steps as f64;
                    grid.mark((a.0 + (b.0 - a.0) * t, a.1 + (b.1 - a.1) * t), 1.0);
                }
            }
        }
        let r = sizes.marker;
        for set in &panel.markers {
            for &point in &set.points {
                let (x, y) = frame.pixel(point);
                for (dx, dy) in [(0.0, 0.0), (-r, -r), (r, -r), (-r, r), (r, r)] {
                    grid.mark((x + dx, y + dy), 1.0);
                }
            }
        }
        grid
    }

    fn mark(&mut self, (x, y): (f64, f64), weight: f64) {
        let column = ((x - f64::from(self.frame.plot.left)) / CELL).floor();
        let row = ((y - f64::from(self.frame.plot.top)) / CELL).floor();
        if column >= 0.0 && row >= 0.0 {
            let (column, row) = (column as usize, row as usize);
            if column < self.columns && row < self.rows {
                let cell = &mut self.weights[row * self.columns + column];
                *cell = cell.max(weight);
            }
        }
    }

    /// Total weight of the cells a rectangle touches.
    fn cost(&self, rect: Rect) -> f64 {
        let p = self.frame.plot;
        let first_column = (f64::from(rect.left - p.left) / CELL).floor().max(0.0) as usize;
        let last_column = (f64::from(rect.right - p.left) / CELL).ceil() as usize;
        let first_row = (f64::from(rect.top - p.top) / CELL).floor().max(0.0) as usize;
        let last_row = (f64::from(rect.bottom - p.top) / CELL).ceil() as usize;
        let mut total = 0.0;
        for row in first_row..last_row.min(self.rows) {
            for column in first_column..last_column.min(self.columns) {
                total += self.weights[row * self.columns + column];
            }
        }
        total
    }

    /// The free corner (cost below 1) with the lowest cost, other than `taken`.
    fn best_corner(
        &self,
        size: (f64, f64),
        taken: Option<Corner>,
        sizes: &Sizes,
    ) -> Option<Corner> {
        let p = self.frame.plot;
        let inset = 2.0 * sizes.gap;
        if size.0 + inset > f64::from(p.width()) || size.1 + inset > f64::from(p.height()) {
            return None;
        }
        let mut best: Option<(Corner, f64)> = None;
        for corner in CORNERS {
            if Some(corner) == taken {
                continue;
            }
            let cost = self.cost(corner_rect(corner, size, &self.frame, sizes));
            if cost < 1.0 && best.is_none_or(|(_, lowest)| cost < lowest) {
                best = Some((corner, cost));
            }
        }
        best.map(|(corner, _)| corner)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plot::figure::{Axis, Figure, Line, Panel};
    use crate::plot::layout::layout;
    use crate::plot::prepare::prepare;

    fn laid_out(panel: Panel) -> PanelLayout {
        crate::plot::font::ensure_registered().unwrap();
        let figure = prepare(&Figure::new("t", vec![panel])).unwrap();
        layout(&figure).unwrap().panels.remove(0)
    }

    #[test]
    fn a_falling_curve_leaves_the_upper_right_corner_for_the_legend() {
        let points = (1..=50)
            .map(|t| (f64::from(t), 1.0 / f64::from(t)))
            .collect();
        let layout = laid_out(
            Panel::new("", Axis::linear("t"), Axis::linear("gap"))
                .with(Line::new("1/t", points))
                .note("slope −1"),
        );
        let legend = layout.legend.unwrap().background.unwrap();
        let plot = layout.frame.plot;
        assert!(
            legend.right > (plot.left + plot.right) / 2,
            "{legend:?} in {plot:?}"
        );
        assert!(
            legend.bottom < (plot.top + plot.bottom) / 2,
            "{legend:?} in {plot:?}"
        );
        // The notes take another free corner.
        let notes = layout.notes.unwrap().background.unwrap();
        assert_ne!(notes, legend);
    }

    #[test]
    fn a_legend_with_no_free_corner_goes_below() {
        // Horizontal lines through every corner region.
        let mut panel = Panel::new("", Axis::linear("t"), Axis::linear("y"));
        for level in 0..12 {
            let y = f64::from(level);
            panel = panel.with(Line::new(
                format!("level {level}"),
                vec![(0.0, y), (1.0, y)],
            ));
        }
        let layout = laid_out(panel);
        let legend = layout.legend.unwrap();
        assert!(legend.background.is_none());
        assert!(
            legend
                .rows
                .iter()
                .all(|&(_, y)| y > layout.frame.plot.bottom)
        );
    }
}
