//! The filter language shared by the TUI client list, `report --filter`, `decode --filter`
//! and `export --filter`.
//!
//! ```text
//! expr    := or
//! or      := and ( "or" and )*
//! and     := unary ( ["and"] unary )*        adjacent terms are ANDed
//! unary   := "not" unary | "(" expr ")" | term
//! term    := key ":" value | "rogue" | "victim" | word
//! ```
//!
//! Typed terms: `mac:` (any notation, or a prefix), `ip:` (an address or a CIDR), `host:`,
//! `vlan:`, `server:` (an address or a CIDR), `kind:`, `outcome:`, `sev:` (at least this
//! severity), `vendor:` (the DHCP vendor class, option 60), `circuit:` (the relay agent's
//! circuit id, option 82.1). A bare word keeps the old substring match over MAC, hostname,
//! vendor class, addresses and message types. Keywords are case-insensitive. Parsing never
//! panics; an error carries the byte position it concerns.

use crate::analysis::{Analysis, Client, Kind, MessageRecord, Outcome, Severity};
use crate::mac::MacAddr;
use crate::pipeline::Packet;
use std::collections::HashMap;
use std::fmt;
use std::net::Ipv4Addr;

/// Why a filter does not parse, and where (byte offset into the text).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("at column {}: {message}", pos + 1)]
pub struct ParseError {
    pub pos: usize,
    pub message: String,
}

fn err<T>(pos: usize, message: impl Into<String>) -> Result<T, ParseError> {
    Err(ParseError {
        pos,
        message: message.into(),
    })
}

/// A MAC address or a prefix of one, compared nibble by nibble.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MacPattern {
    bytes: [u8; 6],
    /// Hex digits that must match (12 for a whole address).
    nibbles: u8,
}

impl MacPattern {
    /// A whole MAC in any notation [`MacAddr`] reads, or a prefix of hex digits with any of
    /// the separators `:`, `-`, `.` (`00:1b:21`, `001b.21`, `001b21`).
    pub fn parse(s: &str) -> Option<MacPattern> {
        if let Ok(m) = s.parse::<MacAddr>() {
            return Some(MacPattern {
                bytes: m.0,
                nibbles: 12,
            });
        }
        let mut bytes = [0u8; 6];
        let mut n = 0u8;
        // A colon or dash group of one digit is a whole byte (`0:1b` is `00:1b`).
        let groups: Vec<&str> = if s.contains([':', '-']) {
            s.split([':', '-']).collect()
        } else {
            vec![s]
        };
        let colon_style = groups.len() > 1;
        for (gi, g) in groups.iter().enumerate() {
            let g = g.replace('.', "");
            if g.is_empty() || !g.bytes().all(|b| b.is_ascii_hexdigit()) {
                return None;
            }
            if colon_style && g.len() > 2 {
                return None;
            }
            let last = gi + 1 == groups.len();
            let digits: Vec<u8> = if colon_style && g.len() == 1 && !last {
                vec![b'0', g.as_bytes()[0]]
            } else {
                g.bytes().collect()
            };
            for d in digits {
                if n >= 12 {
                    return None;
                }
                let v = (d as char).to_digit(16)? as u8;
                let byte = &mut bytes[usize::from(n / 2)];
                if n.is_multiple_of(2) {
                    *byte = v << 4;
                } else {
                    *byte |= v;
                }
                n += 1;
            }
        }
        (n > 0).then_some(MacPattern { bytes, nibbles: n })
    }

    pub fn matches(&self, mac: &[u8]) -> bool {
        if mac.len() < usize::from(self.nibbles).div_ceil(2) {
            return false;
        }
        (0..usize::from(self.nibbles)).all(|i| {
            let (a, b) = (mac[i / 2], self.bytes[i / 2]);
            if i % 2 == 0 {
                a >> 4 == b >> 4
            } else {
                a & 0xf == b & 0xf
            }
        }) && (self.nibbles < 12 || mac.len() == 6)
    }
}

/// An IPv4 network (an address is a /32).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Net {
    pub addr: Ipv4Addr,
    pub prefix: u8,
}

impl Net {
    pub fn parse(s: &str) -> Option<Net> {
        let (a, p) = match s.split_once('/') {
            Some((a, p)) => (a, p.parse::<u8>().ok().filter(|p| *p <= 32)?),
            None => (s, 32),
        };
        Some(Net {
            addr: a.parse().ok()?,
            prefix: p,
        })
    }

