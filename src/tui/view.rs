//! `view`: draws the model, nothing else. Pure: the same model gives the same screen.
//!
//! ```text
//! ┌ header: source, counters, findings, clock, state ──────────────────────────────┐
//! │ Clients list            │ Timeline (ladder) of the selected client            │
//! │                         │   or, with the detail open, Timeline │ Detail       │
//! └ footer: keys, filter input, status ────────────────────────────────────────────┘
//! ```
//! Below 120 columns the panes stack (list above timeline) and the detail takes the body.

use super::app::SourceKind;
use super::app::{
    DetailContent, Model, Pane, Screen, chrome_rows, clients_box_height, header_rows, heights,
    message_matches,
};
use super::ladder::{self, Row, arrow_label, exchange_label, outcome_is_bad};
use super::packet::LineKind;
use super::reader::Speed;
use crate::analysis::{Client, MessageRecord, Outcome, Severity};
use crate::dhcp::options::{MessageType, colon_hex};
use crate::time::Timestamp;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span, Text};
use ratatui::widgets::{Block, Borders, Clear, Paragraph};
use std::net::Ipv4Addr;

/// Styles, with or without colour (NO_COLOR).
#[derive(Clone, Copy)]
pub struct Theme {
    color: bool,
}

impl Theme {
    fn fg(self, c: Color) -> Style {
        if self.color {
            Style::new().fg(c)
        } else {
            Style::new()
        }
    }
    pub fn severity(self, s: Severity) -> Style {
        match s {
            Severity::Critical => self.fg(Color::Red).add_modifier(Modifier::BOLD),
            Severity::Warning => self.fg(Color::Yellow),
            Severity::Info => self.fg(Color::Blue),
        }
    }
    pub fn nak(self) -> Style {
        self.fg(Color::Red).add_modifier(Modifier::BOLD)
    }
    pub fn ack(self) -> Style {
        self.fg(Color::Green)
    }
    pub fn offer(self) -> Style {
        self.fg(Color::Cyan)
    }
    pub fn unexpected(self) -> Style {
        self.fg(Color::Magenta).add_modifier(Modifier::BOLD)
    }
    pub fn bad(self) -> Style {
        self.fg(Color::Yellow)
    }
    pub fn dim(self) -> Style {
        if self.color {
            Style::new().fg(Color::DarkGray)
        } else {
            Style::new().add_modifier(Modifier::DIM)
        }
    }
    pub fn title(self) -> Style {
        Style::new().add_modifier(Modifier::BOLD)
    }
    pub fn selected(self, focused: bool) -> Style {
        if focused {
            Style::new().add_modifier(Modifier::REVERSED)
        } else {
            Style::new().add_modifier(Modifier::BOLD | Modifier::UNDERLINED)
        }
    }
    /// The `probe` tag on our probe's client and messages.
    pub fn probe(self) -> Style {
        if self.color {
            Style::new()
                .fg(Color::Blue)
                .add_modifier(Modifier::BOLD | Modifier::ITALIC)
        } else {
            Style::new().add_modifier(Modifier::BOLD | Modifier::ITALIC)
        }
    }
    /// A probe verdict.
    pub fn status(self, s: crate::probe::Status) -> Style {
        use crate::probe::Status;
        match s {
            Status::Ok => self.ack().add_modifier(Modifier::BOLD),
            Status::Warning => self.bad().add_modifier(Modifier::BOLD),
            Status::Critical | Status::Unknown => self.nak(),
        }
    }
    pub fn highlight_bytes(self) -> Style {
        if self.color {
            Style::new().fg(Color::Black).bg(Color::Yellow)
        } else {
            Style::new().add_modifier(Modifier::REVERSED)
        }
    }
    fn border(self, focused: bool) -> Style {
        if focused {
            self.fg(Color::Cyan).add_modifier(Modifier::BOLD)
        } else {
            self.dim()
        }
    }
    fn outcome(self, o: Outcome) -> Style {
        match o {
            Outcome::Ack => self.ack(),
            Outcome::Nak => self.nak(),
            o if outcome_is_bad(o) => self.bad(),
            _ => Style::new(),
        }
    }
}

/// Draws the whole screen.
pub fn view(m: &Model, f: &mut Frame) {
    let area = f.area();
    let t = Theme { color: m.color };
    if area.height < 6 || area.width < 30 {
        f.render_widget(para("window too small"), area);
        return;
    }
    let top = header_rows(m);
    let header = Rect::new(area.x, area.y, area.width, 2);
    let footer = Rect::new(area.x, area.bottom() - 1, area.width, 1);
    let body = Rect::new(
        area.x,
        area.y + top,
        area.width,
        area.height.saturating_sub(chrome_rows(m)),
    );
    draw_header(m, f, header, t);
    if top > 2 {
        draw_probe_line(m, f, Rect::new(area.x, area.y + 2, area.width, 1), t);
    }
    match m.screen {
        Screen::Clients => draw_clients_screen(m, f, body, t),
        Screen::Servers => draw_servers(m, f, body, t),
        Screen::Findings => draw_findings(m, f, body, t),
    }
    draw_footer(m, f, footer, t);
    if m.probe.open {
        draw_probe_form(m, f, body, t);
    }
    if m.help {
        draw_help(f, area, t);
    }
    if let Some(e) = &m.fatal {
        draw_fatal(f, area, e, t);
    }
}

fn clock(ts: Timestamp) -> String {
    let s = ts.rfc3339(3).to_string();
    // 2026-11-28T02:31:00.123Z → 2026-11-28 02:31:00.123
    s.trim_end_matches('Z').replacen('T', " ", 1)
}

fn hms(ts: Timestamp) -> String {
    let s = clock(ts);
    s.get(11..19).unwrap_or(&s).to_owned()
}

