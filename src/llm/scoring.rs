//! Per-token log-probabilities and entropies of given sequences under the policy: the quantities
//! SFT's cross-entropy and RL's importance ratios and entropy curves are made of (Cui et al. 2025,
//! "The Entropy Mechanism of Reinforcement Learning for Reasoning Language Models", track the
//! token-level entropy H = −Σ_v π(v|x) log π(v|x) of exactly these distributions).
//!
//! For tokens `x₀ … x_{T−1}` and one full forward pass, position `t < T−1` gives
//! `log π(x_{t+1} | x_{≤t})` and the entropy of `π(· | x_{≤t})` over the whole vocabulary, both
//! from one log-softmax (stable: no softmax is ever logged). Everything stays on the backend, so on
//! an autodiff backend gradients flow to every parameter. An optional temperature τ scores
//! `softmax(logits / τ)`, the distribution the sampler draws from at that temperature.

use burn::tensor::activation::log_softmax;
use burn::tensor::backend::Backend;
use burn::tensor::{Int, Tensor};

use super::model::Transformer;
use crate::core::error::{Error, Result};

/// `log π(x_{t+1} | x_{≤t})` and the full-vocabulary entropy of `π(· | x_{≤t})`, each
/// `[batch, T − 1]`, for `tokens` of shape `[batch, T]` (`2 ≤ T ≤ max_len`, ids below
/// `vocab_size`), at temperature 1.
pub fn token_scores<B: Backend>(
    model: &Transformer<B>,
    tokens: Tensor<B, 2, Int>,
) -> Result<(Tensor<B, 2>, Tensor<B, 2>)> {
    token_scores_at(model, tokens, 1.0)
}

/// [`token_scores`] of the tempered distribution `softmax(logits / temperature)`
/// (`temperature > 0`, finite).
pub fn token_scores_at<B: Backend>(
    model: &Transformer<B>,
    tokens: Tensor<B, 2, Int>,
    temperature: f64,
) -> Result<(Tensor<B, 2>, Tensor<B, 2>)> {
    check_temperature(temperature)?;
    let config = model.config();
    let [_, time] = tokens.dims();
    if time < 2 || time > config.max_len {
        return Err(Error::invalid(
            "tokens",
            format!("sequences of {time} tokens"),
            format!(
                "between 2 and max_len = {} tokens (one prefix and one next token at least)",
                config.max_len
            ),
        ));
    }
    check_ids(&tokens, config.vocab_size)?;
    let logits = model.forward(tokens.clone());
    scores_from_logits(logits, tokens, temperature)
}

/// The same scores from logits already computed (`[batch, T, vocab]`, as [`Transformer::forward`]
/// returns them for `tokens`), for callers that need the logits too. The last position's logits
/// are unused.
pub fn scores_from_logits<B: Backend>(
    logits: Tensor<B, 3>,
    tokens: Tensor<B, 2, Int>,
    temperature: f64,
) -> Result<(Tensor<B, 2>, Tensor<B, 2>)> {
    check_temperature(temperature)?;
    let [batch, time, _] = logits.dims();
    if tokens.dims() != [batch, time] || time < 2 {
        return Err(Error::invalid(
            "logits",
            format!(
                "shape {:?} for tokens of shape {:?}",
                logits.dims(),
                tokens.dims()
            ),
            "logits [batch, T, vocab] for tokens [batch, T] with T ≥ 2",
        ));
    }
    let mut logits = logits.narrow(1, 0, time - 1);
    if temperature != 1.0 {
        logits = logits.div_scalar(temperature);
    }
    let log_p = log_softmax(logits, 2);
    let next = tokens.narrow(1, 1, time - 1).unsqueeze_dim::<3>(2);
    let log_probs = log_p.clone().gather(2, next).reshape([batch, time - 1]);
    let entropies = (log_p.clone().exp() * log_p)
        .sum_dim(2)
        .neg()
        .reshape([batch, time - 1]);
    Ok((log_probs, entropies))
}

