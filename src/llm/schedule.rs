//! The learning-rate schedule of SFT and RL: linear warm-up, then cosine decay (Loshchilov & Hutter
//! 2017, "SGDR: Stochastic Gradient Descent with Warm Restarts", one cycle without restart; the
//! warm-up of Goyal et al. 2017, "Accurate, Large Minibatch SGD").
//!
//! For step t = 0, 1, …, T − 1 with peak η, W warm-up steps and floor η_min = m·η:
//!
//! - t < W: η·(t + 1)/W;
//! - t ≥ W: η_min + (η − η_min)·(1 + cos(π·(t − W)/(T − W)))/2.
//!
//! The first step already moves (η/W, not 0); the last step t = T − 1 is just above η_min. A
//! constant rate is W = 0 and m = 1.

use serde::{Deserialize, Serialize};

use crate::core::error::{Error, Result};

#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LearningRateSchedule {
    /// η, the peak learning rate.
    pub peak: f64,
    /// W, the warm-up steps.
    #[serde(default)]
    pub warmup_steps: usize,
    /// m: the rate decays to m·η by the last step (1: no decay).
    #[serde(default = "default_floor")]
    pub floor: f64,
}

fn default_floor() -> f64 {
    0.1
}

impl LearningRateSchedule {
    /// A constant rate η.
    pub fn constant(peak: f64) -> Self {
        LearningRateSchedule {
            peak,
            warmup_steps: 0,
            floor: 1.0,
        }
    }

    /// Checks η > 0 finite and m ∈ [0, 1].
    pub fn validate(&self) -> Result<()> {
        if !(self.peak.is_finite() && self.peak > 0.0) {
            return Err(Error::invalid(
                "learning_rate.peak",
                format!("found {}", self.peak),
                "expected a finite learning rate > 0",
            ));
        }
        if !(0.0..=1.0).contains(&self.floor) {
            return Err(Error::invalid(
                "learning_rate.floor",
                format!("found {}", self.floor),
                "expected a fraction of the peak in [0, 1]",
            ));
        }
        Ok(())
    }

    /// The rate at step `step` of `total` (0-based).
    pub fn at(&self, step: usize, total: usize) -> f64 {
        let warmup = self.warmup_steps.min(total);
        if step < warmup {
            return self.peak * (step + 1) as f64 / warmup as f64;
        }
        let decay_steps = total.saturating_sub(warmup).max(1);
        let progress = ((step - warmup) as f64 / decay_steps as f64).min(1.0);
        let minimum = self.floor * self.peak;
        minimum + (self.peak - minimum) * 0.5 * (1.0 + (std::f64::consts::PI * progress).cos())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn warms_up_linearly_then_follows_the_cosine() {
        let schedule = LearningRateSchedule {
            peak: 1e-3,
            warmup_steps: 10,
            floor: 0.1,
        };
        assert!((schedule.at(0, 110) - 1e-4).abs() < 1e-15);
        assert!((schedule.at(9, 110) - 1e-3).abs() < 1e-15);
        // Half-way through the decay the cosine term is (1 + cos(π/2))/2 = 1/2.
        let half = schedule.at(60, 110);
        assert!((half - (1e-4 + 0.9e-3 * 0.5)).abs() < 1e-15, "{half}");
        // Monotone decreasing after the warm-up, ending just above the floor.
        for t in 10..109 {
            assert!(schedule.at(t + 1, 110) < schedule.at(t, 110));
        }
        let last = schedule.at(109, 110);
        assert!(last > 1e-4 && last < 1.01e-4, "{last}");
    }

    #[test]
    fn constant_is_constant_and_bad_values_are_refused() {
        let constant = LearningRateSchedule::constant(3e-4);
        assert!((0..50).all(|t| constant.at(t, 50) == 3e-4));
        assert!(LearningRateSchedule::constant(0.0).validate().is_err());
        let floor = LearningRateSchedule {
            floor: 1.5,
            ..constant
        };
        let error = floor.validate().expect_err("a floor above the peak");
        assert!(error.to_string().contains("learning_rate.floor"), "{error}");
    }
}
