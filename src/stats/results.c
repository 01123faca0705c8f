/*
 * The memory of a scan of several columns: its columns' results, and their
 * histograms' counts, in one block the result owns (mapscan_result_free).
 */
#include "acc.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* n results, then n * bins counters. */
static mapscan_result *block(size_t n, uint64_t bins)
{
    if (bins && n > SIZE_MAX / sizeof(uint64_t) / bins)
        return NULL;
    return calloc(1, n * sizeof(mapscan_result) + n * bins * sizeof(uint64_t));
}

static uint64_t *counts_of(mapscan_result *columns, size_t n, uint64_t bins, size_t c)
{
    return bins ? (uint64_t *)(void *)(columns + n) + c * bins : NULL;
}

mapscan_status ms_result_columns_alloc(mapscan_result *result, size_t n, uint64_t bins, mapscan_error *error)
{
    result->columns = block(n, bins);
    if (!result->columns)
        return ms_fail(error, MAPSCAN_E_NOMEM, ENOMEM, "out of memory for the results of %zu columns", n);
    result->ncolumns = n;
    for (size_t c = 0; c < n; c++)
        result->columns[c].extra.counts = counts_of(result->columns, n, bins, c);
    return MAPSCAN_OK;
}

void ms_result_columns_own(mapscan_result *result, uint64_t bins)
{
    for (size_t c = 0; c < result->ncolumns; c++) {
        result->columns[c].extra.counts = counts_of(result->columns, result->ncolumns, bins, c);
        result->columns[c].columns = NULL;
        result->columns[c].ncolumns = 0;
    }
}

void mapscan_result_free(mapscan_result *result)
{
    free(result->columns);
    result->columns = NULL;
    result->ncolumns = 0;
}

mapscan_status mapscan_result_copy(mapscan_result *dst, const mapscan_result *src, mapscan_error *error)
{
    *dst = *src;
    dst->columns = NULL;
    dst->ncolumns = 0;
    if (!src->ncolumns || !src->columns)
        return MAPSCAN_OK;
    uint64_t bins = 0;
    for (size_t c = 0; c < src->ncolumns; c++)
        if (src->columns[c].extra.counts && src->columns[c].extra.bins > bins)
            bins = src->columns[c].extra.bins;
    mapscan_status s = ms_result_columns_alloc(dst, src->ncolumns, bins, error);
    if (s != MAPSCAN_OK)
        return s;
    for (size_t c = 0; c < src->ncolumns; c++) {
        const mapscan_result *from = &src->columns[c];
        mapscan_result *to = &dst->columns[c];
        uint64_t *counts = to->extra.counts;
        *to = *from;
        to->columns = NULL;
        to->ncolumns = 0;
        bool histogram = from->extra.counts && from->extra.bins;     /* a merge may have dropped it (bins 0) */
        to->extra.counts = histogram ? counts : NULL;
        if (histogram)
            memcpy(counts, from->extra.counts, from->extra.bins * sizeof(uint64_t));
    }
    return MAPSCAN_OK;
}
