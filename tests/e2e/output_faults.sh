# Nothing lost quietly on the output side: a job refuses to start when a sink's file is, under
# another name, a file a source reads or another sink writes; a write error (a full disk) stops
# the job at once with exit 1 and counts only what was written; fail() stops the record that
# raised it, so nothing after it reaches a sink; sinks are flushed while the source waits for
# input, and SIGTERM stops a job cleanly with its output written.
set -eu
cd "$WORK" && mkdir -p output_faults && cd output_faults

failures=0
bad() { echo "FAIL: $*"; failures=$((failures + 1)); }

# run_status WANT LABEL CMD...: runs CMD under a time limit, output in out and err.
run_status() {
    local want=$1 label=$2 status=0
    shift 2
    timeout 20 "$@" > out 2> err || status=$?
    [ "$status" = "$want" ] || { bad "$label: exit status $status, expected $want"; head -5 err; }
}

# ---- a file written twice, or overwritten while it is read (items 1 and 2) ------------------
# The checker refuses the same path (tests/diagnostics/sink_files.mstr); the job itself finds
# the other names of a file by device and inode, before it truncates anything.
seq 5 > data.txt
ln -s data.txt alias.txt
cat > read_alias.mstr <<'MSTR'
source l: str = lines("data.txt");
l |> sink a = text("alias.txt");
MSTR
"$MSTRC" build read_alias.mstr -o read_alias
run_status 1 read_alias ./read_alias
grep -qx "mstr: sink 'a' would overwrite 'alias.txt', which source 'l' reads as 'data.txt'" err ||
    bad "read_alias: message"
[ "$(wc -l < data.txt)" = 5 ] || bad "read_alias: the input was truncated"

echo keep > out.csv
ln -s out.csv link.csv
cat > two_sinks.mstr <<'MSTR'
source n: i64 = range(0, 1000);
n |> sink a = csv("out.csv");
n |> sink b = csv("link.csv");
MSTR
"$MSTRC" build two_sinks.mstr -o two_sinks
run_status 1 two_sinks ./two_sinks
grep -qx "mstr: sinks 'a' and 'b' write the same file ('out.csv' and 'link.csv')" err ||
    bad "two_sinks: message"
[ "$(cat out.csv)" = keep ] || bad "two_sinks: out.csv was truncated"

# ---- a write error stops the job (item 4) ---------------------------------------------------
# An endless input into a full disk: the job must stop by itself, say which sink failed and
# why, exit 1, and count none of the records it could not write.
cat > full.mstr <<'MSTR'
source s: str = stdin;
s |> sink out = text("/dev/full");
MSTR
"$MSTRC" build full.mstr -o full
run_status 1 "full disk" ./full --stats < <(yes)
grep -qx "mstr: sink 'out': error writing '/dev/full': No space left on device" err ||
    bad "full disk: message"
grep -qx "mstr: sink 'out': 0 records, .*" err || bad "full disk: records counted as written"

cat > full_stdout.mstr <<'MSTR'
source n: i64 = range(0, 3000000);
n |> key_by k: i64 { return value; } |> sink out = stdout;
MSTR
"$MSTRC" build full_stdout.mstr -o full_stdout
status=0
timeout 20 ./full_stdout --workers 2 --stats > /dev/full 2> err || status=$?
[ "$status" = 1 ] || bad "stdout on a full disk: exit status $status, expected 1"
grep -qx "mstr: sink 'out': error writing '<stdout>': No space left on device" err ||
    bad "stdout on a full disk: message"
grep -qx "mstr: sink 'out': 0 records, .*" err || bad "stdout on a full disk: records counted"

# ---- fail() stops the record that raised it (item 6) ----------------------------------------
# On one worker the records before the failing one are written, and neither it nor any after
# it, whatever the sink.
cat > fail_stops.mstr <<'MSTR'
source n: i64 = range(0, 100000);
stream checked = n |> map check: i64 {
       if (value == 10)
         fail("bad %" PRId64, value);
       return value;
     };
checked |> sink out = stdout;
checked |> sink file = csv("checked.csv");
MSTR
"$MSTRC" build fail_stops.mstr -o fail_stops
run_status 1 "fail()" ./fail_stops --workers 1
seq 0 9 | sed 's/.*/{ key: NoKey, value: &, timestamp: & }/' > want
cmp -s want out || { bad "fail(): stdout is not the 10 records before the failure"; tail -3 out; }
{ echo value; seq 0 9; } | cmp -s - checked.csv || bad "fail(): checked.csv is not the 10 records before it"

# ---- output while the input pauses, and SIGINT/SIGTERM (item 3) -----------------------------
# A stdin job that has read 1000 lines and waits for more has written their results (on every
# worker, after an exchange); SIGTERM then stops it with everything written, its summary, and
# status 128 + 15.
cat > paused.mstr <<'MSTR'
source s: str = stdin;
s |> key_by k: str { return value; }
  |> map up: str { return mstr_str_upper(ctx, value); }
  |> sink out = text("paused.txt");
MSTR
"$MSTRC" build paused.mstr -o paused
mkfifo input
./paused --workers 3 --stats < input > out 2> err &
pid=$!
exec 3> input
seq 1000 >&3
for _ in $(seq 100); do
    [ -f paused.txt ] && [ "$(wc -l < paused.txt)" = 1000 ] && break
    sleep 0.1
done
[ "$(wc -l < paused.txt)" = 1000 ] || bad "paused input: $(wc -l < paused.txt) of 1000 lines written"
kill -TERM "$pid"
status=0
wait "$pid" || status=$?
exec 3>&-
[ "$status" = 143 ] || bad "SIGTERM: exit status $status, expected 143"
grep -qx "mstr: stopped by SIGTERM" err || bad "SIGTERM: no message"
grep -qx "mstr: sink 'out': 1000 records, .*" err || bad "SIGTERM: no summary"
[ "$(sort -n paused.txt | head -1)" = 1 ] && [ "$(wc -l < paused.txt)" = 1000 ] ||
    bad "SIGTERM: paused.txt lost lines"

[ "$failures" = 0 ]
