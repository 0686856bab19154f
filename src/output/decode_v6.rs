//! `dhcpscope decode` for DHCPv6 messages and router solicitations/advertisements: the
//! `dhcpv6` and `ra` objects of a JSON line, and the text blocks.

use crate::dhcp::options::{colon_hex, hex};
use crate::dhcpv6::options::{self, Duid, SubOption, Value};
use crate::dhcpv6::ra::{self, NdValue, RouterMessage};
use crate::dhcpv6::{Ia, IaKind, Lease, Message, Status};
use crate::escape::{escape_bytes, escape_str};
use crate::pipeline::{V6Body, V6Kind, V6Packet};
use serde_json::{Value as Json, json};
use std::io::{self, Write};

/// The DUID as JSON: type, the whole value in hex, and the decoded fields of its type.
pub fn duid_json(bytes: &[u8]) -> Json {
    let d = Duid::decode(bytes);
    let mut obj = json!({"type": d.kind_name(), "type_code": d.kind(), "hex": hex(bytes)});
    let extra = match d {
        Duid::Llt {
            hwtype,
            time,
            lladdr,
        } => json!({"hwtype": hwtype, "time": time, "lladdr": colon_hex(lladdr)}),
        Duid::En { enterprise, id } => json!({"enterprise": enterprise, "id": hex(id)}),
        Duid::Ll { hwtype, lladdr } => json!({"hwtype": hwtype, "lladdr": colon_hex(lladdr)}),
        Duid::Uuid(u) => json!({"uuid": Duid::Uuid(u).to_string().trim_start_matches("UUID ")}),
        Duid::Other { .. } => json!({}),
    };
    if let (Some(o), Json::Object(e)) = (obj.as_object_mut(), extra) {
        o.extend(e);
    }
    obj
}

fn status_json(s: Option<Status<'_>>) -> Json {
    s.map_or(
        Json::Null,
        |s| json!({"code": s.code, "name": s.name(), "message": escape_bytes(s.message)}),
    )
}

fn lease_json(kind: IaKind, l: &Lease<'_>) -> Json {
    let mut o = if kind == IaKind::Pd {
        json!({"prefix": l.addr.to_string(), "prefix_len": l.prefix_len})
    } else {
        json!({"addr": l.addr.to_string()})
    };
    if let Some(map) = o.as_object_mut() {
        map.insert("preferred".into(), json!(l.preferred));
        map.insert("valid".into(), json!(l.valid));
        map.insert("offset".into(), json!(l.offset));
        map.insert("status".into(), status_json(l.status));
    }
    o
}

fn ia_json(ia: &Ia<'_>) -> Json {
    let leases: Vec<Json> = ia.leases.iter().map(|l| lease_json(ia.kind, l)).collect();
    let key = if ia.kind == IaKind::Pd {
        "prefixes"
    } else {
        "addresses"
    };
    let mut o = json!({
        "type": ia.kind.name(),
        "iaid": format!("0x{:08x}", ia.iaid),
        "offset": ia.offset,
    });
    if let Some(map) = o.as_object_mut() {
        if ia.kind != IaKind::Ta {
            map.insert("t1".into(), json!(ia.t1));
            map.insert("t2".into(), json!(ia.t2));
        }
        map.insert(key.into(), Json::Array(leases));
        map.insert("status".into(), status_json(ia.status));
    }
    o
}

