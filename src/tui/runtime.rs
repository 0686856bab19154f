//! The runtime: owns the terminal, the reader, input and probe threads, and the file handle
//! used to read a frame again for the detail view. Everything it does is asked for by
//! `update` as a [`Cmd`]; the model and the views know nothing of it.

use super::model::{Cmd, Model, Msg, SourceKind};
use super::reader::{self, Control, Ended, ReadOptions};
use super::{Speed, TuiConfig, TuiInput, probe, update, view};
use crate::analysis::Expectations;
use crate::pipeline::{self, ReadSource};
use crate::source::FileSource;
use ratatui::crossterm::event::{self, Event};
use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::atomic::Ordering;
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, SyncSender};
use std::time::{Duration, Instant};

/// Exit status for usage problems (no terminal).
const EXIT_USAGE: u8 = 2;

/// Messages waiting for the UI thread: keys, batches, probe news. Bounded: a reader faster
/// than the analysis waits instead of piling batches up in memory.
pub const MSG_DEPTH: usize = 8;

/// Why the interactive view could not start or had to stop.
#[derive(Debug, thiserror::Error)]
pub enum TuiError {
    #[error(transparent)]
    Source(#[from] crate::source::SourceError),
    #[error(transparent)]
    Live(#[from] crate::live::LiveError),
    #[error("{0}")]
    Io(#[from] std::io::Error),
}

/// Runs the interactive view until the user quits.
pub fn run(config: TuiConfig) -> Result<ExitCode, TuiError> {
    if !std::io::stdout().is_terminal() {
        let hint = match &config.input {
            TuiInput::File { path, .. } => {
                let p = crate::escape::escape_str(&path.display().to_string());
                format!("`dhcpscope report -r {p}` or `dhcpscope decode -r {p}`")
            }
            TuiInput::Live { interface, .. } => {
                let i = crate::escape::escape_str(interface);
                format!("`dhcpscope decode -i {i}` or `dhcpscope report -i {i}`")
            }
        };
        eprintln!(
            "dhcpscope: standard output is not a terminal: the interactive view needs one. \
             For text, use {hint}"
        );
        return Ok(ExitCode::from(EXIT_USAGE));
    }
    let TuiConfig {
        input,
        expectations,
        utc,
    } = config;
    super::view::set_utc(utc);
    match input {
        TuiInput::Live {
            interface,
            filter,
            write,
        } => run_live(&interface, filter, write, expectations),
        TuiInput::File { path, speed } => run_file(&path, expectations, speed),
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

/// How the reader batches a file or a stream.
pub fn file_read_options(kind: SourceKind, file_size: Option<u64>, speed: Speed) -> ReadOptions {
    let stream = kind != SourceKind::File;
    ReadOptions {
        pace: speed.pace(),
        // A stream cannot be read again for the detail: keep its frames.
        keep_frames: stream,
        file_size,
        // A pipe may go quiet after any packet, and a read blocks until the next one: pass
        // each packet on at once.
        batch_packets: if stream { 1 } else { 4096 },
        batch_interval: Some(Duration::from_millis(15)),
        max_packets: None,
    }
}

fn run_file(path: &Path, expectations: Expectations, speed: Speed) -> Result<ExitCode, TuiError> {
    let (kind, file_size) = source_kind(path);
    // Open before touching the terminal: a missing file is a plain one-line error.
    let source = FileSource::open(path)?;
    let name = match kind {
        SourceKind::Stdin => "<stdin>".to_owned(),
        _ => path.display().to_string(),
    };
    let opts = file_read_options(kind, file_size, speed);
    let model = Model::new(name, kind, expectations, speed);
    let reread = (kind == SourceKind::File).then(|| path.to_owned());
    run_ui(source, opts, model, reread.as_deref(), false, None)
}

fn run_live(
    iface: &str,
    filter: Option<String>,
    write: Option<PathBuf>,
    expectations: Expectations,
) -> Result<ExitCode, TuiError> {
    let mut opts = crate::live::LiveOptions::new(iface);
    opts.filter = filter;
    opts.savefile = write;
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

fn run_ui<S: ReadSource + Send + 'static>(
    source: S,
    opts: ReadOptions,
    mut model: Model,
    reread: Option<&Path>,
    join_reader: bool,
    probe: Option<crate::probe::Session>,
) -> Result<ExitCode, TuiError> {
    model.color = std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty());
    // SIGINT/SIGTERM end the loop like `q`, so the terminal is restored.
    crate::live::install_interrupt_handler();
    let (tx, rx) = mpsc::sync_channel::<Msg>(MSG_DEPTH);
    let (spent_tx, spent_rx) = pipeline::spent_channel();
    // The reader's copy of Control has no probe queue: only the UI's holds it, so dropping it
    // on exit ends the probe thread.
    let reader_control = Control::default();
    let mut control = Control {
        read: reader_control.read.clone(),
        spent: Some(spent_tx),
        probe: None,
    };
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
    let reader_thread = spawn_reader(source, opts, reader_control, spent_rx, tx.clone())
        .and_then(|r| spawn_input(tx).map(|()| r));
    let reader_thread = match reader_thread {
        Ok(h) => h,
        Err(e) => {
            ratatui::restore();
            return Err(e.into());
        }
    };
    let result = event_loop(&mut terminal, &mut model, &rx, &control, reread);
    ratatui::restore();
    control.read.stop.store(true, Ordering::Relaxed);
    control.read.paused.store(false, Ordering::Relaxed);
    control.probe = None;
    // A reader or probe thread blocked on the full channel wakes up to a closed one.
    drop(rx);
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

/// Starts the reader thread: the pipeline's reader over `source`, its batches as
/// [`Msg::Packets`], spent ones back on `spent`, then [`Msg::Ended`] (also when it panics).
pub fn spawn_reader<S: ReadSource + Send + 'static>(
    mut source: S,
    opts: ReadOptions,
    control: Control,
    spent: Receiver<crate::pipeline::PacketBatch>,
    tx: SyncSender<Msg>,
) -> std::io::Result<std::thread::JoinHandle<()>> {
    std::thread::Builder::new()
        .name("reader".into())
        .spawn(move || {
            let ended = reader::guarded(|| {
                reader::read_recycling(
                    &mut source,
                    &opts,
                    &control,
                    |b| tx.send(Msg::Packets(b)).is_ok(),
                    Some(spent),
                )
            });
            let _ = tx.send(Msg::Ended(ended));
        })
}

/// Starts the input thread: keys from the terminal (crossterm opens /dev/tty when stdin is a
/// pipe).
fn spawn_input(tx: SyncSender<Msg>) -> std::io::Result<()> {
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
        })
        .map(drop)
}

/// At most this often during a load; keys redraw at once.
const FRAME: Duration = Duration::from_millis(33);
/// Messages handled between two redraws before drawing anyway.
const DRAIN_BUDGET: Duration = Duration::from_millis(30);

fn event_loop(
    terminal: &mut ratatui::DefaultTerminal,
    model: &mut Model,
    rx: &Receiver<Msg>,
    control: &Control,
    reread: Option<&Path>,
) -> Result<(), TuiError> {
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
/// `w`: the client's frames (chaddr or Ethernet address) from the source file to `out`.
fn export_client(source: &Path, chaddr: &[u8], out: &Path) -> Result<u64, String> {
    use crate::export::{Selection, export};
    let mac: String = chaddr.iter().map(|b| format!("{b:02x}")).collect();
    let filter = crate::filter::Filter::parse(&format!("mac:{mac}")).map_err(|e| e.to_string())?;
    let mut file = crate::source::FileSource::open(source).map_err(|e| e.to_string())?;
    let w = std::fs::File::create(out).map_err(|e| format!("{}: {e}", out.display()))?;
    export(
        &mut file,
        std::io::BufWriter::new(w),
        &Selection::Filter(filter),
    )
    .map(|s| s.frames)
    .map_err(|e| e.to_string())
}

pub fn run_cmds(
    model: &mut Model,
    cmds: Vec<Cmd>,
    control: &Control,
    reread: Option<&Path>,
    file: &mut Option<std::fs::File>,
) {
    for cmd in cmds {
        match cmd {
            Cmd::SetPaused(p) => control.read.paused.store(p, Ordering::Relaxed),
            Cmd::Recycle(batch) => {
                if let Some(spent) = &control.spent {
                    let _ = spent.send(batch);
                }
            }
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
            Cmd::Export { chaddr, out } => {
                let result = match reread {
                    Some(path) => export_client(path, &chaddr, &out),
                    None => Err("the source cannot be read again".into()),
                };
                let more = update(model, Msg::Exported(result.map(|n| (n, out))));
                debug_assert!(more.is_empty());
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

/// Reads a whole capture into a model exactly as the interactive view does, without a
/// terminal: the reader thread sends its batches over the runtime's channel and the model
/// takes them through `update` (tests, benchmarks, `examples/tui_load.rs`). Returns the model
/// after [`Msg::Ended`].
pub fn load_model(
    path: &Path,
    expectations: Expectations,
    size: (u16, u16),
) -> Result<Model, TuiError> {
    let (kind, file_size) = source_kind(path);
    let source = FileSource::open(path)?;
    let mut model = Model::new(path.display().to_string(), kind, expectations, Speed::Load);
    update(&mut model, Msg::Resize(size.0, size.1));
    let mut opts = file_read_options(kind, file_size, Speed::Load);
    // Batches by size only: a load's batches do not depend on the machine's speed.
    opts.batch_interval = None;
    let (tx, rx) = mpsc::sync_channel::<Msg>(MSG_DEPTH);
    let (spent_tx, spent_rx) = pipeline::spent_channel();
    let reader_control = Control::default();
    let control = Control {
        read: reader_control.read.clone(),
        spent: Some(spent_tx),
        probe: None,
    };
    let reader_thread = spawn_reader(source, opts, reader_control, spent_rx, tx)?;
    let reread = (kind == SourceKind::File).then(|| path.to_owned());
    let mut file = None;
    let mut ended = false;
    for msg in rx.iter() {
        ended |= matches!(msg, Msg::Ended(_));
        let cmds = update(&mut model, msg);
        run_cmds(&mut model, cmds, &control, reread.as_deref(), &mut file);
        if ended {
            break;
        }
    }
    drop(rx);
    let _ = reader_thread.join();
    if !ended {
        update(&mut model, Msg::Ended(Ended::default()));
    }
    Ok(model)
}
