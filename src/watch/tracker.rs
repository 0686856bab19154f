//! From the model to metrics and events: per packet (message counts, latencies) and per
//! refresh (exchanges that ended, server counters, findings raised and cleared, gauges).
//!
//! The model keeps cumulative counts; the tracker turns them into counter increments and
//! remembers what it reported, so a finding is raised once, cleared once, and survives the
//! model forgetting idle clients.

use super::events::{
    Action, ClientMeta, DhcpMeta, Event, EventMeta, EventWriter, ObserverMeta, RuleMeta, ServerMeta,
};
use super::metrics::{
    ExchangeLabels, ExpectedLabels, FindingLabels, LatencyLabels, MessageLabels, Metrics,
    ServerLabels, ServerReplyLabels,
};
use crate::analysis::config::ServerRef;
use crate::analysis::findings::{self, Rule};
use crate::analysis::{Analysis, Client, EXCHANGE_IDLE_SECS, Expectations, Outcome, Severity};
use crate::dhcp::options::MessageType;
use crate::pipeline::Packet;
use crate::time::Timestamp;
use prometheus_client::metrics::counter::Counter;
use std::collections::{HashMap, HashSet};
use std::net::Ipv4Addr;

/// A request this long after an expected server's last reply shows clients still asking.
const ASK_GRACE_SECS: i64 = 10;
/// Server label value for servers beyond the cap.
pub const OTHER_SERVER: &str = "other";
/// Findings remembered (raised or cleared) that concern no client; the oldest cleared ones
/// go first beyond this.
const MAX_REMEMBERED: usize = 10_000;

/// A watch-level condition about a client that the sensor raises and clears itself.
pub const BOUND_TO_UNEXPECTED: Rule = Rule {
    code: "bound-to-unexpected-server",
    severity: Severity::Critical,
    rfc: "RFC 2131 §4.3.1 (the client took its lease from a server nobody expects)",
};
/// A watch-level condition about an expected server that stopped answering while clients
/// kept asking.
pub const EXPECTED_SERVER_SILENT: Rule = Rule {
    code: "expected-server-silent",
    severity: Severity::Warning,
    rfc: "RFC 2131 §4.1 (clients depend on their server answering)",
};

/// Tuning of the tracker (from [`super::WatchConfig`]).
#[derive(Debug, Clone, Copy)]
pub struct TrackerTuning {
    /// A finding not seen again for this long clears; an unexpected server silent this long
    /// stops counting as active.
    pub clear_after_secs: i64,
    /// An expected server with no reply for this long is silent.
    pub silent_after_secs: i64,
    /// Distinct `server` label values (expected servers named by address always get theirs).
    pub max_server_labels: usize,
}

type FindingKey = (&'static str, Option<String>, Option<Ipv4Addr>);

#[derive(Debug)]
struct Reported {
    severity: Severity,
    active: bool,
    last_count: u64,
    last_seen: i64,
}

#[derive(Debug, Default, Clone, Copy)]
struct ServerSeen {
    offers: u64,
    acks: u64,
    naks: u64,
    other: u64,
    last_reply: Option<Timestamp>,
    expected_label: Option<&'static str>,
}

fn expected_label(e: Option<bool>) -> &'static str {
    match e {
        Some(true) => "true",
        Some(false) => "false",
        None => "unknown",
    }
}

/// Lower-case message type names for the `msg_type` label (a closed list).
pub fn msg_type_label(t: Option<MessageType>) -> &'static str {
    match t.map(|t| t.0) {
        None => "bootp",
        Some(1) => "discover",
        Some(2) => "offer",
        Some(3) => "request",
        Some(4) => "decline",
        Some(5) => "ack",
        Some(6) => "nak",
        Some(7) => "release",
        Some(8) => "inform",
        Some(9) => "forcerenew",
        Some(10..=17) => "leasequery",
        Some(_) => "other",
    }
}

