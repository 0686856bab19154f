//! `update`: messages change the model (The Elm Architecture). Keys go through the binding
//! table ([`super::keys`]) to actions. No I/O here: what needs the outside world (reading a
//! frame again, pausing the reader, giving a batch back) is returned as a [`Cmd`].

use super::filter::{SERVER_FILTER, client_matches, message_matches};
use super::keys::{self, Action, Key, Place, Step};
use super::ladder::{self, Row};
use super::layout::heights;
use super::model::{
    Cmd, Detail, DetailContent, FRAME_STORE_BYTES, ListState, Model, Msg, Pane, Screen, Sort,
    SourceKind,
};
use super::packet;
use super::probe as tui_probe;
use super::reader::{Batch, FrameRef, Speed};
use crate::analysis::{Analysis, Client, Severity};
use crate::time::Timestamp;
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyEventKind, KeyModifiers};
use std::collections::HashMap;
use std::time::{Duration, Instant};

/// Feeds one batch of packets to the analysis; the spent batch goes back to the reader.
fn ingest(m: &mut Model, batch: Batch) -> Vec<Cmd> {
    if batch.drops.is_some() {
        m.drops = batch.drops;
    }
    m.frames_read = m.frames_read.max(batch.frames_read);
    m.dhcp_read = m.dhcp_read.max(batch.dhcp_read);
    if batch.progress.is_some() {
        m.progress = batch.progress;
    }
    if batch.clock.is_some() {
        m.clock = batch.clock;
    }
    if batch.is_empty() {
        return vec![Cmd::Recycle(batch)];
    }
    let clients_before = m.analysis.clients.len();
    for meta in &batch.packets {
        let packet = batch.packet(meta);
        m.analysis.observe(&packet);
        let fref = FrameRef::from(&meta.frame);
        match packet.frame_data {
            Some(data) => {
                m.frame_store_bytes += data.len();
                m.frame_store.push_back((fref, data.to_vec()));
                while m.frame_store_bytes > FRAME_STORE_BYTES {
                    match m.frame_store.pop_front() {
                        Some((_, d)) => m.frame_store_bytes -= d.len(),
                        None => break,
                    }
                }
            }
            None => m.frame_index.push(fref),
        }
    }
    if let Some(last) = batch.packets.last() {
        let chaddr = batch.packet(last).dhcp.chaddr();
        m.last_client = m.analysis.client_index(chaddr).or(m.last_client);
    }
    m.marks.resize(m.analysis.clients.len(), None);
    m.findings_stale = true;
    let grew = m.analysis.clients.len() > clients_before;
    if m.sort == Sort::FirstSeen && m.filter.is_empty() {
        // The common case stays cheap: new clients go to the end.
        m.order.extend(clients_before..m.analysis.clients.len());
    } else if grew || !m.filter.is_empty() || m.sort != Sort::FirstSeen {
        m.order_stale = true;
    }
    follow(m);
    track_probe(m);
    vec![Cmd::Recycle(batch)]
}

/// Follow mode: selects the client of the latest packet.
fn follow(m: &mut Model) {
    if m.follow
        && let Some(c) = m.last_client
    {
        select_latest(m, c);
    }
}

/// Keeps the probe's client selected, its latest message in view (after a submit, until the
/// user moves).
fn track_probe(m: &mut Model) {
    if let Some(mac) = m.probe.track
        && let Some(c) = m.analysis.client_index(&mac)
    {
        select_latest(m, c);
    }
}

