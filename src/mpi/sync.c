#include "sync.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NO_FAILURE_KEY INT64_MAX

/* The lowest failing rank's status: (rank << 8) | status, or
 * NO_FAILURE_KEY, so that a minimum finds it. */
static int64_t failure_key(int rank, mapscan_status status)
{
    return status == MAPSCAN_OK ? NO_FAILURE_KEY : ((int64_t)rank << 8) | (int64_t)status;
}

mapscan_status sync_error(mapscan_error *error, mapscan_status status, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    error->status = status;
    error->sys_errno = 0;
    vsnprintf(error->message, sizeof error->message, fmt, ap);
    va_end(ap);
    return status;
}

void sync_begin(scan_sync *s, MPI_Comm comm)
{
    memset(s, 0, sizeof *s);
    s->comm = comm;
    MPI_Comm_rank(comm, &s->rank);
}

void sync_end(scan_sync *s)
{
    for (unsigned k = 0; k < SYNC_MAX_COUNTS; k++) {
        free(s->round_counts[k]);
        s->round_counts[k] = NULL;
    }
    free(s->rounds);
    s->rounds = NULL;
    s->nrounds = 0;
}

/* The merge is exact and its ties go to the smaller position, so any order
 * MPI reduces in gives the same bits. The results' pointers (kernel, a
 * histogram's counts, columns) are NULL here: a pointer means nothing on
 * another rank, and counters travel through the counting meetings
 * instead. */
static void merge_results(void *in, void *inout, int *len, MPI_Datatype *type)
{
    (void)type;
    const mapscan_result *a = in;
    mapscan_result *b = inout;
    for (int i = 0; i < *len; i++)
        mapscan_result_merge(&b[i], &a[i]);
}

/* A column that is a run of a Fortran-order array (channels): its
 * positions count from the start of the run (its origin is 0), so every
 * part's are already the column's own. Any other result's, and a record
 * column's, count rows from the part's first unit. */
static bool positions_own(const mapscan_result *r)
{
    return r->column[0] != '\0' && r->record_size == 0;
}

/* This part's result as the others take it: positions from the file's
 * first unit, no pointers. */
static void portable(const scan_sync *s, const mapscan_result *mine, mapscan_result *out)
{
    *out = *mine;
    out->kernel = NULL;
    out->extra.counts = NULL;
    out->columns = NULL;
    out->ncolumns = 0;
    uint64_t shift = positions_own(mine) ? 0 : s->shift;
    out->extra.argmin += shift;
    out->extra.argmax += shift;
}

/* After a meeting that found a failure: this rank's own status, or the
 * lowest failing rank's. */
static mapscan_status combined(scan_sync *s, mapscan_status mine, int64_t key, mapscan_error *error)
{
    if (mine != MAPSCAN_OK) {
        s->own_failure = true;
        return mine;
    }
    s->others_failure = true;
    mapscan_status theirs = (mapscan_status)(key & 0xff);
    error->status = theirs;
    error->sys_errno = 0;
    snprintf(error->message, sizeof error->message, "rank %d failed on this file", (int)(key >> 8));
    return theirs;
}

/* A round before the last (--io mpiio): its n results merged into what
 * the rounds before kept. */
static mapscan_status keep_round(scan_sync *s, const mapscan_result *mine, size_t n, mapscan_status status,
                                 mapscan_error *error)
{
    if (status == MAPSCAN_OK && !s->rounds) {
        s->rounds = calloc(n ? n : 1, sizeof *s->rounds);
        s->nrounds = n;
        if (!s->rounds)
            status = sync_error(error, MAPSCAN_E_NOMEM, "out of memory for %zu results", n);
        for (size_t c = 0; status == MAPSCAN_OK && c < n; c++)
            portable(s, &mine[c], &s->rounds[c]);
        if (status == MAPSCAN_OK)
            return status;
    } else if (status == MAPSCAN_OK && s->nrounds != n) {
        status = sync_error(error, MAPSCAN_E_INVALID, "a round met with %zu results, another with %zu", n, s->nrounds);
    }
    if (status != MAPSCAN_OK) {
        s->own_failure = true;
        return status;
    }
    for (size_t c = 0; c < n; c++) {
        mapscan_result r;
        portable(s, &mine[c], &r);
        mapscan_result_merge(&s->rounds[c], &r);
    }
    return MAPSCAN_OK;
}

/* data: n results, this part's (one, or one per column), replaced by
 * their merges over every part. The parts first agree on the lowest
 * failing rank and on n, so that one that failed (and may bring no
 * results) meets the others once and all stop there; then the n results
 * travel in one reduction. */
