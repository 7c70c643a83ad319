# Kill trials of one job over several processes, sourced by tests/e2e/process_kills.sh (a few
# trials) and tests/chaos/process_kills.sh (many): `trials N` runs N trials and counts the
# failed ones in $failures (tests/lib/processes.sh, which the caller has sourced).
#
# The job (kills.mstr below) runs on 2 processes of 2 workers with a state directory and
# snapshots every 100 ms, slowed down by the test hooks (MSTR_TEST_POLL_RECORDS=10,
# MSTR_TEST_POLL_SLEEP_MS=2) so that it runs for about a second. Each trial kills one of its
# processes with SIGKILL (the leader, process 0, as often as the other) at a moment of one of
# these kinds:
#
#   start    as soon as the process exists (before or while the first round starts)
#   running  a random 0-400 ms after the first snapshot's output is published
#   commit   while the process sleeps in MSTR_TEST_COMMIT_SLEEP_MS=100, i.e. between writing
#            a snapshot and committing it, or between committing and what follows (its main
#            thread, which runs the coordinator, in a nanosleep)
#   stop     SIGSTOP instead: the other process must say that it rolls back while this one is
#            still stopped (gRPC keepalive finds a frozen peer), then SIGKILL
#   rescale  under the supervisor, once a snapshot is published: `ctl rescale 4 4` (4
#            processes of 1 worker: two join) or `ctl rescale 2 1` (1 process of 2 workers:
#            process 1 leaves), live, and a kill of the process of that number, 0-150 ms
#            before the request (which comes during the recovery) or after it (as processes
#            start, at the rescale's cut, as the state goes from process to process, or before
#            the snapshot of the new layout lets the one that leaves go); a process that left
#            already is not killed
#   live     under the supervisor, once a snapshot is published: `ctl rescale 6` or `ctl
#            rescale 2` (2 processes of 3 workers or of 1: a live rescale, within the round)
#            and a kill 0-150 ms before the request or after it; in half of these trials each
#            worker pauses 50 ms at its cut of the rescale (MSTR_TEST_RESCALE_SLEEP_MS), so
#            that the kill often lands inside it
#   ending   under the supervisor, with MSTR_TEST_COMMIT_SLEEP_MS=100: once process 0 has
#            made the ending mark (the job's last snapshot committed, the others not yet told
#            to stop), while it sleeps after it
#
# A process killed once the job is ending (the ending kind; in the rescale kind, often) is not
# started again alone: the supervisor says so and, once every process has ended, starts them
# all on the new layout, or again on the old one (mstr_super.h), which must then end at once.
#
# Most trials run under the supervisor (`--processes 2`), which starts the killed process
# again; `by hand` trials start the two processes with --process/--peers and restart the
# killed one themselves. Every trial must end with exit status 0 and:
#
#   w0.csv .. w3.csv  together, the rows an uninterrupted run on 1 process of 4 workers writes
#                     (sorted). Worker W's file holds the running sums (stateful_map) of the
#                     keys W owns, fed by one source partition, so that any record counted
#                     twice or lost in a rollback changes every later sum of its key; which
#                     keys W owns depends on how the workers are spread over processes
#                     (runtime/mstr_route.h), so the files are compared together.
#   b.csv             the same rows as the uninterrupted run (sorted: four partitions feed
#                     it, and snapshot intervals interleave the workers' output)
#   stdout            the same set of lines as b.csv's rows: stdout is at least once after a
#                     rollback (lines come again), but every line must be there, whole, and
#                     none that the uninterrupted run does not print
#
# and no process may have crashed (the supervisor would start it again, and the outputs could
# be right all the same); and the kill must have been noticed: the supervisor said that it
# started the process again (or that the job was ending), and, when the kill came after the
# first snapshot, another process said that it rolls back (or the job was ending). A trial
# prints one line: its number, kind, victim, what it saw.

# job_source: the trials' job.
job_source() {
    cat <<'MSTR'
// One source partition feeds four workers' running sums; four partitions feed another set.
job kills;

type Run { key: i64; n: i64; sum: i64; }

source ordered: i64 = range(0, 4000) partitions 1;
source spread: i64 = range(0, 4000);

ordered
  |> key_by k1: i64 { return value % 23; }
  |> stateful_map run_a: Run (state Run) {
       state->key = key;
       state->n++;
       state->sum += value;
       return *state;
     }
  |> split by_worker into (w0, w1, w2, w3) { outputs[ctx->worker % 4] = true; };
w0 |> sink f0 = csv("w0.csv");
w1 |> sink f1 = csv("w1.csv");
w2 |> sink f2 = csv("w2.csv");
w3 |> sink f3 = csv("w3.csv");

// Keys are blocks of 50 consecutive numbers: each lies in one partition on 1 or 4 workers,
// so that each key's records arrive in one order and its running sums are fixed.
stream b = spread
  |> key_by k2: i64 { return value / 50; }
  |> stateful_map run_b: Run (state Run) {
       state->key = key;
       state->n++;
       state->sum += value;
       return *state;
     };
b |> sink fb = csv("b.csv");
b |> sink print = stdout;
MSTR
}

