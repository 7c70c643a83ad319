# Event time at its edges, on 1, 2 and 4 workers (E2E_WORKERS: fewer under the sanitizers,
# see tests/run-e2e.sh): which windows a record falls in (a window's
# start, end - 1 and end; sliding windows that overlap; negative timestamps, which round down),
# when windows fire (at end - 1, or only with the MAX epoch that ends a finite stream), equal
# timestamps under bounded(0) and bounded(1), epochs from a block that returns equal or smaller
# candidates, bounded(B) on out-of-order input, the frontier after a union and after a key_by
# (the minimum over inputs and workers), late records with and without a late stream on epochs
# and on windows, session windows (bridged by a late-coming record, independent per key) and
# every aggregate, and ttl_map's expiry boundary. Every expected output below was worked out by hand from docs/language.md
# ("Time", "Event time, windows and joins"); nothing here was copied from a run.
#
# Each case is NAME.mstr; NAME.want is its exact stdout (compared sorted, as workers
# interleave, unless its check says otherwise), NAME.stats lines that --stats must print
# (checksums cut), and check_NAME, when defined, checks what a plain comparison cannot: the
# printf traces of inspect_frontier are checked in order per worker and, for the frontier after
# an exchange or a union, against the epochs its inputs had shown so far (check_trace.py).
set -eu
cd "$WORK" && mkdir -p time_boundaries && cd time_boundaries

MAX=9223372036854775807

# ---- window assignment -------------------------------------------------------------------

# tumbling(10) on three keys, in timestamp order (bounded(0): nothing is late). Key 1 has
# records at a window's start (-10, 0, 10, 20), at end - 1 (-1, 9, 19), and 10 and 20 are at
# the end of the window before, so they open the next one. Negative timestamps round down:
# -1 is in [-10, 0), -11 in [-20, -10), and far from zero -1000000000001 is in
# [-1000000000010, -1000000000000), at its end - 1. Key 1's last window [20, 30) closes only
# with the MAX epoch at the end of the stream (the last epoch before it is 20 < 29).
cat > tumbling_bounds.mstr <<'MSTR'
type Ev { k: i64; t: i64; }
source evs: Ev = list(
    Ev { k: 3, t: -1000000000001 }, Ev { k: 3, t: -1000000000000 }, Ev { k: 2, t: -11 },
    Ev { k: 1, t: -10 }, Ev { k: 1, t: -1 }, Ev { k: 1, t: 0 }, Ev { k: 2, t: 5 },
    Ev { k: 1, t: 9 }, Ev { k: 1, t: 10 }, Ev { k: 1, t: 19 }, Ev { k: 1, t: 20 }
);
stream keyed = evs
  |> timestamps at { return value.t; }
  |> epochs wm bounded(0)
  |> key_by k: i64 { return value.k; };
keyed |> window n: tumbling(10) count |> sink counts = stdout;
keyed |> window total: tumbling(10) sum: i64 { return value.t; } |> sink totals = stdout;
MSTR
cat > tumbling_bounds.want <<OUT
{ key: 3, value: Window_u64 { start: -1000000000010, end: -1000000000000, value: 1 }, timestamp: -1000000000001 }
{ key: 3, value: Window_u64 { start: -1000000000000, end: -999999999990, value: 1 }, timestamp: -999999999991 }
{ key: 2, value: Window_u64 { start: -20, end: -10, value: 1 }, timestamp: -11 }
{ key: 1, value: Window_u64 { start: -10, end: 0, value: 2 }, timestamp: -1 }
{ key: 1, value: Window_u64 { start: 0, end: 10, value: 2 }, timestamp: 9 }
{ key: 2, value: Window_u64 { start: 0, end: 10, value: 1 }, timestamp: 9 }
{ key: 1, value: Window_u64 { start: 10, end: 20, value: 2 }, timestamp: 19 }
{ key: 1, value: Window_u64 { start: 20, end: 30, value: 1 }, timestamp: 29 }
{ key: 3, value: Window_i64 { start: -1000000000010, end: -1000000000000, value: -1000000000001 }, timestamp: -1000000000001 }
{ key: 3, value: Window_i64 { start: -1000000000000, end: -999999999990, value: -1000000000000 }, timestamp: -999999999991 }
{ key: 2, value: Window_i64 { start: -20, end: -10, value: -11 }, timestamp: -11 }
{ key: 1, value: Window_i64 { start: -10, end: 0, value: -11 }, timestamp: -1 }
{ key: 1, value: Window_i64 { start: 0, end: 10, value: 9 }, timestamp: 9 }
{ key: 2, value: Window_i64 { start: 0, end: 10, value: 5 }, timestamp: 9 }
{ key: 1, value: Window_i64 { start: 10, end: 20, value: 29 }, timestamp: 19 }
{ key: 1, value: Window_i64 { start: 20, end: 30, value: 20 }, timestamp: 29 }
OUT
cat > tumbling_bounds.stats <<OUT
mstr: epochs 'wm': late records dropped: 0
mstr: window 'n': late records dropped: 0
mstr: window 'total': late records dropped: 0
mstr: sink 'counts': 8 records
mstr: sink 'totals': 8 records
OUT

# When each window fires. One key, so the key_by sends every record to one worker, in order,
# and the epochs made after it there (bounded(0): -10, -1, 0, 9, 10, 19, 20, then MAX) are
# the same on any number of workers. A stateful_op after the window keeps each window it gets
# and reports it with the next epoch it sees: the epoch that fired it. [-10, 0) fires at -1
# (its end - 1, issued after the record at -1), [0, 10) at 9, [10, 20) at 19, and [20, 30)
# only at MAX. One worker prints everything, so the order is part of the expectation.
cat > fire_times.mstr <<'MSTR'
type Ev { k: i64; t: i64; }
type Pending { start: i64; end: i64; n: u64; set: bool; }
type Fired { start: i64; end: i64; n: u64; at: i64; }
source evs: Ev = list(
    Ev { k: 1, t: -10 }, Ev { k: 1, t: -1 }, Ev { k: 1, t: 0 }, Ev { k: 1, t: 9 },
    Ev { k: 1, t: 10 }, Ev { k: 1, t: 19 }, Ev { k: 1, t: 20 }
);
evs
  |> timestamps at { return value.t; }
  |> key_by k: i64 { return value.k; }
  |> epochs wm bounded(0)
  |> window n: tumbling(10) count
  |> stateful_op fired_at: Fired (state Pending) {
       *state = (Pending){ value.start, value.end, value.value, true };
     } on_epoch {
       if (state->set) {
         emit(((Fired){ state->start, state->end, state->n, epoch }));
         drop_state();
       }
     }
  |> sink out = stdout;
