#!/bin/sh
# Saves `report` outputs (text, json, csv; a few flag combinations) of every capture in
# captures/ and ../shared/captures/public into DIR, so an optimisation can be checked for
# changed meaning: run it before and after with two binaries and `diff -r` the directories.
# JSON is normalised (compact, sorted keys) so pretty versus compact output compares equal.
#
#   benches/report_snapshot.sh BINARY DIR
set -eu
bin=$1
dir=$2
mkdir -p "$dir"
cd "$(dirname "$0")/.."
for f in captures/*.pcap captures/*.pcapng ../shared/captures/public/*; do
    [ -f "$f" ] || continue
    name=$(basename "$f")
    i=0
    for flags in "" "--expect-server 10.0.0.1" "--expect-server 192.168.1.1 --expect-subnet 10.0.0.0/8 --slow-ms 50"; do
        i=$((i + 1))
        # shellcheck disable=SC2086
        "$bin" report -r "$f" $flags --format text >"$dir/$name.$i.txt" 2>"$dir/$name.$i.err" || true
        # shellcheck disable=SC2086
        "$bin" report -r "$f" $flags --format csv >"$dir/$name.$i.csv" 2>/dev/null || true
        # shellcheck disable=SC2086
        "$bin" report -r "$f" $flags --format json 2>/dev/null |
            python3 -c 'import json,sys
t=sys.stdin.read()
try:
    print(json.dumps(json.loads(t), sort_keys=True, separators=(",", ":")))
except ValueError:
    print(t)' >"$dir/$name.$i.json" || true
    done
done
