#!/usr/bin/env bash
# Nexmark benchmark: each query of examples/nexmark/ over EVENTS generated events (default 10
# million, at 100,000 events per second of event time), its CSV sink replaced by a null sink,
# on 1 and 2 workers; prints events per second and per core (generator included). Best of 3.
#
#   bench/nexmark.sh path/to/mstrc [EVENTS]
#
# QUERIES="q5 q11" picks queries.
set -euo pipefail
mstrc=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
events=${2:-10000000}
root=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

best_time() { # best_time CMD...: best wall time of three runs, in seconds
    local best=
    for _ in 1 2 3; do
        local t0 t1
        t0=$(date +%s.%N)
        "$@" > /dev/null
        t1=$(date +%s.%N)
        best=$(echo "$t0 $t1 ${best:-999999}" | awk '{ d = $2 - $1; print (d < $3) ? d : $3 }')
    done
    echo "$best"
}

echo "Nexmark, $events events at 100000/s of event time, best of 3, $(nproc) cores"
printf '%-6s %10s %22s %22s\n' query workers "events/s" "events/s/core"
for q in ${QUERIES:-q0 q1 q2 q3 q4 q5 q7 q8 q9 q11 q12 q13 q14 q15 q16 q17 q18 q19 q20 q21 q22}; do
    sed -e "s/nexmark(100000, 1000)/nexmark($events, 100000)/" \
        -e 's/sink out = csv("q[0-9]*\.csv")/sink out = null/' \
        "$root/examples/nexmark/$q.mstr" > "$work/$q.mstr"
    grep -q "nexmark($events, 100000)" "$work/$q.mstr" || { echo "$q: no nexmark(100000, 1000)"; exit 1; }
    grep -q "sink out = null" "$work/$q.mstr" || { echo "$q: no csv sink named out"; exit 1; }
    "$mstrc" build "$work/$q.mstr" -o "$work/$q"
    for workers in 1 2; do
        t=$(best_time "$work/$q" --workers "$workers")
        awk -v q="$q" -v w="$workers" -v n="$events" -v t="$t" 'BEGIN {
            printf "%-6s %10d %20.1f M %20.1f M\n", q, w, n / t / 1e6, n / t / w / 1e6 }'
    done
done
