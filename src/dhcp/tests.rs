use super::options::{self, Route, SubOption};
use super::*;

const MAC: [u8; 6] = [0x02, 0x10, 0, 0, 0, 7];

fn discover() -> MessageBuilder {
    MessageBuilder::request(0xdead_beef, MAC)
        .broadcast(true)
        .message_type(MessageType::DISCOVER)
}

#[test]
fn builder_output_decodes_to_the_same_fields_in_the_same_order() {
    let bytes = discover()
        .secs(3)
        .option(options::HOSTNAME, b"laptop")
        .option(options::PARAMETER_LIST, &[1, 3, 6, 15])
        .option(options::CLIENT_ID, &[1, 2, 0x10, 0, 0, 0, 7])
        .build();
    assert_eq!(bytes.len(), 300, "padded to the BOOTP minimum");
    let m = Message::decode(&bytes);
    assert_eq!(m.warnings, vec![]);
    assert_eq!(
        (m.op, m.htype, m.hlen, m.xid, m.secs),
        (1, 1, 6, 0xdead_beef, 3)
    );
    assert!(m.broadcast());
    assert_eq!(m.chaddr_mac(), Some(MAC));
    assert_eq!(m.message_type(), Some(MessageType::DISCOVER));
    let codes: Vec<u8> = m.options.iter().map(|o| o.code).collect();
    assert_eq!(codes, [53, 12, 55, 61]);
    let offsets: Vec<usize> = m.options.iter().map(|o| o.offset).collect();
    assert_eq!(offsets, [240, 243, 251, 257]);
    assert_eq!(m.hostname().as_deref(), Some(&b"laptop"[..]));
}

#[test]
fn duplicates_are_kept_in_wire_order_and_concatenated_per_rfc3396() {
    let bytes = discover()
        .option(options::HOSTNAME, b"lap")
        .option(options::PARAMETER_LIST, &[1, 3])
        .option(options::HOSTNAME, b"top")
        .build();
    let m = Message::decode(&bytes);
    let codes: Vec<u8> = m.options.iter().map(|o| o.code).collect();
    assert_eq!(codes, [53, 12, 55, 12]);
    assert_eq!(m.hostname().as_deref(), Some(&b"laptop"[..]));
    assert!(m.warnings.contains(&Warning::Split { code: 12, parts: 2 }));
}

#[test]
fn long_values_are_split_by_the_builder_and_rejoined() {
    let long: Vec<u8> = (0..600u32).map(|i| b'a' + (i % 26) as u8).collect();
    let bytes = discover().option(options::VENDOR_SPECIFIC, &long).build();
    let m = Message::decode(&bytes);
    assert_eq!(m.options.iter().filter(|o| o.code == 43).count(), 3);
    assert_eq!(m.option(43).as_deref(), Some(&long[..]));
}

#[test]
fn overload_parses_file_then_sname_and_flags_hidden_options() {
    // Options area: 53, 52=3, End. file: 54 + End. sname: 3 (router) + 51 + End.
    let mut file = vec![54, 4, 10, 0, 0, 1, 255];
    file.resize(128, 0);
    let mut sname = vec![3, 4, 10, 0, 0, 1, 51, 4, 0, 0, 0x0e, 0x10, 255];
    sname.resize(64, 0);
    let bytes = MessageBuilder::reply(1, MAC)
        .message_type(MessageType::OFFER)
        .option(options::OVERLOAD, &[3])
        .file(&file)
        .sname(&sname)
        .build();
    let m = Message::decode(&bytes);
    assert_eq!(m.overload, 3);
    let seen: Vec<(u8, Area)> = m.options.iter().map(|o| (o.code, o.area)).collect();
    assert_eq!(
        seen,
        [
            (53, Area::Options),
            (52, Area::Options),
            (54, Area::File),
            (3, Area::Sname),
            (51, Area::Sname)
        ]
    );
    assert_eq!(m.options[2].offset, 108);
    assert_eq!(m.options[3].offset, 44);
    assert_eq!(m.server_id(), Some(Ipv4Addr::new(10, 0, 0, 1)));
    assert_eq!(m.lease_time(), Some(3600));
    assert_eq!(m.sname_text(), None);
    assert!(m.warnings.contains(&Warning::OnlyInOverload {
        area: Area::File,
        codes: vec![54]
    }));
    assert!(m.warnings.contains(&Warning::OnlyInOverload {
        area: Area::Sname,
        codes: vec![3, 51]
    }));
}

