/*
 * package.c - `mstrc package` (see package.h): the binary into an image, the settings into
 * manifests.
 *
 * The manifests are templates (templates/k8s_*.in, embedded like the C ones) filled from one
 * set of variables, so that a name, a port or the number of processes is said once.
 */
#include "package.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "drive.h"
#include "mstr_mem.h"
#include "oci.h"
#include "template.h"

/* Where things are in a container, said once for the image and the manifests (which get them
 * as template variables). The state volume is mounted at DATA_DIR, the working directory, so
 * that the job's relative paths land on it too. */
enum { EXCHANGE_PORT = 7000, METRICS_PORT = 9100, GRACE_SECONDS = 120 };

#define IMAGE_TAG "latest"
#define DATA_DIR "/data"
#define STATE_DIR DATA_DIR "/state"

/* The files written from templates: OUT/path from templates/template. Those under k8s/ are
 * the Kustomize base's resources, in this order. */
static const struct { const char *template, *path; unsigned mode; } outputs[] = {
    { "k8s_settings.yaml.in", "k8s/settings.yaml", 0644 },
    { "k8s_exchange_service.yaml.in", "k8s/exchange-service.yaml", 0644 },
    { "k8s_control_service.yaml.in", "k8s/control-service.yaml", 0644 },
    { "k8s_state_volume.yaml.in", "k8s/state-volume.yaml", 0644 },
    { "k8s_statefulset.yaml.in", "k8s/statefulset.yaml", 0644 },
    { "k8s_rescale.sh.in", "rescale.sh", 0755 },
};

/* The job's name as Kubernetes wants names (RFC 1123 labels): lower case letters, digits and
 * '-', starting with a letter and ending with a letter or digit; word_count becomes
 * word-count. */
