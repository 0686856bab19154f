use super::options::{self, Duid, SubOption};
use super::ra::{self, NdValue, PrefixInfo, RouteInfo, RouterBuilder, RouterMessage};
use super::*;
use std::net::Ipv6Addr;

const MAC: [u8; 6] = [0x02, 0x10, 0, 0, 0, 7];

fn ip(s: &str) -> Ipv6Addr {
    s.parse().expect("test address")
}

/// A SOLICIT assembled by hand from the RFC 8415 §8 and §21 layouts.
const SOLICIT: &[u8] = &[
    0x01, 0x12, 0x34, 0x56, // SOLICIT, xid 0x123456
    0x00, 0x01, 0x00, 0x0e, // Client ID, 14 bytes: DUID-LLT
    0x00, 0x01, 0x00, 0x01, 0x2a, 0x3b, 0x4c, 0x5d, // type 1, hw 1, time 0x2a3b4c5d
    0x02, 0x10, 0x00, 0x00, 0x00, 0x07, // link-layer address
    0x00, 0x08, 0x00, 0x02, 0x00, 0x96, // Elapsed Time 150 (1.5 s)
    0x00, 0x06, 0x00, 0x04, 0x00, 0x17, 0x00, 0x18, // ORO 23, 24
    0x00, 0x03, 0x00, 0x0c, 0x00, 0x00, 0x00, 0x01, 0, 0, 0, 0, 0, 0, 0,
    0, // IA_NA 1, T1=T2=0
    0x00, 0x0e, 0x00, 0x00, // Rapid Commit
];

#[test]
fn hand_assembled_solicit_decodes_field_by_field() {
    let m = Message::decode(SOLICIT);
    assert_eq!(m.warnings, vec![]);
    assert_eq!(m.msg_type, MessageType::SOLICIT);
    assert_eq!(m.xid, 0x12_3456);
    let seen: Vec<(u16, u16, usize)> = m
        .options
        .iter()
        .map(|o| (o.code, o.len, o.offset))
        .collect();
    assert_eq!(
        seen,
        [(1, 14, 4), (8, 2, 22), (6, 4, 28), (3, 12, 36), (14, 0, 52)]
    );
    assert_eq!(
        m.client_duid(),
        Some(Duid::Llt {
            hwtype: 1,
            time: 0x2a3b_4c5d,
            lladdr: &MAC
        })
    );
    assert_eq!(m.client_duid().and_then(|d| d.mac()), Some(MAC));
    assert_eq!(m.elapsed_time(), Some(150));
    assert_eq!(m.oro(), [23, 24]);
    assert!(m.rapid_commit());
    assert_eq!(m.server_id(), None);
    let ias = m.ias();
    assert_eq!(ias.len(), 1);
    assert_eq!(
        (ias[0].kind, ias[0].iaid, ias[0].t1, ias[0].t2),
        (IaKind::Na, 1, 0, 0)
    );
    assert!(ias[0].leases.is_empty());
}

#[test]
fn every_prefix_of_a_message_decodes_without_panicking() {
    for n in 0..SOLICIT.len() {
        let m = Message::decode(&SOLICIT[..n]);
        if n < 4 {
            assert!(
                m.warnings
                    .contains(&Warning::Truncated { len: n, needed: 4 })
            );
        }
        for w in m.all_warnings() {
            let _ = w.to_string();
        }
    }
    // Cut inside the Client ID: the option keeps what is there.
    let m = Message::decode(&SOLICIT[..12]);
    assert_eq!(m.options[0].data, &SOLICIT[8..12]);
    assert!(m.warnings.contains(&Warning::TruncatedOption {
        code: 1,
        offset: 4,
        claimed: 14,
        available: 4
    }));
    // Cut inside an option header.
    let m = Message::decode(&SOLICIT[..24]);
    assert!(m.warnings.contains(&Warning::TrailingBytes {
        offset: 22,
        bytes: 2
    }));
}

