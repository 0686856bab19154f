//! Frame decoding: link layer (Ethernet + 802.1Q/QinQ, SLL, SLL2, raw IP, NULL/LOOP),
//! IPv4 (with bounded fragment reassembly) and UDP, down to the UDP payload.
//!
//! etherparse's lax slicer does Ethernet, VLAN stacks and the IPv4 header; the cooked and
//! loopback headers, UDP lengths, checksums and reassembly are ours, because a diagnostic
//! tool must decode cut or inconsistent frames as far as the bytes go and say what was odd.
//! The common path (an unfragmented UDP frame) allocates nothing.

#![deny(clippy::indexing_slicing)]

use crate::source::{RawFrame, linktype};
use crate::time::Timestamp;
use etherparse::{EtherType, IpNumber, LaxLinkExtSlice, LaxNetSlice, LaxSlicedPacket, LinkSlice};
use std::collections::HashMap;
use std::net::Ipv4Addr;

/// What the layers below DHCP said about a frame that carries UDP over IPv4.
#[derive(Debug, Clone)]
pub struct UdpFrame<'a> {
    pub src_mac: Option<[u8; 6]>,
    pub dst_mac: Option<[u8; 6]>,
    /// VLAN ids, outer first (at most 3).
    pub vlans: Vlans,
    pub src_ip: Ipv4Addr,
    pub dst_ip: Ipv4Addr,
    pub src_port: u16,
    pub dst_port: u16,
    /// The UDP payload as far as it was captured (or reassembled from fragments).
    pub payload: &'a [u8],
    /// True when the datagram was reassembled from IPv4 fragments.
    pub reassembled: bool,
    pub checksum: UdpChecksum,
    /// Anomalies below DHCP (snaplen cut, bad lengths…), in plain English.
    pub warnings: Vec<String>,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Vlans {
    ids: [u16; 3],
    len: u8,
}

impl Vlans {
    pub fn push(&mut self, id: u16) {
        if let Some(slot) = self.ids.get_mut(usize::from(self.len)) {
            *slot = id;
            self.len += 1;
        }
    }
    pub fn as_slice(&self) -> &[u16] {
        self.ids.get(..usize::from(self.len)).unwrap_or(&[])
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UdpChecksum {
    Good,
    /// Wrong, but often TX checksum offload on the capturing host rather than corruption.
    Bad,
    /// Zero (not computed by the sender).
    Absent,
    /// The datagram is not all there (cut by a snaplen, inconsistent lengths): cannot check.
    Unverified,
}

/// Outcome of decoding one frame.
#[derive(Debug)]
pub enum Decoded<'a> {
    Udp(UdpFrame<'a>),
    /// An IPv4 fragment held for reassembly (not yet complete).
    Fragment,
    /// Not IPv4/UDP (ARP, IPv6, …), or an unknown link type.
    Other,
}

/// Bounds on the IPv4 fragments held while waiting for the rest of their datagram.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FragmentLimits {
    /// Total bytes held by incomplete datagrams (buffers and bookkeeping).
    pub max_bytes: usize,
    /// Incomplete datagrams held at once.
    pub max_datagrams: usize,
    /// Capture-time seconds after its first fragment that a datagram is given up.
    pub timeout_secs: u32,
}

impl Default for FragmentLimits {
    fn default() -> Self {
        FragmentLimits {
            max_bytes: 4 * 1024 * 1024,
            max_datagrams: 1024,
            timeout_secs: 30,
        }
    }
}

/// Decodes frames; owns the fragment reassembly state, bounded in memory.
pub struct FrameDecoder {
    fragments: Reassembler,
}

impl FrameDecoder {
    pub fn new() -> Self {
        Self::with_limits(FragmentLimits::default())
    }

    pub fn with_limits(limits: FragmentLimits) -> Self {
        FrameDecoder {
            fragments: Reassembler::new(limits),
        }
    }

    /// Bytes currently held for incomplete fragmented datagrams.
    pub fn pending_bytes(&self) -> usize {
        self.fragments.held_bytes
    }

