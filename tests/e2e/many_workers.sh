# Memory per worker does not grow with the worker count: a job of a few records on many
# workers must not make a link for every pair of workers. Doubling the workers from 200 to 400
# roughly doubles the peak memory; rings for every pair made it nearly four times as large
# (1.5 GB at 1000 workers). Two jobs: a stateless one, whose workers never exchange a batch,
# and a keyed one, whose every worker sends its epochs and end of stream to every other (on
# its board, mstr_channel_ring.c: a link per pair made 588 MB at 512 workers, 2.3 GB at 1024).
set -eu
cd "$WORK" && mkdir -p many_workers && cd many_workers
cat > few.mstr <<'MSTR'
source n: i64 = list(1, 2, 3, 4, 5);
n |> map twice: i64 { return value * 2; } |> sink out = stdout;
MSTR
cat > keyed.mstr <<'MSTR'
source n: i64 = list(1, 2, 3, 4, 5);
n |> key_by itself: i64 { return value; } |> map twice: i64 { return value * 2; }
  |> sink out = stdout;
MSTR
"$MSTRC" build few.mstr -o few
"$MSTRC" build keyed.mstr -o keyed
peak_kb() { # peak_kb JOB WORKERS EXPECTED: the job's peak resident memory in KiB
    /usr/bin/time -f %M -o rss "./$1" --workers "$2" > out
    [ "$(sort out | tr '\n' ' ')" = "$3" ] || { echo "wrong output of $1 on $2 workers:"; cat out; exit 1; }
    tail -1 rss
}
for job in few keyed; do
    expected=$(for v in 1 2 3 4 5; do
        key=$v
        [ $job = few ] && key=NoKey
        echo "{ key: $key, value: $((v * 2)), timestamp: $((v - 1)) }"
    done | sort | tr '\n' ' ')
    small=$(peak_kb $job 200 "$expected")
    large=$(peak_kb $job 400 "$expected")
    echo "$job: peak memory $small KiB on 200 workers, $large KiB on 400"
    [ $((large * 10)) -lt $((small * 28)) ] || { echo "memory grows faster than the workers"; exit 1; }
done
