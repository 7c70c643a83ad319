# The Nexmark queries of examples/nexmark/ against the same queries in SQL: the events the
# queries read are written to CSV by examples/nexmark/dump.mstr, tests/nexmark/run-sql.sh runs
# tests/nexmark/qN.sql on them in sqlite3, and each query's CSV output, on 1 and 2 workers,
# must hold exactly the same rows.
set -eu
command -v sqlite3 > /dev/null || { echo "sqlite3 is missing (scripts/deps.sh installs it)"; exit 1; }
cd "$WORK" && mkdir -p nexmark && cd nexmark
queries="q0 q1 q2 q3 q4 q5 q7 q8 q11 q13 q14 q15 q16 q17 q18 q19 q21 q22"
for q in dump $queries; do # two builds at a time
    "$MSTRC" build "$ROOT/examples/nexmark/$q.mstr" -o "$q" &
    [ "$(jobs -rp | wc -l)" -lt 2 ] || wait -n || true
done
wait
for q in dump $queries; do
    [ -x "$q" ] || { echo "$q: build failed"; exit 1; }
done
# The sanitizer builds (E2E_SAN), whose programs run several times slower, run each query on
# 2 workers only (MSTR_TEST_FULL=1: 1 and 2).
worker_counts="1 2"
[ -z "${E2E_SAN:-}" ] || [ "${MSTR_TEST_FULL:-0}" = 1 ] || worker_counts=2
./dump
for f in person auction bid; do
    [ "$(wc -l < "$f.csv")" -gt 1 ] || { echo "dump wrote no $f events"; exit 1; }
done
failures=0
for q in $queries; do
    "$ROOT/tests/nexmark/run-sql.sh" . "$q" | LC_ALL=C sort > "$q.want"
    [ -s "$q.want" ] || { echo "$q: the SQL gave no rows"; failures=$((failures + 1)); continue; }
    for workers in $worker_counts; do
        ./"$q" --workers "$workers"
        tail -n +2 "$q.csv" | LC_ALL=C sort > "$q.got"
        if ! cmp -s "$q.want" "$q.got"; then
            echo "$q on $workers workers differs from SQL ($(wc -l < "$q.got") rows, want $(wc -l < "$q.want")):"
            diff "$q.want" "$q.got" | head -10
            failures=$((failures + 1))
        fi
    done
done
[ $failures = 0 ]
