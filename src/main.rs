use clap::Parser;
use dhcpscope::analysis::v6::{V6Analysis, V6Expectations};
use dhcpscope::analysis::{self, Analysis, Severity};
use dhcpscope::bpf::BpfSource;
use dhcpscope::cli::{
    ArgsError, CaptureArgs, Cli, Command, DecodeArgs, DecodeFormat, FailOn, ProbeArgs, ReportArgs,
    ReportFormat,
};
use dhcpscope::filter::Filter;
use dhcpscope::live::{self, LiveOptions, LiveSource, LiveStats};
use dhcpscope::output::{decode, decode_v6, is_broken_pipe, report, report_v6};
use dhcpscope::pipeline::{
    AnyPacket, ReadControl, ReadOptions, ReadSource, ReadSummary, read_threaded,
};
use dhcpscope::probe::{ProbeConfig, Status};
use dhcpscope::source::{FileSource, SourceError};
use dhcpscope::tui::TuiConfig;
use std::io::{self, BufWriter, IsTerminal, Write};
use std::ops::ControlFlow;
use std::process::ExitCode;
use std::time::Duration;

/// Exit status when the input cannot be read at all (UNKNOWN, as monitoring plugins say).
const EXIT_INPUT: u8 = 3;
/// Exit status for a command line that parses but gives nothing to do.
const EXIT_USAGE: u8 = 2;

/// True when the command line names the probe subcommand (its usage errors are UNKNOWN, 3).
fn probe_invoked() -> bool {
    std::env::args_os()
        .skip(1)
        .find(|a| !a.to_string_lossy().starts_with('-'))
        .is_some_and(|a| a == "probe")
}

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            let code = e.exit_code();
            return if code != 0 && probe_invoked() {
                ExitCode::from(Status::Unknown.exit_code())
            } else {
                ExitCode::from(u8::try_from(code).unwrap_or(2))
            };
        }
    };
    let result = match cli.command {
        None => match TuiConfig::try_from(&cli.tui) {
            Ok(config) => dhcpscope::tui::run(config).map_err(Into::into),
            Err(e @ ArgsError::NoInput) => {
                eprintln!("dhcpscope: {e}");
                return ExitCode::from(EXIT_USAGE);
            }
            Err(e) => Err(e.into()),
        },
        Some(Command::Decode(args)) => run_decode(&args),
        Some(Command::Report(args)) => run_report(&args),
        Some(Command::Probe(args)) => run_probe(&args),
        Some(Command::Watch(args)) => run_watch(&args),
        Some(Command::Export(args)) => run_export(&args),
        Some(Command::Leases(args)) => run_leases(&args),
        Some(Command::Completions { shell }) => {
            let mut cmd = <Cli as clap::CommandFactory>::command();
            clap_complete::generate(shell, &mut cmd, "dhcpscope", &mut io::stdout());
            Ok(ExitCode::SUCCESS)
        }
        Some(Command::Man(args)) => run_man(&args),
    };
    match result {
        Ok(code) => code,
        // A closed pipe, wherever it surfaced (directly or inside a library error).
        Err(e)
            if e.chain()
                .any(|c| c.downcast_ref::<io::Error>().is_some_and(is_broken_pipe)) =>
        {
            ExitCode::SUCCESS
        }
        Err(e) => {
            // Print the error ourselves: returning it from main would dump a backtrace.
            // Our errors already name their cause, so the chain is not repeated.
            eprintln!("dhcpscope: {e}");
            ExitCode::from(EXIT_INPUT)
        }
    }
}

/// A file or a live interface.
enum Input {
    File(FileSource),
    /// A file read through a BPF filter (`-r FILE -f BPF`).
    Bpf(Box<BpfSource<FileSource>>),
    Live(Box<LiveSource>),
}

impl Input {
    fn source(&mut self) -> &mut (dyn ReadSource + Send) {
        match self {
            Input::File(f) => f,
            Input::Bpf(f) => f.as_mut(),
            Input::Live(l) => l.as_mut(),
        }
    }

    fn is_live(&self) -> bool {
        matches!(self, Input::Live(_))
    }

    /// How the reader batches this input: a live packet is shown as it arrives.
    fn read_options(&self, count: Option<u64>) -> ReadOptions {
        ReadOptions {
            batch_packets: if self.is_live() { 1 } else { 4096 },
            batch_interval: None,
            max_packets: count,
            ..ReadOptions::default()
        }
    }

