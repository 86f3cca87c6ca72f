//! Policies: the tabular softmax and direct (simplex) parameterizations, entropy, the exact softmax policy gradient,
//! and tabular policies read from files.

pub mod direct;
pub mod file;
pub mod gradient;
pub mod softmax;

pub use crate::core::entropy::{entropy_of, entropy_with_logs, state_entropy, weighted_entropy};
pub use gradient::{ExactGradient, softmax_gradient};
pub use softmax::TabularSoftmax;