fn draw_header(m: &Model, f: &mut Frame, area: Rect, t: Theme) {
    let a = &m.analysis;
    let unexpected = a
        .servers
        .iter()
        .filter(|s| s.expected == Some(false))
        .count();
    let expected = a
        .servers
        .iter()
        .filter(|s| s.expected == Some(true))
        .count();
    let width = area.width as usize;
    // Line 1: source, counters, state (right).
    let state = format!("[{}]", m.state_label());
    let state_style = if m.paused {
        t.bad().add_modifier(Modifier::REVERSED)
    } else {
        t.title()
    };
    let mut counters = format!(
        "  frames {} · DHCP {} · clients {}",
        m.frames_read,
        m.dhcp_read,
        a.clients.len()
    );
    if let Some(d) = m.drops {
        counters.push_str(&format!(" · drops {d}"));
    }
    // The source name gives way first, keeping its end (the file name).
    let used = 12 + counters.chars().count() + state.len() + 1;
    let room = width.saturating_sub(used).max(12);
    let name = if m.source_name.chars().count() > room {
        let tail: Vec<char> = m.source_name.chars().rev().take(room - 1).collect();
        format!("…{}", tail.into_iter().rev().collect::<String>())
    } else {
        m.source_name.clone()
    };
    let l1 = Line::from(vec![
        Span::styled(" dhcpscope ", t.title().add_modifier(Modifier::REVERSED)),
        Span::raw(" "),
        Span::styled(name, t.title()),
        Span::styled(
            counters,
            if m.drops.is_some_and(|d| d > 0) {
                t.bad()
            } else {
                Style::new()
            },
        ),
    ]);
    // Line 2: servers, findings, capture clock (right).
    let mut l2 = vec![Span::raw(format!(" servers {}", a.servers.len()))];
    if a.expectations.given() {
        l2.push(Span::raw(format!(" ({expected} ok, ")));
        l2.push(Span::styled(
            format!("{unexpected} unexpected"),
            if unexpected > 0 {
                t.unexpected()
            } else {
                Style::new()
            },
        ));
        l2.push(Span::raw(")"));
    }
    l2.push(Span::raw(" · findings "));
    if !m.findings_ready {
        let when = if m.source_kind == SourceKind::File && m.speed == Speed::Load {
            "when loaded"
        } else {
            "when quiet"
        };
        l2.push(Span::styled(when, t.dim()));
    } else {
        for (sev, n, word) in [
            (Severity::Critical, m.finding_counts[2], "crit"),
            (Severity::Warning, m.finding_counts[1], "warn"),
            (Severity::Info, m.finding_counts[0], "info"),
        ] {
            let style = if n > 0 { t.severity(sev) } else { t.dim() };
            l2.push(Span::styled(format!("{n} {word}"), style));
            l2.push(Span::raw(" "));
        }
    }
    let left: usize = l2.iter().map(Span::width).sum();
    let clock_text = m.clock.or(a.last_ts).map(|c| {
        let full = clock(c);
        if left + full.len() + 2 <= width {
            full
        } else {
            full.get(11..).unwrap_or(&full).to_owned()
        }
    });
    f.render_widget(para(vec![l1, Line::from(l2)]), area);
    let right = vec![
        Line::styled(format!("{state} "), state_style),
        Line::raw(format!("{} ", clock_text.unwrap_or_default())),
    ];
    f.render_widget(
        para(right).alignment(ratatui::layout::Alignment::Right),
        area,
    );
}

fn keys_hint(m: &Model) -> &'static str {
    let live = m.source_kind == SourceKind::Live;
    match (m.screen, m.focus) {
        (Screen::Clients, Pane::Clients) if live => {
            "↑↓ move  Enter timeline  p probe  / filter  s sort  f follow  1 clients 2 servers 3 findings  ? help  q quit"
        }
        (Screen::Clients, Pane::Clients) => {
            "↑↓ move  Enter timeline  / filter  s sort  f follow  1 clients 2 servers 3 findings  ? help  q quit"
        }
        (Screen::Clients, Pane::Timeline) => {
            "↑↓ message  Enter detail  n/N next match  Tab pane  Esc back  ? help  q quit"
        }
        (Screen::Clients, Pane::Detail) => "↑↓ field (bytes highlighted)  Esc back  ? help  q quit",
        (Screen::Servers, _) => "↑↓ move  Enter clients of this server  Esc back  ? help  q quit",
        (Screen::Findings, _) => {
            "↑↓ move  Enter jump to client and frame  Esc back  ? help  q quit"
        }
    }
}

fn draw_footer(m: &Model, f: &mut Frame, area: Rect, t: Theme) {
    let line = if let Some(input) = &m.input {
        Line::from(vec![
            Span::styled("/", t.title()),
            Span::raw(crate::escape::escape_str(input)),
            Span::styled("█", t.dim()),
            Span::styled(
                "   MAC, IP, hostname, message type, server · Enter keep · Esc clear",
                t.dim(),
            ),
        ])
    } else if !m.status.is_empty() {
        Line::from(Span::styled(format!(" {}", m.status), t.title()))
    } else if let Some(w) = m.ended.as_ref().and_then(|e| e.warning.as_ref()) {
        Line::from(Span::styled(
            format!(" warning: {}", crate::escape::escape_str(w)),
            t.bad(),
        ))
    } else {
        let mut spans = vec![Span::styled(format!(" {}", keys_hint(m)), t.dim())];
        if !m.filter.is_empty() {
            spans.insert(
                0,
                Span::styled(
                    format!(" filter: {} ", crate::escape::escape_str(&m.filter)),
                    t.title().add_modifier(Modifier::REVERSED),
                ),
            );
        }
        Line::from(spans)
    };
    f.render_widget(para(line), area);
}

/// A paragraph of `text`. ratatui drops control and zero-width characters without a trace
/// (a raw ESC or U+202E just vanishes from the screen), so a string that missed its escaping
/// would look fine in a rendered buffer: debug builds (the tests) check every span here.
fn para<'a>(text: impl Into<Text<'a>>) -> Paragraph<'a> {
    let text = text.into();
    for span in text.lines.iter().flat_map(|l| l.spans.iter()) {
        debug_assert_safe(&span.content);
    }
    Paragraph::new(text)
}

