# The Rust framework's tests of timestamps and epoch generation
# (malstrom-core/src/operators/time/assign_timestamps.rs), ported with their expected
# sequences: an `epochs` block is called after every record, late ones too, with the last
# epoch issued (`prev`, MSTR_EPOCH_MIN where Rust passes None), and what it returns is issued
# after that record if it is greater than `prev`. Every expected output below is the Rust test's
# own; one differs on purpose, said at its case. On one worker: a list source is read in order.
set -eu
cd "$WORK" && mkdir -p epoch_generation && cd epoch_generation
MAX=9223372036854775807
fails=0
bad() { echo "FAIL: $*"; fails=$((fails + 1)); }
# run NAME: builds and runs NAME.mstr on one worker; its stdout must equal NAME.want
run() {
    "$MSTRC" build "$1.mstr" -o "$1" 2> "$1.build" || { bad "$1: build failed: $(cat "$1.build")"; return; }
    ./"$1" --workers 1 > "$1.out" 2> "$1.err" || { bad "$1: exit status $?: $(cat "$1.err")"; return; }
    diff -u "$1.want" "$1.out" > "$1.diff" || { bad "$1: output differs:"; cat "$1.diff"; }
}
head='c {
#include <stdio.h>
}'

# test_timestamp_gets_assigned: 0..10 stamped value * 2, epochs that issue nothing; the
# on-time records come through with timestamps 0, 2, .., 18.
cat > assigned.mstr <<MSTR
$head
source n: i64 = list(0, 1, 2, 3, 4, 5, 6, 7, 8, 9);
stream on = n
  |> timestamps double { return value * 2; }
  |> epochs none { return MSTR_EPOCH_MIN; } late behind;
on |> inspect rec { printf("%lld\n", (long long)ts); } |> sink out = null;
behind |> sink late_out = null;
MSTR
seq 0 2 18 > assigned.want
run assigned

# test_epoch_gets_issued: 0..10 stamped by value, the epoch `timestamp + previous` (previous
# 0 before the first): 0, 1, 3, 6, .., 45, then MAX. Records 3, 5, 6, 7, 8 and 9 are late
# (at or below the last epoch), and give their candidates all the same.
cat > issued.mstr <<MSTR
$head
source n: i64 = list(0, 1, 2, 3, 4, 5, 6, 7, 8, 9);
stream on = n
  |> timestamps at { return value; }
  |> epochs add { return ts + (prev == MSTR_EPOCH_MIN ? 0 : prev); } late behind
  |> inspect_frontier seen { printf("%lld\n", (long long)epoch); };
on |> sink out = null;
behind |> sink late_out = null;
MSTR
printf '%s\n' 0 1 3 6 10 15 21 28 36 45 $MAX > issued.want
run issued

# test_epochs_get_removed: epochs 0..9 from a first `epochs`, then new timestamps and an
# `epochs` that issues nothing. Rust's assign_timestamps drops every epoch but MAX, so its
# test sees only MAX. Ours lets epochs through `timestamps` (docs/language.md, "Event time")
# and counts a record restamped at or below one; here the timestamps are the same, so the
# epochs 0..9 pass and none is counted. This is the one expected output that is not Rust's.
cat > removed.mstr <<MSTR
$head
source n: i64 = list(0, 1, 2, 3, 4, 5, 6, 7, 8, 9);
stream on = n
  |> timestamps at { return value; }
  |> epochs monotonic { return ts; } late behind
  |> timestamps again { return ts; }
  |> epochs none { return MSTR_EPOCH_MIN; } late behind_again
  |> inspect_frontier seen { printf("%lld\n", (long long)epoch); };
on |> sink out = null;
behind |> sink late_out = null;
behind_again |> sink late_again_out = null;
MSTR
printf '%s\n' 0 1 2 3 4 5 6 7 8 9 $MAX > removed.want
run removed

# test_epoch_issued_after_message: 1..4 stamped by value, epoch = timestamp: each epoch comes
# right after its record (Rust encodes an epoch e as -e: 1, -1, 2, -2, 3, -3, -MAX). And the
# same with epochs one below each record's timestamp, which also come after it.
for c in after:ts below:ts-1; do
    cat > "${c%%:*}.mstr" <<MSTR
$head
source n: i64 = list(1, 2, 3);
stream on = n
  |> timestamps at { return value; }
  |> epochs candidate { return ${c#*:}; } late behind
  |> inspect rec { printf("%lld\n", (long long)ts); }
  |> inspect_frontier seen { printf("%lld\n", -(long long)epoch); };
on |> sink out = null;
behind |> sink late_out = null;
MSTR
done
printf '%s\n' 1 -1 2 -2 3 -3 -$MAX > after.want
printf '%s\n' 1 0 2 -1 3 -2 -$MAX > below.want
run after
run below

# test_late_message_into_late_stream: 5..10 then 0..5, epoch = timestamp: 5..9 are on time,
# 0..4 go to the late stream.
cat > late.mstr <<MSTR
$head
source n: i64 = list(5, 6, 7, 8, 9, 0, 1, 2, 3, 4);
stream on = n
  |> timestamps at { return value; }
  |> epochs monotonic { return ts; } late behind;
on |> inspect rec { printf("on time %lld %lld\n", (long long)ts, (long long)value); }
   |> sink out = null;
behind |> inspect rec_late { printf("late %lld\n", (long long)value); } |> sink late_out = null;
MSTR
{ for i in 5 6 7 8 9; do echo "on time $i $i"; done; for i in 0 1 2 3 4; do echo "late $i"; done; } > late.want
run late

# test_ignore_none_or_smaller_epoch: 0..6 at their positions; timestamp 3 gives 2 (not
# greater than the last epoch, 2: ignored), 1 gives none (MSTR_EPOCH_MIN): 0, 2, 4, 5, MAX.
cat > ignored.mstr <<MSTR
$head
source n: i64 = list(0, 1, 2, 3, 4, 5);
stream on = n
  |> epochs out_of_order {
       return ts == 3 ? 2 : ts == 1 ? MSTR_EPOCH_MIN : ts;
     } late behind
  |> inspect_frontier seen { printf("%lld\n", (long long)epoch); };
on |> sink out = null;
behind |> sink late_out = null;
MSTR
printf '%s\n' 0 2 4 5 $MAX > ignored.want
run ignored
[ $fails = 0 ]
