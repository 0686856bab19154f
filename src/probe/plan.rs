//! The probe's validated configuration: what to send ([`Plan`]) and how often to run it
//! ([`ProbeConfig`]). The command line (`crate::cli`) and the TUI's probe form both build a
//! [`Plan`] from their own inputs with the parsers here and check it with
//! [`Plan::validate`]; nothing below this module knows about either of them.

use super::Mode;
use super::craft::{self, Crafting, ExtraOption, Relay};
use crate::analysis::config::{self, Expectations};
use std::net::Ipv4Addr;
use std::path::PathBuf;
use std::time::Duration;

/// Defaults shared by the command line and the TUI's form.
pub mod defaults {
    /// Seconds to listen after each request.
    pub const WAIT_SECS: f64 = 3.0;
    /// Transmissions per request.
    pub const TRIES: u32 = 1;
    /// Rounds.
    pub const COUNT: u32 = 1;
    /// Seconds between rounds.
    pub const INTERVAL_SECS: f64 = 60.0;
}

/// Accepted ranges.
pub const WAIT_RANGE: (f64, f64) = (0.1, 120.0);
pub const TRIES_RANGE: (u32, u32) = (1, 8);
pub const INTERVAL_RANGE: (f64, f64) = (1.0, 86_400.0);

/// Why a probe cannot run as asked (a usage error: exit 3, UNKNOWN).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct PlanError(pub String);

impl From<String> for PlanError {
    fn from(s: String) -> Self {
        PlanError(s)
    }
}

impl From<&str> for PlanError {
    fn from(s: &str) -> Self {
        PlanError(s.to_owned())
    }
}

/// What one round sends and how it judges the answers.
#[derive(Debug, Clone, PartialEq)]
pub struct Plan {
    pub interface: String,
    /// In the order given, without repeats.
    pub modes: Vec<Mode>,
    pub crafting: Crafting,
    pub ether_src: Option<[u8; 6]>,
    pub requested_ip: Option<Ipv4Addr>,
    pub ciaddr: Option<Ipv4Addr>,
    pub server_id: Option<Ipv4Addr>,
    pub server: Option<Ipv4Addr>,
    pub server_mac: Option<[u8; 6]>,
    /// 802.1Q tags, outer first (at most two).
    pub vlans: Vec<u16>,
    pub wait: Duration,
    pub tries: u32,
    pub expectations: Expectations,
}

impl Plan {
    /// `dhcpscope probe -i INTERFACE` with every other setting at its default: one
    /// discover from the fixed MAC, judged against `expectations`.
    pub fn new(interface: impl Into<String>, expectations: Expectations) -> Plan {
        Plan {
            interface: interface.into(),
            modes: vec![Mode::Discover],
            crafting: Crafting::default(),
            ether_src: None,
            requested_ip: None,
            ciaddr: None,
            server_id: None,
            server: None,
            server_mac: None,
            vlans: Vec::new(),
            wait: Duration::from_secs_f64(defaults::WAIT_SECS),
            tries: defaults::TRIES,
            expectations,
        }
    }

    /// Checks the rules that tie settings together (no I/O). Repeated modes are dropped.
    pub fn validate(mut self) -> Result<Plan, PlanError> {
        if self.interface.is_empty() {
            return Err("probe needs -i IFACE".into());
        }
        let wait = self.wait.as_secs_f64();
        if !(WAIT_RANGE.0..=WAIT_RANGE.1).contains(&wait) {
            return Err("--wait must be between 0.1 and 120 seconds".into());
        }
        if !(TRIES_RANGE.0..=TRIES_RANGE.1).contains(&self.tries) {
            return Err("--tries must be between 1 and 8".into());
        }
        if self.vlans.len() > 2 {
            return Err("--vlan: at most two tags (outer first)".into());
        }
        if let Some(v) = self.vlans.iter().find(|v| **v > 4095) {
            return Err(format!("--vlan {v}: VLAN ids are 0-4095").into());
        }
        let mut modes = Vec::new();
        for m in &self.modes {
            if !modes.contains(m) {
                modes.push(*m);
            }
        }
        if modes.is_empty() {
            return Err("--mode: give at least one mode".into());
        }
        self.modes = modes;
        self.check_mode_needs()?;
        if self.crafting.mac[0] & 1 != 0 {
            return Err("--mac must be a unicast address".into());
        }
        if let Some(r) = &self.crafting.relay
            && self.server != Some(r.server)
        {
            return Err("--relay needs --server".into());
        }
        Ok(self)
    }

