#!/usr/bin/env bash
# Benchmarks: each pipeline compiled from .mstr next to a hand-written C baseline of the same
# work, measured in the same run. Prints records per second for both and their ratio, and
# fails if the two disagree on the records' count or checksum (then they did not do the same
# work). Each program runs three times; the best time counts. The exchange between processes
# is measured against gRPC alone moving the same bytes (grpc_raw, built from bench/grpc_raw.c
# by the Makefile). Snapshots are measured as what they cost a keyed job against the same job
# without a state directory, and as the time and disk space of a snapshot of ten million keys
# and the rate of restoring it (those two once: the snapshot alone takes 10-20 s). A live
# rescale is measured by the longest gap in the work of the workers that kept running, next
# to the same gap in a run that was not rescaled.
#
#   bench/run.sh path/to/mstrc path/to/grpc_raw
set -euo pipefail
mstrc=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
grpc_raw=$(cd "$(dirname "$2")" && pwd)/$(basename "$2")
root=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cc=${CC:-cc}

best_time() { # best_time CMD...: best wall time of three runs, in seconds; output in $work/last
    # (a run that fails stops the benchmark: its time would be that of work not done)
    local best=
    for _ in 1 2 3; do
        local t0 t1
        t0=$(date +%s.%N)
        "$@" > /dev/null 2> "$work/last" || { echo "bench: $* failed:"; cat "$work/last"; exit 1; } >&2
        t1=$(date +%s.%N)
        best=$(echo "$t0 $t1 ${best:-999999}" | awk '{ d = $2 - $1; print (d < $3) ? d : $3 }')
    done
    echo "$best"
}

# layout_args LAYOUT: the job's options for a layout, W (one process of W workers) or PxW (P
# processes of W workers each, started by the job itself on loopback).
layout_args() {
    case $1 in
        *x*) echo "--processes ${1%x*} --workers ${1#*x}" ;;
        *) echo "--workers $1" ;;
    esac
}

# layout_name LAYOUT: "1 worker", "2 workers", "2 processes x 1 worker".
layout_name() {
    local w=${1#*x} name
    name="$w worker$([ "$w" = 1 ] || echo s)"
    case $1 in
        *x*) echo "${1%x*} processes x $name" ;;
        *) echo "$name" ;;
    esac
}

# sink_records FILE: the records of every "sink 'out'" line of FILE (a job over several
# processes prints one per process), summed, as the sink's line starts.
sink_records() {
    awk '/sink .out.: / { for (i = 1; i < NF; i++) if ($(i + 1) ~ /^records/) n += $i }
         END { printf "mstr: sink '"'"'out'"'"': %d records\n", n }' "$1"
}

