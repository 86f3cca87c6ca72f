//! Group-relative advantages: GRPO (Shao et al. 2024, "DeepSeekMath: pushing the limits of
//! mathematical reasoning in open language models", §4.1.2, outcome supervision) and Dr.GRPO
//! (Liu et al. 2025, "Understanding R1-Zero-like training: a critical perspective").
//!
//! A group is G episodes from one start state s₀ (drawn once from ρ), with returns R_1 … R_G.
//! Instead of a learned value, the group itself is the baseline:
//!
//! - GRPO: Â_i = (R_i − mean(R)) / (std(R) + ε);
//! - Dr.GRPO: Â_i = R_i − mean(R), no division.
//!
//! Every step of episode i gets Â_i, and the estimate is the group mean
//! (1/G)·Σ_i Â_i·Σ_t ∇log π(a_{i,t}|s_{i,t}), averaged over groups. Steps are summed, not
//! averaged per episode (Dr.GRPO also drops GRPO's 1/|o_i| length normalization; here only the
//! advantage differs between the two).
//!
//! **Standard deviation.** std is the sample standard deviation with Bessel's correction,
//! √(Σ_i (R_i − mean)²/(G − 1)), which is `torch.std`'s default; ε = [`GRPO_STD_EPSILON`] = 1e-8
//! is added to it. When all returns of a group are equal, every Â_i is set to exactly 0 (the
//! rounding of the mean could otherwise leave tiny deviations divided by a tiny std).
//!
//! **Dr.GRPO is biased by exactly the factor (1 − 1/G).** Let S_i = Σ_t ∇log π(a_{i,t}|s_{i,t}).
//! Episodes of a group are independent given s₀ and E\[S_j\] = 0, so E[R_j·S_i | s₀] = 0 for
//! j ≠ i, while E[R_i·S_i | s₀] = ∇_θ V^π(s₀) (REINFORCE with the whole return). Since the mean
//! contains R_i itself with weight 1/G,
//!
//! E[(R_i − mean(R))·S_i | s₀] = (1 − 1/G)·∇V^π(s₀), hence E\[estimate\] = (1 − 1/G)·∇J.
//!
//! The direction is right but the step shrinks, by half when G = 2. (The leave-one-out mean,
//! RLOO, equals G/(G − 1) times Dr.GRPO and is unbiased.)
//!
//! GRPO's division by the group's std is a nonlinear function of all R_j, so its expectation
//! has no closed form in general; it is invariant to R → a·R + b with a > 0 (up to ε). Two
//! special cases do have one (ε neglected):
//!
//! - G = 2: whenever R_1 ≠ R_2, Â = ±1/√2 (the sign of R_i − R_j), so on a one-state bandit with
//!   deterministic, distinct arm rewards μ_a the expected estimate is a rank gradient,
//!   ∂/∂θ(a): π(a)·(Pr_{b~π}\[μ_b < μ_a\] − Pr_{b~π}\[μ_b > μ_a\])/√2, blind to the reward gaps;
//! - 0/1 rewards with G ∈ {2, 3}: every group that is not unanimous has the same std (1/√2,
//!   resp. 1/√3), so GRPO = Dr.GRPO/std and E\[GRPO\] = (1 − 1/G)/std·∇J: ∇J/√2 for G = 2,
//!   (2/√3)·∇J for G = 3.

use ndarray::ArrayView2;
use rand::Rng;

use super::batch::Batch;
use super::rollout::{Episode, run_episode};
use crate::core::error::{Error, Result};
use crate::exact::check_policy;
use crate::world::TabularMdp;

/// ε added to the group's standard deviation in GRPO.
pub const GRPO_STD_EPSILON: f64 = 1e-8;

/// How a group's returns become advantages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GroupAdvantage {
    /// (R_i − mean) / (std + ε), Shao et al. 2024.
    Grpo,
    /// R_i − mean, Liu et al. 2025.
    DrGrpo,
}

