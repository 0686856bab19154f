//! The interactive terminal UI (ratatui): per-client DORA timelines.
//!
//! The Elm Architecture: one [`Model`], messages ([`Msg`]) from two threads over one channel
//! (keys from the terminal, packet batches from the reader), [`update`] without I/O and
//! [`view`] without side effects. The runtime here owns the terminal, the threads and the
//! file handle used to read a frame again for the detail view. See docs/tui.md.

pub mod app;
pub mod ladder;
pub mod packet;
pub mod probe;
pub mod reader;
pub mod view;

pub use app::{Cmd, Model, Msg, SourceKind, update};
pub use reader::Speed;
pub use view::view;

use crate::analysis::Expectations;
use crate::cli::ExpectArgs;
use crate::source::FileSource;
use ratatui::crossterm::event::{self, Event};
use reader::{Control, ReadOptions};
use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::atomic::Ordering;
use std::sync::mpsc::{self, RecvTimeoutError};
use std::time::{Duration, Instant};

/// Arguments of the TUI, which runs when no subcommand is given:
/// `dhcpscope -r FILE`, `dhcpscope FILE`, `dhcpscope -i IFACE`.
#[derive(Debug, Clone, Default, clap::Args)]
pub struct TuiArgs {
    /// pcap or pcapng file to open (`-` for standard input).
    #[arg(value_name = "FILE", conflicts_with = "read")]
    pub file: Option<PathBuf>,
    /// pcap or pcapng file to open (`-` for standard input).
    #[arg(short = 'r', long = "read", value_name = "FILE")]
    pub read: Option<PathBuf>,
    /// Replay the file at N times its recorded pace (`max`: as fast as it reads, growing).
    /// Default: load it all at once.
    #[arg(long, value_name = "N|max", value_parser = Speed::parse)]
    pub speed: Option<Speed>,
    /// Capture live on this interface.
    #[arg(
        short = 'i',
        long = "interface",
        value_name = "IFACE",
        conflicts_with_all = ["read", "file", "speed"]
    )]
    pub interface: Option<String>,
    /// BPF filter for live capture (default: DHCP ports, VLAN-tagged too).
    #[arg(
        short = 'f',
        long = "filter",
        value_name = "BPF",
        requires = "interface"
    )]
    pub filter: Option<String>,
    /// Also write the live capture to this pcap file.
    #[arg(
        short = 'w',
        long = "write",
        value_name = "OUT",
        requires = "interface"
    )]
    pub write: Option<PathBuf>,
    #[command(flatten)]
    pub expect: ExpectArgs,
}

/// `s` with what a terminal must not get raw (C0 and C1 controls, DEL, bidi and zero-width
/// characters) escaped as [`crate::escape::escape_str`] does, and nothing else: text already
/// escaped passes unchanged, its backslashes single.
pub fn terminal_safe(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut buf = [0; 4];
    for c in s.chars() {
        let one = c.encode_utf8(&mut buf);
        if c == '\\' || crate::escape::is_clean(one) {
            out.push(c);
        } else {
            out.push_str(&crate::escape::escape_str(one));
        }
    }
    out
}

/// True when `s` can go to a terminal as it is: [`terminal_safe`] leaves it unchanged.
pub fn is_terminal_safe(s: &str) -> bool {
    s.chars()
        .all(|c| c == '\\' || crate::escape::is_clean(c.encode_utf8(&mut [0; 4])))
}

/// Exit status for usage problems (no input, no terminal).
const EXIT_USAGE: u8 = 2;

