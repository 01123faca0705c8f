/* Several columns in one pass (0.7: mapscan_options' field list or "all",
 * channels, raw columns NAME:TYPE[@OFFSET]) against the one-column scan of
 * each column, which the other suites test against references: every
 * column's result must be that scan's, bit for bit (the statistics, the
 * floats' exact sums, var and std and their squares, argmin and argmax,
 * quantiles, histograms). A record's column is the scan of records with
 * the column's type, byte order and offset; a structured .npy's field the
 * scan of that field; a Fortran-order array's channel the scan of the part
 * of its run the offset and length cover, its positions counted from the
 * run's start. Then: every backend, memory, streams, threads and kernels;
 * many columns, large records, batches that cross records; empty inputs;
 * split scans meeting through the sync hook; specs refused; copies and
 * merges; an older caller's result. */
#include "reference.h"

#include <criterion/criterion.h>
#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#define TYPES MAPSCAN_TYPE_COUNT
static const char *const kernel_names[] = { "scalar", "avx2", "avx512" };
#define KERNELS (sizeof kernel_names / sizeof kernel_names[0])

static size_t size_of(mapscan_type t) { return mapscan_type_size(t); }
static bool same_bits(double a, double b) { return memcmp(&a, &b, sizeof a) == 0; }
static bool same_double(double a, double b) { return same_bits(a, b) || (isnan(a) && isnan(b)); }

/* ---- data ---- */

typedef enum fill {
    FILL_BITS,      /* every bit pattern: NaN and infinities too */
    FILL_FINITE,    /* floats finite (a histogram without a range needs them) */
    FILL_FEW        /* five finite values per column: ties for positions, duplicates for quantiles */
} fill;

static uint64_t exponent_mask(mapscan_type t)
{
    switch (t) {
    case MAPSCAN_F16: return 0x7c00;
    case MAPSCAN_BF16: return 0x7f80;
    case MAPSCAN_F32: return 0x7f800000;
    case MAPSCAN_F64: return 0x7ff0000000000000;
    default: return 0;
    }
}

static uint64_t value_bits(mapscan_type t, fill how, uint64_t *state, const uint64_t *palette)
{
    uint64_t bits = test_random(state);
    if (how == FILL_FEW)
        bits = palette[bits % 5];
    size_t size = size_of(t);
    if (size < 8)
        bits &= ((uint64_t)1 << (8 * size)) - 1;
    uint64_t mask = exponent_mask(t);
    if (how != FILL_BITS && mask && (bits & mask) == mask)
        bits &= ~(mask & ~(mask >> 1));     /* the exponent's top bit off: finite */
    return bits;
}

static void store_bits(unsigned char *p, mapscan_type t, bool big, uint64_t bits)
{
    size_t n = size_of(t);
    for (size_t i = 0; i < n; i++)
        p[big ? n - 1 - i : i] = (unsigned char)(bits >> (8 * i));
}

/* A column of a record, as the test lays it out. */
typedef struct col {
    mapscan_type t;
    bool big;
    size_t off;
} col;

/* nrec records: random bytes, then each column's values. */
static void fill_records(unsigned char *buf, size_t nrec, size_t record, const col *cols, size_t ncols, fill how,
                         uint64_t *state)
{
    for (size_t i = 0; i < nrec * record; i++)
        buf[i] = (unsigned char)test_random(state);
    uint64_t palette[5];
    for (size_t c = 0; c < ncols; c++) {
        for (int k = 0; k < 5; k++)
            palette[k] = test_random(state);
        for (size_t i = 0; i < nrec; i++)
            store_bits(buf + i * record + cols[c].off, cols[c].t, cols[c].big,
                       value_bits(cols[c].t, how, state, palette));
    }
}

/* ---- what is asked ---- */

typedef struct ask {
    unsigned stats;
    uint64_t ddof;
    size_t nq;
    const double *q;
    uint64_t bins;
    bool ranged;
    double lo, hi;
} ask;

static const double some_q[] = { 0, 0.25, 0.5, 1.0 / 3, 0.999, 1 };
static const double two_q[] = { 0.1, 0.9 };
static const double half_q[] = { 0.5 };

static const ask ask_all_ranged = { MAPSCAN_STAT_ALL, 1, 6, some_q, 7, true, -100, 100 };
static const ask ask_unranged = { MAPSCAN_STAT_VAR | MAPSCAN_STAT_ARGMAX, 0, 1, half_q, 5, false, 0, 0 };
static const ask ask_few = { MAPSCAN_STAT_ALL, 0, 2, two_q, 3, false, 0, 0 };
static const ask ask_stats = { MAPSCAN_STAT_ALL, 0, 0, NULL, 0, false, 0, 0 };
static const ask ask_ranged_only = { MAPSCAN_STAT_ALL, 0, 0, NULL, 4, true, -3, 3 };

static void apply(mapscan_options *o, const ask *a)
{
    o->stats = a->stats;
    o->ddof = a->ddof;
    o->nquantiles = a->nq;
    o->quantiles = a->q;
    o->histogram_bins = a->bins;
    o->histogram_range = a->ranged;
    o->range_lo = a->lo;
    o->range_hi = a->hi;
}

/* ---- the oracle: each column's one-column scan ---- */

typedef struct one {
    mapscan_result r;
    uint64_t *counts;
    uint64_t shift;         /* added to its positions: a Fortran column counts from its run's start */
    uint64_t origin;        /* the column's extra.origin */
} one;

typedef struct want {
    size_t n;
    one *col;
} want;

/* The one-column scan of len bytes of memory: type t in records of record
 * bytes at field, from offset for length bytes. */
static one one_memory(const unsigned char *data, size_t len, mapscan_type t, bool big, size_t record, size_t field,
                      uint64_t offset, uint64_t length, const ask *a)
{
    mapscan_options o;
    mapscan_options_init(&o);
    o.type = t;
    o.endian = big ? MAPSCAN_BIG : MAPSCAN_LITTLE;
    if (record != size_of(t)) {
        o.record_size = record;
        o.field_offset = field;
    }
    o.offset = offset;
    o.length = length;
    o.threads = len > (1 << 20) ? 2 : 1;
    apply(&o, a);
    one x;
    memset(&x, 0, sizeof x);
    x.counts = calloc(a->bins + 1, sizeof *x.counts);
    o.histogram_counts = a->bins ? x.counts : NULL;
    mapscan_error e;
    mapscan_status s = mapscan_scan_memory(data, len, &o, &x.r, &e);
    cr_assert_eq(s, MAPSCAN_OK, "the one-column scan (%s at %zu of %zu-byte records, from %llu): %s",
                 mapscan_type_name(t), field, record, (unsigned long long)offset, e.message);
    cr_assert_eq(x.r.ncolumns, 0);
    x.origin = record ? offset / record : 0;
    return x;
}

/* Records: each column's scan of the same records. */
static want want_records(const unsigned char *data, size_t len, size_t record, const col *cols, size_t ncols,
                         uint64_t offset, uint64_t length, const ask *a)
{
    want w = { ncols, calloc(ncols, sizeof(one)) };
    for (size_t c = 0; c < ncols; c++)
        w.col[c] = one_memory(data, len, cols[c].t, cols[c].big, record, cols[c].off, offset, length, a);
    return w;
}

/* A Fortran-order array of nch channels of rows elements each: channel c
 * is the part of its run [c * rows, (c + 1) * rows) that the units [offset,
 * offset + length) cover. */
static want want_fortran(const unsigned char *data, mapscan_type t, bool big, uint64_t rows, size_t nch,
                         uint64_t offset, uint64_t length, const ask *a)
{
    size_t elem = size_of(t);
    uint64_t end = length > rows * nch - offset ? rows * nch : offset + length;
    want w = { nch, calloc(nch, sizeof(one)) };
    for (size_t c = 0; c < nch; c++) {
        uint64_t lo = c * rows, hi = lo + rows;
        uint64_t from = offset > lo ? offset : lo, to = end < hi ? end : hi;
        if (to <= from)
            w.col[c] = one_memory(data, 0, t, big, elem, 0, 0, 0, a);
        else
            w.col[c] = one_memory(data, rows * nch * elem, t, big, elem, 0, from * elem, (to - from) * elem, a);
        w.col[c].shift = to > from ? from - lo : 0;
        w.col[c].origin = 0;
    }
    return w;
}

static void want_free(want *w)
{
    for (size_t c = 0; c < w->n; c++)
        free(w->col[c].counts);
    free(w->col);
    w->col = NULL;
}

static uint64_t counted(const mapscan_result *r)
{
    return mapscan_type_is_float(r->type) ? r->stats.count - r->floats.nan : r->stats.count;
}

/* have (a column's result) against want (its one-column scan), positions
 * shifted by shift. */
static void expect_column(const mapscan_result *have, const mapscan_result *want_r, uint64_t shift, const char *what)
{
    cr_assert_eq(have->type, want_r->type, "%s: type %s, want %s", what, mapscan_type_name(have->type),
                 mapscan_type_name(want_r->type));
    if (size_of(want_r->type) > 1)
        cr_assert_eq(mapscan_endian_resolve(have->endian), mapscan_endian_resolve(want_r->endian), "%s: byte order",
                     what);
    const mapscan_stats *a = &have->stats, *b = &want_r->stats;
    cr_assert_eq(a->count, b->count, "%s: count %llu, want %llu", what, (unsigned long long)a->count,
                 (unsigned long long)b->count);
    if (b->count) {
        char x[41], y[41];
        cr_assert(memcmp(&a->min, &b->min, sizeof a->min) == 0, "%s: min %s, want %s", what,
                  mapscan_int128_format(a->min, x), mapscan_int128_format(b->min, y));
        cr_assert(memcmp(&a->max, &b->max, sizeof a->max) == 0, "%s: max %s, want %s", what,
                  mapscan_int128_format(a->max, x), mapscan_int128_format(b->max, y));
        cr_assert(memcmp(&a->sum, &b->sum, sizeof a->sum) == 0, "%s: sum %s, want %s", what,
                  mapscan_int128_format(a->sum, x), mapscan_int128_format(b->sum, y));
    }
    if (mapscan_type_is_float(want_r->type)) {
        const mapscan_float_stats *f = &have->floats, *g = &want_r->floats;
        cr_assert_eq(f->nan, g->nan, "%s: nan", what);
        cr_assert(same_bits(f->min, g->min), "%s: min %a, want %a", what, f->min, g->min);
        cr_assert(same_bits(f->max, g->max), "%s: max %a, want %a", what, f->max, g->max);
        cr_assert(same_double(f->sum, g->sum), "%s: sum %a, want %a", what, f->sum, g->sum);
        cr_assert(same_double(f->mean, g->mean), "%s: mean %a, want %a", what, f->mean, g->mean);
        cr_assert(memcmp(f->exact.word, g->exact.word, sizeof f->exact.word) == 0, "%s: exact sum words", what);
        cr_assert(f->exact.pos_inf == g->exact.pos_inf && f->exact.neg_inf == g->exact.neg_inf,
                  "%s: exact sum's infinities", what);
    }
    const mapscan_extra_stats *x = &have->extra, *y = &want_r->extra;
    cr_assert_eq(x->computed, y->computed, "%s: computed 0x%x, want 0x%x", what, x->computed, y->computed);
    if (y->computed & MAPSCAN_STAT_VAR) {
        cr_assert_eq(x->ddof, y->ddof, "%s: ddof", what);
        cr_assert(same_double(x->var, y->var), "%s: var %a, want %a", what, x->var, y->var);
        cr_assert(same_double(x->std, y->std), "%s: std %a, want %a", what, x->std, y->std);
        cr_assert(memcmp(x->squares.word, y->squares.word, sizeof x->squares.word) == 0, "%s: squares", what);
        cr_assert_eq(x->squares.inf, y->squares.inf, "%s: squares' infinity", what);
    }
    uint64_t by = counted(want_r) ? shift : 0;
    if (y->computed & MAPSCAN_STAT_ARGMIN)
        cr_assert_eq(x->argmin, y->argmin + by, "%s: argmin %llu, want %llu", what, (unsigned long long)x->argmin,
                     (unsigned long long)(y->argmin + by));
    if (y->computed & MAPSCAN_STAT_ARGMAX)
        cr_assert_eq(x->argmax, y->argmax + by, "%s: argmax %llu, want %llu", what, (unsigned long long)x->argmax,
                     (unsigned long long)(y->argmax + by));
    cr_assert_eq(x->nquantiles, y->nquantiles, "%s: %zu quantiles, want %zu", what, x->nquantiles, y->nquantiles);
    for (size_t i = 0; i < y->nquantiles; i++) {
        cr_assert(same_bits(x->q[i], y->q[i]), "%s: q %zu", what, i);
        cr_assert(same_double(x->quantile[i], y->quantile[i]), "%s: quantile %g is %a, want %a", what, y->q[i],
                  x->quantile[i], y->quantile[i]);
    }
    cr_assert_eq(x->bins, y->bins, "%s: %llu bins, want %llu", what, (unsigned long long)x->bins,
                 (unsigned long long)y->bins);
    if (y->bins) {
        cr_assert_eq(x->ranged, y->ranged, "%s: ranged", what);
        cr_assert(same_bits(x->lo, y->lo) && same_bits(x->hi, y->hi), "%s: edges %a..%a, want %a..%a", what, x->lo,
                  x->hi, y->lo, y->hi);
        cr_assert_not_null(x->counts, "%s: no counts", what);
        for (uint64_t i = 0; i < y->bins; i++)
            cr_assert_eq(x->counts[i], y->counts[i], "%s: bin %llu holds %llu, want %llu", what,
                         (unsigned long long)i, (unsigned long long)x->counts[i], (unsigned long long)y->counts[i]);
        cr_assert(x->below == y->below && x->above == y->above, "%s: below %llu above %llu, want %llu %llu", what,
                  (unsigned long long)x->below, (unsigned long long)x->above, (unsigned long long)y->below,
                  (unsigned long long)y->above);
    }
}

/* Every column of r against w. */
static void expect_want(const mapscan_result *r, const want *w, const char *what)
{
    cr_assert_eq(r->ncolumns, w->n, "%s: %zu columns, want %zu", what, r->ncolumns, w->n);
    cr_assert_not_null(r->columns, "%s: no columns", what);
    cr_assert_eq(r->stats.count, 0, "%s: the scan's own result has no statistics", what);
    cr_assert_eq(r->extra.computed, 0, "%s: nor extra ones", what);
    for (size_t c = 0; c < w->n; c++) {
        char where[400];
        snprintf(where, sizeof where, "%.200s, column %zu '%.60s'", what, c, r->columns[c].column);
        expect_column(&r->columns[c], &w->col[c].r, w->col[c].shift, where);
        cr_assert_eq(r->columns[c].extra.origin, w->col[c].origin, "%s: origin %llu, want %llu", where,
                     (unsigned long long)r->columns[c].extra.origin, (unsigned long long)w->col[c].origin);
        cr_assert_eq(r->columns[c].extra.origin_whole, w->col[c].r.extra.origin_whole, "%s: origin_whole", where);
        cr_assert_eq(r->columns[c].ncolumns, 0);
        cr_assert_null(r->columns[c].columns);
    }
}

/* ---- files ---- */

/* A version 1.0 .npy header for dict, padded to 64 bytes, into buf. */
static size_t npy_header(unsigned char *buf, const char *dict)
{
    size_t text = strlen(dict), total = 10 + text + 1;
    size_t padded = (total + 63) / 64 * 64;
    memcpy(buf, "\x93NUMPY\x01\x00", 8);
    size_t hlen = padded - 10;
    buf[8] = (unsigned char)hlen;
    buf[9] = (unsigned char)(hlen >> 8);
    memcpy(buf + 10, dict, text);
    memset(buf + 10 + text, ' ', padded - total);
    buf[padded - 1] = '\n';
    return padded;
}

