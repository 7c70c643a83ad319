# mstrc run builds once into the cache and reuses the binary while the program is unchanged.
set -eu
cd "$ROOT"
export MSTRC_CACHE="$WORK/run-cache"
rm -rf "$MSTRC_CACHE"
"$MSTRC" run examples/look_ma_im_streaming.mstr > "$WORK/run1"
diff examples/expected/look_ma_im_streaming.stdout "$WORK/run1"
first=$(ls "$MSTRC_CACHE")
"$MSTRC" run examples/look_ma_im_streaming.mstr -- --stats > "$WORK/run2" 2> "$WORK/run2.err"
diff examples/expected/look_ma_im_streaming.stdout "$WORK/run2"
grep -q "mstr: sink 'out': 4 records" "$WORK/run2.err"
[ "$(ls "$MSTRC_CACHE")" = "$first" ]
