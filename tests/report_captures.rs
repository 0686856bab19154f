//! `dhcpscope report` on the committed captures (recorded from real servers and clients,
//! facts in captures/README.md) and on public third-party captures
//! (`../shared/captures/public` beside the repository, facts in its MANIFEST.md; without them
//! the `public_*` tests are skipped with the reason, or fail in CI: tests/common/gate.rs).
//! Every assertion states what happened on the wire, as those documents describe it, never a
//! snapshot of our own output.

#[path = "common/gate.rs"]
mod gate;
mod report_helpers;

use report_helpers::*;
use serde_json::Value;
use std::path::{Path, PathBuf};

const LEGIT: &str = "10.0.0.1";
const LEGIT_MAC: &str = "02:53:00:00:00:01";
const ROGUE: &str = "192.168.66.1";
const ROGUE_MAC: &str = "02:ba:db:ad:ba:d1";

fn capture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("captures")
        .join(name)
}

fn json(name: &str, args: &[&str]) -> Value {
    let r = report(&capture(name), args);
    assert_eq!(r.code, 0, "{name} {args:?}: exit {}; {}", r.code, r.stderr);
    r.doc
}

fn exit_code(name: &str, args: &[&str]) -> i32 {
    let out = run_report(&capture(name), args);
    out.status.code().expect("report killed by a signal")
}

/// A client with exactly one exchange: that exchange.
fn only_exchange<'a>(doc: &'a Value, mac: &str) -> &'a Value {
    let c = client(doc, mac);
    assert_eq!(exchanges(c).len(), 1, "{mac}: {:?}", kinds(c));
    &exchanges(c)[0]
}

/// The reply messages of an exchange from one server MAC.
fn replies_from<'a>(ex: &'a Value, mac: &str) -> Vec<&'a str> {
    arr(&ex["messages"])
        .iter()
        .filter(|m| m["src_mac"] == mac)
        .map(|m| str_of(&m["msg_type"]))
        .collect()
}

// ------------------------------------------------------------------ rogue-server.pcap ---

#[test]
fn rogue_server_two_clients_each_offered_by_both_servers() {
    let doc = json("rogue-server.pcap", &[]);
    assert_eq!(
        (u64_of(&doc["frames"]), u64_of(&doc["dhcp_packets"])),
        (10, 10)
    );
    assert_eq!(
        client_macs(&doc),
        ["02:10:00:00:00:07", "02:10:00:00:00:08"]
    );

    // :07 rejects the rogue: offered 192.168.66.13 (rogue, first) and 10.0.0.105 (legit),
    // requests and gets 10.0.0.105 from 10.0.0.1.
    let e7 = only_exchange(&doc, "02:10:00:00:00:07");
    assert_eq!(
        (str_of(&e7["kind"]), str_of(&e7["outcome"])),
        ("DORA", "ACK")
    );
    assert_eq!(
        msg_types(e7),
        ["DISCOVER", "OFFER", "OFFER", "REQUEST", "ACK"]
    );
    assert_eq!(
        offers(e7),
        [(ROGUE, "192.168.66.13"), (LEGIT, "10.0.0.105")]
    );
    assert_eq!(e7["server_id"], LEGIT);
    assert_eq!(e7["address"], "10.0.0.105");
    assert_eq!(replies_from(e7, LEGIT_MAC), ["OFFER", "ACK"]);
    assert_eq!(replies_from(e7, ROGUE_MAC), ["OFFER"]);

    // :08 rejects legit: offered 10.0.0.106 (legit, first) and 192.168.66.14 (rogue),
    // requests server-id 192.168.66.1 and is ACKed by the rogue (hijacked).
    let e8 = only_exchange(&doc, "02:10:00:00:00:08");
    assert_eq!(
        (str_of(&e8["kind"]), str_of(&e8["outcome"])),
        ("DORA", "ACK")
    );
    assert_eq!(
        msg_types(e8),
        ["DISCOVER", "OFFER", "OFFER", "REQUEST", "ACK"]
    );
    assert_eq!(
        offers(e8),
        [(LEGIT, "10.0.0.106"), (ROGUE, "192.168.66.14")]
    );
    assert_eq!(e8["server_id"], ROGUE);
    assert_eq!(e8["address"], "192.168.66.14");
    assert_eq!(
        client(&doc, "02:10:00:00:00:08")["address"],
        "192.168.66.14"
    );
    assert_eq!(replies_from(e8, ROGUE_MAC), ["OFFER", "ACK"]);
    // Each offer names the MAC that sent it; all replies came within a millisecond or two.
    for ex in [e7, e8] {
        for o in arr(&ex["offers"]) {
            let want = if o["server_id"] == LEGIT {
                LEGIT_MAC
            } else {
                ROGUE_MAC
            };
            assert_eq!(o["server_mac"], want);
            let l = o["latency_ms"].as_f64().expect("offer latency");
            assert!((0.0..5.0).contains(&l), "offer latency {l} ms");
        }
    }

    // Inventory: each server sent OFFER 2, ACK 1, no NAK.
    assert_eq!(servers(&doc).len(), 2, "{:?}", server_ids(&doc));
    let legit = server(&doc, LEGIT);
    let rogue = server(&doc, ROGUE);
    assert_eq!(counts(legit), (2, 1, 0));
    assert_eq!(counts(rogue), (2, 1, 0));
    assert_eq!(strings(&legit["macs"]), [LEGIT_MAC]);
    assert_eq!(strings(&rogue["macs"]), [ROGUE_MAC]);
    assert_eq!(strings(&legit["routers"]), [LEGIT]);
    assert_eq!(strings(&rogue["routers"]), [ROGUE]);
    assert_eq!(strings(&rogue["dns"]), [ROGUE]);
    assert_eq!(strings(&rogue["subnets"]), ["192.168.66.0/24"]);
    assert_eq!(strings(&legit["subnets"]), ["10.0.0.0/24"]);
    // No expectation given: no verdicts, but two servers on one segment is itself a warning,
    // and both clients saw competing offers.
    assert!(legit["expected"].is_null() && rogue["expected"].is_null());
    assert_eq!(
        with_code(&doc, "multiple-servers").len(),
        1,
        "{:?}",
        codes(&doc)
    );
    let competing: Vec<&str> = with_code(&doc, "competing-offers")
        .iter()
        .map(|f| str_of(&f["client"]))
        .collect();
    assert_eq!(competing, ["02:10:00:00:00:07", "02:10:00:00:00:08"]);
    assert!(with_code(&doc, "unexpected-server").is_empty());
}