/// An ADVERTISE with IA_NA → IA Address → Status Code, and IA_PD → IA Prefix, by hand.
const ADVERTISE: &[u8] = &[
    0x02, 0xab, 0xcd, 0xef, // ADVERTISE, xid
    0x00, 0x02, 0x00, 0x0a, 0x00, 0x03, 0x00, 0x01, 0x02, 0x99, 0, 0, 0,
    1, // Server ID DUID-LL
    0x00, 0x07, 0x00, 0x01, 0xff, // Preference 255
    0x00, 0x03, 0x00, 0x36, // IA_NA, 54 bytes
    0x00, 0x00, 0x00, 0x2a, 0, 0, 0x0e, 0x10, 0, 0, 0x16, 0x80, // IAID 42, T1 3600, T2 5760
    0x00, 0x05, 0x00, 0x1e, // IA Address, 30 bytes (24 + status 6)
    0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x10, // 2001:db8::10
    0, 0, 0x1c, 0x20, 0, 0, 0x2a, 0x30, // preferred 7200, valid 10800
    0x00, 0x0d, 0x00, 0x02, 0x00, 0x00, // Status Success inside the address
    0x00, 0x0d, 0x00, 0x04, 0x00, 0x00, b'o', b'k', // Status Success "ok" in the IA
    0x00, 0x19, 0x00, 0x29, // IA_PD, 41 bytes
    0, 0, 0, 7, 0, 0, 0, 0, 0, 0, 0, 0, // IAID 7, T1=T2=0
    0x00, 0x1a, 0x00, 0x19, // IA Prefix, 25 bytes
    0xff, 0xff, 0xff, 0xff, 0, 0, 0x0e, 0x10, 56, // preferred infinite (!), valid 3600, /56
    0x20, 0x01, 0x0d, 0xb8, 0x12, 0x34, 0x56, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x00, 0x17, 0x00, 0x10,
    0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x53, // DNS
    0x00, 0x18, 0x00, 0x0d, 7, b'e', b'x', b'a', b'm', b'p', b'l', b'e', 3, b'c', b'o', b'm', 0,
];

#[test]
fn hand_assembled_advertise_with_nested_options() {
    let m = Message::decode(ADVERTISE);
    assert_eq!(m.warnings, vec![]);
    assert_eq!((m.msg_type, m.xid), (MessageType::ADVERTISE, 0xab_cdef));
    let tree: Vec<(u16, Option<u16>, u8, usize)> = m
        .options
        .iter()
        .map(|o| (o.code, o.parent, o.depth, o.offset))
        .collect();
    assert_eq!(
        tree,
        [
            (2, None, 0, 4),
            (7, None, 0, 18),
            (3, None, 0, 23),
            (5, Some(2), 1, 39),
            (13, Some(3), 2, 67),
            (13, Some(2), 1, 73),
            (25, None, 0, 81),
            (26, Some(6), 1, 97),
            (23, None, 0, 126),
            (24, None, 0, 146),
        ]
    );
    assert_eq!(
        m.server_duid(),
        Some(Duid::Ll {
            hwtype: 1,
            lladdr: &[2, 0x99, 0, 0, 0, 1]
        })
    );
    assert_eq!(m.preference(), Some(255));
    let ias = m.ias();
    assert_eq!(ias.len(), 2);
    assert_eq!((ias[0].iaid, ias[0].t1, ias[0].t2), (42, 3600, 5760));
    assert_eq!(
        ias[0].status.map(|s| (s.code, s.message)),
        Some((0, &b"ok"[..]))
    );
    assert_eq!(
        ias[0].leases,
        vec![Lease {
            addr: ip("2001:db8::10"),
            prefix_len: 128,
            preferred: 7200,
            valid: 10800,
            offset: 39,
            status: Some(Status {
                code: 0,
                message: b""
            }),
        }]
    );
    assert_eq!(ias[1].kind, IaKind::Pd);
    assert_eq!(
        (ias[1].leases[0].addr, ias[1].leases[0].prefix_len),
        (ip("2001:db8:1234:5600::"), 56)
    );
    assert_eq!(
        (ias[1].leases[0].preferred, ias[1].leases[0].valid),
        (u32::MAX, 3600)
    );
    assert_eq!(m.dns_servers(), [ip("2001:db8::53")]);
    assert_eq!(m.domain_list(), ["example.com"]);
    assert_eq!(m.children(2).map(|o| o.code).collect::<Vec<_>>(), [5, 13]);
}

