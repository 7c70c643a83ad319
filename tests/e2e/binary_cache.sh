# The cache of built binaries (compiler/cache.h): mstrc run builds once and reuses the binary
# while the program is unchanged; mstrc build goes through the same cache and copies the
# binary out, replacing one that is running; a change to the program or to a header it
# includes builds anew; the C compiler's warnings are printed again on every reuse.
set -eu
cd "$WORK" && rm -rf binary_cache && mkdir binary_cache && cd binary_cache
export MSTRC_CACHE="$PWD/cache"
fails=0
bad() { echo "FAIL: $*"; fails=$((fails + 1)); }
example=$ROOT/examples/look_ma_im_streaming.mstr
want=$ROOT/examples/expected/look_ma_im_streaming.stdout
values() { ./warn | sed 's/.*value: \([0-9]*\),.*/\1/' | tr '\n' ' '; }
entries() { find "$MSTRC_CACHE" -type f ! -name '*.tmp' | sort; }

# mstrc run: one binary, run twice, the arguments after -- reach the job
"$MSTRC" run "$example" > run1
diff "$want" run1 || bad "mstrc run: output differs"
first=$(entries)
[ "$(echo "$first" | wc -l)" = 1 ] || bad "mstrc run: the cache holds $(echo "$first" | wc -l) files"
"$MSTRC" run "$example" -- --stats > run2 2> run2.err
diff "$want" run2 || bad "mstrc run again: output differs"
grep -q "mstr: sink 'out': 4 records" run2.err || bad "mstrc run: --stats did not reach the job"
[ "$(entries)" = "$first" ] || bad "mstrc run built again: $(entries)"

# mstrc build: the cached binary, copied (not a link into the cache)
"$MSTRC" build "$example" -o built
[ "$(entries)" = "$first" ] || bad "mstrc build did not use run's binary: $(entries)"
cmp -s built "$first" || bad "mstrc build wrote another binary than the cached one"
[ ! "built" -ef "$first" ] || bad "mstrc build linked the cache's file"
[ -x built ] || bad "the built binary is not executable"
./built > built.out && diff "$want" built.out || bad "the built binary's output differs"

# Rebuilding over a binary that is running (a plain write would fail: text file busy)
cat > slow.mstr <<'MSTR'
job slow;
c {
#include <unistd.h>
}
source n: i64 = range(0, 100);
n |> map wait: i64 { usleep(20000); return value; } |> sink out = null;
MSTR
"$MSTRC" build slow.mstr -o slow
./slow & running=$!
sleep 0.2
"$MSTRC" build slow.mstr -o slow 2> rebuild.err || bad "rebuilding a running binary failed: $(cat rebuild.err)"
wait $running || bad "the running binary failed after it was rebuilt"

# A header the program includes is part of the key; a warning is printed on every build
cat > h.h <<'H'
static inline long twice(long v) { return 2 * v; }
H
cat > warn.mstr <<'MSTR'
job warn;
c {
#include "h.h"
}
source n: i64 = range(0, 3);
n |> map m: i64 { int unused_here = 0; return twice(value); } |> sink out = stdout;
MSTR
for round in 1 2; do
    "$MSTRC" build warn.mstr -o warn 2> warn.$round.err || bad "build $round of warn.mstr failed"
    grep -q "warn.mstr:6:.*unused_here" warn.$round.err ||
        bad "build $round: no warning at warn.mstr:6: $(cat warn.$round.err)"
done
cmp -s warn.1.err warn.2.err || bad "the reused build printed other messages"
[ "$(values)" = "0 2 4 " ] || bad "warn: wrong output: $(./warn)"
before=$(entries | wc -l)
echo 'static inline long twice(long v) { return 3 * v; }' > h.h
"$MSTRC" build warn.mstr -o warn 2> /dev/null
[ "$(values)" = "0 3 6 " ] || bad "a changed header was not rebuilt: $(./warn)"
[ "$(entries | wc -l)" -gt "$before" ] || bad "a changed header made no new cache entry"

# A failed build leaves nothing in the cache
echo 'job broken; source n: i64 = range(0, 3); n |> map m: i64 { return nope; } |> sink out = stdout;' > broken.mstr
before=$(entries)
! "$MSTRC" build broken.mstr -o broken 2> broken.err || bad "a broken program built"
[ "$(entries)" = "$before" ] || bad "a failed build left files in the cache"
[ ! -e broken ] || bad "a failed build wrote its binary"
[ $fails = 0 ]
