//! Findings: server and client misbehaviour detected from traffic, each with a stable code,
//! a severity, the frames that show it and the RFC text behind it.

use super::compact::FastMap;
use super::config::Expectations;
use super::{Client, Exchange, Kind, MessageRecord, Outcome, Server};
use crate::dhcp::options::{self as opt, MessageType, colon_hex};
use crate::dhcp::{Message, Value, Warning};
use crate::time::Timestamp;
use serde::Serialize;
use std::net::Ipv4Addr;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Info,
    Warning,
    Critical,
}

impl Severity {
    pub fn name(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Warning => "warning",
            Severity::Critical => "critical",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Finding {
    pub severity: Severity,
    pub code: &'static str,
    pub message: String,
    /// Client MAC (chaddr), when one client is concerned.
    pub client: Option<String>,
    /// Server identifier, when one server is concerned.
    pub server: Option<Ipv4Addr>,
    /// Frames that show it (the first [`MAX_FRAMES`]).
    pub frames: Vec<u64>,
    /// How many times it was seen.
    pub count: u64,
    pub rfc: &'static str,
}

const MAX_FRAMES: usize = 20;

/// A finding kind: code, severity and reference, in one table.
#[derive(Debug, Clone, Copy)]
pub struct Rule {
    pub code: &'static str,
    pub severity: Severity,
    pub rfc: &'static str,
}

macro_rules! rules {
    ($($name:ident = $code:literal, $sev:ident, $rfc:literal;)*) => {
        $(pub const $name: Rule = Rule { code: $code, severity: Severity::$sev, rfc: $rfc };)*
        /// Every rule, for documentation and tests.
        pub const ALL_RULES: &[Rule] = &[$($name),*];
    };
}

rules! {
    UNEXPECTED_SERVER = "unexpected-server", Critical, "RFC 2131 §4.3.1 (any server may answer; only expected ones should)";
    MULTIPLE_SERVERS = "multiple-servers", Warning, "RFC 2131 §3.1 (several servers may answer one segment)";
    COMPETING_OFFERS = "competing-offers", Warning, "RFC 2131 §3.1 step 2";
    NO_LEASE_TIME = "no-lease-time", Warning, "RFC 2131 §4.3.1 Table 3 (lease time MUST in OFFER and ACK to REQUEST)";
    INFORM_ACK_YIADDR = "inform-ack-yiaddr", Warning, "RFC 2131 §4.3.5 (ACK to INFORM: yiaddr 0)";
    INFORM_ACK_LEASE_TIME = "inform-ack-lease-time", Warning, "RFC 2131 §4.3.5 and Table 3 (no lease time in ACK to INFORM)";
    INFORM_NAK = "inform-nak", Warning, "RFC 2131 §4.3.5 (the server answers INFORM with ACK)";
    MISSING_SERVER_ID = "missing-server-id", Warning, "RFC 2131 §4.3.1 Table 3 (server identifier MUST)";
    NAK_WITH_CONFIG = "nak-with-config", Warning, "RFC 2131 §4.3.2 Table 3 (NAK carries only 53, 54, 56, 60, 61, 82; no sname or file)";
    REPLY_ECHOES_REQUEST_OPTION = "reply-echoes-request-option", Warning, "RFC 2131 Table 3 (50, 55, 57 MUST NOT appear in replies)";
    CLIENT_ID_NOT_ECHOED = "client-id-not-echoed", Info, "RFC 6842 §3 (server MUST echo the client identifier)";
    XID_MISMATCH = "xid-mismatch", Warning, "RFC 2131 §4.3.1 (reply xid copies the request's)";
    CHADDR_MISMATCH = "chaddr-mismatch", Warning, "RFC 2131 §4.3.1 (reply chaddr copies the request's)";
    GIADDR_MISMATCH = "giaddr-mismatch", Warning, "RFC 2131 §4.3.1 Table 3 (giaddr copied from the request)";
    LEASE_TIMERS_ORDER = "lease-timers-order", Warning, "RFC 2131 §4.4.5 (T1 < T2 < lease)";
    ROUTE121_NO_DEFAULT = "route121-without-default", Warning, "RFC 3442 §1 (clients ignore option 3 when 121 is present)";
    CONFIG_IN_OVERLOAD = "config-in-overload", Warning, "RFC 2131 §4.1 (options in sname/file only with option 52; many clients miss them)";
    RELAY_INFO_TO_CLIENT = "relay-info-to-client", Warning, "RFC 3046 §2.2 (the relay MUST strip option 82 before the client)";
    BROADCAST_FLAG_IGNORED = "broadcast-flag-ignored", Warning, "RFC 2131 §4.1 (broadcast flag set: reply to 255.255.255.255)";
    NAK_NOT_BROADCAST = "nak-not-broadcast", Warning, "RFC 2131 §4.1 (NAK without giaddr MUST be broadcast)";
    ACK_ADDRESS_MISMATCH = "ack-address-mismatch", Warning, "RFC 2131 §4.3.2 (ACK the address requested)";
    UNSELECTED_SERVER_REPLIED = "unselected-server-replied", Warning, "RFC 2131 §4.3.2 (only the server named in option 54 answers)";
    SLOW_REPLY = "slow-reply", Warning, "RFC 2131 §4.1 (clients retransmit after ~4 s)";
    NO_OFFER = "no-offer", Warning, "RFC 2131 §4.1 (DISCOVER retransmitted, nobody offered)";
    NO_ANSWER = "no-answer", Warning, "RFC 2131 §4.1 (request retransmitted, nobody answered)";
    NAK_STORM = "nak-storm", Warning, "RFC 2131 §4.3.2 (repeated NAKs: client and server disagree)";
    DECLINE_AFTER_ACK = "decline-after-ack", Warning, "RFC 2131 §4.4.1 (DECLINE: the address is already in use)";
    DUPLICATE_ADDRESS = "duplicate-address", Critical, "RFC 2131 §4.3.1 (one address, one client)";
    DISCOVER_FLOOD = "discover-flood", Critical, "RFC 2131 §4.1 (starvation: DISCOVERs from many clients)";
    MALFORMED_REPLY = "malformed-reply", Warning, "RFC 2131 §2 (message format)";
    MALFORMED_REQUEST = "malformed-request", Info, "RFC 2131 §2 (message format)";
}

/// DISCOVERs within one second that make a flood.
const FLOOD_DISCOVERS_PER_SECOND: u32 = 100;
/// NAKs to one client within [`NAK_STORM_WINDOW_SECS`] that make a storm.
const NAK_STORM_COUNT: usize = 5;
const NAK_STORM_WINDOW_SECS: i64 = 60;

/// Collects findings as packets arrive, merging repeats of the same (code, client, server).
#[derive(Debug, Default)]
pub(crate) struct FindingSink {
    findings: Vec<Finding>,
    index: FastMap<Key, usize>,
    /// DISCOVERs per second of capture time, for flood detection: (second, count, first frame).
    discover_second: (i64, u32),
    flood_seconds: Vec<(i64, u32)>,
    /// Recent NAK times per client.
    naks: FastMap<usize, Vec<Timestamp>>,
    storms: Vec<(usize, usize, Timestamp)>,
}

/// What repeats of a finding merge on: code, client MAC, server.
type Key = (&'static str, Option<String>, Option<Ipv4Addr>);

/// Counts a repeat of the finding at `existing`, or adds a new one; returns the new one's
/// key and index for the caller's index.
fn merge(
    findings: &mut Vec<Finding>,
    existing: Option<usize>,
    rule: Rule,
    key: Key,
    frame: u64,
    message: impl FnOnce() -> String,
) -> Option<(Key, usize)> {
    if let Some(i) = existing {
        let f = &mut findings[i];
        f.count += 1;
        if f.frames.len() < MAX_FRAMES && !f.frames.contains(&frame) {
            f.frames.push(frame);
        }
        return None;
    }
    let i = findings.len();
    findings.push(Finding {
        severity: rule.severity,
        code: rule.code,
        message: message(),
        client: key.1.clone(),
        server: key.2,
        frames: vec![frame],
        count: 1,
        rfc: rule.rfc,
    });
    Some((key, i))
}

/// The findings of [`FindingSink::collect`]: the sink's own, copied, plus those that need
/// the whole picture, merged through the sink's index and a small one of their own (the
/// sink's index is not copied: it has an entry per finding).
struct Collected<'a> {
    findings: Vec<Finding>,
    base: &'a FastMap<Key, usize>,
    extra: FastMap<Key, usize>,
}

impl Collected<'_> {
    fn add(
        &mut self,
        rule: Rule,
        client: Option<String>,
        server: Option<Ipv4Addr>,
        frame: u64,
        message: impl FnOnce() -> String,
    ) {
        let key = (rule.code, client, server);
        let existing = self
            .base
            .get(&key)
            .or_else(|| self.extra.get(&key))
            .copied();
        if let Some((key, i)) = merge(&mut self.findings, existing, rule, key, frame, message) {
            self.extra.insert(key, i);
        }
    }
}

impl FindingSink {
    fn add(
        &mut self,
        rule: Rule,
        client: Option<String>,
        server: Option<Ipv4Addr>,
        frame: u64,
        message: impl FnOnce() -> String,
    ) {
        let key = (rule.code, client, server);
        let existing = self.index.get(&key).copied();
        if let Some((key, i)) = merge(&mut self.findings, existing, rule, key, frame, message) {
            self.index.insert(key, i);
        }
    }

