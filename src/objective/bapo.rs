//! BAPO, balanced policy optimization with adaptive clipping (Xi, Guo, Nan et al. 2025, "BAPO:
//! Stabilizing Off-Policy Reinforcement Learning for LLMs via Balanced Policy Optimization with
//! Adaptive Clipping", arXiv 2510.18927; rule as in the authors' recipe, `WooooDyy/BAPO`,
//! `recipe/bapo/policy_loss.py`).
//!
//! The per-sample objective is PPO-clip with *absolute* ratio bounds plus the dual clip:
//! J = min(r·A, clip(r, c_low, c_high)·A), floored at c·A when A < 0
//! ([`BapoClip`], in its own file).
//!
//! The bounds are chosen afresh for every batch ([`BapoSchedule::adapt`]). Each sample's
//! contribution is e = A·min(r, c_high) for A ≥ 0 and e = A·max(r, c_low) for A < 0 (the clipped
//! value without the dual clip); P = Σ max(e, 0), N = Σ max(−e, 0). The target is a positive share
//! P/(P + N) ≥ ρ0 (ρ0 = 0.5, i.e. P ≥ N; the recipe states it as P/N ≥ 1). While the target is
//! unmet, c_low rises by 0.05 up to its cap; then, if still unmet, c_high rises by 0.05 up to its
//! cap. Ranges: c_low ∈ [0.6, 0.9] and c_high ∈ [1.2, 3.0] (the README's "as used in the paper";
//! the recipe's yaml caps at 0.8 and 2.0, [`BapoSchedule::recipe_yaml`]).
//!
//! Discrepancies, documented rather than resolved:
//! - Order: the official recipe raises c_low first; a third-party reimplementation raises c_high
//!   first. The paper's Algorithm 1 could not be read; we follow the recipe.
//! - Measure: with the recipe's e, raising c_low can only *increase* N (a clipped negative sample
//!   counts A·c_low), so the c_low stage never helps the target and, when the target is unmet,
//!   always runs to its cap. The paper's stated intent (raising c_low removes low-ratio negative
//!   samples from the gradient) matches counting only the samples that still carry gradient,
//!   e = r·A over unclipped samples: [`ContributionMeasure::GradientCarrying`]. The recipe's
//!   measure is the default.

use super::bapo_clip::BapoClip;
use crate::core::error::{Error, Result};

/// How a sample's contribution to the balance is counted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ContributionMeasure {
    /// The recipe's: e = A·min(r, c_high) for A ≥ 0, A·max(r, c_low) for A < 0, every sample.
    #[default]
    ClippedValue,
    /// e = r·A for samples whose gradient survives the clip (A ≥ 0: r ≤ c_high; A < 0: r ≥ c_low),
    /// 0 for the others.
    GradientCarrying,
}

/// The adaptation rule's settings.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BapoSchedule {
    pub low_start: f64,
    pub low_max: f64,
    pub high_start: f64,
    pub high_max: f64,
    pub low_step: f64,
    pub high_step: f64,
    /// ρ0, the positive share to reach (0.5).
    pub target_share: f64,
    pub measure: ContributionMeasure,
}

impl Default for BapoSchedule {
    /// The README's values "as used in the paper": c_low 0.6 → 0.9, c_high 1.2 → 3.0, steps 0.05.
    fn default() -> Self {
        BapoSchedule {
            low_start: 0.6,
            low_max: 0.9,
            high_start: 1.2,
            high_max: 3.0,
            low_step: 0.05,
            high_step: 0.05,
            target_share: 0.5,
            measure: ContributionMeasure::ClippedValue,
        }
    }
}

/// The bounds chosen for a batch, with the balance they reach.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct AdaptedBounds {
    pub clip_low: f64,
    pub clip_high: f64,
    /// P, the summed positive contribution at the final bounds.
    pub positive: f64,
    /// N, the summed magnitude of the negative contribution at the final bounds.
    pub negative: f64,
    pub target_met: bool,
}

impl AdaptedBounds {
    /// P/(P + N), or 1 when both are 0.
    pub fn positive_share(&self) -> f64 {
        let total = self.positive + self.negative;
        if total > 0.0 {
            self.positive / total
        } else {
            1.0
        }
    }

    /// The per-sample objective with these bounds and a dual-clip floor c.
    pub fn objective(&self, dual_clip: f64) -> BapoClip {
        BapoClip {
            clip_low: self.clip_low,
            clip_high: self.clip_high,
            dual_clip,
        }
    }
}

impl BapoSchedule {
    /// The caps of the recipe's `config/bapo_trainer.yaml`: c_low ≤ 0.8, c_high ≤ 2.0.
    pub fn recipe_yaml() -> Self {
        BapoSchedule {
            low_max: 0.8,
            high_max: 2.0,
            ..BapoSchedule::default()
        }
    }

    /// Requires 0 < low_start ≤ low_max < 1 < high_start ≤ high_max, steps > 0, 0 < ρ0 < 1.
    pub fn validate(&self) -> Result<()> {
        let s = self;
        let checks = [
            ("low_start", s.low_start, s.low_start > 0.0),
            (
                "low_max",
                s.low_max,
                s.low_max >= s.low_start && s.low_max < 1.0,
            ),
            ("high_start", s.high_start, s.high_start > 1.0),
            ("high_max", s.high_max, s.high_max >= s.high_start),
            ("low_step", s.low_step, s.low_step > 0.0),
            ("high_step", s.high_step, s.high_step > 0.0),
            (
                "target_share",
                s.target_share,
                s.target_share > 0.0 && s.target_share < 1.0,
            ),
        ];
        for (field, value, ok) in checks {
            if !(value.is_finite() && ok) {
                return Err(Error::invalid(
                    field,
                    format!("found {value}"),
                    "expected 0 < low_start ≤ low_max < 1 < high_start ≤ high_max, steps > 0 \
                     and a target share 0 < ρ0 < 1",
                ));
            }
        }
        Ok(())
    }

