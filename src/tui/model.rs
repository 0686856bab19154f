//! The model (The Elm Architecture): the whole UI state, the messages that change it and the
//! commands `update` asks of the runtime. No I/O here.

use super::ladder::{self, Ladder, Row};
use super::packet::PacketView;
use super::probe::{ProbeOutcome, ProbeState};
use super::reader::{Batch, Ended, FrameRef, Speed};
use crate::analysis::{Analysis, Client, Expectations, MessageRecord, Severity};
use crate::time::Timestamp;
use ratatui::crossterm::event::KeyEvent;
use std::collections::VecDeque;
use std::time::Instant;

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
    /// An export (`w`) finished: frames written and where, or why not.
    Exported(Result<(u64, std::path::PathBuf), String>),
}

/// What `update` asks of the runtime.
#[derive(Debug)]
pub enum Cmd {
    /// Read this frame from the file again and answer with [`Msg::FrameBytes`].
    ReadFrame(FrameRef),
    /// Pause or resume the reader.
    SetPaused(bool),
    /// Give a spent batch back to the reader, to fill again.
    Recycle(Batch),
    /// Run this probe on the probe thread (the form was submitted); the answers come back as
    /// [`Msg::ProbeXid`] and [`Msg::ProbeDone`].
    Probe(Box<crate::probe::Plan>),
    /// Write the frames of the client with this hardware address from the source file to
    /// `out` (`w`); the answer is [`Msg::Exported`].
    Export {
        chaddr: Vec<u8>,
        out: std::path::PathBuf,
    },
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
    /// Lease history: who held which address when (`4`).
    Addresses,
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

    pub(crate) fn next(self) -> Sort {
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
    pub(crate) fn clamp(&mut self, len: usize, height: usize) {
        self.pos = self.pos.min(len.saturating_sub(1));
        self.visible(height);
    }

    pub(crate) fn visible(&mut self, height: usize) {
        let height = height.max(1);
        if self.pos < self.scroll {
            self.scroll = self.pos;
        } else if self.pos >= self.scroll + height {
            self.scroll = self.pos + 1 - height;
        }
    }

    pub(crate) fn step(&mut self, delta: isize, len: usize, height: usize) {
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
    /// The file name being typed for `w` (export the selected client's frames).
    pub export_input: Option<String>,
    /// The frame number being typed for `:` (go to frame).
    pub goto_input: Option<String>,
    /// The applied filter: the last text that parsed.
    pub filter_expr: crate::filter::Filter,
    /// Why the typed text does not parse (shown in place while typing).
    pub filter_error: Option<crate::filter::ParseError>,
    /// The clients' searchable text for bare words, with the packet count it was built at
    /// (built on the first bare word, rebuilt when the model has changed).
    pub word_index: Option<(u64, crate::filter::WordIndex)>,
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
    /// The Addresses screen: its selection, and the holdings (recomputed with the findings).
    pub addresses: ListState,
    pub holdings: Vec<crate::leases::Holding>,
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
    pub(crate) frame_store_bytes: usize,
    /// New packets since the findings were computed.
    pub(crate) findings_stale: bool,
    pub(crate) order_stale: bool,
    pub(crate) last_packet_wall: Option<Instant>,
    pub(crate) last_refresh_wall: Option<Instant>,
    pub(crate) last_findings_wall: Option<Instant>,
    /// Findings were computed at least once.
    pub findings_ready: bool,
    /// Client of the most recent packet (follow mode).
    pub(crate) last_client: Option<usize>,
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
            export_input: None,
            goto_input: None,
            filter_expr: crate::filter::Filter::default(),
            filter_error: None,
            word_index: None,
            sort: Sort::FirstSeen,
            follow: kind == SourceKind::Live,
            order: Vec::new(),
            clients: ListState::default(),
            timeline: ListState::default(),
            timeline_scroll: 0,
            detail: None,
            servers: ListState::default(),
            addresses: ListState::default(),
            holdings: Vec::new(),
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
