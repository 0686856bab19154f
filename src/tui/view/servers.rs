//! The servers screen: the table and the selected server's detail.

use super::*;

pub(super) fn ips(v: &[Ipv4Addr]) -> String {
    if v.is_empty() {
        "-".into()
    } else {
        v.iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join(", ")
    }
}

pub(super) fn draw_servers(m: &Model, f: &mut Frame, body: Rect, t: Theme) {
    let (top, bottom) = table_split(m, body);
    let a = &m.analysis;
    let block = pane_block(format!(" Servers {} ", a.servers.len()), true, t);
    let inner = block.inner(top);
    f.render_widget(block, top);
    let w = inner.width as usize;
    let show_mac = w >= 92;
    let mut head = "  server id       status      ".to_owned();
    if show_mac {
        head.push_str("MAC               ");
    }
    head.push_str("offers  acks  naks   median     p95");
    let mut lines = vec![Line::styled(fit(&head, w), t.dim())];
    if a.servers.is_empty() {
        lines.push(Line::styled("  no server replied yet", t.dim()));
    }
    let rows = inner.height.saturating_sub(1) as usize;
    for (i, s) in a
        .servers
        .iter()
        .enumerate()
        .skip(m.servers.scroll)
        .take(rows)
    {
        let (status, style) = match s.expected {
            Some(true) => ("expected", t.ack()),
            Some(false) => ("UNEXPECTED", t.unexpected()),
            None => ("-", Style::new()),
        };
        let lat = s.latency_summary();
        let ms = |v: Option<f64>| v.map_or_else(|| "-".to_owned(), ladder::fmt_ms);
        let mac = s
            .macs
            .first()
            .map_or_else(|| "-".to_owned(), |m| colon_hex(m));
        let mac = if show_mac {
            format!("{} ", fit(&mac, 17))
        } else {
            String::new()
        };
        let mut line = Line::from(vec![
            Span::raw(format!("  {} ", fit(&s.id.to_string(), 15))),
            Span::styled(format!("{} ", fit(status, 11)), style),
            Span::raw(format!("{mac}{:>6} {:>5} ", s.offers, s.acks)),
            Span::styled(
                format!("{:>5}", s.naks),
                if s.naks > 0 { t.nak() } else { Style::new() },
            ),
            Span::raw(format!(
                " {:>8} {:>7}",
                ms(lat.map(|l| l.0)),
                ms(lat.map(|l| l.1))
            )),
        ]);
        if i == m.servers.pos {
            line = line.style(t.selected(true));
        }
        lines.push(line);
    }
    f.render_widget(para(lines), inner);
    let block = pane_block(" Server detail ".into(), false, t);
    let inner = block.inner(bottom);
    f.render_widget(block, bottom);
    if let Some(s) = a.servers.get(m.servers.pos) {
        let subnets: Vec<String> = s.subnets.iter().map(ToString::to_string).collect();
        let leases: Vec<String> = s.lease_times.iter().map(|l| format!("{l}s")).collect();
        let mut d = vec![
            Line::from(vec![
                Span::styled(format!("{}", s.id), t.title()),
                Span::raw(if s.has_server_id {
                    "  (server identifier, option 54)"
                } else {
                    "  (no option 54: known by its IP source)"
                }),
            ]),
            Line::raw(format!(
                "hands out  subnets {}  router {}  DNS {}  lease {}",
                if subnets.is_empty() {
                    "-".into()
                } else {
                    subnets.join(", ")
                },
                ips(&s.routers),
                ips(&s.dns),
                if leases.is_empty() {
                    "-".into()
                } else {
                    leases.join(", ")
                }
            )),
            Line::raw(format!(
                "addresses  {}   sent from {}   relays {}",
                ips(&s.sample_addresses),
                ips(&s.ips),
                ips(&s.relays)
            )),
            Line::raw(format!(
                "MACs       {}",
                s.macs
                    .iter()
                    .map(|m| colon_hex(m))
                    .collect::<Vec<_>>()
                    .join(", ")
            )),
            Line::styled("Enter lists the clients it served", t.dim()),
        ];
        d.truncate(inner.height as usize);
        f.render_widget(para(d).wrap(ratatui::widgets::Wrap { trim: false }), inner);
    }
}
