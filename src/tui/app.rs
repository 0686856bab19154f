//! The model, the messages and `update` (The Elm Architecture). No I/O here: what needs the
//! outside world (reading a frame again, pausing the reader) is returned as a [`Cmd`].

use super::ladder::{self, Ladder, Row};
use super::packet::{self, PacketView};
use super::probe::{self as tui_probe, ProbeOutcome, ProbeState};
use super::reader::{Batch, Ended, FrameRef, Speed};
use crate::analysis::{Analysis, Client, Expectations, MessageRecord, Severity};
use crate::dhcp::Message;
use crate::dhcp::options::colon_hex;
use crate::frame::UdpFrame;
use crate::pipeline::Packet;
use crate::source::RawFrame;
use crate::time::Timestamp;
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyEventKind, KeyModifiers};
use std::collections::{HashMap, VecDeque};
use std::fmt::Write as _;
use std::time::{Duration, Instant};

/// Everything that happens to the UI.
#[derive(Debug)]
pub enum Msg {
    Key(KeyEvent),
    Resize(u16, u16),
    /// DHCP packets read (the reader thread).
    Packets(Batch),
    /// The source ended (file read, stream closed, capture failed).
    Ended(Ended),
    /// Frame bytes read again for the detail view (`None`: unreadable, with why).
    FrameBytes {
        fref: FrameRef,
        data: Result<Vec<u8>, String>,
    },
    /// Periodic wake-up with the wall clock.
    Tick(Instant),
    /// The probe thread is about to use this transaction id (its messages are marked).
    ProbeXid(u32),
    /// The probe ended: its verdict, or why it could not run.
    ProbeDone(Result<ProbeOutcome, String>),
}

/// What `update` asks of the runtime.
#[derive(Debug, Clone)]
pub enum Cmd {
    /// Read this frame from the file again and answer with [`Msg::FrameBytes`].
    ReadFrame(FrameRef),
    /// Pause or resume the reader.
    SetPaused(bool),
    /// Run this probe on the probe thread (the form was submitted); the answers come back as
    /// [`Msg::ProbeXid`] and [`Msg::ProbeDone`].
    Probe(Box<crate::probe::Plan>),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SourceKind {
    /// A regular file: frames are read again from it for the detail.
    File,
    /// Standard input: frames are kept in memory.
    Stdin,
    /// A named pipe or another path that is not a regular file (`<(…)`): as standard input.
    Pipe,
    Live,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Screen {
    Clients,
    Servers,
    Findings,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Pane {
    Clients,
    Timeline,
    Detail,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sort {
    FirstSeen,
    LastSeen,
    Mac,
    Hostname,
    Address,
    Exchanges,
    Findings,
}

impl Sort {
    pub fn name(self) -> &'static str {
        match self {
            Sort::FirstSeen => "first seen",
            Sort::LastSeen => "last seen",
            Sort::Mac => "MAC",
            Sort::Hostname => "hostname",
            Sort::Address => "address",
            Sort::Exchanges => "exchanges",
            Sort::Findings => "findings",
        }
    }

    fn next(self) -> Sort {
        match self {
            Sort::FirstSeen => Sort::LastSeen,
            Sort::LastSeen => Sort::Mac,
            Sort::Mac => Sort::Hostname,
            Sort::Hostname => Sort::Address,
            Sort::Address => Sort::Exchanges,
            Sort::Exchanges => Sort::Findings,
            Sort::Findings => Sort::FirstSeen,
        }
    }
}

/// The packet detail pane.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DetailContent {
    Loading,
    Ready(PacketView),
    Unavailable(String),
}

#[derive(Debug, Clone)]
pub struct Detail {
    pub fref: FrameRef,
    pub ts: Timestamp,
    pub ts_digits: u8,
    pub content: DetailContent,
    /// Selected line of the tree.
    pub sel: usize,
    pub scroll: usize,
}

/// A list position with its scroll offset.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ListState {
    pub pos: usize,
    pub scroll: usize,
}

impl ListState {
    fn clamp(&mut self, len: usize, height: usize) {
        self.pos = self.pos.min(len.saturating_sub(1));
        self.visible(height);
    }

    fn visible(&mut self, height: usize) {
        let height = height.max(1);
        if self.pos < self.scroll {
            self.scroll = self.pos;
        } else if self.pos >= self.scroll + height {
            self.scroll = self.pos + 1 - height;
        }
    }

