//! Lease history from the shared model: for every address, who held it, from when to when,
//! from which server. An ACK with an address starts a holding (or extends the client's open
//! one: a renewal or a re-lease); the client's RELEASE or DECLINE, a NAK to it, or the lease's
//! expiry ends it. Holdings of one address by different clients that overlap in time are
//! flagged.

use crate::analysis::{Analysis, Client, MessageRecord};
use crate::dhcp::options::MessageType;
use crate::filter::{MacPattern, Net};
use crate::time::Timestamp;
use serde::Serialize;
use std::net::Ipv4Addr;

/// How a holding ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum End {
    /// ACK time plus the lease (may lie after the end of the capture).
    Expiry,
    Release,
    Decline,
    Nak,
    /// No lease time, or an infinite one: it does not end.
    Never,
}

impl End {
    pub fn name(self) -> &'static str {
        match self {
            End::Expiry => "expiry",
            End::Release => "release",
            End::Decline => "decline",
            End::Nak => "nak",
            End::Never => "never",
        }
    }
}

/// One client holding one address.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Holding {
    pub address: Ipv4Addr,
    pub mac: String,
    pub server: Option<Ipv4Addr>,
    #[serde(serialize_with = "ser_ts")]
    pub from: Timestamp,
    /// When it ended or ends; `None` for [`End::Never`].
    #[serde(serialize_with = "ser_opt_ts")]
    pub to: Option<Timestamp>,
    pub ended_by: End,
    /// ACKs after the first that extended it (renewals, rebinds, re-leases).
    pub renewals: u32,
    pub first_frame: u64,
    pub last_frame: u64,
    /// Another client held the address at an overlapping time.
    pub overlap: bool,
}

fn ser_ts<S: serde::Serializer>(t: &Timestamp, s: S) -> Result<S::Ok, S::Error> {
    s.collect_str(&t.rfc3339(6))
}

fn ser_opt_ts<S: serde::Serializer>(t: &Option<Timestamp>, s: S) -> Result<S::Ok, S::Error> {
    match t {
        Some(t) => s.collect_str(&t.rfc3339(6)),
        None => s.serialize_none(),
    }
}

impl Holding {
    /// Whether the address was held at `t` (from ≤ t < to).
    pub fn holds_at(&self, t: Timestamp) -> bool {
        self.from <= t && self.to.is_none_or(|to| t < to)
    }
}

const INFINITE: u32 = u32::MAX;

fn add_secs(t: Timestamp, secs: u32) -> Timestamp {
    Timestamp {
        secs: t.secs.saturating_add(i64::from(secs)),
        nanos: t.nanos,
    }
}

fn reply_server(r: &MessageRecord) -> Ipv4Addr {
    r.server_id.unwrap_or(r.src_ip)
}

/// The holdings of one client, in time order.
fn client_holdings(c: &Client, out: &mut Vec<Holding>) {
    let mut msgs: Vec<&MessageRecord> = c.exchanges.iter().flat_map(|e| &e.messages).collect();
    msgs.sort_by_key(|r| r.frame);
    let mac = c.mac_string();
    // Index into `out` of the client's open holding.
    let mut open: Option<usize> = None;
    let close =
        |out: &mut Vec<Holding>, open: &mut Option<usize>, at: Timestamp, how: End, frame: u64| {
            if let Some(i) = open.take() {
                let h = &mut out[i];
                // A lease that had already run out ended by expiry, not by what came later.
                if h.to.is_some_and(|to| to <= at) {
                    return;
                }
                h.to = Some(at);
                h.ended_by = how;
                h.last_frame = frame;
            }
        };
    for r in msgs {
        if !r.ts.is_known() {
            continue;
        }
        let Some(t) = r.msg_type else { continue };
        // An open holding whose lease ran out before this message has expired.
        if let Some(i) = open
            && out[i].to.is_some_and(|to| to <= r.ts)
        {
            open = None;
        }
        match t {
            MessageType::ACK if r.is_reply() && !r.yiaddr.is_unspecified() => {
                let (to, ended_by) = match r.lease_time() {
                    Some(l) if l != INFINITE => (Some(add_secs(r.ts, l)), End::Expiry),
                    _ => (None, End::Never),
                };
                match open {
                    Some(i) if out[i].address == r.yiaddr => {
                        let h = &mut out[i];
                        h.to = to;
                        h.ended_by = ended_by;
                        h.renewals += 1;
                        h.last_frame = r.frame;
                        h.server = Some(reply_server(r));
                    }
                    _ => {
                        // A new address ends the previous holding now.
                        close(out, &mut open, r.ts, End::Release, r.frame);
                        out.push(Holding {
                            address: r.yiaddr,
                            mac: mac.clone(),
                            server: Some(reply_server(r)),
                            from: r.ts,
                            to,
                            ended_by,
                            renewals: 0,
                            first_frame: r.frame,
                            last_frame: r.frame,
                            overlap: false,
                        });
                        open = Some(out.len() - 1);
                    }
                }
            }
            MessageType::RELEASE
                if !r.is_reply()
                    && open.is_some_and(|i| {
                        r.ciaddr.is_unspecified() || out[i].address == r.ciaddr
                    }) =>
            {
                close(out, &mut open, r.ts, End::Release, r.frame);
            }
            MessageType::DECLINE
                if !r.is_reply()
                    && open.is_some_and(|i| r.requested_ip.is_none_or(|a| out[i].address == a)) =>
            {
                close(out, &mut open, r.ts, End::Decline, r.frame);
            }
            MessageType::NAK if r.is_reply() => close(out, &mut open, r.ts, End::Nak, r.frame),
            _ => {}
        }
    }
}

