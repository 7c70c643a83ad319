/*
 * fuzz_codec.c - fuzz harness: any bytes as encoded records (runtime/mstr_codec.h).
 *
 * The bytes are read twice:
 *
 *   values   as a little program for the runtime's reader: each step reads an opcode byte, then
 *            one value of the kind it names (fixed width of 1, 2, 4 or 8 bytes, varint, string,
 *            f32, f64). The reader must never move backwards or past the end; after an error
 *            it must sit at the end and give zeros. Each value read is written again with the
 *            writer of its kind and must read back the same (a varint may come back shorter:
 *            non-minimal forms are accepted on reading), and each float must print, in all
 *            three sink shapes, as text that reads back as the same bits (NaN and the
 *            infinities as their words).
 *   records  as an exchange batch of tests/fuzz/record.mstr's key_by (an Inner key, an All
 *            value and a timestamp per record), decoded with the generated dec_ functions the
 *            way the generated exchange receiver does: until the end, or until r.error. Every
 *            string decoded must lie inside the input. Each record is encoded again by both
 *            generated encoders (enc_, and encp_ into claimed space), which must agree with
 *            each other and with enclen_; decodes again to an equal record; has the key hash of
 *            its encoding (mstr_hash.h); and is printed in the Debug, CSV and JSON shapes.
 *
 * The generated C comes from `mstrc emit tests/fuzz/record.mstr` (see tests/fuzz/fuzz.mk) and is
 * included here with its main renamed, so its static functions are in reach.
 *
 * Built with libFuzzer by `make fuzz`, and with tests/fuzz/replay.c into the normal test suite.
 */
#include "record.gen.c"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Stops the run with a message: libFuzzer (and the replay driver) report it as a crash. */
static void require(bool ok, const char *what)
{
    if (!ok) {
        fprintf(stderr, "fuzz_codec: %s\n", what);
        abort();
    }
}

/* A writer that discards what it flushes: printed text is read from its buffer, then dropped. */
static mstr_out *scratch_out(void)
{
    static mstr_out o;
    if (o.buf == NULL)
        mstr_out_init_fd(&o, -1, "fuzz");
    mstr_out_flush(&o);
    return &o;
}

/* ---- values ---------------------------------------------------------------------------- */

typedef enum value_kind {
    V_LE1, V_LE2, V_LE4, V_LE8, V_VARINT, V_STR, V_F32, V_F64, V_KINDS
} value_kind;

/* The three shapes a sink prints a float in, and what each prints for the values that have no
 * digits. */
typedef struct float_shape {
    const char *name;
    void (*put_f64)(mstr_out *, double);
    void (*put_f32)(mstr_out *, float);
    const char *nan, *inf, *minus_inf;
} float_shape;

static const float_shape FLOAT_SHAPES[] = {
    { "Debug", mstr_out_debug_f64, mstr_out_debug_f32, "NaN", "inf", "-inf" },
    { "CSV", mstr_out_csv_f64, mstr_out_csv_f32, "NaN", "inf", "-inf" },
    { "JSON", mstr_out_json_f64, mstr_out_json_f32, "null", "null", "null" },
};

/* Whether text reads back as exactly v (as_float: through strtof, as f32 fields are read). */
static bool reads_back(const char *text, double v, bool as_float)
{
    char *end;
    if (as_float) {
        float f = strtof(text, &end), want = (float)v;
        return *end == '\0' && memcmp(&f, &want, sizeof f) == 0;
    }
    double d = strtod(text, &end);
    return *end == '\0' && memcmp(&d, &v, sizeof d) == 0;
}

/* Prints v in each shape: a finite value must read back exactly, the others as the shape's
 * word for them. */
