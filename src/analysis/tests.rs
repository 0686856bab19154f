//! Tracker and finding rules on hand-built exchanges. Each test builds the wire packets a
//! scenario would put on the segment and checks what the analysis concludes.

use super::*;
use crate::craft::{BROADCAST_MAC, UdpEndpoints, udp_frame};
use crate::dhcp::MessageBuilder;
use crate::frame::{Decoded, FrameDecoder};
use crate::pipeline::PacketBatch;
use crate::source::{RawFrame, linktype};

const CLIENT: [u8; 6] = [0x02, 0x10, 0, 0, 0, 7];
const OTHER_CLIENT: [u8; 6] = [0x02, 0x10, 0, 0, 0, 8];
const SERVER: Ipv4Addr = Ipv4Addr::new(10, 0, 0, 1);
const SERVER_MAC: [u8; 6] = [0x02, 0x53, 0, 0, 0, 1];
const ROGUE: Ipv4Addr = Ipv4Addr::new(192, 168, 66, 1);
const ROGUE_MAC: [u8; 6] = [0x02, 0xba, 0xdb, 0xad, 0xba, 0xd1];

/// Feeds frames through the real frame decoder into an analysis.
struct Lab {
    analysis: Analysis,
    frame: u64,
    decoder: FrameDecoder,
}

impl Lab {
    fn new(e: Expectations) -> Self {
        Self {
            analysis: Analysis::new(e),
            frame: 0,
            decoder: FrameDecoder::new(),
        }
    }

    fn send(&mut self, at_ms: u64, ends: UdpEndpoints, msg: MessageBuilder) -> u64 {
        self.send_tagged(at_ms, &[], ends, msg)
    }

    fn send_tagged(
        &mut self,
        at_ms: u64,
        vlans: &[u16],
        ends: UdpEndpoints,
        msg: MessageBuilder,
    ) -> u64 {
        self.frame += 1;
        let bytes = udp_frame(&ends, vlans, &msg.build());
        let raw = RawFrame {
            number: self.frame,
            ts: Timestamp::new(
                1_000 + (at_ms / 1000) as i64,
                (at_ms % 1000) as u32 * 1_000_000,
            ),
            ts_digits: 6,
            linktype: linktype::ETHERNET,
            orig_len: bytes.len() as u32,
            data: &bytes,
        };
        let Decoded::Udp(udp) = self.decoder.decode(&raw) else {
            panic!("crafted frame did not decode");
        };
        let mut batch = PacketBatch::default();
        batch.push(&raw, &udp, false);
        self.analysis.observe(&batch.packet(&batch.packets[0]));
        self.frame
    }

    fn client(&mut self, at_ms: u64, mac: [u8; 6], msg: MessageBuilder) -> u64 {
        self.send(at_ms, UdpEndpoints::client_broadcast(mac), msg)
    }

    fn server(
        &mut self,
        at_ms: u64,
        ip: Ipv4Addr,
        mac: [u8; 6],
        to: Ipv4Addr,
        msg: MessageBuilder,
    ) -> u64 {
        let dst_mac = if to == Ipv4Addr::BROADCAST {
            BROADCAST_MAC
        } else {
            CLIENT
        };
        self.send(at_ms, UdpEndpoints::server_reply(mac, ip, dst_mac, to), msg)
    }

    fn finish(mut self) -> Analysis {
        self.analysis.finish();
        self.analysis
    }
}

fn req(xid: u32, t: MessageType) -> MessageBuilder {
    MessageBuilder::request(xid, CLIENT).message_type(t)
}

fn reply(xid: u32, t: MessageType, server: Ipv4Addr) -> MessageBuilder {
    MessageBuilder::reply(xid, CLIENT)
        .message_type(t)
        .option_ip(opt::SERVER_ID, server)
}

fn leased(b: MessageBuilder, addr: Ipv4Addr) -> MessageBuilder {
    b.yiaddr(addr)
        .option_u32(opt::LEASE_TIME, 3600)
        .option_u32(opt::RENEWAL_TIME, 1800)
        .option_u32(opt::REBINDING_TIME, 3150)
}

fn codes(a: &Analysis) -> Vec<&'static str> {
    a.findings.iter().map(|f| f.code).collect()
}

fn finding<'a>(a: &'a Analysis, code: &str) -> &'a Finding {
    a.findings
        .iter()
        .find(|f| f.code == code)
        .unwrap_or_else(|| panic!("no {code} finding in {:?}", codes(a)))
}

/// DISCOVER, two OFFERs (legit and rogue), REQUEST for the legit one, ACK.
fn rogue_dora(e: Expectations) -> Analysis {
    let mut lab = Lab::new(e);
    let addr = Ipv4Addr::new(10, 0, 1, 9);
    lab.client(0, CLIENT, req(7, MessageType::DISCOVER));
    lab.server(
        1,
        SERVER,
        SERVER_MAC,
        addr,
        leased(reply(7, MessageType::OFFER, SERVER), addr),
    );
    let rogue_addr = Ipv4Addr::new(192, 168, 66, 10);
    lab.server(
        2,
        ROGUE,
        ROGUE_MAC,
        rogue_addr,
        leased(reply(7, MessageType::OFFER, ROGUE), rogue_addr),
    );
    lab.client(
        10,
        CLIENT,
        req(7, MessageType::REQUEST)
            .option_ip(opt::REQUESTED_IP, addr)
            .option_ip(opt::SERVER_ID, SERVER),
    );
    lab.server(
        12,
        SERVER,
        SERVER_MAC,
        addr,
        leased(reply(7, MessageType::ACK, SERVER), addr),
    );
    lab.finish()
}

