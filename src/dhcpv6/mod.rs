//! Our own DHCPv6 codec (RFC 8415), and router advertisements as context ([`ra`]).
//!
//! Same principles as the DHCPv4 codec ([`crate::dhcp`]): the decoder never fails and never
//! panics; options stay in wire order with their offsets and duplicates; every anomaly is a
//! [`Warning`] on the message. Encapsulated options (the contents of IA_NA, IA_TA, IA_PD, IA
//! Address, IA Prefix and the containers) are options of their own in the same list, in wire
//! order, each pointing at its parent. RELAY-FORW/RELAY-REPL nest to any depth, bounded by
//! [`MAX_RELAY_DEPTH`]; each relayed message is a [`Message`] of its own (see [`Relay::inner`]).
//! Offsets are counted from the start of the outermost message (the UDP payload), so nested
//! layers point at the same bytes a hex view shows.

mod builder;
pub mod options;
pub mod ra;

pub use builder::{MessageBuilder, OptionWriter, Options, duid};
pub use options::{Duid, MessageType, Value};

use std::fmt;
use std::net::Ipv6Addr;

/// msg-type + 3-byte transaction id (RFC 8415 §8).
pub const HEADER_LEN: usize = 4;
/// msg-type + hop-count + link-address + peer-address (RFC 8415 §9).
pub const RELAY_HEADER_LEN: usize = 34;
/// Relay layers decoded at most; RFC 3315 allowed 32 hops (HOP_COUNT_LIMIT), RFC 8415 says 8.
pub const MAX_RELAY_DEPTH: usize = 32;
/// Encapsulation levels of options decoded at most (IA_NA → IA Address → Status is 3).
pub const MAX_OPTION_DEPTH: u8 = 8;
/// Options kept per message layer at most: real messages carry a few dozen, and the
/// per-scope checks are quadratic in the count.
pub const MAX_OPTIONS: usize = 1024;

/// One option as it appears on the wire.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RawOption<'a> {
    pub code: u16,
    /// The length field as sent (the data may be shorter when the packet is truncated).
    pub len: u16,
    /// Offset of the option-code field from the start of the outermost message.
    pub offset: usize,
    pub data: &'a [u8],
    /// Index (in the same list) of the option this one is encapsulated in.
    pub parent: Option<u16>,
    /// 0 for message-level options, 1 inside an IA, 2 inside an IA Address, …
    pub depth: u8,
}

impl RawOption<'_> {
    /// The typed value (encapsulated options are separate entries of the list).
    pub fn value(&self) -> Value<'_> {
        Value::decode(self.code, self.data)
    }

    /// True when fewer bytes were captured than the length field says.
    pub fn is_truncated(&self) -> bool {
        self.data.len() < usize::from(self.len)
    }
}

/// An anomaly found while decoding. Never fatal: the message keeps what could be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Warning {
    /// Fewer bytes than the header needs (4, or 34 for relay messages).
    Truncated { len: usize, needed: usize },
    /// A message type no registry knows (0 or unassigned).
    UnknownMessageType { msg_type: u8 },
    /// An option's length field claims more than the enclosing area holds.
    TruncatedOption {
        code: u16,
        offset: usize,
        claimed: u16,
        available: usize,
    },
    /// 1–3 bytes left where an option header (code + length, 4 bytes) should start.
    TrailingBytes { offset: usize, bytes: usize },
    /// The length does not fit the option's type.
    BadLength {
        code: u16,
        offset: usize,
        len: usize,
        expected: &'static str,
    },
    /// The value could not be decoded although the length fits.
    BadValue {
        code: u16,
        offset: usize,
        reason: &'static str,
    },
    /// An option that may appear once per scope appears `count` times; `parent` is the code
    /// of the enclosing option (`None`: message level).
    Duplicate {
        code: u16,
        count: usize,
        parent: Option<u16>,
    },
    /// An option where RFC 8415 does not allow it (IA Address outside an IA, Interface-Id
    /// outside a relay message, …).
    Misplaced {
        code: u16,
        offset: usize,
        reason: &'static str,
    },
    /// RELAY-FORW/RELAY-REPL without a Relay Message option (9).
    RelayWithoutMessage,
    /// Relay Message option in a message that is not a relay message.
    RelayMessageOutsideRelay { offset: usize },
    /// More nested relay layers than [`MAX_RELAY_DEPTH`]: the rest is not decoded.
    RelayTooDeep { depth: usize },
    /// Options nested deeper than [`MAX_OPTION_DEPTH`]: not decoded further.
    OptionsTooDeep { offset: usize },
    /// More than [`MAX_OPTIONS`] options: the rest, from `offset`, is not decoded.
    TooManyOptions { offset: usize },
}

