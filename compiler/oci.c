/*
 * oci.c - an OCI image layout written by hand (see oci.h): a ustar archive for the layer,
 * SHA-256 from OpenSSL for the digests, JSON by printf in a fixed order.
 *
 * Why no tool: umoci or a container daemon would stamp times into the config and the layer,
 * and a user who packages a job should need nothing but mstrc. Why uncompressed: the layer is
 * one static binary, and a registry client (skopeo copy) compresses it on the way if the
 * registry wants that; gzip here would only add a second digest to keep.
 */
#include "oci.h"

#include <limits.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "drive.h"

enum { TAR_BLOCK = 512 };

/* The ustar header of one entry (POSIX.1-1988 with the "ustar\0" "00" magic). */
typedef struct tar_header {
    char name[100], mode[8], uid[8], gid[8], size[12], mtime[12], chksum[8], typeflag;
    char linkname[100], magic[6], version[2], uname[32], gname[32], devmajor[8], devminor[8];
    char prefix[155], pad[12];
} tar_header;

_Static_assert(sizeof(tar_header) == TAR_BLOCK, "a tar header is one block");

/* Appends the entry f to the archive in b: its header, then its data padded to whole blocks.
 * Owner root, mtime 0: what the image runs as is its config's User, and times would make two
 * builds differ. */
static void tar_entry(mc_buf *b, const mc_oci_file *f)
{
    tar_header h;
    memset(&h, 0, sizeof h);
    bool dir = f->data == NULL;
    snprintf(h.name, sizeof h.name, "%s%s", f->path, dir ? "/" : "");
    snprintf(h.mode, sizeof h.mode, "%07o", f->mode & 07777);
    snprintf(h.uid, sizeof h.uid, "%07o", 0);
    snprintf(h.gid, sizeof h.gid, "%07o", 0);
    snprintf(h.size, sizeof h.size, "%011zo", dir ? (size_t)0 : f->len);
    snprintf(h.mtime, sizeof h.mtime, "%011o", 0);
    h.typeflag = dir ? '5' : '0';
    memcpy(h.magic, "ustar", 6);
    memcpy(h.version, "00", 2);
    memset(h.chksum, ' ', sizeof h.chksum);
    unsigned sum = 0;
    for (size_t i = 0; i < sizeof h; i++)
        sum += ((unsigned char *)&h)[i];
    snprintf(h.chksum, sizeof h.chksum, "%06o", sum); /* six digits, NUL, and the space kept */
    h.chksum[7] = ' ';
    mc_buf_put(b, (const char *)&h, sizeof h);
    if (dir)
        return;
    mc_buf_put(b, f->data, f->len);
    static const char zeros[TAR_BLOCK];
    mc_buf_put(b, zeros, (TAR_BLOCK - f->len % TAR_BLOCK) % TAR_BLOCK);
}

/* The layer: every file, then the two zero blocks that end an archive. */
static void tar_layer(mc_buf *b, const mc_oci_image *image)
{
    for (size_t i = 0; i < image->nfiles; i++)
        tar_entry(b, &image->files[i]);
    static const char end[2 * TAR_BLOCK];
    mc_buf_put(b, end, sizeof end);
}

void mc_oci_sha256(const char *data, size_t len, char digest[72])
{
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned n = 0;
    EVP_Digest(data, len, md, &n, EVP_sha256(), NULL);
    int at = snprintf(digest, 72, "sha256:");
    for (unsigned i = 0; i < n && i < 32; i++)
        at += snprintf(digest + at, (size_t)(72 - at), "%02x", md[i]);
}

/* Writes a blob under its digest (into digest) and appends its descriptor to desc, open: without
 * its closing brace, so that the caller may add members. Returns false after a message. */
static bool put_blob(const char *dir, const char *media_type, const mc_buf *blob, mc_buf *desc,
                     char digest[72])
{
    mc_oci_sha256(blob->data, blob->len, digest);
    char path[PATH_MAX + 100];
    snprintf(path, sizeof path, "%s/blobs/sha256/%s", dir, digest + 7);
    mc_buf_printf(desc, "{\"mediaType\":\"%s\",\"digest\":\"%s\",\"size\":%zu", media_type,
                  digest, blob->len);
    return mc_drive_write_file(path, blob->data, blob->len);
}

void mc_oci_json_string(mc_buf *b, const char *s)
{
    mc_buf_puts(b, "\"");
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p == '"' || *p == '\\')
            mc_buf_printf(b, "\\%c", *p);
        else if (*p < 0x20)
            mc_buf_printf(b, "\\u%04x", *p);
        else
            mc_buf_put(b, (const char *)p, 1);
    }
    mc_buf_puts(b, "\"");
}

bool mc_oci_write(const char *dir, const mc_oci_image *image, char digest[72])
{
    char blobs[PATH_MAX + 100];
    snprintf(blobs, sizeof blobs, "%s/blobs/sha256", dir);
    if (!mc_drive_make_dirs(blobs))
        return false;
    mc_buf layer = { 0 }, config = { 0 }, manifest = { 0 }, index = { 0 }, layer_desc = { 0 };
    char layer_digest[72], config_digest[72];
    tar_layer(&layer, image);
    bool ok = put_blob(dir, "application/vnd.oci.image.layer.v1.tar", &layer, &layer_desc,
                       layer_digest);
    /* The layer is not compressed, so its diff_id is its digest. */
    mc_buf_printf(&config, "{\"created\":\"1970-01-01T00:00:00Z\",\"architecture\":\"amd64\","
                           "\"os\":\"linux\",\"config\":%s,\"rootfs\":{\"type\":\"layers\","
                           "\"diff_ids\":[\"%s\"]},\"history\":[{\"created\":"
                           "\"1970-01-01T00:00:00Z\",\"created_by\":\"mstrc package\"}]}\n",
                  image->config, layer_digest);
    mc_buf_puts(&manifest, "{\"schemaVersion\":2,\"mediaType\":"
                           "\"application/vnd.oci.image.manifest.v1+json\",\"config\":");
    ok = ok && put_blob(dir, "application/vnd.oci.image.config.v1+json", &config, &manifest,
                        config_digest);
    mc_buf_printf(&manifest, "},\"layers\":[%s}]}\n", layer_desc.data);
    mc_buf_puts(&index, "{\"schemaVersion\":2,\"mediaType\":"
                        "\"application/vnd.oci.image.index.v1+json\",\"manifests\":[");
    ok = ok && put_blob(dir, "application/vnd.oci.image.manifest.v1+json", &manifest, &index,
                        digest);
    mc_buf_puts(&index, ",\"annotations\":{\"org.opencontainers.image.ref.name\":");
    mc_oci_json_string(&index, image->tag);
    mc_buf_puts(&index, "}}]}\n");
    static const char layout[] = "{\"imageLayoutVersion\":\"1.0.0\"}\n";
    char path[PATH_MAX + 100];
    snprintf(path, sizeof path, "%s/oci-layout", dir);
    ok = ok && mc_drive_write_file(path, layout, sizeof layout - 1);
    snprintf(path, sizeof path, "%s/index.json", dir);
    ok = ok && mc_drive_write_file(path, index.data, index.len);
    mc_buf_free(&layer);
    mc_buf_free(&config);
    mc_buf_free(&manifest);
    mc_buf_free(&index);
    mc_buf_free(&layer_desc);
    return ok;
}
