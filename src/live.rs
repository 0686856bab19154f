//! Live capture and injection through libpcap.
//!
//! [`LiveSource`] opens an interface in promiscuous mode with a BPF filter that catches DHCP
//! untagged, 802.1Q-tagged and QinQ-tagged ([`DEFAULT_FILTER`]), and lends frames through the
//! same [`FrameSource`] trait as the file reader. libpcap's read timeout never fires on an idle
//! Linux interface (libpcap #572), so the handle is non-blocking and we `poll(2)` its
//! descriptor in short slices: a [`StopHandle`], a deadline or Ctrl-C end the capture within
//! [`POLL_SLICE`]. `-w` savefiles are flushed whenever the capture goes idle (and at least every
//! [`FLUSH_EVERY`] under load), and closed on drop, so they stay valid after Ctrl-C.
//!
//! [`Injector`] is a second handle that only sends. Keeping it apart from the capture handle
//! means the capture sees our own frames (a packet socket does not see what it sends itself),
//! with kernel timestamps on the same clock as the replies.

use crate::source::{FrameSource, RawFrame, SourceError, linktype};
use crate::time::Timestamp;
use std::io;
use std::os::unix::io::{AsRawFd, RawFd};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

/// DHCP on ports 67/68, untagged, under one 802.1Q/802.1ad tag, or under two (QinQ). Each
/// `vlan` keyword shifts the offsets of everything after it, so the tagged alternatives are
/// nested inside the `vlan` test rather than listed flat (a flat third alternative never
/// matches QinQ; see docs/privileges.md and the rust-stack notes).
pub const DEFAULT_FILTER: &str = "(udp and (port 67 or port 68)) or (vlan and (udp and (port 67 or port 68) or (vlan and udp and (port 67 or port 68))))";

/// How long one `poll(2)` waits: the worst-case reaction time to a stop request.
pub const POLL_SLICE: Duration = Duration::from_millis(100);
/// Under constant load the savefile is flushed at least this often.
pub const FLUSH_EVERY: Duration = Duration::from_millis(250);

/// Kernel buffer for the capture handle. In immediate mode libpcap uses a TPACKET_V2 ring
/// of fixed slots of about `snaplen` bytes each, so buffer and snaplen together decide how
/// many frames a burst may queue: 64 MiB / 9 KiB ≈ 7000 frames (140 ms at 50k packets/s).
const CAPTURE_BUFFER: i32 = 64 * 1024 * 1024;
/// Default snaplen: a jumbo frame. DHCP never needs more (larger messages arrive as IP
/// fragments of at most one MTU each), and a 64 KiB snaplen would leave the ring ~500 slots.
pub const DEFAULT_SNAPLEN: i32 = 9216;

/// What to open.
#[derive(Debug, Clone)]
pub struct LiveOptions {
    pub interface: String,
    /// BPF filter; `None` means [`DEFAULT_FILTER`].
    pub filter: Option<String>,
    pub promiscuous: bool,
    pub snaplen: i32,
    /// Also write every captured frame to this pcap file (nanosecond timestamps).
    pub savefile: Option<PathBuf>,
    /// Stop (as if stopped by the handle) after this long.
    pub duration: Option<Duration>,
}

impl LiveOptions {
    /// Defaults: promiscuous, the DHCP filter, full frames, no savefile, no time limit.
    pub fn new(interface: impl Into<String>) -> Self {
        Self {
            interface: interface.into(),
            filter: None,
            promiscuous: true,
            snaplen: DEFAULT_SNAPLEN,
            savefile: None,
            duration: None,
        }
    }

    pub fn filter_text(&self) -> &str {
        self.filter.as_deref().unwrap_or(DEFAULT_FILTER)
    }
}

#[derive(Debug, thiserror::Error)]
pub enum LiveError {
    /// No CAP_NET_RAW: the message names both fixes.
    #[error("{}", crate::privilege::permission_message(.interface))]
    Permission { interface: String },
    #[error("no such interface: {0} (list them with -D)")]
    NoSuchInterface(String),
    #[error("interface {0} is down")]
    InterfaceDown(String),
    #[error("refusing to {action} on {interface}: {why}")]
    Refused {
        action: &'static str,
        interface: String,
        why: &'static str,
    },
    #[error("bad capture filter {filter:?}: {detail}")]
    Filter { filter: String, detail: String },
    #[error("cannot write {}: {detail}", .path.display())]
    Savefile { path: PathBuf, detail: String },
    #[error("cannot open {interface}: {detail}")]
    Open { interface: String, detail: String },
    #[error("sending on {interface} failed: {detail}")]
    Send { interface: String, detail: String },
}

