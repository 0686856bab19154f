//! The event stream: one JSON object per line for each finding raised or cleared, ready for
//! Vector, Fluent Bit, Loki or Elastic. The envelope follows ECS names (`@timestamp`,
//! `event.*`, `rule.*`, `client.mac`, `server.ip`, `observer.hostname`); DHCP detail stays
//! under `dhcp`. Field names are stable: docs/watch.md lists them.

use crate::analysis::Severity;
use crate::time::Timestamp;
use serde::Serialize;
use std::fs::{File, OpenOptions};
use std::io::{self, BufWriter, Write};
use std::net::Ipv4Addr;
use std::path::PathBuf;

/// Where events go.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EventTarget {
    Stdout,
    /// Appended to; reopened on SIGHUP (logrotate moves the old file away).
    File(PathBuf),
}

/// Raised or cleared.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Action {
    Raised,
    Cleared,
}

/// One finding event, as written.
#[derive(Debug, Clone, Serialize)]
pub struct Event {
    #[serde(rename = "@timestamp")]
    pub timestamp: String,
    pub event: EventMeta,
    pub rule: RuleMeta,
    pub message: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub client: Option<ClientMeta>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub server: Option<ServerMeta>,
    pub dhcp: DhcpMeta,
    pub observer: ObserverMeta,
}

#[derive(Debug, Clone, Serialize)]
pub struct EventMeta {
    /// Always `alert`: a finding is a condition someone may act on.
    pub kind: &'static str,
    pub category: &'static str,
    pub action: Action,
    pub severity: Severity,
    /// Why a finding cleared (`quiet`: not seen again for --clear-after; `expected`: the
    /// reloaded configuration names it; `answered`: the silent server replied again;
    /// `rebound`: the client's lease from an unexpected server ended or was replaced).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<&'static str>,
}

#[derive(Debug, Clone, Serialize)]
pub struct RuleMeta {
    /// The finding code (`unexpected-server`, `no-offer`…): stable, documented.
    pub id: &'static str,
    pub reference: &'static str,
}

#[derive(Debug, Clone, Serialize)]
pub struct ClientMeta {
    pub mac: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct ServerMeta {
    pub ip: Ipv4Addr,
}

#[derive(Debug, Clone, Serialize)]
pub struct DhcpMeta {
    /// Times the model saw it so far.
    pub count: u64,
    /// Frame numbers that show it (per capture source), the first few.
    pub frames: Vec<u64>,
}

#[derive(Debug, Clone, Serialize)]
pub struct ObserverMeta {
    pub hostname: String,
    /// Interfaces (or inputs) the sensor reads.
    pub interfaces: Vec<String>,
}

/// Wall-clock time now.
pub fn now() -> Timestamp {
    let d = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default();
    Timestamp::new(
        i64::try_from(d.as_secs()).unwrap_or(i64::MAX),
        d.subsec_nanos(),
    )
}

/// The host's name, for `observer.hostname`.
pub fn hostname() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .map(|s| s.trim().to_owned())
        .unwrap_or_default()
}

/// Writes events as JSON lines; a write error is reported once and the sensor goes on.
pub struct EventWriter {
    target: EventTarget,
    out: BufWriter<Box<dyn Write + Send>>,
    failed: bool,
}

fn open(target: &EventTarget) -> io::Result<Box<dyn Write + Send>> {
    Ok(match target {
        EventTarget::Stdout => Box::new(io::stdout()),
        EventTarget::File(p) => Box::new(open_append(p)?),
    })
}

fn open_append(path: &PathBuf) -> io::Result<File> {
    OpenOptions::new().create(true).append(true).open(path)
}

impl EventWriter {
    pub fn open(target: EventTarget) -> io::Result<EventWriter> {
        let out = BufWriter::new(open(&target)?);
        Ok(EventWriter {
            target,
            out,
            failed: false,
        })
    }

    pub fn write(&mut self, event: &Event) {
        let line = serde_json::to_string(event).unwrap_or_default();
        let result = self
            .out
            .write_all(line.as_bytes())
            .and_then(|()| self.out.write_all(b"\n"));
        self.note(result);
    }

    pub fn flush(&mut self) {
        let result = self.out.flush();
        self.note(result);
    }

    fn note(&mut self, result: io::Result<()>) {
        if let Err(e) = result
            && !self.failed
        {
            self.failed = true;
            eprintln!("dhcpscope: warning: cannot write events: {e}");
        }
    }

    /// Reopens the file (SIGHUP after logrotate). Keeps the old one when that fails.
    pub fn reopen(&mut self) {
        self.flush();
        if let EventTarget::File(p) = &self.target {
            match open_append(p) {
                Ok(f) => {
                    self.out = BufWriter::new(Box::new(f));
                    self.failed = false;
                }
                Err(e) => eprintln!(
                    "dhcpscope: warning: cannot reopen {}: {e}; still writing to the old file",
                    p.display()
                ),
            }
        }
    }
}
