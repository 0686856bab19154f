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
                // A cut fragment can never complete a datagram: do not hold it. The first one
                // still starts with the UDP header and the DHCP header: decode what it holds,
                // as for any frame cut by a snaplen (Wireshark does the same).
                if header.fragments_offset().value() == 0 {
                    warnings.push(
                        "first IPv4 fragment is cut: decoded alone, the datagram is not reassembled"
                            .to_string(),
                    );
                    return udp_frame(
                        &link,
                        src_ip,
                        dst_ip,
                        ip_payload.payload,
                        false,
                        false,
                        warnings,
                    );
                }
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
            if !carries_ipv4(&packet) {
                return None;
            }
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
    if !carries_ipv4(&packet) {
        return None;
    }
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

/// etherparse picks the IP version from the header's first nibble; we also want the link
/// layer's (innermost) EtherType to say IPv4, as Wireshark does.
fn carries_ipv4(packet: &LaxSlicedPacket<'_>) -> bool {
    packet
        .ether_payload()
        .is_some_and(|p| p.ether_type == EtherType::IPV4)
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

#[cfg(test)]
#[allow(clippy::indexing_slicing)]
mod tests {
    use super::*;
    use crate::source::FileSource;
    use etherparse::{LinuxSllPacketType, PacketBuilder, VlanId};
    use proptest::prelude::*;
    use std::path::Path;

    const CLIENT_MAC: [u8; 6] = [0x02, 0, 0, 0, 0, 0x01];
    const BROADCAST_MAC: [u8; 6] = [0xFF; 6];
    const SERVER_IP: [u8; 4] = [192, 168, 1, 1];
    const CLIENT_IP: [u8; 4] = [192, 168, 1, 77];

    fn raw(linktype: u16, data: &[u8]) -> RawFrame<'_> {
        RawFrame {
            number: 1,
            ts: Timestamp::new(1_700_000_000, 0),
            ts_digits: 6,
            linktype,
            orig_len: data.len() as u32,
            data,
        }
    }

    fn payload(len: usize) -> Vec<u8> {
        (0..len).map(|i| (i * 7 + 3) as u8).collect()
    }

    /// IPv4 + UDP (68 → 67), no link header.
    fn ip_udp(body: &[u8]) -> Vec<u8> {
        let mut out = Vec::new();
        PacketBuilder::ipv4(CLIENT_IP, SERVER_IP, 64)
            .udp(68, 67)
            .write(&mut out, body)
            .unwrap();
        out
    }

    fn expect_udp<'a>(decoded: Decoded<'a>) -> UdpFrame<'a> {
        match decoded {
            Decoded::Udp(udp) => udp,
            other => panic!("expected UDP, got {other:?}"),
        }
    }

    fn assert_plain_udp(udp: &UdpFrame<'_>, body: &[u8]) {
        assert_eq!(udp.src_ip, Ipv4Addr::from(CLIENT_IP));
        assert_eq!(udp.dst_ip, Ipv4Addr::from(SERVER_IP));
        assert_eq!((udp.src_port, udp.dst_port), (68, 67));
        assert_eq!(udp.payload, body);
        assert_eq!(udp.checksum, UdpChecksum::Good);
        assert!(!udp.reassembled);
        assert!(udp.warnings.is_empty(), "{:?}", udp.warnings);
    }

    // ----- link layers -----

    #[test]
    fn ethernet() {
        let body = payload(300);
        let mut frame = Vec::new();
        PacketBuilder::ethernet2(CLIENT_MAC, BROADCAST_MAC)
            .ipv4(CLIENT_IP, SERVER_IP, 64)
            .udp(68, 67)
            .write(&mut frame, &body)
            .unwrap();
        let mut decoder = FrameDecoder::new();
        let udp = expect_udp(decoder.decode(&raw(linktype::ETHERNET, &frame)));
        assert_plain_udp(&udp, &body);
        assert_eq!(udp.src_mac, Some(CLIENT_MAC));
        assert_eq!(udp.dst_mac, Some(BROADCAST_MAC));
        assert!(udp.vlans.as_slice().is_empty());
    }

    #[test]
    fn ethernet_with_vlan_tags() {
        let body = payload(20);
        let mut single = Vec::new();
        PacketBuilder::ethernet2(CLIENT_MAC, BROADCAST_MAC)
            .single_vlan(VlanId::try_new(42).unwrap())
            .ipv4(CLIENT_IP, SERVER_IP, 64)
            .udp(68, 67)
            .write(&mut single, &body)
            .unwrap();
        let mut double = Vec::new();
        PacketBuilder::ethernet2(CLIENT_MAC, BROADCAST_MAC)
            .double_vlan(VlanId::try_new(100).unwrap(), VlanId::try_new(200).unwrap())
            .ipv4(CLIENT_IP, SERVER_IP, 64)
            .udp(68, 67)
            .write(&mut double, &body)
            .unwrap();
        let mut decoder = FrameDecoder::new();
        let udp = expect_udp(decoder.decode(&raw(linktype::ETHERNET, &single)));
        assert_plain_udp(&udp, &body);
        assert_eq!(udp.vlans.as_slice(), [42]);
        let udp = expect_udp(decoder.decode(&raw(linktype::ETHERNET, &double)));
        assert_plain_udp(&udp, &body);
        assert_eq!(udp.vlans.as_slice(), [100, 200]);
        assert_eq!(udp.src_mac, Some(CLIENT_MAC));
    }

    /// Ethernet header with a stack of (TPID, vlan id) tags, then IPv4.
    fn tagged(tags: &[(u16, u16)], ip: &[u8]) -> Vec<u8> {
        let mut frame = Vec::new();
        frame.extend(BROADCAST_MAC);
        frame.extend(CLIENT_MAC);
        for (tpid, id) in tags {
            frame.extend(tpid.to_be_bytes());
            frame.extend(id.to_be_bytes());
        }
        frame.extend(0x0800u16.to_be_bytes());
        frame.extend(ip);
        frame
    }

    #[test]
    fn qinq_stacks_up_to_three_tags() {
        let body = payload(10);
        let ip = ip_udp(&body);
        let mut decoder = FrameDecoder::new();
        for tags in [
            &[(0x88a8, 5), (0x8100, 6)][..],
            &[(0x9100, 7), (0x8100, 8)],
            &[(0x88a8, 1), (0x8100, 2), (0x8100, 3)],
        ] {
            let frame = tagged(tags, &ip);
            let udp = expect_udp(decoder.decode(&raw(linktype::ETHERNET, &frame)));
            assert_plain_udp(&udp, &body);
            let ids: Vec<u16> = tags.iter().map(|t| t.1).collect();
            assert_eq!(udp.vlans.as_slice(), ids);
        }
    }

    #[test]
    fn linux_cooked_v1() {
        let body = payload(50);
        let mut frame = Vec::new();
        PacketBuilder::linux_sll(LinuxSllPacketType::OUTGOING, 6, [2, 0, 0, 0, 0, 1, 0, 0])
            .ipv4(CLIENT_IP, SERVER_IP, 64)
            .udp(68, 67)
            .write(&mut frame, &body)
            .unwrap();
        let mut decoder = FrameDecoder::new();
        let udp = expect_udp(decoder.decode(&raw(linktype::LINUX_SLL, &frame)));
        assert_plain_udp(&udp, &body);
        assert_eq!(udp.src_mac, Some(CLIENT_MAC));
        assert_eq!(udp.dst_mac, None);
    }

    fn sll2(protocol: u16, halen: u8, ip: &[u8]) -> Vec<u8> {
        let mut frame = Vec::new();
        frame.extend(protocol.to_be_bytes());
        frame.extend([0, 0]); // reserved
        frame.extend(3u32.to_be_bytes()); // interface index
        frame.extend(1u16.to_be_bytes()); // ARPHRD_ETHER
        frame.push(4); // outgoing
        frame.push(halen);
        frame.extend(CLIENT_MAC);
        frame.extend([0, 0]);
        frame.extend(ip);
        frame
    }

    #[test]
    fn linux_cooked_v2() {
        let body = payload(50);
        let ip = ip_udp(&body);
        let mut decoder = FrameDecoder::new();
        let frame = sll2(0x0800, 6, &ip);
        let udp = expect_udp(decoder.decode(&raw(linktype::LINUX_SLL2, &frame)));
        assert_plain_udp(&udp, &body);
        assert_eq!(udp.src_mac, Some(CLIENT_MAC));
        assert_eq!(udp.dst_mac, None);
        // Another address length: no MAC.
        let frame = sll2(0x0800, 4, &ip);
        let udp = expect_udp(decoder.decode(&raw(linktype::LINUX_SLL2, &frame)));
        assert_eq!(udp.src_mac, None);
        // IPv6 or ARP protocol: not ours.
        let frame = sll2(0x86DD, 6, &ip);
        assert!(matches!(
            decoder.decode(&raw(linktype::LINUX_SLL2, &frame)),
            Decoded::Other
        ));
    }

    #[test]
    fn null_and_loop_headers() {
        let body = payload(30);
        let ip = ip_udp(&body);
        let with = |af: [u8; 4]| [&af[..], &ip].concat();
        let mut decoder = FrameDecoder::new();
        for af in [[2, 0, 0, 0], [0, 0, 0, 2]] {
            let frame = with(af);
            let udp = expect_udp(decoder.decode(&raw(linktype::NULL, &frame)));
            assert_plain_udp(&udp, &body);
            assert_eq!(udp.src_mac, None);
        }
        let frame = with([0, 0, 0, 2]);
        assert_plain_udp(
            &expect_udp(decoder.decode(&raw(linktype::LOOP, &frame))),
            &body,
        );
        // LOOP is always network order; AF_INET6 (24/28/30) is not ours.
        for (link, af) in [
            (linktype::LOOP, [2, 0, 0, 0]),
            (linktype::NULL, [24, 0, 0, 0]),
            (linktype::NULL, [0, 0, 0, 30]),
        ] {
            let frame = with(af);
            assert!(matches!(decoder.decode(&raw(link, &frame)), Decoded::Other));
        }
    }

    #[test]
    fn raw_ip_link_types() {
        let body = payload(30);
        let ip = ip_udp(&body);
        let mut decoder = FrameDecoder::new();
        for link in [linktype::RAW, linktype::IPV4, 12, 14] {
            assert_plain_udp(&expect_udp(decoder.decode(&raw(link, &ip))), &body);
        }
        let mut ipv6 = Vec::new();
        PacketBuilder::ipv6([1; 16], [2; 16], 64)
            .udp(546, 547)
            .write(&mut ipv6, &body)
            .unwrap();
        assert!(matches!(
            decoder.decode(&raw(linktype::RAW, &ipv6)),
            Decoded::Other
        ));
        assert!(matches!(
            decoder.decode(&raw(linktype::RAW, &[])),
            Decoded::Other
        ));
    }

    #[test]
    fn unknown_link_types_and_other_protocols() {
        let body = payload(30);
        let ip = ip_udp(&body);
        let mut decoder = FrameDecoder::new();
        assert!(matches!(decoder.decode(&raw(147, &ip)), Decoded::Other));
        let mut tcp = Vec::new();
        PacketBuilder::ethernet2(CLIENT_MAC, BROADCAST_MAC)
            .ipv4(CLIENT_IP, SERVER_IP, 64)
            .tcp(1, 2, 3, 4)
            .write(&mut tcp, &body)
            .unwrap();
        assert!(matches!(
            decoder.decode(&raw(linktype::ETHERNET, &tcp)),
            Decoded::Other
        ));
        let mut arp = tagged(&[], &[0; 28]);
        arp[12..14].copy_from_slice(&0x0806u16.to_be_bytes());
        assert!(matches!(
            decoder.decode(&raw(linktype::ETHERNET, &arp)),
            Decoded::Other
        ));
    }

    // ----- lengths and checksums -----

    #[test]
    fn ethernet_padding_is_trimmed() {
        let body = payload(4);
        let mut frame = tagged(&[], &ip_udp(&body));
        frame.resize(60, 0xEE);
        let mut decoder = FrameDecoder::new();
        assert_plain_udp(
            &expect_udp(decoder.decode(&raw(linktype::ETHERNET, &frame))),
            &body,
        );
    }

    #[test]
    fn snaplen_cut_keeps_ports_and_partial_payload() {
        let body = payload(300);
        let frame = tagged(&[], &ip_udp(&body));
        let full_len = frame.len() as u32;
        let cut = &frame[..280];
        let mut decoder = FrameDecoder::new();
        let udp = expect_udp(decoder.decode(&RawFrame {
            orig_len: full_len,
            ..raw(linktype::ETHERNET, cut)
        }));
        assert_eq!((udp.src_port, udp.dst_port), (68, 67));
        assert_eq!(udp.payload, &body[..280 - 14 - 20 - 8]);
        assert_eq!(udp.checksum, UdpChecksum::Unverified);
        assert_eq!(
            udp.warnings,
            [format!(
                "frame cut by snaplen: 280 of {full_len} bytes captured"
            )]
        );
        // Cut without the record saying so: the IPv4 length tells.
        let udp = expect_udp(decoder.decode(&raw(linktype::ETHERNET, cut)));
        assert_eq!(
            udp.warnings,
            [format!(
                "IPv4 total length says {} bytes, only 266 present",
                full_len - 14
            )]
        );
        // Cut inside the UDP header: nothing to report on.
        assert!(matches!(
            decoder.decode(&raw(linktype::ETHERNET, &frame[..14 + 20 + 5])),
            Decoded::Other
        ));
    }

    #[test]
    fn checksum_states() {
        let body = payload(33); // odd length exercises the padding byte
        let mut ip = ip_udp(&body);
        let mut decoder = FrameDecoder::new();
        assert_eq!(
            expect_udp(decoder.decode(&raw(linktype::RAW, &ip))).checksum,
            UdpChecksum::Good
        );
        ip[20 + 6] ^= 0x5A;
        let udp = expect_udp(decoder.decode(&raw(linktype::RAW, &ip)));
        assert_eq!(udp.checksum, UdpChecksum::Bad);
        assert!(udp.warnings.is_empty());
        ip[20 + 6..20 + 8].copy_from_slice(&[0, 0]);
        assert_eq!(
            expect_udp(decoder.decode(&raw(linktype::RAW, &ip))).checksum,
            UdpChecksum::Absent
        );
    }

    #[test]
    fn inconsistent_udp_lengths_warn_and_use_what_is_there() {
        let body = payload(40);
        let mut ip = ip_udp(&body);
        let mut decoder = FrameDecoder::new();
        ip[20 + 4..20 + 6].copy_from_slice(&500u16.to_be_bytes());
        let udp = expect_udp(decoder.decode(&raw(linktype::RAW, &ip)));
        assert_eq!(udp.payload, body);
        assert_eq!(udp.checksum, UdpChecksum::Unverified);
        assert_eq!(
            udp.warnings,
            ["UDP length says 500 bytes, but the IPv4 payload holds 48"]
        );
        ip[20 + 4..20 + 6].copy_from_slice(&3u16.to_be_bytes());
        let udp = expect_udp(decoder.decode(&raw(linktype::RAW, &ip)));
        assert_eq!(udp.payload, body);
        assert_eq!(
            udp.warnings,
            ["UDP length 3 is less than the 8-byte header"]
        );
        // Shorter than the IP payload: UDP's length wins, quietly.
        ip[20 + 4..20 + 6].copy_from_slice(&18u16.to_be_bytes());
        let udp = expect_udp(decoder.decode(&raw(linktype::RAW, &ip)));
        assert_eq!(udp.payload, &body[..10]);
        assert!(udp.warnings.is_empty());
    }

    #[test]
    fn ip_total_length_shorter_than_header_warns() {
        let body = payload(12);
        let mut ip = ip_udp(&body);
        ip[2..4].copy_from_slice(&10u16.to_be_bytes());
        let mut decoder = FrameDecoder::new();
        let udp = expect_udp(decoder.decode(&raw(linktype::RAW, &ip)));
        assert_eq!(udp.payload, body);
        assert_eq!(
            udp.warnings,
            ["IPv4 total length 10 is shorter than its 20-byte header"]
        );
    }

    // ----- fragments -----

    /// A UDP datagram (header with a valid checksum + body), as carried in IPv4.
    fn udp_datagram(body: &[u8]) -> Vec<u8> {
        ip_udp(body)[20..].to_vec()
    }

    /// An IPv4 packet carrying `part` at byte `offset` of datagram `id`.
    fn fragment(id: u16, offset: usize, more: bool, part: &[u8]) -> Vec<u8> {
        assert_eq!(offset % 8, 0);
        let mut ip = vec![0x45, 0];
        ip.extend(((20 + part.len()) as u16).to_be_bytes());
        ip.extend(id.to_be_bytes());
        let flags = if more { 0x2000 } else { 0 };
        ip.extend((flags | (offset / 8) as u16).to_be_bytes());
        ip.extend([64, 17, 0, 0]);
        ip.extend(CLIENT_IP);
        ip.extend(SERVER_IP);
        ip.extend(part);
        ip
    }

    /// Splits a datagram into fragments of at most `size` bytes (a multiple of 8).
    fn fragments(id: u16, datagram: &[u8], size: usize) -> Vec<Vec<u8>> {
        let chunks: Vec<&[u8]> = datagram.chunks(size).collect();
        chunks
            .iter()
            .enumerate()
            .map(|(i, chunk)| fragment(id, i * size, i + 1 < chunks.len(), chunk))
            .collect()
    }

    fn at(secs: i64, ip: &[u8]) -> RawFrame<'_> {
        RawFrame {
            ts: Timestamp::new(secs, 0),
            ..raw(linktype::RAW, ip)
        }
    }

    #[test]
    fn fragments_are_reassembled_in_any_order() {
        let body = payload(2900);
        let datagram = udp_datagram(&body);
        let parts = fragments(7, &datagram, 1000);
        assert_eq!(parts.len(), 3);
        for order in [[0, 1, 2], [2, 0, 1], [1, 2, 0], [2, 1, 0]] {
            let mut decoder = FrameDecoder::new();
            for &i in &order[..2] {
                assert!(matches!(
                    decoder.decode(&at(0, &parts[i])),
                    Decoded::Fragment
                ));
            }
            assert_eq!(decoder.pending_datagrams(), 1);
            let udp = expect_udp(decoder.decode(&at(1, &parts[order[2]])));
            assert_eq!((udp.src_port, udp.dst_port), (68, 67));
            assert_eq!(udp.payload, body);
            assert!(udp.reassembled);
            assert_eq!(udp.checksum, UdpChecksum::Good);
            assert!(udp.warnings.is_empty());
            assert_eq!(decoder.pending_datagrams(), 0);
            assert_eq!(decoder.pending_bytes(), 0);
        }
    }

    #[test]
    fn duplicate_fragments_are_harmless_but_conflicts_drop_the_datagram() {
        let body = payload(1500);
        let datagram = udp_datagram(&body);
        let parts = fragments(9, &datagram, 800);
        let mut decoder = FrameDecoder::new();
        assert!(matches!(
            decoder.decode(&at(0, &parts[0])),
            Decoded::Fragment
        ));
        assert!(matches!(
            decoder.decode(&at(0, &parts[0])),
            Decoded::Fragment
        ));
        assert!(expect_udp(decoder.decode(&at(0, &parts[1]))).reassembled);

        // Same id again, with a first fragment whose bytes disagree with the retransmission.
        let mut altered = parts[0].clone();
        altered[100] ^= 1;
        assert!(matches!(
            decoder.decode(&at(0, &parts[0])),
            Decoded::Fragment
        ));
        assert!(matches!(
            decoder.decode(&at(0, &altered)),
            Decoded::Fragment
        ));
        assert_eq!(decoder.pending_datagrams(), 0);
        // The last fragment alone now cannot complete anything.
        assert!(matches!(
            decoder.decode(&at(0, &parts[1])),
            Decoded::Fragment
        ));
        assert_eq!(decoder.pending_datagrams(), 1);
    }

    #[test]
    fn cut_fragments_are_not_held() {
        let body = payload(1500);
        let datagram = udp_datagram(&body);
        let parts = fragments(3, &datagram, 800);
        let mut decoder = FrameDecoder::new();
        // The first fragment, cut: decoded alone as far as it goes (ports, start of payload).
        let cut = &parts[0][..100];
        let frame = RawFrame {
            orig_len: parts[0].len() as u32,
            ..raw(linktype::RAW, cut)
        };
        let udp = expect_udp(decoder.decode(&frame));
        assert_eq!((udp.src_port, udp.dst_port), (68, 67));
        assert_eq!(udp.payload, &body[..100 - 20 - 8]);
        assert_eq!(udp.checksum, UdpChecksum::Unverified);
        assert!(!udp.reassembled);
        assert_eq!(
            udp.warnings,
            [
                format!(
                    "frame cut by snaplen: 100 of {} bytes captured",
                    parts[0].len()
                ),
                "first IPv4 fragment is cut: decoded alone, the datagram is not reassembled"
                    .to_string(),
            ]
        );
        assert_eq!(decoder.pending_datagrams(), 0);
        // A later fragment, cut: nothing to decode, nothing held.
        let cut = &parts[1][..100];
        let frame = RawFrame {
            orig_len: parts[1].len() as u32,
            ..raw(linktype::RAW, cut)
        };
        assert!(matches!(decoder.decode(&frame), Decoded::Fragment));
        assert_eq!(decoder.pending_datagrams(), 0);
        // The complete fragments still reassemble afterwards.
        assert!(matches!(
            decoder.decode(&raw(linktype::RAW, &parts[0])),
            Decoded::Fragment
        ));
        let udp = expect_udp(decoder.decode(&raw(linktype::RAW, &parts[1])));
        assert_eq!(udp.payload, body);
        assert!(udp.reassembled);
    }

    #[test]
    fn pending_fragments_stay_within_bounds() {
        let limits = FragmentLimits::default();
        let mut decoder = FrameDecoder::new();
        let first = payload(1480);
        for id in 0..5000u16 {
            let ip = fragment(id, 0, true, &first);
            assert!(matches!(decoder.decode(&at(0, &ip)), Decoded::Fragment));
            assert!(decoder.pending_bytes() <= limits.max_bytes);
            assert!(decoder.pending_datagrams() <= limits.max_datagrams);
        }
        assert!(decoder.pending_datagrams() > 1000);
        // Far-away fragments cost their offset, not just their length.
        let mut decoder = FrameDecoder::with_limits(FragmentLimits {
            max_bytes: 256 * 1024,
            ..limits
        });
        for id in 0..100u16 {
            let ip = fragment(id, 60_000, true, &[1; 8]);
            decoder.decode(&at(0, &ip));
            assert!(decoder.pending_bytes() <= 256 * 1024);
        }
        assert!(decoder.pending_datagrams() <= 4);
    }

    #[test]
    fn oldest_and_stale_datagrams_are_evicted() {
        let body = payload(1500);
        let datagram = udp_datagram(&body);
        let parts = fragments(1, &datagram, 800);
        let mut decoder = FrameDecoder::with_limits(FragmentLimits {
            max_datagrams: 2,
            ..FragmentLimits::default()
        });
        decoder.decode(&at(0, &parts[0]));
        decoder.decode(&at(1, &fragment(2, 0, true, &[0; 8])));
        decoder.decode(&at(2, &fragment(3, 0, true, &[0; 8])));
        assert_eq!(decoder.pending_datagrams(), 2);
        // Datagram 1 was the oldest: it is gone.
        assert!(matches!(
            decoder.decode(&at(3, &parts[1])),
            Decoded::Fragment
        ));

        let mut decoder = FrameDecoder::new();
        decoder.decode(&at(100, &parts[0]));
        decoder.decode(&at(131, &fragment(5, 0, true, &[0; 8])));
        assert_eq!(decoder.pending_datagrams(), 1);
        assert!(matches!(
            decoder.decode(&at(131, &parts[1])),
            Decoded::Fragment
        ));
        // Within the timeout it completes.
        let mut decoder = FrameDecoder::new();
        decoder.decode(&at(100, &parts[0]));
        assert!(matches!(
            decoder.decode(&at(129, &parts[1])),
            Decoded::Udp(_)
        ));
    }

    #[test]
    fn inconsistent_fragment_trains_are_dropped() {
        let mut decoder = FrameDecoder::new();
        // Two different "last" fragments.
        decoder.decode(&at(0, &fragment(1, 8, false, &[0; 8])));
        decoder.decode(&at(0, &fragment(1, 16, false, &[0; 8])));
        assert_eq!(decoder.pending_datagrams(), 0);
        // Data beyond the end.
        decoder.decode(&at(0, &fragment(2, 8, false, &[0; 8])));
        decoder.decode(&at(0, &fragment(2, 16, true, &[0; 8])));
        assert_eq!(decoder.pending_datagrams(), 0);
        // Past the largest datagram.
        decoder.decode(&at(0, &fragment(3, 65528, true, &[0; 16])));
        assert_eq!(decoder.pending_datagrams(), 0);
        assert_eq!(decoder.pending_bytes(), 0);
    }

    // ----- robustness -----

    const LINK_TYPES: [u16; 10] = [0, 1, 12, 14, 101, 108, 113, 228, 276, 999];

    proptest! {
        #[test]
        fn arbitrary_bytes_never_panic(
            link in proptest::sample::select(&LINK_TYPES[..]),
            data in proptest::collection::vec(any::<u8>(), 0..200),
            orig_extra in 0u32..100,
        ) {
            let mut decoder = FrameDecoder::new();
            let frame = RawFrame { orig_len: data.len() as u32 + orig_extra, ..raw(link, &data) };
            let _ = decoder.decode(&frame);
        }

        #[test]
        fn mutated_udp_frames_never_panic(
            link in proptest::sample::select(&LINK_TYPES[..]),
            edits in proptest::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 0..6),
            keep in any::<prop::sample::Index>(),
        ) {
            let ip = ip_udp(&payload(60));
            let mut data = match link {
                1 => tagged(&[(0x8100, 5)], &ip),
                113 => [&[0u8; 14][..], &[8, 0], &ip].concat(),
                276 => sll2(0x0800, 6, &ip),
                0 | 108 => [&[0u8, 0, 0, 2][..], &ip].concat(),
                _ => ip,
            };
            for (index, byte) in edits {
                let i = index.index(data.len());
                data[i] = byte;
            }
            data.truncate(keep.index(data.len() + 1));
            let _ = FrameDecoder::new().decode(&raw(link, &data));
        }

        #[test]
        fn random_fragments_never_panic_and_stay_bounded(
            parts in proptest::collection::vec(
                (0u16..4, 0u16..8200, any::<bool>(), proptest::collection::vec(any::<u8>(), 0..64)),
                0..40),
        ) {
            let limits = FragmentLimits { max_bytes: 64 * 1024, max_datagrams: 3, timeout_secs: 30 };
            let mut decoder = FrameDecoder::with_limits(limits);
            for (id, units, more, bytes) in parts {
                let ip = fragment(id, usize::from(units) * 8, more, &bytes);
                let _ = decoder.decode(&at(0, &ip));
                prop_assert!(decoder.pending_datagrams() <= 3);
                prop_assert!(decoder.pending_bytes() <= 64 * 1024);
            }
        }
    }

    // ----- real captures (skipped when absent) -----

    /// Counts the frames of a capture that decode to UDP on the DHCP ports.
    fn dhcp_frames_in(name: &str) -> Option<usize> {
        let path = Path::new("/work/shared/captures/public").join(name);
        if !path.exists() {
            return None;
        }
        let mut source = FileSource::open(&path).unwrap();
        let mut decoder = FrameDecoder::new();
        let mut count = 0;
        while let Some(frame) = source.next_frame().unwrap() {
            if let Decoded::Udp(udp) = decoder.decode(&frame)
                && [67, 68].contains(&udp.src_port)
                && [67, 68].contains(&udp.dst_port)
            {
                count += 1;
            }
        }
        Some(count)
    }

    #[test]
    fn real_linux_cooked_capture() {
        if let Some(count) = dhcp_frames_in("pcapplusplus__sll.pcap") {
            assert_eq!(count, 1);
        }
    }

    #[test]
    fn real_raw_ip_capture() {
        if let Some(count) = dhcp_frames_in("pcapplusplus__raw_ip.pcap") {
            assert_eq!(count, 2);
        }
    }
}
