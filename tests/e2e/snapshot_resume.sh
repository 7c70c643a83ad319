# Stop and resume: every stateful example (and csv_trades and record_sinks, for file sinks) and
# every Nexmark query (its source shrunk to 20,000 events) on 1, 2 and 4 workers, run with a
# state directory, snapshots every 20 ms and the test hooks that slow its sources down
# (MSTR_TEST_POLL_RECORDS, MSTR_TEST_POLL_SLEEP_MS), is stopped with SIGTERM at 1 to 3 random
# moments and resumed each time until it finishes. Every run must exit 0, a stopped one saying
# `mstr: stopped by SIGTERM after snapshot N` and the next `mstr: resumed from snapshot N`. What
# it wrote must equal an uninterrupted run's (without a state directory or hooks): the file
# sinks exactly (line for line on 1 worker, sorted on more), standard output as a set (the
# union of the runs' output holds the same lines, each at least as often: stdout is
# at-least-once after a resume), and standard error too, snapshot messages aside.
#
# The random moments come from a seed that the script prints; MSTR_TEST_SEED=N repeats its
# choices (the timing, and so the outcome, still varies). Each moment is after the job has
# opened its store (before that it has not started, and SIGTERM kills it like any program) and
# within a span that starts at 0.4 s and is halved for each doubling of the workers. A case
# whose first run ended before its stop is checked as it is (a run with a state directory that
# was not stopped must write the same too) and tried again with the span shortened to fit.
#
# The sample: all programs on 1, 2 and 4 workers takes about two minutes with the plain build.
# The sanitizer builds run their programs several times slower, so there (MSTRC under
# build-asan/ or build-tsan/) each program runs on one worker count only, drawn from the seed;
# MSTR_TEST_FULL=1 runs them all anyway.
set -eu
. "$ROOT/tests/lib/snapshots.sh"
cd "$WORK" && mkdir -p snapshot_resume && cd snapshot_resume

failures=0
bad() { echo "$*"; failures=$((failures + 1)); }

seed=${MSTR_TEST_SEED:-$(($(date +%s%N) % 1000000))}
RANDOM=$seed
echo "seed $seed (MSTR_TEST_SEED=$seed repeats the random choices)"

# program, records per source poll, pause after each poll (ms): about 0.3 s per run on 1 worker
programs="
custom_stateful_operator 1 3
event_time 1 30
event_time_out_of_order 1 30
joining_streams 1 2
orders_shipments 1 30
page_views 1 25
stateful_program_multiple_keys 1 3
stateful_programs 1 3
ttl_map_example 1 8
word_count 1 80
csv_trades 1 30
record_sinks 1 120
q0 200 3
q1 200 3
q2 200 3
q3 20 3
q4 200 2
q5 200 3
q7 200 3
q8 20 3
"

# Sources: the examples as they are, the Nexmark queries with 20,000 events instead of 100,000.
names=$(echo "$programs" | awk 'NF { print $1 }')
for name in $names; do
    case $name in
        q[0-9]) sed 's/nexmark(100000,/nexmark(20000,/' "$ROOT/examples/nexmark/$name.mstr" > "$name.mstr"
                grep -q 'nexmark(20000,' "$name.mstr" || bad "$name: its source was not shrunk" ;;
        *) cp "$ROOT/examples/$name.mstr" "$name.mstr" ;;
    esac
done
# Two builds at a time.
for name in $names; do
    "$MSTRC" build "$name.mstr" -o "$name" 2> "$name.build" &
    [ "$(jobs -r | wc -l)" -lt 2 ] || wait -n || true
done
wait
for name in $names; do
    [ -x "$name" ] || { bad "$name: build failed: $(cat "$name.build")"; }
done

# fresh_dir DIR: an empty run directory with a copy of examples/data.
fresh_dir() {
    rm -rf "$1" && mkdir -p "$1" && cp -r "$ROOT/examples/data" "$1/data"
}

# stderr_set DIR: the lines the runs in DIR printed on standard error, without the ones about
# snapshots, de-duplicated.
stderr_set() {
    cat "$1"/stderr.* | grep -Ev '^mstr: (resumed from snapshot|stopped by SIG|snapshots: )' |
        LC_ALL=C sort -u || true
}

# uninterrupted NAME WORKERS: runs NAME in ref-NAME-wWORKERS without a state directory.
uninterrupted() {
    local dir=ref-$1-w$2 status
    fresh_dir "$dir"
    snap_start "$dir" 1 "$PWD/$1" --workers "$2"
    snap_wait
    status=$snap_status
    [ "$status" = 0 ] || bad "$1 (workers $2, uninterrupted): exit status $status: $(cat "$dir/stderr.1")"
}

