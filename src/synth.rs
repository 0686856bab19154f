//! Synthetic but protocol-faithful DHCP traffic, for benchmarks and load tests.
//!
//! Each client runs one scenario drawn from a fixed mix (plain DORA, DORA with a second
//! server's competing OFFER, INIT-REBOOT refused with a NAK then DORA, INFORM, unanswered
//! DISCOVER retries, DORA then RELEASE, DORA then a unicast renewal), interleaved in time.
//! One client in ten sits on an 802.1Q-tagged VLAN (all its frames carry the tag).
//! Deterministic for a given seed: 200 000 clients make about 975 000 packets (353 MB), the
//! workload issue 8's speed targets are measured on.

use crate::craft::{BROADCAST_MAC, UdpEndpoints, udp_frame};
use crate::dhcp::MessageBuilder;
use crate::dhcp::options::{self as opt, MessageType};
use crate::pcap_writer::PcapWriter;
use crate::time::Timestamp;
use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::io::{self, Write};
use std::net::Ipv4Addr;

pub const LEGIT_SERVER_IP: Ipv4Addr = Ipv4Addr::new(10, 0, 0, 1);
pub const LEGIT_SERVER_MAC: [u8; 6] = [0x02, 0x53, 0, 0, 0, 1];
pub const ROGUE_SERVER_IP: Ipv4Addr = Ipv4Addr::new(192, 168, 66, 1);
pub const ROGUE_SERVER_MAC: [u8; 6] = [0x02, 0xba, 0xdb, 0xad, 0xba, 0xd1];

/// Small deterministic PRNG (xorshift64*): no dependency for a benchmark generator.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
}

struct Server {
    ip: Ipv4Addr,
    mac: [u8; 6],
    /// First three octets of the pool.
    net: [u8; 3],
    mask: Ipv4Addr,
}

const LEGIT: Server = Server {
    ip: LEGIT_SERVER_IP,
    mac: LEGIT_SERVER_MAC,
    net: [10, 0, 1],
    mask: Ipv4Addr::new(255, 192, 0, 0),
};
const ROGUE: Server = Server {
    ip: ROGUE_SERVER_IP,
    mac: ROGUE_SERVER_MAC,
    net: [192, 168, 66],
    mask: Ipv4Addr::new(255, 255, 255, 0),
};

