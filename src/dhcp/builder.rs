//! Building DHCP messages with exact control over every byte: explicit option order, padding to
//! the 300-byte BOOTP minimum, and a raw escape hatch for deliberately malformed packets.

use super::options::MessageType;
use super::{Area, MAGIC_COOKIE, Message, field, options};
use crate::mac::MacAddr;
use std::net::Ipv4Addr;
use std::ops::Range;

/// Builds a DHCP message. Options are written in the order they are added. Every fixed-header
/// field is written through the same [`field`] range the decoder reads it from.
#[derive(Debug, Clone)]
pub struct MessageBuilder {
    header: [u8; super::FIXED_HEADER_LEN],
    cookie: Option<[u8; 4]>,
    options: Vec<u8>,
    end: bool,
    min_len: usize,
}

impl MessageBuilder {
    /// A BOOTREQUEST (client → server) with Ethernet chaddr.
    pub fn request(xid: u32, chaddr: impl Into<MacAddr>) -> Self {
        Self::new(1, xid, &chaddr.into().octets())
    }

    /// A BOOTREPLY (server → client) with Ethernet chaddr.
    pub fn reply(xid: u32, chaddr: impl Into<MacAddr>) -> Self {
        Self::new(2, xid, &chaddr.into().octets())
    }

    /// The builder that emits `m` again (smoltcp's `emit` to [`Message::decode`]'s `parse`):
    /// every fixed-header field from its decoded value, sname and file as captured (they may
    /// hold overloaded options), the options area in wire order with its Pad bytes, duplicates
    /// and End where they were, and zero padding to the original length. For a message of at
    /// least 240 bytes with no bytes after End, `build()` gives back the same bytes.
    pub fn from_message(m: &Message<'_>) -> Self {
        let raw_chaddr = m.bytes.get(field::CHADDR).unwrap_or_default();
        let mut b = Self::new(m.op, m.xid, raw_chaddr)
            .htype(m.htype)
            .hlen(m.hlen)
            .hops(m.hops)
            .secs(m.secs)
            .flags(m.flags)
            .ciaddr(m.ciaddr)
            .yiaddr(m.yiaddr)
            .siaddr(m.siaddr)
            .giaddr(m.giaddr)
            .sname(m.sname())
            .file(m.file())
            .cookie(m.cookie)
            .end(false)
            .pad_to(m.bytes.len());
        let mut at = super::OPTIONS_OFFSET;
        for o in m.options.iter().filter(|o| o.area == Area::Options) {
            b.options
                .resize(b.options.len() + o.offset.saturating_sub(at), options::PAD);
            b.options.extend_from_slice(&[o.code, o.len]);
            b.options.extend_from_slice(o.data);
            at = o.offset + 2 + o.data.len();
        }
        if let Some(end) = m.options_end {
            b.options
                .resize(b.options.len() + end.saturating_sub(at), options::PAD);
            b.options.push(options::END);
        }
        b
    }

    fn new(op: u8, xid: u32, chaddr: &[u8]) -> Self {
        let b = Self {
            header: [0; super::FIXED_HEADER_LEN],
            cookie: Some(MAGIC_COOKIE),
            options: Vec::with_capacity(64),
            end: true,
            min_len: 300,
        };
        b.op(op).htype(1).xid(xid).chaddr(chaddr)
    }

    fn put(&mut self, range: Range<usize>, bytes: &[u8]) {
        self.header[range].copy_from_slice(bytes);
    }

    /// Writes `bytes` at the start of `range`, zero-filling the rest (at most the field's size
    /// is kept).
    fn put_padded(&mut self, range: Range<usize>, bytes: &[u8]) {
        let dst = &mut self.header[range];
        dst.fill(0);
        let n = bytes.len().min(dst.len());
        dst[..n].copy_from_slice(&bytes[..n]);
    }