/* A .npy file of dict and len bytes of data; the header's size in *header. */
static void npy_file(char *path, size_t path_len, const char *dict, const void *data, size_t len, size_t *header)
{
    unsigned char *buf = malloc(len + strlen(dict) + 128);
    size_t h = npy_header(buf, dict);
    if (len)
        memcpy(buf + h, data, len);
    write_temp_file(path, path_len, buf, h + len);
    free(buf);
    if (header)
        *header = h;
}

static mapscan_result scan_path_ok(const char *path, const mapscan_options *o, const char *what)
{
    mapscan_result r;
    mapscan_error e;
    mapscan_status s = mapscan_scan_path(path, o, &r, &e);
    cr_assert_eq(s, MAPSCAN_OK, "%s: status %d: %s", what, (int)s, e.message);
    return r;
}

static mapscan_result scan_memory_ok(const void *data, size_t len, const mapscan_options *o, const char *what)
{
    mapscan_result r;
    mapscan_error e;
    mapscan_status s = mapscan_scan_memory(data, len, o, &r, &e);
    cr_assert_eq(s, MAPSCAN_OK, "%s: status %d: %s", what, (int)s, e.message);
    return r;
}

typedef struct feeder {
    int fd;
    const unsigned char *data;
    size_t len;
} feeder;

static void *feed(void *arg)
{
    feeder *f = arg;
    for (size_t at = 0; at < f->len;) {
        size_t n = f->len - at < 4093 ? f->len - at : 4093;     /* reads end inside records */
        ssize_t w = write(f->fd, f->data + at, n);
        if (w <= 0)
            break;
        at += (size_t)w;
    }
    close(f->fd);
    return NULL;
}

/* The scan of len bytes through a pipe a thread writes. */
static mapscan_status scan_pipe(const unsigned char *data, size_t len, const mapscan_options *o, mapscan_result *r,
                                mapscan_error *e)
{
    signal(SIGPIPE, SIG_IGN);
    int fds[2];
    cr_assert_eq(pipe(fds), 0);
    feeder f = { fds[1], data, len };
    pthread_t writer;
    cr_assert_eq(pthread_create(&writer, NULL, feed, &f), 0);
    mapscan_status s = mapscan_scan_fd(fds[0], o, r, e);
    close(fds[0]);
    pthread_join(writer, NULL);
    return s;
}

/* ---- column specs ---- */

static const char *const numpy_name[TYPES] = { "int8", "uint8", "int16", "uint16", "int32", "uint32", "int64",
                                               "uint64", "float16", "bfloat16", "float32", "float64" };
static const char *const kind_code[TYPES] = { "i1", "u1", "i2", "u2", "i4", "u4", "i8", "u8", "f2", NULL, "f4",
                                              "f8" };

/* The type as a column spec spells it, in one of several ways. */
static const char *spell(mapscan_type t, bool big, unsigned variant, char buf[32])
{
    if (size_of(t) == 1) {
        switch (variant % 3) {
        case 0: return mapscan_type_name(t);
        case 1: return numpy_name[t];
        default: snprintf(buf, 32, "|%s", kind_code[t]); return buf;
        }
    }
    if (!big && variant % 3 == 0)
        return mapscan_type_name(t);      /* no byte order: little */
    if (variant % 2 == 0 || !kind_code[t])
        snprintf(buf, 32, "%c%s", big ? '>' : '<', numpy_name[t]);
    else
        snprintf(buf, 32, "%c%s", big ? '>' : '<', kind_code[t]);
    return buf;
}

/* "c0:TYPE[@OFF],..." for cols (an offset written where at[c]). */
static char *spec_of(const col *cols, size_t n, const bool *at, const char *prefix)
{
    size_t room = n * 48 + 1;
    char *s = malloc(room), tbuf[32];
    size_t used = 0;
    s[0] = '\0';
    for (size_t c = 0; c < n; c++) {
        used += (size_t)snprintf(s + used, room - used, "%s%s%zu:%s", c ? "," : "", prefix, c,
                                 spell(cols[c].t, cols[c].big, (unsigned)c, tbuf));
        if (at && at[c])
            used += (size_t)snprintf(s + used, room - used, "@%zu", cols[c].off);
    }
    return s;
}

static void expect_names(const mapscan_result *r, const char *prefix, const char *what)
{
    for (size_t c = 0; c < r->ncolumns; c++) {
        char name[64];
        snprintf(name, sizeof name, "%s%zu", prefix, c);
        cr_assert_str_eq(r->columns[c].column, name, "%s: column %zu is '%s'", what, c, r->columns[c].column);
    }
}

/* ---- 1. raw records of columns of every type ---- */

/* The columns' scan of nrec records through memory and a file, with and
 * without an offset and a length, against each column's own scan. */
static void records_case(const col *cols, size_t ncols, size_t record, const char *spec, uint64_t record_size,
                         size_t nrec, fill how, const ask *a_all, uint64_t *state, const char *what)
{
    unsigned char *data = malloc(nrec * record + 1);
    fill_records(data, nrec, record, cols, ncols, how, state);
    char path[64];
    write_temp_file(path, sizeof path, data, nrec * record);
    struct { uint64_t offset, length; } ranges[] = { { 0, UINT64_MAX }, { 7, nrec - 20 }, { nrec, UINT64_MAX },
                                                     { 0, nrec - 1 } };
    for (size_t k = 0; k < 4; k++) {
        uint64_t offset = ranges[k].offset * record;
        uint64_t length = ranges[k].length == UINT64_MAX ? UINT64_MAX : ranges[k].length * record;
        if (k == 3)
            offset = 5;     /* a raw file's records may start anywhere: a header before them */
        const ask *a = k == 1 ? &ask_stats : a_all;     /* each column's passes cost the most: not every range */
        want w = want_records(data, nrec * record, record, cols, ncols, offset, length, a);
        mapscan_options o;
        mapscan_options_init(&o);
        o.columns = spec;
        o.record_size = record_size;
        o.offset = offset;
        o.length = length;
        o.threads = 1 + (unsigned)k;
        apply(&o, a);
        char where[160];
        snprintf(where, sizeof where, "%s, memory, range %zu", what, k);
        mapscan_result r = scan_memory_ok(data, nrec * record, &o, where);
        expect_want(&r, &w, where);
        expect_names(&r, "c", where);
        cr_assert_eq(r.record_size, record, "%s: record %llu", where, (unsigned long long)r.record_size);
        for (size_t c = 0; c < ncols; c++) {
            cr_assert_eq(r.columns[c].field_offset, cols[c].off, "%s: column %zu's offset", where, c);
            cr_assert_eq(r.columns[c].record_size, record);
            cr_assert_eq(r.columns[c].format, MAPSCAN_FORMAT_RAW);
        }
        mapscan_result_free(&r);
        if (k == 0 || k == 3) {     /* a file, from its start and after a header */
            snprintf(where, sizeof where, "%s, file, range %zu", what, k);
            r = scan_path_ok(path, &o, where);
            expect_want(&r, &w, where);
            mapscan_result_free(&r);
        }
        want_free(&w);
    }
    unlink(path);
    free(data);
}

Test(columns, raw_columns_of_every_type_and_byte_order)
{
    uint64_t state = 1;
    col cols[2 * TYPES];
    bool at[2 * TYPES];
    size_t n = 0, off = 0;
    for (int t = 0; t < TYPES; t++)
        for (int big = 0; big < 2; big++) {
            cols[n] = (col){ (mapscan_type)t, big, off };
            off += size_of((mapscan_type)t);
            n++;
        }
    size_t record = off;
    /* packed, one after the other, no offsets written */
    char *spec = spec_of(cols, n, NULL, "c");
    records_case(cols, n, record, spec, 0, 300, FILL_BITS, &ask_all_ranged, &state, "packed");
    records_case(cols, n, record, spec, 0, 200, FILL_FINITE, &ask_unranged, &state, "packed, unranged");
    free(spec);
    /* the record padded */
    spec = spec_of(cols, n, NULL, "c");
    records_case(cols, n, record + 13, spec, record + 13, 250, FILL_FEW, &ask_few, &state, "padded");
    free(spec);
    /* every offset written, in an order of their own, with gaps; padding */
    size_t order[2 * TYPES];
    for (size_t i = 0; i < n; i++)
        order[i] = (i * 7 + 3) % n;
    off = 5;
    for (size_t i = 0; i < n; i++) {
        cols[order[i]].off = off;
        off += size_of(cols[order[i]].t) + i % 3;
        at[i] = true;
    }
    spec = spec_of(cols, n, at, "c");
    records_case(cols, n, off + 9, spec, off + 9, 260, FILL_BITS, &ask_all_ranged, &state, "offsets");
    records_case(cols, n, off + 9, spec, off + 9, 150, FILL_FEW, &ask_few, &state, "offsets, few values");
    free(spec);
    /* some offsets written, the columns after each following it */
    off = 0;
    for (size_t c = 0; c < n; c++) {
        at[c] = c % 3 == 0;
        if (at[c])
            off += 3;
        cols[c].off = off;
        off += size_of(cols[c].t);
    }
    spec = spec_of(cols, n, at, "c");
    records_case(cols, n, off, spec, 0, 230, FILL_BITS, &ask_all_ranged, &state, "some offsets");
    records_case(cols, n, off + 1, spec, off + 1, 170, FILL_FINITE, &ask_unranged, &state, "some offsets, padded");
    free(spec);
}

/* ---- 2. raw channels: rows of N elements of one type ---- */

Test(columns, raw_channels_of_every_type)
{
    uint64_t state = 2;
    for (int t = 0; t < TYPES; t++)
        for (int big = 0; big < 2; big++)
            for (int k = 0; k < 3; k++) {
                mapscan_type type = (mapscan_type)t;
                size_t elem = size_of(type), nch = k == 0 ? 1 : k == 1 ? 5 : 3;
                size_t record = nch * elem + (k == 2 ? 5 : 0), nrec = 120 + 37 * (size_t)k;
                col cols[5];
                for (size_t c = 0; c < nch; c++)
                    cols[c] = (col){ type, big, c * elem };
                fill how = k == 0 ? FILL_BITS : k == 1 ? FILL_FEW : FILL_FINITE;
                const ask *a = k == 0 ? &ask_all_ranged : k == 1 ? &ask_few : &ask_unranged;
                unsigned char *data = malloc(nrec * record);
                fill_records(data, nrec, record, cols, nch, how, &state);
                want w = want_records(data, nrec * record, record, cols, nch, 0, UINT64_MAX, a);
                mapscan_options o;
                mapscan_options_init(&o);
                o.type = type;
                o.endian = big ? MAPSCAN_BIG : MAPSCAN_LITTLE;
                o.channels = (unsigned)nch;
                o.record_size = k == 2 ? record : 0;
                o.threads = 2;
                apply(&o, a);
                char what[96];
                snprintf(what, sizeof what, "%u channels of %s %s%s", (unsigned)nch, mapscan_type_name(type),
                         big ? "big" : "little", k == 2 ? ", padded" : "");
                mapscan_result r = scan_memory_ok(data, nrec * record, &o, what);
                expect_want(&r, &w, what);
                expect_names(&r, "ch", what);
                mapscan_result_free(&r);
                want_free(&w);
                free(data);
            }
}

/* ---- 3. a structured .npy's fields ---- */

Test(columns, npy_fields_all_and_lists)
{
    /* a 0 i4, b 4 >f8, name 12 S3, c 15 u2[3], d 21 i1, e 22 >f2, s.x 24 >u8, s.y 32 f4, z 36 i2, w 38 f4[2] */
    const char *dict = "{'descr': [('a', '<i4'), ('b', '>f8'), ('name', '|S3'), ('c', '<u2', (3,)), ('d', '|i1'), "
                       "('e', '>f2'), ('s', [('x', '>u8'), ('y', '<f4')]), ('z', '<i2'), ('w', '<f4', (2,))], "
                       "'fortran_order': False, 'shape': (%zu,), }";
    size_t itemsize = 46, nrec = 500;
    static const struct { const char *name; col c; bool scalar; } fields[] = {
        { "a", { MAPSCAN_I32, false, 0 }, true }, { "b", { MAPSCAN_F64, true, 4 }, true },
        { "c[0]", { MAPSCAN_U16, false, 15 }, false }, { "c[1]", { MAPSCAN_U16, false, 17 }, false },
        { "c[2]", { MAPSCAN_U16, false, 19 }, false }, { "d", { MAPSCAN_I8, false, 21 }, true },
        { "e", { MAPSCAN_F16, true, 22 }, true }, { "s.x", { MAPSCAN_U64, true, 24 }, true },
        { "s.y", { MAPSCAN_F32, false, 32 }, true }, { "z", { MAPSCAN_I16, false, 36 }, true },
        { "w[0]", { MAPSCAN_F32, false, 38 }, false }, { "w[1]", { MAPSCAN_F32, false, 42 }, false },
    };
    size_t nf = sizeof fields / sizeof fields[0];
    col cols[12];
    for (size_t i = 0; i < nf; i++)
        cols[i] = fields[i].c;
    uint64_t state = 3;
    unsigned char *data = malloc(nrec * itemsize);
    fill_records(data, nrec, itemsize, cols, nf, FILL_FINITE, &state);
    char text[512], path[64];
    snprintf(text, sizeof text, dict, nrec);
    npy_file(path, sizeof path, text, data, nrec * itemsize, NULL);
    const ask *asks[] = { &ask_all_ranged, &ask_unranged };
    for (size_t ai = 0; ai < 2; ai++)
        for (int ranged = 0; ranged < 2; ranged++) {
            uint64_t offset = ranged ? 5 * itemsize : 0, length = ranged ? 400 * itemsize : UINT64_MAX;
            want w = want_records(data, nrec * itemsize, itemsize, cols, nf, offset, length, asks[ai]);
            mapscan_options o;
            mapscan_options_init(&o);
            o.field = "all";
            o.offset = offset;
            o.length = length;
            apply(&o, asks[ai]);
            mapscan_result r = scan_path_ok(path, &o, "all");
            expect_want(&r, &w, "all");
            cr_assert_eq(r.format, MAPSCAN_FORMAT_NPY);
            if (ai == 0) {      /* through a pipe: the statistics of one pass */
                want ws = want_records(data, nrec * itemsize, itemsize, cols, nf, offset, length, &ask_stats);
                mapscan_options op = o;
                apply(&op, &ask_stats);
                size_t header;
                unsigned char *file = malloc(nrec * itemsize + 512);
                header = npy_header(file, text);
                memcpy(file + header, data, nrec * itemsize);
                mapscan_result rp;
                mapscan_error e;
                cr_assert_eq(scan_pipe(file, header + nrec * itemsize, &op, &rp, &e), MAPSCAN_OK, "pipe: %s",
                             e.message);
                expect_want(&rp, &ws, "all, pipe");
                mapscan_result_free(&rp);
                want_free(&ws);
                free(file);
            }
            for (size_t i = 0; i < nf; i++) {
                cr_assert_str_eq(r.columns[i].column, fields[i].name);
                cr_assert_eq(r.columns[i].field_offset, fields[i].c.off);
                cr_assert_eq(r.columns[i].record_size, itemsize);
                cr_assert_eq(r.columns[i].ndim, 1);
                cr_assert_eq(r.columns[i].shape[0], nrec);
                if (!fields[i].scalar)
                    continue;
                /* and against the 0.2 scan of that field */
                mapscan_options f = o;
                f.field = fields[i].name;
                uint64_t *counts = calloc(asks[ai]->bins, sizeof *counts);
                f.histogram_counts = counts;
                mapscan_result single = scan_path_ok(path, &f, fields[i].name);
                cr_assert_eq(single.ncolumns, 0);
                cr_assert_str_eq(single.column, "");
                expect_column(&r.columns[i], &single, 0, fields[i].name);
                free(counts);
            }
            mapscan_result_free(&r);
            /* lists, in the order asked */
            static const struct { const char *list; size_t idx[6]; size_t n; } lists[] = {
                { "z,c[1],s.y,a", { 9, 3, 8, 0 }, 4 },
                { "w,e", { 10, 11, 6 }, 3 },
                { "c[2]", { 4 }, 1 },
                { "s.x,b,d", { 7, 1, 5 }, 3 },
            };
            for (size_t l = 0; l < sizeof lists / sizeof lists[0]; l++) {
                o.field = lists[l].list;
                r = scan_path_ok(path, &o, lists[l].list);
                cr_assert_eq(r.ncolumns, lists[l].n, "%s: %zu columns", lists[l].list, r.ncolumns);
                for (size_t i = 0; i < lists[l].n; i++) {
                    size_t k = lists[l].idx[i];
                    cr_assert_str_eq(r.columns[i].column, fields[k].name, "%s: column %zu", lists[l].list, i);
                    expect_column(&r.columns[i], &w.col[k].r, 0, lists[l].list);
                }
                mapscan_result_free(&r);
            }
            want_free(&w);
        }
    unlink(path);
    free(data);
}

