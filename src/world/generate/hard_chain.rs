//! The hard chain of Li, Wei, Chi & Chen (2023), "Softmax policy gradient methods can take
//! exponential time to converge" (Mathematical Programming 201:707–802; arXiv 2102.11270, revised
//! December 2022; COLT 2021 with Yuantao Gu): an MDP on which exact softmax policy gradient from
//! the uniform policy and uniform ρ needs (c₁/η)·|S|^{2^{c₂/(1−γ)}} iterations (their Theorem 1),
//! while value iteration needs |S| steps (their Lemma 1).
//!
//! Built as the paper's §3 writes it (eqs. (14)–(24); the modified boosters of §4.3 Step 7, eqs.
//! (54)–(55)); `paper-notes/li2021-hard-chain.md` gives the equation of every number. Actions a0,
//! a1, a2 (a1 is optimal in every state but 0); "→ x" is a deterministic move. With
//! τ_s = ½·γ^{2s/3}, r_s = ½·γ^{2s/3 + 5/6} and p = c_p·(1−γ) (eq. (18)):
//! - 0: absorbing, a0 only, reward 0 (eq. (19)).
//! - key primary s, 3 ≤ s ≤ H (eq. (20)): a0 → 0 paying r_s + γ²·p·τ_{s−2}; a1 → \overline{s−1}
//!   paying 0; a2 → \overline{s−2} with probability p, else → 0, paying r_s.
//! - key adjoint s̄, 1 ≤ s ≤ H (eqs. (21), (23)): a0 → 0 paying γ·τ_s; a1 → s (s ≥ 3),
//!   uniformly into S_1 (s = 1) or S_2 (s = 2), paying 0.
//! - key buffers (eq. (22)): S_1 (copies of "state 1"): a0 → 0 paying −γ², a1 → 0 paying +γ²;
//!   S_2: the same with ∓γ⁴.
//! - boosters (eq. (24)): 2H sets Ŝ_1, …, Ŝ_H, Ŝ_1̄, …, Ŝ_H̄ of m states each; a booster of
//!   Ŝ_1 (Ŝ_2) moves by a1 uniformly into S_1 (S_2), one of Ŝ_s or Ŝ_s̄ moves by a1 to s or s̄,
//!   paying 0. In the **modified** chain (Step 7, the MDP of the average-error Theorem 1) the
//!   boosters of primary and adjoint states also have a0: → 0 with probability 0.9, else to their
//!   state, paying 0.9·γ·τ_s (primary) or 0.9·γ²·τ_s (adjoint).
//!
//! Then V*(S_1) = γ², V*(S_2) = γ⁴, V*(s) = γ^{2s}, V*(s̄) = γ^{2s+1} (Lemma 1) and a booster of
//! x has γ·V*(x). [`HardChainParams::build`] refuses (γ, H) for which a1 would stop being optimal
//! (Lemma 1 assumes γ^{2H} ≥ 2/3, which is sufficient).
//!
//! **Sizes.** The paper sets |S_1| = c_{b,1}(1−γ)|S|, |S_2| = c_{b,2}(1−γ)|S|, m = c_m(1−γ)|S|
//! and H = c_h/(1−γ) (eqs. (15)–(17)) with the constants of eq. (35): c_m < 1, c_h < 0.19,
//! c_m·c_h > 0.18, c_{b,1}/c_m ≤ 1/79776, 8 ≤ c_{b,2}/c_m ≤ 15, c_p < 1/2016. The listed sets
//! then fill only part of |S| (boosters 2c_m·c_h|S| < 0.38|S|, buffers at most
//! (c_{b,1} + c_{b,2})(1−γ)|S| ≤ 15.001·c_m(1−γ)|S|, and 2H − 1 key states) and the paper does not
//! say what the rest is; here the rest are `filler` copies of the absorbing state 0,
//! which only carry their share of the uniform ρ (policylab's choice). The counts are given
//! directly; [`HardChainParams::paper_proportions`] computes them from the paper's constants.

use crate::core::checks::{require, require_probability};
use crate::core::error::{Error, Result};
use crate::world::{ActionNames, Horizon, MdpSpec, Outcome, TabularMdp};

