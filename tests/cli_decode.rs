//! CLI behaviour of `dhcpscope decode`, on the real binary.

use serde_json::Value as Json;
use std::collections::BTreeSet;
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

const BIN: &str = env!("CARGO_BIN_EXE_dhcpscope");

fn capture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("captures")
        .join(name)
}

fn decode(args: &[&str], file: &Path) -> Output {
    Command::new(BIN)
        .arg("decode")
        .args(args)
        .arg("-r")
        .arg(file)
        .output()
        .expect("run dhcpscope")
}

fn stdout_lines(out: &Output) -> Vec<String> {
    String::from_utf8(out.stdout.clone())
        .expect("UTF-8 stdout")
        .lines()
        .map(str::to_string)
        .collect()
}

fn jsonl(out: &Output) -> Vec<Json> {
    stdout_lines(out)
        .iter()
        .map(|l| serde_json::from_str(l).expect("one JSON object per line"))
        .collect()
}

/// A scratch directory for this test process.
fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("dhcpscope-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir.join(name)
}

/// Removes a scratch file, and its directory once no other test still uses it.
fn cleanup(file: &Path) {
    let _ = std::fs::remove_file(file);
    if let Some(dir) = file.parent() {
        let _ = std::fs::remove_dir(dir);
    }
}

// ---------------------------------------------------------------------------------------
// Writing small pcap files (std only).

/// A classic pcap (µs, little-endian, Ethernet) holding `frames`.
fn pcap(frames: &[Vec<u8>]) -> Vec<u8> {
    let mut out = Vec::new();
    out.extend(0xa1b2_c3d4u32.to_le_bytes());
    out.extend(2u16.to_le_bytes());
    out.extend(4u16.to_le_bytes());
    out.extend([0; 8]);
    out.extend(65_535u32.to_le_bytes());
    out.extend(1u32.to_le_bytes());
    for (i, f) in frames.iter().enumerate() {
        out.extend((1_700_000_000 + i as u32).to_le_bytes());
        out.extend(0u32.to_le_bytes());
        out.extend((f.len() as u32).to_le_bytes());
        out.extend((f.len() as u32).to_le_bytes());
        out.extend(f);
    }
    out
}

/// Ethernet + IPv4 + UDP 68 → 67 around a DHCP payload (UDP checksum left out).
fn dhcp_frame(payload: &[u8]) -> Vec<u8> {
    let mut f = vec![0xff; 6];
    f.extend([0x02, 0x10, 0, 0, 0, 0x42, 0x08, 0x00]);
    let total = (20 + 8 + payload.len()) as u16;
    let mut ip = vec![0x45, 0];
    ip.extend(total.to_be_bytes());
    ip.extend([0, 1, 0, 0, 64, 17, 0, 0, 0, 0, 0, 0, 255, 255, 255, 255]);
    let sum = ip
        .chunks(2)
        .map(|w| u32::from(u16::from_be_bytes([w[0], w[1]])))
        .sum::<u32>();
    let sum = (sum & 0xffff) + (sum >> 16);
    ip[10..12].copy_from_slice(&(!(sum as u16)).to_be_bytes());
    f.extend(ip);
    f.extend(68u16.to_be_bytes());
    f.extend(67u16.to_be_bytes());
    f.extend((8 + payload.len() as u16).to_be_bytes());
    f.extend([0, 0]);
    f.extend(payload);
    f
}

/// A DISCOVER using option overload (52 = both): host name split between the options area
/// and `file` (RFC 3396), client identifier only in `sname`.
fn overloaded_discover() -> Vec<u8> {
    let mut m = vec![0u8; 236];
    m[..4].copy_from_slice(&[1, 1, 6, 0]);
    m[4..8].copy_from_slice(&0x1234_5678u32.to_be_bytes());
    m[28..34].copy_from_slice(&[0x02, 0x10, 0, 0, 0, 0x42]);
    // sname (44..108): option 61.
    m[44..54].copy_from_slice(&[61, 7, 1, 0x02, 0x10, 0, 0, 0, 0x42, 255]);
    // file (108..236): the second part of option 12.
    m[108..113].copy_from_slice(&[12, 2, b'c', b'd', 255]);
    m.extend([99, 130, 83, 99]);
    m.extend([53, 1, 1, 52, 1, 3, 12, 2, b'a', b'b', 255]);
    m
}

