//! The clients screen (list beside or above the timeline, or the detail) and the clients list.

use super::detail::draw_detail;
use super::timeline::draw_timeline;
use super::*;

pub(super) fn draw_clients_screen(m: &Model, f: &mut Frame, body: Rect, t: Theme) {
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

pub(super) fn last_exchange(c: &Client) -> Option<&crate::analysis::Exchange> {
    c.exchanges.last()
}

pub(super) fn draw_clients(m: &Model, f: &mut Frame, area: Rect, t: Theme) {
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
