//! The client filter (`/`): the shared filter language ([`crate::filter`]) applied to the
//! client list as it is typed.

use super::model::Model;
use crate::filter::{ClientFacts, Filter};

/// The filter Enter on a server sets: `server:10.0.0.1` keeps exactly the clients that
/// server answered (a plain `10.0.0.1` would also match 10.0.0.10 to 10.0.0.199).
pub const SERVER_FILTER: &str = "server:";

/// Parses the typed text: a valid filter replaces the applied one; an error is kept to be
/// shown in place and the last valid filter stays applied. Returns whether it changed.
pub fn apply_text(m: &mut Model) -> bool {
    match Filter::parse(&m.filter) {
        Ok(f) => {
            m.filter_error = None;
            let changed = f != m.filter_expr;
            m.filter_expr = f;
            changed
        }
        Err(e) => {
            m.filter_error = Some(e);
            false
        }
    }
}

/// The client indices the applied filter keeps, in capture order.
pub fn matching_clients(m: &Model) -> Vec<usize> {
    let a = &m.analysis;
    if m.filter_expr.is_empty() {
        return (0..a.clients.len()).collect();
    }
    let rogues = crate::filter::rogue_servers(a);
    let facts = ClientFacts {
        worst: &m.marks,
        rogue_servers: &rogues,
    };
    a.clients
        .iter()
        .enumerate()
        .filter(|(i, c)| m.filter_expr.matches_client(c, *i, &facts))
        .map(|(i, _)| i)
        .collect()
}
