/*
 * check.c - names, types and the stream graph of a parsed program (see frontend.h).
 *
 * The checker enforces the "Names and rules" section of docs/language.md and type-checks every
 * literal, in passes that each keep going after an error: the job line, the record types, the
 * sources, the streams' names (sources, chain results and the streams clone and split make),
 * then the chains in file order (operator names, types, keying, unions, where chains end), and
 * last the streams nobody reads. On the way it fills the fields ast.h marks "checker": every
 * named stream (prog->streams, sources first) with its type, keying, consumers, unions and
 * joins, each chain's input and result, each operator's input type and key and the streams it
 * names or makes (a join's right-hand stream, a `late` stream), a window's output type, the
 * record typerefs' declarations and job.workers; and it appends the built-in record types to
 * prog->types: Person, Auction and Bid when a source is nexmark, DeadLetter always, and one
 * Window_T per type T that windows produce.
 *
 * Design choices the language reference leaves open:
 *  - A chain may read any source (or dead-letter stream) but only streams named by an earlier
 *    chain; this also rules out cycles. Record types likewise contain only types defined
 *    earlier in the file, so no type contains itself and the emitter can define them in order.
 *  - A stream whose type is unknown (its input or an operator's type did not resolve) is
 *    "untyped": nothing downstream of it is type-checked, so one mistake gives one error.
 *  - `dead_letter` is refused on list, range and nexmark sources, which never decode
 *    anything, and at most one source may read stdin.
 *  - A union's streams follow the rule of a chain's input (defined earlier, so the stream graph
 *    stays acyclic); each may be named once, and a union first in its chain may not name the
 *    stream the chain reads (that would merge a stream with itself). `key_local` needs no
 *    keyed input: it keys the stream where it is. clone and split need two streams or more
 *    (one would be a rename).
 *  - A join's `with R` follows the union rule too, so a join first in its chain may not read
 *    the chain's own input (clone it to join a stream with itself).
 *  - A `late` stream is defined with the chain results, in file order, like clone's streams.
 *  - A user type named like a Window_T that a window makes is an error (the generated program
 *    cannot hold both); Person, Auction and Bid are reserved only when a source is nexmark.
 */
#include "frontend.h"

#include <inttypes.h>
#include <stdint.h>
#include <string.h>

#include "mstr_route.h"    /* the runtime's limits on workers and key groups */
#include "mstr_settings.h" /* and how it reads a duration */

/* A stream plus what only the checker needs to know about it. mc_stream comes first, so the
 * mc_stream pointers in prog->streams can be turned back into this. */
typedef struct check_stream {
    mc_stream s;
    size_t chain_index; /* CHAIN and OP streams: index in prog->chains of the chain that makes
                           it */
    bool typed;         /* s.type is known */
    bool keying_known;  /* s.keyed is known (and s.key_type too, when key_typed) */
    bool key_typed;     /* s.key_type is resolved */
    bool mentioned;     /* some chain or union names it, validly or not */
} check_stream;

/* What the checker knows about the records at one point of a chain: their type and their key.
 * A part that is not known (after an unknown stream or type, already reported) is not
 * checked, so one mistake gives one error. */
typedef struct flow {
    mc_typeref type;
    bool typed;
    bool keying_known;
    bool keyed;
    mc_typeref key;
    bool key_typed;
    const mc_op *keyer;  /* the key_by or key_local that keyed them, when keyed */
} flow;

typedef struct checker {
    mc_program *prog;
    mc_diag *diag;
    mc_typedecl *dead_letter; /* the built-in DeadLetter type */
    mc_typedecl *nexmark[3];  /* the built-in Person, Auction and Bid types, when the file has a
                                 nexmark source (NULL otherwise) */
    const mc_source *nexmark_source; /* the first nexmark source, NULL if none */
    mc_op **ops;              /* the operators checked so far, in file order */
    size_t nops;
} checker;

static check_stream *check_stream_of(mc_stream *s)
{
    return (check_stream *)s;
}

/* ---- names ------------------------------------------------------------------------------- */

static const char *const c_keywords[] = {
    "auto", "break", "case", "char", "const", "continue", "default", "do", "double", "else",
    "enum", "extern", "float", "for", "goto", "if", "inline", "int", "long", "register",
    "restrict", "return", "short", "signed", "sizeof", "static", "struct", "switch", "typedef",
    "union", "unsigned", "void", "volatile", "while", "_Alignas", "_Alignof", "_Atomic",
    "_Bool", "_Complex", "_Generic", "_Imaginary", "_Noreturn", "_Static_assert",
    "_Thread_local",
};

static bool is_c_keyword(const char *name)
{
    for (size_t i = 0; i < sizeof c_keywords / sizeof c_keywords[0]; i++) {
        if (strcmp(name, c_keywords[i]) == 0)
            return true;
    }
    return false;
}

/* Type and field names become C names in the generated program. what is "type" or "field". */
static void check_c_name(checker *c, const char *name, mc_loc loc, const char *what)
{
    if (is_c_keyword(name))
        mc_error(c->diag, loc, "%s name '%s' is a C keyword", what, name);
    else if (strncmp(name, "mstr_", 5) == 0)
        mc_error(c->diag, loc, "%s name '%s' is reserved: names starting with 'mstr_' belong to "
                 "the runtime", what, name);
}

/* ---- job --------------------------------------------------------------------------------- */

static const mc_setting *find_setting(const mc_job *job, size_t before, const char *name)
{
    for (size_t i = 0; i < before; i++) {
        if (strcmp(job->settings[i].name, name) == 0)
            return &job->settings[i];
    }
    return NULL;
}

/* A job setting that is an integer from 1 to max (the runtime's limits: mstr_route.h). */
static bool setting_int(checker *c, const mc_setting *set, uint64_t max, int64_t *out)
{
    const mc_literal *v = set->value;
    if (v->kind != MC_LIT_INT || v->u.i.negative || v->u.i.magnitude == 0 ||
        v->u.i.magnitude > max) {
        mc_error(c->diag, v->loc, "'%s' must be an integer from 1 to %" PRIu64, set->name, max);
        return false;
    }
    *out = (int64_t)v->u.i.magnitude;
    return true;
}
/* A job setting that is a string (its bytes: a path). */
static void setting_path(checker *c, const mc_setting *set, const char **out)
{
    const mc_literal *v = set->value;
    if (v->kind != MC_LIT_STRING || v->u.s.len == 0 || memchr(v->u.s.bytes, 0, v->u.s.len))
        mc_error(c->diag, v->loc, "'%s' must be a non-empty string", set->name);
    else
        *out = v->u.s.bytes;
}

/* A job setting that is a time: milliseconds, or a string such as "10s" (mstr_parse_duration). */
static void setting_duration(checker *c, const mc_setting *set, int64_t *out)
{
    const mc_literal *v = set->value;
    if (v->kind == MC_LIT_INT && !v->u.i.negative && v->u.i.magnitude <= INT64_MAX) {
        *out = (int64_t)v->u.i.magnitude;
        return;
    }
    if (v->kind != MC_LIT_STRING || !mstr_parse_duration(v->u.s.bytes, out))
        mc_error(c->diag, v->loc, "'%s' must be milliseconds or a time such as \"10s\" (units "
                 "ms, s, m, h)", set->name);
}

static void check_job(checker *c)
{
    mc_job *job = &c->prog->job;
    job->workers = 1;
    for (size_t i = 0; i < job->nredefs; i++) {
        mc_error(c->diag, job->redefs[i], "only one 'job' line is allowed");
        mc_note(c->diag, job->loc, "the first one is here");
    }
    for (size_t i = 0; i < job->nsettings; i++) {
        const mc_setting *set = &job->settings[i];
        const mc_setting *first = find_setting(job, i, set->name);
        if (first != NULL) {
            mc_error(c->diag, set->loc, "job setting '%s' is set twice", set->name);
            mc_note(c->diag, first->loc, "first set here");
        } else if (strcmp(set->name, "workers") == 0) {
            setting_int(c, set, MSTR_MAX_WORKERS, &job->workers);
        } else if (strcmp(set->name, "key_groups") == 0) {
            setting_int(c, set, MSTR_KEY_GROUPS_MAX, &job->key_groups);
        } else if (strcmp(set->name, "state_dir") == 0) {
            setting_path(c, set, &job->state_dir);
        } else if (strcmp(set->name, "snapshot_every") == 0) {
            setting_duration(c, set, &job->snapshot_every_ms);
        } else if (strcmp(set->name, "keep_snapshots") == 0) {
            setting_int(c, set, 1000, &job->keep_snapshots);
        } else {
            mc_error(c->diag, set->loc, "unknown job setting '%s' (the settings are 'workers', "
                     "'key_groups', 'state_dir', 'snapshot_every' and 'keep_snapshots')",
                     set->name);
        }
    }
}

/* ---- types ------------------------------------------------------------------------------- */

/* The first of prog->types[0 .. before) named name, or NULL. */
static mc_typedecl *find_type(const checker *c, size_t before, const char *name)
{
    for (size_t i = 0; i < before; i++) {
        if (strcmp(c->prog->types[i]->name, name) == 0)
            return c->prog->types[i];
    }
    return NULL;
}

/* The built-in type named name, if it was made already. A type of the file with that name is
 * reported instead (maker makes records of the built-in type, so the generated program cannot
 * have both), once: the caller makes the built-in type next. */
static mc_typedecl *made_type(checker *c, const char *name, const char *maker)
{
    mc_typedecl *user = NULL;
    for (size_t i = 0; i < c->prog->ntypes; i++) {
        mc_typedecl *d = c->prog->types[i];
        if (strcmp(d->name, name) != 0)
            continue;
        if (d->builtin)
            return d;
        if (user == NULL)
            user = d;
    }
    if (user != NULL)
        mc_error(c->diag, user->loc, "type name '%s' is reserved: %s makes records of the "
                 "built-in type '%s'", name, maker, name);
    return NULL;
}

