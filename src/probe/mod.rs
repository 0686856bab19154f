//! Active probes: crafted DHCP requests injected on an interface, every reply judged.
//!
//! `dhcpscope probe -i IFACE` opens a capture handle ([`LiveSource`], promiscuous, so replies
//! unicast to the probe's MAC or ignoring the broadcast flag are seen) and a send-only
//! [`Injector`], drops privileges, then runs each `--mode` in turn. Every frame we send and
//! every reply that matches our xid or chaddr is kept, with kernel timestamps where the
//! capture saw our own frame, and fed through the shared findings engine
//! ([`crate::analysis::Analysis`]) so the same rules apply as in `report`. The verdict
//! ([`verdict`]) follows monitoring-plugin conventions: exit 0 OK, 1 WARNING, 2 CRITICAL,
//! 3 UNKNOWN. See docs/probe.md.

pub mod craft;
pub mod verdict;

use crate::analysis::config::{self, ServerRef};
use crate::cli::ExpectArgs;
use crate::dhcp::Message;
use crate::dhcp::options::MessageType;
use crate::frame::{Decoded, FrameDecoder};
use crate::live::{self, Injector, LiveOptions, LiveSource};
use crate::source::RawFrame;
use crate::time::Timestamp;
use craft::{Crafting, ExtraOption, MessageFields, Relay, Route};
use std::io::{self, Write};
use std::net::Ipv4Addr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::{Duration, Instant, SystemTime};

pub use verdict::{ReplyInfo, Status, Verdict};

/// Probe flavours (dhcp_probe's cycle, plus INFORM, a full DORA and the client's goodbyes).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, clap::ValueEnum)]
pub enum Mode {
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

impl Mode {
    pub fn name(self) -> &'static str {
        match self {
            Mode::Discover => "discover",
            Mode::Request => "request",
            Mode::InitReboot => "init-reboot",
            Mode::Rebind => "rebind",
            Mode::Inform => "inform",
            Mode::Dora => "dora",
            Mode::Release => "release",
            Mode::Decline => "decline",
        }
    }