/// JSON form of a typed DHCPv6 option value; strings are escaped.
pub fn value_json(v: &Value<'_>) -> Json {
    let subs = |s: &[SubOption<'_>]| {
        s.iter()
            .map(|s| json!({"code": s.code, "data": hex(s.data)}))
            .collect::<Vec<_>>()
    };
    match v {
        Value::Duid(_) => Json::Null, // given by the caller from the raw bytes (duid_json)
        Value::IaNa { iaid, t1, t2 } => {
            json!({"iaid": format!("0x{iaid:08x}"), "t1": t1, "t2": t2})
        }
        Value::IaTa { iaid } => json!({"iaid": format!("0x{iaid:08x}")}),
        Value::IaAddress {
            addr,
            preferred,
            valid,
        } => json!({"addr": addr.to_string(), "preferred": preferred, "valid": valid}),
        Value::IaPrefix {
            preferred,
            valid,
            prefix_len,
            prefix,
        } => json!({"prefix": prefix.to_string(), "prefix_len": prefix_len,
                    "preferred": preferred, "valid": valid}),
        Value::Oro(codes) => json!(codes),
        Value::U8(n) => json!(n),
        Value::ElapsedTime(n) => json!(n),
        Value::RelayMessage(len) => json!({"len": len}),
        Value::Auth {
            protocol,
            algorithm,
            rdm,
            replay,
            info,
        } => json!({"protocol": protocol, "algorithm": algorithm, "rdm": rdm,
                    "replay": replay, "info": hex(info)}),
        Value::Ip(ip) => json!(ip.to_string()),
        Value::Ips(ips) => json!(ips.iter().map(ToString::to_string).collect::<Vec<_>>()),
        Value::StatusCode { code, message } => json!({"code": code,
            "name": options::status_name(*code), "message": escape_bytes(message)}),
        Value::Empty | Value::Container => Json::Null,
        Value::UserClass(c) => json!(c.iter().map(|c| escape_bytes(c)).collect::<Vec<_>>()),
        Value::VendorClass {
            enterprise,
            classes,
        } => json!({"enterprise": enterprise,
            "classes": classes.iter().map(|c| escape_bytes(c)).collect::<Vec<_>>()}),
        Value::VendorOpts {
            enterprise,
            subs: s,
        } => {
            json!({"enterprise": enterprise, "options": subs(s)})
        }
        Value::Hex(h) => json!(hex(h)),
        Value::Text(t) => json!(escape_bytes(t)),
        Value::DomainList(names) => json!(names),
        Value::Seconds(n) => json!(n),
        Value::RemoteId { enterprise, id } => json!({"enterprise": enterprise, "id": hex(id)}),
        Value::ClientFqdn { flags, name } => json!({"flags": flags, "name": name}),
        Value::NtpServer(s) => json!(subs(s)),
        Value::LinkLayer { hwtype, addr } => json!({"hwtype": hwtype, "addr": colon_hex(addr)}),
        Value::Invalid { reason, raw } => json!({"invalid": reason, "hex": hex(raw)}),
    }
}

fn option_value_json(code: u16, data: &[u8]) -> Json {
    match Value::decode(code, data) {
        Value::Duid(_) => duid_json(data),
        v => value_json(&v),
    }
}

/// The `dhcpv6` object of a JSON line. Summary fields describe the innermost message (the
/// client's or server's, inside any relay layers); `relay_chain` lists the relay layers
/// outermost first; `options` lists every option of every layer in wire order, with the
/// layer it belongs to (0 = outermost), its depth of encapsulation and the offset of its
/// parent option.
pub fn dhcpv6_json(m: &Message<'_>) -> Json {
    let layers = m.layers();
    let inner = m.innermost();
    let relay_chain: Vec<Json> = layers
        .iter()
        .filter_map(|l| {
            let r = l.relay.as_ref()?;
            Some(json!({
                "msg_type": l.msg_type.to_string(),
                "msg_type_code": l.msg_type.0,
                "hop_count": r.hop_count,
                "link_address": r.link_address.to_string(),
                "peer_address": r.peer_address.to_string(),
                "interface_id": l.option(options::INTERFACE_ID).map(hex),
                "remote_id": l.option(options::REMOTE_ID).map(|d| option_value_json(37, d)),
                "client_link_layer": l.client_link_layer()
                    .map(|(t, a)| json!({"hwtype": t, "addr": colon_hex(a)})),
            }))
        })
        .collect();
    let mut opts: Vec<(usize, Json)> = Vec::new();
    for (n, l) in layers.iter().enumerate() {
        for o in &l.options {
            let parent = o.parent.map(|p| l.options[usize::from(p)].offset);
            opts.push((
                o.offset,
                json!({
                    "layer": n,
                    "code": o.code,
                    "name": options::name(o.code),
                    "len": o.len,
                    "offset": o.offset,
                    "depth": o.depth,
                    "parent": parent,
                    "value": option_value_json(o.code, o.data),
                }),
            ));
        }
    }
    opts.sort_by_key(|(offset, _)| *offset);
    let relayed_without_inner = inner.msg_type.is_relay();
    json!({
        "msg_type": inner.msg_type.to_string(),
        "msg_type_code": inner.msg_type.0,
        "xid": (!relayed_without_inner).then(|| format!("0x{:06x}", inner.xid)),
        "client_duid": inner.client_id().map(duid_json),
        "server_duid": inner.server_id().map(duid_json),
        "elapsed_time": inner.elapsed_time(),
        "preference": inner.preference(),
        "rapid_commit": inner.rapid_commit(),
        "status": status_json(inner.status()),
        "ias": inner.ias().iter().map(ia_json).collect::<Vec<_>>(),
        "dns_servers": inner.dns_servers().iter().map(ToString::to_string).collect::<Vec<_>>(),
        "domain_list": inner.domain_list(),
        "relay_chain": relay_chain,
        "options": opts.into_iter().map(|(_, o)| o).collect::<Vec<_>>(),
    })
}

