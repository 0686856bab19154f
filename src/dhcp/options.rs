//! Option codes: names, expected shapes and typed values.

use super::Warning;
use std::fmt::{self, Write};
use std::net::Ipv4Addr;

pub const PAD: u8 = 0;
pub const SUBNET_MASK: u8 = 1;
pub const ROUTER: u8 = 3;
pub const DNS_SERVERS: u8 = 6;
pub const HOSTNAME: u8 = 12;
pub const DOMAIN_NAME: u8 = 15;
pub const VENDOR_SPECIFIC: u8 = 43;
pub const REQUESTED_IP: u8 = 50;
pub const LEASE_TIME: u8 = 51;
pub const OVERLOAD: u8 = 52;
pub const MESSAGE_TYPE: u8 = 53;
pub const SERVER_ID: u8 = 54;
pub const PARAMETER_LIST: u8 = 55;
pub const MESSAGE: u8 = 56;
pub const MAX_MESSAGE_SIZE: u8 = 57;
pub const RENEWAL_TIME: u8 = 58;
pub const REBINDING_TIME: u8 = 59;
pub const VENDOR_CLASS: u8 = 60;
pub const CLIENT_ID: u8 = 61;
pub const CLIENT_FQDN: u8 = 81;
pub const RELAY_AGENT: u8 = 82;
pub const CLASSLESS_ROUTE: u8 = 121;
pub const CLASSLESS_ROUTE_MS: u8 = 249;
pub const END: u8 = 255;

/// DHCP message type (option 53).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct MessageType(pub u8);

impl MessageType {
    pub const DISCOVER: Self = Self(1);
    pub const OFFER: Self = Self(2);
    pub const REQUEST: Self = Self(3);
    pub const DECLINE: Self = Self(4);
    pub const ACK: Self = Self(5);
    pub const NAK: Self = Self(6);
    pub const RELEASE: Self = Self(7);
    pub const INFORM: Self = Self(8);
    pub const FORCERENEW: Self = Self(9);

    /// Upper-case name (`DISCOVER`, `LEASEQUERY`, …); `None` for unassigned values.
    pub fn name(self) -> Option<&'static str> {
        Some(match self.0 {
            1 => "DISCOVER",
            2 => "OFFER",
            3 => "REQUEST",
            4 => "DECLINE",
            5 => "ACK",
            6 => "NAK",
            7 => "RELEASE",
            8 => "INFORM",
            9 => "FORCERENEW",
            10 => "LEASEQUERY",
            11 => "LEASEUNASSIGNED",
            12 => "LEASEUNKNOWN",
            13 => "LEASEACTIVE",
            14 => "BULKLEASEQUERY",
            15 => "LEASEQUERYDONE",
            16 => "ACTIVELEASEQUERY",
            17 => "LEASEQUERYSTATUS",
            18 => "TLS",
            _ => return None,
        })
    }
}

impl fmt::Display for MessageType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.name() {
            Some(n) => f.write_str(n),
            None => write!(f, "UNKNOWN({})", self.0),
        }
    }
}

/// How an option's value is laid out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Ip,
    Ips,
    IpPairs,
    U8,
    U16,
    U32,
    I32,
    Secs,
    Bool,
    U16s,
    Text,
    Empty,
    Hex,
    MessageType,
    ParamList,
    ClientId,
    Overload,
    UserClass,
    ClientFqdn,
    RelayAgent,
    Auth,
    ClientArch,
    ClientNdi,
    MachineId,
    DomainList,
    SipServers,
    ClasslessRoutes,
    ViVendorClass,
    ViVendorInfo,
    StatusCode,
}

