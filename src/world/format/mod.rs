//! Reading and writing worlds: the native JSON/TOML format ([`native`]) and Gymnasium P-tables
//! ([`gymnasium`]). [`load`] picks the reader from the file extension and, for JSON, from the
//! document's shape (a table keyed "0", "1", … is a P-table).

pub mod gymnasium;
pub mod native;
pub mod node;

use std::path::Path;

use crate::core::error::{Error, Result};
use crate::core::files::{read_text, write_atomic};
use crate::world::mdp::TabularMdp;
use node::Node;

pub use native::Syntax;

/// Which format a file was read as.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SourceFormat {
    NativeJson,
    NativeToml,
    GymnasiumPTable,
}

impl std::fmt::Display for SourceFormat {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            SourceFormat::NativeJson => "policylab native (JSON)",
            SourceFormat::NativeToml => "policylab native (TOML)",
            SourceFormat::GymnasiumPTable => "Gymnasium P-table (JSON)",
        })
    }
}

fn syntax_of(path: &Path) -> Result<Syntax> {
    match path.extension().and_then(|e| e.to_str()) {
        Some(ext) if ext.eq_ignore_ascii_case("json") => Ok(Syntax::Json),
        Some(ext) if ext.eq_ignore_ascii_case("toml") => Ok(Syntax::Toml),
        other => Err(Error::Usage(format!(
            "{}: unknown file type {}; expected a .json or .toml file",
            path.display(),
            other.map_or("(no extension)".to_string(), |e| format!(".{e}")),
        ))),
    }
}

/// Reads a world from a `.json` or `.toml` file.
pub fn load(path: &Path) -> Result<TabularMdp> {
    load_with_format(path).map(|(mdp, _)| mdp)
}

/// Reads a world and says which format it was in.
pub fn load_with_format(path: &Path) -> Result<(TabularMdp, SourceFormat)> {
    let syntax = syntax_of(path)?;
    let text = read_text(path)?;
    let origin = path.display().to_string();
    let name = path
        .file_stem()
        .and_then(|s| s.to_str())
        .unwrap_or("world")
        .to_string();
    parse(&text, syntax, &origin, &name)
}

/// Parses a world from text; `origin` names the source in errors, `name` is the default name.
pub fn parse(
    text: &str,
    syntax: Syntax,
    origin: &str,
    name: &str,
) -> Result<(TabularMdp, SourceFormat)> {
    let result = match syntax {
        Syntax::Json => {
            let root = Node::parse_json(text, origin)?;
            if gymnasium::looks_like_p_table(&root) {
                gymnasium::from_node(&root, name).map(|m| (m, SourceFormat::GymnasiumPTable))
            } else {
                native::from_node(&root, name).map(|m| (m, SourceFormat::NativeJson))
            }
        }
        Syntax::Toml => {
            let root = Node::parse_toml(text, origin)?;
            native::from_node(&root, name).map(|m| (m, SourceFormat::NativeToml))
        }
    };
    result.map_err(|e| e.in_origin(origin))
}

/// Writes a world in the native format, JSON or TOML by the extension, atomically.
pub fn save(mdp: &TabularMdp, path: &Path) -> Result<()> {
    let syntax = syntax_of(path)?;
    write_atomic(path, native::to_string(mdp, syntax).as_bytes())
}
