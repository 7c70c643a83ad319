# The progress line: on a terminal (a pseudo-terminal from script(1)) a job of one process and
# one of two processes under the supervisor rewrite a line every second with the records read,
# their rate, the records written, the least frontier and the last snapshot; with standard
# error in a file, or with --quiet, there is no such line. And --stats=json: one line of JSON.
set -eu
cd "$WORK" && mkdir -p progress_line && cd progress_line
fails=0
bad() { echo "FAIL: $*"; fails=$((fails + 1)); }

cat > slow.mstr <<'MSTR'
job slow;
source n: i64 = range(0, 3000);
n |> key_by k: i64 { return value % 10; }
  |> stateful_map s: i64 (state i64) { *state += value; return *state; }
  |> sink out = null;
MSTR
"$MSTRC" build slow.mstr -o slow
line='mstr: [0-9.]+[KMG]? records read, [0-9.]+[KMG]?/s; [0-9.]+[KMG]? written; frontier [^;]+; snapshot [0-9]+'
export MSTR_TEST_POLL_RECORDS=5 MSTR_TEST_POLL_SLEEP_MS=5 # about 1.5 s: a line a second
for args in "--workers 2" "--processes 2 --workers 1 --state-dir st"; do
    timeout 60 script -qec "./slow $args" /dev/null > tty.out 2>&1 ||
        bad "$args: the job on a terminal failed: $(cat tty.out)"
    tr '\r' '\n' < tty.out | grep -Eq "^(.\\[K)?$line" ||
        bad "$args: no progress line on a terminal: $(cat -v tty.out | head -3)"
    grep -q $'\r\033\[K' tty.out || bad "$args: the line is not rewritten in place"
    ./slow $args 2> file.err > /dev/null || bad "$args: the job failed: $(cat file.err)"
    ! grep -Eq "$line" file.err || bad "$args: a progress line in a file: $(head -3 file.err)"
done
timeout 60 script -qec "./slow --workers 2 --quiet" /dev/null > tty.out 2>&1 ||
    bad "--quiet: the job on a terminal failed: $(cat tty.out)"
! tr '\r' '\n' < tty.out | grep -Eq "$line" || bad "--quiet: a progress line: $(cat -v tty.out)"

# --stats=json: one line of JSON that Python reads, with the sink's records
unset MSTR_TEST_POLL_RECORDS MSTR_TEST_POLL_SLEEP_MS
./slow --workers 2 --stats=json 2> json.err > /dev/null || bad "--stats=json: the job failed"
tail -1 json.err | python3 -c '
import json, sys
s = json.loads(sys.stdin.read())
assert s["job"] == "slow" and s["ok"] is True and s["signal"] is None, s
assert s["sinks"] == [{"name": "out", "records": 3000, "checksum": s["sinks"][0]["checksum"]}], s
assert s["malformed"] == [{"source": "n", "records": 0, "dead_letter": None}], s
assert s["snapshots"] is None, s' || bad "--stats=json: $(cat json.err)"
! grep -q "^mstr: sink " json.err || bad "--stats=json also printed the text lines"
./slow --stats=yes 2> bad.err && bad "--stats=yes was taken"
grep -q "needs 0, 1, true, false or json" bad.err || bad "--stats=yes: $(cat bad.err)"
[ "$fails" = 0 ]