#[test]
fn dora_with_a_rogue_offer_is_one_exchange_with_two_offers() {
    let a = rogue_dora(Expectations::default());
    assert_eq!(a.clients.len(), 1);
    let ex = &a.clients[0].exchanges;
    assert_eq!(ex.len(), 1);
    let e = &ex[0];
    assert_eq!((e.kind, e.outcome), (Kind::Dora, Outcome::Ack));
    assert_eq!(e.server_id, Some(SERVER));
    assert_eq!(e.address, Some(Ipv4Addr::new(10, 0, 1, 9)));
    assert_eq!(
        (e.lease_time, e.t1, e.t2),
        (Some(3600), Some(1800), Some(3150))
    );
    let offers: Vec<(Ipv4Addr, Option<f64>)> = e
        .offers
        .iter()
        .map(|o| (o.server_id, o.latency_ms))
        .collect();
    assert_eq!(offers, [(SERVER, Some(1.0)), (ROGUE, Some(2.0))]);
    assert_eq!(a.servers.len(), 2);
    assert!(a.servers.iter().all(|s| s.expected.is_none()));
    assert!(codes(&a).contains(&"multiple-servers"));
    assert!(codes(&a).contains(&"competing-offers"));
    assert!(!codes(&a).contains(&"unexpected-server"));
}

#[test]
fn expected_server_makes_the_other_one_critical() {
    let e = Expectations {
        servers: vec![config::ServerRef::Ip(SERVER)],
        ..Expectations::default()
    };
    let a = rogue_dora(e);
    let f = finding(&a, "unexpected-server");
    assert_eq!(f.severity, Severity::Critical);
    assert_eq!(f.server, Some(ROGUE));
    assert!(f.message.contains("02:ba:db:ad:ba:d1"), "{}", f.message);
    assert_eq!(f.frames, [3]);
    assert_eq!(a.worst_severity(), Some(Severity::Critical));
    assert!(!codes(&a).contains(&"multiple-servers"));
    let verdicts: Vec<(Ipv4Addr, Option<bool>)> =
        a.servers.iter().map(|s| (s.id, s.expected)).collect();
    assert_eq!(verdicts, [(SERVER, Some(true)), (ROGUE, Some(false))]);
}

#[test]
fn expected_subnet_flags_servers_handing_out_foreign_addresses() {
    let e = Expectations {
        subnets: vec!["10.0.0.0/16".parse().unwrap()],
        ..Expectations::default()
    };
    let a = rogue_dora(e);
    assert_eq!(finding(&a, "unexpected-server").server, Some(ROGUE));
}

#[test]
fn init_reboot_nak_then_new_dora() {
    let mut lab = Lab::new(Expectations::default());
    let stale = Ipv4Addr::new(172, 16, 5, 50);
    lab.client(
        0,
        CLIENT,
        req(1, MessageType::REQUEST).option_ip(opt::REQUESTED_IP, stale),
    );
    lab.server(
        1,
        SERVER,
        SERVER_MAC,
        Ipv4Addr::BROADCAST,
        reply(1, MessageType::NAK, SERVER).broadcast(true),
    );
    lab.client(100, CLIENT, req(2, MessageType::DISCOVER));
    let addr = Ipv4Addr::new(10, 0, 1, 9);
    lab.server(
        101,
        SERVER,
        SERVER_MAC,
        addr,
        leased(reply(2, MessageType::OFFER, SERVER), addr),
    );
    lab.client(
        110,
        CLIENT,
        req(2, MessageType::REQUEST)
            .option_ip(opt::REQUESTED_IP, addr)
            .option_ip(opt::SERVER_ID, SERVER),
    );
    lab.server(
        111,
        SERVER,
        SERVER_MAC,
        addr,
        leased(reply(2, MessageType::ACK, SERVER), addr),
    );
    let a = lab.finish();
    let kinds: Vec<(Kind, Outcome)> = a.clients[0]
        .exchanges
        .iter()
        .map(|e| (e.kind, e.outcome))
        .collect();
    assert_eq!(
        kinds,
        [(Kind::InitReboot, Outcome::Nak), (Kind::Dora, Outcome::Ack)]
    );
    assert_eq!(a.servers[0].naks, 1);
    assert!(a.findings.is_empty(), "{:?}", codes(&a));
}

#[test]
fn retransmissions_fold_and_unanswered_discover_is_no_offer() {
    let mut lab = Lab::new(Expectations::default());
    for (i, at) in [0u64, 4_000, 12_000].iter().enumerate() {
        lab.client(
            *at,
            CLIENT,
            req(9, MessageType::DISCOVER).secs(i as u16 * 4),
        );
    }
    let a = lab.finish();
    let e = &a.clients[0].exchanges;
    assert_eq!(e.len(), 1);
    assert_eq!(e[0].retransmissions, 2);
    assert_eq!(e[0].messages.len(), 1);
    assert_eq!(
        (e[0].messages[0].frame, e[0].messages[0].last_frame),
        (1, 3)
    );
    assert_eq!(e[0].outcome, Outcome::NoOffer);
    assert!(finding(&a, "no-offer").message.contains("3 times"));
}

#[test]
fn latency_is_measured_from_first_and_last_transmission() {
    let mut lab = Lab::new(Expectations::default());
    lab.client(0, CLIENT, req(5, MessageType::DISCOVER));
    lab.client(4_000, CLIENT, req(5, MessageType::DISCOVER).secs(4));
    let addr = Ipv4Addr::new(10, 0, 1, 9);
    lab.server(
        5_500,
        SERVER,
        SERVER_MAC,
        addr,
        leased(reply(5, MessageType::OFFER, SERVER), addr),
    );
    let a = lab.finish();
    let o = &a.clients[0].exchanges[0].offers[0];
    assert_eq!(
        (o.latency_first_ms, o.latency_ms),
        (Some(5500.0), Some(1500.0))
    );
    // 1.5 s after the last transmission is over the default 1 s threshold.
    assert_eq!(finding(&a, "slow-reply").frames, [3]);
}

