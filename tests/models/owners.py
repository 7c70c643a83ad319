#!/usr/bin/env python3
"""Which worker owns a key: an independent model of runtime/mstr_hash.h and mstr_route.h,
written from their definitions (not from the C code), for expected outputs that name workers.

    python3 tests/models/owners.py multithreading WORKERS [KEY_GROUPS]

prints examples/expected/multithreading.wWORKERS.stdout: each value 0..100 of the example,
doubled, with the worker that owns it as an i64 key (8 bytes little-endian).
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


def main():
    if len(sys.argv) < 3 or sys.argv[1] != "multithreading":
        sys.exit(__doc__)
    workers = int(sys.argv[2])
    groups = int(sys.argv[3]) if len(sys.argv) > 3 else 4096
    for v in range(101):
        g = key_group(hash_bytes(v.to_bytes(8, "little")), groups)
        print("%d @ Worker %d" % (v * 2, owner(g, workers)))


main()
