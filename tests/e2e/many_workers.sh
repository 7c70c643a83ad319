# Memory per worker does not grow with the worker count: a job of a few records on many
# workers (a stateless one: its workers never exchange a batch) must not make a link for every
# pair of workers up front. Doubling the workers from 200 to 400 roughly doubles the peak
# memory; rings for every pair made it nearly four times as large (1.5 GB at 1000 workers).
set -eu
cd "$WORK" && mkdir -p many_workers && cd many_workers
cat > few.mstr <<'MSTR'
source n: i64 = list(1, 2, 3, 4, 5);
n |> map twice: i64 { return value * 2; } |> sink out = stdout;
MSTR
"$MSTRC" build few.mstr -o few
peak_kb() { # peak_kb WORKERS: the job's peak resident memory in KiB
    /usr/bin/time -f %M -o rss ./few --workers "$1" > out
    [ "$(sort out | tr '\n' ' ')" = "{ key: NoKey, value: 10, timestamp: 4 } { key: NoKey, value: 2, timestamp: 0 } { key: NoKey, value: 4, timestamp: 1 } { key: NoKey, value: 6, timestamp: 2 } { key: NoKey, value: 8, timestamp: 3 } " ] ||
        { echo "wrong output on $1 workers:"; cat out; exit 1; }
    tail -1 rss
}
small=$(peak_kb 200)
large=$(peak_kb 400)
echo "peak memory: $small KiB on 200 workers, $large KiB on 400"
[ $((large * 10)) -lt $((small * 28)) ] || { echo "memory grows faster than the workers"; exit 1; }