fn spec(code: u8) -> (&'static str, Kind) {
    use Kind::*;
    match code {
        0 => ("Pad", Empty),
        1 => ("Subnet Mask", Ip),
        2 => ("Time Offset", I32),
        3 => ("Router", Ips),
        4 => ("Time Server", Ips),
        5 => ("Name Server", Ips),
        6 => ("Domain Name Server", Ips),
        7 => ("Log Server", Ips),
        8 => ("Cookie Server", Ips),
        9 => ("LPR Server", Ips),
        10 => ("Impress Server", Ips),
        11 => ("Resource Location Server", Ips),
        12 => ("Host Name", Text),
        13 => ("Boot File Size", U16),
        14 => ("Merit Dump File", Text),
        15 => ("Domain Name", Text),
        16 => ("Swap Server", Ip),
        17 => ("Root Path", Text),
        18 => ("Extensions Path", Text),
        19 => ("IP Forwarding", Bool),
        20 => ("Non-Local Source Routing", Bool),
        21 => ("Policy Filter", IpPairs),
        22 => ("Maximum Datagram Reassembly Size", U16),
        23 => ("Default IP Time-to-Live", U8),
        24 => ("Path MTU Aging Timeout", Secs),
        25 => ("Path MTU Plateau Table", U16s),
        26 => ("Interface MTU", U16),
        27 => ("All Subnets are Local", Bool),
        28 => ("Broadcast Address", Ip),
        29 => ("Perform Mask Discovery", Bool),
        30 => ("Mask Supplier", Bool),
        31 => ("Perform Router Discovery", Bool),
        32 => ("Router Solicitation Address", Ip),
        33 => ("Static Route", IpPairs),
        34 => ("Trailer Encapsulation", Bool),
        35 => ("ARP Cache Timeout", Secs),
        36 => ("Ethernet Encapsulation", Bool),
        37 => ("TCP Default TTL", U8),
        38 => ("TCP Keepalive Interval", Secs),
        39 => ("TCP Keepalive Garbage", Bool),
        40 => ("NIS Domain", Text),
        41 => ("NIS Servers", Ips),
        42 => ("NTP Servers", Ips),
        43 => ("Vendor-Specific Information", Hex),
        44 => ("NetBIOS Name Server", Ips),
        45 => ("NetBIOS Datagram Distribution Server", Ips),
        46 => ("NetBIOS Node Type", U8),
        47 => ("NetBIOS Scope", Text),
        48 => ("X Window Font Server", Ips),
        49 => ("X Window Display Manager", Ips),
        50 => ("Requested IP Address", Ip),
        51 => ("IP Address Lease Time", Secs),
        52 => ("Option Overload", Overload),
        53 => ("DHCP Message Type", MessageType),
        54 => ("Server Identifier", Ip),
        55 => ("Parameter Request List", ParamList),
        56 => ("Message", Text),
        57 => ("Maximum DHCP Message Size", U16),
        58 => ("Renewal Time (T1)", Secs),
        59 => ("Rebinding Time (T2)", Secs),
        60 => ("Vendor Class Identifier", Text),
        61 => ("Client Identifier", ClientId),
        62 => ("NetWare/IP Domain Name", Text),
        63 => ("NetWare/IP Information", Hex),
        64 => ("NIS+ Domain", Text),
        65 => ("NIS+ Servers", Ips),
        66 => ("TFTP Server Name", Text),
        67 => ("Bootfile Name", Text),
        68 => ("Mobile IP Home Agent", Ips),
        69 => ("SMTP Server", Ips),
        70 => ("POP3 Server", Ips),
        71 => ("NNTP Server", Ips),
        72 => ("WWW Server", Ips),
        73 => ("Finger Server", Ips),
        74 => ("IRC Server", Ips),
        75 => ("StreetTalk Server", Ips),
        76 => ("StreetTalk Directory Assistance Server", Ips),
        77 => ("User Class", UserClass),
        78 => ("Directory Agent", Hex),
        79 => ("Service Scope", Hex),
        80 => ("Rapid Commit", Empty),
        81 => ("Client FQDN", ClientFqdn),
        82 => ("Relay Agent Information", RelayAgent),
        83 => ("iSNS", Hex),
        85 => ("NDS Servers", Ips),
        86 => ("NDS Tree Name", Text),
        87 => ("NDS Context", Text),
        88 => ("BCMCS Controller Domain Name List", DomainList),
        89 => ("BCMCS Controller Address", Ips),
        90 => ("Authentication", Auth),
        91 => ("Client Last Transaction Time", Secs),
        92 => ("Associated IP", Ips),
        93 => ("Client System Architecture", ClientArch),
        94 => ("Client Network Device Interface", ClientNdi),
        95 => ("LDAP", Text),
        97 => ("Client Machine Identifier", MachineId),
        98 => ("User Authentication", Text),
        99 => ("GeoConf Civic", Hex),
        100 => ("PCode (TZ-POSIX)", Text),
        101 => ("TCode (TZ-Database)", Text),
        108 => ("IPv6-Only Preferred", Secs),
        109 => ("DHCP4o6 Source Address", Hex),
        112 => ("NetInfo Parent Server Address", Ips),
        113 => ("NetInfo Parent Server Tag", Text),
        114 => ("Captive-Portal URI", Text),
        116 => ("Auto-Configure", U8),
        117 => ("Name Service Search", U16s),
        118 => ("Subnet Selection", Ip),
        119 => ("Domain Search", DomainList),
        120 => ("SIP Servers", SipServers),
        121 => ("Classless Static Route", ClasslessRoutes),
        122 => ("CableLabs Client Configuration", Hex),
        123 => ("GeoConf", Hex),
        124 => ("V-I Vendor Class", ViVendorClass),
        125 => ("V-I Vendor-Specific Information", ViVendorInfo),
        128..=135 => ("PXE (vendor-defined)", Hex),
        136 => ("PANA Agent", Ips),
        137 => ("LoST Server", DomainList),
        138 => ("CAPWAP Access Controller", Ips),
        141 => ("SIP UA Configuration Domains", DomainList),
        145 => ("Forcerenew Nonce Capable", Hex),
        150 => ("TFTP Server Address", Ips),
        151 => ("Status Code", StatusCode),
        152 => ("Base Time", U32),
        153 => ("Start Time of State", Secs),
        154 => ("Query Start Time", U32),
        155 => ("Query End Time", U32),
        156 => ("DHCP State", U8),
        157 => ("Data Source", U8),
        161 => ("MUD URL", Text),
        175 => ("Etherboot", Hex),
        208 => ("PXELINUX Magic", Hex),
        209 => ("PXELINUX Configuration File", Text),
        210 => ("PXELINUX Path Prefix", Text),
        211 => ("PXELINUX Reboot Time", Secs),
        212 => ("6RD", Hex),
        213 => ("Access Network Domain Name", DomainList),
        220 => ("Subnet Allocation", Hex),
        221 => ("Virtual Subnet Selection", Hex),
        249 => ("Classless Static Route (Microsoft)", ClasslessRoutes),
        252 => ("Web Proxy Auto-Discovery", Text),
        255 => ("End", Empty),
        _ => ("Unknown", Hex),
    }
}

/// Human name of an option code (`"Unknown"` for unassigned codes).
pub fn name(code: u8) -> &'static str {
    spec(code).0
}

