/*
 * package.h - `mstrc package`: a job as an OCI image and the Kubernetes manifests that run it.
 *
 * Into OUT it writes:
 *   OUT/image/            an OCI image layout (oci.h), tag `latest`: the static binary alone,
 *                         run as user 65534 with /data as its working directory
 *   OUT/k8s/NAME.yaml     a ConfigMap of MSTR_* settings, a headless Service for the exchange,
 *                         a Service for control and metrics, a ReadWriteMany claim for the
 *                         state and a StatefulSet of one process per pod (templates/k8s_*)
 *   OUT/kustomization.yaml   the manifests as a Kustomize base, for overlays
 *   OUT/rescale.sh        the procedure that changes the number of pods and processes
 */
#ifndef MC_PACKAGE_H
#define MC_PACKAGE_H

#include <stdbool.h>

#include "buf.h"
#include "cc.h"

typedef struct mc_package_options {
    const char *out_dir;
    const char *job;           /* the program's base name (its binary's name) */
    const char *program;       /* the .mstr file's name, for labels and comments */
    const char *source_digest; /* "sha256:..." of the .mstr file's text */
    int processes;             /* pods */
    int workers;               /* worker threads per process */
    const char *image;         /* what the StatefulSet runs; NULL: NAME:latest */
    const mc_cc_options *cc;
} mc_package_options;

/* Builds c, the generated C, into a static binary and writes the image and the manifests into
 * o->out_dir. Returns false after a message. */
bool mc_package(const mc_package_options *o, const mc_buf *c);

#endif