#[derive(Debug, Clone, PartialEq, serde::Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct HardChainParams {
    /// Discount γ (0.97).
    pub gamma: f64,
    /// Chain length H ≥ 3: primary states 3..H, adjoint states 1̄..H̄ (6).
    pub length: usize,
    /// |S_1|, copies of buffer state 1 (1).
    pub buffer1: usize,
    /// |S_2|, copies of buffer state 2 (32).
    pub buffer2: usize,
    /// m, the size of each of the 2H booster sets (4).
    pub boosters: usize,
    /// c_p in p = c_p·(1−γ) (0.00047 < 1/2016).
    pub c_p: f64,
    /// The boosters of Step 7 (two actions), the MDP of the average-error Theorem 1 (true), or
    /// the single-action boosters of the original construction (Theorem 2).
    pub modified_boosters: bool,
    /// |S|: when larger than the listed sets, the rest are absorbing filler states (136; 0 for
    /// none).
    pub states: usize,
}

impl Default for HardChainParams {
    /// The paper's proportions at γ = 0.97 and m = 4 ([`HardChainParams::paper_proportions`]).
    fn default() -> Self {
        HardChainParams {
            gamma: 0.97,
            length: 6,
            buffer1: 1,
            buffer2: 32,
            boosters: 4,
            c_p: 0.00047,
            modified_boosters: true,
            states: 136,
        }
    }
}

/// The chain at the paper's proportions (an experiment file's `params = { paper_states = N }`):
/// H and every set size follow from |S| by [`HardChainParams::paper_proportions`].
#[derive(Debug, Clone, PartialEq, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PaperChainParams {
    pub gamma: f64,
    /// |S|.
    pub paper_states: usize,
    #[serde(default = "modified_by_default")]
    pub modified_boosters: bool,
}

fn modified_by_default() -> bool {
    true
}

impl PaperChainParams {
    /// The chain's parameters; refuses an |S| smaller than the sets it implies (then `build`
    /// checks the rest).
    pub fn params(&self) -> Result<HardChainParams> {
        let g = self.gamma;
        require(g > 0.0 && g < 1.0, "gamma", g, "0 < gamma < 1")?;
        let params = HardChainParams {
            modified_boosters: self.modified_boosters,
            ..HardChainParams::paper_proportions(self.gamma, self.paper_states)
        };
        if params.listed_states() > self.paper_states {
            return Err(Error::invalid(
                "paper_states",
                format!(
                    "found {}, fewer than the {} states of the sets it implies at gamma = {}",
                    self.paper_states,
                    params.listed_states(),
                    self.gamma
                ),
                format!("at least {}", params.listed_states()),
            ));
        }
        Ok(params)
    }
}

/// The chain state a booster set feeds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fed {
    /// Ŝ_1 or Ŝ_2: uniformly into S_1 or S_2.
    Buffers(usize),
    Primary(usize),
    Adjoint(usize),
}

/// Roles of the states, in index order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    Absorbing,
    Buffer1(usize),
    Buffer2(usize),
    Primary(usize),
    Adjoint(usize),
    Booster { of: Fed, copy: usize },
    Filler(usize),
}

impl HardChainParams {
    /// The counts of eqs. (15)–(17) at |S| = `states` from constants that satisfy eq. (35)
    /// where the size allows: c_h = 0.185 and c_m = 0.98 (c_m·c_h = 0.181 > 0.18),
    /// c_{b,2} = 8·c_m, c_p = 0.00047; |S_1| = max(1, c_{b,1}(1−γ)|S|) with c_{b,1} = c_m/79776,
    /// which is 1 below |S| ≈ 80 000/(1−γ), where c_{b,1}/c_m ≤ 1/79776 cannot hold.
    pub fn paper_proportions(gamma: f64, states: usize) -> HardChainParams {
        let (c_h, c_m) = (0.185, 0.98);
        // A γ outside (0, 1) gives counts that `build` then refuses with the γ error (the casts
        // saturate, so nothing here can fail).
        let scale = (1.0 - gamma) * states as f64;
        let count = |c: f64| ((c * scale).round() as usize).max(1);
        HardChainParams {
            gamma,
            length: (c_h / (1.0 - gamma)).floor() as usize,
            buffer1: count(c_m / 79_776.0),
            buffer2: count(8.0 * c_m),
            boosters: count(c_m),
            c_p: 0.00047,
            modified_boosters: true,
            states,
        }
    }

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

