# mstrc emit gives the same bytes every time, names no absolute path, and puts #line
# directives around user code unless --no-line.
set -eu
cd "$ROOT"
"$MSTRC" emit examples/csv_trades.mstr > "$WORK/a.c"
"$MSTRC" emit examples/csv_trades.mstr > "$WORK/b.c"
cmp "$WORK/a.c" "$WORK/b.c"
! grep -q "$ROOT" "$WORK/a.c"
grep -q '^#line [0-9]* "examples/csv_trades.mstr"$' "$WORK/a.c"
grep -q '^#line [0-9]* "csv_trades.c"$' "$WORK/a.c"
"$MSTRC" emit --no-line examples/csv_trades.mstr > "$WORK/c.c"
! grep -q '^#line' "$WORK/c.c"
# The #line back into the generated file names the line that follows it.
awk '/^#line [0-9]+ "csv_trades.c"$/ { if ($2 != NR + 1) { print "bad #line at " NR; bad = 1 } }
     END { exit bad }' "$WORK/a.c"
