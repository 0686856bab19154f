//! The IPv6 side of the frame layer: link header (Ethernet with VLAN tags, SLL, SLL2, raw IP,
//! NULL/LOOP), the IPv6 header and its extension headers, then UDP on the DHCPv6 ports
//! (546/547) or ICMPv6 router solicitations and advertisements (133/134). Everything else is
//! `None`. Like [`crate::frame`], it decodes cut or inconsistent frames as far as the bytes go
//! and says what was odd; it allocates nothing on the common path.
//!
//! Kept apart from the IPv4 decoder on purpose: IPv6 frames are few in a DHCP capture, and a
//! separate function leaves the IPv4 hot path untouched. Not decoded here: tunnels (PPPoE,
//! L2TP, CAPWAP), IPv6 fragment reassembly (a first fragment is decoded alone, with a warning).

#![deny(clippy::indexing_slicing)]

use crate::frame::{FrameWarning, FrameWarnings, UdpChecksum, Vlans};
use crate::source::{RawFrame, linktype};
use std::net::Ipv6Addr;

/// UDP port DHCPv6 clients listen on.
pub const CLIENT_PORT: u16 = 546;
/// UDP port DHCPv6 servers and relays listen on.
pub const SERVER_PORT: u16 = 547;
/// LINKTYPE_IPV6.
pub const LINKTYPE_IPV6: u16 = 229;

const ETHERTYPE_IPV6: u16 = 0x86dd;
const IPV6_HEADER_LEN: usize = 40;
const HOP_BY_HOP: u8 = 0;
const ROUTING: u8 = 43;
const FRAGMENT: u8 = 44;
const DEST_OPTS: u8 = 60;
const AUTH: u8 = 51;
const UDP: u8 = 17;
const ICMPV6: u8 = 58;
/// Extension headers walked at most (a chain of hundreds is itself the anomaly).
const MAX_EXT_HEADERS: usize = 16;

/// Which IPv6 extension headers came before the payload (RA-Guard evasion uses them, RFC 7113).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ExtHeaders {
    pub hop_by_hop: bool,
    pub routing: bool,
    pub fragment: bool,
    pub dest_opts: bool,
    pub auth: bool,
}

impl ExtHeaders {
    pub fn any(&self) -> bool {
        self.hop_by_hop || self.routing || self.fragment || self.dest_opts || self.auth
    }

    /// Names of the headers present, for display.
    pub fn names(&self) -> Vec<&'static str> {
        [
            (self.hop_by_hop, "hop-by-hop"),
            (self.routing, "routing"),
            (self.fragment, "fragment"),
            (self.dest_opts, "destination options"),
            (self.auth, "authentication"),
        ]
        .into_iter()
        .filter_map(|(on, n)| on.then_some(n))
        .collect()
    }
}

/// What is above IPv6.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ip6Body<'a> {
    /// UDP on port 546 or 547: the payload is a DHCPv6 message.
    Udp {
        src_port: u16,
        dst_port: u16,
        payload: &'a [u8],
        checksum: UdpChecksum,
    },
    /// ICMPv6 type 133 or 134: the whole ICMPv6 message.
    Icmp {
        message: &'a [u8],
        /// Checksum verified over the pseudo-header (`None`: cut, cannot check).
        checksum_ok: Option<bool>,
    },
}

/// A DHCPv6 or router-discovery frame with what the layers below said.
#[derive(Debug, Clone)]
pub struct Ip6Frame<'a> {
    pub src_mac: Option<[u8; 6]>,
    pub dst_mac: Option<[u8; 6]>,
    pub vlans: Vlans,
    pub src_ip: Ipv6Addr,
    pub dst_ip: Ipv6Addr,
    pub hop_limit: u8,
    pub ext_headers: ExtHeaders,
    pub body: Ip6Body<'a>,
    /// Anomalies below DHCPv6/ICMPv6.
    pub warnings: FrameWarnings,
}

struct Link {
    src_mac: Option<[u8; 6]>,
    dst_mac: Option<[u8; 6]>,
    vlans: Vlans,
}

fn be16(b: &[u8], at: usize) -> Option<u16> {
    match b.get(at..at.checked_add(2)?)? {
        &[x, y] => Some(u16::from_be_bytes([x, y])),
        _ => None,
    }
}

