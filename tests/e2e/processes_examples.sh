# Every example (tests/examples.list) and every program of examples/nexmark/, run as one job
# over 2 processes of 2 workers (`--processes 2 --workers 2`: the binary supervises two
# processes of itself), must give what it gives on 1 process of 1 worker: the same exit status,
# the same lines on stdout and stderr (sorted: workers interleave), and the same files, each
# with its header line first and the same rows (sorted: workers interleave their output).
# An example whose output names the worker (it has examples/expected/NAME.p2w2.stdout, what
# tests/models/owners.py gives for 2 processes of 2 workers: workers are numbered across the
# job, and a key group belongs to a process first, runtime/mstr_route.h) has its stdout
# compared with that file instead.
#
# Stdin (uppercase_stdin) is read by process 0 only. The runs have no --state-dir: the
# supervisor makes a temporary one, which is where the file sinks stage their output, and
# must remove it at the end. Three stderr lines are the supervisor's and the state
# directory's, not the job's, and are left out of the comparison: where the processes listen
# ("mstr: 2 processes at ..."), the snapshot report ("mstr: snapshots: ..."), and "mstr:
# process 0 waits for process 1 (...)" when a process is slow to start (sanitized builds). The
# Nexmark programs run on 20000 events instead of their 100000, to keep this short.
#
# The sanitizer builds (E2E_SAN, see tests/lib/processes.sh: sample_only) run a sample, one
# example for each way data and control cross between processes, to stay in the suite's time:
# keyed_streams (records exchanged by key), page_views (event-time windows: tumbling, sliding,
# session), orders_shipments (interval and window joins of two keyed streams),
# file_sink_stateful (a file sink staged in the supervisor's state directory and committed by
# both processes), uppercase_stdin (stdin read by process 0 alone), and Nexmark q5 (20000
# events through a keyed sliding window). The plain build runs all of them but the stateless
# Nexmark queries (see below); MSTR_TEST_FULL=1 does too.
set -eu
. "$ROOT/tests/lib/processes.sh"
cd "$WORK" && mkdir -p processes_examples && cd processes_examples
if sample_only; then
    examples="keyed_streams page_views orders_shipments file_sink_stateful uppercase_stdin"
    queries=q5
else
    examples=$(cat "$ROOT/tests/examples.list")
    # The stateless queries (a map or filter of each bid: none crosses between workers) are
    # left out; dump writes the same file sinks they do. So is q12, whose windows of processing
    # time differ from run to run (nexmark_queries.sh checks what holds on every run).
    queries=$(cd "$ROOT/examples/nexmark" && LC_ALL=C ls *.mstr | sed 's/\.mstr$//' |
              grep -vxE 'q0|q1|q2|q12|q14|q21|q22')
fi
echo "examples: $(echo $examples); Nexmark: $(echo $queries)"

# run DIR BIN STDIN ARGS...: runs BIN in a fresh DIR (with a copy of examples/data) with
# TMPDIR=DIR.tmp; DIR/status gets the exit status.
run() {
    local dir=$1 bin=$2 stdin=$3 status=0
    shift 3
    rm -rf "$dir" "$dir.tmp"
    mkdir -p "$dir" "$dir.tmp"
    cp -r "$ROOT/examples/data" "$dir/data"
    (cd "$dir" && TMPDIR="$PWD.tmp" timeout 120 "$bin" "$@" < "$stdin" > stdout 2> stderr) ||
        status=$?
    echo "$status" > "$dir/status"
}

# outputs DIR: the files a run wrote (besides stdout, stderr and status), one a line, sorted.
outputs() {
    (cd "$1" && find . -path ./data -prune -o -type f -print | sed 's|^\./||' |
        grep -Ev '^(stdout|stderr|status)$' | LC_ALL=C sort)
}

