# Kill trials in the suite: tests/chaos/kill_trials.sh with 10 trials of the keyed (1 worker)
# and windowed (2) pipelines and 5 of the rescaled one (1 to 4 workers, rescaled while it
# runs), each killed with SIGKILL at random moments, some inside a snapshot's commit, and
# restarted until it finishes; every trial must end with the output of an uninterrupted run.
# `make chaos` runs 100 of each.
set -eu
failures=0
for pipeline in keyed:10 windowed:10 rescaled:5; do
    n=${pipeline#*:}
    out=$(bash "$ROOT/tests/chaos/kill_trials.sh" $n "${pipeline%:*}" 2>&1) || true
    echo "$out"
    echo "$out" | grep -qx "$n of $n trials ended equal" || failures=$((failures + 1))
done
[ $failures = 0 ]
