/*
 * buf.c - a growing text buffer that counts its lines (see buf.h).
 */
#include "buf.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mstr_mem.h"

static void buf_reserve(mc_buf *b, size_t extra)
{
    if (b->len + extra + 1 <= b->cap)
        return;
    size_t cap = b->cap ? b->cap : 4096;
    while (cap < b->len + extra + 1)
        cap *= 2;
    b->data = mstr_realloc(b->data, cap);
    b->cap = cap;
}

void mc_buf_put(mc_buf *b, const char *p, size_t n)
{
    buf_reserve(b, n);
    memcpy(b->data + b->len, p, n);
    b->len += n;
    b->data[b->len] = '\0';
    for (size_t i = 0; i < n; i++)
        b->lines += p[i] == '\n';
}

void mc_buf_puts(mc_buf *b, const char *s)
{
    mc_buf_put(b, s, strlen(s));
}

void mc_buf_printf(mc_buf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0)
        return;
    char *tmp = mstr_realloc(NULL, (size_t)n + 1);
    va_start(ap, fmt);
    vsnprintf(tmp, (size_t)n + 1, fmt, ap);
    va_end(ap);
    mc_buf_put(b, tmp, (size_t)n);
    free(tmp);
}

void mc_buf_free(mc_buf *b)
{
    free(b->data);
    *b = (mc_buf){ 0 };
}

bool mc_buf_write_file(const mc_buf *b, const char *path)
{
    FILE *f = fopen(path, "wb");
    if (f == NULL) {
        fprintf(stderr, "mstrc: cannot write '%s': %s\n", path, strerror(errno));
        return false;
    }
    bool ok = fwrite(b->data, 1, b->len, f) == b->len;
    ok = fclose(f) == 0 && ok;
    if (!ok)
        fprintf(stderr, "mstrc: error writing '%s': %s\n", path, strerror(errno));
    return ok;
}
