//! `dhcpscope watch`: a long-running sensor. Passive capture on one or more interfaces (or a
//! capture stream), the shared model updated continuously, metrics for Prometheus on
//! `/metrics` (and a `.prom` textfile), findings as JSON lines, idle clients expired so
//! memory stays flat. Runs until SIGTERM/SIGINT (final flush), reloads its expectations and
//! reopens its event file on SIGHUP.
//!
//! Threads: one reader per input (the one read path, [`crate::pipeline::read_batches`]),
//! batches tagged with their input over one bounded channel to the analysis thread (this
//! one), which owns the model; one HTTP thread that only encodes the atomics.

pub mod events;
pub mod http;
pub mod metrics;
pub mod probe;
pub mod tracker;

use crate::analysis::{Analysis, Expectations};
use crate::live::{LiveOptions, LiveSource};
use crate::pipeline::{
    PacketBatch, ReadControl, ReadOptions, ReadSource, read_batches, recycling, spent_channel,
};
use crate::source::{FileSource, FrameSource, RawFrame, SourceError};
use events::{EventTarget, EventWriter};
use metrics::{DropLabels, InterfaceLabels, Metrics};
use std::net::{SocketAddr, TcpListener};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::mpsc::{self, RecvTimeoutError};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tracker::{Tracker, TrackerTuning};

/// Default `--listen`: loopback only; a sensor is exposed on purpose, never by default.
pub const DEFAULT_LISTEN: &str = "127.0.0.1:9967";

/// One input of the sensor.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WatchInput {
    /// Live capture on an interface (CAP_NET_RAW), with an optional BPF filter.
    Live {
        interface: String,
        filter: Option<String>,
    },
    /// A capture file or a stream (`-`: standard input, e.g. `ssh host tcpdump -w - | …`).
    Stream(PathBuf),
}

impl WatchInput {
    /// The `interface` label value.
    pub fn label(&self) -> String {
        match self {
            WatchInput::Live { interface, .. } => interface.clone(),
            WatchInput::Stream(p) if p == Path::new("-") => "stdin".to_owned(),
            WatchInput::Stream(p) => p
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_else(|| p.display().to_string()),
        }
    }
}

/// Where the expectations come from, kept so SIGHUP can read them again.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ExpectationSource {
    pub config: Option<PathBuf>,
    pub servers: Vec<String>,
    pub subnets: Vec<String>,
    pub slow_ms: Option<f64>,
}

impl ExpectationSource {
    pub fn load(&self) -> Result<Expectations, String> {
        crate::analysis::config::load(
            self.config.as_deref(),
            &self.servers,
            &self.subnets,
            self.slow_ms,
        )
    }
}

/// The validated configuration of a sensor (built from the command line by `cli`).
#[derive(Debug, Clone)]
pub struct WatchConfig {
    pub inputs: Vec<WatchInput>,
    /// `None`: no HTTP endpoint.
    pub listen: Option<SocketAddr>,
    pub events: Option<EventTarget>,
    pub textfile: Option<PathBuf>,
    pub textfile_every: Duration,
    pub expect: ExpectationSource,
    /// Loaded from `expect` at start (validated before anything opens).
    pub expectations: Expectations,
    pub client_idle: Duration,
    pub clear_after: Duration,
    pub silent_after: Duration,
    pub max_server_labels: usize,
    /// How often the model is settled and the metrics brought up to date.
    pub refresh: Duration,
    /// Periodic active probes on the plan's interface (one of the live inputs).
    pub probe: Option<ProbeConfig>,
}

/// `--probe-every`: a validated probe plan and its period.
#[derive(Debug, Clone)]
pub struct ProbeConfig {
    pub every: Duration,
    pub plan: crate::probe::Plan,
}

