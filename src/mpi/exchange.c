#include "exchange.h"

#include <string.h>

/* Bytes filled on one rank and zero on all others come out whole from a
 * bitwise OR (MPI_BOR is defined on MPI_BYTE). */
static int or_bytes(void *data, size_t bytes, MPI_Comm comm)
{
    unsigned char *p = data;
    while (bytes) {
        int n = bytes > (1u << 30) ? 1 << 30 : (int)bytes;     /* MPI counts are int */
        int rc = MPI_Allreduce(MPI_IN_PLACE, p, n, MPI_BYTE, MPI_BOR, comm);
        if (rc != MPI_SUCCESS)
            return rc;
        p += n;
        bytes -= (size_t)n;
    }
    return MPI_SUCCESS;
}

int exchange_probes(file_probe *probes, size_t n, MPI_Comm comm)
{
    return or_bytes(probes, n * sizeof *probes, comm);
}

int exchange_failures(rank_failure *failures, size_t n, MPI_Comm comm)
{
    return or_bytes(failures, n * sizeof *failures, comm);
}

static void part_to_result(const file_part *part, mapscan_result *r)
{
    memset(r, 0, sizeof *r);
    r->type = (mapscan_type)part->type;     /* first: the merge reads it (float statistics or integer ones) */
    r->stats = part->stats;
    r->floats = part->floats;
    r->bytes = part->bytes;
    r->backends = part->backends;
    r->threads = part->threads;
}

void part_merge(file_part *part, const mapscan_result *r)
{
    mapscan_result merged;
    part_to_result(part, &merged);
    mapscan_result_merge(&merged, r);
    part->stats = merged.stats;
    part->floats = merged.floats;
    part->bytes = merged.bytes;
    part->backends = merged.backends;
    part->threads = merged.threads;
}

/* The merge is exact (128-bit sums, count-weighted; a float file's exact
 * sums, NaN counts and extremes ordered with -0 below +0, its rounded sum
 * and mean made again from the exact total) and commutative, so any order
 * MPI reduces in gives the same bits; a file's seconds are the slowest
 * rank's (MPI_MAX's work, done here in the same pass). */
static void merge_parts(void *in, void *inout, int *len, MPI_Datatype *type)
{
    (void)type;
    const file_part *a = in;
    file_part *b = inout;
    for (int i = 0; i < *len; i++) {
        mapscan_result r;
        part_to_result(&a[i], &r);
        part_merge(&b[i], &r);
        if (a[i].seconds > b[i].seconds)
            b[i].seconds = a[i].seconds;
        if (a[i].failed_rank < b[i].failed_rank) {
            b[i].failed_rank = a[i].failed_rank;
            b[i].status = a[i].status;
        }
    }
}

int exchange_parts(file_part *parts, size_t n, MPI_Comm comm)
{
    MPI_Datatype type;
    MPI_Op op;
    int rc = MPI_Type_contiguous((int)sizeof *parts, MPI_BYTE, &type);
    if (rc != MPI_SUCCESS)
        return rc;
    MPI_Type_commit(&type);
    MPI_Op_create(merge_parts, 1, &op);
    for (size_t done = 0; done < n && rc == MPI_SUCCESS;) {
        int count = n - done > (1u << 20) ? 1 << 20 : (int)(n - done);
        rc = MPI_Allreduce(MPI_IN_PLACE, parts + done, count, type, op, comm);
        done += (size_t)count;
    }
    MPI_Op_free(&op);
    MPI_Type_free(&type);
    return rc;
}

int exchange_broadcast(void *data, size_t bytes, int root, MPI_Comm comm)
{
    unsigned char *p = data;
    while (bytes) {
        int n = bytes > (1u << 30) ? 1 << 30 : (int)bytes;
        int rc = MPI_Bcast(p, n, MPI_BYTE, root, comm);
        if (rc != MPI_SUCCESS)
            return rc;
        p += n;
        bytes -= (size_t)n;
    }
    return MPI_SUCCESS;
}

bool exchange_any(bool mine, MPI_Comm comm)
{
    int flag = mine, any = 0;
    if (MPI_Allreduce(&flag, &any, 1, MPI_INT, MPI_LOR, comm) != MPI_SUCCESS)
        return true;
    return any != 0;
}