enum { MAX_ARRAY_LENGTH = 256 };

/* The record type of a tuple or an array (ref->elems): made the first time its name is
 * used and appended to prog->types; NULL after reporting why there is none. Its elements are
 * scalars, so it needs no other type before it. */
static mc_typedecl *composite_type(checker *c, const mc_typeref *ref)
{
    bool array = ref->elems->nfields == 1;
    const char *what = array ? "an array's" : "a tuple's";
    bool ok = true;
    for (size_t i = 0; i < ref->elems->nfields; i++) {
        const mc_typeref *elem = &ref->elems->fields[i].type;
        if (elem->kind == MC_T_RECORD) {
            mc_error(c->diag, elem->loc, "%s elements are scalars (i64, f64, bool, str, ...), "
                     "not '%s'", what, elem->name);
            ok = false;
        }
    }
    if (array && (ref->length < 1 || ref->length > MAX_ARRAY_LENGTH)) {
        mc_error(c->diag, ref->length_loc, "an array's length is an integer from 1 to %d",
                 MAX_ARRAY_LENGTH);
        ok = false;
    }
    if (!ok)
        return NULL;
    mc_typedecl *made = made_type(c, ref->name, array ? "an array type" : "a tuple type");
    if (made != NULL)
        return made;
    mc_typedecl *decl = mc_ast_typedecl_new(c->prog);
    decl->builtin = true;
    decl->shape = array ? MC_SHAPE_ARRAY : MC_SHAPE_TUPLE;
    size_t n = array ? (size_t)ref->length : ref->elems->nfields;
    for (size_t i = 0; i < n; i++) {
        mc_field f = ref->elems->fields[array ? 0 : i];
        f.name = array ? mc_pool_printf(&c->prog->pool, "v[%zu]", i) : f.name;
        f.loc = f.type.loc = (mc_loc){ 0, 0 };
        MC_POOL_PUSH(&c->prog->pool, decl->fields, decl->nfields, f);
    }
    mc_ast_add_type(c->prog, decl, ref->name, (mc_loc){ 0, 0 });
    return decl;
}

/* Resolves a typeref used by a source or an operator: any type of the file will do. Returns
 * false (after reporting) when the name is unknown. */
static bool resolve_type(checker *c, mc_typeref *ref)
{
    if (ref->kind != MC_T_RECORD)
        return true;
    if (ref->elems != NULL) {
        ref->decl = composite_type(c, ref);
        return ref->decl != NULL;
    }
    ref->decl = find_type(c, c->prog->ntypes, ref->name);
    if (ref->decl == NULL)
        mc_error(c->diag, ref->loc, "unknown type '%s'", ref->name);
    return ref->decl != NULL;
}

/* A field's type must be a scalar, a record type defined before the field's type (index self
 * in prog->types) or a built-in Nexmark type. */
static void resolve_field_type(checker *c, size_t self, mc_typeref *ref)
{
    if (ref->kind != MC_T_RECORD)
        return;
    if (ref->elems != NULL) {
        ref->decl = composite_type(c, ref);
        return;
    }
    ref->decl = find_type(c, self, ref->name);
    if (ref->decl != NULL)
        return;
    mc_typedecl *later = find_type(c, c->prog->ntypes, ref->name);
    if (later != NULL && later->builtin) {
        ref->decl = later;
    } else if (later == c->prog->types[self]) {
        mc_error(c->diag, ref->loc, "type '%s' cannot contain itself", ref->name);
    } else if (later != NULL) {
        mc_error(c->diag, ref->loc, "type '%s' is used before it is defined", ref->name);
        mc_note(c->diag, later->loc, "'%s' is defined here", ref->name);
    } else if (strcmp(ref->name, "DeadLetter") == 0) {
        mc_error(c->diag, ref->loc, "the built-in type 'DeadLetter' cannot be a field's type");
    } else {
        mc_error(c->diag, ref->loc, "unknown type '%s'", ref->name);
    }
}

static void check_fields(checker *c, size_t self)
{
    mc_typedecl *decl = c->prog->types[self];
    for (size_t i = 0; i < decl->nfields; i++) {
        mc_field *f = &decl->fields[i];
        check_c_name(c, f->name, f->loc, "field");
        for (size_t j = 0; j < i; j++) {
            if (strcmp(decl->fields[j].name, f->name) == 0) {
                mc_error(c->diag, f->loc, "field '%s' is defined twice in type '%s'", f->name,
                         decl->name);
                mc_note(c->diag, decl->fields[j].loc, "first defined here");
                break;
            }
        }
        resolve_field_type(c, self, &f->type);
    }
}

static const char *const nexmark_names[3] = { "Person", "Auction", "Bid" };

static bool is_nexmark_name(const char *name)
{
    for (size_t i = 0; i < 3; i++) {
        if (strcmp(name, nexmark_names[i]) == 0)
            return true;
    }
    return false;
}

/* The file's own types (the built-in ones already added are skipped). */
static void check_types(checker *c)
{
    for (size_t i = 0; i < c->prog->ntypes; i++) {
        mc_typedecl *decl = c->prog->types[i];
        if (decl->builtin)
            continue;
        const mc_typedecl *first = find_type(c, i, decl->name);
        check_c_name(c, decl->name, decl->loc, "type");
        if (strcmp(decl->name, "DeadLetter") == 0) {
            mc_error(c->diag, decl->loc, "type name 'DeadLetter' is reserved for the built-in "
                     "dead-letter type");
        } else if (c->nexmark_source != NULL && is_nexmark_name(decl->name)) {
            mc_error(c->diag, decl->loc, "type name '%s' is reserved for the built-in Nexmark "
                     "type", decl->name);
            mc_note(c->diag, c->nexmark_source->kind_loc, "the file has a nexmark source");
        } else if (first != NULL) {
            mc_error(c->diag, decl->loc, "type '%s' is defined twice", decl->name);
            mc_note(c->diag, first->loc, "first defined here");
        }
        check_fields(c, i);
    }
}

/* A field of a built-in record type made only of scalars. */
typedef struct builtin_field {
    const char *name;
    mc_type_kind kind;
} builtin_field;

/* Appends a built-in record type of n scalar fields to prog->types. */
static mc_typedecl *add_builtin_type(checker *c, const char *name, const builtin_field *fields,
                                     size_t n)
{
    mc_typedecl *decl = mc_ast_typedecl_new(c->prog);
    for (size_t i = 0; i < n; i++)
        mc_ast_typedecl_add_field(c->prog, decl, fields[i].name, (mc_loc){ 0, 0 },
                                  mc_ast_typeref_scalar(fields[i].kind, (mc_loc){ 0, 0 }));
    decl->builtin = true;
    mc_ast_add_type(c->prog, decl, name, (mc_loc){ 0, 0 });
    return decl;
}

/* DeadLetter { source: str; file: str; line: u64; error: str; raw: str; } */
static void add_dead_letter_type(checker *c)
{
    static const builtin_field fields[] = {
        { "source", MC_T_STR }, { "file", MC_T_STR }, { "line", MC_T_U64 },
        { "error", MC_T_STR },  { "raw", MC_T_STR },
    };
    c->dead_letter = add_builtin_type(c, "DeadLetter", fields, sizeof fields / sizeof fields[0]);
}

/* Person, Auction and Bid (docs/language.md, "Nexmark"), only when some source is nexmark:
 * otherwise the names are the user's. They are added before the file's types are checked, so
 * a user type may contain them. Checklist: the fields, in this order, are those of
 * runtime/mstr_nexmark.h's records. */
static void add_nexmark_types(checker *c)
{
    static const builtin_field person[] = {
        { "id", MC_T_U64 }, { "name", MC_T_STR }, { "email_address", MC_T_STR },
        { "credit_card", MC_T_STR }, { "city", MC_T_STR }, { "state", MC_T_STR },
        { "date_time", MC_T_I64 }, { "extra", MC_T_STR },
    };
    static const builtin_field auction[] = {
        { "id", MC_T_U64 }, { "item_name", MC_T_STR }, { "description", MC_T_STR },
        { "initial_bid", MC_T_U64 }, { "reserve", MC_T_U64 }, { "date_time", MC_T_I64 },
        { "expires", MC_T_I64 }, { "seller", MC_T_U64 }, { "category", MC_T_U64 },
        { "extra", MC_T_STR },
    };
    static const builtin_field bid[] = {
        { "auction", MC_T_U64 }, { "bidder", MC_T_U64 }, { "price", MC_T_U64 },
        { "channel", MC_T_STR }, { "url", MC_T_STR }, { "date_time", MC_T_I64 },
        { "extra", MC_T_STR },
    };
    for (size_t i = 0; i < c->prog->nsources && c->nexmark_source == NULL; i++) {
        if (c->prog->sources[i]->kind == MC_SRC_NEXMARK)
            c->nexmark_source = c->prog->sources[i];
    }
    if (c->nexmark_source == NULL)
        return;
    c->nexmark[0] = add_builtin_type(c, nexmark_names[0], person, sizeof person / sizeof *person);
    c->nexmark[1] = add_builtin_type(c, nexmark_names[1], auction,
                                     sizeof auction / sizeof *auction);
    c->nexmark[2] = add_builtin_type(c, nexmark_names[2], bid, sizeof bid / sizeof *bid);
}

/* The built-in record type of a window's output, `Window_T { start: i64; end: i64; value: T; }`,
 * made the first time a window of that T is checked and appended to prog->types (after T,
 * which is a scalar or a type already in the list). */
