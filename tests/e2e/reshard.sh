# Another layout for a job over several processes (runtime/mstr_reshard.h): a job with a keyed
# part (running sums, four source partitions) and a windowed part (counts per key in tumbling
# windows, one partition) runs with a state directory under the supervisor as 2 processes of
# 2 workers, is stopped (SIGTERM, once a snapshot has published some output), and goes on as
# 3 x 1, 3 x 2, 1 x 2 (one process, no supervisor), 2 x 1, each stopped the same way, then
# 2 x 3 to the end. Each run after a change of the process count must say that the state was
# rewritten from the layout before; one that keeps the process count (3 x 2, 2 x 3) must not
# rewrite it (each process resumes its part on its new workers itself); and the files must
# equal an uninterrupted run's (sorted). Then: `JOB reshard` by hand (and again: nothing to
# do), an interrupted rewrite thrown away, a rewrite of the state after a live change of the
# processes, and a refusal (key_local state) that leaves the state as it was. The sanitizer builds, whose programs run several times slower, stop after
# 1 x 2 and run it to the end (MSTR_TEST_FULL=1: all of it).
set -eu
. "$ROOT/tests/lib/snapshots.sh"
cd "$WORK" && mkdir -p reshard && cd reshard
fails=0
bad() { echo "FAIL: $*"; fails=$((fails + 1)); }

cat > rs.mstr <<'MSTR'
job rs;
type Run { key: i64; n: i64; sum: i64; }
source nums: i64 = range(0, 6000) partitions 4;
nums
  |> key_by k: i64 { return value / 50; }   // a key's numbers lie in one partition: one order
  |> stateful_map run: Run (state Run) {
       state->key = key; state->n++; state->sum += value; return *state;
     }
  |> sink out = csv("out.csv");
type Count { key: i64; end: i64; n: u64; }
source ticks: i64 = range(0, 6000) partitions 1;   // in time order wherever it is read
ticks
  |> timestamps t { return value; }
  |> epochs e bounded(0)
  |> key_by k2: i64 { return value % 13; }
  |> window w: tumbling(100) count
  |> map c: Count { return (Count){ key, value.end, value.value }; }
  |> sink wins = csv("wins.csv");
MSTR
"$MSTRC" build rs.mstr -o rs
mkdir ref && (cd ref && ../rs --workers 2) || bad "the uninterrupted run failed"

