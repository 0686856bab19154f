//! The findings screen: the table, worst first, and the selected finding's detail.

use super::*;

pub(super) fn draw_findings(m: &Model, f: &mut Frame, body: Rect, t: Theme) {
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
