//! `dhcpscope probe` against real DHCP servers (dnsmasq, ISC dhcpd, dhcrelay) in network
//! namespaces that each test creates with tests/lab/lib.sh and tears down. Nothing is sent on
//! the machine's own interfaces.
//!
//! Needs root, `ip netns` and the servers. Without them a test prints why and passes, except
//! in CI (`CI` set to anything but empty, `false` or `0`), where it fails.

use serde_json::Value as Json;
use std::process::Command;

mod lab;

use lab::{BIN, Lab, lab_ready};

fn strs(v: &Json) -> Vec<&str> {
    v.as_array()
        .map(|a| a.iter().filter_map(Json::as_str).collect())
        .unwrap_or_default()
}

fn codes(j: &Json) -> Vec<&str> {
    j["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|f| f["code"].as_str())
        .collect()
}

const LEGIT_MAC: &str = "02:53:00:00:00:01";
const ROGUE_MAC: &str = "02:ba:db:ad:ba:d1";
const PROBE_MAC: &str = "02:44:48:43:50:01";

#[test]
fn rogue_server_is_critical_then_ok_then_nobody_answers() {
    if !lab_ready("rogue", &["dnsmasq"]) {
        return;
    }
    let lab = Lab::run(
        "rogue",
        r#"
lab_init probe-rogue
lab_add_node legit 02:53:00:00:00:01 10.0.0.1/24
lab_add_node rogue 02:ba:db:ad:ba:d1 192.168.66.1/24
lab_add_node cli 02:10:00:00:00:99
lab_dnsmasq legit legit eth0 --no-ping --dhcp-range=10.0.0.100,10.0.0.150,255.255.255.0,2m --dhcp-option=option:router,10.0.0.1
lab_dnsmasq rogue rogue eth0 --no-ping --dhcp-range=192.168.66.10,192.168.66.20,255.255.255.0,2m
run both_text lab_exec cli "$BIN" probe -i eth0 --expect-server 10.0.0.1 --wait 1
run both_json lab_exec cli "$BIN" probe -i eth0 --expect-server 10.0.0.1 --wait 1 --format json
lab_stop rogue
run legit lab_exec cli "$BIN" probe -i eth0 --expect-server 10.0.0.1 --wait 1 --count 2 --interval 1
lab_stop legit
run none lab_exec cli "$BIN" probe -i eth0 --expect-server 10.0.0.1 --wait 1 --format json
"#,
    );

    // Both servers: CRITICAL, the rogue named in the status line.
    assert_eq!(lab.rc("both_text"), 2, "{}", lab.show("both_text"));
    let text = lab.out("both_text");
    let first = text.lines().next().unwrap();
    assert!(
        first.starts_with(&format!(
            "DHCP CRITICAL - unexpected server 192.168.66.1 ({ROGUE_MAC}) offered 192.168.66."
        )),
        "{first}"
    );
    assert!(first.contains("| servers=2 offers=2"), "{first}");
    assert!(first.contains("sent=1"), "{first}");
    assert!(first.contains("latency_ms="), "{first}");

    assert_eq!(lab.rc("both_json"), 2, "{}", lab.show("both_json"));
    let j = lab.json("both_json");
    assert_eq!(j["status"], "CRITICAL");
    assert_eq!(j["interface"], "eth0");
    assert_eq!(strs(&j["modes"]), ["discover"]);
    assert_eq!(j["client_mac"], PROBE_MAC);
    assert_eq!(j["sent"], 1);
    let replies = j["replies"].as_array().unwrap();
    assert_eq!(replies.len(), 2, "{j}");
    for r in replies {
        assert_eq!(r["msg_type"], "OFFER");
        assert_eq!(r["mode"], "discover");
        assert!(r["latency_ms"].as_f64().unwrap() >= 0.0);
        assert!(r["yiaddr"].as_str().is_some());
        assert!(r["src_ip"].as_str().is_some());
    }
    let servers = j["servers"].as_array().unwrap();
    let legit = servers
        .iter()
        .find(|s| s["server_id"] == "10.0.0.1")
        .unwrap();
    let rogue = servers
        .iter()
        .find(|s| s["server_id"] == "192.168.66.1")
        .unwrap();
    assert_eq!(legit["expected"], true);
    assert_eq!(strs(&legit["macs"]), [LEGIT_MAC]);
    assert_eq!(rogue["expected"], false);
    assert_eq!(strs(&rogue["macs"]), [ROGUE_MAC]);
    assert!(strs(&j["silent_expected"]).is_empty());
    assert!(codes(&j).contains(&"unexpected-server"), "{j}");

    // The rogue stopped: OK, one status line per round.
    assert_eq!(lab.rc("legit"), 0, "{}", lab.show("legit"));
    let legit_out = lab.out("legit");
    let lines: Vec<&str> = legit_out.lines().collect();
    assert_eq!(lines.len(), 2, "{}", lab.show("legit"));
    for l in lines {
        assert!(
            l.starts_with(&format!(
                "DHCP OK - 1 server answered: 10.0.0.1 ({LEGIT_MAC}) offered 10.0.0."
            )),
            "{l}"
        );
    }

    // Nobody left: CRITICAL, the expected server reported silent.
    assert_eq!(lab.rc("none"), 2, "{}", lab.show("none"));
    let j = lab.json("none");
    assert_eq!(j["status"], "CRITICAL");
    assert!(
        j["summary"]
            .as_str()
            .unwrap()
            .contains("no DHCP server answered")
    );
    assert_eq!(strs(&j["silent_expected"]), ["10.0.0.1"]);
    assert!(j["replies"].as_array().unwrap().is_empty());
}

#[test]
fn init_reboot_for_a_wrong_subnet_gets_a_nak_from_authoritative_dhcpd() {
    if !lab_ready("initreboot", &["dhcpd"]) {
        return;
    }
    let lab = Lab::run(
        "initreboot",
        r#"
lab_init probe-nak
lab_add_node srv 02:53:00:00:00:01 10.0.0.1/24
lab_add_node cli 02:10:00:00:00:99
lab_dhcpd dhcpd srv eth0 'authoritative;
ping-check false;
default-lease-time 120;
max-lease-time 120;
subnet 10.0.0.0 netmask 255.255.255.0 {
  range 10.0.0.100 10.0.0.110;
}'
run nak lab_exec cli "$BIN" probe -i eth0 --mode init-reboot --wait 1 --expect-server 10.0.0.1 --format json
"#,
    );
    assert_eq!(lab.rc("nak"), 0, "{}", lab.show("nak"));
    let j = lab.json("nak");
    assert_eq!(strs(&j["modes"]), ["init-reboot"]);
    let replies = j["replies"].as_array().unwrap();
    assert!(
        replies.iter().any(|r| r["msg_type"] == "NAK"
            && r["server_id"] == "10.0.0.1"
            && r["mode"] == "init-reboot"),
        "{j}"
    );
    assert!(!codes(&j).contains(&"acked-wrong-subnet"));
    assert_eq!(j["status"], "OK");
}

#[test]
fn inform_gets_an_ack_without_address_or_lease_from_dnsmasq() {
    if !lab_ready("inform", &["dnsmasq"]) {
        return;
    }
    let lab = Lab::run(
        "inform",
        r#"
lab_init probe-inform
lab_add_node srv 02:53:00:00:00:01 10.0.0.1/24
lab_add_node cli 02:10:00:00:00:99 10.0.0.50/24
lab_dnsmasq dm srv eth0 --no-ping --dhcp-range=10.0.0.100,10.0.0.150,255.255.255.0,2m --dhcp-option=option:router,10.0.0.1
run inform lab_exec cli "$BIN" probe -i eth0 --mode inform --ciaddr 10.0.0.50 --wait 1 --expect-server 10.0.0.1 --format json
run text lab_exec cli "$BIN" probe -i eth0 --mode inform --ciaddr 10.0.0.50 --wait 1 --expect-server 10.0.0.1
"#,
    );
    assert_eq!(lab.rc("inform"), 0, "{}", lab.show("inform"));
    let j = lab.json("inform");
    let acks: Vec<&Json> = j["replies"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["msg_type"] == "ACK")
        .collect();
    assert_eq!(acks.len(), 1, "{j}");
    let ack = acks[0];
    assert_eq!(ack["server_id"], "10.0.0.1");
    assert_eq!(ack["yiaddr"], "0.0.0.0");
    assert!(ack["lease_time"].is_null(), "{ack}");
    assert_eq!(strs(&ack["routers"]), ["10.0.0.1"]);
    let c = codes(&j);
    assert!(!c.contains(&"inform-ack-yiaddr") && !c.contains(&"inform-ack-lease-time"));
    assert!(!c.contains(&"inform-no-ack"));
    assert_eq!(j["status"], "OK", "{j}");
    assert_eq!(lab.rc("text"), 0, "{}", lab.show("text"));
    let text = lab.out("text");
    assert!(text.starts_with("DHCP OK - "), "{text}");
    assert!(text.contains("ACK    from 10.0.0.1"), "{text}");
    assert!(text.contains("yiaddr 0.0.0.0"), "{text}");
    assert!(text.contains("no lease time"), "{text}");
}

#[test]
fn dora_releases_its_lease() {
    if !lab_ready("dora", &["dnsmasq"]) {
        return;
    }
    let lab = Lab::run(
        "dora",
        r#"
lab_init probe-dora
lab_add_node srv 02:53:00:00:00:01 10.0.0.1/24
lab_add_node cli 02:10:00:00:00:99
lab_dnsmasq dm srv eth0 --no-ping --dhcp-range=10.0.0.100,10.0.0.150,255.255.255.0,2m
run dora lab_exec cli "$BIN" probe -i eth0 --mode dora --wait 1 --expect-server 10.0.0.1 --format json
sleep 0.3
cp "$LAB_DIR/dm.leases" "$OUT/leases"
cp "$LAB_DIR/dm.log" "$OUT/dm.log"
"#,
    );
    assert_eq!(lab.rc("dora"), 0, "{}", lab.show("dora"));
    let j = lab.json("dora");
    let types: Vec<&str> = j["replies"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|r| r["msg_type"].as_str())
        .collect();
    assert_eq!(types, ["OFFER", "ACK"], "{j}");
    assert_eq!(j["sent"], 3, "DISCOVER, REQUEST, RELEASE: {j}");
    assert!(
        j["notes"]
            .as_array()
            .unwrap()
            .iter()
            .any(|n| n.as_str().unwrap().contains("then released it")),
        "{j}"
    );
    let log = lab.file("dm.log");
    assert!(log.contains("DHCPACK"), "{log}");
    assert!(log.contains("DHCPRELEASE"), "{log}");
    let leases = lab.file("leases");
    assert!(
        !leases.contains(PROBE_MAC),
        "a lease was left behind:\n{leases}"
    );
}

#[test]
fn relay_through_dhcrelay_and_relay_mode_with_option_82() {
    if !lab_ready("relay", &["dnsmasq", "dhcrelay"]) {
        return;
    }
    let lab = Lab::run(
        "relay",
        r#"
lab_init probe-relay
lab_add_bridge br1
lab_add_node srv 02:53:00:00:00:01 10.0.0.1/24
ip -n "$(lab_ns srv)" route add 10.1.0.0/24 via 10.0.0.254
ip -n "$(lab_ns srv)" route add 10.2.0.0/24 via 10.0.0.253
lab_add_node rly 02:52:00:00:00:01 10.1.0.1/24 br1 eth0
lab_add_node rly 02:52:00:00:00:02 10.0.0.254/24 br0 eth1
lab_add_node cli 02:10:00:00:00:99 - br1
lab_add_node prl 02:10:00:00:00:98 10.0.0.253/24
ip -n "$(lab_ns prl)" addr add 10.2.0.1/24 dev eth0
lab_dnsmasq dm srv eth0 --no-ping --dhcp-range=10.1.0.100,10.1.0.150,255.255.255.0,2m --dhcp-range=10.2.0.100,10.2.0.150,255.255.255.0,2m
lab_dhcrelay rel rly eth0 eth1 10.0.0.1
lab_capture_start cap hub srv-eth0 "$OUT/srv.pcap"
run through lab_exec cli "$BIN" probe -i eth0 --wait 1 --expect-server 10.0.0.1 --format json
run relay lab_exec prl "$BIN" probe -i eth0 --wait 1 --relay 10.2.0.1 --server 10.0.0.1 --circuit-id port7 --remote-id sw1 --expect-server 10.0.0.1 --format json
lab_capture_stop cap
run decoded "$BIN" decode -r "$OUT/srv.pcap" --format jsonl
"#,
    );
    // A client behind a real dhcrelay: the OFFER comes back through the relay.
    assert_eq!(lab.rc("through"), 0, "{}", lab.show("through"));
    let j = lab.json("through");
    let r = &j["replies"][0];
    assert_eq!(r["msg_type"], "OFFER", "{j}");
    assert_eq!(r["server_id"], "10.0.0.1");
    assert_eq!(r["giaddr"], "10.1.0.1");
    assert!(r["yiaddr"].as_str().unwrap().starts_with("10.1.0."));

    // The probe as relay agent: unicast from port 67 with giaddr and option 82.
    assert_eq!(lab.rc("relay"), 0, "{}", lab.show("relay"));
    let j = lab.json("relay");
    let r = &j["replies"][0];
    assert_eq!(r["msg_type"], "OFFER", "{j}");
    assert!(r["yiaddr"].as_str().unwrap().starts_with("10.2.0."));
    assert_eq!(r["dst_ip"], "10.2.0.1");

    // On the server's wire: both relayed DISCOVERs carry option 82.
    let mut circuits = Vec::new();
    for line in lab.out("decoded").lines() {
        let p: Json = serde_json::from_str(line).unwrap();
        if p["dhcp"]["msg_type"] != "DISCOVER" {
            continue;
        }
        for o in p["dhcp"]["options"].as_array().unwrap() {
            if o["code"] == 82 {
                for sub in o["value"].as_array().unwrap() {
                    circuits.push((sub["code"].as_u64().unwrap(), sub["value"].to_string()));
                }
            }
        }
    }
    assert!(circuits.contains(&(1, "\"eth0\"".into())), "{circuits:?}");
    assert!(circuits.contains(&(1, "\"port7\"".into())), "{circuits:?}");
    assert!(circuits.contains(&(2, "\"sw1\"".into())), "{circuits:?}");
}

#[test]
fn vlan_tagged_probes_leave_with_their_tags() {
    if !lab_ready("vlan", &[]) {
        return;
    }
    // No 802.1Q links here: the trunk view is the bridge port, read by our own live decoder.
    let lab = Lab::run(
        "vlan",
        r#"
lab_init probe-vlan
lab_add_node cli 02:10:00:00:00:99
lab_bg mon hub "$BIN" decode -i cli-eth0 -c 2 --format jsonl
sleep 1
run one lab_exec cli "$BIN" probe -i eth0 --wait 0.3 --vlan 10
run two lab_exec cli "$BIN" probe -i eth0 --wait 0.3 --vlan 100 --vlan 10
lab_wait_exit mon 5
cp "$LAB_DIR/mon.log" "$OUT/mon.log"
"#,
    );
    assert_eq!(lab.rc("one"), 2, "nobody answers: {}", lab.show("one"));
    let mut vlans = Vec::new();
    for line in lab.file("mon.log").lines() {
        if let Ok(p) = serde_json::from_str::<Json>(line) {
            assert_eq!(p["dhcp"]["msg_type"], "DISCOVER");
            assert_eq!(p["src_mac"], PROBE_MAC);
            vlans.push(p["vlan"].clone());
        }
    }
    assert_eq!(
        vlans,
        [serde_json::json!([10]), serde_json::json!([100, 10])],
        "{}",
        lab.file("mon.log")
    );
}

#[test]
fn a_delayed_server_shows_its_latency_and_a_slow_reply_warning() {
    if !lab_ready("slow", &["dnsmasq", "python3"]) {
        return;
    }
    // No netem in this kernel: a user-space forwarder holds the slow server's frames 300 ms.
    let lab = Lab::run(
        "slow",
        r#"
lab_init probe-slow
lab_add_bridge brs
lab_add_node fast 02:53:00:00:00:01 10.0.0.1/24
lab_add_node slow 02:53:00:00:00:02 10.0.0.2/24 brs
lab_add_node dly - - brs s0
lab_add_node dly - - br0 b0
lab_add_node cli 02:10:00:00:00:99
lab_delay_link fwd dly s0 b0 300
lab_dnsmasq fastd fast eth0 --no-ping --dhcp-range=10.0.0.100,10.0.0.150,255.255.255.0,2m
lab_dnsmasq slowd slow eth0 --no-ping --dhcp-range=10.0.0.200,10.0.0.250,255.255.255.0,2m
sleep 0.5
run slow lab_exec cli "$BIN" probe -i eth0 --wait 1.5 --expect-server 10.0.0.1 --expect-server 10.0.0.2 --slow-ms 150 --format json
"#,
    );
    assert_eq!(lab.rc("slow"), 1, "{}", lab.show("slow"));
    let j = lab.json("slow");
    assert_eq!(j["status"], "WARNING");
    let latency = |id: &str| {
        j["servers"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["server_id"] == id)
            .unwrap_or_else(|| panic!("{id} missing: {j}"))["latency_ms"]
            .as_f64()
            .unwrap()
    };
    assert!(latency("10.0.0.1") < 100.0, "{j}");
    let slow = latency("10.0.0.2");
    assert!(
        (290.0..1000.0).contains(&slow),
        "slow server {slow} ms: {j}"
    );
    let findings = j["findings"].as_array().unwrap();
    assert!(
        findings
            .iter()
            .any(|f| f["code"] == "slow-reply" && f["server"] == "10.0.0.2"),
        "{j}"
    );
}

#[test]
fn without_cap_net_raw_the_probe_exits_3_with_one_line() {
    if !lab_ready("noprivilege", &[]) {
        return;
    }
    let lab = Lab::run(
        "noprivilege",
        r#"
lab_init probe-priv
lab_add_node cli 02:10:00:00:00:99
run nobody lab_exec cli setpriv --reuid nobody --regid nogroup --clear-groups "$BIN" probe -i eth0 --wait 0.2
run dropped lab_exec cli setpriv --inh-caps -net_raw --bounding-set -net_raw "$BIN" probe -i eth0 --wait 0.2
"#,
    );
    for name in ["nobody", "dropped"] {
        assert_eq!(lab.rc(name), 3, "{}", lab.show(name));
        let err = lab.err(name);
        assert_eq!(err.lines().count(), 1, "{err}");
        assert!(err.contains("CAP_NET_RAW"), "{err}");
        assert!(err.contains("sudo"), "{err}");
        assert!(err.contains("setcap cap_net_raw=ep"), "{err}");
        assert!(lab.out(name).is_empty());
    }
}

/// docs/privileges.md: the probe gives root up right after its handles are open (read from
/// /proc while it listens), and a failed drop is a warning: the probe still runs and judges.
#[test]
fn probe_drops_privileges_and_a_failed_drop_is_only_a_warning() {
    if !lab_ready("probe_drop", &["dnsmasq"]) {
        return;
    }
    let lab = Lab::run(
        "probe_drop",
        r#"
lab_init probe-drop
lab_add_node srv 02:53:00:00:00:01 10.0.0.1/24
lab_add_node cli 02:10:00:00:00:99
lab_dnsmasq dm srv eth0 --no-ping --dhcp-range=10.0.0.100,10.0.0.150,255.255.255.0,2m
lab_bg root cli "$BIN" probe -i eth0 --wait 3 --expect-server 10.0.0.1 --format json
proc_status root "${LAB_PID[root]}"
set +e; wait "${LAB_PID[root]}"; echo $? >"$OUT/root.rc"; set -e
LAB_PID[root]=""
cp "$LAB_DIR/root.log" "$OUT/root.out"
run nodrop lab_exec cli setpriv --bounding-set -setuid,-setgid "$BIN" probe -i eth0 --wait 0.5 --expect-server 10.0.0.1 --format json
"#,
    );
    lab.assert_dropped("root");
    assert_eq!(lab.rc("root"), 0, "{}", lab.show("root"));
    assert_eq!(lab.json("root")["status"], "OK", "{}", lab.show("root"));

    assert_eq!(lab.rc("nodrop"), 0, "{}", lab.show("nodrop"));
    assert_eq!(
        lab.err("nodrop").trim(),
        "dhcpscope: warning: cannot drop privileges: Operation not permitted (os error 1)",
        "{}",
        lab.show("nodrop")
    );
    let j = lab.json("nodrop");
    assert_eq!(j["status"], "OK", "{j}");
    assert_eq!(j["servers"][0]["server_id"], "10.0.0.1", "{j}");
}

/// Checks that need no privilege and no namespace.
#[test]
fn bad_arguments_and_interfaces_are_unknown() {
    let probe = |args: &[&str]| {
        Command::new(BIN)
            .arg("probe")
            .args(args)
            .env("RUST_BACKTRACE", "1")
            .output()
            .unwrap()
    };
    for (args, needle) in [
        (&["-i", "no-such-if0"][..], "no such interface"),
        (&["-i", "lo"][..], "loopback"),
        (&["-i", "any"][..], "any"),
        (&["-i", "lo", "--mode", "inform"][..], "--ciaddr"),
        (&["-i", "lo", "--no-such-flag"][..], "--no-such-flag"),
        (&["-i", "lo", "--mode", "nonsense"][..], "nonsense"),
        (&["-i", "lo", "--option", "999=1"][..], "CODE"),
        (&["-i", "lo", "--relay", "10.0.0.1"][..], "--server"),
    ] {
        let out = probe(args);
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(3), "{args:?}: {err}");
        assert!(err.contains(needle), "{args:?}: {err}");
        assert!(!err.contains("stack backtrace"), "{err}");
    }
}

