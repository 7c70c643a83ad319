# Restore at another worker count: stateful examples (keyed state, windows, joins, a file
# sink) and Nexmark queries (their source shrunk to 20,000 events) run with a state directory
# on N workers, are stopped with SIGTERM at 1 to 3 random moments and resumed on M workers
# until they finish, for N -> M in 1 -> 3, 2 -> 1, 2 -> 4 and 4 -> 3. The first resumed run must
# say that the snapshot was taken by N workers and goes on with M, and what the runs wrote must
# equal an uninterrupted run's on N workers: file sinks exactly (sorted), standard output as a
# multiset (exactly once), standard error too, snapshot messages aside (tests/lib/stop_resume.sh).
#
# The sample: each program runs two of the four changes, so that every change meets several
# programs, in the plain build; one in the sanitizer builds, where programs run several times
# slower; MSTR_TEST_FULL=1 runs all four everywhere. Shrinking puts the partitions of two
# workers on one (4 -> 3 puts Nexmark's partitions 0 and 3 on worker 0): their epochs are kept
# per partition, so the one ahead in time makes none of the other's records late (an output
# that differs, or a late record counted in the summary, fails). The random moments come from
# a seed that the script prints; MSTR_TEST_SEED=N repeats its choices.
set -eu
. "$ROOT/tests/lib/snapshots.sh"
cd "$WORK" && mkdir -p restore_rescaled && cd restore_rescaled
. "$ROOT/tests/lib/stop_resume.sh"

seed=${MSTR_TEST_SEED:-$(($(date +%s%N) % 1000000))}
RANDOM=$seed
echo "seed $seed (MSTR_TEST_SEED=$seed repeats the random choices)"

# program, records per source poll, pause after each poll (ms), as in snapshot_resume.sh, and
# the changes it may run (indexes into changes)
programs="
stateful_programs 1 3 0123
word_count 1 80 0123
event_time 1 30 0123
joining_streams 1 2 0123
csv_trades 1 30 0123
q4 200 2 0123
q5 200 3 0123
"
changes=("1 3" "2 1" "2 4" "4 3")
build_programs "$programs"

if snap_sanitized; then per_program=1; else per_program=2; fi
[ "${MSTR_TEST_FULL:-0}" != 1 ] || per_program=4
cases=0 stop_count=0 first=$((RANDOM % 4))
while read -r name poll sleep allowed; do
    [ -n "$name" ] && [ -x "$name" ] || continue
    for k in $(seq 0 $((per_program - 1))); do
        [ $k -lt ${#allowed} ] || break
        read -r workers resume_workers <<< "${changes[${allowed:$(((first + k) % ${#allowed})):1}]}"
        span=$((400 / workers))  # ms: adjusted by stopped
        [ -d "ref-$name-w$workers" ] || uninterrupted "$name" "$workers"
        stopped "$name" "$workers" "$poll" "$sleep"
        cases=$((cases + 1))
    done
    first=$((first + per_program))
done <<< "$programs"
unset resume_workers

echo "$cases cases, $stop_count stops by SIGTERM, $failures failures (seed $seed)"
[ $failures = 0 ]
