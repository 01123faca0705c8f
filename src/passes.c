/*
 * Stage 5, the answers beyond the first pass: quantiles and histograms.
 *
 * The first pass (the scan of range.c and schedule.c) already counts what
 * needs no other answer first: the top digit of every key for quantiles
 * (all of it for 8- and 16-bit types, whose quantiles are then known), and
 * a histogram whose edges the options fix. After it, a histogram over the
 * data's own min and max takes one more pass, and each further 16-bit
 * digit of the quantiles' keys one more (stats/select.c decides which), all
 * through the same scheduler and readers as the first, over the same
 * range, with the kernel's work replaced by the tally's (kernels/tally.c).
 *
 * A scan split between processes (mapscan-mpi) meets the others through
 * the options' sync hook after the first pass (the statistics, merged) and
 * after every count (summed), so that every part takes the same next pass
 * and ends with the same answers; a part that failed meets them once with
 * its status, and all stop.
 */
#include "stages.h"
#include "stats/wide.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define DIGIT_COUNTERS ((size_t)MS_SELECT_MAX_SLOTS << MS_SELECT_DIGIT_BITS)

mapscan_status ms_passes_check(const mapscan_options *o, mapscan_error *error)
{
    if (o->stats & ~(unsigned)MAPSCAN_STAT_ALL)
        return ms_fail(error, MAPSCAN_E_INVALID, 0, "unknown statistics (bits 0x%x)", o->stats);
    if (o->nquantiles > MAPSCAN_MAX_QUANTILES)
        return ms_fail(error, MAPSCAN_E_INVALID, 0, "%zu quantiles: at most %d", o->nquantiles,
                       MAPSCAN_MAX_QUANTILES);
    if (o->nquantiles && !o->quantiles)
        return ms_fail(error, MAPSCAN_E_INVALID, 0, "%zu quantiles but no array of them", o->nquantiles);
    for (size_t i = 0; i < o->nquantiles; i++)
        if (!(o->quantiles[i] >= 0 && o->quantiles[i] <= 1))
            return ms_fail(error, MAPSCAN_E_INVALID, 0, "quantile %g is not between 0 and 1", o->quantiles[i]);
    if (o->histogram_bins > MAPSCAN_MAX_BINS)
        return ms_fail(error, MAPSCAN_E_INVALID, 0, "%llu bins: at most %llu",
                       (unsigned long long)o->histogram_bins, (unsigned long long)MAPSCAN_MAX_BINS);
    if (o->histogram_range && o->histogram_bins &&
        !(isfinite(o->range_lo) && isfinite(o->range_hi) && o->range_lo < o->range_hi))
        return ms_fail(error, MAPSCAN_E_INVALID, 0, "the range %g:%g is not two finite numbers, the first smaller",
                       o->range_lo, o->range_hi);
    return MAPSCAN_OK;
}

static void set_edges(ms_passes *ps, double lo, double hi)
{
    uint64_t bins = ps->o->histogram_bins;
    for (uint64_t i = 0; i <= bins; i++)
        ps->edges[i] = mapscan_histogram_edge(lo, hi, bins, i);
    ps->histogram.scale = (double)bins / (ps->edges[bins] - ps->edges[0]);
}