# layout_workers LAYOUT: the workers of a layout over all its processes.
layout_workers() {
    case $1 in
        *x*) echo $((${1%x*} * ${1#*x})) ;;
        *) echo "$1" ;;
    esac
}

# bench NAME RECORDS-IN [LAYOUT...]: the generated program on each layout (default 1; see
# layout_args) against the baseline. A baseline takes a thread count (bench/baseline_keyed.c):
# a layout of W workers in all is compared with the baseline on W threads, and the ratio to
# one worker (one thread) is printed beside. With more than one worker, records of one key
# arrive in another order, so running results (and the checksum) differ; only the record count
# must then agree.
bench() {
    local name=$1 n=$2
    shift 2
    [ $# -gt 0 ] || set -- 1
    "$mstrc" build "$root/bench/$name.mstr" -o "$work/$name"
    "$cc" -std=gnu11 -O2 -pthread -I"$root/runtime" -o "$work/baseline_$name" \
        "$root/bench/baseline_$name.c" "${mstrc%/mstrc}/libmstr.a"
    local -A tb
    local want threads counts
    counts=$({ echo 1; for layout in "$@"; do layout_workers "$layout"; done; } | sort -nu)
    for threads in $counts; do
        # shellcheck disable=SC2046 # no argument for one thread: baselines of one thread take none
        tb[$threads]=$(best_time "$work/baseline_$name" $([ "$threads" = 1 ] || echo "$threads"))
        if [ "$threads" = 1 ]; then
            want=$(cat "$work/last")
            awk -v name="$name" -v n="$n" -v tb="${tb[1]}" 'BEGIN {
                printf "%-10s %-34s %8.1f M rec/s\n", name, "hand-written C", n / tb / 1e6 }'
        else
            [ "$(sink_records "$work/last")" = "$(sink_records <(echo "$want"))" ] ||
                { echo "bench $name: the baseline on $threads threads lost records"; exit 1; }
            awk -v name="$name" -v n="$n" -v t="${tb[$threads]}" -v t1="${tb[1]}" \
                -v what="hand-written C, $threads threads" 'BEGIN {
                printf "%-10s %-34s %8.1f M rec/s   %21s   %.2fx 1 thread\n",
                       name, what, n / t / 1e6, "", t1 / t }'
        fi
    done
    local t1=
    for layout in "$@"; do
        local tg got expect=$want
        # shellcheck disable=SC2046 # the options are words
        tg=$(best_time "$work/$name" --stats $(layout_args "$layout"))
        got=$(cat "$work/last")
        if [ "$layout" != 1 ]; then
            got=$(sink_records "$work/last")
            expect=$(sink_records <(echo "$want"))
        fi
        if [ "$got" != "$expect" ]; then
            echo "bench $name: generated and baseline disagree:"; echo "  $got"; echo "  $expect"
            exit 1
        fi
        [ -n "$t1" ] || t1=$tg
        awk -v name="$name" -v n="$n" -v tg="$tg" -v tb="${tb[$(layout_workers "$layout")]}" \
            -v t1="$t1" -v what="generated, $(layout_name "$layout")" 'BEGIN {
            printf "%-10s %-34s %8.1f M rec/s   %.2fx hand-written   %.2fx 1 worker\n",
                   name, what, n / tg / 1e6, tb / tg, t1 / tg }'
    done
}

# link_batch_bytes JOB OPTIONS...: runs JOB, asks its `ctl status` for the link from process 0
# to process 1 until a thousand batches went over it, and prints their average size in bytes
# (the job's real batch size, measured where it is counted). The job then runs to its end.
link_batch_bytes() {
    local job=$1
    shift
    "$job" "$@" > /dev/null 2> "$work/sampled" &
    local pid=$! addr='' line='' avg=
    for _ in $(seq 1 200); do
        addr=$(grep -o 'ctl --coordinator [0-9.:]*' "$work/sampled" | cut -d' ' -f3 || true)
        [ -z "$addr" ] || line=$("$job" ctl status --coordinator "$addr" 2>/dev/null |
                                 grep 'link 0 -> 1:' || true)
        avg=$(echo "$line" | awk '$8 >= 1000 { printf "%.1f", $5 / $8 }')
        [ -z "$avg" ] || break
        sleep 0.1
    done
    wait "$pid" || { echo "bench: $job failed:"; cat "$work/sampled"; exit 1; } >&2
    [ -n "$avg" ] || { echo "bench: no link figures from $job's ctl status" >&2; exit 1; }
    echo "$avg"
}

# run_timed TIMES CMD...: runs CMD once and appends its wall and CPU (user + system, its
# children included) seconds to the file TIMES; output in $work/last.
run_timed() {
    local times=$1
    shift
    /usr/bin/time -f "%e %U %S" -o "$work/time" "$@" > /dev/null 2> "$work/last" ||
        { echo "bench: $* failed:"; cat "$work/last"; exit 1; } >&2
    awk '{ print $1, $2 + $3 }' "$work/time" >> "$times"
}

# least FILE: the least wall time and the least CPU time over the runs in FILE.
least() {
    awk 'NR == 1 || $1 < w { w = $1 } NR == 1 || $2 < c { c = $2 } END { print w, c }' "$1"
}

