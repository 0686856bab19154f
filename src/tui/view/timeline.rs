//! The timeline pane: the selected client's exchanges as a ladder, one lane per server.

use super::*;

/// One row of the ladder as styled cells.
pub(super) struct Cells {
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
pub(super) fn lanes(n_servers: usize, x0: usize, width: usize) -> Vec<usize> {
    let n = n_servers.max(1);
    let span = width.saturating_sub(x0 + 3);
    let mut v = vec![x0 + 1];
    for i in 0..n {
        v.push(x0 + 1 + span * (i + 1) / n);
    }
    v
}

pub(super) fn rel_time(ms: f64) -> String {
    if ms < 10_000.0 {
        format!("+{:.3}s", ms / 1000.0)
    } else if ms < 1_000_000.0 {
        format!("+{:.1}s", ms / 1000.0)
    } else {
        format!("+{:.0}s", ms / 1000.0)
    }
}

pub(super) const GUTTER: usize = 9;

pub(super) fn message_style(m: &MessageRecord, unexpected: bool, t: Theme) -> Style {
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

pub(super) fn draw_timeline(m: &Model, f: &mut Frame, area: Rect, t: Theme) {
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
                if m.filter_expr.matches_message(r) {
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
