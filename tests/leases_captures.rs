//! `dhcpscope leases` on lab captures whose holders captures/README.md documents; times are
//! checked against tshark's reading of the same frames.

#[path = "common/gate.rs"]
mod gate;

use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::Command;

const BIN: &str = env!("CARGO_BIN_EXE_dhcpscope");

fn capture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("captures")
        .join(name)
}

fn leases(file: &str, extra: &[&str]) -> Vec<Value> {
    let out = Command::new(BIN)
        .args(["leases", "--format", "json", "-r"])
        .arg(capture(file))
        .args(extra)
        .output()
        .expect("run leases");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: Value = serde_json::from_slice(&out.stdout).expect("json");
    v["holdings"].as_array().expect("holdings").clone()
}

fn row(h: &Value) -> (String, String, String, String, u64, u64) {
    (
        h["address"].as_str().unwrap_or_default().to_owned(),
        h["mac"].as_str().unwrap_or_default().to_owned(),
        h["server"].as_str().unwrap_or_default().to_owned(),
        h["ended_by"].as_str().unwrap_or_default().to_owned(),
        h["first_frame"].as_u64().unwrap_or_default(),
        h["last_frame"].as_u64().unwrap_or_default(),
    )
}

fn r(
    a: &str,
    m: &str,
    s: &str,
    e: &str,
    f: u64,
    l: u64,
) -> (String, String, String, String, u64, u64) {
    (a.into(), m.into(), s.into(), e.into(), f, l)
}

/// RFC 3339 time of a frame as tshark reads it (UTC, microseconds).
fn tshark_time(file: &str, frame: u64) -> Option<String> {
    if !gate::ready("leases_captures (tshark)", &[gate::Need::Program("tshark")]) {
        return None;
    }
    let out = Command::new("tshark")
        .args([
            "-r",
            capture(file).to_str()?,
            "-Y",
            &format!("frame.number == {frame}"),
            "-T",
            "fields",
            "-e",
            "frame.time_epoch",
        ])
        .output()
        .ok()?;
    let epoch: f64 = String::from_utf8(out.stdout).ok()?.trim().parse().ok()?;
    let secs = epoch.floor() as i64;
    let micros = ((epoch - epoch.floor()) * 1e6).round() as u32;
    let t = chrono::DateTime::from_timestamp(secs, micros * 1000)?;
    Some(t.format("%Y-%m-%dT%H:%M:%S%.6fZ").to_string())
}

#[test]
fn showcase_holders_as_the_scenario_documents() {
    let h = leases("lab-showcase.pcap", &[]);
    let rows: Vec<_> = h.iter().map(row).collect();
    assert_eq!(
        rows,
        [
            // :21 got 10.0.0.131 from legit (ACK frame 5) and released it (frame 22).
            r(
                "10.0.0.131",
                "02:10:00:00:00:21",
                "10.0.0.1",
                "release",
                5,
                22
            ),
            // :23 got 10.0.0.133 (ACK frame 18); 120 s lease, still running at the end.
            r(
                "10.0.0.133",
                "02:10:00:00:00:23",
                "10.0.0.1",
                "expiry",
                18,
                18
            ),
            // :22 bound the rogue's 192.168.66.18 (ACK frame 11); the NAK before it ends nothing.
            r(
                "192.168.66.18",
                "02:10:00:00:00:22",
                "192.168.66.1",
                "expiry",
                11,
                11
            ),
        ]
    );
    // :24's INFORM ACKs give no address; :23's stale 172.16.5.50 was NAKed, never held.
    assert!(h.iter().all(|x| x["overlap"] == false));
    if let (Some(ack), Some(rel)) = (
        tshark_time("lab-showcase.pcap", 5),
        tshark_time("lab-showcase.pcap", 22),
    ) {
        assert_eq!(h[0]["from"], ack.as_str());
        assert_eq!(h[0]["to"], rel.as_str());
    }
    if let Some(ack) = tshark_time("lab-showcase.pcap", 11) {
        assert_eq!(h[2]["from"], ack.as_str());
        // ACK time plus the 120 s lease.
        let from = chrono::DateTime::parse_from_rfc3339(&ack).expect("time");
        let to = (from + chrono::Duration::seconds(120))
            .format("%Y-%m-%dT%H:%M:%S%.6fZ")
            .to_string();
        assert_eq!(h[2]["to"], to.as_str());
    }
}

#[test]
fn renewed_re_leased_then_released() {
    // dnsmasq-dhclient: DORA ACK (4), RENEW ACK (6), INIT-REBOOT ACK after a restart (8: the
    // address leased again), RELEASE (9): one holding, two extensions, ended by the release.
    let h = leases("dnsmasq-dhclient.pcap", &[]);
    assert_eq!(
        h.iter().map(row).collect::<Vec<_>>(),
        [r(
            "10.0.0.150",
            "02:10:00:00:00:01",
            "10.0.0.1",
            "release",
            4,
            9
        )]
    );
    assert_eq!(h[0]["renewals"], 2);
    // udhcpc: DORA, renew, RELEASE.
    let h = leases("dnsmasq-udhcpc.pcap", &[]);
    assert_eq!(
        h.iter().map(row).collect::<Vec<_>>(),
        [r(
            "10.0.0.100",
            "02:10:00:00:00:02",
            "10.0.0.1",
            "release",
            4,
            7
        )]
    );
    assert_eq!(h[0]["renewals"], 1);
}

#[test]
fn who_held_it_at_a_time() {
    let Some(release) = tshark_time("lab-showcase.pcap", 22) else {
        return;
    };
    let Some(ack) = tshark_time("lab-showcase.pcap", 5) else {
        return;
    };
    let at = |t: &str| leases("lab-showcase.pcap", &["--ip", "10.0.0.131", "--at", t]);
    assert_eq!(at(&ack).len(), 1, "held from its ACK");
    assert_eq!(at(&release).len(), 0, "released at {release}");
    // HH:MM:SS on the capture's day: the capture runs 02:25:08-02:25:11 UTC.
    assert_eq!(leases("lab-showcase.pcap", &["--at", "02:25:10"]).len(), 3);
    assert_eq!(leases("lab-showcase.pcap", &["--at", "02:25:12"]).len(), 2);
    assert_eq!(
        leases(
            "lab-showcase.pcap",
            &["--ip", "192.168.66.0/24", "--mac", "0210.0000.0022"]
        )
        .len(),
        1
    );
    assert!(leases("lab-showcase.pcap", &["--mac", "02:10:00:00:00:24"]).is_empty());
    let out = Command::new(BIN)
        .args(["leases", "-r"])
        .arg(capture("lab-showcase.pcap"))
        .args(["--at", "25:00"])
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(2));
}
