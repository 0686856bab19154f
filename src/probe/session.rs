//! Sending the probes and collecting what answers, through a [`Link`]: retransmission with
//! back-off, at most four frames per second, DORA's release whatever happens, unicast
//! addressing. Time is the link's clock, so the fake link runs all of it without sleeping.

use super::collect::{Collector, RoundLog, SentFrame};
use super::craft::{self, MessageFields, Route};
use super::link::{self, Link, LiveLink, Until, after};
use super::reply::ReplyInfo;
use super::{Error, Mode, Plan};
use crate::analysis::config::ServerRef;
use crate::dhcp::options::MessageType;
use crate::pipeline;
use crate::source::SourceError;
use crate::time::Timestamp;
use std::net::Ipv4Addr;
use std::ops::ControlFlow;
use std::path::PathBuf;
use std::time::Duration;

/// Smallest gap between two frames we send: at most four per second, whatever the options.
pub const MIN_SEND_GAP: Duration = Duration::from_millis(250);
/// After the first OFFER, how long `dora` keeps collecting before it requests.
pub const DORA_OFFER_GRACE: Duration = Duration::from_millis(500);
/// Listening after a RELEASE or DECLINE (no reply is expected).
pub const GOODBYE_LISTEN: Duration = Duration::from_millis(300);
/// Listening for late replies at the end of a round.
pub const LATE_REPLIES: Duration = Duration::from_millis(50);
/// The longest listening window after back-off.
pub const MAX_WINDOW: Duration = Duration::from_secs(64);

/// A test on a reply.
type ReplyTest<'a> = &'a dyn Fn(&ReplyInfo) -> bool;

fn is_offer(v: &ReplyInfo) -> bool {
    v.is(MessageType::OFFER)
}

fn never(_: &ReplyInfo) -> bool {
    false
}

/// The link and the round in progress.
pub struct Session<L: Link = LiveLink> {
    pub plan: Plan,
    link: L,
    round: Collector,
    last_send: Option<Timestamp>,
    /// Told every transaction id as a request is about to use it.
    xid_listener: Option<Box<dyn FnMut(u32, Mode) + Send>>,
}

impl Session<LiveLink> {
    /// Opens the real link on the plan's interface (needs CAP_NET_RAW). Call
    /// [`crate::privilege::drop_or_warn`] afterwards.
    pub fn open(plan: Plan, savefile: Option<PathBuf>) -> Result<Session, Error> {
        let link = LiveLink::open(&plan.interface, savefile)?;
        Ok(Session::new(plan, link))
    }
}

impl<L: Link> Session<L> {
    /// A session on `link` (the plan's interface should be the link's).
    pub fn new(plan: Plan, link: L) -> Session<L> {
        let round = Collector::new(plan.crafting.mac, plan.expectations.clone());
        Session {
            plan,
            link,
            round,
            last_send: None,
            xid_listener: None,
        }
    }

    pub fn link(&self) -> &L {
        &self.link
    }

    pub fn link_mut(&mut self) -> &mut L {
        &mut self.link
    }

    /// Replaces the plan for the next rounds (the TUI's probe form). The interface stays the
    /// one the link was opened on.
    pub fn set_plan(&mut self, plan: Plan) -> Result<(), Error> {
        if plan.interface != self.plan.interface {
            return Err(Error::OtherInterface {
                open: crate::escape::escape_str(&self.plan.interface),
                asked: crate::escape::escape_str(&plan.interface),
            });
        }
        self.plan = plan;
        Ok(())
    }

    /// Calls `f` with each transaction id before the request that uses it is sent, so a
    /// live view can mark the probe's messages as they are captured.
    pub fn set_xid_listener(&mut self, f: Box<dyn FnMut(u32, Mode) + Send>) {
        self.xid_listener = Some(f);
    }

    /// Drops the frames the capture queued since the last round (at most `limit` of reading),
    /// so an idle session's next round judges only what answers it. Returns how many.
    pub fn discard_pending(&mut self, limit: Duration) -> Result<u64, Error> {
        let end = after(self.link.now(), limit);
        let mut n = 0;
        while self.link.now() < end {
            let now = self.link.now();
            if self.link.recv(now)?.is_none() {
                break;
            }
            n += 1;
        }
        Ok(n)
    }

