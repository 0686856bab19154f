//! The layering rules of docs/architecture.md, checked on the source text: clap stays at the
//! edge (`cli/`, `main.rs`), nothing in the library imports `cli` (so no module cycle
//! through it), and anyhow is only `main`'s (the library's errors are thiserror types).

use std::path::{Path, PathBuf};

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// Library files (everything under src/ but the edge: `cli/`, `main.rs`) with their text.
fn library_sources() -> Vec<(String, String)> {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    files
        .into_iter()
        .filter_map(|p| {
            let rel = p.strip_prefix(&src).unwrap().to_string_lossy().into_owned();
            (!rel.starts_with("cli") && rel != "main.rs")
                .then(|| (rel, std::fs::read_to_string(&p).unwrap()))
        })
        .collect()
}

/// Lines of `text` that mention `needle` outside comments.
fn code_mentions(text: &str, needle: &str) -> Vec<String> {
    text.lines()
        .filter(|l| !l.trim_start().starts_with("//"))
        .filter(|l| l.contains(needle))
        .map(str::to_owned)
        .collect()
}

#[test]
fn the_library_names_no_clap_cli_or_anyhow() {
    let sources = library_sources();
    assert!(sources.len() > 20, "found only {} files", sources.len());
    let mut offences = Vec::new();
    for (file, text) in &sources {
        // Each needle is split so this file's own text never matches it.
        for needle in [
            concat!("clap", "::"),
            concat!("use ", "clap"),
            concat!("crate::", "cli"),
            concat!("anyhow", "::"),
            concat!("anyhow", "!"),
        ] {
            for line in code_mentions(text, needle) {
                // Test code that builds needles like this file does is not a use.
                if line.contains("concat!(") {
                    continue;
                }
                offences.push(format!("src/{file}: {needle}: {}", line.trim()));
            }
        }
    }
    assert!(offences.is_empty(), "{}", offences.join("\n"));
}

#[test]
fn the_check_sees_a_violation() {
    let bad = format!(
        "fn f() -> {}Result<()> {{ Ok(()) }}",
        concat!("anyhow", "::")
    );
    assert_eq!(code_mentions(&bad, concat!("anyhow", "::")).len(), 1);
    assert!(code_mentions("// anyhow::Result in a comment", "anyhow::").is_empty());
}
