/*
 * test_exchange.c - two workers' sides of an exchange over the real ring channel, driven by
 * hand in one thread: records, epochs, snapshot barriers and ends of stream interleaved on one
 * link keep their order (epochs among records travel on the records' batch); the frontier
 * after the exchange is the least over the senders and reaches the generated code only when
 * it moves; a barrier that arrives before its snapshot began starts it; a sender whose
 * barriers all arrived is not read until the snapshot is done; a live rescale's barriers start
 * it alike, and the workers then go on over new links with a third worker, from the frontier
 * they held, an end made before carried over; records of key groups that wait for their state
 * wait in order while the others go on, and the frontier waits with them.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "mstr_channel_ring.h"
#include "mstr_exchange.h"

/* What the "generated code" of the exchange saw, per worker. */
typedef struct seen {
    size_t records;
    uint64_t keys[16];      /* the keys of the first records, in the order they were run */
    int64_t frontiers[16];
    size_t nfrontiers;
    uint64_t begun;         /* the snapshot (or rescale) begun by a barrier, 0 if none */
    mstr_ctl_kind begun_kind;
    char order[64];         /* what came in turn: 'r' per record, 'e' per frontier move */
    size_t batches;         /* distinct batches that records came on */
    const mstr_xbatch *last_batch;
} seen;

static void note(seen *s, char c)
{
    size_t n = strlen(s->order);
    if (n + 1 < sizeof s->order)
        s->order[n] = c;
}

static seen log_of[3];
static mstr_exchange sides[3]; /* the third only after a rescale */
/* The workers are only names here: the exchange hands them back to the callbacks. */
static char worker_name[3];

static int who(mstr_worker *w)
{
    return (int)((char *)w - worker_name);
}

/* The key group of a key here: one of four. */
static uint32_t group_of(uint64_t key)
{
    return (uint32_t)(key % 4);
}

/* Reads each record's 8 bytes (its key), as generated code would decode them, and keeps the
 * record instead of running it if its key group waits for its state. */
static void on_receive(mstr_worker *w, const mstr_xbatch *b, mstr_rbuf *r, size_t records)
{
    seen *s = &log_of[who(w)];
    mstr_exchange *e = &sides[who(w)];
    for (size_t i = 0; i < records; i++) {
        const unsigned char *at = r->p;
        uint64_t key = mstr_get_le(r, 8);
        assert_true(key < 64); /* what the tests send: no bytes out of place */
        if (mstr_exchange_holding(e) && mstr_exchange_holds(e, group_of(key))) {
            mstr_put_bytes(mstr_exchange_keep(e, 0), at, (size_t)(r->p - at));
            continue;
        }
        if (s->records < 16)
            s->keys[s->records] = key;
        s->records++;
        note(s, 'r');
    }
    assert_false(r->error);
    if (b != s->last_batch)
        s->batches++;
    s->last_batch = b;
}

static void on_epoch(mstr_worker *w, int64_t epoch)
{
    seen *s = &log_of[who(w)];
    s->frontiers[s->nfrontiers++] = epoch;
    note(s, 'e');
}

static void on_barrier(mstr_worker *w, mstr_ctl barrier)
{
    log_of[who(w)].begun = (uint64_t)barrier.value;
    log_of[who(w)].begun_kind = barrier.kind;
    if (barrier.kind == MSTR_CTL_RESCALE)
        mstr_align_begin_rescale(&sides[who(w)].align, (uint64_t)barrier.value);
    else
        mstr_align_begin(&sides[who(w)].align, (uint64_t)barrier.value);
}

static const size_t source_0[] = { 0 };
static const mstr_source_desc sources[] = {
    { .name = "numbers", .kind = MSTR_SOURCE_RANGE, .count = 100 },
};
static const size_t partitions[] = { 2 }; /* one per worker */
static const mstr_exchange_desc exchanges[] = {
    { .name = "k", .receive = on_receive, .epoch = on_epoch, .sources = source_0, .nsources = 1 },
};
static const mstr_job_desc job = {
    .name = "test", .sources = sources, .nsources = 1, .exchanges = exchanges, .nexchanges = 1,
};

