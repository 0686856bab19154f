//! The analysis model shared by `report`, the TUI and the probes: clients, their exchanges,
//! the servers that answered, and findings.
//!
//! Exchanges are keyed by (client, xid). A client is its chaddr, with its client identifier
//! (option 61) as an alias, so a client whose chaddr changes but whose client-id stays is one
//! client. An exchange closes when it reaches a final answer, and splits when the same xid
//! comes back after [`EXCHANGE_IDLE_SECS`] of silence or after [`EXCHANGE_MAX_SECS`]: long
//! enough for RFC 2131's retransmission back-off (4, 8, 16 s…), short enough that a client
//! reusing an xid much later starts a new exchange.
//!
//! Servers are known by option 54, not by IP source. With a relay, a message may be captured
//! on both legs (client ⇄ relay, relay ⇄ server): both copies stay in the exchange, but a
//! reply counts once for its server (latency on the server's leg when captured), and the
//! relay's MAC and address are never taken for the server's (the relay shows as giaddr).
//! A request seen again from another source MAC (routed onto another captured segment) is a
//! separate record, not a retransmission.
//!
//! Memory grows with clients, not packets: retransmissions fold into one record with a count,
//! an exchange keeps at most [`MAX_MESSAGES_PER_EXCHANGE`] records and a client at most
//! [`MAX_EXCHANGES_PER_CLIENT`] exchanges (older ones are counted, then dropped).

pub mod config;
mod expire;
pub mod findings;
mod latency;

pub use latency::Latencies;

pub use config::Expectations;
pub use findings::{Finding, Severity};

use crate::dhcp::options::{self as opt, MessageType};
use crate::dhcp::{Message, Warning};
use crate::escape::escape_bytes;
use crate::pipeline::Packet;
use crate::time::Timestamp;
use findings::FindingSink;
use std::collections::HashMap;
use std::net::Ipv4Addr;

/// RFC 2131 §4.1 lets retransmissions back off to 64 s (±1 s of randomisation).
pub const EXCHANGE_IDLE_SECS: i64 = 70;
pub const EXCHANGE_MAX_SECS: i64 = 300;
pub const MAX_MESSAGES_PER_EXCHANGE: usize = 32;
pub const MAX_EXCHANGES_PER_CLIENT: usize = 256;
/// A reply is matched against other clients' xids seen this recently (mismatch findings).
const RECENT_XID_SECS: i64 = 10;
/// Index entries are pruned every this many packets.
const PRUNE_EVERY: u32 = 1 << 16;

/// What an exchange is, from the message that started it (DEVELOPERS.md's protocol story).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Kind {
    Dora,
    InitReboot,
    Renew,
    Rebind,
    Inform,
    Release,
    Decline,
    Bootp,
    Other,
}

impl Kind {
    pub fn name(self) -> &'static str {
        match self {
            Kind::Dora => "DORA",
            Kind::InitReboot => "INIT-REBOOT",
            Kind::Renew => "RENEW",
            Kind::Rebind => "REBIND",
            Kind::Inform => "INFORM",
            Kind::Release => "RELEASE",
            Kind::Decline => "DECLINE",
            Kind::Bootp => "BOOTP",
            Kind::Other => "OTHER",
        }
    }
}

/// How an exchange ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Outcome {
    /// Still waiting for an answer (live capture); [`Analysis::finish`] settles it.
    Pending,
    Ack,
    Nak,
    /// DISCOVER sent (and retried) but nobody offered.
    NoOffer,
    /// A request nobody answered.
    NoAnswer,
    /// The capture ended mid-way.
    Incomplete,
    Released,
    Declined,
}

impl Outcome {
    pub fn name(self) -> &'static str {
        match self {
            Outcome::Pending => "PENDING",
            Outcome::Ack => "ACK",
            Outcome::Nak => "NAK",
            Outcome::NoOffer => "NO_OFFER",
            Outcome::NoAnswer => "NO_ANSWER",
            Outcome::Incomplete => "INCOMPLETE",
            Outcome::Released => "RELEASED",
            Outcome::Declined => "DECLINED",
        }
    }

    /// A protocol end (ACK, NAK, RELEASE, DECLINE): a new request starts a new exchange.
    fn is_final(self) -> bool {
        !matches!(self, Outcome::Pending) && !self.is_settled()
    }

    /// Set by [`Analysis::finish`] or when the client moved on, not by the protocol: a later
    /// message of the same exchange reopens it (live views call `finish` mid-stream).
    fn is_settled(self) -> bool {
        matches!(
            self,
            Outcome::Incomplete | Outcome::NoOffer | Outcome::NoAnswer
        )
    }
}

