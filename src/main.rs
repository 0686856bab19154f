use clap::Parser;
use dhcpscope::analysis::{self, Analysis, Severity};
use dhcpscope::cli::{Cli, Command, DecodeArgs, DecodeFormat, FailOn, ReportArgs, ReportFormat};
use dhcpscope::output::{decode, is_broken_pipe, report};
use dhcpscope::pipeline::{ReadSummary, read_dhcp};
use dhcpscope::source::{FileSource, SourceError};
use std::io::{self, BufWriter, Write};
use std::ops::ControlFlow;
use std::process::ExitCode;

/// Exit status when the input cannot be read at all (UNKNOWN, as monitoring plugins say).
const EXIT_INPUT: u8 = 3;

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        None => dhcpscope::tui::run(&cli.tui),
        Some(Command::Decode(args)) => run_decode(&args),
        Some(Command::Report(args)) => run_report(&args),
        Some(Command::Probe(args)) => dhcpscope::probe::run(&args),
        Some(Command::Completions { shell }) => {
            let mut cmd = <Cli as clap::CommandFactory>::command();
            clap_complete::generate(shell, &mut cmd, "dhcpscope", &mut io::stdout());
            Ok(ExitCode::SUCCESS)
        }
        Some(Command::Man) => clap_mangen::Man::new(<Cli as clap::CommandFactory>::command())
            .render(&mut io::stdout())
            .map(|()| ExitCode::SUCCESS)
            .map_err(Into::into),
    };
    match result {
        Ok(code) => code,
        Err(e) if e.downcast_ref::<io::Error>().is_some_and(is_broken_pipe) => ExitCode::SUCCESS,
        Err(e) => {
            // Print the error ourselves: returning it from main would dump a backtrace.
            // Our errors already name their cause, so the chain is not repeated.
            eprintln!("dhcpscope: {e}");
            ExitCode::from(EXIT_INPUT)
        }
    }
}

fn run_decode(args: &DecodeArgs) -> anyhow::Result<ExitCode> {
    let mut source = FileSource::open(&args.read)?;
    let stdout = io::stdout();
    let mut out = BufWriter::with_capacity(1 << 16, stdout.lock());
    let mut written = 0u64;
    let mut write_error: Option<io::Error> = None;
    let summary = read_dhcp(&mut source, |packet| {
        let result = match args.format {
            DecodeFormat::Text => decode::write_text(&mut out, packet),
            DecodeFormat::Jsonl => decode::write_jsonl(&mut out, packet),
        };
        if let Err(e) = result {
            write_error = Some(e);
            return ControlFlow::Break(());
        }
        written += 1;
        if args.count.is_some_and(|c| written >= c) {
            ControlFlow::Break(())
        } else {
            ControlFlow::Continue(())
        }
    });
    if let Some(e) = write_error {
        return Err(e.into());
    }
    out.flush()?;
    report_read_problems(&summary)
}

fn run_report(args: &ReportArgs) -> anyhow::Result<ExitCode> {
    let e = &args.expect;
    let expectations =
        analysis::config::load(e.config.as_deref(), &e.servers, &e.subnets, e.slow_ms)
            .map_err(|msg| anyhow::anyhow!("{msg}"))?;
    let mut source = FileSource::open(&args.read)?;
    let (analysis, summary) = Analysis::run(&mut source, expectations);
    if let Some(err @ SourceError::Open { .. } | err @ SourceError::UnknownFormat(_)) =
        &summary.error
    {
        return Err(anyhow::anyhow!("{err}"));
    }
    let name = args.read.display().to_string();
    let info = report::SourceInfo {
        name: &name,
        summary: &summary,
    };
    let stdout = io::stdout();
    let mut out = BufWriter::new(stdout.lock());
    match args.format {
        ReportFormat::Text => report::write_text(&mut out, &analysis, &info)?,
        ReportFormat::Json => report::write_json(&mut out, &analysis, &info)?,
        ReportFormat::Csv => report::write_csv(&mut out, &analysis)?,
    }
    out.flush()?;
    let read = report_read_problems(&summary)?;
    let worst = analysis.worst_severity();
    // Freeing a model of millions of small allocations takes longer than the exit does.
    std::mem::forget(analysis);
    Ok(match (args.fail_on, worst) {
        (Some(_), Some(Severity::Critical)) => ExitCode::from(2),
        (Some(FailOn::Warning), Some(Severity::Warning)) => ExitCode::from(1),
        _ => read,
    })
}

/// Read problems after some frames were read are warnings (exit 0); an unreadable input is an error.
fn report_read_problems(summary: &ReadSummary) -> anyhow::Result<ExitCode> {
    for (linktype, frames) in &summary.unsupported_linktypes {
        eprintln!(
            "dhcpscope: warning: {frames} frames on unsupported link type {linktype} skipped"
        );
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