# hooked NAME WORKERS POLL SLEEP ENV...: the command line of a run with a state directory and
# the hooks.
hooked() {
    echo env MSTR_TEST_POLL_RECORDS="$3" MSTR_TEST_POLL_SLEEP_MS="$4" "$PWD/$1" --workers "$2" \
        --state-dir state --snapshot-every 20ms
}

# compare NAME WORKERS DIR LABEL: DIR's outputs against the uninterrupted run's.
compare() {
    local ref=ref-$1-w$2 sorted=0
    [ "$2" = 1 ] || sorted=1
    snap_same_outputs "$ref" "$3" $sorted "$4" || bad "$4: the file sinks differ"
    snap_same_stdout "$ref/stdout" "$3/stdout" "$4" || bad "$4: standard output differs"
    [ "$(stderr_set "$ref")" = "$(stderr_set "$3")" ] ||
        bad "$4: standard error differs: $(stderr_set "$3" | head -5)"
}

# stop_and_resume NAME WORKERS POLL SLEEP DIR: runs NAME in DIR (made fresh) with a state
# directory, stops it with SIGTERM at 1 to 3 random moments within $span ms after it has opened
# its store, resuming it after each, and lets the last run finish. Sets landed to the number of
# stops that landed (one that comes after the run has ended does not), and ran to how long the
# first run took from its store on. Returns 1 after reporting a failure.
stop_and_resume() {
    local name=$1 workers=$2 dir=$5 stops=$((RANDOM % 3 + 1)) run=0 status delay err
    local label="$1 (workers $2)" snapshot=none opened
    landed=0 ran=0
    fresh_dir "$dir"
    while :; do
        run=$((run + 1))
        err=$dir/stderr.$run
        snap_start "$dir" $run $(hooked "$name" "$workers" "$3" "$4")
        snap_wait_store "$dir"
        opened=$(snap_now_ms)
        delay=none
        if [ $run -le $stops ]; then
            delay=$((RANDOM * span / 32768))
            snap_sleep_ms $delay
            snap_signal TERM
        fi
        snap_wait
        status=$snap_status
        [ $run != 1 ] || ran=$(($(snap_now_ms) - opened))
        if [ "$status" != 0 ]; then
            bad "$label: run $run (stopped after $delay ms) exit status $status: $(head -5 "$err")"
            return 1
        fi
        if [ $run -gt 1 ] && ! grep -q "^mstr: resumed from snapshot $snapshot in 'state': " "$err"; then
            bad "$label: run $run does not say it resumed from snapshot $snapshot: $(head -5 "$err")"
            return 1
        fi
        snapshot=$(sed -n 's/^mstr: stopped by SIGTERM after snapshot \([0-9]*\); run again .*/\1/p' "$err")
        [ -n "$snapshot" ] || return 0
        landed=$((landed + 1))
        [ $run -lt 10 ] || { bad "$label: still not finished after $run runs"; return 1; }
    done
}

# stopped NAME WORKERS POLL SLEEP: stop_and_resume, then compare with the uninterrupted run. A
# first run that ended before it was stopped is compared as it is (a run with a state directory
# that was not stopped), and the case is tried again with span shortened to half of that run
# (whose end includes the last snapshot and, in sanitizer builds, the leak check).
stopped() {
    local dir=stop-$1-w$2 attempt label="$1 (workers $2)"
    for attempt in 1 2 3 4; do
        stop_and_resume "$@" "$dir" || return 0
        if [ $landed -gt 0 ]; then
            stop_count=$((stop_count + landed))
            compare "$1" "$2" "$dir" "$label, stopped $landed times"
            return 0
        fi
        compare "$1" "$2" "$dir" "$label, with a state dir, not stopped"
        span=$((ran / 2 + 1))
    done
    bad "$label: it ended before every stop in $attempt tries (the hooks do not slow it enough)"
}

if snap_sanitized && [ "${MSTR_TEST_FULL:-0}" != 1 ]; then sample=1; else sample=0; fi
cases=0 stop_count=0
while read -r name poll sleep; do
    [ -n "$name" ] && [ -x "$name" ] || continue
    worker_counts="1 2 4"
    [ $sample = 0 ] || worker_counts=$(echo "1 2 4" | cut -d' ' -f$((RANDOM % 3 + 1)))
    span=400  # ms: adjusted by stopped, halved for each doubling of the workers
    for workers in $worker_counts; do
        uninterrupted "$name" "$workers"
        stopped "$name" "$workers" "$poll" "$sleep"
        cases=$((cases + 1))
        span=$((span / 2 + 1))
    done
done <<< "$programs"

echo "$cases cases, $stop_count stops by SIGTERM, $failures failures (seed $seed)"
[ $failures = 0 ]