/// One DHCP message as the views need it: small, no copy of the packet.
#[derive(Debug, Clone)]
pub struct MessageRecord {
    pub frame: u64,
    pub ts: Timestamp,
    /// Fractional digits of the source's timestamps.
    pub ts_digits: u8,
    pub op: u8,
    pub msg_type: Option<MessageType>,
    pub src_mac: Option<[u8; 6]>,
    pub src_ip: Ipv4Addr,
    pub dst_ip: Ipv4Addr,
    pub src_port: u16,
    pub dst_port: u16,
    pub server_id: Option<Ipv4Addr>,
    pub ciaddr: Ipv4Addr,
    pub yiaddr: Ipv4Addr,
    pub giaddr: Ipv4Addr,
    pub requested_ip: Option<Ipv4Addr>,
    pub lease_time: Option<u32>,
    pub broadcast: bool,
    pub secs: u16,
    /// Retransmissions folded into this record (same type, same xid).
    pub retransmissions: u32,
    /// Frame and time of the last retransmission (equal to `frame`/`ts` when none).
    pub last_frame: u64,
    pub last_ts: Timestamp,
    /// Latency from the client message this reply answers (last transmission), in ms.
    pub latency_ms: Option<f64>,
    /// Decoder warnings on this packet.
    pub warnings: u16,
    /// The capture kept fewer bytes than the frame had (snaplen).
    pub snaplen_cut: bool,
    /// The message carried a client identifier (option 61).
    pub has_client_id: bool,
    pub segment: Segment,
}

/// A broadcast domain as a capture sees it: the VLAN tags of the frame and the relay
/// (giaddr) the exchange went through, if any.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Segment {
    pub vlans: [u16; 3],
    pub relay: Ipv4Addr,
}

impl std::fmt::Display for Segment {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let tags: Vec<String> = self
            .vlans
            .iter()
            .filter(|v| **v != 0)
            .map(u16::to_string)
            .collect();
        match (tags.is_empty(), self.relay.is_unspecified()) {
            (true, true) => f.write_str("this segment"),
            (false, true) => write!(f, "VLAN {}", tags.join("/")),
            (true, false) => write!(f, "the link of relay {}", self.relay),
            (false, false) => write!(f, "VLAN {} via relay {}", tags.join("/"), self.relay),
        }
    }
}

impl MessageRecord {
    pub fn is_reply(&self) -> bool {
        self.op == 2
    }

    /// The type name shown everywhere (`BOOTREQUEST`/`BOOTREPLY` for BOOTP).
    pub fn type_name(&self) -> std::borrow::Cow<'static, str> {
        match self.msg_type {
            Some(t) => t.name().map_or_else(|| t.to_string().into(), Into::into),
            None if self.is_reply() => "BOOTREPLY".into(),
            None => "BOOTREQUEST".into(),
        }
    }
}

/// One server's OFFER within an exchange.
#[derive(Debug, Clone, PartialEq)]
pub struct Offer {
    pub server_id: Ipv4Addr,
    pub server_mac: Option<[u8; 6]>,
    pub yiaddr: Ipv4Addr,
    /// From the last DISCOVER transmission before it.
    pub latency_ms: Option<f64>,
    /// From the first DISCOVER transmission.
    pub latency_first_ms: Option<f64>,
    pub frame: u64,
}

#[derive(Debug, Clone)]
pub struct Exchange {
    pub xid: u32,
    pub kind: Kind,
    pub outcome: Outcome,
    pub start: Timestamp,
    pub end: Timestamp,
    pub messages: Vec<MessageRecord>,
    /// Messages beyond [`MAX_MESSAGES_PER_EXCHANGE`], counted only.
    pub messages_dropped: u32,
    pub offers: Vec<Offer>,
    /// The server chosen (option 54 of the REQUEST) or that answered.
    pub server_id: Option<Ipv4Addr>,
    /// The address bound (ACK's yiaddr, or the INFORM client's ciaddr).
    pub address: Option<Ipv4Addr>,
    pub lease_time: Option<u32>,
    pub t1: Option<u32>,
    pub t2: Option<u32>,
    pub retransmissions: u32,
}

impl Exchange {
    pub fn first_frame(&self) -> u64 {
        self.messages.first().map_or(0, |m| m.frame)
    }

    pub fn last_frame(&self) -> u64 {
        self.messages
            .iter()
            .map(|m| m.last_frame.max(m.frame))
            .max()
            .unwrap_or(0)
    }

    /// The latest client (BOOTREQUEST) message.
    fn last_request(&self) -> Option<&MessageRecord> {
        self.messages.iter().rev().find(|m| !m.is_reply())
    }
}

#[derive(Debug, Clone)]
pub struct Client {
    /// chaddr (up to 16 bytes; 6 for Ethernet).
    pub chaddr: Vec<u8>,
    /// Other chaddrs seen with the same client identifier.
    pub other_chaddrs: Vec<Vec<u8>>,
    pub client_id: Option<Vec<u8>>,
    /// Escaped for display.
    pub hostname: Option<String>,
    /// Escaped for display.
    pub vendor_class: Option<String>,
    hostname_raw: Option<Vec<u8>>,
    vendor_class_raw: Option<Vec<u8>>,
    pub exchanges: Vec<Exchange>,
    /// Exchanges dropped to bound memory (the oldest first).
    pub exchanges_dropped: u64,
    pub first_seen: Timestamp,
    pub last_seen: Timestamp,
}

impl Client {
    /// The address the client holds or last held.
    pub fn last_address(&self) -> Option<Ipv4Addr> {
        self.exchanges.iter().rev().find_map(|e| match e.outcome {
            Outcome::Ack => e.address,
            _ => None,
        })
    }

    pub fn mac_string(&self) -> String {
        opt::colon_hex(&self.chaddr)
    }
}

