//! Running the `policylab` binary from the integration tests, in the repository root.

#![allow(dead_code)] // each test binary uses its own subset

use std::process::{Command, Output};

/// Runs `policylab ARGS` and returns what it printed and its status.
pub fn policylab(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_policylab"))
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args(args)
        .output()
        .expect("the policylab binary runs")
}

/// Runs `policylab ARGS`, asserts success and returns stdout.
pub fn success(args: &[&str]) -> String {
    let output = policylab(args);
    assert!(
        output.status.success(),
        "{args:?} failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).expect("UTF-8 output")
}

/// Runs `policylab ARGS`, asserts exit status 2 (bad input) and returns stderr.
pub fn failure(args: &[&str]) -> String {
    let output = policylab(args);
    assert_eq!(output.status.code(), Some(2), "{args:?} should fail with 2");
    String::from_utf8(output.stderr).expect("UTF-8 output")
}
