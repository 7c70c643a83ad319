/*
 * test_wire.c - the coordination messages between processes (mstr_wire.h): a snapshot request
 * against its bytes written out by hand from the header's table (so that a follower learns
 * whether its workers stop at the cut of a rescale), every kind decoded back to the fields it
 * carries (the addresses a round's processes and a live rescale's run at, and the state one
 * process hands another in bytes), and every message cut short or made longer refused; an exchange batch with its
 * epochs among its records, and batches whose epochs do not fit their records refused.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "mstr_wire.h"

/* One message of each kind, with the fields the kind uses set (and no others). */
static const mstr_wire_coord messages[] = {
    { .kind = MSTR_WIRE_RESTORE, .snapshot = 7, .value = 3, .workers = 2, .processes = 2,
      .message = "h:1,h:2", .message_len = 7 },
    { .kind = MSTR_WIRE_RESTORED, .snapshot = 7, .flag = true, .message = "fine",
      .message_len = 4 },
    { .kind = MSTR_WIRE_GO, .snapshot = 7 },
    { .kind = MSTR_WIRE_REQUEST, .snapshot = 9, .flag = false, .value = 0 },
    { .kind = MSTR_WIRE_REQUEST, .snapshot = 9, .flag = true, .value = 1 },
    { .kind = MSTR_WIRE_DONE, .snapshot = 9, .entries = 1000, .hash = 0xfeedfacecafebeefULL,
      .bytes = 123456 },
    { .kind = MSTR_WIRE_COMMITTED, .snapshot = 9, .value = 6 },
    { .kind = MSTR_WIRE_FINISHED },
    { .kind = MSTR_WIRE_STOP },
    { .kind = MSTR_WIRE_STOP, .flag = true },
    { .kind = MSTR_WIRE_STOPPED },
    { .kind = MSTR_WIRE_STATS, .message = "\x01\x02\x03", .message_len = 3 },
    { .kind = MSTR_WIRE_CONTROL, .snapshot = 4, .value = 77 },
    { .kind = MSTR_WIRE_ANSWER, .snapshot = 0, .value = 77, .message = "2 workers",
      .message_len = 9 },
    { .kind = MSTR_WIRE_RESCALE, .snapshot = 2, .value = MSTR_STAGE_PREPARE, .workers = 3,
      .processes = 3, .was_workers = 2, .was_processes = 2, .round = 5, .layout = 1, .last = 40,
      .shape = "key_groups 64\n", .shape_len = 14, .message = "h:1,h:2,h:3", .message_len = 11 },
    { .kind = MSTR_WIRE_HANDOFF, .snapshot = 2, .value = 2, .processes = 1, .flag = true,
      .message = "K\0\0", .message_len = 3 },
    { .kind = MSTR_WIRE_RESCALED, .snapshot = 2, .value = MSTR_STAGE_CUT },
    { .kind = MSTR_WIRE_FAILED, .message = "disk full", .message_len = 9 },
};
enum { NMESSAGES = sizeof messages / sizeof messages[0] };

static void assert_same(const mstr_wire_coord *got, const mstr_wire_coord *want)
{
    assert_int_equal(got->kind, want->kind);
    assert_int_equal(got->snapshot, want->snapshot);
    assert_int_equal(got->flag, want->flag);
    assert_int_equal(got->value, want->value);
    assert_int_equal(got->workers, want->workers);
    assert_int_equal(got->processes, want->processes);
    assert_int_equal(got->was_workers, want->was_workers);
    assert_int_equal(got->was_processes, want->was_processes);
    assert_int_equal(got->round, want->round);
    assert_int_equal(got->layout, want->layout);
    assert_int_equal(got->last, want->last);
    assert_int_equal(got->entries, want->entries);
    assert_int_equal(got->hash, want->hash);
    assert_int_equal(got->bytes, want->bytes);
    assert_int_equal(got->shape_len, want->shape_len);
    if (want->shape_len > 0)
        assert_memory_equal(got->shape, want->shape, want->shape_len);
    assert_int_equal(got->message_len, want->message_len);
    if (want->message_len > 0)
        assert_memory_equal(got->message, want->message, want->message_len);
}

static void test_request_bytes(void **state)
{
    (void)state;
    mstr_wbuf b = { 0 };
    mstr_wire_put_coord(&b, &(mstr_wire_coord){ .kind = MSTR_WIRE_REQUEST, .snapshot = 0x0102,
                                                 .flag = true, .value = 1 });
    const unsigned char want[] = { MSTR_WIRE_REQUEST, 0x02, 0x01, 0, 0, 0, 0, 0, 0, 1, 1 };
    assert_int_equal(b.len, sizeof want);
    assert_memory_equal(b.data, want, sizeof want);
    mstr_wire_coord got;
    unsigned char plain[sizeof want];
    memcpy(plain, want, sizeof want);
    plain[10] = 0; /* a final snapshot the workers go on after (a stop, not a rescale) */
    assert_true(mstr_wire_get_coord(plain, sizeof plain, &got));
    assert_true(got.flag);
    assert_int_equal(got.value, 0);
    mstr_wbuf_free(&b);
}

