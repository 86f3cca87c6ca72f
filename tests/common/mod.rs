//! Helpers shared by the integration tests.

use std::path::Path;

use policylab::world::format::WorldFile;
use policylab::world::{MarkovGame, TabularMdp, format};

/// Every game shipped in mdps/ (`.nfg` and native game files), with its path, sorted by path.
#[allow(dead_code)] // Not every test binary that includes this module reads the games.
pub fn shipped_games() -> Vec<(String, MarkovGame)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("mdps");
    let mut games: Vec<(String, MarkovGame)> = std::fs::read_dir(&dir)
        .expect("mdps/ exists")
        .filter_map(|e| e.ok())
        .map(|e| e.path())
        .filter(|p| {
            matches!(
                p.extension().and_then(|e| e.to_str()),
                Some("json" | "toml" | "nfg")
            )
        })
        .filter_map(
            |p| match format::load_file(&p).unwrap_or_else(|e| panic!("{e}")) {
                WorldFile::Game(game, _) => Some((p.display().to_string(), game)),
                WorldFile::Mdp(..) => None,
            },
        )
        .collect();
    games.sort_by(|a, b| a.0.cmp(&b.0));
    games
}

/// Every MDP shipped in mdps/ (games excluded: [`shipped_games`]), with its path, sorted by path.
#[allow(dead_code)] // Not every test binary that includes this module reads the MDPs.
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
        .filter_map(
            |p| match format::load_file(&p).unwrap_or_else(|e| panic!("{e}")) {
                WorldFile::Mdp(world, ..) => Some((p.display().to_string(), world)),
                WorldFile::Game(..) => None,
            },
        )
        .collect();
    worlds.sort_by(|a, b| a.0.cmp(&b.0));
    assert!(worlds.len() >= 7, "the shipped worlds are missing");
    worlds
}
