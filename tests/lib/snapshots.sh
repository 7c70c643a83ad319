# tests/lib/snapshots.sh - shell functions shared by the snapshot tests (tests/e2e/snapshot_*.sh,
# tests/chaos/kill_trials.sh): starting a job with a state directory in the background and
# waiting until it holds its store, stopping or killing it, and comparing what a job that was
# stopped and resumed wrote with what an uninterrupted run wrote. Sourced, not run.
#
# A run directory holds a copy of examples/data, the state directory `state`, the job's standard
# output `stdout` (appended to by every run, so that it is the union of the runs' output) and
# `stderr.N` for the N-th run; every other file in it is an output of the job.

# snap_sanitized: whether $MSTRC is a sanitizer build, whose programs run several times
# slower: E2E_SAN is set (tests/run-e2e.sh exports it from the path of mstrc).
snap_sanitized() {
    [ -n "${E2E_SAN:-}" ]
}

# snap_sleep_ms MS: sleeps MS milliseconds.
snap_sleep_ms() {
    sleep "$(printf '%d.%03d' $(($1 / 1000)) $(($1 % 1000)))"
}

# snap_now_ms: the time in milliseconds (for measuring runs).
snap_now_ms() {
    local t=${EPOCHREALTIME/./}
    echo $((t / 1000))
}

# snap_start DIR RUN CMD...: starts CMD in DIR in the background, under `timeout 120`, with its
# standard input from the file $snap_stdin (in DIR; /dev/null when unset), its standard output
# appended to DIR/stdout and its standard error in DIR/stderr.RUN. Sets snap_pid to the pid to
# wait for (timeout's) and snap_job to the job's own pid, once it has one (empty if it ended
# first).
snap_start() {
    local dir=$1 run=$2
    shift 2
    (cd "$dir" && exec timeout 120 "$@" < "${snap_stdin:-/dev/null}" >> stdout 2> "stderr.$run") &
    snap_pid=$!
    snap_job=
    local i
    for i in $(seq 1 2000); do
        snap_job=$(cat "/proc/$snap_pid/task/$snap_pid/children" 2> /dev/null) || true
        snap_job=${snap_job%% *}
        [ -z "$snap_job" ] || return 0
        [ -e "/proc/$snap_pid" ] || return 0
        sleep 0.001
    done
}

# snap_wait_store DIR: waits until the job started by snap_start holds DIR/state/store open (it
# has read its settings and opened its store: from there on a SIGTERM must stop it cleanly), or
# has ended. Gives up after about 20 s.
snap_wait_store() {
    local store i
    store=$(cd "$1" && pwd)/state/store/LOCK
    for i in $(seq 1 4000); do
        [ -n "$snap_job" ] && [ -e "/proc/$snap_job" ] || return 0
        find "/proc/$snap_job/fd" -lname "$store" 2> /dev/null | grep -q . && return 0
        sleep 0.005
    done
}

# snap_signal SIG: sends SIG to the job started by snap_start, if it is still running.
snap_signal() {
    [ -n "$snap_job" ] && kill "-$1" "$snap_job" 2> /dev/null || true
}

# snap_wait: waits for the job started by snap_start; sets snap_status to its exit status.
snap_wait() {
    snap_status=0
    # (the braces keep the shell's "Killed" notice out of the log)
    { wait "$snap_pid"; } 2> /dev/null || snap_status=$?
}

# snap_outputs DIR: the output files of the run in DIR (relative paths, sorted).
snap_outputs() {
    (cd "$1" && find . -type f ! -path './data/*' ! -path './state/*' ! -name stdout \
        ! -name 'stderr*' | LC_ALL=C sort)
}

# snap_same_outputs WANT GOT SORTED LABEL: every output file of the run in WANT equals the one
# in GOT, which has no others; compared sorted if SORTED is 1. Prints what differs and returns
# 1 if something does.
snap_same_outputs() {
    local want=$1 got=$2 sorted=$3 label=$4 f ok=0
    if [ "$(snap_outputs "$want")" != "$(snap_outputs "$got")" ]; then
        echo "$label: output files differ: $(snap_outputs "$want" | tr '\n' ' ')(uninterrupted)" \
             "vs $(snap_outputs "$got" | tr '\n' ' ')"
        return 1
    fi
    for f in $(snap_outputs "$want"); do
        if [ "$sorted" = 1 ]; then
            LC_ALL=C sort "$want/$f" > "$got/.want.sorted"
            LC_ALL=C sort "$got/$f" > "$got/.got.sorted"
            cmp -s "$got/.want.sorted" "$got/.got.sorted" || {
                echo "$label: $f differs (sorted):"
                diff "$got/.want.sorted" "$got/.got.sorted" | head -10
                ok=1
            }
            rm -f "$got/.want.sorted" "$got/.got.sorted"
        elif ! cmp -s "$want/$f" "$got/$f"; then
            echo "$label: $f differs:"
            diff "$want/$f" "$got/$f" | head -10
            ok=1
        fi
    done
    return $ok
}

# snap_same_stdout WANT GOT LABEL: a job stopped by SIGTERM stops at its last snapshot's cut,
# so across stops and resumes standard output is exactly once: GOT (the union of the runs'
# output) must hold the lines of WANT (an uninterrupted run's), each as many times, in any
# order. Prints what differs and returns 1 if something does.
snap_same_stdout() {
    local out
    out=$(awk 'function say(s) { if (++n <= 10) print s }
               FNR == NR { want[$0]++; next }
               { got[$0]++ }
               END {
                   for (l in want)
                       if (!(l in got)) say("missing: " l)
                       else if (got[l] != want[l]) say("not as often (" got[l] " for " want[l] "): " l)
                   for (l in got)
                       if (!(l in want)) say("extra: " l)
                   exit (n > 0)
               }' "$1" "$2") && return 0
    echo "$3: standard output differs:"
    echo "$out"
    return 1
}