MSTR
cat > fire_times.want <<OUT
{ key: 1, value: Fired { start: -10, end: 0, n: 2, at: -1 }, timestamp: -1 }
{ key: 1, value: Fired { start: 0, end: 10, n: 2, at: 9 }, timestamp: 9 }
{ key: 1, value: Fired { start: 10, end: 20, n: 2, at: 19 }, timestamp: 19 }
{ key: 1, value: Fired { start: 20, end: 30, n: 1, at: $MAX }, timestamp: $MAX }
OUT
cat > fire_times.stats <<OUT
mstr: sink 'out': 4 records
OUT
check_fire_times() { same_ordered fire_times.want out "$2"; }

# Sliding windows [k*P, k*P + S). sliding(6, 2): a record is in three windows (-1 in [-6, 0),
# [-4, 2), [-2, 4)); the reduce lists the records of each window in arrival order. sliding(5, 2),
# where the slide does not divide the size: a record is in two or three windows (-1 in [-4, 1)
# and [-2, 3); 0 in [-4, 1), [-2, 3), [0, 5)); 7 is not in [2, 7).
cat > sliding_multi.mstr <<'MSTR'
type Ev { k: i64; t: i64; }
source evs: Ev = list(
    Ev { k: 1, t: -1 }, Ev { k: 1, t: 0 }, Ev { k: 1, t: 3 }, Ev { k: 2, t: 4 }, Ev { k: 1, t: 7 }
);
stream keyed = evs
  |> timestamps at { return value.t; }
  |> epochs wm bounded(0)
  |> key_by k: i64 { return value.k; };
keyed
  |> window members: sliding(6, 2) reduce: str {
       *acc = first ? mstr_str_printf(ctx, "%lld", (long long)value.t)
                    : mstr_str_printf(ctx, "%.*s,%lld", (int)acc->len, acc->ptr,
                                      (long long)value.t);
     }
  |> sink members_out = stdout;
keyed |> window n: sliding(5, 2) count |> sink counts = stdout;
MSTR
cat > sliding_multi.want <<OUT
{ key: 1, value: Window_str { start: -6, end: 0, value: "-1" }, timestamp: -1 }
{ key: 1, value: Window_str { start: -4, end: 2, value: "-1,0" }, timestamp: 1 }
{ key: 1, value: Window_str { start: -2, end: 4, value: "-1,0,3" }, timestamp: 3 }
{ key: 1, value: Window_str { start: 0, end: 6, value: "0,3" }, timestamp: 5 }
{ key: 1, value: Window_str { start: 2, end: 8, value: "3,7" }, timestamp: 7 }
{ key: 1, value: Window_str { start: 4, end: 10, value: "7" }, timestamp: 9 }
{ key: 1, value: Window_str { start: 6, end: 12, value: "7" }, timestamp: 11 }
{ key: 2, value: Window_str { start: 0, end: 6, value: "4" }, timestamp: 5 }
{ key: 2, value: Window_str { start: 2, end: 8, value: "4" }, timestamp: 7 }
{ key: 2, value: Window_str { start: 4, end: 10, value: "4" }, timestamp: 9 }
{ key: 1, value: Window_u64 { start: -4, end: 1, value: 2 }, timestamp: 0 }
{ key: 1, value: Window_u64 { start: -2, end: 3, value: 2 }, timestamp: 2 }
{ key: 1, value: Window_u64 { start: 0, end: 5, value: 2 }, timestamp: 4 }
{ key: 1, value: Window_u64 { start: 2, end: 7, value: 1 }, timestamp: 6 }
{ key: 1, value: Window_u64 { start: 4, end: 9, value: 1 }, timestamp: 8 }
{ key: 1, value: Window_u64 { start: 6, end: 11, value: 1 }, timestamp: 10 }
{ key: 2, value: Window_u64 { start: 0, end: 5, value: 1 }, timestamp: 4 }
{ key: 2, value: Window_u64 { start: 2, end: 7, value: 1 }, timestamp: 6 }
{ key: 2, value: Window_u64 { start: 4, end: 9, value: 1 }, timestamp: 8 }
OUT
cat > sliding_multi.stats <<OUT
mstr: sink 'members_out': 10 records
mstr: sink 'counts': 9 records
OUT

# ---- epochs ------------------------------------------------------------------------------

# Equal timestamps 5, 5, 6, 7, 6 through four epochs operators, each on its own copy of the
# data (k tells them apart). bounded(0) issues 5 after the first record, so the second 5 is
# late, and so is the last 6 (after epoch 7): the window [0, 10) gets 5, 6, 7. bounded(1)
# issues 4, so both 5s pass; only the last 6 (after epoch 6) is late. The same bounded(0)
# without a late stream counts its two late records; a block returning ts behaves as
# bounded(0).
cat > equal_ts.mstr <<'MSTR'
type Ev { k: i64; t: i64; }
source exact_in: Ev = list(
    Ev { k: 10, t: 5 }, Ev { k: 10, t: 5 }, Ev { k: 10, t: 6 }, Ev { k: 10, t: 7 }, Ev { k: 10, t: 6 }
);
source slack_in: Ev = list(
    Ev { k: 20, t: 5 }, Ev { k: 20, t: 5 }, Ev { k: 20, t: 6 }, Ev { k: 20, t: 7 }, Ev { k: 20, t: 6 }
);
source dropping_in: Ev = list(
    Ev { k: 30, t: 5 }, Ev { k: 30, t: 5 }, Ev { k: 30, t: 6 }, Ev { k: 30, t: 7 }, Ev { k: 30, t: 6 }
);
source block_in: Ev = list(
    Ev { k: 40, t: 5 }, Ev { k: 40, t: 5 }, Ev { k: 40, t: 6 }, Ev { k: 40, t: 7 }, Ev { k: 40, t: 6 }
);
exact_in
  |> timestamps exact_at { return value.t; }
  |> epochs exact bounded(0) late exact_late
  |> key_by exact_k: i64 { return value.k; }
  |> window exact_n: tumbling(10) count
  |> sink exact_out = stdout;
exact_late |> sink exact_late_out = stdout;
slack_in
  |> timestamps slack_at { return value.t; }
  |> epochs slack bounded(1) late slack_late
  |> key_by slack_k: i64 { return value.k; }
  |> window slack_n: tumbling(10) count
  |> sink slack_out = stdout;
slack_late |> sink slack_late_out = stdout;
dropping_in
  |> timestamps dropping_at { return value.t; }
  |> epochs dropping bounded(0)
  |> key_by dropping_k: i64 { return value.k; }
  |> window dropping_sum: tumbling(10) sum: i64 { return value.t; }
  |> sink dropping_out = stdout;
