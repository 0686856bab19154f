//! `dhcpscope decode`: one block (text) or one JSON object (jsonl) per DHCP packet.
//!
//! Both formats render the same [`Dissection`]; they differ only in words and punctuation.
//! Everything is formatted by hand into one reused `String` and written once per packet: no
//! allocation per packet, no serde in the hot path.

use crate::dhcp::options::{push_colon_hex, push_hex, push_ip, push_u64};
use crate::dhcp::{Area, MAGIC_COOKIE, options};
use crate::dissect::{Dissection, Dissector};
use crate::dissect::{FieldValue, HeaderText, WarningSource};
use crate::escape::{Escaping, JsonStr, push_escaped, push_json_escaped};
use crate::frame::Vlans;
use crate::mac::MacAddr;
use crate::pipeline::Packet;
use crate::time::Timestamp;
use std::cell::RefCell;
use std::fmt::Write as _;
use std::io::{self, Write};

/// Writes packets in either format, reusing its buffers from packet to packet.
#[derive(Debug, Default)]
pub struct DecodeWriter {
    dissector: Dissector,
    buf: String,
    ts: TsCache,
}

/// The RFC 3339 text of the last second seen: packets come many to a second, and calendar
/// arithmetic per packet would cost more than the rest of the line.
#[derive(Debug, Default)]
struct TsCache {
    secs: Option<i64>,
    /// `YYYY-MM-DDTHH:MM:SS`, as [`crate::time::Rfc3339`] writes it, without the `Z`.
    text: String,
}

impl TsCache {
    fn push(&mut self, out: &mut String, ts: Timestamp, digits: u8) {
        if !ts.is_known() {
            // A record without a time (pcapng Simple Packet Block), as `Rfc3339` says it.
            out.push_str("unknown");
            return;
        }
        if self.secs != Some(ts.secs) {
            self.text.clear();
            let _ = write!(self.text, "{}", ts.rfc3339(0));
            self.text.pop();
            self.secs = Some(ts.secs);
        }
        out.push_str(&self.text);
        let digits = digits.min(9);
        if digits > 0 {
            out.push('.');
            let scaled = ts.nanos / 10u32.pow(9 - u32::from(digits));
            let mut buf = [b'0'; 9];
            let mut n = scaled;
            for slot in buf[..usize::from(digits)].iter_mut().rev() {
                *slot = b'0' + (n % 10) as u8;
                n /= 10;
            }
            for &b in &buf[..usize::from(digits)] {
                out.push(char::from(b));
            }
        }
        out.push('Z');
    }
}

impl DecodeWriter {
    pub fn new() -> Self {
        DecodeWriter {
            dissector: Dissector::new(),
            buf: String::with_capacity(4096),
            ts: TsCache::default(),
        }
    }

    /// Writes one text block, in the spirit of `tshark -V` restricted to DHCP.
    pub fn write_text(&mut self, out: &mut impl Write, p: &Packet<'_>) -> io::Result<()> {
        self.buf.clear();
        let d = self.dissector.dissect(p);
        push_text(&mut self.buf, &mut self.ts, &d);
        out.write_all(self.buf.as_bytes())
    }

    /// Writes one JSON line.
    pub fn write_jsonl(&mut self, out: &mut impl Write, p: &Packet<'_>) -> io::Result<()> {
        self.buf.clear();
        let d = self.dissector.dissect(p);
        push_json(&mut self.buf, &mut self.ts, &d);
        self.buf.push('\n');
        out.write_all(self.buf.as_bytes())
    }
}

thread_local! {
    static WRITER: RefCell<DecodeWriter> = RefCell::new(DecodeWriter::new());
}

/// Writes one text block with this thread's [`DecodeWriter`].
pub fn write_text(out: &mut impl Write, p: &Packet<'_>) -> io::Result<()> {
    WRITER.with_borrow_mut(|w| w.write_text(out, p))
}

/// Writes one JSON line with this thread's [`DecodeWriter`].
pub fn write_jsonl(out: &mut impl Write, p: &Packet<'_>) -> io::Result<()> {
    WRITER.with_borrow_mut(|w| w.write_jsonl(out, p))
}

