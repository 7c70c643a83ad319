# make install puts mstrc, the runtime and the man pages under PREFIX (staged under DESTDIR when
# given); the installed mstrc, run from another directory, builds an example that prints what
# it should; make uninstall takes every file away again. The build installed is the one whose
# mstrc runs the suite (build/, build-asan/ or build-tsan/).
set -eu
case "$(basename "$(dirname "$MSTRC")")" in
    build-asan) san=asan ;;
    build-tsan) san=tsan ;;
    *) san= ;;
esac
prefix=$WORK/prefix
make -s -C "$ROOT" install SAN="$san" PREFIX="$prefix"
for f in bin/mstrc lib/libmstr.a include/malstrom/mstr.h share/man/man1/mstrc.1 \
         share/man/man1/mstr-job.1; do
    [ -f "$prefix/$f" ] || { echo "not installed: $f"; exit 1; }
done

# from a directory that is neither the source tree nor the prefix
run=$WORK/elsewhere
mkdir -p "$run"
cp "$ROOT/examples/word_count.mstr" "$run/"
cp -r "$ROOT/examples/data" "$run/data"
cd "$run"
"$prefix/bin/mstrc" build word_count.mstr -o wc
./wc > out
sort out > got
sort "$ROOT/examples/expected/word_count.stdout" > want
diff -u want got
"$prefix/bin/mstrc" graph word_count.mstr | grep -q '^digraph "word_count"'

# DESTDIR stages the same tree without touching PREFIX
make -s -C "$ROOT" install SAN="$san" PREFIX=/opt/malstrom DESTDIR="$WORK/stage"
[ -x "$WORK/stage/opt/malstrom/bin/mstrc" ] && [ ! -e /opt/malstrom/bin/mstrc ]
"$WORK/stage/opt/malstrom/bin/mstrc" check word_count.mstr

make -s -C "$ROOT" uninstall PREFIX="$prefix"
left=$(find "$prefix" -type f)
[ -z "$left" ] || { echo "left after uninstall:"; echo "$left"; exit 1; }
