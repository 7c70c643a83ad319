# A C error inside an operator body is reported by the C compiler at the .mstr file's line
# and column (thanks to #line); with --no-line it points into the generated C instead.
set -eu
cd "$WORK" && mkdir -p c_error && cd c_error
cat > bad_c.mstr <<'MSTR'
source n: i64 = range(0, 3);

n
  |> map oops: i64 {
       return value + undeclared_name;
     }
  |> sink out = stdout;
MSTR
if "$MSTRC" build bad_c.mstr -o bad_c 2> err; then echo "build should fail"; exit 1; fi
cat err
grep -q "^bad_c.mstr:5:23: error: .undeclared_name. undeclared" err
[ ! -e bad_c ]
if "$MSTRC" build --no-line bad_c.mstr -o bad_c 2> err2; then exit 1; fi
grep -q "^[^ ]*bad_c.c:[0-9]*:[0-9]*: error: .undeclared_name. undeclared" err2

# The same inside the blocks of a custom source and a custom sink.
cat > bad_custom.mstr <<'MSTR'
source n: u64 = custom(2) position u64 {
    poll {
        emit(*position, not_a_time);
        return false;
    }
};
n |> sink out = custom(u64) {
    write { *state += value; }
    commit { undeclared_in_commit(snapshot); }
};
MSTR
if "$MSTRC" build bad_custom.mstr -o bad_custom 2> err3; then echo "build should fail"; exit 1; fi
cat err3
grep -q "^bad_custom.mstr:3:25: error: .not_a_time. undeclared" err3
grep -q "^bad_custom.mstr:9:14: .*undeclared_in_commit" err3

# A body that can end without returning a value is an error (it printed zeros), reported at
# the body's closing brace in the .mstr file; no message names the generated C.
cat > no_return.mstr <<'MSTR'
source n: i64 = list(1, 2, 3);
n
  |> map twice: i64 {
       if (value > 1)
         return value * 2;
     }
  |> sink out = stdout;
MSTR
if "$MSTRC" build no_return.mstr -o no_return 2> err4; then echo "build should fail"; exit 1; fi
cat err4
grep -q "^no_return.mstr:6:7: error: control reaches end of non-void function" err4
if grep -q "no_return\.c" err4; then echo "a message names the generated C"; exit 1; fi
[ ! -e no_return ]
