//! Soft Adaptive Policy Optimization, SAPO (Gao, Zheng et al. 2025, Qwen team, "Soft Adaptive
//! Policy Optimization", arXiv 2511.20347; the gate is reported as the paper's Eq. (6), which is
//! unconfirmed here):
//!
//! J = A·(4/τ)·σ(τ(r − 1)),  τ = τ_pos if A > 0, else τ_neg,
//! ∂J/∂r = A·4σ(x)(1 − σ(x)) = A·sech²(x/2),  x = τ(r − 1).
//!
//! Instead of a hard clip, a sigmoid gate whose slope at r = 1 is exactly A (the 4/τ factor makes
//! it so), so on-policy it is the policy gradient. Away from r = 1 the slope decays smoothly, like
//! 4·e^{−τ|r − 1|}; it is never exactly flat, so no sample is marked clipped. The value at r = 1
//! is (4/τ)·σ(0)·A = 2A/τ, not A: only the slope matches PG there. J is bounded, between 0 and
//! 4A/τ, and increasing in r for A > 0.
//!
//! Defaults τ_pos = 1.0 and τ_neg = 1.05 (the paper's recommendation as quoted by ms-swift,
//! Trinity-RFT and TRL; see the research notes). A larger τ_neg makes the gradient of
//! negative-advantage samples decay faster off-policy.
//!
//! Numerics: σ and sech² are evaluated through e^{−|x|} only, which lies in [0, 1], so neither
//! overflows for any finite r (r = 10³⁰⁰ gives σ = 1 and a slope of exactly 0).

use super::catalogue::{BuiltObjective, LlmUse, ObjectiveEntry};
use super::{Objective, Surrogate};
use crate::core::error::{Error, Result};
use crate::core::parameters::parameter;

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Sapo {
    /// τ for A > 0 (1.0).
    pub tau_pos: f64,
    /// τ for A ≤ 0 (1.05).
    pub tau_neg: f64,
}

impl Default for Sapo {
    fn default() -> Self {
        Sapo {
            tau_pos: 1.0,
            tau_neg: 1.05,
        }
    }
}

impl Sapo {
    /// The temperature used for a sample with this advantage.
    pub fn temperature(&self, advantage: f64) -> f64 {
        if advantage > 0.0 {
            self.tau_pos
        } else {
            self.tau_neg
        }
    }
}

/// σ(x) and 4σ(x)(1 − σ(x)) = sech²(x/2), both from e^{−|x|} ∈ [0, 1].
fn sigmoid_and_gate_slope(x: f64) -> (f64, f64) {
    let e = (-x.abs()).exp();
    let sigma_abs = 1.0 / (1.0 + e); // σ(|x|)
    let sigma = if x >= 0.0 { sigma_abs } else { e * sigma_abs };
    (sigma, 4.0 * e * sigma_abs * sigma_abs)
}

impl Objective for Sapo {
    fn name(&self) -> &'static str {
        "sapo"
    }

    fn validate(&self) -> Result<()> {
        for (field, tau) in [("tau_pos", self.tau_pos), ("tau_neg", self.tau_neg)] {
            if !(tau.is_finite() && tau > 0.0) {
                return Err(Error::invalid(
                    field,
                    format!("found {tau}"),
                    "expected a finite temperature > 0",
                ));
            }
        }
        Ok(())
    }

    fn surrogate(&self, ratio: f64, advantage: f64) -> Surrogate {
        let tau = self.temperature(advantage);
        let (sigma, gate_slope) = sigmoid_and_gate_slope(tau * (ratio - 1.0));
        Surrogate {
            value: advantage * (4.0 / tau) * sigma,
            slope: advantage * gate_slope,
            clipped: false,
        }
    }
}

/// The catalogue entry.
pub fn entry() -> ObjectiveEntry {
    ObjectiveEntry {
        name: "sapo",
        summary: "SAPO's soft-gated surrogate (Gao et al. 2025)",
        parameters: vec![
            parameter("tau_pos", 1.0, "gate temperature for A > 0"),
            parameter("tau_neg", 1.05, "gate temperature for A ≤ 0"),
        ],
        tabular: Some("K epochs on SAPO's soft-gated surrogate (Gao et al. 2025)"),
        llm: LlmUse::Algorithm("SAPO's soft gate (Gao et al. 2025)"),
        build: |values| {
            BuiltObjective::PerSample(Box::new(Sapo {
                tau_pos: values.real("tau_pos"),
                tau_neg: values.real("tau_neg"),
            }))
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sigmoid_matches_the_direct_formula() {
        for x in [-30.0, -2.0, -0.5, 0.0, 0.5, 2.0, 30.0] {
            let (sigma, slope) = sigmoid_and_gate_slope(x);
            let direct = 1.0 / (1.0 + f64::exp(-x));
            assert!((sigma - direct).abs() < 1e-15, "σ({x})");
            let sech = 1.0 / f64::cosh(x / 2.0);
            assert!((slope - sech * sech).abs() < 1e-15, "sech²({x}/2)");
        }
    }

    #[test]
    fn values_at_one_and_in_the_tails() {
        let s = Sapo::default();
        // 2A/τ at r = 1, with τ chosen by the sign of A.
        assert!((s.surrogate(1.0, 1.0).value - 2.0).abs() < 1e-15);
        assert!((s.surrogate(1.0, -1.0).value + 2.0 / 1.05).abs() < 1e-15);
        // The bounds 0 and 4A/τ are approached, never crossed.
        assert_eq!(s.surrogate(1e300, 3.0).value, 12.0);
        assert_eq!(
            s.surrogate(1e-300, 3.0).value,
            3.0 * 4.0 * (-1.0f64).exp() / (1.0 + (-1.0f64).exp())
        );
        // sech²(0.5) ≈ 0.7864 at r = 2 with τ = 1 (the mild attenuation noted for τ ≈ 1).
        let sech = 1.0 / 0.5f64.cosh();
        assert!((s.surrogate(2.0, 1.0).slope - sech * sech).abs() < 1e-15);
    }

    #[test]
    fn larger_negative_temperature_decays_faster() {
        let s = Sapo::default();
        let pos = s.surrogate(3.0, 1.0).slope;
        let neg = -s.surrogate(3.0, -1.0).slope;
        assert!(neg < pos);
    }

    #[test]
    fn validate_rejects_bad_temperatures() {
        assert!(Sapo::default().validate().is_ok());
        for tau in [0.0, -1.0, f64::NAN, f64::INFINITY] {
            assert!(
                Sapo {
                    tau_pos: tau,
                    tau_neg: 1.0
                }
                .validate()
                .is_err()
            );
            assert!(
                Sapo {
                    tau_pos: 1.0,
                    tau_neg: tau
                }
                .validate()
                .is_err()
            );
        }
    }
}
