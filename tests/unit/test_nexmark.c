/*
 * test_nexmark.c - the Nexmark generator: which event number is which kind, ids, determinism
 * (the same n gives the same bytes in any arena), that bids and auctions only mention persons
 * and auctions made before them, the hot auction and hot bidder shares, value ranges, the
 * average record sizes, and the timestamp formula.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mstr_nexmark.h"

static const mstr_nexmark_config CFG = { .events = 0, .rate = 10000000, .first_ms = 0 };

/* Bids looked at by the statistical tests. */
enum { SAMPLE_BIDS = 100000 };

/* The event number of the i-th bid (from 0). */
static uint64_t nth_bid(uint64_t i)
{
    return i / 46 * 50 + 4 + i % 46;
}

static void test_kind_of(void **state)
{
    (void)state;
    for (uint64_t n = 0; n < 1000; n++) {
        uint64_t r = n % 50;
        mstr_nexmark_kind want = r == 0  ? MSTR_NEXMARK_PERSON
                                 : r < 4 ? MSTR_NEXMARK_AUCTION
                                         : MSTR_NEXMARK_BID;
        assert_int_equal(mstr_nexmark_kind_of(n), want);
    }
    assert_int_equal(nth_bid(0), 4);
    assert_int_equal(nth_bid(45), 49);
    assert_int_equal(nth_bid(46), 54);
}

/* next_of_kind against a search, near 0 and near a large period boundary. */
static void test_next_of_kind(void **state)
{
    (void)state;
    static const uint64_t starts[] = { 0, UINT64_C(1) << 40, UINT64_C(50) * 123456789 - 7 };
    static const mstr_nexmark_kind kinds[] = { MSTR_NEXMARK_PERSON, MSTR_NEXMARK_AUCTION,
                                               MSTR_NEXMARK_BID };
    for (size_t s = 0; s < sizeof starts / sizeof starts[0]; s++)
        for (uint64_t n = starts[s]; n < starts[s] + 300; n++)
            for (size_t k = 0; k < 3; k++) {
                uint64_t m = n;
                while (mstr_nexmark_kind_of(m) != kinds[k])
                    m++;
                assert_int_equal(mstr_nexmark_next_of_kind(n, kinds[k]), m);
            }
    assert_int_equal(mstr_nexmark_next_of_kind(0, MSTR_NEXMARK_PERSON), 0);
    assert_int_equal(mstr_nexmark_next_of_kind(1, MSTR_NEXMARK_PERSON), 50);
    assert_int_equal(mstr_nexmark_next_of_kind(0, MSTR_NEXMARK_AUCTION), 1);
    assert_int_equal(mstr_nexmark_next_of_kind(3, MSTR_NEXMARK_AUCTION), 3);
    assert_int_equal(mstr_nexmark_next_of_kind(4, MSTR_NEXMARK_AUCTION), 51);
    assert_int_equal(mstr_nexmark_next_of_kind(0, MSTR_NEXMARK_BID), 4);
    assert_int_equal(mstr_nexmark_next_of_kind(49, MSTR_NEXMARK_BID), 49);
    assert_int_equal(mstr_nexmark_next_of_kind(50, MSTR_NEXMARK_BID), 54);
}

/* next_in_part against a search over the blocks, for 1, 2, 3 and 7 partitions, and every event
 * of every kind in exactly one partition's sequence. */
