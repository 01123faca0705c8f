/*
 * What a reader's piece of units goes through: the kernel (and the sum of
 * squares, when var is asked for) and the counting passes' tallies, records
 * gathered once into an L1-sized buffer for all of them; and the positions
 * of the first min and max.
 *
 * Positions: the piece is reduced into an accumulator of its own. Only
 * when its min could be the first one overall (smaller than what acc has
 * seen, or as small and earlier — the direct reader completes pieces in
 * any order) is the piece searched for it, from its start, by value
 * (keys.c). For data in random order that is the first piece a worker
 * reads and then rarely another; for data that keeps falling it is every
 * piece, up to the whole piece again.
 */
#include "kernels.h"

/* Records in batches small enough to stay in L1 once gathered. */
#define GATHER_BATCH_BYTES 4096

/* Contiguous elements: the kernel and the squares (the default
 * statistics, when main), then the tallies. */
static void reduce_packed(const ms_reducer *r, const unsigned char *p, size_t n, bool main, ms_acc *acc)
{
    if (main) {
        r->reduce(p, n, acc);
        if (r->stats & MAPSCAN_STAT_VAR)
            r->squares(p, n, acc);
    }
    for (unsigned i = 0; i < MS_TALLIES; i++)
        if (r->tally[i])
            ms_tally_count(r->tally[i], acc->tally[i], p, n);
}

/* Records are gathered once per batch, and every reduction takes the batch. */
static void reduce_any(const ms_reducer *r, const unsigned char *p, size_t n, bool main, ms_acc *acc)
{
    if (!r->stride) {
        reduce_packed(r, p, n, main, acc);
        return;
    }
    _Alignas(64) unsigned char packed[GATHER_BATCH_BYTES];
    size_t batch = GATHER_BATCH_BYTES / r->elem;
    for (size_t done = 0; done < n; done += batch) {
        size_t m = n - done < batch ? n - done : batch;
        r->gather(p + done * r->stride, m, r->stride, packed);
        reduce_packed(r, packed, m, main, acc);
    }
}

/* Whether a piece's extreme could come before acc's. */
static bool may_lead(ms_i128 piece, ms_i128 seen, bool smaller, uint64_t index, uint64_t seen_at, bool seen_any)
{
    if (!seen_any)
        return true;
    if (piece != seen)
        return smaller ? piece < seen : piece > seen;
    return index < seen_at;
}

static void fold_with_positions(const ms_reducer *r, const unsigned char *p, size_t n, uint64_t index, ms_acc *acc)
{
    ms_acc piece;
    ms_acc_init(&piece);
    piece.argmin = piece.argmax = UINT64_MAX;     /* not searched: never before acc's */
    for (unsigned i = 0; i < MS_TALLIES; i++)
        piece.tally[i] = acc->tally[i];     /* the worker's counters count the piece directly */
    reduce_any(r, p, n, true, &piece);
    bool is_float = mapscan_type_is_float(r->type);
    bool seen_any = acc->count > acc->fl.nan;
    size_t stride = r->stride ? r->stride : r->elem;
    if (piece.count > piece.fl.nan) {
        ms_i128 min = is_float ? piece.fl.min_key : piece.min, max = is_float ? piece.fl.max_key : piece.max;
        ms_i128 seen_min = is_float ? acc->fl.min_key : acc->min, seen_max = is_float ? acc->fl.max_key : acc->max;
        if ((r->stats & MAPSCAN_STAT_ARGMIN) && may_lead(min, seen_min, true, index, acc->argmin, seen_any))
            piece.argmin = index + ms_find_first(r->type, r->swap, p, n, stride, min);
        if ((r->stats & MAPSCAN_STAT_ARGMAX) && may_lead(max, seen_max, false, index, acc->argmax, seen_any))
            piece.argmax = index + ms_find_first(r->type, r->swap, p, n, stride, max);
        ms_acc_merge_positions(acc, &piece, is_float);
    }
    ms_acc_merge(acc, &piece);
}

/* Several columns of records: a batch of records small enough to stay in
 * L1 goes through every column's reduction (which gathers its column from
 * the batch), so the records are read from memory once. Wide records take
 * batches of up to 256 of them (within L2), so that a column's call has
 * more than a few elements: 4096 one-byte columns, 80 MB, took 0.59 s in
 * batches of 4 records and 0.26 s in batches of 256 (with --stats all,
 * 2.69 s and 0.37 s). */
#define COLUMN_BATCH_BYTES 16384
#define COLUMN_BATCH_WIDE_BYTES ((size_t)1 << 20)
#define COLUMN_BATCH_RECORDS 256

/*
 * Transposing records. A record of 2^k bytes whose columns each lie at a
 * multiple of their own size is a tree: its 8-byte words (no column is
 * wider, none straddles two), their halves, down to units that are each
 * one column (or padding, never visited). A batch of records (64 KiB, in
 * L2) is split into a run per word, or into the run of first halves and
 * the run of second halves (vectorized de-interleaves, split_impl.h); each
 * run that holds more than one column is split again, and each run that is
 * one column goes to that column's contiguous kernel. Every byte moves a
 * few times in cache through vector permutes, where gathering moves each
 * element alone: 16 channels of int16 take 3 passes (words, then halves
 * twice).
 */
#define TRANSPOSE_BATCH_BYTES (MS_TRANSPOSE_SCRATCH / 2)

