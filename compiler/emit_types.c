/*
 * emit_types.c - the generated code for types: record structs, and for every record type the
 * functions the rest of the program calls by the type's name:
 *
 *   fmt_debug_T fmt_csv_T fmt_json_T hash_T   printing and the null sink's checksum (scalars
 *                                             are printed by runtime calls directly)
 *   encp_T enc_T dec_T enclen_T               the binary encoding (runtime/mstr_codec.h)
 *   eq_T hashput_T keyhash_T                  keys: equality and the hash of the encoding
 *   own_T release_T reown_T adopt_T drop_T    keys and state: strings copied to the heap
 *   decode_T                                  text fields of a CSV row or a line -> T
 *
 * Scalars have theirs in runtime/mstr_scalar.h; records compose theirs from their fields'.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "emit_int.h"
#include "mstr_mem.h"

static bool kind_is_signed(mc_type_kind k)
{
    return k == MC_T_I8 || k == MC_T_I16 || k == MC_T_I32 || k == MC_T_I64;
}

void em_value(mc_buf *b, em_shape shape, const mc_typeref *t, const char *expr)
{
    mc_type_kind k = t->kind;
    if (k == MC_T_RECORD) {
        static const char *const fn[] = { "fmt_debug_", "fmt_csv_", "fmt_json_", "hash_" };
        if (shape == EM_HASH)
            mc_buf_printf(b, "hash_%s(&(%s))", t->name, expr);
        else
            mc_buf_printf(b, "%s%s(o, &(%s))", fn[shape], t->name, expr);
        return;
    }
    if (shape == EM_HASH) {
        if (k == MC_T_STR)
            mc_buf_printf(b, "mstr_hash_str(%s)", expr);
        else if (k == MC_T_F32 || k == MC_T_F64)
            mc_buf_printf(b, "mstr_hash_f64(%s)", expr);
        else
            mc_buf_printf(b, "mstr_hash_u64((uint64_t)%s)", expr);
        return;
    }
    if (mc_type_is_integer(k)) {
        mc_buf_printf(b, "mstr_out_%s(o, %s)", kind_is_signed(k) ? "i64" : "u64", expr);
        return;
    }
    if (k == MC_T_BOOL) {
        mc_buf_printf(b, "mstr_out_debug_bool(o, %s)", expr);
        return;
    }
    static const char *const prefix[] = { "mstr_out_debug_", "mstr_out_csv_", "mstr_out_json_" };
    const char *suffix = k == MC_T_STR ? "str" : k == MC_T_F32 ? "f32" : "f64";
    mc_buf_printf(b, "%s%s(o, %s)", prefix[shape], suffix, expr);
}

/* ---- records ---- */

typedef struct record_parts {
    mc_buf members, debug, csv, json, hash;
    mc_buf enc, encp, dec, eq, len, hashput, own, release, adopt, drop;
} record_parts;

/* The field's part of each function; a record names its fields when printed, a tuple or an
 * array does not. An array's member v[N] is declared by emit_record. */
