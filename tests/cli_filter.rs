//! `--filter EXPR` on `decode` and `report`, and `-f BPF` with `-r`, on the real binary.
//! The frames expected are what tshark selects with the equivalent display filter.

#[path = "common/gate.rs"]
mod gate;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const BIN: &str = env!("CARGO_BIN_EXE_dhcpscope");

fn capture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("captures")
        .join(name)
}

fn run(args: &[&str]) -> Output {
    Command::new(BIN)
        .args(args)
        .output()
        .expect("run dhcpscope")
}

/// Frame numbers `decode --format jsonl` prints with these extra arguments.
fn decoded_frames(file: &str, extra: &[&str]) -> Vec<u64> {
    let path = capture(file);
    let mut args = vec![
        "decode",
        "--format",
        "jsonl",
        "-r",
        path.to_str().expect("path"),
    ];
    args.extend_from_slice(extra);
    let out = run(&args);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout)
        .expect("utf-8")
        .lines()
        .map(|l| {
            let v: serde_json::Value = serde_json::from_str(l).expect("json line");
            v["frame"].as_u64().expect("frame number")
        })
        .collect()
}

/// Frame numbers tshark shows for a display filter.
fn tshark_frames(file: &str, display: &str) -> Option<Vec<u64>> {
    if !gate::ready("cli_filter (tshark)", &[gate::Need::Program("tshark")]) {
        return None;
    }
    let out = Command::new("tshark")
        .args([
            "-r",
            capture(file).to_str()?,
            "-Y",
            display,
            "-T",
            "fields",
            "-e",
            "frame.number",
        ])
        .output()
        .ok()?;
    Some(
        String::from_utf8(out.stdout)
            .ok()?
            .lines()
            .filter_map(|l| l.trim().parse().ok())
            .collect(),
    )
}

#[test]
fn decode_filter_matches_tshark_for_each_mac_notation() {
    let Some(want) = tshark_frames(
        "lab-showcase.pcap",
        "dhcp and (eth.addr == 02:10:00:00:00:24 or dhcp.hw.mac_addr == 02:10:00:00:00:24)",
    ) else {
        return;
    };
    assert_eq!(want, [19, 20, 21]);
    for mac in [
        "02:10:00:00:00:24",
        "02-10-00-00-00-24",
        "0210.0000.0024",
        "021000000024",
    ] {
        let expr = format!("mac:{mac}");
        assert_eq!(
            decoded_frames("lab-showcase.pcap", &["--filter", &expr]),
            want,
            "{mac}"
        );
    }
}

#[test]
fn decode_filter_ip_server_and_logic_match_tshark() {
    let cases = [
        (
            "server:192.168.66.1 and not ack",
            "dhcp.option.dhcp_server_id == 192.168.66.1 and dhcp.option.dhcp != 5",
        ),
        (
            "ip:172.16.5.50",
            "dhcp.option.requested_ip_address == 172.16.5.50",
        ),
        (
            "nak or release",
            "dhcp.option.dhcp == 6 or dhcp.option.dhcp == 7",
        ),
    ];
    for (ours, theirs) in cases {
        let Some(want) = tshark_frames("lab-showcase.pcap", theirs) else {
            return;
        };
        assert!(!want.is_empty(), "{theirs}");
        assert_eq!(
            decoded_frames("lab-showcase.pcap", &["--filter", ours]),
            want,
            "{ours}"
        );
    }
    let Some(want) = tshark_frames(
        "relay-opt82.pcapng",
        "dhcp.option.agent_information_option.agent_circuit_id",
    ) else {
        return;
    };
    assert_eq!(
        decoded_frames("relay-opt82.pcapng", &["--filter", "circuit:down0"]),
        want
    );
}

#[test]
fn bpf_applies_to_files() {
    let Some(want) = tshark_frames("lab-showcase.pcap", "eth.src == 02:ba:db:ad:ba:d1") else {
        return;
    };
    assert_eq!(want.len(), 5);
    assert_eq!(
        decoded_frames("lab-showcase.pcap", &["-f", "ether src 02:ba:db:ad:ba:d1"]),
        want
    );
    let Some(want) = tshark_frames(
        "vlan-qinq.pcap",
        "ieee8021ad.id == 100 and dhcp.option.dhcp == 3",
    ) else {
        return;
    };
    assert_eq!(
        decoded_frames("vlan-qinq.pcap", &["-f", "vlan 100", "--filter", "request"]),
        want
    );
    // A BPF typo fails before reading, naming libpcap's complaint.
    let path = capture("lab-showcase.pcap");
    let out = run(&[
        "report",
        "-r",
        path.to_str().expect("path"),
        "-f",
        "udp prot 67",
    ]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("does not compile") && err.contains("syntax error"),
        "{err}"
    );
}

#[test]
fn report_filter_keeps_the_matching_clients_and_their_findings() {
    let path = capture("lab-showcase.pcap");
    let p = path.to_str().expect("path");
    let out = run(&[
        "report",
        "-r",
        p,
        "--expect-server",
        "10.0.0.1",
        "--format",
        "json",
        "--filter",
        "victim",
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    let text = v.to_string();
    assert!(text.contains("02:10:00:00:00:22"));
    for other in [
        "02:10:00:00:00:21",
        "02:10:00:00:00:23",
        "02:10:00:00:00:24",
    ] {
        assert!(!text.contains(other), "{other} should be filtered out");
    }
    let all = run(&[
        "report",
        "-r",
        p,
        "--expect-server",
        "10.0.0.1",
        "--format",
        "json",
    ]);
    let all: serde_json::Value = serde_json::from_slice(&all.stdout).expect("json");
    let count = |v: &serde_json::Value| v["findings"].as_array().map_or(0, Vec::len);
    assert!(
        count(&v) > 0 && count(&v) < count(&all),
        "{} vs {}",
        count(&v),
        count(&all)
    );
}

#[test]
fn bad_filters_are_usage_errors_that_say_where() {
    let path = capture("lab-showcase.pcap");
    let p = path.to_str().expect("path");
    let out = run(&["report", "-r", p, "--filter", "rogue and (ip:10.0.0.0/33"]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("at column 15") && err.contains("not an IPv4"),
        "{err}"
    );
    let out = run(&["decode", "-r", p, "--filter", "kind:dora"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("exchange model"));
}
