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

# bench NAME RECORDS-IN [WORKERS...]: the generated program on each worker count (default 1)
# against the baseline. With more than one worker, records of one key arrive in another order,
# so running results (and the checksum) differ; only the record count must then agree.
bench() {
    local name=$1 n=$2
    shift 2
    [ $# -gt 0 ] || set -- 1
    "$mstrc" build "$root/bench/$name.mstr" -o "$work/$name"
    "$cc" -std=gnu11 -O2 -I"$root/runtime" -o "$work/baseline_$name" "$root/bench/baseline_$name.c"
    local tb want
    tb=$(best_time "$work/baseline_$name")
    want=$(cat "$work/last")
    awk -v name="$name" -v n="$n" -v tb="$tb" 'BEGIN {
        printf "%-10s hand-written C       %8.1f M rec/s\n", name, n / tb / 1e6 }'
    local t1=
    for workers in "$@"; do
        local tg got
        tg=$(best_time "$work/$name" --stats --workers "$workers")
        got=$(cat "$work/last")
        [ "$workers" = 1 ] || { got=${got%, checksum*}; want=${want%, checksum*}; }
        if [ "$got" != "$want" ]; then
            echo "bench $name: generated and baseline disagree:"; echo "  $got"; echo "  $want"
            exit 1
        fi
        [ -n "$t1" ] || t1=$tg
        awk -v name="$name" -v n="$n" -v tg="$tg" -v tb="$tb" -v t1="$t1" -v w="$workers" 'BEGIN {
            printf "%-10s generated, %d worker%s %8.1f M rec/s   %.2fx hand-written   %.2fx 1 worker\n",
                   name, w, w == 1 ? " " : "s", n / tg / 1e6, tb / tg, t1 / tg }'
    done
}

# memory_per_key NAME KEYS: peak memory of NAME.mstr (KEYS distinct keys) less that of the same
# program with 10 keys, per key.
memory_per_key() {
    local name=$1 keys=$2
    sed "s/range(0, $keys)/range(0, 10)/" "$root/bench/$name.mstr" > "$work/${name}_small.mstr"
    grep -q "range(0, 10)" "$work/${name}_small.mstr" || { echo "bench $name: no range(0, $keys)"; exit 1; }
    "$mstrc" build "$root/bench/$name.mstr" -o "$work/$name"
    "$mstrc" build "$work/${name}_small.mstr" -o "$work/${name}_small"
    local big small
    big=$(/usr/bin/time -f %M "$work/$name" 2>&1 >/dev/null | tail -1)
    small=$(/usr/bin/time -f %M "$work/${name}_small" 2>&1 >/dev/null | tail -1)
    awk -v name="$name" -v keys="$keys" -v big="$big" -v small="$small" 'BEGIN {
        printf "%-10s %d keys: peak %.0f MB, %.1f bytes per key\n",
               name, keys, big / 1024, (big - small) * 1024 / keys }'
}

echo "records in per second, best of 3 runs, $(nproc) cores ($(uname -m))"
bench stateless 300000000
bench keyed 100000000 1 2
memory_per_key keys 10000000
