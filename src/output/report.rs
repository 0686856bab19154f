//! `dhcpscope report`: text, JSON and CSV views of the analysis.
//!
//! Strings from the wire (hostnames, vendor classes) are escaped in the model already;
//! CSV cells are additionally protected against formula injection.
//!
//! A report of 200 000 clients writes millions of addresses, MACs and timestamps: the
//! writers build each line in one reused buffer with the small formatters of [`text`]
//! (no `fmt` machinery per field, timestamps formatted once per minute), then write it.

use crate::analysis::{Analysis, Client, Exchange, MessageRecord, Offer, Server};
use crate::dhcp::options::colon_hex;
use crate::pipeline::ReadSummary;
use serde::Serialize;
use serde::ser::{SerializeMap, Serializer};
use serde_json::{Value as Json, json};
use std::cell::RefCell;
use std::fmt::Write as _;
use std::io::{self, Write};
use std::net::Ipv4Addr;
use text::{Rfc3339Cache, push_colon_hex, push_hex, push_ip, push_num};

/// What was read, for the header line.
pub struct SourceInfo<'a> {
    pub name: &'a str,
    pub summary: &'a ReadSummary,
}

/// Small formatters that write into a `String` without the `fmt` machinery.
pub mod text {
    use crate::time::Timestamp;
    use std::fmt::Write as _;
    use std::net::Ipv4Addr;

    const HEX: &[u8; 16] = b"0123456789abcdef";

    pub fn push_num(s: &mut String, n: impl itoa::Integer) {
        s.push_str(itoa::Buffer::new().format(n));
    }

    /// Dotted quad, as `Ipv4Addr`'s `Display` writes it.
    pub fn push_ip(s: &mut String, ip: Ipv4Addr) {
        for (i, o) in ip.octets().into_iter().enumerate() {
            if i > 0 {
                s.push('.');
            }
            push_num(s, o);
        }
    }

    /// Lowercase hex without separators.
    pub fn push_hex(s: &mut String, bytes: &[u8]) {
        for b in bytes {
            s.push(char::from(HEX[usize::from(b >> 4)]));
            s.push(char::from(HEX[usize::from(b & 0xf)]));
        }
    }

    /// Lowercase colon-separated hex, as `colon_hex` writes it.
    pub fn push_colon_hex(s: &mut String, bytes: &[u8]) {
        for (i, b) in bytes.iter().enumerate() {
            if i > 0 {
                s.push(':');
            }
            push_hex(s, std::slice::from_ref(b));
        }
    }

    /// RFC 3339 timestamps as [`Timestamp::rfc3339`] writes them, with the date and time up
    /// to the minute formatted once per minute: consecutive exchanges share it.
    #[derive(Debug, Default)]
    pub struct Rfc3339Cache {
        minute: Option<i64>,
        /// `YYYY-MM-DDTHH:MM:` of `minute`, empty when that minute has no such form.
        prefix: String,
    }

    impl Rfc3339Cache {
        pub fn push(&mut self, s: &mut String, ts: Timestamp, digits: u8) {
            let minute = ts.secs.div_euclid(60);
            if self.minute != Some(minute) {
                self.minute = Some(minute);
                self.prefix.clear();
                if let Some(start) = minute.checked_mul(60) {
                    let _ = write!(self.prefix, "{}", Timestamp::new(start, 0).rfc3339(0));
                    // Only the usual shape (`…:00Z`) is cut down to a reusable prefix.
                    match self.prefix.strip_suffix("00Z") {
                        Some(p) if p.ends_with(':') => self.prefix.truncate(p.len()),
                        _ => self.prefix.clear(),
                    }
                }
            }
            if self.prefix.is_empty() {
                let _ = write!(s, "{}", ts.rfc3339(digits));
                return;
            }
            s.push_str(&self.prefix);
            let second = ts.secs.rem_euclid(60) as u8;
            s.push(char::from(b'0' + second / 10));
            s.push(char::from(b'0' + second % 10));
            let digits = digits.min(9);
            if digits > 0 {
                s.push('.');
                let scaled = ts.nanos / 10u32.pow(9 - u32::from(digits));
                let mut buf = itoa::Buffer::new();
                let text = buf.format(scaled);
                for _ in text.len()..usize::from(digits) {
                    s.push('0');
                }
                s.push_str(text);
            }
            s.push('Z');
        }
    }
}

