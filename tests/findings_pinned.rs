//! Every finding rule of the report pinned from the outside: for each code a capture that
//! makes it fire (code, severity, the frames it names, its message's key facts) and one where
//! it must not (just under the threshold, or the compliant variant of the same message).
//!
//! Captures are built as pcap bytes with the crate's public builders (`MessageBuilder`,
//! `craft::udp_frame`, `PcapWriter`) and piped into the real binary
//! (`dhcpscope report -r - --format json`): the model is exercised whole, through the same
//! path a user takes, and the tests do not depend on the analysis internals.
//!
//! [`PINNED`] is the coverage table; `every_finding_code_is_pinned` parses the codes the
//! analysis can emit from its source text (`src/analysis/**.rs`) and fails when one has no
//! firing and no non-firing test here, or when the table names a test that does not exist or
//! does not mention the code. The severities below are the specification, written out here,
//! not read from the code under test.

mod report_helpers;

use dhcpscope::craft::{BROADCAST_MAC, UdpEndpoints, udp_frame};
use dhcpscope::dhcp::MessageBuilder;
use dhcpscope::pcap_writer::PcapWriter;
use dhcpscope::time::Timestamp;
use report_helpers::*;
use serde_json::Value;
use std::io::Write;
use std::net::Ipv4Addr;
use std::path::Path;
use std::process::{Command, Stdio};

// ------------------------------------------------------------------ the coverage table ---

/// (code, firing test, non-firing test) for every code `report` can emit.
const PINNED: &[(&str, &str, &str)] = &[
    (
        "unexpected-server",
        "unexpected_server_fires",
        "unexpected_server_silent_when_all_expected",
    ),
    (
        "multiple-servers",
        "multiple_servers_fires",
        "multiple_servers_silent_across_vlans",
    ),
    (
        "competing-offers",
        "competing_offers_fires",
        "competing_offers_silent_for_one_server_offering_twice",
    ),
    (
        "no-lease-time",
        "no_lease_time_fires_on_offer",
        "no_lease_time_silent_for_inform_ack",
    ),
    (
        "inform-ack-yiaddr",
        "inform_ack_yiaddr_fires",
        "obedient_inform_ack_raises_nothing",
    ),
    (
        "inform-ack-lease-time",
        "inform_ack_lease_time_fires",
        "obedient_inform_ack_raises_nothing",
    ),
    (
        "inform-nak",
        "inform_nak_fires",
        "obedient_inform_ack_raises_nothing",
    ),
    (
        "missing-server-id",
        "missing_server_id_fires",
        "clean_dora_raises_nothing",
    ),
    (
        "nak-with-config",
        "nak_with_config_fires_on_siaddr_alone",
        "compliant_nak_raises_nothing",
    ),
    (
        "reply-echoes-request-option",
        "reply_echoes_request_option_fires",
        "clean_dora_raises_nothing",
    ),
    (
        "client-id-not-echoed",
        "client_id_not_echoed_fires",
        "client_id_echoed_is_silent",
    ),
    (
        "xid-mismatch",
        "xid_mismatch_fires_within_ten_seconds",
        "xid_mismatch_silent_after_ten_seconds",
    ),
    (
        "chaddr-mismatch",
        "chaddr_mismatch_fires",
        "chaddr_mismatch_silent_for_the_right_chaddr",
    ),
    (
        "giaddr-mismatch",
        "giaddr_mismatch_fires",
        "relayed_reply_with_the_same_giaddr_is_silent",
    ),
    (
        "lease-timers-order",
        "lease_timers_order_fires_when_t1_equals_t2",
        "lease_timers_order_silent_just_under",
    ),
    (
        "route121-without-default",
        "route121_without_default_fires",
        "route121_with_default_is_silent",
    ),
    (
        "config-in-overload",
        "config_in_overload_fires",
        "option_continued_in_overload_is_silent",
    ),
    (
        "relay-info-to-client",
        "relay_info_to_client_fires",
        "relayed_reply_with_the_same_giaddr_is_silent",
    ),
    (
        "broadcast-flag-ignored",
        "broadcast_flag_ignored_fires",
        "broadcast_flag_with_ciaddr_may_be_unicast",
    ),
    (
        "nak-not-broadcast",
        "nak_not_broadcast_fires",
        "compliant_nak_raises_nothing",
    ),
    (
        "ack-address-mismatch",
        "ack_address_mismatch_fires",
        "clean_dora_raises_nothing",
    ),
    (
        "unselected-server-replied",
        "unselected_server_replied_fires",
        "competing_offers_then_the_chosen_server_acks",
    ),
    (
        "slow-reply",
        "slow_reply_fires_just_over_the_threshold",
        "slow_reply_silent_at_the_threshold",
    ),
    (
        "no-offer",
        "no_offer_fires_on_a_retried_discover",
        "no_offer_silent_when_the_retry_is_a_new_exchange",
    ),
    (
        "no-answer",
        "no_answer_fires_on_a_retried_renew",
        "no_answer_silent_for_init_reboot",
    ),
    (
        "nak-storm",
        "nak_storm_fires_five_naks_in_sixty_seconds",
        "nak_storm_silent_just_under",
    ),
    (
        "decline-after-ack",
        "decline_after_ack_fires",
        "decline_of_an_address_never_acked_is_silent",
    ),
    (
        "duplicate-address",
        "duplicate_address_fires",
        "duplicate_address_silent_after_release_or_expiry",
    ),
    (
        "discover-flood",
        "discover_flood_fires_at_100_per_second",
        "discover_flood_silent_just_under",
    ),
    (
        "malformed-reply",
        "malformed_reply_fires",
        "split_options_are_not_malformed",
    ),
    (
        "malformed-request",
        "malformed_request_fires",
        "split_options_are_not_malformed",
    ),
    // DHCPv6 and router advertisements (the `v6` object of the report).
    (
        "v6-mitm6-profile",
        "v6_mitm6_profile_fires",
        "v6_mitm6_profile_silent_for_a_global_address",
    ),
    (
        "v6-multiple-servers",
        "v6_multiple_servers_fires",
        "v6_clean_exchange_raises_nothing",
    ),
    (
        "v6-reply-no-server-id",
        "v6_reply_no_server_id_fires",
        "v6_clean_exchange_raises_nothing",
    ),
    (
        "v6-t1-gt-t2",
        "v6_t1_gt_t2_fires",
        "v6_t1_gt_t2_silent_when_t2_is_zero",
    ),
    (
        "v6-pref-gt-valid",
        "v6_pref_gt_valid_fires",
        "v6_clean_exchange_raises_nothing",
    ),
    (
        "v6-solicit-unanswered",
        "v6_solicit_unanswered_fires",
        "v6_clean_exchange_raises_nothing",
    ),
    (
        "ra-evasion",
        "ra_evasion_fires",
        "ra_clean_advert_raises_nothing",
    ),
    (
        "ra-invalid",
        "ra_invalid_fires",
        "ra_clean_advert_raises_nothing",
    ),
    (
        "ra-prf-with-zero-lifetime",
        "ra_prf_with_zero_lifetime_fires",
        "ra_prf_with_zero_lifetime_silent_for_medium",
    ),
    (
        "ra-pio-pref-gt-valid",
        "ra_pio_pref_gt_valid_fires",
        "ra_clean_advert_raises_nothing",
    ),
    (
        "v6-rc-reply-without-opt14",
        "v6_rc_reply_without_opt14_fires",
        "v6_rc_exchange_with_opt14_is_silent",
    ),
    (
        "v6-rc-reply-unasked",
        "v6_rc_reply_unasked_fires",
        "v6_rc_exchange_with_opt14_is_silent",
    ),
    (
        "v6-advertise-empty",
        "v6_advertise_empty_fires",
        "v6_clean_exchange_raises_nothing",
    ),
    (
        "v6-status-toplevel-only",
        "v6_status_toplevel_only_fires",
        "v6_status_in_the_ia_is_silent",
    ),
    (
        "v6-reconfigure-unauth",
        "v6_reconfigure_unauth_fires",
        "v6_reconfigure_with_rkap_is_silent",
    ),
    (
        "v6-relay-leak",
        "v6_relay_leak_fires",
        "v6_relayed_exchange_is_silent",
    ),
    (
        "v6-relay-hops",
        "v6_relay_hops_fires",
        "v6_relayed_exchange_is_silent",
    ),
    (
        "v6-maxrt-out-of-range",
        "v6_maxrt_out_of_range_fires",
        "v6_clean_exchange_raises_nothing",
    ),
    (
        "v6-client-msg-invalid",
        "v6_client_msg_invalid_fires",
        "v6_clean_exchange_raises_nothing",
    ),
    (
        "v6-t-differs-across-ias",
        "v6_t_differs_across_ias_fires",
        "v6_clean_exchange_raises_nothing",
    ),
    (
        "v6-rogue-server",
        "v6_rogue_server_fires",
        "v6_rogue_server_silent_when_expected",
    ),
    (
        "ra-rogue",
        "ra_rogue_fires",
        "ra_rogue_silent_when_expected",
    ),
];

/// Codes only the probes emit (`src/probe/verdict.rs`): pinned by unit tests through the
/// probe's send/receive seam in src/probe (issue 13 item 3), checked by
/// `probe_codes_are_pinned_in_src_probe`.
const PROBE_ONLY: &[&str] = &[
    "expected-server-silent",
    "acked-wrong-subnet",
    "no-nak",
    "inform-no-ack",
    "dora-no-ack",
];

// --------------------------------------------------------------------- building pcaps ---

const BIN: &str = env!("CARGO_BIN_EXE_dhcpscope");
/// 2023-11-14T22:13:20Z.
const EPOCH: i64 = 1_700_000_000;

const DISCOVER: u8 = 1;
const OFFER: u8 = 2;
const REQUEST: u8 = 3;
const DECLINE: u8 = 4;
const ACK: u8 = 5;
const NAK: u8 = 6;
const RELEASE: u8 = 7;
const INFORM: u8 = 8;

const C1: [u8; 6] = [0x02, 0x10, 0, 0, 0, 1];
const C1S: &str = "02:10:00:00:00:01";
const C2: [u8; 6] = [0x02, 0x10, 0, 0, 0, 2];
const C2S: &str = "02:10:00:00:00:02";
const S1: Ipv4Addr = Ipv4Addr::new(10, 0, 0, 1);
const S1_MAC: [u8; 6] = [0x02, 0x53, 0, 0, 0, 1];
const S2: Ipv4Addr = Ipv4Addr::new(10, 0, 0, 2);
const S2_MAC: [u8; 6] = [0x02, 0x53, 0, 0, 0, 2];
const ROGUE: Ipv4Addr = Ipv4Addr::new(192, 168, 66, 1);
const ROGUE_MAC: [u8; 6] = [0x02, 0xba, 0xdb, 0xad, 0xba, 0xd1];
const RELAY: Ipv4Addr = Ipv4Addr::new(10, 1, 0, 1);
const RELAY_MAC: [u8; 6] = [0x02, 0x67, 0, 0, 0, 1];
const A100: Ipv4Addr = Ipv4Addr::new(10, 0, 0, 100);
const A101: Ipv4Addr = Ipv4Addr::new(10, 0, 0, 101);
const STALE: Ipv4Addr = Ipv4Addr::new(172, 16, 5, 50);

/// Option codes, spelled out: the numbers are RFC 2132's, not this crate's.
const O_MASK: u8 = 1;
const O_ROUTER: u8 = 3;
const O_DNS: u8 = 6;
const O_REQUESTED: u8 = 50;
const O_LEASE: u8 = 51;
const O_OVERLOAD: u8 = 52;
const O_SERVER_ID: u8 = 54;
const O_PARAMS: u8 = 55;
const O_MESSAGE: u8 = 56;
const O_MAX_SIZE: u8 = 57;
const O_T1: u8 = 58;
const O_T2: u8 = 59;
const O_VENDOR_CLASS: u8 = 60;
const O_CLIENT_ID: u8 = 61;
const O_RELAY_AGENT: u8 = 82;
const O_ROUTES: u8 = 121;

/// A capture being written: frames numbered from 1, times in ms from [`EPOCH`].
struct Capture {
    pcap: PcapWriter<Vec<u8>>,
    frames: u64,
}

