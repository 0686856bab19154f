//! One captured reply, as the probe's decisions and its verdict read it.

use super::Mode;
use crate::dhcp::options::{self as opt, MessageType};
use crate::pipeline::Packet;
use crate::time::Timestamp;
use std::net::Ipv4Addr;

/// One reply, taken from the packet the shared read path decoded.
#[derive(Debug, Clone, PartialEq)]
pub struct ReplyInfo {
    /// The mode whose xid it answers (`None`: only the chaddr matched).
    pub mode: Option<Mode>,
    pub msg_type: Option<MessageType>,
    pub type_name: String,
    pub xid: u32,
    pub xid_matches: bool,
    pub chaddr_matches: bool,
    pub server_id: Option<Ipv4Addr>,
    pub src_mac: Option<[u8; 6]>,
    pub src_ip: Ipv4Addr,
    pub dst_ip: Ipv4Addr,
    pub vlans: Vec<u16>,
    pub yiaddr: Ipv4Addr,
    pub giaddr: Ipv4Addr,
    /// From the latest request of this xid sent before it.
    pub latency_ms: Option<f64>,
    pub lease_time: Option<u32>,
    pub subnet_mask: Option<Ipv4Addr>,
    pub routers: Vec<Ipv4Addr>,
    pub dns: Vec<Ipv4Addr>,
    pub ts: Timestamp,
    /// The capture's frame number.
    pub frame: u64,
}

impl ReplyInfo {
    /// The server: option 54, else the IP source (relays hide the source, not option 54).
    pub fn server(&self) -> Ipv4Addr {
        self.server_id.unwrap_or(self.src_ip)
    }

    pub fn is(&self, t: MessageType) -> bool {
        self.msg_type == Some(t)
    }

    /// The reply in `p`; `client_mac` is the probe's chaddr. The latency is filled in by
    /// the collector, which knows what was sent.
    pub fn from_packet(mode: Option<Mode>, p: &Packet<'_>, client_mac: [u8; 6]) -> ReplyInfo {
        let m = &p.dhcp;
        let msg_type = m.message_type();
        let type_name = match msg_type {
            Some(t) => t.name().map_or_else(|| t.to_string(), str::to_owned),
            None => "BOOTREPLY".to_owned(),
        };
        ReplyInfo {
            mode,
            msg_type,
            type_name,
            xid: m.xid,
            xid_matches: mode.is_some(),
            chaddr_matches: m.chaddr_mac() == Some(client_mac),
            server_id: m.server_id(),
            src_mac: p.udp.src_mac,
            src_ip: p.udp.src_ip,
            dst_ip: p.udp.dst_ip,
            vlans: p.udp.vlans.as_slice().to_vec(),
            yiaddr: m.yiaddr,
            giaddr: m.giaddr,
            latency_ms: None,
            lease_time: m.lease_time(),
            subnet_mask: ips(m.option(opt::SUBNET_MASK)).first().copied(),
            routers: ips(m.option(opt::ROUTER)),
            dns: ips(m.option(opt::DNS_SERVERS)),
            ts: p.frame.ts,
            frame: p.frame.number,
        }
    }
}

fn ips(bytes: Option<std::borrow::Cow<'_, [u8]>>) -> Vec<Ipv4Addr> {
    bytes
        .map(|b| {
            b.chunks_exact(4)
                .map(|c| Ipv4Addr::new(c[0], c[1], c[2], c[3]))
                .collect()
        })
        .unwrap_or_default()
}
