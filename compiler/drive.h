/*
 * drive.h - the steps that more than one mstrc command takes: generating C from a checked
 * program, finding the runtime, running a program, writing a file and making a private
 * temporary directory (compiling the C is cc.h's).
 *
 * Messages go to stderr prefixed `mstrc: `; every function says what it returns. None keeps
 * state between calls.
 */
#ifndef MC_DRIVE_H
#define MC_DRIVE_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>

#include "ast.h"
#include "buf.h"
#include "diag.h"

/* Where the runtime library and headers are. */
typedef struct mc_runtime_paths {
    char lib[PATH_MAX + 32];      /* libmstr.a */
    char include[PATH_MAX + 32];  /* the directory holding mstr.h */
} mc_runtime_paths;

/* Finds the runtime for this mstrc: in a build tree, DIR/libmstr.a and DIR/../runtime (DIR
 * being the directory of the executable); once installed (make install), DIR/../lib/libmstr.a
 * and DIR/../include/malstrom. Returns false with a message when neither is there. */
bool mc_drive_find_runtime(mc_runtime_paths *rt);

/* Appends the C program of prog (which mc_check accepted) to c, c_name naming the generated
 * file in #line directives (none when line_directives is false). Returns false after
 * diagnostics on diag for what code generation cannot do yet. */
bool mc_drive_generate(const mc_program *prog, mc_diag *diag, bool line_directives,
                       const char *c_name, mc_buf *c);

/* Runs argv (argv[0] looked up in PATH) and waits for it; returns its exit status, 128 + the
 * signal that killed it, or 127 if it could not start (with a message). */
int mc_drive_run(char *const argv[]);

/* Like mc_drive_run, but unless out_path is NULL the program runs in dir (NULL: here), reads
 * /dev/null, writes its standard output and error to out_path, and finds files[k] (made
 * empty) open for writing as descriptor 3 + k. */
int mc_drive_run_in(char *const argv[], const char *dir, const char *out_path,
                    const char *const *files, size_t nfiles);

/* Appends the content of the file at path to out. Returns false, without a message, when it
 * cannot be read. */
bool mc_drive_read_file(const char *path, mc_buf *out);

/* Writes len bytes at data to path, replacing it. Returns false with a message. */
bool mc_drive_write_file(const char *path, const char *data, size_t len);

/* Makes dir and the directories above it that are missing. Returns false with a message. */
bool mc_drive_make_dirs(const char *dir);

/* Makes a fresh directory only this user can read in $TMPDIR (or /tmp) and writes its path to
 * dir (n bytes). Returns false with a message. The caller removes it. */
bool mc_drive_temp_dir(char *dir, size_t n);

#endif