static mapscan_status meet_stats(scan_sync *s, mapscan_result *mine, size_t n, mapscan_status status,
                                 mapscan_error *error)
{
    s->meeting = 0;
    if (s->local)
        return keep_round(s, mine, n, status, error);
    mapscan_result *items = NULL;
    if (status == MAPSCAN_OK && s->rounds && s->nrounds != n)
        status = sync_error(error, MAPSCAN_E_INVALID, "the last round met with %zu results, the others with %zu", n,
                      s->nrounds);
    if (status == MAPSCAN_OK) {
        items = calloc(n ? n : 1, sizeof *items);      /* 2.9 KB each: off the scanning thread's stack */
        if (!items)
            status = sync_error(error, MAPSCAN_E_NOMEM, "out of memory to meet the other ranks (%zu results)", n);
    }
    long long said[3] = { failure_key(s->rank, status), (long long)n, -(long long)n }, agreed[3];
    MPI_Allreduce(said, agreed, 3, MPI_LONG_LONG, MPI_MIN, s->comm);
    mapscan_status result = MAPSCAN_OK;
    if (agreed[0] != NO_FAILURE_KEY) {
        result = combined(s, status, agreed[0], error);
    } else if (agreed[1] != -agreed[2]) {
        /* every part sees it alike, and each says it: the lowest rank's words are shown */
        s->own_failure = true;
        result = sync_error(error, MAPSCAN_E_CHANGED, "the ranks found from %lld to %lld columns in it",
                      agreed[1], -agreed[2]);
    } else {
        for (size_t c = 0; c < n; c++) {
            portable(s, &mine[c], &items[c]);
            if (s->rounds)
                mapscan_result_merge(&items[c], &s->rounds[c]);
        }
        MPI_Datatype type;
        MPI_Op op;
        MPI_Type_contiguous((int)sizeof *items, MPI_BYTE, &type);
        MPI_Type_commit(&type);
        MPI_Op_create(merge_results, 1, &op);
        MPI_Allreduce(MPI_IN_PLACE, items, (int)n, type, op, s->comm);
        MPI_Op_free(&op);
        MPI_Type_free(&type);
        /* The whole file's statistics; this part's own layout, bytes and pointers stay. */
        for (size_t c = 0; c < n; c++) {
            uint64_t *counts = mine[c].extra.counts;
            mine[c].stats = items[c].stats;
            mine[c].floats = items[c].floats;
            mine[c].extra = items[c].extra;
            mine[c].extra.counts = counts;
        }
        s->merged = true;
    }
    free(items);
    return result;
}

static mapscan_status meet_counts(scan_sync *s, uint64_t *counts, size_t n, mapscan_status status,
                                  mapscan_error *error)
{
    unsigned k = s->meeting++;
    if (s->local) {
        /* Only the first pass's counts come to a round's meetings: what
         * needs another pass is refused with --io mpiio. */
        if (k >= SYNC_MAX_COUNTS && status == MAPSCAN_OK)
            status = sync_error(error, MAPSCAN_E_INVALID, "a round of --io mpiio met more than %d counts", SYNC_MAX_COUNTS);
        if (status == MAPSCAN_OK && !s->round_counts[k]) {
            s->round_counts[k] = calloc(n ? n : 1, sizeof(uint64_t));
            s->round_ncounts[k] = n;
            if (!s->round_counts[k])
                status = sync_error(error, MAPSCAN_E_NOMEM, "out of memory for %zu counters", n);
        }
        if (status == MAPSCAN_OK && s->round_ncounts[k] != n)
            status = sync_error(error, MAPSCAN_E_INVALID, "a round counted %zu things, another %zu", n, s->round_ncounts[k]);
        if (status != MAPSCAN_OK) {
            s->own_failure = true;
            return status;
        }
        for (size_t i = 0; i < n; i++)
            s->round_counts[k][i] += counts[i];
        return MAPSCAN_OK;
    }
    long long key = failure_key(s->rank, status), lowest = NO_FAILURE_KEY;
    MPI_Allreduce(&key, &lowest, 1, MPI_LONG_LONG, MPI_MIN, s->comm);
    if (lowest != NO_FAILURE_KEY)
        return combined(s, status, lowest, error);
    if (k < SYNC_MAX_COUNTS && s->round_counts[k] && s->round_ncounts[k] == n)
        for (size_t i = 0; i < n; i++)
            counts[i] += s->round_counts[k][i];
    for (size_t done = 0; done < n;) {
        int m = n - done > (1u << 30) ? 1 << 30 : (int)(n - done);     /* MPI counts are int */
        MPI_Allreduce(MPI_IN_PLACE, counts + done, m, MPI_UINT64_T, MPI_SUM, s->comm);
        done += (size_t)m;
    }
    return MAPSCAN_OK;
}

mapscan_status sync_hook(mapscan_sync_point point, void *data, size_t n, mapscan_status status, mapscan_error *error,
                         void *arg)
{
    scan_sync *s = arg;
    if (point == MAPSCAN_SYNC_STATS)
        return meet_stats(s, data, n, status, error);
    return meet_counts(s, data, n, status, error);
}

mapscan_status sync_fail(scan_sync *s, mapscan_status status)
{
    mapscan_error ignored;
    mapscan_result nothing;
    memset(&nothing, 0, sizeof nothing);
    sync_hook(MAPSCAN_SYNC_STATS, &nothing, 1, status, &ignored, s);     /* a failing part brings no results */
    return status;
}