impl LiveError {
    /// Maps a libpcap open/activate error to a precise error.
    fn from_open(interface: &str, e: &pcap::Error) -> Self {
        let detail = match e {
            pcap::Error::PcapError(s) => s.clone(),
            other => other.to_string(),
        };
        let lower = detail.to_ascii_lowercase();
        if lower.contains("not permitted")
            || lower.contains("permission denied")
            || lower.contains("don't have permission")
        {
            LiveError::Permission {
                interface: interface.to_owned(),
            }
        } else if lower.contains("no such device") {
            LiveError::NoSuchInterface(interface.to_owned())
        } else if lower.contains("not up") {
            LiveError::InterfaceDown(interface.to_owned())
        } else {
            LiveError::Open {
                interface: interface.to_owned(),
                detail,
            }
        }
    }

    /// True when the cause is missing privilege.
    pub fn is_permission(&self) -> bool {
        matches!(self, LiveError::Permission { .. })
    }
}

/// Makes a [`LiveSource`] end: `next_frame` returns `Ok(None)` within [`POLL_SLICE`].
/// Cheap to clone, `Send + Sync`.
#[derive(Debug, Clone, Default)]
pub struct StopHandle(Arc<AtomicBool>);

impl StopHandle {
    pub fn stop(&self) {
        self.0.store(true, Ordering::SeqCst);
    }
    pub fn is_stopped(&self) -> bool {
        self.0.load(Ordering::SeqCst)
    }
}

/// Capture counters from libpcap (`pcap_stats`): on Linux `received` counts frames that passed
/// the filter, `kernel_dropped` those lost because the buffer was full, and `if_dropped` the
/// interface's own drop counter.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct LiveStats {
    pub received: u32,
    pub kernel_dropped: u32,
    pub if_dropped: u32,
}

/// A live interface as a frame source.
pub struct LiveSource {
    cap: pcap::Capture<pcap::Active>,
    fd: RawFd,
    interface: String,
    filter: String,
    linktype: u16,
    stop: StopHandle,
    deadline: Option<Instant>,
    savefile: Option<pcap::Savefile>,
    unflushed: bool,
    last_flush: Instant,
    frames: u64,
    ended: bool,
    buf: Vec<u8>,
    ts: Timestamp,
    orig_len: u32,
}

impl std::fmt::Debug for LiveSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LiveSource")
            .field("interface", &self.interface)
            .field("filter", &self.filter)
            .field("linktype", &self.linktype)
            .field("frames", &self.frames)
            .finish_non_exhaustive()
    }
}

impl LiveSource {
    /// Opens the interface (needs CAP_NET_RAW), sets the filter and the savefile.
    pub fn open(opts: &LiveOptions) -> Result<LiveSource, LiveError> {
        let iface = opts.interface.as_str();
        let inactive = pcap::Capture::from_device(iface)
            .map_err(|e| LiveError::from_open(iface, &e))?
            .promisc(opts.promiscuous)
            .snaplen(opts.snaplen)
            .immediate_mode(true)
            .buffer_size(CAPTURE_BUFFER)
            .precision(pcap::Precision::Nano);
        let cap = inactive
            .open()
            .map_err(|e| LiveError::from_open(iface, &e))?;
        let mut cap = cap
            .setnonblock()
            .map_err(|e| LiveError::from_open(iface, &e))?;
        let filter = opts.filter_text().to_owned();
        cap.filter(&filter, true).map_err(|e| LiveError::Filter {
            filter: filter.clone(),
            detail: pcap_detail(&e),
        })?;
        let savefile = match &opts.savefile {
            None => None,
            Some(path) => Some(open_savefile(&cap, path)?),
        };
        let linktype = dlt_to_linktype(cap.get_datalink().0);
        let fd = cap.as_raw_fd();
        Ok(LiveSource {
            cap,
            fd,
            interface: iface.to_owned(),
            filter,
            linktype,
            stop: StopHandle::default(),
            deadline: opts.duration.map(|d| Instant::now() + d),
            savefile,
            unflushed: false,
            last_flush: Instant::now(),
            frames: 0,
            ended: false,
            buf: Vec::with_capacity(2048),
            ts: Timestamp::default(),
            orig_len: 0,
        })
    }

