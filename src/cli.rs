//! Command-line interface (clap derive).

use clap::{Parser, Subcommand, ValueEnum};
use std::path::PathBuf;

#[derive(Debug, Parser)]
#[command(
    name = "dhcpscope",
    version,
    about = "Decode DHCPv4 traffic into per-client DORA timelines and find rogue or misbehaving servers",
    long_about = "Decode DHCPv4 traffic into per-client DORA timelines and find rogue or misbehaving servers.\n\nWithout a subcommand, opens the interactive view: `dhcpscope -r FILE`, `dhcpscope FILE`.",
    propagate_version = true,
    args_conflicts_with_subcommands = true
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
    #[command(flatten)]
    pub tui: crate::tui::TuiArgs,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Print every DHCP packet of a capture, field by field (like `tshark -V`, DHCP only).
    Decode(DecodeArgs),
    /// Track every exchange, inventory the servers and list findings.
    Report(ReportArgs),
    /// Inject crafted DHCP requests on an interface and judge every server that answers.
    Probe(crate::probe::ProbeArgs),
    /// Print a shell completion script.
    Completions {
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Print the man page (roff).
    Man,
}

#[derive(Debug, clap::Args)]
pub struct ReportArgs {
    /// pcap or pcapng file to read, `-` for standard input.
    #[arg(short = 'r', long = "read", value_name = "FILE")]
    pub read: PathBuf,
    /// Output format.
    #[arg(long, value_enum, default_value_t = ReportFormat::Text)]
    pub format: ReportFormat,
    #[command(flatten)]
    pub expect: ExpectArgs,
    /// Exit 1 when warnings (or worse) exist, 2 when critical findings exist.
    #[arg(long, value_enum, value_name = "SEVERITY")]
    pub fail_on: Option<FailOn>,
}

/// What the admin expects on the segment (also read from the config file).
#[derive(Debug, Clone, Default, clap::Args)]
pub struct ExpectArgs {
    /// A legitimate server, by IP (server identifier or source) or MAC. Repeatable.
    #[arg(long = "expect-server", value_name = "IP|MAC")]
    pub servers: Vec<String>,
    /// A lease network of concern: servers handing out addresses outside these are unexpected.
    #[arg(long = "expect-subnet", value_name = "CIDR")]
    pub subnets: Vec<String>,
    /// Replies slower than this are findings (default 1000).
    #[arg(long, value_name = "MS")]
    pub slow_ms: Option<f64>,
    /// TOML config file (default: $XDG_CONFIG_HOME/dhcpscope/config.toml when it exists).
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ReportFormat {
    Text,
    Json,
    Csv,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum FailOn {
    Warning,
    Critical,
}

#[derive(Debug, clap::Args)]
pub struct DecodeArgs {
    /// pcap or pcapng file to read, `-` for standard input.
    #[arg(short = 'r', long = "read", value_name = "FILE")]
    pub read: PathBuf,
    /// Output format.
    #[arg(long, value_enum, default_value_t = DecodeFormat::Text)]
    pub format: DecodeFormat,
    /// Stop after this many DHCP packets.
    #[arg(short = 'c', long, value_name = "COUNT")]
    pub count: Option<u64>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum DecodeFormat {
    Text,
    Jsonl,
}