#[test]
fn rogue_server_with_expected_server_is_critical() {
    for expect in [LEGIT, LEGIT_MAC] {
        let doc = json("rogue-server.pcap", &["--expect-server", expect]);
        assert_eq!(
            server(&doc, LEGIT)["expected"],
            true,
            "--expect-server {expect}"
        );
        assert_eq!(
            server(&doc, ROGUE)["expected"],
            false,
            "--expect-server {expect}"
        );
        let unexpected = with_code(&doc, "unexpected-server");
        assert_eq!(unexpected.len(), 1, "{:?}", codes(&doc));
        let f = unexpected[0];
        assert_eq!(f["severity"], "critical");
        assert_eq!(f["server"], ROGUE);
        assert!(str_of(&f["message"]).contains(ROGUE), "{}", f["message"]);
        // The rogue's first frame on the wire is its OFFER to :07 (frame 2).
        assert_eq!(f["frames"][0], 2);
        // Told which server belongs, the report no longer asks for it.
        assert!(with_code(&doc, "multiple-servers").is_empty());
    }
    // A lease network of concern catches the rogue by what it hands out.
    let doc = json("rogue-server.pcap", &["--expect-subnet", "10.0.0.0/24"]);
    assert_eq!(server(&doc, LEGIT)["expected"], true);
    assert_eq!(server(&doc, ROGUE)["expected"], false);
    // Naming both servers: nothing unexpected.
    let doc = json(
        "rogue-server.pcap",
        &["--expect-server", LEGIT, "--expect-server", ROGUE],
    );
    assert!(with_code(&doc, "unexpected-server").is_empty());
}

#[test]
fn rogue_server_exit_codes() {
    let f = "rogue-server.pcap";
    let expect = ["--expect-server", LEGIT];
    assert_eq!(exit_code(f, &expect), 0, "no --fail-on: the input was read");
    assert_eq!(
        exit_code(f, &[&expect[..], &["--fail-on", "critical"]].concat()),
        2
    );
    assert_eq!(
        exit_code(f, &[&expect[..], &["--fail-on", "warning"]].concat()),
        2
    );
    // Without expectations: only warnings (multiple servers, competing offers).
    assert_eq!(exit_code(f, &["--fail-on", "critical"]), 0);
    assert_eq!(exit_code(f, &["--fail-on", "warning"]), 1);
    let both = ["--expect-server", LEGIT, "--expect-server", ROGUE];
    assert_eq!(
        exit_code(f, &[&both[..], &["--fail-on", "critical"]].concat()),
        0
    );
}

// ---------------------------------------------------------- dhcpd-initreboot-nak.pcap ---

#[test]
fn dhcpd_initreboot_nak_then_dora() {
    let doc = json("dhcpd-initreboot-nak.pcap", &[]);
    assert_eq!(
        client_macs(&doc),
        ["02:10:00:00:00:09", "02:10:00:00:00:0a"]
    );

    // :09, stale lease for 172.16.5.50 (wrong subnet): INIT-REBOOT → NAK, then DORA → ACK.
    let c9 = client(&doc, "02:10:00:00:00:09");
    assert_eq!(kinds(c9), [("INIT-REBOOT", "NAK"), ("DORA", "ACK")]);
    let (reboot, dora) = (&exchanges(c9)[0], &exchanges(c9)[1]);
    assert_eq!(msg_types(reboot), ["REQUEST", "NAK"]);
    assert_eq!(reboot["server_id"], LEGIT);
    let nak = messages(reboot, "NAK")[0];
    assert_eq!(nak["src_mac"], LEGIT_MAC);
    assert_eq!(nak["dst_ip"], "255.255.255.255", "dhcpd broadcasts the NAK");
    assert!(reboot["address"].is_null(), "nothing bound by a NAK");
    assert_eq!(msg_types(dora), ["DISCOVER", "OFFER", "REQUEST", "ACK"]);
    assert_ne!(dora["xid"], reboot["xid"], "the DORA uses a new xid");
    assert_eq!(dora["address"], "10.0.0.100");
    assert_eq!(dora["server_id"], LEGIT);
    assert_eq!(dora["lease_time"], 120);
    assert_eq!(c9["address"], "10.0.0.100");

    // :0a, stale lease for 10.0.0.200 (right subnet, unknown): dhcpd stays silent, then DORA
    // gives 10.0.0.101 (not .200).
    let ca = client(&doc, "02:10:00:00:00:0a");
    assert_eq!(kinds(ca), [("INIT-REBOOT", "NO_ANSWER"), ("DORA", "ACK")]);
    assert_eq!(msg_types(&exchanges(ca)[0]), ["REQUEST"]);
    assert_eq!(exchanges(ca)[1]["address"], "10.0.0.101");
    // dhcpd's silence is what RFC 2131 §4.3.2 asks of a server without a record for the
    // client: the exchange ends NO_ANSWER, but that is no finding.
    assert!(with_code(&doc, "no-answer").is_empty(), "{:?}", codes(&doc));

    let s = server(&doc, LEGIT);
    assert_eq!(servers(&doc).len(), 1);
    assert_eq!(counts(s), (2, 2, 1));
    // dhcpd's NAK is clean: broadcast, only options 53 and 54, no addresses.
    for code in ["nak-with-config", "nak-not-broadcast", "no-lease-time"] {
        assert!(
            with_code(&doc, code).is_empty(),
            "{code}: {:?}",
            codes(&doc)
        );
    }
}

// ----------------------------------------------------------------------- inform.pcap ---

