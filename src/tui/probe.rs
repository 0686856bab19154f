//! The probe form (`p`, live mode): one probe of [`crate::probe`] sent from the TUI.
//!
//! The form is plain state edited by [`form_key`] (no I/O). Enter checks it into a
//! [`Plan`] with the same parsers and rules as `dhcpscope probe` ([`Plan::validate`]: nothing
//! is read from disk) and returns [`Cmd::Probe`]; the runtime hands the plan to the probe thread
//! ([`spawn_worker`]), which owns the probe [`Session`] opened before privileges were dropped.
//! That thread reports each transaction id as it is used ([`Msg::ProbeXid`]), so the capture
//! marks the probe's messages as they arrive, then the verdict ([`Msg::ProbeDone`]).
//!
//! Nothing is injected except on Enter in the form; one probe runs at a time, and the
//! session keeps the probe's pace (at most four frames per second) and its refusals (`any`,
//! loopback, down interfaces).

use super::model::{Cmd, Msg};
use crate::analysis::Expectations;
use crate::analysis::config::ServerRef;
use crate::dhcp::options::colon_hex;
use crate::probe::plan::{self, PlanError};
use crate::probe::{Link, Mode, Plan, Session, Status, Verdict, craft, output, verdict};
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use std::collections::HashSet;
use std::sync::mpsc;
use std::time::Duration;

/// The modes, in the order the form cycles through them.
pub const MODES: [Mode; 8] = Mode::ALL;

/// The form's fields, top to bottom; text fields are named after the probe's flags.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Field {
    Mode,
    Mac,
    Hostname,
    RequestedIp,
    Ciaddr,
    ServerId,
    Options,
    Expect,
}

impl Field {
    pub const ALL: [Field; 8] = [
        Field::Mode,
        Field::Mac,
        Field::Hostname,
        Field::RequestedIp,
        Field::Ciaddr,
        Field::ServerId,
        Field::Options,
        Field::Expect,
    ];

    pub fn label(self) -> &'static str {
        match self {
            Field::Mode => "--mode",
            Field::Mac => "--mac",
            Field::Hostname => "--hostname",
            Field::RequestedIp => "--requested-ip",
            Field::Ciaddr => "--ciaddr",
            Field::ServerId => "--server-id",
            Field::Options => "--option",
            Field::Expect => "--expect-server",
        }
    }

    /// What an empty field means for `mode`.
    pub fn placeholder(self, mode: Mode) -> &'static str {
        match (self, mode) {
            (Field::Mode, _) => "",
            (Field::Mac, _) => "required",
            (Field::Hostname, _) => "none",
            (Field::RequestedIp, Mode::Request | Mode::InitReboot) => {
                "172.31.254.254 (a wrong subnet)"
            }
            (Field::RequestedIp, Mode::Decline) => "required",
            (Field::RequestedIp, _) => "none",
            (Field::Ciaddr, Mode::Inform | Mode::Release) => "required",
            (Field::Ciaddr, Mode::Rebind) => "172.31.254.254 (a wrong subnet)",
            (Field::Ciaddr, _) => "0.0.0.0",
            (Field::ServerId, Mode::Request) => "10.254.254.254 (no such server)",
            (Field::ServerId, Mode::Release | Mode::Decline) => "required",
            (Field::ServerId, _) => "none",
            (Field::Options, _) => "CODE=VALUE …, space-separated (hex: ip: str: u8: raw:)",
            (Field::Expect, _) => "none (IP or MAC, comma-separated)",
        }
    }
}

/// What a mode sends and what a healthy network answers (docs/probe.md).
pub fn mode_help(mode: Mode) -> &'static str {
    match mode {
        Mode::Discover => {
            "DISCOVER, broadcast: every server OFFERs; all OFFERs in 3 s are collected"
        }
        Mode::Request => {
            "REQUEST naming a bogus server id: any answer is a server ignoring option 54"
        }
        Mode::InitReboot => {
            "REQUEST (INIT-REBOOT) for a wrong-subnet address: authoritative servers NAK"
        }
        Mode::Rebind => "REQUEST (REBINDING) from --ciaddr, broadcast: authoritative servers NAK",
        Mode::Inform => "INFORM from --ciaddr (this host must own it): ACK, no address, no lease",
        Mode::Dora => "DISCOVER, REQUEST, ACK, then RELEASE: a real lease, released at once",
        Mode::Release => "RELEASE of --ciaddr to --server-id: nobody answers",
        Mode::Decline => "DECLINE of --requested-ip to --server-id: nobody answers",
    }
}