/* ---- 4. a .npy array's channels, C order ---- */

static void c_order_case(mapscan_type t, bool big, const char *descr, const uint64_t *shape, unsigned ndim,
                         const ask *a, fill how, uint64_t *state)
{
    uint64_t count = 1;
    char shape_text[128] = "";
    size_t used = 0;
    for (unsigned i = 0; i < ndim; i++) {
        count *= shape[i];
        used += (size_t)snprintf(shape_text + used, sizeof shape_text - used, "%llu, ", (unsigned long long)shape[i]);
    }
    size_t elem = size_of(t), nch = (size_t)shape[ndim - 1], rows = (size_t)(count / nch), record = nch * elem;
    col *cols = calloc(nch, sizeof *cols);
    for (size_t c = 0; c < nch; c++)
        cols[c] = (col){ t, big, c * elem };
    unsigned char *data = malloc(count * elem + 1);
    fill_records(data, rows, record, cols, nch, how, state);
    char dict[320], path[64];
    snprintf(dict, sizeof dict, "{'descr': '%s', 'fortran_order': False, 'shape': (%s), }", descr, shape_text);
    size_t header;
    npy_file(path, sizeof path, dict, data, count * elem, &header);
    for (int k = 0; k < 3; k++) {
        uint64_t offset = k == 1 ? 2 * record : 0, length = k == 2 ? (rows - 1) * record : UINT64_MAX;
        want w = want_records(data, count * elem, record, cols, nch, offset, length, a);
        mapscan_options o;
        mapscan_options_init(&o);
        o.channels = k == 0 ? MAPSCAN_CHANNELS_AUTO : (unsigned)nch;
        o.offset = offset;
        o.length = length;
        o.threads = (unsigned)k + 1;
        apply(&o, a);
        char what[320];
        snprintf(what, sizeof what, "%s (%s), case %d", descr, shape_text, k);
        mapscan_result r = scan_path_ok(path, &o, what);
        expect_want(&r, &w, what);
        expect_names(&r, "ch", what);
        for (size_t c = 0; c < nch; c++) {
            cr_assert_eq(r.columns[c].ndim, ndim - 1, "%s: the column's shape", what);
            for (unsigned i = 0; i + 1 < ndim; i++)
                cr_assert_eq(r.columns[c].shape[i], shape[i]);
            cr_assert_not(r.columns[c].fortran_order);
        }
        mapscan_result_free(&r);
        /* through a pipe too: the statistics of one pass */
        if (a->nq == 0 && (a->bins == 0)) {
            unsigned char *file = malloc(header + count * elem);
            FILE *f = fopen(path, "rb");
            cr_assert_eq(fread(file, 1, header + count * elem, f), header + count * elem);
            fclose(f);
            mapscan_error e;
            cr_assert_eq(scan_pipe(file, header + count * elem, &o, &r, &e), MAPSCAN_OK, "%s, pipe: %s", what,
                         e.message);
            expect_want(&r, &w, what);
            mapscan_result_free(&r);
            free(file);
        }
        want_free(&w);
    }
    unlink(path);
    free(data);
    free(cols);
}

Test(columns, npy_channels_in_c_order)
{
    uint64_t state = 4;
    uint64_t s1[] = { 400, 6 }, s2[] = { 3, 5, 4 }, s3[] = { 2, 3, 4, 5 }, s4[] = { 300, 1 }, s5[] = { 40, 33 };
    c_order_case(MAPSCAN_F32, false, "<f4", s1, 2, &ask_all_ranged, FILL_BITS, &state);
    c_order_case(MAPSCAN_F32, false, "<f4", s1, 2, &ask_stats, FILL_BITS, &state);
    c_order_case(MAPSCAN_I16, true, ">i2", s2, 3, &ask_few, FILL_FEW, &state);
    c_order_case(MAPSCAN_U8, false, "|u1", s3, 4, &ask_unranged, FILL_BITS, &state);
    c_order_case(MAPSCAN_I64, true, ">i8", s4, 2, &ask_all_ranged, FILL_BITS, &state);
    c_order_case(MAPSCAN_F16, true, ">f2", s5, 2, &ask_stats, FILL_BITS, &state);
    c_order_case(MAPSCAN_F64, false, "<f8", s5, 2, &ask_unranged, FILL_FINITE, &state);
}

/* ---- 5. Fortran order: each channel one run ---- */

static void fortran_case(mapscan_type t, bool big, const char *descr, const uint64_t *shape, unsigned ndim,
                         const ask *a, fill how, uint64_t *state)
{
    uint64_t count = 1;
    char shape_text[128] = "";
    size_t used = 0;
    for (unsigned i = 0; i < ndim; i++) {
        count *= shape[i];
        used += (size_t)snprintf(shape_text + used, sizeof shape_text - used, "%llu, ", (unsigned long long)shape[i]);
    }
    size_t elem = size_of(t), nch = (size_t)shape[ndim - 1], rows = (size_t)(count / nch);
    /* the runs one after the other: one column of count elements */
    col one_col = { t, big, 0 };
    unsigned char *data = malloc(count * elem + 1);
    fill_records(data, count, elem, &one_col, 1, how, state);
    char dict[320], path[64];
    snprintf(dict, sizeof dict, "{'descr': '%s', 'fortran_order': True, 'shape': (%s), }", descr, shape_text);
    size_t header;
    npy_file(path, sizeof path, dict, data, count * elem, &header);
    unsigned char *file = malloc(header + count * elem);
    FILE *f = fopen(path, "rb");
    cr_assert_eq(fread(file, 1, header + count * elem, f), header + count * elem);
    fclose(f);
    /* offsets and lengths in elements: whole, from mid-column, ending mid-column, across runs, one run, empty */
    uint64_t R = rows;
    struct { uint64_t offset, length; } ranges[] = {
        { 0, UINT64_MAX }, { R / 2, UINT64_MAX }, { 0, R + R / 3 }, { R + 3, 2 * R }, { R, R }, { R - 1, 2 },
        { count, UINT64_MAX }, { count - 1, 1 }, { 1, 0 }, { R / 3, R / 3 },
    };
    for (size_t k = 0; k < sizeof ranges / sizeof ranges[0]; k++) {
        uint64_t offset = ranges[k].offset, length = ranges[k].length;
        if (offset > count || (length != UINT64_MAX && offset + length > count))
            continue;
        want w = want_fortran(data, t, big, R, nch, offset, length == UINT64_MAX ? count - offset : length, a);
        mapscan_options o;
        mapscan_options_init(&o);
        o.channels = k % 2 ? MAPSCAN_CHANNELS_AUTO : (unsigned)nch;
        o.offset = offset * elem;
        o.length = length == UINT64_MAX ? UINT64_MAX : length * elem;
        o.threads = 1 + (unsigned)k % 3;
        apply(&o, a);
        char what[320];
        snprintf(what, sizeof what, "Fortran %s (%s), elements %llu + %llu", descr, shape_text,
                 (unsigned long long)offset, (unsigned long long)length);
        mapscan_result r = scan_path_ok(path, &o, what);
        expect_want(&r, &w, what);
        expect_names(&r, "ch", what);
        cr_assert_eq(r.record_size, 0, "%s: the unit is an element", what);
        cr_assert(r.fortran_order);
        for (size_t c = 0; c < nch; c++) {
            cr_assert(r.columns[c].fortran_order);
            cr_assert_eq(r.columns[c].ndim, ndim - 1);
            for (unsigned i = 0; i + 1 < ndim; i++)
                cr_assert_eq(r.columns[c].shape[i], shape[i]);
        }
        mapscan_result_free(&r);
        static const mapscan_backend backends[] = { MAPSCAN_BACKEND_MMAP, MAPSCAN_BACKEND_READ,
                                                    MAPSCAN_BACKEND_DIRECT };
        for (size_t b = 0; (k == 1 || k == 3) && b < 3; b++) {
            mapscan_options ob = o;
            ob.backend = backends[b];
            ob.io_size = 4096;
            r = scan_path_ok(path, &ob, what);
            expect_want(&r, &w, what);
            mapscan_result_free(&r);
        }
        if (a->nq == 0 && a->bins == 0) {
            mapscan_error e;
            mapscan_status s = scan_pipe(file, header + count * elem, &o, &r, &e);
            cr_assert_eq(s, MAPSCAN_OK, "%s, pipe: %s", what, e.message);
            expect_want(&r, &w, what);
            mapscan_result_free(&r);
        }
        want_free(&w);
    }
    unlink(path);
    free(file);
    free(data);
}

Test(columns, npy_channels_in_fortran_order)
{
    uint64_t state = 5;
    uint64_t s1[] = { 397, 5 }, s2[] = { 3, 5, 4 }, s3[] = { 200, 3 }, s4[] = { 3000, 2 };
    fortran_case(MAPSCAN_I32, false, "<i4", s1, 2, &ask_all_ranged, FILL_BITS, &state);
    fortran_case(MAPSCAN_I32, false, "<i4", s1, 2, &ask_stats, FILL_FEW, &state);
    fortran_case(MAPSCAN_F64, true, ">f8", s2, 3, &ask_unranged, FILL_FINITE, &state);
    fortran_case(MAPSCAN_F64, true, ">f8", s2, 3, &ask_stats, FILL_BITS, &state);
    fortran_case(MAPSCAN_U16, false, "<u2", s3, 2, &ask_few, FILL_FEW, &state);
    fortran_case(MAPSCAN_F16, false, "<f2", s4, 2, &ask_stats, FILL_BITS, &state);
    fortran_case(MAPSCAN_I8, false, "|i1", s4, 2, &ask_all_ranged, FILL_BITS, &state);
}

/* ---- 6. backends, threads, kernels, memory and streams ---- */

Test(columns, every_backend_thread_count_kernel_and_stream)
{
    uint64_t state = 6;
    const char *spec = "a:<i8,b:>f4,c:u8@13,d:<bfloat16@14,e:>u2@16,f:f32@20";
    const col cols[] = { { MAPSCAN_I64, false, 0 }, { MAPSCAN_F32, true, 8 }, { MAPSCAN_U8, false, 13 },
                         { MAPSCAN_BF16, false, 14 }, { MAPSCAN_U16, true, 16 }, { MAPSCAN_F32, false, 20 } };
    size_t ncols = 6, record = 24, nrec = 20000, len = nrec * record;     /* 480 KB: 8 chunks a thread */
    unsigned char *data = malloc(len);
    fill_records(data, nrec, record, cols, ncols, FILL_BITS, &state);
    for (size_t i = 0; i < nrec / 3; i++)      /* falling in places: positions move in every piece */
        store_bits(data + i * record, MAPSCAN_I64, false, (uint64_t)(-(int64_t)i));
    char path[64];
    write_temp_file(path, sizeof path, data, len);
    want w = want_records(data, len, record, cols, ncols, 0, UINT64_MAX, &ask_all_ranged);
    static const mapscan_backend backends[] = { MAPSCAN_BACKEND_AUTO, MAPSCAN_BACKEND_MMAP, MAPSCAN_BACKEND_READ,
                                                MAPSCAN_BACKEND_DIRECT };
    static const unsigned threads[] = { 1, 2, 3, 5 };
    for (size_t b = 0; b < 4; b++)
        for (size_t t = 0; t < 4; t++) {
            mapscan_options o;
            mapscan_options_init(&o);
            o.columns = spec;
            o.backend = backends[b];
            o.threads = threads[t];
            if (backends[b] == MAPSCAN_BACKEND_DIRECT) {
                o.io_size = 64 << 10;       /* many pieces */
                o.io_depth = 4;
            }
            apply(&o, &ask_all_ranged);
            char what[96];
            snprintf(what, sizeof what, "backend %d, %u threads", (int)backends[b], threads[t]);
            mapscan_result r = scan_path_ok(path, &o, what);
            expect_want(&r, &w, what);
            cr_assert_eq(r.threads, r.columns[0].threads);
            cr_assert_eq(r.backends, r.columns[5].backends);
            mapscan_result_free(&r);
        }
    for (size_t k = 0; k < KERNELS; k++) {
        if (!mapscan_kernel_available(kernel_names[k]))
            continue;
        mapscan_options o;
        mapscan_options_init(&o);
        o.columns = spec;
        o.kernel = kernel_names[k];
        o.threads = 3;
        apply(&o, &ask_all_ranged);
        mapscan_result r = scan_memory_ok(data, len, &o, kernel_names[k]);
        expect_want(&r, &w, kernel_names[k]);
        cr_assert_str_eq(r.kernel, kernel_names[k]);
        cr_assert_eq(r.backends, MAPSCAN_USED_MEMORY);
        mapscan_result_free(&r);
        r = scan_path_ok(path, &o, kernel_names[k]);
        expect_want(&r, &w, kernel_names[k]);
        mapscan_result_free(&r);
    }
    want_free(&w);
    /* a stream: what one pass answers, for every kernel */
    w = want_records(data, len, record, cols, ncols, 0, UINT64_MAX, &ask_stats);
    for (size_t k = 0; k < KERNELS; k++) {
        if (!mapscan_kernel_available(kernel_names[k]))
            continue;
        mapscan_options o;
        mapscan_options_init(&o);
        o.columns = spec;
        o.kernel = kernel_names[k];
        apply(&o, &ask_stats);
        mapscan_result r;
        mapscan_error e;
        cr_assert_eq(scan_pipe(data, len, &o, &r, &e), MAPSCAN_OK, "pipe, %s: %s", kernel_names[k], e.message);
        expect_want(&r, &w, "pipe");
        cr_assert_eq(r.backends, MAPSCAN_USED_READ);
        mapscan_result_free(&r);
    }
    want_free(&w);
    /* a stream from an offset, for a length */
    w = want_records(data, len, record, cols, ncols, 1000 * record, 5000 * record, &ask_stats);
    mapscan_options o;
    mapscan_options_init(&o);
    o.columns = spec;
    o.offset = 1000 * record;
    o.length = 5000 * record;
    apply(&o, &ask_stats);
    mapscan_result r;
    mapscan_error e;
    cr_assert_eq(scan_pipe(data, len, &o, &r, &e), MAPSCAN_OK, "pipe: %s", e.message);
    expect_want(&r, &w, "pipe, offset and length");
    mapscan_result_free(&r);
    want_free(&w);
    unlink(path);
    free(data);
}

