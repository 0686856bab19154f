//! Judging a probe round: per-server verdicts, expected servers that stayed silent, the shared
//! engine's findings and the probe's own mode checks, and the monitoring-plugin status
//! ([`Status`]: OK, WARNING, CRITICAL, UNKNOWN, with its exit code).

use super::Mode;
use super::collect::RoundLog;
use super::craft::BOGUS_SERVER_ID;
use super::plan::Plan;
use super::reply::ReplyInfo;
use crate::analysis::config::{Expectations, ServerRef};
use crate::analysis::{Finding, Severity};
use crate::dhcp::options::{MessageType, colon_hex};
use std::net::Ipv4Addr;

/// The monitoring-plugin status of a probe, and the one place its exit code is decided.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Status {
    Ok,
    Warning,
    Critical,
    /// The probe could not run (bad arguments, no privilege, no such interface).
    Unknown,
}

impl Status {
    pub fn name(self) -> &'static str {
        match self {
            Status::Ok => "OK",
            Status::Warning => "WARNING",
            Status::Critical => "CRITICAL",
            Status::Unknown => "UNKNOWN",
        }
    }

    /// 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN, as monitoring plugins use them.
    pub fn exit_code(self) -> u8 {
        match self {
            Status::Ok => 0,
            Status::Warning => 1,
            Status::Critical => 2,
            Status::Unknown => 3,
        }
    }

    /// The status a finding of this severity gives.
    pub fn of(s: Severity) -> Status {
        match s {
            Severity::Info => Status::Ok,
            Severity::Warning => Status::Warning,
            Severity::Critical => Status::Critical,
        }
    }

    /// Several rounds: the worst one decides.
    pub fn worst(statuses: impl IntoIterator<Item = Status>) -> Status {
        statuses.into_iter().max().unwrap_or(Status::Ok)
    }
}

/// What one server did during the round.
#[derive(Debug, Clone, PartialEq)]
pub struct ServerVerdict {
    pub id: Ipv4Addr,
    pub has_server_id: bool,
    /// `None` when no expectation was given.
    pub expected: Option<bool>,
    pub macs: Vec<[u8; 6]>,
    pub ips: Vec<Ipv4Addr>,
    pub offers: u32,
    pub acks: u32,
    pub naks: u32,
    pub other: u32,
    pub offered: Vec<Ipv4Addr>,
    pub latency_ms: Option<f64>,
    pub lease_times: Vec<u32>,
    pub masks: Vec<Ipv4Addr>,
    pub routers: Vec<Ipv4Addr>,
    pub dns: Vec<Ipv4Addr>,
}

fn push_unique<T: PartialEq>(v: &mut Vec<T>, x: T) {
    if !v.contains(&x) {
        v.push(x);
    }
}

impl ServerVerdict {
    fn new(id: Ipv4Addr, has_server_id: bool) -> ServerVerdict {
        ServerVerdict {
            id,
            has_server_id,
            expected: None,
            macs: Vec::new(),
            ips: Vec::new(),
            offers: 0,
            acks: 0,
            naks: 0,
            other: 0,
            offered: Vec::new(),
            latency_ms: None,
            lease_times: Vec::new(),
            masks: Vec::new(),
            routers: Vec::new(),
            dns: Vec::new(),
        }
    }

    /// Counts one of its replies.
    fn add(&mut self, r: &ReplyInfo) {
        if let Some(m) = r.src_mac {
            push_unique(&mut self.macs, m);
        }
        push_unique(&mut self.ips, r.src_ip);
        match r.msg_type {
            Some(MessageType::OFFER) => self.offers += 1,
            Some(MessageType::ACK) => self.acks += 1,
            Some(MessageType::NAK) => self.naks += 1,
            _ => self.other += 1,
        }
        if !r.yiaddr.is_unspecified() {
            push_unique(&mut self.offered, r.yiaddr);
        }
        if let Some(l) = r.latency_ms {
            self.latency_ms = Some(self.latency_ms.map_or(l, |x: f64| x.min(l)));
        }
        if let Some(l) = r.lease_time {
            push_unique(&mut self.lease_times, l);
        }
        if let Some(m) = r.subnet_mask {
            push_unique(&mut self.masks, m);
        }
        for a in &r.routers {
            push_unique(&mut self.routers, *a);
        }
        for a in &r.dns {
            push_unique(&mut self.dns, *a);
        }
    }