#[test]
fn builder_roundtrip_keeps_order_values_and_nesting() {
    let client = duid::llt(1, 700_000_000, &MAC);
    let server = duid::en(9, b"kea-1");
    let bytes = MessageBuilder::new(MessageType::REPLY, 0x0100_0042)
        .server_id(&server)
        .client_id(&client)
        .ia_na(
            5,
            1800,
            2880,
            Options::new().ia_address(ip("2001:db8::5"), 3600, 7200, Options::new()),
        )
        .ia_pd(
            6,
            1800,
            2880,
            Options::new().ia_prefix(ip("2001:db8:ff00::"), 40, 3600, 7200, Options::new()),
        )
        .dns_servers(&[ip("2001:db8::1"), ip("2001:db8::2")])
        .domain_list(&["corp.example", "example"])
        .rapid_commit()
        .seconds(options::INFORMATION_REFRESH_TIME, 86400)
        .seconds(options::SOL_MAX_RT, 3600)
        .client_fqdn(1, "host.corp.example")
        .vendor_class(311, &[b"MSFT 5.0"])
        .user_class(&[b"a", b"bc"])
        .status(0, "all good")
        .build();
    let m = Message::decode(&bytes);
    assert_eq!(m.warnings, vec![]);
    assert_eq!(m.xid, 0x42, "only 24 bits are sent");
    let codes: Vec<u16> = m.top_options().map(|o| o.code).collect();
    assert_eq!(codes, [2, 1, 3, 25, 23, 24, 14, 32, 82, 39, 16, 15, 13]);
    assert_eq!(
        m.client_duid(),
        Some(Duid::Llt {
            hwtype: 1,
            time: 700_000_000,
            lladdr: &MAC
        })
    );
    assert_eq!(
        m.server_duid(),
        Some(Duid::En {
            enterprise: 9,
            id: b"kea-1"
        })
    );
    let ias = m.ias();
    assert_eq!(ias[0].leases[0].addr, ip("2001:db8::5"));
    assert_eq!(ias[1].leases[0].prefix_len, 40);
    assert_eq!(m.domain_list(), ["corp.example", "example"]);
    assert_eq!(m.seconds(options::INFORMATION_REFRESH_TIME), Some(86400));
    assert_eq!(m.status().map(|s| s.name()), Some("Success"));
    let value = |code| m.top_options().find(|o| o.code == code).map(|o| o.value());
    assert_eq!(
        value(39),
        Some(Value::ClientFqdn {
            flags: 1,
            name: "host.corp.example".into()
        })
    );
    assert_eq!(
        value(16),
        Some(Value::VendorClass {
            enterprise: 311,
            classes: vec![b"MSFT 5.0"]
        })
    );
    assert_eq!(value(15), Some(Value::UserClass(vec![b"a", b"bc"])));
    // Every option renders.
    for o in &m.options {
        assert!(!o.value().to_string().is_empty());
    }
}

#[test]
fn duid_types_decode() {
    assert_eq!(Duid::decode(&duid::uuid([7; 16])), Duid::Uuid(&[7; 16]));
    assert_eq!(Duid::decode(&duid::ll(1, &MAC)).mac(), Some(MAC));
    assert_eq!(
        Duid::decode(&duid::en(43793, b"\x01\x02")).kind_name(),
        "EN"
    );
    assert_eq!(
        Duid::decode(&[0, 9, 1, 2]),
        Duid::Other {
            kind: 9,
            data: &[1, 2]
        }
    );
    // A UUID with the wrong size is not a UUID, and the option is flagged.
    assert!(matches!(
        Duid::decode(&[0, 4, 1, 2, 3]),
        Duid::Other { kind: 4, .. }
    ));
    let bytes = MessageBuilder::new(MessageType::SOLICIT, 1)
        .client_id(&[0, 4, 1, 2, 3])
        .build();
    assert!(matches!(
        Message::decode(&bytes).warnings[..],
        [Warning::BadValue {
            code: 1,
            offset: 4,
            ..
        }]
    ));
    assert_eq!(
        Duid::decode(&duid::uuid([0xab; 16])).to_string(),
        "UUID abababab-abab-abab-abab-abababababab"
    );
}

