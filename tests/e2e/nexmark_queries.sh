# The Nexmark queries of examples/nexmark/ against the same queries in SQL: the events the
# queries read are written to CSV by examples/nexmark/dump.mstr, tests/nexmark/run-sql.sh runs
# tests/nexmark/qN.sql on them in sqlite3, and each query's CSV output, on 1 and 2 workers,
# must hold exactly the same rows; q4 also at three other rates of events. q12's windows are
# of processing time: its rows are checked against the run's wall clock and, summed per
# bidder, against tests/nexmark/q12.sql.
set -eu
command -v sqlite3 > /dev/null || { echo "sqlite3 is missing (scripts/deps.sh installs it)"; exit 1; }
cd "$WORK" && mkdir -p nexmark && cd nexmark
queries="q0 q1 q2 q3 q4 q5 q7 q8 q9 q11 q13 q14 q15 q16 q17 q18 q19 q20 q21 q22"
. "$ROOT/tests/lib/jobs.sh"
# binary_of SRC: where build_all puts the binary of SRC (a .mstr file): next to it, or here
# for one of examples/nexmark/.
binary_of() {
    local rel=${1#"$ROOT"/examples/nexmark/}
    echo "$(dirname "$rel")/$(basename "$rel" .mstr)"
}
# build_all SRC...: builds each SRC, two at a time; stops the script if one fails.
build_all() {
    local src
    for src in "$@"; do
        "$MSTRC" build "$src" -o "$(binary_of "$src")" &
        wait_for_room 2
    done
    wait
    for src in "$@"; do
        [ -x "$(binary_of "$src")" ] || { echo "$src: build failed"; exit 1; }
    done
}
# q4 also runs at other rates of events: an auction stays open for up to about 3,333,000 / rate
# ms, so at a low rate bids reach it long after it opened; the join's upper bound is each
# auction's own expiry. The queries' 100,000 events come at 10, 25 and 10,000,000 per second.
# The sanitizer builds (E2E_SAN), whose programs run several times slower, run each query on 2
# workers only, and q4 at its own rate only (MSTR_TEST_FULL=1: all of it).
rates="10 25 10000000"
worker_counts="1 2"
if [ -n "${E2E_SAN:-}" ] && [ "${MSTR_TEST_FULL:-0}" != 1 ]; then
    rates= worker_counts=2
fi
sources=
for q in dump $queries q12; do sources="$sources $ROOT/examples/nexmark/$q.mstr"; done
for rate in $rates; do
    mkdir -p "rate-$rate"
    for q in dump q4; do
        sed "s/nexmark(100000, 1000)/nexmark(100000, $rate)/" "$ROOT/examples/nexmark/$q.mstr" \
            > "rate-$rate/$q.mstr"
        grep -q "nexmark(100000, $rate)" "rate-$rate/$q.mstr" || { echo "$q: the rate was not set"; exit 1; }
        sources="$sources rate-$rate/$q.mstr"
    done
done
# shellcheck disable=SC2086  # paths without spaces
build_all $sources
# check_against_sql DIR Q...: in DIR, where ./dump and the queries are built, writes the events
# and compares each query's rows on each worker count with its SQL's; counts the differences
# in failures.
failures=0
check_against_sql() {
    local dir=$1 q workers
    shift
    (cd "$dir" && ./dump)
    for f in person auction bid; do
        [ "$(wc -l < "$dir/$f.csv")" -gt 1 ] || { echo "$dir: dump wrote no $f events"; exit 1; }
    done
    for q in "$@"; do
        "$ROOT/tests/nexmark/run-sql.sh" "$dir" "$q" | LC_ALL=C sort > "$dir/$q.want"
        [ -s "$dir/$q.want" ] || { echo "$dir/$q: the SQL gave no rows"; failures=$((failures + 1)); continue; }
        for workers in $worker_counts; do
            (cd "$dir" && ./"$q" --workers "$workers")
            tail -n +2 "$dir/$q.csv" | LC_ALL=C sort > "$dir/$q.got"
            if ! cmp -s "$dir/$q.want" "$dir/$q.got"; then
                echo "$dir/$q on $workers workers differs from SQL ($(wc -l < "$dir/$q.got") rows," \
                     "want $(wc -l < "$dir/$q.want")):"
                diff "$dir/$q.want" "$dir/$q.got" | head -10
                failures=$((failures + 1))
            fi
        done
    done
}
check_against_sql . $queries

# q12 on each worker count: every window 10 s wide, starting at a multiple of 10 s within the
# run (from 10 s before it started to its end), one row per bidder and window, a count of at
# least one; the counts summed per bidder are the SQL's bids per bidder.
"$ROOT/tests/nexmark/run-sql.sh" . q12 | LC_ALL=C sort > q12.want
for workers in $worker_counts; do
    started=$(date +%s%3N)
    ./q12 --workers "$workers"
    ended=$(date +%s%3N)
    tail -n +2 q12.csv > q12.rows
    odd=$(awk -F, -v t0="$started" -v t1="$ended" \
              '$4 - $3 != 10000 || $3 % 10000 != 0 || $3 < t0 - 10000 || $3 > t1 || $2 < 1' q12.rows)
    twice=$(cut -d, -f1,3 q12.rows | sort | uniq -d)
    awk -F, '{ n[$1] += $2 } END { for (b in n) print b "," n[b] }' q12.rows | LC_ALL=C sort > q12.got
    if [ -n "$odd$twice" ] || ! cmp -s q12.want q12.got; then
        echo "q12 on $workers workers (run from $started to $ended ms):"
        echo "$odd$twice" | head -5
        diff q12.want q12.got | head -10
        failures=$((failures + 1))
    fi
done

for rate in $rates; do
    check_against_sql "rate-$rate" q4
done
[ $failures = 0 ]
