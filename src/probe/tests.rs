//! Every probe mode and verdict through the fake link: no root, no network, no sleeping.
//! Each test checks the verdict's code, its severity and the exit status.

use super::fake::{Answer, FakeLink, FakeServer, T0};
use super::link::{Link, after};
use super::*;
use crate::analysis::{Expectations, Severity};
use crate::dhcp::Message;
use crate::dhcp::options::{self as opt, MessageType};
use crate::frame::{Decoded, FrameDecoder};
use crate::source::{RawFrame, linktype};
use crate::time::Timestamp;
use std::net::Ipv4Addr;
use std::time::Duration;

const LEGIT: Ipv4Addr = Ipv4Addr::new(10, 0, 0, 1);
const LEGIT_MAC: [u8; 6] = [0x02, 0x53, 0, 0, 0, 1];
const LEGIT_POOL: Ipv4Addr = Ipv4Addr::new(10, 0, 0, 140);
const ROGUE: Ipv4Addr = Ipv4Addr::new(192, 168, 66, 1);
const ROGUE_MAC: [u8; 6] = [0x02, 0xba, 0xdb, 0xad, 0xba, 0xd1];
const ROGUE_POOL: Ipv4Addr = Ipv4Addr::new(192, 168, 66, 17);

fn legit() -> FakeServer {
    FakeServer::new(LEGIT, LEGIT_MAC, LEGIT_POOL)
}

fn rogue() -> FakeServer {
    FakeServer::new(ROGUE, ROGUE_MAC, ROGUE_POOL)
}

fn expecting(servers: &[&str]) -> Expectations {
    Expectations {
        servers: servers.iter().map(|s| s.parse().unwrap()).collect(),
        ..Expectations::default()
    }
}

/// A plan for `modes`, expecting the legitimate server.
fn plan(modes: &[Mode]) -> Plan {
    let mut p = Plan::new("fake0", expecting(&["10.0.0.1"]));
    p.modes = modes.to_vec();
    p
}

/// One round on a segment with `servers`.
struct Round {
    verdict: Verdict,
    log: RoundLog,
    link: FakeLink,
}

fn round_on(plan: Plan, link: FakeLink) -> Round {
    let plan = plan.validate().unwrap();
    let mut session = Session::new(plan, link);
    let log = session.run_round().unwrap();
    let verdict = verdict::judge(&session.plan, &log);
    Round {
        verdict,
        log,
        link: session.link().clone(),
    }
}

fn round(plan: Plan, servers: Vec<FakeServer>) -> Round {
    round_on(plan, FakeLink::new(servers))
}

impl Round {
    /// The verdict's status and the exit code it maps to.
    fn assert_status(&self, status: Status, exit: u8) {
        assert_eq!(self.verdict.status, status, "{:#?}", self.verdict);
        assert_eq!(self.verdict.status.exit_code(), exit);
    }

    /// The finding with `code`, of `severity`.
    fn finding(&self, code: &str, severity: Severity) -> &crate::analysis::Finding {
        let f = self
            .verdict
            .finding(code)
            .unwrap_or_else(|| panic!("no {code}: {:#?}", self.verdict.findings));
        assert_eq!(f.severity, severity, "{f:?}");
        f
    }

    fn lacks(&self, code: &str) {
        assert!(
            self.verdict.finding(code).is_none(),
            "unexpected {code}: {:#?}",
            self.verdict.findings
        );
    }

    /// No finding of warning or worse.
    fn clean(&self) {
        let bad: Vec<_> = self
            .verdict
            .findings
            .iter()
            .filter(|f| f.severity > Severity::Info)
            .collect();
        assert!(bad.is_empty(), "{bad:#?}");
    }

    /// The types of the frames sent, in order.
    fn sent_types(&self) -> Vec<MessageType> {
        self.log.sent.iter().map(|s| s.msg_type).collect()
    }

    /// The times the fake link saw frames leave.
    fn send_times(&self) -> Vec<Timestamp> {
        self.link.sent.iter().map(|s| s.ts).collect()
    }
}

/// What a frame we sent says.
struct Decoded1 {
    msg_type: Option<MessageType>,
    xid: u32,
    secs: u16,
    ciaddr: Ipv4Addr,
    giaddr: Ipv4Addr,
    requested_ip: Option<Ipv4Addr>,
    server_id: Option<Ipv4Addr>,
    options: Vec<u8>,
    relay_info: Option<Vec<u8>>,
    dst_mac: [u8; 6],
    src_mac: Option<[u8; 6]>,
    dst_ip: Ipv4Addr,
    ports: (u16, u16),
}