fn mac_at(b: &[u8], at: usize) -> Option<[u8; 6]> {
    b.get(at..at.checked_add(6)?)?.try_into().ok()
}

/// Strips the link header; returns the IPv6 packet when the link says IPv6.
fn ipv6_of_link<'a>(frame: &RawFrame<'a>) -> Option<(Link, &'a [u8])> {
    let data = frame.data;
    let mut link = Link {
        src_mac: None,
        dst_mac: None,
        vlans: Vlans::default(),
    };
    let ethertype_payload = |mut ethertype: u16, mut rest: &'a [u8], link: &mut Link| {
        // VLAN tags (802.1Q, 802.1ad, the old QinQ 0x9100), at most a few.
        for _ in 0..4 {
            if !matches!(ethertype, 0x8100 | 0x88a8 | 0x9100) {
                break;
            }
            let tci = be16(rest, 0)?;
            link.vlans.push(tci & 0x0fff);
            ethertype = be16(rest, 2)?;
            rest = rest.get(4..)?;
        }
        (ethertype == ETHERTYPE_IPV6).then_some(rest)
    };
    let ip = match frame.linktype {
        linktype::ETHERNET => {
            link.dst_mac = mac_at(data, 0);
            link.src_mac = mac_at(data, 6);
            ethertype_payload(be16(data, 12)?, data.get(14..)?, &mut link)?
        }
        linktype::LINUX_SLL => {
            if be16(data, 4)? == 6 {
                link.src_mac = mac_at(data, 6);
            }
            ethertype_payload(be16(data, 14)?, data.get(16..)?, &mut link)?
        }
        linktype::LINUX_SLL2 => {
            if *data.get(11)? == 6 {
                link.src_mac = mac_at(data, 12);
            }
            ethertype_payload(be16(data, 0)?, data.get(20..)?, &mut link)?
        }
        linktype::RAW | LINKTYPE_IPV6 | 12 | 14 => data,
        // AF_INET6 is 10 on Linux, 24/28/30 on the BSDs and macOS, in the writer's byte order.
        linktype::NULL | linktype::LOOP => match data.get(..4)? {
            [a, 0, 0, 0] | [0, 0, 0, a] if matches!(a, 10 | 24 | 28 | 30) => data.get(4..)?,
            _ => return None,
        },
        _ => return None,
    };
    (ip.first()? >> 4 == 6).then_some((link, ip))
}

