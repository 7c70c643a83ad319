# Rescaling a running job (ctl rescale, the control API's Rescale): a keyed job (running sums
# to a file and to stdout, three source partitions), a windowed job (counts per key in
# tumbling windows, one partition in time order, so that no record is late), one of session
# windows (likewise; their timers are per key) and a job of per-user sessions closed by
# stateful_op timers (tests/e2e/timers_resume.sh's) run on one process with a state directory,
# slowed by the test hooks, and are rescaled 2 -> 4 -> 1 -> 3 while they run, then finish
# (the keyed job 2 -> 4 -> 3 -> 1 -> 3: at 4 -> 3 the workers that stay keep their partitions
# and take over the key groups of the one that leaves, whose records wait for their state
# while the others flow, as at the windowed jobs' 4 -> 1, whose one partition stays on worker
# 0; at the keyed job's 3 -> 1 partitions come to worker 0, which starts over);
# examples/rescaling.mstr (the Rust framework's example) goes 2 -> 1 -> 2 as its Rust version
# does, and Nexmark q8 (a window join, then a window) 2 -> 3 -> 1 -> 4 -> 2 (one worker reads both
# partitions of each source at 1: its epochs are kept per partition). For each: every ctl
# call exits 0 and says the workers it went to; the job says each step (`mstr: rescaling from
# A to B workers, live`, then what it moved), moving as many key groups as
# tests/models/owners.py says change owner; the file equals an uninterrupted run's
# (sorted), and so does stdout, line for line as a multiset (nothing is rolled back, so
# nothing is printed twice; the worker a line names aside); --stats counts each record once.
# The keyed job also rescales without a state directory (2 -> 3 -> 1), and with one snapshot
# only, at its end (2 -> 4 -> 1 -> 3), with the same output.
# Then the same keyed job over several processes under the supervisor (its file and stdout
# likewise), its workers per process changed, then its processes, the refusals: 0 workers, processes for a job of one process, and state that
# cannot go to another worker count (key_local); and which jobs let a worker that takes key
# groups over go on while only their records wait (the order rule). The sanitizer builds,
# whose programs run several times slower, leave out the windowed jobs and the example
# (MSTR_TEST_FULL=1 runs them anyway).
set -eu
. "$ROOT/tests/lib/snapshots.sh"
cd "$WORK" && mkdir -p live_rescale && cd live_rescale
fails=0
bad() { echo "FAIL: $*"; fails=$((fails + 1)); }
PY=/usr/bin/python3

cat > keyed.mstr <<'MSTR'
job keyed;
type Run { key: i64; n: i64; sum: i64; }
source nums: i64 = range(0, 6000) partitions 3;
stream runs = nums
  |> key_by k: i64 { return value / 50; }  // a key's numbers lie in one partition: one order
  |> stateful_map run: Run (state Run) {
       state->key = key; state->n++; state->sum += value; return *state;
     };
runs |> sink out = csv("out.csv");
runs |> sink print = stdout;
MSTR
cat > windowed.mstr <<'MSTR'
job windowed;
type Count { key: i64; end: i64; n: u64; }
source nums: i64 = range(0, 6000) partitions 1;  // in time order wherever it is read
nums
  |> timestamps t { return value; }
  |> epochs e bounded(0)
  |> key_by k: i64 { return value % 13; }
  |> window w: tumbling(100) count
  |> map c: Count { return (Count){ key, value.end, value.value }; }
  |> sink out = csv("out.csv");
MSTR
cat > sessions.mstr <<'MSTR'
job sessions;
type Session { key: i64; start: i64; end: i64; n: u64; }
source nums: i64 = range(0, 6000) partitions 1;  // in time order wherever it is read
nums
  |> timestamps t { return value + value / 300 * 100; }  // a pause of 100 after each 300
  |> epochs e bounded(0)
  |> key_by k: i64 { return value % 11; }
  |> window w: session(40) count                       // so a session per key per 300
  |> map s: Session { return (Session){ key, value.start, value.end, value.value }; }
  |> sink out = csv("out.csv");
