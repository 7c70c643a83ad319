#!/usr/bin/env bash
# Benchmarks: each pipeline compiled from .mstr next to a hand-written C baseline of the same
# work, measured in the same run. Prints records per second for both and their ratio, and
# fails if the two disagree on the records' count or checksum (then they did not do the same
# work). Each program runs three times; the best time counts.
#
#   bench/run.sh path/to/mstrc
set -euo pipefail
mstrc=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
root=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cc=${CC:-cc}

best_time() { # best_time CMD...: best wall time of three runs, in seconds; output in $work/last
    local best=
    for _ in 1 2 3; do
        local t0 t1
        t0=$(date +%s.%N)
        "$@" > /dev/null 2> "$work/last"
        t1=$(date +%s.%N)
        best=$(echo "$t0 $t1 ${best:-999999}" | awk '{ d = $2 - $1; print (d < $3) ? d : $3 }')
    done
    echo "$best"
}

bench() { # bench NAME RECORDS-IN
    local name=$1 n=$2
    "$mstrc" build "$root/bench/$name.mstr" -o "$work/$name"
    "$cc" -std=gnu11 -O2 -I"$root/runtime" -o "$work/baseline_$name" "$root/bench/baseline_$name.c"
    local tg tb
    tg=$(best_time "$work/$name" --stats)
    local got; got=$(cat "$work/last")
    tb=$(best_time "$work/baseline_$name")
    local want; want=$(cat "$work/last")
    if [ "$got" != "$want" ]; then
        echo "bench $name: generated and baseline disagree:"; echo "  $got"; echo "  $want"; exit 1
    fi
    awk -v name="$name" -v n="$n" -v tg="$tg" -v tb="$tb" 'BEGIN {
        printf "%-12s %12.1f M rec/s generated  %12.1f M rec/s hand-written C  ratio %.2f\n",
               name, n / tg / 1e6, n / tb / 1e6, tb / tg }'
}

echo "records in per second, best of 3 runs, $(nproc) cores ($(uname -m))"
bench stateless 300000000
