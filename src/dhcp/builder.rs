//! Building DHCP messages with exact control over every byte: explicit option order, padding to
//! the 300-byte BOOTP minimum, and a raw escape hatch for deliberately malformed packets.

use super::options::MessageType;
use super::{MAGIC_COOKIE, options};
use std::net::Ipv4Addr;

/// Builds a DHCP message. Options are written in the order they are added.
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
    pub fn request(xid: u32, chaddr: [u8; 6]) -> Self {
        Self::new(1, xid, &chaddr)
    }

    /// A BOOTREPLY (server → client) with Ethernet chaddr.
    pub fn reply(xid: u32, chaddr: [u8; 6]) -> Self {
        Self::new(2, xid, &chaddr)
    }

    fn new(op: u8, xid: u32, chaddr: &[u8]) -> Self {
        let mut b = Self {
            header: [0; super::FIXED_HEADER_LEN],
            cookie: Some(MAGIC_COOKIE),
            options: Vec::with_capacity(64),
            end: true,
            min_len: 300,
        };
        b.header[0] = op;
        b.header[1] = 1;
        b.header[4..8].copy_from_slice(&xid.to_be_bytes());
        b.chaddr(chaddr)
    }

    pub fn op(mut self, op: u8) -> Self {
        self.header[0] = op;
        self
    }
    pub fn htype(mut self, htype: u8) -> Self {
        self.header[1] = htype;
        self
    }
    /// Sets hlen without touching chaddr (to send an inconsistent hlen on purpose).
    pub fn hlen(mut self, hlen: u8) -> Self {
        self.header[2] = hlen;
        self
    }
    pub fn hops(mut self, hops: u8) -> Self {
        self.header[3] = hops;
        self
    }
    pub fn secs(mut self, secs: u16) -> Self {
        self.header[8..10].copy_from_slice(&secs.to_be_bytes());
        self
    }
    pub fn flags(mut self, flags: u16) -> Self {
        self.header[10..12].copy_from_slice(&flags.to_be_bytes());
        self
    }
    pub fn broadcast(self, on: bool) -> Self {
        let flags = u16::from_be_bytes([self.header[10], self.header[11]]);
        self.flags(if on { flags | 0x8000 } else { flags & 0x7fff })
    }
    pub fn ciaddr(mut self, ip: Ipv4Addr) -> Self {
        self.header[12..16].copy_from_slice(&ip.octets());
        self
    }
    pub fn yiaddr(mut self, ip: Ipv4Addr) -> Self {
        self.header[16..20].copy_from_slice(&ip.octets());
        self
    }
    pub fn siaddr(mut self, ip: Ipv4Addr) -> Self {
        self.header[20..24].copy_from_slice(&ip.octets());
        self
    }
    pub fn giaddr(mut self, ip: Ipv4Addr) -> Self {
        self.header[24..28].copy_from_slice(&ip.octets());
        self
    }
    /// Sets chaddr (at most 16 bytes are kept) and hlen to its length.
    pub fn chaddr(mut self, addr: &[u8]) -> Self {
        let n = addr.len().min(16);
        self.header[28..44].fill(0);
        self.header[28..28 + n].copy_from_slice(&addr[..n]);
        self.header[2] = n as u8;
        self
    }
    /// Sets sname (at most 64 bytes are kept; not NUL-terminated when exactly 64).
    pub fn sname(mut self, sname: &[u8]) -> Self {
        let n = sname.len().min(64);
        self.header[44..108].fill(0);
        self.header[44..44 + n].copy_from_slice(&sname[..n]);
        self
    }
    /// Sets file (at most 128 bytes are kept).
    pub fn file(mut self, file: &[u8]) -> Self {
        let n = file.len().min(128);
        self.header[108..236].fill(0);
        self.header[108..108 + n].copy_from_slice(&file[..n]);
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