#[test]
fn relay_chain_nests_to_two_levels_with_absolute_offsets() {
    let solicit = MessageBuilder::new(MessageType::SOLICIT, 7)
        .client_id(&duid::ll(1, &MAC))
        .elapsed_time(0)
        .build();
    let inner_relay = MessageBuilder::relay(false, 0, ip("2001:db8:1::1"), ip("fe80::10:0:0:7"))
        .interface_id(b"eth1")
        .client_link_layer(1, &MAC)
        .relay_message(&solicit)
        .build();
    let outer = MessageBuilder::relay(false, 1, ip("2001:db8:2::1"), ip("2001:db8:1::1"))
        .remote_id(4491, b"port-7")
        .relay_message(&inner_relay)
        .build();
    let m = Message::decode(&outer);
    assert!(m.all_warnings().is_empty(), "{:?}", m.all_warnings());
    let layers = m.layers();
    assert_eq!(layers.len(), 3);
    assert_eq!(m.relay_depth(), 2);
    let r0 = m.relay.as_ref().expect("outer relay");
    assert_eq!((r0.hop_count, r0.link_address), (1, ip("2001:db8:2::1")));
    let r1 = layers[1].relay.as_ref().expect("inner relay");
    assert_eq!((r1.hop_count, r1.peer_address), (0, ip("fe80::10:0:0:7")));
    assert_eq!(layers[1].client_link_layer(), Some((1, &MAC[..])));
    assert_eq!(layers[1].option(options::INTERFACE_ID), Some(&b"eth1"[..]));
    let client = m.innermost();
    assert_eq!((client.msg_type, client.xid), (MessageType::SOLICIT, 7));
    // Outer header 34 + Remote-Id (4 + 10) + option 9 header 4 = 52; inner header 34 +
    // Interface-Id 8 + opt 79 (4 + 8) + option 9 header 4 = 58: the SOLICIT starts at 110.
    assert_eq!(layers[1].base, 52);
    assert_eq!(client.base, 110);
    assert_eq!(client.options[0].offset, 114);
    assert_eq!(&outer[client.options[0].offset..][..2], &[0, 1]);
    assert_eq!(
        layers[0]
            .option(options::REMOTE_ID)
            .map(|d| Value::decode(37, d)),
        Some(Value::RemoteId {
            enterprise: 4491,
            id: b"port-7"
        })
    );
}

#[test]
fn relay_nesting_is_bounded() {
    let mut msg = MessageBuilder::new(MessageType::SOLICIT, 1).build();
    for hop in 0..40u8 {
        msg = MessageBuilder::relay(false, hop, Ipv6Addr::UNSPECIFIED, Ipv6Addr::UNSPECIFIED)
            .relay_message(&msg)
            .build();
    }
    let m = Message::decode(&msg);
    assert_eq!(m.layers().len(), MAX_RELAY_DEPTH);
    assert!(m.all_warnings().contains(&&Warning::RelayTooDeep {
        depth: MAX_RELAY_DEPTH
    }));
}

#[test]
fn relay_warnings() {
    let no_msg = MessageBuilder::relay(true, 0, Ipv6Addr::UNSPECIFIED, Ipv6Addr::UNSPECIFIED)
        .interface_id(b"x")
        .build();
    assert_eq!(
        Message::decode(&no_msg).warnings,
        vec![Warning::RelayWithoutMessage]
    );
    let short = &no_msg[..20];
    assert_eq!(
        Message::decode(short).warnings,
        vec![Warning::Truncated {
            len: 20,
            needed: 34
        }]
    );
    // Interface-Id and option 9 in a client message.
    let leak = MessageBuilder::new(MessageType::REPLY, 1)
        .interface_id(b"eth0")
        .relay_message(&[1, 0, 0, 1])
        .build();
    let w = Message::decode(&leak).warnings;
    assert!(w.contains(&Warning::Misplaced {
        code: 18,
        offset: 4,
        reason: "Interface-Id outside a relay message (RFC 8415 §21.18)"
    }));
    assert!(w.contains(&Warning::RelayMessageOutsideRelay { offset: 12 }));
}

#[test]
fn duplicates_are_kept_and_warned_per_scope() {
    let bytes = MessageBuilder::new(MessageType::ADVERTISE, 1)
        .server_id(&duid::ll(1, &MAC))
        .preference(10)
        .server_id(&duid::ll(1, &[2, 0, 0, 0, 0, 9]))
        // Two IA_NAs with one status each: not duplicates (different scopes).
        .ia_na(1, 0, 0, Options::new().status(2, "none"))
        .ia_na(2, 0, 0, Options::new().status(2, "none").status(0, ""))
        .build();
    let m = Message::decode(&bytes);
    assert_eq!(m.top_options().filter(|o| o.code == 2).count(), 2);
    assert_eq!(
        m.warnings,
        vec![
            Warning::Duplicate {
                code: 2,
                count: 2,
                parent: None
            },
            Warning::Duplicate {
                code: 13,
                count: 2,
                parent: Some(3)
            },
        ]
    );
    // The first instance wins for accessors.
    assert_eq!(m.server_duid().and_then(|d| d.mac()), Some(MAC));
    assert_eq!(m.ias()[1].status.map(|s| s.code), Some(2));
}