    pub fn contains(&self, ip: Ipv4Addr) -> bool {
        let mask = if self.prefix == 0 {
            0
        } else {
            u32::MAX << (32 - u32::from(self.prefix))
        };
        u32::from(ip) & mask == u32::from(self.addr) & mask
    }
}

/// One term of the language.
#[derive(Debug, Clone, PartialEq)]
pub enum Term {
    Mac(MacPattern),
    Ip(Net),
    Host(String),
    Vlan(u16),
    Server(Net),
    Kind(Kind),
    Outcome(Outcome),
    Sev(Severity),
    Vendor(String),
    Circuit(String),
    /// Clients a server the admin did not expect answered.
    Rogue,
    /// Clients that took an address from such a server (an ACK with an address).
    Victim,
    /// A bare word: lower-case substring, and the MAC it spells if it spells one.
    Word(String, Option<MacAddr>),
}

impl Term {
    /// Whether a single packet carries what the term asks about (`decode`, `export`).
    fn applies_to_packets(&self) -> bool {
        !matches!(
            self,
            Term::Kind(_) | Term::Outcome(_) | Term::Sev(_) | Term::Rogue | Term::Victim
        )
    }
}

/// A parsed expression.
#[derive(Debug, Clone, PartialEq)]
pub enum Expr {
    Term(Term, usize),
    Not(Box<Expr>),
    And(Box<Expr>, Box<Expr>),
    Or(Box<Expr>, Box<Expr>),
}

/// A parsed filter; the empty filter matches everything.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Filter {
    expr: Option<Expr>,
}

/// The typed keys, for the error message and the TUI hint.
pub const KEYS: &str = "mac: ip: host: vlan: server: kind: outcome: sev: vendor: circuit:";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Tok<'a> {
    Open,
    Close,
    Word(&'a str),
}

fn lex(s: &str) -> Vec<(Tok<'_>, usize)> {
    let mut out = Vec::new();
    let mut start = None;
    for (i, c) in s.char_indices() {
        let sep = c.is_whitespace() || c == '(' || c == ')';
        if sep {
            if let Some(st) = start.take() {
                out.push((Tok::Word(&s[st..i]), st));
            }
            if c == '(' {
                out.push((Tok::Open, i));
            } else if c == ')' {
                out.push((Tok::Close, i));
            }
        } else if start.is_none() {
            start = Some(i);
        }
    }
    if let Some(st) = start {
        out.push((Tok::Word(&s[st..]), st));
    }
    out
}

struct Parser<'a> {
    toks: Vec<(Tok<'a>, usize)>,
    at: usize,
    end: usize,
}