impl Capture {
    fn new() -> Self {
        Capture {
            pcap: PcapWriter::new(Vec::new()).expect("pcap header"),
            frames: 0,
        }
    }

    fn send(&mut self, ms: u64, ends: UdpEndpoints, vlans: &[u16], msg: &MessageBuilder) -> u64 {
        let ts = Timestamp::new(EPOCH + (ms / 1000) as i64, (ms % 1000) as u32 * 1_000_000);
        self.pcap
            .write_frame(ts, &udp_frame(&ends, vlans, &msg.build()))
            .expect("write to a Vec");
        self.frames += 1;
        self.frames
    }

    /// Any frame, as built (the DHCPv6 and RA tests build theirs with `frame6::build_frame`).
    fn frame(&mut self, ms: u64, bytes: &[u8]) -> u64 {
        let ts = Timestamp::new(EPOCH + (ms / 1000) as i64, (ms % 1000) as u32 * 1_000_000);
        self.pcap.write_frame(ts, bytes).expect("write to a Vec");
        self.frames += 1;
        self.frames
    }

    /// A client without an address: 0.0.0.0:68 -> 255.255.255.255:67.
    fn client(&mut self, ms: u64, mac: [u8; 6], msg: &MessageBuilder) -> u64 {
        self.send(ms, UdpEndpoints::client_broadcast(mac), &[], msg)
    }

    /// A client with address `ip` sending to `dst` (a server, or broadcast).
    fn client_from(
        &mut self,
        ms: u64,
        mac: [u8; 6],
        ip: Ipv4Addr,
        dst: Ipv4Addr,
        msg: &MessageBuilder,
    ) -> u64 {
        let dst_mac = if dst == Ipv4Addr::BROADCAST {
            BROADCAST_MAC
        } else {
            S1_MAC
        };
        let ends = UdpEndpoints {
            src_ip: ip,
            dst_ip: dst,
            dst_mac,
            ..UdpEndpoints::client_broadcast(mac)
        };
        self.send(ms, ends, &[], msg)
    }

    /// A server reply `server:67 -> to:68`, to the client's MAC unless broadcast.
    fn server(
        &mut self,
        ms: u64,
        server: (Ipv4Addr, [u8; 6]),
        client: [u8; 6],
        to: Ipv4Addr,
        msg: &MessageBuilder,
    ) -> u64 {
        let dst_mac = if to == Ipv4Addr::BROADCAST {
            BROADCAST_MAC
        } else {
            client
        };
        self.send(
            ms,
            UdpEndpoints::server_reply(server.1, server.0, dst_mac, to),
            &[],
            msg,
        )
    }

    /// `dhcpscope report -r - --format json ARGS` on this capture (exit 0 checked).
    fn report(self, args: &[&str]) -> Value {
        let bytes = self.pcap.into_inner();
        let empty_config = std::env::temp_dir().join("dhcpscope-findings-pinned-no-config");
        let mut child = Command::new(BIN)
            .args(["report", "-r", "-", "--format", "json"])
            .args(args)
            // No user configuration file may change the thresholds under test.
            .env("XDG_CONFIG_HOME", &empty_config)
            .env("HOME", &empty_config)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot run {BIN}: {e}"));
        let mut stdin = child.stdin.take().expect("stdin");
        let writer = std::thread::spawn(move || stdin.write_all(&bytes));
        let out = child.wait_with_output().expect("report runs");
        writer.join().expect("writer").expect("pcap piped");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(0), "report {args:?}: {stderr}");
        serde_json::from_slice(&out.stdout)
            .unwrap_or_else(|e| panic!("report {args:?}: not JSON ({e}): {stderr}"))
    }
}

fn msg(op_reply: bool, xid: u32, mac: [u8; 6], t: u8) -> MessageBuilder {
    let b = if op_reply {
        MessageBuilder::reply(xid, mac)
    } else {
        MessageBuilder::request(xid, mac)
    };
    b.option(53, &[t])
}

/// A client message of type `t`.
fn req(xid: u32, mac: [u8; 6], t: u8) -> MessageBuilder {
    msg(false, xid, mac, t)
}

/// A server reply of type `t` with a server identifier.
fn rep(xid: u32, mac: [u8; 6], t: u8, server: Ipv4Addr) -> MessageBuilder {
    msg(true, xid, mac, t).option_ip(O_SERVER_ID, server)
}

/// An address with a compliant lease: 3600 s, T1 1800, T2 3150, a mask.
fn leased(b: MessageBuilder, addr: Ipv4Addr) -> MessageBuilder {
    b.yiaddr(addr)
        .option_u32(O_LEASE, 3600)
        .option_u32(O_T1, 1800)
        .option_u32(O_T2, 3150)
        .option_ip(O_MASK, Ipv4Addr::new(255, 255, 255, 0))
}

/// A compliant DORA from `ms`: (DISCOVER, OFFER, REQUEST, ACK) frames.
fn dora(cap: &mut Capture, ms: u64, mac: [u8; 6], xid: u32, addr: Ipv4Addr) -> [u64; 4] {
    let s = (S1, S1_MAC);
    [
        cap.client(ms, mac, &req(xid, mac, DISCOVER)),
        cap.server(
            ms + 2,
            s,
            mac,
            addr,
            &leased(rep(xid, mac, OFFER, S1), addr),
        ),
        cap.client(
            ms + 10,
            mac,
            &req(xid, mac, REQUEST)
                .option_ip(O_REQUESTED, addr)
                .option_ip(O_SERVER_ID, S1),
        ),
        cap.server(ms + 12, s, mac, addr, &leased(rep(xid, mac, ACK, S1), addr)),
    ]
}

// ------------------------------------------------------------------------- assertions ---

/// The one finding with `code`; fails listing the codes present otherwise.
fn one<'a>(doc: &'a Value, code: &str) -> &'a Value {
    let f = with_code(doc, code);
    assert_eq!(
        f.len(),
        1,
        "want one {code}; findings: {:#?}",
        findings(doc)
    );
    f[0]
}

fn absent(doc: &Value, code: &str) {
    assert!(
        with_code(doc, code).is_empty(),
        "{code} must not fire; findings: {:#?}",
        findings(doc)
    );
}

/// Severity, frames (exactly) and key facts of the message.
fn check(f: &Value, severity: &str, frames: &[u64], facts: &[&str]) {
    assert_eq!(f["severity"], severity, "{f:#}");
    let got: Vec<u64> = arr(&f["frames"]).iter().map(u64_of).collect();
    assert_eq!(got, frames, "frames of {f:#}");
    let m = str_of(&f["message"]);
    for fact in facts {
        assert!(m.contains(fact), "message {m:?} lacks {fact:?}");
    }
}

// ----------------------------------------------------------- servers (expectations) ---

/// C1's DORA with a second OFFER from the rogue (frame 3); C1 takes 10.0.0.1's.
fn rogue_offer_capture() -> Capture {
    let mut cap = Capture::new();
    let rogue_addr = Ipv4Addr::new(192, 168, 66, 10);
    cap.client(0, C1, &req(7, C1, DISCOVER));
    cap.server(
        2,
        (S1, S1_MAC),
        C1,
        A100,
        &leased(rep(7, C1, OFFER, S1), A100),
    );
    cap.server(
        3,
        (ROGUE, ROGUE_MAC),
        C1,
        rogue_addr,
        &leased(rep(7, C1, OFFER, ROGUE), rogue_addr),
    );
    cap.client(
        10,
        C1,
        &req(7, C1, REQUEST)
            .option_ip(O_REQUESTED, A100)
            .option_ip(O_SERVER_ID, S1),
    );
    cap.server(
        12,
        (S1, S1_MAC),
        C1,
        A100,
        &leased(rep(7, C1, ACK, S1), A100),
    );
    cap
}

#[test]
fn unexpected_server_fires() {
    let doc = rogue_offer_capture().report(&["--expect-server", "10.0.0.1"]);
    let f = one(&doc, "unexpected-server");
    check(
        f,
        "critical",
        &[3],
        &["192.168.66.1", "02:ba:db:ad:ba:d1", "offered 192.168.66.10"],
    );
    assert_eq!(f["server"], "192.168.66.1");
}

#[test]
fn unexpected_server_silent_when_all_expected() {
    let doc = rogue_offer_capture().report(&[
        "--expect-server",
        "10.0.0.1",
        "--expect-server",
        "192.168.66.1",
    ]);
    absent(&doc, "unexpected-server");
    // No expectation at all: no verdict either.
    absent(&rogue_offer_capture().report(&[]), "unexpected-server");
}

#[test]
fn multiple_servers_fires() {
    let doc = rogue_offer_capture().report(&[]);
    let f = one(&doc, "multiple-servers");
    // Named at the second server's first frame.
    check(
        f,
        "warning",
        &[3],
        &["2 servers", "this segment", "10.0.0.1, 192.168.66.1"],
    );
}

#[test]
fn multiple_servers_silent_across_vlans() {
    // One server per VLAN (a trunk capture): legitimate.
    let mut cap = Capture::new();
    for (vlan, mac, xid, server, addr) in [
        (10, C1, 1, (S1, S1_MAC), A100),
        (20, C2, 2, (S2, S2_MAC), A101),
    ] {
        let d = req(xid, mac, DISCOVER);
        cap.send(0, UdpEndpoints::client_broadcast(mac), &[vlan], &d);
        let o = leased(rep(xid, mac, OFFER, server.0), addr);
        cap.send(
            2,
            UdpEndpoints::server_reply(server.1, server.0, mac, addr),
            &[vlan],
            &o,
        );
    }
    let doc = cap.report(&[]);
    assert_eq!(servers(&doc).len(), 2);
    absent(&doc, "multiple-servers");
    // Told which servers belong: not asked again either.
    absent(
        &rogue_offer_capture().report(&["--expect-server", "10.0.0.1"]),
        "multiple-servers",
    );
}

#[test]
fn competing_offers_fires() {
    let doc = rogue_offer_capture().report(&[]);
    let f = one(&doc, "competing-offers");
    check(
        f,
        "warning",
        &[3],
        &[
            "2 servers offered to 02:10:00:00:00:01",
            "10.0.0.1, 192.168.66.1",
        ],
    );
    assert_eq!(f["client"], C1S);
}

#[test]
fn competing_offers_silent_for_one_server_offering_twice() {
    let mut cap = Capture::new();
    cap.client(0, C1, &req(7, C1, DISCOVER));
    cap.server(
        2,
        (S1, S1_MAC),
        C1,
        A100,
        &leased(rep(7, C1, OFFER, S1), A100),
    );
    cap.server(
        900,
        (S1, S1_MAC),
        C1,
        A101,
        &leased(rep(7, C1, OFFER, S1), A101),
    );
    let doc = cap.report(&[]);
    absent(&doc, "competing-offers");
    absent(&doc, "multiple-servers");
}

#[test]
fn competing_offers_then_the_chosen_server_acks() {
    // Two offers, the client names 10.0.0.1 and 10.0.0.1 answers: nobody else replied.
    let doc = rogue_offer_capture().report(&[]);
    absent(&doc, "unselected-server-replied");
    absent(&doc, "ack-address-mismatch");
}

// ------------------------------------------------------------- reply content (DORA) ---

#[test]
fn clean_dora_raises_nothing() {
    let mut cap = Capture::new();
    // The client asks with every option a reply must not echo (50, 55, 57) and a client id.
    cap.client(
        0,
        C1,
        &req(7, C1, DISCOVER)
            .option(O_PARAMS, &[1, 3, 6])
            .option_u16(O_MAX_SIZE, 1500),
    );
    cap.server(
        2,
        (S1, S1_MAC),
        C1,
        A100,
        &leased(rep(7, C1, OFFER, S1), A100),
    );
    cap.client(
        10,
        C1,
        &req(7, C1, REQUEST)
            .option_ip(O_REQUESTED, A100)
            .option_ip(O_SERVER_ID, S1)
            .option(O_PARAMS, &[1, 3, 6]),
    );
    cap.server(
        12,
        (S1, S1_MAC),
        C1,
        A100,
        &leased(rep(7, C1, ACK, S1), A100),
    );
    let doc = cap.report(&[]);
    for code in [
        "missing-server-id",
        "reply-echoes-request-option",
        "ack-address-mismatch",
        "no-lease-time",
        "lease-timers-order",
    ] {
        absent(&doc, code);
    }
    assert!(findings(&doc).is_empty(), "{:#?}", findings(&doc));
    assert_eq!(kinds(client(&doc, C1S)), [("DORA", "ACK")]);
}