impl fmt::Display for Warning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Warning::Truncated { len, needed } => {
                write!(
                    f,
                    "message truncated: {len} bytes, the header needs {needed}"
                )
            }
            Warning::UnknownMessageType { msg_type } => {
                write!(f, "unknown DHCPv6 message type {msg_type}")
            }
            Warning::TruncatedOption {
                code,
                offset,
                claimed,
                available,
            } => write!(
                f,
                "option {code} ({}) at offset {offset} claims {claimed} bytes, only {available} present",
                options::name(*code)
            ),
            Warning::TrailingBytes { offset, bytes } => write!(
                f,
                "{bytes} trailing bytes at offset {offset}: too short for an option header"
            ),
            Warning::BadLength {
                code,
                offset,
                len,
                expected,
            } => write!(
                f,
                "option {code} ({}) at offset {offset} has length {len}, expected {expected}",
                options::name(*code)
            ),
            Warning::BadValue {
                code,
                offset,
                reason,
            } => write!(
                f,
                "option {code} ({}) at offset {offset}: {reason}",
                options::name(*code)
            ),
            Warning::Duplicate {
                code,
                count,
                parent,
            } => {
                write!(
                    f,
                    "option {code} ({}) appears {count} times",
                    options::name(*code)
                )?;
                match parent {
                    Some(p) => write!(f, " in one option {p} ({})", options::name(*p)),
                    None => f.write_str(" at message level"),
                }
            }
            Warning::Misplaced {
                code,
                offset,
                reason,
            } => write!(
                f,
                "option {code} ({}) at offset {offset}: {reason}",
                options::name(*code)
            ),
            Warning::RelayWithoutMessage => {
                write!(f, "relay message without a Relay Message option (9)")
            }
            Warning::RelayMessageOutsideRelay { offset } => write!(
                f,
                "Relay Message option (9) at offset {offset} outside a relay message; not decoded"
            ),
            Warning::RelayTooDeep { depth } => write!(
                f,
                "more than {depth} nested relay layers; the innermost are not decoded"
            ),
            Warning::TooManyOptions { offset } => write!(
                f,
                "more than {MAX_OPTIONS} options; not decoded from offset {offset}"
            ),
            Warning::OptionsTooDeep { offset } => write!(
                f,
                "options nested more than {MAX_OPTION_DEPTH} levels at offset {offset}; not decoded further"
            ),
        }
    }
}

/// The relay header (RFC 8415 §9) and the relayed message.
#[derive(Debug, Clone)]
pub struct Relay<'a> {
    pub hop_count: u8,
    pub link_address: Ipv6Addr,
    pub peer_address: Ipv6Addr,
    /// The message carried in option 9, decoded (`None` when the option is missing or the
    /// nesting is too deep).
    pub inner: Option<Box<Message<'a>>>,
}

/// A decoded DHCPv6 message (one layer) borrowing the packet bytes.
#[derive(Debug, Clone)]
pub struct Message<'a> {
    /// This layer's bytes as captured.
    pub bytes: &'a [u8],
    /// Offset of this layer from the start of the outermost message.
    pub base: usize,
    pub msg_type: MessageType,
    /// 24-bit transaction id; 0 for relay messages, which have none.
    pub xid: u32,
    /// The relay header, for RELAY-FORW and RELAY-REPL.
    pub relay: Option<Relay<'a>>,
    /// Options in wire order, encapsulated ones right after their parent.
    pub options: Vec<RawOption<'a>>,
    /// This layer's warnings (see [`Message::all_warnings`] for the whole chain).
    pub warnings: Vec<Warning>,
}

/// Which kind of identity association.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum IaKind {
    Na,
    Ta,
    Pd,
}