#[test]
fn inform_answered_by_three_servers_that_obey_rfc2131() {
    let doc = json("inform.pcap", &[]);
    let c = client(&doc, "02:10:00:00:00:0c");
    assert_eq!(clients(&doc).len(), 1);
    assert_eq!(c["hostname"], "dsr-inform");
    assert_eq!(kinds(c), [("INFORM", "ACK"); 3]);
    let by = [
        (LEGIT, LEGIT_MAC),
        ("10.0.0.2", "02:53:00:00:00:02"),
        ("10.0.0.3", "02:53:00:00:00:03"),
    ];
    for (ex, (id, mac)) in exchanges(c).iter().zip(by) {
        assert_eq!(msg_types(ex), ["INFORM", "ACK"]);
        assert_eq!(ex["server_id"], id);
        assert_eq!(
            ex["address"], "10.0.0.50",
            "the INFORM client's own address"
        );
        let ack = messages(ex, "ACK")[0];
        assert_eq!(ack["src_mac"], mac);
        assert_eq!(ack["dst_ip"], "10.0.0.50", "ACK unicast to the client");
        // Recorded fact: dnsmasq, Kea and dhcpd all obey RFC 2131 §4.3.5 here.
        assert!(ack["yiaddr"].is_null(), "yiaddr 0.0.0.0 in the ACK");
        assert!(ex["lease_time"].is_null(), "no option 51 in the ACK");
        assert!(arr(&ex["offers"]).is_empty());
        let s = server(&doc, id);
        assert_eq!(counts(s), (0, 1, 0));
        assert_eq!(strings(&s["macs"]), [mac]);
    }
    assert_eq!(servers(&doc).len(), 3);
    for code in [
        "inform-ack-yiaddr",
        "inform-ack-lease-time",
        "no-lease-time",
        "inform-nak",
    ] {
        assert!(
            with_code(&doc, code).is_empty(),
            "{code}: {:?}",
            codes(&doc)
        );
    }
    // Three servers answered on one segment (one at a time): without expectations, a warning.
    assert_eq!(with_code(&doc, "multiple-servers").len(), 1);
}

// ---------------------------------------------------------------- relay-opt82.pcapng ---

#[test]
fn relay_server_is_known_by_option_54_not_by_the_relay() {
    let doc = json("relay-opt82.pcapng", &[]);
    assert_eq!(u64_of(&doc["dhcp_packets"]), 11);
    let c = client(&doc, "02:10:00:00:00:0d");
    assert_eq!(clients(&doc).len(), 1, "{:?}", client_macs(&doc));
    assert_eq!(kinds(c), [("DORA", "ACK"), ("RELEASE", "RELEASED")]);
    let dora = &exchanges(c)[0];
    assert_eq!(dora["server_id"], "10.2.0.2");
    assert_eq!(dora["address"], "10.1.0.111");
    // One OFFER from one server, though it crossed both segments.
    assert_eq!(offers(dora), [("10.2.0.2", "10.1.0.111")]);
    // Both legs of each message are kept: client DISCOVER, relayed DISCOVER, server OFFER,
    // relay's OFFER to the client, and the same for REQUEST/ACK.
    assert_eq!(
        msg_types(dora),
        [
            "DISCOVER", "DISCOVER", "OFFER", "OFFER", "REQUEST", "REQUEST", "ACK", "ACK"
        ]
    );
    // udhcpc sent its RELEASE once; the server segment saw a routed and a relayed copy.
    let release = &exchanges(c)[1];
    assert_eq!(release["address"], "10.1.0.111");
    assert_eq!(release["server_id"], "10.2.0.2");
    assert_eq!(transmissions(release, "RELEASE", "02:10:00:00:00:0d"), 1);
    assert_eq!(
        release["retransmissions"], 0,
        "a copy on another segment is no retransmission"
    );

    // One server: 10.2.0.2 by option 54, its own MAC and IP; the relay only as giaddr.
    assert_eq!(server_ids(&doc), ["10.2.0.2"]);
    let s = server(&doc, "10.2.0.2");
    assert_eq!(s["has_server_id"], true);
    assert_eq!(strings(&s["relays"]), ["10.1.0.1"]);
    assert_eq!(
        strings(&s["macs"]),
        [LEGIT_MAC],
        "the relay's MAC is not the server's"
    );
    assert_eq!(
        strings(&s["ips"]),
        ["10.2.0.2"],
        "the relay's IP is not the server's"
    );
    // dnsmasq sent one OFFER and one ACK (the relay forwarded each once).
    assert_eq!(counts(s), (1, 1, 0));
    assert_eq!(strings(&s["subnets"]), ["10.1.0.0/24"]);
    assert_eq!(strings(&s["routers"]), ["10.1.0.1"]);
    // Server latency: from the relayed request to the server's reply on the server segment.
    let relayed = |t: &str| -> Vec<&Value> {
        messages(dora, t)
            .into_iter()
            .filter(|m| m["src_mac"] == "02:67:00:00:00:02" || m["src_mac"] == LEGIT_MAC)
            .collect()
    };
    let leg = [
        ms_between(relayed("DISCOVER")[0], relayed("OFFER")[0]),
        ms_between(relayed("REQUEST")[0], relayed("ACK")[0]),
    ];
    let median = s["latency_ms"]["median"].as_f64().expect("latency median");
    let (lo, hi) = (leg[0].min(leg[1]), leg[0].max(leg[1]));
    assert!(
        median >= lo - 0.002 && median <= hi + 0.002,
        "median {median} ms, server-leg latencies {leg:?}"
    );
    // dhcrelay strips option 82 before the client and copies giaddr correctly.
    for code in [
        "relay-info-to-client",
        "giaddr-mismatch",
        "multiple-servers",
    ] {
        assert!(
            with_code(&doc, code).is_empty(),
            "{code}: {:?}",
            codes(&doc)
        );
    }
    // Expecting the server by option 54 makes it expected; naming the relay does not.
    let doc = json("relay-opt82.pcapng", &["--expect-server", "10.2.0.2"]);
    assert_eq!(server(&doc, "10.2.0.2")["expected"], true);
    let doc = json("relay-opt82.pcapng", &["--expect-server", "10.1.0.1"]);
    assert_eq!(server(&doc, "10.2.0.2")["expected"], false);
    let doc = json(
        "relay-opt82.pcapng",
        &["--expect-server", "02:67:00:00:00:01"],
    );
    assert_eq!(server(&doc, "10.2.0.2")["expected"], false);
}