/// Selects client `c` (when the list shows it) and its latest message.
fn select_latest(m: &mut Model, c: usize) {
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
fn user_moved(m: &mut Model) {
    m.follow = false;
    m.probe.track = None;
}

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
    let p = m.filter.to_lowercase();
    let a = &m.analysis;
    let mut scratch = String::new();
    let mut order: Vec<usize> = (0..a.clients.len())
        .filter(|&i| client_matches(&a.clients[i], &p, &mut scratch))
        .collect();
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

fn client_changed(m: &mut Model) {
    m.timeline = ListState::default();
    m.timeline_scroll = 0;
    m.detail = None;
    if m.focus == Pane::Detail {
        m.focus = Pane::Timeline;
    }
}

fn timeline_visible(m: &mut Model) {
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
fn open_detail(m: &mut Model) -> Vec<Cmd> {
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

fn decoded(fref: &FrameRef, ts: Timestamp, digits: u8, data: &[u8]) -> DetailContent {
    match packet::decode_frame(fref, ts, digits, data) {
        Some(v) => DetailContent::Ready(v),
        None => DetailContent::Unavailable(format!(
            "frame {} is an IPv4 fragment: its datagram was reassembled from several frames",
            fref.frame
        )),
    }
}

/// Handles one message. Returns what the runtime must do.
pub fn update(m: &mut Model, msg: Msg) -> Vec<Cmd> {
    match msg {
        Msg::Key(k) if k.kind != KeyEventKind::Release => return key(m, k),
        Msg::Key(_) => {}
        Msg::Resize(w, h) => {
            m.size = (w, h);
            relayout(m);
        }
        Msg::Packets(batch) => {
            let now = Instant::now();
            m.last_packet_wall = Some(now);
            // The wait for findings counts from the first packet.
            m.last_findings_wall.get_or_insert(now);
            return ingest(m, batch);
        }
        Msg::Ended(e) => {
            if let Some(f) = &e.fatal {
                m.fatal = Some(crate::escape::escape_str(f));
            }
            m.frames_read = m.frames_read.max(e.frames);
            m.dhcp_read = m.dhcp_read.max(e.dhcp_packets);
            if let Some((_, total)) = m.progress {
                m.progress = Some((total, total));
            }
            m.ended = Some(e);
            m.paused = false;
            refresh_findings(m);
            follow(m);
        }
        Msg::FrameBytes { fref, data } => {
            if let Some(d) = &mut m.detail
                && d.fref.frame == fref.frame
            {
                d.content = match data {
                    Ok(bytes) => decoded(&fref, d.ts, d.ts_digits, &bytes),
                    Err(e) => DetailContent::Unavailable(crate::escape::escape_str(&e)),
                };
            }
        }
        Msg::Tick(now) => tick(m, now),
        Msg::ProbeXid(xid) => m.probe.add_xid(xid),
        Msg::ProbeDone(result) => {
            let layout_before = m.probe.has_line();
            m.probe.running = None;
            m.status = match &result {
                Ok(o) => format!(
                    "probe {}: the verdict is in the header, p shows the report",
                    o.status.name()
                ),
                Err(e) => format!("probe failed: {}", crate::escape::escape_str(e)),
            };
            m.probe.last = Some(result.map_err(|e| crate::escape::escape_str(&e)));
            if !layout_before {
                relayout(m);
            }
        }
    }
    Vec::new()
}

/// Keeps the selections in view after the body changed size.
fn relayout(m: &mut Model) {
    let hs = heights(m);
    let len = m.order.len();
    m.clients.clamp(len, hs.clients);
    timeline_visible(m);
}

/// Longest a stream goes without findings while some exchange stays open.
pub const STREAM_FINDINGS_MAX_WAIT: Duration = Duration::from_secs(30);

fn any_open_exchange(a: &Analysis) -> bool {
    a.clients.iter().any(|c| {
        c.exchanges
            .last()
            .is_some_and(|e| e.outcome == crate::analysis::Outcome::Pending)
    })
}

/// Periodic work: the sorted list and, for streams, the findings.
fn tick(m: &mut Model, now: Instant) {
    let due = m
        .last_refresh_wall
        .is_none_or(|t| now.duration_since(t) >= Duration::from_millis(400));
    if !due {
        return;
    }
    m.last_refresh_wall = Some(now);
    // `Analysis::finish` settles every open exchange, and an exchange settled mid-way is
    // split in two when its next message comes. So a file being loaded gets its findings at
    // the end, and a stream when it has been quiet for a second with no exchange open, or
    // (a client stuck retrying) at most every STREAM_FINDINGS_MAX_WAIT.
    let streaming = m.source_kind != SourceKind::File || m.speed != Speed::Load;
    if m.findings_stale && m.ended.is_none() && streaming {
        let quiet = m
            .last_packet_wall
            .is_some_and(|t| now.duration_since(t) >= Duration::from_secs(1));
        let overdue = m
            .last_findings_wall
            .is_none_or(|t| now.duration_since(t) >= STREAM_FINDINGS_MAX_WAIT);
        if quiet && (overdue || !any_open_exchange(&m.analysis)) {
            refresh_findings(m);
            m.last_findings_wall = Some(now);
        }
    }
    refresh_order(m);
}

fn ctrl(k: &KeyEvent) -> bool {
    k.modifiers.contains(KeyModifiers::CONTROL)
}

/// Where the user is, for the key table.
pub fn place(m: &Model) -> Place {
    Place {
        screen: m.screen,
        focus: m.focus,
        live: m.source_kind == SourceKind::Live,
    }
}

/// A key: modal input first (filter typing, probe form, error and help overlays), then the
/// binding table.
fn key(m: &mut Model, k: KeyEvent) -> Vec<Cmd> {
    if ctrl(&k) && k.code == KeyCode::Char('c') {
        m.quit = true;
        return Vec::new();
    }
    if let Some(input) = &mut m.input {
        match k.code {
            KeyCode::Enter => {
                m.input = None;
                m.status = if m.filter.is_empty() {
                    String::new()
                } else {
                    format!("{} clients match", m.order.len())
                };
            }
            KeyCode::Esc => {
                m.input = None;
                set_filter(m, String::new());
            }
            KeyCode::Backspace => {
                input.pop();
                let f = input.clone();
                set_filter(m, f);
            }
            KeyCode::Char(c) if !ctrl(&k) && !c.is_control() => {
                input.push(c);
                let f = input.clone();
                set_filter(m, f);
            }
            _ => {}
        }
        return Vec::new();
    }
    if m.probe.open {
        return probe_form_key(m, &k);
    }
    if m.fatal.is_some() {
        match k.code {
            KeyCode::Char('q') => m.quit = true,
            KeyCode::Esc | KeyCode::Enter => m.fatal = None,
            _ => {}
        }
        return Vec::new();
    }
    if m.help {
        match k.code {
            KeyCode::Char('q') => m.quit = true,
            _ => m.help = false,
        }
        return Vec::new();
    }
    m.status.clear();
    match keys::action(Key::of(&k), &place(m)) {
        Some(a) => act(m, a),
        None => Vec::new(),
    }
}

/// Carries out an action of the key table.
pub fn act(m: &mut Model, a: Action) -> Vec<Cmd> {
    match a {
        Action::Quit => m.quit = true,
        Action::Help => m.help = true,
        Action::Probe => {
            m.probe.open = true;
            m.probe.form.error = None;
        }
        Action::Filter => m.input = Some(m.filter.clone()),
        Action::Pause => {
            if m.ended.is_none() {
                m.paused = !m.paused;
                return vec![Cmd::SetPaused(m.paused)];
            }
            m.status = "the capture has ended: nothing to pause".into();
        }
        Action::Follow => {
            m.follow = !m.follow;
            m.probe.track = None;
            m.status = if m.follow {
                "follow: on (selects the client of the latest packet)".into()
            } else {
                "follow: off".into()
            };
            if m.follow {
                refresh_order(m);
                follow(m);
            }
        }
        Action::Sort => {
            m.sort = m.sort.next();
            m.order_stale = true;
            refresh_order(m);
            m.status = format!("sorted by {}", m.sort.name());
        }
        Action::Show(s) => m.screen = s,
        Action::NextMatch => return next_match(m, true),
        Action::PrevMatch => return next_match(m, false),
        Action::Move(step) => move_by(m, step),
        Action::NextPane | Action::PrevPane => {
            let p = panes(m);
            let i = p.iter().position(|&x| x == m.focus).unwrap_or(0);
            let next = if a == Action::NextPane {
                p[(i + 1) % p.len()]
            } else {
                p[(i + p.len() - 1) % p.len()]
            };
            return focus(m, next);
        }
        Action::Open => return open(m),
        Action::Back => back(m, false),
        Action::Escape => back(m, true),
    }
    Vec::new()
}

/// A key while the probe form is open; Enter sends the probe (as a [`Cmd::Probe`]).
fn probe_form_key(m: &mut Model, k: &KeyEvent) -> Vec<Cmd> {
    match tui_probe::form_key(&mut m.probe.form, k) {
        None => Vec::new(),
        Some(false) => {
            m.probe.open = false;
            Vec::new()
        }
        Some(true) => {
            let had_line = m.probe.has_line();
            match tui_probe::submit(&mut m.probe, &m.analysis.expectations) {
                Err(why) => {
                    m.probe.form.error = Some(why);
                    Vec::new()
                }
                Ok((cmd, what, mac)) => {
                    m.probe.open = false;
                    m.probe.form.error = None;
                    m.probe.track = Some(mac);
                    m.follow = false;
                    m.screen = Screen::Clients;
                    m.status = format!("probing: {what}; its replies show in its timeline");
                    if !had_line {
                        relayout(m);
                    }
                    refresh_order(m);
                    track_probe(m);
                    vec![cmd]
                }
            }
        }
    }
}

fn set_filter(m: &mut Model, f: String) {
    m.filter = f;
    m.order_stale = true;
    refresh_order(m);
}

/// How far a step moves in a pane `page` rows high.
fn delta(step: Step, page: usize) -> isize {
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

fn panes(m: &Model) -> Vec<Pane> {
    let mut p = vec![Pane::Clients, Pane::Timeline];
    if m.detail.is_some() || m.selected_message().is_some() {
        p.push(Pane::Detail);
    }
    p
}

fn focus(m: &mut Model, p: Pane) -> Vec<Cmd> {
    m.focus = p;
    if p == Pane::Detail {
        return open_detail(m);
    }
    Vec::new()
}

/// Open: the next pane (clients screen), a server's clients, a finding's frame.
fn open(m: &mut Model) -> Vec<Cmd> {
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
    }
}

/// Back: the previous pane (`escape` on the list clears the filter); from a table, the
/// clients.
fn back(m: &mut Model, escape: bool) {
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
fn move_by(m: &mut Model, step: Step) {
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
fn jump_to_finding(m: &mut Model) -> Vec<Cmd> {
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
    if !m.order.contains(&ci) {
        set_filter(m, String::new());
    }
    let Some(pos) = m.order.iter().position(|&i| i == ci) else {
        return Vec::new();
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
    Vec::new()
}

/// `n`/`N`: the next client (list) or next matching message (timeline), wrapping.
fn next_match(m: &mut Model, forward: bool) -> Vec<Cmd> {
    if m.screen != Screen::Clients {
        m.screen = Screen::Clients;
    }
    let len = m.order.len();
    if len == 0 {
        return Vec::new();
    }
    let p = m.filter.to_lowercase();
    if m.focus == Pane::Clients || p.is_empty() {
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
    let mut scratch = String::new();
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
                && message_matches(&c.exchanges[ex].messages[msg], &p, &mut scratch)
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
