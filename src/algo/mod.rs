//! Policy-optimization algorithms behind one stepping interface, after argmin's `Solver` and
//! optax's explicit state: an algorithm is a value with parameters; its state goes into `step`
//! with the problem and an explicitly seeded RNG, and comes back with a [`Record`] of what was
//! measured *at the policy the step started from* (so record t describes π_t).

pub mod catalogue;
pub mod entropy_npg;
pub mod entropy_pg;
pub mod finite_horizon_pg;
pub mod npg;
pub mod problem;
pub mod projected_pg;
pub mod record;
pub mod runner;
pub mod sampled_surrogate;
pub mod soft_reference;
pub mod softmax_pg;
pub mod surrogate_ascent;
pub mod trpo;

use rand_chacha::ChaCha8Rng;

pub use entropy_npg::EntropyNpg;
pub use entropy_pg::EntropyPg;
pub use npg::NaturalPg;
pub use problem::Problem;
pub use projected_pg::ProjectedPg;
pub use record::{Record, records_to_csv};
pub use runner::run;
pub use sampled_surrogate::SampledSurrogateAscent;
pub use softmax_pg::SoftmaxPg;
pub use surrogate_ascent::SurrogateAscent;
pub use trpo::Trpo;

use crate::error::{Error, Result};

/// Checks that a parameter is finite and positive, naming it otherwise.
pub(crate) fn require_positive(parameter: &str, value: f64) -> Result<()> {
    if value.is_finite() && value > 0.0 {
        Ok(())
    } else {
        Err(Error::invalid(
            parameter,
            format!("found {value}"),
            "expected a finite positive number",
        ))
    }
}

/// Checks that a count parameter (epochs, episodes, iterations) is at least 1.
pub(crate) fn require_at_least_one(parameter: &str, value: usize) -> Result<()> {
    if value >= 1 {
        Ok(())
    } else {
        Err(Error::invalid(parameter, "found 0", "expected at least 1"))
    }
}

/// One policy-optimization method.
pub trait Algorithm {
    /// The iterate: policy parameters and whatever the method carries between steps.
    type State;

    /// The name used on the command line and in results.
    fn name(&self) -> &'static str;

    /// The starting iterate (validates the parameters first).
    fn initial_state(&self, problem: &Problem) -> Result<Self::State>;

    /// One update: the new state and the measurements of the state it started from.
    fn step(
        &self,
        problem: &Problem,
        state: Self::State,
        rng: &mut ChaCha8Rng,
    ) -> Result<(Self::State, Record)>;
}