/// Records of a classic little-endian pcap: (offset, header + data) until the first that
/// does not fit; also returns the offset where the file stops making sense.
fn pcap_records(bytes: &[u8]) -> (Vec<&[u8]>, usize) {
    assert_eq!(bytes[..4], 0xa1b2_c3d4u32.to_le_bytes(), "LE µs pcap");
    let mut records = Vec::new();
    let mut pos = 24;
    while pos + 16 <= bytes.len() {
        let incl = u32::from_le_bytes(bytes[pos + 8..pos + 12].try_into().unwrap()) as usize;
        if pos + 16 + incl > bytes.len() {
            break;
        }
        records.push(&bytes[pos..pos + 16 + incl]);
        pos += 16 + incl;
    }
    (records, pos)
}

// ---------------------------------------------------------------------------------------

const TOP_KEYS: [&str; 11] = [
    "frame", "ts", "src_mac", "dst_mac", "vlan", "src_ip", "dst_ip", "src_port", "dst_port",
    "dhcp", "warnings",
];
const DHCP_KEYS: [&str; 22] = [
    "op",
    "htype",
    "hlen",
    "hops",
    "xid",
    "secs",
    "flags",
    "broadcast",
    "ciaddr",
    "yiaddr",
    "siaddr",
    "giaddr",
    "chaddr",
    "sname",
    "file",
    "msg_type",
    "server_id",
    "requested_ip",
    "lease_time",
    "hostname",
    "client_id",
    "options",
];

fn keys(v: &Json) -> BTreeSet<&str> {
    v.as_object()
        .expect("object")
        .keys()
        .map(String::as_str)
        .collect()
}

/// Checks one `jsonl` line against the schema in README.md.
fn assert_documented_keys(p: &Json) {
    assert_eq!(keys(p), BTreeSet::from(TOP_KEYS), "{p}");
    assert_eq!(keys(&p["dhcp"]), BTreeSet::from(DHCP_KEYS), "{p}");
    assert!(p["frame"].as_u64().is_some_and(|n| n >= 1));
    // RFC 3339, or `unknown` for a record that has no time (pcapng Simple Packet Block).
    assert!(
        p["ts"]
            .as_str()
            .is_some_and(|t| t.ends_with('Z') || t == "unknown")
    );
    assert!(p["vlan"].is_array() && p["warnings"].is_array());
    for o in p["dhcp"]["options"].as_array().expect("options array") {
        let k = keys(o);
        for required in ["code", "name", "len", "offset", "value"] {
            assert!(k.contains(required), "option without {required}: {o}");
        }
        for extra in k.difference(&BTreeSet::from(["code", "name", "len", "offset", "value"])) {
            assert!(
                matches!(*extra, "continues" | "area"),
                "undocumented {extra}: {o}"
            );
        }
        if k.contains("continues") {
            assert!(o["value"].is_null(), "a continuation carries no value: {o}");
        }
        if let Some(area) = o.get("area") {
            assert!(area == "file" || area == "sname", "{o}");
        }
    }
}