    pub fn interface(&self) -> &str {
        &self.interface
    }

    /// The BPF filter in force.
    pub fn filter(&self) -> &str {
        &self.filter
    }

    /// LINKTYPE_* value of the frames (DLT values are mapped).
    pub fn linktype(&self) -> u16 {
        self.linktype
    }

    /// Frames delivered so far.
    pub fn frames(&self) -> u64 {
        self.frames
    }

    pub fn stop_handle(&self) -> StopHandle {
        self.stop.clone()
    }

    /// True once the source has ended (stopped, interrupted, past its duration).
    pub fn is_finished(&self) -> bool {
        self.ended
    }

    /// Kernel and interface counters since the capture opened.
    pub fn stats(&mut self) -> Result<LiveStats, LiveError> {
        let s = self.cap.stats().map_err(|e| LiveError::Open {
            interface: self.interface.clone(),
            detail: pcap_detail(&e),
        })?;
        Ok(LiveStats {
            received: s.received,
            kernel_dropped: s.dropped,
            if_dropped: s.if_dropped,
        })
    }

    /// Writes buffered savefile records to disk.
    pub fn flush(&mut self) {
        if let Some(sf) = &mut self.savefile
            && self.unflushed
        {
            let _ = sf.flush();
        }
        self.unflushed = false;
        self.last_flush = Instant::now();
    }

    fn should_end(&self) -> bool {
        self.stop.is_stopped()
            || interrupted()
            || self.deadline.is_some_and(|d| Instant::now() >= d)
    }

    /// The next frame, waiting at most `timeout` (`None`: until the source ends). `Ok(None)`
    /// means the wait ran out or the source ended; [`is_finished`](Self::is_finished) tells
    /// which.
    pub fn next_frame_timeout(
        &mut self,
        timeout: Option<Duration>,
    ) -> Result<Option<RawFrame<'_>>, SourceError> {
        let until = timeout.map(|t| Instant::now() + t);
        loop {
            if self.ended || self.should_end() {
                self.ended = true;
                self.flush();
                return Ok(None);
            }
            match self.cap.next_packet() {
                Ok(p) => {
                    self.buf.clear();
                    self.buf.extend_from_slice(p.data);
                    // With nanosecond precision, tv_usec holds nanoseconds.
                    self.ts = Timestamp::new(
                        p.header.ts.tv_sec,
                        u32::try_from(p.header.ts.tv_usec)
                            .unwrap_or(0)
                            .min(999_999_999),
                    );
                    self.orig_len = p.header.len;
                    if let Some(sf) = &mut self.savefile {
                        sf.write(&p);
                        self.unflushed = true;
                    }
                    break;
                }
                Err(pcap::Error::TimeoutExpired) => {
                    // Non-blocking and nothing buffered: idle.
                    self.flush();
                    let now = Instant::now();
                    if until.is_some_and(|u| now >= u) {
                        return Ok(None);
                    }
                    let mut wait = POLL_SLICE;
                    for limit in [until, self.deadline].into_iter().flatten() {
                        wait = wait.min(limit.saturating_duration_since(now));
                    }
                    poll_readable(self.fd, wait)?;
                }
                Err(pcap::Error::NoMorePackets) => {
                    // pcap_breakloop: treat as a stop.
                    self.ended = true;
                    self.flush();
                    return Ok(None);
                }
                Err(e) => {
                    return Err(SourceError::Io(io::Error::other(format!(
                        "capture on {} failed: {}",
                        self.interface,
                        pcap_detail(&e)
                    ))));
                }
            }
        }
        if self.unflushed && self.last_flush.elapsed() >= FLUSH_EVERY {
            self.flush();
        }
        self.frames += 1;
        Ok(Some(RawFrame {
            number: self.frames,
            ts: self.ts,
            ts_digits: 9,
            linktype: self.linktype,
            orig_len: self.orig_len,
            data: &self.buf,
        }))
    }
}

