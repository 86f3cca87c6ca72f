//! Which steps of a run are written: every step, every N-th, or about N steps spaced evenly in
//! log t (what rate plots on log axes need without storing 10⁵ rows per run). The first and the
//! last step that ran are always written.

use serde::{Deserialize, Serialize};

use crate::core::error::{Error, Result};

/// `record = { every = N }` or `record = { log_points = N }` in an experiment file; neither key:
/// every step. `at = [10000, 100000]` adds steps that are always written (the steps a paper quotes).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RecordSchedule {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub every: Option<usize>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub log_points: Option<usize>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub at: Vec<usize>,
}

impl RecordSchedule {
    /// Checks that at most one rule is given and that it is at least 1.
    pub fn validate(&self) -> Result<()> {
        match (self.every, self.log_points) {
            (Some(_), Some(_)) => Err(Error::invalid(
                "record",
                "both `every` and `log_points`",
                "one of them (or neither, for every step)",
            )),
            (Some(0), _) => Err(Error::invalid("record.every", "found 0", "at least 1")),
            (_, Some(n)) if n < 2 => Err(Error::invalid(
                "record.log_points",
                format!("found {n}"),
                "at least 2",
            )),
            _ => Ok(()),
        }
    }

    /// At most how many rows a run of `steps` steps writes (the two ends and `at` included).
    pub fn rows_at_most(&self, steps: usize) -> usize {
        let rule = match (self.every, self.log_points) {
            (Some(n), _) => steps / n.max(1) + 1,
            (None, Some(n)) => n,
            (None, None) => steps,
        };
        rule.saturating_add(self.at.len())
            .saturating_add(2)
            .min(steps)
    }

    /// Whether step `t` (0-based) of a run of `steps` steps is written. The last step that
    /// actually ran is written by the runner whatever this says.
    pub fn keeps(&self, t: usize, steps: usize) -> bool {
        if t == 0 || t + 1 == steps || self.at.contains(&t) {
            return true;
        }
        match (self.every, self.log_points) {
            (Some(n), _) => t.is_multiple_of(n),
            (None, Some(n)) => {
                // Steps whose index is the rounding of exp(k·ln(steps)/(n−1)) − 1 for some k.
                let scale = (steps as f64).ln() / (n - 1) as f64;
                // The k whose point lies nearest to t + 1, and its neighbours.
                let k = ((t as f64 + 1.0).ln() / scale).round() as i64;
                (k - 1..=k + 1).any(|k| {
                    k >= 0 && ((k as f64 * scale).exp().round() as usize).saturating_sub(1) == t
                })
            }
            (None, None) => true,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_n_keeps_multiples_and_the_ends() {
        let schedule = RecordSchedule {
            every: Some(10),
            log_points: None,
            at: vec![13],
        };
        let kept: Vec<usize> = (0..35).filter(|&t| schedule.keeps(t, 35)).collect();
        assert_eq!(kept, vec![0, 10, 13, 20, 30, 34]);
    }

    #[test]
    fn log_points_are_spread_in_log_t() {
        let schedule = RecordSchedule {
            every: None,
            log_points: Some(5),
            at: vec![],
        };
        // exp(k·ln(10⁴)/4) = 1, 10, 100, 1000, 10⁴ → steps 0, 9, 99, 999, 9999.
        let kept: Vec<usize> = (0..10_000).filter(|&t| schedule.keeps(t, 10_000)).collect();
        assert_eq!(kept, vec![0, 9, 99, 999, 9999]);
        let dense = RecordSchedule {
            every: None,
            log_points: Some(200),
            at: vec![],
        };
        let count = (0..100_000).filter(|&t| dense.keeps(t, 100_000)).count();
        // Early points collide (several k round to the same small t), so fewer than 200.
        assert!((100..=200).contains(&count), "{count}");
    }

    #[test]
    fn bad_schedules_are_refused() {
        for bad in [
            RecordSchedule {
                every: Some(0),
                log_points: None,
                at: vec![],
            },
            RecordSchedule {
                every: Some(2),
                log_points: Some(3),
                at: vec![],
            },
            RecordSchedule {
                every: None,
                log_points: Some(1),
                at: vec![],
            },
        ] {
            assert!(bad.validate().is_err(), "{bad:?}");
        }
    }
}