static mc_typedecl *window_type(checker *c, const mc_op *op, const mc_typeref *value)
{
    const char *t = value->kind == MC_T_RECORD ? value->name : mc_type_kind_name(value->kind);
    const char *name = mc_pool_printf(&c->prog->pool, "Window_%s", t);
    mc_typedecl *made = made_type(c, name, mc_pool_printf(&c->prog->pool, "window '%s'", op->name));
    if (made != NULL)
        return made;
    static const builtin_field bounds[] = { { "start", MC_T_I64 }, { "end", MC_T_I64 } };
    mc_typedecl *decl = add_builtin_type(c, name, bounds, 2);
    mc_field field = { .name = "value", .type = *value };
    field.type.loc = (mc_loc){ 0, 0 };
    MC_POOL_PUSH(&c->prog->pool, decl->fields, decl->nfields, field);
    return decl;
}

/* ---- literals ---------------------------------------------------------------------------- */

/* How a mismatch names the literal it found: "an integer", "a 'Point' record", ... */
static const char *describe_literal(checker *c, const mc_literal *lit)
{
    static const char *const names[] = {
        [MC_LIT_INT] = "an integer", [MC_LIT_FLOAT] = "a number with a fraction",
        [MC_LIT_STRING] = "a string", [MC_LIT_BOOL] = "a boolean",
        [MC_LIT_TUPLE] = "a tuple", [MC_LIT_ARRAY] = "an array",
    };
    if (lit->kind == MC_LIT_RECORD)
        return mc_pool_printf(&c->prog->pool, "a '%s' record", lit->u.rec.type_name);
    return names[lit->kind];
}

/* The largest magnitudes a negative and a positive value of an integer type can have. */
static void int_limits(mc_type_kind kind, uint64_t *max_neg, uint64_t *max_pos)
{
    static const unsigned bits[] = {
        [MC_T_I8] = 8, [MC_T_I16] = 16, [MC_T_I32] = 32, [MC_T_I64] = 64,
        [MC_T_U8] = 8, [MC_T_U16] = 16, [MC_T_U32] = 32, [MC_T_U64] = 64,
    };
    unsigned b = bits[kind];
    if (kind <= MC_T_I64) {
        *max_neg = (uint64_t)1 << (b - 1);
        *max_pos = *max_neg - 1;
    } else {
        *max_neg = 0;
        *max_pos = b == 64 ? UINT64_MAX : ((uint64_t)1 << b) - 1;
    }
}

static void check_int_range(checker *c, const mc_literal *lit, mc_type_kind kind)
{
    uint64_t max_neg, max_pos;
    int_limits(kind, &max_neg, &max_pos);
    uint64_t limit = lit->u.i.negative ? max_neg : max_pos;
    if (lit->u.i.magnitude <= limit)
        return;
    mc_error(c->diag, lit->loc, "integer %s%" PRIu64 " is out of range for '%s' (%s%" PRIu64
             " to %" PRIu64 ")", lit->u.i.negative ? "-" : "", lit->u.i.magnitude,
             mc_type_kind_name(kind), max_neg > 0 ? "-" : "", max_neg, max_pos);
}

static void check_literal(checker *c, const mc_literal *lit, const mc_typeref *type);

static void report_mismatch(checker *c, const mc_literal *lit, const char *type_name)
{
    mc_error(c->diag, lit->loc, "expected a value of type '%s', found %s", type_name,
             describe_literal(c, lit));
}

static const mc_field *find_field(const mc_typedecl *decl, const char *name)
{
    for (size_t i = 0; i < decl->nfields; i++) {
        if (strcmp(decl->fields[i].name, name) == 0)
            return &decl->fields[i];
    }
    return NULL;
}

static const mc_field_init *find_init(const mc_literal *rec, size_t before, const char *name)
{
    for (size_t i = 0; i < before; i++) {
        if (strcmp(rec->u.rec.inits[i].name, name) == 0)
            return &rec->u.rec.inits[i];
    }
    return NULL;
}

/* `Name { field: value, ... }` against record type decl: every field named exactly once. */
static void check_record_literal(checker *c, const mc_literal *lit, const mc_typedecl *decl)
{
    if (strcmp(lit->u.rec.type_name, decl->name) != 0) {
        report_mismatch(c, lit, decl->name);
        return;
    }
    for (size_t i = 0; i < lit->u.rec.ninits; i++) {
        const mc_field_init *init = &lit->u.rec.inits[i];
        const mc_field *field = find_field(decl, init->name);
        const mc_field_init *first = find_init(lit, i, init->name);
        if (field == NULL) {
            mc_error(c->diag, init->loc, "type '%s' has no field '%s'", decl->name, init->name);
        } else if (first != NULL) {
            mc_error(c->diag, init->loc, "field '%s' is given twice", init->name);
            mc_note(c->diag, first->loc, "first given here");
        } else {
            check_literal(c, init->value, &field->type);
        }
    }
    for (size_t i = 0; i < decl->nfields; i++) {
        if (find_init(lit, lit->u.rec.ninits, decl->fields[i].name) == NULL)
            mc_error(c->diag, lit->loc, "missing field '%s' in '%s' record", decl->fields[i].name,
                     decl->name);
    }
}

/* `(a, b)` against a tuple type, `[a, b]` against an array type: an item for each field. */
static void check_seq_literal(checker *c, const mc_literal *lit, const mc_typedecl *decl)
{
    if (lit->u.seq.n != decl->nfields) {
        mc_error(c->diag, lit->loc, "expected %zu items for '%s', found %zu", decl->nfields,
                 decl->name, lit->u.seq.n);
        return;
    }
    for (size_t i = 0; i < lit->u.seq.n; i++)
        check_literal(c, lit->u.seq.items[i], &decl->fields[i].type);
}

/* Checks that lit is a value of type (which must be resolved; an unresolved record type is
 * not checked, its name was reported already). */
static void check_literal(checker *c, const mc_literal *lit, const mc_typeref *type)
{
    mc_type_kind k = type->kind;
    bool fits;
    if (k == MC_T_RECORD) {
        if (type->decl == NULL)
            return;
        static const mc_lit_kind written_as[] = { [MC_SHAPE_RECORD] = MC_LIT_RECORD,
                                                  [MC_SHAPE_TUPLE] = MC_LIT_TUPLE,
                                                  [MC_SHAPE_ARRAY] = MC_LIT_ARRAY };
        if (lit->kind != written_as[type->decl->shape])
            report_mismatch(c, lit, type->decl->name);
        else if (lit->kind == MC_LIT_RECORD)
            check_record_literal(c, lit, type->decl);
        else
            check_seq_literal(c, lit, type->decl);
        return;
    }
    if (mc_type_is_integer(k))
        fits = lit->kind == MC_LIT_INT;
    else if (k == MC_T_F32 || k == MC_T_F64)
        fits = lit->kind == MC_LIT_INT || lit->kind == MC_LIT_FLOAT;
    else if (k == MC_T_BOOL)
        fits = lit->kind == MC_LIT_BOOL;
    else
        fits = lit->kind == MC_LIT_STRING;
    if (!fits)
        report_mismatch(c, lit, mc_type_kind_name(k));
    else if (mc_type_is_integer(k))
        check_int_range(c, lit, k);
}

/* ---- C blocks: the calls they make ------------------------------------------------------- */

/* Past the comment or the string or character literal that starts at byte i of block b's
 * text; i itself when none starts there. */
static size_t skip_comment_or_literal(const mc_cblock *b, size_t i)
{
    const char *t = b->text;
    char ch = t[i];
    if (ch == '/' && i + 1 < b->len && t[i + 1] == '/') {
        while (i < b->len && t[i] != '\n')
            i++;
    } else if (ch == '/' && i + 1 < b->len && t[i + 1] == '*') {
        for (i += 2; i < b->len && !(t[i] == '*' && i + 1 < b->len && t[i + 1] == '/'); i++)
            ;
        i += 2;
    } else if (ch == '"' || ch == '\'') {
        for (i++; i < b->len && t[i] != ch; i++)
            if (t[i] == '\\')
                i++;
        i++;
    }
    return i;
}

/* Where one of the names words[0 .. n-1] is next used in the C block b, from byte `from` of
 * its text on: the offset of the use in the text (and in *which the word's index), or b->len
 * if there is none. Comments and string and character literals are skipped; anything else
 * that reads as the identifier is a use (a macro's name is, which is what a use of timer_at
 * inside another macro of the block amounts to). */
