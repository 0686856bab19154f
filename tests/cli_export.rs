//! `dhcpscope export`: the written file holds the selected frames, byte-identical, as tshark
//! reads them (same frames, lengths and times) and as our own reader reads both files.

#[path = "common/gate.rs"]
mod gate;

use dhcpscope::source::FileSource;
use std::path::{Path, PathBuf};
use std::process::Command;

const BIN: &str = env!("CARGO_BIN_EXE_dhcpscope");

fn capture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("captures")
        .join(name)
}

fn tshark(file: &Path, display: Option<&str>) -> Vec<String> {
    let mut cmd = Command::new("tshark");
    cmd.arg("-r").arg(file);
    if let Some(d) = display {
        cmd.args(["-Y", d]);
    }
    cmd.args([
        "-T",
        "fields",
        "-e",
        "frame.number",
        "-e",
        "frame.len",
        "-e",
        "frame.cap_len",
        "-e",
        "frame.time_epoch",
    ]);
    let out = cmd.output().expect("run tshark");
    String::from_utf8(out.stdout)
        .expect("utf-8")
        .lines()
        .map(str::to_owned)
        .collect()
}

/// Every frame of a file: (bytes, original length).
fn frames(path: &Path) -> Vec<(Vec<u8>, u32)> {
    let mut src = FileSource::open(path).expect("open");
    let mut out = Vec::new();
    while let Some(f) = src.next_frame().expect("read") {
        out.push((f.data.to_vec(), f.orig_len));
    }
    out
}

fn check(file: &str, args: &[&str], display: &str, want_frames: usize) {
    if !gate::ready("cli_export", &[gate::Need::Program("tshark")]) {
        return;
    }
    let input = capture(file);
    let out = std::env::temp_dir().join(format!(
        "dhcpscope-export-{}-{}.pcap",
        std::process::id(),
        want_frames
    ));
    let status = Command::new(BIN)
        .arg("export")
        .arg("-r")
        .arg(&input)
        .arg("-w")
        .arg(&out)
        .args(args)
        .status()
        .expect("run export");
    assert!(status.success());
    let selected = tshark(&input, Some(display));
    assert_eq!(selected.len(), want_frames, "{display}");
    let written = tshark(&out, None);
    assert_eq!(written.len(), selected.len());
    for (i, (w, s)) in written.iter().zip(&selected).enumerate() {
        // Same lengths and time; the number is the position in the new file.
        let tail = |l: &str| l.split('\t').skip(1).map(str::to_owned).collect::<Vec<_>>();
        assert_eq!(tail(w), tail(s), "frame {} of the export", i + 1);
    }
    let all = frames(&input);
    let numbers: Vec<usize> = selected
        .iter()
        .map(|l| {
            l.split('\t')
                .next()
                .and_then(|n| n.parse().ok())
                .expect("number")
        })
        .collect();
    let want: Vec<(Vec<u8>, u32)> = numbers.iter().map(|n| all[n - 1].clone()).collect();
    assert_eq!(frames(&out), want, "bytes of {args:?}");
    let _ = std::fs::remove_file(out);
}

#[test]
fn export_by_mac_in_cisco_notation() {
    check(
        "lab-showcase.pcap",
        &["--mac", "0210.0000.0022"],
        "dhcp.hw.mac_addr == 02:10:00:00:00:22 or eth.addr == 02:10:00:00:00:22",
        6,
    );
}

#[test]
fn export_by_xid_from_pcapng() {
    check("relay-opt82.pcapng", &["--xid", "0x1"], "dhcp.id == 0x1", 0);
    let out = Command::new("tshark")
        .args([
            "-r",
            capture("relay-opt82.pcapng").to_str().expect("p"),
            "-Y",
            "dhcp.option.dhcp == 1",
            "-T",
            "fields",
            "-e",
            "dhcp.id",
        ])
        .output();
    let Ok(out) = out else { return };
    let xid = String::from_utf8_lossy(&out.stdout)
        .lines()
        .next()
        .unwrap_or_default()
        .to_owned();
    if xid.is_empty() {
        return;
    }
    check(
        "relay-opt82.pcapng",
        &["--xid", &xid],
        &format!("dhcp.id == {xid}"),
        8,
    );
}

#[test]
fn export_by_filter_keeps_cut_frames_as_cut() {
    // snaplen-280: frames cut by the snaplen keep their captured and original lengths.
    check(
        "snaplen-280.pcap",
        &["--filter", "mac:02:53:00:00:00:01"],
        "eth.addr == 02:53:00:00:00:01",
        2,
    );
}
