//! Judging a probe round: per-reply details, per-server verdicts, expected servers that stayed
//! silent, the shared engine's findings and the probe's own mode checks, and the
//! monitoring-plugin status (OK, WARNING, CRITICAL).

use super::{CapturedReply, Mode, Plan, RoundLog};
use crate::analysis::config::ServerRef;
use crate::analysis::{Analysis, Finding, Severity};
use crate::dhcp::Message;
use crate::dhcp::options::{self as opt, MessageType, colon_hex};
use crate::frame::{Decoded, FrameDecoder, UdpFrame};
use crate::source::{FrameSource, RawFrame, SourceError, linktype};
use crate::time::Timestamp;
use serde_json::{Value as Json, json};
use std::io::{self, Write};
use std::net::Ipv4Addr;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Status {
    Ok,
    Warning,
    Critical,
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

    pub fn exit_code(self) -> u8 {
        match self {
            Status::Ok => super::EXIT_OK,
            Status::Warning => super::EXIT_WARNING,
            Status::Critical => super::EXIT_CRITICAL,
            Status::Unknown => super::EXIT_UNKNOWN,
        }
    }

    fn of(s: Severity) -> Status {
        match s {
            Severity::Info => Status::Ok,
            Severity::Warning => Status::Warning,
            Severity::Critical => Status::Critical,
        }
    }
}

/// One reply, decoded.
#[derive(Debug, Clone)]
pub struct ReplyInfo {
    pub mode: Option<Mode>,
    pub msg_type: Option<MessageType>,
    pub type_name: String,
    pub xid: u32,
    pub xid_matches: bool,
    pub chaddr_matches: bool,
    pub server_id: Option<Ipv4Addr>,
    pub src_mac: Option<[u8; 6]>,
    pub src_ip: Ipv4Addr,
    pub dst_ip: Ipv4Addr,
    pub vlans: Vec<u16>,
    pub yiaddr: Ipv4Addr,
    pub giaddr: Ipv4Addr,
    pub latency_ms: Option<f64>,
    pub lease_time: Option<u32>,
    pub subnet_mask: Option<Ipv4Addr>,
    pub routers: Vec<Ipv4Addr>,
    pub dns: Vec<Ipv4Addr>,
    pub ts: Timestamp,
}

impl ReplyInfo {
    /// The server: option 54, else the IP source (relays hide the source, not option 54).
    pub fn server(&self) -> Ipv4Addr {
        self.server_id.unwrap_or(self.src_ip)
    }
}

/// What one server did during the round.
#[derive(Debug, Clone)]
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

impl ServerVerdict {
    fn label(&self) -> String {
        match self.macs.first() {
            Some(m) => format!("{} ({})", self.id, colon_hex(m)),
            None => self.id.to_string(),
        }
    }

    /// "offered 10.0.0.100" or "answered NAK".
    fn did(&self) -> String {
        if let Some(a) = self.offered.first() {
            return format!("offered {a}");
        }
        let mut what = Vec::new();
        for (n, name) in [
            (self.offers, "OFFER"),
            (self.acks, "ACK"),
            (self.naks, "NAK"),
            (self.other, "reply"),
        ] {
            if n > 0 {
                what.push(name);
            }
        }
        format!("answered {}", what.join("/"))
    }
}

/// The verdict of one round.
#[derive(Debug, Clone)]
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
}

/// Frames in time order, for the engine.
struct VecSource {
    frames: Vec<(Timestamp, u16, Vec<u8>)>,
    next: usize,
}

impl FrameSource for VecSource {
    fn next_frame(&mut self) -> Result<Option<RawFrame<'_>>, SourceError> {
        let i = self.next;
        let Some((ts, lt, data)) = self.frames.get(i) else {
            return Ok(None);
        };
        self.next += 1;
        Ok(Some(RawFrame {
            number: i as u64 + 1,
            ts: *ts,
            ts_digits: 9,
            linktype: *lt,
            orig_len: data.len() as u32,
            data,
        }))
    }
}

