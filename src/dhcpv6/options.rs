//! DHCPv6 option codes: names, expected shapes and typed values (RFC 8415 §21 and the option
//! RFCs listed in the reference note).

use crate::dhcp::options::{colon_hex, fmt_secs, hex};
use crate::escape::escape_bytes;
use std::fmt;
use std::net::Ipv6Addr;

pub const CLIENT_ID: u16 = 1;
pub const SERVER_ID: u16 = 2;
pub const IA_NA: u16 = 3;
pub const IA_TA: u16 = 4;
pub const IA_ADDR: u16 = 5;
pub const ORO: u16 = 6;
pub const PREFERENCE: u16 = 7;
pub const ELAPSED_TIME: u16 = 8;
pub const RELAY_MSG: u16 = 9;
pub const AUTH: u16 = 11;
pub const UNICAST: u16 = 12;
pub const STATUS_CODE: u16 = 13;
pub const RAPID_COMMIT: u16 = 14;
pub const USER_CLASS: u16 = 15;
pub const VENDOR_CLASS: u16 = 16;
pub const VENDOR_OPTS: u16 = 17;
pub const INTERFACE_ID: u16 = 18;
pub const RECONF_MSG: u16 = 19;
pub const RECONF_ACCEPT: u16 = 20;
pub const SIP_SERVER_D: u16 = 21;
pub const SIP_SERVER_A: u16 = 22;
pub const DNS_SERVERS: u16 = 23;
pub const DOMAIN_LIST: u16 = 24;
pub const IA_PD: u16 = 25;
pub const IA_PREFIX: u16 = 26;
pub const NIS_SERVERS: u16 = 27;
pub const NISP_SERVERS: u16 = 28;
pub const NIS_DOMAIN: u16 = 29;
pub const NISP_DOMAIN: u16 = 30;
pub const SNTP_SERVERS: u16 = 31;
pub const INFORMATION_REFRESH_TIME: u16 = 32;
pub const REMOTE_ID: u16 = 37;
pub const SUBSCRIBER_ID: u16 = 38;
pub const CLIENT_FQDN: u16 = 39;
pub const CLIENT_DATA: u16 = 45;
pub const NTP_SERVER: u16 = 56;
pub const AFTR_NAME: u16 = 64;
pub const CLIENT_LINKLAYER_ADDR: u16 = 79;
pub const SOL_MAX_RT: u16 = 82;
pub const INF_MAX_RT: u16 = 83;
pub const S46_CONT_MAPE: u16 = 94;
pub const S46_CONT_MAPT: u16 = 95;
pub const S46_CONT_LW: u16 = 96;
pub const CAPTIVE_PORTAL: u16 = 103;

/// DHCPv6 message type (RFC 8415 §7.3 and the IANA registry).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct MessageType(pub u8);

impl MessageType {
    pub const SOLICIT: Self = Self(1);
    pub const ADVERTISE: Self = Self(2);
    pub const REQUEST: Self = Self(3);
    pub const CONFIRM: Self = Self(4);
    pub const RENEW: Self = Self(5);
    pub const REBIND: Self = Self(6);
    pub const REPLY: Self = Self(7);
    pub const RELEASE: Self = Self(8);
    pub const DECLINE: Self = Self(9);
    pub const RECONFIGURE: Self = Self(10);
    pub const INFORMATION_REQUEST: Self = Self(11);
    pub const RELAY_FORW: Self = Self(12);
    pub const RELAY_REPL: Self = Self(13);

