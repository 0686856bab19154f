use super::*;
use crate::pipeline::{ReadControl, ReadOptions, read_inline};
use crate::source::FileSource;
use std::ops::ControlFlow;
use std::path::Path;

fn analyse(name: &str) -> V6Analysis {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("captures")
        .join(name);
    let mut source = FileSource::open(&path).expect("capture");
    let mut a = V6Analysis::new();
    read_inline(
        &mut source,
        &ReadOptions::default(),
        &ReadControl::default(),
        |b| {
            for p in b.iter_v6() {
                a.observe(&p);
            }
            ControlFlow::Continue(())
        },
    );
    a.finish();
    a
}

fn codes(a: &V6Analysis) -> Vec<&'static str> {
    let mut c: Vec<&str> = a.findings.iter().map(|f| f.code).collect();
    c.sort_unstable();
    c
}

#[test]
fn scapy_capture_model() {
    let a = analyse("dhcpv6-scapy.pcap");
    assert_eq!((a.dhcpv6_packets, a.router_packets), (12, 4));
    // One client (one DUID) seen directly and through two relays.
    assert_eq!(a.clients.len(), 1);
    let c = &a.clients[0];
    assert_eq!(c.duid_type, "LLT");
    assert_eq!(c.mac.as_deref(), Some("02:00:00:00:0c:01"));
    assert_eq!(c.mac_source, Some(MacSource::Frame));
    assert_eq!(
        c.link_locals,
        ["fe80::ff:fe00:c01".parse::<Ipv6Addr>().unwrap()]
    );
    // The legitimate server and the mitm6-style one.
    assert_eq!(a.servers.len(), 2);
    let s = &a.servers[0];
    assert_eq!(s.macs, ["02:00:00:00:05:01"]);
    assert_eq!(s.preference, Some(255));
    assert!(
        s.leased_prefixes
            .contains(&"2001:db8:ff00::/56".to_string())
    );
    // The REQUEST (xid 0x00b002) continues the SOLICIT (0x00a001) by DUIDs and IAID.
    let solicit = a
        .exchanges
        .iter()
        .position(|x| x.xid == "0x00a001")
        .unwrap();
    let request = a.exchanges.iter().find(|x| x.xid == "0x00b002").unwrap();
    assert_eq!(request.continues, Some(solicit));
    assert_eq!(request.outcome, "bound");
    assert_eq!(
        a.exchanges[solicit].steps.len(),
        3,
        "SOLICIT + 2 ADVERTISEs"
    );
    let relayed = a.exchanges.iter().find(|x| x.xid == "0x00c003").unwrap();
    assert_eq!(relayed.outcome, "NoAddrsAvail");
    assert_eq!(relayed.steps[0].relay_hops, 2);
    let renew = a.exchanges.iter().find(|x| x.kind == "RENEW").unwrap();
    assert_eq!(renew.outcome, "NoBinding");
    // Routers: the real one and the rogue.
    assert_eq!(a.routers.len(), 2);
    assert!(a.routers[0].managed && a.routers[0].other);
    assert_eq!(a.routers[0].prefixes, ["2001:db8:1::/64"]);
    assert_eq!(
        codes(&a),
        [
            "ra-evasion",
            "ra-prf-with-zero-lifetime",
            "v6-mitm6-profile",
            "v6-multiple-servers",
        ]
    );
    let mitm = a
        .findings
        .iter()
        .find(|f| f.code == "v6-mitm6-profile")
        .unwrap();
    assert_eq!(
        (mitm.severity, mitm.frames.as_slice()),
        (Severity::Critical, &[14][..])
    );
    // Every RA of the file has IP hop limit 255 and a link-local source: not ra-invalid.
    let evasion = a.findings.iter().find(|f| f.code == "ra-evasion").unwrap();
    assert_eq!(evasion.frames, [16]);
    let zero = a
        .findings
        .iter()
        .find(|f| f.code == "ra-prf-with-zero-lifetime")
        .unwrap();
    assert_eq!(zero.frames, [15, 16]);
    assert_eq!(a.worst_severity(), Some(Severity::Critical));
}

#[test]
fn clean_four_message_exchange_raises_nothing_and_is_linked() {
    // Built: SOLICIT, ADVERTISE, REQUEST, REPLY from one server, one second apart.
    use crate::dhcpv6::{MessageBuilder, OptionWriter, Options, duid};
    use crate::frame6::{FrameBody, build_frame, multicast_mac};
    use crate::pcap_writer::PcapWriter;
    let cmac = [2, 0, 0, 0, 0, 1];
    let smac = [2, 0, 0, 0, 0, 2];
    let cll: Ipv6Addr = "fe80::1".parse().unwrap();
    let sll: Ipv6Addr = "fe80::2".parse().unwrap();
    let group: Ipv6Addr = "ff02::1:2".parse().unwrap();
    let client = duid::ll(1, &cmac);
    let server = duid::llt(1, 1, &smac);
    let addr: Ipv6Addr = "2001:db8::5".parse().unwrap();
    let ia = || Options::new().ia_address(addr, 3600, 7200, Options::new());
    let msgs: Vec<(bool, Vec<u8>)> = vec![
        (
            true,
            MessageBuilder::new(MessageType::SOLICIT, 1)
                .client_id(&client)
                .ia_na(7, 0, 0, Options::new())
                .build(),
        ),
        (
            false,
            MessageBuilder::new(MessageType::ADVERTISE, 1)
                .server_id(&server)
                .client_id(&client)
                .ia_na(7, 1800, 2880, ia())
                .build(),
        ),
        (
            true,
            MessageBuilder::new(MessageType::REQUEST, 2)
                .client_id(&client)
                .server_id(&server)
                .ia_na(7, 0, 0, Options::new())
                .build(),
        ),
        (
            false,
            MessageBuilder::new(MessageType::REPLY, 2)
                .server_id(&server)
                .client_id(&client)
                .ia_na(7, 1800, 2880, ia())
                .build(),
        ),
    ];
    let dir = std::env::temp_dir().join(format!("dhcpscope-v6-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("dora6.pcap");
    let mut w = PcapWriter::new(std::fs::File::create(&path).unwrap()).unwrap();
    for (i, (from_client, payload)) in msgs.iter().enumerate() {
        let (sm, dm, s, d, sp, dp) = if *from_client {
            (cmac, multicast_mac(group), cll, group, 546, 547)
        } else {
            (smac, cmac, sll, cll, 547, 546)
        };
        let f = build_frame(
            sm,
            dm,
            s,
            d,
            1,
            FrameBody::Udp {
                src_port: sp,
                dst_port: dp,
                payload,
            },
        );
        w.write_frame(crate::time::Timestamp::new(1_700_000_000 + i as i64, 0), &f)
            .unwrap();
    }
    drop(w);
    let mut source = FileSource::open(&path).unwrap();
    let mut a = V6Analysis::new();
    read_inline(
        &mut source,
        &ReadOptions::default(),
        &ReadControl::default(),
        |b| {
            for p in b.iter_v6() {
                a.observe(&p);
            }
            ControlFlow::Continue(())
        },
    );
    a.finish();
    let _ = std::fs::remove_dir_all(&dir);
    assert_eq!(a.findings, vec![], "a clean exchange raises nothing");
    assert_eq!(a.exchanges[1].continues, Some(0));
    assert_eq!(a.exchanges[1].steps[1].after_ms, Some(1000.0));
}
