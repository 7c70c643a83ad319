#!/usr/bin/env bash
# The whole test suite (what `make test` and .ci/run run): installs missing packages, then
# builds and runs the unit, golden and end-to-end tests with the normal build and with
# AddressSanitizer + UndefinedBehaviorSanitizer (build-asan/), where the fuzz harnesses also
# replay their saved inputs, and the unit and end-to-end tests (the threaded parts: rings,
# workers, exchange) with ThreadSanitizer (build-tsan/); and, once, the editor grammars
# (editors/, tests/editors/). Ends with one total line.
set -uo pipefail
cd "$(dirname "$0")/.."
scripts/deps.sh || exit 1

log=$(mktemp)
trap 'rm -f "$log"' EXIT
status=0
parts() { # the parts each build runs
    case "$1" in
        "") echo unit golden e2e editors ;;
        asan) echo unit golden e2e fuzz-replay ;;
        tsan) echo unit e2e ;;
    esac
}
ran=0   # parts run: each must end with its summary line
for san in "" asan tsan; do
    echo "== build ${san:-plain}"
    make -s -j2 SAN="$san" all || { status=1; continue; }
    for part in $(parts "$san"); do
        echo "== $part (${san:-plain})"
        started=$SECONDS
        make -s -j2 SAN="$san" "$part" 2>&1 | tee -a "$log" || status=1
        echo "== $part (${san:-plain}) took $((SECONDS - started)) s"
        ran=$((ran + 1))
    done
done

# Sum the "PART: N passed, N failed" lines each part ends with; a part that ran and printed no
# such line (it crashed, or its build failed) fails the suite.
awk -v ran="$ran" '/^[a-z0-9-]+: [0-9]+ passed, [0-9]+ failed$/ { p += $2; f += $4; n++ }
     END { printf "total: %d passed, %d failed\n", p, f; if (n != ran || f > 0) exit 1 }' "$log" || status=1
exit $status