    pub(crate) fn discover_seen(&mut self, ts: Timestamp) {
        let (second, count) = &mut self.discover_second;
        if *second == ts.secs {
            *count += 1;
            if *count == FLOOD_DISCOVERS_PER_SECOND {
                self.flood_seconds.push((ts.secs, *count));
            } else if *count > FLOOD_DISCOVERS_PER_SECOND
                && let Some(last) = self.flood_seconds.last_mut()
            {
                last.1 = *count;
            }
        } else {
            *second = ts.secs;
            *count = 1;
        }
    }

    pub(crate) fn nak_seen(&mut self, client: usize, ts: Timestamp) {
        let times = self.naks.entry(client).or_default();
        times.retain(|t| ts.secs.saturating_sub(t.secs) <= NAK_STORM_WINDOW_SECS);
        times.push(ts);
        if times.len() >= NAK_STORM_COUNT {
            match self.storms.iter_mut().find(|s| s.0 == client) {
                Some(s) => s.1 = s.1.max(times.len()),
                None => self.storms.push((client, times.len(), ts)),
            }
        }
    }

    /// The findings so far plus those that need the whole picture.
    pub(crate) fn collect(
        &self,
        clients: &[Client],
        servers: &[Server],
        e: &Expectations,
    ) -> Vec<Finding> {
        let mut out = Collected {
            findings: self.findings.clone(),
            base: &self.index,
            extra: FastMap::default(),
        };
        for s in servers.iter().filter(|s| s.expected == Some(false)) {
            let mac = s
                .macs
                .first()
                .map(|m| format!(" ({})", colon_hex(m)))
                .unwrap_or_default();
            let handed = s
                .sample_addresses
                .first()
                .map(|a| format!(" offered {a}"))
                .unwrap_or_default();
            out.add(UNEXPECTED_SERVER, None, Some(s.id), s.first_frame, || {
                format!("unexpected server {}{mac}{handed}", s.id)
            });
        }
        // Several servers are only suspicious on one segment: a trunk or core capture sees
        // one server per VLAN or per relay legitimately.
        let mut segments: Vec<&super::Segment> = servers.iter().flat_map(|s| &s.segments).collect();
        segments.sort();
        segments.dedup();
        for segment in segments {
            let offering: Vec<&Server> = servers
                .iter()
                .filter(|s| s.offers + s.acks > 0 && s.segments.contains(segment))
                .collect();
            if e.given() || offering.len() < 2 {
                continue;
            }
            let list: Vec<String> = offering.iter().map(|s| s.id.to_string()).collect();
            out.add(MULTIPLE_SERVERS, None, None, offering[1].first_frame, || {
                format!(
                    "{} servers answer on {segment} ({}); name the expected ones with --expect-server",
                    offering.len(),
                    list.join(", ")
                )
            });
        }
        for c in clients {
            for ex in &c.exchanges {
                let mac = || c.mac_string();
                // Most exchanges have no offer or one: look for a second server first.
                let first_server = ex.offers.first().map(|o| o.server_id);
                if ex.offers.iter().any(|o| Some(o.server_id) != first_server) {
                    let mut ids: Vec<Ipv4Addr> = ex.offers.iter().map(|o| o.server_id).collect();
                    ids.sort();
                    ids.dedup();
                    let list: Vec<String> = ids.iter().map(|s| s.to_string()).collect();
                    let mac = mac();
                    out.add(
                        COMPETING_OFFERS,
                        Some(mac.clone()),
                        None,
                        ex.offers[1].frame,
                        || {
                            format!(
                                "{} servers offered to {mac}: {}",
                                list.len(),
                                list.join(", ")
                            )
                        },
                    );
                }
                // A single unanswered message proves little (a roaming client's INIT-REBOOT
                // gets silence by design, RFC 2131 §4.3.2): only retried requests count.
                let retried = ex.retransmissions > 0;
                match ex.outcome {
                    Outcome::NoOffer if retried => {
                        let mac = mac();
                        out.add(NO_OFFER, Some(mac.clone()), None, ex.first_frame(), || {
                            format!(
                                "{mac} sent DISCOVER {} and got no OFFER",
                                times(ex.retransmissions + 1)
                            )
                        })
                    }
                    Outcome::NoAnswer if retried && ex.kind != Kind::InitReboot => {
                        let mac = mac();
                        out.add(
                            NO_ANSWER,
                            Some(mac.clone()),
                            ex.server_id,
                            ex.first_frame(),
                            || {
                                format!(
                                    "{} from {mac} sent {}, no answer",
                                    ex.kind.name(),
                                    times(ex.retransmissions + 1)
                                )
                            },
                        )
                    }
                    _ => {}
                }
            }
        }
        for &(client, count, ts) in &self.storms {
            let c = &clients[client];
            let mac = c.mac_string();
            let frame = c
                .exchanges
                .iter()
                .flat_map(|e| &e.messages)
                .find(|m| m.msg_type == Some(MessageType::NAK) && m.ts >= ts)
                .map_or(0, |m| m.frame);
            out.add(NAK_STORM, Some(mac.clone()), None, frame, || {
                format!("{count} NAKs to {mac} within {NAK_STORM_WINDOW_SECS} s")
            });
        }
        for &(second, count) in &self.flood_seconds {
            out.add(DISCOVER_FLOOD, None, None, 0, || {
                format!(
                    "{count}+ DISCOVERs within one second (at {}): possible starvation attack",
                    Timestamp::new(second, 0).rfc3339(0)
                )
            });
        }
        let mut findings = out.findings;
        for f in &mut findings {
            f.frames.retain(|&n| n != 0);
            if f.count > 1 && !f.message.ends_with(" times)") {
                f.message = format!("{} ({} times)", f.message, f.count);
            }
        }
        findings.sort_by(|a, b| {
            b.severity
                .cmp(&a.severity)
                .then(a.frames.first().cmp(&b.frames.first()))
        });
        findings
    }
}

fn times(n: u32) -> String {
    if n == 1 {
        "once".into()
    } else {
        format!("{n} times")
    }
}

/// The first decoder warning that makes a packet malformed. RFC 3396 splits are legal and
/// options hidden in overload have their own finding.
/// A BOOTP packet with RFC 1497 vendor options has no option 53 and is not malformed; a
/// frame cut by the capture's snaplen is the capture's doing, not the sender's.
fn malformation(m: &Message<'_>, r: &MessageRecord) -> Option<String> {
    m.warnings
        .iter()
        .find(|w| match w {
            Warning::Split { .. } | Warning::OnlyInOverload { .. } | Warning::NoMessageType => {
                false
            }
            Warning::Truncated { .. }
            | Warning::TruncatedOption { .. }
            | Warning::MissingLength { .. }
            | Warning::MissingEnd { .. } => !r.snaplen_cut(),
            _ => true,
        })
        .map(ToString::to_string)
}

fn is_final_reply(t: Option<MessageType>) -> bool {
    matches!(t, Some(MessageType::ACK | MessageType::NAK))
}

pub(crate) fn check_request(
    sink: &mut FindingSink,
    client: &Client,
    m: &Message<'_>,
    r: &MessageRecord,
) {
    if let Some(first) = malformation(m, r) {
        sink.add(
            MALFORMED_REQUEST,
            Some(client.mac_string()),
            None,
            r.frame,
            || {
                format!(
                    "malformed {} from {}: {first}",
                    r.type_name(),
                    client.mac_string()
                )
            },
        );
    }
}

pub(crate) fn decline(sink: &mut FindingSink, client: &Client, r: &MessageRecord, had_ack: bool) {
    if had_ack {
        let addr = r.requested_ip.map(|a| a.to_string()).unwrap_or_default();
        sink.add(
            DECLINE_AFTER_ACK,
            Some(client.mac_string()),
            r.server_id,
            r.frame,
            || {
                format!(
                    "{} declined {addr} after it was ACKed: address conflict on the segment",
                    client.mac_string()
                )
            },
        );
    }
}

pub(crate) fn duplicate_address(
    sink: &mut FindingSink,
    clients: &[Client],
    addr: Ipv4Addr,
    holder: usize,
    newcomer: usize,
    since: Timestamp,
    _now: Timestamp,
) {
    let (a, b) = (clients[holder].mac_string(), clients[newcomer].mac_string());
    let frame = clients[newcomer]
        .exchanges
        .last()
        .map_or(0, |e| e.last_frame());
    sink.add(DUPLICATE_ADDRESS, Some(b.clone()), None, frame, || {
        format!(
            "{addr} ACKed to {b} while {a} still holds it (ACKed at {})",
            since.rfc3339(3)
        )
    });
}

/// A reply and what it is checked against: the exchange it joined, its server, and the
/// client message it answers.
pub(crate) struct ReplyContext<'a, 'm> {
    pub expectations: &'a Expectations,
    pub client: &'a Client,
    pub exchange: &'a Exchange,
    pub server: &'a Server,
    pub message: &'a Message<'m>,
    pub record: &'a MessageRecord,
    /// The client message this reply answers (last transmission on the same leg), if captured.
    pub solicit: Option<&'a MessageRecord>,
    /// A relay's copy of a reply already checked on the server's side.
    pub relay_copy: bool,
}

impl ReplyContext<'_, '_> {
    fn mac(&self) -> &super::Chaddr {
        &self.client.chaddr
    }