/* ---- 7. many columns, large records, batches across records ---- */

Test(columns, the_most_columns_and_one_more)
{
    uint64_t state = 7;
    size_t nch = MAPSCAN_MAX_COLUMNS, rows = 16, len = nch * rows;
    col *cols = calloc(nch + 1, sizeof *cols);
    for (size_t c = 0; c <= nch; c++)
        cols[c] = (col){ MAPSCAN_U8, false, c };
    unsigned char *data = malloc(len + rows);
    fill_records(data, rows, nch, cols, nch, FILL_FEW, &state);
    /* their quantiles and ranged histograms counted in the first pass (4096 x 1 KiB of counters) */
    static const ask a = { MAPSCAN_STAT_ALL, 0, 1, half_q, 4, true, 0, 256 };
    want w = want_records(data, len, nch, cols, nch, 0, UINT64_MAX, &a);
    mapscan_options o;
    mapscan_options_init(&o);
    o.type = MAPSCAN_U8;
    o.channels = (unsigned)nch;
    apply(&o, &a);
    mapscan_result r = scan_memory_ok(data, len, &o, "4096 channels");
    expect_want(&r, &w, "4096 channels");
    cr_assert_str_eq(r.columns[4095].column, "ch4095");
    mapscan_result_free(&r);
    want_free(&w);
    /* a file of 300 channels, a histogram over each column's data in a pass of its own */
    static const ask a300 = { MAPSCAN_STAT_ALL, 0, 1, half_q, 4, false, 0, 0 };
    char path[64];
    write_temp_file(path, sizeof path, data, 300 * rows);
    w = want_records(data, 300 * rows, 300, cols, 300, 0, UINT64_MAX, &a300);
    o.channels = 300;
    apply(&o, &a300);
    r = scan_path_ok(path, &o, "300 channels");
    expect_want(&r, &w, "300 channels");
    mapscan_result_free(&r);
    want_free(&w);
    unlink(path);
    /* 4096 raw columns by name */
    char *spec = spec_of(cols, nch, NULL, "c");
    mapscan_options_init(&o);
    o.columns = spec;
    r = scan_memory_ok(data, len, &o, "4096 columns");
    cr_assert_eq(r.ncolumns, nch);
    mapscan_result_free(&r);
    free(spec);
    /* one more: refused, raw channels, columns, a .npy's last axis, a sub-array's elements */
    mapscan_error e;
    mapscan_options_init(&o);
    o.type = MAPSCAN_U8;
    o.channels = (unsigned)nch + 1;
    cr_assert_eq(mapscan_scan_memory(data, (nch + 1) * 8, &o, &r, &e), MAPSCAN_E_INVALID);
    cr_assert(strstr(e.message, "at most 4096"), "%s", e.message);
    cr_assert_eq(r.ncolumns, 0);
    cr_assert_null(r.columns);
    spec = spec_of(cols, nch + 1, NULL, "c");
    mapscan_options_init(&o);
    o.columns = spec;
    cr_assert_eq(mapscan_scan_memory(data, len + rows, &o, &r, &e), MAPSCAN_E_INVALID);
    cr_assert(strstr(e.message, "at most 4096"), "%s", e.message);
    free(spec);
    npy_file(path, sizeof path, "{'descr': '|u1', 'fortran_order': False, 'shape': (2, 4097), }", data, 2 * 4097,
             NULL);
    mapscan_options_init(&o);
    o.channels = MAPSCAN_CHANNELS_AUTO;
    cr_assert_eq(mapscan_scan_path(path, &o, &r, &e), MAPSCAN_E_INVALID);
    cr_assert(strstr(e.message, "at most 4096"), "%s", e.message);
    unlink(path);
    npy_file(path, sizeof path, "{'descr': '|u1', 'fortran_order': True, 'shape': (2, 4097), }", data, 2 * 4097,
             NULL);
    cr_assert_eq(mapscan_scan_path(path, &o, &r, &e), MAPSCAN_E_INVALID);
    cr_assert(strstr(e.message, "at most 4096"), "%s", e.message);
    unlink(path);
    npy_file(path, sizeof path, "{'descr': [('v', '|u1', (4097,))], 'fortran_order': False, 'shape': (2,), }", data,
             2 * 4097, NULL);
    mapscan_options_init(&o);
    o.field = "all";
    cr_assert_eq(mapscan_scan_path(path, &o, &r, &e), MAPSCAN_E_INVALID);
    cr_assert(strstr(e.message, "at most 4096"), "%s", e.message);
    unlink(path);
    free(data);
    free(cols);
}

Test(columns, records_of_a_mebibyte_with_columns_at_both_ends)
{
    uint64_t state = 8;
    size_t record = (size_t)1 << 20, rows = 6;
    const col cols[] = { { MAPSCAN_F64, false, 0 }, { MAPSCAN_I16, true, record / 2 + 1 },
                         { MAPSCAN_I32, true, record - 4 } };
    unsigned char *data = malloc(rows * record);
    fill_records(data, rows, record, cols, 3, FILL_BITS, &state);
    char path[64];
    write_temp_file(path, sizeof path, data, rows * record);
    const char *specs[] = { "lo:<f8,mid:>i2@524289,hi:>i4@1048572", "lo:f64@0,mid:>int16@512K,hi:>i4@1048572" };
    want w = want_records(data, rows * record, record, cols, 3, 0, UINT64_MAX, &ask_all_ranged);
    static const mapscan_backend backends[] = { MAPSCAN_BACKEND_MMAP, MAPSCAN_BACKEND_READ, MAPSCAN_BACKEND_DIRECT };
    for (int s = 0; s < 2; s++) {
        mapscan_options o;
        mapscan_options_init(&o);
        o.columns = specs[s];
        o.threads = 2;
        apply(&o, &ask_all_ranged);
        if (s == 1) {
            /* "@512K" is byte 524288: the middle column one byte earlier than in the first spec */
            mapscan_result r;
            mapscan_error e;
            cr_assert_eq(mapscan_scan_memory(data, rows * record, &o, &r, &e), MAPSCAN_OK, "%s", e.message);
            cr_assert_eq(r.columns[1].field_offset, 524288);
            mapscan_result_free(&r);
            continue;
        }
        mapscan_result r = scan_memory_ok(data, rows * record, &o, "1 MiB records");
        expect_want(&r, &w, "1 MiB records, memory");
        cr_assert_eq(r.record_size, record);
        mapscan_result_free(&r);
        for (size_t b = 0; b < 3; b++) {
            o.backend = backends[b];
            r = scan_path_ok(path, &o, "1 MiB records");
            expect_want(&r, &w, "1 MiB records, file");
            mapscan_result_free(&r);
        }
        mapscan_error e;
        o.backend = MAPSCAN_BACKEND_AUTO;
        apply(&o, &ask_stats);
        want ws = want_records(data, rows * record, record, cols, 3, 0, UINT64_MAX, &ask_stats);
        cr_assert_eq(scan_pipe(data, rows * record, &o, &r, &e), MAPSCAN_OK, "pipe: %s", e.message);
        expect_want(&r, &ws, "1 MiB records, pipe");
        mapscan_result_free(&r);
        want_free(&ws);
    }
    want_free(&w);
    unlink(path);
    free(data);
    /* 16 MiB records are the most */
    mapscan_options o;
    mapscan_options_init(&o);
    o.columns = "a:u8,b:u8@16777215";
    mapscan_result r;
    mapscan_error e;
    unsigned char *big = calloc(1, (size_t)16 << 20);
    big[0] = 3;
    big[(16 << 20) - 1] = 9;
    cr_assert_eq(mapscan_scan_memory(big, (size_t)16 << 20, &o, &r, &e), MAPSCAN_OK, "%s", e.message);
    cr_assert(r.columns[0].stats.sum.lo == 3 && r.columns[1].stats.sum.lo == 9 && r.columns[1].stats.count == 1);
    mapscan_result_free(&r);
    o.columns = "a:u8,b:u8@16777216";
    cr_assert_eq(mapscan_scan_memory(big, (size_t)16 << 20, &o, &r, &e), MAPSCAN_E_INVALID);
    cr_assert(strstr(e.message, "16 MiB"), "%s", e.message);
    o.columns = "a:u8";
    o.record_size = ((uint64_t)16 << 20) + 1;
    cr_assert_eq(mapscan_scan_memory(big, (size_t)16 << 20, &o, &r, &e), MAPSCAN_E_INVALID);
    cr_assert(strstr(e.message, "16 MiB"), "%s", e.message);
    free(big);
}

/* Records of 1 to 70 bytes, counts about the batches of records (16 KiB)
 * and of gathered elements (4 KiB), with ties across them. */
Test(columns, batches_that_cross_records)
{
    uint64_t state = 9;
    size_t most = 3 * 16384 + 64;
    unsigned char *data = malloc(most * 70);
    for (size_t record = 1; record <= 70; record++) {
        mapscan_type t1 = (mapscan_type)(record % TYPES), t2 = (mapscan_type)((record * 5 + 3) % TYPES);
        if (size_of(t1) > record)
            t1 = record % 2 ? MAPSCAN_U8 : MAPSCAN_I8;
        col cols[2] = { { t1, record % 3 == 0, 0 }, { t2, record % 2 == 0, 0 } };
        size_t ncols = size_of(t1) + size_of(t2) <= record ? 2 : 1;
        cols[1].off = record - size_of(t2);
        char spec[96], tbuf[32], tbuf2[32];
        if (ncols == 2)
            snprintf(spec, sizeof spec, "c0:%s,c1:%s@%zu", spell(t1, cols[0].big, (unsigned)record, tbuf),
                     spell(t2, cols[1].big, (unsigned)record + 1, tbuf2), cols[1].off);
        else
            snprintf(spec, sizeof spec, "c0:%s", spell(t1, cols[0].big, (unsigned)record, tbuf));
        size_t b = 16384 / record, g = 4096 / size_of(t1);
        size_t counts[] = { b - 1, b, b + 1, 2 * b + 1, 3 * b - 1, g + 1, 255, 257, 513 };
        fill how = record % 2 ? FILL_FEW : FILL_BITS;
        size_t rows = 3 * b + 1 > g + 2 ? 3 * b + 1 : g + 2;
        fill_records(data, rows > 514 ? rows : 514, record, cols, ncols, how, &state);
        for (size_t k = 0; k < sizeof counts / sizeof counts[0]; k++) {
            size_t n = counts[k];
            if (n == 0)
                continue;
            const ask *a = k % 2 ? &ask_stats : &ask_ranged_only;
            want w = want_records(data, n * record, record, cols, ncols, 0, UINT64_MAX, a);
            for (unsigned threads = 1; threads <= 3; threads += 2) {
                mapscan_options o;
                mapscan_options_init(&o);
                o.columns = spec;
                o.record_size = record;
                o.threads = threads;
                apply(&o, a);
                char what[160];
                snprintf(what, sizeof what, "%zu-byte records (%s), %zu of them, %u threads", record, spec, n,
                         threads);
                mapscan_result r = scan_memory_ok(data, n * record, &o, what);
                expect_want(&r, &w, what);
                mapscan_result_free(&r);
            }
            want_free(&w);
        }
    }
    free(data);
}

/* Records of 2^k bytes (1 to 64) whose columns lie at multiples of their
 * size are transposed in halves, a batch of 64 KiB at a time, into runs
 * for each column's contiguous kernel: random such layouts (padding units
 * left out), every kernel, counts about the batch. */
Test(columns, transposed_records_of_every_power_of_two)
{
    uint64_t state = 18;
    size_t most = 2 * 65536 + 8;
    unsigned char *data = malloc(most * 2);
    for (size_t record = 1; record <= 64; record *= 2)
        for (int layout = 0; layout < 2; layout++) {
            col cols[64];
            bool at[64];
            size_t n = 0;
            for (size_t off = 0; off < record;) {
                mapscan_type t = (mapscan_type)(test_random(&state) % TYPES);
                size_t size = size_of(t);
                if (off % size || off + size > record || (layout && test_random(&state) % 4 == 0)) {
                    off += 1;       /* a byte of padding (or a type that does not fit here) */
                    continue;
                }
                cols[n] = (col){ t, test_random(&state) % 2 == 0, off };
                at[n++] = true;
                off += size;
            }
            if (n == 0)
                cols[n] = (col){ MAPSCAN_U8, false, 0 }, at[n++] = true;
            for (size_t i = n; layout && i > 1; i--) {      /* asked in an order of their own */
                size_t j = test_random(&state) % i;
                col t = cols[i - 1];
                cols[i - 1] = cols[j];
                cols[j] = t;
            }
            char *spec = spec_of(cols, n, at, "c");
            size_t b = 65536 / record;
            size_t counts[] = { 1, 3, b - 1, b, b + 1, 2 * b + 3 };
            fill_records(data, 2 * b + 3, record, cols, n, layout ? FILL_FEW : FILL_BITS, &state);
            for (size_t k = 0; k < sizeof counts / sizeof counts[0]; k++) {
                const ask *a = k % 2 ? &ask_stats : k % 4 ? &ask_ranged_only : layout ? &ask_few : &ask_all_ranged;
                want w = want_records(data, counts[k] * record, record, cols, n, 0, UINT64_MAX, a);
                for (size_t kern = 0; kern < KERNELS; kern++) {
                    if (!mapscan_kernel_available(kernel_names[kern]) || (k % 2 == 0 && kern + 1 < KERNELS))
                        continue;       /* every kernel for every other count */
                    mapscan_options o;
                    mapscan_options_init(&o);
                    o.columns = spec;
                    o.record_size = record;
                    o.kernel = kernel_names[kern];
                    o.threads = 1 + (unsigned)(k % 3);
                    apply(&o, a);
                    char what[300];
                    snprintf(what, sizeof what, "%zu-byte records (%.200s), %zu of them, %s", record, spec,
                             counts[k], kernel_names[kern]);
                    mapscan_result r = scan_memory_ok(data, counts[k] * record, &o, what);
                    expect_want(&r, &w, what);
                    mapscan_result_free(&r);
                }
                want_free(&w);
            }
            free(spec);
        }
    free(data);
}

/* ---- 8. nothing to scan ---- */

Test(columns, empty_buffers_files_and_zero_rows)
{
    const ask *asks[] = { &ask_all_ranged, &ask_unranged, &ask_stats };
    const col cols[] = { { MAPSCAN_I32, false, 0 }, { MAPSCAN_F64, true, 4 } };
    char path[64];
    for (size_t ai = 0; ai < 3; ai++) {
        want w = want_records((const unsigned char *)"", 0, 12, cols, 2, 0, UINT64_MAX, asks[ai]);
        mapscan_options o;
        mapscan_options_init(&o);
        o.columns = "a:i32,b:>f8";
        apply(&o, asks[ai]);
        mapscan_result r = scan_memory_ok("", 0, &o, "an empty buffer");
        expect_want(&r, &w, "an empty buffer");
        mapscan_result_free(&r);
        if (asks[ai]->nq == 0 && asks[ai]->bins == 0) {
            /* an empty file is read as a stream; quantiles and histograms: below */
            write_temp_file(path, sizeof path, "", 0);
            r = scan_path_ok(path, &o, "an empty file");
            expect_want(&r, &w, "an empty file");
            mapscan_result_free(&r);
            unlink(path);
            mapscan_error e;
            cr_assert_eq(scan_pipe((const unsigned char *)"", 0, &o, &r, &e), MAPSCAN_OK, "%s", e.message);
            expect_want(&r, &w, "an empty pipe");
            mapscan_result_free(&r);
        }
        want_free(&w);
        /* zero rows of a .npy: C order, Fortran order, structured */
        static const char *dicts[] = {
            "{'descr': '<i4', 'fortran_order': False, 'shape': (0, 3), }",
            "{'descr': '<i4', 'fortran_order': True, 'shape': (0, 3), }",
            "{'descr': '<i4', 'fortran_order': True, 'shape': (2, 0, 3), }",
            "{'descr': [('x', '<i4'), ('y', '<i4', (2,))], 'fortran_order': False, 'shape': (0,), }",
        };
        const col three[] = { { MAPSCAN_I32, false, 0 }, { MAPSCAN_I32, false, 4 }, { MAPSCAN_I32, false, 8 } };
        for (size_t d = 0; d < 4; d++) {
            w = want_records((const unsigned char *)"", 0, 12, three, 3, 0, UINT64_MAX, asks[ai]);
            for (size_t c = 0; c < 3; c++)
                w.col[c].origin = 0;
            npy_file(path, sizeof path, dicts[d], "", 0, NULL);
            mapscan_options_init(&o);
            if (d == 3)
                o.field = "all";
            else
                o.channels = MAPSCAN_CHANNELS_AUTO;
            apply(&o, asks[ai]);
            r = scan_path_ok(path, &o, dicts[d]);
            expect_want(&r, &w, dicts[d]);
            if (d == 3)
                cr_assert_str_eq(r.columns[2].column, "y[1]");
            mapscan_result_free(&r);
            unlink(path);
            want_free(&w);
        }
    }
}

