/*
 * cache.h - built binaries kept by what they were built from, so that building an unchanged
 * program again costs a lookup (mstrc run, mstrc build and mstrc test).
 *
 * The cache is the directory MSTRC_CACHE, else $XDG_CACHE_HOME/mstrc, else ~/.cache/mstrc. A
 * binary's name there is the job's name and a hash of its generated C and of what its build
 * depends on besides (mc_cc_dependencies: the runtime library, the flags, the program's own
 * headers). The C compiler's messages, when it printed any, are kept next to the binary in
 * NAME.messages and printed again each time it is reused, so a warning is never seen only once.
 * Builds write to a file of their own and rename it into place: builds of the same program
 * at the same time are safe.
 */
#ifndef MC_CACHE_H
#define MC_CACHE_H

#include <stdbool.h>
#include <stddef.h>

#include "buf.h"
#include "cc.h"

/* Makes the cache directory if needed and writes its path to dir (n bytes). Returns false
 * with a message when it cannot be made. */
bool mc_cache_dir(char *dir, size_t n);

/* Finds or builds c, the generated C of job `job`, in the cache dir (from mc_cache_dir) and
 * writes the binary's path to binary (n bytes). Returns false after the compiler's messages. */
bool mc_cache_binary(const mc_cc_options *o, const char *dir, const char *job, const mc_buf *c,
                     char *binary, size_t n);

#endif
