#!/usr/bin/env bash
# replay.sh - the suite's fuzz-replay part: each fuzz harness, built without libFuzzer
# (BUILD/fuzz/replay_NAME, see tests/fuzz/fuzz.mk), run once over every input it starts from
# (tests/fuzz/inputs.sh): the project's files that seed it, its hand-made seeds and the inputs
# that once made it fail.
#
#   tests/fuzz/replay.sh BUILD NAME...
#
# One test per input. Failures are shown with the harness's output; the last line is
# "fuzz-replay: N passed, N failed" and the script fails if any input did.
set -uo pipefail
cd "$(dirname "$0")/../.." || exit 2
. tests/fuzz/inputs.sh

if [ $# -lt 2 ]; then
    echo "usage: $0 BUILD NAME..." >&2
    exit 2
fi
build=$1
shift

out=$(mktemp)
trap 'rm -f "$out"' EXIT
passed=0
failed=0
for name in "$@"; do
    seeds=$(fuzz_seed_files "$name") || { failed=$((failed + 1)); continue; }
    # shellcheck disable=SC2046  # one path per line, none with spaces
    "$build/fuzz/replay_$name" $seeds $(fuzz_input_dirs "$name") > "$out"
    last=$(tail -n 1 "$out")
    if [[ $last =~ ^([0-9]+)\ passed,\ ([0-9]+)\ failed$ ]]; then
        p=${BASH_REMATCH[1]}
        f=${BASH_REMATCH[2]}
    else
        p=0
        f=1   # the driver itself died
    fi
    [ "$f" -eq 0 ] || sed '$d' "$out"
    echo "  $name: $p inputs passed, $f failed"
    passed=$((passed + p))
    failed=$((failed + f))
done
echo "fuzz-replay: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
