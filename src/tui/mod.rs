//! The interactive terminal UI (ratatui): per-client DORA timelines.

use crate::cli::ExpectArgs;
use std::path::PathBuf;
use std::process::ExitCode;

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
    #[command(flatten)]
    pub expect: ExpectArgs,
}

pub fn run(args: &TuiArgs) -> anyhow::Result<ExitCode> {
    let _ = args;
    anyhow::bail!("the TUI is not built yet: use `dhcpscope report` or `dhcpscope decode`")
}
