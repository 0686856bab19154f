//! `dhcpscope report`: text, JSON and CSV views of the analysis.
//!
//! Strings from the wire (hostnames, vendor classes) are escaped in the model already;
//! CSV cells are additionally protected against formula injection.

use crate::analysis::{Analysis, Client, Exchange, MessageRecord, Server};
use crate::dhcp::options::{colon_hex, hex};
use crate::pipeline::ReadSummary;
use serde_json::{Value as Json, json};
use std::fmt::Write as _;
use std::io::{self, Write};

/// What was read, for the header line.
pub struct SourceInfo<'a> {
    pub name: &'a str,
    pub summary: &'a ReadSummary,
}

fn ms(v: Option<f64>) -> Json {
    v.map_or(Json::Null, |v| json!((v * 1000.0).round() / 1000.0))
}

fn message_json(m: &MessageRecord) -> Json {
    json!({
        "frame": m.frame,
        "ts": m.ts.rfc3339(m.ts_digits).to_string(),
        "msg_type": m.type_name(),
        "src_mac": m.src_mac.map(|m| colon_hex(&m)),
        "src_ip": m.src_ip.to_string(),
        "dst_ip": m.dst_ip.to_string(),
        "server_id": m.server_id.map(|s| s.to_string()),
        "yiaddr": (!m.yiaddr.is_unspecified()).then(|| m.yiaddr.to_string()),
        "retransmissions": m.retransmissions,
        "last_frame": m.last_frame,
        "latency_ms": ms(m.latency_ms),
    })
}

fn exchange_json(e: &Exchange) -> Json {
    let digits = e.messages.first().map_or(6, |m| m.ts_digits);
    json!({
        "kind": e.kind.name(),
        "xid": format!("0x{:08x}", e.xid),
        "start": e.start.rfc3339(digits).to_string(),
        "end": e.end.rfc3339(digits).to_string(),
        "outcome": e.outcome.name(),
        "server_id": e.server_id.map(|s| s.to_string()),
        "address": e.address.map(|a| a.to_string()),
        "lease_time": e.lease_time,
        "t1": e.t1,
        "t2": e.t2,
        "retransmissions": e.retransmissions,
        "messages": e.messages.iter().map(message_json).collect::<Vec<_>>(),
        "messages_dropped": e.messages_dropped,
        "offers": e.offers.iter().map(|o| json!({
            "server_id": o.server_id.to_string(),
            "server_mac": o.server_mac.map(|m| colon_hex(&m)),
            "yiaddr": o.yiaddr.to_string(),
            "latency_ms": ms(o.latency_ms),
            "latency_first_ms": ms(o.latency_first_ms),
            "frame": o.frame,
        })).collect::<Vec<_>>(),
    })
}

fn client_json(c: &Client) -> Json {
    json!({
        "mac": c.mac_string(),
        "other_macs": c.other_chaddrs.iter().map(|m| colon_hex(m)).collect::<Vec<_>>(),
        "client_id": c.client_id.as_deref().map(colon_hex),
        "hostname": c.hostname,
        "vendor_class": c.vendor_class,
        "address": c.last_address().map(|a| a.to_string()),
        "exchanges": c.exchanges.iter().map(exchange_json).collect::<Vec<_>>(),
        "exchanges_dropped": c.exchanges_dropped,
    })
}

fn server_json(s: &Server) -> Json {
    let lat = s.latency_summary();
    let strings = |v: &[std::net::Ipv4Addr]| v.iter().map(ToString::to_string).collect::<Vec<_>>();
    json!({
        "server_id": s.id.to_string(),
        "has_server_id": s.has_server_id,
        "macs": s.macs.iter().map(|m| colon_hex(m)).collect::<Vec<_>>(),
        "ips": strings(&s.ips),
        "relays": strings(&s.relays),
        "expected": s.expected,
        "offers": s.offers,
        "acks": s.acks,
        "naks": s.naks,
        "other_replies": s.other_replies,
        "latency_ms": {"median": ms(lat.map(|l| l.0)), "p95": ms(lat.map(|l| l.1))},
        "subnets": s.subnets.iter().map(ToString::to_string).collect::<Vec<_>>(),
        "routers": strings(&s.routers),
        "dns": strings(&s.dns),
        "lease_times": s.lease_times,
    })
}

