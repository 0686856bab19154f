//! Building the probe's requests: option values from the command line, option order, and the
//! frame around each message. Pure functions, tested without a network.

use crate::craft::{BROADCAST_MAC, UdpEndpoints, udp_frame};
use crate::dhcp::MessageBuilder;
use crate::dhcp::options::{self as opt, MessageType};
use std::net::Ipv4Addr;

/// The default client MAC: fixed and locally administered ("DHCP" in ASCII), so repeated
/// probes reuse one lease instead of draining the pool.
pub const DEFAULT_MAC: [u8; 6] = [0x02, 0x44, 0x48, 0x43, 0x50, 0x01];
/// dhcp_probe's defaults: a server identifier and an address no real network uses.
pub const BOGUS_SERVER_ID: Ipv4Addr = Ipv4Addr::new(10, 254, 254, 254);
pub const WRONG_SUBNET_IP: Ipv4Addr = Ipv4Addr::new(172, 31, 254, 254);
/// Parameter request list by default: mask, router, DNS, domain, broadcast, lease, server id,
/// T1, T2.
pub const DEFAULT_PARAM_LIST: &[u8] = &[1, 3, 6, 15, 28, 51, 54, 58, 59];

/// One `--option`: a coded option, or raw bytes appended verbatim (malformed on purpose).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ExtraOption {
    Coded(u8, Vec<u8>),
    Raw(Vec<u8>),
}

/// Parses hex with optional `:`/`-`/space separators and an optional `0x`.
pub fn parse_hex(s: &str) -> Result<Vec<u8>, String> {
    let t = s.trim();
    let t = t.strip_prefix("0x").unwrap_or(t);
    let digits: String = t
        .chars()
        .filter(|c| !matches!(c, ':' | '-' | ' '))
        .collect();
    if !digits.len().is_multiple_of(2) || !digits.chars().all(|c| c.is_ascii_hexdigit()) {
        return Err(format!("{s:?} is not hex bytes"));
    }
    (0..digits.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&digits[i..i + 2], 16).map_err(|e| e.to_string()))
        .collect()
}

fn parse_ips(s: &str) -> Option<Vec<u8>> {
    let mut out = Vec::new();
    for part in s.split(',') {
        out.extend_from_slice(&part.trim().parse::<Ipv4Addr>().ok()?.octets());
    }
    Some(out)
}

/// Width of a bare number for options whose RFC type is known.
fn number_width(code: u8) -> usize {
    match code {
        2 | 24 | 35 | 38 | 51 | 58 | 59 => 4,
        13 | 22 | 26 | 57 => 2,
        _ => 0,
    }
}

fn number(v: u64, width: usize, s: &str) -> Result<Vec<u8>, String> {
    let fits = width >= 8 || v < 1u64 << (8 * width);
    if !fits {
        return Err(format!("{s:?} does not fit in {width} byte(s)"));
    }
    Ok(v.to_be_bytes()[8 - width..].to_vec())
}

