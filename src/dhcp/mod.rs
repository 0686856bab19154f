//! Our own DHCPv4 codec.
//!
//! The decoder never fails and never panics: it reads the fixed header as far as the bytes go,
//! walks the options in wire order (keeping byte offsets and duplicates), honours option
//! overload (52) and RFC 3396 concatenation, and records every anomaly as a [`Warning`] on the
//! message. Generic crates reorder, merge or drop options; a diagnostic tool must not.

mod builder;
pub mod options;

pub use builder::MessageBuilder;
pub use options::{MessageType, Value};

use crate::mac::MacAddr;
use std::borrow::Cow;
use std::fmt;
use std::net::Ipv4Addr;

/// The DHCP magic cookie (RFC 2131 §3).
pub const MAGIC_COOKIE: [u8; 4] = [99, 130, 83, 99];
/// Length of the BOOTP fixed header, before the cookie.
pub const FIXED_HEADER_LEN: usize = 236;
/// Offset of the first option (after the cookie).
pub const OPTIONS_OFFSET: usize = 240;

/// Byte ranges of the fixed-header fields (RFC 2131 §2, figure 1): the one place both the
/// decoder ([`Message::decode`]) and the builder ([`MessageBuilder`]) take them from.
pub mod field {
    use std::ops::Range;
    pub const OP: Range<usize> = 0..1;
    pub const HTYPE: Range<usize> = 1..2;
    pub const HLEN: Range<usize> = 2..3;
    pub const HOPS: Range<usize> = 3..4;
    pub const XID: Range<usize> = 4..8;
    pub const SECS: Range<usize> = 8..10;
    pub const FLAGS: Range<usize> = 10..12;
    pub const CIADDR: Range<usize> = 12..16;
    pub const YIADDR: Range<usize> = 16..20;
    pub const SIADDR: Range<usize> = 20..24;
    pub const GIADDR: Range<usize> = 24..28;
    pub const CHADDR: Range<usize> = 28..44;
    pub const SNAME: Range<usize> = 44..108;
    pub const FILE: Range<usize> = 108..236;
    pub const COOKIE: Range<usize> = 236..240;
}

/// Where an option was found.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Area {
    Options,
    /// The `file` field, overloaded by option 52.
    File,
    /// The `sname` field, overloaded by option 52.
    Sname,
}

impl Area {
    pub fn name(self) -> &'static str {
        match self {
            Area::Options => "options",
            Area::File => "file",
            Area::Sname => "sname",
        }
    }
}

/// One option as it appears on the wire.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RawOption<'a> {
    pub code: u8,
    /// The length byte as sent (the data may be shorter when the packet is truncated).
    pub len: u8,
    /// Offset of the code byte from the start of the DHCP message.
    pub offset: usize,
    pub area: Area,
    pub data: &'a [u8],
}

/// Options kept inline up to this count: real clients and servers send fewer, so decoding
/// allocates nothing; longer lists (hostile or odd packets) move to the heap.
const INLINE_OPTIONS: usize = 24;

/// The options of a message in wire order. Derefs to a slice.
#[derive(Clone)]
pub struct OptionList<'a> {
    inline: [RawOption<'a>; INLINE_OPTIONS],
    inline_len: usize,
    /// Every option once there are more than [`INLINE_OPTIONS`].
    spilled: Vec<RawOption<'a>>,
}

impl<'a> OptionList<'a> {
    const EMPTY: RawOption<'static> = RawOption {
        code: 0,
        len: 0,
        offset: 0,
        area: Area::Options,
        data: &[],
    };

    pub fn new() -> Self {
        OptionList {
            inline: [Self::EMPTY; INLINE_OPTIONS],
            inline_len: 0,
            spilled: Vec::new(),
        }
    }

    pub fn push(&mut self, o: RawOption<'a>) {
        if !self.spilled.is_empty() {
            self.spilled.push(o);
        } else if let Some(slot) = self.inline.get_mut(self.inline_len) {
            *slot = o;
            self.inline_len += 1;
        } else {
            self.spilled.reserve(INLINE_OPTIONS * 2);
            self.spilled.extend_from_slice(&self.inline);
            self.spilled.push(o);
        }
    }
}

impl Default for OptionList<'_> {
    fn default() -> Self {
        Self::new()
    }
}

