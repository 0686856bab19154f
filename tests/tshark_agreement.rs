//! Frame-by-frame agreement between `dhcpscope decode --format jsonl` and tshark.
//!
//! For every capture in `captures/` and in the shared public corpus (`../shared` beside the
//! repository; skipped with the reason when absent, a failure in CI: tests/common/gate.rs),
//! both tools decode each file once; the set of DHCPv4 frames and every compared field must
//! agree, except where a documented rule says why they may not. Compared: the
//! frame and IP/UDP fields, the fixed header with `sname` and `file`, the summary fields
//! (`msg_type`, `server_id`, ...), the option codes in wire order, and for each option its
//! `len`, its `offset` (from tshark's field positions, `-x`) and, for the options in
//! [`TYPED_OPTIONS`] and site-specific codes, its `value`. Each rule checks, on both
//! decodings, that it applies (see [`frame_set_exception`] and [`field_exception`]); anything
//! else is a failure. Without tshark the test fails in CI and is skipped elsewhere.
//!
//! `cargo test --test tshark_agreement -- --nocapture` prints per-file counts (frames and
//! fields compared, exceptions applied, with where and why) and the totals.

#[path = "common/gate.rs"]
mod gate;

use serde_json::{Map, Value as Json};
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

const BIN: &str = env!("CARGO_BIN_EXE_dhcpscope");
/// `../shared/captures/public` beside the project (the public captures, never copied here).
const PUBLIC_DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../shared/captures/public");

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Corpus {
    Local,
    Public,
    /// DHCPv6-only captures: we must print no DHCPv4 packet for them.
    V6,
}

fn list_captures(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("cannot list {}: {e}", dir.display()))
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.is_file())
        .filter(|p| {
            p.extension()
                .and_then(|e| e.to_str())
                .is_some_and(|e| matches!(e, "pcap" | "pcapng" | "cap"))
        })
        .collect();
    files.sort();
    files
}

fn captures() -> Vec<(PathBuf, Corpus)> {
    let local = Path::new(env!("CARGO_MANIFEST_DIR")).join("captures");
    let mut all: Vec<(PathBuf, Corpus)> = list_captures(&local)
        .into_iter()
        .map(|p| (p, Corpus::Local))
        .collect();
    assert!(!all.is_empty(), "no captures in {}", local.display());
    let public = Path::new(PUBLIC_DIR);
    // Without the shared captures: local ones only, said on stderr; in CI a failure.
    if gate::ready(
        "tshark_agreement (public captures)",
        &[gate::Need::SharedCaptures],
    ) {
        all.extend(
            list_captures(public)
                .into_iter()
                .map(|p| (p, Corpus::Public)),
        );
        all.extend(
            list_captures(&public.join("v6"))
                .into_iter()
                .map(|p| (p, Corpus::V6)),
        );
    }
    all
}

// ---------------------------------------------------------------------------------------
// Our side.

fn run_ours(path: &Path) -> BTreeMap<u64, Json> {
    let out = Command::new(BIN)
        .args(["decode", "--format", "jsonl", "-r"])
        .arg(path)
        .output()
        .expect("run dhcpscope");
    assert!(
        out.status.success(),
        "dhcpscope failed on {}: {}",
        path.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    let mut frames = BTreeMap::new();
    for line in String::from_utf8(out.stdout).expect("utf-8 output").lines() {
        let v: Json = serde_json::from_str(line).expect("valid JSON line");
        // DHCPv6 and router-advertisement lines are compared in tshark_agreement_v6.rs.
        if v.get("dhcp").is_none() {
            continue;
        }
        let n = v["frame"].as_u64().expect("frame number");
        assert!(
            frames.insert(n, v).is_none(),
            "{}: frame {n} printed twice",
            path.display()
        );
    }
    frames
}

// ---------------------------------------------------------------------------------------
// tshark's side.

/// One frame as tshark dissected it (`-T json --no-duplicate-keys`).
struct TFrame {
    number: u64,
    protocols: Vec<String>,
    layers: Map<String, Json>,
}

impl TFrame {
    /// Every instance of a layer, outermost first.
    fn layer(&self, name: &str) -> Vec<&Map<String, Json>> {
        many(self.layers.get(name))
            .into_iter()
            .filter_map(Json::as_object)
            .collect()
    }

    fn first_layer(&self, name: &str) -> Option<&Map<String, Json>> {
        self.layer(name).into_iter().next()
    }

    /// The DHCP tree; `None` when tshark added no field to it (it then prints the bare
    /// protocol name instead of an object).
    fn dhcp(&self) -> Option<&Map<String, Json>> {
        self.first_layer("dhcp")
    }

    /// Where the DHCP payload starts in the buffer its fields' positions refer to.
    fn dhcp_start(&self) -> Option<u64> {
        many_raw(self.layers.get("dhcp_raw"))
            .first()
            .map(|r| raw_pos(r))
    }

    fn has_dhcp_fields(&self) -> bool {
        self.first_layer("dhcp")
            .is_some_and(|d| d.contains_key("dhcp.type"))
    }

    /// True when tshark flagged the frame as cut by the snaplen or malformed.
    fn is_short_or_malformed(&self) -> bool {
        self.layers.contains_key("_ws.short") || self.layers.contains_key("_ws.malformed")
    }

    /// True when tshark found DHCP where we decode it: directly in UDP over the frame's own
    /// IPv4 header, or over the client's IPv4 inside a CAPWAP data tunnel. False when it is
    /// deeper (other tunnels, ICMP quotes).
    fn dhcp_is_direct(&self) -> bool {
        let p: Vec<&str> = self.protocols.iter().map(String::as_str).collect();
        let ips: Vec<usize> = (0..p.len()).filter(|&i| p[i] == "ip").collect();
        let inner = match ips[..] {
            [only] => only,
            [outer, inner] if p[outer + 1..inner].starts_with(&["udp", "capwap.data"]) => inner,
            _ => return false,
        };
        p.get(inner + 1..inner + 3) == Some(&["udp", "dhcp"][..])
    }

    /// Index in `protocols` of the IPv4 header that carries the DHCP we compare.
    fn dhcp_ip_index(&self) -> Option<usize> {
        let dhcp = self.protocols.iter().position(|p| p == "dhcp")?;
        self.protocols[..dhcp].iter().rposition(|p| p == "ip")
    }
}

/// With `--no-duplicate-keys` a repeated field is an array, a single one a plain value.
fn many(v: Option<&Json>) -> Vec<&Json> {
    match v {
        None => Vec::new(),
        Some(Json::Array(a)) => a.iter().collect(),
        Some(other) => vec![other],
    }
}

/// A field's `_raw` twin (`-x`): `[hex, position, length, bitmask, type]`, or an array of
/// those when the field repeats.
fn many_raw(v: Option<&Json>) -> Vec<&[Json]> {
    match v {
        Some(Json::Array(a)) if a.first().is_some_and(Json::is_array) => a
            .iter()
            .map(|r| r.as_array().expect("raw field").as_slice())
            .collect(),
        Some(Json::Array(a)) => vec![a.as_slice()],
        _ => Vec::new(),
    }
}

/// The byte position of a raw field in its buffer.
fn raw_pos(raw: &[Json]) -> u64 {
    raw.get(1)
        .and_then(Json::as_u64)
        .expect("raw field position")
}

fn field<'a>(obj: &'a Map<String, Json>, key: &str) -> Option<&'a str> {
    many(obj.get(key)).first().and_then(|v| v.as_str())
}

struct TsharkRun {
    frames: Vec<TFrame>,
    /// Timestamp precision of each interface, from the file header (see [`file_ts_digits`]).
    ts_digits: Vec<usize>,
    /// tshark's complaint when it stopped early (a file cut mid-record), if any.
    stderr_note: Option<String>,
}

fn tshark_available() -> Result<(), String> {
    match Command::new("tshark").arg("-v").output() {
        Ok(o) if o.status.success() => Ok(()),
        Ok(o) => Err(format!("`tshark -v` exited with {}", o.status)),
        Err(e) => Err(format!("cannot run tshark: {e}")),
    }
}

fn run_tshark(path: &Path) -> TsharkRun {
    let out = Command::new("tshark")
        .args(["-n", "-r"])
        .arg(path)
        .args([
            "-Y",
            "dhcp",
            "-T",
            "json",
            "--no-duplicate-keys",
            // Every field's bytes and position (`NAME_raw`): option offsets come from these.
            "-x",
            "-J",
            "frame eth sll wlan vlan ieee8021ad ip udp dhcp _ws.short _ws.malformed",
        ])
        .output()
        .expect("run tshark");
    let stderr: String = String::from_utf8_lossy(&out.stderr)
        .lines()
        .filter(|l| !l.contains("Running as user") && !l.trim().is_empty())
        .collect::<Vec<_>>()
        .join(" / ");
    let stderr_note = if out.status.success() {
        None
    } else {
        // tshark fails on files cut mid-record after printing every frame before the cut,
        // and stops at a pcapng section with an unknown major version.
        assert!(
            stderr.contains("cut short") || stderr.contains(UNKNOWN_SECTION_VERSION),
            "tshark failed on {}: {stderr}",
            path.display()
        );
        Some(stderr)
    };
    let parsed: Vec<Json> = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("tshark JSON for {}: {e}", path.display()));
    let frames = parsed
        .into_iter()
        .map(|mut pkt| {
            let Json::Object(layers) = pkt["_source"]["layers"].take() else {
                panic!("tshark packet without layers");
            };
            let frame = layers["frame"].as_object().expect("frame layer");
            let number = field(frame, "frame.number")
                .and_then(|n| n.parse().ok())
                .expect("frame.number");
            let protocols = field(frame, "frame.protocols")
                .unwrap_or_default()
                .split(':')
                .map(str::to_string)
                .collect();
            TFrame {
                number,
                protocols,
                layers,
            }
        })
        .collect();
    TsharkRun {
        frames,
        ts_digits: file_ts_digits(path),
        stderr_note,
    }
}