/* The tallies' plans, their totals and the edges' room. */
static mapscan_status allocate(ms_passes *ps, const ms_reducer *r, const ms_kernel *kernel, mapscan_error *error)
{
    const mapscan_options *o = ps->o;
    ps->key_bits = (unsigned)mapscan_type_size(r->type) * 8;
    if (o->nquantiles) {
        ps->digits = (ms_tally_plan){ .kind = MS_TALLY_DIGITS, .type = r->type, .swap = r->swap,
                                      .digits_loop = kernel->digits[r->type][r->swap] };
        ps->digits.totals = calloc(DIGIT_COUNTERS + 2, sizeof(uint64_t));
        if (!ps->digits.totals)
            return ms_fail(error, MAPSCAN_E_NOMEM, ENOMEM, "out of memory for the quantiles' counters");
    }
    if (o->histogram_bins) {
        ps->histogram = (ms_tally_plan){ .kind = MS_TALLY_HISTOGRAM, .type = r->type, .swap = r->swap,
                                         .bins = o->histogram_bins, .ncounters = o->histogram_bins,
                                         .clamp = !o->histogram_range,
                                         .bins_loop = kernel->bins[r->type][r->swap] };
        ps->histogram.totals = calloc(o->histogram_bins + 2, sizeof(uint64_t));
        ps->edges = malloc((o->histogram_bins + 1) * sizeof(double));
        ps->histogram.edges = ps->edges;
        if (!ps->histogram.totals || !ps->edges)
            return ms_fail(error, MAPSCAN_E_NOMEM, ENOMEM, "out of memory for the histogram's %llu bins",
                           (unsigned long long)o->histogram_bins);
    }
    return MAPSCAN_OK;
}

/* The first digit: the top 16 bits of every key (or all of a narrower one). */
static void first_digit(ms_passes *ps)
{
    ms_digit_pass *d = &ps->digits.digits;
    d->key_bits = ps->key_bits;
    d->digit_bits = ps->key_bits < MS_SELECT_DIGIT_BITS ? ps->key_bits : MS_SELECT_DIGIT_BITS;
    d->shift = ps->key_bits - d->digit_bits;
    d->nslots = 1;
    d->prefix[0] = 0;
    ps->digits.ncounters = (size_t)1 << d->digit_bits;
}

/* Why a stream cannot answer what was asked. */
static mapscan_status read_once(const mapscan_options *o, mapscan_error *error)
{
    return ms_fail(error, MAPSCAN_E_UNMAPPABLE, 0, "%s more than one pass over the data, and a stream is "
                   "read once (save it to a file first)",
                   o->histogram_bins && !o->histogram_range ? "a histogram without a range needs"
                                                            : "quantiles of a type wider than 16 bits need");
}

/* The passes a column's answers take after the first: all of them when
 * the first pass counts nothing for it, else those after its first digit
 * and a ranged histogram. */
static unsigned column_pass_count(const mapscan_options *o, mapscan_type type, bool counted_first)
{
    unsigned key_bits = (unsigned)mapscan_type_size(type) * 8;
    unsigned digits = o->nquantiles ? (key_bits + MS_SELECT_DIGIT_BITS - 1) / MS_SELECT_DIGIT_BITS : 0;
    if (!counted_first)
        return digits + (o->histogram_bins ? 1 : 0);
    return (digits ? digits - 1 : 0) + (o->histogram_bins && !o->histogram_range ? 1 : 0);
}

static mapscan_status read_once_columns(mapscan_error *error)
{
    return ms_fail(error, MAPSCAN_E_UNMAPPABLE, 0, "quantiles and histograms of several columns need more than one "
                   "pass over the data, and a stream is read once (save it to a file first)");
}

/* The first pass counts every column's first digit and ranged histogram
 * (as it does one column's) while their counters, per worker, stay within
 * this; past it, each column counts in passes of its own. The choice
 * depends on the options and the layout only, so that the parts of a
 * split scan all make it alike. */
#define FIRST_PASS_COUNTERS_BYTES ((uint64_t)8 << 20)

static bool count_in_first_pass(const mapscan_options *o, const ms_reducer *r)
{
    uint64_t bytes = 0;
    for (size_t c = 0; c < r->ncolumns; c++) {
        unsigned key_bits = (unsigned)mapscan_type_size(r->columns[c].type) * 8;
        if (o->nquantiles)
            bytes += sizeof(uint32_t) << (key_bits < MS_SELECT_DIGIT_BITS ? key_bits : MS_SELECT_DIGIT_BITS);
        if (o->histogram_bins && o->histogram_range)
            bytes += sizeof(uint32_t) * o->histogram_bins;
    }
    return (o->nquantiles || (o->histogram_bins && o->histogram_range)) && bytes <= FIRST_PASS_COUNTERS_BYTES;
}

