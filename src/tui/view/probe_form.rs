//! The probe form (`p`) over the body, with the last probe's report.

use super::*;

/// The probe form (`p`), over the body.
pub(super) fn draw_probe_form(m: &Model, f: &mut Frame, area: Rect, t: Theme) {
    let p = &m.probe;
    let form = &p.form;
    let report: Vec<&String> = p
        .last
        .as_ref()
        .and_then(|r| r.as_ref().ok())
        .map(|o| o.report.iter().filter(|l| !l.trim().is_empty()).collect())
        .unwrap_or_default();
    let fixed = crate::tui::probe::Field::ALL.len() as u16 + 7;
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
    for field in crate::tui::probe::Field::ALL {
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
        fit(&format!(" {}", crate::tui::probe::mode_help(form.mode)), w),
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
