# A job with a custom source and a custom sink resumes exactly once after kill -9 and after
# SIGTERM, on two workers.
#
# The source reads three files of numbers, one partition each; its position (a record: line and
# byte offset) is all it needs to resume. The numbers go through key_by and a stateful_map that
# counts each key's records, then into a custom sink that writes one file per worker: its state
# counts the lines and bytes written, prepare makes the file durable, open at a resume cuts the
# file back to the length the restored state says, and commit appends "SNAPSHOT LINES BYTES" to a
# log per worker. What must hold:
#   - the files hold each number exactly once, and each key's counts are exactly 1..n (the
#     source's positions, the keyed state and the sink's state were all restored at one cut);
#   - a run without --state-dir commits once, with snapshot 0; an uninterrupted run with one
#     commits every snapshot once, in order (1..N, N the last one it reports);
#   - across kills each log goes up by 0 or 1 per line (a resume commits its snapshot again,
#     and skips none), and its last line matches the file (the last commit covers everything;
#     commit sees the state as at the cut, so the one repeated at a resume logs the same line);
#   - SIGTERM stops the job with the output of its last snapshot committed.
# Kills land at random moments of slowed-down runs (the test hooks of mstr_settings.h; some runs
# also pause inside the snapshot's commit, where a kill is most likely to find a half-done one).
# Last, the port of Malstrom's file_sink_stateful (examples/) is killed too, and its files must
# come out as an uninterrupted run writes them.
set -eu
cd "$WORK" && mkdir -p custom_exactly_once && cd custom_exactly_once

cat > eo.mstr <<'MSTR'
job eo;

type Pos { line: u64; offset: i64; }
type Part { lines: u64; bytes: u64; }
type Counted { key: u64; count: u64; value: u64; }

c {
#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>
}

source numbers: u64 = custom(3) position Pos {
    open {
        char path[32];
        snprintf(path, sizeof path, "in/%d.txt", (int)partition);
        FILE *f = fopen(path, "r");
        if (f == NULL || fseek(f, position->offset, SEEK_SET) != 0) {
            fail("cannot read %s at %lld", path, (long long)position->offset);
            return;
        }
        *handle = f;
    }
    poll {
        unsigned long long v;
        if (fscanf(*handle, "%llu\n", &v) != 1)
            return false;
        emit((u64)v, position->line);
        position->line++;
        position->offset = ftell(*handle);
        return true;
    }
    close {
        if (*handle != NULL)
            fclose(*handle);
    }
};

numbers
  |> key_by bucket: u64 { return value % 7; }
  |> stateful_map count: Counted (state u64) {
       (*state)++;
       return (Counted){ .key = key, .count = *state, .value = value };
     }
  |> sink out = custom(Part) {
       open {
         char path[32];
         mkdir("out", 0777);
         snprintf(path, sizeof path, "out/part-%d", ctx->worker);
         int fd = open(path, O_WRONLY | O_CREAT, 0666);
         if (fd < 0 || ftruncate(fd, (off_t)state->bytes) != 0 || lseek(fd, 0, SEEK_END) < 0) {
             fail("cannot resume %s at byte %llu", path, (unsigned long long)state->bytes);
             return;
         }
         *handle = fdopen(fd, "a");
       }
       write {
         int n = fprintf(*handle, "%llu %llu %llu\n", (unsigned long long)value.key,
                         (unsigned long long)value.count, (unsigned long long)value.value);
         state->lines++;
         state->bytes += (u64)n;
       }
       prepare {
         if (fflush(*handle) != 0 || fsync(fileno(*handle)) != 0)
             fail("cannot make out/part-%d durable", ctx->worker);
       }
       commit {
         char path[32];
         snprintf(path, sizeof path, "out/commits-%d", ctx->worker);
         FILE *log = fopen(path, "a");
         fprintf(log, "%llu %llu %llu\n", (unsigned long long)snapshot,
                 (unsigned long long)state->lines, (unsigned long long)state->bytes);
         fclose(log);
       }
       close {
         if (*handle != NULL)
             fclose(*handle);
       }
     };
MSTR
"$MSTRC" build eo.mstr -o eo

mkdir -p in
for p in 0 1 2; do seq $((p * 100000)) $((p * 100000 + 1499)) > "in/$p.txt"; done

