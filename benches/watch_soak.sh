#!/usr/bin/env bash
# Soak test of `dhcpscope watch` (docs/watch.md, "Bounded for weeks"): perfdhcp drives 1,000
# churning clients (DORA, releases, renewals) against Kea in network namespaces while a
# sensor watches the segment. Samples the sensor's RSS, then compares its metrics with
# perfdhcp's own counts. Root only; nothing leaves the namespaces (tests/lab/lib.sh).
#
#   benches/watch_soak.sh [SECONDS=120] [RATE=50] [OUT=/tmp/dhcpscope-soak.txt]
#
# RATE is new exchanges per second (perfdhcp -r). Writes to OUT:
#   rss T_SECONDS KB ANON_KB       one line per sample (every SAMPLE seconds, default 60,
#                                  or SECONDS/12 when shorter): VmRSS, which includes the
#                                  64 MiB capture ring, and RssAnon (the heap: the model)
#   perf KEY VALUE                 perfdhcp's counts
#   metric NAME VALUE              the sensor's, from GET /metrics at the end
#   result KEY VALUE               rss_min_kb, rss_max_kb, kernel_drops, packets_per_second…
# Environment: BIN (default target/release/dhcpscope, else target/debug), CLIENT_IDLE (5m).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
DUR=${1:-120}
RATE=${2:-50}
OUT=${3:-/tmp/dhcpscope-soak.txt}
if [[ -z "${BIN:-}" ]]; then
    BIN=$ROOT/target/release/dhcpscope
    [[ -x "$BIN" ]] || BIN=$ROOT/target/debug/dhcpscope
fi
SAMPLE=${SAMPLE:-$((DUR >= 720 ? 60 : (DUR / 12 > 0 ? DUR / 12 : 1)))}
CLIENT_IDLE=${CLIENT_IDLE:-5m}
# shellcheck source=../tests/lab/lib.sh
source "$ROOT/tests/lab/lib.sh"
lab_require perfdhcp kea-dhcp4 curl
: >"$OUT"
log() { echo "$*" >>"$OUT"; }

lab_init soak
# A hub, not a switch: the bridge forgets MACs at once and floods every frame, so the sensor
# sees the server's unicast replies as a mirror port would.
ip -n "$LAB_HUB" link set br0 type bridge ageing_time 0
lab_add_node srv 02:00:00:5a:00:01 10.77.0.1/16
lab_add_node gen 02:00:00:5a:00:02 10.77.0.2/16
lab_add_node mon 02:00:00:5a:00:03 -
lab_kea kea srv eth0 '{ "Dhcp4": {
  "interfaces-config": { "interfaces": ["eth0"], "dhcp-socket-type": "raw" },
  "lease-database": { "type": "memfile", "persist": false, "name": "@LEASES@" },
  "valid-lifetime": 600, "renew-timer": 300, "rebind-timer": 525,
  "subnet4": [ { "id": 1, "subnet": "10.77.0.0/16", "pools": [ { "pool": "10.77.1.0 - 10.77.30.255" } ] } ],
  "loggers": [ { "name": "kea-dhcp4", "severity": "INFO", "output_options": [ { "output": "stdout" } ] },
               { "name": "kea-dhcp4.leases", "severity": "WARN", "output_options": [ { "output": "stdout" } ] } ]
} }'
lab_bg watch mon "$BIN" watch -i eth0 --listen 127.0.0.1:9967 --client-idle "$CLIENT_IDLE" \
    --expect-server 10.77.0.1 --events "$LAB_DIR/events.jsonl"
for ((i = 0; i < 100; i++)); do
    lab_exec mon curl -sf http://127.0.0.1:9967/healthz >/dev/null 2>&1 && break
    sleep 0.1
done
WATCH_PID=${LAB_PID[watch]}
log "start $(date -u +%FT%TZ) duration ${DUR}s rate ${RATE}/s clients 1000 bin $BIN"