MSTR
# The sessions of timers_resume.sh, written where the other jobs write.
sed 's/text("sessions.txt")/csv("out.csv")/' "$ROOT/tests/lib/timer_sessions.mstr" > timers.mstr
grep -q 'csv("out.csv")' timers.mstr || { echo "timers.mstr: its sink was not replaced"; exit 1; }
cp "$ROOT/examples/rescaling.mstr" .
# Nexmark q8 (a window join of persons and auctions, then a window), written where the others
# write; its two partitions per source stay where they are from 2 workers to 3 and 4.
sed 's/csv("q8.csv")/csv("out.csv")/' "$ROOT/examples/nexmark/q8.mstr" > q8.mstr
grep -q 'csv("out.csv")' q8.mstr || { echo "q8.mstr: its sink was not replaced"; exit 1; }
# The keyed job with a partition per worker it first ran on (2): a process that joins takes that
# count from the job (and its key groups), not from its own command line.
sed 's/ partitions 3;/;/' keyed.mstr > spread.mstr
grep -q 'range(0, 6000);' spread.mstr || { echo "spread.mstr: its partitions were not removed"; exit 1; }
for prog in keyed windowed sessions timers rescaling q8 spread; do
    "$MSTRC" build $prog.mstr -o $prog
done

free_port() {
    "$PY" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])'
}

# lines FILE: FILE's lines sorted, without the worker a line may name (" @ Worker N").
lines() {
    sed 's/ @ Worker [0-9]*$//' "$1" | sort
}

# moved_groups A B [P Q]: how many of the 4096 key groups change owner from A workers to B, by
# tests/models/owners.py (written from the definitions, not from the C code); with P and Q, of
# process P's of Q processes (A and B workers per process), which stay in it.
moved_groups() {
    "$PY" -c 'import sys; src = open(sys.argv[1]).read().replace("\nmain()\n", "\n"); exec(src)
a, b, p, q = (int(x) for x in sys.argv[2:6])
print(sum(owner(g, q * a, q) // a == p and
          owner(g, q * a, q) - p * a != owner(g, q * b, q) - p * b for g in range(4096)))' \
        "$ROOT/tests/models/owners.py" "$1" "$2" "${3:-0}" "${4:-1}"
}

# live PROG COUNTS POLL [ARGS]: the uninterrupted run in PROG-ref, the one rescaled to each of
# COUNTS in turn in PROG-live (run with ARGS: see rescaled), reading POLL records a poll and
# pausing 4 ms after each. A job that ended before every call was made (a loaded machine runs
# the calls slower than the job's paced sources) is checked as it is and run again with the
# pause doubled, up to 32 ms.
live() {
    local prog=$1 pause=4
    mkdir -p "$prog-ref"
    (cd "$prog-ref" && "../$prog" --workers 2 --stats > stdout 2> stderr) ||
        bad "$prog: the uninterrupted run failed"
    while :; do
        rescaled "$prog" "$2" "$3" $pause "${4:-}" && return 0
        [ $pause -lt 32 ] || { bad "$prog: it ended before every call, even at $pause ms a poll"; return 0; }
        pause=$((pause * 2))
    done
}

# sink_counts FILE: the records of each sink that the --stats lines in FILE count, summed over
# the processes that print them, as "SINK RECORDS" lines in sink order.
sink_counts() {
    awk '/^mstr: sink / { name = $3; if (!(name in n)) order[k++] = name; n[name] += $4 }
         END { for (i = 0; i < k; i++) print order[i], n[order[i]] }' "$1"
}

# ended PID: whether the background job PID has ended or ends within 5 s (a job that has
# finished its input shuts its control server down before it exits).
ended() {
    local i
    for i in $(seq 1 50); do
        kill -0 "$1" 2> /dev/null || return 0
        sleep 0.1
    done
    return 1
}