fn decode(frame: &[u8]) -> Decoded1 {
    let raw = RawFrame {
        number: 1,
        ts: T0,
        ts_digits: 9,
        linktype: linktype::ETHERNET,
        orig_len: frame.len() as u32,
        data: frame,
    };
    let mut dec = FrameDecoder::new();
    let Decoded::Udp(udp) = dec.decode(&raw) else {
        panic!("not UDP")
    };
    let m = Message::decode(udp.payload);
    Decoded1 {
        msg_type: m.message_type(),
        xid: m.xid,
        secs: m.secs,
        ciaddr: m.ciaddr,
        giaddr: m.giaddr,
        requested_ip: m.requested_ip(),
        server_id: m.server_id(),
        options: m.options.iter().map(|o| o.code).collect(),
        relay_info: m.first_option(opt::RELAY_AGENT).map(<[u8]>::to_vec),
        dst_mac: frame[..6].try_into().unwrap(),
        src_mac: udp.src_mac,
        dst_ip: udp.dst_ip,
        ports: (udp.src_port, udp.dst_port),
    }
}

fn ms(a: Timestamp, b: Timestamp) -> f64 {
    b.millis_since(a)
}

// ------------------------------------------------------------------ discover --

#[test]
fn discover_with_a_rogue_is_critical_naming_it() {
    let r = round(plan(&[Mode::Discover]), vec![legit(), rogue()]);
    r.assert_status(Status::Critical, 2);
    let f = r.finding("unexpected-server", Severity::Critical);
    assert_eq!(f.server, Some(ROGUE));
    assert!(
        r.verdict.summary.starts_with(
            "unexpected server 192.168.66.1 (02:ba:db:ad:ba:d1) offered 192.168.66.17"
        ),
        "{}",
        r.verdict.summary
    );
    let line = r.verdict.status_line();
    assert!(line.starts_with("DHCP CRITICAL - "), "{line}");
    assert!(
        line.contains("| servers=2 offers=2 acks=0 naks=0 sent=1"),
        "{line}"
    );
    let expected: Vec<(Ipv4Addr, Option<bool>)> = r
        .verdict
        .servers
        .iter()
        .map(|s| (s.id, s.expected))
        .collect();
    assert_eq!(expected, [(LEGIT, Some(true)), (ROGUE, Some(false))]);
    assert_eq!(r.verdict.servers[1].macs, [ROGUE_MAC]);
    assert_eq!(r.verdict.servers[1].offered, [ROGUE_POOL]);
    assert!(r.verdict.silent_expected.is_empty());
    assert_eq!(r.sent_types(), [MessageType::DISCOVER]);
}

#[test]
fn discover_answered_only_by_the_expected_server_is_ok() {
    let r = round(plan(&[Mode::Discover]), vec![legit()]);
    r.assert_status(Status::Ok, 0);
    r.clean();
    r.lacks("unexpected-server");
    assert_eq!(
        r.verdict.summary,
        "1 server answered: 10.0.0.1 (02:53:00:00:00:01) offered 10.0.0.140"
    );
    // Latency from the capture's copy of our DISCOVER (20 µs after sending) to the OFFER.
    let l = r.verdict.replies[0].latency_ms.unwrap();
    assert!((l - 1.98).abs() < 1e-6, "{l}");
    assert!(r.log.sent[0].seen_by_capture);
    // The DISCOVER asks for a broadcast answer, with the documented options.
    let d = decode(&r.link.sent[0].frame);
    assert_eq!(d.options, [53, 55]);
    assert_eq!(d.dst_ip, Ipv4Addr::BROADCAST);
}

#[test]
fn silence_is_critical_and_the_expected_server_is_listed_silent() {
    let r = round(plan(&[Mode::Discover]), vec![]);
    r.assert_status(Status::Critical, 2);
    let f = r.finding("no-answer", Severity::Critical);
    assert_eq!(f.message, "no DHCP server answered (1 packet sent)");
    assert_eq!(r.verdict.silent_expected, ["10.0.0.1"]);
    // Silent while nobody answered is no-answer, not expected-server-silent.
    r.lacks("expected-server-silent");
    assert!(r.verdict.replies.is_empty());
}

#[test]
fn an_expected_server_silent_while_another_answers_is_a_warning() {
    let mut p = plan(&[Mode::Discover]);
    p.expectations = expecting(&["10.0.0.1", "10.0.0.2"]);
    let r = round(p, vec![legit()]);
    r.assert_status(Status::Warning, 1);
    let f = r.finding("expected-server-silent", Severity::Warning);
    assert_eq!(f.message, "expected server 10.0.0.2 did not answer");
    assert_eq!(r.verdict.silent_expected, ["10.0.0.2"]);
    r.lacks("no-answer");
}

#[test]
fn a_slow_server_is_a_warning_and_a_prompt_one_is_not() {
    let slow = legit().delay(Duration::from_millis(1500));
    let r = round(plan(&[Mode::Discover]), vec![slow]);
    r.assert_status(Status::Warning, 1);
    let f = r.finding("slow-reply", Severity::Warning);
    assert_eq!(f.server, Some(LEGIT));
    let l = r.verdict.servers[0].latency_ms.unwrap();
    assert!((1499.0..1500.0).contains(&l), "{l}");

    let prompt = legit().delay(Duration::from_millis(900));
    let r = round(plan(&[Mode::Discover]), vec![prompt]);
    r.assert_status(Status::Ok, 0);
    r.lacks("slow-reply");
}