# perfdhcp: RATE new DORAs per second over 1,000 client MACs, a tenth as many releases
# and renewals (each must stay below the rate), broadcast replies (-B) so it can hear them.
lab_bg perf gen perfdhcp -4 -l eth0 -B -r "$RATE" -R 1000 -F $((RATE / 10 > 0 ? RATE / 10 : 1)) \
    -f $((RATE / 10 > 0 ? RATE / 10 : 1)) -p "$DUR" -W 2000000 -s 7
start=$(date +%s)
rss() { awk '/^VmRSS:/ {r = $2} /^RssAnon:/ {a = $2} END {print r, a}' "/proc/$WATCH_PID/status"; }
while lab_alive perf; do
    log "rss $(($(date +%s) - start)) $(rss)"
    for ((i = 0; i < SAMPLE * 10 && $(date +%s) - start < DUR + 30; i++)); do
        lab_alive perf || break
        sleep 0.1
    done
    (($(date +%s) - start < DUR + 60)) || break
done
elapsed=$(($(date +%s) - start))
sleep 3 # the sensor's next refresh (2 s)
log "rss $elapsed $(rss)"
lab_exec mon curl -sf http://127.0.0.1:9967/metrics >"$LAB_DIR/metrics.txt"
cp "$LAB_DIR/metrics.txt" "${OUT%.txt}.metrics.txt"
cp "$LAB_DIR/perf.log" "${OUT%.txt}.perfdhcp.txt"
cp "$LAB_DIR/events.jsonl" "${OUT%.txt}.events.jsonl"

# perfdhcp's statistics: "***Statistics for: DISCOVER-OFFER***" blocks with
# "sent packets: N" and "received packets: N".
awk '/Statistics for:/ {ex = $3; gsub(/\*/, "", ex); if ($4 ~ /renewal/) ex = ex "_RENEW"}
     /sent packets:/ {print "perf", ex "_sent", $3}
     /received packets:/ {print "perf", ex "_received", $3}' "$LAB_DIR/perf.log" >>"$OUT"
sum() { # sum of the samples of a metric whose line matches a regex
    awk -v re="$1" '$0 ~ re && $0 !~ /^#/ {s += $NF} END {printf "%d\n", s}' "$LAB_DIR/metrics.txt"
}
for t in discover offer request ack nak release; do
    log "metric messages_$t $(sum "^dhcpscope_messages_total\\{.*msg_type=\"$t\"")"
done
log "metric kernel_drops $(sum '^dhcpscope_capture_packets_dropped_total\{.*by="kernel"')"
log "metric interface_drops $(sum '^dhcpscope_capture_packets_dropped_total\{.*by="interface"')"
log "metric clients_tracked $(sum '^dhcpscope_clients_tracked ')"
log "metric exchanges_tracked $(sum '^dhcpscope_exchanges_tracked ')"
log "metric exchanges_ack $(sum '^dhcpscope_exchanges_total\{.*outcome="ACK"')"
log "metric unexpected_servers $(sum '^dhcpscope_unexpected_servers ')"
log "metric events $(wc -l <"$LAB_DIR/events.jsonl")"
total=$(sum '^dhcpscope_messages_total\{')
awk '/^rss / {if (min == "" || $3 < min) min = $3; if ($3 > max) max = $3
              if (amin == "" || $4 < amin) amin = $4; if ($4 > amax) amax = $4}
     END {print "result rss_min_kb", min; print "result rss_max_kb", max
          print "result anon_min_kb", amin; print "result anon_max_kb", amax}' "$OUT" >>"$OUT.tmp"
cat "$OUT.tmp" >>"$OUT" && rm -f "$OUT.tmp"
log "result packets $total"
log "result packets_per_second $((total / (elapsed > 0 ? elapsed : 1)))"
log "result kernel_drops $(sum '^dhcpscope_capture_packets_dropped_total\{')"
log "end $(date -u +%FT%TZ) elapsed ${elapsed}s"
lab_stop watch TERM 10
cat "$OUT"
