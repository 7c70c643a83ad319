# A missing input file stops the job before any output, with a message naming the source and
# the file, and exit status 1.
set -eu
cd "$WORK" && mkdir -p missing && cd missing
cat > missing.mstr <<'MSTR'
source ok: i64 = list(1, 2);
source input: str = lines("does-not-exist.txt");
ok |> sink a = stdout;
input |> sink b = stdout;
MSTR
"$MSTRC" build missing.mstr -o missing
set +e
./missing > out 2> err
status=$?
set -e
cat err
[ $status = 1 ]
[ ! -s out ]
grep -qx "mstr: source 'input': cannot read 'does-not-exist.txt': No such file or directory" err
