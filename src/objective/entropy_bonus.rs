//! The entropy bonus of a softmax policy (Schulman et al. 2017, "Proximal Policy Optimization
//! Algorithms", the entropy term S of the combined objective, Eq. (9) by our unconfirmed
//! numbering; Williams & Peng 1991 for entropy regularisation in policy gradients):
//!
//! H(p) = −Σ_a p_a·log p_a   (with 0·log 0 = 0),
//! ∂H/∂z_a = −p_a·(log p_a + H)   for p = softmax(z).
//!
//! The gradient follows from ∂p_b/∂z_a = p_b(δ_ab − p_a): ∂H/∂z_a = −Σ_b (log p_b + 1)·p_b(δ_ab − p_a)
//! = −p_a(log p_a + 1) + p_a·Σ_b p_b(log p_b + 1) = −p_a(log p_a + H). It sums to zero over a (a
//! softmax is unchanged by shifting every logit) and vanishes at the uniform distribution, where
//! H = log n is maximal. Unlike the per-sample surrogates it needs the whole distribution at a
//! state, not one sampled ratio. The bonus adds c·H to the objective (c = 0.01 is a common PPO
//! value, unconfirmed against the paper's table).

use crate::core::checks::require_coefficient;
use crate::core::error::{Error, Result};

/// How far Σ p may be from 1.
const SUM_TOLERANCE: f64 = 1e-9;

fn check_probabilities(probabilities: &[f64]) -> Result<()> {
    if probabilities.is_empty() {
        return Err(Error::invalid(
            "probabilities",
            "found an empty row",
            "expected at least one action",
        ));
    }
    if let Some(bad) = probabilities
        .iter()
        .find(|p| !(p.is_finite() && **p >= 0.0))
    {
        return Err(Error::invalid(
            "probabilities",
            format!("found {bad}"),
            "expected finite probabilities ≥ 0",
        ));
    }
    let sum: f64 = probabilities.iter().sum();
    if (sum - 1.0).abs() > SUM_TOLERANCE * probabilities.len() as f64 {
        return Err(Error::invalid(
            "probabilities",
            format!("found a sum of {sum}"),
            "expected a row summing to 1",
        ));
    }
    Ok(())
}

/// p·log p with 0·log 0 = 0.
fn p_log_p(p: f64) -> f64 {
    if p > 0.0 { p * p.ln() } else { 0.0 }
}

/// H(p) = −Σ p log p of a probability row.
pub fn entropy(probabilities: &[f64]) -> Result<f64> {
    check_probabilities(probabilities)?;
    Ok(-probabilities.iter().map(|&p| p_log_p(p)).sum::<f64>())
}

/// ∂H/∂z_a = −p_a(log p_a + H) for the logits z of p = softmax(z); 0 where p_a = 0.
pub fn entropy_logit_gradient(probabilities: &[f64]) -> Result<Vec<f64>> {
    let h = entropy(probabilities)?;
    Ok(probabilities
        .iter()
        .map(|&p| if p > 0.0 { -p * (p.ln() + h) } else { 0.0 })
        .collect())
}

/// c·H(p) added to the objective.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct EntropyBonus {
    /// c ≥ 0 (0.01).
    pub coefficient: f64,
}

impl Default for EntropyBonus {
    fn default() -> Self {
        EntropyBonus { coefficient: 0.01 }
    }
}

impl EntropyBonus {
    pub fn validate(&self) -> Result<()> {
        require_coefficient("coefficient", "c", self.coefficient)
    }

    /// c·H(p).
    pub fn value(&self, probabilities: &[f64]) -> Result<f64> {
        self.validate()?;
        Ok(self.coefficient * entropy(probabilities)?)
    }

    /// c·∂H/∂z.
    pub fn logit_gradient(&self, probabilities: &[f64]) -> Result<Vec<f64>> {
        self.validate()?;
        Ok(entropy_logit_gradient(probabilities)?
            .into_iter()
            .map(|g| self.coefficient * g)
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn softmax(z: &[f64]) -> Vec<f64> {
        let m = z.iter().cloned().fold(f64::NEG_INFINITY, f64::max);
        let e: Vec<f64> = z.iter().map(|x| (x - m).exp()).collect();
        let s: f64 = e.iter().sum();
        e.iter().map(|x| x / s).collect()
    }

    #[test]
    fn known_entropies() {
        assert!((entropy(&[0.25; 4]).unwrap() - 4f64.ln()).abs() < 1e-15);
        assert_eq!(entropy(&[1.0, 0.0, 0.0]).unwrap(), 0.0);
        // Bernoulli(0.5) with a zero-probability third action: ln 2.
        assert!((entropy(&[0.5, 0.5, 0.0]).unwrap() - 2f64.ln()).abs() < 1e-15);
    }

    #[test]
    fn gradient_matches_finite_differences_in_the_logits() {
        let z = [0.3, -1.2, 2.0, 0.0];
        let g = entropy_logit_gradient(&softmax(&z)).unwrap();
        let h = 1e-6;
        for a in 0..z.len() {
            let (mut up, mut down) = (z, z);
            up[a] += h;
            down[a] -= h;
            let fd =
                (entropy(&softmax(&up)).unwrap() - entropy(&softmax(&down)).unwrap()) / (2.0 * h);
            assert!((fd - g[a]).abs() < 1e-8, "action {a}: {fd} vs {}", g[a]);
        }
        assert!(g.iter().sum::<f64>().abs() < 1e-14);
        assert!(
            entropy_logit_gradient(&[0.25; 4])
                .unwrap()
                .iter()
                .all(|x| x.abs() < 1e-15)
        );
    }

    #[test]
    fn bonus_scales_and_rejects_bad_input() {
        let b = EntropyBonus { coefficient: 0.5 };
        assert!((b.value(&[0.5, 0.5]).unwrap() - 0.5 * 2f64.ln()).abs() < 1e-15);
        assert_eq!(b.logit_gradient(&[1.0, 0.0]).unwrap(), vec![0.0, 0.0]);
        assert!(entropy(&[]).is_err());
        assert!(entropy(&[0.5, 0.6]).is_err());
        assert!(entropy(&[1.5, -0.5]).is_err());
        assert!(entropy(&[f64::NAN, 1.0]).is_err());
        assert!(EntropyBonus { coefficient: -0.1 }.value(&[1.0]).is_err());
    }
}