/// Checks the length of a (concatenated) option value against its type.
pub(crate) fn check(code: u8, data: &[u8]) -> Option<Warning> {
    let len = data.len();
    let bad = |expected| {
        Some(Warning::BadLength {
            code,
            len,
            expected,
        })
    };
    let (_, kind) = spec(code);
    match kind {
        Kind::Ip if len != 4 => bad("4"),
        Kind::Ips if len == 0 || !len.is_multiple_of(4) => bad("a non-zero multiple of 4"),
        Kind::IpPairs if len == 0 || !len.is_multiple_of(8) => bad("a non-zero multiple of 8"),
        Kind::U8 | Kind::Bool | Kind::MessageType | Kind::Overload if len != 1 => bad("1"),
        Kind::U16 if len != 2 => bad("2"),
        Kind::U32 | Kind::I32 | Kind::Secs if len != 4 => bad("4"),
        Kind::U16s | Kind::ClientArch if len == 0 || !len.is_multiple_of(2) => {
            bad("a non-zero multiple of 2")
        }
        Kind::Text | Kind::ParamList if len == 0 => bad("at least 1"),
        Kind::ClientId if len < 2 => bad("at least 2"),
        Kind::ClientFqdn if len < 3 => bad("at least 3"),
        Kind::ClientNdi if len != 3 => bad("3"),
        Kind::MachineId if len != 17 => bad("17"),
        Kind::Auth if len < 11 => bad("at least 11"),
        Kind::Empty if len != 0 && code != PAD && code != END => bad("0"),
        // Structured values: validated without building them (this runs for every packet).
        Kind::DomainList => dns_walk(data, true, |_| {})
            .err()
            .map(|reason| Warning::BadValue { code, reason }),
        Kind::ClasslessRoutes => walk_routes(data, |_| {})
            .err()
            .map(|reason| Warning::BadValue { code, reason }),
        Kind::RelayAgent if !tlv_fits(data, 2, |h| usize::from(h[1])) => Some(Warning::BadValue {
            code,
            reason: "sub-option overruns the option",
        }),
        Kind::ViVendorClass | Kind::ViVendorInfo if !tlv_fits(data, 5, |h| usize::from(h[4])) => {
            Some(Warning::BadValue {
                code,
                reason: "enterprise data overruns the option",
            })
        }
        Kind::Overload | Kind::ClientFqdn | Kind::SipServers | Kind::StatusCode => {
            match Value::decode(code, data) {
                Value::Invalid { reason, .. } => Some(Warning::BadValue { code, reason }),
                _ => None,
            }
        }
        _ => None,
    }
}

/// True when `data` is a whole sequence of records with a `header`-byte header whose
/// `body_len` says how many bytes follow.
fn tlv_fits(mut data: &[u8], header: usize, body_len: impl Fn(&[u8]) -> usize) -> bool {
    while !data.is_empty() {
        let Some(h) = data.get(..header) else {
            return false;
        };
        let Some(rest) = data.get(header + body_len(h)..) else {
            return false;
        };
        data = rest;
    }
    true
}

