//! One dissection of a DHCP packet: the tree of fields (name, typed value, byte range,
//! warnings) that every view renders — `decode --format text`, `decode --format jsonl` and the
//! TUI's packet pane. Which fields exist, which bytes they cover, whether they were captured,
//! how a split option (RFC 3396) is joined and where each warning belongs are decided here,
//! once; the views only choose words and punctuation.
//!
//! A [`Dissector`] is reused from packet to packet: its buffers keep their capacity, so
//! dissecting allocates nothing once warmed up.

use crate::dhcp::options::{self, MessageType, Value};
use crate::dhcp::{Area, MAGIC_COOKIE, Message, Warning, field};
use crate::frame::{FrameWarning, UdpChecksum, Vlans};
use crate::mac::MacAddr;
use crate::pipeline::{FrameMeta, Packet, UdpMeta};
use crate::time::Timestamp;
use std::net::Ipv4Addr;
use std::ops::Range;

/// Where a value's bytes live: in the DHCP message, or joined from several option parts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DataRef {
    joined: bool,
    start: u32,
    end: u32,
}

/// What a sname/file field holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HeaderText {
    /// Option 52 uses the field for options.
    Overloaded,
    /// Nothing before the first NUL.
    Empty,
    /// The C string, raw (escape before display): a range of the message.
    Text { start: u32, end: u32 },
}

/// A field's value, typed: each view formats it its own way.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FieldValue {
    /// A heading; its children follow at a greater depth.
    Section,
    /// The packet ends before this field.
    NotCaptured,
    Number(u64),
    Bool(bool),
    /// BOOTP op (1 request, 2 reply).
    Op(u8),
    /// Hardware type (1 Ethernet).
    Htype(u8),
    Xid(u32),
    /// BOOTP flags; bit 15 is broadcast.
    Flags(u16),
    Ip(Ipv4Addr),
    /// A link-layer address; `None` on links without one (raw IP, loopback).
    Mac(Option<MacAddr>),
    Vlans(Vlans),
    Timestamp {
        ts: Timestamp,
        digits: u8,
    },
    Checksum(UdpChecksum),
    /// chaddr: the first `hlen` bytes (see [`Message::chaddr`]).
    HwAddr,
    HeaderText(HeaderText),
    Cookie([u8; 4]),
    /// The DHCP section's value: its message type, `None` for BOOTP.
    MessageKind(Option<MessageType>),
    /// One option as it appears on the wire.
    Option {
        code: u8,
        /// The length byte as sent.
        len: u8,
        /// Offset of the code byte in the message.
        offset: usize,
        area: Area,
        /// For a later part of a split option: the offset of its first part. The first part
        /// carries the joined value of all parts.
        continues: Option<usize>,
        data: DataRef,
    },
    /// A relay agent (82) sub-option.
    SubOption {
        code: u8,
        data: DataRef,
    },
}

/// One node of the tree.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Field {
    /// Short machine name: JSON key, TUI label (`op`, `xid`, `option`).
    pub name: &'static str,
    /// Human label (`Transaction ID`); for options, the option's name.
    pub label: &'static str,
    /// 0 for sections (frame, dhcp, options), 1 for their fields, 2 below.
    pub depth: u8,
    /// Bytes of the DHCP message (UDP payload) this field covers, when captured.
    pub range: Option<Range<usize>>,
    pub value: FieldValue,
}

/// Where a warning comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WarningSource {
    /// `Packet::warnings[i]`: link, IPv4 or UDP.
    Frame(usize),
    /// `Message::warnings[i]`.
    Dhcp(usize),
}

/// A warning and the field it is about (index into [`Dissection::fields`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FieldWarning {
    pub field: usize,
    pub source: WarningSource,
}

/// Reusable buffers for [`Dissector::dissect`].
#[derive(Debug, Default)]
pub struct Dissector {
    fields: Vec<Field>,
    warnings: Vec<FieldWarning>,
    joined: Vec<u8>,
}

