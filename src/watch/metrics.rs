//! The sensor's metrics, through `prometheus-client`: one registry, handles that are atomics
//! (the HTTP thread encodes while the analysis thread counts), OpenMetrics for `/metrics` and
//! the 0.0.4 text format for `--textfile`.
//!
//! Labels are bounded: interface, VLAN, message type, exchange kind and outcome, server
//! (capped, see [`super::tracker`]), finding code and severity. Never a client.

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::Histogram;
use prometheus_client::metrics::info::Info;
use prometheus_client::registry::{Registry, Unit};
use std::sync::atomic::AtomicU64;

/// Content type of `/metrics` (prometheus-client writes OpenMetrics only: `info`, `# EOF`).
pub const OPENMETRICS_CONTENT_TYPE: &str =
    "application/openmetrics-text; version=1.0.0; charset=utf-8";

/// Latency buckets in seconds: 1 ms to 10 s. DHCPv4 servers that ping or ARP-check before
/// offering answer after 2–3 s on purpose; clients retransmit after ~4 s.
pub const LATENCY_BUCKETS: [f64; 13] = [
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
];

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct InterfaceLabels {
    pub interface: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct DropLabels {
    pub interface: String,
    /// `kernel` (the ring or socket buffer was full) or `interface` (the NIC or driver).
    pub by: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct MessageLabels {
    pub interface: String,
    /// Outer VLAN id, `none` when untagged.
    pub vlan: String,
    pub msg_type: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct ExchangeLabels {
    pub kind: &'static str,
    pub outcome: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct ServerReplyLabels {
    pub server: String,
    pub expected: &'static str,
    pub msg_type: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct ServerLabels {
    pub server: String,
    pub expected: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct ExpectedLabels {
    pub expected: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct LatencyLabels {
    pub server: String,
    /// `offer` (after the DISCOVER) or `ack` (after the REQUEST).
    pub msg_type: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct FindingLabels {
    pub code: &'static str,
    pub severity: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct ProbeRunLabels {
    pub interface: String,
    /// `ok`, `warning`, `critical`, `unknown`, as `dhcpscope probe` exits.
    pub status: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct VersionLabels {
    pub version: &'static str,
}

type FloatGauge = Gauge<f64, AtomicU64>;

/// Every metric the sensor exports, registered once.
pub struct Metrics {
    pub registry: Registry,
    pub capture_up: Family<InterfaceLabels, Gauge>,
    pub capture_received: Family<InterfaceLabels, Counter>,
    pub capture_dropped: Family<DropLabels, Counter>,
    pub messages: Family<MessageLabels, Counter>,
    pub malformed: Family<InterfaceLabels, Counter>,
    pub exchanges: Family<ExchangeLabels, Counter>,
    pub server_replies: Family<ServerReplyLabels, Counter>,
    pub server_last_reply: Family<ServerLabels, FloatGauge>,
    pub servers: Family<ExpectedLabels, Gauge>,
    pub server_label_overflow: Counter,
    pub reply_latency: Family<LatencyLabels, Histogram>,
    pub findings: Family<FindingLabels, Counter>,
    pub findings_active: Family<FindingLabels, Gauge>,
    pub unexpected_servers: Gauge,
    pub bound_victims: Gauge,
    pub expected_servers_silent: Gauge,
    pub clients_tracked: Gauge,
    pub exchanges_tracked: Gauge,
    pub clients_expired: Counter,
    pub events: Counter,
    pub last_packet: FloatGauge,
    pub config_reloads: Counter,
    pub config_reload_errors: Counter,
    pub probe_runs: Family<ProbeRunLabels, Counter>,
    pub probe_success: Family<InterfaceLabels, Gauge>,
    pub probe_duration: Family<InterfaceLabels, FloatGauge>,
    pub probe_servers_answered: Family<InterfaceLabels, Gauge>,
    pub probe_last_run: Family<InterfaceLabels, FloatGauge>,
}

impl Default for Metrics {
    fn default() -> Self {
        Self::new()
    }
}

impl Metrics {
    pub fn new() -> Metrics {
        let mut r = Registry::with_prefix("dhcpscope");
        let m = Metrics {
            registry: Registry::default(),
            capture_up: Family::default(),
            capture_received: Family::default(),
            capture_dropped: Family::default(),
            messages: Family::default(),
            malformed: Family::default(),
            exchanges: Family::default(),
            server_replies: Family::default(),
            server_last_reply: Family::default(),
            servers: Family::default(),
            server_label_overflow: Counter::default(),
            reply_latency: Family::new_with_constructor(|| {
                Histogram::new(LATENCY_BUCKETS.iter().copied())
            }),
            findings: Family::default(),
            findings_active: Family::default(),
            unexpected_servers: Gauge::default(),
            bound_victims: Gauge::default(),
            expected_servers_silent: Gauge::default(),
            clients_tracked: Gauge::default(),
            exchanges_tracked: Gauge::default(),
            clients_expired: Counter::default(),
            events: Counter::default(),
            last_packet: FloatGauge::default(),
            config_reloads: Counter::default(),
            config_reload_errors: Counter::default(),
            probe_runs: Family::default(),
            probe_success: Family::default(),
            probe_duration: Family::default(),
            probe_servers_answered: Family::default(),
            probe_last_run: Family::default(),
        };
        r.register(
            "build",
            "Build of the sensor (value 1)",
            Info::new(VersionLabels {
                version: env!("CARGO_PKG_VERSION"),
            }),
        );
        r.register(
            "capture_up",
            "1 while the capture on the interface runs",
            m.capture_up.clone(),
        );
        r.register(
            "capture_packets_received",
            "Frames the capture filter passed (libpcap ps_recv)",
            m.capture_received.clone(),
        );
        r.register(
            "capture_packets_dropped",
            "Frames lost before the sensor saw them, by kernel or by interface",
            m.capture_dropped.clone(),
        );
        r.register(
            "messages",
            "DHCP messages seen, by interface, outer VLAN and message type",
            m.messages.clone(),
        );
        r.register(
            "messages_malformed",
            "DHCP messages with decoding warnings",
            m.malformed.clone(),
        );
        r.register(
            "exchanges",
            "Exchanges ended, by kind and outcome (unanswered ones once they can no longer be answered)",
            m.exchanges.clone(),
        );
        r.register(
            "server_replies",
            "Replies per server (option 54, else IP source) and message type; expected is true, false or unknown (no expectations given)",
            m.server_replies.clone(),
        );
        r.register_with_unit(
            "server_last_reply_timestamp",
            "Time of the server's last reply (Unix seconds); expected servers start at the sensor's start",
            Unit::Seconds,
            m.server_last_reply.clone(),
        );
        r.register(
            "servers",
            "Servers seen since start, by whether they are expected",
            m.servers.clone(),
        );
        r.register(
            "server_label_overflow",
            "Replies from servers beyond the label cap, counted under server=\"other\"",
            m.server_label_overflow.clone(),
        );
        r.register_with_unit(
            "reply_latency",
            "Time from the client's request to the server's OFFER or ACK",
            Unit::Seconds,
            m.reply_latency.clone(),
        );
        r.register(
            "findings",
            "Findings raised (first seen, or seen again after they cleared), by code and severity",
            m.findings.clone(),
        );
        r.register(
            "findings_active",
            "Findings raised and not cleared, by code and severity",
            m.findings_active.clone(),
        );
        r.register(
            "unexpected_servers",
            "Unexpected servers that replied recently (within --clear-after)",
            m.unexpected_servers.clone(),
        );
        r.register(
            "bound_victims",
            "Clients whose current lease comes from an unexpected server",
            m.bound_victims.clone(),
        );
        r.register(
            "expected_servers_silent",
            "Expected servers with no reply for longer than --silent-after",
            m.expected_servers_silent.clone(),
        );
        r.register(
            "clients_tracked",
            "Clients held in memory",
            m.clients_tracked.clone(),
        );
        r.register(
            "exchanges_tracked",
            "Exchanges held in memory",
            m.exchanges_tracked.clone(),
        );
        r.register(
            "clients_expired",
            "Clients dropped from memory after --client-idle without traffic",
            m.clients_expired.clone(),
        );
        r.register(
            "events",
            "Events written to the event stream",
            m.events.clone(),
        );
        r.register_with_unit(
            "last_packet_timestamp",
            "Capture time of the last DHCP message (Unix seconds)",
            Unit::Seconds,
            m.last_packet.clone(),
        );
        r.register(
            "config_reloads",
            "Successful reloads of the expectations (SIGHUP)",
            m.config_reloads.clone(),
        );
        r.register(
            "config_reload_errors",
            "Reloads refused because the configuration did not hold (the old one stays)",
            m.config_reload_errors.clone(),
        );
        r.register(
            "probe_runs",
            "Probe rounds (--probe-every) by verdict",
            m.probe_runs.clone(),
        );
        r.register(
            "probe_success",
            "1 when the last probe round was OK",
            m.probe_success.clone(),
        );
        r.register_with_unit(
            "probe_duration",
            "Duration of the last probe round",
            Unit::Seconds,
            m.probe_duration.clone(),
        );
        r.register(
            "probe_servers_answered",
            "Servers that answered the last probe round",
            m.probe_servers_answered.clone(),
        );
        r.register_with_unit(
            "probe_last_run_timestamp",
            "When the last probe round ended (Unix seconds)",
            Unit::Seconds,
            m.probe_last_run.clone(),
        );
        Metrics { registry: r, ..m }
    }

    /// The OpenMetrics exposition (ends with `# EOF`), for `/metrics`.
    pub fn openmetrics(&self) -> String {
        let mut out = String::with_capacity(16 * 1024);
        // Writing into a String cannot fail.
        let _ = prometheus_client::encoding::text::encode(&mut out, &self.registry);
        out
    }

    /// The 0.0.4 text exposition (HELP/TYPE on sample names, info as a gauge, no `# EOF`),
    /// for node_exporter's textfile collector and `promtool check metrics`.
    pub fn text_004(&self) -> String {
        let mut out = String::with_capacity(16 * 1024);
        let _ = prometheus_client::encoding::prometheus_text::encode(&mut out, &self.registry);
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_formats_name_samples_by_convention() {
        let m = Metrics::new();
        m.messages
            .get_or_create(&MessageLabels {
                interface: "eth0".into(),
                vlan: "none".into(),
                msg_type: "discover",
            })
            .inc();
        m.reply_latency
            .get_or_create(&LatencyLabels {
                server: "10.0.0.1".into(),
                msg_type: "offer",
            })
            .observe(0.02);
        let om = m.openmetrics();
        assert!(om.ends_with("# EOF\n"), "{om}");
        assert!(om.contains("# TYPE dhcpscope_build info"));
        assert!(
            om.contains(
                "dhcpscope_messages_total{interface=\"eth0\",vlan=\"none\",msg_type=\"discover\"} 1"
            ),
            "{om}"
        );
        assert!(om.contains("# UNIT dhcpscope_reply_latency_seconds seconds"));
        let text = m.text_004();
        assert!(
            !text.contains("# EOF") && !text.contains("# UNIT"),
            "{text}"
        );
        assert!(text.contains("# TYPE dhcpscope_messages_total counter"));
        assert!(text.contains("# TYPE dhcpscope_build_info gauge"));
        assert!(text.contains("dhcpscope_build_info{version=\""));
        assert!(text.contains(
            "dhcpscope_reply_latency_seconds_bucket{le=\"0.025\",server=\"10.0.0.1\",msg_type=\"offer\"} 1"
        ) || text.contains(
            "dhcpscope_reply_latency_seconds_bucket{server=\"10.0.0.1\",msg_type=\"offer\",le=\"0.025\"} 1"
        ), "{text}");
    }
}
