//! Helpers shared by the integration tests.

use std::path::Path;

use policylab::world::{TabularMdp, format};

/// Every world shipped in mdps/, with its path, sorted by path.
pub fn shipped_worlds() -> Vec<(String, TabularMdp)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("mdps");
    let mut worlds: Vec<(String, TabularMdp)> = std::fs::read_dir(&dir)
        .expect("mdps/ exists")
        .filter_map(|e| e.ok())
        .map(|e| e.path())
        .filter(|p| {
            matches!(
                p.extension().and_then(|e| e.to_str()),
                Some("json" | "toml")
            )
        })
        .map(|p| {
            let world = format::load(&p).unwrap_or_else(|e| panic!("{e}"));
            (p.display().to_string(), world)
        })
        .collect();
    worlds.sort_by(|a, b| a.0.cmp(&b.0));
    assert!(worlds.len() >= 7, "the shipped worlds are missing");
    worlds
}