    /// Whether silence to this probe means nobody is serving.
    pub fn expects_answer(self) -> bool {
        matches!(
            self,
            Mode::Discover | Mode::Dora | Mode::Inform | Mode::InitReboot | Mode::Rebind
        )
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ProbeFormat {
    Text,
    Json,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
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
    #[arg(long = "mode", value_enum, value_name = "MODE", default_values_t = [Mode::Discover])]
    pub modes: Vec<Mode>,
    /// Seconds to listen for replies after each request.
    #[arg(long, value_name = "S", default_value_t = 3.0)]
    pub wait: f64,
    /// Transmissions per request when nobody answers; each retry doubles the wait.
    #[arg(long, value_name = "N", default_value_t = 1)]
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
    #[arg(long, value_name = "N", default_value_t = 1)]
    pub count: u32,
    /// Seconds between rounds.
    #[arg(long, value_name = "S", default_value_t = 60.0)]
    pub interval: f64,
    /// Save every frame the probe captured (and sent) to this pcap file.
    #[arg(short = 'w', long = "write", value_name = "FILE")]
    pub write: Option<PathBuf>,
}

impl ProbeArgs {
    /// The arguments of `dhcpscope probe --interface IFACE` with every other flag at its
    /// default (the TUI's probe form starts from these).
    pub fn for_interface(interface: &str) -> ProbeArgs {
        #[derive(clap::Parser)]
        struct Probe {
            #[command(flatten)]
            args: ProbeArgs,
        }
        let flag = format!("--interface={interface}");
        <Probe as clap::Parser>::try_parse_from(["probe", flag.as_str()])
            .map(|p| p.args)
            .expect("the probe's defaults parse")
    }
}

/// Exit statuses, as monitoring plugins use them.
pub const EXIT_OK: u8 = 0;
pub const EXIT_WARNING: u8 = 1;
pub const EXIT_CRITICAL: u8 = 2;
pub const EXIT_UNKNOWN: u8 = 3;

/// Smallest gap between two frames we send: at most four per second, whatever the options.
pub const MIN_SEND_GAP: Duration = Duration::from_millis(250);
/// After the first OFFER, how long `dora` keeps collecting before it requests.
const DORA_OFFER_GRACE: Duration = Duration::from_millis(500);
/// Listening after a RELEASE or DECLINE (no reply is expected).
const GOODBYE_LISTEN: Duration = Duration::from_millis(300);
const MAX_WINDOW: Duration = Duration::from_secs(64);

/// The validated command line.
#[derive(Debug, Clone)]
pub struct Plan {
    pub interface: String,
    pub modes: Vec<Mode>,
    pub crafting: Crafting,
    pub ether_src: Option<[u8; 6]>,
    pub requested_ip: Option<Ipv4Addr>,
    pub ciaddr: Option<Ipv4Addr>,
    pub server_id: Option<Ipv4Addr>,
    pub server: Option<Ipv4Addr>,
    pub server_mac: Option<[u8; 6]>,
    pub vlans: Vec<u16>,
    pub wait: Duration,
    pub tries: u32,
    pub expectations: config::Expectations,
}

fn usage(msg: impl Into<String>) -> anyhow::Error {
    anyhow::anyhow!("{}", msg.into())
}

fn mac_arg(flag: &str, s: &str) -> anyhow::Result<[u8; 6]> {
    config::parse_mac(s).ok_or_else(|| usage(format!("{flag} {s:?}: not a MAC address")))
}

impl Plan {
    /// Checks the arguments (no network access); expectations come from the flags and the
    /// config file.
    pub fn from_args(a: &ProbeArgs) -> anyhow::Result<Plan> {
        Plan::build(a, || {
            let e = &a.expect;
            config::load(e.config.as_deref(), &e.servers, &e.subnets, e.slow_ms)
        })
    }

    /// Like [`Plan::from_args`] with the expectations given, ignoring `a.expect`: no file is
    /// read, so the TUI can check a probe form without I/O.
    pub fn with_expectations(
        a: &ProbeArgs,
        expectations: config::Expectations,
    ) -> anyhow::Result<Plan> {
        Plan::build(a, || Ok(expectations))
    }

    fn build(
        a: &ProbeArgs,
        expectations: impl FnOnce() -> Result<config::Expectations, String>,
    ) -> anyhow::Result<Plan> {
        let interface = a
            .interface
            .clone()
            .ok_or_else(|| usage("probe needs -i IFACE"))?;
        if !(0.1..=120.0).contains(&a.wait) {
            return Err(usage("--wait must be between 0.1 and 120 seconds"));
        }
        if !(1..=8).contains(&a.tries) {
            return Err(usage("--tries must be between 1 and 8"));
        }
        if a.count == 0 {
            return Err(usage("--count must be at least 1"));
        }
        if !(1.0..=86_400.0).contains(&a.interval) {
            return Err(usage("--interval must be between 1 and 86400 seconds"));
        }
        if a.vlans.len() > 2 {
            return Err(usage("--vlan: at most two tags (outer first)"));
        }
        let mut modes = Vec::new();
        for m in &a.modes {
            if !modes.contains(m) {
                modes.push(*m);
            }
        }
        if modes.contains(&Mode::Inform) && a.ciaddr.is_none() {
            return Err(usage(
                "--mode inform needs --ciaddr (the address the client holds)",
            ));
        }
        if modes.contains(&Mode::Release) {
            if a.ciaddr.is_none() {
                return Err(usage(
                    "--mode release needs --ciaddr (the address to release)",
                ));
            }
            if a.server_id.or(a.server).is_none() {
                return Err(usage("--mode release needs --server-id or --server"));
            }
        }
        if modes.contains(&Mode::Decline) {
            if a.requested_ip.is_none() {
                return Err(usage(
                    "--mode decline needs --requested-ip (the address declined)",
                ));
            }
            if a.server_id.or(a.server).is_none() {
                return Err(usage("--mode decline needs --server-id or --server"));
            }
        }
        let mac = match &a.mac {
            Some(s) => mac_arg("--mac", s)?,
            None => craft::DEFAULT_MAC,
        };
        if mac[0] & 1 != 0 {
            return Err(usage("--mac must be a unicast address"));
        }
        let ether_src = a
            .ether_src
            .as_deref()
            .map(|s| mac_arg("--ether-src", s))
            .transpose()?;
        let server_mac = a
            .server_mac
            .as_deref()
            .map(|s| mac_arg("--server-mac", s))
            .transpose()?;
        let extra = a
            .options
            .iter()
            .map(|s| craft::parse_extra_option(s))
            .collect::<Result<Vec<ExtraOption>, String>>()
            .map_err(usage)?;
        let relay = match (a.relay, a.server) {
            (Some(giaddr), Some(server)) => Some(Relay {
                giaddr,
                server,
                circuit_id: a.circuit_id.as_ref().map(|s| s.as_bytes().to_vec()),
                remote_id: a.remote_id.as_ref().map(|s| s.as_bytes().to_vec()),
            }),
            (Some(_), None) => return Err(usage("--relay needs --server")),
            _ => None,
        };
        let crafting = Crafting {
            mac,
            client_id: a
                .client_id
                .as_deref()
                .map(craft::parse_client_id)
                .transpose()
                .map_err(usage)?,
            hostname: a.hostname.as_ref().map(|s| s.as_bytes().to_vec()),
            vendor_class: a.vendor_class.as_ref().map(|s| s.as_bytes().to_vec()),
            param_list: match &a.param_list {
                Some(s) => craft::parse_param_list(s).map_err(usage)?,
                None => craft::DEFAULT_PARAM_LIST.to_vec(),
            },
            lease_time: a.lease_time,
            broadcast: a.broadcast_flag == OnOff::On,
            extra,
            relay,
        };
        let expectations = expectations().map_err(usage)?;
        Ok(Plan {
            interface,
            modes,
            crafting,
            ether_src,
            requested_ip: a.requested_ip,
            ciaddr: a.ciaddr,
            server_id: a.server_id,
            server: a.server,
            server_mac,
            vlans: a.vlans.clone(),
            wait: Duration::from_secs_f64(a.wait),
            tries: a.tries,
            expectations,
        })
    }
}

/// A frame we sent.
#[derive(Debug, Clone)]
pub struct SentFrame {
    pub mode: Mode,
    pub xid: u32,
    pub msg_type: MessageType,
    /// Kernel timestamp of the capture's copy when seen, else the clock just before sending.
    pub ts: Timestamp,
    pub seen_by_capture: bool,
    pub frame: Vec<u8>,
}

/// A captured reply that matches one of our xids or our chaddr.
#[derive(Debug, Clone)]
pub struct CapturedReply {
    /// The mode whose xid it answers (`None`: only the chaddr matched).
    pub mode: Option<Mode>,
    pub ts: Timestamp,
    pub linktype: u16,
    pub frame: Vec<u8>,
}

/// Everything one round sent and saw.
#[derive(Debug, Default, Clone)]
pub struct RoundLog {
    pub sent: Vec<SentFrame>,
    pub replies: Vec<CapturedReply>,
    /// (xid, mode) of every request.
    pub xids: Vec<(u32, Mode)>,
    /// Things the run did that the verdict should say (e.g. the DORA release).
    pub notes: Vec<String>,
    /// Addresses DORA leased and released: (address, server id).
    pub released: Vec<(Ipv4Addr, Ipv4Addr)>,
}

impl RoundLog {
    fn mode_of(&self, xid: u32) -> Option<Mode> {
        self.xids.iter().find(|(x, _)| *x == xid).map(|(_, m)| *m)
    }
}

fn now_ts() -> Timestamp {
    let d = SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .unwrap_or_default();
    Timestamp::new(d.as_secs() as i64, d.subsec_nanos())
}

/// A fresh transaction id (no RNG crate: the std hasher is randomly keyed per process).
fn new_xid() -> u32 {
    use std::hash::{BuildHasher, Hasher};
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u128(now_ts().as_nanos() as u128);
    h.write_u32(std::process::id());
    (h.finish() as u32).max(1)
}

fn is_offer(v: &ReplyInfo) -> bool {
    v.msg_type == Some(MessageType::OFFER)
}

/// The capture and injection handles and the round in progress.
pub struct Session {
    pub plan: Plan,
    source: LiveSource,
    injector: Injector,
    iface_mac: Option<[u8; 6]>,
    decoder: FrameDecoder,
    last_send: Option<Instant>,
    pub log: RoundLog,
    /// `log.replies` decoded, one entry per reply, as it was captured: the decisions during
    /// the run (has the chosen server answered? which MAC does it use?) read these.
    decoded: Vec<ReplyInfo>,
    /// Told every transaction id as a request is about to use it.
    xid_listener: Option<Box<dyn FnMut(u32, Mode) + Send>>,
}

impl Session {
    /// Opens both handles (needs CAP_NET_RAW). Call [`crate::privilege::drop_or_warn`]
    /// afterwards.
    pub fn open(plan: Plan, savefile: Option<PathBuf>) -> anyhow::Result<Session> {
        let state = live::check_injectable(&plan.interface)?;
        crate::privilege::check(&plan.interface)?;
        let mut opts = LiveOptions::new(plan.interface.clone());
        opts.savefile = savefile;
        let source = LiveSource::open(&opts)?;
        let injector = Injector::open(&plan.interface)?;
        Ok(Session {
            plan,
            source,
            injector,
            iface_mac: state.mac,
            decoder: FrameDecoder::new(),
            last_send: None,
            log: RoundLog::default(),
            decoded: Vec::new(),
            xid_listener: None,
        })
    }

    /// Replaces the plan for the next rounds (the TUI's probe form). The interface stays the
    /// one the handles were opened on.
    pub fn set_plan(&mut self, plan: Plan) -> anyhow::Result<()> {
        if plan.interface != self.plan.interface {
            anyhow::bail!(
                "the probe handles are open on {}, not {}",
                crate::escape::escape_str(&self.plan.interface),
                crate::escape::escape_str(&plan.interface)
            );
        }
        self.plan = plan;
        Ok(())
    }

    /// Calls `f` with each transaction id before the request that uses it is sent, so a
    /// live view can mark the probe's messages as they are captured.
    pub fn set_xid_listener(&mut self, f: Box<dyn FnMut(u32, Mode) + Send>) {
        self.xid_listener = Some(f);
    }

    /// Drops the frames the capture queued since the last round (at most `limit` of reading),
    /// so an idle session's next round judges only what answers it. Returns how many.
    pub fn discard_pending(&mut self, limit: Duration) -> anyhow::Result<u64> {
        let until = Instant::now() + limit;
        let mut n = 0;
        while Instant::now() < until {
            if self
                .source
                .next_frame_timeout(Some(Duration::ZERO))?
                .is_none()
            {
                break;
            }
            n += 1;
        }
        Ok(n)
    }

    fn interrupted(&self) -> bool {
        live::interrupted() || self.source.is_finished()
    }

    /// Waits for at most `timeout` for one frame and keeps it if it concerns us.
    fn listen_once(&mut self, timeout: Duration) -> anyhow::Result<()> {
        let Some(frame) = self.source.next_frame_timeout(Some(timeout))? else {
            return Ok(());
        };
        let (ts, linktype) = (frame.ts, frame.linktype);
        let data = frame.data.to_vec();
        let raw = RawFrame {
            data: &data,
            ..frame
        };
        let Decoded::Udp(udp) = self.decoder.decode(&raw) else {
            return Ok(());
        };
        let m = Message::decode(udp.payload);
        match m.op {
            1 => {
                if let Some(s) = self
                    .log
                    .sent
                    .iter_mut()
                    .find(|s| !s.seen_by_capture && s.frame == data)
                {
                    s.ts = ts;
                    s.seen_by_capture = true;
                }
            }
            2 => {
                let mode = self.log.mode_of(m.xid);
                let mac = self.plan.crafting.mac;
                if mode.is_some() || m.chaddr_mac() == Some(mac) {
                    let info = ReplyInfo::from_decoded(mode, ts, &udp, &m, mac);
                    self.decoded.push(info);
                    self.log.replies.push(CapturedReply {
                        mode,
                        ts,
                        linktype,
                        frame: data,
                    });
                }
            }
            _ => {}
        }
        Ok(())
    }

    fn listen_until(&mut self, until: Instant) -> anyhow::Result<()> {
        loop {
            let now = Instant::now();
            if now >= until || self.interrupted() {
                return Ok(());
            }
            self.listen_once(until - now)?;
        }
    }

    /// Waits until [`MIN_SEND_GAP`] has passed since the last frame we sent, listening
    /// meanwhile (replies to the previous request still count). If the capture fails, the
    /// rest of the gap is slept before the error is returned, so a caller that must send
    /// anyway (the DORA release) still keeps the rate limit.
    fn wait_send_gap(&mut self) -> anyhow::Result<()> {
        let Some(last) = self.last_send else {
            return Ok(());
        };
        let gap_end = last + MIN_SEND_GAP;
        while Instant::now() < gap_end {
            let left = gap_end.saturating_duration_since(Instant::now());
            if self.source.is_finished() {
                std::thread::sleep(left);
            } else if let Err(e) = self.listen_once(left) {
                std::thread::sleep(gap_end.saturating_duration_since(Instant::now()));
                return Err(e);
            }
        }
        Ok(())
    }

    /// Sends one frame, never faster than [`MIN_SEND_GAP`] after the previous one.
    fn send(
        &mut self,
        mode: Mode,
        xid: u32,
        msg_type: MessageType,
        frame: Vec<u8>,
    ) -> anyhow::Result<()> {
        self.wait_send_gap()?;
        self.send_now(mode, xid, msg_type, frame)
    }

    fn send_now(
        &mut self,
        mode: Mode,
        xid: u32,
        msg_type: MessageType,
        frame: Vec<u8>,
    ) -> anyhow::Result<()> {
        let ts = now_ts();
        self.injector.send(&frame)?;
        self.last_send = Some(Instant::now());
        self.log.sent.push(SentFrame {
            mode,
            xid,
            msg_type,
            ts,
            seen_by_capture: false,
            frame,
        });
        Ok(())
    }

    /// True when a reply captured since `from` answers `xid` and satisfies `done`.
    fn has_reply(&self, from: usize, xid: u32, done: &dyn Fn(&ReplyInfo) -> bool) -> bool {
        self.decoded[from..].iter().any(|v| v.xid == xid && done(v))
    }

    /// The MAC to unicast to `ip`: --server-mac, a reply from it, the ARP table, broadcast.
    fn mac_for(&self, ip: Ipv4Addr) -> [u8; 6] {
        if let Some(m) = self.plan.server_mac {
            return m;
        }
        let learned = self.decoded.iter().find_map(|v| {
            (v.server_id == Some(ip) || v.src_ip == ip)
                .then_some(v.src_mac)
                .flatten()
        });
        learned
            .or_else(|| craft::neighbour_mac(ip))
            .unwrap_or(crate::craft::BROADCAST_MAC)
    }

    /// Layer 2/3 addressing of a client message from `src_ip`, to `unicast` when given.
    fn route(&self, src_ip: Ipv4Addr, unicast: Option<Ipv4Addr>) -> Route {
        let plan = &self.plan;
        if let Some(r) = &plan.crafting.relay {
            return Route {
                src_mac: plan
                    .ether_src
                    .or(self.iface_mac)
                    .unwrap_or(plan.crafting.mac),
                dst_mac: self.mac_for(r.server),
                src_ip: r.giaddr,
                dst_ip: r.server,
                src_port: 67,
            };
        }
        let src_mac = plan.ether_src.unwrap_or(plan.crafting.mac);
        match unicast {
            Some(dst) => Route {
                src_mac,
                dst_mac: self.mac_for(dst),
                src_ip,
                dst_ip: dst,
                src_port: 68,
            },
            None => Route::broadcast(src_mac, src_ip),
        }
    }

    fn frame(&self, route: &Route, fields: &MessageFields) -> Vec<u8> {
        let payload = craft::build_message(&self.plan.crafting, fields);
        craft::build_frame(route, &self.plan.vlans, &payload)
    }

    /// Sends a request with retransmission and back-off; returns the index (in the decoded
    /// replies) of the first reply of this step. A reply to our xid for which `done` holds
    /// ends the retries; with `grace`, listening also stops that long after it (else the
    /// whole window is listened to).
    fn transact(
        &mut self,
        mode: Mode,
        mut fields: MessageFields,
        route: Route,
        done: &dyn Fn(&ReplyInfo) -> bool,
        grace: Option<Duration>,
    ) -> anyhow::Result<usize> {
        let from = self.decoded.len();
        let started = Instant::now();
        let mut window = self.plan.wait;
        for _attempt in 0..self.plan.tries {
            if self.interrupted() {
                break;
            }
            fields.secs = u16::try_from(started.elapsed().as_secs()).unwrap_or(u16::MAX);
            let frame = self.frame(&route, &fields);
            self.send(mode, fields.xid, fields.msg_type, frame)?;
            let end = Instant::now() + window;
            let mut grace_end: Option<Instant> = None;
            loop {
                let limit = grace_end.map_or(end, |g| g.min(end));
                let now = Instant::now();
                if now >= limit || self.interrupted() {
                    break;
                }
                self.listen_once(limit - now)?;
                if let Some(g) = grace
                    && grace_end.is_none()
                    && self.has_reply(from, fields.xid, done)
                {
                    grace_end = Some(Instant::now() + g);
                }
            }
            if self.has_reply(from, fields.xid, done) {
                break;
            }
            window = (window * 2).min(MAX_WINDOW);
        }
        Ok(from)
    }

    fn fields(&self, msg_type: MessageType, xid: u32) -> MessageFields {
        MessageFields {
            msg_type,
            xid,
            secs: 0,
            ciaddr: Ipv4Addr::UNSPECIFIED,
            requested_ip: None,
            server_id: None,
        }
    }

    fn begin(&mut self, mode: Mode) -> u32 {
        let mut xid = new_xid();
        while self.log.mode_of(xid).is_some() {
            xid = xid.wrapping_add(1).max(1);
        }
        self.log.xids.push((xid, mode));
        if let Some(f) = &mut self.xid_listener {
            f(xid, mode);
        }
        xid
    }

    /// Runs one mode.
    pub fn run_mode(&mut self, mode: Mode) -> anyhow::Result<()> {
        let plan = self.plan.clone();
        let any: &dyn Fn(&ReplyInfo) -> bool = &|_| true;
        match mode {
            Mode::Discover => {
                let xid = self.begin(mode);
                let f = self.fields(MessageType::DISCOVER, xid);
                let route = self.route(Ipv4Addr::UNSPECIFIED, None);
                self.transact(mode, f, route, &is_offer, None)?;
            }
            Mode::Request => {
                let xid = self.begin(mode);
                let mut f = self.fields(MessageType::REQUEST, xid);
                f.server_id = Some(plan.server_id.unwrap_or(craft::BOGUS_SERVER_ID));
                f.requested_ip = Some(plan.requested_ip.unwrap_or(craft::WRONG_SUBNET_IP));
                let route = self.route(Ipv4Addr::UNSPECIFIED, None);
                self.transact(mode, f, route, any, None)?;
            }
            Mode::InitReboot => {
                let xid = self.begin(mode);
                let mut f = self.fields(MessageType::REQUEST, xid);
                f.requested_ip = Some(plan.requested_ip.unwrap_or(craft::WRONG_SUBNET_IP));
                let route = self.route(Ipv4Addr::UNSPECIFIED, None);
                self.transact(mode, f, route, any, None)?;
            }
            Mode::Rebind => {
                let xid = self.begin(mode);
                let mut f = self.fields(MessageType::REQUEST, xid);
                f.ciaddr = plan.ciaddr.unwrap_or(craft::WRONG_SUBNET_IP);
                let route = self.route(f.ciaddr, None);
                self.transact(mode, f, route, any, None)?;
            }
            Mode::Inform => {
                let xid = self.begin(mode);
                let mut f = self.fields(MessageType::INFORM, xid);
                f.ciaddr = plan.ciaddr.unwrap_or(Ipv4Addr::UNSPECIFIED);
                let route = self.route(f.ciaddr, plan.server);
                self.transact(mode, f, route, any, None)?;
            }
            Mode::Release => {
                let xid = self.begin(mode);
                let server = plan
                    .server_id
                    .or(plan.server)
                    .unwrap_or(Ipv4Addr::BROADCAST);
                let mut f = self.fields(MessageType::RELEASE, xid);
                f.ciaddr = plan.ciaddr.unwrap_or(Ipv4Addr::UNSPECIFIED);
                f.server_id = Some(server);
                let route = self.route(f.ciaddr, Some(plan.server.unwrap_or(server)));
                let frame = self.frame(&route, &f);
                self.send(mode, xid, f.msg_type, frame)?;
                self.listen_until(Instant::now() + GOODBYE_LISTEN)?;
            }
            Mode::Decline => {
                let xid = self.begin(mode);
                let mut f = self.fields(MessageType::DECLINE, xid);
                f.requested_ip = plan.requested_ip;
                f.server_id = plan.server_id.or(plan.server);
                let route = self.route(Ipv4Addr::UNSPECIFIED, None);
                let frame = self.frame(&route, &f);
                self.send(mode, xid, f.msg_type, frame)?;
                self.listen_until(Instant::now() + GOODBYE_LISTEN)?;
            }
            Mode::Dora => self.run_dora()?,
        }
        Ok(())
    }

    /// True when `v` comes from a server the admin expects (or no expectation was given).
    fn preferred(&self, v: &ReplyInfo) -> bool {
        let e = &self.plan.expectations;
        e.servers.is_empty()
            || e.servers.iter().any(|r| match r {
                ServerRef::Ip(ip) => v.server_id == Some(*ip) || v.src_ip == *ip,
                ServerRef::Mac(mac) => v.src_mac == Some(*mac),
            })
    }

    /// DISCOVER → OFFER → REQUEST → ACK, then RELEASE. Once the REQUEST went out, the
    /// RELEASE goes to the chosen server whatever happens (a NAK, no answer, Ctrl-C, an
    /// error): no lease is left behind. Only the chosen server's ACK or NAK ends the wait;
    /// another server's NAK does not.
    fn run_dora(&mut self) -> anyhow::Result<()> {
        let mode = Mode::Dora;
        let xid = self.begin(mode);
        let f = self.fields(MessageType::DISCOVER, xid);
        let route = self.route(Ipv4Addr::UNSPECIFIED, None);
        let from = self.transact(mode, f, route, &is_offer, Some(DORA_OFFER_GRACE))?;
        let offers: Vec<&ReplyInfo> = self.decoded[from..]
            .iter()
            .filter(|v| v.xid == xid && is_offer(v) && !v.yiaddr.is_unspecified())
            .collect();
        let Some(offer) = offers.iter().find(|v| self.preferred(v)).or(offers.first()) else {
            self.log
                .notes
                .push("dora: no OFFER, nothing requested".into());
            return Ok(());
        };
        let server = offer.server();
        let address = offer.yiaddr;
        let server_mac = offer.src_mac;
        if self.interrupted() {
            self.log
                .notes
                .push("dora: interrupted before REQUEST, nothing leased".into());
            return Ok(());
        }
        let mut f = self.fields(MessageType::REQUEST, xid);
        f.server_id = Some(server);
        f.requested_ip = Some(address);
        let route = self.route(Ipv4Addr::UNSPECIFIED, None);
        let sent_before = self.log.sent.len();
        let from = self.decoded.len();
        let from_chosen = move |v: &ReplyInfo| {
            v.server() == server && matches!(v.msg_type, Some(MessageType::ACK | MessageType::NAK))
        };
        let requested = self.transact(mode, f, route, &from_chosen, Some(Duration::ZERO));
        let request_went_out = self.log.sent[sent_before..]
            .iter()
            .any(|s| s.xid == xid && s.msg_type == MessageType::REQUEST);
        if !request_went_out {
            return requested.map(|_| ());
        }
        let answer = self.decoded[from..]
            .iter()
            .find(|v| v.xid == xid && from_chosen(v))
            .cloned();
        let released = self.release(server, address, server_mac, answer.as_ref());
        requested?;
        released
    }

    /// The DORA's RELEASE of `address` to `server`, unicast from the address (RFC 2131
    /// §4.4.4), after the chosen server's `answer` (if any). Sent even if the capture failed
    /// meanwhile; that error is returned afterwards.
    fn release(
        &mut self,
        server: Ipv4Addr,
        address: Ipv4Addr,
        offer_mac: Option<[u8; 6]>,
        answer: Option<&ReplyInfo>,
    ) -> anyhow::Result<()> {
        let mode = Mode::Dora;
        let nak = answer.is_some_and(|v| v.msg_type == Some(MessageType::NAK));
        let leased = answer
            .filter(|_| !nak)
            .map(|v| v.yiaddr)
            .filter(|a| !a.is_unspecified())
            .unwrap_or(address);
        let rxid = self.begin(mode);
        let mut rf = self.fields(MessageType::RELEASE, rxid);
        rf.ciaddr = leased;
        rf.server_id = Some(server);
        let mut route = self.route(leased, Some(server));
        if self.plan.crafting.relay.is_none()
            && self.plan.server_mac.is_none()
            && let Some(m) = answer.and_then(|v| v.src_mac).or(offer_mac)
        {
            route.dst_mac = m;
        }
        let frame = self.frame(&route, &rf);
        let gap = self.wait_send_gap();
        self.send_now(mode, rxid, MessageType::RELEASE, frame)?;
        self.log.released.push((leased, server));
        self.log.notes.push(match answer {
            Some(_) if nak => {
                format!("dora: {server} NAKed the REQUEST for {address}; released it anyway")
            }
            Some(_) => format!("dora: leased {leased} from {server}, then released it"),
            None => {
                format!("dora: requested {leased} from {server} (no ACK seen), then released it")
            }
        });
        gap?;
        self.listen_until(Instant::now() + GOODBYE_LISTEN)
    }

    /// Runs every mode once and returns what happened.
    pub fn run_round(&mut self) -> anyhow::Result<RoundLog> {
        self.log = RoundLog::default();
        self.decoded.clear();
        for mode in self.plan.modes.clone() {
            if self.interrupted() {
                break;
            }
            self.run_mode(mode)?;
        }
        // Late replies to the last request (and our own frames still in the ring).
        self.listen_until(Instant::now() + Duration::from_millis(50))?;
        self.decoded.clear();
        Ok(std::mem::take(&mut self.log))
    }

    /// Waits between rounds, draining the capture; false when interrupted.
    fn pause(&mut self, d: Duration) -> anyhow::Result<bool> {
        let until = Instant::now() + d;
        while Instant::now() < until {
            if self.interrupted() {
                return Ok(false);
            }
            let _ = self
                .source
                .next_frame_timeout(Some(until.saturating_duration_since(Instant::now())))?;
        }
        Ok(!self.interrupted())
    }

    pub fn interface_mac(&self) -> Option<[u8; 6]> {
        self.iface_mac
    }
}

/// `dhcpscope probe`: exit 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN (errors, returned as `Err`
/// and printed by `main`).
pub fn run(args: &ProbeArgs) -> anyhow::Result<ExitCode> {
    if args.list_interfaces {
        live::print_interfaces()?;
        return Ok(ExitCode::SUCCESS);
    }
    let plan = Plan::from_args(args)?;
    let mut session = Session::open(plan, args.write.clone())?;
    // Like every live command: a failed drop is a warning, the probe goes on.
    crate::privilege::drop_or_warn();
    live::install_interrupt_handler();
    let stdout = io::stdout();
    let mut out = stdout.lock();
    let mut worst = Status::Ok;
    for round in 1..=args.count {
        let log = session.run_round()?;
        let v = verdict::judge(&session.plan, &log);
        worst = worst.max(v.status);
        let detailed = args.count == 1;
        match args.format {
            ProbeFormat::Json => {
                let j = verdict::to_json(&session.plan, &v, round);
                serde_json::to_writer(&mut out, &j)?;
                out.write_all(b"\n")?;
            }
            ProbeFormat::Text if detailed => verdict::write_text(&mut out, &session.plan, &v)?,
            ProbeFormat::Text => writeln!(out, "{}", v.status_line())?,
        }
        out.flush()?;
        if round < args.count && !session.pause(Duration::from_secs_f64(args.interval))? {
            break;
        }
    }
    Ok(ExitCode::from(worst.exit_code()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::Expectations;

    #[test]
    fn for_interface_has_the_commands_defaults() {
        let a = ProbeArgs::for_interface("eth0");
        assert_eq!(a.interface.as_deref(), Some("eth0"));
        assert_eq!(a.modes, [Mode::Discover]);
        assert_eq!((a.wait, a.tries, a.count), (3.0, 1, 1));
        assert_eq!(a.broadcast_flag, OnOff::On);
        assert_eq!(a.format, ProbeFormat::Text);
        assert!(a.mac.is_none() && a.options.is_empty() && a.expect.servers.is_empty());
        // A name that looks like a flag stays a name.
        assert_eq!(
            ProbeArgs::for_interface("-D").interface.as_deref(),
            Some("-D")
        );
    }

    #[test]
    fn with_expectations_checks_like_from_args_without_reading_the_expect_flags() {
        let mut a = ProbeArgs::for_interface("eth0");
        a.expect.servers = vec!["not-a-server".into()];
        assert!(Plan::from_args(&a).is_err());
        let e = Expectations {
            servers: vec![ServerRef::Ip(Ipv4Addr::new(10, 0, 0, 1))],
            ..Expectations::default()
        };
        let p = Plan::with_expectations(&a, e.clone()).unwrap();
        assert_eq!(p.expectations, e);
        assert_eq!(p.crafting.mac, craft::DEFAULT_MAC);
        a.modes = vec![Mode::Inform];
        let err = Plan::with_expectations(&a, e).unwrap_err().to_string();
        assert!(err.contains("--ciaddr"), "{err}");
    }
}