#[test]
fn no_lease_time_fires_on_offer() {
    let mut cap = Capture::new();
    cap.client(0, C1, &req(7, C1, DISCOVER));
    let offer = rep(7, C1, OFFER, S1)
        .yiaddr(A100)
        .option_ip(O_MASK, Ipv4Addr::new(255, 255, 255, 0));
    cap.server(2, (S1, S1_MAC), C1, A100, &offer);
    cap.client(
        10,
        C1,
        &req(7, C1, REQUEST)
            .option_ip(O_REQUESTED, A100)
            .option_ip(O_SERVER_ID, S1),
    );
    cap.server(
        12,
        (S1, S1_MAC),
        C1,
        A100,
        &leased(rep(7, C1, ACK, S1), A100),
    );
    let doc = cap.report(&[]);
    let f = one(&doc, "no-lease-time");
    check(
        f,
        "warning",
        &[2],
        &[
            "OFFER from 10.0.0.1 to 02:10:00:00:00:01",
            "no lease time",
            "option 51",
        ],
    );
    assert_eq!(f["server"], "10.0.0.1");
}

#[test]
fn no_lease_time_silent_for_inform_ack() {
    // RFC 2131 §4.3.5: an ACK to INFORM carries no lease time; that is compliant.
    let doc = inform_capture(INFORM_OK).report(&[]);
    absent(&doc, "no-lease-time");
}

#[test]
fn missing_server_id_fires() {
    let mut cap = Capture::new();
    cap.client(0, C1, &req(7, C1, DISCOVER));
    let offer = leased(msg(true, 7, C1, OFFER), A100);
    cap.server(2, (S1, S1_MAC), C1, A100, &offer);
    let doc = cap.report(&[]);
    let f = one(&doc, "missing-server-id");
    // Without option 54 the server is known by its source address.
    check(
        f,
        "warning",
        &[2],
        &["OFFER from 10.0.0.1", "no server identifier", "option 54"],
    );
    assert_eq!(f["server"], "10.0.0.1");
}

#[test]
fn reply_echoes_request_option_fires() {
    let mut cap = Capture::new();
    let [_, _, _, _] = dora(&mut cap, 0, C1, 7, A100);
    // A second exchange whose ACK echoes the parameter list and the requested address.
    cap.client_from(5_000, C1, A100, S1, &req(8, C1, REQUEST).ciaddr(A100));
    let ack = leased(rep(8, C1, ACK, S1), A100)
        .ciaddr(A100)
        .option(O_PARAMS, &[1, 3])
        .option_ip(O_REQUESTED, A100);
    let frame = cap.server(5_002, (S1, S1_MAC), C1, A100, &ack);
    let doc = cap.report(&[]);
    let f = one(&doc, "reply-echoes-request-option");
    check(
        f,
        "warning",
        &[frame],
        &["ACK from 10.0.0.1", "client-only options [55, 50]"],
    );
}

#[test]
fn ack_address_mismatch_fires() {
    let mut cap = Capture::new();
    cap.client(0, C1, &req(7, C1, DISCOVER));
    cap.server(
        2,
        (S1, S1_MAC),
        C1,
        A100,
        &leased(rep(7, C1, OFFER, S1), A100),
    );
    cap.client(
        10,
        C1,
        &req(7, C1, REQUEST)
            .option_ip(O_REQUESTED, A100)
            .option_ip(O_SERVER_ID, S1),
    );
    cap.server(
        12,
        (S1, S1_MAC),
        C1,
        A101,
        &leased(rep(7, C1, ACK, S1), A101),
    );
    let doc = cap.report(&[]);
    let f = one(&doc, "ack-address-mismatch");
    check(
        f,
        "warning",
        &[4],
        &[
            "02:10:00:00:00:01 requested 10.0.0.100",
            "10.0.0.1 ACKed 10.0.0.101",
        ],
    );
    assert_eq!(f["client"], C1S);
}

#[test]
fn unselected_server_replied_fires() {
    let mut cap = Capture::new();
    cap.client(0, C1, &req(7, C1, DISCOVER));
    cap.server(
        2,
        (S1, S1_MAC),
        C1,
        A100,
        &leased(rep(7, C1, OFFER, S1), A100),
    );
    cap.server(
        3,
        (S2, S2_MAC),
        C1,
        A101,
        &leased(rep(7, C1, OFFER, S2), A101),
    );
    cap.client(
        10,
        C1,
        &req(7, C1, REQUEST)
            .option_ip(O_REQUESTED, A100)
            .option_ip(O_SERVER_ID, S1),
    );
    cap.server(
        11,
        (S2, S2_MAC),
        C1,
        A100,
        &leased(rep(7, C1, ACK, S2), A100),
    );
    let doc = cap.report(&[]);
    let f = one(&doc, "unselected-server-replied");
    check(
        f,
        "warning",
        &[5],
        &["10.0.0.2 answered ACK to 02:10:00:00:00:01's REQUEST for server 10.0.0.1"],
    );
    assert_eq!(f["server"], "10.0.0.2");
}

#[test]
fn lease_timers_order_fires_when_t1_equals_t2() {
    let mut cap = Capture::new();
    cap.client(0, C1, &req(7, C1, DISCOVER));
    let offer = rep(7, C1, OFFER, S1)
        .yiaddr(A100)
        .option_u32(O_LEASE, 3600)
        .option_u32(O_T1, 1800)
        .option_u32(O_T2, 1800);
    cap.server(2, (S1, S1_MAC), C1, A100, &offer);
    let doc = cap.report(&[]);
    let f = one(&doc, "lease-timers-order");
    check(
        f,
        "warning",
        &[2],
        &[
            "OFFER from 10.0.0.1",
            "T1 1800 T2 1800 lease 3600",
            "T1 < T2 < lease",
        ],
    );
}

#[test]
fn lease_timers_order_silent_just_under() {
    let mut cap = Capture::new();
    cap.client(0, C1, &req(7, C1, DISCOVER));
    // T1 < T2 < lease by one second each.
    let offer = rep(7, C1, OFFER, S1)
        .yiaddr(A100)
        .option_u32(O_LEASE, 3600)
        .option_u32(O_T1, 3598)
        .option_u32(O_T2, 3599);
    cap.server(2, (S1, S1_MAC), C1, A100, &offer);
    // T2 equal to the lease: broken (other exchange).
    cap.client(5_000, C2, &req(8, C2, DISCOVER));
    let bad = rep(8, C2, OFFER, S1)
        .yiaddr(A101)
        .option_u32(O_LEASE, 3600)
        .option_u32(O_T2, 3600);
    cap.server(5_002, (S1, S1_MAC), C2, A101, &bad);
    let doc = cap.report(&[]);
    let f = one(&doc, "lease-timers-order");
    check(f, "warning", &[4], &["T1 - T2 3600 lease 3600"]);
}

#[test]
fn route121_without_default_fires() {
    let mut cap = Capture::new();
    cap.client(0, C1, &req(7, C1, DISCOVER));
    // 10.1.0.0/24 via 10.0.0.254 and a router option: the router is ignored (RFC 3442).
    let offer = leased(rep(7, C1, OFFER, S1), A100)
        .option_ip(O_ROUTER, S1)
        .option(O_ROUTES, &[24, 10, 1, 0, 10, 0, 0, 254]);
    cap.server(2, (S1, S1_MAC), C1, A100, &offer);
    let doc = cap.report(&[]);
    let f = one(&doc, "route121-without-default");
    check(
        f,
        "warning",
        &[2],
        &["OFFER from 10.0.0.1", "option 121 without a default route"],
    );
}

#[test]
fn route121_with_default_is_silent() {
    let mut cap = Capture::new();
    cap.client(0, C1, &req(7, C1, DISCOVER));
    let routes = [24, 10, 1, 0, 10, 0, 0, 254, 0, 10, 0, 0, 1];
    let offer = leased(rep(7, C1, OFFER, S1), A100)
        .option_ip(O_ROUTER, S1)
        .option(O_ROUTES, &routes);
    cap.server(2, (S1, S1_MAC), C1, A100, &offer);
    let doc = cap.report(&[]);
    absent(&doc, "route121-without-default");
    absent(&doc, "malformed-reply");
}

#[test]
fn config_in_overload_fires() {
    let mut cap = Capture::new();
    cap.client(0, C1, &req(7, C1, DISCOVER));
    // Option 52 = 1 (file); the router option lives only in file.
    let offer = leased(rep(7, C1, OFFER, S1), A100)
        .option(O_OVERLOAD, &[1])
        .file(&[O_ROUTER, 4, 10, 0, 0, 1, 255]);
    cap.server(2, (S1, S1_MAC), C1, A100, &offer);
    let doc = cap.report(&[]);
    let f = one(&doc, "config-in-overload");
    check(
        f,
        "warning",
        &[2],
        &[
            "OFFER from 10.0.0.1",
            "hides options [3]",
            "overloaded sname/file",
        ],
    );
    absent(&doc, "malformed-reply");
}

#[test]
fn option_continued_in_overload_is_silent() {
    let mut cap = Capture::new();
    cap.client(0, C1, &req(7, C1, DISCOVER));
    // The router option starts in the options area and continues in file (RFC 3396).
    let offer = leased(rep(7, C1, OFFER, S1), A100)
        .option_ip(O_ROUTER, S1)
        .option(O_OVERLOAD, &[1])
        .file(&[O_ROUTER, 4, 10, 0, 0, 2, 255]);
    cap.server(2, (S1, S1_MAC), C1, A100, &offer);
    let doc = cap.report(&[]);
    absent(&doc, "config-in-overload");
    absent(&doc, "malformed-reply");
}

#[test]
fn broadcast_flag_ignored_fires() {
    let mut cap = Capture::new();
    cap.client(0, C1, &req(7, C1, DISCOVER).broadcast(true));
    cap.server(
        2,
        (S1, S1_MAC),
        C1,
        A100,
        &leased(rep(7, C1, OFFER, S1), A100),
    );
    let doc = cap.report(&[]);
    let f = one(&doc, "broadcast-flag-ignored");
    check(
        f,
        "warning",
        &[2],
        &[
            "OFFER from 10.0.0.1 unicast to 10.0.0.100",
            "02:10:00:00:00:01 set the broadcast flag",
        ],
    );
}

#[test]
fn broadcast_flag_with_ciaddr_may_be_unicast() {
    let mut cap = Capture::new();
    // RFC 2131 §4.1: a request with ciaddr is answered to ciaddr, whatever its flag says.
    cap.client_from(
        0,
        C1,
        A100,
        S1,
        &req(7, C1, REQUEST).ciaddr(A100).broadcast(true),
    );
    cap.server(
        2,
        (S1, S1_MAC),
        C1,
        A100,
        &leased(rep(7, C1, ACK, S1), A100).ciaddr(A100),
    );
    // And a flagged DISCOVER answered by broadcast.
    cap.client(5_000, C2, &req(8, C2, DISCOVER).broadcast(true));
    cap.server(
        5_002,
        (S1, S1_MAC),
        C2,
        Ipv4Addr::BROADCAST,
        &leased(rep(8, C2, OFFER, S1), A101).broadcast(true),
    );
    let doc = cap.report(&[]);
    absent(&doc, "broadcast-flag-ignored");
    assert_eq!(kinds(client(&doc, C1S)), [("RENEW", "ACK")]);
}

// ------------------------------------------------------------------------------ NAK ---

/// C1 returns with a stale lease (INIT-REBOOT REQUEST for 172.16.5.50); the server NAKs.
fn nak_capture(nak: MessageBuilder, to: Ipv4Addr) -> Capture {
    let mut cap = Capture::new();
    cap.client(0, C1, &req(7, C1, REQUEST).option_ip(O_REQUESTED, STALE));
    cap.server(2, (S1, S1_MAC), C1, to, &nak);
    cap
}