    /// Waits between rounds, dropping what the capture sees; false when interrupted.
    pub fn pause(&mut self, d: Duration) -> Result<bool, Error> {
        let end = after(self.link.now(), d);
        while self.link.now() < end && !self.interrupted() {
            if self.link.recv(end)?.is_none() {
                break;
            }
        }
        Ok(!self.interrupted())
    }

    /// Runs every mode once and returns what happened.
    pub fn run_round(&mut self) -> Result<RoundLog, Error> {
        self.round = Collector::new(self.plan.crafting.mac, self.plan.expectations.clone());
        for mode in self.plan.modes.clone() {
            if self.interrupted() {
                break;
            }
            self.run_mode(mode)?;
        }
        // Late replies to the last request (and our own frames still in the ring).
        self.listen_for(LATE_REPLIES)?;
        let round = std::mem::take(&mut self.round);
        Ok(round.finish())
    }

    /// Runs one mode.
    pub fn run_mode(&mut self, mode: Mode) -> Result<(), Error> {
        let xid = self.begin(mode);
        match mode {
            Mode::Dora => return self.run_dora(xid),
            Mode::Release | Mode::Decline => return self.goodbye(mode, xid),
            _ => {}
        }
        let (fields, route) = self.request(mode, xid);
        let done: ReplyTest = if mode == Mode::Discover {
            &is_offer
        } else {
            &|_| true
        };
        self.transact(mode, fields, route, done, None)?;
        Ok(())
    }

    /// The message and route of a mode that waits for answers (not dora, release, decline).
    fn request(&self, mode: Mode, xid: u32) -> (MessageFields, Route) {
        let plan = &self.plan;
        let broadcast = |f: MessageFields| (f, self.route(f.ciaddr, None));
        match mode {
            Mode::Request => {
                let mut f = fields(MessageType::REQUEST, xid);
                f.server_id = Some(plan.server_id.unwrap_or(craft::BOGUS_SERVER_ID));
                f.requested_ip = Some(plan.requested_ip.unwrap_or(craft::WRONG_SUBNET_IP));
                broadcast(f)
            }
            Mode::InitReboot => {
                let mut f = fields(MessageType::REQUEST, xid);
                f.requested_ip = Some(plan.requested_ip.unwrap_or(craft::WRONG_SUBNET_IP));
                broadcast(f)
            }
            Mode::Rebind => {
                let mut f = fields(MessageType::REQUEST, xid);
                f.ciaddr = plan.ciaddr.unwrap_or(craft::WRONG_SUBNET_IP);
                broadcast(f)
            }
            Mode::Inform => {
                let mut f = fields(MessageType::INFORM, xid);
                f.ciaddr = plan.ciaddr.unwrap_or(Ipv4Addr::UNSPECIFIED);
                (f, self.route(f.ciaddr, plan.server))
            }
            // Dora, release and decline run their own steps (a DORA starts with this one).
            Mode::Discover | Mode::Dora | Mode::Release | Mode::Decline => {
                broadcast(fields(MessageType::DISCOVER, xid))
            }
        }
    }

    /// RELEASE or DECLINE: sent once, then a short listen (nobody should answer).
    fn goodbye(&mut self, mode: Mode, xid: u32) -> Result<(), Error> {
        let plan = &self.plan;
        let (f, route) = if mode == Mode::Release {
            let server = plan
                .server_id
                .or(plan.server)
                .unwrap_or(Ipv4Addr::BROADCAST);
            let mut f = fields(MessageType::RELEASE, xid);
            f.ciaddr = plan.ciaddr.unwrap_or(Ipv4Addr::UNSPECIFIED);
            f.server_id = Some(server);
            (f, self.route(f.ciaddr, Some(plan.server.unwrap_or(server))))
        } else {
            let mut f = fields(MessageType::DECLINE, xid);
            f.requested_ip = plan.requested_ip;
            f.server_id = plan.server_id.or(plan.server);
            (f, self.route(Ipv4Addr::UNSPECIFIED, None))
        };
        let frame = self.frame(&route, &f);
        self.send(mode, xid, f.msg_type, frame)?;
        self.listen_for(GOODBYE_LISTEN)?;
        Ok(())
    }

