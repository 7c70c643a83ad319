#!/usr/bin/env bash
# End-to-end tests: every example is built with mstrc and run, and what it prints and writes is
# compared with the files checked in under examples/expected/; then each tests/e2e/*.sh script
# runs as one test (exit 0 = pass).
#
#   tests/run-e2e.sh path/to/mstrc
#
# For examples/NAME.mstr, examples/expected/ may hold:
#   NAME.stdout   expected standard output (required)
#   NAME.stderr   expected standard error (default: empty)
#   NAME.status   expected exit status (default: 0)
#   NAME.stdin    fed to standard input (default: nothing)
#   NAME.files/   every file here must be produced, with the same content, in the run directory
# The example runs in a fresh directory holding a copy of examples/data/.
set -u
mstrc=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
root=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export MSTRC_CACHE="$work/cache"
passed=0
failed=0

fail() { echo "FAIL $1: $2"; failed=$((failed + 1)); }

same() { # same EXPECTED ACTUAL LABEL: compares, shows a diff on mismatch
    if ! diff -u "$1" "$2" > "$work/diff"; then
        echo "--- $3 differs:"; head -40 "$work/diff"; return 1
    fi
}

run_example() {
    local src=$1 name exp dir status want_status
    name=$(basename "$src" .mstr)
    exp=$root/examples/expected
    dir=$work/run-$name
    mkdir -p "$dir"
    cp -r "$root/examples/data" "$dir/data"
    if [ ! -f "$exp/$name.stdout" ]; then fail "$name" "no expected output $exp/$name.stdout"; return; fi
    if ! "$mstrc" build "$src" -o "$dir/$name" 2> "$dir/build.err"; then
        fail "$name" "build failed"; cat "$dir/build.err"; return
    fi
    if [ -s "$dir/build.err" ]; then fail "$name" "build printed warnings"; cat "$dir/build.err"; return; fi
    local stdin=/dev/null
    [ -f "$exp/$name.stdin" ] && stdin=$exp/$name.stdin
    (cd "$dir" && "./$name" < "$stdin" > stdout 2> stderr)
    status=$?
    want_status=0
    [ -f "$exp/$name.status" ] && want_status=$(cat "$exp/$name.status")
    local ok=1
    [ "$status" = "$want_status" ] || { echo "--- exit status $status, expected $want_status"; ok=0; }
    same "$exp/$name.stdout" "$dir/stdout" "stdout" || ok=0
    if [ -f "$exp/$name.stderr" ]; then
        same "$exp/$name.stderr" "$dir/stderr" "stderr" || ok=0
    elif [ -s "$dir/stderr" ]; then
        echo "--- unexpected stderr:"; head -20 "$dir/stderr"; ok=0
    fi
    if [ -d "$exp/$name.files" ]; then
        for f in $(cd "$exp/$name.files" && find . -type f | sort); do
            if [ ! -f "$dir/$f" ]; then echo "--- $f was not written"; ok=0; continue; fi
            same "$exp/$name.files/$f" "$dir/$f" "$f" || ok=0
        done
    fi
    if [ $ok = 1 ]; then passed=$((passed + 1)); else fail "$name" "output differs"; fi
}

for src in "$root"/examples/*.mstr "$root"/examples/*/*.mstr; do
    [ -f "$src" ] && run_example "$src"
done

for t in "$root"/tests/e2e/*.sh; do
    [ -f "$t" ] || continue
    if MSTRC="$mstrc" ROOT="$root" WORK="$work" bash "$t" > "$work/out" 2>&1; then
        passed=$((passed + 1))
    else
        fail "$(basename "$t")" "script failed"; tail -30 "$work/out"
    fi
done

echo "e2e: $passed passed, $failed failed"
[ $failed = 0 ]