/// The JSON object for one packet (the `jsonl` line), parsed: for tests and tools.
pub fn packet_json(p: &Packet<'_>) -> serde_json::Value {
    let mut out = Vec::new();
    match write_jsonl(&mut out, p) {
        Ok(()) => serde_json::from_slice(&out).unwrap_or(serde_json::Value::Null),
        Err(_) => serde_json::Value::Null,
    }
}

fn push_mac_or(out: &mut String, mac: Option<MacAddr>, none: &str) {
    match mac {
        Some(m) => m.push_to(out),
        None => out.push_str(none),
    }
}

fn push_vlans(out: &mut String, vlans: &Vlans) {
    out.push('[');
    for (i, v) in vlans.as_slice().iter().enumerate() {
        if i > 0 {
            out.push_str(", ");
        }
        push_u64(out, u64::from(*v));
    }
    out.push(']');
}

fn push_hex_n(out: &mut String, v: u64, digits: usize) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    out.push_str("0x");
    for i in (0..digits).rev() {
        out.push(char::from(HEX[((v >> (i * 4)) & 0xf) as usize]));
    }
}

fn op_name(op: u8) -> &'static str {
    match op {
        1 => "Boot Request",
        2 => "Boot Reply",
        _ => "Unknown",
    }
}

/// The text block of one packet.
fn push_text(out: &mut String, ts_cache: &mut TsCache, d: &Dissection<'_>) {
    let m = d.msg;
    for f in d.fields {
        match (f.name, f.value) {
            ("frame", FieldValue::Number(n)) => {
                out.push_str("Frame ");
                push_u64(out, n);
                out.push_str(": ");
            }
            (_, FieldValue::Timestamp { ts, digits }) => {
                ts_cache.push(out, ts, digits);
                out.push_str("  ");
            }
            ("src_mac", FieldValue::Mac(mac)) => {
                push_mac_or(out, mac, "-");
                out.push_str(" -> ");
            }
            ("dst_mac", FieldValue::Mac(mac)) => push_mac_or(out, mac, "-"),
            ("vlan", FieldValue::Vlans(v)) => {
                if !v.as_slice().is_empty() {
                    out.push_str("  vlan ");
                    push_vlans(out, &v);
                }
                out.push_str("\n  ");
            }
            ("src_ip" | "dst_ip", FieldValue::Ip(ip)) => {
                push_ip(out, ip);
                out.push(':');
            }
            ("src_port", FieldValue::Number(n)) => {
                push_u64(out, n);
                out.push_str(" -> ");
            }
            ("dst_port", FieldValue::Number(n)) => push_u64(out, n),
            ("udp_payload", FieldValue::Number(n)) => {
                out.push_str("  (");
                push_u64(out, n);
                out.push_str(" bytes, ");
            }
            (_, FieldValue::Checksum(c)) => {
                let _ = writeln!(out, "UDP checksum {c:?})");
            }
            (_, FieldValue::MessageKind(kind)) => {
                out.push_str("Dynamic Host Configuration Protocol (");
                match kind {
                    Some(t) => {
                        let _ = write!(out, "{t}");
                    }
                    None => out.push_str("BOOTP"),
                }
                out.push_str(")\n");
            }
            ("chaddr", _) => {
                out.push_str("    Client hardware address: ");
                push_colon_hex(out, m.chaddr());
                out.push('\n');
            }
            ("sname" | "file", v) => {
                out.push_str("    ");
                out.push_str(f.label);
                match v {
                    FieldValue::HeaderText(HeaderText::Overloaded) => {
                        out.push_str(": (overloaded with options)");
                    }
                    FieldValue::HeaderText(t @ HeaderText::Text { .. }) => {
                        out.push_str(": ");
                        push_escaped(out, d.header_text(t));
                    }
                    _ => out.push_str(" not given"),
                }
                out.push('\n');
            }
            (_, FieldValue::Cookie(c)) => {
                if c == MAGIC_COOKIE {
                    out.push_str("    Magic cookie: DHCP\n");
                } else {
                    out.push_str("    Magic cookie: ");
                    push_hex(out, &c);
                    out.push_str(" (not DHCP)\n");
                }
            }
            (
                _,
                FieldValue::Option {
                    code,
                    len,
                    offset,
                    area,
                    continues,
                    ..
                },
            ) => {
                out.push_str("    Option: (");
                push_u64(out, u64::from(code));
                out.push_str(") ");
                out.push_str(f.label);
                out.push_str(" (len ");
                push_u64(out, u64::from(len));
                out.push_str(", offset ");
                push_u64(out, offset as u64);
                if area != Area::Options {
                    out.push_str(", in ");
                    out.push_str(area.name());
                }
                match (continues, d.option_value(f)) {
                    (None, Some(v)) => {
                        let _ = writeln!(out, "): {v}");
                    }
                    _ => out.push_str("): continued (RFC 3396)\n"),
                }
            }
            (_, v) if f.depth == 1 && f.range.is_some() || v == FieldValue::NotCaptured => {
                push_header_text(out, f.label, v)
            }
            _ => {}
        }
    }
    for w in d.warnings {
        out.push_str("    Warning: ");
        match w.source {
            WarningSource::Frame(i) => {
                let _ = write!(Escaping(out), "{}", d.frame_warnings[i]);
            }
            WarningSource::Dhcp(i) => {
                let _ = write!(out, "{}", m.warnings[i]);
            }
        }
        out.push('\n');
    }
    out.push('\n');
}

