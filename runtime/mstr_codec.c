/*
 * mstr_codec.c - the out-of-line parts of the record encoding (see mstr_codec.h): growing a
 * write buffer, and decoding a varint, which is too long to inline at every field.
 *
 * Varints are unsigned LEB128: seven bits per byte, least significant group first, the top
 * bit set on every byte but the last. A u64 needs at most ten bytes, and the tenth can only
 * carry bit 63, so a tenth byte above 1 (a value that does not fit in 64 bits) is as much an
 * error as an eleventh byte. Non-minimal encodings (such as 80 00 for 0) are accepted.
 */
#include "mstr_codec.h"

#include <stdio.h>
#include <stdlib.h>

#include "mstr_mem.h"

enum { WBUF_MIN_CAP = 64, VARINT_MAX_BYTES = 10 };

/* Grows b to hold n more bytes, at least doubling so that appends cost amortised O(1).
 * Aborts if memory is exhausted. */
void mstr_wbuf_grow(mstr_wbuf *b, size_t n)
{
    if (n > SIZE_MAX - b->len)
        mstr_oom(SIZE_MAX);
    size_t need = b->len + n;
    if (need <= b->cap)
        return;
    size_t cap = b->cap < WBUF_MIN_CAP ? WBUF_MIN_CAP : b->cap;
    while (cap < need)
        cap = cap > SIZE_MAX / 2 ? need : cap * 2;
    b->data = mstr_realloc(b->data, cap);
    b->cap = cap;
}

/* Frees the buffer's memory and leaves it empty, ready for reuse. */
void mstr_wbuf_free(mstr_wbuf *b)
{
    free(b->data);
    b->data = NULL;
    b->len = 0;
    b->cap = 0;
}

static uint64_t varint_fail(mstr_rbuf *r)
{
    r->error = true;
    r->p = r->end;
    return 0;
}

uint64_t mstr_get_varint(mstr_rbuf *r)
{
    uint64_t v = 0;
    for (unsigned i = 0; i < VARINT_MAX_BYTES; i++) {
        if (r->p == r->end)
            return varint_fail(r);
        unsigned char c = *r->p++;
        if (i == VARINT_MAX_BYTES - 1 && c > 1)
            return varint_fail(r);
        v |= (uint64_t)(c & 0x7f) << (7 * i);
        if ((c & 0x80) == 0)
            return v;
    }
    return varint_fail(r);
}