/// A typed option value, borrowing the option bytes: decoding never allocates, and lists
/// are walked again when shown. [`fmt::Display`] gives the text form (every string from the
/// wire escaped), [`Value::write_json`] the JSON form.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Value<'a> {
    Ip(Ipv4Addr),
    Ips(IpList<'a>),
    IpPairs(IpPairs<'a>),
    U8(u8),
    U16(u16),
    U32(u32),
    I32(i32),
    Seconds(u32),
    Bool(bool),
    U16s(U16List<'a>),
    /// Text from the wire, raw: escape before display ([`Value::fmt`] does).
    Text(&'a [u8]),
    Empty,
    Hex(&'a [u8]),
    MessageType(MessageType),
    ParamList(&'a [u8]),
    ClientId {
        htype: u8,
        id: &'a [u8],
    },
    Overload(u8),
    UserClass(UserClasses<'a>),
    ClientFqdn {
        flags: u8,
        rcode1: u8,
        rcode2: u8,
        name: FqdnName<'a>,
    },
    RelayAgent(SubOptions<'a>),
    Auth {
        protocol: u8,
        algorithm: u8,
        rdm: u8,
        replay: u64,
        info: &'a [u8],
    },
    ClientArch(U16List<'a>),
    ClientNdi {
        kind: u8,
        major: u8,
        minor: u8,
    },
    MachineId {
        kind: u8,
        id: &'a [u8],
    },
    DomainList(DnsNames<'a>),
    SipServers(Sip<'a>),
    ClasslessRoutes(Routes<'a>),
    /// Options 124/125: per enterprise number, the data (125: sub-options inside).
    Vendors(Vendors<'a>),
    StatusCode {
        code: u8,
        message: &'a [u8],
    },
    /// The bytes do not fit the type: shown as hex with the reason.
    Invalid {
        reason: &'static str,
        raw: &'a [u8],
    },
}

/// IPv4 addresses, 4 bytes each (length checked when decoded).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IpList<'a>(&'a [u8]);

impl<'a> IpList<'a> {
    pub fn iter(&self) -> impl Iterator<Item = Ipv4Addr> + 'a {
        self.0.chunks_exact(4).map(ip4)
    }
    pub fn len(&self) -> usize {
        self.0.len() / 4
    }
    pub fn is_empty(&self) -> bool {
        self.0.len() < 4
    }
}

/// Pairs of IPv4 addresses (options 21, 33).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IpPairs<'a>(&'a [u8]);

impl<'a> IpPairs<'a> {
    pub fn iter(&self) -> impl Iterator<Item = (Ipv4Addr, Ipv4Addr)> + 'a {
        self.0.chunks_exact(8).map(|p| (ip4(&p[..4]), ip4(&p[4..])))
    }
}

/// Big-endian 16-bit values.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct U16List<'a>(&'a [u8]);

impl<'a> U16List<'a> {
    pub fn iter(&self) -> impl Iterator<Item = u16> + 'a {
        self.0
            .chunks_exact(2)
            .map(|c| u16::from_be_bytes([c[0], c[1]]))
    }
}

/// RFC 3004 user classes (length-prefixed records, validated when decoded).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UserClasses<'a>(&'a [u8]);

impl<'a> UserClasses<'a> {
    fn parse(data: &'a [u8]) -> Option<Self> {
        let mut rest = data;
        let mut any = false;
        while let [len, tail @ ..] = rest {
            let len = usize::from(*len);
            if len == 0 {
                return None;
            }
            tail.get(..len)?;
            rest = &tail[len..];
            any = true;
        }
        any.then_some(UserClasses(data))
    }
    pub fn iter(&self) -> impl Iterator<Item = &'a [u8]> + 'a {
        let mut rest = self.0;
        std::iter::from_fn(move || {
            let (&len, tail) = rest.split_first()?;
            let class = tail.get(..usize::from(len))?;
            rest = &tail[class.len()..];
            Some(class)
        })
    }
}

/// Relay agent (82) sub-options, validated when decoded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SubOptions<'a>(&'a [u8]);

impl<'a> SubOptions<'a> {
    fn parse(data: &'a [u8]) -> Option<Self> {
        tlv_fits(data, 2, |h| usize::from(h[1])).then_some(SubOptions(data))
    }
    pub fn iter(&self) -> impl Iterator<Item = SubOption<'a>> + 'a {
        let mut rest = self.0;
        std::iter::from_fn(move || {
            let [code, len, tail @ ..] = rest else {
                return None;
            };
            let data = tail.get(..usize::from(*len))?;
            rest = &tail[data.len()..];
            Some(SubOption { code: *code, data })
        })
    }
    pub fn len(&self) -> usize {
        self.iter().count()
    }
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

/// Enterprise records of options 124/125 (and relay sub-option 9).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Vendors<'a>(&'a [u8]);

impl<'a> Vendors<'a> {
    fn parse(data: &'a [u8]) -> Option<Self> {
        tlv_fits(data, 5, |h| usize::from(h[4])).then_some(Vendors(data))
    }
    pub fn iter(&self) -> impl Iterator<Item = (u32, &'a [u8])> + 'a {
        let mut rest = self.0;
        std::iter::from_fn(move || {
            let (&[a, b, c, d, len], tail) = rest.split_first_chunk::<5>()?;
            let data = tail.get(..usize::from(len))?;
            rest = &tail[data.len()..];
            Some((u32::from_be_bytes([a, b, c, d]), data))
        })
    }
}

/// Classless static routes (121/249), validated when decoded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Routes<'a>(&'a [u8]);

impl<'a> Routes<'a> {
    pub fn iter(&self) -> impl Iterator<Item = Route> + 'a {
        let mut rest = self.0;
        std::iter::from_fn(move || {
            let (route, tail) = next_route(rest).ok()??;
            rest = tail;
            Some(route)
        })
    }
}

/// DNS wire-format names (RFC 1035 §4.1.4, compression per RFC 3397), validated when decoded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DnsNames<'a>(&'a [u8]);

impl DnsNames<'_> {
    /// Writes the names, labels escaped, `sep` between names.
    fn write_names<W: Write>(
        &self,
        out: &mut W,
        mut sep: impl FnMut(&mut W) -> fmt::Result,
    ) -> fmt::Result {
        let mut result = Ok(());
        let mut first_name = true;
        let mut first_label = true;
        let _ = dns_walk(self.0, true, |event| {
            if result.is_err() {
                return;
            }
            if first_label && !first_name {
                result = sep(out);
            }
            match event {
                DnsEvent::Label(label) => {
                    if !first_label {
                        result = result.and_then(|()| out.write_char('.'));
                    }
                    result = result.and_then(|()| crate::escape::write_escaped(out, label));
                    first_label = false;
                    first_name = false;
                }
                DnsEvent::End => {
                    first_name = false;
                    first_label = true;
                }
            }
        });
        result
    }
    pub fn count(&self) -> usize {
        dns_walk(self.0, true, |_| {}).unwrap_or(0)
    }
}

/// The name of option 81: DNS wire format (flag E) or plain ASCII, escaped when shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FqdnName<'a> {
    raw: &'a [u8],
    wire: bool,
}

impl fmt::Display for FqdnName<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.write(f)
    }
}

impl FqdnName<'_> {
    fn write(&self, out: &mut impl Write) -> fmt::Result {
        if !self.wire {
            return crate::escape::write_escaped(out, self.raw);
        }
        let mut result = Ok(());
        let mut first = true;
        let _ = dns_walk(self.raw, false, |event| {
            if let DnsEvent::Label(label) = event {
                if !first {
                    result = result.and_then(|()| out.write_char('.'));
                }
                result = result.and_then(|()| crate::escape::write_escaped(out, label));
                first = false;
            }
        });
        result
    }
}

impl PartialEq<str> for FqdnName<'_> {
    fn eq(&self, other: &str) -> bool {
        /// Consumes `rest` as the text is written; fails on the first difference.
        struct Match<'s>(&'s str);
        impl Write for Match<'_> {
            fn write_str(&mut self, s: &str) -> fmt::Result {
                self.0 = self.0.strip_prefix(s).ok_or(fmt::Error)?;
                Ok(())
            }
        }
        let mut m = Match(other);
        self.write(&mut m).is_ok() && m.0.is_empty()
    }
}

/// Option 120: names or addresses, by its encoding byte.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sip<'a> {
    Names(DnsNames<'a>),
    Ips(IpList<'a>),
}

/// One route of option 121/249.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Route {
    pub destination: Ipv4Addr,
    pub prefix: u8,
    pub router: Ipv4Addr,
}

/// A relay agent (82) sub-option.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SubOption<'a> {
    pub code: u8,
    pub data: &'a [u8],
}

impl SubOption<'_> {
    pub fn name(&self) -> &'static str {
        match self.code {
            1 => "Agent Circuit ID",
            2 => "Agent Remote ID",
            4 => "DOCSIS Device Class",
            5 => "Link Selection",
            6 => "Subscriber ID",
            7 => "RADIUS Attributes",
            8 => "Authentication",
            9 => "Vendor-Specific Information",
            10 => "Relay Agent Flags",
            11 => "Server Identifier Override",
            12 => "Relay Source",
            151 => "Virtual Subnet Selection",
            152 => "Virtual Subnet Selection Control",
            _ => "Unknown",
        }
    }

    /// The value alone, escaped: `Display` shows it after the name and code.
    pub fn value(&self) -> SubOptionValue<'_> {
        SubOptionValue(self)
    }
}

/// Display adapter for a sub-option's value (see [`SubOption::value`]).
pub struct SubOptionValue<'a>(&'a SubOption<'a>);

impl fmt::Display for SubOption<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ({}): {}", self.name(), self.code, self.value())
    }
}

impl fmt::Display for SubOptionValue<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let s = self.0;
        match (s.code, s.data) {
            (5 | 11, &[a, b, c, d]) => write!(f, "{}", Ipv4Addr::new(a, b, c, d)),
            (1 | 2 | 6, d) if d.iter().all(|b| b.is_ascii_graphic() || *b == b' ') => {
                crate::escape::write_escaped(f, d)
            }
            (10, &[flags]) => write!(f, "flags 0x{flags:02x}"),
            (152, []) => f.write_str("(present)"),
            (9, d) => match Vendors::parse(d) {
                Some(v) if !d.is_empty() => fmt_vendor_list(f, v),
                _ => write_hex(f, d),
            },
            (_, d) => write_hex(f, d),
        }
    }
}

