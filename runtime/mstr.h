/*
 * mstr.h - everything a generated program includes: the runtime's public modules and the
 * language's scalar types.
 */
#ifndef MSTR_H
#define MSTR_H

#include "mstr_codec.h"
#include "mstr_desc.h"
#include "mstr_exchange.h"
#include "mstr_fail.h"
#include "mstr_frontier.h"
#include "mstr_hash.h"
#include "mstr_job.h"
#include "mstr_mem.h"
#include "mstr_nexmark.h"
#include "mstr_out.h"
#include "mstr_parse.h"
#include "mstr_read.h"
#include "mstr_route.h"
#include "mstr_scalar.h"
#include "mstr_source.h"
#include "mstr_str.h"
#include "mstr_table.h"
#include "mstr_timerq.h"
#include "mstr_time.h"
#include "mstr_worker.h"

/* How generated code declares the functions of a chain (each stream's and operator's record
 * function): always inlined, so that every chain is fused into its source's loop and the
 * exchange's receiving loop. Left to its own judgement the C compiler stops inlining once a
 * chain holds keyed state, and then hashes each key twice (routing, then the table): 55% more
 * instructions per record on a keyed stateful_map (callgrind, 1M keys). */
#define MSTR_FUSED static inline __attribute__((always_inline))

#endif