/// Timestamp precision (decimal digits) of each interface of a capture, indexed as tshark's
/// `frame.interface_id`, read from the file itself: classic pcap gives µs or ns in its magic,
/// pcapng gives `if_tsresol` in each Interface Description Block (default µs).
fn file_ts_digits(path: &Path) -> Vec<usize> {
    let b = std::fs::read(path).expect("read capture");
    match b.get(..4) {
        Some([0xd4, 0xc3, 0xb2, 0xa1] | [0xa1, 0xb2, 0xc3, 0xd4]) => vec![6],
        Some([0x4d, 0x3c, 0xb2, 0xa1] | [0xa1, 0xb2, 0x3c, 0x4d]) => vec![9],
        Some([0x0a, 0x0d, 0x0d, 0x0a]) => pcapng_ts_digits(&b),
        other => panic!("{}: unknown capture magic {other:?}", path.display()),
    }
}

fn pcapng_ts_digits(b: &[u8]) -> Vec<usize> {
    let mut out = Vec::new();
    let mut little = true;
    let mut pos = 0;
    let word = |at: usize, little: bool| -> Option<u32> {
        let w: [u8; 4] = b.get(at..at + 4)?.try_into().ok()?;
        Some(if little {
            u32::from_le_bytes(w)
        } else {
            u32::from_be_bytes(w)
        })
    };
    while let (Some(kind), Some(_)) = (b.get(pos..pos + 4), b.get(pos + 8..pos + 12)) {
        if kind == [0x0a, 0x0d, 0x0d, 0x0a] {
            // Section Header Block: its byte-order magic sets the section's endianness.
            little = b[pos + 8..pos + 12] == [0x4d, 0x3c, 0x2b, 0x1a];
        }
        let (Some(kind), Some(len)) = (word(pos, little), word(pos + 4, little)) else {
            break;
        };
        let len = len as usize;
        if len < 12 || pos + len > b.len() {
            break; // cut short: the frames after this are not read by anyone either
        }
        if kind == 1 {
            let mut digits = 6;
            let mut opt = pos + 16;
            while opt + 4 <= pos + len - 4 {
                let w = word(opt, little).unwrap();
                let (code, olen) = if little {
                    (w & 0xffff, (w >> 16) as usize)
                } else {
                    (w >> 16, (w & 0xffff) as usize)
                };
                if code == 0 {
                    break;
                }
                if code == 9 && olen >= 1 {
                    digits = tsresol_digits(b[opt + 4]);
                }
                opt += 4 + olen.div_ceil(4) * 4;
            }
            out.push(digits);
        }
        pos += len;
    }
    out
}

/// Decimal places of an `if_tsresol` unit: 10^-k gives k, and so does 2^-k (1/2^k is
/// exactly k decimal places); at most 9, we print nanoseconds.
fn tsresol_digits(tsresol: u8) -> usize {
    usize::from(tsresol & 0x7f).min(9)
}

// ---------------------------------------------------------------------------------------
// Normalised field values: both sides are turned into the same plain strings.

type Fields = BTreeMap<&'static str, Option<String>>;

fn parse_num(s: &str) -> Option<u64> {
    match s.strip_prefix("0x") {
        Some(h) => u64::from_str_radix(h, 16).ok(),
        None => s.parse().ok(),
    }
}

/// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// `2024-01-02T03:04:05.123456Z` → `1704164645.123456000`, and the number of fraction digits.
fn rfc3339_to_epoch(ts: &str) -> Option<(String, usize)> {
    let ts = ts.strip_suffix('Z')?;
    let (date, time) = ts.split_once('T')?;
    let mut d = date.split('-').map(|x| x.parse::<i64>().ok());
    let (y, mo, da) = (d.next()??, d.next()??, d.next()??);
    let (hms, frac) = time.split_once('.').unwrap_or((time, ""));
    let mut t = hms.split(':').map(|x| x.parse::<i64>().ok());
    let (h, mi, s) = (t.next()??, t.next()??, t.next()??);
    if frac.len() > 9 || !frac.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let secs = days_from_civil(y, mo, da) * 86_400 + h * 3600 + mi * 60 + s;
    Some((format!("{secs}.{frac:0<9}"), frac.len()))
}

/// Reverses our display escaping (`\\`, `\xNN`, `\u{NNNN}`) to get the wire bytes back.
fn unescape(s: &str) -> Vec<u8> {
    let mut out = Vec::new();
    let mut rest = s;
    while let Some(i) = rest.find('\\') {
        out.extend_from_slice(&rest.as_bytes()[..i]);
        let tail = &rest[i + 1..];
        if let Some(t) = tail.strip_prefix('\\') {
            out.push(b'\\');
            rest = t;
        } else if let Some(t) = tail.strip_prefix('x') {
            out.push(u8::from_str_radix(&t[..2], 16).expect("\\xNN"));
            rest = &t[2..];
        } else if let Some(t) = tail.strip_prefix("u{") {
            let end = t.find('}').expect("\\u{...}");
            let c =
                char::from_u32(u32::from_str_radix(&t[..end], 16).expect("hex")).expect("scalar");
            let mut buf = [0; 4];
            out.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
            rest = &t[end + 1..];
        } else {
            panic!("unknown escape in {s:?}");
        }
    }
    out.extend_from_slice(rest.as_bytes());
    out
}

/// How tshark 4.0 shows bytes it reads as ASCII (`ENC_ASCII`: sname, file and the text
/// options): every byte above 0x7f becomes U+FFFD, the others stay as they are.
fn tshark_ascii(bytes: &[u8]) -> String {
    bytes
        .iter()
        .map(|&b| if b < 0x80 { char::from(b) } else { '\u{fffd}' })
        .collect()
}

fn hex_colon(bytes: &[u8]) -> String {
    bytes
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect::<Vec<_>>()
        .join(":")
}

/// Message type names as we print them → their number.
fn msg_type_number(name: &str) -> Option<u64> {
    const NAMES: [&str; 18] = [
        "DISCOVER",
        "OFFER",
        "REQUEST",
        "DECLINE",
        "ACK",
        "NAK",
        "RELEASE",
        "INFORM",
        "FORCERENEW",
        "LEASEQUERY",
        "LEASEUNASSIGNED",
        "LEASEUNKNOWN",
        "LEASEACTIVE",
        "BULKLEASEQUERY",
        "LEASEQUERYDONE",
        "ACTIVELEASEQUERY",
        "LEASEQUERYSTATUS",
        "TLS",
    ];
    if let Some(n) = name
        .strip_prefix("UNKNOWN(")
        .and_then(|r| r.strip_suffix(')'))
    {
        return n.parse().ok();
    }
    NAMES.iter().position(|&x| x == name).map(|i| i as u64 + 1)
}

fn ours_fields(v: &Json) -> Fields {
    let s = |x: &Json| -> Option<String> {
        match x {
            Json::Null => None,
            Json::String(s) => Some(s.to_lowercase()),
            other => Some(other.to_string()),
        }
    };
    let d = &v["dhcp"];
    let mut f = Fields::new();
    f.insert(
        "ts",
        v["ts"]
            .as_str()
            .and_then(rfc3339_to_epoch)
            .map(|(e, digits)| format!("{e} ({digits} digits)")),
    );
    f.insert("src_mac", s(&v["src_mac"]));
    f.insert("dst_mac", s(&v["dst_mac"]));
    f.insert("vlan", Some(v["vlan"].to_string()));
    for k in ["src_ip", "dst_ip", "src_port", "dst_port"] {
        f.insert(k, s(&v[k]));
    }
    for k in [
        "op",
        "htype",
        "hlen",
        "hops",
        "secs",
        "flags",
        "broadcast",
        "ciaddr",
        "yiaddr",
        "siaddr",
        "giaddr",
        "chaddr",
        "server_id",
        "requested_ip",
        "lease_time",
        "client_id",
    ] {
        f.insert(k, s(&d[k]));
    }
    f.insert(
        "xid",
        d["xid"].as_str().and_then(parse_num).map(|x| x.to_string()),
    );
    f.insert(
        "msg_type",
        d["msg_type"]
            .as_str()
            .map(|t| msg_type_number(t).expect("known msg_type").to_string()),
    );
    f.insert(
        "hostname",
        d["hostname"].as_str().map(|h| hex_colon(&unescape(h))),
    );
    for k in ["sname", "file"] {
        f.insert(k, d[k].as_str().map(|t| tshark_ascii(&unescape(t))));
    }
    let codes: Vec<String> = d["options"]
        .as_array()
        .map(|a| a.iter().map(|o| o["code"].to_string()).collect())
        .unwrap_or_default();
    f.insert("options", Some(codes.join(",")));
    f
}

/// One DHCP option as tshark listed it.
struct TOption<'a> {
    code: u8,
    tree: Option<&'a Map<String, Json>>,
    /// Where tshark says its type byte is (`dhcp.option.type_raw`), in the same buffer as the
    /// DHCP layer (the frame, or the reassembled datagram).
    pos: u64,
}

impl TOption<'_> {
    fn value_bytes(&self) -> Vec<u8> {
        self.tree
            .and_then(|t| field(t, "dhcp.option.value"))
            .map(parse_hex_bytes)
            .unwrap_or_default()
    }

    fn typed(&self, key: &str) -> Option<String> {
        self.tree.and_then(|t| field(t, key)).map(str::to_string)
    }
}

fn parse_hex_bytes(s: &str) -> Vec<u8> {
    s.split(':')
        .filter(|x| !x.is_empty())
        .map(|x| u8::from_str_radix(x, 16).expect("hex byte"))
        .collect()
}