/// Everything known about one server, identified by option 54 (relays hide the IP source).
#[derive(Debug, Clone)]
pub struct Server {
    pub id: Ipv4Addr,
    /// False when the server sent no option 54 and is known by its IP source.
    pub has_server_id: bool,
    pub macs: Vec<[u8; 6]>,
    pub ips: Vec<Ipv4Addr>,
    /// Relay addresses (giaddr) its replies went through.
    pub relays: Vec<Ipv4Addr>,
    pub offers: u64,
    pub acks: u64,
    pub naks: u64,
    pub other_replies: u64,
    /// Networks (from yiaddr and option 1) it hands out.
    pub subnets: Vec<config::Cidr>,
    pub routers: Vec<Ipv4Addr>,
    pub dns: Vec<Ipv4Addr>,
    pub lease_times: Vec<u32>,
    pub latencies_ms: Latencies,
    /// `None` when no expectation was given.
    pub expected: Option<bool>,
    pub first_frame: u64,
    /// Addresses offered or acked, a few of them for messages.
    pub sample_addresses: Vec<Ipv4Addr>,
    /// Segments (VLAN tags, relay) its OFFERs and ACKs reached clients on.
    pub segments: Vec<Segment>,
    /// It handed out at least one address.
    handed_out: bool,
    /// It handed out an address outside the expected subnets (when some are given).
    outside_expected_subnets: bool,
}

impl Server {
    /// Median and 95th percentile latency in ms.
    pub fn latency_summary(&self) -> Option<(f64, f64)> {
        Some((
            self.latencies_ms.quantile(0.5)?,
            self.latencies_ms.quantile(0.95)?,
        ))
    }

    fn matches(&self, r: &config::ServerRef) -> bool {
        match r {
            config::ServerRef::Ip(ip) => self.id == *ip || self.ips.contains(ip),
            config::ServerRef::Mac(mac) => self.macs.contains(mac),
        }
    }

    /// Expected when it matches a named server (if any were named) and every address it
    /// handed out lies in the lease networks of concern (if any were named). A server that
    /// handed out nothing gets no verdict from subnets alone. `None` without expectations.
    fn is_expected(&self, e: &Expectations) -> Option<bool> {
        if !e.given() {
            return None;
        }
        if e.servers.is_empty() && !self.handed_out {
            return None;
        }
        let named = e.servers.is_empty() || e.servers.iter().any(|r| self.matches(r));
        Some(named && !self.outside_expected_subnets)
    }
}

/// The analysis of a capture or a live interface so far.
#[derive(Debug, Default)]
pub struct Analysis {
    pub clients: Vec<Client>,
    pub servers: Vec<Server>,
    pub findings: Vec<Finding>,
    pub expectations: Expectations,
    /// DHCP packets analysed.
    pub packets: u64,
    pub first_ts: Option<Timestamp>,
    pub last_ts: Option<Timestamp>,
    by_chaddr: HashMap<Vec<u8>, usize>,
    by_client_id: HashMap<Vec<u8>, usize>,
    /// (client, xid) → index into that client's `exchanges`.
    /// (client, xid) → number of that client's exchange counted from its first, dropped ones
    /// included (so dropping the oldest needs no renumbering).
    open: HashMap<(usize, u32), u64>,
    /// DHCP packets since the indexes were last pruned.
    since_prune: u32,
    by_server: HashMap<Ipv4Addr, usize>,
    /// xid → (client, time) of the latest client message with that xid.
    by_xid: HashMap<u32, (usize, Timestamp)>,
    /// Address → (client, time of ACK, lease end) for duplicate-address detection.
    leases: HashMap<Ipv4Addr, (usize, Timestamp, Option<Timestamp>)>,
    sink: FindingSink,
    finished: bool,
}

fn push_unique<T: PartialEq>(v: &mut Vec<T>, item: T, cap: usize) {
    if v.len() < cap && !v.contains(&item) {
        v.push(item);
    }
}

impl Analysis {
    pub fn new(expectations: Expectations) -> Self {
        Self {
            expectations,
            ..Self::default()
        }
    }

    /// Feeds one DHCP packet.
    pub fn observe(&mut self, p: &Packet<'_>) {
        let m = &p.dhcp;
        // Without the fixed header up to chaddr there is nothing to key on.
        if !m.has(crate::dhcp::field::CHADDR) || !matches!(m.op, 1 | 2) {
            return;
        }
        // Leasequery (RFC 4388) is relay-to-server bookkeeping about other clients, not a
        // client's exchange: its replies name chaddrs nobody asked for.
        if m.message_type().is_some_and(|t| (10..=17).contains(&t.0)) {
            return;
        }
        self.finished = false;
        self.packets += 1;
        let ts = p.frame.ts;
        self.first_ts.get_or_insert(ts);
        self.last_ts = Some(self.last_ts.map_or(ts, |l| l.max(ts)));
        self.since_prune += 1;
        if self.since_prune >= PRUNE_EVERY {
            self.since_prune = 0;
            self.prune(ts);
        }
        let record = self.record(p);
        let client = self.client_for(m, ts);
        if m.op == 1 {
            self.observe_request(client, m, record);
        } else {
            self.observe_reply(client, m, record);
        }
    }

