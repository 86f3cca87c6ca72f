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