// ---------------------------------------------------------------- pool-exhaustion.pcap ---

#[test]
fn pool_exhaustion_third_client_gets_no_offer() {
    let doc = json("pool-exhaustion.pcap", &[]);
    assert_eq!(
        client_macs(&doc),
        [
            "02:10:00:00:00:11",
            "02:10:00:00:00:12",
            "02:10:00:00:00:13"
        ]
    );
    for (mac, addr) in [
        ("02:10:00:00:00:11", "10.0.0.101"),
        ("02:10:00:00:00:12", "10.0.0.100"),
    ] {
        let e = only_exchange(&doc, mac);
        assert_eq!((str_of(&e["kind"]), str_of(&e["outcome"])), ("DORA", "ACK"));
        assert_eq!(msg_types(e), ["DISCOVER", "OFFER", "REQUEST", "ACK"]);
        assert_eq!(e["address"], addr);
    }
    // :13: exactly 3 DISCOVERs, same xid, no OFFER; it gives up.
    let e = only_exchange(&doc, "02:10:00:00:00:13");
    assert_eq!(
        (str_of(&e["kind"]), str_of(&e["outcome"])),
        ("DORA", "NO_OFFER")
    );
    assert_eq!(transmissions(e, "DISCOVER", "02:10:00:00:00:13"), 3);
    assert_eq!(msg_types(e), ["DISCOVER"]);
    assert!(arr(&e["offers"]).is_empty());
    let no_offer = with_code(&doc, "no-offer");
    assert_eq!(no_offer.len(), 1, "{:?}", codes(&doc));
    assert_eq!(no_offer[0]["client"], "02:10:00:00:00:13");
    assert_eq!(no_offer[0]["severity"], "warning");
    assert_eq!(counts(server(&doc, LEGIT)), (2, 2, 0));
    assert!(with_code(&doc, "duplicate-address").is_empty());
}

#[test]
fn fail_on_warning_exit_codes() {
    // pool-exhaustion has a warning (no-offer) and nothing critical.
    assert_eq!(
        exit_code("pool-exhaustion.pcap", &["--fail-on", "warning"]),
        1
    );
    assert_eq!(
        exit_code("pool-exhaustion.pcap", &["--fail-on", "critical"]),
        0
    );
    assert_eq!(exit_code("pool-exhaustion.pcap", &[]), 0);
    // A clean exchange with one server: nothing to fail on.
    assert_eq!(
        exit_code("dnsmasq-dhclient.pcap", &["--fail-on", "warning"]),
        0
    );
    assert_eq!(exit_code("kea-dora.pcap", &["--fail-on", "warning"]), 0);
}

// --------------------------------------------------------- clean DORA with each client ---

#[test]
fn dnsmasq_dhclient_dora_renew_initreboot_release() {
    let doc = json("dnsmasq-dhclient.pcap", &[]);
    let c = client(&doc, "02:10:00:00:00:01");
    assert_eq!(
        kinds(c),
        [
            ("DORA", "ACK"),
            ("RENEW", "ACK"),
            ("INIT-REBOOT", "ACK"),
            ("RELEASE", "RELEASED")
        ]
    );
    let ex = exchanges(c);
    assert_eq!(msg_types(&ex[0]), ["DISCOVER", "OFFER", "REQUEST", "ACK"]);
    assert_eq!(msg_types(&ex[1]), ["REQUEST", "ACK"]);
    assert_eq!(msg_types(&ex[2]), ["REQUEST", "ACK"]);
    assert_eq!(msg_types(&ex[3]), ["RELEASE"]);
    // RENEW: unicast to the server; dhclient keeps the DORA's xid. INIT-REBOOT: broadcast.
    assert_eq!(messages(&ex[1], "REQUEST")[0]["dst_ip"], LEGIT);
    assert_eq!(ex[1]["xid"], ex[0]["xid"]);
    assert_eq!(messages(&ex[2], "REQUEST")[0]["dst_ip"], "255.255.255.255");
    for e in ex {
        assert_eq!(e["address"], "10.0.0.150");
        assert_eq!(e["server_id"], LEGIT);
    }
    // dnsmasq was told T1 = 3 s and T2 = 6 s; the lease is 2 min.
    for e in &ex[..3] {
        assert_eq!(
            (&e["lease_time"], &e["t1"], &e["t2"]),
            (&120.into(), &3.into(), &6.into())
        );
    }
    assert_eq!(counts(server(&doc, LEGIT)), (1, 3, 0));
    assert_eq!(servers(&doc).len(), 1);
    assert!(problems(&doc).is_empty(), "{:?}", problems(&doc));
}

/// dnsmasq + udhcpc: DORA, renew, release (the VLAN files carry the same messages).
fn assert_udhcpc_story(name: &str) {
    let doc = json(name, &[]);
    let c = client(&doc, "02:10:00:00:00:02");
    assert_eq!(clients(&doc).len(), 1, "{name}");
    assert_eq!(
        kinds(c),
        [("DORA", "ACK"), ("RENEW", "ACK"), ("RELEASE", "RELEASED")],
        "{name}"
    );
    assert_eq!(c["client_id"], "01:02:10:00:00:00:02", "{name}");
    assert_eq!(c["vendor_class"], "udhcp 1.35.0", "{name}");
    let ex = exchanges(c);
    assert_eq!(
        messages(&ex[1], "REQUEST")[0]["dst_ip"],
        LEGIT,
        "{name}: unicast renew"
    );
    for e in ex {
        assert_eq!(e["address"], "10.0.0.100", "{name}");
        assert_eq!(e["server_id"], LEGIT, "{name}");
    }
    assert_eq!(counts(server(&doc, LEGIT)), (1, 2, 0), "{name}");
    assert!(problems(&doc).is_empty(), "{name}: {:?}", problems(&doc));
}