static size_t find_word(const mc_cblock *b, const char *const *words, size_t n, size_t from,
                        size_t *which)
{
    const char *t = b->text;
    for (size_t i = from; i < b->len;) {
        char ch = t[i];
        size_t past = skip_comment_or_literal(b, i);
        if (past != i) {
            i = past;
        } else if (ch == '_' || (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
                   (ch >= '0' && ch <= '9')) {
            size_t start = i;
            while (i < b->len && (t[i] == '_' || (t[i] >= 'a' && t[i] <= 'z') ||
                                  (t[i] >= 'A' && t[i] <= 'Z') || (t[i] >= '0' && t[i] <= '9')))
                i++;
            for (size_t w = 0; w < n; w++)
                if (strlen(words[w]) == i - start && memcmp(t + start, words[w], i - start) == 0) {
                    *which = w;
                    return start;
                }
        } else {
            i++;
        }
    }
    return b->len;
}

/* The number of arguments of the call whose name ends at byte i of block b's text (commas at
 * the top level of its parentheses, so that a compound literal's count as one), or -1 when no
 * '(' follows the name (it is used another way, which the C compiler judges) or none closes. */
static int call_arguments(const mc_cblock *b, size_t i)
{
    const char *t = b->text;
    while (i < b->len && (t[i] == ' ' || t[i] == '\t' || t[i] == '\n' || t[i] == '\r'))
        i++;
    if (i >= b->len || t[i] != '(')
        return -1;
    int depth = 0, commas = 0;
    bool empty = true;
    while (i < b->len) {
        size_t past = skip_comment_or_literal(b, i);
        if (past != i) {
            i = past;
            empty = false;
            continue;
        }
        char ch = t[i++];
        if (ch == '(' || ch == '[' || ch == '{') {
            empty = empty && depth == 0;
            depth++;
        } else if (ch == ')' || ch == ']' || ch == '}') {
            if (--depth == 0)
                return empty ? 0 : commas + 1;
        } else if (ch == ',' && depth == 1) {
            commas++;
        } else if (ch != ' ' && ch != '\t' && ch != '\n' && ch != '\r') {
            empty = false;
        }
    }
    return -1; /* unbalanced: the C compiler says more */
}

/* The use of word that find_word found at offset at of block b's text, as a location. */
static mc_loc word_loc(const mc_cblock *b, size_t at, const char *word)
{
    return (mc_loc){ b->loc.off + 1 + (uint32_t)at, (uint32_t)strlen(word) };
}

/* Each call of word in block b of `what` must have nargs arguments (`meaning` says which, when
 * there are some): a call with another count is reported here, at its place in the .mstr
 * file, where the C compiler would point into the generated code. */
static void check_call_arity(checker *c, const mc_cblock *b, const char *word, int nargs,
                             const char *meaning, const char *what)
{
    if (b->text == NULL)
        return;
    size_t w;
    for (size_t at = find_word(b, &word, 1, 0, &w); at < b->len;
         at = find_word(b, &word, 1, at + 1, &w)) {
        int found = call_arguments(b, at + strlen(word));
        if (found < 0 || found == nargs)
            continue;
        if (nargs == 0)
            mc_error(c->diag, word_loc(b, at, word), "'%s' takes no arguments in %s, not %d",
                     word, what, found);
        else
            mc_error(c->diag, word_loc(b, at, word), "'%s' takes %d argument%s (%s) in %s, not %d",
                     word, nargs, nargs == 1 ? "" : "s", meaning, what, found);
    }
}

/* ---- sources ----------------------------------------------------------------------------- */

/* ---- custom sources and sinks -------------------------------------------------------------- */

/* The blocks a custom source or sink may have, the one it must have, and how messages name
 * them ("open, poll and close"). */
typedef struct block_kinds {
    const char *const *names;
    size_t n;
    const char *required;
    const char *listed;
} block_kinds;

static const char *const source_block_names[] = { "open", "poll", "close" };
static const block_kinds source_blocks = { source_block_names, 3, "poll", "open, poll and close" };
static const char *const sink_block_names[] = { "open", "write", "prepare", "commit", "close" };
static const block_kinds sink_blocks = { sink_block_names, 5, "write",
                                         "open, write, prepare, commit and close" };

static bool is_block_kind(const block_kinds *kinds, const char *name)
{
    for (size_t i = 0; i < kinds->n; i++)
        if (strcmp(kinds->names[i], name) == 0)
            return true;
    return false;
}

/* The blocks of custom source or sink `what` (a source or sink, named name): each a kind it
 * takes, each once, and the one it needs present. */
static void check_blocks(checker *c, const mc_custom *custom, const block_kinds *kinds,
                         const char *what, const char *name)
{
    for (size_t i = 0; i < custom->nblocks; i++) {
        const mc_block *b = &custom->blocks[i];
        const mc_block *first = mc_custom_block(custom, b->name);
        if (!is_block_kind(kinds, b->name)) {
            mc_error(c->diag, b->loc, "a custom %s has no block '%s' (its blocks are %s)", what,
                     b->name, kinds->listed);
        } else if (first != b) {
            mc_error(c->diag, b->loc, "%s '%s' has two '%s' blocks", what, name, b->name);
            mc_note(c->diag, first->loc, "the first one is here");
        }
    }
    if (mc_custom_block(custom, kinds->required) == NULL)
        mc_error(c->diag, custom->loc, "custom %s '%s' needs a '%s' block", what, name,
                 kinds->required);
}

/* custom(N) position P { ... }: N partitions (as many as `partitions` allows a range), a
 * known position type, its blocks. */
static void check_custom_source(checker *c, mc_source *src)
{
    const mc_literal *n = src->items[0];
    if (n->kind != MC_LIT_INT || n->u.i.negative || n->u.i.magnitude < 1 ||
        n->u.i.magnitude > MSTR_MAX_WORKERS)
        mc_error(c->diag, n->loc, "the partition count of a custom source must be an integer "
                 "from 1 to %d", MSTR_MAX_WORKERS);
    resolve_type(c, &src->position);
    check_blocks(c, src->custom, &source_blocks, "source", src->name);
    const mc_block *poll = mc_custom_block(src->custom, "poll");
    if (poll != NULL)
        check_call_arity(c, &poll->body, "emit", 2, "the record and its timestamp",
                         mc_pool_printf(&c->prog->pool, "source '%s'", src->name));
}

/* custom(S) { ... }: a known state type, its blocks. */
static void check_custom_sink(checker *c, mc_op *op)
{
    resolve_type(c, &op->sink_state);
    check_blocks(c, op->custom, &sink_blocks, "sink", op->name);
}

/* range(lo, hi[, step]): bounds of the source's integer type, a non-zero i64 step. */
static void check_range(checker *c, const mc_source *src)
{
    if (!mc_type_is_integer(src->type.kind)) {
        mc_error(c->diag, src->type.loc, "'range' needs an integer type, not '%s'",
                 src->type.name);
        return;
    }
    check_literal(c, src->items[0], &src->type);
    check_literal(c, src->items[1], &src->type);
    if (src->nitems < 3)
        return;
    const mc_literal *step = src->items[2];
    mc_typeref i64 = mc_ast_typeref_scalar(MC_T_I64, step->loc);
    check_literal(c, step, &i64);
    if (step->kind == MC_LIT_INT && step->u.i.magnitude == 0)
        mc_error(c->diag, step->loc, "the step of a range must not be 0");
}

/* An integer argument (a window's size, a bound, a nexmark count) that must be an i64 of at
 * least min. Returns false after reporting "WHAT must be an integer >= MIN" otherwise; *out
 * is then 0. */
static bool int_arg(checker *c, const mc_literal *lit, int64_t min, const char *what,
                    int64_t *out)
{
    *out = 0;
    bool is_int = lit->kind == MC_LIT_INT;
    uint64_t mag = is_int ? lit->u.i.magnitude : 0;
    bool neg = is_int && lit->u.i.negative && mag > 0;
    if (is_int && (neg ? mag - 1 > (uint64_t)INT64_MAX : mag > (uint64_t)INT64_MAX)) {
        mc_error(c->diag, lit->loc, "%s is out of range (it must fit in an i64)", what);
        return false;
    }
    int64_t v = !is_int ? 0 : neg ? (int64_t)-(mag - 1) - 1 : (int64_t)mag;
    if (!is_int && min == INT64_MIN) {
        mc_error(c->diag, lit->loc, "%s must be an integer", what);
        return false;
    }
    if (!is_int || v < min) {
        mc_error(c->diag, lit->loc, "%s must be an integer >= %" PRId64, what, min);
        return false;
    }
    *out = v;
    return true;
}

/* nexmark(events[, rate[, first_ms]]) of type Person, Auction or Bid. */
static void check_nexmark(checker *c, const mc_source *src)
{
    static const struct { const char *what; int64_t min; } args[] = {
        { "the number of events", 0 },
        { "the rate (events per second)", 1 },
        { "the first event's time (ms)", 0 },
    };
    const mc_typedecl *d = src->type.decl;
    bool nexmark_type = d == c->nexmark[0] || d == c->nexmark[1] || d == c->nexmark[2];
    if (!nexmark_type && !is_nexmark_name(src->type.name)) /* a user's Bid is reported */
        mc_error(c->diag, src->type.loc, "'nexmark' needs type Person, Auction or Bid, not '%s'",
                 src->type.name);
    if (src->nitems > 3) {
        mc_error(c->diag, src->items[3]->loc, "'nexmark' takes at most 3 arguments (events, "
                 "rate, first_ms)");
        return;
    }
    for (size_t i = 0; i < src->nitems; i++) {
        int64_t v;
        int_arg(c, src->items[i], args[i].min, args[i].what, &v);
    }
}

static void check_source_type(checker *c, const mc_source *src)
{
    switch (src->kind) {
    case MC_SRC_LIST:
        for (size_t i = 0; i < src->nitems; i++)
            check_literal(c, src->items[i], &src->type);
        break;
    case MC_SRC_RANGE:
        check_range(c, src);
        break;
    case MC_SRC_LINES:
    case MC_SRC_STDIN:
        if (src->type.kind == MC_T_RECORD)
            mc_error(c->diag, src->type.loc, "'%s' needs 'str' or a scalar type, not record "
                     "type '%s'", mc_source_kind_name(src->kind), src->type.name);
        break;
    case MC_SRC_CSV:
        break; /* every type is a scalar or a record of scalars and records: all flatten */
    case MC_SRC_NEXMARK:
        check_nexmark(c, src);
        break;
    case MC_SRC_CUSTOM:
        break; /* any type: the poll block makes the values */
    }
}

static const mc_source *find_stdin_source(const checker *c, size_t before)
{
    for (size_t i = 0; i < before; i++) {
        if (c->prog->sources[i]->kind == MC_SRC_STDIN)
            return c->prog->sources[i];
    }
    return NULL;
}

/* `partitions N`: only for range, whose values can be cut anywhere (files are partitioned by
 * file, list and stdin are read by one worker); N from 1 to MSTR_MAX_WORKERS. */
static void check_partitions(checker *c, const mc_source *src)
{
    const mc_literal *n = src->partitions;
    if (n == NULL)
        return;
    if (src->kind != MC_SRC_RANGE) {
        mc_error(c->diag, src->partitions_loc, "only a 'range' source can choose its partitions");
        return;
    }
    if (n->kind != MC_LIT_INT || n->u.i.negative || n->u.i.magnitude < 1 ||
        n->u.i.magnitude > MSTR_MAX_WORKERS)
        mc_error(c->diag, n->loc, "partitions must be an integer from 1 to %d", MSTR_MAX_WORKERS);
}

static void check_sources(checker *c)
{
    for (size_t i = 0; i < c->prog->nsources; i++) {
        mc_source *src = c->prog->sources[i];
        if (resolve_type(c, &src->type))
            check_source_type(c, src);
        const mc_source *other = src->kind == MC_SRC_STDIN ? find_stdin_source(c, i) : NULL;
        if (other != NULL) {
            mc_error(c->diag, src->kind_loc, "only one source can read 'stdin'");
            mc_note(c->diag, other->kind_loc, "'%s' reads it already", other->name);
        }
        if (src->kind == MC_SRC_CUSTOM)
            check_custom_source(c, src);
        bool decodes = src->kind != MC_SRC_LIST && src->kind != MC_SRC_RANGE
            && src->kind != MC_SRC_NEXMARK && src->kind != MC_SRC_CUSTOM;
        if (src->dead_letter != NULL && !decodes)
            mc_error(c->diag, src->dead_letter_loc, "a '%s' source decodes nothing, so it has "
                     "no dead letters", mc_source_kind_name(src->kind));
        check_partitions(c, src);
    }
}

/* ---- streams ----------------------------------------------------------------------------- */

static mc_stream *find_stream(const checker *c, const char *name)
{
    for (size_t i = 0; i < c->prog->nstreams; i++) {
        if (strcmp(c->prog->streams[i]->name, name) == 0)
            return c->prog->streams[i];
    }
    return NULL;
}

/* The edit distance between a and b (insertions, deletions, substitutions and swaps of two
 * neighbours), or SIZE_MAX for names too long to bother. */
static size_t edit_distance(const char *a, const char *b)
{
    enum { MAX = 64 };
    size_t la = strlen(a), lb = strlen(b);
    if (la >= MAX || lb >= MAX)
        return SIZE_MAX;
    size_t d[MAX + 1][MAX + 1];
    for (size_t i = 0; i <= la; i++)
        d[i][0] = i;
    for (size_t j = 0; j <= lb; j++)
        d[0][j] = j;
    for (size_t i = 1; i <= la; i++) {
        for (size_t j = 1; j <= lb; j++) {
            size_t best = d[i - 1][j - 1] + (a[i - 1] != b[j - 1]);
            if (d[i - 1][j] + 1 < best)
                best = d[i - 1][j] + 1;
            if (d[i][j - 1] + 1 < best)
                best = d[i][j - 1] + 1;
            if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1]
                && d[i - 2][j - 2] + 1 < best)
                best = d[i - 2][j - 2] + 1;
            d[i][j] = best;
        }
    }
    return d[la][lb];
}

