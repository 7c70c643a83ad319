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