#[test]
fn dnsmasq_udhcpc_dora_renew_release() {
    assert_udhcpc_story("dnsmasq-udhcpc.pcap");
}

#[test]
fn vlan_tagged_copies_tell_the_same_story() {
    assert_udhcpc_story("vlan.pcap");
    assert_udhcpc_story("vlan-qinq.pcap");
}

#[test]
fn dnsmasq_dhcpcd_dora_then_release() {
    let doc = json("dnsmasq-dhcpcd.pcap", &[]);
    // 13 frames on the wire, 8 of them ARP.
    assert_eq!(
        (u64_of(&doc["frames"]), u64_of(&doc["dhcp_packets"])),
        (13, 5)
    );
    let c = client(&doc, "02:10:00:00:00:03");
    assert_eq!(c["hostname"], "dsr-dhcpcd");
    assert!(c["client_id"].is_null(), "dhcpcd sent no client-id");
    assert!(str_of(&c["vendor_class"]).starts_with("dhcpcd-9.4.1:Linux"));
    assert_eq!(kinds(c), [("DORA", "ACK"), ("RELEASE", "RELEASED")]);
    assert_eq!(exchanges(c)[0]["address"], "10.0.0.101");
    assert_eq!(exchanges(c)[1]["address"], "10.0.0.101");
    assert_eq!(exchanges(c)[1]["server_id"], LEGIT);
    assert!(problems(&doc).is_empty(), "{:?}", problems(&doc));
}

#[test]
fn kea_dora_then_release() {
    let doc = json("kea-dora.pcap", &[]);
    let c = client(&doc, "02:10:00:00:00:14");
    assert_eq!(kinds(c), [("DORA", "ACK"), ("RELEASE", "RELEASED")]);
    let dora = &exchanges(c)[0];
    assert_eq!(msg_types(dora), ["DISCOVER", "OFFER", "REQUEST", "ACK"]);
    assert_eq!(
        dora["address"], "10.0.0.100",
        "Kea allocates from the bottom"
    );
    // Kea: valid-lifetime 120, renew-timer 60, rebind-timer 105.
    assert_eq!(
        (&dora["lease_time"], &dora["t1"], &dora["t2"]),
        (&120.into(), &60.into(), &105.into())
    );
    assert_eq!(counts(server(&doc, LEGIT)), (1, 1, 0));
    assert!(problems(&doc).is_empty(), "{:?}", problems(&doc));
}

#[test]
fn single_dora_captures_in_other_formats() {
    for (name, mac, addr) in [
        ("sll2-any.pcap", "02:10:00:00:00:15", "10.0.0.119"),
        ("dora-nsec.pcap", "02:10:00:00:00:16", "10.0.0.120"),
        ("hostile-hostname.pcap", "02:10:00:00:00:1b", "10.0.0.125"),
    ] {
        let doc = json(name, &[]);
        let e = only_exchange(&doc, mac);
        assert_eq!(
            msg_types(e),
            ["DISCOVER", "OFFER", "REQUEST", "ACK"],
            "{name}"
        );
        assert_eq!(
            (&e["outcome"], &e["address"]),
            (&"ACK".into(), &addr.into()),
            "{name}"
        );
        assert_eq!(offers(e), [(LEGIT, addr)], "{name}");
        assert_eq!(server_ids(&doc), [LEGIT], "{name}");
    }
    // Nanosecond file: 9 fractional digits survive into the report.
    let doc = json("dora-nsec.pcap", &[]);
    let start = str_of(&only_exchange(&doc, "02:10:00:00:00:16")["start"]);
    assert_eq!(start, "2026-11-28T02:24:58.216912737Z");
    // Hostile hostname: no raw control or bidi character reaches the report.
    let doc = json("hostile-hostname.pcap", &[]);
    let h = str_of(&client(&doc, "02:10:00:00:00:1b")["hostname"]);
    assert!(h.starts_with("evil"), "{h}");
    assert!(
        !h.chars().any(|c| c.is_control() || c == '\u{202e}'),
        "raw bytes in {h:?}"
    );
}

#[test]
fn snaplen_280_replies_are_answers() {
    // No option survives the snaplen, but frames 2 and 4 are the server's BOOTREPLYs with
    // yiaddr 10.0.0.121: the client was answered.
    let doc = json("snaplen-280.pcap", &[]);
    let c = client(&doc, "02:10:00:00:00:17");
    let replies: Vec<&Value> = exchanges(c)
        .iter()
        .flat_map(|e| arr(&e["messages"]))
        .filter(|m| m["src_mac"] == LEGIT_MAC)
        .collect();
    assert_eq!(replies.len(), 2);
    assert!(replies.iter().all(|m| m["yiaddr"] == "10.0.0.121"));
    // The capture cut the frames, not the sender: nothing is malformed.
    for code in ["no-answer", "malformed-reply", "malformed-request"] {
        assert!(
            with_code(&doc, code).is_empty(),
            "{code}: {:?}",
            problems(&doc)
        );
    }
    assert_eq!(c["address"], "10.0.0.121");
}

// ------------------------------------------------------------------- lab-showcase.pcap ---