static void test_next_in_part(void **state)
{
    (void)state;
    static const mstr_nexmark_kind kinds[] = { MSTR_NEXMARK_PERSON, MSTR_NEXMARK_AUCTION,
                                               MSTR_NEXMARK_BID };
    static const size_t counts[] = { 1, 2, 3, 7 };
    enum { EVENTS = 9 * MSTR_NEXMARK_BLOCK + 123 };
    unsigned char *seen = calloc(EVENTS, 1);
    for (size_t c = 0; c < sizeof counts / sizeof counts[0]; c++) {
        size_t parts = counts[c];
        for (size_t k = 0; k < parts; k++)
            for (uint64_t n = 0; n < EVENTS; n += 37)
                for (size_t i = 0; i < 3; i++) {
                    uint64_t m = n;
                    while (mstr_nexmark_kind_of(m) != kinds[i] ||
                           m / MSTR_NEXMARK_BLOCK % parts != k)
                        m++;
                    assert_int_equal(mstr_nexmark_next_in_part(n, kinds[i], k, parts), m);
                }
        memset(seen, 0, EVENTS);
        for (size_t k = 0; k < parts; k++)
            for (size_t i = 0; i < 3; i++)
                for (uint64_t n = mstr_nexmark_next_in_part(0, kinds[i], k, parts); n < EVENTS;
                     n = mstr_nexmark_next_in_part(n + 1, kinds[i], k, parts))
                    seen[n]++;
        for (uint64_t n = 0; n < EVENTS; n++)
            assert_int_equal(seen[n], 1);
    }
    free(seen);
}

/* Person ids 1000 + n/50, auction ids 1000 + 3*(n/50) + offset: consecutive from 1000. */
static void test_ids(void **state)
{
    (void)state;
    mstr_arena a;
    mstr_arena_init(&a);
    uint64_t next_person = 1000, next_auction = 1000;
    for (uint64_t n = 0; n < 5000; n++) {
        if (mstr_nexmark_kind_of(n) == MSTR_NEXMARK_PERSON) {
            mstr_nexmark_person p;
            mstr_nexmark_gen_person(&CFG, n, &a, &p);
            assert_int_equal(p.id, 1000 + n / 50);
            assert_int_equal(p.id, next_person++);
        } else if (mstr_nexmark_kind_of(n) == MSTR_NEXMARK_AUCTION) {
            mstr_nexmark_auction au;
            mstr_nexmark_gen_auction(&CFG, n, &a, &au);
            assert_int_equal(au.id, 1000 + 3 * (n / 50) + n % 50 - 1);
            assert_int_equal(au.id, next_auction++);
        }
        mstr_arena_reset(&a);
    }
    mstr_arena_free(&a);
}

static void assert_same_str(mstr_str x, mstr_str y)
{
    assert_int_equal(x.len, y.len);
    assert_memory_equal(x.ptr, y.ptr, x.len);
}

/* The same n gives the same fields, string bytes included, in two arenas in different states
 * (one fresh, one with unrelated allocations before and reset between events). */
static void test_deterministic(void **state)
{
    (void)state;
    mstr_arena a, b;
    mstr_arena_init(&a);
    mstr_arena_init(&b);
    static const uint64_t bases[] = { 0, 1000000, UINT64_C(1) << 50 };
    for (size_t s = 0; s < sizeof bases / sizeof bases[0]; s++) {
        for (uint64_t n = bases[s]; n < bases[s] + 500; n++) {
            mstr_arena_copy(&b, "unrelated", 9);
            switch (mstr_nexmark_kind_of(n)) {
            case MSTR_NEXMARK_PERSON: {
                mstr_nexmark_person x, y;
                mstr_nexmark_gen_person(&CFG, n, &a, &x);
                mstr_nexmark_gen_person(&CFG, n, &b, &y);
                assert_int_equal(x.id, y.id);
                assert_same_str(x.name, y.name);
                assert_same_str(x.email_address, y.email_address);
                assert_same_str(x.credit_card, y.credit_card);
                assert_same_str(x.city, y.city);
                assert_same_str(x.state, y.state);
                assert_int_equal(x.date_time, y.date_time);
                assert_same_str(x.extra, y.extra);
                assert_ptr_not_equal(x.name.ptr, y.name.ptr);   /* really two copies */
                break;
            }
            case MSTR_NEXMARK_AUCTION: {
                mstr_nexmark_auction x, y;
                mstr_nexmark_gen_auction(&CFG, n, &a, &x);
                mstr_nexmark_gen_auction(&CFG, n, &b, &y);
                assert_int_equal(x.id, y.id);
                assert_same_str(x.item_name, y.item_name);
                assert_same_str(x.description, y.description);
                assert_int_equal(x.initial_bid, y.initial_bid);
                assert_int_equal(x.reserve, y.reserve);
                assert_int_equal(x.date_time, y.date_time);
                assert_int_equal(x.expires, y.expires);
                assert_int_equal(x.seller, y.seller);
                assert_int_equal(x.category, y.category);
                assert_same_str(x.extra, y.extra);
                break;
            }
            case MSTR_NEXMARK_BID: {
                mstr_nexmark_bid x, y;
                mstr_nexmark_gen_bid(&CFG, n, &a, &x);
                mstr_nexmark_gen_bid(&CFG, n, &b, &y);
                assert_int_equal(x.auction, y.auction);
                assert_int_equal(x.bidder, y.bidder);
                assert_int_equal(x.price, y.price);
                assert_same_str(x.channel, y.channel);
                assert_same_str(x.url, y.url);
                assert_int_equal(x.date_time, y.date_time);
                assert_same_str(x.extra, y.extra);
                break;
            }
            }
            if (n % 7 == 0)
                mstr_arena_reset(&b);
        }
    }
    /* Different events differ (the streams are not all the same). */
    mstr_nexmark_bid x, y;
    mstr_nexmark_gen_bid(&CFG, 4, &a, &x);
    mstr_nexmark_gen_bid(&CFG, 5, &a, &y);
    assert_int_not_equal(x.price, y.price);
    mstr_arena_free(&a);
    mstr_arena_free(&b);
}