impl<'a> Value<'a> {
    /// Decodes `data` as option `code`. Never fails (a mismatch gives [`Value::Invalid`]) and
    /// never allocates.
    pub fn decode(code: u8, data: &'a [u8]) -> Value<'a> {
        let invalid = |reason| Value::Invalid { reason, raw: data };
        let (_, kind) = spec(code);
        match kind {
            Kind::Ip => match data {
                &[a, b, c, d] => Value::Ip(Ipv4Addr::new(a, b, c, d)),
                _ => invalid("expected 4 bytes"),
            },
            Kind::Ips if !data.is_empty() && data.len().is_multiple_of(4) => {
                Value::Ips(IpList(data))
            }
            Kind::IpPairs if !data.is_empty() && data.len().is_multiple_of(8) => {
                Value::IpPairs(IpPairs(data))
            }
            Kind::U8 => match data {
                &[v] => Value::U8(v),
                _ => invalid("expected 1 byte"),
            },
            Kind::Bool => match data {
                &[v] => Value::Bool(v != 0),
                _ => invalid("expected 1 byte"),
            },
            Kind::U16 => match data {
                &[a, b] => Value::U16(u16::from_be_bytes([a, b])),
                _ => invalid("expected 2 bytes"),
            },
            Kind::U32 | Kind::Secs | Kind::I32 => match data {
                &[a, b, c, d] => {
                    let v = u32::from_be_bytes([a, b, c, d]);
                    match kind {
                        Kind::U32 => Value::U32(v),
                        Kind::I32 => Value::I32(v as i32),
                        _ => Value::Seconds(v),
                    }
                }
                _ => invalid("expected 4 bytes"),
            },
            Kind::U16s | Kind::ClientArch if !data.is_empty() && data.len().is_multiple_of(2) => {
                if kind == Kind::ClientArch {
                    Value::ClientArch(U16List(data))
                } else {
                    Value::U16s(U16List(data))
                }
            }
            Kind::Text => Value::Text(data),
            Kind::Empty if data.is_empty() => Value::Empty,
            Kind::MessageType => match data {
                &[t] => Value::MessageType(MessageType(t)),
                _ => invalid("expected 1 byte"),
            },
            Kind::ParamList => Value::ParamList(data),
            Kind::ClientId => match data {
                [htype, id @ ..] if !id.is_empty() => Value::ClientId { htype: *htype, id },
                _ => invalid("expected a type byte and an identifier"),
            },
            Kind::Overload => match data {
                &[v @ 1..=3] => Value::Overload(v),
                _ => invalid("expected 1, 2 or 3"),
            },
            Kind::UserClass => match UserClasses::parse(data) {
                Some(classes) => Value::UserClass(classes),
                // Many Microsoft clients send a plain string instead of RFC 3004 records.
                None => Value::Text(data),
            },
            Kind::ClientFqdn => match data {
                &[flags, rcode1, rcode2, ref name @ ..] => {
                    let wire = flags & 0x04 != 0;
                    if wire && !matches!(dns_walk(name, false, |_| {}), Ok(0 | 1)) {
                        return invalid("bad DNS wire-format name");
                    }
                    Value::ClientFqdn {
                        flags,
                        rcode1,
                        rcode2,
                        name: FqdnName { raw: name, wire },
                    }
                }
                _ => invalid("expected at least 3 bytes"),
            },
            Kind::RelayAgent => match SubOptions::parse(data) {
                Some(subs) => Value::RelayAgent(subs),
                None => invalid("sub-option overruns the option"),
            },
            Kind::Auth => match data {
                [protocol, algorithm, rdm, rest @ ..] if rest.len() >= 8 => Value::Auth {
                    protocol: *protocol,
                    algorithm: *algorithm,
                    rdm: *rdm,
                    replay: u64::from_be_bytes(rest[..8].try_into().unwrap_or_default()),
                    info: &rest[8..],
                },
                _ => invalid("expected at least 11 bytes"),
            },
            Kind::ClientNdi => match data {
                &[kind, major, minor] => Value::ClientNdi { kind, major, minor },
                _ => invalid("expected 3 bytes"),
            },
            Kind::MachineId => match data {
                [kind, id @ ..] if id.len() == 16 => Value::MachineId { kind: *kind, id },
                _ => invalid("expected 17 bytes"),
            },
            Kind::DomainList => match dns_walk(data, true, |_| {}) {
                Ok(_) => Value::DomainList(DnsNames(data)),
                Err(reason) => invalid(reason),
            },
            Kind::SipServers => match data {
                [0, names @ ..] => match dns_walk(names, true, |_| {}) {
                    Ok(_) => Value::SipServers(Sip::Names(DnsNames(names))),
                    Err(reason) => invalid(reason),
                },
                [1, ips @ ..] if !ips.is_empty() && ips.len() % 4 == 0 => {
                    Value::SipServers(Sip::Ips(IpList(ips)))
                }
                _ => invalid("unknown encoding byte"),
            },
            Kind::ClasslessRoutes => match walk_routes(data, |_| {}) {
                Ok(()) => Value::ClasslessRoutes(Routes(data)),
                Err(reason) => invalid(reason),
            },
            Kind::ViVendorClass | Kind::ViVendorInfo => match Vendors::parse(data) {
                Some(v) => Value::Vendors(v),
                None => invalid("enterprise data overruns the option"),
            },
            Kind::StatusCode => match data {
                [code, message @ ..] => Value::StatusCode {
                    code: *code,
                    message,
                },
                [] => invalid("expected at least 1 byte"),
            },
            Kind::Hex => Value::Hex(data),
            Kind::Ips | Kind::IpPairs => invalid("length is not a multiple of the address size"),
            Kind::U16s | Kind::ClientArch => invalid("length is not a multiple of 2"),
            Kind::Empty => invalid("expected no data"),
        }
    }

    /// Appends the JSON form (compact, strings escaped for a terminal first) to `out`.
    pub fn write_json(&self, out: &mut String) {
        use crate::escape::{JsonStr, push_json_escaped};
        let ip = |out: &mut String, ip: Ipv4Addr| {
            out.push('"');
            push_ip(out, ip);
            out.push('"');
        };
        let hex_str = |out: &mut String, bytes: &[u8]| {
            out.push('"');
            push_hex(out, bytes);
            out.push('"');
        };
        match self {
            Value::Ip(a) => ip(out, *a),
            Value::Ips(list) | Value::SipServers(Sip::Ips(list)) => {
                json_array(out, list.iter(), |out, a| ip(out, a))
            }
            Value::IpPairs(p) => json_array(out, p.iter(), |out, (a, b)| {
                out.push('[');
                ip(out, a);
                out.push(',');
                ip(out, b);
                out.push(']');
            }),
            Value::U8(n) | Value::Overload(n) => push_u64(out, u64::from(*n)),
            Value::U16(n) => push_u64(out, u64::from(*n)),
            Value::U32(n) | Value::Seconds(n) => push_u64(out, u64::from(*n)),
            Value::I32(n) => {
                if *n < 0 {
                    out.push('-');
                }
                push_u64(out, u64::from(n.unsigned_abs()));
            }
            Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
            Value::U16s(v) | Value::ClientArch(v) => {
                json_array(out, v.iter(), |out, n| push_u64(out, u64::from(n)))
            }
            Value::Text(t) => push_json_escaped(out, t),
            Value::Empty => out.push_str("null"),
            Value::Hex(h) => hex_str(out, h),
            Value::MessageType(_) | Value::MachineId { .. } => {
                out.push('"');
                let _ = write!(JsonStr(out), "{self}");
                out.push('"');
            }
            Value::ParamList(p) => json_array(out, p.iter(), |out, c| push_u64(out, u64::from(*c))),
            Value::ClientId { htype, id } => {
                out.push_str("{\"type\":");
                push_u64(out, u64::from(*htype));
                out.push_str(",\"id\":\"");
                push_colon_hex(out, id);
                out.push_str("\"}");
            }
            Value::UserClass(c) => json_array(out, c.iter(), push_json_escaped),
            Value::ClientFqdn {
                flags,
                rcode1,
                rcode2,
                name,
            } => {
                out.push_str("{\"flags\":");
                push_u64(out, u64::from(*flags));
                out.push_str(",\"rcode1\":");
                push_u64(out, u64::from(*rcode1));
                out.push_str(",\"rcode2\":");
                push_u64(out, u64::from(*rcode2));
                out.push_str(",\"name\":\"");
                let _ = name.write(&mut JsonStr(out));
                out.push_str("\"}");
            }
            Value::RelayAgent(subs) => json_array(out, subs.iter(), |out, s| {
                out.push_str("{\"code\":");
                push_u64(out, u64::from(s.code));
                out.push_str(",\"name\":\"");
                out.push_str(s.name());
                out.push_str("\",\"value\":\"");
                let _ = write!(JsonStr(out), "{}", s.value());
                out.push_str("\"}");
            }),
            Value::Auth {
                protocol,
                algorithm,
                rdm,
                replay,
                info,
            } => {
                out.push_str("{\"protocol\":");
                push_u64(out, u64::from(*protocol));
                out.push_str(",\"algorithm\":");
                push_u64(out, u64::from(*algorithm));
                out.push_str(",\"rdm\":");
                push_u64(out, u64::from(*rdm));
                out.push_str(",\"replay\":");
                push_u64(out, *replay);
                out.push_str(",\"info\":");
                hex_str(out, info);
                out.push('}');
            }
            Value::ClientNdi { kind, major, minor } => {
                out.push_str("{\"type\":");
                push_u64(out, u64::from(*kind));
                out.push_str(",\"major\":");
                push_u64(out, u64::from(*major));
                out.push_str(",\"minor\":");
                push_u64(out, u64::from(*minor));
                out.push('}');
            }
            Value::DomainList(names) | Value::SipServers(Sip::Names(names)) => {
                out.push('[');
                if names.count() > 0 {
                    out.push('"');
                    let _ = names.write_names(&mut JsonStr(out), |w| {
                        w.0.push_str("\",\"");
                        Ok(())
                    });
                    out.push('"');
                }
                out.push(']');
            }
            Value::ClasslessRoutes(routes) => json_array(out, routes.iter(), |out, r| {
                out.push_str("{\"destination\":");
                ip(out, r.destination);
                out.push_str(",\"prefix\":");
                push_u64(out, u64::from(r.prefix));
                out.push_str(",\"router\":");
                ip(out, r.router);
                out.push('}');
            }),
            Value::Vendors(v) => json_array(out, v.iter(), |out, (e, d)| {
                out.push_str("{\"enterprise\":");
                push_u64(out, u64::from(e));
                out.push_str(",\"data\":");
                hex_str(out, d);
                out.push('}');
            }),
            Value::StatusCode { code, message } => {
                out.push_str("{\"code\":");
                push_u64(out, u64::from(*code));
                out.push_str(",\"message\":");
                push_json_escaped(out, message);
                out.push('}');
            }
            Value::Invalid { reason, raw } => {
                out.push_str("{\"invalid\":\"");
                out.push_str(reason);
                out.push_str("\",\"hex\":");
                hex_str(out, raw);
                out.push('}');
            }
        }
    }
}

fn json_array<T>(
    out: &mut String,
    items: impl Iterator<Item = T>,
    mut item: impl FnMut(&mut String, T),
) {
    out.push('[');
    for (i, it) in items.enumerate() {
        if i > 0 {
            out.push(',');
        }
        item(out, it);
    }
    out.push(']');
}

fn ip4(c: &[u8]) -> Ipv4Addr {
    match c {
        &[a, b, c, d] => Ipv4Addr::new(a, b, c, d),
        _ => Ipv4Addr::UNSPECIFIED,
    }
}

/// One route at the start of `data` and what follows it; `Ok(None)` at the end.
fn next_route(data: &[u8]) -> Result<Option<(Route, &[u8])>, &'static str> {
    let [width, rest @ ..] = data else {
        return Ok(None);
    };
    if *width > 32 {
        return Err("route prefix width above 32");
    }
    let significant = usize::from(width.div_ceil(8));
    let Some(dest) = rest.get(..significant) else {
        return Err("route truncated");
    };
    let Some(router) = rest.get(significant..significant + 4) else {
        return Err("route truncated");
    };
    let mut octets = [0u8; 4];
    octets[..significant].copy_from_slice(dest);
    let route = Route {
        destination: Ipv4Addr::from(octets),
        prefix: *width,
        router: ip4(router),
    };
    Ok(Some((route, &rest[significant + 4..])))
}