/// Runs the shared engine over what we sent and what answered.
pub fn analyse(plan: &Plan, log: &RoundLog) -> Analysis {
    let mut frames: Vec<(Timestamp, u16, Vec<u8>)> = log
        .sent
        .iter()
        .map(|s| (s.ts, linktype::ETHERNET, s.frame.clone()))
        .chain(
            log.replies
                .iter()
                .map(|r| (r.ts, r.linktype, r.frame.clone())),
        )
        .collect();
    frames.sort_by_key(|f| f.0);
    let mut src = VecSource { frames, next: 0 };
    Analysis::run(&mut src, plan.expectations.clone()).0
}

fn ips(bytes: Option<std::borrow::Cow<'_, [u8]>>) -> Vec<Ipv4Addr> {
    bytes
        .map(|b| {
            b.chunks_exact(4)
                .map(|c| Ipv4Addr::new(c[0], c[1], c[2], c[3]))
                .collect()
        })
        .unwrap_or_default()
}

impl ReplyInfo {
    /// Decodes a captured reply; `client_mac` is the probe's chaddr. The latency is left
    /// `None`: it needs the round's sent frames ([`judge`] fills it in). The one decoder of
    /// replies: the session keeps its result for each reply as it is captured.
    pub fn decode(r: &CapturedReply, client_mac: [u8; 6]) -> Option<ReplyInfo> {
        let raw = RawFrame {
            number: 0,
            ts: r.ts,
            ts_digits: 9,
            linktype: r.linktype,
            orig_len: r.frame.len() as u32,
            data: &r.frame,
        };
        let mut dec = FrameDecoder::new();
        let Decoded::Udp(udp) = dec.decode(&raw) else {
            return None;
        };
        let m = Message::decode(udp.payload);
        Some(ReplyInfo::from_decoded(r.mode, r.ts, &udp, &m, client_mac))
    }

    /// [`ReplyInfo::decode`] for a frame already decoded (the session's capture loop).
    pub(crate) fn from_decoded(
        mode: Option<Mode>,
        ts: Timestamp,
        udp: &UdpFrame<'_>,
        m: &Message<'_>,
        client_mac: [u8; 6],
    ) -> ReplyInfo {
        let msg_type = m.message_type();
        let type_name = match msg_type {
            Some(t) => t.name().map_or_else(|| t.to_string(), str::to_owned),
            None => "BOOTREPLY".to_owned(),
        };
        ReplyInfo {
            mode,
            msg_type,
            type_name,
            xid: m.xid,
            xid_matches: mode.is_some(),
            chaddr_matches: m.chaddr_mac() == Some(client_mac),
            server_id: m.server_id(),
            src_mac: udp.src_mac,
            src_ip: udp.src_ip,
            dst_ip: udp.dst_ip,
            vlans: udp.vlans.as_slice().to_vec(),
            yiaddr: m.yiaddr,
            giaddr: m.giaddr,
            latency_ms: None,
            lease_time: m.lease_time(),
            subnet_mask: ips(m.option(opt::SUBNET_MASK)).first().copied(),
            routers: ips(m.option(opt::ROUTER)),
            dns: ips(m.option(opt::DNS_SERVERS)),
            ts,
        }
    }
}

fn reply_info(plan: &Plan, log: &RoundLog, r: &CapturedReply) -> Option<ReplyInfo> {
    let mut info = ReplyInfo::decode(r, plan.crafting.mac)?;
    info.latency_ms = log
        .sent
        .iter()
        .filter(|s| s.xid == info.xid && s.ts <= r.ts)
        .map(|s| s.ts)
        .max()
        .map(|sent| r.ts.millis_since(sent));
    Some(info)
}

fn push_unique<T: PartialEq>(v: &mut Vec<T>, x: T) {
    if !v.contains(&x) {
        v.push(x);
    }
}