fn debug_assert_safe(s: &str) {
    debug_assert!(
        super::is_terminal_safe(s),
        "terminal-unsafe text reached the view: {s:?}"
    );
}

fn pane_block(title: String, focused: bool, t: Theme) -> Block<'static> {
    debug_assert_safe(&title);
    Block::new()
        .borders(Borders::ALL)
        .border_style(t.border(focused))
        .title(Span::styled(
            title,
            if focused { t.title() } else { Style::new() },
        ))
}

fn draw_clients_screen(m: &Model, f: &mut Frame, body: Rect, t: Theme) {
    let wide = m.wide();
    if m.focus == Pane::Detail {
        if wide {
            let left = body.width / 2;
            draw_timeline(m, f, Rect::new(body.x, body.y, left, body.height), t);
            draw_detail(
                m,
                f,
                Rect::new(body.x + left, body.y, body.width - left, body.height),
                t,
            );
        } else {
            draw_detail(m, f, body, t);
        }
        return;
    }
    if wide {
        let left = (body.width * 45 / 100).clamp(66, 100).min(body.width);
        draw_clients(m, f, Rect::new(body.x, body.y, left, body.height), t);
        draw_timeline(
            m,
            f,
            Rect::new(body.x + left, body.y, body.width - left, body.height),
            t,
        );
    } else {
        let top = clients_box_height(m, body.height as usize) as u16;
        draw_clients(m, f, Rect::new(body.x, body.y, body.width, top), t);
        draw_timeline(
            m,
            f,
            Rect::new(body.x, body.y + top, body.width, body.height - top),
            t,
        );
    }
}

/// Pads or cuts `s` to `w` columns (by chars: our cells hold escaped, mostly ASCII text).
fn fit(s: &str, w: usize) -> String {
    let n = s.chars().count();
    if n <= w {
        format!("{s:<w$}")
    } else if w == 0 {
        String::new()
    } else {
        let mut out: String = s.chars().take(w - 1).collect();
        out.push('…');
        out
    }
}

fn last_exchange(c: &Client) -> Option<&crate::analysis::Exchange> {
    c.exchanges.last()
}

fn draw_clients(m: &Model, f: &mut Frame, area: Rect, t: Theme) {
    let focused = m.focus == Pane::Clients;
    let mut title = format!(" Clients {}/{} ", m.order.len(), m.analysis.clients.len());
    title.push_str(&format!("· sort {} ", m.sort.name()));
    if m.follow {
        title.push_str("· follow ");
    }
    if !m.filter.is_empty() {
        title.push_str(&format!("· /{} ", crate::escape::escape_str(&m.filter)));
    }
    let block = pane_block(title, focused, t);
    let inner = block.inner(area);
    f.render_widget(block, area);
    if inner.height == 0 {
        return;
    }
    let w = inner.width as usize;
    // Columns: mark, MAC, hostname (flexible), address, last exchange, last seen, count.
    // Hostname keeps at least 12 columns: "seen", then the count, give way first.
    let base = 2 + 18 + 16 + 17;
    let show_seen = w >= base + 9 + 4 + 12;
    let show_count = w >= base + 4 + 12;
    let fixed = base + if show_seen { 9 } else { 0 } + if show_count { 4 } else { 0 };
    let host_w = w.saturating_sub(fixed + 1).clamp(4, 32);
    let header = {
        let mut s = format!(
            "  {} {} {} {}",
            fit("MAC", 17),
            fit("hostname", host_w),
            fit("address", 15),
            fit("last exchange", 16)
        );
        if show_seen {
            s.push_str(&format!(" {}", fit("seen", 8)));
        }
        if show_count {
            s.push_str(" #ex");
        }
        s
    };
    let mut lines = vec![Line::styled(fit(&header, w), t.dim())];
    if m.order.is_empty() {
        let msg = if m.analysis.clients.is_empty() {
            if m.is_loading() {
                "waiting for DHCP packets…"
            } else {
                "no DHCP client in this capture"
            }
        } else {
            "no client matches the filter (Esc clears it)"
        };
        lines.push(Line::styled(format!("  {msg}"), t.dim()));
    }
    let rows = inner.height.saturating_sub(1) as usize;
    let start = m.clients.scroll.min(m.order.len());
    for (pos, &ci) in m.order.iter().enumerate().skip(start).take(rows) {
        let c = &m.analysis.clients[ci];
        let mark = m.marks.get(ci).copied().flatten();
        let (mark_s, mark_style) = match mark {
            Some(Severity::Critical) => ("!", t.severity(Severity::Critical)),
            Some(Severity::Warning) => ("*", t.severity(Severity::Warning)),
            Some(Severity::Info) => ("·", t.severity(Severity::Info)),
            None => (" ", Style::new()),
        };
        let addr = c
            .last_address()
            .map_or_else(|| "-".to_owned(), |a| a.to_string());
        let (last, last_style) = match last_exchange(c) {
            Some(e) => (
                format!("{} {}", e.kind.name(), e.outcome.name()),
                t.outcome(e.outcome),
            ),
            None => ("-".to_owned(), Style::new()),
        };
        let host = c.hostname.as_deref().unwrap_or("-");
        let mut spans = vec![
            Span::styled(format!("{mark_s} "), mark_style),
            Span::raw(format!("{} ", fit(&c.mac_string(), 17))),
        ];
        if m.is_probe_client(c) {
            // Our probe's client: the tag first, then what room is left of the hostname.
            let tag = fit("probe", host_w.min(5));
            let rest = host_w.saturating_sub(6);
            spans.push(Span::styled(tag, t.probe()));
            spans.push(Span::raw(if rest > 0 {
                format!(" {} ", fit(c.hostname.as_deref().unwrap_or(""), rest))
            } else {
                format!("{} ", " ".repeat(host_w.saturating_sub(5)))
            }));
        } else {
            spans.push(Span::raw(format!("{} ", fit(host, host_w))));
        }
        spans.extend([
            Span::raw(format!("{} ", fit(&addr, 15))),
            Span::styled(fit(&last, 16), last_style),
        ]);
        if show_seen {
            spans.push(Span::raw(format!(" {}", hms(c.last_seen))));
        }
        if show_count {
            spans.push(Span::raw(format!(
                " {:>3}",
                c.exchanges.len() as u64 + c.exchanges_dropped
            )));
        }
        let mut line = Line::from(spans);
        if pos == m.clients.pos {
            line = line.style(t.selected(focused));
        }
        lines.push(line);
    }
    f.render_widget(para(lines), inner);
}

