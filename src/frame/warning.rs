//! Anomalies below DHCP, typed like `dhcp::Warning`, kept in a fixed-size list so that a
//! frame without any costs no allocation.

use std::fmt;

/// Something odd in the link, IPv4 or UDP layers (or a tunnel) of a frame whose UDP
/// payload was still decoded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FrameWarning {
    /// IPv4 total length shorter than the header (the rest of the frame is used).
    IpTotalLengthBelowHeader {
        total_len: u16,
        header_len: u16,
    },
    /// The capture kept fewer bytes than were on the wire.
    SnaplenCut {
        captured: u32,
        orig_len: u32,
    },
    /// The IPv4 datagram is shorter than its total length says (not a snaplen cut).
    IpPayloadMissing {
        total_len: u16,
        present: u32,
    },
    /// The first fragment of a datagram was cut: decoded alone, not reassembled.
    FirstFragmentCut,
    UdpLengthBelowHeader {
        udp_len: u16,
    },
    UdpLengthBeyondPayload {
        udp_len: u16,
        available: u32,
    },
    /// The IPv6 packet is shorter than its payload length says (not a snaplen cut).
    Ipv6PayloadMissing {
        payload_len: u16,
        present: u32,
    },
    /// The first IPv6 fragment of a datagram: decoded alone, not reassembled.
    Ipv6FirstFragment,
    UdpLengthBeyondIpv6Payload {
        udp_len: u16,
        available: u32,
    },
}

impl fmt::Display for FrameWarning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            FrameWarning::IpTotalLengthBelowHeader {
                total_len,
                header_len,
            } => write!(
                f,
                "IPv4 total length {total_len} is shorter than its {header_len}-byte header"
            ),
            FrameWarning::SnaplenCut { captured, orig_len } => write!(
                f,
                "frame cut by snaplen: {captured} of {orig_len} bytes captured"
            ),
            FrameWarning::IpPayloadMissing { total_len, present } => write!(
                f,
                "IPv4 total length says {total_len} bytes, only {present} present"
            ),
            FrameWarning::FirstFragmentCut => f.write_str(
                "first IPv4 fragment is cut: decoded alone, the datagram is not reassembled",
            ),
            FrameWarning::UdpLengthBelowHeader { udp_len } => {
                write!(f, "UDP length {udp_len} is less than the 8-byte header")
            }
            FrameWarning::UdpLengthBeyondPayload { udp_len, available } => write!(
                f,
                "UDP length says {udp_len} bytes, but the IPv4 payload holds {available}"
            ),
            FrameWarning::Ipv6PayloadMissing {
                payload_len,
                present,
            } => write!(
                f,
                "IPv6 payload length says {payload_len} bytes, only {present} present"
            ),
            FrameWarning::Ipv6FirstFragment => {
                f.write_str("first IPv6 fragment: decoded alone, the datagram is not reassembled")
            }
            FrameWarning::UdpLengthBeyondIpv6Payload { udp_len, available } => write!(
                f,
                "UDP length says {udp_len} bytes, but the IPv6 payload holds {available}"
            ),
        }
    }
}

/// Most warnings one frame keeps (a frame has at most three of its own; a tunnel's outer
/// and inner layers together may have more, and the extra ones are dropped). Small, because
/// every decoded frame carries the list by value.
const CAPACITY: usize = 4;

/// The warnings of one frame, in the order they were found. `Copy`, no heap.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct FrameWarnings {
    items: [FrameWarning; CAPACITY],
    len: u8,
}

impl FrameWarnings {
    pub const fn new() -> Self {
        FrameWarnings {
            // Placeholders past `len` are never read.
            items: [FrameWarning::FirstFragmentCut; CAPACITY],
            len: 0,
        }
    }

    pub fn push(&mut self, warning: FrameWarning) {
        if let Some(slot) = self.items.get_mut(usize::from(self.len)) {
            *slot = warning;
            self.len += 1;
        }
    }

    pub fn as_slice(&self) -> &[FrameWarning] {
        self.items.get(..usize::from(self.len)).unwrap_or(&[])
    }

    pub fn iter(&self) -> std::slice::Iter<'_, FrameWarning> {
        self.as_slice().iter()
    }

    pub fn len(&self) -> usize {
        usize::from(self.len)
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }
}

impl Default for FrameWarnings {
    fn default() -> Self {
        Self::new()
    }
}

impl fmt::Debug for FrameWarnings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.as_slice()).finish()
    }
}

impl<'a> IntoIterator for &'a FrameWarnings {
    type Item = &'a FrameWarning;
    type IntoIter = std::slice::Iter<'a, FrameWarning>;
    fn into_iter(self) -> Self::IntoIter {
        self.iter()
    }
}

#[cfg(test)]
#[allow(clippy::indexing_slicing)]
mod tests {
    use super::*;

    #[test]
    fn keeps_order_and_drops_past_capacity() {
        let mut w = FrameWarnings::new();
        assert!(w.is_empty());
        for udp_len in 0..10 {
            w.push(FrameWarning::UdpLengthBelowHeader { udp_len });
        }
        assert_eq!(w.len(), CAPACITY);
        assert_eq!(
            w.as_slice()[3],
            FrameWarning::UdpLengthBelowHeader { udp_len: 3 }
        );
        assert_eq!(format!("{:?}", FrameWarnings::new()), "[]");
    }

    /// Every decoded frame carries the list by value: keep it small.
    #[test]
    fn stays_small() {
        assert!(std::mem::size_of::<FrameWarnings>() <= 52);
    }

    #[test]
    fn messages() {
        let cases = [
            (
                FrameWarning::SnaplenCut {
                    captured: 280,
                    orig_len: 342,
                },
                "frame cut by snaplen: 280 of 342 bytes captured",
            ),
            (
                FrameWarning::UdpLengthBeyondPayload {
                    udp_len: 500,
                    available: 48,
                },
                "UDP length says 500 bytes, but the IPv4 payload holds 48",
            ),
        ];
        for (w, text) in cases {
            assert_eq!(w.to_string(), text);
        }
    }
}