/// Decodes a frame that carries DHCPv6 (UDP 546/547) or an ICMPv6 RS/RA over IPv6; `None`
/// for anything else.
pub fn decode<'a>(frame: &RawFrame<'a>) -> Option<Ip6Frame<'a>> {
    let (link, ip) = ipv6_of_link(frame)?;
    let mut warnings = FrameWarnings::new();
    let src_ip = Ipv6Addr::from(<[u8; 16]>::try_from(ip.get(8..24)?).ok()?);
    let dst_ip = Ipv6Addr::from(<[u8; 16]>::try_from(ip.get(24..40)?).ok()?);
    let hop_limit = *ip.get(7)?;
    let payload_len = usize::from(be16(ip, 4)?);
    let after_header = ip.get(IPV6_HEADER_LEN..).unwrap_or_default();
    // A jumbogram (payload length 0 with hop-by-hop) or padding: use what is there.
    let ip_payload = if payload_len == 0 || payload_len > after_header.len() {
        if payload_len > after_header.len() {
            warnings.push(cut_warning(frame, after_header.len(), payload_len));
        }
        after_header
    } else {
        after_header.get(..payload_len).unwrap_or(after_header)
    };
    let complete = payload_len != 0 && payload_len <= after_header.len();
    let mut next = *ip.get(6)?;
    let mut rest = ip_payload;
    let mut ext = ExtHeaders::default();
    for _ in 0..MAX_EXT_HEADERS {
        let len = match next {
            HOP_BY_HOP | ROUTING | DEST_OPTS => {
                match next {
                    HOP_BY_HOP => ext.hop_by_hop = true,
                    ROUTING => ext.routing = true,
                    _ => ext.dest_opts = true,
                }
                (usize::from(*rest.get(1)?) + 1) * 8
            }
            AUTH => {
                ext.auth = true;
                (usize::from(*rest.get(1)?) + 2) * 4
            }
            FRAGMENT => {
                ext.fragment = true;
                let offset_flags = be16(rest, 2)?;
                if offset_flags & 0xfff8 != 0 {
                    // A later fragment: no upper-layer header in it.
                    return None;
                }
                if offset_flags & 1 != 0 {
                    warnings.push(FrameWarning::Ipv6FirstFragment);
                }
                8
            }
            _ => break,
        };
        next = *rest.first()?;
        rest = rest.get(len..)?;
    }
    let body = match next {
        UDP => {
            let src_port = be16(rest, 0)?;
            let dst_port = be16(rest, 2)?;
            if !matches!(src_port, CLIENT_PORT | SERVER_PORT)
                && !matches!(dst_port, CLIENT_PORT | SERVER_PORT)
            {
                return None;
            }
            let wire_len = be16(rest, 4)?;
            let udp_len = usize::from(wire_len);
            let stored = be16(rest, 6)?;
            let whole = if udp_len < 8 {
                warnings.push(FrameWarning::UdpLengthBelowHeader { udp_len: wire_len });
                None
            } else if udp_len > rest.len() {
                if complete {
                    warnings.push(FrameWarning::UdpLengthBeyondIpv6Payload {
                        udp_len: wire_len,
                        available: u32::try_from(rest.len()).unwrap_or(u32::MAX),
                    });
                }
                None
            } else {
                rest.get(..udp_len)
            };
            let payload = whole
                .and_then(|w| w.get(8..))
                .or_else(|| rest.get(8..))
                .unwrap_or_default();
            let checksum = match whole {
                // A zero checksum is not allowed over IPv6 (RFC 8200 §8.1).
                _ if stored == 0 => UdpChecksum::Absent,
                Some(w) if checksum(src_ip, dst_ip, UDP, w) == 0 => UdpChecksum::Good,
                Some(_) => UdpChecksum::Bad,
                None => UdpChecksum::Unverified,
            };
            Ip6Body::Udp {
                src_port,
                dst_port,
                payload,
                checksum,
            }
        }
        ICMPV6 => {
            if !matches!(rest.first(), Some(133 | 134)) {
                return None;
            }
            let checksum_ok = complete.then(|| checksum(src_ip, dst_ip, ICMPV6, rest) == 0);
            Ip6Body::Icmp {
                message: rest,
                checksum_ok,
            }
        }
        _ => return None,
    };
    Some(Ip6Frame {
        src_mac: link.src_mac,
        dst_mac: link.dst_mac,
        vlans: link.vlans,
        src_ip,
        dst_ip,
        hop_limit,
        ext_headers: ext,
        body,
        warnings,
    })
}

fn cut_warning(frame: &RawFrame<'_>, present: usize, payload_len: usize) -> FrameWarning {
    let captured = u32::try_from(frame.data.len()).unwrap_or(u32::MAX);
    if captured < frame.orig_len {
        FrameWarning::SnaplenCut {
            captured,
            orig_len: frame.orig_len,
        }
    } else {
        FrameWarning::Ipv6PayloadMissing {
            payload_len: u16::try_from(payload_len).unwrap_or(u16::MAX),
            present: u32::try_from(present).unwrap_or(u32::MAX),
        }
    }
}

/// The ones' complement checksum over the IPv6 pseudo-header and `upper` (checksum field
/// included): 0 when the stored checksum is right.
pub fn checksum(src: Ipv6Addr, dst: Ipv6Addr, next_header: u8, upper: &[u8]) -> u16 {
    let mut sum: u64 = 0;
    for chunk in src
        .octets()
        .chunks_exact(4)
        .chain(dst.octets().chunks_exact(4))
    {
        sum += u64::from(u32::from_be_bytes(chunk.try_into().unwrap_or_default()));
    }
    sum += upper.len() as u64 + u64::from(next_header);
    let mut words = upper.chunks_exact(4);
    for w in &mut words {
        sum += u64::from(u32::from_be_bytes(w.try_into().unwrap_or_default()));
    }
    let mut tail = [0u8; 4];
    for (slot, b) in tail.iter_mut().zip(words.remainder()) {
        *slot = *b;
    }
    sum += u64::from(u32::from_be_bytes(tail));
    while sum > 0xffff {
        sum = (sum & 0xffff) + (sum >> 16);
    }
    !(sum as u16)
}