/* Bids name auctions and bidders that exist already; half go to the newest auction, about
 * three quarters come from the hot bidders; prices are log-uniform in [100, 1e8]. */
static void test_bids(void **state)
{
    (void)state;
    mstr_arena a;
    mstr_arena_init(&a);
    uint64_t to_latest = 0, from_hot = 0, cheap = 0, lo = UINT64_MAX, hi = 0;
    uint64_t channels[4] = { 0 };
    static const char *const names[] = { "Google", "Facebook", "Baidu", "Apple" };
    for (uint64_t i = 0; i < SAMPLE_BIDS; i++) {
        uint64_t n = nth_bid(i);
        mstr_nexmark_bid b;
        mstr_nexmark_gen_bid(&CFG, n, &a, &b);
        uint64_t latest_auction = 1000 + 3 * (n / 50) + 2;  /* event n - n%50 + 3 */
        uint64_t latest_person = 1000 + n / 50;             /* event n - n%50 */
        assert_in_range(b.auction, 1000, latest_auction);
        assert_in_range(b.bidder, 1000, latest_person);
        to_latest += b.auction == latest_auction;
        /* Hot bidders: persons 1..4 of the latest batch of 100, those that exist yet. */
        uint64_t batch = (latest_person - 1000) / 100 * 100 + 1000;
        if (latest_person == batch)
            from_hot += b.bidder == batch;
        else
            from_hot += b.bidder > batch && b.bidder <= batch + 4 && b.bidder <= latest_person;
        assert_in_range(b.price, 100, 100000000);
        cheap += b.price < 10000;    /* 10^(6u) * 100 < 10^4 <=> u < 1/3 */
        lo = b.price < lo ? b.price : lo;
        hi = b.price > hi ? b.price : hi;
        int found = 0;
        for (int c = 0; c < 4; c++)
            if (mstr_str_eq_cstr(b.channel, names[c])) {
                channels[c]++;
                found = 1;
            }
        assert_true(found);
        assert_true(b.url.len > 0);
    }
    double hot_auction = (double)to_latest / SAMPLE_BIDS;
    double hot_bidder = (double)from_hot / SAMPLE_BIDS;
    double below_1e4 = (double)cheap / SAMPLE_BIDS;
    print_message("bids: %.4f to the newest auction, %.4f from hot bidders, %.4f under $100\n",
                  hot_auction, hot_bidder, below_1e4);
    assert_true(hot_auction > 0.49 && hot_auction < 0.52);   /* 1/2 + 1/2 * 1/101 */
    assert_true(hot_bidder > 0.73 && hot_bidder < 0.78);
    assert_true(below_1e4 > 0.32 && below_1e4 < 0.345);
    assert_true(lo < 200 && hi > 50000000);
    for (int c = 0; c < 4; c++)
        assert_true(channels[c] > SAMPLE_BIDS / 5);
    mstr_arena_free(&a);
}

