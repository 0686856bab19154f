//! The interactive terminal UI (ratatui): per-client DORA timelines.
//!
//! The Elm Architecture: one [`Model`] ([`model`]), messages ([`Msg`]) from three threads
//! over one bounded channel (keys from the terminal, packet batches from the pipeline's
//! reader, probe news), [`update()`] without I/O (keys go through the binding table in [`keys`]
//! to actions), [`layout`] shared by update and the views, and [`view()`] without side effects,
//! one file per pane. [`runtime`] owns the terminal, the threads and the file handle used to
//! read a frame again for the detail view. It takes a validated [`TuiConfig`]; the command
//! line is `cli`'s business. See docs/tui.md.

pub mod filter;
pub mod keys;
pub mod ladder;
pub mod layout;
pub mod model;
pub mod packet;
pub mod probe;
pub mod reader;
pub mod runtime;
pub mod update;
pub mod view;

pub use model::{Cmd, Model, Msg, SourceKind};
pub use reader::Speed;
pub use runtime::{TuiError, load_model, run, run_cmds};
pub use update::update;
pub use view::{set_utc, view};

use crate::analysis::Expectations;
use std::path::PathBuf;

/// What the interactive view reads, validated.
#[derive(Debug, Clone, PartialEq)]
pub enum TuiInput {
    /// A capture file, `-` for standard input, or a pipe; loaded at once or replayed.
    File { path: PathBuf, speed: Speed },
    /// A live interface, with an optional BPF filter and savefile.
    Live {
        interface: String,
        filter: Option<String>,
        write: Option<PathBuf>,
    },
}

/// Everything the interactive view needs to start.
#[derive(Debug, Clone)]
pub struct TuiConfig {
    pub input: TuiInput,
    pub expectations: Expectations,
    /// Show times in UTC instead of the local zone (`TZ` respected).
    pub utc: bool,
}

/// `s` with what a terminal must not get raw (C0 and C1 controls, DEL, bidi and zero-width
/// characters) escaped as [`crate::escape::escape_str`] does, and nothing else: text already
/// escaped passes unchanged, its backslashes single.
pub fn terminal_safe(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut buf = [0; 4];
    for c in s.chars() {
        let one = c.encode_utf8(&mut buf);
        if c == '\\' || crate::escape::is_clean(one) {
            out.push(c);
        } else {
            out.push_str(&crate::escape::escape_str(one));
        }
    }
    out
}

/// True when `s` can go to a terminal as it is: [`terminal_safe`] leaves it unchanged.
pub fn is_terminal_safe(s: &str) -> bool {
    s.chars()
        .all(|c| c == '\\' || crate::escape::is_clean(c.encode_utf8(&mut [0; 4])))
}

#[cfg(test)]
mod tests {
    /// clap stays at the edge: nothing under `src/tui` names the command line or clap, so
    /// `cli` → `tui` is the only edge between them (no module cycle).
    #[test]
    fn the_tui_knows_no_clap() {
        fn walk(dir: &std::path::Path, files: &mut Vec<std::path::PathBuf>) {
            for e in std::fs::read_dir(dir).unwrap().filter_map(Result::ok) {
                let p = e.path();
                if p.is_dir() {
                    walk(&p, files);
                } else if p.extension().is_some_and(|x| x == "rs") {
                    files.push(p);
                }
            }
        }
        let mut files = Vec::new();
        walk(
            &std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src/tui"),
            &mut files,
        );
        assert!(files.len() > 10);
        for f in files {
            let text = std::fs::read_to_string(&f).unwrap();
            // Spelled in pieces so that this file does not match itself.
            for needle in [
                ["crate::", "cli"],
                ["clap", "::"],
                ["#[", "arg("],
                ["#[", "command("],
            ] {
                let needle = needle.concat();
                assert!(!text.contains(&needle), "{} names {needle}", f.display());
            }
        }
    }
}
