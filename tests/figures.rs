//! Figures as a user sees them: files on disk that decode, carry their text, and come out the
//! same every time; bad figures are errors that write nothing.
//!
//! Set `POLICYLAB_PLOT_EXAMPLES=DIR` to also write the example figures below to DIR for a look.

use std::path::{Path, PathBuf};

use policylab::plot::{
    Axis, DEFAULT_PANEL_SIZE, Figure, Line, Panel, Reference, Scatter, check, image_size, render,
};

/// A deterministic stand-in for noise: a fixed sequence in [−1, 1].
fn wiggle(i: usize) -> f64 {
    ((i as f64 * 12.9898).sin() * 43_758.545).fract() * 2.0 - 1.0
}

/// Mean ± a band for a curve, over `steps` points.
fn mean_with_band(steps: usize, curve: impl Fn(f64) -> f64, spread: f64) -> Line {
    let points: Vec<(f64, f64)> = (0..steps)
        .map(|i| {
            let t = i as f64 * 10.0;
            (t, curve(t) + 0.01 * wiggle(i))
        })
        .collect();
    let band = points
        .iter()
        .enumerate()
        .map(|(i, &(t, y))| {
            let half = spread * (0.6 + 0.4 * (i as f64 / steps as f64));
            (t, y - half, y + half)
        })
        .collect();
    Line::new("", points).band(band)
}

/// Two panels of mean lines over bands (entropy and accuracy over training).
fn training_curves() -> Figure {
    let methods: [(&str, f64); 3] = [("PPO", 0.012), ("Clip-Cov", 0.004), ("KL-Cov", 0.002)];
    let mut entropy = Panel::new(
        "Policy entropy",
        Axis::linear("training step"),
        Axis::linear("entropy H (nats)"),
    );
    let mut accuracy = Panel::new(
        "Validation accuracy",
        Axis::linear("training step"),
        Axis::linear("accuracy"),
    );
    for (name, rate) in methods {
        let mut line = mean_with_band(60, |t| 0.1 + 1.2 * (-rate * t).exp(), 0.05);
        line.label = name.to_string();
        if name == "PPO" {
            line = line.color(0);
        }
        entropy = entropy.with(line);
        let mut line = mean_with_band(
            60,
            |t| 0.75 - 0.45 * (-(rate * 0.5 + 0.004) * t).exp() - rate * 3.0,
            0.03,
        );
        line.label = name.to_string();
        accuracy = accuracy.with(line);
    }
    let predicted = (0..60)
        .map(|i| {
            let t = i as f64 * 10.0;
            (t, 0.1 + 1.2 * (-0.015 * t).exp())
        })
        .collect();
    entropy = entropy.with(Line::new("PPO, predicted", predicted).dashed().color(0));
    Figure::new(
        "Entropy collapse under three objectives",
        vec![entropy, accuracy],
    )
}

/// A log-log rate with a fitted slope in the notes and a theoretical reference.
fn rate() -> Figure {
    let t: Vec<f64> = (0..40).map(|k| 10f64.powf(k as f64 / 10.0)).collect();
    let measured: Vec<(f64, f64)> = t
        .iter()
        .map(|&t| (t, 2.0 / t * (1.0 + 0.05 * wiggle(t as usize))))
        .collect();
    let band = measured
        .iter()
        .map(|&(t, y)| (t, y * 0.8, y * 1.25))
        .collect();
    let exact: Vec<(f64, f64)> = t.iter().map(|&t| (t, 0.5 / t.powf(1.5))).collect();
    let panel = Panel::new(
        "",
        Axis::log("iteration t"),
        Axis::log("suboptimality V* − V^π (nats)"),
    )
    .with(Line::new("softmax PG", measured).band(band))
    .with(Line::new("NPG", exact))
    .with(Reference::curve(
        "C / t",
        t.iter().map(|&t| (t, 4.0 / t)).collect(),
    ))
    .note("softmax PG: fitted slope −1.01 [−1.03, −0.99]")
    .note("NPG: fitted slope −1.50 [−1.52, −1.48]");
    Figure::new("Convergence rates on a 5-state chain", vec![panel])
}

/// Predicted against measured entropy change, with y = x.
fn prediction_scatter() -> Figure {
    let runs: Vec<(f64, f64)> = (0..120)
        .map(|i| {
            let predicted = -0.08 + 0.1 * (i as f64 / 120.0) + 0.01 * wiggle(i);
            (predicted, predicted * 0.9 + 0.006 * wiggle(i + 1000))
        })
        .collect();
    let (small, large) = runs.split_at(60);
    let panel = Panel::new(
        "",
        Axis::linear("predicted ΔH (nats per step)"),
        Axis::linear("measured ΔH (nats per step)"),
    )
    .with(Scatter::new("learning rate 0.01", small.to_vec()))
    .with(Scatter::new("learning rate 0.1", large.to_vec()))
    .with(Reference::diagonal("y = x"))
    .note("correlation 0.97");
    Figure::new("Covariance predicts the entropy change", vec![panel])
}