/// The warnings of every layer of `m`, as text.
pub fn dhcpv6_warnings(m: &Message<'_>) -> Vec<String> {
    m.all_warnings().iter().map(ToString::to_string).collect()
}

fn nd_value_json(v: &NdValue<'_>) -> Json {
    match v {
        NdValue::LinkLayer(a) => json!(colon_hex(a)),
        NdValue::Prefix(p) => json!({
            "prefix": p.prefix.to_string(), "prefix_len": p.prefix_len,
            "on_link": p.on_link(), "autonomous": p.autonomous(),
            "valid": p.valid, "preferred": p.preferred,
        }),
        NdValue::Mtu(m) => json!(m),
        NdValue::Route(r) => json!({
            "prefix": r.prefix.to_string(), "prefix_len": r.prefix_len,
            "preference": r.preference.name(), "lifetime": r.lifetime,
        }),
        NdValue::Rdnss { lifetime, servers } => json!({
            "lifetime": lifetime,
            "servers": servers.iter().map(ToString::to_string).collect::<Vec<_>>(),
        }),
        NdValue::Dnssl { lifetime, names } => json!({"lifetime": lifetime, "names": names}),
        NdValue::Hex(h) => json!(hex(h)),
        NdValue::Invalid { reason, raw } => json!({"invalid": reason, "hex": hex(raw)}),
    }
}

/// The `ra` object of a JSON line (a router solicitation has `type` "RS" and no header).
pub fn router_json(m: &RouterMessage<'_>) -> Json {
    let options: Vec<Json> = m
        .options
        .iter()
        .map(|o| {
            json!({
                "type": o.kind,
                "name": ra::option_name(o.kind),
                "len": o.len,
                "offset": o.offset,
                "value": nd_value_json(&o.value()),
            })
        })
        .collect();
    let mut obj = json!({
        "type": if m.is_advert() { "RA" } else { "RS" },
        "icmp_type": m.icmp_type,
        "code": m.code,
    });
    if let (Some(map), Some(h)) = (obj.as_object_mut(), m.advert) {
        map.insert("cur_hop_limit".into(), json!(h.cur_hop_limit));
        map.insert("managed".into(), json!(h.managed()));
        map.insert("other".into(), json!(h.other()));
        map.insert("preference".into(), json!(h.preference().name()));
        map.insert("router_lifetime".into(), json!(h.router_lifetime));
        map.insert("reachable_time".into(), json!(h.reachable_time));
        map.insert("retrans_timer".into(), json!(h.retrans_timer));
    }
    if let Some(map) = obj.as_object_mut() {
        map.insert("options".into(), Json::Array(options));
    }
    obj
}

/// Writes the DHCPv6 part of a text block (layers, options with offsets, nested by indent).
pub fn write_dhcpv6_text(out: &mut impl Write, m: &Message<'_>) -> io::Result<()> {
    let inner = m.innermost();
    writeln!(out, "DHCPv6 ({})", inner.msg_type)?;
    for (n, l) in m.layers().iter().enumerate() {
        let pad = "  ".repeat(n + 1);
        match &l.relay {
            Some(r) => writeln!(
                out,
                "{pad}{} (offset {}): hop count {}, link-address {}, peer-address {}",
                l.msg_type, l.base, r.hop_count, r.link_address, r.peer_address
            )?,
            None => writeln!(
                out,
                "{pad}Message type: {} ({}), transaction ID 0x{:06x}",
                l.msg_type, l.msg_type.0, l.xid
            )?,
        }
        for o in &l.options {
            let indent = "  ".repeat(usize::from(o.depth));
            write!(
                out,
                "{pad}  {indent}Option: ({}) {} (len {}, offset {}",
                o.code,
                options::name(o.code),
                o.len,
                o.offset
            )?;
            if o.code == options::RELAY_MSG && l.relay.is_some() {
                writeln!(out, "): relayed message follows")?;
            } else {
                writeln!(out, "): {}", o.value())?;
            }
        }
    }
    for w in m.all_warnings() {
        writeln!(out, "    Warning: {w}")?;
    }
    Ok(())
}