#[test]
fn a_server_slower_than_the_wait_is_silence() {
    let r = round(
        plan(&[Mode::Discover]),
        vec![legit().delay(Duration::from_millis(3500))],
    );
    r.assert_status(Status::Critical, 2);
    r.finding("no-answer", Severity::Critical);
}

#[test]
fn answers_without_an_offer_to_the_discover_are_no_offer() {
    // A reply to our MAC that is not an OFFER (and not to our xid).
    let link = stray_ack(Duration::from_millis(5));
    let r = round_on(plan(&[Mode::Discover]), link);
    r.assert_status(Status::Warning, 1);
    r.finding("no-offer", Severity::Warning);
    assert_eq!(r.verdict.replies[0].mode, None);
    assert!(r.verdict.replies[0].chaddr_matches && !r.verdict.replies[0].xid_matches);
}

// ------------------------------------------------------------------- request --

#[test]
fn request_naming_a_bogus_server_is_ok_when_nobody_answers() {
    let r = round(plan(&[Mode::Request]), vec![legit()]);
    r.assert_status(Status::Ok, 0);
    r.lacks("unselected-server-replied");
    r.lacks("no-answer");
    assert_eq!(r.verdict.summary, "no reply (none expected)");
    let d = decode(&r.link.sent[0].frame);
    assert_eq!(d.msg_type, Some(MessageType::REQUEST));
    assert_eq!(d.server_id, Some(craft::BOGUS_SERVER_ID));
    assert_eq!(d.requested_ip, Some(craft::WRONG_SUBNET_IP));
}

#[test]
fn a_server_answering_a_request_for_another_server_is_a_warning() {
    let mut rude = legit();
    rude.unselected = Answer::Ack;
    let r = round(plan(&[Mode::Request]), vec![rude]);
    r.assert_status(Status::Warning, 1);
    let f = r.finding("unselected-server-replied", Severity::Warning);
    assert_eq!(f.server, Some(LEGIT));
    assert_eq!(f.frames, [r.verdict.replies[0].frame]);
    assert!(
        f.message.contains("10.0.0.1 answered ACK")
            && f.message.contains("REQUEST for server 10.254.254.254"),
        "{}",
        f.message
    );
}

// ------------------------------------------------------ init-reboot, rebind --

#[test]
fn init_reboot_nak_from_an_authoritative_server_is_ok() {
    let r = round(plan(&[Mode::InitReboot]), vec![legit().authoritative()]);
    r.assert_status(Status::Ok, 0);
    r.lacks("no-nak");
    r.lacks("acked-wrong-subnet");
    assert_eq!(r.verdict.replies[0].msg_type, Some(MessageType::NAK));
    assert_eq!(r.verdict.servers[0].naks, 1);
    let d = decode(&r.link.sent[0].frame);
    assert_eq!(
        (d.requested_ip, d.server_id, d.ciaddr),
        (Some(craft::WRONG_SUBNET_IP), None, Ipv4Addr::UNSPECIFIED)
    );
}

#[test]
fn init_reboot_acked_for_a_wrong_subnet_is_a_warning_and_no_nak() {
    let mut wrong = legit();
    wrong.foreign = Answer::Ack;
    let r = round(plan(&[Mode::InitReboot]), vec![wrong]);
    r.assert_status(Status::Warning, 1);
    let f = r.finding("acked-wrong-subnet", Severity::Warning);
    assert_eq!(f.server, Some(LEGIT));
    assert!(
        f.message
            .contains("ACKed an INIT-REBOOT for 172.31.254.254"),
        "{}",
        f.message
    );
    let f = r.finding("no-nak", Severity::Info);
    assert!(f.message.contains("INIT-REBOOT"), "{}", f.message);
}

#[test]
fn init_reboot_to_silence_is_critical() {
    let r = round(plan(&[Mode::InitReboot]), vec![legit()]);
    r.assert_status(Status::Critical, 2);
    r.finding("no-answer", Severity::Critical);
    // no-nak needs an answer to judge.
    r.lacks("no-nak");
}

#[test]
fn rebind_from_a_foreign_address() {
    let r = round(plan(&[Mode::Rebind]), vec![legit().authoritative()]);
    r.assert_status(Status::Ok, 0);
    let d = decode(&r.link.sent[0].frame);
    assert_eq!(d.ciaddr, craft::WRONG_SUBNET_IP);
    assert_eq!(d.requested_ip, None);

    let mut wrong = legit();
    wrong.foreign = Answer::Ack;
    let r = round(plan(&[Mode::Rebind]), vec![wrong]);
    r.assert_status(Status::Warning, 1);
    let f = r.finding("acked-wrong-subnet", Severity::Warning);
    assert!(f.message.contains("ACKed an REBIND"), "{}", f.message);
    r.finding("no-nak", Severity::Info);
}

// -------------------------------------------------------------------- inform --

