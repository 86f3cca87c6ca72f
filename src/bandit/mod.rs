//! Multi-armed and linear contextual bandits: environments, learners, and exact pseudo-regret.
//!
//! A bandit is the one-state special case of the decision problems elsewhere in policylab: in
//! round t the learner picks an arm A_t, sees only the reward of that arm, and is judged by its
//! *pseudo-regret* against a comparator that knows the expected rewards,
//!
//! ```text
//!     regret_t = Σ_{s ≤ t} ( μ_s(a*_s) − μ_s(A_s) ),
//! ```
//!
//! where μ_s(a) is the expected reward of arm a in round s (the environment reports it, so no
//! Monte-Carlo error enters) and a*_s is the comparator's arm: the best arm of the round for
//! stochastic and contextual bandits, and the best *fixed* arm in hindsight over the whole horizon
//! for an oblivious adversary (whose rewards are a table fixed before the game starts).
//!
//! - [`environment`]: K-armed stochastic bandits (Bernoulli, Gaussian).
//! - [`adversarial`]: oblivious adversarial bandits given by a T×K reward table.
//! - [`linear`]: linear contextual bandits, reward = ⟨θ*, x_{t,a}⟩ + Gaussian noise.
//! - Learners: [`gradient`] (softmax policy gradient), [`ucb1`], [`thompson`], [`exp3`],
//!   [`tsallis_inf`], [`linucb`].
//! - [`runner`]: plays a learner against an environment with one seed and records the regret.
//!
//! Randomness: the runner derives two independent ChaCha8 streams from one seed, one for the
//! environment and one for the learner, so the same seed gives the same bits, and two learners run
//! with the same seed face the same reward noise wherever the environment draws it the same way.

pub mod adversarial;
pub mod catalogue;
pub mod environment;
pub mod exact_world;
pub mod exp3;
pub mod gradient;
pub mod linear;
pub mod linucb;
pub mod runner;
pub mod thompson;
pub mod tsallis_inf;
pub mod ucb1;

use ndarray::ArrayView2;
use rand_chacha::ChaCha8Rng;

use crate::core::error::Result;

pub use adversarial::AdversarialTable;
pub use environment::{BernoulliBandit, GaussianBandit};
pub use exact_world::ExactBandit;
pub use exp3::Exp3;
pub use gradient::{Baseline, GradientBandit};
pub use linear::LinearContextualBandit;
pub use linucb::{LinUcb, Width, sherman_morrison_update};
pub use runner::{BanditRun, run_bandit};
pub use thompson::{BetaThompson, GaussianThompson};
pub use tsallis_inf::{Estimator, TsallisInf, tsallis_weights};
pub use ucb1::Ucb1;

/// A bandit environment, played round by round.
///
/// The runner calls [`start`](BanditEnvironment::start) once, then for each round t = 0, 1, …
/// [`begin_round`](BanditEnvironment::begin_round), reads the context and the expected rewards,
/// and finally [`pull`](BanditEnvironment::pull)s the learner's arm.
pub trait BanditEnvironment {
    /// Number of arms K.
    fn n_arms(&self) -> usize;

    /// Prepares a game of `horizon` rounds (an adversarial table checks that it is long enough and
    /// finds its best fixed arm over those rounds). Stochastic bandits need nothing.
    fn start(&mut self, horizon: usize) -> Result<()> {
        let _ = horizon;
        Ok(())
    }

    /// Draws whatever round `t` needs before the learner acts (the contexts, for a contextual
    /// bandit). Stochastic bandits need nothing.
    fn begin_round(&mut self, t: usize, rng: &mut ChaCha8Rng) {
        let _ = (t, rng);
    }

    /// The context of the current round: one feature row per arm (K×d), or `None`.
    fn context(&self) -> Option<ArrayView2<'_, f64>> {
        None
    }

    /// The expected reward μ_t(a) of every arm in the current round.
    fn means(&self) -> &[f64];

    /// The comparator's expected reward μ_t(a*_t) in the current round.
    fn benchmark(&self) -> f64;

    /// The (random) reward of `arm` in the current round.
    fn pull(&mut self, arm: usize, rng: &mut ChaCha8Rng) -> f64;
}

/// A bandit learner: chooses an arm, then learns from the reward of that arm alone.
pub trait BanditLearner {
    /// The name used in results.
    fn name(&self) -> &'static str;

    /// Number of arms K the learner was built for.
    fn n_arms(&self) -> usize;

    /// The arm for the next round, given the round's context (one feature row per arm) if any.
    fn select(
        &mut self,
        context: Option<ArrayView2<'_, f64>>,
        rng: &mut ChaCha8Rng,
    ) -> Result<usize>;

    /// Learns from the reward of the arm chosen by the last [`select`](BanditLearner::select).
    fn update(&mut self, arm: usize, reward: f64) -> Result<()>;
}

/// Index of the largest value (the first one on ties); `None` for an empty slice or NaN only.
pub(crate) fn argmax(values: impl IntoIterator<Item = f64>) -> Option<usize> {
    let mut best: Option<(usize, f64)> = None;
    for (i, v) in values.into_iter().enumerate() {
        if best.is_none_or(|(_, b)| v > b) {
            best = Some((i, v));
        }
    }
    best.map(|(i, _)| i)
}