/// Writes the router solicitation/advertisement part of a text block.
pub fn write_router_text(out: &mut impl Write, m: &RouterMessage<'_>) -> io::Result<()> {
    match m.advert {
        Some(h) => {
            writeln!(out, "ICMPv6 Router Advertisement")?;
            writeln!(
                out,
                "    Cur hop limit {}, flags 0x{:02x} (M={} O={}), preference {}, router lifetime {} s",
                h.cur_hop_limit,
                h.flags,
                u8::from(h.managed()),
                u8::from(h.other()),
                h.preference(),
                h.router_lifetime
            )?;
            writeln!(
                out,
                "    Reachable time {} ms, retrans timer {} ms",
                h.reachable_time, h.retrans_timer
            )?;
        }
        None if m.is_advert() => writeln!(out, "ICMPv6 Router Advertisement (truncated)")?,
        None => writeln!(out, "ICMPv6 Router Solicitation")?,
    }
    for o in &m.options {
        writeln!(
            out,
            "    Option: ({}) {} (len {}, offset {}): {}",
            o.kind,
            ra::option_name(o.kind),
            usize::from(o.len) * 8,
            o.offset,
            o.value()
        )?;
    }
    for w in &m.warnings {
        writeln!(out, "    Warning: {w}")?;
    }
    Ok(())
}

/// The JSON object for one IPv6 record (a `jsonl` line): frame, link, IPv6 and UDP/ICMPv6
/// facts, then a `dhcpv6` or an `ra` object, then every warning of every layer.
pub fn packet_json(p: &V6Packet<'_>) -> Json {
    let m = &p.meta;
    let mac = |m: Option<[u8; 6]>| m.map(|m| colon_hex(&m));
    let mut warnings: Vec<String> = p.warnings.iter().map(ToString::to_string).collect();
    let mut obj = json!({
        "frame": m.frame.number,
        "ts": m.frame.ts.rfc3339(m.frame.ts_digits).to_string(),
        "src_mac": mac(m.src_mac),
        "dst_mac": mac(m.dst_mac),
        "vlan": m.vlans.as_slice(),
        "src_ip": m.src_ip.to_string(),
        "dst_ip": m.dst_ip.to_string(),
        "hop_limit": m.hop_limit,
        "ext_headers": m.ext_headers.names(),
    });
    let map = obj.as_object_mut().expect("an object");
    match (&p.body, m.kind) {
        (
            V6Body::Dhcp(d),
            V6Kind::Dhcp {
                src_port, dst_port, ..
            },
        ) => {
            map.insert("src_port".into(), json!(src_port));
            map.insert("dst_port".into(), json!(dst_port));
            map.insert("dhcpv6".into(), dhcpv6_json(d));
            warnings.extend(dhcpv6_warnings(d));
        }
        (V6Body::Router(r), _) => {
            map.insert("ra".into(), router_json(r));
            warnings.extend(r.warnings.iter().map(ToString::to_string));
        }
        (V6Body::Dhcp(d), _) => {
            map.insert("dhcpv6".into(), dhcpv6_json(d));
        }
    }
    if let V6Kind::Router {
        checksum_ok: Some(false),
    } = m.kind
    {
        warnings.push("ICMPv6 checksum is wrong".into());
    }
    map.insert("warnings".into(), json!(warnings));
    obj
}

/// Writes one JSON line for an IPv6 record.
pub fn write_jsonl(out: &mut impl Write, p: &V6Packet<'_>) -> io::Result<()> {
    serde_json::to_writer(&mut *out, &packet_json(p))?;
    out.write_all(b"\n")
}