/* The stream whose name is closest to a misspelt name, if one is close enough to suggest. */
static mc_stream *closest_stream(const checker *c, const char *name)
{
    size_t best = (strlen(name) + 2) / 3 + 1;
    mc_stream *found = NULL;
    for (size_t i = 0; i < c->prog->nstreams; i++) {
        size_t d = edit_distance(name, c->prog->streams[i]->name);
        if (d < best) {
            best = d;
            found = c->prog->streams[i];
        }
    }
    return found;
}

/* Adds a named stream to prog->streams, or reports a duplicate name and returns NULL. */
static check_stream *define_stream(checker *c, const char *name, mc_loc loc,
                                   mc_stream_origin origin)
{
    const mc_stream *first = find_stream(c, name);
    if (first != NULL) {
        mc_error(c->diag, loc, "stream '%s' is defined twice", name);
        mc_note(c->diag, first->loc, "first defined here");
        return NULL;
    }
    check_stream *cs = mc_pool_alloc(&c->prog->pool, sizeof *cs);
    cs->s.name = name;
    cs->s.loc = loc;
    cs->s.origin = origin;
    MC_POOL_PUSH(&c->prog->pool, c->prog->streams, c->prog->nstreams, &cs->s);
    return cs;
}

/* The streams a clone or split makes are defined with the named chain results, in file order,
 * so that a later chain can read them and an earlier one cannot. */
static void define_op_streams(checker *c, size_t index, mc_op *op)
{
    op->streams = mc_pool_alloc(&c->prog->pool, op->nnames * sizeof *op->streams);
    for (size_t i = 0; i < op->nnames; i++) {
        check_stream *cs = define_stream(c, op->names[i], op->name_locs[i], MC_STREAM_OP);
        if (cs == NULL)
            continue;
        cs->s.op = op;
        cs->s.output = i;
        cs->chain_index = index;
        op->streams[i] = &cs->s;
    }
}

/* The `late NAME` stream of an epochs or window operator: the operator's output 0. */
static void define_late_stream(checker *c, size_t index, mc_op *op)
{
    check_stream *cs = define_stream(c, op->late, op->late_loc, MC_STREAM_OP);
    if (cs == NULL)
        return;
    cs->s.op = op;
    cs->s.output = 0;
    cs->chain_index = index;
    op->late_out = &cs->s;
}

static void define_chain_streams(checker *c, size_t index)
{
    mc_chain *chain = c->prog->chains[index];
    if (chain->result != NULL) {
        check_stream *cs = define_stream(c, chain->result, chain->result_loc, MC_STREAM_CHAIN);
        if (cs != NULL) {
            cs->s.chain = chain;
            cs->chain_index = index;
            chain->out = &cs->s;
        }
    }
    for (size_t i = 0; i < chain->nops; i++) {
        mc_op *op = chain->ops[i];
        if (op->kind == MC_OP_CLONE || op->kind == MC_OP_SPLIT)
            define_op_streams(c, index, op);
        else if (op->late != NULL)
            define_late_stream(c, index, op);
    }
}

/* Sources' streams are typed (and unkeyed) from the start; the streams chains make get their
 * type and keying when their chain is checked. */
static void define_streams(checker *c)
{
    for (size_t i = 0; i < c->prog->nsources; i++) {
        mc_source *src = c->prog->sources[i];
        check_stream *out = define_stream(c, src->name, src->loc, MC_STREAM_SOURCE);
        if (out != NULL) {
            out->s.source = src;
            out->s.type = src->type;
            out->typed = src->type.kind != MC_T_RECORD || src->type.decl != NULL;
            out->keying_known = true;
            src->out = &out->s;
        }
        if (src->dead_letter == NULL)
            continue;
        check_stream *dead = define_stream(c, src->dead_letter, src->dead_letter_loc,
                                           MC_STREAM_DEAD_LETTER);
        if (dead != NULL) {
            dead->s.source = src;
            dead->s.type = mc_ast_typeref_named("DeadLetter", src->dead_letter_loc);
            dead->s.type.decl = c->dead_letter;
            dead->typed = true;
            dead->keying_known = true;
            src->dead_out = &dead->s;
        }
    }
    for (size_t i = 0; i < c->prog->nchains; i++)
        define_chain_streams(c, i);
}

/* ---- chains ------------------------------------------------------------------------------ */

/* Finds the stream that chain number index reads, at the start of the chain or in a union.
 * Returns NULL (after reporting) when the name is unknown or not defined yet. */
static check_stream *find_input(checker *c, size_t index, const char *name, mc_loc loc)
{
    mc_stream *s = find_stream(c, name);
    if (s == NULL) {
        mc_error(c->diag, loc, "unknown stream '%s'", name);
        mc_stream *guess = closest_stream(c, name);
        if (guess != NULL) {
            mc_note(c->diag, guess->loc, "did you mean '%s'?", guess->name);
            check_stream_of(guess)->mentioned = true; /* "never used" would be noise */
        }
        return NULL;
    }
    check_stream *cs = check_stream_of(s);
    cs->mentioned = true;
    bool made_by_chain = s->origin == MC_STREAM_CHAIN || s->origin == MC_STREAM_OP;
    if (made_by_chain && cs->chain_index == index) {
        mc_error(c->diag, loc, "stream '%s' cannot read itself", s->name);
        return NULL;
    }
    if (made_by_chain && cs->chain_index > index) {
        mc_error(c->diag, loc, "stream '%s' is used before it is defined", s->name);
        mc_note(c->diag, s->loc, "'%s' is defined here", s->name);
        return NULL;
    }
    return cs;
}

/* Finds the stream chain number index starts from and records the chain as its consumer. */
static check_stream *resolve_input(checker *c, size_t index)
{
    mc_chain *chain = c->prog->chains[index];
    check_stream *cs = find_input(c, index, chain->input_name, chain->input_loc);
    if (cs == NULL)
        return NULL;
    chain->input = &cs->s;
    MC_POOL_PUSH(&c->prog->pool, cs->s.consumers, cs->s.nconsumers, chain);
    return cs;
}

/* Operator names are unique in the whole file. */
static void check_op_name(checker *c, mc_op *op)
{
    for (size_t i = 0; i < c->nops; i++) {
        if (strcmp(c->ops[i]->name, op->name) == 0) {
            mc_error(c->diag, op->loc, "operator '%s' is defined twice", op->name);
            mc_note(c->diag, c->ops[i]->loc, "first defined here");
            break;
        }
    }
    MC_POOL_PUSH(&c->prog->pool, c->ops, c->nops, op);
}


/* Sinks, clones and splits end a chain: nothing may follow them. */
static bool ends_chain(const mc_op *op)
{
    return op->kind == MC_OP_SINK || op->kind == MC_OP_CLONE || op->kind == MC_OP_SPLIT;
}

/* The records of a stream, as a flow. */
static flow stream_flow(const check_stream *cs)
{
    return (flow){
        .type = cs->s.type, .typed = cs->typed, .keying_known = cs->keying_known,
        .keyed = cs->s.keyed, .key = cs->s.key_type, .key_typed = cs->key_typed,
        .keyer = cs->s.keyer,
    };
}