# prepare: builds the job into ./kills and writes the reference outputs into ./want.
prepare() {
    job_source > kills.mstr
    "$MSTRC" build kills.mstr -o kills
    rm -rf want && mkdir want
    (cd want && timeout 120 ../kills --workers 4 > stdout 2> stderr) ||
        { echo "the uninterrupted run failed:"; cat want/stderr; exit 1; }
    local f
    for f in w0 w1 w2 w3; do
        [ "$(wc -l < "want/$f.csv")" -gt 50 ] || { echo "want/$f.csv is too small to test"; exit 1; }
    done
    LC_ALL=C sort -u want/stdout > want/lines
    [ "$(wc -l < want/lines)" = "$(wc -l < want/stdout)" ] || { echo "want/stdout repeats lines"; exit 1; }
}

export MSTR_TEST_POLL_RECORDS=10 MSTR_TEST_POLL_SLEEP_MS=2

# The trial being run: its directory and what it saw, for its report line.
trial_dir=
saw=

# published: whether a snapshot's output has reached the files (w0.csv has more than its
# header).
published() {
    [ -f "$trial_dir/w0.csv" ] && [ "$(wc -l < "$trial_dir/w0.csv")" -gt 1 ]
}

# in_commit PID: whether PID's main thread (the coordinator) sleeps in the commit pause.
in_commit() {
    case $(cat "/proc/$1/wchan" 2> /dev/null) in
        hrtimer_nanosleep | do_nanosleep) return 0 ;;
    esac
    return 1
}

# rolled_back K: whether the trial's stderr says that a process other than K rolls back.
rolled_back() {
    grep -v "^mstr: process $1 " "$trial_dir/stderr" | grep -q '^mstr: process [0-9]* rolls back to snapshot'
}

# strike KIND PID VICTIM: waits for the moment KIND names, then kills PID (process VICTIM).
# Returns false (after bad) if the process ended before.
strike() {
    local kind=$1 pid=$2 victim=$3 t0
    case $kind in
        start)
            ;;
        running)
            wait_until 60 published || { bad "no snapshot was published within 60 s"; return 1; }
            sleep "0.$(printf '%03d' $((RANDOM % 400)))"
            ;;
        commit)
            wait_until 60 published || { bad "no snapshot was published within 60 s"; return 1; }
            wait_until 60 in_commit "$pid" || { bad "process $victim never paused in a commit"; return 1; }
            ;;
        ending)
            local i
            for ((i = 0; i < 12000; i++)); do # 60 s
                [ ! -e "$trial_dir/state/ending" ] || break
                sleep 0.005
            done
            [ -e "$trial_dir/state/ending" ] || { bad "the job never made its ending mark"; return 1; }
            ;;
        stop)
            wait_until 60 published || { bad "no snapshot was published within 60 s"; return 1; }
            kill -STOP "$pid" 2> /dev/null || { bad "process $victim ended before SIGSTOP"; return 1; }
            t0=$SECONDS
            if ! wait_until 30 rolled_back "$victim"; then
                bad "process $victim was stopped for 30 s and no other process rolled back"
            elif ! stopped "$pid"; then
                bad "process $victim was not stopped any more when the others rolled back"
            else
                saw="$saw, noticed within $((SECONDS - t0 + 1)) s"
            fi
            ;;
    esac
    kill -KILL "$pid" 2> /dev/null || { bad "process $victim ended before the kill ($kind)"; return 1; }
}

# kill_victim SUPERVISOR VICTIM: kills the process of that number now running (waiting for one
# to start if none runs: the supervisor may be starting it again), unless it left the job.
kill_victim() {
    local sup=$1 victim=$2 i
    for i in $(seq 1 200); do # the process may end (it leaves) between finding and killing
        if left "$victim"; then
            saw="$saw, it had left"
            return
        fi
        process_pid_set "$sup" "$victim" || { sleep 0.05; continue; }
        kill -KILL "$pid_found" 2> /dev/null && return
    done
    bad "process $victim could not be killed during the rescale"
}

# left I: the supervisor said that process I left the job (a live rescale took its work).
left() {
    grep -qx "mstr: process $1 left the job" "$trial_dir/stderr" 2> /dev/null
}

