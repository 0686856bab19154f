//! Man pages from the clap definitions (`dhcpscope man [SUBCOMMAND] [--dir OUT]`): one page per
//! subcommand (`dhcpscope-report.1`, …) rendered by clap_mangen, plus the sections clap does
//! not know: EXAMPLES, EXIT STATUS, the TUI's KEYS (from the binding table), the FINDINGS
//! list (from the rules table), FILTER EXPRESSIONS, and SEE ALSO naming the pages that exist.
//! Part of the command-line layer (it reads the clap `Command`).

use super::Cli;
use clap::CommandFactory;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

/// Subcommands that get a page of their own (completions and man itself are documented in
/// the top page).
pub const PAGES: &[&str] = &["decode", "report", "export", "leases", "probe"];

/// Roff-safe text: backslashes doubled, a leading `.` or `'` neutralised.
fn roff(s: &str) -> String {
    let s = s.replace('\\', "\\e").replace('-', "\\-");
    if s.starts_with('.') || s.starts_with('\'') {
        format!("\\&{s}")
    } else {
        s
    }
}

fn section(out: &mut dyn Write, title: &str) -> io::Result<()> {
    writeln!(out, ".SH {title}")
}

/// A tagged paragraph (`.TP`): term, then its text.
fn item(out: &mut dyn Write, term: &str, text: &str) -> io::Result<()> {
    writeln!(out, ".TP\n\\fB{}\\fR\n{}", roff(term), roff(text))
}

fn examples(name: Option<&str>) -> &'static [(&'static str, &'static str)] {
    match name {
        None => &[
            (
                "dhcpscope -r capture.pcapng",
                "open a capture in the interactive view",
            ),
            (
                "sudo dhcpscope -i eth0 --expect-server 10.0.0.1",
                "watch live, flagging other servers",
            ),
            (
                "tcpdump -U -w - port 67 or port 68 | dhcpscope -r -",
                "follow a pipe",
            ),
        ],
        Some("decode") => &[
            (
                "dhcpscope decode -r capture.pcap",
                "every DHCP packet, field by field",
            ),
            (
                "dhcpscope decode -r capture.pcap --format jsonl --filter 'mac:0200.0000.0202'",
                "one client's packets as JSON lines",
            ),
            (
                "dhcpscope decode -r capture.pcap -f 'vlan 10'",
                "only frames a BPF filter accepts",
            ),
        ],
        Some("report") => &[
            (
                "dhcpscope report -r capture.pcap --expect-server 10.0.0.1",
                "exchanges, servers and findings",
            ),
            (
                "dhcpscope report -r capture.pcap --filter 'victim or outcome:nak' --format json",
                "only the clients an expression keeps",
            ),
            (
                "dhcpscope report -i eth0 --duration 60 --fail-on critical",
                "one minute live, exit 2 on critical findings",
            ),
        ],
        Some("export") => &[
            (
                "dhcpscope export -r day.pcapng -w client.pcap --mac 0200.0000.0202",
                "one client's frames, byte-identical",
            ),
            (
                "dhcpscope export -r day.pcap -w x.pcap --xid 0x3daf271d",
                "one transaction",
            ),
        ],
        Some("leases") => &[
            (
                "dhcpscope leases -r day.pcap --ip 10.0.0.77 --at 14:03",
                "who held 10.0.0.77 at 14:03 UTC",
            ),
            (
                "dhcpscope leases -r day.pcap --mac 0200.0000.0202 --format csv",
                "one client's leases",
            ),
        ],
        Some("probe") => &[
            (
                "sudo dhcpscope probe -i eth0 --expect-server 10.0.0.1",
                "DISCOVER, judge every OFFER",
            ),
            (
                "sudo dhcpscope probe -i eth0 --mode dora --mode inform --ciaddr 10.0.0.50",
                "a full lease (released), then an INFORM",
            ),
        ],
        Some(_) => &[],
    }
}

fn exit_status(name: Option<&str>) -> &'static str {
    match name {
        Some("probe") => {
            "0 OK, 1 WARNING, 2 CRITICAL (an unexpected server answered, or nobody did), 3 UNKNOWN (bad arguments, no privilege, no such interface)."
        }
        Some("report") => {
            "0 when the input was read (read problems after some frames are warnings); with \\-\\-fail\\-on: 1 when warnings exist, 2 when critical findings exist; 2 for bad arguments (a bad \\-\\-filter says where); 3 when the input cannot be read."
        }
        _ => {
            "0 when the input was read (read problems after some frames are warnings on standard error); 2 for bad arguments (a bad \\-\\-filter says where); 3 when the input cannot be read or the output cannot be written."
        }
    }
}

