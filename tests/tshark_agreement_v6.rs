//! Frame-by-frame agreement between `dhcpscope decode --format jsonl` and tshark on every
//! DHCPv6 message and every ICMPv6 router solicitation/advertisement of `captures/` and of the
//! shared public captures (top level and `v6/`; skipped when absent, failed in CI).
//!
//! Both sides are flattened into the same named facts, each list in wire order:
//! DHCPv6: per layer `msgtype`, `xid`, relay `hopcount`/`linkaddr`/`peeraddr`; per option (in
//! every layer and inside IAs) `opt` = code/length/offset from the start of the outermost
//! message (tshark's from its `-x` positions); DUIDs, IAIDs, T1/T2, IA addresses and prefixes
//! with lifetimes, status codes, DNS servers, search domains, Preference, Elapsed Time,
//! requested options, Interface-Id, Remote-Id enterprise, Reconfigure message, authentication
//! fields, vendor-class enterprise and Information Refresh Time. RS/RA: ICMPv6 type, the RA
//! header (hop limit, M, O, Prf, lifetimes, timers) and per ND option its type/length/offset and
//! values (link-layer address, MTU, prefix and route information, RDNSS, DNSSL).
//! Every fact must agree. The frame sets must agree too, except frames tshark finds inside a
//! tunnel (PPPoE/L2TP, Teredo, CAPWAP), which the frame layer does not open: each such frame is
//! checked to be tunnelled and counted as an exception with its protocol stack.
//!
//! `cargo test --test tshark_agreement_v6 -- --nocapture` prints the per-file counts.

#[path = "common/gate.rs"]
mod gate;

use serde_json::{Map, Value as Json};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

const BIN: &str = env!("CARGO_BIN_EXE_dhcpscope");

/// Named facts of one frame, each list in wire order.
type Facts = BTreeMap<String, Vec<String>>;

fn push(f: &mut Facts, key: &str, v: impl ToString) {
    f.entry(key.to_string()).or_default().push(v.to_string());
}

fn list_captures(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|d| d.filter_map(|e| e.ok().map(|e| e.path())).collect())
        .unwrap_or_default();
    files.retain(|p| {
        p.is_file()
            && p.extension()
                .and_then(|e| e.to_str())
                .is_some_and(|e| matches!(e, "pcap" | "pcapng" | "cap"))
    });
    files.sort();
    files
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
        "dhcpscope failed on {}",
        path.display()
    );
    let mut frames = BTreeMap::new();
    for line in String::from_utf8(out.stdout).expect("utf-8").lines() {
        let v: Json = serde_json::from_str(line).expect("valid JSON line");
        if v.get("dhcpv6").is_some() || v.get("ra").is_some() {
            let n = v["frame"].as_u64().expect("frame number");
            assert!(frames.insert(n, v).is_none(), "frame {n} printed twice");
        }
    }
    frames
}

fn s(v: &Json) -> String {
    match v {
        Json::String(s) => s.clone(),
        other => other.to_string(),
    }
}

