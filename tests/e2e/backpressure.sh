# Backpressure between workers: every record crosses workers twice (two key_by in a row on
# different keys) and a flat_map multiplies records by ten before an exchange. The jobs must
# finish (under `timeout 120`), the null sink must count every record with the same checksum
# on 1, 2 and 4 workers (the checksum is a sum, so it does not depend on the order), and the
# peak memory must stay bounded (max RSS < 200 MB, measured with /usr/bin/time when it is
# installed): exchange queues must block a fast sender, not grow without limit.
set -eu
cd "$WORK" && mkdir -p backpressure && cd backpressure

cat > twice.mstr <<'MSTR'
source n: i64 = range(0, 2000000);
n
  |> key_by first: i64 { return value % 97; }
  |> key_by second: i64 { return value % 89; }
  |> sink out = null;
MSTR

cat > amplify.mstr <<'MSTR'
source n: i64 = range(0, 200000);
n
  |> flat_map tenfold: i64 {
       for (int64_t i = 0; i < 10; i++)
         emit(value * 10 + i);
     }
  |> key_by spread: i64 { return value % 101; }
  |> sink out = null;
MSTR

# A hot key: every record, with a 199-byte string, goes to the one worker that owns key 0,
# which does more work per record than the senders. Without backpressure the 1.5 million
# records sent to it on 4 workers would queue up well over the memory limit.
cat > hot.mstr <<'MSTR'
c {
static const char hot_pad[201] =
    "0123456789012345678901234567890123456789012345678901234567890123456789012345678901234567890123456789"
    "0123456789012345678901234567890123456789012345678901234567890123456789012345678901234567890123456789";
}
source n: i64 = range(0, 2000000);
n
  |> map pad: str { return (mstr_str){ hot_pad + (value & 1), 199 }; }
  |> key_by all: i64 { return 0; }
  |> map slow: i64 {
       volatile uint64_t x = 0;
       for (size_t i = 0; i < value.len; i += 4)
         x += (unsigned char)value.ptr[i];
       return (int64_t)x;
     }
  |> sink out = null;
MSTR

for bin in twice amplify hot; do
    "$MSTRC" build $bin.mstr -o $bin
done

time_v=
if [ -x /usr/bin/time ]; then time_v=/usr/bin/time; else echo "no /usr/bin/time: memory not checked"; fi
limit_kb=$((200 * 1024))

failures=0
bad() { echo "$*"; failures=$((failures + 1)); }

# run BIN WORKERS: runs it with --stats and sets result to the sink's "N records, checksum X"
# (not in a subshell, so that bad() counts).
run() {
    local bin=$1 workers=$2 status=0 tag="$1 (workers $2)"
    result=
    if [ -n "$time_v" ]; then
        timeout 120 "$time_v" -v -o time.out "./$bin" --workers "$workers" --stats > out 2> err ||
            status=$?
    else
        timeout 120 "./$bin" --workers "$workers" --stats > out 2> err || status=$?
    fi
    [ $status != 124 ] || { bad "$tag: did not finish in 120 s"; return; }
    [ $status = 0 ] || { bad "$tag: exit status $status"; head -5 err; return; }
    if [ -n "$time_v" ]; then
        local rss
        rss=$(sed -n 's/^[[:space:]]*Maximum resident set size (kbytes): //p' time.out)
        [ -n "$rss" ] || { bad "$tag: no max RSS in /usr/bin/time output"; return; }
        [ "$rss" -lt $limit_kb ] || bad "$tag: max RSS $rss kB, limit $limit_kb kB"
    fi
    result=$(sed -n "s/^mstr: sink 'out': \(.*\)/\1/p" err)
}

# check BIN WORKERS...: 2000000 records on one worker, and the same count and checksum on each
# of WORKERS.
check() {
    local bin=$1 one got workers
    shift
    run $bin 1
    one=$result
    case $one in
        "2000000 records, checksum "*) ;;
        *) bad "$bin (workers 1): sink reported '$one', expected 2000000 records" ;;
    esac
    for workers in "$@"; do
        run $bin $workers
        got=$result
        [ "$got" = "$one" ] || bad "$bin (workers $workers): sink reported '$got', on 1 worker '$one'"
    done
}

check twice 2 4
check amplify 2
check hot 2 4

[ $failures = 0 ]