failures=0
bad() { echo "FAIL: $*"; failures=$((failures + 1)); }

# The numbers written, by key, sorted; and the check that each key's counts are 1..n once.
values() { cat out/part-* | awk '{ print $1, $3 }' | sort; }
counts_exact() {
    cat out/part-* | awk '{ n[$1]++; sum[$1] += $2; if (seen[$1 " " $2]++) dup = 1 }
        END { for (k in n) if (sum[k] != n[k] * (n[k] + 1) / 2) dup = 1; exit dup }'
}

# check_logs LABEL [-le]: every commit log goes up by 0 or 1 per line (a commit repeated at a
# resume logs the same line as the first time) and its last line matches its file (with -le:
# says no more than the file holds, which may hold records written after the last cut); sets
# last to the last snapshot committed.
check_logs() {
    local w lines bytes lines_c bytes_c
    last=""
    for w in 0 1; do
        [ -f "out/commits-$w" ] || { bad "$1: worker $w never committed"; continue; }
        awk -v label="$1 worker $w" 'NR > 1 && ($1 < prev || $1 > prev + 1) {
                 print "FAIL: " label ": commit " $1 " after " prev; bad = 1 }
             NR > 1 && $1 == prev && $0 != line {
                 print "FAIL: " label ": commit " $1 " saw " line ", then " $0; bad = 1 }
             { prev = $1; line = $0 } END { exit bad }' "out/commits-$w" ||
            failures=$((failures + 1))
        lines=$(wc -l < "out/part-$w")
        bytes=$(wc -c < "out/part-$w")
        read -r last lines_c bytes_c < <(tail -1 "out/commits-$w")
        if [ "${2:-}" = -le ]; then
            [ "$lines_c" -le "$lines" ] && [ "$bytes_c" -le "$bytes" ]
        else
            [ "$lines_c $bytes_c" = "$lines $bytes" ]
        fi || bad "$1: worker $w's last commit says $lines_c lines, $bytes_c bytes; its file has $lines, $bytes"
    done
}

# 1. Without a state directory: one commit, for snapshot 0, at the end.
rm -rf out
./eo --workers 2 > /dev/null 2> err || bad "plain run failed: $(cat err)"
values > want
[ "$(wc -l < want)" = 4500 ] || bad "plain run wrote $(wc -l < want) lines, expected 4500"
counts_exact || bad "plain run: counts per key are not 1..n"
for w in 0 1; do
    [ "$(wc -l < "out/commits-$w")" = 1 ] && [ "$(cut -d' ' -f1 "out/commits-$w")" = 0 ] ||
        bad "plain run: worker $w's commits are not one for snapshot 0: $(cat "out/commits-$w")"
done
check_logs plain

# 2. With snapshots, uninterrupted: commits 1..N, once each, in order.
rm -rf out st
MSTR_TEST_POLL_RECORDS=20 MSTR_TEST_POLL_SLEEP_MS=1 \
    ./eo --workers 2 --state-dir st --snapshot-every 10ms > /dev/null 2> err ||
    bad "snapshot run failed: $(cat err)"
n=$(sed -n 's/^mstr: snapshots: [0-9]* taken, the last \([0-9]*\) .*/\1/p' err)
for w in 0 1; do
    [ "$(cut -d' ' -f1 "out/commits-$w" | tr '\n' ' ')" = "$(seq 1 "$n" | tr '\n' ' ')" ] ||
        bad "snapshot run: worker $w committed $(cut -d' ' -f1 "out/commits-$w" | tr '\n' ' '), expected 1..$n"
done
[ "$n" -gt 1 ] || bad "snapshot run took $n snapshots; the test wants several"
values | cmp -s - want || bad "snapshot run: the values differ from the plain run's"
counts_exact || bad "snapshot run: counts per key are not 1..n"
check_logs snapshots

