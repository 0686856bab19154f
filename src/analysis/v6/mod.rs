//! The DHCPv6 and router-advertisement model: clients by DUID, servers by server DUID,
//! routers by source address, exchanges by (client, transaction id) with the two-xid
//! SOLICIT/ADVERTISE → REQUEST/REPLY exchange linked by client DUID, server DUID and IAID
//! (RFC 8415 §18.2.2 gives the REQUEST a new xid), and the first v6 findings of the reference
//! note (`docs` of the project: dhcpv6-diagnostics.md §4) with severity, frames and RFC.
//!
//! Relayed messages are analysed by their innermost message; the client's link-local address
//! is then the innermost relay's peer-address and its MAC the relay's option 79.

use super::findings::{Finding, Severity};
use crate::dhcp::options::{colon_hex, hex};
use crate::dhcpv6::options as o6;
use crate::dhcpv6::{Duid, IaKind, Message, MessageType};
use crate::pipeline::{V6Body, V6Packet};
use crate::time::Timestamp;
use serde::Serialize;
use std::collections::HashMap;
use std::net::Ipv6Addr;

/// A v6 finding kind: code, severity, reference.
#[derive(Debug, Clone, Copy)]
pub struct Rule6 {
    pub code: &'static str,
    pub severity: Severity,
    pub rfc: &'static str,
}

macro_rules! rules6 {
    ($($name:ident = $code:literal, $sev:ident, $rfc:literal;)*) => {
        $(pub const $name: Rule6 = Rule6 { code: $code, severity: Severity::$sev, rfc: $rfc };)*
        /// Every v6 rule, for documentation and tests.
        pub const ALL_RULES: &[Rule6] = &[$($name),*];
    };
}

rules6! {
    V6_MITM6_PROFILE = "v6-mitm6-profile", Critical, "RFC 8415 §13.1 (addresses appropriate to the link); mitm6 hands out fe80:: addresses and itself as DNS";
    V6_MULTIPLE_SERVERS = "v6-multiple-servers", Warning, "RFC 8415 §18.2.9 (several servers answer; a rogue one is among them unless each is expected)";
    V6_REPLY_NO_SERVER_ID = "v6-reply-no-server-id", Warning, "RFC 8415 §16.3, §16.10 (Advertise/Reply MUST carry a Server Identifier; clients discard it)";
    V6_T1_GT_T2 = "v6-t1-gt-t2", Warning, "RFC 8415 §21.4, §21.21 (T1 > T2 with both > 0: the client discards the IA)";
    V6_PREF_GT_VALID = "v6-pref-gt-valid", Warning, "RFC 8415 §21.6, §21.22 (preferred lifetime > valid: the client discards it)";
    V6_SOLICIT_UNANSWERED = "v6-solicit-unanswered", Warning, "RFC 8415 §15, §18.2.1 (SOLICIT with no ADVERTISE or REPLY)";
    RA_EVASION = "ra-evasion", Critical, "RFC 7113 (RA behind IPv6 extension headers evades RA-Guard)";
    RA_INVALID = "ra-invalid", Warning, "RFC 4861 §6.1.2 (hosts drop an RA whose hop limit is not 255 or whose source is not link-local)";
    RA_PRF_WITH_ZERO_LIFETIME = "ra-prf-with-zero-lifetime", Warning, "RFC 4191 §2.2 (router lifetime 0 MUST send Prf 00; mitm6 fingerprint)";
    RA_PIO_PREF_GT_VALID = "ra-pio-pref-gt-valid", Warning, "RFC 4862 §5.5.3(c) (hosts ignore a prefix whose preferred lifetime exceeds the valid one)";
    V6_RC_REPLY_WITHOUT_OPT14 = "v6-rc-reply-without-opt14", Warning, "RFC 8415 §21.14, §18.2.1 (a REPLY to a SOLICIT MUST carry Rapid Commit; clients discard it)";
    V6_RC_REPLY_UNASKED = "v6-rc-reply-unasked", Warning, "RFC 8415 §18.3.1 (REPLY to a SOLICIT only when the client asked for Rapid Commit)";
    V6_ADVERTISE_EMPTY = "v6-advertise-empty", Warning, "RFC 8415 §18.3.9, RFC 7550 §4.1 (no address or prefix and no NoAddrsAvail/NoPrefixAvail in the IA)";
    V6_STATUS_TOPLEVEL_ONLY = "v6-status-toplevel-only", Info, "RFC 7550 §4.1 (NoAddrsAvail belongs in the IA; top level only is RFC 3315 style)";
    V6_RECONFIGURE_UNAUTH = "v6-reconfigure-unauth", Critical, "RFC 8415 §16.11, §18.3.11, §20.4 (RECONFIGURE needs RKAP authentication, xid 0 and option 19)";
    V6_RELAY_LEAK = "v6-relay-leak", Warning, "RFC 8415 §16.14, §21.18 (relay messages and Interface-Id never reach clients)";
    V6_RELAY_HOPS = "v6-relay-hops", Warning, "RFC 8415 §19.1.2 (hop-count from 0 at the first relay, below HOP_COUNT_LIMIT 8)";
    V6_MAXRT_OUT_OF_RANGE = "v6-maxrt-out-of-range", Warning, "RFC 8415 §21.24, §21.25 (SOL_MAX_RT/INF_MAX_RT must be 60-86400; clients ignore others)";
    V6_CLIENT_MSG_INVALID = "v6-client-msg-invalid", Info, "RFC 8415 §16.2, §16.5, §16.7, §16.12 (what each client message must and must not carry)";
    V6_T_DIFFERS_ACROSS_IAS = "v6-t-differs-across-ias", Warning, "RFC 8415 §18.1, §18.3.2 (all IAs of one Reply MUST share T1/T2)";
    V6_ROGUE_SERVER = "v6-rogue-server", Critical, "RFC 8415 §22 (a malicious server answers; RFC 7610 DHCPv6-Shield): not among --expect-server6";
    RA_ROGUE = "ra-rogue", Critical, "RFC 6105 (RA-Guard): router advertisement from a router not among --expect-router";
}