/// The JSON document.
pub fn json_report(a: &Analysis, src: &SourceInfo<'_>) -> Json {
    json!({
        "source": src.name,
        "frames": src.summary.frames,
        "dhcp_packets": src.summary.dhcp_packets,
        "read_error": src.summary.error.as_ref().map(ToString::to_string),
        "expectations": {
            "servers": a.expectations.servers.iter().map(|s| match s {
                crate::analysis::config::ServerRef::Ip(ip) => ip.to_string(),
                crate::analysis::config::ServerRef::Mac(m) => colon_hex(m),
            }).collect::<Vec<_>>(),
            "subnets": a.expectations.subnets.iter().map(ToString::to_string).collect::<Vec<_>>(),
            "slow_reply_ms": a.expectations.slow_reply_ms,
        },
        "clients": a.clients.iter().map(client_json).collect::<Vec<_>>(),
        "servers": a.servers.iter().map(server_json).collect::<Vec<_>>(),
        "findings": a.findings,
    })
}

pub fn write_json(out: &mut impl Write, a: &Analysis, src: &SourceInfo<'_>) -> io::Result<()> {
    serde_json::to_writer_pretty(&mut *out, &json_report(a, src))?;
    out.write_all(b"\n")
}

fn fmt_ms(v: f64) -> String {
    if v < 10.0 {
        format!("{v:.1} ms")
    } else {
        format!("{v:.0} ms")
    }
}

fn frame_range(e: &Exchange) -> String {
    let (a, b) = (e.first_frame(), e.last_frame());
    if a == b {
        format!("frame {a}")
    } else {
        format!("frames {a}-{b}")
    }
}

/// One line per exchange, as the text report and the TUI list show it.
pub fn exchange_line(e: &Exchange) -> String {
    let mut s = format!("{:<11} {:<10}", e.kind.name(), e.outcome.name());
    if let Some(a) = e.address {
        let _ = write!(s, " {a}");
    }
    if let Some(id) = e.server_id {
        let _ = write!(s, " from {id}");
    }
    if let Some(l) = e.lease_time {
        let _ = write!(s, " lease {l}s");
    }
    if !e.offers.is_empty() {
        let offers: Vec<String> = e
            .offers
            .iter()
            .map(|o| match o.latency_ms {
                Some(l) => format!("{} {}", o.server_id, fmt_ms(l)),
                None => o.server_id.to_string(),
            })
            .collect();
        let _ = write!(s, "  offers: {}", offers.join(", "));
    }
    if e.retransmissions > 0 {
        let _ = write!(s, "  retransmissions: {}", e.retransmissions);
    }
    let _ = write!(s, "  ({})", frame_range(e));
    s
}

