/*
 * template.h - the templates generated programs are made of, and their expansion.
 *
 * Templates are the files in templates/, embedded into mstrc at build time (scripts/embed.sh
 * makes mc_templates). A template is C text with markers:
 *
 *   {{name}}     replaced by the value of the variable name (every marker must have one)
 *   {{#resync}}  replaced by a `#line` directive that points the C compiler back at the
 *                generated file after user code; by nothing when #line output is off
 *
 * A function made of a user's block closes on the block's own line (`{{body}}}`, the #undefs of
 * its macros after it), so that what the C compiler says about its end ("control reaches end of
 * non-void function") points at the block's closing brace in the .mstr file.
 *
 * A marker without a value is a bug in mstrc: it is reported with the template's name and line
 * and mstrc stops.
 */
#ifndef MC_TEMPLATE_H
#define MC_TEMPLATE_H

#include <stddef.h>

#include "buf.h"

typedef struct mc_template {
    const char *name;   /* file name in templates/, e.g. "program.c.in" */
    const char *text;
} mc_template;

/* All templates; the list ends with an entry whose name is NULL. */
extern const mc_template mc_templates[];

typedef struct mc_var {
    const char *name;
    const char *value;
} mc_var;

/* Appends template `name` to out with its markers replaced. resync_file is the generated
 * file's name for {{#resync}} as a C string literal (quotes and escapes included), or NULL
 * when #line directives are off. */
void mc_template_render(mc_buf *out, const char *name, const mc_var *vars, size_t nvars,
                        const char *resync_file);

#endif
