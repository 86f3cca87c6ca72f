//! The robust Bellman operators of a rectangular set, one sweep over all states.
//!
//! For a pair (s, a) with candidate outcomes k (probability q_k under the nominal kernel, value
//! z_k = reward_k + γ·V(next_k), 0 continuation after `done`), nature's worst case shifts the
//! nominal Q-value, Q_𝒫(s, a) = Q(s, a) + min_{p ∈ 𝒫_{s,a}} (p − q)ᵀz, so a zero radius leaves the
//! nominal numbers untouched, bit for bit. Then
//!
//! - (s,a)-rectangular sets: (T_𝒫 V)(s) = max_a Q_𝒫(s, a) and (T^π_𝒫 V)(s) = Σ_a π(a|s)·Q_𝒫(s, a)
//!   (Iyengar 2005, Thm. 3.2; Nilim & El Ghaoui 2005, Thm. 3);
//! - the s-rectangular L1 set shares the budget among actions ([`super::s_rectangular_l1`]), and
//!   its optimal update may randomize (Wiesemann, Kuhn & Rustem 2013, Thm. 4);
//! - a finite set's dynamic (rectangular) model: Q_𝒫(s, a) = min_k Q_k(s, a) over the kernels.
//!
//! Each operator is a γ-contraction in ‖·‖∞. A sweep also returns nature's choice (the
//! worst-case kernel at V) and, for the optimal operator, the maximizing policy.

use ndarray::{Array2, ArrayView2};

use super::s_rectangular_l1::{self, ActionRow};
use super::{contamination, kl_ball, l1_ball, linf_ball};
use crate::exact::bellman::backup_into;
use crate::exact::value_iteration::TIE_TOLERANCE;
use crate::world::robust_mdp::RobustMdp;
use crate::world::uncertainty::SetShape;

/// Which operator a sweep applies.
#[derive(Debug, Clone, Copy)]
pub enum Rule<'p> {
    /// T_𝒫: the best action against the worst case.
    Optimal,
    /// T^π_𝒫 for a fixed (stochastic) policy.
    Policy(ArrayView2<'p, f64>),
}

/// Nature's choice at a V: distributions over each row's candidates (ball sets) or one kernel per
/// pair (finite sets).
#[derive(Debug, Clone, PartialEq)]
pub enum Choice {
    Distributions(Vec<f64>),
    Kernels(Vec<usize>),
}

impl Choice {
    /// The tabular world this choice of nature makes of `world`.
    pub fn world(&self, world: &RobustMdp) -> crate::core::error::Result<crate::world::TabularMdp> {
        match self {
            Choice::Distributions(p) => world.with_choice(p),
            Choice::Kernels(k) => world.with_kernel_choice(k),
        }
    }
}

/// The result of one sweep.
#[derive(Debug, Clone)]
pub struct Sweep {
    /// (T V)(s).
    pub v: Vec<f64>,
    /// Q_𝒫(s, a) under nature's choice (S·A, row-major).
    pub q: Vec<f64>,
    /// The policy the operator used: π for [`Rule::Policy`], the maximizer for [`Rule::Optimal`]
    /// (S·A, row-major; greedy with the lowest index among ties, randomized for s-rectangular).
    pub policy: Vec<f64>,
    pub choice: Choice,
}

/// Reusable buffers, so value iteration does not allocate per sweep.
#[derive(Debug, Default)]
pub struct Workspace {
    nominal_q: Vec<f64>,
    kernel_q: Vec<f64>,
    /// z_k of every candidate (flat, aligned with `RobustMdp::all_candidates`).
    values: Vec<f64>,
    order: Vec<usize>,
    gaps: Vec<f64>,
    radii: Vec<f64>,
    state_policy: Vec<f64>,
    s_rectangular: s_rectangular_l1::Scratch,
}

impl Sweep {
    /// An empty sweep for `world`, to be filled by [`sweep_into`].
    pub fn for_world(world: &RobustMdp) -> Sweep {
        let pairs = world.n_states() * world.n_actions();
        Sweep {
            v: vec![0.0; world.n_states()],
            q: vec![0.0; pairs],
            policy: vec![0.0; pairs],
            choice: if world.set().shape() == SetShape::Finite {
                Choice::Kernels(vec![0; pairs])
            } else {
                Choice::Distributions(vec![0.0; world.candidate_count()])
            },
        }
    }