    /// The engine's rule: named (by IP or MAC) and handing out addresses inside the subnets.
    fn judge(&mut self, e: &Expectations) {
        if !e.given() {
            return;
        }
        let named = e.servers.is_empty() || e.servers.iter().any(|r| self.matches(r));
        let inside = e.subnets.is_empty()
            || self
                .offered
                .iter()
                .all(|a| e.subnets.iter().any(|n| n.contains(*a)));
        self.expected = Some(named && inside);
    }

    fn matches(&self, r: &ServerRef) -> bool {
        match r {
            ServerRef::Ip(ip) => self.id == *ip || self.ips.contains(ip),
            ServerRef::Mac(mac) => self.macs.contains(mac),
        }
    }

    pub(crate) fn label(&self) -> String {
        match self.macs.first() {
            Some(m) => format!("{} ({})", self.id, colon_hex(m)),
            None => self.id.to_string(),
        }
    }

    /// "offered 10.0.0.100" or "answered NAK".
    pub(crate) fn did(&self) -> String {
        if let Some(a) = self.offered.first() {
            return format!("offered {a}");
        }
        let what: Vec<&str> = [
            (self.offers, "OFFER"),
            (self.acks, "ACK"),
            (self.naks, "NAK"),
            (self.other, "reply"),
        ]
        .into_iter()
        .filter(|(n, _)| *n > 0)
        .map(|(_, name)| name)
        .collect();
        format!("answered {}", what.join("/"))
    }
}

/// Every server that answered, in the order they first did.
fn servers(e: &Expectations, replies: &[ReplyInfo]) -> Vec<ServerVerdict> {
    let mut out: Vec<ServerVerdict> = Vec::new();
    for r in replies {
        let id = r.server();
        let i = match out.iter().position(|s| s.id == id) {
            Some(i) => i,
            None => {
                out.push(ServerVerdict::new(id, r.server_id.is_some()));
                out.len() - 1
            }
        };
        out[i].add(r);
    }
    for s in &mut out {
        s.judge(e);
    }
    out
}

/// The verdict of one round.
#[derive(Debug, Clone, PartialEq)]
pub struct Verdict {
    pub status: Status,
    pub summary: String,
    pub sent: usize,
    pub sent_by_mode: Vec<(Mode, usize)>,
    pub replies: Vec<ReplyInfo>,
    pub servers: Vec<ServerVerdict>,
    pub silent_expected: Vec<String>,
    /// The engine's findings and the probe's own checks, worst first.
    pub findings: Vec<Finding>,
    pub notes: Vec<String>,
}

impl Verdict {
    /// `DHCP CRITICAL - unexpected server … | servers=2 offers=2 …`
    pub fn status_line(&self) -> String {
        let count = |f: fn(&ServerVerdict) -> u32| self.servers.iter().map(f).sum::<u32>();
        let mut perf = format!(
            "servers={} offers={} acks={} naks={} sent={}",
            self.servers.len(),
            count(|s| s.offers),
            count(|s| s.acks),
            count(|s| s.naks),
            self.sent
        );
        if let Some(l) = self
            .replies
            .iter()
            .filter_map(|r| r.latency_ms)
            .min_by(f64::total_cmp)
        {
            perf.push_str(&format!(" latency_ms={l:.1}"));
        }
        format!(
            "DHCP {} - {} | {perf}",
            self.status.name(),
            crate::escape::escape_str(&self.summary)
        )
    }

    /// The finding with this code, if any.
    pub fn finding(&self, code: &str) -> Option<&Finding> {
        self.findings.iter().find(|f| f.code == code)
    }
}

/// A probe check's finding.
fn check(severity: Severity, code: &'static str, message: String) -> Finding {
    Finding {
        severity,
        code,
        message,
        client: None,
        server: None,
        frames: Vec::new(),
        count: 1,
        rfc: "",
    }
}

/// A probe check about one reply: names its server and its frame.
fn reply_check(severity: Severity, code: &'static str, message: String, r: &ReplyInfo) -> Finding {
    Finding {
        server: Some(r.server()),
        frames: vec![r.frame],
        ..check(severity, code, message)
    }
}

/// What the probe's own checks read: the plan, the round and the servers that answered.
struct Round<'a> {
    plan: &'a Plan,
    log: &'a RoundLog,
    servers: &'a [ServerVerdict],
    silent_expected: &'a [String],
    answered: bool,
}