/// The advantages of one group with returns `returns` (at least two).
pub fn group_advantages(returns: &[f64], kind: GroupAdvantage) -> Result<Vec<f64>> {
    if returns.len() < 2 {
        return Err(Error::invalid(
            "group",
            format!("found {} returns", returns.len()),
            "expected a group of at least 2 episodes",
        ));
    }
    if let Some((i, r)) = returns.iter().enumerate().find(|(_, r)| !r.is_finite()) {
        return Err(Error::invalid(
            format!("returns[{i}]"),
            format!("found {r}"),
            "returns must be finite",
        ));
    }
    if returns.iter().all(|&r| r == returns[0]) {
        return Ok(vec![0.0; returns.len()]);
    }
    let g = returns.len() as f64;
    let mean = returns.iter().sum::<f64>() / g;
    let deviations = returns.iter().map(|&r| r - mean);
    Ok(match kind {
        GroupAdvantage::DrGrpo => deviations.collect(),
        GroupAdvantage::Grpo => {
            let variance = returns.iter().map(|&r| (r - mean).powi(2)).sum::<f64>() / (g - 1.0);
            let scale = variance.sqrt() + GRPO_STD_EPSILON;
            deviations.map(|d| d / scale).collect()
        }
    })
}

/// `groups` groups of `group_size` episodes, each group from one s₀ ~ ρ, with group-relative
/// advantages; [`Batch::mean_gradient`] is the estimate (1/G)·Σ_i Â_i·S_i averaged over groups.
pub fn group_batch<R: Rng + ?Sized>(
    mdp: &TabularMdp,
    policy: ArrayView2<'_, f64>,
    kind: GroupAdvantage,
    group_size: usize,
    groups: usize,
    rng: &mut R,
) -> Result<Batch> {
    if group_size < 2 {
        return Err(Error::invalid(
            "group_size",
            format!("found {group_size}"),
            "expected at least 2 episodes per group",
        ));
    }
    check_policy(mdp, policy)?;
    let mut batch = Batch::new();
    for _ in 0..groups {
        let start = mdp.sample_initial(rng);
        let episodes = (0..group_size)
            .map(|_| run_episode(mdp, policy, start, rng))
            .collect::<Vec<Episode>>();
        let returns: Vec<f64> = episodes.iter().map(Episode::sampled_return).collect();
        let advantages = group_advantages(&returns, kind)?;
        for (episode, &advantage) in episodes.iter().zip(&advantages) {
            batch.push_episode(episode, &vec![advantage; episode.len()], policy)?;
        }
    }
    Ok(batch)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dr_grpo_centres_and_grpo_scales() {
        let returns = [1.0, 0.0, 0.0, 3.0];
        let dr = group_advantages(&returns, GroupAdvantage::DrGrpo).unwrap();
        assert_eq!(dr, vec![0.0, -1.0, -1.0, 2.0]);
        let grpo = group_advantages(&returns, GroupAdvantage::Grpo).unwrap();
        let std = (6.0f64 / 3.0).sqrt();
        for (a, d) in grpo.iter().zip(&dr) {
            assert!((a - d / (std + GRPO_STD_EPSILON)).abs() < 1e-15);
        }
    }

    #[test]
    fn grpo_is_affine_invariant_and_two_returns_give_plus_minus_one_over_root_two() {
        let returns = [0.2, 1.7, -0.4];
        let shifted: Vec<f64> = returns.iter().map(|r| 3.0 * r - 5.0).collect();
        let a = group_advantages(&returns, GroupAdvantage::Grpo).unwrap();
        let b = group_advantages(&shifted, GroupAdvantage::Grpo).unwrap();
        for (x, y) in a.iter().zip(&b) {
            assert!((x - y).abs() < 1e-7);
        }
        let pair = group_advantages(&[1.0, 0.0], GroupAdvantage::Grpo).unwrap();
        assert!((pair[0] - std::f64::consts::FRAC_1_SQRT_2).abs() < 1e-7);
        assert!((pair[1] + std::f64::consts::FRAC_1_SQRT_2).abs() < 1e-7);
    }

    #[test]
    fn equal_returns_give_zero_and_bad_groups_are_errors() {
        let same = group_advantages(&[0.1, 0.1, 0.1], GroupAdvantage::Grpo).unwrap();
        assert_eq!(same, vec![0.0; 3]);
        assert!(group_advantages(&[1.0], GroupAdvantage::DrGrpo).is_err());
        assert!(group_advantages(&[1.0, f64::NAN], GroupAdvantage::Grpo).is_err());
    }
}
