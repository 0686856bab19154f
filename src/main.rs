use clap::Parser;
use dhcpscope::cli::{Cli, Command, DecodeArgs, DecodeFormat};
use dhcpscope::output::{decode, is_broken_pipe};
use dhcpscope::pipeline::{ReadSummary, read_dhcp};
use dhcpscope::source::{FileSource, SourceError};
use std::io::{self, BufWriter, Write};
use std::ops::ControlFlow;
use std::process::ExitCode;

/// Exit status when the input cannot be read at all.
const EXIT_INPUT: u8 = 2;

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Decode(args) => run_decode(&args),
    };
    match result {
        Ok(code) => code,
        Err(e) if e.downcast_ref::<io::Error>().is_some_and(is_broken_pipe) => ExitCode::SUCCESS,
        Err(e) => {
            // Print the error ourselves: returning it from main would dump a backtrace.
            eprintln!("dhcpscope: {e:#}");
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