impl Round<'_> {
    fn sent(&self, m: Mode) -> bool {
        self.log.sent.iter().any(|s| s.mode == m)
    }

    fn replies_to(&self, m: Mode) -> impl Iterator<Item = &ReplyInfo> + '_ {
        self.log.replies.iter().filter(move |r| r.mode == Some(m))
    }

    /// Every check that needs to know what was sent, in a fixed order.
    fn checks(&self) -> Vec<Finding> {
        let mut out = Vec::new();
        self.unexpected_servers(&mut out);
        self.silence(&mut out);
        self.discover(&mut out);
        self.request(&mut out);
        self.wrong_subnet(Mode::InitReboot, "INIT-REBOOT", &mut out);
        self.wrong_subnet(Mode::Rebind, "REBIND", &mut out);
        self.inform(&mut out);
        self.dora(&mut out);
        out
    }

    fn unexpected_servers(&self, out: &mut Vec<Finding>) {
        for s in self.servers.iter().filter(|s| s.expected == Some(false)) {
            out.push(Finding {
                server: Some(s.id),
                ..check(
                    Severity::Critical,
                    "unexpected-server",
                    format!("unexpected server {} {}", s.label(), s.did()),
                )
            });
        }
    }

    /// Nobody answered a probe that needs an answer; an expected server stayed silent.
    fn silence(&self, out: &mut Vec<Finding>) {
        let sent = self.log.sent.len();
        let wanted_answer = self.plan.modes.iter().any(|m| m.expects_answer());
        if !self.answered && wanted_answer && sent > 0 {
            let s = if sent == 1 { "" } else { "s" };
            out.push(check(
                Severity::Critical,
                "no-answer",
                format!("no DHCP server answered ({sent} packet{s} sent)"),
            ));
        }
        if self.answered {
            for name in self.silent_expected {
                out.push(check(
                    Severity::Warning,
                    "expected-server-silent",
                    format!("expected server {name} did not answer"),
                ));
            }
        }
    }

    fn discover(&self, out: &mut Vec<Finding>) {
        if self.answered
            && self.sent(Mode::Discover)
            && !self
                .replies_to(Mode::Discover)
                .any(|r| r.is(MessageType::OFFER))
        {
            out.push(check(
                Severity::Warning,
                "no-offer",
                "nobody OFFERed to the DISCOVER".into(),
            ));
        }
    }

    /// Any answer to a REQUEST naming a server that does not exist.
    fn request(&self, out: &mut Vec<Finding>) {
        if !self.sent(Mode::Request) {
            return;
        }
        let bogus = self.plan.server_id.unwrap_or(BOGUS_SERVER_ID);
        for r in self.replies_to(Mode::Request) {
            out.push(reply_check(
                Severity::Warning,
                "unselected-server-replied",
                format!(
                    "server {} answered {} to a REQUEST for server {bogus}",
                    r.server(),
                    r.type_name
                ),
                r,
            ));
        }
    }

    /// INIT-REBOOT and REBIND ask for an address on a wrong subnet: an ACK is wrong, and
    /// without any NAK there is no authoritative server.
    fn wrong_subnet(&self, mode: Mode, what: &str, out: &mut Vec<Finding>) {
        if !self.sent(mode) {
            return;
        }
        for r in self.replies_to(mode).filter(|r| r.is(MessageType::ACK)) {
            let address = if r.yiaddr.is_unspecified() {
                "?".to_owned()
            } else {
                r.yiaddr.to_string()
            };
            out.push(reply_check(
                Severity::Warning,
                "acked-wrong-subnet",
                format!(
                    "server {} ACKed an {what} for {address} (an address on a wrong subnet)",
                    r.server()
                ),
                r,
            ));
        }
        if self.answered && !self.replies_to(mode).any(|r| r.is(MessageType::NAK)) {
            out.push(check(
                Severity::Info,
                "no-nak",
                format!(
                    "no server NAKed the {what} for an address on a wrong subnet (no authoritative server?)"
                ),
            ));
        }
    }

    /// An INFORM is ACKed, without an address and without a lease time.
    fn inform(&self, out: &mut Vec<Finding>) {
        if !self.sent(Mode::Inform) {
            return;
        }
        let acks: Vec<&ReplyInfo> = self
            .replies_to(Mode::Inform)
            .filter(|r| r.is(MessageType::ACK))
            .collect();
        if self.answered && acks.is_empty() {
            out.push(check(
                Severity::Warning,
                "inform-no-ack",
                "nobody ACKed the INFORM".into(),
            ));
        }
        for r in acks {
            if !r.yiaddr.is_unspecified() {
                out.push(reply_check(
                    Severity::Warning,
                    "inform-ack-yiaddr",
                    format!(
                        "server {} ACKed the INFORM with yiaddr {} (must be 0.0.0.0)",
                        r.server(),
                        r.yiaddr
                    ),
                    r,
                ));
            }
            if let Some(l) = r.lease_time {
                out.push(reply_check(
                    Severity::Warning,
                    "inform-ack-lease-time",
                    format!(
                        "server {} ACKed the INFORM with a lease time ({l}s; must have none)",
                        r.server()
                    ),
                    r,
                ));
            }
        }
    }

    fn dora(&self, out: &mut Vec<Finding>) {
        if !self.sent(Mode::Dora) {
            return;
        }
        let offered = self
            .replies_to(Mode::Dora)
            .any(|r| r.is(MessageType::OFFER));
        let acked = self.replies_to(Mode::Dora).any(|r| r.is(MessageType::ACK));
        if offered && !acked {
            out.push(check(
                Severity::Warning,
                "dora-no-ack",
                "dora: the REQUEST was not ACKed".into(),
            ));
        } else if self.answered && !offered {
            out.push(check(
                Severity::Warning,
                "no-offer",
                "dora: nobody OFFERed".into(),
            ));
        }
    }
}