    fn record(&self, p: &Packet<'_>) -> MessageRecord {
        let m = &p.dhcp;
        MessageRecord {
            frame: p.frame.number,
            ts: p.frame.ts,
            ts_digits: p.frame.ts_digits,
            op: m.op,
            msg_type: m.message_type(),
            src_mac: p.udp.src_mac,
            src_ip: p.udp.src_ip,
            dst_ip: p.udp.dst_ip,
            src_port: p.udp.src_port,
            dst_port: p.udp.dst_port,
            server_id: m.server_id(),
            ciaddr: m.ciaddr,
            yiaddr: m.yiaddr,
            giaddr: m.giaddr,
            requested_ip: m.requested_ip(),
            lease_time: m.lease_time(),
            broadcast: m.broadcast(),
            secs: m.secs,
            retransmissions: 0,
            last_frame: p.frame.number,
            last_ts: p.frame.ts,
            latency_ms: None,
            warnings: (m.warnings.len() + p.warnings.len()).min(usize::from(u16::MAX)) as u16,
            snaplen_cut: p.frame.snaplen_cut(),
            has_client_id: m.first_option(opt::CLIENT_ID).is_some(),
            segment: Segment {
                vlans: {
                    let mut v = [0u16; 3];
                    for (slot, id) in v.iter_mut().zip(p.udp.vlans.as_slice()) {
                        *slot = *id;
                    }
                    v
                },
                relay: m.giaddr,
            },
        }
    }

    fn client_for(&mut self, m: &Message<'_>, ts: Timestamp) -> usize {
        let chaddr = m.chaddr();
        let client_id = m.client_id().filter(|_| m.op == 1);
        let by_id = client_id
            .as_deref()
            .and_then(|id| self.by_client_id.get(id).copied());
        // The chaddr is looked up only when the client-id did not name the client.
        let known = by_id
            .map(|i| (i, true))
            .or_else(|| self.by_chaddr.get(chaddr).map(|&i| (i, false)));
        let idx = match known {
            Some((i, true)) => {
                if self.clients[i].chaddr != chaddr
                    && !self.clients[i].other_chaddrs.iter().any(|c| c == chaddr)
                {
                    self.clients[i].other_chaddrs.push(chaddr.to_vec());
                    self.by_chaddr.entry(chaddr.to_vec()).or_insert(i);
                }
                i
            }
            Some((i, false)) => i,
            None => {
                let i = self.clients.len();
                self.clients.push(Client {
                    chaddr: chaddr.to_vec(),
                    other_chaddrs: Vec::new(),
                    client_id: None,
                    hostname: None,
                    vendor_class: None,
                    hostname_raw: None,
                    vendor_class_raw: None,
                    exchanges: Vec::new(),
                    exchanges_dropped: 0,
                    first_seen: ts,
                    last_seen: ts,
                });
                self.by_chaddr.insert(chaddr.to_vec(), i);
                i
            }
        };
        let c = &mut self.clients[idx];
        c.last_seen = c.last_seen.max(ts);
        if m.op == 1 {
            if let Some(id) = client_id
                && c.client_id.is_none()
            {
                c.client_id = Some(id.to_vec());
                self.by_client_id.entry(id.into_owned()).or_insert(idx);
            }
            // Escaping allocates: only when the value changes, not on every packet.
            if let Some(h) = m.first_option(opt::HOSTNAME)
                && c.hostname_raw.as_deref() != Some(h)
            {
                c.hostname_raw = Some(h.to_vec());
                c.hostname = m.hostname().map(|h| escape_bytes(&h));
            }
            if let Some(v) = m.first_option(opt::VENDOR_CLASS)
                && c.vendor_class_raw.as_deref() != Some(v)
            {
                c.vendor_class_raw = Some(v.to_vec());
                c.vendor_class = m.option(opt::VENDOR_CLASS).map(|v| escape_bytes(&v));
            }
        }
        idx
    }

    fn classify(m: &Message<'_>, dst: Ipv4Addr) -> Kind {
        match m.message_type() {
            None => Kind::Bootp,
            Some(MessageType::DISCOVER) => Kind::Dora,
            Some(MessageType::REQUEST) => {
                if !m.ciaddr.is_unspecified() {
                    // A relay forwards only broadcasts: with giaddr set it was a REBIND.
                    if dst == Ipv4Addr::BROADCAST || !m.giaddr.is_unspecified() {
                        Kind::Rebind
                    } else {
                        Kind::Renew
                    }
                } else if m.server_id().is_some() {
                    // SELECTING whose DISCOVER was not captured.
                    Kind::Dora
                } else {
                    Kind::InitReboot
                }
            }
            Some(MessageType::INFORM) => Kind::Inform,
            Some(MessageType::RELEASE) => Kind::Release,
            Some(MessageType::DECLINE) => Kind::Decline,
            Some(_) => Kind::Other,
        }
    }

