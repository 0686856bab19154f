//! Command-line interface (clap derive): the only place clap types live. Each subcommand's
//! arguments are validated here and converted into the domain configuration the library takes
//! ([`TuiConfig`], [`ProbeConfig`] via `TryFrom<&ProbeArgs>`, [`Expectations`]).

pub mod manpage;

use crate::analysis::config::{self, Expectations};
use crate::probe::plan::{self, PlanError, ProbeConfig, Rounds, defaults};
use crate::probe::{Format, Mode, Plan};
use crate::tui::{Speed, TuiConfig, TuiInput};
use clap::{Parser, Subcommand, ValueEnum};
use std::net::Ipv4Addr;
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
    /// Show times in UTC (default: the local zone, from TZ or /etc/localtime; the header
    /// names the zone).
    #[arg(long)]
    pub utc: bool,
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
        e.load().map_err(ArgsError::Expectations)
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
            utc: a.utc,
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
    Probe(Box<ProbeArgs>),
    /// Run as a sensor: capture continuously, serve Prometheus metrics, stream findings as
    /// JSON lines (SIGHUP reloads expectations; SIGTERM stops with a final flush).
    Watch(WatchArgs),
    /// Write the frames of selected DHCP packets to a pcap file, byte-identical to the input.
    Export(ExportArgs),
    /// Who held which address when: lease history from ACK, renewals, RELEASE, DECLINE, NAK, expiry.
    Leases(LeasesArgs),
    /// Print a shell completion script.
    Completions {
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Print a man page (roff): the top page, or a subcommand's (`dhcpscope man report`);
    /// `--dir OUT` writes them all as dhcpscope.1, dhcpscope-report.1, …
    Man(ManArgs),
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
    /// Show only the clients this filter expression keeps (and the findings about them);
    /// see FILTER EXPRESSIONS in dhcpscope(1) and docs/tui.md.
    #[arg(long = "filter", value_name = "EXPR")]
    pub display_filter: Option<String>,
}

/// Live capture (`-i`) instead of a file: needs CAP_NET_RAW (see docs/privileges.md).
#[derive(Debug, Clone, Default, clap::Args)]
pub struct CaptureArgs {
    /// Capture live on this interface (promiscuous; DHCP untagged, 802.1Q and QinQ).
    #[arg(short = 'i', long = "interface", value_name = "IFACE")]
    pub interface: Option<String>,
    /// BPF filter (libpcap syntax). Live: replaces the default DHCP capture filter. With -r:
    /// only the file's frames it accepts are read (as `tcpdump -r FILE BPF`).
    #[arg(short = 'f', long = "bpf", value_name = "BPF")]
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
    /// A legitimate DHCPv6 server, by DUID (hex, colons allowed), IPv6 address (its
    /// link-local) or MAC. Repeatable. When given, other DHCPv6 servers are findings.
    #[arg(long = "expect-server6", value_name = "DUID|IPV6|MAC")]
    pub servers6: Vec<String>,
    /// A legitimate IPv6 router (router advertisement source), by IPv6 address or MAC.
    /// Repeatable. When given, other routers are findings.
    #[arg(long = "expect-router", value_name = "IPV6|MAC")]
    pub routers: Vec<String>,
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
    /// Print only the packets this filter expression keeps (packet terms: mac: ip: host:
    /// vlan: server: vendor: circuit: and words, with and/or/not).
    #[arg(long = "filter", value_name = "EXPR")]
    pub display_filter: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum DecodeFormat {
    Text,
    Jsonl,
}

impl ExpectArgs {
    /// The expectations these flags and the config file describe (reads the file).
    pub fn load(&self) -> Result<Expectations, String> {
        config::load(
            self.config.as_deref(),
            &self.servers,
            &self.subnets,
            self.slow_ms,
        )
    }
}

// ------------------------------------------------------------------ export --

/// `dhcpscope export -r IN -w OUT (--mac M | --xid X | --filter EXPR)`.
#[derive(Debug, clap::Args)]
#[command(
    group(clap::ArgGroup::new("select").required(true).args(["mac", "xid", "display_filter"])),
    after_help = "Examples:\n  dhcpscope export -r day.pcapng -w client.pcap --mac 0200.0000.0202\n  dhcpscope export -r day.pcap -w x.pcap --xid 0x3daf271d\n  dhcpscope export -r day.pcap -w rogue.pcap --filter 'server:192.168.66.1'\n\nThe output is a pcap file with the input's link type; each frame is written as captured (same bytes, lengths and time).\nExit status: 0 written, 2 bad arguments, 3 unreadable input or unwritable output."
)]
pub struct ExportArgs {
    /// pcap or pcapng file to read, `-` for standard input.
    #[arg(short = 'r', long = "read", value_name = "IN")]
    pub read: PathBuf,
    /// pcap file to write.
    #[arg(short = 'w', long = "write", value_name = "OUT")]
    pub write: PathBuf,
    /// The packets of this client (chaddr or Ethernet address; any notation, or a prefix).
    #[arg(long, value_name = "MAC")]
    pub mac: Option<String>,
    /// The packets of this transaction id (hex with 0x, or decimal).
    #[arg(long, value_name = "XID")]
    pub xid: Option<String>,
    /// The packets this filter expression keeps (packet terms).
    #[arg(long = "filter", value_name = "EXPR")]
    pub display_filter: Option<String>,
    /// BPF filter applied to the input first (libpcap syntax).
    #[arg(short = 'f', long = "bpf", value_name = "BPF")]
    pub bpf: Option<String>,
}