    /// DISCOVER → OFFER → REQUEST → ACK, then RELEASE. Once the REQUEST went out, the
    /// RELEASE goes to the chosen server whatever happens (a NAK, no answer, Ctrl-C, an
    /// error): no lease is left behind. Only the chosen server's ACK or NAK ends the wait;
    /// another server's NAK does not.
    fn run_dora(&mut self, xid: u32) -> Result<(), Error> {
        let mode = Mode::Dora;
        let (f, route) = self.request(mode, xid);
        let from = self.transact(mode, f, route, &is_offer, Some(DORA_OFFER_GRACE))?;
        let Some(offer) = self.chosen_offer(from, xid) else {
            self.note("dora: no OFFER, nothing requested");
            return Ok(());
        };
        let (server, address, offer_mac) = (offer.server(), offer.yiaddr, offer.src_mac);
        if self.interrupted() {
            self.note("dora: interrupted before REQUEST, nothing leased");
            return Ok(());
        }
        let mut f = fields(MessageType::REQUEST, xid);
        f.server_id = Some(server);
        f.requested_ip = Some(address);
        let route = self.route(Ipv4Addr::UNSPECIFIED, None);
        let sent_before = self.round.log.sent.len();
        let from = self.round.log.replies.len();
        let from_chosen = move |v: &ReplyInfo| {
            v.server() == server && (v.is(MessageType::ACK) || v.is(MessageType::NAK))
        };
        let requested = self.transact(mode, f, route, &from_chosen, Some(Duration::ZERO));
        let request_went_out = self.round.log.sent[sent_before..]
            .iter()
            .any(|s| s.xid == xid && s.msg_type == MessageType::REQUEST);
        if !request_went_out {
            return requested.map(|_| ());
        }
        let answer = self.round.log.replies[from..]
            .iter()
            .find(|v| v.xid == xid && from_chosen(v))
            .cloned();
        let released = self.release(server, address, offer_mac, answer.as_ref());
        requested?;
        released
    }

    /// The OFFER dora requests: an expected server's when there is one, else the first.
    fn chosen_offer(&self, from: usize, xid: u32) -> Option<ReplyInfo> {
        let offers: Vec<&ReplyInfo> = self.round.log.replies[from..]
            .iter()
            .filter(|v| v.xid == xid && is_offer(v) && !v.yiaddr.is_unspecified())
            .collect();
        offers
            .iter()
            .find(|v| self.preferred(v))
            .or(offers.first())
            .map(|v| (*v).clone())
    }

    /// True when `v` comes from a server the admin expects (or no expectation was given).
    fn preferred(&self, v: &ReplyInfo) -> bool {
        let e = &self.plan.expectations;
        e.servers.is_empty()
            || e.servers.iter().any(|r| match r {
                ServerRef::Ip(ip) => v.server_id == Some(*ip) || v.src_ip == *ip,
                ServerRef::Mac(mac) => v.src_mac == Some(*mac),
            })
    }