static void check_float_text(double v, bool as_float)
{
    mstr_out *o = scratch_out();
    for (size_t i = 0; i < sizeof FLOAT_SHAPES / sizeof FLOAT_SHAPES[0]; i++) {
        const float_shape *shape = &FLOAT_SHAPES[i];
        if (as_float)
            shape->put_f32(o, (float)v);
        else
            shape->put_f64(o, v);
        char text[128];
        require(o->len < sizeof text, "a float printed too long");
        memcpy(text, o->buf, o->len);
        text[o->len] = '\0';
        mstr_out_flush(o);
        bool ok = isnan(v)   ? strcmp(text, shape->nan) == 0
                  : isinf(v) ? strcmp(text, v > 0 ? shape->inf : shape->minus_inf) == 0
                             : reads_back(text, v, as_float);
        if (!ok) {
            fprintf(stderr, "fuzz_codec: %s float %.17g printed as \"%s\"\n", shape->name, v,
                    text);
            abort();
        }
    }
}

/* Writes the value of kind k (its bits in u, or s for strings) and reads it back. */
static void check_rewrite(value_kind k, uint64_t u, mstr_str s, size_t consumed)
{
    static const size_t widths[] = { [V_LE1] = 1, [V_LE2] = 2, [V_LE4] = 4, [V_LE8] = 8,
                                     [V_F32] = 4, [V_F64] = 8 };
    mstr_wbuf b = { 0 };
    if (k == V_VARINT)
        mstr_put_varint(&b, u);
    else if (k == V_STR)
        mstr_put_str(&b, s);
    else
        mstr_put_le(&b, u, widths[k]);
    require(k == V_VARINT || k == V_STR ? b.len <= consumed : b.len == consumed,
            "a value is written longer than it was read");
    mstr_rbuf r = { b.data, b.data + b.len, false };
    if (k == V_VARINT) {
        require(mstr_get_varint(&r) == u, "a varint does not read back as itself");
    } else if (k == V_STR) {
        mstr_str again = mstr_get_str(&r);
        require(mstr_str_eq(again, s), "a string does not read back as itself");
    } else {
        require(mstr_get_le(&r, widths[k]) == u, "a fixed-width value does not read back");
    }
    require(!r.error && r.p == r.end, "a value rewritten does not read back whole");
    mstr_wbuf_free(&b);
}

/* Reads one value of kind k; returns its bits (or its length, for a string, kept in *s). */
static uint64_t read_value(mstr_rbuf *r, value_kind k, mstr_str *s)
{
    switch (k) {
    case V_LE1: return mstr_get_le(r, 1);
    case V_LE2: return mstr_get_le(r, 2);
    case V_LE4: return mstr_get_le(r, 4);
    case V_LE8: return mstr_get_le(r, 8);
    case V_VARINT: return mstr_get_varint(r);
    case V_STR: *s = mstr_get_str(r); return s->len;
    case V_F32: {
        float f = mstr_get_f32(r);
        uint32_t bits;
        memcpy(&bits, &f, sizeof bits);
        return bits;
    }
    case V_F64: {
        double d = mstr_get_f64(r);
        uint64_t bits;
        memcpy(&bits, &d, sizeof bits);
        return bits;
    }
    case V_KINDS: break;
    }
    abort();
}

/* After an error, every read gives zero and leaves the reader at the end. */
static void check_stuck(mstr_rbuf *r)
{
    require(r->p == r->end, "the reader is not at the end after an error");
    for (value_kind k = 0; k < V_KINDS; k++) {
        mstr_str s = { "", 0 };
        require(read_value(r, k, &s) == 0 && r->error && r->p == r->end,
                "a read after an error gives something");
    }
}

static void check_values(const uint8_t *data, size_t size)
{
    mstr_rbuf r = { data, data + size, false };
    while (r.p < r.end) {
        value_kind k = (value_kind)(mstr_get_le(&r, 1) % V_KINDS);
        const unsigned char *before = r.p;
        mstr_str s = { "", 0 };
        uint64_t u = read_value(&r, k, &s);
        require(r.p >= before && r.p <= r.end, "the reader moved outside its buffer");
        if (r.error) {
            require(u == 0 && s.len == 0, "a failed read gives something");
            check_stuck(&r);
            return;
        }
        if (k == V_STR)
            require(s.ptr >= (const char *)before && s.ptr + s.len <= (const char *)r.end,
                    "a string is not inside the buffer");
        check_rewrite(k, u, s, (size_t)(r.p - before));
        if (k == V_F32) {
            uint32_t bits = (uint32_t)u;
            float f;
            memcpy(&f, &bits, sizeof f);
            check_float_text(f, true);
        } else if (k == V_F64) {
            double d;
            memcpy(&d, &u, sizeof d);
            check_float_text(d, false);
        }
    }
}