/// Checks one DHCPv6 or RS/RA `jsonl` line against the schema in README.md.
fn assert_documented_v6_keys(p: &Json) {
    let mut top = BTreeSet::from([
        "frame",
        "ts",
        "src_mac",
        "dst_mac",
        "vlan",
        "src_ip",
        "dst_ip",
        "hop_limit",
        "ext_headers",
        "warnings",
    ]);
    if p.get("dhcpv6").is_some() {
        top.extend(["src_port", "dst_port", "dhcpv6"]);
        assert_eq!(keys(p), top, "{p}");
        let d = &p["dhcpv6"];
        assert_eq!(
            keys(d),
            BTreeSet::from([
                "msg_type",
                "msg_type_code",
                "xid",
                "client_duid",
                "server_duid",
                "elapsed_time",
                "preference",
                "rapid_commit",
                "status",
                "ias",
                "dns_servers",
                "domain_list",
                "relay_chain",
                "options",
            ]),
            "{p}"
        );
        for o in d["options"].as_array().expect("options array") {
            assert_eq!(
                keys(o),
                BTreeSet::from([
                    "layer", "code", "name", "len", "offset", "depth", "parent", "value"
                ]),
                "{o}"
            );
        }
    } else {
        top.insert("ra");
        assert_eq!(keys(p), top, "{p}");
        for o in p["ra"]["options"].as_array().expect("options array") {
            assert_eq!(
                keys(o),
                BTreeSet::from(["type", "name", "len", "offset", "value"]),
                "{o}"
            );
        }
    }
}

#[test]
fn jsonl_has_the_documented_keys() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("captures");
    let mut packets = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        if !path
            .extension()
            .is_some_and(|e| e == "pcap" || e == "pcapng")
        {
            continue;
        }
        let out = decode(&["--format", "jsonl"], &path);
        assert!(out.status.success(), "{}", path.display());
        for p in jsonl(&out) {
            if p.get("dhcp").is_some() {
                assert_documented_keys(&p);
                packets += 1;
            } else {
                assert_documented_v6_keys(&p);
            }
        }
    }
    assert!(packets > 50, "only {packets} packets in captures/");
}

#[test]
fn jsonl_overloaded_and_split_options() {
    let file = scratch("overload.pcap");
    std::fs::write(&file, pcap(&[dhcp_frame(&overloaded_discover())])).unwrap();
    let out = decode(&["--format", "jsonl"], &file);
    assert!(out.status.success());
    let packets = jsonl(&out);
    assert_eq!(packets.len(), 1);
    let p = &packets[0];
    assert_documented_keys(p);
    let d = &p["dhcp"];
    assert_eq!(d["hostname"], "abcd");
    assert_eq!(d["client_id"], "01:02:10:00:00:00:42");
    assert!(d["sname"].is_null() && d["file"].is_null());
    let opts = d["options"].as_array().unwrap();
    let summary: Vec<(u64, Option<&str>)> = opts
        .iter()
        .map(|o| (o["code"].as_u64().unwrap(), o["area"].as_str()))
        .collect();
    assert_eq!(
        summary,
        [
            (53, None),
            (52, None),
            (12, None),
            (12, Some("file")),
            (61, Some("sname"))
        ]
    );
    assert_eq!(opts[2]["value"], "abcd");
    assert_eq!(opts[3]["continues"], opts[2]["offset"]);
    assert_eq!(opts[3]["offset"], 108);
    assert_eq!(opts[4]["offset"], 44);
    cleanup(&file);
}

#[test]
fn count_limits_the_packets_printed() {
    let out = decode(
        &["--format", "jsonl", "-c", "2"],
        &capture("dnsmasq-dhclient.pcap"),
    );
    assert!(out.status.success());
    let lines = stdout_lines(&out);
    assert_eq!(lines.len(), 2);
    let frames: Vec<u64> = jsonl(&out)
        .iter()
        .map(|p| p["frame"].as_u64().unwrap())
        .collect();
    let all = jsonl(&decode(
        &["--format", "jsonl"],
        &capture("dnsmasq-dhclient.pcap"),
    ));
    assert!(all.len() > 2);
    let first_two: Vec<u64> = all[..2]
        .iter()
        .map(|p| p["frame"].as_u64().unwrap())
        .collect();
    assert_eq!(frames, first_two);
}

#[test]
fn dash_reads_standard_input() {
    for name in ["dnsmasq-dhclient.pcap", "mixed-linktypes.pcapng"] {
        let path = capture(name);
        let bytes = std::fs::read(&path).unwrap();
        let mut child = Command::new(BIN)
            .args(["decode", "--format", "jsonl", "-r", "-"])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let mut stdin = child.stdin.take().unwrap();
        let writer = std::thread::spawn(move || stdin.write_all(&bytes));
        let out = child.wait_with_output().unwrap();
        writer.join().unwrap().unwrap();
        assert!(out.status.success(), "{name}");
        let from_file = decode(&["--format", "jsonl"], &path);
        assert!(!out.stdout.is_empty(), "{name}");
        assert_eq!(out.stdout, from_file.stdout, "{name}");
    }
}

