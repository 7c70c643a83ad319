/*
 * buf.h - a growing text buffer that counts its lines.
 *
 * The emitter writes the generated program into one; counting lines is what lets it write
 * `#line` directives that send the C compiler back to the generated file after a user's block.
 */
#ifndef MC_BUF_H
#define MC_BUF_H

#include <stdbool.h>
#include <stddef.h>

typedef struct mc_buf {
    char *data;     /* NUL-terminated; owned, freed by mc_buf_free */
    size_t len;
    size_t cap;
    unsigned lines; /* newlines written so far */
} mc_buf;

void mc_buf_put(mc_buf *b, const char *p, size_t n);
void mc_buf_puts(mc_buf *b, const char *s);
void mc_buf_printf(mc_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void mc_buf_free(mc_buf *b);

/* Writes b's text to the file at path (created or truncated). Returns false after a message
 * on stderr ("mstrc: cannot write ..."). */
bool mc_buf_write_file(const mc_buf *b, const char *path);

#endif
