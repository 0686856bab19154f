//! The help overlay (`?`), drawn from the binding table, and the error overlay.

use super::*;

pub(super) fn draw_help(f: &mut Frame, area: Rect, t: Theme) {
    let bindings = super::super::keys::BINDINGS;
    let r = centered(area, 78, bindings.len() as u16 + 4);
    f.render_widget(Clear, r);
    let block = pane_block(" Keys ".into(), true, t);
    let inner = block.inner(r);
    f.render_widget(block, r);
    let mut lines: Vec<Line> = bindings
        .iter()
        .map(|b| {
            Line::from(vec![
                Span::styled(format!(" {:<26}", b.label), t.title()),
                Span::raw(b.help),
            ])
        })
        .collect();
    lines.push(Line::styled(
        " Marks: ! critical * warning · info; red: NAK; magenta: unexpected",
        t.dim(),
    ));
    f.render_widget(para(lines), inner);
}

pub(super) fn draw_fatal(f: &mut Frame, area: Rect, e: &str, t: Theme) {
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