typedef struct fixture {
    mstr_doorbell bells[3];
    mstr_ring_hub *hub;
    mstr_ring_hub *rescaled;    /* the links after a rescale, or NULL */
    mstr_arena arenas[3];
} fixture;

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof *f);
    memset(log_of, 0, sizeof log_of);
    for (int i = 0; i < 3; i++) {
        mstr_doorbell_init(&f->bells[i]);
        mstr_arena_init(&f->arenas[i]);
    }
    f->hub = mstr_ring_hub_new(2, 0, f->bells);
    for (int i = 0; i < 2; i++) {
        mstr_exchange_init(&sides[i], (mstr_worker *)&worker_name[i], &f->arenas[i], &job,
                           partitions, mstr_ring_hub_end(f->hub, i), on_barrier);
    }
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    for (int i = 0; i < (f->rescaled != NULL ? 3 : 2); i++)
        mstr_exchange_free(&sides[i]);
    mstr_ring_hub_free(f->hub);
    if (f->rescaled != NULL)
        mstr_ring_hub_free(f->rescaled);
    for (int i = 0; i < 3; i++) {
        mstr_arena_free(&f->arenas[i]);
        mstr_doorbell_free(&f->bells[i]);
    }
    free(f);
    return 0;
}

/* Worker `from` puts n records of 8 bytes each in its open batch for the other worker. */
static void add_records(int from, size_t n)
{
    mstr_xbatch *b = mstr_exchange_start(&sides[from], 0, 1 - from);
    for (size_t i = 0; i < n; i++)
        mstr_put_le(&b->data, 42, 8);
    b->records += n;
}

/* One turn of a worker loop's exchange part. */
static void turn(int w)
{
    mstr_exchange_send_waiting(&sides[w]);
    mstr_exchange_receive(&sides[w]);
    mstr_exchange_flush(&sides[w]);
}

static void test_frontier_is_the_least_over_senders(void **state)
{
    (void)state;
    add_records(0, 3);
    mstr_exchange_epoch(&sides[0], 0, 5);  /* after its records */
    add_records(0, 2);
    mstr_exchange_flush(&sides[0]);
    turn(1);
    assert_int_equal(log_of[1].records, 5);
    assert_int_equal(log_of[1].nfrontiers, 0); /* worker 1 itself is still at MIN */
    mstr_exchange_epoch(&sides[1], 0, 3);
    assert_int_equal(log_of[1].nfrontiers, 1);
    assert_int_equal(log_of[1].frontiers[0], 3);
    mstr_exchange_epoch(&sides[1], 0, 4);       /* moves to 4: still below worker 0's 5 */
    mstr_exchange_epoch(&sides[1], 0, 9);       /* moves to 5 */
    assert_int_equal(log_of[1].nfrontiers, 3);
    assert_int_equal(log_of[1].frontiers[1], 4);
    assert_int_equal(log_of[1].frontiers[2], 5);
    mstr_exchange_epoch(&sides[0], 0, MSTR_EPOCH_MAX); /* worker 0 ends: END on the link */
    mstr_exchange_flush(&sides[0]);
    turn(1);
    assert_int_equal(log_of[1].frontiers[3], 9);
    assert_false(mstr_exchange_done(&sides[1]));
    mstr_exchange_epoch(&sides[1], 0, MSTR_EPOCH_MAX);
    assert_int_equal(log_of[1].frontiers[4], MSTR_EPOCH_MAX);
    assert_true(mstr_exchange_done(&sides[1]));
}

