//! The hard chain of Li, Wei, Chi, Gu & Chen (2021/2023), "Softmax policy gradient methods can take
//! exponential time to converge" (arXiv 2102.11270; Math. Programming 201:707–802): an MDP on
//! which exact softmax policy gradient from the uniform policy and uniform ρ needs
//! (1/η)·|S|^{2^{Ω(1/(1−γ))}} iterations (their Theorem 1), while value iteration needs |S| steps.
//!
//! **Provenance.** The paper's body was not available to us; this generator follows the
//! structure, parameters and optimal values reported from it (state sets, τ_s, r_s, p, V*), and
//! fills in the exact rewards of the sub-optimal actions so that all of those facts hold. The
//! reconstruction, its sources and what is unconfirmed are in `paper-notes/li2021-hard-chain.md`.
//!
//! Actions a0, a1, a2 (a1 is optimal everywhere); "→ x" is a deterministic move. With
//! τ_s = ½·γ^{2s/3}, r_s = ½·γ^{2s/3 + 5/6} and p = c_p·(1−γ):
//! - 0: absorbing, a0 only, reward 0.
//! - buffers S_1 (n₁ copies): a0 → 0 paying −γ², a1 → 0 paying +γ².
//! - buffers S_2 (n₂ copies): a0 → 0 paying −γ⁴, a1 → 0 paying +γ⁴.
//! - adjoint s̄, 1 ≤ s ≤ H: a0 → 0 paying γ·τ_s; a1 → s (s ≥ 3), uniformly into S_1 (s = 1) or
//!   S_2 (s = 2), paying 0.
//! - primary s, 3 ≤ s ≤ H: a0 → 0 paying r_s + γ²·p·τ_{s−2}; a1 → \overline{s−1} paying 0;
//!   a2 → \overline{s−2} with probability p, else → 0, paying r_s.
//! - boosters: m copies per primary and adjoint state x, a0 only, → x paying 0 (they feed
//!   visitation into x).
//!
//! Then V*(S_1) = γ², V*(S_2) = γ⁴, V*(s) = γ^{2s}, V*(s̄) = γ^{2s+1} and a booster of x has
//! γ·V*(x). [`HardChainParams::build`] refuses (γ, H) for which a1 would stop being optimal.

use crate::core::checks::{require, require_probability};
use crate::core::error::{Error, Result};
use crate::world::{ActionNames, Horizon, MdpSpec, Outcome, TabularMdp};

#[derive(Debug, Clone, PartialEq, serde::Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct HardChainParams {
    /// Discount γ (0.95).
    pub gamma: f64,
    /// Chain length H ≥ 3: primary states 3..H, adjoint states 1̄..H̄ (8).
    pub length: usize,
    /// Copies of each buffer set S_1 and S_2 (50).
    pub buffer_copies: usize,
    /// Booster states per primary and adjoint state (20).
    pub boosters: usize,
    /// c_p in p = c_p·(1−γ) (0.1).
    pub c_p: f64,
}

impl Default for HardChainParams {
    fn default() -> Self {
        HardChainParams {
            gamma: 0.95,
            length: 8,
            buffer_copies: 50,
            boosters: 20,
            c_p: 0.1,
        }
    }
}

/// Roles of the states, in index order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    Absorbing,
    Buffer1(usize),
    Buffer2(usize),
    Primary(usize),
    Adjoint(usize),
    Booster { of: usize, copy: usize },
}

impl HardChainParams {
    /// τ_s = ½·γ^{2s/3}.
    pub fn threshold(&self, s: usize) -> f64 {
        0.5 * self.gamma.powf(2.0 * s as f64 / 3.0)
    }

    /// r_s = ½·γ^{2s/3 + 5/6}.
    pub fn primary_reward(&self, s: usize) -> f64 {
        0.5 * self.gamma.powf(2.0 * s as f64 / 3.0 + 5.0 / 6.0)
    }

    /// p = c_p·(1−γ).
    pub fn p(&self) -> f64 {
        self.c_p * (1.0 - self.gamma)
    }

    /// The role of every state, in index order.
    pub fn roles(&self) -> Vec<Role> {
        let h = self.length;
        let mut roles = vec![Role::Absorbing];
        roles.extend((0..self.buffer_copies).map(Role::Buffer1));
        roles.extend((0..self.buffer_copies).map(Role::Buffer2));
        roles.extend((3..=h).map(Role::Primary));
        roles.extend((1..=h).map(Role::Adjoint));
        let chain = roles.len();
        for of in (1 + 2 * self.buffer_copies)..chain {
            roles.extend((0..self.boosters).map(|copy| Role::Booster { of, copy }));
        }
        roles
    }

    /// V*(state) in closed form.
    pub fn optimal_values(&self) -> Vec<f64> {
        let g = self.gamma;
        let roles = self.roles();
        let value = |role: Role| match role {
            Role::Absorbing => 0.0,
            Role::Buffer1(_) => g.powi(2),
            Role::Buffer2(_) => g.powi(4),
            Role::Primary(s) => g.powi(2 * s as i32),
            Role::Adjoint(s) => g.powi(2 * s as i32 + 1),
            Role::Booster { .. } => f64::NAN,
        };
        roles
            .iter()
            .map(|&role| match role {
                Role::Booster { of, .. } => g * value(roles[of]),
                other => value(other),
            })
            .collect()
    }