#[test]
fn inform_ack_with_yiaddr_and_lease_time_violates_rfc2131() {
    let mut lab = Lab::new(Expectations::default());
    let static_ip = Ipv4Addr::new(10, 0, 0, 50);
    lab.client(0, CLIENT, req(3, MessageType::INFORM).ciaddr(static_ip));
    lab.server(
        1,
        SERVER,
        SERVER_MAC,
        static_ip,
        reply(3, MessageType::ACK, SERVER)
            .yiaddr(static_ip)
            .option_u32(opt::LEASE_TIME, 600),
    );
    let a = lab.finish();
    let e = &a.clients[0].exchanges[0];
    assert_eq!(
        (e.kind, e.outcome, e.address),
        (Kind::Inform, Outcome::Ack, Some(static_ip))
    );
    let c = codes(&a);
    assert!(
        c.contains(&"inform-ack-yiaddr") && c.contains(&"inform-ack-lease-time"),
        "{c:?}"
    );
    assert!(!c.contains(&"no-lease-time"));
}

#[test]
fn obedient_inform_ack_raises_nothing() {
    let mut lab = Lab::new(Expectations::default());
    let static_ip = Ipv4Addr::new(10, 0, 0, 50);
    lab.client(0, CLIENT, req(3, MessageType::INFORM).ciaddr(static_ip));
    lab.server(
        1,
        SERVER,
        SERVER_MAC,
        static_ip,
        reply(3, MessageType::ACK, SERVER),
    );
    let a = lab.finish();
    assert!(a.findings.is_empty(), "{:?}", codes(&a));
}

#[test]
fn reply_rules_fire_on_a_misbehaving_server() {
    let mut lab = Lab::new(Expectations::default());
    let addr = Ipv4Addr::new(10, 0, 1, 9);
    lab.client(
        0,
        CLIENT,
        req(4, MessageType::DISCOVER)
            .broadcast(true)
            .option(opt::CLIENT_ID, &[1, 2, 16, 0, 0, 0, 7]),
    );
    // No server id, no lease time, echoes 55, T1 > T2, 121 without default, option 82 to
    // the client, unicast despite the broadcast flag.
    let offer = MessageBuilder::reply(4, CLIENT)
        .message_type(MessageType::OFFER)
        .yiaddr(addr)
        .option(opt::PARAMETER_LIST, &[1, 3])
        .option_u32(opt::RENEWAL_TIME, 900)
        .option_u32(opt::REBINDING_TIME, 600)
        .option_ip(opt::ROUTER, SERVER)
        .option(opt::CLASSLESS_ROUTE, &[24, 192, 168, 5, 10, 0, 0, 254])
        .option(opt::RELAY_AGENT, b"\x01\x04eth0");
    lab.server(1, SERVER, SERVER_MAC, addr, offer);
    let a = lab.finish();
    let c = codes(&a);
    for code in [
        "missing-server-id",
        "no-lease-time",
        "reply-echoes-request-option",
        "lease-timers-order",
        "route121-without-default",
        "relay-info-to-client",
        "broadcast-flag-ignored",
        "client-id-not-echoed",
    ] {
        assert!(c.contains(&code), "{code} missing from {c:?}");
    }
    // Known by IP source when option 54 is missing.
    assert_eq!(a.servers[0].id, SERVER);
    assert!(!a.servers[0].has_server_id);
}

/// RFC 2131 §4.1: a request with ciaddr set is answered by unicast to ciaddr, so its
/// broadcast flag does not make a unicast reply a violation; with ciaddr 0 it does.
#[test]
fn broadcast_flag_ignored_only_when_ciaddr_is_zero() {
    let addr = Ipv4Addr::new(10, 0, 1, 9);
    for (ciaddr, expected) in [(addr, false), (Ipv4Addr::UNSPECIFIED, true)] {
        let mut lab = Lab::new(Expectations::default());
        // A REBINDING REQUEST (broadcast, ciaddr set) or, with ciaddr 0, an INIT-REBOOT.
        let mut request = req(9, MessageType::REQUEST).broadcast(true).ciaddr(ciaddr);
        if ciaddr.is_unspecified() {
            request = request.option_ip(opt::REQUESTED_IP, addr);
        }
        lab.client(0, CLIENT, request);
        lab.server(
            1,
            SERVER,
            SERVER_MAC,
            addr,
            leased(reply(9, MessageType::ACK, SERVER), addr),
        );
        let a = lab.finish();
        assert_eq!(
            codes(&a).contains(&"broadcast-flag-ignored"),
            expected,
            "ciaddr {ciaddr}: {:?}",
            codes(&a)
        );
    }
    // An INFORM (ciaddr set) with the broadcast flag, ACKed by unicast to ciaddr.
    let mut lab = Lab::new(Expectations::default());
    lab.client(
        0,
        CLIENT,
        req(10, MessageType::INFORM).broadcast(true).ciaddr(addr),
    );
    lab.server(
        1,
        SERVER,
        SERVER_MAC,
        addr,
        reply(10, MessageType::ACK, SERVER),
    );
    let a = lab.finish();
    assert!(
        !codes(&a).contains(&"broadcast-flag-ignored"),
        "{:?}",
        codes(&a)
    );
}