/* Each column's counters of the first pass, in ps->sub[c], plugged into
 * the column's reducers (and the transpose's, which count its runs). */
static mapscan_status columns_count_first(ms_passes *ps, ms_scan_request *req, mapscan_error *error)
{
    const mapscan_options *o = ps->o;
    size_t n = req->reducer.ncolumns;
    ps->sub = calloc(n, sizeof *ps->sub);
    if (!ps->sub)
        return ms_fail(error, MAPSCAN_E_NOMEM, ENOMEM, "out of memory for the counters of %zu columns", n);
    ps->nsub = n;
    ms_reducer *packed = req->reducer.packed ? ps->columns + n : NULL;
    for (size_t c = 0; c < n; c++) {
        ms_passes *sub = &ps->sub[c];
        sub->o = o;
        mapscan_status s = allocate(sub, &ps->columns[c], req->kernel, error);
        if (s != MAPSCAN_OK)
            return s;
        if (o->nquantiles) {
            first_digit(sub);
            ps->columns[c].tally[0] = &sub->digits;
        }
        if (o->histogram_bins && o->histogram_range) {
            set_edges(sub, o->range_lo, o->range_hi);
            ps->columns[c].tally[1] = &sub->histogram;
        }
        if (packed)
            memcpy(packed[c].tally, ps->columns[c].tally, sizeof packed[c].tally);
    }
    return MAPSCAN_OK;
}

/* Several columns: their first counts in the first pass when they fit
 * (columns_count_first), and each column's further passes after it, one
 * column at a time. */
static mapscan_status begin_columns(ms_passes *ps, ms_scan_request *req, ms_reread reread, mapscan_error *error)
{
    const mapscan_options *o = ps->o;
    bool first = count_in_first_pass(o, &req->reducer);
    uint64_t bytes = req->plan.count * req->plan.elem_size, later = 0;
    bool more = false;
    for (size_t c = 0; c < req->reducer.ncolumns; c++) {
        uint64_t column_bytes = req->reducer.column_units ? bytes / req->reducer.ncolumns : bytes;
        unsigned passes = column_pass_count(o, req->reducer.columns[c].type, first);
        later += passes * column_bytes;
        more |= passes > 0;
    }
    if (reread == MS_REREAD_NEVER && more)
        return read_once_columns(error);
    if (first) {
        mapscan_status s = columns_count_first(ps, req, error);
        if (s != MAPSCAN_OK)
            return s;
    }
    ps->req = *req;     /* the columns' reducers, for their passes (or, unread, their empty answers) */
    if (reread == MS_REREAD_YES) {
        req->progress_total = ps->req.progress_total = bytes + later;
        ps->can_rescan = true;
        ps->progress_done = bytes;
    }
    return MAPSCAN_OK;
}

mapscan_status ms_passes_begin(ms_passes *ps, ms_scan_request *req, ms_reread reread, mapscan_error *error)
{
    const mapscan_options *o = ps->o;
    if (req->reducer.ncolumns)
        return begin_columns(ps, req, reread, error);
    ps->counts = o->histogram_counts;
    mapscan_status s = allocate(ps, &req->reducer, req->kernel, error);
    if (s != MAPSCAN_OK)
        return s;
    unsigned planned = 1;
    if (o->nquantiles) {
        first_digit(ps);
        req->reducer.tally[0] = &ps->digits;
        planned += (ps->key_bits - 1) / MS_SELECT_DIGIT_BITS;
    }
    if (o->histogram_bins && o->histogram_range) {
        set_edges(ps, o->range_lo, o->range_hi);
        req->reducer.tally[1] = &ps->histogram;
    } else if (o->histogram_bins) {
        planned++;
    }
    if (reread == MS_REREAD_NEVER && planned > 1)
        return read_once(o, error);
    if (reread == MS_REREAD_YES) {
        req->progress_total = planned * req->plan.count * req->plan.elem_size;
        ps->req = *req;
        ps->can_rescan = true;
        ps->progress_done = req->plan.count * req->plan.elem_size;
    }
    return MAPSCAN_OK;
}