# rescale_strike SUPERVISOR VICTIM PORT WORKERS [PROCESSES]: the rescale and live kinds' request
# (ctl rescale WORKERS [PROCESSES]) and kill (see above): in half the trials the kill comes
# first and the request 0-150 ms later (during the recovery), in the others the kill comes
# 0-150 ms after the request.
rescale_strike() {
    local sup=$1 victim=$2 port=$3 ctl pause
    shift 3
    saw="$saw, to $1 workers"
    pause=0.$(printf '%03d' $((RANDOM % 150)))
    wait_until 60 published || { bad "no snapshot was published within 60 s"; return; }
    if [ $((RANDOM % 2)) = 0 ]; then
        kill_victim "$sup" "$victim"
        saw="$saw, killed before the request"
        sleep "$pause"
    fi
    ./kills ctl rescale "$@" --coordinator "127.0.0.1:$port" > "$trial_dir/ctl.out" 2>&1 &
    ctl=$!
    if [[ "$saw" != *before* ]]; then
        sleep "$pause"
        kill_victim "$sup" "$victim"
    fi
    if wait $ctl; then saw="$saw, the rescale answered"; else saw="$saw, the rescale failed"; fi
}

# supervised KIND VICTIM: a trial under the supervisor.
supervised() {
    local kind=$1 victim=$2 sup status=0 commit_sleep=0 rescale_sleep=0 listen=() port
    case $kind in commit | ending) commit_sleep=100 ;; esac
    if [ "$kind" = rescale ] || [ "$kind" = live ]; then
        port=$(free_ports 1)
        listen=(--listen "127.0.0.1:$port")
    fi
    if [ "$kind" = live ] && [ $((RANDOM % 2)) = 0 ]; then
        rescale_sleep=50
        saw="$saw, pausing at the cut"
    fi
    (cd "$trial_dir" && MSTR_TEST_COMMIT_SLEEP_MS=$commit_sleep \
        MSTR_TEST_RESCALE_SLEEP_MS=$rescale_sleep exec ../kills --processes 2 --workers 2 \
        --state-dir state --snapshot-every 100ms "${listen[@]}" > stdout 2> stderr) &
    sup=$!
    if [ "$kind" = rescale ]; then
        if [ $((RANDOM % 2)) = 0 ]; then
            rescale_strike "$sup" "$victim" "$port" 4 4
        else
            rescale_strike "$sup" "$victim" "$port" 2 1
        fi
    elif [ "$kind" = live ]; then
        rescale_strike "$sup" "$victim" "$port" $((RANDOM % 2 ? 6 : 2))
    elif wait_until 60 process_pid_set "$sup" "$victim"; then
        strike "$kind" "$pid_found" "$victim" || true
    else
        bad "process $victim was never started"
    fi
    if ! wait_until 120 eval '! alive $sup'; then
        bad "the job did not end within 120 s (stacks in $trial_dir/stacks)"
        stacks "$sup" > "$trial_dir/stacks"
        kill_tree "$sup"
    fi
    wait "$sup" || status=$?
    [ $status = 0 ] || bad "the supervisor's exit status is $status"
    grep -q "^mstr: starting process $victim again\$" "$trial_dir/stderr" ||
        ended_alone "$victim" || left "$victim" ||
        bad "the supervisor did not say that it started process $victim again (or that it need not)"
    [ "$kind" != ending ] ||
        grep -q "^mstr: starting the job's processes again after a loss as it ended\$" \
            "$trial_dir/stderr" || bad "the supervisor did not start the job again after the loss"
}

# ended_alone I: the supervisor said that process I died as the job was ending, so that it did
# not start it again alone but the whole job (mstr_super.h).
ended_alone() {
    local said="mstr: the job was ending: process $1 is not started again alone; the others"
    grep -qx "$said stop, and the job starts again" "$trial_dir/stderr" 2> /dev/null
}

# process_pid_set SUPERVISOR I: sets pid_found to process I's pid; false if it is not running.
pid_found=
process_pid_set() {
    pid_found=$(process_pid "$1" "$2")
    [ -n "$pid_found" ]
}