/* Gives a stream the type and key of the records a flow describes. */
static void set_stream_flow(check_stream *cs, const flow *f)
{
    cs->s.type = f->type;
    cs->typed = f->typed;
    cs->keying_known = f->keying_known;
    cs->s.keyed = f->keyed;
    cs->s.key_type = f->key;
    cs->key_typed = f->key_typed;
    cs->s.keyer = f->keyer;
}

/* Whether two resolved types are the same type. */
static bool same_type(const mc_typeref *a, const mc_typeref *b)
{
    return a->kind == b->kind && (a->kind != MC_T_RECORD || a->decl == b->decl);
}

static const char *type_name(const mc_typeref *t)
{
    return t->kind == MC_T_RECORD ? t->name : mc_type_kind_name(t->kind);
}

/* "keyed by 'K'" or "not keyed", for messages. */
static const char *describe_keying(checker *c, const flow *f)
{
    if (f->keyed)
        return mc_pool_printf(&c->prog->pool, "keyed by '%s'", type_name(&f->key));
    return "not keyed";
}

/* Records of streams keyed by these two operators are placed on workers alike (mc_keyer_*),
 * so that records of one key meet on one worker. NULL (not keyed, or not known) is alike
 * anything: a difference in keying is reported on its own. */
static bool placed_alike(const mc_op *a, const mc_op *b)
{
    if (a == NULL || b == NULL || a == b)
        return true;
    if (mc_keyer_is_local(a) || mc_keyer_is_local(b))
        return mc_keyer_is_local(a) && mc_keyer_is_local(b);
    return !mc_keyer_distributes(a) && !mc_keyer_distributes(b);
}

/* "key_by 'k' (by the key's hash)", for messages. */
static const char *describe_placement(checker *c, const mc_op *keyer)
{
    const char *how = mc_keyer_is_local(keyer)      ? "records stay where they are read"
                      : mc_keyer_distributes(keyer) ? "by its distribute block"
                                                    : "by the key's hash";
    return mc_pool_printf(&c->prog->pool, "%s '%s' (%s)", mc_op_kind_name(keyer->kind),
                          keyer->name, how);
}

/* Reports a union's or join's input (stream in, at loc) placed unlike the chain's records. */
static void check_placement(checker *c, const mc_op *op, mc_loc loc, const check_stream *in,
                            const flow *f)
{
    if (placed_alike(f->keyer, in->s.keyer))
        return;
    mc_error(c->diag, loc, "%s '%s' needs inputs placed on workers alike: stream '%s' is keyed "
             "by %s, the chain's records by %s", mc_op_kind_name(op->kind), op->name, in->s.name,
             describe_placement(c, in->s.keyer), describe_placement(c, f->keyer));
    mc_note(c->diag, in->s.keyer->loc, "key both the same way (key_by without a distribute "
            "block places a key on the worker that owns its hash's key group)");
}

/* A stream merged by a union must carry records like the chain's: same type, same keying. */
static void check_union_input(checker *c, const mc_op *op, size_t i, const check_stream *in,
                              const flow *f)
{
    flow other = stream_flow(in);
    if (f->typed && other.typed && !same_type(&f->type, &other.type)) {
        mc_error(c->diag, op->name_locs[i], "union '%s' needs inputs of one type: stream '%s' is "
                 "of type '%s', the chain's records are of type '%s'", op->name, in->s.name,
                 type_name(&other.type), type_name(&f->type));
        return;
    }
    if (!f->keying_known || !other.keying_known)
        return;
    bool alike = f->keyed == other.keyed
        && (!f->keyed || !f->key_typed || !other.key_typed || same_type(&f->key, &other.key));
    if (alike) {
        check_placement(c, op, op->name_locs[i], in, f);
        return;
    }
    mc_error(c->diag, op->name_locs[i], "union '%s' needs inputs keyed alike: stream '%s' is %s, "
             "the chain's records are %s", op->name, in->s.name, describe_keying(c, &other),
             describe_keying(c, f));
}

/* union NAME(s1, s2, ...): the streams must exist, come from earlier chains, be merged once
 * and not merge the chain's own input with itself. first says whether the union is the
 * chain's first operator. */
static void check_union(checker *c, size_t index, mc_op *op, bool first, const flow *f)
{
    mc_chain *chain = c->prog->chains[index];
    op->streams = mc_pool_alloc(&c->prog->pool, op->nnames * sizeof *op->streams);
    for (size_t i = 0; i < op->nnames; i++) {
        const char *name = op->names[i];
        size_t j = 0;
        while (j < i && strcmp(op->names[j], name) != 0)
            j++;
        if (j < i) {
            mc_error(c->diag, op->name_locs[i], "union '%s' merges stream '%s' twice", op->name,
                     name);
            mc_note(c->diag, op->name_locs[j], "first merged here");
            continue;
        }
        check_stream *in = find_input(c, index, name, op->name_locs[i]);
        if (in == NULL)
            continue;
        if (first && &in->s == chain->input) {
            mc_error(c->diag, op->name_locs[i], "union '%s' merges stream '%s' with itself",
                     op->name, name);
            mc_note(c->diag, chain->input_loc, "the chain reads '%s' already", name);
            continue;
        }
        op->streams[i] = &in->s;
        MC_POOL_PUSH(&c->prog->pool, in->s.unions, in->s.nunions, op);
        check_union_input(c, op, i, in, f);
    }
}

/* clone and split send every record (or those split chooses) to two or more new streams,
 * typed and keyed like their input. */
static void check_fan_out(checker *c, mc_op *op, const flow *f)
{
    if (op->nnames < 2)
        mc_error(c->diag, op->loc, "%s '%s' needs at least two streams in 'into (...)'",
                 mc_op_kind_name(op->kind), op->name);
    for (size_t i = 0; i < op->nnames; i++) {
        if (op->streams[i] != NULL)
            set_stream_flow(check_stream_of(op->streams[i]), f);
    }
}

/* Operators that keep state or match records per key need a keyed stream. */
static void require_keyed(checker *c, const mc_op *op, const flow *f)
{
    if (f->keying_known && !f->keyed) {
        mc_error(c->diag, op->loc, "%s '%s' needs a keyed stream", mc_op_kind_name(op->kind),
                 op->name);
        mc_note(c->diag, op->kw_loc, "key it first with key_by or key_local");
    }
}


/* The helpers that operator bodies call as macros (templates/op_*.c.in), each with the number
 * of arguments it takes and what they are. Checklist: docs/language.md's table. */
typedef struct helper_call {
    const char *name;
    int args;
    const char *meaning;
} helper_call;

static const helper_call call_emit = { "emit", 1, "the record" };
static const helper_call call_emit_at = { "emit_at", 2, "the record and its timestamp" };
static const helper_call call_drop_state = { "drop_state", 0, NULL };
static const helper_call call_timer_at = { "timer_at", 1, "the time" };
static const helper_call call_timer_after = { "timer_after", 1, "the milliseconds" };
static const helper_call call_cancel_timer = { "cancel_timer", 0, NULL };
static const helper_call call_expire_at = { "expire_at", 1, "the time" };

/* The helper calls in the blocks of op, counted: emit in flat_map and stateful_op, emit_at in
 * on_epoch and on_timer, drop_state in the stateful operators, the timers' in stateful_op,
 * expire_at in a ttl_map of one value per key (ttl_map's entry_* are check_ttl_calls'). */
static void check_helper_calls(checker *c, const mc_op *op)
{
    const char *what = mc_pool_printf(&c->prog->pool, "%s '%s'", mc_op_kind_name(op->kind),
                                      op->name);
    const mc_cblock *blocks[] = { &op->body, &op->extra, &op->timer };
    size_t nblocks = op->kind == MC_OP_STATEFUL_OP ? 3 : 1;
    for (size_t i = 0; i < nblocks; i++) {
        const helper_call *calls[6];
        size_t n = 0;
        if (op->kind == MC_OP_FLAT_MAP || op->kind == MC_OP_STATEFUL_OP)
            calls[n++] = &call_emit;
        if (op->kind == MC_OP_STATEFUL_OP && i > 0)
            calls[n++] = &call_emit_at;
        if (op->has_state_type)
            calls[n++] = &call_drop_state;
        if (op->kind == MC_OP_STATEFUL_OP) {
            calls[n++] = &call_timer_at;
            calls[n++] = &call_timer_after;
            calls[n++] = &call_cancel_timer;
        }
        if (op->kind == MC_OP_TTL_MAP && !op->state_map)
            calls[n++] = &call_expire_at;
        for (size_t k = 0; k < n; k++)
            check_call_arity(c, blocks[i], calls[k]->name, calls[k]->args, calls[k]->meaning,
                             what);
    }
}

static const char *const timer_words[] = { "timer_at", "timer_after", "cancel_timer" };
enum { NTIMER_WORDS = sizeof timer_words / sizeof timer_words[0] };

/* Reports every use of timer_at, timer_after and cancel_timer in block b of op, in order: its
 * on_epoch block, or its per-record block when op has no on_timer block. */
static void refuse_timer_calls(checker *c, const mc_op *op, const mc_cblock *b, bool on_epoch)
{
    if (b->text == NULL)
        return;
    size_t w;
    for (size_t at = find_word(b, timer_words, NTIMER_WORDS, 0, &w); at < b->len;
         at = find_word(b, timer_words, NTIMER_WORDS, at + 1, &w)) {
        mc_loc loc = word_loc(b, at, timer_words[w]);
        if (on_epoch)
            mc_error(c->diag, loc, "'%s' is not available in on_epoch (stateful_op '%s'): "
                     "set timers in the per-record block or in on_timer", timer_words[w], op->name);
        else
            mc_error(c->diag, loc, "'%s' needs an on_timer block, and stateful_op '%s' has "
                     "none", timer_words[w], op->name);
    }
}

/* Whether block b uses word. */
static bool uses_word(const mc_cblock *b, const char *word)
{
    size_t w;
    return b->text != NULL && find_word(b, &word, 1, 0, &w) < b->len;
}