/// A fixed-header field as a text line.
fn push_header_text(out: &mut String, label: &str, v: FieldValue) {
    out.push_str("    ");
    out.push_str(label);
    out.push_str(": ");
    match v {
        FieldValue::NotCaptured => out.push_str("(not captured)"),
        FieldValue::Op(op) => {
            out.push_str(op_name(op));
            out.push_str(" (");
            push_u64(out, u64::from(op));
            out.push(')');
        }
        FieldValue::Htype(h) => push_hex_n(out, u64::from(h), 2),
        FieldValue::Number(n) => push_u64(out, n),
        FieldValue::Xid(x) => push_hex_n(out, u64::from(x), 8),
        FieldValue::Flags(flags) => {
            push_hex_n(out, u64::from(flags), 4);
            out.push_str(if flags & 0x8000 != 0 {
                " (Broadcast)"
            } else {
                " (Unicast)"
            });
        }
        FieldValue::Ip(ip) => push_ip(out, ip),
        _ => {}
    }
    out.push('\n');
}

fn key(out: &mut String, k: &str) {
    out.push('"');
    out.push_str(k);
    out.push_str("\":");
}

fn json_ip(out: &mut String, ip: std::net::Ipv4Addr) {
    out.push('"');
    push_ip(out, ip);
    out.push('"');
}

