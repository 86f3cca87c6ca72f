//! Grids over parameters: `grid = { step_size = [0.1, 0.4], epochs = [1, 10] }` expands to the
//! Cartesian product of the listed values (keys in sorted order, the last key varying fastest),
//! each point added to the fixed `params`.

use crate::core::error::{Error, Result};

/// One point of a grid: a value for every grid key, in sorted key order.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct GridPoint(pub Vec<(String, toml::Value)>);

impl GridPoint {
    /// `params` with this point's values added.
    pub fn apply(&self, params: &toml::Table) -> toml::Table {
        let mut table = params.clone();
        for (key, value) in &self.0 {
            table.insert(key.clone(), value.clone());
        }
        table
    }

    /// `base` alone without a grid, else `base[k=v,…]`.
    pub fn label(&self, base: &str) -> String {
        if self.0.is_empty() {
            return base.to_string();
        }
        let parts: Vec<String> = self
            .0
            .iter()
            .map(|(k, v)| format!("{k}={}", value_text(v)))
            .collect();
        format!("{base}[{}]", parts.join(","))
    }
}

/// A parameter value as it appears in labels and CSV cells: numbers and booleans as written,
/// strings without quotes, arrays as `a;b;c`.
pub fn value_text(value: &toml::Value) -> String {
    match value {
        toml::Value::String(s) => s.clone(),
        toml::Value::Array(items) => items.iter().map(value_text).collect::<Vec<_>>().join(";"),
        other => other.to_string(),
    }
}

/// Every point of `grid` (one empty point when the grid is empty). A grid key may not also be a
/// fixed parameter, and each must list at least one value.
pub fn expand_grid(params: &toml::Table, grid: &toml::Table) -> Result<Vec<GridPoint>> {
    let mut keys: Vec<&String> = grid.keys().collect();
    keys.sort();
    let mut points = vec![GridPoint::default()];
    for key in keys {
        if params.contains_key(key) {
            return Err(Error::invalid(
                format!("grid.{key}"),
                "also set in `params`",
                "each parameter either fixed in `params` or varied in `grid`",
            ));
        }
        let values = match &grid[key] {
            toml::Value::Array(values) if !values.is_empty() => values,
            other => {
                return Err(Error::invalid(
                    format!("grid.{key}"),
                    format!("found {other}"),
                    "a non-empty list of values, for example [0.1, 0.4]",
                ));
            }
        };
        points = points
            .into_iter()
            .flat_map(|point| {
                values.iter().map(move |value| {
                    let mut next = point.clone();
                    next.0.push((key.clone(), value.clone()));
                    next
                })
            })
            .collect();
    }
    Ok(points)
}

/// A parameter value as the f64 the algorithm catalogues take (integers and booleans convert).
pub fn number(key: &str, value: &toml::Value) -> Result<f64> {
    match value {
        toml::Value::Float(x) => Ok(*x),
        toml::Value::Integer(i) => Ok(*i as f64),
        other => Err(Error::invalid(
            key,
            format!("found {other}"),
            "a number (algorithm parameters are numbers; a switch is 0 or 1)",
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table(text: &str) -> toml::Table {
        text.parse().unwrap()
    }

    #[test]
    fn the_product_varies_the_last_key_fastest() {
        let points = expand_grid(
            &table("fixed = 1"),
            &table("b = [10, 20]\na = [0.5, 1.5, 2.5]"),
        )
        .unwrap();
        let labels: Vec<String> = points.iter().map(|p| p.label("w")).collect();
        assert_eq!(
            labels,
            vec![
                "w[a=0.5,b=10]",
                "w[a=0.5,b=20]",
                "w[a=1.5,b=10]",
                "w[a=1.5,b=20]",
                "w[a=2.5,b=10]",
                "w[a=2.5,b=20]"
            ]
        );
        let applied = points[3].apply(&table("fixed = 1"));
        assert_eq!(applied["a"].as_float(), Some(1.5));
        assert_eq!(applied["b"].as_integer(), Some(20));
        assert_eq!(applied["fixed"].as_integer(), Some(1));
    }

    #[test]
    fn no_grid_is_one_point_and_bad_grids_are_refused() {
        assert_eq!(
            expand_grid(&table(""), &table("")).unwrap(),
            vec![GridPoint::default()]
        );
        let error = expand_grid(&table("a = 1"), &table("a = [1, 2]")).unwrap_err();
        assert!(error.to_string().contains("grid.a"), "{error}");
        let error = expand_grid(&table(""), &table("a = 1")).unwrap_err();
        assert!(error.to_string().contains("non-empty list"), "{error}");
        let error = expand_grid(&table(""), &table("a = []")).unwrap_err();
        assert!(error.to_string().contains("non-empty list"), "{error}");
    }
}