/* As a one-column scan of an empty file answers quantiles and histograms
 * as an empty buffer does (test_extra.c), so does each column: no pass is
 * needed when nothing was counted. */
Test(columns, an_empty_file_answers_quantiles_and_histograms_as_an_empty_buffer)
{
    const ask *asks[] = { &ask_all_ranged, &ask_unranged };
    const col cols[] = { { MAPSCAN_I32, false, 0 }, { MAPSCAN_F64, true, 4 } };
    char path[64];
    write_temp_file(path, sizeof path, "", 0);
    for (size_t ai = 0; ai < 2; ai++) {
        want w = want_records((const unsigned char *)"", 0, 12, cols, 2, 0, UINT64_MAX, asks[ai]);
        mapscan_options o;
        mapscan_options_init(&o);
        o.columns = "a:i32,b:>f8";
        apply(&o, asks[ai]);
        mapscan_result r = scan_path_ok(path, &o, "an empty file");
        expect_want(&r, &w, "an empty file");
        mapscan_result_free(&r);
        want_free(&w);
    }
    unlink(path);
}

/* A stream is read once. What one pass answers (8- and 16-bit columns'
 * quantiles and ranged histograms, counted in the first pass as one
 * column's are, while their counters fit) a pipe answers as memory does;
 * what needs more passes (wider quantiles, a histogram over the data,
 * counters past what the first pass holds) is refused
 * (MAPSCAN_E_UNMAPPABLE) before the data is read: the pipe still holds it. */
Test(columns, streams_answer_one_pass_and_refuse_more_before_reading)
{
    signal(SIGPIPE, SIG_IGN);
    uint64_t state = 10;
    unsigned char data[4000];
    for (size_t i = 0; i < sizeof data; i++)
        data[i] = (unsigned char)test_random(&state);
    static const ask quantiles = { MAPSCAN_STAT_ALL, 0, 2, two_q, 0, false, 0, 0 };
    static const ask unranged = { 0, 0, 0, NULL, 5, false, 0, 0 };
    col many_cols[40];
    for (size_t c = 0; c < 40; c++)
        many_cols[c] = (col){ MAPSCAN_U16, false, 2 * c };
    char *many = spec_of(many_cols, 40, NULL, "c");      /* 40 x 256 KiB of counters: past the first pass's */
    struct { const char *columns; const ask *a; } refused[] = {
        { "a:i32,b:u8,c:<f4@8", &quantiles },       /* i32's and f32's quantiles take more passes */
        { "a:i16,b:u8", &unranged },                /* a histogram over the data takes its own pass */
        { many, &quantiles },                       /* 16-bit columns, but too many to count at once */
    };
    for (size_t k = 0; k < sizeof refused / sizeof refused[0]; k++)
        for (int format = 0; format < 2; format++) {
            int fds[2];
            cr_assert_eq(pipe(fds), 0);
            cr_assert_eq(write(fds[1], data, sizeof data), (ssize_t)sizeof data);
            close(fds[1]);
            mapscan_options o;
            mapscan_options_init(&o);
            o.columns = refused[k].columns;
            o.format = format ? MAPSCAN_FORMAT_AUTO : MAPSCAN_FORMAT_RAW;
            apply(&o, refused[k].a);
            mapscan_result r;
            mapscan_error e;
            mapscan_status s = mapscan_scan_fd(fds[0], &o, &r, &e);
            int left = -1;
            cr_assert_eq(ioctl(fds[0], FIONREAD, &left), 0);
            close(fds[0]);
            cr_assert_eq(s, MAPSCAN_E_UNMAPPABLE, "case %zu, format %d: status %d (%s)", k, format, (int)s,
                         e.message);
            cr_assert(strstr(e.message, "read once"), "%s", e.message);
            cr_assert_eq(r.ncolumns, 0, "a refused scan returns no columns");
            cr_assert_null(r.columns);
            /* the raw format reads nothing; the automatic one its first bytes, for the magic */
            cr_assert_geq(left, (int)sizeof data - (format ? 12 : 0), "case %zu, format %d: %d bytes of %zu left "
                          "in the pipe: the data was read before the refusal", k, format, left, sizeof data);
        }
    free(many);
    /* answered: narrow columns' quantiles, ranged histograms of any */
    const col narrow[] = { { MAPSCAN_U8, false, 0 }, { MAPSCAN_I16, true, 2 }, { MAPSCAN_F16, false, 4 },
                           { MAPSCAN_BF16, true, 6 }, { MAPSCAN_I8, false, 9 } };
    const col wide[] = { { MAPSCAN_I32, false, 0 }, { MAPSCAN_F64, true, 4 }, { MAPSCAN_U16, false, 12 } };
    static const ask ranged_q = { MAPSCAN_STAT_ALL, 1, 6, some_q, 7, true, -100, 100 };
    struct { const char *columns; const col *cols; size_t n, record; const ask *a; } answered[] = {
        { "a:u8,b:>int16@2,c:f16,d:>bfloat16,e:i8@9", narrow, 5, 10, &ranged_q },
        { "a:u8,b:>int16@2,c:f16,d:>bfloat16,e:i8@9", narrow, 5, 10, &quantiles },
        { "a:i32,b:>f8,c:u16", wide, 3, 14, &ask_ranged_only },
    };
    size_t rows = 2500;
    unsigned char *big = malloc(rows * 14);
    for (size_t k = 0; k < sizeof answered / sizeof answered[0]; k++) {
        size_t len = rows * answered[k].record;
        fill_records(big, rows, answered[k].record, answered[k].cols, answered[k].n, k ? FILL_BITS : FILL_FEW,
                     &state);
        want w = want_records(big, len, answered[k].record, answered[k].cols, answered[k].n, 0, UINT64_MAX,
                              answered[k].a);
        mapscan_options o;
        mapscan_options_init(&o);
        o.columns = answered[k].columns;
        o.record_size = answered[k].record;
        apply(&o, answered[k].a);
        mapscan_result r;
        mapscan_error e;
        cr_assert_eq(scan_pipe(big, len, &o, &r, &e), MAPSCAN_OK, "case %zu from a pipe: %s", k, e.message);
        expect_want(&r, &w, "one pass from a pipe");
        mapscan_result_free(&r);
        want_free(&w);
    }
    free(big);
}

/* ---- 9. a scan split in parts that meet through the sync hook ---- */

#define MAX_PARTS 3

typedef struct meeting {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    unsigned parts, arrived, generation;
    void *data[MAX_PARTS];
    size_t n[MAX_PARTS];
    mapscan_sync_point point[MAX_PARTS];
    mapscan_status status[MAX_PARTS];
    uint64_t shift[MAX_PARTS];      /* added to a part's positions: its first row */
    unsigned stats_calls[MAX_PARTS], counts_calls[MAX_PARTS];
    bool timed_out, out_of_step;
    bool whole;                     /* replace each column's result whole (as test_extra's hook does) */
    int cancel_part;                /* raises its cancel flag after its first count: -1 none */
} meeting;

typedef struct part {
    meeting *m;
    unsigned index;
    const char *path;
    mapscan_options o;
    volatile sig_atomic_t cancel;
    mapscan_result r;
    mapscan_error e;
    mapscan_status s;
} part;

static bool barrier(meeting *m)
{
    pthread_mutex_lock(&m->mu);
    unsigned gen = m->generation;
    bool ok = true;
    if (++m->arrived == m->parts) {
        m->arrived = 0;
        m->generation++;
        pthread_cond_broadcast(&m->cv);
    } else {
        struct timespec deadline;
        clock_gettime(CLOCK_REALTIME, &deadline);
        deadline.tv_sec += 20;
        while (gen == m->generation && ok)
            if (pthread_cond_timedwait(&m->cv, &m->mu, &deadline) == ETIMEDOUT)
                ok = false;
        if (!ok)
            m->timed_out = true;
    }
    pthread_mutex_unlock(&m->mu);
    return ok;
}

static void shift_positions(mapscan_result *r, uint64_t by)
{
    r->extra.argmin += by;
    r->extra.argmax += by;
}

/* Every part's columns merged, column by column, positions from the
 * file's first row: into *total (n results, malloc'd). */
static mapscan_result *merge_parts(meeting *m, size_t n)
{
    mapscan_result *total = calloc(n, sizeof *total);
    for (unsigned j = 0; j < m->parts; j++) {
        const mapscan_result *theirs = m->data[j];
        for (size_t c = 0; c < n; c++) {
            mapscan_result r = theirs[c];
            shift_positions(&r, m->shift[j]);
            if (j > 0)
                r.extra.counts = NULL;
            if (j == 0)
                total[c] = r;
            else
                mapscan_result_merge(&total[c], &r);
        }
    }
    return total;
}

static mapscan_status hook(mapscan_sync_point point, void *data, size_t n, mapscan_status status,
                           mapscan_error *error, void *arg)
{
    part *me = arg;
    meeting *m = me->m;
    unsigned i = me->index;
    m->point[i] = point;
    m->n[i] = n;
    m->status[i] = status;
    m->data[i] = data;
    if (point == MAPSCAN_SYNC_STATS)
        m->stats_calls[i]++;
    else
        m->counts_calls[i]++;
    if (!barrier(m)) {
        snprintf(error->message, sizeof error->message, "the other parts did not come");
        return error->status = MAPSCAN_E_IO;
    }
    mapscan_status out = MAPSCAN_OK;
    for (unsigned j = 0; j < m->parts && out == MAPSCAN_OK; j++)
        if (m->status[j] != MAPSCAN_OK) {
            out = error->status = m->status[j];
            snprintf(error->message, sizeof error->message, "part %u failed", j);
        }
    bool in_step = true;
    for (unsigned j = 0; j < m->parts; j++)
        in_step &= m->point[j] == point && m->n[j] == n;
    if (out == MAPSCAN_OK && !in_step) {
        m->out_of_step = true;
        out = error->status = MAPSCAN_E_INVALID;
        snprintf(error->message, sizeof error->message, "parts out of step");
    }
    mapscan_result *total = NULL;
    uint64_t *sums = NULL;
    if (out == MAPSCAN_OK && point == MAPSCAN_SYNC_STATS) {
        total = merge_parts(m, n);
    } else if (out == MAPSCAN_OK) {
        sums = calloc(n, sizeof *sums);
        for (unsigned j = 0; j < m->parts; j++)
            for (size_t k = 0; k < n; k++)
                sums[k] += ((const uint64_t *)m->data[j])[k];
    }
    if (!barrier(m)) {     /* everyone has read everyone's before anyone writes */
        free(total);
        free(sums);
        snprintf(error->message, sizeof error->message, "the other parts did not come");
        return error->status = MAPSCAN_E_IO;
    }
    if (total) {
        mapscan_result *mine = data;
        for (size_t c = 0; c < n; c++) {
            if (m->whole) {
                mine[c] = total[c];     /* part 0's description and pointers, everyone's statistics */
                continue;
            }
            mine[c].stats = total[c].stats;
            mine[c].floats = total[c].floats;
            uint64_t *counts = mine[c].extra.counts;
            mine[c].extra = total[c].extra;
            mine[c].extra.counts = counts;
        }
    } else if (sums) {
        memcpy(data, sums, n * sizeof *sums);
    }
    free(total);
    free(sums);
    if (point == MAPSCAN_SYNC_COUNTS && (int)i == m->cancel_part)
        me->cancel = 1;
    return out;
}

static void *run_part(void *arg)
{
    part *p = arg;
    p->s = mapscan_scan_path(p->path, &p->o, &p->r, &p->e);
    return NULL;
}

/* The file's units cut at cuts (nparts - 1 of them), each part scanned
 * from its offset for its length on a thread of its own. */
static void run_split(meeting *m, part *parts, const char *path, const mapscan_options *base, uint64_t unit,
                      uint64_t units, const uint64_t *cuts, unsigned nparts, bool shift)
{
    pthread_mutex_init(&m->mu, NULL);
    pthread_cond_init(&m->cv, NULL);
    m->parts = nparts;
    pthread_t th[MAX_PARTS];
    for (unsigned i = 0; i < nparts; i++) {
        uint64_t from = i ? cuts[i - 1] : 0, to = i + 1 < nparts ? cuts[i] : units;
        part *p = &parts[i];
        memset(p, 0, sizeof *p);
        p->m = m;
        p->index = i;
        p->path = path;
        p->o = *base;
        p->o.offset = base->offset + from * unit;
        p->o.length = (to - from) * unit;
        p->o.sync = hook;
        p->o.sync_arg = p;
        p->o.cancel = &p->cancel;
        p->o.threads = 1 + i % 3;
        m->shift[i] = shift ? from : 0;
    }
    for (unsigned i = 0; i < nparts; i++)
        cr_assert_eq(pthread_create(&th[i], NULL, run_part, &parts[i]), 0);
    for (unsigned i = 0; i < nparts; i++)
        pthread_join(th[i], NULL);
    cr_assert_not(m->timed_out, "a part waited for the others in vain");
    pthread_mutex_destroy(&m->mu);
    pthread_cond_destroy(&m->cv);
}

/* Each part's answers are the whole scan's. */
static void split_case(const char *path, const mapscan_options *o, uint64_t unit, uint64_t units,
                       const uint64_t *cuts, unsigned nparts, bool shift, const char *what)
{
    mapscan_result whole = scan_path_ok(path, o, what);
    meeting m;
    memset(&m, 0, sizeof m);
    m.cancel_part = -1;
    part parts[MAX_PARTS];
    run_split(&m, parts, path, o, unit, units, cuts, nparts, shift);
    cr_assert_not(m.out_of_step, "%s: the parts met at different points", what);
    for (unsigned i = 0; i < nparts; i++) {
        cr_assert_eq(parts[i].s, MAPSCAN_OK, "%s: part %u: %s", what, i, parts[i].e.message);
        cr_assert_eq(m.stats_calls[i], 1, "%s: part %u met %u times after the first pass", what, i,
                     m.stats_calls[i]);
        cr_assert_eq(m.counts_calls[i], m.counts_calls[0], "%s: part %u counted %u times, part 0 %u", what, i,
                     m.counts_calls[i], m.counts_calls[0]);
        cr_assert_eq(parts[i].r.ncolumns, whole.ncolumns);
        for (size_t c = 0; c < whole.ncolumns; c++) {
            char where[160];
            snprintf(where, sizeof where, "%s, part %u of %u, column %zu", what, i, nparts, c);
            expect_column(&parts[i].r.columns[c], &whole.columns[c], 0, where);
            cr_assert_str_eq(parts[i].r.columns[c].column, whole.columns[c].column);
        }
    }
    for (unsigned i = 0; i < nparts; i++)
        mapscan_result_free(&parts[i].r);
    mapscan_result_free(&whole);
}

