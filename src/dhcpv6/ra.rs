//! ICMPv6 Router Solicitations (133) and Router Advertisements (134), decoded as the context
//! DHCPv6 runs in (RFC 4861 §4.1–4.2, §4.6; RFC 4191 preferences and Route Information;
//! RFC 8106 RDNSS/DNSSL). Same rules as the DHCP codecs: never fails, options in wire order with
//! offsets, a [`Warning`] for every malformed byte.

use super::options::{dns_names, ip6_at};
use crate::dhcp::options::{colon_hex, fmt_secs};
use std::fmt;
use std::net::Ipv6Addr;

pub const ROUTER_SOLICIT: u8 = 133;
pub const ROUTER_ADVERT: u8 = 134;

/// ND option types.
pub mod opt {
    pub const SOURCE_LLA: u8 = 1;
    pub const TARGET_LLA: u8 = 2;
    pub const PREFIX_INFO: u8 = 3;
    pub const MTU: u8 = 5;
    pub const ROUTE_INFO: u8 = 24;
    pub const RDNSS: u8 = 25;
    pub const DNSSL: u8 = 31;
    pub const CAPTIVE_PORTAL: u8 = 37;
    pub const PREF64: u8 = 38;
}

/// Name of an ND option type.
pub fn option_name(kind: u8) -> &'static str {
    match kind {
        1 => "Source Link-Layer Address",
        2 => "Target Link-Layer Address",
        3 => "Prefix Information",
        4 => "Redirected Header",
        5 => "MTU",
        7 => "Advertisement Interval",
        8 => "Home Agent Information",
        14 => "Nonce",
        24 => "Route Information",
        25 => "Recursive DNS Server",
        31 => "DNS Search List",
        37 => "Captive-Portal",
        38 => "PREF64",
        _ => "Unknown",
    }
}

/// Default router preference / route preference (RFC 4191 §2.1): the 2-bit Prf field.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Preference(pub u8);

impl Preference {
    pub fn name(self) -> &'static str {
        match self.0 & 3 {
            0 => "medium",
            1 => "high",
            3 => "low",
            _ => "reserved",
        }
    }
}

impl fmt::Display for Preference {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// The fixed part of a Router Advertisement after the ICMPv6 header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RaHeader {
    pub cur_hop_limit: u8,
    /// The flags byte as sent: M 0x80, O 0x40, H 0x20, Prf 0x18, P 0x04.
    pub flags: u8,
    /// Seconds; 0 means "not a default router".
    pub router_lifetime: u16,
    /// Milliseconds; 0 means unspecified.
    pub reachable_time: u32,
    /// Milliseconds; 0 means unspecified.
    pub retrans_timer: u32,
}

impl RaHeader {
    /// M: addresses are available via DHCPv6.
    pub fn managed(&self) -> bool {
        self.flags & 0x80 != 0
    }
    /// O: other configuration is available via DHCPv6.
    pub fn other(&self) -> bool {
        self.flags & 0x40 != 0
    }
    pub fn home_agent(&self) -> bool {
        self.flags & 0x20 != 0
    }
    pub fn preference(&self) -> Preference {
        Preference(self.flags >> 3 & 3)
    }
    pub fn proxy(&self) -> bool {
        self.flags & 0x04 != 0
    }
}

/// One ND option as it appears on the wire.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NdOption<'a> {
    pub kind: u8,
    /// The length field as sent, in units of 8 bytes (type and length included).
    pub len: u8,
    /// Offset of the type byte from the start of the ICMPv6 message.
    pub offset: usize,
    /// The bytes after type and length.
    pub data: &'a [u8],
}

impl NdOption<'_> {
    pub fn value(&self) -> NdValue<'_> {
        NdValue::decode(self.kind, self.data)
    }
}

/// Prefix Information (RFC 4861 §4.6.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PrefixInfo {
    pub prefix_len: u8,
    /// L 0x80 (on-link), A 0x40 (autonomous), R 0x20 (router address).
    pub flags: u8,
    pub valid: u32,
    pub preferred: u32,
    pub prefix: Ipv6Addr,
}

impl PrefixInfo {
    pub fn on_link(&self) -> bool {
        self.flags & 0x80 != 0
    }
    pub fn autonomous(&self) -> bool {
        self.flags & 0x40 != 0
    }
}

