//! The IPv6 records of a batch: DHCPv6 messages and ICMPv6 router solicitations and
//! advertisements, read by the same loop as DHCPv4 ([`super::read_batches`]) and kept in the
//! same [`PacketBatch`] buffer, in [`PacketBatch::v6`]. A consumer that knows only DHCPv4
//! iterates [`PacketBatch::iter`] as before; `decode` and `report` also take
//! [`PacketBatch::iter_v6`] (frame numbers say where each record stands in the capture).

use super::batch::{FrameMeta, PacketBatch, Span};
use crate::dhcpv6::Message;
use crate::dhcpv6::ra::RouterMessage;
use crate::frame::{UdpChecksum, Vlans};
use crate::frame6::{ExtHeaders, Ip6Body, Ip6Frame};
use crate::source::RawFrame;
use std::net::Ipv6Addr;

/// What is above IPv6 in a record.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum V6Kind {
    /// UDP 546/547.
    Dhcp {
        src_port: u16,
        dst_port: u16,
        checksum: UdpChecksum,
    },
    /// ICMPv6 133/134.
    Router { checksum_ok: Option<bool> },
}

/// One IPv6 record of a batch.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct V6Meta {
    pub frame: FrameMeta,
    pub src_mac: Option<[u8; 6]>,
    pub dst_mac: Option<[u8; 6]>,
    pub vlans: Vlans,
    pub src_ip: Ipv6Addr,
    pub dst_ip: Ipv6Addr,
    pub hop_limit: u8,
    pub ext_headers: ExtHeaders,
    pub kind: V6Kind,
    /// The DHCPv6 message (UDP payload) or the whole ICMPv6 message.
    pub payload: Span,
    pub frame_data: Option<Span>,
    pub warnings: Span,
}

/// A record of either family, from [`PacketBatch::iter_all`]. Lives one loop iteration at a
/// time; boxing the bigger variant would cost an allocation per packet.
#[derive(Debug)]
#[allow(clippy::large_enum_variant)]
pub enum AnyPacket<'a> {
    V4(super::Packet<'a>),
    V6(V6Packet<'a>),
}

/// The decoded body of an IPv6 record.
#[derive(Debug)]
pub enum V6Body<'a> {
    Dhcp(Message<'a>),
    Router(RouterMessage<'a>),
}

/// One DHCPv6 or RS/RA packet with what lies below it.
#[derive(Debug)]
pub struct V6Packet<'a> {
    pub meta: V6Meta,
    pub payload: &'a [u8],
    pub frame_data: Option<&'a [u8]>,
    /// Anomalies below DHCPv6/ICMPv6.
    pub warnings: &'a [crate::frame::FrameWarning],
    pub body: V6Body<'a>,
}

impl V6Packet<'_> {
    pub fn dhcp(&self) -> Option<&Message<'_>> {
        match &self.body {
            V6Body::Dhcp(m) => Some(m),
            V6Body::Router(_) => None,
        }
    }
    pub fn router(&self) -> Option<&RouterMessage<'_>> {
        match &self.body {
            V6Body::Router(r) => Some(r),
            V6Body::Dhcp(_) => None,
        }
    }
}

fn span(start: usize, end: usize) -> Span {
    Span {
        start: u32::try_from(start).unwrap_or(u32::MAX),
        len: u32::try_from(end - start).unwrap_or(0),
    }
}

impl PacketBatch {
    /// Appends the record of a DHCPv6 or RS/RA frame.
    pub fn push_v6(&mut self, frame: &RawFrame<'_>, ip: &Ip6Frame<'_>, keep_frame: bool) {
        let (kind, body) = match ip.body {
            Ip6Body::Udp {
                src_port,
                dst_port,
                payload,
                checksum,
            } => (
                V6Kind::Dhcp {
                    src_port,
                    dst_port,
                    checksum,
                },
                payload,
            ),
            Ip6Body::Icmp {
                message,
                checksum_ok,
            } => (V6Kind::Router { checksum_ok }, message),
        };
        let start = self.buf.len();
        self.buf.extend_from_slice(body);
        let payload = span(start, self.buf.len());
        let frame_data = keep_frame.then(|| {
            let start = self.buf.len();
            self.buf.extend_from_slice(frame.data);
            span(start, self.buf.len())
        });
        let first = self.warnings.len();
        self.warnings.extend(ip.warnings.iter().copied());
        self.v6.push(V6Meta {
            frame: FrameMeta::of(frame),
            src_mac: ip.src_mac,
            dst_mac: ip.dst_mac,
            vlans: ip.vlans,
            src_ip: ip.src_ip,
            dst_ip: ip.dst_ip,
            hop_limit: ip.hop_limit,
            ext_headers: ip.ext_headers,
            kind,
            payload,
            frame_data,
            warnings: span(first, self.warnings.len()),
        });
    }

    /// The view of IPv6 record `m` (one of this batch's), its message decoded.
    pub fn v6_packet(&self, m: &V6Meta) -> V6Packet<'_> {
        let payload = self.buf.get(m.payload.range()).unwrap_or_default();
        let body = match m.kind {
            V6Kind::Dhcp { .. } => V6Body::Dhcp(Message::decode(payload)),
            V6Kind::Router { .. } => match RouterMessage::decode(payload) {
                Some(r) => V6Body::Router(r),
                // Only RS/RA are recorded; a record is never anything else.
                None => V6Body::Dhcp(Message::decode(&[])),
            },
        };
        V6Packet {
            meta: *m,
            payload,
            frame_data: m.frame_data.and_then(|s| self.buf.get(s.range())),
            warnings: self.warnings.get(m.warnings.range()).unwrap_or_default(),
            body,
        }
    }

    /// Every IPv6 record of the batch, in read order.
    pub fn iter_v6(&self) -> impl Iterator<Item = V6Packet<'_>> {
        self.v6.iter().map(|m| self.v6_packet(m))
    }

    /// DHCPv4 and IPv6 records together in frame order (for `decode`, which prints them as
    /// they came).
    pub fn iter_all(&self) -> impl Iterator<Item = AnyPacket<'_>> {
        let mut v4 = self.packets.iter().peekable();
        let mut v6 = self.v6.iter().peekable();
        std::iter::from_fn(move || match (v4.peek(), v6.peek()) {
            (Some(a), Some(b)) if b.frame.number < a.frame.number => {
                v6.next().map(|m| AnyPacket::V6(self.v6_packet(m)))
            }
            (Some(_), _) => v4.next().map(|p| AnyPacket::V4(self.packet(p))),
            (None, Some(_)) => v6.next().map(|m| AnyPacket::V6(self.v6_packet(m))),
            (None, None) => None,
        })
    }
}