    /// The DORA's RELEASE of `address` to `server`, unicast from the address (RFC 2131
    /// §4.4.4), after the chosen server's `answer` (if any). Sent even if the capture failed
    /// meanwhile; that error is returned afterwards.
    fn release(
        &mut self,
        server: Ipv4Addr,
        address: Ipv4Addr,
        offer_mac: Option<[u8; 6]>,
        answer: Option<&ReplyInfo>,
    ) -> Result<(), Error> {
        let mode = Mode::Dora;
        let nak = answer.is_some_and(|v| v.is(MessageType::NAK));
        let leased = answer
            .filter(|_| !nak)
            .map(|v| v.yiaddr)
            .filter(|a| !a.is_unspecified())
            .unwrap_or(address);
        let rxid = self.begin(mode);
        let mut rf = fields(MessageType::RELEASE, rxid);
        rf.ciaddr = leased;
        rf.server_id = Some(server);
        let mut route = self.route(leased, Some(server));
        if self.plan.crafting.relay.is_none()
            && self.plan.server_mac.is_none()
            && let Some(m) = answer.and_then(|v| v.src_mac).or(offer_mac)
        {
            route.dst_mac = m;
        }
        let frame = self.frame(&route, &rf);
        let gap = self.wait_send_gap();
        self.send_now(mode, rxid, MessageType::RELEASE, frame)?;
        self.round.log.released.push((leased, server));
        self.note(&match answer {
            Some(_) if nak => {
                format!("dora: {server} NAKed the REQUEST for {address}; released it anyway")
            }
            Some(_) => format!("dora: leased {leased} from {server}, then released it"),
            None => {
                format!("dora: requested {leased} from {server} (no ACK seen), then released it")
            }
        });
        gap?;
        self.listen_for(GOODBYE_LISTEN)?;
        Ok(())
    }

    /// Sends a request with retransmission and back-off; returns the index (in the round's
    /// replies) of the first reply of this step. A reply to our xid for which `done` holds
    /// ends the retries; with `grace`, listening also stops that long after it (else the
    /// whole window is listened to).
    fn transact(
        &mut self,
        mode: Mode,
        mut fields: MessageFields,
        route: Route,
        done: ReplyTest,
        grace: Option<Duration>,
    ) -> Result<usize, Error> {
        let from = self.round.log.replies.len();
        let started = self.link.now();
        let xid = fields.xid;
        let answered = |v: &ReplyInfo| v.xid == xid && done(v);
        let mut window = self.plan.wait;
        for _attempt in 0..self.plan.tries {
            if self.interrupted() {
                break;
            }
            let elapsed = link::until(started, self.link.now()).as_secs();
            fields.secs = u16::try_from(elapsed).unwrap_or(u16::MAX);
            let frame = self.frame(&route, &fields);
            self.send(mode, xid, fields.msg_type, frame)?;
            let end = after(self.link.now(), window);
            self.listen_window(from, end, &answered, grace)?;
            if self.has_reply(from, &answered) {
                break;
            }
            window = (window * 2).min(MAX_WINDOW);
        }
        Ok(from)
    }

    /// Listens until `end`; with `grace`, only until that long after the first reply that
    /// `answered` accepts.
    fn listen_window(
        &mut self,
        from: usize,
        end: Timestamp,
        answered: ReplyTest,
        grace: Option<Duration>,
    ) -> Result<(), Error> {
        let Some(grace) = grace else {
            self.listen(end, &never)?;
            return Ok(());
        };
        if self.has_reply(from, answered) || self.listen(end, answered)? {
            let grace_end = after(self.link.now(), grace).min(end);
            self.listen(grace_end, &never)?;
        }
        Ok(())
    }

    /// Reads the capture until `end` through the shared read path; stops early (returning
    /// true) at the first new reply `stop` accepts.
    fn listen(&mut self, end: Timestamp, stop: ReplyTest) -> Result<bool, SourceError> {
        let mut source = Until {
            link: &mut self.link,
            until: end,
        };
        let round = &mut self.round;
        let mut stopped = false;
        let summary = pipeline::read_dhcp_with_frames(&mut source, |p| match round.on_packet(p) {
            Some(reply) if stop(reply) => {
                stopped = true;
                ControlFlow::Break(())
            }
            _ => ControlFlow::Continue(()),
        });
        match summary.error {
            Some(e) => Err(e),
            None => Ok(stopped),
        }
    }

    fn listen_for(&mut self, d: Duration) -> Result<(), SourceError> {
        let end = after(self.link.now(), d);
        self.listen(end, &never).map(|_| ())
    }

    /// True when a reply captured since `from` passes `test`.
    fn has_reply(&self, from: usize, test: ReplyTest) -> bool {
        self.round.log.replies[from..].iter().any(test)
    }

    fn interrupted(&self) -> bool {
        self.link.is_finished()
    }

    fn note(&mut self, s: &str) {
        self.round.log.notes.push(s.to_owned());
    }