/// Longest text a field takes.
const FIELD_MAX: usize = 240;

/// The probe form's values (kept between openings).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProbeForm {
    pub field: Field,
    pub mode: Mode,
    pub mac: String,
    pub hostname: String,
    pub requested_ip: String,
    pub ciaddr: String,
    pub server_id: String,
    pub options: String,
    pub expect: String,
    /// Why the last Enter did not send.
    pub error: Option<String>,
}

fn server_ref_text(r: &ServerRef) -> String {
    match r {
        ServerRef::Ip(ip) => ip.to_string(),
        ServerRef::Mac(m) => colon_hex(m),
    }
}

fn opt_text(s: &str) -> Option<String> {
    let t = s.trim();
    (!t.is_empty()).then(|| t.to_owned())
}

impl ProbeForm {
    /// Defaults: discover, the probe's fixed MAC, the view's expected servers.
    pub fn new(expectations: &Expectations) -> ProbeForm {
        ProbeForm {
            field: Field::Mode,
            mode: Mode::Discover,
            mac: colon_hex(&craft::DEFAULT_MAC),
            hostname: String::new(),
            requested_ip: String::new(),
            ciaddr: String::new(),
            server_id: String::new(),
            options: String::new(),
            expect: expectations
                .servers
                .iter()
                .map(server_ref_text)
                .collect::<Vec<_>>()
                .join(", "),
            error: None,
        }
    }

    pub fn text(&self, f: Field) -> Option<&str> {
        Some(match f {
            Field::Mode => return None,
            Field::Mac => &self.mac,
            Field::Hostname => &self.hostname,
            Field::RequestedIp => &self.requested_ip,
            Field::Ciaddr => &self.ciaddr,
            Field::ServerId => &self.server_id,
            Field::Options => &self.options,
            Field::Expect => &self.expect,
        })
    }

    fn text_mut(&mut self, f: Field) -> Option<&mut String> {
        Some(match f {
            Field::Mode => return None,
            Field::Mac => &mut self.mac,
            Field::Hostname => &mut self.hostname,
            Field::RequestedIp => &mut self.requested_ip,
            Field::Ciaddr => &mut self.ciaddr,
            Field::ServerId => &mut self.server_id,
            Field::Options => &mut self.options,
            Field::Expect => &mut self.expect,
        })
    }

    fn cycle_mode(&mut self, forward: bool) {
        let i = MODES.iter().position(|m| *m == self.mode).unwrap_or(0);
        let n = MODES.len();
        self.mode = MODES[if forward {
            (i + 1) % n
        } else {
            (i + n - 1) % n
        }];
    }

    fn move_field(&mut self, forward: bool) {
        let i = Field::ALL
            .iter()
            .position(|f| *f == self.field)
            .unwrap_or(0);
        let n = Field::ALL.len();
        self.field = Field::ALL[if forward {
            (i + 1) % n
        } else {
            (i + n - 1) % n
        }];
    }

    /// The probe this form describes, checked with the rules and parsers of `dhcpscope
    /// probe` ([`Plan::validate`]; nothing is read from disk). The expected servers replace
    /// `base`'s; its subnets and threshold stay.
    pub fn plan(&self, interface: &str, base: &Expectations) -> Result<Plan, String> {
        self.build_plan(interface, base).map_err(|e| e.0)
    }

    fn build_plan(&self, interface: &str, base: &Expectations) -> Result<Plan, PlanError> {
        let mut e = base.clone();
        e.servers = plan::expected_servers(&self.expect)?;
        let mut p = Plan::new(interface, e);
        p.modes = vec![self.mode];
        let mac = opt_text(&self.mac).ok_or("--mac: give the client MAC")?;
        p.crafting.mac = plan::mac("--mac", &mac)?;
        p.crafting.hostname = opt_text(&self.hostname).map(String::into_bytes);
        p.requested_ip = plan::ipv4("--requested-ip", &self.requested_ip)?;
        p.ciaddr = plan::ipv4("--ciaddr", &self.ciaddr)?;
        p.server_id = plan::ipv4("--server-id", &self.server_id)?;
        p.crafting.extra = plan::extra_options(self.options.split_whitespace())?;
        p.validate()
    }
}