/// A server or router named by the admin.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum V6Ref {
    Duid(Vec<u8>),
    Ip(Ipv6Addr),
    Mac([u8; 6]),
}

impl std::str::FromStr for V6Ref {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        if let Ok(ip) = s.parse() {
            return Ok(V6Ref::Ip(ip));
        }
        if let Some(mac) = super::config::parse_mac(s) {
            return Ok(V6Ref::Mac(mac));
        }
        let digits: String = s.chars().filter(|c| *c != ':' && *c != '-').collect();
        let bytes: Option<Vec<u8>> = (digits.len() >= 6 && digits.len().is_multiple_of(2))
            .then(|| {
                (0..digits.len())
                    .step_by(2)
                    .map(|i| u8::from_str_radix(digits.get(i..i + 2)?, 16).ok())
                    .collect()
            })
            .flatten();
        bytes.map(V6Ref::Duid).ok_or_else(|| {
            format!("{s:?} is neither a DUID (hex), an IPv6 address nor a MAC address")
        })
    }
}

/// What the admin expects on the link for DHCPv6 and router advertisements.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct V6Expectations {
    pub servers: Vec<V6Ref>,
    pub routers: Vec<V6Ref>,
}

impl V6Expectations {
    /// Parses `--expect-server6` and `--expect-router` values.
    pub fn parse(servers: &[String], routers: &[String]) -> Result<Self, String> {
        Ok(V6Expectations {
            servers: servers
                .iter()
                .map(|s| s.parse())
                .collect::<Result<_, _>>()?,
            routers: routers
                .iter()
                .map(|s| s.parse())
                .collect::<Result<_, _>>()?,
        })
    }
}

const MAX_FRAMES: usize = 20;

/// Where a client's MAC came from (RFC 8415 §11 says to label it).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum MacSource {
    /// The Ethernet source of the client's own frame.
    Frame,
    /// A relay's Client Link-Layer Address option (79).
    Option79,
    /// A DUID-LL or DUID-LLT with hardware type 1.
    Duid,
}

#[derive(Debug, Clone, Serialize)]
pub struct V6Client {
    /// The client DUID in hex.
    pub duid: String,
    pub duid_type: &'static str,
    pub mac: Option<String>,
    pub mac_source: Option<MacSource>,
    pub link_locals: Vec<Ipv6Addr>,
    pub iaids: Vec<u32>,
    pub exchanges: usize,
}

