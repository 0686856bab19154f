//! The packet detail: one DHCP packet as lines of named fields with their byte ranges, drawn
//! from the shared [`Dissection`] of the frame bytes read again from the file. Every string
//! from the wire is escaped.

use super::reader::FrameRef;
use crate::dhcp::options::{SubOption, colon_hex, hex};
use crate::dhcp::{Area, MAGIC_COOKIE};
use crate::dissect::{Dissection, Dissector};
use crate::dissect::{FieldValue, HeaderText, WarningSource};
use crate::escape::{escape_bytes, escape_str};
use crate::pipeline::PacketBatch;
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
    // The same record and view every consumer of the read path takes.
    let batch = PacketBatch::of_frame(&raw)?;
    let packet = batch.packet(batch.packets.first()?);
    let mut dissector = Dissector::new();
    let d = dissector.dissect(&packet);
    Some(PacketView {
        frame: r.frame,
        lines: lines(&d),
        bytes: packet.payload.to_vec(),
    })
}

/// The pane's lines: the dissection's fields with the pane's short labels.
pub fn lines(d: &Dissection<'_>) -> Vec<DetailLine> {
    let m = d.msg;
    let mut lines = Vec::with_capacity(d.fields.len() + d.warnings.len() + 4);
    let get = |name: &str| {
        d.fields
            .iter()
            .find(|f| f.name == name)
            .map_or(FieldValue::NotCaptured, |f| f.value)
    };
    let mac = |v: FieldValue| match v {
        FieldValue::Mac(Some(m)) => m.to_string(),
        _ => "-".to_owned(),
    };
    let number = |v: FieldValue| match v {
        FieldValue::Number(n) => n,
        _ => 0,
    };
    let ip = |v: FieldValue| match v {
        FieldValue::Ip(ip) => ip.to_string(),
        _ => String::new(),
    };
    for f in d.fields {
        match (f.name, f.value) {
            ("frame", FieldValue::Number(n)) => {
                let ts = match get("ts") {
                    FieldValue::Timestamp { ts, digits } => ts.rfc3339(digits).to_string(),
                    _ => String::new(),
                };
                lines.push(line(
                    LineKind::Section,
                    0,
                    format!("Frame {n}"),
                    format!(
                        "{ts}  {} bytes on wire, {} captured",
                        number(get("orig_len")),
                        number(get("caplen"))
                    ),
                ));
                let mut link = format!("{} → {}", mac(get("src_mac")), mac(get("dst_mac")));
                if let FieldValue::Vlans(v) = get("vlan")
                    && !v.as_slice().is_empty()
                {
                    let _ = write!(link, "  VLAN {:?}", v.as_slice());
                }
                lines.push(line(LineKind::Field, 1, "Link", link));
                let checksum = match get("checksum") {
                    FieldValue::Checksum(c) => format!("{c:?}"),
                    _ => String::new(),
                };
                let reassembled = get("reassembled") == FieldValue::Bool(true);
                lines.push(line(
                    LineKind::Field,
                    1,
                    "IPv4/UDP",
                    format!(
                        "{}:{} → {}:{}  checksum {checksum}{}",
                        ip(get("src_ip")),
                        number(get("src_port")),
                        ip(get("dst_ip")),
                        number(get("dst_port")),
                        if reassembled { "  (reassembled)" } else { "" }
                    ),
                ));
            }
            (_, FieldValue::MessageKind(kind)) => lines.push(line(
                LineKind::Section,
                0,
                format!(
                    "DHCP {}",
                    kind.map_or_else(|| "BOOTP".to_owned(), |t| t.to_string())
                ),
                format!("{} bytes", m.bytes.len()),
            )),
            ("options", FieldValue::Number(n)) => lines.push(line(
                LineKind::Section,
                0,
                "Options",
                format!("{n} in wire order"),
            )),
            (
                _,
                FieldValue::Option {
                    code,
                    len,
                    offset,
                    area,
                    ..
                },
            ) => {
                let mut label = format!("{code:>3} {}", f.label);
                if area != Area::Options {
                    let _ = write!(label, " [in {}]", area.name());
                }
                // An option split in several parts (RFC 3396) is decoded once, joined, at
                // its first part; the others only say they continue it. Value's Display
                // escapes every string from the wire.
                let value = d
                    .option_value(f)
                    .map_or_else(|| "(continued, RFC 3396)".to_owned(), |v| v.to_string());
                lines.push(DetailLine {
                    kind: LineKind::Field,
                    depth: 1,
                    label,
                    value: format!("{value} (len {len}, offset {offset})"),
                    range: f.range.clone(),
                });
            }
            (_, FieldValue::SubOption { code, data }) => {
                let sub = SubOption {
                    code,
                    data: d.data(data),
                };
                lines.push(line(LineKind::Field, 2, "", sub.to_string()));
            }
            (_, v) if f.depth == 1 => {
                if let Some(value) = header_value(d, f.name, v) {
                    lines.push(DetailLine {
                        kind: LineKind::Field,
                        depth: 1,
                        label: f.name.to_owned(),
                        value,
                        range: f.range.clone(),
                    });
                }
            }
            _ => {}
        }
    }
    if !d.warnings.is_empty() {
        lines.push(line(
            LineKind::Section,
            0,
            "Warnings",
            d.warnings.len().to_string(),
        ));
        for w in d.warnings {
            let text = match w.source {
                WarningSource::Frame(i) => escape_str(&d.frame_warnings[i].to_string()),
                WarningSource::Dhcp(i) => m.warnings[i].to_string(),
            };
            lines.push(line(LineKind::Warning, 1, "", text));
        }
    }
    lines
}

/// A DHCP fixed-header field's value as the pane shows it; `None` for frame-layer fields
/// (shown in the Link and IPv4/UDP lines).
fn header_value(d: &Dissection<'_>, name: &str, v: FieldValue) -> Option<String> {
    Some(match v {
        FieldValue::NotCaptured => "(not captured)".to_owned(),
        FieldValue::Op(op) => {
            let name = match op {
                1 => "BOOTREQUEST",
                2 => "BOOTREPLY",
                _ => "unknown",
            };
            format!("{op} ({name})")
        }
        FieldValue::Htype(h) => h.to_string(),
        FieldValue::Number(n) if DHCP_NUMBERS.contains(&name) => n.to_string(),
        FieldValue::Xid(x) => format!("0x{x:08x}"),
        FieldValue::Flags(flags) => format!(
            "0x{flags:04x} ({})",
            if flags & 0x8000 != 0 {
                "broadcast"
            } else {
                "unicast"
            }
        ),
        FieldValue::Ip(ip) if DHCP_ADDRS.contains(&name) => ip.to_string(),
        FieldValue::HwAddr => colon_hex(d.msg.chaddr()),
        FieldValue::HeaderText(HeaderText::Overloaded) => "(overloaded with options)".to_owned(),
        FieldValue::HeaderText(t @ HeaderText::Text { .. }) => escape_bytes(d.header_text(t)),
        FieldValue::HeaderText(HeaderText::Empty) => "(empty)".to_owned(),
        FieldValue::Cookie(c) if c == MAGIC_COOKIE => "DHCP".to_owned(),
        FieldValue::Cookie(c) => format!("{} (not DHCP)", hex(&c)),
        _ => return None,
    })
}

const DHCP_NUMBERS: [&str; 3] = ["hlen", "hops", "secs"];
const DHCP_ADDRS: [&str; 4] = ["ciaddr", "yiaddr", "siaddr", "giaddr"];

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
