//! The crafted captures of `captures/` (pcapng edge cases, 802.11, CAPWAP; see
//! captures/README.md): each re-wraps the 7 DHCP messages of `dnsmasq-udhcpc.pcap` in other
//! blocks or link layers, so the DHCP content we decode must be that file's, and the
//! report must tell the same story, with no time-based finding where times are missing.

use serde_json::Value as Json;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const BIN: &str = env!("CARGO_BIN_EXE_dhcpscope");
const CLIENT: &str = "02:10:00:00:00:02";

fn capture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("captures")
        .join(name)
}

fn run(args: &[&str], name: &str) -> Output {
    let out = Command::new(BIN)
        .args(args)
        .arg("-r")
        .arg(capture(name))
        .output()
        .expect("run dhcpscope");
    assert!(
        out.status.success(),
        "{name}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

/// (frame, ts, msg_type, xid, src_mac) of a decoded packet.
type Decoded = (u64, String, String, String, String);

/// Every decoded packet, and stderr.
fn decode(name: &str) -> (Vec<Decoded>, String) {
    let out = run(&["decode", "--format", "jsonl"], name);
    let packets = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| {
            let v: Json = serde_json::from_str(l).unwrap();
            let s = |x: &Json| x.as_str().unwrap_or("-").to_string();
            (
                v["frame"].as_u64().unwrap(),
                s(&v["ts"]),
                s(&v["dhcp"]["msg_type"]),
                s(&v["dhcp"]["xid"]),
                s(&v["src_mac"]),
            )
        })
        .collect();
    (packets, String::from_utf8_lossy(&out.stderr).into_owned())
}

fn report(name: &str) -> Json {
    serde_json::from_slice(&run(&["report", "--format", "json"], name).stdout).unwrap()
}

/// The DHCP messages of the source capture, without frame numbers or times.
fn source_messages() -> Vec<(String, String, String)> {
    decode("dnsmasq-udhcpc.pcap")
        .0
        .into_iter()
        .map(|(_, _, t, x, m)| (t, x, m))
        .collect()
}

fn messages(name: &str) -> Vec<(String, String, String)> {
    decode(name)
        .0
        .into_iter()
        .map(|(_, _, t, x, m)| (t, x, m))
        .collect()
}

/// (kind, outcome, address) of the client's exchanges.
fn exchanges(doc: &Json) -> Vec<(String, String, String)> {
    let clients = doc["clients"].as_array().unwrap();
    assert_eq!(clients.len(), 1);
    assert_eq!(clients[0]["mac"], CLIENT);
    clients[0]["exchanges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            let s = |k: &str| e[k].as_str().unwrap_or("-").to_string();
            (s("kind"), s("outcome"), s("address"))
        })
        .collect()
}

fn finding_codes(doc: &Json) -> Vec<String> {
    doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["code"].as_str().unwrap().to_string())
        .collect()
}

fn all_latencies(doc: &Json) -> Vec<Json> {
    let mut out = Vec::new();
    for e in doc["clients"][0]["exchanges"].as_array().unwrap() {
        for m in e["messages"].as_array().unwrap() {
            out.push(m["latency_ms"].clone());
        }
        for o in e["offers"].as_array().unwrap() {
            out.push(o["latency_ms"].clone());
        }
    }
    out
}

const TIME_BASED: [&str; 5] = [
    "slow-reply",
    "no-offer",
    "no-answer",
    "nak-storm",
    "discover-flood",
];

#[test]
fn the_story_of_the_source_capture() {
    let expected = [
        ("DORA", "ACK", "10.0.0.100"),
        ("RENEW", "ACK", "10.0.0.100"),
        ("RELEASE", "RELEASED", "10.0.0.100"),
    ]
    .map(|(a, b, c)| (a.to_string(), b.to_string(), c.to_string()));
    let source = report("dnsmasq-udhcpc.pcap");
    assert_eq!(exchanges(&source), expected);
    for name in [
        "pcapng-custom-blocks.pcapng",
        "pcapng-simple-packets.pcapng",
        "pcapng-mixed-simple.pcapng",
        "pcapng-tsresol-pow2.pcapng",
        "wifi-80211.pcap",
        "wifi-radiotap.pcap",
        "wifi-ppi.pcap",
        "capwap-wifi.pcap",
    ] {
        assert_eq!(messages(name), source_messages(), "{name}");
        let doc = report(name);
        assert_eq!(exchanges(&doc), expected, "{name}");
        assert_eq!(finding_codes(&doc), finding_codes(&source), "{name}");
    }
}