# exchange_arrived CROSSING: the checksum of the CROSSING records that the job's run in
# $work/last delivered, all in one process (the other's sink got none); fails otherwise.
exchange_arrived() {
    local arrived
    arrived=$(grep -o "sink 'out': $1 records, checksum [0-9a-f]*" "$work/last" || true)
    if [ "$(grep -c "sink 'out': " "$work/last")" != 2 ] || [ -z "$arrived" ] ||
       ! grep -q "sink 'out': 0 records" "$work/last"; then
        echo "bench exchange: not every record crossed to process 1:" >&2; cat "$work/last" >&2
        exit 1
    fi
    echo "${arrived##*checksum }"
}

# exchange RANGE: bench/exchange.mstr (range(0, RANGE)) on two processes of one worker, where
# the RANGE/2 records worker 0 reads all cross to worker 1 in the other process, against
# grpc_raw moving the same bytes in messages of the job's batch size, one at a time, with the
# runtime's 64 credits. Bytes are those of the gRPC messages: records of 24 bytes (u64 key,
# value and timestamp) in batches of 1024 behind a 30-byte head. The same job on one process
# of two workers (rings, no gRPC) must deliver the same records with the same checksum.
# gRPC alone and the job take turns, three runs each, so that both meet the machine's load
# alike; the least wall time and the least CPU time of each count.
exchange() {
    local crossing=$(($1 / 2)) per_record=24 per_batch_records=1024 head=30
    sed "s/range(0, 100000000)/range(0, $1)/" "$root/bench/exchange.mstr" > "$work/exchange.mstr"
    grep -q "range(0, $1)" "$work/exchange.mstr" || { echo "bench exchange: no range(0, 100000000)"; exit 1; }
    "$mstrc" build "$work/exchange.mstr" -o "$work/exchange"
    local batches=$(( (crossing + per_batch_records - 1) / per_batch_records ))
    local bytes=$((crossing * per_record + batches * head))
    local full=$((per_batch_records * per_record + head)) sampled
    sampled=$(link_batch_bytes "$work/exchange" --processes 2 --workers 1)
    if ! awk -v a="$sampled" -v f="$full" 'BEGIN { exit !(a > f * 0.999 && a < f * 1.001) }'; then
        echo "bench exchange: the job's batches average $sampled bytes, not $full: update run.sh"
        exit 1
    fi
    local size raw_bytes checksum
    size=$(printf %.0f "$sampled")
    raw_bytes=$((size * batches))
    rm -f "$work/raw.times" "$work/job.times" "$work/rings.times"
    for _ in 1 2 3; do
        run_timed "$work/raw.times" "$grpc_raw" "$size" "$batches"
        run_timed "$work/job.times" "$work/exchange" --stats --processes 2 --workers 1
        checksum=$(exchange_arrived "$crossing")
    done
    for _ in 1 2 3; do
        run_timed "$work/rings.times" "$work/exchange" --stats --workers 2
        if ! grep -q "sink 'out': $crossing records, checksum $checksum" "$work/last"; then
            echo "bench exchange: 2 processes and 2 workers of one process disagree:"
            echo "  $crossing records, checksum $checksum"; cat "$work/last"
            exit 1
        fi
    done
    local raw job rings
    raw=$(least "$work/raw.times")
    job=$(least "$work/job.times")
    rings=$(least "$work/rings.times")
    awk -v bytes="$raw_bytes" -v m="$batches" -v size="$size" -v r="$raw" 'BEGIN {
        split(r, t, " ")
        printf "%-10s %-34s %8.1f MB/s    %6.0f messages/s of %d bytes, CPU %.2f s/GB\n",
               "exchange", "gRPC C core alone", bytes / t[1] / 1e6, m / t[1], size,
               t[2] / bytes * 1e9 }'
    awk -v bytes="$bytes" -v n="$crossing" -v j="$job" -v raw_bytes="$raw_bytes" -v r="$raw" '
        BEGIN { split(j, t, " "); split(r, u, " ")
        printf "%-10s %-34s %8.1f MB/s    %6.1f M rec/s, CPU %.2f s/GB   %.2fx gRPC alone\n",
               "exchange", "generated, 2 processes x 1 worker", bytes / t[1] / 1e6,
               n / t[1] / 1e6, t[2] / bytes * 1e9, (bytes / t[1]) / (raw_bytes / u[1]) }'
    awk -v bytes="$bytes" -v n="$crossing" -v g="$rings" 'BEGIN {
        split(g, t, " ")
        printf "%-10s %-34s %8.1f MB/s    %6.1f M rec/s, CPU %.2f s/GB   (rings, no gRPC)\n",
               "exchange", "generated, 2 workers", bytes / t[1] / 1e6, n / t[1] / 1e6,
               t[2] / bytes * 1e9 }'
}