/// Options at one level of tshark's tree (`dhcp.option.type` with its `_tree`), Pad and End
/// left out, in wire order. Options that tshark nests under option 52 (overloaded sname and
/// file) are returned separately: (main, file, sname).
fn tshark_options(
    level: &Map<String, Json>,
) -> (Vec<TOption<'_>>, Vec<TOption<'_>>, Vec<TOption<'_>>) {
    let types = many(level.get("dhcp.option.type"));
    let trees = many(level.get("dhcp.option.type_tree"));
    let raws = many_raw(level.get("dhcp.option.type_raw"));
    assert!(
        types.len() == trees.len() && types.len() == raws.len(),
        "tshark option types, trees and positions do not pair up"
    );
    let (mut main, mut file, mut sname) = (Vec::new(), Vec::new(), Vec::new());
    for ((t, tree), raw) in types.iter().zip(&trees).zip(&raws) {
        let code: u8 = t
            .as_str()
            .and_then(|c| c.parse().ok())
            .expect("option type");
        let tree = tree.as_object();
        // tshark 4.0 lists both Pad and End with type 0 (End's tree says 255).
        if code == 0 || code == 255 {
            continue;
        }
        if code == 52
            && let Some(tree) = tree
        {
            for (key, out) in [
                ("Boot file name option overload", &mut file),
                ("Server host name option overload", &mut sname),
            ] {
                if let Some(nested) = tree.get(key).and_then(Json::as_object) {
                    // Option 52 is not allowed inside an overloaded field (we ignore it
                    // there); should tshark follow one, its options show up as a difference.
                    let (m, f, s) = tshark_options(nested);
                    out.extend(m.into_iter().chain(f).chain(s));
                }
            }
        }
        main.push(TOption {
            code,
            tree,
            pos: raw_pos(raw),
        });
    }
    (main, file, sname)
}

fn tshark_fields(t: &TFrame, ts_digits: &[usize]) -> Fields {
    let mut f = Fields::new();
    let frame = t.first_layer("frame").expect("frame");
    // The epoch time cut to the precision of the frame's interface, and that precision.
    let interface: usize = field(frame, "frame.interface_id").map_or(0, |i| i.parse().unwrap());
    let digits = *ts_digits
        .get(interface)
        .expect("frame interface described in the file");
    f.insert(
        "ts",
        field(frame, "frame.time_epoch").map(|e| {
            let (secs, frac) = e.split_once('.').unwrap_or((e, ""));
            let frac = frac.get(..digits).unwrap_or(frac);
            format!("{secs}.{frac:0<9} ({digits} digits)")
        }),
    );
    // The link layer just below the DHCP's IPv4 (inside a CAPWAP tunnel: the client's).
    let dhcp_ip = t.dhcp_ip_index().unwrap_or(t.protocols.len());
    let link = t.protocols[..dhcp_ip]
        .iter()
        .rposition(|p| matches!(p.as_str(), "eth" | "sll" | "wlan"));
    let nth = |name: &str| {
        let n = t.protocols[..=link?].iter().filter(|p| *p == name).count();
        t.layer(name).into_iter().nth(n.checked_sub(1)?)
    };
    let (src, dst) = match link.map(|i| t.protocols[i].as_str()) {
        Some("eth") => {
            let e = nth("eth");
            (
                e.and_then(|e| field(e, "eth.src")),
                e.and_then(|e| field(e, "eth.dst")),
            )
        }
        Some("sll") => (nth("sll").and_then(|s| field(s, "sll.src.eth")), None),
        Some("wlan") => {
            let w = nth("wlan");
            (
                w.and_then(|w| field(w, "wlan.sa")),
                w.and_then(|w| field(w, "wlan.da")),
            )
        }
        _ => (None, None),
    };
    f.insert("src_mac", src.map(str::to_lowercase));
    f.insert("dst_mac", dst.map(str::to_lowercase));
    // VLAN tags in the order frame.protocols lists them (outer first), from the link layer
    // of the DHCP's IPv4 up to it.
    let mut vlan_ids = t.layer("vlan").into_iter();
    let mut ad_ids = t.layer("ieee8021ad").into_iter();
    let mut vlans = Vec::new();
    for (i, p) in t.protocols[..dhcp_ip].iter().enumerate() {
        let ours = link.is_none_or(|l| i > l);
        match p.as_str() {
            "vlan" => {
                let id = vlan_ids.next().and_then(|v| field(v, "vlan.id"));
                if ours {
                    vlans.push(id);
                }
            }
            "ieee8021ad" => {
                let id = ad_ids.next().and_then(|v| field(v, "ieee8021ad.id"));
                if ours {
                    vlans.push(id);
                }
            }
            _ => {}
        }
    }
    let vlans: Vec<u64> = vlans
        .into_iter()
        .map(|v| v.and_then(parse_num).expect("vlan id"))
        .collect();
    f.insert("vlan", Some(Json::from(vlans).to_string()));
    // The IPv4 and UDP layers that carry the DHCP (the last ones before it).
    let ip_n = t.protocols[..dhcp_ip].iter().filter(|p| *p == "ip").count();
    let ip = t.layer("ip").into_iter().nth(ip_n);
    f.insert(
        "src_ip",
        ip.and_then(|i| field(i, "ip.src")).map(str::to_string),
    );
    f.insert(
        "dst_ip",
        ip.and_then(|i| field(i, "ip.dst")).map(str::to_string),
    );
    let udp_n = t.protocols[..dhcp_ip]
        .iter()
        .filter(|p| *p == "udp")
        .count();
    let udp = t.layer("udp").into_iter().nth(udp_n);
    f.insert(
        "src_port",
        udp.and_then(|u| field(u, "udp.srcport"))
            .map(str::to_string),
    );
    f.insert(
        "dst_port",
        udp.and_then(|u| field(u, "udp.dstport"))
            .map(str::to_string),
    );

    let empty = Map::new();
    let d = t.dhcp().unwrap_or(&empty);
    let num = |k: &str| field(d, k).and_then(parse_num).map(|n| n.to_string());
    let text = |k: &str| field(d, k).map(str::to_string);
    f.insert("op", num("dhcp.type"));
    f.insert("htype", num("dhcp.hw.type"));
    f.insert("hlen", num("dhcp.hw.len"));
    f.insert("hops", num("dhcp.hops"));
    f.insert("xid", num("dhcp.id"));
    f.insert("secs", num("dhcp.secs"));
    f.insert("flags", num("dhcp.flags"));
    f.insert(
        "broadcast",
        d.get("dhcp.flags_tree")
            .and_then(Json::as_object)
            .and_then(|ft| field(ft, "dhcp.flags.bc"))
            .map(|b| (b == "1").to_string()),
    );
    // Both are C strings. tshark shows an empty one as "" and leaves out one that option 52
    // overloads; we print null for both.
    f.insert("sname", text("dhcp.server").filter(|s| !s.is_empty()));
    f.insert("file", text("dhcp.file").filter(|s| !s.is_empty()));
    f.insert("ciaddr", text("dhcp.ip.client"));
    f.insert("yiaddr", text("dhcp.ip.your"));
    f.insert("siaddr", text("dhcp.ip.server"));
    f.insert("giaddr", text("dhcp.ip.relay"));
    // `dhcp.hw.addr` (any chaddr but a 6-byte Ethernet one) always spans the whole 16-byte
    // field; tshark's own label, like RFC 2131, shows the first `hlen` bytes: compare those.
    let hlen = field(d, "dhcp.hw.len").and_then(parse_num).unwrap_or(0) as usize;
    f.insert(
        "chaddr",
        field(d, "dhcp.hw.mac_addr")
            .map(str::to_lowercase)
            .or_else(|| {
                field(d, "dhcp.hw.addr").map(|a| {
                    let bytes = parse_hex_bytes(a);
                    hex_colon(&bytes[..hlen.min(bytes.len())])
                })
            }),
    );

    // Our order (RFC 2131 §4.1): options area, then file, then sname; tshark nests the
    // overloaded fields under option 52.
    let (main, file, sname) = tshark_options(d);
    let all: Vec<&TOption<'_>> = main.iter().chain(&file).chain(&sname).collect();
    let first = |code: u8| all.iter().find(|o| o.code == code);
    let joined = |code: u8| -> Option<Vec<u8>> {
        let parts: Vec<&&TOption<'_>> = all.iter().filter(|o| o.code == code).collect();
        (!parts.is_empty()).then(|| parts.iter().flat_map(|o| o.value_bytes()).collect())
    };
    f.insert(
        "msg_type",
        first(53).and_then(|o| o.typed("dhcp.option.dhcp")),
    );
    f.insert(
        "server_id",
        first(54).and_then(|o| o.typed("dhcp.option.dhcp_server_id")),
    );
    f.insert(
        "requested_ip",
        first(50).and_then(|o| o.typed("dhcp.option.requested_ip_address")),
    );
    f.insert(
        "lease_time",
        first(51).and_then(|o| o.typed("dhcp.option.ip_address_lease_time")),
    );
    f.insert("hostname", joined(12).map(|h| hex_colon(&h)));
    f.insert("client_id", joined(61).map(|c| hex_colon(&c)));
    f.insert(
        "options",
        Some(
            all.iter()
                .map(|o| o.code.to_string())
                .collect::<Vec<_>>()
                .join(","),
        ),
    );
    f
}

// ---------------------------------------------------------------------------------------
// Per-option fields: every option's `len` and `offset`, and the `value` of the typed ones.

/// How an option's `value` is compared.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// One IPv4 address.
    Ip,
    /// A list of IPv4 addresses.
    Ips,
    /// An integer.
    Num,
    /// Text, compared as tshark shows it (see [`tshark_ascii`]).
    Text,
    /// Option 53, by number.
    MsgType,
    /// Option 55, the codes in order.
    ParamList,
    /// Option 61: type byte and identifier.
    ClientId,
    /// Opaque bytes (we print them as hex), against tshark's `dhcp.option.value`.
    Hex,
}

