# Epochs kept per source partition (docs/language.md, "Epochs per partition"): a worker that
# reads several partitions issues the least of their epochs, and a record is late only at or
# below its own partition's, so a partition ahead in event time makes no record of another
# late, and the output is the same on any number of workers. Every expected output below was
# worked out by hand; nothing was copied from a run.
#
# Two files of one `csv` source: ahead.csv holds timestamps 100 .. 299, behind.csv 0 .. 99,
# each in order, so that behind.csv ends (its last read finds its end before its last records
# run) while ahead.csv goes on. On one worker both partitions are read in turn, MSTR_TEST_POLL_RECORDS at a
# time; with epochs per worker, every record of behind.csv would come after an epoch of
# ahead.txt and be late. Cases:
#   - bounded(0) with a late stream, counted in tumbling(10) windows: 30 windows of 10, no late
#     record, on 1 and 2 workers, polling 1, 7 or all records at a time;
#   - a block that uses `prev` (a partition's own last epoch), after a union with a second
#     source: it issues every other timestamp, and nothing is late either;
#   - after a key_by, where epochs stay per worker: its shape says so in the snapshot, and on
#     one worker, polling one record at a time, records of behind.csv are late there (the
#     frontier over the exchange is that worker's), which is why an epochs operator belongs
#     right after its source.
set -eu
cd "$WORK" && mkdir -p epochs_per_partition && cd epochs_per_partition
fails=0
bad() { echo "FAIL: $*"; fails=$((fails + 1)); }

{ echo t; seq 100 299; } > ahead.csv
{ echo t; seq 0 99; } > behind.csv

# build NAME: NAME.mstr into ./NAME
build() {
    "$MSTRC" build "$1.mstr" -o "$1" 2> "$1.build" || { bad "$1: build failed: $(cat "$1.build")"; return 1; }
}

# check NAME WANT WORKERS POLL: NAME on WORKERS workers, POLL records a poll, prints the lines
# of WANT as the values of its records (sorted: workers interleave)
check() {
    local out=$1.w$3.p$4.out
    MSTR_TEST_POLL_RECORDS=$4 ./"$1" --workers "$3" > "$out" 2> "$out.err" ||
        { bad "$1 on $3 workers, poll $4: exit status $?: $(cat "$out.err")"; return; }
    sed 's/^{ key: 0, value: "\(.*\)", timestamp: -\{0,1\}[0-9]* }$/\1/' "$out" | sort |
        diff -u <(sort "$2") - > "$out.diff" ||
        { bad "$1 on $3 workers, poll $4: output differs:"; cat "$out.diff"; }
}

# program NAME SOURCES STEPS: NAME.mstr, which reads the two files (and SOURCES), stamps
# their records with their timestamps, runs them through STEPS, counts them per tumbling window
# of 10 and prints the counts and the records of the late stream.
program() {
    cat > "$1.mstr" <<MSTR
type Row { t: i64; }
source ts: Row = csv("ahead.csv", "behind.csv");
$2
ts
  |> timestamps at { return value.t; }
$3
  |> window tens: tumbling(10) count
  |> map line: str { return mstr_str_printf(ctx, "window %lld count %llu", (long long)value.start, (unsigned long long)value.value); }
  |> sink counts = stdout;
too_late |> map late_line: str { return mstr_str_printf(ctx, "late %lld", (long long)value.t); } |> sink late_out = stdout;
MSTR
}

program windows "" "  |> epochs wm bounded(0) late too_late
  |> key_by all: u8 { return 0; }"
for start in $(seq 0 10 290); do echo "window $start count 10"; done > windows.want
if build windows; then
    for workers in 1 2; do
        for poll in 1 7 1000; do check windows windows.want $workers $poll; done
    done
fi

# prev is the partition's: each partition issues every other timestamp (ts when it is 2 above
# its own last epoch, or its first); the union's second input, a list of 10 records stamped by
# their index 0 .. 9, has a partition of its own (on worker 0). Nothing is late anywhere.
program prev "source few: Row = list(Row { t: 0 }, Row { t: 1 }, Row { t: 2 }, Row { t: 3 },
    Row { t: 4 }, Row { t: 5 }, Row { t: 6 }, Row { t: 7 }, Row { t: 8 }, Row { t: 9 });" \
"  |> union both(few)
  |> epochs every_other { return prev == MSTR_EPOCH_MIN || ts >= prev + 2 ? ts : prev; } late too_late
  |> key_by all: u8 { return 0; }"
{ echo "window 0 count 20"; for start in $(seq 10 10 290); do echo "window $start count 10"; done; } > prev.want
if build prev; then
    for workers in 1 2; do check prev prev.want $workers 3; done
fi

# After a key_by the epochs are the worker's. On one worker polling one record at a time, the
# partitions alternate: 100, 0, 101, 1, ...; each record of ahead.csv issues its timestamp, so
# every record of behind.csv (at most 99) comes after an epoch of at least 100 and is late.
program exchanged "" "  |> key_by all: u8 { return 0; }
  |> epochs wm bounded(0) late too_late"
{ for start in $(seq 100 10 290); do echo "window $start count 10"; done; seq 0 99 | sed 's/^/late /'; } > exchanged.want
if build exchanged; then
    check exchanged exchanged.want 1 1
    "$MSTRC" emit exchanged.mstr | grep -q '\.shape = "epochs(bounded 0) key u8"' ||
        bad "exchanged: its epochs are not kept per worker"
    "$MSTRC" emit windows.mstr | grep -q '\.shape = "epochs(bounded 0) per partition"' ||
        bad "windows: its epochs are not kept per partition"
fi

[ $fails = 0 ]
