//! Experiments: a TOML file naming worlds, algorithms, grids, seeds and a step budget, checked
//! before any work starts and run in parallel into an output folder that survives interruption.
//!
//! # The experiment file
//!
//! ```toml
//! name = "mei2020-rates"              # letters, digits, - _ . (names the runs' RNG streams)
//! title = "Softmax PG: Θ(1/t) against entropy-regularized linear convergence"
//! steps = 10000                       # updates per run (bandits: rounds)
//! seeds = 5                           # seeds 0..5 of every configuration (default 1)
//! record = { log_points = 300 }       # or { every = 10 }; default: every step
//! stop = { metric = "gap", below = 0.07 }   # optional: end a run at a target
//!
//! [[world]]                           # see `world_spec` for files, generators and bandits
//! name = "bandit"
//! file = "../mdps/bandit3.toml"
//!
//! [[runs]]
//! algorithm = "softmax-pg"            # see `policylab algos`
//! label = "softmax PG"                # legend label (default: the algorithm's name)
//! worlds = ["bandit"]                 # default: every world of the matching kind
//! params = { step_size = 0.4 }
//! grid = { }                          # lists of values; one configuration per point
//! initial_policy = "start.json"       # optional: start from a policy file (`logits` or
//!                                     # `policy`; an earlier run's runs/ID.policy.json)
//!
//! [quick]                             # the budget of `reproduce --quick`
//! steps = 1000
//! seeds = 2
//! world_grid = { li-chain = { length = [4, 5] } }   # replaces a world's grid
//!
//! [[figure]]                          # a figure `policylab plot OUT` draws (see `figure_spec`)
//! metric = "gap"
//! log_x = true
//! log_y = true
//! ```
//!
//! Unknown keys, algorithms, parameters and worlds are errors naming the file, the key and the
//! valid choices. Parameters are numbers (`true` is refused: a switch is 0 or 1); `[quick]`'s
//! world names are checked in every budget; a stop rule on a metric the algorithm does not record
//! fails at the run's first step with the metrics it does record. A configuration is (world at a grid point, algorithm, parameters); a run is a
//! configuration with one seed.
//!
//! # Output
//!
//! See [`store`]: per-run CSV and JSON files (and the final policy, on MDP worlds) written
//! atomically and checksummed, keyed by their content (a rerun skips finished runs; an edited file
//! reuses what still matches and sets the rest aside), a long-format `results.csv` and a
//! `manifest.json`; [`lock`] keeps a second process out of the folder.

pub mod execute;
pub mod figure_spec;
pub mod grid;
pub mod lock;
pub mod merge;
pub mod reproduce;
pub mod results_figure;
pub mod runner;
pub mod schedule;
pub mod seed_bands;
pub mod spec;
pub mod store;
pub mod summary;
pub mod table;
pub mod world_spec;

pub use merge::merge;
pub use runner::{RunOptions, RunReport, Shard, run_experiment};
pub use spec::Experiment;
