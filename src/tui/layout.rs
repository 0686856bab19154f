//! Layout: how the screen is cut into header, body and footer, and the heights of the
//! scrollable areas, shared by `update` (to keep selections in view) and the views.

use super::model::Model;
use ratatui::layout::Rect;

/// Heights of the scrollable areas for the current size (what the view will use).
pub struct Heights {
    pub clients: usize,
    pub timeline: usize,
    pub detail_tree: usize,
    pub table: usize,
}

/// Rows taken by the header (2) and the footer (1).
pub const CHROME_ROWS: u16 = 3;

/// Header rows: two, and a third for the probe (running, or its verdict).
pub fn header_rows(m: &Model) -> u16 {
    2 + u16::from(m.probe.has_line())
}

/// Rows taken by the header and the footer.
pub fn chrome_rows(m: &Model) -> u16 {
    CHROME_ROWS + u16::from(m.probe.has_line())
}

pub fn heights(m: &Model) -> Heights {
    let body = m.size.1.saturating_sub(chrome_rows(m)) as usize;
    let (clients_box, timeline_box) = if m.wide() {
        (body, body)
    } else {
        let top = clients_box_height(m, body);
        (top, body.saturating_sub(top))
    };
    let detail_box = body;
    Heights {
        // Borders and the table header.
        clients: clients_box.saturating_sub(3),
        // Borders and the lane header.
        timeline: timeline_box.saturating_sub(3),
        detail_tree: (detail_box.saturating_sub(2) / 2).max(1),
        table: (body.saturating_sub(3) * 3 / 5).max(1),
    }
}

/// Height of the clients box when stacked above the timeline (narrow screens).
pub fn clients_box_height(m: &Model, body: usize) -> usize {
    let wanted = m.order.len() + 3;
    wanted.clamp(5.min(body), (body * 2 / 5).max(5.min(body)))
}

/// The body of the servers and findings screens: the table above, the detail below.
pub fn table_split(m: &Model, body: Rect) -> (Rect, Rect) {
    let rows = heights(m).table as u16 + 3;
    let top = rows.min(body.height);
    (
        Rect::new(body.x, body.y, body.width, top),
        Rect::new(body.x, body.y + top, body.width, body.height - top),
    )
}

/// A `w`×`h` box centered in `area` (overlays).
pub fn centered(area: Rect, w: u16, h: u16) -> Rect {
    let w = w.min(area.width);
    let h = h.min(area.height);
    Rect::new(
        area.x + (area.width - w) / 2,
        area.y + (area.height - h) / 2,
        w,
        h,
    )
}
