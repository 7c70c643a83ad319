#!/usr/bin/env bash
# Kill trials: a job with a state directory is killed with SIGKILL at random moments and
# restarted until it finishes; its output files must then equal an uninterrupted run's.
#
#   tests/chaos/kill_trials.sh TRIALS PIPELINE
#
# PIPELINE is one of
#   keyed     key_by + stateful_map: each record with its key's running sum and count, into a
#             csv sink; a key's state is dropped every 50 records (tombstones, and keys that
#             come back). One worker, compared line for line (on several workers the lines
#             of different keys interleave differently).
#   windowed  timestamps + epochs + a tumbling window count per key into a jsonl sink, on 2
#             workers, compared sorted.
#   rescaled  the windowed job with its source in three partitions, each in time order and far
#             apart in time (its epochs are kept per partition, so none makes another's
#             records late wherever they are read), each run on 1 to 4 workers (restoring at
#             another count, which moves partitions with their epochs) and told to rescale to 1
#             to 4 workers (`ctl rescale`, live) at a random moment before its kill, so that
#             kills land before, inside and after rescales; in one run of two each worker
#             pauses 50 ms at its cut of a rescale (MSTR_TEST_RESCALE_SLEEP_MS), which
#             otherwise takes about a millisecond, so that kills land inside them too.
#
# Each trial runs the job with the test hooks that slow its source down, snapshots every 20 ms,
# and in one run of three MSTR_TEST_COMMIT_SLEEP_MS=30, which pauses the coordinator between
# writing a snapshot and committing it and between committing and publishing the file sinks,
# so that the kill lands in those windows. Each run is killed at a random moment (after it has
# opened its store, within the time an uninterrupted run with the hooks takes) up to 1 to 4
# times, then left to finish. Every killed run must die of the SIGKILL (status 137), and every
# other run exit 0 without reporting a snapshot that cannot be restored. A trial whose first
# run ended before its kill is started over (at most three times), so that each trial has at
# least one kill, its kills within half the time at each new start.
#
# Prints `N of M trials ended equal` and exits 0 only if every trial did. A trial that did not
# keeps its directory under WORK. Environment: MSTRC (default build/mstrc), WORK (default: a
# temporary directory, deleted at the end), MSTR_TEST_SEED (repeats the random choices).
set -eu
ROOT=${ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}
MSTRC=${MSTRC:-$ROOT/build/mstrc}
MSTRC=$(cd "$(dirname "$MSTRC")" && pwd)/$(basename "$MSTRC")
. "$ROOT/tests/lib/snapshots.sh"

usage() { echo "usage: $0 TRIALS keyed|windowed|rescaled" >&2; exit 2; }
[ $# = 2 ] || usage
trials=$1 pipeline=$2
case $trials in ''|*[!0-9]*) usage ;; esac
case $pipeline in
    keyed) workers=1 sorted=0 ;;
    windowed|rescaled) workers=2 sorted=1 ;;
    *) usage ;;
esac

if [ -z "${WORK:-}" ]; then
    WORK=$(mktemp -d)
    trap 'rm -rf "$WORK"' EXIT
fi
dir=$WORK/kill_trials_$pipeline
rm -rf "$dir" && mkdir -p "$dir" && cd "$dir"

seed=${MSTR_TEST_SEED:-$(($(date +%s%N) % 1000000))}
RANDOM=$seed

case $pipeline in
keyed) cat > job.mstr <<'MSTR'
job keyed;
type Sum { sum: i64; count: u64; }
type Running { key: i64; value: i64; sum: i64; count: u64; }
source n: i64 = range(0, 20000);
n
  |> key_by bucket: i64 { return value % 97; }
  |> stateful_map running: Running (state Sum) {
       state->sum += value;
       state->count++;
       Running r = { key, value, state->sum, state->count };
       if (state->count == 50)
           drop_state();
       return r;
     }
  |> sink out = csv("running.csv");
MSTR
    hooks="MSTR_TEST_POLL_RECORDS=100 MSTR_TEST_POLL_SLEEP_MS=2" ;;
windowed|rescaled) partitions=
    [ $pipeline = windowed ] || partitions=" partitions 3"
    cat > job.mstr <<MSTR
job windowed;
type Counted { bucket: i64; start: i64; end: i64; count: u64; }
source n: i64 = range(0, 40000)$partitions;
n
  |> timestamps at { return value; }
  |> epochs watermark bounded(10)
  |> key_by bucket: i64 { return value % 7; }
  |> window counts: tumbling(500) count
  |> map counted: Counted { return (Counted){ key, value.start, value.end, value.value }; }
  |> sink out = jsonl("windows.jsonl");
MSTR
    hooks="MSTR_TEST_POLL_RECORDS=100 MSTR_TEST_POLL_SLEEP_MS=2" ;;
esac
"$MSTRC" build job.mstr -o job

