# Nothing lost quietly on the output side: a job refuses to start when a sink's file is, under
# another name, a file a source reads or another sink writes; a write error (a full disk) stops
# the job at once with exit 1 and counts only what was written; fail() stops the record that
# raised it, so nothing after it reaches a sink; sinks are flushed while the source waits for
# input, and SIGINT or SIGTERM stops a job cleanly with its output written.
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

[ "$failures" = 0 ]
