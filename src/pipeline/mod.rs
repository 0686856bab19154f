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
mod v6;

pub use batch::{FrameMeta, Packet, PacketBatch, PacketMeta, Span, UdpMeta};
pub use read::{
    MAX_REPLAY_DELAY, Pace, ReadControl, ReadOptions, ReadSource, ReadSummary, read_batches,
    replay_delay,
};
pub use threaded::{CHANNEL_DEPTH, read_inline, read_threaded, recycling, spent_channel};
pub use v6::{AnyPacket, V6Body, V6Kind, V6Meta, V6Packet};

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

/// Link types [`crate::frame::FrameDecoder`] understands (the one list lives in
/// `frame::linktype`).
pub use crate::frame::linktype::supports;

/// Any [`FrameSource`] read as a [`ReadSource`] without offsets, idling or drop counters.
pub struct Plain<'a, S: ?Sized>(pub &'a mut S);

impl<S: FrameSource + ?Sized> FrameSource for Plain<'_, S> {
    fn next_frame(&mut self) -> Result<Option<RawFrame<'_>>, SourceError> {
        self.0.next_frame()
    }
}

impl<S: FrameSource + ?Sized> ReadSource for Plain<'_, S> {}

/// Reads every frame of `source` on this thread, calling `on_packet` for each DHCP packet
/// until it breaks: [`read_inline`] one packet at a time (tests, benchmarks).
pub fn read_dhcp<S: FrameSource + ?Sized>(
    source: &mut S,
    on_packet: impl FnMut(&Packet<'_>) -> ControlFlow<()>,
) -> ReadSummary {
    let opts = ReadOptions {
        batch_interval: None,
        ..ReadOptions::default()
    };
    read_dhcp_inline(source, &opts, on_packet)
}

/// [`read_dhcp`], with each packet's whole frame in [`Packet::frame_data`] (the probe matches
/// the capture's copies of the frames it sent), handed over as soon as it is read (the probe
/// reacts to each reply when it arrives, not when a batch fills).
pub fn read_dhcp_with_frames<S: FrameSource + ?Sized>(
    source: &mut S,
    on_packet: impl FnMut(&Packet<'_>) -> ControlFlow<()>,
) -> ReadSummary {
    let opts = ReadOptions {
        batch_interval: None,
        keep_frames: true,
        batch_packets: 1,
        ..ReadOptions::default()
    };
    read_dhcp_inline(source, &opts, on_packet)
}

fn read_dhcp_inline<S: FrameSource + ?Sized>(
    source: &mut S,
    opts: &ReadOptions,
    mut on_packet: impl FnMut(&Packet<'_>) -> ControlFlow<()>,
) -> ReadSummary {
    read_inline(&mut Plain(source), opts, &ReadControl::default(), |batch| {
        for p in batch.iter() {
            on_packet(&p)?;
        }
        ControlFlow::Continue(())
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::FileSource;
    use std::path::Path;

    fn capture(name: &str) -> FileSource {
        FileSource::open(
            &Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("captures")
                .join(name),
        )
        .unwrap()
    }

    /// (frame number, offset, caplen, orig_len, payload, frame) of one record.
    type Record = (u64, Option<u64>, u32, u32, Vec<u8>, Option<Vec<u8>>);

    /// Every record of a read, and the frames and DHCP packets counted.
    fn records(name: &str, opts: &ReadOptions, threaded: bool) -> (Vec<Record>, u64, u64) {
        let mut out = Vec::new();
        let consume = |b: &PacketBatch| {
            for p in b.iter() {
                out.push((
                    p.frame.number,
                    p.frame.offset,
                    p.frame.caplen,
                    p.frame.orig_len,
                    p.payload.to_vec(),
                    p.frame_data.map(<[u8]>::to_vec),
                ));
            }
            ControlFlow::Continue(())
        };
        let mut source = capture(name);
        let control = ReadControl::default();
        let s = if threaded {
            read_threaded(&mut source, opts, &control, consume)
        } else {
            read_inline(&mut source, opts, &control, consume)
        };
        (out, s.frames, s.dhcp_packets)
    }

    #[test]
    fn records_keep_what_the_frame_said() {
        let opts = ReadOptions {
            keep_frames: true,
            batch_packets: 3,
            ..ReadOptions::default()
        };
        let (recs, frames, dhcp) = records("snaplen-280.pcap", &opts, false);
        assert_eq!(recs.len() as u64, dhcp);
        assert!(frames >= dhcp && dhcp > 0);
        for (number, offset, caplen, orig_len, payload, frame) in &recs {
            let frame = frame.as_ref().unwrap();
            assert_eq!(*caplen as usize, frame.len(), "frame {number}");
            assert!(offset.is_some());
            // The payload is the tail of the frame it came in (not reassembled here).
            assert!(frame.ends_with(payload), "frame {number}");
            // Cut at 280 bytes by the capture: the record says so without the bytes.
            assert!(*orig_len > *caplen, "frame {number}");
        }
    }

    /// The reader on a second thread hands over exactly what the one-thread read does.
    #[test]
    fn threaded_and_inline_reads_agree() {
        for name in [
            "lab-showcase.pcap",
            "fragmented.pcap",
            "truncated.pcap",
            "vlan-qinq.pcap",
        ] {
            for batch_packets in [1, 2, 4096] {
                let opts = ReadOptions {
                    batch_packets,
                    keep_frames: batch_packets == 2,
                    batch_interval: None,
                    ..ReadOptions::default()
                };
                assert_eq!(
                    records(name, &opts, false),
                    records(name, &opts, true),
                    "{name} by {batch_packets}"
                );
            }
        }
    }

    /// `max_packets` stops right after the Nth DHCP packet, as a `-c N` read must.
    #[test]
    fn max_packets_stops_at_the_nth() {
        let all = records("dnsmasq-dhcpcd.pcap", &ReadOptions::default(), false).0;
        for n in [1u64, 4, 5] {
            let opts = ReadOptions {
                max_packets: Some(n),
                ..ReadOptions::default()
            };
            for threaded in [false, true] {
                let (recs, frames, dhcp) = records("dnsmasq-dhcpcd.pcap", &opts, threaded);
                assert_eq!(dhcp, n);
                assert_eq!(recs[..], all[..n as usize]);
                // Frames counted up to that packet, not beyond (ARP frames lie between).
                assert_eq!(frames, all[n as usize - 1].0);
            }
        }
    }

    /// Spent batches come back to the reader with their buffers.
    #[test]
    fn spent_batches_are_filled_again() {
        let (spent_tx, spent_rx) = spent_channel();
        let mut kept = Vec::new();
        let mut hand_over = recycling(
            |b: PacketBatch| {
                kept.push(b.buf.capacity());
                true
            },
            spent_rx,
        );
        let mut used = PacketBatch::default();
        used.buf.reserve(1 << 16);
        let cap = used.buf.capacity();
        spent_tx.send(used).unwrap();
        let next = hand_over(PacketBatch::default()).unwrap();
        assert_eq!(next.buf.capacity(), cap);
        // Nothing came back: a fresh one.
        assert_eq!(hand_over(next).unwrap().buf.capacity(), 0);
    }
}
