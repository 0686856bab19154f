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
    Probe(Box<crate::probe::ProbeArgs>),
    /// Print a shell completion script.
    Completions {
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Print the man page (roff).
    Man,
}

#[derive(Debug, clap::Args)]
#[command(group(clap::ArgGroup::new("input").required(true).args(["read", "interface", "list_interfaces"])))]
pub struct ReportArgs {
    /// pcap or pcapng file to read, `-` for standard input.
    #[arg(
        short = 'r',
        long = "read",
        value_name = "FILE",
        conflicts_with = "interface"
    )]
    pub read: Option<PathBuf>,
    #[command(flatten)]
    pub capture: CaptureArgs,
    /// Output format.
    #[arg(long, value_enum, default_value_t = ReportFormat::Text)]
    pub format: ReportFormat,
    /// Indent the JSON (the default when standard output is a terminal; one line otherwise).
    #[arg(long)]
    pub pretty: bool,
    #[command(flatten)]
    pub expect: ExpectArgs,
    /// Exit 1 when warnings (or worse) exist, 2 when critical findings exist.
    #[arg(long, value_enum, value_name = "SEVERITY")]
    pub fail_on: Option<FailOn>,
    /// Stop after this many DHCP packets.
    #[arg(short = 'c', long, value_name = "COUNT")]
    pub count: Option<u64>,
}

/// Live capture (`-i`) instead of a file: needs CAP_NET_RAW (see docs/privileges.md).
#[derive(Debug, Clone, Default, clap::Args)]
pub struct CaptureArgs {
    /// Capture live on this interface (promiscuous; DHCP untagged, 802.1Q and QinQ).
    #[arg(short = 'i', long = "interface", value_name = "IFACE")]
    pub interface: Option<String>,
    /// BPF capture filter replacing the default DHCP filter.
    #[arg(
        short = 'f',
        long = "filter",
        value_name = "BPF",
        requires = "interface"
    )]
    pub filter: Option<String>,
    /// Also save the captured frames to this pcap file (valid even after Ctrl-C).
    #[arg(
        short = 'w',
        long = "write",
        value_name = "FILE",
        requires = "interface"
    )]
    pub write: Option<PathBuf>,
    /// Stop capturing after this many seconds.
    #[arg(long, value_name = "S", requires = "interface")]
    pub duration: Option<f64>,
    /// List the interfaces that can be captured on, and exit.
    #[arg(short = 'D', long = "list-interfaces")]
    pub list_interfaces: bool,
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
#[command(group(clap::ArgGroup::new("input").required(true).args(["read", "interface", "list_interfaces"])))]
pub struct DecodeArgs {
    /// pcap or pcapng file to read, `-` for standard input.
    #[arg(
        short = 'r',
        long = "read",
        value_name = "FILE",
        conflicts_with = "interface"
    )]
    pub read: Option<PathBuf>,
    #[command(flatten)]
    pub capture: CaptureArgs,
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
