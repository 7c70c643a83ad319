#!/usr/bin/env python3
"""Which worker owns a key: an independent model of runtime/mstr_hash.h and mstr_route.h,
written from their definitions (not from the C code), for expected outputs that name workers.

    python3 tests/models/owners.py multithreading|keyed_streams|rescaling WORKERS [PROCESSES]

prints examples/expected/NAME.wWORKERS.stdout (NAME.stdout for 1 worker), or with PROCESSES
NAME.pPROCESSESwW.stdout (WORKERS over PROCESSES processes, W in each), as the example prints
it in the order its records are processed. multithreading and keyed_streams print each value
0..100 as the Rust original prints a message, with the worker that owns its key:
multithreading keys each value by itself (an i64: 8 bytes little-endian) and doubles it,
keyed_streams keys it by whether it is even (a bool: one byte, 0 or 1). rescaling takes the
numbers 0..100 five times, keyed by whether each is even, and prints each key's running sum
with its worker.
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


def best(group, n, salt):
    score = lambda c: hash_bytes(((group << 32) | salt | c).to_bytes(8, "little"))
    chosen = 0
    for c in range(1, n):
        if score(c) > score(chosen):
            chosen = c
    return chosen


def owner(group, workers, processes=1):
    """The job-wide worker of `workers` (all processes together) that owns group: the process
    first (scores salted with 1 << 31), then its worker."""
    per_process = workers // processes
    process = best(group, processes, 1 << 31) if processes > 1 else 0
    return process * per_process + best(group, per_process, 0)


def data_message(key, printed, value, v):
    return key, "DataMessage { key: %s, value: %d, timestamp: %d }" % (printed, value, v)


def rescaling():
    sums = {True: 0, False: 0}
    for v in range(505):
        c = v % 101
        even = c % 2 == 0
        sums[even] += c
        yield bytes([even]), "%d" % sums[even]


# Per example: its records in order, each as its key's encoding and what it prints.
EXAMPLES = {
    "multithreading": lambda: (data_message(v.to_bytes(8, "little"), str(v), v * 2, v)
                               for v in range(101)),
    "keyed_streams": lambda: (data_message(bytes([v % 2 == 0]),
                                           "true" if v % 2 == 0 else "false", v, v)
                              for v in range(101)),
    "rescaling": rescaling,
}


def main():
    if len(sys.argv) < 3 or sys.argv[1] not in EXAMPLES:
        sys.exit(__doc__)
    workers = int(sys.argv[2])
    processes = int(sys.argv[3]) if len(sys.argv) > 3 else 1
    for encoded, text in EXAMPLES[sys.argv[1]]():
        g = key_group(hash_bytes(encoded), 4096)
        print("%s @ Worker %d" % (text, owner(g, workers, processes)))


main()