fn check_temperature(temperature: f64) -> Result<()> {
    if !(temperature.is_finite() && temperature > 0.0) {
        return Err(Error::invalid(
            "temperature",
            temperature.to_string(),
            "a finite temperature above 0 for scoring",
        ));
    }
    Ok(())
}

/// Every id in `tokens` is below `vocab_size` (one small host copy of the ids).
fn check_ids<B: Backend>(tokens: &Tensor<B, 2, Int>, vocab_size: usize) -> Result<()> {
    let data = tokens.to_data().convert::<i64>();
    let ids = data.as_slice::<i64>().map_err(|e| Error::Numerical {
        origin: "token scores".into(),
        detail: format!("cannot read the token ids: {e:?}"),
    })?;
    if let Some(&bad) = ids
        .iter()
        .find(|&&id| id < 0 || id as u64 >= vocab_size as u64)
    {
        return Err(Error::invalid(
            "tokens",
            format!("id {bad}"),
            format!("ids in 0..{vocab_size} (the model's vocab_size)"),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::llm::backend::{Inference, Training};
    use crate::llm::model::Positions;
    use crate::llm::model::tests::{tiny, tokens};
    use burn::module::{AutodiffModule, Module, ModuleVisitor, Param};
    use burn::tensor::backend::AutodiffBackend;
    use burn::tensor::{ElementConversion, TensorData};

    type B = Inference;

    fn rows() -> Vec<Vec<u32>> {
        vec![vec![1, 4, 5, 9, 2, 0], vec![1, 3, 3, 7, 10, 2]]
    }

    #[test]
    fn scores_equal_a_direct_computation_from_the_logits() {
        let device = Default::default();
        let model = tiny(Positions::Learned, true)
            .init::<B>(&device, 5)
            .unwrap();
        let rows = rows();
        for temperature in [1.0, 0.7] {
            let (log_probs, entropies) =
                token_scores_at(&model, tokens(&rows, &device), temperature).unwrap();
            assert_eq!(log_probs.dims(), [2, 5]);
            let logits = model.forward(tokens(&rows, &device)).into_data();
            let logits = logits.to_vec::<f32>().unwrap();
            let log_probs = log_probs.into_data().to_vec::<f32>().unwrap();
            let entropies = entropies.into_data().to_vec::<f32>().unwrap();
            for (b, row) in rows.iter().enumerate() {
                for t in 0..5 {
                    let z: Vec<f64> = logits[(b * 6 + t) * 11..(b * 6 + t + 1) * 11]
                        .iter()
                        .map(|&v| v as f64 / temperature)
                        .collect();
                    let total: f64 = z.iter().map(|v| v.exp()).sum();
                    let p: Vec<f64> = z.iter().map(|v| v.exp() / total).collect();
                    let expected_lp = p[row[t + 1] as usize].ln();
                    let expected_h: f64 = -p.iter().map(|q| q * q.ln()).sum::<f64>();
                    assert!((log_probs[b * 5 + t] as f64 - expected_lp).abs() < 1e-5);
                    assert!((entropies[b * 5 + t] as f64 - expected_h).abs() < 1e-5);
                }
            }
        }
    }

    #[test]
    fn entropy_lies_between_zero_and_log_vocab() {
        let device = Default::default();
        let mut model = tiny(Positions::Rotary, false)
            .init::<B>(&device, 6)
            .unwrap();
        // Sharpen the distribution so the bounds are tested away from uniform too.
        model.final_norm.gamma = Param::from_tensor(model.final_norm.gamma.val().mul_scalar(40.0));
        let (_, entropies) = token_scores(&model, tokens(&rows(), &device)).unwrap();
        let entropies = entropies.into_data().to_vec::<f32>().unwrap();
        let ln_v = (11f32).ln();
        assert!(
            entropies.iter().all(|&h| (0.0..=ln_v + 1e-5).contains(&h)),
            "{entropies:?}"
        );
        assert!(entropies.iter().any(|&h| h < 0.9 * ln_v), "{entropies:?}");
    }

    #[test]
    fn bad_inputs_are_errors() {
        let device = Default::default();
        let model = tiny(Positions::Learned, true)
            .init::<B>(&device, 5)
            .unwrap();
        assert!(token_scores(&model, tokens(&[vec![1]], &device)).is_err());
        assert!(token_scores(&model, tokens(&[vec![1; 13]], &device)).is_err());
        let error = token_scores(&model, tokens(&[vec![1, 11]], &device)).unwrap_err();
        assert!(error.to_string().contains("id 11"), "{error}");
        assert!(token_scores_at(&model, tokens(&[vec![1, 2]], &device), 0.0).is_err());
    }

    /// Collects each float parameter's gradient norm (or None when it has no gradient).
    struct GradientNorms<'a, A: AutodiffBackend> {
        grads: &'a A::Gradients,
        norms: Vec<Option<f32>>,
    }

    impl<A: AutodiffBackend> ModuleVisitor<A> for GradientNorms<'_, A> {
        fn visit_float<const D: usize>(&mut self, param: &Param<Tensor<A, D>>) {
            let norm = param
                .val()
                .grad(self.grads)
                .map(|g| g.abs().sum().into_scalar());
            self.norms.push(norm.map(|n| n.elem::<f32>()));
        }
    }

    #[test]
    fn gradient_reaches_every_parameter_and_matches_a_finite_difference() {
        let device = Default::default();
        for (positions, tied) in [(Positions::Learned, false), (Positions::Rotary, true)] {
            let config = tiny(positions, tied);
            let model = config.init::<Training>(&device, 9).unwrap();
            let rows = rows();
            let (log_probs, entropies) = token_scores(&model, tokens(&rows, &device)).unwrap();
            // Entropy's graph also reaches every parameter; the check is on the log-probs.
            drop(entropies);
            let grads = log_probs.sum().backward();
            let mut visitor = GradientNorms::<Training> {
                grads: &grads,
                norms: Vec::new(),
            };
            model.visit(&mut visitor);
            let expected = if positions == Positions::Learned {
                2 + 12 * 2 + 2 + 1
            } else {
                1 + 12 * 2 + 2
            };
            assert_eq!(visitor.norms.len(), expected);
            assert!(
                visitor.norms.iter().all(|n| n.is_some_and(|n| n > 0.0)),
                "{positions:?}: {:?}",
                visitor.norms
            );

            // Finite difference on one weight of the first MLP: f(w) = Σ log-probs, in f64 from f32.
            let weight = model.blocks[0].mlp_in.weight.val();
            let analytic = weight
                .grad(&grads)
                .unwrap()
                .into_data()
                .to_vec::<f32>()
                .unwrap();
            let (i, j) = (3usize, 5usize);
            let d_ff = config.d_ff;
            let base = model.valid();
            let value = |delta: f32| {
                let mut m = base.clone();
                let w = m.blocks[0]
                    .mlp_in
                    .weight
                    .val()
                    .into_data()
                    .to_vec::<f32>()
                    .unwrap();
                let mut w = w;
                w[i * d_ff + j] += delta;
                m.blocks[0].mlp_in.weight =
                    Param::from_data(TensorData::new(w, [config.d_model, d_ff]), &device);
                let (lp, _) = token_scores(&m, tokens(&rows, &device)).unwrap();
                lp.into_data()
                    .to_vec::<f32>()
                    .unwrap()
                    .iter()
                    .map(|&v| v as f64)
                    .sum::<f64>()
            };
            let h = 1e-2f32;
            let numeric = (value(h) - value(-h)) / (2.0 * h as f64);
            let exact = analytic[i * d_ff + j] as f64;
            assert!(
                (numeric - exact).abs() < 2e-3 * (1.0 + exact.abs()),
                "{positions:?}: numeric {numeric} vs autodiff {exact}"
            );
        }
    }
}
