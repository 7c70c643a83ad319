/*
 * oci.h - writing an OCI image layout (the OCI Image Format specification: `oci-layout`,
 * `index.json` and content-addressed blobs under `blobs/sha256/`) without a container daemon
 * or any other tool: one uncompressed tar layer, its config and its manifest.
 *
 * The output is reproducible: the same files and config give the same bytes and so the same
 * digests (tar entries owned by 0:0 with mtime 0, JSON written in a fixed order, the image's
 * creation time the epoch). `skopeo inspect oci:DIR:TAG` and `umoci unpack --image DIR:TAG`
 * read it.
 */
#ifndef MC_OCI_H
#define MC_OCI_H

#include <stdbool.h>
#include <stddef.h>

#include "buf.h"

/* One entry of the layer: a regular file (data, len bytes) or, when data is NULL, a directory. */
typedef struct mc_oci_file {
    const char *path;   /* inside the image, without a leading '/'; under 100 bytes */
    unsigned mode;      /* permission bits, e.g. 0755 */
    const char *data;
    size_t len;
} mc_oci_file;

/* What the image is. */
typedef struct mc_oci_image {
    const mc_oci_file *files;
    size_t nfiles;
    const char *config;  /* the image config's "config" member: a JSON object (Entrypoint, Env,
                            ExposedPorts, User, WorkingDir, Labels, ...) */
    const char *tag;     /* the manifest's org.opencontainers.image.ref.name in index.json */
} mc_oci_image;

/* Writes image as an OCI image layout into dir (made if missing; blobs already there are
 * kept, index.json names only this image). Copies the manifest's digest ("sha256:" and 64 hex
 * digits) into digest. Returns false after a message. */
bool mc_oci_write(const char *dir, const mc_oci_image *image, char digest[72]);

/* Writes "sha256:" and the 64 hex digits of the SHA-256 of data (len bytes) into digest. */
void mc_oci_sha256(const char *data, size_t len, char digest[72]);

/* Appends s to b as a JSON string, quotes included (also a YAML double-quoted scalar). */
void mc_oci_json_string(mc_buf *b, const char *s);

#endif
