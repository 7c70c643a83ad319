/*
 * mstr_mem.h - the one allocation path of the runtime (and of mstrc, which links it).
 *
 * Every allocation that must not fail goes through here: running out of memory prints
 * `PROGRAM: out of memory (N bytes)` and aborts, in one place, as Lua's luaM_ does. A stream
 * job or a compiler run that cannot get memory has no sensible way to go on, and a caller that
 * cannot get NULL has no error path to get wrong.
 *
 * Thread use: any thread.
 */
#ifndef MSTR_MEM_H
#define MSTR_MEM_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>

/* Reports that n bytes (0: an amount not known) could not be allocated, and aborts. */
_Noreturn void mstr_oom(size_t n);

/* n zeroed bytes (at least one), freed with free(). Never returns NULL. */
void *mstr_alloc(size_t n);

/* n zeroed elements of size bytes, the product checked for overflow. Never returns NULL. */
void *mstr_alloc_array(size_t n, size_t size);

/* p resized to n bytes (at least one); the bytes added are not initialised. With p NULL it is
 * an allocation whose bytes are not initialised (for large buffers filled at once). */
void *mstr_realloc(void *p, size_t n);

/* n zeroed bytes aligned to align (a power of two); n is rounded up to a multiple of align.
 * Freed with free(). */
void *mstr_alloc_aligned(size_t align, size_t n);

/* A copy of the NUL-terminated s, freed with free(). */
char *mstr_strdup(const char *s);

/* A printf-formatted string, freed with free(). */
char *mstr_strf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
char *mstr_vstrf(const char *fmt, va_list ap);

/* Sets *error to a printf-formatted message (freeing the one it held) and returns false: the
 * runtime's `return fail(...)` for functions that report through a char **error. */
bool mstr_errorf(char **error, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