/// What the tracker holds between refreshes.
pub struct Tracker {
    pub metrics: std::sync::Arc<Metrics>,
    tuning: TrackerTuning,
    inputs: Vec<String>,
    hostname: String,
    /// Per-packet counters, cached by (input, outer VLAN, message type).
    message_counters: HashMap<(usize, u16, u8), Counter>,
    /// Servers that have their own label value.
    labelled: HashSet<Ipv4Addr>,
    servers: HashMap<Ipv4Addr, ServerSeen>,
    /// Per client (chaddr): number of its exchanges already counted.
    cursors: HashMap<crate::analysis::Chaddr, u64>,
    reported: HashMap<FindingKey, Reported>,
    /// Unexpected servers currently raised.
    rogues: HashSet<Ipv4Addr>,
    /// Expected servers currently silent.
    silent: HashSet<Ipv4Addr>,
    /// Clients (MAC) currently bound to an unexpected server → that server.
    victims: HashMap<String, Ipv4Addr>,
    /// Latest client request (DISCOVER, REQUEST, INFORM): silence only counts while clients ask.
    last_request: Option<Timestamp>,
    /// When the sensor started, on the model's clock (the baseline of "silent since"): wall
    /// time for live captures, the first refresh's time for files.
    started: Option<Timestamp>,
    pub events: Option<EventWriter>,
}

impl Tracker {
    pub fn new(
        metrics: std::sync::Arc<Metrics>,
        tuning: TrackerTuning,
        inputs: Vec<String>,
        events: Option<EventWriter>,
        started: Option<Timestamp>,
    ) -> Tracker {
        Tracker {
            metrics,
            tuning,
            inputs,
            hostname: super::events::hostname(),
            message_counters: HashMap::new(),
            labelled: HashSet::new(),
            servers: HashMap::new(),
            cursors: HashMap::new(),
            reported: HashMap::new(),
            rogues: HashSet::new(),
            silent: HashSet::new(),
            victims: HashMap::new(),
            last_request: None,
            started,
            events,
        }
    }

    /// Creates the series that must exist before anything happens ("avoid missing metrics"):
    /// each expected server's last reply at the start time, the `expected` gauges at 0.
    pub fn prime(&mut self, e: &Expectations) {
        for ip in expected_ips(e) {
            self.labelled.insert(ip);
            let seen = self.servers.entry(ip).or_default();
            if seen.expected_label.is_none() {
                seen.expected_label = Some("true");
                let labels = ServerLabels {
                    server: ip.to_string(),
                    expected: "true",
                };
                let since = self.started.map_or(0.0, secs_f64);
                self.metrics
                    .server_last_reply
                    .get_or_create(&labels)
                    .set(since);
                for msg_type in ["offer", "ack", "nak"] {
                    let _ = self
                        .metrics
                        .server_replies
                        .get_or_create(&ServerReplyLabels {
                            server: ip.to_string(),
                            expected: "true",
                            msg_type,
                        });
                }
            }
        }
        for expected in ["true", "false", "unknown"] {
            let _ = self
                .metrics
                .servers
                .get_or_create(&ExpectedLabels { expected });
        }
    }

    fn server_label(&mut self, ip: Ipv4Addr) -> String {
        if self.labelled.contains(&ip) {
            return ip.to_string();
        }
        if self.labelled.len() < self.tuning.max_server_labels {
            self.labelled.insert(ip);
            return ip.to_string();
        }
        OTHER_SERVER.to_owned()
    }

    /// One packet from input `input`: counted, fed to the model, latency observed.
    pub fn ingest(&mut self, input: usize, p: &Packet<'_>, analysis: &mut Analysis) {
        let msg_type = p.dhcp.message_type();
        let vlan = p.udp.vlans.as_slice().first().copied().unwrap_or(0);
        let key = (input, vlan, msg_type.map_or(0, |t| t.0));
        let counter = self.message_counters.entry(key).or_insert_with(|| {
            self.metrics
                .messages
                .get_or_create(&MessageLabels {
                    interface: self.inputs.get(input).cloned().unwrap_or_default(),
                    vlan: if vlan == 0 {
                        "none".to_owned()
                    } else {
                        vlan.to_string()
                    },
                    msg_type: msg_type_label(msg_type),
                })
                .clone()
        });
        counter.inc();
        if !p.dhcp.warnings.is_empty() || !p.warnings.is_empty() {
            self.metrics
                .malformed
                .get_or_create(&super::metrics::InterfaceLabels {
                    interface: self.inputs.get(input).cloned().unwrap_or_default(),
                })
                .inc();
        }
        analysis.observe(p);
        self.metrics.last_packet.set(secs_f64(p.frame.ts));
        if p.dhcp.op != 2 {
            if matches!(
                msg_type,
                Some(MessageType::DISCOVER | MessageType::REQUEST | MessageType::INFORM)
            ) {
                self.last_request =
                    Some(self.last_request.map_or(p.frame.ts, |t| t.max(p.frame.ts)));
            }
            return;
        }
        let server = p.dhcp.server_id().unwrap_or(p.udp.src_ip);
        let seen = self.servers.entry(server).or_default();
        seen.last_reply = Some(seen.last_reply.map_or(p.frame.ts, |t| t.max(p.frame.ts)));
        let which = match msg_type {
            Some(MessageType::OFFER) => "offer",
            Some(MessageType::ACK) => "ack",
            _ => return,
        };
        if let Some(ms) = reply_latency_ms(analysis, p) {
            let label = self.server_label(server);
            self.metrics
                .reply_latency
                .get_or_create(&LatencyLabels {
                    server: label,
                    msg_type: which,
                })
                .observe(ms / 1000.0);
        }
    }

