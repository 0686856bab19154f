//! The seam under [`super::Session`]: sending a frame, receiving the next captured one before
//! a deadline, and the clock both are measured on. [`LiveLink`] is the real one (a libpcap
//! capture handle and a send-only handle); [`super::fake::FakeLink`] replays scripted servers
//! on a fake clock, so the probe's logic is tested without root and without sleeping.

use crate::live::{self, Injector, LiveError, LiveOptions, LiveSource};
use crate::privilege::PrivilegeError;
use crate::source::{FrameSource, RawFrame, SourceError};
use crate::time::Timestamp;
use std::path::PathBuf;
use std::time::{Duration, Instant, SystemTime};

/// Why the link failed.
#[derive(Debug, thiserror::Error)]
pub enum LinkError {
    #[error(transparent)]
    Live(#[from] LiveError),
    #[error(transparent)]
    Privilege(#[from] PrivilegeError),
    #[error(transparent)]
    Capture(#[from] SourceError),
}

/// Sending and receiving frames on one interface.
pub trait Link {
    /// The clock deadlines and the rate limit are measured on (never goes back).
    fn now(&self) -> Timestamp;
    /// Sends one whole frame; returns the wall-clock time just before it left (the frame's
    /// time when the capture does not see it).
    fn send(&mut self, frame: &[u8]) -> Result<Timestamp, LinkError>;
    /// The next captured frame, waiting until `until` at most (on [`Link::now`]'s clock).
    /// `None` when the time is up or the link has ended.
    fn recv(&mut self, until: Timestamp) -> Result<Option<RawFrame<'_>>, SourceError>;
    /// Waits until `until` without reading (keeps the rate limit when the capture failed).
    fn sleep_until(&mut self, until: Timestamp);
    /// True after Ctrl-C or once the capture ended: nothing more is sent.
    fn is_finished(&self) -> bool;
    /// A fresh transaction id.
    fn new_xid(&mut self) -> u32;
    /// The interface's own MAC (relay mode sends from it).
    fn interface_mac(&self) -> Option<[u8; 6]>;
    /// The interface's name.
    fn interface(&self) -> &str;
    /// Whether the interface can still be probed (it may have gone down since the link
    /// opened).
    fn ready(&self) -> Result<(), LinkError>;
}

/// `t + d`.
pub fn after(t: Timestamp, d: Duration) -> Timestamp {
    let nanos = t.as_nanos() + d.as_nanos().min(i128::MAX as u128 / 2) as i128;
    from_nanos(nanos)
}

/// How long from `now` until `t` (zero when `t` has passed).
pub fn until(now: Timestamp, t: Timestamp) -> Duration {
    let d = t.as_nanos() - now.as_nanos();
    Duration::from_nanos(u64::try_from(d.max(0)).unwrap_or(u64::MAX))
}

fn from_nanos(n: i128) -> Timestamp {
    let secs = n.div_euclid(1_000_000_000);
    let nanos = n.rem_euclid(1_000_000_000) as u32;
    Timestamp::new(i64::try_from(secs).unwrap_or(i64::MAX), nanos)
}

fn wall_clock() -> Timestamp {
    let d = SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .unwrap_or_default();
    Timestamp::new(d.as_secs() as i64, d.subsec_nanos())
}

/// A fresh transaction id (no RNG crate: the std hasher is randomly keyed per process).
pub fn random_xid() -> u32 {
    use std::hash::{BuildHasher, Hasher};
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u128(wall_clock().as_nanos() as u128);
    h.write_u32(std::process::id());
    (h.finish() as u32).max(1)
}

/// The real link: a promiscuous capture (which also sees our own frames, with kernel
/// timestamps on the replies' clock) and a send-only handle.
pub struct LiveLink {
    source: LiveSource,
    injector: Injector,
    mac: Option<[u8; 6]>,
    /// The monotonic clock, started at the wall-clock time the link opened.
    started: Instant,
    started_wall: Timestamp,
}

impl std::fmt::Debug for LiveLink {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LiveLink")
            .field("source", &self.source)
            .field("injector", &self.injector)
            .finish_non_exhaustive()
    }
}

impl LiveLink {
    /// Opens both handles (needs CAP_NET_RAW); refuses `any`, loopback and down interfaces.
    pub fn open(interface: &str, savefile: Option<PathBuf>) -> Result<LiveLink, LinkError> {
        let state = live::check_injectable(interface)?;
        crate::privilege::check(interface)?;
        let mut opts = LiveOptions::new(interface);
        opts.savefile = savefile;
        let source = LiveSource::open(&opts)?;
        let injector = Injector::open(interface)?;
        Ok(LiveLink {
            source,
            injector,
            mac: state.mac,
            started: Instant::now(),
            started_wall: wall_clock(),
        })
    }
}

impl Link for LiveLink {
    fn now(&self) -> Timestamp {
        after(self.started_wall, self.started.elapsed())
    }

    fn send(&mut self, frame: &[u8]) -> Result<Timestamp, LinkError> {
        let ts = wall_clock();
        self.injector.send(frame)?;
        Ok(ts)
    }

    fn recv(&mut self, t: Timestamp) -> Result<Option<RawFrame<'_>>, SourceError> {
        let wait = until(self.now(), t);
        self.source.next_frame_timeout(Some(wait))
    }

    fn sleep_until(&mut self, t: Timestamp) {
        std::thread::sleep(until(self.now(), t));
    }

    fn is_finished(&self) -> bool {
        live::interrupted() || self.source.is_finished()
    }

    fn new_xid(&mut self) -> u32 {
        random_xid()
    }

    fn interface_mac(&self) -> Option<[u8; 6]> {
        self.mac
    }

    fn interface(&self) -> &str {
        self.source.interface()
    }

    fn ready(&self) -> Result<(), LinkError> {
        live::check_injectable(self.interface())?;
        Ok(())
    }
}

/// A link read as a [`FrameSource`] until a deadline: the probe's listening windows go
/// through the shared read path ([`crate::pipeline::read_dhcp`]).
pub struct Until<'l, L: Link + ?Sized> {
    pub link: &'l mut L,
    pub until: Timestamp,
}

impl<L: Link + ?Sized> FrameSource for Until<'_, L> {
    fn next_frame(&mut self) -> Result<Option<RawFrame<'_>>, SourceError> {
        // Checked before each frame: a busy capture never runs out of frames by itself.
        if self.link.is_finished() || self.link.now() >= self.until {
            return Ok(None);
        }
        self.link.recv(self.until)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clock_arithmetic_carries_nanoseconds() {
        let t = Timestamp::new(10, 900_000_000);
        assert_eq!(
            after(t, Duration::from_millis(250)),
            Timestamp::new(11, 150_000_000)
        );
        assert_eq!(until(t, Timestamp::new(11, 0)), Duration::from_millis(100));
        assert_eq!(until(Timestamp::new(12, 0), t), Duration::ZERO);
        assert_ne!(random_xid(), 0);
    }
}
