# What a job says about bad input: a field is shown escaped (no terminal escape, NUL or CR
# reaches stderr raw) and cut after 64 bytes with its length; a missing CSV column is reported
# with the columns the header has (a byte order mark, a space, CR-only line ends show there);
# "further malformed records are counted, not shown" comes with the 11th, not the 10th; and an
# empty line of a one-column CSV is a record (an empty field), so that rows in = good + dead
# letters.
set -eu
cd "$WORK" && mkdir -p input_messages && cd input_messages
failures=0
bad() { echo "FAIL: $*"; failures=$((failures + 1)); }

cat > ids.mstr <<'MSTR'
type T { id: i64; }
source s: T = csv("in.csv") dead_letter rejected;
s |> sink out = stdout;
rejected |> sink dead = null;
MSTR
"$MSTRC" build ids.mstr -o ids

# run_on BYTES: runs ids on a file of BYTES (printf format); stdout in out, stderr in err.
run_on() {
    printf "$1" > in.csv
    ./ids --stats > out 2> err || true
}

run_on 'id\n1\x1b[31mred\x00\r\n'
grep -qxF "in.csv:2: error: source 's': field 'id': not an integer: \"1\\x1b[31mred\\0\"" err ||
    { bad "escaped field"; cat -v err; }

run_on "id\n$(printf '%0300d' 7)x\n"
grep -qxF "in.csv:2: error: source 's': field 'id': not an integer: \"$(printf '%064d' 0)\"... (301 bytes)" err ||
    { bad "cut field"; cat err; }

run_on '\xef\xbb\xbfid\n1\n'
grep -qxF "mstr: source 's': in.csv:1: the header has no column 'id'; it has \"\\xef\\xbb\\xbfid\"" err ||
    { bad "BOM in the header"; cat err; }
run_on 'id\r1\r'
grep -qxF "mstr: source 's': in.csv:1: the header has no column 'id'; it has \"id\\r1\\r\"" err ||
    { bad "CR line ends"; cat err; }
run_on ' id,name\n1,a\n'
grep -qxF "mstr: source 's': in.csv:1: the header has no column 'id'; it has \" id\", \"name\"" err ||
    { bad "space in the header"; cat err; }

run_on "id\n$(seq -f 'x%g' 10)\n"
grep -q "further malformed" err && bad "the limit message came with the 10th malformed record"
run_on "id\n$(seq -f 'x%g' 11)\n"
[ "$(grep -c "^in.csv:[0-9]*: error" err)" = 10 ] || bad "not ten malformed records shown"
grep -qx "in.csv: further malformed records are counted, not shown" err ||
    bad "no limit message with the 11th malformed record"

run_on 'id\n1\n\n2\n'
[ "$(wc -l < out)" = 2 ] || bad "empty line: good records"
grep -qx "in.csv:3: error: source 's': field 'id': empty value: \"\"" err || { bad "empty line"; cat err; }
grep -qx "mstr: sink 'dead': 1 records, .*" err || bad "empty line: not a dead letter"

[ "$failures" = 0 ]