/// Milliseconds rounded to the microsecond.
fn ms(v: Option<f64>) -> Option<f64> {
    v.map(|v| (v * 1000.0).round() / 1000.0)
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

/// Short text formatted on the stack (addresses, MACs), serialized as a JSON string.
struct Small {
    buf: [u8; 48],
    len: usize,
}

impl Small {
    fn with(f: impl FnOnce(&mut String)) -> Small {
        // One small String per value would be the allocation this avoids: format into a
        // reused thread-local one and copy the bytes out.
        thread_local! {
            static SCRATCH: RefCell<String> = RefCell::new(String::with_capacity(64));
        }
        SCRATCH.with(|s| {
            let mut s = s.borrow_mut();
            s.clear();
            f(&mut s);
            let mut out = Small {
                buf: [0; 48],
                len: 0,
            };
            // Values that do not fit (never for addresses and MACs) are cut at a character.
            let mut len = s.len().min(48);
            while !s.is_char_boundary(len) {
                len -= 1;
            }
            out.buf[..len].copy_from_slice(&s.as_bytes()[..len]);
            out.len = len;
            out
        })
    }

    fn ip(ip: Ipv4Addr) -> Small {
        Small::with(|s| push_ip(s, ip))
    }

    fn mac(m: &[u8]) -> Small {
        Small::with(|s| push_colon_hex(s, m))
    }
}

impl Serialize for Small {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(std::str::from_utf8(&self.buf[..self.len]).unwrap_or_default())
    }
}

/// A timestamp formatted through the document's [`Rfc3339Cache`].
struct TsOut<'c> {
    cache: &'c RefCell<(Rfc3339Cache, String)>,
    ts: crate::time::Timestamp,
    digits: u8,
}

impl Serialize for TsOut<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut guard = self.cache.borrow_mut();
        let (cache, buf) = &mut *guard;
        buf.clear();
        cache.push(buf, self.ts, self.digits);
        s.serialize_str(buf)
    }
}

#[derive(Serialize)]
struct MessageOut<'c> {
    frame: u64,
    ts: TsOut<'c>,
    msg_type: std::borrow::Cow<'static, str>,
    src_mac: Option<Small>,
    src_ip: Small,
    dst_ip: Small,
    server_id: Option<Small>,
    yiaddr: Option<Small>,
    retransmissions: u32,
    last_frame: u64,
    latency_ms: Option<f64>,
}

fn message_out<'c>(
    m: &MessageRecord,
    cache: &'c RefCell<(Rfc3339Cache, String)>,
) -> MessageOut<'c> {
    MessageOut {
        frame: m.frame,
        ts: TsOut {
            cache,
            ts: m.ts,
            digits: m.ts_digits,
        },
        msg_type: m.type_name(),
        src_mac: m.src_mac().as_ref().map(|m| Small::mac(m)),
        src_ip: Small::ip(m.src_ip),
        dst_ip: Small::ip(m.dst_ip),
        server_id: m.server_id.map(Small::ip),
        yiaddr: (!m.yiaddr.is_unspecified()).then(|| Small::ip(m.yiaddr)),
        retransmissions: m.retransmissions,
        last_frame: m.last_frame,
        latency_ms: ms(m.latency_ms()),
    }
}

#[derive(Serialize)]
struct OfferOut {
    server_id: Small,
    server_mac: Option<Small>,
    yiaddr: Small,
    latency_ms: Option<f64>,
    latency_first_ms: Option<f64>,
    frame: u64,
}

