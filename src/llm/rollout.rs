//! One RL step's samples — G responses to each of B prompts — and what is measured on them,
//! under the names the tabular side uses.
//!
//! - `reward`: the mean reward of the responses.
//! - `entropy`: the policy entropy of Cui et al. 2025 ("The Entropy Mechanism of Reinforcement
//!   Learning for Reasoning Language Models", arXiv 2505.22617, Eq. 5, as we read it): the
//!   full-vocabulary entropy of each next-token distribution, averaged over the tokens of a
//!   response, then over the responses,
//!   H = (1/|D|) Σ_{y∈D} (1/|y|) Σ_t H(π(·|x, y_<t)).
//! - `cov_token`: the batch covariance of log π(y_t) and A over all response tokens,
//!   (1/N) Σ_t (log π(y_t) − mean)(A_t − mean A) — the quantity Clip-Cov and KL-Cov rank tokens by
//!   ([`crate::objective::covariance`]), summarized by its mean.
//! - `entropy_token`: the flat mean over all response tokens of the batch, what the authors' code
//!   logs (Eq. 5 weighs short responses more).
//! - `cov_group`: within each group, the covariance over its G responses of the length-normalised
//!   log-probability (1/|y|)·Σ_t log π(y_t) and the advantage, averaged over groups — the paper's
//!   check of its theory in §3.3 (Eqs. 8–9, Fig. 8): a prompt is a state, a whole response an
//!   action, and the tabular result ΔH ≈ −η·Cov(log π, A) (Theorem 2, natural PG) applies.
//! - `pass@k`: the unbiased estimator of Chen et al. 2021 per prompt, averaged over prompts.
//! - `groups_informative`: the share of groups whose rewards are not all equal; only they carry
//!   a gradient under group-relative advantages, and Cui et al. (following DAPO) filter out the
//!   others.

use crate::core::error::{Error, Result};
use crate::estimator::group::{GroupAdvantage, group_advantages};

/// One sampled response with what the sampler measured at each of its tokens.
#[derive(Debug, Clone, PartialEq)]
pub struct Response {
    /// The response tokens, including the end-of-sequence token when one was emitted.
    pub tokens: Vec<u32>,
    /// log π_old(y_t | x, y_<t) of each token under the sampling policy.
    pub log_probs: Vec<f64>,
    /// The full-vocabulary entropy of each token's distribution.
    pub entropies: Vec<f64>,
    /// The task's score of the decoded response.
    pub reward: f64,
    /// Whether the response ended with the end-of-sequence token within the budget.
    pub finished: bool,
}

/// G responses to one prompt.
#[derive(Debug, Clone, PartialEq)]
pub struct Group {
    /// Index of the prompt in the step's batch.
    pub prompt: usize,
    pub responses: Vec<Response>,
}

impl Group {
    fn rewards(&self) -> Vec<f64> {
        self.responses.iter().map(|r| r.reward).collect()
    }

    /// Whether the group's rewards differ (so its advantages are not all zero).
    pub fn is_informative(&self) -> bool {
        self.responses
            .iter()
            .any(|r| r.reward != self.responses[0].reward)
    }
}

/// The measurements of one step's samples.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RolloutStats {
    pub reward: f64,
    pub entropy: f64,
    pub entropy_token: f64,
    pub response_length: f64,
    pub finished: f64,
    pub cov_token: f64,
    pub cov_group: f64,
    pub groups_informative: f64,
}

/// Group-relative advantages of every response, group by group ([`group_advantages`]).
pub fn advantages(groups: &[Group], kind: GroupAdvantage) -> Result<Vec<Vec<f64>>> {
    groups
        .iter()
        .map(|g| group_advantages(&g.rewards(), kind))
        .collect()
}

/// The measurements listed in the module documentation; `advantages` as from [`advantages`].
pub fn rollout_stats(groups: &[Group], advantages: &[Vec<f64>]) -> Result<RolloutStats> {
    let responses: Vec<&Response> = groups.iter().flat_map(|g| &g.responses).collect();
    if responses.is_empty() {
        return Err(Error::invalid(
            "groups",
            "found no responses",
            "expected at least one group of responses",
        ));
    }
    if let Some(i) = responses.iter().position(|r| r.tokens.is_empty()) {
        return Err(Error::invalid(
            format!("responses[{i}]"),
            "found an empty response",
            "expected at least one token (the end-of-sequence token counts)",
        ));
    }
    let n = responses.len() as f64;
    let mean = |f: &dyn Fn(&Response) -> f64| responses.iter().map(|r| f(r)).sum::<f64>() / n;
    let reward = mean(&|r| r.reward);
    let entropy = mean(&|r| r.entropies.iter().sum::<f64>() / r.entropies.len() as f64);
    let response_length = mean(&|r| r.tokens.len() as f64);
    let tokens: usize = responses.iter().map(|r| r.entropies.len()).sum();
    let entropy_token = responses.iter().flat_map(|r| &r.entropies).sum::<f64>() / tokens as f64;
    let finished = mean(&|r| if r.finished { 1.0 } else { 0.0 });

    // Token covariance over the whole batch.
    let mut pairs: Vec<(f64, f64)> = Vec::new();
    for (group, group_advantages) in groups.iter().zip(advantages) {
        for (response, advantage) in group.responses.iter().zip(group_advantages) {
            pairs.extend(response.log_probs.iter().map(|lp| (*lp, *advantage)));
        }
    }
    let cov_token = covariance(&pairs);
    // Sequence covariance within each group, averaged.
    let mut group_covariances = Vec::new();
    for (group, group_advantages) in groups.iter().zip(advantages) {
        let pairs: Vec<(f64, f64)> = group
            .responses
            .iter()
            .zip(group_advantages)
            .map(|(r, a)| {
                let mean_log_prob = r.log_probs.iter().sum::<f64>() / r.log_probs.len() as f64;
                (mean_log_prob, *a)
            })
            .collect();
        group_covariances.push(covariance(&pairs));
    }
    let cov_group = group_covariances.iter().sum::<f64>() / group_covariances.len() as f64;
    let groups_informative =
        groups.iter().filter(|g| g.is_informative()).count() as f64 / groups.len() as f64;
    Ok(RolloutStats {
        reward,
        entropy,
        entropy_token,
        response_length,
        finished,
        cov_token,
        cov_group,
        groups_informative,
    })
}

