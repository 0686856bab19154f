//! What the TUI's reader thread shares with the UI. The thread itself runs the pipeline's one
//! reader ([`crate::pipeline::read_batches`]): only DHCP packets travel, as the pipeline's
//! compact records in batches; the UI thread builds each packet's view and feeds the model.
//! For a file, each record also says where its frame lies in the file ([`FrameRef`]), so the
//! detail view reads it again instead of the UI keeping every packet; streams keep frames.

use crate::pipeline::{self, FrameMeta, Pace, PacketBatch, ReadControl, ReadSource, ReadSummary};
use crate::source::SourceError;
use std::sync::mpsc::{Receiver, Sender};

pub use crate::pipeline::{MAX_REPLAY_DELAY, ReadOptions, replay_delay};

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

impl From<&FrameMeta> for FrameRef {
    fn from(f: &FrameMeta) -> FrameRef {
        FrameRef {
            frame: f.number,
            offset: f.offset.unwrap_or(FrameRef::NO_OFFSET),
            caplen: f.caplen,
            orig_len: f.orig_len,
            linktype: f.linktype,
        }
    }
}

/// DHCP packets read since the last batch, and the read position: the pipeline's batch.
pub type Batch = PacketBatch;

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

impl From<ReadSummary> for Ended {
    fn from(s: ReadSummary) -> Ended {
        let (damage, fatal) = match s.error {
            Some(e @ (SourceError::Truncated { .. } | SourceError::Corrupt { .. })) => {
                (Some(e.to_string()), None)
            }
            Some(e) => (None, Some(e.to_string())),
            None => (None, None),
        };
        // Everything recognised but not read is said, as `report` says it on stderr.
        let mut notes: Vec<String> = damage.into_iter().collect();
        notes.extend(s.source_warnings.iter().map(ToString::to_string));
        if s.protected_frames > 0 {
            notes.push(format!(
                "{} encrypted 802.11 data frames skipped",
                s.protected_frames
            ));
        }
        if s.dhcpv6_packets + s.router_packets > 0 {
            notes.push(format!(
                "{} DHCPv6 and {} router solicitation/advertisement packets not shown here \
                 (`dhcpscope report` analyses them)",
                s.dhcpv6_packets, s.router_packets
            ));
        }
        notes.extend(s.unsupported_linktypes.iter().map(|(linktype, frames)| {
            format!("{frames} frames on unsupported link type {linktype} skipped")
        }));
        let warning = (!notes.is_empty()).then(|| notes.join("; "));
        Ended {
            frames: s.frames,
            dhcp_packets: s.dhcp_packets,
            warning,
            fatal,
            unsupported_linktypes: s.unsupported_linktypes,
        }
    }
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

impl Speed {
    /// How the reader paces itself for this speed.
    pub fn pace(self) -> Pace {
        match self {
            Speed::Factor(f) => Pace::Replay(f),
            Speed::Load | Speed::Max => Pace::AsRead,
        }
    }
}

/// What the runtime's threads share with the UI: the reader's pause and stop flags, the way
/// spent batches go back to the reader, and the probe thread's queue (live mode, when the
/// probe handles could be opened).
#[derive(Debug, Clone, Default)]
pub struct Control {
    pub read: ReadControl,
    pub spent: Option<Sender<PacketBatch>>,
    pub probe: Option<std::sync::mpsc::Sender<Box<crate::probe::Plan>>>,
}

/// Reads `source` through the pipeline's reader, handing batches to `send`, which returns
/// false when nobody listens any more; batches given back on `spent` are filled again.
pub fn read_batches<S: ReadSource + ?Sized>(
    source: &mut S,
    opts: &ReadOptions,
    control: &Control,
    send: impl FnMut(Batch) -> bool,
) -> Ended {
    read_recycling(source, opts, control, send, None)
}

/// [`read_batches`] taking its batches back from `spent` (the reader thread).
pub fn read_recycling<S: ReadSource + ?Sized>(
    source: &mut S,
    opts: &ReadOptions,
    control: &Control,
    send: impl FnMut(Batch) -> bool,
    spent: Option<Receiver<PacketBatch>>,
) -> Ended {
    let spent = spent.unwrap_or_else(|| pipeline::spent_channel().1);
    let hand_over = pipeline::recycling(send, spent);
    pipeline::read_batches(source, opts, &control.read, hand_over).into()
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
    use crate::source::FileSource;
    use std::time::{Duration, Instant};

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
            pace: Speed::Factor(1.0).pace(),
            ..ReadOptions::default()
        };
        let control = Control::default();
        let stop = control.read.stop.clone();
        let stopper = std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(300));
            stop.store(true, std::sync::atomic::Ordering::Relaxed);
        });
        let mut items = 0;
        let started = Instant::now();
        let ended = read_batches(&mut source, &opts, &control, |b| {
            items += b.len();
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
