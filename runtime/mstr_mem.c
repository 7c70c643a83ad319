/*
 * mstr_mem.c - the one allocation path (see mstr_mem.h).
 *
 * The message names the program (glibc's program_invocation_short_name: "mstrc" in the
 * compiler, the job's binary name in a job) so that a user running several tools sees which
 * one ran out.
 */
#include "mstr_mem.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

_Noreturn void mstr_oom(size_t n)
{
    if (n > 0)
        fprintf(stderr, "%s: out of memory (%zu bytes)\n", program_invocation_short_name, n);
    else
        fprintf(stderr, "%s: out of memory\n", program_invocation_short_name);
    abort();
}

void *mstr_alloc(size_t n)
{
    void *p = calloc(1, n ? n : 1);
    if (p == NULL)
        mstr_oom(n);
    return p;
}

void *mstr_alloc_array(size_t n, size_t size)
{
    if (size != 0 && n > SIZE_MAX / size)
        mstr_oom(SIZE_MAX);
    return mstr_alloc(n * size);
}

void *mstr_realloc(void *p, size_t n)
{
    void *q = realloc(p, n ? n : 1);
    if (q == NULL)
        mstr_oom(n);
    return q;
}

void *mstr_alloc_aligned(size_t align, size_t n)
{
    size_t size = (n + align - 1) & ~(align - 1);
    if (size < n || size == 0)
        size = size < n ? SIZE_MAX : align;
    void *p = aligned_alloc(align, size);
    if (p == NULL)
        mstr_oom(size);
    memset(p, 0, size);
    return p;
}

char *mstr_strdup(const char *s)
{
    size_t n = strlen(s) + 1;
    char *p = mstr_alloc(n);
    memcpy(p, s, n);
    return p;
}

char *mstr_vstrf(const char *fmt, va_list ap)
{
    va_list again;
    va_copy(again, ap);
    int n = vsnprintf(NULL, 0, fmt, ap);
    char *s = mstr_alloc((size_t)n + 1);
    vsnprintf(s, (size_t)n + 1, fmt, again);
    va_end(again);
    return s;
}

bool mstr_errorf(char **error, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    free(*error);
    *error = mstr_vstrf(fmt, ap);
    va_end(ap);
    return false;
}

char *mstr_strf(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *s = mstr_vstrf(fmt, ap);
    va_end(ap);
    return s;
}
