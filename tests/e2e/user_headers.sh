# A program's C may include headers of its own and link a library of the user's: `#include
# "x.h"` is found next to the .mstr file (wherever mstrc runs from), then in each -I directory;
# CFLAGS and LDFLAGS reach the C compiler. mstrc run's cache is keyed on the headers too: a
# changed header builds again, an unchanged one does not.
set -eu
cd "$WORK" && mkdir -p user_headers/prog/inc user_headers/prog/lib && cd user_headers
export MSTRC_CACHE="$WORK/user_headers/cache"
echo 'static inline long twice(long x) { return 2 * x; }' > prog/helpers.h
echo '#define OFFSET 100' > prog/inc/more.h
echo 'long triple(long x) { return 3 * x; }' > prog/lib/triple.c
cc -c prog/lib/triple.c -o prog/lib/triple.o
ar rcs prog/lib/libtriple.a prog/lib/triple.o
cat > prog/prog.mstr <<'MSTR'
c {
#include "helpers.h"
#include "more.h"
long triple(long x);
}
source n: i64 = list(1, 2);
n |> map m: i64 { return twice(value) + OFFSET + triple(value) + EXTRA; } |> sink out = stdout;
MSTR
export CFLAGS="-DEXTRA=1000" LDFLAGS="-Lprog/lib -ltriple"
"$MSTRC" build prog/prog.mstr -I prog/inc -o prog/prog
prog/prog > out
printf '%s\n' "{ key: NoKey, value: 1105, timestamp: 0 }" "{ key: NoKey, value: 1110, timestamp: 1 }" > want
diff want out

"$MSTRC" run prog/prog.mstr -Iprog/inc > out
diff want out
"$MSTRC" run prog/prog.mstr -Iprog/inc > out
[ "$(ls "$MSTRC_CACHE" | wc -l)" = 1 ] || { echo "an unchanged program was built again"; exit 1; }
echo '#define OFFSET 200' > prog/inc/more.h
"$MSTRC" run prog/prog.mstr -Iprog/inc > out
grep -qx "{ key: NoKey, value: 1205, timestamp: 0 }" out || { echo "a changed header was not seen"; cat out; exit 1; }
[ "$(ls "$MSTRC_CACHE" | wc -l)" = 2 ] || { echo "a changed header did not build again"; exit 1; }
