/* Several columns in one pass (0.7) against each column's one-column scan:
 * every column's result must be that scan's bit for bit (count, min, max,
 * sum, the floats' exact sums, var, std, squares, argmin, argmax,
 * quantiles, histogram).
 *
 * The first HEADER bytes choose:
 *   [0] & 7 the layout: 0-2 raw columns "cK:TYPE[@OFF]" (types below),
 *       3 raw channels, 4 a .npy's channels in C order, 5 in Fortran
 *       order, 6-7 a spec taken from the input's bytes (up to a NUL, at
 *       most 200): refused with MAPSCAN_E_INVALID and a message, or
 *       columns that fit the record without overlapping, each its scan;
 *   [0] >> 3 & 7 the columns - 1; [0] >> 6 & 1 every offset written;
 *       [0] >> 7 padding after the last column;
 *   [1] & 7 the stats bits; [1] >> 3 & 1 quantiles (a count byte % 3 + 1,
 *       then each q as fuzz_select reads them); [1] >> 4 & 3 a histogram
 *       (1 ranged, 2 over the data, else none); [1] >> 6 & 1 ddof 1;
 *       [1] >> 7 a memfd rather than memory (raw layouts);
 *   [2] & 3 threads - 1; [2] >> 2 & 3 the kernel (3: the default);
 *       [2] >> 4 & 3 the backend (memfd);
 *   [3] the offset and [4] the length, in units (rows; a Fortran array's
 *       elements): [3] % (units + 1), [4] == 255: to the end;
 *   [5] channels' type (% 12) and byte order (>> 7);
 * then, for layouts 0-2, a type byte (% 12, >> 7 big) and a gap byte (& 7,
 * bytes before the column when offsets are written) per column; then the
 * q's; then the data, cut to whole rows (at most MAX_DATA bytes). */
#include "fuzz.h"

#include <mapscan.h>
#include <sys/mman.h>

#define HEADER 6
#define MAX_DATA ((size_t)1 << 15)
#define MAX_COLUMNS 8

static const char *const kernels[] = { "scalar", "avx2", "avx512", NULL };
static const char *const numpy_names[] = { "int8", "uint8", "int16", "uint16", "int32", "uint32", "int64", "uint64",
                                           "float16", "bfloat16", "float32", "float64" };
static const char *const npy_codes[] = { "|i1", "|u1", "i2", "u2", "i4", "u4", "i8", "u8", "f2", NULL, "f4", "f8" };

typedef struct column {
    mapscan_type type;
    bool big;
    uint64_t offset;
} column;

typedef struct request {
    unsigned stats;
    uint64_t ddof;
    size_t nq;
    double q[3];
    uint64_t bins;
    bool ranged;
} request;

static void apply(mapscan_options *o, const request *q)
{
    o->stats = q->stats;
    o->ddof = q->ddof;
    o->nquantiles = q->nq;
    o->quantiles = q->nq ? q->q : NULL;
    o->histogram_bins = q->bins;
    o->histogram_range = q->ranged;
    o->range_lo = -100.5;
    o->range_hi = 77.25;
}

static bool same_bits(double a, double b) { return memcmp(&a, &b, sizeof a) == 0; }
static bool same_double(double a, double b) { return same_bits(a, b) || (isnan(a) && isnan(b)); }

static uint64_t counted(const mapscan_result *r)
{
    return mapscan_type_is_float(r->type) ? r->stats.count - r->floats.nan : r->stats.count;
}

