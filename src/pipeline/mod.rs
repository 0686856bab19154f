//! The one read path: source → frame → DHCP packet records → every consumer.
//!
//! [`read_batches`] is the only loop over frames: it decodes each frame down to UDP, keeps
//! the DHCP packets as owned, compact records in a [`PacketBatch`] (payload bytes in one
//! buffer, a `Copy` [`PacketMeta`] each) and hands the batches over. [`PacketBatch::packet`]
//! builds the [`Packet`] view (the DHCP message decoded from the payload) that `decode`,
//! `report`'s [`crate::analysis::Analysis`] and the TUI take. The same read runs on one thread
//! ([`read_inline`], [`read_dhcp`]) or with the consumer on a second core ([`read_threaded`];
//! the TUI's reader thread uses [`recycling`] over its own channel).

mod batch;
mod read;
mod threaded;

pub use batch::{FrameMeta, Packet, PacketBatch, PacketMeta, Span, UdpMeta};
pub use read::{
    MAX_REPLAY_DELAY, Pace, ReadControl, ReadOptions, ReadSource, ReadSummary, read_batches,
    replay_delay,
};
pub use threaded::{CHANNEL_DEPTH, read_inline, read_threaded, recycling, spent_channel};

use crate::frame::UdpFrame;
use crate::source::{FrameSource, RawFrame, SourceError};
use std::ops::ControlFlow;

/// UDP ports that carry DHCPv4/BOOTP.
pub const SERVER_PORT: u16 = 67;
pub const CLIENT_PORT: u16 = 68;

/// True when a UDP datagram is DHCPv4/BOOTP by its ports.
pub fn is_dhcp(udp: &UdpFrame<'_>) -> bool {
    matches!(udp.src_port, SERVER_PORT | CLIENT_PORT)
        || matches!(udp.dst_port, SERVER_PORT | CLIENT_PORT)
}

/// Link types [`crate::frame::FrameDecoder`] understands.
pub fn supports(linktype: u16) -> bool {
    use crate::source::linktype::*;
    matches!(
        linktype,
        NULL | ETHERNET | RAW | 12 | 14 | LOOP | LINUX_SLL | IPV4 | LINUX_SLL2
    )
}

/// Any [`FrameSource`] read as a [`ReadSource`] without offsets, idling or drop counters.
pub struct Plain<'a, S: ?Sized>(pub &'a mut S);

impl<S: FrameSource + ?Sized> FrameSource for Plain<'_, S> {
    fn next_frame(&mut self) -> Result<Option<RawFrame<'_>>, SourceError> {
        self.0.next_frame()
    }
}

impl<S: FrameSource + ?Sized> ReadSource for Plain<'_, S> {}

/// Reads every frame of `source` on this thread, calling `on_packet` for each DHCP packet
/// until it breaks: [`read_inline`] one packet at a time (tests, benchmarks, the probe).
pub fn read_dhcp<S: FrameSource + ?Sized>(
    source: &mut S,
    mut on_packet: impl FnMut(&Packet<'_>) -> ControlFlow<()>,
) -> ReadSummary {
    let opts = ReadOptions {
        batch_interval: None,
        ..ReadOptions::default()
    };
    read_inline(
        &mut Plain(source),
        &opts,
        &ReadControl::default(),
        |batch| {
            for p in batch.iter() {
                on_packet(&p)?;
            }
            ControlFlow::Continue(())
        },
    )
}