    fn live_stats(&mut self) -> Option<(String, LiveStats)> {
        match self {
            Input::File(_) | Input::Bpf(_) => None,
            Input::Live(l) => {
                let name = l.interface().to_owned();
                l.stats().ok().map(|s| (name, s))
            }
        }
    }
}

/// Opens the capture (after checking the interface and the privilege), then drops privileges.
fn open_live(c: &CaptureArgs, iface: &str) -> anyhow::Result<LiveSource> {
    let mut opts = LiveOptions::new(iface);
    opts.filter = c.filter.clone();
    opts.savefile = c.write.clone();
    if let Some(d) = c.duration {
        if !(d.is_finite() && d > 0.0) {
            anyhow::bail!("--duration must be a positive number of seconds");
        }
        opts.duration = Some(Duration::from_secs_f64(d.min(1e9)));
    }
    let (source, _dropped) = live::open_checked(&opts)?;
    live::install_interrupt_handler();
    Ok(source)
}

fn open_input(read: Option<&std::path::Path>, c: &CaptureArgs) -> anyhow::Result<Input> {
    match (&c.interface, read) {
        (Some(iface), _) => Ok(Input::Live(Box::new(open_live(c, iface)?))),
        (None, Some(path)) => {
            let file = FileSource::open(path)?;
            match &c.filter {
                Some(bpf) => Ok(Input::Bpf(Box::new(BpfSource::new(file, bpf)?))),
                None => Ok(Input::File(file)),
            }
        }
        (None, None) => anyhow::bail!("give -r FILE or -i IFACE"),
    }
}

fn list_interfaces() -> anyhow::Result<ExitCode> {
    live::print_interfaces()?;
    Ok(ExitCode::SUCCESS)
}

fn stats_line(name: &str, s: &LiveStats) -> String {
    format!(
        "{name}: {} packets received by filter, {} dropped by kernel, {} dropped by interface",
        s.received, s.kernel_dropped, s.if_dropped
    )
}

fn run_decode(args: &DecodeArgs) -> anyhow::Result<ExitCode> {
    if args.capture.list_interfaces {
        return list_interfaces();
    }
    let filter = match parse_display_filter(args.display_filter.as_deref(), true) {
        Ok(f) => f,
        Err(code) => return Ok(code),
    };
    let mut input = open_input(args.read.as_deref(), &args.capture)?;
    let live = input.is_live();
    let opts = input.read_options(args.count);
    let stdout = io::stdout();
    let mut out = BufWriter::with_capacity(1 << 16, stdout.lock());
    let mut write_error: Option<io::Error> = None;
    let summary = read_threaded(input.source(), &opts, &ReadControl::default(), |batch| {
        for p in batch.iter_all() {
            // The display filter's terms read DHCPv4 fields: with a filter, v6 is left out.
            let keep = match &p {
                AnyPacket::V4(p) => filter.matches_packet(p),
                AnyPacket::V6(_) => filter.is_empty(),
            };
            if !keep {
                continue;
            }
            let result = match (args.format, p) {
                (DecodeFormat::Text, AnyPacket::V4(p)) => decode::write_text(&mut out, &p),
                (DecodeFormat::Jsonl, AnyPacket::V4(p)) => decode::write_jsonl(&mut out, &p),
                (DecodeFormat::Text, AnyPacket::V6(p)) => decode_v6::write_text(&mut out, &p),
                (DecodeFormat::Jsonl, AnyPacket::V6(p)) => decode_v6::write_jsonl(&mut out, &p),
            };
            if let Err(e) = result {
                write_error = Some(e);
                return ControlFlow::Break(());
            }
        }
        if live && let Err(e) = out.flush() {
            write_error = Some(e);
            return ControlFlow::Break(());
        }
        ControlFlow::Continue(())
    });
    if let Some(e) = write_error {
        return Err(e.into());
    }
    out.flush()?;
    if let Some((name, s)) = input.live_stats() {
        eprintln!("dhcpscope: {}", stats_line(&name, &s));
    }
    report_read_problems(&summary)
}