/// A dissected packet, borrowing the packet and the dissector's buffers.
#[derive(Debug, Clone, Copy)]
pub struct Dissection<'d> {
    pub frame: FrameMeta,
    pub udp: UdpMeta,
    /// Frame-layer warnings (link, IPv4, UDP), which [`WarningSource::Frame`] indexes.
    pub frame_warnings: &'d [FrameWarning],
    pub msg: &'d Message<'d>,
    /// Fields in display order: frame section, DHCP section, options section.
    pub fields: &'d [Field],
    /// Every warning in display order (frame first, then DHCP), each attached to a field.
    pub warnings: &'d [FieldWarning],
    joined: &'d [u8],
    /// Index of the options section (`fields.len()` when there are no options).
    options_section: usize,
}

/// The frame section comes first, its fields always in this order (indices into
/// [`Dissection::fields`]); the DHCP section starts at [`frame_field::COUNT`].
pub mod frame_field {
    pub const NUMBER: usize = 0;
    pub const TS: usize = 1;
    pub const ORIG_LEN: usize = 2;
    pub const CAPLEN: usize = 3;
    pub const SRC_MAC: usize = 4;
    pub const DST_MAC: usize = 5;
    pub const VLAN: usize = 6;
    pub const SRC_IP: usize = 7;
    pub const SRC_PORT: usize = 8;
    pub const DST_IP: usize = 9;
    pub const DST_PORT: usize = 10;
    pub const UDP_PAYLOAD: usize = 11;
    pub const CHECKSUM: usize = 12;
    pub const REASSEMBLED: usize = 13;
    pub const COUNT: usize = 14;
}

const FRAME_SECTION: usize = frame_field::NUMBER;

impl Dissector {
    pub fn new() -> Self {
        Self::default()
    }

    /// Builds the tree of one packet. Allocates nothing once the buffers have grown to the
    /// largest packet seen.
    pub fn dissect<'d>(&'d mut self, packet: &'d Packet<'d>) -> Dissection<'d> {
        let msg = &packet.dhcp;
        self.fields.clear();
        self.warnings.clear();
        self.joined.clear();
        let mut b = Builder {
            fields: &mut self.fields,
            joined: &mut self.joined,
            msg,
        };
        b.frame(packet);
        debug_assert_eq!(b.fields.len(), frame_field::COUNT);
        let dhcp_section = b.fields.len();
        b.header();
        let options_section = b.fields.len();
        b.options();
        attach_warnings(
            &self.fields,
            &mut self.warnings,
            packet.warnings.len(),
            msg,
            dhcp_section,
            options_section,
        );
        Dissection {
            frame: packet.frame,
            udp: packet.udp,
            frame_warnings: packet.warnings,
            msg,
            fields: &self.fields,
            warnings: &self.warnings,
            joined: &self.joined,
            options_section,
        }
    }
}

struct Builder<'b, 'd> {
    fields: &'b mut Vec<Field>,
    joined: &'b mut Vec<u8>,
    msg: &'d Message<'d>,
}

impl Builder<'_, '_> {
    fn push(&mut self, name: &'static str, label: &'static str, depth: u8, value: FieldValue) {
        self.fields.push(Field {
            name,
            label,
            depth,
            range: None,
            value,
        });
    }

    fn frame(&mut self, packet: &Packet<'_>) {
        let (frame, udp) = (&packet.frame, &packet.udp);
        use FieldValue::*;
        self.push("frame", "Frame", 0, Number(frame.number));
        self.push(
            "ts",
            "Arrival time",
            1,
            Timestamp {
                ts: frame.ts,
                digits: frame.ts_digits,
            },
        );
        self.push(
            "orig_len",
            "Bytes on wire",
            1,
            Number(u64::from(frame.orig_len)),
        );
        self.push(
            "caplen",
            "Bytes captured",
            1,
            Number(u64::from(frame.caplen)),
        );
        self.push(
            "src_mac",
            "Source MAC",
            1,
            Mac(udp.src_mac.map(MacAddr::from)),
        );
        self.push(
            "dst_mac",
            "Destination MAC",
            1,
            Mac(udp.dst_mac.map(MacAddr::from)),
        );
        self.push("vlan", "VLAN", 1, Vlans(udp.vlans));
        self.push("src_ip", "Source IP", 1, Ip(udp.src_ip));
        self.push(
            "src_port",
            "Source port",
            1,
            Number(u64::from(udp.src_port)),
        );
        self.push("dst_ip", "Destination IP", 1, Ip(udp.dst_ip));
        self.push(
            "dst_port",
            "Destination port",
            1,
            Number(u64::from(udp.dst_port)),
        );
        self.push(
            "udp_payload",
            "UDP payload length",
            1,
            Number(packet.payload.len() as u64),
        );
        self.push("checksum", "UDP checksum", 1, Checksum(udp.checksum));
        self.push("reassembled", "Reassembled", 1, Bool(udp.reassembled));
    }

