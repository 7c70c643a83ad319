#!/bin/sh
# run-golden.sh - the compiler's golden tests: diagnostics, and generated code.
#
#   tests/run-golden.sh path/to/mstrc
#
# For every tests/diagnostics/NAME.mstr, runs `mstrc check tests/diagnostics/NAME.mstr` from the
# repository root and compares its stderr with tests/diagnostics/NAME.err byte for byte (the
# diff is shown on a mismatch). The exit status must be 1 when NAME.err is non-empty (the file
# has errors) and 0 when it is empty (a valid program, by convention named ok_*.mstr).
#
# For every tests/codegen/NAME.mstr, `mstrc emit tests/codegen/NAME.mstr` must print exactly
# tests/codegen/NAME.c, so that any change in the generated code shows in review.
#
# For every tests/graph/NAME.dot, `mstrc graph examples/NAME.mstr` must print exactly that DOT.
#
# The last line is `golden: N passed, N failed`; the script fails if any test did.
#
# To accept new output after reviewing it by eye:
#   mstrc check tests/diagnostics/NAME.mstr 2> tests/diagnostics/NAME.err
#   mstrc emit tests/codegen/NAME.mstr > tests/codegen/NAME.c
#   mstrc graph examples/NAME.mstr > tests/graph/NAME.dot

set -u

if [ $# -ne 1 ]; then
    echo "usage: $0 path/to/mstrc" >&2
    exit 2
fi

case "$1" in
    /*) mstrc=$1 ;;
    *) mstrc=$(pwd)/$1 ;;
esac
cd "$(dirname "$0")/.." || exit 2

tmp=$(mktemp -d) || exit 2
trap 'rm -rf "$tmp"' EXIT INT TERM

passed=0
failed=0
for src in tests/diagnostics/*.mstr; do
    expected=${src%.mstr}.err
    if [ ! -f "$expected" ]; then
        echo "FAIL $src: no $expected"
        failed=$((failed + 1))
        continue
    fi
    "$mstrc" check "$src" > "$tmp/stdout" 2> "$tmp/stderr"
    status=$?
    if [ -s "$expected" ]; then want_status=1; else want_status=0; fi
    ok=1
    if ! diff -u "$expected" "$tmp/stderr" > "$tmp/diff"; then
        echo "FAIL $src: stderr differs from $expected"
        cat "$tmp/diff"
        ok=0
    fi
    if [ "$status" -ne "$want_status" ]; then
        echo "FAIL $src: exit status $status, expected $want_status"
        ok=0
    fi
    if [ -s "$tmp/stdout" ]; then
        echo "FAIL $src: 'mstrc check' wrote to stdout"
        ok=0
    fi
    if [ "$ok" -eq 1 ]; then
        passed=$((passed + 1))
    else
        failed=$((failed + 1))
    fi
done

for src in tests/codegen/*.mstr; do
    expected=${src%.mstr}.c
    if ! "$mstrc" emit "$src" > "$tmp/emitted.c" 2> "$tmp/stderr"; then
        echo "FAIL $src: mstrc emit failed"
        cat "$tmp/stderr"
        failed=$((failed + 1))
    elif ! diff -u "$expected" "$tmp/emitted.c" > "$tmp/diff"; then
        echo "FAIL $src: generated code differs from $expected"
        head -60 "$tmp/diff"
        failed=$((failed + 1))
    else
        passed=$((passed + 1))
    fi
done

for expected in tests/graph/*.dot; do
    src=examples/$(basename "$expected" .dot).mstr
    if ! "$mstrc" graph "$src" > "$tmp/graph.dot" 2> "$tmp/stderr"; then
        echo "FAIL $expected: mstrc graph $src failed"
        cat "$tmp/stderr"
        failed=$((failed + 1))
    elif ! diff -u "$expected" "$tmp/graph.dot" > "$tmp/diff"; then
        echo "FAIL $expected: the graph of $src differs"
        head -60 "$tmp/diff"
        failed=$((failed + 1))
    else
        passed=$((passed + 1))
    fi
done

echo "golden: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
