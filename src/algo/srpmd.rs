//! Stochastic robust policy mirror descent (SRPMD; Li, Lan & Zhao 2022, "First-order policy
//! optimization for robust Markov decision process", arXiv 2209.10579) with the KL divergence:
//! robust NPG whose robust Q-values are estimated from samples of the nominal kernel only,
//!
//! π_{t+1}(a|s) ∝ π_t(a|s)·exp(η_t·Â_t(s, a)/(1−γ)),  Â_t = Q̂_t − Σ_b π_t(b|s)·Q̂_t(s, b),
//!
//! with η_{t+1} = `step_growth`·η_t. The paper's abstract states the guarantee this checks: with
//! samples from the nominal environment only, the optimality gap falls linearly up to a noise
//! level set by the estimate's accuracy. Its critic is a TD-learning estimator, which the stored
//! copy of the paper does not spell out; policylab's critic is the generative-model plug-in
//! estimate ([`crate::estimator::robust_plugin`]): `samples` draws of every available pair each
//! step, the same uncertainty set around their empirical kernel, robust evaluation there. The
//! record's `J` and `gap` are exact (measurements), `critic_error` is the estimate's
//! shift-reduced sup error τ_t = max_s (max_a e − min_a e)/2 of e = Q̂_t − Q^{π_t}_𝒫 (the part a
//! mirror-descent step can see), and `samples` the draws.

use ndarray::Array2;
use rand_chacha::ChaCha8Rng;

use super::Algorithm;
use super::catalogue::AlgorithmEntry;
use super::npg::{NpgState, require_step_growth};
use crate::core::checks::{require_at_least_one, require_positive};
use crate::core::error::{Error, Result};
use crate::core::parameters::parameter;
use crate::core::record::Record;
use crate::estimator::robust_plugin::plugin_robust_q;
use crate::metrics::{PolicySnapshot, ascend_and_record};
use crate::policy::TabularSoftmax;
use crate::world::{SetShape, World, WorldKind};

#[derive(Debug, Clone, PartialEq)]
pub struct StochasticRobustPmd {
    step_size: f64,
    step_growth: f64,
    samples: usize,
}

impl StochasticRobustPmd {
    /// η_0 > 0, η_{t+1}/η_t ≥ 1, and `samples` ≥ 1 draws of every pair per step.
    pub fn new(step_size: f64, step_growth: f64, samples: usize) -> Result<Self> {
        require_positive("step_size", step_size)?;
        require_step_growth(step_growth)?;
        require_at_least_one("samples", samples)?;
        Ok(StochasticRobustPmd {
            step_size,
            step_growth,
            samples,
        })
    }
}

/// The catalogue entry.
pub fn entry() -> AlgorithmEntry {
    AlgorithmEntry {
        name: "srpmd",
        summary: "stochastic robust policy mirror descent: robust NPG on a robust critic sampled \
                  from the nominal kernel (Li, Lan & Zhao 2022)",
        worlds: &[WorldKind::Robust],
        parameters: vec![
            parameter("step_size", 1.0, "initial step size η_0"),
            parameter(
                "step_growth",
                1.0,
                "η_{t+1}/η_t (1: constant; 1/γ: the growing steps of the linear rate)",
            ),
            parameter(
                "samples",
                100.0,
                "draws of every available (s, a) from the nominal kernel per step",
            ),
        ],
        run: |values, world, run| {
            let algorithm = StochasticRobustPmd::new(
                values.real("step_size"),
                values.real("step_growth"),
                values.count("samples")?,
            )?;
            run.go(&algorithm, world)
        },
    }
}

/// max_s (max_a e − min_a e)/2 over the available actions of each state (the τ of an inexact
/// mirror-descent step; unavailable actions, never played, do not count).
fn available_shift_reduced_sup(error: &Array2<f64>, allowed: &[bool]) -> f64 {
    let actions = error.ncols();
    error
        .rows()
        .into_iter()
        .enumerate()
        .filter_map(|(s, row)| {
            let available = row
                .iter()
                .enumerate()
                .filter(|&(a, _)| allowed[s * actions + a])
                .map(|(_, &e)| e);
            let (low, high) = available.fold((f64::INFINITY, f64::NEG_INFINITY), |(l, h), e| {
                (l.min(e), h.max(e))
            });
            (high >= low).then_some((high - low) / 2.0)
        })
        .fold(0.0, f64::max)
}

impl<W: World + ?Sized> Algorithm<W> for StochasticRobustPmd {
    type State = NpgState;

    fn policy(&self, state: &NpgState) -> Option<Vec<Array2<f64>>> {
        Some(TabularSoftmax::stage_probabilities(&state.policy))
    }

    fn logits(&self, state: &NpgState) -> Option<Vec<Array2<f64>>> {
        Some(TabularSoftmax::stage_logits(&state.policy))
    }

