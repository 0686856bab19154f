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

/// True when `CI` says this is a CI run: set to anything but empty, `false` or `0`
/// (`CI=true`, `CI=1`, `CI=yes` all count).
pub fn in_ci() -> bool {
    std::env::var_os("CI").is_some_and(|v| !matches!(v.to_str(), Some("" | "false" | "0")))
}

/// True when the lab can run; otherwise skip (or fail in CI, see [`in_ci`]).
pub fn lab_ready(test: &str, tools: &[&str]) -> bool {
    match lab_missing(test, tools) {
        None => true,
        Some(why) if in_ci() => panic!("{test}: namespace lab unavailable in CI: {why}"),
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
# proc_status NAME PID: copies /proc/PID/status to $OUT/NAME.status once PID runs $BIN without
# root ids or capabilities (privileges dropped), or as it is after 5 s (for the assertions).
proc_status() {{
  local name=$1 pid=$2 bin i
  bin=$(readlink -f "$BIN")
  for ((i = 0; i < 100; i++)); do
    if [[ "$(readlink "/proc/$pid/exe" 2>/dev/null)" == "$bin" ]] &&
      cp "/proc/$pid/status" "$OUT/$name.status" 2>/dev/null &&
      grep -Eq '^CapEff:[[:space:]]+0+$' "$OUT/$name.status" &&
      awk '/^[UG]id:/ {{ for (f = 2; f <= 5; f++) if ($f == 0) bad = 1 }} END {{ exit bad }}' "$OUT/$name.status"; then
      return 0
    fi
    sleep 0.05
  done
  return 0
}}
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

    /// Asserts that `$OUT/NAME.status` (see `proc_status` in the script prelude) shows a process
    /// that gave its privileges up as docs/privileges.md promises: no root uid or gid (real,
    /// effective, saved, filesystem), no supplementary groups, no capability left.
    pub fn assert_dropped(&self, name: &str) {
        let status = self.file(&format!("{name}.status"));
        let field = |key: &str| {
            status
                .lines()
                .find_map(|l| l.strip_prefix(key))
                .unwrap_or_else(|| panic!("{name}: no {key} in /proc status:\n{status}"))
                .split_whitespace()
                .map(str::to_owned)
                .collect::<Vec<String>>()
        };
        for key in ["Uid:", "Gid:"] {
            let ids = field(key);
            assert_eq!(ids.len(), 4, "{name} {key} {ids:?}");
            assert!(
                ids.iter().all(|id| id != "0"),
                "{name}: still root ({key} {ids:?}):\n{status}"
            );
        }
        assert!(
            field("Groups:").is_empty(),
            "{name}: groups kept:\n{status}"
        );
        for key in ["CapEff:", "CapPrm:", "CapAmb:"] {
            let v = field(key);
            let caps = u64::from_str_radix(v.first().map_or("", String::as_str), 16);
            assert_eq!(caps, Ok(0), "{name}: {key} {v:?}:\n{status}");
        }
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
