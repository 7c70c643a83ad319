#!/usr/bin/env bash
# Chaos: 100 kill trials of a job over 2 processes (PROCESS_KILL_TRIALS to change the count),
# the trials of tests/e2e/process_kills.sh (tests/lib/process_kills.sh says what each does and
# checks) with more random moments and victims. Not part of `make test`: run it with
# `make chaos-processes`, or
#
#   tests/chaos/process_kills.sh path/to/mstrc
#
# PROCESS_KILLS_SEED repeats a run's random choices (each run prints its seed). A failed
# trial keeps its directory and says where; the rest are removed. Ends with one summary line.
set -eu
MSTRC=$(cd "$(dirname "${1:-build/mstrc}")" && pwd)/$(basename "${1:-build/mstrc}")
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
[ -x "$MSTRC" ] || { echo "no mstrc at $MSTRC (make first)"; exit 2; }
WORK=$(mktemp -d)
export MSTRC ROOT WORK
. "$ROOT/tests/lib/processes.sh"
. "$ROOT/tests/lib/process_kills.sh"
cd "$WORK"
prepare
n=${PROCESS_KILL_TRIALS:-100}
trials "$n" "${PROCESS_KILLS_SEED:-}"
failed=$(ls -d trial-* 2> /dev/null | wc -l)
echo "chaos-processes: $((n - failed)) passed, $failed failed"
if [ "$failed" = 0 ]; then rm -rf "$WORK"; else echo "failed trials are kept in $WORK"; fi
[ $failures = 0 ]
