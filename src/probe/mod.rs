//! Active probes: crafted DHCP requests injected on an interface, every reply judged.
//!
//! The pieces, each with one job:
//! - [`plan`]: the validated configuration ([`Plan`], [`ProbeConfig`]) and the parsers the
//!   command line and the TUI's form share; no clap here (`crate::cli` converts its flags).
//! - [`craft`]: the requests' bytes.
//! - [`link`]: the seam under the session ([`Link`]); [`link::LiveLink`] is a promiscuous
//!   libpcap capture plus a send-only handle, [`fake::FakeLink`] scripted servers on a fake
//!   clock.
//! - [`session`]: sending with retransmission, back-off and the 4 frames/s limit, DORA's
//!   release; what the capture sees goes through the shared read path
//!   ([`crate::pipeline`]) into [`collect`], which keeps our frames and the replies that
//!   concern us and feeds them once to the findings engine ([`crate::analysis`]).
//! - [`verdict`]: per-server verdicts, the probe's own checks and the monitoring status
//!   ([`Status`]: exit 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN); [`output`] prints it.
//! - [`mod@run`]: rounds, output, the worst round's status.
//!
//! See docs/probe.md.

pub mod collect;
pub mod craft;
pub mod fake;
pub mod link;
pub mod output;
pub mod plan;
pub mod reply;
pub mod run;
pub mod session;
pub mod verdict;

#[cfg(test)]
mod tests;

pub use collect::{RoundLog, SentFrame};
pub use link::{Link, LinkError, LiveLink};
pub use plan::{Format, Plan, PlanError, ProbeConfig, Rounds};
pub use reply::ReplyInfo;
pub use run::{run, run_rounds};
pub use session::{MIN_SEND_GAP, Session};
pub use verdict::{Status, Verdict};

use crate::source::SourceError;

/// Probe flavours (dhcp_probe's cycle, plus INFORM, a full DORA and the client's goodbyes).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Mode {
    /// DISCOVER; collects every OFFER during the wait.
    Discover,
    /// REQUEST (SELECTING) naming a bogus server identifier: only broken servers answer.
    Request,
    /// REQUEST (INIT-REBOOT) for an address on a wrong subnet: authoritative servers NAK.
    InitReboot,
    /// REQUEST (REBINDING) from a foreign ciaddr, broadcast.
    Rebind,
    /// INFORM from ciaddr: servers ACK with configuration, no lease.
    Inform,
    /// DISCOVER, REQUEST, ACK, then RELEASE: no lease is left behind.
    Dora,
    /// RELEASE of ciaddr to the server.
    Release,
    /// DECLINE of the requested address to the server.
    Decline,
}

impl Mode {
    /// Every mode, in the order the TUI's form cycles through them.
    pub const ALL: [Mode; 8] = [
        Mode::Discover,
        Mode::Request,
        Mode::InitReboot,
        Mode::Rebind,
        Mode::Inform,
        Mode::Dora,
        Mode::Release,
        Mode::Decline,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Mode::Discover => "discover",
            Mode::Request => "request",
            Mode::InitReboot => "init-reboot",
            Mode::Rebind => "rebind",
            Mode::Inform => "inform",
            Mode::Dora => "dora",
            Mode::Release => "release",
            Mode::Decline => "decline",
        }
    }

    /// Whether silence to this probe means nobody is serving.
    pub fn expects_answer(self) -> bool {
        matches!(
            self,
            Mode::Discover | Mode::Dora | Mode::Inform | Mode::InitReboot | Mode::Rebind
        )
    }
}

/// Why a probe could not run (the status is then UNKNOWN, exit 3).
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error(transparent)]
    Plan(#[from] PlanError),
    #[error(transparent)]
    Link(#[from] LinkError),
    #[error("the probe handles are open on {open}, not {asked}")]
    OtherInterface { open: String, asked: String },
    #[error(transparent)]
    Output(#[from] std::io::Error),
}

impl From<SourceError> for Error {
    fn from(e: SourceError) -> Self {
        Error::Link(LinkError::Capture(e))
    }
}
