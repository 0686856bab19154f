//! `dhcpscope export`: the frames of the DHCP packets a selection keeps, written to a pcap
//! file byte-identical to the source (same bytes, same captured and original lengths, same
//! timestamps), with the input's link type.

use crate::filter::Filter;
use crate::pipeline::{Packet, ReadControl, ReadOptions, ReadSource, ReadSummary, read_inline};
use crate::time::Timestamp;
use std::io::{self, Write};
use std::ops::ControlFlow;

/// Which packets to export.
#[derive(Debug, Clone)]
pub enum Selection {
    /// Packets the filter keeps ([`Filter::matches_packet`]; `mac:` for `--mac`).
    Filter(Filter),
    /// Packets of one transaction id.
    Xid(u32),
}

impl Selection {
    pub fn keeps(&self, p: &Packet<'_>) -> bool {
        match self {
            Selection::Filter(f) => f.matches_packet(p),
            Selection::Xid(x) => p.dhcp.xid == *x,
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    #[error("writing the capture: {0}")]
    Io(#[from] io::Error),
    #[error(
        "frame {frame} has link type {found} but the export started with link type {first}: a pcap file holds one"
    )]
    MixedLinkTypes { frame: u64, first: u16, found: u16 },
}

/// A classic pcap file (nanosecond timestamps) with a given link type.
pub struct PcapOut<W: Write> {
    out: W,
    linktype: u16,
}

const MAGIC_NANOS: u32 = 0xa1b2_3c4d;

impl<W: Write> PcapOut<W> {
    pub fn new(mut out: W, linktype: u16) -> io::Result<Self> {
        let mut h = Vec::with_capacity(24);
        h.extend_from_slice(&MAGIC_NANOS.to_le_bytes());
        h.extend_from_slice(&2u16.to_le_bytes());
        h.extend_from_slice(&4u16.to_le_bytes());
        h.extend_from_slice(&0i32.to_le_bytes());
        h.extend_from_slice(&0u32.to_le_bytes());
        h.extend_from_slice(&262_144u32.to_le_bytes());
        h.extend_from_slice(&u32::from(linktype).to_le_bytes());
        out.write_all(&h)?;
        Ok(PcapOut { out, linktype })
    }

    /// One record: `data` as captured, `orig_len` as on the wire. An unknown time is written
    /// as 0 (pcap has no way to say "none").
    pub fn write(&mut self, ts: Timestamp, data: &[u8], orig_len: u32) -> io::Result<()> {
        let (secs, nanos) = if ts == Timestamp::UNKNOWN {
            (0, 0)
        } else {
            (u32::try_from(ts.secs).unwrap_or(0), ts.nanos)
        };
        let caplen = u32::try_from(data.len()).unwrap_or(u32::MAX);
        let mut rec = [0u8; 16];
        rec[0..4].copy_from_slice(&secs.to_le_bytes());
        rec[4..8].copy_from_slice(&nanos.to_le_bytes());
        rec[8..12].copy_from_slice(&caplen.to_le_bytes());
        rec[12..16].copy_from_slice(&orig_len.max(caplen).to_le_bytes());
        self.out.write_all(&rec)?;
        self.out.write_all(data)
    }

    pub fn into_inner(self) -> W {
        self.out
    }
}

/// What an export wrote.
#[derive(Debug, Default)]
pub struct ExportSummary {
    pub frames: u64,
    pub read: ReadSummary,
}

/// Reads `source` and writes the frame of every DHCP packet `sel` keeps to `out`. A packet
/// reassembled from IPv4 fragments is written as its last fragment's frame (the one that
/// completed it). `out` gets a pcap header even when nothing matches.
pub fn export<S: ReadSource + ?Sized, W: Write>(
    source: &mut S,
    out: W,
    sel: &Selection,
) -> Result<ExportSummary, ExportError> {
    let opts = ReadOptions {
        keep_frames: true,
        batch_interval: None,
        ..ReadOptions::default()
    };
    let mut writer: Option<PcapOut<W>> = None;
    let mut pending_out = Some(out);
    let mut frames = 0u64;
    let mut failure: Option<ExportError> = None;
    let read = read_inline(source, &opts, &ReadControl::default(), |batch| {
        for p in batch.iter() {
            if !sel.keeps(&p) {
                continue;
            }
            let Some(data) = p.frame_data else { continue };
            let step = (|| -> Result<(), ExportError> {
                if writer.is_none()
                    && let Some(o) = pending_out.take()
                {
                    writer = Some(PcapOut::new(o, p.frame.linktype)?);
                }
                let Some(w) = writer.as_mut() else {
                    return Ok(());
                };
                if w.linktype != p.frame.linktype {
                    return Err(ExportError::MixedLinkTypes {
                        frame: p.frame.number,
                        first: w.linktype,
                        found: p.frame.linktype,
                    });
                }
                w.write(p.frame.ts, data, p.frame.orig_len)?;
                Ok(())
            })();
            if let Err(e) = step {
                failure = Some(e);
                return ControlFlow::Break(());
            }
            frames += 1;
        }
        ControlFlow::Continue(())
    });
    if let Some(e) = failure {
        return Err(e);
    }
    let mut w = match (writer, pending_out) {
        (Some(w), _) => w.into_inner(),
        // Nothing matched: an empty capture of Ethernet.
        (None, Some(o)) => PcapOut::new(o, 1)?.into_inner(),
        (None, None) => return Ok(ExportSummary { frames, read }),
    };
    w.flush()?;
    Ok(ExportSummary { frames, read })
}