#[test]
fn a_reader_that_closes_early_is_not_an_error() {
    // Enough output to fill any pipe and buffer: one capture's records, repeated.
    let bytes = std::fs::read(capture("dnsmasq-dhclient.pcap")).unwrap();
    let (records, _) = pcap_records(&bytes);
    let mut big = bytes[..24].to_vec();
    for _ in 0..400 {
        for r in &records {
            big.extend_from_slice(r);
        }
    }
    let file = scratch("big.pcap");
    std::fs::write(&file, big).unwrap();
    for format in ["text", "jsonl"] {
        let mut child = Command::new(BIN)
            .args(["decode", "--format", format, "-r"])
            .arg(&file)
            .env("RUST_BACKTRACE", "1")
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let mut reader = BufReader::new(child.stdout.take().unwrap());
        let mut line = String::new();
        reader.read_line(&mut line).unwrap();
        assert!(!line.is_empty());
        drop(reader);
        let out = child.wait_with_output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(out.status.success(), "{format}: {:?}: {stderr}", out.status);
        assert!(!stderr.contains("panicked"), "{format}: {stderr}");
        assert!(!stderr.to_lowercase().contains("broken pipe"), "{stderr}");
    }
    cleanup(&file);
}

/// A one-line error, no panic and no backtrace, even when backtraces are asked for.
fn assert_clean_failure(out: &Output, file: &str) -> String {
    assert!(!out.status.success());
    assert_ne!(out.status.code(), Some(101), "exit code of a panic");
    assert!(out.stdout.is_empty());
    let stderr = String::from_utf8(out.stderr.clone()).unwrap();
    assert_eq!(stderr.trim_end().lines().count(), 1, "{stderr}");
    assert!(!stderr.contains("stack backtrace"), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert!(stderr.contains(file), "the error names the file: {stderr}");
    stderr
}

fn decode_with_backtrace(path: &Path) -> Output {
    Command::new(BIN)
        .args(["decode", "-r"])
        .arg(path)
        .env("RUST_BACKTRACE", "1")
        .output()
        .unwrap()
}

#[test]
fn missing_file_is_a_one_line_error() {
    let path = scratch("does-not-exist.pcap");
    let out = decode_with_backtrace(&path);
    cleanup(&path);
    let stderr = assert_clean_failure(&out, "does-not-exist.pcap");
    assert!(
        stderr.to_lowercase().contains("no such file"),
        "says why: {stderr}"
    );
}

#[test]
fn a_file_that_is_not_a_capture_is_a_one_line_error() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("Cargo.toml");
    let out = decode_with_backtrace(&path);
    let stderr = assert_clean_failure(&out, "Cargo.toml");
    assert!(
        stderr.contains("pcap"),
        "says it is not a capture: {stderr}"
    );
}

#[test]
fn truncated_capture_keeps_the_frames_before_the_cut() {
    let path = capture("truncated.pcap");
    let bytes = std::fs::read(&path).unwrap();
    let (records, cut_at) = pcap_records(&bytes);
    assert!(cut_at < bytes.len(), "the file is cut mid-record");
    let out = decode(&["--format", "jsonl"], &path);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    // Every record before the cut is a DHCP packet (captures/README.md).
    let frames: Vec<u64> = jsonl(&out)
        .iter()
        .map(|p| p["frame"].as_u64().unwrap())
        .collect();
    assert_eq!(frames, (1..=records.len() as u64).collect::<Vec<_>>());
    assert_eq!(stderr.trim_end().lines().count(), 1, "{stderr}");
    assert!(stderr.contains("warning"), "{stderr}");
    assert!(
        stderr.contains(&format!("offset {cut_at}")),
        "names the byte offset {cut_at}: {stderr}"
    );
}