pub fn run(args: &TuiArgs) -> anyhow::Result<ExitCode> {
    let path = args.read.as_ref().or(args.file.as_ref());
    if path.is_none() && args.interface.is_none() {
        eprintln!(
            "dhcpscope: no input: give a capture (`dhcpscope -r FILE`, `dhcpscope FILE`, `-` for \
             standard input) or an interface (`dhcpscope -i IFACE`); see `dhcpscope --help`"
        );
        return Ok(ExitCode::from(EXIT_USAGE));
    }
    if !std::io::stdout().is_terminal() {
        let hint = match (path, &args.interface) {
            (Some(p), _) => {
                let p = crate::escape::escape_str(&p.display().to_string());
                format!("`dhcpscope report -r {p}` or `dhcpscope decode -r {p}`")
            }
            (None, Some(i)) => format!(
                "`dhcpscope decode -i {}` or `dhcpscope report -i {}`",
                crate::escape::escape_str(i),
                crate::escape::escape_str(i)
            ),
            (None, None) => "`dhcpscope report` or `dhcpscope decode`".to_owned(),
        };
        eprintln!(
            "dhcpscope: standard output is not a terminal: the interactive view needs one. \
             For text, use {hint}"
        );
        return Ok(ExitCode::from(EXIT_USAGE));
    }
    let e = &args.expect;
    let expectations =
        crate::analysis::config::load(e.config.as_deref(), &e.servers, &e.subnets, e.slow_ms)
            .map_err(|msg| anyhow::anyhow!("{msg}"))?;
    match (&args.interface, path) {
        (Some(iface), _) => run_live(args, iface, expectations),
        (None, Some(path)) => run_file(path, expectations, args.speed.unwrap_or(Speed::Load)),
        (None, None) => unreachable!("checked above"),
    }
}

/// What `path` is: standard input, a regular file (with its size), or a stream that cannot
/// be read again (a named pipe, `<(…)`, a character device). Asked before opening: opening a
/// pipe blocks until a writer comes.
fn source_kind(path: &Path) -> (SourceKind, Option<u64>) {
    if path == Path::new("-") {
        return (SourceKind::Stdin, None);
    }
    match std::fs::metadata(path) {
        Ok(m) if m.is_file() => (SourceKind::File, Some(m.len())),
        // Not there: FileSource::open says so.
        Err(_) => (SourceKind::File, None),
        Ok(_) => (SourceKind::Pipe, None),
    }
}

fn run_file(path: &Path, expectations: Expectations, speed: Speed) -> anyhow::Result<ExitCode> {
    let (kind, file_size) = source_kind(path);
    let stream = kind != SourceKind::File;
    // Open before touching the terminal: a missing file is a plain one-line error.
    let source = FileSource::open(path)?;
    let name = match kind {
        SourceKind::Stdin => "<stdin>".to_owned(),
        _ => path.display().to_string(),
    };
    let opts = ReadOptions {
        speed,
        // A stream cannot be read again for the detail: keep its frames.
        keep_frames: stream,
        file_size,
        // A pipe may go quiet after any packet, and a read blocks until the next one: pass
        // each packet on at once.
        batch_packets: if stream { 1 } else { 4096 },
        batch_interval: Duration::from_millis(15),
    };
    let model = Model::new(name, kind, expectations, speed);
    let reread = (!stream).then(|| path.to_owned());
    run_ui(source, opts, model, reread.as_deref(), false, None)
}

fn run_live(args: &TuiArgs, iface: &str, expectations: Expectations) -> anyhow::Result<ExitCode> {
    let mut opts = crate::live::LiveOptions::new(iface);
    opts.filter = args.filter.clone();
    opts.savefile = args.write.clone();
    // The probe form's handles (capture and injection) need the privilege too: open them
    // before it is dropped, use them only when a probe is submitted.
    let (source, session, _) =
        crate::live::open_checked_with(&opts, |_| open_probe_session(iface, &expectations))?;
    let read = ReadOptions {
        keep_frames: true,
        batch_packets: 256,
        ..ReadOptions::default()
    };
    let name = format!("live {iface}");
    let mut model = Model::new(name, SourceKind::Live, expectations, Speed::Load);
    let (target, session) = match session {
        Ok(s) => (Ok(iface.to_owned()), Some(s)),
        Err(why) => (Err(why), None),
    };
    model.probe.target = target;
    // Join the reader on exit: it closes the -w savefile properly.
    run_ui(source, read, model, None, true, session)
}

