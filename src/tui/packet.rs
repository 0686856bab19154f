//! The packet detail: one DHCP packet as a tree of named fields with their byte ranges, built
//! from the frame bytes read again from the file. Every string from the wire is escaped.

use super::reader::FrameRef;
use crate::dhcp::options::{self, Value, colon_hex, hex};
use crate::dhcp::{Area, MAGIC_COOKIE, Message, field};
use crate::escape::escape_bytes;
use crate::frame::{Decoded, FrameDecoder};
use crate::source::RawFrame;
use crate::time::Timestamp;
use std::fmt::Write as _;
use std::ops::Range;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LineKind {
    Section,
    Field,
    Warning,
}

/// One line of the tree.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DetailLine {
    pub kind: LineKind,
    pub depth: u8,
    pub label: String,
    pub value: String,
    /// Bytes of the DHCP message this line describes.
    pub range: Option<Range<usize>>,
}

/// A decoded packet ready for display.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PacketView {
    pub frame: u64,
    pub lines: Vec<DetailLine>,
    /// The DHCP message (UDP payload) as captured, for the hex dump.
    pub bytes: Vec<u8>,
}

fn line(
    kind: LineKind,
    depth: u8,
    label: impl Into<String>,
    value: impl Into<String>,
) -> DetailLine {
    DetailLine {
        kind,
        depth,
        label: label.into(),
        value: value.into(),
        range: None,
    }
}

fn field_line(
    label: &str,
    value: impl Into<String>,
    range: Range<usize>,
    m: &Message<'_>,
) -> DetailLine {
    let captured = m.has(range.clone());
    DetailLine {
        kind: LineKind::Field,
        depth: 1,
        label: label.to_owned(),
        value: if captured {
            value.into()
        } else {
            "(not captured)".to_owned()
        },
        range: captured.then_some(range),
    }
}