block_in
  |> timestamps block_at { return value.t; }
  |> epochs block { return ts; } late block_late
  |> key_by block_k: i64 { return value.k; }
  |> window block_n: tumbling(10) count
  |> sink block_out = stdout;
block_late |> sink block_late_out = stdout;
MSTR
cat > equal_ts.want <<OUT
{ key: 10, value: Window_u64 { start: 0, end: 10, value: 3 }, timestamp: 9 }
{ key: NoKey, value: Ev { k: 10, t: 5 }, timestamp: 5 }
{ key: NoKey, value: Ev { k: 10, t: 6 }, timestamp: 6 }
{ key: 20, value: Window_u64 { start: 0, end: 10, value: 4 }, timestamp: 9 }
{ key: NoKey, value: Ev { k: 20, t: 6 }, timestamp: 6 }
{ key: 30, value: Window_i64 { start: 0, end: 10, value: 18 }, timestamp: 9 }
{ key: 40, value: Window_u64 { start: 0, end: 10, value: 3 }, timestamp: 9 }
{ key: NoKey, value: Ev { k: 40, t: 5 }, timestamp: 5 }
{ key: NoKey, value: Ev { k: 40, t: 6 }, timestamp: 6 }
OUT
cat > equal_ts.stats <<OUT
mstr: epochs 'dropping': late records dropped: 2
mstr: sink 'exact_late_out': 2 records
mstr: sink 'slack_late_out': 1 records
mstr: sink 'block_late_out': 2 records
OUT

# A block's candidates: equal (0 after 0, 4 after 4) and smaller ones (-5, 2) are ignored and
# counted; `prev + 1` (c = 999) shows that prev is the last epoch issued (4, so 5 is issued).
# Worker 0, which runs the list, must see exactly 0, 4, 5, 9, 100, MAX, and every record; the
# other workers only MAX. After a key_by each worker's frontier must rise strictly, end with
# MAX, and never pass what worker 0 had issued (check_trace.py; the other workers read no
# part of the list, so they can send nothing that epoch would make late).
cat > epoch_candidates.mstr <<'MSTR'
c {
#include <stdio.h>
}
type Ev { t: i64; c: i64; }
source evs: Ev = list(
    Ev { t: 1, c: 0 }, Ev { t: 2, c: 0 }, Ev { t: 3, c: -5 }, Ev { t: 4, c: 4 },
    Ev { t: 10, c: 4 }, Ev { t: 11, c: 2 }, Ev { t: 12, c: 999 }, Ev { t: 13, c: 9 },
    Ev { t: 14, c: 100 }
);
stream issued = evs
  |> timestamps at { return value.t; }
  |> epochs user { return value.c == 999 ? prev + 1 : value.c; }
  |> inspect_frontier seen { printf("seen %d %lld\n", ctx->worker, (long long)epoch); }
  |> inspect rec { printf("rec %d %lld\n", ctx->worker, (long long)ts); };
issued
  |> key_by k: i64 { return value.t % 3; }
  |> inspect_frontier keyed { printf("keyed %d %lld\n", ctx->worker, (long long)epoch); }
  |> sink done = null;
MSTR
cat > epoch_candidates.seen <<OUT
seen 0 0
seen 0 4
seen 0 5
seen 0 9
seen 0 100
seen 0 $MAX
OUT
printf 'rec 0 %s\n' 1 2 3 4 10 11 12 13 14 > epoch_candidates.rec
cat > epoch_candidates.stats <<OUT
mstr: epochs 'user': candidates ignored: 4
mstr: epochs 'user': late records dropped: 0
mstr: sink 'done': 9 records
OUT
check_epoch_candidates() {
    grep '^seen 0 ' out > got || true
    same_ordered epoch_candidates.seen got "$2: epochs seen on worker 0"
    grep '^rec ' out > got || true
    same_ordered epoch_candidates.rec got "$2: records"
    grep '^seen [1-9]' out > got || true
    others seen "$1" > want
    same_sorted want got "$2: epochs seen on the other workers"
    python3 check_trace.py out "$1" 'keyed<=0:seen' || bad "$2: frontier after the key_by"
}

# bounded(3) on 5, 2, 9, 7, 8, 3, 15, 12: the epochs are 2 (5 - 3), 6 (9 - 3), 12 (15 - 3); 7
# and 8 pass (above 6, and their candidate 6 is not new); 2, 3 and 12 are at or below the
# last epoch, so they go to the late stream. The window gets 5, 9, 7, 8 in [5, 10) and 15.
# The frontier after the key_by is checked as in epoch_candidates.
cat > bounded_out_of_order.mstr <<'MSTR'
c {
#include <stdio.h>
}
source evs: i64 = list(5, 2, 9, 7, 8, 3, 15, 12);
stream passed = evs
  |> timestamps at { return value; }
  |> epochs wm bounded(3) late behind
  |> inspect_frontier seen { printf("seen %d %lld\n", ctx->worker, (long long)epoch); }
  |> inspect rec { printf("rec %d %lld\n", ctx->worker, (long long)ts); };
passed
  |> key_by one: i64 { return 0; }
  |> inspect_frontier keyed { printf("keyed %d %lld\n", ctx->worker, (long long)epoch); }
  |> window n: tumbling(5) count
  |> inspect win {
       printf("win %lld %lld %llu %lld\n", (long long)value.start, (long long)value.end,
              (unsigned long long)value.value, (long long)ts);
     }
  |> sink done = null;
behind
  |> inspect late_rec { printf("late %d %lld\n", ctx->worker, (long long)ts); }
  |> sink behind_out = null;
MSTR
cat > bounded_out_of_order.seen <<OUT
seen 0 2
seen 0 6
seen 0 12
seen 0 $MAX
OUT
printf 'rec 0 %s\n' 5 9 7 8 15 > bounded_out_of_order.rec
printf 'late 0 %s\n' 2 3 12 > bounded_out_of_order.late
cat > bounded_out_of_order.win <<OUT
win 5 10 4 9
win 15 20 1 19
OUT
cat > bounded_out_of_order.stats <<OUT
mstr: sink 'done': 2 records
mstr: sink 'behind_out': 3 records
OUT
check_bounded_out_of_order() {
    grep '^seen 0 ' out > got || true
    same_ordered bounded_out_of_order.seen got "$2: epochs seen on worker 0"
    grep '^rec ' out > got || true
    same_ordered bounded_out_of_order.rec got "$2: records passed"
    grep '^late ' out > got || true
    same_ordered bounded_out_of_order.late got "$2: late records"
    grep '^win ' out > got || true
    same_sorted bounded_out_of_order.win got "$2: windows"
    grep '^seen [1-9]' out > got || true
    others seen "$1" > want
    same_sorted want got "$2: epochs seen on the other workers"
    python3 check_trace.py out "$1" 'keyed<=0:seen' || bad "$2: frontier after the key_by"
}