#[derive(Debug, Clone, Serialize)]
pub struct V6Server {
    /// The server DUID in hex.
    pub duid: String,
    pub duid_type: &'static str,
    pub macs: Vec<String>,
    pub addresses: Vec<Ipv6Addr>,
    pub advertises: u64,
    pub replies: u64,
    pub preference: Option<u8>,
    /// What it hands out.
    pub leased_addresses: Vec<Ipv6Addr>,
    pub leased_prefixes: Vec<String>,
    pub dns: Vec<Ipv6Addr>,
    pub domains: Vec<String>,
    /// Against `--expect-server6`: `None` when none was given.
    pub expected: Option<bool>,
}

#[derive(Debug, Clone, Serialize)]
pub struct V6Router {
    pub address: Ipv6Addr,
    pub mac: Option<String>,
    pub adverts: u64,
    pub managed: bool,
    pub other: bool,
    pub preference: &'static str,
    pub router_lifetime: u16,
    pub prefixes: Vec<String>,
    pub rdnss: Vec<Ipv6Addr>,
    /// Against `--expect-router`: `None` when none was given.
    pub expected: Option<bool>,
}

/// One message of an exchange.
#[derive(Debug, Clone, Serialize)]
pub struct V6Step {
    pub frame: u64,
    pub msg_type: String,
    /// Server DUID (hex) for server messages.
    pub server: Option<String>,
    /// Milliseconds after the exchange's first client message.
    pub after_ms: Option<f64>,
    pub relay_hops: usize,
}

#[derive(Debug, Clone, Serialize)]
pub struct V6Exchange {
    /// Index in [`V6Analysis::clients`].
    pub client: usize,
    pub xid: String,
    /// The first client message's type.
    pub kind: String,
    pub outcome: String,
    pub steps: Vec<V6Step>,
    /// The SOLICIT exchange this REQUEST continues (index in [`V6Analysis::exchanges`]),
    /// linked by client DUID, server DUID and IAID.
    pub continues: Option<usize>,
    #[serde(skip)]
    first_ts: Option<Timestamp>,
    #[serde(skip)]
    server_iaids: Vec<(String, u32)>,
    /// The SOLICIT asked for Rapid Commit.
    #[serde(skip)]
    rapid_commit: bool,
}

/// The v6 side of `report`.
#[derive(Debug, Default, Serialize)]
pub struct V6Analysis {
    pub dhcpv6_packets: u64,
    pub router_packets: u64,
    pub clients: Vec<V6Client>,
    pub servers: Vec<V6Server>,
    pub routers: Vec<V6Router>,
    pub exchanges: Vec<V6Exchange>,
    pub findings: Vec<Finding>,
    #[serde(skip)]
    expectations: V6Expectations,
    #[serde(skip)]
    client_index: HashMap<String, usize>,
    #[serde(skip)]
    server_index: HashMap<String, usize>,
    #[serde(skip)]
    exchange_index: HashMap<(usize, u32), usize>,
    #[serde(skip)]
    finding_index: HashMap<(&'static str, Option<String>), usize>,
}

/// Entries kept per list (addresses a server hands out, a client's IAIDs, …): the first
/// ones show what is going on; a flood must not grow memory or time without bound.
const MAX_LIST: usize = 256;
/// Messages kept per exchange (retransmissions beyond are not listed).
const MAX_STEPS: usize = 32;

fn push_unique<T: PartialEq>(v: &mut Vec<T>, x: T) {
    if v.len() < MAX_LIST && !v.contains(&x) {
        v.push(x);
    }
}

fn is_link_local(a: Ipv6Addr) -> bool {
    a.segments()[0] & 0xffc0 == 0xfe80
}

impl V6Analysis {
    pub fn new() -> Self {
        Self::default()
    }

    /// A model that judges servers and routers against what the admin expects.
    pub fn with_expectations(expectations: V6Expectations) -> Self {
        V6Analysis {
            expectations,
            ..Self::default()
        }
    }

    fn add(
        &mut self,
        rule: Rule6,
        subject: Option<String>,
        frame: u64,
        message: impl FnOnce() -> String,
    ) {
        let key = (rule.code, subject.clone());
        if let Some(&i) = self.finding_index.get(&key) {
            let f = &mut self.findings[i];
            f.count += 1;
            if f.frames.len() < MAX_FRAMES && !f.frames.contains(&frame) {
                f.frames.push(frame);
            }
            return;
        }
        self.finding_index.insert(key, self.findings.len());
        self.findings.push(Finding {
            severity: rule.severity,
            code: rule.code,
            message: message(),
            client: subject,
            server: None,
            frames: vec![frame],
            count: 1,
            rfc: rule.rfc,
        });
    }

