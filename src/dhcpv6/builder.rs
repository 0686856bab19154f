//! Building DHCPv6 messages with exact control over every byte: options in the order they
//! are added, nested options built with [`Options`], relay layers around any message, and a
//! raw escape hatch for deliberately malformed packets.

use super::options::{self, MessageType, encode_dns_names};
use std::net::Ipv6Addr;

/// Typed option writers shared by [`MessageBuilder`] (message level) and [`Options`] (the
/// contents of an IA or IA Address). Every helper ends in [`OptionWriter::option`].
pub trait OptionWriter: Sized {
    /// Appends option `code` with `data` (at most 65 535 bytes are kept).
    fn option(self, code: u16, data: &[u8]) -> Self;

    fn client_id(self, duid: &[u8]) -> Self {
        self.option(options::CLIENT_ID, duid)
    }
    fn server_id(self, duid: &[u8]) -> Self {
        self.option(options::SERVER_ID, duid)
    }
    fn oro(self, codes: &[u16]) -> Self {
        let data: Vec<u8> = codes.iter().flat_map(|c| c.to_be_bytes()).collect();
        self.option(options::ORO, &data)
    }
    fn preference(self, pref: u8) -> Self {
        self.option(options::PREFERENCE, &[pref])
    }
    /// Elapsed time in hundredths of a second.
    fn elapsed_time(self, centis: u16) -> Self {
        self.option(options::ELAPSED_TIME, &centis.to_be_bytes())
    }
    fn rapid_commit(self) -> Self {
        self.option(options::RAPID_COMMIT, &[])
    }
    fn reconfigure_accept(self) -> Self {
        self.option(options::RECONF_ACCEPT, &[])
    }
    fn status(self, code: u16, message: &str) -> Self {
        let mut data = code.to_be_bytes().to_vec();
        data.extend_from_slice(message.as_bytes());
        self.option(options::STATUS_CODE, &data)
    }
    fn ips(self, code: u16, ips: &[Ipv6Addr]) -> Self {
        let data: Vec<u8> = ips.iter().flat_map(|ip| ip.octets()).collect();
        self.option(code, &data)
    }
    fn dns_servers(self, ips: &[Ipv6Addr]) -> Self {
        self.ips(options::DNS_SERVERS, ips)
    }
    /// Domain search list (24), uncompressed wire format.
    fn domain_list(self, names: &[&str]) -> Self {
        self.option(options::DOMAIN_LIST, &encode_dns_names(names))
    }
    fn seconds(self, code: u16, secs: u32) -> Self {
        self.option(code, &secs.to_be_bytes())
    }
    /// Client FQDN (39): flags + a fully qualified name in wire format.
    fn client_fqdn(self, flags: u8, name: &str) -> Self {
        let mut data = vec![flags];
        data.extend_from_slice(&encode_dns_names(&[name]));
        self.option(options::CLIENT_FQDN, &data)
    }
    fn vendor_class(self, enterprise: u32, classes: &[&[u8]]) -> Self {
        let mut data = enterprise.to_be_bytes().to_vec();
        for c in classes {
            data.extend_from_slice(&(c.len() as u16).to_be_bytes());
            data.extend_from_slice(c);
        }
        self.option(options::VENDOR_CLASS, &data)
    }
    fn user_class(self, classes: &[&[u8]]) -> Self {
        let mut data = Vec::new();
        for c in classes {
            data.extend_from_slice(&(c.len() as u16).to_be_bytes());
            data.extend_from_slice(c);
        }
        self.option(options::USER_CLASS, &data)
    }
    /// IA_NA with its contents (IA Addresses, Status Code) built by `inner`.
    fn ia_na(self, iaid: u32, t1: u32, t2: u32, inner: Options) -> Self {
        self.option(options::IA_NA, &ia_header(iaid, t1, t2, &inner.bytes))
    }
    fn ia_pd(self, iaid: u32, t1: u32, t2: u32, inner: Options) -> Self {
        self.option(options::IA_PD, &ia_header(iaid, t1, t2, &inner.bytes))
    }
    fn ia_ta(self, iaid: u32, inner: Options) -> Self {
        let mut data = iaid.to_be_bytes().to_vec();
        data.extend_from_slice(&inner.bytes);
        self.option(options::IA_TA, &data)
    }
    fn ia_address(self, addr: Ipv6Addr, preferred: u32, valid: u32, inner: Options) -> Self {
        let mut data = addr.octets().to_vec();
        data.extend_from_slice(&preferred.to_be_bytes());
        data.extend_from_slice(&valid.to_be_bytes());
        data.extend_from_slice(&inner.bytes);
        self.option(options::IA_ADDR, &data)
    }
    fn ia_prefix(
        self,
        prefix: Ipv6Addr,
        prefix_len: u8,
        preferred: u32,
        valid: u32,
        inner: Options,
    ) -> Self {
        let mut data = preferred.to_be_bytes().to_vec();
        data.extend_from_slice(&valid.to_be_bytes());
        data.push(prefix_len);
        data.extend_from_slice(&prefix.octets());
        data.extend_from_slice(&inner.bytes);
        self.option(options::IA_PREFIX, &data)
    }
    fn interface_id(self, id: &[u8]) -> Self {
        self.option(options::INTERFACE_ID, id)
    }
    fn remote_id(self, enterprise: u32, id: &[u8]) -> Self {
        let mut data = enterprise.to_be_bytes().to_vec();
        data.extend_from_slice(id);
        self.option(options::REMOTE_ID, &data)
    }
    /// Client Link-Layer Address (79): hardware type 1 for Ethernet.
    fn client_link_layer(self, hwtype: u16, addr: &[u8]) -> Self {
        let mut data = hwtype.to_be_bytes().to_vec();
        data.extend_from_slice(addr);
        self.option(options::CLIENT_LINKLAYER_ADDR, &data)
    }
    /// Relay Message (9) carrying an already built message.
    fn relay_message(self, inner: &[u8]) -> Self {
        self.option(options::RELAY_MSG, inner)
    }
}