#[test]
fn lab_showcase_four_clients() {
    let doc = json("lab-showcase.pcap", &[]);
    assert_eq!(
        client_macs(&doc),
        [
            "02:10:00:00:00:21",
            "02:10:00:00:00:22",
            "02:10:00:00:00:23",
            "02:10:00:00:00:24"
        ]
    );
    // :21 binds legit after two offers, releases at the end.
    let c21 = client(&doc, "02:10:00:00:00:21");
    assert_eq!(kinds(c21), [("DORA", "ACK"), ("RELEASE", "RELEASED")]);
    let d = &exchanges(c21)[0];
    assert_eq!(offers(d), [(ROGUE, "192.168.66.17"), (LEGIT, "10.0.0.131")]);
    assert_eq!(
        (&d["server_id"], &d["address"]),
        (&LEGIT.into(), &"10.0.0.131".into())
    );

    // :22 requests the rogue: NAK from the authoritative legit server AND ACK from the rogue.
    let e22 = only_exchange(&doc, "02:10:00:00:00:22");
    assert_eq!(
        msg_types(e22),
        ["DISCOVER", "OFFER", "OFFER", "REQUEST", "NAK", "ACK"]
    );
    assert_eq!(
        offers(e22),
        [(LEGIT, "10.0.0.132"), (ROGUE, "192.168.66.18")]
    );
    assert_eq!(
        e22["outcome"], "ACK",
        "the client bound the rogue's address"
    );
    assert_eq!(
        (&e22["server_id"], &e22["address"]),
        (&ROGUE.into(), &"192.168.66.18".into())
    );
    assert_eq!(messages(e22, "NAK")[0]["src_mac"], LEGIT_MAC);
    let unselected = with_code(&doc, "unselected-server-replied");
    assert_eq!(unselected.len(), 1, "{:?}", codes(&doc));
    assert_eq!(
        unselected[0]["server"], LEGIT,
        "legit NAKed a REQUEST for the rogue"
    );

    // :23 stale 172.16.5.50: INIT-REBOOT NAKed by legit (rogue silent), then DORA.
    let c23 = client(&doc, "02:10:00:00:00:23");
    assert_eq!(kinds(c23), [("INIT-REBOOT", "NAK"), ("DORA", "ACK")]);
    assert_eq!(replies_from(&exchanges(c23)[0], LEGIT_MAC), ["NAK"]);
    assert!(replies_from(&exchanges(c23)[0], ROGUE_MAC).is_empty());
    let d = &exchanges(c23)[1];
    assert_eq!(offers(d), [(ROGUE, "192.168.66.19"), (LEGIT, "10.0.0.133")]);
    assert_eq!(d["address"], "10.0.0.133");

    // :24 INFORM from 10.0.0.60: two ACKs, rogue and legit, both without yiaddr/lease.
    let c24 = client(&doc, "02:10:00:00:00:24");
    assert_eq!(c24["hostname"], "dsr-showcase");
    let inf = only_exchange(&doc, "02:10:00:00:00:24");
    assert_eq!(msg_types(inf), ["INFORM", "ACK", "ACK"]);
    assert_eq!(inf["address"], "10.0.0.60");
    assert_eq!(replies_from(inf, ROGUE_MAC), ["ACK"]);
    assert_eq!(replies_from(inf, LEGIT_MAC), ["ACK"]);
    assert!(with_code(&doc, "inform-ack-yiaddr").is_empty());
    assert!(with_code(&doc, "inform-ack-lease-time").is_empty());

    // Legit: OFFER 3, ACK 3, NAK 2; rogue: OFFER 3, ACK 2.
    assert_eq!(counts(server(&doc, LEGIT)), (3, 3, 2));
    assert_eq!(counts(server(&doc, ROGUE)), (3, 2, 0));
    // Both NAKs are broadcast with only 53, 54, 56.
    assert!(with_code(&doc, "nak-with-config").is_empty());
    assert!(with_code(&doc, "nak-not-broadcast").is_empty());

    let doc = json("lab-showcase.pcap", &["--expect-server", LEGIT]);
    let f = with_code(&doc, "unexpected-server");
    assert_eq!(f.len(), 1);
    assert_eq!(
        (&f[0]["server"], &f[0]["severity"]),
        (&ROGUE.into(), &"critical".into())
    );
    assert_eq!(f[0]["frames"][0], 2, "the rogue's first OFFER");
}

// -------------------------------------------------- delayed-server, inform-violation ---

#[test]
fn delayed_server_latency_and_slow_reply() {
    // 10.0.0.2's frames were held 300 ms by the forwarder; 10.0.0.1 answered in 0.6 ms.
    let doc = json("delayed-server.pcap", &["--slow-ms", "150"]);
    let e = only_exchange(&doc, "02:10:00:00:00:1c");
    assert_eq!(
        msg_types(e),
        ["DISCOVER", "OFFER", "OFFER", "REQUEST", "ACK"]
    );
    assert_eq!(
        offers(e),
        [(LEGIT, "10.0.0.126"), ("10.0.0.2", "10.0.0.226")]
    );
    assert_eq!(
        (&e["server_id"], &e["address"]),
        (&"10.0.0.2".into(), &"10.0.0.226".into())
    );
    let slow = server(&doc, "10.0.0.2");
    assert_eq!(counts(slow), (1, 1, 0));
    let median = slow["latency_ms"]["median"].as_f64().unwrap();
    let p95 = slow["latency_ms"]["p95"].as_f64().unwrap();
    // OFFER 301.2 ms after the DISCOVER, ACK 301.5 ms after the REQUEST.
    assert!((301.0..302.0).contains(&median), "median {median}");
    assert!((301.0..302.0).contains(&p95), "p95 {p95}");
    let fast = server(&doc, LEGIT)["latency_ms"]["median"]
        .as_f64()
        .unwrap();
    assert!(fast < 5.0, "fast server median {fast}");
    let slow_replies = with_code(&doc, "slow-reply");
    assert_eq!(slow_replies.len(), 1, "{:?}", codes(&doc));
    assert_eq!(slow_replies[0]["server"], "10.0.0.2");
    assert_eq!(slow_replies[0]["frames"], serde_json::json!([3, 5]));
    // The default threshold (1 s) is far above 300 ms.
    let doc = json("delayed-server.pcap", &[]);
    assert!(with_code(&doc, "slow-reply").is_empty());
}

