//! File helpers: reading with errors that name the file, and atomic writes (a temporary file in
//! the same folder, then a rename), so an interrupted write never leaves a half-written result.

use std::io::Write;
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::core::error::{Error, Result};
use crate::core::seeding::{FNV1A_OFFSET_BASIS, fnv1a};

/// A file's length and 64-bit FNV-1a hash ([`crate::core::seeding::fnv1a`]), recorded beside
/// what a run wrote and checked before it is reused: enough to catch truncation, bit flips and a
/// file from another save (not a guarantee against deliberate tampering).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Digest {
    pub bytes: u64,
    /// The hash as 16 lower-case hexadecimal digits.
    pub fnv1a64: String,
}

impl Digest {
    /// The digest of `bytes`.
    pub fn of(bytes: &[u8]) -> Self {
        Digest {
            bytes: bytes.len() as u64,
            fnv1a64: format!("{:016x}", fnv1a(FNV1A_OFFSET_BASIS, bytes)),
        }
    }

    /// Checks `bytes`, read from `path`, against this digest, recorded in `recorded_in`.
    pub fn check(&self, bytes: &[u8], path: &Path, recorded_in: &Path) -> Result<()> {
        let found = Digest::of(bytes);
        if &found == self {
            return Ok(());
        }
        Err(Error::Invalid {
            origin: path.display().to_string(),
            field: "contents".into(),
            found: format!("{} bytes with FNV-1a {}", found.bytes, found.fnv1a64),
            expected: format!(
                "the {} bytes with FNV-1a {} recorded in {} (the file is corrupt, truncated or \
                 from another save)",
                self.bytes,
                self.fnv1a64,
                recorded_in.display()
            ),
        })
    }
}

/// Reads a whole UTF-8 file.
pub fn read_text(path: &Path) -> Result<String> {
    // A named pipe or a device would block or never end: only regular files are read.
    if let Ok(metadata) = std::fs::metadata(path)
        && !metadata.is_file()
    {
        return Err(Error::Syntax {
            origin: path.display().to_string(),
            detail: if metadata.is_dir() {
                "a folder, not a file".to_string()
            } else {
                "not a regular file (a pipe, socket or device); give a file".to_string()
            },
        });
    }
    let bytes = std::fs::read(path).map_err(|source| Error::Io {
        path: path.to_path_buf(),
        action: "read the file",
        source,
    })?;
    String::from_utf8(bytes).map_err(|e| Error::Syntax {
        origin: path.display().to_string(),
        detail: format!(
            "not UTF-8 text (invalid byte at offset {}): is this a binary file?",
            e.utf8_error().valid_up_to()
        ),
    })
}

/// Writes `bytes` to `path` through a temporary file and a rename.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    let io_error = |action: &'static str| {
        move |source| Error::Io {
            path: path.to_path_buf(),
            action,
            source,
        }
    };
    let parent = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    std::fs::create_dir_all(parent).map_err(io_error("create the folder for"))?;
    let file_name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "output".to_string());
    let temporary = parent.join(format!(".{file_name}.tmp-{}", std::process::id()));
    let result = (|| {
        let mut file = std::fs::File::create(&temporary)?;
        file.write_all(bytes)?;
        file.sync_all()?;
        std::fs::rename(&temporary, path)
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&temporary);
    }
    result.map_err(io_error("write"))
}
