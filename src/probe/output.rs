//! A round's verdict as text (status line first, then details) or as one JSON object.

use super::Mode;
use super::plan::Plan;
use super::reply::ReplyInfo;
use super::verdict::{ServerVerdict, Verdict};
use crate::dhcp::options::colon_hex;
use crate::escape::escape_str;
use serde_json::{Value as Json, json};
use std::io::{self, Write};

fn ms(v: Option<f64>) -> Json {
    v.map_or(Json::Null, |v| json!((v * 1000.0).round() / 1000.0))
}

fn strings<T: ToString>(v: &[T]) -> Vec<String> {
    v.iter().map(ToString::to_string).collect()
}

fn macs(v: &[[u8; 6]]) -> Vec<String> {
    v.iter().map(|m| colon_hex(m)).collect()
}

fn reply_json(r: &ReplyInfo) -> Json {
    json!({
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
    })
}

fn server_json(s: &ServerVerdict) -> Json {
    json!({
        "server_id": s.id.to_string(),
        "has_server_id": s.has_server_id,
        "expected": s.expected,
        "macs": macs(&s.macs),
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
    })
}

/// One JSON object per round.
pub fn to_json(plan: &Plan, v: &Verdict, round: u32) -> Json {
    let sent_by_mode: serde_json::Map<String, Json> = v
        .sent_by_mode
        .iter()
        .map(|(m, n)| (m.name().to_owned(), json!(n)))
        .collect();
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
        "sent_by_mode": sent_by_mode,
        "replies": v.replies.iter().map(reply_json).collect::<Vec<_>>(),
        "servers": v.servers.iter().map(server_json).collect::<Vec<_>>(),
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
    writeln!(out, "{}", what_was_sent(plan, v))?;
    writeln!(out, "\nReplies")?;
    if v.replies.is_empty() {
        writeln!(out, "  none")?;
    }
    for r in &v.replies {
        writeln!(out, "{}", reply_line(r))?;
    }
    writeln!(out, "\nServers")?;
    if v.servers.is_empty() {
        writeln!(out, "  none answered")?;
    }
    for s in &v.servers {
        writeln!(out, "{}", server_line(s))?;
    }
    if !plan.expectations.servers.is_empty() {
        writeln!(out, "\nExpected servers that stayed silent")?;
        list(out, &v.silent_expected)?;
    }
    write_findings(out, v)?;
    if !v.notes.is_empty() {
        writeln!(out, "\nNotes")?;
        list(out, &v.notes)?;
    }
    Ok(())
}

fn list(out: &mut impl Write, items: &[String]) -> io::Result<()> {
    if items.is_empty() {
        writeln!(out, "  none")?;
    }
    for s in items {
        writeln!(out, "  {s}")?;
    }
    Ok(())
}

/// `probe on eth0 as 02:44:48:43:50:01: discover; 1 packet sent (discover 1)`
fn what_was_sent(plan: &Plan, v: &Verdict) -> String {
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
    format!(
        "probe on {} as {}{how}: {}; {} packet{} sent ({})",
        escape_str(&plan.interface),
        colon_hex(&plan.crafting.mac),
        modes.join(", "),
        v.sent,
        if v.sent == 1 { "" } else { "s" },
        by_mode.join(", ")
    )
}

fn reply_line(r: &ReplyInfo) -> String {
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
    for (name, list) in [("router", &r.routers), ("dns", &r.dns)] {
        if !list.is_empty() {
            line.push_str(&format!(" {name} {}", strings(list).join(",")));
        }
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
    line
}

fn server_line(s: &ServerVerdict) -> String {
    let verdict = match s.expected {
        Some(true) => "expected",
        Some(false) => "UNEXPECTED",
        None => "-",
    };
    let mut line = format!(
        "  {:<15} {:<17} {:<10}  offers {} acks {} naks {}",
        s.id.to_string(),
        macs(&s.macs).join(","),
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
    line
}

fn write_findings(out: &mut impl Write, v: &Verdict) -> io::Result<()> {
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
            escape_str(&f.message)
        )?;
        if f.rfc.is_empty() {
            writeln!(out)?;
        } else {
            writeln!(out, "  ({})", f.rfc)?;
        }
    }
    Ok(())
}
