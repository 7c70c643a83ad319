# Processing time (`timestamps NAME processing_time`): records are stamped with the wall clock,
# and windows after it close when the wall clock passes their end, also while no record comes.
# A job reads words from a pipe kept open; each second-long window of counts must be written
# while the pipe is still open and quiet, on 1 worker and on 2 (the second reads no input: its
# clock must not hold the windows back). The windows' bounds must lie within the run's wall
# clock; and a job with a state directory resumes from its snapshot of that state.
set -eu
cd "$WORK" && mkdir -p processing_time && cd processing_time

failures=0
bad() { echo "FAIL: $*"; failures=$((failures + 1)); }

cat > words.mstr <<'MSTR'
type Count { word: str; n: u64; start: i64; end: i64; }
source words: str = stdin;
words
  |> timestamps arrival processing_time
  |> key_by word: str { return value; }
  |> window per_second: tumbling(1000) count
  |> map row: Count { return (Count){ key, value.value, value.start, value.end }; }
  |> sink out = csv("counts.csv");
MSTR
"$MSTRC" build words.mstr -o words

. "$ROOT/tests/lib/quiet_input.sh"
for workers in 1 2; do
    feed_quietly counts.csv "./words --workers $workers" 'a\nb\na\n' 2 'c\n' 3 || bad "$workers workers"
    [ "$(tail -n +2 counts.csv | cut -d, -f1,2 | LC_ALL=C sort | tr '\n' ' ')" = "a,2 b,1 c,1 " ] ||
        { bad "$workers workers: counts"; cat counts.csv; }
    odd=$(tail -n +2 counts.csv | awk -F, -v t0="$started" -v t1="$ended" \
              '$4 - $3 != 1000 || $3 % 1000 != 0 || $3 < t0 - 1000 || $4 > t1 + 1000')
    [ -z "$odd" ] || bad "$workers workers: windows outside the run ($started..$ended ms): $odd"
done

# The clock's operator keeps its last epoch and stamp in the snapshots, and a job resumes with
# them: the second run resumes from the first one's snapshot at the end of its input.
printf 'x\ny\n' > two.txt
rm -rf state counts.csv
./words --state-dir state < two.txt > /dev/null 2> first.err || bad "first run with state: exit status $?"
./words --state-dir state < /dev/null > /dev/null 2> second.err || bad "second run with state: exit status $?"
grep -q "resumed from snapshot" second.err || { bad "the second run did not resume"; cat second.err; }
[ $failures = 0 ]