fn run_report(args: &ReportArgs) -> anyhow::Result<ExitCode> {
    if args.capture.list_interfaces {
        return list_interfaces();
    }
    let expectations = analysis::Expectations::try_from(&args.expect)?;
    let filter = match parse_display_filter(args.display_filter.as_deref(), false) {
        Ok(f) => f,
        Err(code) => return Ok(code),
    };
    let mut input = open_input(args.read.as_deref(), &args.capture)?;
    let mut analysis = Analysis::new(expectations);
    let mut v6 = V6Analysis::with_expectations(
        V6Expectations::parse(&args.expect.servers6, &args.expect.routers)
            .map_err(|e| anyhow::anyhow!(e))?,
    );
    let opts = input.read_options(args.count);
    // The reader (source → frame → batch) on one core, the analysis on this one.
    let summary = read_threaded(input.source(), &opts, &ReadControl::default(), |batch| {
        for p in batch.iter() {
            analysis.observe(&p);
        }
        for p in batch.iter_v6() {
            v6.observe(&p);
        }
        ControlFlow::Continue(())
    });
    analysis.finish();
    v6.finish();
    if !filter.is_empty() {
        dhcpscope::filter::restrict(&mut analysis, &filter);
    }
    if let Some(err @ SourceError::Open { .. } | err @ SourceError::UnknownFormat(_)) =
        &summary.error
    {
        return Err(anyhow::anyhow!("{err}"));
    }
    let capture = input.live_stats();
    let name = match (&args.read, &args.capture.interface) {
        (_, Some(iface)) => format!("{iface} (live)"),
        (Some(path), None) => path.display().to_string(),
        (None, None) => String::new(),
    };
    let info = report::SourceInfo {
        name: &name,
        summary: &summary,
    };
    let stdout = io::stdout();
    let mut out = BufWriter::new(stdout.lock());
    match args.format {
        ReportFormat::Text => {
            report::write_text(&mut out, &analysis, &info)?;
            report_v6::write_text(&mut out, &v6)?;
            if let Some((iface, s)) = &capture {
                writeln!(out, "\nCapture\n  {}", stats_line(iface, s))?;
            }
        }
        ReportFormat::Json => {
            let mut extra: Vec<(&str, serde_json::Value)> = vec![("v6", report_v6::v6_json(&v6))];
            extra.extend(capture.iter().map(|(iface, s)| {
                let counters = serde_json::json!({
                    "interface": iface,
                    "filter": args.capture.filter.as_deref().unwrap_or(live::DEFAULT_FILTER),
                    "received": s.received,
                    "kernel_dropped": s.kernel_dropped,
                    "if_dropped": s.if_dropped,
                });
                ("capture", counters)
            }));
            // Indented for a person at a terminal, one line for programs and files.
            let style = if args.pretty || io::stdout().is_terminal() {
                report::JsonStyle::Pretty
            } else {
                report::JsonStyle::Compact
            };
            report::write_json_styled(&mut out, &analysis, &info, &extra, style)?;
        }
        ReportFormat::Csv => {
            report::write_csv(&mut out, &analysis)?;
            if let Some((iface, s)) = &capture {
                eprintln!("dhcpscope: {}", stats_line(iface, s));
            }
        }
    }
    out.flush()?;
    let read = report_read_problems(&summary)?;
    let worst = analysis.worst_severity().max(v6.worst_severity());
    // Freeing a model of millions of small allocations takes longer than the exit does.
    std::mem::forget(analysis);
    Ok(match (args.fail_on, worst) {
        (Some(_), Some(Severity::Critical)) => ExitCode::from(2),
        (Some(FailOn::Warning), Some(Severity::Warning)) => ExitCode::from(1),
        _ => read,
    })
}

/// `dhcpscope probe`: the worst round's status is the exit code; a probe that cannot run
/// (bad arguments, no privilege, no such interface) is UNKNOWN. `probe::Status` decides the
/// numbers.
fn run_probe(args: &ProbeArgs) -> anyhow::Result<ExitCode> {
    if args.list_interfaces {
        return list_interfaces();
    }
    let result = ProbeConfig::try_from(args)
        .map_err(dhcpscope::probe::Error::from)
        .and_then(|config| dhcpscope::probe::run(&config));
    match result {
        Ok(status) => Ok(ExitCode::from(status.exit_code())),
        Err(dhcpscope::probe::Error::Output(e)) if is_broken_pipe(&e) => Ok(ExitCode::SUCCESS),
        Err(e) => {
            eprintln!("dhcpscope: {e}");
            Ok(ExitCode::from(Status::Unknown.exit_code()))
        }
    }
}

