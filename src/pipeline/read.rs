//! The one reader: frames from any source, decoded down to UDP, DHCP packets kept as records
//! in [`PacketBatch`]es handed to a consumer.

use super::batch::PacketBatch;
use super::{is_dhcp, supports};
use crate::frame::{Decoded, FrameDecoder};
use crate::live::LiveSource;
use crate::source::{FileSource, FrameSource, RawFrame, SourceError};
use crate::time::Timestamp;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

/// What the reader needs of a source beyond [`FrameSource`].
pub trait ReadSource: FrameSource {
    /// Where the frame last returned lies in the file (files only).
    fn last_offset(&self) -> Option<u64> {
        None
    }
    /// The next frame, or `Ok(None)` after a short wait with nothing ([`Self::idle`]) or at
    /// the end.
    fn poll_frame(&mut self) -> Result<Option<RawFrame<'_>>, SourceError> {
        self.next_frame()
    }
    /// After `poll_frame` gave `Ok(None)`: true when that was a quiet moment, not the end.
    fn idle(&self) -> bool {
        false
    }
    /// Frames lost by the capture (live), when known.
    fn drops(&mut self) -> Option<u64> {
        None
    }
}

impl ReadSource for FileSource {
    fn last_offset(&self) -> Option<u64> {
        Some(self.frame_offset())
    }
}

impl ReadSource for LiveSource {
    fn poll_frame(&mut self) -> Result<Option<RawFrame<'_>>, SourceError> {
        self.next_frame_timeout(Some(Duration::from_millis(100)))
    }
    fn idle(&self) -> bool {
        !self.is_finished()
    }
    fn drops(&mut self) -> Option<u64> {
        self.stats()
            .ok()
            .map(|s| u64::from(s.kernel_dropped) + u64::from(s.if_dropped))
    }
}

/// Pace of a read.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Pace {
    /// As fast as the source gives frames.
    AsRead,
    /// N times the recorded pace (replay).
    Replay(f64),
}

/// Options of one read.
#[derive(Debug, Clone)]
pub struct ReadOptions {
    pub pace: Pace,
    /// Keep each DHCP frame's bytes in the batch (the source cannot be read again, `decode`).
    pub keep_frames: bool,
    /// Hand a batch over after this many DHCP packets...
    pub batch_packets: usize,
    /// ...or once this much time has passed since the last one (streams; `None`: by count only).
    pub batch_interval: Option<Duration>,
    /// Size of the file, for the progress.
    pub file_size: Option<u64>,
    /// Stop after this many DHCP packets.
    pub max_packets: Option<u64>,
}

impl Default for ReadOptions {
    fn default() -> Self {
        ReadOptions {
            pace: Pace::AsRead,
            keep_frames: false,
            batch_packets: 4096,
            batch_interval: Some(Duration::from_millis(15)),
            file_size: None,
            max_packets: None,
        }
    }
}

/// Flags a reader on another thread obeys: pause (honoured between frames) and stop.
#[derive(Debug, Clone, Default)]
pub struct ReadControl {
    pub paused: Arc<AtomicBool>,
    pub stop: Arc<AtomicBool>,
}

/// What a read saw besides the DHCP packets.
#[derive(Debug, Default)]
pub struct ReadSummary {
    pub frames: u64,
    pub dhcp_packets: u64,
    /// DHCPv6 messages read (UDP 546/547 over IPv6).
    pub dhcpv6_packets: u64,
    /// ICMPv6 router solicitations and advertisements read.
    pub router_packets: u64,
    /// Frames on link types we cannot decode, by LINKTYPE value (first few).
    pub unsupported_linktypes: Vec<(u16, u64)>,
    /// The error that ended the read early (truncated or corrupt file), if any.
    pub error: Option<SourceError>,
    /// What was odd in the file without ending the read (skipped pcapng sections).
    pub source_warnings: Vec<crate::source::SourceWarning>,
    /// 802.11 data frames skipped because they are encrypted.
    pub protected_frames: u64,
}