pub fn write_text(out: &mut impl Write, a: &Analysis, src: &SourceInfo<'_>) -> io::Result<()> {
    let unexpected = a
        .servers
        .iter()
        .filter(|s| s.expected == Some(false))
        .count();
    let verdict = if a.expectations.given() {
        format!("{unexpected} unexpected")
    } else {
        "no expected servers given".to_string()
    };
    writeln!(
        out,
        "{}: {} frames, {} DHCP packets, {} clients, {} servers ({verdict})",
        crate::escape::escape_str(src.name),
        src.summary.frames,
        src.summary.dhcp_packets,
        a.clients.len(),
        a.servers.len(),
    )?;
    if let Some(e) = &src.summary.error {
        writeln!(out, "warning: {e}")?;
    }

    writeln!(out, "\nServers")?;
    if a.servers.is_empty() {
        writeln!(out, "  (no server replies)")?;
    }
    for s in &a.servers {
        let verdict = match s.expected {
            Some(true) => "expected",
            Some(false) => "UNEXPECTED",
            None => "-",
        };
        let macs: Vec<String> = s.macs.iter().map(|m| colon_hex(m)).collect();
        write!(
            out,
            "  {:<15} {:<17} {:<10}  offers {} acks {} naks {}",
            s.id.to_string(),
            macs.join(","),
            verdict,
            s.offers,
            s.acks,
            s.naks
        )?;
        if let Some((median, p95)) = s.latency_summary() {
            write!(
                out,
                "  latency median {} p95 {}",
                fmt_ms(median),
                fmt_ms(p95)
            )?;
        }
        writeln!(out)?;
        let mut hands = String::new();
        let list = |v: &[std::net::Ipv4Addr]| {
            v.iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join(",")
        };
        if !s.subnets.is_empty() {
            let nets: Vec<String> = s.subnets.iter().map(ToString::to_string).collect();
            let _ = write!(hands, " subnet {}", nets.join(","));
        }
        if !s.routers.is_empty() {
            let _ = write!(hands, " router {}", list(&s.routers));
        }
        if !s.dns.is_empty() {
            let _ = write!(hands, " dns {}", list(&s.dns));
        }
        if !s.lease_times.is_empty() {
            let l: Vec<String> = s.lease_times.iter().map(|l| format!("{l}s")).collect();
            let _ = write!(hands, " lease {}", l.join(","));
        }
        if !s.relays.is_empty() {
            let _ = write!(hands, " via relay {}", list(&s.relays));
        }
        if !s.has_server_id {
            hands.push_str(" (no option 54: known by IP source)");
        }
        if !hands.is_empty() {
            writeln!(out, "  {:<15} hands out{hands}", "")?;
        }
    }

    writeln!(out, "\nFindings")?;
    if a.findings.is_empty() {
        writeln!(out, "  none")?;
    }
    for f in &a.findings {
        let frames: Vec<String> = f.frames.iter().map(u64::to_string).collect();
        write!(
            out,
            "  {:<8} {}: {}",
            f.severity.name().to_uppercase(),
            f.code,
            f.message
        )?;
        if !frames.is_empty() {
            write!(out, "  [frames {}]", frames.join(","))?;
        }
        writeln!(out, "  ({})", f.rfc)?;
    }

    writeln!(out, "\nClients")?;
    if a.clients.is_empty() {
        writeln!(out, "  none")?;
    }
    for c in &a.clients {
        let mut head = c.mac_string();
        if let Some(h) = &c.hostname {
            let _ = write!(head, "  {h}");
        }
        if !c.other_chaddrs.is_empty() {
            let others: Vec<String> = c.other_chaddrs.iter().map(|m| colon_hex(m)).collect();
            let _ = write!(head, "  (same client-id also as {})", others.join(", "));
        }
        if c.exchanges_dropped > 0 {
            let _ = write!(head, "  ({} older exchanges not kept)", c.exchanges_dropped);
        }
        writeln!(out, "{head}")?;
        for e in &c.exchanges {
            writeln!(out, "  {}  {}", c.mac_string(), exchange_line(e))?;
        }
    }
    Ok(())
}

/// One CSV cell: quoted when needed, and never starting like a spreadsheet formula.
fn cell(s: &str) -> String {
    let guarded = if s.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{s}")
    } else {
        s.to_string()
    };
    if guarded.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", guarded.replace('"', "\"\""))
    } else {
        guarded
    }
}

pub const CSV_HEADER: &str = "client_mac,client_id,hostname,kind,xid,start,end,outcome,server_id,address,lease_time,t1,t2,retransmissions,offers,first_frame,last_frame";

pub fn write_csv(out: &mut impl Write, a: &Analysis) -> io::Result<()> {
    writeln!(out, "{CSV_HEADER}")?;
    for c in &a.clients {
        let mac = c.mac_string();
        let client_id = c.client_id.as_deref().map(hex).unwrap_or_default();
        let hostname = cell(c.hostname.as_deref().unwrap_or(""));
        for e in &c.exchanges {
            let digits = e.messages.first().map_or(6, |m| m.ts_digits);
            let opt = |v: Option<u32>| v.map(|v| v.to_string()).unwrap_or_default();
            let offers: Vec<String> = e
                .offers
                .iter()
                .map(|o| {
                    format!(
                        "{}={}@{}",
                        o.server_id,
                        o.yiaddr,
                        o.latency_ms
                            .map(|l| format!("{l:.3}ms"))
                            .unwrap_or_default()
                    )
                })
                .collect();
            writeln!(
                out,
                "{mac},{client_id},{hostname},{},0x{:08x},{},{},{},{},{},{},{},{},{},{},{},{}",
                e.kind.name(),
                e.xid,
                e.start.rfc3339(digits),
                e.end.rfc3339(digits),
                e.outcome.name(),
                e.server_id.map(|s| s.to_string()).unwrap_or_default(),
                e.address.map(|s| s.to_string()).unwrap_or_default(),
                opt(e.lease_time),
                opt(e.t1),
                opt(e.t2),
                e.retransmissions,
                cell(&offers.join(";")),
                e.first_frame(),
                e.last_frame()
            )?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::cell;

    #[test]
    fn csv_cells_are_quoted_and_formula_safe() {
        assert_eq!(cell("plain"), "plain");
        assert_eq!(cell("a,b"), "\"a,b\"");
        assert_eq!(cell("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(cell("=HYPERLINK(1)"), "'=HYPERLINK(1)");
    }
}
