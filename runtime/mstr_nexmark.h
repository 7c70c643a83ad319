/*
 * mstr_nexmark.h - the Nexmark benchmark's event generator.
 *
 * Events are numbered from 0. Event n is a person if n % 50 == 0, an auction if n % 50 is 1, 2
 * or 3, and a bid otherwise (the Nexmark suite's proportions 1:3:46). Every field of event n is
 * a function of n and the configuration alone (a counter-based random stream seeded by n), so
 * a worker can generate any slice of the sequence without the others, and several sources with
 * the same configuration see the same events. Follows the Nexmark suite's generator
 * (nexmark-flink .../generator/): person ids are 1000 + n / 50, auction ids 1000 + 3 * (n / 50) +
 * offset; half the bids go to a "hot" auction and three quarters come from "hot" bidders; prices
 * are log-uniform from $1 to $1M in cents; each record is padded with an `extra` string to
 * average about 200 (person), 500 (auction) and 100 (bid) bytes; timestamps advance by a fixed
 * delay given by the rate. No formatted printing on the hot path: names and padding come from
 * fixed tables and a fixed random text.
 *
 * Thread use: the functions are pure; strings live in the caller's arena or in static tables.
 */
#ifndef MSTR_NEXMARK_H
#define MSTR_NEXMARK_H

#include <stddef.h>
#include <stdint.h>

#include "mstr_str.h"

typedef struct mstr_nexmark_config {
    uint64_t events;        /* how many events (of all kinds) the stream has */
    uint64_t rate;          /* events per second (>= 1); default 10,000,000 */
    int64_t first_ms;       /* timestamp of event 0, in milliseconds */
} mstr_nexmark_config;

typedef enum mstr_nexmark_kind {
    MSTR_NEXMARK_PERSON, MSTR_NEXMARK_AUCTION, MSTR_NEXMARK_BID
} mstr_nexmark_kind;

/* Field order and types match the built-in .mstr types Person, Auction and Bid. */
typedef struct mstr_nexmark_person {
    uint64_t id;
    mstr_str name, email_address, credit_card, city, state;
    int64_t date_time;
    mstr_str extra;
} mstr_nexmark_person;

typedef struct mstr_nexmark_auction {
    uint64_t id;
    mstr_str item_name, description;
    uint64_t initial_bid, reserve;
    int64_t date_time, expires;
    uint64_t seller, category;
    mstr_str extra;
} mstr_nexmark_auction;

typedef struct mstr_nexmark_bid {
    uint64_t auction, bidder, price;
    mstr_str channel, url;
    int64_t date_time;
    mstr_str extra;
} mstr_nexmark_bid;

static inline mstr_nexmark_kind mstr_nexmark_kind_of(uint64_t n)
{
    uint64_t r = n % 50;
    return r == 0 ? MSTR_NEXMARK_PERSON : r < 4 ? MSTR_NEXMARK_AUCTION : MSTR_NEXMARK_BID;
}

/* The first event number >= n of the given kind. */
uint64_t mstr_nexmark_next_of_kind(uint64_t n, mstr_nexmark_kind kind);

/* Partition k of a source of `parts` partitions generates blocks k, k + parts, k + 2 parts, ...
 * of MSTR_NEXMARK_BLOCK events (a multiple of the 50 events in which every kind occurs), so
 * that the workers' event times advance together: were each a contiguous part, every window
 * would wait for the first worker to reach the last worker's events, holding their state. */
enum { MSTR_NEXMARK_BLOCK = 10000 };

/* The first event number >= n of the given kind in the blocks of partition k of `parts`. */
uint64_t mstr_nexmark_next_in_part(uint64_t n, mstr_nexmark_kind kind, size_t k, size_t parts);

/* The timestamp (ms) of event n: first_ms + floor(n * 1000 / rate), exact in integers; a rate
 * of 0 is taken as the default. */
int64_t mstr_nexmark_time(const mstr_nexmark_config *cfg, uint64_t n);

/* Event n, which must be of the matching kind. Strings point into static tables or into a.
 * (Named gen_ because a C function cannot share its name with the record typedef.) */
void mstr_nexmark_gen_person(const mstr_nexmark_config *cfg, uint64_t n, mstr_arena *a,
                             mstr_nexmark_person *out);
void mstr_nexmark_gen_auction(const mstr_nexmark_config *cfg, uint64_t n, mstr_arena *a,
                              mstr_nexmark_auction *out);
void mstr_nexmark_gen_bid(const mstr_nexmark_config *cfg, uint64_t n, mstr_arena *a,
                          mstr_nexmark_bid *out);

#endif