/// Route Information (RFC 4191 §2.3).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RouteInfo {
    pub prefix_len: u8,
    pub preference: Preference,
    pub lifetime: u32,
    pub prefix: Ipv6Addr,
}

/// A typed ND option value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NdValue<'a> {
    LinkLayer(&'a [u8]),
    Prefix(PrefixInfo),
    Mtu(u32),
    Route(RouteInfo),
    Rdnss {
        lifetime: u32,
        servers: Vec<Ipv6Addr>,
    },
    /// Names already escaped for display.
    Dnssl {
        lifetime: u32,
        names: Vec<String>,
    },
    Hex(&'a [u8]),
    Invalid {
        reason: &'static str,
        raw: &'a [u8],
    },
}

fn be32(b: &[u8], i: usize) -> u32 {
    match b.get(i..i + 4) {
        Some(&[a, c, d, e]) => u32::from_be_bytes([a, c, d, e]),
        _ => 0,
    }
}

impl<'a> NdValue<'a> {
    /// Decodes the bytes after an option's type and length. Never fails.
    pub fn decode(kind: u8, data: &'a [u8]) -> NdValue<'a> {
        let invalid = |reason| NdValue::Invalid { reason, raw: data };
        match kind {
            opt::SOURCE_LLA | opt::TARGET_LLA => {
                // Ethernet: 6 bytes in a 1-unit option; other links pad with zeros.
                if data.len() == 6 {
                    NdValue::LinkLayer(data)
                } else {
                    NdValue::LinkLayer(trim_zero_padding(data))
                }
            }
            opt::PREFIX_INFO if data.len() == 30 => NdValue::Prefix(PrefixInfo {
                prefix_len: data[0],
                flags: data[1],
                valid: be32(data, 2),
                preferred: be32(data, 6),
                prefix: ip6_at(data, 14),
            }),
            opt::PREFIX_INFO => invalid("Prefix Information must be 32 bytes"),
            opt::MTU if data.len() == 6 => NdValue::Mtu(be32(data, 2)),
            opt::MTU => invalid("MTU must be 8 bytes"),
            opt::ROUTE_INFO if matches!(data.len(), 6 | 14 | 22) => {
                let mut octets = [0u8; 16];
                let n = data.len() - 6;
                octets[..n].copy_from_slice(&data[6..]);
                NdValue::Route(RouteInfo {
                    prefix_len: data[0],
                    preference: Preference(data[1] >> 3 & 3),
                    lifetime: be32(data, 2),
                    prefix: Ipv6Addr::from(octets),
                })
            }
            opt::ROUTE_INFO => invalid("Route Information must be 8, 16 or 24 bytes"),
            opt::RDNSS if data.len() >= 22 && (data.len() - 6).is_multiple_of(16) => {
                NdValue::Rdnss {
                    lifetime: be32(data, 2),
                    servers: (0..(data.len() - 6) / 16)
                        .map(|i| ip6_at(data, 6 + i * 16))
                        .collect(),
                }
            }
            opt::RDNSS => invalid("RDNSS needs at least one 16-byte address"),
            opt::DNSSL if data.len() >= 14 => {
                // Names are followed by zero padding to the 8-byte boundary (RFC 8106 §5.2).
                let names = trim_zero_padding(&data[6..]);
                let mut with_root = names.to_vec();
                with_root.push(0);
                match dns_names(&with_root, false) {
                    Ok(names) => NdValue::Dnssl {
                        lifetime: be32(data, 2),
                        names: names.into_iter().filter(|n| !n.is_empty()).collect(),
                    },
                    Err(reason) => invalid(reason),
                }
            }
            opt::DNSSL => invalid("DNSSL needs at least one name"),
            _ => NdValue::Hex(data),
        }
    }
}

fn trim_zero_padding(data: &[u8]) -> &[u8] {
    let end = data.iter().rposition(|&b| b != 0).map_or(0, |i| i + 1);
    &data[..end]
}

impl fmt::Display for NdValue<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let secs = |s: u32| {
            let mut out = String::new();
            let _ = fmt_secs(&mut out, s);
            out
        };
        match self {
            NdValue::LinkLayer(a) => f.write_str(&colon_hex(a)),
            NdValue::Prefix(p) => write!(
                f,
                "{}/{} L={} A={} valid {} preferred {}",
                p.prefix,
                p.prefix_len,
                u8::from(p.on_link()),
                u8::from(p.autonomous()),
                secs(p.valid),
                secs(p.preferred)
            ),
            NdValue::Mtu(m) => write!(f, "{m}"),
            NdValue::Route(r) => write!(
                f,
                "{}/{} preference {} lifetime {}",
                r.prefix,
                r.prefix_len,
                r.preference,
                secs(r.lifetime)
            ),
            NdValue::Rdnss { lifetime, servers } => {
                for (i, s) in servers.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    write!(f, "{s}")?;
                }
                write!(f, " lifetime {}", secs(*lifetime))
            }
            NdValue::Dnssl { lifetime, names } => {
                write!(f, "{} lifetime {}", names.join(", "), secs(*lifetime))
            }
            NdValue::Hex(h) => f.write_str(&crate::dhcp::options::hex(h)),
            NdValue::Invalid { reason, raw } => {
                write!(f, "{} (invalid: {reason})", crate::dhcp::options::hex(raw))
            }
        }
    }
}