fn keyword(t: Option<&(Tok<'_>, usize)>, k: &str) -> bool {
    matches!(t, Some((Tok::Word(w), _)) if w.eq_ignore_ascii_case(k))
}

impl<'a> Parser<'a> {
    fn peek(&self) -> Option<&(Tok<'a>, usize)> {
        self.toks.get(self.at)
    }

    fn pos(&self) -> usize {
        self.peek().map_or(self.end, |t| t.1)
    }

    fn or(&mut self) -> Result<Expr, ParseError> {
        let mut left = self.and()?;
        while keyword(self.peek(), "or") {
            self.at += 1;
            let right = self.and()?;
            left = Expr::Or(Box::new(left), Box::new(right));
        }
        Ok(left)
    }

    fn and(&mut self) -> Result<Expr, ParseError> {
        let mut left = self.unary()?;
        loop {
            match self.peek() {
                None | Some((Tok::Close, _)) => break,
                t if keyword(t, "or") => break,
                t if keyword(t, "and") => self.at += 1,
                _ => {}
            }
            let right = self.unary()?;
            left = Expr::And(Box::new(left), Box::new(right));
        }
        Ok(left)
    }

    fn unary(&mut self) -> Result<Expr, ParseError> {
        let pos = self.pos();
        match self.peek().copied() {
            None => err(pos, "expected a term"),
            Some((Tok::Close, _)) => err(pos, "unexpected `)`"),
            Some((Tok::Open, _)) => {
                self.at += 1;
                let e = self.or()?;
                match self.peek() {
                    Some((Tok::Close, _)) => {
                        self.at += 1;
                        Ok(e)
                    }
                    _ => err(
                        self.pos(),
                        format!("`(` at column {} is not closed", pos + 1),
                    ),
                }
            }
            Some((Tok::Word(w), _)) if w.eq_ignore_ascii_case("not") => {
                self.at += 1;
                Ok(Expr::Not(Box::new(self.unary()?)))
            }
            Some((Tok::Word(w), _))
                if w.eq_ignore_ascii_case("and") || w.eq_ignore_ascii_case("or") =>
            {
                err(pos, format!("`{w}` needs a term before it"))
            }
            Some((Tok::Word(w), p)) => {
                self.at += 1;
                Ok(Expr::Term(term(w, p)?, p))
            }
        }
    }
}

fn names<T: Copy>(all: &[T], name: impl Fn(T) -> &'static str) -> String {
    all.iter()
        .map(|t| name(*t).to_ascii_lowercase())
        .collect::<Vec<_>>()
        .join(", ")
}

/// Upper-case, `-` and `_` alike.
fn same_name(a: &str, b: &str) -> bool {
    let norm = |s: &str| -> String {
        s.chars()
            .filter(|c| *c != '-' && *c != '_')
            .map(|c| c.to_ascii_uppercase())
            .collect()
    };
    norm(a) == norm(b)
}

const KINDS: [Kind; 9] = [
    Kind::Dora,
    Kind::InitReboot,
    Kind::Renew,
    Kind::Rebind,
    Kind::Inform,
    Kind::Release,
    Kind::Decline,
    Kind::Bootp,
    Kind::Other,
];
const OUTCOMES: [Outcome; 8] = [
    Outcome::Pending,
    Outcome::Ack,
    Outcome::Nak,
    Outcome::NoOffer,
    Outcome::NoAnswer,
    Outcome::Incomplete,
    Outcome::Released,
    Outcome::Declined,
];

fn term(w: &str, pos: usize) -> Result<Term, ParseError> {
    if w.eq_ignore_ascii_case("rogue") {
        return Ok(Term::Rogue);
    }
    if w.eq_ignore_ascii_case("victim") {
        return Ok(Term::Victim);
    }
    let Some((key, value)) = w.split_once(':') else {
        return Ok(word(w));
    };
    let vpos = pos + key.len() + 1;
    let key_l = key.to_ascii_lowercase();
    let known = [
        "mac", "ip", "host", "vlan", "server", "kind", "outcome", "sev", "vendor", "circuit",
    ];
    if !known.contains(&key_l.as_str()) {
        // `02:00:…` and other hex before a colon are MACs typed bare.
        if key.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Ok(word(w));
        }
        return err(pos, format!("unknown term `{key}:` (known: {KEYS})"));
    }
    if value.is_empty() {
        return err(vpos, format!("`{key_l}:` needs a value"));
    }
    let lower = value.to_lowercase();
    Ok(match key_l.as_str() {
        "mac" => match MacPattern::parse(value) {
            Some(m) => Term::Mac(m),
            None => {
                return err(
                    vpos,
                    "not a MAC or MAC prefix (aa:bb:cc:dd:ee:ff, aa-bb-…, aabb.ccdd.eeff, aabbccddeeff, aa:bb)",
                );
            }
        },
        "ip" | "server" => match Net::parse(value) {
            Some(n) if key_l == "ip" => Term::Ip(n),
            Some(n) => Term::Server(n),
            None => return err(vpos, "not an IPv4 address or CIDR (10.0.0.7, 10.0.0.0/24)"),
        },
        "vlan" => match value.parse::<u16>() {
            Ok(v) if v <= 4095 => Term::Vlan(v),
            _ => return err(vpos, "not a VLAN id (0 to 4095)"),
        },
        "kind" => match KINDS.iter().find(|k| same_name(k.name(), value)) {
            Some(k) => Term::Kind(*k),
            None => {
                return err(
                    vpos,
                    format!("unknown kind (one of {})", names(&KINDS, Kind::name)),
                );
            }
        },
        "outcome" => match OUTCOMES.iter().find(|o| same_name(o.name(), value)) {
            Some(o) => Term::Outcome(*o),
            None => {
                return err(
                    vpos,
                    format!(
                        "unknown outcome (one of {})",
                        names(&OUTCOMES, Outcome::name)
                    ),
                );
            }
        },
        "sev" => match lower.as_str() {
            "info" => Term::Sev(Severity::Info),
            "warn" | "warning" => Term::Sev(Severity::Warning),
            "crit" | "critical" => Term::Sev(Severity::Critical),
            _ => return err(vpos, "unknown severity (info, warning, critical)"),
        },
        "host" => Term::Host(lower),
        "vendor" => Term::Vendor(lower),
        _ => Term::Circuit(lower),
    })
}

fn word(w: &str) -> Term {
    Term::Word(w.to_lowercase(), w.parse::<MacAddr>().ok())
}