    /// Incomplete fragmented datagrams currently held.
    pub fn pending_datagrams(&self) -> usize {
        self.fragments.pending.len()
    }

    pub fn decode<'a>(&'a mut self, frame: &RawFrame<'a>) -> Decoded<'a> {
        let Some((link, packet)) = slice_link(frame) else {
            return Decoded::Other;
        };
        let Some(LaxNetSlice::Ipv4(ipv4)) = &packet.net else {
            return Decoded::Other;
        };
        let ip_payload = ipv4.payload();
        if ip_payload.ip_number != IpNumber::UDP {
            return Decoded::Other;
        }
        let header = ipv4.header();
        let (src_ip, dst_ip) = (header.source_addr(), header.destination_addr());

        let mut warnings = Vec::new();
        let total_len = usize::from(header.total_len());
        let header_len = header.slice().len();
        if total_len < header_len {
            // etherparse then takes the rest of the frame as the payload.
            warnings.push(format!(
                "IPv4 total length {total_len} is shorter than its {header_len}-byte header"
            ));
        }
        if ip_payload.incomplete {
            let present = header_len + ip_payload.payload.len();
            warnings.push(cut_warning(frame, present, total_len));
        }

        if ip_payload.fragmented {
            if ip_payload.incomplete {
                // A cut fragment can never complete a datagram: do not hold it.
                return Decoded::Fragment;
            }
            let key = FragmentKey {
                src: src_ip,
                dst: dst_ip,
                id: header.identification(),
                protocol: ip_payload.ip_number.0,
            };
            let offset = usize::from(header.fragments_offset().byte_offset());
            let more = header.more_fragments();
            return match self
                .fragments
                .add(key, offset, more, ip_payload.payload, frame.ts)
            {
                Some(datagram) => udp_frame(&link, src_ip, dst_ip, datagram, true, true, warnings),
                None => Decoded::Fragment,
            };
        }
        let complete = !ip_payload.incomplete;
        udp_frame(
            &link,
            src_ip,
            dst_ip,
            ip_payload.payload,
            complete,
            false,
            warnings,
        )
    }
}

impl Default for FrameDecoder {
    fn default() -> Self {
        Self::new()
    }
}

/// Link-layer addresses and tags of a frame.
#[derive(Debug, Default)]
struct LinkInfo {
    src_mac: Option<[u8; 6]>,
    dst_mac: Option<[u8; 6]>,
    vlans: Vlans,
}

const SLL_HEADER_LEN: usize = 16;
const SLL2_HEADER_LEN: usize = 20;
const AF_INET: u8 = 2;

/// Strips the link header and slices what follows. `None` for unknown link types and for
/// payloads that are not IP (by the link header's own protocol field).
fn slice_link<'a>(frame: &RawFrame<'a>) -> Option<(LinkInfo, LaxSlicedPacket<'a>)> {
    let data = frame.data;
    match frame.linktype {
        linktype::ETHERNET => {
            let packet = LaxSlicedPacket::from_ethernet(data).ok()?;
            let mut link = vlans_of(&packet);
            if let Some(LinkSlice::Ethernet2(eth)) = &packet.link {
                link.src_mac = Some(eth.source());
                link.dst_mac = Some(eth.destination());
            }
            Some((link, packet))
        }
        linktype::LINUX_SLL => {
            // packet type, ARPHRD, address length, address (8), protocol.
            let protocol = be_u16(data, 14)?;
            let halen = be_u16(data, 4)?;
            let src_mac = if halen == 6 { mac_at(data, 6) } else { None };
            cooked(src_mac, protocol, data.get(SLL_HEADER_LEN..)?)
        }
        linktype::LINUX_SLL2 => {
            // protocol, reserved, ifindex, ARPHRD, packet type, address length, address (8).
            let protocol = be_u16(data, 0)?;
            let halen = *data.get(11)?;
            let src_mac = if halen == 6 { mac_at(data, 12) } else { None };
            cooked(src_mac, protocol, data.get(SLL2_HEADER_LEN..)?)
        }
        // 12 and 14 are DLT_RAW values that some writers stored instead of LINKTYPE_RAW.
        linktype::RAW | linktype::IPV4 | 12 | 14 => ipv4_only(data),
        linktype::NULL => {
            // AF_INET in the writer's byte order, which the file does not tell.
            match data.get(..4)? {
                [AF_INET, 0, 0, 0] | [0, 0, 0, AF_INET] => ipv4_only(data.get(4..)?),
                _ => None,
            }
        }
        linktype::LOOP => match data.get(..4)? {
            [0, 0, 0, AF_INET] => ipv4_only(data.get(4..)?),
            _ => None,
        },
        _ => None,
    }
}

