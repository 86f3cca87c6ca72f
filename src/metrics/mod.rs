//! Measurements shared by every algorithm, recorded each step under stable names.

pub mod instruments;

pub use instruments::{PolicySnapshot, min_optimal_probability};