# compare NAME WANT GOT: the run in GOT (several processes) gave what the run in WANT gave.
compare() {
    local name=$1 want=$2 got=$3 f
    if [ "$(cat "$got/status")" = 124 ]; then
        bad "$name: hung on 2 processes (no exit within 120 s)"; tail -5 "$got/stderr"; return
    fi
    [ "$(cat "$got/status")" = "$(cat "$want/status")" ] ||
        bad "$name: exit status $(cat "$got/status") on 2 processes, $(cat "$want/status") on one"
    same_sorted "$want/stdout" "$got/stdout" "$name: stdout" || true
    grep -Ev '^mstr: (snapshots: |process [0-9]+ waits for process [0-9]+ \(|[0-9]+ processes at )' \
        "$got/stderr" > "$got.stderr" || true
    same_sorted "$want/stderr" "$got.stderr" "$name: stderr" || true
    if [ "$(outputs "$want")" != "$(outputs "$got")" ]; then
        bad "$name: wrote files '$(outputs "$got" | tr '\n' ' ')', on one process '$(outputs "$want" | tr '\n' ' ')'"
        return
    fi
    for f in $(outputs "$want"); do
        case $f in
            *.csv) same_csv "$want/$f" "$got/$f" "$name: $f" || true ;;
            *) same_sorted "$want/$f" "$got/$f" "$name: $f" || true ;;
        esac
    done
    [ -z "$(ls -A "$got.tmp")" ] ||
        bad "$name: the supervisor left its temporary state behind: $(ls -A "$got.tmp")"
}

# check SRC: builds SRC and compares its run on 2 processes of 2 workers with the reference.
# tests/run-e2e.sh has built every example into $WORK with the same mstrc just before: that
# binary is used when it is newer than the source and mstrc (building takes most of the time).
check() {
    local src=$1 name stdin=/dev/null
    name=$(basename "$src" .mstr)
    if [ -x "$name" ] && [ "$name" -nt "$src" ] && [ "$name" -nt "$MSTRC" ]; then
        : # built here already (the Nexmark programs)
    elif [ -x "$WORK/$name" ] && [ "$WORK/$name" -nt "$src" ] && [ "$WORK/$name" -nt "$MSTRC" ]; then
        cp "$WORK/$name" "$name"
    else
        "$MSTRC" build "$src" -o "$name"
    fi
    [ -f "$ROOT/examples/expected/$name.stdin" ] && stdin=$ROOT/examples/expected/$name.stdin
    run "$name.one" "$PWD/$name" "$stdin" --workers 1
    run "$name.two" "$PWD/$name" "$stdin" --processes 2 --workers 2
    [ ! -f "$ROOT/examples/expected/$name.p2w2.stdout" ] ||
        cp "$ROOT/examples/expected/$name.p2w2.stdout" "$name.one/stdout"
    [ -s "$name.one/stdout" ] || [ -n "$(outputs "$name.one")" ] ||
        bad "$name: wrote nothing on one process (nothing to compare)"
    compare "$name" "$name.one" "$name.two"
}

# The Nexmark programs, made smaller, are built in the background while the examples run
# (building is most of this test's time), one at a time: the examples' runs take the other
# core, and a test beside this one needs its share too.
nexmark=()
for query in $queries; do
    src=$ROOT/examples/nexmark/$query.mstr
    name=nexmark_$query
    grep -q 'nexmark(100000, 1000)' "$src" ||
        { bad "$src: no nexmark(100000, 1000) source to make smaller"; continue; }
    sed 's/nexmark(100000, 1000)/nexmark(20000, 1000)/' "$src" > "$name.mstr"
    nexmark+=("$name")
done
for name in "${nexmark[@]}"; do
    "$MSTRC" build "$name.mstr" -o "$name" > "$name.build" 2>&1 || true
done &
builder=$!

for name in $examples; do
    check "$ROOT/examples/$name.mstr"
done

wait $builder
for name in "${nexmark[@]}"; do
    [ -x "$name" ] || { bad "$name: build failed: $(cat "$name.build")"; continue; }
    check "$name.mstr"
done

[ $failures = 0 ]
