//! Frame decoding: link layer (Ethernet + 802.1Q/QinQ, SLL, SLL2, raw IP, NULL/LOOP),
//! IPv4 (with bounded fragment reassembly) and UDP, down to the UDP payload.
//!
//! STUB: interface only; helper fills in.

use crate::source::RawFrame;
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
    /// Frame numbers of the other fragments when the datagram was reassembled.
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
        &self.ids[..usize::from(self.len)]
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UdpChecksum {
    Good,
    /// Wrong, but often TX checksum offload on the capturing host rather than corruption.
    Bad,
    /// Zero (not computed by the sender).
    Absent,
    /// Frame cut by snaplen or reassembled: cannot check.
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

/// Decodes frames; owns the fragment reassembly state, bounded in memory.
pub struct FrameDecoder {}

impl FrameDecoder {
    pub fn new() -> Self {
        Self {}
    }

    pub fn decode<'a>(&'a mut self, frame: &RawFrame<'a>) -> Decoded<'a> {
        let _ = frame;
        Decoded::Other
    }
}

impl Default for FrameDecoder {
    fn default() -> Self {
        Self::new()
    }
}