/// Decodes a frame read again from the file. `None` when the bytes no longer decode to one
/// UDP datagram (a datagram reassembled from several IPv4 fragments).
pub fn decode_frame(r: &FrameRef, ts: Timestamp, ts_digits: u8, data: &[u8]) -> Option<PacketView> {
    let raw = RawFrame {
        number: r.frame,
        ts,
        ts_digits,
        linktype: r.linktype,
        orig_len: r.orig_len,
        data,
    };
    let mut decoder = FrameDecoder::new();
    let Decoded::Udp(udp) = decoder.decode(&raw) else {
        return None;
    };
    let m = Message::decode(udp.payload);
    let mut lines = Vec::with_capacity(48);
    let mac = |m: Option<[u8; 6]>| m.map_or_else(|| "-".to_owned(), |m| colon_hex(&m));
    let kind = m
        .message_type()
        .map_or_else(|| "BOOTP".to_owned(), |t| t.to_string());
    lines.push(line(
        LineKind::Section,
        0,
        format!("Frame {}", r.frame),
        format!(
            "{}  {} bytes on wire, {} captured",
            ts.rfc3339(ts_digits),
            r.orig_len,
            r.caplen
        ),
    ));
    let mut link = format!("{} → {}", mac(udp.src_mac), mac(udp.dst_mac));
    if !udp.vlans.as_slice().is_empty() {
        let _ = write!(link, "  VLAN {:?}", udp.vlans.as_slice());
    }
    lines.push(line(LineKind::Field, 1, "Link", link));
    lines.push(line(
        LineKind::Field,
        1,
        "IPv4/UDP",
        format!(
            "{}:{} → {}:{}  checksum {:?}{}",
            udp.src_ip,
            udp.src_port,
            udp.dst_ip,
            udp.dst_port,
            udp.checksum,
            if udp.reassembled {
                "  (reassembled)"
            } else {
                ""
            }
        ),
    ));
    lines.push(line(
        LineKind::Section,
        0,
        format!("DHCP {kind}"),
        format!("{} bytes", m.bytes.len()),
    ));
    let op = match m.op {
        1 => "BOOTREQUEST",
        2 => "BOOTREPLY",
        _ => "unknown",
    };
    lines.push(field_line("op", format!("{} ({op})", m.op), field::OP, &m));
    lines.push(field_line(
        "htype",
        format!("{}", m.htype),
        field::HTYPE,
        &m,
    ));
    lines.push(field_line("hlen", m.hlen.to_string(), field::HLEN, &m));
    lines.push(field_line("hops", m.hops.to_string(), field::HOPS, &m));
    lines.push(field_line(
        "xid",
        format!("0x{:08x}", m.xid),
        field::XID,
        &m,
    ));
    lines.push(field_line("secs", m.secs.to_string(), field::SECS, &m));
    let flags = format!(
        "0x{:04x} ({})",
        m.flags,
        if m.broadcast() {
            "broadcast"
        } else {
            "unicast"
        }
    );
    lines.push(field_line("flags", flags, field::FLAGS, &m));
    lines.push(field_line(
        "ciaddr",
        m.ciaddr.to_string(),
        field::CIADDR,
        &m,
    ));
    lines.push(field_line(
        "yiaddr",
        m.yiaddr.to_string(),
        field::YIADDR,
        &m,
    ));
    lines.push(field_line(
        "siaddr",
        m.siaddr.to_string(),
        field::SIADDR,
        &m,
    ));
    lines.push(field_line(
        "giaddr",
        m.giaddr.to_string(),
        field::GIADDR,
        &m,
    ));
    let chaddr_len = usize::from(m.hlen.min(16));
    let mut chaddr = field_line(
        "chaddr",
        colon_hex(m.chaddr()),
        field::CHADDR.start..field::CHADDR.start + chaddr_len.max(1),
        &m,
    );
    if chaddr.range.is_none() && !m.chaddr().is_empty() {
        chaddr.value = colon_hex(m.chaddr());
    }
    lines.push(chaddr);
    for (label, text, bit, range) in [
        ("sname", m.sname_text(), 2, field::SNAME),
        ("file", m.file_text(), 1, field::FILE),
    ] {
        let value = match text {
            _ if m.overload & bit != 0 => "(overloaded with options)".to_owned(),
            Some(t) if !t.is_empty() => escape_bytes(t),
            _ => "(empty)".to_owned(),
        };
        let range = range.start..range.end.min(m.bytes.len()).max(range.start);
        let mut l = field_line(label, value, range.clone(), &m);
        if range.is_empty() {
            l.range = None;
        } else {
            l.range = Some(range);
        }
        lines.push(l);
    }
    match m.cookie {
        Some(MAGIC_COOKIE) => lines.push(field_line("cookie", "DHCP", field::COOKIE, &m)),
        Some(c) => lines.push(field_line(
            "cookie",
            format!("{} (not DHCP)", hex(&c)),
            field::COOKIE,
            &m,
        )),
        None => {}
    }
    if !m.options.is_empty() {
        lines.push(line(
            LineKind::Section,
            0,
            "Options",
            format!("{} in wire order", m.options.len()),
        ));
    }
    for (i, o) in m.options.iter().enumerate() {
        let mut label = format!("{:>3} {}", o.code, options::name(o.code));
        if o.area != Area::Options {
            let _ = write!(label, " [in {}]", o.area.name());
        }
        // An option split in several parts (RFC 3396) is decoded once, joined, at its first
        // part; the others only say they continue it.
        let mut subs = Vec::new();
        let value = if m.options[..i].iter().any(|p| p.code == o.code) {
            "(continued, RFC 3396)".to_owned()
        } else {
            let data = m.option(o.code).unwrap_or_default();
            let value = Value::decode(o.code, &data);
            if let Value::RelayAgent(s) = &value {
                subs = s.iter().map(ToString::to_string).collect();
            }
            // Value's Display escapes every string from the wire.
            value.to_string()
        };
        let end = (o.offset + 2 + o.data.len()).min(m.bytes.len());
        lines.push(DetailLine {
            kind: LineKind::Field,
            depth: 1,
            label,
            value: format!("{value} (len {}, offset {})", o.len, o.offset),
            range: Some(o.offset..end.max(o.offset + 1).min(m.bytes.len().max(1))),
        });
        for s in subs {
            lines.push(line(LineKind::Field, 2, "", s));
        }
    }
    let warnings: Vec<String> = udp
        .warnings
        .iter()
        .map(ToString::to_string)
        .chain(m.warnings.iter().map(ToString::to_string))
        .collect();
    if !warnings.is_empty() {
        lines.push(line(
            LineKind::Section,
            0,
            "Warnings",
            warnings.len().to_string(),
        ));
        for w in warnings {
            lines.push(line(LineKind::Warning, 1, "", w));
        }
    }
    Some(PacketView {
        frame: r.frame,
        lines,
        bytes: udp.payload.to_vec(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::craft::{UdpEndpoints, udp_frame};
    use crate::dhcp::MessageBuilder;
    use crate::dhcp::options::MessageType;

    fn view_of(payload: &[u8]) -> PacketView {
        let frame = udp_frame(
            &UdpEndpoints::client_broadcast([2, 0, 0, 0, 0, 1]),
            &[],
            payload,
        );
        let r = FrameRef {
            frame: 1,
            offset: 0,
            caplen: frame.len() as u32,
            orig_len: frame.len() as u32,
            linktype: 1,
        };
        decode_frame(&r, Timestamp::new(0, 0), 6, &frame).unwrap()
    }

    /// Option 82 in two parts (RFC 3396), the circuit id cut across them: its sub-options are
    /// decoded once, from the joined value; the second part only says it continues.
    #[test]
    fn split_relay_agent_option_is_decoded_joined_once() {
        let payload = MessageBuilder::request(1, [2, 0, 0, 0, 0, 1])
            .message_type(MessageType::DISCOVER)
            .option(82, &[1, 6, b'e', b't', b'h'])
            .option(82, &[b'0', b'/', b'1', 2, 2, 0xab, 0xcd])
            .build();
        let v = view_of(&payload);
        let parts: Vec<&DetailLine> = v
            .lines
            .iter()
            .filter(|l| l.label.starts_with(" 82 "))
            .collect();
        assert_eq!(parts.len(), 2, "{:#?}", v.lines);
        assert!(
            parts[1].value.starts_with("(continued, RFC 3396)"),
            "{:?}",
            parts[1]
        );
        let subs: Vec<&str> = v
            .lines
            .iter()
            .filter(|l| l.depth == 2)
            .map(|l| l.value.as_str())
            .collect();
        assert_eq!(subs.len(), 2, "{subs:?}");
        assert!(subs[0].contains("eth0/1"), "{subs:?}");
        assert!(
            subs[1].contains("ab:cd") || subs[1].contains("abcd"),
            "{subs:?}"
        );
        assert!(parts[0].value.contains("eth0/1"), "{:?}", parts[0]);
    }
}