fn walk_routes(mut data: &[u8], mut on_route: impl FnMut(Route)) -> Result<(), &'static str> {
    while let Some((route, rest)) = next_route(data)? {
        on_route(route);
        data = rest;
    }
    Ok(())
}

/// What [`dns_walk`] reports: each label of a name, then the end of that name.
enum DnsEvent<'a> {
    Label(&'a [u8]),
    End,
}

/// Walks DNS wire-format names (RFC 1035 §4.1.4), with compression pointers relative to the
/// start of `data` (RFC 3397 §2), reporting labels as they are read; returns how many names.
/// On an error the events so far are incomplete: validate before showing.
fn dns_walk<'a>(
    data: &'a [u8],
    allow_pointers: bool,
    mut visit: impl FnMut(DnsEvent<'a>),
) -> Result<usize, &'static str> {
    let mut pos = 0;
    let mut names = 0;
    while pos < data.len() {
        let mut name_len = 0usize;
        let mut cursor = pos;
        let mut jumped = false;
        let mut jumps = 0;
        loop {
            let Some(&len) = data.get(cursor) else {
                // Option 81 may carry a partial name without the root label (RFC 4702
                // §2.3.1): without compression, ending at a label boundary ends the name.
                if !allow_pointers && cursor == data.len() && !jumped {
                    pos = cursor;
                    break;
                }
                return Err("name runs past the end of the option");
            };
            if len == 0 {
                if !jumped {
                    pos = cursor + 1;
                }
                break;
            }
            if len & 0xc0 == 0xc0 {
                if !allow_pointers {
                    return Err("compression pointer not allowed here");
                }
                let Some(&low) = data.get(cursor + 1) else {
                    return Err("truncated compression pointer");
                };
                let target = usize::from(len & 0x3f) << 8 | usize::from(low);
                jumps += 1;
                if target >= data.len() || jumps > 64 {
                    return Err("bad compression pointer");
                }
                if !jumped {
                    pos = cursor + 2;
                    jumped = true;
                }
                cursor = target;
                continue;
            }
            if len & 0xc0 != 0 {
                return Err("bad label type");
            }
            let Some(label) = data.get(cursor + 1..cursor + 1 + usize::from(len)) else {
                return Err("label runs past the end of the option");
            };
            name_len += label.len() + 1;
            if name_len > 1024 {
                return Err("name too long");
            }
            visit(DnsEvent::Label(label));
            cursor += 1 + usize::from(len);
        }
        visit(DnsEvent::End);
        names += 1;
    }
    Ok(names)
}

