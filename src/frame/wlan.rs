//! IEEE 802.11 data frames, bare (LINKTYPE 105) or behind a radiotap (127) or PPI (192)
//! header, down to the LLC/SNAP EtherType. Frames with the Protected bit are encrypted:
//! nothing in them can be read, so they are only counted.

#![deny(clippy::indexing_slicing)]

use super::linktype;

/// What an 802.11 frame holds for us.
#[derive(Debug, PartialEq, Eq)]
pub(super) enum Payload<'a> {
    /// A data frame with an LLC/SNAP header: the EtherType and what follows it.
    Data {
        src_mac: [u8; 6],
        dst_mac: [u8; 6],
        ethertype: u16,
        payload: &'a [u8],
    },
    /// A data frame whose body is encrypted (Protected bit set).
    Protected,
    /// Management, control, null data, A-MSDU, no SNAP header, or too short.
    Nothing,
}

/// Radiotap flags (field 1): the frame ends with its 4-byte FCS; padding follows the
/// 802.11 header up to a multiple of 4 bytes.
const RADIOTAP_FCS: u8 = 0x10;
const RADIOTAP_DATA_PAD: u8 = 0x20;
/// PPI 802.11-Common field (type 2) flags: FCS present; header padded to 32 bits.
const PPI_COMMON: u16 = 2;
const PPI_FCS: u16 = 0x0001;
const PPI_DATA_PAD: u16 = 0x0002;
const FCS_LEN: usize = 4;

/// Strips the radio header of an 802.11 link type and reads the frame.
pub(super) fn from_link(link: u16, data: &[u8]) -> Payload<'_> {
    let parsed = match link {
        linktype::IEEE802_11 => Some((data, false, false)),
        linktype::IEEE802_11_RADIOTAP => radiotap(data),
        linktype::PPI => ppi(data),
        _ => None,
    };
    let Some((frame, fcs, pad)) = parsed else {
        return Payload::Nothing;
    };
    let frame = if fcs {
        frame
            .get(..frame.len().saturating_sub(FCS_LEN))
            .unwrap_or_default()
    } else {
        frame
    };
    data_frame(frame, false, pad)
}

/// Radiotap: version 0, length, then presence words (bit 31 chains another). Returns the
/// 802.11 frame and the FCS and data-pad flags.
fn radiotap(data: &[u8]) -> Option<(&[u8], bool, bool)> {
    if *data.first()? != 0 {
        return None;
    }
    let len = usize::from(le_u16(data, 2)?);
    let frame = data.get(len..)?;
    let first = le_u32(data, 4)?;
    let mut at = 4;
    loop {
        let word = le_u32(data, at)?;
        at += 4;
        if word & 0x8000_0000 == 0 {
            break;
        }
    }
    let mut flags = 0;
    if first & 0b10 != 0 {
        // Field 0 (TSFT, 8 bytes, 8-aligned) precedes the flags byte when present.
        if first & 0b01 != 0 {
            at = at.next_multiple_of(8) + 8;
        }
        if at < len {
            flags = *data.get(at)?;
        }
    }
    Some((
        frame,
        flags & RADIOTAP_FCS != 0,
        flags & RADIOTAP_DATA_PAD != 0,
    ))
}

/// PPI: version 0, flags, length, DLT, then typed fields; only an 802.11 frame is read.
fn ppi(data: &[u8]) -> Option<(&[u8], bool, bool)> {
    if *data.first()? != 0 {
        return None;
    }
    let len = usize::from(le_u16(data, 2)?);
    if le_u32(data, 4)? != u32::from(linktype::IEEE802_11) {
        return None;
    }
    let frame = data.get(len..)?;
    let (mut fcs, mut pad) = (false, false);
    let mut at = 8;
    while at + 4 <= len {
        let (kind, field_len) = (le_u16(data, at)?, usize::from(le_u16(data, at + 2)?));
        if kind == PPI_COMMON
            && let Some(flags) = le_u16(data, at + 4 + 8).filter(|_| field_len >= 10)
        {
            fcs = flags & PPI_FCS != 0;
            pad = flags & PPI_DATA_PAD != 0;
        }
        at += 4 + field_len;
    }
    Some((frame, fcs, pad))
}

/// Reads an 802.11 frame. `swap_fc`: the two Frame Control bytes are stored swapped (as
/// some CAPWAP access points do). `pad`: the header is padded to a multiple of 4 bytes.
pub(super) fn data_frame(frame: &[u8], swap_fc: bool, pad: bool) -> Payload<'_> {
    let (Some(&b0), Some(&b1)) = (frame.first(), frame.get(1)) else {
        return Payload::Nothing;
    };
    let (fc0, fc1) = if swap_fc { (b1, b0) } else { (b0, b1) };
    let (version, kind, subtype) = (fc0 & 0x03, (fc0 >> 2) & 0x03, fc0 >> 4);
    // Data frames only, and not the "no data" subtypes (null, CF-Ack/Poll without data).
    if version != 0 || kind != 2 || subtype & 0x4 != 0 {
        return Payload::Nothing;
    }
    if fc1 & 0x40 != 0 {
        return Payload::Protected;
    }
    let (to_ds, from_ds, order) = (fc1 & 0x01 != 0, fc1 & 0x02 != 0, fc1 & 0x80 != 0);
    let qos = subtype & 0x8 != 0;
    let mut header = 24;
    if to_ds && from_ds {
        header += 6;
    }
    if qos {
        // QoS Control bit 7: the body is an A-MSDU (several subframes), not read here.
        if frame.get(header).is_none_or(|qc| qc & 0x80 != 0) {
            return Payload::Nothing;
        }
        header += 2;
        if order {
            header += 4; // HT Control
        }
    }
    if pad {
        header = header.next_multiple_of(4);
    }
    let (Some(a1), Some(a2), Some(a3)) = (mac_at(frame, 4), mac_at(frame, 10), mac_at(frame, 16))
    else {
        return Payload::Nothing;
    };
    let (dst_mac, src_mac) = match (to_ds, from_ds) {
        (false, false) => (a1, a2),
        (true, false) => (a3, a2),
        (false, true) => (a1, a3),
        (true, true) => match mac_at(frame, 24) {
            Some(a4) => (a3, a4),
            None => return Payload::Nothing,
        },
    };
    // LLC/SNAP: AA AA 03, OUI 00:00:00 (RFC 1042) or 00:00:F8 (802.1H), EtherType.
    match frame.get(header..header + 8) {
        Some([0xAA, 0xAA, 0x03, 0, 0, 0 | 0xF8, t0, t1]) => Payload::Data {
            src_mac,
            dst_mac,
            ethertype: u16::from_be_bytes([*t0, *t1]),
            payload: frame.get(header + 8..).unwrap_or_default(),
        },
        _ => Payload::Nothing,
    }
}

/// True when these Frame Control bytes, read as stored, are a valid (version 0) header.
pub(super) fn frame_control_valid(frame: &[u8], swap_fc: bool) -> bool {
    let at = usize::from(swap_fc);
    frame.get(at).is_some_and(|fc0| fc0 & 0x03 == 0)
}

fn mac_at(bytes: &[u8], at: usize) -> Option<[u8; 6]> {
    bytes.get(at..at.checked_add(6)?)?.try_into().ok()
}

fn le_u16(bytes: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_le_bytes(
        bytes.get(at..at.checked_add(2)?)?.try_into().ok()?,
    ))
}

fn le_u32(bytes: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_le_bytes(
        bytes.get(at..at.checked_add(4)?)?.try_into().ok()?,
    ))
}