    fn sid(&self) -> Option<Ipv4Addr> {
        Some(self.server.id)
    }

    fn is(&self, t: MessageType) -> bool {
        self.record.msg_type == Some(t)
    }

    /// OFFER, ACK or NAK: the replies RFC 2131's Table 3 describes.
    fn is_dhcp_reply(&self) -> bool {
        matches!(
            self.record.msg_type,
            Some(MessageType::OFFER | MessageType::ACK | MessageType::NAK)
        )
    }

    fn answers_inform(&self) -> bool {
        self.exchange.kind == Kind::Inform
            || self
                .solicit
                .is_some_and(|s| s.msg_type == Some(MessageType::INFORM))
    }
}

/// Every per-reply rule, in the order their findings are first reported.
pub(crate) fn check_reply(sink: &mut FindingSink, c: &ReplyContext<'_, '_>) {
    if c.relay_copy {
        // Only what the relay itself does to the copy.
        relay_info_to_client(sink, c);
        return;
    }
    check_format(sink, c);
    check_lease_time(sink, c);
    check_inform_answer(sink, c);
    if c.is(MessageType::NAK) {
        check_nak(sink, c);
    }
    check_echoed_options(sink, c);
    if let Some(s) = c.solicit {
        check_against_request(sink, c, s);
    }
    if c.is(MessageType::OFFER) || c.is(MessageType::ACK) {
        check_lease_timers(sink, c);
        check_classless_routes(sink, c);
    }
    check_overload(sink, c);
    relay_info_to_client(sink, c);
}

/// Malformed replies and replies without a server identifier.
fn check_format(sink: &mut FindingSink, c: &ReplyContext<'_, '_>) {
    let r = c.record;
    if let Some(first) = malformation(c.message, r) {
        sink.add(MALFORMED_REPLY, None, c.sid(), r.frame, || {
            format!("malformed {} from {}: {first}", r.type_name(), c.server.id)
        });
    }
    if c.is_dhcp_reply() && r.server_id.is_none() {
        sink.add(MISSING_SERVER_ID, None, c.sid(), r.frame, || {
            format!(
                "{} from {} has no server identifier (option 54)",
                r.type_name(),
                r.src_ip
            )
        });
    }
}

/// OFFER, and ACK to anything but INFORM, carry a lease time.
fn check_lease_time(sink: &mut FindingSink, c: &ReplyContext<'_, '_>) {
    let r = c.record;
    let needed = c.is(MessageType::OFFER) || (c.is(MessageType::ACK) && !c.answers_inform());
    if needed && r.lease_time().is_none() {
        sink.add(NO_LEASE_TIME, None, c.sid(), r.frame, || {
            format!(
                "{} from {} to {} has no lease time (option 51)",
                r.type_name(),
                c.server.id,
                c.mac()
            )
        });
    }
}

/// RFC 2131 §4.3.5: INFORM is answered by an ACK without address or lease.
fn check_inform_answer(sink: &mut FindingSink, c: &ReplyContext<'_, '_>) {
    if !c.answers_inform() {
        return;
    }
    let r = c.record;
    if c.is(MessageType::ACK) {
        if !r.yiaddr.is_unspecified() {
            sink.add(INFORM_ACK_YIADDR, None, c.sid(), r.frame, || {
                format!(
                    "ACK to INFORM from {} carries yiaddr {} (must be 0.0.0.0)",
                    c.server.id, r.yiaddr
                )
            });
        }
        if let Some(l) = r.lease_time() {
            sink.add(INFORM_ACK_LEASE_TIME, None, c.sid(), r.frame, || {
                format!(
                    "ACK to INFORM from {} carries a lease time ({l} s)",
                    c.server.id
                )
            });
        }
    }
    if c.is(MessageType::NAK) {
        sink.add(INFORM_NAK, None, c.sid(), r.frame, || {
            format!("{} answered INFORM from {} with NAK", c.server.id, c.mac())
        });
    }
}

/// A NAK carries no configuration and, without a relay, is broadcast.
fn check_nak(sink: &mut FindingSink, c: &ReplyContext<'_, '_>) {
    let (m, r) = (c.message, c.record);
    let extra: Vec<u8> = m
        .options
        .iter()
        .map(|o| o.code)
        .filter(|c| {
            !matches!(
                *c,
                opt::MESSAGE_TYPE
                    | opt::SERVER_ID
                    | opt::MESSAGE
                    | opt::CLIENT_ID
                    | opt::VENDOR_CLASS
                    | opt::RELAY_AGENT
            )
        })
        .collect();
    let mut addresses: Vec<String> = [
        ("yiaddr", m.yiaddr),
        ("ciaddr", m.ciaddr),
        ("siaddr", m.siaddr),
    ]
    .iter()
    .filter(|(_, a)| !a.is_unspecified())
    .map(|(n, a)| format!("{n} {a}"))
    .collect();
    // Table 3: sname and file MUST NOT be used in a NAK.
    for (field, text) in [("sname", m.sname_text()), ("file", m.file_text())] {
        if text.is_some_and(|t| !t.is_empty()) {
            addresses.push(format!("{field} set"));
        }
    }
    if !extra.is_empty() || !addresses.is_empty() {
        sink.add(NAK_WITH_CONFIG, None, c.sid(), r.frame, || {
            let mut what: Vec<String> = Vec::new();
            if !extra.is_empty() {
                let codes: Vec<String> = extra.iter().map(u8::to_string).collect();
                what.push(format!("options {}", codes.join(", ")));
            }
            what.extend(addresses);
            format!(
                "NAK from {} carries configuration: {}",
                c.server.id,
                what.join(", ")
            )
        });
    }
    if r.giaddr.is_unspecified() && r.dst_ip != Ipv4Addr::BROADCAST {
        sink.add(NAK_NOT_BROADCAST, None, c.sid(), r.frame, || {
            format!(
                "NAK from {} sent to {} instead of broadcast",
                c.server.id, r.dst_ip
            )
        });
    }
}

/// Options only a client sends (50, 55, 57) in a reply.
fn check_echoed_options(sink: &mut FindingSink, c: &ReplyContext<'_, '_>) {
    if !c.is_dhcp_reply() {
        return;
    }
    let echoed = || {
        c.message.options.iter().map(|o| o.code).filter(|c| {
            matches!(
                *c,
                opt::REQUESTED_IP | opt::PARAMETER_LIST | opt::MAX_MESSAGE_SIZE
            )
        })
    };
    if echoed().next().is_some() {
        sink.add(
            REPLY_ECHOES_REQUEST_OPTION,
            None,
            c.sid(),
            c.record.frame,
            || {
                let list: Vec<String> = echoed().map(|c| c.to_string()).collect();
                format!(
                    "{} from {} carries client-only options [{}]",
                    c.record.type_name(),
                    c.server.id,
                    list.join(", ")
                )
            },
        );
    }
}

/// What the reply owes the request it answers: echoes, addressing, the chosen server, time.
fn check_against_request(sink: &mut FindingSink, c: &ReplyContext<'_, '_>, s: &MessageRecord) {
    let r = c.record;
    let ty = || r.type_name();
    let sid = c.sid();
    if s.has_client_id() && c.message.first_option(opt::CLIENT_ID).is_none() {
        sink.add(CLIENT_ID_NOT_ECHOED, None, sid, r.frame, || {
            format!(
                "{} from {} does not echo the client identifier",
                ty(),
                c.server.id
            )
        });
    }
    // Compare giaddr only with a request that went through the relay.
    if !s.giaddr.is_unspecified() && s.giaddr != r.giaddr {
        sink.add(GIADDR_MISMATCH, None, sid, r.frame, || {
            format!(
                "{} from {} has giaddr {}, the request had {}",
                ty(),
                c.server.id,
                r.giaddr,
                s.giaddr
            )
        });
    }
    // RFC 2131 §4.1: a request with a non-zero ciaddr (RENEW, INFORM) is answered by
    // unicast to ciaddr, whatever its broadcast flag says.
    if s.broadcast()
        && s.ciaddr.is_unspecified()
        && r.dst_port == 68
        && r.giaddr.is_unspecified()
        && r.dst_ip != Ipv4Addr::BROADCAST
        && !c.is(MessageType::NAK)
    {
        sink.add(BROADCAST_FLAG_IGNORED, None, sid, r.frame, || {
            format!(
                "{} from {} unicast to {} although {} set the broadcast flag",
                ty(),
                c.server.id,
                r.dst_ip,
                c.mac()
            )
        });
    }
    let answers_request = s.msg_type == Some(MessageType::REQUEST);
    if c.is(MessageType::ACK) && answers_request {
        let wanted = s
            .requested_ip
            .or(Some(s.ciaddr).filter(|a| !a.is_unspecified()));
        if let Some(w) = wanted
            && r.yiaddr != w
        {
            sink.add(
                ACK_ADDRESS_MISMATCH,
                Some(c.mac().to_string()),
                sid,
                r.frame,
                || {
                    format!(
                        "{} requested {w}, {} ACKed {}",
                        c.mac(),
                        c.server.id,
                        r.yiaddr
                    )
                },
            );
        }
    }
    if is_final_reply(r.msg_type)
        && answers_request
        && let Some(chosen) = s.server_id.filter(|id| *id != c.server.id)
    {
        sink.add(UNSELECTED_SERVER_REPLIED, None, sid, r.frame, || {
            format!(
                "{} answered {} to {}'s REQUEST for server {chosen}",
                c.server.id,
                ty(),
                c.mac()
            )
        });
    }
    let threshold = c.expectations.slow_reply_ms;
    if let Some(l) = r.latency_ms()
        && l > threshold
    {
        sink.add(SLOW_REPLY, None, sid, r.frame, || {
            format!(
                "{} from {} took {l:.0} ms (threshold {threshold} ms)",
                ty(),
                c.server.id
            )
        });
    }
}

/// RFC 2131 §4.4.5: T1 < T2 < lease.
fn check_lease_timers(sink: &mut FindingSink, c: &ReplyContext<'_, '_>) {
    let m = c.message;
    let lease = c.record.lease_time();
    let (t1, t2) = (m.renewal_time(), m.rebinding_time());
    let bad = match (t1, t2, lease) {
        (Some(a), Some(b), _) if a >= b => true,
        (_, Some(b), Some(l)) if b >= l && l != u32::MAX => true,
        (Some(a), None, Some(l)) if a >= l && l != u32::MAX => true,
        _ => false,
    };
    if bad {
        let show = |v: Option<u32>| v.map_or("-".to_string(), |v| v.to_string());
        sink.add(LEASE_TIMERS_ORDER, None, c.sid(), c.record.frame, || {
            format!(
                "{} from {}: T1 {} T2 {} lease {} (need T1 < T2 < lease)",
                c.record.type_name(),
                c.server.id,
                show(t1),
                show(t2),
                show(lease)
            )
        });
    }
}

/// RFC 3442: with option 121, clients ignore option 3, so 121 needs its own default route.
fn check_classless_routes(sink: &mut FindingSink, c: &ReplyContext<'_, '_>) {
    let m = c.message;
    if m.first_option(opt::ROUTER).is_some()
        && let Some(data) = m.option(opt::CLASSLESS_ROUTE)
        && let Value::ClasslessRoutes(routes) = Value::decode(opt::CLASSLESS_ROUTE, &data)
        && !routes.iter().any(|r| r.prefix == 0)
    {
        sink.add(ROUTE121_NO_DEFAULT, None, c.sid(), c.record.frame, || {
            format!(
                "{} from {} sets option 121 without a default route: clients ignore its router option and get no default gateway",
                c.record.type_name(),
                c.server.id
            )
        });
    }
}

/// Configuration only in sname/file (option 52), which many clients never read.
fn check_overload(sink: &mut FindingSink, c: &ReplyContext<'_, '_>) {
    if let Some(codes) = super::hidden_in_overload(c.message) {
        sink.add(CONFIG_IN_OVERLOAD, None, c.sid(), c.record.frame, || {
            let list: Vec<String> = codes.iter().map(u8::to_string).collect();
            format!(
                "{} from {} hides options [{}] in overloaded sname/file",
                c.record.type_name(),
                c.server.id,
                list.join(", ")
            )
        });
    }
}

fn relay_info_to_client(sink: &mut FindingSink, c: &ReplyContext<'_, '_>) {
    let r = c.record;
    if r.dst_port == 68 && c.message.first_option(opt::RELAY_AGENT).is_some() {
        sink.add(RELAY_INFO_TO_CLIENT, None, c.sid(), r.frame, || {
            format!(
                "{} to {} still carries relay agent information (option 82)",
                r.type_name(),
                c.mac()
            )
        });
    }
}

/// Replies whose (chaddr, xid) match no request: record xid/chaddr mismatches.
#[allow(clippy::too_many_arguments)]
pub(crate) fn unmatched_reply(
    sink: &mut FindingSink,
    clients: &[Client],
    client: usize,
    xid_owner: Option<usize>,
    r: &MessageRecord,
    server: Ipv4Addr,
    recent_own_xid: Option<u32>,
    xid: u32,
) {
    let mac = clients[client].mac_string();
    let ty = r.type_name();
    if let Some(owner) = xid_owner.filter(|o| *o != client) {
        let other = clients[owner].mac_string();
        sink.add(CHADDR_MISMATCH, None, Some(server), r.frame, || {
            format!("{ty} from {server} has xid 0x{xid:08x} of {other}'s request but chaddr {mac}")
        });
    } else if let Some(own) = recent_own_xid {
        sink.add(XID_MISMATCH, Some(mac.clone()), Some(server), r.frame, || {
            format!("{ty} from {server} to {mac} has xid 0x{xid:08x}; the client's request had 0x{own:08x}")
        });
    }
}

#[cfg(test)]
mod unit {
    use super::*;