Test(columns, split_scans_meet_and_answer_as_one)
{
    uint64_t state = 11;
    const col cols[] = { { MAPSCAN_I64, false, 0 }, { MAPSCAN_F32, true, 8 }, { MAPSCAN_U16, false, 12 },
                         { MAPSCAN_BF16, true, 14 }, { MAPSCAN_I8, false, 16 } };
    const char *spec = "a:<i8,b:>f4,c:u16,d:>bfloat16,e:i8";
    size_t record = 17, nrec = 4000;
    unsigned char *data = malloc(nrec * record);
    char path[64];
    const ask *asks[] = { &ask_all_ranged, &ask_unranged, &ask_few };
    const fill fills[] = { FILL_BITS, FILL_FINITE, FILL_FEW };
    for (size_t ai = 0; ai < 3; ai++) {
        fill_records(data, nrec, record, cols, 5, fills[ai], &state);
        write_temp_file(path, sizeof path, data, nrec * record);
        mapscan_options o;
        mapscan_options_init(&o);
        o.columns = spec;
        apply(&o, asks[ai]);
        /* the whole against the one-column scans first */
        want w = want_records(data, nrec * record, record, cols, 5, 0, UINT64_MAX, asks[ai]);
        mapscan_result r = scan_path_ok(path, &o, "whole");
        expect_want(&r, &w, "whole");
        mapscan_result_free(&r);
        want_free(&w);
        uint64_t two[] = { nrec / 3 }, three[] = { 1000, 1000 + nrec / 2 }, with_empty[] = { nrec / 2, nrec / 2 };
        split_case(path, &o, record, nrec, two, 2, true, "two parts");
        split_case(path, &o, record, nrec, three, 3, true, "three parts");
        split_case(path, &o, record, nrec, with_empty, 3, true, "three parts, one empty");
        unlink(path);
    }
    free(data);
    /* 40 channels of i16: their first digits' counters (40 x 256 KiB) are past what the first pass
     * holds, so each column counts in passes of its own, and the parts agree on that */
    {
        col ch[40];
        for (size_t c = 0; c < 40; c++)
            ch[c] = (col){ MAPSCAN_I16, false, 2 * c };
        size_t rows40 = 1200;
        unsigned char *d40 = malloc(rows40 * 80);
        fill_records(d40, rows40, 80, ch, 40, FILL_FEW, &state);
        write_temp_file(path, sizeof path, d40, rows40 * 80);
        mapscan_options o40;
        mapscan_options_init(&o40);
        o40.type = MAPSCAN_I16;
        o40.channels = 40;
        apply(&o40, &ask_few);
        want w = want_records(d40, rows40 * 80, 80, ch, 40, 0, UINT64_MAX, &ask_few);
        mapscan_result r = scan_path_ok(path, &o40, "40 channels");
        expect_want(&r, &w, "40 channels");
        mapscan_result_free(&r);
        want_free(&w);
        uint64_t cut2[] = { 500 }, cut3[] = { 300, 900 };
        split_case(path, &o40, 80, rows40, cut2, 2, true, "40 channels, two parts");
        split_case(path, &o40, 80, rows40, cut3, 3, true, "40 channels, three parts");
        unlink(path);
        free(d40);
    }
    /* a Fortran-order array cut in elements, mid-column: positions count from each run's start already */
    uint64_t rows = 3001;
    size_t nch = 3, count = rows * nch;
    col one_col = { MAPSCAN_I32, false, 0 };
    data = malloc(count * 4);
    fill_records(data, count, 4, &one_col, 1, FILL_FEW, &state);
    npy_file(path, sizeof path, "{'descr': '<i4', 'fortran_order': True, 'shape': (3001, 3), }", data, count * 4,
             NULL);
    mapscan_options o;
    mapscan_options_init(&o);
    o.channels = 3;
    apply(&o, &ask_few);
    uint64_t two[] = { rows + 5 }, three[] = { 100, 2 * rows + 1 }, runs[] = { rows, 2 * rows };
    split_case(path, &o, 4, count, two, 2, false, "Fortran, two parts");
    split_case(path, &o, 4, count, three, 3, false, "Fortran, three parts");
    split_case(path, &o, 4, count, runs, 3, false, "Fortran, a run each");
    unlink(path);
    free(data);
}

/* The parts stop together, whether one fails before the first pass (a bad
 * offset, a bad spec) or between two later passes (cancelled). */
Test(columns, a_failing_part_stops_every_part)
{
    uint64_t state = 12;
    const col cols[] = { { MAPSCAN_I64, false, 0 }, { MAPSCAN_F64, false, 8 } };
    size_t record = 16, nrec = 6000;
    unsigned char *data = malloc(nrec * record);
    fill_records(data, nrec, record, cols, 2, FILL_FINITE, &state);
    char path[64];
    write_temp_file(path, sizeof path, data, nrec * record);
    for (unsigned bad = 0; bad < 3; bad++)
        for (int how = 0; how < 3; how++) {
            mapscan_options o;
            mapscan_options_init(&o);
            o.columns = "a:i64,b:f64";
            apply(&o, &ask_unranged);
            meeting m;
            memset(&m, 0, sizeof m);
            m.cancel_part = how == 2 ? (int)bad : -1;
            part parts[3];
            uint64_t cuts[] = { 2000, 4000 };
            pthread_mutex_init(&m.mu, NULL);
            pthread_cond_init(&m.cv, NULL);
            m.parts = 3;
            pthread_t th[3];
            for (unsigned i = 0; i < 3; i++) {
                uint64_t from = i ? cuts[i - 1] : 0, to = i < 2 ? cuts[i] : nrec;
                part *p = &parts[i];
                memset(p, 0, sizeof *p);
                p->m = &m;
                p->index = i;
                p->path = path;
                p->o = o;
                p->o.offset = from * record;
                p->o.length = (to - from) * record;
                p->o.sync = hook;
                p->o.sync_arg = p;
                p->o.cancel = &p->cancel;
                p->o.threads = 2;
                m.shift[i] = from;
                if (i == bad && how == 0)
                    p->o.offset = (nrec + 1) * record;  /* past the end: MAPSCAN_E_OFFSET */
                else if (i == bad && how == 1)
                    p->o.columns = "a:i64,b:f65";       /* MAPSCAN_E_INVALID */
            }
            for (unsigned i = 0; i < 3; i++)
                cr_assert_eq(pthread_create(&th[i], NULL, run_part, &parts[i]), 0);
            for (unsigned i = 0; i < 3; i++)
                pthread_join(th[i], NULL);
            cr_assert_not(m.timed_out, "part %u bad (%d): a part waited in vain", bad, how);
            mapscan_status want_s = how == 2 ? MAPSCAN_E_CANCELLED : how == 0 ? MAPSCAN_E_OFFSET : MAPSCAN_E_INVALID;
            for (unsigned i = 0; i < 3; i++) {
                cr_assert_eq(parts[i].s, want_s, "part %u bad (%d): part %u: status %d (%s)", bad, how, i,
                             (int)parts[i].s, parts[i].e.message);
                cr_assert_eq(m.stats_calls[i], 1, "part %u met %u times", i, m.stats_calls[i]);
                cr_assert_eq(parts[i].r.ncolumns, 0, "a failed scan returns no columns");
                cr_assert_null(parts[i].r.columns);
                if (how < 2)
                    cr_assert_eq(m.counts_calls[i], 0);
                else
                    cr_assert_eq(m.counts_calls[i], 2, "part %u counted %u times: the first count, then the "
                                 "cancelled pass's", i, m.counts_calls[i]);
            }
            pthread_mutex_destroy(&m.mu);
            pthread_cond_destroy(&m.cv);
        }
    unlink(path);
    free(data);
}

/* A hook that replaces each column's result whole with the merged one (as
 * the n = 1 contract reads, "to be replaced by the merge of every part's",
 * and as test_extra.c's hook does for one column) must not make a part
 * write its histogram into another part's result: each part's columns own
 * their counts. */
Test(columns, a_hook_that_replaces_results_whole_leaves_each_part_its_counts)
{
    uint64_t state = 13;
    const col cols[] = { { MAPSCAN_I32, false, 0 }, { MAPSCAN_U16, true, 4 } };
    size_t record = 6, nrec = 5000;
    unsigned char *data = malloc(nrec * record);
    fill_records(data, nrec, record, cols, 2, FILL_BITS, &state);
    char path[64];
    write_temp_file(path, sizeof path, data, nrec * record);
    mapscan_options o;
    mapscan_options_init(&o);
    o.columns = "a:i32,b:>u2";
    apply(&o, &ask_all_ranged);
    mapscan_result whole = scan_path_ok(path, &o, "whole");
    meeting m;
    memset(&m, 0, sizeof m);
    m.cancel_part = -1;
    m.whole = true;
    part parts[2];
    uint64_t cuts[] = { 2500 };
    run_split(&m, parts, path, &o, record, nrec, cuts, 2, true);
    for (unsigned i = 0; i < 2; i++) {
        cr_assert_eq(parts[i].s, MAPSCAN_OK, "part %u: %s", i, parts[i].e.message);
        const unsigned char *lo = (const unsigned char *)parts[i].r.columns;
        const unsigned char *hi = lo + 2 * sizeof(mapscan_result) + 2 * ask_all_ranged.bins * sizeof(uint64_t);
        for (size_t c = 0; c < 2; c++) {
            const unsigned char *counts = (const unsigned char *)parts[i].r.columns[c].extra.counts;
            cr_assert(counts >= lo && counts < hi, "part %u, column %zu: its counts lie outside its own result "
                      "(in another part's)", i, c);
            expect_column(&parts[i].r.columns[c], &whole.columns[c], 0, "whole results");
        }
    }
    for (unsigned i = 0; i < 2; i++)
        mapscan_result_free(&parts[i].r);
    mapscan_result_free(&whole);
    unlink(path);
    free(data);
}

/* ---- 10. what is refused ---- */

static void expect_refused(const void *data, size_t len, const char *path, const mapscan_options *o,
                           const char *phrase, const char *what)
{
    mapscan_result r;
    mapscan_error e;
    memset(&e, 0, sizeof e);
    mapscan_status s = path ? mapscan_scan_path(path, o, &r, &e) : mapscan_scan_memory(data, len, o, &r, &e);
    cr_assert_eq(s, MAPSCAN_E_INVALID, "%s: status %d (%s)", what, (int)s, e.message);
    cr_assert_eq(e.status, MAPSCAN_E_INVALID, "%s: the error's status", what);
    cr_assert(strstr(e.message, phrase), "%s: the message '%s' does not say '%s'", what, e.message, phrase);
    cr_assert_eq(r.ncolumns, 0, "%s: a refused scan returns no columns", what);
    cr_assert_null(r.columns);
}