    /// The open exchange for (client, xid) if the message belongs to it.
    fn open_exchange(
        &self,
        client: usize,
        xid: u32,
        ts: Timestamp,
        msg_type: Option<MessageType>,
    ) -> Option<usize> {
        let i = self.open_index(client, xid)?;
        let ex = self.clients[client].exchanges.get(i)?;
        if ts.secs.saturating_sub(ex.end.secs) > EXCHANGE_IDLE_SECS
            || ts.secs.saturating_sub(ex.start.secs) > EXCHANGE_MAX_SECS
        {
            return None;
        }
        // A client starting over after a final answer starts a new exchange.
        let restart = match msg_type {
            Some(MessageType::DISCOVER) => ex.outcome.is_final() || ex.kind != Kind::Dora,
            Some(MessageType::REQUEST) => {
                ex.outcome.is_final()
                    || !matches!(
                        ex.kind,
                        Kind::Dora | Kind::InitReboot | Kind::Renew | Kind::Rebind
                    )
            }
            Some(MessageType::INFORM) => ex.kind != Kind::Inform || ex.outcome.is_final(),
            // A relay's copy of a RELEASE/DECLINE joins it; anything else starts anew.
            Some(MessageType::RELEASE) => ex.kind != Kind::Release,
            Some(MessageType::DECLINE) => ex.kind != Kind::Decline,
            _ => false,
        };
        (!restart).then_some(i)
    }

    /// Index into the client's `exchanges` of the open exchange for `xid`, if still kept.
    fn open_index(&self, client: usize, xid: u32) -> Option<usize> {
        let number = *self.open.get(&(client, xid))?;
        let kept = number.checked_sub(self.clients[client].exchanges_dropped)?;
        usize::try_from(kept).ok()
    }

    /// Forgets index entries no later packet can use, so they grow with clients, not packets.
    fn prune(&mut self, now: Timestamp) {
        let clients = &self.clients;
        self.open.retain(|&(client, xid), number| {
            let c = &clients[client];
            number
                .checked_sub(c.exchanges_dropped)
                .and_then(|i| c.exchanges.get(usize::try_from(i).ok()?))
                .is_some_and(|e| {
                    e.xid == xid && now.secs.saturating_sub(e.end.secs) <= EXCHANGE_IDLE_SECS
                })
        });
        self.by_xid
            .retain(|_, (_, t)| now.secs.saturating_sub(t.secs) <= RECENT_XID_SECS);
    }

    fn new_exchange(&mut self, client: usize, xid: u32, kind: Kind, ts: Timestamp) -> usize {
        let c = &mut self.clients[client];
        // A client that moves on has given up on what it was waiting for.
        for ex in c
            .exchanges
            .iter_mut()
            .filter(|e| e.outcome == Outcome::Pending)
        {
            ex.outcome = settle(ex, true);
        }
        if c.exchanges.len() >= MAX_EXCHANGES_PER_CLIENT {
            c.exchanges.remove(0);
            c.exchanges_dropped += 1;
        }
        let c = &mut self.clients[client];
        c.exchanges.push(Exchange {
            xid,
            kind,
            outcome: Outcome::Pending,
            start: ts,
            end: ts,
            messages: Vec::new(),
            messages_dropped: 0,
            offers: Vec::new(),
            server_id: None,
            address: None,
            lease_time: None,
            t1: None,
            t2: None,
            retransmissions: 0,
        });
        let i = c.exchanges.len() - 1;
        let number = c.exchanges_dropped + i as u64;
        self.open.insert((client, xid), number);
        i
    }

    fn observe_request(&mut self, client: usize, m: &Message<'_>, record: MessageRecord) {
        let ts = record.ts;
        let msg_type = record.msg_type;
        self.by_xid.insert(m.xid, (client, ts));
        let idx = match self.open_exchange(client, m.xid, ts, msg_type) {
            Some(i) => i,
            None => {
                let kind = Self::classify(m, record.dst_ip);
                self.new_exchange(client, m.xid, kind, ts)
            }
        };
        reopen(&mut self.clients[client].exchanges[idx]);
        findings::check_request(&mut self.sink, &self.clients[client], m, &record);
        if msg_type == Some(MessageType::DISCOVER) {
            self.sink.discover_seen(ts);
        }
        if msg_type == Some(MessageType::DECLINE) {
            let declined = record.requested_ip;
            let had_ack =
                self.clients[client].exchanges.iter().rev().any(|e| {
                    e.outcome == Outcome::Ack && e.address.is_some() && e.address == declined
                });
            findings::decline(&mut self.sink, &self.clients[client], &record, had_ack);
            if let Some(addr) = declined {
                self.leases.remove(&addr);
            }
        }
        if msg_type == Some(MessageType::RELEASE) {
            self.leases.remove(&record.ciaddr);
        }
        let ex = &mut self.clients[client].exchanges[idx];
        ex.end = ex.end.max(ts);
        // Same type again on the same leg (source MAC and port, giaddr): a retransmission,
        // folded into one record. A copy on another leg is a separate message: forwarded by a
        // relay (source port 67), or routed onto another captured segment (the router's MAC).
        if let Some(prev) = ex
            .messages
            .iter_mut()
            .rev()
            .find(|r| {
                !r.is_reply()
                    && r.src_mac == record.src_mac
                    && r.src_port == record.src_port
                    && r.giaddr == record.giaddr
            })
            .filter(|r| r.msg_type == msg_type)
        {
            prev.retransmissions += 1;
            prev.last_frame = record.frame;
            prev.last_ts = record.ts;
            prev.secs = record.secs;
            ex.retransmissions += 1;
            return;
        }
        match msg_type {
            Some(MessageType::REQUEST) if record.server_id.is_some() => {
                ex.server_id = record.server_id;
            }
            Some(MessageType::RELEASE) => {
                ex.outcome = Outcome::Released;
                ex.address = Some(record.ciaddr).filter(|a| !a.is_unspecified());
                ex.server_id = record.server_id;
            }
            Some(MessageType::DECLINE) => {
                ex.outcome = Outcome::Declined;
                ex.address = record.requested_ip;
                ex.server_id = record.server_id;
            }
            _ => {}
        }
        push_record(ex, record);
    }

