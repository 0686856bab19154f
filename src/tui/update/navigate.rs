//! Moving around: panes, selections kept in view, open and back, the detail, a finding's
//! frame, the next match, follow mode.

use super::*;

/// Follow mode: selects the client of the latest packet.
pub(super) fn follow(m: &mut Model) {
    if m.follow
        && let Some(c) = m.last_client
    {
        select_latest(m, c);
    }
}

/// Keeps the probe's client selected, its latest message in view (after a submit, until the
/// user moves).
pub(super) fn track_probe(m: &mut Model) {
    if let Some(mac) = m.probe.track
        && let Some(c) = m.analysis.client_index(&mac)
    {
        select_latest(m, c);
    }
}

/// Selects client `c` (when the list shows it) and its latest message.
pub(super) fn select_latest(m: &mut Model, c: usize) {
    let Some(pos) = m.order.iter().position(|&i| i == c) else {
        return;
    };
    if m.clients.pos != pos {
        m.clients.pos = pos;
        m.detail = None;
        if m.focus == Pane::Detail {
            m.focus = Pane::Timeline;
        }
    }
    let h = heights(m);
    m.clients.visible(h.clients);
    let n = ladder::build(&m.analysis.clients[c]).messages.len();
    m.timeline.pos = n.saturating_sub(1);
    timeline_visible(m);
}

/// The user moved the selection: stop following the latest packet and the probe client.
pub(super) fn user_moved(m: &mut Model) {
    m.follow = false;
    m.probe.track = None;
}

pub(super) fn client_changed(m: &mut Model) {
    m.timeline = ListState::default();
    m.timeline_scroll = 0;
    m.detail = None;
    if m.focus == Pane::Detail {
        m.focus = Pane::Timeline;
    }
}

pub(super) fn timeline_visible(m: &mut Model) {
    let Some(l) = m.ladder() else {
        return;
    };
    let height = heights(m).timeline.max(1);
    let Some(&row) = l.messages.get(m.timeline.pos) else {
        m.timeline_scroll = 0;
        return;
    };
    // Keep the exchange's separator in view with its first message.
    let top = if row > 0 && matches!(l.rows[row - 1], Row::Exchange { .. }) {
        row - 1
    } else {
        row
    };
    if top < m.timeline_scroll {
        m.timeline_scroll = top;
    } else if row >= m.timeline_scroll + height {
        m.timeline_scroll = row + 1 - height;
    }
    let max = l.rows.len().saturating_sub(height);
    m.timeline_scroll = m.timeline_scroll.min(max);
}

/// The command that loads the detail of the selected message.
pub(super) fn open_detail(m: &mut Model) -> Vec<Cmd> {
    let Some(r) = m.selected_message() else {
        return Vec::new();
    };
    let (frame, ts, digits) = (r.frame, r.ts, r.ts_digits);
    if let Some(d) = &m.detail
        && d.fref.frame == frame
    {
        return Vec::new();
    }
    let stored = m
        .frame_store
        .iter()
        .find(|(f, _)| f.frame == frame)
        .map(|(f, d)| (*f, d.clone()));
    let indexed = m
        .frame_index
        .binary_search_by_key(&frame, |f| f.frame)
        .ok()
        .map(|i| m.frame_index[i]);
    let fallback = FrameRef {
        frame,
        offset: FrameRef::NO_OFFSET,
        caplen: 0,
        orig_len: 0,
        linktype: 0,
    };
    let mut detail = Detail {
        fref: indexed.or(stored.as_ref().map(|s| s.0)).unwrap_or(fallback),
        ts,
        ts_digits: digits,
        content: DetailContent::Loading,
        sel: 0,
        scroll: 0,
    };
    let mut cmds = Vec::new();
    if let Some((fref, data)) = stored {
        detail.content = decoded(&fref, ts, digits, &data);
    } else if let Some(fref) = indexed {
        cmds.push(Cmd::ReadFrame(fref));
    } else {
        detail.content = DetailContent::Unavailable(
            "the frame is no longer kept (streams keep the last 64 MiB of DHCP frames)".into(),
        );
    }
    m.detail = Some(detail);
    cmds
}

pub(super) fn decoded(fref: &FrameRef, ts: Timestamp, digits: u8, data: &[u8]) -> DetailContent {
    match packet::decode_frame(fref, ts, digits, data) {
        Some(v) => DetailContent::Ready(v),
        None => DetailContent::Unavailable(format!(
            "frame {} is an IPv4 fragment: its datagram was reassembled from several frames",
            fref.frame
        )),
    }
}

pub(super) fn set_filter(m: &mut Model, f: String) {
    m.filter = f;
    if super::super::filter::apply_text(m) {
        m.order_stale = true;
        refresh_order(m);
    }
}

