//! DHCPv6 decode speed against the DHCPv4 decoder, on realistic messages of each protocol.
//!
//! `cargo bench --bench decode_v6`. Both sets are a four-message exchange (v4: DISCOVER,
//! OFFER, REQUEST, ACK; v6: SOLICIT, ADVERTISE, REQUEST, REPLY) with the options real clients
//! and servers send, plus, for v6, the SOLICIT inside a RELAY-FORW. "v4" and "v6" decode
//! (options walked, typed checks, warnings); "v6_views" adds what `decode` shows (IAs, DUIDs,
//! DNS); "ra" decodes a router advertisement. Target: v6 within 2× of v4 per message.

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use dhcpscope::dhcp::{self, options as o4};
use dhcpscope::dhcpv6::ra::{PrefixInfo, RouterBuilder, RouterMessage};
use dhcpscope::dhcpv6::{self, MessageType, OptionWriter, Options, duid};
use std::hint::black_box;
use std::net::{Ipv4Addr, Ipv6Addr};

const MAC: [u8; 6] = [0x08, 0x00, 0x27, 0xfe, 0x8f, 0x95];

fn v4_messages() -> Vec<Vec<u8>> {
    let client_id = [1, 8, 0, 0x27, 0xfe, 0x8f, 0x95];
    let prl = [1, 3, 6, 15, 31, 33, 43, 44, 46, 47, 119, 121, 249, 252];
    let server = Ipv4Addr::new(192, 168, 1, 1);
    let yiaddr = Ipv4Addr::new(192, 168, 1, 50);
    let client = |t| {
        dhcp::MessageBuilder::request(0x3903_f326, MAC)
            .message_type(t)
            .option(o4::CLIENT_ID, &client_id)
            .option(o4::HOSTNAME, b"laptop-42")
            .option(o4::VENDOR_CLASS, b"MSFT 5.0")
            .option(o4::PARAMETER_LIST, &prl)
            .option_u16(o4::MAX_MESSAGE_SIZE, 1500)
    };
    let server_msg = |t| {
        dhcp::MessageBuilder::reply(0x3903_f326, MAC)
            .yiaddr(yiaddr)
            .message_type(t)
            .option_ip(o4::SERVER_ID, server)
            .option_u32(o4::LEASE_TIME, 86400)
            .option_u32(o4::RENEWAL_TIME, 43200)
            .option_u32(o4::REBINDING_TIME, 75600)
            .option_ip(o4::SUBNET_MASK, Ipv4Addr::new(255, 255, 255, 0))
            .option_ips(o4::ROUTER, &[server])
            .option_ips(o4::DNS_SERVERS, &[server, Ipv4Addr::new(9, 9, 9, 9)])
            .option(o4::DOMAIN_NAME, b"home.example")
    };
    vec![
        client(o4::MessageType::DISCOVER).build(),
        server_msg(o4::MessageType::OFFER).build(),
        client(o4::MessageType::REQUEST)
            .option_ip(o4::REQUESTED_IP, yiaddr)
            .option_ip(o4::SERVER_ID, server)
            .build(),
        server_msg(o4::MessageType::ACK).build(),
    ]
}

fn v6_messages() -> Vec<Vec<u8>> {
    let client = duid::llt(1, 0x1c39_cf88, &MAC);
    let server = duid::llt(1, 0x1c39_d0a2, &[8, 0, 0x27, 0xd4, 0x10, 0xbb]);
    let addr: Ipv6Addr = "2001:db8:1::1e6b".parse().expect("address");
    let dns: Ipv6Addr = "2001:db8:1::53".parse().expect("address");
    let client_msg = |t, xid| {
        dhcpv6::MessageBuilder::new(t, xid)
            .client_id(&client)
            .elapsed_time(0)
            .client_fqdn(0, "laptop-42.home.example")
            .vendor_class(311, &[b"MSFT 5.0"])
            .oro(&[17, 23, 24, 39, 82])
    };
    let ia_req = Options::new().ia_address(addr, 0, 0, Options::new());
    let ia_ans = || Options::new().ia_address(addr, 3600, 7200, Options::new());
    let server_msg = |t, xid| {
        dhcpv6::MessageBuilder::new(t, xid)
            .server_id(&server)
            .client_id(&client)
            .ia_na(0x0e08_0027, 1800, 2880, ia_ans())
            .dns_servers(&[dns])
            .domain_list(&["home.example"])
    };
    let solicit = client_msg(MessageType::SOLICIT, 0x10_0874)
        .ia_na(0x0e08_0027, 0, 0, Options::new())
        .build();
    let relayed = dhcpv6::MessageBuilder::relay(
        false,
        0,
        "2001:db8:1::1".parse().expect("address"),
        "fe80::a00:27ff:fefe:8f95".parse().expect("address"),
    )
    .interface_id(b"eth1")
    .client_link_layer(1, &MAC)
    .relay_message(&solicit)
    .build();
    vec![
        solicit,
        server_msg(MessageType::ADVERTISE, 0x10_0874)
            .preference(10)
            .build(),
        client_msg(MessageType::REQUEST, 0x49_174e)
            .server_id(&server)
            .ia_na(0x0e08_0027, 0, 0, ia_req)
            .build(),
        server_msg(MessageType::REPLY, 0x49_174e).build(),
        relayed,
    ]
}

fn bench(c: &mut Criterion) {
    let v4 = v4_messages();
    let v6 = v6_messages();
    let mut group = c.benchmark_group("decode_per_message");
    group.throughput(Throughput::Elements(1));
    // Per-message figures: each iteration decodes the whole set and divides by its size.
    group.bench_function("v4", |b| {
        b.iter_custom(|iters| {
            let start = std::time::Instant::now();
            for i in 0..iters {
                let m = dhcp::Message::decode(&v4[i as usize % v4.len()]);
                black_box((m.options.len(), m.warnings.len(), m.message_type()));
            }
            start.elapsed()
        })
    });
    group.bench_function("v6", |b| {
        b.iter_custom(|iters| {
            let start = std::time::Instant::now();
            for i in 0..iters {
                let m = dhcpv6::Message::decode(&v6[i as usize % v6.len()]);
                black_box((m.options.len(), m.warnings.len(), m.msg_type));
            }
            start.elapsed()
        })
    });
    group.bench_function("v6_views", |b| {
        b.iter_custom(|iters| {
            let start = std::time::Instant::now();
            for i in 0..iters {
                let m = dhcpv6::Message::decode(&v6[i as usize % v6.len()]);
                let inner = m.innermost();
                black_box((
                    inner.ias(),
                    inner.client_duid(),
                    inner.server_duid(),
                    inner.dns_servers(),
                ));
            }
            start.elapsed()
        })
    });
    let ra = RouterBuilder::advert(64, 0xc0, 1800)
        .source_lla(MAC)
        .prefix(PrefixInfo {
            prefix_len: 64,
            flags: 0xc0,
            valid: 2_592_000,
            preferred: 604_800,
            prefix: "2001:db8:1::".parse().expect("prefix"),
        })
        .rdnss(1800, &["2001:db8:1::53".parse().expect("address")])
        .dnssl(1800, &["home.example"])
        .mtu(1500)
        .build(Ipv6Addr::LOCALHOST, Ipv6Addr::LOCALHOST);
    group.bench_function("ra", |b| {
        b.iter(|| {
            let m = RouterMessage::decode(black_box(&ra));
            black_box(m.map(|m| (m.options.len(), m.warnings.len())))
        })
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