#[test]
fn option_count_is_bounded() {
    // 16 000 empty Rapid Commit options: the walk stops at MAX_OPTIONS with a warning.
    let mut b = MessageBuilder::new(MessageType::SOLICIT, 1);
    for _ in 0..16_000 {
        b = b.rapid_commit();
    }
    let bytes = b.build();
    let m = Message::decode(&bytes);
    assert_eq!(m.options.len(), MAX_OPTIONS);
    assert!(m.warnings.contains(&Warning::TooManyOptions {
        offset: 4 + 4 * MAX_OPTIONS
    }));
}

#[test]
fn misplaced_and_malformed_options_are_warned() {
    let bytes = MessageBuilder::new(MessageType::REPLY, 1)
        .ia_address(ip("2001:db8::1"), 1, 2, Options::new())
        .option(options::PREFERENCE, &[1, 2])
        .option(options::DNS_SERVERS, &[0; 15])
        .option(options::IA_PD, &[0; 11])
        .option(options::IA_PD, &{
            let mut d = vec![0; 12];
            d.extend_from_slice(&[0, 26, 0, 25, 0, 0, 0, 1, 0, 0, 0, 1, 200]);
            d.extend_from_slice(&[0; 16]);
            d
        })
        .build();
    let w = Message::decode(&bytes).warnings;
    assert!(w.contains(&Warning::Misplaced {
        code: 5,
        offset: 4,
        reason: "IA Address outside an IA_NA or IA_TA"
    }));
    assert!(w.contains(&Warning::BadLength {
        code: 7,
        offset: 32,
        len: 2,
        expected: "1"
    }));
    assert!(w.contains(&Warning::BadLength {
        code: 23,
        offset: 38,
        len: 15,
        expected: "a non-zero multiple of 16"
    }));
    assert!(w.contains(&Warning::BadLength {
        code: 25,
        offset: 57,
        len: 11,
        expected: "at least 12"
    }));
    assert!(w.contains(&Warning::BadValue {
        code: 26,
        offset: 88,
        reason: "prefix length above 128"
    }));
}

#[test]
fn truncated_nested_option_is_reported_with_its_own_offset() {
    // IA_NA whose IA Address claims 24 bytes but has 10.
    let mut ia = vec![0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 5, 0, 24];
    ia.extend_from_slice(&[0; 10]);
    let bytes = MessageBuilder::new(MessageType::REPLY, 1)
        .option(options::IA_NA, &ia)
        .build();
    let m = Message::decode(&bytes);
    assert_eq!(m.options.len(), 2);
    assert_eq!(
        m.warnings,
        vec![Warning::TruncatedOption {
            code: 5,
            offset: 20,
            claimed: 24,
            available: 10
        }]
    );
    assert!(m.ias()[0].leases.is_empty());
}

#[test]
fn domain_names_must_not_be_compressed() {
    let data = b"\x03eng\x07example\x03com\x00\x04corp\xc0\x04";
    assert!(matches!(
        Value::decode(options::DOMAIN_LIST, data),
        Value::Invalid {
            reason: "compression pointer (not allowed in DHCPv6, RFC 8415 §10)",
            ..
        }
    ));
    let bytes = MessageBuilder::new(MessageType::REPLY, 1)
        .option(options::DOMAIN_LIST, data)
        .build();
    assert!(matches!(
        Message::decode(&bytes).warnings[..],
        [Warning::BadValue { code: 24, .. }]
    ));
    // A name without its root label is malformed in option 24 but fine (partial) in 39.
    assert!(matches!(
        Value::decode(options::DOMAIN_LIST, b"\x04host"),
        Value::Invalid { .. }
    ));
    assert_eq!(
        Value::decode(options::CLIENT_FQDN, b"\x00\x04host"),
        Value::ClientFqdn {
            flags: 0,
            name: "host".into()
        }
    );
}

