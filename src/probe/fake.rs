//! A scripted [`Link`] for tests: simple DHCP servers ([`FakeServer`]) answer what the
//! probe sends after their delay, on a fake clock that only moves when the session waits.
//! Nothing is sent anywhere and nothing sleeps, so rate limits, retries and back-off are
//! checked on the frames' times ([`FakeLink::sent`]).

use super::link::{Link, LinkError, after};
use crate::craft::{BROADCAST_MAC, UdpEndpoints, udp_frame};
use crate::dhcp::options::{self as opt, MessageType};
use crate::dhcp::{Message, MessageBuilder};
use crate::pipeline::{PacketBatch, UdpMeta};
use crate::source::{RawFrame, SourceError, linktype};
use crate::time::Timestamp;
use std::net::Ipv4Addr;
use std::time::Duration;

/// When the fake clock starts.
pub const T0: Timestamp = Timestamp::new(1_795_000_000, 0);
/// The fake interface's MAC.
pub const FAKE_MAC: [u8; 6] = [0x02, 0, 0, 0, 0, 0xfe];
/// The first transaction id it hands out (then +1 each).
pub const FIRST_XID: u32 = 0x5eed_0001;

/// What a server does with one kind of request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Answer {
    Ack,
    Nak,
    Silent,
}

/// A scripted DHCP server on the fake segment.
#[derive(Debug, Clone, PartialEq)]
pub struct FakeServer {
    pub ip: Ipv4Addr,
    pub mac: [u8; 6],
    /// The address it offers and ACKs; its own /24 is the subnet it serves.
    pub pool: Ipv4Addr,
    /// How long after a request its answer is captured.
    pub delay: Duration,
    pub lease_time: Option<u32>,
    pub offers: bool,
    /// A REQUEST naming it.
    pub selected: Answer,
    /// A REQUEST naming another server.
    pub unselected: Answer,
    /// INIT-REBOOT or REBIND for an address outside its subnet (authoritative: NAK).
    pub foreign: Answer,
    pub inform: Answer,
    /// A broken INFORM ACK: with yiaddr set and a lease time.
    pub inform_with_lease: bool,
    /// It answers requests sent in `[from, until)` only (started late, stopped early).
    pub from: Timestamp,
    pub until: Timestamp,
}

impl FakeServer {
    /// A well-behaved, non-authoritative server answering after 2 ms.
    pub fn new(ip: Ipv4Addr, mac: [u8; 6], pool: Ipv4Addr) -> FakeServer {
        FakeServer {
            ip,
            mac,
            pool,
            delay: Duration::from_millis(2),
            lease_time: Some(120),
            offers: true,
            selected: Answer::Ack,
            unselected: Answer::Silent,
            foreign: Answer::Silent,
            inform: Answer::Ack,
            inform_with_lease: false,
            from: Timestamp::new(i64::MIN, 0),
            until: Timestamp::new(i64::MAX, 0),
        }
    }

    pub fn delay(mut self, d: Duration) -> FakeServer {
        self.delay = d;
        self
    }

    pub fn authoritative(mut self) -> FakeServer {
        self.foreign = Answer::Nak;
        self
    }

    fn in_subnet(&self, a: Ipv4Addr) -> bool {
        a.octets()[..3] == self.ip.octets()[..3]
    }

    /// The reply type and address for a request, if it answers.
    fn decide(&self, m: &Message<'_>) -> Option<(MessageType, Ipv4Addr)> {
        let answer = |a: Answer, addr: Ipv4Addr| match a {
            Answer::Ack => Some((MessageType::ACK, addr)),
            Answer::Nak => Some((MessageType::NAK, Ipv4Addr::UNSPECIFIED)),
            Answer::Silent => None,
        };
        match m.message_type()? {
            MessageType::DISCOVER if self.offers => Some((MessageType::OFFER, self.pool)),
            MessageType::REQUEST => {
                let asked = m.requested_ip().unwrap_or(m.ciaddr);
                match m.server_id() {
                    Some(id) if id == self.ip => answer(self.selected, asked),
                    Some(_) => answer(self.unselected, asked),
                    None if self.in_subnet(asked) => answer(Answer::Ack, asked),
                    None => answer(self.foreign, asked),
                }
            }
            MessageType::INFORM => {
                let yiaddr = if self.inform_with_lease {
                    m.ciaddr
                } else {
                    Ipv4Addr::UNSPECIFIED
                };
                answer(self.inform, yiaddr)
            }
            _ => None,
        }
    }

    /// The frame it answers `req` with, if any.
    pub fn answer(&self, udp: &UdpMeta, m: &Message<'_>) -> Option<Vec<u8>> {
        if m.op != 1 {
            return None;
        }
        let (t, yiaddr) = self.decide(m)?;
        let chaddr = m.chaddr_mac()?;
        let mut b = MessageBuilder::reply(m.xid, chaddr)
            .message_type(t)
            .yiaddr(yiaddr)
            .giaddr(m.giaddr)
            .flags(u16::from(m.broadcast()) << 15)
            .option_ip(opt::SERVER_ID, self.ip);
        // RFC 2131 §4.3.5: no lease time in an INFORM's ACK (unless scripted to break it).
        let with_lease = m.message_type() != Some(MessageType::INFORM) || self.inform_with_lease;
        if t != MessageType::NAK {
            if let (Some(l), true) = (self.lease_time, with_lease) {
                b = b.option_u32(opt::LEASE_TIME, l);
            }
            b = b
                .option_ip(opt::SUBNET_MASK, Ipv4Addr::new(255, 255, 255, 0))
                .option_ip(opt::ROUTER, self.ip);
        }
        if let Some(info) = m.first_option(opt::RELAY_AGENT) {
            b = b.option(opt::RELAY_AGENT, info);
        }
        let ends = if m.giaddr.is_unspecified() {
            let to_ciaddr = !m.ciaddr.is_unspecified() && t != MessageType::NAK;
            let (dst_mac, dst_ip) = if to_ciaddr {
                (udp.src_mac.unwrap_or(BROADCAST_MAC), m.ciaddr)
            } else {
                (BROADCAST_MAC, Ipv4Addr::BROADCAST)
            };
            UdpEndpoints::server_reply(self.mac, self.ip, dst_mac, dst_ip)
        } else {
            // To the relay agent, server port to server port.
            UdpEndpoints {
                dst_port: 67,
                ..UdpEndpoints::server_reply(
                    self.mac,
                    self.ip,
                    udp.src_mac.unwrap_or(BROADCAST_MAC),
                    m.giaddr,
                )
            }
        };
        Some(udp_frame(&ends, udp.vlans.as_slice(), &b.build()))
    }
}

