//! CAPWAP data channel (RFC 5415, UDP port 5247): the header in front of a client frame an
//! access point tunnels to its controller, read as Wireshark's CAPWAP dissector reads it
//! with its default preferences (header length from HLEN; an 802.11 payload's Frame Control
//! bytes swapped, as Cisco access points store them).

#![deny(clippy::indexing_slicing)]

use super::wlan;

pub(super) const DATA_PORT: u16 = 5247;

/// The frame a CAPWAP data packet carries.
#[derive(Debug, PartialEq, Eq)]
pub(super) enum Inner<'a> {
    /// T bit clear: an IEEE 802.3 (Ethernet) frame.
    Ethernet(&'a [u8]),
    /// T bit set with Wireless Binding 1: an IEEE 802.11 frame; `swap_fc` tells how to
    /// read its Frame Control.
    Ieee80211 { frame: &'a [u8], swap_fc: bool },
}

/// Header bits after the preamble (RFC 5415 §4.3).
const T_BIT: u32 = 1 << 8;
const F_BIT: u32 = 1 << 7;
const K_BIT: u32 = 1 << 3;
const WBID_IEEE80211: u32 = 1;

/// The frame inside a CAPWAP data packet; `None` for DTLS-encrypted packets (preamble type
/// 1), keep-alives, fragments (not reassembled) and other wireless bindings.
pub(super) fn inner(udp_payload: &[u8]) -> Option<Inner<'_>> {
    let word = u32::from_be_bytes(udp_payload.get(..4)?.try_into().ok()?);
    // Preamble: version 0, type 0 (a plain CAPWAP header).
    if word >> 24 != 0 || word & (F_BIT | K_BIT) != 0 {
        return None;
    }
    let header_len = ((word >> 19) & 0x1F) as usize * 4;
    if header_len < 8 {
        return None;
    }
    let frame = udp_payload.get(header_len..)?;
    if word & T_BIT == 0 {
        return Some(Inner::Ethernet(frame));
    }
    if (word >> 9) & 0x1F != WBID_IEEE80211 {
        return None;
    }
    // Wireshark swaps by default; a frame that is only valid as stored is read as stored.
    let swap_fc =
        wlan::frame_control_valid(frame, true) || !wlan::frame_control_valid(frame, false);
    Some(Inner::Ieee80211 { frame, swap_fc })
}

#[cfg(test)]
#[allow(clippy::indexing_slicing)]
mod tests {
    use super::*;

    #[test]
    fn header_bits() {
        // HLEN 4 words, RID 1, WBID 1, T and W set (the ndpi capwap.pcap header).
        let mut p = vec![
            0x00, 0x20, 0x43, 0x20, 0, 0, 0, 0, 1, 4, 0xed, 0x4d, 0, 0, 0, 0,
        ];
        p.extend([0x01, 0x08, 0, 0]);
        assert_eq!(
            inner(&p),
            Some(Inner::Ieee80211 {
                frame: &[0x01, 0x08, 0, 0],
                swap_fc: true
            })
        );
        // Stored the standard way round: read as stored.
        let n = p.len();
        p[n - 4..n - 2].copy_from_slice(&[0x08, 0x01]);
        assert!(matches!(
            inner(&p),
            Some(Inner::Ieee80211 { swap_fc: false, .. })
        ));
        // T clear (byte 2 bit 0): Ethernet.
        p[2] = 0x42;
        assert!(matches!(inner(&p), Some(Inner::Ethernet(_))));
        // DTLS preamble, fragment, keep-alive, a 4-byte header: nothing.
        for (at, mask) in [(0, 0x01), (3, 0x80), (3, 0x08)] {
            let mut q = p.clone();
            q[at] |= mask;
            assert_eq!(inner(&q), None, "byte {at} |= {mask:#x}");
        }
        let mut q = p.clone();
        q[1] = 0x08;
        assert_eq!(inner(&q), None);
        assert_eq!(inner(&[0, 0]), None);
    }
}
