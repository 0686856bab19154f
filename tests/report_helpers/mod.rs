//! Shared by `report_captures.rs` and `netns_report.rs`: run the real `dhcpscope report`
//! binary and look things up in its JSON document (schema: `src/output/report.rs`).
#![allow(dead_code)]

use serde_json::Value;
use std::path::Path;
use std::process::{Command, Output};

pub const BIN: &str = env!("CARGO_BIN_EXE_dhcpscope");

/// `dhcpscope report -r FILE ARGS...` as run.
pub fn run_report(file: &Path, args: &[&str]) -> Output {
    Command::new(BIN)
        .arg("report")
        .arg("-r")
        .arg(file)
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("cannot run {BIN}: {e}"))
}

/// The JSON report and the exit status.
pub struct Report {
    pub doc: Value,
    pub code: i32,
    pub stderr: String,
}

/// `report --format json` with extra arguments; panics when the output is not JSON.
pub fn report(file: &Path, args: &[&str]) -> Report {
    let mut all = vec!["--format", "json"];
    all.extend_from_slice(args);
    let out = run_report(file, &all);
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "report {} {args:?}: not JSON ({e}); exit {:?}; stderr: {stderr}",
            file.display(),
            out.status.code()
        )
    });
    Report {
        doc,
        code: out.status.code().unwrap_or(-1),
        stderr,
    }
}

pub fn str_of(v: &Value) -> &str {
    v.as_str()
        .unwrap_or_else(|| panic!("expected a string, got {v}"))
}

pub fn u64_of(v: &Value) -> u64 {
    v.as_u64()
        .unwrap_or_else(|| panic!("expected an integer, got {v}"))
}

pub fn arr(v: &Value) -> &Vec<Value> {
    v.as_array()
        .unwrap_or_else(|| panic!("expected an array, got {v}"))
}

/// Strings of a JSON array of strings.
pub fn strings(v: &Value) -> Vec<&str> {
    arr(v).iter().map(str_of).collect()
}

pub fn clients(doc: &Value) -> &Vec<Value> {
    arr(&doc["clients"])
}

pub fn client_macs(doc: &Value) -> Vec<&str> {
    clients(doc).iter().map(|c| str_of(&c["mac"])).collect()
}

pub fn client<'a>(doc: &'a Value, mac: &str) -> &'a Value {
    clients(doc)
        .iter()
        .find(|c| c["mac"] == mac)
        .unwrap_or_else(|| panic!("no client {mac}; clients: {:?}", client_macs(doc)))
}

pub fn exchanges(client: &Value) -> &Vec<Value> {
    arr(&client["exchanges"])
}

/// (kind, outcome) of every exchange of a client, in order.
pub fn kinds(client: &Value) -> Vec<(&str, &str)> {
    exchanges(client)
        .iter()
        .map(|e| (str_of(&e["kind"]), str_of(&e["outcome"])))
        .collect()
}

/// Message types of an exchange, in order (one entry per record; retransmissions fold).
pub fn msg_types(ex: &Value) -> Vec<&str> {
    arr(&ex["messages"])
        .iter()
        .map(|m| str_of(&m["msg_type"]))
        .collect()
}

/// Messages of an exchange with this type.
pub fn messages<'a>(ex: &'a Value, msg_type: &str) -> Vec<&'a Value> {
    arr(&ex["messages"])
        .iter()
        .filter(|m| m["msg_type"] == msg_type)
        .collect()
}

/// How many times messages of this type were sent by `src_mac` (records + retransmissions).
pub fn transmissions(ex: &Value, msg_type: &str, src_mac: &str) -> u64 {
    messages(ex, msg_type)
        .iter()
        .filter(|m| m["src_mac"] == src_mac)
        .map(|m| 1 + u64_of(&m["retransmissions"]))
        .sum()
}

/// (server_id, yiaddr) of every offer of an exchange, in order.
pub fn offers(ex: &Value) -> Vec<(&str, &str)> {
    arr(&ex["offers"])
        .iter()
        .map(|o| (str_of(&o["server_id"]), str_of(&o["yiaddr"])))
        .collect()
}

pub fn servers(doc: &Value) -> &Vec<Value> {
    arr(&doc["servers"])
}

pub fn server_ids(doc: &Value) -> Vec<&str> {
    servers(doc)
        .iter()
        .map(|s| str_of(&s["server_id"]))
        .collect()
}

pub fn server<'a>(doc: &'a Value, id: &str) -> &'a Value {
    servers(doc)
        .iter()
        .find(|s| s["server_id"] == id)
        .unwrap_or_else(|| panic!("no server {id}; servers: {:?}", server_ids(doc)))
}

/// (offers, acks, naks) a server sent.
pub fn counts(server: &Value) -> (u64, u64, u64) {
    (
        u64_of(&server["offers"]),
        u64_of(&server["acks"]),
        u64_of(&server["naks"]),
    )
}

pub fn findings(doc: &Value) -> &Vec<Value> {
    arr(&doc["findings"])
}

/// Findings with this code.
pub fn with_code<'a>(doc: &'a Value, code: &str) -> Vec<&'a Value> {
    findings(doc).iter().filter(|f| f["code"] == code).collect()
}

pub fn codes(doc: &Value) -> Vec<&str> {
    findings(doc).iter().map(|f| str_of(&f["code"])).collect()
}

/// Findings of severity warning or critical, as "code: message" for messages.
pub fn problems(doc: &Value) -> Vec<String> {
    findings(doc)
        .iter()
        .filter(|f| f["severity"] != "info")
        .map(|f| format!("{}: {}", str_of(&f["code"]), str_of(&f["message"])))
        .collect()
}

/// Seconds since midnight of an RFC 3339 UTC timestamp (`…THH:MM:SS.fffZ`): enough to
/// subtract two timestamps of one short capture.
pub fn day_secs(ts: &str) -> f64 {
    let time = ts
        .split_once('T')
        .map(|(_, t)| t.trim_end_matches('Z'))
        .unwrap_or_else(|| panic!("not RFC 3339: {ts}"));
    let mut parts = time.split(':');
    let mut next = || -> f64 {
        parts
            .next()
            .and_then(|p| p.parse().ok())
            .unwrap_or_else(|| panic!("not RFC 3339: {ts}"))
    };
    next() * 3600.0 + next() * 60.0 + next()
}

/// Milliseconds from message `a` to message `b` by their `ts`.
pub fn ms_between(a: &Value, b: &Value) -> f64 {
    (day_secs(str_of(&b["ts"])) - day_secs(str_of(&a["ts"]))) * 1000.0
}

/// Is `ip` (dotted quad) within `lo..=hi` (same /24)?
pub fn in_range(ip: &str, lo: &str, hi: &str) -> bool {
    let n = |s: &str| -> u32 {
        u32::from(
            s.parse::<std::net::Ipv4Addr>()
                .unwrap_or_else(|_| panic!("not an IPv4 address: {s}")),
        )
    };
    (n(lo)..=n(hi)).contains(&n(ip))
}