static void test_barrier_holds_what_follows(void **state)
{
    (void)state;
    /* worker 0 begins snapshot 1: records before its barrier, records after it */
    add_records(0, 4);
    mstr_align_begin(&sides[0].align, 1);
    mstr_exchange_barriers(&sides[0]);
    add_records(0, 6);
    mstr_exchange_epoch(&sides[0], 0, 8);
    mstr_exchange_flush(&sides[0]);

    turn(1);
    assert_int_equal(log_of[1].begun, 1);       /* the barrier started it at worker 1 */
    assert_int_equal(log_of[1].records, 4);     /* only what came before the barrier */
    assert_int_equal(log_of[1].nfrontiers, 0);
    assert_true(mstr_align_holds(&sides[1].align, 0));
    turn(1);
    assert_int_equal(log_of[1].records, 4);     /* still held */

    mstr_exchange_barriers(&sides[1]);          /* worker 1 sends its own */
    mstr_exchange_flush(&sides[1]);
    assert_false(mstr_align_complete(&sides[0].align));
    turn(0);
    assert_true(mstr_align_complete(&sides[0].align));
    assert_true(mstr_align_complete(&sides[1].align));
    assert_int_equal(log_of[0].begun, 0);       /* it had begun on its own */

    mstr_align_finish(&sides[1].align);         /* worker 1 took its snapshot */
    turn(1);
    assert_int_equal(log_of[1].records, 10);
    mstr_exchange_epoch(&sides[1], 0, 20);
    assert_int_equal(log_of[1].frontiers[0], 8);
}

/* Worker 0 sends worker 1 a record, which links them; worker 1's log starts afresh. */
static void link_0_to_1(void)
{
    add_records(0, 1);
    mstr_exchange_flush(&sides[0]);
    turn(1);
    assert_int_equal(log_of[1].records, 1);
    memset(&log_of[1], 0, sizeof log_of[1]);
}

/* Epochs between records reach the receiver between the same records, all on one batch once
 * the workers are linked (before, the first epoch sends the first batch); the end closes it. */
static void test_epochs_keep_their_place_among_records(void **state)
{
    (void)state;
    add_records(0, 3);
    mstr_exchange_epoch(&sides[0], 0, 2);  /* not linked yet: goes on the first batch */
    mstr_exchange_epoch(&sides[1], 0, 100); /* worker 1 is ahead: worker 0's epochs move it */
    turn(1);
    assert_string_equal(log_of[1].order, "rrre");
    memset(&log_of[1], 0, sizeof log_of[1]);

    add_records(0, 3);
    mstr_exchange_epoch(&sides[0], 0, 5);
    mstr_exchange_epoch(&sides[0], 0, 6);  /* two epochs with no record between */
    add_records(0, 2);
    mstr_exchange_epoch(&sides[0], 0, 7);
    add_records(0, 1);
    mstr_exchange_flush(&sides[0]);
    turn(1);
    assert_string_equal(log_of[1].order, "rrreerrer");
    assert_int_equal(log_of[1].frontiers[0], 5);
    assert_int_equal(log_of[1].frontiers[1], 6);
    assert_int_equal(log_of[1].frontiers[2], 7);
    assert_int_equal(log_of[1].batches, 1);
    memset(&log_of[1], 0, sizeof log_of[1]);
    /* epochs alone travel too, and the end follows them */
    mstr_exchange_epoch(&sides[0], 0, 8);
    mstr_exchange_epoch(&sides[0], 0, MSTR_EPOCH_MAX);
    mstr_exchange_flush(&sides[0]);
    turn(1);
    assert_string_equal(log_of[1].order, "ee");
    assert_int_equal(log_of[1].frontiers[0], 8);
    assert_int_equal(log_of[1].frontiers[1], 100);
}