/* Meets the other parts of a split scan (when there are any). */
static mapscan_status meet(ms_passes *ps, mapscan_sync_point point, void *data, size_t n, mapscan_status s,
                           mapscan_error *error)
{
    const mapscan_options *o = ps->o;
    if (!o->sync)
        return s;
    mapscan_error theirs = { 0 };
    mapscan_status combined = o->sync(point, data, n, s, &theirs, o->sync_arg);
    if (s != MAPSCAN_OK)
        return s;       /* ours is the error to report */
    if (combined != MAPSCAN_OK)
        *error = theirs;
    return combined;
}

/* One more pass over the first pass's range, counting plan only. */
static mapscan_status run_pass(ms_passes *ps, ms_tally_plan *plan, size_t ncounters, mapscan_error *error)
{
    ms_scan_request r = ps->req;
    r.reducer.main = false;
    r.reducer.stats = 0;
    r.reducer.tally[0] = plan;
    r.reducer.tally[1] = NULL;
    uint64_t bytes = r.plan.count * r.plan.elem_size;
    r.progress_before = ps->progress_done;
    ps->progress_done += bytes;
    ps->passes_done++;
    if (ps->progress_done > r.progress_total)
        r.progress_total = ps->progress_done;
    ps->req.progress_total = r.progress_total;
    memset(plan->totals, 0, (ncounters + 2) * sizeof(uint64_t));
    mapscan_result scratch;
    memset(&scratch, 0, sizeof scratch);
    scratch.type = r.reducer.type;
    mapscan_status s = ms_schedule_run(&r, &scratch, error);
    ps->seconds += scratch.seconds;
    return meet(ps, MAPSCAN_SYNC_COUNTS, plan->totals, ncounters + 2, s, error);
}

/* A histogram over the data's min and max (numpy's rule when they are
 * equal; 0 to 1 when there is no value): its pass. */
static mapscan_status histogram_pass(ms_passes *ps, const mapscan_result *result, mapscan_error *error)
{
    bool is_float = mapscan_type_is_float(result->type);
    double lo = 0, hi = 1;
    if (ms_result_counted(result)) {
        lo = is_float ? result->floats.min : (double)ms_from_int128(result->stats.min);
        hi = is_float ? result->floats.max : (double)ms_from_int128(result->stats.max);
        if (!isfinite(lo) || !isfinite(hi))
            return ms_fail(error, MAPSCAN_E_INVALID, 0, "the data's range (%g to %g) is not finite: give the "
                           "histogram a range", lo, hi);
        if (lo == hi)
            lo -= 0.5, hi += 0.5;
    }
    set_edges(ps, lo, hi);
    if (!ms_result_counted(result))
        return MAPSCAN_OK;
    if (!ps->can_rescan)
        return read_once(ps->o, error);
    return run_pass(ps, &ps->histogram, ps->histogram.ncounters, error);
}

/* The value of a key of the scanned type, into w (units of 2^*scale);
 * false for an infinity (*v then holds it). */
static bool key_to_wide(mapscan_type type, uint64_t key, ms_wide *w, double *v, int *scale)
{
    unsigned bits = (unsigned)mapscan_type_size(type) * 8;
    *scale = 0;
    if (!mapscan_type_is_float(type)) {
        uint64_t sign = (uint64_t)1 << (bits - 1);
        ms_i128 value = (ms_i128)key;
        if (mapscan_type_is_signed(type))
            value = (ms_i128)(key ^ sign) - ((key & sign) ? 0 : (ms_i128)sign * 2);
        ms_wide_from_i128(w, value);
        return true;
    }
    *v = ms_key_value(type, key);
    *scale = -1074;
    if (!isfinite(*v))
        return false;
    ms_wide_from_double(w, *v);
    return true;
}

