# Ten kill trials of a job over 2 processes (tests/lib/process_kills.sh says what each does and
# checks): SIGKILL of either process, the leader included, at start, while running, inside a
# snapshot commit, during a live rescale to another number of processes and during one of the
# workers per process, one SIGSTOP that the other process must notice while it lasts, and one
# trial with the processes started by hand. Every trial's file output must hold the rows of an uninterrupted run's, and
# its stdout every line of it. PROCESS_KILLS_SEED repeats a run's random choices (each run
# prints its seed).
#
# The sanitizer builds (E2E_SAN, see tests/lib/processes.sh: sample_only) run the first five
# trials only, to stay in the suite's time: they kill the leader and the other process, at
# start, while running, inside a commit and after a SIGSTOP, under the supervisor and by hand,
# so every recovery path still runs sanitized once; what more trials add is more random
# moments, which the plain build and `make chaos-processes` give. MSTR_TEST_FULL=1 runs ten.
set -eu
. "$ROOT/tests/lib/processes.sh"
. "$ROOT/tests/lib/process_kills.sh"
cd "$WORK" && mkdir -p process_kills && cd process_kills
prepare
if sample_only; then n=5; else n=10; fi
trials $n "${PROCESS_KILLS_SEED:-}"
[ $failures = 0 ]