/* A batch holds at most MSTR_XBATCH_MARKS epochs: one more goes on the next batch. */
static void test_many_epochs_fill_a_batch(void **state)
{
    (void)state;
    link_0_to_1();
    add_records(0, 1);
    for (int64_t t = 1; t <= MSTR_XBATCH_MARKS + 1; t++)
        mstr_exchange_epoch(&sides[0], 0, t);
    mstr_exchange_flush(&sides[0]);
    mstr_xbatch *full = mstr_channel_receive(sides[1].channel, 0);
    mstr_xbatch *next = mstr_channel_receive(sides[1].channel, 0);
    assert_non_null(full);
    assert_non_null(next);
    assert_int_equal(full->nmarks, MSTR_XBATCH_MARKS);
    assert_int_equal(full->records, 1);
    assert_int_equal(next->nmarks, 1);
    assert_int_equal(next->marks[0].epoch, MSTR_XBATCH_MARKS + 1);
    assert_null(mstr_channel_receive(sides[1].channel, 0));
    mstr_channel_release(sides[1].channel, full);
    mstr_channel_release(sides[1].channel, next);
}

/* A sender that ended the exchange before the snapshot is not waited for. */
static void test_ended_sender_is_not_waited_for(void **state)
{
    (void)state;
    mstr_exchange_epoch(&sides[0], 0, MSTR_EPOCH_MAX);
    mstr_exchange_flush(&sides[0]);
    turn(1);
    mstr_align_begin(&sides[1].align, 1);
    mstr_exchange_barriers(&sides[1]);
    assert_true(mstr_align_complete(&sides[1].align));
    mstr_exchange_flush(&sides[1]);
    turn(0);
    assert_int_equal(log_of[0].begun, 1);
    assert_true(mstr_align_complete(&sides[0].align)); /* it ended: its barrier is implied */
}

/* A live rescale from two workers to three: its barriers start it at a worker that had not
 * heard of it, and hold what follows; once aligned, both go on over new links with a third
 * worker, which starts from the frontier they held; worker 1, which had ended the exchange,
 * ends it again there, and worker 0's records and epochs reach the new worker. */
static void test_rescale_goes_on_over_new_links(void **state)
{
    fixture *f = *state;
    add_records(0, 2);
    mstr_exchange_epoch(&sides[0], 0, 5);
    mstr_exchange_epoch(&sides[1], 0, MSTR_EPOCH_MAX);
    mstr_exchange_flush(&sides[1]);
    mstr_align_begin_rescale(&sides[0].align, 1);
    mstr_exchange_barriers(&sides[0]);
    mstr_exchange_flush(&sides[0]);
    turn(1);
    assert_int_equal(log_of[1].begun, 1);
    assert_int_equal(log_of[1].begun_kind, MSTR_CTL_RESCALE);
    assert_int_equal(log_of[1].records, 2);
    assert_true(mstr_align_complete(&sides[1].align)); /* it had ended: its barrier is implied */
    turn(0);
    assert_true(mstr_align_complete(&sides[0].align));
    assert_int_equal(sides[0].frontiers[0].out, 5);
    assert_int_equal(sides[1].frontiers[0].out, 5);

    static const size_t three[] = { 3 }; /* a partition per worker */
    f->rescaled = mstr_ring_hub_new(3, 0, f->bells);
    const int64_t least[] = { 5 };
    for (int i = 0; i < 2; i++) {
        mstr_align_finish(&sides[i].align);
        mstr_exchange_switch(&sides[i], three, mstr_ring_hub_end(f->rescaled, i), least,
                             true);
    }
    mstr_exchange_init(&sides[2], (mstr_worker *)&worker_name[2], &f->arenas[2], &job, three,
                       mstr_ring_hub_end(f->rescaled, 2), on_barrier);
    mstr_exchange_restore_least(&sides[2], least);
    mstr_exchange_flush(&sides[1]); /* its end, again */
    turn(2);
    assert_int_equal(log_of[2].nfrontiers, 0); /* 0 and 2 are at 5 still */

    mstr_xbatch *b = mstr_exchange_start(&sides[0], 0, 2);
    mstr_put_le(&b->data, 42, 8);
    b->records++;
    mstr_exchange_epoch(&sides[0], 0, 9);
    mstr_exchange_flush(&sides[0]);
    mstr_exchange_epoch(&sides[2], 0, 12);
    turn(2);
    assert_int_equal(log_of[2].records, 1);
    assert_int_equal(log_of[2].nfrontiers, 1);
    assert_int_equal(log_of[2].frontiers[0], 9); /* the least of 9, 12 and worker 1's end */
    assert_false(mstr_exchange_done(&sides[2]));
}