    /// Feeds one DHCPv6 or RS/RA packet.
    pub fn observe(&mut self, p: &V6Packet<'_>) {
        match &p.body {
            V6Body::Dhcp(m) => {
                self.dhcpv6_packets += 1;
                self.observe_dhcp(p, m);
            }
            V6Body::Router(r) => {
                self.router_packets += 1;
                let Some(h) = r.advert else {
                    return;
                };
                let meta = &p.meta;
                let frame = meta.frame.number;
                let src = meta.src_ip;
                if meta.ext_headers.hop_by_hop
                    || meta.ext_headers.dest_opts
                    || meta.ext_headers.fragment
                {
                    let names = meta.ext_headers.names().join(", ");
                    self.add(RA_EVASION, Some(src.to_string()), frame, || {
                        format!("router advertisement from {src} behind IPv6 extension headers ({names}): RA-Guard evasion")
                    });
                }
                if meta.hop_limit != 255 || !is_link_local(src) {
                    let hl = meta.hop_limit;
                    self.add(RA_INVALID, Some(src.to_string()), frame, || {
                        format!("router advertisement from {src} with IP hop limit {hl}: hosts drop it (forwarded or forged)")
                    });
                }
                if h.router_lifetime == 0 && h.preference().0 != 0 {
                    let prf = h.preference().name();
                    self.add(RA_PRF_WITH_ZERO_LIFETIME, Some(src.to_string()), frame, || {
                        format!("router {src} advertises lifetime 0 with preference {prf} (must be medium); mitm6 sends exactly this")
                    });
                }
                for pio in r.prefixes() {
                    if pio.preferred > pio.valid {
                        let (pfx, len, pr, va) =
                            (pio.prefix, pio.prefix_len, pio.preferred, pio.valid);
                        self.add(RA_PIO_PREF_GT_VALID, Some(src.to_string()), frame, || {
                            format!("router {src}: prefix {pfx}/{len} preferred {pr} > valid {va} (hosts ignore it)")
                        });
                    }
                }
                let i = match self.routers.iter().position(|r| r.address == src) {
                    Some(i) => i,
                    None => {
                        self.routers.push(V6Router {
                            address: src,
                            mac: r.source_mac().or(meta.src_mac).map(|m| colon_hex(&m)),
                            adverts: 0,
                            managed: false,
                            other: false,
                            preference: "medium",
                            router_lifetime: 0,
                            prefixes: Vec::new(),
                            rdnss: Vec::new(),
                            expected: None,
                        });
                        self.routers.len() - 1
                    }
                };
                let router = &mut self.routers[i];
                router.adverts += 1;
                router.managed = h.managed();
                router.other = h.other();
                router.preference = h.preference().name();
                router.router_lifetime = h.router_lifetime;
                for pio in r.prefixes() {
                    push_unique(
                        &mut router.prefixes,
                        format!("{}/{}", pio.prefix, pio.prefix_len),
                    );
                }
                for (a, _) in r.rdnss() {
                    push_unique(&mut router.rdnss, a);
                }
                let routers = &self.expectations.routers;
                if !routers.is_empty() {
                    let mac = r.source_mac().or(meta.src_mac);
                    let ok = routers.iter().any(|x| match x {
                        V6Ref::Ip(a) => *a == src,
                        V6Ref::Mac(m) => Some(*m) == mac,
                        V6Ref::Duid(_) => false,
                    });
                    self.routers[i].expected = Some(ok);
                    if !ok {
                        let mac = mac.map_or("-".to_string(), |m| colon_hex(&m));
                        self.add(RA_ROGUE, Some(src.to_string()), frame, || {
                            format!("router advertisement from unexpected router {src} ({mac})")
                        });
                    }
                }
            }
        }
    }