/// Writes a pcap with `clients` clients (about 4.9 packets each) to `out`; returns the
/// number of frames written.
pub fn write_capture(out: impl Write, clients: u32, seed: u64) -> io::Result<u64> {
    let mut w = PcapWriter::new(out)?;
    let mut rng = Rng(seed | 1);
    let mut frames = 0u64;
    // Frames wait here until no earlier one can come, so the file is in time order.
    let mut pending: BinaryHeap<Reverse<(i128, u64, Vec<u8>)>> = BinaryHeap::new();
    let start = Timestamp::new(1_764_288_000, 0);
    for i in 0..clients {
        // Clients start 20 ms apart (50 per second); each one's packets span at most ~1 s.
        let base = start.as_nanos() + i128::from(i) * 20_000_000;
        while let Some(Reverse((t, _, _))) = pending.peek() {
            if *t > base {
                break;
            }
            if let Some(Reverse((t, _, frame))) = pending.pop() {
                w.write_frame(timestamp(t), &frame)?;
            }
        }
        let mac = [0x02, 0x10, (i >> 16) as u8, (i >> 8) as u8, i as u8, 0x07];
        let xid = rng.next() as u32;
        // Every client its own address: legit pool 10.64.0.0/10, rogue pool 192.168.66.0/24.
        let addr = |s: &Server| {
            if s.net[0] == 10 {
                Ipv4Addr::from(u32::from(Ipv4Addr::new(10, 64, 0, 10)) + i)
            } else {
                Ipv4Addr::new(s.net[0], s.net[1], s.net[2], 10 + (i % 240) as u8)
            }
        };
        // One client in ten on a tagged VLAN (four VLANs, 101-104).
        let vlan = [101 + ((i / 10) % 4) as u16];
        let vlans: &[u16] = if i % 10 == 3 { &vlan } else { &[] };
        let mut emit = |offset_us: u64, ends: &UdpEndpoints, msg: &MessageBuilder| {
            pending.push(Reverse((
                base + i128::from(offset_us) * 1000,
                frames,
                udp_frame(ends, vlans, &msg.build()),
            )));
            frames += 1;
        };
        let scenario = rng.below(100);
        let hostname = format!("host-{i}");
        match scenario {
            // INFORM from a statically configured client.
            0..=4 => {
                let ciaddr = Ipv4Addr::new(10, 0, 2, (i % 250) as u8 + 1);
                let inform = client_msg(xid, mac, MessageType::INFORM, &hostname).ciaddr(ciaddr);
                let ends = UdpEndpoints {
                    src_ip: ciaddr,
                    ..UdpEndpoints::client_broadcast(mac)
                };
                emit(0, &ends, &inform);
                let ack = server_msg(&LEGIT, xid, mac, MessageType::ACK).ciaddr(ciaddr);
                let reply = UdpEndpoints::server_reply(LEGIT.mac, LEGIT.ip, mac, ciaddr);
                emit(700, &reply, &ack);
            }
            // DISCOVER retried, nobody answers.
            5..=9 => {
                for (n, at) in [0u64, 4_000, 12_000].iter().enumerate() {
                    let d =
                        client_msg(xid, mac, MessageType::DISCOVER, &hostname).secs(n as u16 * 4);
                    emit(*at, &UdpEndpoints::client_broadcast(mac), &d);
                }
            }
            // INIT-REBOOT for an address from another network: NAK, then a fresh DORA.
            10..=14 => {
                let stale = Ipv4Addr::new(172, 16, 5, (i % 250) as u8 + 1);
                let req = client_msg(xid, mac, MessageType::REQUEST, &hostname)
                    .option_ip(opt::REQUESTED_IP, stale);
                emit(0, &UdpEndpoints::client_broadcast(mac), &req);
                let nak = MessageBuilder::reply(xid, mac)
                    .broadcast(true)
                    .message_type(MessageType::NAK)
                    .option_ip(opt::SERVER_ID, LEGIT.ip)
                    .option(opt::MESSAGE, b"wrong network");
                let bcast = UdpEndpoints::server_reply(
                    LEGIT.mac,
                    LEGIT.ip,
                    BROADCAST_MAC,
                    Ipv4Addr::BROADCAST,
                );
                emit(600, &bcast, &nak);
                dora(
                    &mut emit,
                    2_000,
                    xid.wrapping_add(1),
                    mac,
                    &hostname,
                    addr(&LEGIT),
                    false,
                    &mut rng,
                );
            }
            // A rogue server answers too.
            15..=24 => dora(
                &mut emit,
                0,
                xid,
                mac,
                &hostname,
                addr(&LEGIT),
                true,
                &mut rng,
            ),
            // DORA, then RELEASE.
            25..=29 => {
                let yiaddr = addr(&LEGIT);
                dora(&mut emit, 0, xid, mac, &hostname, yiaddr, false, &mut rng);
                let rel = MessageBuilder::request(xid.wrapping_add(7), mac)
                    .message_type(MessageType::RELEASE)
                    .ciaddr(yiaddr)
                    .option_ip(opt::SERVER_ID, LEGIT.ip);
                let ends = UdpEndpoints {
                    src_ip: yiaddr,
                    dst_ip: LEGIT.ip,
                    dst_mac: LEGIT.mac,
                    ..UdpEndpoints::client_broadcast(mac)
                };
                emit(900_000, &ends, &rel);
            }
            // DORA, then a renewal at T1: unicast REQUEST with ciaddr, unicast ACK.
            30..=68 => {
                let yiaddr = addr(&LEGIT);
                dora(&mut emit, 0, xid, mac, &hostname, yiaddr, false, &mut rng);
                let renew_xid = xid.wrapping_add(3);
                let req =
                    client_msg(renew_xid, mac, MessageType::REQUEST, &hostname).ciaddr(yiaddr);
                let ends = UdpEndpoints {
                    src_ip: yiaddr,
                    dst_ip: LEGIT.ip,
                    dst_mac: LEGIT.mac,
                    ..UdpEndpoints::client_broadcast(mac)
                };
                emit(800_000, &ends, &req);
                let ack = server_msg(&LEGIT, renew_xid, mac, MessageType::ACK)
                    .ciaddr(yiaddr)
                    .yiaddr(yiaddr)
                    .option_u32(opt::LEASE_TIME, 3600);
                let reply = UdpEndpoints::server_reply(LEGIT.mac, LEGIT.ip, mac, yiaddr);
                emit(800_500, &reply, &ack);
            }
            // Plain DORA.
            _ => dora(
                &mut emit,
                0,
                xid,
                mac,
                &hostname,
                addr(&LEGIT),
                false,
                &mut rng,
            ),
        }
    }
    while let Some(Reverse((t, _, frame))) = pending.pop() {
        w.write_frame(timestamp(t), &frame)?;
    }
    w.into_inner().flush()?;
    Ok(frames)
}