    /// A fixed-header field: its value and range when the bytes reach its end.
    fn fixed(&mut self, name: &'static str, label: &'static str, r: Range<usize>, v: FieldValue) {
        let captured = self.msg.has(r.clone());
        self.fields.push(Field {
            name,
            label,
            depth: 1,
            range: captured.then_some(r),
            value: if captured { v } else { FieldValue::NotCaptured },
        });
    }

    fn header(&mut self) {
        use FieldValue::*;
        let m = self.msg;
        self.fields.push(Field {
            name: "dhcp",
            label: "Dynamic Host Configuration Protocol",
            depth: 0,
            range: (!m.bytes.is_empty()).then_some(0..m.bytes.len()),
            value: MessageKind(m.message_type()),
        });
        self.fixed("op", "Message type", field::OP, Op(m.op));
        self.fixed("htype", "Hardware type", field::HTYPE, Htype(m.htype));
        let hlen = Number(u64::from(m.hlen));
        self.fixed("hlen", "Hardware address length", field::HLEN, hlen);
        self.fixed("hops", "Hops", field::HOPS, Number(u64::from(m.hops)));
        self.fixed("xid", "Transaction ID", field::XID, Xid(m.xid));
        let secs = Number(u64::from(m.secs));
        self.fixed("secs", "Seconds elapsed", field::SECS, secs);
        self.fixed("flags", "Bootp flags", field::FLAGS, Flags(m.flags));
        self.fixed("ciaddr", "Client IP address", field::CIADDR, Ip(m.ciaddr));
        self.fixed(
            "yiaddr",
            "Your (client) IP address",
            field::YIADDR,
            Ip(m.yiaddr),
        );
        self.fixed(
            "siaddr",
            "Next server IP address",
            field::SIADDR,
            Ip(m.siaddr),
        );
        self.fixed(
            "giaddr",
            "Relay agent IP address",
            field::GIADDR,
            Ip(m.giaddr),
        );

        // chaddr covers hlen bytes (at least one, so an hlen of 0 still marks the field).
        let start = field::CHADDR.start;
        let r = start..start + usize::from(m.hlen.min(16)).max(1);
        let captured = m.has(r.clone());
        self.fields.push(Field {
            name: "chaddr",
            label: "Client hardware address",
            depth: 1,
            range: captured.then_some(r),
            value: if captured || !m.chaddr().is_empty() {
                HwAddr
            } else {
                NotCaptured
            },
        });

        for (name, label, bit, r) in [
            ("sname", "Server host name", 2, field::SNAME),
            ("file", "Boot file name", 1, field::FILE),
        ] {
            let clipped = r.start..r.end.min(m.bytes.len()).max(r.start);
            let captured = m.has(clipped.clone());
            let text = crate::dhcp::c_string(m.bytes.get(clipped.clone()).unwrap_or_default());
            let value = if m.overload & bit != 0 {
                HeaderText(self::HeaderText::Overloaded)
            } else if !captured {
                NotCaptured
            } else if text.is_empty() {
                HeaderText(self::HeaderText::Empty)
            } else {
                HeaderText(self::HeaderText::Text {
                    start: r.start as u32,
                    end: (r.start + text.len()) as u32,
                })
            };
            self.fields.push(Field {
                name,
                label,
                depth: 1,
                range: (captured && !clipped.is_empty()).then_some(clipped),
                value,
            });
        }
        if let Some(cookie) = m.cookie {
            self.fixed("cookie", "Magic cookie", field::COOKIE, Cookie(cookie));
        }
    }