#[test]
fn nak_rules_and_unselected_server() {
    let mut lab = Lab::new(Expectations::default());
    let addr = Ipv4Addr::new(10, 0, 1, 9);
    lab.client(
        0,
        CLIENT,
        req(6, MessageType::REQUEST)
            .option_ip(opt::REQUESTED_IP, addr)
            .option_ip(opt::SERVER_ID, SERVER),
    );
    // The rogue NAKs a REQUEST addressed to the legit server, unicast, with a router option.
    lab.server(
        1,
        ROGUE,
        ROGUE_MAC,
        addr,
        reply(6, MessageType::NAK, ROGUE).option_ip(opt::ROUTER, ROGUE),
    );
    let a = lab.finish();
    let c = codes(&a);
    for code in [
        "unselected-server-replied",
        "nak-not-broadcast",
        "nak-with-config",
    ] {
        assert!(c.contains(&code), "{code} missing from {c:?}");
    }
}

#[test]
fn ack_for_another_address_and_inform_nak() {
    let mut lab = Lab::new(Expectations::default());
    let wanted = Ipv4Addr::new(10, 0, 1, 9);
    let given = Ipv4Addr::new(10, 0, 1, 77);
    lab.client(
        0,
        CLIENT,
        req(8, MessageType::REQUEST).option_ip(opt::REQUESTED_IP, wanted),
    );
    lab.server(
        1,
        SERVER,
        SERVER_MAC,
        given,
        leased(reply(8, MessageType::ACK, SERVER), given),
    );
    lab.client(100, CLIENT, req(9, MessageType::INFORM).ciaddr(given));
    lab.server(
        101,
        SERVER,
        SERVER_MAC,
        Ipv4Addr::BROADCAST,
        reply(9, MessageType::NAK, SERVER),
    );
    let a = lab.finish();
    assert!(
        finding(&a, "ack-address-mismatch")
            .message
            .contains("10.0.1.77")
    );
    assert_eq!(finding(&a, "inform-nak").frames, [4]);
}

#[test]
fn decline_after_ack_and_duplicate_address() {
    let mut lab = Lab::new(Expectations::default());
    let addr = Ipv4Addr::new(10, 0, 1, 9);
    lab.client(
        0,
        CLIENT,
        req(1, MessageType::REQUEST).option_ip(opt::REQUESTED_IP, addr),
    );
    lab.server(
        1,
        SERVER,
        SERVER_MAC,
        addr,
        leased(reply(1, MessageType::ACK, SERVER), addr),
    );
    // Another client gets the same address while the first lease runs.
    lab.client(
        50,
        OTHER_CLIENT,
        MessageBuilder::request(2, OTHER_CLIENT)
            .message_type(MessageType::REQUEST)
            .option_ip(opt::REQUESTED_IP, addr),
    );
    lab.server(
        51,
        SERVER,
        SERVER_MAC,
        addr,
        leased(
            MessageBuilder::reply(2, OTHER_CLIENT)
                .message_type(MessageType::ACK)
                .option_ip(opt::SERVER_ID, SERVER),
            addr,
        ),
    );
    lab.client(
        60,
        CLIENT,
        req(3, MessageType::DECLINE)
            .option_ip(opt::REQUESTED_IP, addr)
            .option_ip(opt::SERVER_ID, SERVER),
    );
    let a = lab.finish();
    let dup = finding(&a, "duplicate-address");
    assert_eq!(dup.severity, Severity::Critical);
    assert_eq!(dup.client.as_deref(), Some("02:10:00:00:00:08"));
    assert_eq!(finding(&a, "decline-after-ack").frames, [5]);
    assert_eq!(
        a.clients[0].exchanges.last().map(|e| e.outcome),
        Some(Outcome::Declined)
    );
}

#[test]
fn nak_storm() {
    let mut lab = Lab::new(Expectations::default());
    for i in 0..6u32 {
        let at = u64::from(i) * 2_000;
        lab.client(
            at,
            CLIENT,
            req(100 + i, MessageType::REQUEST)
                .option_ip(opt::REQUESTED_IP, Ipv4Addr::new(172, 16, 0, 1)),
        );
        lab.server(
            at + 1,
            SERVER,
            SERVER_MAC,
            Ipv4Addr::BROADCAST,
            reply(100 + i, MessageType::NAK, SERVER),
        );
    }
    let a = lab.finish();
    assert!(finding(&a, "nak-storm").message.starts_with("6 NAKs"));
}

#[test]
fn discover_flood() {
    let mut lab = Lab::new(Expectations::default());
    for i in 0..150u32 {
        let mac = [0x02, 0xee, 0, 0, (i >> 8) as u8, i as u8];
        lab.client(
            u64::from(i),
            mac,
            MessageBuilder::request(i, mac).message_type(MessageType::DISCOVER),
        );
    }
    let a = lab.finish();
    assert_eq!(a.clients.len(), 150);
    assert_eq!(finding(&a, "discover-flood").severity, Severity::Critical);
}

#[test]
fn renew_rebind_release_are_classified() {
    let mut lab = Lab::new(Expectations::default());
    let addr = Ipv4Addr::new(10, 0, 1, 9);
    let unicast = UdpEndpoints {
        src_ip: addr,
        dst_ip: SERVER,
        dst_mac: SERVER_MAC,
        ..UdpEndpoints::client_broadcast(CLIENT)
    };
    lab.send(0, unicast, req(1, MessageType::REQUEST).ciaddr(addr));
    lab.server(
        1,
        SERVER,
        SERVER_MAC,
        addr,
        leased(reply(1, MessageType::ACK, SERVER), addr).ciaddr(addr),
    );
    let rebind = UdpEndpoints {
        src_ip: addr,
        ..UdpEndpoints::client_broadcast(CLIENT)
    };
    lab.send(10, rebind, req(2, MessageType::REQUEST).ciaddr(addr));
    lab.server(
        11,
        SERVER,
        SERVER_MAC,
        addr,
        leased(reply(2, MessageType::ACK, SERVER), addr).ciaddr(addr),
    );
    lab.send(
        20,
        unicast,
        req(3, MessageType::RELEASE)
            .ciaddr(addr)
            .option_ip(opt::SERVER_ID, SERVER),
    );
    let a = lab.finish();
    let kinds: Vec<(Kind, Outcome)> = a.clients[0]
        .exchanges
        .iter()
        .map(|e| (e.kind, e.outcome))
        .collect();
    assert_eq!(
        kinds,
        [
            (Kind::Renew, Outcome::Ack),
            (Kind::Rebind, Outcome::Ack),
            (Kind::Release, Outcome::Released)
        ]
    );
    assert!(a.findings.is_empty(), "{:?}", codes(&a));
}

