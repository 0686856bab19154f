//! `dhcpscope report`: text, JSON and CSV views of the analysis.
//!
//! Strings from the wire (hostnames, vendor classes) are escaped in the model already;
//! CSV cells are additionally protected against formula injection.

use crate::analysis::{Analysis, Client, Exchange, MessageRecord, Server};
use crate::dhcp::options::{colon_hex, hex};
use crate::pipeline::ReadSummary;
use serde::Serialize;
use serde::ser::{SerializeMap, Serializer};
use serde_json::{Value as Json, json};
use std::fmt::Write as _;
use std::io::{self, Write};
use std::net::Ipv4Addr;

/// What was read, for the header line.
pub struct SourceInfo<'a> {
    pub name: &'a str,
    pub summary: &'a ReadSummary,
}

/// Milliseconds rounded to the microsecond.
fn ms(v: Option<f64>) -> Option<f64> {
    v.map(|v| (v * 1000.0).round() / 1000.0)
}

/// Serializes anything `Display` as a JSON string without an intermediate `String`.
struct Str<T>(T);

impl<T: std::fmt::Display> Serialize for Str<T> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(&self.0)
    }
}

/// A sequence serialized from an iterator made on demand: the document streams, no tree.
struct Seq<F>(F);

impl<F, I> Serialize for Seq<F>
where
    F: Fn() -> I,
    I: Iterator,
    I::Item: Serialize,
{
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq((self.0)())
    }
}

fn mac(m: &[u8]) -> Str<String> {
    Str(colon_hex(m))
}

#[derive(Serialize)]
struct MessageOut {
    frame: u64,
    ts: Str<crate::time::Rfc3339>,
    msg_type: std::borrow::Cow<'static, str>,
    src_mac: Option<Str<String>>,
    src_ip: Str<Ipv4Addr>,
    dst_ip: Str<Ipv4Addr>,
    server_id: Option<Str<Ipv4Addr>>,
    yiaddr: Option<Str<Ipv4Addr>>,
    retransmissions: u32,
    last_frame: u64,
    latency_ms: Option<f64>,
}

fn message_out(m: &MessageRecord) -> MessageOut {
    MessageOut {
        frame: m.frame,
        ts: Str(m.ts.rfc3339(m.ts_digits)),
        msg_type: m.type_name(),
        src_mac: m.src_mac.as_ref().map(|m| mac(m)),
        src_ip: Str(m.src_ip),
        dst_ip: Str(m.dst_ip),
        server_id: m.server_id.map(Str),
        yiaddr: (!m.yiaddr.is_unspecified()).then_some(Str(m.yiaddr)),
        retransmissions: m.retransmissions,
        last_frame: m.last_frame,
        latency_ms: ms(m.latency_ms),
    }
}

struct ExchangeOut<'a>(&'a Exchange);

impl Serialize for ExchangeOut<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let e = self.0;
        let digits = e.messages.first().map_or(6, |m| m.ts_digits);
        let mut m = s.serialize_map(None)?;
        m.serialize_entry("kind", e.kind.name())?;
        m.serialize_entry("xid", &Str(format_args!("0x{:08x}", e.xid)))?;
        m.serialize_entry("start", &Str(e.start.rfc3339(digits)))?;
        m.serialize_entry("end", &Str(e.end.rfc3339(digits)))?;
        m.serialize_entry("outcome", e.outcome.name())?;
        m.serialize_entry("server_id", &e.server_id.map(Str))?;
        m.serialize_entry("address", &e.address.map(Str))?;
        m.serialize_entry("lease_time", &e.lease_time)?;
        m.serialize_entry("t1", &e.t1)?;
        m.serialize_entry("t2", &e.t2)?;
        m.serialize_entry("retransmissions", &e.retransmissions)?;
        m.serialize_entry("messages", &Seq(|| e.messages.iter().map(message_out)))?;
        m.serialize_entry("messages_dropped", &e.messages_dropped)?;
        m.serialize_entry(
            "offers",
            &Seq(|| {
                e.offers.iter().map(|o| {
                    json!({
                        "server_id": o.server_id.to_string(),
                        "server_mac": o.server_mac.map(|m| colon_hex(&m)),
                        "yiaddr": o.yiaddr.to_string(),
                        "latency_ms": ms(o.latency_ms),
                        "latency_first_ms": ms(o.latency_first_ms),
                        "frame": o.frame,
                    })
                })
            }),
        )?;
        m.end()
    }
}

struct ClientOut<'a>(&'a Client);

impl Serialize for ClientOut<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let c = self.0;
        let mut m = s.serialize_map(None)?;
        m.serialize_entry("mac", &mac(&c.chaddr))?;
        m.serialize_entry(
            "other_macs",
            &Seq(|| c.other_chaddrs.iter().map(|m| mac(m))),
        )?;
        m.serialize_entry("client_id", &c.client_id.as_deref().map(mac))?;
        m.serialize_entry("hostname", &c.hostname)?;
        m.serialize_entry("vendor_class", &c.vendor_class)?;
        m.serialize_entry("address", &c.last_address().map(Str))?;
        m.serialize_entry("exchanges", &Seq(|| c.exchanges.iter().map(ExchangeOut)))?;
        m.serialize_entry("exchanges_dropped", &c.exchanges_dropped)?;
        m.end()
    }
}

