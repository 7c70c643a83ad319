# Malformed CSV rows with no dead-letter stream: each is reported with file, line and field,
# the good rows still flow, the summary counts the dropped ones, and the exit status is 1.
set -eu
cd "$WORK" && mkdir -p nodead && cd nodead
printf 'a,b\n1,x\n2\n3,z\nfour,w\n' > in.csv
cat > nodead.mstr <<'MSTR'
type Row { a: i32; b: str; }
source rows: Row = csv("in.csv");
rows |> sink out = stdout;
MSTR
"$MSTRC" build nodead.mstr -o nodead
set +e
./nodead > out 2> err
status=$?
set -e
cat out err
[ $status = 1 ]
cat > want <<'OUT'
{ key: NoKey, value: Row { a: 1, b: "x" }, timestamp: 0 }
{ key: NoKey, value: Row { a: 3, b: "z" }, timestamp: 2 }
OUT
diff want out
grep -qx "in.csv:3: error: source 'rows': expected 2 fields, found 1" err
grep -q "^in.csv:5: error: source 'rows': field 'a': .*: \"four\"$" err
grep -qx "mstr: source 'rows': 2 malformed records dropped (declare a dead_letter stream to keep them)" err
