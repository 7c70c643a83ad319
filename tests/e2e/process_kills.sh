# Ten kill trials of a job over 2 processes (tests/lib/process_kills.sh says what each does and
# checks): SIGKILL of either process, the leader included, at start, while running and inside a
# snapshot commit, one SIGSTOP that the other process must notice while it lasts, and one trial
# with the processes started by hand. Every trial's file output must equal an uninterrupted
# run's byte for byte, and its stdout hold every line of it. PROCESS_KILLS_SEED repeats a run's
# random choices (each run prints its seed).
set -eu
. "$ROOT/tests/lib/processes.sh"
. "$ROOT/tests/lib/process_kills.sh"
cd "$WORK" && mkdir -p process_kills && cd process_kills
prepare
trials 10 "${PROCESS_KILLS_SEED:-}"
[ $failures = 0 ]