/// A batch is handed over once its buffer holds this much, whatever its packet count: big
/// frames (kept whole for a stream, or a hostile file's) cannot make a batch grow without
/// bound, and every span stays far below `u32::MAX`.
pub const MAX_BATCH_BYTES: usize = 8 << 20;

/// Longest the replay waits for a frame, counted from the first: a timestamp years after the
/// first one (a damaged or hostile file: a huge pcapng `if_tsoffset`) waits this long, not
/// forever, and cannot overflow the clock.
pub const MAX_REPLAY_DELAY: Duration = Duration::from_secs(7 * 24 * 3600);

/// Wall time after the first frame at which a frame `ms` later in the capture is due, at
/// `factor` times the recorded pace: never negative, never more than [`MAX_REPLAY_DELAY`].
pub fn replay_delay(ms: f64, factor: f64) -> Duration {
    let secs = ms / factor / 1000.0;
    if secs.is_nan() || secs <= 0.0 {
        Duration::ZERO
    } else {
        Duration::from_secs_f64(secs.min(MAX_REPLAY_DELAY.as_secs_f64()))
    }
}

fn sleep_until(due: Instant, control: &ReadControl) {
    loop {
        let now = Instant::now();
        if now >= due
            || control.stop.load(Ordering::Relaxed)
            || control.paused.load(Ordering::Relaxed)
        {
            return;
        }
        std::thread::sleep((due - now).min(Duration::from_millis(20)));
    }
}

/// The reader's state between frames.
struct Reader<'o, F> {
    opts: &'o ReadOptions,
    summary: ReadSummary,
    batch: PacketBatch,
    bytes_read: u64,
    last_send: Instant,
    last_drops: Option<u64>,
    hand_over: F,
    /// Nobody takes batches any more.
    closed: bool,
}

impl<F: FnMut(PacketBatch) -> Option<PacketBatch>> Reader<'_, F> {
    /// Hands the batch over (even empty, for the counters); false once nobody listens.
    fn flush(&mut self) -> bool {
        if self.closed {
            return false;
        }
        let mut batch = std::mem::take(&mut self.batch);
        batch.frames_read = self.summary.frames;
        batch.dhcp_read = self.summary.dhcp_packets;
        batch.v6_read = self.summary.dhcpv6_packets + self.summary.router_packets;
        batch.progress = self.opts.file_size.map(|size| (self.bytes_read, size));
        match (self.hand_over)(batch) {
            Some(mut next) => {
                next.clear();
                self.batch = next;
                self.last_send = Instant::now();
                true
            }
            None => {
                self.closed = true;
                false
            }
        }
    }

    fn flush_pending(&mut self) -> bool {
        self.batch.is_empty() || self.flush()
    }
}