# ---- frontier merging --------------------------------------------------------------------

# Two ranges, cut into one part per worker, with epochs from the values (bounded(0)): `slow`
# issues 0..999, `fast` the same plus 1000000, far ahead. Checked on the trace (each worker's
# printf lines, in the order they were printed): a union on the same worker (fu) never shows
# an epoch above the smaller of what its two inputs (fa, fb) have shown there; after a key_by
# (fk) a worker never shows one above the smallest that fa has shown on any worker, since each
# worker holds a different part of the range; a union of two exchanged streams (fm) stays at
# or below every worker's fa and fb, and its own worker's fk. Every inspect_frontier rises
# strictly and ends with MAX on every worker; fa and fb together show each value once.
cat > frontier_merge.mstr <<'MSTR'
c {
#include <stdio.h>
}
source a: i64 = range(0, 1000);
source b: i64 = range(0, 1000);
stream slow = a
  |> timestamps a_at { return value; }
  |> epochs a_wm bounded(0)
  |> inspect_frontier fa { printf("fa %d %lld\n", ctx->worker, (long long)epoch); };
stream fast = b
  |> timestamps b_at { return value + 1000000; }
  |> epochs b_wm bounded(0)
  |> inspect_frontier fb { printf("fb %d %lld\n", ctx->worker, (long long)epoch); };
slow
  |> union local(fast)
  |> inspect_frontier fu { printf("fu %d %lld\n", ctx->worker, (long long)epoch); }
  |> sink local_out = null;
stream slow_keyed = slow
  |> key_by ka: i64 { return value % 7; }
  |> inspect_frontier fk { printf("fk %d %lld\n", ctx->worker, (long long)epoch); };
stream fast_keyed = fast |> key_by kb: i64 { return value % 7; };
slow_keyed
  |> union merged(fast_keyed)
  |> inspect_frontier fm { printf("fm %d %lld\n", ctx->worker, (long long)epoch); }
  |> sink merged_out = null;
MSTR
cat > frontier_merge.stats <<OUT
mstr: sink 'local_out': 2000 records
mstr: sink 'merged_out': 2000 records
OUT
check_frontier_merge() {
    python3 check_trace.py out "$1" 'fu<=local:fa,fb' 'fk<=all:fa' 'fm<=all:fa,fb' \
        'fm<=local:fk' 'fa=0:1000' 'fb=1000000:1001000' || bad "$2: frontier trace"
}

# ---- late records on windows -------------------------------------------------------------

# Records behind the frontier reach a window only if their timestamps change after the
# epochs: here the key_by comes first, so the epochs (bounded(0) on t: 3, 12, 13, 14, 25, 26)
# and the windows run on the key's worker, in the same order on any number of workers; then
# ts = t - back; 'back' counts the three records it stamps at or below the epoch that passed
# it (8 <= 12, 12 <= 13, 6 <= 25) and lets them go on. tumbling(10): [0, 10) fires at 12, so ts 8 (t 13) and ts 6 (t 26) are late
# and go to the late stream, keyed, with their new timestamps. sliding(10, 5) without a late
# stream: ts 8 is still in the open [5, 15) (only [0, 10) has fired), so it is not late; ts 6
# comes after [5, 15) fired at 14 and is counted as dropped.
cat > window_late.mstr <<'MSTR'
type Ev { k: i64; t: i64; back: i64; }
source evs: Ev = list(
    Ev { k: 1, t: 3, back: 0 }, Ev { k: 1, t: 12, back: 0 }, Ev { k: 1, t: 13, back: 5 },
    Ev { k: 1, t: 14, back: 2 }, Ev { k: 1, t: 25, back: 0 }, Ev { k: 1, t: 26, back: 20 }
);
stream shifted = evs
  |> timestamps at { return value.t; }
  |> key_by k: i64 { return value.k; }
  |> epochs wm bounded(0)
  |> timestamps back { return ts - value.back; };
shifted |> window tumbling_n: tumbling(10) count late too_late |> sink tumbling_out = stdout;
shifted |> window sliding_n: sliding(10, 5) count |> sink sliding_out = stdout;
too_late |> sink too_late_out = stdout;
MSTR
cat > window_late.want <<OUT
{ key: 1, value: Window_u64 { start: 0, end: 10, value: 1 }, timestamp: 9 }
{ key: 1, value: Window_u64 { start: 10, end: 20, value: 2 }, timestamp: 19 }
{ key: 1, value: Window_u64 { start: 20, end: 30, value: 1 }, timestamp: 29 }
{ key: 1, value: Ev { k: 1, t: 13, back: 5 }, timestamp: 8 }
{ key: 1, value: Ev { k: 1, t: 26, back: 20 }, timestamp: 6 }
{ key: 1, value: Window_u64 { start: -5, end: 5, value: 1 }, timestamp: 4 }
{ key: 1, value: Window_u64 { start: 0, end: 10, value: 1 }, timestamp: 9 }
{ key: 1, value: Window_u64 { start: 5, end: 15, value: 3 }, timestamp: 14 }
{ key: 1, value: Window_u64 { start: 10, end: 20, value: 2 }, timestamp: 19 }
{ key: 1, value: Window_u64 { start: 20, end: 30, value: 1 }, timestamp: 29 }
{ key: 1, value: Window_u64 { start: 25, end: 35, value: 1 }, timestamp: 34 }
OUT
cat > window_late.stats <<OUT
mstr: timestamps 'at': records stamped at or below the frontier: 0
mstr: timestamps 'back': records stamped at or below the frontier: 3
mstr: epochs 'wm': late records dropped: 0
mstr: window 'sliding_n': late records dropped: 1
mstr: sink 'tumbling_out': 3 records
mstr: sink 'sliding_out': 6 records
mstr: sink 'too_late_out': 2 records
OUT

# ---- session windows ---------------------------------------------------------------------