/// Parses `--option` values:
/// `CODE=hex:0a0b`, `CODE=0x0a0b`, `CODE=ip:10.0.0.1,10.0.0.2`, `CODE=10.0.0.1`,
/// `CODE=str:text`, `CODE=u8:N|u16:N|u32:N`, `CODE=N` (width from the option's type, else
/// the smallest of 1 or 4 bytes), `CODE=` (empty), any other text as a string, and
/// `raw:HEX` (bytes appended as they are, e.g. an option whose length lies).
pub fn parse_extra_option(s: &str) -> Result<ExtraOption, String> {
    if let Some(hex) = s.strip_prefix("raw:") {
        return Ok(ExtraOption::Raw(parse_hex(hex)?));
    }
    let (code, value) = s
        .split_once('=')
        .ok_or_else(|| format!("--option {s:?}: expected CODE=VALUE or raw:HEX"))?;
    let code: u8 = code
        .trim()
        .parse()
        .ok()
        .filter(|c| (1..=254).contains(c))
        .ok_or_else(|| {
            format!("--option {s:?}: CODE must be 1-254 (use raw:HEX for pad/end bytes)")
        })?;
    let bytes = if let Some(h) = value.strip_prefix("hex:") {
        parse_hex(h)?
    } else if value.starts_with("0x") {
        parse_hex(value)?
    } else if let Some(ips) = value.strip_prefix("ip:") {
        parse_ips(ips).ok_or_else(|| format!("--option {s:?}: bad IPv4 address list"))?
    } else if let Some(t) = value.strip_prefix("str:") {
        t.as_bytes().to_vec()
    } else if let Some((w, n)) = value
        .strip_prefix("u8:")
        .map(|n| (1, n))
        .or_else(|| value.strip_prefix("u16:").map(|n| (2, n)))
        .or_else(|| value.strip_prefix("u32:").map(|n| (4, n)))
    {
        let v: u64 = n
            .parse()
            .map_err(|_| format!("--option {s:?}: bad number"))?;
        number(v, w, s)?
    } else if !value.is_empty() && value.chars().all(|c| c.is_ascii_digit()) {
        let v: u64 = value
            .parse()
            .map_err(|_| format!("--option {s:?}: bad number"))?;
        let width = match number_width(code) {
            0 if v <= 255 => 1,
            0 => 4,
            w => w,
        };
        number(v, width, s)?
    } else if let Some(ips) = parse_ips(value).filter(|_| value.contains('.')) {
        ips
    } else {
        value.as_bytes().to_vec()
    };
    if bytes.len() > 255 * 8 {
        return Err(format!("--option {s:?}: value too long"));
    }
    Ok(ExtraOption::Coded(code, bytes))
}

/// `--client-id`: hex (`01:02:03`, `010203`) or `str:TEXT`.
pub fn parse_client_id(s: &str) -> Result<Vec<u8>, String> {
    match s.strip_prefix("str:") {
        Some(t) => Ok(t.as_bytes().to_vec()),
        None => parse_hex(s)
            .map_err(|_| format!("--client-id {s:?}: give hex bytes (01:02:03…) or str:TEXT")),
    }
}

/// `--param-list 1,3,6`.
pub fn parse_param_list(s: &str) -> Result<Vec<u8>, String> {
    s.split(',')
        .filter(|p| !p.trim().is_empty())
        .map(|p| {
            p.trim()
                .parse::<u8>()
                .map_err(|_| format!("--param-list {s:?}: codes are 0-255, comma-separated"))
        })
        .collect()
}

/// What differs between the probe's messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MessageFields {
    pub msg_type: MessageType,
    pub xid: u32,
    pub secs: u16,
    pub ciaddr: Ipv4Addr,
    pub requested_ip: Option<Ipv4Addr>,
    pub server_id: Option<Ipv4Addr>,
}

/// Relay agent settings (`--relay`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Relay {
    pub giaddr: Ipv4Addr,
    pub server: Ipv4Addr,
    pub circuit_id: Option<Vec<u8>>,
    pub remote_id: Option<Vec<u8>>,
}

/// Everything the command line says about the requests.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Crafting {
    pub mac: [u8; 6],
    pub client_id: Option<Vec<u8>>,
    pub hostname: Option<Vec<u8>>,
    pub vendor_class: Option<Vec<u8>>,
    pub param_list: Vec<u8>,
    pub lease_time: Option<u32>,
    pub broadcast: bool,
    pub extra: Vec<ExtraOption>,
    pub relay: Option<Relay>,
}

impl Default for Crafting {
    fn default() -> Self {
        Self {
            mac: DEFAULT_MAC,
            client_id: None,
            hostname: None,
            vendor_class: None,
            param_list: DEFAULT_PARAM_LIST.to_vec(),
            lease_time: None,
            broadcast: true,
            extra: Vec::new(),
            relay: None,
        }
    }
}

/// Option 82 with circuit-id (sub-option 1) and remote-id (2).
pub fn relay_agent_option(circuit_id: Option<&[u8]>, remote_id: Option<&[u8]>) -> Vec<u8> {
    let mut v = Vec::new();
    for (sub, value) in [(1u8, circuit_id), (2, remote_id)] {
        if let Some(value) = value {
            let value = &value[..value.len().min(255)];
            v.push(sub);
            v.push(value.len() as u8);
            v.extend_from_slice(value);
        }
    }
    v
}