#[test]
fn overloaded_field_without_end_is_reported() {
    let mut file = vec![3, 4, 10, 0, 0, 1];
    file.resize(128, 0);
    let bytes = MessageBuilder::reply(1, MAC)
        .message_type(MessageType::OFFER)
        .option(options::OVERLOAD, &[1])
        .file(&file)
        .build();
    let m = Message::decode(&bytes);
    assert!(
        m.warnings
            .contains(&Warning::MissingEnd { area: Area::File })
    );
    assert_eq!(m.first_option(3), Some(&[10, 0, 0, 1][..]));
}

#[test]
fn truncated_option_keeps_what_is_there() {
    let bytes = discover()
        .raw(&[12, 32, b'a', b'b', b'c'])
        .end(false)
        .pad_to(0)
        .build();
    let m = Message::decode(&bytes);
    let last = m.options.last().copied();
    assert_eq!(
        last.map(|o| (o.code, o.len, o.data)),
        Some((12, 32, &b"abc"[..]))
    );
    assert!(m.warnings.contains(&Warning::TruncatedOption {
        code: 12,
        offset: 243,
        claimed: 32,
        available: 3
    }));
}

#[test]
fn missing_end_and_data_after_end() {
    let m_bytes = discover().end(false).pad_to(0).build();
    let m = Message::decode(&m_bytes);
    assert!(m.warnings.contains(&Warning::MissingEnd {
        area: Area::Options
    }));

    let bytes = discover().raw(&[255, 0, 0, 7, 7]).end(false).build();
    let m = Message::decode(&bytes);
    assert!(m.warnings.contains(&Warning::DataAfterEnd {
        area: Area::Options,
        offset: 246,
        bytes: 2
    }));
}

#[test]
fn hlen_above_16_is_clamped_and_warned() {
    let bytes = discover().hlen(255).build();
    let m = Message::decode(&bytes);
    assert_eq!(m.chaddr().len(), 16);
    assert!(m.warnings.contains(&Warning::HlenTooLarge { hlen: 255 }));
}

#[test]
fn bad_cookie_is_a_warning_not_a_failure() {
    let bytes = discover().cookie(Some([1, 2, 3, 4])).build();
    let m = Message::decode(&bytes);
    assert_eq!(m.xid, 0xdead_beef);
    assert!(m.options.is_empty());
    assert_eq!(
        m.warnings,
        vec![Warning::BadCookie {
            cookie: [1, 2, 3, 4]
        }]
    );
}

#[test]
fn plain_bootp_has_no_message_type() {
    let bytes = MessageBuilder::request(5, MAC)
        .cookie(None)
        .pad_to(0)
        .build();
    let m = Message::decode(&bytes);
    assert_eq!(m.message_type(), None);
    assert_eq!(m.warnings, vec![Warning::NoCookie]);
}

#[test]
fn snaplen_cut_message_keeps_the_header_it_has() {
    let bytes = discover().build();
    let m = Message::decode(&bytes[..30]);
    assert_eq!(m.xid, 0xdead_beef);
    assert!(m.has(field::XID));
    assert!(m.has(field::GIADDR));
    assert!(!m.has(field::CHADDR));
    assert_eq!(m.chaddr(), &[0x02, 0x10][..]);
    assert_eq!(m.warnings, vec![Warning::Truncated { len: 30 }]);
    // Every prefix decodes without panicking.
    for n in 0..bytes.len() {
        let _ = Message::decode(&bytes[..n]);
    }
}

#[test]
fn wrong_length_for_the_type_is_warned() {
    let bytes = discover()
        .option(options::LEASE_TIME, &[0, 1])
        .option(options::ROUTER, &[10, 0, 0])
        .build();
    let m = Message::decode(&bytes);
    assert!(m.warnings.contains(&Warning::BadLength {
        code: 51,
        len: 2,
        expected: "4"
    }));
    assert!(m.warnings.contains(&Warning::BadLength {
        code: 3,
        len: 3,
        expected: "a non-zero multiple of 4"
    }));
    assert_eq!(m.lease_time(), None);
}