impl Filter {
    /// Parses `text`; blank text is the filter that keeps everything.
    pub fn parse(text: &str) -> Result<Filter, ParseError> {
        let toks = lex(text);
        if toks.is_empty() {
            return Ok(Filter::default());
        }
        let mut p = Parser {
            toks,
            at: 0,
            end: text.len(),
        };
        let e = p.or()?;
        if let Some((_, pos)) = p.peek() {
            return err(*pos, "unexpected `)`");
        }
        Ok(Filter { expr: Some(e) })
    }

    pub fn is_empty(&self) -> bool {
        self.expr.is_none()
    }

    pub fn expr(&self) -> Option<&Expr> {
        self.expr.as_ref()
    }

    /// The bare words of the expression (lower-case), for [`WordIndex::hits`].
    pub fn words(&self) -> Vec<&str> {
        fn walk<'e>(e: &'e Expr, out: &mut Vec<&'e str>) {
            match e {
                Expr::Term(Term::Word(w, _), _) => out.push(w),
                Expr::Term(..) => {}
                Expr::Not(a) => walk(a, out),
                Expr::And(a, b) | Expr::Or(a, b) => {
                    walk(a, out);
                    walk(b, out);
                }
            }
        }
        let mut out = Vec::new();
        if let Some(e) = &self.expr {
            walk(e, &mut out);
        }
        out
    }

    /// An error when a term needs the exchange model (`kind:`, `outcome:`, `sev:`, `rogue`,
    /// `victim`): packet filters (`decode`, `export`) cannot answer those.
    pub fn check_packet_terms(&self) -> Result<(), ParseError> {
        fn walk(e: &Expr) -> Result<(), ParseError> {
            match e {
                Expr::Term(t, pos) if !t.applies_to_packets() => err(
                    *pos,
                    "this term needs the exchange model; a packet filter takes mac: ip: host: \
                     vlan: server: vendor: circuit: and words",
                ),
                Expr::Term(..) => Ok(()),
                Expr::Not(a) => walk(a),
                Expr::And(a, b) | Expr::Or(a, b) => walk(a).and(walk(b)),
            }
        }
        self.expr.as_ref().map_or(Ok(()), walk)
    }

    /// Whether client `c` (at index `index` of the analysis) matches.
    pub fn matches_client(&self, c: &Client, index: usize, facts: &ClientFacts<'_>) -> bool {
        self.expr
            .as_ref()
            .is_none_or(|e| eval(e, &mut |t| client_term(t, c, index, facts)))
    }

    /// Whether a message of a client the filter kept matches: what the timeline highlights
    /// and `n` walks to. Terms about the whole client count as true here; a filter with no
    /// term about messages highlights nothing.
    pub fn matches_message(&self, r: &MessageRecord) -> bool {
        let Some(e) = &self.expr else {
            return false;
        };
        has_message_term(e) && eval(e, &mut |t| message_term(t, r))
    }

    /// Whether one packet matches (`decode --filter`, `export --filter`).
    pub fn matches_packet(&self, p: &Packet<'_>) -> bool {
        self.expr
            .as_ref()
            .is_none_or(|e| eval(e, &mut |t| packet_term(t, p)))
    }
}

impl std::str::FromStr for Filter {
    type Err = ParseError;
    fn from_str(s: &str) -> Result<Self, ParseError> {
        Filter::parse(s)
    }
}

impl fmt::Display for Expr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Expr::Term(t, _) => write!(f, "{t:?}"),
            Expr::Not(a) => write!(f, "(not {a})"),
            Expr::And(a, b) => write!(f, "({a} and {b})"),
            Expr::Or(a, b) => write!(f, "({a} or {b})"),
        }
    }
}

fn eval(e: &Expr, term: &mut impl FnMut(&Term) -> bool) -> bool {
    match e {
        Expr::Term(t, _) => term(t),
        Expr::Not(a) => !eval(a, term),
        Expr::And(a, b) => eval(a, term) && eval(b, term),
        Expr::Or(a, b) => eval(a, term) || eval(b, term),
    }
}

fn has_message_term(e: &Expr) -> bool {
    match e {
        Expr::Term(t, _) => matches!(
            t,
            Term::Mac(_) | Term::Ip(_) | Term::Vlan(_) | Term::Server(_) | Term::Word(..)
        ),
        Expr::Not(a) => has_message_term(a),
        Expr::And(a, b) | Expr::Or(a, b) => has_message_term(a) || has_message_term(b),
    }
}