/// Edits the form; `Some(true)` asks to send, `Some(false)` to close, `None` keeps it open.
pub fn form_key(f: &mut ProbeForm, k: &KeyEvent) -> Option<bool> {
    let ctrl = k.modifiers.contains(KeyModifiers::CONTROL);
    match k.code {
        KeyCode::Esc => return Some(false),
        KeyCode::Enter => return Some(true),
        KeyCode::Up | KeyCode::BackTab => f.move_field(false),
        KeyCode::Down | KeyCode::Tab => f.move_field(true),
        KeyCode::Left if f.field == Field::Mode => f.cycle_mode(false),
        KeyCode::Right if f.field == Field::Mode => f.cycle_mode(true),
        KeyCode::Char(' ') if f.field == Field::Mode => f.cycle_mode(true),
        KeyCode::Char('u') if ctrl => {
            if let Some(t) = f.text_mut(f.field) {
                t.clear();
            }
        }
        KeyCode::Backspace => {
            if let Some(t) = f.text_mut(f.field) {
                t.pop();
            }
        }
        KeyCode::Char(c) if !ctrl && !c.is_control() => {
            if let Some(t) = f.text_mut(f.field)
                && t.chars().count() < FIELD_MAX
            {
                t.push(c);
            }
        }
        _ => return None,
    }
    f.error = None;
    None
}

/// The verdict of one probe, as the TUI shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProbeOutcome {
    pub status: Status,
    /// `DHCP CRITICAL - unexpected server … | servers=2 offers=2 …` (escaped).
    pub status_line: String,
    /// The text report of `dhcpscope probe`, line by line (escaped).
    pub report: Vec<String>,
}

impl ProbeOutcome {
    pub fn from_verdict(plan: &Plan, v: &Verdict) -> ProbeOutcome {
        let mut text = Vec::new();
        // Writing to a Vec cannot fail.
        let _ = output::write_text(&mut text, plan, v);
        // write_text escapes the strings it takes from the wire (and the status line its
        // summary): escaping it again would double every backslash. What a terminal must not
        // get raw is still made visible, should anything have slipped through.
        ProbeOutcome {
            status: v.status,
            status_line: super::terminal_safe(&v.status_line()),
            report: String::from_utf8_lossy(&text)
                .lines()
                .map(super::terminal_safe)
                .collect(),
        }
    }
}

/// Probe state of the view.
#[derive(Debug, Clone)]
pub struct ProbeState {
    /// The interface probes go out on, or why there are none (e.g. a file is shown).
    pub target: Result<String, String>,
    pub open: bool,
    pub form: ProbeForm,
    /// The probe in flight: `discover on eth0 as 02:44:48:43:50:01`.
    pub running: Option<String>,
    /// The last probe's verdict, or why it failed.
    pub last: Option<Result<ProbeOutcome, String>>,
    /// Transaction ids the probes used: their exchanges are marked.
    pub xids: HashSet<u32>,
    /// Keep the probe client of this MAC selected as its packets come (until the user moves).
    pub track: Option<[u8; 6]>,
}

/// At most this many probe xids are remembered (a few per probe).
const MAX_XIDS: usize = 1 << 16;

impl ProbeState {
    pub fn new(target: Result<String, String>, expectations: &Expectations) -> ProbeState {
        ProbeState {
            target,
            open: false,
            form: ProbeForm::new(expectations),
            running: None,
            last: None,
            xids: HashSet::new(),
            track: None,
        }
    }

    pub fn add_xid(&mut self, xid: u32) {
        if self.xids.len() < MAX_XIDS {
            self.xids.insert(xid);
        }
    }

    pub fn is_probe_xid(&self, xid: u32) -> bool {
        !self.xids.is_empty() && self.xids.contains(&xid)
    }

    /// Whether the header has a probe line.
    pub fn has_line(&self) -> bool {
        self.running.is_some() || self.last.is_some()
    }
}