    fn step(&mut self, delta: isize, len: usize, height: usize) {
        if len == 0 {
            *self = ListState::default();
            return;
        }
        self.pos = self.pos.saturating_add_signed(delta).min(len - 1);
        self.visible(height);
    }
}

/// Bytes of frames kept for sources that cannot be read again (stdin, live).
pub const FRAME_STORE_BYTES: usize = 64 << 20;

/// The whole UI state.
pub struct Model {
    pub source_name: String,
    pub source_kind: SourceKind,
    pub speed: Speed,
    pub analysis: Analysis,
    pub frames_read: u64,
    pub dhcp_read: u64,
    pub drops: Option<u64>,
    pub progress: Option<(u64, u64)>,
    pub clock: Option<Timestamp>,
    pub paused: bool,
    pub ended: Option<Ended>,
    /// Shown over everything until dismissed.
    pub fatal: Option<String>,
    pub color: bool,
    pub size: (u16, u16),
    pub screen: Screen,
    pub focus: Pane,
    pub help: bool,
    pub quit: bool,
    /// The filter being typed (`/`), applied as it is typed.
    pub input: Option<String>,
    pub filter: String,
    pub sort: Sort,
    pub follow: bool,
    /// Filtered and sorted client indices.
    pub order: Vec<usize>,
    pub clients: ListState,
    pub timeline: ListState,
    /// First timeline row shown.
    pub timeline_scroll: usize,
    pub detail: Option<Detail>,
    pub servers: ListState,
    pub findings: ListState,
    /// Findings, worst first.
    pub findings_order: Vec<usize>,
    /// Worst finding per client index.
    pub marks: Vec<Option<Severity>>,
    pub finding_counts: [usize; 3],
    /// A short note in the footer.
    pub status: String,
    /// Where each DHCP frame lies in the file (file sources), by frame number.
    pub frame_index: Vec<FrameRef>,
    /// Frames kept in memory (streams), oldest first.
    pub frame_store: VecDeque<(FrameRef, Vec<u8>)>,
    frame_store_bytes: usize,
    /// New packets since the findings were computed.
    findings_stale: bool,
    order_stale: bool,
    last_packet_wall: Option<Instant>,
    last_refresh_wall: Option<Instant>,
    last_findings_wall: Option<Instant>,
    /// Findings were computed at least once.
    pub findings_ready: bool,
    /// Client of the most recent packet (follow mode).
    last_client: Option<usize>,
    /// The probe form, the probe in flight, its verdict and the probe's transaction ids.
    pub probe: ProbeState,
}

impl Model {
    pub fn new(
        source_name: impl Into<String>,
        kind: SourceKind,
        expectations: Expectations,
        speed: Speed,
    ) -> Model {
        let probe_target = Err(match kind {
            SourceKind::Live => "the probe handles are not open".to_owned(),
            SourceKind::File => "probes need a live interface (-i): this view reads a file".into(),
            SourceKind::Stdin => {
                "probes need a live interface (-i): this view reads standard input".into()
            }
            SourceKind::Pipe => "probes need a live interface (-i): this view reads a pipe".into(),
        });
        let probe = ProbeState::new(probe_target, &expectations);
        Model {
            source_name: crate::escape::escape_str(&source_name.into()),
            source_kind: kind,
            speed,
            analysis: Analysis::new(expectations),
            frames_read: 0,
            dhcp_read: 0,
            drops: None,
            progress: None,
            clock: None,
            paused: false,
            ended: None,
            fatal: None,
            color: true,
            size: (80, 24),
            screen: Screen::Clients,
            focus: Pane::Clients,
            help: false,
            quit: false,
            input: None,
            filter: String::new(),
            sort: Sort::FirstSeen,
            follow: kind == SourceKind::Live,
            order: Vec::new(),
            clients: ListState::default(),
            timeline: ListState::default(),
            timeline_scroll: 0,
            detail: None,
            servers: ListState::default(),
            findings: ListState::default(),
            findings_order: Vec::new(),
            marks: Vec::new(),
            finding_counts: [0; 3],
            status: String::new(),
            frame_index: Vec::new(),
            frame_store: VecDeque::new(),
            frame_store_bytes: 0,
            findings_stale: false,
            order_stale: false,
            last_packet_wall: None,
            last_refresh_wall: None,
            last_findings_wall: None,
            findings_ready: false,
            last_client: None,
            probe,
        }
    }

    /// Whether exchange `e` is one of our probes.
    pub fn is_probe_exchange(&self, e: &crate::analysis::Exchange) -> bool {
        self.probe.is_probe_xid(e.xid)
    }

    /// Whether the client took part in one of our probes.
    pub fn is_probe_client(&self, c: &Client) -> bool {
        !self.probe.xids.is_empty() && c.exchanges.iter().any(|e| self.is_probe_exchange(e))
    }

    /// The client under the cursor.
    pub fn selected_client(&self) -> Option<&Client> {
        self.order
            .get(self.clients.pos)
            .map(|&i| &self.analysis.clients[i])
    }

    pub fn selected_client_index(&self) -> Option<usize> {
        self.order.get(self.clients.pos).copied()
    }

    /// The selected client's ladder.
    pub fn ladder(&self) -> Option<Ladder> {
        self.selected_client().map(ladder::build)
    }

    /// The message under the timeline cursor.
    pub fn selected_message(&self) -> Option<&MessageRecord> {
        let client = self.selected_client()?;
        let l = ladder::build(client);
        let row = *l.messages.get(self.timeline.pos)?;
        match l.rows[row] {
            Row::Message { ex, msg } => client.exchanges.get(ex)?.messages.get(msg),
            _ => None,
        }
    }

    pub fn is_loading(&self) -> bool {
        self.ended.is_none()
    }

    /// The state word of the header.
    pub fn state_label(&self) -> String {
        if self.paused {
            return "paused".to_owned();
        }
        if self.ended.is_some() {
            return "done".to_owned();
        }
        match (self.source_kind, self.speed) {
            (SourceKind::Live, _) => "live".to_owned(),
            (_, Speed::Factor(f)) => format!("replay ×{f}"),
            (_, Speed::Max) => "replay ×max".to_owned(),
            (SourceKind::Stdin, Speed::Load) => "reading stdin".to_owned(),
            (SourceKind::Pipe, Speed::Load) => "reading pipe".to_owned(),
            (SourceKind::File, Speed::Load) => match self.progress {
                Some((done, total)) if total > 0 => {
                    format!("loading {}%", (done.min(total) * 100) / total)
                }
                _ => "loading".to_owned(),
            },
        }
    }

