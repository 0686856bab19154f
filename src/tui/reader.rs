//! The reader thread: frames from a source, decoded down to UDP, sent to the UI in batches.
//!
//! Only DHCP packets travel, as owned copies of their UDP payloads plus the few link and IP
//! fields the analysis needs; the UI thread decodes the DHCP message and feeds the model. For
//! a file, each packet also carries where its frame lies in the file, so the detail view can
//! read it again instead of the UI keeping every packet.

use crate::frame::{Decoded, FrameDecoder, UdpChecksum, Vlans};
use crate::live::LiveSource;
use crate::pipeline::{is_dhcp, supports};
use crate::source::{FileSource, FrameSource, RawFrame, SourceError};
use crate::time::Timestamp;
use std::net::Ipv4Addr;
use std::ops::Range;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

/// Where a frame lies in its file, to read it again for the detail view.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FrameRef {
    pub frame: u64,
    /// Byte offset of the frame data in the file; [`FrameRef::NO_OFFSET`] for streams.
    pub offset: u64,
    pub caplen: u32,
    pub orig_len: u32,
    pub linktype: u16,
}

impl FrameRef {
    pub const NO_OFFSET: u64 = u64::MAX;
}

/// One DHCP packet in a batch: what [`crate::analysis::Analysis::observe`] reads.
#[derive(Debug, Clone)]
pub struct Item {
    pub fref: FrameRef,
    pub ts: Timestamp,
    pub ts_digits: u8,
    pub src_mac: Option<[u8; 6]>,
    pub dst_mac: Option<[u8; 6]>,
    pub vlans: Vlans,
    pub src_ip: Ipv4Addr,
    pub dst_ip: Ipv4Addr,
    pub src_port: u16,
    pub dst_port: u16,
    pub reassembled: bool,
    pub checksum: UdpChecksum,
    pub udp_warnings: crate::frame::FrameWarnings,
    pub tunnel: Option<crate::frame::Tunnel>,
    /// The UDP payload, in [`Batch::buf`].
    pub payload: Range<usize>,
    /// The whole frame, in [`Batch::buf`], for sources that cannot be read again (stdin).
    pub frame_data: Option<Range<usize>>,
}

/// DHCP packets read since the last batch, and the read position.
#[derive(Debug, Default, Clone)]
pub struct Batch {
    pub buf: Vec<u8>,
    pub items: Vec<Item>,
    /// Frames read so far, DHCP or not.
    pub frames_read: u64,
    /// DHCP packets read so far.
    pub dhcp_read: u64,
    /// Bytes read so far and the file size, when known.
    pub progress: Option<(u64, u64)>,
    /// Capture time of the last frame read (the replay clock).
    pub clock: Option<Timestamp>,
    /// Frames the live capture lost so far.
    pub drops: Option<u64>,
}

/// How the read ended.
#[derive(Debug, Clone, Default)]
pub struct Ended {
    pub frames: u64,
    pub dhcp_packets: u64,
    /// A damaged file: everything before the damage was read.
    pub warning: Option<String>,
    /// The source failed (read error, interface gone).
    pub fatal: Option<String>,
    pub unsupported_linktypes: Vec<(u16, u64)>,
}

/// Pace of a file read.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Speed {
    /// Everything at once, as fast as it reads.
    Load,
    /// N times the recorded pace.
    Factor(f64),
    /// Replay as fast as it reads, batch by batch.
    Max,
}

impl Speed {
    pub fn parse(s: &str) -> Result<Speed, String> {
        if s.eq_ignore_ascii_case("max") {
            return Ok(Speed::Max);
        }
        match s.trim_end_matches(['x', 'X']).parse::<f64>() {
            Ok(f) if f.is_finite() && f > 0.0 => Ok(Speed::Factor(f)),
            _ => Err(format!(
                "invalid speed {s:?}: a positive factor (0.5, 1, 10) or `max`"
            )),
        }
    }
}

/// What the runtime's threads share with the UI: the reader's pause and stop flags, and the
/// probe thread's queue (live mode, when the probe handles could be opened).
#[derive(Debug, Clone, Default)]
pub struct Control {
    pub paused: Arc<AtomicBool>,
    pub stop: Arc<AtomicBool>,
    pub probe: Option<std::sync::mpsc::Sender<Box<crate::probe::Plan>>>,
}

