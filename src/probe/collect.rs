//! What one round sent and saw. Every captured packet comes decoded from the shared read path
//! ([`crate::pipeline`]); the collector keeps our own frames (with the capture's timestamp when
//! it saw them) and the replies that concern us, and feeds both, in capture order, to the
//! shared findings engine. Each reply is decoded once.

use super::Mode;
use super::reply::ReplyInfo;
use crate::analysis::{Analysis, Expectations};
use crate::dhcp::options::MessageType;
use crate::pipeline::{self, Packet};
use crate::source::{FrameSource, RawFrame, SourceError, linktype};
use crate::time::Timestamp;
use std::net::Ipv4Addr;
use std::ops::ControlFlow;

/// A frame we sent.
#[derive(Debug, Clone, PartialEq)]
pub struct SentFrame {
    pub mode: Mode,
    pub xid: u32,
    pub msg_type: MessageType,
    /// The capture's timestamp of our frame when it saw it, else the clock just before
    /// sending.
    pub ts: Timestamp,
    pub seen_by_capture: bool,
    pub frame: Vec<u8>,
}

/// Everything one round sent and saw.
#[derive(Debug, Default)]
pub struct RoundLog {
    pub sent: Vec<SentFrame>,
    /// Replies whose xid is one of ours or whose chaddr is our MAC, in capture order.
    pub replies: Vec<ReplyInfo>,
    /// (xid, mode) of every request.
    pub xids: Vec<(u32, Mode)>,
    /// Things the run did that the verdict should say (e.g. the DORA release).
    pub notes: Vec<String>,
    /// Addresses DORA leased and released: (address, server id).
    pub released: Vec<(Ipv4Addr, Ipv4Addr)>,
    /// The shared engine over what we sent and what answered (finished with the round).
    pub analysis: Analysis,
}

impl RoundLog {
    pub fn mode_of(&self, xid: u32) -> Option<Mode> {
        self.xids.iter().find(|(x, _)| *x == xid).map(|(_, m)| *m)
    }

    /// How many frames each mode sent, in the order the modes ran.
    pub fn sent_by_mode(&self) -> Vec<(Mode, usize)> {
        let mut out: Vec<(Mode, usize)> = Vec::new();
        for s in &self.sent {
            match out.iter_mut().find(|(m, _)| *m == s.mode) {
                Some((_, n)) => *n += 1,
                None => out.push((s.mode, 1)),
            }
        }
        out
    }
}

/// The round in progress.
#[derive(Debug, Default)]
pub(crate) struct Collector {
    pub log: RoundLog,
    client_mac: [u8; 6],
    /// `log.sent[..analysed]` have been fed to the engine.
    analysed: usize,
}

impl Collector {
    pub fn new(client_mac: [u8; 6], expectations: Expectations) -> Collector {
        Collector {
            log: RoundLog {
                analysis: Analysis::new(expectations),
                ..RoundLog::default()
            },
            client_mac,
            analysed: 0,
        }
    }

    pub fn sent(&mut self, frame: SentFrame) {
        self.log.sent.push(frame);
    }

    /// Takes one captured DHCP packet; returns the reply it holds when it concerns us.
    pub fn on_packet(&mut self, p: &Packet<'_>) -> Option<&ReplyInfo> {
        match p.dhcp.op {
            1 => {
                self.on_own_frame(p);
                None
            }
            2 => self.on_reply(p),
            _ => None,
        }
    }

    /// The capture's copy of a frame we sent: its timestamp replaces the clock's.
    fn on_own_frame(&mut self, p: &Packet<'_>) {
        let Some(k) = self
            .log
            .sent
            .iter()
            .position(|s| !s.seen_by_capture && Some(s.frame.as_slice()) == p.frame_data)
        else {
            return;
        };
        let s = &mut self.log.sent[k];
        s.seen_by_capture = true;
        if k < self.analysed {
            // Already judged on the clock's time (a reply came before this copy).
            return;
        }
        s.ts = p.frame.ts;
        self.analyse_sent_before(k);
        self.log.analysis.observe(p);
        self.analysed = k + 1;
    }

    fn on_reply(&mut self, p: &Packet<'_>) -> Option<&ReplyInfo> {
        let mode = self.log.mode_of(p.dhcp.xid);
        if mode.is_none() && p.dhcp.chaddr_mac() != Some(self.client_mac) {
            return None;
        }
        // Whatever we sent before it was on the wire before it.
        self.analyse_sent_before(self.log.sent.len());
        self.log.analysis.observe(p);
        let mut info = ReplyInfo::from_packet(mode, p, self.client_mac);
        info.latency_ms = self
            .log
            .sent
            .iter()
            .filter(|s| s.xid == info.xid && s.ts <= info.ts)
            .map(|s| s.ts)
            .max()
            .map(|sent| info.ts.millis_since(sent));
        self.log.replies.push(info);
        self.log.replies.last()
    }

    /// Feeds the engine the frames we sent before `log.sent[k]` that the capture did not
    /// show us, on the clock's time; they are numbered 0 (not in the capture).
    fn analyse_sent_before(&mut self, k: usize) {
        for s in &self.log.sent[self.analysed.min(k)..k] {
            let frame = RawFrame {
                number: 0,
                ts: s.ts,
                ts_digits: 9,
                linktype: linktype::ETHERNET,
                orig_len: s.frame.len() as u32,
                data: &s.frame,
            };
            let analysis = &mut self.log.analysis;
            pipeline::read_dhcp_with_frames(&mut OneFrame(Some(frame)), |p| {
                analysis.observe(p);
                ControlFlow::Continue(())
            });
        }
        self.analysed = self.analysed.max(k);
    }

    /// The round, its engine finished.
    pub fn finish(mut self) -> RoundLog {
        self.analyse_sent_before(self.log.sent.len());
        self.log.analysis.finish();
        self.log
    }
}

/// One frame as a source.
struct OneFrame<'a>(Option<RawFrame<'a>>);

impl FrameSource for OneFrame<'_> {
    fn next_frame(&mut self) -> Result<Option<RawFrame<'_>>, SourceError> {
        Ok(self.0.take())
    }
}