/* A stateful_op's timers: timer_at, timer_after and cancel_timer need an on_timer block to
 * fire, and are not in on_epoch's scope (on_epoch runs for every key and has no timer of its
 * own). An operator that uses timer_after keeps wall-clock timers too. */
static void check_timer_calls(checker *c, mc_op *op)
{
    if (op->timer.text == NULL)
        refuse_timer_calls(c, op, &op->body, false);
    refuse_timer_calls(c, op, &op->extra, true);
    op->clock_timers = op->timer.text != NULL &&
                       (uses_word(&op->body, "timer_after") || uses_word(&op->timer, "timer_after"));
}

/* The helpers of a ttl_map that keeps a map per key (op_ttl_map_entries.c.in), each with the
 * arguments it takes. Checklist: the same names and counts as the template's macros, and
 * docs/language.md's table. */
static const struct {
    const char *name;
    int args;
    const char *usage;
} map_helpers[] = {
    { "entry_get", 1, "entry_get(key)" },
    { "entry_insert", 3, "entry_insert(key, value, expiry)" },
    { "entry_remove", 1, "entry_remove(key)" },
    { "entry_count", 0, "entry_count()" },
};
enum { NMAP_HELPERS = sizeof map_helpers / sizeof map_helpers[0] };

/* A ttl_map's block uses the helpers of its kind of state: with a map, the entry_* helpers,
 * each with its number of arguments, and no expire_at (the whole state has no expiry of its
 * own there); with one value per key, expire_at and none of the entry_* helpers. */
static void check_ttl_calls(checker *c, const mc_op *op)
{
    const mc_cblock *b = &op->body;
    const char *words[NMAP_HELPERS + 1];
    for (size_t i = 0; i < NMAP_HELPERS; i++)
        words[i] = map_helpers[i].name;
    words[NMAP_HELPERS] = "expire_at";
    size_t w;
    for (size_t at = find_word(b, words, NMAP_HELPERS + 1, 0, &w); at < b->len;
         at = find_word(b, words, NMAP_HELPERS + 1, at + 1, &w)) {
        mc_loc loc = word_loc(b, at, words[w]);
        if (w == NMAP_HELPERS && op->state_map) {
            mc_error(c->diag, loc, "'expire_at' gives a whole state its expiry, and ttl_map '%s' "
                     "keeps a map: each entry expires at the time entry_insert gives it",
                     op->name);
        } else if (w < NMAP_HELPERS && !op->state_map) {
            mc_error(c->diag, loc, "'%s' needs a map state, and ttl_map '%s' keeps one value "
                     "per key", words[w], op->name);
            mc_note(c->diag, op->state_type.loc, "declare it as (state map<K, V>) for entries "
                    "that expire one by one");
        } else if (w < NMAP_HELPERS) {
            int args = call_arguments(b, at + strlen(words[w]));
            if (args >= 0 && args != map_helpers[w].args)
                mc_error(c->diag, loc, "'%s' takes %d argument%s, not %d: %s", words[w],
                         map_helpers[w].args, map_helpers[w].args == 1 ? "" : "s", args,
                         map_helpers[w].usage);
        }
    }
}

/* `(state map<K, V>)`: only a ttl_map keeps a map, of two known types. */
static void check_state_map(checker *c, mc_op *op)
{
    if (op->kind != MC_OP_TTL_MAP) {
        mc_error(c->diag, op->map_loc, "a map state is for ttl_map, whose entries expire one by "
                 "one: %s '%s' keeps one value per key", mc_op_kind_name(op->kind), op->name);
        return;
    }
    if (op->map_ntypes != 2) {
        mc_error(c->diag, op->map_loc, "map<K, V> takes two types, the entries' key and value "
                 "(%zu given)", op->map_ntypes);
        return;
    }
    resolve_type(c, &op->map_key);
    resolve_type(c, &op->state_type);
}

/* stateful_map, stateful_op and ttl_map keep state per key: they need a keyed stream and a
 * known state type. */
static void check_stateful(checker *c, mc_op *op, const flow *f)
{
    require_keyed(c, op, f);
    if (op->state_map)
        check_state_map(c, op);
    else
        resolve_type(c, &op->state_type);
    if (op->kind == MC_OP_STATEFUL_OP)
        check_timer_calls(c, op);
    if (op->kind == MC_OP_TTL_MAP)
        check_ttl_calls(c, op);
}

/* The `late NAME` stream of epochs and window gets the records entering the operator. */
static void set_late_flow(mc_op *op, const flow *f)
{
    if (op->late_out != NULL)
        set_stream_flow(check_stream_of(op->late_out), f);
}

/* epochs NAME bounded(B): B >= 0; periodic(P): P >= 1. */
static void check_epochs(checker *c, mc_op *op, const flow *f)
{
    int64_t bound;
    if (op->bound != NULL && op->periodic)
        int_arg(c, op->bound, 1, "the period of 'periodic'", &bound);
    else if (op->bound != NULL)
        int_arg(c, op->bound, 0, "the bound of 'bounded'", &bound);
    set_late_flow(op, f);
}

/* tumbling(S), sliding(S, P) with P <= S, session(G): all >= 1. */
static void check_window_clause(checker *c, const mc_op *op)
{
    static const char *const first[] = {
        [MC_WIN_TUMBLING] = "the window size", [MC_WIN_SLIDING] = "the window size",
        [MC_WIN_SESSION] = "the session gap",
    };
    int64_t size, slide;
    bool size_ok = int_arg(c, op->wargs[0], 1, first[op->window], &size);
    if (op->window != MC_WIN_SLIDING)
        return;
    if (int_arg(c, op->wargs[1], 1, "the slide", &slide) && size_ok && slide > size)
        mc_error(c->diag, op->wargs[1]->loc, "the slide (%" PRId64 ") must not be larger than "
                 "the window size (%" PRId64 ")", slide, size);
}

/* The type T of a window's Window_T records: u64 for count, f64 for avg, the declared type
 * otherwise (an integer or float for sum, min and max). Returns false when T is unknown. */
static bool window_value_type(checker *c, mc_op *op, mc_typeref *t)
{
    if (op->agg == MC_AGG_COUNT || op->agg == MC_AGG_AVG) {
        *t = mc_ast_typeref_scalar(op->agg == MC_AGG_COUNT ? MC_T_U64 : MC_T_F64, op->loc);
        return true;
    }
    if (!resolve_type(c, &op->agg_type))
        return false;
    *t = op->agg_type;
    mc_type_kind k = t->kind;
    bool numeric = mc_type_is_integer(k) || k == MC_T_F32 || k == MC_T_F64;
    if (op->agg != MC_AGG_REDUCE && !numeric)
        mc_error(c->diag, op->agg_type.loc, "'%s' needs an integer or float type, not '%s'",
                 mc_agg_kind_name(op->agg), type_name(t));
    return true;
}

/* window NAME: CLAUSE AGG [late L]: on a keyed stream, its records become Window_T records
 * under the same key (the output type is set here, so has_out_type is true after checking). */
static void check_window(checker *c, mc_op *op, flow *f)
{
    require_keyed(c, op, f);
    check_window_clause(c, op);
    set_late_flow(op, f);
    mc_typeref value;
    if (!window_value_type(c, op, &value)) {
        f->typed = false;
        return;
    }
    mc_typedecl *decl = window_type(c, op, &value);
    op->has_out_type = true;
    op->out_type = mc_ast_typeref_named(decl->name, op->loc);
    op->out_type.decl = decl;
    f->type = op->out_type;
}

/* The right-hand stream of a join (`with R`) must be keyed like the chain. */
static void check_join_keying(checker *c, const mc_op *op, const check_stream *in,
                              const flow *f)
{
    flow other = stream_flow(in);
    if (!other.keying_known)
        return;
    if (!other.keyed) {
        mc_error(c->diag, op->other_loc, "%s '%s' needs a keyed stream to join with: stream '%s' "
                 "is not keyed", mc_op_kind_name(op->kind), op->name, in->s.name);
        return;
    }
    if (!f->keying_known || !f->keyed || !f->key_typed || !other.key_typed
        || same_type(&f->key, &other.key)) {
        check_placement(c, op, op->other_loc, in, f);
        return;
    }
    mc_error(c->diag, op->other_loc, "%s '%s' needs streams keyed alike: stream '%s' is %s, the "
             "chain's records are %s", mc_op_kind_name(op->kind), op->name, in->s.name,
             describe_keying(c, &other), describe_keying(c, f));
}

/* interval_join ... between(LO, FIELD): FIELD is an i64 field of the chain's records (a time:
 * each left record's own upper bound). */
static void check_until_field(checker *c, const mc_op *op, const flow *f)
{
    if (!f->typed)
        return;
    const mc_field *field = f->type.kind == MC_T_RECORD && f->type.decl != NULL
                                ? find_field(f->type.decl, op->until_field)
                                : NULL;
    if (field == NULL)
        mc_error(c->diag, op->until_loc, "the upper bound '%s' must be a number or an i64 field "
                 "of the joined records (%s has no such field)", op->until_field,
                 f->type.kind == MC_T_RECORD ? type_name(&f->type) : "a scalar");
    else if (field->type.kind != MC_T_I64)
        mc_error(c->diag, op->until_loc, "the upper bound '%s' must be a time, an i64 field; it "
                 "is %s", op->until_field, type_name(&field->type));
}

/* window_join NAME: OUT tumbling(S) with R { ... } and interval_join NAME: OUT with R
 * between(LO, HI) { ... }: both sides keyed by one key type (their values may differ); R is
 * found like a union's streams (defined earlier, not the chain's own input when the join
 * comes first); S >= 1, LO <= HI. The output type is resolved with the other declared ones. */