# session(5) with bounded(4) epochs (-4, -3, -1, 0, 6, then 26 after t 30). Key 1: 0 and 3
# make [0, 8), 10 makes [10, 15), and 7 (closer than 5 to both 3 and 10, arriving while the
# frontier is 6) bridges them into [0, 15) with four records. Key 2's 1, 4, 8 make [1, 13) on
# their own: sessions are per key, though key 1's [0, 15) spans them. Key 2's 20 comes after
# epoch 26 and goes to the late stream; key 1's 30 closes only with MAX. key_local gives each
# aggregate its own keys (sum 11/12, min 21/22, max 31/32): a merge keeps the smallest and
# largest of both sessions, not the bridging record's.
cat > sessions.mstr <<'MSTR'
type Ev { k: i64; t: i64; }
source evs: Ev = list(
    Ev { k: 1, t: 0 }, Ev { k: 2, t: 1 }, Ev { k: 1, t: 3 }, Ev { k: 2, t: 4 },
    Ev { k: 1, t: 10 }, Ev { k: 1, t: 7 }, Ev { k: 2, t: 8 }, Ev { k: 1, t: 30 },
    Ev { k: 2, t: 20 }
);
stream keyed = evs
  |> timestamps at { return value.t; }
  |> epochs wm bounded(4) late behind
  |> key_by k: i64 { return value.k; };
keyed |> window visits: session(5) count |> sink visits_out = stdout;
keyed
  |> key_local as_sum: i64 { return key + 10; }
  |> window total: session(5) sum: i64 { return value.t; }
  |> sink total_out = stdout;
keyed
  |> key_local as_min: i64 { return key + 20; }
  |> window least: session(5) min: i64 { return value.t; }
  |> sink least_out = stdout;
keyed
  |> key_local as_max: i64 { return key + 30; }
  |> window most: session(5) max: i64 { return value.t; }
  |> sink most_out = stdout;
behind |> sink behind_out = stdout;
MSTR
cat > sessions.want <<OUT
{ key: 1, value: Window_u64 { start: 0, end: 15, value: 4 }, timestamp: 14 }
{ key: 1, value: Window_u64 { start: 30, end: 35, value: 1 }, timestamp: 34 }
{ key: 2, value: Window_u64 { start: 1, end: 13, value: 3 }, timestamp: 12 }
{ key: 11, value: Window_i64 { start: 0, end: 15, value: 20 }, timestamp: 14 }
{ key: 11, value: Window_i64 { start: 30, end: 35, value: 30 }, timestamp: 34 }
{ key: 12, value: Window_i64 { start: 1, end: 13, value: 13 }, timestamp: 12 }
{ key: 21, value: Window_i64 { start: 0, end: 15, value: 0 }, timestamp: 14 }
{ key: 21, value: Window_i64 { start: 30, end: 35, value: 30 }, timestamp: 34 }
{ key: 22, value: Window_i64 { start: 1, end: 13, value: 1 }, timestamp: 12 }
{ key: 31, value: Window_i64 { start: 0, end: 15, value: 10 }, timestamp: 14 }
{ key: 31, value: Window_i64 { start: 30, end: 35, value: 30 }, timestamp: 34 }
{ key: 32, value: Window_i64 { start: 1, end: 13, value: 8 }, timestamp: 12 }
{ key: NoKey, value: Ev { k: 2, t: 20 }, timestamp: 20 }
OUT
cat > sessions.stats <<OUT
mstr: window 'visits': late records dropped: 0
mstr: sink 'visits_out': 3 records
mstr: sink 'behind_out': 1 records
OUT

# A session window's late rule is the windows' one: a record is late when all its windows
# have fired. Here (key_by first, then bounded(0) epochs 10, 12, 13, 30, 31, then ts = t -
# back) ts 11 arrives when the frontier is 12, but the session [10, 17) it falls in is still
# open (it fires at 16), so it joins it: three records. ts 2 arrives after epoch 30; its
# session [2, 7) could only have fired already, so it is late.
cat > session_behind.mstr <<'MSTR'
type Ev { k: i64; t: i64; back: i64; }
source evs: Ev = list(
    Ev { k: 1, t: 10, back: 0 }, Ev { k: 1, t: 12, back: 0 }, Ev { k: 1, t: 13, back: 2 },
    Ev { k: 1, t: 30, back: 0 }, Ev { k: 1, t: 31, back: 29 }
);
evs
  |> timestamps at { return value.t; }
  |> key_by k: i64 { return value.k; }
  |> epochs wm bounded(0)
  |> timestamps back { return ts - value.back; }
  |> window visits: session(5) count late behind
  |> sink out = stdout;
behind |> sink behind_out = stdout;
MSTR
cat > session_behind.want <<OUT
{ key: 1, value: Window_u64 { start: 10, end: 17, value: 3 }, timestamp: 16 }
{ key: 1, value: Window_u64 { start: 30, end: 35, value: 1 }, timestamp: 34 }
{ key: 1, value: Ev { k: 1, t: 31, back: 29 }, timestamp: 2 }
OUT
cat > session_behind.stats <<OUT
mstr: sink 'out': 2 records
mstr: sink 'behind_out': 1 records
OUT

# Without an epochs operator a list's frontier stays at its start until the end of the
# stream, so every session stays open until MAX: one key with ten sessions open at once.
cat > many_sessions.mstr <<'MSTR'
type Ev { k: i64; t: i64; }
source evs: Ev = list(
    Ev { k: 1, t: 0 }, Ev { k: 1, t: 10 }, Ev { k: 1, t: 20 }, Ev { k: 1, t: 30 },
    Ev { k: 1, t: 40 }, Ev { k: 1, t: 50 }, Ev { k: 1, t: 60 }, Ev { k: 1, t: 70 },
    Ev { k: 1, t: 80 }, Ev { k: 1, t: 90 }
);
evs
  |> timestamps at { return value.t; }
  |> key_by k: i64 { return value.k; }
  |> window visits: session(5) count
  |> sink out = stdout;
MSTR
for t in 0 10 20 30 40 50 60 70 80 90; do
    echo "{ key: 1, value: Window_u64 { start: $t, end: $((t + 5)), value: 1 }, timestamp: $((t + 4)) }"
done > many_sessions.want
cat > many_sessions.stats <<OUT
mstr: sink 'out': 10 records
OUT

# ---- aggregates --------------------------------------------------------------------------

