//! The lock on an output folder: `OUT/.lock`, held with the operating system's advisory file lock
//! (`flock` on Unix) for as long as a `run`, `reproduce` or `merge` writes there, so two processes
//! never write one folder's results over each other.
//!
//! An unsharded `run`, a `reproduce` and a `merge` hold it exclusively (they may set runs aside
//! and rewrite every file); shards of one experiment (`run --shard K/N`) hold it shared, so an
//! array job's tasks may write one folder together while no unsharded writer can. The lock dies
//! with its process (a `kill -9` leaves no stale lock); the file's text names the last holder
//! (process id, command, start time) for the refusal message of whoever comes next.

use std::fs::{File, OpenOptions, TryLockError};
use std::io::Write;
use std::path::{Path, PathBuf};

use crate::core::error::{Error, Result};

/// How a folder is held.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LockMode {
    /// The only writer.
    Exclusive,
    /// One of several shards of one experiment.
    Shared,
}

/// A held lock; dropping it releases the folder.
#[derive(Debug)]
pub struct FolderLock {
    _file: File,
    path: PathBuf,
}

impl FolderLock {
    /// The lock file's path.
    pub fn path(&self) -> &Path {
        &self.path
    }
}

/// Takes the lock on `out` (which must exist) for `purpose` (said to whoever is refused), or
/// refuses with a message naming the holder.
pub fn lock_folder(out: &Path, mode: LockMode, purpose: &str) -> Result<FolderLock> {
    let path = out.join(".lock");
    let io = |action: &'static str| {
        let path = path.clone();
        move |source| Error::Io {
            path,
            action,
            source,
        }
    };
    let mut file = OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .open(&path)
        .map_err(io("open the output folder's lock file"))?;
    let taken = match mode {
        LockMode::Exclusive => file.try_lock(),
        LockMode::Shared => file.try_lock_shared(),
    };
    match taken {
        Ok(()) => {}
        Err(TryLockError::WouldBlock) => {
            let holder = std::fs::read_to_string(&path).unwrap_or_default();
            let holder = holder.trim();
            let holder = if holder.is_empty() {
                "another policylab process".to_string()
            } else {
                holder.to_string()
            };
            return Err(Error::Usage(format!(
                "{}: the folder is in use by {holder}; wait for it to finish, or give another --out \
                 (shards of one experiment may share a folder: `run --shard K/N`)",
                out.display()
            )));
        }
        Err(TryLockError::Error(source)) => {
            return Err(Error::Io {
                path,
                action: "lock the output folder",
                source,
            });
        }
    }
    let since = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let holder = format!(
        "process {} ({purpose}, started at Unix time {since})\n",
        std::process::id()
    );
    // The text only advises a refusal message (shards overwrite each other's); the lock itself is
    // the operating system's.
    file.set_len(0).map_err(io("write the lock file"))?;
    file.write_all(holder.as_bytes())
        .map_err(io("write the lock file"))?;
    Ok(FolderLock { _file: file, path })
}

/// Waits for and holds `OUT/.turn.lock` exclusively: shards sharing a folder take turns for the
/// final scan and the write of results.csv, so the last results written come from the last
/// scan. Released when dropped.
pub fn wait_for_turn(out: &Path) -> Result<FolderLock> {
    let path = out.join(".turn.lock");
    let file = OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .open(&path)
        .map_err(|source| Error::Io {
            path: path.clone(),
            action: "open the lock file",
            source,
        })?;
    file.lock().map_err(|source| Error::Io {
        path: path.clone(),
        action: "wait for a turn to write results.csv",
        source,
    })?;
    Ok(FolderLock { _file: file, path })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_second_writer_is_refused_and_shards_share() {
        let dir = tempfile::tempdir().unwrap();
        let first = lock_folder(dir.path(), LockMode::Exclusive, "run a.toml").unwrap();
        let refused = lock_folder(dir.path(), LockMode::Exclusive, "run b.toml").unwrap_err();
        let message = refused.to_string();
        assert!(
            message.contains("in use by") && message.contains("run a.toml"),
            "{message}"
        );
        assert!(lock_folder(dir.path(), LockMode::Shared, "shard").is_err());
        drop(first);
        let one = lock_folder(dir.path(), LockMode::Shared, "shard 1/2").unwrap();
        let two = lock_folder(dir.path(), LockMode::Shared, "shard 2/2").unwrap();
        assert!(lock_folder(dir.path(), LockMode::Exclusive, "merge").is_err());
        drop((one, two));
        assert!(lock_folder(dir.path(), LockMode::Exclusive, "merge").is_ok());
    }
}
