# inputs.sh - the inputs each fuzz harness starts from; sourced by scripts/fuzz.sh (make fuzz)
# and tests/fuzz/replay.sh (the suite), so that the fuzzers start from what the suite replays.
#
# A harness NAME has three sources of inputs: the project's own files that fit it (listed by
# fuzz_seed_files), small hand-made seeds in tests/fuzz/corpus/NAME/, and the inputs that once
# made it fail, in tests/fuzz/regressions/NAME/ (both directories may be absent).

# fuzz_seed_files NAME: prints the project's files that seed harness NAME, one per line.
fuzz_seed_files() {
    case "$1" in
    frontend) ls examples/*.mstr examples/nexmark/*.mstr tests/diagnostics/*.mstr \
                 tests/fuzz/record.mstr bench/*.mstr ;;
    readers) ls examples/data/* ;;
    codec) ;;   # tests/fuzz/corpus/codec/ only: nothing else in the project is encoded records
    *) echo "inputs.sh: no seeds listed for harness '$1'" >&2; return 1 ;;
    esac
}

# fuzz_input_dirs NAME: prints those of tests/fuzz/corpus/NAME and tests/fuzz/regressions/NAME
# that exist.
fuzz_input_dirs() {
    for d in "tests/fuzz/corpus/$1" "tests/fuzz/regressions/$1"; do
        [ -d "$d" ] && echo "$d"
    done
    return 0
}