/// The options whose `value` is compared, with tshark's field for it.
const TYPED_OPTIONS: &[(u8, Kind, &str)] = &[
    (1, Kind::Ip, "dhcp.option.subnet_mask"),
    (2, Kind::Num, "dhcp.option.time_offset"),
    (3, Kind::Ips, "dhcp.option.router"),
    (4, Kind::Ips, "dhcp.option.time_server"),
    (5, Kind::Ips, "dhcp.option.name_server"),
    (6, Kind::Ips, "dhcp.option.domain_name_server"),
    (7, Kind::Ips, "dhcp.option.log_server"),
    (12, Kind::Text, "dhcp.option.hostname"),
    (14, Kind::Text, "dhcp.option.merit_dump_file"),
    (15, Kind::Text, "dhcp.option.domain_name"),
    (17, Kind::Text, "dhcp.option.root_path"),
    (23, Kind::Num, "dhcp.option.default_ip_ttl"),
    (26, Kind::Num, "dhcp.option.interface_mtu"),
    (28, Kind::Ip, "dhcp.option.broadcast_address"),
    (40, Kind::Text, "dhcp.option.nis_domain"),
    (42, Kind::Ips, "dhcp.option.ntp_server"),
    (43, Kind::Hex, "dhcp.option.value"),
    (44, Kind::Ips, "dhcp.option.netbios_over_tcpip_name_server"),
    (46, Kind::Num, "dhcp.option.netbios_over_tcpip_node_type"),
    (50, Kind::Ip, "dhcp.option.requested_ip_address"),
    (51, Kind::Num, "dhcp.option.ip_address_lease_time"),
    (53, Kind::MsgType, "dhcp.option.dhcp"),
    (54, Kind::Ip, "dhcp.option.dhcp_server_id"),
    (55, Kind::ParamList, "dhcp.option.request_list_item"),
    (56, Kind::Text, "dhcp.option.message"),
    (57, Kind::Num, "dhcp.option.dhcp_max_message_size"),
    (58, Kind::Num, "dhcp.option.renewal_time_value"),
    (59, Kind::Num, "dhcp.option.rebinding_time_value"),
    (60, Kind::Text, "dhcp.option.vendor_class_id"),
    (61, Kind::ClientId, "dhcp.option.value"),
    (66, Kind::Text, "dhcp.option.tftp_server_name"),
    (67, Kind::Text, "dhcp.option.bootfile_name"),
    (91, Kind::Num, "dhcp.option.client_last_transaction_time"),
    (92, Kind::Ips, "dhcp.option.associated_ip_option"),
    (101, Kind::Text, "dhcp.option.tz_tcode"),
    (150, Kind::Ips, "dhcp.option.tftp_server_address"),
    (161, Kind::Text, "dhcp.option.mudurl"),
    (252, Kind::Text, "dhcp.option.private_proxy_autodiscovery"),
];

/// How option `code`'s value is compared, and tshark's field for it; `None`: not compared.
fn value_kind(code: u8) -> Option<(Kind, &'static str)> {
    match TYPED_OPTIONS.iter().find(|(c, _, _)| *c == code) {
        Some(&(_, kind, key)) => Some((kind, key)),
        // Site-specific codes (RFC 3942) we know nothing about: raw bytes on both sides.
        None if code >= 224 && code != 249 && code != 252 && code != 255 => {
            Some((Kind::Hex, "dhcp.option.value"))
        }
        None => None,
    }
}

/// One option's compared attributes, normalised. `value` is `None` when it is not compared
/// (an untyped option, or a later part of a split one: its value is on the first part).
#[derive(Debug)]
struct OptionFields {
    code: u8,
    len: Option<String>,
    offset: Option<String>,
    value: Option<Option<String>>,
}

fn ours_value(kind: Kind, v: &Json) -> Option<String> {
    // {"invalid": reason, "hex": ...}: no typed value (and a warning).
    if v.get("invalid").is_some() {
        return None;
    }
    let list = |v: &Json| -> Option<String> {
        v.as_array().map(|a| {
            a.iter()
                .map(|x| x.as_str().map_or_else(|| x.to_string(), str::to_string))
                .collect::<Vec<_>>()
                .join(",")
        })
    };
    match kind {
        Kind::Ip => v.as_str().map(str::to_string),
        Kind::Num => v.as_number().map(ToString::to_string),
        Kind::Ips | Kind::ParamList => list(v),
        Kind::Text => v.as_str().map(|t| tshark_ascii(&unescape(t))),
        Kind::MsgType => v
            .as_str()
            .map(|t| msg_type_number(t).expect("known msg_type").to_string()),
        Kind::ClientId => Some(format!(
            "{}/{}",
            v["type"].as_u64()?,
            v["id"].as_str()?.to_lowercase()
        )),
        Kind::Hex => v.as_str().map(str::to_lowercase),
    }
}

fn ours_options(v: &Json) -> Vec<OptionFields> {
    let Some(options) = v["dhcp"]["options"].as_array() else {
        return Vec::new();
    };
    options
        .iter()
        .map(|o| {
            let code = o["code"].as_u64().and_then(|c| u8::try_from(c).ok());
            let code = code.expect("option code");
            let value = value_kind(code)
                .filter(|_| o.get("continues").is_none())
                .map(|(kind, _)| ours_value(kind, &o["value"]));
            OptionFields {
                code,
                len: o.get("len").map(Json::to_string),
                offset: o.get("offset").map(Json::to_string),
                value,
            }
        })
        .collect()
}

/// tshark's value for an option that came in `parts` (one unless split, RFC 3396): tshark
/// types each part alone, so list values are joined and single values listed with `+`.
fn tshark_value(kind: Kind, key: &str, parts: &[&TOption<'_>]) -> Option<String> {
    let typed: Vec<Vec<&str>> = parts
        .iter()
        .map(|p| {
            p.tree
                .map(|t| {
                    many(t.get(key))
                        .into_iter()
                        .filter_map(Json::as_str)
                        .collect()
                })
                .unwrap_or_default()
        })
        .collect();
    if typed.iter().any(Vec::is_empty) {
        return None;
    }
    let singles = |f: &dyn Fn(&str) -> String| -> String {
        typed
            .iter()
            .map(|v| v.iter().map(|x| f(x)).collect::<Vec<_>>().join(","))
            .collect::<Vec<_>>()
            .join("+")
    };
    let bytes: Vec<u8> = parts.iter().flat_map(|p| p.value_bytes()).collect();
    Some(match kind {
        Kind::Ip => singles(&str::to_string),
        // tshark shows some numbers in hex (`0x...`), signed ones with a minus sign.
        Kind::Num | Kind::MsgType => {
            singles(&|n| parse_num(n).map_or_else(|| n.to_string(), |n| n.to_string()))
        }
        Kind::Ips | Kind::ParamList => typed.concat().join(","),
        Kind::Text => typed.concat().concat(),
        Kind::Hex => bytes.iter().map(|b| format!("{b:02x}")).collect(),
        // The type as tshark types it (`dhcp.hw.type`, `dhcp.client_id.type`, or 255 for an
        // RFC 4361 IAID + DUID), the identifier as tshark's MAC address when it gives one,
        // else the bytes after the type. Other forms (a type tshark does not know, type 1
        // with an identifier that is not 6 bytes long) tshark shows as opaque bytes, whose
        // first is the type (RFC 2132 §9.14).
        Kind::ClientId => {
            let tree = parts[0].tree?;
            let ty = field(tree, "dhcp.hw.type")
                .or_else(|| field(tree, "dhcp.client_id.type"))
                .and_then(parse_num)
                .or_else(|| tree.contains_key("dhcp.client_id.iaid").then_some(255))
                .or_else(|| bytes.first().map(|&t| u64::from(t)))?;
            let id = match field(tree, "dhcp.hw.mac_addr") {
                Some(mac) if parts.len() == 1 => mac.to_lowercase(),
                _ => hex_colon(bytes.get(1..).filter(|id| !id.is_empty())?),
            };
            format!("{ty}/{id}")
        }
    })
}

fn tshark_option_fields(t: &TFrame) -> Vec<OptionFields> {
    let Some(d) = t.dhcp() else {
        return Vec::new();
    };
    let start = t.dhcp_start().expect("the DHCP layer's position");
    let (main, file, sname) = tshark_options(d);
    let all: Vec<&TOption<'_>> = main.iter().chain(&file).chain(&sname).collect();
    all.iter()
        .enumerate()
        .map(|(i, o)| {
            let first = !all[..i].iter().any(|p| p.code == o.code);
            let value = value_kind(o.code).filter(|_| first).map(|(kind, key)| {
                let parts: Vec<&TOption<'_>> =
                    all.iter().filter(|p| p.code == o.code).copied().collect();
                tshark_value(kind, key, &parts)
            });
            OptionFields {
                code: o.code,
                len: o.typed("dhcp.option.length"),
                offset: Some((o.pos - start).to_string()),
                value,
            }
        })
        .collect()
}

/// `options[3](54).value` → (3, 54, "value").
fn option_key(key: &str) -> Option<(usize, u8, &str)> {
    let rest = key.strip_prefix("options[")?;
    let (index, rest) = rest.split_once("](")?;
    let (code, attr) = rest.split_once(").")?;
    Some((index.parse().ok()?, code.parse().ok()?, attr))
}

// ---------------------------------------------------------------------------------------
// Exceptions: documented disagreements, each with a check that it applies.

/// How tshark reports a pcapng section whose major version it cannot read.
const UNKNOWN_SECTION_VERSION: &str = "unknown SHB version";

const AFTER_SKIPPED_SECTION: &str = "frame after a pcapng section with an unknown major version: tshark stops reading \
     there; we skip that section (with a warning) and read the sections after it";

/// Why tshark lists a DHCP frame that we, by design, do not decode; `None` when no
/// documented rule covers it.
fn frame_set_exception(t: &TFrame) -> Option<&'static str> {
    // We decode DHCP carried directly in UDP over the frame's own (first) IPv4 header, or
    // in a CAPWAP data tunnel. tshark also dissects DHCP quoted inside ICMP errors (not a
    // DHCP packet) or in other tunnels (GRE, ...): check that its protocol stack says so.
    (!t.dhcp_is_direct() && t.protocols.iter().filter(|p| *p == "ip").count() >= 2).then_some(
        "DHCP nested inside another protocol (ICMP quote or a tunnel other than CAPWAP): we decode only DHCP directly in UDP over the frame's IPv4 or in CAPWAP data",
    )
}

/// The DHCP fixed-header fields.
const HEADER_FIELDS: [&str; 15] = [
    "op",
    "htype",
    "hlen",
    "hops",
    "xid",
    "secs",
    "flags",
    "broadcast",
    "ciaddr",
    "yiaddr",
    "siaddr",
    "giaddr",
    "chaddr",
    "sname",
    "file",
];

const SECS_LITTLE_ENDIAN: &str = "secs: RFC 2131 `secs` is in network byte order and we print the wire value; tshark \
     byte-swaps it when it guesses a little-endian (old Windows) client and flags `dhcp.secs_le`";