    fn options(&mut self) {
        let m = self.msg;
        if m.options.is_empty() {
            return;
        }
        self.push(
            "options",
            "Options",
            0,
            FieldValue::Number(m.options.len() as u64),
        );
        let len = m.bytes.len();
        for (i, o) in m.options.iter().enumerate() {
            let first = m.options[..i].iter().find(|p| p.code == o.code);
            let data = match first {
                Some(_) => wire_ref(o.offset, o.data),
                None => self.join(i),
            };
            let end = (o.offset + 2 + o.data.len()).min(len);
            self.fields.push(Field {
                name: "option",
                label: options::name(o.code),
                depth: 1,
                range: Some(o.offset..end.max(o.offset + 1).min(len.max(1))),
                value: FieldValue::Option {
                    code: o.code,
                    len: o.len,
                    offset: o.offset,
                    area: o.area,
                    continues: first.map(|p| p.offset),
                    data,
                },
            });
            if first.is_none() && o.code == options::RELAY_AGENT {
                let joined = self.joined.as_slice();
                if let Value::RelayAgent(subs) = Value::decode(o.code, data_of(m, joined, data)) {
                    for s in subs.iter() {
                        let data = sub_ref(m, joined, data, s.data);
                        // Code and length bytes precede the data; joined values have no
                        // single place in the message.
                        let range =
                            (!data.joined).then(|| data.start as usize - 2..data.end as usize);
                        self.fields.push(Field {
                            name: "suboption",
                            label: s.name(),
                            depth: 2,
                            range,
                            value: FieldValue::SubOption { code: s.code, data },
                        });
                    }
                }
            }
        }
    }

    /// The value of option `i` (a first part): its own bytes, or all its parts joined
    /// (RFC 3396) into the reusable buffer.
    fn join(&mut self, i: usize) -> DataRef {
        let options = &self.msg.options;
        let o = &options[i];
        let mut parts = options[i + 1..].iter().filter(|p| p.code == o.code);
        let Some(_) = parts.next() else {
            return wire_ref(o.offset, o.data);
        };
        let start = self.joined.len();
        for p in options[i..].iter().filter(|p| p.code == o.code) {
            self.joined.extend_from_slice(p.data);
        }
        DataRef {
            joined: true,
            start: start as u32,
            end: self.joined.len() as u32,
        }
    }
}

/// Option data starts after its code and length bytes.
fn wire_ref(offset: usize, data: &[u8]) -> DataRef {
    DataRef {
        joined: false,
        start: (offset + 2) as u32,
        end: (offset + 2 + data.len()) as u32,
    }
}

fn data_of<'x>(m: &'x Message<'_>, joined: &'x [u8], r: DataRef) -> &'x [u8] {
    let store: &[u8] = if r.joined { joined } else { m.bytes };
    store
        .get(r.start as usize..r.end as usize)
        .unwrap_or_default()
}

/// The reference of `sub`, a subslice of the data that `parent` refers to.
fn sub_ref(m: &Message<'_>, joined: &[u8], parent: DataRef, sub: &[u8]) -> DataRef {
    let whole = data_of(m, joined, parent);
    let at = (sub.as_ptr() as usize).saturating_sub(whole.as_ptr() as usize) as u32;
    DataRef {
        joined: parent.joined,
        start: parent.start + at,
        end: parent.start + at + sub.len() as u32,
    }
}

fn attach_warnings(
    fields: &[Field],
    out: &mut Vec<FieldWarning>,
    frame_warnings: usize,
    msg: &Message<'_>,
    dhcp_section: usize,
    options_section: usize,
) {
    for i in 0..frame_warnings {
        out.push(FieldWarning {
            field: FRAME_SECTION,
            source: WarningSource::Frame(i),
        });
    }
    let by_name = |name: &str| {
        fields[dhcp_section..]
            .iter()
            .position(|f| f.name == name)
            .map(|i| i + dhcp_section)
    };
    let option = |pred: &dyn Fn(u8, usize) -> bool| {
        fields[options_section..]
            .iter()
            .position(|f| matches!(f.value, FieldValue::Option { code, offset, .. } if pred(code, offset)))
            .map(|i| i + options_section)
    };
    let options_or_dhcp = if options_section < fields.len() {
        options_section
    } else {
        dhcp_section
    };
    for (i, w) in msg.warnings.iter().enumerate() {
        let field = match w {
            Warning::Truncated { .. } => None,
            Warning::BadCookie { .. } | Warning::NoCookie => by_name("cookie"),
            Warning::HlenTooLarge { .. } => by_name("hlen"),
            Warning::TruncatedOption { offset, .. } => option(&|_, o| o == *offset),
            Warning::BadLength { code, .. }
            | Warning::BadValue { code, .. }
            | Warning::Split { code, .. } => option(&|c, _| c == *code),
            Warning::InvalidOverload { .. } | Warning::NestedOverload { .. } => {
                option(&|c, _| c == options::OVERLOAD)
            }
            Warning::MissingEnd { area }
            | Warning::DataAfterEnd { area, .. }
            | Warning::OnlyInOverload { area, .. } => match area {
                Area::Options => Some(options_or_dhcp),
                Area::File => by_name("file"),
                Area::Sname => by_name("sname"),
            },
            Warning::MissingLength { .. } | Warning::NoMessageType => Some(options_or_dhcp),
        };
        out.push(FieldWarning {
            field: field.unwrap_or(dhcp_section),
            source: WarningSource::Dhcp(i),
        });
    }
}