    fn client_of(&mut self, id: &[u8]) -> usize {
        let key = hex(id);
        if let Some(&i) = self.client_index.get(&key) {
            return i;
        }
        let duid = Duid::decode(id);
        self.clients.push(V6Client {
            duid: key.clone(),
            duid_type: duid.kind_name(),
            mac: duid.mac().map(|m| colon_hex(&m)),
            mac_source: duid.mac().map(|_| MacSource::Duid),
            link_locals: Vec::new(),
            iaids: Vec::new(),
            exchanges: 0,
        });
        self.client_index.insert(key, self.clients.len() - 1);
        self.clients.len() - 1
    }

    fn server_of(&mut self, id: &[u8]) -> usize {
        let key = hex(id);
        if let Some(&i) = self.server_index.get(&key) {
            return i;
        }
        self.servers.push(V6Server {
            duid: key.clone(),
            duid_type: Duid::decode(id).kind_name(),
            macs: Vec::new(),
            addresses: Vec::new(),
            advertises: 0,
            replies: 0,
            preference: None,
            leased_addresses: Vec::new(),
            leased_prefixes: Vec::new(),
            dns: Vec::new(),
            domains: Vec::new(),
            expected: None,
        });
        self.server_index.insert(key, self.servers.len() - 1);
        self.servers.len() - 1
    }

    fn observe_dhcp(&mut self, p: &V6Packet<'_>, outer: &Message<'_>) {
        let meta = &p.meta;
        let frame = meta.frame.number;
        let ts = meta.frame.ts;
        let m = outer.innermost();
        let relay_hops = outer.relay_depth();
        // The innermost relay layer (the one next to the client), if any.
        let first_relay = outer.layers().into_iter().rev().find(|l| l.relay.is_some());
        let t = m.msg_type;
        self.check_relays(p, outer, frame);
        if m.msg_type.is_relay() {
            return;
        }
        if t.is_client_message() {
            let has_ia = !m.ias().is_empty();
            let why = match t {
                MessageType::SOLICIT | MessageType::REBIND | MessageType::CONFIRM
                    if m.server_id().is_some() =>
                {
                    Some("carries a Server Identifier")
                }
                MessageType::INFORMATION_REQUEST if has_ia => Some("carries an IA"),
                MessageType::SOLICIT if m.client_id().is_none() => Some("has no Client Identifier"),
                _ => None,
            };
            if let Some(why) = why {
                let subject = m.client_id().map(hex);
                self.add(V6_CLIENT_MSG_INVALID, subject, frame, || {
                    format!("{t} {why}")
                });
            }
        }
        let Some(cid) = m.client_id() else {
            if t.is_server_message() && m.server_id().is_none() {
                self.add(V6_REPLY_NO_SERVER_ID, None, frame, || {
                    format!("{t} without Server Identifier (clients discard it)")
                });
            }
            return;
        };
        let c = self.client_of(cid);
        if t.is_client_message() {
            let client = &mut self.clients[c];
            let (ll, mac) = match first_relay {
                Some(r) => (
                    r.relay.as_ref().map(|x| x.peer_address),
                    r.client_link_layer()
                        .and_then(|(ty, a)| (ty == 1).then_some(a))
                        .and_then(|a| <[u8; 6]>::try_from(a).ok())
                        .map(|a| (a, MacSource::Option79)),
                ),
                None => (
                    Some(meta.src_ip),
                    meta.src_mac.map(|a| (a, MacSource::Frame)),
                ),
            };
            if let Some(ll) = ll.filter(|a| is_link_local(*a)) {
                push_unique(&mut client.link_locals, ll);
            }
            if let Some((mac, src)) = mac
                && client.mac_source != Some(MacSource::Frame)
            {
                client.mac = Some(colon_hex(&mac));
                client.mac_source = Some(src);
            }
            for ia in m.ias() {
                push_unique(&mut client.iaids, ia.iaid);
            }
        }
        // Exchanges by (client, xid); server messages join the client's.
        let key = (c, m.xid);
        let e = match self.exchange_index.get(&key) {
            Some(&e) => e,
            None => {
                self.exchanges.push(V6Exchange {
                    client: c,
                    xid: format!("0x{:06x}", m.xid),
                    kind: t.to_string(),
                    outcome: "no answer".into(),
                    steps: Vec::new(),
                    continues: None,
                    first_ts: None,
                    server_iaids: Vec::new(),
                    rapid_commit: false,
                });
                self.clients[c].exchanges += 1;
                self.exchange_index.insert(key, self.exchanges.len() - 1);
                self.exchanges.len() - 1
            }
        };
        let server = m.server_id().map(hex);
        let after_ms = match (self.exchanges[e].first_ts, t.is_client_message()) {
            (None, true) => {
                self.exchanges[e].first_ts = Some(ts);
                Some(0.0)
            }
            (Some(first), _) => Some(ts.millis_since(first)),
            (None, false) => None,
        };
        if t == MessageType::SOLICIT && m.rapid_commit() {
            self.exchanges[e].rapid_commit = true;
        }
        if self.exchanges[e].steps.len() < MAX_STEPS {
            self.exchanges[e].steps.push(V6Step {
                frame,
                msg_type: t.to_string(),
                server: server.clone(),
                after_ms,
                relay_hops,
            });
        }
        // A REQUEST continues the SOLICIT whose ADVERTISE came from the server it names, for
        // one of the same IAIDs.
        if t == MessageType::REQUEST
            && self.exchanges[e].continues.is_none()
            && let Some(s) = &server
        {
            let iaids: Vec<u32> = m.ias().iter().map(|i| i.iaid).collect();
            self.exchanges[e].continues = self.exchanges[..e].iter().rposition(|x| {
                x.client == c
                    && x.kind == "SOLICIT"
                    && x.server_iaids
                        .iter()
                        .any(|(sd, ia)| sd == s && (iaids.is_empty() || iaids.contains(ia)))
            });
        }
        if t.is_server_message() {
            self.observe_server_message(p, m, e, frame);
        }
    }