/// `dhcpscope export`: the selected packets' frames, byte-identical, to a pcap file.
fn run_export(args: &dhcpscope::cli::ExportArgs) -> anyhow::Result<ExitCode> {
    use dhcpscope::export::{Selection, export};
    let selection = if let Some(x) = &args.xid {
        match dhcpscope::cli::parse_xid(x) {
            Some(x) => Selection::Xid(x),
            None => {
                eprintln!("dhcpscope: --xid {x:?}: not a transaction id (0x3daf271d or decimal)");
                return Ok(ExitCode::from(EXIT_USAGE));
            }
        }
    } else {
        let text = match (&args.mac, &args.display_filter) {
            (Some(m), _) => format!("mac:{m}"),
            (None, Some(f)) => f.clone(),
            (None, None) => String::new(),
        };
        match parse_display_filter(Some(&text), true) {
            Ok(f) => Selection::Filter(f),
            Err(code) => return Ok(code),
        }
    };
    let file = FileSource::open(&args.read)?;
    let out = std::fs::File::create(&args.write)
        .map_err(|e| anyhow::anyhow!("{}: {e}", args.write.display()))?;
    let out = BufWriter::new(out);
    let summary = match &args.bpf {
        Some(bpf) => export(&mut BpfSource::new(file, bpf)?, out, &selection)?,
        None => export(&mut { file }, out, &selection)?,
    };
    eprintln!(
        "dhcpscope: {} frames written to {}",
        summary.frames,
        args.write.display()
    );
    report_read_problems(&summary.read)
}

/// `dhcpscope man [SUBCOMMAND] [--dir OUT]`.
fn run_man(args: &dhcpscope::cli::ManArgs) -> anyhow::Result<ExitCode> {
    use dhcpscope::cli::manpage;
    if let Some(dir) = &args.dir {
        for path in manpage::write_all(dir)? {
            println!("{}", path.display());
        }
        return Ok(ExitCode::SUCCESS);
    }
    let mut out = BufWriter::new(io::stdout().lock());
    if let Err(e) = manpage::render(args.page.as_deref(), &mut out) {
        if e.kind() == io::ErrorKind::Other {
            eprintln!("dhcpscope: {e}");
            return Ok(ExitCode::from(EXIT_USAGE));
        }
        return Err(e.into());
    }
    out.flush()?;
    Ok(ExitCode::SUCCESS)
}