const NO_FIELDS_WHEN_SHORT: &str = "header field of a message shorter than 240 bytes: tshark's DHCP dissector reads the \
     magic cookie (offset 236) before adding any field and throws on a short payload \
     (`_ws.short`/`_ws.malformed`), so it shows none; we decode the fixed header as far as it \
     was captured and warn that the message is truncated";

const HLEN_ABOVE_16: &str = "chaddr with hlen > 16: tshark shows no client hardware address; we show the whole \
     16-byte chaddr field and warn that hlen exceeds it";

const MSG_TYPE_BAD_LENGTH: &str = "msg_type of an option 53 whose length is not 1: tshark reads its first byte anyway; we \
     give no message type and warn about the length (RFC 2132 §9.6: the length is 1)";

const OPTION_CUT_SHORT: &str = "value of an option whose length runs past the end of the message: tshark throws \
     (`_ws.malformed`) and shows no value; we show the bytes that are there and warn that the \
     option is cut";

const REPEATED_FIXED_SIZE: &str = "value of a fixed-size option (one address, number or message type) that appears more \
     than once: RFC 3396 concatenates every repeated option, which gives a value of the wrong \
     size, so we show none and warn about the repetition and the length; tshark types each \
     instance on its own";

const TEXT_WITH_NUL: &str = "value of a text option holding a NUL byte: tshark keeps each part's text only up to its \
     first NUL; we show every byte (the NUL escaped)";

/// Checks the documented rules for one option's `attr` (`len`, `offset` or `value`): `index`
/// in our option list, `code` on both sides.
fn option_exception(
    t: &TFrame,
    ours: &Json,
    (index, code, attr): (usize, u8, &str),
    ov: Option<&str>,
    tv: Option<&str>,
) -> Option<&'static str> {
    // No rule covers `len` or `offset`.
    if attr != "value" {
        return None;
    }
    let (kind, _) = value_kind(code)?;
    let d = t.dhcp()?;
    let start = t.dhcp_start()?;
    let (main, file, sname) = tshark_options(d);
    let parts: Vec<&TOption<'_>> = main
        .iter()
        .chain(&file)
        .chain(&sname)
        .filter(|o| o.code == code)
        .collect();
    let warnings: Vec<&str> = ours["warnings"]
        .as_array()
        .map(|w| w.iter().filter_map(Json::as_str).collect())
        .unwrap_or_default();
    let we_warn = |prefix: &str| warnings.iter().any(|w| w.starts_with(prefix));
    let ours_option = &ours["dhcp"]["options"][index];
    if ours_option["code"].as_u64() != Some(u64::from(code)) {
        return None;
    }

    // A part whose length runs past the end of the message: tshark gives no value.
    let cut = parts
        .iter()
        .find(|p| p.tree.is_some_and(|t| !t.contains_key("dhcp.option.value")));
    if let Some(cut) = cut
        && ov.is_some()
        && tv.is_none()
        && t.layers.contains_key("_ws.malformed")
        && we_warn(&format!(
            "option {code} at offset {} claims",
            cut.pos - start
        ))
    {
        return Some(OPTION_CUT_SHORT);
    }

    if code == 53
        && parts.len() == 1
        && parts[0]
            .typed("dhcp.option.length")
            .is_some_and(|l| l != "1")
        && ov.is_none()
        && tv.is_some()
        && we_warn("option 53 (DHCP Message Type) has length")
    {
        return Some(MSG_TYPE_BAD_LENGTH);
    }

    if matches!(kind, Kind::Ip | Kind::Num | Kind::MsgType)
        && parts.len() > 1
        && ov.is_none()
        && ours_option["value"].get("invalid").is_some()
        && tv.is_some_and(|v| v.split('+').count() == parts.len())
        && warnings.iter().any(|w| {
            w.starts_with(&format!("option {code} ("))
                && w.contains(&format!("appears {} times", parts.len()))
        })
        && warnings
            .iter()
            .any(|w| w.starts_with(&format!("option {code} (")) && w.contains(") has length"))
    {
        return Some(REPEATED_FIXED_SIZE);
    }

    if kind == Kind::Text {
        let raw: Vec<Vec<u8>> = parts.iter().map(|p| p.value_bytes()).collect();
        let all = tshark_ascii(&raw.concat());
        let cut_at_nul: String = raw
            .iter()
            .map(|p| tshark_ascii(&p[..p.iter().position(|&b| b == 0).unwrap_or(p.len())]))
            .collect();
        if all.contains('\0') && ov == Some(all.as_str()) && tv == Some(cut_at_nul.as_str()) {
            return Some(TEXT_WITH_NUL);
        }
    }
    None
}

/// A documented rule explaining a disagreement on `field` of one frame, after checking that
/// the rule's conditions hold on both decodings; `None` when no rule covers it.
fn field_exception(
    t: &TFrame,
    ours: &Json,
    field: &str,
    ov: Option<&str>,
    tv: Option<&str>,
) -> Option<&'static str> {
    if let Some(key) = option_key(field) {
        return option_exception(t, ours, key, ov, tv);
    }
    if field == "secs" {
        let flagged = t
            .dhcp()
            .and_then(|d| d.get("dhcp.secs_tree"))
            .and_then(|tree| tree.get("_ws.expert"))
            .and_then(Json::as_object)
            .is_some_and(|e| e.contains_key("dhcp.secs_le"));
        let wire = ov.and_then(|o| o.parse::<u16>().ok());
        let shown = tv.and_then(|t| t.parse::<u16>().ok());
        if flagged && wire.is_some() && wire.map(u16::swap_bytes) == shown {
            return Some(SECS_LITTLE_ENDIAN);
        }
    }
    let we_warn = |prefix: &str| {
        ours["warnings"].as_array().is_some_and(|w| {
            w.iter()
                .any(|w| w.as_str().is_some_and(|w| w.starts_with(prefix)))
        })
    };
    if field == "chaddr" && tv.is_none() && t.has_dhcp_fields() {
        let hlen = ours["dhcp"]["hlen"].as_u64().unwrap_or(0);
        let shown = ov.map_or(0, |c| c.split(':').count());
        if hlen > 16 && shown == 16 && we_warn(&format!("hlen {hlen} exceeds")) {
            return Some(HLEN_ABOVE_16);
        }
    }
    if field == "msg_type" && ov.is_none() && tv.is_some() {
        let first_53_len = t.dhcp().and_then(|d| {
            let (main, file, sname) = tshark_options(d);
            let first = main
                .into_iter()
                .chain(file)
                .chain(sname)
                .find(|o| o.code == 53);
            first.and_then(|o| o.typed("dhcp.option.length"))
        });
        if first_53_len.is_some_and(|l| l != "1")
            && we_warn("option 53 (DHCP Message Type) has length")
        {
            return Some(MSG_TYPE_BAD_LENGTH);
        }
    }
    let code = match field {
        "hostname" => Some(12u8),
        "client_id" => Some(61),
        _ => None,
    };
    if let (Some(code), Some(d)) = (code, t.dhcp()) {
        let (main, file, sname) = tshark_options(d);
        let last = main
            .iter()
            .chain(&file)
            .chain(&sname)
            .rfind(|o| o.code == code);
        let tshark_lost_it = last.is_some_and(|o| o.typed("dhcp.option.value").is_none());
        if tshark_lost_it
            && t.layers.contains_key("_ws.malformed")
            && we_warn(&format!("option {code} at offset"))
        {
            return Some(OPTION_CUT_SHORT);
        }
    }
    if HEADER_FIELDS.contains(&field) && ov.is_some() && tv.is_none() {
        let we_warn_truncated = ours["warnings"].as_array().is_some_and(|w| {
            w.iter().any(|w| {
                w.as_str()
                    .is_some_and(|w| w.starts_with("message truncated"))
            })
        });
        if !t.has_dhcp_fields() && t.is_short_or_malformed() && we_warn_truncated {
            return Some(NO_FIELDS_WHEN_SHORT);
        }
    }
    None
}

// ---------------------------------------------------------------------------------------
// The comparison.

#[derive(Default)]
struct FileReport {
    name: String,
    frames: usize,
    fields: usize,
    /// Applied exceptions: reason → where ("frame N field").
    exceptions: BTreeMap<&'static str, Vec<String>>,
    failures: Vec<String>,
    note: Option<String>,
}

impl FileReport {
    fn exception_count(&self) -> usize {
        self.exceptions.values().map(Vec::len).sum()
    }
}

fn display_name(path: &Path, corpus: Corpus) -> String {
    let file = path.file_name().unwrap().to_string_lossy();
    match corpus {
        Corpus::V6 => format!("v6/{file}"),
        _ => file.into_owned(),
    }
}