    fn observe_server_message(&mut self, p: &V6Packet<'_>, m: &Message<'_>, e: usize, frame: u64) {
        let meta = &p.meta;
        let t = m.msg_type;
        let Some(sid) = m.server_id() else {
            self.add(V6_REPLY_NO_SERVER_ID, None, frame, || {
                format!("{t} without Server Identifier (clients discard it)")
            });
            return;
        };
        let s = self.server_of(sid);
        let sd = hex(sid);
        let ias = m.ias();
        let dns = m.dns_servers();
        {
            let server = &mut self.servers[s];
            if let Some(mac) = meta.src_mac {
                push_unique(&mut server.macs, colon_hex(&mac));
            }
            push_unique(&mut server.addresses, meta.src_ip);
            match t {
                MessageType::ADVERTISE => server.advertises += 1,
                MessageType::REPLY => server.replies += 1,
                _ => {}
            }
            if let Some(pref) = m.preference() {
                server.preference = Some(pref);
            }
            for ia in &ias {
                for l in &ia.leases {
                    if ia.kind == IaKind::Pd {
                        push_unique(
                            &mut server.leased_prefixes,
                            format!("{}/{}", l.addr, l.prefix_len),
                        );
                    } else {
                        push_unique(&mut server.leased_addresses, l.addr);
                    }
                }
            }
            for d in &dns {
                push_unique(&mut server.dns, *d);
            }
            for d in m.domain_list() {
                push_unique(&mut server.domains, d);
            }
        }
        let servers = &self.expectations.servers;
        if !servers.is_empty() {
            let ok = servers.iter().any(|x| match x {
                V6Ref::Duid(d) => d.as_slice() == sid,
                V6Ref::Ip(a) => *a == meta.src_ip,
                V6Ref::Mac(m) => Some(*m) == meta.src_mac,
            });
            // One expected sighting does not clear a spoofed one: unexpected wins.
            let server = &mut self.servers[s];
            server.expected = Some(server.expected.unwrap_or(true) && ok);
            if !ok {
                let (src, mac) = (
                    meta.src_ip,
                    meta.src_mac.map_or("-".to_string(), |m| colon_hex(&m)),
                );
                self.add(V6_ROGUE_SERVER, Some(sd.clone()), frame, || {
                    format!("{t} from unexpected DHCPv6 server {sd} ({src}, {mac})")
                });
            }
        }
        let x = &mut self.exchanges[e];
        for ia in &ias {
            push_unique(&mut x.server_iaids, (sd.clone(), ia.iaid));
        }
        let status = m
            .status()
            .map(|s| s.code)
            .or_else(|| ias.iter().find_map(|i| i.status.map(|s| s.code)));
        let leased = ias.iter().any(|i| !i.leases.is_empty());
        x.outcome = match (t, status) {
            (_, Some(code)) if code != 0 => o6::status_name(code).to_string(),
            (MessageType::ADVERTISE, _) => "advertised".into(),
            (MessageType::REPLY, _) if leased => "bound".into(),
            (MessageType::REPLY, _) => "replied".into(),
            _ => x.outcome.clone(),
        };
        // Packet-level checks of the answer.
        let subject = Some(sd.clone());
        for ia in &ias {
            if ia.t1 > 0 && ia.t2 > 0 && ia.t1 > ia.t2 {
                let (iaid, t1, t2) = (ia.iaid, ia.t1, ia.t2);
                self.add(V6_T1_GT_T2, subject.clone(), frame, || {
                    format!(
                        "server {sd}: {} 0x{iaid:08x} has T1 {t1} > T2 {t2}",
                        ia.kind.name()
                    )
                });
            }
            for l in &ia.leases {
                if l.preferred > l.valid {
                    let (a, pr, va) = (l.addr, l.preferred, l.valid);
                    self.add(V6_PREF_GT_VALID, subject.clone(), frame, || {
                        format!("server {sd}: {a} preferred lifetime {pr} > valid {va}")
                    });
                }
            }
        }
        let own = meta.src_ip;
        let ll_lease = ias
            .iter()
            .filter(|i| i.kind == IaKind::Na)
            .flat_map(|i| i.leases.iter())
            .find(|l| is_link_local(l.addr))
            .map(|l| l.addr);
        if let Some(addr) = ll_lease
            && dns.contains(&own)
        {
            self.add(V6_MITM6_PROFILE, subject.clone(), frame, || {
                format!("server {sd} ({own}) hands out link-local {addr} and names itself DNS server: the mitm6 pattern")
            });
        }
        let x = &self.exchanges[e];
        let to_solicit = x.kind == "SOLICIT";
        let asked_rc = x.rapid_commit;
        if t == MessageType::REPLY && to_solicit {
            if !m.rapid_commit() {
                self.add(V6_RC_REPLY_WITHOUT_OPT14, subject.clone(), frame, || {
                    format!(
                        "server {sd}: REPLY to a SOLICIT without Rapid Commit (clients discard it)"
                    )
                });
            }
            if !asked_rc {
                self.add(V6_RC_REPLY_UNASKED, subject.clone(), frame, || {
                    format!("server {sd}: REPLY to a SOLICIT that did not ask for Rapid Commit")
                });
            }
        }
        let ia_status = |codes: &[u16]| {
            ias.iter()
                .any(|i| i.status.is_some_and(|s| codes.contains(&s.code)))
        };
        if t == MessageType::ADVERTISE && !leased && !ia_status(&[2, 6]) {
            self.add(V6_ADVERTISE_EMPTY, subject.clone(), frame, || {
                format!("server {sd}: ADVERTISE with no address or prefix and no NoAddrsAvail/NoPrefixAvail in an IA")
            });
        }
        if let Some(top) = m.status().filter(|s| matches!(s.code, 2 | 6))
            && !ia_status(&[top.code])
        {
            let name = top.name();
            self.add(V6_STATUS_TOPLEVEL_ONLY, subject.clone(), frame, || {
                format!("server {sd}: {name} only at top level, not in the IA (RFC 3315 style)")
            });
        }
        if t == MessageType::RECONFIGURE {
            let rkap = m.option(o6::AUTH).is_some_and(|a| a.first() == Some(&3));
            let mut why = Vec::new();
            if !rkap {
                why.push("no RKAP authentication");
            }
            if m.xid != 0 {
                why.push("transaction id not 0");
            }
            if !m.has_option(o6::RECONF_MSG) {
                why.push("no Reconfigure Message option");
            }
            if !why.is_empty() {
                let why = why.join(", ");
                self.add(V6_RECONFIGURE_UNAUTH, subject.clone(), frame, || {
                    format!("server {sd}: RECONFIGURE with {why} (clients must discard it)")
                });
            }
        }
        for code in [o6::SOL_MAX_RT, o6::INF_MAX_RT] {
            if let Some(v) = m.seconds(code)
                && !(60..=86400).contains(&v)
            {
                let name = o6::name(code);
                self.add(V6_MAXRT_OUT_OF_RANGE, subject.clone(), frame, || {
                    format!("server {sd}: {name} {v} s outside 60-86400")
                });
            }
        }
        if t == MessageType::REPLY {
            let timed: Vec<(u32, u32)> = ias
                .iter()
                .filter(|i| i.kind != IaKind::Ta)
                .map(|i| (i.t1, i.t2))
                .collect();
            if timed.windows(2).any(|w| w[0] != w[1]) {
                self.add(V6_T_DIFFERS_ACROSS_IAS, subject, frame, || {
                    format!("server {sd}: IAs of one REPLY with different T1/T2 {timed:?}")
                });
            }
        }
    }