fn inform_plan() -> Plan {
    let mut p = plan(&[Mode::Inform]);
    p.ciaddr = Some(Ipv4Addr::new(10, 0, 0, 50));
    p
}

#[test]
fn inform_acked_without_address_or_lease_is_ok() {
    let r = round(inform_plan(), vec![legit()]);
    r.assert_status(Status::Ok, 0);
    r.clean();
    let reply = &r.verdict.replies[0];
    assert_eq!(reply.msg_type, Some(MessageType::ACK));
    assert_eq!(
        (reply.yiaddr, reply.lease_time),
        (Ipv4Addr::UNSPECIFIED, None)
    );
    let d = decode(&r.link.sent[0].frame);
    assert_eq!(d.msg_type, Some(MessageType::INFORM));
    assert_eq!(d.ciaddr, Ipv4Addr::new(10, 0, 0, 50));
}

#[test]
fn inform_ack_with_an_address_and_a_lease_is_a_warning() {
    let mut broken = legit();
    broken.inform_with_lease = true;
    let r = round(inform_plan(), vec![broken]);
    r.assert_status(Status::Warning, 1);
    assert_eq!(
        r.finding("inform-ack-yiaddr", Severity::Warning).server,
        Some(LEGIT)
    );
    r.finding("inform-ack-lease-time", Severity::Warning);
    r.lacks("inform-no-ack");
}

#[test]
fn inform_not_acked_is_a_warning_and_silence_is_critical() {
    let mut naks = legit();
    naks.inform = Answer::Nak;
    let r = round(inform_plan(), vec![naks]);
    r.assert_status(Status::Warning, 1);
    let f = r.finding("inform-no-ack", Severity::Warning);
    assert_eq!(f.message, "nobody ACKed the INFORM");

    let mut silent = legit();
    silent.inform = Answer::Silent;
    let r = round(inform_plan(), vec![silent]);
    r.assert_status(Status::Critical, 2);
    r.finding("no-answer", Severity::Critical);
    r.lacks("inform-no-ack");
}

// ---------------------------------------------------------------------- dora --

#[test]
fn dora_leases_then_releases_to_the_server() {
    let r = round(plan(&[Mode::Dora]), vec![legit()]);
    r.assert_status(Status::Ok, 0);
    r.clean();
    assert_eq!(
        r.sent_types(),
        [
            MessageType::DISCOVER,
            MessageType::REQUEST,
            MessageType::RELEASE
        ]
    );
    assert_eq!(r.log.released, [(LEGIT_POOL, LEGIT)]);
    assert_eq!(
        r.verdict.notes,
        ["dora: leased 10.0.0.140 from 10.0.0.1, then released it"]
    );
    let request = decode(&r.link.sent[1].frame);
    assert_eq!(request.server_id, Some(LEGIT));
    assert_eq!(request.requested_ip, Some(LEGIT_POOL));
    // The RELEASE is unicast from the leased address to the server's MAC.
    let release = decode(&r.link.sent[2].frame);
    assert_eq!(release.ciaddr, LEGIT_POOL);
    assert_eq!(release.server_id, Some(LEGIT));
    assert_eq!((release.dst_mac, release.dst_ip), (LEGIT_MAC, LEGIT));
    // It moves on 0.5 s after the first OFFER, not after the whole wait.
    let t = r.send_times();
    assert!((ms(t[0], t[1]) - 502.0).abs() < 1.0, "{t:?}");
}

#[test]
fn dora_nak_is_dora_no_ack_and_still_released() {
    let mut naks = legit();
    naks.selected = Answer::Nak;
    let r = round(plan(&[Mode::Dora]), vec![naks]);
    r.assert_status(Status::Warning, 1);
    let f = r.finding("dora-no-ack", Severity::Warning);
    assert_eq!(f.message, "dora: the REQUEST was not ACKed");
    assert_eq!(r.sent_types().last(), Some(&MessageType::RELEASE));
    assert_eq!(
        r.verdict.notes,
        ["dora: 10.0.0.1 NAKed the REQUEST for 10.0.0.140; released it anyway"]
    );
}

#[test]
fn dora_requests_the_expected_servers_offer_and_waits_past_a_rogue_nak() {
    // The rogue offers first and NAKs the REQUEST for the legitimate server at once; the
    // legitimate server ACKs 200 ms later.
    let mut fast_rogue = rogue().delay(Duration::from_millis(1));
    fast_rogue.unselected = Answer::Nak;
    let slow_legit = legit().delay(Duration::from_millis(200));
    let r = round(plan(&[Mode::Dora]), vec![fast_rogue, slow_legit]);
    let request = decode(&r.link.sent[1].frame);
    assert_eq!(request.server_id, Some(LEGIT));
    assert_eq!(r.log.released, [(LEGIT_POOL, LEGIT)]);
    r.lacks("dora-no-ack");
    // The rogue still makes it CRITICAL.
    r.assert_status(Status::Critical, 2);
    assert_eq!(
        r.finding("unexpected-server", Severity::Critical).server,
        Some(ROGUE)
    );
}