#[test]
fn nak_with_config_fires_on_siaddr_alone() {
    let nak = rep(7, C1, NAK, S1).siaddr(Ipv4Addr::new(10, 0, 0, 5));
    let doc = nak_capture(nak, Ipv4Addr::BROADCAST).report(&[]);
    let f = one(&doc, "nak-with-config");
    check(
        f,
        "warning",
        &[2],
        &["NAK from 10.0.0.1 carries configuration: siaddr 10.0.0.5"],
    );
    assert_eq!(f["server"], "10.0.0.1");
}

#[test]
fn nak_with_config_fires_on_options_and_sname() {
    let nak = rep(7, C1, NAK, S1).option_u32(O_LEASE, 3600).sname(b"boot");
    let doc = nak_capture(nak, Ipv4Addr::BROADCAST).report(&[]);
    let f = one(&doc, "nak-with-config");
    check(f, "warning", &[2], &["options 51", "sname set"]);
}

#[test]
fn compliant_nak_raises_nothing() {
    // Table 3: a NAK may carry 53, 54, 56, 60 and 61 (and 82 towards a relay, below), and
    // without a relay it is broadcast.
    let nak = rep(7, C1, NAK, S1)
        .option(O_MESSAGE, b"wrong network")
        .option(O_VENDOR_CLASS, b"vendor")
        .option(O_CLIENT_ID, &[1, 2, 0x10, 0, 0, 0, 1]);
    let doc = nak_capture(nak, Ipv4Addr::BROADCAST).report(&[]);
    assert_eq!(kinds(client(&doc, C1S)), [("INIT-REBOOT", "NAK")]);
    for code in [
        "nak-with-config",
        "nak-not-broadcast",
        "inform-nak",
        "nak-storm",
        "relay-info-to-client",
    ] {
        absent(&doc, code);
    }
    // A relayed NAK goes to the relay by unicast, with the relay's option 82: compliant too.
    let mut cap = Capture::new();
    let relayed = UdpEndpoints {
        src_mac: RELAY_MAC,
        dst_mac: S1_MAC,
        src_ip: RELAY,
        dst_ip: S1,
        src_port: 67,
        dst_port: 67,
    };
    cap.send(
        0,
        relayed,
        &[],
        &req(9, C1, REQUEST)
            .option_ip(O_REQUESTED, STALE)
            .giaddr(RELAY)
            .option(O_RELAY_AGENT, &[1, 3, b'e', b't', b'h']),
    );
    let back = UdpEndpoints {
        src_mac: S1_MAC,
        dst_mac: RELAY_MAC,
        src_ip: S1,
        dst_ip: RELAY,
        src_port: 67,
        dst_port: 67,
    };
    let nak = rep(9, C1, NAK, S1)
        .giaddr(RELAY)
        .option(O_RELAY_AGENT, &[1, 3, b'e', b't', b'h']);
    cap.send(2, back, &[], &nak);
    let doc = cap.report(&[]);
    for code in [
        "nak-not-broadcast",
        "nak-with-config",
        "relay-info-to-client",
    ] {
        absent(&doc, code);
    }
}

#[test]
fn nak_not_broadcast_fires() {
    let doc = nak_capture(rep(7, C1, NAK, S1), STALE).report(&[]);
    let f = one(&doc, "nak-not-broadcast");
    check(
        f,
        "warning",
        &[2],
        &["NAK from 10.0.0.1 sent to 172.16.5.50 instead of broadcast"],
    );
}

/// `count` INIT-REBOOT REQUEST/NAK pairs, `gap_s` seconds apart: (capture, frame of the last NAK).
fn naks(count: u32, gap_s: u64) -> (Capture, u64) {
    let mut cap = Capture::new();
    let mut last = 0;
    for i in 0..count {
        let at = u64::from(i) * gap_s * 1000;
        cap.client(
            at,
            C1,
            &req(100 + i, C1, REQUEST).option_ip(O_REQUESTED, STALE),
        );
        last = cap.server(
            at + 2,
            (S1, S1_MAC),
            C1,
            Ipv4Addr::BROADCAST,
            &rep(100 + i, C1, NAK, S1),
        );
    }
    (cap, last)
}

#[test]
fn nak_storm_fires_five_naks_in_sixty_seconds() {
    // Five NAKs 15 s apart: the fifth comes exactly 60 s after the first.
    let (cap, fifth) = naks(5, 15);
    let doc = cap.report(&[]);
    let f = one(&doc, "nak-storm");
    check(
        f,
        "warning",
        &[fifth],
        &["5 NAKs to 02:10:00:00:00:01 within 60 s"],
    );
    assert_eq!(f["client"], C1S);
}

#[test]
fn nak_storm_silent_just_under() {
    // Four NAKs in a burst: one short of a storm.
    absent(&naks(4, 2).0.report(&[]), "nak-storm");
    // Five NAKs 16 s apart: never five within 60 s.
    absent(&naks(5, 16).0.report(&[]), "nak-storm");
}

// --------------------------------------------------------------------------- INFORM ---

const INFORM_OK: u8 = 0;
const INFORM_YIADDR: u8 = 1;
const INFORM_LEASE: u8 = 2;
const INFORM_NAKED: u8 = 3;

/// C1 (10.0.0.50, static) sends INFORM; 10.0.0.1 answers as `how` says.
fn inform_capture(how: u8) -> Capture {
    let mut cap = Capture::new();
    let me = Ipv4Addr::new(10, 0, 0, 50);
    cap.client_from(
        0,
        C1,
        me,
        Ipv4Addr::BROADCAST,
        &req(7, C1, INFORM).ciaddr(me),
    );
    let reply = match how {
        INFORM_NAKED => rep(7, C1, NAK, S1),
        _ => {
            let mut ack = rep(7, C1, ACK, S1).ciaddr(me).option_ip(O_ROUTER, S1);
            if how == INFORM_YIADDR {
                ack = ack.yiaddr(me);
            }
            if how == INFORM_LEASE {
                ack = ack.option_u32(O_LEASE, 3600);
            }
            ack
        }
    };
    let to = if how == INFORM_NAKED {
        Ipv4Addr::BROADCAST
    } else {
        me
    };
    cap.server(2, (S1, S1_MAC), C1, to, &reply);
    cap
}

#[test]
fn inform_ack_yiaddr_fires() {
    let doc = inform_capture(INFORM_YIADDR).report(&[]);
    let f = one(&doc, "inform-ack-yiaddr");
    check(
        f,
        "warning",
        &[2],
        &[
            "ACK to INFORM from 10.0.0.1",
            "yiaddr 10.0.0.50",
            "must be 0.0.0.0",
        ],
    );
    absent(&doc, "inform-ack-lease-time");
}

#[test]
fn inform_ack_lease_time_fires() {
    let doc = inform_capture(INFORM_LEASE).report(&[]);
    let f = one(&doc, "inform-ack-lease-time");
    check(
        f,
        "warning",
        &[2],
        &["ACK to INFORM from 10.0.0.1", "lease time (3600 s)"],
    );
    absent(&doc, "inform-ack-yiaddr");
}

#[test]
fn inform_nak_fires() {
    let doc = inform_capture(INFORM_NAKED).report(&[]);
    let f = one(&doc, "inform-nak");
    check(
        f,
        "warning",
        &[2],
        &["10.0.0.1 answered INFORM from 02:10:00:00:00:01 with NAK"],
    );
}

#[test]
fn obedient_inform_ack_raises_nothing() {
    let doc = inform_capture(INFORM_OK).report(&[]);
    assert_eq!(kinds(client(&doc, C1S)), [("INFORM", "ACK")]);
    for code in [
        "inform-ack-yiaddr",
        "inform-ack-lease-time",
        "inform-nak",
        "no-lease-time",
    ] {
        absent(&doc, code);
    }
    assert!(findings(&doc).is_empty(), "{:#?}", findings(&doc));
}

// ------------------------------------------------------------------- client id, xid ---

#[test]
fn client_id_not_echoed_fires() {
    let mut cap = Capture::new();
    cap.client(
        0,
        C1,
        &req(7, C1, DISCOVER).option(O_CLIENT_ID, &[1, 2, 0x10, 0, 0, 0, 1]),
    );
    cap.server(
        2,
        (S1, S1_MAC),
        C1,
        A100,
        &leased(rep(7, C1, OFFER, S1), A100),
    );
    let doc = cap.report(&[]);
    let f = one(&doc, "client-id-not-echoed");
    check(
        f,
        "info",
        &[2],
        &["OFFER from 10.0.0.1 does not echo the client identifier"],
    );
}

#[test]
fn client_id_echoed_is_silent() {
    let id = [1, 2, 0x10, 0, 0, 0, 1];
    let mut cap = Capture::new();
    cap.client(0, C1, &req(7, C1, DISCOVER).option(O_CLIENT_ID, &id));
    cap.server(
        2,
        (S1, S1_MAC),
        C1,
        A100,
        &leased(rep(7, C1, OFFER, S1), A100).option(O_CLIENT_ID, &id),
    );
    absent(&cap.report(&[]), "client-id-not-echoed");
}

/// C1's DISCOVER (xid 0x11), then 10.0.0.1's OFFER to C1 with xid 0x22 after `after_s` s.
fn wrong_xid(after_s: u64) -> Value {
    let mut cap = Capture::new();
    cap.client(0, C1, &req(0x11, C1, DISCOVER));
    cap.server(
        after_s * 1000,
        (S1, S1_MAC),
        C1,
        A100,
        &leased(rep(0x22, C1, OFFER, S1), A100),
    );
    cap.report(&[])
}

#[test]
fn xid_mismatch_fires_within_ten_seconds() {
    for after_s in [0, 10] {
        let doc = wrong_xid(after_s);
        let f = one(&doc, "xid-mismatch");
        check(
            f,
            "warning",
            &[2],
            &[
                "OFFER from 10.0.0.1 to 02:10:00:00:00:01 has xid 0x00000022",
                "request had 0x00000011",
            ],
        );
        assert_eq!(
            (&f["client"], &f["server"]),
            (&C1S.into(), &"10.0.0.1".into())
        );
    }
}

#[test]
fn xid_mismatch_silent_after_ten_seconds() {
    absent(&wrong_xid(11), "xid-mismatch");
    // The right xid: the OFFER answers the DISCOVER.
    let mut cap = Capture::new();
    cap.client(0, C1, &req(0x11, C1, DISCOVER));
    cap.server(
        2,
        (S1, S1_MAC),
        C1,
        A100,
        &leased(rep(0x11, C1, OFFER, S1), A100),
    );
    absent(&cap.report(&[]), "xid-mismatch");
}

/// C2 asks with xid 0x33; the OFFER carries that xid and `chaddr`.
fn offer_for(chaddr: [u8; 6]) -> Value {
    let mut cap = Capture::new();
    cap.client(0, C2, &req(0x33, C2, DISCOVER));
    cap.server(
        2,
        (S1, S1_MAC),
        chaddr,
        A100,
        &leased(rep(0x33, chaddr, OFFER, S1), A100),
    );
    cap.report(&[])
}

#[test]
fn chaddr_mismatch_fires() {
    let doc = offer_for(C1);
    let f = one(&doc, "chaddr-mismatch");
    check(
        f,
        "warning",
        &[2],
        &[
            "OFFER from 10.0.0.1 has xid 0x00000033 of 02:10:00:00:00:02's request but chaddr 02:10:00:00:00:01",
        ],
    );
    assert_eq!(f["server"], "10.0.0.1");
}

#[test]
fn chaddr_mismatch_silent_for_the_right_chaddr() {
    let doc = offer_for(C2);
    absent(&doc, "chaddr-mismatch");
    absent(&doc, "xid-mismatch");
}

// -------------------------------------------------------------------------- relays ---