    /// Relay-agent checks on every layer of a message.
    fn check_relays(&mut self, p: &V6Packet<'_>, outer: &Message<'_>, frame: u64) {
        let layers = outer.layers();
        // Relay layers come first; the outermost was added by the last relay.
        let relays = layers.iter().filter(|l| l.relay.is_some()).count();
        let to_client = matches!(
            p.meta.kind,
            crate::pipeline::V6Kind::Dhcp { dst_port: 546, .. }
                | crate::pipeline::V6Kind::Dhcp { src_port: 546, .. }
        );
        let inner = outer.innermost();
        if (outer.msg_type.is_relay() && to_client)
            || (!inner.msg_type.is_relay() && inner.has_option(o6::INTERFACE_ID))
        {
            let what = if outer.msg_type.is_relay() {
                format!("{} on the client port 546", outer.msg_type)
            } else {
                format!("Interface-Id in a {}", inner.msg_type)
            };
            self.add(V6_RELAY_LEAK, None, frame, || {
                format!("{what}: relay data visible to clients")
            });
        }
        for (n, l) in layers.iter().enumerate() {
            let Some(r) = &l.relay else { continue };
            // hop-count = the relay layers below this one.
            let expected = u8::try_from(relays.saturating_sub(n + 1)).unwrap_or(u8::MAX);
            if r.hop_count >= 8 || r.hop_count != expected {
                let hops = r.hop_count;
                self.add(V6_RELAY_HOPS, None, frame, || {
                    format!("relay layer {n} has hop-count {hops}; its nesting says {expected} (limit 8)")
                });
                break;
            }
        }
    }

