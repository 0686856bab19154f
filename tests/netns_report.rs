//! Live scenarios: real DHCP servers and clients in throw-away network namespaces
//! (`captures/record.sh SCENARIO OUT`, helpers in tests/lab/lib.sh), recorded into a temp
//! file, then `dhcpscope report --format json` on it, checked against what the scenario did.
//!
//! Needs root, a usable `ip netns`, tshark and the scenario's programs. Without them the test
//! is skipped with the reason, except in CI (tests/common/gate.rs has the one rule), where it
//! fails naming what is missing. Scenarios run one at a time (one
//! lab per moment, see [`LAB`]). Real clients pick random xids: assertions use MACs, message
//! order, addresses and server ids.

#[path = "common/gate.rs"]
mod gate;
mod report_helpers;

use report_helpers::*;
use serde_json::Value;
use std::collections::BTreeMap;
use std::fs::File;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// One lab at a time: scenarios share the machine's CPU, and timing matters to some.
static LAB: Mutex<()> = Mutex::new(());

const LEGIT: &str = "10.0.0.1";
const LEGIT_MAC: &str = "02:53:00:00:00:01";
const ROGUE: &str = "192.168.66.1";
const ROGUE_MAC: &str = "02:ba:db:ad:ba:d1";
/// A scenario that takes longer than this is stuck.
const SCENARIO_TIMEOUT: Duration = Duration::from_secs(60);

/// True when the scenario can run: root, namespaces, the lab's own tools and `programs`
/// (and scapy); otherwise skips or, in CI, fails (tests/common/gate.rs).
fn gate(test: &str, programs: &[&str], scapy: bool) -> bool {
    let mut needs = vec![gate::Need::Netns];
    needs.extend(
        ["ip", "ethtool", "tcpdump", "bash", "tshark"]
            .iter()
            .chain(programs)
            .map(|p| gate::Need::Program(p)),
    );
    if scapy {
        needs.push(gate::Need::PythonModule("scapy.all"));
    }
    gate::ready(test, &needs)
}

/// A capture recorded by one scenario, with the lab's own records of it (`LAB_EXPORT` in
/// tests/lab/lib.sh): the clients' hook events and the lease files. Removed on drop unless
/// the test failed.
struct Recording {
    pcap: PathBuf,
    log: PathBuf,
    records: PathBuf,
}

impl Drop for Recording {
    fn drop(&mut self) {
        if std::thread::panicking() {
            eprintln!(
                "kept {}, {} and {} for inspection",
                self.pcap.display(),
                self.log.display(),
                self.records.display()
            );
        } else {
            let _ = std::fs::remove_file(&self.pcap);
            let _ = std::fs::remove_file(&self.log);
            let _ = std::fs::remove_dir_all(&self.records);
        }
    }
}

/// One line of a client's hook log: what the client itself was told.
#[derive(Debug, Clone, PartialEq)]
struct HookEvent {
    reason: String,
    ip: String,
    server: String,
    lease: Option<u64>,
}

/// Hook reasons that mean "the client now holds this lease" (dhclient/dhcpcd, udhcpc).
const BINDING: &[&str] = &["BOUND", "RENEW", "REBIND", "REBOOT", "bound", "renew"];

impl Recording {
    /// The hook events of lab client `name` (`<reason> <ip> server=<id> lease=<s>`).
    fn events(&self, name: &str) -> Vec<HookEvent> {
        let path = self.records.join("events").join(name);
        let text = std::fs::read_to_string(&path)
            .unwrap_or_else(|e| panic!("no hook events {}: {e}", path.display()));
        text.lines()
            .map(|l| {
                let mut words = l.split(' ');
                let reason = words.next().unwrap_or_default().to_string();
                let ip = words.next().unwrap_or_default().to_string();
                let mut e = HookEvent {
                    reason,
                    ip,
                    server: String::new(),
                    lease: None,
                };
                for w in words {
                    if let Some(v) = w.strip_prefix("server=") {
                        e.server = v.to_string();
                    } else if let Some(v) = w.strip_prefix("lease=") {
                        e.lease = v.parse().ok();
                    }
                }
                e
            })
            .collect()
    }

    /// `name.leases` as the daemon or client left it.
    fn lease_file(&self, name: &str) -> String {
        let path = self.records.join(format!("{name}.leases"));
        std::fs::read_to_string(&path)
            .unwrap_or_else(|e| panic!("no lease file {}: {e}", path.display()))
    }

    /// (MAC, address) of every lease in dnsmasq's lease file `name`.
    fn dnsmasq_leases(&self, name: &str) -> Vec<(String, String)> {
        self.lease_file(name)
            .lines()
            .filter_map(|l| {
                let f: Vec<&str> = l.split_whitespace().collect();
                (f.len() >= 3).then(|| (f[1].to_string(), f[2].to_string()))
            })
            .collect()
    }

    /// Seconds from `acked_at` (an RFC 3339 time from the report) to the expiry dnsmasq wrote
    /// for `mac` in its lease file `name`: the lease time as the server counts it.
    fn dnsmasq_lease_secs(&self, name: &str, mac: &str, acked_at: &str) -> f64 {
        let text = self.lease_file(name);
        let expiry: f64 = text
            .lines()
            .map(|l| l.split_whitespace().collect::<Vec<&str>>())
            .find(|f| f.get(1) == Some(&mac))
            .and_then(|f| f.first()?.parse().ok())
            .unwrap_or_else(|| panic!("{name}.leases has no lease for {mac}:\n{text}"));
        let out = Command::new("date")
            .args(["-u", "-d", acked_at, "+%s.%N"])
            .output()
            .expect("run date");
        let acked: f64 = String::from_utf8_lossy(&out.stdout)
            .trim()
            .parse()
            .unwrap_or_else(|_| panic!("date cannot read {acked_at}"));
        expiry - acked
    }

