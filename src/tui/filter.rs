//! The client filter (`/`): which clients and messages match what is typed.

use crate::analysis::{Client, MessageRecord};
use crate::dhcp::options::colon_hex;
use std::fmt::Write as _;

/// The filter Enter on a server sets: `server:10.0.0.1` keeps exactly the clients that
/// server answered (a plain `10.0.0.1` would also match 10.0.0.10 to 10.0.0.199).
pub const SERVER_FILTER: &str = "server:";

/// The server of a `server:IP` filter (lowercase `p`): `Some(None)` while the IP is incomplete.
pub(crate) fn server_filter(p: &str) -> Option<Option<std::net::Ipv4Addr>> {
    p.strip_prefix(SERVER_FILTER)
        .map(|ip| ip.trim().parse().ok())
}

/// Whether `r` is a reply from server `s` (known by option 54, else its IP source).
fn answered_by(r: &MessageRecord, s: std::net::Ipv4Addr) -> bool {
    r.is_reply() && r.server_id.unwrap_or(r.src_ip) == s
}

/// Whether a client matches the filter (lowercase `p`).
pub fn client_matches(c: &Client, p: &str, scratch: &mut String) -> bool {
    if p.is_empty() {
        return true;
    }
    if let Some(server) = server_filter(p) {
        let Some(s) = server else {
            return false;
        };
        return c.exchanges.iter().any(|e| {
            e.offers.iter().any(|o| o.server_id == s)
                || e.messages.iter().any(|r| answered_by(r, s))
        });
    }
    scratch.clear();
    let _ = write!(scratch, "{}", colon_hex(&c.chaddr));
    if scratch.contains(p) || scratch.replace(':', "-").contains(p) {
        return true;
    }
    if let Some(h) = &c.hostname
        && h.to_lowercase().contains(p)
    {
        return true;
    }
    if let Some(v) = &c.vendor_class
        && v.to_lowercase().contains(p)
    {
        return true;
    }
    c.exchanges.iter().any(|e| {
        if e.kind.name().eq_ignore_ascii_case(p) || e.outcome.name().eq_ignore_ascii_case(p) {
            return true;
        }
        let ip_hit = |ip: std::net::Ipv4Addr, s: &mut String| {
            s.clear();
            let _ = write!(s, "{ip}");
            s.contains(p)
        };
        e.address.is_some_and(|a| ip_hit(a, scratch))
            || e.server_id.is_some_and(|a| ip_hit(a, scratch))
            || e.offers
                .iter()
                .any(|o| ip_hit(o.server_id, scratch) || ip_hit(o.yiaddr, scratch))
            || e.messages.iter().any(|r| message_matches(r, p, scratch))
    })
}

/// Whether a message matches the filter: type, addresses, server.
pub fn message_matches(r: &MessageRecord, p: &str, scratch: &mut String) -> bool {
    if p.is_empty() {
        return false;
    }
    if let Some(server) = server_filter(p) {
        return server.is_some_and(|s| answered_by(r, s));
    }
    if r.type_name().to_lowercase().contains(p) {
        return true;
    }
    let mut ip_hit = |ip: std::net::Ipv4Addr| {
        !ip.is_unspecified() && {
            scratch.clear();
            let _ = write!(scratch, "{ip}");
            scratch.contains(p)
        }
    };
    ip_hit(r.src_ip)
        || ip_hit(r.yiaddr)
        || ip_hit(r.ciaddr)
        || r.server_id.is_some_and(&mut ip_hit)
        || r.requested_ip.is_some_and(&mut ip_hit)
}
