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

/// A capture recorded by one scenario; removed on drop unless the test failed.
struct Recording {
    pcap: PathBuf,
    log: PathBuf,
}

impl Drop for Recording {
    fn drop(&mut self) {
        if std::thread::panicking() {
            eprintln!(
                "kept {} and {} for inspection",
                self.pcap.display(),
                self.log.display()
            );
        } else {
            let _ = std::fs::remove_file(&self.pcap);
            let _ = std::fs::remove_file(&self.log);
        }
    }
}

/// Runs `captures/record.sh SCENARIO OUT` (exit 0 = the scenario happened as designed).
fn record(scenario: &str, ext: &str, env: &[(&str, &str)]) -> Recording {
    let tmp = std::env::temp_dir();
    let stem = format!("dhcpscope-netns-{}-{scenario}", std::process::id());
    let rec = Recording {
        pcap: tmp.join(format!("{stem}.{ext}")),
        log: tmp.join(format!("{stem}.log")),
    };
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("captures/record.sh");
    let log = File::create(&rec.log).expect("create scenario log");
    let started = Instant::now();
    let mut child = Command::new("bash")
        .arg(&script)
        .arg(scenario)
        .arg(&rec.pcap)
        .envs(env.iter().copied())
        .env("LAB_VERBOSE", "1")
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
    let Some((_rec, doc)) = scenario(
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
}

#[test]
fn dnsmasq_udhcpc_dora_renew_release() {
    let Some((_rec, doc)) = scenario(
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
}

#[test]
fn dnsmasq_dhcpcd_dora_release() {
    let Some((_rec, doc)) = scenario(
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
    let Some((_rec, doc)) = scenario(
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
    let Some((_rec, doc)) = scenario(
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
    let Some((_rec, doc)) = scenario(
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
    // An ACK to INFORM needs no lease time: not also a no-lease-time case.
    assert!(with_code(&doc, "no-lease-time").is_empty());
}

// ------------------------------------------------------------------- relay ---

#[test]
fn relayed_server_is_known_by_option_54() {
    let Some((_rec, doc)) = scenario(
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
    let Some((_rec, doc)) = scenario(
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
    for mac in ["02:10:00:00:00:11", "02:10:00:00:00:12"] {
        let c = client(&doc, mac);
        assert_eq!(kinds(c), [("DORA", "ACK")], "{mac}");
        addrs.push(str_of(&ex_of(c, 0)["address"]));
    }
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
