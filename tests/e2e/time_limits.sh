# Event time at the limits of i64, on 1 and 2 workers: windows, sessions and joins whose bounds
# would pass INT64_MIN or INT64_MAX are clamped there (docs/language.md, "Time"): the window
# holding the least timestamps starts at INT64_MIN and ends where it would have, those holding
# the largest end at INT64_MAX, and an interval join matches by the difference of two times,
# computed without overflow. Before, the bounds wrapped (UBSan reported it): windows came out
# with start > end, stamped near INT64_MIN, and records were dropped. Every expected line was
# worked out by hand; there are no epochs, so every window fires at the end of the input.
set -eu
cd "$WORK" && mkdir -p time_limits && cd time_limits
cat > limits.mstr <<'MSTR'
type Ev { k: i64; t: i64; }
type Pair { a: i64; b: i64; }
source evs: Ev = list(Ev { k: 1, t: -9223372036854775808 }, Ev { k: 1, t: -9223372036854775801 },
                      Ev { k: 1, t: -9223372036854775800 }, Ev { k: 1, t: 9223372036854775802 },
                      Ev { k: 1, t: 9223372036854775806 });
source others: Ev = list(Ev { k: 1, t: -9223372036854775803 }, Ev { k: 1, t: 9223372036854775804 });
stream left = evs |> timestamps at { return value.t; } |> key_by k: i64 { return value.k; };
stream right = others |> timestamps at2 { return value.t; } |> key_by k2: i64 { return value.k; };
left |> window tumbling10: tumbling(10) count
  |> map t1: str { return mstr_str_printf(ctx, "tumbling %" PRId64 " %" PRId64 " %" PRIu64 " @%" PRId64, value.start, value.end, value.value, ts); }
  |> sink out1 = stdout;
left |> window sliding10: sliding(10, 5) count
  |> filter high { return value.start > 0; }
  |> map t2: str { return mstr_str_printf(ctx, "sliding %" PRId64 " %" PRId64 " %" PRIu64 " @%" PRId64, value.start, value.end, value.value, ts); }
  |> sink out2 = stdout;
left |> window session100: session(100) count
  |> map t3: str { return mstr_str_printf(ctx, "session %" PRId64 " %" PRId64 " %" PRIu64 " @%" PRId64, value.start, value.end, value.value, ts); }
  |> sink out3 = stdout;
left |> window_join wj: Pair tumbling(10) with right { return (Pair){ value.t, other.t }; }
  |> map t4: str { return mstr_str_printf(ctx, "window_join %" PRId64 " %" PRId64 " @%" PRId64, value.a, value.b, ts); }
  |> sink out4 = stdout;
left |> interval_join ij: Pair with right between(-100, 100) { return (Pair){ value.t, other.t }; }
  |> map t5: str { return mstr_str_printf(ctx, "interval_join %" PRId64 " %" PRId64 " @%" PRId64, value.a, value.b, ts); }
  |> sink out5 = stdout;
MSTR
"$MSTRC" build limits.mstr -o limits
# MIN, MIN+7 in the tumbling window [MIN-2, MIN+8), clamped to [MIN, MIN+8); MIN+8 opens the next.
# MAX-5 and MAX-1: [MAX-7, MAX+3) clamped to end at MAX. Sliding (10, 5) near MAX: windows from
# MAX-12, MAX-7 and MAX-2; those near MIN are left out (they start before INT64_MIN and are
# clamped into one). Sessions: MIN .. MIN+8 make one of [MIN, MIN+108); MAX-5 and MAX-1 one that
# ends at MAX. Joins: MIN+5 meets MIN and MIN+7 in their tumbling window, MAX-3 meets MAX-5 and
# MAX-1; by interval, each right record meets the left ones within 100 of it, and none across
# the whole range (the difference overflows i64), except the left one at MIN: that is at the
# initial frontier, so late for an interval join (counted, as any late record).
cat > want <<'WANT'
tumbling -9223372036854775808 -9223372036854775800 2 @-9223372036854775801
tumbling -9223372036854775800 -9223372036854775790 1 @-9223372036854775791
tumbling 9223372036854775800 9223372036854775807 2 @9223372036854775806
sliding 9223372036854775795 9223372036854775805 1 @9223372036854775804
sliding 9223372036854775800 9223372036854775807 2 @9223372036854775806
sliding 9223372036854775805 9223372036854775807 1 @9223372036854775806
session -9223372036854775808 -9223372036854775700 3 @-9223372036854775701
session 9223372036854775802 9223372036854775807 2 @9223372036854775806
window_join -9223372036854775808 -9223372036854775803 @-9223372036854775801
window_join -9223372036854775801 -9223372036854775803 @-9223372036854775801
window_join 9223372036854775802 9223372036854775804 @9223372036854775806
window_join 9223372036854775806 9223372036854775804 @9223372036854775806
interval_join -9223372036854775801 -9223372036854775803 @-9223372036854775801
interval_join -9223372036854775800 -9223372036854775803 @-9223372036854775800
interval_join 9223372036854775802 9223372036854775804 @9223372036854775804
interval_join 9223372036854775806 9223372036854775804 @9223372036854775806
WANT
sort want > want.sorted
for workers in 1 2; do
    ./limits --workers "$workers" > out 2> err
    [ ! -s err ] || { echo "stderr on $workers workers:"; cat err; exit 1; }
    sed 's/^{ key: 1, value: "\(.*\)", timestamp: .* }$/\1/' out | sort |
        diff -u want.sorted - || { echo "differs on $workers workers"; exit 1; }
done