#[test]
fn client_id_alias_joins_a_client_whose_chaddr_changes() {
    let mut lab = Lab::new(Expectations::default());
    let id = [0xff, 1, 2, 3, 4];
    lab.client(
        0,
        CLIENT,
        req(1, MessageType::DISCOVER).option(opt::CLIENT_ID, &id),
    );
    lab.client(
        10,
        OTHER_CLIENT,
        MessageBuilder::request(2, OTHER_CLIENT)
            .message_type(MessageType::DISCOVER)
            .option(opt::CLIENT_ID, &id),
    );
    let a = lab.finish();
    assert_eq!(a.clients.len(), 1);
    assert_eq!(a.clients[0].other_chaddrs, vec![OTHER_CLIENT.to_vec()]);
    assert_eq!(a.clients[0].exchanges.len(), 2);
}

#[test]
fn reply_with_another_clients_xid_is_a_chaddr_mismatch() {
    let mut lab = Lab::new(Expectations::default());
    lab.client(
        0,
        OTHER_CLIENT,
        MessageBuilder::request(0x55, OTHER_CLIENT).message_type(MessageType::DISCOVER),
    );
    let addr = Ipv4Addr::new(10, 0, 1, 9);
    lab.server(
        1,
        SERVER,
        SERVER_MAC,
        addr,
        leased(reply(0x55, MessageType::OFFER, SERVER), addr),
    );
    let a = lab.finish();
    assert!(codes(&a).contains(&"chaddr-mismatch"), "{:?}", codes(&a));
}

#[test]
fn memory_is_bounded_per_client() {
    let mut lab = Lab::new(Expectations::default());
    for i in 0..(MAX_EXCHANGES_PER_CLIENT as u32 + 10) {
        lab.client(
            u64::from(i) * 20,
            CLIENT,
            req(i, MessageType::INFORM).ciaddr(Ipv4Addr::new(10, 0, 0, 5)),
        );
    }
    let a = lab.finish();
    assert_eq!(a.clients[0].exchanges.len(), MAX_EXCHANGES_PER_CLIENT);
    assert_eq!(a.clients[0].exchanges_dropped, 10);
}

#[test]
fn every_rule_has_a_distinct_code() {
    let mut seen: Vec<&str> = findings::ALL_RULES.iter().map(|r| r.code).collect();
    let n = seen.len();
    seen.sort();
    seen.dedup();
    assert_eq!(seen.len(), n);
}

const RELAY_DOWN: Ipv4Addr = Ipv4Addr::new(10, 1, 0, 1);
const RELAY_UP: Ipv4Addr = Ipv4Addr::new(10, 2, 0, 1);
const RELAY_DOWN_MAC: [u8; 6] = [0x02, 0x67, 0, 0, 0, 1];
const RELAY_UP_MAC: [u8; 6] = [0x02, 0x67, 0, 0, 0, 2];
const RELAYED_SERVER: Ipv4Addr = Ipv4Addr::new(10, 2, 0, 2);

/// One relayed DORA as dhcrelay puts it on the wire, either leg optional: client ⇄ relay
/// (port 68 ⇄ 67) and relay ⇄ server (67 ⇄ 67, giaddr set). The server answers 2 ms after
/// the relayed request; the relay forwards each message 1 ms after it receives it.
fn relayed_dora(client_leg: bool, server_leg: bool) -> Analysis {
    let mut lab = Lab::new(Expectations::default());
    let addr = Ipv4Addr::new(10, 1, 0, 111);
    let up = |src_mac, src_ip, dst_ip| UdpEndpoints {
        src_mac,
        dst_mac: [0x02, 0x53, 0, 0, 0, 1],
        src_ip,
        dst_ip,
        src_port: 67,
        dst_port: 67,
    };
    let to_client = UdpEndpoints::server_reply(RELAY_DOWN_MAC, RELAY_DOWN, CLIENT, addr);
    for (at, request, answer) in [
        (0, MessageType::DISCOVER, MessageType::OFFER),
        (100, MessageType::REQUEST, MessageType::ACK),
    ] {
        let mut r = req(8, request);
        if request == MessageType::REQUEST {
            r = r
                .option_ip(opt::REQUESTED_IP, addr)
                .option_ip(opt::SERVER_ID, RELAYED_SERVER);
        }
        let reply = leased(reply(8, answer, RELAYED_SERVER), addr)
            .hops(1)
            .giaddr(RELAY_DOWN);
        if client_leg {
            lab.client(at, CLIENT, r.clone());
        }
        if server_leg {
            lab.send(
                at + 1,
                up(RELAY_UP_MAC, RELAY_UP, RELAYED_SERVER),
                r.hops(1).giaddr(RELAY_DOWN),
            );
            let mut server = up(SERVER_MAC, RELAYED_SERVER, RELAY_DOWN);
            server.dst_mac = RELAY_UP_MAC;
            lab.send(at + 3, server, reply.clone());
        }
        if client_leg {
            lab.send(at + 4, to_client, reply);
        }
    }
    lab.finish()
}