fn compare(
    name: &str,
    corpus: Corpus,
    ours: &BTreeMap<u64, Json>,
    theirs: &TsharkRun,
) -> FileReport {
    let mut r = FileReport {
        name: name.to_string(),
        note: theirs.stderr_note.clone(),
        ..FileReport::default()
    };
    if corpus == Corpus::V6 && !ours.is_empty() {
        r.failures.push(format!(
            "DHCPv6-only capture, but we printed {} packets",
            ours.len()
        ));
    }
    let tframes: BTreeMap<u64, &TFrame> = theirs.frames.iter().map(|f| (f.number, f)).collect();
    for (n, t) in &tframes {
        if ours.contains_key(n) {
            continue;
        }
        match frame_set_exception(t) {
            Some(reason) => r
                .exceptions
                .entry(reason)
                .or_default()
                .push(format!("frame {n} ({})", t.protocols.join(":"))),
            None => r.failures.push(format!(
                "frame {n}: tshark decodes DHCP ({}), we do not",
                t.protocols.join(":")
            )),
        }
    }
    let tshark_stopped_at_section = theirs
        .stderr_note
        .as_ref()
        .is_some_and(|note| note.contains(UNKNOWN_SECTION_VERSION));
    let tshark_last = tframes.keys().next_back().copied().unwrap_or(0);
    for (n, o) in ours {
        let Some(t) = tframes.get(n) else {
            if tshark_stopped_at_section && *n > tshark_last {
                r.exceptions
                    .entry(AFTER_SKIPPED_SECTION)
                    .or_default()
                    .push(format!("frame {n}"));
            } else {
                r.failures
                    .push(format!("frame {n}: we decode DHCP, tshark does not"));
            }
            continue;
        };
        if !t.dhcp_is_direct() {
            r.failures.push(format!(
                "frame {n}: we decode it, but tshark finds its DHCP nested ({})",
                t.protocols.join(":")
            ));
            continue;
        }
        r.frames += 1;
        let of = ours_fields(o);
        let tf = tshark_fields(t, &theirs.ts_digits);
        assert_eq!(
            of.keys().collect::<Vec<_>>(),
            tf.keys().collect::<Vec<_>>(),
            "both sides must list the same fields"
        );
        let mut pairs: Vec<(String, Option<String>, Option<String>)> = of
            .iter()
            .map(|(k, ov)| (k.to_string(), ov.clone(), tf[k].clone()))
            .collect();
        // Each option's own fields, paired in wire order once both list the same codes (when
        // they do not, `options` already says so).
        if of["options"] == tf["options"] {
            let (oo, to) = (ours_options(o), tshark_option_fields(t));
            assert_eq!(oo.len(), to.len(), "frame {n}: option lists pair up");
            for (i, (a, b)) in oo.into_iter().zip(to).enumerate() {
                assert_eq!(a.code, b.code);
                assert_eq!(a.value.is_some(), b.value.is_some(), "same values compared");
                let key = |attr: &str| format!("options[{i}]({}).{attr}", a.code);
                pairs.push((key("len"), a.len, b.len));
                pairs.push((key("offset"), a.offset, b.offset));
                if let (Some(ov), Some(tv)) = (a.value, b.value) {
                    pairs.push((key("value"), ov, tv));
                }
            }
        }
        for (k, ov, tv) in pairs {
            r.fields += 1;
            if ov == tv {
                continue;
            }
            match field_exception(t, o, &k, ov.as_deref(), tv.as_deref()) {
                Some(reason) => r
                    .exceptions
                    .entry(reason)
                    .or_default()
                    .push(format!("frame {n} {k}")),
                None => r
                    .failures
                    .push(format!("frame {n} {k}: ours {ov:?}, tshark {tv:?}")),
            }
        }
    }
    r
}

fn compare_file(path: &Path, corpus: Corpus) -> FileReport {
    let ours = run_ours(path);
    let theirs = run_tshark(path);
    compare(&display_name(path, corpus), corpus, &ours, &theirs)
}

/// Skips (or, in CI, fails) when tshark cannot run.
fn require_tshark() -> bool {
    match tshark_available() {
        Ok(()) => true,
        Err(why) => {
            gate::skip_or_fail("tshark_agreement", &why);
            false
        }
    }
}