#[test]
fn inform_violation_is_flagged() {
    let doc = json("inform-violation.pcap", &[]);
    let e = only_exchange(&doc, "02:10:00:00:00:1d");
    assert_eq!(msg_types(e), ["INFORM", "ACK"]);
    assert_eq!(
        (&e["kind"], &e["outcome"]),
        (&"INFORM".into(), &"ACK".into())
    );
    assert_eq!(messages(e, "ACK")[0]["yiaddr"], "10.0.0.50");
    for code in ["inform-ack-yiaddr", "inform-ack-lease-time"] {
        let f = with_code(&doc, code);
        assert_eq!(f.len(), 1, "{code}: {:?}", codes(&doc));
        assert_eq!(f[0]["server"], "10.0.0.9");
        assert_eq!(f[0]["frames"], serde_json::json!([2]));
    }
    assert!(with_code(&doc, "no-lease-time").is_empty());
    assert_eq!(
        exit_code("inform-violation.pcap", &["--fail-on", "warning"]),
        1
    );
}

// ------------------------------------------------------------ link and IP layer files ---

#[test]
fn fragmented_offer_and_ack_are_reassembled_and_counted() {
    let doc = json("fragmented.pcap", &[]);
    // 6 frames: the OFFER and the ACK are two IP fragments each.
    assert_eq!(
        (u64_of(&doc["frames"]), u64_of(&doc["dhcp_packets"])),
        (6, 4)
    );
    let e = only_exchange(&doc, "02:10:00:00:00:1a");
    assert_eq!(msg_types(e), ["DISCOVER", "OFFER", "REQUEST", "ACK"]);
    let frames: Vec<u64> = arr(&e["messages"])
        .iter()
        .map(|m| u64_of(&m["frame"]))
        .collect();
    assert_eq!(frames, [1, 3, 4, 6], "reassembled at the last fragment");
    assert_eq!(e["outcome"], "ACK");
    assert_eq!(e["address"], "10.0.0.77");
    assert_eq!(e["xid"], "0x0f4a6d01");
    assert_eq!(offers(e), [(LEGIT, "10.0.0.77")]);
    assert_eq!(counts(server(&doc, LEGIT)), (1, 1, 0));
}

#[test]
fn mixed_linktypes_both_clients() {
    let doc = json("mixed-linktypes.pcapng", &[]);
    assert_eq!(u64_of(&doc["dhcp_packets"]), 8);
    for (mac, addr) in [
        ("02:10:00:00:00:18", "10.0.0.122"),
        ("02:10:00:00:00:19", "10.0.0.123"),
    ] {
        let e = only_exchange(&doc, mac);
        assert_eq!(
            msg_types(e),
            ["DISCOVER", "OFFER", "REQUEST", "ACK"],
            "{mac}"
        );
        assert_eq!(e["address"], addr);
        assert_eq!(e["outcome"], "ACK");
    }
    assert_eq!(counts(server(&doc, LEGIT)), (2, 2, 0));
}

#[test]
fn truncated_capture_still_reports() {
    let r = report(&capture("truncated.pcap"), &[]);
    assert_eq!(r.code, 0, "a cut capture is a warning: {}", r.stderr);
    let doc = &r.doc;
    let err = str_of(&doc["read_error"]);
    assert!(err.contains("truncated"), "{err}");
    assert_eq!(u64_of(&doc["dhcp_packets"]), 3);
    // Records 1-3 (DISCOVER, OFFER, REQUEST) survive; the ACK was cut.
    let e = only_exchange(doc, "02:10:00:00:00:01");
    assert_eq!(msg_types(e), ["DISCOVER", "OFFER", "REQUEST"]);
    assert_eq!(e["outcome"], "INCOMPLETE");
    assert_eq!(offers(e), [(LEGIT, "10.0.0.150")]);
    // The capture ended; the client did not give up.
    assert!(with_code(doc, "no-answer").is_empty());
    assert_eq!(exit_code("truncated.pcap", &["--fail-on", "warning"]), 0);
}

// ------------------------------------------------------------------------------- csv ---

#[test]
fn csv_has_a_header_and_one_row_per_exchange() {
    // dnsmasq-dhclient: DORA, RENEW, INIT-REBOOT, RELEASE; lab-showcase: 6 exchanges
    // (:21 DORA + RELEASE, :22 DORA, :23 INIT-REBOOT + DORA, :24 INFORM).
    for (name, rows) in [
        (
            "dnsmasq-dhclient.pcap",
            vec!["DORA", "RENEW", "INIT-REBOOT", "RELEASE"],
        ),
        (
            "lab-showcase.pcap",
            vec!["DORA", "RELEASE", "DORA", "INIT-REBOOT", "DORA", "INFORM"],
        ),
    ] {
        let out = run_report(&capture(name), &["--format", "csv"]);
        assert!(out.status.success(), "{name}");
        let text = String::from_utf8(out.stdout).expect("CSV is UTF-8");
        let lines: Vec<&str> = text.lines().collect();
        let header: Vec<&str> = lines[0].split(',').collect();
        for col in ["client_mac", "kind", "outcome", "server_id", "address"] {
            assert!(header.contains(&col), "{name}: no {col} in {header:?}");
        }
        let kind_col = header.iter().position(|c| *c == "kind").unwrap();
        let mac_col = header.iter().position(|c| *c == "client_mac").unwrap();
        assert_eq!(lines.len(), 1 + rows.len(), "{name}:\n{text}");
        let mut kinds_seen = Vec::new();
        for l in &lines[1..] {
            // No cell of these files needs quoting, so commas split cells.
            let cells: Vec<&str> = l.split(',').collect();
            assert_eq!(cells.len(), header.len(), "{name}: {l}");
            assert!(cells[mac_col].starts_with("02:10:00:00:00:"), "{l}");
            kinds_seen.push(cells[kind_col]);
        }
        assert_eq!(kinds_seen, rows, "{name}");
    }
}

// ------------------------------------------------------------------ public captures ---

/// A public capture, through the gate: missing shared captures skip the test with the
/// reason, or fail it in CI (tests/common/gate.rs).
fn public(name: &str) -> Option<PathBuf> {
    gate::public_capture(&format!("public capture {name}"), name)
}