fn offer_out(o: &Offer) -> OfferOut {
    OfferOut {
        server_id: Small::ip(o.server_id),
        server_mac: o.server_mac.as_ref().map(|m| Small::mac(m)),
        yiaddr: Small::ip(o.yiaddr),
        latency_ms: ms(o.latency_ms),
        latency_first_ms: ms(o.latency_first_ms),
        frame: o.frame,
    }
}

struct ExchangeOut<'a, 'c>(&'a Exchange, &'c RefCell<(Rfc3339Cache, String)>);

impl Serialize for ExchangeOut<'_, '_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let (e, cache) = (self.0, self.1);
        let digits = e.messages.first().map_or(6, |m| m.ts_digits);
        let ts = |ts| TsOut { cache, ts, digits };
        let mut m = s.serialize_map(None)?;
        m.serialize_entry("kind", e.kind.name())?;
        m.serialize_entry("xid", &Small::with(|s| push_xid(s, e.xid)))?;
        m.serialize_entry("start", &ts(e.start))?;
        m.serialize_entry("end", &ts(e.end))?;
        m.serialize_entry("outcome", e.outcome.name())?;
        m.serialize_entry("server_id", &e.server_id.map(Small::ip))?;
        m.serialize_entry("address", &e.address.map(Small::ip))?;
        m.serialize_entry("lease_time", &e.lease_time)?;
        m.serialize_entry("t1", &e.t1)?;
        m.serialize_entry("t2", &e.t2)?;
        m.serialize_entry("retransmissions", &e.retransmissions)?;
        m.serialize_entry(
            "messages",
            &Seq(|| e.messages.iter().map(|r| message_out(r, cache))),
        )?;
        m.serialize_entry("messages_dropped", &e.messages_dropped)?;
        m.serialize_entry("offers", &Seq(|| e.offers.iter().map(offer_out)))?;
        m.end()
    }
}

struct ClientOut<'a, 'c>(&'a Client, &'c RefCell<(Rfc3339Cache, String)>);

impl Serialize for ClientOut<'_, '_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let (c, cache) = (self.0, self.1);
        let mut m = s.serialize_map(None)?;
        m.serialize_entry("mac", &Small::mac(&c.chaddr))?;
        m.serialize_entry(
            "other_macs",
            &Seq(|| c.other_chaddrs.iter().map(|m| Small::mac(m))),
        )?;
        // A client identifier may be longer than a MAC: formatted in full.
        m.serialize_entry("client_id", &c.client_id.as_deref().map(colon_hex))?;
        m.serialize_entry("hostname", &c.hostname)?;
        m.serialize_entry("vendor_class", &c.vendor_class)?;
        m.serialize_entry("address", &c.last_address().map(Small::ip))?;
        m.serialize_entry(
            "exchanges",
            &Seq(|| c.exchanges.iter().map(|e| ExchangeOut(e, cache))),
        )?;
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

/// How the JSON document is laid out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JsonStyle {
    /// Indented, for people (the default on a terminal, or with `--pretty`).
    Pretty,
    /// One line, for programs: a third of the size and faster to write.
    Compact,
}

/// The JSON document, indented. See [`write_json_styled`].
pub fn write_json(
    out: &mut impl Write,
    a: &Analysis,
    src: &SourceInfo<'_>,
    extra: &[(&str, Json)],
) -> io::Result<()> {
    write_json_styled(out, a, src, extra, JsonStyle::Pretty)
}

/// The JSON document, streamed: per-client parts are serialized as they are written, so a
/// capture of 100 000 clients does not build a tree of them first. `extra` fields (e.g.
/// live capture counters) are appended at the top level.
pub fn write_json_styled(
    out: &mut impl Write,
    a: &Analysis,
    src: &SourceInfo<'_>,
    extra: &[(&str, Json)],
    style: JsonStyle,
) -> io::Result<()> {
    match style {
        JsonStyle::Pretty => json_document(
            &mut serde_json::Serializer::pretty(&mut *out),
            a,
            src,
            extra,
        )?,
        JsonStyle::Compact => compact::document(out, a, src, extra)?,
    }
    out.write_all(b"\n")
}

mod compact;

