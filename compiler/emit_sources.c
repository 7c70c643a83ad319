/*
 * emit_sources.c - the generated code for sources: for each source S, source_S_poll (reads one
 * batch of one partition and runs it through stream_S) and source_S_finish (sends the end of
 * the stream, the epoch MSTR_EPOCH_MAX, once the worker's partitions of S are done). A custom
 * source also gets its blocks (source_S_poll_body, source_S_open, source_S_close) and the
 * functions that keep its partitions' positions in snapshots (source_S_save, _restore,
 * _release).
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "emit_int.h"

static uint64_t literal_bits(const mc_literal *lit)
{
    return lit->u.i.negative ? 0 - lit->u.i.magnitude : lit->u.i.magnitude;
}

static __int128 literal_value(const mc_literal *lit)
{
    __int128 m = lit->u.i.magnitude;
    return lit->u.i.negative ? -m : m;
}

/* Number of values of range(lo, hi, step), computed exactly in 128 bits. */
static uint64_t range_count(const mc_source *s)
{
    __int128 lo = literal_value(s->items[0]), hi = literal_value(s->items[1]);
    __int128 step = s->nitems > 2 ? literal_value(s->items[2]) : 1;
    if (step > 0)
        return hi > lo ? (uint64_t)((hi - lo + step - 1) / step) : 0;
    return lo > hi ? (uint64_t)((lo - hi - step - 1) / -step) : 0;
}

uint64_t em_source_count(const mc_source *s)
{
    if (s->kind == MC_SRC_LIST)
        return s->nitems;
    if (s->kind == MC_SRC_RANGE)
        return range_count(s);
    if (s->kind == MC_SRC_NEXMARK || s->kind == MC_SRC_CUSTOM)
        return s->items[0]->u.i.magnitude;
    return 0;
}

static void emit_range(emitter *e, const mc_source *s, const char *at)
{
    const mc_literal *step = s->nitems > 2 ? s->items[2] : NULL;
    /* As written, for the comment; as 64-bit patterns, for modular arithmetic that gives the
     * right value of any integer type. */
    mc_buf args = { 0 };
    for (size_t i = 0; i < s->nitems; i++) {
        mc_buf_puts(&args, i ? ", " : "");
        em_literal(&args, s->items[i], &s->type);
    }
    em_render(e, "source_range.c.in",
              VARS({ "name", s->name }, { "where", at }, { "type", em_type(&s->type) },
                   { "args", em_text(&args) },
                   { "lo", em_strf(e, "UINT64_C(%" PRIu64 ")", literal_bits(s->items[0])) },
                   { "step", em_strf(e, "UINT64_C(%" PRIu64 ")", step ? literal_bits(step) : 1) },
                   { "count", em_strf(e, "%" PRIu64, range_count(s)) }));
    mc_buf_free(&args);
}

/* "A, B, C" of the n values, for a C initializer (INT64_MIN, MSTR_EPOCH_MIN, by name: its
 * digits are no C literal). */
static void put_int64s(mc_buf *b, const int64_t *v, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (v[i] == INT64_MIN)
            mc_buf_printf(b, "%sINT64_MIN", i ? ", " : "");
        else
            mc_buf_printf(b, "%s%" PRId64, i ? ", " : "", v[i]);
    }
}

static void emit_list(emitter *e, const mc_source *s, const char *at)
{
    mc_buf items = { 0 }, times = { 0 }, after = { 0 };
    for (size_t i = 0; i < s->nitems; i++) {
        mc_buf_puts(&items, "    ");
        em_literal(&items, s->items[i], &s->type);
        mc_buf_puts(&items, ",\n");
    }
    if (s->nitems == 0)
        mc_buf_printf(&items, "    %s, /* C wants an element; the source has none */\n",
                      s->type.kind == MC_T_RECORD || s->type.kind == MC_T_STR ? "{ 0 }" : "0");
    const char *stamp = "(int64_t)i", *stamped = "the timestamp is the index";
    if (s->stamps != NULL) {
        mc_buf stamps = { 0 }, epochs = { 0 };
        put_int64s(&stamps, s->stamps, s->nitems);
        put_int64s(&epochs, s->epochs, s->nitems);
        mc_template_render(&times, "source_list_times.c.in",
                           VARS({ "name", s->name }, { "stamps", em_text(&stamps) },
                                { "epochs", em_text(&epochs) }), NULL);
        mc_template_render(&after, "source_list_epoch.c.in", VARS({ "name", s->name }), NULL);
        stamp = em_strf(e, "source_%s_stamps[i]", s->name);
        stamped = "timestamps and epochs from a pipeline test";
        mc_buf_free(&stamps);
        mc_buf_free(&epochs);
    }
    em_render(e, "source_list.c.in",
              VARS({ "name", s->name }, { "where", at }, { "type", em_type(&s->type) },
                   { "count", em_strf(e, "%zu", s->nitems) }, { "items", em_text(&items) },
                   { "stamped", stamped }, { "times", em_text(&times) }, { "stamp", stamp },
                   { "after", em_text(&after) }));
    mc_buf_free(&items);
    mc_buf_free(&times);
    mc_buf_free(&after);
}

