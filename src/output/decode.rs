//! `dhcpscope decode`: one block (text) or one JSON object (jsonl) per DHCP packet.

use crate::dhcp::options::{self, ColonHex, Value, colon_hex, hex};
use crate::dhcp::{Area, MAGIC_COOKIE, Message, field};
use crate::escape::escape_bytes;
use crate::pipeline::Packet;
use serde::Serialize;
use serde_json::{Value as Json, json};
use std::io::{self, Write};
use std::net::Ipv4Addr;

/// One `jsonl` line. Serialized straight to the writer: a map per packet would dominate the
/// cost of decoding.
#[derive(Serialize)]
struct PacketOut<'a> {
    frame: u64,
    ts: Display<crate::time::Rfc3339>,
    src_mac: Option<Display<ColonHex<'a>>>,
    dst_mac: Option<Display<ColonHex<'a>>>,
    vlan: &'a [u16],
    src_ip: Display<Ipv4Addr>,
    dst_ip: Display<Ipv4Addr>,
    src_port: u16,
    dst_port: u16,
    dhcp: DhcpOut<'a>,
    warnings: Vec<String>,
}

#[derive(Serialize)]
struct DhcpOut<'a> {
    op: Option<u8>,
    htype: Option<u8>,
    hlen: Option<u8>,
    hops: Option<u8>,
    xid: Option<Display<Xid>>,
    secs: Option<u16>,
    flags: Option<u16>,
    broadcast: Option<bool>,
    ciaddr: Option<Display<Ipv4Addr>>,
    yiaddr: Option<Display<Ipv4Addr>>,
    siaddr: Option<Display<Ipv4Addr>>,
    giaddr: Option<Display<Ipv4Addr>>,
    chaddr: Option<Display<ColonHex<'a>>>,
    sname: Option<String>,
    file: Option<String>,
    msg_type: Option<Display<options::MessageType>>,
    server_id: Option<Display<Ipv4Addr>>,
    requested_ip: Option<Display<Ipv4Addr>>,
    lease_time: Option<u32>,
    hostname: Option<String>,
    client_id: Option<String>,
    options: Vec<OptionOut>,
}

#[derive(Serialize)]
struct OptionOut {
    code: u8,
    name: &'static str,
    len: u8,
    offset: usize,
    #[serde(skip_serializing_if = "Option::is_none")]
    area: Option<&'static str>,
    value: Json,
    /// Offset of the first part when this is a later part of a split option (RFC 3396).
    #[serde(skip_serializing_if = "Option::is_none")]
    continues: Option<usize>,
}

/// Serializes anything `Display` as a JSON string without an intermediate `String`.
struct Display<T>(T);

impl<T: std::fmt::Display> Serialize for Display<T> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(&self.0)
    }
}

struct Xid(u32);

impl std::fmt::Display for Xid {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "0x{:08x}", self.0)
    }
}

fn packet_out<'a>(p: &'a Packet<'a>) -> PacketOut<'a> {
    let f = p.frame;
    let u = &p.udp;
    let mut warnings: Vec<String> = p.warnings.iter().map(ToString::to_string).collect();
    warnings.extend(p.dhcp.warnings.iter().map(ToString::to_string));
    PacketOut {
        frame: f.number,
        ts: Display(f.ts.rfc3339(f.ts_digits)),
        src_mac: u.src_mac.as_ref().map(|m| Display(ColonHex(m))),
        dst_mac: u.dst_mac.as_ref().map(|m| Display(ColonHex(m))),
        vlan: u.vlans.as_slice(),
        src_ip: Display(u.src_ip),
        dst_ip: Display(u.dst_ip),
        src_port: u.src_port,
        dst_port: u.dst_port,
        dhcp: dhcp_out(&p.dhcp),
        warnings,
    }
}

fn dhcp_out<'a>(m: &'a Message<'a>) -> DhcpOut<'a> {
    let has = |r: std::ops::Range<usize>| m.has(r);
    let ip = |r: std::ops::Range<usize>, v: Ipv4Addr| has(r).then_some(Display(v));
    let text = |t: Option<&[u8]>| t.filter(|t| !t.is_empty()).map(escape_bytes);
    let chaddr = m.chaddr();
    DhcpOut {
        op: has(field::OP).then_some(m.op),
        htype: has(field::HTYPE).then_some(m.htype),
        hlen: has(field::HLEN).then_some(m.hlen),
        hops: has(field::HOPS).then_some(m.hops),
        xid: has(field::XID).then_some(Display(Xid(m.xid))),
        secs: has(field::SECS).then_some(m.secs),
        flags: has(field::FLAGS).then_some(m.flags),
        broadcast: has(field::FLAGS).then(|| m.broadcast()),
        ciaddr: ip(field::CIADDR, m.ciaddr),
        yiaddr: ip(field::YIADDR, m.yiaddr),
        siaddr: ip(field::SIADDR, m.siaddr),
        giaddr: ip(field::GIADDR, m.giaddr),
        chaddr: (!chaddr.is_empty()).then_some(Display(ColonHex(chaddr))),
        sname: text(m.sname_text()),
        file: text(m.file_text()),
        msg_type: m.message_type().map(Display),
        server_id: m.server_id().map(Display),
        requested_ip: m.requested_ip().map(Display),
        lease_time: m.lease_time(),
        hostname: m.hostname().map(|h| escape_bytes(&h)),
        client_id: m.client_id().map(|c| colon_hex(&c)),
        options: options_out(m),
    }
}

