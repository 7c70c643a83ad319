# A ttl_map's map state across stops and restores: per user (40 of them, 2000 clicks), entries
# for 7 items, each expiring 20 to 180 after its click, some clicks removing their item
# instead; each click writes what its item held before (the label of the click that put it,
# how many puts it has had) and how many entries its user has now, to a file sink. The job is
# stopped with SIGTERM at 1 to 3 random moments and resumed until it finishes
# (tests/lib/stop_resume.sh): at the same worker count (1, 2 and 4) and at another (1 -> 3,
# 2 -> 1, 4 -> 3), where each key group's maps move with it. At every stop users hold entries,
# some about to expire: an entry, value or expiry that a snapshot did not keep as it was
# changes what later clicks write. The items file must equal an uninterrupted run's (line for
# line on one worker, sorted on more), and the uninterrupted runs on 1, 2 and 4 workers must
# agree with each other.
#
# The sanitizer builds run one same-count case and one change, drawn from the seed (under
# AddressSanitizer every run also checks that no entry is leaked); MSTR_TEST_FULL=1 runs all
# six. MSTR_TEST_SEED=N repeats the random choices.
set -eu
. "$ROOT/tests/lib/snapshots.sh"
cd "$WORK" && mkdir -p ttl_entries_resume && cd ttl_entries_resume
. "$ROOT/tests/lib/stop_resume.sh"

seed=${MSTR_TEST_SEED:-$(($(date +%s%N) % 1000000))}
RANDOM=$seed
echo "seed $seed (MSTR_TEST_SEED=$seed repeats the random choices)"

# One partition, read by worker 0 at every worker count, and an epoch after each click: what
# each click finds is the same in every run.
cat > expiring_items.mstr <<'MSTR'
job expiring_items;

type Item { label: str; puts: u64; }
type Seen { user: u64; item: u64; before: str; puts: u64; entries: u64; }

source clicks: i64 = range(0, 2000) partitions 1;

clicks
  |> epochs after_each bounded(0)
  |> key_by user: u64 { return (mstr_hash_u64((uint64_t)value) >> 40) % 40; }
  |> ttl_map items: Seen (state map<u64, Item>) {
       u64 item = (u64)value % 7;
       const Item *had = entry_get(item);
       Seen out = { .user = key, .item = item, .before = had != NULL ? had->label : MSTR_STR("-"),
                    .puts = had != NULL ? had->puts : 0 };
       if (value % 11 == 0)
           entry_remove(item);
       else
           entry_insert(item, ((Item){ .label = mstr_str_printf(ctx, "click %lld", (long long)value),
                                       .puts = out.puts + 1 }),
                        ts + 20 + (value % 5) * 40);
       out.entries = entry_count();
       return out;
     }
  |> sink out = text("items.txt");
MSTR

programs="expiring_items 4 2"
build_programs "$programs"
[ -x expiring_items ] || { echo "$failures failures"; exit 1; }

uninterrupted_agree expiring_items items.txt
ref=ref-expiring_items-w1/items.txt
[ "$(wc -l < $ref)" = 2000 ] || bad "the uninterrupted run wrote $(wc -l < $ref) lines, not 2000"
# The entries must have come and gone: some clicks find their item, some find it expired
# (or removed), and some users hold several entries at once.
grep -q 'before: "click' $ref || bad "no click found its item"
grep -q 'before: "-"' $ref || bad "every click found its item"
grep -q 'entries: [3-7] }' $ref || bad "no user held three entries or more"

stopped_cases expiring_items
[ $failures = 0 ]
