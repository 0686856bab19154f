//! The one gate for tests that need what a machine may lack: root, network namespaces,
//! external programs, a Python module, the shared public captures.
//!
//! One rule for `CI`: it counts as set when its value is anything but empty, `0` or `false`
//! (any case), so `CI=true`, `CI=1` and `CI=yes` all count and `CI=false` does not. In CI a
//! missing prerequisite FAILS the test, naming it; elsewhere the test is skipped and says why
//! on stderr (written past the test harness's capture, so it shows in a plain `cargo test`).
//!
//! The shared public captures live at `../shared/captures/public` beside the repository (the
//! directory holding `Cargo.toml`); they are never copied into the repository.
//!
//! Include it with `#[path = "common/gate.rs"] mod gate;` (from `tests/lab/`:
//! `#[path = "../common/gate.rs"]`).
#![allow(dead_code)] // each test binary uses its own subset

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;

/// Something a test needs from the machine.
#[derive(Debug, Clone, Copy)]
pub enum Need<'a> {
    /// Effective uid 0.
    Root,
    /// `ip netns add` works (implies root and `ip`).
    Netns,
    /// A program on `PATH` (or in the sbin directories), or an absolute path.
    Program(&'a str),
    /// A module `/usr/bin/python3` can import.
    PythonModule(&'a str),
    /// The shared public captures (see [`public_dir`]).
    SharedCaptures,
}

/// True when `CI` says this is a CI run (see the module documentation for the rule).
pub fn in_ci() -> bool {
    ci_value(std::env::var_os("CI").as_deref().and_then(|v| v.to_str()))
}

/// The rule itself, on the raw value of `CI` (None: unset).
pub fn ci_value(v: Option<&str>) -> bool {
    v.is_some_and(|v| {
        let v = v.trim();
        !(v.is_empty() || v == "0" || v.eq_ignore_ascii_case("false"))
    })
}

/// `../shared` beside the repository.
pub fn shared_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared")
}

/// `../shared/captures/public` beside the repository.
pub fn public_dir() -> PathBuf {
    shared_dir().join("captures/public")
}

/// Why `need` is not met here, if it is not.
pub fn unmet(need: Need<'_>) -> Option<String> {
    match need {
        Need::Root => (effective_uid() != Some(0)).then(|| "not root".to_string()),
        Need::Netns => unmet(Need::Root)
            .map(|why| format!("{why} (network namespaces need root)"))
            .or_else(|| unmet(Need::Program("ip")))
            .or_else(|| netns_usable().err()),
        Need::Program(p) => (!find_program(p)).then(|| format!("program `{p}` is not installed")),
        Need::PythonModule(m) => {
            let ok = Command::new("/usr/bin/python3")
                .args(["-c", &format!("import {m}")])
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .status()
                .is_ok_and(|s| s.success());
            (!ok).then(|| format!("/usr/bin/python3 cannot import `{m}`"))
        }
        Need::SharedCaptures => {
            let dir = public_dir();
            (!dir.join("MANIFEST.md").is_file()).then(|| {
                format!(
                    "shared public captures missing: {} (expected at ../shared/captures/public \
                     beside the repository)",
                    dir.display()
                )
            })
        }
    }
}

/// Every unmet need, joined; None when all are met.
pub fn missing(needs: &[Need<'_>]) -> Option<String> {
    let why: Vec<String> = needs.iter().filter_map(|n| unmet(*n)).collect();
    (!why.is_empty()).then(|| why.join("; "))
}

/// True when every need is met. Otherwise, in CI, panics naming what is missing; elsewhere
/// prints `SKIPPED test: why` on stderr and returns false (the caller returns).
pub fn ready(test: &str, needs: &[Need<'_>]) -> bool {
    match missing(needs) {
        None => true,
        Some(why) => {
            skip_or_fail(test, &why);
            false
        }
    }
}

/// Panics in CI; elsewhere prints the skip (past the harness's capture).
pub fn skip_or_fail(test: &str, why: &str) {
    if in_ci() {
        panic!("{test}: cannot run in CI: {why}");
    }
    let _ = writeln!(std::io::stderr(), "SKIPPED {test}: {why}");
}

/// The public capture `name` when the shared captures are here (a listed file that is
/// missing always fails); None after a skip (see [`ready`]).
pub fn public_capture(test: &str, name: &str) -> Option<PathBuf> {
    if !ready(test, &[Need::SharedCaptures]) {
        return None;
    }
    let p = public_dir().join(name);
    assert!(
        p.is_file(),
        "{test}: {} is listed in MANIFEST.md but missing",
        p.display()
    );
    Some(p)
}

fn effective_uid() -> Option<u32> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("Uid:"))?;
    line.split_whitespace().nth(2)?.parse().ok()
}

fn find_program(name: &str) -> bool {
    if name.contains('/') {
        return Path::new(name).is_file();
    }
    let path = std::env::var("PATH").unwrap_or_default();
    path.split(':')
        .chain(["/usr/local/sbin", "/usr/sbin", "/sbin", "/usr/bin", "/bin"])
        .filter(|d| !d.is_empty())
        .any(|d| Path::new(d).join(name).is_file())
}

/// Can this process create network namespaces? Checked once per test binary, with a
/// namespace named like the lab's (`dsr-<pid>-gate`, so tests/lab/lib.sh's stale cleanup
/// would also find it).
fn netns_usable() -> Result<(), String> {
    static RESULT: OnceLock<Result<(), String>> = OnceLock::new();
    RESULT
        .get_or_init(|| {
            let name = format!("dsr-{}-gate", std::process::id());
            let add = Command::new("ip")
                .args(["netns", "add", &name])
                .output()
                .map_err(|e| format!("cannot run `ip`: {e}"))?;
            if !add.status.success() {
                return Err(format!(
                    "`ip netns add` fails: {}",
                    String::from_utf8_lossy(&add.stderr).trim()
                ));
            }
            let _ = Command::new("ip").args(["netns", "del", &name]).status();
            Ok(())
        })
        .clone()
}
