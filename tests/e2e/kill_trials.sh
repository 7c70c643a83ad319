# Kill trials in the suite: tests/chaos/kill_trials.sh with 6 trials of the keyed (1 worker)
# and windowed (2) pipelines and 3 of the rescaled one (1 to 4 workers, rescaled while it
# runs), each killed with SIGKILL at random moments, some inside a snapshot's commit, and
# restarted until it finishes; every trial must end with the output of an uninterrupted run.
# `make chaos` runs 100 of each. Under the sanitizers (E2E_SAN), whose programs run several
# times slower, about half as many (MSTR_TEST_FULL=1: all).
set -eu
failures=0
trials="keyed:6 windowed:6 rescaled:3"
[ -z "${E2E_SAN:-}" ] || [ "${MSTR_TEST_FULL:-0}" = 1 ] || trials="keyed:3 windowed:3 rescaled:2"
for pipeline in $trials; do
    n=${pipeline#*:}
    out=$(bash "$ROOT/tests/chaos/kill_trials.sh" $n "${pipeline%:*}" 2>&1) || true
    echo "$out"
    echo "$out" | grep -qx "$n of $n trials ended equal" || failures=$((failures + 1))
done
[ $failures = 0 ]
