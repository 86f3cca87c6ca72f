//! Reading and writing worlds: the native JSON/TOML format ([`native`]) and Gymnasium P-tables
//! ([`gymnasium`]). [`load`] picks the reader from the file extension and, for JSON, from the
//! document's shape (a table keyed "0", "1", … is a P-table).

pub mod craam;
pub mod features;
pub mod gymnasium;
pub mod native;
pub mod native_game;
pub mod nfg;
pub mod node;

use std::path::Path;

use crate::core::error::{Error, Result};
use crate::core::files::{read_text, write_atomic};
use crate::world::FeatureMap;
use crate::world::game::MarkovGame;
use crate::world::mdp::TabularMdp;
use crate::world::robust_mdp::RobustMdp;
use crate::world::uncertainty::UncertaintySet;
use node::Node;

pub use native::Syntax;

/// Which format a file was read as.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SourceFormat {
    NativeJson,
    NativeToml,
    GymnasiumPTable,
    /// CRAAM's CSV (an MDP, or an MDP with outcomes: a finite uncertainty set).
    CraamCsv,
    /// Gambit's normal-form game format.
    GambitNfg,
    /// policylab's native game file (JSON).
    NativeGameJson,
    /// policylab's native game file (TOML).
    NativeGameToml,
}

impl std::fmt::Display for SourceFormat {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            SourceFormat::NativeJson => "policylab native (JSON)",
            SourceFormat::NativeToml => "policylab native (TOML)",
            SourceFormat::GymnasiumPTable => "Gymnasium P-table (JSON)",
            SourceFormat::CraamCsv => "CRAAM CSV",
            SourceFormat::GambitNfg => "Gambit normal form (.nfg)",
            SourceFormat::NativeGameJson => "policylab native game (JSON)",
            SourceFormat::NativeGameToml => "policylab native game (TOML)",
        })
    }
}

fn syntax_of(path: &Path) -> Result<Syntax> {
    match path.extension().and_then(|e| e.to_str()) {
        Some(ext) if ext.eq_ignore_ascii_case("json") => Ok(Syntax::Json),
        Some(ext) if ext.eq_ignore_ascii_case("toml") => Ok(Syntax::Toml),
        other => Err(Error::Usage(format!(
            "{}: unknown file type {}; expected a .json or .toml file (or a CRAAM .csv, or a \
             Gambit .nfg game)",
            path.display(),
            other.map_or("(no extension)".to_string(), |e| format!(".{e}")),
        ))),
    }
}

/// Reads a world from a `.json` or `.toml` file.
pub fn load(path: &Path) -> Result<TabularMdp> {
    load_with_format(path).map(|(mdp, _)| mdp)
}

/// Reads a world and says which format it was in. A CRAAM file with outcomes gives its nominal
/// world (the uniform mixture of its kernels); [`load_robust`] gives the kernels too. A native
/// file's `[uncertainty]` table is checked here as well, so a bad one is an error whatever reads
/// the file.
pub fn load_with_format(path: &Path) -> Result<(TabularMdp, SourceFormat)> {
    load_robust(path).map(|(mdp, source, _)| (mdp, source))
}

/// What a world file says of nature: nothing, a set around the nominal kernel (a native file's
/// `[uncertainty]` table), or a finite set of kernels (a CRAAM file's outcomes).
#[derive(Debug, Clone)]
pub enum FileUncertainty {
    None,
    Set(UncertaintySet),
    Kernels(Vec<TabularMdp>),
}

fn is_csv(path: &Path) -> bool {
    path.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| e.eq_ignore_ascii_case("csv"))
}

fn load_craam(path: &Path) -> Result<(TabularMdp, FileUncertainty)> {
    let origin = path.display().to_string();
    let text = read_text(path)?;
    let name = path.file_stem().and_then(|s| s.to_str()).unwrap_or("world");
    let model = craam::parse(&text, name).map_err(|e| e.in_origin(&origin))?;
    if model.has_outcomes {
        let robust = RobustMdp::finite(model.kernels.clone()).map_err(|e| e.in_origin(&origin))?;
        Ok((
            robust.nominal().clone(),
            FileUncertainty::Kernels(model.kernels),
        ))
    } else {
        let mdp = model.kernels.into_iter().next().ok_or_else(|| {
            Error::invalid("rows", "no transitions", "at least one transition row")
                .in_origin(&origin)
        })?;
        Ok((mdp, FileUncertainty::None))
    }
}

/// What a world file holds: an MDP (with what it says of nature) or a game.
#[derive(Debug, Clone)]
pub enum WorldFile {
    /// The world, its format, its uncertainty set and its feature map (`features`), if any.
    Mdp(
        TabularMdp,
        SourceFormat,
        FileUncertainty,
        Option<FeatureMap>,
    ),
    Game(MarkovGame, SourceFormat),
}

fn has_extension(path: &Path, wanted: &str) -> bool {
    path.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| e.eq_ignore_ascii_case(wanted))
}

