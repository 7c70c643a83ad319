/*
 * mstr_wire.c - the messages between processes (see mstr_wire.h).
 */
#include "mstr_wire.h"

#include <string.h>

mstr_wire_kind mstr_wire_kind_of(const unsigned char *p, size_t n)
{
    return n > 0 && p[0] >= MSTR_WIRE_HELLO && p[0] <= MSTR_WIRE_HANDOFF ? (mstr_wire_kind)p[0] : 0;
}

/* A reader of message p whose kind must be `kind`: its first byte is skipped. */
static mstr_rbuf reader(const unsigned char *p, size_t n, mstr_wire_kind kind)
{
    mstr_rbuf r = { p, p + n, false };
    if (mstr_wire_kind_of(p, n) != kind)
        r.error = true;
    else
        r.p++;
    return r;
}

static bool finished(const mstr_rbuf *r)
{
    return !r->error && r->p == r->end;
}

void mstr_wire_put_hello(mstr_wbuf *b, const mstr_wire_hello *h)
{
    mstr_put_le(b, MSTR_WIRE_HELLO, 1);
    mstr_put_le(b, h->process, 4);
    mstr_put_le(b, h->processes, 4);
    mstr_put_le(b, h->workers, 4);
    mstr_put_le(b, h->fingerprint, 8);
    mstr_put_le(b, h->round, 8);
    mstr_put_le(b, h->layout, 8);
}

bool mstr_wire_get_hello(const unsigned char *p, size_t n, mstr_wire_hello *h)
{
    mstr_rbuf r = reader(p, n, MSTR_WIRE_HELLO);
    h->process = (uint32_t)mstr_get_le(&r, 4);
    h->processes = (uint32_t)mstr_get_le(&r, 4);
    h->workers = (uint32_t)mstr_get_le(&r, 4);
    h->fingerprint = mstr_get_le(&r, 8);
    h->round = mstr_get_le(&r, 8);
    h->layout = mstr_get_le(&r, 8);
    return finished(&r);
}

void mstr_wire_put_batch_head(mstr_wbuf *b, const mstr_xbatch *x)
{
    mstr_put_le(b, MSTR_WIRE_BATCH, 1);
    mstr_put_le(b, (uint32_t)x->from, 4);
    mstr_put_le(b, (uint32_t)x->to, 4);
    mstr_put_le(b, (uint32_t)x->exchange, 4);
    mstr_put_le(b, x->records, 8);
    mstr_put_le(b, (uint64_t)x->ctl.kind, 1);
    mstr_put_le(b, (uint64_t)x->ctl.value, 8);
    mstr_put_le(b, x->nmarks, 4);
    for (size_t i = 0; i < x->nmarks; i++) {
        mstr_put_le(b, x->marks[i].records, 4);
        mstr_put_le(b, (uint64_t)x->marks[i].epoch, 8);
    }
}

/* Reads a batch's marks into x (whose records are read): at most MSTR_XBATCH_MARKS, none
 * before an earlier one or after the batch's records. */
static bool get_marks(mstr_rbuf *r, mstr_xbatch *x)
{
    size_t n = (size_t)mstr_get_le(r, 4);
    if (r->error || n > MSTR_XBATCH_MARKS)
        return false;
    x->nmarks = 0;
    for (size_t i = 0; i < n; i++) {
        size_t records = (size_t)mstr_get_le(r, 4);
        int64_t epoch = (int64_t)mstr_get_le(r, 8);
        size_t last = i > 0 ? x->marks[i - 1].records : 0;
        if (r->error || records < last || records > x->records)
            return false;
        mstr_xbatch_mark(x, records, epoch);
    }
    return true;
}