impl<'a> std::ops::Deref for OptionList<'a> {
    type Target = [RawOption<'a>];
    fn deref(&self) -> &Self::Target {
        if self.spilled.is_empty() {
            &self.inline[..self.inline_len]
        } else {
            &self.spilled
        }
    }
}

impl fmt::Debug for OptionList<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}

impl<'s, 'a> IntoIterator for &'s OptionList<'a> {
    type Item = &'s RawOption<'a>;
    type IntoIter = std::slice::Iter<'s, RawOption<'a>>;
    fn into_iter(self) -> Self::IntoIter {
        self.iter()
    }
}

/// An anomaly found while decoding. Never fatal: the message keeps what could be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Warning {
    /// Fewer bytes than the fixed header (and cookie) need.
    Truncated {
        len: usize,
    },
    BadCookie {
        cookie: [u8; 4],
    },
    /// BOOTP vendor area with no cookie at all (message ends at the fixed header).
    NoCookie,
    HlenTooLarge {
        hlen: u8,
    },
    /// An option's length byte claims more than the area holds.
    TruncatedOption {
        code: u8,
        offset: usize,
        claimed: u8,
        available: usize,
    },
    /// An option code with no length byte at the end of an area.
    MissingLength {
        code: u8,
        offset: usize,
    },
    MissingEnd {
        area: Area,
    },
    DataAfterEnd {
        area: Area,
        offset: usize,
        bytes: usize,
    },
    /// The length does not fit the option's type.
    BadLength {
        code: u8,
        len: usize,
        expected: &'static str,
    },
    /// The value could not be decoded although the length fits.
    BadValue {
        code: u8,
        reason: &'static str,
    },
    InvalidOverload {
        value: u8,
    },
    /// Option 52 seen inside an overloaded field, where it is not allowed.
    NestedOverload {
        area: Area,
    },
    /// Options that appear only in overloaded sname/file, where many clients never look.
    OnlyInOverload {
        area: Area,
        codes: Vec<u8>,
    },
    /// The same code in several places: concatenated per RFC 3396.
    Split {
        code: u8,
        parts: usize,
    },
    /// A DHCP message (cookie present) without option 53.
    NoMessageType,
}

impl fmt::Display for Warning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Warning::Truncated { len } => write!(
                f,
                "message truncated: {len} bytes, fixed header and cookie need {OPTIONS_OFFSET}"
            ),
            Warning::BadCookie { cookie } => write!(
                f,
                "bad magic cookie {:02x}{:02x}{:02x}{:02x} (expected 63825363): vendor area not parsed as DHCP options",
                cookie[0], cookie[1], cookie[2], cookie[3]
            ),
            Warning::NoCookie => write!(f, "no magic cookie: plain BOOTP without vendor area"),
            Warning::HlenTooLarge { hlen } => {
                write!(f, "hlen {hlen} exceeds the 16-byte chaddr field; using 16")
            }
            Warning::TruncatedOption {
                code,
                offset,
                claimed,
                available,
            } => write!(
                f,
                "option {code} at offset {offset} claims {claimed} bytes, only {available} present"
            ),
            Warning::MissingLength { code, offset } => {
                write!(f, "option {code} at offset {offset} has no length byte")
            }
            Warning::MissingEnd { area } => write!(f, "no End option in {}", area.name()),
            Warning::DataAfterEnd {
                area,
                offset,
                bytes,
            } => write!(
                f,
                "{bytes} non-padding bytes after End in {} at offset {offset}",
                area.name()
            ),
            Warning::BadLength {
                code,
                len,
                expected,
            } => write!(
                f,
                "option {code} ({}) has length {len}, expected {expected}",
                options::name(*code)
            ),
            Warning::BadValue { code, reason } => {
                write!(f, "option {code} ({}): {reason}", options::name(*code))
            }
            Warning::InvalidOverload { value } => {
                write!(f, "option overload value {value} is not 1, 2 or 3; ignored")
            }
            Warning::NestedOverload { area } => {
                write!(
                    f,
                    "option 52 inside overloaded {} is not allowed; ignored",
                    area.name()
                )
            }
            Warning::OnlyInOverload { area, codes } => {
                write!(f, "options ")?;
                for (i, c) in codes.iter().enumerate() {
                    if i > 0 {
                        write!(f, ", ")?;
                    }
                    write!(f, "{c}")?;
                }
                write!(
                    f,
                    " present only in overloaded {} (clients that ignore overload miss them)",
                    area.name()
                )
            }
            Warning::Split { code, parts } => write!(
                f,
                "option {code} ({}) appears {parts} times: concatenated per RFC 3396",
                options::name(*code)
            ),
            Warning::NoMessageType => write!(f, "DHCP message without message type (option 53)"),
        }
    }
}