    /// What each mode cannot run without.
    fn check_mode_needs(&self) -> Result<(), PlanError> {
        let has = |m| self.modes.contains(&m);
        let server = self.server_id.or(self.server);
        if has(Mode::Inform) && self.ciaddr.is_none() {
            return Err("--mode inform needs --ciaddr (the address the client holds)".into());
        }
        if has(Mode::Release) {
            if self.ciaddr.is_none() {
                return Err("--mode release needs --ciaddr (the address to release)".into());
            }
            if server.is_none() {
                return Err("--mode release needs --server-id or --server".into());
            }
        }
        if has(Mode::Decline) {
            if self.requested_ip.is_none() {
                return Err("--mode decline needs --requested-ip (the address declined)".into());
            }
            if server.is_none() {
                return Err("--mode decline needs --server-id or --server".into());
            }
        }
        Ok(())
    }
}

/// How the rounds are run and shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Text,
    /// One object per line, one line per round.
    Json,
}

/// How many rounds, how far apart.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Rounds {
    pub count: u32,
    pub interval: Duration,
}

impl Rounds {
    /// Checks `--count` and `--interval` (seconds).
    pub fn new(count: u32, interval_secs: f64) -> Result<Rounds, PlanError> {
        if count == 0 {
            return Err("--count must be at least 1".into());
        }
        let interval = seconds(interval_secs, INTERVAL_RANGE)
            .ok_or("--interval must be between 1 and 86400 seconds")?;
        Ok(Rounds { count, interval })
    }
}

impl Default for Rounds {
    fn default() -> Self {
        Rounds {
            count: defaults::COUNT,
            interval: Duration::from_secs_f64(defaults::INTERVAL_SECS),
        }
    }
}

/// Everything `dhcpscope probe` does, validated.
#[derive(Debug, Clone, PartialEq)]
pub struct ProbeConfig {
    pub plan: Plan,
    pub rounds: Rounds,
    pub format: Format,
    /// Save every frame the probe captured (and sent) to this pcap file.
    pub savefile: Option<PathBuf>,
}

// ----------------------------------------------------------------- parsers --
// Each takes the text of one setting and names the flag in its error, so the command line and
// the TUI's form report the same problems in the same words.

/// Seconds within `range`, as a duration (`None` outside it, NaN included).
pub fn seconds(v: f64, range: (f64, f64)) -> Option<Duration> {
    (v.is_finite() && (range.0..=range.1).contains(&v)).then(|| Duration::from_secs_f64(v))
}

/// `--wait S`.
pub fn wait(v: f64) -> Result<Duration, PlanError> {
    seconds(v, WAIT_RANGE).ok_or_else(|| "--wait must be between 0.1 and 120 seconds".into())
}

/// A MAC address given to `flag`.
pub fn mac(flag: &str, s: &str) -> Result<[u8; 6], PlanError> {
    config::parse_mac(s.trim()).ok_or_else(|| format!("{flag} {s:?}: not a MAC address").into())
}

/// An optional IPv4 address typed into `flag` (empty means none).
pub fn ipv4(flag: &str, s: &str) -> Result<Option<Ipv4Addr>, PlanError> {
    let t = s.trim();
    if t.is_empty() {
        return Ok(None);
    }
    t.parse()
        .map(Some)
        .map_err(|_| format!("{flag} {t:?}: not an IPv4 address").into())
}

/// The `--option`s, in order.
pub fn extra_options<'a>(
    items: impl IntoIterator<Item = &'a str>,
) -> Result<Vec<ExtraOption>, PlanError> {
    items
        .into_iter()
        .map(|s| craft::parse_extra_option(s).map_err(PlanError))
        .collect()
}

/// `--client-id`.
pub fn client_id(s: &str) -> Result<Vec<u8>, PlanError> {
    craft::parse_client_id(s).map_err(PlanError)
}

/// `--param-list`.
pub fn param_list(s: &str) -> Result<Vec<u8>, PlanError> {
    craft::parse_param_list(s).map_err(PlanError)
}

/// Relay mode: `--relay GIADDR` needs `--server`.
pub fn relay(
    giaddr: Option<Ipv4Addr>,
    server: Option<Ipv4Addr>,
    circuit_id: Option<&str>,
    remote_id: Option<&str>,
) -> Result<Option<Relay>, PlanError> {
    match (giaddr, server) {
        (Some(giaddr), Some(server)) => Ok(Some(Relay {
            giaddr,
            server,
            circuit_id: circuit_id.map(|s| s.as_bytes().to_vec()),
            remote_id: remote_id.map(|s| s.as_bytes().to_vec()),
        })),
        (Some(_), None) => Err("--relay needs --server".into()),
        (None, _) => Ok(None),
    }
}

