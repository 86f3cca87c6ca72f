//! Measurements shared by every algorithm, recorded each step under stable names, and the
//! statistics that summarize them across seeds and fit rates and laws to them.

pub mod bootstrap;
pub mod entropy_law;
pub mod instruments;
pub(crate) mod least_squares;
pub mod policy_change;
pub mod rate_fit;
pub mod seed_statistics;
pub mod stratified_bootstrap;
pub mod student_t;

pub use bootstrap::{
    BootstrapSettings, Interval, ResamplePlan, Summary, bootstrap_interval, summarize,
};
pub use entropy_law::{EarlyFit, LawFit, early_fit, fit_entropy_law};
pub use instruments::{PolicySnapshot, min_optimal_probability};
pub use policy_change::{
    PolicyChange, ascend_and_record, kl_divergence, kl_of_logit_change, log_probability_covariance,
};
pub use rate_fit::{RateFit, loglinear_slope, loglog_slope};
pub use seed_statistics::{Statistic, interquartile_mean, mean};
pub use stratified_bootstrap::stratified_bootstrap_interval;
pub use student_t::{student_t_cdf, student_t_quantile};
