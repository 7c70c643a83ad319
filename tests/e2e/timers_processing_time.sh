# Timers on the wall clock: after `timestamps NAME processing_time` a stateful_op's event-time
# timers follow the wall clock, since that operator issues the clock's epochs also while no
# record comes (at least every MSTR_CLOCK_TICK_MS). A job reads user names from a pipe kept
# open and closes a user's session 300 ms after the user's last click; each session must be
# written while the pipe is still open and quiet, on 1 worker and on 2 (the second reads no
# input: its clock must not hold the timers back), closed 300 ms after its last click, within
# the run's wall clock.
set -eu
cd "$WORK" && mkdir -p timers_processing_time && cd timers_processing_time

failures=0
bad() { echo "FAIL: $*"; failures=$((failures + 1)); }

cat > idle.mstr <<'MSTR'
type Session { user: str; clicks: u64; first: i64; last: i64; closed: i64; }
source clicks: str = stdin;
clicks
  |> timestamps arrival processing_time
  |> key_by user: str { return value; }
  |> stateful_op idle: Session (state Session) {
       if (state->clicks++ == 0) {
           state->user = key;
           state->first = ts;
       }
       state->last = ts;
       timer_at(ts + 300);  // 300 ms of the wall clock without a click of the user
     } on_timer {
       state->closed = timer;
       emit(*state);
       drop_state();
     }
  |> sink out = csv("sessions.csv");
MSTR
"$MSTRC" build idle.mstr -o idle

# wait_rows N: waits up to 10 s for sessions.csv to hold N rows besides its header.
wait_rows() {
    for _ in $(seq 100); do
        [ "$(tail -n +2 sessions.csv 2> /dev/null | wc -l)" -ge "$1" ] && return 0
        sleep 0.1
    done
    return 1
}

for workers in 1 2; do
    rm -f sessions.csv input && mkfifo input
    started=$(date +%s%3N)
    ./idle --workers "$workers" < input > job.out 2> job.err &
    job=$!
    exec 3> input
    printf 'ann\nbob\nann\n' >&3
    wait_rows 2 || bad "$workers workers: the first sessions were not closed while the input was quiet"
    printf 'ann\n' >&3
    wait_rows 3 || bad "$workers workers: ann's second session was not closed while the input was quiet"
    exec 3>&-
    wait $job || bad "$workers workers: exit status $?"
    ended=$(date +%s%3N)
    [ "$(tail -n +2 sessions.csv | cut -d, -f1,2 | LC_ALL=C sort | tr '\n' ' ')" = "ann,1 ann,2 bob,1 " ] ||
        { bad "$workers workers: sessions"; cat sessions.csv; }
    odd=$(tail -n +2 sessions.csv | awk -F, -v t0="$started" -v t1="$ended" \
              '$5 - $4 != 300 || $3 < t0 || $5 > t1')
    [ -z "$odd" ] || bad "$workers workers: sessions outside the run ($started..$ended ms) or not closed 300 ms after their last click: $odd"
done
[ $failures = 0 ]