    /// The booster sets in order: Ŝ_1, Ŝ_2, Ŝ_3..Ŝ_H, Ŝ_1̄..Ŝ_H̄.
    fn fed(&self) -> Vec<Fed> {
        let h = self.length;
        let mut fed = vec![Fed::Buffers(1), Fed::Buffers(2)];
        fed.extend((3..=h).map(Fed::Primary));
        fed.extend((1..=h).map(Fed::Adjoint));
        fed
    }

    /// Number of states of the listed sets (without filler): 1 + |S_1| + |S_2| + (H − 2) + H
    /// + 2H·m.
    pub fn listed_states(&self) -> usize {
        // Saturating: sizes are checked against a limit after this count, and must not overflow
        // before it.
        let h = self.length;
        [
            1,
            self.buffer1,
            self.buffer2,
            h.saturating_sub(2),
            h,
            h.saturating_mul(2).saturating_mul(self.boosters),
        ]
        .into_iter()
        .fold(0usize, usize::saturating_add)
    }

    /// The role of every state, in index order.
    pub fn roles(&self) -> Vec<Role> {
        let h = self.length;
        let mut roles = vec![Role::Absorbing];
        roles.extend((0..self.buffer1).map(Role::Buffer1));
        roles.extend((0..self.buffer2).map(Role::Buffer2));
        roles.extend((3..=h).map(Role::Primary));
        roles.extend((1..=h).map(Role::Adjoint));
        for of in self.fed() {
            roles.extend((0..self.boosters).map(|copy| Role::Booster { of, copy }));
        }
        let listed = roles.len();
        roles.extend((0..self.states.saturating_sub(listed)).map(Role::Filler));
        roles
    }

    /// V*(state) in closed form (Lemma 1; a booster has γ·V* of what it feeds).
    pub fn optimal_values(&self) -> Vec<f64> {
        let g = self.gamma;
        let fed_value = |fed: Fed| match fed {
            Fed::Buffers(k) => g.powi(2 * k as i32),
            Fed::Primary(s) => g.powi(2 * s as i32),
            Fed::Adjoint(s) => g.powi(2 * s as i32 + 1),
        };
        self.roles()
            .iter()
            .map(|&role| match role {
                Role::Absorbing | Role::Filler(_) => 0.0,
                Role::Buffer1(_) => fed_value(Fed::Buffers(1)),
                Role::Buffer2(_) => fed_value(Fed::Buffers(2)),
                Role::Primary(s) => fed_value(Fed::Primary(s)),
                Role::Adjoint(s) => fed_value(Fed::Adjoint(s)),
                Role::Booster { of, .. } => g * fed_value(of),
            })
            .collect()
    }

