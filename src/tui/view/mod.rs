//! `view`: draws the model, nothing else. Pure: the same model gives the same screen. One
//! file per pane; the helpers they share (theme, escaping checks, boxes) are here.
//!
//! ```text
//! ┌ header: source, counters, findings, clock, state ──────────────────────────────┐
//! │ Clients list            │ Timeline (ladder) of the selected client            │
//! │                         │   or, with the detail open, Timeline │ Detail       │
//! └ footer: keys, filter input, status ────────────────────────────────────────────┘
//! ```
//! Below 120 columns the panes stack (list above timeline) and the detail takes the body.

mod clients;
mod detail;
mod findings;
mod footer;
mod header;
mod help;
mod probe_form;
mod servers;
mod timeline;

use super::ladder::{self, Row, arrow_label, exchange_label, outcome_is_bad};
use super::layout::{centered, chrome_rows, clients_box_height, header_rows, heights, table_split};
use super::model::{DetailContent, Model, Pane, Screen, SourceKind};
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

use clients::draw_clients_screen;
use findings::draw_findings;
use footer::draw_footer;
use header::{draw_header, draw_probe_line};
use help::{draw_fatal, draw_help};
use probe_form::draw_probe_form;
use servers::draw_servers;
mod addresses;

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
        Screen::Addresses => addresses::draw_addresses(m, f, body, t),
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

/// Times are shown in UTC unless the runtime says local (`run` sets it from `--utc`; models
/// built without the runtime, as tests do, stay in UTC so their screens do not depend on the
/// machine's zone).
static SHOW_UTC: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(true);

/// Show times in UTC (`true`) or in the local zone (`TZ`, else /etc/localtime).
pub fn set_utc(utc: bool) {
    SHOW_UTC.store(utc, std::sync::atomic::Ordering::Relaxed);
}

/// The local zone's offset from UTC at `secs` and its abbreviation, from the C library
/// (`localtime_r` honours `TZ`).
fn local_offset(secs: i64) -> Option<(i64, String)> {
    let t = libc::time_t::try_from(secs).ok()?;
    // SAFETY: `tm` is plain data that localtime_r fills; both pointers are valid for the call.
    let mut tm: libc::tm = unsafe { std::mem::zeroed() };
    let r = unsafe { libc::localtime_r(&t, &mut tm) };
    if r.is_null() {
        return None;
    }
    let zone = if tm.tm_zone.is_null() {
        String::new()
    } else {
        // SAFETY: a non-null tm_zone points to a NUL-terminated static string of the C library.
        unsafe { std::ffi::CStr::from_ptr(tm.tm_zone) }
            .to_string_lossy()
            .into_owned()
    };
    // `c_long`: i64 here, i32 on 32-bit targets.
    #[allow(clippy::useless_conversion)]
    let offset = i64::from(tm.tm_gmtoff);
    Some((offset, zone))
}

/// `ts` moved into the shown zone (same instant's wall clock), and the zone's name.
pub(super) fn shown(ts: Timestamp) -> (Timestamp, String) {
    if SHOW_UTC.load(std::sync::atomic::Ordering::Relaxed) || !ts.is_known() {
        return (ts, "UTC".into());
    }
    match local_offset(ts.secs) {
        Some((off, zone)) => (
            Timestamp {
                secs: ts.secs + off,
                nanos: ts.nanos,
            },
            if zone.is_empty() {
                format!("{off:+}s")
            } else {
                crate::escape::escape_str(&zone)
            },
        ),
        None => (ts, "UTC".into()),
    }
}

/// The zone times are shown in, for the header (at the capture's clock).
pub(super) fn zone_name(at: Option<Timestamp>) -> String {
    shown(at.unwrap_or_default()).1
}

pub(super) fn clock(ts: Timestamp) -> String {
    let s = shown(ts).0.rfc3339(3).to_string();
    // 2026-11-28T02:31:00.123Z → 2026-11-28 02:31:00.123
    s.trim_end_matches('Z').replacen('T', " ", 1)
}

pub(super) fn hms(ts: Timestamp) -> String {
    let s = clock(ts);
    s.get(11..19).unwrap_or(&s).to_owned()
}

pub(super) fn hms_digits(ts: Timestamp, digits: u8) -> String {
    let s = shown(ts).0.rfc3339(digits).to_string();
    let s = s.trim_end_matches('Z');
    s.get(11..).unwrap_or(s).to_owned()
}

/// A paragraph of `text`. ratatui drops control and zero-width characters without a trace
/// (a raw ESC or U+202E just vanishes from the screen), so a string that missed its escaping
/// would look fine in a rendered buffer: debug builds (the tests) check every span here.
pub(super) fn para<'a>(text: impl Into<Text<'a>>) -> Paragraph<'a> {
    let text = text.into();
    for span in text.lines.iter().flat_map(|l| l.spans.iter()) {
        debug_assert_safe(&span.content);
    }
    Paragraph::new(text)
}

pub(super) fn debug_assert_safe(s: &str) {
    debug_assert!(
        super::is_terminal_safe(s),
        "terminal-unsafe text reached the view: {s:?}"
    );
}

pub(super) fn pane_block(title: String, focused: bool, t: Theme) -> Block<'static> {
    debug_assert_safe(&title);
    Block::new()
        .borders(Borders::ALL)
        .border_style(t.border(focused))
        .title(Span::styled(
            title,
            if focused { t.title() } else { Style::new() },
        ))
}

/// Pads or cuts `s` to `w` columns (by chars: our cells hold escaped, mostly ASCII text).
pub(super) fn fit(s: &str, w: usize) -> String {
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