# 3. kill -9 at random moments, then a run to the end.
rm -rf out st
killed=0
resumed=0
for i in 1 2 3 4 5 6 7 8; do
    commit_sleep=0
    [ $((i % 2)) = 0 ] && commit_sleep=15
    MSTR_TEST_POLL_RECORDS=5 MSTR_TEST_POLL_SLEEP_MS=2 MSTR_TEST_COMMIT_SLEEP_MS=$commit_sleep \
        ./eo --workers 2 --state-dir st --snapshot-every 20ms > /dev/null 2> "err.$i" &
    pid=$!
    sleep "0.$((RANDOM % 5 + 2))"
    kill -9 "$pid" 2> /dev/null && killed=$((killed + 1))
    wait "$pid" 2> /dev/null || true
    grep -q "^mstr: resumed from snapshot" "err.$i" && resumed=$((resumed + 1))
    grep -v "^mstr: \(resumed\|snapshots\)" "err.$i" && bad "kill run $i printed errors" || true
done
./eo --workers 2 --state-dir st > /dev/null 2> err || bad "the run after the kills failed: $(cat err)"
[ "$killed" -ge 2 ] || bad "only $killed of the runs were killed mid-way; the test needs slower runs"
[ "$resumed" -ge 1 ] || bad "no run resumed from a snapshot"
values | cmp -s - want || { bad "after kills: the values differ from the plain run's";
                            values | diff want - | head -5; }
counts_exact || bad "after kills: counts per key are not 1..n"
check_logs kills

# 4. SIGTERM: the job stops with its last snapshot committed (the sink's too), then resumes.
rm -rf out st
MSTR_TEST_POLL_RECORDS=5 MSTR_TEST_POLL_SLEEP_MS=2 \
    ./eo --workers 2 --state-dir st --snapshot-every 20ms > /dev/null 2> err &
pid=$!
sleep 0.4
kill -TERM "$pid"
status=0
wait "$pid" || status=$?
[ "$status" = 0 ] || bad "SIGTERM: exit status $status, expected 0"
stopped=$(sed -n 's/^mstr: stopped by SIGTERM after snapshot \([0-9]*\);.*/\1/p' err)
if [ -z "$stopped" ]; then
    bad "SIGTERM: the job did not say it stopped (it may have ended first): $(cat err)"
else
    check_logs sigterm -le
    [ "$last" = "$stopped" ] || bad "SIGTERM: the last commit is $last, the job stopped after $stopped"
    [ "$(cat out/part-* | wc -l)" -lt 4500 ] || bad "SIGTERM: the job had finished already"
fi
logged0=$(wc -l < out/commits-0)
logged1=$(wc -l < out/commits-1)
./eo --workers 2 --state-dir st > /dev/null 2> err || bad "the run after SIGTERM failed: $(cat err)"
# The resumed run commits the snapshot it resumed from first, seeing what the first commit saw.
for w in 0 1; do
    n=$((w == 0 ? logged0 : logged1))
    [ "$(sed -n "${n}p" "out/commits-$w")" = "$(sed -n "$((n + 1))p" "out/commits-$w")" ] ||
        bad "after SIGTERM: worker $w's first commit is not snapshot $stopped again: $(tail -n +"$n" "out/commits-$w" | head -2 | tr '\n' ' ')"
done
values | cmp -s - want || bad "after SIGTERM: the values differ from the plain run's"
counts_exact || bad "after SIGTERM: counts per key are not 1..n"
check_logs "after sigterm"

# 5. The port of Malstrom's file_sink_stateful says it writes each line once however often it is
# killed: kill it a few times and compare its files with the ones an uninterrupted run writes.
mkdir -p port && cd port
"$MSTRC" build "$ROOT/examples/file_sink_stateful.mstr" -o file_sink_stateful
for i in 1 2 3 4; do
    MSTR_TEST_POLL_RECORDS=1 MSTR_TEST_POLL_SLEEP_MS=10 \
        ./file_sink_stateful --workers 2 --state-dir st --snapshot-every 15ms > /dev/null 2>&1 &
    pid=$!
    sleep "0.$((RANDOM % 2 + 1))"
    kill -9 "$pid" 2> /dev/null || true
    wait "$pid" 2> /dev/null || true
done
./file_sink_stateful --workers 2 --state-dir st > /dev/null 2> err ||
    bad "file_sink_stateful after kills failed: $(cat err)"
for want in "$ROOT"/examples/expected/file_sink_stateful.files/file-sink/*; do
    cmp -s "$want" "file-sink/$(basename "$want")" ||
        bad "file_sink_stateful after kills: file-sink/$(basename "$want") differs"
done
cd ..

[ "$failures" = 0 ]