impl FrameSource for LiveSource {
    fn next_frame(&mut self) -> Result<Option<RawFrame<'_>>, SourceError> {
        self.next_frame_timeout(None)
    }
}

impl Drop for LiveSource {
    fn drop(&mut self) {
        self.flush();
    }
}

fn open_savefile(
    cap: &pcap::Capture<pcap::Active>,
    path: &Path,
) -> Result<pcap::Savefile, LiveError> {
    let err = |detail: String| LiveError::Savefile {
        path: path.to_owned(),
        detail,
    };
    // libpcap takes a C string; the crate would panic on a non-UTF-8 path.
    if path.to_str().is_none() {
        return Err(err("the path is not valid UTF-8".into()));
    }
    cap.savefile(path).map_err(|e| err(pcap_detail(&e)))
}

fn pcap_detail(e: &pcap::Error) -> String {
    match e {
        pcap::Error::PcapError(s) => s.clone(),
        other => other.to_string(),
    }
}

/// Waits until `fd` is readable or `wait` passes; a signal just ends the wait early.
fn poll_readable(fd: RawFd, wait: Duration) -> Result<(), SourceError> {
    let mut pfd = libc::pollfd {
        fd,
        events: libc::POLLIN,
        revents: 0,
    };
    let ms = libc::c_int::try_from(wait.as_millis()).unwrap_or(libc::c_int::MAX);
    // SAFETY: one valid pollfd for the duration of the call.
    let rc = unsafe { libc::poll(&mut pfd, 1, ms) };
    if rc < 0 {
        let e = io::Error::last_os_error();
        if e.kind() != io::ErrorKind::Interrupted {
            return Err(SourceError::Io(e));
        }
    }
    Ok(())
}

/// LINKTYPE_* value (what files store) for a DLT_* value (what libpcap reports). On Linux they
/// differ for raw IP: DLT_RAW is 12 (14 on some BSDs), LINKTYPE_RAW is 101.
pub fn dlt_to_linktype(dlt: i32) -> u16 {
    linktype::from_dlt(i64::from(dlt))
}

// ------------------------------------------------------------------ interfaces --

/// What the kernel says about an interface (from /sys/class/net, no privilege needed).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InterfaceState {
    pub name: String,
    pub up: bool,
    pub loopback: bool,
    pub mac: Option<[u8; 6]>,
}

const IFF_UP: u32 = 0x1;
const IFF_LOOPBACK: u32 = 0x8;

/// Looks an interface up; [`LiveError::NoSuchInterface`] when it does not exist.
pub fn interface_state(name: &str) -> Result<InterfaceState, LiveError> {
    if name.is_empty() || name.contains('/') || name == "." || name == ".." {
        return Err(LiveError::NoSuchInterface(name.to_owned()));
    }
    let dir = Path::new("/sys/class/net").join(name);
    let flags = std::fs::read_to_string(dir.join("flags"))
        .map_err(|_| LiveError::NoSuchInterface(name.to_owned()))?;
    let flags = u32::from_str_radix(flags.trim().trim_start_matches("0x"), 16).unwrap_or(0);
    let mac = std::fs::read_to_string(dir.join("address"))
        .ok()
        .and_then(|s| crate::analysis::config::parse_mac(s.trim()));
    Ok(InterfaceState {
        name: name.to_owned(),
        up: flags & IFF_UP != 0,
        loopback: flags & IFF_LOOPBACK != 0,
        mac,
    })
}

/// Refuses interfaces a probe must never send on: `any`, loopback, down.
pub fn check_injectable(name: &str) -> Result<InterfaceState, LiveError> {
    let refuse = |why| LiveError::Refused {
        action: "inject",
        interface: name.to_owned(),
        why,
    };
    if name == "any" {
        return Err(refuse(
            "it is not one network (name the interface to probe)",
        ));
    }
    let st = interface_state(name)?;
    if st.loopback {
        return Err(refuse("it is a loopback interface"));
    }
    if !st.up {
        return Err(LiveError::InterfaceDown(name.to_owned()));
    }
    Ok(st)
}

