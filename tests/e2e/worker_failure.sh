# A failing operator stops the whole job: fail(...) in a body on whichever worker owns the
# record makes the binary exit with status 1 and print
# `mstr: operator 'NAME' failed on worker N: MESSAGE`, while the other workers are still
# sending it records (so they must notice the failure rather than wait on a full exchange).
# A body that crashes (SIGSEGV, abort) must take the process down, not leave it hanging, and
# say in which operator it crashed.
# Everything runs under `timeout 20`: status 124 means the job hung.
set -eu
cd "$WORK" && mkdir -p worker_failure && cd worker_failure

failures=0
bad() { echo "$*"; failures=$((failures + 1)); }

# run_expect_fail BIN WORKERS OPERATOR MESSAGE: exit status 1 and exactly one failure line
# naming OPERATOR, a worker in range and MESSAGE.
run_expect_fail() {
    local bin=$1 workers=$2 op=$3 msg=$4 status=0
    timeout 20 "./$bin" --workers "$workers" > out 2> err || status=$?
    local tag="$bin (workers $workers)"
    [ "$status" != 124 ] || { bad "$tag: hung (killed by timeout)"; return; }
    [ "$status" = 1 ] || bad "$tag: exit status $status, expected 1"
    local lines n
    lines=$(grep -c "^mstr: operator '$op' failed on worker [0-9]*: $msg\$" err || true)
    [ "$lines" = 1 ] || { bad "$tag: expected one failure line, found $lines:"; head -5 err; return; }
    n=$(sed -n "s/^mstr: operator '$op' failed on worker \([0-9]*\): .*/\1/p" err)
    [ "$n" -ge 0 ] && [ "$n" -lt "$workers" ] || bad "$tag: worker $n out of range 0..$((workers - 1))"
}

# fail() in a map after key_by, on a long range so that the workers are busy exchanging.
cat > fail_map.mstr <<'MSTR'
source n: i64 = range(0, 3000000);
n
  |> key_by spread: i64 { return value % 13; }
  |> map check: i64 {
       if (value == 42)
         fail("bad value %" PRId64, value);
       return value;
     }
  |> sink out = null;
MSTR

# fail() in the on_epoch block of a stateful_op: at the end of the stream, on the worker that
# owns key 5 only.
cat > fail_epoch.mstr <<'MSTR'
source n: i64 = range(0, 1000);
n
  |> key_by mod: i64 { return value % 10; }
  |> stateful_op total: i64 (state i64) {
       *state += value;
     } on_epoch {
       if (epoch == MSTR_EPOCH_MAX && key == 5)
         fail("key %" PRId64 " total %" PRId64, key, *state);
       emit(*state);
     }
  |> sink out = stdout;
MSTR

# fail() with no exchange at all (a single worker may be the only one with data).
cat > fail_list.mstr <<'MSTR'
source n: i64 = list(1, 2, 42, 4);
n
  |> filter check { if (value == 42) fail("bad value %" PRId64, value); return true; }
  |> sink out = stdout;
MSTR

# Crashes in a body on one worker (the owner of key 3), while the others keep working.
crash() { # crash NAME STATEMENT
    sed "s/STATEMENT/$2/" > "$1.mstr" <<'MSTR'
c { #include <signal.h> }
source n: i64 = range(0, 2000000);
n
  |> key_by spread: i64 { return value % 7; }
  |> map boom: i64 {
       if (value == 1000003)
         STATEMENT;
       return value;
     }
  |> sink out = null;
MSTR
}
crash crash_segv "raise(SIGSEGV)"
crash crash_abort "abort()"

for prog in fail_map fail_epoch fail_list crash_segv crash_abort; do
    "$MSTRC" build "$prog.mstr" -o "$prog"
done

for workers in 1 2 4; do
    run_expect_fail fail_map "$workers" check "bad value 42"
    run_expect_fail fail_epoch "$workers" total "key 5 total 50000"
    run_expect_fail fail_list "$workers" check "bad value 42"
    for prog in crash_segv crash_abort; do
        status=0
        # (the braces keep the shell's "Segmentation fault" notice out of the log)
        { timeout 20 "./$prog" --workers "$workers" > out 2> err; } 2> /dev/null || status=$?
        case $status in
            0) bad "$prog (workers $workers): exited 0 after a crash" ;;
            124) bad "$prog (workers $workers): hung (killed by timeout)" ;;
        esac
        # The runtime names the worker that crashed, the operator and the signal, then dies of
        # it.
        sig=SEGV
        [ "$prog" = crash_abort ] && sig=ABRT
        grep -Eq "^mstr: worker [0-$((workers - 1))] crashed in operator 'boom': signal [0-9]+ \($sig\)$" err ||
            bad "$prog (workers $workers): no crash message naming the worker, operator and signal: $(cat err)"
    done
done

# A crash keeps what the crashing worker's file sink held: on one worker, every record before
# the one that crashed is in the file. (The signal is raised: a real division by zero is caught
# by UBSan first in the sanitizer builds.)
cat > crash_flush.mstr <<'MSTR'
c { #include <signal.h> }
source n: i64 = range(0, 100000);
n |> map divide: i64 { if (value == 5000) raise(SIGFPE); return value; }
  |> sink out = text("before.txt");
MSTR
"$MSTRC" build crash_flush.mstr -o crash_flush
{ timeout 20 ./crash_flush --workers 1 > out 2> err; } 2> /dev/null || true
grep -qx "mstr: worker 0 crashed in operator 'divide': signal 8 (FPE)" err ||
    bad "crash_flush: message: $(cat err)"
seq 0 4999 | cmp -s - before.txt || bad "crash_flush: before.txt lost records ($(wc -l < before.txt) lines)"

[ $failures = 0 ]