impl IaKind {
    pub fn name(self) -> &'static str {
        match self {
            IaKind::Na => "IA_NA",
            IaKind::Ta => "IA_TA",
            IaKind::Pd => "IA_PD",
        }
    }
}

/// A status code option's value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Status<'a> {
    pub code: u16,
    pub message: &'a [u8],
}

impl Status<'_> {
    pub fn name(&self) -> &'static str {
        options::status_name(self.code)
    }
}

/// An IA Address (option 5) or IA Prefix (option 26) inside an IA.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Lease<'a> {
    pub addr: Ipv6Addr,
    /// 128 for addresses, the prefix length for prefixes.
    pub prefix_len: u8,
    pub preferred: u32,
    pub valid: u32,
    pub offset: usize,
    pub status: Option<Status<'a>>,
}

/// An identity association with what it contains.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ia<'a> {
    pub kind: IaKind,
    pub iaid: u32,
    /// 0 for IA_TA, which has no T1/T2.
    pub t1: u32,
    pub t2: u32,
    pub offset: usize,
    /// IA Addresses (IA_NA, IA_TA) or IA Prefixes (IA_PD).
    pub leases: Vec<Lease<'a>>,
    pub status: Option<Status<'a>>,
}

impl<'a> Message<'a> {
    /// Decodes `bytes` (a UDP payload). Never fails: check [`Message::all_warnings`].
    pub fn decode(bytes: &'a [u8]) -> Message<'a> {
        Self::decode_layer(bytes, 0, 0)
    }

    fn decode_layer(bytes: &'a [u8], base: usize, depth: usize) -> Message<'a> {
        let msg_type = MessageType(bytes.first().copied().unwrap_or(0));
        let mut msg = Message {
            bytes,
            base,
            msg_type,
            xid: 0,
            relay: None,
            options: Vec::new(),
            warnings: Vec::new(),
        };
        if msg_type.name().is_none() {
            msg.warnings.push(Warning::UnknownMessageType {
                msg_type: msg_type.0,
            });
        }
        let start = if msg_type.is_relay() {
            RELAY_HEADER_LEN
        } else {
            HEADER_LEN
        };
        if msg_type.is_relay() {
            msg.relay = Some(Relay {
                hop_count: bytes.get(1).copied().unwrap_or(0),
                link_address: options::ip6_at(bytes, 2),
                peer_address: options::ip6_at(bytes, 18),
                inner: None,
            });
        } else if let Some(&[a, b, c]) = bytes.get(1..4) {
            msg.xid = u32::from_be_bytes([0, a, b, c]);
        }
        if bytes.len() < start {
            msg.warnings.push(Warning::Truncated {
                len: bytes.len(),
                needed: start,
            });
            return msg;
        }
        msg.options.reserve(12);
        walk(
            &bytes[start..],
            base + start,
            None,
            0,
            &mut msg.options,
            &mut msg.warnings,
        );
        msg.check_options();
        if msg_type.is_relay() {
            msg.decode_relayed(depth);
        }
        msg
    }

    fn decode_relayed(&mut self, depth: usize) {
        let Some(opt) = self
            .options
            .iter()
            .find(|o| o.code == options::RELAY_MSG && o.parent.is_none())
            .copied()
        else {
            self.warnings.push(Warning::RelayWithoutMessage);
            return;
        };
        if depth + 1 >= MAX_RELAY_DEPTH {
            self.warnings.push(Warning::RelayTooDeep {
                depth: MAX_RELAY_DEPTH,
            });
            return;
        }
        let inner = Message::decode_layer(opt.data, opt.offset + 4, depth + 1);
        if let Some(relay) = self.relay.as_mut() {
            relay.inner = Some(Box::new(inner));
        }
    }

    fn check_options(&mut self) {
        let is_relay = self.msg_type.is_relay();
        for i in 0..self.options.len() {
            let o = self.options[i];
            let parent_code = o.parent.map(|p| self.options[usize::from(p)].code);
            if !o.is_truncated() {
                match options::check(o.code, o.data) {
                    Ok(()) => {}
                    Err(options::Problem::Length(expected)) => {
                        self.warnings.push(Warning::BadLength {
                            code: o.code,
                            offset: o.offset,
                            len: o.data.len(),
                            expected,
                        })
                    }
                    Err(options::Problem::Value(reason)) => self.warnings.push(Warning::BadValue {
                        code: o.code,
                        offset: o.offset,
                        reason,
                    }),
                }
            }
            if options::is_singleton(o.code)
                && !self.options[..i]
                    .iter()
                    .any(|p| p.code == o.code && p.parent == o.parent)
            {
                let count = self.options[i..]
                    .iter()
                    .filter(|p| p.code == o.code && p.parent == o.parent)
                    .count();
                if count > 1 {
                    self.warnings.push(Warning::Duplicate {
                        code: o.code,
                        count,
                        parent: parent_code,
                    });
                }
            }
            if let Some(reason) = placement(o.code, parent_code, is_relay) {
                self.warnings.push(Warning::Misplaced {
                    code: o.code,
                    offset: o.offset,
                    reason,
                });
            }
            if o.code == options::RELAY_MSG && o.parent.is_none() && !is_relay {
                self.warnings
                    .push(Warning::RelayMessageOutsideRelay { offset: o.offset });
            }
        }
    }

    /// Message-level options (not encapsulated in another option), in wire order.
    pub fn top_options(&self) -> impl Iterator<Item = &RawOption<'a>> {
        self.options.iter().filter(|o| o.parent.is_none())
    }

    /// The options directly inside option number `index` of [`Message::options`].
    pub fn children(&self, index: usize) -> impl Iterator<Item = &RawOption<'a>> {
        self.options
            .iter()
            .filter(move |o| o.parent.map(usize::from) == Some(index))
    }