/* numpy's linear quantile between the keys lo and hi, exactly; with an
 * infinity, the formula as IEEE arithmetic evaluates it. */
static double quantile_value(mapscan_type type, uint64_t lo, uint64_t hi, double q, uint64_t n)
{
    ms_wide a, b;
    double va = 0, vb = 0;
    int scale;
    bool finite = key_to_wide(type, lo, &a, &va, &scale);
    finite &= key_to_wide(type, hi, &b, &vb, &scale);
    if (finite)
        return ms_wide_interpolate(&a, &b, q, n, scale);
    double h = q * (double)(n - 1), frac = h - floor(h);
    return lo == hi || frac == 0 ? va : va + frac * (vb - va);
}

static mapscan_status quantile_passes(ms_passes *ps, mapscan_result *result, mapscan_error *error)
{
    const mapscan_options *o = ps->o;
    mapscan_extra_stats *x = &result->extra;
    uint64_t n = ms_result_counted(result);
    x->nquantiles = o->nquantiles;
    for (size_t i = 0; i < o->nquantiles; i++) {
        x->q[i] = o->quantiles[i];
        x->quantile[i] = NAN;
    }
    if (n == 0)
        return MAPSCAN_OK;
    ms_select *sel = ps->select;
    /* The refinement's first pass is the first digit (first_digit's), which
     * the first pass counted: taken from it, then fed (feed reads the
     * counts of the pass next gave, and nothing else). */
    ms_digit_pass pass;
    if (ms_select_next(sel, &pass))
        ms_select_feed(sel, ps->digits.totals);
    mapscan_status s = MAPSCAN_OK;
    while (s == MAPSCAN_OK && ms_select_next(sel, &pass)) {
        if (!ps->can_rescan) {
            s = read_once(o, error);
            break;
        }
        ps->digits.digits = pass;
        ps->digits.ncounters = (size_t)pass.nslots << pass.digit_bits;
        s = run_pass(ps, &ps->digits, ps->digits.ncounters, error);
        if (s == MAPSCAN_OK)
            ms_select_feed(sel, ps->digits.totals);
    }
    for (size_t i = 0; s == MAPSCAN_OK && i < o->nquantiles; i++) {
        uint64_t lo, hi;
        ms_select_keys(sel, i, &lo, &hi);
        x->quantile[i] = quantile_value(result->type, lo, hi, o->quantiles[i], n);
    }
    return s;
}

/* The histogram's answer into the result and the caller's counters. */
static void histogram_result(ms_passes *ps, mapscan_result *result)
{
    const mapscan_options *o = ps->o;
    mapscan_extra_stats *x = &result->extra;
    x->bins = o->histogram_bins;
    x->lo = ps->edges[0];
    x->hi = ps->edges[x->bins];
    x->ranged = o->histogram_range;
    x->counts = ps->counts;
    memcpy(x->counts, ps->histogram.totals, x->bins * sizeof(uint64_t));
    x->below = ps->histogram.totals[x->bins];
    x->above = ps->histogram.totals[x->bins + 1];
}

/* Column c's own pass over the first pass's range: the same records with
 * the column's reducer, or a Fortran-order array's run of the column. */