#[test]
fn typed_values_for_the_reference_options() {
    assert_eq!(Value::decode(7, &[255]), Value::U8(255));
    assert_eq!(
        Value::decode(8, &[0xff, 0xff]).to_string(),
        "65535 (≥ 655.35 s, saturated)"
    );
    assert_eq!(Value::decode(8, &[0, 150]).to_string(), "150 (1.50 s)");
    assert_eq!(Value::decode(14, &[]), Value::Empty);
    assert_eq!(Value::decode(20, &[]), Value::Empty);
    assert!(matches!(Value::decode(14, &[1]), Value::Invalid { .. }));
    assert_eq!(Value::decode(82, &[0, 0, 0x0e, 0x10]), Value::Seconds(3600));
    assert_eq!(Value::decode(83, &[0, 0, 0, 60]).to_string(), "60 (1m)");
    assert_eq!(
        Value::decode(13, b"\x00\x02no addresses").to_string(),
        "2 NoAddrsAvail \"no addresses\""
    );
    assert_eq!(
        Value::decode(6, &[0, 23, 0, 24, 0, 82]).to_string(),
        "23 DNS Recursive Name Server, 24 Domain Search List, 82 SOL_MAX_RT"
    );
    assert_eq!(
        Value::decode(79, &[0, 1, 2, 0x10, 0, 0, 0, 7]),
        Value::LinkLayer {
            hwtype: 1,
            addr: &MAC
        }
    );
    assert_eq!(
        Value::decode(17, &[0, 0, 0x11, 0x8b, 0, 1, 0, 2, 0xab, 0xcd]),
        Value::VendorOpts {
            enterprise: 4491,
            subs: vec![SubOption {
                code: 1,
                data: &[0xab, 0xcd]
            }]
        }
    );
    let mut ntp = vec![0, 1, 0, 16];
    ntp.extend_from_slice(&ip("2001:db8::123").octets());
    assert_eq!(Value::decode(56, &ntp).to_string(), "server 2001:db8::123");
    let auth = [3, 1, 0, 0, 0, 0, 0, 0, 0, 0, 9, 1, 0xaa];
    assert!(matches!(
        Value::decode(11, &auth),
        Value::Auth {
            protocol: 3,
            algorithm: 1,
            rdm: 0,
            replay: 9,
            ..
        }
    ));
    assert_eq!(
        Value::decode(12, &ip("2001:db8::9").octets()),
        Value::Ip(ip("2001:db8::9"))
    );
    assert_eq!(Value::decode(19, &[5]), Value::U8(5));
    assert!(matches!(
        Value::decode(16, &[0, 0, 1, 55, 0, 9, b'x']),
        Value::Invalid { .. }
    ));
    assert_eq!(MessageType(11).to_string(), "INFORMATION-REQUEST");
    assert_eq!(MessageType(200).to_string(), "UNKNOWN(200)");
}

#[test]
fn hostile_text_is_escaped_when_displayed() {
    let v = Value::decode(13, b"\x00\x01x\x1b]52;c;aGk=\x07");
    assert_eq!(v.to_string(), "1 UnspecFail \"x\\x1b]52;c;aGk=\\x07\"");
    let v = Value::decode(24, b"\x04a\x1b[m\x00");
    assert_eq!(v.to_string(), "a\\x1b[m");
}

// ----- router advertisements -----

/// An RA assembled by hand from RFC 4861 §4.2/§4.6 and RFC 4191/8106 layouts.
fn hand_ra() -> Vec<u8> {
    let mut b = vec![
        134, 0, 0, 0, // type, code, checksum (filled below)
        64, 0xc8, 0x07, 0x08, // hop limit 64, M O and Prf=01 (high), lifetime 1800
        0, 0, 0x75, 0x30, 0, 0, 0x03, 0xe8, // reachable 30000 ms, retrans 1000 ms
        1, 1, 2, 0x10, 0, 0, 0, 7, // source link-layer address
        5, 1, 0, 0, 0, 0, 0x05, 0xdc, // MTU 1500
        3, 4, 64, 0xc0, 0, 0x27, 0x8d, 0, 0, 0, 0x0e, 0x10, 0, 0, 0, 0, // PIO /64 L A
    ];
    b.extend_from_slice(&ip("2001:db8:1::").octets());
    b.extend_from_slice(&[24, 2, 48, 0x18, 0, 0, 0x0e, 0x10]); // RIO /48 Prf low
    b.extend_from_slice(&ip("2001:db8:5::").octets()[..8]);
    b.extend_from_slice(&[25, 3, 0, 0, 0, 0, 0x07, 0x08]); // RDNSS lifetime 1800
    b.extend_from_slice(&ip("2001:db8::53").octets());
    b.extend_from_slice(&[
        31, 2, 0, 0, 0, 0, 0x07, 0x08, 3, b'l', b'a', b'n', 0, 0, 0, 0,
    ]);
    b
}

