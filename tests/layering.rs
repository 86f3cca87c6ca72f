//! The layer order of `src/lib.rs` enforced: every `crate::ROOM` path in `src/` (imports and
//! paths written inline, comments excluded) must name the file's own room or one below it in the
//! order the crate documentation writes down.

use std::path::{Path, PathBuf};

/// The rooms in the order of `src/lib.rs`'s "Layer order" block, top first.
fn layer_order(root: &Path) -> Vec<String> {
    let lib = std::fs::read_to_string(root.join("src/lib.rs")).expect("src/lib.rs is readable");
    let mut lines = lib
        .lines()
        .skip_while(|l| !l.starts_with("//! # Layer order"));
    let mut rooms = Vec::new();
    lines.by_ref().find(|l| l.trim() == "//! ```text");
    for line in lines {
        let body = line.trim_start_matches("//!").trim();
        if body == "```" {
            break;
        }
        let room = body
            .split_whitespace()
            .next()
            .expect("a room name on each line");
        rooms.push(room.to_string());
    }
    assert!(rooms.len() >= 10, "the layer order block lists {rooms:?}");
    rooms
}

fn rust_files(folder: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(folder).expect("src/ is readable") {
        let path = entry.expect("a directory entry").path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The room a file belongs to: its folder under src/, or its name for src/NAME.rs; main.rs is the
/// command's, like cli/.
fn room_of(root: &Path, file: &Path) -> String {
    let relative = file
        .strip_prefix(root.join("src"))
        .expect("a file under src/");
    let first = relative.components().next().expect("a path component");
    let name = first.as_os_str().to_string_lossy();
    match name.trim_end_matches(".rs") {
        "main" => "cli".to_string(),
        other => other.to_string(),
    }
}

/// Every room named after `crate::` on the non-comment lines of `text`.
fn rooms_used(text: &str) -> Vec<(usize, String)> {
    let mut used = Vec::new();
    for (number, line) in text.lines().enumerate() {
        let code = line.split("//").next().unwrap_or("");
        let mut rest = code;
        while let Some(at) = rest.find("crate::") {
            let after = &rest[at + "crate::".len()..];
            let room: String = after
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                .collect();
            if !room.is_empty() {
                used.push((number + 1, room));
            }
            rest = after;
        }
    }
    used
}

#[test]
fn no_room_imports_a_room_above_it() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let order = layer_order(root);
    let rank = |room: &str| order.iter().position(|r| r == room);
    let mut files = Vec::new();
    rust_files(&root.join("src"), &mut files);
    files.sort();
    let mut violations = Vec::new();
    for file in &files {
        let room = room_of(root, file);
        if room == "lib" {
            continue;
        }
        let Some(own) = rank(&room) else {
            violations.push(format!(
                "{}: room `{room}` is not in the layer order",
                file.display()
            ));
            continue;
        };
        let text = std::fs::read_to_string(file).expect("a readable source file");
        for (line, used) in rooms_used(&text) {
            match rank(&used) {
                Some(other) if other < own => violations.push(format!(
                    "{}:{line}: `{room}` uses `crate::{used}`, a room above it",
                    file.display()
                )),
                Some(_) => {}
                None => violations.push(format!(
                    "{}:{line}: `crate::{used}` is not a room of the layer order",
                    file.display()
                )),
            }
        }
    }
    assert!(violations.is_empty(), "{}", violations.join("\n"));
}

#[test]
fn the_checker_sees_a_wrong_way_import() {
    let text = "use crate::core::error::Result;\n// crate::cli in a comment\nfn f() { crate::algo::run(); }\n";
    let used: Vec<String> = rooms_used(text).into_iter().map(|(_, r)| r).collect();
    assert_eq!(used, ["core", "algo"]);
}
