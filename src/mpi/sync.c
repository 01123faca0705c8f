#include "sync.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NO_FAILURE_KEY INT64_MAX

/* A part's result on its way to the others, and the lowest failing rank's
 * status: (rank << 8) | status, or NO_FAILURE_KEY, so that a minimum finds
 * it. */
typedef struct sync_item {
    mapscan_result r;
    int64_t failure;
} sync_item;

static int64_t failure_key(int rank, mapscan_status status)
{
    return status == MAPSCAN_OK ? NO_FAILURE_KEY : ((int64_t)rank << 8) | (int64_t)status;
}

void sync_begin(scan_sync *s, MPI_Comm comm, mapscan_type type)
{
    memset(s, 0, sizeof *s);
    s->comm = comm;
    MPI_Comm_rank(comm, &s->rank);
    s->type = type;
}

void sync_end(scan_sync *s)
{
    for (unsigned k = 0; k < SYNC_MAX_COUNTS; k++) {
        free(s->round_counts[k]);
        s->round_counts[k] = NULL;
    }
}

/* The merge is exact and its ties go to the smaller position, so any order
 * MPI reduces in gives the same bits. The results' pointers (kernel, the
 * histogram's counts) are NULL here: a pointer means nothing on another
 * rank, and counters travel through the counting meetings instead. */
static void merge_items(void *in, void *inout, int *len, MPI_Datatype *type)
{
    (void)type;
    const sync_item *a = in;
    sync_item *b = inout;
    for (int i = 0; i < *len; i++) {
        if (a[i].failure < b[i].failure)
            b[i].failure = a[i].failure;
        mapscan_result_merge(&b[i].r, &a[i].r);
    }
}

/* This part's result as the others take it: positions from the file's
 * first unit, no pointers. */
static void portable(const scan_sync *s, const mapscan_result *mine, mapscan_result *out)
{
    *out = *mine;
    out->kernel = NULL;
    out->extra.counts = NULL;
    out->extra.argmin += s->shift;
    out->extra.argmax += s->shift;
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

static mapscan_status meet_stats(scan_sync *s, mapscan_result *mine, mapscan_status status, mapscan_error *error)
{
    s->meeting = 0;
    if (s->local) {
        if (status != MAPSCAN_OK) {
            s->own_failure = true;
            return status;
        }
        mapscan_result r;
        portable(s, mine, &r);
        if (s->have_rounds)
            mapscan_result_merge(&s->rounds, &r);
        else
            s->rounds = r;
        s->have_rounds = true;
        return MAPSCAN_OK;
    }
    sync_item *item = calloc(1, sizeof *item);      /* 2.7 KB: off the scanning thread's stack */
    MPI_Datatype type;
    MPI_Op op;
    MPI_Type_contiguous((int)sizeof *item, MPI_BYTE, &type);
    MPI_Type_commit(&type);
    MPI_Op_create(merge_items, 1, &op);
    /* Every rank must take part, even one without the memory for its item:
     * it sends its failure in a buffer of its stack. */
    sync_item fallback;
    sync_item *it = item ? item : &fallback;
    memset(it, 0, sizeof *it);
    if (!item && status == MAPSCAN_OK) {
        status = MAPSCAN_E_NOMEM;
        error->status = status;
        error->sys_errno = 0;
        snprintf(error->message, sizeof error->message, "out of memory to meet the other ranks");
    }
    it->failure = failure_key(s->rank, status);
    if (status == MAPSCAN_OK) {
        portable(s, mine, &it->r);
        if (s->have_rounds) {
            mapscan_result_merge(&s->rounds, &it->r);
            it->r = s->rounds;
        }
    } else {
        it->r.type = s->type;
    }
    MPI_Allreduce(MPI_IN_PLACE, it, 1, type, op, s->comm);
    MPI_Op_free(&op);
    MPI_Type_free(&type);
    mapscan_status result = MAPSCAN_OK;
    if (it->failure != NO_FAILURE_KEY) {
        result = combined(s, status, it->failure, error);
    } else {
        /* The whole file's statistics; this part's own layout, bytes and pointers stay. */
        uint64_t *counts = mine->extra.counts;
        mine->stats = it->r.stats;
        mine->floats = it->r.floats;
        mine->extra = it->r.extra;
        mine->extra.counts = counts;
        s->merged = true;
    }
    free(item);
    return result;
}

static mapscan_status meet_counts(scan_sync *s, uint64_t *counts, size_t n, mapscan_status status,
                                  mapscan_error *error)
{
    unsigned k = s->meeting++;
    if (s->local) {
        /* Only the first pass's counts come to a round's meetings: what
         * needs another pass is refused with --io mpiio. */
        if (k >= SYNC_MAX_COUNTS && status == MAPSCAN_OK) {
            status = MAPSCAN_E_INVALID;
            error->status = status;
            error->sys_errno = 0;
            snprintf(error->message, sizeof error->message, "a round of --io mpiio met more than %d counts",
                     SYNC_MAX_COUNTS);
        }
        if (status == MAPSCAN_OK && !s->round_counts[k]) {
            s->round_counts[k] = calloc(n ? n : 1, sizeof(uint64_t));
            s->round_ncounts[k] = n;
            if (!s->round_counts[k]) {
                status = MAPSCAN_E_NOMEM;
                error->status = status;
                error->sys_errno = 0;
                snprintf(error->message, sizeof error->message, "out of memory for %zu counters", n);
            }
        }
        if (status == MAPSCAN_OK && s->round_ncounts[k] != n) {
            status = MAPSCAN_E_INVALID;
            error->status = status;
            error->sys_errno = 0;
            snprintf(error->message, sizeof error->message, "a round counted %zu things, another %zu", n,
                     s->round_ncounts[k]);
        }
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
        return meet_stats(s, data, status, error);
    return meet_counts(s, data, n, status, error);
}

mapscan_status sync_fail(scan_sync *s, mapscan_status status)
{
    mapscan_error ignored;
    mapscan_result nothing;
    memset(&nothing, 0, sizeof nothing);
    sync_hook(MAPSCAN_SYNC_STATS, &nothing, 1, status, &ignored, s);
    return status;
}
