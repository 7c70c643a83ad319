/*
 * load.c - reading a .mstr file into a fresh program (see frontend.h).
 *
 * The file is read in chunks (so pipes such as /dev/stdin work too), then copied once into the
 * program's pool, NUL-terminated, where the scanner and every diagnostic read it (text that is
 * already in memory, as in the fuzz harness, takes the same copy). Locations are 32-bit byte
 * offsets, so a file of 4 GiB or more is refused.
 */
#include "frontend.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* Reads all of f into a malloc'd buffer (caller frees); returns NULL with errno set on error. */
static char *read_all(FILE *f, size_t *len)
{
    size_t cap = 4096, n = 0;
    char *buf = malloc(cap);
    while (buf != NULL) {
        n += fread(buf + n, 1, cap - n, f);
        if (ferror(f)) {
            int saved = errno;
            free(buf);
            errno = saved;
            return NULL;
        }
        if (n < cap) {
            *len = n;
            return buf;
        }
        cap *= 2;
        char *grown = realloc(buf, cap);
        if (grown == NULL)
            free(buf);
        buf = grown;
    }
    errno = ENOMEM;
    return NULL;
}

bool mc_program_load(mc_program *prog, mc_diag *diag, const char *path)
{
    memset(prog, 0, sizeof *prog);
    FILE *f = fopen(path, "rb");
    size_t len = 0;
    char *text = f != NULL ? read_all(f, &len) : NULL;
    int saved = errno;
    if (f != NULL)
        fclose(f);
    if (text == NULL) {
        fprintf(diag->out, "mstrc: cannot read '%s': %s\n", path, strerror(saved));
        return false;
    }
    bool ok = mc_program_from_text(prog, diag, path, text, len);
    free(text);
    return ok;
}

bool mc_program_from_text(mc_program *prog, mc_diag *diag, const char *path, const char *text,
                          size_t len)
{
    memset(prog, 0, sizeof *prog);
    if (len >= UINT32_MAX) {
        fprintf(diag->out, "mstrc: cannot read '%s': file too large\n", path);
        return false;
    }
    prog->path = mc_pool_strndup(&prog->pool, path, strlen(path));
    prog->src = mc_pool_strndup(&prog->pool, text, len);
    prog->src_len = len;
    diag->path = prog->path;
    diag->src = prog->src;
    diag->src_len = prog->src_len;
    return true;
}

void mc_program_base_name(const char *path, char *dst, size_t n)
{
    const char *base = strrchr(path, '/');
    base = base ? base + 1 : path;
    size_t len = strlen(base);
    if (len > 5 && strcmp(base + len - 5, ".mstr") == 0)
        len -= 5;
    snprintf(dst, n, "%.*s", (int)len, base);
}

void mc_program_free(mc_program *prog)
{
    mc_pool_free(&prog->pool);
    memset(prog, 0, sizeof *prog);
}