#[test]
fn dora_without_offers_requests_nothing() {
    let r = round(plan(&[Mode::Dora]), vec![]);
    r.assert_status(Status::Critical, 2);
    r.finding("no-answer", Severity::Critical);
    assert_eq!(r.sent_types(), [MessageType::DISCOVER]);
    assert_eq!(r.verdict.notes, ["dora: no OFFER, nothing requested"]);
    assert!(r.log.released.is_empty());
}

#[test]
fn dora_interrupted_after_the_request_still_releases() {
    let mut link = FakeLink::new(vec![legit()]);
    // The REQUEST leaves at 502 ms; Ctrl-C comes before its ACK (504 ms).
    link.interrupt_at = Some(after(T0, Duration::from_millis(503)));
    let r = round_on(plan(&[Mode::Dora]), link);
    assert_eq!(
        r.sent_types(),
        [
            MessageType::DISCOVER,
            MessageType::REQUEST,
            MessageType::RELEASE
        ]
    );
    assert_eq!(
        r.verdict.notes,
        ["dora: requested 10.0.0.140 from 10.0.0.1 (no ACK seen), then released it"]
    );
    // Even interrupted, the RELEASE keeps the rate limit.
    let t = r.send_times();
    assert!(ms(t[1], t[2]) >= 250.0, "{t:?}");
    r.assert_status(Status::Warning, 1);
    r.finding("dora-no-ack", Severity::Warning);

    let mut link = FakeLink::new(vec![legit()]);
    link.interrupt_at = Some(after(T0, Duration::from_millis(100)));
    let r = round_on(plan(&[Mode::Dora]), link);
    assert_eq!(r.sent_types(), [MessageType::DISCOVER]);
    assert_eq!(
        r.verdict.notes,
        ["dora: interrupted before REQUEST, nothing leased"]
    );
}

// ---------------------------------------------------------- release, decline --

#[test]
fn release_goes_unicast_to_the_server_and_expects_nothing() {
    let mut p = plan(&[Mode::Release]);
    p.ciaddr = Some(Ipv4Addr::new(10, 0, 0, 50));
    p.server_id = Some(LEGIT);
    p.server_mac = Some(LEGIT_MAC);
    let r = round(p, vec![legit()]);
    r.assert_status(Status::Ok, 0);
    r.lacks("no-answer");
    assert_eq!(r.verdict.summary, "no reply (none expected)");
    assert_eq!(r.sent_types(), [MessageType::RELEASE]);
    let d = decode(&r.link.sent[0].frame);
    assert_eq!(
        (d.ciaddr, d.server_id),
        (Ipv4Addr::new(10, 0, 0, 50), Some(LEGIT))
    );
    assert_eq!((d.dst_mac, d.dst_ip), (LEGIT_MAC, LEGIT));
}

#[test]
fn decline_names_the_address_and_expects_nothing() {
    let mut p = plan(&[Mode::Decline]);
    p.requested_ip = Some(Ipv4Addr::new(10, 0, 0, 77));
    p.server = Some(LEGIT);
    let r = round(p, vec![legit()]);
    r.assert_status(Status::Ok, 0);
    assert_eq!(r.sent_types(), [MessageType::DECLINE]);
    let d = decode(&r.link.sent[0].frame);
    assert_eq!(d.requested_ip, Some(Ipv4Addr::new(10, 0, 0, 77)));
    assert_eq!(d.server_id, Some(LEGIT));
    assert_eq!(d.dst_ip, Ipv4Addr::BROADCAST);
}

// --------------------------------------------------------------------- relay --

#[test]
fn relay_mode_sends_from_giaddr_with_option_82_and_collects_the_relayed_reply() {
    let mut p = plan(&[Mode::Discover]);
    p.server = Some(LEGIT);
    p.crafting.relay = plan::relay(
        Some(Ipv4Addr::new(10, 1, 0, 1)),
        Some(LEGIT),
        Some("port7"),
        Some("sw1"),
    )
    .unwrap();
    p.server_mac = Some(LEGIT_MAC);
    let r = round(p, vec![legit()]);
    r.assert_status(Status::Ok, 0);
    r.lacks("no-answer");
    let d = decode(&r.link.sent[0].frame);
    assert_eq!(d.giaddr, Ipv4Addr::new(10, 1, 0, 1));
    assert_eq!(d.ports, (67, 67));
    assert_eq!((d.dst_mac, d.dst_ip), (LEGIT_MAC, LEGIT));
    assert_eq!(d.src_mac, Some(fake::FAKE_MAC));
    assert_eq!(d.options.last(), Some(&82));
    assert_eq!(
        d.relay_info.as_deref(),
        Some(&[1, 5, b'p', b'o', b'r', b't', b'7', 2, 3, b's', b'w', b'1'][..])
    );
    let reply = &r.verdict.replies[0];
    assert_eq!(reply.msg_type, Some(MessageType::OFFER));
    assert_eq!(reply.giaddr, Ipv4Addr::new(10, 1, 0, 1));
    assert_eq!(reply.dst_ip, Ipv4Addr::new(10, 1, 0, 1));
    assert!(reply.xid_matches);
}