/// One row of the ladder as styled cells.
struct Cells {
    cells: Vec<(char, Style)>,
}

impl Cells {
    fn new(w: usize) -> Cells {
        Cells {
            cells: vec![(' ', Style::new()); w],
        }
    }
    fn put(&mut self, x: usize, s: &str, style: Style) {
        for (i, c) in s.chars().enumerate() {
            if let Some(cell) = self.cells.get_mut(x + i) {
                *cell = (c, style);
            }
        }
    }
    /// Writes `s` within `[x, end)`, cut with an ellipsis.
    fn put_within(&mut self, x: usize, end: usize, s: &str, style: Style) {
        if end <= x {
            return;
        }
        let room = end - x;
        if s.chars().count() <= room {
            self.put(x, s, style);
        } else {
            let cut: String = s.chars().take(room.saturating_sub(1)).collect();
            self.put(x, &format!("{cut}…"), style);
        }
    }
    /// Restyles the cells of the first `word` found in `[x, end)` (the `probe` tag).
    fn tag(&mut self, x: usize, end: usize, word: &str, style: Style) {
        let end = end.min(self.cells.len());
        let w: Vec<char> = word.chars().collect();
        if x >= end || w.is_empty() {
            return;
        }
        let at = (x..end.saturating_sub(w.len() - 1)).find(|&i| {
            self.cells[i..i + w.len()]
                .iter()
                .map(|c| c.0)
                .eq(w.iter().copied())
        });
        if let Some(i) = at {
            for cell in &mut self.cells[i..i + w.len()] {
                cell.1 = style;
            }
        }
    }
    fn into_line(self, extra: Style) -> Line<'static> {
        let mut spans: Vec<Span<'static>> = Vec::new();
        let mut cur = String::new();
        let mut cur_style = None;
        for (c, s) in self.cells {
            let s = s.patch(extra);
            if cur_style != Some(s) && !cur.is_empty() {
                spans.push(Span::styled(
                    std::mem::take(&mut cur),
                    cur_style.unwrap_or_default(),
                ));
            }
            cur_style = Some(s);
            cur.push(c);
        }
        if !cur.is_empty() {
            spans.push(Span::styled(cur, cur_style.unwrap_or_default()));
        }
        Line::from(spans)
    }
}

/// Lane x positions: the client first, then each server.
fn lanes(n_servers: usize, x0: usize, width: usize) -> Vec<usize> {
    let n = n_servers.max(1);
    let span = width.saturating_sub(x0 + 3);
    let mut v = vec![x0 + 1];
    for i in 0..n {
        v.push(x0 + 1 + span * (i + 1) / n);
    }
    v
}

fn rel_time(ms: f64) -> String {
    if ms < 10_000.0 {
        format!("+{:.3}s", ms / 1000.0)
    } else if ms < 1_000_000.0 {
        format!("+{:.1}s", ms / 1000.0)
    } else {
        format!("+{:.0}s", ms / 1000.0)
    }
}

const GUTTER: usize = 9;

fn message_style(m: &MessageRecord, unexpected: bool, t: Theme) -> Style {
    let base = match m.msg_type {
        Some(MessageType::NAK) => t.nak(),
        Some(MessageType::ACK) => t.ack(),
        Some(MessageType::OFFER) => t.offer(),
        Some(MessageType::DECLINE) => t.bad(),
        _ => Style::new(),
    };
    if unexpected && m.is_reply() {
        base.patch(t.unexpected())
    } else {
        base
    }
}