fn server_json(s: &Server) -> Json {
    let lat = s.latency_summary();
    let strings = |v: &[Ipv4Addr]| v.iter().map(ToString::to_string).collect::<Vec<_>>();
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

/// The JSON document, streamed: per-client parts are serialized as they are written, so a
/// capture of 100 000 clients does not build a tree of them first. `extra` fields (e.g.
/// live capture counters) are appended at the top level.
pub fn write_json(
    out: &mut impl Write,
    a: &Analysis,
    src: &SourceInfo<'_>,
    extra: &[(&str, Json)],
) -> io::Result<()> {
    let mut ser = serde_json::Serializer::pretty(&mut *out);
    let mut m = ser.serialize_map(None)?;
    m.serialize_entry("source", src.name)?;
    m.serialize_entry("frames", &src.summary.frames)?;
    m.serialize_entry("dhcp_packets", &src.summary.dhcp_packets)?;
    m.serialize_entry("dhcpv6_packets", &src.summary.dhcpv6_packets)?;
    m.serialize_entry("router_packets", &src.summary.router_packets)?;
    m.serialize_entry(
        "read_error",
        &src.summary.error.as_ref().map(ToString::to_string),
    )?;
    let expectations = json!({
        "servers": a.expectations.servers.iter().map(|s| match s {
            crate::analysis::config::ServerRef::Ip(ip) => ip.to_string(),
            crate::analysis::config::ServerRef::Mac(m) => colon_hex(m),
        }).collect::<Vec<_>>(),
        "subnets": a.expectations.subnets.iter().map(ToString::to_string).collect::<Vec<_>>(),
        "slow_reply_ms": a.expectations.slow_reply_ms,
    });
    m.serialize_entry("expectations", &expectations)?;
    m.serialize_entry("clients", &Seq(|| a.clients.iter().map(ClientOut)))?;
    m.serialize_entry("servers", &Seq(|| a.servers.iter().map(server_json)))?;
    m.serialize_entry("findings", &a.findings)?;
    for (key, value) in extra {
        m.serialize_entry(key, value)?;
    }
    SerializeMap::end(m)?;
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

/// Findings of one code listed in the text report before the rest are only counted.
const TEXT_FINDINGS_PER_CODE: usize = 10;

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
    // A terminal report stays readable on a big capture: at most a few lines per code, the
    // rest counted (JSON and CSV keep every finding).
    let mut shown: Vec<(&str, usize)> = Vec::new();
    for f in &a.findings {
        let seen = match shown.iter_mut().find(|(code, _)| *code == f.code) {
            Some((_, n)) => {
                *n += 1;
                *n
            }
            None => {
                shown.push((f.code, 1));
                1
            }
        };
        if seen > TEXT_FINDINGS_PER_CODE {
            continue;
        }
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

    for (code, n) in shown.iter().filter(|(_, n)| *n > TEXT_FINDINGS_PER_CODE) {
        writeln!(
            out,
            "  … and {} more {code} findings (all in --format json)",
            n - TEXT_FINDINGS_PER_CODE
        )?;
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
    use super::*;
    use crate::analysis::Expectations;
    use crate::source::FileSource;

    #[test]
    fn text_report_lists_a_few_findings_per_code_and_counts_the_rest() {
        let mut pcap = Vec::new();
        crate::synth::write_capture(&mut pcap, 400, 7).unwrap();
        let mut source = FileSource::from_reader("synthetic", std::io::Cursor::new(pcap)).unwrap();
        let (a, summary) = Analysis::run(&mut source, Expectations::default());
        let competing = a
            .findings
            .iter()
            .filter(|f| f.code == "competing-offers")
            .count();
        assert!(
            competing > TEXT_FINDINGS_PER_CODE,
            "only {competing} competing offers"
        );
        let mut out = Vec::new();
        let info = SourceInfo {
            name: "synthetic",
            summary: &summary,
        };
        write_text(&mut out, &a, &info).unwrap();
        let text = String::from_utf8(out).unwrap();
        let listed = text
            .lines()
            .filter(|l| l.contains(" competing-offers: "))
            .count();
        assert_eq!(listed, TEXT_FINDINGS_PER_CODE);
        let more = format!(
            "… and {} more competing-offers findings",
            competing - TEXT_FINDINGS_PER_CODE
        );
        assert!(text.contains(&more), "{text}");
    }

    #[test]
    fn csv_cells_are_quoted_and_formula_safe() {
        assert_eq!(cell("plain"), "plain");
        assert_eq!(cell("a,b"), "\"a,b\"");
        assert_eq!(cell("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(cell("=HYPERLINK(1)"), "'=HYPERLINK(1)");
    }
}
