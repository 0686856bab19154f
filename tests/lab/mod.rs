//! The namespace lab from Rust: the gate (tests/common/gate.rs: skip, or fail in CI, when root,
//! `ip netns` or a tool is missing) and a runner for bash scripts that source tests/lab/lib.sh.
#![allow(dead_code)] // each test binary uses its own subset

use serde_json::Value as Json;
use std::path::PathBuf;
use std::process::Command;

pub const BIN: &str = env!("CARGO_BIN_EXE_dhcpscope");
const LIB: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/lab/lib.sh");

#[path = "../common/gate.rs"]
pub mod gate;

use gate::Need;

/// True when the lab can run: root, network namespaces, `ip ethtool tcpdump setpriv` and
/// `tools`. Otherwise skips or, in CI, fails (the rule is in tests/common/gate.rs).
pub fn lab_ready(test: &str, tools: &[&str]) -> bool {
    let mut needs = vec![Need::Netns];
    needs.extend(
        ["ip", "ethtool", "tcpdump", "setpriv"]
            .iter()
            .chain(tools)
            .map(|t| Need::Program(t)),
    );
    gate::ready(test, &needs)
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