#[test]
fn dora_waits_for_the_chosen_server_and_releases_despite_a_rogue_nak() {
    if !lab_ready("dora_rogue", &["dnsmasq", "python3"]) {
        return;
    }
    // Two dnsmasq answer. The legitimate one sits behind a 200 ms forwarder; the rogue is
    // authoritative, so it NAKs the REQUEST naming the legitimate server ("wrong server-ID")
    // before that server's ACK arrives. The probe must wait for the chosen server's answer
    // and release the lease it got.
    let lab = Lab::run(
        "dora_rogue",
        r#"
lab_init probe-dora2
lab_add_bridge brl
lab_add_node legit 02:53:00:00:00:01 10.0.0.1/24 brl
lab_add_node dly - - brl l0
lab_add_node dly - - br0 b0
lab_add_node rogue 02:ba:db:ad:ba:d1 192.168.66.1/24
lab_add_node cli 02:10:00:00:00:99
lab_delay_link fwd dly l0 b0 200
lab_dnsmasq dm legit eth0 --no-ping --dhcp-range=10.0.0.100,10.0.0.150,255.255.255.0,2m
lab_dnsmasq rg rogue eth0 --no-ping --dhcp-authoritative --dhcp-range=192.168.66.10,192.168.66.20,255.255.255.0,2m
sleep 0.5
run dora lab_exec cli "$BIN" probe -i eth0 --mode dora --wait 1.5 --expect-server 10.0.0.1 --format json
sleep 0.3
cp "$LAB_DIR/dm.leases" "$OUT/leases"
cp "$LAB_DIR/dm.log" "$OUT/dm.log"
cp "$LAB_DIR/rg.log" "$OUT/rg.log"
"#,
    );
    // CRITICAL: the rogue answered.
    assert_eq!(lab.rc("dora"), 2, "{}", lab.show("dora"));
    let j = lab.json("dora");
    let replies: Vec<(&str, &str)> = j["replies"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["msg_type"].as_str().unwrap(),
                r["server_id"].as_str().unwrap_or(""),
            )
        })
        .collect();
    // The race this test is about: the rogue's NAK came first, the chosen server's ACK after.
    let nak = replies.iter().position(|r| *r == ("NAK", "192.168.66.1"));
    let ack = replies.iter().position(|r| *r == ("ACK", "10.0.0.1"));
    assert!(
        matches!((nak, ack), (Some(n), Some(a)) if n < a),
        "{replies:?}\n{j}"
    );
    assert_eq!(j["sent"], 3, "DISCOVER, REQUEST, RELEASE: {j}");
    let notes = strs(&j["notes"]);
    assert!(
        notes.iter().any(|n| n.starts_with("dora: leased 10.0.0.")
            && n.ends_with("from 10.0.0.1, then released it")),
        "{notes:?}"
    );
    assert!(!codes(&j).contains(&"dora-no-ack"), "{j}");
    let rogue_log = lab.file("rg.log");
    assert!(rogue_log.contains("DHCPNAK"), "{rogue_log}");
    let log = lab.file("dm.log");
    assert!(log.contains("DHCPACK"), "{log}");
    assert!(log.contains("DHCPRELEASE"), "{log}");
    // The chosen server holds no lease any more.
    let leases = lab.file("leases");
    assert!(
        leases.trim().is_empty(),
        "a lease was left behind:\n{leases}"
    );
}