#[test]
fn domain_search_follows_compression_pointers() {
    // "eng.example.com" then "corp" + pointer to "example.com" (offset 4).
    let data = b"\x03eng\x07example\x03com\x00\x04corp\xc0\x04";
    let v = Value::decode(119, data);
    assert!(matches!(v, Value::DomainList(_)), "{v:?}");
    assert_eq!(v.to_string(), "eng.example.com, corp.example.com");
    let mut json = String::new();
    v.write_json(&mut json);
    assert_eq!(json, r#"["eng.example.com","corp.example.com"]"#);
    // A pointer loop is rejected, not followed forever.
    assert!(matches!(
        Value::decode(119, b"\xc0\x00"),
        Value::Invalid { .. }
    ));
}

#[test]
fn classless_routes_decode_with_significant_octets() {
    let data = [0, 10, 0, 0, 1, 24, 192, 168, 5, 10, 0, 0, 254];
    let Value::ClasslessRoutes(routes) = Value::decode(121, &data) else {
        panic!("not routes");
    };
    assert_eq!(
        routes.iter().collect::<Vec<_>>(),
        vec![
            Route {
                destination: Ipv4Addr::UNSPECIFIED,
                prefix: 0,
                router: Ipv4Addr::new(10, 0, 0, 1)
            },
            Route {
                destination: Ipv4Addr::new(192, 168, 5, 0),
                prefix: 24,
                router: Ipv4Addr::new(10, 0, 0, 254)
            },
        ]
    );
    assert!(matches!(
        Value::decode(121, &[33, 1, 2, 3, 4, 5]),
        Value::Invalid { .. }
    ));
}

#[test]
fn relay_agent_sub_options() {
    let data = b"\x01\x04eth0\x02\x02\xab\xcd\x05\x04\x0a\x00\x00\x01";
    let Value::RelayAgent(subs) = Value::decode(82, data) else {
        panic!("not a relay agent value");
    };
    assert_eq!(
        subs.iter().collect::<Vec<_>>(),
        vec![
            SubOption {
                code: 1,
                data: b"eth0"
            },
            SubOption {
                code: 2,
                data: &[0xab, 0xcd]
            },
            SubOption {
                code: 5,
                data: &[10, 0, 0, 1]
            },
        ]
    );
    assert_eq!(
        Value::decode(82, data).to_string(),
        "Agent Circuit ID (1): eth0; Agent Remote ID (2): abcd; Link Selection (5): 10.0.0.1"
    );
}

#[test]
fn client_fqdn_ascii_and_wire_format() {
    let v = Value::decode(81, b"\x01\x00\x00host.example");
    assert!(matches!(v, Value::ClientFqdn { flags: 1, ref name, .. } if name == "host.example"));
    let v = Value::decode(81, b"\x05\x00\x00\x04host\x07example\x00");
    assert!(matches!(v, Value::ClientFqdn { flags: 5, ref name, .. } if name == "host.example"));
    // A partial name has no root label (RFC 4702 §2.3.1).
    let v = Value::decode(81, b"\x05\x00\x00\x04host");
    assert!(matches!(v, Value::ClientFqdn { flags: 5, ref name, .. } if name == "host"));
    assert_eq!(options::check(81, b"\x05\x00\x00\x04host"), None);
}

#[test]
fn hostile_text_is_escaped_when_displayed() {
    let v = Value::decode(12, b"x\x1b]52;c;aGk=\x07");
    assert_eq!(v.to_string(), "x\\x1b]52;c;aGk=\\x07");
}

#[test]
fn message_type_names() {
    assert_eq!(MessageType(13).to_string(), "LEASEACTIVE");
    assert_eq!(MessageType(106).to_string(), "UNKNOWN(106)");
}

/// A DISCOVER written byte by byte from RFC 2131's figure 1, with literal offsets (not the
/// `field` constants) so the ranges themselves are checked.
fn known_discover() -> Vec<u8> {
    let mut wire = vec![0u8; 300];
    wire[0] = 1; // op
    wire[1] = 1; // htype
    wire[2] = 6; // hlen
    wire[3] = 2; // hops
    wire[4..8].copy_from_slice(&[0xde, 0xad, 0xbe, 0xef]);
    wire[8..10].copy_from_slice(&[0, 3]);
    wire[10..12].copy_from_slice(&[0x80, 0]);
    wire[12..16].copy_from_slice(&[10, 0, 0, 5]);
    wire[16..20].copy_from_slice(&[10, 0, 0, 6]);
    wire[20..24].copy_from_slice(&[10, 0, 0, 7]);
    wire[24..28].copy_from_slice(&[10, 0, 0, 8]);
    wire[28..34].copy_from_slice(&MAC);
    wire[44..47].copy_from_slice(b"srv");
    wire[108..116].copy_from_slice(b"boot.img");
    wire[236..240].copy_from_slice(&[99, 130, 83, 99]);
    let options: &[u8] = &[
        53, 1, 1, // DISCOVER
        0, // Pad
        12, 3, b'l', b'a', b'p', // Host Name, first part
        12, 3, b't', b'o', b'p', // Host Name again (RFC 3396)
        55, 2, 1, 3, // Parameter Request List
        255,
    ];
    wire[240..240 + options.len()].copy_from_slice(options);
    wire
}

#[test]
fn known_bytes_decode_to_their_fields() {
    let wire = known_discover();
    let m = Message::decode(&wire);
    assert_eq!(
        (m.op, m.htype, m.hlen, m.hops, m.xid, m.secs, m.flags),
        (1, 1, 6, 2, 0xdead_beef, 3, 0x8000)
    );
    assert_eq!(
        [m.ciaddr, m.yiaddr, m.siaddr, m.giaddr],
        [5, 6, 7, 8].map(|d| Ipv4Addr::new(10, 0, 0, d))
    );
    assert_eq!(m.client_mac(), Some(crate::mac::MacAddr(MAC)));
    assert_eq!(m.sname_text(), Some(&b"srv"[..]));
    assert_eq!(m.file_text(), Some(&b"boot.img"[..]));
    assert_eq!(m.cookie, Some(MAGIC_COOKIE));
    let seen: Vec<(u8, usize, &[u8])> = m
        .options
        .iter()
        .map(|o| (o.code, o.offset, o.data))
        .collect();
    assert_eq!(
        seen,
        [
            (53, 240, &[1][..]),
            (12, 244, b"lap"),
            (12, 249, b"top"),
            (55, 254, &[1, 3]),
        ]
    );
    assert_eq!(m.options_end, Some(258));
    assert_eq!(m.hostname().as_deref(), Some(&b"laptop"[..]));
    // The field ranges point at the same bytes.
    assert_eq!(wire[field::XID], [0xde, 0xad, 0xbe, 0xef]);
    assert_eq!(wire[field::FLAGS], [0x80, 0]);
    assert_eq!(wire[field::GIADDR], [10, 0, 0, 8]);
    assert_eq!(wire[field::CHADDR][..6], MAC);
    assert_eq!(wire[field::SNAME][..3], *b"srv");
    assert_eq!(wire[field::FILE][..8], *b"boot.img");
    assert_eq!(wire[field::COOKIE], MAGIC_COOKIE);
    let ends: Vec<usize> = [
        field::OP,
        field::HTYPE,
        field::HLEN,
        field::HOPS,
        field::XID,
        field::SECS,
        field::FLAGS,
        field::CIADDR,
        field::YIADDR,
        field::SIADDR,
        field::GIADDR,
        field::CHADDR,
        field::SNAME,
        field::FILE,
        field::COOKIE,
    ]
    .windows(2)
    .filter(|w| w[0].end != w[1].start)
    .map(|w| w[0].end)
    .collect();
    assert!(ends.is_empty(), "gaps or overlaps after {ends:?}");
}

#[test]
fn fields_build_the_known_bytes() {
    let built = MessageBuilder::request(0xdead_beef, MAC)
        .hops(2)
        .secs(3)
        .broadcast(true)
        .ciaddr(Ipv4Addr::new(10, 0, 0, 5))
        .yiaddr(Ipv4Addr::new(10, 0, 0, 6))
        .siaddr(Ipv4Addr::new(10, 0, 0, 7))
        .giaddr(Ipv4Addr::new(10, 0, 0, 8))
        .sname(b"srv")
        .file(b"boot.img")
        .message_type(MessageType::DISCOVER)
        .raw(&[options::PAD])
        .option(options::HOSTNAME, b"lap")
        .option(options::HOSTNAME, b"top")
        .option(options::PARAMETER_LIST, &[1, 3])
        .build();
    assert_eq!(built, known_discover());
}

#[test]
fn parse_then_emit_gives_the_same_bytes() {
    let wire = known_discover();
    let emitted = MessageBuilder::from_message(&Message::decode(&wire)).build();
    assert_eq!(emitted, wire);
    // Overloaded sname/file travel as captured; Pad bytes before End stay where they were.
    let mut overloaded = MessageBuilder::reply(9, MAC)
        .option(options::OVERLOAD, &[3])
        .file(&[12, 2, b'h', b'i', 255])
        .sname(&[15, 1, b'x', 255])
        .raw(&[0, 0, 0])
        .build();
    overloaded.push(0);
    let m = Message::decode(&overloaded);
    assert_eq!(m.overload, 3);
    assert_eq!(MessageBuilder::from_message(&m).build(), overloaded);
}

#[test]
fn option_names_need_no_json_escaping() {
    for code in 0..=255u8 {
        let name = options::name(code);
        assert!(
            name.bytes()
                .all(|b| b.is_ascii_graphic() && b != b'"' && b != b'\\' || b == b' '),
            "{code}: {name:?}"
        );
        let sub = SubOption { code, data: &[] };
        assert!(
            sub.name()
                .bytes()
                .all(|b| b.is_ascii() && b != b'"' && b != b'\\')
        );
    }
}