/// C1's DISCOVER relayed by 10.1.0.1 to 10.0.0.1 (with option 82); the server's OFFER back
/// to the relay carries `giaddr` (and option 82); the relay's copy to the client (frame 3)
/// carries option 82 when `leak`.
fn relayed(giaddr: Ipv4Addr, leak: bool) -> Value {
    let mut cap = Capture::new();
    let up = UdpEndpoints {
        src_mac: RELAY_MAC,
        dst_mac: S1_MAC,
        src_ip: RELAY,
        dst_ip: S1,
        src_port: 67,
        dst_port: 67,
    };
    let down = UdpEndpoints {
        src_mac: S1_MAC,
        dst_mac: RELAY_MAC,
        src_ip: S1,
        dst_ip: RELAY,
        src_port: 67,
        dst_port: 67,
    };
    let to_client = UdpEndpoints {
        src_mac: RELAY_MAC,
        dst_mac: C1,
        src_ip: RELAY,
        dst_ip: Ipv4Addr::new(10, 1, 0, 100),
        src_port: 67,
        dst_port: 68,
    };
    let agent = [1, 3, b'e', b't', b'h'];
    cap.send(
        0,
        up,
        &[],
        &req(7, C1, DISCOVER)
            .giaddr(RELAY)
            .hops(1)
            .option(O_RELAY_AGENT, &agent),
    );
    let addr = Ipv4Addr::new(10, 1, 0, 100);
    let offer = leased(rep(7, C1, OFFER, S1), addr).giaddr(giaddr);
    cap.send(2, down, &[], &offer.clone().option(O_RELAY_AGENT, &agent));
    let copy = if leak {
        offer.option(O_RELAY_AGENT, &agent)
    } else {
        offer
    };
    cap.send(3, to_client, &[], &copy);
    cap.report(&[])
}

#[test]
fn giaddr_mismatch_fires() {
    let doc = relayed(Ipv4Addr::new(10, 9, 9, 9), false);
    let f = one(&doc, "giaddr-mismatch");
    check(
        f,
        "warning",
        &[2],
        &["OFFER from 10.0.0.1 has giaddr 10.9.9.9, the request had 10.1.0.1"],
    );
}

#[test]
fn relayed_reply_with_the_same_giaddr_is_silent() {
    // Option 82 on the server's leg is the relay's business; the client's copy has none.
    let doc = relayed(RELAY, false);
    absent(&doc, "giaddr-mismatch");
    absent(&doc, "relay-info-to-client");
    assert_eq!(
        counts(server(&doc, "10.0.0.1")),
        (1, 0, 0),
        "one OFFER, counted once"
    );
}

#[test]
fn relay_info_to_client_fires() {
    let doc = relayed(RELAY, true);
    let f = one(&doc, "relay-info-to-client");
    check(
        f,
        "warning",
        &[3],
        &["OFFER to 02:10:00:00:00:01 still carries relay agent information (option 82)"],
    );
    assert_eq!(f["server"], "10.0.0.1");
}

// ------------------------------------------------------------------------ latencies ---

fn offer_after(ms: u64, args: &[&str]) -> Value {
    let mut cap = Capture::new();
    cap.client(0, C1, &req(7, C1, DISCOVER));
    cap.server(
        ms,
        (S1, S1_MAC),
        C1,
        A100,
        &leased(rep(7, C1, OFFER, S1), A100),
    );
    cap.report(args)
}

#[test]
fn slow_reply_fires_just_over_the_threshold() {
    let doc = offer_after(1001, &[]);
    let f = one(&doc, "slow-reply");
    check(
        f,
        "warning",
        &[2],
        &["OFFER from 10.0.0.1 took 1001 ms", "threshold 1000 ms"],
    );
    assert_eq!(f["server"], "10.0.0.1");
    // --slow-ms moves the threshold.
    let doc = offer_after(301, &["--slow-ms", "300"]);
    let f = one(&doc, "slow-reply");
    check(f, "warning", &[2], &["took 301 ms", "threshold 300 ms"]);
}

#[test]
fn slow_reply_silent_at_the_threshold() {
    absent(&offer_after(1000, &[]), "slow-reply");
    absent(&offer_after(1001, &["--slow-ms", "1001"]), "slow-reply");
}

// ------------------------------------------------------- silence, exchange splitting ---

/// C1's DISCOVERs (xid 7) at these seconds; nobody answers.
fn discovers_at(secs: &[u64]) -> Value {
    let mut cap = Capture::new();
    for s in secs {
        cap.client(s * 1000, C1, &req(7, C1, DISCOVER));
    }
    cap.report(&[])
}

/// DISCOVER transmissions per exchange of C1.
fn transmissions_per_exchange(doc: &Value) -> Vec<u64> {
    exchanges(client(doc, C1S))
        .iter()
        .map(|e| transmissions(e, "DISCOVER", C1S))
        .collect()
}

#[test]
fn no_offer_fires_on_a_retried_discover() {
    // Retried 70 s later (the idle limit): still the same exchange.
    let doc = discovers_at(&[0, 70]);
    assert_eq!(transmissions_per_exchange(&doc), [2]);
    let f = one(&doc, "no-offer");
    check(
        f,
        "warning",
        &[1],
        &["02:10:00:00:00:01 sent DISCOVER 2 times and got no OFFER"],
    );
    assert_eq!(f["client"], C1S);
}

#[test]
fn no_offer_silent_when_the_retry_is_a_new_exchange() {
    // 71 s of silence: a new exchange, and a single DISCOVER proves nothing.
    let doc = discovers_at(&[0, 71]);
    assert_eq!(transmissions_per_exchange(&doc), [1, 1]);
    absent(&doc, "no-offer");
    absent(&discovers_at(&[0]), "no-offer");
}

#[test]
fn exchange_spans_at_most_300_seconds() {
    // Retries every 60 s: up to 300 s after the first they fold into one exchange ...
    let doc = discovers_at(&[0, 60, 120, 180, 240, 300]);
    assert_eq!(transmissions_per_exchange(&doc), [6]);
    assert!(str_of(&one(&doc, "no-offer")["message"]).contains("6 times"));
    // ... one second later the retry starts a new one.
    let doc = discovers_at(&[0, 60, 120, 180, 240, 301]);
    assert_eq!(transmissions_per_exchange(&doc), [5, 1]);
}

#[test]
fn no_answer_fires_on_a_retried_renew() {
    let mut cap = Capture::new();
    for ms in [0, 2_000] {
        cap.client_from(ms, C1, A100, S1, &req(7, C1, REQUEST).ciaddr(A100));
    }
    let doc = cap.report(&[]);
    assert_eq!(kinds(client(&doc, C1S)), [("RENEW", "NO_ANSWER")]);
    let f = one(&doc, "no-answer");
    check(
        f,
        "warning",
        &[1],
        &["RENEW from 02:10:00:00:00:01 sent 2 times, no answer"],
    );
    assert_eq!(f["client"], C1S);
}

#[test]
fn no_answer_silent_for_init_reboot() {
    // RFC 2131 §4.3.2: a server with no record of the client stays silent to INIT-REBOOT.
    let mut cap = Capture::new();
    for ms in [0, 2_000] {
        cap.client(ms, C1, &req(7, C1, REQUEST).option_ip(O_REQUESTED, STALE));
    }
    let doc = cap.report(&[]);
    assert_eq!(kinds(client(&doc, C1S)), [("INIT-REBOOT", "NO_ANSWER")]);
    absent(&doc, "no-answer");
    // A single unanswered RENEW proves nothing either.
    let mut cap = Capture::new();
    cap.client_from(0, C1, A100, S1, &req(7, C1, REQUEST).ciaddr(A100));
    absent(&cap.report(&[]), "no-answer");
}

// ------------------------------------------------------------------- address conflicts ---

#[test]
fn decline_after_ack_fires() {
    let mut cap = Capture::new();
    dora(&mut cap, 0, C1, 7, A100);
    let decline = req(8, C1, DECLINE)
        .option_ip(O_REQUESTED, A100)
        .option_ip(O_SERVER_ID, S1);
    let frame = cap.client(1_000, C1, &decline);
    let doc = cap.report(&[]);
    let f = one(&doc, "decline-after-ack");
    check(
        f,
        "warning",
        &[frame],
        &["02:10:00:00:00:01 declined 10.0.0.100 after it was ACKed"],
    );
    assert_eq!(
        (&f["client"], &f["server"]),
        (&C1S.into(), &"10.0.0.1".into())
    );
}

#[test]
fn decline_of_an_address_never_acked_is_silent() {
    let mut cap = Capture::new();
    dora(&mut cap, 0, C1, 7, A100);
    cap.client(
        1_000,
        C1,
        &req(8, C1, DECLINE)
            .option_ip(O_REQUESTED, A101)
            .option_ip(O_SERVER_ID, S1),
    );
    absent(&cap.report(&[]), "decline-after-ack");
}

/// C1 is ACKed 10.0.0.100 for `lease` s at 12 ms; `between` runs; C2 is ACKed it at `c2_ms`.
fn two_holders(lease: u32, c2_ms: u64, between: impl FnOnce(&mut Capture)) -> (Value, u64) {
    let mut cap = Capture::new();
    let s = (S1, S1_MAC);
    cap.client(0, C1, &req(7, C1, DISCOVER));
    cap.client(
        10,
        C1,
        &req(7, C1, REQUEST)
            .option_ip(O_REQUESTED, A100)
            .option_ip(O_SERVER_ID, S1),
    );
    cap.server(
        12,
        s,
        C1,
        A100,
        &rep(7, C1, ACK, S1).yiaddr(A100).option_u32(O_LEASE, lease),
    );
    between(&mut cap);
    cap.client(
        c2_ms - 2,
        C2,
        &req(8, C2, REQUEST)
            .option_ip(O_REQUESTED, A100)
            .option_ip(O_SERVER_ID, S1),
    );
    let ack = cap.server(
        c2_ms,
        s,
        C2,
        A100,
        &rep(8, C2, ACK, S1).yiaddr(A100).option_u32(O_LEASE, lease),
    );
    (cap.report(&[]), ack)
}

#[test]
fn duplicate_address_fires() {
    // C2 is ACKed the address 59.988 s into C1's 60 s lease.
    let (doc, ack) = two_holders(60, 60_000, |_| {});
    let f = one(&doc, "duplicate-address");
    check(
        f,
        "critical",
        &[ack],
        &["10.0.0.100 ACKed to 02:10:00:00:00:02 while 02:10:00:00:00:01 still holds it"],
    );
    assert_eq!(f["client"], C2S);
}

#[test]
fn duplicate_address_silent_after_release_or_expiry() {
    // C1's 60 s lease ends exactly when C2 is ACKed.
    absent(&two_holders(60, 60_012, |_| {}).0, "duplicate-address");
    // C1 releases first.
    let release = |cap: &mut Capture| {
        let r = req(9, C1, RELEASE).ciaddr(A100).option_ip(O_SERVER_ID, S1);
        cap.client_from(1_000, C1, A100, S1, &r);
    };
    absent(&two_holders(3600, 5_000, release).0, "duplicate-address");
}

// --------------------------------------------------------------------------- floods ---

/// `n` DISCOVERs from `n` clients, `gap_ms` apart, starting on a second boundary.
fn discover_burst(n: u32, gap_ms: u64) -> Value {
    let mut cap = Capture::new();
    for i in 0..n {
        let mac = [0x02, 0xee, 0, 0, (i >> 8) as u8, i as u8];
        cap.client(u64::from(i) * gap_ms, mac, &req(1000 + i, mac, DISCOVER));
    }
    cap.report(&[])
}

#[test]
fn discover_flood_fires_at_100_per_second() {
    let doc = discover_burst(100, 9);
    let f = one(&doc, "discover-flood");
    // A rate, not a frame: the finding names no frame.
    check(
        f,
        "critical",
        &[],
        &["100+ DISCOVERs within one second", "2023-11-14T22:13:20"],
    );
}

#[test]
fn discover_flood_silent_just_under() {
    // 99 in one second.
    absent(&discover_burst(99, 10), "discover-flood");
    // 100 spread over two seconds (50 + 50).
    absent(&discover_burst(100, 20), "discover-flood");
}

// ------------------------------------------------------------------------ malformed ---

#[test]
fn malformed_reply_fires() {
    let mut cap = Capture::new();
    cap.client(0, C1, &req(7, C1, DISCOVER));
    // A 3-byte subnet mask.
    let offer = rep(7, C1, OFFER, S1)
        .yiaddr(A100)
        .option_u32(O_LEASE, 3600)
        .option(O_MASK, &[255, 255, 255]);
    cap.server(2, (S1, S1_MAC), C1, A100, &offer);
    let doc = cap.report(&[]);
    let f = one(&doc, "malformed-reply");
    check(
        f,
        "warning",
        &[2],
        &["malformed OFFER from 10.0.0.1", "option 1", "length 3"],
    );
    assert_eq!(f["server"], "10.0.0.1");
}