fn json_document<W: Write, F: serde_json::ser::Formatter>(
    ser: &mut serde_json::Serializer<W, F>,
    a: &Analysis,
    src: &SourceInfo<'_>,
    extra: &[(&str, Json)],
) -> io::Result<()> {
    let mut m = ser.serialize_map(None)?;
    m.serialize_entry("source", src.name)?;
    m.serialize_entry("frames", &src.summary.frames)?;
    m.serialize_entry("dhcp_packets", &src.summary.dhcp_packets)?;
    m.serialize_entry(
        "read_error",
        &src.summary.error.as_ref().map(ToString::to_string),
    )?;
    m.serialize_entry("expectations", &expectations_json(a))?;
    let cache = RefCell::new((Rfc3339Cache::default(), String::new()));
    m.serialize_entry(
        "clients",
        &Seq(|| a.clients.iter().map(|c| ClientOut(c, &cache))),
    )?;
    m.serialize_entry("servers", &Seq(|| a.servers.iter().map(server_json)))?;
    m.serialize_entry("findings", &a.findings)?;
    for (key, value) in extra {
        m.serialize_entry(key, value)?;
    }
    SerializeMap::end(m)?;
    Ok(())
}

fn expectations_json(a: &Analysis) -> Json {
    json!({
        "servers": a.expectations.servers.iter().map(|s| match s {
            crate::analysis::config::ServerRef::Ip(ip) => ip.to_string(),
            crate::analysis::config::ServerRef::Mac(m) => colon_hex(m),
        }).collect::<Vec<_>>(),
        "subnets": a.expectations.subnets.iter().map(ToString::to_string).collect::<Vec<_>>(),
        "slow_reply_ms": a.expectations.slow_reply_ms,
    })
}

/// `0x` and eight lowercase hex digits.
fn push_xid(s: &mut String, xid: u32) {
    s.push_str("0x");
    push_hex(s, &xid.to_be_bytes());
}

fn fmt_ms(v: f64) -> String {
    let mut s = String::new();
    push_ms(&mut s, v);
    s
}

fn push_ms(s: &mut String, v: f64) {
    let _ = if v < 10.0 {
        write!(s, "{v:.1} ms")
    } else {
        write!(s, "{v:.0} ms")
    };
}

/// `text` then spaces up to `width` characters (as `{:<width$}` pads).
fn push_padded(s: &mut String, text: &str, width: usize) {
    s.push_str(text);
    for _ in text.chars().count()..width {
        s.push(' ');
    }
}

/// One line per exchange, as the text report and the TUI list show it.
pub fn exchange_line(e: &Exchange) -> String {
    let mut s = String::new();
    push_exchange_line(&mut s, e);
    s
}

fn push_exchange_line(s: &mut String, e: &Exchange) {
    push_padded(s, e.kind.name(), 11);
    s.push(' ');
    push_padded(s, e.outcome.name(), 10);
    if let Some(a) = e.address {
        s.push(' ');
        push_ip(s, a);
    }
    if let Some(id) = e.server_id {
        s.push_str(" from ");
        push_ip(s, id);
    }
    if let Some(l) = e.lease_time {
        s.push_str(" lease ");
        push_num(s, l);
        s.push('s');
    }
    for (i, o) in e.offers.iter().enumerate() {
        s.push_str(if i == 0 { "  offers: " } else { ", " });
        push_ip(s, o.server_id);
        if let Some(l) = o.latency_ms {
            s.push(' ');
            push_ms(s, l);
        }
    }
    if e.retransmissions > 0 {
        s.push_str("  retransmissions: ");
        push_num(s, e.retransmissions);
    }
    let (a, b) = (e.first_frame(), e.last_frame());
    if a == b {
        s.push_str("  (frame ");
        push_num(s, a);
    } else {
        s.push_str("  (frames ");
        push_num(s, a);
        s.push('-');
        push_num(s, b);
    }
    s.push(')');
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
    let (mut mac, mut line) = (String::new(), String::with_capacity(256));
    for c in &a.clients {
        mac.clear();
        push_colon_hex(&mut mac, &c.chaddr);
        line.clear();
        line.push_str(&mac);
        if let Some(h) = &c.hostname {
            line.push_str("  ");
            line.push_str(h);
        }
        if !c.other_chaddrs.is_empty() {
            line.push_str("  (same client-id also as ");
            for (i, m) in c.other_chaddrs.iter().enumerate() {
                if i > 0 {
                    line.push_str(", ");
                }
                push_colon_hex(&mut line, m);
            }
            line.push(')');
        }
        if c.exchanges_dropped > 0 {
            let _ = write!(line, "  ({} older exchanges not kept)", c.exchanges_dropped);
        }
        line.push('\n');
        for e in &c.exchanges {
            line.push_str("  ");
            line.push_str(&mac);
            line.push_str("  ");
            push_exchange_line(&mut line, e);
            line.push('\n');
        }
        out.write_all(line.as_bytes())?;
    }
    Ok(())
}

