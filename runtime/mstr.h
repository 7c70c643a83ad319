/*
 * mstr.h - everything a generated program includes: the runtime's public modules.
 */
#ifndef MSTR_H
#define MSTR_H

#include "mstr_codec.h"
#include "mstr_hash.h"
#include "mstr_job.h"
#include "mstr_nexmark.h"
#include "mstr_out.h"
#include "mstr_parse.h"
#include "mstr_read.h"
#include "mstr_route.h"
#include "mstr_source.h"
#include "mstr_str.h"
#include "mstr_table.h"
#include "mstr_time.h"

#endif
