/*
 * unit_tmp.h - temporary files for the unit tests.
 *
 * A test makes one directory with unit_tmp_dir (mkdtemp under $TMPDIR or /tmp), creates files
 * in it by name, and removes the lot with unit_tmp_cleanup. Header-only (static inline) since
 * each test is a single-file program.
 */
#ifndef UNIT_TMP_H
#define UNIT_TMP_H

#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

typedef struct unit_tmp {
    char dir[1024];
    char path[4096];   /* the last path made by unit_tmp_path */
} unit_tmp;

/* Creates the directory; aborts the test program if it cannot. */
static inline void unit_tmp_dir(unit_tmp *t)
{
    const char *base = getenv("TMPDIR");
    snprintf(t->dir, sizeof t->dir, "%s/mstr-unit-XXXXXX", base && *base ? base : "/tmp");
    if (!mkdtemp(t->dir)) {
        perror("mkdtemp");
        abort();
    }
}

/* Returns t->path set to dir/name. */
static inline const char *unit_tmp_path(unit_tmp *t, const char *name)
{
    snprintf(t->path, sizeof t->path, "%s/%s", t->dir, name);
    return t->path;
}

/* Writes n bytes to dir/name (created or truncated); returns its path or NULL on failure. */
static inline const char *unit_tmp_write(unit_tmp *t, const char *name, const char *p, size_t n)
{
    const char *path = unit_tmp_path(t, name);
    FILE *f = fopen(path, "wb");
    if (!f)
        return NULL;
    size_t w = n > 0 ? fwrite(p, 1, n, f) : 0;
    if (fclose(f) != 0 || w != n)
        return NULL;
    return path;
}

/* Reads the whole file into a malloc'd, NUL-terminated buffer (caller frees); *n gets its
 * length. NULL on failure. */
static inline char *unit_tmp_read(const char *path, size_t *n)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    size_t cap = 4096, len = 0;
    char *buf = malloc(cap);
    for (;;) {
        if (len + 1 >= cap) {
            cap *= 2;
            buf = realloc(buf, cap);
        }
        size_t got = fread(buf + len, 1, cap - len - 1, f);
        if (got == 0)
            break;
        len += got;
    }
    fclose(f);
    buf[len] = '\0';
    *n = len;
    return buf;
}

/* Removes every file in the directory, then the directory. */
static inline void unit_tmp_cleanup(unit_tmp *t)
{
    DIR *d = opendir(t->dir);
    if (d) {
        struct dirent *e;
        while ((e = readdir(d)) != NULL) {
            if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
                continue;
            unlink(unit_tmp_path(t, e->d_name));
        }
        closedir(d);
    }
    rmdir(t->dir);
}

#endif
