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

mod compact;
pub mod config;
mod expire;
pub mod findings;
mod latency;
pub mod v6;

pub use compact::Chaddr;
use compact::{FastMap, push_compact};

pub use latency::Latencies;

pub use config::Expectations;
pub use findings::{Finding, Severity};

use crate::dhcp::options::{self as opt, MessageType};
use crate::dhcp::{Message, Warning};
use crate::escape::escape_bytes;
use crate::pipeline::Packet;
use crate::time::Timestamp;
use findings::FindingSink;
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
/// `MessageRecord::last_delta_secs` when the last retransmission has no time.
const UNKNOWN_DELTA: i32 = i32::MIN;

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
    /// Messages an exchange of this kind usually holds (retransmissions fold into one):
    /// its first allocation.
    fn usual_messages(self) -> usize {
        match self {
            Kind::Dora => 4,
            Kind::InitReboot | Kind::Renew | Kind::Rebind | Kind::Inform | Kind::Bootp => 2,
            Kind::Release | Kind::Decline | Kind::Other => 1,
        }
    }

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

/// One DHCP message as the views need it: small (112 bytes; a capture of a million
/// messages keeps a million of them), no copy of the packet. Values only some messages
/// carry are packed behind accessors ([`MessageRecord::latency_ms`], `lease_time`,
/// `src_mac`, `last_ts`, `broadcast`, `snaplen_cut`, `has_client_id`).
#[derive(Debug, Clone)]
pub struct MessageRecord {
    pub frame: u64,
    pub ts: Timestamp,
    /// Frame of the last retransmission (equal to `frame` when none).
    pub last_frame: u64,
    /// Latency in ms, NaN when none.
    latency: f64,
    pub server_id: Option<Ipv4Addr>,
    pub requested_ip: Option<Ipv4Addr>,
    pub src_ip: Ipv4Addr,
    pub dst_ip: Ipv4Addr,
    pub ciaddr: Ipv4Addr,
    pub yiaddr: Ipv4Addr,
    pub giaddr: Ipv4Addr,
    /// Retransmissions folded into this record (same type, same xid).
    pub retransmissions: u32,
    /// Option 51 when [`flags::LEASE`] is set.
    lease: u32,
    /// Time of the last retransmission after `ts`: seconds (clamped to ±68 years) and nanos.
    last_delta_secs: i32,
    last_nanos: u32,
    pub src_port: u16,
    pub dst_port: u16,
    /// Decoder warnings on this packet.
    pub warnings: u16,
    /// VLAN tags of the frame, outer first (0: none); with giaddr, the [`Segment`].
    vlans: [u16; 3],
    pub msg_type: Option<MessageType>,
    /// Source MAC when [`flags::MAC`] is set.
    mac: [u8; 6],
    /// Fractional digits of the source's timestamps.
    pub ts_digits: u8,
    pub op: u8,
    flags: u8,
}

/// Bits of [`MessageRecord`]'s `flags`.
mod flags {
    pub const LEASE: u8 = 1;
    pub const MAC: u8 = 2;
    pub const BROADCAST: u8 = 4;
    pub const SNAPLEN_CUT: u8 = 8;
    pub const CLIENT_ID: u8 = 16;
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

    fn flag(&self, bit: u8) -> bool {
        self.flags & bit != 0
    }

    /// Latency from the client message this reply answers (last transmission), in ms.
    pub fn latency_ms(&self) -> Option<f64> {
        (!self.latency.is_nan()).then_some(self.latency)
    }

    fn set_latency_ms(&mut self, ms: f64) {
        self.latency = ms;
    }

    /// Lease time (option 51).
    pub fn lease_time(&self) -> Option<u32> {
        self.flag(flags::LEASE).then_some(self.lease)
    }

    /// Ethernet source address, when the link has one.
    pub fn src_mac(&self) -> Option<[u8; 6]> {
        self.flag(flags::MAC).then_some(self.mac)
    }