    pub fn op(mut self, op: u8) -> Self {
        self.put(field::OP, &[op]);
        self
    }
    pub fn htype(mut self, htype: u8) -> Self {
        self.put(field::HTYPE, &[htype]);
        self
    }
    /// Sets hlen without touching chaddr (to send an inconsistent hlen on purpose).
    pub fn hlen(mut self, hlen: u8) -> Self {
        self.put(field::HLEN, &[hlen]);
        self
    }
    pub fn hops(mut self, hops: u8) -> Self {
        self.put(field::HOPS, &[hops]);
        self
    }
    pub fn xid(mut self, xid: u32) -> Self {
        self.put(field::XID, &xid.to_be_bytes());
        self
    }
    pub fn secs(mut self, secs: u16) -> Self {
        self.put(field::SECS, &secs.to_be_bytes());
        self
    }
    pub fn flags(mut self, flags: u16) -> Self {
        self.put(field::FLAGS, &flags.to_be_bytes());
        self
    }
    pub fn broadcast(self, on: bool) -> Self {
        let f = &self.header[field::FLAGS];
        let flags = u16::from_be_bytes([f[0], f[1]]);
        self.flags(if on { flags | 0x8000 } else { flags & 0x7fff })
    }
    pub fn ciaddr(mut self, ip: Ipv4Addr) -> Self {
        self.put(field::CIADDR, &ip.octets());
        self
    }
    pub fn yiaddr(mut self, ip: Ipv4Addr) -> Self {
        self.put(field::YIADDR, &ip.octets());
        self
    }
    pub fn siaddr(mut self, ip: Ipv4Addr) -> Self {
        self.put(field::SIADDR, &ip.octets());
        self
    }
    pub fn giaddr(mut self, ip: Ipv4Addr) -> Self {
        self.put(field::GIADDR, &ip.octets());
        self
    }
    /// Sets chaddr (at most 16 bytes are kept) and hlen to its length.
    pub fn chaddr(mut self, addr: &[u8]) -> Self {
        self.put_padded(field::CHADDR, addr);
        let n = addr.len().min(field::CHADDR.len());
        self.hlen(n as u8)
    }
    /// Sets sname (at most 64 bytes are kept; not NUL-terminated when exactly 64).
    pub fn sname(mut self, sname: &[u8]) -> Self {
        self.put_padded(field::SNAME, sname);
        self
    }
    /// Sets file (at most 128 bytes are kept).
    pub fn file(mut self, file: &[u8]) -> Self {
        self.put_padded(field::FILE, file);
        self
    }
    /// A different cookie, or `None` for plain BOOTP (no vendor area).
    pub fn cookie(mut self, cookie: Option<[u8; 4]>) -> Self {
        self.cookie = cookie;
        self
    }

    /// Appends option `code` with `data`; values over 255 bytes are split into several
    /// options of the same code (RFC 3396).
    pub fn option(mut self, code: u8, data: &[u8]) -> Self {
        if data.is_empty() {
            self.options.extend_from_slice(&[code, 0]);
        }
        for chunk in data.chunks(255) {
            self.options.push(code);
            self.options.push(chunk.len() as u8);
            self.options.extend_from_slice(chunk);
        }
        self
    }
    pub fn message_type(self, t: MessageType) -> Self {
        self.option(options::MESSAGE_TYPE, &[t.0])
    }
    pub fn option_ip(self, code: u8, ip: Ipv4Addr) -> Self {
        self.option(code, &ip.octets())
    }
    pub fn option_ips(self, code: u8, ips: &[Ipv4Addr]) -> Self {
        let data: Vec<u8> = ips.iter().flat_map(|ip| ip.octets()).collect();
        self.option(code, &data)
    }
    pub fn option_u32(self, code: u8, v: u32) -> Self {
        self.option(code, &v.to_be_bytes())
    }
    pub fn option_u16(self, code: u8, v: u16) -> Self {
        self.option(code, &v.to_be_bytes())
    }
    /// Appends bytes verbatim to the options area: the escape hatch for malformed options.
    pub fn raw(mut self, bytes: &[u8]) -> Self {
        self.options.extend_from_slice(bytes);
        self
    }
    /// Whether to write the End option (default: yes).
    pub fn end(mut self, end: bool) -> Self {
        self.end = end;
        self
    }
    /// Minimum length, padded with zeros (default 300, the BOOTP minimum; 0 for none).
    pub fn pad_to(mut self, len: usize) -> Self {
        self.min_len = len;
        self
    }

    pub fn build(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(self.min_len.max(300));
        out.extend_from_slice(&self.header);
        if let Some(cookie) = self.cookie {
            debug_assert_eq!(out.len(), field::COOKIE.start);
            out.extend_from_slice(&cookie);
            out.extend_from_slice(&self.options);
            if self.end {
                out.push(options::END);
            }
        }
        if out.len() < self.min_len {
            out.resize(self.min_len, 0);
        }
        out
    }
}