/// One CSV cell: quoted when needed, and never starting like a spreadsheet formula.
#[cfg(test)]
fn cell(s: &str) -> String {
    let mut out = String::new();
    push_cell(&mut out, s);
    out
}

fn push_cell(out: &mut String, s: &str) {
    let guard = s.starts_with(['=', '+', '-', '@', '\t', '\r']);
    if s.contains([',', '"', '\n', '\r']) {
        out.push('"');
        if guard {
            out.push('\'');
        }
        for ch in s.chars() {
            if ch == '"' {
                out.push('"');
            }
            out.push(ch);
        }
        out.push('"');
    } else {
        if guard {
            out.push('\'');
        }
        out.push_str(s);
    }
}

pub const CSV_HEADER: &str = "client_mac,client_id,hostname,kind,xid,start,end,outcome,server_id,address,lease_time,t1,t2,retransmissions,offers,first_frame,last_frame";

pub fn write_csv(out: &mut impl Write, a: &Analysis) -> io::Result<()> {
    writeln!(out, "{CSV_HEADER}")?;
    let mut times = Rfc3339Cache::default();
    let (mut client, mut line, mut offers) = (String::new(), String::new(), String::new());
    for c in &a.clients {
        // The three client columns, once per client.
        client.clear();
        push_colon_hex(&mut client, &c.chaddr);
        client.push(',');
        if let Some(id) = &c.client_id {
            push_hex(&mut client, id);
        }
        client.push(',');
        push_cell(&mut client, c.hostname.as_deref().unwrap_or(""));
        line.clear();
        for e in &c.exchanges {
            let digits = e.messages.first().map_or(6, |m| m.ts_digits);
            let opt = |s: &mut String, v: Option<u32>| {
                s.push(',');
                if let Some(v) = v {
                    push_num(s, v);
                }
            };
            let ip = |s: &mut String, v: Option<Ipv4Addr>| {
                s.push(',');
                if let Some(v) = v {
                    push_ip(s, v);
                }
            };
            line.push_str(&client);
            line.push(',');
            line.push_str(e.kind.name());
            line.push(',');
            push_xid(&mut line, e.xid);
            line.push(',');
            times.push(&mut line, e.start, digits);
            line.push(',');
            times.push(&mut line, e.end, digits);
            line.push(',');
            line.push_str(e.outcome.name());
            ip(&mut line, e.server_id);
            ip(&mut line, e.address);
            opt(&mut line, e.lease_time);
            opt(&mut line, e.t1);
            opt(&mut line, e.t2);
            line.push(',');
            push_num(&mut line, e.retransmissions);
            offers.clear();
            for (i, o) in e.offers.iter().enumerate() {
                if i > 0 {
                    offers.push(';');
                }
                push_ip(&mut offers, o.server_id);
                offers.push('=');
                push_ip(&mut offers, o.yiaddr);
                offers.push('@');
                if let Some(l) = o.latency_ms {
                    let _ = write!(offers, "{l:.3}ms");
                }
            }
            line.push(',');
            push_cell(&mut line, &offers);
            line.push(',');
            push_num(&mut line, e.first_frame());
            line.push(',');
            push_num(&mut line, e.last_frame());
            line.push('\n');
        }
        out.write_all(line.as_bytes())?;
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

    proptest::proptest! {
        #[test]
        fn cached_rfc3339_equals_the_timestamp_formatter(
            secs in proptest::prop_oneof![
                -100_000_000_000i64..100_000_000_000,
                1_700_000_000i64..1_700_100_000,
                proptest::num::i64::ANY,
            ],
            nanos in 0u32..1_000_000_000,
            digits in 0u8..12,
            step in 0i64..200,
        ) {
            let mut cache = text::Rfc3339Cache::default();
            for secs in [secs, secs.saturating_add(step), secs.saturating_sub(step), secs] {
                let ts = crate::time::Timestamp::new(secs, nanos);
                let mut s = String::new();
                cache.push(&mut s, ts, digits);
                proptest::prop_assert_eq!(s, ts.rfc3339(digits).to_string());
            }
        }

        #[test]
        fn small_formatters_equal_display(ip in proptest::num::u32::ANY, bytes in proptest::collection::vec(proptest::num::u8::ANY, 0..20)) {
            let ip = Ipv4Addr::from(ip);
            let mut s = String::new();
            text::push_ip(&mut s, ip);
            proptest::prop_assert_eq!(&s, &ip.to_string());
            s.clear();
            text::push_colon_hex(&mut s, &bytes);
            proptest::prop_assert_eq!(&s, &colon_hex(&bytes));
            s.clear();
            text::push_hex(&mut s, &bytes);
            proptest::prop_assert_eq!(&s, &crate::dhcp::options::hex(&bytes));
        }
    }

    /// The hand-written compact document equals serde_json's compact rendering of the
    /// streamed document, byte for byte: on generated traffic and on every capture of ours
    /// (hostile hostnames, relays, truncation).
    #[test]
    fn compact_json_is_what_serde_json_writes() {
        let mut pcap = Vec::new();
        crate::synth::write_capture(&mut pcap, 300, 3).unwrap();
        let mut inputs: Vec<(String, Vec<u8>)> = vec![("synthetic".into(), pcap)];
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/captures");
        for entry in std::fs::read_dir(dir).unwrap().flatten() {
            let path = entry.path();
            if path
                .extension()
                .is_some_and(|e| e == "pcap" || e == "pcapng")
            {
                inputs.push((path.display().to_string(), std::fs::read(&path).unwrap()));
            }
        }
        assert!(inputs.len() > 10, "captures not found in {dir}");
        for (name, bytes) in inputs {
            let Ok(mut source) = FileSource::from_reader(&name, std::io::Cursor::new(bytes)) else {
                continue;
            };
            let (a, summary) = Analysis::run(&mut source, Expectations::default());
            let info = SourceInfo {
                name: &name,
                summary: &summary,
            };
            let extra = [("capture", serde_json::json!({"received": 3}))];
            let mut ours = Vec::new();
            write_json_styled(&mut ours, &a, &info, &extra, JsonStyle::Compact).unwrap();
            let mut serde = Vec::new();
            json_document(
                &mut serde_json::Serializer::new(&mut serde),
                &a,
                &info,
                &extra,
            )
            .unwrap();
            serde.push(b'\n');
            assert_eq!(
                String::from_utf8_lossy(&ours),
                String::from_utf8_lossy(&serde),
                "{name}"
            );
        }
    }

    #[test]
    fn csv_cells_are_quoted_and_formula_safe() {
        assert_eq!(cell("plain"), "plain");
        assert_eq!(cell("a,b"), "\"a,b\"");
        assert_eq!(cell("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(cell("=HYPERLINK(1)"), "'=HYPERLINK(1)");
        assert_eq!(cell("=a,b"), "\"'=a,b\"");
        assert_eq!(cell("-\"x\""), "\"'-\"\"x\"\"\"");
    }
}