/// Reads any world file: a tabular MDP (native, P-table, CRAAM) or a game (Gambit `.nfg`, or a
/// native file with a `players` field). The document is parsed once.
pub fn load_file(path: &Path) -> Result<WorldFile> {
    let origin = path.display().to_string();
    let name = path.file_stem().and_then(|s| s.to_str()).unwrap_or("world");
    if is_csv(path) {
        let (nominal, uncertainty) = load_craam(path)?;
        return Ok(WorldFile::Mdp(
            nominal,
            SourceFormat::CraamCsv,
            uncertainty,
            None,
        ));
    }
    if has_extension(path, "nfg") {
        let text = read_text(path)?;
        let game = nfg::parse(&text, name).map_err(|e| e.in_origin(&origin))?;
        return Ok(WorldFile::Game(game, SourceFormat::GambitNfg));
    }
    let syntax = syntax_of(path)?;
    let text = read_text(path)?;
    let root = parse_root(&text, syntax, &origin)?;
    if native_game::looks_like_game(&root) {
        let game = native_game::from_node(&root, name).map_err(|e| e.in_origin(&origin))?;
        let source = match syntax {
            Syntax::Json => SourceFormat::NativeGameJson,
            Syntax::Toml => SourceFormat::NativeGameToml,
        };
        return Ok(WorldFile::Game(game, source));
    }
    let (mdp, source, features) = world_of_root(&root, syntax, &origin, name)?;
    let uncertainty = match (&root, source) {
        (_, SourceFormat::GymnasiumPTable) => FileUncertainty::None,
        (Node::Table(entries), _) => match node::field(entries, "uncertainty") {
            Some(table) => FileUncertainty::Set(
                UncertaintySet::from_node(table, mdp.n_states(), mdp.n_actions())
                    .map_err(|e| e.in_origin(&origin))?,
            ),
            None => FileUncertainty::None,
        },
        _ => FileUncertainty::None,
    };
    Ok(WorldFile::Mdp(mdp, source, uncertainty, features))
}

/// Reads a world with the uncertainty its file declares (the document is parsed once); a game
/// file is an error that says which commands read games.
pub fn load_robust(path: &Path) -> Result<(TabularMdp, SourceFormat, FileUncertainty)> {
    match load_file(path)? {
        WorldFile::Mdp(mdp, source, uncertainty, _) => Ok((mdp, source, uncertainty)),
        WorldFile::Game(game, source) => Err(Error::Usage(format!(
            "{}: a {}-player game ({source}); `check`, `solve`, `evaluate` and `train` read \
             games, this command reads MDPs",
            path.display(),
            game.n_players()
        ))),
    }
}

/// Reads a game file (`.nfg`, or a native file with `players`).
pub fn load_game(path: &Path) -> Result<MarkovGame> {
    match load_file(path)? {
        WorldFile::Game(game, _) => Ok(game),
        WorldFile::Mdp(..) => Err(Error::Usage(format!(
            "{}: not a game (a game file is a Gambit .nfg or a native file with `players`)",
            path.display()
        ))),
    }
}

/// Writes a game in the native format, JSON or TOML by the extension, atomically.
pub fn save_game(game: &MarkovGame, path: &Path) -> Result<()> {
    let syntax = syntax_of(path)?;
    write_atomic(path, native_game::to_string(game, syntax)?.as_bytes())
}

fn parse_root(text: &str, syntax: Syntax, origin: &str) -> Result<Node> {
    match syntax {
        Syntax::Json => Node::parse_json(text, origin),
        Syntax::Toml => Node::parse_toml(text, origin),
    }
}

/// The `features` table of a .json/.toml file (a world file, or a file holding only `features`)
/// for a world of S states and A actions.
pub fn load_features(path: &Path, n_states: usize, n_actions: usize) -> Result<FeatureMap> {
    let origin = path.display().to_string();
    let syntax = syntax_of(path)?;
    let root = parse_root(&read_text(path)?, syntax, &origin)?;
    let node = match &root {
        Node::Table(entries) => node::field(entries, "features"),
        _ => None,
    }
    .ok_or_else(|| {
        Error::invalid(
            "features",
            "missing",
            "expected a top-level `features` table: features[s][a] = [φ_1, …, φ_d] (mdps/README.md)",
        )
        .in_origin(&origin)
    })?;
    features::read_features(node, n_states, n_actions).map_err(|e| e.in_origin(&origin))
}

/// The world a parsed document describes: a P-table (JSON keyed "0", "1", …) or the native format.
fn world_of_root(
    root: &Node,
    syntax: Syntax,
    origin: &str,
    name: &str,
) -> Result<(TabularMdp, SourceFormat, Option<FeatureMap>)> {
    let result = match syntax {
        Syntax::Json if gymnasium::looks_like_p_table(root) => {
            gymnasium::from_node(root, name).map(|m| (m, SourceFormat::GymnasiumPTable, None))
        }
        Syntax::Json => native::from_node_with_features(root, name)
            .map(|(m, f)| (m, SourceFormat::NativeJson, f)),
        Syntax::Toml => native::from_node_with_features(root, name)
            .map(|(m, f)| (m, SourceFormat::NativeToml, f)),
    };
    result.map_err(|e| e.in_origin(origin))
}

/// Parses a world from text; `origin` names the source in errors, `name` is the default name.
pub fn parse(
    text: &str,
    syntax: Syntax,
    origin: &str,
    name: &str,
) -> Result<(TabularMdp, SourceFormat)> {
    world_of_root(&parse_root(text, syntax, origin)?, syntax, origin, name)
        .map(|(mdp, source, _)| (mdp, source))
}

/// Writes a world in the native format, JSON or TOML by the extension, atomically.
pub fn save(mdp: &TabularMdp, path: &Path) -> Result<()> {
    save_with_features(mdp, None, path)
}

/// Writes a world and its feature map (if given) in the native format, atomically.
pub fn save_with_features(
    mdp: &TabularMdp,
    features: Option<&FeatureMap>,
    path: &Path,
) -> Result<()> {
    let syntax = syntax_of(path)?;
    write_atomic(
        path,
        native::to_string_with_features(mdp, features, syntax).as_bytes(),
    )
}
