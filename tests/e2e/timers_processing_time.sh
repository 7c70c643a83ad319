# Timers on the wall clock, two ways. After `timestamps NAME processing_time` a stateful_op's
# event-time timers follow the wall clock, since that operator issues the clock's epochs also
# while no record comes (at least every MSTR_CLOCK_TICK_MS); and timer_after sets a wall-clock
# timer in a pipeline of event time, which the worker loop's tick fires. Each time a job reads
# user names from a pipe kept open and closes a user's session 300 ms after the user's last
# click; each session must be written while the pipe is still open and quiet, on 1 worker and
# on 2 (the second reads no input: its clock must not hold the timers back), and with
# processing-time stamps be closed 300 ms after its last click, within the run's wall clock.
# Last, a wall-clock timer pending when a job is stopped by SIGTERM fires in the resumed job
# while its input is quiet.
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

. "$ROOT/tests/lib/quiet_input.sh"
for workers in 1 2; do
    feed_quietly sessions.csv "./idle --workers $workers" 'ann\nbob\nann\n' 2 'ann\n' 3 ||
        bad "$workers workers: sessions not closed while the input was quiet"
    [ "$(tail -n +2 sessions.csv | cut -d, -f1,2 | LC_ALL=C sort | tr '\n' ' ')" = "ann,1 ann,2 bob,1 " ] ||
        { bad "$workers workers: sessions"; cat sessions.csv; }
    odd=$(tail -n +2 sessions.csv | awk -F, -v t0="$started" -v t1="$ended" \
              '$5 - $4 != 300 || $3 < t0 || $5 > t1')
    [ -z "$odd" ] || bad "$workers workers: sessions outside the run ($started..$ended ms) or not closed 300 ms after their last click: $odd"
done

# timer_after in an event-time pipeline: the records keep their own times (line numbers, no
# epochs before the end), so no event-time timer could fire while the input is open; the
# wall-clock timers fire as the clock passes them, on 1 and 2 workers.
cat > after.mstr <<'MSTR'
type Session { user: str; clicks: u64; }
source clicks: str = stdin;
clicks
  |> key_by user: str { return value; }
  |> stateful_op idle: Session (state Session) {
       state->user = key;
       state->clicks++;
       timer_after(300);  // 300 ms of the wall clock without a click of the user
     } on_timer {
       if (clock_timer)
           emit(*state);
       drop_state();
     }
  |> sink out = csv("sessions.csv");
MSTR
"$MSTRC" build after.mstr -o after

for workers in 1 2; do
    feed_quietly sessions.csv "./after --workers $workers" 'ann\nbob\nann\n' 2 'ann\n' 3 ||
        bad "timer_after, $workers workers: sessions not closed while the input was quiet"
    [ "$(tail -n +2 sessions.csv | LC_ALL=C sort | tr '\n' ' ')" = "ann,1 ann,2 bob,1 " ] ||
        { bad "timer_after, $workers workers: sessions"; cat sessions.csv; }
done

# A wall-clock timer pending at a stop is in the snapshot: the resumed job fires it once the
# clock passes it, while its input is open and quiet. (To stdout: with a state directory the
# csv file is published at snapshots only.)
sed -e 's/timer_after(300)/timer_after(1500)/' -e 's/csv("sessions.csv")/stdout/' after.mstr > later.mstr
"$MSTRC" build later.mstr -o later
rm -rf state input && mkfifo input
./later --state-dir state < input > first.out 2> first.err &
job=$!
exec 3> input
printf 'zed\n' >&3
sleep 0.5
kill -TERM $job
wait $job || bad "stopped with a pending wall-clock timer: exit status $?"
exec 3>&-
grep -q "stopped by SIGTERM after snapshot" first.err || { bad "the first run did not stop with a snapshot"; cat first.err; }
[ ! -s first.out ] || { bad "zed's session was closed before the stop"; cat first.out; }
rm -f input && mkfifo input
./later --state-dir state < input > second.out 2> second.err &
job=$!
exec 3> input
fired=0
for _ in $(seq 100); do
    grep -q zed second.out && { fired=1; break; }
    sleep 0.1
done
[ $fired = 1 ] || bad "the resumed job did not fire the wall-clock timer it restored while its input was quiet"
exec 3>&-
wait $job || bad "resumed: exit status $?"
grep -q "resumed from snapshot" second.err || { bad "the second run did not resume"; cat second.err; }
grep -q 'value: Session { user: "zed", clicks: 1 }' second.out || { bad "resumed: sessions"; cat second.out; }
[ $failures = 0 ]