/// Four panels in two rows, one of them crowded enough that its legend goes below.
fn grid() -> Figure {
    let mut panels = Vec::new();
    for (k, title) in ["γ = 0.9", "γ = 0.99", "γ = 0.999", "many levels"]
        .into_iter()
        .enumerate()
    {
        let mut panel = Panel::new(title, Axis::linear("iteration"), Axis::log("gap"));
        if k < 3 {
            for (j, name) in ["PG", "NPG"].into_iter().enumerate() {
                let points = (1..=50)
                    .map(|t| {
                        (
                            f64::from(t),
                            (-(f64::from(t)) * 0.1 / (j as f64 + 1.0) / (k as f64 + 1.0)).exp(),
                        )
                    })
                    .collect();
                panel = panel.with(Line::new(name, points));
            }
        } else {
            for level in 0..6 {
                let y = 10f64.powi(-level);
                let points = (1..=50)
                    .map(|t| {
                        (
                            f64::from(t),
                            y * (1.0 + 0.3 * wiggle(t as usize + level as usize * 50)),
                        )
                    })
                    .collect();
                panel = panel.with(Line::new(format!("level {level}"), points));
            }
        }
        panels.push(panel);
    }
    Figure::new("Gap over iterations for three discounts", panels).columns(2)
}

/// Awkward data: zeros on a log axis, a band reaching below zero there, large and tiny numbers,
/// y = x across a linear and a log axis, a one-point line, and a long legend.
fn awkward() -> Figure {
    let converging: Vec<(f64, f64)> = (0..30)
        .map(|t| (f64::from(t), if t == 12 { 0.0 } else { 0.5f64.powi(t) }))
        .collect();
    let band = converging
        .iter()
        .map(|&(t, y)| (t, y - 0.3 * (1.0 - t / 30.0), y + 0.1))
        .collect();
    let zeros = Panel::new(
        "zero and negative values on a log axis",
        Axis::linear("iteration"),
        Axis::log("gap"),
    )
    .with(Line::new("gap (0 at t = 12 is skipped)", converging).band(band))
    .note("band lows ≤ 0 reach the bottom edge");
    let scales = Panel::new(
        "large x, tiny y",
        Axis::linear("tokens"),
        Axis::linear("KL (nats)"),
    )
    .with(Line::new(
        "k1",
        (0..50)
            .map(|i| {
                (
                    f64::from(i) * 6000.0,
                    2e-4 * (1.0 - (-f64::from(i) / 10.0).exp()),
                )
            })
            .collect(),
    ))
    .with(
        Line::new(
            "k3",
            (0..50)
                .map(|i| {
                    (
                        f64::from(i) * 6000.0,
                        1.8e-4 * (1.0 - (-f64::from(i) / 12.0).exp()),
                    )
                })
                .collect(),
        )
        .dashed(),
    )
    .with(Reference::horizontal("limit", 2e-4));
    let mixed = Panel::new("", Axis::linear("x"), Axis::log("y"))
        .with(Scatter::new(
            "samples",
            (1..20)
                .map(|i| {
                    (
                        f64::from(i) * 0.5,
                        f64::from(i) * 0.5 * (1.0 + 0.2 * wiggle(i as usize)),
                    )
                })
                .collect(),
        ))
        .with(Line::new("a single point", vec![(5.0, 2.0)]))
        .with(Reference::diagonal("y = x"))
        .with(Reference::vertical("x = 3", 3.0));
    Figure::new(
        "Awkward inputs still give readable panels",
        vec![zeros, scales, mixed],
    )
}

fn png_size_and_pixels(path: &Path) -> (u32, u32, image::RgbImage) {
    let image = image::open(path).unwrap().to_rgb8();
    (image.width(), image.height(), image)
}

fn dark_pixels(image: &image::RgbImage, rows: std::ops::Range<u32>) -> usize {
    rows.flat_map(|y| (0..image.width()).map(move |x| (x, y)))
        .filter(|&(x, y)| {
            let p = image.get_pixel(x, y);
            u32::from(p[0]) + u32::from(p[1]) + u32::from(p[2]) < 3 * 100
        })
        .count()
}

/// The contents of the SVG's `<text>` elements, trimmed.
fn svg_texts(svg: &str) -> Vec<String> {
    svg.split("<text")
        .skip(1)
        .filter_map(|element| {
            let start = element.find('>')? + 1;
            let end = element.find("</text>")?;
            Some(element[start..end].trim().to_string())
        })
        .collect()
}

fn render_into(dir: &Path, name: &str, figure: &Figure) -> (PathBuf, PathBuf) {
    let files = render(figure, &dir.join(name)).unwrap();
    (files.png, files.svg)
}