/// What the client terms need from the whole analysis, computed once per model change
/// (not per keystroke).
#[derive(Debug, Clone, Copy, Default)]
pub struct ClientFacts<'a> {
    /// The worst finding of each client, by client index.
    pub worst: &'a [Option<Severity>],
    /// Servers the admin did not expect (`Server::expected == Some(false)`).
    pub rogue_servers: &'a [Ipv4Addr],
    /// Precomputed bare-word hits ([`WordIndex::hits`]), one flag per client; a word not
    /// listed is matched client by client.
    pub words: &'a [(String, Vec<bool>)],
}

/// Every client's searchable text (MAC, hostname, vendor class, addresses, message types,
/// lower-case, one field a line) in one buffer, so a bare word is one substring scan over
/// all clients instead of formatting every address of every message at each keystroke.
#[derive(Debug, Clone, Default)]
pub struct WordIndex {
    text: Vec<u8>,
    /// Where each client's text starts; `text.len()` closes the last.
    starts: Vec<u32>,
}

impl WordIndex {
    pub fn build(a: &Analysis) -> WordIndex {
        let mut text = Vec::with_capacity(a.clients.len() * 96);
        let mut starts = Vec::with_capacity(a.clients.len());
        let mut ips: Vec<Ipv4Addr> = Vec::new();
        let mut types: Vec<std::borrow::Cow<'static, str>> = Vec::new();
        for c in &a.clients {
            starts.push(u32::try_from(text.len()).unwrap_or(u32::MAX));
            text.push(b'\n');
            if let Some(m) = hex_colon(&c.chaddr, &mut [0u8; 48]) {
                text.extend_from_slice(m);
                text.push(b'\n');
            }
            for s in [&c.hostname, &c.vendor_class].into_iter().flatten() {
                text.extend(
                    s.to_lowercase()
                        .bytes()
                        .map(|b| if b == b'\n' { b' ' } else { b }),
                );
                text.push(b'\n');
            }
            ips.clear();
            types.clear();
            for e in &c.exchanges {
                ips.extend(e.address);
                ips.extend(e.server_id);
                for o in &e.offers {
                    ips.push(o.server_id);
                    ips.push(o.yiaddr);
                }
                for r in &e.messages {
                    ips.extend(
                        [
                            Some(r.src_ip),
                            Some(r.yiaddr),
                            Some(r.ciaddr),
                            r.server_id,
                            r.requested_ip,
                        ]
                        .into_iter()
                        .flatten(),
                    );
                    let t = r.type_name();
                    if !types.contains(&t) {
                        types.push(t);
                    }
                }
            }
            ips.sort_unstable();
            ips.dedup();
            for ip in ips.iter().filter(|ip| !ip.is_unspecified()) {
                text.extend_from_slice(ip_text(*ip, &mut [0u8; 15]));
                text.push(b'\n');
            }
            for t in &types {
                text.extend(t.bytes().map(|b| b.to_ascii_lowercase()));
                text.push(b'\n');
            }
        }
        WordIndex { text, starts }
    }

    /// Which clients' text contains `word` (lower-case); a word typed with dashes also
    /// matches the MAC's colon text, as before.
    pub fn hits(&self, word: &str) -> Vec<bool> {
        let mut out = vec![false; self.starts.len()];
        let mut scan = |needle: &[u8]| {
            for pos in memchr::memmem::find_iter(&self.text, needle) {
                let pos = u32::try_from(pos).unwrap_or(u32::MAX);
                let i = self.starts.partition_point(|s| *s <= pos).saturating_sub(1);
                if let Some(slot) = out.get_mut(i) {
                    *slot = true;
                }
            }
        };
        scan(word.as_bytes());
        if word.contains('-')
            && !word.contains(':')
            && word.bytes().all(|b| b.is_ascii_hexdigit() || b == b'-')
        {
            scan(word.replace('-', ":").as_bytes());
        }
        out
    }

    pub fn clients(&self) -> usize {
        self.starts.len()
    }
}

/// The worst finding of each client, by index: a finding names its client by MAC; a critical
/// finding about a server alone (an unexpected server) counts for every client it answered.
pub fn worst_severities(a: &Analysis) -> Vec<Option<Severity>> {
    let mut worst = vec![None; a.clients.len()];
    let mut by_mac: HashMap<&str, Severity> = HashMap::new();
    for f in &a.findings {
        if let Some(c) = &f.client {
            let s = by_mac.entry(c.as_str()).or_insert(f.severity);
            *s = (*s).max(f.severity);
        }
    }
    let server_marks: Vec<(Ipv4Addr, Severity)> = a
        .findings
        .iter()
        .filter(|f| f.client.is_none() && f.severity == Severity::Critical)
        .filter_map(|f| Some((f.server?, f.severity)))
        .collect();
    if by_mac.is_empty() && server_marks.is_empty() {
        return worst;
    }
    let mut mac = String::new();
    for (i, c) in a.clients.iter().enumerate() {
        if !by_mac.is_empty() {
            mac.clear();
            mac.push_str(&c.mac_string());
            worst[i] = by_mac.get(mac.as_str()).copied();
        }
        for (s, sev) in &server_marks {
            if answered_by_server(c, |ip| ip == *s) {
                worst[i] = worst[i].max(Some(*sev));
            }
        }
    }
    worst
}

