# The progress line: on a terminal (a pseudo-terminal from script(1)) a job of one process and
# one of two processes under the supervisor rewrite a line every second with the records read,
# their rate, the least frontier and the last snapshot, and clear it before the summary; with
# standard error in a file there is no such line.
set -eu
cd "$WORK" && mkdir -p progress_line && cd progress_line
fails=0
bad() { echo "FAIL: $*"; fails=$((fails + 1)); }

cat > slow.mstr <<'MSTR'
job slow;
source n: i64 = range(0, 6000);
n |> key_by k: i64 { return value % 10; }
  |> stateful_map s: i64 (state i64) { *state += value; return *state; }
  |> sink out = null;
MSTR
"$MSTRC" build slow.mstr -o slow
line='mstr: [0-9.]+[KMG]? records read, [0-9.]+[KMG]?/s; frontier [^;]+; snapshot [0-9]+'
export MSTR_TEST_POLL_RECORDS=5 MSTR_TEST_POLL_SLEEP_MS=5 # about 3 s
for args in "--workers 2" "--processes 2 --workers 1 --state-dir st"; do
    timeout 60 script -qec "./slow $args" /dev/null > tty.out 2>&1 ||
        bad "$args: the job on a terminal failed: $(cat tty.out)"
    tr '\r' '\n' < tty.out | grep -Eq "^(.\\[K)?$line" ||
        bad "$args: no progress line on a terminal: $(cat -v tty.out | head -3)"
    grep -q $'\r\033\[K' tty.out || bad "$args: the line is not rewritten in place"
    ./slow $args 2> file.err > /dev/null || bad "$args: the job failed: $(cat file.err)"
    ! grep -Eq "$line" file.err || bad "$args: a progress line in a file: $(head -3 file.err)"
done
[ "$fails" = 0 ]
