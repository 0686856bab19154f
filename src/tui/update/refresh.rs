//! What is recomputed from the analysis: findings (with the clients' marks) and the
//! filtered, sorted client list.

use super::*;

/// Settles the analysis and recomputes what depends on findings.
pub fn refresh_findings(m: &mut Model) {
    m.analysis.finish();
    m.findings_stale = false;
    m.findings_ready = true;
    let a = &m.analysis;
    let mut by_mac: HashMap<String, usize> = HashMap::with_capacity(a.findings.len());
    for f in &a.findings {
        if let Some(c) = &f.client {
            by_mac.entry(c.clone()).or_insert(0);
        }
    }
    // Only clients named by a finding need their MAC formatted.
    if !by_mac.is_empty() {
        for (i, c) in a.clients.iter().enumerate() {
            if let Some(slot) = by_mac.get_mut(&c.mac_string()) {
                *slot = i;
            }
        }
    }
    m.marks = vec![None; a.clients.len()];
    m.finding_counts = [0; 3];
    for f in &a.findings {
        m.finding_counts[f.severity as usize] += 1;
        if let Some(&i) = f.client.as_ref().and_then(|c| by_mac.get(c)) {
            let mark = &mut m.marks[i];
            *mark = (*mark).max(Some(f.severity));
        }
    }
    // A finding about a server alone (unexpected server) marks the clients it answered.
    let server_marks: Vec<(std::net::Ipv4Addr, Severity)> = a
        .findings
        .iter()
        .filter(|f| f.client.is_none() && f.severity == Severity::Critical)
        .filter_map(|f| Some((f.server?, f.severity)))
        .collect();
    if !server_marks.is_empty() {
        for (i, c) in a.clients.iter().enumerate() {
            for (s, sev) in &server_marks {
                let answered = c.exchanges.iter().any(|e| {
                    e.messages
                        .iter()
                        .any(|r| r.is_reply() && r.server_id.unwrap_or(r.src_ip) == *s)
                });
                if answered {
                    m.marks[i] = m.marks[i].max(Some(*sev));
                }
            }
        }
    }
    let mut order: Vec<usize> = (0..a.findings.len()).collect();
    order.sort_by_key(|&i| std::cmp::Reverse(a.findings[i].severity));
    m.findings_order = order;
    let len = m.findings_order.len();
    let h = heights(m).table;
    m.findings.clamp(len, h);
    let len = m.analysis.servers.len();
    m.servers.clamp(len, h);
    m.holdings = crate::leases::holdings(&m.analysis);
    let len = m.holdings.len();
    m.addresses.clamp(len, h);
    m.order_stale = true;
    refresh_order(m);
}

/// Recomputes the filtered, sorted client list, keeping the selected client selected.
pub fn refresh_order(m: &mut Model) {
    if !m.order_stale {
        return;
    }
    m.order_stale = false;
    let selected = m.selected_client_index();
    let mut order = super::super::filter::matching_clients(m);
    let a = &m.analysis;
    let c = &a.clients;
    match m.sort {
        Sort::FirstSeen => {}
        Sort::LastSeen => order.sort_by_key(|&i| std::cmp::Reverse(c[i].last_seen)),
        Sort::Mac => order.sort_by(|&x, &y| c[x].chaddr.cmp(&c[y].chaddr)),
        Sort::Hostname => order.sort_by(|&x, &y| {
            (c[x].hostname.is_none(), &c[x].hostname)
                .cmp(&(c[y].hostname.is_none(), &c[y].hostname))
        }),
        Sort::Address => {
            let addr: Vec<Option<std::net::Ipv4Addr>> =
                c.iter().map(Client::last_address).collect();
            order.sort_by_key(|&i| (addr[i].is_none(), addr[i]));
        }
        Sort::Exchanges => order.sort_by_key(|&i| std::cmp::Reverse(c[i].exchanges.len())),
        Sort::Findings => {
            let marks = &m.marks;
            order.sort_by_key(|&i| std::cmp::Reverse(marks.get(i).copied().flatten()));
        }
    }
    m.order = order;
    let pos = selected.and_then(|s| m.order.iter().position(|&i| i == s));
    let changed = pos.is_none() && selected.is_some();
    m.clients.pos = pos.unwrap_or(0);
    let h = heights(m);
    let len = m.order.len();
    m.clients.clamp(len, h.clients);
    if changed {
        client_changed(m);
    }
}