    fn balance(&self, samples: &[(f64, f64)], low: f64, high: f64) -> (f64, f64) {
        let (mut pos, mut neg) = (0.0, 0.0);
        for &(r, a) in samples {
            let e = match self.measure {
                ContributionMeasure::ClippedValue if a >= 0.0 => a * r.min(high),
                ContributionMeasure::ClippedValue => a * r.max(low),
                ContributionMeasure::GradientCarrying => {
                    let carries = if a >= 0.0 { r <= high } else { r >= low };
                    if carries { r * a } else { 0.0 }
                }
            };
            if e > 0.0 { pos += e } else { neg -= e }
        }
        (pos, neg)
    }

    /// Adapts (c_low, c_high) to a batch of (ratio, advantage) samples: c_low first, then c_high,
    /// each by its step up to its cap, stopping as soon as P/(P + N) ≥ ρ0.
    pub fn adapt(&self, samples: &[(f64, f64)]) -> Result<AdaptedBounds> {
        self.validate()?;
        if samples.is_empty() {
            return Err(Error::invalid(
                "samples",
                "found an empty batch",
                "expected at least one sample",
            ));
        }
        if let Some(&(r, a)) = samples
            .iter()
            .find(|(r, a)| !(r.is_finite() && *r >= 0.0 && a.is_finite()))
        {
            return Err(Error::invalid(
                "samples",
                format!("found (ratio {r}, advantage {a})"),
                "expected finite ratios ≥ 0 and finite advantages",
            ));
        }
        let met = |(p, n): (f64, f64)| p * (1.0 - self.target_share) >= self.target_share * n;
        let (mut low, mut high) = (self.low_start, self.high_start);
        let mut balance = self.balance(samples, low, high);
        // Bounds are start + k·step (capped) rather than accumulated, so no rounding drift.
        let mut k = 0.0;
        while !met(balance) && low < self.low_max {
            k += 1.0;
            low = (self.low_start + k * self.low_step).min(self.low_max);
            balance = self.balance(samples, low, high);
        }
        k = 0.0;
        while !met(balance) && high < self.high_max {
            k += 1.0;
            high = (self.high_start + k * self.high_step).min(self.high_max);
            balance = self.balance(samples, low, high);
        }
        Ok(AdaptedBounds {
            clip_low: low,
            clip_high: high,
            positive: balance.0,
            negative: balance.1,
            target_met: met(balance),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn balanced_batch_keeps_the_start_bounds() {
        let b = BapoSchedule::default()
            .adapt(&[(1.0, 1.0), (1.0, -1.0)])
            .unwrap();
        assert_eq!((b.clip_low, b.clip_high, b.target_met), (0.6, 1.2, true));
        assert_eq!(b.positive_share(), 0.5);
    }

    #[test]
    fn recipe_measure_runs_c_low_to_its_cap_then_raises_c_high() {
        // P = min(2.5, c_high), N = 1.93 (r = 1 ≥ every c_low): met first at c_high = 1.95.
        let batch = [(2.5, 1.0), (1.0, -1.93)];
        let b = BapoSchedule::default().adapt(&batch).unwrap();
        assert_eq!(b.clip_low, 0.9);
        assert!((b.clip_high - 1.95).abs() < 1e-12, "{b:?}");
        assert!(b.target_met && b.positive_share() >= 0.5);
        // Under the recipe measure raising c_low never lowers N.
        let s = BapoSchedule::default();
        assert!(s.balance(&[(0.5, -1.0)], 0.9, 1.2).1 > s.balance(&[(0.5, -1.0)], 0.6, 1.2).1);
    }

    #[test]
    fn gradient_carrying_measure_stops_once_c_low_excludes_the_negatives() {
        let schedule = BapoSchedule {
            measure: ContributionMeasure::GradientCarrying,
            ..BapoSchedule::default()
        };
        let b = schedule.adapt(&[(1.0, 1.0), (0.72, -3.0)]).unwrap();
        assert!((b.clip_low - 0.75).abs() < 1e-12, "{b:?}");
        assert_eq!(b.clip_high, 1.2);
        assert!(b.target_met);
    }

    #[test]
    fn caps_are_hit_when_the_target_is_unreachable() {
        for schedule in [BapoSchedule::default(), BapoSchedule::recipe_yaml()] {
            let b = schedule.adapt(&[(1.0, -1.0), (5.0, 0.1)]).unwrap();
            assert_eq!(
                (b.clip_low, b.clip_high),
                (schedule.low_max, schedule.high_max)
            );
            assert!(!b.target_met && b.positive_share() < 0.5);
        }
    }

    #[test]
    fn bad_inputs_are_errors() {
        let s = BapoSchedule::default();
        assert!(s.adapt(&[]).is_err());
        assert!(s.adapt(&[(f64::NAN, 1.0)]).is_err());
        assert!(s.adapt(&[(-1.0, 1.0)]).is_err());
        assert!(
            BapoSchedule {
                target_share: 1.0,
                ..s
            }
            .adapt(&[(1.0, 1.0)])
            .is_err()
        );
        assert!(BapoSchedule { low_max: 0.5, ..s }.validate().is_err());
        assert!(
            BapoSchedule {
                high_step: 0.0,
                ..s
            }
            .validate()
            .is_err()
        );
    }
}
