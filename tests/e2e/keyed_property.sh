# Property test of keyed state: random CSV inputs (fixed seeds) go through key_by into a
# stateful_map that keeps a running sum and count per key, and into a stateful_op that emits
# each key's final sum and count at the end of the stream. On 1, 2, 3 and 4 workers the results
# must equal those of a plain C reference program: every running line (key, record number,
# prefix sum, count) and every final line, and each key's running lines must appear in the
# key's input order (one CSV file is one partition, so per-key order is preserved).
set -eu
cd "$WORK" && mkdir -p keyed_property && cd keyed_property

# The generator: CASE SEED ROWS K KIND writes CASE.csv with ROWS rows "k,v", keys drawn from
# 1..K (as integers, or as strings of varied length), values uniform in [-1e6, 1e6].
cat > gen.py <<'PY'
import random, sys
name, seed, rows, k, kind = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), sys.argv[5]
rng = random.Random(seed)
with open(name + ".csv", "w") as f:
    f.write("k,v\n")
    for _ in range(rows):
        key = rng.randint(1, k)
        if kind == "str":
            key = "k%d%s" % (key, "_" * (key % 13))
        f.write("%s,%d\n" % (key, rng.randint(-1000000, 1000000)))
PY

# The reference: reads "k,v" rows (header first) and prints, sorted by key then record
# number, "k,ts,sum,count" for every record (the key's prefix sums) to running.ref and
# "k,-1,sum,count" per key to final.ref. Keys are compared as strings; any total order will do.
cat > ref.c <<'C'
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct row { char key[64]; int64_t v; long ts; } row;

static int by_key_then_ts(const void *a, const void *b)
{
    const row *x = a, *y = b;
    int c = strcmp(x->key, y->key);
    if (c != 0)
        return c;
    return (x->ts > y->ts) - (x->ts < y->ts);
}

int main(int argc, char **argv)
{
    if (argc != 4)
        return 2;
    FILE *in = fopen(argv[1], "r"), *run = fopen(argv[2], "w"), *fin = fopen(argv[3], "w");
    if (!in || !run || !fin)
        return 1;
    char line[256];
    size_t n = 0, cap = 16;
    row *rows = malloc(cap * sizeof *rows);
    if (!fgets(line, sizeof line, in))
        return 1;                                   /* the header */
    while (fgets(line, sizeof line, in)) {
        if (n == cap)
            rows = realloc(rows, (cap *= 2) * sizeof *rows);
        char *comma = strchr(line, ',');
        if (!comma || comma - line >= 64)
            return 1;
        *comma = '\0';
        strcpy(rows[n].key, line);
        rows[n].v = strtoll(comma + 1, NULL, 10);
        rows[n].ts = (long)n;
        n++;
    }
    qsort(rows, n, sizeof *rows, by_key_then_ts);
    int64_t sum = 0, count = 0;
    for (size_t i = 0; i < n; i++) {
        if (i > 0 && strcmp(rows[i].key, rows[i - 1].key) != 0)
            sum = count = 0;
        sum += rows[i].v;
        count++;
        fprintf(run, "%s,%ld,%" PRId64 ",%" PRId64 "\n", rows[i].key, rows[i].ts, sum, count);
        if (i + 1 == n || strcmp(rows[i].key, rows[i + 1].key) != 0)
            fprintf(fin, "%s,-1,%" PRId64 ",%" PRId64 "\n", rows[i].key, sum, count);
    }
    free(rows);
    return fclose(run) | fclose(fin);
}
C
cc -O1 -o ref ref.c

# The job, once with i64 keys and once with str keys (KEYTYPE).
job() { # job KEYTYPE: writes job_KEYTYPE.mstr
    sed "s/KEYTYPE/$1/g" > "job_$1.mstr" <<'MSTR'
type Row { k: KEYTYPE; v: i64; }
type Acc { sum: i64; count: i64; }
type Line { k: KEYTYPE; ts: i64; sum: i64; count: i64; }

source rows: Row = csv("in.csv");

stream keyed = rows |> key_by by_k: KEYTYPE { return value.k; };

keyed
  |> stateful_map running: Line (state Acc) {
       state->sum += value.v;
       state->count++;
       return (Line){ .k = key, .ts = ts, .sum = state->sum, .count = state->count };
     }
  |> sink running_out = csv("running.csv");

keyed
  |> stateful_op final: Line (state Acc) {
       state->sum += value.v;
       state->count++;
     } on_epoch {
       if (epoch == MSTR_EPOCH_MAX) {
         emit(((Line){ .k = key, .ts = -1, .sum = state->sum, .count = state->count }));
         drop_state();
       }
     }
  |> sink final_out = csv("final.csv");
MSTR
    "$MSTRC" build "job_$1.mstr" -o "job_$1"
}
job i64
job str

failures=0
check() { # check CASE SEED ROWS K KIND
    local name=$1 kind=$5 workers
    python3 gen.py "$@"
    ./ref "$name.csv" "$name.running.ref" "$name.final.ref"
    [ "$(wc -l < "$name.running.ref")" = "$3" ] || { echo "$name: reference is wrong"; exit 1; }
    cp "$name.csv" in.csv
    for workers in 1 2 3 4; do
        local tag="$name w$workers"
        rm -f running.csv final.csv
        if ! timeout 20 "./job_$kind" --workers $workers > out 2> err; then
            echo "$tag: job failed"; cat err; failures=$((failures + 1)); continue
        fi
        [ ! -s err ] || { echo "$tag: stderr:"; cat err; failures=$((failures + 1)); }
        for f in running final; do
            if [ "$(head -n 1 $f.csv)" != "k,ts,sum,count" ]; then
                echo "$tag: $f.csv header: $(head -n 1 $f.csv)"; failures=$((failures + 1))
            fi
            tail -n +2 $f.csv | LC_ALL=C sort > $f.got
            LC_ALL=C sort "$name.$f.ref" > $f.want
            if ! diff $f.want $f.got > diff.out; then
                echo "$tag: $f differs from the reference:"; head -20 diff.out
                failures=$((failures + 1))
            fi
        done
        # In the order written: each key's record numbers increase.
        if ! awk -F, 'NR > 1 { if (($1 in last) && $2 <= last[$1]) { print "key " $1 ": " $2 " after " last[$1]; bad = 1 } last[$1] = $2 }
                      END { exit bad }' running.csv; then
            echo "$tag: per-key order not preserved"; failures=$((failures + 1))
        fi
    done
}

check empty     11    0   7 i64
check one_key   12 3000   1 i64
check seven     13 2500   7 i64
check many      14 3000 500 i64
check strings   15 1777 500 str
check str_seven 16  999   7 str

[ $failures = 0 ]
