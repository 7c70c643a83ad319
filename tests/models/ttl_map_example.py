#!/usr/bin/env python3
"""The expected output of examples/ttl_map_example.mstr, from the Rust original
(malstrom-core/examples/ttl_map_example.rs) and the rules of docs/language.md, not from our code:

    python3 tests/models/ttl_map_example.py > examples/expected/ttl_map_example.stdout

The numbers 0..100 (timestamp = position), keyed by whether they are odd; per key an ExpireMap
from a string to an i32, each entry with its own expiry. For each record: entries whose expiry
is at or before its timestamp are gone, then total = value + the "total" entry (or value when
there is none), stored again to expire at ts + 15, and printed. After each record the epoch the
example's generator gives is issued (its closure returns the previous epoch, so none is), and an
epoch removes the entries it reached, dropping a key whose map is then empty.
"""

maps = {}       # key -> {entry key: (value, expiry)}
epoch = None    # the last epoch issued


def expire(entries, time):
    for k in [k for k, (_, expiry) in entries.items() if expiry <= time]:
        del entries[k]


for ts, value in enumerate(range(0, 100)):
    key = value & 1 == 1
    entries = maps.setdefault(key, {})
    expire(entries, ts)
    old = entries.get("total")
    total = value + old[0] if old is not None else value
    entries["total"] = (total, ts + 15)
    print("{ key: %s, value: %d, timestamp: %d }" % ("true" if key else "false", total, ts))
    candidate = epoch  # generate_epochs("generate", |_, t| t.to_owned()): the previous epoch
    if candidate is not None and (epoch is None or candidate > epoch):
        epoch = candidate
        for k in list(maps):
            expire(maps[k], epoch)
            if not maps[k]:
                del maps[k]