bool mstr_wire_get_batch(const unsigned char *p, size_t n, mstr_xbatch *x)
{
    mstr_rbuf r = reader(p, n, MSTR_WIRE_BATCH);
    x->from = (int)mstr_get_le(&r, 4);
    x->to = (int)mstr_get_le(&r, 4);
    x->exchange = (int)mstr_get_le(&r, 4);
    x->records = (size_t)mstr_get_le(&r, 8);
    uint64_t kind = mstr_get_le(&r, 1);
    x->ctl.value = (int64_t)mstr_get_le(&r, 8);
    if (r.error || kind > MSTR_CTL_RESCALE || !get_marks(&r, x))
        return false;
    x->ctl.kind = (mstr_ctl_kind)kind;
    x->data.len = 0;
    mstr_put_bytes(&x->data, r.p, (size_t)(r.end - r.p));
    return true;
}

void mstr_wire_put_credit_start(mstr_wbuf *b)
{
    b->len = 0;
    mstr_put_le(b, MSTR_WIRE_CREDIT, 1);
}

void mstr_wire_put_credit(mstr_wbuf *b, uint32_t sender, uint32_t receiver, uint32_t batches)
{
    mstr_put_le(b, sender, 4);
    mstr_put_le(b, receiver, 4);
    mstr_put_le(b, batches, 4);
}

bool mstr_wire_get_credits(const unsigned char *p, size_t n,
                           void (*fn)(void *arg, uint32_t sender, uint32_t receiver,
                                      uint32_t batches),
                           void *arg)
{
    mstr_rbuf r = reader(p, n, MSTR_WIRE_CREDIT);
    if (r.error || (size_t)(r.end - r.p) % 12 != 0)
        return false;
    while (r.p < r.end) {
        uint32_t sender = (uint32_t)mstr_get_le(&r, 4), receiver = (uint32_t)mstr_get_le(&r, 4);
        fn(arg, sender, receiver, (uint32_t)mstr_get_le(&r, 4));
    }
    return true;
}

void mstr_wire_put_coord(mstr_wbuf *b, const mstr_wire_coord *c)
{
    mstr_put_le(b, c->kind, 1);
    switch (c->kind) {
    case MSTR_WIRE_RESTORE:
    case MSTR_WIRE_RESCALE:
        mstr_put_le(b, c->snapshot, 8);
        mstr_put_le(b, c->value, 8);
        mstr_put_le(b, c->workers, 4);
        mstr_put_le(b, c->processes, 4);
        if (c->kind == MSTR_WIRE_RESCALE) {
            mstr_put_le(b, c->was_workers, 4);
            mstr_put_le(b, c->was_processes, 4);
            mstr_put_le(b, c->round, 8);
            mstr_put_le(b, c->layout, 8);
            mstr_put_le(b, c->last, 8);
            mstr_put_le(b, c->shape_len, 4);
            mstr_put_bytes(b, c->shape, c->shape_len);
        }
        mstr_put_bytes(b, c->message, c->message_len);
        return;
    case MSTR_WIRE_HANDOFF:
        mstr_put_le(b, c->snapshot, 8);
        mstr_put_le(b, c->value, 8);
        mstr_put_le(b, c->processes, 4);
        mstr_put_le(b, c->flag, 1);
        mstr_put_bytes(b, c->message, c->message_len);
        return;
    case MSTR_WIRE_COMMITTED:
    case MSTR_WIRE_CONTROL:
    case MSTR_WIRE_RESCALED:
        mstr_put_le(b, c->snapshot, 8);
        mstr_put_le(b, c->value, 8);
        return;
    case MSTR_WIRE_ANSWER:
        mstr_put_le(b, c->snapshot, 8);
        mstr_put_le(b, c->value, 8);
        mstr_put_bytes(b, c->message, c->message_len);
        return;
    case MSTR_WIRE_GO:
        mstr_put_le(b, c->snapshot, 8);
        return;
    case MSTR_WIRE_RESTORED:
        mstr_put_le(b, c->snapshot, 8);
        mstr_put_le(b, c->flag, 1);
        mstr_put_bytes(b, c->message, c->message_len);
        return;
    case MSTR_WIRE_REQUEST:
        mstr_put_le(b, c->snapshot, 8);
        mstr_put_le(b, c->flag, 1);
        mstr_put_le(b, c->value, 1);
        return;
    case MSTR_WIRE_DONE:
        mstr_put_le(b, c->snapshot, 8);
        mstr_put_le(b, c->entries, 8);
        mstr_put_le(b, c->hash, 8);
        mstr_put_le(b, c->bytes, 8);
        return;
    case MSTR_WIRE_FAILED:
    case MSTR_WIRE_STATS:
        mstr_put_bytes(b, c->message, c->message_len);
        return;
    case MSTR_WIRE_STOP:
        mstr_put_le(b, c->flag, 1);
        return;
    default:
        return; /* FINISHED, STOPPED: the kind says it all */
    }
}