/// (1/n) Σ (x − x̄)(y − ȳ), the population covariance (0 for fewer than one pair).
pub fn covariance(pairs: &[(f64, f64)]) -> f64 {
    if pairs.is_empty() {
        return 0.0;
    }
    let n = pairs.len() as f64;
    let mean_x = pairs.iter().map(|p| p.0).sum::<f64>() / n;
    let mean_y = pairs.iter().map(|p| p.1).sum::<f64>() / n;
    pairs
        .iter()
        .map(|(x, y)| (x - mean_x) * (y - mean_y))
        .sum::<f64>()
        / n
}

#[cfg(test)]
mod tests {
    use super::*;

    fn response(log_probs: &[f64], entropies: &[f64], reward: f64) -> Response {
        Response {
            tokens: vec![5; log_probs.len()],
            log_probs: log_probs.to_vec(),
            entropies: entropies.to_vec(),
            reward,
            finished: true,
        }
    }

    #[test]
    fn entropy_averages_within_responses_first() {
        // Response 1: one token of entropy 2; response 2: three tokens of entropy 0. Eq. 5 gives
        // (2 + 0)/2 = 1, while a plain token mean would give 2/4 = 0.5.
        let groups = vec![Group {
            prompt: 0,
            responses: vec![
                response(&[-0.1], &[2.0], 1.0),
                response(&[-0.2, -0.3, -0.4], &[0.0, 0.0, 0.0], 0.0),
            ],
        }];
        let adv = advantages(&groups, GroupAdvantage::DrGrpo).expect("advantages");
        let stats = rollout_stats(&groups, &adv).expect("stats");
        assert_eq!(stats.entropy, 1.0);
        assert_eq!(stats.entropy_token, 0.5);
        assert_eq!(stats.reward, 0.5);
        assert_eq!(stats.response_length, 2.0);
        assert_eq!(stats.groups_informative, 1.0);
    }

    #[test]
    fn covariances_by_hand() {
        // Dr.GRPO advantages of rewards (1, 0): (+0.5, −0.5).
        let groups = vec![
            Group {
                prompt: 0,
                responses: vec![
                    response(&[-1.0, -1.0], &[0.5, 0.5], 1.0),
                    response(&[-3.0], &[0.5], 0.0),
                ],
            },
            Group {
                prompt: 1,
                responses: vec![
                    response(&[-2.0], &[0.1], 1.0),
                    response(&[-2.0], &[0.1], 1.0),
                ],
            },
        ];
        let adv = advantages(&groups, GroupAdvantage::DrGrpo).expect("advantages");
        assert_eq!(adv, vec![vec![0.5, -0.5], vec![0.0, 0.0]]);
        let stats = rollout_stats(&groups, &adv).expect("stats");
        // Tokens (log π, A): (−1, .5), (−1, .5), (−3, −.5), (−2, 0), (−2, 0); means −1.8 and 0.1.
        // Σ (x − x̄)(y − ȳ) = 2·(0.8·0.4) + (−1.2)(−0.6) + 2·(−0.2)(−0.1) = 0.64 + 0.72 + 0.04.
        assert!(
            (stats.cov_token - 1.4 / 5.0).abs() < 1e-12,
            "{}",
            stats.cov_token
        );
        // Group 0: mean token log-probs (−1, −3) against (0.5, −0.5): covariance
        // ((1)(0.5) + (−1)(−0.5))/2 = 0.5 around the means (−2, 0); group 1: 0. Mean 0.25.
        assert!(
            (stats.cov_group - 0.25).abs() < 1e-12,
            "{}",
            stats.cov_group
        );
        assert_eq!(stats.groups_informative, 0.5);
    }

    #[test]
    fn empty_inputs_are_errors() {
        assert!(rollout_stats(&[], &[]).is_err());
        let groups = vec![Group {
            prompt: 0,
            responses: vec![response(&[], &[], 1.0), response(&[-1.0], &[0.0], 0.0)],
        }];
        let adv = advantages(&groups, GroupAdvantage::Grpo).expect("advantages");
        let error = rollout_stats(&groups, &adv).expect_err("an empty response");
        assert!(error.to_string().contains("responses[0]"), "{error}");
    }
}