# Every aggregate over tumbling(10), with no epochs operator (every window fires at MAX).
# Each aggregate gets its own keys from its key_by (count 11/12, sum i64 21/22, sum f64
# 31/32, min i64 41/42, max i64 51/52, min f64 61/62, max f64 71/72, avg 81/82, reduce
# 91/92). Key 1's [0, 10) has n 5, 7, 6 (min above zero), its [10, 20) n -3, -8 (max below
# zero); x are exact binary fractions; reduce joins the names with "+" into strings the
# window's state must own.
cat > aggregates.mstr <<'MSTR'
type Ev { k: i64; t: i64; n: i64; x: f64; name: str; }
source evs: Ev = list(
    Ev { k: 1, t: 1, n: 5, x: 1.5, name: "alpha" },
    Ev { k: 2, t: 3, n: 4, x: 0.5, name: "solo" },
    Ev { k: 1, t: 4, n: 7, x: -0.25, name: "bravo" },
    Ev { k: 1, t: 9, n: 6, x: 2.5, name: "charlie" },
    Ev { k: 1, t: 12, n: -3, x: -1.0, name: "delta" },
    Ev { k: 1, t: 15, n: -8, x: -2.5, name: "echo" }
);
stream timed = evs |> timestamps at { return value.t; };
timed
  |> key_by k_count: i64 { return 10 + value.k; }
  |> window n: tumbling(10) count
  |> sink n_out = stdout;
timed
  |> key_by k_sum: i64 { return 20 + value.k; }
  |> window total: tumbling(10) sum: i64 { return value.n; }
  |> sink total_out = stdout;
timed
  |> key_by k_sum_x: i64 { return 30 + value.k; }
  |> window total_x: tumbling(10) sum: f64 { return value.x; }
  |> sink total_x_out = stdout;
timed
  |> key_by k_min: i64 { return 40 + value.k; }
  |> window least: tumbling(10) min: i64 { return value.n; }
  |> sink least_out = stdout;
timed
  |> key_by k_max: i64 { return 50 + value.k; }
  |> window most: tumbling(10) max: i64 { return value.n; }
  |> sink most_out = stdout;
timed
  |> key_by k_min_x: i64 { return 60 + value.k; }
  |> window least_x: tumbling(10) min: f64 { return value.x; }
  |> sink least_x_out = stdout;
timed
  |> key_by k_max_x: i64 { return 70 + value.k; }
  |> window most_x: tumbling(10) max: f64 { return value.x; }
  |> sink most_x_out = stdout;
timed
  |> key_by k_avg: i64 { return 80 + value.k; }
  |> window mean: tumbling(10) avg { return value.x; }
  |> sink mean_out = stdout;
timed
  |> key_by k_names: i64 { return 90 + value.k; }
  |> window names: tumbling(10) reduce: str {
       *acc = first ? value.name
                    : mstr_str_concat(ctx, mstr_str_concat(ctx, *acc, MSTR_STR("+")), value.name);
     }
  |> sink names_out = stdout;
MSTR
cat > aggregates.want <<OUT
{ key: 11, value: Window_u64 { start: 0, end: 10, value: 3 }, timestamp: 9 }
{ key: 11, value: Window_u64 { start: 10, end: 20, value: 2 }, timestamp: 19 }
{ key: 12, value: Window_u64 { start: 0, end: 10, value: 1 }, timestamp: 9 }
{ key: 21, value: Window_i64 { start: 0, end: 10, value: 18 }, timestamp: 9 }
{ key: 21, value: Window_i64 { start: 10, end: 20, value: -11 }, timestamp: 19 }
{ key: 22, value: Window_i64 { start: 0, end: 10, value: 4 }, timestamp: 9 }
{ key: 31, value: Window_f64 { start: 0, end: 10, value: 3.75 }, timestamp: 9 }
{ key: 31, value: Window_f64 { start: 10, end: 20, value: -3.5 }, timestamp: 19 }
{ key: 32, value: Window_f64 { start: 0, end: 10, value: 0.5 }, timestamp: 9 }
{ key: 41, value: Window_i64 { start: 0, end: 10, value: 5 }, timestamp: 9 }
{ key: 41, value: Window_i64 { start: 10, end: 20, value: -8 }, timestamp: 19 }
{ key: 42, value: Window_i64 { start: 0, end: 10, value: 4 }, timestamp: 9 }
{ key: 51, value: Window_i64 { start: 0, end: 10, value: 7 }, timestamp: 9 }
{ key: 51, value: Window_i64 { start: 10, end: 20, value: -3 }, timestamp: 19 }
{ key: 52, value: Window_i64 { start: 0, end: 10, value: 4 }, timestamp: 9 }
{ key: 61, value: Window_f64 { start: 0, end: 10, value: -0.25 }, timestamp: 9 }
{ key: 61, value: Window_f64 { start: 10, end: 20, value: -2.5 }, timestamp: 19 }
{ key: 62, value: Window_f64 { start: 0, end: 10, value: 0.5 }, timestamp: 9 }
{ key: 71, value: Window_f64 { start: 0, end: 10, value: 2.5 }, timestamp: 9 }
{ key: 71, value: Window_f64 { start: 10, end: 20, value: -1.0 }, timestamp: 19 }
{ key: 72, value: Window_f64 { start: 0, end: 10, value: 0.5 }, timestamp: 9 }
{ key: 81, value: Window_f64 { start: 0, end: 10, value: 1.25 }, timestamp: 9 }
{ key: 81, value: Window_f64 { start: 10, end: 20, value: -1.75 }, timestamp: 19 }
{ key: 82, value: Window_f64 { start: 0, end: 10, value: 0.5 }, timestamp: 9 }
{ key: 91, value: Window_str { start: 0, end: 10, value: "alpha+bravo+charlie" }, timestamp: 9 }
{ key: 91, value: Window_str { start: 10, end: 20, value: "delta+echo" }, timestamp: 19 }
{ key: 92, value: Window_str { start: 0, end: 10, value: "solo" }, timestamp: 9 }
OUT
cat > aggregates.stats <<OUT
mstr: window 'names': late records dropped: 0
mstr: sink 'names_out': 3 records
OUT

# Aggregates over many batches and all workers: range(0, 3000) cut into one part per worker,
# ts = value, bounded(0) epochs on each worker, keys value % 3 (plus 10, 20, 30, 40 per
# aggregate), tumbling(1000). Window [1000j, 1000j + 1000) of key r holds the values = r mod 3
# in it: 334 of them for the residue of 1000j, else 333; min, max and avg follow from the
# first and last. The reduce appends an "x" per record (so the order of arrival, which
# workers interleave, does not matter); a map checks the string is all x's and returns its
# length. Those strings outlive many batches, so they must live in the window's state.
cat > aggregates_many.mstr <<'MSTR'
source nums: i64 = range(0, 3000);
stream timed = nums
  |> timestamps at { return value; }
  |> epochs wm bounded(0);
timed |> key_by k_count: i64 { return value % 3; } |> window n: tumbling(1000) count
      |> sink n_out = stdout;
timed |> key_by k_avg: i64 { return 10 + value % 3; }
      |> window mean: tumbling(1000) avg { return (double)value; }
      |> sink mean_out = stdout;