    fn observe_reply(&mut self, client: usize, m: &Message<'_>, mut record: MessageRecord) {
        let ts = record.ts;
        let idx = match self.open_index(client, m.xid).filter(|&i| {
            self.clients[client]
                .exchanges
                .get(i)
                .is_some_and(|e| ts.secs.saturating_sub(e.end.secs) <= EXCHANGE_IDLE_SECS)
        }) {
            Some(i) => i,
            None => {
                // A reply with nothing to answer: capture started mid-exchange, a server
                // answering what was never asked, or one that garbled xid or chaddr.
                let recent = |t: Timestamp| ts.secs.saturating_sub(t.secs) <= RECENT_XID_SECS;
                let xid_owner = self
                    .by_xid
                    .get(&m.xid)
                    .filter(|(_, t)| recent(*t))
                    .map(|(c, _)| *c);
                let own_xid = self.clients[client]
                    .exchanges
                    .iter()
                    .rev()
                    .find(|e| e.outcome == Outcome::Pending && recent(e.end))
                    .map(|e| e.xid);
                let server = record.server_id.unwrap_or(record.src_ip);
                findings::unmatched_reply(
                    &mut self.sink,
                    &self.clients,
                    client,
                    xid_owner,
                    &record,
                    server,
                    own_xid,
                    m.xid,
                );
                let kind = match record.msg_type {
                    Some(MessageType::OFFER) => Kind::Dora,
                    None => Kind::Bootp,
                    _ => Kind::Other,
                };
                self.new_exchange(client, m.xid, kind, ts)
            }
        };
        reopen(&mut self.clients[client].exchanges[idx]);
        let server = self.server_for(&record);
        let server_id = self.servers[server].id;

        let ex = &self.clients[client].exchanges[idx];
        let leg = Leg::of_reply(&record);
        // A relay's copy of a reply whose original (server to relay) was captured too is the
        // same reply seen twice: kept in the exchange, not counted again for the server.
        let duplicate = leg == Leg::RelayToClient && relayed_original_seen(ex, &record);
        // The client message this answers: the last request on the same leg before the reply
        // (the relay's copy for a reply to the relay, the client's own for a reply to it).
        let solicit = ex
            .messages
            .iter()
            .rev()
            .find(|r| !r.is_reply() && leg.answers(r))
            .or_else(|| ex.last_request())
            .cloned();
        if let Some(s) = &solicit {
            record.latency_ms = Some(ts.millis_since(s.last_ts));
        }
        findings::check_reply(
            &mut self.sink,
            &self.expectations,
            &self.clients[client],
            ex,
            &self.servers[server],
            m,
            &record,
            solicit.as_ref(),
            duplicate,
        );

        // Server inventory: one count and one latency per reply the server sent.
        let srv = &mut self.servers[server];
        if !duplicate {
            if let Some(l) = record.latency_ms {
                srv.latencies_ms.push(l);
            }
            match record.msg_type {
                Some(MessageType::OFFER) => srv.offers += 1,
                Some(MessageType::ACK) => srv.acks += 1,
                Some(MessageType::NAK) => srv.naks += 1,
                _ => srv.other_replies += 1,
            }
        }
        // The relay's MAC and address are not the server's: the relay shows as giaddr.
        if leg != Leg::RelayToClient {
            if let Some(mac) = record.src_mac {
                push_unique(&mut srv.macs, mac, 16);
            }
            push_unique(&mut srv.ips, record.src_ip, 16);
        }
        if !record.giaddr.is_unspecified() {
            push_unique(&mut srv.relays, record.giaddr, 16);
        }
        if matches!(record.msg_type, Some(MessageType::OFFER | MessageType::ACK)) {
            let handed = if record.yiaddr.is_unspecified() {
                None
            } else {
                Some(record.yiaddr)
            };
            push_unique(&mut srv.segments, record.segment, 16);
            if let Some(addr) = handed {
                srv.handed_out = true;
                let subnets = &self.expectations.subnets;
                if !subnets.is_empty() && !subnets.iter().any(|n| n.contains(addr)) {
                    srv.outside_expected_subnets = true;
                }
                push_unique(&mut srv.sample_addresses, addr, 8);
                let prefix = match m.first_option(opt::SUBNET_MASK) {
                    Some(&[a, b, c, d]) => u32::from_be_bytes([a, b, c, d]).leading_ones() as u8,
                    _ => 24,
                };
                let network = Ipv4Addr::from(u32::from(addr) & config::prefix_mask(prefix));
                push_unique(&mut srv.subnets, config::Cidr { network, prefix }, 16);
            }
            if let Some(d) = m.first_option(opt::ROUTER) {
                for c in d.chunks_exact(4) {
                    push_unique(&mut srv.routers, Ipv4Addr::new(c[0], c[1], c[2], c[3]), 16);
                }
            }
            if let Some(d) = m.first_option(opt::DNS_SERVERS) {
                for c in d.chunks_exact(4) {
                    push_unique(&mut srv.dns, Ipv4Addr::new(c[0], c[1], c[2], c[3]), 16);
                }
            }
            if let Some(l) = record.lease_time {
                push_unique(&mut srv.lease_times, l, 16);
            }
        }

        srv.expected = srv.is_expected(&self.expectations);

        // Exchange state.
        let ex = &mut self.clients[client].exchanges[idx];
        ex.end = ex.end.max(ts);
        match record.msg_type {
            Some(MessageType::OFFER) => {
                let dup = ex
                    .offers
                    .iter()
                    .any(|o| o.server_id == server_id && o.yiaddr == record.yiaddr);
                if !dup {
                    let discovers = || {
                        ex.messages
                            .iter()
                            .filter(|r| r.msg_type == Some(MessageType::DISCOVER))
                    };
                    let first = discovers()
                        .find(|r| leg.answers(r))
                        .or_else(|| discovers().next());
                    ex.offers.push(Offer {
                        server_id,
                        server_mac: record.src_mac.filter(|_| leg != Leg::RelayToClient),
                        yiaddr: record.yiaddr,
                        latency_ms: record.latency_ms,
                        latency_first_ms: first.map(|d| ts.millis_since(d.ts)),
                        frame: record.frame,
                    });
                }
            }
            Some(MessageType::ACK)
                if !matches!(
                    ex.outcome,
                    Outcome::Ack | Outcome::Released | Outcome::Declined
                ) =>
            {
                ex.outcome = Outcome::Ack;
                ex.server_id.get_or_insert(server_id);
                ex.address = if ex.kind == Kind::Inform {
                    solicit
                        .as_ref()
                        .map(|s| s.ciaddr)
                        .filter(|a| !a.is_unspecified())
                } else {
                    Some(record.yiaddr).filter(|a| !a.is_unspecified())
                };
                ex.lease_time = record.lease_time;
                ex.t1 = m.renewal_time();
                ex.t2 = m.rebinding_time();
            }
            Some(MessageType::NAK) if ex.outcome == Outcome::Pending => {
                ex.outcome = Outcome::Nak;
                ex.server_id.get_or_insert(server_id);
                self.sink.nak_seen(client, ts);
            }
            // BOOTP (or DHCP whose options were cut by a snaplen): a BOOTREPLY with an
            // address answers the BOOTREQUEST.
            None if ex.kind == Kind::Bootp
                && ex.outcome == Outcome::Pending
                && !record.yiaddr.is_unspecified() =>
            {
                ex.outcome = Outcome::Ack;
                ex.server_id.get_or_insert(server_id);
                ex.address = Some(record.yiaddr);
            }
            _ => {}
        }
        let acked = (record.msg_type == Some(MessageType::ACK) && ex.kind != Kind::Inform)
            .then_some(ex.address)
            .flatten();
        let lease_end = record
            .lease_time
            .filter(|l| *l != u32::MAX)
            .map(|l| Timestamp::new(ts.secs.saturating_add(i64::from(l)), ts.nanos));
        push_record(ex, record);

        if let Some(addr) = acked {
            self.note_lease(client, addr, ts, lease_end);
        }
    }