#[test]
fn hand_assembled_router_advertisement() {
    let bytes = hand_ra();
    let m = RouterMessage::decode(&bytes).expect("an RA");
    assert_eq!(m.warnings, vec![]);
    let h = m.advert.expect("RA header");
    assert!(h.managed() && h.other());
    assert_eq!(h.preference().name(), "high");
    assert_eq!(
        (
            h.cur_hop_limit,
            h.router_lifetime,
            h.reachable_time,
            h.retrans_timer
        ),
        (64, 1800, 30000, 1000)
    );
    let kinds: Vec<(u8, usize)> = m.options.iter().map(|o| (o.kind, o.offset)).collect();
    assert_eq!(
        kinds,
        [(1, 16), (5, 24), (3, 32), (24, 64), (25, 80), (31, 104)]
    );
    assert_eq!(m.source_mac(), Some(MAC));
    assert_eq!(m.mtu(), Some(1500));
    assert_eq!(
        m.prefixes(),
        [PrefixInfo {
            prefix_len: 64,
            flags: 0xc0,
            valid: 2_592_000,
            preferred: 3600,
            prefix: ip("2001:db8:1::")
        }]
    );
    assert!(m.prefixes()[0].on_link() && m.prefixes()[0].autonomous());
    assert_eq!(
        m.routes(),
        [RouteInfo {
            prefix_len: 48,
            preference: ra::Preference(3),
            lifetime: 3600,
            prefix: ip("2001:db8:5::")
        }]
    );
    assert_eq!(m.rdnss(), [(ip("2001:db8::53"), 1800)]);
    assert_eq!(m.dnssl(), [("lan".to_string(), 1800)]);
}

#[test]
fn router_builder_roundtrip_and_checksum() {
    let src = ip("fe80::1");
    let dst = ip("ff02::1");
    let bytes = RouterBuilder::advert(64, 0x40, 0)
        .timers(0, 0)
        .source_lla(MAC)
        .prefix(PrefixInfo {
            prefix_len: 64,
            flags: 0x80,
            valid: 600,
            preferred: 300,
            prefix: ip("2001:db8:9::"),
        })
        .rdnss(600, &[ip("fe80::1")])
        .dnssl(600, &["corp.example", "example"])
        .route(RouteInfo {
            prefix_len: 0,
            preference: ra::Preference(1),
            lifetime: 60,
            prefix: Ipv6Addr::UNSPECIFIED,
        })
        .build(src, dst);
    assert_eq!(
        ra::icmpv6_checksum(src, dst, &bytes),
        0,
        "checksum verifies"
    );
    assert_ne!(ra::icmpv6_checksum(src, ip("ff02::2"), &bytes), 0);
    let m = RouterMessage::decode(&bytes).expect("RA");
    assert_eq!(m.warnings, vec![]);
    let h = m.advert.expect("header");
    assert!(!h.managed() && h.other());
    assert_eq!(m.dnssl().len(), 2);
    assert_eq!(m.routes()[0].preference.name(), "high");

    let rs = RouterBuilder::solicit()
        .source_lla(MAC)
        .build(src, ip("ff02::2"));
    let m = RouterMessage::decode(&rs).expect("RS");
    assert!(!m.is_advert() && m.advert.is_none());
    assert_eq!(m.source_mac(), Some(MAC));
    assert!(
        RouterMessage::decode(&[135, 0, 0, 0]).is_none(),
        "NS is not ours"
    );
}