    /// The first message-level instance of option `code`.
    pub fn option(&self, code: u16) -> Option<&'a [u8]> {
        self.top_options().find(|o| o.code == code).map(|o| o.data)
    }

    pub fn has_option(&self, code: u16) -> bool {
        self.top_options().any(|o| o.code == code)
    }

    /// Client Identifier (option 1) bytes: the client's DUID.
    pub fn client_id(&self) -> Option<&'a [u8]> {
        self.option(options::CLIENT_ID)
    }

    /// Server Identifier (option 2) bytes: the server's DUID.
    pub fn server_id(&self) -> Option<&'a [u8]> {
        self.option(options::SERVER_ID)
    }

    pub fn client_duid(&self) -> Option<Duid<'a>> {
        self.client_id().map(Duid::decode)
    }

    pub fn server_duid(&self) -> Option<Duid<'a>> {
        self.server_id().map(Duid::decode)
    }

    /// Preference (option 7); `None` when absent (which counts as 0, RFC 8415 §18.2.9).
    pub fn preference(&self) -> Option<u8> {
        match self.option(options::PREFERENCE)? {
            [p] => Some(*p),
            _ => None,
        }
    }

    /// Elapsed Time (option 8) in hundredths of a second.
    pub fn elapsed_time(&self) -> Option<u16> {
        match self.option(options::ELAPSED_TIME)? {
            [a, b] => Some(u16::from_be_bytes([*a, *b])),
            _ => None,
        }
    }

    pub fn rapid_commit(&self) -> bool {
        self.has_option(options::RAPID_COMMIT)
    }

    pub fn reconfigure_accept(&self) -> bool {
        self.has_option(options::RECONF_ACCEPT)
    }

    /// Option Request (option 6) codes.
    pub fn oro(&self) -> Vec<u16> {
        self.option(options::ORO)
            .map(|d| {
                d.chunks_exact(2)
                    .map(|c| u16::from_be_bytes([c[0], c[1]]))
                    .collect()
            })
            .unwrap_or_default()
    }

    /// Message-level Status Code (absent means Success, RFC 8415 §21.13).
    pub fn status(&self) -> Option<Status<'a>> {
        self.option(options::STATUS_CODE).and_then(status_of)
    }

    /// DNS recursive name servers (option 23).
    pub fn dns_servers(&self) -> Vec<Ipv6Addr> {
        self.ips(options::DNS_SERVERS)
    }

    /// Addresses of a list-of-addresses option (22, 23, 27, 28, 31, …); empty when malformed.
    pub fn ips(&self, code: u16) -> Vec<Ipv6Addr> {
        match self.option(code) {
            Some(d) if d.len().is_multiple_of(16) => (0..d.len() / 16)
                .map(|i| options::ip6_at(d, i * 16))
                .collect(),
            _ => Vec::new(),
        }
    }

    /// Domain search list (option 24), names escaped; empty when malformed.
    pub fn domain_list(&self) -> Vec<String> {
        self.option(options::DOMAIN_LIST)
            .and_then(|d| options::dns_names(d, false).ok())
            .unwrap_or_default()
    }

    /// A 4-byte seconds option (32 Information Refresh Time, 82 SOL_MAX_RT, 83 INF_MAX_RT).
    pub fn seconds(&self, code: u16) -> Option<u32> {
        match self.option(code)? {
            &[a, b, c, d] => Some(u32::from_be_bytes([a, b, c, d])),
            _ => None,
        }
    }

    /// Client Link-Layer Address (option 79, RFC 6939): (link-layer type, address).
    pub fn client_link_layer(&self) -> Option<(u16, &'a [u8])> {
        match self.option(options::CLIENT_LINKLAYER_ADDR)? {
            [a, b, addr @ ..] if !addr.is_empty() => Some((u16::from_be_bytes([*a, *b]), addr)),
            _ => None,
        }
    }

    /// The identity associations (IA_NA, IA_TA, IA_PD) with their addresses or prefixes.
    pub fn ias(&self) -> Vec<Ia<'a>> {
        let mut out = Vec::new();
        for (i, o) in self.options.iter().enumerate() {
            if o.parent.is_some() {
                continue;
            }
            let (kind, header) = match o.code {
                options::IA_NA => (IaKind::Na, 12),
                options::IA_TA => (IaKind::Ta, 4),
                options::IA_PD => (IaKind::Pd, 12),
                _ => continue,
            };
            if o.data.len() < header {
                continue;
            }
            let d = o.data;
            let u32_at = |j: usize| u32::from_be_bytes([d[j], d[j + 1], d[j + 2], d[j + 3]]);
            let mut ia = Ia {
                kind,
                iaid: u32_at(0),
                t1: if header == 12 { u32_at(4) } else { 0 },
                t2: if header == 12 { u32_at(8) } else { 0 },
                offset: o.offset,
                leases: Vec::new(),
                status: None,
            };
            for (j, c) in self.options.iter().enumerate() {
                if c.parent.map(usize::from) != Some(i) {
                    continue;
                }
                match (c.code, kind) {
                    (options::STATUS_CODE, _) => ia.status = ia.status.or(status_of(c.data)),
                    (options::IA_ADDR, IaKind::Na | IaKind::Ta) if c.data.len() >= 24 => {
                        ia.leases.push(Lease {
                            addr: options::ip6_at(c.data, 0),
                            prefix_len: 128,
                            preferred: be32(c.data, 16),
                            valid: be32(c.data, 20),
                            offset: c.offset,
                            status: self.child_status(j),
                        })
                    }
                    (options::IA_PREFIX, IaKind::Pd) if c.data.len() >= 25 => {
                        ia.leases.push(Lease {
                            addr: options::ip6_at(c.data, 9),
                            prefix_len: c.data[8],
                            preferred: be32(c.data, 0),
                            valid: be32(c.data, 4),
                            offset: c.offset,
                            status: self.child_status(j),
                        })
                    }
                    _ => {}
                }
            }
            out.push(ia);
        }
        out
    }

    fn child_status(&self, index: usize) -> Option<Status<'a>> {
        self.children(index)
            .find(|c| c.code == options::STATUS_CODE)
            .and_then(|c| status_of(c.data))
    }

    /// The relayed message, for relay messages.
    pub fn inner(&self) -> Option<&Message<'a>> {
        self.relay.as_ref()?.inner.as_deref()
    }

    /// Every layer from this one inwards: relay layers first, the client/server message last.
    pub fn layers(&self) -> Vec<&Message<'a>> {
        let mut out = vec![self];
        let mut cur = self;
        while let Some(inner) = cur.inner() {
            out.push(inner);
            cur = inner;
        }
        out
    }

    /// The innermost decoded message (this one when it is not a relay message).
    pub fn innermost(&self) -> &Message<'a> {
        let mut cur = self;
        while let Some(inner) = cur.inner() {
            cur = inner;
        }
        cur
    }

    /// Number of relay layers around the innermost message.
    pub fn relay_depth(&self) -> usize {
        self.layers().len() - 1
    }

    /// The warnings of every layer, outermost first.
    pub fn all_warnings(&self) -> Vec<&Warning> {
        self.layers()
            .into_iter()
            .flat_map(|l| l.warnings.iter())
            .collect()
    }
}