/// `dhcpscope leases`: holdings of addresses, from the shared model.
fn run_leases(args: &dhcpscope::cli::LeasesArgs) -> anyhow::Result<ExitCode> {
    use dhcpscope::filter::{MacPattern, Net};
    use dhcpscope::leases::{Query, holdings, parse_time};
    let mut query = Query::default();
    if let Some(ip) = &args.ip {
        let Some(n) = Net::parse(ip) else {
            eprintln!("dhcpscope: --ip {ip:?}: not an IPv4 address or CIDR");
            return Ok(ExitCode::from(EXIT_USAGE));
        };
        query.net = Some(n);
    }
    if let Some(m) = &args.mac {
        let Some(p) = MacPattern::parse(m) else {
            eprintln!("dhcpscope: --mac {m:?}: not a MAC address or prefix");
            return Ok(ExitCode::from(EXIT_USAGE));
        };
        query.mac = Some(p);
    }
    let mut file = FileSource::open(&args.read)?;
    let (analysis, summary) = Analysis::run(&mut file, analysis::Expectations::default());
    if let Some(at) = &args.at {
        let Some(t) = parse_time(at, analysis.first_ts) else {
            eprintln!(
                "dhcpscope: --at {at:?}: not a time (2026-11-28T14:03:00Z, epoch seconds, or HH:MM[:SS])"
            );
            return Ok(ExitCode::from(EXIT_USAGE));
        };
        query.at = Some(t);
    }
    let shown: Vec<_> = holdings(&analysis)
        .into_iter()
        .filter(|h| query.keeps(h))
        .collect();
    let stdout = io::stdout();
    let mut out = BufWriter::new(stdout.lock());
    let ts = |t: Option<dhcpscope::time::Timestamp>| {
        t.map_or_else(|| "-".to_owned(), |t| t.rfc3339(3).to_string())
    };
    let server =
        |s: Option<std::net::Ipv4Addr>| s.map_or_else(|| "-".to_owned(), |s| s.to_string());
    match args.format {
        ReportFormat::Text => {
            writeln!(
                out,
                "{:<15}  {:<17}  {:<24}  {:<24}  {:<8}  {:<15}  renewals  frames",
                "address", "client", "from", "to", "ended by", "server"
            )?;
            for h in &shown {
                writeln!(
                    out,
                    "{:<15}  {:<17}  {:<24}  {:<24}  {:<8}  {:<15}  {:>8}  {}-{}{}",
                    h.address.to_string(),
                    h.mac,
                    ts(Some(h.from)),
                    ts(h.to),
                    h.ended_by.name(),
                    server(h.server),
                    h.renewals,
                    h.first_frame,
                    h.last_frame,
                    if h.overlap { "  OVERLAP" } else { "" }
                )?;
            }
            if shown.is_empty() {
                writeln!(out, "(no holding matches)")?;
            }
        }
        ReportFormat::Json => {
            serde_json::to_writer_pretty(&mut out, &serde_json::json!({ "holdings": shown }))?;
            writeln!(out)?;
        }
        ReportFormat::Csv => {
            writeln!(
                out,
                "address,client,from,to,ended_by,server,renewals,first_frame,last_frame,overlap"
            )?;
            for h in &shown {
                writeln!(
                    out,
                    "{},{},{},{},{},{},{},{},{},{}",
                    h.address,
                    h.mac,
                    ts(Some(h.from)),
                    ts(h.to),
                    h.ended_by.name(),
                    server(h.server),
                    h.renewals,
                    h.first_frame,
                    h.last_frame,
                    h.overlap
                )?;
            }
        }
    }
    out.flush()?;
    report_read_problems(&summary)
}

/// `--filter EXPR`: parsed once; a bad expression is a usage error (exit 2) that says where.
/// `packets`: the expression filters single packets (`decode`), so terms about exchanges
/// are refused.
fn parse_display_filter(text: Option<&str>, packets: bool) -> Result<Filter, ExitCode> {
    let Some(text) = text else {
        return Ok(Filter::default());
    };
    let parsed = Filter::parse(text).and_then(|f| {
        if packets {
            f.check_packet_terms()?;
        }
        Ok(f)
    });
    parsed.map_err(|e| {
        let before = text.get(..e.pos).map_or(0, |s| s.chars().count());
        eprintln!("dhcpscope: --filter: {e}");
        eprintln!("  {}", dhcpscope::escape::escape_str(text));
        eprintln!("  {}^", " ".repeat(before));
        ExitCode::from(EXIT_USAGE)
    })
}

/// Read problems after some frames were read are warnings (exit 0); an unreadable input is an error.
fn report_read_problems(summary: &ReadSummary) -> anyhow::Result<ExitCode> {
    for (linktype, frames) in &summary.unsupported_linktypes {
        eprintln!(
            "dhcpscope: warning: {frames} frames on unsupported link type {linktype} skipped"
        );
    }
    for w in &summary.source_warnings {
        eprintln!("dhcpscope: warning: {w}");
    }
    if summary.protected_frames > 0 {
        let n = summary.protected_frames;
        eprintln!("dhcpscope: warning: {n} encrypted 802.11 data frames skipped");
    }
    match &summary.error {
        Some(e @ (SourceError::Truncated { .. } | SourceError::Corrupt { .. })) => {
            eprintln!(
                "dhcpscope: warning: {e}; {} frames read before it",
                summary.frames
            );
            Ok(ExitCode::SUCCESS)
        }
        Some(e) => Err(anyhow::anyhow!("{e}")),
        None => Ok(ExitCode::SUCCESS),
    }
}

fn run_watch(args: &dhcpscope::cli::WatchArgs) -> anyhow::Result<ExitCode> {
    let config = dhcpscope::watch::WatchConfig::try_from(args)?;
    dhcpscope::watch::run(config)?;
    Ok(ExitCode::SUCCESS)
}