fn servers(plan: &Plan, replies: &[ReplyInfo]) -> Vec<ServerVerdict> {
    let mut out: Vec<ServerVerdict> = Vec::new();
    for r in replies {
        let id = r.server();
        let i = match out.iter().position(|s| s.id == id) {
            Some(i) => i,
            None => {
                out.push(ServerVerdict {
                    id,
                    has_server_id: r.server_id.is_some(),
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
                });
                out.len() - 1
            }
        };
        let s = &mut out[i];
        if let Some(m) = r.src_mac {
            push_unique(&mut s.macs, m);
        }
        push_unique(&mut s.ips, r.src_ip);
        match r.msg_type {
            Some(MessageType::OFFER) => s.offers += 1,
            Some(MessageType::ACK) => s.acks += 1,
            Some(MessageType::NAK) => s.naks += 1,
            _ => s.other += 1,
        }
        if !r.yiaddr.is_unspecified() {
            push_unique(&mut s.offered, r.yiaddr);
        }
        if let Some(l) = r.latency_ms {
            s.latency_ms = Some(s.latency_ms.map_or(l, |x: f64| x.min(l)));
        }
        if let Some(l) = r.lease_time {
            push_unique(&mut s.lease_times, l);
        }
        if let Some(m) = r.subnet_mask {
            push_unique(&mut s.masks, m);
        }
        for a in &r.routers {
            push_unique(&mut s.routers, *a);
        }
        for a in &r.dns {
            push_unique(&mut s.dns, *a);
        }
    }
    // The engine's rule: named (by IP or MAC) and handing out addresses inside the subnets.
    let e = &plan.expectations;
    if e.given() {
        for s in &mut out {
            let named = e.servers.is_empty() || e.servers.iter().any(|r| matches(s, r));
            let inside = e.subnets.is_empty()
                || s.offered
                    .iter()
                    .all(|a| e.subnets.iter().any(|n| n.contains(*a)));
            s.expected = Some(named && inside);
        }
    }
    out
}

fn matches(s: &ServerVerdict, r: &ServerRef) -> bool {
    match r {
        ServerRef::Ip(ip) => s.id == *ip || s.ips.contains(ip),
        ServerRef::Mac(mac) => s.macs.contains(mac),
    }
}

fn server_ref_name(r: &ServerRef) -> String {
    match r {
        ServerRef::Ip(ip) => ip.to_string(),
        ServerRef::Mac(m) => colon_hex(m),
    }
}

fn check(
    severity: Severity,
    code: &'static str,
    message: String,
    server: Option<Ipv4Addr>,
) -> Finding {
    Finding {
        severity,
        code,
        message,
        client: None,
        server,
        frames: Vec::new(),
        count: 1,
        rfc: "",
    }
}

