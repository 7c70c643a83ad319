# mstrc graph: Graphviz's dot draws the graph of every example and Nexmark query without a
# warning; -o FILE.svg draws through dot, -o FILE.dot writes the DOT that stdout shows, a bad
# program prints its diagnostics and no graph, and without dot on PATH -o FILE.svg says what
# to install. (The exact DOT of a few examples is pinned by tests/graph/, in the golden tests.)
set -eu
cd "$ROOT"
out=$WORK/graph
mkdir -p "$out"
for src in examples/*.mstr examples/nexmark/*.mstr; do
    "$MSTRC" graph "$src" > "$out/job.dot"
    grep -q '^digraph ' "$out/job.dot"
    dot -Tsvg "$out/job.dot" -o "$out/job.svg" 2> "$out/dot.err"
    if [ -s "$out/dot.err" ]; then echo "dot warns on $src:"; cat "$out/dot.err"; exit 1; fi
done

"$MSTRC" graph examples/word_count.mstr -o "$out/wc.svg"
grep -q '<svg' "$out/wc.svg"
grep -q 'stateful_op count' "$out/wc.svg"
"$MSTRC" graph examples/word_count.mstr -o "$out/wc.dot"
"$MSTRC" graph examples/word_count.mstr | cmp - "$out/wc.dot"

status=0
"$MSTRC" graph tests/diagnostics/unknown_stream.mstr > "$out/bad.dot" 2> "$out/bad.err" || status=$?
[ "$status" = 1 ] && [ ! -s "$out/bad.dot" ] && grep -q 'error:' "$out/bad.err"

status=0
PATH=/nonexistent "$MSTRC" graph examples/word_count.mstr -o "$out/none.svg" 2> "$out/nodot.err" ||
    status=$?
[ "$status" = 1 ] && grep -q 'apt-get install graphviz' "$out/nodot.err"