#[test]
fn relay_replies_from_an_unexpected_server_are_critical() {
    let mut p = plan(&[Mode::Discover]);
    p.server = Some(ROGUE);
    p.crafting.relay =
        plan::relay(Some(Ipv4Addr::new(10, 1, 0, 1)), Some(ROGUE), None, None).unwrap();
    p.server_mac = Some(ROGUE_MAC);
    let r = round(p, vec![rogue()]);
    r.assert_status(Status::Critical, 2);
    assert_eq!(
        r.finding("unexpected-server", Severity::Critical).server,
        Some(ROGUE)
    );
}

// ------------------------------------------------ retries, rate, time, rounds --

#[test]
fn retries_back_off_on_the_fake_clock() {
    let mut p = plan(&[Mode::Discover]);
    p.tries = 3;
    let r = round(p.clone(), vec![]);
    let t = r.send_times();
    assert_eq!(t.len(), 3);
    assert_eq!((ms(t[0], t[1]), ms(t[1], t[2])), (3000.0, 6000.0));
    // The same xid each time, with the seconds elapsed.
    let d: Vec<Decoded1> = r.link.sent.iter().map(|s| decode(&s.frame)).collect();
    assert!(
        d.iter()
            .all(|d| d.xid == d.xid.max(1) && d.xid == r.log.xids[0].0)
    );
    assert_eq!(d.iter().map(|d| d.secs).collect::<Vec<_>>(), [0, 3, 9]);
    r.finding("no-answer", Severity::Critical);
    assert!(
        r.verdict.summary.contains("(3 packets sent)"),
        "{}",
        r.verdict.summary
    );

    // An answer stops the retries; a late answer to the first try counts.
    let r = round(p.clone(), vec![legit()]);
    assert_eq!(r.send_times().len(), 1);
    let r = round(p, vec![legit().delay(Duration::from_millis(4000))]);
    assert_eq!(r.send_times().len(), 2);
    r.assert_status(Status::Warning, 1);
    r.finding("slow-reply", Severity::Warning);
}

#[test]
fn never_more_than_four_frames_per_second() {
    let mut p = plan(&[
        Mode::Discover,
        Mode::Request,
        Mode::InitReboot,
        Mode::Rebind,
        Mode::Dora,
        Mode::Decline,
    ]);
    p.wait = Duration::from_millis(100);
    p.tries = 2;
    p.requested_ip = Some(Ipv4Addr::new(10, 0, 0, 77));
    p.server = Some(LEGIT);
    let r = round(p, vec![legit().authoritative()]);
    let t = r.send_times();
    assert!(t.len() >= 8, "{t:?}");
    for w in t.windows(2) {
        assert!(ms(w[0], w[1]) >= 250.0, "{t:?}");
    }
    // The limit, not the wait, set the pace: some gaps are exactly 250 ms.
    assert!(t.windows(2).any(|w| ms(w[0], w[1]) == 250.0), "{t:?}");
    for (i, start) in t.iter().enumerate() {
        let in_a_second = t[i..]
            .iter()
            .take_while(|x| ms(*start, **x) < 1000.0)
            .count();
        assert!(in_a_second <= 4, "{t:?}");
    }
    assert_eq!(r.verdict.sent, t.len());
}

#[test]
fn without_the_captures_copy_the_send_clock_times_the_request() {
    let mut link = FakeLink::new(vec![legit()]);
    link.echo = None;
    let r = round_on(plan(&[Mode::Discover]), link);
    r.assert_status(Status::Ok, 0);
    assert!(!r.log.sent[0].seen_by_capture);
    assert_eq!(r.verdict.replies[0].latency_ms, Some(2.0));
    // The engine saw the DISCOVER too: one exchange, answered.
    let c = &r.log.analysis.clients[0];
    assert_eq!(c.exchanges.len(), 1);
    assert_eq!(c.exchanges[0].messages.len(), 2);
}

fn rounds(n: u32) -> Rounds {
    Rounds {
        count: n,
        interval: Duration::from_secs(60),
    }
}

/// `--count 2`: each round's status line, and the exit status.
fn two_rounds(servers: Vec<FakeServer>) -> (Vec<String>, Status) {
    let p = plan(&[Mode::Discover]).validate().unwrap();
    let mut s = Session::new(p, FakeLink::new(servers));
    let mut out = Vec::new();
    let status = run_rounds(&mut s, rounds(2), Format::Text, &mut out).unwrap();
    // The second round started after the interval, on the fake clock.
    let t: Vec<Timestamp> = s.link().sent.iter().map(|s| s.ts).collect();
    assert!(ms(t[0], t[1]) >= 60_000.0, "{t:?}");
    let text = String::from_utf8(out).unwrap();
    (text.lines().map(str::to_owned).collect(), status)
}