/* Worker `from` puts a record of key `key` in its open batch for the other worker. */
static void add_key(int from, uint64_t key)
{
    mstr_xbatch *b = mstr_exchange_start(&sides[from], 0, 1 - from);
    mstr_put_le(&b->data, key, 8);
    b->records++;
}

/* Worker 1 took key groups 1 and 2 over from worker 0 in a live rescale, and goes on before
 * their state has come: records of those groups wait, in the order they came, whether from
 * worker 0 or from worker 1's own sources, while records of its other groups go on; the
 * frontier waits too, so that it never passes a record that waits. Released, the records run
 * in order, then the frontier moves. */
static void test_records_wait_for_their_key_group(void **state)
{
    (void)state;
    static const uint16_t was[] = { 1, 0, 0, 1 }; /* each group's owner before */
    mstr_exchange_hold(&sides[1], was);
    assert_true(mstr_exchange_holds(&sides[1], 1));
    assert_false(mstr_exchange_holds(&sides[1], 3));
    add_key(0, 1);
    add_key(0, 3);
    add_key(0, 2);
    mstr_exchange_epoch(&sides[0], 0, 5);
    add_key(0, 7);
    mstr_exchange_flush(&sides[0]);
    mstr_put_le(mstr_exchange_keep(&sides[1], 0), 6, 8); /* its own, as generated code keeps */
    mstr_exchange_epoch(&sides[1], 0, 9);
    turn(1);
    add_key(0, 5); /* group 1, after the others */
    mstr_exchange_flush(&sides[0]);
    turn(1);
    assert_int_equal(log_of[1].records, 2); /* keys 3 and 7: their group stayed */
    assert_int_equal(log_of[1].keys[0], 3);
    assert_int_equal(log_of[1].keys[1], 7);
    assert_int_equal(log_of[1].nfrontiers, 0); /* 5 would pass the records that wait */
    assert_false(mstr_exchange_done(&sides[1]));

    assert_int_equal(mstr_exchange_release(&sides[1]), 4);
    assert_false(mstr_exchange_holding(&sides[1]));
    assert_int_equal(log_of[1].records, 6);
    const uint64_t waited[] = { 6, 1, 2, 5 }; /* in the order they came to worker 1 */
    for (size_t i = 0; i < 4; i++)
        assert_int_equal(log_of[1].keys[2 + i], waited[i]);
    assert_int_equal(log_of[1].nfrontiers, 1);
    assert_int_equal(log_of[1].frontiers[0], 5);
    assert_string_equal(log_of[1].order, "rrrrrre");
    add_key(0, 2); /* from now on it goes on at once */
    mstr_exchange_flush(&sides[0]);
    turn(1);
    assert_int_equal(log_of[1].records, 7);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_frontier_is_the_least_over_senders, setup, teardown),
        cmocka_unit_test_setup_teardown(test_barrier_holds_what_follows, setup, teardown),
        cmocka_unit_test_setup_teardown(test_ended_sender_is_not_waited_for, setup, teardown),
        cmocka_unit_test_setup_teardown(test_epochs_keep_their_place_among_records, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_many_epochs_fill_a_batch, setup, teardown),
        cmocka_unit_test_setup_teardown(test_rescale_goes_on_over_new_links, setup, teardown),
        cmocka_unit_test_setup_teardown(test_records_wait_for_their_key_group, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
