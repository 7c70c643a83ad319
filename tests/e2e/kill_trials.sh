# Kill trials in the suite: tests/chaos/kill_trials.sh with 10 trials of each pipeline (keyed on
# 1 worker, windowed on 2), each killed with SIGKILL at random moments, some inside a snapshot's
# commit, and restarted until it finishes; every trial must end with the output of an
# uninterrupted run. `make chaos` runs 100 of each.
set -eu
failures=0
for pipeline in keyed windowed; do
    out=$(bash "$ROOT/tests/chaos/kill_trials.sh" 10 "$pipeline" 2>&1) || true
    echo "$out"
    echo "$out" | grep -qx '10 of 10 trials ended equal' || failures=$((failures + 1))
done
[ $failures = 0 ]
