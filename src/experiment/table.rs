//! The long-format `results.csv` read back for analysis: the trajectories of one metric per
//! (world, label) and seed, which the `reproduce` reports and the figures are computed from.

use std::collections::BTreeMap;
use std::path::Path;

use crate::core::error::{Error, Result};
use crate::core::files::read_text;

/// One trajectory: (step, value) for the recorded steps where the metric has a value.
pub type Trajectory = Vec<(f64, f64)>;

/// A results table in memory.
#[derive(Debug, Clone)]
pub struct ResultsTable {
    pub columns: Vec<String>,
    pub rows: Vec<Vec<String>>,
    origin: String,
}

/// Splits one CSV line with RFC 4180 quoting.
fn split_line(line: &str) -> Vec<String> {
    let mut cells = Vec::new();
    let mut cell = String::new();
    let mut quoted = false;
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        match (c, quoted) {
            ('"', true) if chars.peek() == Some(&'"') => {
                cell.push('"');
                chars.next();
            }
            ('"', _) => quoted = !quoted,
            (',', false) => cells.push(std::mem::take(&mut cell)),
            (c, _) => cell.push(c),
        }
    }
    cells.push(cell);
    cells
}

impl ResultsTable {
    /// Reads OUT/results.csv.
    pub fn load(path: &Path) -> Result<Self> {
        Self::parse(&read_text(path)?, &path.display().to_string())
    }

    /// Parses the text of a results table (`origin` names it in errors).
    pub fn parse(text: &str, origin: &str) -> Result<Self> {
        let mut lines = text.lines();
        let columns = split_line(lines.next().unwrap_or_default());
        for required in ["world", "label", "seed", "step"] {
            if !columns.iter().any(|c| c == required) {
                return Err(Error::Syntax {
                    origin: origin.to_string(),
                    detail: format!("no `{required}` column: not a policylab results table"),
                });
            }
        }
        let mut rows = Vec::new();
        for (i, line) in lines.enumerate() {
            let cells = split_line(line);
            if cells.len() != columns.len() {
                return Err(Error::Syntax {
                    origin: origin.to_string(),
                    detail: format!(
                        "line {}: {} cells, the header has {}",
                        i + 2,
                        cells.len(),
                        columns.len()
                    ),
                });
            }
            rows.push(cells);
        }
        Ok(ResultsTable {
            columns,
            rows,
            origin: origin.to_string(),
        })
    }

    /// The index of a column.
    pub fn column(&self, name: &str) -> Result<usize> {
        self.columns.iter().position(|c| c == name).ok_or_else(|| {
            Error::invalid(
                name,
                "no such column",
                format!("one of {}", self.columns.join(", ")),
            )
            .in_origin(&self.origin)
        })
    }

    /// The recorded metrics: the columns after `step`.
    pub fn metrics(&self) -> Vec<&str> {
        self.columns
            .iter()
            .skip_while(|c| *c != "step")
            .skip(1)
            .map(String::as_str)
            .collect()
    }

    /// The column of a recorded metric: its name, or `record.NAME` where the results renamed it
    /// (a measurement named like a parameter); an error listing the recorded metrics otherwise.
    pub fn metric_column(&self, metric: &str) -> Result<String> {
        let metrics = self.metrics();
        let renamed = format!("record.{metric}");
        if let Some(found) = [metric, renamed.as_str()]
            .into_iter()
            .find(|name| metrics.contains(name))
        {
            return Ok(found.to_string());
        }
        Err(Error::invalid(
            "metric",
            format!("`{metric}` is not in the results"),
            format!("one of the recorded metrics: {}", metrics.join(", ")),
        )
        .in_origin(&self.origin))
    }

    /// The distinct values of a column, in order of first appearance.
    pub fn distinct(&self, name: &str) -> Result<Vec<String>> {
        let i = self.column(name)?;
        let mut values: Vec<String> = Vec::new();
        for row in &self.rows {
            if !values.contains(&row[i]) {
                values.push(row[i].clone());
            }
        }
        Ok(values)
    }

    /// Trajectories of `metric` (against `x`, usually `step`) for the rows whose columns equal
    /// the `filter` values, one per seed, in seed order. Empty cells are skipped.
    pub fn trajectories(
        &self,
        filter: &[(&str, &str)],
        x: &str,
        metric: &str,
    ) -> Result<Vec<Trajectory>> {
        let selectors: Vec<(usize, &str)> = filter
            .iter()
            .map(|(column, value)| Ok((self.column(column)?, *value)))
            .collect::<Result<_>>()?;
        let (seed, xi, yi) = (self.column("seed")?, self.column(x)?, self.column(metric)?);
        let mut by_seed: BTreeMap<u64, Trajectory> = BTreeMap::new();
        for row in &self.rows {
            if selectors.iter().any(|(i, value)| row[*i] != *value) {
                continue;
            }
            if row[yi].is_empty() || row[xi].is_empty() {
                continue;
            }
            let parse = |i: usize| {
                row[i].parse::<f64>().map_err(|_| Error::Syntax {
                    origin: self.origin.clone(),
                    detail: format!("`{}` in column {} is not a number", row[i], self.columns[i]),
                })
            };
            let s = row[seed].parse::<u64>().unwrap_or(0);
            let point = (parse(xi)?, parse(yi)?);
            let trajectory = by_seed.entry(s).or_default();
            // Rows come in step order within a run: a step that goes back means two runs.
            if x == "step" && trajectory.last().is_some_and(|last| last.0 >= point.0) {
                let described: Vec<String> =
                    filter.iter().map(|(k, v)| format!("{k} = {v}")).collect();
                return Err(Error::invalid(
                    x,
                    format!(
                        "seed {s} of {} goes back to {} after {}: the rows mix runs",
                        described.join(", "),
                        point.0,
                        trajectory.last().map_or(0.0, |p| p.0)
                    ),
                    "one run per (filter, seed), its steps increasing",
                )
                .in_origin(&self.origin));
            }
            trajectory.push(point);
        }
        Ok(by_seed.into_values().collect())
    }

    /// The single trajectory of a filter that selects one run (the first seed's otherwise).
    pub fn trajectory(&self, filter: &[(&str, &str)], x: &str, metric: &str) -> Result<Trajectory> {
        self.trajectories(filter, x, metric)?
            .into_iter()
            .next()
            .ok_or_else(|| {
                let described: Vec<String> =
                    filter.iter().map(|(k, v)| format!("{k} = {v}")).collect();
                Error::invalid(
                    metric,
                    format!("no values where {}", described.join(", ")),
                    "a run with this configuration in the results",
                )
                .in_origin(&self.origin)
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoted_cells_and_trajectories_read_back() {
        let text = "experiment,world,label,seed,step,gap\n\
                    e,w,\"PG, η = 0.4\",0,0,1.0\n\
                    e,w,\"PG, η = 0.4\",0,5,0.5\n\
                    e,w,\"PG, η = 0.4\",1,0,2.0\n\
                    e,w,other,0,0,\n";
        let table = ResultsTable::parse(text, "t").unwrap();
        assert_eq!(
            table.distinct("label").unwrap(),
            vec!["PG, η = 0.4", "other"]
        );
        let runs = table
            .trajectories(&[("label", "PG, η = 0.4")], "step", "gap")
            .unwrap();
        assert_eq!(runs, vec![vec![(0.0, 1.0), (5.0, 0.5)], vec![(0.0, 2.0)]]);
        assert!(
            table
                .trajectory(&[("label", "other")], "step", "gap")
                .is_err()
        );
        assert!(
            table
                .column("nope")
                .unwrap_err()
                .to_string()
                .contains("one of")
        );
    }
}