impl<'d> Dissection<'d> {
    /// The value of frame-section field `index` (see [`frame_field`]).
    pub fn frame_value(&self, index: usize) -> FieldValue {
        self.fields
            .get(index)
            .map_or(FieldValue::NotCaptured, |f| f.value)
    }

    /// The bytes a [`DataRef`] points to.
    pub fn data(&self, r: DataRef) -> &'d [u8] {
        data_of(self.msg, self.joined, r)
    }

    /// The options section's fields: options and relay sub-options, in wire order.
    pub fn option_fields(&self) -> &'d [Field] {
        self.fields.get(self.options_section..).unwrap_or_default()
    }

    /// The value of option `code` as every view shows it: the first part's data, all parts
    /// joined (RFC 3396). No allocation.
    pub fn option_data(&self, code: u8) -> Option<&'d [u8]> {
        self.option_fields().iter().find_map(|f| match f.value {
            FieldValue::Option {
                code: c,
                continues: None,
                data,
                ..
            } if c == code => Some(self.data(data)),
            _ => None,
        })
    }

    /// The typed value of an option field's data (`None` for a continuation part).
    pub fn option_value(&self, f: &Field) -> Option<Value<'d>> {
        match f.value {
            FieldValue::Option {
                code,
                continues: None,
                data,
                ..
            } => Some(Value::decode(code, self.data(data))),
            _ => None,
        }
    }

    /// The raw text of a sname/file field.
    pub fn header_text(&self, t: HeaderText) -> &'d [u8] {
        match t {
            HeaderText::Text { start, end } => self
                .msg
                .bytes
                .get(start as usize..end as usize)
                .unwrap_or_default(),
            _ => &[],
        }
    }

    /// Warnings attached to field `index`.
    pub fn warnings_of(&self, index: usize) -> impl Iterator<Item = &FieldWarning> {
        self.warnings.iter().filter(move |w| w.field == index)
    }

    /// Offset of the DHCP message in the frame (its first byte), when the frame holds it in
    /// one piece (not reassembled from fragments): add it to a field's range to point into
    /// the frame.
    pub fn payload_offset(&self) -> Option<usize> {
        self.udp.payload_at.map(|at| at as usize)
    }
}

