//! What the admin expects: known servers, lease networks of concern, thresholds.
//! From the command line and from a TOML file (`--config`, or `dhcpscope/config.toml` under
//! the user's config directory).

use serde::Deserialize;
use std::net::Ipv4Addr;
use std::path::{Path, PathBuf};
use std::str::FromStr;

/// An IPv4 network in CIDR form.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cidr {
    pub network: Ipv4Addr,
    pub prefix: u8,
}

impl Cidr {
    pub fn contains(&self, ip: Ipv4Addr) -> bool {
        let mask = prefix_mask(self.prefix);
        u32::from(ip) & mask == u32::from(self.network) & mask
    }
}

/// Netmask for a prefix length (0..=32).
pub fn prefix_mask(prefix: u8) -> u32 {
    if prefix == 0 {
        0
    } else {
        u32::MAX << (32 - u32::from(prefix.min(32)))
    }
}

impl FromStr for Cidr {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        let (ip, prefix) = s.split_once('/').unwrap_or((s, "32"));
        let network: Ipv4Addr = ip
            .parse()
            .map_err(|_| format!("bad network address in {s:?}"))?;
        let prefix: u8 = prefix
            .parse()
            .ok()
            .filter(|p| *p <= 32)
            .ok_or_else(|| format!("bad prefix length in {s:?}"))?;
        Ok(Cidr { network, prefix })
    }
}

impl std::fmt::Display for Cidr {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.network, self.prefix)
    }
}

/// A server named by the admin: by address (option 54 or IP source) or by MAC.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ServerRef {
    Ip(Ipv4Addr),
    Mac([u8; 6]),
}

impl FromStr for ServerRef {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        if let Ok(ip) = s.parse() {
            return Ok(ServerRef::Ip(ip));
        }
        parse_mac(s)
            .map(ServerRef::Mac)
            .ok_or_else(|| format!("{s:?} is neither an IPv4 address nor a MAC address"))
    }
}

/// Parses `aa:bb:cc:dd:ee:ff` or `aa-bb-cc-dd-ee-ff`.
pub fn parse_mac(s: &str) -> Option<[u8; 6]> {
    let mut mac = [0u8; 6];
    let mut parts = s.split([':', '-']);
    for byte in &mut mac {
        *byte = u8::from_str_radix(parts.next()?, 16).ok()?;
    }
    parts.next().is_none().then_some(mac)
}

/// Expectations and thresholds applied to the analysis.
#[derive(Debug, Clone, PartialEq)]
pub struct Expectations {
    pub servers: Vec<ServerRef>,
    /// Lease networks of concern: a server handing out addresses outside them is unexpected.
    pub subnets: Vec<Cidr>,
    /// Replies slower than this are reported.
    pub slow_reply_ms: f64,
}

impl Default for Expectations {
    fn default() -> Self {
        Self {
            servers: Vec::new(),
            subnets: Vec::new(),
            slow_reply_ms: 1000.0,
        }
    }
}

impl Expectations {
    /// True when the admin said anything about which servers belong.
    pub fn given(&self) -> bool {
        !self.servers.is_empty() || !self.subnets.is_empty()
    }
}

/// The TOML config file.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConfigFile {
    #[serde(default)]
    pub expect_server: Vec<String>,
    #[serde(default)]
    pub expect_subnet: Vec<String>,
    pub slow_reply_ms: Option<f64>,
}

/// `$XDG_CONFIG_HOME/dhcpscope/config.toml`, else `~/.config/dhcpscope/config.toml`.
pub fn default_config_path() -> Option<PathBuf> {
    let base = std::env::var_os("XDG_CONFIG_HOME")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".config")))?;
    Some(base.join("dhcpscope").join("config.toml"))
}

/// Builds expectations from an optional config file and command-line values (which add to
/// the file's lists and override its threshold). A missing default file is not an error.
pub fn load(
    explicit: Option<&Path>,
    servers: &[String],
    subnets: &[String],
    slow_reply_ms: Option<f64>,
) -> Result<Expectations, String> {
    let file = match explicit {
        Some(p) => Some(read_file(p)?),
        None => match default_config_path() {
            Some(p) if p.exists() => Some(read_file(&p)?),
            _ => None,
        },
    }
    .unwrap_or_default();
    let mut e = Expectations::default();
    for s in file.expect_server.iter().chain(servers) {
        e.servers.push(s.parse()?);
    }
    for s in file.expect_subnet.iter().chain(subnets) {
        e.subnets.push(s.parse()?);
    }
    if let Some(ms) = slow_reply_ms.or(file.slow_reply_ms) {
        e.slow_reply_ms = ms;
    }
    Ok(e)
}

fn read_file(path: &Path) -> Result<ConfigFile, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    toml::from_str(&text).map_err(|e| format!("{}: {}", path.display(), e.message()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cidr_and_server_refs_parse() {
        let c: Cidr = "10.0.0.0/8".parse().unwrap();
        assert!(c.contains(Ipv4Addr::new(10, 9, 8, 7)));
        assert!(!c.contains(Ipv4Addr::new(11, 0, 0, 1)));
        assert!("10.0.0.0/33".parse::<Cidr>().is_err());
        assert_eq!(
            "02:BA:db:ad:ba:d1".parse::<ServerRef>(),
            Ok(ServerRef::Mac([2, 0xba, 0xdb, 0xad, 0xba, 0xd1]))
        );
        assert!("nonsense".parse::<ServerRef>().is_err());
    }

    #[test]
    fn config_file_and_flags_combine() {
        let dir = std::env::temp_dir().join(format!("dhcpscope-cfg-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("c.toml");
        std::fs::write(
            &path,
            "expect_server = [\"10.0.0.1\"]\nexpect_subnet = [\"10.0.0.0/16\"]\nslow_reply_ms = 250\n",
        )
        .unwrap();
        let e = load(Some(&path), &["02:00:00:00:00:01".into()], &[], None).unwrap();
        assert_eq!(e.servers.len(), 2);
        assert_eq!(e.subnets.len(), 1);
        assert_eq!(e.slow_reply_ms, 250.0);
        std::fs::write(&path, "expect_servers = []\n").unwrap();
        assert!(
            load(Some(&path), &[], &[], None).is_err(),
            "unknown keys are refused"
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
