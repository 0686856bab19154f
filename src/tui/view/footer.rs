//! The footer: filter input, status, read warning, or the key hints of the binding table.

use super::*;

pub(super) fn draw_footer(m: &Model, f: &mut Frame, area: Rect, t: Theme) {
    let line = if let Some(digits) = &m.goto_input {
        Line::from(vec![
            Span::styled(" go to frame: ", t.title()),
            Span::raw(digits.clone()),
            Span::styled("█", t.dim()),
            Span::styled("   Enter go · Esc cancel", t.dim()),
        ])
    } else if let Some(name) = &m.export_input {
        let who = m
            .selected_client()
            .map(|c| c.mac_string())
            .unwrap_or_default();
        Line::from(vec![
            Span::styled(format!(" write frames of {who} to: "), t.title()),
            Span::raw(crate::escape::escape_str(name)),
            Span::styled("█", t.dim()),
            Span::styled("   Enter write · Esc cancel", t.dim()),
        ])
    } else if let Some(input) = &m.input {
        let mut spans = vec![
            Span::styled("/", t.title()),
            Span::raw(crate::escape::escape_str(input)),
            Span::styled("█", t.dim()),
        ];
        match &m.filter_error {
            // In place: a caret under the column, then why (the last valid filter stays applied).
            Some(e) => spans.push(Span::styled(
                format!("   ^ col {}: {}", e.pos + 1, crate::escape::escape_str(&e.message)),
                t.bad(),
            )),
            None => spans.push(Span::styled(
                "   mac: ip: host: vlan: server: kind: outcome: sev: rogue victim, and/or/not · Enter keep · Esc clear",
                t.dim(),
            )),
        }
        Line::from(spans)
    } else if !m.status.is_empty() {
        Line::from(Span::styled(format!(" {}", m.status), t.title()))
    } else if let Some(w) = m.ended.as_ref().and_then(|e| e.warning.as_ref()) {
        Line::from(Span::styled(
            format!(" warning: {}", crate::escape::escape_str(w)),
            t.bad(),
        ))
    } else {
        let hints = super::super::keys::hints(&super::super::update::place(m));
        let mut spans = vec![Span::styled(format!(" {hints}"), t.dim())];
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