static void emit_text_source(emitter *e, const mc_source *s, const char *at)
{
    mc_buf dead = { 0 };
    const char *dead_where = "stderr and the summary only";
    static const char *const what[] = {
        [MC_SRC_LINES] = "lines of text files, one partition per file",
        [MC_SRC_STDIN] = "lines of standard input",
        [MC_SRC_CSV] = "CSV files with a header row, one partition per file",
    };
    if (s->dead_out != NULL) {
        dead_where = em_strf(e, "the dead-letter stream '%s'", s->dead_out->name);
        mc_buf_printf(&dead,
                      "        DeadLetter dead = {\n"
                      "            .source = { %s, %zu },\n"
                      "            .file = { p->path, strlen(p->path) },\n"
                      "            .line = rec.line,\n"
                      "            .error = rec.error,\n"
                      "            .raw = rec.raw,\n"
                      "        };\n"
                      "        stream_%s(&batch, 0, dead, rec.ts);\n",
                      em_c_literal(e, s->name), strlen(s->name), s->dead_out->name);
    }
    em_render(e, "source_text.c.in",
              VARS({ "name", s->name }, { "where", at }, { "what", what[s->kind] },
                   { "type", em_type(&s->type) }, { "id", em_type(&s->type) },
                   { "nleaves", em_strf(e, "%zu", em_leaf_count(e, &s->type)) },
                   { "dead_where", dead_where },
                   { "dead_letter", em_text(&dead) }));
    mc_buf_free(&dead);
}

static void emit_nexmark(emitter *e, const mc_source *s, const char *at)
{
    const char *type = em_type(&s->type);
    const char *kind = strcmp(type, "Person") == 0    ? "person"
                       : strcmp(type, "Auction") == 0 ? "auction"
                                                      : "bid";
    const char *kind_enum = kind[0] == 'p'   ? "MSTR_NEXMARK_PERSON"
                            : kind[0] == 'a' ? "MSTR_NEXMARK_AUCTION"
                                             : "MSTR_NEXMARK_BID";
    uint64_t rate = s->nitems > 1 ? s->items[1]->u.i.magnitude : 10000000;
    uint64_t first_ms = s->nitems > 2 ? s->items[2]->u.i.magnitude : 0;
    mc_buf fields = { 0 };
    for (size_t i = 0; i < s->type.decl->nfields; i++)
        mc_buf_printf(&fields, "            .%s = e.%s,\n", s->type.decl->fields[i].name,
                      s->type.decl->fields[i].name);
    em_render(e, "source_nexmark.c.in",
              VARS({ "name", s->name }, { "where", at }, { "kind", kind },
                   { "kind_enum", kind_enum }, { "type", type },
                   { "events", em_strf(e, "%" PRIu64, s->items[0]->u.i.magnitude) },
                   { "rate", em_strf(e, "%" PRIu64, rate) },
                   { "first_ms", em_strf(e, "INT64_C(%" PRIu64 ")", first_ms) },
                   { "fields", em_text(&fields) }));
    mc_buf_free(&fields);
}

static void emit_custom(emitter *e, const mc_source *s, const char *at)
{
    static const char *const hooks[] = { "open", "close" };
    const char *position = em_type(&s->position);
    const char *partitions = em_strf(e, "UINT64_C(%" PRIu64 ")", em_source_count(s));
    mc_buf poll = { 0 };
    em_user_block(e, &mc_custom_block(s->custom, "poll")->body, true, &poll);
    em_render(e, "source_custom.c.in",
              VARS({ "name", s->name }, { "where", at }, { "position_type", position },
                   { "count", em_strf(e, "%" PRIu64, em_source_count(s)) },
                   { "partitions", partitions }, { "poll", em_text(&poll) }));
    mc_buf_free(&poll);
    for (size_t i = 0; i < sizeof hooks / sizeof hooks[0]; i++) {
        const mc_block *b = mc_custom_block(s->custom, hooks[i]);
        if (b == NULL)
            continue;
        mc_buf body = { 0 };
        em_user_block(e, &b->body, true, &body);
        em_render(e, "source_custom_hook.c.in",
                  VARS({ "name", s->name }, { "block", hooks[i] }, { "where", em_where(e, b->loc) },
                       { "position_type", position }, { "partitions", partitions },
                       { "body", em_text(&body) }));
        mc_buf_free(&body);
    }
}

static void emit_finish(emitter *e, const mc_source *s)
{
    mc_buf epochs = { 0 };
    mc_buf_printf(&epochs, "    stream_%s_epoch(&batch, MSTR_EPOCH_MAX);\n", s->out->name);
    if (s->dead_out != NULL)
        mc_buf_printf(&epochs, "    stream_%s_epoch(&batch, MSTR_EPOCH_MAX);\n",
                      s->dead_out->name);
    em_render(e, "source_finish.c.in", VARS({ "name", s->name }, { "epochs", em_text(&epochs) }));
    mc_buf_free(&epochs);
}

void em_sources(emitter *e)
{
    for (size_t i = 0; i < e->prog->nsources; i++) {
        const mc_source *s = e->prog->sources[i];
        const char *at = em_where(e, s->loc);
        if (s->kind == MC_SRC_LIST)
            emit_list(e, s, at);
        else if (s->kind == MC_SRC_RANGE)
            emit_range(e, s, at);
        else if (s->kind == MC_SRC_NEXMARK)
            emit_nexmark(e, s, at);
        else if (s->kind == MC_SRC_CUSTOM)
            emit_custom(e, s, at);
        else
            emit_text_source(e, s, at);
        emit_finish(e, s);
    }
}