# run LAYOUT STOP [PROG DIR]: runs PROG (rs) as LAYOUT (PxW) in DIR (live); with STOP, stops
# it with SIGTERM once its out.csv holds 100 more lines than before. Sets status.
run() {
    local p=${1%x*} w=${1#*x} prog=${3:-rs} dir=${4:-live} before i
    before=$(cat $dir/out.csv 2> /dev/null | wc -l)
    (cd $dir && MSTR_TEST_POLL_RECORDS=5 MSTR_TEST_POLL_SLEEP_MS=3 exec timeout 120 ../$prog \
        --processes $p --workers $w --state-dir state --snapshot-every 30ms 2>> stderr) &
    local job=$!
    if [ "$2" = stop ]; then
        for i in $(seq 1 2000); do
            [ "$(cat $dir/out.csv 2> /dev/null | wc -l)" -gt $((before + 100)) ] && break
            kill -0 $job 2> /dev/null || break
            sleep 0.01
        done
        kill -TERM $job 2> /dev/null || true
    fi
    status=0
    wait $job || status=$?
}

mkdir live
from=2x2
run 2x2 stop
[ $status = 0 ] || bad "2x2: exit status $status"
layouts="3x1 3x2 1x2 2x1 2x3"
snap_sanitized && [ "${MSTR_TEST_FULL:-0}" != 1 ] && layouts="3x1 3x2 1x2"
last=${layouts##* }
for layout in $layouts; do
    n=$(grep -c '^mstr: the state in .* was rewritten' live/stderr || true)
    run $layout "$([ $layout = $last ] || echo stop)"
    [ $status = 0 ] || bad "$layout: exit status $status: $(tail -3 live/stderr)"
    p=${from%x*} w=${from#*x} np=${layout%x*} nw=${layout#*x}
    from=$layout
    if [ $np = $p ]; then # each store keeps its process's key groups: nothing to rewrite
        [ "$(grep -c '^mstr: the state in .* was rewritten' live/stderr)" = $n ] ||
            bad "${p}x$w -> $layout: the state was rewritten"
        continue
    fi
    grep "^mstr: the state in 'state' (snapshot [0-9]*, taken by $p process\(es\)\? of $w workers\?) was rewritten for $np process\(es\)\? of $nw workers\?: " \
        live/stderr > /dev/null || bad "${p}x$w -> $layout: no rewrite said: $(tail -5 live/stderr)"
    [ "$(grep -c '^mstr: the state in .* was rewritten' live/stderr)" = $((n + 1)) ] ||
        bad "${p}x$w -> $layout: not one rewrite"
done
for f in out.csv wins.csv; do
    cmp -s <(sort ref/$f) <(sort live/$f) || bad "$f differs from the uninterrupted run's (sorted)"
done

# by hand: a stopped 2 x 2 job rewritten for 3 x 1 (then nothing to do), then run to the end
rm -rf live && mkdir live
run 2x2 stop
./rs reshard --state-dir live/state --processes 3 --workers 1 2> hand.err ||
    bad "reshard by hand failed: $(cat hand.err)"
grep -q "was rewritten for 3 processes of 1 worker" hand.err || bad "reshard said: $(cat hand.err)"
./rs reshard --state-dir live/state --processes 3 --workers 1 2> again.err ||
    bad "reshard again failed: $(cat again.err)"
grep -q "already for 3 processes " again.err || bad "again said: $(cat again.err)"
# an interrupted rewrite (no COMPLETE mark) is thrown away by the next run
mkdir -p live/state/reshard/store
run 3x1 run
[ $status = 0 ] || bad "after reshard by hand: exit status $status: $(tail -3 live/stderr)"
[ ! -e live/state/reshard ] || bad "the interrupted rewrite was left behind"
for f in out.csv wins.csv; do
    cmp -s <(sort ref/$f) <(sort live/$f) || bad "by hand: $f differs from the uninterrupted run's"
done

# A live change of the processes leaves each store partly of the layout before (the positions
# of partitions that went to another process; slots of key groups that did, deleted): 2 x 2
# goes to 3 x 1 live, is stopped, and starts again on 2 x 2, which the rewrite takes from the
# snapshot of 3 processes.
rm -rf live && mkdir live
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])')
(cd live && MSTR_TEST_POLL_RECORDS=5 MSTR_TEST_POLL_SLEEP_MS=3 exec timeout 120 ../rs \
    --processes 2 --workers 2 --state-dir state --snapshot-every 30ms \
    --listen "127.0.0.1:$port" 2>> stderr) &
job=$!
for i in $(seq 1 2000); do
    [ "$(cat live/out.csv 2> /dev/null | wc -l)" -gt 100 ] && break
    sleep 0.01
done
./rs ctl rescale 3 3 --coordinator "127.0.0.1:$port" > ctl.out 2>&1 ||
    bad "the live rescale to 3 processes failed: $(cat ctl.out)"
kill -TERM $job
wait $job || bad "3x1 (live): exit status $?: $(tail -3 live/stderr)"
run 2x2 run
[ $status = 0 ] || bad "after the live rescale, 2x2: exit status $status: $(tail -3 live/stderr)"
grep -q "(snapshot [0-9]*, taken by 3 processes of 1 worker) was rewritten for 2 processes of 2 workers: " \
    live/stderr || bad "after the live rescale: no rewrite said: $(tail -5 live/stderr)"
for f in out.csv wins.csv; do
    cmp -s <(sort ref/$f) <(sort live/$f) ||
        bad "after the live rescale: $f differs from the uninterrupted run's"
done

# a refusal leaves the state as it was: key_local state cannot move
cat > local.mstr <<'MSTR'
job local;
source nums: i64 = range(0, 3000);
nums
  |> key_local k: i64 { return value % 7; }
  |> stateful_map sum: i64 (state i64) { *state += value; return *state; }
  |> sink out = csv("out.csv");
MSTR
"$MSTRC" build local.mstr -o local
mkdir loc
run 2x1 stop local loc
if ./local reshard --state-dir loc/state --processes 1 --workers 2 2> local.err; then
    bad "key_local state was rewritten"
fi
grep -q "operator 'sum' keeps its state where records are read (key_local)" local.err ||
    bad "the key_local refusal says: $(cat local.err)"
[ -e loc/state/store.1 ] && [ ! -e loc/state/reshard ] || bad "the refused rewrite changed the state"

[ "$fails" = 0 ]