/// Judges one round.
pub fn judge(plan: &Plan, log: &RoundLog) -> Verdict {
    let replies: Vec<ReplyInfo> = log
        .replies
        .iter()
        .filter_map(|r| reply_info(plan, log, r))
        .collect();
    let servers = servers(plan, &replies);
    let mut sent_by_mode: Vec<(Mode, usize)> = Vec::new();
    for s in &log.sent {
        match sent_by_mode.iter_mut().find(|(m, _)| *m == s.mode) {
            Some((_, n)) => *n += 1,
            None => sent_by_mode.push((s.mode, 1)),
        }
    }
    let silent_expected: Vec<String> = plan
        .expectations
        .servers
        .iter()
        .filter(|r| !servers.iter().any(|s| matches(s, r)))
        .map(server_ref_name)
        .collect();

    let mut checks = Vec::new();
    for s in servers.iter().filter(|s| s.expected == Some(false)) {
        checks.push(check(
            Severity::Critical,
            "unexpected-server",
            format!("unexpected server {} {}", s.label(), s.did()),
            Some(s.id),
        ));
    }
    let answered = !replies.is_empty();
    let wanted_answer = plan.modes.iter().any(|m| m.expects_answer());
    if !answered && wanted_answer && !log.sent.is_empty() {
        checks.push(check(
            Severity::Critical,
            "no-answer",
            format!(
                "no DHCP server answered ({} packet{} sent)",
                log.sent.len(),
                if log.sent.len() == 1 { "" } else { "s" }
            ),
            None,
        ));
    }
    if answered {
        for name in &silent_expected {
            checks.push(check(
                Severity::Warning,
                "expected-server-silent",
                format!("expected server {name} did not answer"),
                None,
            ));
        }
    }
    let of_mode = |m: Mode| replies.iter().filter(move |r| r.mode == Some(m));
    let sent_mode = |m: Mode| log.sent.iter().any(|s| s.mode == m);
    if answered
        && sent_mode(Mode::Discover)
        && !of_mode(Mode::Discover).any(|r| r.msg_type == Some(MessageType::OFFER))
    {
        checks.push(check(
            Severity::Warning,
            "no-offer",
            "nobody OFFERed to the DISCOVER".into(),
            None,
        ));
    }
    if sent_mode(Mode::Request) {
        let bogus = plan.server_id.unwrap_or(super::craft::BOGUS_SERVER_ID);
        for r in of_mode(Mode::Request) {
            checks.push(check(
                Severity::Warning,
                "unselected-server-replied",
                format!(
                    "server {} answered {} to a REQUEST for server {bogus}",
                    r.server(),
                    r.type_name
                ),
                Some(r.server()),
            ));
        }
    }
    for (mode, what) in [(Mode::InitReboot, "INIT-REBOOT"), (Mode::Rebind, "REBIND")] {
        if !sent_mode(mode) {
            continue;
        }
        for r in of_mode(mode).filter(|r| r.msg_type == Some(MessageType::ACK)) {
            checks.push(check(
                Severity::Warning,
                "acked-wrong-subnet",
                format!(
                    "server {} ACKed an {what} for {} (an address on a wrong subnet)",
                    r.server(),
                    if r.yiaddr.is_unspecified() {
                        "?".into()
                    } else {
                        r.yiaddr.to_string()
                    }
                ),
                Some(r.server()),
            ));
        }
        if answered && !of_mode(mode).any(|r| r.msg_type == Some(MessageType::NAK)) {
            checks.push(check(
                Severity::Info,
                "no-nak",
                format!("no server NAKed the {what} for an address on a wrong subnet (no authoritative server?)"),
                None,
            ));
        }
    }
    if sent_mode(Mode::Inform) {
        let acks: Vec<&ReplyInfo> = of_mode(Mode::Inform)
            .filter(|r| r.msg_type == Some(MessageType::ACK))
            .collect();
        if answered && acks.is_empty() {
            checks.push(check(
                Severity::Warning,
                "inform-no-ack",
                "nobody ACKed the INFORM".into(),
                None,
            ));
        }
        for r in acks {
            if !r.yiaddr.is_unspecified() {
                checks.push(check(
                    Severity::Warning,
                    "inform-ack-yiaddr",
                    format!(
                        "server {} ACKed the INFORM with yiaddr {} (must be 0.0.0.0)",
                        r.server(),
                        r.yiaddr
                    ),
                    Some(r.server()),
                ));
            }
            if let Some(l) = r.lease_time {
                checks.push(check(
                    Severity::Warning,
                    "inform-ack-lease-time",
                    format!(
                        "server {} ACKed the INFORM with a lease time ({l}s; must have none)",
                        r.server()
                    ),
                    Some(r.server()),
                ));
            }
        }
    }
    if sent_mode(Mode::Dora) {
        let dora: Vec<&ReplyInfo> = of_mode(Mode::Dora).collect();
        let offered = dora.iter().any(|r| r.msg_type == Some(MessageType::OFFER));
        if offered && !dora.iter().any(|r| r.msg_type == Some(MessageType::ACK)) {
            checks.push(check(
                Severity::Warning,
                "dora-no-ack",
                "dora: the REQUEST was not ACKed".into(),
                None,
            ));
        } else if answered && !offered {
            checks.push(check(
                Severity::Warning,
                "no-offer",
                "dora: nobody OFFERed".into(),
                None,
            ));
        }
    }

    // The shared engine: everything `report` would say about this traffic. Its no-answer and
    // no-offer rules do not know that some probes expect silence; the checks above do.
    let analysis = analyse(plan, log);
    let mut findings: Vec<Finding> = analysis
        .findings
        .iter()
        .filter(|f| !matches!(f.code, "no-answer" | "no-offer"))
        .cloned()
        .collect();
    for c in checks {
        if !findings
            .iter()
            .any(|f| f.code == c.code && (c.server.is_none() || f.server == c.server))
        {
            findings.push(c);
        }
    }
    findings.sort_by_key(|f| std::cmp::Reverse(f.severity));

    let status = findings
        .iter()
        .map(|f| Status::of(f.severity))
        .max()
        .unwrap_or(Status::Ok);
    let summary = summary(status, &findings, &servers, log);
    Verdict {
        status,
        summary,
        sent: log.sent.len(),
        sent_by_mode,
        replies,
        servers,
        silent_expected,
        findings,
        notes: log.notes.clone(),
    }
}

