//! Frame decoding: link layer (Ethernet + 802.1Q/QinQ, SLL, SLL2, raw IP, NULL/LOOP, 802.11
//! bare or behind radiotap or PPI), IPv4 (with bounded fragment reassembly) and UDP, down to
//! the UDP payload; DHCP tunnelled in CAPWAP data is unwrapped to the client's own frame.
//!
//! etherparse's lax slicer does Ethernet, VLAN stacks and the IPv4 header; the cooked,
//! loopback and wireless headers, UDP lengths, checksums and reassembly are ours, because a
//! diagnostic tool must decode cut or inconsistent frames as far as the bytes go and say
//! what was odd. The common path (an unfragmented UDP frame) allocates nothing: warnings
//! are typed and kept in a fixed-size list.

#![deny(clippy::indexing_slicing)]

mod capwap;
pub mod linktype;
mod reassembly;
mod warning;
mod wlan;

pub use warning::{FrameWarning, FrameWarnings};

use crate::time::Timestamp;
use etherparse::{EtherType, IpNumber, LaxLinkExtSlice, LaxNetSlice, LaxSlicedPacket, LinkSlice};
use reassembly::{FragmentKey, Reassembler};
use std::net::Ipv4Addr;

/// One captured frame, borrowed from its source's buffer until the next call.
#[derive(Debug, Clone, Copy)]
pub struct RawFrame<'a> {
    /// 1-based frame number, counting every record Wireshark numbers as a frame.
    pub number: u64,
    /// [`Timestamp::UNKNOWN`] when the record has none (pcapng Simple Packet Block).
    pub ts: Timestamp,
    /// Fractional digits the file records (6 = µs, 9 = ns).
    pub ts_digits: u8,
    /// LINKTYPE_* value of the interface the frame came from (see [`linktype`]).
    pub linktype: u16,
    /// Length of the frame on the wire (may exceed `data.len()` when cut by a snaplen).
    pub orig_len: u32,
    pub data: &'a [u8],
}

/// What the layers below DHCP said about a frame that carries UDP over IPv4. For a frame
/// tunnelled in CAPWAP, every field describes the client's own (inner) frame.
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
    /// Anomalies below DHCP (snaplen cut, bad lengths…).
    pub warnings: FrameWarnings,
    /// The tunnel the frame came through, if any.
    pub tunnel: Option<Tunnel>,
}

/// A CAPWAP data tunnel (access point ↔ controller) around a client's frame.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Tunnel {
    pub src_ip: Ipv4Addr,
    pub dst_ip: Ipv4Addr,
    pub src_port: u16,
    pub dst_port: u16,
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
    /// Not IPv4/UDP (ARP, IPv6, encrypted 802.11, …), or an unknown link type.
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
    /// 802.11 data frames skipped because their body is encrypted.
    protected_frames: u64,
}

impl FrameDecoder {
    pub fn new() -> Self {
        Self::with_limits(FragmentLimits::default())
    }