/// Keeps only the clients `filter` matches, and the findings about them: a finding naming a
/// client is kept when that client is; a finding about a server alone when the server
/// answered a kept client; a finding about neither (capture-wide) is kept. Servers stay.
pub fn restrict(a: &mut Analysis, filter: &Filter) {
    if filter.is_empty() {
        return;
    }
    let worst = worst_severities(a);
    let rogues = rogue_servers(a);
    let facts = ClientFacts {
        worst: &worst,
        rogue_servers: &rogues,
        words: &[],
    };
    let keep: Vec<bool> = a
        .clients
        .iter()
        .enumerate()
        .map(|(i, c)| filter.matches_client(c, i, &facts))
        .collect();
    let mut i = 0;
    a.clients.retain(|_| {
        i += 1;
        keep[i - 1]
    });
    let macs: std::collections::HashSet<String> =
        a.clients.iter().map(Client::mac_string).collect();
    let clients = &a.clients;
    a.findings.retain(|f| match (&f.client, f.server) {
        (Some(c), _) => macs.contains(c),
        (None, Some(s)) => clients.iter().any(|c| answered_by_server(c, |ip| ip == s)),
        (None, None) => true,
    });
}

/// The servers the expectations rule out.
pub fn rogue_servers(a: &Analysis) -> Vec<Ipv4Addr> {
    a.servers
        .iter()
        .filter(|s| s.expected == Some(false))
        .map(|s| s.id)
        .collect()
}

/// A reply's server: option 54, else its IP source.
fn reply_server(r: &MessageRecord) -> Option<Ipv4Addr> {
    r.is_reply().then(|| r.server_id.unwrap_or(r.src_ip))
}

fn answered_by_server(c: &Client, hit: impl Fn(Ipv4Addr) -> bool) -> bool {
    c.exchanges.iter().any(|e| {
        e.offers.iter().any(|o| hit(o.server_id))
            || e.messages.iter().any(|r| reply_server(r).is_some_and(&hit))
    })
}

fn client_term(t: &Term, c: &Client, index: usize, facts: &ClientFacts<'_>) -> bool {
    match t {
        Term::Mac(p) => p.matches(&c.chaddr) || c.other_chaddrs.iter().any(|m| p.matches(m)),
        Term::Ip(n) => c.exchanges.iter().any(|e| {
            e.address.is_some_and(|a| n.contains(a))
                || e.offers.iter().any(|o| n.contains(o.yiaddr))
                || e.messages
                    .iter()
                    .any(|r| client_ips(r).any(|a| n.contains(a)))
        }),
        Term::Host(h) => c.hostname.as_deref().is_some_and(|x| contains_ci(x, h)),
        Term::Vendor(v) => c.vendor_class.as_deref().is_some_and(|x| contains_ci(x, v)),
        // The exchange model keeps no option 82; only packet filters see circuit ids.
        Term::Circuit(_) => false,
        Term::Vlan(v) => c.exchanges.iter().any(|e| {
            e.messages
                .iter()
                .any(|r| r.segment().vlans.contains(v) && *v != 0)
        }),
        Term::Server(n) => answered_by_server(c, |ip| n.contains(ip)),
        Term::Kind(k) => c.exchanges.iter().any(|e| e.kind == *k),
        Term::Outcome(o) => c.exchanges.iter().any(|e| e.outcome == *o),
        Term::Sev(s) => facts.worst.get(index).copied().flatten() >= Some(*s),
        Term::Rogue => {
            !facts.rogue_servers.is_empty()
                && answered_by_server(c, |ip| facts.rogue_servers.contains(&ip))
        }
        Term::Victim => {
            !facts.rogue_servers.is_empty()
                && c.exchanges.iter().any(|e| {
                    e.messages.iter().any(|r| {
                        r.msg_type == Some(crate::dhcp::options::MessageType::ACK)
                            && !r.yiaddr.is_unspecified()
                            && reply_server(r).is_some_and(|s| facts.rogue_servers.contains(&s))
                    })
                })
        }
        Term::Word(w, mac) => match facts.words.iter().find(|(x, _)| x == w) {
            Some((_, hits)) => {
                hits.get(index).copied().unwrap_or(false)
                    || mac.is_some_and(|m| *c.chaddr == m.0[..])
                    || c.exchanges.iter().any(|e| {
                        e.kind.name().eq_ignore_ascii_case(w)
                            || e.outcome.name().eq_ignore_ascii_case(w)
                    })
            }
            None => client_word(c, w, *mac),
        },
    }
}