    fn name(&self) -> &'static str {
        "srpmd"
    }

    fn initial_state(&self, world: &W) -> Result<NpgState> {
        world.require_kind("srpmd", &[WorldKind::Robust])?;
        if world
            .robust_model()
            .is_none_or(|robust| robust.set().shape() == SetShape::Finite)
        {
            return Err(Error::Usage(
                "srpmd samples the nominal kernel of a ball set; a finite set of kernels has \
                 none (use npg, the exact robust NPG, on it)"
                    .into(),
            ));
        }
        Ok(NpgState {
            policy: TabularSoftmax::start_stages(world),
            step_size: self.step_size,
        })
    }

    fn step(
        &self,
        world: &W,
        mut state: NpgState,
        rng: &mut ChaCha8Rng,
    ) -> Result<(NpgState, Record)> {
        let robust = world.robust_model().ok_or_else(|| {
            Error::Usage("srpmd samples the nominal kernel of a robust world".into())
        })?;
        let (snapshot, mut record) = PolicySnapshot::measure_softmax(world, &state.policy)?;
        record.set("step_size", state.step_size);
        let policy = &snapshot.probabilities[0];
        let (estimate, draws) = plugin_robust_q(robust, policy.view(), self.samples, rng)?;
        let exact = &snapshot.evaluation.stages[0].q;
        let allowed = world.allowed_mask();
        let actions = policy.ncols();
        // Errors and advantages on the available actions only.
        let mut error = Array2::zeros(policy.dim());
        let mut advantage = Array2::zeros(policy.dim());
        for (s, row) in estimate.rows().into_iter().enumerate() {
            let value: f64 = row.iter().zip(policy.row(s)).map(|(q, p)| q * p).sum();
            for (a, &q) in row.iter().enumerate() {
                if allowed[s * actions + a] {
                    error[[s, a]] = q - exact[[s, a]];
                    advantage[[s, a]] = q - value;
                }
            }
        }
        record.set("critic_error", available_shift_reduced_sup(&error, allowed));
        record.set("samples", draws as f64);
        let direction = vec![advantage / snapshot.evaluation.gradient_divisor];
        ascend_and_record(
            &mut state.policy,
            &snapshot,
            &direction,
            state.step_size,
            &mut record,
        );
        state.step_size *= self.step_growth;
        Ok((state, record))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::algo::catalogue::run_named;
    use crate::estimator::robust_plugin::sa_l1_garnet;
    use crate::exact::robust::RobustWorld;
    use crate::world::generate::GarnetParams;

    fn world() -> RobustWorld {
        RobustWorld::new(sa_l1_garnet(6, 5)).unwrap()
    }

    fn gaps(name: &str, params: &[(&str, f64)], steps: usize, seed: u64) -> Vec<(f64, f64)> {
        let given: Vec<(String, f64)> = params.iter().map(|(k, v)| (k.to_string(), *v)).collect();
        let mut out = Vec::new();
        run_named(name, &given, &world(), steps, seed, |_, r| {
            out.push((r.get("gap").unwrap(), r.get("critic_error").unwrap_or(0.0)))
        })
        .unwrap();
        out
    }

    /// With many draws SRPMD follows exact robust NPG step for step (the critic's error is what
    /// separates them); with growing steps both close the robust gap.
    #[test]
    fn with_many_samples_it_follows_exact_robust_npg() {
        let growth = 1.0 / 0.9;
        let exact = gaps("npg", &[("step_size", 1.0), ("step_growth", growth)], 25, 0);
        let sampled = gaps(
            "srpmd",
            &[
                ("step_size", 1.0),
                ("step_growth", growth),
                ("samples", 20_000.0),
            ],
            25,
            1,
        );
        for (t, ((e, _), (s, tau))) in exact.iter().zip(&sampled).enumerate() {
            assert!(
                (e - s).abs() < 0.02,
                "step {t}: exact {e}, sampled {s} (τ {tau})"
            );
            assert!(*tau < 0.05, "step {t}: critic error {tau}");
        }
        assert!(sampled[24].0 < 0.01 * sampled[0].0, "{sampled:?}");
    }

    /// Fewer draws, a larger critic error: τ averaged over the run and 3 seeds falls more than
    /// 3× from 50 to 5 000 draws a pair.
    #[test]
    fn the_critic_error_falls_with_the_samples() {
        let mean_tau = |samples: f64| {
            (0..3u64)
                .map(|seed| {
                    let run = gaps(
                        "srpmd",
                        &[("step_size", 1.0), ("samples", samples)],
                        10,
                        seed,
                    );
                    run.iter().map(|&(_, tau)| tau).sum::<f64>() / run.len() as f64
                })
                .sum::<f64>()
                / 3.0
        };
        let (coarse, fine) = (mean_tau(50.0), mean_tau(5_000.0));
        assert!(fine < coarse / 3.0, "{coarse} -> {fine}");
    }

    #[test]
    fn refuses_worlds_that_are_not_robust_and_bad_parameters() {
        let plain = GarnetParams::default().build().unwrap();
        let problem = crate::exact::Problem::new(plain).unwrap();
        let message = run_named("srpmd", &[], &problem, 3, 0, |_, _| {})
            .unwrap_err()
            .to_string();
        assert!(message.contains("srpmd"), "{message}");
        assert!(StochasticRobustPmd::new(1.0, 1.0, 0).is_err());
        assert!(StochasticRobustPmd::new(1.0, 0.5, 10).is_err());
    }
}