/// `discover on eth0 as 02:44:48:43:50:01`.
pub fn describe(plan: &Plan) -> String {
    let modes: Vec<&str> = plan.modes.iter().map(|m| m.name()).collect();
    format!(
        "{} on {} as {}",
        modes.join(", "),
        crate::escape::escape_str(&plan.interface),
        colon_hex(&plan.crafting.mac)
    )
}

/// How long the probe thread reads (and drops) what its capture queued while idle.
const DISCARD_LIMIT: Duration = Duration::from_millis(500);

/// Runs one probe on the session (the probe thread).
pub fn run_probe<L: Link>(session: &mut Session<L>, plan: Plan) -> Result<ProbeOutcome, String> {
    // The interface may have gone down (or away) since the view opened.
    session.link().ready().map_err(|e| e.to_string())?;
    session.set_plan(plan).map_err(|e| e.to_string())?;
    session
        .discard_pending(DISCARD_LIMIT)
        .map_err(|e| format!("{e:#}"))?;
    let log = session.run_round().map_err(|e| format!("{e:#}"))?;
    let v = verdict::judge(&session.plan, &log);
    Ok(ProbeOutcome::from_verdict(&session.plan, &v))
}

/// Starts the probe thread: it owns `session`, runs each plan it receives and answers with
/// [`Msg::ProbeXid`] and [`Msg::ProbeDone`] on `tx`. It ends when the returned sender is
/// dropped (after the probe in flight: a `dora` always releases its lease).
pub fn spawn_worker(
    mut session: Session,
    tx: mpsc::SyncSender<Msg>,
) -> std::io::Result<(mpsc::Sender<Box<Plan>>, std::thread::JoinHandle<()>)> {
    let (plans, rx) = mpsc::channel::<Box<Plan>>();
    let xids = tx.clone();
    session.set_xid_listener(Box::new(move |xid, _mode| {
        let _ = xids.send(Msg::ProbeXid(xid));
    }));
    let handle = std::thread::Builder::new()
        .name("probe".into())
        .spawn(move || {
            while let Ok(plan) = rx.recv() {
                let result = run_probe(&mut session, *plan);
                if tx.send(Msg::ProbeDone(result)).is_err() {
                    break;
                }
            }
        })?;
    Ok((plans, handle))
}

