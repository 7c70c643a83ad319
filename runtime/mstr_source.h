/*
 * mstr_source.h - source partitions, and the built-in text sources: opening a partition,
 * reading its next record as text fields, and reporting records that cannot be decoded; and the
 * life of a custom source's partition (the program's own open, poll and close blocks).
 *
 * The generated poll function of a lines, stdin or CSV source asks for one record at a time
 * as an array of texts, one per leaf field of the source's type in declaration order (a lines
 * source has one leaf: the line), decodes them with generated code, and hands what it cannot
 * decode back here to be reported, counted and turned into a DeadLetter record.
 *
 * A custom partition. Its position (a value of the program's position type) is made zeroed
 * when the job opens its inputs, before a snapshot is restored into it; the worker that reads
 * it then runs the source's open block once in its own thread (mstr_source_start), polls it
 * until the poll block says it is done, and runs the close block when it is done or when the
 * worker ends (mstr_source_stop). A partition restored as done is neither opened nor polled.
 *
 * Thread use: a partition belongs to the worker thread that polls it (opening and closing the
 * inputs are the main thread's, before the workers start and after they end).
 */
#ifndef MSTR_SOURCE_H
#define MSTR_SOURCE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mstr_desc.h"
#include "mstr_read.h"
#include "mstr_str.h"
#include "mstr_tally.h"

/* One partition of a source: a file, stdin, the whole of a list, or a part of a range. Where it
 * is read and what it covers come from mstr_place.h. */
struct mstr_partition {
    const mstr_source_desc *source;
    size_t index;                       /* which of the source's partitions */
    size_t parts;                       /* how many partitions the source has */
    int worker;                         /* the worker that reads it */
    const char *path;                   /* file sources; "<stdin>" for stdin */
    mstr_reader reader;                 /* lines, stdin, csv */
    bool reader_open;
    size_t *columns;                    /* csv: leaf field i is in column columns[i] */
    size_t ncolumns_in_file;            /* csv: fields per row, from the header */
    uint64_t next;                      /* index of the next record (its timestamp) */
    uint64_t end;                       /* list, range: one past the last index of this part */
    mstr_tally_t malformed;             /* records that could not be decoded (its worker's) */
    bool done;
    bool waiting;                       /* lines, stdin: its last read found nothing to read
                                           yet (its reader's fd is what to wait on) */
    void *position;                     /* custom: the position (see the top) */
    void *handle;                       /* custom: what its blocks keep open, not in snapshots */
    bool started;                       /* custom: its open block ran, its close block has not */
    bool away;                          /* read by another process since a live rescale (closed,
                                           its worker -1) */
    int64_t *epochs;                    /* per epochs operator kept per partition (k of
                                           mstr_job_desc.npartition_epochs): [2k] the last epoch
                                           issued for this partition, [2k + 1] the largest
                                           timestamp seen in it; in its snapshots */
};

/* Malformed records reported one by one per partition; the rest are only counted. */
enum { MSTR_REPORT_LIMIT = 10 };

/* Where a record came from, for timestamps and for the dead-letter stream. */
typedef struct mstr_text_record {
    int64_t ts;         /* record number in the partition, from 0 */
    uint64_t line;      /* line it starts on, from 1 */
    mstr_str raw;       /* its text as in the input */
    mstr_str error;     /* why it is malformed (empty for a good record) */
} mstr_text_record;

typedef enum mstr_next_status {
    MSTR_NEXT_RECORD,     /* leaves and *rec hold a record */
    MSTR_NEXT_MALFORMED,  /* *rec holds a malformed record, already reported and counted */
    MSTR_NEXT_WAIT,       /* nothing until more input comes (see mstr_source_next) */
    MSTR_NEXT_END         /* the partition has no more (the caller marks it done once what
                             it read has run) */
} mstr_next_status;

/* Opens partition p (p->source and p->index set): a file, stdin, or nothing for list and
 * range. CSV partitions read their header and map columns. Reports on stderr and returns
 * false if the input cannot be opened or lacks a column. scratch is for the header. */
bool mstr_source_open(mstr_partition *p, mstr_arena *scratch);

/* Closes p. Returns false (after a message) if a read error happened while it was read. */
bool mstr_source_close(mstr_partition *p);

/* Runs custom partition p's open block in the calling worker's thread, unless p is done; does
 * nothing for the other kinds. */
void mstr_source_start(mstr_worker *w, mstr_partition *p);

/* Runs custom partition p's close block if its open block ran (once). */
void mstr_source_stop(mstr_worker *w, mstr_partition *p);

/* Reads the next record of a text partition into leaves[0 .. nleaves) (in w's arena). A
 * line-based partition (stdin, lines) whose input has nothing to read yet (a quiet pipe or
 * terminal) gives MSTR_NEXT_WAIT and sets p->waiting instead of blocking the worker: it passes
 * on what it read, and sleeps until either its doorbell rings or the input is readable. */
mstr_next_status mstr_source_next(mstr_worker *w, mstr_partition *p, mstr_str *leaves,
                                  size_t nleaves, mstr_text_record *rec);

/* Reports that leaf `leaf` of rec (whose text is text) does not decode, for the reason why;
 * counts the record as malformed and sets rec->error. */
void mstr_source_reject(mstr_worker *w, mstr_partition *p, mstr_text_record *rec, size_t leaf,
                        const char *why, mstr_str text);

#endif
