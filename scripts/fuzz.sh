#!/usr/bin/env bash
# make fuzz: builds the libFuzzer harnesses of tests/fuzz/ (clang, ASan, UBSan, into build-fuzz/;
# installs clang and libFuzzer first if missing) and runs each in turn.
#
#   make fuzz                          every harness for 120 seconds
#   FUZZ_SECONDS=3600 make fuzz        an hour each
#   FUZZ_TARGETS=readers make fuzz     only the harnesses named (frontend readers codec)
#
# A harness fails on a crash, an input running over 10 s (a hang), a leak, more than 2 GiB of
# memory, an assertion of the harness or any sanitizer report; the input that did it is copied to
# tests/fuzz/regressions/NAME/, where the test suite will replay it once it is committed.
# Each harness starts from the inputs of tests/fuzz/inputs.sh and keeps the corpus it grows in
# build-fuzz/corpus/NAME/ from one run to the next. Its log is build-fuzz/logs/NAME.log; the
# last lines printed are the figures of each run (libFuzzer's final stats), as TESTING.md quotes
# them. Exit status 1 if any harness failed.
set -uo pipefail
cd "$(dirname "$0")/.."
. tests/fuzz/inputs.sh

B=build-fuzz
seconds=${FUZZ_SECONDS:-120}

scripts/deps.sh fuzz || exit 1
make -s -j2 SAN=fuzz fuzz-build || exit 1
targets=${FUZZ_TARGETS:-$(make -s --no-print-directory SAN=fuzz fuzz-harnesses)}

# The longest input each harness tries. The front end gets room for long programs and long
# lines (the cost of diagnostics grows with both); the readers and the codec find their
# boundaries in a few hundred bytes.
max_len() {
    case "$1" in
    frontend) echo 65536 ;;
    *) echo 8192 ;;
    esac
}

# Copies the project's seed files for harness $1 into the fresh directory $2.
collect_seeds() {
    rm -rf "$2" && mkdir -p "$2" || return 1
    local f
    for f in $(fuzz_seed_files "$1"); do
        cp "$f" "$2/$(echo "$f" | tr / _)" || return 1
    done
}

# The figures of a finished run, from its log, on one line.
figures() {
    local log=$1 corpus=$2 stats
    stats=$(grep -E '^#[0-9]+[[:space:]]+(DONE|INITED|NEW|REDUCE|pulse)' "$log" | tail -n 1)
    printf '%s execs, %s exec/s, cov: %s, ft: %s, corpus: %s files, peak RSS %s MB\n' \
        "$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")" \
        "$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log")" \
        "$(sed -nE 's/.* cov: ([0-9]+).*/\1/p' <<< "$stats")" \
        "$(sed -nE 's/.* ft: ([0-9]+).*/\1/p' <<< "$stats")" \
        "$(find "$corpus" -type f | wc -l)" \
        "$(sed -n 's/^stat::peak_rss_mb: *//p' "$log")"
}

# Runs harness $1; prints its figures, or what failed and where the input went. Returns 1 on
# failure.
fuzz_one() {
    local name=$1
    local bin=$B/fuzz/fuzz_$name corpus=$B/corpus/$name seeds=$B/seeds/$name
    local artifacts=$B/artifacts/$name log=$B/logs/$name.log
    [ -x "$bin" ] || { echo "fuzz: no harness named '$name'" >&2; return 1; }
    collect_seeds "$name" "$seeds" || return 1
    rm -rf "$artifacts"
    mkdir -p "$corpus" "$artifacts" "$B/logs"
    echo "== fuzz $name: ${seconds} s, log in $log"
    # shellcheck disable=SC2046  # directory names without spaces
    "$bin" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -max_len="$(max_len "$name")" \
        -print_final_stats=1 -artifact_prefix="$artifacts/" \
        "$corpus" "$seeds" $(fuzz_input_dirs "$name") > "$log" 2>&1
    local status=$?
    local found
    found=$(find "$artifacts" -type f)
    if [ "$status" -eq 0 ] && [ -z "$found" ]; then
        echo "fuzz $name: 0 crashes; $(figures "$log" "$corpus")"
        return 0
    fi
    grep -E 'ERROR|SUMMARY|fuzz_[a-z]+: |Test unit written' "$log" | head -n 20
    if [ -z "$found" ]; then
        echo "fuzz $name: FAILED (exit status $status, no input saved; see $log)"
        return 1
    fi
    mkdir -p "tests/fuzz/regressions/$name"
    local a saved=()
    for a in $found; do
        cp "$a" "tests/fuzz/regressions/$name/"
        saved+=("tests/fuzz/regressions/$name/${a##*/}")
    done
    echo "  reproduce with $bin FILE (its messages are in $log too)"
    echo "  once fixed, commit the file: make test replays it (make SAN=asan fuzz-replay alone)"
    echo "fuzz $name: FAILED, input saved as ${saved[*]}"
    return 1
}

status=0
results=()
mkdir -p "$B/logs"
for name in $targets; do
    fuzz_one "$name" | tee "$B/logs/$name.result" || status=1
    results+=("$(tail -n 1 "$B/logs/$name.result")")
done
echo "== fuzz results ($(date -u '+%Y-%m-%d %H:%M UTC'), FUZZ_SECONDS=$seconds)"
printf '%s\n' "${results[@]}"
exit $status