    pub fn with_limits(limits: FragmentLimits) -> Self {
        FrameDecoder {
            fragments: Reassembler::new(limits),
            protected_frames: 0,
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

    /// 802.11 data frames (bare or tunnelled) skipped so far because the Protected bit says
    /// their body is encrypted.
    pub fn protected_frames(&self) -> u64 {
        self.protected_frames
    }

    pub fn decode<'a>(&'a mut self, frame: &RawFrame<'a>) -> Decoded<'a> {
        let FrameDecoder {
            fragments,
            protected_frames,
        } = self;
        let cut = frame.orig_len.saturating_sub(frame.data.len() as u32);
        let Some((link, packet)) = slice_link(frame.linktype, frame.data, protected_frames) else {
            return Decoded::Other;
        };
        let outer = decode_ip(frame, cut, link, &packet, Some(fragments));
        // The common path returns the frame as decoded, without moving it out and back.
        match &outer {
            Decoded::Udp(udp)
                if udp.src_port == capwap::DATA_PORT || udp.dst_port == capwap::DATA_PORT => {}
            _ => return outer,
        }
        let Decoded::Udp(udp) = outer else {
            return Decoded::Other;
        };
        // CAPWAP data: the client's frame inside is what counts. Its IPv4 fragments are not
        // reassembled (the outer datagram may itself be a reassembled one).
        let tunnel = Tunnel {
            src_ip: udp.src_ip,
            dst_ip: udp.dst_ip,
            src_port: udp.src_port,
            dst_port: udp.dst_port,
        };
        let sliced = match capwap::inner(udp.payload) {
            Some(capwap::Inner::Ethernet(data)) => {
                slice_link(linktype::ETHERNET, data, protected_frames)
            }
            Some(capwap::Inner::Ieee80211 {
                frame: data,
                swap_fc,
            }) => wlan_link(wlan::data_frame(data, swap_fc, false), protected_frames),
            None => None,
        };
        let Some((link, packet)) = sliced else {
            return Decoded::Other;
        };
        match decode_ip(frame, cut, link, &packet, None) {
            Decoded::Udp(mut inner) => {
                let mut warnings = udp.warnings;
                for w in &inner.warnings {
                    if !warnings.as_slice().contains(w) {
                        warnings.push(*w);
                    }
                }
                inner.warnings = warnings;
                inner.tunnel = Some(tunnel);
                Decoded::Udp(inner)
            }
            _ => Decoded::Other,
        }
    }
}

impl Default for FrameDecoder {
    fn default() -> Self {
        Self::new()
    }
}

/// From the IPv4 header on: fragments (held in `fragments` when given), then UDP. `cut` is
/// how many bytes of the frame the capture did not keep. Inlined so that the decoded frame
/// is built where `decode` returns it, not copied there.
#[inline(always)]
fn decode_ip<'a>(
    frame: &RawFrame<'_>,
    cut: u32,
    link: LinkInfo,
    packet: &LaxSlicedPacket<'a>,
    fragments: Option<&'a mut Reassembler>,
) -> Decoded<'a> {
    let Some(LaxNetSlice::Ipv4(ipv4)) = &packet.net else {
        return Decoded::Other;
    };
    let ip_payload = ipv4.payload();
    if ip_payload.ip_number != IpNumber::UDP {
        return Decoded::Other;
    }
    let header = ipv4.header();
    let (src_ip, dst_ip) = (header.source_addr(), header.destination_addr());

    let mut warnings = FrameWarnings::new();
    let total_len = header.total_len();
    let header_len = header.slice().len();
    if usize::from(total_len) < header_len {
        // etherparse then takes the rest of the frame as the payload.
        warnings.push(FrameWarning::IpTotalLengthBelowHeader {
            total_len,
            header_len: header_len as u16,
        });
    }
    if ip_payload.incomplete {
        let present = header_len + ip_payload.payload.len();
        warnings.push(if cut > 0 {
            FrameWarning::SnaplenCut {
                captured: frame.data.len() as u32,
                orig_len: frame.orig_len,
            }
        } else {
            FrameWarning::IpPayloadMissing {
                total_len,
                present: present as u32,
            }
        });
    }

