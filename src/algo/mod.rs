//! Policy-optimization algorithms behind one stepping interface, after argmin's `Solver` and
//! optax's explicit state: an algorithm is a value with parameters; its state goes into `step`
//! with the world and an explicitly seeded RNG, and comes back with a [`Record`] of what was
//! measured *at the policy the step started from* (so record t describes π_t).
//!
//! Every algorithm is generic over the world interface ([`crate::world::World`]): the same file
//! runs on a discounted MDP, a finite-horizon MDP (one table per step), an exact bandit, and any
//! world written against the interface (a robust MDP's worst case, a game player's view). An
//! algorithm value is built only through its validating constructor (`SoftmaxPg::new(η)?`), so
//! an unchecked one cannot exist.
//!
//! **Adding an algorithm is one new file plus one line:** the file holds the validated value, its
//! `impl<W: World + ?Sized> Algorithm<W>`, and `pub fn entry() -> AlgorithmEntry` (name, summary
//! with the paper, world kinds, parameters with defaults and documentation, and `run`, which
//! builds the value from the checked parameters); the line is `super::NAME::entry(),` in
//! [`catalogue::algorithms`]. `policylab algos`, `train`, experiment checking and runs read that
//! one list (`tests/catalogue.rs` runs a toy algorithm through the same path).

pub mod catalogue;
pub mod drpg;
pub mod dynamic_pg;
pub mod dynpg;
pub mod entropy_npg;
pub mod entropy_pg;
pub mod finite_horizon_pg;
pub mod game_measure;
pub mod independent;
pub mod log_linear_pg;
pub mod magnetic_mirror_descent;
pub mod multi_agent_ppo;
pub mod npg;
pub mod optimistic_mwu;
pub mod policy_extragradient;
pub mod projected_pg;
pub mod quantal_adversarial;
pub mod reward_model_npg;
pub mod runner;
pub mod sampled_surrogate;
pub mod self_play_preference;
pub mod simultaneous_pg;
pub mod soft_reference;
pub mod softmax_pg;
pub mod srpmd;
pub mod surrogate_ascent;
pub mod trpo;
pub mod two_timescale_pg;

use rand_chacha::ChaCha8Rng;

pub use crate::core::record::{Record, records_to_csv};
pub use crate::exact::Problem;
pub use entropy_npg::EntropyNpg;
pub use entropy_pg::EntropyPg;
pub use npg::NaturalPg;
pub use projected_pg::ProjectedPg;
pub use runner::run;
pub use sampled_surrogate::SampledSurrogateAscent;
pub use softmax_pg::SoftmaxPg;
pub use surrogate_ascent::SurrogateAscent;
pub use trpo::Trpo;

use crate::core::error::Result;

/// One policy-optimization method, generic over the world it runs in: `W` is the world type, and
/// an implementation's bounds say which oracles of [`crate::world::World`] it needs (every
/// algorithm here is written for any `W: World + ?Sized`, so it also runs on `dyn World`; those
/// that need a stationary policy or a sampling model check for them in `initial_state`).
pub trait Algorithm<W: ?Sized> {
    /// The iterate: policy parameters and whatever the method carries between steps.
    type State;

    /// The name used on the command line and in results.
    fn name(&self) -> &'static str;

    /// The starting iterate (checks that the world offers what the method needs).
    fn initial_state(&self, world: &W) -> Result<Self::State>;

    /// One update: the new state and the measurements of the state it started from.
    fn step(
        &self,
        world: &W,
        state: Self::State,
        rng: &mut ChaCha8Rng,
    ) -> Result<(Self::State, Record)>;

    /// The policy of an iterate, one probability table per stage, for drivers that need the
    /// iterate itself (independent learners in a game build each player's view from the others'
    /// policies); `None` for a method that does not expose it (it then cannot run on games).
    fn policy(&self, _state: &Self::State) -> Option<Vec<ndarray::Array2<f64>>> {
        None
    }

    /// The logits θ of an iterate of a softmax method, one table per stage (written beside the
    /// probabilities in a policy file, so a run continues from it exactly, even where a
    /// probability has underflowed to 0); `None` for other parametrizations.
    fn logits(&self, _state: &Self::State) -> Option<Vec<ndarray::Array2<f64>>> {
        None
    }
}

/// The iterate a run ends at, as a policy file holds it: probability tables and, for a softmax
/// method, the logits.
#[derive(Debug, Clone, PartialEq)]
pub struct FinalPolicy {
    pub probabilities: Vec<ndarray::Array2<f64>>,
    pub logits: Option<Vec<ndarray::Array2<f64>>>,
}

impl FinalPolicy {
    /// The final policy of `state`, where `algorithm` exposes it.
    pub fn of<W: ?Sized, A: Algorithm<W>>(algorithm: &A, state: &A::State) -> Option<Self> {
        Some(FinalPolicy {
            probabilities: algorithm.policy(state)?,
            logits: algorithm.logits(state),
        })
    }
}