/// Opens a capture the way every live command does: checks the interface (unless `any`) and
/// CAP_NET_RAW (one friendly error without it), opens the capture, then gives privileges up
/// ([`crate::privilege::drop_or_warn`]: a failed drop is a warning and the command goes on).
/// The [`Dropped`](crate::privilege::Dropped) is `None` when the drop failed.
pub fn open_checked(
    opts: &LiveOptions,
) -> anyhow::Result<(LiveSource, Option<crate::privilege::Dropped>)> {
    let (source, (), dropped) = open_checked_with(opts, |_| ())?;
    Ok((source, dropped))
}

/// [`open_checked`], running `more` after the capture is open and before privileges are
/// dropped, for other handles that need the privilege (the TUI's probe session); its result
/// is returned in the middle.
pub fn open_checked_with<T>(
    opts: &LiveOptions,
    more: impl FnOnce(&LiveSource) -> T,
) -> anyhow::Result<(LiveSource, T, Option<crate::privilege::Dropped>)> {
    let iface = opts.interface.as_str();
    if iface != "any" {
        interface_state(iface)?;
    }
    crate::privilege::check(iface)?;
    let source = LiveSource::open(opts)?;
    let extra = more(&source);
    let dropped = crate::privilege::drop_or_warn();
    Ok((source, extra, dropped))
}

/// The `-D` listing on stdout (see [`list_interfaces`]).
pub fn print_interfaces() -> anyhow::Result<()> {
    let stdout = io::stdout();
    let mut out = stdout.lock();
    list_interfaces(&mut out)?;
    io::Write::flush(&mut out)?;
    Ok(())
}

/// The `-D` listing: one interface per line, as `tcpdump -D` prints it.
pub fn list_interfaces(out: &mut impl io::Write) -> anyhow::Result<()> {
    let devices = pcap::Device::list().map_err(|e| anyhow::anyhow!("{}", pcap_detail(&e)))?;
    for (i, d) in devices.iter().enumerate() {
        let mut flags = Vec::new();
        if d.flags.is_loopback() {
            flags.push("Loopback");
        }
        if d.flags.is_up() {
            flags.push("Up");
        }
        if d.flags.is_running() {
            flags.push("Running");
        }
        let name = crate::escape::escape_str(&d.name);
        let desc = d
            .desc
            .as_deref()
            .map(|s| format!(" ({})", crate::escape::escape_str(s)))
            .unwrap_or_default();
        let addrs: Vec<String> = d
            .addresses
            .iter()
            .filter(|a| a.addr.is_ipv4())
            .map(|a| a.addr.to_string())
            .collect();
        let addrs = if addrs.is_empty() {
            String::new()
        } else {
            format!(" {}", addrs.join(","))
        };
        writeln!(out, "{}.{name}{desc} [{}]{addrs}", i + 1, flags.join(", "))?;
    }
    Ok(())
}

// ------------------------------------------------------------------- injection --

/// A send-only handle (its receive side is filtered to nothing).
pub struct Injector {
    cap: pcap::Capture<pcap::Active>,
    interface: String,
    sent: u64,
}

impl std::fmt::Debug for Injector {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Injector")
            .field("interface", &self.interface)
            .field("sent", &self.sent)
            .finish_non_exhaustive()
    }
}

impl Injector {
    /// Opens `interface` for sending (needs CAP_NET_RAW). Refuses `any` and loopback.
    pub fn open(interface: &str) -> Result<Injector, LiveError> {
        check_injectable(interface)?;
        let mut cap = pcap::Capture::from_device(interface)
            .map_err(|e| LiveError::from_open(interface, &e))?
            .promisc(false)
            .snaplen(64)
            .buffer_size(64 * 1024)
            .immediate_mode(true)
            .open()
            .map_err(|e| LiveError::from_open(interface, &e))?;
        // Receive nothing: this handle only sends.
        cap.filter("less 1", true)
            .map_err(|e| LiveError::from_open(interface, &e))?;
        Ok(Injector {
            cap,
            interface: interface.to_owned(),
            sent: 0,
        })
    }

