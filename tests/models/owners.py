#!/usr/bin/env python3
"""Which worker owns a key: an independent model of runtime/mstr_hash.h and mstr_route.h,
written from their definitions (not from the C code), for expected outputs that name workers.

    python3 tests/models/owners.py multithreading|keyed_streams WORKERS [KEY_GROUPS]

prints examples/expected/NAME.wWORKERS.stdout (NAME.stdout for 1 worker): each value 0..100
of the example as the Rust original prints a message, with the worker that owns its key:
multithreading keys each value by itself (an i64: 8 bytes little-endian) and doubles it,
keyed_streams keys it by whether it is even (a bool: one byte, 0 or 1).
"""
import sys

M = (1 << 64) - 1
P1, P2 = 0x9E3779B97F4A7C15, 0xC2B2AE3D27D4EB4F


def mix(x):
    y = ((x ^ (x >> 29)) * P2) & M
    return y ^ (y >> 32)


def hash_bytes(b):
    v = (len(b) * P1) & M
    for i in range(0, len(b), 8):
        w = int.from_bytes(b[i:i + 8].ljust(8, b"\0"), "little")
        v = mix(((v ^ w) * P1) & M)
    return mix(v)


def key_group(h, groups):
    return ((h >> 32) * groups) >> 32


def owner(group, workers):
    score = lambda w: hash_bytes(((group << 32) | w).to_bytes(8, "little"))
    best = 0
    for w in range(1, workers):
        if score(w) > score(best):
            best = w
    return best


# Per example: the key of value v, its encoding, how it prints, and the value printed.
EXAMPLES = {
    "multithreading": lambda v: (v.to_bytes(8, "little"), str(v), v * 2),
    "keyed_streams": lambda v: (bytes([v % 2 == 0]), "true" if v % 2 == 0 else "false", v),
}


def main():
    if len(sys.argv) < 3 or sys.argv[1] not in EXAMPLES:
        sys.exit(__doc__)
    workers = int(sys.argv[2])
    groups = int(sys.argv[3]) if len(sys.argv) > 3 else 4096
    for v in range(101):
        encoded, key, value = EXAMPLES[sys.argv[1]](v)
        g = key_group(hash_bytes(encoded), groups)
        print("DataMessage { key: %s, value: %d, timestamp: %d } @ Worker %d"
              % (key, value, v, owner(g, workers)))


main()
