# Backpressure across processes: a job over 2 processes of 2 workers whose second process
# stalls, and a first process that would send it far more than the memory limit below.
#
# 100000 records of 8000 bytes (800 MB in all) are keyed over the job's four workers. The
# workers of process 1 stall at their first record until the test creates the file 'release',
# so the 42187 records they own (330 MB, half of it from process 0's partitions) wait. Process
# 0 must be held back by its credits for process 1's workers: the test waits until process 0
# is idle (its CPU time still for a second: a process that kept reading its partitions would
# not be), then checks that neither process holds more than 100 MB (VmRSS), releases
# process 1, and the job must complete with every record counted once: the null sink's record
# counts and checksums (a sum of record hashes) of the two processes add up to those of a run
# on 1 process of 1 worker (which does not stall). The peak of each process over the whole
# run (its maximum resident set, from /usr/bin/time) must stay under 250 MB: the flow after
# the release is bounded too.
#
# Measured on the plain build (2 cores): stalled, process 0 about 40 MB and process 1 about
# 32 MB; peaks about 85 and 100 MB.
#
# The sanitizers need memory of their own: under ASan (its quarantine cut to 16 MB, which it
# would otherwise fill with freed batches) the limits are 150 and 300 MB (measured about 85
# and 150). Under TSan, whose shadow memory multiplies every buffer (about 170 MB stalled and
# 400 MB at peak on 100000 records), the job has 20000 records and only the stall, the
# completion and the counts are checked.
set -eu
. "$ROOT/tests/lib/processes.sh"
cd "$WORK" && mkdir -p process_backpressure && cd process_backpressure
records=100000 padding=8000 stalled_limit_mb=100 peak_limit_mb=250
case $(ldd "$MSTRC" 2> /dev/null) in
    *libasan*)
        stalled_limit_mb=150 peak_limit_mb=300
        export ASAN_OPTIONS="quarantine_size_mb=16${ASAN_OPTIONS:+:$ASAN_OPTIONS}" ;;
    *libtsan*)
        records=20000 stalled_limit_mb= peak_limit_mb= ;;
esac

sed "s/RECORDS/$records/; s/PADDING/$padding/" > stall.mstr <<'MSTR'
job stalled_process;
c {
#include <stdatomic.h>
#include <unistd.h>
enum { PAD = PADDING };

/* On the workers of the second of two processes (the upper half of the job's workers), waits
 * until the file 'release' exists, the first time only. A job on one worker never waits. */
static void stall_once(const mstr_ctx *ctx)
{
    static _Atomic int released;
    if (ctx->workers == 1 || ctx->worker < ctx->workers / 2 || atomic_load(&released))
        return;
    while (access("release", F_OK) != 0)
        usleep(10000);
    atomic_store(&released, 1);
}
}
type Padded { n: i64; pad: str; }

source n: i64 = range(0, RECORDS);
n
  |> map padded: Padded {
       char *p = mstr_str_alloc(ctx, PAD);
       memset(p, 'a' + value % 26, PAD);
       return (Padded){ value, (mstr_str){ p, PAD } };
     }
  |> key_by spread: i64 { return value.n % 64; }
  |> map slow: i64 {
       stall_once(ctx);
       return value.n * 31 + value.pad.ptr[value.n % PAD];
     }
  |> sink out = null;
MSTR
"$MSTRC" build stall.mstr -o stall

# sink_result FILE: the null sink's "N records, checksum X" in a --stats stderr.
sink_result() { sed -n "s/^mstr: sink 'out': //p" "$1"; }

timeout 120 ./stall --workers 1 --stats > one.out 2> one.err
want=$(sink_result one.err)
case $want in
    "$records records, checksum "*) ;;
    *) echo "the run on one worker reported '$want'"; exit 1 ;;
esac

# cpu PID: its user + system time in clock ticks.
cpu() { awk '{ print $14 + $15 }' "/proc/$1/stat" 2> /dev/null; }
# rss_mb PID FIELD: VmRSS or VmHWM of PID in MB.
rss_mb() { awk -v f="$2:" '$1 == f { print int($2 / 1024) }' "/proc/$1/status" 2> /dev/null; }

# idle PID: whether PID used at most 5 ticks of CPU over the last 10 calls (a second, as
# wait_until calls it).
samples=()
idle() {
    local now n
    now=$(cpu "$1")
    [ -n "$now" ] || return 1
    samples+=("$now")
    n=${#samples[@]}
    [ "$n" -ge 11 ] && [ $((now - samples[n - 11])) -le 5 ]
}

rm -f release
list=$(peers $(free_ports 2))
timers=()
for i in 0 1; do
    /usr/bin/time -f %M -o "peak.$i" timeout 120 ./stall --process $i --peers "$list" --workers 2 \
        --stats > "out.$i" 2> "err.$i" &
    timers[$i]=$!
done
# find_process I: sets pids[I] to process I's pid (/usr/bin/time runs timeout, which runs it).
pids=()
find_process() {
    local t
    t=$(pgrep -P "${timers[$1]}") && pids[$1]=$(pgrep -P "$t")
}
for i in 0 1; do
    wait_until 30 find_process $i || { echo "process $i did not start"; exit 1; }
done

if wait_until 60 idle "${pids[0]}"; then
    for i in 0 1; do
        mb=$(rss_mb "${pids[$i]}" VmRSS)
        echo "process $i holds $mb MB while process 1 is stalled"
        [ -z "$stalled_limit_mb" ] || [ "$mb" -lt "$stalled_limit_mb" ] ||
            bad "process $i holds $mb MB while process 1 is stalled (limit $stalled_limit_mb MB)"
    done
    alive "${pids[0]}" || bad "process 0 ended while process 1 was stalled"
else
    bad "process 0 was never idle while process 1 was stalled: not held back"
fi
touch release
for i in 0 1; do
    status=0
    wait "${timers[$i]}" || status=$?
    [ $status = 0 ] || { bad "process $i: exit status $status"; tail -3 "err.$i"; }
    peak=$(( $(tail -n 1 "peak.$i") / 1024 ))
    echo "process $i: peak $peak MB"
    [ -z "$peak_limit_mb" ] || [ "$peak" -lt "$peak_limit_mb" ] ||
        bad "process $i: peak $peak MB (limit $peak_limit_mb MB)"
done

# The two processes' sink counts and checksums add up to the one-worker run's.
read -r n0 _ _ c0 <<< "$(sink_result err.0)"
read -r n1 _ _ c1 <<< "$(sink_result err.1)"
got="$((n0 + n1)) records, checksum $(printf '%016x' $((0x$c0 + 0x$c1)))"
[ "$got" = "$want" ] || bad "the two processes counted '$got', one worker '$want'"
[ "$n1" -gt 0 ] || bad "process 1 counted no records: the test stalls nothing"

[ $failures = 0 ]
