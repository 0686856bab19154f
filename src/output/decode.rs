//! `dhcpscope decode`: one block (text) or one JSON object (jsonl) per DHCP packet.

use crate::dhcp::options::{self, Value, colon_hex, hex};
use crate::dhcp::{Area, MAGIC_COOKIE, Message, field};
use crate::escape::escape_bytes;
use crate::pipeline::Packet;
use serde_json::{Map, Value as Json, json};
use std::io::{self, Write};
use std::net::Ipv4Addr;

/// The JSON object for one packet (the `jsonl` line).
pub fn packet_json(p: &Packet<'_>) -> Json {
    let f = p.frame;
    let u = p.udp;
    let mut warnings: Vec<Json> = u.warnings.iter().map(|w| Json::from(w.as_str())).collect();
    warnings.extend(p.dhcp.warnings.iter().map(|w| Json::from(w.to_string())));
    json!({
        "frame": f.number,
        "ts": f.ts.rfc3339(f.ts_digits).to_string(),
        "src_mac": u.src_mac.map(|m| colon_hex(&m)),
        "dst_mac": u.dst_mac.map(|m| colon_hex(&m)),
        "vlan": u.vlans.as_slice(),
        "src_ip": u.src_ip.to_string(),
        "dst_ip": u.dst_ip.to_string(),
        "src_port": u.src_port,
        "dst_port": u.dst_port,
        "dhcp": dhcp_json(&p.dhcp),
        "warnings": warnings,
    })
}

fn dhcp_json(m: &Message<'_>) -> Json {
    let has = |r: std::ops::Range<usize>| m.has(r);
    let ip = |r: std::ops::Range<usize>, v: Ipv4Addr| has(r).then(|| v.to_string());
    let text = |t: Option<&[u8]>| t.filter(|t| !t.is_empty()).map(escape_bytes);
    let mut obj = Map::new();
    obj.insert("op".into(), json!(has(field::OP).then_some(m.op)));
    obj.insert("htype".into(), json!(has(field::HTYPE).then_some(m.htype)));
    obj.insert("hlen".into(), json!(has(field::HLEN).then_some(m.hlen)));
    obj.insert("hops".into(), json!(has(field::HOPS).then_some(m.hops)));
    obj.insert(
        "xid".into(),
        json!(has(field::XID).then(|| format!("0x{:08x}", m.xid))),
    );
    obj.insert("secs".into(), json!(has(field::SECS).then_some(m.secs)));
    obj.insert("flags".into(), json!(has(field::FLAGS).then_some(m.flags)));
    obj.insert(
        "broadcast".into(),
        json!(has(field::FLAGS).then(|| m.broadcast())),
    );
    obj.insert("ciaddr".into(), json!(ip(field::CIADDR, m.ciaddr)));
    obj.insert("yiaddr".into(), json!(ip(field::YIADDR, m.yiaddr)));
    obj.insert("siaddr".into(), json!(ip(field::SIADDR, m.siaddr)));
    obj.insert("giaddr".into(), json!(ip(field::GIADDR, m.giaddr)));
    let chaddr = m.chaddr();
    obj.insert(
        "chaddr".into(),
        json!((!chaddr.is_empty()).then(|| colon_hex(chaddr))),
    );
    obj.insert("sname".into(), json!(text(m.sname_text())));
    obj.insert("file".into(), json!(text(m.file_text())));
    obj.insert(
        "msg_type".into(),
        json!(m.message_type().map(|t| t.to_string())),
    );
    obj.insert(
        "server_id".into(),
        json!(m.server_id().map(|i| i.to_string())),
    );
    obj.insert(
        "requested_ip".into(),
        json!(m.requested_ip().map(|i| i.to_string())),
    );
    obj.insert("lease_time".into(), json!(m.lease_time()));
    obj.insert(
        "hostname".into(),
        json!(m.hostname().map(|h| escape_bytes(&h))),
    );
    obj.insert(
        "client_id".into(),
        json!(m.client_id().map(|c| colon_hex(&c))),
    );
    obj.insert("options".into(), Json::Array(options_json(m)));
    Json::Object(obj)
}

fn options_json(m: &Message<'_>) -> Vec<Json> {
    m.options
        .iter()
        .enumerate()
        .map(|(i, o)| {
            let first = m.options[..i].iter().position(|p| p.code == o.code);
            let mut entry = json!({
                "code": o.code,
                "name": options::name(o.code),
                "len": o.len,
                "offset": o.offset,
            });
            if o.area != Area::Options {
                entry["area"] = json!(o.area.name());
            }
            // A split option's value (RFC 3396) is given once, on its first part.
            match first {
                None => {
                    let data = m.option(o.code).unwrap_or_default();
                    entry["value"] = value_json(&Value::decode(o.code, &data));
                }
                Some(j) => {
                    entry["value"] = Json::Null;
                    entry["continues"] = json!(m.options[j].offset);
                }
            }
            entry
        })
        .collect()
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
                .map(|s| json!({"code": s.code, "name": s.name(), "value": s.to_string().split_once(": ").map(|x| x.1.to_string())}))
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
    serde_json::to_writer(&mut *out, &packet_json(p))?;
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
        u.payload.len(),
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
    for w in &u.warnings {
        writeln!(out, "    Warning: {}", crate::escape::escape_str(w))?;
    }
    for w in &m.warnings {
        writeln!(out, "    Warning: {w}")?;
    }
    writeln!(out)
}