/// Expected servers typed as a list (`10.0.0.1, 02:53:00:00:00:01`).
pub fn expected_servers(s: &str) -> Result<Vec<config::ServerRef>, PlanError> {
    s.split([',', ' '])
        .filter(|s| !s.is_empty())
        .map(|s| {
            s.parse()
                .map_err(|e| PlanError(format!("--expect-server: {e}")))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::config::ServerRef;

    fn plan() -> Plan {
        Plan::new("eth0", Expectations::default())
    }

    fn err(p: Plan) -> String {
        p.validate().unwrap_err().0
    }

    #[test]
    fn defaults_are_one_discover_from_the_fixed_mac() {
        let p = plan().validate().unwrap();
        assert_eq!(p.modes, [Mode::Discover]);
        assert_eq!(p.crafting.mac, craft::DEFAULT_MAC);
        assert_eq!((p.wait, p.tries), (Duration::from_secs(3), 1));
        assert!(p.crafting.broadcast);
        assert_eq!(Rounds::default().count, 1);
    }

    #[test]
    fn modes_need_their_addresses() {
        let mut p = plan();
        p.modes = vec![Mode::Inform];
        assert!(err(p.clone()).contains("--ciaddr"));
        p.ciaddr = Some(Ipv4Addr::new(10, 0, 0, 50));
        assert!(p.clone().validate().is_ok());
        p.modes = vec![Mode::Release];
        assert!(err(p.clone()).contains("--server-id or --server"));
        p.server_id = Some(Ipv4Addr::new(10, 0, 0, 1));
        assert!(p.clone().validate().is_ok());
        p.modes = vec![Mode::Decline];
        assert!(err(p.clone()).contains("--requested-ip"));
        p.requested_ip = Some(Ipv4Addr::new(10, 0, 0, 77));
        assert!(p.clone().validate().is_ok());
        p.modes = vec![Mode::Discover, Mode::Dora, Mode::Discover];
        assert_eq!(p.validate().unwrap().modes, [Mode::Discover, Mode::Dora]);
    }

    #[test]
    fn ranges_and_addresses_are_checked() {
        let mut p = plan();
        p.wait = Duration::from_millis(50);
        assert!(err(p).contains("--wait"));
        let mut p = plan();
        p.tries = 9;
        assert!(err(p).contains("--tries"));
        let mut p = plan();
        p.vlans = vec![1, 2, 3];
        assert!(err(p).contains("two tags"));
        let mut p = plan();
        p.crafting.mac = [0xff; 6];
        assert!(err(p).contains("unicast"));
        let mut p = plan();
        p.crafting.relay = relay(
            Some(Ipv4Addr::new(10, 1, 0, 1)),
            Some([10, 0, 0, 1].into()),
            None,
            None,
        )
        .unwrap();
        assert!(err(p.clone()).contains("--server"));
        p.server = Some(Ipv4Addr::new(10, 0, 0, 1));
        assert!(p.validate().is_ok());
        assert!(wait(f64::NAN).is_err() && wait(-1.0).is_err() && wait(1e300).is_err());
        assert_eq!(wait(0.5).unwrap(), Duration::from_millis(500));
        assert!(Rounds::new(0, 60.0).unwrap_err().0.contains("--count"));
        assert!(Rounds::new(2, 0.5).unwrap_err().0.contains("--interval"));
        assert!(relay(Some([10, 0, 0, 1].into()), None, None, None).is_err());
        assert!(mac("--mac", "nope").unwrap_err().0.contains("--mac"));
        assert_eq!(ipv4("--ciaddr", " ").unwrap(), None);
        assert!(
            ipv4("--ciaddr", "10.0.0")
                .unwrap_err()
                .0
                .contains("not an IPv4")
        );
        assert!(extra_options(["300=1"]).unwrap_err().0.contains("CODE"));
        assert_eq!(
            expected_servers("10.0.0.1, 02:53:00:00:00:01").unwrap(),
            [
                ServerRef::Ip(Ipv4Addr::new(10, 0, 0, 1)),
                ServerRef::Mac([2, 0x53, 0, 0, 0, 1])
            ]
        );
        assert!(
            expected_servers("nonsense")
                .unwrap_err()
                .0
                .contains("--expect-server")
        );
    }
}