#[test]
fn malformed_router_advertisements_are_warned() {
    // Zero-length option stops the walk.
    let bytes = RouterBuilder::advert(255, 0x10, 0)
        .raw(&[1, 0, 0, 0, 0, 0, 0, 0])
        .build(ip("fe80::1"), ip("ff02::1"));
    let m = RouterMessage::decode(&bytes).expect("RA");
    assert!(
        m.warnings
            .contains(&ra::Warning::ZeroLengthOption { offset: 16 })
    );
    assert!(m.warnings.contains(&ra::Warning::ReservedPreference));
    // Option running past the end; bad PIO size; short header; non-zero code.
    let mut bytes = RouterBuilder::advert(255, 0, 0)
        .raw(&[3, 2, 64, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0])
        .raw(&[25, 3, 0, 0])
        .build(ip("fe80::1"), ip("ff02::1"));
    bytes[1] = 9;
    let m = RouterMessage::decode(&bytes).expect("RA");
    assert_eq!(
        m.warnings,
        vec![
            ra::Warning::NonZeroCode { code: 9 },
            ra::Warning::BadValue {
                kind: 3,
                offset: 16,
                reason: "Prefix Information must be 32 bytes"
            },
            ra::Warning::TruncatedOption {
                kind: 25,
                offset: 32,
                claimed: 24,
                available: 4
            },
        ]
    );
    let m = RouterMessage::decode(&bytes[..10]).expect("RA");
    assert_eq!(
        m.warnings[1],
        ra::Warning::Truncated {
            len: 10,
            needed: 16
        }
    );
    for n in 0..bytes.len() {
        if let Some(m) = RouterMessage::decode(&bytes[..n]) {
            for o in &m.options {
                let _ = o.value().to_string();
            }
        }
    }
    assert!(matches!(
        NdValue::decode(25, &[0; 10]),
        NdValue::Invalid { .. }
    ));
}

mod props {
    use super::super::ra::RouterMessage;
    use super::super::*;
    use proptest::prelude::*;

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2000))]

        #[test]
        fn dhcpv6_decoder_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..600)) {
            let m = Message::decode(&bytes);
            for layer in m.layers() {
                for o in &layer.options {
                    let _ = o.value().to_string();
                    prop_assert!(o.offset + 4 + o.data.len() <= bytes.len());
                }
                let _ = (layer.ias(), layer.dns_servers(), layer.domain_list(), layer.client_duid());
            }
            for w in m.all_warnings() {
                let _ = w.to_string();
            }
        }

        /// Valid headers with random option bytes reach the nested walkers and relays.
        #[test]
        fn dhcpv6_random_options_never_panic(
            msg_type in 1u8..14,
            body in proptest::collection::vec(any::<u8>(), 0..400),
        ) {
            let mut bytes = vec![msg_type, 0, 0, 1];
            if MessageType(msg_type).is_relay() {
                bytes.resize(34, 0);
            }
            bytes.extend_from_slice(&body);
            let m = Message::decode(&bytes);
            for layer in m.layers() {
                for o in &layer.options {
                    let _ = o.value().to_string();
                }
            }
        }

        #[test]
        fn router_decoder_never_panics(
            kind in 133u8..135,
            body in proptest::collection::vec(any::<u8>(), 0..300),
        ) {
            let mut bytes = vec![kind];
            bytes.extend_from_slice(&body);
            let m = RouterMessage::decode(&bytes).expect("RS or RA");
            for o in &m.options {
                let _ = o.value().to_string();
            }
            for w in &m.warnings {
                let _ = w.to_string();
            }
            let _ = (m.prefixes(), m.rdnss(), m.dnssl(), m.routes(), m.mtu(), m.source_mac());
        }

        /// build → decode: the same codes, nesting and values come back.
        #[test]
        fn builder_roundtrip(
            xid in 0u32..0x100_0000,
            iaid in any::<u32>(),
            t1 in any::<u32>(),
            t2 in any::<u32>(),
            addr in any::<u128>(),
            preferred in any::<u32>(),
            valid in any::<u32>(),
            pref in any::<u8>(),
            id in proptest::collection::vec(any::<u8>(), 1..64),
        ) {
            let addr = Ipv6Addr::from(addr);
            let client = duid::en(311, &id);
            let bytes = MessageBuilder::new(MessageType::ADVERTISE, xid)
                .client_id(&client)
                .preference(pref)
                .ia_na(iaid, t1, t2, Options::new().ia_address(addr, preferred, valid, Options::new()))
                .build();
            let m = Message::decode(&bytes);
            prop_assert!(m.warnings.is_empty());
            prop_assert_eq!(m.xid, xid);
            prop_assert_eq!(m.client_id(), Some(&client[..]));
            prop_assert_eq!(m.preference(), Some(pref));
            let ias = m.ias();
            prop_assert_eq!((ias[0].iaid, ias[0].t1, ias[0].t2), (iaid, t1, t2));
            prop_assert_eq!(
                (ias[0].leases[0].addr, ias[0].leases[0].preferred, ias[0].leases[0].valid),
                (addr, preferred, valid)
            );
        }
    }
}