# by_hand KIND VICTIM: a trial with processes started by hand, restarting the killed one.
by_hand() {
    local kind=$1 victim=$2 list i status pids=() commit_sleep=0
    [ "$kind" = commit ] && commit_sleep=100
    list=$(peers $(free_ports 2))
    start_process() { # start_process I
        (cd "$trial_dir" && MSTR_TEST_COMMIT_SLEEP_MS=$commit_sleep exec ../kills --process "$1" \
            --peers "$list" --workers 2 --state-dir state --snapshot-every 100ms \
            >> "stdout.$1" 2>> stderr) &
        pids[$1]=$!
    }
    start_process 0
    start_process 1
    if strike "$kind" "${pids[$victim]}" "$victim"; then
        { wait "${pids[$victim]}"; } 2> /dev/null || true # (the shell's "Killed" notice)
        start_process "$victim"
    fi
    if ! wait_until 120 eval '! alive ${pids[0]} && ! alive ${pids[1]}'; then
        for i in 0 1; do
            alive "${pids[$i]}" || continue
            bad "process $i did not end within 120 s (stacks in $trial_dir/stacks)"
            stacks "${pids[$i]}" >> "$trial_dir/stacks"
            kill_tree "${pids[$i]}"
        done
    fi
    for i in 0 1; do
        status=0
        wait "${pids[$i]}" || status=$?
        [ $status = 0 ] || bad "process $i's exit status is $status"
    done
    cat "$trial_dir/stdout.0" "$trial_dir/stdout.1" > "$trial_dir/stdout"
}

# check_outputs: the trial's outputs against the uninterrupted run's.
check_outputs() {
    local f
    for f in want "$trial_dir"; do
        head -1 "$f/w0.csv" > "$f/w.csv"
        tail -q -n +2 "$f"/w[0-3].csv >> "$f/w.csv"
    done
    same_csv want/w.csv "$trial_dir/w.csv" "w0.csv .. w3.csv" || true
    same_csv want/b.csv "$trial_dir/b.csv" b.csv || true
    LC_ALL=C sort -u "$trial_dir/stdout" > "$trial_dir/lines"
    if ! cmp -s want/lines "$trial_dir/lines"; then
        bad "stdout: not the set of lines of the uninterrupted run (< missing, > not expected):"
        diff want/lines "$trial_dir/lines" | head -10
    fi
    local extra=$(($(wc -l < "$trial_dir/stdout") - $(wc -l < want/stdout)))
    saw="$saw, $extra stdout lines again"
}

# trial N KIND VICTIM HOW: runs one trial (HOW: supervised or by_hand) in ./trial-N.
trial() {
    local n=$1 kind=$2 victim=$3 how=$4 before=$failures
    trial_dir=$PWD/trial-$n
    saw=
    rm -rf "$trial_dir" && mkdir "$trial_dir"
    "$how" "$kind" "$victim"
    if rolled_back -1; then
        saw="$saw, rolled back"
    elif ended_alone "$victim"; then
        saw="$saw, as the job was ending"
    elif [ "$kind" != start ] && [ "$kind" != rescale ] && [ "$kind" != live ]; then
        bad "no process said that it rolls back (the kill came after the first snapshot)"
    fi
    check_outputs
    ! grep -E "^mstr: (worker [0-9]+ crashed|process [0-9]+ died of SIG(SEGV|ABRT|BUS|FPE|ILL))" \
        "$trial_dir/stderr" || bad "a process crashed (its restart hid it)"
    if [ $failures = "$before" ]; then
        echo "trial $n: $how, $kind, process $victim killed$saw: ok"
        rm -rf "$trial_dir"
    else
        echo "trial $n: $how, $kind, process $victim killed$saw: FAILED (kept in $trial_dir)"
        tail -5 "$trial_dir/stderr"
    fi
}

# trials N [SEED]: N trials. The first ten are fixed: the first five already cover every
# kind but rescale, live and ending, both victims and both ways of running (the sample of the
# sanitizer builds), the next a rescale, the two after kill each victim in the other fixed
# kinds, the ninth is an ending, the tenth a live rescale; the rest are random. SEED (default:
# random) makes the choices repeatable; it is printed.
trials() {
    local n=$1 seed=${2:-} i kinds=(start running commit stop rescale ending live)
    [ -n "$seed" ] || seed=$((RANDOM * 32768 + RANDOM))
    echo "seed $seed"
    RANDOM=$seed
    local fixed=("running 0 supervised" "commit 1 supervised" "stop $((RANDOM % 2)) supervised"
                 "running $((RANDOM % 2)) by_hand" "start 0 supervised"
                 "rescale $((RANDOM % 2)) supervised" "running 1 supervised"
                 "commit 0 supervised" "ending $((RANDOM % 2)) supervised"
                 "live $((RANDOM % 2)) supervised")
    for ((i = 1; i <= n; i++)); do
        if [ $i -le ${#fixed[@]} ]; then
            trial $i ${fixed[$((i - 1))]}
        elif [ $((RANDOM % 10)) = 0 ]; then
            trial $i "${kinds[$((RANDOM % 3))]}" $((RANDOM % 2)) by_hand
        else
            trial $i "${kinds[$((RANDOM % 7))]}" $((RANDOM % 2)) supervised
        fi
    done
}
