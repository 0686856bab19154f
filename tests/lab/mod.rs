//! The namespace lab from Rust: a gate that skips (or fails in CI) when root, `ip netns` or a
//! tool is missing, and a runner for bash scripts that source tests/lab/lib.sh.
#![allow(dead_code)] // each test binary uses its own subset

use serde_json::Value as Json;
use std::path::PathBuf;
use std::process::Command;

pub const BIN: &str = env!("CARGO_BIN_EXE_dhcpscope");
const LIB: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/lab/lib.sh");

/// Why the namespace lab cannot run here, if it cannot.
fn lab_missing(test: &str, tools: &[&str]) -> Option<String> {
    // SAFETY: geteuid has no preconditions.
    if unsafe { libc::geteuid() } != 0 {
        return Some("not root".into());
    }
    for t in ["ip", "ethtool", "tcpdump", "setpriv"].iter().chain(tools) {
        let found = Command::new("sh")
            .args(["-c", &format!("command -v {t}")])
            .output()
            .is_ok_and(|o| o.status.success());
        if !found {
            return Some(format!("{t} is not installed"));
        }
    }
    // One name per test: the tests of a binary run in parallel threads of one process.
    let ns = format!("dsr-check-{}-{test}", std::process::id());
    let ok = Command::new("ip")
        .args(["netns", "add", &ns])
        .output()
        .is_ok_and(|o| o.status.success());
    let _ = Command::new("ip").args(["netns", "del", &ns]).output();
    if !ok {
        return Some("cannot create network namespaces".into());
    }
    None
}

/// True when the lab can run; otherwise skip (or fail in CI).
pub fn lab_ready(test: &str, tools: &[&str]) -> bool {
    match lab_missing(test, tools) {
        None => true,
        Some(why) if std::env::var("CI").is_ok_and(|v| v == "true") => {
            panic!("{test}: namespace lab unavailable in CI: {why}")
        }
        Some(why) => {
            eprintln!("skipping {test}: {why}");
            false
        }
    }
}

/// Results of one lab script: `run NAME CMD…` in the script leaves NAME.out/.err/.rc here.
pub struct Lab {
    dir: PathBuf,
}

impl Lab {
    pub fn run(test: &str, script: &str) -> Lab {
        let dir = std::env::temp_dir().join(format!("dhcpscope-{test}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let prelude = format!(
            r#"set -euo pipefail
source '{LIB}'
BIN='{BIN}'
OUT='{out}'
run() {{ local name=$1; shift; set +e; "$@" >"$OUT/$name.out" 2>"$OUT/$name.err"; echo $? >"$OUT/$name.rc"; set -e; }}
"#,
            out = dir.display()
        );
        let out = Command::new("bash")
            .args(["-c", &format!("{prelude}\n{script}")])
            .output()
            .expect("bash runs");
        assert!(
            out.status.success(),
            "{test}: lab script failed ({}):\n{}\n{}",
            out.status,
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        Lab { dir }
    }

    pub fn file(&self, name: &str) -> String {
        std::fs::read_to_string(self.dir.join(name)).unwrap_or_default()
    }

    pub fn rc(&self, name: &str) -> i32 {
        self.file(&format!("{name}.rc"))
            .trim()
            .parse()
            .unwrap_or(-1)
    }

    pub fn out(&self, name: &str) -> String {
        self.file(&format!("{name}.out"))
    }

    pub fn err(&self, name: &str) -> String {
        self.file(&format!("{name}.err"))
    }

    pub fn json(&self, name: &str) -> Json {
        let text = self.out(name);
        serde_json::from_str(text.lines().next().unwrap_or(""))
            .unwrap_or_else(|e| panic!("{name}: not JSON ({e}): {text}\n{}", self.err(name)))
    }

    /// Context for assertion messages.
    pub fn show(&self, name: &str) -> String {
        format!(
            "[{name}] rc={} stdout:\n{}\nstderr:\n{}",
            self.rc(name),
            self.out(name),
            self.err(name)
        )
    }
}

impl Drop for Lab {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}