/// Builds an Ethernet + IPv6 frame around an upper-layer message (tests, probes, synthetic
/// captures); the UDP or ICMPv6 checksum is computed.
pub fn build_frame(
    src_mac: [u8; 6],
    dst_mac: [u8; 6],
    src: Ipv6Addr,
    dst: Ipv6Addr,
    hop_limit: u8,
    body: FrameBody<'_>,
) -> Vec<u8> {
    let (next, mut upper) = match body {
        FrameBody::Udp {
            src_port,
            dst_port,
            payload,
        } => {
            let mut u = Vec::with_capacity(8 + payload.len());
            u.extend_from_slice(&src_port.to_be_bytes());
            u.extend_from_slice(&dst_port.to_be_bytes());
            u.extend_from_slice(&((8 + payload.len()) as u16).to_be_bytes());
            u.extend_from_slice(&[0, 0]);
            u.extend_from_slice(payload);
            (UDP, u)
        }
        FrameBody::Icmp(message) => (ICMPV6, message.to_vec()),
    };
    let at = if next == UDP { 6 } else { 2 };
    if let Some(c) = upper.get_mut(at..at + 2) {
        c.copy_from_slice(&[0, 0]);
    }
    let sum = checksum(src, dst, next, &upper);
    // A computed 0 is sent as 0xffff for UDP (RFC 8200 §8.1).
    let sum = if sum == 0 && next == UDP { 0xffff } else { sum };
    if let Some(c) = upper.get_mut(at..at + 2) {
        c.copy_from_slice(&sum.to_be_bytes());
    }
    let mut f = Vec::with_capacity(54 + upper.len());
    f.extend_from_slice(&dst_mac);
    f.extend_from_slice(&src_mac);
    f.extend_from_slice(&ETHERTYPE_IPV6.to_be_bytes());
    f.extend_from_slice(&[0x60, 0, 0, 0]);
    f.extend_from_slice(&(upper.len() as u16).to_be_bytes());
    f.push(next);
    f.push(hop_limit);
    f.extend_from_slice(&src.octets());
    f.extend_from_slice(&dst.octets());
    f.extend_from_slice(&upper);
    f
}

/// What [`build_frame`] wraps.
#[derive(Debug, Clone, Copy)]
pub enum FrameBody<'a> {
    Udp {
        src_port: u16,
        dst_port: u16,
        payload: &'a [u8],
    },
    Icmp(&'a [u8]),
}

/// Multicast MAC of an IPv6 multicast group (RFC 2464 §7): 33:33 + the low 32 bits.
pub fn multicast_mac(group: Ipv6Addr) -> [u8; 6] {
    let o = group.octets();
    [0x33, 0x33, o[12], o[13], o[14], o[15]]
}

#[cfg(test)]
#[allow(clippy::indexing_slicing)]
mod tests {
    use super::*;
    use crate::dhcpv6::ra::RouterBuilder;
    use crate::time::Timestamp;

