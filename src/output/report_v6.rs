//! The DHCPv6 and router-advertisement part of `report`: clients by DUID, servers by DUID,
//! routers, exchanges (the REQUEST linked to its SOLICIT) and the v6 findings.

use crate::analysis::v6::V6Analysis;
use crate::escape::escape_str;
use serde_json::Value as Json;
use std::io::{self, Write};

/// The `v6` object of the JSON report.
pub fn v6_json(a: &V6Analysis) -> Json {
    serde_json::to_value(a).unwrap_or(Json::Null)
}

fn list<T: std::fmt::Display>(v: &[T]) -> String {
    if v.is_empty() {
        "-".to_string()
    } else {
        v.iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join(", ")
    }
}

/// The text section, after the DHCPv4 report. Nothing when the capture had no IPv6 packet.
pub fn write_text(out: &mut impl Write, a: &V6Analysis) -> io::Result<()> {
    if a.is_empty() {
        return Ok(());
    }
    writeln!(
        out,
        "\nDHCPv6: {} packets, {} router solicitations/advertisements, {} clients, {} servers, {} routers",
        a.dhcpv6_packets,
        a.router_packets,
        a.clients.len(),
        a.servers.len(),
        a.routers.len()
    )?;
    writeln!(out, "\nDHCPv6 servers")?;
    if a.servers.is_empty() {
        writeln!(out, "  (no server replies)")?;
    }
    for s in &a.servers {
        let verdict = match s.expected {
            Some(true) => "expected",
            Some(false) => "UNEXPECTED",
            None => "-",
        };
        writeln!(
            out,
            "  DUID-{} {}  {verdict}  mac {}  from {}  advertise {} reply {}  preference {}",
            s.duid_type,
            s.duid,
            list(&s.macs),
            list(&s.addresses),
            s.advertises,
            s.replies,
            s.preference.map_or("-".to_string(), |p| p.to_string())
        )?;
        writeln!(
            out,
            "    hands out addresses {}  prefixes {}  DNS {}  domains {}",
            list(&s.leased_addresses),
            list(&s.leased_prefixes),
            list(&s.dns),
            escape_str(&list(&s.domains))
        )?;
    }
    writeln!(out, "\nRouters")?;
    if a.routers.is_empty() {
        writeln!(out, "  (no router advertisements)")?;
    }
    for r in &a.routers {
        writeln!(
            out,
            "  {}  {}  mac {}  RAs {}  M={} O={}  preference {}  lifetime {} s  prefixes {}  RDNSS {}",
            r.address,
            match r.expected {
                Some(true) => "expected",
                Some(false) => "UNEXPECTED",
                None => "-",
            },
            r.mac.as_deref().unwrap_or("-"),
            r.adverts,
            u8::from(r.managed),
            u8::from(r.other),
            r.preference,
            r.router_lifetime,
            list(&r.prefixes),
            list(&r.rdnss)
        )?;
    }
    writeln!(out, "\nDHCPv6 findings")?;
    if a.findings.is_empty() {
        writeln!(out, "  none")?;
    }
    for f in &a.findings {
        let frames: Vec<String> = f.frames.iter().map(ToString::to_string).collect();
        writeln!(
            out,
            "  [{}] {}: {} (frames {}; x{}; {})",
            f.severity.name(),
            f.code,
            escape_str(&f.message),
            frames.join(","),
            f.count,
            f.rfc
        )?;
    }
    writeln!(out, "\nDHCPv6 clients")?;
    if a.clients.is_empty() {
        writeln!(out, "  none")?;
    }
    for (i, c) in a.clients.iter().enumerate() {
        let mac = match (&c.mac, c.mac_source) {
            (Some(m), Some(src)) => format!(
                "{m} (from {})",
                serde_json::to_value(src)
                    .ok()
                    .and_then(|v| v.as_str().map(String::from))
                    .unwrap_or_default()
            ),
            _ => "-".to_string(),
        };
        writeln!(
            out,
            "  DUID-{} {}  mac {}  link-local {}  IAIDs {}",
            c.duid_type,
            c.duid,
            mac,
            list(&c.link_locals),
            list(
                &c.iaids
                    .iter()
                    .map(|i| format!("0x{i:08x}"))
                    .collect::<Vec<_>>()
            )
        )?;
        for (n, x) in a
            .exchanges
            .iter()
            .enumerate()
            .filter(|(_, x)| x.client == i)
        {
            let steps: Vec<String> = x
                .steps
                .iter()
                .map(|s| {
                    let relay = if s.relay_hops > 0 {
                        format!(" via {} relays", s.relay_hops)
                    } else {
                        String::new()
                    };
                    match s.after_ms {
                        Some(ms) => format!("{} @{ms:.0}ms (frame {}{relay})", s.msg_type, s.frame),
                        None => format!("{} (frame {}{relay})", s.msg_type, s.frame),
                    }
                })
                .collect();
            let cont = x
                .continues
                .map(|c| format!("  continues xid {}", a.exchanges[c].xid))
                .unwrap_or_default();
            writeln!(
                out,
                "    #{n} {} xid {} → {}{cont}: {}",
                x.kind,
                x.xid,
                x.outcome,
                steps.join(", ")
            )?;
        }
    }
    Ok(())
}
