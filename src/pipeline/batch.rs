//! The owned packet record: what the reader keeps of each DHCP packet, in batches.
//!
//! A [`PacketBatch`] holds the UDP payloads (and, for sources that cannot be read again, the
//! whole frames) in one byte buffer, and one small `Copy` [`PacketMeta`] per packet with the
//! link, IP and UDP facts and where its bytes lie in the buffer. [`PacketBatch::packet`] is the
//! one function that turns a record into the [`Packet`] view every consumer takes.

use crate::dhcp::Message;
use crate::frame::{UdpChecksum, UdpFrame, Vlans};
use crate::source::RawFrame;
use crate::time::Timestamp;
use std::net::Ipv4Addr;
use std::ops::Range;

/// Where a run of bytes lies in [`PacketBatch::buf`] (or an item of [`PacketBatch::warnings`]).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Span {
    pub start: u32,
    pub len: u32,
}

impl Span {
    pub fn range(self) -> Range<usize> {
        let start = self.start as usize;
        start..start + self.len as usize
    }
}

/// The frame a DHCP packet arrived in (the last fragment, when reassembled).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FrameMeta {
    /// 1-based, as Wireshark numbers frames.
    pub number: u64,
    pub ts: Timestamp,
    /// Fractional digits the file records (6 = µs, 9 = ns).
    pub ts_digits: u8,
    pub linktype: u16,
    /// Bytes captured.
    pub caplen: u32,
    /// Bytes on the wire.
    pub orig_len: u32,
    /// Where the frame's data lies in its file, to read it again (files only).
    pub offset: Option<u64>,
}

impl FrameMeta {
    pub fn of(frame: &RawFrame<'_>) -> FrameMeta {
        FrameMeta {
            number: frame.number,
            ts: frame.ts,
            ts_digits: frame.ts_digits,
            linktype: frame.linktype,
            caplen: u32::try_from(frame.data.len()).unwrap_or(u32::MAX),
            orig_len: frame.orig_len,
            offset: None,
        }
    }

    /// True when the capture's snaplen cut the frame: what is missing is the capture's doing,
    /// not the sender's. Read from the record, whether or not the frame's bytes are kept.
    pub fn snaplen_cut(&self) -> bool {
        self.orig_len > self.caplen
    }
}

/// Link, IP and UDP facts of a DHCP packet.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UdpMeta {
    pub src_mac: Option<[u8; 6]>,
    pub dst_mac: Option<[u8; 6]>,
    /// VLAN ids, outer first.
    pub vlans: Vlans,
    pub src_ip: Ipv4Addr,
    pub dst_ip: Ipv4Addr,
    pub src_port: u16,
    pub dst_port: u16,
    /// Reassembled from IPv4 fragments.
    pub reassembled: bool,
    pub checksum: UdpChecksum,
    /// The tunnel (CAPWAP) the datagram arrived in, if any.
    pub tunnel: Option<crate::frame::Tunnel>,
    /// Where the UDP payload starts in the frame, when the frame holds it in one piece (not
    /// reassembled from fragments): the packet pane points from fields into the frame's bytes.
    pub payload_at: Option<u32>,
}

impl UdpMeta {
    pub fn of(frame: &RawFrame<'_>, udp: &UdpFrame<'_>) -> UdpMeta {
        let payload_at = if udp.reassembled {
            None
        } else {
            let base = frame.data.as_ptr() as usize;
            (udp.payload.as_ptr() as usize)
                .checked_sub(base)
                .filter(|at| at + udp.payload.len() <= frame.data.len())
                .and_then(|at| u32::try_from(at).ok())
        };
        UdpMeta {
            src_mac: udp.src_mac,
            dst_mac: udp.dst_mac,
            vlans: udp.vlans,
            src_ip: udp.src_ip,
            dst_ip: udp.dst_ip,
            src_port: udp.src_port,
            dst_port: udp.dst_port,
            reassembled: udp.reassembled,
            checksum: udp.checksum,
            tunnel: udp.tunnel,
            payload_at,
        }
    }
}

/// One DHCP packet's record in a batch.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PacketMeta {
    pub frame: FrameMeta,
    pub udp: UdpMeta,
    /// The UDP payload (the DHCP message as captured or reassembled).
    pub payload: Span,
    /// The whole frame, when kept (sources that cannot be read again, `decode`).
    pub frame_data: Option<Span>,
    /// Frame-layer warnings, in [`PacketBatch::warnings`].
    pub warnings: Span,
}

