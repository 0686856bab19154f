//! Property tests: arbitrary bytes never panic the decoders; build → decode round-trips;
//! parse → emit gives back the bytes (smoltcp's wire symmetry).

use dhcpscope::dhcp::options::{self, MessageType};
use dhcpscope::dhcp::{Message, MessageBuilder, Value};
use dhcpscope::frame::FrameDecoder;
use dhcpscope::source::{RawFrame, linktype};
use dhcpscope::time::Timestamp;
use proptest::prelude::*;
use std::net::Ipv4Addr;

fn raw(linktype: u16, data: &[u8]) -> RawFrame<'_> {
    RawFrame {
        number: 1,
        ts: Timestamp::new(0, 0),
        ts_digits: 6,
        linktype,
        orig_len: data.len() as u32,
        data,
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn dhcp_decoder_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..700)) {
        let m = Message::decode(&bytes);
        for o in &m.options {
            let data = m.option(o.code).unwrap_or_default();
            let _ = Value::decode(o.code, &data).to_string();
        }
        for w in &m.warnings {
            let _ = w.to_string();
        }
    }

    /// Mostly-valid DHCP messages with random option bytes reach the option walkers; with
    /// `overload` > 0, option 52 comes first so the same random bytes in file and/or sname
    /// are walked as options too.
    #[test]
    fn dhcp_decoder_never_panics_on_random_options(
        options_area in proptest::collection::vec(any::<u8>(), 0..400),
        overload in 0u8..4,
    ) {
        let mut b = MessageBuilder::reply(1, [2, 0, 0, 0, 0, 1]);
        if overload > 0 {
            b = b
                .option(options::OVERLOAD, &[overload])
                .sname(&options_area)
                .file(&options_area);
        }
        let bytes = b.raw(&options_area).end(false).build();
        let m = Message::decode(&bytes);
        if overload > 0 {
            // Our option 52 comes first and is always read; a later valid one may only
            // replace it with another valid value.
            prop_assert_eq!(m.options[0].code, options::OVERLOAD);
            prop_assert!(m.overload != 0);
        }
        for o in &m.options {
            let data = m.option(o.code).unwrap_or_default();
            let _ = Value::decode(o.code, &data).to_string();
        }
    }

    #[test]
    fn frame_decoder_never_panics(
        bytes in proptest::collection::vec(any::<u8>(), 0..400),
        lt in prop::sample::select(vec![
            linktype::ETHERNET, linktype::LINUX_SLL, linktype::LINUX_SLL2, linktype::RAW,
            linktype::IPV4, linktype::NULL, linktype::LOOP, 12, 14, 999,
        ]),
    ) {
        let mut d = FrameDecoder::new();
        let _ = d.decode(&raw(lt, &bytes));
    }

    #[test]
    fn build_then_decode_round_trips(
        xid in any::<u32>(),
        mac in any::<[u8; 6]>(),
        secs in any::<u16>(),
        broadcast in any::<bool>(),
        ciaddr in any::<u32>(),
        msg_type in 1u8..=18,
        hostname in proptest::collection::vec(any::<u8>(), 1..600),
        lease in any::<u32>(),
        server in any::<u32>(),
        extra in proptest::collection::vec((1u8..=254, proptest::collection::vec(any::<u8>(), 0..40)), 0..8),
    ) {
        let mut b = MessageBuilder::request(xid, mac)
            .secs(secs)
            .broadcast(broadcast)
            .ciaddr(Ipv4Addr::from(ciaddr))
            .message_type(MessageType(msg_type))
            .option(options::HOSTNAME, &hostname)
            .option_u32(options::LEASE_TIME, lease)
            .option_ip(options::SERVER_ID, Ipv4Addr::from(server));
        // Codes the builder set already, and 52 (which would reinterpret sname/file), are skipped.
        let extra: Vec<_> = extra
            .into_iter()
            .filter(|(c, _)| ![12, 51, 52, 53, 54].contains(c))
            .collect();
        for (code, data) in &extra {
            b = b.option(*code, data);
        }
        let bytes = b.build();
        let m = Message::decode(&bytes);
        prop_assert_eq!(m.xid, xid);
        prop_assert_eq!(m.chaddr_mac(), Some(mac));
        prop_assert_eq!(m.secs, secs);
        prop_assert_eq!(m.broadcast(), broadcast);
        prop_assert_eq!(m.ciaddr, Ipv4Addr::from(ciaddr));
        prop_assert_eq!(m.message_type(), Some(MessageType(msg_type)));
        prop_assert_eq!(m.hostname().map(|h| h.into_owned()), Some(hostname.clone()));
        prop_assert_eq!(m.lease_time(), Some(lease));
        prop_assert_eq!(m.server_id(), Some(Ipv4Addr::from(server)));
        for (code, data) in &extra {
            if extra.iter().filter(|(c, _)| c == code).count() == 1 {
                prop_assert_eq!(m.option(*code).map(|d| d.into_owned()), Some(data.clone()));
            }
        }
        let structural = m.warnings.iter().any(|w| matches!(w,
            dhcpscope::dhcp::Warning::MissingEnd { .. }
            | dhcpscope::dhcp::Warning::TruncatedOption { .. }
            | dhcpscope::dhcp::Warning::DataAfterEnd { .. }));
        prop_assert!(!structural, "warnings: {:?}", m.warnings);
    }

    /// Any fixed header (hlen above 16, odd op and htype included) and any options area made
    /// of options in any order, duplicates, Pad bytes between them and zeros after End:
    /// decoding reads each option where it was written, and emitting the decoded message
    /// gives back the same bytes.
    #[test]
    fn parse_then_emit_round_trips(
        header in proptest::collection::vec(any::<u8>(), 236),
        opts in proptest::collection::vec(
            (0usize..3, 1u8..=254, proptest::collection::vec(any::<u8>(), 0..40)),
            0..30,
        ),
        pads_before_end in 0usize..3,
        tail in 0usize..64,
    ) {
        // Option 52 would make sname/file options too: covered by the overload unit test.
        let opts: Vec<_> = opts.into_iter().filter(|(_, c, _)| *c != options::OVERLOAD).collect();
        let mut wire = header.clone();
        wire.extend_from_slice(&dhcpscope::dhcp::MAGIC_COOKIE);
        let mut expected = Vec::new();
        for (pads, code, data) in &opts {
            wire.resize(wire.len() + pads, 0);
            expected.push((*code, wire.len(), data.clone()));
            wire.push(*code);
            wire.push(data.len() as u8);
            wire.extend_from_slice(data);
        }
        wire.resize(wire.len() + pads_before_end, 0);
        wire.push(options::END);
        wire.resize(wire.len() + tail, 0);

        let m = Message::decode(&wire);
        let seen: Vec<(u8, usize, Vec<u8>)> =
            m.options.iter().map(|o| (o.code, o.offset, o.data.to_vec())).collect();
        prop_assert_eq!(seen, expected);
        prop_assert_eq!(m.xid, u32::from_be_bytes([header[4], header[5], header[6], header[7]]));
        prop_assert_eq!(m.giaddr.octets(), [header[24], header[25], header[26], header[27]]);
        let emitted = MessageBuilder::from_message(&m).build();
        prop_assert_eq!(emitted, wire);
    }

    /// Every option value, whatever its bytes: the JSON form is valid JSON and the text form
    /// carries no control character, both written without panicking.
    #[test]
    fn option_values_render_as_valid_json_and_safe_text(
        code in any::<u8>(),
        data in proptest::collection::vec(any::<u8>(), 0..80),
    ) {
        let v = Value::decode(code, &data);
        let mut json = String::new();
        v.write_json(&mut json);
        let parsed: Result<serde_json::Value, _> = serde_json::from_str(&json);
        prop_assert!(parsed.is_ok(), "{code} {data:?}: {json}");
        let text = v.to_string();
        prop_assert!(!text.chars().any(char::is_control), "{code}: {text:?}");
    }

    /// Arbitrary DHCP payloads (random bytes after a valid header and cookie, or none at
    /// all) in a UDP frame: both decode formats render without panicking, the JSON line
    /// parses and keeps every option, and the text has no raw control characters.
    #[test]
    fn decode_formats_render_any_payload(
        tail in proptest::collection::vec(any::<u8>(), 0..400),
        with_header in any::<bool>(),
    ) {
        use dhcpscope::craft::{UdpEndpoints, udp_frame};
        use dhcpscope::frame::Decoded;
        use dhcpscope::output::decode::DecodeWriter;
        use dhcpscope::pipeline::PacketBatch;
        let payload = if with_header {
            let mut p = MessageBuilder::request(1, [2, 0, 0, 0, 0, 1]).end(false).pad_to(0).build();
            p.extend_from_slice(&tail);
            p
        } else {
            tail
        };
        let bytes = udp_frame(&UdpEndpoints::client_broadcast([2, 0, 0, 0, 0, 1]), &[], &payload);
        let frame = raw(linktype::ETHERNET, &bytes);
        let mut decoder = FrameDecoder::new();
        let Decoded::Udp(udp) = decoder.decode(&frame) else {
            return Err(TestCaseError::fail("not UDP"));
        };
        let mut batch = PacketBatch::default();
        batch.push(&frame, &udp, false);
        let packet = batch.packet(&batch.packets[0]);
        let mut w = DecodeWriter::new();
        let mut json = Vec::new();
        w.write_jsonl(&mut json, &packet).unwrap();
        let parsed: serde_json::Value = serde_json::from_slice(&json).unwrap();
        prop_assert_eq!(
            parsed["dhcp"]["options"].as_array().map(Vec::len),
            Some(packet.dhcp.options.len())
        );
        let mut text = Vec::new();
        w.write_text(&mut text, &packet).unwrap();
        let text = String::from_utf8(text).unwrap();
        prop_assert!(!text.chars().any(|c| c.is_control() && c != '\n'), "{:?}", text);
    }
}
