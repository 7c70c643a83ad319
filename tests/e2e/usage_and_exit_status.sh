# Exit statuses: 0 success, 1 errors in the program, 2 bad usage; --help everywhere.
set -u
cd "$WORK" && mkdir -p usage && cd usage
expect() { # expect STATUS CMD...
    local want=$1; shift
    "$@" > /dev/null 2>&1
    local got=$?
    [ "$got" = "$want" ] || { echo "'$*' exited $got, expected $want"; exit 1; }
}
expect 2 "$MSTRC"
expect 2 "$MSTRC" frobnicate x.mstr
expect 2 "$MSTRC" build
expect 2 "$MSTRC" build x.mstr --bogus
expect 2 "$MSTRC" check x.mstr -- arg
expect 0 "$MSTRC" --help
expect 1 "$MSTRC" check no-such-file.mstr
printf 'source s: i64 = list(1);\ns |> sink o = null;\n' > ok.mstr
printf 'source s: i64 = list(1);\ns |> sink o = nul;\n' > bad.mstr
expect 0 "$MSTRC" check ok.mstr
expect 1 "$MSTRC" check bad.mstr
expect 1 "$MSTRC" build bad.mstr -o bad
expect 0 "$MSTRC" build ok.mstr -o ok
expect 0 ./ok
expect 0 ./ok --help
expect 2 ./ok --bogus
"$MSTRC" --help | grep -q "usage: mstrc"
./ok --help | grep -q "usage: ./ok"
# An output that is the program itself is refused (usage: 2) and the program is left intact,
# whatever the spelling: -o x.mstr, -o ./x.mstr, or a program without .mstr built to its name.
cp ok.mstr keep.mstr
expect 2 "$MSTRC" build keep.mstr -o keep.mstr
expect 2 "$MSTRC" build keep.mstr -o ./keep.mstr
expect 2 "$MSTRC" emit keep.mstr -o keep.mstr
cp ok.mstr plain
expect 2 "$MSTRC" build plain
cmp -s ok.mstr keep.mstr && cmp -s ok.mstr plain || { echo "the program was overwritten"; exit 1; }