fn our_dhcpv6_facts(d: &Json) -> Facts {
    let mut f = Facts::new();
    for r in d["relay_chain"].as_array().into_iter().flatten() {
        push(&mut f, "msgtype", s(&r["msg_type_code"]));
        push(&mut f, "hopcount", s(&r["hop_count"]));
        push(&mut f, "linkaddr", s(&r["link_address"]));
        push(&mut f, "peeraddr", s(&r["peer_address"]));
    }
    let inner_is_relay = d["xid"].is_null();
    if !inner_is_relay {
        push(&mut f, "msgtype", s(&d["msg_type_code"]));
        push(&mut f, "xid", s(&d["xid"]));
    }
    for o in d["options"].as_array().into_iter().flatten() {
        let code = o["code"].as_u64().expect("code");
        push(
            &mut f,
            "opt",
            format!("{code}/{}/{}", o["len"], o["offset"]),
        );
        let v = &o["value"];
        if v.get("invalid").is_some() {
            continue; // malformed values: no field to compare (tshark flags them too)
        }
        match code {
            1 | 2 => push(&mut f, "duid", s(&v["hex"])),
            3 | 25 => {
                push(&mut f, "iaid", s(&v["iaid"]).trim_start_matches("0x"));
                push(&mut f, "t1", s(&v["t1"]));
                push(&mut f, "t2", s(&v["t2"]));
            }
            5 => {
                push(&mut f, "iaaddr", s(&v["addr"]));
                push(&mut f, "iaaddr.pref", s(&v["preferred"]));
                push(&mut f, "iaaddr.valid", s(&v["valid"]));
            }
            26 => {
                push(&mut f, "iaprefix", s(&v["prefix"]));
                push(&mut f, "iaprefix.len", s(&v["prefix_len"]));
                push(&mut f, "iaprefix.pref", s(&v["preferred"]));
                push(&mut f, "iaprefix.valid", s(&v["valid"]));
            }
            13 => push(&mut f, "status", s(&v["code"])),
            23 => v
                .as_array()
                .into_iter()
                .flatten()
                .for_each(|a| push(&mut f, "dns", s(a))),
            24 => v
                .as_array()
                .into_iter()
                .flatten()
                .for_each(|a| push(&mut f, "domain", s(a))),
            7 => push(&mut f, "preference", s(v)),
            // tshark shows Elapsed Time in milliseconds.
            8 => push(&mut f, "elapsed_ms", v.as_u64().expect("elapsed") * 10),
            6 => v
                .as_array()
                .into_iter()
                .flatten()
                .for_each(|c| push(&mut f, "oro", s(c))),
            18 => push(&mut f, "interface_id", s(v)),
            37 => push(&mut f, "remoteid.enterprise", s(&v["enterprise"])),
            19 => push(&mut f, "reconf_msg", s(v)),
            11 => {
                push(&mut f, "auth.protocol", s(&v["protocol"]));
                push(&mut f, "auth.algorithm", s(&v["algorithm"]));
                push(&mut f, "auth.rdm", s(&v["rdm"]));
            }
            16 => push(&mut f, "vendorclass.enterprise", s(&v["enterprise"])),
            32 => push(&mut f, "refresh_time", s(v)),
            39 => push(&mut f, "fqdn", s(&v["name"])),
            _ => {}
        }
    }
    f
}

fn prf_code(name: &str) -> u8 {
    match name {
        "medium" => 0,
        "high" => 1,
        "reserved" => 2,
        _ => 3,
    }
}