    /// (address, MAC, lease seconds) of every active lease in dhcpd's lease file `name`
    /// (the last block per address wins, as dhcpd reads it).
    fn dhcpd_active(&self, name: &str) -> Vec<(String, String, u64)> {
        let text = self.lease_file(name);
        let mut last: Vec<(String, String, u64, bool)> = Vec::new();
        for block in text.split("lease ").skip(1) {
            let Some((ip, body)) = block.split_once(" {") else {
                continue;
            };
            let field = |key: &str| {
                body.lines()
                    .map(str::trim)
                    .find_map(|l| l.strip_prefix(key))
                    .map(|v| v.trim_end_matches(';').trim().to_string())
            };
            let epoch = |v: Option<String>| -> Option<u64> {
                // "6 2026/11/28 19:55:20" (weekday, date, time, UTC)
                let v = v?;
                let out = Command::new("date")
                    .args(["-u", "-d", v.split_once(' ')?.1, "+%s"])
                    .output()
                    .ok()?;
                String::from_utf8_lossy(&out.stdout).trim().parse().ok()
            };
            let secs = match (epoch(field("starts ")), epoch(field("ends "))) {
                (Some(a), Some(b)) => b.saturating_sub(a),
                _ => 0,
            };
            let active = field("binding state ").as_deref() == Some("active");
            let mac = field("hardware ethernet ").unwrap_or_default();
            last.retain(|l| l.0 != ip);
            last.push((ip.to_string(), mac, secs, active));
        }
        last.into_iter()
            .filter(|l| l.3)
            .map(|l| (l.0, l.1, l.2))
            .collect()
    }
}

/// The client's own account (hook events of lab client `hook`) against the report for `mac`:
/// every lease the client took (BOUND, RENEW, REBOOT…) is an ACKed exchange with the same
/// address, server and lease time, in the same order. Returns those (address, server).
fn assert_hook_agrees(
    doc: &Value,
    rec: &Recording,
    hook: &str,
    mac: &str,
) -> Vec<(String, String)> {
    let told: Vec<(String, String, Option<u64>)> = rec
        .events(hook)
        .into_iter()
        .filter(|e| BINDING.contains(&e.reason.as_str()))
        .map(|e| (e.ip, e.server, e.lease))
        .collect();
    assert!(
        !told.is_empty(),
        "{hook}: the client never bound: {:?}",
        rec.events(hook)
    );
    let acked: Vec<(String, String, Option<u64>)> = exchanges(client(doc, mac))
        .iter()
        .filter(|e| e["outcome"] == "ACK" && e["kind"] != "INFORM")
        .map(|e| {
            (
                str_of(&e["address"]).to_string(),
                str_of(&e["server_id"]).to_string(),
                e["lease_time"].as_u64(),
            )
        })
        .collect();
    assert_eq!(
        acked, told,
        "{mac}: report (left) vs {hook}'s hook events (right)"
    );
    told.into_iter().map(|(a, s, _)| (a, s)).collect()
}

/// DHCP message types in the capture as tshark counts them, against the report: every
/// message the report places in an exchange (a record plus its folded retransmissions), and
/// its DHCP packet total.
fn assert_tshark_counts(rec: &Recording, doc: &Value) {
    let out = Command::new("tshark")
        .args(["-n", "-r"])
        .arg(&rec.pcap)
        .args(["-Y", "dhcp", "-T", "fields", "-e", "dhcp.option.dhcp"])
        .output()
        .expect("run tshark");
    assert!(
        out.status.success(),
        "tshark: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let name = |t: &str| -> String {
        match t {
            "1" => "DISCOVER",
            "2" => "OFFER",
            "3" => "REQUEST",
            "4" => "DECLINE",
            "5" => "ACK",
            "6" => "NAK",
            "7" => "RELEASE",
            "8" => "INFORM",
            other => other,
        }
        .to_string()
    };
    let mut theirs: BTreeMap<String, u64> = BTreeMap::new();
    for line in String::from_utf8_lossy(&out.stdout).lines() {
        *theirs.entry(name(line.trim())).or_default() += 1;
    }
    let mut ours: BTreeMap<String, u64> = BTreeMap::new();
    for c in clients(doc) {
        for e in exchanges(c) {
            for m in arr(&e["messages"]) {
                *ours.entry(str_of(&m["msg_type"]).to_string()).or_default() +=
                    1 + u64_of(&m["retransmissions"]);
            }
        }
    }
    assert_eq!(
        ours, theirs,
        "message types: report (left) vs tshark (right)"
    );
    assert_eq!(u64_of(&doc["dhcp_packets"]), theirs.values().sum::<u64>());
}