# snapshot_cost RECORDS: bench/snapshots.mstr (range(0, RECORDS), a million keys, then every
# record on ten thousand of them) with a snapshot every second, against the same job without a
# state directory. The two take turns, three runs each, each snapshotting run into an empty
# state directory; the least wall time and the least CPU time of each count. Both must print
# the same count and checksum. Prints the records per second of each and their ratio, then
# what the last run's snapshots wrote and how long the last of them took (from its summary
# line): the first snapshot holds every key, the later ones only those that changed.
snapshot_cost() {
    local n=$1 state=$work/snapshots.state
    grep -q "range(0, $n)" "$root/bench/snapshots.mstr" || { echo "bench snapshots: no range(0, $n)"; exit 1; }
    "$mstrc" build "$root/bench/snapshots.mstr" -o "$work/snapshots"
    rm -f "$work/plain.times" "$work/snap.times"
    local want got
    for _ in 1 2 3; do
        run_timed "$work/plain.times" "$work/snapshots" --stats
        want=$(grep "sink 'out': " "$work/last")
        rm -rf "$state"
        run_timed "$work/snap.times" "$work/snapshots" --stats --state-dir "$state" \
            --snapshot-every 1s
        got=$(grep "sink 'out': " "$work/last")
        if [ "$got" != "$want" ]; then
            echo "bench snapshots: with and without snapshots disagree:"; echo "  $got"; echo "  $want"
            exit 1
        fi
    done
    local summary plain snap
    summary=$(sed -nE 's/^mstr: snapshots: ([0-9]+) taken, the last [0-9]+ in ([0-9]+) ms; ([0-9]+) entries, ([0-9]+) bytes written$/\1 \2 \3 \4/p' \
              "$work/last")
    [ -n "$summary" ] || { echo "bench snapshots: no summary of snapshots:"; cat "$work/last"; exit 1; } >&2
    rm -rf "$state"
    plain=$(least "$work/plain.times")
    snap=$(least "$work/snap.times")
    awk -v n="$n" -v p="$plain" -v s="$snap" -v summary="$summary" 'BEGIN {
        split(p, t, " "); split(s, u, " "); split(summary, k, " ")
        printf "%-10s %-34s %8.1f M rec/s   CPU %.2f s\n", "snapshots", "no state dir",
               n / t[1] / 1e6, t[2]
        printf "%-10s %-34s %8.1f M rec/s   CPU %.2f s   %.2fx no state dir\n",
               "snapshots", "a snapshot every 1 s", n / u[1] / 1e6, u[2], t[1] / u[1]
        printf "%-10s %d snapshots: %d entries, %.1f MB written; the last in %d ms\n",
               "snapshots", k[1], k[3], k[4] / 1e6, k[2] }'
}

