//! The bottom layer: the vocabulary every room shares and that depends on no room — the typed
//! [`error`], the per-step [`record`], parameter specifications and their check ([`parameters`]),
//! the value [`checks`], run [`seeding`], [`entropy`] with 0·log 0 = 0, and atomic file writes
//! ([`files`]). Nothing here imports anything of policylab outside `core`.

pub mod checks;
pub mod entropy;
pub mod error;
pub mod files;
pub mod parameters;
pub mod record;
pub mod seeding;

pub use error::{Error, Result};
pub use record::Record;
