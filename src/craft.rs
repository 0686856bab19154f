//! Building whole frames (Ethernet, optional VLAN tags, IPv4, UDP) around a DHCP payload:
//! for the probes and for synthetic test captures.

use etherparse::PacketBuilder;
use std::net::Ipv4Addr;

/// Addresses and ports of one UDP datagram on Ethernet.
#[derive(Debug, Clone, Copy)]
pub struct UdpEndpoints {
    pub src_mac: [u8; 6],
    pub dst_mac: [u8; 6],
    pub src_ip: Ipv4Addr,
    pub dst_ip: Ipv4Addr,
    pub src_port: u16,
    pub dst_port: u16,
}

pub const BROADCAST_MAC: [u8; 6] = [0xff; 6];

impl UdpEndpoints {
    /// A client without an address broadcasting to servers: 0.0.0.0:68 → 255.255.255.255:67.
    pub fn client_broadcast(client_mac: [u8; 6]) -> Self {
        Self {
            src_mac: client_mac,
            dst_mac: BROADCAST_MAC,
            src_ip: Ipv4Addr::UNSPECIFIED,
            dst_ip: Ipv4Addr::BROADCAST,
            src_port: 68,
            dst_port: 67,
        }
    }

    /// A server replying: server:67 → `dst_ip`:68 to `dst_mac`.
    pub fn server_reply(
        server_mac: [u8; 6],
        server_ip: Ipv4Addr,
        dst_mac: [u8; 6],
        dst_ip: Ipv4Addr,
    ) -> Self {
        Self {
            src_mac: server_mac,
            dst_mac,
            src_ip: server_ip,
            dst_ip,
            src_port: 67,
            dst_port: 68,
        }
    }
}

/// Serializes an Ethernet II / IPv4 / UDP frame (checksums computed) with up to two VLAN tags
/// (outer first).
pub fn udp_frame(ends: &UdpEndpoints, vlans: &[u16], payload: &[u8]) -> Vec<u8> {
    use etherparse::VlanId;
    let id = |v: u16| VlanId::try_new(v & 0x0fff).unwrap_or(VlanId::ZERO);
    let eth = PacketBuilder::ethernet2(ends.src_mac, ends.dst_mac);
    let (src, dst) = (ends.src_ip.octets(), ends.dst_ip.octets());
    let builder = match *vlans {
        [] => eth.ipv4(src, dst, 64).udp(ends.src_port, ends.dst_port),
        [one] => eth
            .single_vlan(id(one))
            .ipv4(src, dst, 64)
            .udp(ends.src_port, ends.dst_port),
        [outer, inner, ..] => eth
            .double_vlan(id(outer), id(inner))
            .ipv4(src, dst, 64)
            .udp(ends.src_port, ends.dst_port),
    };
    let mut out = Vec::with_capacity(builder.size(payload.len()));
    // Writing into a Vec cannot fail for payloads under 64 KiB.
    let _ = builder.write(&mut out, payload);
    out
}