static ms_scan_request column_request(const ms_passes *ps, size_t c)
{
    ms_scan_request r = ps->req;
    const ms_reducer *all = &ps->req.reducer;
    r.reducer = all->columns[c];
    r.reducer.origin = r.plan.offset;
    r.field_offset = all->columns[c].offset;
    if (all->column_units) {
        /* the units of the scan in [c * column_units, (c + 1) * column_units) of the data */
        uint64_t first = all->column_base, end = first + r.plan.count;
        uint64_t lo = c * all->column_units, hi = lo + all->column_units;
        uint64_t from = first > lo ? first : lo, to = end < hi ? end : hi;
        if (to < from)
            to = from;
        ms_plan_make(&r.plan, r.plan.offset + (from - first) * r.plan.elem_size, to - from, r.plan.elem_size,
                     r.plan.chunk_bytes, (size_t)sysconf(_SC_PAGESIZE));
        r.reducer.origin = r.plan.offset;
    }
    return r;
}

static mapscan_status after_first_pass(ms_passes *ps, mapscan_result *result, mapscan_error *error);

/* sub takes over the passes for column c: its request, its counts, and
 * the progress so far; column_leave gives the progress and time back. */
static void column_enter(const ms_passes *ps, size_t c, const mapscan_result *column, ms_passes *sub)
{
    sub->counts = column->extra.counts;
    sub->req = column_request(ps, c);
    sub->req.progress_total = ps->req.progress_total;
    sub->can_rescan = ps->can_rescan;
    sub->passes_done = ps->passes_done;
    sub->progress_done = ps->progress_done;
}

static void column_leave(ms_passes *ps, const ms_passes *sub)
{
    ps->passes_done = sub->passes_done;
    ps->progress_done = sub->progress_done;
    ps->seconds += sub->seconds;
    if (sub->req.progress_total > ps->req.progress_total)
        ps->req.progress_total = sub->req.progress_total;
}

/* Column c's passes when the first pass counted its first digit and
 * ranged histogram: as one column's, with the column's request. */
static mapscan_status counted_column_passes(ms_passes *ps, size_t c, mapscan_result *column, mapscan_error *error)
{
    ms_passes *sub = &ps->sub[c];
    column_enter(ps, c, column, sub);
    mapscan_status s = after_first_pass(sub, column, error);
    column_leave(ps, sub);
    return s;
}

/* Column c's quantiles and histogram: its first digit and a ranged
 * histogram take a pass each here (the first pass counted nothing). */
static mapscan_status column_passes(ms_passes *ps, size_t c, mapscan_result *column, mapscan_error *error)
{
    const mapscan_options *o = ps->o;
    if (ps->sub)
        return counted_column_passes(ps, c, column, error);
    ms_passes sub = { .o = o, .ended = true };
    column_enter(ps, c, column, &sub);
    mapscan_status s = allocate(&sub, &sub.req.reducer, sub.req.kernel, error);
    uint64_t counted = ms_result_counted(column);
    if (o->nquantiles) {
        first_digit(&sub);
        if (s == MAPSCAN_OK) {
            sub.select = ms_select_new(sub.key_bits, counted ? counted : 1, o->quantiles, o->nquantiles);
            if (!sub.select)
                s = ms_fail(error, MAPSCAN_E_NOMEM, ENOMEM, "out of memory for the quantiles");
        }
        if (s == MAPSCAN_OK && counted && !sub.can_rescan)
            s = read_once_columns(error);
        /* Every part meets here once, whether it counts, has nothing to
         * count, or failed (and then brings no counts). */
        if (s == MAPSCAN_OK && counted)
            s = run_pass(&sub, &sub.digits, sub.digits.ncounters, error);
        else
            s = meet(&sub, MAPSCAN_SYNC_COUNTS, s == MAPSCAN_OK ? sub.digits.totals : NULL,
                     sub.digits.ncounters + 2, s, error);
    } else if (s != MAPSCAN_OK && counted) {
        /* the others count the histogram's pass: they meet there */
        s = meet(&sub, MAPSCAN_SYNC_COUNTS, NULL, o->histogram_bins + 2, s, error);
    }
    if (s == MAPSCAN_OK && o->histogram_bins && o->histogram_range) {
        set_edges(&sub, o->range_lo, o->range_hi);
        if (counted && !sub.can_rescan)
            s = read_once_columns(error);
        else if (counted)
            s = run_pass(&sub, &sub.histogram, sub.histogram.ncounters, error);
    } else if (s == MAPSCAN_OK && o->histogram_bins) {
        s = histogram_pass(&sub, column, error);
    }
    if (s == MAPSCAN_OK && o->nquantiles)
        s = quantile_passes(&sub, column, error);
    if (s == MAPSCAN_OK && o->histogram_bins)
        histogram_result(&sub, column);
    column_leave(ps, &sub);
    ms_passes_free(&sub);
    return s;
}