static void test_auctions(void **state)
{
    (void)state;
    mstr_arena a;
    mstr_arena_init(&a);
    uint64_t categories[5] = { 0 };
    static const mstr_nexmark_config slow = { .events = 0, .rate = 1000, .first_ms = 5 };
    for (uint64_t n = 0; n < 200000; n++) {
        if (mstr_nexmark_kind_of(n) != MSTR_NEXMARK_AUCTION)
            continue;
        mstr_nexmark_auction au;
        mstr_nexmark_gen_auction(n % 2 ? &CFG : &slow, n, &a, &au);
        assert_in_range(au.category, 10, 14);
        categories[au.category - 10]++;
        assert_in_range(au.seller, 1000, 1000 + n / 50);
        assert_in_range(au.initial_bid, 100, 100000000);
        assert_true(au.reserve > au.initial_bid);
        assert_true(au.expires > au.date_time);
        if (n % 2 == 0)   /* rate 1000: up to twice the time of 1666 events, 3.332 s */
            assert_true(au.expires - au.date_time <= 3333);
        assert_in_range(au.item_name.len, 1, 19);
        assert_in_range(au.description.len, 1, 99);
        assert_true(au.item_name.ptr[0] != ' ' && au.item_name.ptr[au.item_name.len - 1] != ' ');
        assert_true(au.description.ptr[0] != ' ');
        mstr_arena_reset(&a);
    }
    for (int c = 0; c < 5; c++)
        assert_true(categories[c] > 2000);
    mstr_arena_free(&a);
}

static void test_persons(void **state)
{
    (void)state;
    static const char *const states[] = { "AZ", "CA", "ID", "OR", "WA", "WY" };
    uint64_t seen[6] = { 0 };
    mstr_arena a;
    mstr_arena_init(&a);
    for (uint64_t n = 0; n < 50 * 5000; n += 50) {
        mstr_nexmark_person p;
        mstr_nexmark_gen_person(&CFG, n, &a, &p);
        int found = 0;
        for (int s = 0; s < 6; s++)
            if (mstr_str_eq_cstr(p.state, states[s])) {
                seen[s]++;
                found = 1;
            }
        assert_true(found);
        assert_true(p.city.len > 0);
        assert_non_null(memchr(p.name.ptr, ' ', p.name.len));
        const char *at = memchr(p.email_address.ptr, '@', p.email_address.len);
        assert_non_null(at);
        assert_true(p.email_address.len > 4);
        assert_memory_equal(p.email_address.ptr + p.email_address.len - 4, ".com", 4);
        assert_int_equal(p.credit_card.len, 19);
        for (size_t i = 0; i < 19; i++)
            assert_true(i % 5 == 4 ? p.credit_card.ptr[i] == ' '
                                   : p.credit_card.ptr[i] >= '0' && p.credit_card.ptr[i] <= '9');
        mstr_arena_reset(&a);
    }
    for (int s = 0; s < 6; s++)
        assert_true(seen[s] > 500);
    mstr_arena_free(&a);
}

/* Record size as the generator counts it: 8 bytes per number plus the string bytes. Averages
 * must be within 2% of 200 (person), 500 (auction) and 100 (bid). */