    /// Findings that need the whole capture.
    pub fn finish(&mut self) {
        let answering: Vec<usize> = (0..self.servers.len())
            .filter(|&s| self.servers[s].advertises + self.servers[s].replies > 0)
            .collect();
        if answering.len() > 1 {
            let names: Vec<String> = answering
                .iter()
                .map(|&s| self.servers[s].duid.clone())
                .collect();
            let mut frames: Vec<u64> = self
                .exchanges
                .iter()
                .flat_map(|x| x.steps.iter())
                .filter(|st| st.server.as_ref().is_some_and(|s| names.contains(s)))
                .map(|st| st.frame)
                .collect();
            frames.sort_unstable();
            frames.dedup();
            let count = frames.len() as u64;
            frames.truncate(MAX_FRAMES);
            let n = names.len();
            self.findings.push(Finding {
                severity: V6_MULTIPLE_SERVERS.severity,
                code: V6_MULTIPLE_SERVERS.code,
                message: format!("{n} DHCPv6 servers answer: {}", names.join(", ")),
                client: None,
                server: None,
                count,
                frames,
                rfc: V6_MULTIPLE_SERVERS.rfc,
            });
        }
        let unanswered: Vec<(usize, u64)> = self
            .exchanges
            .iter()
            .filter(|x| x.kind == "SOLICIT" && x.outcome == "no answer")
            .filter_map(|x| x.steps.first().map(|s| (x.client, s.frame)))
            .collect();
        for (c, frame) in unanswered {
            let duid = self.clients[c].duid.clone();
            self.add(V6_SOLICIT_UNANSWERED, Some(duid.clone()), frame, || {
                format!("client {duid}: SOLICIT with no ADVERTISE or REPLY")
            });
        }
        self.findings
            .sort_by(|a, b| b.severity.cmp(&a.severity).then(a.frames.cmp(&b.frames)));
    }

    pub fn worst_severity(&self) -> Option<Severity> {
        self.findings.iter().map(|f| f.severity).max()
    }

    pub fn is_empty(&self) -> bool {
        self.dhcpv6_packets + self.router_packets == 0
    }
}

#[cfg(test)]
mod tests;