    fn validate(&self) -> Result<()> {
        let g = self.gamma;
        require(g > 0.0 && g < 1.0, "gamma", g, "0 < gamma < 1")?;
        require(
            self.length >= 3,
            "length",
            self.length,
            "a chain length of at least 3",
        )?;
        require(self.buffer1 >= 1, "buffer1", self.buffer1, "at least 1")?;
        require(self.buffer2 >= 1, "buffer2", self.buffer2, "at least 1")?;
        require(self.c_p > 0.0, "c-p", self.c_p, "a positive constant")?;
        require_probability(self.p(), "c-p (as p = c_p (1 - gamma))")?;
        // Sizes first, so that no count can make the state list outgrow memory.
        // A chain state costs a few hundred bytes (outcome lists, its name): 10⁷ states is a few GB.
        const LIMIT: usize = 10_000_000;
        let parts = [
            self.buffer1,
            self.buffer2,
            self.length,
            self.boosters,
            self.states,
        ];
        if parts.iter().any(|&n| n > LIMIT)
            || self.listed_states().max(self.states) > LIMIT
            || 2 * self.length * self.boosters > LIMIT
        {
            return Err(Error::invalid(
                "states",
                format!(
                    "the chain would have more than {LIMIT} states (buffer1 {}, buffer2 {}, \
                     length {}, boosters {}, states {})",
                    self.buffer1, self.buffer2, self.length, self.boosters, self.states
                ),
                "fewer states",
            ));
        }
        let listed = self.listed_states();
        if self.states != 0 && self.states < listed {
            return Err(Error::invalid(
                "states",
                format!(
                    "found {}, fewer than the {listed} states of the listed sets",
                    self.states
                ),
                format!("0 (no filler) or at least {listed}"),
            ));
        }
        // a1 must stay optimal: γ^{2s} beats both other actions of primary s, γ^{2s+1} beats
        // γτ_s (which also makes a modified booster's a1 beat its a0: τ_s < γ^{2s}).
        let p = self.p();
        for s in 1..=self.length {
            let primary_others = (self.primary_reward(s)
                + g * g * p * self.threshold(s.max(3) - 2))
            .max(self.primary_reward(s) + p * g.powi(2 * s as i32 - 2));
            let fails = (s >= 3 && g.powi(2 * s as i32) <= primary_others)
                || g.powi(2 * s as i32 + 1) <= g * self.threshold(s);
            if fails {
                return Err(Error::invalid(
                    "length",
                    format!(
                        "found {}: with gamma = {g}, a1 is no longer optimal at state {s}",
                        self.length
                    ),
                    if s >= 4 {
                        format!("a shorter chain (at most {}) or a larger gamma", s - 1)
                    } else {
                        "a larger gamma (no chain of length >= 3 keeps a1 optimal at this one)"
                            .to_string()
                    },
                ));
            }
        }
        Ok(())
    }