/// Every holding of the capture, by address then time, overlaps flagged.
pub fn holdings(a: &Analysis) -> Vec<Holding> {
    let mut out = Vec::new();
    for c in &a.clients {
        client_holdings(c, &mut out);
    }
    out.sort_by_key(|h| (h.address, h.from, h.first_frame));
    flag_overlaps(&mut out);
    out
}

/// Flags holdings (sorted by address, then time) of one address by different clients whose
/// times overlap.
fn flag_overlaps(out: &mut [Holding]) {
    let mut start = 0;
    while start < out.len() {
        let end = start
            + out[start..]
                .iter()
                .take_while(|h| h.address == out[start].address)
                .count();
        for i in start..end {
            for j in i + 1..end {
                let (x, y) = (&out[i], &out[j]);
                let overlaps = x.mac != y.mac && x.to.is_none_or(|to| y.from < to);
                if overlaps {
                    out[i].overlap = true;
                    out[j].overlap = true;
                }
            }
        }
        start = end;
    }
}

/// What `leases` shows.
#[derive(Debug, Clone, Default)]
pub struct Query {
    pub net: Option<Net>,
    pub mac: Option<MacPattern>,
    pub at: Option<Timestamp>,
}

impl Query {
    pub fn keeps(&self, h: &Holding) -> bool {
        self.net.is_none_or(|n| n.contains(h.address))
            && self.mac.is_none_or(|m| {
                h.mac
                    .parse::<crate::mac::MacAddr>()
                    .is_ok_and(|x| m.matches(&x.0))
            })
            && self.at.is_none_or(|t| h.holds_at(t))
    }
}

/// A time for `--at`: RFC 3339 (`2026-11-28T14:03:00Z`), seconds since the epoch, or
/// `HH:MM[:SS]` (UTC) on the day the capture starts.
pub fn parse_time(s: &str, capture_start: Option<Timestamp>) -> Option<Timestamp> {
    let s = s.trim();
    if let Ok(t) = chrono::DateTime::parse_from_rfc3339(s) {
        return Some(Timestamp {
            secs: t.timestamp(),
            nanos: t.timestamp_subsec_nanos(),
        });
    }
    if let Ok(secs) = s.parse::<i64>() {
        return Some(Timestamp { secs, nanos: 0 });
    }
    let parts: Vec<&str> = s.split(':').collect();
    if !(2..=3).contains(&parts.len()) {
        return None;
    }
    let n: Vec<i64> = parts
        .iter()
        .map(|p| p.parse().ok())
        .collect::<Option<_>>()?;
    let (h, m, sec) = (n[0], n[1], n.get(2).copied().unwrap_or(0));
    if !(0..24).contains(&h) || !(0..60).contains(&m) || !(0..61).contains(&sec) {
        return None;
    }
    let day = capture_start?.secs.div_euclid(86_400) * 86_400;
    Some(Timestamp {
        secs: day + h * 3600 + m * 60 + sec,
        nanos: 0,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn h(addr: u8, mac: &str, from: i64, to: Option<i64>) -> Holding {
        Holding {
            address: Ipv4Addr::new(10, 0, 0, addr),
            mac: mac.into(),
            server: None,
            from: Timestamp {
                secs: from,
                nanos: 0,
            },
            to: to.map(|secs| Timestamp { secs, nanos: 0 }),
            ended_by: End::Expiry,
            renewals: 0,
            first_frame: 1,
            last_frame: 1,
            overlap: false,
        }
    }

    #[test]
    fn overlapping_holders_of_one_address_are_flagged() {
        let mut v = vec![
            h(5, "a", 0, Some(100)),
            h(5, "b", 50, Some(150)),
            h(5, "c", 150, None),
            h(6, "d", 0, Some(10)),
            h(7, "e", 0, Some(10)),
            h(7, "e", 5, Some(20)),
        ];
        flag_overlaps(&mut v);
        let flags: Vec<bool> = v.iter().map(|x| x.overlap).collect();
        // a and b overlap; c starts when b ends; one client twice is not an overlap.
        assert_eq!(flags, [true, true, false, false, false, false]);
        let mut v = vec![h(5, "a", 0, None), h(5, "b", 1000, Some(2000))];
        flag_overlaps(&mut v);
        assert!(
            v[0].overlap && v[1].overlap,
            "an endless lease overlaps everything after it"
        );
    }

    #[test]
    fn holds_at_is_half_open_and_times_parse() {
        let x = h(5, "a", 100, Some(200));
        assert!(!x.holds_at(Timestamp { secs: 99, nanos: 0 }));
        assert!(x.holds_at(Timestamp {
            secs: 100,
            nanos: 0
        }));
        assert!(!x.holds_at(Timestamp {
            secs: 200,
            nanos: 0
        }));
        let start = Some(Timestamp {
            secs: 86_400 * 3 + 500,
            nanos: 0,
        });
        assert_eq!(
            parse_time("14:03", start).map(|t| t.secs),
            Some(86_400 * 3 + 14 * 3600 + 180)
        );
        assert_eq!(
            parse_time("1970-01-02T00:00:01Z", None).map(|t| t.secs),
            Some(86_401)
        );
        assert_eq!(parse_time("42", None).map(|t| t.secs), Some(42));
        for bad in ["24:00", "x", "12:60", "14:03", "1:2:3:4"] {
            assert_eq!(parse_time(bad, None), None, "{bad}");
        }
    }
}