bool mstr_wire_get_coord(const unsigned char *p, size_t n, mstr_wire_coord *c)
{
    mstr_wire_kind kind = mstr_wire_kind_of(p, n);
    *c = (mstr_wire_coord){ .kind = kind };
    mstr_rbuf r = reader(p, n, kind);
    switch (kind) {
    case MSTR_WIRE_COMMITTED:
    case MSTR_WIRE_CONTROL:
    case MSTR_WIRE_RESCALED:
        c->snapshot = mstr_get_le(&r, 8);
        c->value = mstr_get_le(&r, 8);
        break;
    case MSTR_WIRE_GO:
        c->snapshot = mstr_get_le(&r, 8);
        break;
    case MSTR_WIRE_REQUEST:
        c->snapshot = mstr_get_le(&r, 8);
        c->flag = mstr_get_le(&r, 1) != 0;
        c->value = mstr_get_le(&r, 1) != 0;
        break;
    case MSTR_WIRE_RESTORED:
    case MSTR_WIRE_FAILED:
    case MSTR_WIRE_STATS:
    case MSTR_WIRE_ANSWER:
    case MSTR_WIRE_RESTORE:
    case MSTR_WIRE_RESCALE:
    case MSTR_WIRE_HANDOFF:
        if (kind == MSTR_WIRE_RESTORED) {
            c->snapshot = mstr_get_le(&r, 8);
            c->flag = mstr_get_le(&r, 1) != 0;
        } else if (kind == MSTR_WIRE_ANSWER) {
            c->snapshot = mstr_get_le(&r, 8);
            c->value = mstr_get_le(&r, 8);
        } else if (kind == MSTR_WIRE_HANDOFF) {
            c->snapshot = mstr_get_le(&r, 8);
            c->value = mstr_get_le(&r, 8);
            c->processes = (uint32_t)mstr_get_le(&r, 4);
            c->flag = mstr_get_le(&r, 1) != 0;
        } else if (kind == MSTR_WIRE_RESTORE || kind == MSTR_WIRE_RESCALE) {
            c->snapshot = mstr_get_le(&r, 8);
            c->value = mstr_get_le(&r, 8);
            c->workers = (uint32_t)mstr_get_le(&r, 4);
            c->processes = (uint32_t)mstr_get_le(&r, 4);
        }
        if (kind == MSTR_WIRE_RESCALE) {
            c->was_workers = (uint32_t)mstr_get_le(&r, 4);
            c->was_processes = (uint32_t)mstr_get_le(&r, 4);
            c->round = mstr_get_le(&r, 8);
            c->layout = mstr_get_le(&r, 8);
            c->last = mstr_get_le(&r, 8);
            c->shape_len = (size_t)mstr_get_le(&r, 4);
            c->shape = (const char *)r.p;
            if (r.error || (size_t)(r.end - r.p) < c->shape_len)
                return false;
            r.p += c->shape_len;
        }
        c->message = (const char *)r.p; /* the rest of the message */
        c->message_len = r.error ? 0 : (size_t)(r.end - r.p);
        r.p = r.end;
        break;
    case MSTR_WIRE_DONE:
        c->snapshot = mstr_get_le(&r, 8);
        c->entries = mstr_get_le(&r, 8);
        c->hash = mstr_get_le(&r, 8);
        c->bytes = mstr_get_le(&r, 8);
        break;
    case MSTR_WIRE_STOP:
        c->flag = mstr_get_le(&r, 1) != 0;
        break;
    case MSTR_WIRE_FINISHED:
    case MSTR_WIRE_STOPPED:
        break;
    default:
        return false;
    }
    return finished(&r);
}