/// The client's own addresses a message carries (not the server's).
fn client_ips(r: &MessageRecord) -> impl Iterator<Item = Ipv4Addr> {
    let src = (!r.is_reply()).then_some(r.src_ip);
    [Some(r.ciaddr), Some(r.yiaddr), r.requested_ip, src]
        .into_iter()
        .flatten()
        .filter(|a| !a.is_unspecified())
}

fn message_term(t: &Term, r: &MessageRecord) -> bool {
    match t {
        Term::Mac(p) => r.src_mac().is_some_and(|m| p.matches(&m)),
        Term::Ip(n) => client_ips(r).any(|a| n.contains(a)),
        Term::Vlan(v) => *v != 0 && r.segment().vlans.contains(v),
        Term::Server(n) => reply_server(r).is_some_and(|s| n.contains(s)),
        Term::Word(w, _) => message_word(r, w),
        _ => true,
    }
}

fn packet_term(t: &Term, p: &Packet<'_>) -> bool {
    let m = &p.dhcp;
    match t {
        Term::Mac(pat) => {
            pat.matches(m.chaddr())
                || p.udp.src_mac.is_some_and(|x| pat.matches(&x))
                || p.udp.dst_mac.is_some_and(|x| pat.matches(&x))
        }
        Term::Ip(n) => packet_ips(p).any(|a| n.contains(a)),
        Term::Host(h) => m
            .hostname()
            .is_some_and(|x| contains_ci(&String::from_utf8_lossy(&x), h)),
        Term::Vendor(v) => m
            .option(60)
            .is_some_and(|x| contains_ci(&String::from_utf8_lossy(&x), v)),
        Term::Circuit(cid) => m.option(82).is_some_and(|x| {
            circuit_id(&x).is_some_and(|id| {
                contains_ci(&String::from_utf8_lossy(id), cid) || {
                    let hex: String = id.iter().map(|b| format!("{b:02x}")).collect();
                    hex.contains(cid.as_str())
                }
            })
        }),
        Term::Vlan(v) => p.udp.vlans.as_slice().contains(v),
        Term::Server(n) => {
            m.server_id().is_some_and(|s| n.contains(s))
                || (m.is_reply() && n.contains(p.udp.src_ip))
        }
        Term::Word(w, mac) => {
            mac.is_some_and(|x| m.chaddr() == x.0)
                || hex_colon(m.chaddr(), &mut [0u8; 48]).is_some_and(|s| mac_text_hit(s, w))
                || m.message_type()
                    .and_then(|t| t.name())
                    .is_some_and(|n| contains_ci(n, w))
                || m.hostname()
                    .is_some_and(|x| contains_ci(&String::from_utf8_lossy(&x), w))
                || packet_ips(p).any(|a| ip_text_hit(a, w))
        }
        // Rejected by `check_packet_terms`.
        Term::Kind(_) | Term::Outcome(_) | Term::Sev(_) | Term::Rogue | Term::Victim => false,
    }
}

/// Every address of a packet: IP source and destination, and the header and option addresses.
fn packet_ips<'p>(p: &'p Packet<'_>) -> impl Iterator<Item = Ipv4Addr> + 'p {
    let m = &p.dhcp;
    [
        Some(p.udp.src_ip),
        Some(p.udp.dst_ip),
        Some(m.ciaddr),
        Some(m.yiaddr),
        Some(m.siaddr),
        Some(m.giaddr),
        m.requested_ip(),
        m.server_id(),
    ]
    .into_iter()
    .flatten()
    .filter(|a| !a.is_unspecified() && !a.is_broadcast())
}

/// Sub-option 1 (circuit id) of option 82.
fn circuit_id(opt82: &[u8]) -> Option<&[u8]> {
    let mut rest = opt82;
    while let [code, len, tail @ ..] = rest {
        let len = usize::from(*len);
        let value = tail.get(..len)?;
        if *code == 1 {
            return Some(value);
        }
        rest = &tail[len..];
    }
    None
}

