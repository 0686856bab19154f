//! `update`: messages change the model (The Elm Architecture). Keys go through the binding
//! table ([`super::keys`]) to actions. No I/O here: what needs the outside world (reading a
//! frame again, pausing the reader, giving a batch back) is returned as a [`Cmd`].

use super::filter::SERVER_FILTER;

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

mod navigate;
mod refresh;

use navigate::*;
pub use refresh::{refresh_findings, refresh_order};

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
        Msg::Exported(result) => {
            m.status = match result {
                Ok((n, path)) => format!(
                    "{n} frames written to {}",
                    crate::escape::escape_str(&path.display().to_string())
                ),
                Err(e) => format!("export failed: {}", crate::escape::escape_str(&e)),
            };
        }
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
    if let Some(digits) = &mut m.goto_input {
        match k.code {
            KeyCode::Enter => {
                let typed = digits.trim().to_owned();
                m.goto_input = None;
                match typed.parse::<u64>() {
                    Ok(n) if n > 0 => go_to_frame(m, n),
                    _ if typed.is_empty() => {}
                    _ => {
                        m.status =
                            format!("not a frame number: {}", crate::escape::escape_str(&typed))
                    }
                }
            }
            KeyCode::Esc => m.goto_input = None,
            KeyCode::Backspace => {
                digits.pop();
            }
            KeyCode::Char(c) if c.is_ascii_digit() => digits.push(c),
            _ => {}
        }
        return Vec::new();
    }
    if let Some(name) = &mut m.export_input {
        match k.code {
            KeyCode::Enter => {
                let out = std::path::PathBuf::from(name.trim());
                m.export_input = None;
                if out.as_os_str().is_empty() {
                    m.status = "export cancelled: no file name".into();
                    return Vec::new();
                }
                let Some(chaddr) = m.selected_client().map(|c| c.chaddr) else {
                    return Vec::new();
                };
                return vec![Cmd::Export {
                    chaddr: chaddr.to_vec(),
                    out,
                }];
            }
            KeyCode::Esc => {
                m.export_input = None;
                m.status = "export cancelled".into();
            }
            KeyCode::Backspace => {
                name.pop();
            }
            KeyCode::Char(c) if !ctrl(&k) && !c.is_control() => name.push(c),
            _ => {}
        }
        return Vec::new();
    }
    if let Some(input) = &mut m.input {
        match k.code {
            KeyCode::Enter => {
                m.input = None;
                m.status = if let Some(e) = &m.filter_error {
                    format!("filter not applied: {e}")
                } else if m.filter.is_empty() {
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
        Action::GoToFrame => m.goto_input = Some(String::new()),
        Action::Export => match (m.source_kind, m.selected_client()) {
            (_, None) => m.status = "no client selected".into(),
            (SourceKind::File, Some(c)) => {
                let mac = c.mac_string().replace(':', "");
                m.export_input = Some(format!("dhcpscope-{mac}.pcap"));
            }
            (_, Some(_)) => {
                m.status = "export reads the frames again from the file: not possible on a stream \
                            (save it with -w, or capture to a file and open that)"
                    .into();
            }
        },
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