#[test]
fn over_rounds_the_worst_status_wins_not_the_last() {
    // The rogue answers in the first round only.
    let mut rogue_then_gone = rogue();
    rogue_then_gone.until = after(T0, Duration::from_secs(30));
    let (lines, status) = two_rounds(vec![legit(), rogue_then_gone]);
    assert_eq!(lines.len(), 2, "{lines:?}");
    assert!(
        lines[0].starts_with("DHCP CRITICAL - unexpected server 192.168.66.1"),
        "{lines:?}"
    );
    assert!(
        lines[1].starts_with("DHCP OK - 1 server answered"),
        "{lines:?}"
    );
    assert_eq!((status, status.exit_code()), (Status::Critical, 2));

    // … and not the first either.
    let mut slow_later = legit();
    slow_later.until = after(T0, Duration::from_secs(30));
    let mut slow = legit().delay(Duration::from_millis(1500));
    slow.from = after(T0, Duration::from_secs(30));
    let (lines, status) = two_rounds(vec![slow_later, slow]);
    assert!(lines[0].starts_with("DHCP OK"), "{lines:?}");
    assert!(lines[1].starts_with("DHCP WARNING"), "{lines:?}");
    assert_eq!((status, status.exit_code()), (Status::Warning, 1));
}

#[test]
fn json_rounds_carry_status_and_exit_code() {
    let p = plan(&[Mode::Discover]).validate().unwrap();
    let mut s = Session::new(p, FakeLink::new(vec![legit(), rogue()]));
    let mut out = Vec::new();
    let status = run_rounds(&mut s, rounds(1), Format::Json, &mut out).unwrap();
    assert_eq!(status, Status::Critical);
    let j: serde_json::Value = serde_json::from_slice(&out).unwrap();
    assert_eq!(j["status"], "CRITICAL");
    assert_eq!(j["exit_code"], 2);
    assert_eq!(j["sent"], 1);
    assert_eq!(j["replies"].as_array().unwrap().len(), 2);
    assert_eq!(j["servers"][1]["expected"], false);
}

#[test]
fn the_exit_code_policy() {
    let all = [
        Status::Ok,
        Status::Warning,
        Status::Critical,
        Status::Unknown,
    ];
    let codes: Vec<u8> = all.iter().map(|s| s.exit_code()).collect();
    assert_eq!(codes, [0, 1, 2, 3]);
    assert_eq!(Status::of(Severity::Info), Status::Ok);
    assert_eq!(Status::of(Severity::Warning), Status::Warning);
    assert_eq!(Status::of(Severity::Critical), Status::Critical);
    assert_eq!(
        Status::worst([Status::Critical, Status::Ok]),
        Status::Critical
    );
    assert_eq!(
        Status::worst([Status::Ok, Status::Warning]),
        Status::Warning
    );
    assert_eq!(Status::worst([]), Status::Ok);
}

#[test]
fn replies_are_decoded_once_as_captured_and_frames_are_the_captures() {
    let r = round(plan(&[Mode::Discover]), vec![legit(), rogue()]);
    // Our DISCOVER's copy is capture frame 1, the OFFERs 2 and 3.
    let frames: Vec<u64> = r.verdict.replies.iter().map(|r| r.frame).collect();
    assert_eq!(frames, [2, 3]);
    let competing = r.finding("competing-offers", Severity::Warning);
    assert!(
        competing.frames.iter().all(|f| [1, 2, 3].contains(f)),
        "{competing:?}"
    );
    assert_eq!(r.log.analysis.packets, 3);
}

#[test]
fn the_session_waits_on_the_link_clock_only() {
    let p = plan(&[Mode::Discover]).validate().unwrap();
    let mut s = Session::new(p, FakeLink::new(vec![]));
    let started = std::time::Instant::now();
    s.run_round().unwrap();
    assert!(s.pause(Duration::from_secs(3600)).unwrap());
    // An hour and the wait passed on the fake clock, none on the real one.
    assert!(ms(T0, s.link().now()) >= 3_603_000.0);
    assert!(started.elapsed() < Duration::from_secs(2));
}

/// The probe sits below the command line: no clap type and no `crate::cli` under it (or in
/// the TUI's probe form), so there is no `cli` ↔ `probe` cycle.
#[test]
fn the_probe_knows_nothing_of_the_command_line() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = vec![root.join("tui/probe.rs")];
    for e in std::fs::read_dir(root.join("probe")).unwrap() {
        files.push(e.unwrap().path());
    }
    assert!(files.len() > 5, "{files:?}");
    // Split so this file does not match itself.
    let needles = [
        concat!("cl", "ap::"),
        concat!("crate::cli", "::"),
        concat!("crate::{cli", ","),
    ];
    for f in files {
        let text = std::fs::read_to_string(&f).unwrap();
        for n in needles {
            assert!(!text.contains(n), "{} mentions {n}", f.display());
        }
    }
}