/// An anomaly in a router solicitation or advertisement.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Warning {
    Truncated {
        len: usize,
        needed: usize,
    },
    /// ICMP code not 0 (receivers discard it, RFC 4861 §6.1).
    NonZeroCode {
        code: u8,
    },
    /// An option with length 0: receivers discard the whole message (RFC 4861 §4.6).
    ZeroLengthOption {
        offset: usize,
    },
    TruncatedOption {
        kind: u8,
        offset: usize,
        claimed: usize,
        available: usize,
    },
    BadValue {
        kind: u8,
        offset: usize,
        reason: &'static str,
    },
    /// Prf = 10, reserved: receivers treat it as medium (RFC 4191 §2.2).
    ReservedPreference,
}

impl fmt::Display for Warning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Warning::Truncated { len, needed } => {
                write!(f, "truncated: {len} bytes, the header needs {needed}")
            }
            Warning::NonZeroCode { code } => write!(f, "ICMPv6 code {code}, must be 0"),
            Warning::ZeroLengthOption { offset } => write!(
                f,
                "ND option with length 0 at offset {offset}: hosts discard the message"
            ),
            Warning::TruncatedOption {
                kind,
                offset,
                claimed,
                available,
            } => write!(
                f,
                "ND option {kind} ({}) at offset {offset} claims {claimed} bytes, only {available} present",
                option_name(*kind)
            ),
            Warning::BadValue {
                kind,
                offset,
                reason,
            } => write!(
                f,
                "ND option {kind} ({}) at offset {offset}: {reason}",
                option_name(*kind)
            ),
            Warning::ReservedPreference => {
                write!(f, "router preference 10 is reserved (treated as medium)")
            }
        }
    }
}

/// A decoded Router Solicitation or Router Advertisement (the ICMPv6 message).
#[derive(Debug, Clone)]
pub struct RouterMessage<'a> {
    pub bytes: &'a [u8],
    /// 133 (RS) or 134 (RA).
    pub icmp_type: u8,
    pub code: u8,
    pub checksum: u16,
    /// The RA header; `None` for a solicitation or a truncated advertisement.
    pub advert: Option<RaHeader>,
    pub options: Vec<NdOption<'a>>,
    pub warnings: Vec<Warning>,
}