fn draw_timeline(m: &Model, f: &mut Frame, area: Rect, t: Theme) {
    let focused = m.focus == Pane::Timeline;
    let Some(client) = m.selected_client() else {
        let block = pane_block(" Timeline ".into(), focused, t);
        let inner = block.inner(area);
        f.render_widget(block, area);
        f.render_widget(para(Line::styled("  select a client", t.dim())), inner);
        return;
    };
    let l = ladder::build(client);
    let mut title = format!(" Timeline {}", client.mac_string());
    if let Some(h) = &client.hostname {
        title.push_str(&format!(" ({})", fit(h, 24).trim_end()));
    }
    if m.is_probe_client(client) {
        title.push_str(" · probe");
    }
    let n = client.exchanges.len();
    title.push_str(&format!(
        " · {n} exchange{} ",
        if n == 1 { "" } else { "s" }
    ));
    if client.exchanges_dropped > 0 {
        title.push_str(&format!("(+{} older dropped) ", client.exchanges_dropped));
    }
    let block = pane_block(title, focused, t);
    let inner = block.inner(area);
    f.render_widget(block, area);
    if inner.height == 0 || inner.width < 20 {
        return;
    }
    let w = inner.width as usize;
    let x = lanes(l.servers.len(), GUTTER, w);
    let unexpected = |s: Ipv4Addr| {
        m.analysis
            .servers
            .iter()
            .any(|x| x.id == s && x.expected == Some(false))
    };
    // Lane header.
    let mut head = Cells::new(w);
    head.put(x[0].saturating_sub(1), "client", t.title());
    if l.servers.is_empty() {
        let label = "(no server)";
        head.put(x[1].saturating_sub(label.len()), label, t.dim());
    }
    for (i, s) in l.servers.iter().enumerate() {
        let mut label = s.to_string();
        let style = if unexpected(*s) {
            label.push_str(" !");
            t.unexpected()
        } else {
            t.title()
        };
        let lx = x[i + 1];
        let start = if i + 1 == l.servers.len() {
            (lx + 1).saturating_sub(label.len())
        } else {
            lx.saturating_sub(label.len() / 2)
        };
        head.put(start.max(x[i] + 2), &label, style);
    }
    let mut lines = vec![head.into_line(Style::new())];
    let rows = inner.height.saturating_sub(1) as usize;
    let selected_row = l.messages.get(m.timeline.pos).copied();
    let p = m.filter.to_lowercase();
    let mut scratch = String::new();
    for (ri, row) in l.rows.iter().enumerate().skip(m.timeline_scroll).take(rows) {
        let mut c = Cells::new(w);
        let extra = if Some(ri) == selected_row {
            t.selected(focused)
        } else {
            Style::new()
        };
        match *row {
            Row::Exchange { ex } => {
                let e = &client.exchanges[ex];
                let probe = m.is_probe_exchange(e);
                let digits = e.messages.first().map_or(3, |r| r.ts_digits.min(3));
                let mut label = format!(
                    " {}{} ",
                    if probe { "probe · " } else { "" },
                    exchange_label(e)
                );
                label.push_str(&format!("· {} ", hms_digits(e.start, digits)));
                c.put(0, &"─".repeat(w), t.dim());
                c.put_within(
                    2,
                    w,
                    &label,
                    t.outcome(e.outcome).add_modifier(Modifier::BOLD),
                );
                if probe {
                    c.tag(2, 9, "probe", t.probe());
                }
            }
            Row::Dropped { ex } => {
                let e = &client.exchanges[ex];
                for &lx in &x {
                    c.put(lx, "┆", t.dim());
                }
                c.put_within(
                    GUTTER + 3,
                    w,
                    &format!(" … {} more messages not kept ", e.messages_dropped),
                    t.dim(),
                );
            }
            Row::Message { ex, msg } => {
                let e = &client.exchanges[ex];
                let r = &e.messages[msg];
                for &lx in &x {
                    c.put(lx, "│", t.dim());
                }
                let marker = if Some(ri) == selected_row { "▸" } else { " " };
                c.put(0, marker, Style::new());
                c.put(1, &rel_time(r.ts.millis_since(e.start)), t.dim());
                let lane = ladder::lane_server(r, &l.servers)
                    .and_then(|s| l.servers.iter().position(|x| *x == s))
                    .map(|i| i + 1);
                let unexp = ladder::lane_server(r, &l.servers).is_some_and(unexpected);
                let style = message_style(r, unexp, t);
                let probe = m.is_probe_exchange(e);
                let mut label = arrow_label(r);
                if probe {
                    label.insert_str(0, "probe ");
                }
                if !p.is_empty() && message_matches(r, &p, &mut scratch) {
                    label.push_str(" ◆");
                }
                if r.is_reply() {
                    let to = x[lane.unwrap_or(x.len() - 1)];
                    c.put(x[0] + 1, "◀", style);
                    c.put(x[0] + 2, &"─".repeat(to.saturating_sub(x[0] + 2)), style);
                    c.put(to, "┤", style);
                    c.put_within(x[0] + 3, to.saturating_sub(1), &format!(" {label} "), style);
                    if probe {
                        c.tag(x[0] + 4, to.saturating_sub(1), "probe", t.probe());
                    }
                } else {
                    // Broadcast: the arrow reaches every server lane.
                    let to = x[lane.unwrap_or(x.len() - 1)];
                    c.put(x[0], "├", style);
                    c.put(x[0] + 1, &"─".repeat(to.saturating_sub(x[0] + 2)), style);
                    c.put(to - 1, "▶", style);
                    c.put_within(x[0] + 2, to.saturating_sub(2), &format!(" {label} "), style);
                    if probe {
                        c.tag(x[0] + 3, to.saturating_sub(2), "probe", t.probe());
                    }
                }
            }
        }
        lines.push(c.into_line(extra));
    }
    if l.rows.is_empty() {
        lines.push(Line::styled("  no exchange kept", t.dim()));
    }
    f.render_widget(para(lines), inner);
}

fn hms_digits(ts: Timestamp, digits: u8) -> String {
    let s = ts.rfc3339(digits).to_string();
    let s = s.trim_end_matches('Z');
    s.get(11..).unwrap_or(s).to_owned()
}