/// A decoded DHCPv4/BOOTP message borrowing the packet bytes.
#[derive(Debug, Clone)]
pub struct Message<'a> {
    /// The whole message as captured.
    pub bytes: &'a [u8],
    pub op: u8,
    pub htype: u8,
    pub hlen: u8,
    pub hops: u8,
    pub xid: u32,
    pub secs: u16,
    pub flags: u16,
    pub ciaddr: Ipv4Addr,
    pub yiaddr: Ipv4Addr,
    pub siaddr: Ipv4Addr,
    pub giaddr: Ipv4Addr,
    /// The magic cookie when at least 240 bytes were captured.
    pub cookie: Option<[u8; 4]>,
    /// Option 52's value when valid (1 file, 2 sname, 3 both), else 0.
    pub overload: u8,
    /// Offset of the End option (255) of the options area, when there is one.
    pub options_end: Option<usize>,
    /// Options in wire order: options area, then file, then sname. Pad and End are omitted.
    pub options: OptionList<'a>,
    pub warnings: Vec<Warning>,
}

impl<'a> Message<'a> {
    /// Decodes `bytes` (a UDP payload). Never fails: check [`Message::warnings`].
    pub fn decode(bytes: &'a [u8]) -> Message<'a> {
        let mut msg = Message {
            bytes,
            op: byte(bytes, field::OP.start),
            htype: byte(bytes, field::HTYPE.start),
            hlen: byte(bytes, field::HLEN.start),
            hops: byte(bytes, field::HOPS.start),
            xid: u32_at(bytes, field::XID.start),
            secs: u16_at(bytes, field::SECS.start),
            flags: u16_at(bytes, field::FLAGS.start),
            ciaddr: ip_at(bytes, field::CIADDR.start),
            yiaddr: ip_at(bytes, field::YIADDR.start),
            siaddr: ip_at(bytes, field::SIADDR.start),
            giaddr: ip_at(bytes, field::GIADDR.start),
            cookie: None,
            overload: 0,
            options_end: None,
            options: OptionList::new(),
            warnings: Vec::new(),
        };
        if msg.hlen > 16 {
            msg.warnings.push(Warning::HlenTooLarge { hlen: msg.hlen });
        }
        match bytes.get(field::COOKIE) {
            Some(c) => {
                let cookie = [c[0], c[1], c[2], c[3]];
                msg.cookie = Some(cookie);
                if cookie == MAGIC_COOKIE {
                    msg.decode_options();
                } else {
                    msg.warnings.push(Warning::BadCookie { cookie });
                }
            }
            None if bytes.len() == FIXED_HEADER_LEN => msg.warnings.push(Warning::NoCookie),
            None => msg.warnings.push(Warning::Truncated { len: bytes.len() }),
        }
        msg
    }

    fn decode_options(&mut self) {
        let bytes = self.bytes;
        let main = bytes.get(OPTIONS_OFFSET..).unwrap_or_default();
        self.options_end = walk_area(
            main,
            OPTIONS_OFFSET,
            Area::Options,
            &mut self.options,
            &mut self.warnings,
        );
        let main_count = self.options.len();

        let mut overload = 0;
        for opt in &self.options {
            if opt.code == options::OVERLOAD {
                match opt.data {
                    [v @ 1..=3] => overload = *v,
                    [v] => self.warnings.push(Warning::InvalidOverload { value: *v }),
                    other => self.warnings.push(Warning::BadLength {
                        code: options::OVERLOAD,
                        len: other.len(),
                        expected: "1",
                    }),
                }
            }
        }
        self.overload = overload;
        // RFC 2131 §4.1: file first, then sname.
        for (bit, area, range) in [(1, Area::File, field::FILE), (2, Area::Sname, field::SNAME)] {
            if overload & bit == 0 {
                continue;
            }
            let Some(region) = bytes.get(range.clone()) else {
                self.warnings.push(Warning::MissingEnd { area });
                continue;
            };
            let before = self.options.len();
            let _ = walk_area(
                region,
                range.start,
                area,
                &mut self.options,
                &mut self.warnings,
            );
            if self.options[before..]
                .iter()
                .any(|o| o.code == options::OVERLOAD)
            {
                self.warnings.push(Warning::NestedOverload { area });
            }
            let hidden: Vec<u8> = self.options[before..]
                .iter()
                .map(|o| o.code)
                .filter(|&c| c != options::OVERLOAD)
                .filter(|c| !self.options[..main_count].iter().any(|m| m.code == *c))
                .collect();
            if !hidden.is_empty() {
                self.warnings.push(Warning::OnlyInOverload {
                    area,
                    codes: hidden,
                });
            }
        }
        self.check_splits_and_types();
    }

    fn check_splits_and_types(&mut self) {
        // Small option counts: a quadratic scan beats a map and allocates nothing.
        for i in 0..self.options.len() {
            let code = self.options[i].code;
            if self.options[..i].iter().any(|o| o.code == code) {
                continue;
            }
            let parts = self.options[i..].iter().filter(|o| o.code == code).count();
            if parts > 1 && code != options::OVERLOAD {
                self.warnings.push(Warning::Split { code, parts });
            }
            if code == options::OVERLOAD {
                continue;
            }
            if let Some(data) = self.option(code)
                && let Some(w) = options::check(code, &data)
            {
                self.warnings.push(w);
            }
        }
        if !self.options.iter().any(|o| o.code == options::MESSAGE_TYPE) {
            self.warnings.push(Warning::NoMessageType);
        }
    }

    /// The value of option `code`, all its parts concatenated in options → file → sname order
    /// (RFC 3396). Borrowed when the option appears once.
    pub fn option(&self, code: u8) -> Option<Cow<'a, [u8]>> {
        let mut parts = self.options.iter().filter(|o| o.code == code);
        let first = parts.next()?;
        let Some(second) = parts.next() else {
            return Some(Cow::Borrowed(first.data));
        };
        let mut joined = Vec::with_capacity(first.data.len() + second.data.len() + 64);
        joined.extend_from_slice(first.data);
        joined.extend_from_slice(second.data);
        for p in parts {
            joined.extend_from_slice(p.data);
        }
        Some(Cow::Owned(joined))
    }