fn summary(
    status: Status,
    findings: &[Finding],
    servers: &[ServerVerdict],
    log: &RoundLog,
) -> String {
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
        return if log.sent.is_empty() {
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

fn ms(v: Option<f64>) -> Json {
    v.map_or(Json::Null, |v| json!((v * 1000.0).round() / 1000.0))
}

fn strings<T: ToString>(v: &[T]) -> Vec<String> {
    v.iter().map(ToString::to_string).collect()
}

/// One JSON object per round.
pub fn to_json(plan: &Plan, v: &Verdict, round: u32) -> Json {
    json!({
        "round": round,
        "status": v.status.name(),
        "exit_code": v.status.exit_code(),
        "summary": v.summary,
        "status_line": v.status_line(),
        "interface": plan.interface,
        "modes": plan.modes.iter().map(|m| m.name()).collect::<Vec<_>>(),
        "client_mac": colon_hex(&plan.crafting.mac),
        "vlans": plan.vlans,
        "relay": plan.crafting.relay.as_ref().map(|r| json!({
            "giaddr": r.giaddr.to_string(),
            "server": r.server.to_string(),
        })),
        "sent": v.sent,
        "sent_by_mode": v.sent_by_mode.iter().map(|(m, n)| (m.name().to_owned(), json!(n))).collect::<serde_json::Map<_, _>>(),
        "replies": v.replies.iter().map(|r| json!({
            "mode": r.mode.map(Mode::name),
            "msg_type": r.type_name,
            "xid": format!("0x{:08x}", r.xid),
            "xid_matches": r.xid_matches,
            "chaddr_matches": r.chaddr_matches,
            "server_id": r.server_id.map(|s| s.to_string()),
            "src_mac": r.src_mac.map(|m| colon_hex(&m)),
            "src_ip": r.src_ip.to_string(),
            "dst_ip": r.dst_ip.to_string(),
            "vlan": r.vlans,
            "yiaddr": r.yiaddr.to_string(),
            "giaddr": r.giaddr.to_string(),
            "latency_ms": ms(r.latency_ms),
            "lease_time": r.lease_time,
            "subnet_mask": r.subnet_mask.map(|m| m.to_string()),
            "routers": strings(&r.routers),
            "dns": strings(&r.dns),
            "ts": r.ts.rfc3339(9).to_string(),
        })).collect::<Vec<_>>(),
        "servers": v.servers.iter().map(|s| json!({
            "server_id": s.id.to_string(),
            "has_server_id": s.has_server_id,
            "expected": s.expected,
            "macs": s.macs.iter().map(|m| colon_hex(m)).collect::<Vec<_>>(),
            "ips": strings(&s.ips),
            "offers": s.offers,
            "acks": s.acks,
            "naks": s.naks,
            "other_replies": s.other,
            "offered": strings(&s.offered),
            "latency_ms": ms(s.latency_ms),
            "lease_times": s.lease_times,
            "subnet_masks": strings(&s.masks),
            "routers": strings(&s.routers),
            "dns": strings(&s.dns),
        })).collect::<Vec<_>>(),
        "silent_expected": v.silent_expected,
        "findings": v.findings,
        "notes": v.notes,
    })
}

fn fmt_ms(v: f64) -> String {
    if v < 10.0 {
        format!("{v:.1} ms")
    } else {
        format!("{v:.0} ms")
    }
}

/// The text view: the status line first, then details.
pub fn write_text(out: &mut impl Write, plan: &Plan, v: &Verdict) -> io::Result<()> {
    writeln!(out, "{}", v.status_line())?;
    let modes: Vec<&str> = plan.modes.iter().map(|m| m.name()).collect();
    let by_mode: Vec<String> = v
        .sent_by_mode
        .iter()
        .map(|(m, n)| format!("{} {n}", m.name()))
        .collect();
    let mut how = String::new();
    if !plan.vlans.is_empty() {
        how.push_str(&format!(", vlan {}", strings(&plan.vlans).join("/")));
    }
    if let Some(r) = &plan.crafting.relay {
        how.push_str(&format!(", as relay {} to {}", r.giaddr, r.server));
    }
    writeln!(
        out,
        "probe on {} as {}{how}: {}; {} packet{} sent ({})",
        crate::escape::escape_str(&plan.interface),
        colon_hex(&plan.crafting.mac),
        modes.join(", "),
        v.sent,
        if v.sent == 1 { "" } else { "s" },
        by_mode.join(", ")
    )?;

    writeln!(out, "\nReplies")?;
    if v.replies.is_empty() {
        writeln!(out, "  none")?;
    }
    for r in &v.replies {
        let mut line = format!(
            "  {:<12} {:<6} from {:<15} {:<17}",
            r.mode.map_or("(chaddr)", Mode::name),
            r.type_name,
            r.server().to_string(),
            r.src_mac.map(|m| colon_hex(&m)).unwrap_or_default(),
        );
        if r.server_id.is_some_and(|s| s != r.src_ip) {
            line.push_str(&format!(" via {}", r.src_ip));
        }
        line.push_str(&format!(" yiaddr {}", r.yiaddr));
        if let Some(l) = r.latency_ms {
            line.push_str(&format!("  {}", fmt_ms(l)));
        }
        match r.lease_time {
            Some(l) => line.push_str(&format!("  lease {l}s")),
            None => line.push_str("  no lease time"),
        }
        if let Some(m) = r.subnet_mask {
            line.push_str(&format!(" mask {m}"));
        }
        if !r.routers.is_empty() {
            line.push_str(&format!(" router {}", strings(&r.routers).join(",")));
        }
        if !r.dns.is_empty() {
            line.push_str(&format!(" dns {}", strings(&r.dns).join(",")));
        }
        if !r.vlans.is_empty() {
            line.push_str(&format!(" vlan {}", strings(&r.vlans).join("/")));
        }
        if !r.chaddr_matches {
            line.push_str("  (chaddr differs)");
        }
        if !r.xid_matches {
            line.push_str("  (xid not ours)");
        }
        writeln!(out, "{line}")?;
    }

    writeln!(out, "\nServers")?;
    if v.servers.is_empty() {
        writeln!(out, "  none answered")?;
    }
    for s in &v.servers {
        let verdict = match s.expected {
            Some(true) => "expected",
            Some(false) => "UNEXPECTED",
            None => "-",
        };
        let macs: Vec<String> = s.macs.iter().map(|m| colon_hex(m)).collect();
        let mut line = format!(
            "  {:<15} {:<17} {:<10}  offers {} acks {} naks {}",
            s.id.to_string(),
            macs.join(","),
            verdict,
            s.offers,
            s.acks,
            s.naks
        );
        if let Some(l) = s.latency_ms {
            line.push_str(&format!("  latency {}", fmt_ms(l)));
        }
        if !s.offered.is_empty() {
            line.push_str(&format!("  offered {}", strings(&s.offered).join(",")));
        }
        writeln!(out, "{line}")?;
    }
    if !plan.expectations.servers.is_empty() {
        writeln!(out, "\nExpected servers that stayed silent")?;
        if v.silent_expected.is_empty() {
            writeln!(out, "  none")?;
        }
        for s in &v.silent_expected {
            writeln!(out, "  {s}")?;
        }
    }
    writeln!(out, "\nFindings")?;
    if v.findings.is_empty() {
        writeln!(out, "  none")?;
    }
    for f in &v.findings {
        write!(
            out,
            "  {:<8} {}: {}",
            f.severity.name().to_uppercase(),
            f.code,
            crate::escape::escape_str(&f.message)
        )?;
        if f.rfc.is_empty() {
            writeln!(out)?;
        } else {
            writeln!(out, "  ({})", f.rfc)?;
        }
    }
    if !v.notes.is_empty() {
        writeln!(out, "\nNotes")?;
        for n in &v.notes {
            writeln!(out, "  {n}")?;
        }
    }
    Ok(())
}