    fn note_lease(
        &mut self,
        client: usize,
        addr: Ipv4Addr,
        ts: Timestamp,
        lease_end: Option<Timestamp>,
    ) {
        if let Some(&(holder, since, end)) = self.leases.get(&addr) {
            let still_valid = end.is_none_or(|e| e > ts);
            if holder != client && still_valid {
                findings::duplicate_address(
                    &mut self.sink,
                    &self.clients,
                    addr,
                    holder,
                    client,
                    since,
                    ts,
                );
            }
        }
        self.leases.insert(addr, (client, ts, lease_end));
    }

    fn server_for(&mut self, record: &MessageRecord) -> usize {
        let (id, has_id) = match record.server_id {
            Some(id) => (id, true),
            None => (record.src_ip, false),
        };
        if let Some(&i) = self.by_server.get(&id) {
            self.servers[i].has_server_id |= has_id;
            return i;
        }
        let i = self.servers.len();
        self.servers.push(Server {
            id,
            has_server_id: has_id,
            macs: Vec::new(),
            ips: Vec::new(),
            relays: Vec::new(),
            offers: 0,
            acks: 0,
            naks: 0,
            other_replies: 0,
            subnets: Vec::new(),
            routers: Vec::new(),
            dns: Vec::new(),
            lease_times: Vec::new(),
            latencies_ms: Latencies::default(),
            expected: None,
            first_frame: record.frame,
            sample_addresses: Vec::new(),
            segments: Vec::new(),
            handed_out: false,
            outside_expected_subnets: false,
        });
        self.by_server.insert(id, i);
        i
    }