#[test]
fn relayed_replies_count_once_and_the_relay_is_not_the_server() {
    for (client_leg, server_leg) in [(true, true), (true, false), (false, true)] {
        let a = relayed_dora(client_leg, server_leg);
        let what = format!("client leg {client_leg}, server leg {server_leg}");
        assert_eq!(a.servers.len(), 1, "{what}");
        let s = &a.servers[0];
        assert_eq!(s.id, RELAYED_SERVER, "{what}");
        assert_eq!((s.offers, s.acks), (1, 1), "{what}");
        assert_eq!(s.relays, [RELAY_DOWN], "{what}");
        assert!(!s.ips.contains(&RELAY_DOWN), "{what}: {:?}", s.ips);
        assert!(!s.macs.contains(&RELAY_DOWN_MAC), "{what}: {:?}", s.macs);
        if server_leg {
            assert_eq!(s.macs, [SERVER_MAC], "{what}");
            assert_eq!(s.ips, [RELAYED_SERVER], "{what}");
        }
        // Latency: the server's own (2 ms) when its leg was captured, else what the client
        // saw end to end (4 ms).
        let want = if server_leg { 2.0 } else { 4.0 };
        assert_eq!(s.latencies_ms.count(), 2, "{what}");
        assert_eq!(s.latency_summary(), Some((want, want)), "{what}");
        let e = &a.clients[0].exchanges[0];
        assert_eq!((e.kind, e.outcome), (Kind::Dora, Outcome::Ack), "{what}");
        assert_eq!(e.offers.len(), 1, "{what}");
        assert_eq!(e.offers[0].latency_ms, Some(want), "{what}");
        assert!(
            !codes(&a).contains(&"giaddr-mismatch"),
            "{what}: {:?}",
            codes(&a)
        );
    }
}

#[test]
fn a_routed_copy_on_another_segment_is_not_a_retransmission() {
    let mut lab = Lab::new(Expectations::default());
    let leased_ip = Ipv4Addr::new(10, 1, 0, 111);
    let release = req(9, MessageType::RELEASE)
        .ciaddr(leased_ip)
        .option_ip(opt::SERVER_ID, RELAYED_SERVER);
    let mut ends = UdpEndpoints::client_broadcast(CLIENT);
    ends.src_ip = leased_ip;
    ends.dst_ip = RELAYED_SERVER;
    lab.send(0, ends, release.clone());
    // The same datagram routed onto the server's segment: the router's MAC.
    ends.src_mac = RELAY_UP_MAC;
    lab.send(1, ends, release.clone());
    // A real retransmission by the client 3 s later folds into the first record.
    ends.src_mac = CLIENT;
    lab.send(3_000, ends, release);
    let a = lab.finish();
    let e = &a.clients[0].exchanges[0];
    assert_eq!((e.kind, e.outcome), (Kind::Release, Outcome::Released));
    assert_eq!(e.retransmissions, 1);
    let legs: Vec<(Option<[u8; 6]>, u32)> = e
        .messages
        .iter()
        .map(|m| (m.src_mac(), m.retransmissions))
        .collect();
    assert_eq!(legs, [(Some(CLIENT), 1), (Some(RELAY_UP_MAC), 0)]);
}

#[test]
fn bootreply_answers_a_bootrequest() {
    let mut lab = Lab::new(Expectations::default());
    let addr = Ipv4Addr::new(10, 0, 0, 121);
    lab.client(0, CLIENT, MessageBuilder::request(2, CLIENT));
    lab.server(
        1,
        SERVER,
        SERVER_MAC,
        addr,
        MessageBuilder::reply(2, CLIENT).yiaddr(addr),
    );
    let a = lab.finish();
    let e = &a.clients[0].exchanges[0];
    assert_eq!(
        (e.kind, e.outcome, e.address),
        (Kind::Bootp, Outcome::Ack, Some(addr))
    );
    assert_eq!(a.clients[0].last_address(), Some(addr));
    assert!(!codes(&a).contains(&"no-answer"), "{:?}", codes(&a));
}

#[test]
fn finish_mid_stream_does_not_split_an_exchange() {
    let mut lab = Lab::new(Expectations::default());
    let addr = Ipv4Addr::new(10, 0, 1, 9);
    lab.client(0, CLIENT, req(7, MessageType::DISCOVER));
    lab.server(
        1,
        SERVER,
        SERVER_MAC,
        addr,
        leased(reply(7, MessageType::OFFER, SERVER), addr),
    );
    // A live view draws now: the exchange is settled for the moment...
    lab.analysis.finish();
    assert_eq!(
        lab.analysis.clients[0].exchanges[0].outcome,
        Outcome::Incomplete
    );
    // ...and the rest of the DORA still joins it.
    lab.client(
        10,
        CLIENT,
        req(7, MessageType::REQUEST)
            .option_ip(opt::REQUESTED_IP, addr)
            .option_ip(opt::SERVER_ID, SERVER),
    );
    lab.server(
        12,
        SERVER,
        SERVER_MAC,
        addr,
        leased(reply(7, MessageType::ACK, SERVER), addr),
    );
    let a = lab.finish();
    let kinds: Vec<(Kind, Outcome)> = a.clients[0]
        .exchanges
        .iter()
        .map(|e| (e.kind, e.outcome))
        .collect();
    assert_eq!(kinds, [(Kind::Dora, Outcome::Ack)]);
}