/// A frame the fake sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sent {
    pub ts: Timestamp,
    pub frame: Vec<u8>,
}

/// The scripted link.
#[derive(Debug, Clone)]
pub struct FakeLink {
    now: Timestamp,
    /// Frames the capture will deliver, by time (equal times in the order scheduled).
    pending: Vec<(Timestamp, Vec<u8>)>,
    pub servers: Vec<FakeServer>,
    /// How long after sending the capture shows our own frame; `None`: it never does.
    pub echo: Option<Duration>,
    /// From this time on the link is finished (as after Ctrl-C).
    pub interrupt_at: Option<Timestamp>,
    /// Every frame sent, with the fake time it left.
    pub sent: Vec<Sent>,
    next_xid: u32,
    frames: u64,
    current: (Timestamp, Vec<u8>),
}

impl Default for FakeLink {
    fn default() -> Self {
        FakeLink::new(Vec::new())
    }
}

impl FakeLink {
    /// A segment with these servers; our own frames are captured 20 µs after sending.
    pub fn new(servers: Vec<FakeServer>) -> FakeLink {
        FakeLink {
            now: T0,
            pending: Vec::new(),
            servers,
            echo: Some(Duration::from_micros(20)),
            interrupt_at: None,
            sent: Vec::new(),
            next_xid: FIRST_XID,
            frames: 0,
            current: (T0, Vec::new()),
        }
    }

    /// Schedules a frame for the capture `delay` from now (unsolicited traffic).
    pub fn inject(&mut self, delay: Duration, frame: Vec<u8>) {
        let at = after(self.now, delay);
        let i = self.pending.partition_point(|(t, _)| *t <= at);
        self.pending.insert(i, (at, frame));
    }

    /// How many frames wait in the capture.
    pub fn pending(&self) -> usize {
        self.pending.len()
    }

    /// Sends `frame` to every server; schedules their answers.
    fn answer(&mut self, frame: &[u8]) {
        let raw = RawFrame {
            number: 0,
            ts: self.now,
            ts_digits: 9,
            linktype: linktype::ETHERNET,
            orig_len: frame.len() as u32,
            data: frame,
        };
        // The scripted servers read the request as every consumer does: through the pipeline.
        let Some(batch) = PacketBatch::of_frame(&raw) else {
            return;
        };
        let Some(meta) = batch.packets.first() else {
            return;
        };
        let packet = batch.packet(meta);
        let (udp, m) = (&packet.udp, &packet.dhcp);
        let now = self.now;
        let answers: Vec<(Duration, Vec<u8>)> = self
            .servers
            .iter()
            .filter(|s| s.from <= now && now < s.until)
            .filter_map(|s| s.answer(udp, m).map(|f| (s.delay, f)))
            .collect();
        for (delay, f) in answers {
            self.inject(delay, f);
        }
    }
}

impl Link for FakeLink {
    fn now(&self) -> Timestamp {
        self.now
    }

    fn send(&mut self, frame: &[u8]) -> Result<Timestamp, LinkError> {
        self.sent.push(Sent {
            ts: self.now,
            frame: frame.to_vec(),
        });
        if let Some(d) = self.echo {
            self.inject(d, frame.to_vec());
        }
        self.answer(frame);
        Ok(self.now)
    }

    fn recv(&mut self, until: Timestamp) -> Result<Option<RawFrame<'_>>, SourceError> {
        // Whatever arrived by now is delivered, even when the deadline has passed; nothing
        // after an interruption is.
        let mut limit = until.max(self.now);
        if let Some(t) = self.interrupt_at {
            limit = limit.min(t.max(self.now));
        }
        if self.is_finished() || self.pending.first().is_none_or(|(t, _)| *t > limit) {
            self.now = limit;
            return Ok(None);
        }
        let (ts, data) = self.pending.remove(0);
        self.now = self.now.max(ts);
        self.frames += 1;
        self.current = (ts, data);
        Ok(Some(RawFrame {
            number: self.frames,
            ts,
            ts_digits: 9,
            linktype: linktype::ETHERNET,
            orig_len: self.current.1.len() as u32,
            data: &self.current.1,
        }))
    }

    fn sleep_until(&mut self, until: Timestamp) {
        self.now = self.now.max(until);
    }

    fn is_finished(&self) -> bool {
        self.interrupt_at.is_some_and(|t| self.now >= t)
    }

    fn new_xid(&mut self) -> u32 {
        let x = self.next_xid;
        self.next_xid = self.next_xid.wrapping_add(1).max(1);
        x
    }

    fn interface_mac(&self) -> Option<[u8; 6]> {
        Some(FAKE_MAC)
    }

    fn interface(&self) -> &str {
        "fake0"
    }

    fn ready(&self) -> Result<(), LinkError> {
        Ok(())
    }
}