/// The command for a submitted form, or why not (pure: called by `update`).
pub fn submit(
    state: &mut ProbeState,
    base: &Expectations,
) -> Result<(Cmd, String, [u8; 6]), String> {
    let iface = state.target.clone()?;
    if let Some(r) = &state.running {
        return Err(format!(
            "a probe is already running ({r}): wait for its verdict"
        ));
    }
    let plan = state
        .form
        .plan(&iface, base)
        .map_err(|e| crate::escape::escape_str(&e))?;
    let what = describe(&plan);
    let mac = plan.crafting.mac;
    state.running = Some(what.clone());
    Ok((Cmd::Probe(Box::new(plan)), what, mac))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tui::{is_terminal_safe, terminal_safe};
    use std::net::Ipv4Addr;

    fn key(c: KeyCode) -> KeyEvent {
        KeyEvent::new(c, KeyModifiers::NONE)
    }

    #[test]
    fn form_edits_fields_and_cycles_modes() {
        let mut f = ProbeForm::new(&Expectations::default());
        assert_eq!(f.mac, "02:44:48:43:50:01");
        assert_eq!(form_key(&mut f, &key(KeyCode::Right)), None);
        assert_eq!(f.mode, Mode::Request);
        form_key(&mut f, &key(KeyCode::Left));
        form_key(&mut f, &key(KeyCode::Left));
        assert_eq!(f.mode, Mode::Decline);
        form_key(&mut f, &key(KeyCode::Down));
        form_key(&mut f, &key(KeyCode::Down));
        assert_eq!(f.field, Field::Hostname);
        for c in "lab-probe".chars() {
            form_key(&mut f, &key(KeyCode::Char(c)));
        }
        form_key(&mut f, &key(KeyCode::Backspace));
        assert_eq!(f.hostname, "lab-prob");
        form_key(
            &mut f,
            &KeyEvent::new(KeyCode::Char('u'), KeyModifiers::CONTROL),
        );
        assert_eq!(f.hostname, "");
        // Letters do nothing on the mode line; Up from the top wraps to the last field.
        f.field = Field::Mode;
        form_key(&mut f, &key(KeyCode::Char('x')));
        assert_eq!(f.mode, Mode::Decline);
        form_key(&mut f, &key(KeyCode::Up));
        assert_eq!(f.field, Field::Expect);
        assert_eq!(form_key(&mut f, &key(KeyCode::Enter)), Some(true));
        assert_eq!(form_key(&mut f, &key(KeyCode::Esc)), Some(false));
    }

    #[test]
    fn report_is_escaped_once_and_terminal_safe() {
        assert_eq!(terminal_safe(r"evil\x1b[31m \\ ok"), r"evil\x1b[31m \\ ok");
        assert_eq!(
            terminal_safe("a\x1b[2J\u{202e}b\u{9b}\\"),
            r"a\x1b[2J\u{202e}b\u{009b}\"
        );
        assert!(is_terminal_safe(r"\x07 café"));
        assert!(!is_terminal_safe("\x07"));
        assert!(!is_terminal_safe("\u{2066}"));
        let base = Expectations::default();
        let plan = ProbeForm::new(&base).plan("eth0", &base).unwrap();
        let v = Verdict {
            status: Status::Warning,
            summary: "server said \x1b]52;c;x\x07 \\o/".into(),
            sent: 1,
            sent_by_mode: vec![(Mode::Discover, 1)],
            replies: Vec::new(),
            servers: Vec::new(),
            silent_expected: Vec::new(),
            findings: Vec::new(),
            notes: vec!["note \u{202e}gnp.exe \\share".into()],
        };
        let o = ProbeOutcome::from_verdict(&plan, &v);
        // The summary is escaped once, by the status line: backslashes stay single.
        assert!(
            o.status_line
                .starts_with(r"DHCP WARNING - server said \x1b]52;c;x\x07 \\o/ |"),
            "{}",
            o.status_line
        );
        assert_eq!(o.report[0], o.status_line);
        // A note written raw by the report is still made safe for the terminal.
        assert!(
            o.report
                .iter()
                .any(|l| l == r"  note \u{202e}gnp.exe \share"),
            "{:#?}",
            o.report
        );
        for l in o.report.iter().chain([&o.status_line]) {
            assert!(is_terminal_safe(l), "{l:?}");
        }
    }

    #[test]
    fn plan_follows_the_probe_command_rules() {
        let base = Expectations::default();
        let mut f = ProbeForm::new(&base);
        let p = f.plan("eth0", &base).unwrap();
        assert_eq!(p.modes, [Mode::Discover]);
        assert_eq!(p.crafting.mac, craft::DEFAULT_MAC);
        assert_eq!(p.wait, Duration::from_secs(3));
        assert_eq!(p.tries, 1);
        assert!(p.crafting.broadcast);
        f.mode = Mode::Inform;
        let e = f.plan("eth0", &base).unwrap_err();
        assert!(e.contains("--ciaddr"), "{e}");
        f.ciaddr = "10.0.0.50".into();
        f.hostname = "probe-host".into();
        f.options = "60=str:lab 51=600".into();
        f.expect = "10.0.0.1, 02:53:00:00:00:01".into();
        let p = f.plan("eth0", &base).unwrap();
        assert_eq!(p.ciaddr, Some(Ipv4Addr::new(10, 0, 0, 50)));
        assert_eq!(p.crafting.hostname.as_deref(), Some(&b"probe-host"[..]));
        assert_eq!(p.crafting.extra.len(), 2);
        assert_eq!(p.expectations.servers.len(), 2);
        f.ciaddr = "10.0.0".into();
        assert!(f.plan("eth0", &base).unwrap_err().contains("not an IPv4"));
        f.ciaddr = "10.0.0.50".into();
        f.mac = "ff:ff:ff:ff:ff:ff".into();
        assert!(f.plan("eth0", &base).unwrap_err().contains("unicast"));
        f.mac = "02:44:48:43:50:01".into();
        f.options = "300=1".into();
        assert!(f.plan("eth0", &base).unwrap_err().contains("CODE"));
        f.options.clear();
        f.expect = "nonsense".into();
        assert!(
            f.plan("eth0", &base)
                .unwrap_err()
                .contains("--expect-server")
        );
    }
}