Test(columns, bad_specs_are_refused_with_a_message)
{
    unsigned char data[64 * 24] = { 0 };
    char path[64];
    write_temp_file(path, sizeof path, data, sizeof data);
    static const struct { const char *columns; uint64_t record; const char *phrase; } raw[] = {
        { "a:i33", 0, "unknown type 'i33'" },
        { "a:i32,b:int12", 0, "unknown type 'int12'" },
        { "a:|i4", 0, "unknown type" },
        { "a:", 0, "no type" },
        { "a:i32,b:i64", 8, "does not fit in a record of 8 bytes" },
        { "a:f64@1", 8, "does not fit" },
        { "a:i32@0,b:i16@2", 0, "overlap" },
        { "a:i64,b:i8@7", 0, "overlap" },
        { "a:i8,a:i16", 0, "named twice" },
        { ":i32", 0, "NAME:TYPE" },
        { "a:i8,:i16", 0, "NAME:TYPE" },
        { "a", 0, "NAME:TYPE" },
        { "a:i8,,b:i8", 0, "an empty column" },
        { "a:i8,", 0, "an empty column" },
        { ",a:i8", 0, "an empty column" },
        { "", 0, "an empty column" },
        { "a:i8@x", 0, "not a byte offset" },
        { "a:i8@-1", 0, "not a byte offset" },
        { "a:i8@", 0, "not a byte offset" },
    };
    for (size_t i = 0; i < sizeof raw / sizeof raw[0]; i++) {
        mapscan_options o;
        mapscan_options_init(&o);
        o.columns = raw[i].columns;
        o.record_size = raw[i].record;
        expect_refused(data, sizeof data, NULL, &o, raw[i].phrase, raw[i].columns);
        expect_refused(NULL, 0, path, &o, raw[i].phrase, raw[i].columns);
    }
    /* options that contradict each other */
    mapscan_options o;
    mapscan_options_init(&o);
    o.columns = "a:i32";
    o.channels = 2;
    expect_refused(data, sizeof data, NULL, &o, "choose one", "channels and columns");
    mapscan_options_init(&o);
    o.columns = "a:i32";
    o.field = "a";
    expect_refused(data, sizeof data, NULL, &o, "a field and columns both given", "field and columns");
    expect_refused(NULL, 0, path, &o, "a field and columns both given", "field and columns");
    mapscan_options_init(&o);
    o.channels = 2;
    o.field = "a,b";
    expect_refused(NULL, 0, path, &o, "a field and channels both given", "field and channels");
    mapscan_options_init(&o);
    o.columns = "a:i32,b:i16";
    o.record_size = 8;
    o.field_offset = 4;
    expect_refused(data, sizeof data, NULL, &o, "field offset with several columns", "field offset");
    mapscan_options_init(&o);
    o.channels = 3;
    o.field_offset = 4;
    o.record_size = 16;
    expect_refused(data, sizeof data, NULL, &o, "field offset with several columns", "field offset, channels");
    /* a raw offset may be anything (a header before the records); bytes after the last whole record are
     * trailing bytes, as for one column */
    mapscan_options_init(&o);
    o.columns = "a:i32,b:i32";
    o.offset = 3;
    mapscan_result r;
    mapscan_error e;
    cr_assert_eq(mapscan_scan_memory(data, sizeof data, &o, &r, &e), MAPSCAN_E_TRAILING, "%s", e.message);
    cr_assert(strstr(e.message, "trailing"), "%s", e.message);
    cr_assert_eq(r.ncolumns, 0);
    cr_assert_eq(mapscan_scan_path(path, &o, &r, &e), MAPSCAN_E_TRAILING, "%s", e.message);
    o.length = 8 * 100;
    cr_assert_eq(mapscan_scan_memory(data, sizeof data, &o, &r, &e), MAPSCAN_OK, "%s", e.message);
    cr_assert(r.ncolumns == 2 && r.columns[1].stats.count == 100 && !r.columns[1].extra.origin_whole);
    mapscan_result_free(&r);
    o.offset = 8;
    o.length = 12;
    cr_assert_eq(mapscan_scan_memory(data, sizeof data, &o, &r, &e), MAPSCAN_E_TRAILING, "%s", e.message);
    /* raw channels */
    mapscan_options_init(&o);
    o.channels = MAPSCAN_CHANNELS_AUTO;
    expect_refused(data, sizeof data, NULL, &o, "need a .npy header's shape", "auto channels of raw data");
    o.channels = 3;
    o.record_size = 8;
    expect_refused(data, sizeof data, NULL, &o, "3 channels of i32 do not fit in a record of 8 bytes", "channels");
    mapscan_options_init(&o);
    o.field = "a,b";
    expect_refused(data, sizeof data, NULL, &o, "a raw file has no header", "a field list of raw data");
    unlink(path);

    /* .npy files */
    struct { const char *dict; unsigned channels; const char *field, *columns; uint64_t record; const char *phrase; }
    npy[] = {
        { "{'descr': '<i4', 'fortran_order': False, 'shape': (12,), }", 3, NULL, NULL, 0, "2 or more dimensions" },
        { "{'descr': '<i4', 'fortran_order': False, 'shape': (12,), }", MAPSCAN_CHANNELS_AUTO, NULL, NULL, 0,
          "2 or more dimensions" },
        { "{'descr': '<i4', 'fortran_order': False, 'shape': (), }", MAPSCAN_CHANNELS_AUTO, NULL, NULL, 0,
          "2 or more dimensions" },
        { "{'descr': '<i4', 'fortran_order': False, 'shape': (4, 3), }", 5, NULL, NULL, 0,
          "holds 3 channels, not 5" },
        { "{'descr': '<i4', 'fortran_order': True, 'shape': (4, 3), }", 2, NULL, NULL, 0, "holds 3 channels, not 2" },
        { "{'descr': '<i4', 'fortran_order': False, 'shape': (4, 0), }", MAPSCAN_CHANNELS_AUTO, NULL, NULL, 0,
          "no channels" },
        { "{'descr': '<i4', 'fortran_order': False, 'shape': (4, 3), }", 3, NULL, NULL, 12, "for raw files" },
        { "{'descr': '<i4', 'fortran_order': False, 'shape': (4, 3), }", 0, NULL, "a:i32", 0,
          "a .npy header gives the layout" },
        { "{'descr': [('a', '<i4'), ('c', '<u2', (3,))], 'fortran_order': False, 'shape': (4,), }", 2, NULL, NULL,
          0, "a structured dtype has fields, not channels" },
        { "{'descr': [('s', '|S4'), ('v', '|V2')], 'fortran_order': False, 'shape': (4,), }", 0, "all", NULL, 0,
          "no numeric fields" },
        { "{'descr': [('a', '<i4'), ('c', '<u2', (3,))], 'fortran_order': False, 'shape': (4,), }", 0, "a,nosuch",
          NULL, 0, "no field 'nosuch'" },
        { "{'descr': [('a', '<i4'), ('c', '<u2', (3,))], 'fortran_order': False, 'shape': (4,), }", 0, "c[3]", NULL,
          0, "no element 3" },
        { "{'descr': [('a', '<i4'), ('c', '<u2', (3,))], 'fortran_order': False, 'shape': (4,), }", 0, "a,c[99]",
          NULL, 0, "holds 3 elements: no element 99" },
        { "{'descr': [('a', '<i4'), ('c', '<u2', (3,))], 'fortran_order': False, 'shape': (4,), }", 0, "a[0]", NULL,
          0, "not a sub-array" },
        { "{'descr': [('a', '<i4'), ('c', '<u2', (3,))], 'fortran_order': False, 'shape': (4,), }", 0, "a,,c[0]",
          NULL, 0, "an empty name" },
        { "{'descr': [('a', '<i4'), ('c', '<u2', (3,))], 'fortran_order': False, 'shape': (4,), }", 0, "a,", NULL,
          0, "an empty name" },
        { "{'descr': [('a', '<i4'), ('s', '|S3')], 'fortran_order': False, 'shape': (4,), }", 0, "a,s", NULL, 0,
          "not a number mapscan scans" },
        { "{'descr': [('a', '<i4'), ('c', '<u2', (3,))], 'fortran_order': False, 'shape': (4,), }", 0, "a,a", NULL,
          0, "named twice" },
        { "{'descr': [('a', '<i4'), ('c', '<u2', (3,))], 'fortran_order': False, 'shape': (4,), }", 0, "c,c[1]",
          NULL, 0, "named twice" },
    };
    for (size_t i = 0; i < sizeof npy / sizeof npy[0]; i++) {
        npy_file(path, sizeof path, npy[i].dict, data, sizeof data, NULL);
        mapscan_options_init(&o);
        o.channels = npy[i].channels;
        o.field = npy[i].field;
        o.columns = npy[i].columns;
        o.record_size = npy[i].record;
        o.allow_trailing = true;
        char what[300];
        snprintf(what, sizeof what, "%s with %s", npy[i].dict, npy[i].field ? npy[i].field : "channels");
        expect_refused(NULL, 0, path, &o, npy[i].phrase, what);
        unlink(path);
    }
    /* a .npy's offset falls between rows (elements, in Fortran order), whatever the trailing bytes */
    npy_file(path, sizeof path, "{'descr': '<i4', 'fortran_order': False, 'shape': (4, 3), }", data, 48, NULL);
    mapscan_options_init(&o);
    o.channels = 3;
    o.offset = 4;
    expect_refused(NULL, 0, path, &o, "offset 4 is not a whole number of 12-byte rows", "a .npy offset in a row");
    o.offset = 12;
    o.length = 20;
    cr_assert_eq(mapscan_scan_path(path, &o, &r, &e), MAPSCAN_E_TRAILING, "%s", e.message);
    unlink(path);
    npy_file(path, sizeof path, "{'descr': '<i4', 'fortran_order': True, 'shape': (4, 3), }", data, 48, NULL);
    mapscan_options_init(&o);
    o.channels = MAPSCAN_CHANNELS_AUTO;
    o.offset = 6;
    expect_refused(NULL, 0, path, &o, "offset 6 is not a whole number of 4-byte elements", "Fortran, in an element");
    unlink(path);
    /* a type or byte order with a field list: each field has the header's */
    npy_file(path, sizeof path, "{'descr': [('a', '<i4'), ('b', '<i2')], 'fortran_order': False, 'shape': (8,), }",
             data, 48, NULL);
    mapscan_options_init(&o);
    o.field = "all";
    o.type = MAPSCAN_I32;
    o.type_set = true;
    expect_refused(NULL, 0, path, &o, "a type given, but each field has the header's own", "type with fields");
    mapscan_options_init(&o);
    o.field = "a,b";
    o.endian = MAPSCAN_LITTLE;
    o.endian_set = true;
    expect_refused(NULL, 0, path, &o, "a byte order given", "byte order with fields");
    unlink(path);
}

/* A column whose offset is past any record: refused however large the
 * number (an offset near 2^64 must not wrap around to fit). */
Test(columns, an_offset_past_any_record_is_refused)
{
    unsigned char data[64 * 16] = { 0 };
    static const struct { const char *columns; uint64_t record; } cases[] = {
        { "a:i32@0,b:i32@18446744073709551614", 16 },
        { "a:i32@0,b:i64@18446744073709551612", 16 },
        { "a:i32@0,b:u8@18446744073709551615", 16 },
        { "a:u8@18446744073709551615", 0 },
        { "a:i16@18446744073709551615", 0 },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        mapscan_options o;
        mapscan_options_init(&o);
        o.columns = cases[i].columns;
        o.record_size = cases[i].record;
        mapscan_result r;
        mapscan_error e;
        memset(&e, 0, sizeof e);
        mapscan_status s = mapscan_scan_memory(data, sizeof data, &o, &r, &e);
        cr_assert_eq(s, MAPSCAN_E_INVALID, "%s in %llu-byte records: status %d, %zu columns (%s)", cases[i].columns,
                     (unsigned long long)cases[i].record, (int)s, r.ncolumns, e.message);
        if (s == MAPSCAN_OK)
            mapscan_result_free(&r);
    }
}

/* Field names with a comma or a backslash in a list: a comma after a
 * backslash is part of the name, and a doubled backslash is a backslash
 * (the comma after it separates). */
Test(columns, field_lists_with_escaped_commas_and_backslashes)
{
    /* fields "x,y", "a\" and "b" */
    const char *dict = "{'descr': [('x,y', '<i4'), ('a\\\\', '<i2'), ('b', '|u1')], 'fortran_order': False, "
                       "'shape': (50,), }";
    uint64_t state = 14;
    const col cols[] = { { MAPSCAN_I32, false, 0 }, { MAPSCAN_I16, false, 4 }, { MAPSCAN_U8, false, 6 } };
    unsigned char data[50 * 7];
    fill_records(data, 50, 7, cols, 3, FILL_BITS, &state);
    char path[64];
    npy_file(path, sizeof path, dict, data, sizeof data, NULL);
    want w = want_records(data, sizeof data, 7, cols, 3, 0, UINT64_MAX, &ask_stats);
    mapscan_options o;
    mapscan_options_init(&o);
    o.stats = MAPSCAN_STAT_ALL;
    o.field = "all";
    mapscan_result r = scan_path_ok(path, &o, "all");
    expect_want(&r, &w, "all");
    cr_assert_str_eq(r.columns[0].column, "x,y");
    cr_assert_str_eq(r.columns[1].column, "a\\\\");
    mapscan_result_free(&r);
    /* "x\,y,b": the field "x,y", then b */
    o.field = "x\\,y,b";
    r = scan_path_ok(path, &o, o.field);
    cr_assert_eq(r.ncolumns, 2);
    expect_column(&r.columns[0], &w.col[0].r, 0, "x\\,y");
    expect_column(&r.columns[1], &w.col[2].r, 0, "b");
    mapscan_result_free(&r);
    /* "b,a\\\\": b, then the field named a\ (its spelling a\\) */
    o.field = "b,a\\\\";
    r = scan_path_ok(path, &o, o.field);
    cr_assert_eq(r.ncolumns, 2);
    expect_column(&r.columns[1], &w.col[1].r, 0, "a\\\\ last");
    mapscan_result_free(&r);
    /* "a\\\\,b": the field named a\, then b: the comma follows an escaped backslash */
    o.field = "a\\\\,b";
    r = scan_path_ok(path, &o, o.field);
    cr_assert_eq(r.ncolumns, 2);
    expect_column(&r.columns[0], &w.col[1].r, 0, "a\\\\ first");
    expect_column(&r.columns[1], &w.col[2].r, 0, "b after a\\\\");
    mapscan_result_free(&r);
    want_free(&w);
    unlink(path);
}

/* ---- 11. copies, merges, frees ---- */

Test(columns, copies_and_merges_of_halves_equal_the_whole)
{
    uint64_t state = 15;
    const col cols[] = { { MAPSCAN_I16, true, 0 }, { MAPSCAN_F64, false, 2 }, { MAPSCAN_U32, false, 10 },
                         { MAPSCAN_F16, true, 14 } };
    const char *spec = "a:>i2,b:f64,c:u32,d:>f2";
    size_t record = 16, nrec = 3000;
    unsigned char *data = malloc(nrec * record);
    fill_records(data, nrec, record, cols, 4, FILL_FEW, &state);
    char path[64];
    write_temp_file(path, sizeof path, data, nrec * record);
    mapscan_options o;
    mapscan_options_init(&o);
    o.columns = spec;
    apply(&o, &ask_all_ranged);
    mapscan_result whole = scan_path_ok(path, &o, "whole");
    size_t cuts[] = { 0, 1, nrec / 2, 1234, nrec - 1, nrec };
    for (size_t k = 0; k < sizeof cuts / sizeof cuts[0]; k++) {
        size_t cut = cuts[k];
        mapscan_options oa = o, ob = o;
        oa.length = cut * record;
        ob.offset = cut * record;
        mapscan_result a = scan_path_ok(path, &oa, "first half"), b = scan_path_ok(path, &ob, "second half");
        uint64_t a0 = a.columns[0].extra.counts[0];
        mapscan_result total;
        mapscan_error e;
        cr_assert_eq(mapscan_result_copy(&total, &a, &e), MAPSCAN_OK, "%s", e.message);
        cr_assert_eq(total.ncolumns, 4);
        cr_assert(total.columns != a.columns, "the copy owns its columns");
        for (size_t c = 0; c < 4; c++) {
            cr_assert(total.columns[c].extra.counts != a.columns[c].extra.counts, "the copy owns its counts");
            cr_assert_str_eq(total.columns[c].column, a.columns[c].column);
            expect_column(&total.columns[c], &a.columns[c], 0, "the copy");
            shift_positions(&b.columns[c], cut);
        }
        mapscan_result_merge(&total, &b);
        cr_assert_eq(a.columns[0].extra.counts[0], a0, "the merge into the copy left the original alone");
        for (size_t c = 0; c < 4; c++) {
            mapscan_result want_r = whole.columns[c];
            if (b.columns[c].stats.count)
                want_r.extra.nquantiles = 0;    /* quantiles are never merged (but b's nothing leaves a's) */
            char what[64];
            snprintf(what, sizeof what, "halves cut at %zu, column %zu", cut, c);
            expect_column(&total.columns[c], &want_r, 0, what);
        }
        cr_assert_eq(total.stats.count, 0);
        cr_assert_eq(total.bytes, whole.bytes);
        mapscan_result_free(&total);
        cr_assert_null(total.columns);
        cr_assert_eq(total.ncolumns, 0);
        mapscan_result_free(&total);        /* twice */
        mapscan_result_free(&a);
        mapscan_result_free(&b);
    }
    /* a merge of results with other numbers of columns leaves a's columns as they are */
    mapscan_options single = o;
    single.columns = "a:>i2";
    single.record_size = record;
    mapscan_result r1 = scan_path_ok(path, &single, "one column");
    mapscan_result copy;
    mapscan_error e;
    cr_assert_eq(mapscan_result_copy(&copy, &whole, &e), MAPSCAN_OK);
    mapscan_result_merge(&copy, &r1);
    for (size_t c = 0; c < 4; c++)
        expect_column(&copy.columns[c], &whole.columns[c], 0, "a merge of 4 columns with 1");
    mapscan_result_free(&copy);
    mapscan_result_free(&r1);
    /* halves whose histograms over the data have other edges: the merge drops them (bins 0, the
     * counts array still there), and a copy of that merge copies no counts (UBSan: no memcpy to NULL) */
    mapscan_options oh;
    mapscan_options_init(&oh);
    oh.columns = "a:i32,b:u32";
    oh.histogram_bins = 4;
    unsigned char halves[8 * 100];
    for (size_t i = 0; i < sizeof halves; i++)
        halves[i] = (unsigned char)(i < 400 ? i % 7 : i);
    oh.length = 400;
    mapscan_result h1 = scan_memory_ok(halves, sizeof halves, &oh, "first half");
    oh.offset = 400;
    oh.length = UINT64_MAX;
    mapscan_result h2 = scan_memory_ok(halves, sizeof halves, &oh, "second half");
    mapscan_result merged, again;
    cr_assert_eq(mapscan_result_copy(&merged, &h1, &e), MAPSCAN_OK);
    mapscan_result_merge(&merged, &h2);
    cr_assert(merged.columns[0].extra.bins == 0 && merged.columns[1].extra.bins == 0, "other edges: no histogram");
    cr_assert_eq(mapscan_result_copy(&again, &merged, &e), MAPSCAN_OK);
    cr_assert_eq(again.columns[1].stats.count, 100);
    cr_assert_eq(again.columns[0].extra.bins, 0);
    mapscan_result_free(&again);
    mapscan_result_free(&merged);
    mapscan_result_free(&h1);
    mapscan_result_free(&h2);
    /* a copy of a result without columns has none; free of a zeroed result */
    mapscan_options plain;
    mapscan_options_init(&plain);
    plain.type = MAPSCAN_I16;
    mapscan_result p = scan_path_ok(path, &plain, "plain");
    cr_assert_eq(mapscan_result_copy(&copy, &p, &e), MAPSCAN_OK);
    cr_assert_eq(copy.ncolumns, 0);
    cr_assert_null(copy.columns);
    cr_assert_eq(copy.stats.count, p.stats.count);
    mapscan_result_free(&copy);
    mapscan_result_free(&p);
    mapscan_result zero;
    memset(&zero, 0, sizeof zero);
    mapscan_result_free(&zero);
    mapscan_result_free(&zero);
    mapscan_result_free(&whole);
    mapscan_result_free(&whole);
    unlink(path);
    free(data);
}