/// `MAGIC_COOKIE` re-exported for the views that name it.
pub const DHCP_COOKIE: [u8; 4] = MAGIC_COOKIE;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::craft::{UdpEndpoints, udp_frame};
    use crate::dhcp::MessageBuilder;
    use crate::frame::{Decoded, FrameDecoder};
    use crate::source::RawFrame;

    /// Dissects `payload` inside an Ethernet/IPv4/UDP frame and hands the result to `check`.
    fn with_dissection(payload: &[u8], check: impl FnOnce(&Dissection<'_>)) {
        let bytes = udp_frame(
            &UdpEndpoints::client_broadcast([2, 0, 0, 0, 0, 1]),
            &[],
            payload,
        );
        let raw = RawFrame {
            number: 7,
            ts: Timestamp::new(1_700_000_000, 0),
            ts_digits: 6,
            linktype: 1,
            orig_len: bytes.len() as u32,
            data: &bytes,
        };
        let mut decoder = FrameDecoder::new();
        let Decoded::Udp(udp) = decoder.decode(&raw) else {
            panic!("not UDP");
        };
        let mut batch = crate::pipeline::PacketBatch::default();
        batch.push(&raw, &udp, false);
        let packet = batch.packet(&batch.packets[0]);
        let mut dissector = Dissector::new();
        check(&dissector.dissect(&packet));
    }

    fn field<'a>(d: &'a Dissection<'_>, name: &str) -> &'a Field {
        d.fields.iter().find(|f| f.name == name).unwrap()
    }

    #[test]
    fn header_fields_cover_the_codec_ranges() {
        let payload = MessageBuilder::request(1, [2, 0, 0, 0, 0, 1])
            .message_type(MessageType::DISCOVER)
            .build();
        with_dissection(&payload, |d| {
            for (name, range) in [
                ("op", field::OP),
                ("htype", field::HTYPE),
                ("hlen", field::HLEN),
                ("hops", field::HOPS),
                ("xid", field::XID),
                ("secs", field::SECS),
                ("flags", field::FLAGS),
                ("ciaddr", field::CIADDR),
                ("yiaddr", field::YIADDR),
                ("siaddr", field::SIADDR),
                ("giaddr", field::GIADDR),
                ("sname", field::SNAME),
                ("file", field::FILE),
                ("cookie", field::COOKIE),
            ] {
                assert_eq!(field(d, name).range, Some(range), "{name}");
            }
            assert_eq!(field(d, "chaddr").range, Some(28..34));
            assert_eq!(field(d, "option").range, Some(240..243));
            assert_eq!(d.fields[frame_field::NUMBER].value, FieldValue::Number(7));
            assert_eq!(d.fields[frame_field::COUNT].name, "dhcp");
            // 14 bytes of Ethernet, 20 of IPv4, 8 of UDP.
            assert_eq!(d.payload_offset(), Some(42));
            assert!(d.warnings.is_empty());
        });
    }

    #[test]
    fn a_cut_message_marks_the_missing_fields_and_the_warning_the_section() {
        let payload = MessageBuilder::request(1, [2, 0, 0, 0, 0, 1]).build();
        with_dissection(&payload[..10], |d| {
            assert_eq!(field(d, "secs").range, Some(field::SECS));
            assert_eq!(field(d, "flags").value, FieldValue::NotCaptured);
            assert_eq!(field(d, "flags").range, None);
            assert_eq!(field(d, "chaddr").value, FieldValue::NotCaptured);
            assert!(d.fields.iter().all(|f| f.name != "cookie"));
            let w = d.warnings.last().unwrap();
            assert_eq!(d.fields[w.field].name, "dhcp");
        });
    }

    /// Split options are joined once into the first part; warnings sit on the option they
    /// are about; relay sub-options become children pointing into the joined value.
    #[test]
    fn split_options_join_and_warnings_attach_to_their_option() {
        let payload = MessageBuilder::request(1, [2, 0, 0, 0, 0, 1])
            .message_type(MessageType::DISCOVER)
            .option(options::HOSTNAME, b"lap")
            .option(options::LEASE_TIME, &[0, 1])
            .option(options::RELAY_AGENT, &[1, 4, b'e', b't'])
            .option(options::HOSTNAME, b"top")
            .option(options::RELAY_AGENT, &[b'h', b'0', 2, 1, 0xab])
            .build();
        with_dissection(&payload, |d| {
            assert_eq!(d.option_data(options::HOSTNAME), Some(&b"laptop"[..]));
            let parts: Vec<&Field> = d
                .fields
                .iter()
                .filter(|f| matches!(f.value, FieldValue::Option { code: 12, .. }))
                .collect();
            assert!(matches!(
                parts[1].value,
                FieldValue::Option {
                    continues: Some(243),
                    ..
                }
            ));
            let subs: Vec<(u8, &[u8])> = d
                .fields
                .iter()
                .filter_map(|f| match f.value {
                    FieldValue::SubOption { code, data } => Some((code, d.data(data))),
                    _ => None,
                })
                .collect();
            assert_eq!(subs, [(1, &b"eth0"[..]), (2, &[0xab][..])]);
            let on = |code: u8| {
                d.warnings
                    .iter()
                    .filter(|w| {
                        matches!(d.fields[w.field].value, FieldValue::Option { code: c, .. } if c == code)
                    })
                    .count()
            };
            assert_eq!(on(options::LEASE_TIME), 1, "bad length on option 51");
            assert_eq!(on(options::HOSTNAME), 1, "split warning on option 12");
            assert_eq!(on(options::RELAY_AGENT), 1, "split warning on option 82");
        });
    }
}
