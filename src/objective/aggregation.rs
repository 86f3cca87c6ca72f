//! How per-token values ℓ_{i,t} of a batch of N sequences (lengths |o_i|) become one scalar:
//!
//! - [`Aggregation::TokenMean`]: Σ_i Σ_t ℓ_{i,t} / Σ_i |o_i| (DAPO, Yu et al. 2025,
//!   arXiv 2503.14476, the token-level loss of its objective; verl's `token-mean`).
//! - [`Aggregation::SequenceMeanTokenMean`]: (1/N) Σ_i (1/|o_i|) Σ_t ℓ_{i,t} (GRPO, Shao et al.
//!   2024, "DeepSeekMath", arXiv 2402.03300, Eq. (3)).
//! - [`Aggregation::ConstantNormalizer`]: Σ_i Σ_t ℓ_{i,t} / (N·L_max) (Dr. GRPO, Liu et al. 2025,
//!   "Understanding R1-Zero-Like Training: A Critical Perspective", arXiv 2503.20783).
//!
//! The three are linear, so each is Σ w_{i,t}·ℓ_{i,t} with the per-token weights of
//! [`Aggregation::per_token_weights`]: 1/Σ|o|; 1/(N·|o_i|), which gives short sequences a larger
//! weight per token (GRPO's length bias); and the constant 1/(N·L_max).
//!
//! Values are passed packed: the tokens of sequence 0, then of sequence 1, and so on, with the
//! lengths alongside. An empty batch, a zero-length sequence, a sequence longer than L_max, or a
//! value count that is not Σ lengths is an error.

use crate::core::error::{Error, Result};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Aggregation {
    TokenMean,
    SequenceMeanTokenMean,
    ConstantNormalizer { max_length: usize },
}

impl Aggregation {
    /// The weight of each token, packed like the values.
    pub fn per_token_weights(&self, lengths: &[usize]) -> Result<Vec<f64>> {
        per_token_weights(*self, lengths)
    }

    /// Σ w_{i,t}·ℓ_{i,t} for packed values.
    pub fn aggregate(&self, values: &[f64], lengths: &[usize]) -> Result<f64> {
        let weights = self.per_token_weights(lengths)?;
        if weights.len() != values.len() {
            return Err(Error::invalid(
                "values",
                format!("found {} values", values.len()),
                format!("expected one per token, Σ lengths = {}", weights.len()),
            ));
        }
        Ok(weights.iter().zip(values).map(|(w, v)| w * v).sum())
    }
}

/// The per-token weights w_{i,t} of a mode, packed sequence by sequence.
pub fn per_token_weights(mode: Aggregation, lengths: &[usize]) -> Result<Vec<f64>> {
    if lengths.is_empty() {
        return Err(Error::invalid(
            "lengths",
            "found an empty batch",
            "expected at least one sequence",
        ));
    }
    if let Some(i) = lengths.iter().position(|&l| l == 0) {
        return Err(Error::invalid(
            format!("lengths[{i}]"),
            "found 0",
            "expected a sequence of at least one token",
        ));
    }
    let n = lengths.len() as f64;
    let total: usize = lengths.iter().sum();
    let mut weights = Vec::with_capacity(total);
    for (i, &len) in lengths.iter().enumerate() {
        let w = match mode {
            Aggregation::TokenMean => 1.0 / total as f64,
            Aggregation::SequenceMeanTokenMean => 1.0 / (n * len as f64),
            Aggregation::ConstantNormalizer { max_length } => {
                if max_length == 0 {
                    return Err(Error::invalid(
                        "max_length",
                        "found 0",
                        "expected L_max ≥ 1",
                    ));
                }
                if len > max_length {
                    return Err(Error::invalid(
                        format!("lengths[{i}]"),
                        format!("found {len}"),
                        format!("expected at most L_max = {max_length}"),
                    ));
                }
                1.0 / (n * max_length as f64)
            }
        };
        weights.extend(std::iter::repeat_n(w, len));
    }
    Ok(weights)
}

#[cfg(test)]
mod tests {
    use super::*;

    // Two sequences: [1, 2, 3] and [10].
    const VALUES: [f64; 4] = [1.0, 2.0, 3.0, 10.0];
    const LENGTHS: [usize; 2] = [3, 1];

    #[test]
    fn the_three_formulas() {
        let token = Aggregation::TokenMean.aggregate(&VALUES, &LENGTHS).unwrap();
        assert!((token - 16.0 / 4.0).abs() < 1e-15);
        let grpo = Aggregation::SequenceMeanTokenMean
            .aggregate(&VALUES, &LENGTHS)
            .unwrap();
        assert!((grpo - (2.0 + 10.0) / 2.0).abs() < 1e-15);
        let dr = Aggregation::ConstantNormalizer { max_length: 8 }
            .aggregate(&VALUES, &LENGTHS)
            .unwrap();
        assert!((dr - 16.0 / 16.0).abs() < 1e-15);
    }

    #[test]
    fn grpo_gives_short_sequences_more_weight_per_token() {
        let w = per_token_weights(Aggregation::SequenceMeanTokenMean, &LENGTHS).unwrap();
        assert_eq!(w, vec![1.0 / 6.0, 1.0 / 6.0, 1.0 / 6.0, 0.5]);
        for mode in [
            Aggregation::TokenMean,
            Aggregation::ConstantNormalizer { max_length: 3 },
        ] {
            let w = per_token_weights(mode, &LENGTHS).unwrap();
            assert!(w.iter().all(|&x| x == w[0]));
        }
        // Token-mean and GRPO weights each sum to 1; Dr. GRPO's sum to Σ|o|/(N·L_max).
        let sum = |m| per_token_weights(m, &LENGTHS).unwrap().iter().sum::<f64>();
        assert!((sum(Aggregation::TokenMean) - 1.0).abs() < 1e-15);
        assert!((sum(Aggregation::SequenceMeanTokenMean) - 1.0).abs() < 1e-15);
        assert!((sum(Aggregation::ConstantNormalizer { max_length: 4 }) - 0.5).abs() < 1e-15);
    }

    #[test]
    fn errors() {
        let dr = Aggregation::ConstantNormalizer { max_length: 2 };
        assert!(Aggregation::TokenMean.aggregate(&[], &[]).is_err());
        assert!(Aggregation::TokenMean.aggregate(&[1.0], &[1, 0]).is_err());
        assert!(dr.aggregate(&VALUES, &LENGTHS).is_err()); // 3 > L_max = 2
        assert!(
            Aggregation::ConstantNormalizer { max_length: 0 }
                .per_token_weights(&[1])
                .is_err()
        );
        assert!(
            Aggregation::TokenMean
                .aggregate(&VALUES[..3], &LENGTHS)
                .is_err()
        );
    }
}