    #[test]
    fn severity_names_are_the_stable_json_words() {
        assert_eq!(
            [Severity::Info, Severity::Warning, Severity::Critical].map(Severity::name),
            ["info", "warning", "critical"]
        );
    }

    /// A repeat counts, keeps each frame once, and keeps at most `MAX_FRAMES` of them.
    #[test]
    fn repeats_count_and_keep_distinct_frames_up_to_the_cap() {
        let mut sink = FindingSink::default();
        for frame in [7, 8, 8] {
            sink.add(DISCOVER_FLOOD, None, None, frame, || "m".into());
        }
        assert_eq!(sink.findings.len(), 1);
        assert_eq!(sink.findings[0].count, 3);
        assert_eq!(sink.findings[0].frames, [7, 8]);
        for frame in 100..(100 + MAX_FRAMES as u64 + 5) {
            sink.add(DISCOVER_FLOOD, None, None, frame, || "m".into());
        }
        assert_eq!(sink.findings[0].frames.len(), MAX_FRAMES);
        assert_eq!(sink.findings[0].count, 3 + MAX_FRAMES as u64 + 5);
    }

    /// A flooded second records the whole count seen in it, not the threshold.
    #[test]
    fn a_flooded_second_records_every_discover_in_it() {
        let mut sink = FindingSink::default();
        let n = FLOOD_DISCOVERS_PER_SECOND + 50;
        for _ in 0..n {
            sink.discover_seen(Timestamp::new(1_000, 0));
        }
        sink.discover_seen(Timestamp::new(1_001, 0));
        assert_eq!(sink.flood_seconds, [(1_000, n)]);
    }
}
