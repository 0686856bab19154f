//! The Addresses screen: lease history (`crate::leases`), one row per holding, by address.

use super::*;

pub(super) fn draw_addresses(m: &Model, f: &mut Frame, body: Rect, t: Theme) {
    let block = pane_block(
        format!(" Addresses {} holdings ", m.holdings.len()),
        true,
        t,
    );
    let inner = block.inner(body);
    f.render_widget(block, body);
    let w = inner.width as usize;
    let head = "  address          client             from          to            ended    server           renewals";
    let mut lines = vec![Line::styled(fit(head, w), t.dim())];
    if m.holdings.is_empty() {
        lines.push(Line::styled(
            "  no address was leased (an ACK with an address) yet",
            t.dim(),
        ));
    }
    let rows = inner.height.saturating_sub(1) as usize;
    let scroll = m.addresses.pos.saturating_sub(rows.saturating_sub(1));
    for (i, h) in m.holdings.iter().enumerate().skip(scroll).take(rows) {
        let time = |ts: Option<crate::time::Timestamp>| {
            ts.map_or_else(|| "-".to_owned(), |ts| hms_digits(ts, 3))
        };
        let server = h.server.map_or_else(|| "-".to_owned(), |s| s.to_string());
        let text = format!(
            "  {:<15}  {:<17}  {:<12}  {:<12}  {:<7}  {:<15}  {:>8}{}",
            h.address.to_string(),
            h.mac,
            time(Some(h.from)),
            time(h.to),
            h.ended_by.name(),
            server,
            h.renewals,
            if h.overlap { "  OVERLAP" } else { "" }
        );
        let mut style = if h.overlap { t.bad() } else { Style::new() };
        if i == m.addresses.pos {
            style = style.patch(t.selected(true));
        }
        lines.push(Line::styled(fit(&text, w), style));
    }
    f.render_widget(Paragraph::new(lines), inner);
}
