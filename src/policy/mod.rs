//! Policies: the tabular softmax and direct (simplex) parameterizations, the exact softmax policy
//! gradient of a discounted MDP, and tabular policies read from files (entropy lives in
//! [`crate::core::entropy`], re-exported here; the gradient on any world is
//! [`crate::world::interface::Evaluation::softmax_gradient`]).

pub mod direct;
pub mod file;
pub mod game_file;
pub mod gradient;
pub mod log_linear;
pub mod softmax;

pub use crate::core::entropy::{entropy_of, entropy_with_logs, state_entropy, weighted_entropy};
pub use gradient::{ExactGradient, softmax_gradient};
pub use log_linear::{LogLinear, LogLinearGradient, log_linear_gradient};
pub use softmax::TabularSoftmax;
