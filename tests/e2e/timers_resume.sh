# Event-time timers across stops and restores: a stateful_op that closes per-user sessions
# with timers (2000 clicks of 40 users, a user's session ending 60 after its last click, some
# clicks cancelling their user's timer), writing to a file sink, is stopped with SIGTERM at 1
# to 3 random moments and resumed until it finishes (tests/lib/stop_resume.sh): at the same
# worker count (1, 2 and 4) and at another (1 -> 3, 2 -> 1, 4 -> 3), where each key group's
# timers move with its state. At every stop timers are pending (nearly every user has an open
# session), and those that a snapshot did not keep would never fire (the user's next click
# would close the session instead, later: each session says when it closed). The sessions
# file must equal an uninterrupted run's (line for line on one worker, sorted on more), and
# the uninterrupted runs on 1, 2 and 4 workers must agree with each other.
#
# The sanitizer builds run one same-count case and one change, drawn from the seed;
# MSTR_TEST_FULL=1 runs all six. MSTR_TEST_SEED=N repeats the random choices.
set -eu
. "$ROOT/tests/lib/snapshots.sh"
cd "$WORK" && mkdir -p timers_resume && cd timers_resume
. "$ROOT/tests/lib/stop_resume.sh"

seed=${MSTR_TEST_SEED:-$(($(date +%s%N) % 1000000))}
RANDOM=$seed
echo "seed $seed (MSTR_TEST_SEED=$seed repeats the random choices)"

# One partition, read by worker 0 at every worker count, and an epoch after each click: the
# frontier, and so when each timer fires, is the same in every run.
cp "$ROOT/tests/lib/timer_sessions.mstr" .

programs="timer_sessions 4 2"
build_programs "$programs"
[ -x timer_sessions ] || { echo "$failures failures"; exit 1; }

uninterrupted_agree timer_sessions sessions.txt
lines=$(wc -l < ref-timer_sessions-w1/sessions.txt)
[ "$lines" -gt 300 ] || bad "the uninterrupted run wrote $lines sessions, expected more than 300"

stopped_cases timer_sessions
[ $failures = 0 ]