fn draw_detail(m: &Model, f: &mut Frame, area: Rect, t: Theme) {
    let focused = m.focus == Pane::Detail;
    let Some(d) = &m.detail else {
        let block = pane_block(" Packet ".into(), focused, t);
        let inner = block.inner(area);
        f.render_widget(block, area);
        f.render_widget(
            para(Line::styled("  Enter on a message opens it", t.dim())),
            inner,
        );
        return;
    };
    let block = pane_block(format!(" Packet · frame {} ", d.fref.frame), focused, t);
    let inner = block.inner(area);
    f.render_widget(block, area);
    let v = match &d.content {
        DetailContent::Loading => {
            f.render_widget(para("  reading the frame…"), inner);
            return;
        }
        DetailContent::Unavailable(why) => {
            f.render_widget(para(Line::styled(format!("  {why}"), t.bad())), inner);
            return;
        }
        DetailContent::Ready(v) => v,
    };
    let tree_h = heights(m).detail_tree.min(inner.height as usize);
    let w = inner.width as usize;
    let label_w = v
        .lines
        .iter()
        .filter(|l| l.kind == LineKind::Field && l.depth == 1)
        .map(|l| l.label.chars().count())
        .max()
        .unwrap_or(8)
        .min(28);
    let mut lines = Vec::new();
    for (i, l) in v.lines.iter().enumerate().skip(d.scroll).take(tree_h) {
        let indent = "  ".repeat(l.depth as usize);
        let line = match l.kind {
            LineKind::Section => Line::from(vec![
                Span::styled(format!("▾ {}", l.label), t.title()),
                Span::styled(format!("  {}", l.value), t.dim()),
            ]),
            LineKind::Warning => Line::styled(format!("{indent}! {}", l.value), t.bad()),
            LineKind::Field => Line::from(vec![
                Span::raw(format!("{indent}{} ", fit(&l.label, label_w))),
                Span::raw(l.value.clone()),
            ]),
        };
        let line = if i == d.sel {
            line.style(t.selected(focused))
        } else {
            line
        };
        lines.push(line);
    }
    let tree_area = Rect::new(inner.x, inner.y, inner.width, tree_h as u16);
    f.render_widget(para(lines), tree_area);
    // Hex dump of the DHCP message, scrolled to the selected field.
    let hex_top = inner.y + tree_h as u16;
    let hex_h = inner.height.saturating_sub(tree_h as u16);
    if hex_h < 2 {
        return;
    }
    let range = v.lines.get(d.sel).and_then(|l| l.range.clone());
    let per = if w >= 75 { 16 } else { 8 };
    let total_rows = v.bytes.len().div_ceil(per);
    let show = hex_h as usize - 1;
    let first = range
        .as_ref()
        .map_or(0, |r| (r.start / per).saturating_sub(1))
        .min(total_rows.saturating_sub(show));
    let mut hl = vec![Line::styled(
        fit(
            &format!(
                "── DHCP message, {} bytes{} ",
                v.bytes.len(),
                range
                    .as_ref()
                    .map(|r| format!(" · selected bytes {}..{}", r.start, r.end))
                    .unwrap_or_default()
            ),
            w,
        ),
        t.dim(),
    )];
    for row in first..(first + show).min(total_rows) {
        let mut spans = vec![Span::styled(format!("{:04x}  ", row * per), t.dim())];
        let mut ascii = Vec::new();
        for i in row * per..(row * per + per) {
            let Some(&b) = v.bytes.get(i) else {
                spans.push(Span::raw("   "));
                continue;
            };
            let inside = range.as_ref().is_some_and(|r| r.contains(&i));
            let style = if inside {
                t.highlight_bytes()
            } else {
                Style::new()
            };
            spans.push(Span::styled(format!("{b:02x}"), style));
            spans.push(Span::raw(if i % per == per / 2 - 1 { "  " } else { " " }));
            let ch = if b.is_ascii_graphic() || b == b' ' {
                b as char
            } else {
                '.'
            };
            ascii.push(Span::styled(ch.to_string(), style));
        }
        spans.push(Span::raw(" "));
        spans.extend(ascii);
        hl.push(Line::from(spans));
    }
    f.render_widget(para(hl), Rect::new(inner.x, hex_top, inner.width, hex_h));
}

fn table_split(m: &Model, body: Rect) -> (Rect, Rect) {
    let rows = heights(m).table as u16 + 3;
    let top = rows.min(body.height);
    (
        Rect::new(body.x, body.y, body.width, top),
        Rect::new(body.x, body.y + top, body.width, body.height - top),
    )
}

fn ips(v: &[Ipv4Addr]) -> String {
    if v.is_empty() {
        "-".into()
    } else {
        v.iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join(", ")
    }
}

fn draw_servers(m: &Model, f: &mut Frame, body: Rect, t: Theme) {
    let (top, bottom) = table_split(m, body);
    let a = &m.analysis;
    let block = pane_block(format!(" Servers {} ", a.servers.len()), true, t);
    let inner = block.inner(top);
    f.render_widget(block, top);
    let w = inner.width as usize;
    let show_mac = w >= 92;
    let mut head = "  server id       status      ".to_owned();
    if show_mac {
        head.push_str("MAC               ");
    }
    head.push_str("offers  acks  naks   median     p95");
    let mut lines = vec![Line::styled(fit(&head, w), t.dim())];
    if a.servers.is_empty() {
        lines.push(Line::styled("  no server replied yet", t.dim()));
    }
    let rows = inner.height.saturating_sub(1) as usize;
    for (i, s) in a
        .servers
        .iter()
        .enumerate()
        .skip(m.servers.scroll)
        .take(rows)
    {
        let (status, style) = match s.expected {
            Some(true) => ("expected", t.ack()),
            Some(false) => ("UNEXPECTED", t.unexpected()),
            None => ("-", Style::new()),
        };
        let lat = s.latency_summary();
        let ms = |v: Option<f64>| v.map_or_else(|| "-".to_owned(), ladder::fmt_ms);
        let mac = s
            .macs
            .first()
            .map_or_else(|| "-".to_owned(), |m| colon_hex(m));
        let mac = if show_mac {
            format!("{} ", fit(&mac, 17))
        } else {
            String::new()
        };
        let mut line = Line::from(vec![
            Span::raw(format!("  {} ", fit(&s.id.to_string(), 15))),
            Span::styled(format!("{} ", fit(status, 11)), style),
            Span::raw(format!("{mac}{:>6} {:>5} ", s.offers, s.acks)),
            Span::styled(
                format!("{:>5}", s.naks),
                if s.naks > 0 { t.nak() } else { Style::new() },
            ),
            Span::raw(format!(
                " {:>8} {:>7}",
                ms(lat.map(|l| l.0)),
                ms(lat.map(|l| l.1))
            )),
        ]);
        if i == m.servers.pos {
            line = line.style(t.selected(true));
        }
        lines.push(line);
    }
    f.render_widget(para(lines), inner);
    let block = pane_block(" Server detail ".into(), false, t);
    let inner = block.inner(bottom);
    f.render_widget(block, bottom);
    if let Some(s) = a.servers.get(m.servers.pos) {
        let subnets: Vec<String> = s.subnets.iter().map(ToString::to_string).collect();
        let leases: Vec<String> = s.lease_times.iter().map(|l| format!("{l}s")).collect();
        let mut d = vec![
            Line::from(vec![
                Span::styled(format!("{}", s.id), t.title()),
                Span::raw(if s.has_server_id {
                    "  (server identifier, option 54)"
                } else {
                    "  (no option 54: known by its IP source)"
                }),
            ]),
            Line::raw(format!(
                "hands out  subnets {}  router {}  DNS {}  lease {}",
                if subnets.is_empty() {
                    "-".into()
                } else {
                    subnets.join(", ")
                },
                ips(&s.routers),
                ips(&s.dns),
                if leases.is_empty() {
                    "-".into()
                } else {
                    leases.join(", ")
                }
            )),
            Line::raw(format!(
                "addresses  {}   sent from {}   relays {}",
                ips(&s.sample_addresses),
                ips(&s.ips),
                ips(&s.relays)
            )),
            Line::raw(format!(
                "MACs       {}",
                s.macs
                    .iter()
                    .map(|m| colon_hex(m))
                    .collect::<Vec<_>>()
                    .join(", ")
            )),
            Line::styled("Enter lists the clients it served", t.dim()),
        ];
        d.truncate(inner.height as usize);
        f.render_widget(para(d).wrap(ratatui::widgets::Wrap { trim: false }), inner);
    }
}