/// How far a step moves in a pane `page` rows high.
pub(super) fn delta(step: Step, page: usize) -> isize {
    let page = page.max(1) as isize;
    match step {
        Step::Down => 1,
        Step::Up => -1,
        Step::PageDown => page,
        Step::PageUp => -page,
        Step::HalfPageDown => page / 2,
        Step::HalfPageUp => -(page / 2),
        Step::First => isize::MIN / 2,
        Step::Last => isize::MAX / 2,
    }
}

pub(super) fn panes(m: &Model) -> Vec<Pane> {
    let mut p = vec![Pane::Clients, Pane::Timeline];
    if m.detail.is_some() || m.selected_message().is_some() {
        p.push(Pane::Detail);
    }
    p
}

pub(super) fn focus(m: &mut Model, p: Pane) -> Vec<Cmd> {
    m.focus = p;
    if p == Pane::Detail {
        return open_detail(m);
    }
    Vec::new()
}

/// Open: the next pane (clients screen), a server's clients, a finding's frame.
pub(super) fn open(m: &mut Model) -> Vec<Cmd> {
    match m.screen {
        Screen::Clients => {
            let next = match m.focus {
                Pane::Clients => Pane::Timeline,
                _ => Pane::Detail,
            };
            if next == Pane::Detail && m.selected_message().is_none() {
                return Vec::new();
            }
            focus(m, next)
        }
        Screen::Servers => {
            if let Some(s) = m.analysis.servers.get(m.servers.pos) {
                let id = s.id;
                m.screen = Screen::Clients;
                m.focus = Pane::Clients;
                set_filter(m, format!("{SERVER_FILTER}{id}"));
                m.status = format!("clients served by {id} ({} clients)", m.order.len());
            }
            Vec::new()
        }
        Screen::Findings => jump_to_finding(m),
        Screen::Addresses => {
            // The holder's client, with its timeline.
            if let Some(h) = m.holdings.get(m.addresses.pos) {
                let mac = h.mac.clone();
                let found = m
                    .order
                    .iter()
                    .position(|&i| m.analysis.clients[i].mac_string() == mac);
                m.screen = Screen::Clients;
                m.focus = Pane::Clients;
                match found {
                    Some(pos) => {
                        m.clients.pos = pos;
                        let hh = heights(m);
                        m.clients.visible(hh.clients);
                        client_changed(m);
                    }
                    None => m.status = format!("{mac} is hidden by the filter"),
                }
            }
            Vec::new()
        }
    }
}

/// Back: the previous pane (`escape` on the list clears the filter); from a table, the
/// clients.
pub(super) fn back(m: &mut Model, escape: bool) {
    if m.screen != Screen::Clients {
        m.screen = Screen::Clients;
        return;
    }
    let was = m.focus;
    m.focus = match m.focus {
        Pane::Detail => Pane::Timeline,
        _ => Pane::Clients,
    };
    if escape && was == Pane::Clients && !m.filter.is_empty() {
        set_filter(m, String::new());
        m.status = "filter cleared".into();
    }
}

/// Moves the selection of the focused pane (or the table).
pub(super) fn move_by(m: &mut Model, step: Step) {
    let h = heights(m);
    match (m.screen, m.focus) {
        (Screen::Servers, _) => {
            let len = m.analysis.servers.len();
            m.servers.step(delta(step, h.table), len, h.table);
        }
        (Screen::Findings, _) => {
            let len = m.findings_order.len();
            m.findings.step(delta(step, h.table), len, h.table);
        }
        (Screen::Addresses, _) => {
            let len = m.holdings.len();
            m.addresses.step(delta(step, h.table), len, h.table);
        }
        (Screen::Clients, Pane::Clients) => {
            let before = m.clients.pos;
            let len = m.order.len();
            m.clients.step(delta(step, h.clients), len, h.clients);
            if m.clients.pos != before {
                user_moved(m);
                client_changed(m);
            }
        }
        (Screen::Clients, Pane::Timeline) => {
            let n = m.ladder().map_or(0, |l| l.messages.len());
            m.timeline.step(delta(step, h.timeline), n, 1 << 20);
            user_moved(m);
            timeline_visible(m);
            if m.detail.is_some() {
                m.detail = None;
            }
        }
        (Screen::Clients, Pane::Detail) => {
            if let Some(det) = &mut m.detail
                && let DetailContent::Ready(v) = &det.content
            {
                let mut ls = ListState {
                    pos: det.sel,
                    scroll: det.scroll,
                };
                ls.step(delta(step, h.detail_tree), v.lines.len(), h.detail_tree);
                det.sel = ls.pos;
                det.scroll = ls.scroll;
            }
        }
    }
}