#[test]
fn hostile_hostname_never_reaches_the_terminal_raw() {
    let path = capture("hostile-hostname.pcap");
    let raw = std::fs::read(&path).unwrap();
    // The capture really carries what we guard against.
    assert!(raw.contains(&0x1b) && raw.contains(&0x7f));
    assert!(raw.windows(3).any(|w| w == "\u{202e}".as_bytes()));
    for format in ["text", "jsonl"] {
        let out = decode(&["--format", format], &path);
        assert!(out.status.success());
        let stdout = &out.stdout;
        assert!(!stdout.is_empty());
        for (i, &b) in stdout.iter().enumerate() {
            assert!(
                (b >= 0x20 || b == b'\n') && b != 0x7f,
                "{format}: raw byte {b:#04x} at {i}"
            );
        }
        let text = String::from_utf8(stdout.clone()).expect("UTF-8");
        assert!(!text.contains('\u{202e}'), "{format}: raw U+202E");
        assert!(
            !text.chars().any(|c| ('\u{80}'..='\u{9f}').contains(&c)),
            "{format}: raw C1 control"
        );
        // ...and is shown escaped instead.
        assert!(
            text.contains(r"\x1b") && text.contains(r"u{202e}"),
            "{format}"
        );
    }
}

/// Text and jsonl render one dissection: on every capture they list the same packets, the
/// same options at the same offsets (continuation parts included) and the same warnings.
#[test]
fn text_and_jsonl_show_the_same_dissection() {
    let mut files: Vec<PathBuf> = std::fs::read_dir(capture(""))
        .unwrap()
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "pcap" || e == "pcapng"))
        .collect();
    files.sort();
    assert!(files.len() > 10);
    for f in &files {
        let text = String::from_utf8(decode(&["--format", "text"], f).stdout).unwrap();
        let json = jsonl(&decode(&["--format", "jsonl"], f));
        // (frame, [(code, offset, continued)], warnings) per packet, from each format.
        type Summary = (u64, Vec<(u64, u64, bool)>, usize);
        let mut from_text: Vec<Summary> = Vec::new();
        // DHCPv6 and RS/RA blocks (frames of `v6`) are another dissection: left out here.
        let mut v6 = Vec::new();
        for line in text.lines() {
            if let Some(rest) = line.strip_prefix("Frame ") {
                let n = rest.split(':').next().unwrap().parse().unwrap();
                from_text.push((n, Vec::new(), 0));
            } else if line.starts_with("DHCPv6 (") || line.starts_with("ICMPv6 Router") {
                v6.push(from_text.last().unwrap().0);
            } else if let Some(rest) = line.strip_prefix("    Option: (") {
                let code = rest.split(')').next().unwrap().parse().unwrap();
                let offset = rest
                    .split("offset ")
                    .nth(1)
                    .unwrap()
                    .split([',', ')'])
                    .next()
                    .unwrap()
                    .parse()
                    .unwrap();
                let continued = rest.ends_with("): continued (RFC 3396)");
                from_text
                    .last_mut()
                    .unwrap()
                    .1
                    .push((code, offset, continued));
            } else if line.starts_with("    Warning: ") {
                from_text.last_mut().unwrap().2 += 1;
            }
        }
        from_text.retain(|(n, _, _)| !v6.contains(n));
        let from_json: Vec<Summary> = json
            .iter()
            .filter(|p| p.get("dhcp").is_some())
            .map(|p| {
                let options = p["dhcp"]["options"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|o| {
                        (
                            o["code"].as_u64().unwrap(),
                            o["offset"].as_u64().unwrap(),
                            o.get("continues").is_some(),
                        )
                    })
                    .collect();
                let warnings = p["warnings"].as_array().unwrap().len();
                (p["frame"].as_u64().unwrap(), options, warnings)
            })
            .collect();
        if from_json.is_empty() && from_text.is_empty() && !v6.is_empty() {
            continue; // a DHCPv6-only capture
        }
        assert!(!from_json.is_empty(), "{}", f.display());
        assert_eq!(from_text, from_json, "{}", f.display());
    }
}
