//! The compact JSON document, written by hand for the clients (millions of messages) and
//! through serde_json for the rest: byte for byte what `serde_json::Serializer::new` writes
//! for the same document (a test holds them equal), without escaping every key and value.

use super::text::{Rfc3339Cache, push_colon_hex, push_ip, push_num};
use super::{Json, Seq, SourceInfo, ms, push_xid, server_json};
use crate::analysis::{Analysis, Client, Exchange, MessageRecord, Offer};
use std::io::{self, Write};
use std::net::Ipv4Addr;

pub(super) fn document(
    out: &mut impl Write,
    a: &Analysis,
    src: &SourceInfo<'_>,
    extra: &[(&str, Json)],
) -> io::Result<()> {
    let field = |out: &mut dyn Write, key: &str, first: bool| -> io::Result<()> {
        out.write_all(if first { b"{" } else { b"," })?;
        serde_json::to_writer(&mut *out, key)?;
        out.write_all(b":")
    };
    field(out, "source", true)?;
    serde_json::to_writer(&mut *out, src.name)?;
    field(out, "frames", false)?;
    serde_json::to_writer(&mut *out, &src.summary.frames)?;
    field(out, "dhcp_packets", false)?;
    serde_json::to_writer(&mut *out, &src.summary.dhcp_packets)?;
    field(out, "read_error", false)?;
    serde_json::to_writer(
        &mut *out,
        &src.summary.error.as_ref().map(ToString::to_string),
    )?;
    field(out, "expectations", false)?;
    serde_json::to_writer(&mut *out, &super::expectations_json(a))?;
    field(out, "clients", false)?;
    out.write_all(b"[")?;
    let mut w = Writer::default();
    for (i, c) in a.clients.iter().enumerate() {
        w.line.clear();
        if i > 0 {
            w.line.push(',');
        }
        w.client(c);
        out.write_all(w.line.as_bytes())?;
    }
    out.write_all(b"]")?;
    field(out, "servers", false)?;
    serde_json::to_writer(&mut *out, &Seq(|| a.servers.iter().map(server_json)))?;
    field(out, "findings", false)?;
    serde_json::to_writer(&mut *out, &a.findings)?;
    for (key, value) in extra {
        field(out, key, false)?;
        serde_json::to_writer(&mut *out, value)?;
    }
    out.write_all(b"}")
}

/// Builds one client's JSON in a reused line.
#[derive(Default)]
struct Writer {
    line: String,
    times: Rfc3339Cache,
    number: Vec<u8>,
}

impl Writer {
    /// `{"key":` for the first field of an object, `,"key":` for the others. Keys are ours
    /// and need no escaping.
    fn key(&mut self, key: &str, first: bool) {
        self.line.push(if first { '{' } else { ',' });
        self.line.push('"');
        self.line.push_str(key);
        self.line.push_str("\":");
    }

    /// A string, escaped as serde_json escapes it.
    fn string(&mut self, v: &str) {
        const HEX: &[u8; 16] = b"0123456789abcdef";
        let s = &mut self.line;
        s.push('"');
        for ch in v.chars() {
            match ch {
                '"' => s.push_str("\\\""),
                '\\' => s.push_str("\\\\"),
                '\u{8}' => s.push_str("\\b"),
                '\u{c}' => s.push_str("\\f"),
                '\n' => s.push_str("\\n"),
                '\r' => s.push_str("\\r"),
                '\t' => s.push_str("\\t"),
                c if (c as u32) < 0x20 => {
                    let b = c as u8;
                    s.push_str("\\u00");
                    s.push(char::from(HEX[usize::from(b >> 4)]));
                    s.push(char::from(HEX[usize::from(b & 0xf)]));
                }
                c => s.push(c),
            }
        }
        s.push('"');
    }

    fn opt_string(&mut self, v: Option<&str>) {
        match v {
            Some(v) => self.string(v),
            None => self.line.push_str("null"),
        }
    }

    /// Text that needs no escaping (addresses, MACs, hex) in quotes.
    fn quoted(&mut self, f: impl FnOnce(&mut String)) {
        self.line.push('"');
        f(&mut self.line);
        self.line.push('"');
    }

    fn ip(&mut self, v: Ipv4Addr) {
        self.quoted(|s| push_ip(s, v));
    }

    fn opt_ip(&mut self, v: Option<Ipv4Addr>) {
        match v {
            Some(v) => self.ip(v),
            None => self.line.push_str("null"),
        }
    }

    fn opt_mac(&mut self, v: Option<&[u8]>) {
        match v {
            Some(m) => self.quoted(|s| push_colon_hex(s, m)),
            None => self.line.push_str("null"),
        }
    }

    fn opt_num(&mut self, v: Option<u32>) {
        match v {
            Some(v) => push_num(&mut self.line, v),
            None => self.line.push_str("null"),
        }
    }

