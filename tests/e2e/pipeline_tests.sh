# mstrc test: the pipeline tests checked in pass (tests/pipetest/, examples/*.test), and tests
# that must fail do, with the exit status a CI expects and a message that says why: a wrong
# record (a diff), records in another order on one worker, a job that fails, a record of the
# wrong type, a sink or source the program lacks, and a test file that does not parse.
set -eu
cd "$ROOT"
"$MSTRC" test tests/pipetest/windowed.mstr > "$WORK/ok.out"
grep -q 'windowed.test: 4 passed, 0 failed' "$WORK/ok.out"
for t in examples/*.test tests/pipetest/*.test; do
    [ "$t" != tests/pipetest/windowed.test ] || continue # checked above, with its count
    "$MSTRC" test "${t%.test}.mstr"
done

dir=$WORK/pipetest
mkdir -p "$dir"
cp tests/pipetest/windowed.mstr "$dir/"

# must_fail NAME PATTERN: the test file on stdin fails, printing PATTERN (stdout or stderr)
must_fail() {
    cat > "$dir/windowed.test"
    local status=0
    "$MSTRC" test "$dir/windowed.mstr" > "$dir/$1.out" 2>&1 || status=$?
    if [ "$status" != 1 ]; then echo "$1: exit status $status, not 1"; cat "$dir/$1.out"; exit 1; fi
    if ! grep -q -- "$2" "$dir/$1.out"; then
        echo "$1: no '$2' in:"; cat "$dir/$1.out"; exit 1
    fi
}

must_fail wrong_record '^+{ key: "home", value: Window_u64 { start: 0, end: 10, value: 2 }' <<'T'
test wrong
source clicks
    "home"
    "home"
expect counts
    { key: "home", value: Window_u64 { start: 0, end: 10, value: 3 }, timestamp: 9 }
T
grep -q '^FAIL test .wrong. on 1 worker' "$dir/wrong_record.out"
grep -q '^FAIL test .wrong. on 4 workers' "$dir/wrong_record.out"
grep -q '0 passed, 2 failed' "$dir/wrong_record.out"

# On one worker the order counts, unless the expectation says unordered; on four it cannot.
must_fail order_on_one_worker "^FAIL test 'order' on 1 worker" <<'T'
test order
source clicks
    @20 "a"
    epoch 20
    @1 "x"
    @2 "y"
expect late_clicks
    { key: NoKey, value: "y", timestamp: 2 }
    { key: NoKey, value: "x", timestamp: 1 }
T
grep -q "^ok   test 'order' on 4 workers" "$dir/order_on_one_worker.out"
sed -i 's/^expect late_clicks$/expect late_clicks unordered/' "$dir/windowed.test"
"$MSTRC" test "$dir/windowed.mstr" | grep -q '2 passed, 0 failed'

must_fail wrong_type "error: " <<'T'
test typed
source clicks
    42
expect counts
T
grep -q "test 'typed'.*does not build" "$dir/wrong_type.out"

must_fail no_such_sink "the program has no sink 'nowhere'" <<'T'
test sinks
source clicks
    "a"
expect nowhere
T

must_fail no_such_source "the program has no source 'taps'" <<'T'
test sources
source taps
    "a"
expect counts
T

must_fail bad_file 'windowed.test:3: error: .epoch. takes one integer' <<'T'
test syntax
source clicks
    epoch soon
expect counts
T

must_fail nothing_expected "test 'empty' expects nothing" <<'T'
test empty
source clicks
    "a"
T

# A test whose job fails shows its exit status and its messages.
sed 's/return value; }/if (value.len == 4) fail("a page of four letters"); return value; }/' \
    tests/pipetest/windowed.mstr > "$dir/windowed.mstr"
must_fail job_fails 'a page of four letters' <<'T'
test fails
source clicks
    "home"
expect counts
T
grep -q 'the job ended with exit status 1' "$dir/job_fails.out"

# The tests' binaries come from the binary cache: a second run builds nothing, and neither does
# a change to what a test expects (only the program and the test's records are built in).
cp tests/pipetest/windowed.mstr tests/pipetest/windowed.test "$dir/"
export MSTRC_CACHE=$dir/cache
"$MSTRC" test "$dir/windowed.mstr" > "$dir/cached.out"
built=$(ls "$MSTRC_CACHE" | grep -vc '\.messages$')
[ "$built" -ge 1 ] || { echo "cache: the first run left no binary in $MSTRC_CACHE"; exit 1; }
before=$(ls -l --time-style=+%s.%N "$MSTRC_CACHE")
"$MSTRC" test "$dir/windowed.mstr" > "$dir/cached.out"
grep -q 'windowed.test: 4 passed, 0 failed' "$dir/cached.out"
[ "$(ls -l --time-style=+%s.%N "$MSTRC_CACHE")" = "$before" ] ||
    { echo "cache: the second run built again"; exit 1; }
sed -i 's/value: 1 }, timestamp: 19 }/value: 2 }, timestamp: 19 }/' "$dir/windowed.test"
cmp -s tests/pipetest/windowed.test "$dir/windowed.test" && { echo "cache: the expectation is unchanged"; exit 1; }
status=0
"$MSTRC" test "$dir/windowed.mstr" > "$dir/cached.out" || status=$?
[ "$status" = 1 ] && grep -q '2 failed' "$dir/cached.out" ||
    { echo "cache: a wrong expectation passes (status $status)"; cat "$dir/cached.out"; exit 1; }
[ "$(ls -l --time-style=+%s.%N "$MSTRC_CACHE")" = "$before" ] ||
    { echo "cache: a change to an expectation built again"; exit 1; }