# rescaled PROG COUNTS POLL PAUSE [ARGS]: one rescaled run of live, in PROG-live (made fresh),
# with ARGS (default: a state directory and a snapshot every 50 ms), on 2 workers of one
# process, or with procs=2 under the supervisor on 2 processes of 1 (COUNTS then count the
# workers of both). Returns 1 if the job ended before every call was made.
procs=1
rescaled() {
    local prog=$1 port from to args=${5:---state-dir state --snapshot-every 50ms} p layout
    rm -rf "$prog-live" && mkdir -p "$prog-live"
    port=$(free_port)
    layout="--workers 2"
    [ $procs = 1 ] || layout="--processes $procs --workers 1"
    (cd "$prog-live" && MSTR_TEST_POLL_RECORDS=$3 MSTR_TEST_POLL_SLEEP_MS=$4 exec timeout 120 \
        "../$prog" $layout $args --listen "127.0.0.1:$port" --stats > stdout 2> stderr) &
    local job=$! early=0
    from=$((procs == 1 ? 2 : procs))
    for to in $2; do
        sleep 0.3
        [ $procs = 1 ] || [ "$to" != "${2%% *}" ] ||
            "./$prog" ctl status --coordinator "127.0.0.1:$port" > status.before 2>&1 || true
        if ! "./$prog" ctl rescale $to --coordinator "127.0.0.1:$port" > ctl.out 2>&1; then
            ended $job && { early=1; break; }
            bad "$prog: ctl rescale $to failed: $(cat ctl.out)"
            continue
        fi
        if [ $procs = 1 ]; then
            grep -Eq "^$to workers? on 1 process, live$" ctl.out ||
                bad "$prog: ctl rescale $to says: $(cat ctl.out)"
            grep -q "^mstr: rescaling from $from to $to workers, live$" "$prog-live/stderr" ||
                bad "$prog: the job does not say it went from $from to $to: $(cat "$prog-live/stderr")"
            # exactly the key groups whose owner changed moved
            grep -Eq "^mstr: rescaled from $from to $to workers live in [0-9]+ ms: $(moved_groups \
                $from $to) of 4096 key groups \([0-9]+ keyed slots, [0-9]+ bytes\) went to another worker;" \
                "$prog-live/stderr" ||
                bad "$prog: $from -> $to did not move as expected: $(grep rescaled "$prog-live/stderr")"
        else
            grep -Eq "^$to workers on $procs processes, live$" ctl.out ||
                bad "$prog: ctl rescale $to says: $(cat ctl.out)"
            grep -q "^mstr: rescaling from $from to $to workers over the processes, live$" \
                "$prog-live/stderr" ||
                bad "$prog: the job does not say it went from $from to $to: $(cat "$prog-live/stderr")"
            # each process moved exactly its key groups whose worker changed
            for ((p = 0; p < procs; p++)); do
                grep -Eq "^mstr: process $p rescaled from $((from / procs)) to $((to / procs)) workers live in [0-9]+ ms: $(moved_groups \
                    $((from / procs)) $((to / procs)) $p $procs) of 4096 key groups \([0-9]+ keyed slots, [0-9]+ bytes\) went to another worker;" \
                    "$prog-live/stderr" ||
                    bad "$prog: process $p, $from -> $to did not move as expected: $(grep rescaled "$prog-live/stderr")"
            done
            # what went over the links from process 0 goes on counting over the new links (its
            # own figures, read as it answers); the status counts the new workers, with the
            # figures of every process (sent every second, now of another count of workers)
            if [ "$to" = "${2%% *}" ] &&
                "./$prog" ctl status --coordinator "127.0.0.1:$port" > status.after 2>&1; then
                link_bytes() { sed -n 's/^link 0 -> 1: \([0-9]*\) bytes.*/\1/p' "$1"; }
                [ "$(link_bytes status.after)" -ge "$(link_bytes status.before)" ] ||
                    bad "$prog: the bytes from process 0 to 1 went down: $(link_bytes \
                        status.before) before the rescale, $(link_bytes status.after) after"
                sleep 1.2
                if "./$prog" ctl status --coordinator "127.0.0.1:$port" > status.out 2>&1; then
                    grep -q "^job $prog: $procs processes, $to workers" status.out &&
                        ! grep -q "no figures yet" status.out ||
                        bad "$prog: the status after the rescale to $to: $(cat status.out)"
                fi
            fi
        fi
        from=$to
    done
    wait $job || bad "$prog: the rescaled run exited with $?: $(cat "$prog-live/stderr")"
    for f in out.csv stdout; do
        [ -e "$prog-ref/$f" ] || continue
        [ -s "$prog-ref/$f" ] || [ $f = stdout ] || bad "$prog: the uninterrupted run wrote no $f"
        cmp -s <(lines "$prog-ref/$f") <(lines "$prog-live/$f") ||
            bad "$prog: $f differs from the uninterrupted run's (sorted)"
    done
    cmp -s <(sink_counts "$prog-ref/stderr") <(sink_counts "$prog-live/stderr") ||
        bad "$prog: the sinks' counts differ: $(grep "^mstr: sink " "$prog-live/stderr")"
    [ $early = 0 ] || echo "$prog: it ended before the call to rescale to $to at $4 ms a poll"
    return $early
}
live keyed "4 3 1 3" 5
live keyed "3 1" 5 "--snapshot-every 0"  # no state directory: nothing to snapshot
# one snapshot, at the end: workers 1 and 2 leave and come back in the same interval, and
# write on at the end of the staging files they left
live keyed "4 1 3" 5 "--state-dir state --snapshot-every 0"
live timers "4 1 3" 2  # 2000 clicks: at least 4 s, past the three calls
if ! snap_sanitized || [ "${MSTR_TEST_FULL:-0}" = 1 ]; then
    live windowed "4 1 3" 5
    live sessions "4 1 3" 5
    live rescaling "1 2" 1
    live q8 "3 1 4 2" 5