static void record_field(emitter *e, record_parts *r, const mc_typedecl *d, size_t i)
{
    const mc_field *f = &d->fields[i];
    const char *ft = em_type(&f->type);
    const char *expr = em_strf(e, "v->%s", f->name);
    bool named = d->shape == MC_SHAPE_RECORD;
    if (d->shape != MC_SHAPE_ARRAY)
        mc_buf_printf(&r->members, "    %s %s;\n", ft, f->name);

    if (named)
        mc_buf_printf(&r->debug, "    mstr_out_cstr(o, \"%s%s: \");\n", i ? ", " : "", f->name);
    else if (i > 0)
        mc_buf_puts(&r->debug, "    mstr_out_cstr(o, \", \");\n");
    mc_buf_puts(&r->debug, "    ");
    em_value(&r->debug, EM_DEBUG, &f->type, expr);
    mc_buf_puts(&r->debug, ";\n");
    if (i > 0)
        mc_buf_puts(&r->csv, "    mstr_out_char(o, ',');\n");
    mc_buf_puts(&r->csv, "    ");
    em_value(&r->csv, EM_CSV, &f->type, expr);
    mc_buf_puts(&r->csv, ";\n");
    if (named)
        mc_buf_printf(&r->json, "    mstr_out_cstr(o, \"%s\\\"%s\\\":\");\n    ", i ? "," : "{",
                      f->name);
    else
        mc_buf_printf(&r->json, "    mstr_out_char(o, '%c');\n    ", i ? ',' : '[');
    em_value(&r->json, EM_JSON, &f->type, expr);
    mc_buf_puts(&r->json, ";\n");
    mc_buf_puts(&r->hash, "    h = mstr_hash_mix(h * UINT64_C(0x9E3779B97F4A7C15) ^ ");
    em_value(&r->hash, EM_HASH, &f->type, expr);
    mc_buf_puts(&r->hash, ");\n");

    mc_buf_printf(&r->enc, "    enc_%s(b, &v->%s);\n", ft, f->name);
    mc_buf_printf(&r->encp, "    p = encp_%s(p, &v->%s);\n", ft, f->name);
    mc_buf_printf(&r->dec, "    dec_%s(r, &v->%s);\n", ft, f->name);
    mc_buf_printf(&r->eq, "%seq_%s(&a->%s, &b->%s)", i ? " && " : "", ft, f->name, f->name);
    mc_buf_printf(&r->len, "%senclen_%s(&v->%s)", i ? " + " : "", ft, f->name);
    mc_buf_printf(&r->hashput, "    hashput_%s(s, &v->%s);\n", ft, f->name);
    mc_buf_printf(&r->own, "    own_%s(&dst->%s, &src->%s);\n", ft, f->name, f->name);
    mc_buf_printf(&r->release, "    release_%s(&v->%s);\n", ft, f->name);
    mc_buf_printf(&r->adopt, "    adopt_%s(&now->%s, &before->%s);\n", ft, f->name, f->name);
    mc_buf_printf(&r->drop, "    drop_%s(&now->%s, &before->%s, later);\n", ft, f->name, f->name);
}

static void record_parts_free(record_parts *r)
{
    mc_buf *all[] = { &r->members, &r->debug, &r->csv, &r->json, &r->hash, &r->enc, &r->encp, &r->dec,
                      &r->eq, &r->len, &r->hashput, &r->own, &r->release, &r->adopt, &r->drop };
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++)
        mc_buf_free(all[i]);
}

static void emit_record(emitter *e, const mc_typedecl *d)
{
    record_parts r = { 0 };
    for (size_t i = 0; i < d->nfields; i++)
        record_field(e, &r, d, i);
    if (d->shape == MC_SHAPE_ARRAY)
        mc_buf_printf(&r.members, "    %s v[%zu];\n", em_type(&d->fields[0].type), d->nfields);
    static const char *const open[] = { [MC_SHAPE_TUPLE] = "(", [MC_SHAPE_ARRAY] = "[" };
    static const char *const close[] = { [MC_SHAPE_RECORD] = " }", [MC_SHAPE_TUPLE] = ")",
                                         [MC_SHAPE_ARRAY] = "]" };
    const char *debug_open = d->shape == MC_SHAPE_RECORD ? em_strf(e, "%s { ", d->name)
                                                         : open[d->shape];
    const char *at = d->builtin ? "built in" : em_where(e, d->loc);
    const char *nfields = em_strf(e, "%zu", d->nfields);
    em_render(e, "record.c.in",
              VARS({ "name", d->name }, { "where", at }, { "members", em_text(&r.members) }));
    em_render(e, "record_fns.c.in",
              VARS({ "name", d->name }, { "debug_open", debug_open },
                   { "debug_close", close[d->shape] }, { "debug_fields", em_text(&r.debug) },
                   { "json_close", d->shape == MC_SHAPE_RECORD ? "}" : "]" },
                   { "csv_fields", em_text(&r.csv) }, { "json_fields", em_text(&r.json) },
                   { "hash_fields", em_text(&r.hash) }, { "nfields", nfields },
                   { "enc_fields", em_text(&r.enc) }, { "encp_fields", em_text(&r.encp) },
                   { "dec_fields", em_text(&r.dec) },
                   { "eq_fields", d->nfields ? em_text(&r.eq) : "true" },
                   { "len_fields", d->nfields ? em_text(&r.len) : "0" },
                   { "hashput_fields", em_text(&r.hashput) }, { "own_fields", em_text(&r.own) },
                   { "release_fields", em_text(&r.release) },
                   { "adopt_fields", em_text(&r.adopt) }, { "drop_fields", em_text(&r.drop) }));
    record_parts_free(&r);
}

