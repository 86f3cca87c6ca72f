//! Helpers shared by the integration tests.

use std::path::Path;

use policylab::world::format::WorldFile;
use policylab::world::{MarkovGame, TabularMdp, format};

/// Every world file shipped in mdps/ (`.json`, `.toml`, `.nfg`, not CRAAM's `.csv`), read once
/// and sorted by path.
fn shipped_files() -> Vec<(String, WorldFile)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("mdps");
    let mut files: Vec<(String, WorldFile)> = std::fs::read_dir(&dir)
        .expect("mdps/ exists")
        .filter_map(|e| e.ok())
        .map(|e| e.path())
        .filter(|p| {
            matches!(
                p.extension().and_then(|e| e.to_str()),
                Some("json" | "toml" | "nfg")
            )
        })
        .map(|p| {
            let file = format::load_file(&p).unwrap_or_else(|e| panic!("{e}"));
            (p.display().to_string(), file)
        })
        .collect();
    files.sort_by(|a, b| a.0.cmp(&b.0));
    files
}

/// Every game shipped in mdps/ (`.nfg` and native game files), with its path, sorted by path.
#[allow(dead_code)] // Not every test binary that includes this module reads the games.
pub fn shipped_games() -> Vec<(String, MarkovGame)> {
    shipped_files()
        .into_iter()
        .filter_map(|(path, file)| match file {
            WorldFile::Game(game, _) => Some((path, game)),
            WorldFile::Mdp(..) => None,
        })
        .collect()
}

/// Every MDP shipped in mdps/ (games excluded: [`shipped_games`]), with its path, sorted by path.
#[allow(dead_code)] // Not every test binary that includes this module reads the MDPs.
pub fn shipped_worlds() -> Vec<(String, TabularMdp)> {
    let worlds: Vec<(String, TabularMdp)> = shipped_files()
        .into_iter()
        .filter_map(|(path, file)| match file {
            WorldFile::Mdp(world, ..) => Some((path, world)),
            WorldFile::Game(..) => None,
        })
        .collect();
    assert!(worlds.len() >= 7, "the shipped worlds are missing");
    worlds
}