/// Options of one read.
#[derive(Debug, Clone)]
pub struct ReadOptions {
    pub speed: Speed,
    /// Keep each DHCP frame's bytes in the batch (the source cannot be read again).
    pub keep_frames: bool,
    /// Send a batch after this many DHCP packets...
    pub batch_packets: usize,
    /// ...or once this much time has passed since the last one.
    pub batch_interval: Duration,
    pub file_size: Option<u64>,
}

impl Default for ReadOptions {
    fn default() -> Self {
        ReadOptions {
            speed: Speed::Load,
            keep_frames: false,
            batch_packets: 4096,
            batch_interval: Duration::from_millis(15),
            file_size: None,
        }
    }
}

/// What the reader needs of a source beyond [`FrameSource`].
pub trait OffsetSource: FrameSource {
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

impl OffsetSource for FileSource {
    fn last_offset(&self) -> Option<u64> {
        Some(self.frame_offset())
    }
}

impl OffsetSource for LiveSource {
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

/// Reads `source` to its end (or until `control.stop`), handing batches to `send`, which
/// returns false when nobody listens any more. Honours `control.paused` and the speed.
pub fn read_batches<S: OffsetSource + ?Sized>(
    source: &mut S,
    opts: &ReadOptions,
    control: &Control,
    mut send: impl FnMut(Batch) -> bool,
) -> Ended {
    let mut ended = Ended::default();
    let mut decoder = FrameDecoder::new();
    let mut batch = Batch::default();
    let mut last_send = Instant::now();
    // Replay clock: wall time at which the first frame's capture time was "now".
    let mut replay_origin: Option<(Instant, Timestamp)> = None;
    let mut bytes_read = 0u64;
    let mut last_drops = None;
    let flush = |batch: &mut Batch,
                 ended: &Ended,
                 bytes_read: u64,
                 send: &mut dyn FnMut(Batch) -> bool|
     -> bool {
        batch.frames_read = ended.frames;
        batch.dhcp_read = ended.dhcp_packets;
        batch.progress = opts.file_size.map(|size| (bytes_read, size));
        send(std::mem::take(batch))
    };
    loop {
        if control.stop.load(Ordering::Relaxed) {
            break;
        }
        if control.paused.load(Ordering::Relaxed) {
            if !batch.items.is_empty() && !flush(&mut batch, &ended, bytes_read, &mut send) {
                return ended;
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
                match e {
                    SourceError::Truncated { .. } | SourceError::Corrupt { .. } => {
                        ended.warning = Some(e.to_string());
                    }
                    other => ended.fatal = Some(other.to_string()),
                }
                break;
            }
        };
        let Some(frame) = polled else {
            if !source.idle() {
                break;
            }
            // A quiet moment: show what is pending, and the capture counters.
            let drops = source.drops();
            if !batch.items.is_empty() || drops != last_drops {
                batch.drops = drops;
                last_drops = drops;
                if !flush(&mut batch, &ended, bytes_read, &mut send) {
                    return ended;
                }
                last_send = Instant::now();
            }
            continue;
        };
        ended.frames += 1;
        let fref_base = FrameRef {
            frame: frame.number,
            offset: FrameRef::NO_OFFSET,
            caplen: frame.data.len() as u32,
            orig_len: frame.orig_len,
            linktype: frame.linktype,
        };
        let (ts, ts_digits) = (frame.ts, frame.ts_digits);
        if let Speed::Factor(factor) = opts.speed {
            match replay_origin {
                None => replay_origin = Some((Instant::now(), ts)),
                Some((origin, first)) => {
                    let due = origin.checked_add(replay_delay(ts.millis_since(first), factor));
                    let now = Instant::now();
                    if let Some(due) = due.filter(|&d| d > now) {
                        // Show what came before the wait first.
                        if !batch.items.is_empty()
                            && !flush(&mut batch, &ended, bytes_read, &mut send)
                        {
                            return ended;
                        }
                        last_send = Instant::now();
                        sleep_until(due, control);
                    }
                }
            }
        }
        let mut item = None;
        if !supports(frame.linktype) {
            match ended
                .unsupported_linktypes
                .iter_mut()
                .find(|(lt, _)| *lt == frame.linktype)
            {
                Some((_, n)) => *n += 1,
                None => ended.unsupported_linktypes.push((frame.linktype, 1)),
            }
        } else if let Decoded::Udp(udp) = decoder.decode(&frame)
            && is_dhcp(&udp)
        {
            let start = batch.buf.len();
            batch.buf.extend_from_slice(udp.payload);
            let payload = start..batch.buf.len();
            let frame_data = opts.keep_frames.then(|| {
                let start = batch.buf.len();
                batch.buf.extend_from_slice(frame.data);
                start..batch.buf.len()
            });
            item = Some(Item {
                fref: fref_base,
                ts,
                ts_digits,
                src_mac: udp.src_mac,
                dst_mac: udp.dst_mac,
                vlans: udp.vlans,
                src_ip: udp.src_ip,
                dst_ip: udp.dst_ip,
                src_port: udp.src_port,
                dst_port: udp.dst_port,
                reassembled: udp.reassembled,
                checksum: udp.checksum,
                udp_warnings: udp.warnings,
                tunnel: udp.tunnel,
                payload,
                frame_data,
            });
        }
        // The frame borrows the source: ask where it was once done with it.
        let offset = source.last_offset();
        if let Some(o) = offset {
            bytes_read = o + u64::from(fref_base.caplen);
        }
        if ts.is_known() {
            batch.clock = Some(ts);
        }
        if let Some(mut item) = item {
            if let Some(o) = offset {
                item.fref.offset = o;
            }
            ended.dhcp_packets += 1;
            batch.items.push(item);
        }
        if batch.items.len() >= opts.batch_packets
            || (!batch.items.is_empty() && last_send.elapsed() >= opts.batch_interval)
        {
            batch.drops = source.drops();
            last_drops = batch.drops.or(last_drops);
            if !flush(&mut batch, &ended, bytes_read, &mut send) {
                return ended;
            }
            last_send = Instant::now();
        }
    }
    if opts.file_size.is_some() {
        bytes_read = opts.file_size.unwrap_or(bytes_read);
    }
    flush(&mut batch, &ended, bytes_read, &mut send);
    ended
}

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

thread_local! {
    /// Set while [`guarded`] runs on this thread: a panic there is caught and reported.
    static GUARDED: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// True on a thread whose panics [`guarded`] catches: the panic hook leaves the terminal be.
pub fn panic_is_caught() -> bool {
    GUARDED.with(std::cell::Cell::get)
}

/// Runs the reader, turning a panic into [`Ended::fatal`]: the view shows the error screen
/// and keeps working (what was read stays browsable, `q` quits) instead of waiting forever.
pub fn guarded(read: impl FnOnce() -> Ended) -> Ended {
    let was = GUARDED.with(|g| g.replace(true));
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(read));
    GUARDED.with(|g| g.set(was));
    result.unwrap_or_else(|panic| {
        let why = panic
            .downcast_ref::<&str>()
            .map(|s| (*s).to_owned())
            .or_else(|| panic.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "unknown error".to_owned());
        Ended {
            fatal: Some(format!("reading stopped on an internal error: {why}")),
            ..Ended::default()
        }
    })
}

fn sleep_until(due: Instant, control: &Control) {
    loop {
        let now = Instant::now();
        if now >= due || control.stop.load(Ordering::Relaxed) {
            return;
        }
        if control.paused.load(Ordering::Relaxed) {
            return;
        }
        std::thread::sleep((due - now).min(Duration::from_millis(20)));
    }
}

/// Reads the frame `r` describes from `file` again.
pub fn read_frame(file: &mut std::fs::File, r: &FrameRef) -> std::io::Result<Vec<u8>> {
    use std::io::{Read, Seek, SeekFrom};
    if r.offset == FrameRef::NO_OFFSET {
        return Err(std::io::Error::other("the source cannot be read again"));
    }
    file.seek(SeekFrom::Start(r.offset))?;
    let mut data = vec![0; r.caplen as usize];
    file.read_exact(&mut data)?;
    Ok(data)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::craft::{UdpEndpoints, udp_frame};
    use crate::dhcp::MessageBuilder;
    use crate::dhcp::options::MessageType;

    /// A pcapng block: type, length, body padded to 32 bits, length again.
    fn block(kind: u32, body: &[u8]) -> Vec<u8> {
        let mut body = body.to_vec();
        body.resize(body.len().div_ceil(4) * 4, 0);
        let len = (12 + body.len()) as u32;
        let mut b = kind.to_le_bytes().to_vec();
        b.extend_from_slice(&len.to_le_bytes());
        b.extend_from_slice(&body);
        b.extend_from_slice(&len.to_le_bytes());
        b
    }

    /// A pcapng whose second interface says its timestamps are `i64::MAX` seconds late
    /// (`if_tsoffset`), one DHCP DISCOVER on each interface.
    fn huge_tsoffset_pcapng() -> Vec<u8> {
        let mut shb = 0x1A2B_3C4Du32.to_le_bytes().to_vec();
        shb.extend_from_slice(&[1, 0, 0, 0]);
        shb.extend_from_slice(&(-1i64).to_le_bytes());
        let idb = |offset: i64| {
            let mut b = vec![1, 0, 0, 0];
            b.extend_from_slice(&65535u32.to_le_bytes());
            b.extend_from_slice(&14u16.to_le_bytes());
            b.extend_from_slice(&8u16.to_le_bytes());
            b.extend_from_slice(&offset.to_le_bytes());
            b.extend_from_slice(&[0; 4]);
            block(1, &b)
        };
        let frame = udp_frame(
            &UdpEndpoints::client_broadcast([2, 0, 0, 0, 0, 7]),
            &[],
            &MessageBuilder::request(7, [2, 0, 0, 0, 0, 7])
                .message_type(MessageType::DISCOVER)
                .build(),
        );
        let epb = |interface: u32| {
            let mut b = interface.to_le_bytes().to_vec();
            b.extend_from_slice(&[0; 8]);
            b.extend_from_slice(&(frame.len() as u32).to_le_bytes());
            b.extend_from_slice(&(frame.len() as u32).to_le_bytes());
            b.extend_from_slice(&frame);
            block(6, &b)
        };
        [
            block(0x0A0D_0D0A, &shb),
            idb(0),
            idb(i64::MAX),
            epb(0),
            epb(1),
        ]
        .concat()
    }

    #[test]
    fn replay_delay_is_clamped() {
        assert_eq!(replay_delay(1500.0, 1.0), Duration::from_millis(1500));
        assert_eq!(replay_delay(1500.0, 2.0), Duration::from_millis(750));
        assert_eq!(replay_delay(-5.0, 1.0), Duration::ZERO);
        assert_eq!(replay_delay(f64::NAN, 1.0), Duration::ZERO);
        assert_eq!(replay_delay(9.2e21, 1.0), MAX_REPLAY_DELAY);
        assert_eq!(replay_delay(1.0, 1e-300), MAX_REPLAY_DELAY);
        assert_eq!(replay_delay(f64::INFINITY, 1.0), MAX_REPLAY_DELAY);
    }

    /// A pcapng timestamp `i64::MAX` seconds after the first frame used to overflow the replay
    /// clock (a panic in the reader thread): now it waits, and stops when told.
    #[test]
    fn replay_of_a_huge_tsoffset_waits_and_stops() {
        let path = std::env::temp_dir().join(format!(
            "dhcpscope-reader-tsoffset-{}.pcapng",
            std::process::id()
        ));
        std::fs::write(&path, huge_tsoffset_pcapng()).unwrap();
        let mut source = FileSource::open(&path).unwrap();
        let opts = ReadOptions {
            speed: Speed::Factor(1.0),
            ..ReadOptions::default()
        };
        let control = Control::default();
        let stop = control.stop.clone();
        let stopper = std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(300));
            stop.store(true, Ordering::Relaxed);
        });
        let mut items = 0;
        let started = Instant::now();
        let ended = read_batches(&mut source, &opts, &control, |b| {
            items += b.items.len();
            true
        });
        stopper.join().unwrap();
        let _ = std::fs::remove_file(&path);
        assert!(started.elapsed() < Duration::from_secs(10));
        assert_eq!(ended.frames, 2, "{ended:?}");
        assert!(
            ended.fatal.is_none() && ended.warning.is_none(),
            "{ended:?}"
        );
        assert_eq!(items, 2);
    }

    #[test]
    fn a_reader_panic_becomes_a_fatal_end() {
        assert!(!panic_is_caught());
        let ended = guarded(|| {
            assert!(panic_is_caught());
            panic!("overflow when adding duration to instant")
        });
        assert!(!panic_is_caught());
        let fatal = ended.fatal.unwrap();
        assert!(
            fatal.contains("internal error: overflow when adding duration"),
            "{fatal}"
        );
        let ended = guarded(|| std::panic::panic_any(format!("frame {}", 7)));
        assert!(ended.fatal.unwrap().ends_with("frame 7"));
        let ended = guarded(|| Ended {
            frames: 3,
            ..Ended::default()
        });
        assert_eq!(ended.frames, 3);
    }
}