    /// Sends one whole frame (Ethernet header included).
    pub fn send(&mut self, frame: &[u8]) -> Result<(), LiveError> {
        self.cap.sendpacket(frame).map_err(|e| LiveError::Send {
            interface: self.interface.clone(),
            detail: pcap_detail(&e),
        })?;
        self.sent += 1;
        Ok(())
    }

    /// Frames sent so far.
    pub fn sent(&self) -> u64 {
        self.sent
    }
}

// ------------------------------------------------------------------- Ctrl-C --

static INTERRUPTED: AtomicBool = AtomicBool::new(false);

/// True after SIGINT or SIGTERM, once [`install_interrupt_handler`] ran.
pub fn interrupted() -> bool {
    INTERRUPTED.load(Ordering::SeqCst)
}

extern "C" fn on_interrupt(_sig: libc::c_int) {
    // Only an atomic store: async-signal-safe.
    INTERRUPTED.store(true, Ordering::SeqCst);
}

/// Makes SIGINT and SIGTERM end every [`LiveSource`] cleanly (the report is still printed and
/// the savefile closed). The handler is one-shot: a second Ctrl-C kills the process.
pub fn install_interrupt_handler() {
    for sig in [libc::SIGINT, libc::SIGTERM] {
        // SAFETY: a zeroed sigaction with a handler that only stores an atomic; SA_RESETHAND
        // restores the default action after the first signal.
        unsafe {
            let mut sa: libc::sigaction = std::mem::zeroed();
            sa.sa_sigaction = on_interrupt as *const () as libc::sighandler_t;
            sa.sa_flags = libc::SA_RESETHAND;
            libc::sigemptyset(&mut sa.sa_mask);
            libc::sigaction(sig, &sa, std::ptr::null_mut());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dlt_values_map_to_linktypes() {
        assert_eq!(dlt_to_linktype(1), linktype::ETHERNET);
        assert_eq!(dlt_to_linktype(12), linktype::RAW);
        assert_eq!(dlt_to_linktype(14), linktype::RAW);
        assert_eq!(dlt_to_linktype(113), linktype::LINUX_SLL);
        assert_eq!(dlt_to_linktype(276), linktype::LINUX_SLL2);
        assert_eq!(dlt_to_linktype(0), linktype::NULL);
        assert_eq!(dlt_to_linktype(228), linktype::IPV4);
    }

    #[test]
    fn default_filter_matches_untagged_8021q_and_qinq_dhcp() {
        use crate::craft::{UdpEndpoints, udp_frame};
        let cap = pcap::Capture::dead(pcap::Linktype::ETHERNET).unwrap();
        let prog = cap.compile(DEFAULT_FILTER, true).unwrap();
        let ends = UdpEndpoints::client_broadcast([2, 0, 0, 0, 0, 1]);
        let payload = [0u8; 300];
        for vlans in [&[][..], &[10], &[100, 10]] {
            let f = udp_frame(&ends, vlans, &payload);
            assert!(prog.filter(&f), "vlans {vlans:?}");
        }
        let mut dns = ends;
        dns.dst_port = 53;
        dns.src_port = 5353;
        for vlans in [&[][..], &[10], &[100, 10]] {
            assert!(!prog.filter(&udp_frame(&dns, vlans, &payload)));
        }
    }

    #[test]
    fn interface_checks_refuse_any_loopback_and_missing() {
        assert!(matches!(
            check_injectable("any"),
            Err(LiveError::Refused { .. })
        ));
        assert!(matches!(
            check_injectable("lo"),
            Err(LiveError::Refused { .. })
        ));
        assert!(matches!(
            interface_state("no-such-if0"),
            Err(LiveError::NoSuchInterface(_))
        ));
        assert!(matches!(
            interface_state("../lo"),
            Err(LiveError::NoSuchInterface(_))
        ));
    }

    #[test]
    fn stop_handle_is_shared() {
        let h = StopHandle::default();
        let h2 = h.clone();
        h2.stop();
        assert!(h.is_stopped());
        fn assert_send_sync<T: Send + Sync>() {}
        assert_send_sync::<StopHandle>();
        // The TUI moves the capture to its own thread.
        fn assert_send<T: Send>() {}
        assert_send::<LiveSource>();
        assert_send::<Injector>();
    }
}