/// A reply to our MAC that answers none of our xids, `delay` after the round starts.
fn stray_ack(delay: Duration) -> FakeLink {
    let mut link = FakeLink::new(vec![]);
    let ack = crate::dhcp::MessageBuilder::reply(0x0bad_0002, craft::DEFAULT_MAC)
        .message_type(MessageType::ACK)
        .yiaddr(LEGIT_POOL)
        .option_ip(opt::SERVER_ID, LEGIT)
        .option_u32(opt::LEASE_TIME, 120)
        .build();
    let ends = crate::craft::UdpEndpoints::server_reply(
        LEGIT_MAC,
        LEGIT,
        crate::craft::BROADCAST_MAC,
        Ipv4Addr::BROADCAST,
    );
    link.inject(delay, crate::craft::udp_frame(&ends, &[], &ack));
    link
}

#[test]
fn dora_answered_without_an_offer_is_no_offer() {
    let r = round_on(plan(&[Mode::Dora]), stray_ack(Duration::from_millis(5)));
    r.assert_status(Status::Warning, 1);
    let f = r.finding("no-offer", Severity::Warning);
    assert_eq!(f.message, "dora: nobody OFFERed");
    r.lacks("dora-no-ack");
    assert_eq!(r.sent_types(), [MessageType::DISCOVER]);
}

#[test]
fn a_server_outside_the_expected_subnets_is_unexpected() {
    let mut p = plan(&[Mode::Discover]);
    p.expectations = Expectations {
        subnets: vec!["10.0.0.0/24".parse().unwrap()],
        ..Expectations::default()
    };
    let r = round(p.clone(), vec![rogue()]);
    r.assert_status(Status::Critical, 2);
    assert_eq!(
        r.finding("unexpected-server", Severity::Critical).server,
        Some(ROGUE)
    );
    let r = round(p, vec![legit()]);
    r.assert_status(Status::Ok, 0);
    assert_eq!(r.verdict.servers[0].expected, Some(true));
}

#[test]
fn vlan_tags_and_ether_src_reach_the_wire_and_the_replies_keep_their_tags() {
    let mut p = plan(&[Mode::Discover]);
    p.vlans = vec![100, 10];
    p.ether_src = Some([0x02, 0, 0, 0, 0, 0x33]);
    let r = round(p, vec![legit()]);
    r.assert_status(Status::Ok, 0);
    let f = &r.link.sent[0].frame;
    assert_eq!(&f[6..12], &[0x02, 0, 0, 0, 0, 0x33]);
    assert_eq!(&f[12..14], &[0x88, 0xa8]);
    assert_eq!(decode(f).src_mac, Some([0x02, 0, 0, 0, 0, 0x33]));
    assert_eq!(r.verdict.replies[0].vlans, [100, 10]);
    // chaddr stays the probe's MAC.
    assert!(r.verdict.replies[0].chaddr_matches);
}

#[test]
fn queued_frames_are_dropped_before_a_round_and_the_interface_is_fixed() {
    let p = plan(&[Mode::Discover]).validate().unwrap();
    // Something the capture queued while the session was idle.
    let mut link = stray_ack(Duration::ZERO);
    link.servers.push(legit());
    let mut s = Session::new(p.clone(), link);
    assert_eq!(s.discard_pending(Duration::from_millis(500)).unwrap(), 1);
    assert_eq!(s.link().pending(), 0);
    let log = s.run_round().unwrap();
    assert!(
        log.replies.iter().all(|r| r.xid_matches),
        "{:?}",
        log.replies
    );
    let v = verdict::judge(&s.plan, &log);
    assert_eq!(v.status, Status::Ok);
    let mut other = p;
    other.interface = "eth9".into();
    let e = s.set_plan(other).unwrap_err().to_string();
    assert_eq!(e, "the probe handles are open on fake0, not eth9");
}

#[test]
fn each_request_gets_its_own_xid_and_the_listener_hears_it_first() {
    use std::sync::{Arc, Mutex};
    let p = plan(&[Mode::Discover, Mode::Dora]).validate().unwrap();
    let mut s = Session::new(p, FakeLink::new(vec![legit()]));
    let heard = Arc::new(Mutex::new(Vec::new()));
    let h = heard.clone();
    s.set_xid_listener(Box::new(move |xid, mode| {
        h.lock().unwrap().push((xid, mode))
    }));
    let log = s.run_round().unwrap();
    // discover, dora, and the dora's release.
    assert_eq!(*heard.lock().unwrap(), log.xids);
    let modes: Vec<Mode> = log.xids.iter().map(|(_, m)| *m).collect();
    assert_eq!(modes, [Mode::Discover, Mode::Dora, Mode::Dora]);
    let mut xids: Vec<u32> = log.xids.iter().map(|(x, _)| *x).collect();
    xids.dedup();
    assert_eq!(xids.len(), 3);
    // Every frame sent carries its request's xid.
    for sent in &log.sent {
        assert_eq!(decode(&sent.frame).xid, sent.xid);
    }
}