#[test]
fn malformed_request_fires() {
    let mut cap = Capture::new();
    // A 1-byte maximum message size.
    cap.client(0, C1, &req(7, C1, DISCOVER).option(O_MAX_SIZE, &[2]));
    let doc = cap.report(&[]);
    let f = one(&doc, "malformed-request");
    check(
        f,
        "info",
        &[1],
        &[
            "malformed DISCOVER from 02:10:00:00:00:01",
            "option 57",
            "length 1",
        ],
    );
    assert_eq!(f["client"], C1S);
}

#[test]
fn split_options_are_not_malformed() {
    // RFC 3396: an option split in two parts is legal, on either side; so is BOOTP (no 53).
    let mut cap = Capture::new();
    cap.client(
        0,
        C1,
        &req(7, C1, DISCOVER)
            .option(O_PARAMS, &[1, 3])
            .option(O_PARAMS, &[6, 15]),
    );
    let offer = leased(rep(7, C1, OFFER, S1), A100)
        .option_ip(O_DNS, S1)
        .option_ip(O_DNS, S2);
    cap.server(2, (S1, S1_MAC), C1, A100, &offer);
    cap.client(5_000, C2, &MessageBuilder::request(9, C2));
    let doc = cap.report(&[]);
    absent(&doc, "malformed-request");
    absent(&doc, "malformed-reply");
}

// ------------------------------------------------------------------------- coverage ---

/// Every `.rs` file under `dir`, recursively.
fn rust_files(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display())) {
        let p = e.expect("dir entry").path();
        if p.is_dir() {
            out.extend(rust_files(&p));
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
    out
}

/// Every `"code", Severity` pair of the rule table in `src/analysis/**.rs`.
fn codes_in_source() -> Vec<(String, String)> {
    let mut out = Vec::new();
    for p in rust_files(&Path::new(env!("CARGO_MANIFEST_DIR")).join("src/analysis")) {
        let text = std::fs::read_to_string(&p).expect("read source");
        for line in text.lines() {
            // NAME = "code", Severity, "rfc";
            let Some((_, rest)) = line.split_once("= \"") else {
                continue;
            };
            let Some((code, rest)) = rest.split_once("\", ") else {
                continue;
            };
            let sev = rest.split(',').next().unwrap_or("").trim();
            let sev = sev.strip_prefix("Severity::").unwrap_or(sev);
            let is_code = code
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
            if is_code && matches!(sev, "Info" | "Warning" | "Critical") {
                out.push((code.to_string(), sev.to_lowercase()));
            }
        }
    }
    out.sort();
    out
}

/// The body of `#[test] fn name()` in this file (up to the next `#[test]`).
fn test_body<'a>(source: &'a str, name: &str) -> Option<&'a str> {
    let start = source.find(&format!("#[test]\nfn {name}() {{"))?;
    let rest = &source[start + 8..];
    Some(rest.find("#[test]").map_or(rest, |end| &rest[..end]))
}

#[test]
fn every_finding_code_is_pinned() {
    let source = include_str!("findings_pinned.rs");
    let emitted = codes_in_source();
    assert!(
        emitted.len() >= 31,
        "rule table not found in src/analysis: {emitted:?}"
    );
    let mut unpinned = Vec::new();
    for (code, _) in &emitted {
        if !PINNED.iter().any(|p| p.0 == code) {
            unpinned.push(code.as_str());
        }
    }
    assert!(
        unpinned.is_empty(),
        "codes with no firing and no non-firing test: {unpinned:?}"
    );
    for (code, fires, silent) in PINNED {
        assert!(
            emitted.iter().any(|(c, _)| c == code),
            "{code} is in PINNED but the analysis no longer emits it"
        );
        for name in [fires, silent] {
            let body =
                test_body(source, name).unwrap_or_else(|| panic!("{code}: no #[test] fn {name}"));
            // The test names the code itself (directly or through a helper's check of it).
            assert!(
                body.contains(&format!("\"{code}\"")),
                "{code}: {name} does not check it"
            );
        }
    }
    // Firing tests assert the severity the specification gives; a helper-free check that
    // this table and the source agree on the set of codes is above.
    let mut table: Vec<&str> = PINNED.iter().map(|p| p.0).collect();
    table.sort_unstable();
    table.dedup();
    assert_eq!(table.len(), PINNED.len(), "a code twice in PINNED");
    assert_eq!(
        table.len(),
        emitted.len(),
        "PINNED {table:?}\nsource {emitted:?}"
    );
}

/// The probe-only codes exist in src/probe and each is named by a test there (the verdict tests
/// in src/probe/tests.rs).
#[test]
fn probe_codes_are_pinned_in_src_probe() {
    let mut tests_text = String::new();
    let mut all_text = String::new();
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/probe");
    for p in rust_files(&dir) {
        let text = std::fs::read_to_string(&p).expect("read");
        // A test file or directory inside src/probe (the checkout's own path does not count).
        let inside = p.strip_prefix(&dir).unwrap_or(&p);
        if inside.to_string_lossy().contains("test") {
            tests_text.push_str(&text);
        } else if let Some(i) = text.find("#[cfg(test)]") {
            tests_text.push_str(&text[i..]);
        }
        all_text.push_str(&text);
    }
    for code in PROBE_ONLY {
        assert!(
            all_text.contains(&format!("\"{code}\"")),
            "{code} not emitted by src/probe"
        );
        assert!(
            tests_text.contains(&format!("\"{code}\"")),
            "{code}: no test in src/probe names it"
        );
    }
}

// ------------------------------------------------------------- DHCPv6 and RAs (`v6`) ---

mod v6 {
    use super::*;
    use dhcpscope::dhcpv6::ra::RouterBuilder;
    use dhcpscope::dhcpv6::{
        MessageBuilder as Builder6, MessageType as T6, OptionWriter, Options, duid,
    };
    use dhcpscope::frame6::{FrameBody, build_frame, multicast_mac};
    use std::net::Ipv6Addr;

    pub const C6_MAC: [u8; 6] = [2, 0x66, 0, 0, 0, 1];
    pub const S6_MAC: [u8; 6] = [2, 0x66, 0, 0, 0, 2];
    pub const R6_MAC: [u8; 6] = [2, 0x66, 0, 0, 0, 3];

    pub fn ip(s: &str) -> Ipv6Addr {
        s.parse().expect("address")
    }

    pub fn client_duid() -> Vec<u8> {
        duid::ll(1, &C6_MAC)
    }

    pub fn server_duid(mac: [u8; 6]) -> Vec<u8> {
        duid::ll(1, &mac)
    }

    /// A client message fe80::c1 → ff02::1:2.
    pub fn client(cap: &mut Capture, ms: u64, msg: &Builder6) -> u64 {
        let group = ip("ff02::1:2");
        let f = build_frame(
            C6_MAC,
            multicast_mac(group),
            ip("fe80::c1"),
            group,
            1,
            FrameBody::Udp {
                src_port: 546,
                dst_port: 547,
                payload: &msg.build(),
            },
        );
        cap.frame(ms, &f)
    }

    /// A server message from `mac` / `src` to the client.
    pub fn server(cap: &mut Capture, ms: u64, mac: [u8; 6], src: Ipv6Addr, msg: &Builder6) -> u64 {
        let f = build_frame(
            mac,
            C6_MAC,
            src,
            ip("fe80::c1"),
            64,
            FrameBody::Udp {
                src_port: 547,
                dst_port: 546,
                payload: &msg.build(),
            },
        );
        cap.frame(ms, &f)
    }

    /// An RA as sent, with the IP hop limit given.
    pub fn ra(cap: &mut Capture, ms: u64, src: Ipv6Addr, hop_limit: u8, b: &RouterBuilder) -> u64 {
        let dst = ip("ff02::1");
        let f = build_frame(
            R6_MAC,
            multicast_mac(dst),
            src,
            dst,
            hop_limit,
            FrameBody::Icmp(&b.build(src, dst)),
        );
        cap.frame(ms, &f)
    }

    pub fn solicit(xid: u32) -> Builder6 {
        Builder6::new(T6::SOLICIT, xid)
            .client_id(&client_duid())
            .elapsed_time(0)
            .ia_na(1, 0, 0, Options::new())
    }

    /// An ADVERTISE for IAID 1 with `addr`, T1/T2 and lifetimes given.
    pub fn advertise(
        xid: u32,
        mac: [u8; 6],
        addr: &str,
        t: (u32, u32),
        life: (u32, u32),
    ) -> Builder6 {
        Builder6::new(T6::ADVERTISE, xid)
            .server_id(&server_duid(mac))
            .client_id(&client_duid())
            .ia_na(
                1,
                t.0,
                t.1,
                Options::new().ia_address(ip(addr), life.0, life.1, Options::new()),
            )
    }

    pub fn v6_codes(doc: &Value) -> Vec<&str> {
        doc["v6"]["findings"]
            .as_array()
            .expect("v6 findings")
            .iter()
            .map(|f| f["code"].as_str().expect("code"))
            .collect()
    }

    /// The one v6 finding with `code`, checked for severity and frames.
    pub fn v6_finding<'a>(doc: &'a Value, code: &str, severity: &str, frames: &[u64]) -> &'a Value {
        let all: Vec<&Value> = doc["v6"]["findings"]
            .as_array()
            .expect("v6 findings")
            .iter()
            .filter(|f| f["code"] == code)
            .collect();
        assert_eq!(all.len(), 1, "{code}: {:?}", v6_codes(doc));
        let f = all[0];
        assert_eq!(f["severity"], severity, "{f}");
        let got: Vec<u64> = f["frames"]
            .as_array()
            .unwrap()
            .iter()
            .map(|n| n.as_u64().unwrap())
            .collect();
        assert_eq!(got, frames, "{f}");
        f
    }
}

#[test]
fn v6_clean_exchange_raises_nothing() {
    // SOLICIT → ADVERTISE → REQUEST → REPLY from one server with a Server ID, T1 < T2 and
    // preferred < valid: none of v6-multiple-servers, v6-reply-no-server-id,
    // v6-pref-gt-valid, v6-solicit-unanswered.
    use dhcpscope::dhcpv6::{MessageBuilder as Builder6, MessageType as T6, OptionWriter, Options};
    let mut cap = Capture::new();
    let s = v6::ip("fe80::5");
    v6::client(&mut cap, 0, &v6::solicit(1));
    v6::server(
        &mut cap,
        10,
        v6::S6_MAC,
        s,
        &v6::advertise(1, v6::S6_MAC, "2001:db8::10", (1800, 2880), (3600, 7200)),
    );
    let req = Builder6::new(T6::REQUEST, 2)
        .client_id(&v6::client_duid())
        .server_id(&v6::server_duid(v6::S6_MAC))
        .ia_na(1, 0, 0, Options::new());
    v6::client(&mut cap, 1000, &req);
    let reply = v6::advertise(2, v6::S6_MAC, "2001:db8::10", (1800, 2880), (3600, 7200)).build();
    let mut reply = reply;
    reply[0] = 7; // the same message as a REPLY
    let f = dhcpscope::frame6::build_frame(
        v6::S6_MAC,
        v6::C6_MAC,
        s,
        v6::ip("fe80::c1"),
        64,
        dhcpscope::frame6::FrameBody::Udp {
            src_port: 547,
            dst_port: 546,
            payload: &reply,
        },
    );
    cap.frame(1010, &f);
    let doc = cap.report(&[]);
    let codes = v6::v6_codes(&doc);
    for code in [
        "v6-multiple-servers",
        "v6-reply-no-server-id",
        "v6-pref-gt-valid",
        "v6-solicit-unanswered",
        "v6-advertise-empty",
        "v6-maxrt-out-of-range",
        "v6-client-msg-invalid",
        "v6-t-differs-across-ias",
    ] {
        assert!(!codes.contains(&code), "{code}: {codes:?}");
    }
    assert!(codes.is_empty(), "{codes:?}");
    assert_eq!(doc["v6"]["dhcpv6_packets"], 4);
}