    /// Time of the last retransmission (`ts` when none); unknown when either time is.
    pub fn last_ts(&self) -> Timestamp {
        if !self.ts.is_known() || self.last_delta_secs == UNKNOWN_DELTA {
            return Timestamp::UNKNOWN;
        }
        Timestamp::new(
            self.ts.secs.saturating_add(i64::from(self.last_delta_secs)),
            self.last_nanos,
        )
    }

    /// A retransmission of this message was seen in `frame` at `ts`.
    fn retransmitted(&mut self, frame: u64, ts: Timestamp) {
        self.retransmissions += 1;
        self.last_frame = frame;
        self.last_delta_secs = match ts.secs_since(self.ts) {
            Some(delta) => delta.clamp(i64::from(i32::MIN) + 1, i64::from(i32::MAX)) as i32,
            None => UNKNOWN_DELTA,
        };
        self.last_nanos = ts.nanos;
    }

    /// The broadcast flag was set.
    pub fn broadcast(&self) -> bool {
        self.flag(flags::BROADCAST)
    }

    /// The capture kept fewer bytes than the frame had (snaplen).
    pub fn snaplen_cut(&self) -> bool {
        self.flag(flags::SNAPLEN_CUT)
    }

    /// The message carried a client identifier (option 61).
    pub fn has_client_id(&self) -> bool {
        self.flag(flags::CLIENT_ID)
    }