/// Simple Packet Blocks carry no time: unknown, never 1970, and no latency or time-based
/// finding comes from them, also when they alternate with timed packets (before: the DORA
/// became NO_OFFER plus a "slow-reply … took 1795832655594 ms").
#[test]
fn simple_packet_blocks_have_unknown_times() {
    let (packets, _) = decode("pcapng-simple-packets.pcapng");
    assert_eq!(packets.len(), 7);
    assert!(packets.iter().all(|p| p.1 == "unknown"), "{packets:?}");
    let (packets, _) = decode("pcapng-mixed-simple.pcapng");
    for (frame, ts, ..) in &packets {
        // Odd frames are Simple Packet Blocks, even ones Enhanced Packet Blocks.
        assert_eq!(ts == "unknown", frame % 2 == 1, "frame {frame}: {ts}");
        assert!(!ts.starts_with("1970"));
    }
    for name in ["pcapng-simple-packets.pcapng", "pcapng-mixed-simple.pcapng"] {
        let doc = report(name);
        let codes = finding_codes(&doc);
        assert!(
            codes.iter().all(|c| !TIME_BASED.contains(&c.as_str())),
            "{name}: {codes:?}"
        );
        // Every reply answers a message with no time, or has none itself.
        assert!(all_latencies(&doc).iter().all(Json::is_null), "{name}");
    }
    // With every time known, the same exchange has latencies.
    let timed = report("pcapng-custom-blocks.pcapng");
    assert!(all_latencies(&timed).iter().any(Json::is_f64));
}

/// Custom Blocks are numbered frames (after frames 1 and 3: frames 2, 5 and 6).
#[test]
fn custom_blocks_take_frame_numbers() {
    let (packets, stderr) = decode("pcapng-custom-blocks.pcapng");
    let frames: Vec<u64> = packets.iter().map(|p| p.0).collect();
    assert_eq!(frames, [1, 3, 4, 7, 8, 9, 10]);
    assert!(!stderr.contains("unsupported"), "{stderr}");
}

#[test]
fn sections_with_an_unknown_version_are_skipped_with_a_warning() {
    let (packets, stderr) = decode("pcapng-section-v2.pcapng");
    let types: Vec<&str> = packets.iter().map(|p| p.2.as_str()).collect();
    // Section 2 held the REQUEST and ACK of the DORA.
    assert_eq!(types, ["DISCOVER", "OFFER", "REQUEST", "ACK", "RELEASE"]);
    assert_eq!(packets[2].0, 3);
    assert!(
        stderr.contains("has version 2.0 (only 1.x is defined): skipped (3 blocks"),
        "{stderr}"
    );
}

/// 2^-8 s ticks are exact in 8 decimal places; 2^-10 s ones need more than 9 (truncated).
#[test]
fn binary_timestamp_resolutions_keep_their_value() {
    let (packets, _) = decode("pcapng-tsresol-pow2.pcapng");
    let times: Vec<&str> = packets.iter().map(|p| p.1.as_str()).collect();
    assert_eq!(times[0], "2026-11-28T02:24:15.56250000Z");
    assert_eq!(times[1], "2026-11-28T02:24:15.564453125Z");
    assert_eq!(times[2], "2026-11-28T02:24:15.58984375Z");
}

#[test]
fn wireless_frames_and_tunnels() {
    // Each wireless file holds one encrypted data frame (and a beacon and a null frame,
    // skipped quietly); the CAPWAP file tunnels three.
    for (name, encrypted) in [
        ("wifi-80211.pcap", 1),
        ("wifi-radiotap.pcap", 1),
        ("wifi-ppi.pcap", 1),
        ("capwap-wifi.pcap", 3),
    ] {
        let (packets, stderr) = decode(name);
        assert_eq!(packets.len(), 7, "{name}");
        // Client messages name the station, server messages the server (not the AP).
        for (frame, _, msg_type, _, src_mac) in &packets {
            let expected = if ["OFFER", "ACK"].contains(&msg_type.as_str()) {
                "02:53:00:00:00:01"
            } else {
                CLIENT
            };
            assert_eq!(src_mac, expected, "{name} frame {frame}");
        }
        assert!(
            stderr.contains(&format!("{encrypted} encrypted 802.11 data frames skipped")),
            "{name}: {stderr}"
        );
    }
}