    /// Upper-case name as RFC 8415 writes it; `None` for unassigned values.
    pub fn name(self) -> Option<&'static str> {
        Some(match self.0 {
            1 => "SOLICIT",
            2 => "ADVERTISE",
            3 => "REQUEST",
            4 => "CONFIRM",
            5 => "RENEW",
            6 => "REBIND",
            7 => "REPLY",
            8 => "RELEASE",
            9 => "DECLINE",
            10 => "RECONFIGURE",
            11 => "INFORMATION-REQUEST",
            12 => "RELAY-FORW",
            13 => "RELAY-REPL",
            14 => "LEASEQUERY",
            15 => "LEASEQUERY-REPLY",
            16 => "LEASEQUERY-DONE",
            17 => "LEASEQUERY-DATA",
            18 => "RECONFIGURE-REQUEST",
            19 => "RECONFIGURE-REPLY",
            20 => "DHCPV4-QUERY",
            21 => "DHCPV4-RESPONSE",
            22 => "ACTIVELEASEQUERY",
            23 => "STARTTLS",
            24 => "BNDUPD",
            25 => "BNDREPLY",
            26 => "POOLREQ",
            27 => "POOLRESP",
            28 => "UPDREQ",
            29 => "UPDREQALL",
            30 => "UPDDONE",
            31 => "CONNECT",
            32 => "CONNECTREPLY",
            33 => "DISCONNECT",
            34 => "STATE",
            35 => "CONTACT",
            36 => "ADDR-REG-INFORM",
            37 => "ADDR-REG-REPLY",
            _ => return None,
        })
    }

    /// RELAY-FORW or RELAY-REPL: the header is hop-count + link-address + peer-address.
    pub fn is_relay(self) -> bool {
        self == Self::RELAY_FORW || self == Self::RELAY_REPL
    }

    /// Sent by a server to a client (ADVERTISE, REPLY, RECONFIGURE).
    pub fn is_server_message(self) -> bool {
        matches!(self.0, 2 | 7 | 10)
    }

    /// Sent by a client to servers (SOLICIT … INFORMATION-REQUEST except the server ones).
    pub fn is_client_message(self) -> bool {
        matches!(self.0, 1 | 3 | 4 | 5 | 6 | 8 | 9 | 11)
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
    Duid,
    IaNa,
    IaTa,
    IaAddr,
    IaPrefix,
    Oro,
    U8,
    ElapsedTime,
    RelayMsg,
    Auth,
    Ip,
    Ips,
    StatusCode,
    Empty,
    UserClass,
    VendorClass,
    VendorOpts,
    Hex,
    Text,
    DomainList,
    DomainName,
    Secs,
    RemoteId,
    ClientFqdn,
    NtpServer,
    LinkLayer,
    Container,
}

fn spec(code: u16) -> (&'static str, Kind) {
    use Kind::*;
    match code {
        1 => ("Client Identifier", Duid),
        2 => ("Server Identifier", Duid),
        3 => ("IA_NA", IaNa),
        4 => ("IA_TA", IaTa),
        5 => ("IA Address", IaAddr),
        6 => ("Option Request", Oro),
        7 => ("Preference", U8),
        8 => ("Elapsed Time", ElapsedTime),
        9 => ("Relay Message", RelayMsg),
        11 => ("Authentication", Auth),
        12 => ("Server Unicast", Ip),
        13 => ("Status Code", StatusCode),
        14 => ("Rapid Commit", Empty),
        15 => ("User Class", UserClass),
        16 => ("Vendor Class", VendorClass),
        17 => ("Vendor-specific Information", VendorOpts),
        18 => ("Interface-Id", Hex),
        19 => ("Reconfigure Message", U8),
        20 => ("Reconfigure Accept", Empty),
        21 => ("SIP Server Domain Names", DomainList),
        22 => ("SIP Server Addresses", Ips),
        23 => ("DNS Recursive Name Server", Ips),
        24 => ("Domain Search List", DomainList),
        25 => ("IA_PD", IaNa),
        26 => ("IA Prefix", IaPrefix),
        27 => ("NIS Servers", Ips),
        28 => ("NIS+ Servers", Ips),
        29 => ("NIS Domain Name", DomainList),
        30 => ("NIS+ Domain Name", DomainList),
        31 => ("SNTP Servers", Ips),
        32 => ("Information Refresh Time", Secs),
        33 => ("BCMCS Controller Domain Names", DomainList),
        34 => ("BCMCS Controller Addresses", Ips),
        36 => ("Geoconf Civic", Hex),
        37 => ("Remote-Id", RemoteId),
        38 => ("Subscriber-Id", Hex),
        39 => ("Client FQDN", ClientFqdn),
        40 => ("PANA Agent", Ips),
        41 => ("New POSIX Timezone", Text),
        42 => ("New TZDB Timezone", Text),
        43 => ("Echo Request", Oro),
        44 => ("Leasequery Query", Hex),
        45 => ("Client Data", Container),
        46 => ("CLT Time", Secs),
        47 => ("Leasequery Relay Data", Hex),
        48 => ("Leasequery Client Link", Ips),
        51 => ("LoST Server", DomainName),
        52 => ("CAPWAP Access Controller", Ips),
        53 => ("Relay-Id", Duid),
        56 => ("NTP Server", NtpServer),
        57 => ("Access Network Domain Name", DomainName),
        58 => ("SIP UA Configuration Domains", DomainList),
        59 => ("Boot File URL", Text),
        60 => ("Boot File Parameters", Hex),
        61 => ("Client System Architecture", Hex),
        62 => ("Client Network Interface Identifier", Hex),
        64 => ("AFTR Name", DomainName),
        65 => ("ERP Local Domain Name", DomainName),
        66 => ("Relay Supplied Options", Container),
        79 => ("Client Link-Layer Address", LinkLayer),
        82 => ("SOL_MAX_RT", Secs),
        83 => ("INF_MAX_RT", Secs),
        88 => ("DHCPv4-over-DHCPv6 Message", Hex),
        94 => ("S46 MAP-E Container", Container),
        95 => ("S46 MAP-T Container", Container),
        96 => ("S46 Lightweight 4over6 Container", Container),
        103 => ("Captive-Portal URI", Text),
        112 => ("MUD URL", Text),
        136 => ("SZTP Redirect", Hex),
        143 => ("IPv6 Address ANDSF / SZTP", Hex),
        144 => ("DNR", Hex),
        _ => ("Unknown", Hex),
    }
}

