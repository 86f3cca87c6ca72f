//! The typed error every fallible function in policylab returns.
//!
//! Messages are written for the person who made the input: each names where the problem is (the
//! file, then the field or the `(state, action)` pair), what was found, and what is allowed.

use std::path::PathBuf;

/// Result alias used across the crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Everything that can go wrong, from reading a file to a singular linear system.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A file could not be read or written.
    #[error("{}: cannot {action}: {source}", path.display())]
    Io {
        path: PathBuf,
        action: &'static str,
        source: std::io::Error,
    },
    /// The file is not well-formed JSON or TOML (including a truncated file).
    #[error("{origin}: {detail}")]
    Syntax { origin: String, detail: String },
    /// A value is present and well-formed but not allowed.
    #[error("{origin}: {field}: {found}; {expected}")]
    Invalid {
        origin: String,
        field: String,
        found: String,
        expected: String,
    },
    /// A command or a function was asked for something it does not do.
    #[error("{0}")]
    Usage(String),
    /// A numerical method failed (a singular system, a diverging iteration).
    #[error("{origin}: {detail}")]
    Numerical { origin: String, detail: String },
}

impl Error {
    /// An [`Error::Invalid`] with no origin yet; loaders fill it in with [`Error::in_origin`].
    pub fn invalid(
        field: impl Into<String>,
        found: impl Into<String>,
        expected: impl Into<String>,
    ) -> Self {
        Error::Invalid {
            origin: String::new(),
            field: field.into(),
            found: found.into(),
            expected: expected.into(),
        }
    }

    /// Sets the origin (a file name, or a generator's description) where none is set yet.
    /// The same error with the field of an `Invalid` error renamed by `rename` (other errors
    /// unchanged): for a caller that knows where a checked value sits in its own file format.
    pub fn with_field(mut self, rename: impl FnOnce(&str) -> String) -> Self {
        if let Error::Invalid { field, .. } = &mut self {
            *field = rename(field);
        }
        self
    }

    /// The same error with what an `Invalid` error found rewritten by `rewrite` (other errors
    /// unchanged): for a caller that knows where the value came from.
    pub fn with_found(mut self, rewrite: impl FnOnce(&str) -> String) -> Self {
        if let Error::Invalid { found, .. } = &mut self {
            *found = rewrite(found);
        }
        self
    }

    /// The same error with what an `Invalid` error expected rewritten by `rewrite` (other errors
    /// unchanged): for a caller that knows what to do about it.
    pub fn with_expected(mut self, rewrite: impl FnOnce(&str) -> String) -> Self {
        if let Error::Invalid { expected, .. } = &mut self {
            *expected = rewrite(expected);
        }
        self
    }

    pub fn in_origin(mut self, new_origin: &str) -> Self {
        match &mut self {
            Error::Syntax { origin, .. }
            | Error::Invalid { origin, .. }
            | Error::Numerical { origin, .. } => {
                if origin.is_empty() {
                    *origin = new_origin.to_string();
                }
            }
            Error::Io { .. } | Error::Usage(_) => {}
        }
        self
    }
}