impl WatchConfig {
    /// Defaults for everything but the inputs.
    pub fn new(inputs: Vec<WatchInput>) -> WatchConfig {
        WatchConfig {
            inputs,
            listen: None,
            events: None,
            textfile: None,
            textfile_every: Duration::from_secs(15),
            expect: ExpectationSource::default(),
            expectations: Expectations::default(),
            client_idle: Duration::from_secs(3600),
            clear_after: Duration::from_secs(600),
            silent_after: Duration::from_secs(900),
            max_server_labels: 32,
            refresh: Duration::from_secs(2),
            probe: None,
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum WatchError {
    #[error("cannot listen on {addr}: {source}")]
    Listen {
        addr: SocketAddr,
        source: std::io::Error,
    },
    #[error("{0}")]
    Capture(String),
    #[error("{0}")]
    Input(#[from] SourceError),
    #[error("events: {path}: {source}")]
    Events {
        path: String,
        source: std::io::Error,
    },
    #[error("no input: give -i IFACE (repeatable) or -r FILE|-")]
    NoInput,
}

/// Parses a duration: a number with an optional unit `s` (default), `m`, `h` or `d`.
pub fn parse_duration(s: &str) -> Result<Duration, String> {
    let s = s.trim();
    let (num, unit) = match s.find(|c: char| c.is_ascii_alphabetic()) {
        Some(i) => s.split_at(i),
        None => (s, "s"),
    };
    let factor = match unit {
        "ms" => 0.001,
        "s" => 1.0,
        "m" => 60.0,
        "h" => 3600.0,
        "d" => 86400.0,
        _ => return Err(format!("{s:?}: unit must be ms, s, m, h or d")),
    };
    let n: f64 = num
        .trim()
        .parse()
        .map_err(|_| format!("{s:?} is not a duration (e.g. 90s, 10m, 1h)"))?;
    let secs = n * factor;
    if !(secs.is_finite() && secs > 0.0 && secs < 1e9) {
        return Err(format!("{s:?} must be a positive duration"));
    }
    Ok(Duration::from_secs_f64(secs))
}

// ------------------------------------------------------------------- signals --

static HANGUP: AtomicBool = AtomicBool::new(false);

extern "C" fn on_hangup(_sig: libc::c_int) {
    HANGUP.store(true, Ordering::SeqCst);
}

/// SIGHUP sets a flag the analysis thread reads (reload, reopen).
fn install_hangup_handler() {
    // SAFETY: a zeroed sigaction whose handler only stores an atomic (async-signal-safe);
    // SA_RESTART so a read interrupted by the signal resumes.
    unsafe {
        let mut sa: libc::sigaction = std::mem::zeroed();
        sa.sa_sigaction = on_hangup as *const () as libc::sighandler_t;
        sa.sa_flags = libc::SA_RESTART;
        libc::sigemptyset(&mut sa.sa_mask);
        libc::sigaction(libc::SIGHUP, &sa, std::ptr::null_mut());
    }
}

// ------------------------------------------------------------------- capture --

/// Capture counters of one input, shared with the analysis thread.
#[derive(Debug, Default)]
struct CaptureState {
    up: AtomicBool,
    received: AtomicU64,
    kernel_dropped: AtomicU64,
    if_dropped: AtomicU64,
    /// Why the input ended, if it did.
    ended: Mutex<Option<String>>,
}

/// A live source whose drop counters are published when the reader asks for them.
struct CountedLive {
    inner: LiveSource,
    state: Arc<CaptureState>,
}

impl FrameSource for CountedLive {
    fn next_frame(&mut self) -> Result<Option<RawFrame<'_>>, SourceError> {
        self.inner.next_frame()
    }
}

impl ReadSource for CountedLive {
    fn poll_frame(&mut self) -> Result<Option<RawFrame<'_>>, SourceError> {
        ReadSource::poll_frame(&mut self.inner)
    }
    fn idle(&self) -> bool {
        ReadSource::idle(&self.inner)
    }
    fn drops(&mut self) -> Option<u64> {
        let s = self.inner.stats().ok()?;
        self.state
            .received
            .store(u64::from(s.received), Ordering::Relaxed);
        self.state
            .kernel_dropped
            .store(u64::from(s.kernel_dropped), Ordering::Relaxed);
        self.state
            .if_dropped
            .store(u64::from(s.if_dropped), Ordering::Relaxed);
        Some(u64::from(s.kernel_dropped) + u64::from(s.if_dropped))
    }
}

enum Opened {
    Live(Box<CountedLive>),
    Stream(FileSource),
}

impl Opened {
    fn source(&mut self) -> &mut (dyn ReadSource + Send) {
        match self {
            Opened::Live(l) => l.as_mut(),
            Opened::Stream(f) => f,
        }
    }
}

struct Inputs {
    labels: Vec<String>,
    states: Vec<Arc<CaptureState>>,
}

impl http::Health for Inputs {
    fn problem(&self) -> Option<String> {
        let down: Vec<String> = self
            .labels
            .iter()
            .zip(&self.states)
            .filter(|(_, s)| !s.up.load(Ordering::Relaxed))
            .map(|(l, s)| match s.ended.lock().ok().and_then(|e| e.clone()) {
                Some(why) => format!("{l}: {why}"),
                None => format!("{l}: not capturing"),
            })
            .collect();
        (!down.is_empty()).then(|| down.join("; "))
    }
}

type OpenedInputs = (Vec<Opened>, Option<crate::probe::Session>);

/// Opens every input and the probe session: live ones after the privilege check, then
/// privileges are dropped.
fn open_inputs(
    config: &WatchConfig,
    states: &[Arc<CaptureState>],
) -> Result<OpenedInputs, WatchError> {
    let mut opened = Vec::new();
    let mut live = false;
    for (input, state) in config.inputs.iter().zip(states) {
        match input {
            WatchInput::Live { interface, filter } => {
                if interface != "any" {
                    crate::live::interface_state(interface)
                        .map_err(|e| WatchError::Capture(e.to_string()))?;
                }
                crate::privilege::check(interface)
                    .map_err(|e| WatchError::Capture(e.to_string()))?;
                let mut opts = LiveOptions::new(interface.clone());
                opts.filter = filter.clone();
                let inner =
                    LiveSource::open(&opts).map_err(|e| WatchError::Capture(e.to_string()))?;
                live = true;
                opened.push(Opened::Live(Box::new(CountedLive {
                    inner,
                    state: state.clone(),
                })));
            }
            WatchInput::Stream(path) => opened.push(Opened::Stream(FileSource::open(path)?)),
        }
    }
    let session = match &config.probe {
        Some(p) => Some(
            crate::probe::Session::open(p.plan.clone(), None)
                .map_err(|e| WatchError::Capture(format!("probe: {e}")))?,
        ),
        None => None,
    };
    if live || session.is_some() {
        crate::privilege::drop_or_warn();
    }
    Ok((opened, session))
}

/// True for standard input, pipes and character devices (not a regular file).
fn is_stream(path: &Path) -> bool {
    use std::os::unix::fs::FileTypeExt;
    path == Path::new("-")
        || std::fs::metadata(path)
            .is_ok_and(|m| m.file_type().is_fifo() || m.file_type().is_char_device())
}

/// Writes `text` to `path` atomically: a temporary file in the same directory, renamed.
pub fn write_atomic(path: &Path, text: &str) -> std::io::Result<()> {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "dhcpscope.prom".to_owned());
    let tmp = path.with_file_name(format!(".{name}.{}.tmp", std::process::id()));
    std::fs::write(&tmp, text)?;
    std::fs::rename(&tmp, path).inspect_err(|_| {
        let _ = std::fs::remove_file(&tmp);
    })
}

/// Runs the sensor until SIGTERM/SIGINT, or until every input ended (a file, a closed pipe).
pub fn run(config: WatchConfig) -> Result<(), WatchError> {
    if config.inputs.is_empty() {
        return Err(WatchError::NoInput);
    }
    let started = events::now();
    let labels: Vec<String> = config.inputs.iter().map(WatchInput::label).collect();
    let states: Vec<Arc<CaptureState>> = config
        .inputs
        .iter()
        .map(|_| Arc::new(CaptureState::default()))
        .collect();
    // Everything that may need privileges happens before they are dropped: the listening
    // socket (a port below 1024), the event file (a directory the service user cannot
    // write), the captures.
    let listener = match config.listen {
        Some(addr) => {
            let l =
                TcpListener::bind(addr).map_err(|source| WatchError::Listen { addr, source })?;
            // The bound address (port 0 picks one): scripts and tests read it here.
            let bound = l.local_addr().unwrap_or(addr);
            eprintln!("dhcpscope: serving http://{bound}/metrics and /healthz");
            Some(l)
        }
        None => None,
    };
    let event_writer = match &config.events {
        Some(t) => Some(
            EventWriter::open(t.clone()).map_err(|source| WatchError::Events {
                path: match t {
                    EventTarget::Stdout => "-".to_owned(),
                    EventTarget::File(p) => p.display().to_string(),
                },
                source,
            })?,
        ),
        None => None,
    };
    let (opened, probe_session) = open_inputs(&config, &states)?;
    crate::live::install_interrupt_handler();
    install_hangup_handler();

    let live = config
        .inputs
        .iter()
        .any(|i| matches!(i, WatchInput::Live { .. }));
    let metrics = Arc::new(Metrics::new());
    let mut tracker = Tracker::new(
        metrics.clone(),
        TrackerTuning {
            clear_after_secs: secs(config.clear_after),
            silent_after_secs: secs(config.silent_after),
            max_server_labels: config.max_server_labels,
        },
        labels.clone(),
        event_writer,
        live.then_some(started),
    );
    tracker.prime(&config.expectations);
    for l in &labels {
        let iface = InterfaceLabels {
            interface: l.clone(),
        };
        metrics.capture_up.get_or_create(&iface).set(1);
        let _ = metrics.capture_received.get_or_create(&iface);
        for by in ["kernel", "interface"] {
            let _ = metrics.capture_dropped.get_or_create(&DropLabels {
                interface: l.clone(),
                by,
            });
        }
    }
    let mut analysis = Analysis::new(config.expectations.clone());

    let stop_http = Arc::new(AtomicBool::new(false));
    let health: Arc<dyn http::Health> = Arc::new(Inputs {
        labels: labels.clone(),
        states: states.clone(),
    });
    let http_thread = listener.map(|l| {
        let (m, h, s) = (metrics.clone(), health.clone(), stop_http.clone());
        std::thread::spawn(move || {
            if let Err(e) = http::serve(l, m, h, s) {
                eprintln!("dhcpscope: warning: HTTP endpoint stopped: {e}");
            }
        })
    });

    let probe_shared = Arc::new(probe::ProbeShared::default());
    let probe_thread = probe_session
        .zip(config.probe.as_ref())
        .map(|(session, p)| {
            let (m, shared, every) = (metrics.clone(), probe_shared.clone(), p.every);
            std::thread::spawn(move || probe::run(session, every, m, shared))
        });

    let control = ReadControl::default();
    let (tx, rx) = mpsc::sync_channel::<(usize, PacketBatch)>(crate::pipeline::CHANNEL_DEPTH * 2);
    let mut spent = Vec::new();
    let mut readers = Vec::new();
    for (i, mut input) in opened.into_iter().enumerate() {
        let (spent_tx, spent_rx) = spent_channel();
        spent.push(spent_tx);
        let tx = tx.clone();
        let control = control.clone();
        let state = states[i].clone();
        state.up.store(true, Ordering::Relaxed);
        // A stream blocks in read(2) between frames, so the reader cannot hand a partial
        // batch over on a timer: a quiet pipe gets every packet handed over at once.
        let streaming = match &config.inputs[i] {
            WatchInput::Stream(p) => is_stream(p),
            WatchInput::Live { .. } => false,
        };
        let opts = ReadOptions {
            batch_packets: if streaming { 1 } else { 512 },
            batch_interval: Some(Duration::from_millis(200)),
            ..ReadOptions::default()
        };
        readers.push(std::thread::spawn(move || {
            let hand_over = recycling(move |b| tx.send((i, b)).is_ok(), spent_rx);
            let summary = read_batches(input.source(), &opts, &control, hand_over);
            let why = match &summary.error {
                Some(e) => e.to_string(),
                None => "input ended".to_owned(),
            };
            if let Ok(mut ended) = state.ended.lock() {
                *ended = Some(why);
            }
            state.up.store(false, Ordering::Relaxed);
        }));
    }
    drop(tx);

    // The model's clock: wall time for live captures (idle clients expire on a quiet
    // segment too), the capture's time for files and streams.
    let clock = |a: &Analysis| {
        if live {
            events::now()
        } else {
            a.last_ts.unwrap_or(started)
        }
    };
    let tick = Duration::from_millis(250);
    let expire_every =
        (config.client_idle / 10).clamp(Duration::from_secs(1), Duration::from_secs(60));
    // Files and streams also settle on their own clock, so a replay raises, clears and
    // expires as the live capture did, however fast it reads.
    let mut capture_clock = CaptureClock {
        refresh: secs(config.refresh),
        expire: secs(expire_every),
        client_idle: secs(config.client_idle),
        last_refresh: None,
        last_expire: None,
    };
    let mut last_refresh = Instant::now();
    let mut last_expire = Instant::now();
    let mut last_textfile: Option<Instant> = None;
    let mut stopping: Option<Instant> = None;
    let write_textfile = |m: &Metrics| {
        if let Some(p) = &config.textfile
            && let Err(e) = write_atomic(p, &m.text_004())
        {
            eprintln!("dhcpscope: warning: textfile {}: {e}", p.display());
        }
    };
    let update_capture = || {
        for (l, s) in labels.iter().zip(&states) {
            let iface = InterfaceLabels {
                interface: l.clone(),
            };
            metrics
                .capture_up
                .get_or_create(&iface)
                .set(i64::from(s.up.load(Ordering::Relaxed)));
            let set = |c: &prometheus_client::metrics::counter::Counter, v: u64| {
                let now = c.get();
                if v > now {
                    c.inc_by(v - now);
                }
            };
            set(
                &metrics.capture_received.get_or_create(&iface),
                s.received.load(Ordering::Relaxed),
            );
            for (by, v) in [("kernel", &s.kernel_dropped), ("interface", &s.if_dropped)] {
                set(
                    &metrics.capture_dropped.get_or_create(&DropLabels {
                        interface: l.clone(),
                        by,
                    }),
                    v.load(Ordering::Relaxed),
                );
            }
        }
    };
    loop {
        match rx.recv_timeout(tick) {
            Ok((i, mut batch)) => {
                for p in batch.iter() {
                    // The time up to this packet passed quietly: settle it first.
                    if !live {
                        capture_clock.advance(p.frame.ts, &mut tracker, &mut analysis);
                    }
                    tracker.ingest(i, &p, &mut analysis);
                }
                batch.clear();
                if let Some(s) = spent.get(i) {
                    let _ = s.send(batch);
                }
            }
            Err(RecvTimeoutError::Timeout) => {}
            Err(RecvTimeoutError::Disconnected) => break,
        }
        if crate::live::interrupted() && stopping.is_none() {
            control.stop.store(true, Ordering::Relaxed);
            stopping = Some(Instant::now());
        }
        // A reader blocked on a pipe does not see the stop: give up on it after a moment.
        if stopping.is_some_and(|t| t.elapsed() > Duration::from_secs(2)) {
            break;
        }
        if HANGUP.swap(false, Ordering::SeqCst)
            && let Some(e) = reload(&config, &mut analysis, &mut tracker)
            && let Ok(mut r) = probe_shared.reload.lock()
        {
            *r = Some(e);
        }
        if last_refresh.elapsed() >= config.refresh {
            last_refresh = Instant::now();
            let now = clock(&analysis);
            tracker.refresh(&mut analysis, now);
            update_capture();
        }
        if last_expire.elapsed() >= expire_every {
            last_expire = Instant::now();
            let now = clock(&analysis);
            tracker.expire(&mut analysis, now, secs(config.client_idle));
        }
        if last_textfile.is_none_or(|t| t.elapsed() >= config.textfile_every) {
            last_textfile = Some(Instant::now());
            write_textfile(&metrics);
        }
    }
    // Final flush: the model settled, metrics and events up to date, the textfile written.
    let now = clock(&analysis);
    tracker.refresh(&mut analysis, now);
    update_capture();
    write_textfile(&metrics);
    if let Some(w) = &mut tracker.events {
        w.flush();
    }
    stop_http.store(true, Ordering::Relaxed);
    probe_shared.stop.store(true, Ordering::Relaxed);
    if let Some(h) = probe_thread {
        let _ = h.join();
    }
    if let Some(h) = http_thread {
        let _ = h.join();
    }
    if stopping.is_none() {
        for r in readers {
            let _ = r.join();
        }
    }
    Ok(())
}

/// Refreshes and expiries driven by capture time (files and streams).
struct CaptureClock {
    refresh: i64,
    expire: i64,
    client_idle: i64,
    last_refresh: Option<i64>,
    last_expire: Option<i64>,
}

impl CaptureClock {
    fn advance(&mut self, ts: crate::time::Timestamp, tracker: &mut Tracker, a: &mut Analysis) {
        // Before a quiet gap: the refresh a live sensor would have made just after the last
        // packet (what was raised then can clear during the gap).
        if let Some(prev) = a.last_ts
            && ts.secs.saturating_sub(prev.secs) > self.refresh
            && self
                .last_refresh
                .is_none_or(|r| r < prev.secs + self.refresh)
        {
            let soon_after = crate::time::Timestamp::new(prev.secs + self.refresh, prev.nanos);
            tracker.refresh(a, soon_after);
            self.last_refresh = Some(soon_after.secs);
        }
        let due = |last: &mut Option<i64>, every: i64| {
            let start = *last.get_or_insert(ts.secs);
            let due = ts.secs.saturating_sub(start) >= every;
            if due {
                *last = Some(ts.secs);
            }
            due
        };
        if due(&mut self.last_refresh, self.refresh) {
            tracker.refresh(a, ts);
        }
        if due(&mut self.last_expire, self.expire) {
            tracker.expire(a, ts, self.client_idle);
        }
    }
}

/// Reloads the expectations; gives them back for the probe when they were accepted.
fn reload(
    config: &WatchConfig,
    analysis: &mut Analysis,
    tracker: &mut Tracker,
) -> Option<Expectations> {
    let accepted = match config.expect.load() {
        Ok(e) => {
            eprintln!(
                "dhcpscope: SIGHUP: expectations reloaded ({} servers, {} subnets)",
                e.servers.len(),
                e.subnets.len()
            );
            tracker.prime(&e);
            // The model judges servers again on its next settle (the next refresh).
            analysis.set_expectations(e.clone());
            tracker.metrics.config_reloads.inc();
            Some(e)
        }
        Err(e) => {
            eprintln!(
                "dhcpscope: warning: SIGHUP: configuration refused, keeping the old one: {e}"
            );
            tracker.metrics.config_reload_errors.inc();
            None
        }
    };
    if let Some(w) = &mut tracker.events {
        w.reopen();
    }
    accepted
}

fn secs(d: Duration) -> i64 {
    i64::try_from(d.as_secs()).unwrap_or(i64::MAX).max(1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_parse_with_units() {
        assert_eq!(parse_duration("90"), Ok(Duration::from_secs(90)));
        assert_eq!(parse_duration("10m"), Ok(Duration::from_secs(600)));
        assert_eq!(parse_duration("1.5h"), Ok(Duration::from_secs(5400)));
        assert_eq!(parse_duration("250ms"), Ok(Duration::from_millis(250)));
        assert!(parse_duration("0").is_err());
        assert!(parse_duration("-3s").is_err());
        assert!(parse_duration("3 weeks").is_err());
        assert!(parse_duration("nan").is_err());
    }
}