/// Linux cooked capture payload: the protocol is an EtherType (VLAN tags may follow).
fn cooked<'a>(
    src_mac: Option<[u8; 6]>,
    protocol: u16,
    payload: &'a [u8],
) -> Option<(LinkInfo, LaxSlicedPacket<'a>)> {
    let packet = LaxSlicedPacket::from_ether_type(EtherType(protocol), payload);
    let mut link = vlans_of(&packet);
    link.src_mac = src_mac;
    Some((link, packet))
}

fn ipv4_only(data: &[u8]) -> Option<(LinkInfo, LaxSlicedPacket<'_>)> {
    if data.first()? >> 4 != 4 {
        return None;
    }
    let packet = LaxSlicedPacket::from_ip(data).ok()?;
    Some((LinkInfo::default(), packet))
}

fn vlans_of(packet: &LaxSlicedPacket<'_>) -> LinkInfo {
    let mut link = LinkInfo::default();
    for ext in &packet.link_exts {
        if let LaxLinkExtSlice::Vlan(vlan) = ext {
            link.vlans.push(vlan.vlan_identifier().value());
        }
    }
    link
}

fn cut_warning(frame: &RawFrame<'_>, present: usize, total_len: usize) -> String {
    let captured = frame.data.len();
    if (captured as u64) < u64::from(frame.orig_len) {
        format!(
            "frame cut by snaplen: {captured} of {} bytes captured",
            frame.orig_len
        )
    } else {
        format!("IPv4 total length says {total_len} bytes, only {present} present")
    }
}

const UDP_HEADER_LEN: usize = 8;

/// Reads the UDP header and payload from an IPv4 payload. `ip_complete` is false when the
/// IPv4 payload was cut short (already warned about).
fn udp_frame<'a>(
    link: &LinkInfo,
    src_ip: Ipv4Addr,
    dst_ip: Ipv4Addr,
    datagram: &'a [u8],
    ip_complete: bool,
    reassembled: bool,
    mut warnings: Vec<String>,
) -> Decoded<'a> {
    let (Some(src_port), Some(dst_port), Some(udp_len), Some(stored_checksum)) = (
        be_u16(datagram, 0),
        be_u16(datagram, 2),
        be_u16(datagram, 4),
        be_u16(datagram, 6),
    ) else {
        // Not even a UDP header.
        return Decoded::Other;
    };
    let rest = datagram.get(UDP_HEADER_LEN..).unwrap_or_default();
    let udp_len = usize::from(udp_len);
    let whole = if udp_len < UDP_HEADER_LEN {
        warnings.push(format!(
            "UDP length {udp_len} is less than the {UDP_HEADER_LEN}-byte header"
        ));
        None
    } else if udp_len > datagram.len() {
        if ip_complete {
            warnings.push(format!(
                "UDP length says {udp_len} bytes, but the IPv4 payload holds {}",
                datagram.len()
            ));
        }
        None
    } else {
        // Shorter than the IPv4 payload is fine (trailing bytes are not UDP's).
        datagram.get(..udp_len)
    };
    let payload = whole.and_then(|w| w.get(UDP_HEADER_LEN..)).unwrap_or(rest);
    let checksum = match whole {
        _ if stored_checksum == 0 => UdpChecksum::Absent,
        Some(whole) if udp_checksum_ok(src_ip, dst_ip, whole) => UdpChecksum::Good,
        Some(_) => UdpChecksum::Bad,
        None => UdpChecksum::Unverified,
    };
    Decoded::Udp(UdpFrame {
        src_mac: link.src_mac,
        dst_mac: link.dst_mac,
        vlans: link.vlans,
        src_ip,
        dst_ip,
        src_port,
        dst_port,
        payload,
        reassembled,
        checksum,
        warnings,
    })
}

