//! Command-line interface (clap derive): the only place clap types live. Arguments are
//! validated here and converted into the domain configuration the library takes
//! ([`TuiConfig`], [`Expectations`]).

use crate::analysis::Expectations;
use crate::tui::{Speed, TuiConfig, TuiInput};
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
    pub tui: TuiArgs,
}

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

/// Arguments that parse but cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum ArgsError {
    #[error(
        "no input: give a capture (`dhcpscope -r FILE`, `dhcpscope FILE`, `-` for standard \
         input) or an interface (`dhcpscope -i IFACE`); see `dhcpscope --help`"
    )]
    NoInput,
    /// The expectations (flags and config file) do not hold.
    #[error("{0}")]
    Expectations(String),
}

impl TryFrom<&ExpectArgs> for Expectations {
    type Error = ArgsError;

    fn try_from(e: &ExpectArgs) -> Result<Expectations, ArgsError> {
        crate::analysis::config::load(e.config.as_deref(), &e.servers, &e.subnets, e.slow_ms)
            .map_err(ArgsError::Expectations)
    }
}

impl TryFrom<&TuiArgs> for TuiConfig {
    type Error = ArgsError;

    fn try_from(a: &TuiArgs) -> Result<TuiConfig, ArgsError> {
        let path = a.read.as_ref().or(a.file.as_ref());
        let input = match (&a.interface, path) {
            (Some(iface), _) => TuiInput::Live {
                interface: iface.clone(),
                filter: a.filter.clone(),
                write: a.write.clone(),
            },
            (None, Some(path)) => TuiInput::File {
                path: path.clone(),
                speed: a.speed.unwrap_or(Speed::Load),
            },
            (None, None) => return Err(ArgsError::NoInput),
        };
        Ok(TuiConfig {
            input,
            expectations: Expectations::try_from(&a.expect)?,
        })
    }
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Print every DHCP packet of a capture, field by field (like `tshark -V`, DHCP only).
    Decode(DecodeArgs),
    /// Track every exchange, inventory the servers and list findings.
    Report(ReportArgs),
    /// Inject crafted DHCP requests on an interface and judge every server that answers.
    Probe(Box<crate::probe::ProbeArgs>),
    /// Run as a sensor: capture continuously, serve Prometheus metrics, stream findings as
    /// JSON lines (SIGHUP reloads expectations; SIGTERM stops with a final flush).
    Watch(WatchArgs),
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

/// `dhcpscope watch`: a long-running sensor for Prometheus (see docs/watch.md).
#[derive(Debug, Clone, clap::Args)]
#[command(group(clap::ArgGroup::new("input").required(true).multiple(true).args(["interfaces", "read"])))]
pub struct WatchArgs {
    /// Capture live on this interface (repeatable; needs CAP_NET_RAW).
    #[arg(short = 'i', long = "interface", value_name = "IFACE")]
    pub interfaces: Vec<String>,
    /// Read a capture stream or file instead (`-`: standard input, e.g. from a remote tcpdump).
    #[arg(short = 'r', long = "read", value_name = "FILE|-")]
    pub read: Option<PathBuf>,
    /// BPF filter for the live captures (default: DHCP ports, VLAN-tagged too).
    #[arg(short = 'f', long = "filter", value_name = "BPF")]
    pub filter: Option<String>,
    /// Serve GET /metrics (OpenMetrics) and GET /healthz here.
    #[arg(long, value_name = "ADDR:PORT", default_value = crate::watch::DEFAULT_LISTEN)]
    pub listen: std::net::SocketAddr,
    /// Serve no HTTP endpoint (textfile or events only).
    #[arg(long, conflicts_with = "listen")]
    pub no_listen: bool,
    /// Write each finding raised or cleared as a JSON line to this file (`-`: stdout).
    #[arg(long, value_name = "FILE|-")]
    pub events: Option<PathBuf>,
    /// Also write the metrics in the 0.0.4 text format to this file (atomic rename), for
    /// node_exporter's textfile collector.
    #[arg(long, value_name = "PATH")]
    pub textfile: Option<PathBuf>,
    /// How often the textfile is rewritten.
    #[arg(long, value_name = "DUR", default_value = "15s", value_parser = crate::watch::parse_duration)]
    pub textfile_every: std::time::Duration,
    /// Drop a client from memory after this long without traffic (its counts stay).
    #[arg(long, value_name = "DUR", default_value = "1h", value_parser = crate::watch::parse_duration)]
    pub client_idle: std::time::Duration,
    /// A finding not seen again for this long clears (and an unexpected server stops counting).
    #[arg(long, value_name = "DUR", default_value = "10m", value_parser = crate::watch::parse_duration)]
    pub clear_after: std::time::Duration,
    /// An expected server with no reply for this long is silent.
    #[arg(long, value_name = "DUR", default_value = "15m", value_parser = crate::watch::parse_duration)]
    pub silent_after: std::time::Duration,
    /// Run the probe every DUR on the first interface (same crafting, pacing and safety
    /// rules as `dhcpscope probe`; sends on the wire), its verdicts as dhcpscope_probe_* metrics.
    #[arg(long, value_name = "DUR", value_parser = crate::watch::parse_duration, requires = "interfaces")]
    pub probe_every: Option<std::time::Duration>,
    /// Probe flavour for --probe-every; repeat to run several per round.
    #[arg(long = "probe-mode", value_enum, value_name = "MODE", default_values_t = [crate::probe::Mode::Discover], requires = "probe_every")]
    pub probe_modes: Vec<crate::probe::Mode>,
    /// Distinct server label values in the metrics; further servers count as server="other".
    #[arg(long, value_name = "N", default_value_t = 32)]
    pub max_server_labels: usize,
    #[command(flatten)]
    pub expect: ExpectArgs,
}

impl TryFrom<&WatchArgs> for crate::watch::WatchConfig {
    type Error = ArgsError;

