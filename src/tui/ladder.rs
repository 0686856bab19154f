//! The timeline of one client as a ladder diagram: the client's lifeline on the left, one per
//! server (by option 54) to the right, one row per message (retransmissions folded), and a
//! labelled separator before each exchange.

use crate::analysis::{Client, Exchange, MessageRecord, Outcome};
use crate::dhcp::options::MessageType;
use std::fmt::Write as _;
use std::net::Ipv4Addr;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Row {
    /// The separator that opens exchange `ex`.
    Exchange { ex: usize },
    /// Message `msg` of exchange `ex`.
    Message { ex: usize, msg: usize },
    /// Messages of exchange `ex` beyond what the model keeps.
    Dropped { ex: usize },
}

#[derive(Debug, Clone, Default)]
pub struct Ladder {
    /// Server lanes, left to right, in order of first appearance.
    pub servers: Vec<Ipv4Addr>,
    pub rows: Vec<Row>,
    /// Indices into `rows` of the message rows (what the selection moves over).
    pub messages: Vec<usize>,
}

/// The server a message comes from (replies) or is addressed to (requests naming one).
pub fn lane_server(m: &MessageRecord, servers: &[Ipv4Addr]) -> Option<Ipv4Addr> {
    if m.is_reply() {
        return Some(m.server_id.unwrap_or(m.src_ip));
    }
    if let Some(id) = m.server_id {
        return Some(id);
    }
    // A unicast RENEW goes to the server by IP.
    servers.iter().copied().find(|s| *s == m.dst_ip)
}

pub fn build(client: &Client) -> Ladder {
    let mut l = Ladder::default();
    for ex in &client.exchanges {
        for m in &ex.messages {
            if m.is_reply() {
                let s = m.server_id.unwrap_or(m.src_ip);
                if !l.servers.contains(&s) {
                    l.servers.push(s);
                }
            }
        }
    }
    // Servers only addressed (a REQUEST naming a server that never answered).
    for ex in &client.exchanges {
        for m in &ex.messages {
            if let Some(s) = m.server_id.filter(|_| !m.is_reply())
                && !l.servers.contains(&s)
            {
                l.servers.push(s);
            }
        }
    }
    for (i, ex) in client.exchanges.iter().enumerate() {
        l.rows.push(Row::Exchange { ex: i });
        for j in 0..ex.messages.len() {
            l.messages.push(l.rows.len());
            l.rows.push(Row::Message { ex: i, msg: j });
        }
        if ex.messages_dropped > 0 {
            l.rows.push(Row::Dropped { ex: i });
        }
    }
    l
}

pub fn fmt_ms(v: f64) -> String {
    if v < 10.0 {
        format!("{v:.1} ms")
    } else if v < 10_000.0 {
        format!("{v:.0} ms")
    } else {
        format!("{:.1} s", v / 1000.0)
    }
}

/// The label on a message's arrow: `OFFER 10.0.1.9 · 1.1 ms`, `DISCOVER ×3`.
pub fn arrow_label(m: &MessageRecord) -> String {
    let mut s = m.type_name().into_owned();
    if m.retransmissions > 0 {
        let _ = write!(s, " ×{}", m.retransmissions + 1);
    }
    let addr = if m.is_reply() {
        Some(m.yiaddr)
    } else {
        match m.msg_type {
            Some(MessageType::REQUEST | MessageType::DECLINE) => m.requested_ip.or(Some(m.ciaddr)),
            Some(MessageType::INFORM | MessageType::RELEASE) => Some(m.ciaddr),
            _ => None,
        }
    };
    if let Some(a) = addr.filter(|a| !a.is_unspecified()) {
        let _ = write!(s, " {a}");
    }
    if let Some(l) = m.latency_ms().filter(|_| m.is_reply()) {
        let _ = write!(s, " · {}", fmt_ms(l));
    }
    if !m.giaddr.is_unspecified() {
        let _ = write!(s, " via {}", m.giaddr);
    }
    if m.warnings > 0 {
        let _ = write!(s, " ⚠{}", m.warnings);
    }
    s
}

/// The separator's label: `DORA · ACK 10.0.0.131 from 10.0.0.1 · xid 0x1a2b3c4d`.
pub fn exchange_label(e: &Exchange) -> String {
    let mut s = format!("{} · {}", e.kind.name(), e.outcome.name());
    if let Some(a) = e.address {
        let _ = write!(s, " {a}");
    }
    if let Some(id) = e.server_id {
        let _ = write!(s, " from {id}");
    }
    if let Some(l) = e.lease_time {
        let _ = write!(s, " lease {l}s");
    }
    let _ = write!(s, " · xid 0x{:08x}", e.xid);
    s
}

/// True for outcomes an admin looks at first.
pub fn outcome_is_bad(o: Outcome) -> bool {
    matches!(o, Outcome::Nak | Outcome::NoOffer | Outcome::NoAnswer)
}