fn page_name(name: Option<&str>) -> String {
    name.map_or_else(|| "dhcpscope".to_owned(), |n| format!("dhcpscope-{n}"))
}

/// The file name a page installs as (`dhcpscope-report.1`).
pub fn file_name(name: Option<&str>) -> String {
    format!("{}.1", page_name(name))
}

/// Renders the page of `name` (`None`: the top page). Unknown names are an error naming the
/// pages that exist.
pub fn render(name: Option<&str>, out: &mut dyn Write) -> io::Result<()> {
    let mut top = Cli::command();
    top.build();
    let cmd = match name {
        None => top.clone(),
        Some(n) if PAGES.contains(&n) => top
            .find_subcommand(n)
            .cloned()
            .ok_or_else(|| io::Error::other(format!("no subcommand {n}")))?
            .display_name(page_name(name)),
        Some(n) => {
            return Err(io::Error::other(format!(
                "no man page for {n:?}: pages are dhcpscope and {}",
                PAGES.join(", ")
            )));
        }
    };
    clap_mangen::Man::new(cmd)
        .title(page_name(name).to_uppercase())
        .render(out)?;
    if name.is_none() {
        section(out, "FILTER EXPRESSIONS")?;
        writeln!(
            out,
            "The TUI filter (/), report \\-\\-filter, decode \\-\\-filter and export \\-\\-filter take one language (docs/tui.md):"
        )?;
        for (t, d) in [
            (
                "mac:M",
                "hardware address in any notation (aa:bb:cc:dd:ee:ff, aa-bb-…, aabb.ccdd.eeff, aabbccddeeff) or a prefix",
            ),
            ("ip:A, ip:A/N", "an address exactly, or a network"),
            (
                "host:S, vendor:S, circuit:S",
                "hostname, vendor class (option 60), relay circuit id (packets only) containing S",
            ),
            (
                "vlan:N, server:A[/N]",
                "an 802.1Q tag; the server that answered",
            ),
            (
                "kind:K, outcome:O, sev:S",
                "exchange kind, exchange outcome, worst finding at least S (not for packets)",
            ),
            (
                "rogue, victim",
                "answered by an unexpected server; took an address from one (not for packets)",
            ),
            (
                "WORD",
                "substring of MAC, hostname, addresses, message types",
            ),
            (
                "and, or, not, ( )",
                "combine; and binds tighter than or; adjacent terms are ANDed",
            ),
        ] {
            item(out, t, d)?;
        }
        section(out, "KEYS")?;
        for b in crate::tui::keys::BINDINGS {
            item(out, b.label, b.help)?;
        }
    }
    if name == Some("report") || name.is_none() {
        section(out, "FINDINGS")?;
        for r in crate::analysis::findings::ALL_RULES {
            item(
                out,
                r.code,
                &format!("{} \\(em {}", r.severity.name(), r.rfc),
            )?;
        }
    }
    section(out, "EXAMPLES")?;
    for (cmd, what) in examples(name) {
        writeln!(out, ".TP\n\\fB{}\\fR\n{}", roff(cmd), roff(what))?;
    }
    section(out, "EXIT STATUS")?;
    writeln!(out, "{}", exit_status(name))?;
    section(out, "SEE ALSO")?;
    let others: Vec<String> = std::iter::once(None)
        .chain(PAGES.iter().map(|p| Some(*p)))
        .filter(|p| *p != name)
        .map(|p| format!("\\fB{}\\fR(1)", roff(&page_name(p))))
        .collect();
    writeln!(
        out,
        "{}, \\fBtshark\\fR(1), \\fBpcap\\-filter\\fR(7)",
        others.join(", ")
    )?;
    Ok(())
}

/// Writes every page into `dir` (created if needed); returns the files written.
pub fn write_all(dir: &Path) -> io::Result<Vec<PathBuf>> {
    std::fs::create_dir_all(dir)?;
    let mut written = Vec::new();
    for name in std::iter::once(None).chain(PAGES.iter().map(|p| Some(*p))) {
        let path = dir.join(file_name(name));
        let mut f = io::BufWriter::new(std::fs::File::create(&path)?);
        render(name, &mut f)?;
        f.flush()?;
        written.push(path);
    }
    Ok(written)
}