static void test_sizes(void **state)
{
    (void)state;
    mstr_arena a;
    mstr_arena_init(&a);
    double size[3] = { 0 }, extra[3] = { 0 };
    uint64_t count[3] = { 0 };
    for (uint64_t n = 0; n < 50 * 10000; n++) {
        mstr_nexmark_kind k = mstr_nexmark_kind_of(n);
        size_t rec = 0, pad = 0;
        if (k == MSTR_NEXMARK_PERSON) {
            mstr_nexmark_person p;
            mstr_nexmark_gen_person(&CFG, n, &a, &p);
            pad = p.extra.len;
            rec = 2 * 8 + p.name.len + p.email_address.len + p.credit_card.len + p.city.len +
                  p.state.len + pad;
        } else if (k == MSTR_NEXMARK_AUCTION) {
            mstr_nexmark_auction au;
            mstr_nexmark_gen_auction(&CFG, n, &a, &au);
            pad = au.extra.len;
            rec = 7 * 8 + au.item_name.len + au.description.len + pad;
        } else {
            mstr_nexmark_bid b;
            mstr_nexmark_gen_bid(&CFG, n, &a, &b);
            pad = b.extra.len;
            rec = 4 * 8 + b.channel.len + b.url.len + pad;
        }
        size[k] += (double)rec;
        extra[k] += (double)pad;
        count[k]++;
        mstr_arena_reset(&a);
    }
    static const double target[3] = { 200, 500, 100 };
    static const char *const what[3] = { "person", "auction", "bid" };
    for (int k = 0; k < 3; k++) {
        double avg = size[k] / (double)count[k];
        print_message("%s: average record %.1f bytes, extra %.1f bytes\n", what[k], avg,
                      extra[k] / (double)count[k]);
        assert_true(avg > target[k] * 0.98 && avg < target[k] * 1.02);
    }
    mstr_arena_free(&a);
}

/* date_time of event n = first_ms + floor(n * 1000 / rate), non-decreasing. */
static void test_timestamps(void **state)
{
    (void)state;
    static const mstr_nexmark_config cfgs[] = {
        { .events = 0, .rate = 10000000, .first_ms = 0 },
        { .events = 0, .rate = 1000, .first_ms = 1700000000000 },
        { .events = 0, .rate = 7, .first_ms = -20 },
        { .events = 0, .rate = 1, .first_ms = 3 },
        { .events = 0, .rate = UINT64_C(1) << 60, .first_ms = 0 },
    };
    mstr_arena a;
    mstr_arena_init(&a);
    for (size_t c = 0; c < sizeof cfgs / sizeof cfgs[0]; c++) {
        const mstr_nexmark_config *cfg = &cfgs[c];
        static const uint64_t bases[] = { 0, UINT64_C(1) << 40, UINT64_C(3) << 60 };
        for (size_t s = 0; s < 3; s++) {
            int64_t prev = INT64_MIN;
            for (uint64_t n = bases[s]; n < bases[s] + 20000; n++) {
                unsigned __int128 want = (unsigned __int128)n * 1000 / cfg->rate;
                if (want > INT64_MAX / 2)
                    break;   /* beyond the range of an i64 timestamp */
                int64_t t = mstr_nexmark_time(cfg, n);
                assert_int_equal(t, cfg->first_ms + (int64_t)want);
                assert_true(t >= prev);
                prev = t;
                int64_t dt;
                if (mstr_nexmark_kind_of(n) == MSTR_NEXMARK_BID) {
                    mstr_nexmark_bid b;
                    mstr_nexmark_gen_bid(cfg, n, &a, &b);
                    dt = b.date_time;
                } else if (mstr_nexmark_kind_of(n) == MSTR_NEXMARK_AUCTION) {
                    mstr_nexmark_auction au;
                    mstr_nexmark_gen_auction(cfg, n, &a, &au);
                    dt = au.date_time;
                } else {
                    mstr_nexmark_person p;
                    mstr_nexmark_gen_person(cfg, n, &a, &p);
                    dt = p.date_time;
                }
                assert_int_equal(dt, t);
                mstr_arena_reset(&a);
            }
        }
    }
    /* A zero rate means the default, 10,000,000 per second. */
    static const mstr_nexmark_config zero = { .events = 0, .rate = 0, .first_ms = 0 };
    assert_int_equal(mstr_nexmark_time(&zero, 25000000), 2500);
    mstr_arena_free(&a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_kind_of),
        cmocka_unit_test(test_next_of_kind),
        cmocka_unit_test(test_next_in_part),
        cmocka_unit_test(test_ids),
        cmocka_unit_test(test_deterministic),
        cmocka_unit_test(test_bids),
        cmocka_unit_test(test_auctions),
        cmocka_unit_test(test_persons),
        cmocka_unit_test(test_sizes),
        cmocka_unit_test(test_timestamps),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