/// Whether the message asks for configuration (and so carries 12, 60, 55, 51).
fn asks(t: MessageType) -> bool {
    matches!(
        t,
        MessageType::DISCOVER | MessageType::REQUEST | MessageType::INFORM
    )
}

/// The probe's own options, in order: 53, 61, 50, 54, 12, 60, 55, 51 (only when asked).
fn own_options(c: &Crafting, f: &MessageFields) -> Vec<(u8, Vec<u8>)> {
    let t = f.msg_type;
    let mut list: Vec<(u8, Vec<u8>)> = vec![(opt::MESSAGE_TYPE, vec![t.0])];
    if let Some(id) = &c.client_id {
        list.push((opt::CLIENT_ID, id.clone()));
    }
    if let Some(ip) = f.requested_ip {
        list.push((opt::REQUESTED_IP, ip.octets().to_vec()));
    }
    if let Some(ip) = f.server_id {
        list.push((opt::SERVER_ID, ip.octets().to_vec()));
    }
    if let (true, Some(h)) = (asks(t) || t == MessageType::DECLINE, &c.hostname) {
        list.push((opt::HOSTNAME, h.clone()));
    }
    if asks(t) {
        if let Some(v) = &c.vendor_class {
            list.push((opt::VENDOR_CLASS, v.clone()));
        }
        if !c.param_list.is_empty() {
            list.push((opt::PARAMETER_LIST, c.param_list.clone()));
        }
        if let (Some(l), MessageType::DISCOVER | MessageType::REQUEST) = (c.lease_time, t) {
            list.push((opt::LEASE_TIME, l.to_be_bytes().to_vec()));
        }
    }
    list
}

/// `own` with the `--option`s applied: one whose code is already present replaces it in
/// place (once), the others are appended. Code 0 marks raw bytes.
fn with_extra(own: Vec<(u8, Vec<u8>)>, extra: &[ExtraOption]) -> Vec<(u8, Vec<u8>)> {
    // (code, value, replaced by an --option)
    let mut entries: Vec<(u8, Vec<u8>, bool)> =
        own.into_iter().map(|(c, v)| (c, v, false)).collect();
    for e in extra {
        match e {
            ExtraOption::Coded(code, value) => {
                match entries
                    .iter_mut()
                    .find(|(c, _, replaced)| *c == *code && !*replaced)
                {
                    Some(entry) => {
                        entry.1.clone_from(value);
                        entry.2 = true;
                    }
                    None => entries.push((*code, value.clone(), true)),
                }
            }
            ExtraOption::Raw(bytes) => entries.push((0, bytes.clone(), true)),
        }
    }
    entries.into_iter().map(|(c, v, _)| (c, v)).collect()
}

/// The DHCP payload. Option order: 53, 61, 50, 54, 12, 60, 55, 51 (only when asked), the
/// `--option`s (one with a code already present replaces it in place, later ones add
/// duplicates), then 82 last (RFC 3046 §2.1). Padded to 300 bytes.
pub fn build_message(c: &Crafting, f: &MessageFields) -> Vec<u8> {
    let mut b = MessageBuilder::request(f.xid, c.mac)
        .secs(f.secs)
        // A client that has an address (INFORM, REBIND) gets unicast replies (RFC 2131 §4.1).
        .broadcast(c.broadcast && asks(f.msg_type) && f.ciaddr.is_unspecified())
        .ciaddr(f.ciaddr);
    if let Some(r) = &c.relay {
        b = b.giaddr(r.giaddr).hops(1);
    }
    for (code, value) in with_extra(own_options(c, f), &c.extra) {
        b = if code == 0 {
            b.raw(&value)
        } else {
            b.option(code, &value)
        };
    }
    if let Some(r) = &c.relay
        && (r.circuit_id.is_some() || r.remote_id.is_some())
    {
        b = b.option(
            opt::RELAY_AGENT,
            &relay_agent_option(r.circuit_id.as_deref(), r.remote_id.as_deref()),
        );
    }
    b.build()
}