    /// Settles the model as of now and brings metrics and events up to date.
    pub fn refresh(&mut self, analysis: &mut Analysis, now: Timestamp) {
        analysis.finish();
        self.started.get_or_insert(now);
        self.count_exchanges(analysis, now);
        self.update_servers(analysis, now);
        self.update_victims(analysis, now);
        self.update_findings(analysis, now);
        self.metrics
            .clients_tracked
            .set(gauge(analysis.clients.len()));
        self.metrics.exchanges_tracked.set(gauge(
            analysis.clients.iter().map(|c| c.exchanges.len()).sum(),
        ));
        let mut active: HashMap<(&'static str, Severity), i64> = HashMap::new();
        for ((code, _, _), r) in &self.reported {
            if r.active {
                *active.entry((code, r.severity)).or_default() += 1;
            }
        }
        for (rule, n) in [
            (findings::UNEXPECTED_SERVER, self.rogues.len()),
            (EXPECTED_SERVER_SILENT, self.silent.len()),
            (BOUND_TO_UNEXPECTED, self.victims.len()),
        ] {
            *active.entry((rule.code, rule.severity)).or_default() += gauge(n);
        }
        // Every code has its series, at 0 when nothing is active.
        let all = findings::ALL_RULES
            .iter()
            .chain([&BOUND_TO_UNEXPECTED, &EXPECTED_SERVER_SILENT]);
        for rule in all {
            let labels = FindingLabels {
                code: rule.code,
                severity: rule.severity.name(),
            };
            let n = active
                .get(&(rule.code, rule.severity))
                .copied()
                .unwrap_or(0);
            self.metrics.findings_active.get_or_create(&labels).set(n);
            let _ = self.metrics.findings.get_or_create(&labels);
        }
        if let Some(w) = &mut self.events {
            w.flush();
        }
    }

    /// Drops clients idle longer than `max_idle_secs`, counting what they still held.
    pub fn expire(&mut self, analysis: &mut Analysis, now: Timestamp, max_idle_secs: i64) {
        analysis.finish();
        // Count what ended before the model forgets old exchanges.
        self.count_exchanges(analysis, now);
        let gone = analysis.expire_idle(now, max_idle_secs);
        if gone.is_empty() {
            return;
        }
        for c in &gone {
            // Whatever was still open can no longer be answered.
            self.count_client(c, None);
            self.cursors.remove(&c.chaddr);
            let mac = c.mac_string();
            self.reported
                .retain(|k, _| k.1.as_deref() != Some(mac.as_str()));
            self.victims.remove(&mac);
        }
        self.metrics.clients_expired.inc_by(gone.len() as u64);
        if self.cursors.capacity() > 4 * self.cursors.len().max(1024) {
            self.cursors.shrink_to_fit();
        }
    }

    fn count_exchanges(&mut self, analysis: &Analysis, now: Timestamp) {
        for c in &analysis.clients {
            self.count_client(c, Some(now));
        }
    }

    /// Counts the client's exchanges that ended since the last count, in order. With a time,
    /// an unanswered exchange counts once it can no longer be answered; without, everything
    /// not pending counts (the client is going away).
    fn count_client(&mut self, c: &Client, now: Option<Timestamp>) {
        let cursor = match self.cursors.get_mut(&c.chaddr) {
            Some(n) => n,
            None => self.cursors.entry(c.chaddr).or_insert(c.exchanges_dropped),
        };
        // Exchanges dropped by the model's per-client cap before they were counted are lost.
        let mut number = (*cursor).max(c.exchanges_dropped);
        while let Some(ex) = usize::try_from(number - c.exchanges_dropped)
            .ok()
            .and_then(|i| c.exchanges.get(i))
        {
            let ended = match ex.outcome {
                Outcome::Ack | Outcome::Nak | Outcome::Released | Outcome::Declined => true,
                Outcome::Pending => now.is_none(),
                _ => now.is_none_or(|t| t.secs.saturating_sub(ex.end.secs) > EXCHANGE_IDLE_SECS),
            };
            if !ended {
                break;
            }
            self.metrics
                .exchanges
                .get_or_create(&ExchangeLabels {
                    kind: ex.kind.name(),
                    outcome: ex.outcome.name(),
                })
                .inc();
            number += 1;
        }
        *cursor = number;
    }

    fn update_servers(&mut self, analysis: &Analysis, now: Timestamp) {
        let mut by_expected: HashMap<&'static str, i64> =
            ["true", "false", "unknown"].map(|e| (e, 0)).into();
        let clear = self.tuning.clear_after_secs;
        for s in &analysis.servers {
            let expected = expected_label(s.expected);
            *by_expected.entry(expected).or_default() += 1;
            let label = self.server_label(s.id);
            let seen = *self.servers.entry(s.id).or_default();
            let deltas = [
                ("offer", s.offers.saturating_sub(seen.offers)),
                ("ack", s.acks.saturating_sub(seen.acks)),
                ("nak", s.naks.saturating_sub(seen.naks)),
                ("other", s.other_replies.saturating_sub(seen.other)),
            ];
            for (msg_type, d) in deltas {
                if d == 0 && seen.expected_label == Some(expected) {
                    continue;
                }
                self.metrics
                    .server_replies
                    .get_or_create(&ServerReplyLabels {
                        server: label.clone(),
                        expected,
                        msg_type,
                    })
                    .inc_by(d);
                if label == OTHER_SERVER {
                    self.metrics.server_label_overflow.inc_by(d);
                }
            }
            if label != OTHER_SERVER {
                // A server whose verdict changed (reload) keeps one last-reply series.
                if let Some(old) = seen.expected_label.filter(|o| *o != expected) {
                    self.metrics.server_last_reply.remove(&ServerLabels {
                        server: label.clone(),
                        expected: old,
                    });
                }
                if let Some(t) = seen.last_reply {
                    self.metrics
                        .server_last_reply
                        .get_or_create(&ServerLabels {
                            server: label.clone(),
                            expected,
                        })
                        .set(secs_f64(t));
                }
            }
            let entry = self.servers.entry(s.id).or_default();
            entry.offers = s.offers;
            entry.acks = s.acks;
            entry.naks = s.naks;
            entry.other = s.other_replies;
            if label != OTHER_SERVER {
                entry.expected_label = Some(expected);
            }
            let last = entry.last_reply;
            // Unexpected server: raised while it replies, cleared when quiet or accepted.
            let active = s.expected == Some(false)
                && last.is_some_and(|t| now.secs.saturating_sub(t.secs) <= clear);
            if active && self.rogues.insert(s.id) {
                let f = analysis
                    .findings
                    .iter()
                    .find(|f| f.code == findings::UNEXPECTED_SERVER.code && f.server == Some(s.id));
                let message = f.map_or_else(
                    || format!("unexpected server {}", s.id),
                    |f| f.message.clone(),
                );
                let frames = f.map_or_else(|| vec![s.first_frame], |f| f.frames.clone());
                let count = s.offers + s.acks + s.naks + s.other_replies;
                self.raise(
                    findings::UNEXPECTED_SERVER,
                    message,
                    None,
                    Some(s.id),
                    count,
                    frames,
                );
            } else if !active && self.rogues.remove(&s.id) {
                let reason = if s.expected == Some(false) {
                    "quiet"
                } else {
                    "expected"
                };
                let message = format!("unexpected server {} cleared ({reason})", s.id);
                self.clear(
                    findings::UNEXPECTED_SERVER,
                    message,
                    None,
                    Some(s.id),
                    reason,
                );
            }
        }
        for (expected, n) in by_expected {
            self.metrics
                .servers
                .get_or_create(&ExpectedLabels { expected })
                .set(n);
        }
        self.metrics
            .unexpected_servers
            .set(gauge(self.rogues.len()));

        // Expected servers that went quiet (those named by address, and those judged
        // expected by MAC or subnet once seen).
        let mut expected: Vec<Ipv4Addr> = expected_ips(&analysis.expectations);
        expected.extend(
            analysis
                .servers
                .iter()
                .filter(|s| s.expected == Some(true))
                .map(|s| s.id),
        );
        expected.sort();
        expected.dedup();
        let silent_after = self.tuning.silent_after_secs;
        for ip in &expected {
            let since = self
                .servers
                .get(ip)
                .and_then(|s| s.last_reply)
                .or(self.started)
                .unwrap_or(now);
            // A quiet segment is not a silent server: a client must have asked well after its
            // last answer (not just the request that answer's exchange ended with).
            let asked = self
                .last_request
                .is_some_and(|r| r.secs.saturating_sub(since.secs) > ASK_GRACE_SECS);
            let silent = asked && now.secs.saturating_sub(since.secs) > silent_after;
            if silent && self.silent.insert(*ip) {
                let message = format!("expected server {ip} has not replied for {silent_after} s");
                self.raise(
                    EXPECTED_SERVER_SILENT,
                    message,
                    None,
                    Some(*ip),
                    0,
                    Vec::new(),
                );
            } else if !silent && self.silent.remove(ip) {
                let message = format!("expected server {ip} replies again");
                self.clear(EXPECTED_SERVER_SILENT, message, None, Some(*ip), "answered");
            }
        }
        // A server no longer expected (reload) is no longer silent.
        let gone: Vec<Ipv4Addr> = self
            .silent
            .iter()
            .filter(|ip| !expected.contains(ip))
            .copied()
            .collect();
        for ip in gone {
            self.silent.remove(&ip);
            let message = format!("{ip} is no longer an expected server");
            self.clear(EXPECTED_SERVER_SILENT, message, None, Some(ip), "expected");
        }
        self.metrics
            .expected_servers_silent
            .set(gauge(self.silent.len()));
    }

    fn update_victims(&mut self, analysis: &Analysis, now: Timestamp) {
        let rogues: HashSet<Ipv4Addr> = analysis
            .servers
            .iter()
            .filter(|s| s.expected == Some(false))
            .map(|s| s.id)
            .collect();
        let rogue = |id: Ipv4Addr| rogues.contains(&id);
        let mut current: HashMap<String, Ipv4Addr> = HashMap::new();
        for c in &analysis.clients {
            let lease = c.exchanges.iter().rev().find(|e| {
                e.outcome == Outcome::Ack
                    && e.kind != crate::analysis::Kind::Inform
                    && e.address.is_some()
            });
            let Some(ex) = lease else { continue };
            let valid = ex.lease_time.is_none_or(|l| {
                l == u32::MAX || now.secs.saturating_sub(ex.end.secs) <= i64::from(l)
            });
            if let Some(server) = ex.server_id.filter(|s| valid && rogue(*s)) {
                current.insert(c.mac_string(), server);
            }
        }
        let before = std::mem::take(&mut self.victims);
        for (mac, server) in &current {
            if !before.contains_key(mac) {
                let message = format!("{mac} is bound to a lease from unexpected server {server}");
                self.raise(
                    BOUND_TO_UNEXPECTED,
                    message,
                    Some(mac.clone()),
                    Some(*server),
                    1,
                    Vec::new(),
                );
            }
        }
        for (mac, server) in before {
            if !current.contains_key(&mac) {
                // Either the server is accepted now (reload), or the lease ended or changed.
                let reason = if rogue(server) { "rebound" } else { "expected" };
                let message =
                    format!("{mac} no longer holds a lease from an unexpected server ({server})");
                self.clear(
                    BOUND_TO_UNEXPECTED,
                    message,
                    Some(mac),
                    Some(server),
                    reason,
                );
            }
        }
        self.metrics.bound_victims.set(gauge(current.len()));
        self.victims = current;
    }

    fn update_findings(&mut self, analysis: &Analysis, now: Timestamp) {
        for f in &analysis.findings {
            // Raised and cleared with the server's activity (update_servers).
            if f.code == findings::UNEXPECTED_SERVER.code {
                continue;
            }
            let key: FindingKey = (f.code, f.client.clone(), f.server);
            match self.reported.get_mut(&key) {
                Some(r) if r.last_count == f.count => {}
                Some(r) => {
                    r.last_count = f.count;
                    r.last_seen = now.secs;
                    if !r.active {
                        r.active = true;
                        self.raise_finding(f);
                    }
                }
                None => {
                    self.reported.insert(
                        key,
                        Reported {
                            severity: f.severity,
                            active: true,
                            last_count: f.count,
                            last_seen: now.secs,
                        },
                    );
                    self.raise_finding(f);
                }
            }
        }
        let clear = self.tuning.clear_after_secs;
        let quiet: Vec<FindingKey> = self
            .reported
            .iter()
            .filter(|(_, r)| r.active && now.secs.saturating_sub(r.last_seen) > clear)
            .map(|(k, _)| k.clone())
            .collect();
        for key in quiet {
            if let Some(r) = self.reported.get_mut(&key) {
                r.active = false;
                let rule = Rule {
                    code: key.0,
                    severity: r.severity,
                    rfc: rule_reference(key.0),
                };
                let message = format!("{} not seen for {clear} s", key.0);
                self.clear(rule, message, key.1.clone(), key.2, "quiet");
            }
        }
        if self.reported.len() > MAX_REMEMBERED {
            let mut inactive: Vec<(i64, FindingKey)> = self
                .reported
                .iter()
                .filter(|(_, r)| !r.active)
                .map(|(k, r)| (r.last_seen, k.clone()))
                .collect();
            inactive.sort();
            let excess = self.reported.len() - MAX_REMEMBERED;
            for (_, k) in inactive.into_iter().take(excess) {
                self.reported.remove(&k);
            }
        }
    }

    fn raise_finding(&mut self, f: &crate::analysis::Finding) {
        let rule = Rule {
            code: f.code,
            severity: f.severity,
            rfc: f.rfc,
        };
        self.raise(
            rule,
            f.message.clone(),
            f.client.clone(),
            f.server,
            f.count,
            f.frames.clone(),
        );
    }

    fn raise(
        &mut self,
        rule: Rule,
        message: String,
        client: Option<String>,
        server: Option<Ipv4Addr>,
        count: u64,
        frames: Vec<u64>,
    ) {
        self.metrics
            .findings
            .get_or_create(&FindingLabels {
                code: rule.code,
                severity: rule.severity.name(),
            })
            .inc();
        self.emit(
            rule,
            Action::Raised,
            None,
            message,
            client,
            server,
            count,
            frames,
        );
    }

    fn clear(
        &mut self,
        rule: Rule,
        message: String,
        client: Option<String>,
        server: Option<Ipv4Addr>,
        reason: &'static str,
    ) {
        self.emit(
            rule,
            Action::Cleared,
            Some(reason),
            message,
            client,
            server,
            0,
            Vec::new(),
        );
    }

    #[allow(clippy::too_many_arguments)]
    fn emit(
        &mut self,
        rule: Rule,
        action: Action,
        reason: Option<&'static str>,
        message: String,
        client: Option<String>,
        server: Option<Ipv4Addr>,
        count: u64,
        frames: Vec<u64>,
    ) {
        let Some(w) = &mut self.events else { return };
        let event = Event {
            timestamp: super::events::now().rfc3339(6).to_string(),
            event: EventMeta {
                kind: "alert",
                category: "network",
                action,
                severity: rule.severity,
                reason,
            },
            rule: RuleMeta {
                id: rule.code,
                reference: rule.rfc,
            },
            message,
            client: client.map(|mac| ClientMeta { mac }),
            server: server.map(|ip| ServerMeta { ip }),
            dhcp: DhcpMeta { count, frames },
            observer: ObserverMeta {
                hostname: self.hostname.clone(),
                interfaces: self.inputs.clone(),
            },
        };
        w.write(&event);
        self.metrics.events.inc();
    }
}

fn rule_reference(code: &str) -> &'static str {
    findings::ALL_RULES
        .iter()
        .chain([&BOUND_TO_UNEXPECTED, &EXPECTED_SERVER_SILENT])
        .find(|r| r.code == code)
        .map_or("", |r| r.rfc)
}

/// Expected servers named by address.
fn expected_ips(e: &Expectations) -> Vec<Ipv4Addr> {
    e.servers
        .iter()
        .filter_map(|r| match r {
            ServerRef::Ip(ip) => Some(*ip),
            ServerRef::Mac(_) => None,
        })
        .collect()
}

/// The latency the model computed for this reply (it is the last record with its frame
/// number in the client's exchange with its xid).
fn reply_latency_ms(analysis: &Analysis, p: &Packet<'_>) -> Option<f64> {
    let client = analysis.client(p.dhcp.chaddr())?;
    let ex = client
        .exchanges
        .iter()
        .rev()
        .find(|e| e.xid == p.dhcp.xid)?;
    ex.messages
        .iter()
        .rev()
        .find(|r| r.frame == p.frame.number && r.is_reply())?
        .latency_ms()
        .filter(|ms| ms.is_finite() && *ms >= 0.0)
}

pub(crate) fn secs_f64(t: Timestamp) -> f64 {
    t.secs as f64 + f64::from(t.nanos) / 1e9
}

fn gauge(n: usize) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}