    /// A fresh xid for `mode`, announced to the listener.
    fn begin(&mut self, mode: Mode) -> u32 {
        let mut xid = self.link.new_xid();
        while self.round.log.mode_of(xid).is_some() {
            xid = xid.wrapping_add(1).max(1);
        }
        self.round.log.xids.push((xid, mode));
        if let Some(f) = &mut self.xid_listener {
            f(xid, mode);
        }
        xid
    }

    /// Waits until [`MIN_SEND_GAP`] has passed since the last frame we sent, listening
    /// meanwhile (replies to the previous request still count). If the capture fails, the
    /// rest of the gap is waited before the error is returned, so a caller that must send
    /// anyway (the DORA release) still keeps the rate limit.
    fn wait_send_gap(&mut self) -> Result<(), SourceError> {
        let Some(last) = self.last_send else {
            return Ok(());
        };
        let gap_end = after(last, MIN_SEND_GAP);
        let listened = if self.interrupted() {
            Ok(false)
        } else {
            self.listen(gap_end, &never)
        };
        // The capture may end (or fail) before the gap does.
        self.link.sleep_until(gap_end);
        listened.map(|_| ())
    }

    /// Sends one frame, never sooner than [`MIN_SEND_GAP`] after the previous one.
    fn send(
        &mut self,
        mode: Mode,
        xid: u32,
        msg_type: MessageType,
        frame: Vec<u8>,
    ) -> Result<(), Error> {
        self.wait_send_gap()?;
        self.send_now(mode, xid, msg_type, frame)
    }

    fn send_now(
        &mut self,
        mode: Mode,
        xid: u32,
        msg_type: MessageType,
        frame: Vec<u8>,
    ) -> Result<(), Error> {
        let ts = self.link.send(&frame)?;
        self.last_send = Some(self.link.now());
        self.round.sent(SentFrame {
            mode,
            xid,
            msg_type,
            ts,
            seen_by_capture: false,
            frame,
        });
        Ok(())
    }

    /// The MAC to unicast to `ip`: --server-mac, a reply from it, the ARP table, broadcast.
    fn mac_for(&self, ip: Ipv4Addr) -> [u8; 6] {
        if let Some(m) = self.plan.server_mac {
            return m;
        }
        let learned = self.round.log.replies.iter().find_map(|v| {
            (v.server_id == Some(ip) || v.src_ip == ip)
                .then_some(v.src_mac)
                .flatten()
        });
        learned
            .or_else(|| craft::neighbour_mac(ip))
            .unwrap_or(crate::craft::BROADCAST_MAC)
    }

    /// Layer 2/3 addressing of a client message from `src_ip`, to `unicast` when given.
    fn route(&self, src_ip: Ipv4Addr, unicast: Option<Ipv4Addr>) -> Route {
        let plan = &self.plan;
        if let Some(r) = &plan.crafting.relay {
            return Route {
                src_mac: plan
                    .ether_src
                    .or(self.link.interface_mac())
                    .unwrap_or(plan.crafting.mac),
                dst_mac: self.mac_for(r.server),
                src_ip: r.giaddr,
                dst_ip: r.server,
                src_port: 67,
            };
        }
        let src_mac = plan.ether_src.unwrap_or(plan.crafting.mac);
        match unicast {
            Some(dst) => Route {
                src_mac,
                dst_mac: self.mac_for(dst),
                src_ip,
                dst_ip: dst,
                src_port: 68,
            },
            None => Route::broadcast(src_mac, src_ip),
        }
    }

    fn frame(&self, route: &Route, fields: &MessageFields) -> Vec<u8> {
        let payload = craft::build_message(&self.plan.crafting, fields);
        craft::build_frame(route, &self.plan.vlans, &payload)
    }

    pub fn interface_mac(&self) -> Option<[u8; 6]> {
        self.link.interface_mac()
    }
}

fn fields(msg_type: MessageType, xid: u32) -> MessageFields {
    MessageFields {
        msg_type,
        xid,
        secs: 0,
        ciaddr: Ipv4Addr::UNSPECIFIED,
        requested_ip: None,
        server_id: None,
    }
}