/// The JSON object of one packet, compact, keys in a fixed order.
fn push_json(out: &mut String, ts_cache: &mut TsCache, d: &Dissection<'_>) {
    let m = d.msg;
    use crate::dissect::frame_field as ff;
    out.push('{');
    // The frame layer, in the order the format has always had.
    for (i, (name, index)) in [
        ("frame", ff::NUMBER),
        ("ts", ff::TS),
        ("src_mac", ff::SRC_MAC),
        ("dst_mac", ff::DST_MAC),
        ("vlan", ff::VLAN),
        ("src_ip", ff::SRC_IP),
        ("dst_ip", ff::DST_IP),
        ("src_port", ff::SRC_PORT),
        ("dst_port", ff::DST_PORT),
    ]
    .into_iter()
    .enumerate()
    {
        if i > 0 {
            out.push(',');
        }
        key(out, name);
        match d.frame_value(index) {
            FieldValue::Number(n) => push_u64(out, n),
            FieldValue::Timestamp { ts, digits } => {
                out.push('"');
                ts_cache.push(out, ts, digits);
                out.push('"');
            }
            FieldValue::Mac(Some(mac)) => {
                out.push('"');
                mac.push_to(out);
                out.push('"');
            }
            FieldValue::Vlans(v) => {
                out.push('[');
                for (i, id) in v.as_slice().iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    push_u64(out, u64::from(*id));
                }
                out.push(']');
            }
            FieldValue::Ip(ip) => json_ip(out, ip),
            _ => out.push_str("null"),
        }
    }
    out.push_str(",\"dhcp\":{");
    let mut first = true;
    let mut sep = |out: &mut String| {
        if !first {
            out.push(',');
        }
        first = false;
    };
    let header = d.fields.get(ff::COUNT + 1..).unwrap_or_default();
    for f in header.iter().take_while(|f| f.depth > 0) {
        if f.name == "cookie" {
            continue;
        }
        sep(out);
        key(out, f.name);
        match f.value {
            FieldValue::Op(n) | FieldValue::Htype(n) => push_u64(out, u64::from(n)),
            FieldValue::Number(n) => push_u64(out, n),
            FieldValue::Xid(x) => {
                out.push('"');
                push_hex_n(out, u64::from(x), 8);
                out.push('"');
            }
            FieldValue::Flags(flags) => {
                push_u64(out, u64::from(flags));
                out.push_str(",\"broadcast\":");
                out.push_str(if flags & 0x8000 != 0 { "true" } else { "false" });
            }
            FieldValue::Ip(ip) => json_ip(out, ip),
            FieldValue::HwAddr | FieldValue::NotCaptured
                if f.name == "chaddr" && !m.chaddr().is_empty() =>
            {
                out.push('"');
                push_colon_hex(out, m.chaddr());
                out.push('"');
            }
            FieldValue::HeaderText(t @ HeaderText::Text { .. }) => {
                push_json_escaped(out, d.header_text(t));
            }
            FieldValue::NotCaptured if f.name == "flags" => {
                out.push_str("null,\"broadcast\":null");
            }
            _ => out.push_str("null"),
        }
    }
    let opt_ip = |out: &mut String, ip: Option<std::net::Ipv4Addr>| match ip {
        Some(ip) => json_ip(out, ip),
        None => out.push_str("null"),
    };
    sep(out);
    key(out, "msg_type");
    match m.message_type() {
        Some(t) => {
            out.push('"');
            match t.name() {
                Some(name) => out.push_str(name),
                None => {
                    let _ = write!(out, "{t}");
                }
            }
            out.push('"');
        }
        None => out.push_str("null"),
    }
    sep(out);
    key(out, "server_id");
    opt_ip(out, m.server_id());
    sep(out);
    key(out, "requested_ip");
    opt_ip(out, m.requested_ip());
    sep(out);
    key(out, "lease_time");
    match m.lease_time() {
        Some(t) => push_u64(out, u64::from(t)),
        None => out.push_str("null"),
    }
    sep(out);
    key(out, "hostname");
    match d.option_data(options::HOSTNAME) {
        Some(h) => push_json_escaped(out, h),
        None => out.push_str("null"),
    }
    sep(out);
    key(out, "client_id");
    match d.option_data(options::CLIENT_ID) {
        Some(c) => {
            out.push('"');
            push_colon_hex(out, c);
            out.push('"');
        }
        None => out.push_str("null"),
    }
    sep(out);
    key(out, "options");
    out.push('[');
    let mut first_option = true;
    for f in d.option_fields() {
        let &FieldValue::Option {
            code,
            len,
            offset,
            area,
            continues,
            ..
        } = &f.value
        else {
            continue;
        };
        if !first_option {
            out.push(',');
        }
        first_option = false;
        out.push_str("{\"code\":");
        push_u64(out, u64::from(code));
        // Option names are our own plain ASCII (a test checks): no escaping needed.
        out.push_str(",\"name\":\"");
        out.push_str(f.label);
        out.push('"');
        out.push_str(",\"len\":");
        push_u64(out, u64::from(len));
        out.push_str(",\"offset\":");
        push_u64(out, offset as u64);
        if area != Area::Options {
            out.push_str(",\"area\":\"");
            out.push_str(area.name());
            out.push('"');
        }
        out.push_str(",\"value\":");
        match d.option_value(f) {
            Some(v) => v.write_json(out),
            None => out.push_str("null"),
        }
        if let Some(first) = continues {
            out.push_str(",\"continues\":");
            push_u64(out, first as u64);
        }
        out.push('}');
    }
    out.push_str("]},\"warnings\":[");
    for (i, w) in d.warnings.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        match w.source {
            WarningSource::Frame(i) => {
                out.push('"');
                let _ = write!(JsonStr(out), "{}", d.frame_warnings[i]);
                out.push('"');
            }
            WarningSource::Dhcp(i) => {
                out.push('"');
                let _ = write!(JsonStr(out), "{}", m.warnings[i]);
                out.push('"');
            }
        }
    }
    out.push_str("]}");
}
