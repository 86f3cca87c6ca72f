//! Records the commit this build is made from, as the compile-time variable
//! `POLICYLAB_BUILD_COMMIT` (the 40-digit hash, with `+modified` when tracked files differ from it;
//! empty where git or the checkout is missing), so that run manifests can state what produced
//! them beside the working directory's commit at run time (`store::build_commit`).

use std::path::Path;
use std::process::Command;

fn git(args: &[&str]) -> Option<String> {
    let output = Command::new("git").args(args).output().ok()?;
    output
        .status
        .success()
        .then(|| String::from_utf8_lossy(&output.stdout).trim().to_string())
}

fn main() {
    // Re-run when a commit is made or checked out, or a source file changes; only for paths that
    // exist (a missing one would make cargo re-run this script on every build).
    for path in [".git/HEAD", ".git/index", "src", "Cargo.toml"] {
        if Path::new(path).exists() {
            println!("cargo:rerun-if-changed={path}");
        }
    }
    let commit = git(&["rev-parse", "HEAD"]).filter(|hash| hash.len() == 40);
    let modified = git(&["status", "--porcelain", "--untracked-files=no"])
        .is_some_and(|changes| !changes.is_empty());
    let value = match commit {
        Some(hash) if modified => format!("{hash}+modified"),
        Some(hash) => hash,
        None => String::new(),
    };
    println!("cargo:rustc-env=POLICYLAB_BUILD_COMMIT={value}");
}