#[test]
fn v6_mitm6_profile_fires() {
    // A link-local IA address and DNS = the sender's own link-local.
    use dhcpscope::dhcpv6::OptionWriter;
    let mut cap = Capture::new();
    let rogue = v6::ip("fe80::bad");
    v6::client(&mut cap, 0, &v6::solicit(1));
    let adv = v6::advertise(1, v6::S6_MAC, "fe80::192:168:1:10", (200, 250), (300, 300))
        .dns_servers(&[rogue]);
    let n = v6::server(&mut cap, 10, v6::S6_MAC, rogue, &adv);
    let doc = cap.report(&[]);
    let f = v6::v6_finding(&doc, "v6-mitm6-profile", "critical", &[n]);
    assert!(
        f["message"]
            .as_str()
            .unwrap()
            .contains("fe80::192:168:1:10"),
        "{f}"
    );
}

#[test]
fn v6_mitm6_profile_silent_for_a_global_address() {
    use dhcpscope::dhcpv6::OptionWriter;
    let mut cap = Capture::new();
    let s = v6::ip("fe80::5");
    v6::client(&mut cap, 0, &v6::solicit(1));
    // The server names itself DNS (dnsmasq does) but hands out a global address.
    let adv =
        v6::advertise(1, v6::S6_MAC, "2001:db8::10", (200, 250), (300, 300)).dns_servers(&[s]);
    v6::server(&mut cap, 10, v6::S6_MAC, s, &adv);
    let doc = cap.report(&[]);
    assert!(!v6::v6_codes(&doc).contains(&"v6-mitm6-profile"));
}

#[test]
fn v6_multiple_servers_fires() {
    let mut cap = Capture::new();
    v6::client(&mut cap, 0, &v6::solicit(1));
    let a = v6::server(
        &mut cap,
        10,
        v6::S6_MAC,
        v6::ip("fe80::5"),
        &v6::advertise(1, v6::S6_MAC, "2001:db8::10", (1800, 2880), (3600, 7200)),
    );
    let other = [2, 0x66, 0, 0, 0, 9];
    let b = v6::server(
        &mut cap,
        20,
        other,
        v6::ip("fe80::9"),
        &v6::advertise(1, other, "2001:db8::99", (1800, 2880), (3600, 7200)),
    );
    let doc = cap.report(&[]);
    let f = v6::v6_finding(&doc, "v6-multiple-servers", "warning", &[a, b]);
    assert!(
        f["message"]
            .as_str()
            .unwrap()
            .starts_with("2 DHCPv6 servers"),
        "{f}"
    );
}

#[test]
fn v6_reply_no_server_id_fires() {
    use dhcpscope::dhcpv6::{MessageBuilder as Builder6, MessageType as T6, OptionWriter};
    let mut cap = Capture::new();
    v6::client(&mut cap, 0, &v6::solicit(1));
    // fake_dhcps6's Reply to a Rebind: client ID, no server ID.
    let reply = Builder6::new(T6::REPLY, 1).client_id(&v6::client_duid());
    let n = v6::server(&mut cap, 10, v6::S6_MAC, v6::ip("fe80::5"), &reply);
    let doc = cap.report(&[]);
    v6::v6_finding(&doc, "v6-reply-no-server-id", "warning", &[n]);
}

#[test]
fn v6_t1_gt_t2_fires() {
    let mut cap = Capture::new();
    v6::client(&mut cap, 0, &v6::solicit(1));
    let n = v6::server(
        &mut cap,
        10,
        v6::S6_MAC,
        v6::ip("fe80::5"),
        &v6::advertise(1, v6::S6_MAC, "2001:db8::10", (3000, 2000), (3600, 7200)),
    );
    let doc = cap.report(&[]);
    v6::v6_finding(&doc, "v6-t1-gt-t2", "warning", &[n]);
}

#[test]
fn v6_t1_gt_t2_silent_when_t2_is_zero() {
    // T2 = 0 leaves the timing to the client (RFC 8415 §14.2): not a violation.
    let mut cap = Capture::new();
    v6::client(&mut cap, 0, &v6::solicit(1));
    v6::server(
        &mut cap,
        10,
        v6::S6_MAC,
        v6::ip("fe80::5"),
        &v6::advertise(1, v6::S6_MAC, "2001:db8::10", (3000, 0), (3600, 7200)),
    );
    let doc = cap.report(&[]);
    assert!(!v6::v6_codes(&doc).contains(&"v6-t1-gt-t2"));
}

#[test]
fn v6_pref_gt_valid_fires() {
    let mut cap = Capture::new();
    v6::client(&mut cap, 0, &v6::solicit(1));
    let n = v6::server(
        &mut cap,
        10,
        v6::S6_MAC,
        v6::ip("fe80::5"),
        &v6::advertise(1, v6::S6_MAC, "2001:db8::10", (1800, 2880), (7200, 3600)),
    );
    let doc = cap.report(&[]);
    v6::v6_finding(&doc, "v6-pref-gt-valid", "warning", &[n]);
}

#[test]
fn v6_solicit_unanswered_fires() {
    let mut cap = Capture::new();
    let n = v6::client(&mut cap, 0, &v6::solicit(1));
    v6::client(&mut cap, 1100, &v6::solicit(1));
    let doc = cap.report(&[]);
    v6::v6_finding(&doc, "v6-solicit-unanswered", "warning", &[n]);
}

#[test]
fn ra_clean_advert_raises_nothing() {
    // Hop limit 255, link-local source, no extension header, lifetime 1800 with Prf high:
    // neither ra-evasion nor ra-invalid (nor anything else).
    use dhcpscope::dhcpv6::ra::RouterBuilder;
    let mut cap = Capture::new();
    v6::ra(
        &mut cap,
        0,
        v6::ip("fe80::1"),
        255,
        &RouterBuilder::advert(64, 0xc8, 1800).prefix(dhcpscope::dhcpv6::ra::PrefixInfo {
            prefix_len: 64,
            flags: 0xc0,
            valid: 7200,
            preferred: 3600,
            prefix: v6::ip("2001:db8:1::"),
        }),
    );
    let doc = cap.report(&[]);
    assert!(!v6::v6_codes(&doc).contains(&"ra-pio-pref-gt-valid"));
    let codes = v6::v6_codes(&doc);
    assert!(
        !codes.contains(&"ra-evasion") && !codes.contains(&"ra-invalid"),
        "{codes:?}"
    );
    assert!(codes.is_empty(), "{codes:?}");
    assert_eq!(doc["v6"]["routers"][0]["managed"], true);
}

#[test]
fn ra_evasion_fires() {
    use dhcpscope::dhcpv6::ra::RouterBuilder;
    let src = v6::ip("fe80::1");
    let dst = v6::ip("ff02::1");
    let icmp = RouterBuilder::advert(64, 0xc0, 1800).build(src, dst);
    let mut f = dhcpscope::frame6::build_frame(
        v6::R6_MAC,
        [0x33, 0x33, 0, 0, 0, 1],
        src,
        dst,
        255,
        dhcpscope::frame6::FrameBody::Icmp(&icmp),
    );
    // Insert an empty hop-by-hop header (next header 58) in front of the ICMPv6 message.
    f[20] = 0;
    let plen = u16::from_be_bytes([f[18], f[19]]) + 8;
    f[18..20].copy_from_slice(&plen.to_be_bytes());
    let mut framed = f[..54].to_vec();
    framed.extend_from_slice(&[58, 0, 1, 4, 0, 0, 0, 0]);
    framed.extend_from_slice(&f[54..]);
    let mut cap = Capture::new();
    let n = cap.frame(0, &framed);
    let doc = cap.report(&[]);
    v6::v6_finding(&doc, "ra-evasion", "critical", &[n]);
}

#[test]
fn ra_invalid_fires() {
    use dhcpscope::dhcpv6::ra::RouterBuilder;
    let mut cap = Capture::new();
    // Forwarded: IP hop limit 64.
    let n = v6::ra(
        &mut cap,
        0,
        v6::ip("fe80::1"),
        64,
        &RouterBuilder::advert(64, 0, 1800),
    );
    let doc = cap.report(&[]);
    v6::v6_finding(&doc, "ra-invalid", "warning", &[n]);
}

#[test]
fn ra_prf_with_zero_lifetime_fires() {
    use dhcpscope::dhcpv6::ra::RouterBuilder;
    let mut cap = Capture::new();
    // mitm6's RA: M=1 O=1, Prf high (01 → 0x08), lifetime 0.
    let n = v6::ra(
        &mut cap,
        0,
        v6::ip("fe80::bad"),
        255,
        &RouterBuilder::advert(0, 0xc8, 0),
    );
    let doc = cap.report(&[]);
    v6::v6_finding(&doc, "ra-prf-with-zero-lifetime", "warning", &[n]);
}

#[test]
fn ra_prf_with_zero_lifetime_silent_for_medium() {
    use dhcpscope::dhcpv6::ra::RouterBuilder;
    let mut cap = Capture::new();
    v6::ra(
        &mut cap,
        0,
        v6::ip("fe80::1"),
        255,
        &RouterBuilder::advert(64, 0xc0, 0),
    );
    let doc = cap.report(&[]);
    assert!(!v6::v6_codes(&doc).contains(&"ra-prf-with-zero-lifetime"));
}

mod v6more {
    use super::*;
    use dhcpscope::dhcpv6::{MessageBuilder as Builder6, MessageType as T6, OptionWriter, Options};

    /// `inner` through RELAY-FORW (or, with `reply`, RELAY-REPL) layers with the hop-counts
    /// given (outermost first), 2001:db8:2::1:547 → 2001:db8:9::547:547.
    pub fn relayed(
        cap: &mut Capture,
        ms: u64,
        hop_counts: &[u8],
        inner: Vec<u8>,
        reply: bool,
    ) -> u64 {
        let mut msg = inner;
        for &h in hop_counts.iter().rev() {
            msg = Builder6::relay(reply, h, v6::ip("2001:db8:1::1"), v6::ip("fe80::c1"))
                .relay_message(&msg)
                .build();
        }
        let f = dhcpscope::frame6::build_frame(
            v6::R6_MAC,
            v6::S6_MAC,
            v6::ip("2001:db8:2::1"),
            v6::ip("2001:db8:9::547"),
            64,
            dhcpscope::frame6::FrameBody::Udp {
                src_port: 547,
                dst_port: 547,
                payload: &msg,
            },
        );
        cap.frame(ms, &f)
    }

    pub fn reply(xid: u32) -> Builder6 {
        Builder6::new(T6::REPLY, xid)
            .server_id(&v6::server_duid(v6::S6_MAC))
            .client_id(&v6::client_duid())
    }

    pub fn with_addr(b: Builder6) -> Builder6 {
        b.ia_na(
            1,
            1800,
            2880,
            Options::new().ia_address(v6::ip("2001:db8::10"), 3600, 7200, Options::new()),
        )
    }
}

#[test]
fn v6_rc_reply_without_opt14_fires() {
    use dhcpscope::dhcpv6::OptionWriter;
    let mut cap = Capture::new();
    v6::client(&mut cap, 0, &v6::solicit(1).rapid_commit());
    let n = v6::server(
        &mut cap,
        10,
        v6::S6_MAC,
        v6::ip("fe80::5"),
        &v6more::with_addr(v6more::reply(1)),
    );
    let doc = cap.report(&[]);
    v6::v6_finding(&doc, "v6-rc-reply-without-opt14", "warning", &[n]);
    assert!(!v6::v6_codes(&doc).contains(&"v6-rc-reply-unasked"));
}

#[test]
fn v6_rc_reply_unasked_fires() {
    use dhcpscope::dhcpv6::OptionWriter;
    let mut cap = Capture::new();
    v6::client(&mut cap, 0, &v6::solicit(1));
    let n = v6::server(
        &mut cap,
        10,
        v6::S6_MAC,
        v6::ip("fe80::5"),
        &v6more::with_addr(v6more::reply(1)).rapid_commit(),
    );
    let doc = cap.report(&[]);
    v6::v6_finding(&doc, "v6-rc-reply-unasked", "warning", &[n]);
}

#[test]
fn v6_rc_exchange_with_opt14_is_silent() {
    use dhcpscope::dhcpv6::OptionWriter;
    let mut cap = Capture::new();
    v6::client(&mut cap, 0, &v6::solicit(1).rapid_commit());
    v6::server(
        &mut cap,
        10,
        v6::S6_MAC,
        v6::ip("fe80::5"),
        &v6more::with_addr(v6more::reply(1)).rapid_commit(),
    );
    let doc = cap.report(&[]);
    let codes = v6::v6_codes(&doc);
    assert!(
        !codes.contains(&"v6-rc-reply-without-opt14") && !codes.contains(&"v6-rc-reply-unasked"),
        "{codes:?}"
    );
}

