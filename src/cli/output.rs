//! Readable tables and JSON for the command line.

use ndarray::{Array1, Array2};
use serde_json::{Value, json};

use crate::world::TabularMdp;

/// A list of numbers as JSON.
pub fn vector(values: &Array1<f64>) -> Value {
    json!(values.to_vec())
}

/// A table as JSON: one list per row.
pub fn matrix(values: &Array2<f64>) -> Value {
    Value::Array(
        values
            .rows()
            .into_iter()
            .map(|r| json!(r.to_vec()))
            .collect(),
    )
}

/// Prints one JSON object.
pub fn print_json(value: &Value) {
    // Serialising a Value built from finite numbers and strings cannot fail.
    write_line(&serde_json::to_string_pretty(value).unwrap_or_default());
}

/// Formats a number compactly with 6 significant digits.
pub fn number(x: f64) -> String {
    if x == 0.0 {
        return "0".to_string();
    }
    let magnitude = x.abs().log10();
    if (-4.0..7.0).contains(&magnitude) {
        let decimals = (5 - magnitude.floor() as i32).clamp(0, 9) as usize;
        let text = format!("{x:.decimals$}");
        let trimmed = if text.contains('.') {
            text.trim_end_matches('0').trim_end_matches('.').to_string()
        } else {
            text
        };
        if trimmed == "-0" {
            "0".to_string()
        } else {
            trimmed
        }
    } else {
        format!("{x:.5e}")
    }
}

/// Prints a left-aligned table with a header row.
pub fn print_table(header: &[String], rows: &[Vec<String>]) {
    let columns = header.len();
    let mut widths: Vec<usize> = header.iter().map(|h| h.chars().count()).collect();
    for row in rows {
        for (i, cell) in row.iter().enumerate().take(columns) {
            widths[i] = widths[i].max(cell.chars().count());
        }
    }
    let line = |cells: &[String]| {
        cells
            .iter()
            .enumerate()
            .map(|(i, c)| format!("{c:<width$}", width = widths[i]))
            .collect::<Vec<_>>()
            .join("  ")
            .trim_end()
            .to_string()
    };
    write_line(&line(header));
    for row in rows {
        write_line(&line(row));
    }
}

/// At most this many actions get a Q column in the readable table.
pub const MAX_Q_COLUMNS: usize = 8;

/// The header of a per-state table: state, the given columns, then Q(a) per action if few enough.
pub fn state_header(mdp: &TabularMdp, columns: &[&str], with_q: bool) -> Vec<String> {
    let mut header = vec!["state".to_string()];
    header.extend(columns.iter().map(|c| c.to_string()));
    if with_q && mdp.n_actions() <= MAX_Q_COLUMNS {
        let per_state = matches!(
            mdp.spec().action_names,
            crate::world::ActionNames::PerState(_)
        );
        header.extend((0..mdp.n_actions()).map(|a| {
            if per_state {
                format!("Q[{a}]")
            } else {
                format!("Q({})", mdp.action_label(0, a))
            }
        }));
    }
    header
}

/// Describes a probability distribution over actions in a state compactly.
pub fn describe_action_distribution(mdp: &TabularMdp, state: usize, row: &[f64]) -> String {
    let support: Vec<usize> = (0..row.len()).filter(|&a| row[a] > 0.0).collect();
    if support.len() == 1 {
        return mdp.action_label(state, support[0]);
    }
    if support.len() == row.len() && row.iter().all(|&p| (p - row[0]).abs() < 1e-12) {
        return "uniform".to_string();
    }
    support
        .iter()
        .map(|&a| format!("{}:{}", mdp.action_label(state, a), number(row[a])))
        .collect::<Vec<_>>()
        .join(" ")
}

/// Writes one line to stdout. A closed pipe (`policylab solve … | head`) ends the process quietly
/// with success, as command-line tools do, instead of panicking.
pub fn write_line(text: &str) {
    use std::io::Write;
    let mut stdout = std::io::stdout().lock();
    if let Err(error) = writeln!(stdout, "{text}") {
        let code = if error.kind() == std::io::ErrorKind::BrokenPipe {
            0
        } else {
            1
        };
        std::process::exit(code);
    }
}

/// `println!` for the command line, through [`write_line`].
macro_rules! say {
    ($($arg:tt)*) => { $crate::cli::output::write_line(&format!($($arg)*)) };
}
pub(crate) use say;

#[cfg(test)]
mod tests {
    use super::number;

    #[test]
    fn numbers_are_compact_and_readable() {
        assert_eq!(number(0.0), "0");
        assert_eq!(number(26.244000000000014), "26.244");
        assert_eq!(number(0.5420259320004735), "0.542026");
        assert_eq!(number(-1.0), "-1");
        assert_eq!(number(1.5e-9), "1.50000e-9");
        assert_eq!(number(-0.0000001), "-1.00000e-7");
    }
}
