//! The packet detail pane: the field tree and the hex dump of the selected message's frame.

use super::*;

pub(super) fn draw_detail(m: &Model, f: &mut Frame, area: Rect, t: Theme) {
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