impl<'a> RouterMessage<'a> {
    /// Decodes an ICMPv6 RS or RA. `None` when `bytes` is another ICMPv6 type.
    pub fn decode(bytes: &'a [u8]) -> Option<RouterMessage<'a>> {
        let icmp_type = *bytes.first()?;
        let header_len = match icmp_type {
            ROUTER_SOLICIT => 8,
            ROUTER_ADVERT => 16,
            _ => return None,
        };
        let mut m = RouterMessage {
            bytes,
            icmp_type,
            code: bytes.get(1).copied().unwrap_or(0),
            checksum: match bytes.get(2..4) {
                Some(&[a, b]) => u16::from_be_bytes([a, b]),
                _ => 0,
            },
            advert: None,
            options: Vec::new(),
            warnings: Vec::new(),
        };
        if m.code != 0 {
            m.warnings.push(Warning::NonZeroCode { code: m.code });
        }
        if bytes.len() < header_len {
            m.warnings.push(Warning::Truncated {
                len: bytes.len(),
                needed: header_len,
            });
            return Some(m);
        }
        if icmp_type == ROUTER_ADVERT {
            let h = RaHeader {
                cur_hop_limit: bytes[4],
                flags: bytes[5],
                router_lifetime: u16::from_be_bytes([bytes[6], bytes[7]]),
                reachable_time: be32(bytes, 8),
                retrans_timer: be32(bytes, 12),
            };
            if h.preference().0 == 2 {
                m.warnings.push(Warning::ReservedPreference);
            }
            m.advert = Some(h);
        }
        m.walk_options(header_len);
        Some(m)
    }

    fn walk_options(&mut self, start: usize) {
        let bytes = self.bytes;
        let mut pos = start;
        while pos < bytes.len() {
            let kind = bytes[pos];
            let Some(&units) = bytes.get(pos + 1) else {
                self.warnings.push(Warning::TruncatedOption {
                    kind,
                    offset: pos,
                    claimed: 2,
                    available: 1,
                });
                return;
            };
            if units == 0 {
                self.warnings
                    .push(Warning::ZeroLengthOption { offset: pos });
                return;
            }
            let end = pos + usize::from(units) * 8;
            let data = bytes.get(pos + 2..end.min(bytes.len())).unwrap_or_default();
            let opt = NdOption {
                kind,
                len: units,
                offset: pos,
                data,
            };
            if end > bytes.len() {
                self.warnings.push(Warning::TruncatedOption {
                    kind,
                    offset: pos,
                    claimed: usize::from(units) * 8,
                    available: bytes.len() - pos,
                });
            } else if let NdValue::Invalid { reason, .. } = opt.value() {
                self.warnings.push(Warning::BadValue {
                    kind,
                    offset: pos,
                    reason,
                });
            }
            self.options.push(opt);
            pos = end;
        }
    }

    pub fn is_advert(&self) -> bool {
        self.icmp_type == ROUTER_ADVERT
    }

    /// The Source Link-Layer Address option, when it holds a 6-byte (Ethernet) address.
    pub fn source_mac(&self) -> Option<[u8; 6]> {
        self.options
            .iter()
            .find(|o| o.kind == opt::SOURCE_LLA)
            .and_then(|o| <[u8; 6]>::try_from(o.data.get(..6)?).ok())
    }

    pub fn prefixes(&self) -> Vec<PrefixInfo> {
        self.values(|v| match v {
            NdValue::Prefix(p) => Some(p),
            _ => None,
        })
    }

    pub fn routes(&self) -> Vec<RouteInfo> {
        self.values(|v| match v {
            NdValue::Route(r) => Some(r),
            _ => None,
        })
    }

    /// All RDNSS addresses with their lifetimes.
    pub fn rdnss(&self) -> Vec<(Ipv6Addr, u32)> {
        self.values(|v| match v {
            NdValue::Rdnss { lifetime, servers } => {
                Some(servers.into_iter().map(move |s| (s, lifetime)))
            }
            _ => None,
        })
        .into_iter()
        .flatten()
        .collect()
    }

    /// All DNSSL names with their lifetimes.
    pub fn dnssl(&self) -> Vec<(String, u32)> {
        self.values(|v| match v {
            NdValue::Dnssl { lifetime, names } => {
                Some(names.into_iter().map(move |n| (n, lifetime)))
            }
            _ => None,
        })
        .into_iter()
        .flatten()
        .collect()
    }

    pub fn mtu(&self) -> Option<u32> {
        self.values(|v| match v {
            NdValue::Mtu(m) => Some(m),
            _ => None,
        })
        .first()
        .copied()
    }

    fn values<T>(&self, pick: impl Fn(NdValue<'a>) -> Option<T>) -> Vec<T> {
        self.options
            .iter()
            .filter_map(|o| pick(NdValue::decode(o.kind, o.data)))
            .collect()
    }
}

/// The ICMPv6 checksum over the IPv6 pseudo-header and `icmp` (with its checksum field as
/// it is; a correct message sums to 0).
pub fn icmpv6_checksum(src: Ipv6Addr, dst: Ipv6Addr, icmp: &[u8]) -> u16 {
    let mut sum: u32 = 0;
    let mut add = |bytes: &[u8]| {
        for pair in bytes.chunks(2) {
            let word = u16::from_be_bytes([pair[0], pair.get(1).copied().unwrap_or(0)]);
            sum = sum.wrapping_add(u32::from(word));
        }
    };
    add(&src.octets());
    add(&dst.octets());
    add(&(icmp.len() as u32).to_be_bytes());
    add(&[0, 0, 0, 58]);
    add(icmp);
    while sum > 0xffff {
        sum = (sum & 0xffff) + (sum >> 16);
    }
    !(sum as u16)
}

/// Builds RS/RA messages (tests, probes), options in the order added.
#[derive(Debug, Clone)]
pub struct RouterBuilder {
    bytes: Vec<u8>,
}

impl RouterBuilder {
    /// A router solicitation.
    pub fn solicit() -> Self {
        Self {
            bytes: vec![ROUTER_SOLICIT, 0, 0, 0, 0, 0, 0, 0],
        }
    }

    /// A router advertisement; `flags` is the byte after Cur Hop Limit (M 0x80, O 0x40, Prf).
    pub fn advert(cur_hop_limit: u8, flags: u8, router_lifetime: u16) -> Self {
        let mut bytes = vec![ROUTER_ADVERT, 0, 0, 0, cur_hop_limit, flags];
        bytes.extend_from_slice(&router_lifetime.to_be_bytes());
        bytes.extend_from_slice(&[0; 8]);
        Self { bytes }
    }

    pub fn timers(mut self, reachable_ms: u32, retrans_ms: u32) -> Self {
        if self.bytes[0] == ROUTER_ADVERT {
            self.bytes[8..12].copy_from_slice(&reachable_ms.to_be_bytes());
            self.bytes[12..16].copy_from_slice(&retrans_ms.to_be_bytes());
        }
        self
    }

    /// Appends an option; `data` is zero-padded to the 8-byte unit.
    pub fn option(mut self, kind: u8, data: &[u8]) -> Self {
        let total = (data.len() + 2).div_ceil(8) * 8;
        self.bytes.push(kind);
        self.bytes.push((total / 8).min(255) as u8);
        self.bytes.extend_from_slice(data);
        self.bytes
            .resize(self.bytes.len() + total - 2 - data.len(), 0);
        self
    }

    pub fn source_lla(self, mac: [u8; 6]) -> Self {
        self.option(opt::SOURCE_LLA, &mac)
    }

    pub fn mtu(self, mtu: u32) -> Self {
        let mut d = vec![0, 0];
        d.extend_from_slice(&mtu.to_be_bytes());
        self.option(opt::MTU, &d)
    }

    pub fn prefix(self, p: PrefixInfo) -> Self {
        let mut d = vec![p.prefix_len, p.flags];
        d.extend_from_slice(&p.valid.to_be_bytes());
        d.extend_from_slice(&p.preferred.to_be_bytes());
        d.extend_from_slice(&[0; 4]);
        d.extend_from_slice(&p.prefix.octets());
        self.option(opt::PREFIX_INFO, &d)
    }

    pub fn route(self, r: RouteInfo) -> Self {
        let mut d = vec![r.prefix_len, (r.preference.0 & 3) << 3];
        d.extend_from_slice(&r.lifetime.to_be_bytes());
        let n = match r.prefix_len {
            0 => 0,
            1..=64 => 8,
            _ => 16,
        };
        d.extend_from_slice(&r.prefix.octets()[..n]);
        self.option(opt::ROUTE_INFO, &d)
    }

    pub fn rdnss(self, lifetime: u32, servers: &[Ipv6Addr]) -> Self {
        let mut d = vec![0, 0];
        d.extend_from_slice(&lifetime.to_be_bytes());
        for s in servers {
            d.extend_from_slice(&s.octets());
        }
        self.option(opt::RDNSS, &d)
    }

    pub fn dnssl(self, lifetime: u32, names: &[&str]) -> Self {
        let mut d = vec![0, 0];
        d.extend_from_slice(&lifetime.to_be_bytes());
        d.extend_from_slice(&super::options::encode_dns_names(names));
        self.option(opt::DNSSL, &d)
    }

    /// Appends bytes verbatim (malformed options).
    pub fn raw(mut self, bytes: &[u8]) -> Self {
        self.bytes.extend_from_slice(bytes);
        self
    }

    /// The message with its checksum computed for `src` → `dst`.
    pub fn build(&self, src: Ipv6Addr, dst: Ipv6Addr) -> Vec<u8> {
        let mut out = self.bytes.clone();
        out[2] = 0;
        out[3] = 0;
        let sum = icmpv6_checksum(src, dst, &out);
        out[2..4].copy_from_slice(&sum.to_be_bytes());
        out
    }
}
