/*
 * emit_util.c - the helpers every emitter file uses (see emit_int.h).
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "emit_int.h"

void em_render(emitter *e, const char *name, const mc_var *vars, size_t nvars)
{
    mc_template_render(e->out, name, vars, nvars, e->resync);
}

const char *em_strf(emitter *e, const char *fmt, ...)
{
    va_list ap, again;
    va_start(ap, fmt);
    va_copy(again, ap);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    char *s = mc_pool_alloc(&e->strings, (size_t)n + 1);
    vsnprintf(s, (size_t)n + 1, fmt, again);
    va_end(again);
    return s;
}

const char *em_text(const mc_buf *b)
{
    return b->data ? b->data : "";
}

/* A "*" followed by "/" would end the comment: a space goes between them. */
const char *em_comment(emitter *e, const char *s)
{
    mc_buf b = { 0 };
    for (const char *p = s; *p; p++) {
        mc_buf_put(&b, p, 1);
        if (p[0] == '*' && p[1] == '/')
            mc_buf_puts(&b, " ");
    }
    const char *text = em_strf(e, "%s", em_text(&b));
    mc_buf_free(&b);
    return text;
}

const char *em_where(emitter *e, mc_loc loc)
{
    unsigned line, col;
    mc_diag_position(&e->where, loc.off, &line, &col);
    return em_strf(e, "%s:%u", em_comment(e, e->prog->path), line);
}

/* Octal escapes, so that no digit that follows can be taken into an escape. */
void em_c_string(mc_buf *b, const char *p, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)p[i];
        if (c == '"' || c == '\\')
            mc_buf_printf(b, "\\%c", c);
        else if (c < 0x20 || c >= 0x7f || c == '?')
            mc_buf_printf(b, "\\%03o", c);
        else
            mc_buf_put(b, (const char *)&c, 1);
    }
}

const char *em_c_literal(emitter *e, const char *s)
{
    mc_buf b = { 0 };
    mc_buf_puts(&b, "\"");
    em_c_string(&b, s, strlen(s));
    mc_buf_puts(&b, "\"");
    const char *lit = em_strf(e, "%s", b.data);
    mc_buf_free(&b);
    return lit;
}

const char *em_type(const mc_typeref *t)
{
    return t->kind == MC_T_RECORD ? t->name : mc_type_kind_name(t->kind);
}

const char *em_in_key(const mc_op *op)
{
    return op->in_keyed ? em_type(&op->in_key) : "mstr_nokey";
}

const char *em_state_type(emitter *e, const mc_op *op)
{
    return op->state_map ? em_strf(e, "op_%s_map", op->name) : em_type(&op->state_type);
}

void em_user_block(emitter *e, const mc_cblock *block, bool braces, mc_buf *b)
{
    const char *open = braces ? "{" : " ", *close = braces ? "}" : "";
    if (!e->opt->line_directives) {
        mc_buf_printf(b, "    %s%.*s%s", open, (int)block->len, block->text, close);
        return;
    }
    unsigned line, col;
    mc_diag_position(&e->where, block->loc.off, &line, &col);
    mc_buf_printf(b, "#line %u ", line);
    mc_buf_puts(b, em_c_literal(e, e->prog->path));
    mc_buf_printf(b, "\n%*s%s%.*s%s", (int)(col - 1), "", open, (int)block->len, block->text,
                  close);
}

const char *em_counter(const emitter *e, const mc_op *op, mc_counter_kind kind)
{
    return mc_plan_counter_of(e->plan, op, kind)->c_name;
}

const char *em_window_acc_type(const mc_op *op)
{
    if (op->agg == MC_AGG_COUNT)
        return "u64";
    if (op->agg == MC_AGG_AVG)
        return "f64";
    return em_type(&op->agg_type);
}