    /// Whether this sweep's buffers have `world`'s sizes and kind of choice.
    fn fits(&self, world: &RobustMdp) -> bool {
        let pairs = world.n_states() * world.n_actions();
        let choice = match &self.choice {
            Choice::Kernels(k) => world.set().shape() == SetShape::Finite && k.len() == pairs,
            Choice::Distributions(p) => {
                world.set().shape() != SetShape::Finite && p.len() == world.candidate_count()
            }
        };
        choice
            && self.v.len() == world.n_states()
            && self.q.len() == pairs
            && self.policy.len() == pairs
    }

    /// ‖T V − V‖∞ of the sweep applied to `values`.
    pub fn residual(&self, values: &[f64]) -> f64 {
        values
            .iter()
            .zip(&self.v)
            .fold(0.0f64, |m, (a, b)| m.max((a - b).abs()))
    }

    /// The optimal operator's policy at V = 0 (the first policy of robust policy iteration and
    /// its partial form), leaving that sweep in `self`.
    pub fn greedy_at_zero(&mut self, world: &RobustMdp, work: &mut Workspace) -> Array2<f64> {
        sweep_into(
            world,
            &vec![0.0; world.n_states()],
            Rule::Optimal,
            work,
            self,
        );
        self.policy_table(world.n_actions())
    }

    /// Q as an S×A table.
    pub fn q_table(&self, n_actions: usize) -> Array2<f64> {
        table(&self.q, n_actions)
    }

    /// The operator's policy as an S×A table.
    pub fn policy_table(&self, n_actions: usize) -> Array2<f64> {
        table(&self.policy, n_actions)
    }
}

fn table(flat: &[f64], n_actions: usize) -> Array2<f64> {
    Array2::from_shape_vec((flat.len() / n_actions.max(1), n_actions), flat.to_vec())
        .expect("cannot fail: a sweep's tables have S·A entries")
}

/// Applies the operator to `values`, writing T V, Q_𝒫, the policy and nature's choice into `out`.
pub fn sweep_into(
    world: &RobustMdp,
    values: &[f64],
    rule: Rule<'_>,
    work: &mut Workspace,
    out: &mut Sweep,
) {
    let (s_count, a_count) = (world.n_states(), world.n_actions());
    if !out.fits(world) {
        *out = Sweep::for_world(world);
    }
    let gamma = world.gamma();
    let nominal = world.nominal();
    let allowed = nominal.allowed_mask();
    work.nominal_q.resize(s_count * a_count, 0.0);
    backup_into(nominal, values, gamma, &mut work.nominal_q);
    out.q.copy_from_slice(&work.nominal_q);
    let shape = world.set().shape();

    // Nature's per-pair worst case (every shape but the shared s-rectangular budget).
    match (&mut out.choice, shape) {
        (Choice::Kernels(kernel_choice), _) => {
            work.kernel_q.resize(s_count * a_count, 0.0);
            for (k, kernel) in world.kernels().iter().enumerate() {
                backup_into(kernel, values, gamma, &mut work.kernel_q);
                for (row, &candidate) in work.kernel_q.iter().enumerate() {
                    if k == 0 || candidate < out.q[row] {
                        out.q[row] = candidate;
                        kernel_choice[row] = k;
                    }
                }
            }
        }
        (Choice::Distributions(_), SetShape::StateL1) => {}
        (Choice::Distributions(worst), _) => {
            let offsets = world.offsets();
            let probabilities = world.candidate_probabilities();
            candidate_values(world, values, &mut work.values);
            for s in 0..s_count {
                for a in 0..a_count {
                    let row = s * a_count + a;
                    let range = offsets[row]..offsets[row + 1];
                    if range.is_empty() {
                        continue;
                    }
                    let radius = world.set().radius_at(s, a);
                    let (q, z) = (&probabilities[range.clone()], &work.values[range.clone()]);
                    let p = &mut worst[range];
                    let shift = match shape {
                        SetShape::StateActionL1 => l1_ball::worst_case(q, z, radius, p),
                        SetShape::StateActionLInf => {
                            linf_ball::worst_case(q, z, radius, &mut work.order, p)
                        }
                        SetShape::StateActionKl => {
                            kl_ball::worst_case(q, z, radius, &mut work.gaps, p)
                        }
                        SetShape::Contamination => contamination::worst_case(q, z, radius, p),
                        SetShape::StateL1 | SetShape::Finite => 0.0,
                    };
                    if shift != 0.0 {
                        out.q[row] += shift;
                    }
                }
            }
        }
    }

    if shape == SetShape::StateL1 {
        s_rectangular_sweep(world, values, rule, work, out);
        return;
    }
    out.policy.iter_mut().for_each(|p| *p = 0.0);
    for s in 0..s_count {
        let row = &out.q[s * a_count..(s + 1) * a_count];
        let mask = &allowed[s * a_count..(s + 1) * a_count];
        out.v[s] = match rule {
            Rule::Optimal => {
                let best = row
                    .iter()
                    .zip(mask)
                    .filter(|&(_, &ok)| ok)
                    .fold(f64::NEG_INFINITY, |m, (&x, _)| m.max(x));
                let threshold = best - TIE_TOLERANCE * best.abs().max(1.0);
                let greedy = (0..a_count)
                    .find(|&a| mask[a] && row[a] >= threshold)
                    .unwrap_or(0);
                out.policy[s * a_count + greedy] = 1.0;
                best
            }
            Rule::Policy(policy) => {
                let mut v = 0.0;
                for a in 0..a_count {
                    out.policy[s * a_count + a] = policy[[s, a]];
                    v += policy[[s, a]] * row[a];
                }
                v
            }
        };
    }
}