    /// A float as serde_json writes it (null when not finite).
    fn float(&mut self, v: Option<f64>) {
        match v {
            Some(v) if v.is_finite() => {
                self.number.clear();
                let _ = serde_json::to_writer(&mut self.number, &v);
                let text = std::str::from_utf8(&self.number).unwrap_or("null");
                self.line.push_str(text);
            }
            _ => self.line.push_str("null"),
        }
    }

    fn time(&mut self, ts: crate::time::Timestamp, digits: u8) {
        self.line.push('"');
        self.times.push(&mut self.line, ts, digits);
        self.line.push('"');
    }

    fn client(&mut self, c: &Client) {
        self.key("mac", true);
        self.quoted(|s| push_colon_hex(s, &c.chaddr));
        self.key("other_macs", false);
        self.line.push('[');
        for (i, m) in c.other_chaddrs.iter().enumerate() {
            if i > 0 {
                self.line.push(',');
            }
            self.quoted(|s| push_colon_hex(s, m));
        }
        self.line.push(']');
        self.key("client_id", false);
        self.opt_mac(c.client_id.as_deref());
        self.key("hostname", false);
        self.opt_string(c.hostname.as_deref());
        self.key("vendor_class", false);
        self.opt_string(c.vendor_class.as_deref());
        self.key("address", false);
        self.opt_ip(c.last_address());
        self.key("exchanges", false);
        self.line.push('[');
        for (i, e) in c.exchanges.iter().enumerate() {
            if i > 0 {
                self.line.push(',');
            }
            self.exchange(e);
        }
        self.line.push(']');
        self.key("exchanges_dropped", false);
        push_num(&mut self.line, c.exchanges_dropped);
        self.line.push('}');
    }

    fn exchange(&mut self, e: &Exchange) {
        let digits = e.messages.first().map_or(6, |m| m.ts_digits);
        self.key("kind", true);
        self.string(e.kind.name());
        self.key("xid", false);
        self.quoted(|s| push_xid(s, e.xid));
        self.key("start", false);
        self.time(e.start, digits);
        self.key("end", false);
        self.time(e.end, digits);
        self.key("outcome", false);
        self.string(e.outcome.name());
        self.key("server_id", false);
        self.opt_ip(e.server_id);
        self.key("address", false);
        self.opt_ip(e.address);
        self.key("lease_time", false);
        self.opt_num(e.lease_time);
        self.key("t1", false);
        self.opt_num(e.t1);
        self.key("t2", false);
        self.opt_num(e.t2);
        self.key("retransmissions", false);
        push_num(&mut self.line, e.retransmissions);
        self.key("messages", false);
        self.line.push('[');
        for (i, m) in e.messages.iter().enumerate() {
            if i > 0 {
                self.line.push(',');
            }
            self.message(m);
        }
        self.line.push(']');
        self.key("messages_dropped", false);
        push_num(&mut self.line, e.messages_dropped);
        self.key("offers", false);
        self.line.push('[');
        for (i, o) in e.offers.iter().enumerate() {
            if i > 0 {
                self.line.push(',');
            }
            self.offer(o);
        }
        self.line.push_str("]}");
    }

    fn message(&mut self, m: &MessageRecord) {
        self.key("frame", true);
        push_num(&mut self.line, m.frame);
        self.key("ts", false);
        self.time(m.ts, m.ts_digits);
        self.key("msg_type", false);
        self.string(&m.type_name());
        self.key("src_mac", false);
        self.opt_mac(m.src_mac().as_ref().map(|m| &m[..]));
        self.key("src_ip", false);
        self.ip(m.src_ip);
        self.key("dst_ip", false);
        self.ip(m.dst_ip);
        self.key("server_id", false);
        self.opt_ip(m.server_id);
        self.key("yiaddr", false);
        self.opt_ip(Some(m.yiaddr).filter(|a| !a.is_unspecified()));
        self.key("retransmissions", false);
        push_num(&mut self.line, m.retransmissions);
        self.key("last_frame", false);
        push_num(&mut self.line, m.last_frame);
        self.key("latency_ms", false);
        self.float(ms(m.latency_ms()));
        self.line.push('}');
    }

    fn offer(&mut self, o: &Offer) {
        self.key("server_id", true);
        self.ip(o.server_id);
        self.key("server_mac", false);
        self.opt_mac(o.server_mac.as_ref().map(|m| &m[..]));
        self.key("yiaddr", false);
        self.ip(o.yiaddr);
        self.key("latency_ms", false);
        self.float(ms(o.latency_ms));
        self.key("latency_first_ms", false);
        self.float(ms(o.latency_first_ms));
        self.key("frame", false);
        push_num(&mut self.line, o.frame);
        self.line.push('}');
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn strings_are_escaped_as_serde_json_escapes_them() {
        let mut all: String = (0u8..0x80).map(char::from).collect();
        all.push_str("é€😀\u{7f}\u{2028}");
        for s in [all.as_str(), "", "plain", "a\"b\\c"] {
            let mut w = super::Writer::default();
            w.string(s);
            assert_eq!(w.line, serde_json::to_string(s).unwrap());
        }
    }
}