# fresh_dir DIR: an empty run directory with a copy of examples/data.
fresh_dir() {
    rm -rf "$1" && mkdir -p "$1" && cp -r "$ROOT/examples/data" "$1/data"
}

# The uninterrupted run, and how long a run with the hooks takes from its store on (span, ms).
fresh_dir want
snap_start want 1 "$PWD/job" --workers $workers
snap_wait
[ "$snap_status" = 0 ] || { echo "the uninterrupted run failed ($snap_status):"; cat want/stderr.1; exit 1; }
[ -n "$(snap_outputs want)" ] || { echo "the uninterrupted run wrote nothing"; exit 1; }
fresh_dir timed
snap_start timed 1 env $hooks "$PWD/job" --workers $workers --state-dir state --snapshot-every 20ms
snap_wait_store timed
start=$(snap_now_ms)
snap_wait
span=$(($(snap_now_ms) - start))
[ "$snap_status" = 0 ] && snap_same_outputs want timed $sorted "a run with a state dir, not killed" ||
    { echo "a run with a state directory (not killed) failed or differs"; exit 1; }

# free_port: a TCP port on loopback that nothing listens on now.
free_port() {
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])'
}

# trial DIR: one trial in DIR (made fresh). Sets kills, pauses (runs with commit pauses) and
# inside (kills inside a rescale); returns 1 after a message if a run failed, 2 if the first
# run ended before its kill.
trial() {
    local t=$1 run=0 todo=$((RANDOM % 4 + 1)) pause rescale_pause delay err port args
    kills=0 pauses=0 inside=0
    fresh_dir "$t"
    while :; do
        run=$((run + 1))
        err=$t/stderr.$run
        pause=0
        [ $((RANDOM % 3)) != 0 ] || pause=30
        rescale_pause=0
        args="--workers $workers"
        if [ $pipeline = rescaled ]; then
            port=$(free_port)
            args="--workers $((RANDOM % 4 + 1)) --listen 127.0.0.1:$port"
            [ $((RANDOM % 2)) != 0 ] || rescale_pause=50
        fi
        snap_start "$t" $run env $hooks MSTR_TEST_COMMIT_SLEEP_MS=$pause \
            MSTR_TEST_RESCALE_SLEEP_MS=$rescale_pause "$PWD/job" \
            $args --state-dir state --snapshot-every 20ms
        delay=none
        if [ $run -le $todo ]; then
            snap_wait_store "$t"
            delay=$((RANDOM * span / 32768))
            if [ $pipeline = rescaled ]; then
                (snap_sleep_ms $((RANDOM * delay / 32768))
                 "$PWD/job" ctl rescale $((RANDOM % 4 + 1)) --coordinator 127.0.0.1:$port \
                     > /dev/null 2>&1 || true) &
            fi
            snap_sleep_ms $delay
            snap_signal KILL
        fi
        snap_wait
        local begun through
        begun=$(grep -c '^mstr: rescaling from' "$err" || true)
        through=$(grep -c "^mstr: rescaled from" "$err" || true)
        rescales=$((rescales + begun))
        if grep -q 'cannot be restored\|no usable snapshot' "$err"; then
            echo "$t: run $run: $(cat "$err")"
            return 1
        fi
        case $snap_status in
            0) [ $run = 1 ] && [ $todo -gt 0 ] && return 2
               return 0 ;;
            137) kills=$((kills + 1))
                 inside=$((inside + begun - through))
                 [ $pause = 0 ] || pauses=$((pauses + 1)) ;;
            *) echo "$t: run $run (commit pause $pause ms, killed after $delay ms) exit status" \
                    "$snap_status: $(cat "$err")"
               return 1 ;;
        esac
        [ $run -lt 20 ] || { echo "$t: not finished after $run runs"; return 1; }
    done
}

equal=0 total_kills=0 total_pauses=0 total_inside=0 restarts=0 rescales=0
for i in $(seq 1 "$trials"); do
    t=trial-$i
    whole=$span
    for attempt in 1 2 3; do
        status=0
        trial "$t" || status=$?
        [ $status = 2 ] || break
        restarts=$((restarts + 1))
        span=$((span / 2 + 1)) # this machine runs it faster now than when it was timed
    done
    span=$whole
    total_kills=$((total_kills + kills))
    total_pauses=$((total_pauses + pauses))
    total_inside=$((total_inside + inside))
    if [ $status = 0 ] && snap_same_outputs want "$t" $sorted "$t (killed $kills times)"; then
        equal=$((equal + 1))
        rm -rf "$t"
    elif [ $status = 2 ]; then
        echo "$t: the job ended before every kill in 3 tries"
    fi
done

echo "$pipeline ($workers worker$([ $workers = 1 ] || echo s)): $total_kills kills," \
     "$total_pauses of them in runs with commit pauses, $total_inside inside a rescale;" \
     "$rescales rescales begun;" \
     "$restarts trials started over (seed $seed)"
echo "$equal of $trials trials ended equal"
[ "$equal" = "$trials" ]
