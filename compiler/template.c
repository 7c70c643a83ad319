/*
 * template.c - expansion of embedded templates (see template.h).
 */
#include "template.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const mc_template *template_find(const char *name)
{
    for (const mc_template *t = mc_templates; t->name != NULL; t++)
        if (strcmp(t->name, name) == 0)
            return t;
    fprintf(stderr, "mstrc: internal error: no template '%s'\n", name);
    exit(70);
}

static unsigned line_of(const char *text, const char *at)
{
    unsigned line = 1;
    for (const char *p = text; p < at; p++)
        line += *p == '\n';
    return line;
}

static const char *var_value(const mc_template *t, const char *marker, size_t len,
                             const mc_var *vars, size_t nvars)
{
    for (size_t i = 0; i < nvars; i++)
        if (strlen(vars[i].name) == len && memcmp(vars[i].name, marker, len) == 0)
            return vars[i].value;
    fprintf(stderr, "mstrc: internal error: template '%s' line %u: no value for '{{%.*s}}'\n",
            t->name, line_of(t->text, marker), (int)len, marker);
    exit(70);
}

void mc_template_render(mc_buf *out, const char *name, const mc_var *vars, size_t nvars,
                        const char *resync_file)
{
    const mc_template *t = template_find(name);
    const char *p = t->text;
    for (;;) {
        const char *open = strstr(p, "{{");
        if (open == NULL) {
            mc_buf_puts(out, p);
            return;
        }
        mc_buf_put(out, p, (size_t)(open - p));
        const char *marker = open + 2;
        const char *close = strstr(marker, "}}");
        if (close == NULL) {
            fprintf(stderr, "mstrc: internal error: template '%s' line %u: unclosed '{{'\n",
                    t->name, line_of(t->text, open));
            exit(70);
        }
        size_t len = (size_t)(close - marker);
        if (len == 7 && memcmp(marker, "#resync", 7) == 0) {
            if (resync_file != NULL)
                mc_buf_printf(out, "#line %u %s", out->lines + 2, resync_file);
        } else {
            mc_buf_puts(out, var_value(t, marker, len, vars, nvars));
        }
        p = close + 2;
    }
}