#[test]
fn relayed_request_with_ciaddr_is_a_rebind() {
    let mut lab = Lab::new(Expectations::default());
    let addr = Ipv4Addr::new(10, 1, 0, 9);
    let relay = Ipv4Addr::new(10, 1, 0, 1);
    // Captured on the server side: the relay unicasts it from port 67.
    let relayed = UdpEndpoints {
        src_ip: relay,
        dst_ip: SERVER,
        src_port: 67,
        dst_mac: SERVER_MAC,
        ..UdpEndpoints::client_broadcast([0x02, 0x67, 0, 0, 0, 1])
    };
    lab.send(
        0,
        relayed,
        req(1, MessageType::REQUEST)
            .ciaddr(addr)
            .giaddr(relay)
            .hops(1),
    );
    let a = lab.finish();
    assert_eq!(a.clients[0].exchanges[0].kind, Kind::Rebind);
}

#[test]
fn a_request_whose_offer_was_not_captured_is_no_answer_not_no_offer() {
    let mut lab = Lab::new(Expectations::default());
    let addr = Ipv4Addr::new(10, 0, 1, 9);
    for at in [0u64, 4_000] {
        lab.client(
            at,
            CLIENT,
            req(2, MessageType::REQUEST)
                .option_ip(opt::REQUESTED_IP, addr)
                .option_ip(opt::SERVER_ID, SERVER),
        );
    }
    let a = lab.finish();
    assert_eq!(a.clients[0].exchanges[0].outcome, Outcome::NoAnswer);
    assert!(!codes(&a).contains(&"no-offer"), "{:?}", codes(&a));
    assert!(codes(&a).contains(&"no-answer"));
}

#[test]
fn single_unanswered_messages_and_init_reboot_silence_are_not_findings() {
    let mut lab = Lab::new(Expectations::default());
    // A roaming client's INIT-REBOOT gets silence by design (RFC 2131 §4.3.2), retried or not.
    let stale = Ipv4Addr::new(10, 0, 0, 200);
    lab.client(
        0,
        CLIENT,
        req(1, MessageType::REQUEST).option_ip(opt::REQUESTED_IP, stale),
    );
    lab.client(
        4_000,
        CLIENT,
        req(1, MessageType::REQUEST).option_ip(opt::REQUESTED_IP, stale),
    );
    // One DISCOVER from another client, then nothing for 30 s.
    lab.client(
        5_000,
        OTHER_CLIENT,
        MessageBuilder::request(9, OTHER_CLIENT).message_type(MessageType::DISCOVER),
    );
    lab.client(
        35_000,
        CLIENT,
        req(3, MessageType::INFORM).ciaddr(Ipv4Addr::new(10, 0, 0, 5)),
    );
    lab.server(
        35_001,
        SERVER,
        SERVER_MAC,
        Ipv4Addr::new(10, 0, 0, 5),
        reply(3, MessageType::ACK, SERVER),
    );
    let a = lab.finish();
    let c = codes(&a);
    assert!(
        !c.contains(&"no-answer") && !c.contains(&"no-offer"),
        "{c:?}"
    );
    assert_eq!(a.clients[1].exchanges[0].outcome, Outcome::NoOffer);
}

#[test]
fn bootp_vendor_options_are_not_malformed() {
    let mut lab = Lab::new(Expectations::default());
    // RFC 1497 vendor options, no option 53: a healthy BOOTP client.
    lab.client(
        0,
        CLIENT,
        MessageBuilder::request(1, CLIENT).option(opt::HOSTNAME, b"printer"),
    );
    let a = lab.finish();
    assert!(!codes(&a).contains(&"malformed-request"), "{:?}", codes(&a));
    assert_eq!(a.clients[0].exchanges[0].kind, Kind::Bootp);
}

#[test]
fn nak_may_carry_vendor_class_but_not_sname() {
    let mut lab = Lab::new(Expectations::default());
    lab.client(
        0,
        CLIENT,
        req(1, MessageType::REQUEST).option_ip(opt::REQUESTED_IP, Ipv4Addr::new(172, 16, 0, 1)),
    );
    lab.server(
        1,
        SERVER,
        SERVER_MAC,
        Ipv4Addr::BROADCAST,
        reply(1, MessageType::NAK, SERVER)
            .broadcast(true)
            .option(opt::VENDOR_CLASS, b"vendor"),
    );
    let clean = lab.finish();
    assert!(
        !codes(&clean).contains(&"nak-with-config"),
        "{:?}",
        codes(&clean)
    );

    let mut lab = Lab::new(Expectations::default());
    lab.client(
        0,
        CLIENT,
        req(1, MessageType::REQUEST).option_ip(opt::REQUESTED_IP, Ipv4Addr::new(172, 16, 0, 1)),
    );
    lab.server(
        1,
        SERVER,
        SERVER_MAC,
        Ipv4Addr::BROADCAST,
        reply(1, MessageType::NAK, SERVER)
            .broadcast(true)
            .sname(b"boot-server"),
    );
    let a = lab.finish();
    assert!(finding(&a, "nak-with-config").message.contains("sname set"));
}