timed |> key_by k_min: i64 { return 20 + value % 3; }
      |> window least: tumbling(1000) min: i64 { return value; }
      |> sink least_out = stdout;
timed |> key_by k_max: i64 { return 30 + value % 3; }
      |> window most: tumbling(1000) max: i64 { return value; }
      |> sink most_out = stdout;
timed |> key_by k_xs: i64 { return 40 + value % 3; }
      |> window xs: tumbling(1000) reduce: str {
           *acc = first ? MSTR_STR("x") : mstr_str_concat(ctx, *acc, MSTR_STR("x"));
         }
      |> map xs_len: i64 {
           for (size_t i = 0; i < value.value.len; i++)
             if (value.value.ptr[i] != 'x')
               return -1;
           return (i64)value.value.len;
         }
      |> sink xs_out = stdout;
MSTR
cat > aggregates_many.want <<OUT
{ key: 0, value: Window_u64 { start: 0, end: 1000, value: 334 }, timestamp: 999 }
{ key: 1, value: Window_u64 { start: 0, end: 1000, value: 333 }, timestamp: 999 }
{ key: 2, value: Window_u64 { start: 0, end: 1000, value: 333 }, timestamp: 999 }
{ key: 0, value: Window_u64 { start: 1000, end: 2000, value: 333 }, timestamp: 1999 }
{ key: 1, value: Window_u64 { start: 1000, end: 2000, value: 334 }, timestamp: 1999 }
{ key: 2, value: Window_u64 { start: 1000, end: 2000, value: 333 }, timestamp: 1999 }
{ key: 0, value: Window_u64 { start: 2000, end: 3000, value: 333 }, timestamp: 2999 }
{ key: 1, value: Window_u64 { start: 2000, end: 3000, value: 333 }, timestamp: 2999 }
{ key: 2, value: Window_u64 { start: 2000, end: 3000, value: 334 }, timestamp: 2999 }
{ key: 10, value: Window_f64 { start: 0, end: 1000, value: 499.5 }, timestamp: 999 }
{ key: 11, value: Window_f64 { start: 0, end: 1000, value: 499.0 }, timestamp: 999 }
{ key: 12, value: Window_f64 { start: 0, end: 1000, value: 500.0 }, timestamp: 999 }
{ key: 10, value: Window_f64 { start: 1000, end: 2000, value: 1500.0 }, timestamp: 1999 }
{ key: 11, value: Window_f64 { start: 1000, end: 2000, value: 1499.5 }, timestamp: 1999 }
{ key: 12, value: Window_f64 { start: 1000, end: 2000, value: 1499.0 }, timestamp: 1999 }
{ key: 10, value: Window_f64 { start: 2000, end: 3000, value: 2499.0 }, timestamp: 2999 }
{ key: 11, value: Window_f64 { start: 2000, end: 3000, value: 2500.0 }, timestamp: 2999 }
{ key: 12, value: Window_f64 { start: 2000, end: 3000, value: 2499.5 }, timestamp: 2999 }
{ key: 20, value: Window_i64 { start: 0, end: 1000, value: 0 }, timestamp: 999 }
{ key: 21, value: Window_i64 { start: 0, end: 1000, value: 1 }, timestamp: 999 }
{ key: 22, value: Window_i64 { start: 0, end: 1000, value: 2 }, timestamp: 999 }
{ key: 20, value: Window_i64 { start: 1000, end: 2000, value: 1002 }, timestamp: 1999 }
{ key: 21, value: Window_i64 { start: 1000, end: 2000, value: 1000 }, timestamp: 1999 }
{ key: 22, value: Window_i64 { start: 1000, end: 2000, value: 1001 }, timestamp: 1999 }
{ key: 20, value: Window_i64 { start: 2000, end: 3000, value: 2001 }, timestamp: 2999 }
{ key: 21, value: Window_i64 { start: 2000, end: 3000, value: 2002 }, timestamp: 2999 }
{ key: 22, value: Window_i64 { start: 2000, end: 3000, value: 2000 }, timestamp: 2999 }
{ key: 30, value: Window_i64 { start: 0, end: 1000, value: 999 }, timestamp: 999 }
{ key: 31, value: Window_i64 { start: 0, end: 1000, value: 997 }, timestamp: 999 }
{ key: 32, value: Window_i64 { start: 0, end: 1000, value: 998 }, timestamp: 999 }
{ key: 30, value: Window_i64 { start: 1000, end: 2000, value: 1998 }, timestamp: 1999 }
{ key: 31, value: Window_i64 { start: 1000, end: 2000, value: 1999 }, timestamp: 1999 }
{ key: 32, value: Window_i64 { start: 1000, end: 2000, value: 1997 }, timestamp: 1999 }
{ key: 30, value: Window_i64 { start: 2000, end: 3000, value: 2997 }, timestamp: 2999 }
{ key: 31, value: Window_i64 { start: 2000, end: 3000, value: 2998 }, timestamp: 2999 }
{ key: 32, value: Window_i64 { start: 2000, end: 3000, value: 2999 }, timestamp: 2999 }
{ key: 40, value: 334, timestamp: 999 }
{ key: 41, value: 333, timestamp: 999 }
{ key: 42, value: 333, timestamp: 999 }
{ key: 40, value: 333, timestamp: 1999 }
{ key: 41, value: 334, timestamp: 1999 }
{ key: 42, value: 333, timestamp: 1999 }
{ key: 40, value: 333, timestamp: 2999 }
{ key: 41, value: 333, timestamp: 2999 }
{ key: 42, value: 334, timestamp: 2999 }
OUT
cat > aggregates_many.stats <<OUT
mstr: epochs 'wm': late records dropped: 0
mstr: window 'n': late records dropped: 0
mstr: window 'xs': late records dropped: 0
mstr: sink 'xs_out': 9 records
OUT

# ---- the trace checker -------------------------------------------------------------------

# check_trace.py TRACE WORKERS RULE...: TRACE has lines "NAME WORKER EPOCH" printed by
# inspect_frontier blocks, in the order they were printed (one printf each, so a line printed
# after an epoch crossed workers comes after the lines printed before it was sent). For every
# NAME in a rule, each worker's epochs must rise strictly and end with MAX. Rules:
#   DOWN<=local:UP1,UP2  each DOWN epoch is at or below the last epoch each UP showed on the
#                        same worker before it (MIN if none)
#   DOWN<=all:UP1,...    the same, over the UPs of every worker
#   DOWN<=W:UP1,...      the same, over the UPs of worker W (the only one that reads a list)
#   NAME=LO:HI           NAME's epochs below MAX, over all workers, are LO..HI-1, once each
cat > check_trace.py <<'PY'
import sys