static void test_every_kind_round_trips(void **state)
{
    (void)state;
    for (size_t i = 0; i < NMESSAGES; i++) {
        mstr_wbuf b = { 0 };
        mstr_wire_put_coord(&b, &messages[i]);
        mstr_wire_coord got;
        assert_true(mstr_wire_get_coord(b.data, b.len, &got));
        assert_same(&got, &messages[i]);
        mstr_wbuf_free(&b);
    }
}

/* A message cut short is refused whatever its kind; one with a byte too many is refused
 * unless its kind ends in text (which takes the rest of the message). */
static void test_wrong_lengths_are_refused(void **state)
{
    (void)state;
    for (size_t i = 0; i < NMESSAGES; i++) {
        mstr_wbuf b = { 0 };
        mstr_wire_put_coord(&b, &messages[i]);
        mstr_wire_coord got;
        size_t fixed = b.len - messages[i].message_len;
        for (size_t n = 0; n < fixed; n++)
            assert_false(mstr_wire_get_coord(b.data, n, &got));
        mstr_put_le(&b, 0, 1);
        bool text = messages[i].message != NULL;
        assert_int_equal(mstr_wire_get_coord(b.data, b.len, &got), text);
        mstr_wbuf_free(&b);
    }
}

/* A batch of 5 records (of 3 bytes each) with epochs after the 2nd and the 5th, and an end. */
static void sample_batch(mstr_xbatch *b)
{
    mstr_xbatch_reset(b, 2, 1, 3);
    b->records = 5;
    mstr_put_bytes(&b->data, "aaabbbcccdddeee", 15);
    mstr_xbatch_mark(b, 2, 40);
    mstr_xbatch_mark(b, 5, -7);
    b->ctl = mstr_ctl_epoch(MSTR_EPOCH_MAX);
}

/* A batch's frame: its head, then its data. */
static void put_batch(mstr_wbuf *frame, const mstr_xbatch *b)
{
    frame->len = 0;
    mstr_wire_put_batch_head(frame, b);
    mstr_put_bytes(frame, b->data.data, b->data.len);
}

static void test_batch_round_trips(void **state)
{
    (void)state;
    mstr_xbatch *b = mstr_xbatch_new(), *got = mstr_xbatch_new();
    sample_batch(b);
    mstr_wbuf frame = { 0 };
    put_batch(&frame, b);
    assert_true(mstr_wire_get_batch(frame.data, frame.len, got));
    assert_int_equal(got->exchange, 2);
    assert_int_equal(got->from, 1);
    assert_int_equal(got->to, 3);
    assert_int_equal(got->records, 5);
    assert_int_equal(got->nmarks, 2);
    assert_int_equal(got->marks[0].records, 2);
    assert_int_equal(got->marks[0].epoch, 40);
    assert_int_equal(got->marks[1].records, 5);
    assert_int_equal(got->marks[1].epoch, -7);
    assert_int_equal(got->ctl.kind, MSTR_CTL_END);
    assert_int_equal(got->data.len, 15);
    assert_memory_equal(got->data.data, "aaabbbcccdddeee", 15);
    mstr_wbuf_free(&frame);
    mstr_xbatch_free(b);
    mstr_xbatch_free(got);
}

/* Marks out of order, past the batch's records or too many are refused, as is a head cut
 * short. */
static void test_batch_marks_must_fit(void **state)
{
    (void)state;
    mstr_xbatch *b = mstr_xbatch_new(), *got = mstr_xbatch_new();
    mstr_wbuf frame = { 0 };
    sample_batch(b);
    b->marks[0].records = 6;                            /* past the records */
    b->marks[1].records = 6;
    put_batch(&frame, b);
    assert_false(mstr_wire_get_batch(frame.data, frame.len, got));
    sample_batch(b);
    b->marks[1].records = 1;                            /* before the one before it */
    put_batch(&frame, b);
    assert_false(mstr_wire_get_batch(frame.data, frame.len, got));
    sample_batch(b);
    for (int i = 0; i < MSTR_XBATCH_MARKS; i++)          /* one too many */
        mstr_xbatch_mark(b, 5, 100 + i);
    put_batch(&frame, b);
    assert_false(mstr_wire_get_batch(frame.data, frame.len, got));
    sample_batch(b);
    frame.len = 0;
    mstr_wire_put_batch_head(&frame, b);
    for (size_t n = 0; n < frame.len; n++)
        assert_false(mstr_wire_get_batch(frame.data, n, got));
    mstr_wbuf_free(&frame);
    mstr_xbatch_free(b);
    mstr_xbatch_free(got);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_request_bytes),
        cmocka_unit_test(test_every_kind_round_trips),
        cmocka_unit_test(test_wrong_lengths_are_refused),
        cmocka_unit_test(test_batch_round_trips),
        cmocka_unit_test(test_batch_marks_must_fit),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
