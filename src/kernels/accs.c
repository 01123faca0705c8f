/*
 * A reducer's accumulators: one for a scan of one element per unit, and
 * one more per column for a scan of several (reduce.c fills
 * acc->columns[i] by the column's own reducer). The scheduler and the
 * stream open, merge and finish them through these four calls, whatever
 * the reducer holds.
 */
#include "kernels.h"

#include <stdlib.h>

bool ms_accs_open(const ms_reducer *r, ms_acc *acc, bool worker)
{
    ms_acc_init(acc);
    if (r->ncolumns) {
        acc->columns = malloc(r->ncolumns * sizeof *acc->columns);
        if (!acc->columns)
            return false;
        for (size_t c = 0; c < r->ncolumns; c++)
            ms_acc_init(&acc->columns[c]);
    }
    if (worker && !ms_tallies_open(r, acc))
        return false;
    if (r->packed && worker && !(acc->scratch = aligned_alloc(64, MS_TRANSPOSE_SCRATCH)))
        return false;
    return true;
}

void ms_accs_close(const ms_reducer *r, ms_acc *acc)
{
    ms_tallies_close(r, acc);      /* the columns' too */
    free(acc->columns);
    acc->columns = NULL;
    free(acc->scratch);
    acc->scratch = NULL;
}

static void merge_one(const ms_reducer *r, ms_acc *into, const ms_acc *from)
{
    ms_acc_merge_positions(into, from, mapscan_type_is_float(r->type));
    ms_acc_merge(into, from);
}

void ms_accs_merge(const ms_reducer *r, ms_acc *into, const ms_acc *from)
{
    merge_one(r, into, from);
    for (size_t c = 0; c < r->ncolumns; c++)
        merge_one(&r->columns[c], &into->columns[c], &from->columns[c]);
}

void ms_accs_finish(const ms_reducer *r, const ms_acc *acc, uint64_t ddof, mapscan_result *result)
{
    ms_acc_finish(acc, result->type, result);
    ms_acc_finish_extra(acc, r->stats, ddof, result);
    for (size_t c = 0; c < r->ncolumns; c++) {
        mapscan_result *column = &result->columns[c];
        ms_acc_finish(&acc->columns[c], column->type, column);
        ms_acc_finish_extra(&acc->columns[c], r->columns[c].stats, ddof, column);
    }
}
