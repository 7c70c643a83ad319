# Tiny inputs on 1, 2 and 8 workers: empty sources (an empty list, an empty range, a CSV file
# with only its header), a last line without its newline, a single record through key_by,
# stateful_op and union, and more workers than keys and partitions. Each job must finish
# (under `timeout 20`; 124 means it hung, as the Rust framework does on tiny inputs with
# several workers) with status 0, nothing on stderr, and exactly the expected output (sorted,
# since workers interleave their lines).
set -eu
cd "$WORK" && mkdir -p tiny_inputs && cd tiny_inputs

printf 'a,b\n' > header_only.csv
printf 'a,b\n7,"seven"' > no_newline.csv
printf 'last line' > no_newline.txt

# Each case: NAME.mstr and NAME.want (the expected stdout; files written are checked below).
cat > empty_list.mstr <<'MSTR'
source s: i64 = list();
s
  |> key_by k: i64 { return value; }
  |> stateful_op count: i64 (state i64) { *state += 1; } on_epoch { emit(*state); }
  |> sink out = stdout;
MSTR
: > empty_list.want

cat > empty_range.mstr <<'MSTR'
source s: i64 = range(5, 5);
s
  |> key_by k: i64 { return value % 3; }
  |> stateful_map sum: i64 (state i64) { *state += value; return *state; }
  |> sink out = stdout;
MSTR
: > empty_range.want

cat > header_only.mstr <<'MSTR'
type Row { a: i64; b: str; }
source s: Row = csv("header_only.csv");
s
  |> key_by by_a: i64 { return value.a; }
  |> sink out = stdout;
MSTR
: > header_only.want

cat > no_newline.mstr <<'MSTR'
type Row { a: i64; b: str; }
source rows: Row = csv("no_newline.csv");
source text: str = lines("no_newline.txt");
rows |> sink rows_out = stdout;
text |> sink text_out = stdout;
MSTR
cat > no_newline.want <<'OUT'
{ key: NoKey, value: Row { a: 7, b: "seven" }, timestamp: 0 }
{ key: NoKey, value: "last line", timestamp: 0 }
OUT

# One record through the keyed path, merged with an empty keyed stream and a one-record one.
cat > one_record.mstr <<'MSTR'
source one: i64 = list(7);
source none: i64 = list();
source other: i64 = range(100, 101);
stream none_keyed = none |> key_by k_none: i64 { return value % 5; };
stream other_keyed = other |> key_by k_other: i64 { return value % 5; };
one
  |> key_by k_one: i64 { return value % 5; }
  |> union both(none_keyed, other_keyed)
  |> stateful_op seen: i64 (state i64) {
       *state += value;
       emit(value * 10);
     } on_epoch {
       if (epoch == MSTR_EPOCH_MAX)
         emit(*state);
     }
  |> sink out = stdout;
MSTR
cat > one_record.want <<'OUT'
{ key: 2, value: 70, timestamp: 0 }
{ key: 2, value: 7, timestamp: 9223372036854775807 }
{ key: 0, value: 1000, timestamp: 0 }
{ key: 0, value: 100, timestamp: 9223372036854775807 }
OUT

# Two keys and two partitions, whatever the number of workers.
cat > two_keys.mstr <<'MSTR'
source s: i64 = range(0, 10) partitions 2;
s
  |> key_by parity: i64 { return value % 2; }
  |> stateful_op total: i64 (state i64) { *state += value; } on_epoch {
       if (epoch == MSTR_EPOCH_MAX)
         emit(*state);
     }
  |> sink out = stdout;
MSTR
cat > two_keys.want <<'OUT'
{ key: 0, value: 20, timestamp: 9223372036854775807 }
{ key: 1, value: 25, timestamp: 9223372036854775807 }
OUT

# Empty streams into every kind of file sink: each file is created, with only its header.
cat > empty_files.mstr <<'MSTR'
type Row { a: i64; b: str; }
source s: Row = csv("header_only.csv");
s |> clone copies into (c1, c2, c3);
c1 |> sink to_csv = csv("out.csv");
c2 |> sink to_jsonl = jsonl("out.jsonl");
c3 |> map b: str { return value.b; } |> sink to_text = text("out.txt");
MSTR
: > empty_files.want

failures=0
bad() { echo "$*"; failures=$((failures + 1)); }

# Builds must also be quiet: a warning from the C compiler is a bug in the generated code.
cases="empty_list empty_range header_only no_newline one_record two_keys empty_files"
for c in $cases; do
    "$MSTRC" build "$c.mstr" -o "$c" 2> build.err || { cat build.err; exit 1; }
    [ ! -s build.err ] || { bad "$c: build printed warnings:"; cat build.err; }
done
for workers in 1 2 8; do
    for c in $cases; do
        tag="$c (workers $workers)"
        rm -f out.csv out.jsonl out.txt
        status=0
        timeout 20 "./$c" --workers $workers > out 2> err || status=$?
        [ $status != 124 ] || { bad "$tag: hung (killed by timeout)"; continue; }
        [ $status = 0 ] || bad "$tag: exit status $status"
        [ ! -s err ] || { bad "$tag: stderr:"; head -5 err; }
        LC_ALL=C sort out > got
        LC_ALL=C sort "$c.want" > want
        diff want got > /dev/null || { bad "$tag: output differs:"; diff want got | head -10; }
    done
    # The files of empty_files (the last case run).
    [ "$(cat out.csv 2>/dev/null)" = "a,b" ] || bad "empty_files (workers $workers): out.csv not just its header"
    [ -f out.jsonl ] && [ ! -s out.jsonl ] || bad "empty_files (workers $workers): out.jsonl missing or not empty"
    [ -f out.txt ] && [ ! -s out.txt ] || bad "empty_files (workers $workers): out.txt missing or not empty"
done

[ $failures = 0 ]