/// Enter on a finding: its client (or the client of its first frame), that frame selected.
pub(super) fn jump_to_finding(m: &mut Model) -> Vec<Cmd> {
    let Some(&fi) = m.findings_order.get(m.findings.pos) else {
        return Vec::new();
    };
    let f = &m.analysis.findings[fi];
    let frame = f.frames.first().copied();
    let by_mac = f.client.clone();
    let a = &m.analysis;
    let has_frame = |c: &Client, fr: u64| {
        c.exchanges.iter().any(|e| {
            e.messages
                .iter()
                .any(|r| r.frame == fr || (r.frame..=r.last_frame).contains(&fr))
        })
    };
    let client = by_mac
        .as_deref()
        .and_then(|mac| a.clients.iter().position(|c| c.mac_string() == mac))
        .or_else(|| frame.and_then(|fr| a.clients.iter().position(|c| has_frame(c, fr))));
    let Some(ci) = client else {
        m.status = "this finding names no client".into();
        return Vec::new();
    };
    show_frame(m, ci, frame);
    Vec::new()
}

/// `:N` (go to frame): the client whose kept messages hold frame N (its own number first,
/// then a folded retransmission's range), with that message selected.
pub(super) fn go_to_frame(m: &mut Model, fr: u64) {
    let a = &m.analysis;
    let exact = |c: &Client| {
        c.exchanges
            .iter()
            .any(|e| e.messages.iter().any(|r| r.frame == fr))
    };
    let folded = |c: &Client| {
        c.exchanges.iter().any(|e| {
            e.messages
                .iter()
                .any(|r| (r.frame..=r.last_frame).contains(&fr))
        })
    };
    let client = a
        .clients
        .iter()
        .position(exact)
        .or_else(|| a.clients.iter().position(folded));
    match client {
        Some(ci) => show_frame(m, ci, Some(fr)),
        None => m.status = format!("frame {fr} is no DHCP message of any client"),
    }
}

/// Selects client `ci` (clearing a filter that hides it) and, in its timeline, the message
/// of frame `frame`.
fn show_frame(m: &mut Model, ci: usize, frame: Option<u64>) {
    if !m.order.contains(&ci) {
        set_filter(m, String::new());
    }
    let Some(pos) = m.order.iter().position(|&i| i == ci) else {
        return;
    };
    m.screen = Screen::Clients;
    user_moved(m);
    m.clients.pos = pos;
    let h = heights(m);
    m.clients.visible(h.clients);
    client_changed(m);
    m.focus = Pane::Timeline;
    if let (Some(fr), Some(l)) = (frame, m.ladder()) {
        let c = &m.analysis.clients[ci];
        let hit = l.messages.iter().position(|&row| match l.rows[row] {
            Row::Message { ex, msg } => {
                let r = &c.exchanges[ex].messages[msg];
                r.frame == fr || (r.frame..=r.last_frame).contains(&fr) && r.frame <= fr
            }
            _ => false,
        });
        m.timeline.pos = hit.unwrap_or(0);
        timeline_visible(m);
        m.status = match hit {
            Some(_) => format!("frame {fr}"),
            None => format!("frame {fr} is not in this client's kept messages"),
        };
    }
}

/// `n`/`N`: the next client (list) or next matching message (timeline), wrapping.
pub(super) fn next_match(m: &mut Model, forward: bool) -> Vec<Cmd> {
    if m.screen != Screen::Clients {
        m.screen = Screen::Clients;
    }
    let len = m.order.len();
    if len == 0 {
        return Vec::new();
    }
    if m.focus == Pane::Clients || m.filter_expr.is_empty() {
        let pos = if forward {
            (m.clients.pos + 1) % len
        } else {
            (m.clients.pos + len - 1) % len
        };
        m.clients.pos = pos;
        let h = heights(m);
        m.clients.visible(h.clients);
        user_moved(m);
        client_changed(m);
        return Vec::new();
    }
    // Walk messages from the cursor, crossing into the next clients of the list.
    let start_client = m.clients.pos;
    let mut cpos = start_client;
    let mut mpos = m.timeline.pos as isize;
    for _ in 0..=len {
        let c = &m.analysis.clients[m.order[cpos]];
        let l = ladder::build(c);
        let n = l.messages.len() as isize;
        let mut i = if cpos == start_client && mpos >= 0 {
            mpos + if forward { 1 } else { -1 }
        } else if forward {
            0
        } else {
            n - 1
        };
        while (0..n).contains(&i) {
            if let Row::Message { ex, msg } = l.rows[l.messages[i as usize]]
                && m.filter_expr
                    .matches_message(&c.exchanges[ex].messages[msg])
            {
                if cpos != m.clients.pos {
                    m.clients.pos = cpos;
                    client_changed(m);
                }
                let h = heights(m);
                m.clients.visible(h.clients);
                m.timeline.pos = i as usize;
                m.detail = None;
                user_moved(m);
                timeline_visible(m);
                return Vec::new();
            }
            i += if forward { 1 } else { -1 };
        }
        cpos = if forward {
            (cpos + 1) % len
        } else {
            (cpos + len - 1) % len
        };
        mpos = -1;
        if cpos == start_client {
            // One more pass over the start client from its other end.
            continue;
        }
    }
    m.status = format!("no message matches {:?}", m.filter);
    Vec::new()
}
