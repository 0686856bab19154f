#!/bin/sh
# End-to-end speed and memory on the issue 8 workload: ~975 000 DHCP packets, 200 000
# clients, ~350 MB (examples/gen_capture.rs, seed 1). Builds release, generates the capture
# once, then runs each command with its output to /dev/null under `/usr/bin/time -v` and
# prints wall time, packets/s and peak RSS.
#
#   benches/e2e.sh [CAPTURE] [RUNS]       (default target/e2e-200k.pcap, 1 run; best of RUNS)
#   BIN=path/to/dhcpscope benches/e2e.sh  (measure another build, e.g. an older commit's)
#
# The TUI's full load is measured through examples/tui_load.rs when that example exists.
set -eu
cd "$(dirname "$0")/.."
capture=${1:-target/e2e-200k.pcap}
runs=${2:-1}
examples="--example gen_capture"
[ -f examples/tui_load.rs ] && examples="$examples --example tui_load"
# shellcheck disable=SC2086
cargo build --release --quiet --bin dhcpscope $examples
bin=${BIN:-target/release/dhcpscope}
if [ ! -f "$capture" ]; then
    target/release/examples/gen_capture "$capture" 200000 1
fi
# The text report's first line: "NAME: F frames, P DHCP packets, ...".
packets=$("$bin" report -r "$capture" --format text 2>/dev/null | head -n 1 |
    sed -n 's/.* \([0-9][0-9]*\) DHCP packets.*/\1/p')
echo "capture: $capture ($packets DHCP packets, $(du -m "$capture" | cut -f1) MB)"
printf '%-28s %9s %9s %12s %10s\n' command wall_s cpu_s packets/s peak_MiB

measure() {
    label=$1
    shift
    best=""
    cpu=0
    rss=0
    n=0
    while [ "$n" -lt "$runs" ]; do
        n=$((n + 1))
        log=$(mktemp)
        /usr/bin/time -v "$@" >/dev/null 2>"$log" || true
        wall=$(awk -F': ' '/Elapsed \(wall clock\)/ {
            n = split($2, p, ":"); s = 0
            for (i = 1; i <= n; i++) s = s * 60 + p[i]
            print s }' "$log")
        r=$(awk -F': ' '/Maximum resident set size/ {print $2}' "$log")
        c=$(awk -F': ' '/(User|System) time \(seconds\)/ {s += $2} END {print s}' "$log")
        rm -f "$log"
        if [ -z "$best" ] || awk "BEGIN {exit !($wall < $best)}"; then
            best=$wall
            cpu=$c
        fi
        [ "$r" -gt "$rss" ] && rss=$r
    done
    awk -v l="$label" -v w="$best" -v c="$cpu" -v p="$packets" -v r="$rss" \
        'BEGIN { printf "%-28s %9.2f %9.2f %12.0f %10.0f\n", l, w, c, (w > 0 ? p / w : 0), r / 1024 }'
}

measure "report --format text" "$bin" report -r "$capture" --format text
measure "report --format csv" "$bin" report -r "$capture" --format csv
measure "report --format json" "$bin" report -r "$capture" --format json
measure "decode --format jsonl" "$bin" decode -r "$capture" --format jsonl
if [ -x target/release/examples/tui_load ]; then
    measure "tui full load (headless)" target/release/examples/tui_load "$capture"
else
    echo "tui full load: skipped (no examples/tui_load.rs on this branch)"
fi