/* Types are emitted so that a nested record comes before the records that contain it. */
static void emit_type_once(emitter *e, const mc_typedecl *d, bool *done)
{
    size_t index = 0;
    while (e->prog->types[index] != d)
        index++;
    if (done[index])
        return;
    done[index] = true;
    for (size_t i = 0; i < d->nfields; i++)
        if (d->fields[i].type.kind == MC_T_RECORD)
            emit_type_once(e, d->fields[i].type.decl, done);
    emit_record(e, d);
}

void em_types(emitter *e)
{
    bool *done = mstr_alloc_array(e->prog->ntypes, sizeof *done);
    for (size_t i = 0; i < e->prog->ntypes; i++)
        if (e->plan->types_used[i])
            emit_type_once(e, e->prog->types[i], done);
    free(done);
}

/* ---- leaves: the scalar fields of a type, flattened, as CSV columns and decoder inputs ---- */

void em_for_each_leaf(emitter *e, const mc_typeref *t, const char *expr, const char *column,
                      em_leaf_fn *fn, void *arg)
{
    if (t->kind != MC_T_RECORD) {
        fn(arg, t, expr, column);
        return;
    }
    for (size_t i = 0; i < t->decl->nfields; i++) {
        const mc_field *f = &t->decl->fields[i];
        const char *name = t->decl->shape == MC_SHAPE_RECORD ? f->name : em_strf(e, "%zu", i);
        const char *sub_column = column != NULL ? em_strf(e, "%s.%s", column, name) : name;
        em_for_each_leaf(e, &f->type, em_strf(e, "%s.%s", expr, f->name), sub_column, fn, arg);
    }
}

static void count_leaf(void *arg, const mc_typeref *t, const char *expr, const char *column)
{
    (void)t, (void)expr, (void)column;
    (*(size_t *)arg)++;
}

size_t em_leaf_count(emitter *e, const mc_typeref *t)
{
    size_t n = 0;
    em_for_each_leaf(e, t, "x", NULL, count_leaf, &n);
    return n;
}

typedef struct decode_acc {
    mc_buf text;
    size_t count;
} decode_acc;

static void decode_leaf(void *arg, const mc_typeref *t, const char *expr, const char *column)
{
    decode_acc *acc = arg;
    mc_buf *b = &acc->text;
    mc_type_kind k = t->kind;
    const char *name = mc_type_kind_name(k);
    size_t i = acc->count++;
    (void)column;
    if (k == MC_T_STR) {
        mc_buf_printf(b, "    %s = leaves[%zu];\n", expr, i);
        return;
    }
    mc_buf_puts(b, "    {\n");
    if (mc_type_is_integer(k)) {
        static const char *const bounds[] = {
            [MC_T_I8] = "INT8_MIN, INT8_MAX", [MC_T_I16] = "INT16_MIN, INT16_MAX",
            [MC_T_I32] = "INT32_MIN, INT32_MAX", [MC_T_I64] = "INT64_MIN, INT64_MAX",
            [MC_T_U8] = "UINT8_MAX", [MC_T_U16] = "UINT16_MAX",
            [MC_T_U32] = "UINT32_MAX", [MC_T_U64] = "UINT64_MAX",
        };
        bool is_signed = kind_is_signed(k);
        mc_buf_printf(b, "        %s t;\n", is_signed ? "int64_t" : "uint64_t");
        mc_buf_printf(b, "        const char *why = mstr_parse_%s(leaves[%zu], %s, \"%s\", &t);\n",
                      is_signed ? "int" : "uint", i, bounds[k], name);
        mc_buf_printf(b, "        %s = (%s)t;\n", expr, name);
    } else {
        mc_buf_printf(b, "        const char *why = mstr_parse_%s(leaves[%zu], &%s);\n",
                      k == MC_T_BOOL ? "bool" : name, i, expr);
    }
    mc_buf_printf(b, "        if (why != NULL) {\n            *bad = %zu;\n            return why;\n"
                     "        }\n    }\n", i);
}