/* have: a column's result; want: its one-column scan, positions + shift. */
static void expect_same(const mapscan_result *have, const mapscan_result *want, uint64_t shift)
{
    FUZZ_CHECK(have->type == want->type);
    FUZZ_CHECK(have->stats.count == want->stats.count);
    if (want->stats.count) {
        FUZZ_CHECK(memcmp(&have->stats.min, &want->stats.min, sizeof want->stats.min) == 0);
        FUZZ_CHECK(memcmp(&have->stats.max, &want->stats.max, sizeof want->stats.max) == 0);
        FUZZ_CHECK(memcmp(&have->stats.sum, &want->stats.sum, sizeof want->stats.sum) == 0);
    }
    if (mapscan_type_is_float(want->type)) {
        const mapscan_float_stats *a = &have->floats, *b = &want->floats;
        FUZZ_CHECK(a->nan == b->nan);
        FUZZ_CHECK(same_bits(a->min, b->min) && same_bits(a->max, b->max));
        FUZZ_CHECK(same_double(a->sum, b->sum) && same_double(a->mean, b->mean));
        FUZZ_CHECK(memcmp(a->exact.word, b->exact.word, sizeof a->exact.word) == 0);
        FUZZ_CHECK(a->exact.pos_inf == b->exact.pos_inf && a->exact.neg_inf == b->exact.neg_inf);
    }
    const mapscan_extra_stats *x = &have->extra, *y = &want->extra;
    FUZZ_CHECK(x->computed == y->computed);
    if (y->computed & MAPSCAN_STAT_VAR) {
        FUZZ_CHECK(x->ddof == y->ddof);
        FUZZ_CHECK(same_double(x->var, y->var) && same_double(x->std, y->std));
        FUZZ_CHECK(memcmp(x->squares.word, y->squares.word, sizeof x->squares.word) == 0);
        FUZZ_CHECK(x->squares.inf == y->squares.inf);
    }
    uint64_t by = counted(want) ? shift : 0;
    if (y->computed & MAPSCAN_STAT_ARGMIN)
        FUZZ_CHECK(x->argmin == y->argmin + by);
    if (y->computed & MAPSCAN_STAT_ARGMAX)
        FUZZ_CHECK(x->argmax == y->argmax + by);
    FUZZ_CHECK(x->nquantiles == y->nquantiles);
    for (size_t i = 0; i < y->nquantiles; i++)
        FUZZ_CHECK(same_double(x->quantile[i], y->quantile[i]));
    FUZZ_CHECK(x->bins == y->bins);
    if (y->bins) {
        FUZZ_CHECK(x->ranged == y->ranged && same_bits(x->lo, y->lo) && same_bits(x->hi, y->hi));
        FUZZ_CHECK(x->counts != NULL);
        FUZZ_CHECK(memcmp(x->counts, y->counts, y->bins * sizeof *y->counts) == 0);
        FUZZ_CHECK(x->below == y->below && x->above == y->above);
    }
}

/* The one-column scan of memory: its status, its result in *r (counts in counts). */
static mapscan_status one_column(const unsigned char *p, size_t len, const column *c, uint64_t record,
                                 uint64_t offset, uint64_t length, const request *q, uint64_t *counts,
                                 mapscan_result *r)
{
    mapscan_options o;
    mapscan_options_init(&o);
    o.type = c->type;
    o.endian = c->big ? MAPSCAN_BIG : MAPSCAN_LITTLE;
    if (record != mapscan_type_size(c->type)) {
        o.record_size = record;
        o.field_offset = c->offset;
    }
    o.offset = offset;
    o.length = length;
    o.threads = 1;
    apply(&o, q);
    o.histogram_counts = counts;
    mapscan_error e;
    mapscan_status s = mapscan_scan_memory(p, len, &o, r, &e);
    FUZZ_CHECK(s == MAPSCAN_OK || s == MAPSCAN_E_INVALID);     /* INVALID: a histogram over infinite data */
    return s;
}

/* Each column of r against its scan; when the scan of the columns was
 * refused (status s), at least one column's scan is refused too. */
static void check_columns(mapscan_status s, const mapscan_result *r, const unsigned char *p, size_t len,
                          const column *cols, size_t n, uint64_t record, uint64_t offset, uint64_t length,
                          const request *q, bool fortran, uint64_t rows)
{
    uint64_t *counts = calloc(q->bins + 1, sizeof *counts);
    FUZZ_CHECK(counts);
    bool any_refused = false;
    for (size_t c = 0; c < n; c++) {
        mapscan_result want;
        uint64_t shift = 0;
        mapscan_status w;
        if (fortran) {
            /* column c: the part of its run [c * rows, (c + 1) * rows) the units cover */
            size_t elem = mapscan_type_size(cols[c].type);
            uint64_t first = offset / elem, end = first + length / elem;
            uint64_t lo = c * rows, hi = lo + rows, from = first > lo ? first : lo, to = end < hi ? end : hi;
            if (to <= from)
                w = one_column(p, 0, &cols[c], elem, 0, 0, q, counts, &want);
            else
                w = one_column(p, len, &cols[c], elem, from * elem, (to - from) * elem, q, counts, &want);
            shift = to > from ? from - lo : 0;
        } else {
            w = one_column(p, len, &cols[c], record, offset, length, q, counts, &want);
        }
        any_refused |= w != MAPSCAN_OK;
        if (s == MAPSCAN_OK) {
            FUZZ_CHECK(w == MAPSCAN_OK);
            expect_same(&r->columns[c], &want, shift);
            FUZZ_CHECK(r->columns[c].extra.origin == (fortran ? 0 : offset / record));
        }
    }
    if (s != MAPSCAN_OK)
        FUZZ_CHECK(s == MAPSCAN_E_INVALID && any_refused);
    free(counts);
}

/* A spec's columns as the result describes them: each fits the record,
 * none overlaps another. */