/// Reads `source` to its end (or `opts.max_packets`, or `control.stop`), handing each batch
/// to `hand_over`, which returns an empty batch to fill next (a spent one, for its buffers) or
/// `None` when nobody listens any more. Honours `control.paused` and the pace. A truncated or
/// corrupt file ends the read with everything before it delivered; the error is in the
/// summary, not a failure. Every consumer reads through here: `decode`, `report`, the TUI.
pub fn read_batches<S: ReadSource + ?Sized>(
    source: &mut S,
    opts: &ReadOptions,
    control: &ReadControl,
    hand_over: impl FnMut(PacketBatch) -> Option<PacketBatch>,
) -> ReadSummary {
    let mut r = Reader {
        opts,
        summary: ReadSummary::default(),
        batch: PacketBatch::default(),
        bytes_read: 0,
        last_send: Instant::now(),
        last_drops: None,
        hand_over,
        closed: false,
    };
    let mut decoder = FrameDecoder::new();
    // Replay clock: wall time at which the first frame's capture time was "now".
    let mut replay_origin: Option<(Instant, Timestamp)> = None;
    let batch_packets = opts.batch_packets.max(1);
    loop {
        if control.stop.load(Ordering::Relaxed)
            || opts
                .max_packets
                .is_some_and(|m| r.summary.dhcp_packets >= m)
        {
            break;
        }
        if control.paused.load(Ordering::Relaxed) {
            if !r.flush_pending() {
                return r.summary;
            }
            let pause_start = Instant::now();
            while control.paused.load(Ordering::Relaxed) && !control.stop.load(Ordering::Relaxed) {
                std::thread::sleep(Duration::from_millis(20));
            }
            // The replay clock stands still while paused.
            if let Some((origin, ts)) = replay_origin {
                replay_origin = Some((origin + pause_start.elapsed(), ts));
            }
            continue;
        }
        let polled = match source.poll_frame() {
            Ok(f) => f,
            Err(e) => {
                r.summary.error = Some(e);
                break;
            }
        };
        let Some(frame) = polled else {
            if !source.idle() {
                break;
            }
            // A quiet moment: show what is pending, and the capture counters.
            let drops = source.drops();
            if !r.batch.is_empty() || drops != r.last_drops {
                r.batch.drops = drops;
                r.last_drops = drops;
                if !r.flush() {
                    return r.summary;
                }
            }
            continue;
        };
        r.summary.frames += 1;
        let ts = frame.ts;
        let caplen = frame.data.len() as u64;
        // A frame without a time (pcapng Simple Packet Block) is not paced.
        if let Pace::Replay(factor) = opts.pace
            && ts.is_known()
        {
            match replay_origin {
                None => replay_origin = Some((Instant::now(), ts)),
                Some((origin, first)) => {
                    let due = origin.checked_add(replay_delay(ts.millis_since(first), factor));
                    if let Some(due) = due.filter(|&d| d > Instant::now()) {
                        // Show what came before the wait first.
                        if !r.batch.is_empty() {
                            // The frame borrows the source, not the batch: hand over now.
                            if !r.flush() {
                                return r.summary;
                            }
                        }
                        sleep_until(due, control);
                    }
                }
            }
        }
        let mut pushed = false;
        let mut pushed_v6 = false;
        if !supports(frame.linktype) && frame.linktype != crate::frame6::LINKTYPE_IPV6 {
            let counts = &mut r.summary.unsupported_linktypes;
            match counts.iter_mut().find(|(lt, _)| *lt == frame.linktype) {
                Some((_, n)) => *n += 1,
                None => counts.push((frame.linktype, 1)),
            }
        } else if let Decoded::Udp(udp) = decoder.decode(&frame)
            && is_dhcp(&udp)
        {
            r.batch.push(&frame, &udp, opts.keep_frames);
            pushed = true;
        } else if let Some(ip6) = crate::frame6::decode(&frame) {
            match ip6.body {
                crate::frame6::Ip6Body::Udp { .. } => r.summary.dhcpv6_packets += 1,
                crate::frame6::Ip6Body::Icmp { .. } => r.summary.router_packets += 1,
            }
            r.batch.push_v6(&frame, &ip6, opts.keep_frames);
            pushed_v6 = true;
        }
        // The frame borrows the source: ask where it was once done with it.
        let offset = source.last_offset();
        if let Some(o) = offset {
            r.bytes_read = o + caplen;
        }
        if ts.is_known() {
            r.batch.clock = Some(ts);
        }
        if pushed {
            if let Some(p) = r.batch.packets.last_mut() {
                p.frame.offset = offset;
            }
            r.summary.dhcp_packets += 1;
        }
        if pushed_v6 && let Some(p) = r.batch.v6.last_mut() {
            p.frame.offset = offset;
        }
        let due = r.batch.len() + r.batch.v6.len() >= batch_packets
            || r.batch.buf.len() >= MAX_BATCH_BYTES
            || (!r.batch.is_empty()
                && opts
                    .batch_interval
                    .is_some_and(|i| r.last_send.elapsed() >= i));
        if due {
            r.batch.drops = source.drops();
            r.last_drops = r.batch.drops.or(r.last_drops);
            if !r.flush() {
                return r.summary;
            }
        }
    }
    if let Some(size) = opts.file_size {
        r.bytes_read = size;
    }
    r.flush();
    r.summary.source_warnings = source.take_warnings();
    r.summary.protected_frames = decoder.protected_frames();
    r.summary
}