fn options_out(m: &Message<'_>) -> Vec<OptionOut> {
    m.options
        .iter()
        .enumerate()
        .map(|(i, o)| {
            // A split option's value (RFC 3396) is given once, on its first part.
            let first = m.options[..i].iter().position(|p| p.code == o.code);
            let value = match first {
                None => {
                    let data = m.option(o.code).unwrap_or_default();
                    value_json(&Value::decode(o.code, &data))
                }
                Some(_) => Json::Null,
            };
            OptionOut {
                code: o.code,
                name: options::name(o.code),
                len: o.len,
                offset: o.offset,
                area: (o.area != Area::Options).then(|| o.area.name()),
                value,
                continues: first.map(|j| m.options[j].offset),
            }
        })
        .collect()
}

/// The JSON object for one packet (the `jsonl` line).
pub fn packet_json(p: &Packet<'_>) -> Json {
    serde_json::to_value(packet_out(p)).unwrap_or(Json::Null)
}

/// JSON form of a typed option value; strings are escaped.
pub fn value_json(v: &Value<'_>) -> Json {
    match v {
        Value::Ip(ip) => json!(ip.to_string()),
        Value::Ips(ips) => json!(ips.iter().map(ToString::to_string).collect::<Vec<_>>()),
        Value::IpPairs(p) => json!(
            p.iter()
                .map(|(a, b)| json!([a.to_string(), b.to_string()]))
                .collect::<Vec<_>>()
        ),
        Value::U8(n) => json!(n),
        Value::U16(n) => json!(n),
        Value::U32(n) | Value::Seconds(n) => json!(n),
        Value::I32(n) => json!(n),
        Value::Bool(b) => json!(b),
        Value::U16s(v) | Value::ClientArch(v) => json!(v),
        Value::Text(t) => json!(escape_bytes(t)),
        Value::Empty => Json::Null,
        Value::Hex(h) => json!(hex(h)),
        Value::MessageType(t) => json!(t.to_string()),
        Value::ParamList(p) => json!(p),
        Value::ClientId { htype, id } => json!({"type": htype, "id": colon_hex(id)}),
        Value::Overload(o) => json!(o),
        Value::UserClass(c) => json!(c.iter().map(|c| escape_bytes(c)).collect::<Vec<_>>()),
        Value::ClientFqdn {
            flags,
            rcode1,
            rcode2,
            name,
        } => json!({"flags": flags, "rcode1": rcode1, "rcode2": rcode2, "name": name}),
        Value::RelayAgent(subs) => json!(
            subs.iter()
                .map(|s| json!({"code": s.code, "name": s.name(), "value": s.value().to_string()}))
                .collect::<Vec<_>>()
        ),
        Value::Auth {
            protocol,
            algorithm,
            rdm,
            replay,
            info,
        } => json!({"protocol": protocol, "algorithm": algorithm, "rdm": rdm, "replay": replay, "info": hex(info)}),
        Value::ClientNdi { kind, major, minor } => {
            json!({"type": kind, "major": major, "minor": minor})
        }
        Value::MachineId { .. } => json!(v.to_string()),
        Value::DomainList(names) => json!(names),
        Value::SipServers(inner) => value_json(inner),
        Value::ClasslessRoutes(routes) => json!(
            routes
                .iter()
                .map(|r| json!({"destination": r.destination.to_string(), "prefix": r.prefix, "router": r.router.to_string()}))
                .collect::<Vec<_>>()
        ),
        Value::Vendors(v) => json!(
            v.iter()
                .map(|(e, d)| json!({"enterprise": e, "data": hex(d)}))
                .collect::<Vec<_>>()
        ),
        Value::StatusCode { code, message } => {
            json!({"code": code, "message": escape_bytes(message)})
        }
        Value::Invalid { reason, raw } => json!({"invalid": reason, "hex": hex(raw)}),
    }
}

