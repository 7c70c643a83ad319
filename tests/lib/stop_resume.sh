# tests/lib/stop_resume.sh - stopping a job with SIGTERM at random moments and resuming it until
# it finishes, for tests/e2e/snapshot_resume.sh (resumed at the same worker count) and
# tests/e2e/restore_rescaled.sh (at another): building the examples, an uninterrupted run, the
# stopped runs, and comparing their outputs. Sourced after tests/lib/snapshots.sh, in the
# directory the test works in; the caller sets RANDOM's seed and reads $failures at the end.

. "$ROOT/tests/lib/jobs.sh"

failures=0
bad() { echo "$*"; failures=$((failures + 1)); }

# build_programs PROGRAMS: builds each program named first on a line of PROGRAMS into ./NAME:
# the examples as they are (from examples/, so that the build cache knows them from the
# examples' own test), the Nexmark queries (qN) with 20,000 events instead of 100,000.
build_programs() {
    local name names
    names=$(echo "$1" | awk 'NF { print $1 }')
    for name in $names; do
        case $name in
            q[0-9]) sed 's/nexmark(100000,/nexmark(20000,/' "$ROOT/examples/nexmark/$name.mstr" > "$name.mstr"
                    grep -q 'nexmark(20000,' "$name.mstr" || bad "$name: its source was not shrunk" ;;
        esac
    done
    # Two builds at a time.
    local src
    for name in $names; do
        src=$ROOT/examples/$name.mstr
        [ -f "$name.mstr" ] && src=$name.mstr
        "$MSTRC" build "$src" -o "$name" 2> "$name.build" &
        wait_for_room 2
    done
    wait
    for name in $names; do
        [ -x "$name" ] || { bad "$name: build failed: $(cat "$name.build")"; }
    done
}

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

# compare NAME WORKERS DIR LABEL: DIR's outputs against the uninterrupted run's on WORKERS,
# sorted unless every run had one worker.
compare() {
    local ref=ref-$1-w$2 sorted=0
    [ "$2" = 1 ] && [ "${resume_workers:-1}" = 1 ] || sorted=1
    snap_same_outputs "$ref" "$3" $sorted "$4" || bad "$4: the file sinks differ"
    snap_same_stdout "$ref/stdout" "$3/stdout" "$4" || bad "$4: standard output differs"
    [ "$(stderr_set "$ref")" = "$(stderr_set "$3")" ] ||
        bad "$4: standard error differs: $(stderr_set "$3" | head -5)"
}

# stop_and_resume NAME WORKERS POLL SLEEP DIR: runs NAME in DIR (made fresh) with a state
# directory, stops it with SIGTERM at 1 to 3 random moments within $span ms after it has opened
# its store, resuming it after each, and lets the last run finish. The runs after the first
# have $resume_workers workers when that is set (the first of them must say that it goes on
# with them). Sets landed to the number of
# stops that landed (one that comes after the run has ended does not), and ran to how long the
# first run took from its store on. Returns 1 after reporting a failure.
stop_and_resume() {
    local name=$1 workers=$2 dir=$5 stops=$((RANDOM % 3 + 1)) run=0 status delay err
    local label="$1 (workers $2${resume_workers:+, then $resume_workers})" snapshot=none opened
    landed=0 ran=0
    fresh_dir "$dir"
    while :; do
        run=$((run + 1))
        err=$dir/stderr.$run
        [ $run = 1 ] || workers=${resume_workers:-$2}
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
        if [ $run = 2 ] && [ "$workers" != "$2" ] &&
            ! grep -q "^mstr: resumed from .*; it was taken by $2 workers\? and goes on with $workers$" "$err"; then
            bad "$label: run $run does not say it goes on with $workers workers: $(head -5 "$err")"
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
# (whose end includes the last snapshot and, in sanitizer builds, the leak check) and the pause
# after each poll doubled: on a loaded machine the test may see the store open late and the
# run's start and end take much of it, so only a slower source leaves room for the stop.
stopped() {
    local dir=stop-$1-w$2${resume_workers:+-w$resume_workers} attempt sleep=$4 tried=
    local label="$1 (workers $2${resume_workers:+, then $resume_workers})"
    for attempt in 1 2 3 4; do
        stop_and_resume "$1" "$2" "$3" "$sleep" "$dir" || return 0
        if [ $landed -gt 0 ]; then
            stop_count=$((stop_count + landed))
            compare "$1" "$2" "$dir" "$label, stopped $landed times"
            return 0
        fi
        compare "$1" "$2" "$dir" "$label, with a state dir, not stopped"
        tried="$tried; a run of ${ran} ms, stopped within $span ms, pausing $sleep ms a poll"
        span=$((ran / 2 + 1))
        sleep=$((sleep * 2))
    done
    bad "$label: it ended before every stop in $attempt tries (${tried#; })"
}

# uninterrupted_agree NAME FILE: NAME's uninterrupted runs on 1, 2 and 4 workers, whose FILE must
# hold the same lines (sorted). The reference is then ref-NAME-w1/FILE.
uninterrupted_agree() {
    local workers
    for workers in 1 2 4; do
        uninterrupted "$1" $workers
    done
    for workers in 2 4; do
        [ "$(LC_ALL=C sort "ref-$1-w1/$2")" = "$(LC_ALL=C sort "ref-$1-w$workers/$2")" ] ||
            bad "$1: uninterrupted runs on 1 and $workers workers wrote different $2"
    done
}

# stopped_cases NAME: NAME stopped at random moments and resumed (`stopped NAME W 4 2`) at the
# same worker count (1, 2 and 4) and at another (1 -> 3, 2 -> 1, 4 -> 3); the sanitizer builds
# run one of each, drawn from RANDOM, unless MSTR_TEST_FULL=1. Prints the tally.
stopped_cases() {
    local same="1 2 4" picked="0 1 2" changes=("1 3" "2 1" "4 3") workers k cases=0
    if snap_sanitized && [ "${MSTR_TEST_FULL:-0}" != 1 ]; then
        same=$(echo "$same" | cut -d' ' -f$((RANDOM % 3 + 1)))
        picked=$((RANDOM % 3))
    fi
    stop_count=0
    for workers in $same; do
        span=$((400 / workers))
        stopped "$1" "$workers" 4 2
        cases=$((cases + 1))
    done
    for k in $picked; do
        read -r workers resume_workers <<< "${changes[$k]}"
        span=$((400 / workers))
        stopped "$1" "$workers" 4 2
        cases=$((cases + 1))
    done
    unset resume_workers
    echo "$cases cases, $stop_count stops by SIGTERM, $failures failures"
}