/* ---- 12. an older caller ---- */

/* A caller built against 0.6's header has a mapscan_result without
 * columns: a list of fields or "all" is refused, and no byte past its
 * result is written; one field is served as before. */
Test(columns, a_caller_built_against_0_6_is_refused_several_columns)
{
    const char *dict = "{'descr': [('a', '<i4'), ('b', '<i2')], 'fortran_order': False, 'shape': (10,), }";
    unsigned char data[60];
    for (size_t i = 0; i < sizeof data; i++)
        data[i] = (unsigned char)i;
    char path[64];
    npy_file(path, sizeof path, dict, data, sizeof data, NULL);
    size_t old_result = offsetof(mapscan_result, column), old_options = offsetof(mapscan_options, channels);
    static const char *fields[] = { "all", "a,b", "b,a", "a," };
    for (int sized = 0; sized < 2; sized++)
        for (size_t f = 0; f < sizeof fields / sizeof fields[0]; f++) {
            mapscan_options o;
            mapscan_options_init(&o);
            if (sized)
                o.struct_size = old_options;
            o.result_size = old_result;
            o.field = fields[f];
            unsigned char *raw = malloc(sizeof(mapscan_result));
            memset(raw, 0xab, sizeof(mapscan_result));
            mapscan_result *r = (mapscan_result *)(void *)raw;
            mapscan_error e;
            mapscan_status s = mapscan_scan_path(path, &o, r, &e);
            cr_assert_eq(s, MAPSCAN_E_INVALID, "%s, %s options: status %d", fields[f], sized ? "0.6" : "0.7", (int)s);
            if (f < 3)
                cr_assert(strstr(e.message, "older than 0.7"), "%s", e.message);
            for (size_t k = old_result; k < sizeof(mapscan_result); k++)
                cr_assert_eq(raw[k], 0xab, "%s: byte %zu past the 0.6 result was written", fields[f], k);
            /* one field: served */
            o.field = "b";
            memset(raw, 0xab, sizeof(mapscan_result));
            s = mapscan_scan_path(path, &o, r, &e);
            cr_assert_eq(s, MAPSCAN_OK, "%s", e.message);
            cr_assert_eq(r->stats.count, 10);
            for (size_t k = old_result; k < sizeof(mapscan_result); k++)
                cr_assert_eq(raw[k], 0xab, "byte %zu past the 0.6 result was written", k);
            free(raw);
        }
    /* raw columns and channels from 0.7 options with a 0.6 result: refused too */
    mapscan_options o;
    mapscan_options_init(&o);
    o.result_size = old_result;
    o.columns = "a:i32,b:i16";
    mapscan_result r;
    mapscan_error e;
    cr_assert_eq(mapscan_scan_memory(data, 60, &o, &r, &e), MAPSCAN_E_INVALID);
    cr_assert(strstr(e.message, "older than 0.7"), "%s", e.message);
    mapscan_options_init(&o);
    o.result_size = old_result;
    o.channels = 3;
    o.type = MAPSCAN_U8;
    cr_assert_eq(mapscan_scan_memory(data, 60, &o, &r, &e), MAPSCAN_E_INVALID);
    unlink(path);
}

/* ---- 13. extents, positions as indexes, progress, edge values ---- */

/* The element at an index of an array of shape (C order or Fortran), as
 * a number: integers exactly, f32 and f64 as binary64. */
static bool element_value(const unsigned char *data, mapscan_type t, bool big, uint64_t at, double *v, __int128 *i)
{
    size_t n = size_of(t);
    uint64_t bits = 0;
    for (size_t b = 0; b < n; b++)
        bits |= (uint64_t)data[at * n + (big ? n - 1 - b : b)] << (8 * b);
    if (t == MAPSCAN_F32) {
        uint32_t u = (uint32_t)bits;
        float f;
        memcpy(&f, &u, 4);
        *v = f;
        return true;
    }
    if (t == MAPSCAN_F64) {
        memcpy(v, &bits, 8);
        return true;
    }
    if (mapscan_type_is_float(t))
        return false;
    unsigned shift = 64 - 8 * (unsigned)n;
    *i = mapscan_type_is_signed(t) ? (__int128)((int64_t)(bits << shift) >> shift) : (__int128)bits;
    return true;
}

static __int128 int128_of(mapscan_int128 x) { return (__int128)x.hi * ((__int128)1 << 64) + (__int128)x.lo; }

/* Each column's argmin and argmax, unravelled into the column's shape,
 * name an element holding its min and max. */
static void expect_positions_index(const mapscan_result *r, const unsigned char *data, mapscan_type t, bool big,
                                   const uint64_t *shape, unsigned ndim, bool fortran, const char *what)
{
    uint64_t count = 1;
    for (unsigned i = 0; i < ndim; i++)
        count *= shape[i];
    uint64_t nch = shape[ndim - 1], rows = count / nch;
    for (size_t c = 0; c < r->ncolumns; c++) {
        const mapscan_result *col_r = &r->columns[c];
        if (!(col_r->extra.computed & MAPSCAN_STAT_ARGMIN) || counted(col_r) == 0)
            continue;
        for (int which = 0; which < 2; which++) {
            uint64_t index[64];
            uint64_t pos = which ? col_r->extra.argmax : col_r->extra.argmin;
            cr_assert_eq(mapscan_unravel(col_r, pos, index), ndim - 1, "%s: the column's index", what);
            uint64_t flat = 0;      /* the element's place in the whole array */
            if (fortran) {
                for (unsigned k = ndim - 1; k-- > 0;)
                    flat = flat * shape[k] + index[k];
                flat += c * rows;
            } else {
                for (unsigned k = 0; k + 1 < ndim; k++)
                    flat = flat * shape[k] + index[k];
                flat = flat * nch + c;
            }
            double v;
            __int128 iv;
            if (!element_value(data, t, big, flat, &v, &iv))
                continue;
            if (mapscan_type_is_float(t)) {
                double want_v = which ? col_r->floats.max : col_r->floats.min;
                cr_assert(same_bits(v, want_v), "%s, column %zu: the element at its arg%s is %a, not %a", what, c,
                          which ? "max" : "min", v, want_v);
            } else {
                __int128 want_i = int128_of(which ? col_r->stats.max : col_r->stats.min);
                cr_assert(iv == want_i, "%s, column %zu: the element at its arg%s is not the %s", what, c,
                          which ? "max" : "min", which ? "max" : "min");
            }
        }
    }
}

Test(columns, extents_and_positions_as_indexes)
{
    uint64_t state = 16;
    struct { mapscan_type t; bool big; const char *descr; uint64_t shape[4]; unsigned ndim; bool fortran; } cases[] = {
        { MAPSCAN_I32, false, "<i4", { 3, 5, 4 }, 3, false },
        { MAPSCAN_I32, false, "<i4", { 3, 5, 4 }, 3, true },
        { MAPSCAN_F64, true, ">f8", { 7, 2, 3, 5 }, 4, true },
        { MAPSCAN_U16, false, "<u2", { 400, 3 }, 2, false },
        { MAPSCAN_F32, false, "<f4", { 400, 3 }, 2, true },
    };
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        uint64_t count = 1;
        char shape_text[64] = "";
        size_t used = 0;
        for (unsigned i = 0; i < cases[k].ndim; i++) {
            count *= cases[k].shape[i];
            used += (size_t)snprintf(shape_text + used, sizeof shape_text - used, "%llu, ",
                                     (unsigned long long)cases[k].shape[i]);
        }
        size_t elem = size_of(cases[k].t), nch = (size_t)cases[k].shape[cases[k].ndim - 1];
        col one_col = { cases[k].t, cases[k].big, 0 };
        unsigned char *data = malloc(count * elem);
        fill_records(data, count, elem, &one_col, 1, FILL_FEW, &state);
        char dict[320], path[64];
        snprintf(dict, sizeof dict, "{'descr': '%s', 'fortran_order': %s, 'shape': (%s), }", cases[k].descr,
                 cases[k].fortran ? "True" : "False", shape_text);
        size_t header;
        npy_file(path, sizeof path, dict, data, count * elem, &header);
        mapscan_options o;
        mapscan_options_init(&o);
        o.channels = MAPSCAN_CHANNELS_AUTO;
        o.stats = MAPSCAN_STAT_ALL;
        mapscan_result r;
        mapscan_extent x;
        mapscan_error e;
        cr_assert_eq(mapscan_extent_path(path, &o, &r, &x, &e), MAPSCAN_OK, "%s: %s", dict, e.message);
        cr_assert_eq(x.start, header);
        cr_assert_eq(x.unit, cases[k].fortran ? elem : nch * elem, "%s: unit %llu", dict,
                     (unsigned long long)x.unit);
        cr_assert_eq(x.units, cases[k].fortran ? count : count / nch);
        cr_assert_eq(r.ncolumns, nch);
        cr_assert_str_eq(r.columns[nch - 1].column, nch == 3 ? "ch2" : nch == 4 ? "ch3" : "ch4");
        mapscan_result_free(&r);
        r = scan_path_ok(path, &o, dict);
        expect_positions_index(&r, data, cases[k].t, cases[k].big, cases[k].shape, cases[k].ndim, cases[k].fortran,
                               dict);
        mapscan_result_free(&r);
        /* from an offset: positions count from the scan's first row (C) or the run's start (Fortran) */
        o.offset = (cases[k].fortran ? 5 : 2 * nch) * elem;
        r = scan_path_ok(path, &o, dict);
        expect_positions_index(&r, data, cases[k].t, cases[k].big, cases[k].shape, cases[k].ndim, cases[k].fortran,
                               dict);
        mapscan_result_free(&r);
        unlink(path);
        free(data);
    }
    /* raw columns: the record is the unit */
    unsigned char data[30 * 10] = { 0 };
    char path[64];
    write_temp_file(path, sizeof path, data, sizeof data);
    mapscan_options o;
    mapscan_options_init(&o);
    o.columns = "a:i16,b:f64@2";
    o.record_size = 10;
    o.offset = 20;
    mapscan_result r;
    mapscan_extent x;
    mapscan_error e;
    cr_assert_eq(mapscan_extent_path(path, &o, &r, &x, &e), MAPSCAN_OK, "%s", e.message);
    cr_assert(x.start == 20 && x.unit == 10 && x.units == 28, "%llu %llu %llu", (unsigned long long)x.start,
              (unsigned long long)x.unit, (unsigned long long)x.units);
    cr_assert_eq(r.ncolumns, 2);
    cr_assert_eq(r.columns[1].field_offset, 2);
    mapscan_result_free(&r);
    o.offset = 21;      /* a raw file's records start anywhere */
    o.length = 270;
    cr_assert_eq(mapscan_extent_path(path, &o, &r, &x, &e), MAPSCAN_OK, "%s", e.message);
    cr_assert(x.start == 21 && x.unit == 10 && x.units == 27);
    mapscan_result_free(&r);
    o.length = UINT64_MAX;
    cr_assert_eq(mapscan_extent_path(path, &o, &r, &x, &e), MAPSCAN_E_TRAILING, "%s", e.message);
    cr_assert_eq(r.ncolumns, 0);
    unlink(path);
}

typedef struct progress_log {
    uint64_t last, total, calls;
    bool backwards, past_total;
} progress_log;

static void log_progress(uint64_t done, uint64_t total, void *arg)
{
    progress_log *p = arg;
    if (done < p->last)
        p->backwards = true;
    if (total && done > total)
        p->past_total = true;
    p->last = done;
    p->total = total;
    p->calls++;
}

/* Constant columns, a column of NaN only, infinities; progress over every pass. */
Test(columns, constants_nan_infinities_and_progress)
{
    size_t nrec = 3000, record = 18;
    unsigned char *data = malloc(nrec * record);
    uint64_t state = 17;
    for (size_t i = 0; i < nrec; i++) {
        unsigned char *p = data + i * record;
        store_bits(p, MAPSCAN_I32, false, (uint64_t)(uint32_t)-5);                 /* a: constant -5 */
        store_bits(p + 4, MAPSCAN_F32, true, 0x7fc00000 | (test_random(&state) & 0xffff));     /* b: NaN only */
        double v = i % 97 == 5 ? INFINITY : i % 89 == 3 ? -INFINITY : (double)(i % 13) - 6;
        uint64_t bits;
        memcpy(&bits, &v, 8);
        store_bits(p + 8, MAPSCAN_F64, false, bits);                                /* c: with infinities */
        store_bits(p + 16, MAPSCAN_U16, false, 7);                                  /* d: constant 7 */
    }
    const col cols[] = { { MAPSCAN_I32, false, 0 }, { MAPSCAN_F32, true, 4 }, { MAPSCAN_F64, false, 8 },
                         { MAPSCAN_U16, false, 16 } };
    char path[64];
    write_temp_file(path, sizeof path, data, nrec * record);
    const ask *asks[] = { &ask_all_ranged, &ask_few };
    for (size_t ai = 0; ai < 2; ai++) {
        mapscan_options o;
        mapscan_options_init(&o);
        o.columns = "a:i32,b:>f4,c:f64,d:u16";
        apply(&o, asks[ai]);
        progress_log log = { 0, 0, 0, false, false };
        o.progress = log_progress;
        o.progress_arg = &log;
        mapscan_result r;
        mapscan_error e;
        mapscan_status s = mapscan_scan_path(path, &o, &r, &e);
        if (!asks[ai]->ranged) {
            /* column c's infinities leave its histogram no finite range: the whole scan says so */
            cr_assert_eq(s, MAPSCAN_E_INVALID, "%d %s", (int)s, e.message);
            cr_assert(strstr(e.message, "not finite"), "%s", e.message);
            cr_assert_eq(r.ncolumns, 0);
            /* without c, the others answer */
            o.columns = "a:i32,b:>f4@4,d:u16@16";
            o.record_size = record;
            s = mapscan_scan_path(path, &o, &r, &e);
            cr_assert_eq(s, MAPSCAN_OK, "%s", e.message);
            const col rest[] = { cols[0], cols[1], cols[3] };
            want w = want_records(data, nrec * record, record, rest, 3, 0, UINT64_MAX, asks[ai]);
            expect_want(&r, &w, "constants and NaN");
            cr_assert(r.columns[0].extra.lo == -5.5 && r.columns[0].extra.hi == -4.5, "a constant's bins: %g..%g",
                      r.columns[0].extra.lo, r.columns[0].extra.hi);
            cr_assert(r.columns[1].extra.lo == 0 && r.columns[1].extra.hi == 1, "nothing counted: bins 0..1");
            cr_assert(isnan(r.columns[1].extra.quantile[0]), "nothing counted: NaN quantiles");
            want_free(&w);
            mapscan_result_free(&r);
            continue;
        }
        cr_assert_eq(s, MAPSCAN_OK, "%s", e.message);
        want w = want_records(data, nrec * record, record, cols, 4, 0, UINT64_MAX, asks[ai]);
        expect_want(&r, &w, "constants, NaN, infinities");
        cr_assert_eq(r.columns[1].floats.nan, nrec);
        cr_assert(r.columns[2].extra.below == 33 && r.columns[2].extra.above == 31,
                  "the infinities outside the range: %llu below, %llu above",
                  (unsigned long long)r.columns[2].extra.below, (unsigned long long)r.columns[2].extra.above);
        want_free(&w);
        mapscan_result_free(&r);
        cr_assert_gt(log.calls, 0);
        cr_assert_not(log.backwards, "progress went backwards");
        cr_assert_not(log.past_total, "progress past its total");
    }
    unlink(path);
    free(data);
}