static void kubernetes_name(const char *job, char name[64])
{
    char kebab[48];
    size_t len = 0;
    for (const char *p = job; *p && len + 1 < sizeof kebab; p++) {
        char ch = *p >= 'A' && *p <= 'Z' ? (char)(*p - 'A' + 'a') : *p;
        bool ok = (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9');
        if (!ok && (len == 0 || kebab[len - 1] == '-'))
            continue;
        kebab[len++] = ok ? ch : '-';
    }
    while (len > 0 && kebab[len - 1] == '-')
        len--;
    kebab[len] = '\0';
    bool letter = kebab[0] >= 'a' && kebab[0] <= 'z';
    snprintf(name, 64, "%s%s", letter ? "" : len ? "job-" : "job", kebab);
}

/* The image config's "config" member: how the binary runs, its defaults and its labels. */
static void image_config(const mc_package_options *o, const char *name, mc_buf *b)
{
    mc_buf_puts(b, "{\"User\":\"65534:65534\",\"Entrypoint\":[");
    char entry[300];
    snprintf(entry, sizeof entry, "/%s", o->job);
    mc_oci_json_string(b, entry);
    mc_buf_printf(b, "],\"Env\":[\"MSTR_LISTEN=0.0.0.0:%d\",\"MSTR_METRICS_PORT=%d\","
                     "\"MSTR_STATE_DIR=" STATE_DIR "\",\"MSTR_QUIET=1\"],"
                     "\"ExposedPorts\":{\"%d/tcp\":{},\"%d/tcp\":{}},"
                     "\"WorkingDir\":\"" DATA_DIR "\","
                     "\"StopSignal\":\"SIGTERM\",\"Labels\":{",
                  EXCHANGE_PORT, METRICS_PORT, EXCHANGE_PORT, METRICS_PORT);
    const char *labels[][2] = {
        { "org.opencontainers.image.title", name },
        { "io.malstrom.program", o->program },
        { "io.malstrom.source.digest", o->source_digest },
        { "io.malstrom.mstrc.version", MSTRC_VERSION },
    };
    for (size_t i = 0; i < sizeof labels / sizeof labels[0]; i++) {
        mc_buf_puts(b, i ? "," : "");
        mc_oci_json_string(b, labels[i][0]);
        mc_buf_puts(b, ":");
        mc_oci_json_string(b, labels[i][1]);
    }
    mc_buf_puts(b, "}}");
}

/* Reads the whole file at path (*len bytes, to free). NULL after a message. */
static char *read_binary(const char *path, size_t *len)
{
    struct stat st;
    errno = 0;
    FILE *f = fopen(path, "rb");
    char *data = NULL;
    if (f != NULL && fstat(fileno(f), &st) == 0) {
        *len = (size_t)st.st_size;
        data = mstr_alloc(*len + 1);
        if (fread(data, 1, *len, f) != *len) {
            free(data);
            data = NULL;
        }
    }
    if (data == NULL)
        fprintf(stderr, "mstrc: cannot read '%s': %s\n", path,
                errno != 0 ? strerror(errno) : "it is shorter than it was");
    if (f != NULL)
        fclose(f);
    return data;
}

/* Builds the binary in a temporary directory and writes the image of it into OUT/image. */
static bool write_image(const mc_package_options *o, const mc_buf *c, const char *name)
{
    char dir[PATH_MAX], binary[PATH_MAX + 300], image_dir[PATH_MAX + 16];
    if (!mc_drive_temp_dir(dir, sizeof dir))
        return false;
    snprintf(binary, sizeof binary, "%s/%s", dir, o->job);
    size_t len = 0;
    char *data = NULL;
    if (mc_cc_build(o->cc, o->job, c, binary, NULL))
        data = read_binary(binary, &len);
    unlink(binary);
    rmdir(dir);
    if (data == NULL)
        return false;
    /* DATA_DIR is the working directory (the state volume is mounted there) and /tmp is for
     * whatever wants one; both writable by the unprivileged user, as /tmp usually is. */
    mc_oci_file files[] = {
        { &DATA_DIR[1], 01777, NULL, 0 }, /* the path in the layer, without its leading / */
        { "tmp", 01777, NULL, 0 },
        { o->job, 0755, data, len },
    };
    mc_buf config = { 0 };
    image_config(o, name, &config);
    mc_oci_image image = { files, sizeof files / sizeof files[0], config.data, IMAGE_TAG };
    snprintf(image_dir, sizeof image_dir, "%s/image", o->out_dir);
    char digest[72];
    bool ok = mc_oci_write(image_dir, &image, digest);
    if (ok)
        printf("mstrc: image %s:%s (%s) in %s\n", name, IMAGE_TAG, digest, image_dir);
    mc_buf_free(&config);
    free(data);
    return ok;
}

/* Every process's address, in order: the pods' names under the headless Service. Checklist:
 * templates/k8s_rescale.sh.in makes the same list. */
static void peers(const char *name, int processes, mc_buf *b)
{
    for (int i = 0; i < processes; i++)
        mc_buf_printf(b, "%s%s-%d.%s:%d", i ? "," : "", name, i, name, EXCHANGE_PORT);
}

/* Writes OUT/kustomization.yaml: the manifests under k8s/ as a Kustomize base. */
static bool write_kustomization(const mc_package_options *o)
{
    mc_buf b = { 0 };
    mc_buf_printf(&b, "# Generated by `mstrc package` from %s: the manifests as a Kustomize "
                      "base (kubectl apply -k).\n# An overlay that lists this directory under "
                      "resources can change the image, the resources\n# and the settings "
                      "without editing these files (README.md, \"Deploying\").\n"
                      "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\n"
                      "resources:\n", o->program);
    for (size_t i = 0; i < sizeof outputs / sizeof outputs[0]; i++)
        if (strncmp(outputs[i].path, "k8s/", 4) == 0)
            mc_buf_printf(&b, "  - %s\n", outputs[i].path);
    char path[PATH_MAX + 32];
    snprintf(path, sizeof path, "%s/kustomization.yaml", o->out_dir);
    bool ok = mc_buf_write_file(&b, path);
    mc_buf_free(&b);
    return ok;
}

/* Writes the files of `outputs` and the kustomization. */
static bool write_manifests(const mc_package_options *o, const char *name)
{
    char k8s[PATH_MAX + 8];
    snprintf(k8s, sizeof k8s, "%s/k8s", o->out_dir);
    if (!mc_drive_make_dirs(k8s))
        return false;
    char processes[16], workers[16], exchange[16], metrics[16], grace[16];
    char *image = o->image ? mstr_strdup(o->image) : mstr_strf("%s:%s", name, IMAGE_TAG);
    snprintf(processes, sizeof processes, "%d", o->processes);
    snprintf(workers, sizeof workers, "%d", o->workers);
    snprintf(exchange, sizeof exchange, "%d", EXCHANGE_PORT);
    snprintf(metrics, sizeof metrics, "%d", METRICS_PORT);
    snprintf(grace, sizeof grace, "%d", GRACE_SECONDS);
    mc_buf peer_list = { 0 };
    peers(name, o->processes, &peer_list);
    const mc_var vars[] = {
        { "program", o->program }, { "binary", o->job }, { "name", name }, { "image", image },
        { "processes", processes }, { "workers", workers }, { "peers", peer_list.data },
        { "exchange_port", exchange }, { "metrics_port", metrics }, { "grace_seconds", grace },
        { "data_dir", DATA_DIR }, { "state_dir", STATE_DIR },
    };
    bool ok = true;
    for (size_t i = 0; ok && i < sizeof outputs / sizeof outputs[0]; i++) {
        mc_buf b = { 0 };
        mc_template_render(&b, outputs[i].template, vars, sizeof vars / sizeof vars[0], NULL);
        char path[PATH_MAX + 64];
        snprintf(path, sizeof path, "%s/%s", o->out_dir, outputs[i].path);
        ok = mc_buf_write_file(&b, path);
        if (ok && chmod(path, outputs[i].mode) != 0) {
            fprintf(stderr, "mstrc: cannot set the mode of '%s': %s\n", path, strerror(errno));
            ok = false;
        }
        mc_buf_free(&b);
    }
    mc_buf_free(&peer_list);
    free(image);
    ok = ok && write_kustomization(o);
    if (ok)
        printf("mstrc: manifests for %d process%s of %d worker%s in %s\n", o->processes,
               o->processes == 1 ? "" : "es", o->workers, o->workers == 1 ? "" : "s", k8s);
    return ok;
}

bool mc_package(const mc_package_options *o, const mc_buf *c)
{
    char name[64];
    kubernetes_name(o->job, name);
    return mc_drive_make_dirs(o->out_dir) && write_image(o, c, name) &&
           write_manifests(o, name);
}