static void check_layout(const mapscan_result *r, column *cols)
{
    FUZZ_CHECK(r->ncolumns >= 1 && r->ncolumns <= MAPSCAN_MAX_COLUMNS && r->columns);
    for (size_t c = 0; c < r->ncolumns; c++) {
        const mapscan_result *a = &r->columns[c];
        uint64_t size = mapscan_type_size(a->type);
        FUZZ_CHECK(a->field_offset <= r->record_size && r->record_size - a->field_offset >= size);
        for (size_t d = 0; d < c; d++) {
            const mapscan_result *b = &r->columns[d];
            FUZZ_CHECK(a->field_offset + size <= b->field_offset ||
                       b->field_offset + mapscan_type_size(b->type) <= a->field_offset);
            FUZZ_CHECK(strcmp(a->column, b->column) != 0);
        }
        cols[c] = (column){ a->type, mapscan_endian_resolve(a->endian) == MAPSCAN_BIG, a->field_offset };
    }
}

static int memfd_of(const unsigned char *p, size_t len)
{
    int fd = memfd_create("mapscan-fuzz-columns", MFD_CLOEXEC);
    FUZZ_CHECK(fd >= 0);
    fuzz_write_all(fd, p, len);
    FUZZ_CHECK(lseek(fd, 0, SEEK_SET) == 0);      /* a descriptor is scanned from its offset */
    return fd;
}

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
    if (size < HEADER)
        return 0;
    fuzz_input in = { data + HEADER, size - HEADER };
    unsigned layout = data[0] & 7;
    size_t n = 1 + (data[0] >> 3 & 7);
    bool offsets = data[0] >> 6 & 1, padded = data[0] >> 7;
    request q = { .stats = data[1] & 7, .ddof = data[1] >> 6 & 1 };
    bool use_fd = data[1] >> 7;
    unsigned threads = 1 + (data[2] & 3);
    const char *kernel = kernels[data[2] >> 2 & 3];
    mapscan_backend backend = (mapscan_backend)(data[2] >> 4 & 3);
    mapscan_type ch_type = (mapscan_type)(data[5] % 12);
    bool ch_big = data[5] >> 7;

    column cols[MAX_COLUMNS];
    char spec[MAX_COLUMNS * 40 + 1] = "", typebuf[24];
    uint64_t record = 0;
    mapscan_options o;
    mapscan_options_init(&o);
    if (layout <= 2) {
        size_t used = 0;
        for (size_t c = 0; c < n; c++) {
            unsigned t = (unsigned)fuzz_take(&in, 1), gap = (unsigned)fuzz_take(&in, 1);
            cols[c].type = (mapscan_type)(t % 12);
            cols[c].big = t >> 7 && mapscan_type_size(cols[c].type) > 1;
            cols[c].offset = record + (offsets ? (gap & 7) : 0);
            record = cols[c].offset + mapscan_type_size(cols[c].type);
            /* the type's spelling: mapscan's name (little), or a byte order and numpy's */
            const char *type_text = mapscan_type_name(cols[c].type);
            if (cols[c].big || gap >> 3 & 1) {
                snprintf(typebuf, sizeof typebuf, "%c%s", cols[c].big ? '>' : '<', numpy_names[cols[c].type]);
                type_text = typebuf;
            }
            used += (size_t)snprintf(spec + used, sizeof spec - used, "%sc%zu:%s", c ? "," : "", c, type_text);
            if (offsets)
                used += (size_t)snprintf(spec + used, sizeof spec - used, "@%llu",
                                         (unsigned long long)cols[c].offset);
        }
        if (padded)
            record += 1 + (data[5] & 7);
        o.columns = spec;
        o.record_size = padded ? record : 0;
    } else if (layout == 3 || layout == 4 || layout == 5) {
        if (layout != 3 && ch_type == MAPSCAN_BF16)
            ch_type = MAPSCAN_F16;      /* numpy has no bfloat16 */
        size_t elem = mapscan_type_size(ch_type);
        for (size_t c = 0; c < n; c++)
            cols[c] = (column){ ch_type, ch_big && elem > 1, layout == 5 ? 0 : c * elem };
        record = layout == 5 ? elem : n * elem;
        if (layout == 3 && padded) {
            record += 1 + (data[5] >> 4 & 7);
            o.record_size = record;
        }
        if (layout == 3) {
            o.type = ch_type;
            o.endian = cols[0].big ? MAPSCAN_BIG : MAPSCAN_LITTLE;
            o.channels = (unsigned)n;
        } else {
            o.channels = data[5] & 0x40 ? MAPSCAN_CHANNELS_AUTO : (unsigned)n;
        }
    } else {
        size_t len = 0;
        while (len < 200 && len < in.left && in.p[len])
            len++;
        memcpy(spec, in.p, len);
        spec[len] = '\0';
        in.p += len + (len < in.left);
        in.left -= len + (len < in.left);
        o.columns = spec;
        o.record_size = padded ? data[5] : 0;
    }
    if (data[1] >> 3 & 1) {
        q.nq = 1 + fuzz_take(&in, 1) % 3;
        for (size_t i = 0; i < q.nq; i++)
            q.q[i] = fuzz_take_q(&in);
    }
    unsigned hist = data[1] >> 4 & 3;
    q.bins = hist == 1 || hist == 2 ? 1 + fuzz_take(&in, 1) % 16 : 0;
    q.ranged = hist == 1;
    apply(&o, &q);
    o.threads = threads;
    o.kernel = kernel && mapscan_kernel_available(kernel) ? kernel : NULL;
    o.backend = backend;

    /* a spec from the input: refused, or columns laid out as it says */
    mapscan_result r;
    mapscan_error e;
    if (layout >= 6) {
        size_t len = in.left < MAX_DATA ? in.left : MAX_DATA;
        mapscan_status s = mapscan_scan_memory(in.p, len, &o, &r, &e);
        if (s == MAPSCAN_E_TRAILING) {
            mapscan_result_free(&r);
            return 0;
        }
        if (s != MAPSCAN_OK) {
            FUZZ_CHECK(r.ncolumns == 0 && r.columns == NULL);
            FUZZ_CHECK(e.message[0] != '\0');
            /* INVALID: the spec; a histogram over infinite data; NOMEM: 4096 columns of 1 MiB... */
            FUZZ_CHECK(s == MAPSCAN_E_INVALID || s == MAPSCAN_E_NOMEM);
            return 0;
        }
        column found[MAX_COLUMNS];
        if (r.ncolumns <= MAX_COLUMNS) {
            check_layout(&r, found);
            check_columns(s, &r, in.p, len, found, r.ncolumns, r.record_size, 0, UINT64_MAX, &q, false, 0);
        }
        mapscan_result_free(&r);
        return 0;
    }

    /* the data: whole rows */
    size_t len = in.left < MAX_DATA ? in.left : MAX_DATA;
    size_t row = layout == 5 ? n * record : record;     /* Fortran: whole rows of every channel */
    size_t rows = len / row;
    len = rows * row;
    uint64_t units = layout == 5 ? rows * n : rows;
    uint64_t unit = layout == 5 ? record : row;
    uint64_t first = data[3] % (units + 1);
    uint64_t count = data[4] == 255 || data[4] > units - first ? units - first : data[4];
    o.offset = first * unit;
    o.length = data[4] == 255 ? UINT64_MAX : count * unit;
    const unsigned char *p = in.p;
    mapscan_status s;
    if (layout >= 4) {
        /* a .npy file: its header, then the data */
        char dict[160];
        const char *code = npy_codes[ch_type];
        snprintf(dict, sizeof dict, "{'descr': '%s%s', 'fortran_order': %s, 'shape': (%zu, %zu), }",
                 code[0] == '|' ? "" : cols[0].big ? ">" : "<", code, layout == 5 ? "True" : "False", rows, n);
        unsigned char head[256];
        size_t text = strlen(dict), total = (10 + text + 1 + 63) / 64 * 64;
        memcpy(head, "\x93NUMPY\x01\x00", 8);
        head[8] = (unsigned char)(total - 10);
        head[9] = (unsigned char)((total - 10) >> 8);
        memcpy(head + 10, dict, text);
        memset(head + 10 + text, ' ', total - 10 - text - 1);
        head[total - 1] = '\n';
        int fd = memfd_create("mapscan-fuzz-columns", MFD_CLOEXEC);
        FUZZ_CHECK(fd >= 0);
        fuzz_write_all(fd, head, total);
        fuzz_write_all(fd, p, len);
        FUZZ_CHECK(lseek(fd, 0, SEEK_SET) == 0);
        s = mapscan_scan_fd(fd, &o, &r, &e);
        close(fd);
    } else if (use_fd && len) {
        int fd = memfd_of(p, len);
        s = mapscan_scan_fd(fd, &o, &r, &e);
        close(fd);
    } else {
        s = mapscan_scan_memory(p, len, &o, &r, &e);
    }
    if (s != MAPSCAN_OK) {
        if (s != MAPSCAN_E_INVALID)
            fprintf(stderr, "fuzz_columns: %d %s\n", (int)s, e.message);
        FUZZ_CHECK(r.ncolumns == 0 && r.columns == NULL);
    } else {
        FUZZ_CHECK(r.ncolumns == n);
    }
    check_columns(s, &r, p, len, cols, n, row, o.offset, count * unit, &q, layout == 5, rows);
    mapscan_result_free(&r);
    return 0;
}