/// The engine's findings (without its no-answer and no-offer rules, which do not know that
/// some probes expect silence) and the probe's checks it did not already make, worst first.
fn merge(engine: &[Finding], checks: Vec<Finding>) -> Vec<Finding> {
    let mut findings: Vec<Finding> = engine
        .iter()
        .filter(|f| !matches!(f.code, "no-answer" | "no-offer"))
        .cloned()
        .collect();
    for c in checks {
        let made = findings
            .iter()
            .any(|f| f.code == c.code && (c.server.is_none() || f.server == c.server));
        if !made {
            findings.push(c);
        }
    }
    findings.sort_by_key(|f| std::cmp::Reverse(f.severity));
    findings
}

/// Judges one round (its engine already finished by the session).
pub fn judge(plan: &Plan, log: &RoundLog) -> Verdict {
    let servers = servers(&plan.expectations, &log.replies);
    let silent_expected: Vec<String> = plan
        .expectations
        .servers
        .iter()
        .filter(|r| !servers.iter().any(|s| s.matches(r)))
        .map(server_ref_name)
        .collect();
    let round = Round {
        plan,
        log,
        servers: &servers,
        silent_expected: &silent_expected,
        answered: !log.replies.is_empty(),
    };
    let findings = merge(&log.analysis.findings, round.checks());
    let status = Status::worst(findings.iter().map(|f| Status::of(f.severity)));
    let summary = summary(status, &findings, &servers, log.sent.len());
    Verdict {
        status,
        summary,
        sent: log.sent.len(),
        sent_by_mode: log.sent_by_mode(),
        replies: log.replies.clone(),
        servers,
        silent_expected,
        findings,
        notes: log.notes.clone(),
    }
}

fn server_ref_name(r: &ServerRef) -> String {
    match r {
        ServerRef::Ip(ip) => ip.to_string(),
        ServerRef::Mac(m) => colon_hex(m),
    }
}

/// The worst findings' messages, else who answered.
fn summary(status: Status, findings: &[Finding], servers: &[ServerVerdict], sent: usize) -> String {
    let worst: Vec<&str> = findings
        .iter()
        .filter(|f| Status::of(f.severity) == status && status != Status::Ok)
        .map(|f| f.message.as_str())
        .collect();
    match worst.len() {
        0 => {}
        1 | 2 => return worst.join("; "),
        n => return format!("{}; {} (and {} more)", worst[0], worst[1], n - 2),
    }
    if servers.is_empty() {
        return if sent == 0 {
            "nothing sent".into()
        } else {
            "no reply (none expected)".into()
        };
    }
    let parts: Vec<String> = servers
        .iter()
        .map(|s| format!("{} {}", s.label(), s.did()))
        .collect();
    format!(
        "{} server{} answered: {}",
        servers.len(),
        if servers.len() == 1 { "" } else { "s" },
        parts.join(", ")
    )
}