/// True when the ones' complement sum over the pseudo header and the whole datagram
/// (checksum field included) is all ones, i.e. the stored checksum is right.
fn udp_checksum_ok(src: Ipv4Addr, dst: Ipv4Addr, udp: &[u8]) -> bool {
    let mut sum: u64 = u64::from(u32::from(src)) + u64::from(u32::from(dst));
    sum += u64::from(IpNumber::UDP.0) + udp.len() as u64;
    // 32-bit words: same ones' complement sum as 16-bit ones once folded, half the steps.
    let mut words = udp.chunks_exact(4);
    for word in &mut words {
        sum += u64::from(u32::from_be_bytes(word.try_into().unwrap_or_default()));
    }
    let mut tail = [0u8; 4];
    for (slot, byte) in tail.iter_mut().zip(words.remainder()) {
        *slot = *byte;
    }
    sum += u64::from(u32::from_be_bytes(tail));
    while sum > 0xFFFF {
        sum = (sum & 0xFFFF) + (sum >> 16);
    }
    sum == 0xFFFF
}

fn be_u16(bytes: &[u8], at: usize) -> Option<u16> {
    let raw = bytes.get(at..at.checked_add(2)?)?;
    Some(u16::from_be_bytes(raw.try_into().ok()?))
}

fn mac_at(bytes: &[u8], at: usize) -> Option<[u8; 6]> {
    bytes.get(at..at.checked_add(6)?)?.try_into().ok()
}

// ---------------------------------------------------------------------------------------
// IPv4 reassembly.
//
// Our own small reassembler rather than etherparse's `IpDefragPool`: that pool wants strict
// `SlicedPacket`s (we slice laxly) and has no byte or count bound, while a capture full of
// fragment trains that never complete must not grow memory. Datagrams are keyed by
// (source, destination, protocol, id), held until complete, and evicted oldest first when
// the bounds are hit or their first fragment is older than the timeout (capture time).

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
struct FragmentKey {
    src: Ipv4Addr,
    dst: Ipv4Addr,
    id: u16,
    protocol: u8,
}

/// Largest IPv4 payload: 65535 bytes minus the smallest header.
const MAX_DATAGRAM: usize = 65535 - 20;

#[derive(Debug)]
struct PendingDatagram {
    first_seen: Timestamp,
    /// Arrival order, to evict the oldest among equal timestamps.
    seq: u64,
    /// Payload bytes at their offsets; as long as the furthest fragment seen.
    data: Vec<u8>,
    /// Received byte ranges, sorted, disjoint and not touching.
    covered: Vec<(usize, usize)>,
    /// Known once the last fragment (more-fragments clear) arrived.
    total_len: Option<usize>,
}

impl PendingDatagram {
    fn footprint(&self) -> usize {
        self.data.capacity() + self.covered.capacity() * std::mem::size_of::<(usize, usize)>()
    }

    /// Adds a fragment; false when it contradicts what was received (the datagram is then
    /// unusable).
    fn insert(&mut self, offset: usize, more: bool, bytes: &[u8]) -> bool {
        let end = offset + bytes.len();
        if more {
            if self.total_len.is_some_and(|total| end > total) {
                return false;
            }
        } else {
            if self.total_len.is_some_and(|total| total != end) || self.data.len() > end {
                return false;
            }
            self.total_len = Some(end);
        }
        // Overlaps are accepted only when they repeat the same bytes (duplicated frames).
        for &(start, stop) in &self.covered {
            let (from, to) = (start.max(offset), stop.min(end));
            if from < to && self.data.get(from..to) != bytes.get(from - offset..to - offset) {
                return false;
            }
        }
        if self.data.len() < end {
            self.data.reserve_exact(end - self.data.len());
            self.data.resize(end, 0);
        }
        if let Some(target) = self.data.get_mut(offset..end) {
            target.copy_from_slice(bytes);
        }
        self.cover(offset, end);
        true
    }