/// The probe session for the form, or why probes are unavailable on `iface`.
fn open_probe_session(
    iface: &str,
    expectations: &Expectations,
) -> Result<crate::probe::Session, String> {
    let plan = crate::probe::Plan::new(iface, expectations.clone());
    crate::probe::Session::open(plan, None)
        .map_err(|e| crate::escape::escape_str(&format!("probes are unavailable: {e}")))
}

fn run_ui<S: reader::OffsetSource + Send + 'static>(
    source: S,
    opts: ReadOptions,
    mut model: Model,
    reread: Option<&Path>,
    join_reader: bool,
    probe: Option<crate::probe::Session>,
) -> anyhow::Result<ExitCode> {
    model.color = std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty());
    // SIGINT/SIGTERM end the loop like `q`, so the terminal is restored.
    crate::live::install_interrupt_handler();
    let (tx, rx) = mpsc::channel::<Msg>();
    let control = Control::default();
    // The reader's copy of Control has no probe queue: only the UI's holds it, so dropping it
    // on exit ends the probe thread.
    let reader_control = control.clone();
    let mut control = control;
    let probe_thread = match probe {
        Some(session) => {
            let (plans, handle) = probe::spawn_worker(session, tx.clone())?;
            control.probe = Some(plans);
            Some(handle)
        }
        None => None,
    };
    let mut terminal = ratatui::try_init()?;
    // ratatui's panic hook restores the terminal; a panic the reader thread catches (shown on
    // the error screen) must leave it alone. Installed before the reader starts.
    let ratatui_hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        if !reader::panic_is_caught() {
            ratatui_hook(info);
        }
    }));
    let threads = spawn_reader_and_input(source, opts, reader_control, tx);
    let reader_thread = match threads {
        Ok(h) => h,
        Err(e) => {
            ratatui::restore();
            return Err(e.into());
        }
    };
    let result = event_loop(&mut terminal, &mut model, &rx, &control, reread);
    ratatui::restore();
    control.stop.store(true, Ordering::Relaxed);
    control.paused.store(false, Ordering::Relaxed);
    control.probe = None;
    if let Some(h) = probe_thread {
        if let Some(what) = &model.probe.running {
            eprintln!(
                "dhcpscope: waiting for the probe ({what}) to finish; a dora releases its lease"
            );
        }
        let _ = h.join();
    }
    if join_reader {
        let _ = reader_thread.join();
    }
    // Freeing a model of millions of small allocations takes longer than the exit does.
    std::mem::forget(model);
    result.map(|()| ExitCode::SUCCESS)
}

/// Starts the reader thread (packets, then [`Msg::Ended`], also when it panics) and the input
/// thread (keys from the terminal: crossterm opens /dev/tty when stdin is a pipe).
fn spawn_reader_and_input<S: reader::OffsetSource + Send + 'static>(
    mut source: S,
    opts: ReadOptions,
    control: Control,
    tx: mpsc::Sender<Msg>,
) -> std::io::Result<std::thread::JoinHandle<()>> {
    let reader_tx = tx.clone();
    let reader_thread = std::thread::Builder::new()
        .name("reader".into())
        .spawn(move || {
            let ended = reader::guarded(|| {
                reader::read_batches(&mut source, &opts, &control, |b| {
                    reader_tx.send(Msg::Packets(b)).is_ok()
                })
            });
            let _ = reader_tx.send(Msg::Ended(ended));
        })?;
    std::thread::Builder::new()
        .name("input".into())
        .spawn(move || {
            loop {
                let msg = match event::read() {
                    Ok(Event::Key(k)) => Msg::Key(k),
                    Ok(Event::Resize(w, h)) => Msg::Resize(w, h),
                    Ok(_) => continue,
                    Err(_) => break,
                };
                if tx.send(msg).is_err() {
                    break;
                }
            }
        })?;
    Ok(reader_thread)
}

/// At most this often during a load; keys redraw at once.
const FRAME: Duration = Duration::from_millis(33);
/// Messages handled between two redraws before drawing anyway.
const DRAIN_BUDGET: Duration = Duration::from_millis(30);