    if ip_payload.fragmented {
        if ip_payload.incomplete {
            // A cut fragment can never complete a datagram: do not hold it. The first one
            // still starts with the UDP header and the DHCP header: decode what it holds,
            // as for any frame cut by a snaplen (Wireshark does the same).
            if header.fragments_offset().value() == 0 {
                warnings.push(FrameWarning::FirstFragmentCut);
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
        let Some(fragments) = fragments else {
            return Decoded::Fragment;
        };
        let key = FragmentKey {
            src: src_ip,
            dst: dst_ip,
            id: header.identification(),
            protocol: ip_payload.ip_number.0,
        };
        let offset = usize::from(header.fragments_offset().byte_offset());
        let more = header.more_fragments();
        return match fragments.add(key, offset, more, ip_payload.payload, frame.ts) {
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
/// payloads that are not IP (by the link header's own protocol field). Encrypted 802.11
/// data frames are counted in `protected_frames`. Inlined: it returns a large sliced packet
/// that would otherwise be copied on the per-frame path.
#[inline(always)]
fn slice_link<'a>(
    link: u16,
    data: &'a [u8],
    protected_frames: &mut u64,
) -> Option<(LinkInfo, LaxSlicedPacket<'a>)> {
    match link {
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
            cooked(src_mac, None, protocol, data.get(SLL_HEADER_LEN..)?)
        }
        linktype::LINUX_SLL2 => {
            // protocol, reserved, ifindex, ARPHRD, packet type, address length, address (8).
            let protocol = be_u16(data, 0)?;
            let halen = *data.get(11)?;
            let src_mac = if halen == 6 { mac_at(data, 12) } else { None };
            cooked(src_mac, None, protocol, data.get(SLL2_HEADER_LEN..)?)
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
        linktype::IEEE802_11 | linktype::IEEE802_11_RADIOTAP | linktype::PPI => {
            wlan_link(wlan::from_link(link, data), protected_frames)
        }
        _ => None,
    }
}

fn wlan_link<'a>(
    payload: wlan::Payload<'a>,
    protected_frames: &mut u64,
) -> Option<(LinkInfo, LaxSlicedPacket<'a>)> {
    match payload {
        wlan::Payload::Data {
            src_mac,
            dst_mac,
            ethertype,
            payload,
        } => cooked(Some(src_mac), Some(dst_mac), ethertype, payload),
        wlan::Payload::Protected => {
            *protected_frames += 1;
            None
        }
        wlan::Payload::Nothing => None,
    }
}

/// A payload named by an EtherType (Linux cooked capture, 802.11 LLC/SNAP); VLAN tags may
/// follow.
fn cooked<'a>(
    src_mac: Option<[u8; 6]>,
    dst_mac: Option<[u8; 6]>,
    protocol: u16,
    payload: &'a [u8],
) -> Option<(LinkInfo, LaxSlicedPacket<'a>)> {
    let packet = LaxSlicedPacket::from_ether_type(EtherType(protocol), payload);
    if !carries_ipv4(&packet) {
        return None;
    }
    let mut link = vlans_of(&packet);
    link.src_mac = src_mac;
    link.dst_mac = dst_mac;
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
    mut warnings: FrameWarnings,
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
    let whole = if usize::from(udp_len) < UDP_HEADER_LEN {
        warnings.push(FrameWarning::UdpLengthBelowHeader { udp_len });
        None
    } else if usize::from(udp_len) > datagram.len() {
        if ip_complete {
            warnings.push(FrameWarning::UdpLengthBeyondPayload {
                udp_len,
                available: datagram.len() as u32,
            });
        }
        None
    } else {
        // Shorter than the IPv4 payload is fine (trailing bytes are not UDP's).
        datagram.get(..usize::from(udp_len))
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
        tunnel: None,
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

#[cfg(test)]
#[allow(clippy::indexing_slicing)]
mod tests {
    use super::*;
    use crate::source::FileSource;
    use etherparse::{LinuxSllPacketType, PacketBuilder, VlanId};
    use proptest::prelude::*;

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

    // ----- 802.11 and CAPWAP -----

    const AP_MAC: [u8; 6] = [0x02, 0xAA, 0, 0, 0, 0x01];

    /// An 802.11 data frame (To DS: station → AP) carrying `ip` behind LLC/SNAP. `qos` adds
    /// a QoS Control field, `protected` sets the Protected bit.
    fn wifi(ip: &[u8], qos: bool, protected: bool) -> Vec<u8> {
        let subtype = if qos { 0x88 } else { 0x08 };
        let flags = 0x01 | if protected { 0x40 } else { 0 };
        let mut f = vec![subtype, flags, 0x2c, 0x00];
        f.extend(AP_MAC); // addr1: BSSID (receiver)
        f.extend(CLIENT_MAC); // addr2: source
        f.extend(BROADCAST_MAC); // addr3: destination
        f.extend([0x10, 0x00]); // sequence control
        if qos {
            f.extend([0x00, 0x00]);
        }
        f.extend([0xAA, 0xAA, 0x03, 0, 0, 0, 0x08, 0x00]);
        f.extend(ip);
        f
    }

    fn radiotap(flags: u8, frame: &[u8]) -> Vec<u8> {
        // present: TSFT (bit 0) and Flags (bit 1); TSFT 8-aligned at offset 8.
        let mut r = vec![0, 0, 18, 0, 0x03, 0, 0, 0];
        r.extend([0x11; 8]);
        r.push(flags);
        r.push(0); // padding to the 18-byte header
        r.extend(frame);
        r
    }

    fn ppi(common_flags: Option<u16>, frame: &[u8]) -> Vec<u8> {
        let mut fields = Vec::new();
        if let Some(flags) = common_flags {
            fields.extend(2u16.to_le_bytes());
            fields.extend(20u16.to_le_bytes());
            let mut common = [0u8; 20];
            common[8..10].copy_from_slice(&flags.to_le_bytes());
            fields.extend(common);
        }
        let mut p = vec![0, 0];
        p.extend(((8 + fields.len()) as u16).to_le_bytes());
        p.extend(105u32.to_le_bytes());
        p.extend(fields);
        p.extend(frame);
        p
    }

    fn assert_wifi_udp(udp: &UdpFrame<'_>, body: &[u8]) {
        assert_plain_udp(udp, body);
        assert_eq!(udp.src_mac, Some(CLIENT_MAC));
        assert_eq!(udp.dst_mac, Some(BROADCAST_MAC));
    }

    #[test]
    fn ieee80211_data_frames() {
        let body = payload(300);
        let ip = ip_udp(&body);
        let mut decoder = FrameDecoder::new();
        for qos in [false, true] {
            let frame = wifi(&ip, qos, false);
            assert_wifi_udp(
                &expect_udp(decoder.decode(&raw(linktype::IEEE802_11, &frame))),
                &body,
            );
            // Radiotap without and with FCS at the end (the 4 bytes are not the frame's).
            let rt = radiotap(0, &frame);
            assert_wifi_udp(
                &expect_udp(decoder.decode(&raw(linktype::IEEE802_11_RADIOTAP, &rt))),
                &body,
            );
            let mut with_fcs = frame.clone();
            with_fcs.extend([1, 2, 3, 4]);
            let rt = radiotap(0x10, &with_fcs);
            assert_wifi_udp(
                &expect_udp(decoder.decode(&raw(linktype::IEEE802_11_RADIOTAP, &rt))),
                &body,
            );
            for flags in [None, Some(0x0001)] {
                let framed = if flags.is_some() { &with_fcs } else { &frame };
                let p = ppi(flags, framed);
                assert_wifi_udp(&expect_udp(decoder.decode(&raw(linktype::PPI, &p))), &body);
            }
        }
        // Radiotap data padding: a QoS header (26 bytes) padded to 28.
        let frame = wifi(&ip, true, false);
        let padded = [&frame[..26], &[0, 0], &frame[26..]].concat();
        let rt = radiotap(0x20, &padded);
        assert_wifi_udp(
            &expect_udp(decoder.decode(&raw(linktype::IEEE802_11_RADIOTAP, &rt))),
            &body,
        );
        assert_eq!(decoder.protected_frames(), 0);
    }

    #[test]
    fn ieee80211_addresses_follow_the_ds_bits() {
        let body = payload(20);
        let ip = ip_udp(&body);
        let mut decoder = FrameDecoder::new();
        // From DS (AP → station): addr1 = destination, addr3 = source.
        let mut frame = wifi(&ip, false, false);
        frame[1] = 0x02;
        frame[4..10].copy_from_slice(&CLIENT_MAC);
        frame[10..16].copy_from_slice(&AP_MAC);
        frame[16..22].copy_from_slice(&[0x02, 0x53, 0, 0, 0, 1]);
        let udp = expect_udp(decoder.decode(&raw(linktype::IEEE802_11, &frame)));
        assert_eq!(udp.src_mac, Some([0x02, 0x53, 0, 0, 0, 1]));
        assert_eq!(udp.dst_mac, Some(CLIENT_MAC));
        // Both DS bits (WDS): a fourth address is the source.
        let mut wds = wifi(&ip, false, false);
        wds[1] = 0x03;
        wds.splice(24..24, [0x02, 0x44, 0, 0, 0, 4]);
        let udp = expect_udp(decoder.decode(&raw(linktype::IEEE802_11, &wds)));
        assert_eq!(udp.src_mac, Some([0x02, 0x44, 0, 0, 0, 4]));
        assert_eq!(udp.dst_mac, Some(BROADCAST_MAC));
    }

    #[test]
    fn ieee80211_frames_we_cannot_read() {
        let ip = ip_udp(&payload(20));
        let mut decoder = FrameDecoder::new();
        let encrypted = wifi(&ip, false, true);
        for _ in 0..3 {
            assert!(matches!(
                decoder.decode(&raw(linktype::IEEE802_11, &encrypted)),
                Decoded::Other
            ));
        }
        assert_eq!(decoder.protected_frames(), 3);
        let mut beacon = wifi(&ip, false, false);
        beacon[0] = 0x80; // management: beacon
        let mut null = wifi(&ip, false, false);
        null[0] = 0x48; // null function (no data)
        let mut no_snap = wifi(&ip, false, false);
        no_snap[24] = 0x42;
        let mut amsdu = wifi(&ip, true, false);
        amsdu[24] = 0x80;
        for frame in [beacon, null, no_snap, amsdu, vec![0x08]] {
            assert!(matches!(
                decoder.decode(&raw(linktype::IEEE802_11, &frame)),
                Decoded::Other
            ));
        }
        assert_eq!(decoder.protected_frames(), 3);
    }

    /// An Ethernet/IPv4/UDP frame from an access point (10.9.0.2) to its controller
    /// (10.9.0.1), port 5247, whose payload is a CAPWAP header (`t`: 802.11 payload) and
    /// `inner`.
    fn capwap(t: bool, inner: &[u8]) -> Vec<u8> {
        // HLEN 2 words (8 bytes), RID 1, WBID 1, T as given.
        let word: u32 = (2 << 19) | (1 << 14) | (1 << 9) | if t { 1 << 8 } else { 0 };
        let mut payload = word.to_be_bytes().to_vec();
        payload.extend([0; 4]);
        payload.extend(inner);
        let mut frame = Vec::new();
        PacketBuilder::ethernet2(AP_MAC, [0x02, 0xCC, 0, 0, 0, 1])
            .ipv4([10, 9, 0, 2], [10, 9, 0, 1], 64)
            .udp(40000, 5247)
            .write(&mut frame, &payload)
            .unwrap();
        frame
    }

    #[test]
    fn capwap_data_tunnels_are_unwrapped() {
        let body = payload(300);
        let ip = ip_udp(&body);
        let mut decoder = FrameDecoder::new();
        let tunnel = Some(Tunnel {
            src_ip: Ipv4Addr::new(10, 9, 0, 2),
            dst_ip: Ipv4Addr::new(10, 9, 0, 1),
            src_port: 40000,
            dst_port: 5247,
        });
        // 802.3 inside (T clear).
        let mut eth = Vec::new();
        PacketBuilder::ethernet2(CLIENT_MAC, BROADCAST_MAC)
            .ipv4(CLIENT_IP, SERVER_IP, 64)
            .udp(68, 67)
            .write(&mut eth, &body)
            .unwrap();
        let frame = capwap(false, &eth);
        let udp = expect_udp(decoder.decode(&raw(linktype::ETHERNET, &frame)));
        assert_plain_udp(&udp, &body);
        assert_eq!(udp.src_mac, Some(CLIENT_MAC));
        assert_eq!(udp.tunnel, tunnel);
        // 802.11 inside, Frame Control swapped (Cisco) or as the standard stores it.
        let wifi_frame = wifi(&ip, false, false);
        let mut swapped = wifi_frame.clone();
        swapped.swap(0, 1);
        for inner in [&swapped, &wifi_frame] {
            let frame = capwap(true, inner);
            let udp = expect_udp(decoder.decode(&raw(linktype::ETHERNET, &frame)));
            assert_wifi_udp(&udp, &body);
            assert_eq!(udp.tunnel, tunnel);
        }
        // Encrypted 802.11 inside: counted, nothing decoded.
        let frame = capwap(true, &wifi(&ip, false, true));
        assert!(matches!(
            decoder.decode(&raw(linktype::ETHERNET, &frame)),
            Decoded::Other
        ));
        assert_eq!(decoder.protected_frames(), 1);
        // A DHCP message quoted in an ICMP error is not DHCP.
        let mut icmp = Vec::new();
        PacketBuilder::ethernet2(CLIENT_MAC, BROADCAST_MAC)
            .ipv4(SERVER_IP, CLIENT_IP, 64)
            .icmpv4_raw(3, 3, [0; 4])
            .write(&mut icmp, &ip)
            .unwrap();
        assert!(matches!(
            decoder.decode(&raw(linktype::ETHERNET, &icmp)),
            Decoded::Other
        ));
    }

    #[test]
    fn cut_capwap_frames_warn_once() {
        let body = payload(300);
        let frame = capwap(true, &wifi(&ip_udp(&body), false, false));
        let cut = &frame[..frame.len() - 100];
        let mut decoder = FrameDecoder::new();
        let udp = expect_udp(decoder.decode(&RawFrame {
            orig_len: frame.len() as u32,
            ..raw(linktype::ETHERNET, cut)
        }));
        assert_eq!(udp.payload, &body[..200]);
        assert_eq!(
            udp.warnings.as_slice(),
            [FrameWarning::SnaplenCut {
                captured: cut.len() as u32,
                orig_len: frame.len() as u32
            }]
        );
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
            udp.warnings.as_slice(),
            [FrameWarning::SnaplenCut {
                captured: 280,
                orig_len: full_len
            }]
        );
        assert_eq!(
            udp.warnings.as_slice()[0].to_string(),
            format!("frame cut by snaplen: 280 of {full_len} bytes captured")
        );
        // Cut without the record saying so: the IPv4 length tells.
        let udp = expect_udp(decoder.decode(&raw(linktype::ETHERNET, cut)));
        assert_eq!(
            udp.warnings.as_slice(),
            [FrameWarning::IpPayloadMissing {
                total_len: (full_len - 14) as u16,
                present: 266
            }]
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
            udp.warnings.as_slice(),
            [FrameWarning::UdpLengthBeyondPayload {
                udp_len: 500,
                available: 48
            }]
        );
        ip[20 + 4..20 + 6].copy_from_slice(&3u16.to_be_bytes());
        let udp = expect_udp(decoder.decode(&raw(linktype::RAW, &ip)));
        assert_eq!(udp.payload, body);
        assert_eq!(
            udp.warnings.as_slice(),
            [FrameWarning::UdpLengthBelowHeader { udp_len: 3 }]
        );
        assert_eq!(
            udp.warnings.as_slice()[0].to_string(),
            "UDP length 3 is less than the 8-byte header"
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
            udp.warnings.as_slice(),
            [FrameWarning::IpTotalLengthBelowHeader {
                total_len: 10,
                header_len: 20
            }]
        );
        assert_eq!(
            udp.warnings.as_slice()[0].to_string(),
            "IPv4 total length 10 is shorter than its 20-byte header"
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
            udp.warnings.as_slice(),
            [
                FrameWarning::SnaplenCut {
                    captured: 100,
                    orig_len: parts[0].len() as u32
                },
                FrameWarning::FirstFragmentCut,
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

    /// Fragments without a time (pcapng Simple Packet Blocks) still reassemble, and neither
    /// expire others nor are expired by a later timed fragment.
    #[test]
    fn fragments_with_unknown_times() {
        let body = payload(1500);
        let parts = fragments(4, &udp_datagram(&body), 800);
        let unknown = |ip| RawFrame {
            ts: Timestamp::UNKNOWN,
            ..raw(linktype::RAW, ip)
        };
        let mut decoder = FrameDecoder::new();
        decoder.decode(&at(100, &parts[0]));
        let other = fragment(9, 0, true, &[0; 8]);
        decoder.decode(&unknown(&other));
        assert_eq!(decoder.pending_datagrams(), 2);
        let udp = expect_udp(decoder.decode(&unknown(&parts[1])));
        assert_eq!(udp.payload, body);
        // A timed fragment long after: the untimed datagram stays.
        decoder.decode(&at(1_000, &fragment(10, 0, true, &[0; 8])));
        assert_eq!(decoder.pending_datagrams(), 2);
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

    const LINK_TYPES: [u16; 13] = [0, 1, 12, 14, 101, 105, 108, 113, 127, 192, 228, 276, 999];

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
                105 => wifi(&ip, true, false),
                127 => radiotap(0x30, &wifi(&ip, true, false)),
                192 => ppi(Some(3), &wifi(&ip, false, false)),
                // Ethernet in CAPWAP in Ethernet.
                999 => capwap(true, &wifi(&ip, false, false)),
                _ => ip,
            };
            for (index, byte) in edits {
                let i = index.index(data.len());
                data[i] = byte;
            }
            data.truncate(keep.index(data.len() + 1));
            let link = if link == 999 { linktype::ETHERNET } else { link };
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
        let path = crate::source::shared_public_capture(name)?;
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