fi

# Live over processes: 2 processes of 1 worker, rescaled to 2 of 2, 2 of 1 and 2 of 3 while they
# run, each process moving its own key groups among its workers (the links between the
# processes replaced in three stages: runtime/mstr_job.c).
procs=2
live keyed "4 2 6" 2 # (2 records a poll: it runs past the status's wait for the figures)
if ! snap_sanitized || [ "${MSTR_TEST_FULL:-0}" = 1 ]; then
    live windowed "4 2 6" 5
fi
procs=1

# Another number of processes under the supervisor, live: the keyed job, the same with a
# partition per worker it first ran on, and the windowed job go 2 x 1 -> 3 x 1 -> 1 x 2 ->
# 2 x 2 -> 3 x 1. Growing, the supervisor starts the new processes, which the job takes in; shrinking,
# the processes that leave hand their key groups and partitions to the others and go once a
# snapshot of the new layout is committed. Key groups and partition positions go from process
# to process over the sessions, so stdout is exactly once here too (nothing rolls back), and
# each process moves exactly the key groups that the model says leave its workers.
# moved_across A P B Q p: how many key groups of process p's workers (of P processes of A
# workers) go to another worker or process when the job goes to Q processes of B workers.
moved_across() {
    "$PY" -c 'import sys; src = open(sys.argv[1]).read().replace("\nmain()\n", "\n"); exec(src)
a, p, b, q, me = (int(x) for x in sys.argv[2:7])
def moved(g):
    was, now = owner(g, p * a, p), owner(g, q * b, q)
    return was // a == me and (now // b != me or now - me * b != was - me * a)
print(sum(moved(g) for g in range(4096)))' "$ROOT/tests/models/owners.py" "$@"
}
# live_processes PROG: PROG (its uninterrupted run in PROG-ref) in PROG-procs, rescaled as
# above.
live_processes() {
    local prog=$1 from="1 2" to w p w2 p2 q here there said
    rm -rf "$prog-procs" && mkdir -p "$prog-procs"
    port=$(free_port)
    (cd "$prog-procs" && MSTR_TEST_POLL_RECORDS=2 MSTR_TEST_POLL_SLEEP_MS=4 \
        exec timeout 120 "../$prog" --processes 2 --workers 1 --state-dir state \
        --snapshot-every 50ms --listen "127.0.0.1:$port" > stdout 2> stderr) &
    local job=$!
    for to in "1 3" "2 1" "2 2" "1 3"; do
        read -r w p <<< "$from"
        read -r w2 p2 <<< "$to"
        sleep 0.3
        "./$prog" ctl rescale $((p2 * w2)) $p2 --coordinator "127.0.0.1:$port" > ctl.out 2>&1 ||
            bad "$prog, processes: ctl rescale $((p2 * w2)) $p2 failed: $(cat ctl.out)"
        grep -Eq "^$((p2 * w2)) workers? on $p2 process(es)?, live$" ctl.out ||
            bad "$prog, processes: ctl rescale $((p2 * w2)) $p2 says: $(cat ctl.out)"
        grep -q "^mstr: rescaling from $((p * w)) to $((p2 * w2)) workers and processes, live$" \
            "$prog-procs/stderr" ||
            bad "$prog, processes: the job does not say it went from $p x $w to $p2 x $w2"
        for ((q = 0; q < (p > p2 ? p : p2); q++)); do
            here=$((q < p ? w : 0)) there=$((q < p2 ? w2 : 0))
            grep -Eq "^mstr: process $q rescaled from $here to $there workers \(the job: $p2 processes of $w2\) live in [0-9]+ ms: $(moved_across \
                $w $p $w2 $p2 $q) of 4096 key groups " "$prog-procs/stderr" ||
                bad "$prog, processes: process $q, $p x $w -> $p2 x $w2 did not move as expected: $(grep \
                    "process $q rescaled from $here to $there" "$prog-procs/stderr")"
        done
        from=$to
    done
    wait $job || bad "$prog, processes: the job exited with $?: $(tail -5 "$prog-procs/stderr")"
    for said in "starting process 2, which the job takes in" "process 1 left the job" \
                "process 2 left the job" "starting process 1, which the job takes in" \
                "process 2 joins the job"; do
        grep -q "^mstr: $said" "$prog-procs/stderr" ||
            bad "$prog, processes: the job did not say '$said'"
    done
    for f in out.csv stdout; do
        cmp -s <(lines "$prog-ref/$f") <(lines "$prog-procs/$f") ||
            bad "$prog, processes: $f differs from the uninterrupted run's (sorted)"
    done
}
live_processes keyed
mkdir -p spread-ref
(cd spread-ref && ../spread --workers 2 --stats > stdout 2> stderr) ||
    bad "spread: the uninterrupted run failed"