fn draw_findings(m: &Model, f: &mut Frame, body: Rect, t: Theme) {
    let (top, bottom) = table_split(m, body);
    let a = &m.analysis;
    let block = pane_block(format!(" Findings {} ", a.findings.len()), true, t);
    let inner = block.inner(top);
    f.render_widget(block, top);
    let w = inner.width as usize;
    let mut lines = Vec::new();
    if a.findings.is_empty() {
        let msg = if !m.findings_ready {
            "findings are computed when the read ends (streams: when quiet)"
        } else {
            "no findings"
        };
        lines.push(Line::styled(format!("  {msg}"), t.dim()));
    }
    let rows = inner.height as usize;
    for (pos, &fi) in m
        .findings_order
        .iter()
        .enumerate()
        .skip(m.findings.scroll)
        .take(rows)
    {
        let x = &a.findings[fi];
        let count = if x.count > 1 {
            format!(" ×{}", x.count)
        } else {
            String::new()
        };
        let rest = w.saturating_sub(12);
        let mut line = Line::from(vec![
            Span::styled(
                format!("{:<9} ", x.severity.name().to_uppercase()),
                t.severity(x.severity),
            ),
            Span::raw(fit(&format!("{}: {}{count}", x.code, x.message), rest)),
        ]);
        if pos == m.findings.pos {
            line = line.style(t.selected(true));
        }
        lines.push(line);
    }
    f.render_widget(para(lines), inner);
    let block = pane_block(" Finding ".into(), false, t);
    let inner = block.inner(bottom);
    f.render_widget(block, bottom);
    if let Some(&fi) = m.findings_order.get(m.findings.pos) {
        let x = &a.findings[fi];
        let frames: Vec<String> = x.frames.iter().map(ToString::to_string).collect();
        let d = vec![
            Line::from(vec![
                Span::styled(x.severity.name().to_uppercase(), t.severity(x.severity)),
                Span::styled(format!("  {}", x.code), t.title()),
                Span::raw(format!("  seen {}×", x.count)),
            ]),
            Line::raw(x.message.clone()),
            Line::raw(format!(
                "client {}  server {}  frames {}",
                x.client.as_deref().unwrap_or("-"),
                x.server.map_or_else(|| "-".to_owned(), |s| s.to_string()),
                if frames.is_empty() {
                    "-".into()
                } else {
                    frames.join(" ")
                }
            )),
            Line::styled(x.rfc, t.dim()),
            Line::styled("Enter jumps to the client and frame", t.dim()),
        ];
        f.render_widget(para(d).wrap(ratatui::widgets::Wrap { trim: false }), inner);
    }
}

/// Every key, for `?`.
pub const HELP: &[(&str, &str)] = &[
    ("↑ ↓  k j", "move in the focused pane"),
    ("PgUp PgDn  Ctrl-u Ctrl-d", "page up / down"),
    ("Home End  g G", "first / last"),
    ("Tab  Shift-Tab", "next / previous pane"),
    ("→ l Enter", "open: client → timeline → packet detail"),
    ("← h Esc", "back (Esc on the list clears the filter)"),
    ("/", "filter: MAC, IP, hostname, message type, server"),
    ("n  N", "next / previous match (timeline: messages)"),
    ("s", "sort: first/last seen, MAC, host, address, …"),
    ("f", "follow: select the client of the latest packet"),
    ("space", "pause / resume reading (replay, stdin, live)"),
    ("p", "send a DHCP probe (live: -i), see its verdict"),
    ("1  2  3", "clients, servers, findings"),
    ("Enter (servers)", "clients served by that server"),
    ("Enter (findings)", "jump to the client and frame"),
    ("?", "this help (any key closes it)"),
    ("q  Ctrl-c", "quit"),
];

fn centered(area: Rect, w: u16, h: u16) -> Rect {
    let w = w.min(area.width);
    let h = h.min(area.height);
    Rect::new(
        area.x + (area.width - w) / 2,
        area.y + (area.height - h) / 2,
        w,
        h,
    )
}

