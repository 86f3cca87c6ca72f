//! What an algorithm measured in one step: a small ordered list of named numbers with stable
//! names (`J`, `gap`, `entropy`, …), handed to observers such as a CSV writer.

/// Named measurements of one step, in insertion order.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Record(pub Vec<(&'static str, f64)>);

impl Record {
    pub fn new() -> Self {
        Record(Vec::new())
    }

    /// Adds (or replaces) a measurement.
    pub fn set(&mut self, name: &'static str, value: f64) {
        match self.0.iter_mut().find(|(n, _)| *n == name) {
            Some(entry) => entry.1 = value,
            None => self.0.push((name, value)),
        }
    }

    pub fn get(&self, name: &str) -> Option<f64> {
        self.0.iter().find(|(n, _)| *n == name).map(|&(_, v)| v)
    }

    /// The first non-finite measurement, if any (a run stops on it).
    pub fn first_non_finite(&self) -> Option<(&'static str, f64)> {
        self.0.iter().copied().find(|(_, v)| !v.is_finite())
    }
}

/// Long-format CSV of a run's records: a `step` column, then every measurement name in the order
/// first seen (a record without one leaves its cell empty). Numbers are written in the shortest
/// form that reads back as the same f64 (with an exponent when very large or small).
pub fn records_to_csv(records: &[Record]) -> String {
    let mut names: Vec<&'static str> = Vec::new();
    for record in records {
        for (name, _) in &record.0 {
            if !names.contains(name) {
                names.push(name);
            }
        }
    }
    let mut out = String::from("step");
    for name in &names {
        out.push(',');
        out.push_str(name);
    }
    out.push('\n');
    for (step, record) in records.iter().enumerate() {
        out.push_str(&step.to_string());
        for name in &names {
            out.push(',');
            if let Some(value) = record.get(name) {
                out.push_str(&format!("{value:?}"));
            }
        }
        out.push('\n');
    }
    out
}

/// The name `{name}_p{player+1}` of a per-player measurement (`J_p1`, `entropy_p2`), as a
/// `&'static str`: each distinct name is allocated once per process and reused.
pub fn player_field(name: &str, player: usize) -> &'static str {
    use std::collections::HashMap;
    use std::sync::{Mutex, OnceLock};
    static NAMES: OnceLock<Mutex<HashMap<String, &'static str>>> = OnceLock::new();
    let key = format!("{name}_p{}", player + 1);
    let mut names = NAMES
        .get_or_init(|| Mutex::new(HashMap::new()))
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    if let Some(&stored) = names.get(&key) {
        return stored;
    }
    let stored: &'static str = Box::leak(key.clone().into_boxed_str());
    names.insert(key, stored);
    stored
}
