/*
 * cache.c - built binaries kept by what they were built from (see cache.h).
 */
#include "cache.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "drive.h"
#include "mstr_hash.h"

bool mc_cache_dir(char *dir, size_t n)
{
    const char *env = getenv("MSTRC_CACHE");
    const char *xdg = getenv("XDG_CACHE_HOME");
    const char *home = getenv("HOME");
    if (env && *env)
        snprintf(dir, n, "%s", env);
    else if (xdg && *xdg)
        snprintf(dir, n, "%s/mstrc", xdg);
    else
        snprintf(dir, n, "%s/.cache/mstrc", home && *home ? home : "/tmp");
    return mc_drive_make_dirs(dir);
}

/* Prints the messages kept with a cached binary, if there are any. */
static void replay_messages(const char *binary)
{
    char path[PATH_MAX + 400];
    snprintf(path, sizeof path, "%s.messages", binary);
    mc_buf messages = { 0 };
    if (mc_drive_read_file(path, &messages))
        fputs(messages.data, stderr);
    mc_buf_free(&messages);
}

/* Builds c into binary through a file of this process's own; the messages go first, so that
 * whoever finds the binary finds them too. */
static bool build_into(const mc_cc_options *o, const char *job, const mc_buf *c,
                       const char *binary)
{
    char tmp[PATH_MAX + 400], kept[PATH_MAX + 400];
    snprintf(tmp, sizeof tmp, "%s.%ld.tmp", binary, (long)getpid());
    snprintf(kept, sizeof kept, "%s.messages", binary);
    mc_buf messages = { 0 };
    bool ok = mc_cc_build(o, job, c, tmp, &messages);
    if (ok && messages.len > 0) {
        char kept_tmp[PATH_MAX + 420];
        snprintf(kept_tmp, sizeof kept_tmp, "%s.tmp", tmp);
        ok = mc_drive_write_file(kept_tmp, messages.data, messages.len) &&
             rename(kept_tmp, kept) == 0;
    }
    ok = ok && rename(tmp, binary) == 0;
    if (!ok)
        unlink(tmp);
    mc_buf_free(&messages);
    return ok;
}

bool mc_cache_binary(const mc_cc_options *o, const char *dir, const char *job, const mc_buf *c,
                     char *binary, size_t n)
{
    uint64_t key;
    if (!mc_cc_dependencies(o, job, c, &key))
        return false;
    key ^= mstr_hash_bytes(c->data, c->len);
    snprintf(binary, n, "%s/%s-%016llx", dir, job, (unsigned long long)key);
    if (access(binary, X_OK) != 0)
        return build_into(o, job, c, binary);
    replay_messages(binary);
    return true;
}