    pub fn build(&self) -> Result<TabularMdp> {
        self.validate()?;
        let g = self.gamma;
        let h = self.length;
        let p = self.p();
        let roles = self.roles();
        let n = roles.len();
        let first_buffer1 = 1;
        let first_buffer2 = 1 + self.buffer1;
        let primary = |s: usize| 1 + self.buffer1 + self.buffer2 + (s - 3);
        let adjoint = |s: usize| 1 + self.buffer1 + self.buffer2 + (h - 2) + (s - 1);
        let to = |next: usize, reward: f64| vec![Outcome::new(1.0, next, reward, false)];
        let spread = |first: usize, count: usize| {
            (first..first + count)
                .map(|b| Outcome::new(1.0 / count as f64, b, 0.0, false))
                .collect::<Vec<_>>()
        };
        let into_buffers = |k: usize| match k {
            1 => spread(first_buffer1, self.buffer1),
            _ => spread(first_buffer2, self.buffer2),
        };
        // Step 7's a0 of a booster of x: → 0 w.p. 0.9, → x w.p. 0.1.
        let leak = |x: usize, reward: f64| {
            vec![
                Outcome::new(0.9, 0, reward, false),
                Outcome::new(0.1, x, reward, false),
            ]
        };
        let absorbing = || vec![vec![Outcome::new(1.0, 0, 0.0, true)], vec![], vec![]];
        let transitions = roles
            .iter()
            .map(|&role| match role {
                Role::Absorbing | Role::Filler(_) => absorbing(),
                Role::Buffer1(_) => vec![to(0, -g * g), to(0, g * g), vec![]],
                Role::Buffer2(_) => vec![to(0, -g.powi(4)), to(0, g.powi(4)), vec![]],
                Role::Adjoint(s) => {
                    let a1 = match s {
                        1 | 2 => into_buffers(s),
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
                Role::Booster { of, .. } => match of {
                    Fed::Buffers(k) => vec![vec![], into_buffers(k), vec![]],
                    Fed::Primary(s) if self.modified_boosters => vec![
                        leak(primary(s), 0.9 * g * self.threshold(s)),
                        to(primary(s), 0.0),
                        vec![],
                    ],
                    Fed::Adjoint(s) if self.modified_boosters => vec![
                        leak(adjoint(s), 0.9 * g * g * self.threshold(s)),
                        to(adjoint(s), 0.0),
                        vec![],
                    ],
                    Fed::Primary(s) => vec![vec![], to(primary(s), 0.0), vec![]],
                    Fed::Adjoint(s) => vec![vec![], to(adjoint(s), 0.0), vec![]],
                },
            })
            .collect();
        let fed_name = |fed: Fed| match fed {
            Fed::Buffers(k) => format!("S{k}"),
            Fed::Primary(s) => format!("s{s}"),
            Fed::Adjoint(s) => format!("bar{s}"),
        };
        let name_of = |role: Role| match role {
            Role::Absorbing => "0".to_string(),
            Role::Filler(k) => format!("0.{k}"),
            Role::Buffer1(k) => format!("S1.{k}"),
            Role::Buffer2(k) => format!("S2.{k}"),
            Role::Primary(s) => format!("s{s}"),
            Role::Adjoint(s) => format!("bar{s}"),
            Role::Booster { of, copy } => format!("boost.{}.{copy}", fed_name(of)),
        };
        TabularMdp::new(MdpSpec {
            name: format!("li2021-chain-H{h}"),
            description: format!(
                "Li et al. (2023) hard chain: gamma {g}, H {h}, |S1| {}, |S2| {}, {} boosters per \
                 set ({}), c_p {}, {n} states ({} filler)",
                self.buffer1,
                self.buffer2,
                self.boosters,
                if self.modified_boosters {
                    "modified, Step 7"
                } else {
                    "original"
                },
                self.c_p,
                n - self.listed_states().min(n)
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
            states: 0,
            ..HardChainParams::default()
        };
        let message = too_long.build().unwrap_err().to_string();
        assert!(message.contains("a1 is no longer optimal"), "{message}");
        let fine = HardChainParams {
            gamma: 0.9,
            length: 4,
            states: 0,
            ..HardChainParams::default()
        };
        assert!(fine.build().is_ok());
    }

    #[test]
    fn counts_states_as_the_construction_does() {
        // 1 + |S1| + |S2| + (H − 2) primary + H adjoint + 2H·m boosters (eq. (14)), then filler.
        let params = HardChainParams {
            length: 6,
            buffer1: 2,
            buffer2: 5,
            boosters: 3,
            states: 0,
            ..HardChainParams::default()
        };
        let mdp = params.build().unwrap();
        assert_eq!(mdp.n_states(), 1 + 2 + 5 + 4 + 6 + 12 * 3);
        let padded = HardChainParams {
            states: 100,
            ..params.clone()
        };
        assert_eq!(padded.build().unwrap().n_states(), 100);
        let short = HardChainParams {
            states: 40,
            ..params
        };
        let message = short.build().unwrap_err().to_string();
        assert!(message.contains("fewer than the 54 states"), "{message}");
    }

    #[test]
    fn paper_proportions_follow_equations_15_to_17() {
        // γ = 0.97, |S| = 136: H = ⌊0.185/0.03⌋ = 6, m = round(0.98·0.03·136) = 4,
        // |S_2| = round(7.84·0.03·136) = 32, |S_1| = 1 — the defaults.
        assert_eq!(
            HardChainParams::paper_proportions(0.97, 136),
            HardChainParams::default()
        );
        let params = HardChainParams::paper_proportions(0.99, 5000);
        assert_eq!(params.length, 18);
        assert_eq!(params.boosters, 49);
        // The boosters are a fraction 2·c_m·c_h ≈ 0.36 of the states, as in Step 7.
        let share = (2 * params.length * params.boosters) as f64 / 5000.0;
        assert!((share - 0.353).abs() < 0.01, "{share}");
        assert!(params.build().is_ok());
    }

    #[test]
    fn paper_sizes_need_room_for_their_sets() {
        // γ = 0.97, |S| = 20: H = 6, m = max(1, round(0.59)) = 1, |S_2| = round(4.7) = 5, so the
        // sets need 1 + 1 + 5 + 4 + 6 + 12 = 29 states.
        let small = PaperChainParams {
            gamma: 0.97,
            paper_states: 20,
            modified_boosters: true,
        };
        let message = small.params().unwrap_err().to_string();
        assert!(message.contains("the 29 states"), "{message}");
        let degenerate = PaperChainParams {
            gamma: 1.0,
            paper_states: 100,
            modified_boosters: true,
        };
        assert!(degenerate.params().and_then(|p| p.build()).is_err());
    }

    #[test]
    fn oversized_chains_are_refused_before_allocation() {
        let huge = HardChainParams {
            boosters: usize::MAX / 4,
            ..HardChainParams::default()
        };
        assert!(huge.build().unwrap_err().to_string().contains("more than"));
    }
}