/// Human name of an option code (`"Unknown"` for codes we do not know).
pub fn name(code: u16) -> &'static str {
    spec(code).0
}

/// Options that carry options after a fixed header: the header length, or `None`.
pub fn encapsulated_header(code: u16) -> Option<usize> {
    match code {
        IA_NA | IA_PD => Some(12),
        IA_TA => Some(4),
        IA_ADDR => Some(24),
        IA_PREFIX => Some(25),
        CLIENT_DATA | 66 | S46_CONT_MAPE | S46_CONT_MAPT | S46_CONT_LW => Some(0),
        _ => None,
    }
}

/// Options that may appear at most once in one scope (message, IA, address).
pub fn is_singleton(code: u16) -> bool {
    matches!(
        code,
        CLIENT_ID
            | SERVER_ID
            | ORO
            | PREFERENCE
            | ELAPSED_TIME
            | RELAY_MSG
            | UNICAST
            | STATUS_CODE
            | RAPID_COMMIT
            | INTERFACE_ID
            | RECONF_MSG
            | RECONF_ACCEPT
            | DNS_SERVERS
            | DOMAIN_LIST
            | INFORMATION_REFRESH_TIME
            | REMOTE_ID
            | CLIENT_FQDN
            | CLIENT_LINKLAYER_ADDR
            | SOL_MAX_RT
            | INF_MAX_RT
    )
}

/// Why a value does not fit its option's type, without building the value (this runs for
/// every option of every packet). `Err(expected length)` or `Err(reason)`.
pub(crate) fn check(code: u16, data: &[u8]) -> Result<(), Problem> {
    let len = data.len();
    let (_, kind) = spec(code);
    let bad = |expected| Err(Problem::Length(expected));
    match kind {
        Kind::Duid if len < 3 => bad("at least 3 (type + identifier)"),
        Kind::Duid => match u16::from_be_bytes([data[0], data[1]]) {
            1 if len < 8 => Err(Problem::Value(
                "DUID-LLT shorter than type, hw type and time",
            )),
            3 if len < 4 => Err(Problem::Value("DUID-LL shorter than type and hw type")),
            2 if len < 6 => Err(Problem::Value("DUID-EN shorter than enterprise number")),
            4 if len != 18 => Err(Problem::Value("DUID-UUID is not 16 bytes")),
            _ if len > 130 => Err(Problem::Value("DUID longer than 128 bytes")),
            _ => Ok(()),
        },
        Kind::IaNa if len < 12 => bad("at least 12"),
        Kind::IaTa if len < 4 => bad("at least 4"),
        Kind::IaAddr if len < 24 => bad("at least 24"),
        Kind::IaPrefix if len < 25 => bad("at least 25"),
        Kind::IaPrefix if data[8] > 128 => Err(Problem::Value("prefix length above 128")),
        Kind::Oro if !len.is_multiple_of(2) => bad("a multiple of 2"),
        Kind::U8 if len != 1 => bad("1"),
        Kind::ElapsedTime if len != 2 => bad("2"),
        Kind::Auth if len < 11 => bad("at least 11"),
        Kind::Ip if len != 16 => bad("16"),
        Kind::Ips if len == 0 || !len.is_multiple_of(16) => bad("a non-zero multiple of 16"),
        Kind::StatusCode if len < 2 => bad("at least 2"),
        Kind::Empty if len != 0 => bad("0"),
        Kind::Secs if len != 4 => bad("4"),
        Kind::RemoteId if len < 5 => bad("at least 5"),
        Kind::ClientFqdn if len == 0 => bad("at least 1"),
        Kind::ClientFqdn => dns_walk(&data[1..], true, None).map_err(Problem::Value),
        Kind::LinkLayer if len < 3 => bad("at least 3"),
        Kind::VendorClass | Kind::VendorOpts if len < 4 => bad("at least 4"),
        Kind::VendorClass => check_fits(
            walk_len16(&data[4..], |_| {}),
            "class data overruns the option",
        ),
        Kind::VendorOpts => check_fits(
            walk_tlv16(&data[4..], |_, _| {}),
            "sub-option overruns the option",
        ),
        Kind::UserClass => check_fits(walk_len16(data, |_| {}), "class data overruns the option"),
        Kind::NtpServer => check_fits(
            walk_tlv16(data, |_, _| {}),
            "sub-option overruns the option",
        ),
        Kind::DomainList => dns_walk(data, false, None).map_err(Problem::Value),
        Kind::DomainName => dns_walk(data, false, None).map_err(Problem::Value),
        _ => Ok(()),
    }
}

