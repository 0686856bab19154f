//! The shared read path: source → frame decode → DHCP message, one packet at a time.
//!
//! `decode`, `report` and the TUI all read through [`read_dhcp`], so they agree on which frames
//! are DHCP and how they are numbered.

use crate::dhcp::Message;
use crate::frame::{Decoded, FrameDecoder, UdpFrame};
use crate::source::{FrameSource, RawFrame, SourceError, SourceWarning};
use std::ops::ControlFlow;

/// UDP ports that carry DHCPv4/BOOTP.
pub const SERVER_PORT: u16 = 67;
pub const CLIENT_PORT: u16 = 68;

/// One DHCP packet with everything below it.
pub struct Packet<'a> {
    pub frame: &'a RawFrame<'a>,
    pub udp: &'a UdpFrame<'a>,
    pub dhcp: Message<'a>,
}

/// What a read saw besides the DHCP packets.
#[derive(Debug, Default)]
pub struct ReadSummary {
    pub frames: u64,
    pub dhcp_packets: u64,
    /// Frames on link types we cannot decode, by LINKTYPE value (first few).
    pub unsupported_linktypes: Vec<(u16, u64)>,
    /// The error that ended the read early (truncated or corrupt file), if any.
    pub error: Option<SourceError>,
    /// What was odd in the file without ending the read (skipped pcapng sections).
    pub source_warnings: Vec<SourceWarning>,
    /// 802.11 data frames skipped because they are encrypted.
    pub protected_frames: u64,
}

/// True when a UDP datagram is DHCPv4/BOOTP by its ports.
pub fn is_dhcp(udp: &UdpFrame<'_>) -> bool {
    matches!(udp.src_port, SERVER_PORT | CLIENT_PORT)
        || matches!(udp.dst_port, SERVER_PORT | CLIENT_PORT)
}

/// Link types [`FrameDecoder`] understands (the one list lives in `frame::linktype`).
pub use crate::frame::linktype::supports;

/// Reads every frame of `source`, calling `on_packet` for each DHCP packet until it breaks.
/// A truncated or corrupt file ends the read with everything before it delivered; the error
/// is returned in the summary, not as a failure.
pub fn read_dhcp<S: FrameSource + ?Sized>(
    source: &mut S,
    mut on_packet: impl FnMut(&Packet<'_>) -> ControlFlow<()>,
) -> ReadSummary {
    let mut summary = ReadSummary::default();
    let mut decoder = FrameDecoder::new();
    loop {
        let frame = match source.next_frame() {
            Ok(Some(f)) => f,
            Ok(None) => break,
            Err(e) => {
                summary.error = Some(e);
                break;
            }
        };
        summary.frames += 1;
        if !supports(frame.linktype) {
            match summary
                .unsupported_linktypes
                .iter_mut()
                .find(|(lt, _)| *lt == frame.linktype)
            {
                Some((_, n)) => *n += 1,
                None => summary.unsupported_linktypes.push((frame.linktype, 1)),
            }
            continue;
        }
        let Decoded::Udp(udp) = decoder.decode(&frame) else {
            continue;
        };
        if !is_dhcp(&udp) {
            continue;
        }
        summary.dhcp_packets += 1;
        let packet = Packet {
            frame: &frame,
            udp: &udp,
            dhcp: Message::decode(udp.payload),
        };
        if on_packet(&packet).is_break() {
            break;
        }
    }
    summary.source_warnings = source.take_warnings();
    summary.protected_frames = decoder.protected_frames();
    summary
}