MIN, MAX = -2**63, 2**63 - 1
trace, workers, rules = sys.argv[1], int(sys.argv[2]), sys.argv[3:]
bounds, covers, names = [], {}, set()
for rule in rules:
    if "<=" in rule:
        down, rest = rule.split("<=")
        scope, ups = rest.split(":")
        bounds.append((down, scope, ups.split(",")))
        names.add(down)
        names.update(ups.split(","))
    else:
        name, span = rule.split("=")
        lo, hi = span.split(":")
        covers[name] = (int(lo), int(hi))
        names.add(name)

last, values, errors = {}, {name: [] for name in names}, []
for n, line in enumerate(open(trace), 1):
    f = line.split()
    if len(f) != 3 or f[0] not in names:
        continue
    name, w, e = f[0], int(f[1]), int(f[2])
    prev = last.get((name, w), MIN)
    if e <= prev:
        errors.append("line %d: %s on worker %d: %d after %d" % (n, name, w, e, prev))
    for down, scope, ups in bounds:
        if name == down:
            ws = {"local": [w], "all": range(workers)}.get(scope) or [int(scope)]
            bound = min(last.get((up, x), MIN) for up in ups for x in ws)
            if e > bound:
                errors.append("line %d: %s on worker %d: %d, above %s's %d"
                              % (n, name, w, e, "/".join(ups), bound))
    last[(name, w)] = e
    if e != MAX:
        values[name].append(e)
for name in sorted(names):
    for w in range(workers):
        if last.get((name, w)) != MAX:
            errors.append("%s on worker %d ends with %s, not MAX" % (name, w, last.get((name, w))))
for name, (lo, hi) in covers.items():
    if sorted(values[name]) != list(range(lo, hi)):
        errors.append("%s: the epochs below MAX are not %d..%d once each" % (name, lo, hi - 1))
for e in errors[:10]:
    print(e)
sys.exit(1 if errors else 0)
PY

# ---- running -----------------------------------------------------------------------------

failures=0
bad() { echo "$*"; failures=$((failures + 1)); }

same_ordered() { # EXPECTED ACTUAL TAG
    diff "$1" "$2" > diff.out || { bad "$3: differs (< expected, > got):"; head -20 diff.out; }
}

same_sorted() { # EXPECTED ACTUAL TAG
    LC_ALL=C sort "$1" > want.sorted
    LC_ALL=C sort "$2" > got.sorted
    diff want.sorted got.sorted > diff.out ||
        { bad "$3: differs (sorted; < expected, > got):"; head -20 diff.out; }
}

others() { # NAME WORKERS: "NAME W MAX" for each worker W but 0 (those see only the end)
    w=1
    while [ $w -lt "$2" ]; do echo "$1 $w $MAX"; w=$((w + 1)); done
}

# ttl_map's expiry boundary: a key's state goes once an epoch reaches the time expire_at gave
# (docs/language.md: "removed once an epoch >= t is reached"), not only once one passes it.
# bounded(0) on records in time order issues each record's timestamp as an epoch right after
# it, and key 2's record at 5 brings the epoch 5: key 1's state (expiry 0 + 5 = 5) goes then,
# key 3's (expiry 1 + 5 = 6) stays until the epoch 6 of key 1's next record. Each key's records
# and the epochs come from one worker in order, so this holds on any number of workers. Were
# expiry at an epoch above the time only, key 1 would count 2 at 6 and key 3 2 and 3 at 7, 8.
cat > ttl_expiry.mstr <<'MSTR'
type Ev { k: i64; t: i64; }
source evs: Ev = list(
    Ev { k: 1, t: 0 }, Ev { k: 3, t: 1 }, Ev { k: 2, t: 5 }, Ev { k: 1, t: 6 },
    Ev { k: 3, t: 7 }, Ev { k: 3, t: 8 }
);
evs
  |> timestamps at { return value.t; }
  |> epochs wm bounded(0)
  |> key_by k: i64 { return value.k; }
  |> ttl_map seen: u64 (state u64) { (*state)++; expire_at(value.t + 5); return *state; }
  |> sink out = stdout;
MSTR
cat > ttl_expiry.want <<OUT
{ key: 1, value: 1, timestamp: 0 }
{ key: 3, value: 1, timestamp: 1 }
{ key: 2, value: 1, timestamp: 5 }
{ key: 1, value: 1, timestamp: 6 }
{ key: 3, value: 1, timestamp: 7 }
{ key: 3, value: 2, timestamp: 8 }
OUT
cat > ttl_expiry.stats <<OUT
mstr: epochs 'wm': late records dropped: 0
mstr: sink 'out': 6 records
OUT

# Every line of NAME.stats must be on stderr (checksums cut); stderr may hold nothing but
# --stats lines.
check_stats() { # NAME TAG
    sed 's/, checksum [0-9a-f]*$//' err > err.cut
    grep -v "^mstr: \(epochs\|window\|sink\|timestamps\) '" err.cut > err.other || true
    [ ! -s err.other ] || { bad "$2: unexpected stderr:"; head -5 err.other; }
    while IFS= read -r line; do
        grep -Fxq -- "$line" err.cut || bad "$2: --stats lacks: $line"
    done < "$1.stats"
}

cases="tumbling_bounds fire_times sliding_multi equal_ts epoch_candidates bounded_out_of_order
       frontier_merge window_late sessions session_behind many_sessions aggregates
       aggregates_many ttl_expiry"
# The builds run two at a time: they are most of this script's time.
. "$ROOT/tests/lib/jobs.sh"
for c in $cases; do
    { "$MSTRC" build "$c.mstr" -o "$c" 2> "$c.build.err"; echo $? > "$c.build.status"; } &
    wait_for_room 2
done
wait
for c in $cases; do
    [ "$(cat "$c.build.status")" = 0 ] || { echo "$c: build failed:"; cat "$c.build.err"; exit 1; }
    [ ! -s "$c.build.err" ] || { bad "$c: build printed warnings:"; cat "$c.build.err"; }
done
for workers in ${E2E_WORKERS:-1 2 4}; do
    for c in $cases; do
        tag="$c (workers $workers)"
        status=0
        timeout 20 "./$c" --workers $workers --stats > out 2> err || status=$?
        [ $status != 124 ] || { bad "$tag: hung (killed by timeout)"; continue; }
        [ $status = 0 ] || bad "$tag: exit status $status"
        check_stats "$c" "$tag"
        if [ "$(type -t "check_$c")" = function ]; then
            "check_$c" $workers "$tag"
        else
            same_sorted "$c.want" out "$tag"
        fi
    done
done

[ $failures = 0 ]