    /// The first instance of option `code` without concatenation: cheap, for fixed-size options.
    pub fn first_option(&self, code: u8) -> Option<&'a [u8]> {
        self.options.iter().find(|o| o.code == code).map(|o| o.data)
    }

    /// DHCP message type (option 53), `None` for BOOTP.
    pub fn message_type(&self) -> Option<MessageType> {
        match self.first_option(options::MESSAGE_TYPE)? {
            [t] => Some(MessageType(*t)),
            _ => None,
        }
    }

    pub fn server_id(&self) -> Option<Ipv4Addr> {
        self.ip_option(options::SERVER_ID)
    }

    pub fn requested_ip(&self) -> Option<Ipv4Addr> {
        self.ip_option(options::REQUESTED_IP)
    }

    pub fn lease_time(&self) -> Option<u32> {
        self.u32_option(options::LEASE_TIME)
    }

    pub fn renewal_time(&self) -> Option<u32> {
        self.u32_option(options::RENEWAL_TIME)
    }

    pub fn rebinding_time(&self) -> Option<u32> {
        self.u32_option(options::REBINDING_TIME)
    }

    /// Host name (option 12) bytes, concatenated; escape before display.
    pub fn hostname(&self) -> Option<Cow<'a, [u8]>> {
        self.option(options::HOSTNAME)
    }

    pub fn client_id(&self) -> Option<Cow<'a, [u8]>> {
        self.option(options::CLIENT_ID)
    }

    fn ip_option(&self, code: u8) -> Option<Ipv4Addr> {
        match self.first_option(code)? {
            [a, b, c, d] => Some(Ipv4Addr::new(*a, *b, *c, *d)),
            _ => None,
        }
    }

    fn u32_option(&self, code: u8) -> Option<u32> {
        match self.first_option(code)? {
            [a, b, c, d] => Some(u32::from_be_bytes([*a, *b, *c, *d])),
            _ => None,
        }
    }

    /// Client hardware address: the first `hlen` bytes of chaddr (at most 16), as captured.
    pub fn chaddr(&self) -> &'a [u8] {
        let len = usize::from(self.hlen.min(16));
        let bytes: &'a [u8] = self.bytes;
        bytes
            .get(field::CHADDR.start..field::CHADDR.start + len)
            .or_else(|| bytes.get(field::CHADDR.start..))
            .unwrap_or_default()
    }

    /// chaddr as a MAC when it is a 6-byte Ethernet address.
    pub fn client_mac(&self) -> Option<MacAddr> {
        MacAddr::from_slice(self.chaddr())
    }

    /// chaddr as bytes when it is a 6-byte Ethernet address; prefer [`Message::client_mac`].
    pub fn chaddr_mac(&self) -> Option<[u8; 6]> {
        self.client_mac().map(MacAddr::octets)
    }

    /// The sname field as captured (64 bytes, fewer when truncated).
    pub fn sname(&self) -> &'a [u8] {
        field_bytes(self.bytes, field::SNAME)
    }

    /// The file field as captured (128 bytes, fewer when truncated).
    pub fn file(&self) -> &'a [u8] {
        field_bytes(self.bytes, field::FILE)
    }

    /// sname as text, unless option 52 uses it for options (then `None`).
    pub fn sname_text(&self) -> Option<&'a [u8]> {
        (self.overload & 2 == 0).then(|| c_string(self.sname()))
    }

    /// file as text, unless option 52 uses it for options (then `None`).
    pub fn file_text(&self) -> Option<&'a [u8]> {
        (self.overload & 1 == 0).then(|| c_string(self.file()))
    }

    /// Broadcast flag (RFC 2131 §2).
    pub fn broadcast(&self) -> bool {
        self.flags & 0x8000 != 0
    }

    /// True when the captured bytes reach the end of `range`.
    pub fn has(&self, range: std::ops::Range<usize>) -> bool {
        self.bytes.len() >= range.end
    }

    /// BOOTREQUEST (1) or BOOTREPLY (2).
    pub fn is_reply(&self) -> bool {
        self.op == 2
    }
}

