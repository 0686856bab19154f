//! The client filter (`/`): the shared filter language ([`crate::filter`]) applied to the
//! client list as it is typed.

use super::model::Model;
use crate::filter::{ClientFacts, Filter, WordIndex};

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
pub fn matching_clients(m: &mut Model) -> Vec<usize> {
    if m.filter_expr.is_empty() {
        return (0..m.analysis.clients.len()).collect();
    }
    let words = m.filter_expr.words();
    let mut hits = Vec::with_capacity(words.len());
    if !words.is_empty() {
        let stamp = m.analysis.packets;
        let fresh = m
            .word_index
            .as_ref()
            .is_some_and(|(at, ix)| *at == stamp && ix.clients() == m.analysis.clients.len());
        if !fresh {
            m.word_index = Some((stamp, WordIndex::build(&m.analysis)));
        }
        if let Some((_, ix)) = &m.word_index {
            for w in words {
                hits.push((w.to_owned(), ix.hits(w)));
            }
        }
    }
    let a = &m.analysis;
    let rogues = crate::filter::rogue_servers(a);
    let facts = ClientFacts {
        worst: &m.marks,
        rogue_servers: &rogues,
        words: &hits,
    };
    a.clients
        .iter()
        .enumerate()
        .filter(|(i, c)| m.filter_expr.matches_client(c, *i, &facts))
        .map(|(i, _)| i)
        .collect()
}