fn be32(b: &[u8], i: usize) -> u32 {
    match b.get(i..i + 4) {
        Some(&[a, c, d, e]) => u32::from_be_bytes([a, c, d, e]),
        _ => 0,
    }
}

fn status_of(data: &[u8]) -> Option<Status<'_>> {
    match data {
        [a, b, message @ ..] => Some(Status {
            code: u16::from_be_bytes([*a, *b]),
            message,
        }),
        _ => None,
    }
}

/// Why option `code` may not appear under `parent` (RFC 8415 §21 "appears in"), if so.
fn placement(code: u16, parent: Option<u16>, in_relay: bool) -> Option<&'static str> {
    use options::*;
    match (code, parent) {
        (IA_ADDR, Some(IA_NA | IA_TA | CLIENT_DATA)) => None,
        (IA_ADDR, _) => Some("IA Address outside an IA_NA or IA_TA"),
        (IA_PREFIX, Some(IA_PD | CLIENT_DATA)) => None,
        (IA_PREFIX, _) => Some("IA Prefix outside an IA_PD"),
        (IA_NA | IA_TA | IA_PD, None | Some(CLIENT_DATA)) => None,
        (IA_NA | IA_TA | IA_PD, Some(_)) => Some("IA nested inside another option"),
        (INTERFACE_ID, None) if !in_relay => {
            Some("Interface-Id outside a relay message (RFC 8415 §21.18)")
        }
        (REMOTE_ID | SUBSCRIBER_ID | CLIENT_LINKLAYER_ADDR, None) if !in_relay => {
            Some("relay-agent option outside a relay message")
        }
        _ => None,
    }
}

