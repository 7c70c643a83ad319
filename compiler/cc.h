/*
 * cc.h - driving the C compiler: how mstrc turns generated C into a binary, and what a build
 * depends on besides the C (for the cache of built binaries, cache.h).
 *
 * The generated C is written into a private temporary directory and compiled there with the
 * runtime's headers and library found next to the mstrc executable. A program's own C (its
 * `c { }` blocks and bodies) may include headers of its own: the directory of the .mstr file is
 * searched first, then each -I directory, and CFLAGS and LDFLAGS from the environment are
 * passed on (split at spaces; LDFLAGS after the program, so that `-L DIR -lNAME` links a
 * library of the user's).
 */
#ifndef MC_CC_H
#define MC_CC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"

typedef struct mc_cc_options {
    const char *program;               /* the .mstr file: its directory is searched first */
    const char *const *include_dirs;   /* the -I directories, in order */
    size_t ninclude_dirs;
} mc_cc_options;

/* Compiles c, the generated C of job `job` (the base name its file gets), into binary, and
 * appends the messages the compiler printed to messages (unless NULL). Returns false after the
 * compiler's messages (or mstrc's own, if it cannot run the compiler). */
bool mc_cc_build(const mc_cc_options *o, const char *job, const mc_buf *c, const char *binary,
                 mc_buf *messages);

/* Sets *hash to a hash of what a build of c depends on besides c: the runtime library, the
 * flags, and the content of every header c includes that is not a system header (as the C
 * compiler finds them). Returns false after a message if the compiler cannot tell. */
bool mc_cc_dependencies(const mc_cc_options *o, const char *job, const mc_buf *c,
                        uint64_t *hash);

#endif
