//! Reading and writing worlds: the native JSON/TOML format ([`native`]) and Gymnasium P-tables
//! ([`gymnasium`]). [`load`] picks the reader from the file extension and, for JSON, from the
//! document's shape (a table keyed "0", "1", … is a P-table).

pub mod craam;
pub mod gymnasium;
pub mod native;
pub mod node;

use std::path::Path;

use crate::core::error::{Error, Result};
use crate::core::files::{read_text, write_atomic};
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
}

impl std::fmt::Display for SourceFormat {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            SourceFormat::NativeJson => "policylab native (JSON)",
            SourceFormat::NativeToml => "policylab native (TOML)",
            SourceFormat::GymnasiumPTable => "Gymnasium P-table (JSON)",
            SourceFormat::CraamCsv => "CRAAM CSV",
        })
    }
}

fn syntax_of(path: &Path) -> Result<Syntax> {
    match path.extension().and_then(|e| e.to_str()) {
        Some(ext) if ext.eq_ignore_ascii_case("json") => Ok(Syntax::Json),
        Some(ext) if ext.eq_ignore_ascii_case("toml") => Ok(Syntax::Toml),
        other => Err(Error::Usage(format!(
            "{}: unknown file type {}; expected a .json or .toml file (or a CRAAM .csv)",
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

/// Reads a world with the uncertainty its file declares (the document is parsed once).
pub fn load_robust(path: &Path) -> Result<(TabularMdp, SourceFormat, FileUncertainty)> {
    if is_csv(path) {
        let (nominal, uncertainty) = load_craam(path)?;
        return Ok((nominal, SourceFormat::CraamCsv, uncertainty));
    }
    let syntax = syntax_of(path)?;
    let text = read_text(path)?;
    let origin = path.display().to_string();
    let name = path.file_stem().and_then(|s| s.to_str()).unwrap_or("world");
    let root = parse_root(&text, syntax, &origin)?;
    let (mdp, source) = world_of_root(&root, syntax, &origin, name)?;
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
    Ok((mdp, source, uncertainty))
}

fn parse_root(text: &str, syntax: Syntax, origin: &str) -> Result<Node> {
    match syntax {
        Syntax::Json => Node::parse_json(text, origin),
        Syntax::Toml => Node::parse_toml(text, origin),
    }
}

/// The world a parsed document describes: a P-table (JSON keyed "0", "1", …) or the native format.
fn world_of_root(
    root: &Node,
    syntax: Syntax,
    origin: &str,
    name: &str,
) -> Result<(TabularMdp, SourceFormat)> {
    let result = match syntax {
        Syntax::Json if gymnasium::looks_like_p_table(root) => {
            gymnasium::from_node(root, name).map(|m| (m, SourceFormat::GymnasiumPTable))
        }
        Syntax::Json => native::from_node(root, name).map(|m| (m, SourceFormat::NativeJson)),
        Syntax::Toml => native::from_node(root, name).map(|m| (m, SourceFormat::NativeToml)),
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
}

/// Writes a world in the native format, JSON or TOML by the extension, atomically.
pub fn save(mdp: &TabularMdp, path: &Path) -> Result<()> {
    let syntax = syntax_of(path)?;
    write_atomic(path, native::to_string(mdp, syntax).as_bytes())
}
