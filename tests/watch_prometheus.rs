//! `dhcpscope watch` scraped by a real Prometheus, in network namespaces (tests/lab/lib.sh):
//! segment A has only a rogue dnsmasq, segment B a clean Kea; a real client on each takes a
//! lease while a sensor watches each segment. Prometheus (in its own namespace, on its
//! loopback) scrapes both sensors over a management bridge; the test asks Prometheus's HTTP
//! query API that both targets are up and that the rogue alert expression holds for sensor A
//! only. `promtool check metrics` checks sensor A's textfile.
//!
//! Needs root, `ip netns`, dnsmasq, kea-dhcp4, busybox, prometheus, promtool and curl;
//! without them the test prints why and passes, except in CI, where it fails.

use serde_json::Value as Json;

mod lab;

use lab::{Lab, lab_ready};

/// The rogue alert's expression, read from the shipped rules so the test checks what ships.
fn rogue_expr() -> String {
    let rules = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/contrib/prometheus/dhcpscope-rules.yml"
    ))
    .unwrap();
    let after = rules
        .split("alert: DhcpRogueServerSeen")
        .nth(1)
        .expect("rule DhcpRogueServerSeen");
    after
        .lines()
        .find_map(|l| l.trim().strip_prefix("expr:"))
        .expect("expr")
        .trim()
        .to_owned()
}

fn vector(lab: &Lab, name: &str) -> Vec<Json> {
    let j = lab.json(name);
    assert_eq!(j["status"], "success", "{name}: {j}");
    j["data"]["result"].as_array().cloned().unwrap_or_default()
}

#[test]
fn prometheus_scrapes_two_sensors_and_sees_the_rogue_on_one() {
    if !lab_ready(
        "watch_prometheus",
        &[
            "dnsmasq",
            "kea-dhcp4",
            "busybox",
            "prometheus",
            "promtool",
            "curl",
        ],
    ) {
        return;
    }
    let expr = rogue_expr();
    let script = r#"
lab_init watch-prom
lab_add_bridge br1
lab_add_bridge brm
# Segment A (br0): a rogue dnsmasq and a client. Segment B (br1): Kea and a client.
lab_add_node rogue 02:66:00:00:00:01 10.66.0.1/24 br0
lab_add_node ca 02:10:00:00:00:0a - br0
lab_add_node kea 02:53:00:00:00:01 10.55.0.1/24 br1
lab_add_node cb 02:10:00:00:00:0b - br1
# The sensors: capture on their segment, serve metrics on the management bridge.
lab_add_node sa 02:5e:00:00:00:0a - br0
lab_add_node sa 02:5e:00:00:01:0a 10.99.0.1/24 brm m0
lab_add_node sb 02:5e:00:00:00:0b - br1
lab_add_node sb 02:5e:00:00:01:0b 10.99.0.2/24 brm m0
lab_add_node prom 02:5e:00:00:01:99 10.99.0.10/24 brm
# Every frame flooded, as on a mirror port: the sensors see unicast replies too.
ip -n "$LAB_HUB" link set br0 type bridge ageing_time 0
ip -n "$LAB_HUB" link set br1 type bridge ageing_time 0

lab_dnsmasq dm rogue eth0 --no-ping --dhcp-range=10.66.0.100,10.66.0.150,255.255.255.0,10m
lab_kea kd kea eth0 '{ "Dhcp4": {
  "interfaces-config": { "interfaces": ["eth0"], "dhcp-socket-type": "raw" },
  "lease-database": { "type": "memfile", "persist": false, "name": "@LEASES@" },
  "valid-lifetime": 600,
  "subnet4": [ { "id": 1, "subnet": "10.55.0.0/24", "pools": [ { "pool": "10.55.0.100 - 10.55.0.150" } ] } ]
} }'

# The sensors drop root for nobody once their capture is open: their textfile directory
# must be writable by it.
mkdir -p "$LAB_DIR/tf" && chmod 777 "$LAB_DIR/tf"
# Both also probe their segment (--probe-every: DISCOVER rounds, as `dhcpscope probe`).
lab_bg wa sa "$BIN" watch -i eth0 --listen 10.99.0.1:9967 --expect-server 10.55.0.1 --probe-every 6s \
  --events "$OUT/events-a.jsonl" --textfile "$LAB_DIR/tf/a.prom" --textfile-every 1s
# Sensor B also captures its management interface: two captures, one process.
lab_bg wb sb "$BIN" watch -i eth0 -i m0 --listen 10.99.0.2:9967 --expect-server 10.55.0.1 --probe-every 6s \
  --events "$OUT/events-b.jsonl" --textfile "$LAB_DIR/tf/b.prom" --textfile-every 1s
lab_wait_log wa "serving http" 10 || lab_die "sensor a did not start"
proc_status wa "${LAB_PID[wa]}"
lab_wait_log wb "serving http" 10 || lab_die "sensor b did not start"

cat >"$LAB_DIR/prometheus.yml" <<EOF
global: {scrape_interval: 1s, evaluation_interval: 1s}
scrape_configs:
  - job_name: dhcpscope
    static_configs:
      - targets: ['10.99.0.1:9967']
        labels: {segment: a}
      - targets: ['10.99.0.2:9967']
        labels: {segment: b}
EOF
lab_bg pm prom prometheus --config.file="$LAB_DIR/prometheus.yml" \
  --storage.tsdb.path="$LAB_DIR/tsdb" --web.listen-address=127.0.0.1:9090
lab_wait_log pm "Server is ready to receive web requests" 20 || lab_die "prometheus did not start"

lab_udhcpc ua ca eth0
lab_udhcpc ub cb eth0
lab_wait_event ua '^bound' 15 || lab_die "client a got no lease"
lab_wait_event ub '^bound' 15 || lab_die "client b got no lease"