/// Walks the options of one area (a message's option area or an option's encapsulated
/// part), pushing them in wire order and descending into encapsulating options.
fn walk<'a>(
    area: &'a [u8],
    base: usize,
    parent: Option<u16>,
    depth: u8,
    out: &mut Vec<RawOption<'a>>,
    warnings: &mut Vec<Warning>,
) {
    let mut pos = 0;
    while pos < area.len() {
        if out.len() >= MAX_OPTIONS {
            warnings.push(Warning::TooManyOptions { offset: base + pos });
            return;
        }
        let Some(&[c0, c1, l0, l1]) = area.get(pos..pos + 4) else {
            warnings.push(Warning::TrailingBytes {
                offset: base + pos,
                bytes: area.len() - pos,
            });
            return;
        };
        let code = u16::from_be_bytes([c0, c1]);
        let len = u16::from_be_bytes([l0, l1]);
        let start = pos + 4;
        let end = start + usize::from(len);
        let data = area.get(start..end);
        let index = out.len();
        let Ok(index) = u16::try_from(index) else {
            // 65 536 options cannot fit in one UDP payload; stop rather than wrap.
            return;
        };
        let data = data.unwrap_or(&area[start..]);
        out.push(RawOption {
            code,
            len,
            offset: base + pos,
            data,
            parent,
            depth,
        });
        if data.len() < usize::from(len) {
            warnings.push(Warning::TruncatedOption {
                code,
                offset: base + pos,
                claimed: len,
                available: data.len(),
            });
        }
        if let Some(header) = options::encapsulated_header(code)
            && data.len() > header
        {
            if depth + 1 >= MAX_OPTION_DEPTH {
                warnings.push(Warning::OptionsTooDeep { offset: base + pos });
            } else {
                walk(
                    &data[header..],
                    base + start + header,
                    Some(index),
                    depth + 1,
                    out,
                    warnings,
                );
            }
        }
        pos = end;
    }
}

#[cfg(test)]
mod tests;
