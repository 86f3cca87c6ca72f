//! Measurements shared by every algorithm, recorded each step under stable names.

pub mod instruments;
pub mod policy_change;

pub use instruments::{PolicySnapshot, min_optimal_probability};
pub use policy_change::{
    PolicyChange, ascend_and_record, kl_divergence, kl_of_logit_change, log_probability_covariance,
};