#[test]
fn expected_subnets_judge_every_address_and_give_no_verdict_without_any() {
    let e = Expectations {
        subnets: vec!["10.0.0.0/16".parse().unwrap()],
        ..Expectations::default()
    };
    let mut lab = Lab::new(e);
    // A server that only NAKs hands out nothing: subnets alone cannot judge it.
    lab.client(
        0,
        CLIENT,
        req(1, MessageType::REQUEST).option_ip(opt::REQUESTED_IP, Ipv4Addr::new(10, 0, 1, 1)),
    );
    lab.server(
        1,
        ROGUE,
        ROGUE_MAC,
        Ipv4Addr::BROADCAST,
        reply(1, MessageType::NAK, ROGUE).broadcast(true),
    );
    // The legit server's ninth address is outside: every address counts, not a sample.
    for i in 0..9u32 {
        let mac = [0x02, 0x20, 0, 0, 0, i as u8];
        let addr = if i == 8 {
            Ipv4Addr::new(172, 20, 0, 8)
        } else {
            Ipv4Addr::new(10, 0, 1, i as u8 + 10)
        };
        let xid = 100 + i;
        lab.client(
            10 + u64::from(i) * 10,
            mac,
            MessageBuilder::request(xid, mac).message_type(MessageType::DISCOVER),
        );
        lab.send(
            11 + u64::from(i) * 10,
            UdpEndpoints::server_reply(SERVER_MAC, SERVER, mac, addr),
            leased(
                MessageBuilder::reply(xid, mac)
                    .message_type(MessageType::OFFER)
                    .option_ip(opt::SERVER_ID, SERVER),
                addr,
            ),
        );
    }
    let a = lab.finish();
    let verdicts: Vec<(Ipv4Addr, Option<bool>)> =
        a.servers.iter().map(|s| (s.id, s.expected)).collect();
    assert_eq!(verdicts, [(ROGUE, None), (SERVER, Some(false))]);
}

#[test]
fn leasequery_is_not_a_client_exchange() {
    let mut lab = Lab::new(Expectations::default());
    lab.client(
        0,
        CLIENT,
        req(1, MessageType(10)).ciaddr(Ipv4Addr::new(10, 0, 0, 9)),
    );
    lab.server(
        1,
        SERVER,
        SERVER_MAC,
        Ipv4Addr::new(10, 0, 0, 2),
        MessageBuilder::reply(1, OTHER_CLIENT)
            .message_type(MessageType(13))
            .option_ip(opt::SERVER_ID, SERVER),
    );
    let a = lab.finish();
    assert!(a.clients.is_empty());
    assert!(a.findings.is_empty(), "{:?}", codes(&a));
}

#[test]
fn indexes_stay_bounded_when_one_client_sends_endless_xids() {
    let mut lab = Lab::new(Expectations::default());
    let n = PRUNE_EVERY as u64 * 2;
    for i in 0..n {
        // One DISCOVER per 10 ms, each with a new xid.
        lab.client(i * 10, CLIENT, req(i as u32, MessageType::DISCOVER));
    }
    let a = lab.finish();
    // Only the last ~70 s of xids can still be joined: 7 000 at this rate, plus one prune period.
    let bound = 7_000 + PRUNE_EVERY as usize;
    assert!(a.open.len() <= bound, "open index holds {}", a.open.len());
    assert!(
        a.by_xid.len() <= bound,
        "xid index holds {}",
        a.by_xid.len()
    );
    assert_eq!(a.clients[0].exchanges.len(), MAX_EXCHANGES_PER_CLIENT);
}

#[test]
fn several_servers_are_a_finding_per_segment_only() {
    // One server per VLAN on a trunk: healthy. A second server on VLAN 10: suspicious.
    let run = |second_vlan: u16| {
        let mut lab = Lab::new(Expectations::default());
        for (i, (vlan, ip, mac)) in [(10u16, SERVER, SERVER_MAC), (second_vlan, ROGUE, ROGUE_MAC)]
            .into_iter()
            .enumerate()
        {
            let client = [0x02, 0x10, 0, 0, 1, i as u8];
            let xid = 40 + i as u32;
            let addr = Ipv4Addr::new(10, 0, vlan as u8, 10);
            lab.send_tagged(
                0,
                &[vlan],
                UdpEndpoints::client_broadcast(client),
                MessageBuilder::request(xid, client).message_type(MessageType::DISCOVER),
            );
            lab.send_tagged(
                1,
                &[vlan],
                UdpEndpoints::server_reply(mac, ip, client, addr),
                leased(
                    MessageBuilder::reply(xid, client)
                        .message_type(MessageType::OFFER)
                        .option_ip(opt::SERVER_ID, ip),
                    addr,
                ),
            );
        }
        lab.finish()
    };
    assert!(
        !codes(&run(20)).contains(&"multiple-servers"),
        "{:?}",
        codes(&run(20))
    );
    let same = run(10);
    assert!(
        finding(&same, "multiple-servers")
            .message
            .contains("VLAN 10")
    );
}

proptest::proptest! {
    /// The one-pass option reader finds what `Message`'s accessors find, repeated and
    /// badly sized options included.
    #[test]
    fn options_in_one_pass_equal_the_accessors(
        opts in proptest::collection::vec(
            (
                proptest::sample::select(vec![12u8, 50, 51, 53, 54, 60, 61, 3, 43]),
                proptest::collection::vec(proptest::num::u8::ANY, 0..6),
            ),
            0..10,
        )
    ) {
        let mut b = MessageBuilder::request(1, [2, 0, 0, 0, 0, 1]);
        for (code, data) in &opts {
            b = b.option(*code, data);
        }
        let bytes = b.build();
        let m = Message::decode(&bytes);
        let o = Options::of(&m);
        proptest::prop_assert_eq!(o.message_type, m.message_type());
        proptest::prop_assert_eq!(o.server_id, m.server_id());
        proptest::prop_assert_eq!(o.requested_ip, m.requested_ip());
        proptest::prop_assert_eq!(o.lease_time, m.lease_time());
        proptest::prop_assert_eq!(o.client_id, m.first_option(opt::CLIENT_ID));
        proptest::prop_assert_eq!(o.hostname, m.first_option(opt::HOSTNAME));
        proptest::prop_assert_eq!(o.vendor_class, m.first_option(opt::VENDOR_CLASS));
        // What client_for uses: the first part unless the option was split.
        let used = if o.client_id_split {
            m.client_id()
        } else {
            o.client_id.map(std::borrow::Cow::Borrowed)
        };
        proptest::prop_assert_eq!(used, m.client_id());
    }
}