# snapshot_restore KEYS: bench/keys.mstr (KEYS distinct keys) with a state directory and no
# snapshot but the last, when its input ends: that snapshot holds every key. Prints its
# duration (the job's summary line), the state directory's size on disk (du) and the job's
# time against the same job without a state directory; then runs the job again on that
# directory, which resumes from the snapshot and has nothing more to read, and prints the
# restore's rate (its "resumed from snapshot" line). Every entry written must be restored.
snapshot_restore() {
    local keys=$1 state=$work/keys.state
    grep -q "range(0, $keys)" "$root/bench/keys.mstr" || { echo "bench restore: no range(0, $keys)"; exit 1; }
    "$mstrc" build "$root/bench/keys.mstr" -o "$work/keys"
    rm -f "$work/keys.times" "$work/keys_snap.times" "$work/keys_resume.times"
    rm -rf "$state"
    run_timed "$work/keys.times" "$work/keys" --stats
    run_timed "$work/keys_snap.times" "$work/keys" --stats --state-dir "$state" --snapshot-every 0
    local taken disk
    taken=$(sed -nE 's/^mstr: snapshots: 1 taken, the last [0-9]+ in ([0-9]+) ms; ([0-9]+) entries, ([0-9]+) bytes written$/\1 \2 \3/p' \
            "$work/last")
    [ -n "$taken" ] || { echo "bench restore: not one snapshot:"; cat "$work/last"; exit 1; } >&2
    disk=$(du -sk "$state" | cut -f1)
    awk -v keys="$keys" -v taken="$taken" -v disk="$disk" -v p="$(cat "$work/keys.times")" \
        -v s="$(cat "$work/keys_snap.times")" 'BEGIN {
        split(taken, k, " "); split(p, t, " "); split(s, u, " ")
        printf "%-10s %d keys: %.1f s, %d entries, %.0f MB written, %.0f MB on disk (%.1f bytes per key)\n",
               "snapshot", keys, k[1] / 1e3, k[2], k[3] / 1e6, disk / 1024, disk * 1024 / keys
        printf "%-10s the job %.1f s with that snapshot, %.1f s without a state dir\n",
               "snapshot", u[1], t[1] }'
    run_timed "$work/keys_resume.times" "$work/keys" --stats --state-dir "$state" --snapshot-every 0
    local resumed
    resumed=$(sed -nE "s/^mstr: resumed from snapshot [0-9]+ in .*: ([0-9]+) entries in ([0-9.]+) s.*/\1 \2/p" \
              "$work/last")
    if [ -z "$resumed" ] || [ "${resumed% *}" != "$(echo "$taken" | cut -d' ' -f2)" ]; then
        echo "bench restore: not every entry of the snapshot was restored:" >&2
        echo "  $taken" >&2; cat "$work/last" >&2
        exit 1
    fi
    rm -rf "$state"
    awk -v r="$resumed" -v j="$(cat "$work/keys_resume.times")" 'BEGIN {
        split(r, k, " "); split(j, t, " ")
        printf "%-10s %d entries in %.2f s: %.2f M entries/s; the job %.1f s\n",
               "restore", k[1], k[2], k[1] / k[2] / 1e6, t[1] }'
}

# records_written ERR: the records the sink 'out' wrote, summed over every process and round
# that reported (over processes every worker stops at a rescale's cut, so no record is counted
# twice).
records_written() {
    sed -n "s/^mstr: sink 'out': \([0-9]*\) records.*/\1/p" "$1" | awk '{ n += $1 } END { print n + 0 }'
}

# free_port: a TCP port on the loopback that nothing listens on now.
free_port() {
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])'
}

# monotonic_ns: CLOCK_MONOTONIC now, in nanoseconds (the clock bench/rescale.mstr stamps with).
monotonic_ns() {
    python3 -c 'import time; print(time.monotonic_ns())'
}

# longest_gap LINES FROM TO WORKERS...: the longest time, in ms, between two lines of one of
# WORKERS in LINES (bench/rescale.mstr's "WORKER NANOSECONDS") stamped from FROM to TO (ns).
longest_gap() {
    local lines=$1 from=$2 to=$3
    shift 3
    awk -v from="$from" -v to="$to" -v workers="$*" 'BEGIN { n = split(workers, w, " ")
        for (i = 1; i <= n; i++) kept[w[i]] = 1 }
        $1 in kept && $2 >= from && $2 <= to {
            if ($1 in last && $2 - last[$1] > gap) gap = $2 - last[$1]
            last[$1] = $2 }
        END { printf "%.1f", gap / 1e6 }' "$lines"
}