/// A transaction id: `0x3daf271d` or decimal.
pub fn parse_xid(s: &str) -> Option<u32> {
    let s = s.trim();
    match s.strip_prefix("0x").or_else(|| s.strip_prefix("0X")) {
        Some(hex) => u32::from_str_radix(hex, 16).ok(),
        None => s.parse().ok(),
    }
}

// --------------------------------------------------------------------- man --

#[derive(Debug, clap::Args)]
#[command(
    after_help = "Examples:\n  dhcpscope man report | man -l -\n  dhcpscope man --dir /usr/local/share/man/man1"
)]
pub struct ManArgs {
    /// The subcommand whose page to print (decode, report, export, leases, probe).
    #[arg(value_name = "SUBCOMMAND")]
    pub page: Option<String>,
    /// Write every page into this directory instead.
    #[arg(long, value_name = "OUT", conflicts_with = "page")]
    pub dir: Option<PathBuf>,
}

// ------------------------------------------------------------------ leases --

/// `dhcpscope leases -r FILE [--ip IP|CIDR] [--mac MAC] [--at TIME] [--format F]`.
#[derive(Debug, clap::Args)]
#[command(
    after_help = "Examples:\n  dhcpscope leases -r day.pcap --ip 10.0.0.77 --at 14:03\n  dhcpscope leases -r day.pcap --mac 0200.0000.0202 --format json\n  dhcpscope leases -r day.pcap --ip 10.0.0.0/24 --format csv\n\nA holding starts at an ACK with an address and lasts the lease; later ACKs extend it; the client's RELEASE or DECLINE, a NAK to it, or expiry end it. OVERLAP marks holders of one address whose times overlap.\nExit status: 0 read, 2 bad arguments, 3 unreadable input."
)]
pub struct LeasesArgs {
    /// pcap or pcapng file to read, `-` for standard input.
    #[arg(short = 'r', long = "read", value_name = "FILE")]
    pub read: PathBuf,
    /// Only this address or network.
    #[arg(long, value_name = "IP|CIDR")]
    pub ip: Option<String>,
    /// Only this client (any notation, or a prefix).
    #[arg(long, value_name = "MAC")]
    pub mac: Option<String>,
    /// Only holdings in force at this time: RFC 3339, epoch seconds, or HH:MM[:SS] (UTC, on
    /// the capture's first day).
    #[arg(long, value_name = "TIME")]
    pub at: Option<String>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = ReportFormat::Text)]
    pub format: ReportFormat,
}

// ------------------------------------------------------------------- probe --

/// Probe flavours (see [`Mode`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ModeArg {
    /// DISCOVER; collects every OFFER during --wait.
    Discover,
    /// REQUEST (SELECTING) naming a bogus server identifier: only broken servers answer.
    Request,
    /// REQUEST (INIT-REBOOT) for an address on a wrong subnet: authoritative servers NAK.
    InitReboot,
    /// REQUEST (REBINDING) from a foreign ciaddr, broadcast.
    Rebind,
    /// INFORM from --ciaddr: servers ACK with configuration, no lease.
    Inform,
    /// DISCOVER, REQUEST, ACK, then RELEASE: no lease is left behind.
    Dora,
    /// RELEASE of --ciaddr to --server-id (or --server).
    Release,
    /// DECLINE of --requested-ip to --server-id (or --server).
    Decline,
}

