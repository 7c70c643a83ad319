#!/usr/bin/env bash
# End-to-end tests: every example is built with mstrc and run with 1, 2 and 4 workers (a
# sample of those under the sanitizers, see example_workers below), and what
# it prints and writes is compared with the files checked in under examples/expected/; then each
# tests/e2e/*.sh script runs as one test (exit 0 = pass).
#
#   tests/run-e2e.sh path/to/mstrc
#
# For examples/NAME.mstr, examples/expected/ may hold:
#   NAME.stdout   expected standard output (required)
#   NAME.stderr   expected standard error (default: empty)
#   NAME.status   expected exit status (default: 0)
#   NAME.stdin    fed to standard input (default: nothing)
#   NAME.files/   every file here must be produced, with the same content, in the run directory
#   NAME.wN.stdout, NAME.wN.stderr, NAME.wN.files/
#                 what to expect instead when it runs on N workers (output naming the worker)
#   NAME.p2w2.stdout  likewise on 2 processes of 2 workers (tests/e2e/processes_examples.sh)
#   NAME.unordered  present when even one worker's output order is not part of the contract
# With one worker, output is compared line by line; with more, workers interleave their lines,
# so lines are compared sorted. Each run is in a fresh directory holding a copy of
# examples/data/.
#
# It prints the seconds the examples took and each script took, so that a slow test shows.
# Scripts run E2E_JOBS at a time (default 2; see run_script below).
#
# Every run has a time limit, so that a hang fails the test that hung instead of the suite:
# E2E_RUN_SECONDS per example run (default 120) and E2E_SCRIPT_SECONDS per tests/e2e script
# (default 600), generous for the sanitizer builds on a slow machine.
#
# The scripts see E2E_SAN: asan or tsan when mstrc is a sanitizer build (build-asan/ or
# build-tsan/, see the Makefile), empty otherwise. Their programs run several times slower
# there, so a script may run a smaller sample under E2E_SAN, saying which in its header;
# MSTR_TEST_FULL=1 asks for everything anyway. E2E_WORKERS holds the worker counts the examples
# run on, for a script whose programs would run on 1, 2 and 4 workers.
set -u
mstrc=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
case $mstrc in
    */build-asan/*) E2E_SAN=asan ;;
    */build-tsan/*) E2E_SAN=tsan ;;
    *) E2E_SAN= ;;
esac
export E2E_SAN
# The worker counts each example runs on: the sanitizer builds' programs run several times
# slower, so there a sample (ASan: 1 and 4, the code without and with exchanges; TSan: 4, where
# threads meet); MSTR_TEST_FULL=1 runs 1, 2 and 4 everywhere.
case ${MSTR_TEST_FULL:-0}:$E2E_SAN in
    0:asan) example_workers="1 4" ;;
    0:tsan) example_workers=4 ;;
    *) example_workers="1 2 4" ;;
esac
export E2E_WORKERS=$example_workers
root=$(cd "$(dirname "$0")/.." && pwd)
. "$root/tests/lib/jobs.sh"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export MSTRC_CACHE="$work/cache"
passed=0
failed=0
run_seconds=${E2E_RUN_SECONDS:-120}
script_seconds=${E2E_SCRIPT_SECONDS:-600}

fail() { echo "FAIL $1: $2"; failed=$((failed + 1)); }

same() { # same EXPECTED ACTUAL LABEL: compares, shows a diff on mismatch
    if ! diff -u "$1" "$2" > "$work/diff"; then
        echo "--- $3 differs:"; head -40 "$work/diff"; return 1
    fi
}

# expected EXP NAME WORKERS SUFFIX: the file to compare with (per worker count if there is one)
expected() {
    if [ -e "$1/$2.w$3$4" ]; then echo "$1/$2.w$3$4"; else echo "$1/$2$4"; fi
}

# same_lines EXPECTED ACTUAL LABEL SORTED: compares, sorted first if SORTED is 1
same_lines() {
    if [ "$4" = 1 ]; then
        sort "$1" > "$work/want.sorted"; sort "$2" > "$work/got.sorted"
        same "$work/want.sorted" "$work/got.sorted" "$3 (sorted)"
    else
        same "$1" "$2" "$3"
    fi
}

run_example() { # run_example SRC BINARY WORKERS
    local src=$1 bin=$2 workers=$3 name exp dir status want_status sorted=0
    name=$(basename "$src" .mstr)
    exp=$root/examples/expected
    dir=$work/run-$name-w$workers
    mkdir -p "$dir"
    cp -r "$root/examples/data" "$dir/data"
    if [ "$workers" != 1 ] || [ -e "$exp/$name.unordered" ]; then sorted=1; fi
    local stdin=/dev/null
    [ -f "$exp/$name.stdin" ] && stdin=$exp/$name.stdin
    (cd "$dir" && timeout "$run_seconds" "$bin" --workers "$workers" < "$stdin" > stdout 2> stderr)
    status=$?
    if [ "$status" = 124 ]; then
        fail "$name (workers $workers)" "hung: no exit within $run_seconds s"; return
    fi
    want_status=0
    [ -f "$exp/$name.status" ] && want_status=$(cat "$exp/$name.status")
    local ok=1 want
    [ "$status" = "$want_status" ] || { echo "--- exit status $status, expected $want_status"; ok=0; }
    same_lines "$(expected "$exp" "$name" "$workers" .stdout)" "$dir/stdout" stdout $sorted || ok=0
    want=$(expected "$exp" "$name" "$workers" .stderr)
    if [ -f "$want" ]; then
        same_lines "$want" "$dir/stderr" stderr $sorted || ok=0
    elif [ -s "$dir/stderr" ]; then
        echo "--- unexpected stderr:"; head -20 "$dir/stderr"; ok=0
    fi
    want=$(expected "$exp" "$name" "$workers" .files)
    if [ -d "$want" ]; then
        for f in $(cd "$want" && find . -type f | sort); do
            if [ ! -f "$dir/$f" ]; then echo "--- $f was not written"; ok=0; continue; fi
            same_lines "$want/$f" "$dir/$f" "$f" $sorted || ok=0
        done
    fi
    if [ $ok = 1 ]; then passed=$((passed + 1)); else fail "$name (workers $workers)" "output differs"; fi
}

# build_example NAME: builds examples/NAME.mstr into $work/NAME, its messages in NAME.build
# and its exit status in NAME.build.status
build_example() {
    "$mstrc" build "$root/examples/$1.mstr" -o "$work/$1" > "$work/$1.build" 2>&1
    echo $? > "$work/$1.build.status"
}

run_built() { # run_built NAME: one test per worker count, once the build is checked
    local name=$1 workers
    if [ ! -f "$root/examples/expected/$name.stdout" ]; then
        fail "$name" "no expected output examples/expected/$name.stdout"; return
    fi
    if [ "$(cat "$work/$name.build.status")" != 0 ]; then
        fail "$name" "build failed"; cat "$work/$name.build"; return
    fi
    if [ -s "$work/$name.build" ]; then fail "$name" "build printed warnings"; cat "$work/$name.build"; return; fi
    for workers in $example_workers; do
        run_example "$root/examples/$name.mstr" "$work/$name" $workers
    done
}

# tests/examples.list names every example this runs, so that a new example cannot go
# unchecked: the list and examples/*.mstr must agree. examples/nexmark/ is checked against
# SQL by tests/e2e/nexmark_queries.sh instead.
(cd "$root/examples" && LC_ALL=C ls *.mstr | sed 's/\.mstr$//') > "$work/examples.found"
if ! diff -u "$root/tests/examples.list" "$work/examples.found" > "$work/examples.diff"; then
    fail "tests/examples.list" "does not match examples/*.mstr:"; cat "$work/examples.diff"
fi
# The builds are most of the examples' time: two run at a time, then the examples run.
while read -r name; do
    build_example "$name" &
    wait_for_room 2
done < "$root/tests/examples.list"
wait
while read -r name; do
    run_built "$name"
done < "$root/tests/examples.list"

echo "examples: $SECONDS s"

# run_script T: runs the script T, its output in $work/NAME.out and "STATUS SECONDS" in
# $work/NAME.result. Scripts work in directories of their own under $work, so E2E_JOBS of them
# (2 unless set) run at a time: most of a script's time is its jobs' waiting (slowed sources,
# snapshots, processes starting), which leaves the cores idle.
run_script() {
    local name started status
    name=$(basename "$1" .sh)
    started=$SECONDS
    MSTRC="$mstrc" ROOT="$root" WORK="$work" timeout "$script_seconds" bash "$1" > "$work/$name.out" 2>&1
    status=$?
    echo "$status $((SECONDS - started))" > "$work/$name.result"
}
# The longest scripts start first, so that the short ones fill in beside them rather than one
# long script running alone at the end (the list is only an order: any script not in it runs
# after, and a name here without a script is skipped).
longest_first="nexmark_queries processes_examples snapshot_resume time_boundaries process_kills
               kill_trials reshard live_rescale restore_rescaled"
# ThreadSanitizer is for where threads meet, and the scripts below test something else on the
# same threaded runtime that the examples and the other scripts run under it: the compiler and
# its tools, results against a reference program or SQL (on the workers the examples run on
# too), recovery after kill -9 (the restarted job starts as any job does). Under TSan they are
# left out, and said to be; MSTR_TEST_FULL=1 runs them too.
not_threaded="binary_cache c_error_at_mstr_line emit_is_deterministic graph_draws_every_example
              install_prefix man_pages usage_and_exit_status user_headers package_manifests
              pipeline_tests input_messages malformed_without_dead_letter missing_input
              keyed_property nexmark_queries kill_trials process_kills"
left_out=
[ "$E2E_SAN:${MSTR_TEST_FULL:-0}" != tsan:0 ] || left_out=$(echo $not_threaded)
is_left_out() { # is_left_out NAME
    case " $left_out " in *" $1 "*) return 0 ;; esac
    return 1
}
for t in $(for name in $longest_first; do echo "$root/tests/e2e/$name.sh"; done) \
         "$root"/tests/e2e/*.sh; do
    [ -f "$t" ] && [ ! -e "$work/$(basename "$t" .sh).started" ] || continue
    ! is_left_out "$(basename "$t" .sh)" || continue
    touch "$work/$(basename "$t" .sh).started"
    run_script "$t" &
    wait_for_room "${E2E_JOBS:-2}"
done
wait
[ -z "$left_out" ] || echo "not under $E2E_SAN (not threaded): $left_out"
for t in "$root"/tests/e2e/*.sh; do
    name=$(basename "$t" .sh)
    ! is_left_out "$name" || continue
    read -r status seconds < "$work/$name.result"
    echo "$name: $seconds s"
    if [ "$status" = 0 ]; then
        passed=$((passed + 1))
    elif [ "$status" = 124 ]; then
        fail "$name.sh" "hung: no exit within $script_seconds s"; tail -30 "$work/$name.out"
    else
        fail "$name.sh" "script failed"; tail -30 "$work/$name.out"
    fi
done

echo "e2e: $passed passed, $failed failed"
[ $failed = 0 ]
