//! The header: source, counters, findings, capture clock, state; and the probe's line.

use super::*;

pub(super) fn draw_header(m: &Model, f: &mut Frame, area: Rect, t: Theme) {
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
        let zone = zone_name(Some(c));
        let full = format!("{} {zone}", clock(c));
        if left + full.len() + 2 <= width {
            full
        } else {
            // Narrow: the time of day to the second, still with its zone.
            format!("{} {zone}", hms(c))
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

/// The header's third line: the probe in flight, or the last probe's verdict.
pub(super) fn draw_probe_line(m: &Model, f: &mut Frame, area: Rect, t: Theme) {
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