q() { lab_exec prom curl -sf --get --data-urlencode "query=$1" http://127.0.0.1:9090/api/v1/query; }
# Wait until both sensors report their client's exchange and Prometheus has scraped it.
for ((i = 0; i < 150; i++)); do
  n=$(q 'count(dhcpscope_exchanges_total{outcome="ACK"} > 0)' | grep -o '"value":\[[^]]*"2"\]' || true)
  p=$(q 'count(dhcpscope_probe_runs_total > 0)' | grep -o '"value":\[[^]]*"2"\]' || true)
  [[ -n "$n" && -n "$p" ]] && break
  sleep 0.2
done
q 'up{job="dhcpscope"}' >"$OUT/up.out"
q "$ROGUE_EXPR" >"$OUT/rogue.out"
q 'dhcpscope_bound_victims' >"$OUT/victims.out"
q 'dhcpscope_capture_packets_dropped_total{by="kernel"}' >"$OUT/drops.out"
q 'dhcpscope_capture_up' >"$OUT/capture_up.out"
q 'dhcpscope_probe_runs_total > 0' >"$OUT/probe_runs.out"
q 'sum by (segment, interface) (dhcpscope_messages_total)' >"$OUT/messages.out"
run check_a sh -c "promtool check metrics < $LAB_DIR/tf/a.prom"
run check_b sh -c "promtool check metrics < $LAB_DIR/tf/b.prom"
cp "$LAB_DIR/tf/a.prom" "$OUT/a.prom"
lab_stop wa TERM 10
lab_stop wb TERM 10
cp "$LAB_DIR/wa.log" "$OUT/wa.log"
"#;
    let lab = Lab::run(
        "watch_prometheus",
        &format!("ROGUE_EXPR='{}'\n{script}", expr.replace('\'', "'\\''")),
    );

    // What Prometheus answered (`cargo test --test watch_prometheus -- --nocapture`).
    for name in ["up", "rogue", "victims", "probe_runs"] {
        println!("{name}: {}", lab.out(name));
    }
    // The sensor gave root and CAP_NET_RAW up once its captures and probe were open.
    lab.assert_dropped("wa");
    // Both scrapes succeed.
    let up = vector(&lab, "up");
    assert_eq!(up.len(), 2, "{up:?}");
    for s in &up {
        assert_eq!(s["value"][1], "1", "{s}");
    }
    // The rogue alert expression holds for sensor A only, for the rogue's address.
    let rogue = vector(&lab, "rogue");
    assert_eq!(rogue.len(), 1, "{expr}: {rogue:?}\n{}", lab.file("wa.log"));
    assert_eq!(rogue[0]["metric"]["segment"], "a", "{rogue:?}");
    assert_eq!(rogue[0]["metric"]["server"], "10.66.0.1", "{rogue:?}");
    // Client A is bound to the rogue, client B is not.
    let victims = vector(&lab, "victims");
    let per_segment = |seg: &str| {
        victims
            .iter()
            .find(|v| v["metric"]["segment"] == seg)
            .map(|v| v["value"][1].as_str().unwrap_or_default().to_owned())
    };
    assert_eq!(per_segment("a").as_deref(), Some("1"), "{victims:?}");
    assert_eq!(per_segment("b").as_deref(), Some("0"), "{victims:?}");
    for d in vector(&lab, "drops") {
        assert_eq!(d["value"][1], "0", "kernel drops: {d}");
    }
    // Sensor B runs two captures; DHCP arrives on its segment's interface only.
    let mut up_b: Vec<(String, String)> = vector(&lab, "capture_up")
        .iter()
        .filter(|v| v["metric"]["segment"] == "b")
        .map(|v| {
            (
                v["metric"]["interface"]
                    .as_str()
                    .unwrap_or_default()
                    .to_owned(),
                v["value"][1].as_str().unwrap_or_default().to_owned(),
            )
        })
        .collect();
    up_b.sort();
    assert_eq!(
        up_b,
        [
            ("eth0".to_owned(), "1".to_owned()),
            ("m0".to_owned(), "1".to_owned())
        ]
    );
    let messages = vector(&lab, "messages");
    assert!(
        messages.iter().all(|m| m["metric"]["interface"] == "eth0"),
        "{messages:?}"
    );
    assert_eq!(messages.len(), 2, "{messages:?}");
    // The probes: CRITICAL where the rogue answers, OK where Kea does.
    let runs = vector(&lab, "probe_runs");
    let statuses = |seg: &str| -> Vec<String> {
        runs.iter()
            .filter(|v| v["metric"]["segment"] == seg)
            .map(|v| {
                v["metric"]["status"]
                    .as_str()
                    .unwrap_or_default()
                    .to_owned()
            })
            .collect()
    };
    assert_eq!(statuses("a"), ["critical"], "{runs:?}");
    assert_eq!(statuses("b"), ["ok"], "{runs:?}");
    // The textfiles pass promtool.
    assert_eq!(
        lab.rc("check_a"),
        0,
        "{}\n{}",
        lab.show("check_a"),
        lab.file("a.prom")
    );
    assert_eq!(lab.rc("check_b"), 0, "{}", lab.show("check_b"));
    // The events: A raised the rogue and the victim, B raised nothing critical.
    let events = |name: &str| -> Vec<Json> {
        lab.file(name)
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect()
    };
    let a = events("events-a.jsonl");
    for code in ["unexpected-server", "bound-to-unexpected-server"] {
        assert!(
            a.iter()
                .any(|e| e["rule"]["id"] == code && e["event"]["action"] == "raised"),
            "{code}: {a:?}"
        );
    }
    let b = events("events-b.jsonl");
    assert!(
        !b.iter().any(|e| e["event"]["severity"] == "critical"),
        "{b:?}"
    );
}