/// Where a frame goes at layer 2 and 3.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Route {
    pub src_mac: [u8; 6],
    pub dst_mac: [u8; 6],
    pub src_ip: Ipv4Addr,
    pub dst_ip: Ipv4Addr,
    /// 68 for a client, 67 for a relay.
    pub src_port: u16,
}

impl Route {
    pub fn broadcast(src_mac: [u8; 6], src_ip: Ipv4Addr) -> Self {
        Self {
            src_mac,
            dst_mac: BROADCAST_MAC,
            src_ip,
            dst_ip: Ipv4Addr::BROADCAST,
            src_port: 68,
        }
    }
}

/// The whole Ethernet frame (with `vlans`, outer first).
pub fn build_frame(route: &Route, vlans: &[u16], payload: &[u8]) -> Vec<u8> {
    let ends = UdpEndpoints {
        src_mac: route.src_mac,
        dst_mac: route.dst_mac,
        src_ip: route.src_ip,
        dst_ip: route.dst_ip,
        src_port: route.src_port,
        dst_port: 67,
    };
    udp_frame(&ends, vlans, payload)
}

/// The kernel's ARP entry for `ip` (/proc/net/arp), for unicast sends.
pub fn neighbour_mac(ip: Ipv4Addr) -> Option<[u8; 6]> {
    let table = std::fs::read_to_string("/proc/net/arp").ok()?;
    table.lines().skip(1).find_map(|line| {
        let cols: Vec<&str> = line.split_whitespace().collect();
        let (addr, flags, mac) = (cols.first()?, cols.get(2)?, cols.get(3)?);
        (addr.parse::<Ipv4Addr>().ok()? == ip && *flags != "0x0")
            .then(|| crate::analysis::config::parse_mac(mac))
            .flatten()
            .filter(|m| *m != [0; 6])
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dhcp::Message;

    fn fields(t: MessageType) -> MessageFields {
        MessageFields {
            msg_type: t,
            xid: 0x1234_5678,
            secs: 0,
            ciaddr: Ipv4Addr::UNSPECIFIED,
            requested_ip: None,
            server_id: None,
        }
    }

    fn codes(m: &Message<'_>) -> Vec<u8> {
        m.options.iter().map(|o| o.code).collect()
    }

    #[test]
    fn discover_has_the_documented_order_and_no_lease_time() {
        let c = Crafting {
            client_id: Some(vec![1, 2, 3]),
            hostname: Some(b"probe".to_vec()),
            vendor_class: Some(b"dhcpscope".to_vec()),
            ..Crafting::default()
        };
        let bytes = build_message(&c, &fields(MessageType::DISCOVER));
        assert_eq!(bytes.len(), 300);
        let m = Message::decode(&bytes);
        assert!(m.warnings.is_empty(), "{:?}", m.warnings);
        assert_eq!(codes(&m), vec![53, 61, 12, 60, 55]);
        assert!(m.broadcast());
        assert_eq!(m.chaddr_mac(), Some(DEFAULT_MAC));
        assert_eq!(m.xid, 0x1234_5678);
    }

    #[test]
    fn lease_time_only_when_asked_and_options_replace_or_append() {
        let c = Crafting {
            lease_time: Some(60),
            extra: vec![
                parse_extra_option("55=hex:010306").unwrap(),
                parse_extra_option("12=str:a").unwrap(),
                parse_extra_option("12=str:b").unwrap(),
                parse_extra_option("raw:0c05414243").unwrap(),
            ],
            ..Crafting::default()
        };
        let bytes = build_message(&c, &fields(MessageType::DISCOVER));
        let m = Message::decode(&bytes);
        assert_eq!(m.first_option(55), Some(&[1u8, 3, 6][..]));
        assert_eq!(m.lease_time(), Some(60));
        let order: Vec<u8> = m.options.iter().map(|o| o.code).take(5).collect();
        assert_eq!(order, vec![53, 55, 51, 12, 12]);
        assert!(
            !m.warnings.is_empty(),
            "the raw option lies about its length"
        );
    }

    #[test]
    fn relay_mode_sets_giaddr_hops_and_option_82_last() {
        let c = Crafting {
            relay: Some(Relay {
                giaddr: Ipv4Addr::new(10, 1, 0, 1),
                server: Ipv4Addr::new(10, 0, 0, 1),
                circuit_id: Some(b"port7".to_vec()),
                remote_id: Some(b"sw1".to_vec()),
            }),
            extra: vec![parse_extra_option("77=str:x").unwrap()],
            ..Crafting::default()
        };
        let bytes = build_message(&c, &fields(MessageType::DISCOVER));
        let m = Message::decode(&bytes);
        assert_eq!(m.giaddr, Ipv4Addr::new(10, 1, 0, 1));
        assert_eq!(m.hops, 1);
        assert_eq!(*codes(&m).last().unwrap(), 82);
        assert_eq!(
            m.first_option(82).unwrap(),
            &[1, 5, b'p', b'o', b'r', b't', b'7', 2, 3, b's', b'w', b'1'][..]
        );
    }

    #[test]
    fn release_and_decline_carry_only_what_they_need() {
        let c = Crafting::default();
        let mut f = fields(MessageType::RELEASE);
        f.ciaddr = Ipv4Addr::new(10, 0, 0, 100);
        f.server_id = Some(Ipv4Addr::new(10, 0, 0, 1));
        let bytes = build_message(&c, &f);
        let m = Message::decode(&bytes);
        assert_eq!(codes(&m), vec![53, 54]);
        assert!(!m.broadcast());
        assert_eq!(m.ciaddr, Ipv4Addr::new(10, 0, 0, 100));
    }

    #[test]
    fn option_values_parse() {
        use ExtraOption::*;
        assert_eq!(
            parse_extra_option("3=10.0.0.1,10.0.0.2").unwrap(),
            Coded(3, vec![10, 0, 0, 1, 10, 0, 0, 2])
        );
        assert_eq!(
            parse_extra_option("51=60").unwrap(),
            Coded(51, vec![0, 0, 0, 60])
        );
        assert_eq!(
            parse_extra_option("57=1500").unwrap(),
            Coded(57, vec![5, 220])
        );
        assert_eq!(parse_extra_option("200=7").unwrap(), Coded(200, vec![7]));
        assert_eq!(
            parse_extra_option("200=u16:7").unwrap(),
            Coded(200, vec![0, 7])
        );
        assert_eq!(
            parse_extra_option("60=MSFT 5.0").unwrap(),
            Coded(60, b"MSFT 5.0".to_vec())
        );
        assert_eq!(
            parse_extra_option("82=0x0103616263").unwrap(),
            Coded(82, vec![1, 3, b'a', b'b', b'c'])
        );
        assert_eq!(parse_extra_option("80=").unwrap(), Coded(80, vec![]));
        assert_eq!(parse_extra_option("raw:ff").unwrap(), Raw(vec![0xff]));
        assert!(parse_extra_option("0=1").is_err());
        assert!(parse_extra_option("300=1").is_err());
        assert!(parse_extra_option("12").is_err());
        assert!(parse_extra_option("200=u8:256").is_err());
        assert!(parse_extra_option("raw:0g").is_err());
        assert_eq!(parse_client_id("01:02:0a").unwrap(), vec![1, 2, 10]);
        assert_eq!(parse_client_id("str:me").unwrap(), b"me".to_vec());
        assert_eq!(parse_param_list("1, 3,6").unwrap(), vec![1, 3, 6]);
        assert!(parse_param_list("1,x").is_err());
    }

    #[test]
    fn frames_carry_vlan_tags() {
        let route = Route::broadcast(DEFAULT_MAC, Ipv4Addr::UNSPECIFIED);
        let f = build_frame(&route, &[100, 10], &[0u8; 300]);
        assert_eq!(&f[12..14], &[0x88, 0xa8]);
        assert_eq!(&f[16..18], &[0x81, 0x00]);
        let f = build_frame(&route, &[10], &[0u8; 300]);
        assert_eq!(&f[12..14], &[0x81, 0x00]);
        assert_eq!(u16::from_be_bytes([f[14], f[15]]) & 0x0fff, 10);
    }
}