# rescale_step FROM TO [PROCESSES [TO_PROCESSES]]: 1.5 s on, tells the job of rescale_live (on
# $port, writing $lines and $err, started at $started; the run not rescaled started at
# $plain_started) to go on with TO workers, and prints how long the call took (it answers once
# every worker is through the rescale), how long the job says the rescale took, what it moved
# and how many records waited for their key group's state, and the longest gap in the work of
# workers 0 and 1 from 0.5 s before the call to 0.5 s after, next to theirs over the same
# second of the run not rescaled. Over PROCESSES processes (FROM and TO the workers of all; on
# TO_PROCESSES after, the same by default): what every process says it moved (to its other
# workers, or to other processes), summed, the longest any took, and the gap of worker 0 (the
# others of process 0 come and go, and those of the others are numbered anew).
rescale_step() {
    local from=$1 to=$2 procs=${3:-1} at t0 t1 detail gap plain what kept="0 1"
    local after=${4:-${3:-1}}
    sleep 1.5
    at=$(monotonic_ns)
    t0=$(date +%s%N)
    "$work/rescale" ctl rescale "$to" "$after" --coordinator "127.0.0.1:$port" \
        > "$work/rescale.out" || { echo "bench rescale: ctl rescale $to $after failed"; exit 1; }
    t1=$(date +%s%N)
    sleep 0.6 # until the gap's second is over, and the job has said what it did
    what="$from -> $to workers,"
    if [ $procs = 1 ] && [ $after = 1 ]; then
        detail=$(sed -nE "s/^mstr: rescaled from $from to $to workers live in ([0-9]+) ms: ([0-9]+) of ([0-9]+) key groups \(([0-9]+) keyed slots, ([0-9]+) bytes\).*waited for what it took over: ([0-9.]+) ms; ([0-9]+) records waited.*$/\1 ms; moved \2 of \3 key groups, \4 keys, \5 bytes; the longest wait \6 ms; \7 records waited/p" "$err")
    else
        what="$procs x $((from / procs)) -> $after x $((to / after)),"
        kept=0
        local job="" n=$((procs > after ? procs : after))
        [ $procs = $after ] || job=" \\(the job: $after processes of $((to / after))\\)"
        detail=$(sed -nE "s/^mstr: process [0-9]+ rescaled from [0-9]+ to [0-9]+ workers$job live in ([0-9]+) ms: ([0-9]+) of ([0-9]+) key groups \(([0-9]+) keyed slots, ([0-9]+) bytes\).*waited for what it took over: ([0-9.]+) ms; ([0-9]+) records waited.*$/\1 \2 \3 \4 \5 \6 \7/p" "$err" |
                 tail -n $n |
                 awk -v procs="$n" 'BEGIN { ms = 0; w = 0 }
                                    { n++; if ($1 + 0 > ms) ms = $1 + 0; g += $2; k += $4
                                      b += $5; if ($6 + 0 > w) w = $6 + 0; r += $7; all = $3 }
            END { if (n == procs) printf "%d ms; moved %d of %d key groups, %d keys, %d bytes; the longest wait %.1f ms; %d records waited", ms, g, all, k, b, w, r }')
    fi
    [ -n "$detail" ] || { echo "bench rescale: it did not say what it moved:"; cat "$err"; exit 1; }
    gap=$(longest_gap "$lines" $((at - 500000000)) $((at + 500000000)) $kept)
    plain=$(longest_gap "$lines.plain" $((plain_started + at - started - 500000000)) \
                        $((plain_started + at - started + 500000000)) $kept)
    awk -v c="$(( (t1 - t0) / 1000000 ))" -v d="$detail" -v gap="$gap" -v plain="$plain" \
        -v what="$what" -v kept="$kept" 'BEGIN {
        n = split(kept, k, " "); which = n > 1 ? "workers " k[1] " and " k[2] : "worker " k[1]
        printf "%-10s %-16s 1M keys: the call %d ms, the job %s; longest gap of %s: %s ms (not rescaled: %s ms)\n",
               "rescale", what, c, d, which, gap, plain }'
}

