#!/usr/bin/env bash
# Runs cmocka unit test binaries and adds up their results.
#
#   scripts/run-unit.sh BIN...
#
# Each binary's output is shown as it is. Counts come from cmocka's summary lines
# ("[  PASSED  ] N test(s)." and "[  FAILED  ] N test(s), listed below:"); a binary that dies
# before its summary (a crash, a sanitizer report) is counted from its per-test lines, with
# the test that was running counted as failed. A binary that exits non-zero although all its
# tests passed (a leak reported at exit, say) counts one extra failure. The last line is
# "unit: N passed, N failed"; the exit status is non-zero if anything failed.
set -uo pipefail

passed=0
failed=0
bad=0

# count PATTERN FILE: number of lines matching the extended regex.
count() { grep -cE "$1" "$2" || true; }

# summary_number PATTERN FILE: the N of the first line matching "PATTERN N test".
summary_number() {
    sed -nE "s/^\[  $1  \] ([0-9]+) test.*/\1/p" "$2" | head -n 1
}

log=$(mktemp)
trap 'rm -f "$log"' EXIT

for bin in "$@"; do
    echo "== $bin"
    if [ ! -x "$bin" ]; then
        echo "run-unit: $bin: not an executable" >&2
        failed=$((failed + 1)); bad=1
        continue
    fi
    CMOCKA_MESSAGE_OUTPUT=stdout "$bin" >"$log" 2>&1
    rc=$?
    cat "$log"

    p=$(summary_number PASSED "$log")
    f=$(summary_number FAILED "$log")
    if grep -qE '^\[==========\] [0-9]+ test\(s\) run\.' "$log"; then
        p=${p:-0}; f=${f:-0}
    else
        # No summary: the binary stopped part way.
        runs=$(count '^\[ RUN      \]' "$log")
        p=$(count '^\[       OK \]' "$log")
        f=$((runs - p))
        [ "$f" -gt 0 ] || f=1
        echo "run-unit: $bin stopped before its summary (exit status $rc)" >&2
    fi
    if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
        echo "run-unit: $bin exited with status $rc although its tests passed" >&2
        f=1
    fi
    [ "$f" -eq 0 ] || bad=1
    passed=$((passed + p))
    failed=$((failed + f))
done

echo "unit: $passed passed, $failed failed"
exit "$bad"