    fn try_from(a: &WatchArgs) -> Result<crate::watch::WatchConfig, ArgsError> {
        use crate::watch::{ExpectationSource, WatchConfig, WatchInput, events::EventTarget};
        let mut inputs: Vec<WatchInput> = a
            .interfaces
            .iter()
            .map(|i| WatchInput::Live {
                interface: i.clone(),
                filter: a.filter.clone(),
            })
            .collect();
        inputs.extend(a.read.iter().map(|p| WatchInput::Stream(p.clone())));
        if inputs.is_empty() {
            return Err(ArgsError::NoInput);
        }
        let mut labels: Vec<String> = inputs.iter().map(WatchInput::label).collect();
        labels.sort();
        labels.dedup();
        if labels.len() != inputs.len() {
            return Err(ArgsError::Expectations(
                "an interface is named twice".to_owned(),
            ));
        }
        let expect = ExpectationSource {
            config: a.expect.config.clone(),
            servers: a.expect.servers.clone(),
            subnets: a.expect.subnets.clone(),
            slow_ms: a.expect.slow_ms,
        };
        let mut c = WatchConfig::new(inputs);
        c.expectations = expect.load().map_err(ArgsError::Expectations)?;
        c.expect = expect;
        c.listen = (!a.no_listen).then_some(a.listen);
        c.events = a.events.as_ref().map(|p| {
            if p.as_os_str() == "-" {
                EventTarget::Stdout
            } else {
                EventTarget::File(p.clone())
            }
        });
        c.textfile = a.textfile.clone();
        c.textfile_every = a.textfile_every;
        c.client_idle = a.client_idle;
        c.clear_after = a.clear_after;
        c.silent_after = a.silent_after;
        c.max_server_labels = a.max_server_labels;
        if let (Some(every), Some(iface)) = (a.probe_every, a.interfaces.first()) {
            let mut args = crate::probe::ProbeArgs::for_interface(iface);
            args.modes = a.probe_modes.clone();
            let plan = crate::probe::Plan::with_expectations(&args, c.expectations.clone())
                .map_err(|e| ArgsError::Expectations(format!("--probe-every: {e}")))?;
            // A round must end before the next one starts.
            let round = plan.wait * plan.modes.len() as u32 * 2;
            if every < round {
                return Err(ArgsError::Expectations(format!(
                    "--probe-every must be at least {} s for these probe modes",
                    round.as_secs()
                )));
            }
            c.probe = Some(crate::watch::ProbeConfig { every, plan });
        }
        Ok(c)
    }
}