#[test]
fn decode_agrees_with_tshark_frame_by_frame() {
    if !require_tshark() {
        return;
    }
    let files = captures();
    // tshark's start-up dominates: compare files in parallel, report in order.
    let workers = std::thread::available_parallelism().map_or(4, |n| n.get().min(8));
    let next = AtomicUsize::new(0);
    let results = Mutex::new(BTreeMap::new());
    std::thread::scope(|s| {
        for _ in 0..workers {
            s.spawn(|| {
                while let Some((path, corpus)) = files.get(next.fetch_add(1, Ordering::Relaxed)) {
                    let report = compare_file(path, *corpus);
                    results.lock().unwrap().insert(path.clone(), report);
                }
            });
        }
    });
    let results = results.into_inner().unwrap();
    assert_eq!(results.len(), files.len(), "a comparison panicked");

    let (mut frames, mut fields, mut exceptions) = (0, 0, 0);
    let mut failures = Vec::new();
    println!(
        "{:<56} {:>7} {:>8} {:>10}",
        "file", "frames", "fields", "exceptions"
    );
    for (path, _) in &files {
        let r = &results[path];
        println!(
            "{:<56} {:>7} {:>8} {:>10}{}",
            r.name,
            r.frames,
            r.fields,
            r.exception_count(),
            r.note
                .as_ref()
                .map(|n| format!("  [tshark: {n}]"))
                .unwrap_or_default()
        );
        for (reason, places) in &r.exceptions {
            println!("    {} x {reason}: {}", places.len(), places.join(", "));
        }
        frames += r.frames;
        fields += r.fields;
        exceptions += r.exception_count();
        failures.extend(r.failures.iter().map(|f| format!("{}: {f}", r.name)));
    }
    println!(
        "tshark_agreement: {frames} frames in {} files, {fields} field comparisons, {} disagreements, {exceptions} documented exceptions applied",
        results.len(),
        failures.len()
    );
    assert!(
        failures.is_empty(),
        "{} disagreements with tshark:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

// ---------------------------------------------------------------------------------------
// Frame numbering.

/// One frame as numbered: number, length on the wire, captured length, epoch time with
/// nanoseconds (`None` when the record has none).
type Numbered = (u64, u64, u64, Option<String>);

/// Every frame of a capture as our reader numbers it, and whether the read ended early.
fn our_frames(path: &Path) -> (Vec<Numbered>, Option<String>) {
    use dhcpscope::source::FileSource;
    let mut source = FileSource::open(path).expect("open capture");
    let mut frames = Vec::new();
    let error = loop {
        match source.next_frame() {
            Ok(Some(f)) => frames.push((
                f.number,
                u64::from(f.orig_len),
                f.data.len() as u64,
                f.ts.is_known()
                    .then(|| format!("{}.{:09}", f.ts.secs, f.ts.nanos)),
            )),
            Ok(None) => break None,
            Err(e) => break Some(e.to_string()),
        }
    };
    (frames, error)
}

/// Every frame tshark lists (`-T fields -e frame.number ...`), and its complaint if any.
fn tshark_frames(path: &Path) -> (Vec<Numbered>, Option<String>) {
    let out = Command::new("tshark")
        .args(["-n", "-r"])
        .arg(path)
        .args(["-T", "fields", "-e", "frame.number", "-e", "frame.len"])
        .args(["-e", "frame.cap_len", "-e", "frame.time_epoch"])
        .output()
        .expect("run tshark");
    let frames = String::from_utf8(out.stdout)
        .expect("utf-8")
        .lines()
        .map(|l| {
            let f: Vec<&str> = l.split('\t').collect();
            let num = |i: usize| f[i].parse::<u64>().expect("number");
            let time = Some(f[3]).filter(|t| !t.is_empty()).map(str::to_string);
            (num(0), num(1), num(2), time)
        })
        .collect();
    let complaint = (!out.status.success()).then(|| String::from_utf8_lossy(&out.stderr).into());
    (frames, complaint)
}

/// Frame numbers, lengths and times equal tshark's for every frame of every capture (pcapng
/// Custom Blocks included). The only frames tshark does not list are those after a section
/// it cannot read, where it stops and we go on.
#[test]
fn frame_numbers_agree_with_tshark() {
    if !require_tshark() {
        return;
    }
    let files = captures();
    // tshark's start-up dominates: read files in parallel, compare in order.
    let workers = std::thread::available_parallelism().map_or(4, |n| n.get().min(8));
    let next = AtomicUsize::new(0);
    let read = Mutex::new(BTreeMap::new());
    std::thread::scope(|s| {
        for _ in 0..workers {
            s.spawn(|| {
                while let Some((path, _)) = files.get(next.fetch_add(1, Ordering::Relaxed)) {
                    let both = (our_frames(path), tshark_frames(path));
                    read.lock().unwrap().insert(path.clone(), both);
                }
            });
        }
    });
    let mut read = read.into_inner().unwrap();
    assert_eq!(read.len(), files.len(), "a read panicked");
    let (mut compared, mut beyond, mut failures) = (0, 0, Vec::new());
    let mut overflowed_times = Vec::new();
    for (path, corpus) in &files {
        let name = display_name(path, *corpus);
        let ((ours, our_error), (theirs, complaint)) = read.remove(path).unwrap();
        if name == "pcapng-custom-blocks.pcapng" {
            // Not vacuous: the three Custom Blocks are frames on both sides.
            assert_eq!((ours.len(), theirs.len()), (10, 10));
        }
        let stopped_at_section = complaint
            .as_deref()
            .is_some_and(|c| c.contains(UNKNOWN_SECTION_VERSION));
        if let Some(c) = &complaint {
            assert!(
                c.contains("cut short") && our_error.is_some() || stopped_at_section,
                "{name}: tshark: {c}"
            );
        }
        for (i, t) in theirs.iter().enumerate() {
            match ours.get(i) {
                Some(o) if o == t => compared += 1,
                // A classic pcap record whose microseconds exceed 999999: tshark multiplies
                // them into a 32-bit nanosecond field that overflows (it shows a negative
                // fraction of more than 9 digits); we carry the excess into the seconds.
                Some(o)
                    if (o.0, o.1, o.2) == (t.0, t.1, t.2)
                        && t.3.as_deref().is_some_and(|time| {
                            time.split_once('.')
                                .is_some_and(|(_, frac)| frac.len() != 9 || frac.contains('-'))
                                || time.starts_with("-0.")
                        }) =>
                {
                    compared += 1;
                    overflowed_times.push(format!("{name} frame {}", t.0));
                }
                o => failures.push(format!("{name}: tshark {t:?}, ours {o:?}")),
            }
        }
        let extra = ours.len().saturating_sub(theirs.len());
        if extra > 0 && !stopped_at_section {
            failures.push(format!("{name}: {extra} frames more than tshark lists"));
        }
        beyond += extra;
    }
    println!(
        "frame numbering: {compared} frames in {} files equal tshark's (number, length, captured length, time); {beyond} frames after a section tshark cannot read; {} times tshark overflows ({}); {} disagreements",
        files.len(),
        overflowed_times.len(),
        overflowed_times.join(", "),
        failures.len()
    );
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// The comparison is not vacuous: changing any one field of our output on a real capture
/// is reported as a disagreement on exactly that field.
#[test]
fn a_changed_field_is_a_disagreement() {
    if !require_tshark() {
        return;
    }
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("captures/relay-opt82.pcapng");
    let ours = run_ours(&path);
    let theirs = run_tshark(&path);
    let clean = compare("relay-opt82.pcapng", Corpus::Local, &ours, &theirs);
    assert!(clean.failures.is_empty(), "{:?}", clean.failures);
    assert!(clean.frames > 0);
    let (&n, packet) = ours.iter().next().expect("a DHCP frame");
    type Mutation = (&'static str, Box<dyn Fn(&mut Json)>);
    let mutations: Vec<Mutation> = vec![
        (
            "ts",
            Box::new(|p| p["ts"] = "2001-02-03T04:05:06.000007Z".into()),
        ),
        (
            "src_mac",
            Box::new(|p| p["src_mac"] = "de:ad:be:ef:00:01".into()),
        ),
        (
            "dst_mac",
            Box::new(|p| p["dst_mac"] = "de:ad:be:ef:00:01".into()),
        ),
        ("vlan", Box::new(|p| p["vlan"] = serde_json::json!([4094]))),
        ("src_ip", Box::new(|p| p["src_ip"] = "203.0.113.99".into())),
        ("dst_ip", Box::new(|p| p["dst_ip"] = "203.0.113.99".into())),
        ("src_port", Box::new(|p| p["src_port"] = 12345.into())),
        ("dst_port", Box::new(|p| p["dst_port"] = 12345.into())),
        ("op", Box::new(|p| p["dhcp"]["op"] = 7.into())),
        ("htype", Box::new(|p| p["dhcp"]["htype"] = 7.into())),
        ("hlen", Box::new(|p| p["dhcp"]["hlen"] = 7.into())),
        ("hops", Box::new(|p| p["dhcp"]["hops"] = 7.into())),
        ("xid", Box::new(|p| p["dhcp"]["xid"] = "0x12345678".into())),
        ("secs", Box::new(|p| p["dhcp"]["secs"] = 12345.into())),
        ("flags", Box::new(|p| p["dhcp"]["flags"] = 12345.into())),
        (
            "broadcast",
            Box::new(|p| p["dhcp"]["broadcast"] = true.into()),
        ),
        (
            "ciaddr",
            Box::new(|p| p["dhcp"]["ciaddr"] = "203.0.113.99".into()),
        ),
        (
            "yiaddr",
            Box::new(|p| p["dhcp"]["yiaddr"] = "203.0.113.99".into()),
        ),
        (
            "siaddr",
            Box::new(|p| p["dhcp"]["siaddr"] = "203.0.113.99".into()),
        ),
        (
            "giaddr",
            Box::new(|p| p["dhcp"]["giaddr"] = "203.0.113.99".into()),
        ),
        (
            "chaddr",
            Box::new(|p| p["dhcp"]["chaddr"] = "de:ad:be:ef:00:01".into()),
        ),
        (
            "msg_type",
            Box::new(|p| p["dhcp"]["msg_type"] = "TLS".into()),
        ),
        (
            "server_id",
            Box::new(|p| p["dhcp"]["server_id"] = "203.0.113.99".into()),
        ),
        (
            "requested_ip",
            Box::new(|p| p["dhcp"]["requested_ip"] = "203.0.113.99".into()),
        ),
        (
            "lease_time",
            Box::new(|p| p["dhcp"]["lease_time"] = 12345.into()),
        ),
        (
            "hostname",
            Box::new(|p| p["dhcp"]["hostname"] = "mutated\\x1b".into()),
        ),
        (
            "client_id",
            Box::new(|p| p["dhcp"]["client_id"] = "ff:ee".into()),
        ),
        ("sname", Box::new(|p| p["dhcp"]["sname"] = "mutated".into())),
        ("file", Box::new(|p| p["dhcp"]["file"] = "mutated".into())),
        (
            "options",
            Box::new(|p| {
                p["dhcp"]["options"]
                    .as_array_mut()
                    .unwrap()
                    .push(serde_json::json!({"code": 254}))
            }),
        ),
    ];
    let names: BTreeSet<&str> = mutations.iter().map(|(f, _)| *f).collect();
    let all: BTreeSet<&str> = ours_fields(packet).into_keys().collect();
    assert_eq!(names, all, "every compared field has a mutation");
    for (field, mutate) in &mutations {
        let mut changed = ours.clone();
        mutate(changed.get_mut(&n).unwrap());
        let r = compare("relay-opt82.pcapng", Corpus::Local, &changed, &theirs);
        let expected = format!("frame {n} {field}: ");
        assert!(
            r.failures.len() == 1 && r.failures[0].starts_with(&expected),
            "changing {field} gave {:?}",
            r.failures
        );
    }
    // Every option's len, offset and (typed options) value, on every frame: changing one is a
    // disagreement on exactly that attribute of exactly that option.
    let mut kinds = BTreeSet::new();
    for (&n, packet) in &ours {
        let options = packet["dhcp"]["options"].as_array().unwrap();
        for (i, o) in options.iter().enumerate() {
            let code = o["code"].as_u64().unwrap() as u8;
            let mut attrs = vec![
                ("len", Json::from(o["len"].as_u64().unwrap() + 1)),
                ("offset", Json::from(o["offset"].as_u64().unwrap() + 1)),
            ];
            if let Some((kind, _)) = value_kind(code) {
                kinds.insert(format!("{kind:?}"));
                let other = match kind {
                    Kind::Ip => serde_json::json!("203.0.113.99"),
                    Kind::Ips => serde_json::json!(["203.0.113.99"]),
                    Kind::Num => serde_json::json!(12345),
                    Kind::Text => serde_json::json!("mutated"),
                    Kind::MsgType => serde_json::json!("TLS"),
                    Kind::ParamList => serde_json::json!([254]),
                    Kind::ClientId => serde_json::json!({"type": 9, "id": "ff:ee"}),
                    Kind::Hex => serde_json::json!("ffee"),
                };
                attrs.push(("value", other));
            }
            for (attr, other) in attrs {
                let mut changed = ours.clone();
                changed.get_mut(&n).unwrap()["dhcp"]["options"][i][attr] = other;
                let r = compare("relay-opt82.pcapng", Corpus::Local, &changed, &theirs);
                let expected = format!("frame {n} options[{i}]({code}).{attr}: ");
                assert!(
                    r.failures.len() == 1 && r.failures[0].starts_with(&expected),
                    "changing {expected} gave {:?}",
                    r.failures
                );
            }
        }
    }
    assert_eq!(
        kinds.into_iter().collect::<Vec<_>>(),
        [
            "ClientId",
            "Ip",
            "Ips",
            "MsgType",
            "Num",
            "ParamList",
            "Text"
        ],
        "the typed values checked here"
    );
    // A frame we drop, or one we invent, is a disagreement too.
    let mut fewer = ours.clone();
    fewer.remove(&n);
    assert_eq!(
        compare("x", Corpus::Local, &fewer, &theirs).failures.len(),
        1
    );
    let mut more = ours.clone();
    more.insert(999_999, packet.clone());
    assert_eq!(
        compare("x", Corpus::Local, &more, &theirs).failures.len(),
        1
    );
}

/// The field rules apply only where their checks hold: a value that is not tshark's
/// byte-swapped `secs`, or a header field tshark does show, is still a disagreement.
#[test]
fn exceptions_apply_only_where_checked() {
    if !require_tshark() {
        return;
    }
    let public = Path::new(PUBLIC_DIR);
    let (swapped, short) = (
        public.join("pcapplusplus__raw_ip.pcap"),
        public.join("tcpdump__bootp_asan.pcap"),
    );
    if gate::public_capture(
        "exceptions_apply_only_where_checked",
        "pcapplusplus__raw_ip.pcap",
    )
    .is_none()
    {
        return;
    }
    assert!(short.is_file(), "{} missing", short.display());
    // secs: the wire value passes as an exception, any other value fails.
    let ours = run_ours(&swapped);
    let theirs = run_tshark(&swapped);
    let clean = compare("raw_ip", Corpus::Public, &ours, &theirs);
    assert!(clean.failures.is_empty(), "{:?}", clean.failures);
    assert_eq!(clean.exceptions[SECS_LITTLE_ENDIAN].len(), 2);
    let mut changed = ours.clone();
    let (&n, p) = changed.iter_mut().next().unwrap();
    p["dhcp"]["secs"] = 27.into(); // neither the wire value (6656) nor tshark's 26
    let r = compare("raw_ip", Corpus::Public, &changed, &theirs);
    assert_eq!(r.failures.len(), 1, "{:?}", r.failures);
    assert!(r.failures[0].starts_with(&format!("frame {n} secs:")));

    // Short message: only while we warn that it is truncated.
    let ours = run_ours(&short);
    let theirs = run_tshark(&short);
    let clean = compare("asan", Corpus::Public, &ours, &theirs);
    assert!(clean.failures.is_empty(), "{:?}", clean.failures);
    assert!(!clean.exceptions[NO_FIELDS_WHEN_SHORT].is_empty());
    let mut changed = ours.clone();
    changed.values_mut().next().unwrap()["warnings"] = serde_json::json!([]);
    let r = compare("asan", Corpus::Public, &changed, &theirs);
    assert_eq!(
        r.failures.len(),
        clean.exceptions[NO_FIELDS_WHEN_SHORT].len(),
        "{:?}",
        r.failures
    );
}

// ---------------------------------------------------------------------------------------
// Synthetic edge cases, decoded by both tools like the captures.

/// Ethernet + IPv4 + UDP 68 → 67 around a DHCP payload (UDP checksum left out).
fn udp_frame(payload: &[u8]) -> Vec<u8> {
    let mut f = vec![0xff; 6];
    f.extend([0x02, 0x10, 0, 0, 0, 0x42, 0x08, 0x00]);
    let mut ip = vec![0x45, 0];
    ip.extend(((20 + 8 + payload.len()) as u16).to_be_bytes());
    ip.extend([0, 1, 0, 0, 64, 17, 0, 0, 0, 0, 0, 0, 255, 255, 255, 255]);
    let sum: u32 = ip
        .chunks(2)
        .map(|w| u32::from(u16::from_be_bytes([w[0], w[1]])))
        .sum();
    let sum = (sum & 0xffff) + (sum >> 16);
    ip[10..12].copy_from_slice(&(!(sum as u16)).to_be_bytes());
    f.extend(ip);
    f.extend([0, 68, 0, 67]);
    f.extend((8 + payload.len() as u16).to_be_bytes());
    f.extend([0, 0]);
    f.extend(payload);
    f
}

/// A BOOTREQUEST: fixed header (chaddr a0..af), then `cookie` and `options`.
fn message(
    htype: u8,
    hlen: u8,
    sname: &[u8],
    file: &[u8],
    cookie: &[u8],
    options: &[u8],
) -> Vec<u8> {
    let mut m = vec![0u8; 236];
    m[..3].copy_from_slice(&[1, htype, hlen]);
    m[4..8].copy_from_slice(&[0x12, 0x34, 0x56, 0x78]);
    for (i, b) in m[28..44].iter_mut().enumerate() {
        *b = 0xa0 + i as u8;
    }
    m[44..44 + sname.len()].copy_from_slice(sname);
    m[108..108 + file.len()].copy_from_slice(file);
    m.extend(cookie);
    m.extend(options);
    m
}

fn write_pcap(path: &Path, payloads: &[Vec<u8>]) {
    let mut out = Vec::new();
    for word in [0xa1b2_c3d4u32, 0x0004_0002, 0, 0, 65_535, 1] {
        out.extend(word.to_le_bytes());
    }
    for (i, p) in payloads.iter().enumerate() {
        let f = udp_frame(p);
        for word in [
            1_700_000_000 + i as u32,
            250_000,
            f.len() as u32,
            f.len() as u32,
        ] {
            out.extend(word.to_le_bytes());
        }
        out.extend(f);
    }
    std::fs::write(path, out).unwrap();
}

/// Hand-made messages for what the captures may lack: overload of sname, file or both, option
/// 52 nested where it is not allowed, RFC 3396 splits across all three areas, duplicate and
/// wrong-length fixed-size options, options cut by the end of the message, data after End,
/// plain BOOTP, bad cookie, unusual htype/hlen. Every field must agree with tshark, or be one
/// of the documented exceptions, each of which must show up here.
#[test]
fn crafted_edge_cases_agree_with_tshark() {
    if !require_tshark() {
        return;
    }
    const C: &[u8] = &[99, 130, 83, 99];
    let cases: Vec<Vec<u8>> = vec![
        message(1, 20, &[], &[], C, &[53, 1, 1, 255]),
        message(
            1,
            6,
            &[12, 1, b'x', 255],
            &[52, 1, 2, 12, 2, b'h', b'i', 255],
            C,
            &[53, 1, 1, 52, 1, 1, 255],
        ),
        message(
            1,
            6,
            &[],
            &[],
            C,
            &[
                53, 2, 1, 1, 54, 5, 1, 2, 3, 4, 5, 50, 3, 1, 2, 3, 51, 4, 0, 0, 0, 9, 255,
            ],
        ),
        message(
            1,
            6,
            &[],
            &[12, 3, b'a', b'b', b'c'],
            C,
            &[53, 1, 3, 52, 1, 1, 255],
        ),
        message(
            1,
            6,
            &[],
            &[],
            C,
            &[
                53, 1, 3, 0, 0, 0, 12, 3, b'a', 0, b'c', 12, 2, b'd', b'e', 61, 0, 255,
            ],
        ),
        message(
            1,
            6,
            &[54, 4, 9, 9, 9, 9, 50, 4, 1, 1, 1, 1, 255],
            &[],
            C,
            &[53, 1, 3, 52, 1, 2, 255],
        ),
        message(1, 6, &[], &[], C, &[53, 1, 3, 255, 12, 1, 65]),
        message(
            1,
            6,
            &[],
            &[],
            C,
            &[53, 1, 3, 61, 3, 1, 2, 3, 12, 10, b'a', b'b', b'c'],
        ),
        message(1, 6, &[], &[], &[], &[]),
        message(1, 6, &[255], &[255], C, &[53, 1, 1, 52, 1, 3, 255]),
        message(
            1,
            6,
            &[],
            &[],
            C,
            &[
                53, 1, 5, 54, 4, 1, 2, 3, 4, 54, 4, 5, 6, 7, 8, 51, 4, 0, 0, 1, 0, 51, 4, 0, 0, 2,
                0, 255,
            ],
        ),
        message(6, 0, &[], &[], C, &[53, 1, 1, 255]),
        message(6, 16, &[], &[], C, &[53, 1, 1, 255]),
        message(6, 6, &[], &[], C, &[53, 1, 1, 255]),
        message(1, 8, &[], &[], C, &[53, 1, 1, 255]),
        message(
            1,
            6,
            &[12, 1, b'c', 61, 7, 1, 2, 0, 0, 0, 0, 1, 255],
            &[12, 1, b'b', 50, 4, 10, 0, 0, 9, 255],
            C,
            &[53, 1, 3, 52, 1, 3, 12, 1, b'a', 54, 4, 10, 0, 0, 1, 255],
        ),
        message(1, 6, &[], &[], &[0, 0, 0, 0], &[53, 1, 1, 255]),
        // Text sname/file with a backslash, control and non-ASCII bytes; one option of each
        // compared kind (a negative number, opaque and site-specific bytes, a client id of
        // type 0), and an IP list and a parameter list in an overloaded sname.
        message(
            1,
            6,
            &[3, 8, 10, 0, 0, 1, 10, 0, 0, 2, 55, 3, 1, 3, 6, 255],
            b"boot\\x\x1b\xe9/pxelinux.0",
            C,
            &[
                53, 1, 2, 52, 1, 2, 54, 4, 10, 0, 0, 1, 1, 4, 255, 255, 255, 0, 6, 4, 8, 8, 8, 8,
                2, 4, 0xff, 0xff, 0xb9, 0xb0, 26, 2, 5, 220, 58, 4, 0, 0, 1, 0, 59, 4, 0, 0, 2, 0,
                43, 3, 1, 1, 0xff, 224, 2, 0xab, 0xcd, 61, 5, 0, b'a', b'b', b'c', b'd', 56, 4,
                b'o', b'k', 0xe9, b'\\', 255,
            ],
        ),
    ];
    let path = std::env::temp_dir().join(format!("dhcpscope-tshark-{}.pcap", std::process::id()));
    write_pcap(&path, &cases);
    let ours = run_ours(&path);
    let theirs = run_tshark(&path);
    let _ = std::fs::remove_file(&path);
    let r = compare("crafted.pcap", Corpus::Local, &ours, &theirs);
    assert!(r.failures.is_empty(), "{}", r.failures.join("\n"));
    assert_eq!(r.frames, cases.len());
    // Every kind of option value was compared, and the text of sname/file.
    let kinds: BTreeSet<String> = ours
        .values()
        .flat_map(ours_options)
        .filter(|o| o.value.is_some())
        .filter_map(|o| value_kind(o.code).map(|(k, _)| format!("{k:?}")))
        .collect();
    assert_eq!(kinds.len(), 8, "{kinds:?}");
    assert_eq!(ours[&18]["dhcp"]["file"], "boot\\\\x\\x1b\\xe9/pxelinux.0");
    let applied: BTreeMap<&str, Vec<String>> = r
        .exceptions
        .iter()
        .map(|(rule, places)| (*rule, places.clone()))
        .collect();
    let expected: BTreeMap<&str, Vec<String>> = [
        (HLEN_ABOVE_16, vec!["frame 1 chaddr"]),
        (
            MSG_TYPE_BAD_LENGTH,
            vec!["frame 3 msg_type", "frame 3 options[0](53).value"],
        ),
        (
            OPTION_CUT_SHORT,
            vec!["frame 8 hostname", "frame 8 options[2](12).value"],
        ),
        (
            REPEATED_FIXED_SIZE,
            vec![
                "frame 11 options[1](54).value",
                "frame 11 options[3](51).value",
            ],
        ),
        (TEXT_WITH_NUL, vec!["frame 5 options[1](12).value"]),
    ]
    .into_iter()
    .map(|(rule, places)| (rule, places.into_iter().map(String::from).collect()))
    .collect();
    assert_eq!(applied, expected);
    // And only while their checks hold: without our warning each is a disagreement again, and
    // so is a NUL-holding text that is not what tshark cut.
    for n in [3, 8, 11] {
        let mut changed = ours.clone();
        changed.get_mut(&n).unwrap()["warnings"] = serde_json::json!([]);
        let failed: BTreeSet<String> = compare("crafted.pcap", Corpus::Local, &changed, &theirs)
            .failures
            .iter()
            .map(|f| f.split(':').next().unwrap().to_string())
            .collect();
        let places: BTreeSet<String> = expected
            .values()
            .flatten()
            .filter(|p| p.starts_with(&format!("frame {n} ")))
            .cloned()
            .collect();
        assert_eq!(failed, places, "frame {n} without warnings");
    }
    let mut changed = ours.clone();
    changed.get_mut(&5).unwrap()["dhcp"]["options"][1]["value"] = "a\\x00cdX".into();
    let r2 = compare("crafted.pcap", Corpus::Local, &changed, &theirs);
    assert_eq!(r2.failures.len(), 1, "{:?}", r2.failures);
    // The split host name is joined in RFC 3396 order: options, file, sname.
    assert_eq!(ours[&16]["dhcp"]["hostname"], "abc");
}

#[test]
fn test_helpers() {
    assert_eq!(
        rfc3339_to_epoch("1970-01-01T00:00:00Z"),
        Some(("0.000000000".to_string(), 0))
    );
    assert_eq!(
        rfc3339_to_epoch("2024-02-29T23:59:59.123456Z"),
        Some(("1709251199.123456000".to_string(), 6))
    );
    assert_eq!(
        unescape("a\\\\b\\x1b\\u{202e}é"),
        b"a\\b\x1b\xe2\x80\xae\xc3\xa9"
    );
    assert_eq!(
        [6, 9, 0x80 | 8, 0x80 | 10, 0x80 | 20, 0x80 | 30].map(tsresol_digits),
        [6, 9, 8, 9, 9, 9]
    );
}