    pub fn build(&self) -> Result<TabularMdp> {
        let g = self.gamma;
        require(g > 0.0 && g < 1.0, "gamma", g, "0 < gamma < 1")?;
        require(
            self.length >= 3,
            "length",
            self.length,
            "a chain length of at least 3",
        )?;
        require(
            self.buffer_copies >= 1,
            "buffer-copies",
            self.buffer_copies,
            "at least 1",
        )?;
        require_probability(self.p(), "c-p (as p = c_p (1 - gamma))")?;
        require(self.c_p > 0.0, "c-p", self.c_p, "a positive constant")?;
        let h = self.length;
        let p = self.p();
        // a1 must stay optimal: γ^{2s} beats both other actions of primary s, γ^{2s+1} beats γτ_s.
        for s in 3..=h {
            let best_other = (self.primary_reward(s) + g * g * p * self.threshold(s - 2))
                .max(self.primary_reward(s) + p * g.powi(2 * s as i32 - 2));
            if g.powi(2 * s as i32) <= best_other
                || g.powi(2 * s as i32 + 1) <= g * self.threshold(s)
            {
                return Err(Error::invalid(
                    "length",
                    format!("found {h}: with gamma = {g}, a1 is no longer optimal at state {s}"),
                    format!("a shorter chain (at most {}) or a larger gamma", s - 1),
                ));
            }
        }
        let roles = self.roles();
        let n = roles.len();
        let first_buffer1 = 1;
        let first_buffer2 = 1 + self.buffer_copies;
        let primary = |s: usize| 1 + 2 * self.buffer_copies + (s - 3);
        let adjoint = |s: usize| 1 + 2 * self.buffer_copies + (h - 2) + (s - 1);
        let to = |next: usize, reward: f64| vec![Outcome::new(1.0, next, reward, false)];
        let spread = |first: usize, reward: f64| {
            let k = self.buffer_copies;
            (first..first + k)
                .map(|b| Outcome::new(1.0 / k as f64, b, reward, false))
                .collect::<Vec<_>>()
        };
        let transitions = roles
            .iter()
            .map(|&role| match role {
                Role::Absorbing => vec![vec![Outcome::new(1.0, 0, 0.0, true)], vec![], vec![]],
                Role::Buffer1(_) => vec![to(0, -g * g), to(0, g * g), vec![]],
                Role::Buffer2(_) => vec![to(0, -g.powi(4)), to(0, g.powi(4)), vec![]],
                Role::Adjoint(s) => {
                    let a1 = match s {
                        1 => spread(first_buffer1, 0.0),
                        2 => spread(first_buffer2, 0.0),
                        _ => to(primary(s), 0.0),
                    };
                    vec![to(0, g * self.threshold(s)), a1, vec![]]
                }
                Role::Primary(s) => {
                    let r = self.primary_reward(s);
                    vec![
                        to(0, r + g * g * p * self.threshold(s - 2)),
                        to(adjoint(s - 1), 0.0),
                        vec![
                            Outcome::new(p, adjoint(s - 2), r, false),
                            Outcome::new(1.0 - p, 0, r, false),
                        ],
                    ]
                }
                Role::Booster { of, .. } => vec![to(of, 0.0), vec![], vec![]],
            })
            .collect();
        let name_of = |role: Role| match role {
            Role::Absorbing => "0".to_string(),
            Role::Buffer1(k) => format!("S1.{k}"),
            Role::Buffer2(k) => format!("S2.{k}"),
            Role::Primary(s) => format!("s{s}"),
            Role::Adjoint(s) => format!("bar{s}"),
            Role::Booster { of, copy } => format!(
                "boost.{}.{copy}",
                match roles[of] {
                    Role::Primary(s) => format!("s{s}"),
                    Role::Adjoint(s) => format!("bar{s}"),
                    _ => "?".to_string(),
                }
            ),
        };
        TabularMdp::new(MdpSpec {
            name: format!("li2021-chain-H{h}"),
            description: format!(
                "Li et al. (2021) hard chain (reconstruction): gamma {g}, H {h}, {} buffer copies, \
                 {} boosters per chain state, c_p {}",
                self.buffer_copies, self.boosters, self.c_p
            ),
            n_states: n,
            n_actions: 3,
            horizon: Horizon::Discounted { gamma: g },
            initial: vec![1.0 / n as f64; n],
            transitions,
            action_rewards: None,
            state_names: Some(roles.iter().map(|&r| name_of(r)).collect()),
            action_names: ActionNames::Shared(vec!["a0".into(), "a1".into(), "a2".into()]),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refuses_chains_on_which_a1_is_not_optimal() {
        let too_long = HardChainParams {
            gamma: 0.9,
            length: 8,
            ..HardChainParams::default()
        };
        let message = too_long.build().unwrap_err().to_string();
        assert!(message.contains("a1 is no longer optimal"), "{message}");
        let fine = HardChainParams {
            gamma: 0.9,
            length: 4,
            ..HardChainParams::default()
        };
        assert!(fine.build().is_ok());
    }

    #[test]
    fn counts_states_as_the_construction_does() {
        // 1 + |S1| + |S2| + (H − 2) primary + H adjoint + (2H − 2)·m boosters.
        let params = HardChainParams {
            length: 6,
            buffer_copies: 4,
            boosters: 3,
            ..HardChainParams::default()
        };
        let mdp = params.build().unwrap();
        assert_eq!(mdp.n_states(), 1 + 8 + 4 + 6 + 10 * 3);
    }
}