/// Writes one JSON line.
pub fn write_jsonl(out: &mut impl Write, p: &Packet<'_>) -> io::Result<()> {
    serde_json::to_writer(&mut *out, &packet_out(p))?;
    out.write_all(b"\n")
}

/// Writes one text block, in the spirit of `tshark -V` restricted to DHCP.
pub fn write_text(out: &mut impl Write, p: &Packet<'_>) -> io::Result<()> {
    let f = p.frame;
    let u = p.udp;
    let m = &p.dhcp;
    let mac = |m: Option<[u8; 6]>| m.map_or_else(|| "-".to_string(), |m| colon_hex(&m));
    write!(
        out,
        "Frame {}: {}  {} -> {}",
        f.number,
        f.ts.rfc3339(f.ts_digits),
        mac(u.src_mac),
        mac(u.dst_mac)
    )?;
    if !u.vlans.as_slice().is_empty() {
        write!(out, "  vlan {:?}", u.vlans.as_slice())?;
    }
    writeln!(
        out,
        "\n  {}:{} -> {}:{}  ({} bytes, UDP checksum {:?})",
        u.src_ip,
        u.src_port,
        u.dst_ip,
        u.dst_port,
        p.payload.len(),
        u.checksum
    )?;
    let kind = m
        .message_type()
        .map_or_else(|| "BOOTP".to_string(), |t| t.to_string());
    writeln!(out, "Dynamic Host Configuration Protocol ({kind})")?;
    let op = match m.op {
        1 => "Boot Request",
        2 => "Boot Reply",
        _ => "Unknown",
    };
    let line = |out: &mut dyn Write, r: std::ops::Range<usize>, label: &str, value: String| {
        if m.has(r) {
            writeln!(out, "    {label}: {value}")
        } else {
            writeln!(out, "    {label}: (not captured)")
        }
    };
    line(out, field::OP, "Message type", format!("{op} ({})", m.op))?;
    line(
        out,
        field::HTYPE,
        "Hardware type",
        format!("0x{:02x}", m.htype),
    )?;
    line(
        out,
        field::HLEN,
        "Hardware address length",
        m.hlen.to_string(),
    )?;
    line(out, field::HOPS, "Hops", m.hops.to_string())?;
    line(
        out,
        field::XID,
        "Transaction ID",
        format!("0x{:08x}", m.xid),
    )?;
    line(out, field::SECS, "Seconds elapsed", m.secs.to_string())?;
    let flags = format!(
        "0x{:04x} ({})",
        m.flags,
        if m.broadcast() {
            "Broadcast"
        } else {
            "Unicast"
        }
    );
    line(out, field::FLAGS, "Bootp flags", flags)?;
    line(
        out,
        field::CIADDR,
        "Client IP address",
        m.ciaddr.to_string(),
    )?;
    line(
        out,
        field::YIADDR,
        "Your (client) IP address",
        m.yiaddr.to_string(),
    )?;
    line(
        out,
        field::SIADDR,
        "Next server IP address",
        m.siaddr.to_string(),
    )?;
    line(
        out,
        field::GIADDR,
        "Relay agent IP address",
        m.giaddr.to_string(),
    )?;
    writeln!(
        out,
        "    Client hardware address: {}",
        colon_hex(m.chaddr())
    )?;
    for (label, value, bit) in [
        ("Server host name", m.sname_text(), 2),
        ("Boot file name", m.file_text(), 1),
    ] {
        match value {
            _ if m.overload & bit != 0 => writeln!(out, "    {label}: (overloaded with options)")?,
            Some(v) if !v.is_empty() => writeln!(out, "    {label}: {}", escape_bytes(v))?,
            _ => writeln!(out, "    {label} not given")?,
        }
    }
    match m.cookie {
        Some(MAGIC_COOKIE) => writeln!(out, "    Magic cookie: DHCP")?,
        Some(c) => writeln!(out, "    Magic cookie: {} (not DHCP)", hex(&c))?,
        None => {}
    }
    for (i, o) in m.options.iter().enumerate() {
        write!(
            out,
            "    Option: ({}) {} (len {}, offset {}",
            o.code,
            options::name(o.code),
            o.len,
            o.offset
        )?;
        if o.area != Area::Options {
            write!(out, ", in {}", o.area.name())?;
        }
        if m.options[..i].iter().any(|p| p.code == o.code) {
            writeln!(out, "): continued (RFC 3396)")?;
        } else {
            let data = m.option(o.code).unwrap_or_default();
            writeln!(out, "): {}", Value::decode(o.code, &data))?;
        }
    }
    for w in p.warnings {
        writeln!(out, "    Warning: {w}")?;
    }
    for w in &m.warnings {
        writeln!(out, "    Warning: {w}")?;
    }
    writeln!(out)
}