fn timestamp(nanos: i128) -> Timestamp {
    Timestamp::new(
        (nanos / 1_000_000_000) as i64,
        (nanos % 1_000_000_000) as u32,
    )
}

fn client_msg(xid: u32, mac: [u8; 6], t: MessageType, hostname: &str) -> MessageBuilder {
    MessageBuilder::request(xid, mac)
        .message_type(t)
        .option(
            opt::CLIENT_ID,
            &[1, mac[0], mac[1], mac[2], mac[3], mac[4], mac[5]],
        )
        .option(opt::HOSTNAME, hostname.as_bytes())
        .option(
            opt::PARAMETER_LIST,
            &[1, 3, 6, 15, 28, 51, 58, 59, 119, 121],
        )
}

fn server_msg(s: &Server, xid: u32, mac: [u8; 6], t: MessageType) -> MessageBuilder {
    MessageBuilder::reply(xid, mac)
        .message_type(t)
        .option_ip(opt::SERVER_ID, s.ip)
        .option_ip(opt::SUBNET_MASK, s.mask)
        .option_ip(opt::ROUTER, s.ip)
        .option_ip(opt::DNS_SERVERS, s.ip)
        .option(opt::DOMAIN_NAME, b"lab.example")
}

#[allow(clippy::too_many_arguments)]
fn dora(
    emit: &mut impl FnMut(u64, &UdpEndpoints, &MessageBuilder),
    at: u64,
    xid: u32,
    mac: [u8; 6],
    hostname: &str,
    yiaddr: Ipv4Addr,
    with_rogue: bool,
    rng: &mut Rng,
) {
    let lease = |b: MessageBuilder| {
        b.option_u32(opt::LEASE_TIME, 3600)
            .option_u32(opt::RENEWAL_TIME, 1800)
            .option_u32(opt::REBINDING_TIME, 3150)
    };
    let d = client_msg(xid, mac, MessageType::DISCOVER, hostname);
    emit(at, &UdpEndpoints::client_broadcast(mac), &d);
    let latency = 300 + rng.below(1500);
    let offer = lease(server_msg(&LEGIT, xid, mac, MessageType::OFFER).yiaddr(yiaddr));
    let to_client = UdpEndpoints::server_reply(LEGIT.mac, LEGIT.ip, mac, yiaddr);
    emit(at + latency, &to_client, &offer);
    if with_rogue {
        let rogue_addr =
            Ipv4Addr::new(ROGUE.net[0], ROGUE.net[1], ROGUE.net[2], yiaddr.octets()[3]);
        let offer = lease(server_msg(&ROGUE, xid, mac, MessageType::OFFER).yiaddr(rogue_addr));
        let ends = UdpEndpoints::server_reply(ROGUE.mac, ROGUE.ip, mac, rogue_addr);
        emit(at + latency + 200, &ends, &offer);
    }
    let req = client_msg(xid, mac, MessageType::REQUEST, hostname)
        .option_ip(opt::REQUESTED_IP, yiaddr)
        .option_ip(opt::SERVER_ID, LEGIT.ip);
    emit(
        at + latency + 2_000,
        &UdpEndpoints::client_broadcast(mac),
        &req,
    );
    let ack = lease(server_msg(&LEGIT, xid, mac, MessageType::ACK).yiaddr(yiaddr));
    emit(at + latency + 2_600, &to_client, &ack);
}