#[test]
fn v6_advertise_empty_fires() {
    use dhcpscope::dhcpv6::{MessageBuilder as Builder6, MessageType as T6, OptionWriter, Options};
    let mut cap = Capture::new();
    v6::client(&mut cap, 0, &v6::solicit(1));
    let adv = Builder6::new(T6::ADVERTISE, 1)
        .server_id(&v6::server_duid(v6::S6_MAC))
        .client_id(&v6::client_duid())
        .ia_na(1, 0, 0, Options::new());
    let n = v6::server(&mut cap, 10, v6::S6_MAC, v6::ip("fe80::5"), &adv);
    let doc = cap.report(&[]);
    v6::v6_finding(&doc, "v6-advertise-empty", "warning", &[n]);
}

#[test]
fn v6_status_toplevel_only_fires() {
    use dhcpscope::dhcpv6::{MessageBuilder as Builder6, MessageType as T6, OptionWriter, Options};
    let mut cap = Capture::new();
    v6::client(&mut cap, 0, &v6::solicit(1));
    let adv = Builder6::new(T6::ADVERTISE, 1)
        .server_id(&v6::server_duid(v6::S6_MAC))
        .client_id(&v6::client_duid())
        .status(2, "no addresses")
        .ia_na(1, 0, 0, Options::new());
    let n = v6::server(&mut cap, 10, v6::S6_MAC, v6::ip("fe80::5"), &adv);
    let doc = cap.report(&[]);
    v6::v6_finding(&doc, "v6-status-toplevel-only", "info", &[n]);
}

#[test]
fn v6_status_in_the_ia_is_silent() {
    // dnsmasq's way: NoAddrsAvail at top level and in the IA: neither finding.
    use dhcpscope::dhcpv6::{MessageBuilder as Builder6, MessageType as T6, OptionWriter, Options};
    let mut cap = Capture::new();
    v6::client(&mut cap, 0, &v6::solicit(1));
    let adv = Builder6::new(T6::ADVERTISE, 1)
        .server_id(&v6::server_duid(v6::S6_MAC))
        .client_id(&v6::client_duid())
        .status(2, "no addresses")
        .ia_na(1, 0, 0, Options::new().status(2, "no addresses"));
    v6::server(&mut cap, 10, v6::S6_MAC, v6::ip("fe80::5"), &adv);
    let doc = cap.report(&[]);
    let codes = v6::v6_codes(&doc);
    assert!(
        !codes.contains(&"v6-status-toplevel-only") && !codes.contains(&"v6-advertise-empty"),
        "{codes:?}"
    );
}

#[test]
fn v6_reconfigure_unauth_fires() {
    use dhcpscope::dhcpv6::{MessageBuilder as Builder6, MessageType as T6, OptionWriter};
    let mut cap = Capture::new();
    let rec = Builder6::new(T6::RECONFIGURE, 5)
        .server_id(&v6::server_duid(v6::S6_MAC))
        .client_id(&v6::client_duid())
        .option(19, &[5]);
    let n = v6::server(&mut cap, 0, v6::S6_MAC, v6::ip("fe80::5"), &rec);
    let doc = cap.report(&[]);
    let f = v6::v6_finding(&doc, "v6-reconfigure-unauth", "critical", &[n]);
    let m = f["message"].as_str().unwrap();
    assert!(
        m.contains("no RKAP") && m.contains("transaction id not 0"),
        "{m}"
    );
}

#[test]
fn v6_reconfigure_with_rkap_is_silent() {
    use dhcpscope::dhcpv6::{MessageBuilder as Builder6, MessageType as T6, OptionWriter};
    let mut cap = Capture::new();
    let mut auth = vec![3, 1, 0, 0, 0, 0, 0, 0, 0, 0, 1, 2];
    auth.extend_from_slice(&[0xaa; 16]);
    let rec = Builder6::new(T6::RECONFIGURE, 0)
        .server_id(&v6::server_duid(v6::S6_MAC))
        .client_id(&v6::client_duid())
        .option(19, &[5])
        .option(11, &auth);
    v6::server(&mut cap, 0, v6::S6_MAC, v6::ip("fe80::5"), &rec);
    let doc = cap.report(&[]);
    assert!(!v6::v6_codes(&doc).contains(&"v6-reconfigure-unauth"));
}

#[test]
fn v6_relay_leak_fires() {
    use dhcpscope::dhcpv6::OptionWriter;
    let mut cap = Capture::new();
    v6::client(&mut cap, 0, &v6::solicit(1));
    let adv = v6::advertise(1, v6::S6_MAC, "2001:db8::10", (1800, 2880), (3600, 7200))
        .interface_id(b"eth0");
    let n = v6::server(&mut cap, 10, v6::S6_MAC, v6::ip("fe80::5"), &adv);
    let doc = cap.report(&[]);
    v6::v6_finding(&doc, "v6-relay-leak", "warning", &[n]);
}

#[test]
fn v6_relayed_exchange_is_silent() {
    // Two relays with hop-counts 1 (outer) and 0 (inner), server to relay on 547: neither
    // v6-relay-hops nor v6-relay-leak.
    let mut cap = Capture::new();
    v6more::relayed(&mut cap, 0, &[1, 0], v6::solicit(1).build(), false);
    let adv = v6::advertise(1, v6::S6_MAC, "2001:db8::10", (1800, 2880), (3600, 7200)).build();
    v6more::relayed(&mut cap, 10, &[1, 0], adv, true);
    let doc = cap.report(&[]);
    let codes = v6::v6_codes(&doc);
    assert!(
        !codes.contains(&"v6-relay-hops") && !codes.contains(&"v6-relay-leak"),
        "{codes:?}"
    );
    assert_eq!(doc["v6"]["exchanges"][0]["steps"][1]["relay_hops"], 2);
}

#[test]
fn v6_relay_hops_fires() {
    let mut cap = Capture::new();
    // One relay layer that claims hop-count 3.
    let n = v6more::relayed(&mut cap, 0, &[3], v6::solicit(1).build(), false);
    let doc = cap.report(&[]);
    v6::v6_finding(&doc, "v6-relay-hops", "warning", &[n]);
}

#[test]
fn v6_maxrt_out_of_range_fires() {
    use dhcpscope::dhcpv6::OptionWriter;
    let mut cap = Capture::new();
    v6::client(&mut cap, 0, &v6::solicit(1));
    let adv =
        v6::advertise(1, v6::S6_MAC, "2001:db8::10", (1800, 2880), (3600, 7200)).seconds(82, 10);
    let n = v6::server(&mut cap, 10, v6::S6_MAC, v6::ip("fe80::5"), &adv);
    let doc = cap.report(&[]);
    v6::v6_finding(&doc, "v6-maxrt-out-of-range", "warning", &[n]);
}

#[test]
fn v6_client_msg_invalid_fires() {
    use dhcpscope::dhcpv6::OptionWriter;
    let mut cap = Capture::new();
    let n = v6::client(
        &mut cap,
        0,
        &v6::solicit(1).server_id(&v6::server_duid(v6::S6_MAC)),
    );
    let doc = cap.report(&[]);
    v6::v6_finding(&doc, "v6-client-msg-invalid", "info", &[n]);
}

#[test]
fn v6_t_differs_across_ias_fires() {
    use dhcpscope::dhcpv6::{OptionWriter, Options};
    let mut cap = Capture::new();
    v6::client(&mut cap, 0, &v6::solicit(1).rapid_commit());
    let reply = v6more::with_addr(v6more::reply(1)).rapid_commit().ia_pd(
        2,
        1000,
        1600,
        Options::new().ia_prefix(v6::ip("2001:db8:8::"), 56, 3600, 7200, Options::new()),
    );
    let n = v6::server(&mut cap, 10, v6::S6_MAC, v6::ip("fe80::5"), &reply);
    let doc = cap.report(&[]);
    v6::v6_finding(&doc, "v6-t-differs-across-ias", "warning", &[n]);
}

#[test]
fn ra_pio_pref_gt_valid_fires() {
    use dhcpscope::dhcpv6::ra::{PrefixInfo, RouterBuilder};
    let mut cap = Capture::new();
    let ra = RouterBuilder::advert(64, 0, 1800).prefix(PrefixInfo {
        prefix_len: 64,
        flags: 0xc0,
        valid: 3600,
        preferred: 7200,
        prefix: v6::ip("2001:db8:1::"),
    });
    let n = v6::ra(&mut cap, 0, v6::ip("fe80::1"), 255, &ra);
    let doc = cap.report(&[]);
    v6::v6_finding(&doc, "ra-pio-pref-gt-valid", "warning", &[n]);
}

#[test]
fn v6_rogue_server_fires() {
    // The legitimate server is expected by DUID; a second one (mitm6-like) answers too.
    let mut cap = Capture::new();
    let rogue = [2, 0x66, 0, 0, 0, 0x66];
    v6::client(&mut cap, 0, &v6::solicit(1));
    v6::server(
        &mut cap,
        10,
        v6::S6_MAC,
        v6::ip("fe80::5"),
        &v6::advertise(1, v6::S6_MAC, "2001:db8::10", (1800, 2880), (3600, 7200)),
    );
    let n = v6::server(
        &mut cap,
        20,
        rogue,
        v6::ip("fe80::66"),
        &v6::advertise(1, rogue, "2001:db8::66", (1800, 2880), (3600, 7200)),
    );
    let duid: String = v6::server_duid(v6::S6_MAC)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    let doc = cap.report(&["--expect-server6", &duid]);
    let f = v6::v6_finding(&doc, "v6-rogue-server", "critical", &[n]);
    assert!(f["message"].as_str().unwrap().contains("fe80::66"), "{f}");
    assert_eq!(doc["v6"]["servers"][0]["expected"], true);
    assert_eq!(doc["v6"]["servers"][1]["expected"], false);
}

#[test]
fn v6_rogue_server_silent_when_expected() {
    // Both servers named: one by MAC, one by link-local address.
    let mut cap = Capture::new();
    let other = [2, 0x66, 0, 0, 0, 0x66];
    v6::client(&mut cap, 0, &v6::solicit(1));
    v6::server(
        &mut cap,
        10,
        v6::S6_MAC,
        v6::ip("fe80::5"),
        &v6::advertise(1, v6::S6_MAC, "2001:db8::10", (1800, 2880), (3600, 7200)),
    );
    v6::server(
        &mut cap,
        20,
        other,
        v6::ip("fe80::66"),
        &v6::advertise(1, other, "2001:db8::66", (1800, 2880), (3600, 7200)),
    );
    let doc = cap.report(&[
        "--expect-server6",
        "02:66:00:00:00:02",
        "--expect-server6",
        "fe80::66",
    ]);
    assert!(!v6::v6_codes(&doc).contains(&"v6-rogue-server"));
    assert_eq!(doc["v6"]["servers"][1]["expected"], true);
}

#[test]
fn ra_rogue_fires() {
    use dhcpscope::dhcpv6::ra::RouterBuilder;
    let mut cap = Capture::new();
    v6::ra(
        &mut cap,
        0,
        v6::ip("fe80::1"),
        255,
        &RouterBuilder::advert(64, 0, 1800),
    );
    let n = v6::ra(
        &mut cap,
        10,
        v6::ip("fe80::bad"),
        255,
        &RouterBuilder::advert(64, 0xc0, 1800),
    );
    let doc = cap.report(&["--expect-router", "fe80::1"]);
    v6::v6_finding(&doc, "ra-rogue", "critical", &[n]);
}

#[test]
fn ra_rogue_silent_when_expected() {
    use dhcpscope::dhcpv6::ra::RouterBuilder;
    let mut cap = Capture::new();
    v6::ra(
        &mut cap,
        0,
        v6::ip("fe80::1"),
        255,
        &RouterBuilder::advert(64, 0, 1800),
    );
    // Named by its MAC (the frame's source; no SLLA option).
    let doc = cap.report(&["--expect-router", "02:66:00:00:00:03"]);
    assert!(!v6::v6_codes(&doc).contains(&"ra-rogue"));
    assert_eq!(doc["v6"]["routers"][0]["expected"], true);
}