    /// The broadcast domain it was captured on: VLAN tags and relay.
    pub fn segment(&self) -> Segment {
        Segment {
            vlans: self.vlans,
            relay: self.giaddr,
        }
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
    pub chaddr: Chaddr,
    /// Other chaddrs seen with the same client identifier.
    pub other_chaddrs: Vec<Chaddr>,
    pub client_id: Option<Box<[u8]>>,
    /// Escaped for display.
    pub hostname: Option<Box<str>>,
    /// Escaped for display.
    pub vendor_class: Option<Box<str>>,
    /// Fingerprints of the raw values, so they are escaped again only when they change.
    hostname_seen: u64,
    vendor_class_seen: u64,
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
        self.chaddr.to_string()
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

    /// Inventory from one reply: counts and latency (once per reply, not per relay copy),
    /// addresses, and what it hands out.
    fn note_reply(
        &mut self,
        m: &Message<'_>,
        record: &MessageRecord,
        leg: Leg,
        duplicate: bool,
        e: &Expectations,
    ) {
        if !duplicate {
            if let Some(l) = record.latency_ms() {
                self.latencies_ms.push(l);
            }
            match record.msg_type {
                Some(MessageType::OFFER) => self.offers += 1,
                Some(MessageType::ACK) => self.acks += 1,
                Some(MessageType::NAK) => self.naks += 1,
                _ => self.other_replies += 1,
            }
        }
        // The relay's MAC and address are not the server's: the relay shows as giaddr.
        if leg != Leg::RelayToClient {
            if let Some(mac) = record.src_mac() {
                push_unique(&mut self.macs, mac, 16);
            }
            push_unique(&mut self.ips, record.src_ip, 16);
        }
        if !record.giaddr.is_unspecified() {
            push_unique(&mut self.relays, record.giaddr, 16);
        }
        if matches!(record.msg_type, Some(MessageType::OFFER | MessageType::ACK)) {
            push_unique(&mut self.segments, record.segment(), 16);
            if !record.yiaddr.is_unspecified() {
                self.note_handed_out(m, record.yiaddr, e);
            }
            if let Some(d) = m.first_option(opt::ROUTER) {
                for c in d.chunks_exact(4) {
                    push_unique(&mut self.routers, Ipv4Addr::new(c[0], c[1], c[2], c[3]), 16);
                }
            }
            if let Some(d) = m.first_option(opt::DNS_SERVERS) {
                for c in d.chunks_exact(4) {
                    push_unique(&mut self.dns, Ipv4Addr::new(c[0], c[1], c[2], c[3]), 16);
                }
            }
            if let Some(l) = record.lease_time() {
                push_unique(&mut self.lease_times, l, 16);
            }
        }
        self.expected = self.is_expected(e);
    }

    /// An address offered or acked: its network (option 1, else /24) and the subnet verdict.
    fn note_handed_out(&mut self, m: &Message<'_>, addr: Ipv4Addr, e: &Expectations) {
        self.handed_out = true;
        if !e.subnets.is_empty() && !e.subnets.iter().any(|n| n.contains(addr)) {
            self.outside_expected_subnets = true;
        }
        push_unique(&mut self.sample_addresses, addr, 8);
        let prefix = match m.first_option(opt::SUBNET_MASK) {
            Some(&[a, b, c, d]) => u32::from_be_bytes([a, b, c, d]).leading_ones() as u8,
            _ => 24,
        };
        let network = Ipv4Addr::from(u32::from(addr) & config::prefix_mask(prefix));
        push_unique(&mut self.subnets, config::Cidr { network, prefix }, 16);
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
    by_chaddr: FastMap<Chaddr, u32>,
    /// Fingerprint of a client identifier → the client that has it (checked against the
    /// client's own copy, so the map keeps no second copy of every identifier).
    by_client_id: FastMap<u64, u32>,
    /// (client, xid) → index into that client's `exchanges`.
    /// (client, xid) → number of that client's exchange counted from its first, dropped ones
    /// included (so dropping the oldest needs no renumbering).
    open: FastMap<(u32, u32), u64>,
    /// DHCP packets since the indexes were last pruned.
    since_prune: u32,
    by_server: FastMap<Ipv4Addr, usize>,
    /// xid → (client, time) of the latest client message with that xid.
    by_xid: FastMap<u32, (u32, Timestamp)>,
    /// Address → (client, time of ACK, lease end) for duplicate-address detection.
    leases: FastMap<Ipv4Addr, Lease>,
    /// Seeds the fingerprints of hostnames and vendor classes.
    fingerprints: foldhash::fast::RandomState,
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
        let o = Options::of(m);
        if o.message_type.is_some_and(|t| (10..=17).contains(&t.0)) {
            return;
        }
        self.finished = false;
        self.packets += 1;
        let ts = p.frame.ts;
        // A packet without a time (pcapng Simple Packet Block) feeds no time-based rule.
        if ts.is_known() {
            self.first_ts.get_or_insert(ts);
            self.last_ts = Some(self.last_ts.map_or(ts, |l| l.max(ts)));
        }
        self.since_prune += 1;
        if self.since_prune >= PRUNE_EVERY && ts.is_known() {
            self.since_prune = 0;
            self.prune(ts);
        }
        let record = self.record(p, &o);
        let client = self.client_for(m, &o, ts);
        if m.op == 1 {
            self.observe_request(client, m, record);
        } else {
            self.observe_reply(client, m, record);
        }
    }

    fn record(&self, p: &Packet<'_>, o: &Options<'_>) -> MessageRecord {
        let m = &p.dhcp;
        let lease = o.lease_time;
        let bit = |on: bool, bit: u8| if on { bit } else { 0 };
        let flags = bit(lease.is_some(), flags::LEASE)
            | bit(p.udp.src_mac.is_some(), flags::MAC)
            | bit(m.broadcast(), flags::BROADCAST)
            | bit(p.frame.snaplen_cut(), flags::SNAPLEN_CUT)
            | bit(o.client_id.is_some(), flags::CLIENT_ID);
        MessageRecord {
            frame: p.frame.number,
            ts: p.frame.ts,
            last_frame: p.frame.number,
            latency: f64::NAN,
            server_id: o.server_id,
            requested_ip: o.requested_ip,
            src_ip: p.udp.src_ip,
            dst_ip: p.udp.dst_ip,
            ciaddr: m.ciaddr,
            yiaddr: m.yiaddr,
            giaddr: m.giaddr,
            retransmissions: 0,
            lease: lease.unwrap_or(0),
            last_delta_secs: 0,
            last_nanos: p.frame.ts.nanos,
            src_port: p.udp.src_port,
            dst_port: p.udp.dst_port,
            warnings: (m.warnings.len() + p.warnings.len()).min(usize::from(u16::MAX)) as u16,
            vlans: {
                let mut v = [0u16; 3];
                for (slot, id) in v.iter_mut().zip(p.udp.vlans.as_slice()) {
                    *slot = *id;
                }
                v
            },
            msg_type: o.message_type,
            mac: p.udp.src_mac.unwrap_or_default(),
            ts_digits: p.frame.ts_digits,
            op: m.op,
            flags,
        }
    }

    fn client_for(&mut self, m: &Message<'_>, o: &Options<'_>, ts: Timestamp) -> usize {
        let chaddr = m.chaddr();
        // Joined (RFC 3396) only when it was split: the usual case borrows the packet.
        let client_id = match o.client_id {
            Some(_) if o.client_id_split => m.client_id(),
            Some(id) => Some(std::borrow::Cow::Borrowed(id)),
            None => None,
        }
        .filter(|_| m.op == 1);
        let by_id = client_id.as_deref().and_then(|id| {
            let i = *self.by_client_id.get(&self.client_id_key(id))?;
            (self.clients[i as usize].client_id.as_deref() == Some(id)).then_some(i)
        });
        // The chaddr is looked up only when the client-id did not name the client.
        let known = by_id
            .map(|i| (i as usize, true))
            .or_else(|| self.by_chaddr.get(chaddr).map(|&i| (i as usize, false)));
        let idx = match known {
            Some((i, true)) => {
                let c = &mut self.clients[i];
                if c.chaddr != chaddr && !c.other_chaddrs.iter().any(|o| *o == chaddr) {
                    c.other_chaddrs.push(Chaddr::new(chaddr));
                    self.by_chaddr
                        .entry(Chaddr::new(chaddr))
                        .or_insert(i as u32);
                }
                i
            }
            Some((i, false)) => i,
            None => self.new_client(chaddr, ts),
        };
        if m.op == 1 {
            self.note_client_options(idx, m, o, client_id.as_deref());
        }
        let c = &mut self.clients[idx];
        c.last_seen = c.last_seen.max(ts);
        idx
    }

    fn client_id_key(&self, id: &[u8]) -> u64 {
        compact::fingerprint(&self.fingerprints, id)
    }

    fn new_client(&mut self, chaddr: &[u8], ts: Timestamp) -> usize {
        let i = self.clients.len();
        self.clients.push(Client {
            chaddr: Chaddr::new(chaddr),
            other_chaddrs: Vec::new(),
            client_id: None,
            hostname: None,
            vendor_class: None,
            hostname_seen: 0,
            vendor_class_seen: 0,
            exchanges: Vec::new(),
            exchanges_dropped: 0,
            first_seen: ts,
            last_seen: ts,
        });
        self.by_chaddr.insert(Chaddr::new(chaddr), i as u32);
        i
    }

    /// Client identifier, host name and vendor class from a client's message.
    fn note_client_options(
        &mut self,
        idx: usize,
        m: &Message<'_>,
        o: &Options<'_>,
        client_id: Option<&[u8]>,
    ) {
        let c = &mut self.clients[idx];
        if let Some(id) = client_id
            && c.client_id.is_none()
        {
            c.client_id = Some(id.into());
            let key = compact::fingerprint(&self.fingerprints, id);
            self.by_client_id.entry(key).or_insert(idx as u32);
        }
        // Escaping allocates: only when the value changes, not on every packet.
        if let Some(h) = o.hostname {
            let seen = compact::fingerprint(&self.fingerprints, h);
            if c.hostname.is_none() || c.hostname_seen != seen {
                c.hostname_seen = seen;
                c.hostname = m.hostname().map(|h| escape_bytes(&h).into());
            }
        }
        if let Some(v) = o.vendor_class {
            let seen = compact::fingerprint(&self.fingerprints, v);
            if c.vendor_class.is_none() || c.vendor_class_seen != seen {
                c.vendor_class_seen = seen;
                c.vendor_class = m.option(opt::VENDOR_CLASS).map(|v| escape_bytes(&v).into());
            }
        }
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
        if ts
            .secs_since(ex.end)
            .is_some_and(|d| d > EXCHANGE_IDLE_SECS)
            || ts
                .secs_since(ex.start)
                .is_some_and(|d| d > EXCHANGE_MAX_SECS)
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
        let number = *self.open.get(&(client as u32, xid))?;
        let kept = number.checked_sub(self.clients[client].exchanges_dropped)?;
        usize::try_from(kept).ok()
    }

    /// Forgets index entries no later packet can use, so they grow with clients, not packets.
    fn prune(&mut self, now: Timestamp) {
        let clients = &self.clients;
        self.open.retain(|&(client, xid), number| {
            let c = &clients[client as usize];
            number
                .checked_sub(c.exchanges_dropped)
                .and_then(|i| c.exchanges.get(usize::try_from(i).ok()?))
                .is_some_and(|e| {
                    e.xid == xid
                        && now
                            .secs_since(e.end)
                            .is_none_or(|d| d <= EXCHANGE_IDLE_SECS)
                })
        });
        self.by_xid
            .retain(|_, (_, t)| now.secs_since(*t).is_none_or(|d| d <= RECENT_XID_SECS));
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
        push_compact(
            &mut c.exchanges,
            Exchange {
                xid,
                kind,
                outcome: Outcome::Pending,
                start: ts,
                end: ts,
                messages: Vec::with_capacity(kind.usual_messages()),
                messages_dropped: 0,
                offers: Vec::new(),
                server_id: None,
                address: None,
                lease_time: None,
                t1: None,
                t2: None,
                retransmissions: 0,
            },
        );
        let i = c.exchanges.len() - 1;
        let number = c.exchanges_dropped + i as u64;
        self.open.insert((client as u32, xid), number);
        i
    }

    fn observe_request(&mut self, client: usize, m: &Message<'_>, record: MessageRecord) {
        let ts = record.ts;
        let msg_type = record.msg_type;
        self.by_xid.insert(m.xid, (client as u32, ts));
        let idx = match self.open_exchange(client, m.xid, ts, msg_type) {
            Some(i) => i,
            None => {
                let kind = Self::classify(m, record.dst_ip);
                self.new_exchange(client, m.xid, kind, ts)
            }
        };
        reopen(&mut self.clients[client].exchanges[idx]);
        findings::check_request(&mut self.sink, &self.clients[client], m, &record);
        if msg_type == Some(MessageType::DISCOVER) && ts.is_known() {
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
                    && r.src_mac() == record.src_mac()
                    && r.src_port == record.src_port
                    && r.giaddr == record.giaddr
            })
            .filter(|r| r.msg_type == msg_type)
        {
            prev.retransmitted(record.frame, record.ts);
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
        let idx = self.reply_exchange(client, m, &record);
        reopen(&mut self.clients[client].exchanges[idx]);
        let server = self.server_for(&record);

        let ex = &self.clients[client].exchanges[idx];
        let leg = Leg::of_reply(&record);
        // A relay's copy of a reply whose original (server to relay) was captured too is the
        // same reply seen twice: kept in the exchange, not counted again for the server.
        let duplicate = leg == Leg::RelayToClient && relayed_original_seen(ex, &record);
        let solicit = solicit(ex, leg).cloned();
        if let Some(latency) = solicit
            .as_ref()
            .and_then(|s| ts.checked_millis_since(s.last_ts()))
        {
            record.set_latency_ms(latency);
        }
        findings::check_reply(
            &mut self.sink,
            &findings::ReplyContext {
                expectations: &self.expectations,
                client: &self.clients[client],
                exchange: ex,
                server: &self.servers[server],
                message: m,
                record: &record,
                solicit: solicit.as_ref(),
                relay_copy: duplicate,
            },
        );
        let srv = &mut self.servers[server];
        srv.note_reply(m, &record, leg, duplicate, &self.expectations);
        let server_id = srv.id;

        let ex = &mut self.clients[client].exchanges[idx];
        let nak = apply_reply(ex, m, &record, server_id, leg, solicit.as_ref());
        if nak && ts.is_known() {
            self.sink.nak_seen(client, ts);
        }
        let acked = (record.msg_type == Some(MessageType::ACK) && ex.kind != Kind::Inform)
            .then_some(ex.address)
            .flatten();
        let lease = record.lease_time().unwrap_or(u32::MAX);
        push_record(ex, record);
        if let Some(addr) = acked {
            self.note_lease(client, addr, ts, lease);
        }
    }

    /// The exchange a reply belongs to: the open one for its (client, xid), else a new one
    /// (a reply with nothing to answer: the capture started mid-exchange, a server answered
    /// what was never asked, or garbled xid or chaddr, which is a finding).
    fn reply_exchange(&mut self, client: usize, m: &Message<'_>, record: &MessageRecord) -> usize {
        let ts = record.ts;
        let open = self.open_index(client, m.xid).filter(|&i| {
            self.clients[client]
                .exchanges
                .get(i)
                .is_some_and(|e| ts.secs_since(e.end).is_none_or(|d| d <= EXCHANGE_IDLE_SECS))
        });
        if let Some(i) = open {
            return i;
        }
        let recent = |t: Timestamp| ts.secs_since(t).is_none_or(|d| d <= RECENT_XID_SECS);
        let xid_owner = self
            .by_xid
            .get(&m.xid)
            .filter(|(_, t)| recent(*t))
            .map(|(c, _)| *c as usize);
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
            record,
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

    /// `client` was ACKed `addr` at `ts` for `lease` seconds (`u32::MAX`: none or infinite).
    fn note_lease(&mut self, client: usize, addr: Ipv4Addr, ts: Timestamp, lease: u32) {
        if let Some(held) = self.leases.get(&addr) {
            let still_valid = held.end().is_none_or(|e| e > ts);
            let (holder, since) = (held.client as usize, held.since);
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
        self.leases.insert(
            addr,
            Lease {
                client: client as u32,
                secs: lease,
                since: ts,
            },
        );
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
                    || now
                        .secs_since(ex.end)
                        .is_some_and(|d| d > SETTLE_QUIET_SECS);
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
        self.by_chaddr
            .get(chaddr)
            .map(|&i| &self.clients[i as usize])
    }

    /// Index in [`Analysis::clients`] of the client with this chaddr.
    pub fn client_index(&self, chaddr: &[u8]) -> Option<usize> {
        self.by_chaddr.get(chaddr).map(|&i| i as usize)
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

/// The options the analysis reads on every packet, found in one walk over the option list
/// (each accessor of `Message` walks it again). Each is the first occurrence, as
/// `Message::first_option` finds it.
#[derive(Default)]
struct Options<'a> {
    message_type: Option<MessageType>,
    server_id: Option<Ipv4Addr>,
    requested_ip: Option<Ipv4Addr>,
    lease_time: Option<u32>,
    client_id: Option<&'a [u8]>,
    /// Option 61 came in several parts (RFC 3396): read it joined.
    client_id_split: bool,
    hostname: Option<&'a [u8]>,
    vendor_class: Option<&'a [u8]>,
}

impl<'a> Options<'a> {
    fn of(m: &Message<'a>) -> Self {
        let mut first: [Option<&'a [u8]>; 4] = [None; 4];
        let mut o = Options::default();
        for opt in &m.options {
            let slot = match opt.code {
                opt::MESSAGE_TYPE => &mut first[0],
                opt::SERVER_ID => &mut first[1],
                opt::REQUESTED_IP => &mut first[2],
                opt::LEASE_TIME => &mut first[3],
                opt::CLIENT_ID => {
                    o.client_id_split |= o.client_id.is_some();
                    &mut o.client_id
                }
                opt::HOSTNAME => &mut o.hostname,
                opt::VENDOR_CLASS => &mut o.vendor_class,
                _ => continue,
            };
            slot.get_or_insert(opt.data);
        }
        let ip = |d: Option<&[u8]>| match d? {
            &[a, b, c, d] => Some(Ipv4Addr::new(a, b, c, d)),
            _ => None,
        };
        o.message_type = match first[0] {
            Some(&[t]) => Some(MessageType(t)),
            _ => None,
        };
        o.server_id = ip(first[1]);
        o.requested_ip = ip(first[2]);
        o.lease_time = match first[3] {
            Some(&[a, b, c, d]) => Some(u32::from_be_bytes([a, b, c, d])),
            _ => None,
        };
        o
    }
}

/// An address ACKed to a client, for duplicate-address detection.
#[derive(Debug, Clone, Copy)]
struct Lease {
    client: u32,
    /// Lease time; `u32::MAX` when none was given or it is infinite.
    secs: u32,
    since: Timestamp,
}

impl Lease {
    fn end(&self) -> Option<Timestamp> {
        (self.secs != u32::MAX).then(|| {
            Timestamp::new(
                self.since.secs.saturating_add(i64::from(self.secs)),
                self.since.nanos,
            )
        })
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

/// The client message a reply on `leg` answers: the last request on the same leg (the
/// relay's copy for a reply to the relay, the client's own for a reply to it), else the last
/// request.
fn solicit(ex: &Exchange, leg: Leg) -> Option<&MessageRecord> {
    ex.messages
        .iter()
        .rev()
        .find(|r| !r.is_reply() && leg.answers(r))
        .or_else(|| ex.last_request())
}

/// What a reply does to its exchange: an OFFER is listed, an ACK binds, a NAK refuses, a
/// BOOTREPLY with an address answers BOOTP. Returns true for a NAK that ended the exchange.
fn apply_reply(
    ex: &mut Exchange,
    m: &Message<'_>,
    record: &MessageRecord,
    server_id: Ipv4Addr,
    leg: Leg,
    solicit: Option<&MessageRecord>,
) -> bool {
    ex.end = ex.end.max(record.ts);
    match record.msg_type {
        Some(MessageType::OFFER) => note_offer(ex, record, server_id, leg),
        Some(MessageType::ACK)
            if !matches!(
                ex.outcome,
                Outcome::Ack | Outcome::Released | Outcome::Declined
            ) =>
        {
            ex.outcome = Outcome::Ack;
            ex.server_id.get_or_insert(server_id);
            ex.address = if ex.kind == Kind::Inform {
                solicit.map(|s| s.ciaddr).filter(|a| !a.is_unspecified())
            } else {
                Some(record.yiaddr).filter(|a| !a.is_unspecified())
            };
            ex.lease_time = record.lease_time();
            ex.t1 = m.renewal_time();
            ex.t2 = m.rebinding_time();
        }
        Some(MessageType::NAK) if ex.outcome == Outcome::Pending => {
            ex.outcome = Outcome::Nak;
            ex.server_id.get_or_insert(server_id);
            return true;
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
    false
}

/// One server's OFFER, once per (server, address), with its latency from the first DISCOVER.
fn note_offer(ex: &mut Exchange, record: &MessageRecord, server_id: Ipv4Addr, leg: Leg) {
    let dup = ex
        .offers
        .iter()
        .any(|o| o.server_id == server_id && o.yiaddr == record.yiaddr);
    if dup {
        return;
    }
    let discovers = || {
        ex.messages
            .iter()
            .filter(|r| r.msg_type == Some(MessageType::DISCOVER))
    };
    let first = discovers()
        .find(|r| leg.answers(r))
        .or_else(|| discovers().next());
    let offer = Offer {
        server_id,
        server_mac: record.src_mac().filter(|_| leg != Leg::RelayToClient),
        yiaddr: record.yiaddr,
        latency_ms: record.latency_ms(),
        latency_first_ms: first.and_then(|d| record.ts.checked_millis_since(d.ts)),
        frame: record.frame,
    };
    push_compact(&mut ex.offers, offer);
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
        push_compact(&mut ex.messages, record);
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