const HEX_DIGITS: &[u8; 16] = b"0123456789abcdef";

/// Lower-case hex without separators.
pub fn hex(bytes: &[u8]) -> String {
    let mut s = String::with_capacity(bytes.len() * 2);
    push_hex(&mut s, bytes);
    s
}

/// Appends lower-case hex without separators.
pub fn push_hex(out: &mut String, bytes: &[u8]) {
    out.reserve(bytes.len() * 2);
    for b in bytes {
        out.push(char::from(HEX_DIGITS[usize::from(b >> 4)]));
        out.push(char::from(HEX_DIGITS[usize::from(b & 0xf)]));
    }
}

/// Writes lower-case hex without separators to any `fmt::Write`, without allocating.
pub fn write_hex(out: &mut impl Write, bytes: &[u8]) -> fmt::Result {
    let mut buf = [0u8; 64];
    for chunk in bytes.chunks(32) {
        for (i, b) in chunk.iter().enumerate() {
            buf[2 * i] = HEX_DIGITS[usize::from(b >> 4)];
            buf[2 * i + 1] = HEX_DIGITS[usize::from(b & 0xf)];
        }
        out.write_str(std::str::from_utf8(&buf[..chunk.len() * 2]).map_err(|_| fmt::Error)?)?;
    }
    Ok(())
}

/// Appends lower-case colon-separated hex (the MAC notation).
pub fn push_colon_hex(out: &mut String, bytes: &[u8]) {
    for (i, b) in bytes.iter().enumerate() {
        if i > 0 {
            out.push(':');
        }
        out.push(char::from(HEX_DIGITS[usize::from(b >> 4)]));
        out.push(char::from(HEX_DIGITS[usize::from(b & 0xf)]));
    }
}

/// Appends a decimal number without going through `fmt`.
pub fn push_u64(out: &mut String, n: u64) {
    if n < 1000 {
        return push_small(out, n as u32);
    }
    let mut buf = [0u8; 20];
    let mut i = buf.len();
    let mut n = n;
    while n > 0 {
        i -= 1;
        buf[i] = b'0' + (n % 10) as u8;
        n /= 10;
    }
    for &d in &buf[i..] {
        out.push(char::from(d));
    }
}

/// Below 1000: ports, octets, option codes and offsets, most numbers a packet holds.
fn push_small(out: &mut String, n: u32) {
    let digit = |d: u32| char::from(b'0' + d as u8);
    if n >= 100 {
        out.push(digit(n / 100));
    }
    if n >= 10 {
        out.push(digit(n / 10 % 10));
    }
    out.push(digit(n % 10));
}