# rescale_live: bench/rescale.mstr (a million keys, then running sums on ten thousand, and a
# line with the worker and the time for one record in 256) on 2 workers in one process, told
# to go on with 3 after 1.5 s (`ctl rescale 3`) and with 2 again 1.5 s later (rescale_step),
# and the same job not rescaled. Growing, workers 0 and 1 keep their key groups; shrinking,
# they take worker 2's over and go on while those groups' records wait. Both runs must count
# every record once.
rescale_live() {
    local err=$work/rescale_live.err lines=$work/rescale_live.lines port started plain_started
    local want got
    "$mstrc" build "$root/bench/rescale.mstr" -o "$work/rescale"
    plain_started=$(monotonic_ns)
    "$work/rescale" --workers 2 --stats 2> "$work/last" > "$lines.plain"
    want=$(records_written "$work/last")
    port=$(free_port)
    started=$(monotonic_ns)
    "$work/rescale" --workers 2 --stats --listen "127.0.0.1:$port" 2> "$err" > "$lines" &
    local job=$!
    rescale_step 2 3
    rescale_step 3 2
    wait $job || { echo "bench rescale: the job failed:"; cat "$err"; exit 1; }
    got=$(records_written "$err")
    [ "$got" = "$want" ] ||
        { echo "bench rescale: the rescaled job disagrees:"; echo "  $got"; echo "  $want"
          exit 1; }
}

# rescale_processes STEP...: rescale_live's job as 2 processes of 1 worker under the
# supervisor, rescaled live by each STEP ("FROM TO PROCESSES TO_PROCESSES": rescale_step) 1.5 s
# apart, and the same job not rescaled. Both runs must count every record once. Made to go on
# with 2 of 2 (`ctl rescale 4`) and 2 of 1 again, each process moves key groups among its own
# workers; with 3 of 1 (`ctl rescale 3 3`) the supervisor starts process 2, which takes its key
# groups and partitions over from the others, and at 2 of 1 again it hands everything back and
# leaves.
rescale_processes() {
    local err=$work/rescale_procs.err lines=$work/rescale_procs.lines port started plain_started
    local want got step
    "$mstrc" build "$root/bench/rescale.mstr" -o "$work/rescale"
    plain_started=$(monotonic_ns)
    "$work/rescale" --processes 2 --workers 1 --stats 2> "$work/last" > "$lines.plain"
    want=$(records_written "$work/last")
    port=$(free_port)
    started=$(monotonic_ns)
    "$work/rescale" --processes 2 --workers 1 --stats --listen "127.0.0.1:$port" 2> "$err" \
        > "$lines" &
    local job=$!
    for step in "$@"; do
        rescale_step $step
    done
    wait $job || { echo "bench rescale: the job failed:"; cat "$err"; exit 1; }
    got=$(records_written "$err")
    [ "$got" = "$want" ] ||
        { echo "bench rescale: the rescaled job disagrees:"; echo "  $got"; echo "  $want"
          exit 1; }
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

# many_workers WORKERS...: peak memory and wall time of bench/few_records.mstr (five records
# keyed over the workers) on each worker count.
many_workers() {
    "$mstrc" build "$root/bench/few_records.mstr" -o "$work/few_records"
    local w line
    for w in "$@"; do
        line=$(/usr/bin/time -f "%M %e" "$work/few_records" --workers "$w" 2>&1 > "$work/out" | tail -1)
        [ "$(wc -l < "$work/out")" = 5 ] || { echo "bench many_workers: wrong output on $w workers"; exit 1; }
        awk -v w="$w" -v l="$line" 'BEGIN { split(l, f, " ")
            printf "%-10s 5 records on %4d workers: peak %.0f MB (%.0f KB per worker), %.2f s\n",
                   "workers", w, f[1] / 1024, f[1] / w, f[2] }'
    done
}

echo "records in per second (exchange: bytes), best of 3 runs (snapshot, restore: one),"\
     "$(nproc) cores ($(uname -m)), load $(cut -d' ' -f1-3 /proc/loadavg)"
bench stateless 300000000
bench keyed 100000000 1 2 2x1
memory_per_key keys 10000000
exchange 100000000
snapshot_cost 100000000
snapshot_restore 10000000
rescale_live
rescale_processes "2 4 2 2" "4 2 2 2"
rescale_processes "2 3 2 3" "3 2 3 2"
many_workers 64 256 1024
"$cc" -O2 -I"$root/runtime" -o "$work/balance" "$root/bench/balance.c" "${mstrc%/mstrc}/libmstr.a"
"$work/balance" 4096 65536
