//! What agents act in: tabular MDPs (discounted or finite horizon), robust MDPs, games, feature
//! maps for linear function approximation ([`features`]), their file formats and generators,
//! sampling, and the world interface every algorithm is written against ([`interface`]).

pub mod features;
pub mod format;
pub mod game;
pub mod generate;
pub mod interface;
pub mod kernel;
pub mod mdp;
pub mod robust_mdp;
pub mod sample;
pub mod started;
pub mod uncertainty;

pub use features::FeatureMap;
pub use game::{GameClass, GameSpec, MarkovGame};
pub use interface::{SoftValues, World, WorldKind};
pub use kernel::TransitionKernel;
pub use mdp::{ActionNames, Horizon, MdpSpec, Outcome, PROBABILITY_TOLERANCE, TabularMdp};
pub use robust_mdp::RobustMdp;
pub use uncertainty::{Radius, SetShape, Support, UncertaintySet};