impl From<ModeArg> for Mode {
    fn from(m: ModeArg) -> Mode {
        match m {
            ModeArg::Discover => Mode::Discover,
            ModeArg::Request => Mode::Request,
            ModeArg::InitReboot => Mode::InitReboot,
            ModeArg::Rebind => Mode::Rebind,
            ModeArg::Inform => Mode::Inform,
            ModeArg::Dora => Mode::Dora,
            ModeArg::Release => Mode::Release,
            ModeArg::Decline => Mode::Decline,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ProbeFormat {
    Text,
    Json,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum OnOff {
    On,
    Off,
}

#[derive(Debug, Clone, clap::Args)]
#[command(
    group(clap::ArgGroup::new("target").required(true).args(["interface", "list_interfaces"])),
    after_help = "Exit status: 0 OK, 1 WARNING, 2 CRITICAL (an unexpected server answered, or nobody did), 3 UNKNOWN (bad arguments, no privilege, no such interface). Needs CAP_NET_RAW. See docs/probe.md."
)]
pub struct ProbeArgs {
    /// Interface to probe on (never `any`, loopback or a down interface).
    #[arg(short = 'i', long = "interface", value_name = "IFACE")]
    pub interface: Option<String>,
    /// List the interfaces and exit.
    #[arg(short = 'D', long = "list-interfaces")]
    pub list_interfaces: bool,
    /// Probe flavour; repeat to run several in one go.
    #[arg(long = "mode", value_enum, value_name = "MODE", default_values_t = [ModeArg::Discover])]
    pub modes: Vec<ModeArg>,
    /// Seconds to listen for replies after each request.
    #[arg(long, value_name = "S", default_value_t = defaults::WAIT_SECS)]
    pub wait: f64,
    /// Transmissions per request when nobody answers; each retry doubles the wait.
    #[arg(long, value_name = "N", default_value_t = defaults::TRIES)]
    pub tries: u32,
    /// Client MAC (chaddr) [default: 02:44:48:43:50:01, fixed and locally administered].
    #[arg(long, value_name = "MAC")]
    pub mac: Option<String>,
    /// Ethernet source when it must differ from chaddr (switches often drop such frames).
    #[arg(long = "ether-src", value_name = "MAC")]
    pub ether_src: Option<String>,
    /// Client identifier (option 61): hex bytes, or str:TEXT.
    #[arg(long = "client-id", value_name = "ID")]
    pub client_id: Option<String>,
    /// Host name (option 12).
    #[arg(long, value_name = "NAME")]
    pub hostname: Option<String>,
    /// Vendor class identifier (option 60).
    #[arg(long = "vendor-class", value_name = "TEXT")]
    pub vendor_class: Option<String>,
    /// Parameter request list (option 55), e.g. 1,3,6,51.
    #[arg(long = "param-list", value_name = "CODES")]
    pub param_list: Option<String>,
    /// Requested address (option 50) [init-reboot and request default: 172.31.254.254].
    #[arg(long = "requested-ip", value_name = "IP")]
    pub requested_ip: Option<Ipv4Addr>,
    /// Client address (ciaddr) for inform, rebind and release.
    #[arg(long, value_name = "IP")]
    pub ciaddr: Option<Ipv4Addr>,
    /// Server identifier (option 54) for request, release and decline [request default:
    /// 10.254.254.254].
    #[arg(long = "server-id", value_name = "IP")]
    pub server_id: Option<Ipv4Addr>,
    /// Extra option: CODE=hex:..|ip:..|str:..|u8:N|u16:N|u32:N|VALUE, or raw:HEX appended
    /// verbatim. Repeatable, in order.
    #[arg(long = "option", value_name = "CODE=VALUE")]
    pub options: Vec<String>,
    /// Ask servers to broadcast their replies.
    #[arg(long = "broadcast-flag", value_enum, value_name = "on|off", default_value_t = OnOff::On)]
    pub broadcast_flag: OnOff,
    /// 802.1Q tag on the probes; give it twice for QinQ (outer first).
    #[arg(long = "vlan", value_name = "ID", value_parser = clap::value_parser!(u16).range(0..4096))]
    pub vlans: Vec<u16>,
    /// Act as a relay agent with this giaddr: unicast from port 67 to --server.
    #[arg(long, value_name = "GIADDR", requires = "server")]
    pub relay: Option<Ipv4Addr>,
    /// The server to unicast to (relay mode, inform, release).
    #[arg(long, value_name = "IP")]
    pub server: Option<Ipv4Addr>,
    /// MAC to send unicast frames to [default: learned from replies or the ARP table, else
    /// broadcast].
    #[arg(long = "server-mac", value_name = "MAC")]
    pub server_mac: Option<String>,
    /// Relay mode: option 82 circuit-id.
    #[arg(long = "circuit-id", value_name = "TEXT", requires = "relay")]
    pub circuit_id: Option<String>,
    /// Relay mode: option 82 remote-id.
    #[arg(long = "remote-id", value_name = "TEXT", requires = "relay")]
    pub remote_id: Option<String>,
    /// Ask for this lease time (option 51). Off by default: asking biases servers.
    #[arg(long = "lease-time", value_name = "S")]
    pub lease_time: Option<u32>,
    #[command(flatten)]
    pub expect: ExpectArgs,
    /// Output format (json: one object per line, one line per round).
    #[arg(long, value_enum, default_value_t = ProbeFormat::Text)]
    pub format: ProbeFormat,
    /// Rounds to run (monitoring); a status line per round.
    #[arg(long, value_name = "N", default_value_t = defaults::COUNT)]
    pub count: u32,
    /// Seconds between rounds.
    #[arg(long, value_name = "S", default_value_t = defaults::INTERVAL_SECS)]
    pub interval: f64,
    /// Save every frame the probe captured (and sent) to this pcap file.
    #[arg(short = 'w', long = "write", value_name = "FILE")]
    pub write: Option<PathBuf>,
}

impl ProbeArgs {
    /// The plan these flags describe, judged against `expectations`; checked by
    /// [`Plan::validate`] like the TUI's form.
    pub fn plan(&self, expectations: Expectations) -> Result<Plan, PlanError> {
        let interface = self
            .interface
            .clone()
            .ok_or_else(|| PlanError::from("probe needs -i IFACE"))?;
        let mut p = Plan::new(interface, expectations);
        p.modes = self.modes.iter().map(|m| Mode::from(*m)).collect();
        p.wait = plan::wait(self.wait)?;
        p.tries = self.tries;
        if let Some(s) = &self.mac {
            p.crafting.mac = plan::mac("--mac", s)?;
        }
        p.ether_src = opt_mac("--ether-src", self.ether_src.as_deref())?;
        p.server_mac = opt_mac("--server-mac", self.server_mac.as_deref())?;
        p.crafting.client_id = self.client_id.as_deref().map(plan::client_id).transpose()?;
        p.crafting.hostname = self.hostname.as_ref().map(|s| s.as_bytes().to_vec());
        p.crafting.vendor_class = self.vendor_class.as_ref().map(|s| s.as_bytes().to_vec());
        if let Some(s) = &self.param_list {
            p.crafting.param_list = plan::param_list(s)?;
        }
        p.crafting.lease_time = self.lease_time;
        p.crafting.broadcast = self.broadcast_flag == OnOff::On;
        p.crafting.extra = plan::extra_options(self.options.iter().map(String::as_str))?;
        p.crafting.relay = plan::relay(
            self.relay,
            self.server,
            self.circuit_id.as_deref(),
            self.remote_id.as_deref(),
        )?;
        p.requested_ip = self.requested_ip;
        p.ciaddr = self.ciaddr;
        p.server_id = self.server_id;
        p.server = self.server;
        p.vlans = self.vlans.clone();
        p.validate()
    }
}

fn opt_mac(flag: &str, s: Option<&str>) -> Result<Option<[u8; 6]>, PlanError> {
    s.map(|s| plan::mac(flag, s)).transpose()
}

/// `dhcpscope probe`'s flags, checked once; the expectations are read from the flags and the
/// config file.
impl TryFrom<&ProbeArgs> for ProbeConfig {
    type Error = PlanError;

    fn try_from(a: &ProbeArgs) -> Result<ProbeConfig, PlanError> {
        // The plan first: its usage errors are reported before a config file is read.
        a.plan(Expectations::default())?;
        let expectations = a.expect.load().map_err(PlanError)?;
        Ok(ProbeConfig {
            plan: a.plan(expectations)?,
            rounds: Rounds::new(a.count, a.interval)?,
            format: match a.format {
                ProbeFormat::Text => Format::Text,
                ProbeFormat::Json => Format::Json,
            },
            savefile: a.write.clone(),
        })
    }
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
    #[arg(long = "probe-mode", value_enum, value_name = "MODE", default_values_t = [ModeArg::Discover], requires = "probe_every")]
    pub probe_modes: Vec<ModeArg>,
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
            let mut plan = Plan::new(iface.clone(), c.expectations.clone());
            plan.modes = a.probe_modes.iter().map(|&m| Mode::from(m)).collect();
            let plan = plan
                .validate()
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::config::ServerRef;
    use crate::probe::craft;
    use std::time::Duration;

    /// `dhcpscope probe ARGS…` parsed by clap.
    fn probe_args(args: &[&str]) -> ProbeArgs {
        let cli = Cli::try_parse_from(["dhcpscope", "probe"].iter().chain(args)).unwrap();
        match cli.command {
            Some(Command::Probe(a)) => *a,
            other => panic!("{other:?}"),
        }
    }

    fn config(args: &[&str]) -> Result<ProbeConfig, String> {
        ProbeConfig::try_from(&probe_args(args)).map_err(|e| e.0)
    }

    #[test]
    fn probe_defaults_become_one_discover_round() {
        let c = config(&["-i", "eth0"]).unwrap();
        assert_eq!(c.plan, Plan::new("eth0", Expectations::default()));
        assert_eq!(c.rounds, Rounds::default());
        assert_eq!(c.format, Format::Text);
        assert_eq!(c.savefile, None);
    }

    #[test]
    fn probe_flags_reach_the_plan() {
        let c = config(&[
            "-i",
            "eth0",
            "--mode",
            "inform",
            "--mode",
            "dora",
            "--ciaddr",
            "10.0.0.50",
            "--wait",
            "0.5",
            "--tries",
            "3",
            "--mac",
            "02:00:00:00:00:07",
            "--hostname",
            "h",
            "--option",
            "60=str:lab",
            "--broadcast-flag",
            "off",
            "--vlan",
            "100",
            "--vlan",
            "10",
            "--relay",
            "10.1.0.1",
            "--server",
            "10.0.0.1",
            "--circuit-id",
            "port7",
            "--expect-server",
            "10.0.0.1",
            "--format",
            "json",
            "--count",
            "3",
            "--interval",
            "5",
        ])
        .unwrap();
        let p = &c.plan;
        assert_eq!(p.modes, [Mode::Inform, Mode::Dora]);
        assert_eq!(p.ciaddr, Some(Ipv4Addr::new(10, 0, 0, 50)));
        assert_eq!((p.wait, p.tries), (Duration::from_millis(500), 3));
        assert_eq!(p.crafting.mac, [2, 0, 0, 0, 0, 7]);
        assert_eq!(p.crafting.hostname.as_deref(), Some(&b"h"[..]));
        assert_eq!(
            p.crafting.extra,
            [craft::ExtraOption::Coded(60, b"lab".to_vec())]
        );
        assert!(!p.crafting.broadcast);
        assert_eq!(p.vlans, [100, 10]);
        let relay = p.crafting.relay.as_ref().unwrap();
        assert_eq!(relay.giaddr, Ipv4Addr::new(10, 1, 0, 1));
        assert_eq!(relay.circuit_id.as_deref(), Some(&b"port7"[..]));
        assert_eq!(
            p.expectations.servers,
            [ServerRef::Ip(Ipv4Addr::new(10, 0, 0, 1))]
        );
        assert_eq!(c.format, Format::Json);
        assert_eq!(c.rounds.count, 3);
        assert_eq!(c.rounds.interval, Duration::from_secs(5));
    }

    #[test]
    fn probe_usage_errors_name_the_flag() {
        for (args, needle) in [
            (&["-i", "eth0", "--mode", "inform"][..], "--ciaddr"),
            (&["-i", "eth0", "--wait", "0"], "--wait"),
            (&["-i", "eth0", "--wait", "NaN"], "--wait"),
            (&["-i", "eth0", "--tries", "0"], "--tries"),
            (&["-i", "eth0", "--count", "0"], "--count"),
            (&["-i", "eth0", "--interval", "0.5"], "--interval"),
            (&["-i", "eth0", "--mac", "01:00:5e:00:00:01"], "unicast"),
            (&["-i", "eth0", "--ether-src", "x"], "--ether-src"),
            (&["-i", "eth0", "--option", "999=1"], "CODE"),
            (&["-i", "eth0", "--client-id", "zz"], "--client-id"),
            (&["-i", "eth0", "--param-list", "1,x"], "--param-list"),
            (
                &["-i", "eth0", "--vlan", "1", "--vlan", "2", "--vlan", "3"],
                "two tags",
            ),
            (&["-i", "eth0", "--expect-server", "nonsense"], "nonsense"),
        ] {
            let e = config(args).unwrap_err();
            assert!(e.contains(needle), "{args:?}: {e}");
        }
    }
}