static void transpose(const ms_reducer *r, const unsigned char *in, size_t n, size_t size, size_t lo, size_t first,
                      size_t last, unsigned char *scratch, uint64_t index, ms_acc *acc);

/* A record of 32 or 64 bytes: a run per 8-byte word in one pass (no
 * column is wider than a word, and none straddles two), then each word's
 * run split in halves. */
static void transpose_words(const ms_reducer *r, const unsigned char *in, size_t n, size_t size, size_t lo,
                            size_t first, size_t last, unsigned char *scratch, uint64_t index, ms_acc *acc)
{
    size_t words = size / 8, at = first;
    unsigned char *run[8];
    for (size_t k = 0; k < words; k++)
        run[k] = scratch + k * n * 8;
    r->words[words == 4 ? 0 : 1](in, n, run);
    for (size_t k = 0; k < words; k++) {
        size_t end = at;
        while (end < last && r->columns[r->order[end]].offset < lo + 8 * (k + 1))
            end++;
        transpose(r, run[k], n, 8, lo + 8 * k, at, end, scratch + n * size, index, acc);
        at = end;
    }
}

/* The columns order[first, last) lie in bytes [lo, lo + size) of the
 * record; in holds n units of size bytes (those bytes of each record). */
static void transpose(const ms_reducer *r, const unsigned char *in, size_t n, size_t size, size_t lo, size_t first,
                      size_t last, unsigned char *scratch, uint64_t index, ms_acc *acc)
{
    if (first == last)
        return;
    size_t c = r->order[first];
    if (last - first == 1 && r->packed[c].elem == size) {
        ms_reduce(&r->packed[c], in, n, index, &acc->columns[c]);
        return;
    }
    if (size > 16) {
        transpose_words(r, in, n, size, lo, first, last, scratch, index, acc);
        return;
    }
    size_t half = size / 2, split = first;
    while (split < last && r->columns[r->order[split]].offset < lo + half)
        split++;
    unsigned char *low = scratch, *high = scratch + n * half;
    r->split[__builtin_ctzl(half)](in, n, low, high);
    transpose(r, low, n, half, lo, first, split, scratch + n * size, index, acc);
    transpose(r, high, n, half, lo + half, split, last, scratch + n * size, index, acc);
}

static void reduce_transposed(const ms_reducer *r, const unsigned char *p, size_t n, uint64_t index, ms_acc *acc)
{
    unsigned char *scratch = acc->scratch;      /* MS_TRANSPOSE_SCRATCH bytes, the worker's */
    size_t batch = TRANSPOSE_BATCH_BYTES / r->stride;
    for (size_t done = 0; done < n; done += batch) {
        size_t m = n - done < batch ? n - done : batch;
        /* The next batch asked for while this one is split in cache: the
         * memory would otherwise idle through the splits and kernels (256
         * MiB from memory, one core: 16 x f32 6.4 -> 8.0 GB/s, 16 x i16
         * 10.7 -> 11.5; into L2 only, f32 6.3-6.9). */
        const unsigned char *next = p + (done + m) * r->stride;
        size_t ahead = n - done - m < batch ? (n - done - m) * r->stride : TRANSPOSE_BATCH_BYTES;
        for (size_t at = 0; at < ahead; at += 64)
            __builtin_prefetch(next + at, 0, 3);
        transpose(r, p + done * r->stride, m, r->stride, 0, 0, r->ncolumns, scratch, index + done, acc);
    }
}

static void reduce_records(const ms_reducer *r, const unsigned char *p, size_t n, uint64_t index, ms_acc *acc)
{
    if (r->packed) {
        reduce_transposed(r, p, n, index, acc);
        return;
    }
    size_t batch = COLUMN_BATCH_BYTES / r->stride, wide = COLUMN_BATCH_WIDE_BYTES / r->stride;
    if (batch < COLUMN_BATCH_RECORDS)
        batch = wide < COLUMN_BATCH_RECORDS ? wide : COLUMN_BATCH_RECORDS;
    if (batch == 0)
        batch = 1;
    for (size_t done = 0; done < n; done += batch) {
        size_t m = n - done < batch ? n - done : batch;
        const unsigned char *records = p + done * r->stride;
        for (size_t c = 0; c < r->ncolumns; c++)
            ms_reduce(&r->columns[c], records + r->columns[c].offset, m, index + done, &acc->columns[c]);
    }
}

/* A Fortran-order array's columns: the piece cut where one column's run
 * ends, each part reduced whole by its column (positions from the start
 * of the column's run). */
static void reduce_runs(const ms_reducer *r, const unsigned char *p, size_t n, uint64_t index, ms_acc *acc)
{
    uint64_t at = r->column_base + index;
    while (n > 0) {
        uint64_t c = at / r->column_units, row = at - c * r->column_units;
        size_t m = r->column_units - row < n ? (size_t)(r->column_units - row) : n;
        ms_reduce(&r->columns[c], p, m, row, &acc->columns[c]);
        p += m * r->elem;
        at += m;
        n -= m;
    }
}

void ms_reduce(const ms_reducer *r, const unsigned char *p, size_t n, uint64_t index, ms_acc *acc)
{
    if (r->ncolumns)
        (r->column_units ? reduce_runs : reduce_records)(r, p, n, index, acc);
    else if (r->main && (r->stats & (MAPSCAN_STAT_ARGMIN | MAPSCAN_STAT_ARGMAX)))
        fold_with_positions(r, p, n, index, acc);
    else
        reduce_any(r, p, n, r->main, acc);
}