/// Appends an IPv4 address in dotted quad without going through `fmt`.
pub fn push_ip(out: &mut String, ip: Ipv4Addr) {
    let [a, b, c, d] = ip.octets();
    out.reserve(15);
    push_small(out, u32::from(a));
    out.push('.');
    push_small(out, u32::from(b));
    out.push('.');
    push_small(out, u32::from(c));
    out.push('.');
    push_small(out, u32::from(d));
}

/// Lower-case colon-separated hex without allocating until written.
pub struct ColonHex<'a>(pub &'a [u8]);

impl fmt::Display for ColonHex<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, b) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str(":")?;
            }
            write_hex(f, &[*b])?;
        }
        Ok(())
    }
}

/// Lower-case colon-separated hex, as MAC addresses are written.
pub fn colon_hex(bytes: &[u8]) -> String {
    let mut s = String::with_capacity(bytes.len() * 3);
    push_colon_hex(&mut s, bytes);
    s
}

fn fmt_vendor_list(f: &mut impl Write, v: Vendors<'_>) -> fmt::Result {
    for (i, (enterprise, data)) in v.iter().enumerate() {
        if i > 0 {
            f.write_str(", ")?;
        }
        write!(f, "enterprise {enterprise}: ")?;
        write_hex(f, data)?;
    }
    Ok(())
}

fn fmt_list<T: fmt::Display>(
    f: &mut fmt::Formatter<'_>,
    items: impl Iterator<Item = T>,
) -> fmt::Result {
    for (i, it) in items.enumerate() {
        if i > 0 {
            f.write_str(", ")?;
        }
        write!(f, "{it}")?;
    }
    Ok(())
}

/// Seconds as `86400 (1d)`.
pub fn fmt_secs(f: &mut impl Write, secs: u32) -> fmt::Result {
    if secs == u32::MAX {
        return write!(f, "{secs} (infinite)");
    }
    let (d, h, m, s) = (secs / 86400, secs / 3600 % 24, secs / 60 % 60, secs % 60);
    write!(f, "{secs} (")?;
    let mut any = false;
    for (v, unit) in [(d, "d"), (h, "h"), (m, "m"), (s, "s")] {
        if v > 0 {
            write!(f, "{v}{unit}")?;
            any = true;
        }
    }
    if !any {
        f.write_str("0s")?;
    }
    f.write_str(")")
}

impl fmt::Display for Value<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        use crate::escape::write_escaped;
        match self {
            Value::Ip(ip) => write!(f, "{ip}"),
            Value::Ips(ips) | Value::SipServers(Sip::Ips(ips)) => fmt_list(f, ips.iter()),
            Value::IpPairs(p) => {
                for (i, (a, b)) in p.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    write!(f, "{a}/{b}")?;
                }
                Ok(())
            }
            Value::U8(v) => write!(f, "{v}"),
            Value::U16(v) => write!(f, "{v}"),
            Value::U32(v) => write!(f, "{v}"),
            Value::I32(v) => write!(f, "{v}"),
            Value::Seconds(s) => fmt_secs(f, *s),
            Value::Bool(b) => write!(f, "{}", if *b { "enabled" } else { "disabled" }),
            Value::U16s(v) | Value::ClientArch(v) => fmt_list(f, v.iter()),
            Value::Text(t) => write_escaped(f, t),
            Value::Empty => f.write_str("(empty)"),
            Value::Hex(h) => write_hex(f, h),
            Value::MessageType(t) => write!(f, "{t}"),
            Value::ParamList(p) => {
                for (i, c) in p.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    write!(f, "{c} {}", name(*c))?;
                }
                Ok(())
            }
            Value::ClientId { htype, id } => {
                if *htype == 1 && id.len() == 6 {
                    write!(f, "ethernet {}", ColonHex(id))
                } else {
                    write!(f, "type {htype} ")?;
                    write_hex(f, id)
                }
            }
            Value::Overload(v) => f.write_str(match v {
                1 => "file holds options",
                2 => "sname holds options",
                _ => "sname and file hold options",
            }),
            Value::UserClass(c) => {
                for (i, class) in c.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    write_escaped(f, class)?;
                }
                Ok(())
            }
            Value::ClientFqdn {
                flags,
                rcode1,
                rcode2,
                name,
            } => write!(
                f,
                "flags 0x{flags:02x} (S={} O={} E={} N={}) rcode {rcode1}/{rcode2} name {}",
                flags & 1,
                flags >> 1 & 1,
                flags >> 2 & 1,
                flags >> 3 & 1,
                name
            ),
            Value::RelayAgent(subs) => {
                for (i, s) in subs.iter().enumerate() {
                    if i > 0 {
                        f.write_str("; ")?;
                    }
                    write!(f, "{s}")?;
                }
                Ok(())
            }
            Value::Auth {
                protocol,
                algorithm,
                rdm,
                replay,
                info,
            } => {
                write!(
                    f,
                    "protocol {protocol} algorithm {algorithm} rdm {rdm} replay {replay:#018x} info "
                )?;
                write_hex(f, info)
            }
            Value::ClientNdi { kind, major, minor } => {
                write!(f, "type {kind} version {major}.{minor}")
            }
            Value::MachineId { kind, id } => {
                write!(f, "type {kind} ")?;
                for (i, b) in id.iter().enumerate() {
                    if matches!(i, 4 | 6 | 8 | 10) {
                        f.write_str("-")?;
                    }
                    write_hex(f, &[*b])?;
                }
                Ok(())
            }
            Value::DomainList(names) | Value::SipServers(Sip::Names(names)) => {
                names.write_names(f, |f| f.write_str(", "))
            }
            Value::ClasslessRoutes(routes) => {
                for (i, r) in routes.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    write!(f, "{}/{} via {}", r.destination, r.prefix, r.router)?;
                }
                Ok(())
            }
            Value::Vendors(v) => fmt_vendor_list(f, *v),
            Value::StatusCode { code, message } => {
                write!(f, "{code} ")?;
                write_escaped(f, message)
            }
            Value::Invalid { reason, raw } => {
                write_hex(f, raw)?;
                write!(f, " (invalid: {reason})")
            }
        }
    }
}