static bool is_text_source(const mc_source *s)
{
    return s->kind == MC_SRC_LINES || s->kind == MC_SRC_STDIN || s->kind == MC_SRC_CSV;
}

void em_decoders(emitter *e)
{
    const mc_program *p = e->prog;
    for (size_t i = 0; i < p->nsources; i++) {
        const mc_source *s = p->sources[i];
        if (!is_text_source(s))
            continue;
        bool seen = false;
        for (size_t j = 0; j < i && !seen; j++)
            seen = is_text_source(p->sources[j]) &&
                   strcmp(em_type(&p->sources[j]->type), em_type(&s->type)) == 0;
        if (seen)
            continue;
        decode_acc acc = { 0 };
        em_for_each_leaf(e, &s->type, "(*out)", NULL, decode_leaf, &acc);
        em_render(e, "decode.c.in",
                  VARS({ "type", em_type(&s->type) }, { "id", em_type(&s->type) },
                       { "nleaves", em_strf(e, "%zu", acc.count) },
                       { "leaves", em_text(&acc.text) }));
        mc_buf_free(&acc.text);
    }
}

/* ---- literals ---- */

void em_literal(mc_buf *b, const mc_literal *lit, const mc_typeref *t)
{
    switch (lit->kind) {
    case MC_LIT_INT:
        if (lit->u.i.negative && lit->u.i.magnitude > (uint64_t)INT32_MAX)
            mc_buf_printf(b, "(%s)(0 - UINT64_C(%" PRIu64 "))", em_type(t), lit->u.i.magnitude);
        else if (lit->u.i.negative)
            mc_buf_printf(b, "-%" PRIu64, lit->u.i.magnitude);
        else if (lit->u.i.magnitude > (uint64_t)INT32_MAX)
            mc_buf_printf(b, "UINT64_C(%" PRIu64 ")", lit->u.i.magnitude);
        else
            mc_buf_printf(b, "%" PRIu64, lit->u.i.magnitude);
        return;
    case MC_LIT_FLOAT:
        mc_buf_puts(b, lit->u.f.text);
        return;
    case MC_LIT_BOOL:
        mc_buf_puts(b, lit->u.b ? "true" : "false");
        return;
    case MC_LIT_STRING:
        mc_buf_puts(b, "{ \"");
        em_c_string(b, lit->u.s.bytes, lit->u.s.len);
        mc_buf_printf(b, "\", %zu }", lit->u.s.len);
        return;
    case MC_LIT_RECORD:
        mc_buf_puts(b, "{ ");
        for (size_t i = 0; i < t->decl->nfields; i++) {
            const mc_field *f = &t->decl->fields[i];
            for (size_t j = 0; j < lit->u.rec.ninits; j++) {
                if (strcmp(lit->u.rec.inits[j].name, f->name) != 0)
                    continue;
                mc_buf_printf(b, "%s.%s = ", i ? ", " : "", f->name);
                em_literal(b, lit->u.rec.inits[j].value, &f->type);
            }
        }
        mc_buf_puts(b, " }");
        return;
    case MC_LIT_TUPLE:
    case MC_LIT_ARRAY:
        mc_buf_puts(b, lit->kind == MC_LIT_ARRAY ? "{ { " : "{ ");
        for (size_t i = 0; i < lit->u.seq.n; i++) {
            mc_buf_puts(b, i ? ", " : "");
            em_literal(b, lit->u.seq.items[i], &t->decl->fields[i].type);
        }
        mc_buf_puts(b, lit->kind == MC_LIT_ARRAY ? " } }" : " }");
        return;
    }
}