/// The gate's one rule for `CI`: set to anything but empty, `0` or `false` (any case).
#[test]
fn ci_rule_is_one_rule() {
    for on in ["true", "TRUE", "1", "yes"] {
        assert!(gate::ci_value(Some(on)), "{on}");
    }
    for off in ["", " ", "0", "false", "False", "FALSE"] {
        assert!(!gate::ci_value(Some(off)), "{off:?}");
    }
    assert!(!gate::ci_value(None));
}

fn public_json(name: &str) -> Option<Value> {
    let p = public(name)?;
    let r = report(&p, &[]);
    assert_eq!(r.code, 0, "{name}: {}", r.stderr);
    Some(r.doc)
}

#[test]
fn public_zeek_dhcp_nak_with_siaddr_is_nak_with_config() {
    let Some(doc) = public_json("zeek__dhcp.pcap") else {
        return;
    };
    // One client doing every classic type; the NAK (frame 4) has siaddr 128.2.6.152.
    let c = client(&doc, "90:b1:1c:99:49:29");
    assert_eq!(clients(&doc).len(), 1);
    let all: Vec<&str> = exchanges(c).iter().flat_map(msg_types).collect();
    for t in [
        "DISCOVER", "OFFER", "REQUEST", "NAK", "ACK", "DECLINE", "RELEASE", "INFORM",
    ] {
        assert!(all.contains(&t), "{t} missing from {all:?}");
    }
    assert_eq!(counts(server(&doc, "128.2.6.152")), (1, 1, 1));
    let f = with_code(&doc, "nak-with-config");
    assert_eq!(f.len(), 1, "{:?}", codes(&doc));
    assert_eq!(f[0]["server"], "128.2.6.152");
    assert_eq!(f[0]["frames"][0], 4);
    assert!(
        str_of(&f[0]["message"]).contains("siaddr"),
        "{}",
        f[0]["message"]
    );
}

#[test]
fn public_suricata_request_flood_is_a_discover_flood() {
    let Some(doc) = public_json("suricata-verify__dhcp-request-flood.pcap") else {
        return;
    };
    // 10000 DISCOVERs, one timestamp, nobody answers.
    assert_eq!(u64_of(&doc["dhcp_packets"]), 10_000);
    let f = with_code(&doc, "discover-flood");
    assert_eq!(f.len(), 1, "{:?}", codes(&doc));
    assert_eq!(f[0]["severity"], "critical");
    assert!(servers(&doc).is_empty());
    assert_eq!(
        exit_code_path(
            &public("suricata-verify__dhcp-request-flood.pcap").unwrap(),
            &["--fail-on", "critical"]
        ),
        2
    );
}

fn exit_code_path(p: &Path, args: &[&str]) -> i32 {
    run_report(p, args)
        .status
        .code()
        .expect("killed by a signal")
}

#[test]
fn public_suricata_option_52_overload_hides_config() {
    let Some(doc) = public_json("suricata-verify__dhcp-option-52-overload.pcap") else {
        return;
    };
    // 2 DORAs' worth of replies whose options continue in sname/file.
    let f = with_code(&doc, "config-in-overload");
    assert_eq!(f.len(), 1, "{:?}", codes(&doc));
    assert_eq!(f[0]["server"], "10.100.0.2");
    let acked: Vec<&Value> = clients(&doc)
        .iter()
        .flat_map(exchanges)
        .filter(|e| e["outcome"] == "ACK")
        .collect();
    assert!(!acked.is_empty());
}

#[test]
fn public_ndpi_android_ten_unanswered_discovers() {
    let Some(doc) = public_json("ndpi__android.pcap") else {
        return;
    };
    // One device: 10 unanswered DISCOVERs, same xid; a second device: a full DORA.
    assert_eq!(clients(&doc).len(), 2);
    let no_offer: Vec<&Value> = clients(&doc)
        .iter()
        .flat_map(exchanges)
        .filter(|e| e["outcome"] == "NO_OFFER")
        .collect();
    assert_eq!(no_offer.len(), 1);
    let discovers: u64 = messages(no_offer[0], "DISCOVER")
        .iter()
        .map(|m| 1 + u64_of(&m["retransmissions"]))
        .sum();
    assert_eq!(discovers, 10);
    let f = with_code(&doc, "no-offer");
    assert_eq!(f.len(), 1);
    let mac = str_of(&f[0]["client"]);
    assert_eq!(
        kinds(client(&doc, mac)),
        [("DORA", "NO_OFFER")],
        "the finding names the silent device"
    );
    let dora_ok = clients(&doc)
        .iter()
        .filter(|c| kinds(c) == [("DORA", "ACK")])
        .count();
    assert_eq!(dora_ok, 1, "the second device completes its DORA");
}

#[test]
fn public_tcpdump_relayed_server_side_capture_has_latency() {
    let Some(doc) = public_json("tcpdump__dhcp-rfc4388.pcap") else {
        return;
    };
    // Captured at the server: every DHCP frame goes relay (port 67) <-> server 10.40.2.3,
    // giaddr 10.30.1.1 or 10.50.1.1; 4 DORAs. Frame 1 relayed DISCOVER at 0.000000 s,
    // frame 3 OFFER at 1.002164 s (tshark).
    assert_eq!(server_ids(&doc), ["10.40.2.3"]);
    let s = server(&doc, "10.40.2.3");
    assert_eq!(counts(s), (4, 4, 0));
    let mut relays = strings(&s["relays"]);
    relays.sort_unstable();
    assert_eq!(relays, ["10.30.1.1", "10.50.1.1"]);
    assert!(
        !s["latency_ms"]["median"].is_null(),
        "replies to a relay have a latency too"
    );
    let first = clients(&doc)
        .iter()
        .flat_map(exchanges)
        .find(|e| arr(&e["messages"]).iter().any(|m| m["frame"] == 3))
        .expect("the exchange of frame 3");
    let offer = &arr(&first["offers"])[0];
    let l = offer["latency_ms"].as_f64().expect("offer latency");
    assert!((l - 1002.164).abs() < 0.01, "{l}");
}
