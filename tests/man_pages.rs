//! `dhcpscope man`: a page per subcommand, installable with `--dir`, whose SEE ALSO names only
//! pages that exist; rendered with man(1) when it is installed.

#[path = "common/gate.rs"]
mod gate;

use std::process::Command;

const BIN: &str = env!("CARGO_BIN_EXE_dhcpscope");
const SUBCOMMANDS: &[&str] = &["decode", "report", "export", "leases", "probe"];

fn man(args: &[&str]) -> (i32, String) {
    let out = Command::new(BIN)
        .arg("man")
        .args(args)
        .output()
        .expect("run");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8(out.stdout).expect("utf-8 roff"),
    )
}

#[test]
fn every_page_renders_with_its_sections() {
    let (code, top) = man(&[]);
    assert_eq!(code, 0);
    for s in [
        ".SH NAME",
        ".SH SYNOPSIS",
        ".SH SUBCOMMANDS",
        ".SH FILTER EXPRESSIONS",
        ".SH KEYS",
        ".SH FINDINGS",
        ".SH EXAMPLES",
        ".SH EXIT STATUS",
        ".SH SEE ALSO",
    ] {
        assert!(top.contains(s), "top page lacks {s}");
    }
    for b in dhcpscope::tui::keys::BINDINGS {
        assert!(
            top.contains(&b.help.replace('-', "\\-")),
            "KEYS lacks {}",
            b.help
        );
    }
    for r in dhcpscope::analysis::findings::ALL_RULES {
        assert!(
            top.contains(&r.code.replace('-', "\\-")),
            "FINDINGS lacks {}",
            r.code
        );
    }
    for sub in SUBCOMMANDS {
        let (code, page) = man(&[sub]);
        assert_eq!(code, 0, "{sub}");
        assert!(
            page.contains(&format!(".TH DHCPSCOPE-{} 1", sub.to_uppercase())),
            "{sub} title"
        );
        for s in [
            ".SH NAME",
            ".SH OPTIONS",
            ".SH EXAMPLES",
            ".SH EXIT STATUS",
            ".SH SEE ALSO",
        ] {
            assert!(page.contains(s), "{sub} lacks {s}");
        }
        assert!(
            page.contains(&format!("dhcpscope {sub}")),
            "{sub} examples use the subcommand"
        );
    }
    let (_, report) = man(&["report"]);
    assert!(report.contains("\\-\\-filter") && report.contains(".SH FINDINGS"));
    let (code, _) = man(&["nope"]);
    assert_eq!(code, 2);
}

#[test]
fn dir_writes_every_page_and_see_also_names_only_those() {
    let dir = std::env::temp_dir().join(format!("dhcpscope-man-{}", std::process::id()));
    let (code, listed) = man(&["--dir", dir.to_str().expect("dir")]);
    assert_eq!(code, 0);
    let mut files: Vec<String> = std::fs::read_dir(&dir)
        .expect("dir")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    files.sort();
    let mut want: Vec<String> = SUBCOMMANDS
        .iter()
        .map(|s| format!("dhcpscope-{s}.1"))
        .collect();
    want.push("dhcpscope.1".into());
    want.sort();
    assert_eq!(files, want);
    assert_eq!(listed.lines().count(), want.len());
    for f in &files {
        let text = std::fs::read_to_string(dir.join(f)).expect("page");
        let see_also = text.split(".SH SEE ALSO").nth(1).expect("SEE ALSO");
        for name in see_also.split("\\fB").skip(1) {
            let name = name
                .split("\\fR")
                .next()
                .unwrap_or_default()
                .replace("\\-", "-");
            if name.starts_with("dhcpscope") {
                assert!(
                    files.contains(&format!("{name}.1")),
                    "{f} refers to missing {name}(1)"
                );
            }
        }
        if gate::ready("man_pages (man)", &[gate::Need::Program("man")]) {
            let out = Command::new("man")
                .env("MANWIDTH", "80")
                .args(["-l"])
                .arg(dir.join(f))
                .output()
                .expect("run man");
            assert!(
                out.status.success(),
                "{f}: {}",
                String::from_utf8_lossy(&out.stderr)
            );
            let shown = String::from_utf8_lossy(&out.stdout);
            assert!(
                shown.contains("EXIT STATUS") && shown.contains("SEE ALSO"),
                "{f}"
            );
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
}