/// `hay` contains `needle` (already lower-case), ignoring case without allocating for ASCII.
fn contains_ci(hay: &str, needle: &str) -> bool {
    if needle.is_empty() {
        return true;
    }
    if !needle.is_ascii() {
        return hay.to_lowercase().contains(needle);
    }
    let (h, n) = (hay.as_bytes(), needle.as_bytes());
    h.len() >= n.len() && h.windows(n.len()).any(|w| w.eq_ignore_ascii_case(n))
}

/// Dotted-quad text of `ip` into `buf`, without `fmt`.
fn ip_text(ip: Ipv4Addr, buf: &mut [u8; 15]) -> &[u8] {
    let mut n = 0;
    for (i, o) in ip.octets().into_iter().enumerate() {
        if i > 0 {
            buf[n] = b'.';
            n += 1;
        }
        if o >= 100 {
            buf[n] = b'0' + o / 100;
            n += 1;
        }
        if o >= 10 {
            buf[n] = b'0' + o / 10 % 10;
            n += 1;
        }
        buf[n] = b'0' + o % 10;
        n += 1;
    }
    &buf[..n]
}

fn bytes_contain(hay: &[u8], needle: &[u8]) -> bool {
    needle.is_empty()
        || (hay.len() >= needle.len() && hay.windows(needle.len()).any(|w| w == needle))
}

/// Whether an address's text contains the word (only words of digits and dots can).
fn ip_text_hit(ip: Ipv4Addr, w: &str) -> bool {
    !ip.is_unspecified()
        && w.bytes().all(|b| b.is_ascii_digit() || b == b'.')
        && bytes_contain(ip_text(ip, &mut [0u8; 15]), w.as_bytes())
}

/// Lower-case colon hex of a hardware address (up to 16 bytes) into `buf`.
fn hex_colon<'b>(mac: &[u8], buf: &'b mut [u8; 48]) -> Option<&'b [u8]> {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    if mac.is_empty() || mac.len() > 16 {
        return None;
    }
    let mut n = 0;
    for (i, b) in mac.iter().enumerate() {
        if i > 0 {
            buf[n] = b':';
            n += 1;
        }
        buf[n] = HEX[usize::from(b >> 4)];
        buf[n + 1] = HEX[usize::from(b & 0xf)];
        n += 2;
    }
    Some(&buf[..n])
}

/// The old substring match on a MAC's text: colon form, or dash form when typed with dashes.
fn mac_text_hit(colon: &[u8], w: &str) -> bool {
    if !w
        .bytes()
        .all(|b| b.is_ascii_hexdigit() || b == b':' || b == b'-')
    {
        return false;
    }
    if w.contains('-') && w.contains(':') {
        return false;
    }
    let w: Vec<u8> = w
        .bytes()
        .map(|b| if b == b'-' { b':' } else { b })
        .collect();
    bytes_contain(colon, &w)
}

fn client_word(c: &Client, w: &str, mac: Option<MacAddr>) -> bool {
    if mac.is_some_and(|m| *c.chaddr == m.0[..]) {
        return true;
    }
    if hex_colon(&c.chaddr, &mut [0u8; 48]).is_some_and(|s| mac_text_hit(s, w)) {
        return true;
    }
    if c.hostname.as_deref().is_some_and(|h| contains_ci(h, w))
        || c.vendor_class.as_deref().is_some_and(|v| contains_ci(v, w))
    {
        return true;
    }
    let ip_word = w.bytes().all(|b| b.is_ascii_digit() || b == b'.');
    c.exchanges.iter().any(|e| {
        if e.kind.name().eq_ignore_ascii_case(w) || e.outcome.name().eq_ignore_ascii_case(w) {
            return true;
        }
        (ip_word
            && (e.address.is_some_and(|a| ip_text_hit(a, w))
                || e.server_id.is_some_and(|a| ip_text_hit(a, w))
                || e.offers
                    .iter()
                    .any(|o| ip_text_hit(o.server_id, w) || ip_text_hit(o.yiaddr, w))))
            || e.messages.iter().any(|r| message_word(r, w))
    })
}

/// The old substring match on a message: type name, addresses, server.
fn message_word(r: &MessageRecord, w: &str) -> bool {
    if contains_ci(&r.type_name(), w) {
        return true;
    }
    if !w.bytes().all(|b| b.is_ascii_digit() || b == b'.') {
        return false;
    }
    [
        Some(r.src_ip),
        Some(r.yiaddr),
        Some(r.ciaddr),
        r.server_id,
        r.requested_ip,
    ]
    .into_iter()
    .flatten()
    .any(|a| ip_text_hit(a, w))
}

#[cfg(test)]
mod tests;
