/*
 * mstr_out.h - buffered output and the formatting of values.
 *
 * A sink writes through an mstr_out: a buffer in front of a file descriptor, flushed when full
 * and on close. The formatting functions write one value each, in the three shapes the sinks
 * need: Rust's Debug shape for stdout and text sinks (strings quoted and escaped, floats always
 * with a fraction or exponent: 1.0, 0.1, 1e20), CSV fields (quoted only when needed) and JSON.
 * Generated code composes records from these; nothing here knows record types.
 *
 * Thread use: an mstr_out belongs to one thread at a time.
 */
#ifndef MSTR_OUT_H
#define MSTR_OUT_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mstr_str.h"

typedef struct mstr_out {
    int fd;             /* -1 for a discarding writer */
    bool owns_fd;       /* close fd in mstr_out_close */
    bool failed;        /* a write failed; errno_saved tells why */
    int errno_saved;
    char *buf;
    size_t len;
    size_t cap;
    const char *path;   /* for messages ("<stdout>" for standard output) */
    pthread_mutex_t *lock; /* held around each write(2) when several writers share fd; or NULL */
} mstr_out;

/* Writers that share a descriptor flush at a record boundary once their buffer holds this
 * much, so records from different threads never interleave mid-record (unless one record is
 * larger than the rest of the buffer). */
enum { MSTR_OUT_RECORD_FLUSH = 32 * 1024 };

/* Opens path for writing (created or truncated). Returns false and sets errno on failure. */
bool mstr_out_open(mstr_out *o, const char *path);

/* Opens path for writing at its end (created if missing), after cutting it to `length` bytes.
 * Returns false and sets errno on failure. */
bool mstr_out_open_at(mstr_out *o, const char *path, uint64_t length);

/* Opens path for writing at its end, keeping what it holds (created if missing). Returns
 * false and sets errno on failure. */
bool mstr_out_append(mstr_out *o, const char *path);

/* Flushes and makes the written bytes durable (fsync). Returns false if this or an earlier write
 * failed. */
bool mstr_out_sync(mstr_out *o);

/* A writer on an existing descriptor (not closed by mstr_out_close); name is for messages. */
void mstr_out_init_fd(mstr_out *o, int fd, const char *name);

/* A writer not open yet: it holds no memory, and nothing may be written to it until it is
 * opened (mstr_out_open, mstr_out_init_fd). Closing it does nothing. */
void mstr_out_init_closed(mstr_out *o, const char *name);

/* Writes the buffer out. Returns false if this or an earlier write failed. */
bool mstr_out_flush(mstr_out *o);

/* Flushes, closes the descriptor if owned, frees the buffer. Returns false if any write failed. */
bool mstr_out_close(mstr_out *o);

/* Raw output. */
void mstr_out_bytes(mstr_out *o, const char *p, size_t n);
void mstr_out_cstr(mstr_out *o, const char *s);
void mstr_out_char(mstr_out *o, char c);

/* Plain decimal numbers (no quoting): used by all three shapes. */
void mstr_out_i64(mstr_out *o, int64_t v);
void mstr_out_u64(mstr_out *o, uint64_t v);

/* Debug shape (stdout, text sinks). */
void mstr_out_debug_f64(mstr_out *o, double v);  /* shortest round-trip; 1.0, -0.5, 1e20, NaN, inf */
void mstr_out_debug_f32(mstr_out *o, float v);   /* shortest that round-trips as a float */
void mstr_out_debug_bool(mstr_out *o, bool v);   /* true / false */
void mstr_out_debug_str(mstr_out *o, mstr_str s);/* "..." with \" \\ \n \r \t \0 and \u{..} escapes */

/* CSV shape: quoted with doubled quotes only if the field has , " CR or LF. */
void mstr_out_csv_str(mstr_out *o, mstr_str s);
void mstr_out_csv_f64(mstr_out *o, double v);    /* shortest round-trip, no forced ".0" */
void mstr_out_csv_f32(mstr_out *o, float v);

/* JSON shape. Non-finite floats are written as null. */
void mstr_out_json_str(mstr_out *o, mstr_str s); /* "..." with JSON escapes, UTF-8 passed through,
                                                    invalid bytes as \ufffd */
void mstr_out_json_f64(mstr_out *o, double v);
void mstr_out_json_f32(mstr_out *o, float v);

#endif
