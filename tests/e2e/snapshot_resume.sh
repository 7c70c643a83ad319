# Stop and resume: every stateful example (and csv_trades and record_sinks, for file sinks) and
# every Nexmark query (its source shrunk to 20,000 events) on 1, 2 and 4 workers, run with a
# state directory, snapshots every 20 ms and the test hooks that slow its sources down
# (MSTR_TEST_POLL_RECORDS, MSTR_TEST_POLL_SLEEP_MS), is stopped with SIGTERM at 1 to 3 random
# moments and resumed each time until it finishes. Every run must exit 0, a stopped one saying
# `mstr: stopped by SIGTERM after snapshot N` and the next `mstr: resumed from snapshot N`. What
# it wrote must equal an uninterrupted run's (without a state directory or hooks): the file
# sinks exactly (line for line on 1 worker, sorted on more), standard output as a multiset (the
# union of the runs' output holds the same lines, each as often: a stopped job stops at its
# last snapshot's cut, so nothing is printed twice), and standard error too, snapshot messages
# aside.
#
# The random moments come from a seed that the script prints; MSTR_TEST_SEED=N repeats its
# choices (the timing, and so the outcome, still varies). Each moment is after the job has
# opened its store (before that it has not started, and SIGTERM kills it like any program) and
# within a span that starts at 0.4 s and is halved for each doubling of the workers. A case
# whose first run ended before its stop is checked as it is (a run with a state directory that
# was not stopped must write the same too) and tried again with the span shortened to fit and
# the source slowed down further.
#
# The sample: the plain build runs all programs on 1 and 4 workers (without and with records
# crossing between workers, which 2 workers add nothing to), about a minute. The sanitizer
# builds run their programs several times slower, so there (MSTRC under build-asan/ or
# build-tsan/) every other program runs (the odd or the even ones), on one worker count of 1,
# 2 and 4 only, both drawn from the seed. MSTR_TEST_FULL=1 runs all on 1, 2 and 4 anyway.
set -eu
. "$ROOT/tests/lib/snapshots.sh"
cd "$WORK" && mkdir -p snapshot_resume && cd snapshot_resume
. "$ROOT/tests/lib/stop_resume.sh"

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
ttl_map_example 1 3
ttl_map_whole_state 1 8
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

if snap_sanitized && [ "${MSTR_TEST_FULL:-0}" != 1 ]; then sample=1; else sample=0; fi
if [ $sample = 1 ]; then # every other program, starting at the first or the second
    programs=$(echo "$programs" | awk -v first=$((RANDOM % 2)) 'NF && (++n + first) % 2')
fi
build_programs "$programs"

cases=0 stop_count=0
while read -r name poll sleep; do
    [ -n "$name" ] && [ -x "$name" ] || continue
    worker_counts="1 4"
    [ "${MSTR_TEST_FULL:-0}" != 1 ] || worker_counts="1 2 4"
    [ $sample = 0 ] || worker_counts=$(echo "1 2 4" | cut -d' ' -f$((RANDOM % 3 + 1)))
    span=400 span_workers=1  # ms: adjusted by stopped, halved for each doubling of the workers
    for workers in $worker_counts; do
        while [ $span_workers -lt "$workers" ]; do
            span=$((span / 2 + 1)) span_workers=$((span_workers * 2))
        done
        uninterrupted "$name" "$workers"
        stopped "$name" "$workers" "$poll" "$sleep"
        cases=$((cases + 1))
    done
done <<< "$programs"

echo "$cases cases, $stop_count stops by SIGTERM, $failures failures (seed $seed)"
[ $failures = 0 ]