static void check_join(checker *c, size_t index, mc_op *op, bool first, const flow *f)
{
    require_keyed(c, op, f);
    if (op->kind == MC_OP_WINDOW_JOIN) {
        int64_t size;
        int_arg(c, op->wargs[0], 1, "the window size", &size);
    } else if (op->until_field != NULL) {
        int64_t lo;
        int_arg(c, op->wargs[0], INT64_MIN, "the lower bound", &lo);
        check_until_field(c, op, f);
    } else {
        int64_t lo, hi;
        bool lo_ok = int_arg(c, op->wargs[0], INT64_MIN, "the lower bound", &lo);
        if (int_arg(c, op->wargs[1], INT64_MIN, "the upper bound", &hi) && lo_ok && lo > hi)
            mc_error(c->diag, op->window_loc, "the lower bound (%" PRId64 ") must not be larger "
                     "than the upper bound (%" PRId64 ")", lo, hi);
    }
    mc_chain *chain = c->prog->chains[index];
    check_stream *in = find_input(c, index, op->other, op->other_loc);
    if (in == NULL)
        return;
    if (first && &in->s == chain->input) {
        mc_error(c->diag, op->other_loc, "%s '%s' joins stream '%s' with itself",
                 mc_op_kind_name(op->kind), op->name, op->other);
        mc_note(c->diag, chain->input_loc, "the chain reads '%s' already (clone it to join it "
                "with itself)", op->other);
        return;
    }
    op->other_in = &in->s;
    MC_POOL_PUSH(&c->prog->pool, in->s.joins, in->s.njoins, op);
    check_join_keying(c, op, in, f);
}

/* Checks one operator of chain number index (the i-th) against the records reaching it, *f,
 * which becomes the records leaving it. */
static void check_op(checker *c, size_t index, size_t i, mc_op *op, flow *f)
{
    if (f->typed)
        op->in_type = f->type;
    op->in_keyed = f->keyed;
    op->in_key = f->key;
    op->in_keyer = f->keyer;
    switch (op->kind) {
    case MC_OP_KEY_BY:
    case MC_OP_KEY_LOCAL:
        f->keying_known = true;
        f->keyed = true;
        f->key_typed = resolve_type(c, &op->key_type);
        f->key = op->key_type;
        f->keyer = op;
        break;
    case MC_OP_STATEFUL_MAP:
    case MC_OP_STATEFUL_OP:
    case MC_OP_TTL_MAP:
        check_stateful(c, op, f);
        check_helper_calls(c, op);
        break;
    case MC_OP_FLAT_MAP:
        check_helper_calls(c, op);
        break;
    case MC_OP_EPOCHS:
        check_epochs(c, op, f);
        break;
    case MC_OP_WINDOW:
        check_window(c, op, f);
        return; /* its output type is its own, not a declared one */
    case MC_OP_WINDOW_JOIN:
    case MC_OP_INTERVAL_JOIN:
        check_join(c, index, op, i == 0, f);
        break;
    case MC_OP_UNION:
        check_union(c, index, op, i == 0, f);
        break;
    case MC_OP_CLONE:
    case MC_OP_SPLIT:
        check_fan_out(c, op, f);
        break;
    case MC_OP_SINK:
        if (op->sink == MC_SINK_CUSTOM)
            check_custom_sink(c, op);
        break;
    default:
        break;
    }
    if (op->has_out_type) {
        f->typed = resolve_type(c, &op->out_type) && f->typed;
        f->type = op->out_type;
    }
}

/* Walks the operators of chain number index, f being the records entering it and becoming
 * those leaving it. Returns the operator that ends the chain (sink, clone or split), if any. */
static const mc_op *check_ops(checker *c, size_t index, flow *f)
{
    mc_chain *chain = c->prog->chains[index];
    const mc_op *end = NULL;
    for (size_t i = 0; i < chain->nops; i++) {
        mc_op *op = chain->ops[i];
        check_op_name(c, op);
        check_op(c, index, i, op, f);
        if (ends_chain(op) && end == NULL) {
            end = op;
            if (i + 1 < chain->nops)
                mc_error(c->diag, op->loc, "%s '%s' must be the last operator of its chain",
                         mc_op_kind_name(op->kind), op->name);
        }
    }
    return end;
}

/* Where a chain's records go: a sink, a clone or split's streams, or a name that another
 * chain reads. */
static void check_chain_end(checker *c, mc_chain *chain, const mc_op *end)
{
    if (end != NULL && chain->result != NULL) {
        mc_error(c->diag, chain->result_loc, "stream '%s' would be empty: its chain ends in "
                 "%s '%s'", chain->result, mc_op_kind_name(end->kind), end->name);
        if (chain->out != NULL)
            check_stream_of(chain->out)->mentioned = true; /* "never used" would be noise */
    } else if (end == NULL && chain->result == NULL) {
        mc_loc last = chain->nops > 0 ? chain->ops[chain->nops - 1]->loc : chain->input_loc;
        mc_loc stop = { chain->loc.off + chain->loc.len - 1, 1 };
        mc_error(c->diag, last, "stream ends without a sink");
        mc_note(c->diag, stop, "end it with '|> sink NAME = stdout' (or '= null' to discard its "
                "records), or name it with 'stream NAME = ...'");
    }
}

static void check_chain(checker *c, size_t index)
{
    mc_chain *chain = c->prog->chains[index];
    check_stream *in = resolve_input(c, index);
    flow f = in != NULL ? stream_flow(in) : (flow){ .type = { .kind = MC_T_RECORD } };
    const mc_op *end = check_ops(c, index, &f);
    check_chain_end(c, chain, end);
    if (chain->out != NULL && end == NULL)
        set_stream_flow(check_stream_of(chain->out), &f);
}

/* ---- files ---------------------------------------------------------------------------------- */

/* path with "." components and repeated slashes dropped ("./out.csv" and "out.csv" are one
 * file; "a/../b" is left alone, as "a" may be a symbolic link). Other spellings of one file
 * (links, absolute paths) are the generated program's to find, by device and inode. */
static const char *plain_path(checker *c, const char *path)
{
    size_t n = strlen(path);
    char *out = mc_pool_alloc(&c->prog->pool, n + 1);
    size_t len = 0;
    if (path[0] == '/')
        out[len++] = '/';
    for (const char *p = path; *p != '\0';) {
        size_t part = strcspn(p, "/");
        bool dot = part == 1 && p[0] == '.';
        if (part > 0 && !dot) {
            if (len > 0 && out[len - 1] != '/')
                out[len++] = '/';
            memcpy(out + len, p, part);
            len += part;
        }
        p += part + (p[part] == '/');
    }
    out[len] = '\0';
    return len > 0 ? out : ".";
}

/* A path written in a source or sink must name a file: a NUL byte would cut it short. */
static bool check_path_bytes(checker *c, const char *path, size_t len, mc_loc loc)
{
    if (strlen(path) == len)
        return true;
    mc_error(c->diag, loc, "a file name cannot hold a NUL byte");
    return false;
}

/* The first source whose paths name the same file as plain (a plain_path), or NULL; *loc is
 * where that path is written. */
static const mc_source *find_read(checker *c, const char *plain, mc_loc *loc)
{
    for (size_t i = 0; i < c->prog->nsources; i++) {
        const mc_source *src = c->prog->sources[i];
        for (size_t k = 0; k < src->npaths; k++) {
            if (strcmp(plain_path(c, src->paths[k]), plain) == 0) {
                *loc = src->path_locs[k];
                return src;
            }
        }
    }
    return NULL;
}

/* Every file is read or written by one side only, and written by one sink at most: two sinks
 * on one file interleave their records, and a sink on its own input truncates it before it is
 * read. Run after the chains, when c->ops holds every operator in file order. */
static void check_files(checker *c)
{
    for (size_t i = 0; i < c->prog->nsources; i++) {
        const mc_source *src = c->prog->sources[i];
        for (size_t k = 0; k < src->npaths; k++)
            check_path_bytes(c, src->paths[k], src->path_lens[k], src->path_locs[k]);
    }
    const mc_op **writers = NULL;
    size_t nwriters = 0;
    for (size_t i = 0; i < c->nops; i++) {
        const mc_op *op = c->ops[i];
        if (op->kind != MC_OP_SINK || op->path == NULL ||
            !check_path_bytes(c, op->path, op->path_len, op->path_loc))
            continue;
        const char *plain = plain_path(c, op->path);
        mc_loc at;
        const mc_source *src = find_read(c, plain, &at);
        if (src != NULL) {
            mc_error(c->diag, op->path_loc, "sink '%s' would overwrite '%s' while source '%s' "
                     "reads it", op->name, op->path, src->name);
            mc_note(c->diag, at, "read here");
            continue;
        }
        for (size_t k = 0; k < nwriters; k++) {
            if (strcmp(plain_path(c, writers[k]->path), plain) == 0) {
                mc_error(c->diag, op->path_loc, "sinks '%s' and '%s' both write '%s'",
                         writers[k]->name, op->name, op->path);
                mc_note(c->diag, writers[k]->path_loc, "first written here");
                break;
            }
        }
        MC_POOL_PUSH(&c->prog->pool, writers, nwriters, op);
    }
}

static void check_unused_streams(checker *c)
{
    for (size_t i = 0; i < c->prog->nstreams; i++) {
        mc_stream *s = c->prog->streams[i];
        if (s->nconsumers == 0 && !check_stream_of(s)->mentioned)
            mc_error(c->diag, s->loc, "stream '%s' is never used", s->name);
    }
}

bool mc_check(mc_program *prog, mc_diag *diag)
{
    checker c = { .prog = prog, .diag = diag };
    int errors_before = diag->errors;
    check_job(&c);
    add_nexmark_types(&c);
    check_types(&c);
    add_dead_letter_type(&c);
    check_sources(&c);
    define_streams(&c);
    for (size_t i = 0; i < prog->nchains; i++)
        check_chain(&c, i);
    check_files(&c);
    check_unused_streams(&c);
    return diag->errors == errors_before;
}
