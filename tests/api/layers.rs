//! The import graph is a stack (docs/ARCHITECTURE.md, "Layers"): a module
//! of `src/` uses only modules below it, so the composition root, the HTTP
//! surface, the GraphQL layer and the domain never import each other in a
//! loop, and `auth` does not import `domain`. This reads the source, so a
//! use that goes upward fails here before it can grow into a cycle.

use std::collections::BTreeSet;
use std::path::Path;

/// Each top-level module of `src/` and its height: a module may use only
/// modules that stand lower.
const LAYERS: &[(&str, u8)] = &[
    ("main", 9),
    ("cli", 9),
    ("app", 8),
    ("backup", 8),
    ("http", 7),
    ("seed", 7),
    ("scheduler", 7),
    ("graphql", 6),
    ("state", 5),
    ("domain", 4),
    ("auth", 3),
    ("retention", 3),
    ("db", 2),
    ("events", 2),
    ("entities", 1),
    ("telemetry", 1),
    ("instruments", 1),
    ("config", 0),
    ("error", 0),
];

fn height(module: &str) -> Option<u8> {
    LAYERS.iter().find(|(m, _)| *m == module).map(|(_, h)| *h)
}

/// The top-level modules a line of code names through `crate::`.
fn crate_paths(line: &str) -> BTreeSet<String> {
    let mut found = BTreeSet::new();
    let mut rest = line;
    while let Some(at) = rest.find("crate::") {
        rest = &rest[at + "crate::".len()..];
        if let Some(group) = rest.strip_prefix('{') {
            // `crate::{db, events::Hub}`: every first segment in the group.
            let end = group.find('}').unwrap_or(group.len());
            for item in group[..end].split(',') {
                let name: String = item
                    .trim()
                    .chars()
                    .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                    .collect();
                if !name.is_empty() {
                    found.insert(name);
                }
            }
        } else {
            let name: String = rest
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                .collect();
            if !name.is_empty() {
                found.insert(name);
            }
        }
    }
    found
}

fn rust_files(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

#[test]
fn every_module_imports_only_the_layers_below_it() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    let mut upward = Vec::new();
    for file in files {
        let relative = file.strip_prefix(&src).unwrap();
        let top = relative
            .components()
            .next()
            .unwrap()
            .as_os_str()
            .to_string_lossy()
            .trim_end_matches(".rs")
            .to_owned();
        if top == "lib" {
            continue;
        }
        let Some(own) = height(&top) else {
            panic!("src/{top} is not in LAYERS: give it a place in the stack");
        };
        let text = std::fs::read_to_string(&file).unwrap();
        for (number, line) in text.lines().enumerate() {
            if line.trim_start().starts_with("//") {
                continue;
            }
            for used in crate_paths(line) {
                if used == top {
                    continue;
                }
                let Some(theirs) = height(&used) else {
                    panic!(
                        "src/{used} (used by {}) is not in LAYERS",
                        relative.display()
                    );
                };
                if theirs >= own {
                    upward.push(format!(
                        "src/{}:{}: {top} uses {used}",
                        relative.display(),
                        number + 1
                    ));
                }
            }
        }
    }
    assert!(
        upward.is_empty(),
        "imports that go up the stack:\n{}",
        upward.join("\n")
    );
}

#[test]
fn crate_paths_finds_plain_and_grouped_uses() {
    assert_eq!(
        crate_paths("use crate::{db, events::Hub};"),
        BTreeSet::from(["db".to_owned(), "events".to_owned()])
    );
    assert_eq!(
        crate_paths("let x = crate::auth::Role::Admin; crate::http::App"),
        BTreeSet::from(["auth".to_owned(), "http".to_owned()])
    );
}
