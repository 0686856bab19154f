//! LINKTYPE_* values (tcpdump.org) as files store them, and the one list of those the frame
//! decoder understands. The pipeline, the TUI reader, live capture and the documentation all
//! take the list from here.

/// BSD loopback: a 4-byte address family in the writer's byte order.
pub const NULL: u16 = 0;
pub const ETHERNET: u16 = 1;
pub const RAW: u16 = 101;
/// IEEE 802.11 frames without a radio header.
pub const IEEE802_11: u16 = 105;
/// OpenBSD loopback: a 4-byte address family in network byte order.
pub const LOOP: u16 = 108;
pub const LINUX_SLL: u16 = 113;
/// IEEE 802.11 behind a radiotap header.
pub const IEEE802_11_RADIOTAP: u16 = 127;
/// Per-Packet Information header, then the link type it names (802.11 here).
pub const PPI: u16 = 192;
pub const IPV4: u16 = 228;
pub const LINUX_SLL2: u16 = 276;
/// Not a link type: a pcapng block that Wireshark numbers as a frame although it holds no
/// packet (Custom Blocks, systemd journal entries, Sysdig events). Nothing to decode, and
/// nothing to warn about.
pub const NON_PACKET: u16 = 0xFFFE;

/// A link type the decoder understands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LinkType {
    pub value: u16,
    /// Short name, as in the documentation.
    pub name: &'static str,
}

/// Every link type [`crate::frame::FrameDecoder`] decodes, in LINKTYPE order.
pub const SUPPORTED: [LinkType; 10] = [
    LinkType {
        value: NULL,
        name: "NULL",
    },
    LinkType {
        value: ETHERNET,
        name: "Ethernet",
    },
    LinkType {
        value: RAW,
        name: "raw IP",
    },
    LinkType {
        value: IEEE802_11,
        name: "802.11",
    },
    LinkType {
        value: LOOP,
        name: "LOOP",
    },
    LinkType {
        value: LINUX_SLL,
        name: "Linux SLL",
    },
    LinkType {
        value: IEEE802_11_RADIOTAP,
        name: "802.11 radiotap",
    },
    LinkType {
        value: PPI,
        name: "802.11 PPI",
    },
    LinkType {
        value: IPV4,
        name: "raw IPv4",
    },
    LinkType {
        value: LINUX_SLL2,
        name: "Linux SLL2",
    },
];

/// The LINKTYPE value for a DLT value (what libpcap reports) or a value an old writer
/// stored in a file: they differ for raw IP, DLT_RAW being 12 (14 on some BSDs) while
/// LINKTYPE_RAW is 101. Values that fit no u16 become `u16::MAX` (unsupported).
pub fn from_dlt(dlt: i64) -> u16 {
    match dlt {
        12 | 14 => RAW,
        other => u16::try_from(other).unwrap_or(u16::MAX),
    }
}

/// True when frames of this link type are understood: decoded, or known to hold no packet
/// ([`NON_PACKET`]). Anything else is counted and reported as unsupported.
pub fn supports(linktype: u16) -> bool {
    // Per frame: the common link types answer without walking the list.
    matches!(
        linktype,
        ETHERNET | LINUX_SLL | LINUX_SLL2 | RAW | NON_PACKET
    ) || SUPPORTED
        .iter()
        .any(|l| l.value == from_dlt(i64::from(linktype)))
}

/// The documentation name of a supported link type.
pub fn name(linktype: u16) -> Option<&'static str> {
    let linktype = from_dlt(i64::from(linktype));
    SUPPORTED
        .iter()
        .find(|l| l.value == linktype)
        .map(|l| l.name)
}

#[cfg(test)]
#[allow(clippy::indexing_slicing)]
mod tests {
    use super::*;

    #[test]
    fn supported_list_is_sorted_and_unique() {
        assert!(SUPPORTED.windows(2).all(|w| w[0].value < w[1].value));
        assert!(supports(ETHERNET) && supports(12) && supports(14) && supports(NON_PACKET));
        assert!(!supports(147) && !supports(u16::MAX));
        assert_eq!(name(12), Some("raw IP"));
        assert_eq!(from_dlt(-1), u16::MAX);
        assert_eq!(from_dlt(1 << 20), u16::MAX);
    }

    /// The architecture document lists exactly what the decoder supports.
    #[test]
    fn architecture_doc_names_every_supported_link_type() {
        let doc = include_str!("../../docs/architecture.md");
        let row = doc
            .lines()
            .find(|l| l.starts_with("| `frame` |"))
            .expect("frame row in docs/architecture.md");
        for l in SUPPORTED {
            let entry = format!("{} ({})", l.name, l.value);
            assert!(
                row.contains(&entry),
                "docs/architecture.md frame row does not list `{entry}`"
            );
        }
    }
}