fn ia_header(iaid: u32, t1: u32, t2: u32, inner: &[u8]) -> Vec<u8> {
    let mut data = Vec::with_capacity(12 + inner.len());
    data.extend_from_slice(&iaid.to_be_bytes());
    data.extend_from_slice(&t1.to_be_bytes());
    data.extend_from_slice(&t2.to_be_bytes());
    data.extend_from_slice(inner);
    data
}

fn push_option(out: &mut Vec<u8>, code: u16, data: &[u8]) {
    let data = &data[..data.len().min(usize::from(u16::MAX))];
    out.extend_from_slice(&code.to_be_bytes());
    out.extend_from_slice(&(data.len() as u16).to_be_bytes());
    out.extend_from_slice(data);
}

/// A sequence of options: the encapsulated part of an IA, IA Address or IA Prefix.
#[derive(Debug, Clone, Default)]
pub struct Options {
    bytes: Vec<u8>,
}

impl Options {
    pub fn new() -> Self {
        Self::default()
    }
    /// Appends bytes verbatim: the escape hatch for malformed options.
    pub fn raw(mut self, bytes: &[u8]) -> Self {
        self.bytes.extend_from_slice(bytes);
        self
    }
    pub fn bytes(&self) -> &[u8] {
        &self.bytes
    }
}

impl OptionWriter for Options {
    fn option(mut self, code: u16, data: &[u8]) -> Self {
        push_option(&mut self.bytes, code, data);
        self
    }
}

/// Builds a DHCPv6 message. Options are written in the order they are added.
#[derive(Debug, Clone)]
pub struct MessageBuilder {
    header: Vec<u8>,
    options: Vec<u8>,
}

impl MessageBuilder {
    /// A client/server message; only the low 24 bits of `xid` are sent.
    pub fn new(msg_type: MessageType, xid: u32) -> Self {
        let x = xid.to_be_bytes();
        Self {
            header: vec![msg_type.0, x[1], x[2], x[3]],
            options: Vec::with_capacity(96),
        }
    }

    /// A RELAY-FORW (or, with `reply`, RELAY-REPL) header; add the relayed message with
    /// [`OptionWriter::relay_message`].
    pub fn relay(reply: bool, hop_count: u8, link: Ipv6Addr, peer: Ipv6Addr) -> Self {
        let t = if reply {
            MessageType::RELAY_REPL
        } else {
            MessageType::RELAY_FORW
        };
        let mut header = vec![t.0, hop_count];
        header.extend_from_slice(&link.octets());
        header.extend_from_slice(&peer.octets());
        Self {
            header,
            options: Vec::with_capacity(64),
        }
    }

    /// Appends bytes verbatim to the options area: the escape hatch for malformed options.
    pub fn raw(mut self, bytes: &[u8]) -> Self {
        self.options.extend_from_slice(bytes);
        self
    }

    pub fn build(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(self.header.len() + self.options.len());
        out.extend_from_slice(&self.header);
        out.extend_from_slice(&self.options);
        out
    }
}

impl OptionWriter for MessageBuilder {
    fn option(mut self, code: u16, data: &[u8]) -> Self {
        push_option(&mut self.options, code, data);
        self
    }
}

/// DUID encoders (RFC 8415 §11).
pub mod duid {
    /// DUID-LLT: hardware type, time (seconds since 2000-01-01 UTC), link-layer address.
    pub fn llt(hwtype: u16, time: u32, lladdr: &[u8]) -> Vec<u8> {
        let mut d = vec![0, 1];
        d.extend_from_slice(&hwtype.to_be_bytes());
        d.extend_from_slice(&time.to_be_bytes());
        d.extend_from_slice(lladdr);
        d
    }
    /// DUID-EN: enterprise number and identifier.
    pub fn en(enterprise: u32, id: &[u8]) -> Vec<u8> {
        let mut d = vec![0, 2];
        d.extend_from_slice(&enterprise.to_be_bytes());
        d.extend_from_slice(id);
        d
    }
    /// DUID-LL: hardware type and link-layer address.
    pub fn ll(hwtype: u16, lladdr: &[u8]) -> Vec<u8> {
        let mut d = vec![0, 3];
        d.extend_from_slice(&hwtype.to_be_bytes());
        d.extend_from_slice(lladdr);
        d
    }
    /// DUID-UUID (RFC 6355).
    pub fn uuid(uuid: [u8; 16]) -> Vec<u8> {
        let mut d = vec![0, 4];
        d.extend_from_slice(&uuid);
        d
    }
}