#[test]
fn each_kind_of_figure_writes_a_png_and_an_svg() {
    let dir = tempfile::tempdir().unwrap();
    for (name, figure, columns, rows) in [
        ("training", training_curves(), 2, 1),
        ("rate", rate(), 1, 1),
        ("scatter", prediction_scatter(), 1, 1),
        ("grid", grid(), 2, 2),
        ("awkward", awkward(), 3, 1),
    ] {
        let (png, svg) = render_into(dir.path(), name, &figure);
        assert_eq!(png, dir.path().join(format!("{name}.png")));
        let (width, height, pixels) = png_size_and_pixels(&png);
        assert_eq!((width, height), image_size(&figure).unwrap(), "{name}");
        let (panel_width, panel_height) = DEFAULT_PANEL_SIZE;
        assert_eq!(width, columns * panel_width, "{name}");
        let title_band = height - rows * panel_height;
        assert!(
            (30..80).contains(&title_band),
            "{name}: title band {title_band}"
        );
        assert!(
            dark_pixels(&pixels, 0..title_band) > 200,
            "{name}: no title text"
        );

        let svg = std::fs::read_to_string(svg).unwrap();
        assert!(svg.starts_with("<svg"), "{name}");
        let texts = svg_texts(&svg);
        assert!(texts.contains(&figure.title), "{name}: {texts:?}");
        for panel in &figure.panels {
            assert!(texts.contains(&panel.x.label), "{name}: {texts:?}");
            assert!(texts.contains(&panel.y.label), "{name}: {texts:?}");
        }
    }
}

#[test]
fn log_axes_are_labelled_with_powers_of_ten_and_notes_are_text() {
    let dir = tempfile::tempdir().unwrap();
    let (_, svg) = render_into(dir.path(), "rate", &rate());
    let texts = svg_texts(&std::fs::read_to_string(svg).unwrap());
    for label in ["10⁰", "10¹", "10²", "10³", "10⁻²", "10⁻⁴"] {
        assert!(
            texts.iter().any(|t| t == label),
            "missing tick {label}: {texts:?}"
        );
    }
    assert!(
        texts
            .iter()
            .any(|t| t == "softmax PG: fitted slope −1.01 [−1.03, −0.99]")
    );
    assert!(texts.iter().any(|t| t == "C / t"));
}

#[test]
fn the_same_figure_gives_the_same_svg_bytes() {
    let (a, b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    for (name, figure) in [
        ("training", training_curves()),
        ("scatter", prediction_scatter()),
    ] {
        let (png_a, svg_a) = render_into(a.path(), name, &figure);
        let (png_b, svg_b) = render_into(b.path(), name, &figure);
        assert_eq!(
            std::fs::read(svg_a).unwrap(),
            std::fs::read(svg_b).unwrap(),
            "{name}"
        );
        assert_eq!(
            std::fs::read(png_a).unwrap(),
            std::fs::read(png_b).unwrap(),
            "{name}"
        );
    }
}

#[test]
fn the_smallest_panels_still_render() {
    let dir = tempfile::tempdir().unwrap();
    let figure = rate().panel_size(200, 200);
    let (png, _) = render_into(dir.path(), "small", &figure);
    let (width, _, _) = png_size_and_pixels(&png);
    assert_eq!(width, 200);
}

#[test]
fn a_figure_read_back_from_json_renders_the_same() {
    let figure = rate();
    let back: Figure = serde_json::from_str(&serde_json::to_string(&figure).unwrap()).unwrap();
    let (a, b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let (_, svg_a) = render_into(a.path(), "rate", &figure);
    let (_, svg_b) = render_into(b.path(), "rate", &back);
    assert_eq!(std::fs::read(svg_a).unwrap(), std::fs::read(svg_b).unwrap());
}

#[test]
fn bad_figures_are_errors_and_write_nothing() {
    let only_non_positive = Panel::new("", Axis::linear("t"), Axis::log("gap"))
        .with(Line::new("converged", vec![(0.0, 0.0), (1.0, -1e-17)]));
    let nan = Panel::new("", Axis::linear("t"), Axis::linear("J"))
        .with(Line::new("diverged", vec![(0.0, 1.0), (1.0, f64::NAN)]));
    let mismatched_band = Panel::new("", Axis::linear("t"), Axis::linear("J")).with(
        Line::new("mean", vec![(0.0, 1.0), (1.0, 2.0), (2.0, 3.0)])
            .band(vec![(0.0, 0.5, 1.5), (1.0, 1.5, 2.5)]),
    );
    let dir = tempfile::tempdir().unwrap();
    for (name, panel, says) in [
        ("log", only_non_positive, "positive"),
        ("nan", nan, "point 1"),
        ("band", mismatched_band, "2 entries for 3 points"),
    ] {
        let figure = Figure::new("bad", vec![panel]);
        let error = render(&figure, &dir.path().join(name))
            .unwrap_err()
            .to_string();
        assert!(error.contains(says), "{name}: {error}");
        assert!(check(&figure).is_err());
    }
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
}

/// Writes the example figures to `$POLICYLAB_PLOT_EXAMPLES` when it is set.
#[test]
fn examples_for_a_look() {
    let Some(dir) = std::env::var_os("POLICYLAB_PLOT_EXAMPLES") else {
        return;
    };
    let dir = PathBuf::from(dir);
    for (name, figure) in [
        ("training", training_curves()),
        ("rate", rate()),
        ("scatter", prediction_scatter()),
        ("grid", grid()),
        ("awkward", awkward()),
        ("small", rate().panel_size(300, 220)),
    ] {
        render_into(&dir, name, &figure);
    }
}