    fn cover(&mut self, mut start: usize, mut end: usize) {
        if start == end {
            return;
        }
        // Merge every range that overlaps or touches [start, end).
        self.covered.retain(|&(s, e)| {
            if e < start || s > end {
                true
            } else {
                start = start.min(s);
                end = end.max(e);
                false
            }
        });
        let at = self.covered.partition_point(|&(s, _)| s < start);
        self.covered.insert(at, (start, end));
    }

    fn is_complete(&self) -> bool {
        self.total_len
            .is_some_and(|total| total == 0 || self.covered == [(0, total)])
    }
}

struct Reassembler {
    limits: FragmentLimits,
    pending: HashMap<FragmentKey, PendingDatagram>,
    /// Sum of the footprints of `pending`.
    held_bytes: usize,
    /// The last completed datagram, lent to the caller.
    completed: Vec<u8>,
    next_seq: u64,
    /// Capture second of the last timeout sweep (sweeps run at most once a second).
    last_sweep: Option<i64>,
}

impl Reassembler {
    fn new(limits: FragmentLimits) -> Self {
        Reassembler {
            limits,
            pending: HashMap::new(),
            held_bytes: 0,
            completed: Vec::new(),
            next_seq: 0,
            last_sweep: None,
        }
    }

    /// Adds a fragment (`offset` in bytes); returns the whole IP payload when this one
    /// completes its datagram.
    fn add(
        &mut self,
        key: FragmentKey,
        offset: usize,
        more: bool,
        bytes: &[u8],
        now: Timestamp,
    ) -> Option<&[u8]> {
        self.expire(now);
        let end = offset + bytes.len();
        if end > MAX_DATAGRAM {
            self.remove(&key);
            return None;
        }
        let seq = self.next_seq;
        let entry = self.pending.entry(key).or_insert_with(|| PendingDatagram {
            first_seen: now,
            seq,
            data: Vec::new(),
            covered: Vec::new(),
            total_len: None,
        });
        if entry.seq == seq {
            self.next_seq += 1;
        }
        let before = entry.footprint();
        let consistent = entry.insert(offset, more, bytes);
        let after = entry.footprint();
        self.held_bytes = self.held_bytes + after - before;

        if !consistent {
            self.remove(&key);
            return None;
        }
        if entry.is_complete() {
            let done = self.remove(&key)?;
            self.completed = done.data;
            return Some(&self.completed);
        }
        self.enforce_bounds();
        None
    }

    fn remove(&mut self, key: &FragmentKey) -> Option<PendingDatagram> {
        let removed = self.pending.remove(key)?;
        self.held_bytes -= removed.footprint();
        Some(removed)
    }

    fn expire(&mut self, now: Timestamp) {
        if self.last_sweep == Some(now.secs) || self.pending.is_empty() {
            return;
        }
        self.last_sweep = Some(now.secs);
        let timeout = i128::from(self.limits.timeout_secs) * 1_000_000_000;
        let mut freed = 0;
        self.pending.retain(|_, datagram| {
            let keep = now.as_nanos() - datagram.first_seen.as_nanos() <= timeout;
            if !keep {
                freed += datagram.footprint();
            }
            keep
        });
        self.held_bytes -= freed;
    }

    fn enforce_bounds(&mut self) {
        while self.held_bytes > self.limits.max_bytes
            || self.pending.len() > self.limits.max_datagrams
        {
            let oldest = self
                .pending
                .iter()
                .min_by_key(|(_, d)| (d.first_seen, d.seq))
                .map(|(key, _)| *key);
            match oldest {
                Some(key) => {
                    self.remove(&key);
                }
                None => break,
            }
        }
    }
}