    fn raw(linktype: u16, data: &[u8]) -> RawFrame<'_> {
        RawFrame {
            number: 1,
            ts: Timestamp::new(0, 0),
            ts_digits: 6,
            linktype,
            orig_len: data.len() as u32,
            data,
        }
    }

    const MAC: [u8; 6] = [2, 0, 0, 0, 0, 1];

    fn solicit_frame() -> Vec<u8> {
        let src: Ipv6Addr = "fe80::1".parse().unwrap();
        let dst: Ipv6Addr = "ff02::1:2".parse().unwrap();
        build_frame(
            MAC,
            multicast_mac(dst),
            src,
            dst,
            1,
            FrameBody::Udp {
                src_port: 546,
                dst_port: 547,
                payload: &[1, 0, 0, 7],
            },
        )
    }

    #[test]
    fn ethernet_udp_on_dhcpv6_ports() {
        let f = solicit_frame();
        let d = decode(&raw(linktype::ETHERNET, &f)).expect("DHCPv6");
        assert_eq!(d.src_mac, Some(MAC));
        assert_eq!(d.dst_mac, Some([0x33, 0x33, 0, 1, 0, 2]));
        assert_eq!(d.src_ip, "fe80::1".parse::<Ipv6Addr>().unwrap());
        assert_eq!(d.hop_limit, 1);
        assert_eq!(
            d.body,
            Ip6Body::Udp {
                src_port: 546,
                dst_port: 547,
                payload: &[1, 0, 0, 7],
                checksum: UdpChecksum::Good
            }
        );
        assert!(d.warnings.is_empty());
        // Corrupt one payload byte: the checksum says so.
        let mut bad = f.clone();
        *bad.last_mut().unwrap() ^= 1;
        assert!(matches!(
            decode(&raw(linktype::ETHERNET, &bad)).unwrap().body,
            Ip6Body::Udp {
                checksum: UdpChecksum::Bad,
                ..
            }
        ));
        // Raw IPv6 link type, and SLL.
        assert!(decode(&raw(LINKTYPE_IPV6, &f[14..])).is_some());
        let mut sll = vec![0, 0, 0, 1, 0, 6];
        sll.extend_from_slice(&MAC);
        sll.extend_from_slice(&[0, 0, 0x86, 0xdd]);
        sll.extend_from_slice(&f[14..]);
        assert_eq!(
            decode(&raw(linktype::LINUX_SLL, &sll)).unwrap().src_mac,
            Some(MAC)
        );
        // Other ports are not ours.
        let mut other = f.clone();
        other[54..58].copy_from_slice(&[0, 53, 0, 53]);
        assert!(decode(&raw(linktype::ETHERNET, &other)).is_none());
    }

    #[test]
    fn vlan_tagged_and_cut_frames() {
        let f = solicit_frame();
        let mut tagged = f[..12].to_vec();
        tagged.extend_from_slice(&[0x81, 0, 0, 42]);
        tagged.extend_from_slice(&f[12..]);
        let d = decode(&raw(linktype::ETHERNET, &tagged)).unwrap();
        assert_eq!(d.vlans.as_slice(), &[42]);
        let cut = &f[..f.len() - 2];
        let mut frame = raw(linktype::ETHERNET, cut);
        frame.orig_len = f.len() as u32;
        let d = decode(&frame).unwrap();
        assert!(matches!(
            d.body,
            Ip6Body::Udp {
                payload: &[1, 0],
                checksum: UdpChecksum::Unverified,
                ..
            }
        ));
        assert_eq!(
            d.warnings.as_slice(),
            [FrameWarning::SnaplenCut {
                captured: 64,
                orig_len: 66
            }]
        );
        assert_eq!(
            d.warnings.as_slice()[0].to_string(),
            "frame cut by snaplen: 64 of 66 bytes captured"
        );
        for n in 0..f.len() {
            let _ = decode(&raw(linktype::ETHERNET, &f[..n]));
        }
    }

    #[test]
    fn router_advertisement_behind_extension_headers() {
        let src: Ipv6Addr = "fe80::1".parse().unwrap();
        let dst: Ipv6Addr = "ff02::1".parse().unwrap();
        let ra = RouterBuilder::advert(64, 0xc0, 1800).build(src, dst);
        let f = build_frame(MAC, multicast_mac(dst), src, dst, 255, FrameBody::Icmp(&ra));
        let d = decode(&raw(linktype::ETHERNET, &f)).unwrap();
        assert_eq!(
            d.body,
            Ip6Body::Icmp {
                message: &ra,
                checksum_ok: Some(true)
            }
        );
        assert!(!d.ext_headers.any());
        // Insert a hop-by-hop header (next header 58, length 0 → 8 bytes): RA-Guard evasion.
        let mut evasive = f[..54].to_vec();
        evasive[20] = 0; // next header: hop-by-hop
        let plen = u16::from_be_bytes([f[18], f[19]]) + 8;
        evasive[18..20].copy_from_slice(&plen.to_be_bytes());
        evasive.extend_from_slice(&[58, 0, 1, 4, 0, 0, 0, 0]);
        evasive.extend_from_slice(&ra);
        let d = decode(&raw(linktype::ETHERNET, &evasive)).unwrap();
        assert!(d.ext_headers.hop_by_hop);
        assert!(matches!(d.body, Ip6Body::Icmp { .. }));
        // A neighbour solicitation is not ours.
        let mut ns = ra.clone();
        ns[0] = 135;
        let f = build_frame(MAC, MAC, src, dst, 255, FrameBody::Icmp(&ns));
        assert!(decode(&raw(linktype::ETHERNET, &f)).is_none());
    }
}