/// The header's third line: the probe in flight, or the last probe's verdict.
fn draw_probe_line(m: &Model, f: &mut Frame, area: Rect, t: Theme) {
    let tag = Span::styled(" probe ", t.probe().add_modifier(Modifier::REVERSED));
    let mut spans = vec![tag, Span::raw(" ")];
    if let Some(what) = &m.probe.running {
        spans.push(Span::styled(
            format!("{what}: waiting for replies…"),
            t.title(),
        ));
    } else {
        match &m.probe.last {
            Some(Ok(o)) => {
                // `DHCP CRITICAL - summary | perf`: the status word coloured.
                let line = &o.status_line;
                let word = format!("DHCP {}", o.status.name());
                match line.strip_prefix(&word) {
                    Some(rest) => {
                        spans.push(Span::styled(word, t.status(o.status)));
                        spans.push(Span::raw(rest.to_owned()));
                    }
                    None => spans.push(Span::styled(line.clone(), t.status(o.status))),
                }
            }
            Some(Err(e)) => spans.push(Span::styled(format!("failed: {e}"), t.nak())),
            None => {}
        }
    }
    f.render_widget(para(Line::from(spans)), area);
}

/// The probe form (`p`), over the body.
fn draw_probe_form(m: &Model, f: &mut Frame, area: Rect, t: Theme) {
    let p = &m.probe;
    let form = &p.form;
    let report: Vec<&String> = p
        .last
        .as_ref()
        .and_then(|r| r.as_ref().ok())
        .map(|o| o.report.iter().filter(|l| !l.trim().is_empty()).collect())
        .unwrap_or_default();
    let fixed = super::probe::Field::ALL.len() as u16 + 7;
    let want = fixed + (report.len() as u16).min(16);
    let r = centered(area, 100, want);
    f.render_widget(Clear, r);
    let title = match &p.target {
        Ok(iface) => format!(" Probe on {} ", crate::escape::escape_str(iface)),
        Err(_) => " Probe (unavailable) ".to_owned(),
    };
    let block = pane_block(title, true, t);
    let inner = block.inner(r);
    f.render_widget(block, r);
    let w = inner.width as usize;
    let label_w = 16;
    let mut lines = Vec::new();
    for field in super::probe::Field::ALL {
        let selected = form.field == field;
        let mut spans = vec![Span::styled(
            format!(" {:<label_w$}", field.label()),
            if selected { t.title() } else { t.dim() },
        )];
        match form.text(field) {
            None => {
                spans.push(Span::styled(format!("◀ {} ▶", form.mode.name()), t.title()));
            }
            Some(text) => {
                let room = w.saturating_sub(label_w + 3);
                if text.is_empty() && !selected {
                    spans.push(Span::styled(
                        fit(field.placeholder(form.mode), room),
                        t.dim(),
                    ));
                } else {
                    // Keep the end of a long value in view, where the typing happens.
                    let shown = crate::escape::escape_str(text);
                    let n = shown.chars().count();
                    let shown: String = if n > room {
                        shown.chars().skip(n - room).collect()
                    } else {
                        shown
                    };
                    spans.push(Span::raw(shown));
                    if selected {
                        spans.push(Span::styled("█", t.dim()));
                    }
                }
            }
        }
        let mut line = Line::from(spans);
        if selected {
            line = line.style(t.selected(true));
        }
        lines.push(line);
    }
    lines.push(Line::raw(""));
    lines.push(Line::styled(
        fit(&format!(" {}", super::probe::mode_help(form.mode)), w),
        t.dim(),
    ));
    let problem = match (&p.target, &form.error) {
        (Err(why), _) => Some(why.as_str()),
        (Ok(_), Some(e)) => Some(e.as_str()),
        (Ok(_), None) => None,
    };
    match (problem, &p.running) {
        (Some(e), _) => lines.push(Line::styled(fit(&format!(" ! {e}"), w), t.nak())),
        (None, Some(what)) => lines.push(Line::styled(
            fit(&format!(" running: {what}"), w),
            t.title(),
        )),
        (None, None) => lines.push(Line::raw("")),
    }
    let keys = if p.target.is_ok() {
        " Enter send · Esc close · ↑↓ Tab field · ←→ space mode · Ctrl-u clear"
    } else {
        " Esc close"
    };
    lines.push(Line::styled(fit(keys, w), t.dim()));
    // The last probe's report below, as far as it fits.
    match &p.last {
        Some(Ok(o)) => {
            let room = (inner.height as usize).saturating_sub(lines.len() + 1);
            if room > 0 {
                lines.push(Line::styled(fit(" ── last probe ", w), t.dim()));
                for (i, l) in report.iter().take(room).enumerate() {
                    let style = if i == 0 {
                        t.status(o.status)
                    } else {
                        Style::new()
                    };
                    lines.push(Line::styled(fit(&format!(" {l}"), w), style));
                }
            }
        }
        Some(Err(e)) => lines.push(Line::styled(
            fit(&format!(" last probe failed: {e}"), w),
            t.nak(),
        )),
        None => {}
    }
    f.render_widget(para(lines), inner);
}

fn draw_help(f: &mut Frame, area: Rect, t: Theme) {
    let r = centered(area, 78, HELP.len() as u16 + 4);
    f.render_widget(Clear, r);
    let block = pane_block(" Keys ".into(), true, t);
    let inner = block.inner(r);
    f.render_widget(block, r);
    let mut lines: Vec<Line> = HELP
        .iter()
        .map(|(k, d)| {
            Line::from(vec![
                Span::styled(format!(" {k:<26}"), t.title()),
                Span::raw(*d),
            ])
        })
        .collect();
    lines.push(Line::styled(
        " Marks: ! critical * warning · info; red: NAK; magenta: unexpected",
        t.dim(),
    ));
    f.render_widget(para(lines), inner);
}

fn draw_fatal(f: &mut Frame, area: Rect, e: &str, t: Theme) {
    let r = centered(area, 70, 8);
    f.render_widget(Clear, r);
    let block = Block::new()
        .borders(Borders::ALL)
        .border_style(t.nak())
        .title(Span::styled(" Error ", t.nak()));
    let inner = block.inner(r);
    f.render_widget(block, r);
    f.render_widget(
        para(vec![
            Line::raw(e.to_owned()),
            Line::raw(""),
            Line::styled("q quits · Esc keeps browsing what was read", t.dim()),
        ])
        .wrap(ratatui::widgets::Wrap { trim: false }),
        inner,
    );
}