/// Runs `captures/record.sh SCENARIO OUT` (exit 0 = the scenario happened as designed).
fn record(scenario: &str, ext: &str, env: &[(&str, &str)]) -> Recording {
    let tmp = std::env::temp_dir();
    let stem = format!("dhcpscope-netns-{}-{scenario}", std::process::id());
    let rec = Recording {
        pcap: tmp.join(format!("{stem}.{ext}")),
        log: tmp.join(format!("{stem}.log")),
        records: tmp.join(format!("{stem}.records")),
    };
    let _ = std::fs::remove_dir_all(&rec.records);
    std::fs::create_dir_all(&rec.records).expect("create the records directory");
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("captures/record.sh");
    let log = File::create(&rec.log).expect("create scenario log");
    let started = Instant::now();
    let mut child = Command::new("bash")
        .arg(&script)
        .arg(scenario)
        .arg(&rec.pcap)
        .envs(env.iter().copied())
        .env("LAB_VERBOSE", "1")
        .env("LAB_EXPORT", &rec.records)
        .stdin(Stdio::null())
        .stdout(log.try_clone().expect("dup log"))
        .stderr(log)
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start {}: {e}", script.display()));
    let status = loop {
        if let Some(s) = child.try_wait().expect("wait for record.sh") {
            break s;
        }
        if started.elapsed() > SCENARIO_TIMEOUT {
            // SIGTERM lets the lab's EXIT trap tear the namespaces down.
            let _ = Command::new("kill")
                .args(["-TERM", &child.id().to_string()])
                .status();
            let deadline = Instant::now() + Duration::from_secs(10);
            while child.try_wait().ok().flatten().is_none() && Instant::now() < deadline {
                std::thread::sleep(Duration::from_millis(100));
            }
            let _ = child.kill();
            let _ = child.wait();
            panic!(
                "scenario {scenario} still running after {SCENARIO_TIMEOUT:?}; log:\n{}",
                std::fs::read_to_string(&rec.log).unwrap_or_default()
            );
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    assert!(
        status.success(),
        "scenario {scenario} failed ({status}); log:\n{}",
        std::fs::read_to_string(&rec.log).unwrap_or_default()
    );
    eprintln!(
        "scenario {scenario}: {:.1} s",
        started.elapsed().as_secs_f64()
    );
    rec
}

/// Gate, lock the lab, record, report: the JSON document (exit status 0 checked).
fn scenario(
    test: &str,
    name: &str,
    ext: &str,
    programs: &[&str],
    scapy: bool,
    report_args: &[&str],
) -> Option<(Recording, Value)> {
    if !gate(test, programs, scapy) {
        return None;
    }
    let _lab = LAB.lock().unwrap_or_else(|e| e.into_inner());
    let rec = record(name, ext, &[]);
    let r = report(&rec.pcap, report_args);
    assert_eq!(r.code, 0, "report exit {}: {}", r.code, r.stderr);
    assert_tshark_counts(&rec, &r.doc);
    Some((rec, r.doc))
}

fn ex_of(c: &Value, i: usize) -> &Value {
    &exchanges(c)[i]
}

fn f64_of(v: &Value) -> f64 {
    v.as_f64()
        .unwrap_or_else(|| panic!("expected a number, got {v}"))
}

/// Every OFFER of the exchange names the address the final ACK gave.
fn assert_offered_what_was_acked(ex: &Value, server_id: &str) {
    let addr = str_of(&ex["address"]);
    assert!(
        offers(ex).contains(&(server_id, addr)),
        "{server_id} offered {:?}, ACKed {addr}",
        offers(ex)
    );
}

// --------------------------------------------------------------- clean DORA ---

#[test]
fn dnsmasq_dhclient_dora_renew_initreboot_release() {
    let Some((rec, doc)) = scenario(
        "dnsmasq_dhclient",
        "dnsmasq-dhclient",
        "pcap",
        &["dnsmasq", "dhclient"],
        false,
        &[],
    ) else {
        return;
    };
    let mac = "02:10:00:00:00:01";
    assert_eq!(client_macs(&doc), [mac]);
    let c = client(&doc, mac);
    assert_eq!(
        kinds(c),
        [
            ("DORA", "ACK"),
            ("RENEW", "ACK"),
            ("INIT-REBOOT", "ACK"),
            ("RELEASE", "RELEASED")
        ]
    );
    let dora = ex_of(c, 0);
    assert_eq!(msg_types(dora), ["DISCOVER", "OFFER", "REQUEST", "ACK"]);
    let addr = str_of(&dora["address"]);
    assert!(in_range(addr, "10.0.0.100", "10.0.0.150"), "{addr}");
    assert_eq!(offers(dora), [(LEGIT, addr)]);
    // RENEW at T1: unicast to the server with ciaddr; INIT-REBOOT after the restart: broadcast.
    assert_eq!(msg_types(ex_of(c, 1)), ["REQUEST", "ACK"]);
    assert_eq!(messages(ex_of(c, 1), "REQUEST")[0]["dst_ip"], LEGIT);
    assert_eq!(msg_types(ex_of(c, 2)), ["REQUEST", "ACK"]);
    assert_eq!(
        messages(ex_of(c, 2), "REQUEST")[0]["dst_ip"],
        "255.255.255.255"
    );
    assert_eq!(msg_types(ex_of(c, 3)), ["RELEASE"]);
    for e in exchanges(c) {
        assert_eq!(e["address"], addr, "one lease all along");
        assert_eq!(e["server_id"], LEGIT);
    }
    // dnsmasq was told T1 3 s, T2 6 s, lease 2 min.
    for e in &exchanges(c)[..3] {
        assert_eq!(
            (&e["lease_time"], &e["t1"], &e["t2"]),
            (&120.into(), &3.into(), &6.into())
        );
    }
    assert_eq!(server_ids(&doc), [LEGIT]);
    let s = server(&doc, LEGIT);
    assert_eq!(counts(s), (1, 3, 0));
    assert_eq!(strings(&s["macs"]), [LEGIT_MAC]);
    assert!(problems(&doc).is_empty(), "{:?}", problems(&doc));

    // dhclient's own account: BOUND, RENEW, REBOOT with this address, server and lease time.
    assert_eq!(assert_hook_agrees(&doc, &rec, "dc", mac).len(), 3);
    let lease = rec.lease_file("dc");
    for line in [
        format!("fixed-address {addr};"),
        "option dhcp-lease-time 120;".into(),
        "option dhcp-renewal-time 3;".into(),
        "option dhcp-server-identifier 10.0.0.1;".into(),
    ] {
        assert!(
            lease.contains(&line),
            "dhclient lease file lacks {line}:\n{lease}"
        );
    }
    // The release: dhclient's hook saw it, and dnsmasq dropped the lease.
    let events = rec.events("dc");
    let last = events.last().expect("hook events");
    assert_eq!((last.reason.as_str(), last.ip.as_str()), ("RELEASE", addr));
    assert_eq!(
        rec.dnsmasq_leases("dns"),
        [],
        "released: dnsmasq holds no lease"
    );
}

#[test]
fn dnsmasq_udhcpc_dora_renew_release() {
    let Some((rec, doc)) = scenario(
        "dnsmasq_udhcpc",
        "dnsmasq-udhcpc",
        "pcap",
        &["dnsmasq", "busybox"],
        false,
        &[],
    ) else {
        return;
    };
    let mac = "02:10:00:00:00:02";
    assert_eq!(client_macs(&doc), [mac]);
    let c = client(&doc, mac);
    assert_eq!(
        kinds(c),
        [("DORA", "ACK"), ("RENEW", "ACK"), ("RELEASE", "RELEASED")]
    );
    assert_eq!(
        c["client_id"], "01:02:10:00:00:00:02",
        "udhcpc sends 01 + MAC"
    );
    assert!(str_of(&c["vendor_class"]).starts_with("udhcp "));
    let addr = str_of(&ex_of(c, 0)["address"]);
    assert!(in_range(addr, "10.0.0.100", "10.0.0.150"), "{addr}");
    assert_offered_what_was_acked(ex_of(c, 0), LEGIT);
    assert_eq!(messages(ex_of(c, 1), "REQUEST")[0]["dst_ip"], LEGIT);
    for e in exchanges(c) {
        assert_eq!(e["address"], addr);
        assert_eq!(e["server_id"], LEGIT);
    }
    assert_eq!(counts(server(&doc, LEGIT)), (1, 2, 0));
    assert!(problems(&doc).is_empty(), "{:?}", problems(&doc));

    // udhcpc's hook: bound, renew (same lease); after SIGUSR2 it deconfigured, and dnsmasq
    // dropped the released lease.
    assert_eq!(assert_hook_agrees(&doc, &rec, "uc", mac).len(), 2);
    let events = rec.events("uc");
    assert_eq!(events.last().map(|e| e.reason.as_str()), Some("deconfig"));
    assert_eq!(
        rec.dnsmasq_leases("dns"),
        [],
        "released: dnsmasq holds no lease"
    );
}

#[test]
fn dnsmasq_dhcpcd_dora_release() {
    let Some((rec, doc)) = scenario(
        "dnsmasq_dhcpcd",
        "dnsmasq-dhcpcd",
        "pcap",
        &["dnsmasq", "dhcpcd", "nsenter"],
        false,
        &[],
    ) else {
        return;
    };
    let mac = "02:10:00:00:00:03";
    let c = client(&doc, mac);
    assert_eq!(client_macs(&doc), [mac]);
    assert_eq!(c["hostname"], "dsr-dhcpcd");
    assert!(str_of(&c["vendor_class"]).starts_with("dhcpcd-"));
    assert_eq!(kinds(c), [("DORA", "ACK"), ("RELEASE", "RELEASED")]);
    assert_eq!(
        msg_types(ex_of(c, 0)),
        ["DISCOVER", "OFFER", "REQUEST", "ACK"]
    );
    let addr = str_of(&ex_of(c, 0)["address"]);
    assert!(in_range(addr, "10.0.0.100", "10.0.0.150"), "{addr}");
    assert_offered_what_was_acked(ex_of(c, 0), LEGIT);
    assert_eq!(ex_of(c, 1)["address"], addr);
    assert_eq!(ex_of(c, 1)["server_id"], LEGIT);
    // The capture also holds dhcpcd's ARP probes: more frames than DHCP packets.
    assert_eq!(u64_of(&doc["dhcp_packets"]), 5);
    assert!(u64_of(&doc["frames"]) > 5);
    assert!(problems(&doc).is_empty(), "{:?}", problems(&doc));

    // dhcpcd's hook: BOUND with this lease; after `dhcpcd -k` dnsmasq holds no lease.
    assert_eq!(assert_hook_agrees(&doc, &rec, "dd", mac).len(), 1);
    assert_eq!(
        rec.dnsmasq_leases("dns"),
        [],
        "released: dnsmasq holds no lease"
    );
}

// ------------------------------------------------------------------- rogue ---

#[test]
fn rogue_server_is_reported_unexpected() {
    let Some((rec, doc)) = scenario(
        "rogue_server",
        "rogue-server",
        "pcap",
        &["dnsmasq", "dhclient"],
        false,
        &["--expect-server", LEGIT],
    ) else {
        return;
    };
    assert_eq!(
        client_macs(&doc),
        ["02:10:00:00:00:07", "02:10:00:00:00:08"]
    );
    // Each DISCOVER got two OFFERs, one per server; which came first varies.
    for (mac, chosen) in [("02:10:00:00:00:07", LEGIT), ("02:10:00:00:00:08", ROGUE)] {
        let c = client(&doc, mac);
        assert_eq!(kinds(c), [("DORA", "ACK")], "{mac}");
        let e = ex_of(c, 0);
        let mut by: Vec<&str> = offers(e).iter().map(|o| o.0).collect();
        by.sort_unstable();
        assert_eq!(by, [LEGIT, ROGUE], "{mac}");
        assert_eq!(e["server_id"], chosen, "{mac}");
        assert_offered_what_was_acked(e, chosen);
        let ack = messages(e, "ACK");
        assert_eq!(ack.len(), 1, "{mac}: the other server stays silent");
        let ack_mac = if chosen == LEGIT {
            LEGIT_MAC
        } else {
            ROGUE_MAC
        };
        assert_eq!(ack[0]["src_mac"], ack_mac);
    }
    // Each client's own account, and each server's lease file: :07 holds a lease of the
    // legit server only, :08 of the rogue only.
    for (hook, mac, server_name, srv) in [
        ("c7", "02:10:00:00:00:07", "legit", LEGIT),
        ("c8", "02:10:00:00:00:08", "rogue", ROGUE),
    ] {
        let bound = assert_hook_agrees(&doc, &rec, hook, mac);
        assert_eq!(bound.len(), 1, "{hook}");
        assert_eq!(bound[0].1, srv, "{hook}");
        assert!(
            rec.dnsmasq_leases(server_name)
                .contains(&(mac.to_string(), bound[0].0.clone())),
            "{server_name}.leases: {:?}",
            rec.dnsmasq_leases(server_name)
        );
        // The server's expiry is the reported lease time after the reported ACK (whole
        // seconds in the lease file).
        let e = ex_of(client(&doc, mac), 0);
        let ack = messages(e, "ACK")[0];
        let secs = rec.dnsmasq_lease_secs(server_name, mac, str_of(&ack["ts"]));
        let lease = e["lease_time"].as_f64().expect("lease time");
        assert!(
            (secs - lease).abs() <= 1.0,
            "{server_name}: {secs} s vs {lease} s"
        );
    }
    assert_eq!(rec.dnsmasq_leases("legit").len(), 1);
    assert_eq!(rec.dnsmasq_leases("rogue").len(), 1);
    let hijacked = str_of(&client(&doc, "02:10:00:00:00:08")["address"]);
    assert!(
        in_range(hijacked, "192.168.66.10", "192.168.66.20"),
        "{hijacked}"
    );

    let legit = server(&doc, LEGIT);
    let rogue = server(&doc, ROGUE);
    assert_eq!(legit["expected"], true);
    assert_eq!(rogue["expected"], false);
    assert_eq!(counts(legit), (2, 1, 0));
    assert_eq!(counts(rogue), (2, 1, 0));
    assert_eq!(strings(&rogue["macs"]), [ROGUE_MAC]);
    // The rogue hands out another subnet, router and DNS.
    assert_eq!(strings(&rogue["subnets"]), ["192.168.66.0/24"]);
    assert_eq!(strings(&rogue["routers"]), [ROGUE]);
    assert_eq!(strings(&rogue["dns"]), [ROGUE]);
    assert_eq!(strings(&legit["routers"]), [LEGIT]);
    let f = with_code(&doc, "unexpected-server");
    assert_eq!(f.len(), 1, "{:?}", codes(&doc));
    assert_eq!(
        (&f[0]["severity"], &f[0]["server"]),
        (&"critical".into(), &ROGUE.into())
    );
    let code = run_report(
        &rec.pcap,
        &["--expect-server", LEGIT, "--fail-on", "critical"],
    )
    .status
    .code();
    assert_eq!(code, Some(2));
    // Without expectations: no verdict, but two servers on one segment is a warning.
    let doc = report(&rec.pcap, &[]).doc;
    assert!(server(&doc, ROGUE)["expected"].is_null());
    assert_eq!(with_code(&doc, "multiple-servers").len(), 1);
}

// ------------------------------------------------------- INIT-REBOOT + NAK ---

#[test]
fn authoritative_dhcpd_naks_wrong_subnet_initreboot_then_dora() {
    let Some((rec, doc)) = scenario(
        "dhcpd_initreboot_nak",
        "dhcpd-initreboot-nak",
        "pcap",
        &["dhcpd", "dhclient"],
        false,
        &[],
    ) else {
        return;
    };
    // :09 returns with a lease for 172.16.5.50: NAK, then a new DORA in 10.0.0.0/24.
    let c9 = client(&doc, "02:10:00:00:00:09");
    assert_eq!(kinds(c9), [("INIT-REBOOT", "NAK"), ("DORA", "ACK")]);
    let nak_ex = ex_of(c9, 0);
    assert_eq!(msg_types(nak_ex), ["REQUEST", "NAK"]);
    let nak = messages(nak_ex, "NAK")[0];
    assert_eq!(
        (&nak["src_mac"], &nak["server_id"], &nak["dst_ip"]),
        (&LEGIT_MAC.into(), &LEGIT.into(), &"255.255.255.255".into())
    );
    let dora = ex_of(c9, 1);
    assert_eq!(msg_types(dora), ["DISCOVER", "OFFER", "REQUEST", "ACK"]);
    assert_ne!(dora["xid"], nak_ex["xid"]);
    let a9 = str_of(&dora["address"]);
    assert!(in_range(a9, "10.0.0.100", "10.0.0.150"), "{a9}");
    assert_offered_what_was_acked(dora, LEGIT);
    // :0a returns with 10.0.0.200 (right subnet, unknown): dhcpd is silent (1-2 REQUESTs),
    // then DORA for another address.
    let ca = client(&doc, "02:10:00:00:00:0a");
    assert_eq!(kinds(ca), [("INIT-REBOOT", "NO_ANSWER"), ("DORA", "ACK")]);
    let asked = transmissions(ex_of(ca, 0), "REQUEST", "02:10:00:00:00:0a");
    assert!((1..=2).contains(&asked), "{asked} INIT-REBOOT REQUESTs");
    let aa = str_of(&ex_of(ca, 1)["address"]);
    assert!(in_range(aa, "10.0.0.100", "10.0.0.150") && aa != a9, "{aa}");
    assert_eq!(counts(server(&doc, LEGIT)), (2, 2, 1));
    // Each dhclient's account, and dhcpd's lease file: two active 120 s leases, one per
    // client, the addresses the report shows ACKed.
    assert_eq!(
        assert_hook_agrees(&doc, &rec, "c9", "02:10:00:00:00:09").len(),
        1
    );
    assert_eq!(
        assert_hook_agrees(&doc, &rec, "ca", "02:10:00:00:00:0a").len(),
        1
    );
    let mut active = rec.dhcpd_active("dhcpd");
    active.sort();
    let mut want = vec![
        (a9.to_string(), "02:10:00:00:00:09".to_string(), 120),
        (aa.to_string(), "02:10:00:00:00:0a".to_string(), 120),
    ];
    want.sort();
    assert_eq!(active, want, "dhcpd.leases");
    // dhcpd's silence is what RFC 2131 §4.3.2 asks of a server with no record of the
    // client: NO_ANSWER, but no finding.
    for code in [
        "no-answer",
        "nak-with-config",
        "nak-not-broadcast",
        "unselected-server-replied",
    ] {
        assert!(
            with_code(&doc, code).is_empty(),
            "{code}: {:?}",
            codes(&doc)
        );
    }
}

// ------------------------------------------------------------------ INFORM ---

#[test]
fn inform_real_servers_obey_rfc2131() {
    let Some((rec, doc)) = scenario(
        "inform",
        "inform",
        "pcap",
        &["dnsmasq", "kea-dhcp4", "dhcpd", "dhcpcd", "nsenter"],
        false,
        &[],
    ) else {
        return;
    };
    let c = client(&doc, "02:10:00:00:00:0c");
    assert_eq!(kinds(c), [("INFORM", "ACK"); 3]);
    let by = [
        (LEGIT, LEGIT_MAC),
        ("10.0.0.2", "02:53:00:00:00:02"),
        ("10.0.0.3", "02:53:00:00:00:03"),
    ];
    let mut obeyed = Vec::new();
    for (e, (id, mac)) in exchanges(c).iter().zip(by) {
        assert_eq!(msg_types(e), ["INFORM", "ACK"]);
        assert_eq!(e["server_id"], id);
        assert_eq!(e["address"], "10.0.0.50");
        let ack = messages(e, "ACK")[0];
        assert_eq!(ack["src_mac"], mac);
        // What the server put on the wire, recorded: yiaddr 0 and no lease time obey §4.3.5.
        let obeys = ack["yiaddr"].is_null() && e["lease_time"].is_null();
        obeyed.push((id, obeys));
    }
    eprintln!("INFORM ACK obeys RFC 2131 §4.3.5 (dnsmasq, Kea, dhcpd): {obeyed:?}");
    // dnsmasq 2.90, Kea 2.2 and dhcpd 4.4 all obey (test-lab-notes.md); and the report must
    // agree with the wire either way.
    assert!(obeyed.iter().all(|o| o.1), "{obeyed:?}");
    // dhcpcd's own account of each INFORM: who answered, and no lease time.
    for (i, e) in exchanges(c).iter().enumerate() {
        let hook = format!("inf{}", i + 1);
        let told: Vec<HookEvent> = rec
            .events(&hook)
            .into_iter()
            .filter(|e| e.reason == "INFORM")
            .collect();
        assert_eq!(told.len(), 1, "{hook}: {told:?}");
        assert_eq!(told[0].server, str_of(&e["server_id"]), "{hook}");
        assert_eq!(told[0].lease, None, "{hook}");
    }
    for code in [
        "inform-ack-yiaddr",
        "inform-ack-lease-time",
        "no-lease-time",
    ] {
        assert!(
            with_code(&doc, code).is_empty(),
            "{code}: {:?}",
            codes(&doc)
        );
    }
}

#[test]
fn inform_ack_with_yiaddr_and_lease_time_is_reported() {
    let Some((rec, doc)) = scenario(
        "inform_violation",
        "inform-violation",
        "pcap",
        &["dhcpcd", "nsenter", "/usr/bin/python3"],
        true,
        &[],
    ) else {
        return;
    };
    // The scripted server 10.0.0.9 ACKs the INFORM with yiaddr 10.0.0.50 and lease 3600 s.
    let c = client(&doc, "02:10:00:00:00:1d");
    let e = ex_of(c, 0);
    assert_eq!(
        (str_of(&e["kind"]), str_of(&e["outcome"])),
        ("INFORM", "ACK")
    );
    let ack = messages(e, "ACK")[0];
    assert_eq!(
        (&ack["src_mac"], &ack["yiaddr"]),
        (&"02:53:00:00:00:09".into(), &"10.0.0.50".into())
    );
    for code in ["inform-ack-yiaddr", "inform-ack-lease-time"] {
        let f = with_code(&doc, code);
        assert_eq!(f.len(), 1, "{code}: {:?}", codes(&doc));
        assert_eq!(f[0]["server"], "10.0.0.9");
        assert_eq!(f[0]["frames"][0], ack["frame"]);
    }
    // dhcpcd was told what the report says the ACK carried: server 10.0.0.9, lease 3600 s.
    let told: Vec<HookEvent> = rec
        .events("inf")
        .into_iter()
        .filter(|e| e.reason == "INFORM")
        .collect();
    assert_eq!(told.len(), 1, "{told:?}");
    assert_eq!(told[0].server, str_of(&e["server_id"]));
    assert_eq!(told[0].lease, e["lease_time"].as_u64());
    assert_eq!(told[0].lease, Some(3600));
    // An ACK to INFORM needs no lease time: not also a no-lease-time case.
    assert!(with_code(&doc, "no-lease-time").is_empty());
}

// ------------------------------------------------------------------- relay ---

#[test]
fn relayed_server_is_known_by_option_54() {
    let Some((rec, doc)) = scenario(
        "relay_opt82",
        "relay-opt82",
        "pcapng",
        &["dnsmasq", "dhcrelay", "busybox", "mergecap"],
        false,
        &["--expect-server", "10.2.0.2"],
    ) else {
        return;
    };
    let mac = "02:10:00:00:00:0d";
    assert_eq!(client_macs(&doc), [mac]);
    let c = client(&doc, mac);
    assert_eq!(kinds(c), [("DORA", "ACK"), ("RELEASE", "RELEASED")]);
    let dora = ex_of(c, 0);
    let addr = str_of(&dora["address"]);
    assert!(in_range(addr, "10.1.0.100", "10.1.0.150"), "{addr}");
    assert_eq!(offers(dora), [("10.2.0.2", addr)]);
    // Client and relay legs both captured: two DISCOVERs, OFFERs, REQUESTs, ACKs.
    for t in ["DISCOVER", "OFFER", "REQUEST", "ACK"] {
        assert_eq!(messages(dora, t).len(), 2, "{t}: {:?}", msg_types(dora));
    }
    let release = ex_of(c, 1);
    assert_eq!(transmissions(release, "RELEASE", mac), 1);
    // udhcpc's account (bound via the relay to 10.2.0.2); dnsmasq dropped the released lease.
    assert_eq!(
        assert_hook_agrees(&doc, &rec, "uc", mac),
        [(addr.to_string(), "10.2.0.2".to_string())]
    );
    assert_eq!(
        rec.dnsmasq_leases("dns"),
        [],
        "released: dnsmasq holds no lease"
    );

    assert_eq!(server_ids(&doc), ["10.2.0.2"]);
    let s = server(&doc, "10.2.0.2");
    assert_eq!(s["expected"], true);
    assert_eq!(strings(&s["relays"]), ["10.1.0.1"]);
    assert_eq!(strings(&s["ips"]), ["10.2.0.2"]);
    assert_eq!(strings(&s["macs"]), [LEGIT_MAC]);
    assert_eq!(counts(s), (1, 1, 0), "each reply counted once");
    for code in [
        "relay-info-to-client",
        "giaddr-mismatch",
        "unexpected-server",
    ] {
        assert!(
            with_code(&doc, code).is_empty(),
            "{code}: {:?}",
            codes(&doc)
        );
    }
}

// --------------------------------------------------------- pool exhaustion ---

#[test]
fn pool_exhaustion_third_client_no_offer() {
    let Some((rec, doc)) = scenario(
        "pool_exhaustion",
        "pool-exhaustion",
        "pcap",
        &["dnsmasq", "busybox"],
        false,
        &[],
    ) else {
        return;
    };
    let mut addrs = Vec::new();
    let leases = rec.dnsmasq_leases("dns");
    assert_eq!(leases.len(), 2, "dns.leases: {leases:?}");
    for (hook, mac) in [("u1", "02:10:00:00:00:11"), ("u2", "02:10:00:00:00:12")] {
        let c = client(&doc, mac);
        assert_eq!(kinds(c), [("DORA", "ACK")], "{mac}");
        addrs.push(str_of(&ex_of(c, 0)["address"]));
        // The client's account and dnsmasq's lease file name the same address.
        let bound = assert_hook_agrees(&doc, &rec, hook, mac);
        assert!(
            leases.contains(&(mac.to_string(), bound[0].0.clone())),
            "{leases:?}"
        );
        // ... and dnsmasq's expiry is the reported lease time after the reported ACK.
        let ack = messages(ex_of(c, 0), "ACK")[0];
        let secs = rec.dnsmasq_lease_secs("dns", mac, str_of(&ack["ts"]));
        let lease = ex_of(c, 0)["lease_time"].as_f64().expect("lease time");
        assert!((secs - lease).abs() <= 1.0, "{mac}: {secs} s vs {lease} s");
    }
    // The third client never bound.
    let u3 = rec.events("u3");
    assert!(
        u3.iter().all(|e| !BINDING.contains(&e.reason.as_str())),
        "{u3:?}"
    );
    addrs.sort_unstable();
    assert_eq!(
        addrs,
        ["10.0.0.100", "10.0.0.101"],
        "the whole 2-address pool"
    );
    let c = client(&doc, "02:10:00:00:00:13");
    assert_eq!(kinds(c), [("DORA", "NO_OFFER")]);
    assert_eq!(
        transmissions(ex_of(c, 0), "DISCOVER", "02:10:00:00:00:13"),
        3
    );
    let f = with_code(&doc, "no-offer");
    assert_eq!(f.len(), 1, "{:?}", codes(&doc));
    assert_eq!(f[0]["client"], "02:10:00:00:00:13");
    assert_eq!(counts(server(&doc, LEGIT)), (2, 2, 0));
}

// ---------------------------------------------------------- delayed server ---

#[test]
fn delayed_server_latency_shows() {
    const DELAY_MS: f64 = 300.0;
    if !gate(
        "delayed_server",
        &["dnsmasq", "dhclient", "/usr/bin/python3"],
        false,
    ) {
        return;
    }
    let _lab = LAB.lock().unwrap_or_else(|e| e.into_inner());
    let rec = record("delayed-server", "pcap", &[("DELAY_MS", "300")]);
    let slow_ms = (DELAY_MS / 2.0).to_string();
    let doc = report(&rec.pcap, &["--slow-ms", &slow_ms]).doc;
    assert_tshark_counts(&rec, &doc);
    // dhclient's account: bound the slow server's lease; only that server holds one.
    let bound = assert_hook_agrees(&doc, &rec, "dc", "02:10:00:00:00:1c");
    assert_eq!(bound[0].1, "10.0.0.2");
    assert_eq!(
        rec.dnsmasq_leases("slowd"),
        [("02:10:00:00:00:1c".to_string(), bound[0].0.clone())]
    );
    assert_eq!(rec.dnsmasq_leases("fast"), []);
    let c = client(&doc, "02:10:00:00:00:1c");
    let e = ex_of(c, 0);
    assert_eq!((str_of(&e["kind"]), str_of(&e["outcome"])), ("DORA", "ACK"));
    // The client rejected the fast server and bound the slow one's address.
    assert_eq!(e["server_id"], "10.0.0.2");
    let addr = str_of(&e["address"]);
    assert!(in_range(addr, "10.0.0.200", "10.0.0.250"), "{addr}");
    let mut by: Vec<&str> = offers(e).iter().map(|o| o.0).collect();
    by.sort_unstable();
    assert_eq!(by, [LEGIT, "10.0.0.2"]);
    // On the wire: every reply of 10.0.0.2 comes >= DELAY_MS after the request it answers.
    let req_ts = |t: &str| messages(e, t)[0];
    let wire = [
        ms_between(req_ts("DISCOVER"), slow_reply(e, "OFFER")),
        ms_between(req_ts("REQUEST"), slow_reply(e, "ACK")),
    ];
    assert!(
        wire.iter().all(|l| *l >= DELAY_MS),
        "wire latencies {wire:?}"
    );

    let slow = server(&doc, "10.0.0.2");
    let fast = server(&doc, LEGIT);
    assert_eq!(counts(slow), (1, 1, 0));
    let median = f64_of(&slow["latency_ms"]["median"]);
    let p95 = f64_of(&slow["latency_ms"]["p95"]);
    assert!(
        median >= DELAY_MS && p95 >= median,
        "slow: {median} / {p95} ms"
    );
    let fast_median = f64_of(&fast["latency_ms"]["median"]);
    assert!(
        fast_median < DELAY_MS / 2.0,
        "fast server: {fast_median} ms"
    );
    let offer = arr(&e["offers"])
        .iter()
        .find(|o| o["server_id"] == "10.0.0.2")
        .unwrap();
    assert!(f64_of(&offer["latency_ms"]) >= DELAY_MS);

    let slow_findings: Vec<&Value> = with_code(&doc, "slow-reply");
    let named: Vec<&str> = slow_findings.iter().map(|f| str_of(&f["server"])).collect();
    assert_eq!(named, ["10.0.0.2"], "only the delayed server is slow");
    assert_eq!(
        u64_of(&slow_findings[0]["count"]),
        2,
        "its OFFER and its ACK"
    );
    // Above the delay, nothing is slow.
    let doc = report(&rec.pcap, &["--slow-ms", &(DELAY_MS * 3.0).to_string()]).doc;
    assert!(with_code(&doc, "slow-reply").is_empty());
}

/// The reply of type `t` sent by the delayed server (10.0.0.2).
fn slow_reply<'a>(e: &'a Value, t: &str) -> &'a Value {
    messages(e, t)
        .into_iter()
        .find(|m| m["server_id"] == "10.0.0.2")
        .unwrap_or_else(|| panic!("no {t} from 10.0.0.2: {:?}", msg_types(e)))
}