    /// Whether a timeline pane is shown beside the list, by width.
    pub fn wide(&self) -> bool {
        self.size.0 >= 120
    }
}

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

/// Feeds one batch of packets to the analysis.
fn ingest(m: &mut Model, batch: Batch) {
    let Batch {
        buf,
        items,
        frames_read,
        dhcp_read,
        progress,
        clock,
        drops,
    } = batch;
    if drops.is_some() {
        m.drops = drops;
    }
    m.frames_read = m.frames_read.max(frames_read);
    m.dhcp_read = m.dhcp_read.max(dhcp_read);
    if progress.is_some() {
        m.progress = progress;
    }
    if clock.is_some() {
        m.clock = clock;
    }
    if items.is_empty() {
        return;
    }
    let clients_before = m.analysis.clients.len();
    let mut last_chaddr: Vec<u8> = Vec::new();
    for item in items {
        let payload = buf.get(item.payload.clone()).unwrap_or_default();
        let raw = RawFrame {
            number: item.fref.frame,
            ts: item.ts,
            ts_digits: item.ts_digits,
            linktype: item.fref.linktype,
            orig_len: item.fref.orig_len,
            data: &[],
        };
        let udp = UdpFrame {
            src_mac: item.src_mac,
            dst_mac: item.dst_mac,
            vlans: item.vlans,
            src_ip: item.src_ip,
            dst_ip: item.dst_ip,
            src_port: item.src_port,
            dst_port: item.dst_port,
            payload,
            reassembled: item.reassembled,
            checksum: item.checksum,
            warnings: item.udp_warnings,
            tunnel: item.tunnel,
        };
        let packet = Packet {
            frame: &raw,
            udp: &udp,
            dhcp: Message::decode(payload),
        };
        m.analysis.observe(&packet);
        last_chaddr.clear();
        last_chaddr.extend_from_slice(packet.dhcp.chaddr());
        match item.frame_data {
            Some(range) => {
                let data = buf.get(range).unwrap_or_default().to_vec();
                m.frame_store_bytes += data.len();
                m.frame_store.push_back((item.fref, data));
                while m.frame_store_bytes > FRAME_STORE_BYTES {
                    match m.frame_store.pop_front() {
                        Some((_, d)) => m.frame_store_bytes -= d.len(),
                        None => break,
                    }
                }
            }
            None => m.frame_index.push(item.fref),
        }
    }
    m.last_client = m.analysis.client_index(&last_chaddr).or(m.last_client);
    m.marks.resize(m.analysis.clients.len(), None);
    m.findings_stale = true;
    let grew = m.analysis.clients.len() > clients_before;
    if m.sort == Sort::FirstSeen && m.filter.is_empty() {
        // The common case stays cheap: new clients go to the end.
        m.order.extend(clients_before..m.analysis.clients.len());
    } else if grew || !m.filter.is_empty() || m.sort != Sort::FirstSeen {
        m.order_stale = true;
    }
    follow(m);
    track_probe(m);
}

/// Follow mode: selects the client of the latest packet.
fn follow(m: &mut Model) {
    if m.follow
        && let Some(c) = m.last_client
    {
        select_latest(m, c);
    }
}

/// Keeps the probe's client selected, its latest message in view (after a submit, until the
/// user moves).
fn track_probe(m: &mut Model) {
    if let Some(mac) = m.probe.track
        && let Some(c) = m.analysis.client_index(&mac)
    {
        select_latest(m, c);
    }
}

/// Selects client `c` (when the list shows it) and its latest message.
fn select_latest(m: &mut Model, c: usize) {
    let Some(pos) = m.order.iter().position(|&i| i == c) else {
        return;
    };
    if m.clients.pos != pos {
        m.clients.pos = pos;
        m.detail = None;
        if m.focus == Pane::Detail {
            m.focus = Pane::Timeline;
        }
    }
    let h = heights(m);
    m.clients.visible(h.clients);
    let n = ladder::build(&m.analysis.clients[c]).messages.len();
    m.timeline.pos = n.saturating_sub(1);
    timeline_visible(m);
}

/// The user moved the selection: stop following the latest packet and the probe client.
fn user_moved(m: &mut Model) {
    m.follow = false;
    m.probe.track = None;
}

/// Settles the analysis and recomputes what depends on findings.
pub fn refresh_findings(m: &mut Model) {
    m.analysis.finish();
    m.findings_stale = false;
    m.findings_ready = true;
    let a = &m.analysis;
    let mut by_mac: HashMap<String, usize> = HashMap::with_capacity(a.findings.len());
    for f in &a.findings {
        if let Some(c) = &f.client {
            by_mac.entry(c.clone()).or_insert(0);
        }
    }
    // Only clients named by a finding need their MAC formatted.
    if !by_mac.is_empty() {
        for (i, c) in a.clients.iter().enumerate() {
            if let Some(slot) = by_mac.get_mut(&c.mac_string()) {
                *slot = i;
            }
        }
    }
    m.marks = vec![None; a.clients.len()];
    m.finding_counts = [0; 3];
    for f in &a.findings {
        m.finding_counts[f.severity as usize] += 1;
        if let Some(&i) = f.client.as_ref().and_then(|c| by_mac.get(c)) {
            let mark = &mut m.marks[i];
            *mark = (*mark).max(Some(f.severity));
        }
    }
    // A finding about a server alone (unexpected server) marks the clients it answered.
    let server_marks: Vec<(std::net::Ipv4Addr, Severity)> = a
        .findings
        .iter()
        .filter(|f| f.client.is_none() && f.severity == Severity::Critical)
        .filter_map(|f| Some((f.server?, f.severity)))
        .collect();
    if !server_marks.is_empty() {
        for (i, c) in a.clients.iter().enumerate() {
            for (s, sev) in &server_marks {
                let answered = c.exchanges.iter().any(|e| {
                    e.messages
                        .iter()
                        .any(|r| r.is_reply() && r.server_id.unwrap_or(r.src_ip) == *s)
                });
                if answered {
                    m.marks[i] = m.marks[i].max(Some(*sev));
                }
            }
        }
    }
    let mut order: Vec<usize> = (0..a.findings.len()).collect();
    order.sort_by_key(|&i| std::cmp::Reverse(a.findings[i].severity));
    m.findings_order = order;
    let len = m.findings_order.len();
    let h = heights(m).table;
    m.findings.clamp(len, h);
    let len = m.analysis.servers.len();
    m.servers.clamp(len, h);
    m.order_stale = true;
    refresh_order(m);
}

/// The filter Enter on a server sets: `server:10.0.0.1` keeps exactly the clients that
/// server answered (a plain `10.0.0.1` would also match 10.0.0.10 to 10.0.0.199).
pub const SERVER_FILTER: &str = "server:";

/// The server of a `server:IP` filter (lowercase `p`): `Some(None)` while the IP is incomplete.
fn server_filter(p: &str) -> Option<Option<std::net::Ipv4Addr>> {
    p.strip_prefix(SERVER_FILTER)
        .map(|ip| ip.trim().parse().ok())
}

/// Whether `r` is a reply from server `s` (known by option 54, else its IP source).
fn answered_by(r: &MessageRecord, s: std::net::Ipv4Addr) -> bool {
    r.is_reply() && r.server_id.unwrap_or(r.src_ip) == s
}

/// Whether a client matches the filter (lowercase `p`).
pub fn client_matches(c: &Client, p: &str, scratch: &mut String) -> bool {
    if p.is_empty() {
        return true;
    }
    if let Some(server) = server_filter(p) {
        let Some(s) = server else {
            return false;
        };
        return c.exchanges.iter().any(|e| {
            e.offers.iter().any(|o| o.server_id == s)
                || e.messages.iter().any(|r| answered_by(r, s))
        });
    }
    scratch.clear();
    let _ = write!(scratch, "{}", colon_hex(&c.chaddr));
    if scratch.contains(p) || scratch.replace(':', "-").contains(p) {
        return true;
    }
    if let Some(h) = &c.hostname
        && h.to_lowercase().contains(p)
    {
        return true;
    }
    if let Some(v) = &c.vendor_class
        && v.to_lowercase().contains(p)
    {
        return true;
    }
    c.exchanges.iter().any(|e| {
        if e.kind.name().eq_ignore_ascii_case(p) || e.outcome.name().eq_ignore_ascii_case(p) {
            return true;
        }
        let ip_hit = |ip: std::net::Ipv4Addr, s: &mut String| {
            s.clear();
            let _ = write!(s, "{ip}");
            s.contains(p)
        };
        e.address.is_some_and(|a| ip_hit(a, scratch))
            || e.server_id.is_some_and(|a| ip_hit(a, scratch))
            || e.offers
                .iter()
                .any(|o| ip_hit(o.server_id, scratch) || ip_hit(o.yiaddr, scratch))
            || e.messages.iter().any(|r| message_matches(r, p, scratch))
    })
}

/// Whether a message matches the filter: type, addresses, server.
pub fn message_matches(r: &MessageRecord, p: &str, scratch: &mut String) -> bool {
    if p.is_empty() {
        return false;
    }
    if let Some(server) = server_filter(p) {
        return server.is_some_and(|s| answered_by(r, s));
    }
    if r.type_name().to_lowercase().contains(p) {
        return true;
    }
    let mut ip_hit = |ip: std::net::Ipv4Addr| {
        !ip.is_unspecified() && {
            scratch.clear();
            let _ = write!(scratch, "{ip}");
            scratch.contains(p)
        }
    };
    ip_hit(r.src_ip)
        || ip_hit(r.yiaddr)
        || ip_hit(r.ciaddr)
        || r.server_id.is_some_and(&mut ip_hit)
        || r.requested_ip.is_some_and(&mut ip_hit)
}

/// Recomputes the filtered, sorted client list, keeping the selected client selected.
pub fn refresh_order(m: &mut Model) {
    if !m.order_stale {
        return;
    }
    m.order_stale = false;
    let selected = m.selected_client_index();
    let p = m.filter.to_lowercase();
    let a = &m.analysis;
    let mut scratch = String::new();
    let mut order: Vec<usize> = (0..a.clients.len())
        .filter(|&i| client_matches(&a.clients[i], &p, &mut scratch))
        .collect();
    let c = &a.clients;
    match m.sort {
        Sort::FirstSeen => {}
        Sort::LastSeen => order.sort_by_key(|&i| std::cmp::Reverse(c[i].last_seen)),
        Sort::Mac => order.sort_by(|&x, &y| c[x].chaddr.cmp(&c[y].chaddr)),
        Sort::Hostname => order.sort_by(|&x, &y| {
            (c[x].hostname.is_none(), &c[x].hostname)
                .cmp(&(c[y].hostname.is_none(), &c[y].hostname))
        }),
        Sort::Address => {
            let addr: Vec<Option<std::net::Ipv4Addr>> =
                c.iter().map(Client::last_address).collect();
            order.sort_by_key(|&i| (addr[i].is_none(), addr[i]));
        }
        Sort::Exchanges => order.sort_by_key(|&i| std::cmp::Reverse(c[i].exchanges.len())),
        Sort::Findings => {
            let marks = &m.marks;
            order.sort_by_key(|&i| std::cmp::Reverse(marks.get(i).copied().flatten()));
        }
    }
    m.order = order;
    let pos = selected.and_then(|s| m.order.iter().position(|&i| i == s));
    let changed = pos.is_none() && selected.is_some();
    m.clients.pos = pos.unwrap_or(0);
    let h = heights(m);
    let len = m.order.len();
    m.clients.clamp(len, h.clients);
    if changed {
        client_changed(m);
    }
}

fn client_changed(m: &mut Model) {
    m.timeline = ListState::default();
    m.timeline_scroll = 0;
    m.detail = None;
    if m.focus == Pane::Detail {
        m.focus = Pane::Timeline;
    }
}

fn timeline_visible(m: &mut Model) {
    let Some(l) = m.ladder() else {
        return;
    };
    let height = heights(m).timeline.max(1);
    let Some(&row) = l.messages.get(m.timeline.pos) else {
        m.timeline_scroll = 0;
        return;
    };
    // Keep the exchange's separator in view with its first message.
    let top = if row > 0 && matches!(l.rows[row - 1], Row::Exchange { .. }) {
        row - 1
    } else {
        row
    };
    if top < m.timeline_scroll {
        m.timeline_scroll = top;
    } else if row >= m.timeline_scroll + height {
        m.timeline_scroll = row + 1 - height;
    }
    let max = l.rows.len().saturating_sub(height);
    m.timeline_scroll = m.timeline_scroll.min(max);
}

/// The command that loads the detail of the selected message.
fn open_detail(m: &mut Model) -> Vec<Cmd> {
    let Some(r) = m.selected_message() else {
        return Vec::new();
    };
    let (frame, ts, digits) = (r.frame, r.ts, r.ts_digits);
    if let Some(d) = &m.detail
        && d.fref.frame == frame
    {
        return Vec::new();
    }
    let stored = m
        .frame_store
        .iter()
        .find(|(f, _)| f.frame == frame)
        .map(|(f, d)| (*f, d.clone()));
    let indexed = m
        .frame_index
        .binary_search_by_key(&frame, |f| f.frame)
        .ok()
        .map(|i| m.frame_index[i]);
    let fallback = FrameRef {
        frame,
        offset: FrameRef::NO_OFFSET,
        caplen: 0,
        orig_len: 0,
        linktype: 0,
    };
    let mut detail = Detail {
        fref: indexed.or(stored.as_ref().map(|s| s.0)).unwrap_or(fallback),
        ts,
        ts_digits: digits,
        content: DetailContent::Loading,
        sel: 0,
        scroll: 0,
    };
    let mut cmds = Vec::new();
    if let Some((fref, data)) = stored {
        detail.content = decoded(&fref, ts, digits, &data);
    } else if let Some(fref) = indexed {
        cmds.push(Cmd::ReadFrame(fref));
    } else {
        detail.content = DetailContent::Unavailable(
            "the frame is no longer kept (streams keep the last 64 MiB of DHCP frames)".into(),
        );
    }
    m.detail = Some(detail);
    cmds
}

fn decoded(fref: &FrameRef, ts: Timestamp, digits: u8, data: &[u8]) -> DetailContent {
    match packet::decode_frame(fref, ts, digits, data) {
        Some(v) => DetailContent::Ready(v),
        None => DetailContent::Unavailable(format!(
            "frame {} is an IPv4 fragment: its datagram was reassembled from several frames",
            fref.frame
        )),
    }
}

/// Handles one message. Returns what the runtime must do.
pub fn update(m: &mut Model, msg: Msg) -> Vec<Cmd> {
    match msg {
        Msg::Key(k) if k.kind != KeyEventKind::Release => return key(m, k),
        Msg::Key(_) => {}
        Msg::Resize(w, h) => {
            m.size = (w, h);
            relayout(m);
        }
        Msg::Packets(batch) => {
            ingest(m, batch);
            let now = Instant::now();
            m.last_packet_wall = Some(now);
            // The wait for findings counts from the first packet.
            m.last_findings_wall.get_or_insert(now);
        }
        Msg::Ended(e) => {
            if let Some(f) = &e.fatal {
                m.fatal = Some(crate::escape::escape_str(f));
            }
            m.frames_read = m.frames_read.max(e.frames);
            m.dhcp_read = m.dhcp_read.max(e.dhcp_packets);
            if let Some((_, total)) = m.progress {
                m.progress = Some((total, total));
            }
            m.ended = Some(e);
            m.paused = false;
            refresh_findings(m);
            follow(m);
        }
        Msg::FrameBytes { fref, data } => {
            if let Some(d) = &mut m.detail
                && d.fref.frame == fref.frame
            {
                d.content = match data {
                    Ok(bytes) => decoded(&fref, d.ts, d.ts_digits, &bytes),
                    Err(e) => DetailContent::Unavailable(crate::escape::escape_str(&e)),
                };
            }
        }
        Msg::Tick(now) => tick(m, now),
        Msg::ProbeXid(xid) => m.probe.add_xid(xid),
        Msg::ProbeDone(result) => {
            let layout_before = m.probe.has_line();
            m.probe.running = None;
            m.status = match &result {
                Ok(o) => format!(
                    "probe {}: the verdict is in the header, p shows the report",
                    o.status.name()
                ),
                Err(e) => format!("probe failed: {}", crate::escape::escape_str(e)),
            };
            m.probe.last = Some(result.map_err(|e| crate::escape::escape_str(&e)));
            if !layout_before {
                relayout(m);
            }
        }
    }
    Vec::new()
}

/// Keeps the selections in view after the body changed size.
fn relayout(m: &mut Model) {
    let hs = heights(m);
    let len = m.order.len();
    m.clients.clamp(len, hs.clients);
    timeline_visible(m);
}

/// Longest a stream goes without findings while some exchange stays open.
pub const STREAM_FINDINGS_MAX_WAIT: Duration = Duration::from_secs(30);

fn any_open_exchange(a: &Analysis) -> bool {
    a.clients.iter().any(|c| {
        c.exchanges
            .last()
            .is_some_and(|e| e.outcome == crate::analysis::Outcome::Pending)
    })
}

/// Periodic work: the sorted list and, for streams, the findings.
fn tick(m: &mut Model, now: Instant) {
    let due = m
        .last_refresh_wall
        .is_none_or(|t| now.duration_since(t) >= Duration::from_millis(400));
    if !due {
        return;
    }
    m.last_refresh_wall = Some(now);
    // `Analysis::finish` settles every open exchange, and an exchange settled mid-way is
    // split in two when its next message comes. So a file being loaded gets its findings at
    // the end, and a stream when it has been quiet for a second with no exchange open, or
    // (a client stuck retrying) at most every STREAM_FINDINGS_MAX_WAIT.
    let streaming = m.source_kind != SourceKind::File || m.speed != Speed::Load;
    if m.findings_stale && m.ended.is_none() && streaming {
        let quiet = m
            .last_packet_wall
            .is_some_and(|t| now.duration_since(t) >= Duration::from_secs(1));
        let overdue = m
            .last_findings_wall
            .is_none_or(|t| now.duration_since(t) >= STREAM_FINDINGS_MAX_WAIT);
        if quiet && (overdue || !any_open_exchange(&m.analysis)) {
            refresh_findings(m);
            m.last_findings_wall = Some(now);
        }
    }
    refresh_order(m);
}

fn ctrl(k: &KeyEvent) -> bool {
    k.modifiers.contains(KeyModifiers::CONTROL)
}

fn key(m: &mut Model, k: KeyEvent) -> Vec<Cmd> {
    if ctrl(&k) && k.code == KeyCode::Char('c') {
        m.quit = true;
        return Vec::new();
    }
    if let Some(input) = &mut m.input {
        match k.code {
            KeyCode::Enter => {
                m.input = None;
                m.status = if m.filter.is_empty() {
                    String::new()
                } else {
                    format!("{} clients match", m.order.len())
                };
            }
            KeyCode::Esc => {
                m.input = None;
                set_filter(m, String::new());
            }
            KeyCode::Backspace => {
                input.pop();
                let f = input.clone();
                set_filter(m, f);
            }
            KeyCode::Char(c) if !ctrl(&k) && !c.is_control() => {
                input.push(c);
                let f = input.clone();
                set_filter(m, f);
            }
            _ => {}
        }
        return Vec::new();
    }
    if m.probe.open {
        return probe_form_key(m, &k);
    }
    if m.fatal.is_some() {
        match k.code {
            KeyCode::Char('q') => m.quit = true,
            KeyCode::Esc | KeyCode::Enter => m.fatal = None,
            _ => {}
        }
        return Vec::new();
    }
    if m.help {
        match k.code {
            KeyCode::Char('q') => m.quit = true,
            _ => m.help = false,
        }
        return Vec::new();
    }
    m.status.clear();
    match k.code {
        KeyCode::Char('q') => m.quit = true,
        KeyCode::Char('?') => m.help = true,
        KeyCode::Char('p') => {
            m.probe.open = true;
            m.probe.form.error = None;
        }
        KeyCode::Char('/') => {
            m.input = Some(m.filter.clone());
        }
        KeyCode::Char(' ') => {
            if m.ended.is_none() {
                m.paused = !m.paused;
                return vec![Cmd::SetPaused(m.paused)];
            }
            m.status = "the capture has ended: nothing to pause".into();
        }
        KeyCode::Char('f') => {
            m.follow = !m.follow;
            m.probe.track = None;
            m.status = if m.follow {
                "follow: on (selects the client of the latest packet)".into()
            } else {
                "follow: off".into()
            };
            if m.follow {
                refresh_order(m);
                follow(m);
            }
        }
        KeyCode::Char('s') => {
            m.sort = m.sort.next();
            m.order_stale = true;
            refresh_order(m);
            m.status = format!("sorted by {}", m.sort.name());
        }
        KeyCode::Char('1') => m.screen = Screen::Clients,
        KeyCode::Char('2') => m.screen = Screen::Servers,
        KeyCode::Char('3') => m.screen = Screen::Findings,
        KeyCode::Char('n') => return next_match(m, true),
        KeyCode::Char('N') => return next_match(m, false),
        _ => {
            return match m.screen {
                Screen::Clients => clients_key(m, k),
                Screen::Servers => table_key(m, k, true),
                Screen::Findings => table_key(m, k, false),
            };
        }
    }
    Vec::new()
}

/// A key while the probe form is open; Enter sends the probe (as a [`Cmd::Probe`]).
fn probe_form_key(m: &mut Model, k: &KeyEvent) -> Vec<Cmd> {
    match tui_probe::form_key(&mut m.probe.form, k) {
        None => Vec::new(),
        Some(false) => {
            m.probe.open = false;
            Vec::new()
        }
        Some(true) => {
            let had_line = m.probe.has_line();
            match tui_probe::submit(&mut m.probe, &m.analysis.expectations) {
                Err(why) => {
                    m.probe.form.error = Some(why);
                    Vec::new()
                }
                Ok((cmd, what, mac)) => {
                    m.probe.open = false;
                    m.probe.form.error = None;
                    m.probe.track = Some(mac);
                    m.follow = false;
                    m.screen = Screen::Clients;
                    m.status = format!("probing: {what}; its replies show in its timeline");
                    if !had_line {
                        relayout(m);
                    }
                    refresh_order(m);
                    track_probe(m);
                    vec![cmd]
                }
            }
        }
    }
}

fn set_filter(m: &mut Model, f: String) {
    m.filter = f;
    m.order_stale = true;
    refresh_order(m);
}

/// Movement: +1/-1, pages, ends.
fn movement(k: &KeyEvent, page: usize) -> Option<isize> {
    let page = page.max(1) as isize;
    Some(match k.code {
        KeyCode::Down | KeyCode::Char('j') => 1,
        KeyCode::Up | KeyCode::Char('k') => -1,
        KeyCode::PageDown => page,
        KeyCode::PageUp => -page,
        KeyCode::Char('d') if ctrl(k) => page / 2,
        KeyCode::Char('u') if ctrl(k) => -(page / 2),
        KeyCode::Home | KeyCode::Char('g') => isize::MIN / 2,
        KeyCode::End | KeyCode::Char('G') => isize::MAX / 2,
        _ => return None,
    })
}

fn panes(m: &Model) -> Vec<Pane> {
    let mut p = vec![Pane::Clients, Pane::Timeline];
    if m.detail.is_some() || m.selected_message().is_some() {
        p.push(Pane::Detail);
    }
    p
}

fn focus(m: &mut Model, p: Pane) -> Vec<Cmd> {
    m.focus = p;
    if p == Pane::Detail {
        return open_detail(m);
    }
    Vec::new()
}

fn clients_key(m: &mut Model, k: KeyEvent) -> Vec<Cmd> {
    let h = heights(m);
    match k.code {
        KeyCode::Tab | KeyCode::BackTab => {
            let p = panes(m);
            let i = p.iter().position(|&x| x == m.focus).unwrap_or(0);
            let next = if k.code == KeyCode::Tab {
                p[(i + 1) % p.len()]
            } else {
                p[(i + p.len() - 1) % p.len()]
            };
            return focus(m, next);
        }
        KeyCode::Right | KeyCode::Char('l') | KeyCode::Enter => {
            let next = match m.focus {
                Pane::Clients => Pane::Timeline,
                _ => Pane::Detail,
            };
            if next == Pane::Detail && m.selected_message().is_none() {
                return Vec::new();
            }
            return focus(m, next);
        }
        KeyCode::Left | KeyCode::Char('h') | KeyCode::Esc | KeyCode::Backspace => {
            m.focus = match m.focus {
                Pane::Detail => Pane::Timeline,
                _ => Pane::Clients,
            };
            if m.focus == Pane::Clients && k.code == KeyCode::Esc && !m.filter.is_empty() {
                set_filter(m, String::new());
                m.status = "filter cleared".into();
            }
            return Vec::new();
        }
        _ => {}
    }
    match m.focus {
        Pane::Clients => {
            if let Some(d) = movement(&k, h.clients) {
                let before = m.clients.pos;
                let len = m.order.len();
                m.clients.step(d, len, h.clients);
                if m.clients.pos != before {
                    user_moved(m);
                    client_changed(m);
                }
            }
        }
        Pane::Timeline => {
            if let Some(d) = movement(&k, h.timeline) {
                let n = m.ladder().map_or(0, |l| l.messages.len());
                m.timeline.step(d, n, 1 << 20);
                user_moved(m);
                timeline_visible(m);
                if m.detail.is_some() {
                    m.detail = None;
                }
            }
        }
        Pane::Detail => {
            if let Some(d) = movement(&k, h.detail_tree)
                && let Some(det) = &mut m.detail
                && let DetailContent::Ready(v) = &det.content
            {
                let mut ls = ListState {
                    pos: det.sel,
                    scroll: det.scroll,
                };
                ls.step(d, v.lines.len(), h.detail_tree);
                det.sel = ls.pos;
                det.scroll = ls.scroll;
            }
        }
    }
    Vec::new()
}

fn table_key(m: &mut Model, k: KeyEvent, servers: bool) -> Vec<Cmd> {
    let h = heights(m).table;
    if let Some(d) = movement(&k, h) {
        if servers {
            let len = m.analysis.servers.len();
            m.servers.step(d, len, h);
        } else {
            let len = m.findings_order.len();
            m.findings.step(d, len, h);
        }
        return Vec::new();
    }
    match k.code {
        KeyCode::Esc => m.screen = Screen::Clients,
        KeyCode::Enter if servers => {
            if let Some(s) = m.analysis.servers.get(m.servers.pos) {
                let id = s.id;
                m.screen = Screen::Clients;
                m.focus = Pane::Clients;
                set_filter(m, format!("{SERVER_FILTER}{id}"));
                m.status = format!("clients served by {id} ({} clients)", m.order.len());
            }
        }
        KeyCode::Enter => return jump_to_finding(m),
        _ => {}
    }
    Vec::new()
}

/// Enter on a finding: its client (or the client of its first frame), that frame selected.
fn jump_to_finding(m: &mut Model) -> Vec<Cmd> {
    let Some(&fi) = m.findings_order.get(m.findings.pos) else {
        return Vec::new();
    };
    let f = &m.analysis.findings[fi];
    let frame = f.frames.first().copied();
    let by_mac = f.client.clone();
    let a = &m.analysis;
    let has_frame = |c: &Client, fr: u64| {
        c.exchanges.iter().any(|e| {
            e.messages
                .iter()
                .any(|r| r.frame == fr || (r.frame..=r.last_frame).contains(&fr))
        })
    };
    let client = by_mac
        .as_deref()
        .and_then(|mac| a.clients.iter().position(|c| c.mac_string() == mac))
        .or_else(|| frame.and_then(|fr| a.clients.iter().position(|c| has_frame(c, fr))));
    let Some(ci) = client else {
        m.status = "this finding names no client".into();
        return Vec::new();
    };
    if !m.order.contains(&ci) {
        set_filter(m, String::new());
    }
    let Some(pos) = m.order.iter().position(|&i| i == ci) else {
        return Vec::new();
    };
    m.screen = Screen::Clients;
    user_moved(m);
    m.clients.pos = pos;
    let h = heights(m);
    m.clients.visible(h.clients);
    client_changed(m);
    m.focus = Pane::Timeline;
    if let (Some(fr), Some(l)) = (frame, m.ladder()) {
        let c = &m.analysis.clients[ci];
        let hit = l.messages.iter().position(|&row| match l.rows[row] {
            Row::Message { ex, msg } => {
                let r = &c.exchanges[ex].messages[msg];
                r.frame == fr || (r.frame..=r.last_frame).contains(&fr) && r.frame <= fr
            }
            _ => false,
        });
        m.timeline.pos = hit.unwrap_or(0);
        timeline_visible(m);
        m.status = match hit {
            Some(_) => format!("frame {fr}"),
            None => format!("frame {fr} is not in this client's kept messages"),
        };
    }
    Vec::new()
}

/// `n`/`N`: the next client (list) or next matching message (timeline), wrapping.
fn next_match(m: &mut Model, forward: bool) -> Vec<Cmd> {
    if m.screen != Screen::Clients {
        m.screen = Screen::Clients;
    }
    let len = m.order.len();
    if len == 0 {
        return Vec::new();
    }
    let p = m.filter.to_lowercase();
    if m.focus == Pane::Clients || p.is_empty() {
        let pos = if forward {
            (m.clients.pos + 1) % len
        } else {
            (m.clients.pos + len - 1) % len
        };
        m.clients.pos = pos;
        let h = heights(m);
        m.clients.visible(h.clients);
        user_moved(m);
        client_changed(m);
        return Vec::new();
    }
    // Walk messages from the cursor, crossing into the next clients of the list.
    let mut scratch = String::new();
    let start_client = m.clients.pos;
    let mut cpos = start_client;
    let mut mpos = m.timeline.pos as isize;
    for _ in 0..=len {
        let c = &m.analysis.clients[m.order[cpos]];
        let l = ladder::build(c);
        let n = l.messages.len() as isize;
        let mut i = if cpos == start_client && mpos >= 0 {
            mpos + if forward { 1 } else { -1 }
        } else if forward {
            0
        } else {
            n - 1
        };
        while (0..n).contains(&i) {
            if let Row::Message { ex, msg } = l.rows[l.messages[i as usize]]
                && message_matches(&c.exchanges[ex].messages[msg], &p, &mut scratch)
            {
                if cpos != m.clients.pos {
                    m.clients.pos = cpos;
                    client_changed(m);
                }
                let h = heights(m);
                m.clients.visible(h.clients);
                m.timeline.pos = i as usize;
                m.detail = None;
                user_moved(m);
                timeline_visible(m);
                return Vec::new();
            }
            i += if forward { 1 } else { -1 };
        }
        cpos = if forward {
            (cpos + 1) % len
        } else {
            (cpos + len - 1) % len
        };
        mpos = -1;
        if cpos == start_client {
            // One more pass over the start client from its other end.
            continue;
        }
    }
    m.status = format!("no message matches {:?}", m.filter);
    Vec::new()
}