static mapscan_status end_columns(ms_passes *ps, mapscan_status s, mapscan_result *result, mapscan_error *error)
{
    const mapscan_options *o = ps->o;
    s = meet(ps, MAPSCAN_SYNC_STATS, result->columns, result->ncolumns, s, error);
    /* the hook may have replaced each result whole with the merge, another
     * part's pointers in it: each column's counts are this part's again */
    ms_result_columns_own(result, o->histogram_bins);
    if (o->nquantiles || o->histogram_bins)
        for (size_t c = 0; s == MAPSCAN_OK && c < result->ncolumns; c++)
            s = column_passes(ps, c, &result->columns[c], error);
    result->seconds += ps->seconds;
    return s;
}

/* After the first pass and its meeting: what it counted, met, and the
 * passes after it. */
static mapscan_status after_first_pass(ms_passes *ps, mapscan_result *result, mapscan_error *error)
{
    const mapscan_options *o = ps->o;
    mapscan_status s = MAPSCAN_OK;
    if (o->nquantiles && ps->digits.totals) {
        /* Made before the parts meet again, so that one that cannot make it
         * stops them all there rather than leaving them waiting. */
        uint64_t n = ms_result_counted(result);
        ps->select = ms_select_new(ps->key_bits, n ? n : 1, o->quantiles, o->nquantiles);
        mapscan_status made = ps->select ? MAPSCAN_OK
                                         : ms_fail(error, MAPSCAN_E_NOMEM, ENOMEM, "out of memory for the quantiles");
        s = meet(ps, MAPSCAN_SYNC_COUNTS, ps->digits.totals, ps->digits.ncounters + 2, made, error);
    }
    if (s == MAPSCAN_OK && o->histogram_bins && o->histogram_range && ps->histogram.totals)
        s = meet(ps, MAPSCAN_SYNC_COUNTS, ps->histogram.totals, ps->histogram.ncounters + 2, s, error);
    if (s == MAPSCAN_OK && o->histogram_bins && !o->histogram_range)
        s = histogram_pass(ps, result, error);
    if (s == MAPSCAN_OK && o->nquantiles)
        s = quantile_passes(ps, result, error);
    if (s == MAPSCAN_OK && o->histogram_bins)
        histogram_result(ps, result);
    return s;
}

mapscan_status ms_passes_end(ms_passes *ps, mapscan_status s, mapscan_result *result, mapscan_error *error)
{
    if (ps->ended)
        return s;
    ps->ended = true;
    if (ps->columns)
        return end_columns(ps, s, result, error);
    s = meet(ps, MAPSCAN_SYNC_STATS, result, 1, s, error);
    if (s == MAPSCAN_OK)
        s = after_first_pass(ps, result, error);
    result->seconds += ps->seconds;    /* the scan's time: every pass's */
    return s;
}

void ms_passes_free(ms_passes *ps)
{
    for (size_t c = 0; c < ps->nsub; c++)
        ms_passes_free(&ps->sub[c]);
    free(ps->sub);
    ps->sub = NULL;
    ps->nsub = 0;
    free(ps->columns);
    ps->columns = NULL;
    ms_layout_free(&ps->layout);
    ms_select_free(ps->select);
    free(ps->digits.totals);
    free(ps->histogram.totals);
    free(ps->edges);
}