/// Writes one text block for an IPv6 record, in the style of the DHCPv4 blocks.
pub fn write_text(out: &mut impl Write, p: &V6Packet<'_>) -> io::Result<()> {
    let m = &p.meta;
    let mac = |m: Option<[u8; 6]>| m.map_or_else(|| "-".to_string(), |m| colon_hex(&m));
    write!(
        out,
        "Frame {}: {}  {} -> {}",
        m.frame.number,
        m.frame.ts.rfc3339(m.frame.ts_digits),
        mac(m.src_mac),
        mac(m.dst_mac)
    )?;
    if !m.vlans.as_slice().is_empty() {
        write!(out, "  vlan {:?}", m.vlans.as_slice())?;
    }
    writeln!(out)?;
    let ext = m.ext_headers.names();
    let ext = if ext.is_empty() {
        String::new()
    } else {
        format!(", extension headers: {}", ext.join(", "))
    };
    match m.kind {
        V6Kind::Dhcp {
            src_port,
            dst_port,
            checksum,
        } => writeln!(
            out,
            "  [{}]:{src_port} -> [{}]:{dst_port}  ({} bytes, hop limit {}, UDP checksum {checksum:?}{ext})",
            m.src_ip,
            m.dst_ip,
            p.payload.len(),
            m.hop_limit
        )?,
        V6Kind::Router { checksum_ok } => writeln!(
            out,
            "  {} -> {}  ({} bytes, hop limit {}, ICMPv6 checksum {}{ext})",
            m.src_ip,
            m.dst_ip,
            p.payload.len(),
            m.hop_limit,
            match checksum_ok {
                Some(true) => "Good",
                Some(false) => "Bad",
                None => "Unverified",
            }
        )?,
    }
    match &p.body {
        V6Body::Dhcp(d) => write_dhcpv6_text(out, d)?,
        V6Body::Router(r) => write_router_text(out, r)?,
    }
    for w in p.warnings {
        writeln!(out, "    Warning: {}", escape_str(&w.to_string()))?;
    }
    writeln!(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dhcpv6::{MessageBuilder, MessageType, OptionWriter, Options, duid};

    #[test]
    fn relayed_reply_json_has_the_inner_summary_and_the_chain() {
        let mac = [2, 0, 0, 0, 0, 9];
        let reply = MessageBuilder::new(MessageType::REPLY, 0xabcdef)
            .server_id(&duid::llt(1, 5, &mac))
            .client_id(&duid::uuid([1; 16]))
            .ia_pd(
                3,
                10,
                20,
                Options::new().ia_prefix(
                    "2001:db8:8::".parse().unwrap(),
                    48,
                    30,
                    40,
                    Options::new(),
                ),
            )
            .build();
        let relay = MessageBuilder::relay(
            true,
            0,
            "2001:db8::1".parse().unwrap(),
            "fe80::1".parse().unwrap(),
        )
        .interface_id(b"ab")
        .relay_message(&reply)
        .build();
        let j = dhcpv6_json(&Message::decode(&relay));
        assert_eq!(j["msg_type"], "REPLY");
        assert_eq!(j["xid"], "0xabcdef");
        assert_eq!(j["server_duid"]["type"], "LLT");
        assert_eq!(j["server_duid"]["lladdr"], "02:00:00:00:00:09");
        assert_eq!(
            j["client_duid"]["uuid"],
            "01010101-0101-0101-0101-010101010101"
        );
        assert_eq!(j["ias"][0]["type"], "IA_PD");
        assert_eq!(j["ias"][0]["prefixes"][0]["prefix"], "2001:db8:8::");
        assert_eq!(j["ias"][0]["prefixes"][0]["prefix_len"], 48);
        assert_eq!(j["relay_chain"][0]["msg_type"], "RELAY-REPL");
        assert_eq!(j["relay_chain"][0]["interface_id"], "6162");
        let offsets: Vec<u64> = j["options"]
            .as_array()
            .unwrap()
            .iter()
            .map(|o| o["offset"].as_u64().unwrap())
            .collect();
        let mut sorted = offsets.clone();
        sorted.sort_unstable();
        assert_eq!(offsets, sorted, "wire order across layers");
        // Relay options first (18 at 34, 9 at 40), then the REPLY's from 48.
        assert_eq!(offsets[..3], [34, 40, 48]);
        let mut text = Vec::new();
        write_dhcpv6_text(&mut text, &Message::decode(&relay)).unwrap();
        let text = String::from_utf8(text).unwrap();
        assert!(
            text.contains("RELAY-REPL (offset 0): hop count 0"),
            "{text}"
        );
        assert!(text.contains("2001:db8:8::/48"), "{text}");
    }
}