/// z_k = reward_k + γ·V(next_k) (0 continuation after `done`) of every candidate, in one pass
/// over the flat candidate list.
fn candidate_values(world: &RobustMdp, v: &[f64], values: &mut Vec<f64>) {
    let gamma = world.gamma();
    values.clear();
    values.extend(
        world
            .all_candidates()
            .iter()
            .map(|o| o.reward + if o.done { 0.0 } else { gamma * v[o.next_state] }),
    );
}

fn s_rectangular_sweep(
    world: &RobustMdp,
    values: &[f64],
    rule: Rule<'_>,
    work: &mut Workspace,
    out: &mut Sweep,
) {
    let (s_count, a_count) = (world.n_states(), world.n_actions());
    let allowed = world.nominal().allowed_mask();
    let offsets = world.offsets();
    // `sweep_into` made `out` fit the world: an s-rectangular set's choice is distributions.
    let Choice::Distributions(worst) = &mut out.choice else {
        return;
    };
    let probabilities = world.candidate_probabilities();
    candidate_values(world, values, &mut work.values);
    let mut available = Vec::with_capacity(a_count);
    for s in 0..s_count {
        available.clear();
        available.extend((0..a_count).filter(|&a| allowed[s * a_count + a]));
        let rows: Vec<ActionRow<'_>> = available
            .iter()
            .map(|&a| {
                let row = s * a_count + a;
                let range = offsets[row]..offsets[row + 1];
                ActionRow {
                    q_value: work.nominal_q[row],
                    nominal: &probabilities[range.clone()],
                    values: &work.values[range],
                }
            })
            .collect();
        work.radii.resize(rows.len(), 0.0);
        work.state_policy.resize(rows.len(), 0.0);
        let budget = world.set().radius_at(s, 0);
        out.v[s] = match rule {
            Rule::Optimal => s_rectangular_l1::optimize(
                &rows,
                budget,
                &mut work.s_rectangular,
                &mut work.state_policy,
                &mut work.radii,
            ),
            Rule::Policy(policy) => {
                for (slot, &a) in work.state_policy.iter_mut().zip(&available) {
                    *slot = policy[[s, a]];
                }
                s_rectangular_l1::evaluate(
                    &rows,
                    &work.state_policy,
                    budget,
                    &mut work.s_rectangular,
                    &mut work.radii,
                )
            }
        };
        for a in 0..a_count {
            out.policy[s * a_count + a] = 0.0;
        }
        for (i, &a) in available.iter().enumerate() {
            let row = s * a_count + a;
            out.policy[row] = work.state_policy[i];
            let range = offsets[row]..offsets[row + 1];
            let shift = s_rectangular_l1::worst_case(
                &rows,
                &work.s_rectangular,
                i,
                work.radii[i],
                &mut worst[range],
            );
            out.q[row] = work.nominal_q[row];
            if shift != 0.0 {
                out.q[row] += shift;
            }
        }
    }
}