fn check_fits(fits: bool, reason: &'static str) -> Result<(), Problem> {
    if fits {
        Ok(())
    } else {
        Err(Problem::Value(reason))
    }
}

/// What [`check`] found wrong.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Problem {
    Length(&'static str),
    Value(&'static str),
}

/// A DHCP Unique Identifier (RFC 8415 §11, RFC 6355 for UUID).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Duid<'a> {
    /// Type 1: hardware type, time (seconds since 2000-01-01 UTC) and link-layer address.
    Llt {
        hwtype: u16,
        time: u32,
        lladdr: &'a [u8],
    },
    /// Type 2: enterprise number and identifier.
    En { enterprise: u32, id: &'a [u8] },
    /// Type 3: hardware type and link-layer address.
    Ll { hwtype: u16, lladdr: &'a [u8] },
    /// Type 4: a 16-byte UUID.
    Uuid(&'a [u8]),
    /// Any other type, or a known type with too few bytes.
    Other { kind: u16, data: &'a [u8] },
}

/// Seconds from the Unix epoch to 2000-01-01 00:00:00 UTC, the DUID-LLT epoch.
pub const DUID_EPOCH_UNIX: u64 = 946_684_800;

impl<'a> Duid<'a> {
    /// Decodes a DUID (the whole option value). Never fails.
    pub fn decode(bytes: &'a [u8]) -> Duid<'a> {
        let kind = match bytes {
            [a, b, ..] => u16::from_be_bytes([*a, *b]),
            _ => 0,
        };
        let rest = bytes.get(2..).unwrap_or_default();
        match (kind, rest) {
            (1, [h0, h1, t0, t1, t2, t3, lladdr @ ..]) => Duid::Llt {
                hwtype: u16::from_be_bytes([*h0, *h1]),
                time: u32::from_be_bytes([*t0, *t1, *t2, *t3]),
                lladdr,
            },
            (2, [e0, e1, e2, e3, id @ ..]) => Duid::En {
                enterprise: u32::from_be_bytes([*e0, *e1, *e2, *e3]),
                id,
            },
            (3, [h0, h1, lladdr @ ..]) => Duid::Ll {
                hwtype: u16::from_be_bytes([*h0, *h1]),
                lladdr,
            },
            (4, uuid) if uuid.len() == 16 => Duid::Uuid(uuid),
            (kind, data) => Duid::Other { kind, data },
        }
    }

    /// The DUID type number.
    pub fn kind(&self) -> u16 {
        match self {
            Duid::Llt { .. } => 1,
            Duid::En { .. } => 2,
            Duid::Ll { .. } => 3,
            Duid::Uuid(_) => 4,
            Duid::Other { kind, .. } => *kind,
        }
    }

    /// Short type name: `LLT`, `EN`, `LL`, `UUID`.
    pub fn kind_name(&self) -> &'static str {
        match self.kind() {
            1 => "LLT",
            2 => "EN",
            3 => "LL",
            4 => "UUID",
            _ => "unknown",
        }
    }

    /// The Ethernet MAC inside a DUID-LL/LLT with hardware type 1 (RFC 8415 §11 warns it may
    /// be stale: label it as coming from the DUID).
    pub fn mac(&self) -> Option<[u8; 6]> {
        match *self {
            Duid::Llt {
                hwtype: 1,
                lladdr: &[a, b, c, d, e, f],
                ..
            }
            | Duid::Ll {
                hwtype: 1,
                lladdr: &[a, b, c, d, e, f],
            } => Some([a, b, c, d, e, f]),
            _ => None,
        }
    }
}

impl fmt::Display for Duid<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Duid::Llt {
                hwtype,
                time,
                lladdr,
            } => write!(
                f,
                "LLT hwtype {hwtype} time {time} lladdr {}",
                colon_hex(lladdr)
            ),
            Duid::En { enterprise, id } => write!(f, "EN enterprise {enterprise} id {}", hex(id)),
            Duid::Ll { hwtype, lladdr } => {
                write!(f, "LL hwtype {hwtype} lladdr {}", colon_hex(lladdr))
            }
            Duid::Uuid(u) => {
                f.write_str("UUID ")?;
                for (i, b) in u.iter().enumerate() {
                    if matches!(i, 4 | 6 | 8 | 10) {
                        f.write_str("-")?;
                    }
                    write!(f, "{b:02x}")?;
                }
                Ok(())
            }
            Duid::Other { kind, data } => write!(f, "type {kind} {}", hex(data)),
        }
    }
}

/// One sub-option of option 17 (vendor) or 56 (NTP server): a 2-byte code space of its own.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SubOption<'a> {
    pub code: u16,
    pub data: &'a [u8],
}