    /// Settles pending exchanges as of `now` (the end of the capture) and computes the
    /// findings that need the whole picture. Safe to call repeatedly (live views).
    pub fn finish(&mut self) {
        if self.finished {
            return;
        }
        self.finished = true;
        let now = self.last_ts.unwrap_or_default();
        for c in &mut self.clients {
            for ex in &mut c.exchanges {
                if ex.outcome != Outcome::Pending {
                    continue;
                }
                let gave_up = ex.retransmissions > 0
                    || now.secs.saturating_sub(ex.end.secs) > SETTLE_QUIET_SECS;
                ex.outcome = settle(ex, gave_up);
            }
        }
        for s in &mut self.servers {
            s.expected = s.is_expected(&self.expectations);
        }
        self.findings = self
            .sink
            .collect(&self.clients, &self.servers, &self.expectations);
    }

    /// Client by chaddr.
    pub fn client(&self, chaddr: &[u8]) -> Option<&Client> {
        self.by_chaddr.get(chaddr).map(|&i| &self.clients[i])
    }

    /// Index in [`Analysis::clients`] of the client with this chaddr.
    pub fn client_index(&self, chaddr: &[u8]) -> Option<usize> {
        self.by_chaddr.get(chaddr).copied()
    }

    /// Worst severity among findings.
    pub fn worst_severity(&self) -> Option<Severity> {
        self.findings.iter().map(|f| f.severity).max()
    }

    /// Convenience: analyse every DHCP packet of a source.
    pub fn run<S: crate::source::FrameSource + ?Sized>(
        source: &mut S,
        expectations: Expectations,
    ) -> (Self, crate::pipeline::ReadSummary) {
        let mut a = Analysis::new(expectations);
        let summary = crate::pipeline::read_dhcp(source, |p| {
            a.observe(p);
            std::ops::ControlFlow::Continue(())
        });
        a.finish();
        (a, summary)
    }
}

/// Which leg of a relayed conversation a message travels on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Leg {
    /// Between client and server, or client and relay (client port 68).
    Client,
    /// A relay's copy of a reply, forwarded to the client (port 67 to 68, giaddr set).
    RelayToClient,
    /// Between relay and server (server port 67 on both ends).
    RelayToServer,
}

impl Leg {
    fn of_reply(r: &MessageRecord) -> Leg {
        if r.dst_port == 67 {
            Leg::RelayToServer
        } else if r.src_port == 67 && !r.giaddr.is_unspecified() {
            Leg::RelayToClient
        } else {
            Leg::Client
        }
    }

    /// Is request `r` what a reply on this leg answers?
    fn answers(self, r: &MessageRecord) -> bool {
        match self {
            Leg::RelayToServer => r.src_port == 67,
            Leg::Client | Leg::RelayToClient => r.src_port != 67,
        }
    }
}

/// Does the exchange hold the server's reply to the relay that this relay copy forwards
/// (same type, server and address), not yet matched by an earlier copy?
fn relayed_original_seen(ex: &Exchange, copy: &MessageRecord) -> bool {
    let same = |r: &&MessageRecord| {
        r.is_reply()
            && r.msg_type == copy.msg_type
            && r.server_id == copy.server_id
            && r.yiaddr == copy.yiaddr
            && !r.giaddr.is_unspecified()
    };
    let originals = ex
        .messages
        .iter()
        .filter(same)
        .filter(|r| r.dst_port == 67)
        .count();
    let copies = ex
        .messages
        .iter()
        .filter(same)
        .filter(|r| Leg::of_reply(r) == Leg::RelayToClient)
        .count();
    originals > copies
}

/// A message joined an exchange that was only settled for lack of news: it is open again.
fn reopen(ex: &mut Exchange) {
    if ex.outcome.is_settled() {
        ex.outcome = Outcome::Pending;
    }
}

/// An exchange this quiet at the end of the capture was given up, not cut off.
const SETTLE_QUIET_SECS: i64 = 10;

/// The outcome of an exchange left without a final answer: `gave_up` when the client
/// retried, moved on, or fell silent long before the capture ended.
fn settle(ex: &Exchange, gave_up: bool) -> Outcome {
    let requested = ex
        .messages
        .iter()
        .any(|m| m.msg_type == Some(MessageType::REQUEST));
    match ex.kind {
        _ if !gave_up => Outcome::Incomplete,
        // A REQUEST went out (its OFFER may not have been captured): nobody answered it.
        Kind::Dora if requested => Outcome::NoAnswer,
        Kind::Dora if ex.offers.is_empty() => Outcome::NoOffer,
        Kind::Dora => Outcome::Incomplete,
        Kind::Bootp if ex.messages.iter().all(|m| !m.is_reply()) => Outcome::NoAnswer,
        Kind::Other if ex.messages.iter().all(MessageRecord::is_reply) => Outcome::Incomplete,
        _ => Outcome::NoAnswer,
    }
}

fn push_record(ex: &mut Exchange, record: MessageRecord) {
    if ex.messages.len() < MAX_MESSAGES_PER_EXCHANGE {
        ex.messages.push(record);
    } else {
        ex.messages_dropped += 1;
    }
}

/// Decoder warnings that matter as findings.
pub(crate) fn hidden_in_overload(m: &Message<'_>) -> Option<Vec<u8>> {
    let mut codes = Vec::new();
    for w in &m.warnings {
        if let Warning::OnlyInOverload { codes: c, .. } = w {
            codes.extend_from_slice(c);
        }
    }
    (!codes.is_empty()).then_some(codes)
}

#[cfg(test)]
mod tests;