fn event_loop(
    terminal: &mut ratatui::DefaultTerminal,
    model: &mut Model,
    rx: &mpsc::Receiver<Msg>,
    control: &Control,
    reread: Option<&Path>,
) -> anyhow::Result<()> {
    let size = terminal.size()?;
    update(model, Msg::Resize(size.width, size.height));
    let mut file: Option<std::fs::File> = None;
    let mut last_draw: Option<Instant> = None;
    let mut dirty = true;
    let mut urgent = true;
    loop {
        if crate::live::interrupted() {
            return Ok(());
        }
        update(model, Msg::Tick(Instant::now()));
        if dirty && (urgent || last_draw.is_none_or(|t| t.elapsed() >= FRAME)) {
            terminal.draw(|f| view(model, f))?;
            last_draw = Some(Instant::now());
            dirty = false;
            urgent = false;
        }
        if model.quit {
            return Ok(());
        }
        let wait = if dirty {
            FRAME.saturating_sub(last_draw.map_or(FRAME, |t| t.elapsed()))
        } else {
            Duration::from_millis(250)
        };
        let first = match rx.recv_timeout(wait) {
            Ok(msg) => msg,
            Err(RecvTimeoutError::Timeout) => {
                dirty = true;
                continue;
            }
            Err(RecvTimeoutError::Disconnected) => return Ok(()),
        };
        let start = Instant::now();
        let mut next = Some(first);
        while let Some(msg) = next {
            if matches!(
                msg,
                Msg::Key(_) | Msg::Resize(..) | Msg::Ended(_) | Msg::ProbeDone(_)
            ) {
                urgent = true;
            }
            let cmds = update(model, msg);
            run_cmds(model, cmds, control, reread, &mut file);
            dirty = true;
            if model.quit || urgent || start.elapsed() >= DRAIN_BUDGET {
                break;
            }
            next = rx.try_recv().ok();
        }
    }
}

/// Carries out what `update` asked for; `reread` is the file frames are read again from.
pub fn run_cmds(
    model: &mut Model,
    cmds: Vec<Cmd>,
    control: &Control,
    reread: Option<&Path>,
    file: &mut Option<std::fs::File>,
) {
    for cmd in cmds {
        match cmd {
            Cmd::SetPaused(p) => control.paused.store(p, Ordering::Relaxed),
            Cmd::Probe(plan) => {
                let sent = control.probe.as_ref().is_some_and(|q| q.send(plan).is_ok());
                if !sent {
                    let more = update(
                        model,
                        Msg::ProbeDone(Err("the probe thread is not running".into())),
                    );
                    debug_assert!(more.is_empty());
                }
            }
            Cmd::ReadFrame(fref) => {
                let data = match (reread, file.as_mut()) {
                    (_, Some(f)) => reader::read_frame(f, &fref),
                    (Some(p), None) => std::fs::File::open(p).and_then(|mut f| {
                        let d = reader::read_frame(&mut f, &fref);
                        *file = Some(f);
                        d
                    }),
                    (None, None) => Err(std::io::Error::other("the source cannot be read again")),
                };
                let data = data.map_err(|e| format!("cannot read frame {}: {e}", fref.frame));
                let more = update(model, Msg::FrameBytes { fref, data });
                debug_assert!(more.is_empty());
            }
        }
    }
}

/// Reads a whole capture into a model, batch by batch, as the reader thread would (tests,
/// benchmarks). Returns the model after [`Msg::Ended`].
pub fn load_model(
    path: &Path,
    expectations: Expectations,
    size: (u16, u16),
) -> anyhow::Result<Model> {
    let mut source = FileSource::open(path)?;
    let mut model = Model::new(
        path.display().to_string(),
        SourceKind::File,
        expectations,
        Speed::Load,
    );
    update(&mut model, Msg::Resize(size.0, size.1));
    let opts = ReadOptions {
        file_size: std::fs::metadata(path).ok().map(|m| m.len()),
        batch_interval: Duration::from_secs(3600),
        ..ReadOptions::default()
    };
    let ended = reader::read_batches(&mut source, &opts, &Control::default(), |b| {
        update(&mut model, Msg::Packets(b));
        true
    });
    update(&mut model, Msg::Ended(ended));
    Ok(model)
}