/* ---- generated records ----------------------------------------------------------------- */

static bool inside(mstr_str s, const uint8_t *data, size_t size)
{
    return s.len == 0 ||
           (s.ptr >= (const char *)data && s.ptr + s.len <= (const char *)data + size);
}

static bool strings_inside(const Inner *k, const All *v, const uint8_t *data, size_t size)
{
    return inside(k->tag, data, size) && inside(v->name, data, size) &&
           inside(v->inner.tag, data, size) && inside(v->note, data, size);
}

/* The hash of an encoding, computed from its bytes: what keyhash_ must give. */
static uint64_t hash_of_encoding(const mstr_wbuf *b)
{
    return mstr_hash_bytes(b->data, b->len);
}

static void check_record(const Inner *k, const All *v, int64_t ts)
{
    mstr_wbuf b = { 0 }, claimed = { 0 };
    enc_Inner(&b, k);
    enc_All(&b, v);
    mstr_put_le(&b, (uint64_t)ts, 8);
    size_t len = enclen_Inner(k) + enclen_All(v) + 8;
    require(b.len == len, "enc_ and enclen_ disagree about a record's length");
    unsigned char *p = mstr_wbuf_claim(&claimed, len);
    p = encp_All(encp_Inner(p, k), v);
    mstr_store_le(p, (uint64_t)ts, 8);
    require(memcmp(b.data, claimed.data, len) == 0, "enc_ and encp_ encode a record differently");

    mstr_rbuf r = { b.data, b.data + b.len, false };
    Inner k2;
    All v2;
    dec_Inner(&r, &k2);
    dec_All(&r, &v2);
    int64_t ts2 = (int64_t)mstr_get_le(&r, 8);
    require(!r.error && r.p == r.end, "a record encoded again does not decode whole");
    require(eq_Inner(k, &k2) && eq_All(v, &v2) && ts == ts2,
            "a record encoded again decodes to another record");
    require(hash_All(v) == hash_All(&v2), "equal records have different checksums");

    mstr_wbuf key = { 0 };
    enc_Inner(&key, k);
    require(keyhash_Inner(k) == hash_of_encoding(&key), "a key's hash is not its encoding's");
    mstr_wbuf value = { 0 };
    enc_All(&value, v);
    require(keyhash_All(v) == hash_of_encoding(&value), "a record's hash is not its encoding's");

    mstr_out *o = scratch_out();
    fmt_debug_Inner(o, k);
    fmt_debug_All(o, v);
    fmt_csv_All(o, v);
    fmt_json_All(o, v);
    mstr_out_flush(o);

    mstr_wbuf_free(&b);
    mstr_wbuf_free(&claimed);
    mstr_wbuf_free(&key);
    mstr_wbuf_free(&value);
}

/* Decodes data as exchange_by_inner_receive does (the count of records, which the batch
 * header gives the receiver, is whatever fits here). */
static void check_records(const uint8_t *data, size_t size)
{
    mstr_rbuf r = { data, data + size, false };
    while (r.p < r.end) {
        Inner k;
        All v;
        dec_Inner(&r, &k);
        dec_All(&r, &v);
        int64_t ts = (int64_t)mstr_get_le(&r, 8);
        require(r.p <= r.end, "the decoder moved past the end");
        if (r.error)
            break;
        require(strings_inside(&k, &v, data, size), "a decoded string is not inside the input");
        check_record(&k, &v, ts);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    check_values(data, size);
    check_records(data, size);
    return 0;
}