live_processes spread
if ! snap_sanitized || [ "${MSTR_TEST_FULL:-0}" = 1 ]; then
    live_processes windowed
fi

# refusals
sed 's/|> key_by k: i64 { return value \/ 50; }/|> key_local k: i64 { return value \/ 50; }/' \
    keyed.mstr > local.mstr
grep -q key_local local.mstr || { echo "local.mstr: key_by was not replaced"; exit 1; }
"$MSTRC" build local.mstr -o local
port=$(free_port)
MSTR_TEST_POLL_RECORDS=5 MSTR_TEST_POLL_SLEEP_MS=4 ./local --listen "127.0.0.1:$port" \
    > /dev/null 2>&1 &
lone=$!
sleep 0.2
./local ctl rescale 3 --coordinator "127.0.0.1:$port" > refused.out 2>&1 &&
    bad "a rescale of state that stays where records are read was not refused"
grep -q "operator 'run' keeps its state where records are read (key_local)" refused.out ||
    bad "key_local: $(cat refused.out)"
kill $lone; wait $lone || true
port=$(free_port)
MSTR_TEST_POLL_RECORDS=5 MSTR_TEST_POLL_SLEEP_MS=4 ./keyed --state-dir st0 \
    --listen "127.0.0.1:$port" > /dev/null 2>&1 &
lone=$!
sleep 0.2
./keyed ctl rescale 0 --coordinator "127.0.0.1:$port" > refused.out 2>&1 &&
    bad "a rescale to 0 workers was not refused"
grep -q 'the workers must be 1 to 1024' refused.out || bad "0 workers: $(cat refused.out)"
./keyed ctl rescale 4 2 --coordinator "127.0.0.1:$port" > refused.out 2>&1 &&
    bad "a job of one process started processes"
grep -q 'cannot start processes' refused.out || bad "one process to two: $(cat refused.out)"
kill $lone; wait $lone || true

# Which jobs let a worker that takes key groups over go on while only their records wait
# (mstr_job_desc.order_free): the keyed, windowed and sessions jobs (per-key state, windows
# after an exchange), and timestamps before the epochs; not the timer sessions (a stateful_op
# with timers after the exchange, whose records would then come before epochs sent before
# them), nor timestamps after the epochs (a record stamped at or below an epoch sent before it
# is late only if that epoch comes first).
order_free() { "$MSTRC" emit "$1" | grep -q '^    \.order_free = true,$'; }
for prog in keyed windowed sessions; do
    order_free $prog.mstr || bad "$prog: its key groups' records do not wait alone"
done
! order_free timers.mstr || bad "timers: its key groups' records wait alone"
sed 's/|> epochs e bounded(0)/|> epochs e bounded(0)\n  |> timestamps again { return ts; }/' \
    windowed.mstr > restamped.mstr
grep -q 'timestamps again' restamped.mstr || { echo "restamped.mstr: not restamped"; exit 1; }
! order_free restamped.mstr || bad "restamped: its key groups' records wait alone"

[ "$fails" = 0 ]