/// DHCP packets read together, and where the read stands. Reused: [`PacketBatch::clear`]
/// keeps the buffers' capacity.
#[derive(Debug, Default, Clone)]
pub struct PacketBatch {
    pub buf: Vec<u8>,
    pub packets: Vec<PacketMeta>,
    /// DHCPv6 and router solicitation/advertisement records (see [`super::v6`]).
    pub v6: Vec<super::v6::V6Meta>,
    pub warnings: Vec<crate::frame::FrameWarning>,
    /// Frames read so far in the whole read, DHCP or not.
    pub frames_read: u64,
    /// DHCP packets read so far in the whole read.
    pub dhcp_read: u64,
    /// DHCPv6 and RS/RA packets read so far in the whole read.
    pub v6_read: u64,
    /// Bytes read so far and the file size, when known.
    pub progress: Option<(u64, u64)>,
    /// Capture time of the last frame read (the replay clock).
    pub clock: Option<Timestamp>,
    /// Frames the live capture lost so far.
    pub drops: Option<u64>,
}

fn span(start: usize, end: usize) -> Span {
    Span {
        start: u32::try_from(start).unwrap_or(u32::MAX),
        len: u32::try_from(end - start).unwrap_or(0),
    }
}

impl PacketBatch {
    pub fn len(&self) -> usize {
        self.packets.len()
    }

    /// True when the batch holds no record, DHCPv4 or IPv6.
    pub fn is_empty(&self) -> bool {
        self.packets.is_empty() && self.v6.is_empty()
    }

    /// Empties the batch for reuse, keeping its allocations.
    pub fn clear(&mut self) {
        self.buf.clear();
        self.packets.clear();
        self.v6.clear();
        self.warnings.clear();
        self.progress = None;
        self.clock = None;
        self.drops = None;
    }

    /// Appends the record of a decoded DHCP packet; `keep_frame` also copies the whole frame.
    pub fn push(&mut self, frame: &RawFrame<'_>, udp: &UdpFrame<'_>, keep_frame: bool) {
        let start = self.buf.len();
        self.buf.extend_from_slice(udp.payload);
        let payload = span(start, self.buf.len());
        let frame_data = keep_frame.then(|| {
            let start = self.buf.len();
            self.buf.extend_from_slice(frame.data);
            span(start, self.buf.len())
        });
        let first = self.warnings.len();
        self.warnings.extend(udp.warnings.iter().cloned());
        self.packets.push(PacketMeta {
            frame: FrameMeta::of(frame),
            udp: UdpMeta::of(frame, udp),
            payload,
            frame_data,
            warnings: span(first, self.warnings.len()),
        });
    }

    /// The record of one frame read again (the TUI's detail view), decoded as the reader
    /// decodes every frame; `None` when it is not one UDP datagram (a datagram reassembled from
    /// several IPv4 fragments cannot be decoded from one of them).
    pub fn of_frame(frame: &RawFrame<'_>) -> Option<PacketBatch> {
        let mut decoder = crate::frame::FrameDecoder::new();
        let crate::frame::Decoded::Udp(udp) = decoder.decode(frame) else {
            return None;
        };
        let mut batch = PacketBatch::default();
        batch.push(frame, &udp, false);
        Some(batch)
    }

    /// The view of record `p` (one of this batch's): the DHCP message decoded from its payload.
    pub fn packet(&self, p: &PacketMeta) -> Packet<'_> {
        let payload = self.buf.get(p.payload.range()).unwrap_or_default();
        Packet {
            frame: p.frame,
            udp: p.udp,
            payload,
            frame_data: p.frame_data.and_then(|s| self.buf.get(s.range())),
            warnings: self.warnings.get(p.warnings.range()).unwrap_or_default(),
            dhcp: Message::decode(payload),
        }
    }

    /// Every packet of the batch, in read order.
    pub fn iter(&self) -> impl Iterator<Item = Packet<'_>> {
        self.packets.iter().map(|p| self.packet(p))
    }
}

/// One DHCP packet with what lies below it: what [`crate::analysis::Analysis::observe`],
/// `decode` and the TUI take.
#[derive(Debug)]
pub struct Packet<'a> {
    pub frame: FrameMeta,
    pub udp: UdpMeta,
    /// The UDP payload.
    pub payload: &'a [u8],
    /// The whole frame, when the read kept it.
    pub frame_data: Option<&'a [u8]>,
    /// Anomalies below DHCP (bad lengths, checksum…), in plain English.
    pub warnings: &'a [crate::frame::FrameWarning],
    pub dhcp: Message<'a>,
}