/// A typed option value, borrowing the option bytes where it can. Encapsulated options (IA
/// contents) are not part of the value: they are options of their own in the message's list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Value<'a> {
    Duid(Duid<'a>),
    IaNa {
        iaid: u32,
        t1: u32,
        t2: u32,
    },
    IaTa {
        iaid: u32,
    },
    IaAddress {
        addr: Ipv6Addr,
        preferred: u32,
        valid: u32,
    },
    IaPrefix {
        preferred: u32,
        valid: u32,
        prefix_len: u8,
        prefix: Ipv6Addr,
    },
    Oro(Vec<u16>),
    U8(u8),
    /// Option 8, hundredths of a second (0xffff saturates).
    ElapsedTime(u16),
    /// Option 9: the length of the relayed message (decoded as [`super::Message::inner`]).
    RelayMessage(usize),
    Auth {
        protocol: u8,
        algorithm: u8,
        rdm: u8,
        replay: u64,
        info: &'a [u8],
    },
    Ip(Ipv6Addr),
    Ips(Vec<Ipv6Addr>),
    StatusCode {
        code: u16,
        message: &'a [u8],
    },
    Empty,
    /// Options 15 and 16's list: each class with a 2-byte length.
    UserClass(Vec<&'a [u8]>),
    VendorClass {
        enterprise: u32,
        classes: Vec<&'a [u8]>,
    },
    VendorOpts {
        enterprise: u32,
        subs: Vec<SubOption<'a>>,
    },
    Hex(&'a [u8]),
    Text(&'a [u8]),
    /// Names already escaped for display.
    DomainList(Vec<String>),
    Seconds(u32),
    RemoteId {
        enterprise: u32,
        id: &'a [u8],
    },
    ClientFqdn {
        flags: u8,
        /// Already escaped for display.
        name: String,
    },
    NtpServer(Vec<SubOption<'a>>),
    LinkLayer {
        hwtype: u16,
        addr: &'a [u8],
    },
    /// Option 45/94–96: its contents are options of their own.
    Container,
    /// The bytes do not fit the type: shown as hex with the reason.
    Invalid {
        reason: &'static str,
        raw: &'a [u8],
    },
}

fn be16(b: &[u8], i: usize) -> u16 {
    match b.get(i..i + 2) {
        Some(&[x, y]) => u16::from_be_bytes([x, y]),
        _ => 0,
    }
}

fn be32(b: &[u8], i: usize) -> u32 {
    match b.get(i..i + 4) {
        Some(&[a, c, d, e]) => u32::from_be_bytes([a, c, d, e]),
        _ => 0,
    }
}

/// An IPv6 address at `i`, or `::` when the bytes run out.
pub(crate) fn ip6_at(b: &[u8], i: usize) -> Ipv6Addr {
    match b.get(i..i + 16).and_then(|s| <[u8; 16]>::try_from(s).ok()) {
        Some(o) => Ipv6Addr::from(o),
        None => Ipv6Addr::UNSPECIFIED,
    }
}

impl<'a> Value<'a> {
    /// Decodes `data` as option `code`. Never fails: a mismatch gives [`Value::Invalid`].
    pub fn decode(code: u16, data: &'a [u8]) -> Value<'a> {
        let invalid = |reason| Value::Invalid { reason, raw: data };
        if let Err(p) = check(code, data) {
            return invalid(match p {
                Problem::Length(_) => "length does not fit the option",
                Problem::Value(r) => r,
            });
        }
        let (_, kind) = spec(code);
        match kind {
            Kind::Duid => Value::Duid(Duid::decode(data)),
            Kind::IaNa => Value::IaNa {
                iaid: be32(data, 0),
                t1: be32(data, 4),
                t2: be32(data, 8),
            },
            Kind::IaTa => Value::IaTa {
                iaid: be32(data, 0),
            },
            Kind::IaAddr => Value::IaAddress {
                addr: ip6_at(data, 0),
                preferred: be32(data, 16),
                valid: be32(data, 20),
            },
            Kind::IaPrefix => Value::IaPrefix {
                preferred: be32(data, 0),
                valid: be32(data, 4),
                prefix_len: data[8],
                prefix: ip6_at(data, 9),
            },
            Kind::Oro => Value::Oro(data.chunks_exact(2).map(|c| be16(c, 0)).collect()),
            Kind::U8 => Value::U8(data[0]),
            Kind::ElapsedTime => Value::ElapsedTime(be16(data, 0)),
            Kind::RelayMsg => Value::RelayMessage(data.len()),
            Kind::Auth => Value::Auth {
                protocol: data[0],
                algorithm: data[1],
                rdm: data[2],
                replay: u64::from(be32(data, 3)) << 32 | u64::from(be32(data, 7)),
                info: &data[11..],
            },
            Kind::Ip => Value::Ip(ip6_at(data, 0)),
            Kind::Ips => Value::Ips((0..data.len() / 16).map(|i| ip6_at(data, i * 16)).collect()),
            Kind::StatusCode => Value::StatusCode {
                code: be16(data, 0),
                message: &data[2..],
            },
            Kind::Empty => Value::Empty,
            Kind::UserClass => {
                let mut v = Vec::new();
                walk_len16(data, |c| v.push(c));
                Value::UserClass(v)
            }
            Kind::VendorClass => {
                let mut classes = Vec::new();
                walk_len16(&data[4..], |c| classes.push(c));
                Value::VendorClass {
                    enterprise: be32(data, 0),
                    classes,
                }
            }
            Kind::VendorOpts => {
                let mut subs = Vec::new();
                walk_tlv16(&data[4..], |code, data| subs.push(SubOption { code, data }));
                Value::VendorOpts {
                    enterprise: be32(data, 0),
                    subs,
                }
            }
            Kind::NtpServer => {
                let mut subs = Vec::new();
                walk_tlv16(data, |code, data| subs.push(SubOption { code, data }));
                Value::NtpServer(subs)
            }
            Kind::Hex => Value::Hex(data),
            Kind::Text => Value::Text(data),
            Kind::DomainList | Kind::DomainName => match dns_names(data, false) {
                Ok(n) => Value::DomainList(n),
                Err(reason) => invalid(reason),
            },
            Kind::Secs => Value::Seconds(be32(data, 0)),
            Kind::RemoteId => Value::RemoteId {
                enterprise: be32(data, 0),
                id: &data[4..],
            },
            Kind::ClientFqdn => match dns_names(&data[1..], true) {
                Ok(mut names) if names.len() <= 1 => Value::ClientFqdn {
                    flags: data[0],
                    name: names.pop().unwrap_or_default(),
                },
                _ => invalid("more than one name"),
            },
            Kind::LinkLayer => Value::LinkLayer {
                hwtype: be16(data, 0),
                addr: &data[2..],
            },
            Kind::Container => Value::Container,
        }
    }
}

/// Walks records with a 2-byte length prefix (options 15, 16); false when one overruns.
fn walk_len16<'a>(mut data: &'a [u8], mut each: impl FnMut(&'a [u8])) -> bool {
    while !data.is_empty() {
        let len = usize::from(be16(data, 0));
        let Some(item) = data.get(2..2 + len) else {
            return false;
        };
        each(item);
        data = &data[2 + len..];
    }
    true
}

/// Walks records with a 2-byte code and a 2-byte length (options 17, 56).
fn walk_tlv16<'a>(mut data: &'a [u8], mut each: impl FnMut(u16, &'a [u8])) -> bool {
    while !data.is_empty() {
        if data.len() < 4 {
            return false;
        }
        let len = usize::from(be16(data, 2));
        let Some(item) = data.get(4..4 + len) else {
            return false;
        };
        each(be16(data, 0), item);
        data = &data[4 + len..];
    }
    true
}

/// Decodes a sequence of uncompressed DNS wire-format names (RFC 8415 §10: compression is
/// not allowed in DHCPv6). `partial_ok` accepts a last name without its root label (the
/// partial name of option 39, RFC 4704 §4.2).
pub fn dns_names(data: &[u8], partial_ok: bool) -> Result<Vec<String>, &'static str> {
    let mut names = Vec::new();
    dns_walk(data, partial_ok, Some(&mut names))?;
    Ok(names)
}

fn dns_walk(
    data: &[u8],
    partial_ok: bool,
    mut names: Option<&mut Vec<String>>,
) -> Result<(), &'static str> {
    let mut pos = 0;
    while pos < data.len() {
        let mut name = names.as_ref().map(|_| String::new());
        let mut name_len = 0usize;
        loop {
            let Some(&len) = data.get(pos) else {
                if partial_ok {
                    break;
                }
                return Err("name without its root label");
            };
            pos += 1;
            if len == 0 {
                break;
            }
            if len & 0xc0 == 0xc0 {
                return Err("compression pointer (not allowed in DHCPv6, RFC 8415 §10)");
            }
            if len & 0xc0 != 0 {
                return Err("bad label type");
            }
            let Some(label) = data.get(pos..pos + usize::from(len)) else {
                return Err("label runs past the end of the option");
            };
            name_len += label.len() + 1;
            if name_len > 255 {
                return Err("name longer than 255 bytes");
            }
            if let Some(name) = name.as_mut() {
                if !name.is_empty() {
                    name.push('.');
                }
                crate::escape::push_escaped(name, label);
            }
            pos += usize::from(len);
        }
        if let (Some(names), Some(name)) = (names.as_mut(), name) {
            names.push(name);
        }
    }
    Ok(())
}

/// Encodes names as uncompressed DNS wire format (for the builder).
pub fn encode_dns_names(names: &[&str]) -> Vec<u8> {
    let mut out = Vec::new();
    for n in names {
        for label in n.split('.').filter(|l| !l.is_empty()) {
            let l = &label.as_bytes()[..label.len().min(63)];
            out.push(l.len() as u8);
            out.extend_from_slice(l);
        }
        out.push(0);
    }
    out
}

/// Status code name (RFC 8415 §21.13 and the IANA registry).
pub fn status_name(code: u16) -> &'static str {
    match code {
        0 => "Success",
        1 => "UnspecFail",
        2 => "NoAddrsAvail",
        3 => "NoBinding",
        4 => "NotOnLink",
        5 => "UseMulticast",
        6 => "NoPrefixAvail",
        7 => "UnknownQueryType",
        8 => "MalformedQuery",
        9 => "NotConfigured",
        10 => "NotAllowed",
        11 => "QueryTerminated",
        12 => "DataMissing",
        13 => "CatchUpComplete",
        14 => "NotSupported",
        15 => "TLSConnectionRefused",
        16 => "AddressInUse",
        17 => "ConfigurationConflict",
        18 => "MissingBindingInformation",
        19 => "OutdatedBindingInformation",
        20 => "ServerShuttingDown",
        21 => "DNSUpdateNotSupported",
        22 => "ExcessiveTimeSkew",
        _ => "Unknown",
    }
}

fn fmt_list<T: fmt::Display>(f: &mut fmt::Formatter<'_>, items: &[T]) -> fmt::Result {
    for (i, it) in items.iter().enumerate() {
        if i > 0 {
            f.write_str(", ")?;
        }
        write!(f, "{it}")?;
    }
    Ok(())
}

fn fmt_lifetime(f: &mut fmt::Formatter<'_>, label: &str, secs: u32) -> fmt::Result {
    let mut s = String::new();
    let _ = fmt_secs(&mut s, secs);
    write!(f, "{label} {s}")
}

impl fmt::Display for Value<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Value::Duid(d) => write!(f, "{d}"),
            Value::IaNa { iaid, t1, t2 } => {
                write!(f, "IAID 0x{iaid:08x} ")?;
                fmt_lifetime(f, "T1", *t1)?;
                fmt_lifetime(f, " T2", *t2)
            }
            Value::IaTa { iaid } => write!(f, "IAID 0x{iaid:08x}"),
            Value::IaAddress {
                addr,
                preferred,
                valid,
            } => {
                write!(f, "{addr} ")?;
                fmt_lifetime(f, "preferred", *preferred)?;
                fmt_lifetime(f, " valid", *valid)
            }
            Value::IaPrefix {
                preferred,
                valid,
                prefix_len,
                prefix,
            } => {
                write!(f, "{prefix}/{prefix_len} ")?;
                fmt_lifetime(f, "preferred", *preferred)?;
                fmt_lifetime(f, " valid", *valid)
            }
            Value::Oro(codes) => {
                for (i, c) in codes.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    write!(f, "{c} {}", name(*c))?;
                }
                Ok(())
            }
            Value::U8(v) => write!(f, "{v}"),
            Value::ElapsedTime(t) => {
                if *t == u16::MAX {
                    write!(f, "{t} (≥ 655.35 s, saturated)")
                } else {
                    write!(f, "{t} ({}.{:02} s)", t / 100, t % 100)
                }
            }
            Value::RelayMessage(len) => write!(f, "{len} bytes"),
            Value::Auth {
                protocol,
                algorithm,
                rdm,
                replay,
                info,
            } => write!(
                f,
                "protocol {protocol} algorithm {algorithm} rdm {rdm} replay {replay:#018x} info {}",
                hex(info)
            ),
            Value::Ip(ip) => write!(f, "{ip}"),
            Value::Ips(ips) => fmt_list(f, ips),
            Value::StatusCode { code, message } => {
                write!(f, "{code} {}", status_name(*code))?;
                if !message.is_empty() {
                    write!(f, " \"{}\"", escape_bytes(message))?;
                }
                Ok(())
            }
            Value::Empty => f.write_str("(empty)"),
            Value::UserClass(c) => {
                for (i, class) in c.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    f.write_str(&escape_bytes(class))?;
                }
                Ok(())
            }
            Value::VendorClass {
                enterprise,
                classes,
            } => {
                write!(f, "enterprise {enterprise}")?;
                for c in classes {
                    write!(f, " \"{}\"", escape_bytes(c))?;
                }
                Ok(())
            }
            Value::VendorOpts { enterprise, subs } => {
                write!(f, "enterprise {enterprise}")?;
                for s in subs {
                    write!(f, "; {}: {}", s.code, hex(s.data))?;
                }
                Ok(())
            }
            Value::Hex(h) => f.write_str(&hex(h)),
            Value::Text(t) => f.write_str(&escape_bytes(t)),
            Value::DomainList(names) => fmt_list(f, names),
            Value::Seconds(s) => {
                let mut out = String::new();
                let _ = fmt_secs(&mut out, *s);
                f.write_str(&out)
            }
            Value::RemoteId { enterprise, id } => {
                write!(f, "enterprise {enterprise} id {}", hex(id))
            }
            Value::ClientFqdn { flags, name } => write!(
                f,
                "flags 0x{flags:02x} (S={} O={} N={}) name {name}",
                flags & 1,
                flags >> 1 & 1,
                flags >> 2 & 1
            ),
            Value::NtpServer(subs) => {
                for (i, s) in subs.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    match (s.code, s.data.len()) {
                        (1, 16) => write!(f, "server {}", ip6_at(s.data, 0))?,
                        (2, 16) => write!(f, "multicast {}", ip6_at(s.data, 0))?,
                        (3, _) => match dns_names(s.data, false) {
                            Ok(n) => write!(f, "fqdn {}", n.join(", "))?,
                            Err(_) => write!(f, "fqdn {} (invalid)", hex(s.data))?,
                        },
                        (c, _) => write!(f, "sub-option {c} {}", hex(s.data))?,
                    }
                }
                Ok(())
            }
            Value::LinkLayer { hwtype, addr } => {
                write!(f, "hwtype {hwtype} {}", colon_hex(addr))
            }
            Value::Container => f.write_str("(options follow)"),
            Value::Invalid { reason, raw } => write!(f, "{} (invalid: {reason})", hex(raw)),
        }
    }
}