fn our_ra_facts(r: &Json) -> Facts {
    let mut f = Facts::new();
    push(&mut f, "icmp_type", s(&r["icmp_type"]));
    if r.get("managed").is_some() {
        push(&mut f, "cur_hop_limit", s(&r["cur_hop_limit"]));
        push(&mut f, "m", u8::from(r["managed"] == true));
        push(&mut f, "o", u8::from(r["other"] == true));
        push(
            &mut f,
            "prf",
            prf_code(r["preference"].as_str().unwrap_or("")),
        );
        push(&mut f, "router_lifetime", s(&r["router_lifetime"]));
        push(&mut f, "reachable_time", s(&r["reachable_time"]));
        push(&mut f, "retrans_timer", s(&r["retrans_timer"]));
    }
    for o in r["options"].as_array().into_iter().flatten() {
        let kind = o["type"].as_u64().expect("type");
        push(
            &mut f,
            "opt",
            format!("{kind}/{}/{}", o["len"], o["offset"]),
        );
        let v = &o["value"];
        if v.get("invalid").is_some() {
            continue;
        }
        match kind {
            1 | 2 => push(&mut f, "linkaddr", s(v)),
            5 => push(&mut f, "mtu", s(v)),
            3 => {
                push(&mut f, "prefix.length", s(&v["prefix_len"]));
                push(&mut f, "prefix.l", u8::from(v["on_link"] == true));
                push(&mut f, "prefix.a", u8::from(v["autonomous"] == true));
                push(&mut f, "prefix.valid", s(&v["valid"]));
                push(&mut f, "prefix.preferred", s(&v["preferred"]));
                push(&mut f, "prefix", s(&v["prefix"]));
            }
            24 => {
                push(&mut f, "prefix.length", s(&v["prefix_len"]));
                push(
                    &mut f,
                    "route.prf",
                    prf_code(v["preference"].as_str().unwrap_or("")),
                );
                push(&mut f, "route.lifetime", s(&v["lifetime"]));
                push(&mut f, "prefix", s(&v["prefix"]));
            }
            25 => {
                push(&mut f, "rdnss.lifetime", s(&v["lifetime"]));
                v["servers"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .for_each(|a| push(&mut f, "rdnss", s(a)));
            }
            31 => {
                push(&mut f, "dnssl.lifetime", s(&v["lifetime"]));
                v["names"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .for_each(|a| push(&mut f, "dnssl", s(a)));
            }
            _ => {}
        }
    }
    f
}

// ---------------------------------------------------------------------------------------
// tshark's side.

struct TFrame {
    number: u64,
    protocols: Vec<String>,
    layers: Map<String, Json>,
}

fn run_tshark(path: &Path) -> Vec<TFrame> {
    let out = Command::new("tshark")
        .args(["-n", "-r"])
        .arg(path)
        .args([
            "-Y",
            "dhcpv6 || icmpv6.type == 133 || icmpv6.type == 134",
            "-T",
            "json",
            "--no-duplicate-keys",
            "-x",
            "-J",
            "frame dhcpv6 icmpv6",
        ])
        .output()
        .expect("run tshark");
    let text = String::from_utf8_lossy(&out.stdout);
    if text.trim().is_empty() {
        return Vec::new();
    }
    let all: Json = serde_json::from_str(&text).expect("tshark JSON");
    all.as_array()
        .expect("array of frames")
        .iter()
        .map(|f| {
            let layers = f["_source"]["layers"].as_object().expect("layers").clone();
            let frame = &layers["frame"];
            TFrame {
                number: s(&frame["frame.number"]).parse().expect("frame number"),
                protocols: s(&frame["frame.protocols"])
                    .split(':')
                    .map(String::from)
                    .collect(),
                layers,
            }
        })
        .collect()
}

/// Position of a field from its `_raw` twin.
fn raw_pos(obj: &Map<String, Json>, key: &str) -> Option<u64> {
    let raw = obj.get(&format!("{key}_raw"))?;
    let first = match raw {
        Json::Array(a) if a.first().is_some_and(Json::is_array) => a.first()?,
        other => other,
    };
    first.get(1)?.as_u64()
}

fn values(v: &Json) -> Vec<String> {
    match v {
        Json::Array(a) => a.iter().map(s).collect(),
        other => vec![s(other)],
    }
}

fn colonless(v: &str) -> String {
    v.replace(':', "")
}

/// Walks tshark's DHCPv6 tree in document order (wire order), collecting facts.
/// `opt` is the code of the option being walked (tshark names a one-label DNS name a "TLD"
/// in options 24 and 39 alike).
fn walk_dhcpv6(v: &Json, start: u64, opt: &str, f: &mut Facts) {
    match v {
        Json::Array(a) => a.iter().for_each(|x| walk_dhcpv6(x, start, opt, f)),
        Json::Object(o) => {
            let opt = o.get("dhcpv6.option.type").map_or(opt.to_string(), s);
            let opt = opt.as_str();
            if let Some(t) = o.get("dhcpv6.option.type") {
                let pos = raw_pos(o, "dhcpv6.option.type").expect("option position");
                let len = o.get("dhcpv6.option.length").map(s).unwrap_or_default();
                push(f, "opt", format!("{}/{len}/{}", s(t), pos - start));
            }
            for (k, v) in o {
                if k.ends_with("_raw") {
                    continue;
                }
                let key = match k.as_str() {
                    "dhcpv6.msgtype" => "msgtype",
                    "dhcpv6.xid" => "xid",
                    "dhcpv6.hopcount" => "hopcount",
                    "dhcpv6.linkaddr" => "linkaddr",
                    "dhcpv6.peeraddr" => "peeraddr",
                    "dhcpv6.duid.bytes" => "duid",
                    "dhcpv6.iaid" => "iaid",
                    "dhcpv6.iaid.t1" => "t1",
                    "dhcpv6.iaid.t2" => "t2",
                    "dhcpv6.iaaddr.ip" => "iaaddr",
                    "dhcpv6.iaaddr.pref_lifetime" => "iaaddr.pref",
                    "dhcpv6.iaaddr.valid_lifetime" => "iaaddr.valid",
                    "dhcpv6.iaprefix.pref_addr" => "iaprefix",
                    "dhcpv6.iaprefix.pref_len" => "iaprefix.len",
                    "dhcpv6.iaprefix.pref_lifetime" => "iaprefix.pref",
                    "dhcpv6.iaprefix.valid_lifetime" => "iaprefix.valid",
                    "dhcpv6.status_code" => "status",
                    "dhcpv6.dns_server" => "dns",
                    // A one-label name is a "TLD" entry for tshark, in the same place.
                    "dhcpv6.search_list_entry" => "domain",
                    "dhcpv6.tld" if opt == "24" => "domain",
                    "dhcpv6.tld" | "dhcpv6.client_domain" if opt == "39" => "fqdn",
                    "dhcpv6.option_preference" => "preference",
                    "dhcpv6.elapsed_time" => "elapsed_ms",
                    "dhcpv6.requested_option_code" => "oro",
                    "dhcpv6.interface_id" => "interface_id",
                    "dhcpv6.remoteid.enterprise" => "remoteid.enterprise",
                    "dhcpv6.reconf_msg" => "reconf_msg",
                    "dhcpv6.auth.protocol" => "auth.protocol",
                    "dhcpv6.auth.algorithm" => "auth.algorithm",
                    "dhcpv6.auth.rdm" => "auth.rdm",
                    "dhcpv6.vendorclass.enterprise" => "vendorclass.enterprise",
                    "dhcpv6.lifetime" => "refresh_time",
                    _ => {
                        walk_dhcpv6(v, start, opt, f);
                        continue;
                    }
                };
                for val in values(v) {
                    let val = match key {
                        "duid" | "interface_id" => colonless(&val),
                        "domain" | "fqdn" => val.trim_end_matches('.').to_string(),
                        _ => val,
                    };
                    push(f, key, val);
                }
            }
        }
        _ => {}
    }
}

fn walk_icmpv6(v: &Json, start: u64, f: &mut Facts) {
    match v {
        Json::Array(a) => a.iter().for_each(|x| walk_icmpv6(x, start, f)),
        Json::Object(o) => {
            if let Some(t) = o.get("icmpv6.opt.type") {
                let pos = raw_pos(o, "icmpv6.opt.type").expect("option position");
                let len = o.get("icmpv6.opt.length").map(s).unwrap_or_default();
                push(f, "opt", format!("{}/{len}/{}", s(t), pos - start));
            }
            for (k, v) in o {
                if k.ends_with("_raw") {
                    continue;
                }
                let key = match k.as_str() {
                    "icmpv6.type" => "icmp_type",
                    "icmpv6.nd.ra.cur_hop_limit" => "cur_hop_limit",
                    "icmpv6.nd.ra.flag.m" => "m",
                    "icmpv6.nd.ra.flag.o" => "o",
                    "icmpv6.nd.ra.flag.prf" => "prf",
                    "icmpv6.nd.ra.router_lifetime" => "router_lifetime",
                    "icmpv6.nd.ra.reachable_time" => "reachable_time",
                    "icmpv6.nd.ra.retrans_timer" => "retrans_timer",
                    "icmpv6.opt.linkaddr" => "linkaddr",
                    "icmpv6.opt.mtu" => "mtu",
                    "icmpv6.opt.prefix.length" => "prefix.length",
                    "icmpv6.opt.prefix.flag.l" => "prefix.l",
                    "icmpv6.opt.prefix.flag.a" => "prefix.a",
                    "icmpv6.opt.prefix.valid_lifetime" => "prefix.valid",
                    "icmpv6.opt.prefix.preferred_lifetime" => "prefix.preferred",
                    "icmpv6.opt.prefix" => "prefix",
                    "icmpv6.opt.route_info.flag.route_preference" => "route.prf",
                    "icmpv6.opt.route_lifetime" => "route.lifetime",
                    "icmpv6.opt.rdnss.lifetime" => "rdnss.lifetime",
                    "icmpv6.opt.rdnss" => "rdnss",
                    "icmpv6.opt.dnssl.lifetime" => "dnssl.lifetime",
                    "icmpv6.opt.dnssl" => "dnssl",
                    _ => {
                        walk_icmpv6(v, start, f);
                        continue;
                    }
                };
                for val in values(v) {
                    push(f, key, val);
                }
            }
        }
        _ => {}
    }
}

fn tshark_facts(t: &TFrame) -> Option<Facts> {
    let mut f = Facts::new();
    if let Some(d) = t.layers.get("dhcpv6") {
        let outer = match d {
            Json::Array(a) => a.first()?,
            other => other,
        };
        let start = raw_pos(outer.as_object()?, "dhcpv6.msgtype")?;
        walk_dhcpv6(d, start, "", &mut f);
    } else {
        let i = t.layers.get("icmpv6")?;
        let outer = match i {
            Json::Array(a) => a.first()?,
            other => other,
        };
        let start = raw_pos(outer.as_object()?, "icmpv6.type")?;
        walk_icmpv6(i, start, &mut f);
    }
    Some(f)
}

/// The tunnel a frame's DHCPv6/ICMPv6 sits in, when tshark found it behind one: only link
/// headers and VLAN tags may come before the IPv6 header we decode.
fn tunnel(t: &TFrame) -> Option<String> {
    let first_v6 = t.protocols.iter().position(|p| p == "ipv6")?;
    let below = &t.protocols[..first_v6];
    let direct = below.iter().all(|p| {
        matches!(
            p.as_str(),
            "eth" | "ethertype" | "vlan" | "sll" | "null" | "raw"
        )
    });
    (!direct).then(|| t.protocols.join(":"))
}

// ---------------------------------------------------------------------------------------

#[derive(Default)]
struct Totals {
    files: usize,
    frames: usize,
    fields: usize,
    exceptions: Vec<String>,
    failures: Vec<String>,
}

fn compare_file(path: &Path, name: &str, t: &mut Totals) {
    let ours = run_ours(path);
    let theirs = run_tshark(path);
    if ours.is_empty() && theirs.is_empty() {
        return;
    }
    t.files += 1;
    let (mut frames, mut fields, mut exceptions) = (0, 0, 0);
    let tmap: BTreeMap<u64, &TFrame> = theirs.iter().map(|f| (f.number, f)).collect();
    for (n, tf) in &tmap {
        if ours.contains_key(n) {
            continue;
        }
        match tunnel(tf) {
            Some(stack) => {
                exceptions += 1;
                t.exceptions.push(format!(
                    "{name} frame {n}: inside a tunnel we do not open ({stack})"
                ));
            }
            None => t.failures.push(format!(
                "{name} frame {n}: tshark decodes it ({}), we do not",
                tf.protocols.join(":")
            )),
        }
    }
    for (n, o) in &ours {
        let Some(tf) = tmap.get(n) else {
            t.failures
                .push(format!("{name} frame {n}: we decode it, tshark does not"));
            continue;
        };
        if let Some(stack) = tunnel(tf) {
            t.failures.push(format!(
                "{name} frame {n}: we decode it, but tshark finds it tunnelled ({stack})"
            ));
            continue;
        }
        let mine = match (o.get("dhcpv6"), o.get("ra")) {
            (Some(d), _) => our_dhcpv6_facts(d),
            (None, Some(r)) => our_ra_facts(r),
            _ => unreachable!("filtered in run_ours"),
        };
        let Some(theirs) = tshark_facts(tf) else {
            t.failures
                .push(format!("{name} frame {n}: no tshark fields to compare"));
            continue;
        };
        frames += 1;
        let keys: std::collections::BTreeSet<&String> = mine.keys().chain(theirs.keys()).collect();
        for key in keys {
            let (a, b) = (mine.get(key), theirs.get(key));
            if a != b {
                t.failures
                    .push(format!("{name} frame {n} {key}: ours {a:?}, tshark {b:?}"));
            }
        }
        fields += mine.values().map(Vec::len).sum::<usize>();
    }
    println!("{name}: {frames} frames, {fields} fields agree, {exceptions} exceptions");
    t.frames += frames;
    t.fields += fields;
}

#[test]
fn dhcpv6_and_router_discovery_agree_with_tshark() {
    if !gate::ready("tshark_agreement_v6", &[gate::Need::Program("tshark")]) {
        return;
    }
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files: Vec<(PathBuf, String)> = list_captures(&root.join("captures"))
        .into_iter()
        .map(|p| {
            let n = format!("captures/{}", p.file_name().unwrap().to_string_lossy());
            (p, n)
        })
        .collect();
    if gate::ready(
        "tshark_agreement_v6 (public captures)",
        &[gate::Need::SharedCaptures],
    ) {
        let public = gate::public_dir();
        for dir in [public.clone(), public.join("v6")] {
            for p in list_captures(&dir) {
                let n = p
                    .strip_prefix(&public)
                    .unwrap_or(&p)
                    .to_string_lossy()
                    .into_owned();
                files.push((p, format!("public/{n}")));
            }
        }
    }
    let mut t = Totals::default();
    for (path, name) in &files {
        compare_file(path, name, &mut t);
    }
    for e in &t.exceptions {
        println!("exception: {e}");
    }
    println!(
        "TOTAL: {} files with DHCPv6/RS/RA, {} frames, {} fields agree, {} exceptions, {} failures",
        t.files,
        t.frames,
        t.fields,
        t.exceptions.len(),
        t.failures.len()
    );
    assert!(t.frames > 0, "no DHCPv6 frame compared");
    assert!(
        t.failures.is_empty(),
        "{} disagreements:\n{}",
        t.failures.len(),
        t.failures.join("\n")
    );
}