fn walk_area<'a>(
    area_bytes: &'a [u8],
    base: usize,
    area: Area,
    out: &mut OptionList<'a>,
    warnings: &mut Vec<Warning>,
) -> Option<usize> {
    let mut pos = 0;
    loop {
        let Some(&code) = area_bytes.get(pos) else {
            warnings.push(Warning::MissingEnd { area });
            return None;
        };
        match code {
            options::PAD => pos += 1,
            options::END => {
                let rest = area_bytes.get(pos + 1..).unwrap_or_default();
                if let Some(first) = rest.iter().position(|&b| b != 0) {
                    warnings.push(Warning::DataAfterEnd {
                        area,
                        offset: base + pos + 1 + first,
                        bytes: rest.iter().filter(|&&b| b != 0).count(),
                    });
                }
                return Some(base + pos);
            }
            _ => {
                let Some(&len) = area_bytes.get(pos + 1) else {
                    warnings.push(Warning::MissingLength {
                        code,
                        offset: base + pos,
                    });
                    return None;
                };
                let start = pos + 2;
                let end = start + usize::from(len);
                let data = area_bytes.get(start..end);
                let available = area_bytes.len().saturating_sub(start);
                out.push(RawOption {
                    code,
                    len,
                    offset: base + pos,
                    area,
                    data: data.unwrap_or_else(|| area_bytes.get(start..).unwrap_or_default()),
                });
                if data.is_none() {
                    warnings.push(Warning::TruncatedOption {
                        code,
                        offset: base + pos,
                        claimed: len,
                        available,
                    });
                    return None;
                }
                pos = end;
            }
        }
    }
}

fn field_bytes(bytes: &[u8], range: std::ops::Range<usize>) -> &[u8] {
    let end = range.end.min(bytes.len());
    bytes.get(range.start..end).unwrap_or_default()
}

/// Up to the first NUL: sname and file are C strings.
pub fn c_string(bytes: &[u8]) -> &[u8] {
    let end = bytes.iter().position(|&b| b == 0).unwrap_or(bytes.len());
    &bytes[..end]
}

fn byte(b: &[u8], i: usize) -> u8 {
    b.get(i).copied().unwrap_or(0)
}

fn u16_at(b: &[u8], i: usize) -> u16 {
    match b.get(i..i + 2) {
        Some(&[x, y]) => u16::from_be_bytes([x, y]),
        _ => 0,
    }
}

fn u32_at(b: &[u8], i: usize) -> u32 {
    match b.get(i..i + 4) {
        Some(&[a, c, d, e]) => u32::from_be_bytes([a, c, d, e]),
        _ => 0,
    }
}

fn ip_at(b: &[u8], i: usize) -> Ipv4Addr {
    Ipv4Addr::from(u32_at(b, i))
}

#[cfg(test)]
mod tests;
